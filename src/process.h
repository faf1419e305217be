/* SPDX-License-Identifier: Apache-2.0 */
#ifndef KIMB_PROCESS_H
#define KIMB_PROCESS_H

/* Runs commands, each a declared argv (never a shell) with what becomes of its output and how long
 * it may take, each in a process group of its own: one, two side by side, or many up to a limit.
 * SIGHUP, SIGINT, SIGQUIT and SIGTERM are passed on to every group running, and remembered so that
 * callers stop before anything more is removed; a child that outlives kimb is stopped by the
 * kernel (PR_SET_PDEATHSIG on Linux); one past its time limit is stopped by kimb. (git's
 * run-command.h is the model.) */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

enum process_output {
	PROCESS_OUTPUT_TO_STDERR, /* the child's stdout joins our stderr: stdout is kimb's result only */
	PROCESS_CAPTURE_OUTPUT,   /* the child's stdout is read into process_result.output */
	PROCESS_CAPTURE_BOTH,     /* and its stderr into process_result.errors, to be told only if it matters */
	/* Its stdout read into process_result.output and written to our stderr as it comes: a build
	 * whose progress the user watches and kimb reads (kim's new image's ID). */
	PROCESS_CAPTURE_SHOWING,
};

/* A command to run: its words (the program first, looked up on PATH), what becomes of its output,
 * and the seconds it may take (0: as long as it takes). */
struct command {
	const char **words; /* borrowed strings */
	size_t count;
	enum process_output output;
	double time_limit;
};

void command_add(struct command *command, const char *word);
void command_add_words(struct command *command, const char *const *words, size_t count);
/* Releases the array of words (not the words). */
void command_free(struct command *command);

enum process_outcome {
	PROCESS_EXITED,    /* status: the exit code */
	PROCESS_SIGNALED,  /* status: the signal that killed it */
	PROCESS_NOT_FOUND, /* status: errno of the failed exec (ENOENT, EACCES, ...) */
	PROCESS_FAILED,    /* status: errno of a failure to spawn or read (pipe, fork, read) */
	PROCESS_TIMED_OUT, /* status: the time limit in milliseconds, which it outlived and was stopped */
};

struct process_result {
	enum process_outcome outcome;
	int status;
	char *output;         /* captured: all the child wrote, NUL-terminated; else NULL */
	size_t output_length; /* bytes in output, not counting the NUL */
	char *errors;         /* PROCESS_CAPTURE_BOTH: all it wrote on stderr, NUL-terminated; else NULL */
	size_t errors_length;
};

/* How many children may run at once: the signal handler knows each of them. */
#define PROCESS_MAX_RUNNING 64

/* A captured stream of a child: the read end of its pipe (-1 unless captured, or once at its end). */
struct process_stream {
	int fd;
	size_t capacity; /* of the text it is read into */
};

/* A started child, between process_start and process_finish. */
struct process {
	pid_t pid;        /* 0 when it could not be started: RESULT says why */
	struct process_stream output, errors;
	int report_fd;    /* the read end of the pipe its exec closes, -1 once read */
	bool exec_failed; /* the report came: RESULT says why */
	bool showing;     /* PROCESS_CAPTURE_SHOWING: what its stdout gives is written to stderr too */
	int output_error; /* errno of a failed read of a captured stream, else 0 */
	double time_limit; /* seconds it may run, else 0 */
	double deadline;  /* CLOCK_MONOTONIC seconds of the next step in stopping it, else 0 */
	int stop_step;    /* past its limit: 1 SIGTERM sent, 2 SIGKILL sent, 3 its pipes given up */
	char *shown;      /* --verbose: its words as a shell reads them, said again when it ends; else NULL */
	double started;   /* --verbose: CLOCK_MONOTONIC seconds it was started at */
	struct process_result result;
};

/* Installs the handlers of the forwarded signals (not over a signal kimb inherited ignored, as a
 * background job of a script does: that one stays ignored, also in the child), and ignores SIGPIPE
 * (children get it as kimb found it). Call once, before the first process_start. Returns 0, or -1
 * with errno. */
int process_forward_signals(void);

/* Starts COMMAND with the forwarded signals at their defaults, in a new process group; under
 * --verbose (message_verbosity) "kimb: + " and its words, quoted for a shell, are said first, and
 * process_finish says how it ended and after how long. Returns 0
 * with CHILD filled (also when the child could not be started: process_finish then reports why),
 * or -1 only when PROCESS_MAX_RUNNING run already. Every started child must be finished. */
int process_start(struct process *child, const struct command *command);

/* How long a child past its time limit has to end after SIGTERM, and then after SIGKILL before
 * kimb stops reading what it left open (a process that escaped its group). */
#define PROCESS_GRACE_SECONDS 2.0

/* Stops CHILD, still running, as one past its time limit: now. */
void process_stop(struct process *child);

/* Reads the child's stdout when captured, waits for it and fills OUT (release with
 * process_result_free). */
void process_finish(struct process *child, struct process_result *out);

/* Waits until one of the COUNT started CHILDREN (at most PROCESS_MAX_RUNNING) has closed the
 * pipes kimb reads, finishes it into OUT, and returns its index; the others go on. A child whose
 * stdout is not captured counts as done once it has run exec. */
size_t process_finish_any(struct process *children, size_t count, struct process_result *out);

/* process_start and process_finish in one. Returns 0, or -1 when PROCESS_MAX_RUNNING run already. */
int process_run(const struct command *command, struct process_result *out);

/* The commands of process_run_parallel: NEXT makes the next command to run into COMMAND (released
 * here) and says which TASK it is, or returns false when none can start now; FINISHED hears how
 * TASK's command ended. */
struct process_batch {
	bool (*next)(void *context, struct command *command, size_t *task);
	void (*finished)(void *context, size_t task, const struct process_result *result);
	void *context;
};

/* Runs the commands BATCH gives, up to JOBS at once, until it gives none and none runs; once a
 * forwarded signal came it starts no more and waits for those running. */
void process_run_parallel(size_t jobs, const struct process_batch *batch);

/* How many children were started so far: the calls a run made. */
size_t process_started(void);

void process_result_free(struct process_result *result);

/* The forwarded signal received since the handlers were installed, or 0. */
int process_interrupted(void);

/* Dies of the received signal (default action restored, signal raised again), after stopping the
 * process groups of any child still running. */
void process_die_of_interrupt(void);

/* Writes the name of signal SIGNAL_NUMBER ("SIGKILL", or "signal 42" for one without a name) into
 * BUF, which PROCESS_SIGNAL_NAME_MAX bytes always hold. */
#define PROCESS_SIGNAL_NAME_MAX 16
void process_signal_name(int signal_number, char *buf, size_t size);

/* Writes a one-line description of how a run went ("kim not found", "kim was killed by SIGKILL",
 * "kim exited with status 1") into BUF, naming the program NAME. */
void process_describe(const struct process_result *result, const char *name, char *buf, size_t size);

#endif
