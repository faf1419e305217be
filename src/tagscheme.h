/* SPDX-License-Identifier: Apache-2.0 */
#ifndef KIMB_TAGSCHEME_H
#define KIMB_TAGSCHEME_H

/* The unique tag kimb adds to every build: its schemes, and the time stamp of the time scheme
 * (gittag.h makes the git schemes' tags). */

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "message.h"

enum tag_scheme { SCHEME_AUTO, SCHEME_TIME, SCHEME_GIT, SCHEME_DESCRIBE, SCHEME_TREE };

#define TAGSCHEME_DEFAULT_TIME_FORMAT "%Y%m%d.%H%M%S"

/* The schemes' names, indexed by enum tag_scheme, NULL-terminated. */
extern const char *const tagscheme_names[];

/* NOW in UTC formatted with FORMAT (strftime), malloc'd, or NULL with a one-line reason added to WHY.
 * The tag is not checked against the tag grammar here. */
char *tagscheme_time(const char *format, time_t now, struct message *why);

#endif
