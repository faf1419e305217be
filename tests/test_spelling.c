/* SPDX-License-Identifier: Apache-2.0 */
#include <string.h>

#include "spelling.h"
#include "suites.h"

static size_t distance(const char *a, const char *b)
{
	return spelling_distance(a, strlen(a), b, strlen(b));
}

/* The closest of CANDIDATES (NULL-terminated) to WORD, or NULL. */
static const char *guess(const char *word, const char *const *candidates)
{
	struct spelling_guess g = spelling_guess_of(word, strlen(word));
	for (const char *const *c = candidates; *c; c++)
		spelling_offer(&g, *c, strlen(*c));
	return g.best;
}

/* Each edit counts one: a letter added, dropped or changed, two neighbours swapped. */
START_TEST(test_distance_counts_each_edit_once)
{
	ck_assert_uint_eq(distance("dry-run", "dry-run"), 0);
	ck_assert_uint_eq(distance("dryrun", "dry-run"), 1);
	ck_assert_uint_eq(distance("kep", "keep"), 1);
	ck_assert_uint_eq(distance("keeep", "keep"), 1);
	ck_assert_uint_eq(distance("jbos", "jobs"), 1);
	ck_assert_uint_eq(distance("josn", "json"), 1);
	ck_assert_uint_eq(distance("shceme", "scheme"), 1);
	ck_assert_uint_eq(distance("lock-timout", "lock-timeout"), 1);
	ck_assert_uint_eq(distance("dyr-rnu", "dry-run"), 2);
	ck_assert_uint_eq(distance("", "keep"), 4);
	ck_assert_uint_eq(distance("keep", ""), 4);
	ck_assert_uint_eq(distance("platform", "dry-run"), 8);
	/* optimal string alignment: a swapped pair is not edited again */
	ck_assert_uint_eq(distance("ca", "abc"), 3);
}
END_TEST

/* The length given is the word's: a word need not end where it is cut ("kep=2"). */
START_TEST(test_distance_reads_the_lengths_given)
{
	ck_assert_uint_eq(spelling_distance("kep=2", 3, "keep", 4), 1);
	ck_assert_uint_eq(spelling_distance("keep", 4, "keep=2", 4), 0);
}
END_TEST

static const char *const options[] = {"builder", "call-timeout", "dry-run", "help", "jobs", "json", "keep", NULL};

START_TEST(test_guess_takes_the_closest_close_enough)
{
	ck_assert_str_eq(guess("dryrun", options), "dry-run");
	ck_assert_str_eq(guess("kep", options), "keep");
	ck_assert_str_eq(guess("buidler", options), "builder");
	ck_assert_str_eq(guess("call-timout", options), "call-timeout");
	/* closer wins over earlier: jsn is 1 from json, 2 from jobs */
	ck_assert_str_eq(guess("jsn", options), "json");
}
END_TEST

/* Two edits at most, and fewer than half the word's length: a short word is another word. */
START_TEST(test_guess_refuses_what_is_too_far)
{
	ck_assert_ptr_null(guess("platform", options));
	ck_assert_ptr_null(guess("pull", options));
	ck_assert_ptr_null(guess("kee", (const char *const[]){"k", NULL}));
	/* 2 edits from "keep", but "ke" has 2 letters: not a typo */
	ck_assert_ptr_null(guess("ke", options));
	/* 1 edit, and 2 * 1 < 3 */
	ck_assert_str_eq(guess("kep", options), "keep");
	/* 1 edit in a word of 2: refused */
	ck_assert_ptr_null(guess("hx", (const char *const[]){"h", NULL}));
	/* three edits */
	ck_assert_ptr_null(guess("drrunx", options));
	ck_assert_ptr_null(guess("", options));
}
END_TEST

/* The word itself is no guess: it is known, not mistyped. */
START_TEST(test_guess_ignores_the_word_itself)
{
	ck_assert_ptr_null(guess("keep", (const char *const[]){"keep", NULL}));
	ck_assert_str_eq(guess("keep", (const char *const[]){"keep", "kep", NULL}), "kep");
}
END_TEST

/* The first of equally close candidates is kept. */
START_TEST(test_guess_keeps_the_first_of_a_tie)
{
	struct spelling_guess g = spelling_guess_of("abcd", 4);
	ck_assert(spelling_offer(&g, "abce", 4));
	ck_assert(!spelling_offer(&g, "abcf", 4));
	ck_assert_str_eq(g.best, "abce");
	ck_assert_uint_eq(g.best_length, 4);
	ck_assert_uint_eq(g.best_distance, 1);
}
END_TEST

Suite *spelling_suite(void)
{
	Suite *suite = suite_create("spelling");
	TCase *tc = tcase_create("spelling");
	tcase_add_test(tc, test_distance_counts_each_edit_once);
	tcase_add_test(tc, test_distance_reads_the_lengths_given);
	tcase_add_test(tc, test_guess_takes_the_closest_close_enough);
	tcase_add_test(tc, test_guess_refuses_what_is_too_far);
	tcase_add_test(tc, test_guess_ignores_the_word_itself);
	tcase_add_test(tc, test_guess_keeps_the_first_of_a_tie);
	suite_add_tcase(suite, tc);
	return suite;
}
