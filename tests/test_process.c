/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "message.h"
#include "process.h"
#include "suites.h"

#define MEBIBYTE 1048576

/* Starts ARGV (NULL-terminated) as a command with OUTPUT and a time limit of SECONDS (0: none). */
static int start_argv(struct process *child, const char *const *argv, enum process_output output, double seconds)
{
	struct command command = {.output = output, .time_limit = seconds};
	while (*argv)
		command_add(&command, *argv++);
	int started = process_start(child, &command);
	command_free(&command);
	return started;
}

/* Runs ARGV (NULL-terminated) as a command with OUTPUT. */
static int run_argv(const char *const *argv, enum process_output output, struct process_result *out)
{
	struct process child;
	if (start_argv(&child, argv, output, 0) != 0)
		return -1;
	process_finish(&child, out);
	return 0;
}

static struct process_result run_shell(enum process_output stdout_mode, const char *script)
{
	const char *argv[] = {"sh", "-c", script, NULL};
	struct process_result result;

	ck_assert_int_eq(run_argv(argv, stdout_mode, &result), 0);
	return result;
}

START_TEST(test_exit_statuses)
{
	struct process_result result = run_shell(PROCESS_OUTPUT_TO_STDERR, "exit 0");
	ck_assert_int_eq(result.outcome, PROCESS_EXITED);
	ck_assert_int_eq(result.status, 0);
	ck_assert_ptr_null(result.output);
	process_result_free(&result);

	result = run_shell(PROCESS_OUTPUT_TO_STDERR, "exit 3");
	ck_assert_int_eq(result.outcome, PROCESS_EXITED);
	ck_assert_int_eq(result.status, 3);
	process_result_free(&result);

	/* The shell's "not found" status from a program that did run is not PROCESS_NOT_FOUND. */
	result = run_shell(PROCESS_CAPTURE_OUTPUT, "exit 127");
	ck_assert_int_eq(result.outcome, PROCESS_EXITED);
	ck_assert_int_eq(result.status, 127);
	process_result_free(&result);
}
END_TEST

START_TEST(test_capture_without_final_newline)
{
	struct process_result result = run_shell(PROCESS_CAPTURE_OUTPUT, "printf 'first\\nsecond'");

	ck_assert_int_eq(result.outcome, PROCESS_EXITED);
	ck_assert_int_eq(result.status, 0);
	ck_assert_uint_eq(result.output_length, 12);
	ck_assert_str_eq(result.output, "first\nsecond");
	process_result_free(&result);
}
END_TEST

START_TEST(test_capture_keeps_nul_bytes)
{
	struct process_result result = run_shell(PROCESS_CAPTURE_OUTPUT, "printf 'a\\000b'");

	ck_assert_uint_eq(result.output_length, 3);
	ck_assert_mem_eq(result.output, "a\0b", 4);
	process_result_free(&result);
}
END_TEST

START_TEST(test_capture_of_nothing_is_empty_string)
{
	struct process_result result = run_shell(PROCESS_CAPTURE_OUTPUT, "exit 0");

	ck_assert_ptr_nonnull(result.output);
	ck_assert_uint_eq(result.output_length, 0);
	ck_assert_str_eq(result.output, "");
	process_result_free(&result);
}
END_TEST

START_TEST(test_capture_of_one_mebibyte)
{
	struct process_result result = run_shell(PROCESS_CAPTURE_OUTPUT, "head -c 1048576 /dev/zero | tr '\\000' x");

	ck_assert_int_eq(result.outcome, PROCESS_EXITED);
	ck_assert_int_eq(result.status, 0);
	ck_assert_uint_eq(result.output_length, MEBIBYTE);
	ck_assert_uint_eq(strspn(result.output, "x"), MEBIBYTE);
	ck_assert_int_eq(result.output[MEBIBYTE], '\0');
	process_result_free(&result);
}
END_TEST

/* --verbose: each call is said before it runs, its words quoted for a shell, and after it how it
 * ended and after how long; other verbosities say nothing of it. */
START_TEST(test_verbose_says_each_call)
{
	struct redirection errors;
	redirect_to_temporary_file(&errors, STDERR_FILENO);
	message_set_verbosity(VERBOSITY_VERBOSE);
	const char *script[] = {"sh", "-c", "exit 3", "it's", NULL};
	struct process_result result, not_found;
	ck_assert_int_eq(run_argv(script, PROCESS_CAPTURE_OUTPUT, &result), 0);
	const char *missing[] = {"/nonexistent/kimb-no-such-program", NULL};
	ck_assert_int_eq(run_argv(missing, PROCESS_CAPTURE_OUTPUT, &not_found), 0);
	message_set_verbosity(VERBOSITY_QUIET);
	struct process_result quiet = run_shell(PROCESS_CAPTURE_OUTPUT, "exit 0");
	message_set_verbosity(VERBOSITY_NORMAL);
	struct process_result normal = run_shell(PROCESS_CAPTURE_OUTPUT, "exit 0");
	char *written = restore_and_read(&errors);

	ck_assert_int_eq(result.outcome, PROCESS_EXITED);
	ck_assert_int_eq(result.status, 3);
	const char *call = "kimb: + sh -c 'exit 3' 'it'\\''s'";
	const char *line = written;
	ck_assert_msg(strncmp(line, call, strlen(call)) == 0 && line[strlen(call)] == '\n', "not said first: %s", line);
	line = strchr(line, '\n') + 1;
	ck_assert_msg(strncmp(line, call, strlen(call)) == 0, "how it ended is not said: %s", line);
	double seconds = -1;
	char unit[3] = "";
	ck_assert_msg(sscanf(line + strlen(call), " exited 3 after %lf %2s", &seconds, unit) == 2 && seconds >= 0 &&
			      strcmp(unit, "s") == 0,
		      "no status and time: %s", line);
	line = strchr(line, '\n') + 1;
	const char *missing_said = "kimb: + /nonexistent/kimb-no-such-program\n"
				   "kimb: + /nonexistent/kimb-no-such-program not run (No such file or directory) after ";
	ck_assert_msg(strncmp(line, missing_said, strlen(missing_said)) == 0, "a call not run: %s", line);
	/* Nothing more: neither --quiet nor the default says the calls. */
	line = strchr(line + strlen(missing_said), '\n') + 1;
	ck_assert_str_eq(line, "");
	free(written);
	process_result_free(&result);
	process_result_free(&not_found);
	process_result_free(&quiet);
	process_result_free(&normal);
}
END_TEST

