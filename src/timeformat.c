/* SPDX-License-Identifier: Apache-2.0 */
#include "timeformat.h"

#include <stdbool.h>
#include <string.h>

#include "message.h"

/* Why a format is read rather than tried.
 *
 * A tag tells two seconds apart when the conversions that make it give each unit of the time, and
 * when the tag can be read back into them: then two different seconds give two different tags.
 * Samples of the output (a second, a minute, ... a year apart) cannot show this: a 12-hour clock, a
 * 2-digit year or an ISO week year each repeat at some distance no sample hits, and unpadded
 * numbers side by side collide at some dates only (day 1 of November and day 11 of January are
 * both 111 in %-d%-m).
 *
 * Reading back: the tag is a row of pieces (a conversion's number or name, a character of the
 * format's own text), each of one class of characters: digits, letters, or another character.
 * Where two pieces of one class meet, nothing shows where the first ends; where at most one piece
 * of such a run varies in width, the others' fixed widths still tell (so %s%S reads back, and
 * %-d%-m does not). A piece never holds a character of another class, and never pads with spaces
 * (which no tag may hold, and which the width check would miss on the days a number needs none). */

/* What a conversion tells of the time. */
enum {
	TELLS_EPOCH = 1u << 0,
	TELLS_YEAR = 1u << 1,
	TELLS_CENTURY = 1u << 2,
	TELLS_YEAR_OF_CENTURY = 1u << 3,
	TELLS_MONTH = 1u << 4,
	TELLS_DAY = 1u << 5,
	TELLS_DAY_OF_YEAR = 1u << 6,
	TELLS_HOUR = 1u << 7,
	TELLS_MINUTE = 1u << 8,
	TELLS_SECOND = 1u << 9,
};

enum class { CLASS_DIGITS, CLASS_LETTERS, CLASS_OTHER };

struct conversion {
	char name;
	/* A conversion that stands for others and text, as glibc writes it in the C locale; else
	 * NULL. */
	const char *expansion;
	enum class class;
	bool varies;   /* in width, as padded by default (%s, names of days and months) */
	char padding;  /* by default: '0', ' ', or '\0' for a conversion that never pads */
	unsigned tells;
};

/* glibc's conversions. Those that count for nothing still make a tag that reads back: week
 * numbers and ISO week years (%G %g %U %V %W %u %w), a 12-hour clock (%I %l %p %P), names of days. */
static const struct conversion conversions[] = {
	{'a', NULL, CLASS_LETTERS, false, '\0', 0},
	{'A', NULL, CLASS_LETTERS, true, '\0', 0},
	{'b', NULL, CLASS_LETTERS, false, '\0', TELLS_MONTH},
	{'B', NULL, CLASS_LETTERS, true, '\0', TELLS_MONTH},
	{'c', "%a %b %e %H:%M:%S %Y", CLASS_OTHER, false, '\0', 0},
	{'C', NULL, CLASS_DIGITS, false, '0', TELLS_CENTURY},
	{'d', NULL, CLASS_DIGITS, false, '0', TELLS_DAY},
	{'D', "%m/%d/%y", CLASS_OTHER, false, '\0', 0},
	{'e', NULL, CLASS_DIGITS, false, ' ', TELLS_DAY},
	{'F', "%Y-%m-%d", CLASS_OTHER, false, '\0', 0},
	{'G', NULL, CLASS_DIGITS, false, '\0', 0},
	{'g', NULL, CLASS_DIGITS, false, '0', 0},
	{'h', "%b", CLASS_OTHER, false, '\0', 0},
	{'H', NULL, CLASS_DIGITS, false, '0', TELLS_HOUR},
	{'I', NULL, CLASS_DIGITS, false, '0', 0},
	{'j', NULL, CLASS_DIGITS, false, '0', TELLS_DAY_OF_YEAR},
	{'k', NULL, CLASS_DIGITS, false, ' ', TELLS_HOUR},
	{'l', NULL, CLASS_DIGITS, false, ' ', 0},
	{'m', NULL, CLASS_DIGITS, false, '0', TELLS_MONTH},
	{'M', NULL, CLASS_DIGITS, false, '0', TELLS_MINUTE},
	{'n', NULL, CLASS_OTHER, false, '\0', 0},
	{'p', NULL, CLASS_LETTERS, false, '\0', 0},
	{'P', NULL, CLASS_LETTERS, false, '\0', 0},
	{'r', "%I:%M:%S %p", CLASS_OTHER, false, '\0', 0},
	{'R', "%H:%M", CLASS_OTHER, false, '\0', 0},
	{'s', NULL, CLASS_DIGITS, true, '\0', TELLS_EPOCH},
	{'S', NULL, CLASS_DIGITS, false, '0', TELLS_SECOND},
	{'t', NULL, CLASS_OTHER, false, '\0', 0},
	{'T', "%H:%M:%S", CLASS_OTHER, false, '\0', 0},
	{'u', NULL, CLASS_DIGITS, false, '\0', 0},
	{'U', NULL, CLASS_DIGITS, false, '0', 0},
	{'V', NULL, CLASS_DIGITS, false, '0', 0},
	{'w', NULL, CLASS_DIGITS, false, '\0', 0},
	{'W', NULL, CLASS_DIGITS, false, '0', 0},
	{'x', "%m/%d/%y", CLASS_OTHER, false, '\0', 0},
	{'X', "%H:%M:%S", CLASS_OTHER, false, '\0', 0},
	/* Years 1000 to 9999: always 4 digits. */
	{'Y', NULL, CLASS_DIGITS, false, '\0', TELLS_YEAR},
	{'y', NULL, CLASS_DIGITS, false, '0', TELLS_YEAR_OF_CENTURY},
	/* gmtime's zone */
	{'z', "+0000", CLASS_OTHER, false, '\0', 0},
	{'Z', "GMT", CLASS_OTHER, false, '\0', 0},
	{'%', NULL, CLASS_OTHER, false, '\0', 0},
};

