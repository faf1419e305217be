#include <string.h>

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

Suite *session_suite(void)
{
	Suite *suite = suite_create("session");
	TCase *tc = tcase_create("session");
	tcase_add_test(tc, test_builder_command_words);
	suite_add_tcase(suite, tc);
	return suite;
}
