/* SPDX-License-Identifier: Apache-2.0 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hash.h"
#include "lock.h"
#include "process.h"
#include "suites.h"

static char base_directory[] = "/tmp/kimb-test-lock-XXXXXX";
static char lock_path[PATH_MAX];
/* Where the tests lock: lock_path, unless a test says otherwise. */
static const char *lock_directory_in_use;
static mode_t saved_umask;
/* The set a test holds, in a global so that it stays reachable in the children forked meanwhile:
 * they exit without freeing it, and valgrind would count it as lost in each of them. */
static struct lock_set *held;

static void make_base_directory(void)
{
	strcpy(base_directory + strlen(base_directory) - 6, "XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(base_directory));
	snprintf(lock_path, sizeof lock_path, "%s/locks", base_directory);
	lock_directory_in_use = lock_path;
	/* A umask that would keep other users out, as the lock files must not. */
	saved_umask = umask(077);
}

static void remove_base_directory(void)
{
	umask(saved_umask);
	ck_assert_int_eq(remove_tree(base_directory), 0);
}

static size_t count_entries(const char *path)
{
	DIR *directory = opendir(path);
	struct dirent *entry;
	size_t count = 0;

	ck_assert_ptr_nonnull(directory);
	while ((entry = readdir(directory)))
		if (strcmp(entry->d_name, ".") != 0 && strcmp(entry->d_name, "..") != 0)
			count++;
	ck_assert_int_eq(closedir(directory), 0);
	return count;
}

static size_t count_open_descriptors(void)
{
	size_t count = 0;

	for (int fd = 0; fd < 256; fd++)
		if (fcntl(fd, F_GETFD) != -1)
			count++;
	return count;
}

/* The path of the one lock file in DIRECTORY whose readable part is PREFIX. */
static void find_lock_file(const char *directory_path, const char *prefix, char path[PATH_MAX])
{
	DIR *directory = opendir(directory_path);
	struct dirent *entry;
	size_t found = 0;
	size_t prefix_length = strlen(prefix);

	ck_assert_ptr_nonnull(directory);
	while ((entry = readdir(directory)))
		if (strncmp(entry->d_name, prefix, prefix_length) == 0 && entry->d_name[prefix_length] == '-' &&
		    strlen(entry->d_name) > 5 && strcmp(entry->d_name + strlen(entry->d_name) - 5, ".lock") == 0) {
			ck_assert_int_lt(snprintf(path, PATH_MAX, "%s/%s", directory_path, entry->d_name), PATH_MAX);
			found++;
		}
	ck_assert_int_eq(closedir(directory), 0);
	ck_assert_msg(found == 1, "%zu lock files for %s", found, prefix);
}

/* The pid that holds a lock on PATH as another process sees it, or 0 when it is free: a process
 * never sees its own locks with F_GETLK. */
static pid_t lock_holder(const char *path)
{
	int report[2];
	pid_t holder = -1;
	int status;

	ck_assert_int_eq(pipe(report), 0);
	pid_t pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		struct flock probe = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
		int fd = open(path, O_RDWR);

		if (fd != -1 && fcntl(fd, F_GETLK, &probe) == 0)
			holder = probe.l_type == F_UNLCK ? 0 : probe.l_pid;
		_exit(write(report[1], &holder, sizeof holder) == sizeof holder ? 0 : 1);
	}
	ck_assert_int_eq(close(report[1]), 0);
	ck_assert_int_eq(read(report[0], &holder, sizeof holder), sizeof holder);
	ck_assert_int_eq(close(report[0]), 0);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_int_eq(status, 0);
	ck_assert_int_ne(holder, -1);
	return holder;
}

static struct lock_set *acquire(const char *const *repositories, size_t count)
{
	struct message why = {0};
	struct lock_set *set = NULL;

	ck_assert_msg(lock_acquire(lock_directory_in_use, repositories, count, -1, &set, &why) == LOCK_HELD,
		      "lock_acquire failed: %s", why.text);
	ck_assert_ptr_nonnull(set);
	message_free(&why);
	return set;
}

/* Another kimb, in a child process: it says "trying" on PROGRESS, takes the locks, says "acquired"
 * (or "failed: WHY") and holds them until a byte comes on GO. Its stderr is ERRORS. */
struct contender {
	pid_t pid;
	FILE *progress;
	FILE *errors;
	int go;
};

static void run_contender(const char *const *repositories, size_t count, double timeout, int progress, int go)
{
	struct message why = {0};
	char byte;

	/* A hang ends this process alone, before Check's timeout for the test. Check's own SIGALRM
	 * handler, inherited through fork, would kill the whole process group instead. */
	if (signal(SIGALRM, SIG_DFL) == SIG_ERR)
		_exit(1);
	alarm(20);
	dprintf(progress, "trying\n");
	struct lock_set *set = NULL;
	enum lock_outcome outcome = lock_acquire(lock_directory_in_use, repositories, count, timeout, &set, &why);
	if (outcome == LOCK_HELD)
		dprintf(progress, "acquired\n");
	else
		dprintf(progress, "failed (%d): %s\n", (int)outcome, why.text);
	message_free(&why);
	ssize_t got = read(go, &byte, 1);
	lock_release(set);
	_exit(got == 1 ? 0 : 1);
}

/* Becomes the user UID (and the group of that number), in a child process: 0, or -1. */
static int become(uid_t uid)
{
	if (uid == geteuid())
		return 0;
	return setgid((gid_t)uid) == 0 && setuid(uid) == 0 ? 0 : -1;
}

