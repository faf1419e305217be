/* SPDX-License-Identifier: Apache-2.0 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "suites.h"

/* kimb's default lock directory: no test may touch it (each uses a directory of its own). */
static const char default_lock_directory[] = "/tmp/kimb-locks";

/* The directory of this run: the lock and state directories every test that does not set its own
 * gets, and the record of skipped tests. */
static char run_directory[] = "/tmp/kimb-check.XXXXXX";
static char skip_record[PATH_MAX];

void test_skipped(const char *function, const char *reason)
{
	size_t length = strlen(function);
	int name_length = (int)(length > 3 && strcmp(function + length - 3, "_fn") == 0 ? length - 3 : length);
	const char *require_all = getenv("KIMB_REQUIRE_ALL");

	if (require_all && strcmp(require_all, "1") == 0)
		ck_abort_msg("%.*s cannot run here (%s), and KIMB_REQUIRE_ALL=1 requires every test to run", name_length,
			     function, reason);
	fprintf(stderr, "SKIP: %.*s: %s\n", name_length, function, reason);
	/* Each test runs in a process of its own: the count is kept in a file. */
	int fd = open(skip_record, O_WRONLY | O_CREAT | O_APPEND, 0600);
	ck_assert_msg(fd != -1, "cannot open %s: %s", skip_record, strerror(errno));
	ck_assert_int_gt(dprintf(fd, "%.*s: %s\n", name_length, function, reason), 0);
	ck_assert_int_eq(close(fd), 0);
}