START_TEST(test_capture_leaves_stderr_alone)
{
	struct redirection errors;

	redirect_to_temporary_file(&errors, STDERR_FILENO);
	struct process_result result = run_shell(PROCESS_CAPTURE_OUTPUT, "printf out; printf err >&2");
	char *written = restore_and_read(&errors);

	ck_assert_str_eq(result.output, "out");
	ck_assert_str_eq(written, "err");
	free(written);
	process_result_free(&result);
}
END_TEST

START_TEST(test_stdout_joins_stderr)
{
	struct redirection output, errors;

	redirect_to_temporary_file(&output, STDOUT_FILENO);
	redirect_to_temporary_file(&errors, STDERR_FILENO);
	struct process_result result = run_shell(PROCESS_OUTPUT_TO_STDERR, "printf out; printf err >&2; printf again");
	char *written_to_errors = restore_and_read(&errors);
	char *written_to_output = restore_and_read(&output);

	ck_assert_int_eq(result.outcome, PROCESS_EXITED);
	ck_assert_str_eq(written_to_output, "");
	ck_assert_str_eq(written_to_errors, "outerragain");
	free(written_to_output);
	free(written_to_errors);
	process_result_free(&result);
}
END_TEST

START_TEST(test_child_inherits_our_descriptors_only)
{
	int inherited[2];
	char expected[256] = "";
	char script[256];

	ck_assert_int_eq(pipe(inherited), 0);
	/* The runner's pipes take the lowest free numbers, above the pair just made: the check looks
	 * that far and some beyond, whatever this process had open before (make's jobserver, a
	 * caller's files). Whatever else it has open without close-on-exec (Check's own files) is
	 * inherited too; the runner's pipes must not be. */
	int last = inherited[1] + 16;
	for (int fd = 3; fd <= last; fd++) {
		int flags = fcntl(fd, F_GETFD);
		if (flags != -1 && !(flags & FD_CLOEXEC))
			snprintf(expected + strlen(expected), sizeof expected - strlen(expected), "%d ", fd);
	}
	/* /dev/fd/N is there for a descriptor the shell has open (the shell's test is a builtin, so
	 * /proc/self is the shell); dash cannot name a descriptor above 9 in a redirection. */
	ck_assert_int_lt(snprintf(script, sizeof script,
				 "fd=3; while [ $fd -le %d ]; do if [ -h /dev/fd/$fd ]; then printf '%%s ' $fd; fi; fd=$((fd + 1)); done",
				 last),
		(int)sizeof script);
	struct process_result result = run_shell(PROCESS_CAPTURE_OUTPUT, script);

	ck_assert_str_eq(result.output, expected);
	process_result_free(&result);
	ck_assert_int_eq(close(inherited[0]), 0);
	ck_assert_int_eq(close(inherited[1]), 0);
}
END_TEST

START_TEST(test_program_not_found)
{
	const char *on_path[] = {"kimb-test-no-such-program", NULL};
	const char *by_path[] = {"/nonexistent/kimb-test-no-such-program", NULL};
	struct process_result result;

	ck_assert_int_eq(run_argv(on_path, PROCESS_OUTPUT_TO_STDERR, &result), 0);
	ck_assert_int_eq(result.outcome, PROCESS_NOT_FOUND);
	ck_assert_int_eq(result.status, ENOENT);
	process_result_free(&result);

	ck_assert_int_eq(run_argv(by_path, PROCESS_CAPTURE_OUTPUT, &result), 0);
	ck_assert_int_eq(result.outcome, PROCESS_NOT_FOUND);
	ck_assert_int_eq(result.status, ENOENT);
	ck_assert_str_eq(result.output, "");
	process_result_free(&result);
}
END_TEST

START_TEST(test_program_not_executable)
{
	char path[] = "/tmp/kimb-test-runner-XXXXXX";
	int fd = mkstemp(path);
	static const char script[] = "#!/bin/sh\nexit 0\n";

	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(write(fd, script, sizeof script - 1), sizeof script - 1);
	ck_assert_int_eq(fchmod(fd, 0644), 0);
	ck_assert_int_eq(close(fd), 0);
	const char *argv[] = {path, NULL};
	struct process_result result;
	int returned = run_argv(argv, PROCESS_OUTPUT_TO_STDERR, &result);
	ck_assert_int_eq(unlink(path), 0);

	ck_assert_int_eq(returned, 0);
	ck_assert_int_eq(result.outcome, PROCESS_NOT_FOUND);
	ck_assert_int_eq(result.status, EACCES);
	process_result_free(&result);
}
END_TEST

