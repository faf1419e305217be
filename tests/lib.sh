# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=sh
# The test framework of the shell suites (tests/integration.sh, tests/builders.sh, ...), sourced by
# each: assertions on the last command run, and a runner that gives each test a directory of its
# own, runs the tests as a pool of parallel jobs, prints their reports in order, counts the results
# and prints `N passed, N failed, N skipped` (a skip is a failure under KIMB_REQUIRE_ALL=1). POSIX
# sh; the scripts set -u and LC_ALL themselves.
#
# Sourcing it takes the runner's own option from the front of the script's arguments (a sourced
# file shares the script's "$@"), so that the script sees only its own: -j N (or -jN) runs up to N
# tests at once; the default is $SUITE_JOBS, else the number of CPUs. -j 1 runs one at a time.

# shell_quote WORD...: the words quoted for the shell to read back with eval.
shell_quote()
{
	quoted=
	for word; do
		quoted="$quoted${quoted:+ }'$(printf '%s' "$word" | sed "s/'/'\\\\''/g")'"
	done
	printf '%s\n' "$quoted"
}

# python3 is Debian's (scripts/install-deps.sh --test installs it with python3-yaml) where it is
# there: a python3 earlier on PATH may be a version manager's shim, and pyenv's runs a hundred
# programs a call, seconds of a loaded machine's time, for the many calls the suites make.
if [ -x /usr/bin/python3 ]; then
	python3() { /usr/bin/python3 "$@"; }
fi

SUITE_JOBS=${SUITE_JOBS:-$(nproc 2>/dev/null || echo 1)}
case ${1:-} in
-j)
	if [ $# -lt 2 ]; then
		printf '%s: -j needs a number of jobs\n' "$0" >&2
		exit 2
	fi
	SUITE_JOBS=$2
	shift 2
	;;
-j*)
	SUITE_JOBS=${1#-j}
	shift
	;;
esac
case $SUITE_JOBS in
'' | *[!0-9]* | 0)
	printf '%s: -j takes a number of jobs from 1 up, not "%s"\n' "$0" "$SUITE_JOBS" >&2
	exit 2
	;;
esac
# What a job passes this script again: its arguments without -j.
suite_argv=$(shell_quote "$@")

# kimb reads the commit a CI system names outside git work trees: the CI running these tests must
# not change the tags they expect. A test that wants one sets it.
unset GITHUB_SHA CI_COMMIT_SHA GIT_COMMIT BUILDKITE_COMMIT CIRCLE_SHA1 TRAVIS_COMMIT BITBUCKET_COMMIT \
	DRONE_COMMIT_SHA BUILD_SOURCEVERSION SEMAPHORE_GIT_SHA APPVEYOR_REPO_COMMIT

absolute()
{
	(cd "$(dirname "$1")" && printf '%s/%s\n' "$(pwd)" "$(basename "$1")")
}