/* A format being read: what its conversions tell so far, and the run of pieces of one class it
 * ends with. */
struct reading {
	unsigned tells;
	enum class run_class;
	const char *varying; /* the conversion of varying width in the run, if any */
	int varying_length;
	struct message *why;
};

static const struct conversion *conversion_named(char name)
{
	for (size_t i = 0; i < sizeof conversions / sizeof conversions[0]; i++)
		if (conversions[i].name == name)
			return &conversions[i];
	return NULL;
}

static enum class class_of(char c)
{
	if (c >= '0' && c <= '9')
		return CLASS_DIGITS;
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ? CLASS_LETTERS : CLASS_OTHER;
}

/* Adds a piece of CLASS to the tag, made by the conversion SOURCE (LENGTH characters). Returns 0,
 * or -1 when it varies in width beside another piece of its class that does. */
static int add_piece(struct reading *reading, enum class class, bool varies, const char *source, int length)
{
	if (class != reading->run_class || class == CLASS_OTHER) {
		reading->run_class = class;
		reading->varying = NULL;
	}
	if (!varies)
		return 0;
	if (reading->varying) {
		message_add(reading->why,
			    "%.*s and %.*s stand side by side and vary in width, so that different times can make one "
			    "tag; pad the numbers (%%d, not %%-d) or put a character such as . between them",
			    reading->varying_length, reading->varying, length, source);
		return -1;
	}
	reading->varying = source;
	reading->varying_length = length;
	return 0;
}

/* Reads TEXT, the format or a conversion's expansion (then SOURCE is that conversion, LENGTH
 * characters, else NULL). Returns 0, or -1 with the reason in READING->why. */
