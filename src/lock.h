#ifndef KIMB_LOCK_H
#define KIMB_LOCK_H

/* Per-repository locks shared by every kimb on this host (POSIX fcntl locks on files in
 * $KIMB_LOCK_DIR, default /tmp/kimb-locks), so that two runs never prune each other's new image. */

#include <stddef.h>

struct lock_set;

/* Locks every one of the COUNT normalized REPOSITORIES, waiting for other kimb runs that hold any
 * (saying so once on stderr), in a fixed order so that overlapping sets cannot deadlock.
 * Returns the held set, or NULL with a one-line reason in WHY (also when interrupted by a signal). */
struct lock_set *lock_acquire(const char *const *repositories, size_t count, char *why, size_t why_size);

/* Releases every lock of SET and frees it. NULL is allowed. */
void lock_release(struct lock_set *set);

#endif