/* A contender of the user UID. */
static struct contender start_contender_as(uid_t uid, const char *const *repositories, size_t count, double timeout,
					   int forward_signals)
{
	int progress[2], errors[2], go[2];
	struct contender contender;

	ck_assert_int_eq(pipe(progress), 0);
	ck_assert_int_eq(pipe(errors), 0);
	ck_assert_int_eq(pipe(go), 0);
	ck_assert_int_eq(fflush(NULL), 0);
	contender.pid = fork();
	ck_assert_int_ne(contender.pid, -1);
	if (contender.pid == 0) {
		if (dup2(errors[1], STDERR_FILENO) == -1 || (forward_signals && process_forward_signals() == -1) ||
		    become(uid) == -1)
			_exit(1);
		run_contender(repositories, count, timeout, progress[1], go[0]);
	}
	ck_assert_int_eq(close(progress[1]), 0);
	ck_assert_int_eq(close(errors[1]), 0);
	ck_assert_int_eq(close(go[0]), 0);
	contender.progress = fdopen(progress[0], "r");
	contender.errors = fdopen(errors[0], "r");
	ck_assert_ptr_nonnull(contender.progress);
	ck_assert_ptr_nonnull(contender.errors);
	contender.go = go[1];
	return contender;
}

static struct contender start_contender(const char *const *repositories, size_t count, double timeout,
					int forward_signals)
{
	return start_contender_as(geteuid(), repositories, count, timeout, forward_signals);
}

static void assert_next_line(FILE *stream, const char *expected)
{
	char line[512] = "";

	if (!fgets(line, sizeof line, stream))
		strcpy(line, "(end of file)");
	line[strcspn(line, "\n")] = '\0';
	ck_assert_str_eq(line, expected);
}

/* The line a contender says when this process holds REPOSITORY's lock file PATH. */
static void assert_waiting_line(FILE *stream, const char *repository, const char *path, bool forever)
{
	char expected[PATH_MAX + 256];

	snprintf(expected, sizeof expected, "kimb: waiting for process %ld, which holds the lock on %s (%s)%s",
		 (long)getpid(), repository, path, forever ? "; --lock-timeout limits the wait" : "");
	assert_next_line(stream, expected);
}

