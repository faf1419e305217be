# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=sh
# What the benches scripts/bench/run.sh and scripts/bench/devloop.sh share, sourced by each from its
# own directory: the paths (the repository, kimb, the kim and kubectl stand-ins, bench/kim_rm), the
# checks of their settings, the work directory with kim_rm as its `kim`, the seeded stores of prior
# images, and reading a store back.
#
# The sourcing script sets first:
#   bench_name   what its usage errors begin with ("bench", "devloop bench")
#   kimb         its KIMB argument, empty for the default ./kimb
# and, before it calls bench_start:
#   latency      the seconds each stand-in call waits
#   kubectl_latency   the seconds each kubectl call waits, if not LATENCY's
#
# It provides:
#   top kimb build stub kim_rm kubectl_stub R   the repository, kimb (an absolute path), make's
#                BUILD (BENCH_BUILD), tests/kim, bench/kim_rm, tests/kubectl, the repository benched
#   usage_error MESSAGE       says "$bench_name: MESSAGE" on stderr and exits 2
#   is_count WORD, is_seconds WORD   whether WORD is a positive count, a number of seconds
#   check_sizes NAME SIZES, check_count NAME VALUE, check_seconds NAME VALUE DEFAULT
#                a usage error naming the setting NAME unless its value is one
#   check_programs [PROGRAM...]      a usage error unless kimb, the stand-ins, PROGRAM... and kim_rm
#                                    are executable
#   bench_start  unsets the environment that would steer kimb or the stand-ins, exports the
#                latency, makes $work (removed on exit) and $kim (kim_rm as $work/bin/kim, which
#                hands every call but a removal by ID to tests/kim)
#   warn MESSAGE counts a failure in $failures (and sets valid=0); now_ns; load_average
#   seed DIR K   a store of K prior images in DIR; store_rows DIR, store_state DIR read it back
#   kimb_in_store ARG...      kimb on the store $dir with the stand-ins, --builder=kim --scheme=time

