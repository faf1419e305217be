/* SPDX-License-Identifier: Apache-2.0 */
#include "lock.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "array.h"
#include "hash.h"
#include "message.h"
#include "process.h"
#include "xalloc.h"

/* How often a wait with a timeout tries the lock again. */
#define POLL_NANOSECONDS 50000000L
/* A second issued further ahead of the clock than this is no run's on this host: not waited for. */
#define LONGEST_ISSUE_WAIT_SECONDS 2
/* What follows a repository's stem in the names of the issued-second files. */
#define ISSUED_INFIX ".issued."
/* The user's own lock and issued-second files of a repository no run has used for this long go. */
#define SWEEP_AFTER_SECONDS (24 * 60 * 60)

/* A run that finds a lock file it locked removed or replaced starts over, at most this often: only
 * the file's owner or root can do that, and each time one of them must have. */
#define LOCK_ATTEMPTS 8
/* A lock file's name: the repository's stem, '.', the user's ID, ".lock". */
#define LOCK_NAME_SIZE (HASH_FILE_NAME_SIZE + 32)

struct locked_repository {
	char *repository;
	char stem[HASH_FILE_NAME_SIZE]; /* the start of the names of its files */
};

struct lock_file {
	int fd;     /* -1: not open */
	bool own;   /* the user's own file, locked for writing; another user's is locked for reading */
	uid_t user; /* whose it is, as its name says */
	size_t of;  /* its repository, in the set's */
	char name[LOCK_NAME_SIZE];
};

struct lock_set {
	int directory;   /* the lock directory, open for the lock and issued-second files */
	char *directory_path;
	struct stat directory_status;
	struct locked_repository *repositories; /* each once */
	size_t repository_count;
	struct lock_file *files;
	size_t file_count;
};

/* When a wait for a lock must end. */
struct wait_limit {
	bool forever;
	bool not_at_all; /* lock_try: a lock held is given up at once, and nothing said */
	struct timespec deadline; /* CLOCK_MONOTONIC */
};

static void sweep_unused(const struct lock_set *set);

const char *lock_directory(const struct environment *environment)
{
	const char *path = env_nonempty(environment, ENV_KIMB_LOCK_DIR);

	return path ? path : LOCK_DEFAULT_DIRECTORY;
}

static void close_quietly(int fd)
{
	/* Only descriptors kimb never wrote to: closing one loses nothing, whatever close says. */
	(void)close(fd);
}

/* "UID (NAME)", or "UID" when the user has no name here; malloc'd. */
static char *user_description(uid_t uid)
{
	const struct passwd *user = getpwuid(uid);

	if (user && user->pw_name)
		return xprintf("%lu (%s)", (unsigned long)uid, user->pw_name);
	return xprintf("%lu", (unsigned long)uid);
}

/* A directory that others may write to and that is not sticky lets anyone replace a lock file while
 * it is held, and so two runs hold "the" lock at once. */
static bool is_shared_safely(const struct stat *status)
{
	return (status->st_mode & (S_IWGRP | S_IWOTH)) == 0 || (status->st_mode & S_ISVTX) != 0;
}

/* Where users share locks: only root and each file's owner may remove a file there. */
static bool is_shared_by_users(const struct stat *status)
{
	return status->st_uid == 0 && (status->st_mode & S_ISVTX) != 0;
}

/* Opens the set's lock directory, creating it for every user of the host. A symbolic link, a
 * non-directory, a directory others can write to without the sticky bit, or one of another user
 * than root (who may remove any file in it) is refused: in a shared place such as /tmp, another
 * user may have made it. */