# suite_arguments "$@": the arguments of a suite run as `SUITE KIMB [PATTERN]` (PATTERN: an
# extended regular expression; only the tests whose names match it run). Sets KIMB (absolute),
# PATTERN (default: every test) and TESTS (the suite's directory); else a usage line and exit 2.
# shellcheck disable=SC2034 # read by the suites
suite_arguments()
{
	if [ $# -lt 1 ] || [ $# -gt 2 ]; then
		printf 'usage: %s KIMB [PATTERN]\n' "$0" >&2
		exit 2
	fi
	PATTERN=${2:-.}
	KIMB=$(absolute "$1") || exit 2
	TESTS=$(absolute "$0") || exit 2
	TESTS=$(dirname "$TESTS")
}

# --- helpers for the tests -------------------------------------------------------------------

# fail MESSAGE: the test fails, with MESSAGE in its report. Also from a subshell, $(...) or a
# pipeline, whose case_failed is lost and whose output may be taken: the failure is kept in
# $CASE/failures too, which run_case reads when the test ends.
fail()
{
	printf '    FAIL: %s\n' "$*"
	case_failed=1
	[ -z "${CASE:-}" ] || printf '    FAIL: %s\n' "$*" >>"$CASE/failures"
}

# Hooks a suite may define, after sourcing this file, around each command that run runs:
# before_run before it, after_run after it, once $status is set (integration.sh's background mode
# waits there for kimb's detached prune). By default nothing.
before_run()
{
	:
}
after_run()
{
	:
}

# run COMMAND...: its stdout and stderr go to $CASE/stdout and $CASE/stderr, its status to $status;
# $run_began and $run_ended are the seconds since the epoch before and after it.
run()
{
	before_run
	run_began=$(date +%s)
	"$@" >"$CASE/stdout" 2>"$CASE/stderr"
	status=$?
	run_ended=$(date +%s)
	after_run
}

line_count()
{
	awk 'END { print NR }' "$1"
}

# printed_tag [N [FILE]]: the tag of the Nth line (default 1) of FILE (default $CASE/stdout), where
# kimb prints REPOSITORY:TAG, one line per repository; nothing when there is no such line.
printed_tag()
{
	sed -n "${1:-1}{s/.*://;p;}" "${2:-$CASE/stdout}"
}

# A made-up image ID (64 hex) for a word, the same for the same word.
id_of()
{
	printf '%s' "$1" | sha256sum | sed 's/ .*//'
}

# Words quoted as the stand-ins (and builders.sh's wrappers) log them, for comparing whole calls.
q()
{
	quoted=
	for word; do
		quoted="$quoted${quoted:+ }'$word'"
	done
	printf '%s\n' "$quoted"
}

# wait_until CONDITION...: runs CONDITION until it holds, at most 30 s (a test that fails instead
# of hanging); false when it never did.
wait_until()
{
	tries=0
	until "$@"; do
		tries=$((tries + 1))
		[ "$tries" -lt 300 ] || return 1
		sleep 0.1
	done
}

# process_ended PID: process PID is gone, or a zombie that nobody has reaped yet.
process_ended()
{
	! ps -o stat= -p "$1" | grep -q '^[^Z]'
}

assert_status()
{
	[ "$status" -eq "$1" ] || fail "exit status $status, expected $1; stderr: $(cat "$CASE/stderr")"
}

# assert_time_tag WORD TAG [BEGAN ENDED]: TAG is what --time-format=WORD.%s makes in a second
# from BEGAN to ENDED (seconds since the epoch; default: those of the last run).
assert_time_tag()
{
	case $2 in
	"$1".*) seconds=${2#"$1".} ;;
	*) seconds= ;;
	esac
	case $seconds in
	'' | *[!0-9]*)
		fail "tag \"$2\" is not $1.SECONDS"
		return
		;;
	esac
	if [ "$seconds" -lt "${3:-$run_began}" ] || [ "$seconds" -gt "${4:-$run_ended}" ]; then
		fail "tag $2 is not of a second from ${3:-$run_began} to ${4:-$run_ended}"
	fi
}

