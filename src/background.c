/* SPDX-License-Identifier: Apache-2.0 */
#include "background.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hash.h"
#include "records.h"
#include "report.h"
#include "xalloc.h"

/* The first line of an outcome: the format, then the child's exit status. */
#define OUTCOME_MAGIC "kimb-prune-log 1 status "
/* More of a log than this is not told. */
#define TOLD_LIMIT (64 * 1024)
/* Descriptors above the standard ones that the child closes, at most. */
#define CLOSED_LIMIT 65536L

enum lock_outcome background_lock(const struct environment *environment, const char *const *repositories, size_t count,
				  bool wait, double timeout, struct lock_set **out, struct message *why)
{
	/* No repository's name holds a space: the prune locks' names are no tag lock's. */
	char **names = xcalloc(count + 1, sizeof *names);
	const char **lockable = xcalloc(count + 1, sizeof *lockable);
	for (size_t i = 0; i < count; i++)
		lockable[i] = names[i] = xprintf("%s (prune)", repositories[i]);
	const char *directory = lock_directory(environment);
	enum lock_outcome outcome = wait ? lock_acquire(directory, lockable, count, timeout, out, why)
					 : lock_try(directory, lockable, count, out, why);
	for (size_t i = 0; i < count; i++)
		free(names[i]);
	free(names);
	free(lockable);
	return outcome;
}

/* The directory of the logs, malloc'd, or NULL when there is no state directory. */
static char *log_directory(const struct environment *environment)
{
	char *state = records_state_directory(environment);
	if (!state)
		return NULL;
	char *directory = xprintf("%s/" BACKGROUND_DIRECTORY, state);
	free(state);
	return directory;
}

/* The path of REPOSITORY's log in DIRECTORY, with SUFFIX; malloc'd. */
static char *log_path(const char *directory, const char *repository, const char *suffix)
{
	char name[HASH_FILE_NAME_SIZE];
	hash_file_name(repository, repository, suffix, name);
	return xprintf("%s/%s", directory, name);
}

/* Reads at most TOLD_LIMIT bytes of PATH; NULL when it cannot be read. */
static char *read_text(const char *path)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd == -1)
		return NULL;
	char *text = xmalloc(TOLD_LIMIT + 1);
	size_t length = 0;
	ssize_t got;
	while (length < TOLD_LIMIT && (got = read(fd, text + length, TOLD_LIMIT - length)) > 0)
		length += (size_t)got;
	(void)close(fd); /* only read */
	text[length] = '\0';
	return text;
}

void background_tell_failures(const struct environment *environment, const char *const *repositories, size_t count)
{
	char *directory = log_directory(environment);
	if (!directory)
		return;
	for (size_t i = 0; i < count; i++) {
		char *path = log_path(directory, repositories[i], ".prune.log");
		char *text = read_text(path);
		int status = 0;
		if (text && strncmp(text, OUTCOME_MAGIC, strlen(OUTCOME_MAGIC)) == 0)
			status = atoi(text + strlen(OUTCOME_MAGIC));
		if (status != 0) {
			/* Told once: the log is renamed before it is told, so that two runs never both tell it. */
			char *told = xprintf("%s.told", path);
			if (rename(path, told) == 0) {
				const char *lines = strchr(text, '\n');
				report_say("the background prune of %s after an earlier build failed (exit status %d); "
					   "its log, %s, follows",
					   repositories[i], status, told);
				fputs(lines ? lines + 1 : "", stderr);
			}
			free(told);
		}
		free(text);
		free(path);
	}
	free(directory);
}

/* The number in PATH: 0 when there is no such file, -1 when it cannot be read. */
static long long read_count(const char *path)
{
	FILE *file = fopen(path, "r");
	if (!file)
		return errno == ENOENT ? 0 : -1;
	long long number = -1;
	if (fscanf(file, "%lld", &number) != 1 || number < 0)
		number = -1;
	(void)fclose(file); /* only read */
	return number;
}

void background_count_build(const struct environment *environment, const char *const *repositories, size_t count)
{
	char *directory = log_directory(environment);
	if (!directory || records_make_directories(directory) != 0) {
		free(directory);
		return;
	}
	for (size_t i = 0; i < count; i++) {
		char *path = log_path(directory, repositories[i], ".builds");
		char *temporary = xprintf("%s.%ld.new", path, (long)getpid());
		long long builds = read_count(path);
		FILE *file = fopen(temporary, "w");
		/* A count that cannot be read is replaced: the child that read it removes nothing anyway. */
		bool written = file && fprintf(file, "%lld\n", builds < 0 ? 1 : builds + 1) >= 0;
		if (file && fclose(file) != 0)
			written = false;
		if (!written || rename(temporary, path) != 0)
			(void)unlink(temporary);
		free(temporary);
		free(path);
	}
	free(directory);
}