/* Lets the contender end, and checks that it said nothing more on stderr. */
static void finish_contender(struct contender *contender)
{
	int status;

	ck_assert_int_eq(write(contender->go, "x", 1), 1);
	ck_assert_int_eq(close(contender->go), 0);
	ck_assert_int_eq(waitpid(contender->pid, &status, 0), contender->pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the contender ended with status %#x", status);
	assert_next_line(contender->errors, "(end of file)");
	ck_assert_int_eq(fclose(contender->errors), 0);
	ck_assert_int_eq(fclose(contender->progress), 0);
}

/* Holds the lock of localhost/whoami/web, its file's path in PATH, and starts a contender of the
 * user UID (as start_contender_as does) that says it waits for it. */
static struct contender contend_for_held_lock(uid_t uid, double timeout, int forward_signals, char path[PATH_MAX])
{
	static const char *const repositories[] = {"localhost/whoami/web"};

	held = acquire(repositories, 1);
	find_lock_file(lock_path, "localhost_whoami_web", path);
	struct contender contender = start_contender_as(uid, repositories, 1, timeout, forward_signals);
	assert_next_line(contender.progress, "trying");
	assert_waiting_line(contender.errors, "localhost/whoami/web", path, timeout < 0);
	return contender;
}

START_TEST(test_acquire_and_release)
{
	const char *repositories[] = {"localhost/whoami/web", "docker.io/library/nginx"};
	char web[PATH_MAX], nginx[PATH_MAX];
	struct stat status;

	held = acquire(repositories, 2);
	ck_assert_int_eq(lstat(lock_path, &status), 0);
	ck_assert(S_ISDIR(status.st_mode));
	ck_assert_int_eq(status.st_mode & 07777, 01777);
	ck_assert_uint_eq(count_entries(lock_path), 2);
	find_lock_file(lock_path, "localhost_whoami_web", web);
	find_lock_file(lock_path, "docker.io_library_nginx", nginx);
	ck_assert_int_eq(stat(web, &status), 0);
	ck_assert(S_ISREG(status.st_mode));
	/* Everyone's runs lock it for reading; only the user's own for writing. */
	ck_assert_int_eq(status.st_mode & 07777, 0644);
	ck_assert_int_eq(lock_holder(web), getpid());
	ck_assert_int_eq(lock_holder(nginx), getpid());

	lock_release(held);
	ck_assert_int_eq(lock_holder(web), 0);
	ck_assert_int_eq(lock_holder(nginx), 0);

	/* The files stay: taking them again works the same. */
	held = acquire(repositories, 2);
	ck_assert_int_eq(lock_holder(web), getpid());
	lock_release(held);
	ck_assert_uint_eq(count_entries(lock_path), 2);
}
END_TEST

START_TEST(test_nothing_to_lock)
{
	lock_release(acquire(NULL, 0));
	lock_release(NULL);
}
END_TEST

START_TEST(test_duplicates)
{
	const char *repositories[] = {"x", "y", "x", "y", "x"};
	char x[PATH_MAX];

	size_t open_before = count_open_descriptors();
	held = acquire(repositories, 5);
	/* Two lock files, and the directory they are in. */
	ck_assert_uint_eq(count_open_descriptors() - open_before, 3);
	ck_assert_uint_eq(count_entries(lock_path), 2);
	find_lock_file(lock_path, "x", x);
	ck_assert_int_eq(lock_holder(x), getpid());
	lock_release(held);
	ck_assert_int_eq(lock_holder(x), 0);
}
END_TEST

START_TEST(test_names_differing_in_unportable_characters)
{
	const char *repositories[] = {"localhost:5000/a", "localhost_5000/a", "localhost/5000_a", "LOCALHOST/5000/A"};

	lock_release(acquire(repositories, 4));
	ck_assert_uint_eq(count_entries(lock_path), 4);
}
END_TEST

START_TEST(test_longest_repository_name)
{
	char repository[256] = "localhost/";
	char readable_part[65] = "localhost_";
	char path[PATH_MAX];

	memset(repository + strlen(repository), 'a', 255 - strlen(repository));
	repository[255] = '\0';
	/* The file name keeps the first 64 characters. */
	memset(readable_part + strlen(readable_part), 'a', 64 - strlen(readable_part));
	readable_part[64] = '\0';
	const char *repositories[] = {repository};
	held = acquire(repositories, 1);
	find_lock_file(lock_path, readable_part, path);
	ck_assert_uint_le(strlen(strrchr(path, '/') + 1), 128);
	ck_assert_int_eq(lock_holder(path), getpid());
	lock_release(held);
}
END_TEST

START_TEST(test_second_run_waits_for_the_first)
{
	char path[PATH_MAX];

	struct contender contender = contend_for_held_lock(geteuid(), -1, 0, path);
	ck_assert_int_eq(lock_holder(path), getpid());

	lock_release(held);
	assert_next_line(contender.progress, "acquired");
	ck_assert_int_eq(lock_holder(path), contender.pid);
	finish_contender(&contender);
	ck_assert_int_eq(lock_holder(path), 0);
}
END_TEST

START_TEST(test_other_repositories_do_not_wait)
{
	const char *held_repositories[] = {"localhost/a"};
	const char *other_repositories[] = {"localhost/b"};
	char a[PATH_MAX], b[PATH_MAX];

	held = acquire(held_repositories, 1);
	struct contender contender = start_contender(other_repositories, 1, -1, 0);
	assert_next_line(contender.progress, "trying");
	assert_next_line(contender.progress, "acquired");
	find_lock_file(lock_path, "localhost_a", a);
	find_lock_file(lock_path, "localhost_b", b);
	ck_assert_int_eq(lock_holder(a), getpid());
	ck_assert_int_eq(lock_holder(b), contender.pid);
	finish_contender(&contender);
	lock_release(held);
}
END_TEST

START_TEST(test_locks_are_taken_in_sorted_order)
{
	const char *held_repositories[] = {"localhost/a"};
	const char *wanted_repositories[] = {"localhost/b", "localhost/a"};
	char a[PATH_MAX], b[PATH_MAX];

	/* Both files exist from the start, so that a lock on b would show. */
	lock_release(acquire(wanted_repositories, 2));
	find_lock_file(lock_path, "localhost_a", a);
	find_lock_file(lock_path, "localhost_b", b);
	held = acquire(held_repositories, 1);
	struct contender contender = start_contender(wanted_repositories, 2, -1, 0);
	assert_next_line(contender.progress, "trying");
	assert_waiting_line(contender.errors, "localhost/a", a, true);
	/* Waiting for a, the contender must not sit on b, which comes after a. */
	ck_assert_int_eq(lock_holder(b), 0);
	lock_release(held);
	assert_next_line(contender.progress, "acquired");
	ck_assert_int_eq(lock_holder(a), contender.pid);
	ck_assert_int_eq(lock_holder(b), contender.pid);
	finish_contender(&contender);
}
END_TEST

START_TEST(test_wait_ends_when_interrupted)
{

	char path[PATH_MAX];
	struct contender contender = contend_for_held_lock(geteuid(), -1, 1, path);
	/* A signal that lands between the contender's last look and its wait is only seen at the next
	 * one, as when a user presses Ctrl-C again: send it until the contender answers. */
	struct pollfd answer = {.fd = fileno(contender.progress), .events = POLLIN};
	int answered = 0;
	for (int attempt = 0; attempt < 100 && answered == 0; attempt++) {
		ck_assert_int_eq(kill(contender.pid, SIGTERM), 0);
		answered = poll(&answer, 1, 200);
	}
	ck_assert_int_eq(answered, 1);
	assert_next_line(contender.progress, "failed (3): interrupted while waiting for the lock on localhost/whoami/web");
	finish_contender(&contender);
	lock_release(held);
}
END_TEST

static void assert_acquire_fails(const char *expected_why)
{
	const char *repositories[] = {"localhost/whoami/web"};
	struct message why = {0};
	struct lock_set *set = NULL;

	ck_assert_int_eq(lock_acquire(lock_directory_in_use, repositories, 1, -1, &set, &why), LOCK_FAILED);
	ck_assert_ptr_null(set);
	ck_assert_str_eq(why.text, expected_why);
	message_free(&why);
}

START_TEST(test_lock_directory_is_a_symbolic_link)
{
	char target[PATH_MAX], expected[PATH_MAX + 128];

	snprintf(target, sizeof target, "%s/elsewhere", base_directory);
	ck_assert_int_eq(mkdir(target, 0700), 0);
	ck_assert_int_eq(symlink(target, lock_path), 0);
	snprintf(expected, sizeof expected, "lock directory %s is a symbolic link; remove it or set KIMB_LOCK_DIR", lock_path);
	assert_acquire_fails(expected);
	ck_assert_uint_eq(count_entries(target), 0);
}
END_TEST

START_TEST(test_lock_directory_is_a_dangling_symbolic_link)
{
	char expected[PATH_MAX + 128];

	ck_assert_int_eq(symlink("/nonexistent/kimb-test", lock_path), 0);
	snprintf(expected, sizeof expected, "lock directory %s is a symbolic link; remove it or set KIMB_LOCK_DIR", lock_path);
	assert_acquire_fails(expected);
}
END_TEST

START_TEST(test_lock_directory_is_a_file)
{
	char expected[PATH_MAX + 128];
	int fd = open(lock_path, O_WRONLY | O_CREAT | O_EXCL, 0600);

	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(close(fd), 0);
	snprintf(expected, sizeof expected, "lock directory %s is not a directory; remove it or set KIMB_LOCK_DIR", lock_path);
	assert_acquire_fails(expected);
}
END_TEST

START_TEST(test_lock_directory_cannot_be_created)
{
	char missing[PATH_MAX], expected[2 * PATH_MAX];

	snprintf(missing, sizeof missing, "%s/missing/locks", base_directory);
	lock_directory_in_use = missing;
	snprintf(expected, sizeof expected, "cannot create lock directory %s: %s", missing, strerror(ENOENT));
	assert_acquire_fails(expected);
}
END_TEST

/* The path of the lock file of localhost/whoami/web, made by a run that is over. */
static void existing_lock_file(char path[PATH_MAX])
{
	const char *repositories[] = {"localhost/whoami/web"};

	lock_release(acquire(repositories, 1));
	find_lock_file(lock_path, "localhost_whoami_web", path);
}

/* PATH, in the lock file's place (or the lock directory), is refused with a reason that says SAYS. */
static void assert_refused(const char *path, const char *says)
{
	const char *repositories[] = {"localhost/whoami/web"};
	struct message why = {0};
	struct lock_set *set = NULL;

	ck_assert_int_eq(lock_acquire(lock_directory_in_use, repositories, 1, -1, &set, &why), LOCK_FAILED);
	ck_assert_ptr_null(set);
	ck_assert_msg(strstr(why.text, path) && strstr(why.text, says), "\"%s\" does not name %s and say \"%s\"",
		      why.text, path, says);
	ck_assert_ptr_null(strchr(why.text, '\n'));
	message_free(&why);
}

START_TEST(test_lock_file_is_a_symbolic_link)
{
	char path[PATH_MAX], target[PATH_MAX];
	struct stat status;

	existing_lock_file(path);
	snprintf(target, sizeof target, "%s/target", base_directory);
	int fd = open(target, O_WRONLY | O_CREAT | O_EXCL, 0600);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(close(fd), 0);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(symlink(target, path), 0);
	assert_refused(path, "is a symbolic link");
	ck_assert_int_eq(stat(target, &status), 0);
	ck_assert_int_eq(status.st_mode & 07777, 0600);
}
END_TEST

/* A hard link under a lock's name to a file the attacker wants opened to everyone: kimb neither
 * locks nor changes it. */
START_TEST(test_lock_file_is_a_hard_link)
{
	char path[PATH_MAX], target[PATH_MAX];
	struct stat status;

	existing_lock_file(path);
	snprintf(target, sizeof target, "%s/secret", base_directory);
	int fd = open(target, O_WRONLY | O_CREAT | O_EXCL, 0600);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(close(fd), 0);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(link(target, path), 0);
	assert_refused(path, "has 2 links, not 1");
	ck_assert_int_eq(stat(target, &status), 0);
	ck_assert_int_eq(status.st_mode & 07777, 0600);
	ck_assert_int_eq(lock_holder(target), 0);
}
END_TEST

START_TEST(test_lock_file_is_a_fifo)
{
	char path[PATH_MAX];

	existing_lock_file(path);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(mkfifo(path, 0666), 0);
	/* A blocking open of a FIFO would wait forever for a writer. */
	assert_refused(path, "is not a regular file");
}
END_TEST

START_TEST(test_lock_file_is_a_directory)
{
	char path[PATH_MAX];

	existing_lock_file(path);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	assert_refused(path, "is a directory");
}
END_TEST

/* A lock file that kimb did not make in this run is used as it is: its mode stays. */
START_TEST(test_existing_lock_file_is_not_changed)
{
	const char *repositories[] = {"localhost/whoami/web"};
	char path[PATH_MAX];
	struct stat status;

	existing_lock_file(path);
	ck_assert_int_eq(chmod(path, 0600), 0);
	held = acquire(repositories, 1);
	ck_assert_int_eq(lock_holder(path), getpid());
	lock_release(held);
	ck_assert_int_eq(stat(path, &status), 0);
	ck_assert_int_eq(status.st_mode & 07777, 0600);
}
END_TEST

/* A lock directory others may write to must be sticky, or anyone could swap a held lock file. */
START_TEST(test_lock_directory_open_to_all_but_not_sticky)
{
	char expected[PATH_MAX + 128];

	ck_assert_int_eq(mkdir(lock_path, 0700), 0);
	ck_assert_int_eq(chmod(lock_path, 0777), 0);
	snprintf(expected, sizeof expected,
		 "lock directory %s: others may write to it, but it is not sticky (chmod +t it, or set KIMB_LOCK_DIR)",
		 lock_path);
	assert_acquire_fails(expected);
	/* Nothing was made in it, and its mode stayed. */
	struct stat status;
	ck_assert_int_eq(stat(lock_path, &status), 0);
	ck_assert_int_eq(status.st_mode & 07777, 0777);
	ck_assert_uint_eq(count_entries(lock_path), 0);
	/* A directory of the user's own that only the user may write to is fine. */
	ck_assert_int_eq(chmod(lock_path, 0700), 0);
	const char *repositories[] = {"localhost/whoami/web"};
	lock_release(acquire(repositories, 1));
}
END_TEST

START_TEST(test_default_lock_directory)
{
	struct environment environment;

	test_environment[0] = "KIMB_LOCK_DIR=";
	env_read(&environment, test_lookup);
	ck_assert_str_eq(lock_directory(&environment), "/tmp/kimb-locks");
	test_environment[0] = NULL;
	env_read(&environment, test_lookup);
	ck_assert_str_eq(lock_directory(&environment), "/tmp/kimb-locks");
	test_environment[0] = "KIMB_LOCK_DIR=/run/kimb-locks";
	env_read(&environment, test_lookup);
	ck_assert_str_eq(lock_directory(&environment), "/run/kimb-locks");
	test_environment[0] = NULL;
}
END_TEST

/* A held lock ends a wait with a timeout: at once with 0, after the timeout otherwise, saying whom
 * it waited for. */
START_TEST(test_wait_ends_at_the_timeout)
{
	const char *repositories[] = {"localhost/whoami/web"};
	char path[PATH_MAX], expected[PATH_MAX + 256];

	held = acquire(repositories, 1);
	find_lock_file(lock_path, "localhost_whoami_web", path);
	snprintf(expected, sizeof expected,
		 "failed (2): gave up waiting for process %ld, which holds the lock on localhost/whoami/web (%s): "
		 "--lock-timeout reached",
		 (long)getpid(), path);
	const double timeouts[] = {0, 0.3};
	for (size_t i = 0; i < 2; i++) {
		struct contender contender = start_contender(repositories, 1, timeouts[i], 0);
		assert_next_line(contender.progress, "trying");
		assert_waiting_line(contender.errors, "localhost/whoami/web", path, false);
		assert_next_line(contender.progress, expected);
		finish_contender(&contender);
	}
	lock_release(held);
}
END_TEST

/* With a timeout, the lock is taken as soon as it is free. */
START_TEST(test_wait_with_a_timeout_takes_a_freed_lock)
{
	char path[PATH_MAX];

	struct contender contender = contend_for_held_lock(geteuid(), 60, 0, path);
	lock_release(held);
	assert_next_line(contender.progress, "acquired");
	finish_contender(&contender);
}
END_TEST

/* The clock kimb issues seconds by. */
static time_t realtime_now(void)
{
	struct timespec now;
	ck_assert_int_eq(clock_gettime(CLOCK_REALTIME, &now), 0);
	return now.tv_sec;
}

static time_t issue(const char *const *repositories, size_t count)
{
	struct message why = {0};
	time_t issued = 0;
	held = acquire(repositories, count);
	ck_assert_msg(lock_issue_second(held, &issued, &why) == 0, "%s", why.text);
	lock_release(held);
	held = NULL;
	return issued;
}

/* Writes TEXT into the issued-second file of the user UID for localhost/whoami/web. */
static void write_issued(unsigned long uid, const char *text, char path[PATH_MAX])
{
	char stem[HASH_FILE_NAME_SIZE];
	hash_file_name("localhost/whoami/web", "localhost/whoami/web", "", stem);
	ck_assert_int_lt(snprintf(path, PATH_MAX, "%s/%s.issued.%lu", lock_path, stem, uid), PATH_MAX);
	FILE *file = fopen(path, "w");
	ck_assert_ptr_nonnull(file);
	ck_assert_int_ge(fputs(text, file), 0);
	ck_assert_int_eq(fclose(file), 0);
}

/* No second is issued twice under one lock: the next run waits for the next second. */
START_TEST(test_a_second_is_issued_once)
{
	const char *repositories[] = {"localhost/whoami/web"};
	time_t before = realtime_now();
	time_t first = issue(repositories, 1);
	time_t second = issue(repositories, 1);
	ck_assert_int_ge(first, before);
	ck_assert_int_gt(second, first);
	ck_assert_int_ge(realtime_now(), second);
	/* Another repository has seconds of its own: no wait. */
	const char *other[] = {"localhost/other"};
	ck_assert_int_le(issue(other, 1), realtime_now());
}
END_TEST

/* A dry run's second is the one a run would issue now, neither waited for nor recorded: the next
 * run may issue it. */
START_TEST(test_the_next_second_is_not_issued)
{
	const char *repositories[] = {"localhost/whoami/web"};
	struct message why = {0};
	time_t first = issue(repositories, 1), next = 0, again = 0;
	held = acquire(repositories, 1);
	ck_assert_msg(lock_next_second(held, &next, &why) == 0, "%s", why.text);
	ck_assert_msg(lock_next_second(held, &again, &why) == 0, "%s", why.text);
	lock_release(held);
	held = NULL;
	ck_assert_int_gt(next, first);
	ck_assert_int_ge(again, next);
	/* Were NEXT recorded, the run after would issue a later second than NEXT, or than the clock. */
	time_t issued = issue(repositories, 1);
	time_t now = realtime_now();
	ck_assert_int_ge(issued, next);
	ck_assert_int_le(issued, next > now ? next : now);
}
END_TEST

/* Every user's record counts; one too far ahead to be any run's, or one that is no number, does not. */
START_TEST(test_seconds_issued_by_other_users_count)
{
	const char *repositories[] = {"localhost/whoami/web"};
	char path[PATH_MAX], text[32];
	time_t first = issue(repositories, 1);
	snprintf(text, sizeof text, "%lld\n", (long long)first + 1);
	write_issued(4242, text, path);
	ck_assert_int_ge(issue(repositories, 1), first + 2);

	snprintf(text, sizeof text, "%lld\n", (long long)realtime_now() + 100);
	write_issued(4242, text, path);
	time_t before = realtime_now();
	ck_assert_int_le(issue(repositories, 1), before + 2);
	write_issued(4242, "soon\n", path);
	ck_assert_int_le(issue(repositories, 1), realtime_now());
}
END_TEST

/* The user's own record planted as a symbolic link is neither followed nor written through. */
START_TEST(test_a_planted_record_is_refused)
{
	const char *repositories[] = {"localhost/whoami/web"};
	char path[PATH_MAX], target[PATH_MAX];
	struct message why = {0};
	time_t issued;
	lock_release(acquire(repositories, 1));
	write_issued((unsigned long)geteuid(), "1\n", path);
	ck_assert_int_eq(unlink(path), 0);
	snprintf(target, sizeof target, "%s/target", base_directory);
	int fd = open(target, O_WRONLY | O_CREAT | O_EXCL, 0600);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(close(fd), 0);
	ck_assert_int_eq(symlink(target, path), 0);
	held = acquire(repositories, 1);
	ck_assert_int_eq(lock_issue_second(held, &issued, &why), -1);
	ck_assert_ptr_nonnull(strstr(why.text, path));
	ck_assert_ptr_null(strchr(why.text, '\n'));
	message_free(&why);
	lock_release(held);
	held = NULL;
	struct stat status;
	ck_assert_int_eq(stat(target, &status), 0);
	ck_assert_int_eq(status.st_size, 0);
}
END_TEST

/* The lock file of localhost/whoami/web that the user UID takes. */
static void lock_file_of(unsigned long uid, char path[PATH_MAX])
{
	char stem[HASH_FILE_NAME_SIZE];
	hash_file_name("localhost/whoami/web", "localhost/whoami/web", "", stem);
	ck_assert_int_lt(snprintf(path, PATH_MAX, "%s/%s.%lu.lock", lock_path, stem, uid), PATH_MAX);
}

/* Makes an empty file PATH of the user UID that everyone may read, as kimb makes lock files. */
static void make_file_of(const char *path, uid_t uid)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(close(fd), 0);
	ck_assert_int_eq(chmod(path, 0644), 0);
	ck_assert_int_eq(chown(path, uid, (gid_t)uid), 0);
}

