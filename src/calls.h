#ifndef KIMB_CALLS_H
#define KIMB_CALLS_H

/* The words of one call kimb makes: an executable, the builder's global flags (so that every call
 * reaches the store the build used), a command and its arguments, run with the runner. */

#include <stddef.h>

#include "runner.h"

struct call {
	const char **words; /* borrowed strings */
	size_t count;
};

/* Starts CALL with EXECUTABLE, the GLOBAL_COUNT words GLOBALS and the NULL-terminated COMMAND.
 * Returns 0, or -1 when memory ran out (CALL then empty). */
int call_start(struct call *call, const char *executable, const char *const *globals, size_t global_count,
	       const char *const *command);

/* Appends WORD, or the COUNT words WORDS. Return 0, or -1 when memory ran out. */
int call_add(struct call *call, const char *word);
int call_add_words(struct call *call, const char *const *words, size_t count);

/* Runs CALL with the runner (its stdout as MODE says) and releases its words. Returns 0 with RESULT
 * filled, or -1 when memory ran out. */
int call_run(struct call *call, enum run_stdout mode, struct run_result *result);

/* Releases CALL's words without running it. */
void call_drop(struct call *call);

#endif
