#ifndef KIMB_LOCK_H
#define KIMB_LOCK_H

/* Per-repository locks shared by every kimb on this host, of every user (POSIX fcntl locks on files
 * in $KIMB_LOCK_DIR, default /tmp/kimb-locks), so that two runs never prune each other's new image
 * nor issue one time tag twice. kimb changes no file there that it did not create itself: a lock
 * file must be a regular file with one link, and is made shareable only by the run that made it. */

#include <stddef.h>
#include <time.h>

#define LOCK_DEFAULT_DIRECTORY "/tmp/kimb-locks"

struct lock_set;

enum lock_outcome {
	LOCK_HELD,
	LOCK_FAILED,      /* the lock directory or a lock file is unusable */
	LOCK_TIMED_OUT,   /* another run held a lock for longer than the timeout */
	LOCK_INTERRUPTED, /* a forwarded signal came while waiting */
};

/* The lock directory: $KIMB_LOCK_DIR when set and not empty, else LOCK_DEFAULT_DIRECTORY. */
const char *lock_directory(void);

/* Locks every one of the COUNT normalized REPOSITORIES, in a fixed order so that overlapping sets
 * cannot deadlock. When another run holds one, says on stderr what it waits for (the repository,
 * the holder's pid, the lock file) and waits at most TIMEOUT seconds (TIMEOUT < 0: as long as it
 * takes). Returns LOCK_HELD with *OUT set, or another outcome with a one-line reason in WHY. */
enum lock_outcome lock_acquire(const char *const *repositories, size_t count, double timeout,
			       struct lock_set **out, char *why, size_t why_size);

/* Has lock_release wait until the second after ISSUED has begun: a time tag issued at ISSUED under
 * these locks can then never be issued again by the next holder. */
void lock_hold_past(struct lock_set *set, time_t issued);

/* Releases every lock of SET (once lock_hold_past's second is over) and frees it. NULL is allowed. */
void lock_release(struct lock_set *set);

#endif
