#ifndef KIMB_CALLS_H
#define KIMB_CALLS_H

/* The calls kimb makes, assembled and run: the builder's executable with its global flags (so that
 * every call reaches the store the build used) and a command, or another program (kubectl). One at
 * a time, two side by side, or many with a limit; a forwarded signal ends kimb between calls, never
 * in the middle of one. */

#include <stdbool.h>
#include <stddef.h>

#include "runner.h"

struct call {
	const char **words; /* borrowed strings */
	size_t count;
};

void call_add(struct call *call, const char *word);
void call_add_words(struct call *call, const char *const *words, size_t count);
void call_free(struct call *call);

struct caller {
	const char *executable;    /* the builder's */
	const char *const *globals;
	size_t global_count;
	const char *builder_name;  /* the builder in messages, as in its own */
	const char *executable_variable; /* the variable that names the executable: "KIMB_KIM" */
	/* Called once a forwarded signal came, before kimb dies of it: what must not outlive kimb
	 * (locks, files) goes, and what was done is said. */
	void (*on_interrupt)(void *context);
	void *context;
	size_t calls_made;
	/* Seconds each call but the build may take (--call-timeout), after which it is stopped and
	 * counts as failed; 0 for none. */
	double call_time_limit;
};

/* Starts CALL as a call of the builder: its executable, its global flags, then COMMAND
 * (NULL-terminated). */
void caller_builder_call(const struct caller *caller, struct call *call, const char *const *command);

/* Ends kimb when a forwarded signal came: on_interrupt, then death by that signal. */
void caller_stop_if_interrupted(struct caller *caller);

/* Runs CALL (freed here) with its stdout as MODE says, into RESULT (release with run_result_free);
 * a forwarded signal ends kimb before and after it. The build's call: no time limit. */
void caller_run(struct caller *caller, struct call *call, enum run_stdout mode, struct run_result *result);

/* The status kimb exits with when RESULT's program could not be run at all (said here, naming
 * PROGRAM, and for a builder not found how to point kimb at it), or -1 when it ran: how it ended
 * (an exit status, a signal) is for its caller to judge. */
int caller_status_of_broken_run(const struct caller *caller, const struct run_result *result, const char *program);

/* Starts CALL (freed here) with its stdout (and with RUN_CAPTURE_BOTH its stderr) captured as MODE
 * says, to be settled with caller_settle: two calls so started run side by side. */
void caller_start(struct caller *caller, struct call *call, enum run_stdout mode, struct run_child *child);

/* Finishes CHILD, started by caller_start for PROGRAM, into RESULT; what it wrote on stderr, when
 * captured, is passed on now. Returns STATUS_OK, or the status to exit with once the reason has
 * been said: ACTION names the call ("list images") in it, and CONSEQUENCE what follows ("nothing
 * removed"); RESULT is then released. A call that exits non-zero or is killed is a failed listing
 * (STATUS_LISTING). */
int caller_settle(struct caller *caller, struct run_child *child, const char *program, const char *action,
		  const char *consequence, struct run_result *result);

/* caller_start and caller_settle in one, for CALL's first word as PROGRAM. */
int caller_capture(struct caller *caller, struct call *call, const char *action, const char *consequence,
		   struct run_result *result);

/* The calls of caller_run_parallel: NEXT makes the next call to run into CALL and says which TASK
 * it is, or returns false when none can start now; FINISHED hears how TASK's call ended. */
struct parallel_calls {
	bool (*next)(void *context, struct call *call, size_t *task);
	void (*finished)(void *context, size_t task, const struct run_result *result);
	void *context;
};

/* Runs the calls NEXT gives, their stdout captured, up to JOBS at once, until NEXT gives none and
 * none runs. Once a forwarded signal came it starts no more, waits for those running, and ends
 * kimb as caller_stop_if_interrupted does. */
void caller_run_parallel(struct caller *caller, size_t jobs, const struct parallel_calls *calls);

#endif