/* The path of the file of REPOSITORY that the user UID has: its lock file, or with ISSUED its
 * issued-second file. */
static void file_of(const char *repository, unsigned long uid, bool issued, char path[PATH_MAX])
{
	char stem[HASH_FILE_NAME_SIZE];
	hash_file_name(repository, repository, "", stem);
	ck_assert_int_lt(snprintf(path, PATH_MAX, issued ? "%s/%s.issued.%lu" : "%s/%s.%lu.lock", lock_path, stem, uid),
			 PATH_MAX);
}

/* Sets the time of change of REPOSITORY's files of the user UID (those there are) to DAYS ago. */
static void age_files(const char *repository, unsigned long uid, int days)
{
	char path[PATH_MAX];
	struct timespec times[2] = {{realtime_now() - days * 86400, 0}, {realtime_now() - days * 86400, 0}};
	for (int issued = 0; issued < 2; issued++) {
		file_of(repository, uid, issued, path);
		ck_assert(utimensat(AT_FDCWD, path, times, AT_SYMLINK_NOFOLLOW) == 0 || errno == ENOENT);
	}
}

static bool file_exists(const char *repository, unsigned long uid, bool issued)
{
	char path[PATH_MAX];
	struct stat status;
	file_of(repository, uid, issued, path);
	return lstat(path, &status) == 0;
}

