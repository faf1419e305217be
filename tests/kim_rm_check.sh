#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Checks make bench's compiled removals (bench/kim_rm) against the stand-in they speed up
# (tests/kim): each test makes one call both ways, on two copies of one store, and compares what
# each printed on stdout and stderr, its exit status, the store it left and its call log. Calls
# kim_rm must answer itself (a removal by an ID prefix of one image) run with a KIM_STUB_SCRIPT that
# fails loudly, so that a kim_rm that handed them over fails the test; every other call runs with
# tests/kim behind it, which must answer it, logged once.
# Usage: tests/kim_rm_check.sh KIM_RM   (make check passes build/bench/kim_rm)
# Prints `N passed, N failed`; fails when any test failed.

set -u
LC_ALL=C
export LC_ALL
# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC1091 # followed with shellcheck -x
. "$(dirname "$0")/lib.sh"

if [ $# -ne 1 ] || [ ! -x "$1" ]; then
	printf 'usage: %s KIM_RM (make builds build/bench/kim_rm)\n' "$0" >&2
	exit 2
fi
KIM_RM=$(absolute "$1") || exit 2
STUB=$(absolute "$0") || exit 2
STUB=$(dirname "$STUB")/kim

# shellcheck disable=SC2034 # read by lib.sh
CASE_LOGS='shell/stdout shell/stderr compiled/stdout compiled/stderr'
HEX_A=aaaaaaaaaaaaa$(printf '%051d' 0)
HEX_B=bbbbbbbbbbbbb$(printf '%051d' 0)
HEX_C=ccccccccccccc$(printf '%051d' 0)
HEX_AB=aaaaaaaaaaaaa$(printf '%051d' 0 | tr 0 1)

setup()
{
	unset KIM_STUB_INSPECT KIM_STUB_LATENCY KIM_STUB_LOGGED
	mkdir -p "$CASE/seed/store" || exit 1
	KIM_STUB_DIR=$CASE/seed
	export KIM_STUB_DIR
	printf '#!/bin/sh\necho "kim_rm handed the call over" >&2\nexit 99\n' >"$CASE/refuse"
	chmod +x "$CASE/refuse"
}

# seed ID [REF...]: an image in the seed store, as tests/kim seeds it.
seed()
{
	KIM_STUB_DIR=$CASE/seed "$STUB" --stub-seed "$@" || fail "could not seed $*"
}

# both SCRIPT ARGUMENTS...: the call on a copy of the seed store through tests/kim, and on another
# through kim_rm with KIM_STUB_SCRIPT=SCRIPT; then compares the two.
both()
{
	script=$1
	shift
	for side in shell compiled; do
		rm -rf "${CASE:?}/$side"
		cp -R "$CASE/seed" "$CASE/$side" || exit 1
		rm -f "$CASE/$side/calls"
	done
	KIM_STUB_DIR=$CASE/shell "$STUB" "$@" >"$CASE/shell/stdout" 2>"$CASE/shell/stderr"
	shell_status=$?
	KIM_STUB_DIR=$CASE/compiled KIM_STUB_SCRIPT=$script "$KIM_RM" "$@" >"$CASE/compiled/stdout" \
		2>"$CASE/compiled/stderr"
	compiled_status=$?
	[ "$compiled_status" -eq "$shell_status" ] ||
		fail "exit status $compiled_status, tests/kim's $shell_status; stderr: $(cat "$CASE/compiled/stderr")"
	for file in stdout stderr store/kube-image calls; do
		if [ -e "$CASE/shell/$file" ] || [ -e "$CASE/compiled/$file" ]; then
			cmp -s "$CASE/shell/$file" "$CASE/compiled/$file" || fail "$file differs from tests/kim's:
$(diff "$CASE/shell/$file" "$CASE/compiled/$file")"
		fi
	done
}

# served ARGUMENTS...: a call kim_rm answers itself, as tests/kim does.
served()
{
	both "$CASE/refuse" "$@"
}

# handed_over ARGUMENTS...: a call tests/kim answers behind kim_rm, as it does alone.
handed_over()
{
	both "$STUB" "$@"
}

assert_removed_output()
{
	[ -s "$CASE/shell/stdout" ] || fail "tests/kim printed nothing: the case tests nothing"
	grep -q '^Deleted: sha256:' "$CASE/compiled/stdout" || fail "no Deleted line: $(cat "$CASE/compiled/stdout")"
}

# --- calls kim_rm answers --------------------------------------------------------------------

test_full_id_of_an_image_with_names()
{
	seed "$HEX_A" docker.io/library/app:v1 localhost/x/app:latest quay.io/org/app:2
	seed "$HEX_B" app:v2
	served image rm "$HEX_A"
	assert_removed_output
	grep -qx 'Untagged: app:v1' "$CASE/compiled/stdout" || fail "names are not shown as docker shows them"
}

test_prefix_as_the_workaround_removes_by()
{
	seed "$HEX_A" app:v1
	seed "$HEX_B" app:v2
	served image rm "$(printf '%.13s' "$HEX_B")"
	assert_removed_output
}

test_each_spelling_of_the_removal()
{
	seed "$HEX_A" app:v1
	seed "$HEX_B" app:v2
	served image remove "$HEX_A"
	assert_removed_output
	served rmi "$HEX_B"
	assert_removed_output
}

test_image_without_names_and_the_last_image()
{
	seed --digest-name docker.io/library/app:v1 "$HEX_A"
	served image rm "$HEX_A"
	assert_removed_output
	[ ! -s "$CASE/compiled/store/kube-image" ] || fail "the store is not empty"
}

test_store_lines_spaced_unevenly()
{
	printf '%s  2.58MB\t-   app:v1 \t docker.io/foo/bar:latest  \n\n%s 1MB - app:v2\n' "$HEX_A" "$HEX_B" \
		>"$CASE/seed/store/kube-image"
	served image rm "$HEX_B"
	assert_removed_output
}

test_with_latency()
{
	seed "$HEX_A" app:v1
	KIM_STUB_LATENCY=0.01
	export KIM_STUB_LATENCY
	served image rm "$HEX_A"
	assert_removed_output
}

# --- calls tests/kim answers behind it -------------------------------------------------------

test_prefix_of_several_images()
{
	seed "$HEX_A" app:v1
	seed "$HEX_AB" app:v2
	handed_over image rm aaaaaaaaaaaaa
	grep -q 'ambiguous' "$CASE/compiled/stderr" || fail "no ambiguity: $(cat "$CASE/compiled/stderr")"
}

test_hex_that_names_no_image()
{
	seed "$HEX_A" app:v1
	handed_over image rm "$HEX_C"
	assert_status_of_both 1
	handed_over image rm cafe
	assert_status_of_both 1
}

test_hex_that_is_a_name()
{
	seed "$HEX_A" cafe:latest app:v1
	handed_over image rm cafe
	grep -qx 'Untagged: cafe:latest' "$CASE/compiled/stdout" || fail "not untagged: $(cat "$CASE/compiled/stdout")"
}

test_references_and_global_flags()
{
	seed "$HEX_A" app:v1 app:v2
	handed_over image rm app:v1
	handed_over -n kube-image image rm "$HEX_A"
	handed_over image rm "$HEX_A" "$HEX_B"
	handed_over image ls -a --no-trunc --digests
	grep -q "$HEX_A" "$CASE/compiled/stdout" || fail "no listing: $(cat "$CASE/compiled/stdout")"
}

test_steering_files()
{
	seed "$HEX_A" app:v1
	echo "$HEX_A" >"$CASE/seed/in-use"
	handed_over image rm "$HEX_A"
	grep -q 'in use' "$CASE/compiled/stderr" || fail "not refused as in use: $(cat "$CASE/compiled/stderr")"
	rm "$CASE/seed/in-use"
	echo 3 >"$CASE/seed/fail-rm"
	handed_over image rm "$HEX_A"
	assert_status_of_both 3
}

test_bad_latency_and_inspection()
{
	seed "$HEX_A" app:v1
	KIM_STUB_LATENCY=soon
	export KIM_STUB_LATENCY
	handed_over image rm "$HEX_A"
	assert_status_of_both 1
	KIM_STUB_LATENCY=0
	KIM_STUB_INSPECT=1
	export KIM_STUB_INSPECT
	handed_over image rm "$HEX_A"
	[ ! -e "$CASE/compiled/calls" ] || fail "an inspection was logged"
}

assert_status_of_both()
{
	[ "$shell_status" -eq "$1" ] || fail "tests/kim exited $shell_status, expected $1: the case tests nothing"
}

for test in $(functions_named test); do
	run_test "$test" eval "setup && $test"
done
summary