START_TEST(test_killed_by_signal)
{
	struct process_result result = run_shell(PROCESS_CAPTURE_OUTPUT, "printf before; kill -KILL $$; printf after");

	ck_assert_int_eq(result.outcome, PROCESS_SIGNALED);
	ck_assert_int_eq(result.status, SIGKILL);
	ck_assert_str_eq(result.output, "before");
	process_result_free(&result);
}
END_TEST

START_TEST(test_child_setup_failure)
{
	/* With our stderr closed, the child cannot make its stdout a copy of it. */
	int saved = dup(STDERR_FILENO);

	ck_assert_int_ne(saved, -1);
	ck_assert_int_eq(close(STDERR_FILENO), 0);
	struct process_result result = run_shell(PROCESS_OUTPUT_TO_STDERR, "exit 0");
	ck_assert_int_ne(dup2(saved, STDERR_FILENO), -1);
	ck_assert_int_eq(close(saved), 0);

	ck_assert_int_eq(result.outcome, PROCESS_FAILED);
	ck_assert_int_eq(result.status, EBADF);
	process_result_free(&result);
}
END_TEST

START_TEST(test_child_leads_a_process_group_of_its_own)
{
	int stdin_pipe[2];
	/* Close-on-exec, so that cat holds no write end of its own stdin. */
	ck_assert_int_eq(pipe(stdin_pipe), 0);
	ck_assert_int_ne(fcntl(stdin_pipe[1], F_SETFD, FD_CLOEXEC), -1);
	int saved_stdin = dup(STDIN_FILENO);
	ck_assert_int_ne(saved_stdin, -1);
	ck_assert_int_ne(dup2(stdin_pipe[0], STDIN_FILENO), -1);
	const char *argv[] = {"cat", NULL};
	struct process child;

	ck_assert_int_eq(start_argv(&child, argv, PROCESS_CAPTURE_OUTPUT, 0), 0);
	ck_assert_int_ne(dup2(saved_stdin, STDIN_FILENO), -1);
	ck_assert_int_eq(close(saved_stdin), 0);
	ck_assert_int_eq(close(stdin_pipe[0]), 0);
	pid_t pid = child.pid;
	pid_t group = getpgid(pid);
	/* Ends cat whatever the assertion finds, so that no test leaves it behind. */
	ck_assert_int_eq(close(stdin_pipe[1]), 0);
	struct process_result result;
	process_finish(&child, &result);
	ck_assert_int_gt(pid, 0);
	ck_assert_int_eq(group, pid);
	ck_assert_int_ne(group, getpgrp());
	ck_assert_int_eq(result.outcome, PROCESS_EXITED);
	ck_assert_int_eq(result.status, 0);
	process_result_free(&result);
}
END_TEST

START_TEST(test_children_run_side_by_side)
{
	const char *first[] = {"sh", "-c", "printf one", NULL};
	const char *second[] = {"sh", "-c", "printf two; exit 3", NULL};
	struct process children[2];
	struct process_result results[2];

	ck_assert_int_eq(start_argv(&children[0], first, PROCESS_CAPTURE_OUTPUT, 0), 0);
	ck_assert_int_eq(start_argv(&children[1], second, PROCESS_CAPTURE_OUTPUT, 0), 0);
	process_finish(&children[1], &results[1]);
	process_finish(&children[0], &results[0]);
	ck_assert_str_eq(results[0].output, "one");
	ck_assert_int_eq(results[0].status, 0);
	ck_assert_str_eq(results[1].output, "two");
	ck_assert_int_eq(results[1].status, 3);
	process_result_free(&results[0]);
	process_result_free(&results[1]);
}
END_TEST

/* A child that waits for a line on the FIFO at PATH, made here. */
static void start_waiting_child(struct process *child, const char *path)
{
	char script[256];
	snprintf(script, sizeof script, "read line <%s; printf \"%%s\" \"$line\"", path);
	const char *argv[] = {"sh", "-c", script, NULL};
	ck_assert_int_eq(start_argv(child, argv, PROCESS_CAPTURE_OUTPUT, 0), 0);
}

START_TEST(test_finish_any_finishes_the_first_to_end)
{
	char directory[] = "/tmp/kimb-test-runner-XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(directory));
	char fifo[sizeof directory + 8];
	snprintf(fifo, sizeof fifo, "%s/fifo", directory);
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	const char *quick[] = {"sh", "-c", "printf quick; exit 4", NULL};
	const char *missing[] = {"/nonexistent/kimb-test-program", NULL};
	struct process children[3];
	struct process_result result;

	start_waiting_child(&children[0], fifo);
	ck_assert_int_eq(start_argv(&children[1], quick, PROCESS_CAPTURE_OUTPUT, 0), 0);
	ck_assert_int_eq(start_argv(&children[2], missing, PROCESS_CAPTURE_OUTPUT, 0), 0);
	/* The waiting child cannot end before it is written to: the other two come first. */
	size_t first = process_finish_any(children, 3, &result);
	ck_assert(first == 1 || first == 2);
	bool quick_first = first == 1;
	ck_assert_int_eq(result.outcome, quick_first ? PROCESS_EXITED : PROCESS_NOT_FOUND);
	process_result_free(&result);
	children[first] = children[2];
	size_t second = process_finish_any(children, 2, &result);
	ck_assert_uint_eq(second, 1);
	ck_assert_int_eq(result.outcome, quick_first ? PROCESS_NOT_FOUND : PROCESS_EXITED);
	if (!quick_first) {
		ck_assert_str_eq(result.output, "quick");
		ck_assert_int_eq(result.status, 4);
	}
	process_result_free(&result);

	FILE *writer = fopen(fifo, "w");
	ck_assert_ptr_nonnull(writer);
	ck_assert_int_ge(fputs("slow\n", writer), 0);
	ck_assert_int_eq(fclose(writer), 0);
	ck_assert_uint_eq(process_finish_any(children, 1, &result), 0);
	ck_assert_int_eq(result.outcome, PROCESS_EXITED);
	ck_assert_str_eq(result.output, "slow");
	process_result_free(&result);
	ck_assert_int_eq(unlink(fifo), 0);
	ck_assert_int_eq(rmdir(directory), 0);
}
END_TEST