top=$(cd "$(dirname "$0")/../.." && pwd)
kimb=${kimb:-$top/kimb}
kimb=$(cd "$(dirname "$kimb")" && printf '%s/%s\n' "$(pwd)" "$(basename "$kimb")")
build=${BENCH_BUILD:-build}
case $build in
/*) ;;
*) build=$top/$build ;;
esac
stub=$top/tests/kim
kim_rm=$build/bench/kim_rm
kubectl_stub=$top/tests/kubectl
R=localhost/bench/app

# shellcheck disable=SC2154 # bench_name: the sourcing script's
usage_error()
{
	printf '%s: %s\n' "$bench_name" "$*" >&2
	exit 2
}
is_count() { case $1 in '' | *[!0-9]* | 0*) return 1 ;; esac; }
is_seconds() { case $1 in '' | *[!0-9.]* | *.*.* | .) return 1 ;; esac; }

# check_sizes NAME SIZES: SIZES (the setting NAME's) are numbers of images, at least one.
check_sizes()
{
	for k in $2; do
		is_count "$k" || usage_error "$1: \"$k\" is not a number of images (1 or more)"
	done
	[ -n "$2" ] || usage_error "$1 is empty"
}
check_count() { is_count "$2" || usage_error "$1: \"$2\" is not a positive number"; }
check_seconds() { is_seconds "$2" || usage_error "$1: \"$2\" is not a number of seconds ($3)"; }

check_programs()
{
	for program in "$kimb" "$stub" "$kubectl_stub" "$@" "$kim_rm"; do
		[ -x "$program" ] || usage_error "$program is not executable (make bench builds it)"
	done
}

# shellcheck disable=SC2154 # latency, kubectl_latency: the sourcing script's
bench_start()
{
	# Only the bench's own settings reach kimb and the stand-ins.
	unset KIMB_BUILDER KIMB_SCHEME KIMB_KEEP KIMB_LOCK_TIMEOUT KIM_STUB_INSPECT KUBECONFIG KUBECONTEXT
	export KIM_STUB_LATENCY="$latency" KUBECTL_STUB_LATENCY="${kubectl_latency:-$latency}"

	work=$(mktemp -d)
	trap 'rm -rf "$work"' EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM

	# Every tool's kim: kim_rm as `kim` in a directory of its own, for a PATH; it hands every
	# call but a removal by ID to tests/kim.
	mkdir "$work/bin"
	ln -s "$kim_rm" "$work/bin/kim"
	kim=$work/bin/kim
	KIM_STUB_SCRIPT=$stub
	export KIM_STUB_SCRIPT
}

failures=0
valid=1
# shellcheck disable=SC2034 # valid: the sourcing script's to read
warn()
{
	printf 'WARNING: %s\n' "$*"
	failures=$((failures + 1))
	valid=0
}

now_ns() { date +%s%N; }

# The machine's load average: other work on it slows the stand-in's calls, the more so N at once.
load_average() { cut -d ' ' -f 1-3 /proc/loadavg 2>/dev/null || echo '?'; }

# The store of k prior images of $R, in the stand-in's format (tests/kim: ID SIZE DIGEST NAME...),
# written directly: seeding them one call at a time costs a call each. Image i is tagged
# $R:20240101.<i> and its repo digest carries that name, as kim gives it; the last is also latest.
# IDs are spread over the hex digits, so that the 13-digit IDs the workaround removes by are
# unique.
# shellcheck disable=SC2016 # an awk program: its $ are awk's
SEED_AWK='
function hex64(seed,    out, j) {
	out = ""
	for (j = 1; j <= 8; j++)
		out = out sprintf("%08x", ((seed + 1) * 2654435761 + j * 40503 * (seed + 7)) % 4294967296)
	return out
}
BEGIN {
	for (i = 1; i <= k; i++) {
		tag = sprintf("%s:20240101.%06d", repo, i)
		names = tag (i == k ? " " repo ":latest" : "")
		printf "%s 2.58MB %s@sha256:%s %s\n", hex64(i), tag, hex64(i + 1000000), names
	}
}
'

# seed DIR K: a fresh stand-in state (DIR/kim, DIR/kubectl) holding K prior images, an empty
# build context DIR/ctx, and DIR/locks and DIR/state for kimb; DIR/seeded lists their IDs.
seed()
{
	mkdir -p "$1/kim/store" "$1/kubectl" "$1/ctx" "$1/locks" "$1/state"
	awk -v k="$2" -v repo="$R" "$SEED_AWK" >"$1/kim/store/kube-image"
	awk '{ print $1 }' "$1/kim/store/kube-image" >"$1/seeded"
}

# The stand-in's listing of DIR's store as lines `IMAGE TAG ID` (64 hex), not logged, no latency.
store_rows()
{
	KIM_STUB_DIR=$1/kim KIM_STUB_INSPECT=1 "$stub" image ls -a --no-trunc |
		awk 'NR > 1 { sub(/^sha256:/, "", $3); print $1, $2, $3 }'
}

# store_state DIR: "IMAGES SEEDED_LEFT LATEST_ID" of DIR's store (LATEST_ID - when no $R:latest).
store_state()
{
	store_rows "$1" | awk -v repo="$R" -v seeded="$1/seeded" '
		BEGIN { while ((getline id < seeded) > 0) old[id] = 1 }
		!($3 in seen) { seen[$3] = 1; images++; if ($3 in old) left++ }
		$1 == repo && $2 == "latest" { latest = $3 }
		END { printf "%d %d %s\n", images, left, latest == "" ? "-" : latest }'
}

# kimb_in_store ARG...: kimb in the store $dir (seeded), on the stand-ins with kim_rm as its kim,
# its lock and state there too, building ctx as --builder=kim --scheme=time ARG...
# shellcheck disable=SC2154 # dir: the sourcing script's
kimb_in_store()
{
	KIM_STUB_DIR=$dir/kim KUBECTL_STUB_DIR=$dir/kubectl KIMB_KIM=$kim KIMB_KUBECTL=$kubectl_stub \
		KIMB_LOCK_DIR=$dir/locks KIMB_STATE_DIR=$dir/state \
		"$kimb" --builder=kim --scheme=time "$@"
}
