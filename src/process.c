/* SPDX-License-Identifier: Apache-2.0 */
#ifdef __linux__
#define _DEFAULT_SOURCE /* vfork, which glibc declares beside POSIX 2008 only on request */
#endif

#include "process.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "array.h"
#include "message.h"
#include "quote.h"
#include "xalloc.h"

#define ARRAY_LENGTH(array) (sizeof(array) / sizeof((array)[0]))

/* Shared with the signal handler, which may run between any two instructions. */
static volatile sig_atomic_t received_signal;
/* How kimb found SIGPIPE, which it ignores itself and gives its children back. */
static struct sigaction inherited_pipe_action;
static bool pipe_action_saved;
/* The process groups of the running children (each its leader's pid); 0 marks a free slot. */
static volatile sig_atomic_t running_groups[PROCESS_MAX_RUNNING];

_Static_assert(sizeof(pid_t) <= sizeof(sig_atomic_t), "a pid must fit in a sig_atomic_t");

/* The signals that end a terminal session or ask a program to stop: each must stop the builder
 * with kimb, or it would go on building, and tagging, after kimb has released its locks. */
static const int forwarded_signals[] = {SIGHUP, SIGINT, SIGQUIT, SIGTERM};

/* What a child that could not exec its program tells its parent through the close-on-exec pipe. */
enum child_step {
	CHILD_SETUP, /* preparing its signals, process group or file descriptors failed: PROCESS_FAILED */
	CHILD_EXEC,  /* the exec itself failed: PROCESS_NOT_FOUND */
};

struct child_failure {
	enum child_step step;
	int error;
};

/* Which pipe of which child a polled descriptor is: END 0 the report, 1 stdout, 2 stderr. */
struct pipe_owner {
	size_t child;
	int end;
};

static void signal_groups(int signal_number)
{
	for (size_t i = 0; i < ARRAY_LENGTH(running_groups); i++) {
		pid_t group = running_groups[i];

		if (group > 0)
			(void)kill(-group, signal_number); /* a group that is already gone needs nothing */
	}
}

static void forward_signal(int signal_number)
{
	int saved_errno = errno;

	received_signal = signal_number;
	signal_groups(signal_number);
	errno = saved_errno;
}

int process_forward_signals(void)
{
	struct sigaction forwarding = {.sa_handler = forward_signal};

	/* No SA_RESTART: a blocking call (a lock wait above all) must return EINTR so that its caller
	 * can see process_interrupted() and stop. */
	if (sigemptyset(&forwarding.sa_mask) == -1)
		return -1;
	for (size_t i = 0; i < ARRAY_LENGTH(forwarded_signals); i++) {
		struct sigaction inherited;

		if (sigaction(forwarded_signals[i], NULL, &inherited) == -1)
			return -1;
		/* A signal kimb was started with ignored (a background job of a script, nohup) is
		 * meant to pass kimb and its children by, as the caller asked. */
		if (inherited.sa_handler == SIG_IGN)
			continue;
		if (sigaction(forwarded_signals[i], &forwarding, NULL) == -1)
			return -1;
	}
	/* A closed stdout must be a write error kimb sees and says, not a death that skips its way
	 * out. */
	struct sigaction ignore = {.sa_handler = SIG_IGN};
	if (sigemptyset(&ignore.sa_mask) == -1 || sigaction(SIGPIPE, &ignore, &inherited_pipe_action) == -1)
		return -1;
	pipe_action_saved = true;
	return 0;
}

static int forwarded_signal_set(sigset_t *set)
{
	if (sigemptyset(set) == -1)
		return -1;
	for (size_t i = 0; i < ARRAY_LENGTH(forwarded_signals); i++)
		if (sigaddset(set, forwarded_signals[i]) == -1)
			return -1;
	return 0;
}

/* Until the exec, the child still has our handler: a signal delivered to it then would only be
 * recorded, and the program would start as if nothing had happened. */
