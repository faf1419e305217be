#ifndef KIMB_TAGSCHEME_H
#define KIMB_TAGSCHEME_H

/* The unique tag kimb adds to every build: a UTC time stamp, or the git commit of the build
 * context (read with libgit2), and the recency a time-scheme tag encodes. */

#include <stddef.h>
#include <time.h>

enum tag_scheme { SCHEME_AUTO, SCHEME_TIME, SCHEME_GIT };

#define TAGSCHEME_DEFAULT_TIME_FORMAT "%Y%m%d.%H%M%S"

/* Parses "auto", "time" or "git". Returns 0, or -1 for any other word. */
int tagscheme_from_name(const char *name, enum tag_scheme *out);

/* Makes the unique tag for a build of the directory CONTEXT at time NOW.
 * auto: git when CONTEXT lies in a git work tree whose HEAD has a commit, else time.
 * time: NOW in UTC formatted with TIME_FORMAT (strftime).
 * git: HEAD's abbreviated commit ID (7+ hex digits, unique in the repository), "-dirty" appended
 *      when tracked files differ from HEAD in the index or the work tree.
 * Returns a malloc'd tag, or NULL with a one-line reason in WHY (of WHY_SIZE bytes).
 * The tag is not checked against the tag grammar here. */
char *tagscheme_make(enum tag_scheme scheme, const char *time_format, const char *context, time_t now,
		     char *why, size_t why_size);

/* Reads the time a time-scheme tag made with FORMAT encodes. Returns 0 and fills *OUT when all of
 * TAG parses with FORMAT, else -1: such a tag's recency cannot be established. */
int tagscheme_time_of(const char *tag, const char *format, struct tm *out);

/* Orders two times read by tagscheme_time_of: <0, 0, >0 as A is older, equal, newer than B. */
int tagscheme_compare_times(const struct tm *a, const struct tm *b);

#endif
