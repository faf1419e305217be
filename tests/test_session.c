/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "status.h"

#include "session.h"
#include "suites.h"

/* A builder call is the builder's executable, its global flags, then the command: its stdout
 * captured, within the call time limit. */
START_TEST(test_builder_command_words)
{
	const char *globals[] = {"-n", "ns"};
	const char *words[] = {"image", "rm", NULL};
	struct options options = {.executable = "kim", .global_args = {globals, 2}, .call_timeout = 7};
	struct session session = {.builder = builder_find("kim"), .options = &options};
	struct command command;
	session_builder_command(&session, &command, words);
	command_add(&command, "ID");
	const char *expected[] = {"kim", "-n", "ns", "image", "rm", "ID"};
	ck_assert_uint_eq(command.count, 6);
	for (size_t i = 0; i < 6; i++)
		ck_assert_str_eq(command.words[i], expected[i]);
	ck_assert_int_eq(command.output, PROCESS_CAPTURE_OUTPUT);
	ck_assert(command.time_limit == 7);
	command_free(&command);
	ck_assert_ptr_null(command.words);
	ck_assert_uint_eq(command.count, 0);
}
END_TEST

/* Runs sh -c SCRIPT with stderr captured, settled holding its errors, kimb's own stderr going to a
 * file meanwhile: the status, RESULT, and what kimb wrote into WRITTEN (SIZE bytes). */
static int settle_holding(const char *script, struct process_result *result, char *written, size_t size)
{
	struct options options = {.executable = "kim", .call_timeout = 10};
	struct session session = {.builder = builder_find("kim"), .options = &options};
	struct command command = {.output = PROCESS_CAPTURE_BOTH, .time_limit = 10};
	command_add(&command, "/bin/sh");
	command_add(&command, "-c");
	command_add(&command, script);
	FILE *said = tmpfile();
	ck_assert_ptr_nonnull(said);
	int saved = dup(STDERR_FILENO);
	ck_assert_int_ne(saved, -1);
	ck_assert_int_ne(dup2(fileno(said), STDERR_FILENO), -1);
	struct process child;
	session_start(&session, &command, &child);
	command_free(&command);
	int status = session_settle_holding_errors(&session, &child, "/bin/sh", result);
	ck_assert_int_ne(dup2(saved, STDERR_FILENO), -1);
	ck_assert_int_eq(close(saved), 0);
	rewind(said);
	size_t length = fread(written, 1, size - 1, said);
	written[length] = '\0';
	ck_assert_int_eq(fclose(said), 0);
	return status;
}

/* Issue 19: a program whose stderr is held back (kubectl) writes nothing of its own; a failure
 * keeps its stderr in the result for the caller, which says why in one line. */
START_TEST(test_settling_holds_the_errors_back)
{
	struct process_result result;
	char written[256];
	ck_assert_int_eq(settle_holding("echo refused >&2; echo more >&2; exit 1", &result, written, sizeof written),
			 STATUS_LISTING);
	ck_assert_str_eq(written, "");
	ck_assert_str_eq(result.errors, "refused\nmore\n");
	ck_assert_int_eq(result.outcome, PROCESS_EXITED);
	ck_assert_int_eq(result.status, 1);
	process_result_free(&result);

	ck_assert_int_eq(settle_holding("echo '[]'; echo warning >&2", &result, written, sizeof written), STATUS_OK);
	ck_assert_str_eq(written, "");
	ck_assert_str_eq(result.output, "[]\n");
	ck_assert_str_eq(result.errors, "warning\n");
	process_result_free(&result);
}
END_TEST

Suite *session_suite(void)
{
	Suite *suite = suite_create("session");
	TCase *tc = tcase_create("session");
	tcase_add_test(tc, test_builder_command_words);
	tcase_add_test(tc, test_settling_holds_the_errors_back);
	suite_add_tcase(suite, tc);
	return suite;
}
