#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Integration tests: runs the built kimb against the stand-in kim (tests/kim) and checks its exit
# status, stdout, stderr, the kim calls it made and the images left in the stand-in's store. kimb
# reads the pods kim's images may be used by through the kubectl double (tests/kubectl), which
# answers with recorded listings (tests/fixtures/kubectl).
# Usage: tests/integration.sh ./kimb [PATTERN]   (PATTERN: an extended regular expression; only the
# tests whose names match it run). When ./kimb is a wrapper (make valgrind's), KIMB_UNWRAPPED names
# the binary it runs, for the test that runs kimb as another user from a copy it can reach.
# Each test is a function test_*, run in its own temporary directory with its own kim state
# (KIM_STUB_DIR), kubectl state (KUBECTL_STUB_DIR: no pods unless the test adds some), lock and
# state directories, and no other KIMB_* variable set.

set -u
LC_ALL=C
export LC_ALL
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=fixtures.sh
. "$(dirname "$0")/fixtures.sh"

suite_arguments "$@"
# Read now: each test runs with no KIMB_* variable of the caller's.
UNWRAPPED_KIMB=$KIMB
[ -z "${KIMB_UNWRAPPED:-}" ] || UNWRAPPED_KIMB=$(absolute "$KIMB_UNWRAPPED") || exit 2
STUB=$TESTS/kim
KUBECTL_STUB=$TESTS/kubectl
for program in "$KIMB" "$STUB" "$KUBECTL_STUB"; do
	if [ ! -x "$program" ]; then
		printf '%s: %s is not executable\n' "$0" "$program" >&2
		exit 2
	fi
done

R=localhost/whoami/web
# What kimb asks kubectl for: the pods and every kind of workload.
KUBECTL_KINDS=pods,replicationcontrollers,replicasets.apps,deployments.apps,statefulsets.apps,daemonsets.apps,jobs.batch,cronjobs.batch
CASE_LOGS='stdout stderr kim/calls kubectl/calls'

# --- helpers for the tests -------------------------------------------------------------------

run_kimb()
{
	run "$KIMB" "$@"
}

seed()
{
	"$STUB" --stub-seed "$@" || fail "could not seed: $*"
}

# The store of a namespace as sorted lines `IMAGE TAG ID` (ID without sha256:), read through
# `kim image ls -a --no-trunc` without logging the call.
store_rows()
{
	KIM_STUB_INSPECT=1 "$STUB" -n "${1:-kube-image}" image ls -a --no-trunc |
		awk 'NR > 1 { sub(/^sha256:/, "", $3); print $1, $2, $3 }' | sort
}

# The ID of the image listed as IMAGE TAG, in namespace $3 (default kube-image).
id_listed()
{
	store_rows "${3:-kube-image}" | awk -v image="$1" -v tag="$2" '$1 == image && $2 == tag { print $3 }'
}

calls_file()
{
	printf '%s/calls\n' "$KIM_STUB_DIR"
}

# The tag TAG of the last build call's `--tag REPOSITORY:TAG` for REPOSITORY $1 (the unique tag
# kimb gave that build), for a test where kimb may print nothing.
built_tag()
{
	grep "^'build' " "$(calls_file)" 2>/dev/null | tail -n 1 |
		sed -n "s|.* '--tag' '$1:\([^':]*\)' .*|\1|p"
}

# How many calls of a kind (build, list, rm, any) kimb made, in any of kim's spellings.
count_calls()
{
	case $1 in
	build) pattern="'build'" ;;
	list) pattern="'image' 'l(s|ist)'|'images'" ;;
	rm) pattern="'image' 'r(m|emove)'|'rmi'" ;;
	any) pattern='.' ;;
	esac
	if [ -e "$(calls_file)" ]; then
		grep -cE "$pattern" "$(calls_file)"
	else
		printf '0\n'
	fi
}

assert_calls()
{
	found=$(count_calls "$1")
	[ "$found" -eq "$2" ] || fail "$found $1 call(s) made, expected $2"
}

assert_call()
{
	grep -qxF -e "$1" "$(calls_file)" 2>/dev/null || fail "no call $1"
}

assert_no_call_with()
{
	! grep -qF -e "$1" "$(calls_file)" 2>/dev/null || fail "a call has $1: $(grep -F -e "$1" "$(calls_file)")"
}

# pod_runs IMAGE IMAGE_ID: kubectl lists one running pod (deployment_running).
pod_runs()
{
	deployment_running "$@" >"$KUBECTL_STUB_DIR/pods.json" || fail "cannot make the pods"
}

assert_no_calls()
{
	[ ! -s "$(calls_file)" ] || fail "kim was run: $(cat "$(calls_file)")"
}

# kubectl's calls are exactly the lines given, in order (as q quotes them).
assert_kubectl_calls()
{
	printf '%s\n' "$@" >"$CASE/expected-kubectl"
	cmp -s "$CASE/expected-kubectl" "$KUBECTL_STUB_DIR/calls" ||
		fail "kubectl calls are
$(cat "$KUBECTL_STUB_DIR/calls" 2>/dev/null)
expected
$(cat "$CASE/expected-kubectl")"
}

# Every call begins with the words PREFIX (as q quotes them).
assert_every_call_starts()
{
	awk -v prefix="$1 " 'substr($0, 1, length(prefix)) != prefix { bad++ } END { exit bad > 0 }' \
		"$(calls_file)" || fail "not every call begins with $1"
}

# The images left in namespace $2 (default kube-image) are exactly the lines `IMAGE TAG ID` of $1.
assert_store()
{
	assert_listing "store ${2:-kube-image} holds" "$1" "$(store_rows "${2:-kube-image}")"
}

# Waits (at most 10 s) for a file to appear.
wait_for_file()
{
	tries=0
	while [ ! -s "$1" ] && [ "$tries" -lt 100 ]; do
		sleep 0.1
		tries=$((tries + 1))
	done
	[ -s "$1" ]
}

# wait_bounded PID [SECONDS]: waits for a background kimb, killing it after SECONDS (default 20)
# as a guard against a hang; its status in $status.
wait_bounded()
{
	(
		trap 'kill "$sleeper"; wait "$sleeper"; exit' TERM
		sleep "${2:-20}" &
		sleeper=$!
		wait "$sleeper"
		kill -KILL "$1"
	) >/dev/null 2>&1 &
	watchdog=$!
	wait "$1"
	status=$?
	kill "$watchdog" 2>/dev/null
}

# stop_blocked [COMMAND]: a stub command (default build) that still blocks because kimb never passed
# a signal on: ended, so nothing lingers.
stop_blocked()
{
	if [ -s "$KIM_STUB_DIR/${1:-build}.pid" ] && [ ! -e "$KIM_STUB_DIR/${1:-build}.signal" ]; then
		kill -KILL "$(cat "$KIM_STUB_DIR/${1:-build}.pid")" 2>/dev/null
	fi
}

# start_blocked COMMAND KIMB-ARGUMENTS...: starts kimb in the background, its stdout and stderr in
# $CASE/stdout and $CASE/stderr, with the stub's COMMAND (build, list, rm) blocking, and waits until
# that command runs (later calls of it do not block, unless keep_blocking=yes); $kimb_pid is
# kimb's. Fails the test and returns 1 when it never does.
start_blocked()
{
	blocked=$1
	shift
	rm -f "$KIM_STUB_DIR/$blocked.pid" "$KIM_STUB_DIR/$blocked.signal"
	: >"$KIM_STUB_DIR/block-$blocked"
	before_run
	# A shell starts a background job with SIGINT and SIGQUIT ignored, which kimb would respect.
	env --default-signal=HUP,INT,QUIT,TERM "$KIMB" "$@" >"$CASE/stdout" 2>"$CASE/stderr" &
	kimb_pid=$!
	kimb_started=$kimb_pid
	if ! wait_for_file "$KIM_STUB_DIR/$blocked.pid"; then
		fail "the $blocked never started: $(cat "$CASE/stderr")"
		kill -KILL "$kimb_pid"
		wait "$kimb_pid"
		rm -f "$KIM_STUB_DIR/block-$blocked"
		return 1
	fi
	# Later calls of the command run, unless the test keeps them blocking too (keep_blocking=yes).
	[ "${keep_blocking:-}" = yes ] || rm -f "$KIM_STUB_DIR/block-$blocked"
	# In background mode the calls after the build are the detached child's: it is the one to signal.
	if in_background && [ "$blocked" != build ]; then
		kimb_pid=$(ps -o ppid= -p "$(cat "$KIM_STUB_DIR/$blocked.pid")" | tr -d ' ')
		if [ -z "$kimb_pid" ] || [ "$kimb_pid" = "$kimb_started" ]; then
			fail "the blocked $blocked is not the detached prune's: its parent is ${kimb_pid:-gone}"
		fi
	fi
}

# await_signalled: after start_blocked and a signal to $kimb_pid, waits for the kimb it started
# (wait_bounded) and, in background mode, for its detached child (after_run): $status is then the
# child's when kimb itself succeeded.
await_signalled()
{
	wait_bounded "$kimb_started"
	after_run
}

# The number of a signal's name (HUP, INT, QUIT, TERM).
signal_number()
{
	case $1 in
	HUP) echo 1 ;;
	INT) echo 2 ;;
	QUIT) echo 3 ;;
	TERM) echo 15 ;;
	esac
}

# build_r WORD: kimb builds R with --time-format=WORD.%s and succeeds, printing R:TAG alone, TAG
# made in a second of the run; $tag is TAG, $new the ID of the image it names.
build_r()
{
	run_kimb --time-format="$1.%s" -t "$R" ctx
	assert_status 0
	tag=$(printed_tag)
	assert_time_tag "$1" "$tag"
	assert_stdout "$R:$tag"
	new=$(id_listed "$R" "$tag")
}

# A usage error: exit 2, one line on stderr (mentioning $2 unless empty), nothing on stdout, no kim call.
assert_usage_error()
{
	what=$1
	word=$2
	shift 2
	rm -f "$(calls_file)"
	run "$@"
	[ "$status" -eq 2 ] || fail "$what: exit status $status, expected 2"
	lines=$(line_count "$CASE/stderr")
	[ "$lines" -eq 1 ] || fail "$what: $lines lines on stderr, expected 1: $(cat "$CASE/stderr")"
	grep -q '^kimb: ' "$CASE/stderr" || fail "$what: stderr does not begin with \"kimb: \""
	[ -z "$word" ] || grep -qF -e "$word" "$CASE/stderr" || fail "$what: stderr does not mention $word"
	[ ! -s "$CASE/stdout" ] || fail "$what: stdout is not empty"
	[ ! -s "$(calls_file)" ] || fail "$what: kim was run: $(cat "$(calls_file)")"
}

# --- the tests -------------------------------------------------------------------------------

test_stub_lists_like_kim()
{
	run "$STUB" build -t "$R:latest" ctx
	run "$STUB" image build -t "$R:latest" ctx
	run "$STUB" image ls
	old=$(id_listed "$R:latest" '<none>')
	new=$(id_listed "$R" latest)
	printf '%s\n' \
		'IMAGE                         TAG                 IMAGE ID            SIZE' \
		"$R          latest              $(printf %.13s "$new")       2.58MB" \
		"$R:latest   <none>              $(printf %.13s "$old")       2.58MB" >"$CASE/listing"
	cmp -s "$CASE/listing" "$CASE/stdout" || fail "listing is
$(cat "$CASE/stdout")
expected
$(cat "$CASE/listing")"
	run "$STUB" rmi "sha256:$old"
	[ "$status" -ne 0 ] || fail "kim rm sha256:ID succeeded"
	run "$STUB" image rm "$(printf %.13s "$old")" "$new"
	assert_status 0
	assert_store "$R latest $new"
}

test_done_when_two_builds_leave_one_image()
{
	run_kimb --time-format=first.%s -t "$R" ctx
	assert_status 0
	first_tag=$(printed_tag)
	assert_time_tag first "$first_tag"
	assert_stdout "$R:$first_tag"
	first=$(id_listed "$R" "$first_tag")
	run_kimb --time-format=second.%s -t "$R" ctx
	assert_status 0
	second_tag=$(printed_tag)
	assert_time_tag second "$second_tag"
	assert_stdout "$R:$second_tag"
	second=$(id_listed "$R" "$second_tag")
	[ "$first" != "$second" ] || fail "both builds made the same image"
	assert_store "$R latest $second
$R $second_tag $second"
	assert_call "$(q image rm "$first")"
	assert_calls rm 1
}

test_original_report_rows_removed()
{
	odd=813616d2279bb84a9cd246312085c1a2b94fa288c8dd8453b403ba1000000000
	current=11cb9ad2dda583f036c8df8aa4bdb7dcc9822e7b13c32b45873b9e2000000000
	seed --digest-name "$R:latest" "$odd"
	seed "$current" "$R:latest"
	run_kimb --time-format=one.%s -t "$R:latest" ctx
	assert_status 0
	one=$(printed_tag)
	assert_time_tag one "$one"
	assert_stdout "$R:$one"
	new=$(id_listed "$R" "$one")
	assert_store "$R latest $new
$R $one $new"
	assert_call "$(q image rm "$odd")"
	assert_call "$(q image rm "$current")"
	assert_calls rm 2
}

test_other_repositories_untouched()
{
	prior=$(id_of prior)
	admin=$(id_of admin)
	admin_odd=$(id_of admin-odd)
	x=$(id_of x)
	sub=$(id_of sub)
	registry=$(id_of registry)
	hub=$(id_of hub)
	seed "$prior" "$R:v1"
	seed "$admin" "$R-admin:v1"
	seed --digest-name "$R-admin:latest" "$admin_odd"
	seed "$x" "${R}x:latest"
	seed "$sub" "$R/sub:v1" "$R/sub:latest"
	seed "$registry" "localhost:5000/whoami/web:v1"
	seed "$hub" "whoami/web:v1"
	build_r one
	one=$tag
	assert_store "$R latest $new
$R $one $new
$R-admin v1 $admin
$R-admin:latest <none> $admin_odd
${R}x latest $x
$R/sub v1 $sub
$R/sub latest $sub
localhost:5000/whoami/web v1 $registry
whoami/web v1 $hub"
	assert_call "$(q image rm "$prior")"
	assert_calls rm 1
}

test_normalized_names_name_one_repository()
{
	old=$(id_of old)
	odd=$(id_of odd)
	other=$(id_of other)
	seed "$old" docker.io/library/myapp:v0
	seed --digest-name myapp:latest "$odd"
	seed "$other" foo/myapp:v1 localhost/myapp:v1 myapp-admin:v1
	run_kimb --time-format=one.%s -t docker.io/library/myapp -t myapp:v2 ctx
	assert_status 0
	one=$(printed_tag)
	assert_time_tag one "$one"
	assert_stdout "docker.io/library/myapp:$one"
	new=$(id_listed myapp "$one")
	assert_store "myapp latest $new
myapp $one $new
myapp v2 $new
foo/myapp v1 $other
localhost/myapp v1 $other
myapp-admin v1 $other"
	assert_calls rm 2
}

test_latest_elsewhere_and_new_image_kept()
{
	elsewhere=$(id_of elsewhere)
	prior=$(id_of prior)
	seed "$elsewhere" "$R:x1"
	seed "$prior" "$R:p1"
	# Another build lands between kimb's build and its listing and takes latest. A listing under
	# the build cannot see that (docs/safety.md): this is the listing after it, which a build that
	# names no image in its output gets.
	: >"$KIM_STUB_DIR/no-build-id"
	printf '%s %s\n' "$elsewhere" "$R:latest" >"$KIM_STUB_DIR/race-tag"
	build_r one
	one=$tag
	assert_store "$R latest $elsewhere
$R x1 $elsewhere
$R $one $new"
	assert_call "$(q image rm "$prior")"
	assert_calls rm 1
}

test_nameless_images_untouched()
{
	nameless=$(id_of nameless)
	hidden=$(id_of hidden)
	prior=$(id_of prior)
	seed "$nameless"
	seed --no-digest "$hidden" other:v1
	seed "$prior" "$R:p1"
	run_kimb --time-format=one.%s -t "$R" ctx
	assert_status 0
	one=$(printed_tag)
	assert_time_tag one "$one"
	new=$(id_listed "$R" "$one")
	assert_store "$R latest $new
$R $one $new
<none> <none> $nameless
other v1 $hidden"
	assert_calls rm 1
	assert_no_call_with "$nameless"
}

test_shared_image_only_untagged()
{
	shared=$(id_of shared)
	seed "$shared" "$R:old" "$R:older" other/app:v1
	build_r one
	one=$tag
	assert_store "$R latest $new
$R $one $new
other/app v1 $shared"
	assert_call "$(q image rm "$R:old")"
	assert_call "$(q image rm "$R:older")"
	assert_calls rm 2
	assert_no_call_with "$shared"
	assert_stderr_has untagged
}

# Issue 15, 4: an old image only the repositories built tag, given up by each, is removed by ID
# once, and reported once as removed with its bytes: untagged by each, it would go with the last
# untagging, counted as untagged. An image another repository tags is only untagged; one in use
# is untouched; a dry run says the same.
test_shared_only_between_built_repositories_removed_once()
{
	other=localhost/other/app
	third=localhost/third/x
	both=$(id_of both)
	three=$(id_of three)
	outside=$(id_of outside)
	busy=0000000000000000000000000000000000000000000000000000000000000001
	seed --size 2.58MB "$both" "$R:old" "$other:old"
	seed --size 1MB "$three" "$R:t" "$other:t" "$third:t"
	seed "$outside" "$R:o" "$other:o" localhost/fourth/y:v1
	seed "$busy" "$other:b" "$third:b"
	pod_runs "$other:b" "sha256:$busy"
	run_kimb --dry-run --time-format=one.%s -t "$R" -t "$other" -t "$third" ctx
	assert_status 0
	assert_stderr_has "would remove $both ($R:old, $other:old)"
	assert_stderr_has "would remove $three ($R:t, $other:t, $third:t)"
	assert_stderr_has "kimb: would remove 2 images (3.58 MB in image sizes, layers may be shared), untagged 2 shared, kept 2 in use"
	assert_calls rm 0
	assert_calls build 0
	run_kimb --json --time-format=two.%s -t "$R" -t "$other" -t "$third" ctx
	assert_status 0
	tag=$(built_tag "$R")
	new=$(id_listed "$R" "$tag")
	assert_store "$R latest $new
$R $tag $new
$other latest $new
$other $tag $new
$third latest $new
$third $tag $new
localhost/fourth/y v1 $outside
$other b $busy
$third b $busy"
	assert_call "$(q image rm "$both")"
	assert_call "$(q image rm "$three")"
	assert_call "$(q image rm "$R:o")"
	assert_call "$(q image rm "$other:o")"
	assert_calls rm 4
	assert_json '{x["id"]: (x["reason"], x["size_bytes"]) for x in d["repositories"][0]["removed"]}
		== {a[0]: ("replaced", 2580000), a[1]: ("replaced", 1000000)}' "$both" "$three"
	assert_json 'd["repositories"][1]["removed"] == [] and d["repositories"][2]["removed"] == []'
	assert_json '[x["id"] for r in d["repositories"] for x in r["untagged"]] == [a[0], a[0]]' "$outside"
	assert_json 'd["summary"] == {"removed": 2, "untagged": 2, "earlier_tags": 0, "kept_in_use": 2, "not_removed": 0,
		"removed_images_size_bytes": 3580000}'
}

# A joint removal the builder refuses is one failure, said once; the image keeps every tag.
test_a_refused_joint_removal_is_one_failure()
{
	other=localhost/other/app
	both=$(id_of both)
	seed "$both" "$R:old" "$other:old"
	printf '%s\n' "$both" >"$KIM_STUB_DIR/in-use"
	run_kimb --time-format=one.%s -t "$R" -t "$other" ctx
	assert_status 4
	tag=$(printed_tag)
	new=$(id_listed "$R" "$tag")
	assert_store "$R latest $new
$R $tag $new
$other latest $new
$other $tag $new
$R old $both
$other old $both"
	[ "$(grep -c "^kimb: .*$both" "$CASE/stderr")" -eq 1 ] || fail "the refused image is not named once: $(cat "$CASE/stderr")"
	assert_stderr_has "could not remove $both ($R:old, $other:old)"
	assert_stderr_has "kimb: removed 0 images, 1 not removed"
}

test_one_rm_call_per_image_by_full_id()
{
	many=$(id_of many)
	odd=$(id_of odd)
	plain=$(id_of plain)
	seed "$many" "$R:a" "$R:b" "$R:c"
	seed --digest-name "$R:latest" "$odd"
	seed --digest-name "$R" "$plain"
	run_kimb --time-format=one.%s -t "$R" ctx
	assert_status 0
	one=$(printed_tag)
	assert_time_tag one "$one"
	new=$(id_listed "$R" "$one")
	assert_store "$R latest $new
$R $one $new"
	assert_call "$(q image rm "$many")"
	assert_call "$(q image rm "$odd")"
	assert_call "$(q image rm "$plain")"
	assert_calls rm 3
	assert_no_call_with sha256:
}

# kim refuses to remove an image that no pod kimb knows of uses (a container outside Kubernetes):
# with kim, kimb knows what is in use from the pods, so this refusal is a failed removal (exit 4),
# and the other removals still happen.
test_in_use_image_refused_others_removed()
{
	# First in every order kimb could go in, so that the refusal comes before the other removals.
	busy=0000000000000000000000000000000000000000000000000000000000000001
	one=$(id_of one)
	two=$(id_of two)
	seed "$busy" "$R:a0"
	seed "$one" "$R:p1"
	seed "$two" "$R:p2"
	printf '%s\n' "$busy" >"$KIM_STUB_DIR/in-use"
	run_kimb --time-format=new.%s -t "$R" ctx
	assert_status 4
	new_tag=$(printed_tag)
	assert_time_tag new "$new_tag"
	assert_stdout "$R:$new_tag"
	new=$(id_listed "$R" "$new_tag")
	assert_store "$R latest $new
$R $new_tag $new
$R a0 $busy"
	assert_stderr_has "$(printf %.13s "$busy")"
	assert_stderr_has "could not remove $busy ($R:a0): $STUB exited with status 1"
	assert_stderr_has "not every image selected could be removed (see above)"
	assert_calls rm 3
}

# An image a pod's container runs (known by its imageID: the pod names a tag the image no longer
# has) is kept without a remove call; the other prior images go.
test_image_used_by_pod_kept_others_removed()
{
	busy=0000000000000000000000000000000000000000000000000000000000000001
	one=$(id_of one)
	two=$(id_of two)
	seed "$busy" "$R:a0"
	seed "$one" "$R:p1"
	seed "$two" "$R:p2"
	pod_runs "$R:v0" "sha256:$busy"
	build_r new
	new_tag=$tag
	assert_store "$R latest $new
$R $new_tag $new
$R a0 $busy"
	assert_stderr_has "kept $busy ($R:a0): in use by a container or pod"
	assert_no_call_with "$busy"
	assert_no_call_with "$R:a0"
	assert_call "$(q image rm "$one")"
	assert_call "$(q image rm "$two")"
	assert_calls rm 2
	assert_kubectl_calls "$(q get "$KUBECTL_KINDS" --all-namespaces --output=json)"
}