static int open_lock_directory(struct lock_set *set, struct message *why)
{
	const char *path = set->directory_path;
	bool created = mkdir(path, 0777) == 0;

	if (!created && errno != EEXIST) {
		message_add(why, "cannot create lock directory %s: %s", path, strerror(errno));
		return -1;
	}
	int directory = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (directory == -1) {
		int open_error = errno;
		struct stat status;

		if (lstat(path, &status) == 0 && S_ISLNK(status.st_mode))
			message_add(why, "lock directory %s is a symbolic link; remove it or set KIMB_LOCK_DIR", path);
		else if (open_error == ENOTDIR)
			message_add(why, "lock directory %s is not a directory; remove it or set KIMB_LOCK_DIR", path);
		else
			message_add(why, "cannot open lock directory %s: %s", path, strerror(open_error));
		return -1;
	}
	struct stat *status = &set->directory_status;
	const char *problem = NULL;
	if (fstat(directory, status) == -1)
		problem = strerror(errno);
	/* Made by this run: shared like /tmp itself, everyone may add a lock file and the sticky bit
	 * keeps each user's own. Checked on the descriptor, so that it is the directory we made. */
	else if (created && status->st_uid != geteuid())
		problem = "is not the directory this run created";
	else if (created && (fchmod(directory, 01777) == -1 || fstat(directory, status) == -1))
		problem = strerror(errno);
	else if (!created && !is_shared_safely(status))
		problem = "others may write to it, but it is not sticky (chmod +t it, or set KIMB_LOCK_DIR)";
	if (!problem && status->st_uid != geteuid() && status->st_uid != 0) {
		char *owner = user_description(status->st_uid);
		message_add(why,
			    "lock directory %s belongs to user %s, not to you or root: its owner could remove a lock "
			    "file while kimb holds it; remove the directory, or set KIMB_LOCK_DIR",
			    path, owner);
		free(owner);
		close_quietly(directory);
		return -1;
	}
	if (problem) {
		message_add(why, "lock directory %s: %s", path, problem);
		close_quietly(directory);
		return -1;
	}
	set->directory = directory;
	return 0;
}

/* Says in WHY why FILE could not be opened (errno tells), or when CREATING could not be created:
 * the directory refused a new file, or the existing file its opening, and each is mended apart. */
static void say_unopenable(const struct lock_set *set, const struct lock_file *file, bool creating,
			   struct message *why)
{
	const char *directory = set->directory_path;
	int error = errno;
	bool denied = error == EACCES || error == EPERM || error == EROFS;

	if (error == ELOOP)
		message_add(why, "lock file %s/%s is a symbolic link; remove it", directory, file->name);
	else if (error == EISDIR)
		message_add(why, "lock file %s/%s is a directory; remove it", directory, file->name);
	else if (creating)
		message_add(why, "cannot create lock file %s in lock directory %s: %s%s", file->name, directory,
			    strerror(error),
			    denied ? " (the directory is not writable to you; make it so, as root for a shared one: "
				     "chmod 1777 it, or set KIMB_LOCK_DIR to a directory of yours)"
				   : "");
	else
		message_add(why, "cannot open lock file %s/%s: %s%s", directory, file->name, strerror(error),
			    denied ? " (the file exists, but its mode keeps you out: another user made it so; remove it, "
				     "as its owner or root, or set KIMB_LOCK_DIR)"
				   : "");
}

/* Adds to PROBLEM what is wrong with the lock file FD, which should belong to OWNER, if anything: it
 * must be a regular file of one link (nothing else can have been planted under its name). */
static void find_lock_file_problem(int fd, uid_t owner, struct message *problem)
{
	struct stat status;

	if (fstat(fd, &status) == -1) {
		message_add(problem, "%s", strerror(errno));
	} else if (!S_ISREG(status.st_mode)) {
		message_add(problem, "is not a regular file; remove it");
	} else if (status.st_nlink != 1) {
		message_add(problem, "has %ju links, not 1; remove it", (uintmax_t)status.st_nlink);
	} else if (status.st_uid != owner) {
		char *user = user_description(status.st_uid);
		if (owner == geteuid())
			message_add(problem, "belongs to user %s, not to you; remove it", user);
		else
			message_add(problem, "belongs to user %s, but is named for user %lu; remove it", user,
				    (unsigned long)owner);
		free(user);
	}
}

/* Says in WHY that FILE has PROBLEM (which is freed), and closes it. */
static void refuse_lock_file(const struct lock_set *set, struct lock_file *file, struct message *problem,
			     struct message *why)
{
	message_add(why, "lock file %s/%s %s", set->directory_path, file->name, problem->text);
	message_free(problem);
	close_quietly(file->fd);
	file->fd = -1;
}

