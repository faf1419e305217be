/* SPDX-License-Identifier: Apache-2.0 */
#ifndef KIMB_BACKGROUND_H
#define KIMB_BACKGROUND_H

/* --prune=background: the pruning after a build, carried out by a detached child of kimb (its own
 * session, stdin on /dev/null, stdout and stderr on a log in the state directory, no other
 * descriptor), as git gc --auto with gc.autoDetach. Each repository has a prune lock of its own
 * beside the lock under which tags are issued (lock.h): the child holds it for as long as it runs,
 * and a run that finds it held does not prune that repository (nor wait). The child's outcome goes
 * to each repository's log, PRUNE_DIRECTORY/NAME.prune.log; the next run for the repository tells
 * a failure found there, once. */

#include <stdbool.h>
#include <stddef.h>

#include "env.h"
#include "lock.h"
#include "message.h"

/* Below the state directory. */
#define BACKGROUND_DIRECTORY "prune"

/* The prune locks of the COUNT REPOSITORIES, in the lock directory of ENVIRONMENT: taken without
 * waiting (WAIT false: LOCK_TIMED_OUT at once when another run holds one), or as lock_acquire
 * takes them, waiting as long as TIMEOUT says. */
enum lock_outcome background_lock(const struct environment *environment, const char *const *repositories, size_t count,
				  bool wait, double timeout, struct lock_set **out, struct message *why);

/* Counts a build of each of the COUNT REPOSITORIES, under their tag locks, before it begins: the
 * detached child compares the counts before its listing and once it holds the tag locks, and removes
 * nothing when a build began in between (an identical rebuild gives a prior image's ID back, which
 * the child's listing still shows as prior). Counted in the user's state directory: a build by
 * another user is seen only while it runs (it holds the tag lock). Says nothing on failure: a count
 * that cannot be read makes the child remove nothing. */
void background_count_build(const struct environment *environment, const char *const *repositories, size_t count);

/* The sum of the counts of the COUNT REPOSITORIES' builds, or -1 when one cannot be read. */
long long background_builds(const struct environment *environment, const char *const *repositories, size_t count);

/* Says on stderr, once, each failure that a detached prune of one of the COUNT REPOSITORIES left
 * in its log: the log's lines follow a line that names the repository. */
void background_tell_failures(const struct environment *environment, const char *const *repositories, size_t count);

/* Forks the detached child. Returns 0 in the parent, 1 in the child (its session, descriptors and
 * log set up as above), or -1 with a one-line reason added to WHY (nothing forked). */
int background_detach(const struct environment *environment, const char *const *repositories, size_t count,
		      struct message *why);

/* In the detached child: records its exit STATUS and its log as the outcome of the prune of each
 * of the COUNT REPOSITORIES. */
void background_finish(const struct environment *environment, const char *const *repositories, size_t count,
		       int status);

#endif
