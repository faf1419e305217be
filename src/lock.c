#include "lock.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hash.h"
#include "runner.h"
#include "xalloc.h"

/* How often a wait with a timeout tries the lock again. */
#define POLL_NANOSECONDS 50000000L
/* A second issued further ahead of the clock than this is no run's on this host: not waited for. */
#define LONGEST_ISSUE_WAIT_SECONDS 2
/* What follows a lock file's name, without ".lock", in the names of the issued-second files. */
#define ISSUED_INFIX ".issued."

struct held_lock {
	int fd;
	char name[HASH_FILE_NAME_SIZE];
};

struct lock_set {
	int directory;   /* the lock directory, open for the issued-second files */
	char *directory_path;
	size_t count;
	struct held_lock locks[];
};

/* When a wait for a lock must end. */
struct wait_limit {
	bool forever;
	struct timespec deadline; /* CLOCK_MONOTONIC */
};

const char *lock_directory(void)
{
	const char *path = getenv("KIMB_LOCK_DIR");

	return path && *path ? path : LOCK_DEFAULT_DIRECTORY;
}

static void close_quietly(int fd)
{
	/* Only descriptors kimb never wrote to: closing one loses nothing, whatever close says. */
	(void)close(fd);
}

/* A directory that others may write to and that is not sticky lets anyone replace a lock file while
 * it is held, and so two runs hold "the" lock at once. */
static bool is_shared_safely(const struct stat *status)
{
	return (status->st_mode & (S_IWGRP | S_IWOTH)) == 0 || (status->st_mode & S_ISVTX) != 0;
}

/* Opens the lock directory, creating it for every user of the host. A symbolic link, a
 * non-directory, or a directory others can write to without the sticky bit is refused: in a shared
 * place such as /tmp, another user may have planted it. */
static int open_lock_directory(const char *path, char *why, size_t why_size)
{
	bool created = mkdir(path, 0777) == 0;

	if (!created && errno != EEXIST) {
		snprintf(why, why_size, "cannot create lock directory %s: %s", path, strerror(errno));
		return -1;
	}
	int directory = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (directory == -1) {
		int open_error = errno;
		struct stat status;

		if (lstat(path, &status) == 0 && S_ISLNK(status.st_mode))
			snprintf(why, why_size, "lock directory %s is a symbolic link; remove it or set KIMB_LOCK_DIR",
				 path);
		else if (open_error == ENOTDIR)
			snprintf(why, why_size, "lock directory %s is not a directory; remove it or set KIMB_LOCK_DIR",
				 path);
		else
			snprintf(why, why_size, "cannot open lock directory %s: %s", path, strerror(open_error));
		return -1;
	}
	struct stat status;
	const char *problem = NULL;
	if (fstat(directory, &status) == -1)
		problem = strerror(errno);
	/* Made by this run: shared like /tmp itself, everyone may add a lock file and the sticky bit
	 * keeps each user's own. Checked on the descriptor, so that it is the directory we made. */
	else if (created && status.st_uid != geteuid())
		problem = "is not the directory this run created";
	else if (created && fchmod(directory, 01777) == -1)
		problem = strerror(errno);
	else if (!created && !is_shared_safely(&status))
		problem = "others may write to it, but it is not sticky (chmod +t it, or set KIMB_LOCK_DIR)";
	if (problem) {
		snprintf(why, why_size, "lock directory %s: %s", path, problem);
		close_quietly(directory);
		return -1;
	}
	return directory;
}

/* Opens the lock file NAME in DIRECTORY, creating it when there is none. An existing file is opened
 * without O_CREAT, which fs.protected_regular refuses for another user's file in a sticky
 * directory; O_NONBLOCK keeps a FIFO planted there from blocking the open. Only a file this call
 * created is changed (made writable by everyone), and only once the descriptor shows it is ours.
 * Returns the descriptor, or -1 with the reason in WHY (PATH names the file). */
