#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calls.h"
#include "suites.h"

#define TASKS 9

/* A plan of TASKS calls `sh -c 'printf N'`, of which HELD (when set) may only start once every
 * other has finished, as an intermediate image waits for the images built on it. */
struct schedule {
	char scripts[TASKS][16];
	size_t next;
	size_t running;
	size_t most_running;
	size_t finished;
	bool done[TASKS];
	bool held_waits;
	size_t held;
};

static bool next_call(void *context, struct call *call, size_t *task)
{
	struct schedule *schedule = context;
	if (schedule->next == TASKS)
		return false;
	if (schedule->held_waits && schedule->next == schedule->held &&
	    (schedule->running || schedule->finished < TASKS - 1))
		return false;
	size_t n = schedule->next++;
	snprintf(schedule->scripts[n], sizeof schedule->scripts[n], "printf %zu", n);
	*call = (struct call){0};
	call_add(call, "sh");
	call_add(call, "-c");
	call_add(call, schedule->scripts[n]);
	*task = n;
	if (++schedule->running > schedule->most_running)
		schedule->most_running = schedule->running;
	return true;
}

static void call_finished(void *context, size_t task, const struct run_result *result)
{
	struct schedule *schedule = context;
	char expected[16];
	snprintf(expected, sizeof expected, "%zu", task);
	ck_assert_int_eq(result->outcome, RUN_EXITED);
	ck_assert_str_eq(result->output, expected);
	ck_assert(!schedule->done[task]);
	schedule->done[task] = true;
	schedule->running--;
	schedule->finished++;
}

static void run_schedule(struct schedule *schedule, size_t jobs)
{
	struct caller caller = {.executable = "sh", .builder_name = "sh"};
	struct parallel_calls calls = {next_call, call_finished, schedule};
	caller_run_parallel(&caller, jobs, &calls);
	ck_assert_uint_eq(caller.calls_made, TASKS);
	ck_assert_uint_eq(schedule->finished, TASKS);
	ck_assert_uint_eq(schedule->running, 0);
}

START_TEST(test_parallel_calls_never_exceed_the_jobs)
{
	for (size_t jobs = 1; jobs <= TASKS + 2; jobs++) {
		struct schedule schedule = {0};
		run_schedule(&schedule, jobs);
		ck_assert_uint_le(schedule.most_running, jobs);
		ck_assert_uint_ge(schedule.most_running, 1);
	}
}
END_TEST

START_TEST(test_a_call_that_cannot_start_yet_starts_once_the_others_end)
{
	struct schedule schedule = {.held_waits = true, .held = TASKS - 1};
	run_schedule(&schedule, 4);
	ck_assert(schedule.done[TASKS - 1]);
}
END_TEST

START_TEST(test_builder_call_words)
{
	const char *globals[] = {"-n", "ns"};
	const char *command[] = {"image", "rm", NULL};
	struct caller caller = {.executable = "kim", .globals = globals, .global_count = 2, .builder_name = "kim"};
	struct call call;
	caller_builder_call(&caller, &call, command);
	call_add(&call, "ID");
	const char *expected[] = {"kim", "-n", "ns", "image", "rm", "ID"};
	ck_assert_uint_eq(call.count, 6);
	for (size_t i = 0; i < 6; i++)
		ck_assert_str_eq(call.words[i], expected[i]);
	call_free(&call);
	ck_assert_ptr_null(call.words);
	ck_assert_uint_eq(call.count, 0);
}
END_TEST

Suite *calls_suite(void)
{
	Suite *suite = suite_create("calls");
	TCase *tc = tcase_create("calls");
	tcase_add_test(tc, test_builder_call_words);
	tcase_add_test(tc, test_parallel_calls_never_exceed_the_jobs);
	tcase_add_test(tc, test_a_call_that_cannot_start_yet_starts_once_the_others_end);
	suite_add_tcase(suite, tc);
	return suite;
}
