/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "suites.h"
#include "tagscheme.h"
#include "timeformat.h"

static void assert_accepted(const char *format)
{
	struct message why = {0};
	ck_assert_msg(timeformat_check(format, &why) == 0, "\"%s\" refused: %s", format, why.text);
	ck_assert_ptr_null(why.text);
}

/* Checks that FORMAT is refused with a one-line reason that says REASON: a newline in it can only be
 * the format's own, quoted, which report_say replaces. */
static void assert_refused(const char *format, const char *reason)
{
	struct message why = {0};
	ck_assert_msg(timeformat_check(format, &why) == -1, "\"%s\" accepted", format);
	ck_assert_msg(why.text && why.length && (!strchr(why.text, '\n') || strchr(format, '\n')),
		      "no one-line reason for \"%s\": \"%s\"", format, why.text);
	ck_assert_msg(strstr(why.text, reason) != NULL, "\"%s\": \"%s\" does not say \"%s\"", format, why.text, reason);
	message_free(&why);
}

/* UTC, from its parts (timegm is no POSIX): days since 1970 by H. Hinnant's days_from_civil. */
static time_t utc(int year, int month, int day, int hour, int minute, int second)
{
	int y = month <= 2 ? year - 1 : year;
	int era = y / 400;
	int year_of_era = y - era * 400;
	int day_of_year = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
	int day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
	time_t days = (time_t)era * 146097 + day_of_era - 719468;

	return ((days * 24 + hour) * 60 + minute) * 60 + second;
}