static int open_lock_file(int directory, const char *name, const char *path, char *why, size_t why_size)
{
	const int flags = O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC;
	int fd = -1;
	bool created = false;

	/* Another run may create the file between the two opens, or remove a stale one: try again. */
	for (int attempt = 0; fd == -1 && attempt < 3; attempt++) {
		fd = openat(directory, name, flags);
		if (fd == -1 && errno == ENOENT) {
			fd = openat(directory, name, flags | O_CREAT | O_EXCL, 0666);
			created = fd != -1;
			if (fd == -1 && errno != EEXIST)
				break;
		} else if (fd == -1) {
			break;
		}
	}
	if (fd == -1) {
		if (errno == ELOOP)
			snprintf(why, why_size, "lock file %s is a symbolic link; remove it", path);
		else if (errno == EISDIR)
			snprintf(why, why_size, "lock file %s is a directory; remove it", path);
		else
			snprintf(why, why_size, "cannot open lock file %s: %s%s", path, strerror(errno),
				 errno == EACCES ? " (another user made it unwritable; remove it or set KIMB_LOCK_DIR)"
						 : "");
		return -1;
	}
	struct stat status;
	const char *problem = NULL;
	char links[64];
	if (fstat(fd, &status) == -1) {
		problem = strerror(errno);
	} else if (!S_ISREG(status.st_mode)) {
		problem = "is not a regular file; remove it";
	} else if (status.st_nlink != 1) {
		snprintf(links, sizeof links, "has %ju links, not 1; remove it", (uintmax_t)status.st_nlink);
		problem = links;
	} else if (created && status.st_uid != geteuid()) {
		problem = "is not the file this run created; remove it";
	} else if (created && fchmod(fd, 0666) == -1) {
		/* Made under our umask: the kimb runs of other users must be able to open it too. */
		problem = strerror(errno);
	}
	if (problem) {
		snprintf(why, why_size, "lock file %s %s", path, problem);
		close_quietly(fd);
		return -1;
	}
	return fd;
}

static struct timespec monotonic_now(void)
{
	struct timespec now = {0, 0};

	/* CLOCK_MONOTONIC cannot fail on a system that has it, and POSIX requires it. */
	(void)clock_gettime(CLOCK_MONOTONIC, &now);
	return now;
}

static long long nanoseconds_until(struct timespec deadline)
{
	struct timespec now = monotonic_now();

	return (deadline.tv_sec - now.tv_sec) * 1000000000LL + (deadline.tv_nsec - now.tv_nsec);
}

/* The pid of a process holding a lock that conflicts with ours on FD, or 0 when none does now. */
static pid_t holder_of(int fd)
{
	struct flock probe = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};

	if (fcntl(fd, F_GETLK, &probe) == -1 || probe.l_type == F_UNLCK)
		return 0;
	return probe.l_pid;
}

static void describe_holder(pid_t holder, char *text, size_t size)
{
	if (holder > 0)
		snprintf(text, size, "process %ld", (long)holder);
	else
		snprintf(text, size, "another kimb");
}

/* Waits for the lock on FD, a try every POLL_NANOSECONDS until LIMIT's deadline, or blocked in the
 * kernel when it has none. */
static enum lock_outcome wait_for_lock(int fd, const struct wait_limit *limit, struct flock *whole_file)
{
	/* Checked before each wait too: a signal that came before the wait began (while the waiting
	 * message was written, say) interrupts nothing. One that comes between the check and a blocking
	 * wait is only seen at the next signal; fcntl offers no way to close that gap. */
	while (!runner_interrupted()) {
		if (limit->forever) {
			if (fcntl(fd, F_SETLKW, whole_file) == 0)
				return LOCK_HELD;
			if (errno != EINTR)
				return LOCK_FAILED;
			continue;
		}
		if (fcntl(fd, F_SETLK, whole_file) == 0)
			return LOCK_HELD;
		if (errno != EACCES && errno != EAGAIN)
			return LOCK_FAILED;
		long long left = nanoseconds_until(limit->deadline);
		if (left <= 0)
			return LOCK_TIMED_OUT;
		struct timespec pause = {0, left < POLL_NANOSECONDS ? (long)left : POLL_NANOSECONDS};
		(void)nanosleep(&pause, NULL); /* EINTR: the loop looks at the signal */
	}
	return LOCK_INTERRUPTED;
}

static enum lock_outcome lock_whole_file(int fd, const char *repository, const char *path,
					 const struct wait_limit *limit, char *why, size_t why_size)
{
	struct flock whole_file = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
	char holder[64];

	if (fcntl(fd, F_SETLK, &whole_file) == 0)
		return LOCK_HELD;
	if (errno != EACCES && errno != EAGAIN) {
		snprintf(why, why_size, "cannot lock %s: %s", path, strerror(errno));
		return LOCK_FAILED;
	}
	describe_holder(holder_of(fd), holder, sizeof holder);
	fprintf(stderr, "kimb: waiting for %s, which holds the lock on %s (%s)%s\n", holder, repository, path,
		limit->forever ? "; --lock-timeout limits the wait" : "");
	enum lock_outcome outcome = wait_for_lock(fd, limit, &whole_file);
	if (outcome == LOCK_FAILED)
		snprintf(why, why_size, "cannot lock %s: %s", path, strerror(errno));
	else if (outcome == LOCK_TIMED_OUT)
		snprintf(why, why_size, "gave up waiting for %s, which holds the lock on %s (%s): --lock-timeout reached",
			 holder, repository, path);
	else if (outcome == LOCK_INTERRUPTED)
		snprintf(why, why_size, "interrupted while waiting for the lock on %s", repository);
	return outcome;
}