/* Issue 19, 6: the user's own lock and issued-second files of repositories no run used for a day go
 * when a run takes its locks; those used lately, those holding a second of the last day, those a
 * run holds, the run's own and other users' stay. */
START_TEST(test_unused_files_are_swept)
{
	const char *web[] = {"localhost/whoami/web"}, *old[] = {"localhost/old"}, *untagged[] = {"localhost/untagged"},
		   *recent[] = {"localhost/recent"}, *tagged[] = {"localhost/tagged"}, *busy[] = {"localhost/busy"};
	char path[PATH_MAX], text[32];
	unsigned long me = (unsigned long)geteuid();
	(void)issue(old, 1);
	lock_release(acquire(untagged, 1));
	(void)issue(recent, 1);
	(void)issue(tagged, 1);
	(void)issue(busy, 1);
	(void)issue(web, 1);
	/* What a run of two days ago left: its lock file and the second it issued. */
	snprintf(text, sizeof text, "%lld\n", (long long)realtime_now() - 2 * 86400);
	file_of("localhost/old", me, true, path);
	FILE *file = fopen(path, "w");
	ck_assert_ptr_nonnull(file);
	ck_assert_int_ge(fputs(text, file), 0);
	ck_assert_int_eq(fclose(file), 0);
	file_of("localhost/busy", me, true, path);
	file = fopen(path, "w");
	ck_assert_ptr_nonnull(file);
	ck_assert_int_ge(fputs(text, file), 0);
	ck_assert_int_eq(fclose(file), 0);
	age_files("localhost/old", me, 2);
	age_files("localhost/untagged", me, 2);
	age_files("localhost/tagged", me, 2); /* its second is today's */
	age_files("localhost/busy", me, 2);
	age_files("localhost/whoami/web", me, 2);
	bool other_user = geteuid() == 0;
	if (other_user) {
		file_of("localhost/old", 4242, false, path);
		make_file_of(path, 4242);
		age_files("localhost/old", 4242, 2);
	}
	struct contender contender = start_contender(busy, 1, -1, 0);
	assert_next_line(contender.progress, "trying");
	assert_next_line(contender.progress, "acquired");
	/* The contender's lock_acquire marked its file used: old again, as if held for two days. */
	age_files("localhost/busy", me, 2);

	held = acquire(web, 1);
	ck_assert(!file_exists("localhost/old", me, false));
	ck_assert(!file_exists("localhost/old", me, true));
	ck_assert(!file_exists("localhost/untagged", me, false));
	ck_assert(file_exists("localhost/recent", me, false) && file_exists("localhost/recent", me, true));
	ck_assert(file_exists("localhost/tagged", me, false) && file_exists("localhost/tagged", me, true));
	ck_assert(file_exists("localhost/busy", me, false) && file_exists("localhost/busy", me, true));
	ck_assert(file_exists("localhost/whoami/web", me, false) && file_exists("localhost/whoami/web", me, true));
	if (other_user)
		ck_assert(file_exists("localhost/old", 4242, false));
	lock_release(held);
	held = NULL;
	finish_contender(&contender);
	/* The lock file's time says when a run last used it. */
	file_of("localhost/whoami/web", me, false, path);
	struct stat status;
	ck_assert_int_eq(stat(path, &status), 0);
	ck_assert_int_ge(status.st_mtim.tv_sec, realtime_now() - 60);
	if (!other_user)
		SKIP_TEST("another user's file needs root");
}
END_TEST