/* --- time limits --- */

/* A directory of the test's own, and the path of FILE in it. */
static char limit_directory[64];

static const char *limit_path(const char *file)
{
	static char path[128];
	if (!limit_directory[0]) {
		snprintf(limit_directory, sizeof limit_directory, "/tmp/kimb-test-limit-XXXXXX");
		ck_assert_ptr_nonnull(mkdtemp(limit_directory));
	}
	snprintf(path, sizeof path, "%s/%s", limit_directory, file);
	return path;
}

static void limit_teardown(void)
{
	if (limit_directory[0])
		ck_assert_int_eq(remove_tree(limit_directory), 0);
	limit_directory[0] = '\0';
}

/* Runs the shell SCRIPT (its $1 the test's directory) with a time limit of SECONDS. */
static struct process_result run_limited(const char *script, double seconds)
{
	char directory[64];
	snprintf(directory, sizeof directory, "%s", limit_path(""));
	const char *argv[] = {"sh", "-c", script, "sh", directory, NULL};
	struct process child;
	struct process_result result;
	ck_assert_int_eq(start_argv(&child, argv, PROCESS_CAPTURE_OUTPUT, seconds), 0);
	process_finish(&child, &result);
	return result;
}

static bool file_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* A child past its time limit is stopped with its whole group, a process it started included,
 * and its result says so, however it ended. */
START_TEST(test_a_child_past_its_limit_is_stopped_with_its_group)
{
	struct process_result result =
		run_limited("(trap 'echo >\"$1/grandchild\"; exit' TERM; sleep 60 & wait) & printf started; wait", 0.3);
	ck_assert_int_eq(result.outcome, PROCESS_TIMED_OUT);
	ck_assert_int_eq(result.status, 300);
	ck_assert_str_eq(result.output, "started");
	ck_assert(file_exists(limit_path("grandchild")));
	process_result_free(&result);
}
END_TEST

/* One that ignores SIGTERM gets SIGKILL after the grace. */
START_TEST(test_a_child_that_ignores_sigterm_is_killed)
{
	struct process_result result = run_limited("trap '' TERM; printf started; exec sleep 60", 0.2);
	ck_assert_int_eq(result.outcome, PROCESS_TIMED_OUT);
	ck_assert_str_eq(result.output, "started");
	process_result_free(&result);
}
END_TEST

/* A process that left the group keeps the child's stdout open: after the grace kimb stops reading
 * it, rather than wait for it. */
START_TEST(test_a_pipe_held_from_outside_the_group_is_given_up)
{
	struct process_result result = run_limited("setsid sh -c 'echo $$ >\"$1/escaped\"; exec sleep 60' sh \"$1\" & "
					       "printf started; exec sleep 60",
					       0.2);
	ck_assert_int_eq(result.outcome, PROCESS_TIMED_OUT);
	ck_assert_str_eq(result.output, "started");
	FILE *file = fopen(limit_path("escaped"), "r");
	ck_assert_ptr_nonnull(file);
	int escaped = 0;
	ck_assert_int_eq(fscanf(file, "%d", &escaped), 1);
	ck_assert_int_eq(fclose(file), 0);
	ck_assert_int_eq(kill(escaped, SIGKILL), 0);
	process_result_free(&result);
}
END_TEST

/* A child that ends within its limit ends as it would without one. */
START_TEST(test_a_child_within_its_limit_ends_as_it_does)
{
	struct process_result result = run_limited("printf done; exit 3", 30);
	ck_assert_int_eq(result.outcome, PROCESS_EXITED);
	ck_assert_int_eq(result.status, 3);
	ck_assert_str_eq(result.output, "done");
	process_result_free(&result);
}
END_TEST

/* Among children finished as they end, one past its limit is stopped while the others go on. */
START_TEST(test_finish_any_stops_a_child_past_its_limit)
{
	const char *hangs[] = {"sleep", "60", NULL};
	const char *quick[] = {"sh", "-c", "printf quick", NULL};
	struct process children[2];
	struct process_result result;
	ck_assert_int_eq(start_argv(&children[0], hangs, PROCESS_CAPTURE_OUTPUT, 0.3), 0);
	ck_assert_int_eq(start_argv(&children[1], quick, PROCESS_CAPTURE_OUTPUT, 0), 0);
	ck_assert_uint_eq(process_finish_any(children, 2, &result), 1);
	ck_assert_str_eq(result.output, "quick");
	process_result_free(&result);
	ck_assert_uint_eq(process_finish_any(children, 1, &result), 0);
	ck_assert_int_eq(result.outcome, PROCESS_TIMED_OUT);
	process_result_free(&result);
}
END_TEST

