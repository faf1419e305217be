#ifndef KIMB_RUNNER_H
#define KIMB_RUNNER_H

/* Runs builder commands from an argv (never a shell), each in a process group of its own, and
 * passes SIGHUP, SIGINT, SIGQUIT and SIGTERM on to every group running. A received signal is
 * remembered so that callers stop before anything more is removed; a child that outlives kimb
 * is stopped by the kernel (PR_SET_PDEATHSIG on Linux). */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

enum run_stdout {
	RUN_STDOUT_TO_STDERR, /* the child's stdout joins our stderr: stdout is kimb's result only */
	RUN_STDOUT_CAPTURE,   /* the child's stdout is read into run_result.output */
	RUN_CAPTURE_BOTH,     /* and its stderr into run_result.errors, to be told only if it matters */
};

enum run_outcome {
	RUN_EXITED,    /* status: the exit code */
	RUN_SIGNALED,  /* status: the signal that killed it */
	RUN_NOT_FOUND, /* status: errno of the failed exec (ENOENT, EACCES, ...) */
	RUN_FAILED,    /* status: errno of a failure to spawn or read (pipe, fork, read) */
	RUN_TIMED_OUT, /* status: the time limit in milliseconds, which it outlived and was stopped */
};

struct run_result {
	enum run_outcome outcome;
	int status;
	char *output;         /* captured: all the child wrote, NUL-terminated; else NULL */
	size_t output_length; /* bytes in output, not counting the NUL */
	char *errors;         /* RUN_CAPTURE_BOTH: all it wrote on stderr, NUL-terminated; else NULL */
	size_t errors_length;
};

/* How many children may run at once: the signal handler knows each of them. */
#define RUNNER_MAX_CHILDREN 64

/* A captured stream of a child: the read end of its pipe (-1 unless captured, or once at its end). */
struct run_stream {
	int fd;
	size_t capacity; /* of the text it is read into */
};

/* A started child, between runner_start and runner_finish. */
struct run_child {
	pid_t pid;        /* 0 when it could not be started: RESULT says why */
	struct run_stream output, errors;
	int report_fd;    /* the read end of the pipe its exec closes, -1 once read */
	bool exec_failed; /* the report came: RESULT says why */
	int output_error; /* errno of a failed read of a captured stream, else 0 */
	double time_limit; /* seconds it may run (runner_limit), else 0 */
	double deadline;  /* CLOCK_MONOTONIC seconds of the next step in stopping it, else 0 */
	int stop_step;    /* past its limit: 1 SIGTERM sent, 2 SIGKILL sent, 3 its pipes given up */
	struct run_result result;
};

/* Installs the handlers of the forwarded signals (not over a signal kimb inherited ignored, as a
 * background job of a script does: that one stays ignored, also in the child), and ignores SIGPIPE
 * (children get it as kimb found it). Call once, before the first runner_start. Returns 0, or -1
 * with errno. */
int runner_install_signal_forwarding(void);

/* Starts ARGV (ARGV[0] looked up on PATH; ARGV NULL-terminated) with the forwarded signals at their
 * defaults, in a new process group. Returns 0 with CHILD filled (also when the child could not be
 * started: runner_finish then reports why), or -1 only when RUNNER_MAX_CHILDREN run already. Every
 * started child must be finished. */
int runner_start(struct run_child *child, const char *const argv[], enum run_stdout stdout_mode);

/* How long a child past its time limit has to end after SIGTERM, and then after SIGKILL before
 * kimb stops reading what it left open (a process that escaped its group). */
#define RUNNER_GRACE_SECONDS 2.0

/* Gives CHILD, just started, SECONDS (> 0) to end. Past them its process group gets SIGTERM, then
 * SIGKILL RUNNER_GRACE_SECONDS later, and its result is RUN_TIMED_OUT however it ended. */
void runner_limit(struct run_child *child, double seconds);

/* Stops CHILD, still running, as one past its time limit: now. */
void runner_stop(struct run_child *child);

/* Reads the child's stdout when captured, waits for it and fills OUT (release with
 * run_result_free). */
void runner_finish(struct run_child *child, struct run_result *out);

/* Waits until one of the COUNT started CHILDREN (at most RUNNER_MAX_CHILDREN) has closed the
 * pipes kimb reads, finishes it into OUT, and returns its index; the others go on. A child whose
 * stdout is not captured counts as done once it has run exec. */
size_t runner_finish_any(struct run_child *children, size_t count, struct run_result *out);

/* runner_start and runner_finish in one. Returns 0, or -1 when RUNNER_MAX_CHILDREN run already. */
int runner_run(const char *const argv[], enum run_stdout stdout_mode, struct run_result *out);

void run_result_free(struct run_result *result);

/* The forwarded signal received since the handlers were installed, or 0. */
int runner_interrupted(void);

/* Dies of the received signal (default action restored, signal raised again), after stopping the
 * process groups of any child still running. */
void runner_die_of_interrupt(void);

/* Writes the name of signal SIGNAL_NUMBER ("SIGKILL", or "signal 42" for one without a name) into
 * BUF, which RUNNER_SIGNAL_NAME_MAX bytes always hold. */
#define RUNNER_SIGNAL_NAME_MAX 16
void runner_signal_name(int signal_number, char *buf, size_t size);

/* Writes a one-line description of how a run went ("kim not found", "kim was killed by SIGKILL",
 * "kim exited with status 1") into BUF, naming the program NAME. */
void runner_describe(const struct run_result *result, const char *name, char *buf, size_t size);

#endif