# seed_workload_images: the images of a cluster's workloads (workloads_naming), and one no pod or
# workload names: $rollback (the old ReplicaSet's, $R:a0), $idle (a Deployment scaled to 0, $R:z0),
# $cron (a CronJob between its Jobs, $R:c0), $running ($R:a1, its pod runs it) and $free ($R:p1).
seed_workload_images()
{
	rollback=$(id_of rollback)
	idle=$(id_of idle)
	cron=$(id_of cron)
	running=$(id_of running)
	free=$(id_of free)
	seed "$rollback" "$R:a0"
	seed "$idle" "$R:z0"
	seed "$cron" "$R:c0"
	seed "$running" "$R:a1"
	seed "$free" "$R:p1"
	workloads_naming "$R:a0" "$R:z0" "$R:c0" "$R:a1" "sha256:$running" >"$KUBECTL_STUB_DIR/pods.json" ||
		fail "cannot make the workloads"
}

# Issue 18, 1: the images workloads' pod templates name stay, though no pod runs them: the old
# ReplicaSet's (kubectl rollout undo returns to it), a Deployment's scaled to 0, a CronJob's
# between its Jobs. kubectl is asked once, for the pods and every kind of workload.
test_workloads_keep_the_images_their_pod_templates_name()
{
	seed_workload_images
	build_r new
	assert_store "$R a0 $rollback
$R a1 $running
$R c0 $cron
$R latest $new
$R $tag $new
$R z0 $idle"
	assert_stderr_has "kept $rollback ($R:a0): ReplicaSet apps/web-7d9c8b5f4's pod template names it"
	assert_stderr_has "kept $idle ($R:z0): Deployment apps/api's pod template names it"
	assert_stderr_has "kept $cron ($R:c0): CronJob batch/nightly's pod template names it"
	assert_stderr_has "kept $running ($R:a1): in use by a container or pod"
	assert_call "$(q image rm "$free")"
	assert_calls rm 1
	assert_kubectl_calls "$(q get "$KUBECTL_KINDS" --all-namespaces --output=json)"
}

# --json names the workload that keeps an image.
test_workloads_in_the_json_report()
{
	seed_workload_images
	run_kimb --json --time-format=one.%s -t "$R" ctx
	assert_status 0
	assert_json '[(k["reason"], k.get("workload")) for k in d["repositories"][0]["kept"] if k["id"] == a[0]] == [("named_by_workload", {"kind": "ReplicaSet", "namespace": "apps", "name": "web-7d9c8b5f4"})]' "$rollback"
	assert_json '[k["workload"]["kind"] for k in d["repositories"][0]["kept"] if k["id"] == a[0]] == ["CronJob"]' "$cron"
	assert_json '[k["reason"] for k in d["repositories"][0]["kept"] if k["id"] == a[0]] == ["in_use"]' "$running"
	assert_json 'd["summary"]["kept_in_use"] == 4'
}

# A cluster that forbids listing a kind of workload (RBAC) leaves kimb unable to tell what its pod
# templates name: nothing is removed, exit 3, and kimb names the kinds and the opt-out. With the
# opt-out (--skip-workloads, KIMB_SKIP_WORKLOADS) kubectl is not asked for them, and their images
# are not kept. Pods forbidden cannot be opted out of.
test_forbidden_workloads_remove_nothing_unless_skipped()
{
	seed_workload_images
	printf 'jobs.batch\ncronjobs.batch\n' >"$KUBECTL_STUB_DIR/forbid"
	run_kimb --time-format=one.%s -t "$R" ctx
	assert_status 3
	assert_stderr_lacks 'Error from server'
	assert_stderr_has "kimb: cannot read the pod templates of jobs, cronjobs (forbidden to list), whose images kimb keeps; nothing removed: let kubectl's user list them in all namespaces, or leave them out with --skip-workloads=jobs,cronjobs (or KIMB_SKIP_WORKLOADS=jobs,cronjobs), and their images are not kept"
	assert_calls rm 0
	[ "$(id_listed "$R" p1)" = "$free" ] || fail "the free image is gone"

	rm "$KUBECTL_STUB_DIR/calls"
	run_kimb --skip-workloads=cronjobs,jobs --time-format=two.%s -t "$R" ctx
	assert_status 0
	assert_kubectl_calls "$(q get pods,replicationcontrollers,replicasets.apps,deployments.apps,statefulsets.apps,daemonsets.apps --all-namespaces --output=json)"
	assert_stderr_has "kept $rollback ($R:a0): ReplicaSet apps/web-7d9c8b5f4's pod template names it"
	assert_call "$(q image rm "$free")"
	assert_call "$(q image rm "$cron")"

	seed "$cron" "$R:c0"
	run env KIMB_SKIP_WORKLOADS=jobs,cronjobs "$KIMB" --time-format=three.%s -t "$R" ctx
	assert_status 0
	[ -z "$(id_listed "$R" c0)" ] || fail "the CronJob's image stayed though cronjobs were skipped"

	printf 'pods\n' >"$KUBECTL_STUB_DIR/forbid"
	seed "$free" "$R:p1"
	run_kimb --skip-workloads=jobs,cronjobs --time-format=four.%s -t "$R" ctx
	assert_status 3
	assert_stderr_has "cannot list the pods and workloads that use images: $KIMB_KUBECTL exited with status 1 (Error from server (Forbidden): pods is forbidden"
	[ "$(id_listed "$R" p1)" = "$free" ] || fail "the free image is gone"
}

# A server that does not know a kind (an old cluster, no batch/v1 CronJob) answers nothing at all:
# kimb says which kind, removes nothing, and names the opt-out with the kinds skipped already.
test_unknown_workload_kind_removes_nothing_unless_skipped()
{
	seed_workload_images
	printf 'cronjobs.batch\n' >"$KUBECTL_STUB_DIR/unknown"
	run_kimb --skip-workloads=daemonsets --time-format=one.%s -t "$R" ctx
	assert_status 3
	assert_stderr_lacks "error: the server doesn't have a resource type"
	assert_stderr_has "kimb: cannot read the pod templates of cronjobs (unknown to the cluster), whose images kimb keeps; nothing removed: let kubectl's user list them in all namespaces, or leave them out with --skip-workloads=daemonsets,cronjobs (or KIMB_SKIP_WORKLOADS=daemonsets,cronjobs)"
	assert_calls rm 0
	run_kimb --skip-workloads=daemonsets,cronjobs --time-format=two.%s -t "$R" ctx
	assert_status 0
	assert_call "$(q image rm "$free")"
}

# A pod whose image is no valid reference (InvalidImageName: the API server takes it, kubelet does
# not) runs no image: it does not make the whole listing of pods unreadable. kimb says so once, and
# reads the others: the image the other pod runs is kept, the idle one removed.
test_pod_naming_an_invalid_reference_blocks_nothing()
{
	busy=0000000000000000000000000000000000000000000000000000000000000001
	idle=$(id_of idle)
	seed "$busy" "$R:a0"
	seed "$idle" "$R:p1"
	fixture_with kubectl/invalid-image-name.json localhost/whoami/web:20261201.154037 "$R:a0" \
		localhost/whoami/web@sha256:9d2637982d75730ffae0acc86d33d196adba379cc846d689564f9f62f263fe59 \
		"sha256:$busy" >"$KUBECTL_STUB_DIR/pods.json" || fail "cannot make the pods"
	build_r new
	assert_store "$R latest $new
$R $tag $new
$R a0 $busy"
	assert_stderr_has "1 pod container names an image that is no valid reference (default/broken-6f7c9d8b5-q8w4z: \"localhost/Whoami/Web:v1\"): kubelet cannot run it, so it keeps no image"
	[ "$(grep -c 'no valid reference' "$CASE/stderr")" -eq 1 ] || fail "not said once: $(cat "$CASE/stderr")"
	assert_stderr_has "kept $busy ($R:a0): in use by a container or pod"
	assert_call "$(q image rm "$idle")"
}

# A failed build exits 6 whatever kim's status was (4 and 1 are kimb's own statuses too), says
# kim's status, prints no reference, lists and removes nothing; --json says kim's status and names
# no reference.
test_failed_build_exits_6()
{
	prior=$(id_of prior)
	seed "$prior" "$R:p1"
	for kims in 7 4 1 ''; do
		printf '%s\n' "$kims" >"$KIM_STUB_DIR/fail-build"
		rm -f "$(calls_file)"
		run_kimb --time-format=one.%s -t "$R" ctx
		assert_status 6
		assert_stdout
		assert_stderr_has "kim build failed with status ${kims:-1}; nothing removed"
		assert_stderr_lacks "not every image"
		assert_calls build 1
		assert_listed_at_most_under_build
		assert_calls rm 0
	done
	printf '4\n' >"$KIM_STUB_DIR/fail-build"
	run_kimb --json --time-format=one.%s -t "$R" ctx
	assert_status 6
	assert_json 'd["exit_status"] == 6 and d["build"] == {"exit_status": 4, "signal": None}'
	assert_json 'd["repositories"][0]["reference"] is None and d["repositories"][0]["latest"] is None'
	assert_json 'd["new_id"] is None and d["summary"]["removed"] == 0'
	assert_store "$R p1 $prior"
	rm "$KIM_STUB_DIR/fail-build"
	run_kimb --json --time-format=two.%s -t "$R" ctx
	assert_status 0
	assert_json 'd["build"] == {"exit_status": 0, "signal": None}'
	run_kimb --json prune "$R"
	assert_status 0
	assert_json 'd["build"] is None'
}

test_failed_listing_exits_3()
{
	prior=$(id_of prior)
	seed "$prior" "$R:p1"
	: >"$KIM_STUB_DIR/fail-list"
	run_kimb --time-format=one.%s -t "$R" ctx
	assert_status 3
	one=$(built_tag "$R")
	assert_time_tag one "$one"
	[ ! -s "$CASE/stdout" ] || [ "$(cat "$CASE/stdout")" = "$R:$one" ] ||
		fail "stdout holds more than the result: $(cat "$CASE/stdout")"
	assert_calls list 1
	assert_calls rm 0
	new=$(id_listed "$R" "$one")
	assert_store "$R latest $new
$R $one $new
$R p1 $prior"
}

test_garbled_listing_exits_3()
{
	prior=$(id_of prior)
	seed "$prior" "$R:p1"
	: >"$KIM_STUB_DIR/garble-list"
	run_kimb --time-format=one.%s -t "$R" ctx
	assert_status 3
	one=$(built_tag "$R")
	assert_time_tag one "$one"
	assert_stderr_has "cannot read the image listing"
	assert_stderr_has "line 3"
	assert_calls list 1
	assert_calls rm 0
	assert_store "$R $one $(id_listed "$R" "$one")
$R latest $(id_listed "$R" "$one")
$R p1 $prior"
}

test_global_flags_on_every_call()
{
	prior_default=$(id_of prior-default)
	prior_ns1=$(id_of prior-ns1)
	seed "$prior_default" "$R:p1"
	seed -n ns1 "$prior_ns1" "$R:p1"
	run_kimb -n ns1 --time-format=one.%s -t "$R" ctx
	assert_status 0
	one=$(printed_tag)
	assert_time_tag one "$one"
	assert_stdout "$R:$one"
	assert_call "$(q -n ns1 build -t "$R" --tag "$R:$one" -- ctx)"
	assert_call "$(q -n ns1 image ls -a --no-trunc --digests)"
	assert_call "$(q -n ns1 image rm "$prior_ns1")"
	assert_calls any 3
	assert_kubectl_calls "$(q get "$KUBECTL_KINDS" --all-namespaces --output=json)"
	new=$(id_listed "$R" "$one" ns1)
	assert_store "$R latest $new
$R $one $new" ns1
	assert_store "$R p1 $prior_default"

	prior_ns2=$(id_of prior-ns2)
	seed -n ns2 "$prior_ns2" "$R:p1"
	rm -f "$(calls_file)" "$KUBECTL_STUB_DIR/calls"
	# kimb reads the pods through kim's kubeconfig, and kubectl fails on one that does not exist.
	: >kube.conf
	run_kimb --time-format=one.%s -t "$R" ctx --namespace=ns2 -k kube.conf --debug -x other --debug-level 3
	assert_status 0
	one=$(printed_tag)
	assert_time_tag one "$one"
	assert_stdout "$R:$one"
	globals=$(q --namespace=ns2 -k kube.conf --debug -x other --debug-level 3)
	assert_every_call_starts "$globals"
	assert_call "$globals $(q build -t "$R" --tag "$R:$one" -- ctx)"
	assert_call "$globals $(q image rm "$prior_ns2")"
	assert_calls any 3
	assert_kubectl_calls "$(q --kubeconfig=kube.conf --context=other get "$KUBECTL_KINDS" --all-namespaces --output=json)"
	new=$(id_listed "$R" "$one" ns2)
	assert_store "$R latest $new
$R $one $new" ns2

	prior_ns3=$(id_of prior-ns3)
	seed -n ns3 "$prior_ns3" "$R:p1"
	rm -f "$(calls_file)" "$KUBECTL_STUB_DIR/calls"
	run_kimb -nns3 --kubeconfig=kube.conf --time-format=one.%s -t "$R" ctx
	assert_status 0
	assert_every_call_starts "$(q -nns3 --kubeconfig=kube.conf)"
	assert_call "$(q -nns3 --kubeconfig=kube.conf image rm "$prior_ns3")"
	assert_calls any 3
	assert_kubectl_calls "$(q --kubeconfig=kube.conf get "$KUBECTL_KINDS" --all-namespaces --output=json)"
	assert_store "$R p1 $prior_default"
}

test_build_flags_reach_build_unchanged()
{
	mkdir -- -ctx
	run_kimb --time-format=one.%s -f x -fy --file=z --build-arg A=1 --build-arg B=2 -q --no-cache \
		--progress=plain --label l=1 -t "$R" -- -ctx
	assert_status 0
	one=$(printed_tag)
	assert_time_tag one "$one"
	assert_stdout "$R:$one"
	assert_call "$(q build -f x -fy --file=z --build-arg A=1 --build-arg B=2 -q --no-cache \
		--progress=plain --label l=1 -t "$R" --tag "$R:$one" -- -ctx)"

	rm -f "$(calls_file)"
	run_kimb ctx --time-format=two.%s -t "$R" --no-cache --target=final --add-host h:1.2.3.4 --pull --squash
	assert_status 0
	two=$(printed_tag)
	assert_time_tag two "$two"
	assert_stdout "$R:$two"
	assert_call "$(q build -t "$R" --no-cache --target=final --add-host h:1.2.3.4 --pull --squash \
		--tag "$R:$two" -- ctx)"
}

test_tag_spellings_name_repositories()
{
	run_kimb --time-format=one.%s -t a -tb -t=c --tag d --tag=e -qtf ctx
	assert_status 0
	one=$(printed_tag)
	assert_time_tag one "$one"
	assert_stdout "a:$one" "b:$one" "c:$one" "d:$one" "e:$one" "f:$one"
	assert_call "$(q build -t a -tb -t=c --tag d --tag=e -qtf --tag "a:$one" --tag "b:$one" --tag "c:$one" \
		--tag "d:$one" --tag "e:$one" --tag "f:$one" -- ctx)"
}

test_tag_without_tag_means_latest()
{
	run_kimb --time-format=one.%s -t "$R" ctx
	assert_status 0
	one=$(printed_tag)
	assert_time_tag one "$one"
	assert_no_call_with "$R:latest"
	new=$(id_listed "$R" "$one")
	assert_store "$R latest $new
$R $one $new"

	rm -f "$(calls_file)"
	run_kimb --time-format=two.%s -t "$R:latest" ctx
	assert_status 0
	[ "$(grep -o ':latest' "$(calls_file)" | wc -l)" -eq 1 ] || fail "latest named twice: $(cat "$(calls_file)")"

	rm -f "$(calls_file)"
	run_kimb --time-format=three.%s -t "$R:v1" ctx
	assert_status 0
	three=$(printed_tag)
	assert_time_tag three "$three"
	assert_call "$(q build -t "$R:v1" --tag "$R:$three" --tag "$R:latest" -- ctx)"
	new=$(id_listed "$R" "$three")
	assert_store "$R latest $new
$R $three $new
$R v1 $new"
}

test_two_repositories_in_order()
{
	old_b=$(id_of old-b)
	old_a=$(id_of old-a)
	seed "$old_b" localhost/b:v0
	seed "$old_a" localhost/a:v0
	run_kimb --time-format=one.%s -t localhost/b -t localhost/a:v1 -t localhost/b:v2 ctx
	assert_status 0
	one=$(printed_tag)
	assert_time_tag one "$one"
	assert_stdout "localhost/b:$one" "localhost/a:$one"
	new=$(id_listed localhost/b "$one")
	assert_store "localhost/b latest $new
localhost/b $one $new
localhost/b v2 $new
localhost/a latest $new
localhost/a $one $new
localhost/a v1 $new"
	assert_calls rm 2
}

# Issue 19: a typo of one of kimb's options is caught before kim runs, even with its value attached,
# and named; a flag far from them still reaches the build.
test_typos_of_kimb_options_are_usage_errors()
{
	assert_usage_error "--dryrun" "unknown option --dryrun: did you mean --dry-run?" "$KIMB" --dryrun -t "$R" ctx
	assert_usage_error "--kep=2" "unknown option --kep: did you mean --keep?" "$KIMB" --kep=2 -t "$R" ctx
	assert_usage_error "prune --jbos=2" "unknown option for prune: --jbos; did you mean --jobs?" "$KIMB" prune --jbos=2 "$R"
	assert_usage_error "-dryrun" "unknown option: -d in -dryrun; did you mean --dry-run?" "$KIMB" -dryrun -t "$R" ctx
	# kim refuses it, but kim, not kimb, judges it
	run_kimb --newer-flag=x -t "$R" ctx
	assert_status 6
	grep -qF "'build' '--newer-flag=x'" "$(calls_file)" || fail "--newer-flag=x did not reach the build"
}

# Issue 19: a build context that does not exist is named as such, not as a --scheme never given.
test_missing_build_context_is_named()
{
	assert_usage_error "missing context" "the build context no-such-ctx: No such file or directory; name the directory to build (PATH)" \
		"$KIMB" -t "$R" no-such-ctx
	grep -q -e --scheme "$CASE/stderr" && fail "a --scheme never given is named: $(cat "$CASE/stderr")"
	: >file
	assert_usage_error "file as context" "the build context file is not a directory" "$KIMB" -t "$R" file
}

test_usage_errors_run_no_kim()
{
	mkdir ctx2
	assert_usage_error "no PATH" "" "$KIMB" -t "$R"
	assert_usage_error "two PATHs" "" "$KIMB" -t "$R" ctx ctx2
	assert_usage_error "no -t" "" "$KIMB" ctx
	assert_usage_error "unknown option" --bogus "$KIMB" --bogus -t "$R" ctx
	assert_usage_error "unknown short flag" "" "$KIMB" -z -t "$R" ctx
	assert_usage_error "--keep=-1" keep "$KIMB" --keep=-1 -t "$R" ctx
	assert_usage_error "--keep=x" keep "$KIMB" --keep=x -t "$R" ctx
	assert_usage_error "--keep without a value" keep "$KIMB" -t "$R" ctx --keep
	assert_usage_error "--scheme=bogus" bogus "$KIMB" --scheme=bogus -t "$R" ctx
	assert_usage_error "upper case repository" app/UPPER "$KIMB" -t app/UPPER ctx
	assert_usage_error "upper case name" Upper "$KIMB" -t Upper ctx
	assert_usage_error "invalid tag" "$R:a%b" "$KIMB" -t "$R:a%b" ctx
	assert_usage_error "time format making an invalid tag" "" "$KIMB" --time-format=%H:%M -t "$R" ctx
	assert_usage_error "KIMB_KEEP=x" KIMB_KEEP env KIMB_KEEP=x "$KIMB" -t "$R" ctx
	assert_usage_error "KIMB_SCHEME=bogus" KIMB_SCHEME env KIMB_SCHEME=bogus "$KIMB" -t "$R" ctx
	assert_usage_error "prune without repository" "" "$KIMB" prune
	assert_usage_error "prune with a tag" "" "$KIMB" prune "$R:v1"
	assert_usage_error "prune --no-prune" "" "$KIMB" prune --no-prune "$R"
	assert_usage_error "prune --scheme" "" "$KIMB" prune --scheme=time "$R"
	assert_usage_error "prune with a build flag" "" "$KIMB" prune --no-cache "$R"
}

# git_tag_of DIR: runs kimb --scheme=git on DIR and sets $tag to the tag it printed, failing the test
# when kimb failed or git status does not agree on whether the tree is clean (git status --porcelain
# prints nothing) or dirty (the tag ends with -dirty. and 7 hex digits).
git_tag_of()
{
	run_kimb --scheme=git -t "$R" "$1"
	assert_status 0
	tag=$(printed_tag)
	changes=$(git -C "$1" status --porcelain | wc -l)
	case $tag in
	*-dirty.[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]) [ "$changes" -gt 0 ] ||
		fail "tag $tag for a tree git status finds clean" ;;
	*) [ "$changes" -eq 0 ] || fail "tag $tag for a tree where git status finds $changes changes" ;;
	esac
}

# --scheme=git on a work tree git itself keeps (its index written by git, racily clean files and
# all): HEAD's abbreviated ID while the tree is clean, an ignored file included; once a tracked file
# changes or an untracked file appears, -dirty. and a hash of the changes, the same for the same
# changes (staged or not) and another for others.
test_git_tag_follows_the_work_tree()
{
	mkdir repo || exit 1
	printf 'hello\n' >repo/README || exit 1
	printf '*.log\n' >repo/.gitignore || exit 1
	if ! { git -C repo init -q && git -C repo add README .gitignore &&
		git -C repo -c user.name=kimb-tests -c user.email=kimb-tests@example.invalid -c commit.gpgsign=false \
			commit -q -m "the build context"; } >"$CASE/git.log" 2>&1; then
		fail "cannot make the git work tree: $(cat "$CASE/git.log")"
		return
	fi
	head=$(git -C repo rev-parse --short HEAD)
	git_tag_of repo
	[ "$tag" = "$head" ] || fail "the clean tree's tag is $tag, not $head"
	printf 'ignored\n' >repo/build.log
	git_tag_of repo
	[ "$tag" = "$head" ] || fail "an ignored file made the tag $tag"
	printf 'HELLO\n' >repo/README
	git_tag_of repo
	changed=$tag
	case $changed in "$head"-dirty.*) ;; *) fail "the changed tree's tag is $changed" ;; esac
	git_tag_of repo
	[ "$tag" = "$changed" ] || fail "the same change gave $tag, then $changed"
	git -C repo add README || exit 1
	git_tag_of repo
	[ "$tag" = "$changed" ] || fail "staging the change made the tag $tag"
	printf 'notes\n' >repo/notes
	git_tag_of repo
	[ "$tag" != "$changed" ] || fail "an untracked file left the tag as it was"
	rm repo/notes || exit 1
	git -C repo reset -q --hard || exit 1
	git_tag_of repo
	[ "$tag" = "$head" ] || fail "the tree back as committed is tagged $tag, not $head"
}

