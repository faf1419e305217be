#include "runner.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define ARRAY_LENGTH(array) (sizeof(array) / sizeof((array)[0]))

/* Shared with the signal handler, which may run between any two instructions. */
static volatile sig_atomic_t received_signal;
static volatile sig_atomic_t running_child; /* a pid_t, or 0 when no child may be signalled */

_Static_assert(sizeof(pid_t) <= sizeof(sig_atomic_t), "a pid must fit in a sig_atomic_t");

static const int forwarded_signals[] = {SIGINT, SIGTERM};

/* What a child that could not exec its program tells its parent through the close-on-exec pipe. */
enum child_step {
	CHILD_SETUP, /* preparing its signals or file descriptors failed: RUN_FAILED */
	CHILD_EXEC,  /* the exec itself failed: RUN_NOT_FOUND */
};

struct child_failure {
	enum child_step step;
	int error;
};

static void forward_signal(int signal_number)
{
	int saved_errno = errno;
	pid_t child = running_child;

	received_signal = signal_number;
	if (child > 0)
		(void)kill(child, signal_number); /* a child that is already gone needs nothing */
	errno = saved_errno;
}

int runner_install_signal_forwarding(void)
{
	struct sigaction forwarding = {.sa_handler = forward_signal};

	/* No SA_RESTART: a blocking call (a lock wait above all) must return EINTR so that its caller
	 * can see runner_interrupted() and stop. */
	if (sigemptyset(&forwarding.sa_mask) == -1)
		return -1;
	for (size_t i = 0; i < ARRAY_LENGTH(forwarded_signals); i++) {
		struct sigaction inherited;

		if (sigaction(forwarded_signals[i], NULL, &inherited) == -1)
			return -1;
		/* A signal kimb was started with ignored (a background job of a script) is meant to
		 * pass kimb and its children by, as the caller asked. */
		if (inherited.sa_handler == SIG_IGN)
			continue;
		if (sigaction(forwarded_signals[i], &forwarding, NULL) == -1)
			return -1;
	}
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
	return 0;
}

static _Noreturn void run_child(char *const argv[], int stdout_fd, int report_fd)
{
	struct child_failure failure = {.step = CHILD_SETUP};
	sigset_t no_signals;

	if (restore_default_actions() == 0 && dup2(stdout_fd, STDOUT_FILENO) != -1 &&
	    sigemptyset(&no_signals) == 0 && sigprocmask(SIG_SETMASK, &no_signals, NULL) == 0) {
		failure.step = CHILD_EXEC;
		/* execvp is not async-signal-safe, but kimb has no other thread that could have left a
		 * lock taken at the fork. */
		execvp(argv[0], argv);
	}
	failure.error = errno;
	/* Should the report be lost, the parent sees exit status 127, the shell's "not found": the
	 * best that is left to say. */
	(void)!write(report_fd, &failure, sizeof failure);
	_exit(127);
}

/* Forks a child running ARGV; the forwarded signals are blocked until its pid is recorded, so that
 * the handler never misses it. Returns the pid, or -1 with errno. */
