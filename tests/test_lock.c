#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lock.h"
#include "runner.h"
#include "suites.h"

static char base_directory[] = "/tmp/kimb-test-lock-XXXXXX";
static char lock_directory[PATH_MAX];
static mode_t saved_umask;
/* The set a test holds, in a global so that it stays reachable in the children forked meanwhile:
 * they exit without freeing it, and valgrind would count it as lost in each of them. */
static struct lock_set *held;

static void make_base_directory(void)
{
	strcpy(base_directory + strlen(base_directory) - 6, "XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(base_directory));
	snprintf(lock_directory, sizeof lock_directory, "%s/locks", base_directory);
	ck_assert_int_eq(setenv("KIMB_LOCK_DIR", lock_directory, 1), 0);
	/* A umask that would keep other users out, as the lock files must not. */
	saved_umask = umask(077);
}

static void remove_tree(const char *path)
{
	struct stat status;

	ck_assert_int_eq(lstat(path, &status), 0);
	if (S_ISDIR(status.st_mode)) {
		DIR *directory = opendir(path);
		struct dirent *entry;

		ck_assert_ptr_nonnull(directory);
		while ((entry = readdir(directory))) {
			char child[PATH_MAX];

			if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0)
				continue;
			snprintf(child, sizeof child, "%s/%s", path, entry->d_name);
			remove_tree(child);
		}
		ck_assert_int_eq(closedir(directory), 0);
		ck_assert_int_eq(rmdir(path), 0);
	} else {
		ck_assert_int_eq(unlink(path), 0);
	}
}