START_TEST(test_capture_of_both_streams)
{
	/* More than a pipe holds on stderr before stdout closes: both must be read as they come. */
	struct process_result result =
		run_shell(PROCESS_CAPTURE_BOTH, "printf out; head -c 200000 /dev/zero | tr '\\0' e >&2; printf put");
	ck_assert_int_eq(result.outcome, PROCESS_EXITED);
	ck_assert_str_eq(result.output, "output");
	ck_assert_uint_eq(result.errors_length, 200000);
	ck_assert_int_eq(result.errors[0], 'e');
	ck_assert_int_eq(result.errors[199999], 'e');
	process_result_free(&result);

	result = run_shell(PROCESS_CAPTURE_OUTPUT, "printf out");
	ck_assert_ptr_null(result.errors);
	process_result_free(&result);
}
END_TEST

START_TEST(test_too_many_children_is_refused)
{
	const char *argv[] = {"true", NULL};
	struct process children[PROCESS_MAX_RUNNING + 1];

	for (size_t i = 0; i < PROCESS_MAX_RUNNING; i++)
		ck_assert_int_eq(start_argv(&children[i], argv, PROCESS_OUTPUT_TO_STDERR, 0), 0);
	ck_assert_int_eq(start_argv(&children[PROCESS_MAX_RUNNING], argv, PROCESS_OUTPUT_TO_STDERR, 0), -1);
	for (size_t i = 0; i < PROCESS_MAX_RUNNING; i++) {
		struct process_result result;
		process_finish(&children[i], &result);
		ck_assert_int_eq(result.outcome, PROCESS_EXITED);
	}
}
END_TEST

static void assert_description(enum process_outcome outcome, int status, const char *name, const char *expected)
{
	struct process_result result = {.outcome = outcome, .status = status};
	char description[256];

	process_describe(&result, name, description, sizeof description);
	ck_assert_str_eq(description, expected);
}

START_TEST(test_describe)
{
	char expected[256];

	assert_description(PROCESS_NOT_FOUND, ENOENT, "kim", "kim not found");
	assert_description(PROCESS_NOT_FOUND, ENOENT, "/opt/kim/bin/kim", "/opt/kim/bin/kim not found");
	snprintf(expected, sizeof expected, "kim cannot be run: %s", strerror(EACCES));
	assert_description(PROCESS_NOT_FOUND, EACCES, "kim", expected);
	assert_description(PROCESS_SIGNALED, SIGKILL, "kim", "kim was killed by SIGKILL");
	assert_description(PROCESS_SIGNALED, SIGTERM, "podman", "podman was killed by SIGTERM");
	assert_description(PROCESS_SIGNALED, SIGINT, "kim", "kim was killed by SIGINT");
	assert_description(PROCESS_SIGNALED, 100, "kim", "kim was killed by signal 100");
	assert_description(PROCESS_EXITED, 1, "kim", "kim exited with status 1");
	assert_description(PROCESS_EXITED, 127, "kim", "kim exited with status 127");
	assert_description(PROCESS_TIMED_OUT, 300000, "kubectl", "kubectl did not end within 300 s and was stopped");
	assert_description(PROCESS_TIMED_OUT, 500, "kim", "kim did not end within 0.5 s and was stopped");
	snprintf(expected, sizeof expected, "cannot run kim: %s", strerror(EMFILE));
	assert_description(PROCESS_FAILED, EMFILE, "kim", expected);
}
END_TEST

START_TEST(test_describe_truncates)
{
	struct process_result result = {.outcome = PROCESS_EXITED, .status = 1};
	char description[8];

	process_describe(&result, "kim", description, sizeof description);
	ck_assert_str_eq(description, "kim exi");
}
END_TEST

/* What a scenario run in a process of its own found: the handlers it installs and the signal it
 * records must not reach the other tests, which share one process when CK_FORK=no. */
struct scenario_report {
	int failed_line; /* the line of a step that failed, or 0 */
	int interrupted_before;
	int returned;
	enum process_outcome outcome;
	int status;
	int interrupted_after;
};

#define REQUIRE(report, condition) \
	do { \
		if (!(condition)) { \
			(report)->failed_line = __LINE__; \
			return; \
		} \
	} while (0)

typedef void scenario_function(struct scenario_report *report, int signal_number);

/* Runs SCENARIO in a child process and returns its report, after checking that the process ended
 * normally (a scenario that hangs is ended by the alarm). */
static struct scenario_report run_scenario(scenario_function *scenario, int signal_number)
{
	int report_pipe[2];
	struct scenario_report report = {0};
	int status;

	ck_assert_int_eq(pipe(report_pipe), 0);
	pid_t pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		(void)close(report_pipe[0]);
		/* A hang ends this process alone, before Check's timeout for the test. Check's own
		 * SIGALRM handler, inherited through fork, would kill the whole process group instead. */
		if (signal(SIGALRM, SIG_DFL) == SIG_ERR)
			_exit(1);
		alarm(20);
		scenario(&report, signal_number);
		_exit(write(report_pipe[1], &report, sizeof report) == sizeof report ? 0 : 1);
	}
	ck_assert_int_eq(close(report_pipe[1]), 0);
	ssize_t got = read(report_pipe[0], &report, sizeof report);
	ck_assert_int_eq(close(report_pipe[0]), 0);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the scenario process ended with status %#x",
		      status);
	ck_assert_int_eq(got, sizeof report);
	ck_assert_msg(report.failed_line == 0, "the scenario failed at line %d", report.failed_line);
	return report;
}

