/* SPDX-License-Identifier: Apache-2.0 */
#ifndef KIMB_LOCK_H
#define KIMB_LOCK_H

/* Per-repository locks shared by every kimb on this host, of every user (POSIX fcntl locks on files
 * in $KIMB_LOCK_DIR, default /tmp/kimb-locks), so that two runs never prune each other's new image,
 * and the seconds issued under them for time tags, so that no two runs issue one tag. Each user
 * locks a file of its own per repository for writing, and the other users' files of that
 * repository for reading: no run depends on a file that another user than root could remove. The
 * lock directory must be the user's or root's; other users' files count only in root's with the
 * sticky bit. kimb changes no file there that it did not create itself, and refuses a lock file
 * that is not a regular file with one link of the user its name says. */

#include <stddef.h>
#include <time.h>

#include "env.h"
#include "message.h"

#define LOCK_DEFAULT_DIRECTORY "/tmp/kimb-locks"

struct lock_set;

enum lock_outcome {
	LOCK_HELD,
	LOCK_FAILED,      /* the lock directory or a lock file is unusable */
	LOCK_TIMED_OUT,   /* another run held a lock for longer than the timeout */
	LOCK_INTERRUPTED, /* a forwarded signal came while waiting */
};

/* The lock directory: KIMB_LOCK_DIR of ENVIRONMENT when set and not empty, else
 * LOCK_DEFAULT_DIRECTORY. */
const char *lock_directory(const struct environment *environment);

/* Locks, in the lock directory DIRECTORY, every one of the COUNT normalized REPOSITORIES, in a fixed order so that overlapping sets
 * cannot deadlock. When another run holds one, says on stderr what it waits for (the repository,
 * the holder's pid, the lock file) and waits at most TIMEOUT seconds (TIMEOUT < 0: as long as it
 * takes). Returns LOCK_HELD with *OUT set, or another outcome with a one-line reason added to WHY.
 * Holding them, it removes the user's own lock and issued-second files of other repositories that
 * no run used for a day and that record no second of the last day (one it cannot lock stays). */
enum lock_outcome lock_acquire(const char *directory, const char *const *repositories, size_t count, double timeout,
			       struct lock_set **out, struct message *why);

/* As lock_acquire, but waits for nothing and says nothing: a lock another run holds gives
 * LOCK_TIMED_OUT at once, with who holds it added to WHY. */
enum lock_outcome lock_try(const char *directory, const char *const *repositories, size_t count, struct lock_set **out,
			   struct message *why);

/* Issues the second of a time tag under SET: the current one, or, when a run on this host (of any
 * user) issued that one or a later one under one of SET's locks, the first second after all of
 * those, waited for (at most 2 s: a second further ahead of the clock is no run's).
 * Records it in the user's own file beside each lock. Returns 0 with *ISSUED set, or -1 with a
 * one-line reason added to WHY (also when a forwarded signal came while waiting). */
int lock_issue_second(struct lock_set *set, time_t *issued, struct message *why);

/* The second lock_issue_second would issue under SET now, into *SECOND, neither waited for nor
 * recorded (--dry-run): a later run issues its own. Returns 0, or -1 with a one-line reason added
 * to WHY. */
int lock_next_second(const struct lock_set *set, time_t *second, struct message *why);

/* Releases every lock of SET and frees it. NULL is allowed. */
void lock_release(struct lock_set *set);

#endif