static int compare_strings(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* What can be seen of the default lock directory without taking any lock: whether it exists, and
 * the name, type, size and times of it and of each entry, sorted; a malloc'd string. */
static char *lock_directory_state(void)
{
	struct stat status;
	char **lines = NULL;
	size_t count = 0, total = 1;
	DIR *directory = opendir(default_lock_directory);

	if (!directory)
		return strdup(errno == ENOENT ? "absent" : strerror(errno));
	for (struct dirent *entry; (entry = readdir(directory));) {
		char path[PATH_MAX], line[PATH_MAX + 128];

		if (strcmp(entry->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", default_lock_directory, entry->d_name);
		if (lstat(path, &status) != 0)
			snprintf(line, sizeof line, "%s gone\n", entry->d_name);
		else
			snprintf(line, sizeof line, "%s %o %lld %lld.%09ld %lld.%09ld\n", entry->d_name,
				 (unsigned)status.st_mode, (long long)status.st_size, (long long)status.st_mtim.tv_sec,
				 status.st_mtim.tv_nsec, (long long)status.st_ctim.tv_sec, status.st_ctim.tv_nsec);
		char **grown = realloc(lines, (count + 1) * sizeof *lines);
		if (!grown || !(grown[count] = strdup(line))) {
			perror("check_kimb");
			exit(EXIT_FAILURE);
		}
		lines = grown;
		total += strlen(lines[count++]);
	}
	closedir(directory);
	qsort(lines, count, sizeof *lines, compare_strings);
	char *state = malloc(total);
	if (!state) {
		perror("check_kimb");
		exit(EXIT_FAILURE);
	}
	state[0] = '\0';
	for (size_t i = 0; i < count; i++) {
		strcat(state, lines[i]);
		free(lines[i]);
	}
	free(lines);
	return state;
}

static int remove_entry(const char *path, const struct stat *status, int type, struct FTW *walk)
{
	(void)status;
	(void)type;
	(void)walk;
	return remove(path);
}

int remove_tree(const char *path)
{
	return nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

const char *test_environment[8];

const char *test_lookup(const char *name)
{
	size_t length = strlen(name);
	for (size_t i = 0; test_environment[i]; i++)
		if (strncmp(test_environment[i], name, length) == 0 && test_environment[i][length] == '=')
			return test_environment[i] + length + 1;
	return NULL;
}

const struct environment *test_snapshot(void)
{
	static struct environment snapshot;
	env_read(&snapshot, test_lookup);
	return &snapshot;
}

struct listing test_listing(size_t count)
{
	struct listing listing = {calloc(count, sizeof(struct image)), count};
	ck_assert_ptr_nonnull(listing.images);
	return listing;
}

struct image_name *test_names(const char *repository, const char *tag)
{
	struct image_name *names = malloc(sizeof *names);
	ck_assert_ptr_nonnull(names);
	names[0] = (struct image_name){strdup(repository), strdup(repository), strdup(tag)};
	ck_assert(names[0].repository && names[0].shown && names[0].tag);
	return names;
}

char *make_temporary_directory(const char *parent, const char *name)
{
	char *path = malloc(strlen(parent) + strlen(name) + sizeof "/kimb--XXXXXX");
	if (path)
		sprintf(path, "%s/kimb-%s-XXXXXX", parent, name);
	if (path && mkdtemp(path))
		return path;
	free(path);
	return NULL;
}

char *make_suite_directory(const char *name)
{
	const char *tmpdir = getenv("TMPDIR");
	char *path = make_temporary_directory(tmpdir && *tmpdir ? tmpdir : "/tmp", name);

	if (!path) {
		perror("check_kimb: cannot make a temporary directory");
		exit(EXIT_FAILURE);
	}
	return path;
}

void remove_suite_directory(char *path)
{
	if (remove_tree(path) != 0)
		perror("check_kimb: cannot remove the temporary directory");
	free(path);
}

void redirect_to_temporary_file(struct redirection *redirection, int fd)
{
	char path[] = "/tmp/kimb-test-runner-XXXXXX";

	ck_assert_int_eq(fflush(NULL), 0);
	redirection->fd = fd;
	redirection->file = mkstemp(path);
	ck_assert_int_ne(redirection->file, -1);
	ck_assert_int_eq(unlink(path), 0);
	redirection->saved = dup(fd);
	ck_assert_int_ne(redirection->saved, -1);
	ck_assert_int_ne(dup2(redirection->file, fd), -1);
}

char *restore_and_read(struct redirection *redirection)
{
	struct stat status;

	ck_assert_int_ne(dup2(redirection->saved, redirection->fd), -1);
	ck_assert_int_eq(close(redirection->saved), 0);
	ck_assert_int_eq(fstat(redirection->file, &status), 0);
	char *text = calloc((size_t)status.st_size + 1, 1);
	ck_assert_ptr_nonnull(text);
	ck_assert_int_eq(pread(redirection->file, text, (size_t)status.st_size, 0), status.st_size);
	ck_assert_int_eq(close(redirection->file), 0);
	return text;
}

#ifndef FIXTURES_DIR
#error "FIXTURES_DIR (the absolute path of tests/fixtures) must be defined: the Makefile defines it"
#endif

char *fixture_read(const char *name, size_t *length)
{
	char path[PATH_MAX];
	ck_assert_int_lt(snprintf(path, sizeof path, "%s/%s", FIXTURES_DIR, name), (int)sizeof path);
	FILE *file = fopen(path, "rb");
	ck_assert_msg(file != NULL, "cannot open %s: %s", path, strerror(errno));
	char *text = NULL;
	size_t size = 0;
	FILE *copy = open_memstream(&text, &size);
	ck_assert_ptr_nonnull(copy);
	char buffer[8192];
	size_t got;
	while ((got = fread(buffer, 1, sizeof buffer, file)) > 0)
		ck_assert_uint_eq(fwrite(buffer, 1, got, copy), got);
	ck_assert_msg(!ferror(file), "cannot read %s", path);
	ck_assert_int_eq(fclose(file), 0);
	ck_assert_int_eq(fclose(copy), 0);
	if (length)
		*length = size;
	return text;
}

/* The tests of signals assume that each stopping signal does what it does by default: a caller that
 * ignores one (a background job of a shell ignores SIGINT and SIGQUIT, nohup SIGHUP) would make
 * them fail for a reason that is not kimb's. */
static int default_stopping_signals(void)
{
	static const int stopping[] = {SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGPIPE};
	struct sigaction default_action = {.sa_handler = SIG_DFL};

	if (sigemptyset(&default_action.sa_mask) != 0)
		return -1;
	for (size_t i = 0; i < sizeof stopping / sizeof *stopping; i++)
		if (sigaction(stopping[i], &default_action, NULL) != 0)
			return -1;
	return 0;
}

/* Prints the skipped tests; returns how many there were. */
static int report_skips(void)
{
	FILE *record = fopen(skip_record, "r");
	char line[1024];
	int count = 0;

	if (!record)
		return 0;
	while (fgets(line, sizeof line, record)) {
		if (count++ == 0)
			fputs("Skipped (KIMB_REQUIRE_ALL=1 makes these failures; CI sets it):\n", stdout);
		printf("  %s", line);
	}
	fclose(record);
	return count;
}

int main(void)
{
	char locks[PATH_MAX], state[PATH_MAX];

	if (default_stopping_signals() != 0) {
		perror("check_kimb: sigaction");
		return EXIT_FAILURE;
	}
	if (!mkdtemp(run_directory)) {
		perror("check_kimb: mkdtemp");
		return EXIT_FAILURE;
	}
	snprintf(locks, sizeof locks, "%s/locks", run_directory);
	snprintf(state, sizeof state, "%s/state", run_directory);
	snprintf(skip_record, sizeof skip_record, "%s/skipped", run_directory);
	if (setenv("KIMB_LOCK_DIR", locks, 1) != 0 || setenv("KIMB_STATE_DIR", state, 1) != 0) {
		perror("check_kimb: setenv");
		return EXIT_FAILURE;
	}
	char *locks_before = lock_directory_state();

	SRunner *runner = srunner_create(reference_suite());
	srunner_add_suite(runner, listing_suite());
	srunner_add_suite(runner, listing_json_suite());
	srunner_add_suite(runner, tagscheme_suite());
	srunner_add_suite(runner, gittag_suite());
	srunner_add_suite(runner, timeformat_suite());
	srunner_add_suite(runner, options_suite());
	srunner_add_suite(runner, plan_suite());
	srunner_add_suite(runner, execute_suite());
	srunner_add_suite(runner, process_suite());
	srunner_add_suite(runner, lock_suite());
	srunner_add_suite(runner, builder_suite());
	srunner_add_suite(runner, record_suite());
	srunner_add_suite(runner, records_suite());
	srunner_add_suite(runner, use_suite());
	srunner_add_suite(runner, session_suite());
	srunner_add_suite(runner, report_suite());
	srunner_add_suite(runner, worktree_suite());
	srunner_add_suite(runner, workstate_suite());
	srunner_add_suite(runner, cleanfilter_suite());
	srunner_add_suite(runner, complete_suite());
	srunner_add_suite(runner, toml_suite());
	srunner_add_suite(runner, settings_suite());
	srunner_add_suite(runner, spelling_suite());
	srunner_add_suite(runner, quote_suite());
	srunner_run_all(runner, CK_NORMAL);
	int failed = srunner_ntests_failed(runner);
	srunner_free(runner);

	report_skips();
	char *locks_after = lock_directory_state();
	if (strcmp(locks_before, locks_after) != 0) {
		fprintf(stderr,
			"check_kimb: %s changed during the tests: a test used kimb's default lock directory (or "
			"another kimb ran on this host meanwhile)\nbefore:\n%safter:\n%s\n",
			default_lock_directory, locks_before, locks_after);
		failed++;
	}
	free(locks_before);
	free(locks_after);
	if (remove_tree(run_directory) != 0) {
		fprintf(stderr, "check_kimb: cannot remove %s: %s\n", run_directory, strerror(errno));
		failed++;
	}
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
