/* SPDX-License-Identifier: Apache-2.0 */
#include "tagscheme.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

/* The largest buffer a time tag may need, marker and NUL included. A tag longer than the tag grammar
 * allows is still made (the caller checks the grammar and says why it is refused), but a format
 * that expands without bound must not make us allocate without bound. */
#define TIME_TAG_BUFFER_LIMIT 4096
#define TIME_TAG_BUFFER_START 64

const char *const tagscheme_names[] = {
	[SCHEME_AUTO] = "auto",
	[SCHEME_TIME] = "time",
	[SCHEME_GIT] = "git",
	[SCHEME_DESCRIBE] = "describe",
	[SCHEME_TREE] = "tree",
	NULL,
};

char *tagscheme_time(const char *format, time_t now, struct message *why)
{
	struct tm utc;

	if (!gmtime_r(&now, &utc)) {
		message_add(why, "cannot express the time %jd in UTC", (intmax_t)now);
		return NULL;
	}

	/* strftime returns 0 both for an empty result and for one that does not fit: a leading
	 * marker, cut off afterwards, tells the two apart. */
	char *marked_format = xprintf("#%s", format);
	char *tag = NULL;
	size_t length = 0;
	for (size_t size = TIME_TAG_BUFFER_START; length == 0 && size <= TIME_TAG_BUFFER_LIMIT; size *= 2) {
		tag = xrealloc(tag, size);
		/* The format is the user's by design; what it may hold was checked before. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		length = strftime(tag, size, marked_format, &utc);
#pragma GCC diagnostic pop
	}
	free(marked_format);

	if (length <= 1) {
		if (length == 0)
			message_add(why, "the time format makes a tag longer than %d bytes: \"%s\"",
				    TIME_TAG_BUFFER_LIMIT - 2, format);
		else
			message_add(why, "the time format makes an empty tag: \"%s\"", format);
		free(tag);
		return NULL;
	}
	memmove(tag, tag + 1, length);
	return tag;
}
