#include "calls.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "report.h"
#include "status.h"

void call_add(struct call *call, const char *word)
{
	array_append(&call->words, &call->count, sizeof word, &word);
}

void call_add_words(struct call *call, const char *const *words, size_t count)
{
	for (size_t i = 0; i < count; i++)
		call_add(call, words[i]);
}

void call_free(struct call *call)
{
	free(call->words);
	*call = (struct call){0};
}

void caller_builder_call(const struct caller *caller, struct call *call, const char *const *command)
{
	*call = (struct call){0};
	call_add(call, caller->executable);
	call_add_words(call, caller->globals, caller->global_count);
	while (*command)
		call_add(call, *command++);
}

void caller_stop_if_interrupted(struct caller *caller)
{
	if (!runner_interrupted())
		return;
	if (caller->on_interrupt)
		caller->on_interrupt(caller->context);
	runner_die_of_interrupt();
}

/* Starts CALL (freed here) into CHILD, LIMITED by the caller's time limit or not; the runner's limit
 * on children is never reached, since kimb runs at most OPTIONS_JOBS_MAX children at once. */
static void start(struct caller *caller, struct call *call, enum run_stdout mode, bool limited,
		  struct run_child *child)
{
	call_add(call, NULL);
	if (runner_start(child, call->words, mode) != 0)
		abort();
	if (limited && caller->call_time_limit > 0)
		runner_limit(child, caller->call_time_limit);
	call_free(call);
	caller->calls_made++;
}

void caller_run(struct caller *caller, struct call *call, enum run_stdout mode, struct run_result *result)
{
	struct run_child child;
	caller_stop_if_interrupted(caller);
	start(caller, call, mode, false, &child);
	runner_finish(&child, result);
	caller_stop_if_interrupted(caller);
}

int caller_status_of_broken_run(const struct caller *caller, const struct run_result *result, const char *program)
{
	char description[256];
	runner_describe(result, program, description, sizeof description);
	switch (result->outcome) {
	case RUN_EXITED:
	case RUN_SIGNALED:
	case RUN_TIMED_OUT:
		return -1;
	case RUN_NOT_FOUND:
		if (program != caller->executable || result->status != ENOENT)
			report_say("%s", description);
		else if (strchr(program, '/'))
			report_say("%s (named by %s); set %s to where %s is", description, caller->executable_variable,
				   caller->executable_variable, caller->builder_name);
		else
			report_say("%s on PATH; install it or set %s", description, caller->executable_variable);
		return STATUS_NOT_FOUND;
	case RUN_FAILED:
		break;
	}
	report_say("%s", description);
	return STATUS_FAILURE;
}

void caller_start(struct caller *caller, struct call *call, enum run_stdout mode, struct run_child *child)
{
	caller_stop_if_interrupted(caller);
	start(caller, call, mode, true, child);
}

int caller_settle(struct caller *caller, struct run_child *child, const char *program, const char *action,
		  const char *consequence, struct run_result *result)
{
	runner_finish(child, result);
	caller_stop_if_interrupted(caller);
	if (result->errors_length)
		(void)fwrite(result->errors, 1, result->errors_length, stderr); /* as the program said it */
	int status = caller_status_of_broken_run(caller, result, program);
	if (status < 0 && (result->outcome != RUN_EXITED || result->status != 0)) {
		/* The builder by its name, as in its own messages; another program (kubectl) as it was run. */
		char description[256];
		runner_describe(result, program == caller->executable ? caller->builder_name : program, description,
				sizeof description);
		report_say("cannot %s: %s; %s", action, description, consequence);
		status = STATUS_LISTING;
	}
	if (status < 0)
		return STATUS_OK;
	run_result_free(result);
	return status;
}

int caller_capture(struct caller *caller, struct call *call, const char *action, const char *consequence,
		   struct run_result *result)
{
	const char *program = call->words[0];
	struct run_child child;
	caller_start(caller, call, RUN_STDOUT_CAPTURE, &child);
	return caller_settle(caller, &child, program, action, consequence, result);
}

void caller_run_parallel(struct caller *caller, size_t jobs, const struct parallel_calls *calls)
{
	struct run_child children[RUNNER_MAX_CHILDREN];
	size_t tasks[RUNNER_MAX_CHILDREN];
	size_t running = 0;
	if (jobs > RUNNER_MAX_CHILDREN)
		jobs = RUNNER_MAX_CHILDREN;
	for (;;) {
		struct call call = {0};
		while (running < jobs && !runner_interrupted() && calls->next(calls->context, &call, &tasks[running])) {
			start(caller, &call, RUN_STDOUT_CAPTURE, true, &children[running]);
			running++;
		}
		if (running == 0) {
			caller_stop_if_interrupted(caller);
			return;
		}
		struct run_result result;
		size_t done = runner_finish_any(children, running, &result);
		size_t task = tasks[done];
		/* The last one takes the finished one's place: the report's order is the plan's, not
		 * the order calls end in. */
		running--;
		children[done] = children[running];
		tasks[done] = tasks[running];
		calls->finished(calls->context, task, &result);
		run_result_free(&result);
	}
}