static void format_time(char *tag, size_t size, const char *format, time_t time)
{
	struct tm parts;

	ck_assert_ptr_nonnull(gmtime_r(&time, &parts));
	/* The formats under test, as kimb uses them. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	size_t length = strftime(tag, size, format, &parts);
#pragma GCC diagnostic pop
	ck_assert_uint_gt(length, 0);
}

START_TEST(test_formats_that_tell_seconds_apart)
{
	const char *const good[] = {
		TAGSCHEME_DEFAULT_TIME_FORMAT, "%s", "one.%s", "v%Y-%m-%dT%H.%M.%S", "%Y%j%H%M%S", "%F_%T",
		"%C%y%m%d%H%M%S", "%Y%b%d.%H%M%S", "%Y%^B%d.%H%M%S", "%-d.%-m.%Y.%H%M%S", "%Y%m%-d.%H%M%S",
		"%s%S", "%Y%m%d.%H%M%S-%I%p", "%G%V%u-%Y%m%d%H%M%S", "%Y%m%0e.%0k%M%S", "%Y%m%d.%H%M%S%Z",
		"%Y%m%d%H%M%S%%", "%Y%m%d.%H%M%S.%a.%A",
	};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
		assert_accepted(good[i]);
}
END_TEST

/* Each unit of the time, missing: the reason names what to add. */
START_TEST(test_formats_without_a_unit)
{
	assert_refused("latest", "nothing in \"latest\" gives the year (%Y), the month and day (%m and %d, or %j), the hour");
	assert_refused("", "nothing in \"\" gives the year");
	/* said whole, not cut at the newline */
	assert_refused("v\n%H", "nothing in \"v\n%H\" gives the year (%Y), the month and day");
	assert_refused("%Y%m%d", "the hour of a 24-hour clock (%H), the minute (%M) and the second (%S)");
	assert_refused("%Y%m%d.%H%M", "gives the second (%S)");
	assert_refused("%H%M%S", "the year (%Y) and the month and day");
	assert_refused("%m%d%H%M%S", "gives the year (%Y), so that");
	assert_refused("%Y%m%d%H%S", "gives the minute (%M), so that");
	assert_refused("%Y%d%H%M%S", "the month and day");
	assert_refused("%C%m%d%H%M%S", "the year");
}
END_TEST

/* Issue 15: formats that give every unit in some form, and still repeat: the two times give one tag
 * (checked here with strftime), and the format is refused. */
START_TEST(test_formats_that_repeat_are_refused)
{
	const struct {
		const char *format;
		time_t one, other;
		const char *reason;
	} repeating[] = {
		/* a 12-hour clock */
		{"%Y%m%d%I%M%S", utc(2024, 5, 6, 1, 2, 3), utc(2024, 5, 6, 13, 2, 3), "the hour of a 24-hour clock"},
		/* a 2-digit year repeats every century */
		{"%y%m%d.%H%M%S", utc(2024, 5, 6, 1, 2, 3), utc(2124, 5, 6, 1, 2, 3), "the year (%Y)"},
		{"%D.%H%M%S", utc(2024, 5, 6, 1, 2, 3), utc(2124, 5, 6, 1, 2, 3), "the year (%Y)"},
		/* the ISO week year: 29 December 2025 lies in its week 1 of 2026 */
		{"%G%m%d.%H%M%S", utc(2025, 12, 29, 1, 2, 3), utc(2026, 12, 29, 1, 2, 3), "the year (%Y)"},
		/* 1 November and 11 January */
		{"%-d%-m%Y.%H%M%S", utc(2024, 11, 1, 1, 2, 3), utc(2024, 1, 11, 1, 2, 3), "%-d and %-m stand side by side"},
		{"%Y%-m%-d.%H%M%S", utc(2024, 1, 11, 1, 2, 3), utc(2024, 11, 1, 1, 2, 3), "%-m and %-d stand side by side"},
		{"%Y%m%d.%-H%-M%S", utc(2024, 1, 1, 1, 12, 3), utc(2024, 1, 1, 11, 2, 3), "%-H and %-M"},
		{"%Y.%H%M%-S%-j", utc(2024, 1, 11, 1, 2, 1), utc(2024, 1, 1, 1, 2, 11), "%-S and %-j"},
	};
	for (size_t i = 0; i < sizeof repeating / sizeof repeating[0]; i++) {
		char one[64];
		char other[64];
		format_time(one, sizeof one, repeating[i].format, repeating[i].one);
		format_time(other, sizeof other, repeating[i].format, repeating[i].other);
		ck_assert_msg(repeating[i].one != repeating[i].other && strcmp(one, other) == 0, "%s: %s and %s",
			      repeating[i].format, one, other);
		assert_refused(repeating[i].format, repeating[i].reason);
	}
}
END_TEST

/* What no tag may hold or kimb cannot read back is refused before any tag is made, whatever the
 * day: %e writes a space only on days 1 to 9. */
START_TEST(test_formats_that_do_not_read_back)
{
	assert_refused("%Y%m%e.%H%M%S", "%e pads with spaces");
	assert_refused("%Y%m%d.%k%M%S", "%k pads with spaces");
	assert_refused("%Y%m%_d.%H%M%S", "%_d pads with spaces");
	assert_refused("%c", "%c pads with spaces");
	assert_refused("%Y%m%d.%H%M%S%10Y", "%10Y has a width");
	assert_refused("%Y%m%d.%H%M%S%-010s", "%-010s has a width");
	assert_refused("%Ey%m%d.%H%M%S", "%Ey has the modifier E");
	assert_refused("%Y%m%d.%H%M%S%Od", "%Od has the modifier O");
	assert_refused("%Y%m%d.%H%M%S%Q", "%Q is no conversion strftime knows");
	assert_refused("%Y%m%d.%H%M%S%", "a % starts no conversion");
	assert_refused("%Y%m%d.%H%M%S%\n", "a % starts no conversion");
	assert_refused("%-F.%H%M%S", "%-F has a flag");
	assert_refused("%Y%B%A%d.%H%M%S", "%B and %A stand side by side");
	assert_refused("%s%-S", "%s and %-S stand side by side");
}
END_TEST

Suite *timeformat_suite(void)
{
	Suite *suite = suite_create("timeformat");
	TCase *check = tcase_create("check");

	tcase_add_test(check, test_formats_that_tell_seconds_apart);
	tcase_add_test(check, test_formats_without_a_unit);
	tcase_add_test(check, test_formats_that_repeat_are_refused);
	tcase_add_test(check, test_formats_that_do_not_read_back);
	suite_add_tcase(suite, check);
	return suite;
}