static int restore_default_actions(void)
{
	struct sigaction default_action = {.sa_handler = SIG_DFL};

	if (sigemptyset(&default_action.sa_mask) == -1)
		return -1;
	for (size_t i = 0; i < ARRAY_LENGTH(forwarded_signals); i++) {
		struct sigaction current;

		if (sigaction(forwarded_signals[i], NULL, &current) == -1)
			return -1;
		if (current.sa_handler == forward_signal &&
		    sigaction(forwarded_signals[i], &default_action, NULL) == -1)
			return -1;
	}
	return pipe_action_saved ? sigaction(SIGPIPE, &inherited_pipe_action, NULL) : 0;
}

/* Should kimb die without a chance to stop it (SIGKILL, a crash), the kernel stops the child. */
static int stop_with_parent(pid_t parent)
{
#ifdef __linux__
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) == -1)
		return -1;
	/* The parent may have died before the request was made: then nobody else will stop us. */
	if (getppid() != parent)
		_exit(128 + SIGTERM);
#else
	(void)parent;
#endif
	return 0;
}

static _Noreturn void run_child(const char *const argv[], pid_t parent, int stdout_fd, int stderr_fd, int report_fd)
{
	struct child_failure failure = {.step = CHILD_SETUP};
	sigset_t no_signals;

	if (restore_default_actions() == 0 && setpgid(0, 0) == 0 && stop_with_parent(parent) == 0 &&
	    dup2(stdout_fd, STDOUT_FILENO) != -1 && (stderr_fd == -1 || dup2(stderr_fd, STDERR_FILENO) != -1) &&
	    sigemptyset(&no_signals) == 0 &&
	    sigprocmask(SIG_SETMASK, &no_signals, NULL) == 0) {
		failure.step = CHILD_EXEC;
		/* execvp is not async-signal-safe, but kimb has no other thread that could have left a
		 * lock taken at the fork (see spawn for vfork). */
		/* execvp's argv lacks const for C's history alone: it changes no word. */
		char *const *exec_argv;
		memcpy(&exec_argv, &argv, sizeof exec_argv);
		execvp(argv[0], exec_argv);
	}
	failure.error = errno;
	/* Should the report be lost, the parent sees exit status 127, the shell's "not found": the
	 * best that is left to say. */
	(void)!write(report_fd, &failure, sizeof failure);
	_exit(127);
}

static volatile sig_atomic_t *free_slot(void)
{
	for (size_t i = 0; i < ARRAY_LENGTH(running_groups); i++)
		if (running_groups[i] == 0)
			return &running_groups[i];
	return NULL;
}

static volatile sig_atomic_t *slot_of(pid_t pid)
{
	for (size_t i = 0; i < ARRAY_LENGTH(running_groups); i++)
		if (running_groups[i] == pid)
			return &running_groups[i];
	return NULL;
}

/* Forks a child running ARGV in SLOT's process group; the forwarded signals are blocked until the
 * group exists and is recorded, so that the handler never misses it. Returns the pid, or -1 with
 * errno.
 * On Linux with vfork: fork's copy of kimb's page tables, and the copy-on-write faults after it,
 * were most of kimb's own CPU time (a run removing 100 images: 0.22 s, 0.07 s with vfork). The
 * child only sets itself up and runs exec (run_child), writing nothing of the parent's memory but
 * the stack below it and errno, which matters here only when vfork failed; the signal actions it
 * resets are its own (vfork shares memory, not them); glibc's execvp allocates nothing. */
static pid_t spawn(const char *const argv[], volatile sig_atomic_t *slot, int stdout_fd, int stderr_fd, int report_fd)
{
	sigset_t forwarded, previous;
	pid_t parent = getpid();

	if (forwarded_signal_set(&forwarded) == -1 || sigprocmask(SIG_BLOCK, &forwarded, &previous) == -1)
		return -1;
#ifdef __linux__
	pid_t pid = vfork();
#else
	pid_t pid = fork();
#endif
	if (pid == 0)
		run_child(argv, parent, stdout_fd, stderr_fd, report_fd);
	int fork_error = errno;
	if (pid > 0) {
		/* The child makes its group too; whichever of us comes first, the group exists once
		 * this returns (EACCES: the child has already made it and run exec). */
		(void)setpgid(pid, pid);
		*slot = pid;
		/* A signal that came before there was a child to forward it to is forwarded now. */
		if (received_signal)
			(void)kill(-pid, received_signal); /* our own unreaped child's group: cannot fail */
	}
	/* Cannot fail: PREVIOUS came from sigprocmask itself. */
	(void)sigprocmask(SIG_SETMASK, &previous, NULL);
	errno = fork_error;
	return pid;
}