long long background_builds(const struct environment *environment, const char *const *repositories, size_t count)
{
	char *directory = log_directory(environment);
	long long sum = directory ? 0 : -1;
	for (size_t i = 0; directory && i < count && sum >= 0; i++) {
		char *path = log_path(directory, repositories[i], ".builds");
		long long builds = read_count(path);
		sum = builds < 0 ? -1 : sum + builds;
		free(path);
	}
	free(directory);
	return sum;
}

/* The child's log while it runs: beside the outcomes, named by its first repository and its pid. */
static char *running_path(const char *directory, const char *repository, pid_t pid)
{
	char suffix[32];
	snprintf(suffix, sizeof suffix, ".%ld.running", (long)pid);
	return log_path(directory, repository, suffix);
}

/* In the child: its own session, stdin on /dev/null, stdout and stderr on LOG, nothing else open. */
static int settle_child(const char *log)
{
	if (setsid() == -1)
		return -1;
	int null = open("/dev/null", O_RDONLY);
	int out = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_NOFOLLOW, 0600);
	if (null == -1 || out == -1 || dup2(null, STDIN_FILENO) == -1 || dup2(out, STDOUT_FILENO) == -1 ||
	    dup2(out, STDERR_FILENO) == -1)
		return -1;
	long limit = sysconf(_SC_OPEN_MAX);
	if (limit < 0 || limit > CLOSED_LIMIT)
		limit = CLOSED_LIMIT;
	for (int fd = STDERR_FILENO + 1; fd < (int)limit; fd++)
		(void)close(fd); /* none was written to by kimb: nothing is lost */
	return 0;
}

int background_detach(const struct environment *environment, const char *const *repositories, size_t count,
		      struct message *why)
{
	char *directory = log_directory(environment);
	if (!directory || count == 0) {
		message_add(why, "no state directory for the background prune's log (set KIMB_STATE_DIR, or "
				 "XDG_STATE_HOME or HOME)");
		free(directory);
		return -1;
	}
	if (records_make_directories(directory) != 0) {
		message_add(why, "cannot create %s: %s", directory, strerror(errno));
		free(directory);
		return -1;
	}
	(void)fflush(stdout); /* the references are written: checked by the caller */
	(void)fflush(stderr);
	pid_t pid = fork();
	if (pid == -1) {
		message_add(why, "cannot start the background prune: %s", strerror(errno));
		free(directory);
		return -1;
	}
	if (pid > 0) {
		free(directory);
		return 0;
	}
	char *log = running_path(directory, repositories[0], getpid());
	int settled = settle_child(log);
	free(log);
	free(directory);
	if (settled != 0)
		_exit(1); /* nowhere left to say why; nothing was removed */
	return 1;
}

/* Writes the outcome of REPOSITORY's prune into DIRECTORY: TEXT after the line of STATUS. */
static void write_outcome(const char *directory, const char *repository, int status, const char *text)
{
	char *path = log_path(directory, repository, ".prune.log");
	char *temporary = xprintf("%s.%ld.new", path, (long)getpid());
	FILE *file = fopen(temporary, "w");
	bool written = file && fprintf(file, OUTCOME_MAGIC "%d\n%s", status, text) >= 0;
	if (file && fclose(file) != 0)
		written = false;
	if (!written || rename(temporary, path) != 0) {
		fprintf(stderr, "kimb: cannot write %s: %s\n", path, strerror(errno));
		(void)unlink(temporary);
	}
	free(temporary);
	free(path);
}

void background_finish(const struct environment *environment, const char *const *repositories, size_t count,
		       int status)
{
	char *directory = log_directory(environment);
	if (!directory || count == 0) {
		free(directory);
		return;
	}
	(void)fflush(stdout);
	(void)fflush(stderr);
	char *log = running_path(directory, repositories[0], getpid());
	char *text = read_text(log);
	for (size_t i = 0; i < count; i++)
		write_outcome(directory, repositories[i], status, text ? text : "");
	(void)unlink(log);
	free(text);
	free(log);
	free(directory);
}
