#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Tests of the shell suites' runner (tests/lib.sh): a sample suite of tests that pass, fail, skip,
# are killed, or wait for each other, run as the real suites are, and what it prints and returns.
# Usage: tests/harness.sh [-j N] [PATTERN]

set -u
LC_ALL=C
export LC_ALL
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

if [ $# -gt 1 ]; then
	printf 'usage: %s [-j N] [PATTERN]\n' "$0" >&2
	exit 2
fi
PATTERN=${1:-.}
LIB=$(absolute "$(dirname "$0")/lib.sh") || exit 2
CASE_LOGS='stdout stderr'

# A sample suite in $CASE/suite: its tests are the functions sample_* given on stdin, run in the
# order written. Each test can leave marks in $MARKS, a directory all of them share.
write_suite()
{
	{
		printf '#!/bin/sh\nset -u\n. %s\nCASE_LOGS=\n' "$(shell_quote "$LIB")"
		cat
		# shellcheck disable=SC2016 # the sample's own $
		printf '%s\n' 'for name in $(functions_named sample | grep -E -e "${1:-.}"); do' \
			'	run_test "$name" "$name"' 'done' 'summary'
	} >"$CASE/suite" || exit 1
	chmod +x "$CASE/suite" || exit 1
	MARKS=$CASE/marks
	export MARKS
	mkdir -p "$MARKS" || exit 1
}

# The lines of the sample's stdout that are reports or the totals, without the times.
report_lines()
{
	sed -n 's/^\(ok  \|FAIL\|SKIP\)\( [a-z_]*\)\( ([0-9]* s)\)\{0,1\}\(.*\)$/\1\2\4/p; /passed, /p' "$CASE/stdout" |
		sed 's/ (kept in [^)]*)$//'
}

assert_reports()
{
	printf '%s\n' "$@" >"$CASE/expected"
	report_lines >"$CASE/actual"
	cmp -s "$CASE/expected" "$CASE/actual" || fail "the reports are
$(cat "$CASE/actual")
expected
$(cat "$CASE/expected")
whole stdout:
$(cat "$CASE/stdout")"
}

sample_outcomes()
{
	write_suite <<'EOF'
sample_passes()
{
	[ -d "$CASE/work/ctx" ] || fail "no ctx"
}

sample_fails()
{
	printf 'what the failing test printed\n'
	fail "it failed on purpose"
}

sample_skips()
{
	skip "it needs nothing here"
}

sample_killed()
{
	kill -KILL $$
}

sample_exits()
{
	exit 3
}

sample_fails_in_a_subshell()
{
	taken=$(fail "it failed where its output was taken")
	[ -n "$taken" ]
}

sample_passes_too()
{
	:
}
EOF
}

# A failure in one job is reported with its output, in the order the tests were started, and fails
# the run, also one inside a $(...); the others pass or skip as they would alone.
test_failures_are_reported_in_order()
{
	sample_outcomes
	for jobs in 1 3; do
		run "$CASE/suite" -j "$jobs"
		assert_status 1
		assert_reports "ok   sample_passes" "FAIL sample_fails" "SKIP sample_skips: it needs nothing here" \
			"FAIL sample_killed: its job ended with status 137" "FAIL sample_exits" \
			"FAIL sample_fails_in_a_subshell" "ok   sample_passes_too" "2 passed, 4 failed, 1 skipped"
		grep -qx 'what the failing test printed' "$CASE/stdout" ||
			fail "-j $jobs: the failing test's output is not in its report: $(cat "$CASE/stdout")"
		grep -qx '    FAIL: it failed on purpose' "$CASE/stdout" ||
			fail "-j $jobs: the failing test's message is not in its report"
		grep -qx '    FAIL: it failed where its output was taken' "$CASE/stdout" ||
			fail "-j $jobs: a failure inside \$(...) is not in its test's report"
		# The failed test's directory is kept, the passed one's is not.
		kept=$(sed -n 's/^FAIL sample_fails ([0-9]* s) (kept in \(.*\))$/\1/p' "$CASE/stdout")
		if [ -z "$kept" ] || [ ! -s "$kept/report" ]; then
			fail "-j $jobs: no directory kept for sample_fails: $kept"
		fi
		rm -rf "$kept"
	done
	run env KIMB_REQUIRE_ALL=1 "$CASE/suite" -j2 skips
	assert_status 1
	assert_reports "FAIL sample_skips" "0 passed, 1 failed, 0 skipped"
	run "$CASE/suite" -j 2 'passes'
	assert_status 0
	assert_reports "ok   sample_passes" "ok   sample_passes_too" "2 passed, 0 failed, 0 skipped"
}

# -j N runs N tests at once: two tests that each wait for the other pass together, and the report
# of the one started first comes first although it ends last.
test_jobs_run_at_once()
{
	write_suite <<'EOF'
sample_first()
{
	: >"$MARKS/first-started"
	wait_until test -e "$MARKS/second-ended" || fail "the second test never ran beside the first"
}

sample_second()
{
	wait_until test -e "$MARKS/first-started" || fail "the first test never ran beside the second"
	: >"$MARKS/second-ended"
}
EOF
	run "$CASE/suite" -j 2
	assert_status 0
	assert_reports "ok   sample_first" "ok   sample_second" "2 passed, 0 failed, 0 skipped"
}

# Each test starts with the default action for the signals the tests send, whatever the suite was
# started with (a background job of a shell ignores SIGINT and SIGQUIT; nohup, SIGHUP).
test_jobs_start_with_default_signals()
{
	write_suite <<'EOF'
sample_signals()
{
	ignored=$(sh -c 'sed -n "s/^SigIgn:[[:space:]]*//p" /proc/self/status')
	# HUP 1, INT 2, QUIT 3, PIPE 13, TERM 15: bits 0, 1, 2, 12, 14.
	[ $((0x$ignored & 0x5007)) -eq 0 ] || fail "signals ignored: $ignored"
}
EOF
	run env --ignore-signal=HUP,INT,QUIT,PIPE,TERM "$CASE/suite" -j 2
	assert_status 0
	assert_reports "ok   sample_signals" "1 passed, 0 failed, 0 skipped"
}

# A suite stopped with SIGTERM stops its running jobs, every process of them, and says so.
test_terminated_suite_stops_its_jobs()
{
	write_suite <<'EOF'
sample_blocks()
{
	sleep 600 &
	printf '%s\n' "$!" >"$MARKS/sleeper"
	wait
}
EOF
	"$CASE/suite" -j 2 >"$CASE/stdout" 2>"$CASE/stderr" &
	suite=$!
	if ! wait_until test -e "$MARKS/sleeper"; then
		fail "the test never started"
		kill -KILL "$suite"
		return
	fi
	sleeper=$(cat "$MARKS/sleeper")
	kill -TERM "$suite"
	if ! wait_until process_ended "$suite"; then
		fail "the suite goes on after SIGTERM"
		kill -KILL "$suite" "$sleeper"
	fi
	wait "$suite"
	status=$?
	assert_status 143
	grep -q '^terminated after 0 passed, 0 failed, 0 skipped$' "$CASE/stdout" ||
		fail "no line for the termination: $(cat "$CASE/stdout")"
	# Once the signal has reached it, the sleep ends (a zombie until it is reaped is ended).
	if ! wait_until process_ended "$sleeper"; then
		fail "the test's sleep $sleeper runs on"
		kill -KILL "$sleeper"
	fi
}

# -j takes a number of jobs from 1 up: anything else is a usage error.
test_bad_job_counts_are_usage_errors()
{
	write_suite <<'EOF'
sample_never()
{
	: >"$MARKS/ran"
}
EOF
	for jobs in 0 x -1 ''; do
		run "$CASE/suite" -j "$jobs"
		assert_status 2
		assert_stderr_has "-j"
		[ ! -e "$MARKS/ran" ] || fail "-j '$jobs': a test ran"
	done
	run "$CASE/suite" -j
	assert_status 2
}

for name in $(functions_named test | grep -E -e "$PATTERN"); do
	run_test "$name" "$name"
done

summary