/* Gives this process a stdin that never ends while it lives, so that a child reading it runs until
 * it is signalled, and ends once this process is gone. */
static int hold_stdin_open(void)
{
	int ends[2];

	if (pipe(ends) == -1 || dup2(ends[0], STDIN_FILENO) == -1 || close(ends[0]) == -1 ||
	    fcntl(ends[1], F_SETFD, FD_CLOEXEC) == -1)
		return -1;
	return 0;
}

static void run_program(struct scenario_report *report, const char *const argv[])
{
	struct process_result result;

	report->returned = run_argv(argv, PROCESS_OUTPUT_TO_STDERR, &result);
	report->outcome = result.outcome;
	report->status = result.status;
	report->interrupted_after = process_interrupted();
	process_result_free(&result);
}

/* Starts a sender process that waits until a byte comes on the pipe READY (made here; the caller
 * writes to READY[1], or has the child do it) and then sends SIGNAL_NUMBER to this process. Returns
 * its pid, or -1. */
static pid_t start_sender(int ready[2], int signal_number)
{
	pid_t scenario = getpid();

	if (pipe(ready) == -1)
		return -1;
	pid_t sender = fork();
	if (sender == 0) {
		char byte;
		(void)close(ready[1]);
		_exit(read(ready[0], &byte, 1) == 1 && kill(scenario, signal_number) == 0 ? 0 : 1);
	}
	(void)close(ready[0]);
	return sender;
}

/* A sender process waits until the child says it runs, then signals this process, whose handler
 * must pass the signal on to the child. */
static void signal_during_run(struct scenario_report *report, int signal_number)
{
	int ready[2];

	REQUIRE(report, process_forward_signals() == 0);
	REQUIRE(report, hold_stdin_open() == 0);
	pid_t sender = start_sender(ready, signal_number);
	REQUIRE(report, sender != -1);
	char ready_fd[16];
	snprintf(ready_fd, sizeof ready_fd, "%d", ready[1]);
	report->interrupted_before = process_interrupted();
	/* The ready pipe reaches the child as an inherited descriptor. */
	const char *argv[] = {"sh", "-c", "printf x >/dev/fd/\"$1\"; exec cat", "sh", ready_fd, NULL};
	run_program(report, argv);
	int sender_status;
	REQUIRE(report, close(ready[1]) == 0);
	REQUIRE(report, waitpid(sender, &sender_status, 0) == sender);
	REQUIRE(report, WIFEXITED(sender_status) && WEXITSTATUS(sender_status) == 0);
}

static void signal_before_run(struct scenario_report *report, int signal_number)
{
	const char *argv[] = {"cat", NULL};

	REQUIRE(report, process_forward_signals() == 0);
	REQUIRE(report, hold_stdin_open() == 0);
	report->interrupted_before = process_interrupted();
	REQUIRE(report, raise(signal_number) == 0);
	run_program(report, argv);
}

static void signal_ignored_from_start(struct scenario_report *report, int signal_number)
{
	char number[16];
	snprintf(number, sizeof number, "%d", signal_number);
	const char *argv[] = {"sh", "-c", "kill -\"$1\" $$; exit 5", "sh", number, NULL};

	REQUIRE(report, signal(signal_number, SIG_IGN) != SIG_ERR);
	REQUIRE(report, process_forward_signals() == 0);
	REQUIRE(report, raise(signal_number) == 0);
	report->interrupted_before = process_interrupted();
	run_program(report, argv);
}

static const int forwarded_signals[] = {SIGHUP, SIGINT, SIGQUIT, SIGTERM};

/* The child was killed by the signal kimb received, and kimb remembers it. */
static void assert_forwarded(struct scenario_report report, int signal_number)
{
	ck_assert_int_eq(report.interrupted_before, 0);
	ck_assert_int_eq(report.returned, 0);
	ck_assert_int_eq(report.outcome, PROCESS_SIGNALED);
	ck_assert_int_eq(report.status, signal_number);
	ck_assert_int_eq(report.interrupted_after, signal_number);
}

START_TEST(test_signal_during_run_is_forwarded)
{
	assert_forwarded(run_scenario(signal_during_run, forwarded_signals[_i]), forwarded_signals[_i]);
}
END_TEST

START_TEST(test_signal_before_run_is_forwarded)
{
	assert_forwarded(run_scenario(signal_before_run, forwarded_signals[_i]), forwarded_signals[_i]);
}
END_TEST

START_TEST(test_signal_ignored_from_start_stays_ignored)
{
	struct scenario_report report = run_scenario(signal_ignored_from_start, forwarded_signals[_i]);

	ck_assert_int_eq(report.interrupted_before, 0);
	ck_assert_int_eq(report.returned, 0);
	ck_assert_int_eq(report.outcome, PROCESS_EXITED);
	ck_assert_int_eq(report.status, 5);
	ck_assert_int_eq(report.interrupted_after, 0);
}
END_TEST

/* The child's own child, which the shell runs in the foreground and so in the child's process
 * group, holds a pipe open: the pipe ends once the forwarded signal has stopped both. */
