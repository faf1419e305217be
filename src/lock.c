#include "lock.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runner.h"

#define DEFAULT_LOCK_DIRECTORY "/tmp/kimb-locks"
/* Enough of the repository name to recognise a lock file by eye; the hash tells them apart. */
#define READABLE_PREFIX_LENGTH 64
#define LOCK_FILE_NAME_SIZE (READABLE_PREFIX_LENGTH + sizeof "-0123456789abcdef.lock")

struct lock_set {
	size_t count;
	int fds[];
};

enum lock_wait {
	LOCK_TAKEN,
	LOCK_FAILED,      /* errno says why */
	LOCK_INTERRUPTED, /* a SIGINT or SIGTERM came while waiting */
};

static const char *lock_directory_path(void)
{
	const char *path = getenv("KIMB_LOCK_DIR");

	return path && *path ? path : DEFAULT_LOCK_DIRECTORY;
}

/* Opens the lock directory, creating it for every user of the host. A symbolic link or a
 * non-directory there is refused: in a shared place such as /tmp, another user may have planted it. */
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
			snprintf(why, why_size, "lock directory %s is a symbolic link", path);
		else if (open_error == ENOTDIR)
			snprintf(why, why_size, "lock directory %s is not a directory", path);
		else
			snprintf(why, why_size, "cannot open lock directory %s: %s", path, strerror(open_error));
		return -1;
	}
	/* Like /tmp itself: everyone may add a lock file, the sticky bit keeps each user's own. */
	if (created && fchmod(directory, 01777) == -1) {
		snprintf(why, why_size, "cannot share lock directory %s: %s", path, strerror(errno));
		(void)close(directory); /* only read from: nothing to lose */
		return -1;
	}
	return directory;
}

static uint64_t fnv1a_64(const char *text)
{
	uint64_t hash = UINT64_C(0xcbf29ce484222325);

	for (const unsigned char *byte = (const unsigned char *)text; *byte; byte++) {
		hash ^= *byte;
		hash *= UINT64_C(0x100000001b3);
	}
	return hash;
}

static bool is_portable_file_name_character(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
	       c == '_' || c == '-';
}

/* One valid path component of bounded length for any repository name: a readable prefix, and a
 * hash of the whole name so that names sharing the prefix get their own file. Two names with the
 * same file only wait for each other. */
static void make_lock_file_name(const char *repository, char name[LOCK_FILE_NAME_SIZE])
{
	size_t length = 0;

	for (; length < READABLE_PREFIX_LENGTH && repository[length]; length++)
		name[length] = is_portable_file_name_character(repository[length]) ? repository[length] : '_';
	snprintf(name + length, LOCK_FILE_NAME_SIZE - length, "-%016" PRIx64 ".lock", fnv1a_64(repository));
}

static int open_lock_file(int directory, const char *name)
{
	int fd = openat(directory, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0666);
	struct stat status;

	if (fd == -1)
		return -1;
	/* Made under our umask: the kimb runs of other users must be able to open it too. */
	if (fstat(fd, &status) == -1 ||
	    (status.st_uid == geteuid() && (status.st_mode & 0777) != 0666 && fchmod(fd, 0666) == -1)) {
		int error = errno;

		(void)close(fd); /* nothing written: nothing to lose */
		errno = error;
		return -1;
	}
	return fd;
}

static enum lock_wait lock_whole_file(int fd, const char *repository)
{
	struct flock whole_file = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};

	if (fcntl(fd, F_SETLK, &whole_file) == 0)
		return LOCK_TAKEN;
	if (errno != EACCES && errno != EAGAIN)
		return LOCK_FAILED;
	fprintf(stderr, "kimb: waiting for another kimb working on %s\n", repository);
	/* Checked before each wait too: a signal that came before the wait began (while the line above
	 * was written, say) interrupts nothing. One that comes between the check and the wait is only
	 * seen at the next signal; fcntl offers no way to close that gap. */
	while (!runner_interrupted()) {
		if (fcntl(fd, F_SETLKW, &whole_file) == 0)
			return LOCK_TAKEN;
		if (errno != EINTR)
			return LOCK_FAILED;
	}
	return LOCK_INTERRUPTED;
}

/* Locks REPOSITORY's file in DIRECTORY (at DIRECTORY_PATH) and adds it to SET. Returns 0, or -1
 * with the reason in WHY. */
static int lock_repository(struct lock_set *set, int directory, const char *directory_path,
			   const char *repository, char *why, size_t why_size)
{
	char name[LOCK_FILE_NAME_SIZE];
	enum lock_wait outcome = LOCK_FAILED;

	make_lock_file_name(repository, name);
	int fd = open_lock_file(directory, name);
	if (fd != -1) {
		/* In the set at once, so that lock_release closes it whatever happens next. */
		set->fds[set->count++] = fd;
		outcome = lock_whole_file(fd, repository);
	}
	if (outcome == LOCK_INTERRUPTED)
		snprintf(why, why_size, "interrupted");
	else if (outcome == LOCK_FAILED)
		snprintf(why, why_size, "cannot lock %s/%s: %s", directory_path, name, strerror(errno));
	return outcome == LOCK_TAKEN ? 0 : -1;
}

static int compare_strings(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

struct lock_set *lock_acquire(const char *const *repositories, size_t count, char *why, size_t why_size)
{
	/* One more than needed, so that no repositories is no special case for the allocator. */
	const char **sorted = calloc(count + 1, sizeof *sorted);
	struct lock_set *set = malloc(sizeof *set + count * sizeof set->fds[0]);

	if (!sorted || !set) {
		snprintf(why, why_size, "out of memory");
		free(sorted);
		free(set);
		return NULL;
	}
	set->count = 0;
	for (size_t i = 0; i < count; i++)
		sorted[i] = repositories[i];
	/* Every kimb takes its locks in the same order, so two with overlapping sets cannot each hold
	 * what the other waits for. */
	qsort(sorted, count, sizeof *sorted, compare_strings);

	const char *directory_path = lock_directory_path();
	int directory = open_lock_directory(directory_path, why, why_size);
	bool failed = directory == -1;
	for (size_t i = 0; i < count && !failed; i++)
		if (i == 0 || strcmp(sorted[i], sorted[i - 1]) != 0)
			failed = lock_repository(set, directory, directory_path, sorted[i], why, why_size) == -1;
	if (directory != -1)
		(void)close(directory); /* only read from: nothing to lose */
	free(sorted);
	if (failed) {
		lock_release(set);
		return NULL;
	}
	return set;
}

void lock_release(struct lock_set *set)
{
	if (!set)
		return;
	/* Closing a lock file releases its lock; nothing was written to it, so a failing close
	 * loses nothing. */
	for (size_t i = 0; i < set->count; i++)
		(void)close(set->fds[i]);
	free(set);
}
