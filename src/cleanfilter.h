/* SPDX-License-Identifier: Apache-2.0 */
#ifndef KIMB_CLEANFILTER_H
#define KIMB_CLEANFILTER_H

/* git's filter drivers for libgit2, which has none: a file whose filter attribute names a driver
 * with a clean command (filter.NAME.clean, as git-lfs sets) is hashed as git hashes it, through that
 * command, run by the shell in the work tree with the file on its stdin and %f its quoted path. A
 * failing command leaves the file unfiltered, as git does, and where the driver is required
 * (filter.NAME.required) is a failure cleanfilter_failure tells. A driver with no clean command (only
 * a process one) leaves the file unfiltered. */

#include <stdbool.h>

/* Registers the filter with libgit2, once per libgit2 initialization, its temporary files (each
 * file's content, the clean command's stdin) going to TEMPORARY_DIRECTORY (NULL or "": /tmp).
 * Returns 0, or a libgit2 error. */
int cleanfilter_register(const char *temporary_directory);

/* Whether the filter is registered with libgit2 now. */
bool cleanfilter_registered(void);

/* Whether a required driver's clean command failed since the last call: then sets a libgit2 error
 * that says which and returns -1, else returns 0. */
int cleanfilter_failure(void);

#endif