static void signal_reaches_whole_group(struct scenario_report *report, int signal_number)
{
	int ready[2], held[2];
	struct rlimit no_core = {0, 0};

	REQUIRE(report, setrlimit(RLIMIT_CORE, &no_core) == 0); /* SIGQUIT would dump core */
	REQUIRE(report, process_forward_signals() == 0);
	REQUIRE(report, pipe(held) == 0);
	pid_t sender = start_sender(ready, signal_number);
	REQUIRE(report, sender != -1);
	char ready_fd[16];
	snprintf(ready_fd, sizeof ready_fd, "%d", ready[1]);
	/* The inner shell, run in the foreground, says it runs: the signal cannot come before it. */
	const char *argv[] = {"sh", "-c", "sh -c 'printf x >/dev/fd/\"$1\"; exec sleep 60' sh \"$1\"; :", "sh", ready_fd, NULL};
	run_program(report, argv);
	REQUIRE(report, close(ready[1]) == 0 && close(held[1]) == 0);
	char byte;
	/* Blocks until the alarm should the grandchild live on. */
	REQUIRE(report, read(held[0], &byte, 1) == 0);
	int sender_status;
	REQUIRE(report, waitpid(sender, &sender_status, 0) == sender);
	REQUIRE(report, WIFEXITED(sender_status) && WEXITSTATUS(sender_status) == 0);
}

START_TEST(test_signal_reaches_the_whole_group)
{
	assert_forwarded(run_scenario(signal_reaches_whole_group, forwarded_signals[_i]), forwarded_signals[_i]);
}
END_TEST

/* A "kimb" process starts a child that holds a pipe open, then is killed with SIGKILL, which it
 * cannot catch: the pipe ends once the kernel has stopped the child too. */
static void child_dies_with_kimb(struct scenario_report *report, int signal_number)
{
	int ready[2], held[2];

	(void)signal_number;
	REQUIRE(report, pipe(ready) == 0 && pipe(held) == 0);
	pid_t kimb = fork();
	REQUIRE(report, kimb != -1);
	if (kimb == 0) {
		char ready_fd[16];
		snprintf(ready_fd, sizeof ready_fd, "%d", ready[1]);
		/* The child says it runs only once it has been through exec. */
		const char *argv[] = {"sh", "-c", "printf x >/dev/fd/\"$1\"; exec sleep 60", "sh", ready_fd, NULL};
		struct process child;
		(void)close(ready[0]);
		(void)close(held[0]);
		if (process_forward_signals() != 0 || start_argv(&child, argv, PROCESS_OUTPUT_TO_STDERR, 0) != 0 ||
		    close(held[1]) != 0 || close(ready[1]) != 0)
			_exit(1);
		for (;;)
			pause();
	}
	char byte;
	REQUIRE(report, close(ready[1]) == 0 && close(held[1]) == 0);
	REQUIRE(report, read(ready[0], &byte, 1) == 1);
	REQUIRE(report, kill(kimb, SIGKILL) == 0);
	int status;
	REQUIRE(report, waitpid(kimb, &status, 0) == kimb);
	REQUIRE(report, WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	/* Blocks until the alarm should the child live on. */
	REQUIRE(report, read(held[0], &byte, 1) == 0);
}

START_TEST(test_child_stops_when_kimb_is_killed)
{
	run_scenario(child_dies_with_kimb, 0);
}
END_TEST

/* kimb ignores SIGPIPE, so that a closed stdout is an error it handles; its children get SIGPIPE as
 * kimb found it. */
static void sigpipe_given_back(struct scenario_report *report, int inherited_ignored)
{
	const char *argv[] = {"sh", "-c", "kill -PIPE $$; exit 5", NULL};
	struct sigaction current;

	if (inherited_ignored)
		REQUIRE(report, signal(SIGPIPE, SIG_IGN) != SIG_ERR);
	REQUIRE(report, process_forward_signals() == 0);
	REQUIRE(report, sigaction(SIGPIPE, NULL, &current) == 0 && current.sa_handler == SIG_IGN);
	run_program(report, argv);
}

START_TEST(test_sigpipe_is_ignored_and_given_back)
{
	struct scenario_report report = run_scenario(sigpipe_given_back, 0);
	ck_assert_int_eq(report.outcome, PROCESS_SIGNALED);
	ck_assert_int_eq(report.status, SIGPIPE);
	report = run_scenario(sigpipe_given_back, 1);
	ck_assert_int_eq(report.outcome, PROCESS_EXITED);
	ck_assert_int_eq(report.status, 5);
}
END_TEST

START_TEST(test_die_of_interrupt)
{
	int signal_number = forwarded_signals[_i];
	int status;
	pid_t pid = fork();

	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		if (process_forward_signals() == 0 && raise(signal_number) == 0 &&
		    process_interrupted() == signal_number)
			process_die_of_interrupt();
		_exit(1);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == signal_number,
		      "the process ended with status %#x", status);
}
END_TEST

/* --- many at once --- */

#define TASKS 9