/* Opens the user's own lock file of the set's repository OF, creating it when there is none, and
 * adds it to the set. An existing file is opened without O_CREAT, which fs.protected_regular
 * refuses for another user's file in a sticky directory; O_NONBLOCK keeps a FIFO planted there from
 * blocking the open. Only a file this call created is changed (made readable by everyone, whose
 * runs lock it for reading). Returns 0, or -1 with the reason in WHY. */
static int open_own_file(struct lock_set *set, size_t of, struct message *why)
{
	const int flags = O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC;
	struct lock_file file = {.fd = -1, .own = true, .user = geteuid(), .of = of};
	bool created = false, creating = false;

	snprintf(file.name, sizeof file.name, "%s.%lu.lock", set->repositories[of].stem, (unsigned long)file.user);
	/* A run of the same user may create the file between the two opens, or root remove it: try
	 * again. */
	for (int attempt = 0; file.fd == -1 && attempt < 3; attempt++) {
		creating = false;
		file.fd = openat(set->directory, file.name, flags);
		if (file.fd == -1 && errno == ENOENT) {
			creating = true;
			file.fd = openat(set->directory, file.name, flags | O_CREAT | O_EXCL, 0644);
			created = file.fd != -1;
			if (file.fd == -1 && errno != EEXIST)
				break;
		} else if (file.fd == -1) {
			break;
		}
	}
	if (file.fd == -1) {
		say_unopenable(set, &file, creating, why);
		return -1;
	}
	struct message problem = {0};
	find_lock_file_problem(file.fd, file.user, &problem);
	/* Made under our umask: the runs of other users must be able to open it too. */
	if (!problem.text && created && fchmod(file.fd, 0644) == -1)
		message_add(&problem, "%s", strerror(errno));
	/* Its time of change says when a run last used it: the sweep leaves what was used lately. */
	if (!problem.text && !created)
		(void)futimens(file.fd, NULL);
	if (problem.text) {
		refuse_lock_file(set, &file, &problem, why);
		return -1;
	}
	array_append(&set->files, &set->file_count, sizeof file, &file);
	return 0;
}

/* The user whose lock file of a repository of stem STEM NAME is, into *UID; false when NAME is none:
 * STEM, '.', a user ID as kimb writes it, ".lock". */
static bool is_lock_file_of(const char *name, const char *stem, uid_t *uid)
{
	size_t stem_length = strlen(stem);
	if (strncmp(name, stem, stem_length) != 0 || name[stem_length] != '.')
		return false;
	const char *number = name + stem_length + 1;
	size_t digits = strspn(number, "0123456789");
	if (digits == 0 || digits > 10 || (number[0] == '0' && digits > 1) || strcmp(number + digits, ".lock") != 0)
		return false;
	unsigned long value = strtoul(number, NULL, 10);
	*uid = (uid_t)value;
	return (unsigned long)*uid == value;
}

/* Adds to the set the lock files of other users of its repositories in the lock directory. Their
 * runs may go on while they wait for ours only until they lock theirs: each run creates its own
 * before it looks for the others', so that of two runs the later one sees the earlier's. */
static int add_others_files(struct lock_set *set, struct message *why)
{
	int listing = dup(set->directory);
	DIR *directory = listing == -1 ? NULL : fdopendir(listing);

	if (!directory) {
		message_add(why, "cannot read lock directory %s: %s", set->directory_path, strerror(errno));
		if (listing != -1)
			close_quietly(listing);
		return -1;
	}
	rewinddir(directory);
	errno = 0;
	for (struct dirent *entry; (entry = readdir(directory)); errno = 0) {
		uid_t uid;
		for (size_t i = 0; i < set->repository_count; i++)
			if (is_lock_file_of(entry->d_name, set->repositories[i].stem, &uid) && uid != geteuid()) {
				struct lock_file file = {.fd = -1, .own = false, .user = uid, .of = i};
				/* Fits: a stem, a user ID and ".lock". */
				memcpy(file.name, entry->d_name, strlen(entry->d_name) + 1);
				array_append(&set->files, &set->file_count, sizeof file, &file);
			}
	}
	int read_error = errno;
	(void)closedir(directory); /* only read */
	if (read_error) {
		message_add(why, "cannot read lock directory %s: %s", set->directory_path, strerror(read_error));
		return -1;
	}
	return 0;
}