static void remove_base_directory(void)
{
	umask(saved_umask);
	remove_tree(base_directory);
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
		if (strncmp(entry->d_name, prefix, prefix_length) == 0 && entry->d_name[prefix_length] == '-') {
			snprintf(path, PATH_MAX, "%s/%s", directory_path, entry->d_name);
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
	char why[512] = "";
	struct lock_set *set = lock_acquire(repositories, count, why, sizeof why);

	ck_assert_msg(set != NULL, "lock_acquire failed: %s", why);
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

static void run_contender(const char *const *repositories, size_t count, int progress, int go)
{
	char why[512];
	char byte;

	/* A hang ends this process alone, before Check's timeout for the test. Check's own SIGALRM
	 * handler, inherited through fork, would kill the whole process group instead. */
	if (signal(SIGALRM, SIG_DFL) == SIG_ERR)
		_exit(1);
	alarm(20);
	dprintf(progress, "trying\n");
	struct lock_set *set = lock_acquire(repositories, count, why, sizeof why);
	if (set)
		dprintf(progress, "acquired\n");
	else
		dprintf(progress, "failed: %s\n", why);
	ssize_t got = read(go, &byte, 1);
	lock_release(set);
	_exit(got == 1 ? 0 : 1);
}

static struct contender start_contender(const char *const *repositories, size_t count, int forward_signals)
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
		if (dup2(errors[1], STDERR_FILENO) == -1 || (forward_signals && runner_install_signal_forwarding() == -1))
			_exit(1);
		run_contender(repositories, count, progress[1], go[0]);
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

static void assert_next_line(FILE *stream, const char *expected)
{
	char line[512] = "";

	if (!fgets(line, sizeof line, stream))
		strcpy(line, "(end of file)");
	line[strcspn(line, "\n")] = '\0';
	ck_assert_str_eq(line, expected);
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

START_TEST(test_acquire_and_release)
{
	const char *repositories[] = {"localhost/whoami/web", "docker.io/library/nginx"};
	char web[PATH_MAX], nginx[PATH_MAX];
	struct stat status;

	held = acquire(repositories, 2);
	ck_assert_int_eq(lstat(lock_directory, &status), 0);
	ck_assert(S_ISDIR(status.st_mode));
	ck_assert_int_eq(status.st_mode & 07777, 01777);
	ck_assert_uint_eq(count_entries(lock_directory), 2);
	find_lock_file(lock_directory, "localhost_whoami_web", web);
	find_lock_file(lock_directory, "docker.io_library_nginx", nginx);
	ck_assert_int_eq(stat(web, &status), 0);
	ck_assert(S_ISREG(status.st_mode));
	ck_assert_int_eq(status.st_mode & 07777, 0666);
	ck_assert_int_eq(lock_holder(web), getpid());
	ck_assert_int_eq(lock_holder(nginx), getpid());

	lock_release(held);
	ck_assert_int_eq(lock_holder(web), 0);
	ck_assert_int_eq(lock_holder(nginx), 0);

	/* The files stay: taking them again works the same. */
	held = acquire(repositories, 2);
	ck_assert_int_eq(lock_holder(web), getpid());
	lock_release(held);
	ck_assert_uint_eq(count_entries(lock_directory), 2);
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
	ck_assert_uint_eq(count_open_descriptors() - open_before, 2);
	ck_assert_uint_eq(count_entries(lock_directory), 2);
	find_lock_file(lock_directory, "x", x);
	ck_assert_int_eq(lock_holder(x), getpid());
	lock_release(held);
	ck_assert_int_eq(lock_holder(x), 0);
}
END_TEST

START_TEST(test_names_differing_in_unportable_characters)
{
	const char *repositories[] = {"localhost:5000/a", "localhost_5000/a", "localhost/5000_a", "LOCALHOST/5000/A"};

	lock_release(acquire(repositories, 4));
	ck_assert_uint_eq(count_entries(lock_directory), 4);
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
	find_lock_file(lock_directory, readable_part, path);
	ck_assert_uint_le(strlen(strrchr(path, '/') + 1), 128);
	ck_assert_int_eq(lock_holder(path), getpid());
	lock_release(held);
}
END_TEST

START_TEST(test_second_run_waits_for_the_first)
{
	const char *repositories[] = {"localhost/whoami/web"};
	char path[PATH_MAX];

	held = acquire(repositories, 1);
	find_lock_file(lock_directory, "localhost_whoami_web", path);
	struct contender contender = start_contender(repositories, 1, 0);
	assert_next_line(contender.progress, "trying");
	assert_next_line(contender.errors, "kimb: waiting for another kimb working on localhost/whoami/web");
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
	struct contender contender = start_contender(other_repositories, 1, 0);
	assert_next_line(contender.progress, "trying");
	assert_next_line(contender.progress, "acquired");
	find_lock_file(lock_directory, "localhost_a", a);
	find_lock_file(lock_directory, "localhost_b", b);
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
	find_lock_file(lock_directory, "localhost_a", a);
	find_lock_file(lock_directory, "localhost_b", b);
	held = acquire(held_repositories, 1);
	struct contender contender = start_contender(wanted_repositories, 2, 0);
	assert_next_line(contender.progress, "trying");
	assert_next_line(contender.errors, "kimb: waiting for another kimb working on localhost/a");
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
	const char *repositories[] = {"localhost/whoami/web"};

	held = acquire(repositories, 1);
	struct contender contender = start_contender(repositories, 1, 1);
	assert_next_line(contender.progress, "trying");
	assert_next_line(contender.errors, "kimb: waiting for another kimb working on localhost/whoami/web");
	/* A signal that lands between the contender's last look and its wait is only seen at the next
	 * one, as when a user presses Ctrl-C again: send it until the contender answers. */
	struct pollfd answer = {.fd = fileno(contender.progress), .events = POLLIN};
	int answered = 0;
	for (int attempt = 0; attempt < 100 && answered == 0; attempt++) {
		ck_assert_int_eq(kill(contender.pid, SIGTERM), 0);
		answered = poll(&answer, 1, 200);
	}
	ck_assert_int_eq(answered, 1);
	assert_next_line(contender.progress, "failed: interrupted");
	finish_contender(&contender);
	lock_release(held);
}
END_TEST

static void assert_acquire_fails(const char *expected_why)
{
	const char *repositories[] = {"localhost/whoami/web"};
	char why[512] = "";

	ck_assert_ptr_null(lock_acquire(repositories, 1, why, sizeof why));
	ck_assert_str_eq(why, expected_why);
}

START_TEST(test_lock_directory_is_a_symbolic_link)
{
	char target[PATH_MAX], expected[PATH_MAX + 64];

	snprintf(target, sizeof target, "%s/elsewhere", base_directory);
	ck_assert_int_eq(mkdir(target, 0700), 0);
	ck_assert_int_eq(symlink(target, lock_directory), 0);
	snprintf(expected, sizeof expected, "lock directory %s is a symbolic link", lock_directory);
	assert_acquire_fails(expected);
	ck_assert_uint_eq(count_entries(target), 0);
}
END_TEST

START_TEST(test_lock_directory_is_a_dangling_symbolic_link)
{
	char expected[PATH_MAX + 64];

	ck_assert_int_eq(symlink("/nonexistent/kimb-test", lock_directory), 0);
	snprintf(expected, sizeof expected, "lock directory %s is a symbolic link", lock_directory);
	assert_acquire_fails(expected);
}
END_TEST

START_TEST(test_lock_directory_is_a_file)
{
	char expected[PATH_MAX + 64];
	int fd = open(lock_directory, O_WRONLY | O_CREAT | O_EXCL, 0600);

	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(close(fd), 0);
	snprintf(expected, sizeof expected, "lock directory %s is not a directory", lock_directory);
	assert_acquire_fails(expected);
}
END_TEST

START_TEST(test_lock_directory_cannot_be_created)
{
	char missing[PATH_MAX], expected[2 * PATH_MAX];

	snprintf(missing, sizeof missing, "%s/missing/locks", base_directory);
	ck_assert_int_eq(setenv("KIMB_LOCK_DIR", missing, 1), 0);
	snprintf(expected, sizeof expected, "cannot create lock directory %s: %s", missing, strerror(ENOENT));
	assert_acquire_fails(expected);
}
END_TEST

START_TEST(test_lock_file_is_a_symbolic_link)
{
	const char *repositories[] = {"localhost/whoami/web"};
	char path[PATH_MAX], why[512] = "", expected[2 * PATH_MAX];

	/* Find the file's name, then put a symbolic link in its place. */
	lock_release(acquire(repositories, 1));
	find_lock_file(lock_directory, "localhost_whoami_web", path);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(symlink("/nonexistent/kimb-test", path), 0);
	ck_assert_ptr_null(lock_acquire(repositories, 1, why, sizeof why));
	snprintf(expected, sizeof expected, "cannot lock %s: %s", path, strerror(ELOOP));
	ck_assert_str_eq(why, expected);
}
END_TEST

START_TEST(test_default_lock_directory)
{
	char repository[64], prefix[64], path[PATH_MAX];
	struct stat status;

	snprintf(repository, sizeof repository, "kimb-test/default-%ld", (long)getpid());
	snprintf(prefix, sizeof prefix, "kimb-test_default-%ld", (long)getpid());
	const char *repositories[] = {repository};
	ck_assert_int_eq(setenv("KIMB_LOCK_DIR", "", 1), 0);
	held = acquire(repositories, 1);
	ck_assert_int_eq(lstat("/tmp/kimb-locks", &status), 0);
	ck_assert(S_ISDIR(status.st_mode));
	find_lock_file("/tmp/kimb-locks", prefix, path);
	ck_assert_int_eq(lock_holder(path), getpid());
	lock_release(held);
	ck_assert_int_eq(unlink(path), 0);
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
	suite_add_tcase(suite, waiting);

	TCase *refusing = tcase_create("refusing");
	tcase_add_checked_fixture(refusing, make_base_directory, remove_base_directory);
	tcase_add_test(refusing, test_lock_directory_is_a_symbolic_link);
	tcase_add_test(refusing, test_lock_directory_is_a_dangling_symbolic_link);
	tcase_add_test(refusing, test_lock_directory_is_a_file);
	tcase_add_test(refusing, test_lock_directory_cannot_be_created);
	tcase_add_test(refusing, test_lock_file_is_a_symbolic_link);
	suite_add_tcase(suite, refusing);
	return suite;
}