/* Locks REPOSITORY's file in DIRECTORY (at DIRECTORY_PATH) and adds it to SET. */
static enum lock_outcome lock_repository(struct lock_set *set, const char *repository, const struct wait_limit *limit,
					 char *why, size_t why_size)
{
	struct held_lock *lock = &set->locks[set->count];
	char path[PATH_MAX];

	/* Named after the repository, so that every kimb finds the same file for it. */
	hash_file_name(repository, repository, ".lock", lock->name);
	snprintf(path, sizeof path, "%s/%s", set->directory_path, lock->name);
	lock->fd = open_lock_file(set->directory, lock->name, path, why, why_size);
	if (lock->fd == -1)
		return LOCK_FAILED;
	/* In the set at once, so that lock_release closes it whatever happens next. */
	set->count++;
	return lock_whole_file(lock->fd, repository, path, limit, why, why_size);
}

static int compare_strings(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static struct wait_limit wait_limit_of(double timeout)
{
	struct wait_limit limit = {.forever = timeout < 0};

	if (!limit.forever) {
		limit.deadline = monotonic_now();
		double whole = (double)(time_t)timeout;
		limit.deadline.tv_sec += (time_t)timeout;
		limit.deadline.tv_nsec += (long)((timeout - whole) * 1e9);
		if (limit.deadline.tv_nsec >= 1000000000L) {
			limit.deadline.tv_sec++;
			limit.deadline.tv_nsec -= 1000000000L;
		}
	}
	return limit;
}

enum lock_outcome lock_acquire(const char *const *repositories, size_t count, double timeout,
			       struct lock_set **out, char *why, size_t why_size)
{
	/* One more than needed, so that no repositories is no special case for the allocator. */
	const char **sorted = xcalloc(count + 1, sizeof *sorted);
	struct lock_set *set = xmalloc(sizeof *set + count * sizeof set->locks[0]);
	const char *directory_path = lock_directory();
	char *path_copy = xstrdup(directory_path);

	*out = NULL;
	*set = (struct lock_set){.directory = -1, .directory_path = path_copy};
	for (size_t i = 0; i < count; i++)
		sorted[i] = repositories[i];
	/* Every kimb takes its locks in the same order, so two with overlapping sets cannot each hold
	 * what the other waits for. */
	qsort(sorted, count, sizeof *sorted, compare_strings);

	const struct wait_limit limit = wait_limit_of(timeout);
	set->directory = open_lock_directory(directory_path, why, why_size);
	enum lock_outcome outcome = set->directory == -1 ? LOCK_FAILED : LOCK_HELD;
	for (size_t i = 0; i < count && outcome == LOCK_HELD; i++)
		if (i == 0 || strcmp(sorted[i], sorted[i - 1]) != 0)
			outcome = lock_repository(set, sorted[i], &limit, why, why_size);
	free(sorted);
	if (outcome != LOCK_HELD) {
		lock_release(set);
		return outcome;
	}
	*out = set;
	return LOCK_HELD;
}

/* The name of the file in which the user UID records the last second issued under LOCK. */
static void issued_file_name(const struct held_lock *lock, uid_t uid, char *name, size_t size)
{
	size_t stem = strlen(lock->name) - strlen(".lock");
	snprintf(name, size, "%.*s" ISSUED_INFIX "%lu", (int)stem, lock->name, (unsigned long)uid);
}

/* The second recorded in the issued-second file NAME, or -1 when it holds none that is believable:
 * a file that is not a regular one of one link, or does not hold a decimal number alone. */
static long long read_issued(int directory, const char *name)
{
	int fd = openat(directory, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	struct stat status;
	char text[32];
	ssize_t got = -1;

	if (fd == -1)
		return -1;
	if (fstat(fd, &status) == 0 && S_ISREG(status.st_mode) && status.st_nlink == 1)
		got = pread(fd, text, sizeof text - 1, 0);
	close_quietly(fd);
	if (got <= 0)
		return -1;
	text[got] = '\0';
	size_t digits = strspn(text, "0123456789");
	if (digits == 0 || digits > 18 || (text[digits] != '\0' && strcmp(text + digits, "\n") != 0))
		return -1;
	return strtoll(text, NULL, 10);
}

/* The last second issued under LOCK on this host, by any user: the largest of its issued-second
 * files, or -1. */
static long long last_issued(const struct lock_set *set, const struct held_lock *lock)
{
	int listing = dup(set->directory);
	DIR *directory = listing == -1 ? NULL : fdopendir(listing);
	char prefix[HASH_FILE_NAME_SIZE + sizeof ISSUED_INFIX];
	long long last = -1;

	if (!directory) {
		if (listing != -1)
			close_quietly(listing);
		return -1;
	}
	size_t stem = strlen(lock->name) - strlen(".lock");
	snprintf(prefix, sizeof prefix, "%.*s" ISSUED_INFIX, (int)stem, lock->name);
	rewinddir(directory);
	for (struct dirent *entry; (entry = readdir(directory));) {
		if (strncmp(entry->d_name, prefix, strlen(prefix)) != 0)
			continue;
		long long issued = read_issued(set->directory, entry->d_name);
		if (issued > last)
			last = issued;
	}
	(void)closedir(directory); /* only read */
	return last;
}

/* Records ISSUED in the user's own issued-second file of LOCK, made if need be; a file of that name
 * that is not the user's own regular file of one link is not written. */
static int record_issued(const struct lock_set *set, const struct held_lock *lock, time_t issued, char *why,
			 size_t why_size)
{
	char name[HASH_FILE_NAME_SIZE + sizeof ISSUED_INFIX + 24];
	char text[32];
	struct stat status;

	issued_file_name(lock, geteuid(), name, sizeof name);
	int fd = openat(set->directory, name, O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0644);
	const char *problem = NULL;
	if (fd == -1)
		problem = strerror(errno);
	else if (fstat(fd, &status) == -1)
		problem = strerror(errno);
	else if (!S_ISREG(status.st_mode) || status.st_nlink != 1 || status.st_uid != geteuid())
		problem = "not a regular file of yours with one link; remove it";
	int length = snprintf(text, sizeof text, "%lld\n", (long long)issued);
	if (!problem && (ftruncate(fd, 0) == -1 || pwrite(fd, text, (size_t)length, 0) != length))
		problem = strerror(errno);
	if (fd != -1 && close(fd) == -1 && !problem)
		problem = strerror(errno);
	if (problem) {
		snprintf(why, why_size, "cannot record the second issued in %s/%s: %s", set->directory_path, name,
			 problem);
		return -1;
	}
	return 0;
}

int lock_issue_second(struct lock_set *set, time_t *issued, char *why, size_t why_size)
{
	struct timespec now;
	long long last = -1;

	if (clock_gettime(CLOCK_REALTIME, &now) == -1) {
		snprintf(why, why_size, "cannot read the clock: %s", strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < set->count; i++) {
		long long issued_here = last_issued(set, &set->locks[i]);
		/* Further ahead than any run on this host could have issued: no run's, not waited for. */
		if (issued_here > last && issued_here - now.tv_sec < LONGEST_ISSUE_WAIT_SECONDS)
			last = issued_here;
	}
	/* The clock reads CLOCK_REALTIME, as every kimb does: time() reads a coarser one, which can
	 * still show a second another run has seen end. */
	while (now.tv_sec <= last) {
		struct timespec rest = {0, 1000000000L - now.tv_nsec};
		(void)nanosleep(&rest, NULL); /* EINTR: the clock is read again */
		if (runner_interrupted()) {
			snprintf(why, why_size, "interrupted");
			return -1;
		}
		if (clock_gettime(CLOCK_REALTIME, &now) == -1) {
			snprintf(why, why_size, "cannot read the clock: %s", strerror(errno));
			return -1;
		}
	}
	for (size_t i = 0; i < set->count; i++)
		if (record_issued(set, &set->locks[i], now.tv_sec, why, why_size) != 0)
			return -1;
	*issued = now.tv_sec;
	return 0;
}

void lock_release(struct lock_set *set)
{
	if (!set)
		return;
	/* Closing a lock file releases its lock; nothing was written to it, so a failing close
	 * loses nothing. */
	for (size_t i = 0; i < set->count; i++)
		close_quietly(set->locks[i].fd);
	if (set->directory != -1)
		close_quietly(set->directory);
	free(set->directory_path);
	free(set);
}