static pid_t spawn(char *const argv[], int stdout_fd, int report_fd)
{
	sigset_t forwarded, previous;

	if (forwarded_signal_set(&forwarded) == -1 || sigprocmask(SIG_BLOCK, &forwarded, &previous) == -1)
		return -1;
	pid_t pid = fork();
	if (pid == 0)
		run_child(argv, stdout_fd, report_fd);
	int fork_error = errno;
	if (pid > 0) {
		running_child = pid;
		/* A signal that came before there was a child to forward it to is forwarded now. */
		if (received_signal)
			(void)kill(pid, received_signal); /* our own unreaped child: cannot fail */
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

static void close_if_open(int fd)
{
	/* Only pipe ends we made: closing one loses nothing, whatever close says. */
	if (fd != -1)
		(void)close(fd);
}

static ssize_t read_retrying(int fd, void *buffer, size_t size)
{
	ssize_t got;

	do
		got = read(fd, buffer, size);
	while (got == -1 && errno == EINTR);
	return got;
}

/* Reads the child's report: 0 when its exec succeeded (the pipe closed on exec), else records the
 * failure in OUT and returns -1. */
static int read_child_report(int fd, struct run_result *out)
{
	struct child_failure failure;
	ssize_t got = read_retrying(fd, &failure, sizeof failure);

	if (got == 0)
		return 0;
	if (got == (ssize_t)sizeof failure) {
		out->outcome = failure.step == CHILD_EXEC ? RUN_NOT_FOUND : RUN_FAILED;
		out->status = failure.error;
	} else {
		/* A report smaller than one pipe write cannot arrive in pieces. */
		out->outcome = RUN_FAILED;
		out->status = got == -1 ? errno : EIO;
	}
	return -1;
}

/* Appends everything FD gives until end of file to OUT->output, which holds OUT->output_length
 * bytes and a NUL. Returns 0, or -1 with errno (ENOMEM when the output outgrew memory). */
static int read_output(int fd, struct run_result *out)
{
	size_t capacity = out->output_length + 1;

	for (;;) {
		if (out->output_length + 1 == capacity) {
			char *grown = NULL;

			if (capacity <= (SIZE_MAX - BUFSIZ) / 2)
				grown = realloc(out->output, capacity * 2 + BUFSIZ);
			if (!grown) {
				errno = ENOMEM;
				return -1;
			}
			out->output = grown;
			capacity = capacity * 2 + BUFSIZ;
		}
		ssize_t got = read_retrying(fd, out->output + out->output_length, capacity - out->output_length - 1);
		if (got <= 0)
			return (int)got;
		out->output_length += (size_t)got;
		out->output[out->output_length] = '\0';
	}
}

/* Waits for the child and reaps it. Until it is reaped its pid cannot be reused, so the signal
 * handler, which kills whatever running_child says, is told it is gone in between. */
static int wait_for_child(pid_t pid, int *status)
{
	siginfo_t info;
	int waited;

	do
		waited = waitid(P_PID, (id_t)pid, &info, WEXITED | WNOWAIT);
	while (waited == -1 && errno == EINTR);
	running_child = 0;
	if (waited == -1)
		return -1;
	while (waitpid(pid, status, 0) == -1)
		if (errno != EINTR)
			return -1;
	return 0;
}

int runner_run(char *const argv[], enum run_stdout stdout_mode, struct run_result *out)
{
	int output_pipe[2] = {-1, -1};
	int report_pipe[2];

	*out = (struct run_result){.outcome = RUN_FAILED};
	if (stdout_mode == RUN_STDOUT_CAPTURE) {
		out->output = calloc(1, 1);
		if (!out->output)
			return -1;
		if (make_pipe(output_pipe) == -1) {
			out->status = errno;
			return 0;
		}
	}
	if (make_pipe(report_pipe) == -1) {
		out->status = errno;
		close_if_open(output_pipe[0]);
		close_if_open(output_pipe[1]);
		return 0;
	}

	pid_t pid = spawn(argv, stdout_mode == RUN_STDOUT_CAPTURE ? output_pipe[1] : STDERR_FILENO, report_pipe[1]);
	int spawn_error = errno;
	close_if_open(report_pipe[1]);
	close_if_open(output_pipe[1]);
	if (pid == -1) {
		close_if_open(report_pipe[0]);
		close_if_open(output_pipe[0]);
		out->status = spawn_error;
		return 0;
	}

	int failed = read_child_report(report_pipe[0], out);
	close_if_open(report_pipe[0]);
	int output_error = 0;
	if (output_pipe[0] != -1) {
		if (read_output(output_pipe[0], out) == -1)
			output_error = errno;
		/* Closed before waiting: a child still writing gets EPIPE instead of blocking forever. */
		close_if_open(output_pipe[0]);
	}
	int wait_status;
	int wait_error = wait_for_child(pid, &wait_status) == -1 ? errno : 0;

	if (output_error == ENOMEM) {
		run_result_free(out);
		return -1;
	}
	if (failed)
		return 0;
	if (output_error || wait_error) {
		out->outcome = RUN_FAILED;
		out->status = output_error ? output_error : wait_error;
	} else if (WIFSIGNALED(wait_status)) {
		out->outcome = RUN_SIGNALED;
		out->status = WTERMSIG(wait_status);
	} else {
		out->outcome = RUN_EXITED;
		out->status = WEXITSTATUS(wait_status);
	}
	return 0;
}

void run_result_free(struct run_result *result)
{
	free(result->output);
	result->output = NULL;
	result->output_length = 0;
}

int runner_interrupted(void)
{
	return received_signal;
}

void runner_die_of_interrupt(void)
{
	int signal_number = received_signal;
	struct sigaction default_action = {.sa_handler = SIG_DFL};
	sigset_t only_it;

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

static void describe_signal(int signal_number, const char *name, char *buf, size_t size)
{
	for (size_t i = 0; i < ARRAY_LENGTH(signal_names); i++)
		if (signal_names[i].number == signal_number) {
			snprintf(buf, size, "%s was killed by %s", name, signal_names[i].name);
			return;
		}
	snprintf(buf, size, "%s was killed by signal %d", name, signal_number);
}

void runner_describe(const struct run_result *result, const char *name, char *buf, size_t size)
{
	switch (result->outcome) {
	case RUN_EXITED:
		snprintf(buf, size, "%s exited with status %d", name, result->status);
		break;
	case RUN_SIGNALED:
		describe_signal(result->status, name, buf, size);
		break;
	case RUN_NOT_FOUND:
		if (result->status == ENOENT)
			snprintf(buf, size, "%s not found", name);
		else
			snprintf(buf, size, "%s cannot be run: %s", name, strerror(result->status));
		break;
	case RUN_FAILED:
		snprintf(buf, size, "cannot run %s: %s", name, strerror(result->status));
		break;
	}
}