# git_commit DIR MESSAGE [FLAG...]: commits what is staged in the work tree DIR.
git_commit()
{
	directory=$1
	message=$2
	shift 2
	git -C "$directory" -c user.name=kimb-tests -c user.email=kimb-tests@example.invalid \
		-c commit.gpgsign=false commit -q -m "$message" "$@" >>"$CASE/git.log" 2>&1 ||
		fail "cannot commit in $directory: $(cat "$CASE/git.log")"
}

# git_repository DIR: a work tree DIR whose one commit holds the file a.
git_repository()
{
	if mkdir "$1" && printf 'a of %s\n' "$1" >"$1/a" && git -C "$1" init -q && git -C "$1" add a; then
		git_commit "$1" "$1"
	else
		fail "cannot make the git work tree $1"
	fi
}

# Issue 15: submodules as git makes them (their .git a file naming the superproject's
# .git/modules), and a repository nested in the work tree, count with their content: a clone with
# its submodules checked out is clean; a change in a submodule, a new commit of a nested
# repository, are other tags; a clone without its submodules, whose build lacks their files, is
# dirty though git status finds it clean.
test_git_tag_follows_submodules_and_nested_repositories()
{
	git_repository lib
	git_repository repo
	git -C repo -c protocol.file.allow=always submodule -q add ../lib lib >>"$CASE/git.log" 2>&1 ||
		fail "cannot add the submodule: $(cat "$CASE/git.log")"
	git_commit repo "with lib"
	head=$(git -C repo rev-parse --short HEAD)
	git_tag_of repo
	[ "$tag" = "$head" ] || fail "the tree with its submodule checked out is tagged $tag, not $head"
	git -c protocol.file.allow=always clone -q --recurse-submodules repo complete >>"$CASE/git.log" 2>&1 ||
		fail "cannot clone: $(cat "$CASE/git.log")"
	git_tag_of complete
	[ "$tag" = "$head" ] || fail "a clone with its submodules is tagged $tag, not $head"
	printf 'changed\n' >complete/lib/a
	git_tag_of complete
	changed=$tag
	case $changed in "$head"-dirty.*) ;; *) fail "a changed submodule is tagged $changed" ;; esac
	git -C complete/lib checkout -q a || fail "cannot undo the change"
	git_commit complete/lib "moved on" --allow-empty
	git_tag_of complete
	case $tag in "$head"-dirty.*) [ "$tag" != "$changed" ] || fail "two submodule states are tagged $tag" ;;
	*) fail "a submodule at another commit is tagged $tag" ;; esac

	git clone -q repo bare-clone >>"$CASE/git.log" 2>&1 || fail "cannot clone: $(cat "$CASE/git.log")"
	run_kimb --scheme=git -t "$R" bare-clone
	assert_status 0
	case $(printed_tag) in "$head"-dirty.*) ;; *) fail "a clone without its submodules is tagged $(printed_tag)" ;; esac

	git_repository repo/nested
	git_tag_of repo
	nested=$tag
	case $nested in "$head"-dirty.*) ;; *) fail "a nested repository left the tag $nested" ;; esac
	git_commit repo/nested "second" --allow-empty
	git_tag_of repo
	[ "$tag" != "$nested" ] || fail "two commits of a nested repository are both tagged $tag"
}

# mono_tag SCHEME CONTEXT [FLAG...]: runs kimb --scheme=SCHEME on CONTEXT of the monorepo and sets
# $tag to the tag it printed.
mono_tag()
{
	scheme=$1
	shift
	run_kimb --scheme="$scheme" -t "$R" "$@"
	assert_status 0
	tag=$(printed_tag)
}

# Issue 18: in a monorepo a git tag is dirty only when what the build reads differs from HEAD (the
# context less what .dockerignore leaves out, a Dockerfile outside it, nested repositories in it);
# --scheme=tree gives svc-a the same tag across commits that touched only svc-b.
test_git_tags_of_a_monorepo()
{
	mkdir -p mono/svc-a mono/svc-b mono/docker || exit 1
	printf 'FROM scratch\n' >mono/svc-a/Dockerfile
	printf 'a\n' >mono/svc-a/app
	printf '*.md\n' >mono/svc-a/.dockerignore
	printf 'b\n' >mono/svc-b/notes.txt
	printf 'FROM scratch\n' >mono/docker/a.Dockerfile
	{ git -C mono init -q && git -C mono add . ; } >>"$CASE/git.log" 2>&1 || fail "cannot make the monorepo"
	git_commit mono "two services"
	head=$(git -C mono rev-parse --short HEAD)
	tree=$(git -C mono rev-parse --short HEAD:svc-a)

	printf 'edited\n' >mono/svc-b/notes.txt
	printf 'untracked\n' >mono/svc-b/new
	mono_tag git mono/svc-a
	[ "$tag" = "$head" ] || fail "editing svc-b made svc-a's tag $tag, not $head"
	mono_tag git mono/svc-b
	case $tag in "$head"-dirty.*) ;; *) fail "svc-b's own edit left its tag $tag" ;; esac
	mono_tag tree mono/svc-a
	[ "$tag" = "$tree" ] || fail "svc-a's tree tag is $tag, not $tree"

	git -C mono add svc-b || exit 1
	git_commit mono "svc-b only"
	[ "$(git -C mono rev-parse --short HEAD)" != "$head" ] || fail "no new commit"
	mono_tag tree mono/svc-a
	[ "$tag" = "$tree" ] || fail "a commit of svc-b made svc-a's tree tag $tag, not $tree"
	head=$(git -C mono rev-parse --short HEAD)

	printf 'ignored by the build\n' >mono/svc-a/notes.md
	mono_tag git mono/svc-a
	[ "$tag" = "$head" ] || fail "a file .dockerignore leaves out made the tag $tag"
	mono_tag tree mono/svc-a
	[ "$tag" = "$tree" ] || fail "a file .dockerignore leaves out made the tree tag $tag"
	printf 'a changed\n' >mono/svc-a/app
	mono_tag tree mono/svc-a
	case $tag in "$tree"-dirty.*) ;; *) fail "an edit of svc-a left its tree tag $tag" ;; esac
	git -C mono checkout -q svc-a/app || exit 1

	printf 'FROM other\n' >mono/docker/a.Dockerfile
	mono_tag git mono/svc-a
	[ "$tag" = "$head" ] || fail "a Dockerfile the build does not read made the tag $tag"
	mono_tag git mono/svc-a -f mono/docker/a.Dockerfile
	case $tag in "$head"-dirty.*) ;; *) fail "an edit of the Dockerfile -f names left the tag $tag" ;; esac
	git -C mono checkout -q docker || exit 1

	git_repository mono/svc-b/nested
	mono_tag git mono/svc-a
	[ "$tag" = "$head" ] || fail "a repository nested in svc-b made svc-a's tag $tag"
	git_repository mono/svc-a/nested
	mono_tag git mono/svc-a
	case $tag in "$head"-dirty.*) ;; *) fail "a repository nested in svc-a left its tag $tag" ;; esac
}

# --scheme=tree where git cannot tell: a usage error, not the CI's commit nor the time.
test_tree_scheme_needs_a_commit()
{
	mkdir plain || exit 1
	run env GITHUB_SHA=0123456789abcdef0123456789abcdef01234567 "$KIMB" --scheme=tree -t "$R" plain
	assert_status 2
	grep -q -- "--scheme=tree" "$CASE/stderr" || fail "no reason: $(cat "$CASE/stderr")"
	[ "$(count_calls build)" -eq 0 ] || fail "kimb built"
}

# Issue 15: a fresh clone of a repository with a filter driver (as git-lfs sets one up, its work
# tree holding what the smudge command made) is clean, its racily clean files read through the
# clean command as git reads them; a change is a change.
test_git_tag_of_a_clone_with_a_filter_driver()
{
	mkdir filtered && printf '*.dat filter=upper\n' >filtered/.gitattributes && printf 'hello\n' >filtered/a.dat ||
		exit 1
	if git -C filtered init -q && git -C filtered config filter.upper.clean 'tr a-z A-Z' &&
		git -C filtered config filter.upper.smudge 'tr A-Z a-z' && git -C filtered add .; then
		git_commit filtered "filtered"
	else
		fail "cannot make the git work tree"
	fi
	[ "$(git -C filtered cat-file -p HEAD:a.dat)" = HELLO ] || fail "the clean command did not run"
	git clone -q -c filter.upper.clean='tr a-z A-Z' -c filter.upper.smudge='tr A-Z a-z' filtered clone \
		>>"$CASE/git.log" 2>&1 || fail "cannot clone: $(cat "$CASE/git.log")"
	[ "$(cat clone/a.dat)" = hello ] || fail "the smudge command did not run"
	# Racily clean whatever the clock did: the index as old as the file.
	touch -r clone/a.dat clone/.git/index || exit 1
	head=$(git -C clone rev-parse --short HEAD)
	git_tag_of clone
	[ "$tag" = "$head" ] || fail "the fresh clone is tagged $tag, not $head"
	printf 'jello\n' >clone/a.dat
	git_tag_of clone
	case $tag in "$head"-dirty.*) ;; *) fail "the changed clone is tagged $tag" ;; esac
}

# sparse_checkout REPOSITORY DIR: a clone of REPOSITORY in DIR with the directory more alone checked out.
sparse_checkout()
{
	if git clone -q --no-checkout "$1" "$2" >>"$CASE/git.log" 2>&1 &&
		git -C "$2" sparse-checkout set --no-cone /more/ >>"$CASE/git.log" 2>&1 && git -C "$2" checkout -q >>"$CASE/git.log" 2>&1; then
		[ ! -e "$2/a" ] || fail "the sparse checkout $2 holds a"
	else
		fail "cannot make a sparse checkout: $(cat "$CASE/git.log")"
	fi
}

# Issue 15: work trees git makes for CI and large repositories. A shallow clone (the usual CI
# checkout) gets HEAD's tag, and --scheme=describe, which libgit2 cannot walk there, says what to do;
# a sparse checkout, whose build lacks the files it leaves out, is not HEAD's content: dirty, the
# same for the same files left out.
test_git_tags_of_shallow_and_sparse_clones()
{
	git_repository repo
	mkdir repo/more && printf 'more\n' >repo/more/b && git -C repo add more || exit 1
	git_commit repo "more"
	git -C repo tag v1 HEAD~1 || exit 1
	head=$(git -C repo rev-parse --short HEAD)
	git clone -q --depth 1 "file://$PWD/repo" shallow >>"$CASE/git.log" 2>&1 || fail "cannot clone: $(cat "$CASE/git.log")"
	git_tag_of shallow
	[ "$tag" = "$head" ] || fail "the shallow clone is tagged $tag, not $head"
	assert_usage_error "describe in a shallow clone" "git fetch --unshallow --tags" \
		"$KIMB" --scheme=describe -t "$R" shallow
	sparse_checkout repo sparse
	run_kimb --scheme=git -t "$R" sparse
	assert_status 0
	sparse_tag=$(printed_tag)
	case $sparse_tag in "$head"-dirty.*) ;; *) fail "the sparse checkout is tagged $sparse_tag" ;; esac
	sparse_checkout repo sparse-again
	run_kimb --scheme=git -t "$R" sparse-again
	assert_status 0
	[ "$(printed_tag)" = "$sparse_tag" ] || fail "two sparse checkouts of the same files: $sparse_tag, $(printed_tag)"
}

test_environment_honoured_and_overridden()
{
	# KIMB_SCHEME=git cannot tag a directory outside git; --scheme=time overrides it.
	run env KIMB_SCHEME=git "$KIMB" --time-format=one.%s -t "$R" ctx
	[ "$status" -ne 0 ] || fail "KIMB_SCHEME=git ignored: built $(cat "$CASE/stdout")"
	assert_calls build 0
	run env KIMB_SCHEME=git "$KIMB" --scheme=time --time-format=one.%s -t "$R" ctx
	assert_status 0
	one=$(printed_tag)
	assert_time_tag one "$one"
	assert_stdout "$R:$one"

	for ns in keep-env keep-option; do
		seed -n "$ns" "$(id_of "$ns-1")" "$R:20240101.000000"
		seed -n "$ns" "$(id_of "$ns-2")" "$R:20240102.000000"
	done
	# The default time format: --keep only keeps images whose tags parse with the current format.
	run env KIMB_KEEP=1 "$KIMB" -n keep-env -t "$R" ctx
	assert_status 0
	tag=$(sed 's/.*://' "$CASE/stdout")
	new=$(id_listed "$R" "$tag" keep-env)
	assert_store "$R latest $new
$R $tag $new
$R 20240102.000000 $(id_of keep-env-2)" keep-env
	run env KIMB_KEEP=1 "$KIMB" -n keep-option --keep=0 -t "$R" ctx
	assert_status 0
	tag=$(sed 's/.*://' "$CASE/stdout")
	new=$(id_listed "$R" "$tag" keep-option)
	assert_store "$R latest $new
$R $tag $new" keep-option
}

test_no_prune_builds_only()
{
	prior=$(id_of prior)
	seed "$prior" "$R:p1"
	run_kimb --no-prune --time-format=one.%s -t "$R" ctx
	assert_status 0
	one=$(printed_tag)
	assert_time_tag one "$one"
	assert_stdout "$R:$one"
	assert_calls build 1
	assert_calls any 1
	new=$(id_listed "$R" "$one")
	assert_store "$R latest $new
$R $one $new
$R p1 $prior"
}

# Seeds namespace $1 with images of R tagged by time, one that does not parse, and a <none> row.
seed_time_tagged()
{
	seed -n "$1" "$(id_of old1)" "$R:20240101.000000"
	seed -n "$1" "$(id_of old2)" "$R:20240102.000000"
	seed -n "$1" "$(id_of old3)" "$R:20240103.000000"
	seed -n "$1" "$(id_of weird)" "$R:weird"
	seed -n "$1" --digest-name "$R:latest" "$(id_of odd)"
}

test_keep_newest_prior_images()
{
	seed_time_tagged keep1
	run_kimb -n keep1 --keep=1 -t "$R" ctx
	assert_status 0
	grep -qx "$R:[0-9]\{8\}\.[0-9]\{6\}" "$CASE/stdout" || fail "unexpected stdout: $(cat "$CASE/stdout")"
	tag=$(sed 's/.*://' "$CASE/stdout")
	new=$(id_listed "$R" "$tag" keep1)
	assert_store "$R latest $new
$R $tag $new
$R 20240103.000000 $(id_of old3)" keep1
	assert_calls rm 4

	seed_time_tagged keep2
	run_kimb -n keep2 --keep 2 -t "$R" ctx
	assert_status 0
	tag=$(sed 's/.*://' "$CASE/stdout")
	new=$(id_listed "$R" "$tag" keep2)
	assert_store "$R latest $new
$R $tag $new
$R 20240102.000000 $(id_of old2)
$R 20240103.000000 $(id_of old3)" keep2

	seed_time_tagged keep9
	run_kimb -n keep9 --keep=9 -t "$R" ctx
	assert_status 0
	tag=$(sed 's/.*://' "$CASE/stdout")
	new=$(id_listed "$R" "$tag" keep9)
	assert_store "$R latest $new
$R $tag $new
$R 20240101.000000 $(id_of old1)
$R 20240102.000000 $(id_of old2)
$R 20240103.000000 $(id_of old3)" keep9
}

# Issue 18, 3: `kimb -t R:v1` then `kimb -t R` kept v1 only with --protect: a tag a glob matches
# stays, and so does its image, with every other tag it has; KIMB_PROTECT gives globs
# comma-separated, for prune too.
test_protect_keeps_a_tag_and_its_image()
{
	run_kimb --time-format=one.%s -t "$R:v1" ctx
	assert_status 0
	v1=$(id_listed "$R" v1)
	first=$(printed_tag)
	release=$(id_of release)
	plain=$(id_of plain)
	seed "$release" "$R:release-2"
	seed "$plain" "$R:plain"
	run_kimb --time-format=one.%s --protect='v*' --protect 'release-*' -t "$R" ctx
	assert_status 0
	second=$(printed_tag)
	new=$(id_listed "$R" "$second")
	assert_store "$R latest $new
$R $second $new
$R v1 $v1
$R $first $v1
$R release-2 $release"
	assert_stderr_has "kept $v1 ($R:v1, $R:$first): $R:v1 matches --protect=v*"
	assert_stderr_has "kept $release ($R:release-2): $R:release-2 matches --protect=release-*"
	assert_no_call_with "$v1"
	assert_no_call_with "$release"
	assert_calls rm 1

	run env KIMB_PROTECT='x*,release-*' "$KIMB" --json prune "$R"
	assert_status 0
	assert_store "$R latest $new
$R $second $new
$R release-2 $release"
	python3 - "$CASE/stdout" "$release" <<'PY' || fail "the JSON does not name the protected tag: $(cat "$CASE/stdout")"
import json, sys
report = json.load(open(sys.argv[1]))
kept = [image for image in report["repositories"][0]["kept"] if image["id"] == sys.argv[2]]
assert kept and kept[0]["reason"] == "protected", kept
assert kept[0]["protected_tag"] == "localhost/whoami/web:release-2" and kept[0]["pattern"] == "release-*", kept
PY
	assert_usage_error "an empty --protect" "--protect: '' holds an empty pattern" "$KIMB" --protect= -t "$R" ctx
}

# Issue 18, 2: kim's listing has no creation time: --keep-within reads the time kimb recorded
# building an image, else its time tag; an image whose age cannot be told stays. This is what lets
# an overlapping pipeline's image survive until its deploy ran.
test_keep_within_keeps_recent_builds_on_kim()
{
	# A tag the default time format does not read: only the record tells the first build's age.
	run_kimb --scheme=time --time-format=one.%s -t "$R" ctx
	assert_status 0
	first=$(id_listed "$R" latest)
	first_tag=$(printed_tag)
	old=$(id_of old)
	unknown=$(id_of unknown)
	seed "$old" "$R:20240101.000000"
	seed "$unknown" "$R:v0"
	# A dry run's build builds nothing: another build moves latest, so that the first is a prior image.
	run_kimb --no-prune -t "$R" ctx
	assert_status 0
	run_kimb --dry-run --keep-within=1h prune "$R"
	assert_status 0
	assert_stderr_has "would keep $first ($R:$first_tag): younger than --keep-within"
	assert_stderr_has "would keep $unknown ($R:v0): its age cannot be told"
	assert_stderr_has "would remove $old"
	run env KIMB_KEEP_WITHIN=2h "$KIMB" -t "$R" ctx
	assert_status 0
	assert_stderr_lacks "younger than --keep-within"
	assert_stderr_has "kept $unknown ($R:v0): its age cannot be told"
	new=$(id_listed "$R" latest)
	store_rows | grep -q " $first\$" || fail "the first build's image went: $(store_rows)"
	! store_rows | grep -q " $old\$" || fail "the old image stayed: $(store_rows)"
	# Without --keep-within the age keeps nothing.
	run_kimb prune "$R"
	assert_status 0
	[ "$(store_rows | grep -vc " $new\$")" -eq 0 ] || fail "prune left prior images: $(store_rows)"
	assert_usage_error "--keep-within=soon" "--keep-within: 'soon' is not a duration" "$KIMB" --keep-within=soon prune "$R"
}

# kim keeps records too: with two repositories, an image both records hold that lost every name,
# which only the first repository's record attributes, is planned without a fault, and kept while
# young.
test_keep_within_two_repositories_and_a_nameless_recorded_image()
{
	run_kimb -t localhost/a -t localhost/b ctx
	assert_status 0
	first=$(id_listed localhost/a latest)
	store="$KIM_STUB_DIR/store/kube-image"
	printf '%s 2.58MB -\n' "$first" >"$store" || exit 1
	run_kimb --keep-within=1h -t localhost/a -t localhost/b ctx
	assert_status 0
	store_rows | grep -qx "<none> <none> $first" || fail "the nameless image went: $(store_rows)"
	run_kimb --dry-run -t localhost/a -t localhost/b ctx
	assert_status 0
	assert_stderr_has "would remove $first (localhost/a:<none>)"
}

# Seeds the default namespace with a latest image, two prior ones and another repository's.
seed_for_prune()
{
	latest=$(id_of latest)
	prior=$(id_of prior)
	odd=$(id_of odd)
	other=$(id_of other)
	seed "$latest" "$R:latest" "$R:20240103.000000"
	seed "$prior" "$R:20240101.000000"
	seed --digest-name "$R:latest" "$odd"
	seed "$other" other/app:latest other/app:v0
}

test_prune_removes_all_but_latest()
{
	seed_for_prune
	run_kimb prune "$R"
	assert_status 0
	assert_stdout
	assert_calls build 0
	assert_calls list 1
	assert_call "$(q image rm "$prior")"
	assert_call "$(q image rm "$odd")"
	assert_calls rm 2
	assert_store "$R latest $latest
$R 20240103.000000 $latest
other/app latest $other
other/app v0 $other"
}

# A rebuild that hits the cache tags the same image again: kimb takes the earlier unique tags it
# issued off it, so that one image is left with latest and its unique tag; a tag kimb did not issue
# stays. kim's untagging is a removal by NAME:TAG.
test_cache_hit_rebuild_keeps_one_unique_tag()
{
	: >"$KIM_STUB_DIR/cache-hit"
	build_r one
	one=$tag
	image=$new
	KIM_STUB_INSPECT=1 "$STUB" tag "$R:latest" "$R:mine" || fail "cannot tag"
	build_r two
	two=$tag
	[ "$new" = "$image" ] || fail "the stand-in's rebuild made another image"
	assert_stderr_has "untagged $R:$one (an earlier unique tag kimb issued for the image that stays)"
	assert_call "$(q image rm "$R:$one")"
	assert_calls rm 1
	build_r three
	assert_call "$(q image rm "$R:$two")"
	assert_calls rm 2
	assert_store "$R latest $image
$R mine $image
$R $tag $image"
}

