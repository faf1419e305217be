/* SPDX-License-Identifier: Apache-2.0 */
#ifndef KIMB_SESSION_H
#define KIMB_SESSION_H

/* One run's session with its builder: the builder, the options it was given, the builder's settings
 * read first, and the calls made to it, each its executable with its global flags (so that every
 * call reaches the store the build used) and a command. Made once in main and never changed; a
 * forwarded signal ends kimb between calls, never in the middle of one. */

#include <stdbool.h>
#include <stddef.h>

#include "builder.h"
#include "options.h"
#include "process.h"
#include "settings.h"

struct session {
	const struct builder *builder;
	bool builder_detected; /* auto chose it: said once the input is known to be good */
	const struct options *options;
	const struct settings *settings;
	/* Called once a forwarded signal came, before kimb dies of it: what must not outlive kimb
	 * (locks, files) goes, and what was done is said. */
	void (*on_interrupt)(void *context);
	void *context;
};

/* COMMAND (made here) as a call of the builder: its executable, its global flags, then WORDS
 * (NULL-terminated); its stdout captured, within the call time limit. */
void session_builder_command(const struct session *session, struct command *command, const char *const *words);

/* Ends kimb when a forwarded signal came: on_interrupt, then death by that signal. */
void session_stop_if_interrupted(const struct session *session);

/* Runs COMMAND into RESULT (release with process_result_free); a forwarded signal ends kimb before
 * and after it. */
void session_run(const struct session *session, const struct command *command, struct process_result *result);

/* The status kimb exits with when RESULT's program could not be run at all (said here, naming
 * PROGRAM, and for a builder not found how to point kimb at it), or -1 when it ran: how it ended
 * (an exit status, a signal) is for its caller to judge. */
int session_status_of_broken_run(const struct session *session, const struct process_result *result,
				 const char *program);

/* Starts COMMAND into CHILD, to be settled with session_settle: two calls so started run side by
 * side. */
void session_start(const struct session *session, const struct command *command, struct process *child);

/* Finishes CHILD, started by session_start for PROGRAM, into RESULT; what it wrote on stderr, when
 * captured, is passed on now. Returns STATUS_OK, or the status to exit with once the reason has
 * been said: ACTION names the call ("list images") in it, and CONSEQUENCE what follows ("nothing
 * removed"); RESULT is then released. A call that exits non-zero, is killed or outlives its limit
 * is a failed listing (STATUS_LISTING). */
int session_settle(const struct session *session, struct process *child, const char *program, const char *action,
		   const char *consequence, struct process_result *result);

/* session_settle for a program whose stderr is no business of the user's unless asked for: it is
 * held in RESULT, not passed on, and a call that exits non-zero, is killed or outlives its limit
 * returns STATUS_LISTING with RESULT kept, for the caller to say why in a line of its own and
 * release it. A program that could not be run is said and released here, as by session_settle. */
int session_settle_holding_errors(const struct session *session, struct process *child, const char *program,
				  struct process_result *result);

/* A call started to run beside another one (session_run_beside), read once that one has ended. */
struct side_call {
	struct process child;
	bool running;                 /* started, and not yet finished */
	bool ended;                   /* it ended while the other call ran: RESULT holds how */
	struct process_result result;
};

/* Starts COMMAND as SIDE, to be settled with session_settle_side or dropped. */
void session_start_side(const struct session *session, const struct command *command, struct side_call *side);

/* session_run for COMMAND, while SIDE (started, or not running) goes on: its pipes are read and its
 * time limit kept meanwhile; if it ends first, it is finished into its result. */
void session_run_beside(const struct session *session, const struct command *command, struct process_result *result,
			struct side_call *side);

/* session_settle for SIDE, finished now if it has not ended yet. */
int session_settle_side(const struct session *session, struct side_call *side, const char *program, const char *action,
			const char *consequence, struct process_result *result);

/* Stops SIDE if it still runs, waits for it and forgets its result: its answer is not needed. */
void session_drop_side(struct side_call *side);

/* session_start and session_settle in one, for COMMAND (released here), its first word PROGRAM. */
int session_capture(const struct session *session, struct command *command, const char *action,
		    const char *consequence, struct process_result *result);

/* The key of the image store SESSION's calls reach (records_store_key): the builder, the global flags
 * that choose the store, whatever their spelling, the values its configuration file gives in their
 * stead, and the variables that choose it. Malloc'd. */
char *session_store_key(const struct session *session);

/* process_run_parallel, then the end of kimb if a forwarded signal came meanwhile. */
void session_run_parallel(const struct session *session, size_t jobs, const struct process_batch *batch);

/* The value of the builder's SETTING for this run (settings_value): its global flag's last value
 * in the options, else its variable, else the builder's configuration file, else NULL. */
const char *session_setting(const struct session *session, const struct builder_setting *setting, bool *from_config);

#endif
