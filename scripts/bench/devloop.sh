#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# make bench's developer loop: what kimb adds to a plain `kim build` when a developer runs
# `kimb -t app .` again and again, on the kim stand-in (tests/kim) with DEVLOOP_LATENCY seconds a
# call (default 0.2, a port-forward across the cluster), every kubectl call
# DEVLOOP_KUBECTL_LATENCY seconds (default 0.02: kubectl asks the API server directly, not through
# kim's port-forward) and builds of DEVLOOP_BUILD_SECONDS more (default 2), at each number k of
# prior images in DEVLOOP_SIZES (default "1 10 100").
#
# For each k, each on a fresh store of k prior images of one repository (the last one latest):
#   plain       `kim build -t R:latest ctx`, one call: what the developer would run without kimb;
#   floor       plain + one listing + ceil(k/N) removals (N = DEVLOOP_JOBS, kimb's --jobs), each
#               call as long as one of its kind timed alone on such a store: the least a tool that
#               lists after the build and removes the k prior images can take;
#   default     kimb --prune=now (kimb's default): it exits once the prior images are gone;
#   background  kimb --prune=background: it exits once the build is done and the references are
#               printed; "gone" is how long after its exit the prior images were all gone (the
#               detached prune's work), polled every 20 ms.
# Overheads are given in seconds over plain and in calls (seconds / DEVLOOP_LATENCY).
# Targets, printed beside the numbers and never asserted: default at most 1.5 calls over plain
# at k=1 and within 15% of the floor at k=100; background at most 0.3 calls over plain, the prior
# images gone within a few seconds.
#
# Exit status 1 when a run failed or did not leave exactly the new image (the numbers then mean
# nothing), 2 on a usage error, else 0.
#
# Usage: scripts/bench/devloop.sh [KIMB]   (default ./kimb; make bench runs it)
# Environment: DEVLOOP_SIZES, DEVLOOP_LATENCY, DEVLOOP_KUBECTL_LATENCY, DEVLOOP_BUILD_SECONDS,
# DEVLOOP_JOBS (default 4),
# BENCH_BUILD (make's BUILD, default build: bench/kim_rm serves the removals, as in run.sh).
set -eu
LC_ALL=C
export LC_ALL

bench_name='devloop bench'
kimb=${1:-}
# shellcheck source-path=SCRIPTDIR source=stand-in.sh
. "$(dirname "$0")/stand-in.sh"
sizes=${DEVLOOP_SIZES:-1 10 100}
latency=${DEVLOOP_LATENCY:-0.2}
kubectl_latency=${DEVLOOP_KUBECTL_LATENCY:-0.02}
build_seconds=${DEVLOOP_BUILD_SECONDS:-2}
jobs=${DEVLOOP_JOBS:-4}

check_sizes DEVLOOP_SIZES "$sizes"
check_count DEVLOOP_JOBS "$jobs"
check_seconds DEVLOOP_LATENCY "$latency" 0.2
check_seconds DEVLOOP_KUBECTL_LATENCY "$kubectl_latency" 0.02
check_seconds DEVLOOP_BUILD_SECONDS "$build_seconds" 2
# shellcheck disable=SC2119 # no program of its own to check
check_programs

bench_start
unset KIMB_PRUNE
export KIM_STUB_BUILD_SECONDS="$build_seconds"

# check TOOL DIR K: exactly one image left, the new one, tagged latest.
check()
{
	case $(store_state "$2") in
	"1 0 -" | *" -") warn "$1 at k=$3: no image is tagged $R:latest after the run" ;;
	"1 0 "*) return 0 ;;
	*) warn "$1 at k=$3 did not leave exactly the new image (images, prior left, latest: $(store_state "$2"))" ;;
	esac
	return 1
}

# mean_call K WHAT: the mean nanoseconds of 3 calls of WHAT (list, rm) alone on a store of K + 3.
mean_call()
{
	dir=$work/probe
	seed "$dir" $(($1 + 3))
	began=$(now_ns)
	for id in $(head -n 3 "$dir/seeded"); do
		case $2 in
		list) KIM_STUB_DIR=$dir/kim "$kim" image ls -a --no-trunc --digests >/dev/null ;;
		rm) KIM_STUB_DIR=$dir/kim "$kim" image rm "$id" >/dev/null ;;
		esac
	done
	echo $((($(now_ns) - began) / 3))
	rm -rf "$dir"
}

plain_run() { KIM_STUB_DIR=$dir/kim "$kim" build -t "$R:latest" ctx; }
kimb_run()
{
	kimb_in_store --jobs="$jobs" "$@" -t "$R" ctx
}