# kimb prune keeps the newest unique tag kimb issued on the image latest names, and takes the
# earlier ones off.
test_prune_keeps_one_unique_tag_of_latest()
{
	: >"$KIM_STUB_DIR/cache-hit"
	run_kimb --no-prune --time-format=one.%s -t "$R" ctx
	assert_status 0
	one=$(printed_tag)
	run_kimb --no-prune --time-format=two.%s -t "$R" ctx
	assert_status 0
	two=$(printed_tag)
	image=$(id_listed "$R" "$two")
	assert_store "$R latest $image
$R $one $image
$R $two $image"
	run_kimb prune "$R"
	assert_status 0
	assert_call "$(q image rm "$R:$one")"
	assert_calls rm 1
	assert_store "$R latest $image
$R $two $image"
}

# An earlier unique tag that a pod names stays on the image; the others go.
test_earlier_unique_tag_a_pod_names_stays()
{
	: >"$KIM_STUB_DIR/cache-hit"
	build_r one
	one=$tag
	image=$new
	pod_runs "$R:$one" "sha256:$image"
	build_r two
	two=$tag
	assert_calls rm 0
	build_r three
	assert_call "$(q image rm "$R:$two")"
	assert_calls rm 1
	assert_store "$R latest $image
$R $one $image
$R $tag $image"
}

test_prune_with_globals_and_two_repositories()
{
	a_latest=$(id_of a-latest)
	a_old=$(id_of a-old)
	b_latest=$(id_of b-latest)
	b_old=$(id_of b-old)
	seed -n ns "$a_latest" localhost/a:latest
	seed -n ns "$a_old" localhost/a:v1
	seed -n ns "$b_latest" localhost/b:latest
	seed -n ns "$b_old" localhost/b:v1
	run_kimb prune --namespace ns --debug localhost/a localhost/b
	assert_status 0
	assert_every_call_starts "$(q --namespace ns --debug)"
	assert_calls list 1
	assert_calls rm 2
	assert_store "localhost/a latest $a_latest
localhost/b latest $b_latest" ns
}

test_prune_without_latest_removes_nothing()
{
	one=$(id_of one)
	two=$(id_of two)
	seed "$one" "$R:v1"
	seed "$two" "$R:v2"
	run_kimb prune "$R"
	assert_status 0
	assert_stderr_has "$R has no latest image"
	assert_calls rm 0
	assert_store "$R v1 $one
$R v2 $two"
}

# Issue 19: a REPOSITORY prune finds no image of, and no record of kimb's (a typo in prune.conf),
# fails with a status of its own and the closest listed repository; the others are pruned.
# --missing-ok lets it pass.
test_prune_of_no_such_repository_fails_with_a_suggestion()
{
	seed_for_prune
	run_kimb prune localhost/whoami/wbe "$R"
	assert_status 7
	assert_stderr_has "kimb: no repository localhost/whoami/wbe: kim's listing has no image of it, and kimb no record; did you mean $R? (--missing-ok lets it pass); nothing pruned for it"
	[ "$(grep -c 'no repository' "$CASE/stderr")" -eq 1 ] || fail "said more than once: $(cat "$CASE/stderr")"
	assert_calls rm 2
	assert_store "$R latest $latest
$R 20240103.000000 $latest
other/app latest $other
other/app v0 $other"
	# nothing close: no guess
	run_kimb prune --dry-run elsewhere/thing
	assert_status 7
	assert_stderr_has "kimb: no repository elsewhere/thing: kim's listing has no image of it, and kimb no record; check the name (--missing-ok lets it pass); nothing pruned for it"
	# the short name as written is guessed at too
	run_kimb prune other/ap
	assert_status 7
	assert_stderr_has "did you mean other/app?"
	run_kimb prune --missing-ok localhost/whoami/wbe "$R"
	assert_status 0
	assert_stderr_has "localhost/whoami/wbe has no image in kim's listing; nothing to prune"
	assert_stderr_lacks "no repository"
	run_kimb prune --json localhost/whoami/wbe
	assert_status 7
	python3 -c 'import json, sys; d = json.load(sys.stdin); sys.exit(d["exit_status"] != 7)' <"$CASE/stdout" ||
		fail "the JSON report does not say status 7: $(cat "$CASE/stdout")"
}

test_prune_dry_run_removes_nothing()
{
	seed_for_prune
	run_kimb prune --dry-run "$R"
	assert_status 0
	assert_stderr_has "would remove"
	assert_stderr_has "$(printf %.13s "$prior")"
	assert_stderr_has "$(printf %.13s "$odd")"
	assert_stderr_has "would keep $latest ($R:latest, $R:20240103.000000): latest points to it"
	assert_stderr_lacks "would remove $latest"
	assert_calls rm 0
	assert_store "$R latest $latest
$R 20240103.000000 $latest
$R 20240101.000000 $prior
$R:latest <none> $odd
other/app latest $other
other/app v0 $other"
}