static int read_format(struct reading *reading, const char *text, const char *source, int length)
{
	for (const char *at = text; *at;) {
		if (*at != '%') {
			if (add_piece(reading, class_of(*at), false, at, 1) < 0)
				return -1;
			at++;
			continue;
		}
		const char *start = at++;
		char padding_flag = '\0';
		for (; *at && strchr("_-0^#", *at); at++)
			if (*at != '^' && *at != '#')
				padding_flag = *at;
		bool flagged = at > start + 1;
		const char *end = at + strspn(at, "0123456789");
		const struct conversion *conversion = conversion_named(*end);
		int shown = (int)(end - start) + (*end != '\0');
		const char *shown_source = source ? source : start;
		int shown_length = source ? length : shown;

		if (end > at) {
			message_add(reading->why, "%.*s has a width, which kimb does not read; drop it", shown, start);
			return -1;
		}
		if (*at == 'E' || *at == 'O') {
			message_add(reading->why, "%.*s has the modifier %c, for other locales' calendars; drop the %c",
				    shown + 1, start, *at, *at);
			return -1;
		}
		if (!conversion) {
			message_add(reading->why,
				    *at > ' ' && *at <= '~'
					    ? "%.*s is no conversion strftime knows; write %%%% for a %%"
					    : "a %% starts no conversion strftime knows; write %%%% for a %%",
				    shown, start);
			return -1;
		}
		at++;
		if (conversion->expansion) {
			if (flagged) {
				message_add(reading->why,
					    "%.*s has a flag, which kimb reads only on a number or a name; "
					    "drop it",
					    shown, start);
				return -1;
			}
			if (read_format(reading, conversion->expansion, shown_source, shown_length) < 0)
				return -1;
			continue;
		}
		char padding = conversion->padding && padding_flag ? padding_flag : conversion->padding;
		if (padding == ' ' || padding == '_') {
			message_add(reading->why,
				    "%.*s pads with spaces, which no tag may hold; use a number padded with zeros, "
				    "such as %%d or %%H",
				    shown_length, shown_source);
			return -1;
		}
		reading->tells |= conversion->tells;
		if (add_piece(reading, conversion->class, conversion->varies || padding == '-', shown_source,
			      shown_length) < 0)
			return -1;
	}
	return 0;
}

/* The units a time tag needs, with what gives them, in the order they are named. */
static const struct {
	const char *name;
	unsigned any_of[2]; /* each a set of units that gives it on its own */
} needs[] = {
	{"the year (%Y)", {TELLS_YEAR, TELLS_CENTURY | TELLS_YEAR_OF_CENTURY}},
	{"the month and day (%m and %d, or %j)", {TELLS_MONTH | TELLS_DAY, TELLS_DAY_OF_YEAR}},
	{"the hour of a 24-hour clock (%H)", {TELLS_HOUR, TELLS_HOUR}},
	{"the minute (%M)", {TELLS_MINUTE, TELLS_MINUTE}},
	{"the second (%S)", {TELLS_SECOND, TELLS_SECOND}},
};

int timeformat_check(const char *format, struct message *why)
{
	struct reading reading = {.run_class = CLASS_OTHER, .why = why};
	const char *missing[sizeof needs / sizeof needs[0]];
	size_t count = 0;

	if (read_format(&reading, format, NULL, 0) < 0)
		return -1;
	if (reading.tells & TELLS_EPOCH)
		return 0;
	for (size_t i = 0; i < sizeof needs / sizeof needs[0]; i++) {
		unsigned tells = reading.tells;
		if ((tells & needs[i].any_of[0]) != needs[i].any_of[0] &&
		    (tells & needs[i].any_of[1]) != needs[i].any_of[1])
			missing[count++] = needs[i].name;
	}
	if (count == 0)
		return 0;
	message_add(why, "nothing in \"%s\" gives ", format);
	for (size_t i = 0; i < count; i++)
		message_add(why, "%s%s", i == 0 ? "" : i + 1 < count ? ", " : " and ", missing[i]);
	message_add(why, ", so that different seconds can make one tag; a time tag needs the year, month, day, hour, "
			 "minute and second, as %%Y%%m%%d.%%H%%M%%S has (or the seconds since 1970, %%s)");
	return -1;
}

int timeformat_read(const char *tag, const char *format, struct tm *out)
{
	memset(out, 0, sizeof *out);
	const char *rest = strptime(tag, format, out);

	return rest && *rest == '\0' ? 0 : -1;
}

int timeformat_compare(const struct tm *a, const struct tm *b)
{
	const int a_fields[] = {a->tm_year, a->tm_mon, a->tm_mday, a->tm_hour, a->tm_min, a->tm_sec};
	const int b_fields[] = {b->tm_year, b->tm_mon, b->tm_mday, b->tm_hour, b->tm_min, b->tm_sec};

	for (size_t i = 0; i < sizeof a_fields / sizeof a_fields[0]; i++)
		if (a_fields[i] != b_fields[i])
			return a_fields[i] < b_fields[i] ? -1 : 1;
	return 0;
}