/* A plan of TASKS commands `sh -c 'printf N'`, of which HELD (when set) may only start once every
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

static bool next_command(void *context, struct command *command, size_t *task)
{
	struct schedule *schedule = context;
	if (schedule->next == TASKS)
		return false;
	if (schedule->held_waits && schedule->next == schedule->held &&
	    (schedule->running || schedule->finished < TASKS - 1))
		return false;
	size_t n = schedule->next++;
	snprintf(schedule->scripts[n], sizeof schedule->scripts[n], "printf %zu", n);
	*command = (struct command){.output = PROCESS_CAPTURE_OUTPUT};
	command_add_words(command, (const char *const[]){"sh", "-c", schedule->scripts[n]}, 3);
	*task = n;
	if (++schedule->running > schedule->most_running)
		schedule->most_running = schedule->running;
	return true;
}

static void command_finished(void *context, size_t task, const struct process_result *result)
{
	struct schedule *schedule = context;
	char expected[16];
	snprintf(expected, sizeof expected, "%zu", task);
	ck_assert_int_eq(result->outcome, PROCESS_EXITED);
	ck_assert_str_eq(result->output, expected);
	ck_assert(!schedule->done[task]);
	schedule->done[task] = true;
	schedule->running--;
	schedule->finished++;
}

static void run_schedule(struct schedule *schedule, size_t jobs)
{
	struct process_batch batch = {next_command, command_finished, schedule};
	size_t started_before = process_started();
	process_run_parallel(jobs, &batch);
	ck_assert_uint_eq(process_started() - started_before, TASKS);
	ck_assert_uint_eq(schedule->finished, TASKS);
	ck_assert_uint_eq(schedule->running, 0);
}

START_TEST(test_parallel_commands_never_exceed_the_jobs)
{
	for (size_t jobs = 1; jobs <= TASKS + 2; jobs++) {
		struct schedule schedule = {0};
		run_schedule(&schedule, jobs);
		ck_assert_uint_le(schedule.most_running, jobs);
		ck_assert_uint_ge(schedule.most_running, 1);
	}
}
END_TEST

START_TEST(test_a_command_that_cannot_start_yet_starts_once_the_others_end)
{
	struct schedule schedule = {.held_waits = true, .held = TASKS - 1};
	run_schedule(&schedule, 4);
	ck_assert(schedule.done[TASKS - 1]);
}
END_TEST

Suite *process_suite(void)
{
	Suite *suite = suite_create("process");
	TCase *running = tcase_create("running");
	tcase_add_test(running, test_exit_statuses);
	tcase_add_test(running, test_verbose_says_each_call);
	tcase_add_test(running, test_capture_without_final_newline);
	tcase_add_test(running, test_capture_keeps_nul_bytes);
	tcase_add_test(running, test_capture_of_nothing_is_empty_string);
	tcase_add_test(running, test_capture_of_one_mebibyte);
	tcase_add_test(running, test_capture_leaves_stderr_alone);
	tcase_add_test(running, test_stdout_joins_stderr);
	tcase_add_test(running, test_child_inherits_our_descriptors_only);
	tcase_add_test(running, test_program_not_found);
	tcase_add_test(running, test_program_not_executable);
	tcase_add_test(running, test_killed_by_signal);
	tcase_add_test(running, test_child_setup_failure);
	tcase_add_test(running, test_child_leads_a_process_group_of_its_own);
	tcase_add_test(running, test_children_run_side_by_side);
	tcase_add_test(running, test_too_many_children_is_refused);
	tcase_add_test(running, test_finish_any_finishes_the_first_to_end);
	tcase_add_test(running, test_capture_of_both_streams);
	suite_add_tcase(suite, running);

	TCase *limits = tcase_create("time limits");
	tcase_set_timeout(limits, 30); /* the grace periods, on a loaded machine and valgrind */
	tcase_add_checked_fixture(limits, NULL, limit_teardown);
	tcase_add_test(limits, test_a_child_past_its_limit_is_stopped_with_its_group);
	tcase_add_test(limits, test_a_child_that_ignores_sigterm_is_killed);
	tcase_add_test(limits, test_a_pipe_held_from_outside_the_group_is_given_up);
	tcase_add_test(limits, test_a_child_within_its_limit_ends_as_it_does);
	tcase_add_test(limits, test_finish_any_stops_a_child_past_its_limit);
	suite_add_tcase(suite, limits);

	TCase *parallel = tcase_create("parallel");
	tcase_add_test(parallel, test_parallel_commands_never_exceed_the_jobs);
	tcase_add_test(parallel, test_a_command_that_cannot_start_yet_starts_once_the_others_end);
	suite_add_tcase(suite, parallel);

	TCase *describing = tcase_create("describing");
	tcase_add_test(describing, test_describe);
	tcase_add_test(describing, test_describe_truncates);
	suite_add_tcase(suite, describing);

	TCase *signals = tcase_create("signals");
	tcase_set_timeout(signals, 30); /* room for a loaded machine and valgrind */
	int signal_count = (int)(sizeof forwarded_signals / sizeof forwarded_signals[0]);
	tcase_add_loop_test(signals, test_signal_during_run_is_forwarded, 0, signal_count);
	tcase_add_loop_test(signals, test_signal_before_run_is_forwarded, 0, signal_count);
	tcase_add_loop_test(signals, test_signal_ignored_from_start_stays_ignored, 0, signal_count);
	tcase_add_loop_test(signals, test_die_of_interrupt, 0, signal_count);
	tcase_add_loop_test(signals, test_signal_reaches_the_whole_group, 0, signal_count);
	tcase_add_test(signals, test_child_stops_when_kimb_is_killed);
	tcase_add_test(signals, test_sigpipe_is_ignored_and_given_back);
	suite_add_tcase(suite, signals);
	return suite;
}
