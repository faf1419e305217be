/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "quote.h"
#include "suites.h"

static void assert_quoted(const char *word, const char *expected)
{
	struct message out = {0};
	quote_word(&out, word);
	ck_assert_msg(out.text && strcmp(out.text, expected) == 0, "\"%s\" quoted as %s, not %s", word, out.text,
		      expected);
	message_free(&out);
}

START_TEST(test_plain_words_stay_as_they_are)
{
	assert_quoted("podman", "podman");
	assert_quoted("--filter=reference=docker.io/library/app:1.0", "--filter=reference=docker.io/library/app:1.0");
	assert_quoted("user@host,a+b%c_d", "user@host,a+b%c_d");
}
END_TEST

START_TEST(test_special_words_are_single_quoted)
{
	assert_quoted("", "''");
	assert_quoted("a b", "'a b'");
	assert_quoted("{{json .}}", "'{{json .}}'");
	assert_quoted("$HOME", "'$HOME'");
	assert_quoted("it's", "'it'\\''s'");
	assert_quoted("'", "''\\'''");
	assert_quoted("~user", "'~user'");
	assert_quoted("a*b?[c]", "'a*b?[c]'");
	assert_quoted("a\nb", "'a\nb'");
}
END_TEST

START_TEST(test_words_are_joined_by_spaces)
{
	const char *words[] = {"kim", "image", "ls", "--format", "{{.ID}} {{.Tag}}"};
	struct message out = {0};
	quote_words(&out, words, 5);
	ck_assert_str_eq(out.text, "kim image ls --format '{{.ID}} {{.Tag}}'");
	message_free(&out);
}
END_TEST

/* What quote_words writes, run by /bin/sh through printf, gives back each word. */
START_TEST(test_a_shell_reads_the_words_back)
{
	const char *words[] = {"printf", "[%s]", "", "a b", "it's", "'\"$x`y`\\", "--x=*", "#c", "&;|<>()"};
	struct message line = {0};
	quote_words(&line, words, sizeof words / sizeof words[0]);
	FILE *shell = popen(line.text, "r");
	ck_assert_ptr_nonnull(shell);
	char got[256] = "";
	size_t length = fread(got, 1, sizeof got - 1, shell);
	got[length] = '\0';
	ck_assert_int_eq(pclose(shell), 0);
	ck_assert_str_eq(got, "[][a b][it's]['\"$x`y`\\][--x=*][#c][&;|<>()]");
	message_free(&line);
}
END_TEST

Suite *quote_suite(void)
{
	Suite *suite = suite_create("quote");
	TCase *words = tcase_create("words");

	tcase_add_test(words, test_plain_words_stay_as_they_are);
	tcase_add_test(words, test_special_words_are_single_quoted);
	tcase_add_test(words, test_words_are_joined_by_spaces);
	tcase_add_test(words, test_a_shell_reads_the_words_back);
	suite_add_tcase(suite, words);
	return suite;
}
