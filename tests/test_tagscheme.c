/* SPDX-License-Identifier: Apache-2.0 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "suites.h"
#include "tagscheme.h"
#include "timeformat.h"

/* 2021-03-12 17:30:51 UTC */
#define NOW ((time_t)1615570251)
#define NOW_TAG "20210312.173051"

/* The reason of the last failed tag. */
static struct message why;

static void teardown(void)
{
	message_free(&why);
}

/* The time tag of NOW in FORMAT; a failure must say why in one line. */
static char *time_tag(const char *format)
{
	message_free(&why);
	char *tag = tagscheme_time(format, NOW, &why);
	if (!tag)
		ck_assert_msg(why.text && why.length && !strchr(why.text, '\n'), "no one-line reason: \"%s\"",
			      why.text);
	return tag;
}

/* The names, indexed by the scheme, as --scheme reads them (options.c's table). */
START_TEST(test_scheme_names)
{
	ck_assert_str_eq(tagscheme_names[SCHEME_AUTO], "auto");
	ck_assert_str_eq(tagscheme_names[SCHEME_TIME], "time");
	ck_assert_str_eq(tagscheme_names[SCHEME_GIT], "git");
	ck_assert_str_eq(tagscheme_names[SCHEME_DESCRIBE], "describe");
	ck_assert_str_eq(tagscheme_names[SCHEME_TREE], "tree");
	ck_assert_ptr_null(tagscheme_names[SCHEME_TREE + 1]);
}
END_TEST

START_TEST(test_time_default_format)
{
	char *tag = time_tag(TAGSCHEME_DEFAULT_TIME_FORMAT);

	ck_assert_msg(tag != NULL, "%s", why.text);
	ck_assert_str_eq(tag, NOW_TAG);
	free(tag);
}
END_TEST

START_TEST(test_time_custom_format)
{
	char *tag = time_tag("%Y-%m-%dT%H%M%SZ");

	ck_assert_msg(tag != NULL, "%s", why.text);
	ck_assert_str_eq(tag, "2021-03-12T173051Z");
	free(tag);
}
END_TEST

START_TEST(test_time_long_result_grows_the_buffer)
{
	char format[1003];
	memset(format, 'v', 1000);
	strcpy(format + 1000, "%Y");

	char *tag = time_tag(format);
	ck_assert_msg(tag != NULL, "%s", why.text);
	ck_assert_uint_eq(strlen(tag), 1004);
	ck_assert_str_eq(tag + 1000, "2021");
	free(tag);
}
END_TEST

START_TEST(test_time_empty_result_fails)
{
	ck_assert_ptr_null(time_tag(""));
	ck_assert_ptr_nonnull(strstr(why.text, "empty"));
}
END_TEST

START_TEST(test_time_huge_result_fails)
{
	char format[5001];
	memset(format, 'v', 5000);
	format[5000] = '\0';

	ck_assert_ptr_null(time_tag(format));
	ck_assert_ptr_nonnull(strstr(why.text, "longer"));
}
END_TEST

/* A time tag reads back, with timeformat_read, as the time it was made of. */
START_TEST(test_time_of_round_trip)
{
	char *tag = time_tag(TAGSCHEME_DEFAULT_TIME_FORMAT);
	struct tm expected;
	struct tm read;

	ck_assert_ptr_nonnull(tag);
	ck_assert_ptr_nonnull(gmtime_r(&(time_t){NOW}, &expected));
	ck_assert_int_eq(timeformat_read(tag, TAGSCHEME_DEFAULT_TIME_FORMAT, &read), 0);
	ck_assert_int_eq(timeformat_compare(&read, &expected), 0);
	ck_assert_int_eq(read.tm_year, 121);
	ck_assert_int_eq(read.tm_mon, 2);
	ck_assert_int_eq(read.tm_mday, 12);
	ck_assert_int_eq(read.tm_hour, 17);
	ck_assert_int_eq(read.tm_min, 30);
	ck_assert_int_eq(read.tm_sec, 51);
	free(tag);

	ck_assert_int_eq(timeformat_read("2021-03-12T1730", "%Y-%m-%dT%H%M", &read), 0);
	ck_assert_int_eq(read.tm_mday, 12);
	ck_assert_int_eq(read.tm_min, 30);
}
END_TEST

START_TEST(test_time_of_starts_from_zero)
{
	struct tm read;

	memset(&read, 0x5a, sizeof read);
	ck_assert_int_eq(timeformat_read("2021", "%Y", &read), 0);
	ck_assert_int_eq(read.tm_year, 121);
	ck_assert_int_eq(read.tm_mon, 0);
	ck_assert_int_eq(read.tm_mday, 0);
	ck_assert_int_eq(read.tm_hour, 0);
	ck_assert_int_eq(read.tm_min, 0);
	ck_assert_int_eq(read.tm_sec, 0);
}
END_TEST

START_TEST(test_time_of_rejects)
{
	const char *const unreadable[] = {
		NOW_TAG "x", NOW_TAG ".1", NOW_TAG "-dirty", "20210312", "20210312.", "latest", "1a2b3c4", "", "x" NOW_TAG,
	};
	struct tm read;

	for (size_t i = 0; i < sizeof unreadable / sizeof unreadable[0]; i++)
		ck_assert_msg(timeformat_read(unreadable[i], TAGSCHEME_DEFAULT_TIME_FORMAT, &read) == -1,
			      "\"%s\" read as a time", unreadable[i]);
}
END_TEST

START_TEST(test_compare_times)
{
	/* Oldest first; each differs from the next in one field, and a later field never outweighs an
	 * earlier one. */
	const char *const ascending[] = {
		"20191231.235959", "20201130.235959", "20201201.000000", "20201201.005959",
		"20201201.010059", "20201201.010100", "20201201.010101", "20210101.000000",
	};
	const size_t count = sizeof ascending / sizeof ascending[0];
	struct tm times[sizeof ascending / sizeof ascending[0]];

	for (size_t i = 0; i < count; i++)
		ck_assert_int_eq(timeformat_read(ascending[i], TAGSCHEME_DEFAULT_TIME_FORMAT, &times[i]), 0);
	for (size_t i = 0; i < count; i++) {
		for (size_t j = 0; j < count; j++) {
			int order = timeformat_compare(&times[i], &times[j]);
			ck_assert_msg(i < j ? order < 0 : i > j ? order > 0 : order == 0, "%s vs %s gives %d",
				      ascending[i], ascending[j], order);
		}
	}
}
END_TEST

Suite *tagscheme_suite(void)
{
	Suite *suite = suite_create("tagscheme");
	TCase *names = tcase_create("names");
	TCase *time_scheme = tcase_create("time");

	tcase_add_test(names, test_scheme_names);
	suite_add_tcase(suite, names);

	tcase_add_checked_fixture(time_scheme, NULL, teardown);
	tcase_add_test(time_scheme, test_time_default_format);
	tcase_add_test(time_scheme, test_time_custom_format);
	tcase_add_test(time_scheme, test_time_long_result_grows_the_buffer);
	tcase_add_test(time_scheme, test_time_empty_result_fails);
	tcase_add_test(time_scheme, test_time_huge_result_fails);
	tcase_add_test(time_scheme, test_time_of_round_trip);
	tcase_add_test(time_scheme, test_time_of_starts_from_zero);
	tcase_add_test(time_scheme, test_time_of_rejects);
	tcase_add_test(time_scheme, test_compare_times);
	suite_add_tcase(suite, time_scheme);
	return suite;
}