# Exact stdout; each argument is one expected line, none for an empty stdout.
assert_stdout()
{
	if [ $# -eq 0 ]; then
		[ ! -s "$CASE/stdout" ] || fail "stdout should be empty, holds: $(cat "$CASE/stdout")"
		return
	fi
	printf '%s\n' "$@" >"$CASE/expected"
	cmp -s "$CASE/expected" "$CASE/stdout" ||
		fail "stdout is
$(cat "$CASE/stdout")
expected
$(cat "$CASE/expected")"
}

# Each argument is a whole line of stdout (in any order, others besides).
assert_stdout_has_lines()
{
	for line; do
		grep -qxF -e "$line" "$CASE/stdout" || fail "stdout lacks the line $line: $(tr '\n' ' ' <"$CASE/stdout")"
	done
}

# No argument is a whole line of stdout.
assert_stdout_lacks_lines()
{
	for line; do
		! grep -qxF -e "$line" "$CASE/stdout" || fail "stdout has the line $line"
	done
}

assert_stderr_has()
{
	grep -qF -e "$1" "$CASE/stderr" || fail "stderr does not say \"$1\": $(cat "$CASE/stderr")"
}

assert_stderr_lacks()
{
	! grep -qF -e "$1" "$CASE/stderr" || fail "stderr says \"$1\": $(cat "$CASE/stderr")"
}

# assert_regular_file PATH MODE: PATH is a regular file (not a link) of that (octal) mode.
assert_regular_file()
{
	if [ ! -f "$1" ] || [ -L "$1" ]; then
		fail "$1 is not there, or no regular file"
		return 1
	fi
	mode=$(stat -c %a "$1")
	[ "$mode" = "$2" ] || fail "$1 has mode $mode, expected $2"
}

# assert_listing WHAT EXPECTED ACTUAL: ACTUAL, sorted lines, is exactly the lines of EXPECTED in
# any order (empty ones left out); WHAT, e.g. "store x holds", heads the failure.
assert_listing()
{
	expected=$(printf '%s\n' "$2" | sed '/^$/d' | sort)
	[ "$expected" = "$3" ] || fail "$1
$3
expected
$expected"
}

# skip REASON: the test cannot run here (it needs root, say): says so and ends the test, which
# counts as skipped; unless KIMB_REQUIRE_ALL=1 is set (CI sets it), which makes a skip a failure.
# Call it from the test's own shell, not from a $(...) or a pipeline, which it could not end.
skip()
{
	[ "$case_failed" -eq 0 ] && [ ! -s "$CASE/failures" ] || exit 1
	printf '%s\n' "$*" >"$CASE/skipped"
	exit "$SKIPPED"
}

# --- the runner ------------------------------------------------------------------------------

passed=0
failed=0
skipped=0
# The status of a test that skipped (automake's).
SKIPPED=77

# The test functions of the running script whose names begin with PREFIX_, in order.
functions_named()
{
	sed -n "s/^\\($1_[a-z0-9_]*\\)()\$/\\1/p" "$0"
}

# Removes a passed test's directory; a script may define its own after sourcing this file.
cleanup_case()
{
	rm -rf "$CASE"
}

# run_case NAME COMMAND...: runs COMMAND... (a test function, or a setup that ends by calling one)
# in a subshell, in a new directory $CASE: work, holding an empty ctx, is its working directory,
# locks its KIMB_LOCK_DIR, state its KIMB_STATE_DIR (so that kimb never writes its record of builds
# into the user's), and no other KIM_* or KIMB_* variable is set. The test fails when it calls
# fail or exits non-zero, and is skipped when it calls skip. Prints the test's report: `ok`, `SKIP`
# or `FAIL` and its name and time; a failed test's directory is kept and its report printed, with
# those of the files named in $CASE_LOGS (paths under $CASE) that are not empty. Returns 0 passed,
# $SKIPPED skipped, 1 failed.
run_case()
{
	test_name=$1
	shift
	CASE=$(mktemp -d "${TMPDIR:-/tmp}/kimb-$(basename "$0" .sh).XXXXXX") || exit 1
	mkdir "$CASE/locks" "$CASE/work" "$CASE/work/ctx" || exit 1
	case_began=$(date +%s)
	(
		for variable in $(env | sed -n 's/^\(KIMB*_[A-Za-z0-9_]*\)=.*/\1/p'); do
			unset "$variable"
		done
		unset SUITE_ONE_CASE SUITE_JOBS
		KIMB_LOCK_DIR=$CASE/locks
		KIMB_STATE_DIR=$CASE/state
		export KIMB_LOCK_DIR KIMB_STATE_DIR
		cd "$CASE/work" || exit 1
		case_failed=0
		"$@"
		if [ "$case_failed" -eq 0 ] && [ -s "$CASE/failures" ]; then
			printf '    failed in a subshell:\n'
			cat "$CASE/failures"
			exit 1
		fi
		exit "$case_failed"
	) >"$CASE/report" 2>&1
	case_status=$?
	took="($(($(date +%s) - case_began)) s)"
	if [ "$case_status" -eq "$SKIPPED" ] && [ -s "$CASE/skipped" ] && [ "${KIMB_REQUIRE_ALL:-}" != 1 ]; then
		printf 'SKIP %s: %s\n' "$test_name" "$(cat "$CASE/skipped")"
		cleanup_case
		return "$SKIPPED"
	elif [ "$case_status" -eq 0 ]; then
		printf 'ok   %s %s\n' "$test_name" "$took"
		cleanup_case
		return 0
	fi
	printf 'FAIL %s %s (kept in %s)\n' "$test_name" "$took" "$CASE"
	[ "$case_status" -ne "$SKIPPED" ] || [ ! -s "$CASE/skipped" ] ||
		printf '    skipped (%s), and KIMB_REQUIRE_ALL=1 requires every test to run\n' "$(cat "$CASE/skipped")"
	cat "$CASE/report"
	for file in ${CASE_LOGS:-}; do
		[ ! -s "$CASE/$file" ] || printf '    last %s:\n%s\n' "$file" "$(sed 's/^/      /' "$CASE/$file")"
	done
	return 1
}

# The job pool. Each test runs as a job of its own: this script again, with SUITE_ONE_CASE holding
# the test's name and command (shell-quoted), which it runs alone (run_case) at its first call of
# run_test, and exits with its outcome. A fresh process, so that it starts with the default action
# for every signal that the tests send (a shell starts its background jobs with SIGINT and SIGQUIT
# ignored, which kimb would respect) and shares no state with the other jobs; in a session of its
# own (setsid), so that the whole job can be stopped. At most $SUITE_JOBS jobs run at once: a job
# takes a token from the pool's FIFO (fd 9) before it starts and gives it back when it ends. The
# reports are printed in the order the tests were started, each as soon as it and every test before
# it have ended.
suite_pool=
pool_started=0
pool_reported=0

pool_open()
{
	suite_pool=$(mktemp -d "${TMPDIR:-/tmp}/kimb-pool.XXXXXX") || exit 1
	mkfifo "$suite_pool/tokens" || exit 1
	exec 9<>"$suite_pool/tokens"
	tokens=0
	while [ "$tokens" -lt "$SUITE_JOBS" ]; do
		printf 'x\n' >&9
		tokens=$((tokens + 1))
	done
}

# pool_start NAME COMMAND...: starts the job of test NAME once a token is free.
pool_start()
{
	[ -n "$suite_pool" ] || pool_open
	pool_report_ended
	read -r _ <&9
	pool_report_ended
	pool_started=$((pool_started + 1))
	job=$suite_pool/$pool_started
	printf '%s\n' "$1" >"$job.name"
	(
		one_case=$(shell_quote "$@")
		eval "set -- $suite_argv"
		setsid env --default-signal=HUP,INT,QUIT,TERM,PIPE SUITE_ONE_CASE="$one_case" "$0" "$@" \
			</dev/null >"$job.out" 2>&1 9>&- &
		printf '%s\n' "$!" >"$job.pid"
		wait "$!"
		printf '%s\n' "$?" >"$job.ending"
		mv "$job.ending" "$job.status"
		printf 'x\n' >&9
	) &
	eval "pool_waiter_$pool_started=\$!"
}

# Prints the report of the next test in order, waiting for it to end, and counts its outcome.
pool_report_next()
{
	job=$suite_pool/$((pool_reported + 1))
	eval "wait \"\$pool_waiter_$((pool_reported + 1))\""
	job_status=$(cat "$job.status" 2>/dev/null) || job_status=unknown
	cat "$job.out"
	case $job_status in
	0) passed=$((passed + 1)) ;;
	"$SKIPPED") skipped=$((skipped + 1)) ;;
	*)
		failed=$((failed + 1))
		# run_case said FAIL itself, unless its job ended otherwise (killed, say).
		[ "$job_status" = 1 ] && grep -q '^FAIL ' "$job.out" ||
			printf 'FAIL %s: its job ended with status %s\n' "$(cat "$job.name")" "$job_status"
		;;
	esac
	rm -f "$job.name" "$job.out" "$job.pid" "$job.status"
	pool_reported=$((pool_reported + 1))
}