/* lock_acquire of localhost/whoami/web with timeout 0, as the user UID in a child process: its
 * outcome, with the reason added to WHY (NULL: not asked for). */
static enum lock_outcome acquire_as(uid_t uid, struct message *why)
{
	const char *repositories[] = {"localhost/whoami/web"};
	int report[2];
	int outcome = -1, status;
	char text[4096];
	ssize_t got;

	ck_assert_int_eq(pipe(report), 0);
	ck_assert_int_eq(fflush(NULL), 0);
	pid_t pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		struct lock_set *set = NULL;
		struct message reason = {0};
		int null = open("/dev/null", O_WRONLY);
		/* The waiting line is not this test's business. */
		if (null == -1 || dup2(null, STDERR_FILENO) == -1 || become(uid) == -1)
			_exit(1);
		outcome = (int)lock_acquire(lock_directory_in_use, repositories, 1, 0, &set, &reason);
		lock_release(set);
		/* The reason follows the outcome, to the end of the pipe. */
		bool written = write(report[1], &outcome, sizeof outcome) == sizeof outcome &&
			       (!reason.text || write(report[1], reason.text, reason.length) == (ssize_t)reason.length);
		message_free(&reason);
		_exit(written ? 0 : 1);
	}
	ck_assert_int_eq(close(report[1]), 0);
	ck_assert_int_eq(read(report[0], &outcome, sizeof outcome), sizeof outcome);
	while ((got = read(report[0], text, sizeof text)) > 0)
		if (why)
			message_add(why, "%.*s", (int)got, text);
	ck_assert_int_eq(got, 0);
	ck_assert_int_eq(close(report[0]), 0);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_int_eq(status, 0);
	return (enum lock_outcome)outcome;
}