# A dry run builds nothing: it says the tag a build now would get, and what that build would
# replace (every image of the repository but the one latest names); stdout, which names built
# images, stays empty. It records neither the second of its tag nor a build: the run after it
# issues its own tag, and its plan is the same.
test_build_dry_run_builds_and_removes_nothing()
{
	prior=$(id_of prior)
	shared=$(id_of shared)
	latest=$(id_of latest)
	seed "$prior" "$R:p1"
	seed "$shared" "$R:s1" other/app:v1
	seed "$latest" "$R:latest" "$R:l1"
	run_kimb --dry-run --time-format=one.%s -t "$R" ctx
	assert_status 0
	assert_stdout
	assert_calls build 0
	assert_calls rm 0
	one=$(sed -n "s|^kimb: --dry-run: nothing built; a build now would be tagged $R:\(one\.[0-9]*\) and $R:latest\$|\1|p" \
		"$CASE/stderr")
	assert_time_tag one "$one"
	assert_stderr_has "would remove $prior ($R:p1)"
	assert_stderr_has "would untag $R:s1"
	assert_stderr_has "would keep $latest ($R:latest, $R:l1): latest points to it"
	assert_store "$R latest $latest
$R l1 $latest
$R p1 $prior
$R s1 $shared
other/app v1 $shared"
	for issued in "$CASE"/locks/*.issued.*; do
		[ ! -e "$issued" ] || fail "the dry run recorded an issued second: $issued"
	done
	for record in "$CASE"/state/*; do
		[ ! -e "$record" ] || fail "the dry run wrote a record: $record"
	done

	run_kimb --json --dry-run --time-format=two.%s -t "$R" ctx
	assert_status 0
	assert_calls build 0
	assert_json 'd["dry_run"] is True and d["build"] is None and d["new_id"] is None'
	assert_json 'all(r["reference"] is None and r["latest"] is None and r["would_reference"].startswith(a[0] + ":two.")
		for r in d["repositories"])' "$R"
	assert_json '[x["id"] for x in d["repositories"][0]["removed"]] == [a[0]]' "$prior"
}

# With a repository that has no latest yet, a dry run's build would replace all its images.
test_build_dry_run_without_latest()
{
	prior=$(id_of prior)
	seed "$prior" "$R:p1"
	run_kimb --dry-run --time-format=one.%s -t "$R" ctx
	assert_status 0
	assert_calls build 0
	assert_stderr_has "would remove $prior ($R:p1)"
	assert_stderr_lacks "no latest image"
}

test_missing_kim_exits_127()
{
	run env KIMB_KIM="$CASE/no-such-kim" "$KIMB" --time-format=one.%s -t "$R" ctx
	assert_status 127
	assert_stdout
	[ "$(line_count "$CASE/stderr")" -eq 1 ] || fail "stderr is not one line: $(cat "$CASE/stderr")"
	assert_stderr_has "$CASE/no-such-kim"
}

test_sigterm_stops_blocked_build()
{
	prior=$(id_of prior)
	seed "$prior" "$R:p1"
	: >"$KIM_STUB_DIR/block-build"
	"$KIMB" --time-format=one.%s -t "$R" ctx >"$CASE/stdout" 2>"$CASE/stderr" &
	kimb_pid=$!
	if ! wait_for_file "$KIM_STUB_DIR/build.pid"; then
		fail "the build never started"
		kill -KILL "$kimb_pid"
		wait "$kimb_pid"
		return
	fi
	kill -TERM "$kimb_pid"
	wait_bounded "$kimb_pid"
	assert_status 143
	[ "$(cat "$KIM_STUB_DIR/build.signal" 2>/dev/null)" = TERM ] || fail "kim did not get SIGTERM"
	stop_blocked
	assert_stdout
	assert_listed_at_most_under_build
	assert_calls rm 0
	assert_store "$R p1 $prior"
}

# A build killed by a signal is a failed build: exit 6, kimb's own status 137 would be its death.
test_killed_build_exits_6()
{
	: >"$KIM_STUB_DIR/block-build"
	"$KIMB" --time-format=one.%s -t "$R" ctx >"$CASE/stdout" 2>"$CASE/stderr" &
	kimb_pid=$!
	if ! wait_for_file "$KIM_STUB_DIR/build.pid"; then
		fail "the build never started"
		kill -KILL "$kimb_pid"
		wait "$kimb_pid"
		return
	fi
	kill -KILL "$(cat "$KIM_STUB_DIR/build.pid")"
	wait_bounded "$kimb_pid"
	assert_status 6
	assert_stdout
	assert_stderr_has "kim build was killed by SIGKILL; nothing removed"
	assert_listed_at_most_under_build
	assert_calls rm 0
}

# assert_gone PID WHAT: process PID (WHAT, for the message) ends soon (wait_until), or is a zombie
# that nobody has reaped yet; else the test fails, and the process is killed.
assert_gone()
{
	if ! wait_until process_ended "$1"; then
		fail "$2 still runs"
		kill -KILL "$1"
	fi
}

# run_limited COMMAND... : runs kimb ARGUMENTS as run does, in the background with a watchdog of 20 s
# (a hang fails the test instead of hanging it): KIM_STUB_DIR's block-* files make kim hang.
run_limited()
{
	"$@" >"$CASE/stdout" 2>"$CASE/stderr" &
	wait_bounded "$!"
}

# A hanging listing or removal is stopped at --call-timeout (or KIMB_CALL_TIMEOUT): the listing
# removes nothing (exit 3), the removal is a failed one (exit 4, the others done); kim's process
# group gets SIGTERM. The build has no limit.
test_hanging_calls_are_stopped_at_the_call_timeout()
{
	prior=$(id_of prior)
	seed "$prior" "$R:p1"
	: >"$KIM_STUB_DIR/block-list"
	run_limited "$KIMB" --call-timeout=0.5 --time-format=one.%s -t "$R" ctx
	assert_status 3
	assert_stderr_has "cannot list images: kim did not end within 0.5 s and was stopped; nothing removed"
	[ "$(cat "$KIM_STUB_DIR/list.signal" 2>/dev/null)" = TERM ] || fail "the listing did not get SIGTERM"
	assert_calls rm 0
	[ "$(id_listed "$R" p1)" = "$prior" ] || fail "the prior image is gone"
	rm "$KIM_STUB_DIR/block-list" "$KIM_STUB_DIR/list.signal"

	other=$(id_of other)
	seed "$other" "$R:p2"
	: >"$KIM_STUB_DIR/block-rm"
	run_limited env KIMB_CALL_TIMEOUT=1 "$KIMB" --jobs=1 --time-format=two.%s -t "$R" ctx
	assert_status 4
	assert_stderr_has "kim did not end within 1 s and was stopped"
	assert_stderr_has "not every image selected could be removed"
	[ "$(cat "$KIM_STUB_DIR/rm.signal" 2>/dev/null)" = TERM ] || fail "the removal did not get SIGTERM"
	rm "$KIM_STUB_DIR/block-rm"
	two=$(built_tag "$R")
	assert_stdout "$R:$two"
}

# kubectl that hangs is stopped at the limit: the pods cannot be read, nothing is removed.
test_hanging_kubectl_is_stopped_at_the_call_timeout()
{
	prior=$(id_of prior)
	seed "$prior" "$R:p1"
	: >"$KUBECTL_STUB_DIR/hang"
	run_limited "$KIMB" --call-timeout=0.5 --time-format=one.%s -t "$R" ctx
	assert_status 3
	assert_stderr_has "did not end within 0.5 s and was stopped; nothing removed"
	assert_calls rm 0
	[ "$(id_listed "$R" p1)" = "$prior" ] || fail "the prior image is gone"
	[ ! -s "$KUBECTL_STUB_DIR/hang.pid" ] || assert_gone "$(cat "$KUBECTL_STUB_DIR/hang.pid")" kubectl
}

test_call_timeouts_that_are_no_durations_are_usage_errors()
{
	assert_usage_error "no time at all" "--call-timeout" "$KIMB" --call-timeout=0 -t "$R" ctx
	assert_usage_error "no duration" "--call-timeout" "$KIMB" --call-timeout=soon -t "$R" ctx
	assert_usage_error "no duration in the environment" "KIMB_CALL_TIMEOUT" env KIMB_CALL_TIMEOUT=-1 "$KIMB" -t "$R" ctx
}

# A listing killed by a signal is a failed listing: exit 3, nothing removed. (128 + N is kimb's own
# death by signal N.)
test_killed_listing_exits_3()
{
	prior=$(id_of prior)
	seed "$prior" "$R:p1"
	start_blocked list --time-format=one.%s -t "$R" ctx || return
	kill -KILL "$(cat "$KIM_STUB_DIR/list.pid")"
	await_signalled
	assert_status 3
	assert_stderr_has "cannot list images: kim was killed by SIGKILL; nothing removed"
	assert_calls rm 0
	[ "$(id_listed "$R" p1)" = "$prior" ] || fail "the prior image is gone"
}

# end_turns FIRST_PID SECOND_PID: ends the first run, held in its build, with SIGTERM (it dies of
# it), and waits for the second, waiting for its lock meanwhile, which must then succeed.
end_turns()
{
	rm -f "$KIM_STUB_DIR/block-build"
	kill -TERM "$1"
	wait_bounded "$1"
	assert_status 143
	stop_blocked
	wait_bounded "$2"
	assert_status 0
}

test_concurrent_runs_take_turns()
{
	: >"$KIM_STUB_DIR/block-build"
	"$KIMB" --time-format=first.%s -t "$R" ctx >"$CASE/stdout" 2>"$CASE/stderr" &
	first_pid=$!
	if ! wait_for_file "$KIM_STUB_DIR/build.pid"; then
		fail "the first build never started"
		kill -KILL "$first_pid"
		wait "$first_pid"
		return
	fi
	second_began=$(date +%s)
	"$KIMB" --time-format=second.%s -t "$R" ctx >"$CASE/second.stdout" 2>"$CASE/second.stderr" &
	second_pid=$!
	# The second run says it waits for the lock; until the first is over it must not build.
	wait_for_file "$CASE/second.stderr" || fail "the second run does not say that it waits"
	assert_calls build 1
	assert_listed_at_most_under_build
	end_turns "$first_pid" "$second_pid"
	second=$(printed_tag 1 "$CASE/second.stdout")
	assert_time_tag second "$second" "$second_began" "$(date +%s)"
	[ "$(cat "$CASE/second.stdout")" = "$R:$second" ] || fail "second run printed $(cat "$CASE/second.stdout")"
	assert_calls build 2
	background_settle_all
	new=$(id_listed "$R" "$second")
	assert_store "$R latest $new
$R $second $new"
}

test_help_and_version()
{
	run_kimb --help
	assert_status 0
	[ -s "$CASE/stdout" ] || fail "--help printed nothing on stdout"
	grep -q -- --keep "$CASE/stdout" || fail "--help does not mention --keep"
	grep -q -- --scheme "$CASE/stdout" || fail "--help does not mention --scheme"
	[ ! -s "$CASE/stderr" ] || fail "--help wrote on stderr"
	run_kimb --version
	assert_status 0
	grep -q '[0-9]\.[0-9]' "$CASE/stdout" || fail "--version printed no version: $(cat "$CASE/stdout")"
	[ ! -s "$CASE/stderr" ] || fail "--version wrote on stderr"
	assert_no_calls
}

# Each signal that ends a session or asks a program to stop, during the build; and one of them
# (kimb handles all four alike) at every phase that runs kim. kim gets it too (its whole process
# group), kimb removes nothing more and dies of it.
test_stopping_signals_at_each_phase()
{
	# shellcheck disable=SC3045 # dash and bash have ulimit -c: SIGQUIT would dump core
	ulimit -c 0
	for at in build:HUP build:INT build:QUIT build:TERM list:TERM rm:TERM; do
		phase=${at%:*}
		signal=${at#*:}
		# shellcheck disable=SC2031 # run_test sets it in the subshell the test runs in
		if ! rm -rf "$KIM_STUB_DIR" "$KIMB_STATE_DIR" || ! mkdir "$KIM_STUB_DIR"; then
			fail "cannot start afresh in $KIM_STUB_DIR"
			return
		fi
		prior=$(id_of prior)
		seed "$prior" "$R:p1"
		start_blocked "$phase" --time-format="$phase.%s" -t "$R" ctx || return
		kill -s "$signal" "$kimb_pid"
		await_signalled
		assert_status $((128 + $(signal_number "$signal")))
		[ "$(cat "$KIM_STUB_DIR/$phase.signal" 2>/dev/null)" = "$signal" ] ||
			fail "$phase: kim did not get SIG$signal"
		stop_blocked "$phase"
		case $phase in
		build)
			assert_stdout
			assert_listed_at_most_under_build
			;;
		list) assert_calls rm 0 ;;
		rm) assert_calls rm 1 ;;
		esac
		# Nothing was removed: the blocked rm did nothing, and none came after it.
		[ "$(id_listed "$R" p1)" = "$prior" ] || fail "$phase, SIG$signal: the prior image is gone"
	done
}

# kimb killed with SIGKILL, which it cannot catch: the kernel stops its build (PR_SET_PDEATHSIG),
# so that it cannot go on and tag latest.
test_build_stops_when_kimb_is_killed()
{
	start_blocked build --time-format=one.%s -t "$R" ctx || return
	kill -KILL "$kimb_pid"
	wait "$kimb_pid"
	wait_for_file "$KIM_STUB_DIR/build.signal" || fail "the build goes on without kimb"
	[ "$(cat "$KIM_STUB_DIR/build.signal" 2>/dev/null)" = TERM ] || fail "the build did not get SIGTERM"
	stop_blocked
	assert_listed_at_most_under_build
	assert_store ""
}

# Eight runs at once for one repository: each prints a reference of its own, which its own build
# made, and the last one's image is all that is left.
test_concurrent_runs_print_unique_references()
{
	pids=
	for run in 1 2 3 4 5 6 7 8; do
		"$KIMB" -t "$R" ctx >"$CASE/stdout.$run" 2>"$CASE/stderr.$run" &
		pids="$pids $!"
	done
	# The runs take turns in an order of their own: the first may come last, after the seven
	# others (slow under valgrind), so each is given the time of all eight.
	for pid in $pids; do
		wait_bounded "$pid" 160
		assert_status 0
	done
	cat "$CASE"/stdout.? | sort >"$CASE/references"
	[ "$(line_count "$CASE/references")" -eq 8 ] || fail "not 8 references: $(cat "$CASE/references")"
	[ "$(sort -u "$CASE/references" | line_count /dev/stdin)" -eq 8 ] ||
		fail "references printed twice: $(cat "$CASE/references")"
	assert_calls build 8
	while read -r reference; do
		[ "$(grep -cF -e "'--tag' '$reference'" "$(calls_file)")" -eq 1 ] ||
			fail "$reference was not built by exactly one run"
	done <"$CASE/references"
	new=$(id_listed "$R" latest)
	[ -n "$new" ] || fail "no latest left"
	background_settle_all
	rows=$(store_rows)
	if in_background; then
		# A detached prune removes nothing once a build began after its listing, and a run skips
		# its prune while another's runs: images may be left, but only the runs' own, latest one
		# of them; the next run prunes them all.
		for left in $(printf '%s\n' "$rows" | awk '$2 != "latest" { print $1 ":" $2 }'); do
			grep -qxF -e "$left" "$CASE/references" || fail "the image left, $left, is no run's reference"
		done
		grep -qxF -e "$R:$(printf '%s\n' "$rows" | awk -v id="$new" '$2 != "latest" && $3 == id { print $2 }')" \
			"$CASE/references" || fail "latest is no run's image: $rows"
		run_kimb -t "$R" ctx
		assert_status 0
		new=$(id_listed "$R" latest)
		rows=$(store_rows)
	fi
	[ "$(printf '%s\n' "$rows" | line_count /dev/stdin)" -eq 2 ] || fail "more than one image left: $rows"
	tag=$(printf '%s\n' "$rows" | awk '$2 != "latest" { print $2 }')
	if in_background; then
		assert_stdout "$R:$tag"
	else
		grep -qxF -e "$R:$tag" "$CASE/references" || fail "the image left, $R:$tag, is no run's reference"
	fi
}

# Two runs in one second with a time tag: the second waits for the next second.
test_runs_in_one_second_get_distinct_tags()
{
	run_kimb -t "$R" ctx
	assert_status 0
	first=$(printed_tag)
	run_kimb -t "$R" ctx
	assert_status 0
	second=$(printed_tag)
	if [ -z "$first" ] || [ "$first" = "$second" ]; then
		fail "tags $first and $second"
	fi
	[ "$(printf '%s\n%s\n' "$first" "$second" | sort | head -n 1)" = "$first" ] ||
		fail "the second tag $second is not later than $first"
}

# A closed stdout is a write error kimb says and exits 1 with; the second its tag was made in is
# recorded, so the next run gets another tag.
test_closed_stdout_is_an_error()
{
	{ "$KIMB" -t "$R" ctx 2>"$CASE/stderr"; echo $? >"$CASE/status"; } | true
	status=$(cat "$CASE/status")
	assert_status 1
	assert_stderr_has "cannot write to stdout"
	first=$(built_tag "$R")
	run_kimb -t "$R" ctx
	assert_status 0
	if [ -z "$first" ] || [ "$(printed_tag)" = "$first" ]; then
		fail "the tag $first was issued twice"
	fi
}

# run_closing CLOSED KIMB-ARGUMENTS...: runs kimb with the standard descriptors CLOSED (words: in,
# out, err) closed, and the others on /dev/null (stdin), $CASE/stdout and $CASE/stderr (emptied
# first); its status in $status. With stderr closed it runs the binary itself, not a wrapper: make
# valgrind's cannot start without a stderr.
run_closing()
{
	# shellcheck disable=SC2016 # expanded by the eval
	in='</dev/null' out='>"$CASE/stdout"' err='2>"$CASE/stderr"' kimb=$KIMB
	for descriptor in $1; do
		case $descriptor in
		in) in='<&-' ;;
		out) out='>&-' ;;
		err)
			# shellcheck disable=SC2034 # read by the eval
			err='2>&-' kimb=$UNWRAPPED_KIMB
			;;
		esac
	done
	shift
	: >"$CASE/stdout"
	: >"$CASE/stderr"
	eval "\"\$kimb\" \"\$@\" $in $out $err"
	status=$?
}

# Nothing kimb or kim wrote is in a lock or state file: the lock files are empty, and no file there
# holds a reference, a message of kimb's or kim's build output. $1 says when.
assert_no_output_in_files()
{
	# shellcheck disable=SC2031 # run_test sets them in the subshell the test runs in
	for file in "$KIMB_LOCK_DIR"/* "$KIMB_STATE_DIR"/*; do
		[ -f "$file" ] || continue
		case $file in
		*.lock) [ ! -s "$file" ] || fail "$1: the lock file $file holds: $(cat "$file")" ;;
		esac
		! grep -qE "$R:|kimb: |naming to" "$file" || fail "$1: $file holds output: $(cat "$file")"
	done
}

# Issue 15: run with standard descriptors closed, kimb opened its lock directory and lock file in
# their places, wrote the reference (or its messages, and kim's output) into the shared lock file,
# and exited 0. Whichever are closed, every command keeps its files clean, and a result it cannot
# write on a closed stdout is the error a broken stdout is (exit 1, said when stderr is open).
test_closed_standard_descriptors()
{
	for closed in in out err "in out" "in err" "out err" "in out err"; do
		case " $closed " in
		*" out "*) expected=1 ;;
		*) expected=0 ;;
		esac
		run_closing "$closed" -t "$R" ctx
		assert_status "$expected"
		if [ "$expected" = 1 ]; then
			assert_stdout
			case " $closed " in
			*" err "*) ;;
			*) assert_stderr_has "cannot write to stdout" ;;
			esac
		else
			if [ -z "$(printed_tag)" ] || [ "$(printed_tag)" != "$(built_tag "$R")" ]; then
				fail "$closed closed: the reference printed is $(cat "$CASE/stdout"), built $(built_tag "$R")"
			fi
		fi
		assert_no_output_in_files "$closed closed, build"
		# prune prints nothing on stdout without --json
		run_closing "$closed" prune "$R"
		assert_status 0
		for command in "--json prune $R" --complete=options --help --version; do
			# shellcheck disable=SC2086 # the command's words
			run_closing "$closed" $command
			assert_status "$expected"
			[ "$expected" = 1 ] || [ -s "$CASE/stdout" ] || fail "$closed closed: $command printed nothing"
		done
		assert_no_output_in_files "$closed closed"
	done
}

# Issue 15, 17: a relative KIMB_STATE_DIR or KIMB_LOCK_DIR is refused, as other invalid settings
# are: it would name another directory in every working directory, where runs would not find their
# record or share their locks. (A relative XDG_STATE_HOME is ignored, as the XDG spec says: unit
# records: test_state_directory.)
test_relative_state_and_lock_directories_are_usage_errors()
{
	assert_usage_error "a relative KIMB_STATE_DIR" "KIMB_STATE_DIR: 'state' is not an absolute path" \
		env KIMB_STATE_DIR=state "$KIMB" -t "$R" ctx
	assert_usage_error "a relative KIMB_LOCK_DIR" "KIMB_LOCK_DIR: 'locks' is not an absolute path" \
		env KIMB_LOCK_DIR=locks "$KIMB" prune "$R"
	if [ -e state ] || [ -e locks ]; then
		fail "kimb made a relative directory: $(ls)"
	fi
}

test_time_formats_that_repeat_are_usage_errors()
{
	assert_usage_error "a constant format" "latest" "$KIMB" --time-format=latest -t "$R" ctx
	assert_usage_error "a format without seconds" "%Y%m%d" "$KIMB" --time-format=%Y%m%d -t "$R" ctx
	assert_usage_error "a format without the year" "" "$KIMB" --time-format=%m%d%H%M%S -t "$R" ctx
	# Issue 15: formats that give every unit in some form and still repeat, decided from the
	# format, not from samples: a 12-hour clock, a 2-digit or ISO week year, unpadded numbers side
	# by side (1 November and 11 January are both 111), and a day that pads with a space.
	assert_usage_error "a 12-hour clock" "24-hour" "$KIMB" --time-format=%Y%m%d.%I%M%S -t "$R" ctx
	assert_usage_error "a 2-digit year" "(%Y)" "$KIMB" --time-format=%y%m%d.%H%M%S -t "$R" ctx
	assert_usage_error "the ISO week year" "(%Y)" "$KIMB" --time-format=%G%m%d.%H%M%S -t "$R" ctx
	assert_usage_error "unpadded numbers side by side" "%-d and %-m stand side by side" \
		"$KIMB" --time-format=%-d%-m%Y.%H%M%S -t "$R" ctx
	assert_usage_error "a day padded with a space" "%e pads with spaces" \
		"$KIMB" --time-format=%Y%m%e.%H%M%S -t "$R" ctx
}

# A lock held longer than --lock-timeout (or KIMB_LOCK_TIMEOUT) ends the wait: exit 5, the holder
# named, nothing built.
test_lock_wait_ends_at_the_timeout()
{
	start_blocked build --time-format=held.%s -t "$R" ctx || return
	holder=$kimb_pid
	for limit in --lock-timeout=0.3 KIMB_LOCK_TIMEOUT=0.3; do
		# Bounded, so that a kimb that waits forever fails the test instead of hanging it.
		case $limit in
		--*) "$KIMB" "$limit" -t "$R" ctx >"$CASE/stdout" 2>"$CASE/stderr" & ;;
		*) env "$limit" "$KIMB" -t "$R" ctx >"$CASE/stdout" 2>"$CASE/stderr" & ;;
		esac
		wait_bounded $!
		assert_status 5
		assert_stdout
		assert_stderr_has "waiting for process"
		assert_stderr_has "which holds the lock on $R"
		assert_stderr_has "--lock-timeout reached; nothing built or removed"
		assert_calls build 1
	done
	assert_usage_error "a duration that is no duration" "--lock-timeout" "$KIMB" --lock-timeout=soon -t "$R" ctx
	kill -TERM "$holder"
	wait_bounded "$holder"
	stop_blocked
}

# plant ATTACK LOCK: puts what another user may plant (ATTACK: hardlink or symlink to $CASE/secret,
# fifo, directory) in place of the lock file LOCK.
plant()
{
	rm -rf "$2"
	case $1 in
	hardlink) ln "$CASE/secret" "$2" ;;
	symlink) ln -s "$CASE/secret" "$2" ;;
	fifo) mkfifo "$2" ;;
	directory) mkdir "$2" ;;
	esac
}

# What another user may plant under a lock's name: kimb refuses it, says so in one line, builds
# nothing and changes nothing.
test_planted_lock_files_are_refused()
{
	run_kimb --no-prune -t "$R" ctx
	assert_status 0
	# shellcheck disable=SC2031 # run_test sets it in the subshell the test runs in
	lock=$(ls "$KIMB_LOCK_DIR"/localhost_whoami_web-*.lock)
	[ -f "$lock" ] || { fail "no lock file"; return; }
	printf 'secret\n' >"$CASE/secret"
	chmod 600 "$CASE/secret"
	for attack in hardlink symlink fifo directory; do
		plant "$attack" "$lock"
		rm -f "$(calls_file)"
		"$KIMB" -t "$R" ctx >"$CASE/stdout" 2>"$CASE/stderr" &
		wait_bounded $!
		assert_status 1
		assert_stdout
		[ "$(line_count "$CASE/stderr")" -eq 1 ] || fail "$attack: stderr is not one line: $(cat "$CASE/stderr")"
		assert_stderr_has "$lock"
		assert_no_calls
		[ "$(stat -c %a "$CASE/secret")" = 600 ] || fail "$attack: the planted file's mode changed"
		[ "$(cat "$CASE/secret")" = secret ] || fail "$attack: the planted file changed"
	done
	in_background || return 0
	# The prune's own lock, which a run tries once built and its detached prune holds: planted, it
	# is refused as well, and nothing is removed.
	rm -rf "$lock"
	run_kimb --time-format=one.%s -t "$R" ctx
	assert_status 0
	one=$(printed_tag)
	one_id=$(id_listed "$R" "$one")
	# shellcheck disable=SC2031 # run_test sets it in the subshell the test runs in
	prune_lock=$(ls "$KIMB_LOCK_DIR"/localhost_whoami_web__prune_-*.lock)
	[ -f "$prune_lock" ] || { fail "no prune lock file"; return; }
	for attack in hardlink symlink fifo directory; do
		plant "$attack" "$prune_lock"
		rm -f "$(calls_file)"
		run_kimb --time-format="$attack.%s" -t "$R" ctx
		assert_status 1
		assert_stderr_has "$prune_lock"
		assert_stderr_has "nothing removed"
		assert_calls build 1
		assert_calls list 0
		assert_calls rm 0
		[ "$(id_listed "$R" "$one")" = "$one_id" ] || fail "$attack: the prior image is gone"
		[ "$(stat -c %a "$CASE/secret")" = 600 ] || fail "$attack: the planted file's mode changed"
		[ "$(cat "$CASE/secret")" = secret ] || fail "$attack: the planted file changed"
	done
}

# Lets other users run kimb and the stand-ins of this case: its directories reachable, the
# stand-ins' state theirs to write, and copies of the programs in $CASE/bin, since a checkout in a
# private directory (mktemp -d) would hide them. A wrapper (make valgrind's) would run a program
# they cannot reach: KIMB_UNWRAPPED names it.
share_case_with_other_users()
{
	chmod 755 "$CASE" "$CASE/work" "$CASE/work/ctx"
	chmod 777 "$KIM_STUB_DIR" "$KUBECTL_STUB_DIR"
	mkdir -m 755 "$CASE/bin"
	cp "$UNWRAPPED_KIMB" "$CASE/bin/kimb" || exit 1
	cp "$STUB" "$(dirname "$STUB")/standin-lib.sh" "$KUBECTL_STUB" "$CASE/bin/" || exit 1
	chmod 755 "$CASE/bin"/*
	: >>"$KIM_STUB_DIR/calls"
	# The double's copy finds no fixtures beside it: it is given its listing.
	: >>"$KUBECTL_STUB_DIR/calls"
	[ -e "$KUBECTL_STUB_DIR/pods.json" ] || cp "$FIXTURES/kubectl/no-pods.json" "$KUBECTL_STUB_DIR/pods.json" || exit 1
	chmod 666 "$KIM_STUB_DIR/calls" "$KUBECTL_STUB_DIR/calls"
}

# kimb_as USER KIMB-ARGUMENTS...: runs (with run) the copy of kimb that share_case_with_other_users
# made as USER (root: as itself), with the copies of the stand-ins, a state directory of USER's,
# no HOME, and the KIMB_LOCK_DIR of the test.
kimb_as()
{
	who=$1
	shift
	mkdir -p "$CASE/state-$who" && chmod 777 "$CASE/state-$who"
	as=
	[ "$who" = root ] || as="setpriv --reuid=$who --regid=$(id -g "$who") --clear-groups"
	# shellcheck disable=SC2086 # $as is words or none
	run $as env KIMB_STATE_DIR="$CASE/state-$who" HOME=/nonexistent KIMB_KIM="$CASE/bin/$(basename "$STUB")" \
		KIMB_KUBECTL="$CASE/bin/$(basename "$KUBECTL_STUB")" "$CASE/bin/kimb" "$@"
}

# Two users share the lock directory under every fs.protected_regular: each locks its own file and
# the other's. Needs root (to be the other user, nobody, and to set the sysctl), as CI runs.
test_lock_files_shared_between_users()
{
	if [ "$(id -u)" -ne 0 ] || [ ! -w /proc/sys/fs/protected_regular ]; then
		skip "needs root and a writable fs.protected_regular"
	fi
	protected=$(cat /proc/sys/fs/protected_regular)
	# Put back however the test ends.
	trap 'printf "%s\n" "$protected" >/proc/sys/fs/protected_regular' EXIT
	share_case_with_other_users
	KIMB_LOCK_DIR=$CASE/shared-locks
	for setting in 0 1 2; do
		printf '%s\n' "$setting" >/proc/sys/fs/protected_regular
		rm -rf "$KIMB_LOCK_DIR"
		for users in "root nobody" "nobody root"; do
			first=${users%% *}
			for who in $users; do
				kimb_as "$who" prune --missing-ok "$R-$first"
				assert_status 0
				assert_stderr_lacks "lock"
			done
		done
	done
	printf '%s\n' "$protected" >/proc/sys/fs/protected_regular
	# Each user's lock file is its own, readable by everyone: the other's kimb changed none.
	for first in root nobody; do
		for who in root nobody; do
			[ "$(stat -c '%U %a' "$KIMB_LOCK_DIR"/localhost_whoami_web-"$first"-*."$(id -u "$who")".lock)" = \
				"$who 644" ] || fail "$who's lock file: $(ls -l "$KIMB_LOCK_DIR")"
		done
	done
}

# Issue 19: a lock directory another user cannot write to, where its lock file does not exist yet,
# is said to be the directory's fault, with what to do; a lock file that exists but keeps the user
# out, the file's. Needs root, to be nobody, as CI runs.
test_unwritable_lock_directory_is_told_from_an_unwritable_file()
{
	[ "$(id -u)" -eq 0 ] || skip "needs root, to run as another user"
	share_case_with_other_users
	KIMB_LOCK_DIR=$CASE/root-locks
	mkdir -m 755 "$KIMB_LOCK_DIR"
	kimb_as nobody prune --missing-ok "$R"
	assert_status 1
	[ "$(line_count "$CASE/stderr")" -eq 1 ] || fail "stderr is not one line: $(cat "$CASE/stderr")"
	assert_stderr_has "kimb: cannot create lock file "
	assert_stderr_has "in lock directory $KIMB_LOCK_DIR: Permission denied (the directory is not writable to you; make it so, as root for a shared one: chmod 1777 it, or set KIMB_LOCK_DIR to a directory of yours)"
	assert_stderr_lacks "another user"
	assert_no_calls
	chmod 1777 "$KIMB_LOCK_DIR"
	kimb_as nobody prune --missing-ok "$R"
	assert_status 0
	chmod 444 "$KIMB_LOCK_DIR"/*."$(id -u nobody)".lock
	kimb_as nobody prune --missing-ok "$R"
	assert_status 1
	assert_stderr_has "kimb: cannot open lock file $KIMB_LOCK_DIR/"
	assert_stderr_has "(the file exists, but its mode keeps you out: another user made it so; remove it, as its owner or root, or set KIMB_LOCK_DIR)"
}

# Issue 15: another local user attacks root's locks. The owner of a directory may remove any file
# in it, sticky or not, and so may the owner of a file in a sticky one: had root's kimb locked a file
# of theirs, a second run would lock a new one and go on beside the first, and one remove the
# other's new image. A lock directory of theirs is refused; in root's sticky one, whatever they
# remove while root's kimb holds its lock, a second run waits, and so does theirs. Needs root, to
# add the user (removed at the end), as CI runs.
test_lock_attacks_by_another_user()
{
	[ "$(id -u)" -eq 0 ] || skip "needs root, to add a user"
	attacker=kimbt-$$-$(date +%s)
	useradd --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin --user-group "$attacker" ||
		{ fail "cannot add the user $attacker"; return; }
	trap 'userdel "$attacker"' EXIT
	share_case_with_other_users
	as_attacker="setpriv --reuid=$attacker --regid=$(id -g "$attacker") --clear-groups"

	# A /tmp of the case, where they make the lock directory first: refused, nothing built.
	mkdir -m 1777 "$CASE/tmp"
	$as_attacker mkdir -m 1777 "$CASE/tmp/kimb-locks" || { fail "$attacker cannot make a directory"; return; }
	run env KIMB_LOCK_DIR="$CASE/tmp/kimb-locks" "$KIMB" --time-format=one.%s -t "$R" ctx
	assert_status 1
	[ "$(line_count "$CASE/stderr")" -eq 1 ] || fail "stderr is not one line: $(cat "$CASE/stderr")"
	assert_stderr_has "lock directory $CASE/tmp/kimb-locks belongs to user $(id -u "$attacker") ($attacker), not to you or root"
	assert_no_calls

	# root's, where they ran kimb on the repository first.
	rmdir "$CASE/tmp/kimb-locks"
	KIMB_LOCK_DIR=$CASE/tmp/kimb-locks
	kimb_as root prune --missing-ok "$R-other"
	assert_status 0
	kimb_as "$attacker" prune --missing-ok "$R"
	assert_status 0
	start_blocked build --time-format=first.%s -t "$R" ctx || return
	first_pid=$kimb_pid
	# They remove what they can, and try their own kimb.
	# shellcheck disable=SC2016 # expanded by the shell run as them
	$as_attacker sh -c 'rm -f "$1"/*' sh "$KIMB_LOCK_DIR" 2>/dev/null
	kimb_as "$attacker" --lock-timeout=0.3 prune --missing-ok "$R"
	assert_status 5
	"$KIMB" --time-format=second.%s -t "$R" ctx >"$CASE/second.stdout" 2>"$CASE/second.stderr" &
	second_pid=$!
	# The second run either says that it waits or builds beside the first: whichever comes first.
	tries=0
	while ! grep -q 'waiting for' "$CASE/second.stderr" && [ "$(count_calls build)" -lt 2 ] && [ "$tries" -lt 100 ]; do
		sleep 0.1
		tries=$((tries + 1))
	done
	grep -q "waiting for process $first_pid, which holds the lock on $R" "$CASE/second.stderr" ||
		fail "the second run does not wait for the first: $(cat "$CASE/second.stderr")"
	assert_calls build 1
	end_turns "$first_pid" "$second_pid"
	assert_calls build 2
	background_settle_all
}

# kimb's own options are read only where they are options: --builder in the value of a build flag
# is that flag's value.
test_builder_option_inside_a_flag_value()
{
	printf '#!/bin/sh\nprintf ran >"%s"\nexit 1\n' "$CASE/docker-ran" >"$CASE/docker"
	chmod +x "$CASE/docker"
	run env KIMB_DOCKER="$CASE/docker" "$KIMB" --builder=kim --time-format=one.%s -t "$R" \
		--build-arg --builder=docker ctx
	assert_status 0
	one=$(printed_tag)
	assert_call "$(q build -t "$R" --build-arg --builder=docker --tag "$R:$one" -- ctx)"
	run env -u KIMB_BUILDER KIMB_DOCKER="$CASE/docker" "$KIMB" --time-format=two.%s -t "$R" \
		--label --builder=docker --builder kim ctx
	assert_status 0
	[ ! -e "$CASE/docker-ran" ] || fail "docker was run"
}

# A pod that runs an image by its manifest digest, and one not yet started that names a tag, keep
# those images.
test_pods_keep_images_by_digest_and_by_name()
{
	running=$(id_of running)
	pending=$(id_of pending)
	other=$(id_of other)
	seed "$running" "$R:r1"
	seed "$pending" "$R:p1"
	seed "$other" "$R:o1"
	digest=$(KIM_STUB_INSPECT=1 "$STUB" image ls --digests --no-trunc |
		awk -v id="sha256:$running" '$4 == id { sub(/^sha256:/, "", $3); print $3; exit }')
	if [ -z "$digest" ] || [ "$digest" = "$running" ]; then
		fail "no manifest digest for $running"
		return
	fi
	# In namespace apps: web runs localhost/whoami/web:v9, which is the image by its digest; next
	# waits for $R:p1, not pulled yet.
	fixture_with kubectl/apps-running-and-pending.json \
		87910151a353a4710c723fa0d51f1963a64a9fe985607719f41df2710a66ae27 "$digest" localhost/whoami/web:p1 "$R:p1" \
		>"$KUBECTL_STUB_DIR/pods.json" || fail "cannot make the pods"
	run_kimb --time-format=new.%s -t "$R" ctx
	assert_status 0
	assert_stderr_has "kept $running ($R:r1): in use by a container or pod"
	assert_stderr_has "kept $pending ($R:p1): in use by a container or pod"
	assert_call "$(q image rm "$other")"
	assert_calls rm 1
}

# Without the pods, nothing is removed: kubectl missing, failing, or saying what kimb cannot read.
test_pods_that_cannot_be_read_keep_everything()
{
	prior=$(id_of prior)
	seed "$prior" "$R:p1"
	run env KIMB_KUBECTL="$CASE/no-such-kubectl" "$KIMB" --time-format=one.%s -t "$R" ctx
	assert_status 3
	assert_stderr_has "cannot check which images pods use without kubectl: install it, or set KIMB_KUBECTL"
	printf 'Error from server (Forbidden): pods is forbidden\n' >"$KUBECTL_STUB_DIR/fail"
	run_kimb --time-format=two.%s -t "$R" ctx
	assert_status 3
	assert_stderr_has "cannot list the pods and workloads that use images: $KIMB_KUBECTL exited with status 1 (Error from server (Forbidden): pods is forbidden); nothing removed"
	[ "$(grep -c Forbidden "$CASE/stderr")" -eq 1 ] || fail "kubectl's line is said apart: $(cat "$CASE/stderr")"
	rm "$KUBECTL_STUB_DIR/fail"
	: >"$KUBECTL_STUB_DIR/garble"
	run_kimb --time-format=three.%s -t "$R" ctx
	assert_status 3
	assert_stderr_has "cannot read the listing of pods"
	assert_calls rm 0
	[ "$(id_listed "$R" p1)" = "$prior" ] || fail "the prior image is gone"
}

# Issue 19: a cluster kubectl cannot reach is one line of kimb's, which says so and that nothing
# was removed; kubectl's own lines (a dozen, as kubectl 1.2x writes them) are held back.
test_unreachable_cluster_is_one_line()
{
	prior=$(id_of prior)
	seed "$prior" "$R:p1"
	for i in 1 2 3 4 5; do
		printf 'E1205 05:00:0%s.000000   4242 memcache.go:265] couldn'"'"'t get current server API group list: Get "http://localhost:8080/api?timeout=32s": dial tcp [::1]:8080: connect: connection refused\n' "$i"
	done >"$KUBECTL_STUB_DIR/fail"
	echo 'The connection to the server localhost:8080 was refused - did you specify the right host or port?' >>"$KUBECTL_STUB_DIR/fail"
	run_kimb --time-format=one.%s -t "$R" ctx
	assert_status 3
	assert_stderr_has "kimb: the cluster cannot be reached to list the pods and workloads that use images ($KIMB_KUBECTL exited with status 1); nothing removed; kubectl get pods --all-namespaces says why"
	assert_stderr_lacks "memcache"
	assert_stderr_lacks "The connection to the server"
	# the build's own output aside, kimb's one line
	[ "$(grep -cv -e '^ =>' -e '^\[+\] Building' "$CASE/stderr")" -eq 1 ] || fail "more than one line: $(cat "$CASE/stderr")"
	assert_calls rm 0
	[ "$(id_listed "$R" p1)" = "$prior" ] || fail "the prior image is gone"
	# Unable to connect (a host that does not answer) is the same
	printf 'Unable to connect to the server: dial tcp 10.0.0.1:6443: i/o timeout\n' >"$KUBECTL_STUB_DIR/fail"
	run_kimb --time-format=two.%s -t "$R" ctx
	assert_status 3
	assert_stderr_has "kimb: the cluster cannot be reached to list the pods and workloads that use images"
	assert_stderr_lacks "Unable to connect"
}

# kimb asks the cluster only when it would touch an image.
# With the listing under the build, kubectl runs after the build only then. With the listing after
# the build (a build that names no image), kubectl runs beside the listing, so that a run that
# removes waits for one round trip; when nothing would be removed its answer is not needed: one that
# fails does not fail the run, and one that hangs is stopped at once, not waited for (the call time
# limit, 5 minutes, is far off).
test_pod_listing_not_needed_when_nothing_would_be_removed()
{
	echo "the cluster is down" >"$KUBECTL_STUB_DIR/fail"
	run_kimb --time-format=zero.%s -t "$R-zero" ctx
	assert_status 0
	[ ! -e "$KUBECTL_STUB_DIR/calls" ] || fail "kubectl ran with the listing under the build and nothing to remove"
	: >"$KIM_STUB_DIR/no-build-id"
	run_kimb --time-format=one.%s -t "$R" ctx
	assert_status 0
	assert_stderr_lacks "pods"
	assert_stderr_lacks "cluster is down"
	rm "$KUBECTL_STUB_DIR/fail"
	: >"$KUBECTL_STUB_DIR/hang"
	# A repository of its own: the first run's image would be one to remove.
	run_limited "$KIMB" --time-format=two.%s -t "$R-two" ctx
	assert_status 0
	assert_stderr_lacks "pods"
	[ "$(line_count "$KUBECTL_STUB_DIR/calls")" -eq 2 ] || fail "kubectl was not started beside each listing"
	# Stopped before it could say its pid, or gone since.
	[ ! -s "$KUBECTL_STUB_DIR/hang.pid" ] || assert_gone "$(cat "$KUBECTL_STUB_DIR/hang.pid")" kubectl
}

# A signal while kubectl hangs (a cluster that does not answer): kubectl gets it too, kimb dies of it
# and removes nothing.
test_signal_while_kubectl_hangs()
{
	prior=$(id_of prior)
	seed "$prior" "$R:p1"
	: >"$KUBECTL_STUB_DIR/hang"
	before_run
	env --default-signal=TERM "$KIMB" --time-format=one.%s -t "$R" ctx >"$CASE/stdout" 2>"$CASE/stderr" &
	kimb_pid=$!
	kimb_started=$kimb_pid
	if ! wait_for_file "$KUBECTL_STUB_DIR/hang.pid"; then
		fail "kubectl never ran: $(cat "$CASE/stderr")"
		kill -KILL "$kimb_pid"
		wait "$kimb_pid"
		return
	fi
	kubectl_pid=$(cat "$KUBECTL_STUB_DIR/hang.pid")
	# In background mode kubectl is the detached child's, as start_blocked finds.
	if in_background; then
		kimb_pid=$(ps -o ppid= -p "$kubectl_pid" | tr -d ' ')
	fi
	kill -TERM "$kimb_pid"
	await_signalled
	assert_status 143
	assert_gone "$kubectl_pid" kubectl
	assert_calls rm 0
	one=$(built_tag "$R")
	assert_store "$R latest $(id_listed "$R" "$one")
$R $one $(id_listed "$R" "$one")
$R p1 $prior"
}

# --- removals at once, and the report ------------------------------------------------------------

# Seeds $1 prior images of R, tagged p1 to pN, named prior1 to priorN (see id_of).
seed_priors()
{
	i=1
	while [ "$i" -le "$1" ]; do
		seed "$(id_of "prior$i")" "$R:p$i"
		i=$((i + 1))
	done
}

# The stand-in lets a removal through only once $1 have begun: only that many at once pass.
removals_must_meet()
{
	printf '%s\n' "$1" >"$KIM_STUB_DIR/rm-together"
}

assert_removals_at_once()
{
	[ ! -e "$KIM_STUB_DIR/rm-alone" ] || fail "removals did not run $1 at once: $(cat "$KIM_STUB_DIR/rm-alone")"
	# The stand-in logs each removal's beginning and end in order: the most that overlapped.
	most=$(awk '$1 == "began" { if (++flying > most) most = flying } $1 == "ended" { flying-- }
		END { print most + 0 }' "$KIM_STUB_DIR/rm-events" 2>/dev/null)
	[ "$most" = "$1" ] || fail "at most ${most:-no} removals ran at once, expected $1"
}

# Only the new image is left of R.
assert_only_new_image()
{
	tag=$(printed_tag)
	new=$(id_listed "$R" "$tag")
	[ -n "$new" ] || fail "the new image is not listed"
	assert_store "$R latest $new
$R $tag $new"
}

test_jobs_run_removals_at_once()
{
	seed_priors 7
	removals_must_meet 3
	run_kimb --jobs=3 --time-format=one.%s -t "$R" ctx
	assert_status 0
	assert_removals_at_once 3
	assert_calls rm 7
	assert_only_new_image
}

test_four_jobs_by_default_and_from_kimb_jobs()
{
	seed_priors 6
	removals_must_meet 4
	run_kimb --time-format=one.%s -t "$R" ctx
	assert_status 0
	assert_removals_at_once 4
	assert_only_new_image

	rm -f "$KIM_STUB_DIR/rm-events"
	seed_priors 5
	removals_must_meet 2
	KIMB_JOBS=2 run_kimb --time-format=two.%s -t "$R" ctx
	assert_status 0
	assert_removals_at_once 2
	assert_only_new_image
}

test_one_job_removes_one_image_at_a_time()
{
	seed_priors 4
	removals_must_meet 1
	run_kimb --jobs 1 --time-format=one.%s -t "$R" ctx
	assert_status 0
	assert_removals_at_once 1
	assert_only_new_image
}

test_jobs_out_of_range_are_usage_errors()
{
	for jobs in 0 33 -1 x 2.5 ''; do
		run_kimb --jobs="$jobs" --time-format=one.%s -t "$R" ctx
		assert_status 2
		assert_stderr_has "--jobs: '$jobs' is not a whole number from 1 to 32"
		assert_no_calls
	done
	KIMB_JOBS=99 run_kimb --time-format=one.%s -t "$R" ctx
	assert_status 2
	assert_stderr_has "KIMB_JOBS: '99' is not a whole number from 1 to 32"
	assert_no_calls
}

# The lines of kimb's report that name images, in order.
report_lines()
{
	grep -E '^kimb: (removed|untagged|kept|could not|did not) ' "$CASE/stderr"
}

# Removals that end in any order are reported in the plan's order: the same as one at a time.
test_report_order_does_not_depend_on_jobs()
{
	for namespace in alone together; do
		i=1
		while [ "$i" -le 6 ]; do
			seed -n "$namespace" "$(id_of "prior$i")" "$R:p$i"
			i=$((i + 1))
		done
	done
	run_kimb -n alone --jobs=1 --time-format=one.%s -t "$R" ctx
	assert_status 0
	report_lines >"$CASE/alone"
	removals_must_meet 6
	run_kimb -n together --jobs=6 --time-format=two.%s -t "$R" ctx
	assert_status 0
	assert_removals_at_once 6
	report_lines >"$CASE/together"
	[ "$(grep -c '^kimb: removed [0-9a-f]\{64\} ' "$CASE/alone")" -eq 6 ] || fail "not 6 removals reported: $(cat "$CASE/alone")"
	cmp -s "$CASE/alone" "$CASE/together" ||
		fail "the report's order changed with --jobs: $(cat "$CASE/alone") / $(cat "$CASE/together")"
}

# A refusal stops only the image refused: the others, running beside it, are removed.
test_a_refusal_stops_only_its_image()
{
	seed_priors 4
	printf '%s\n' "$(id_of prior2)" >"$KIM_STUB_DIR/in-use"
	removals_must_meet 4
	run_kimb --jobs=4 --time-format=one.%s -t "$R" ctx
	assert_status 4
	assert_removals_at_once 4
	tag=$(printed_tag)
	new=$(id_listed "$R" "$tag")
	assert_store "$R latest $new
$R $tag $new
$R p2 $(id_of prior2)"
	assert_stderr_has "could not remove $(id_of prior2) ($R:p2)"
	assert_stderr_has "kimb: removed 3 images (7.74 MB in image sizes, layers may be shared), 1 not removed"
}

# A signal while removals run: those running get it and are waited for, no other starts, and kimb
# dies of it, saying what it did not remove.
test_signal_during_removals_starts_no_more()
{
	# shellcheck disable=SC3045 # dash and bash have ulimit -c: SIGQUIT would dump core
	ulimit -c 0
	seed_priors 6
	# Every removal blocks until the signal: one that started after the first blocked would
	# otherwise remove its image before the signal came.
	keep_blocking=yes
	start_blocked rm --jobs=2 --time-format=one.%s -t "$R" ctx || return
	keep_blocking=
	kill -s TERM "$kimb_pid"
	await_signalled
	rm -f "$KIM_STUB_DIR/block-rm"
	assert_status 143
	stop_blocked rm
	found=$(count_calls rm)
	if [ "$found" -lt 1 ] || [ "$found" -gt 2 ]; then
		fail "$found removals started, expected 1 or 2"
	fi
	for i in 1 2 3 4 5 6; do
		[ "$(id_listed "$R" "p$i")" = "$(id_of "prior$i")" ] || fail "prior$i is gone"
	done
}

# Without --json: one summary line; kim's own "Untagged:" and "Deleted:" lines are not passed on.
test_summary_line()
{
	seed --size 2.58MB "$(id_of prior1)" "$R:p1" "$R:q1"
	seed --size 10.1MB "$(id_of prior2)" "$R:p2"
	run_kimb --dry-run --time-format=one.%s -t "$R" ctx
	assert_status 0
	assert_stderr_has "kimb: would remove 2 images (12.7 MB in image sizes, layers may be shared)"
	run_kimb --time-format=two.%s -t "$R" ctx
	assert_status 0
	assert_stderr_has "kimb: removed 2 images (12.7 MB in image sizes, layers may be shared)"
	assert_stderr_lacks "Deleted:"
	assert_stderr_lacks "Untagged:"
	assert_stdout "$R:$(printed_tag)"
	run_kimb --time-format=three.%s -t "$R" ctx
	assert_status 0
	assert_stderr_has "kimb: removed 1 image (2.58 MB in image sizes, layers may be shared)"
}

test_summary_counts_images_in_use_and_refused()
{
	busy=0000000000000000000000000000000000000000000000000000000000000001
	seed_priors 2
	seed "$busy" "$R:a0"
	seed "$(id_of refused)" "$R:r0"
	pod_runs "$R:a0" "sha256:$busy"
	printf '%s\n' "$(id_of refused)" >"$KIM_STUB_DIR/in-use"
	run_kimb --time-format=one.%s -t "$R" ctx
	assert_status 4
	assert_stderr_has "kimb: removed 2 images (5.16 MB in image sizes, layers may be shared), kept 1 in use, 1 not removed"
}

# --- --verbose, --quiet and the progress line (issue 19, 5) ------------------------------------

# --verbose says each call before it runs, its words quoted for a shell, and after it how it ended:
# two lines a call the stand-in logged, the removal's as it was made.
test_verbose_says_each_call()
{
	old=$(id_of old)
	seed "$old" "$R:p1"
	run_kimb --verbose --time-format=v.%s -t "$R" --target "it's a stage" ctx
	assert_status 0
	assert_call "$(q image rm "$old")"
	calls=$(($(line_count "$(calls_file)") + $(line_count "$KUBECTL_STUB_DIR/calls")))
	said=$(grep -c '^kimb: + ' "$CASE/stderr")
	[ "$said" -eq $((2 * calls)) ] || fail "$said lines of calls for $calls calls: $(cat "$CASE/stderr")"
	grep -qxF "kimb: + $STUB image rm $old" "$CASE/stderr" || fail "the removal is not said before it runs"
	grep -qE "^kimb: \+ $STUB image rm $old exited 0 after [0-9]+\.[0-9]{2} s\$" "$CASE/stderr" ||
		fail "the removal's end is not said: $(cat "$CASE/stderr")"
	# A word with a space or a quote is quoted, as a shell reads it.
	assert_stderr_has "kimb: + $STUB build -t $R --target 'it'\\''s a stage' --tag $R:"
	assert_stderr_has "kimb: removed 1 image"
	# Without --verbose, or with --quiet after it, no call is said.
	seed "$(id_of older)" "$R:p2"
	run_kimb --verbose --quiet --time-format=w.%s -t "$R" ctx
	assert_status 0
	assert_stderr_lacks "kimb: + "
}

# --quiet says only errors and warnings: a removal refused, not the removals done nor the summary;
# the builder's own quiet flag still reaches it as -q.
test_quiet_says_only_errors()
{
	busy=$(id_of busy)
	seed "$busy" "$R:a0"
	seed "$(id_of one)" "$R:p1"
	printf '%s\n' "$busy" >"$KIM_STUB_DIR/in-use"
	run_kimb --quiet -q --time-format=q.%s -t "$R" ctx
	assert_status 4
	assert_call "$(q build -q -t "$R" --tag "$R:$(printed_tag)" -- ctx)"
	assert_stderr_has "could not remove $busy ($R:a0)"
	assert_stderr_has "not every image selected could be removed"
	assert_stderr_lacks "kimb: removed"
	assert_calls rm 2
}

# Runs "$@" on a new terminal (a pseudo-terminal its stdin, stdout and stderr), all it wrote in
# $CASE/terminal, its exit status in $status.
run_on_terminal()
{
	python3 - "$@" >"$CASE/terminal" <<'PY'
import os, pty, sys
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
written = b""
while True:
    try:
        data = os.read(fd, 4096)
    except OSError:
        break
    if not data:
        break
    written += data
_, wait_status = os.waitpid(pid, 0)
sys.stdout.buffer.write(written)
sys.exit(os.waitstatus_to_exitcode(wait_status))
PY
	status=$?
}

# Removals that take over two seconds show their progress on one line that each one rewrites, on a
# terminal only; quick ones show none.
test_slow_removals_show_progress_on_a_terminal_only()
{
	seed "$(id_of current)" "$R:latest"
	for n in 1 2 3 4; do
		seed "$(id_of "prior$n")" "$R:p$n"
	done
	echo 0.55 >"$KIM_STUB_DIR/slow-rm"
	run_on_terminal "$KIMB" --jobs=1 prune "$R"
	[ "$status" -eq 0 ] || fail "exit status $status on a terminal: $(cat "$CASE/terminal")"
	grep -qF "$(printf '\rkimb: removing 4/4')" "$CASE/terminal" ||
		fail "no progress line: $(od -c "$CASE/terminal" | head -20)"
	grep -qF "$(printf '\rkimb: removing 4/4\r\033[K')" "$CASE/terminal" || fail "the progress line is not erased"
	grep -qF "kimb: removed 4 images" "$CASE/terminal" || fail "no summary on the terminal"
	for n in 1 2 3 4; do
		seed "$(id_of "again$n")" "$R:a$n"
	done
	run_kimb --jobs=1 prune "$R"
	assert_status 0
	assert_stderr_has "kimb: removed 4 images"
	! grep -q "removing\|$(printf '\r')" "$CASE/stderr" || fail "a progress line where stderr is no terminal"
	rm "$KIM_STUB_DIR/slow-rm"
	seed "$(id_of quick)" "$R:q1"
	run_on_terminal "$KIMB" prune "$R"
	[ "$status" -eq 0 ] || fail "exit status $status on a terminal: $(cat "$CASE/terminal")"
	grep -qF "kimb: removed 1 image" "$CASE/terminal" || fail "no summary on the terminal"
	! grep -q "removing" "$CASE/terminal" || fail "a progress line for removals that took no time"
}

# Checks the JSON document kimb printed ($CASE/stdout) with the Python expression $1, in which d is
# the document and the remaining arguments are a[0], a[1], ...
assert_json()
{
	check=$1
	shift
	python3 - "$CASE/stdout" "$check" "$@" <<'PY' || fail "the JSON report fails: $check ($(cat "$CASE/stdout"))"
import json, sys
with open(sys.argv[1]) as f:
    d = json.load(f)
a = sys.argv[3:]
sys.exit(0 if eval("(" + sys.argv[2] + ")") else 1)
PY
}

test_json_report()
{
	busy=0000000000000000000000000000000000000000000000000000000000000001
	seed --size 2.58MB "$(id_of prior1)" "$R:p1"
	seed --size 1kB "$(id_of prior2)" "$R:p2" other/app:v1
	seed "$busy" "$R:a0"
	seed "$(id_of refused)" "$R:r0"
	seed "$(id_of other)" other/app:latest
	pod_runs "$R:a0" "sha256:$busy"
	printf '%s\n' "$(id_of refused)" >"$KIM_STUB_DIR/in-use"
	run_kimb --json --time-format=one.%s -t "$R" ctx
	assert_status 4
	tag=$(built_tag "$R")
	new=$(id_listed "$R" "$tag")
	assert_json 'd["builder"] == "kim" and d["exit_status"] == 4 and d["dry_run"] is False'
	assert_json 'len(d["repositories"]) == 1'
	assert_json 'd["repositories"][0]["repository"] == a[0] and d["repositories"][0]["reference"] == a[0] + ":" + a[1]' \
		"$R" "$tag"
	assert_json 'd["schema_version"] == 1'
	assert_json 'd["repositories"][0]["latest"] == a[0] + ":latest"' "$R" # the user's own -t R is latest
	assert_json 'd["repositories"][0]["new_id"] == a[0] and d["new_id"] in (None, a[0])' "$new"
	assert_json '[(x["id"], x["reason"], x["size_bytes"], x["names"]) for x in d["repositories"][0]["removed"]]
		== [(a[0], "replaced", 2580000, [a[2] + ":p1"])]' "$(id_of prior1)" "" "$R"
	assert_json '[(x["id"], x["reason"], x["untagged"]) for x in d["repositories"][0]["untagged"]]
		== [(a[0], "shared", [a[1] + ":p2"])]' "$(id_of prior2)" "$R"
	assert_json '{x["id"]: x["reason"] for x in d["repositories"][0]["kept"]}
		== {a[0]: "new", a[1]: "in_use", a[2]: "removal_failed"}' "$new" "$busy" "$(id_of refused)"
	assert_json '[x["error"] for x in d["repositories"][0]["kept"] if x["reason"] == "removal_failed"]
		== [a[0] + " exited with status 1"]' "$STUB"
	assert_json 'd["repositories"][0]["removed_images_size_bytes"] == 2580000 and d["summary"]["removed_images_size_bytes"] == 2580000'
	assert_json 'd["summary"] == {"removed": 1, "untagged": 1, "earlier_tags": 0, "kept_in_use": 1, "not_removed": 1, "removed_images_size_bytes": 2580000}'
	assert_json 'sorted(d["phases"]) == ["build", "list", "lock", "plan", "remove"]
		and all(v >= 0 for v in d["phases"].values())'
	# build, listing, kubectl, two removals and the untagging
	assert_json 'd["calls"] == 6'
	# CPU time is not bounded by the wall time: valgrind's start before kimb's main counts in it
	assert_json 'd["wall_seconds"] > 0 and isinstance(d["cpu_seconds"], float) and d["cpu_seconds"] >= 0
		and d["peak_memory_bytes"] > 0'
	assert_stderr_lacks "kimb: removed"
	assert_stderr_has "could not remove $(id_of refused) ($R:r0)"
	assert_stderr_has "not every image selected could be removed"
}

test_json_report_of_a_failed_listing_and_a_prune()
{
	seed_priors 1
	printf '3\n' >"$KIM_STUB_DIR/fail-list"
	run_kimb --json --time-format=one.%s -t "$R" ctx
	assert_status 3
	assert_json 'd["exit_status"] == 3 and d["repositories"][0]["removed"] == [] and d["summary"]["removed"] == 0'
	rm "$KIM_STUB_DIR/fail-list"
	run_kimb prune --json --dry-run "$R"
	assert_status 0
	assert_json 'd["dry_run"] is True and d["repositories"][0]["reference"] is None'
	assert_json 'd["new_id"] is None and d["repositories"][0]["new_id"] is None'
	assert_json '[x["id"] for x in d["repositories"][0]["removed"]] == [a[0]]' "$(id_of prior1)"
	assert_json '[x["reason"] for x in d["repositories"][0]["kept"]] == ["latest"]'
}

# --- spellings and messages (issue 8) ----------------------------------------------------------

test_spelled_as_kim_build()
{
	for spelling in "build" "image build" "-n builds image build"; do
		# shellcheck disable=SC2086 # the spelling is words
		run_kimb $spelling --time-format=one.%s -t "$R" ctx
		assert_status 0
		assert_stdout "$R:$(printed_tag)"
	done
	assert_calls build 3
	assert_call "'-n' 'builds' 'build' '-t' '$R' '--tag' '$R:$(printed_tag)' '--' 'ctx'"
	# a context directory named build is still PATH
	mkdir build
	run_kimb -t "$R" --time-format=one.%s build
	assert_status 0
	assert_call "'build' '-t' '$R' '--tag' '$R:$(printed_tag)' '--' 'build'"
	assert_usage_error "image without build" "image build" "$KIMB" image ls
}

test_options_and_global_flags_before_prune()
{
	seed_for_prune
	run_kimb --dry-run -n kube-image prune "$R"
	assert_status 0
	assert_stderr_has "would remove"
	assert_call "'-n' 'kube-image' 'image' 'ls' '-a' '--no-trunc' '--digests'"
	run_kimb --builder=kim prune "$R"
	assert_status 0
	assert_calls rm 2
	assert_usage_error "--scheme before prune" scheme "$KIMB" --scheme=time prune "$R"
}

test_unknown_long_flags_reach_the_build_with_their_value_attached()
{
	run_kimb --time-format=one.%s -t "$R" --platform-hint=x ctx
	# the stand-in knows kim's flags only: it judges the flag, as kim would
	[ "$status" -ne 0 ] || fail "the stand-in accepted --platform-hint"
	grep -q "^'build' '-t' '$R' '--platform-hint=x' '--tag' '$R:[^']*' '--' 'ctx'\$" "$(calls_file)" ||
		fail "--platform-hint=x did not reach the build as written: $(cat "$(calls_file)")"
	assert_calls rm 0
	assert_usage_error "unknown flag with its value apart" "--platform-hint=VALUE" "$KIMB" -t "$R" --platform-hint x ctx
}

# --complete prints kimb's tables for the shell completions, one item a line, and runs no builder.
test_complete_prints_kimbs_tables()
{
	run_kimb --complete=options
	assert_status 0
	assert_stdout_has_lines --builder= --json --complete=
	run_kimb --complete=builders
	assert_stdout auto kim nerdctl podman docker buildah
	run_kimb --complete=schemes
	assert_stdout auto time git describe tree
	run_kimb --complete=global-flags
	assert_stdout_has_lines -n= --namespace= --debug
	run_kimb -t "$R" --builder=podman --complete=build-flags --builder=docker
	assert_status 0
	assert_stdout_has_lines --layers --file=
	run env PATH=/nonexistent KIMB_BUILDER=auto KIMB_KIM= "$KIMB" --complete=options
	assert_status 0
	run env PATH=/nonexistent KIMB_BUILDER=auto KIMB_KIM= "$KIMB" --complete=build-flags
	assert_status 127
	assert_stdout
	assert_usage_error "--complete=bogus" "bogus" "$KIMB" --complete=bogus
	assert_no_calls
}

# The repositories of the builder's listing, made with the global flags before --complete: one
# listing call, no lock, no record, nothing removed.
test_complete_lists_repositories_only()
{
	seed "$(id_of a)" localhost/b:latest localhost/b:v1
	seed --digest-name localhost/a:latest "$(id_of old-a)"
	seed "$(id_of nameless)"
	seed -n ns "$(id_of c)" localhost/c:latest
	run_kimb --complete=repositories
	assert_status 0
	assert_stdout localhost/a localhost/b
	run_kimb --json -n ns prune x --complete=repositories --namespace=other
	assert_status 0
	assert_stdout localhost/c
	assert_calls any 2
	assert_call "$(q image ls -a --no-trunc --digests)"
	assert_call "$(q -n ns image ls -a --no-trunc --digests)"
	# run_test's KIMB_LOCK_DIR and KIMB_STATE_DIR
	[ -z "$(ls -A "$CASE/locks")" ] || fail "locks written: $(ls -A "$CASE/locks")"
	[ ! -e "$CASE/state" ] || fail "state written: $(ls -A "$CASE/state")"
}

# A listing that fails, cannot be read, is not found or hangs gives no item and a status not 0.
test_complete_without_a_listing_offers_nothing()
{
	seed "$(id_of a)" localhost/a:latest
	: >"$KIM_STUB_DIR/fail-list"
	run_kimb --complete=repositories
	assert_status 3
	assert_stdout
	rm "$KIM_STUB_DIR/fail-list"
	: >"$KIM_STUB_DIR/garble-list"
	run_kimb --complete=repositories
	assert_status 3
	assert_stdout
	rm "$KIM_STUB_DIR/garble-list"
	run env KIMB_KIM="$CASE/missing" "$KIMB" --complete=repositories
	assert_status 127
	assert_stdout
	start_blocked list --complete=repositories || return
	wait_bounded "$kimb_pid" 15
	[ "$status" -eq 3 ] || fail "a hanging listing: exit status $status, expected 3"
	[ "$(cat "$KIM_STUB_DIR/list.signal" 2>/dev/null)" = TERM ] || fail "the listing was not stopped with SIGTERM"
	stop_blocked list
	assert_stdout
	assert_stderr_has "cannot list images: kim did not end within 5 s and was stopped; no repositories to offer"
}

# complete is no subcommand: kimb complete builds the directory complete, as before.
test_complete_is_a_directory_name()
{
	mkdir complete
	run_kimb -t "$R" complete
	assert_status 0
	assert_call "$(q build -t "$R" --tag "$R:$(printed_tag)" -- complete)"
}

test_help_and_version_need_no_builder_and_fit_80_columns()
{
	for word in --help -h --version; do
		run env KIMB_BUILDER=bogus "$KIMB" "$word"
		assert_status 0
		[ -s "$CASE/stdout" ] || fail "$word printed nothing"
	done
	run "$KIMB" --help
	wide=$(awk 'length($0) > 80' "$CASE/stdout")
	[ -z "$wide" ] || fail "--help lines wider than 80 columns: $wide"
}

test_messages_say_what_to_do()
{
	run env PATH=/nonexistent KIMB_BUILDER=kim KIMB_KIM= "$KIMB" -t "$R" ctx
	assert_status 127
	assert_stderr_has "kim not found on PATH; install it or set KIMB_KIM"
	run env PATH=/nonexistent KIMB_BUILDER=auto KIMB_KIM= KIMB_NERDCTL= KIMB_PODMAN= KIMB_DOCKER= KIMB_BUILDAH= \
		"$KIMB" -t "$R" ctx
	assert_status 127
	assert_stderr_has "no builder found: looked for kim, nerdctl, podman, docker, buildah on PATH (/nonexistent)"
	assert_stderr_has "KIMB_KIM, KIMB_NERDCTL, KIMB_PODMAN, KIMB_DOCKER, KIMB_BUILDAH"
	assert_usage_error "--dry-run with --no-prune" "--no-prune" "$KIMB" --dry-run --no-prune -t "$R" ctx
	# kim's listing has no creation times: --keep ranks by time tags only, and says when it cannot
	seed "$(id_of g1)" "$R:9c2333a" && seed "$(id_of g2)" "$R:a1b2c3d"
	run_kimb --keep=1 --scheme=time --time-format=one.%s -t "$R" ctx
	assert_status 0
	assert_stderr_has "--keep=1: 2 prior images of $R cannot be ranked"
	[ "$(grep -c 'cannot be ranked' "$CASE/stderr")" -eq 1 ] || fail "said more than once"
	run_kimb prune --missing-ok never/built
	assert_status 0
	assert_stderr_has "never/built has no image in kim's listing; nothing to prune"
	assert_calls rm 2
}

# --- the README ------------------------------------------------------------------------------

# Issue 19: a README for newcomers, at most 250 lines; the rest lives in docs/.
test_readme_is_at_most_250_lines()
{
	lines=$(wc -l <"$TESTS/../README.md") || fail "cannot read the README"
	[ "$lines" -le 250 ] || fail "README.md has $lines lines, more than 250: move detail to docs/"
}

# The README's CI recipes (its section "A CI step"), run as GitHub Actions and GitLab CI run them
# (bash -e): the reference they pass on names the image the build made, also when an old image
# could not be removed (status 4); a failed build fails them, also one whose builder exits 4.
test_readme_ci_steps_pass_the_reference_on()
{
	mkdir "$CASE/bin" "$CASE/ctx" && ln -s "$KIMB" "$CASE/bin/kimb" || exit 1
	python3 - "$TESTS/../README.md" "$CASE" <<'EOF' || fail "the README's CI recipes cannot be read"
import sys
import yaml

readme, case = sys.argv[1], sys.argv[2]
section = open(readme, encoding="utf-8").read().split("### A CI step", 1)[1].split("\n### ", 1)[0]
blocks = [part.split("```", 1)[0] for part in section.split("```yaml\n")[1:]]
github, gitlab = yaml.safe_load(blocks[0]), yaml.safe_load(blocks[1])
build = next(step for step in github if step.get("id") == "image")
deploy = next(step for step in github if step.get("name") == "Deploy")
assert "steps.image.outputs.ref" in deploy["run"], deploy
assert "$IMAGE_REF" in "\n".join(gitlab["deploy"]["script"]), gitlab["deploy"]
assert gitlab["build"]["artifacts"]["reports"]["dotenv"] == "build.env", gitlab["build"]
# Issue 18: overlapping pipelines keep each other's images a day; a registry's recipe pushes the
# unique tag with the builder's own flag and passes the digest on.
assert "--keep-within=1d" in build["run"], build["run"]
assert "--keep-within=1d" in "\n".join(gitlab["build"]["script"]), gitlab["build"]
recipes = open(readme.replace("README.md", "docs/recipes.md"), encoding="utf-8").read()
push_section = recipes.split("## A CI step", 1)[1].split("\n## ", 1)[0]
push = yaml.safe_load(push_section.split("```yaml\n", 1)[1].split("```", 1)[0])[0]["run"]
for word in ("--keep-within=1d", "--push", "--metadata-file=build.json", "containerd.image.digest", "$GITHUB_OUTPUT"):
    assert word in push, (word, push)
open(case + "/github.sh", "w").write(build["run"])
open(case + "/gitlab.sh", "w").write("\n".join(gitlab["build"]["script"]) + "\n")
open(case + "/push-words", "w").write(push.split("$(", 1)[1].split(")", 1)[0].replace("\\\n", " "))
EOF
	# The push recipe's command line is one kimb reads for docker: its flags are docker's build flags.
	set -f
	# shellcheck disable=SC2046 # the recipe's words, split as the shell would; globbing is off
	run "$KIMB" $(sed 's/^kimb //' "$CASE/push-words") --complete=build-flags
	set +f
	assert_status 0
	ci_step github registry.example.com/team/app
	ci_step gitlab registry.example.com/group/app
	# The recipes keep a day's images: an image of last year's is what goes, and may fail to.
	seed "$(id_of old-github)" registry.example.com/team/app:20240101.000000
	seed "$(id_of old-gitlab)" registry.example.com/group/app:20240101.000000
	: >"$KIM_STUB_DIR/fail-rm"
	ci_step github registry.example.com/team/app
	grep -q 'not every image selected could be removed' "$CASE/stderr" || fail "no removal failed in the github step"
	ci_step gitlab registry.example.com/group/app
	grep -q 'not every image selected could be removed' "$CASE/stderr" || fail "no removal failed in the gitlab step"
	rm "$KIM_STUB_DIR/fail-rm"
	for kims in 1 4; do
		echo "$kims" >"$KIM_STUB_DIR/fail-build"
		ci_step github registry.example.com/team/app fails
		ci_step gitlab registry.example.com/group/app fails
	done
}

# ci_step github|gitlab REPOSITORY [fails]: runs the recipe's build script in $CASE/ctx, then checks
# the reference it passed on (in $GITHUB_OUTPUT as ref=, or in build.env as IMAGE_REF=): that of
# the image REPOSITORY:latest names, or with `fails`, none, and a failed step.
ci_step()
{
	rm -f "$CASE/output" "$CASE/ctx/build.env"
	run env -C "$CASE/ctx" PATH="$CASE/bin:$PATH" GITHUB_OUTPUT="$CASE/output" CI_REGISTRY_IMAGE="$2" \
		bash -e "$CASE/$1.sh"
	[ "$1" = github ] || { [ ! -e "$CASE/ctx/build.env" ] || mv "$CASE/ctx/build.env" "$CASE/output"; }
	ref=$(sed -n 's/^\(ref\|IMAGE_REF\)=//p' "$CASE/output" 2>/dev/null)
	if [ "${3:-}" = fails ]; then
		[ "$status" -ne 0 ] || fail "the $1 recipe passed a failed build"
		[ -z "$ref" ] || fail "the $1 recipe passed on $ref from a failed build"
		return
	fi
	assert_status 0
	tag=${ref#"$2":}
	if [ -z "$tag" ] || [ "$ref" != "$2:$tag" ]; then
		fail "the $1 recipe passed on \"$ref\""
	fi
	[ "$(id_listed "$2" "$tag")" = "$(id_listed "$2" latest)" ] || fail "$ref does not name the image built"
}

# readme_blocks HEADING: the fenced blocks of the README's section HEADING (a whole heading line,
# `### Tilt`), up to the next heading, each in $CASE/block.N (N from 1, in order).
readme_blocks()
{
	python3 - "$TESTS/../README.md" "$1" "$CASE" <<'EOF' || fail "the README's section \"$1\" cannot be read"
import re
import sys

readme, heading, case = sys.argv[1:]
section = open(readme, encoding="utf-8").read().split("\n" + heading + "\n", 1)[1]
section = re.split(r"\n#{1,3} ", section, maxsplit=1)[0]
blocks = re.findall(r"^```\w*\n(.*?)^```$", section, re.M | re.S)
assert blocks, "no code block"
for number, block in enumerate(blocks, 1):
    open(f"{case}/block.{number}", "w", encoding="utf-8").write(block)
EOF
}

# The README's developer loop, run twice as a shell runs it (bash -e) with a kubectl that records
# its calls: each round deploys the reference of the image it built, and the second removes the
# first round's image, which no pod runs.
test_readme_developer_loop_deploys_each_build()
{
	readme_blocks '## The developer loop'
	mkdir "$CASE/bin" && ln -s "$KIMB" "$CASE/bin/kimb" || exit 1
	printf '#!/bin/sh\nprintf "%%s\\n" "$*" >>"%s/deployed"\n' "$CASE" >"$CASE/bin/kubectl" && chmod +x "$CASE/bin/kubectl"
	for round in 1 2; do
		run env -C ctx PATH="$CASE/bin:$PATH" bash -e "$CASE/block.1"
		assert_status 0
		ref=$(sed -n "${round}s|^set image deployment/web web=||p" "$CASE/deployed" 2>/dev/null)
		tag=${ref#"$R":}
		if [ -z "$ref" ] || [ "$ref" != "$R:$tag" ]; then
			fail "round $round deployed \"$ref\""
			return
		fi
		[ "$tag" = "$(built_tag "$R")" ] || fail "round $round deployed $ref, not the unique tag of its build"
		[ "$(id_listed "$R" "$tag")" = "$(id_listed "$R" latest)" ] || fail "round $round deployed $ref, not its build"
		eval "id_$round=\$(id_listed \"\$R\" latest)"
	done
	# shellcheck disable=SC2154 # set by the eval above
	[ "$id_1" != "$id_2" ] || fail "both rounds deployed one image"
	! store_rows | grep -q " $id_1\$" || fail "the first round's image stayed: $(store_rows)"
}

# The README's monorepo recipe, run twice as a shell runs it (bash -e) with a kubectl that records
# its calls, a commit of svc-b alone between: svc-a is deployed with the same reference both times,
# svc-b with another.
test_readme_monorepo_deploys_only_what_changed()
{
	readme_blocks '### A monorepo'
	mkdir -p mono/svc-a mono/svc-b "$CASE/bin" && ln -s "$KIMB" "$CASE/bin/kimb" || exit 1
	printf '#!/bin/sh\nprintf "%%s\\n" "$*" >>"%s/deployed"\n' "$CASE" >"$CASE/bin/kubectl" && chmod +x "$CASE/bin/kubectl"
	printf 'a\n' >mono/svc-a/app
	printf 'b\n' >mono/svc-b/app
	{ git -C mono init -q && git -C mono add . ; } >>"$CASE/git.log" 2>&1 || fail "cannot make the monorepo"
	git_commit mono "two services"
	for round in 1 2; do
		run env -C mono PATH="$CASE/bin:$PATH" bash -e "$CASE/block.1"
		assert_status 0
		printf 'b, round %s\n' "$round" >mono/svc-b/app
		git -C mono add svc-b || exit 1
		git_commit mono "svc-b, round $round"
	done
	a=$(grep -c '^set image deployment/svc-a ' "$CASE/deployed")
	b=$(grep -c '^set image deployment/svc-b ' "$CASE/deployed")
	if [ "$a" -ne 2 ] || [ "$b" -ne 2 ]; then
		fail "deployed: $(cat "$CASE/deployed")"
	fi
	[ "$(grep '^set image deployment/svc-a ' "$CASE/deployed" | sort -u | wc -l)" -eq 1 ] ||
		fail "svc-a, unchanged, was deployed with two references: $(cat "$CASE/deployed")"
	[ "$(grep '^set image deployment/svc-b ' "$CASE/deployed" | sort -u | wc -l)" -eq 2 ] ||
		fail "svc-b, changed, was deployed with one reference: $(cat "$CASE/deployed")"
}

# The README's nightly prune: its first block's lines that make prune.conf, run with /etc/kimb in
# the test's directory (where no such directory exists yet, as after make install-systemd), name a
# unit of scripts/systemd; its crontab line, run as cron runs it (sh -c) with the script of
# scripts/ for the one it names, prunes the repository listed and nothing else.
test_readme_nightly_prune_prunes_what_prune_conf_lists()
{
	readme_blocks '### A nightly prune'
	seed_for_prune
	grep -v '^systemctl ' "$CASE/block.1" | sed "s|/etc/kimb|$CASE/etc/kimb|g" >"$CASE/configure.sh"
	run sh -e "$CASE/configure.sh"
	assert_status 0
	[ "$(grep -v '^#' "$CASE/etc/kimb/prune.conf")" = "$R" ] || fail "prune.conf holds $(cat "$CASE/etc/kimb/prune.conf")"
	units=$(sed -n 's/ *#.*//; s/^systemctl .* \(kimb-[a-z.-]*\)$/\1/p' "$CASE/block.1")
	[ -n "$units" ] || fail "the README starts no unit"
	for unit in $units; do
		[ -f "$TESTS/../scripts/systemd/$unit" ] || fail "the README names a unit $unit that is not installed"
	done
	line=$(cat "$CASE/block.2")
	schedule=$(printf '%s\n' "$line" | cut -d ' ' -f 1-5)
	printf '%s\n' "$schedule" | grep -qE '^[0-9]+ [0-9]+ \* \* \*$' || fail "the crontab line's schedule is $schedule"
	command=$(printf '%s\n' "$line" | cut -d ' ' -f 6-)
	case $command in
	*' /usr/libexec/kimb/kimb-prune-config /etc/kimb/prune.conf '*) ;;
	*) fail "the crontab line runs $command" ;;
	esac
	command=$(printf '%s\n' "$command" |
		sed "s|/usr/libexec/kimb/kimb-prune-config|$TESTS/../scripts/kimb-prune-config.sh|; s|/etc/kimb/|$CASE/etc/kimb/|")
	# the line sets its own PATH: kimb-prune-config finds the kimb under test through KIMB_PRUNE_KIMB
	run env KIMB_PRUNE_KIMB="$KIMB" sh -c "$command"
	assert_status 0
	assert_store "$R latest $latest
