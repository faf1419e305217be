# shellcheck shell=sh
# The test framework of tests/integration.sh, tests/builders.sh and tests/kubectl_stub_check.sh,
# sourced by each: assertions on the last command run, and a runner that gives each test a
# directory of its own, counts the results and prints `N passed, N failed, N skipped` (a skip is a
# failure under KIMB_REQUIRE_ALL=1). POSIX sh; the scripts set -u and LC_ALL themselves.

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

fail()
{
	printf '    FAIL: %s\n' "$*"
	case_failed=1
}

# run COMMAND...: its stdout and stderr go to $CASE/stdout and $CASE/stderr, its status to $status;
# $run_began and $run_ended are the seconds since the epoch before and after it.
run()
{
	run_began=$(date +%s)
	"$@" >"$CASE/stdout" 2>"$CASE/stderr"
	status=$?
	run_ended=$(date +%s)
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
	[ "$case_failed" -eq 0 ] || exit 1
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

# run_test NAME COMMAND...: runs COMMAND... (a test function, or a setup that ends by calling one)
# in a subshell, in a new directory $CASE: work, holding an empty ctx, is its working directory,
# locks its KIMB_LOCK_DIR, state its KIMB_STATE_DIR (so that kimb never writes its record of builds
# into the user's), and no other KIM_* or KIMB_* variable is set. The test fails when it calls
# fail or exits non-zero, and is skipped when it calls skip; a failed test's directory is kept and
# its report printed, with those of the files named in $CASE_LOGS (paths under $CASE) that are
# not empty.
run_test()
{
	test_name=$1
	shift
	CASE=$(mktemp -d "${TMPDIR:-/tmp}/kimb-$(basename "$0" .sh).XXXXXX") || exit 1
	mkdir "$CASE/locks" "$CASE/work" "$CASE/work/ctx" || exit 1
	(
		for variable in $(env | sed -n 's/^\(KIMB*_[A-Za-z0-9_]*\)=.*/\1/p'); do
			unset "$variable"
		done
		KIMB_LOCK_DIR=$CASE/locks
		KIMB_STATE_DIR=$CASE/state
		export KIMB_LOCK_DIR KIMB_STATE_DIR
		cd "$CASE/work" || exit 1
		case_failed=0
		"$@"
		exit "$case_failed"
	) >"$CASE/report" 2>&1
	case_status=$?
	if [ "$case_status" -eq "$SKIPPED" ] && [ -s "$CASE/skipped" ] && [ "${KIMB_REQUIRE_ALL:-}" != 1 ]; then
		skipped=$((skipped + 1))
		printf 'SKIP %s: %s\n' "$test_name" "$(cat "$CASE/skipped")"
		cleanup_case
	elif [ "$case_status" -eq 0 ]; then
		passed=$((passed + 1))
		printf 'ok   %s\n' "$test_name"
		cleanup_case
	else
		failed=$((failed + 1))
		printf 'FAIL %s (kept in %s)\n' "$test_name" "$CASE"
		[ "$case_status" -ne "$SKIPPED" ] || [ ! -s "$CASE/skipped" ] ||
			printf '    skipped (%s), and KIMB_REQUIRE_ALL=1 requires every test to run\n' "$(cat "$CASE/skipped")"
		cat "$CASE/report"
		for file in $CASE_LOGS; do
			[ ! -s "$CASE/$file" ] || printf '    last %s:\n%s\n' "$file" "$(sed 's/^/      /' "$CASE/$file")"
		done
	fi
}

# A test interrupted ends with its own traps (builders.sh's stop its daemon); then the run stops.
trap 'printf "interrupted after %s passed, %s failed, %s skipped\n" "$passed" "$failed" "$skipped"; exit 130' INT
trap 'printf "terminated after %s passed, %s failed, %s skipped\n" "$passed" "$failed" "$skipped"; exit 143' TERM

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

# The totals; fails when any test failed, or when the default lock directory changed meanwhile.
summary()
{
	if [ "$(default_lock_dir_state)" != "$default_lock_dir_before" ]; then
		printf 'FAIL %s changed during the tests: a test used kimb'"'"'s default lock directory (or another kimb ran on this host meanwhile)\nbefore:\n%s\nafter:\n%s\n' \
			"$DEFAULT_LOCK_DIR" "$default_lock_dir_before" "$(default_lock_dir_state)"
		failed=$((failed + 1))
	fi
	printf '%s passed, %s failed, %s skipped\n' "$passed" "$failed" "$skipped"
	[ "$failed" -eq 0 ]
}