/* Makes a pipe whose ends are close-on-exec, so that no child inherits them by accident, and above
 * the standard descriptors, so that setting up a child's stdout cannot overwrite one of them. */
static int make_pipe(int ends[2])
{
	int made[2];

	if (pipe(made) == -1)
		return -1;
	for (int i = 0; i < 2; i++) {
		ends[i] = fcntl(made[i], F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
		int dup_error = errno;
		(void)close(made[i]); /* a pipe end that was never used: nothing can be lost */
		if (ends[i] == -1) {
			if (i == 1)
				(void)close(ends[0]);
			errno = dup_error;
			return -1;
		}
	}
	return 0;
}

static void close_if_open(int *fd)
{
	/* Only pipe ends we made: closing one loses nothing, whatever close says. */
	if (*fd != -1)
		(void)close(*fd);
	*fd = -1;
}

static ssize_t read_retrying(int fd, void *buffer, size_t size)
{
	ssize_t got;

	do
		got = read(fd, buffer, size);
	while (got == -1 && errno == EINTR);
	return got;
}

/* Reads the child's report, which is there or at its end once the exec is done: nothing when the
 * exec succeeded (the pipe closed on exec), else the failure, recorded in the child's result. */
static void read_child_report(struct process *child)
{
	struct child_failure failure;
	ssize_t got = read_retrying(child->report_fd, &failure, sizeof failure);

	close_if_open(&child->report_fd);
	if (got == 0)
		return;
	child->exec_failed = true;
	if (got == (ssize_t)sizeof failure) {
		child->result.outcome = failure.step == CHILD_EXEC ? PROCESS_NOT_FOUND : PROCESS_FAILED;
		child->result.status = failure.error;
	} else {
		/* A report smaller than one pipe write cannot arrive in pieces. */
		child->result.outcome = PROCESS_FAILED;
		child->result.status = got == -1 ? errno : EIO;
	}
}

/* Reads once what STREAM holds (waiting for it when there is nothing yet) into *BYTES, which holds
 * *LENGTH bytes and a NUL; at its end (or an error, remembered in the child) closes it. */
static void read_stream_once(struct process *child, struct process_stream *stream, char **bytes, size_t *length)
{
	if (*length + 1 == stream->capacity) {
		stream->capacity = stream->capacity * 2 + BUFSIZ;
		*bytes = xrealloc(*bytes, stream->capacity);
	}
	ssize_t got = read_retrying(stream->fd, *bytes + *length, stream->capacity - *length - 1);
	if (got > 0) {
		*length += (size_t)got;
		(*bytes)[*length] = '\0';
		return;
	}
	if (got == -1)
		child->output_error = errno;
	/* Closed before waiting: a child still writing gets EPIPE instead of blocking forever. */
	close_if_open(&stream->fd);
}

/* Writes the LENGTH bytes at TEXT to stderr, all of them unless it fails: a stderr that is gone
 * (the user's pager quit) must not stop the build, whose output kimb still reads. */
static void show(const char *text, size_t length)
{
	while (length > 0) {
		ssize_t written = write(STDERR_FILENO, text, length);
		if (written == -1 && errno == EINTR)
			continue;
		if (written <= 0)
			return;
		text += written;
		length -= (size_t)written;
	}
}

static void read_output_once(struct process *child)
{
	size_t before = child->result.output_length;
	read_stream_once(child, &child->output, &child->result.output, &child->result.output_length);
	if (child->showing)
		show(child->result.output + before, child->result.output_length - before);
}

static void read_errors_once(struct process *child)
{
	read_stream_once(child, &child->errors, &child->result.errors, &child->result.errors_length);
}

/* Waits for the child and reaps it. Until it is reaped its pid, and so its group, cannot be
 * reused, so the signal handler, which signals every recorded group, is told it is gone in
 * between. */
static int wait_for_child(pid_t pid, int *status)
{
	siginfo_t info;
	int waited;

	do
		waited = waitid(P_PID, (id_t)pid, &info, WEXITED | WNOWAIT);
	while (waited == -1 && errno == EINTR);
	volatile sig_atomic_t *slot = slot_of(pid);
	if (slot)
		*slot = 0;
	if (waited == -1)
		return -1;
	while (waitpid(pid, status, 0) == -1)
		if (errno != EINTR)
			return -1;
	return 0;
}

/* A pipe for a captured stream into STREAM and its WRITE_END, and the empty text it is read into. */
static int open_stream(struct process_stream *stream, char **bytes, int *write_end)
{
	int ends[2];
	*bytes = xcalloc(1, 1);
	stream->capacity = 1;
	if (make_pipe(ends) == -1)
		return -1;
	stream->fd = ends[0];
	*write_end = ends[1];
	return 0;
}

void command_add(struct command *command, const char *word)
{
	array_append(&command->words, &command->count, sizeof word, &word);
}

void command_add_words(struct command *command, const char *const *words, size_t count)
{
	for (size_t i = 0; i < count; i++)
		command_add(command, words[i]);
}

void command_free(struct command *command)
{
	free(command->words);
	command->words = NULL;
	command->count = 0;
}

static double monotonic_now(void);

/* Children started so far. */
static size_t started_count;

size_t process_started(void)
{
	return started_count;
}

int process_start(struct process *child, const struct command *command)
{
	int output_end = -1, errors_end = -1;
	int report_pipe[2] = {-1, -1};

	*child = (struct process){.output = {.fd = -1}, .errors = {.fd = -1}, .report_fd = -1,
				    .result = {.outcome = PROCESS_FAILED}};
	volatile sig_atomic_t *slot = free_slot();
	if (!slot)
		return -1;
	started_count++;
	if (message_verbosity() == VERBOSITY_VERBOSE) {
		struct message shown = {0};
		quote_words(&shown, command->words, command->count);
		report_say("+ %s", shown.text ? shown.text : "");
		child->shown = shown.text ? shown.text : xstrdup("");
		child->started = monotonic_now();
	}
	enum process_output mode = command->output;
	bool capture = mode != PROCESS_OUTPUT_TO_STDERR;
	child->showing = mode == PROCESS_CAPTURE_SHOWING;
	if ((capture && open_stream(&child->output, &child->result.output, &output_end) == -1) ||
	    (mode == PROCESS_CAPTURE_BOTH && open_stream(&child->errors, &child->result.errors, &errors_end) == -1) ||
	    make_pipe(report_pipe) == -1) {
		child->result.status = errno;
		close_if_open(&child->output.fd);
		close_if_open(&child->errors.fd);
		close_if_open(&output_end);
		close_if_open(&errors_end);
		return 0;
	}

	/* exec wants the words NULL-terminated; the copy is made before the fork, which vfork needs. */
	const char **argv = xcalloc(command->count + 1, sizeof *argv);
	memcpy(argv, command->words, command->count * sizeof *argv);
	pid_t pid = spawn(argv, slot, capture ? output_end : STDERR_FILENO, errors_end, report_pipe[1]);
	int spawn_error = errno;
	free(argv);
	close_if_open(&report_pipe[1]);
	close_if_open(&output_end);
	close_if_open(&errors_end);
	if (pid == -1) {
		close_if_open(&report_pipe[0]);
		close_if_open(&child->output.fd);
		close_if_open(&child->errors.fd);
		child->result.status = spawn_error;
		return 0;
	}
	child->pid = pid;
	child->report_fd = report_pipe[0];
	if (command->time_limit > 0) {
		child->time_limit = command->time_limit;
		child->deadline = monotonic_now() + command->time_limit;
	}
	return 0;
}

/* Watches CHILD's open pipes (at most 3) from FDS on, noting in OWNERS which is which. Returns how
 * many. */
static nfds_t watch_child(const struct process *child, size_t index, struct pollfd *fds, struct pipe_owner *owners)
{
	const int ends[3] = {child->report_fd, child->output.fd, child->errors.fd};
	nfds_t watched = 0;
	for (int end = 0; end < 3; end++)
		if (ends[end] != -1) {
			owners[watched] = (struct pipe_owner){index, end};
			fds[watched++] = (struct pollfd){.fd = ends[end], .events = POLLIN};
		}
	return watched;
}

/* Reads once from each pipe poll found ready: readable or at its end, so one read cannot block. */
static void read_ready(struct process *children, const struct pollfd *fds, const struct pipe_owner *owners,
		       nfds_t watched)
{
	for (nfds_t i = 0; i < watched; i++) {
		if (!fds[i].revents)
			continue;
		struct process *child = &children[owners[i].child];
		if (owners[i].end == 0)
			read_child_report(child);
		else if (owners[i].end == 1)
			read_output_once(child);
		else
			read_errors_once(child);
	}
}

static double monotonic_now(void)
{
	struct timespec now;
	(void)clock_gettime(CLOCK_MONOTONIC, &now); /* cannot fail for CLOCK_MONOTONIC */
	return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

void process_stop(struct process *child)
{
	if (child->pid == 0)
		return;
	child->deadline = monotonic_now();
}

/* How long poll may wait before the next step in stopping one of the COUNT children is due, in
 * milliseconds; -1 when none has a limit. */
static int poll_timeout(const struct process *children, size_t count)
{
	double soonest = 0;
	bool limited = false;
	for (size_t i = 0; i < count; i++)
		if (children[i].pid != 0 && children[i].deadline > 0 && (!limited || children[i].deadline < soonest)) {
			soonest = children[i].deadline;
			limited = true;
		}
	if (!limited)
		return -1;
	double wait = soonest - monotonic_now();
	if (wait <= 0)
		return 0;
	return wait > 86400 ? 86400 * 1000 : (int)(wait * 1000) + 1;
}

/* Takes the next step in stopping each of the COUNT children whose time is up: SIGTERM to its
 * process group, SIGKILL after the grace, then, after another, no more reading of the pipes that a
 * process which left the group may hold open, so that the child (killed) can be waited for. */
static void stop_late_children(struct process *children, size_t count)
{
	double now = monotonic_now();
	for (size_t i = 0; i < count; i++) {
		struct process *child = &children[i];
		if (child->pid == 0 || child->deadline <= 0 || now < child->deadline)
			continue;
		child->stop_step++;
		child->deadline = now + PROCESS_GRACE_SECONDS;
		if (child->stop_step < 3) {
			/* Our own unreaped child's group: the kill cannot fail. */
			(void)kill(-child->pid, child->stop_step == 1 ? SIGTERM : SIGKILL);
			continue;
		}
		close_if_open(&child->report_fd);
		close_if_open(&child->output.fd);
		close_if_open(&child->errors.fd);
		child->deadline = 0;
	}
}

/* Polls the FDS of COUNT CHILDREN, until a pipe is ready or a child's time is up, which it deals
 * with; a poll that fails reads the pipes one after another. */
static void poll_children(struct process *children, size_t count, struct pollfd *fds,
			  const struct pipe_owner *owners, nfds_t watched)
{
	int ready = poll(fds, watched, poll_timeout(children, count));
	bool interrupted = ready == -1 && errno == EINTR;
	if (ready == -1 && !interrupted)
		for (nfds_t i = 0; i < watched; i++)
			fds[i].revents = POLLIN;
	stop_late_children(children, count);
	if (ready != 0 && !interrupted)
		read_ready(children, fds, owners, watched);
}

/* Reads what the child's pipes give until they are all at their end. */
static void drain(struct process *child)
{
	struct pollfd fds[3];
	struct pipe_owner owners[3];
	nfds_t watched;
	while ((watched = watch_child(child, 0, fds, owners)) > 0)
		poll_children(child, 1, fds, owners, watched);
}

/* Says, under --verbose, how CHILD's call ended (OUT), and after how long. */
static void say_how_it_ended(struct process *child, const struct process_result *out)
{
	if (!child->shown)
		return;
	char how[PROCESS_SIGNAL_NAME_MAX + 64];
	switch (out->outcome) {
	case PROCESS_EXITED:
		snprintf(how, sizeof how, "exited %d", out->status);
		break;
	case PROCESS_SIGNALED: {
		char signal_name[PROCESS_SIGNAL_NAME_MAX];
		process_signal_name(out->status, signal_name, sizeof signal_name);
		snprintf(how, sizeof how, "killed by %s", signal_name);
		break;
	}
	case PROCESS_TIMED_OUT:
		snprintf(how, sizeof how, "stopped past its time limit");
		break;
	case PROCESS_NOT_FOUND:
	case PROCESS_FAILED:
		snprintf(how, sizeof how, "not run (%s)", strerror(out->status));
		break;
	}
	report_say("+ %s %s after %.2f s", child->shown, how, monotonic_now() - child->started);
	free(child->shown);
	child->shown = NULL;
}

static void finish_child(struct process *child, struct process_result *out)
{
	if (child->pid != 0)
		drain(child);
	*out = child->result;
	child->result = (struct process_result){.outcome = PROCESS_FAILED};
	if (child->pid == 0)
		return;

	int wait_status;
	int wait_error = wait_for_child(child->pid, &wait_status) == -1 ? errno : 0;
	int output_error = child->output_error;
	child->pid = 0;
	if (child->exec_failed)
		return;
	if (child->stop_step > 0) {
		out->outcome = PROCESS_TIMED_OUT;
		out->status = (int)(child->time_limit * 1000);
	} else if (output_error || wait_error) {
		out->outcome = PROCESS_FAILED;
		out->status = output_error ? output_error : wait_error;
	} else if (WIFSIGNALED(wait_status)) {
		out->outcome = PROCESS_SIGNALED;
		out->status = WTERMSIG(wait_status);
	} else {
		out->outcome = PROCESS_EXITED;
		out->status = WEXITSTATUS(wait_status);
	}
}

void process_finish(struct process *child, struct process_result *out)
{
	finish_child(child, out);
	say_how_it_ended(child, out);
}

/* Whether nothing is left to read from CHILD: it has ended, or will only be waited for. */
static bool is_drained(const struct process *child)
{
	return child->pid == 0 || (child->report_fd == -1 && child->output.fd == -1 && child->errors.fd == -1);
}

size_t process_finish_any(struct process *children, size_t count, struct process_result *out)
{
	struct pollfd fds[3 * PROCESS_MAX_RUNNING];
	struct pipe_owner owners[3 * PROCESS_MAX_RUNNING];

	for (;;) {
		nfds_t watched = 0;
		for (size_t i = 0; i < count && i < PROCESS_MAX_RUNNING; i++) {
			if (is_drained(&children[i])) {
				process_finish(&children[i], out);
				return i;
			}
			watched += watch_child(&children[i], i, fds + watched, owners + watched);
		}
		poll_children(children, count, fds, owners, watched);
	}
}

int process_run(const struct command *command, struct process_result *out)
{
	struct process child;

	if (process_start(&child, command) == -1)
		return -1;
	process_finish(&child, out);
	return 0;
}

void process_run_parallel(size_t jobs, const struct process_batch *batch)
{
	struct process children[PROCESS_MAX_RUNNING];
	size_t tasks[PROCESS_MAX_RUNNING];
	size_t running = 0;
	if (jobs > PROCESS_MAX_RUNNING)
		jobs = PROCESS_MAX_RUNNING;
	for (;;) {
		struct command command = {0};
		while (running < jobs && !process_interrupted() && batch->next(batch->context, &command, &tasks[running])) {
			/* Never refused: at most PROCESS_MAX_RUNNING run. */
			(void)process_start(&children[running], &command);
			command_free(&command);
			running++;
		}
		if (running == 0)
			return;
		struct process_result result;
		size_t done = process_finish_any(children, running, &result);
		size_t task = tasks[done];
		/* The last one takes the finished one's place: the caller orders what it reports, not
		 * the order commands end in. */
		running--;
		children[done] = children[running];
		tasks[done] = tasks[running];
		batch->finished(batch->context, task, &result);
		process_result_free(&result);
	}
}

void process_result_free(struct process_result *result)
{
	free(result->output);
	free(result->errors);
	result->output = result->errors = NULL;
	result->output_length = result->errors_length = 0;
}

int process_interrupted(void)
{
	return received_signal;
}

void process_die_of_interrupt(void)
{
	int signal_number = received_signal;
	struct sigaction default_action = {.sa_handler = SIG_DFL};
	sigset_t only_it;

	/* A child not yet waited for would otherwise go on without kimb. */
	signal_groups(SIGTERM);
	/* Each step only makes the raise possible; should one fail, the exit status still tells. */
	if (sigemptyset(&default_action.sa_mask) == 0 && sigaction(signal_number, &default_action, NULL) == 0 &&
	    sigemptyset(&only_it) == 0 && sigaddset(&only_it, signal_number) == 0 &&
	    sigprocmask(SIG_UNBLOCK, &only_it, NULL) == 0)
		(void)raise(signal_number);
	_exit(128 + signal_number);
}

#define SIGNAL_NAME(signal_number) {signal_number, #signal_number}

static const struct {
	int number;
	const char *name;
} signal_names[] = {
	SIGNAL_NAME(SIGHUP),  SIGNAL_NAME(SIGINT),  SIGNAL_NAME(SIGQUIT), SIGNAL_NAME(SIGILL),
	SIGNAL_NAME(SIGTRAP), SIGNAL_NAME(SIGABRT), SIGNAL_NAME(SIGBUS),  SIGNAL_NAME(SIGFPE),
	SIGNAL_NAME(SIGKILL), SIGNAL_NAME(SIGUSR1), SIGNAL_NAME(SIGSEGV), SIGNAL_NAME(SIGUSR2),
	SIGNAL_NAME(SIGPIPE), SIGNAL_NAME(SIGALRM), SIGNAL_NAME(SIGTERM), SIGNAL_NAME(SIGCHLD),
	SIGNAL_NAME(SIGCONT), SIGNAL_NAME(SIGSTOP), SIGNAL_NAME(SIGTSTP), SIGNAL_NAME(SIGTTIN),
	SIGNAL_NAME(SIGTTOU), SIGNAL_NAME(SIGURG),  SIGNAL_NAME(SIGXCPU), SIGNAL_NAME(SIGXFSZ),
	SIGNAL_NAME(SIGVTALRM), SIGNAL_NAME(SIGPROF), SIGNAL_NAME(SIGSYS),
};

void process_signal_name(int signal_number, char *buf, size_t size)
{
	for (size_t i = 0; i < ARRAY_LENGTH(signal_names); i++)
		if (signal_names[i].number == signal_number) {
			snprintf(buf, size, "%s", signal_names[i].name);
			return;
		}
	snprintf(buf, size, "signal %d", signal_number);
}

void process_describe(const struct process_result *result, const char *name, char *buf, size_t size)
{
	switch (result->outcome) {
	case PROCESS_EXITED:
		snprintf(buf, size, "%s exited with status %d", name, result->status);
		break;
	case PROCESS_TIMED_OUT:
		snprintf(buf, size, "%s did not end within %g s and was stopped", name, result->status / 1000.0);
		break;
	case PROCESS_SIGNALED: {
		char signal_name[PROCESS_SIGNAL_NAME_MAX];
		process_signal_name(result->status, signal_name, sizeof signal_name);
		snprintf(buf, size, "%s was killed by %s", name, signal_name);
		break;
	}
	case PROCESS_NOT_FOUND:
		if (result->status == ENOENT)
			snprintf(buf, size, "%s not found", name);
		else
			snprintf(buf, size, "%s cannot be run: %s", name, strerror(result->status));
		break;
	case PROCESS_FAILED:
		snprintf(buf, size, "cannot run %s: %s", name, strerror(result->status));
		break;
	}
}