$R 20240103.000000 $latest
other/app latest $other
other/app v0 $other"
}

# tool_build VARIABLE TAG: the command in $CASE/command, run as Tilt and Skaffold run a build
# command (sh -c, in the context) with VARIABLE set to the image in $CASE/image and TAG, as the
# tool sets it; it must build that very image, tagged latest too. Sets built_id.
tool_build()
{
	image=$(cat "$CASE/image")
	run env -C ctx PATH="$CASE/bin:$PATH" "$1=$image:$2" PUSH_IMAGE=false BUILD_CONTEXT="$CASE/work/ctx" \
		sh -c "$(cat "$CASE/command")"
	assert_status 0
	built_id=$(id_listed "$image" "$2")
	if [ -z "$built_id" ] || [ "$built_id" != "$(id_listed "$image" latest)" ]; then
		fail "$1=$image:$2 names no image built, or not the one latest names: $(store_rows)"
	fi
}

# tool_builds_twice VARIABLE: two builds as the tool makes them, the second removing the first's
# image; a failed build fails the command and tags nothing.
tool_builds_twice()
{
	mkdir "$CASE/bin" && ln -s "$KIMB" "$CASE/bin/kimb" || exit 1
	tool_build "$1" tool-build-1
	first=$built_id
	tool_build "$1" tool-build-2
	[ "$first" != "$built_id" ] || fail "both builds made one image"
	! store_rows | grep -q " $first\$" || fail "the first build's image stayed: $(store_rows)"
	echo 1 >"$KIM_STUB_DIR/fail-build"
	run env -C ctx PATH="$CASE/bin:$PATH" "$1=$(cat "$CASE/image"):tool-build-3" sh -c "$(cat "$CASE/command")"
	[ "$status" -ne 0 ] || fail "the command passed a failed build"
	[ -z "$(id_listed "$(cat "$CASE/image")" tool-build-3)" ] || fail "a failed build was tagged"
}

