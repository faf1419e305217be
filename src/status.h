/* SPDX-License-Identifier: Apache-2.0 */
#ifndef KIMB_STATUS_H
#define KIMB_STATUS_H

/* kimb's exit statuses, as its manual lists them. A step of a run returns STATUS_OK to go on, or
 * the status to exit with once it has said why. */

enum {
	STATUS_OK = 0,
	STATUS_FAILURE = 1,       /* anything else: the lock directory, the record, stdout */
	STATUS_USAGE = 2,
	STATUS_LISTING = 3,       /* built, but a listing failed or could not be read: nothing removed */
	STATUS_NOT_REMOVED = 4,   /* a selected image could not be removed; the others were */
	STATUS_LOCK_TIMEOUT = 5,  /* --lock-timeout reached: nothing built or removed */
	STATUS_BUILD_FAILED = 6,  /* the build exited non-zero or was killed: nothing listed or removed */
	STATUS_NO_REPOSITORY = 7, /* prune: a repository with no image and no record of kimb's (a typo?) */
	STATUS_NOT_FOUND = 127,   /* the builder could not be found */
	STATUS_SIGNAL_BASE = 128, /* + N: kimb got signal N, and dies of it */
};

#endif