# timed TOOL K RUN...: RUN in a fresh store $dir of K prior images; $run_ns its wall time.
timed()
{
	tool=$1 k=$2
	shift 2
	dir=$work/$tool-$k
	seed "$dir" "$k"
	began=$(now_ns)
	status=0
	(cd "$dir" && "$@") </dev/null >"$dir/stdout" 2>"$dir/stderr" || status=$?
	run_ns=$(($(now_ns) - began))
	[ "$status" -eq 0 ] || warn "$tool at k=$k exited $status: $(tail -n 3 "$dir/stderr")"
}

# gone_after: after a background run in $dir, the nanoseconds until the prior images were all gone
# and the detached prune had ended (no prune lock held: its log written), at most 60 s.
gone_after()
{
	began=$(now_ns)
	while :; do
		case $(store_state "$dir") in "1 0 "*) break ;; esac
		if [ $(($(now_ns) - began)) -gt 60000000000 ]; then
			warn "background at k=$k: the prior images were not gone 60 s after kimb exited"
			break
		fi
		sleep 0.02
	done
	echo $(($(now_ns) - began))
	# The detached prune writes its outcome last; the store goes when it has.
	waited=0
	while [ -z "$(find "$dir/state" -name '*.prune.log' 2>/dev/null)" ] && [ "$waited" -lt 3000 ]; do
		sleep 0.02
		waited=$((waited + 1))
	done
}

has_background=false
case $("$kimb" --help 2>&1 || true) in *--prune=*) has_background=true ;; esac

printf '%s, the developer loop on tests/kim: %s s a call (kubectl %s s), builds of %s s more, --jobs=%s, %s CPUs, load %s\n' \
	"$("$kimb" --version 2>/dev/null | head -n 1)" "$latency" "$kubectl_latency" "$build_seconds" "$jobs" \
	"$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo '?')" "$(load_average)"
printf 'overheads over a plain kim build, in seconds and in calls of %s s; floor = plain + 1 listing + ceil(k/%s) removals\n' \
	"$latency" "$jobs"
FORMAT='%5s %8s %15s %15s %7s %15s %8s\n'
# shellcheck disable=SC2059 # the table's format
printf "$FORMAT" k 'plain s' 'floor +s(calls)' 'now +s(calls)' 'now/fl' 'bg +s(calls)' 'gone s'
targets=
for k in $sizes; do
	timed plain "$k" plain_run
	plain_ns=$run_ns
	rm -rf "$dir"
	list_ns=$(mean_call "$k" list)
	rm_ns=$(mean_call "$k" rm)
	removals=$(((k + jobs - 1) / jobs))
	floor_ns=$((plain_ns + list_ns + removals * rm_ns))

	timed now "$k" kimb_run
	check now "$dir" "$k" || true
	now_ns_=$run_ns
	rm -rf "$dir"

	bg_ns=- gone_ns=-
	if "$has_background"; then
		timed background "$k" kimb_run --prune=background
		bg_ns=$run_ns
		gone_ns=$(gone_after)
		check background "$dir" "$k" || true
		rm -rf "$dir"
	fi
	row=$(awk -v k="$k" -v plain="$plain_ns" -v floor="$floor_ns" -v now="$now_ns_" -v bg="$bg_ns" \
		-v gone="$gone_ns" -v latency="$latency" -v format="$FORMAT" 'BEGIN {
		f = (floor - plain) / 1e9; n = (now - plain) / 1e9
		b = bg == "-" ? "n/a" : sprintf("%.3f(%.2f)", (bg - plain) / 1e9, (bg - plain) / 1e9 / latency)
		g = gone == "-" ? "n/a" : sprintf("%.2f", gone / 1e9)
		printf format, k, sprintf("%.3f", plain / 1e9), sprintf("%.3f(%.2f)", f, f / latency), \
			sprintf("%.3f(%.2f)", n, n / latency), sprintf("%.2f", now / floor), b, g
	}')
	printf '%s\n' "$row"
	targets="$targets$(awk -v k="$k" -v plain="$plain_ns" -v floor="$floor_ns" -v now="$now_ns_" -v bg="$bg_ns" \
		-v latency="$latency" 'BEGIN {
		calls = (now - plain) / 1e9 / latency
		line = sprintf("k=%-4s now %.2f calls over plain", k, calls)
		if (k == 1)
			line = line sprintf(" (<= 1.5: %s)", calls <= 1.5 ? "met" : "MISSED")
		line = line sprintf(", %.2f of the floor", now / floor)
		if (k == 100)
			line = line sprintf(" (<= 1.15: %s)", now / floor <= 1.15 ? "met" : "MISSED")
		if (bg != "-") {
			b = (bg - plain) / 1e9 / latency
			line = line sprintf("; background %.2f calls over plain (<= 0.3: %s)", b, b <= 0.3 ? "met" : "MISSED")
		}
		print line
	}')
"
done
printf '\ntargets (printed, not asserted):\n%s' "$targets"
if [ "$failures" -gt 0 ]; then
	printf '\n%d WARNING(s): see above\n' "$failures"
	exit 1
fi