# Prints the reports of the tests that have ended, in order, without waiting for any.
pool_report_ended()
{
	while [ "$pool_reported" -lt "$pool_started" ] && [ -e "$suite_pool/$((pool_reported + 1)).status" ]; do
		pool_report_next
	done
}

pool_close()
{
	while [ "$pool_reported" -lt "$pool_started" ]; do
		pool_report_next
	done
	[ -z "$suite_pool" ] || rm -rf "$suite_pool"
}

# Stops the jobs still running, each process of each (their own traps clean up), and waits for
# them.
pool_stop()
{
	[ -n "$suite_pool" ] || return 0
	for pid_file in "$suite_pool"/*.pid; do
		[ -e "$pid_file" ] && kill -TERM "-$(cat "$pid_file")" 2>/dev/null
	done
	wait
	rm -rf "$suite_pool"
}

# run_test NAME COMMAND...: the test NAME (run_case), as a job of the pool. In a job, the first
# call runs the job's own test, whichever test the script reached: a job need not walk the
# script's list of tests to its own (a second of forks a job in tests/builders.sh).
run_test()
{
	if [ -n "${SUITE_ONE_CASE:-}" ]; then
		eval "set -- $SUITE_ONE_CASE"
		run_case "$@"
		exit $?
	fi
	pool_start "$@"
}

# kimb's default lock directory, which no test may touch (run_test gives each its own): whether it
# exists, and the name, mode, size and times of it and its entries.
DEFAULT_LOCK_DIR=/tmp/kimb-locks
default_lock_dir_state()
{
	if [ -e "$DEFAULT_LOCK_DIR" ] || [ -L "$DEFAULT_LOCK_DIR" ]; then
		find "$DEFAULT_LOCK_DIR" -maxdepth 1 -printf '%P %m %y %s %T@ %C@\n' | sort
	else
		printf 'absent\n'
	fi
}
default_lock_dir_before=$(default_lock_dir_state)

# An interrupted run stops its jobs (their own traps clean up, a docker test's stops its daemon).
if [ -z "${SUITE_ONE_CASE:-}" ]; then
	trap 'pool_stop; printf "interrupted after %s passed, %s failed, %s skipped\n" "$passed" "$failed" "$skipped"; exit 130' INT
	trap 'pool_stop; printf "terminated after %s passed, %s failed, %s skipped\n" "$passed" "$failed" "$skipped"; exit 143' TERM
fi

# The totals, once every job has ended; fails when any test failed, or when the default lock
# directory changed meanwhile. In a job, reached only when the script ran no test.
summary()
{
	if [ -n "${SUITE_ONE_CASE:-}" ]; then
		printf '%s: the job of %s ran no test\n' "$0" "$SUITE_ONE_CASE"
		exit 2
	fi
	pool_close
	if [ "$(default_lock_dir_state)" != "$default_lock_dir_before" ]; then
		printf 'FAIL %s changed during the tests: a test used kimb'"'"'s default lock directory (or another kimb ran on this host meanwhile)\nbefore:\n%s\nafter:\n%s\n' \
			"$DEFAULT_LOCK_DIR" "$default_lock_dir_before" "$(default_lock_dir_state)"
		failed=$((failed + 1))
	fi
	printf '%s passed, %s failed, %s skipped\n' "$passed" "$failed" "$skipped"
	[ "$failed" -eq 0 ]
}
