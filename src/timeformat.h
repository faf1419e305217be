/* SPDX-License-Identifier: Apache-2.0 */
#ifndef KIMB_TIMEFORMAT_H
#define KIMB_TIMEFORMAT_H

/* Whether a strftime format makes time tags that tell every second apart, decided from its
 * conversions as glibc writes them in UTC and the C locale, not from samples of their output. */

#include <stddef.h>
#include <time.h>

#include "message.h"

/* Checks that FORMAT's conversions give the year, the month and the day (or the day of the year),
 * the hour of a 24-hour clock, the minute and the second, or the seconds since the epoch (%s); and
 * that the tag reads back: nothing padded with spaces, no two numbers (or names) of varying width
 * side by side, no width, no E or O modifier, and no conversion glibc's strftime does not know.
 * Returns 0, or -1 with a one-line reason added to WHY, which says what to write. */
int timeformat_check(const char *format, struct message *why);

/* Reads the time a time-scheme tag made with FORMAT encodes. Returns 0 and fills *OUT when all of
 * TAG parses with FORMAT, else -1: such a tag's recency cannot be established. */
int timeformat_read(const char *tag, const char *format, struct tm *out);

/* Orders two times read by timeformat_read: <0, 0, >0 as A is older, equal, newer than B. */
int timeformat_compare(const struct tm *a, const struct tm *b);

#endif
