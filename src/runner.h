#ifndef KIMB_RUNNER_H
#define KIMB_RUNNER_H

/* Runs a builder command from an argv (never a shell), waits for it, and forwards SIGINT and
 * SIGTERM to it. A received signal is remembered so that callers stop before anything is removed. */

#include <stddef.h>

enum run_stdout {
	RUN_STDOUT_TO_STDERR, /* the child's stdout joins our stderr: stdout is kimb's result only */
	RUN_STDOUT_CAPTURE,   /* the child's stdout is read into run_result.output */
};

enum run_outcome {
	RUN_EXITED,    /* status: the exit code */
	RUN_SIGNALED,  /* status: the signal that killed it */
	RUN_NOT_FOUND, /* status: errno of the failed exec (ENOENT, EACCES, ...) */
	RUN_FAILED,    /* status: errno of a failure to spawn or read (pipe, fork, read) */
};

struct run_result {
	enum run_outcome outcome;
	int status;
	char *output;         /* RUN_STDOUT_CAPTURE: all the child wrote, NUL-terminated; else NULL */
	size_t output_length; /* bytes in output, not counting the NUL */
};

/* Installs the SIGINT/SIGTERM handlers (not over a signal kimb inherited ignored, as a background
 * job of a script does: that one stays ignored, also in the child). Call once, before the first
 * runner_run. Returns 0, or -1 with errno. */
int runner_install_signal_forwarding(void);

/* Runs ARGV (ARGV[0] looked up on PATH; ARGV NULL-terminated) with SIGINT and SIGTERM at their
 * defaults in the child. Returns 0 with OUT filled, or -1 only when memory ran out.
 * Release OUT with run_result_free. */
int runner_run(char *const argv[], enum run_stdout stdout_mode, struct run_result *out);

void run_result_free(struct run_result *result);

/* The SIGINT or SIGTERM received since the handlers were installed, or 0. */
int runner_interrupted(void);

/* Dies of the received signal (default action restored, signal raised again). */
void runner_die_of_interrupt(void);

/* Writes a one-line description of how a run went ("kim not found", "kim was killed by SIGKILL",
 * "kim exited with status 1") into BUF, naming the program NAME. */
void runner_describe(const struct run_result *result, const char *name, char *buf, size_t size);

#endif