# The README's Tilt recipe: the custom_build call, read with Python's parser (a Tiltfile is
# Starlark), builds with kim without Docker and without a push, and its command builds
# EXPECTED_REF.
test_readme_tilt_recipe_builds_the_expected_ref()
{
	readme_blocks '### Tilt'
	python3 - "$CASE/block.1" "$CASE" <<'EOF' || fail "the README's custom_build cannot be read"
import ast
import sys

tiltfile, case = sys.argv[1:]
tree = ast.parse(open(tiltfile, encoding="utf-8").read())
call = next(node for node in ast.walk(tree)
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "custom_build")
arguments = [ast.literal_eval(argument) for argument in call.args]
keywords = {keyword.arg: ast.literal_eval(keyword.value) for keyword in call.keywords}
ref = arguments[0] if arguments else keywords["ref"]
command = arguments[1] if len(arguments) > 1 else keywords["command"]
assert keywords.get("skips_local_docker") is True and keywords.get("disable_push") is True, keywords
assert keywords.get("deps") == ["."], keywords
open(case + "/image", "w").write(ref)
open(case + "/command", "w").write(command)
EOF
	tool_builds_twice EXPECTED_REF
}

# The README's Skaffold recipe: a custom builder that does not push, whose buildCommand builds
# IMAGE.
test_readme_skaffold_recipe_builds_the_image()
{
	readme_blocks '### Skaffold'
	python3 - "$CASE/block.1" "$CASE" <<'EOF' || fail "the README's skaffold.yaml cannot be read"
import sys
import yaml

config, case = sys.argv[1:]
document = yaml.safe_load(open(config, encoding="utf-8"))
assert document["kind"] == "Config" and document["apiVersion"].startswith("skaffold/"), document
assert document["build"]["local"]["push"] is False, document["build"]
artifact, = document["build"]["artifacts"]
assert artifact["custom"]["dependencies"]["paths"] == ["."], artifact
open(case + "/image", "w").write(artifact["image"])
open(case + "/command", "w").write(artifact["custom"]["buildCommand"])
EOF
	tool_builds_twice IMAGE
}

# --- --prune=background ----------------------------------------------------------------------