/* Issue 15, 2: the lock file is removed, or another file renamed over it, while a run waits for it
 * (by its owner, or by root). The run that then gets the lock must hold the file its name leads to:
 * a third run would lock that one, and both would go on at once. */
START_TEST(test_lock_file_removed_or_replaced_while_waited_for)
{
	for (int replaced = 0; replaced < 2; replaced++) {
		char path[PATH_MAX], replacement[PATH_MAX];
		struct contender contender = contend_for_held_lock(geteuid(), -1, 0, path);
		if (replaced) {
			ck_assert_int_lt(snprintf(replacement, sizeof replacement, "%s/replacement", lock_path), PATH_MAX);
			make_file_of(replacement, geteuid());
			ck_assert_int_eq(rename(replacement, path), 0);
		} else {
			ck_assert_int_eq(unlink(path), 0);
		}
		lock_release(held);
		assert_next_line(contender.progress, "acquired");
		ck_assert_int_eq(lock_holder(path), contender.pid);
		finish_contender(&contender);
	}
}
END_TEST

/* Issue 15, 2: the owner of a directory may remove any file in it, sticky or not: a lock directory
 * of another user than root is refused, and nothing is made in it. */
START_TEST(test_lock_directory_of_another_user)
{
	if (geteuid() != 0)
		SKIP_TEST("needs root, to give the lock directory to another user");
	ck_assert_int_eq(mkdir(lock_path, 0700), 0);
	ck_assert_int_eq(chmod(lock_path, 01777), 0);
	ck_assert_int_eq(chown(lock_path, 4242, 4242), 0);
	assert_refused(lock_path, "belongs to user 4242");
	assert_refused(lock_path, ", not to you or root: its owner could remove a lock file while kimb holds it; "
				  "remove the directory, or set KIMB_LOCK_DIR");
	ck_assert_uint_eq(count_entries(lock_path), 0);
}
END_TEST

/* Issue 15, 2: a lock file under the user's own name that another user made, who could remove it
 * while kimb holds it, is refused. */
START_TEST(test_lock_file_of_another_user)
{
	char path[PATH_MAX];

	if (geteuid() != 0)
		SKIP_TEST("needs root, to give a lock file to another user");
	existing_lock_file(path);
	ck_assert_int_eq(chown(path, 4242, 4242), 0);
	assert_refused(path, "belongs to user 4242");
	assert_refused(path, ", not to you; remove it");
}
END_TEST

/* Issue 15, 2: another user's lock file counts only in a directory of root's with the sticky bit,
 * where users share locks (and nobody but its owner and root may remove a file); elsewhere it is
 * refused. */
START_TEST(test_lock_file_of_another_user_outside_a_shared_directory)
{
	const char *repositories[] = {"localhost/whoami/web"};
	char own[PATH_MAX], theirs[PATH_MAX];
	struct message why = {0};

	if (geteuid() != 0)
		SKIP_TEST("needs root, to make files of other users");
	existing_lock_file(own);
	lock_file_of(4242, theirs);
	make_file_of(theirs, 4242);
	/* root's, not sticky */
	ck_assert_int_eq(chmod(lock_path, 0755), 0);
	assert_refused(theirs, "belongs to user 4242");
	assert_refused(theirs, ", in a lock directory that is not root's with the sticky bit; remove it");
	/* root's and sticky: it counts, and is locked too */
	ck_assert_int_eq(chmod(lock_path, 01777), 0);
	held = acquire(repositories, 1);
	ck_assert_int_eq(lock_holder(theirs), getpid());
	lock_release(held);
	held = NULL;
	/* another user's (4243 takes the directory as its own) */
	ck_assert_int_eq(chmod(base_directory, 0755), 0);
	ck_assert_int_eq(unlink(theirs), 0);
	ck_assert_int_eq(unlink(own), 0);
	ck_assert_int_eq(chown(lock_path, 4243, 4243), 0);
	ck_assert_int_eq(acquire_as(4243, NULL), LOCK_HELD);
	make_file_of(theirs, 4242);
	ck_assert_int_eq(acquire_as(4243, &why), LOCK_FAILED);
	ck_assert_msg(strstr(why.text, theirs) && strstr(why.text, "belongs to user 4242") &&
			      strstr(why.text, ", in a lock directory that is not root's"),
		      "%s", why.text);
	message_free(&why);
}
END_TEST

/* Issue 19: a lock directory the user may not write to, where the user's lock file does not exist,
 * is said as the directory's problem, not as a file another user made unwritable; and a file that
 * exists but keeps the user out, as the file's. */
