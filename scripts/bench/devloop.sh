#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# make bench's developer loop: what kimb adds to a plain `kim build` when a developer runs
# `kimb -t app .` again and again, on the kim stand-in (tests/kim) with DEVLOOP_LATENCY seconds a
# call (default 0.2, a port-forward across the cluster) and builds of DEVLOOP_BUILD_SECONDS more
# (default 2), at each number k of prior images in DEVLOOP_SIZES (default "1 10 100").
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
# Environment: DEVLOOP_SIZES, DEVLOOP_LATENCY, DEVLOOP_BUILD_SECONDS, DEVLOOP_JOBS (default 4),
# BENCH_BUILD (make's BUILD, default build: bench/kim_rm serves the removals, as in run.sh).
set -eu
LC_ALL=C
export LC_ALL

top=$(cd "$(dirname "$0")/../.." && pwd)
kimb=${1:-$top/kimb}
kimb=$(cd "$(dirname "$kimb")" && printf '%s/%s\n' "$(pwd)" "$(basename "$kimb")")
sizes=${DEVLOOP_SIZES:-1 10 100}
latency=${DEVLOOP_LATENCY:-0.2}
build_seconds=${DEVLOOP_BUILD_SECONDS:-2}
jobs=${DEVLOOP_JOBS:-4}
build=${BENCH_BUILD:-build}
case $build in
/*) ;;
*) build=$top/$build ;;
esac
stub=$top/tests/kim
kim_rm=$build/bench/kim_rm
kubectl_stub=$top/tests/kubectl
R=localhost/bench/app

usage_error()
{
	printf 'devloop bench: %s\n' "$*" >&2
	exit 2
}
is_count() { case $1 in '' | *[!0-9]* | 0*) return 1 ;; esac; }
is_seconds() { case $1 in '' | *[!0-9.]* | *.*.* | .) return 1 ;; esac; }
for k in $sizes; do
	is_count "$k" || usage_error "DEVLOOP_SIZES: \"$k\" is not a number of images (1 or more)"
done
[ -n "$sizes" ] || usage_error "DEVLOOP_SIZES is empty"
is_count "$jobs" || usage_error "DEVLOOP_JOBS: \"$jobs\" is not a positive number"
is_seconds "$latency" || usage_error "DEVLOOP_LATENCY: \"$latency\" is not a number of seconds (0.2)"
is_seconds "$build_seconds" || usage_error "DEVLOOP_BUILD_SECONDS: \"$build_seconds\" is not a number of seconds (2)"
for program in "$kimb" "$stub" "$kubectl_stub" "$kim_rm"; do
	[ -x "$program" ] || usage_error "$program is not executable (make bench builds it)"
done

unset KIMB_BUILDER KIMB_SCHEME KIMB_KEEP KIMB_LOCK_TIMEOUT KIMB_PRUNE KIM_STUB_INSPECT KUBECONFIG KUBECONTEXT
export KIM_STUB_LATENCY="$latency" KUBECTL_STUB_LATENCY="$latency" KIM_STUB_BUILD_SECONDS="$build_seconds"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
mkdir "$work/bin"
ln -s "$kim_rm" "$work/bin/kim"
kim=$work/bin/kim
KIM_STUB_SCRIPT=$stub
export KIM_STUB_SCRIPT

failures=0
warn()
{
	printf 'WARNING: %s\n' "$*"
	failures=$((failures + 1))
}
now_ns() { date +%s%N; }

# seed DIR K: a store of K prior images of $R, each with a unique tag, the last also latest (as
# run.sh seeds it); DIR/seeded lists their IDs.
seed()
{
	mkdir -p "$1/kim/store" "$1/kubectl" "$1/ctx" "$1/locks" "$1/state"
	awk -v k="$2" -v repo="$R" '
	function hex64(seed,    out, j) {
		out = ""
		for (j = 1; j <= 8; j++)
			out = out sprintf("%08x", ((seed + 1) * 2654435761 + j * 40503 * (seed + 7)) % 4294967296)
		return out
	}
	BEGIN {
		for (i = 1; i <= k; i++) {
			tag = sprintf("%s:20240101.%06d", repo, i)
			printf "%s 2.58MB %s@sha256:%s %s%s\n", hex64(i), tag, hex64(i + 1000000), tag, \
				i == k ? " " repo ":latest" : ""
		}
	}' >"$1/kim/store/kube-image"
	awk '{ print $1 }' "$1/kim/store/kube-image" >"$1/seeded"
}

# state DIR: "IMAGES PRIOR_LEFT LATEST_ID" of DIR's store, read without latency or logging.
state()
{
	KIM_STUB_DIR=$1/kim KIM_STUB_INSPECT=1 "$stub" image ls -a --no-trunc |
		awk -v repo="$R" -v seeded="$1/seeded" '
		BEGIN { while ((getline id < seeded) > 0) old[id] = 1 }
		NR > 1 { sub(/^sha256:/, "", $3); if (!($3 in seen)) { seen[$3] = 1; images++; if ($3 in old) left++ } }
		NR > 1 && $1 == repo && $2 == "latest" { latest = $3 }
		END { printf "%d %d %s\n", images, left, latest == "" ? "-" : latest }'
}

# check TOOL DIR K: exactly one image left, the new one, tagged latest.
check()
{
	case $(state "$2") in
	"1 0 -" | *" -") warn "$1 at k=$3: no image is tagged $R:latest after the run" ;;
	"1 0 "*) return 0 ;;
	*) warn "$1 at k=$3 did not leave exactly the new image (images, prior left, latest: $(state "$2"))" ;;
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
	KIM_STUB_DIR=$dir/kim KUBECTL_STUB_DIR=$dir/kubectl KIMB_KIM=$kim KIMB_KUBECTL=$kubectl_stub \
		KIMB_LOCK_DIR=$dir/locks KIMB_STATE_DIR=$dir/state \
		"$kimb" --builder=kim --scheme=time --jobs="$jobs" "$@" -t "$R" ctx
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
		case $(state "$dir") in "1 0 "*) break ;; esac
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

printf '%s, the developer loop on tests/kim: %s s a call, builds of %s s more, --jobs=%s, %s CPUs, load %s\n' \
	"$("$kimb" --version 2>/dev/null | head -n 1)" "$latency" "$build_seconds" "$jobs" \
	"$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo '?')" "$(cut -d ' ' -f 1-3 /proc/loadavg 2>/dev/null || echo '?')"
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