# The outcome the detached prune of $R left in its log (empty when none yet): its first line.
background_outcome()
{
	# shellcheck disable=SC2031 # run_test sets it in the subshell the test runs in
	for log in "$KIMB_STATE_DIR"/prune/*.prune.log; do
		[ -f "$log" ] && head -n 1 "$log"
	done
}

# Waits until the detached prune has written its outcome and ended (no log of a running one).
background_done()
{
	# shellcheck disable=SC2031
	[ -n "$(background_outcome)" ] && [ -z "$(find "$KIMB_STATE_DIR/prune" -name '*.running')" ]
}

# prior_and_background_run: seeds the prior image $prior ($R:p1, latest), then runs kimb at
# --prune=background (tag one.*) with its child's listing blocked, and waits until that listing runs.
prior_and_background_run()
{
	prior=$(id_of prior)
	seed "$prior" "$R:p1" "$R:latest"
	: >"$KIM_STUB_DIR/block-list"
	rm -f "$KIM_STUB_DIR/list.pid"
	run_kimb --prune=background --time-format=one.%s -t "$R" ctx
	assert_status 0
	wait_for_file "$KIM_STUB_DIR/list.pid" || fail "the detached prune never listed"
}

# kimb exits once the build is done; the detached child removes the prior image after it, and
# records its outcome.
test_background_prune_removes_after_exit()
{
	prior_and_background_run
	one=$(printed_tag)
	assert_stdout "$R:$one"
	# kimb has exited, and the child's listing has not ended yet: nothing removed.
	[ "$(id_listed "$R" p1)" = "$prior" ] || fail "the prior image went before the detached prune listed"
	rm -f "$KIM_STUB_DIR/block-list"
	kill -KILL "$(cat "$KIM_STUB_DIR/list.pid")"
	wait_until background_done || fail "the detached prune never ended"
	assert_listing "the outcome" "kimb-prune-log 1 status 3" "$(background_outcome)"
	# The failure is told by the next run, once; that run (now) prunes.
	run_kimb --time-format=two.%s -t "$R" ctx
	assert_status 0
	assert_stderr_has "kimb: the background prune of $R after an earlier build failed (exit status 3)"
	two=$(printed_tag)
	new=$(id_listed "$R" "$two")
	assert_store "$R $two $new
$R latest $new"
	run_kimb --prune=background --time-format=three.%s -t "$R" ctx
	assert_status 0
	assert_stderr_lacks "background prune"
	wait_until background_done || fail "the second detached prune never ended"
	assert_listing "the outcome" "kimb-prune-log 1 status 0" "$(background_outcome)"
	three=$(printed_tag)
	new=$(id_listed "$R" "$three")
	assert_store "$R $three $new
$R latest $new"
}

# The child is detached: its own session, stdin on /dev/null, stdout and stderr on its log, nothing
# else of kimb's caller: a pipeline that reads kimb's output ends while the child still runs.
test_background_prune_is_detached()
{
	seed "$(id_of prior)" "$R:p1" "$R:latest"
	: >"$KIM_STUB_DIR/block-list"
	rm -f "$KIM_STUB_DIR/list.pid"
	{ "$KIMB" --prune=background -t "$R" ctx 2>&1; echo "$?" >"$CASE/status"; } </dev/null | cat >"$CASE/stdout" &
	pipeline=$!
	wait_for_file "$KIM_STUB_DIR/list.pid" || fail "the detached prune never listed"
	wait_bounded "$pipeline" 10
	[ "$(cat "$CASE/status")" = 0 ] || fail "kimb exited $(cat "$CASE/status"): $(cat "$CASE/stdout")"
	child=$(ps -o ppid= -p "$(cat "$KIM_STUB_DIR/list.pid")" | tr -d ' ')
	[ -n "$child" ] || fail "no parent of the blocked listing"
	[ "$(ps -o sid= -p "$child" | tr -d ' ')" = "$child" ] || fail "the child is no session leader"
	[ "$(readlink "/proc/$child/fd/0")" = /dev/null ] || fail "the child's stdin is $(readlink "/proc/$child/fd/0")"
	# shellcheck disable=SC2031 # run_test sets it in the subshell the test runs in
	for fd in 1 2; do
		case $(readlink "/proc/$child/fd/$fd") in
		"$KIMB_STATE_DIR"/prune/*.running) ;;
		*) fail "the child's descriptor $fd is $(readlink "/proc/$child/fd/$fd")" ;;
		esac
	done
	# Beyond 0, 1 and 2 only its own: its pipes to the blocked listing, its prune lock.
	# shellcheck disable=SC2031 # run_test sets it in the subshell the test runs in
	for fd in /proc/"$child"/fd/*; do
		case ${fd##*/}:$(readlink "$fd") in
		0:* | 1:* | 2:* | *:pipe:* | *:"$KIMB_LOCK_DIR" | *:"$KIMB_LOCK_DIR"/*_prune_-*.lock) ;;
		*) fail "the child holds ${fd##*/}: $(readlink "$fd")" ;;
		esac
	done
	rm -f "$KIM_STUB_DIR/block-list"
	kill -TERM "$(cat "$KIM_STUB_DIR/list.pid")"
	wait_until background_done || fail "the detached prune never ended"
}

# A second run never waits for a background prune before building; in background mode it does not
# prune a repository whose background prune still runs, and says so in --json (a run at --prune=now
# prunes under its tag lock, and the background prune then removes nothing). The prune, once its
# listing is back, sees that a build began since it and removes nothing.
test_second_run_does_not_wait_for_a_background_prune()
{
	prior_and_background_run
	rm -f "$KIM_STUB_DIR/block-list"
	run_kimb --prune=background --lock-timeout=0 --json --time-format=two.%s -t "$R" ctx
	assert_status 0
	assert_stderr_lacks "waiting"
	grep -q '"prune": "skipped"' "$CASE/stdout" || fail "--json does not say the pruning was skipped: $(cat "$CASE/stdout")"
	assert_calls build 2
	kill -TERM "$(cat "$KIM_STUB_DIR/list.pid")"
	wait_until background_done || fail "the detached prune never ended"
	[ "$(id_listed "$R" p1)" = "$prior" ] || fail "a prune removed the prior image with a build after its listing"
	assert_calls rm 0
}

# The child's listing taken, a build lands before its removals: it removes nothing, since that
# build may have given a prior image's ID back.
test_background_prune_removes_nothing_after_a_later_build()
{
	prior=$(id_of prior)
	seed "$prior" "$R:p1" "$R:latest"
	: >"$KIM_STUB_DIR/hold-list"
	run_kimb --prune=background --time-format=one.%s -t "$R" ctx
	assert_status 0
	wait_for_file "$KIM_STUB_DIR/list.held" || fail "the detached prune never listed"
	run_kimb --no-prune --time-format=two.%s -t "$R" ctx
	assert_status 0
	rm -f "$KIM_STUB_DIR/hold-list"
	wait_until background_done || fail "the detached prune never ended"
	[ "$(id_listed "$R" p1)" = "$prior" ] || fail "the prior image went after a later build"
	assert_calls rm 0
	# shellcheck disable=SC2031 # run_test sets it in the subshell the test runs in
	grep -q "a build began since the listing" "$KIMB_STATE_DIR"/prune/*.prune.log ||
		fail "the log does not say why nothing was removed"
}

# The detached child, signalled while it lists, dies of the signal and removes nothing; its log
# says so (status 128 + 15), and the next run tells it.
test_background_prune_signalled_removes_nothing()
{
	prior_and_background_run
	child=$(ps -o ppid= -p "$(cat "$KIM_STUB_DIR/list.pid")" | tr -d ' ')
	[ -n "$child" ] || fail "no parent of the blocked listing"
	kill -TERM "$child"
	wait_until process_ended "$child" || fail "the child outlived SIGTERM"
	[ "$(cat "$KIM_STUB_DIR/list.signal" 2>/dev/null)" = TERM ] || fail "the child's listing did not get SIGTERM"
	rm -f "$KIM_STUB_DIR/block-list"
	stop_blocked list
	[ "$(id_listed "$R" p1)" = "$prior" ] || fail "the prior image is gone"
	assert_calls rm 0
	assert_listing "the outcome" "kimb-prune-log 1 status 143" "$(background_outcome)"
	# shellcheck disable=SC2031 # run_test sets it in the subshell the test runs in
	[ -z "$(find "$KIMB_STATE_DIR/prune" -name '*.running')" ] || fail "the child left its log running"
	run_kimb --prune=never -t "$R" ctx
	assert_status 0
	assert_stderr_has "kimb: the background prune of $R after an earlier build failed (exit status 143)"
}

# --prune=never is --no-prune, and KIMB_PRUNE gives the default.
test_prune_never_and_kimb_prune()
{
	prior=$(id_of prior)
	seed "$prior" "$R:p1" "$R:latest"
	run_kimb --prune=never -t "$R" ctx
	assert_status 0
	assert_calls list 0
	KIMB_PRUNE=never run_kimb -t "$R" ctx
	assert_status 0
	assert_calls list 0
	# --no-prune on the command line wins over the variable, as every option does.
	KIMB_PRUNE=background run_kimb --no-prune --json -t "$R" ctx
	assert_status 0
	grep -q '"prune": "never"' "$CASE/stdout" || fail "--no-prune did not win over KIMB_PRUNE: $(cat "$CASE/stdout")"
	KIMB_PRUNE=never run_kimb --prune=now --json -t "$R" ctx
	assert_status 0
	grep -q '"prune": "now"' "$CASE/stdout" || fail "--json does not say now: $(cat "$CASE/stdout")"
	[ -z "$(id_listed "$R" p1)" ] || fail "--prune=now did not prune"
	run_kimb --prune=later -t "$R" ctx
	assert_status 2
	assert_stderr_has "later"
}

# An interrupted run removes nothing in background mode: a signal during the build ends kimb
# before any child is forked.
test_background_interrupted_build_removes_nothing()
{
	prior=$(id_of prior)
	seed "$prior" "$R:p1" "$R:latest"
	start_blocked build --prune=background -t "$R" ctx || return
	kill -s TERM "$kimb_pid"
	wait_bounded "$kimb_pid"
	assert_status 143
	stop_blocked build
	assert_calls list 0
	# shellcheck disable=SC2031 # run_test sets it in the subshell the test runs in
	[ ! -d "$KIMB_STATE_DIR/prune" ] || [ -z "$(find "$KIMB_STATE_DIR/prune" -name '*.running' -o -name '*.prune.log')" ] ||
		fail "a background prune ran after an interrupted build"
	[ "$(id_listed "$R" p1)" = "$prior" ] || fail "the prior image is gone"
}

# --- the listing under the build (kim) --------------------------------------------------------

# Nothing listed but, perhaps, under the build: kim's listing runs beside the build and changes
# nothing; a build that fails or is stopped may end it before it was even logged.
assert_listed_at_most_under_build()
{
	found=$(count_calls list)
	[ "$found" -le 1 ] || fail "$found list calls made, expected at most the one under the build"
}

# start_held KIMB-ARGUMENTS...: starts kimb in the background (stdout and stderr in $CASE) with its
# build held until release_held, once the listing beside it has read the store and is held too;
# $kimb_pid is kimb's. Fails the test and returns 1 when either never came.
start_held()
{
	: >"$KIM_STUB_DIR/hold-build"
	: >"$KIM_STUB_DIR/hold-list"
	"$KIMB" "$@" >"$CASE/stdout" 2>"$CASE/stderr" &
	kimb_pid=$!
	if ! wait_for_file "$KIM_STUB_DIR/build.held" || ! wait_for_file "$KIM_STUB_DIR/list.held"; then
		fail "the build or the listing beside it never came: $(cat "$CASE/stderr")"
		rm -f "$KIM_STUB_DIR/hold-build" "$KIM_STUB_DIR/hold-list"
		wait "$kimb_pid"
		return 1
	fi
}

release_held()
{
	rm -f "$KIM_STUB_DIR/hold-list" "$KIM_STUB_DIR/hold-build"
	wait_bounded "$kimb_pid"
}

# The listing runs beside the build, and only the removal after it: the image the build replaced
# goes, the new one, whose ID the build's output named, stays; kubectl runs once, after the build.
test_listing_under_the_build()
{
	prior=$(id_of prior)
	seed "$prior" "$R:p1" "$R:latest"
	start_held --json --time-format=one.%s -t "$R" ctx || return
	assert_calls list 1
	[ ! -s "$KUBECTL_STUB_DIR/calls" ] || fail "kubectl ran before the build ended"
	release_held
	assert_status 0
	one=$(built_tag "$R")
	new=$(id_listed "$R" "$one")
	assert_store "$R latest $new
$R $one $new"
	grep -q "\"new_id\": \"$new\"" "$CASE/stdout" || fail "--json does not name the new image: $(cat "$CASE/stdout")"
	assert_calls list 1
	assert_call "$(q image rm "$prior")"
	assert_calls any 3
	assert_kubectl_calls "$(q get "$KUBECTL_KINDS" --all-namespaces --output=json)"
}

# An image that the listing under the build did not show (tagged meanwhile by another tool) was not
# prior: it is never removed, though listed under the repository after the build.
test_image_tagged_during_the_build_stays()
{
	prior=$(id_of prior)
	during=$(id_of during)
	seed "$prior" "$R:p1" "$R:latest"
	start_held --time-format=one.%s -t "$R" ctx || return
	seed "$during" "$R:during"
	release_held
	assert_status 0
	one=$(built_tag "$R")
	new=$(id_listed "$R" "$one")
	assert_store "$R during $during
$R latest $new
$R $one $new"
	assert_no_call_with "$during"
}

# A pod that starts using the replaced image while the build runs keeps it: kim removes what pods
# use, so the pods are read after the build, not beside the listing under it.
test_pod_using_an_image_since_the_build_keeps_it()
{
	prior=$(id_of prior)
	seed "$prior" "$R:p1" "$R:latest"
	start_held --time-format=one.%s -t "$R" ctx || return
	pod_runs "$R:p1" "sha256:$prior"
	release_held
	assert_status 0
	[ "$(id_listed "$R" p1)" = "$prior" ] || fail "the image a pod began to use during the build is gone"
	assert_stderr_has "kept $prior ($R:p1): in use by a container or pod"
	assert_calls rm 0
}

# An identical rebuild under the listing gives the listed latest image's ID back: that image is the
# new one, and stays with its unique tag; only the earlier unique tag kimb issued goes.
test_identical_rebuild_under_the_listing_keeps_its_image()
{
	: >"$KIM_STUB_DIR/cache-hit"
	build_r one
	one=$tag
	image=$new
	build_r two
	[ "$new" = "$image" ] || fail "the stand-in's rebuild made another image"
	assert_store "$R latest $image
$R $tag $image"
	assert_call "$(q image rm "$R:$one")"
	assert_no_call_with "'image' 'rm' '$image'"
	assert_calls list 2
}

# A build whose output names no image (kim's progress on a console, or a changed format): the
# listing after it tells, with kubectl beside it, as without a listing under the build.
test_build_naming_no_image_lists_after_it()
{
	prior=$(id_of prior)
	seed "$prior" "$R:p1" "$R:latest"
	: >"$KIM_STUB_DIR/no-build-id"
	build_r one
	assert_store "$R latest $new
$R $tag $new"
	! grep -q "exporting config" "$CASE/stderr" || fail "the stand-in named the image"
	assert_calls list 2
	assert_call "$(q image rm "$prior")"
	assert_calls rm 1
	assert_kubectl_calls "$(q get "$KUBECTL_KINDS" --all-namespaces --output=json)"
}

# --- both modes: the safety tests at --prune=now and at --prune=background ------------------------

# Each of these runs twice: as test_NAME at --prune=now (the default), and as test_NAME[background]
# with KIMB_PRUNE=background, where kimb exits once the build is done and a detached child prunes.
# Their assertions stay as they are: after each run (run, await_signalled) the test waits for that
# run's child (background_settle) and reads the log it left, which is added to kimb's stderr, and
# whose status is the run's when kimb itself succeeded (after_run): what the user learns of the run
# once its prune is done. A test whose assertions must differ asks in_background.
BOTH_MODES='
test_done_when_two_builds_leave_one_image
test_original_report_rows_removed
test_other_repositories_untouched
test_normalized_names_name_one_repository
test_latest_elsewhere_and_new_image_kept
test_nameless_images_untouched
test_shared_image_only_untagged
test_a_refused_joint_removal_is_one_failure
test_one_rm_call_per_image_by_full_id
test_in_use_image_refused_others_removed
test_image_used_by_pod_kept_others_removed
test_workloads_keep_the_images_their_pod_templates_name
test_forbidden_workloads_remove_nothing_unless_skipped
test_unknown_workload_kind_removes_nothing_unless_skipped
test_keep_newest_prior_images
test_protect_keeps_a_tag_and_its_image
test_keep_within_keeps_recent_builds_on_kim
test_keep_within_two_repositories_and_a_nameless_recorded_image
test_cache_hit_rebuild_keeps_one_unique_tag
test_earlier_unique_tag_a_pod_names_stays
test_failed_build_exits_6
test_failed_listing_exits_3
test_garbled_listing_exits_3
test_pods_keep_images_by_digest_and_by_name
test_pods_that_cannot_be_read_keep_everything
test_killed_listing_exits_3
test_stopping_signals_at_each_phase
test_signal_during_removals_starts_no_more
test_signal_while_kubectl_hangs
test_concurrent_runs_take_turns
test_concurrent_runs_print_unique_references
test_planted_lock_files_are_refused
test_lock_attacks_by_another_user
'

# Whether the test runs in background mode (with_stub_in_background).
in_background()
{
	[ "${PRUNE_MODE:-}" = background ]
}

# The pids of this test's kimb processes that run as root or as its user: those whose environment
# (as they were started) names the test's state directory, and whose command line names kimb.
kimb_processes()
{
	# shellcheck disable=SC2031 # run_test sets it in the subshell the test runs in
	grep -lzxF -e "KIMB_STATE_DIR=$KIMB_STATE_DIR" /proc/[0-9]*/environ 2>/dev/null |
		while read -r environ; do
			process=${environ%/environ}
			# A process that ended meanwhile has no command line.
			{ tr '\0' '\n' <"$process/cmdline"; } 2>/dev/null | grep -q '\(^\|/\)kimb$' &&
				printf '%s\n' "${process#/proc/}"
		done
}

# background_settle [PIDS]: waits (at most 60 s) until no kimb process of the test runs but PIDS
# (lines; those that ran before the run waited for): every detached prune has ended and written
# its outcome. Fails the test when one still runs, or ended without its outcome (its log is left
# .running).
background_settle()
{
	settle_tries=0
	while kimb_processes | grep -qvxF -e "${1:-none}"; do
		settle_tries=$((settle_tries + 1))
		if [ "$settle_tries" -gt 600 ]; then
			fail "a detached prune still runs after 60 s: $(kimb_processes | grep -vxF -e "${1:-none}")"
			return 1
		fi
		sleep 0.1
	done
	# shellcheck disable=SC2031 # run_test sets it in the subshell the test runs in
	settle_running=$(find "$KIMB_STATE_DIR/prune" -name '*.running' 2>/dev/null)
	[ -z "$settle_running" ] || { fail "a detached prune ended without its outcome: $settle_running"; return 1; }
}

# background_settle_all: in background mode, after runs started with & (which after_run does not
# follow): waits for their detached prunes; each log left (the last prune's of its repository) must
# say that it ended well.
background_settle_all()
{
	in_background || return 0
	background_settle || return 0
	# shellcheck disable=SC2031 # run_test sets it in the subshell the test runs in
	for log in "$KIMB_STATE_DIR"/prune/*.prune.log; do
		[ -f "$log" ] || continue
		printf '%s\n' "$log" >>"$CASE/background-prunes"
		[ "$(head -n 1 "$log")" = "kimb-prune-log 1 status 0" ] || fail "a detached prune failed: $(cat "$log")"
	done
}

# The prune logs in the state directory, `INODE PATH` a line: written whole and renamed into place,
# each outcome is a file of its own.
background_logs()
{
	# shellcheck disable=SC2031 # run_test sets it in the subshell the test runs in
	find "$KIMB_STATE_DIR/prune" -maxdepth 1 -name '*.prune.log' -printf '%i %p\n' 2>/dev/null | sort
}

# In background mode, before a run: the kimb processes and the prune logs there are.
before_run()
{
	in_background || return 0
	background_before=$(kimb_processes)
	background_logs >"$CASE/prune-logs-before"
}

# In background mode, after a run: waits for its detached prune, if it made one; its outcome (the
# same in the log of each repository) is added to the run's stderr, its status is the run's (kimb
# itself must have succeeded: it forks only then), and it is counted in $CASE/background-prunes.
after_run()
{
	in_background || return 0
	background_settle "$background_before" || return 0
	background_logs | grep -vxF -f "$CASE/prune-logs-before" >"$CASE/prune-logs-new"
	outcome_log=
	while read -r _ log; do
		if [ -z "$outcome_log" ]; then
			outcome_log=$log
		else
			cmp -s "$outcome_log" "$log" || fail "the outcomes of one prune differ: $outcome_log, $log"
		fi
	done <"$CASE/prune-logs-new"
	[ -n "$outcome_log" ] || return 0
	printf '%s\n' "$outcome_log" >>"$CASE/background-prunes"
	outcome=$(sed -n '1s/^kimb-prune-log 1 status \([0-9][0-9]*\)$/\1/p' "$outcome_log")
	[ -n "$outcome" ] || { fail "no outcome in $outcome_log: $(head -n 1 "$outcome_log")"; return 0; }
	[ "$status" -eq 0 ] || fail "kimb exited $status, yet forked a detached prune"
	sed 1d "$outcome_log" >>"$CASE/stderr"
	status=$outcome
}

# Test $1 as with_stub does, at --prune=background; the test must have made at least one detached
# prune, and left none running.
with_stub_in_background()
{
	PRUNE_MODE=background
	KIMB_PRUNE=background
	export KIMB_PRUNE
	with_stub "$1"
	background_settle || return
	[ -s "$CASE/background-prunes" ] || fail "no run pruned in the background: the test tested nothing of that mode"
}

# --- the runner ------------------------------------------------------------------------------

# Test $1 against the stand-ins, with a kim state of its own and a kubectl state of its own that
# holds no pods (so that no image is in use unless the test says so).
with_stub()
{
	mkdir "$CASE/kim" "$CASE/kubectl" || exit 1
	KIM_STUB_DIR=$CASE/kim
	KIMB_KIM=$STUB
	# kim's own rules are tested here; how auto picks a builder is tests/builders.sh's
	KIMB_BUILDER=kim
	KUBECTL_STUB_DIR=$CASE/kubectl
	KIMB_KUBECTL=$KUBECTL_STUB
	export KIM_STUB_DIR KIMB_KIM KIMB_BUILDER KUBECTL_STUB_DIR KIMB_KUBECTL
	# kimb passes KUBECONTEXT on to kubectl, and the stand-in reads KUBECONFIG: not the user's
	unset KUBECONFIG KUBECONTEXT
	"$1"
}

# Every test's name, each of BOTH_MODES followed by its name in background mode; a name BOTH_MODES
# lists that is no test's is an error.
suite_test_names()
{
	functions_named test | BOTH_MODES=$BOTH_MODES awk '
		BEGIN { n = split(ENVIRON["BOTH_MODES"], listed, "\n"); for (i = 1; i <= n; i++) if (listed[i] != "") twice[listed[i]] = 1 }
		{ print; if ($0 in twice) print $0 "[background]"; delete twice[$0] }
		END { for (name in twice) { print "BOTH_MODES names no test " name >"/dev/stderr"; bad = 1 } exit bad }'
}

names=$(suite_test_names) || exit 2
# Read line by line: a name in background mode is a pattern to the shell.
while read -r name; do
	case $name in
	*"[background]") run_test "$name" with_stub_in_background "${name%"[background]"}" ;;
	?*) run_test "$name" with_stub "$name" ;;
	esac
done <<EOF
$(printf '%s\n' "$names" | grep -E -e "$PATTERN")
EOF

summary