START_TEST(test_unwritable_lock_directory_and_file_are_told_apart)
{
	char theirs[PATH_MAX];
	struct message why = {0};

	if (geteuid() != 0)
		SKIP_TEST("needs root, to run as another user");
	ck_assert_int_eq(chmod(base_directory, 0755), 0);
	ck_assert_int_eq(mkdir(lock_path, 0755), 0);
	ck_assert_int_eq(chmod(lock_path, 0755), 0);
	lock_file_of(4242, theirs);
	ck_assert_int_eq(acquire_as(4242, &why), LOCK_FAILED);
	ck_assert_msg(strstr(why.text, "cannot create lock file ") && strstr(why.text, lock_path) &&
			      strstr(why.text, strerror(EACCES)) &&
			      strstr(why.text, "(the directory is not writable to you; make it so, as root for a shared "
					       "one: chmod 1777 it, or set KIMB_LOCK_DIR to a directory of yours)"),
		      "%s", why.text);
	ck_assert_ptr_null(strstr(why.text, "another user"));
	ck_assert_uint_eq(count_entries(lock_path), 0);
	message_free(&why);

	ck_assert_int_eq(chmod(lock_path, 01777), 0);
	make_file_of(theirs, 4242);
	ck_assert_int_eq(chmod(theirs, 0444), 0);
	ck_assert_int_eq(acquire_as(4242, &why), LOCK_FAILED);
	ck_assert_msg(strstr(why.text, "cannot open lock file ") && strstr(why.text, theirs) &&
			      strstr(why.text, "(the file exists, but its mode keeps you out: another user made it so; "
					       "remove it, as its owner or root, or set KIMB_LOCK_DIR)"),
		      "%s", why.text);
	message_free(&why);
}
END_TEST

/* Runs of two users exclude each other in a directory of root's with the sticky bit (as
 * /tmp/kimb-locks made by root's kimb), whoever comes first. */
START_TEST(test_users_exclude_each_other)
{
	char own[PATH_MAX];

	if (geteuid() != 0)
		SKIP_TEST("needs root, to run as another user");
	ck_assert_int_eq(chmod(base_directory, 0755), 0);
	struct contender contender = contend_for_held_lock(4242, -1, 0, own);
	lock_release(held);
	held = NULL;
	assert_next_line(contender.progress, "acquired");
	/* The other user's run holds: neither root's nor a third user's may go on. */
	ck_assert_int_eq(acquire_as(4243, NULL), LOCK_TIMED_OUT);
	ck_assert_int_eq(acquire_as(0, NULL), LOCK_TIMED_OUT);
	finish_contender(&contender);
	ck_assert_int_eq(acquire_as(4243, NULL), LOCK_HELD);
}
END_TEST

Suite *lock_suite(void)
{
	Suite *suite = suite_create("lock");
	TCase *locking = tcase_create("locking");
	tcase_add_checked_fixture(locking, make_base_directory, remove_base_directory);
	tcase_add_test(locking, test_acquire_and_release);
	tcase_add_test(locking, test_nothing_to_lock);
	tcase_add_test(locking, test_duplicates);
	tcase_add_test(locking, test_names_differing_in_unportable_characters);
	tcase_add_test(locking, test_longest_repository_name);
	tcase_add_test(locking, test_default_lock_directory);
	suite_add_tcase(suite, locking);

	TCase *waiting = tcase_create("waiting");
	tcase_add_checked_fixture(waiting, make_base_directory, remove_base_directory);
	tcase_set_timeout(waiting, 30); /* room for a loaded machine and valgrind */
	tcase_add_test(waiting, test_second_run_waits_for_the_first);
	tcase_add_test(waiting, test_other_repositories_do_not_wait);
	tcase_add_test(waiting, test_locks_are_taken_in_sorted_order);
	tcase_add_test(waiting, test_wait_ends_when_interrupted);
	tcase_add_test(waiting, test_wait_ends_at_the_timeout);
	tcase_add_test(waiting, test_wait_with_a_timeout_takes_a_freed_lock);
	tcase_add_test(waiting, test_a_second_is_issued_once);
	tcase_add_test(waiting, test_the_next_second_is_not_issued);
	tcase_add_test(waiting, test_seconds_issued_by_other_users_count);
	tcase_add_test(waiting, test_lock_file_removed_or_replaced_while_waited_for);
	tcase_add_test(waiting, test_users_exclude_each_other);
	suite_add_tcase(suite, waiting);

	TCase *refusing = tcase_create("refusing");
	tcase_add_checked_fixture(refusing, make_base_directory, remove_base_directory);
	tcase_add_test(refusing, test_lock_directory_is_a_symbolic_link);
	tcase_add_test(refusing, test_lock_directory_is_a_dangling_symbolic_link);
	tcase_add_test(refusing, test_lock_directory_is_a_file);
	tcase_add_test(refusing, test_lock_directory_cannot_be_created);
	tcase_add_test(refusing, test_lock_file_is_a_symbolic_link);
	tcase_add_test(refusing, test_lock_file_is_a_hard_link);
	tcase_add_test(refusing, test_lock_file_is_a_fifo);
	tcase_add_test(refusing, test_lock_file_is_a_directory);
	tcase_add_test(refusing, test_existing_lock_file_is_not_changed);
	tcase_add_test(refusing, test_lock_directory_open_to_all_but_not_sticky);
	tcase_add_test(refusing, test_a_planted_record_is_refused);
	tcase_add_test(refusing, test_lock_directory_of_another_user);
	tcase_add_test(refusing, test_lock_file_of_another_user);
	tcase_add_test(refusing, test_lock_file_of_another_user_outside_a_shared_directory);
	tcase_add_test(refusing, test_unwritable_lock_directory_and_file_are_told_apart);
	tcase_add_test(refusing, test_unused_files_are_swept);
	suite_add_tcase(suite, refusing);
	return suite;
}