/* Opens another user's lock file FILE, read-only, for a lock that keeps that user's runs out. One
 * that is gone meanwhile is left out (FILE->fd stays -1): the run that makes it again will see ours.
 * Returns 0, or -1 with the reason in WHY. */
static int open_others_file(const struct lock_set *set, struct lock_file *file, struct message *why)
{
	file->fd = openat(set->directory, file->name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (file->fd == -1 && errno == ENOENT)
		return 0;
	if (file->fd == -1) {
		say_unopenable(set, file, false, why);
		return -1;
	}
	struct message problem = {0};
	find_lock_file_problem(file->fd, file->user, &problem);
	/* Users share locks only there: anywhere else another user's file is out of place, and its
	 * owner's runs cannot use the directory. */
	if (!problem.text && !is_shared_by_users(&set->directory_status)) {
		char *user = user_description(file->user);
		message_add(&problem,
			    "belongs to user %s, in a lock directory that is not root's with the sticky bit; remove it",
			    user);
		free(user);
	}
	if (problem.text) {
		refuse_lock_file(set, file, &problem, why);
		return -1;
	}
	return 0;
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

/* The pid of a process holding a lock that conflicts with a lock of TYPE on FD, or 0 when none
 * does now. */
static pid_t holder_of(int fd, short type)
{
	struct flock probe = {.l_type = type, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};

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
	while (!process_interrupted()) {
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

/* Locks the whole of FILE: for writing when it is the user's own, else for reading. */
static enum lock_outcome lock_whole_file(const struct lock_set *set, const struct lock_file *file,
					 const struct wait_limit *limit, struct message *why)
{
	struct flock whole_file = {.l_type = file->own ? F_WRLCK : F_RDLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
	const char *repository = set->repositories[file->of].repository;
	const char *directory = set->directory_path;
	char holder[64];

	if (fcntl(file->fd, F_SETLK, &whole_file) == 0)
		return LOCK_HELD;
	if (errno != EACCES && errno != EAGAIN) {
		message_add(why, "cannot lock %s/%s: %s", directory, file->name, strerror(errno));
		return LOCK_FAILED;
	}
	describe_holder(holder_of(file->fd, whole_file.l_type), holder, sizeof holder);
	if (limit->not_at_all) {
		message_add(why, "%s holds the lock on %s (%s/%s)", holder, repository, directory, file->name);
		return LOCK_TIMED_OUT;
	}
	report_say("waiting for %s, which holds the lock on %s (%s/%s)%s", holder, repository, directory, file->name,
		   limit->forever ? "; --lock-timeout limits the wait" : "");
	enum lock_outcome outcome = wait_for_lock(file->fd, limit, &whole_file);
	if (outcome == LOCK_FAILED)
		message_add(why, "cannot lock %s/%s: %s", directory, file->name, strerror(errno));
	else if (outcome == LOCK_TIMED_OUT)
		message_add(why, "gave up waiting for %s, which holds the lock on %s (%s/%s): --lock-timeout reached",
			    holder, repository, directory, file->name);
	else if (outcome == LOCK_INTERRUPTED)
		message_add(why, "interrupted while waiting for the lock on %s", repository);
	return outcome;
}

/* Whether FILE's name still leads to the file locked: its owner or root may have removed or
 * replaced it meanwhile, and the next run would lock the new one. Returns 1 or 0, or -1 with the
 * reason in WHY. */
static int is_still_named(const struct lock_set *set, const struct lock_file *file, struct message *why)
{
	struct stat locked, named;

	if (fstat(file->fd, &locked) == 0 && fstatat(set->directory, file->name, &named, AT_SYMLINK_NOFOLLOW) == 0)
		return locked.st_dev == named.st_dev && locked.st_ino == named.st_ino;
	if (errno == ENOENT)
		return 0;
	message_add(why, "cannot look at lock file %s/%s: %s", set->directory_path, file->name, strerror(errno));
	return -1;
}

static int compare_file_names(const void *a, const void *b)
{
	return strcmp(((const struct lock_file *)a)->name, ((const struct lock_file *)b)->name);
}

static void close_files(struct lock_set *set)
{
	/* Closing a lock file releases its lock; nothing was written to it, so a failing close
	 * loses nothing. */
	for (size_t i = 0; i < set->file_count; i++)
		if (set->files[i].fd != -1)
			close_quietly(set->files[i].fd);
	set->file_count = 0;
}

/* One try at the set's locks: makes the user's own files, then finds the other users' (a run that
 * makes its file later sees ours), and locks them all in the order of their names, so that runs with
 * overlapping sets cannot each hold what the other waits for. Sets *AGAIN when a file locked was
 * removed or replaced meanwhile: the try is void. */
static enum lock_outcome try_locking(struct lock_set *set, const struct wait_limit *limit, bool *again,
				     struct message *why)
{
	*again = false;
	for (size_t i = 0; i < set->repository_count; i++)
		if (open_own_file(set, i, why) < 0)
			return LOCK_FAILED;
	if (add_others_files(set, why) < 0)
		return LOCK_FAILED;
	/* qsort may not be given the NULL files of an empty set. */
	if (set->file_count)
		qsort(set->files, set->file_count, sizeof *set->files, compare_file_names);
	for (size_t i = 0; i < set->file_count; i++) {
		struct lock_file *file = &set->files[i];
		if (!file->own && open_others_file(set, file, why) < 0)
			return LOCK_FAILED;
		if (file->fd == -1)
			continue;
		enum lock_outcome outcome = lock_whole_file(set, file, limit, why);
		if (outcome != LOCK_HELD)
			return outcome;
		int named = is_still_named(set, file, why);
		if (named < 0)
			return LOCK_FAILED;
		if (named == 0) {
			*again = true;
			return LOCK_HELD;
		}
	}
	return LOCK_HELD;
}

/* The set's repositories: REPOSITORIES, each once, with the stems of their files' names. */
static void add_repositories(struct lock_set *set, const char *const *repositories, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		struct locked_repository next = {NULL, ""};
		hash_file_name(repositories[i], repositories[i], "", next.stem);
		bool known = false;
		/* Two repositories with one stem share its files: one is enough. */
		for (size_t j = 0; j < set->repository_count && !known; j++)
			known = strcmp(set->repositories[j].stem, next.stem) == 0;
		if (!known) {
			next.repository = xstrdup(repositories[i]);
			array_append(&set->repositories, &set->repository_count, sizeof next, &next);
		}
	}
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

static enum lock_outcome acquire(const char *directory, const char *const *repositories, size_t count,
				 struct wait_limit limit, struct lock_set **out, struct message *why)
{
	struct lock_set *set = xcalloc(1, sizeof *set);

	*out = NULL;
	set->directory = -1;
	set->directory_path = xstrdup(directory);
	add_repositories(set, repositories, count);
	enum lock_outcome outcome = open_lock_directory(set, why) == 0 ? LOCK_HELD : LOCK_FAILED;
	bool again = outcome == LOCK_HELD;
	for (int attempt = 0; again && outcome == LOCK_HELD; attempt++) {
		close_files(set);
		if (attempt == LOCK_ATTEMPTS) {
			message_add(why,
				    "lock files in %s were removed or replaced %d times while kimb took them; find out "
				    "who removes them, or set KIMB_LOCK_DIR",
				    set->directory_path, LOCK_ATTEMPTS);
			outcome = LOCK_FAILED;
		} else {
			outcome = try_locking(set, &limit, &again, why);
		}
	}
	if (outcome != LOCK_HELD) {
		lock_release(set);
		return outcome;
	}
	sweep_unused(set);
	*out = set;
	return LOCK_HELD;
}

enum lock_outcome lock_acquire(const char *directory, const char *const *repositories, size_t count, double timeout,
			       struct lock_set **out, struct message *why)
{
	return acquire(directory, repositories, count, wait_limit_of(timeout), out, why);
}

enum lock_outcome lock_try(const char *directory, const char *const *repositories, size_t count, struct lock_set **out,
			   struct message *why)
{
	return acquire(directory, repositories, count, (struct wait_limit){.not_at_all = true}, out, why);
}

/* The name of the file in which the user UID records the last second issued for REPOSITORY. */
static void issued_file_name(const struct locked_repository *repository, uid_t uid, char *name, size_t size)
{
	snprintf(name, size, "%s" ISSUED_INFIX "%lu", repository->stem, (unsigned long)uid);
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

/* The last second issued for REPOSITORY on this host, by any user: the largest of its issued-second
 * files, or -1. */
static long long last_issued(const struct lock_set *set, const struct locked_repository *repository)
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
	snprintf(prefix, sizeof prefix, "%s" ISSUED_INFIX, repository->stem);
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

/* Records ISSUED in the user's own issued-second file of REPOSITORY, made if need be; a file of that
 * name that is not the user's own regular file of one link is not written. */
static int record_issued(const struct lock_set *set, const struct locked_repository *repository, time_t issued,
			 struct message *why)
{
	char name[HASH_FILE_NAME_SIZE + sizeof ISSUED_INFIX + 24];
	char text[32];
	struct stat status;

	issued_file_name(repository, geteuid(), name, sizeof name);
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
		message_add(why, "cannot record the second issued in %s/%s: %s", set->directory_path, name, problem);
		return -1;
	}
	return 0;
}

/* The last second issued under SET's locks on this host that a run issuing a second at NOW waits
 * past, or -1. */
static long long last_issued_of_set(const struct lock_set *set, time_t now)
{
	long long last = -1;
	for (size_t i = 0; i < set->repository_count; i++) {
		long long issued_here = last_issued(set, &set->repositories[i]);
		/* Further ahead than any run on this host could have issued: no run's, not waited for. */
		if (issued_here > last && issued_here - now < LONGEST_ISSUE_WAIT_SECONDS)
			last = issued_here;
	}
	return last;
}

int lock_next_second(const struct lock_set *set, time_t *second, struct message *why)
{
	struct timespec now;
	if (clock_gettime(CLOCK_REALTIME, &now) == -1) {
		message_add(why, "cannot read the clock: %s", strerror(errno));
		return -1;
	}
	long long last = last_issued_of_set(set, now.tv_sec);
	*second = now.tv_sec > last ? now.tv_sec : (time_t)(last + 1);
	return 0;
}

int lock_issue_second(struct lock_set *set, time_t *issued, struct message *why)
{
	struct timespec now;

	if (clock_gettime(CLOCK_REALTIME, &now) == -1) {
		message_add(why, "cannot read the clock: %s", strerror(errno));
		return -1;
	}
	long long last = last_issued_of_set(set, now.tv_sec);
	/* The clock reads CLOCK_REALTIME, as every kimb does: time() reads a coarser one, which can
	 * still show a second another run has seen end. */
	while (now.tv_sec <= last) {
		struct timespec rest = {0, 1000000000L - now.tv_nsec};
		(void)nanosleep(&rest, NULL); /* EINTR: the clock is read again */
		if (process_interrupted()) {
			message_add(why, "interrupted");
			return -1;
		}
		if (clock_gettime(CLOCK_REALTIME, &now) == -1) {
			message_add(why, "cannot read the clock: %s", strerror(errno));
			return -1;
		}
	}
	for (size_t i = 0; i < set->repository_count; i++)
		if (record_issued(set, &set->repositories[i], now.tv_sec, why) != 0)
			return -1;
	*issued = now.tv_sec;
	return 0;
}

/* --- the sweep of the user's own files no run uses ------------------------------------------ */

/* The stem of NAME when it is the name of one of the user's own lock files (STEM.UID.lock, UID
 * the user's), into STEM; false otherwise. */
static bool own_lock_file_stem(const char *name, char stem[HASH_FILE_NAME_SIZE])
{
	char suffix[32];
	snprintf(suffix, sizeof suffix, ".%lu.lock", (unsigned long)geteuid());
	size_t length = strlen(name), suffix_length = strlen(suffix);
	if (length <= suffix_length || length - suffix_length >= HASH_FILE_NAME_SIZE ||
	    strcmp(name + length - suffix_length, suffix) != 0)
		return false;
	memcpy(stem, name, length - suffix_length);
	stem[length - suffix_length] = '\0';
	return true;
}

/* Whether STATUS is of the user's own regular file of one link, unchanged since before OLDEST. */
static bool is_own_and_unused(const struct stat *status, time_t oldest)
{
	return S_ISREG(status->st_mode) && status->st_nlink == 1 && status->st_uid == geteuid() &&
	       status->st_mtim.tv_sec < oldest;
}

/* Removes the user's own lock file LOCK_NAME and the issued-second file ISSUED_NAME of one stem when
 * neither was used since OLDEST, and the second recorded there is older too (a time tag of a later
 * second must stay unique): holding the lock, so that no run of the user uses them meanwhile (one
 * that waited for it finds the file gone and makes a new one); a run of any user holding it keeps
 * them. Anything unexpected leaves both. */
static void sweep_stem(int directory, const char *lock_name, const char *issued_name, time_t oldest)
{
	int fd = openat(directory, lock_name, O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd == -1)
		return;
	struct flock whole_file = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
	struct stat locked, named, issued;
	bool unused = fstat(fd, &locked) == 0 && is_own_and_unused(&locked, oldest) &&
		      fcntl(fd, F_SETLK, &whole_file) == 0 &&
		      fstatat(directory, lock_name, &named, AT_SYMLINK_NOFOLLOW) == 0 && named.st_dev == locked.st_dev &&
		      named.st_ino == locked.st_ino;
	if (unused && fstatat(directory, issued_name, &issued, AT_SYMLINK_NOFOLLOW) == 0) {
		long long second = read_issued(directory, issued_name);
		unused = is_own_and_unused(&issued, oldest) && second >= 0 && second < oldest &&
			 unlinkat(directory, issued_name, 0) == 0;
	} else if (unused && errno != ENOENT) {
		unused = false;
	}
	if (unused)
		(void)unlinkat(directory, lock_name, 0);
	close_quietly(fd); /* and the lock with it */
}

/* Removes the user's own lock and issued-second files of the repositories no run used for
 * SWEEP_AFTER_SECONDS, but SET's, which it holds: each run of each repository leaves two files, and
 * a CI runner's lock directory would gather them without end. */
static void sweep_unused(const struct lock_set *set)
{
	struct timespec now;
	if (clock_gettime(CLOCK_REALTIME, &now) == -1)
		return;
	time_t oldest = now.tv_sec - SWEEP_AFTER_SECONDS;
	int listing = dup(set->directory);
	DIR *directory = listing == -1 ? NULL : fdopendir(listing);
	if (!directory) {
		if (listing != -1)
			close_quietly(listing);
		return;
	}
	char **stems = NULL;
	size_t count = 0;
	rewinddir(directory);
	for (struct dirent *entry; (entry = readdir(directory));) {
		char stem[HASH_FILE_NAME_SIZE];
		bool held = false;
		if (!own_lock_file_stem(entry->d_name, stem))
			continue;
		for (size_t i = 0; i < set->repository_count && !held; i++)
			held = strcmp(set->repositories[i].stem, stem) == 0;
		if (!held) {
			char *copy = xstrdup(stem);
			array_append(&stems, &count, sizeof copy, &copy);
		}
	}
	(void)closedir(directory); /* only read */
	for (size_t i = 0; i < count; i++) {
		char lock_name[LOCK_NAME_SIZE], issued_name[HASH_FILE_NAME_SIZE + sizeof ISSUED_INFIX + 24];
		snprintf(lock_name, sizeof lock_name, "%s.%lu.lock", stems[i], (unsigned long)geteuid());
		snprintf(issued_name, sizeof issued_name, "%s" ISSUED_INFIX "%lu", stems[i], (unsigned long)geteuid());
		sweep_stem(set->directory, lock_name, issued_name, oldest);
		free(stems[i]);
	}
	free(stems);
}

void lock_release(struct lock_set *set)
{
	if (!set)
		return;
	close_files(set);
	free(set->files);
	for (size_t i = 0; i < set->repository_count; i++)
		free(set->repositories[i].repository);
	free(set->repositories);
	if (set->directory != -1)
		close_quietly(set->directory);
	free(set->directory_path);
	free(set);
}
