#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# make bench: kimb and the original report's workaround (scripts/bench/workaround.sh) side by side
# on the kim stand-in (tests/kim), every kim and kubectl call waiting BENCH_LATENCY seconds as a
# call across the cluster would, at each number of old images in BENCH_SIZES. The removals by ID,
# k of each run's k + 2 or 3 calls, are served by bench/kim_rm, tests/kim's removal compiled
# (tests/kim_rm_check.sh proves the two answer alike): the shell stand-in spends some 50 ms of CPU
# on each call, which on a machine of two CPUs would measure how fast four calls at once fork awk,
# not how well they overlap their latency, as calls across a cluster do. Then the rate of
# kimb's reader of kim's listing, and its memory a row, on a generated listing and on its first
# tenth (build/bench/listing_rate); then
# scripts/bench/git-tag.sh when it is there.
#
# For each size k, each tool (and the xargs run below) runs once on a store of its own holding k
# old images of one repository, each still tagged with an older unique tag (the last also latest),
# which both tools remove. The table gives both wall times, both numbers of kim calls (from the stand-in's calls
# log), kimb's kubectl calls, the floor and kimb's own CPU time and peak memory (from kimb --json).
# The floor is the shortest a build that removes k images N at a time can take on this stand-in:
# 2 + ceil(k/N) calls one after the other (the build, the listing, then the removals N at a time;
# N = BENCH_JOBS, kimb's --jobs), each as long as the mean call of its kind (build, listing,
# removal) timed alone on a copy of that store before the runs and again after them, latency
# included, and without the timer's own cost.
# kimb's kubectl call (the pods) is not in the floor.
# Beside it, the floor as this machine reaches it now: the same calls as kimb's (build, listing,
# the k removals by full ID) with nothing of kimb's own, the removals N at a time by xargs -P N, on
# a store of its own. It matches the floor when the machine overlaps N calls fully; when it takes
# much longer (fewer free CPUs than N stand-in calls need: other work on the machine, the stand-in's
# own work per call), the floor is out of reach here, and the targets say so; kimb/xargs is then
# what kimb's own work costs. The targets are printed beside the
# numbers: kimb within 15% of the floor at every size, at least 3.5x faster than the workaround at
# k=100, kimb's own CPU under 5% of its wall time. Nothing about timings is asserted.
#
# Exit status 1 when a tool failed, or did not remove all k old images or not keep the new one
# (the comparison is then meaningless), or a part of the bench failed; else 0.
#
# Usage: scripts/bench/run.sh [KIMB]   (default ./kimb; make bench builds and runs it)
# Environment: BENCH_SIZES (default "1 10 100 1000"), BENCH_LATENCY (seconds, default 0.05),
# BENCH_JOBS (default 4), BENCH_PROBES (calls of each kind timed for their mean, default 5),
# BENCH_LISTING_ROWS (default 1000000), BENCH_BUILD (make's BUILD, default build).
set -eu
LC_ALL=C
export LC_ALL

bench_name=bench
kimb=${1:-}
# shellcheck source-path=SCRIPTDIR source=stand-in.sh
. "$(dirname "$0")/stand-in.sh"
sizes=${BENCH_SIZES:-1 10 100 1000}
latency=${BENCH_LATENCY:-0.05}
jobs=${BENCH_JOBS:-4}
probes=${BENCH_PROBES:-5}
listing_rows=${BENCH_LISTING_ROWS:-1000000}
workaround=$top/scripts/bench/workaround.sh

check_sizes BENCH_SIZES "$sizes"
check_count BENCH_JOBS "$jobs"
check_count BENCH_PROBES "$probes"
check_count BENCH_LISTING_ROWS "$listing_rows"
check_seconds BENCH_LATENCY "$latency" 0.05
check_programs "$workaround"

# Only the bench's own settings reach kimb; $work/bin/kim is also the workaround's, on its PATH.
bench_start
unset KIMB_NERDCTL KIMB_PODMAN KIMB_DOCKER KIMB_BUILDAH

# seconds NS: nanoseconds as seconds, 3 decimals.
seconds() { awk -v ns="$1" 'BEGIN { printf "%.3f", ns / 1e9 }'; }
seconds6() { awk -v ns="$1" 'BEGIN { printf "%.6f", ns / 1e9 }'; }

# check_seeded DIR K: the stand-in reads the store as K images, the last tagged latest.
check_seeded()
{
	set -- "$1" "$2" "$(store_state "$1")"
	[ "$3" = "$2 $2 $(tail -n 1 "$1/seeded")" ] ||
		usage_error "the stand-in does not read the seeded store of $2 images as such (images, seeded, latest: $3); has tests/kim's store format changed?"
}

# check_result TOOL DIR K: all K old images gone, one image left, tagged $R:latest, not an old one.
check_result()
{
	set -- "$1" "$2" "$3" "$(store_state "$2")"
	case $4 in
	"1 0 -") warn "$1 at k=$3: no image is tagged $R:latest after the run" ;;
	"1 0 "*) return 0 ;;
	*) warn "$1 at k=$3 did not leave exactly the new image: images, old images left, latest: $4" ;;
	esac
	return 1
}

# call_count FILE: lines of a stand-in's calls log.
call_count() { if [ -e "$1" ]; then awk 'END { print NR }' "$1"; else echo 0; fi; }

# timer_ns: the nanoseconds that timing a region with now_ns adds to it (its `date` runs), the
# median of 5; each region timed below has it subtracted.
timer_ns()
{
	i=0
	while [ "$i" -lt 5 ]; do
		began=$(now_ns)
		echo $(($(now_ns) - began))
		i=$((i + 1))
	done | sort -n | sed -n 3p
}

# probe K: "BUILD_NS LIST_NS RM_NS", the mean duration of one stand-in call of each kind, timed
# alone on a copy of the store of K old images (and BENCH_PROBES more, to remove), latency
# included: BENCH_PROBES builds as kimb builds, listings as kimb lists, removals by full ID as kimb
# removes. Each kind is timed as one block of calls, so that the timer's own cost is paid once per
# block, and subtracted.
probe()
{
	dir=$work/probe-$1
	seed "$dir" $(($1 + probes))
	head -n "$probes" "$dir/seeded" >"$dir/removed"
	timer=$(timer_ns)
	builds=$(now_ns)
	i=0
	while [ "$i" -lt "$probes" ]; do
		KIM_STUB_DIR=$dir/kim "$kim" build -t "$R" --tag "$R:probe$i" -- "$dir/ctx" </dev/null >/dev/null
		i=$((i + 1))
	done
	lists=$(now_ns)
	i=0
	while [ "$i" -lt "$probes" ]; do
		KIM_STUB_DIR=$dir/kim "$kim" image ls -a --no-trunc --digests </dev/null >/dev/null
		i=$((i + 1))
	done
	removals=$(now_ns)
	while read -r id; do
		KIM_STUB_DIR=$dir/kim "$kim" image rm "$id" </dev/null >/dev/null
	done <"$dir/removed"
	ended=$(now_ns)
	rm -rf "$dir"
	echo $(((lists - builds - timer) / probes)) $(((removals - lists - timer) / probes)) \
		$(((ended - removals - timer) / probes))
}

# kimb's options that this kimb has: --json for its own CPU and memory, --jobs for parallel removals.
kimb_help=$("$kimb" --help 2>&1) || true
kimb_flags=
case $kimb_help in
*--json*) kimb_flags="$kimb_flags --json" ;;
*) printf 'note: %s has no --json: its CPU time and peak memory are n/a\n' "$kimb" ;;
esac
case $kimb_help in
*--jobs*) kimb_flags="$kimb_flags --jobs=$jobs" ;;
*) printf 'note: %s has no --jobs: it removes one image at a time; the floor still removes %s at a time\n' "$kimb" "$jobs" ;;
esac

# kimb_numbers FILE: "CPU_SECONDS PEAK_BYTES" from kimb's --json output (the object, or the last line
# that is one), each n/a when absent.
kimb_numbers()
{
	if ! command -v python3 >/dev/null 2>&1; then
		echo "n/a n/a"
		return
	fi
	python3 - "$1" <<'EOF'
import json
import sys

def number(value):
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    return repr(float(value)) if ok else "n/a"

text = open(sys.argv[1], encoding="utf-8", errors="replace").read()
found = None
try:
    found = json.loads(text)
except ValueError:
    for line in text.splitlines():
        try:
            found = json.loads(line)
        except ValueError:
            pass
if not isinstance(found, dict):
    found = {}
print(number(found.get("cpu_seconds")), number(found.get("peak_memory_bytes")))
EOF
}

# The row of one size: the numbers are passed in (seconds), awk formats them.
ROW_FORMAT='%6s %10s %6s %10s %6s %7s %6s %7s %8s %8s %7s %7s %8s %9s %6s %9s\n'
print_row()
{
	awk -v k="$1" -v wa="$2" -v wa_calls="$3" -v kb="$4" -v kb_calls="$5" -v kubectl="$6" \
		-v floor_calls="$7" -v rm="$8" -v floor="$9" -v xargs="${10}" -v cpu="${11}" -v peak="${12}" \
		-v format="$ROW_FORMAT" 'BEGIN {
		cpu_s = cpu == "n/a" ? "n/a" : sprintf("%.3f", cpu)
		cpu_pct = cpu == "n/a" ? "n/a" : sprintf("%.1f%%", 100 * cpu / kb)
		peak_mib = peak == "n/a" ? "n/a" : sprintf("%.1f", peak / 1048576)
		printf format, k, sprintf("%.3f", wa), wa_calls, sprintf("%.3f", kb), kb_calls, kubectl, \
			floor_calls, sprintf("%.1f", rm * 1000), sprintf("%.3f", floor), sprintf("%.3f", xargs), \
			sprintf("%.2f", kb / floor), sprintf("%.2f", kb / xargs), sprintf("%.2fx", wa / kb), \
			cpu_s, cpu_pct, peak_mib
	}'
}

# The targets of one size, each met, missed or n/a; and, when the floor is out of this machine's
# reach, by how much.
print_targets()
{
	awk -v k="$1" -v wa="$2" -v kb="$3" -v floor="$4" -v xargs="$5" -v cpu="$6" -v jobs="$jobs" 'BEGIN {
		ratio = kb / floor
		line = sprintf("k=%-5s kimb/floor %.2f (<= 1.15: %s)", k, ratio, ratio <= 1.15 ? "met" : "MISSED")
		if (k == 100)
			line = line sprintf("; speedup %.2fx (>= 3.5x: %s)", wa / kb, wa / kb >= 3.5 ? "met" : "MISSED")
		if (cpu == "n/a")
			line = line "; kimb CPU n/a (< 5% of wall)"
		else
			line = line sprintf("; kimb CPU %.1f%% of wall (< 5%%: %s)", 100 * cpu / kb, \
					    cpu < 0.05 * kb ? "met" : "MISSED")
		if (xargs > 1.15 * floor)
			line = line sprintf("; the same calls %d at a time by xargs take %.2fx the floor here: out of this machine'"'"'s reach", \
					    jobs, xargs / floor)
		print line
	}'
}

# The runs each size compares, each in its store $dir: the workaround (it runs `kim` from PATH);
# kimb; and the same calls as kimb's with nothing of kimb's own, the removals N at a time.
workaround_run() { PATH=$work/bin:$PATH KIM_STUB_DIR=$dir/kim "$workaround" "$R" ctx; }
kimb_run()
{
	# shellcheck disable=SC2086 # $kimb_flags: words or none
	kimb_in_store $kimb_flags -t "$R" ctx
}
xargs_run()
{
	export KIM_STUB_DIR="$dir/kim"
	"$kim" build -t "$R" --tag "$R:xargs" -- ctx && "$kim" image ls -a --no-trunc --digests &&
		xargs -P "$jobs" -n 1 "$kim" image rm <seeded
}

# timed_run TOOL K RUN: RUN (one of the above) in a fresh store $dir=$work/TOOL-K of K old images,
# its output in $dir/stdout and $dir/stderr; $run_ns is how long it took, without the timer's own
# cost. A failed run, or one that did not leave exactly the new image, is a warning.
timed_run()
{
	dir=$work/$1-$2
	seed "$dir" "$2"
	check_seeded "$dir" "$2"
	timer=$(timer_ns)
	began=$(now_ns)
	status=0
	(cd "$dir" && "$3") </dev/null >"$dir/stdout" 2>"$dir/stderr" || status=$?
	run_ns=$(($(now_ns) - began - timer))
	[ "$status" -eq 0 ] || warn "$1 at k=$2 exited $status: $(tail -n 3 "$dir/stderr")"
	check_result "$1" "$dir" "$2" || true
}

printf '%s vs the workaround on tests/kim: latency %s s per kim and kubectl call, kimb%s, %s CPUs, load average %s\n' \
	"$("$kimb" --version 2>/dev/null | head -n 1)" "$latency" "${kimb_flags:- without --jobs and --json}" \
	"$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo '?')" "$(load_average)"
printf '%s\n' "floor = 1 build + 1 listing + ceil(k/$jobs) removals (rm ms), each call timed alone on that store" \
	"xargs = the same calls as kimb's, the removals $jobs at a time by xargs -P $jobs: the floor as this machine reaches it" \
	"speedup = workaround / kimb; kimb CPU: its own user + system time, and % of its wall time"
# shellcheck disable=SC2059 # the format is the table's
printf "$ROW_FORMAT" 'old' 'workaround' 'kim' 'kimb' 'kim' 'kubectl' 'floor' 'rm' 'floor' 'xargs' 'kimb/' 'kimb/' '' 'kimb CPU' '% of' 'kimb peak'
# shellcheck disable=SC2059
printf "$ROW_FORMAT" 'images' 'wall s' 'calls' 'wall s' 'calls' 'calls' 'calls' 'ms' 'wall s' 'wall s' 'floor' 'xargs' 'speedup' 's' 'wall' 'MiB'

targets=
for k in $sizes; do
	valid=1
	# The calls are timed before the runs and again after them, and the floor takes the mean: the
	# machine's load drifts over the minutes the runs of a large size take.
	# shellcheck disable=SC2046 # three numbers
	set -- $(probe "$k")
	build_ns=$1 list_ns=$2 rm_ns=$3

	timed_run workaround "$k" workaround_run
	wa_ns=$run_ns
	wa_calls=$(call_count "$dir/kim/calls")
	rm -rf "$dir"

	timed_run kimb "$k" kimb_run
	kimb_ns=$run_ns
	kimb_calls=$(call_count "$dir/kim/calls")
	kubectl_calls=$(call_count "$dir/kubectl/calls")
	numbers=$(kimb_numbers "$dir/stdout")
	rm -rf "$dir"

	timed_run xargs "$k" xargs_run
	xargs_ns=$run_ns
	rm -rf "$dir"

	# shellcheck disable=SC2046 # three numbers
	set -- $(probe "$k")
	build_ns=$(((build_ns + $1) / 2)) list_ns=$(((list_ns + $2) / 2)) rm_ns=$(((rm_ns + $3) / 2))

	floor_calls=$((2 + (k + jobs - 1) / jobs))
	wa_s=$(seconds "$wa_ns")
	kimb_s=$(seconds "$kimb_ns")
	rm_s=$(seconds6 "$rm_ns")
	xargs_s=$(seconds6 "$xargs_ns")
	floor_s=$(seconds6 $((build_ns + list_ns + (floor_calls - 2) * rm_ns)))
	# shellcheck disable=SC2086 # $numbers: two words
	print_row "$k" "$wa_s" "$wa_calls" "$kimb_s" "$kimb_calls" "$kubectl_calls" "$floor_calls" "$rm_s" "$floor_s" \
		"$xargs_s" $numbers
	if [ "$valid" -eq 1 ]; then
		# shellcheck disable=SC2086
		targets="$targets$(print_targets "$k" "$wa_s" "$kimb_s" "$floor_s" "$xargs_s" ${numbers%% *})
"
	else
		targets="${targets}k=$k INVALID: a tool failed or did not remove what it should (WARNING above)
"
	fi
done
printf '\ntargets (printed, not asserted; load average now %s):\n%s' "$(load_average)" "$targets"
latency_ms=$(awk -v s="$latency" 'BEGIN { printf "%.1f", s * 1000 }')
printf '(rm includes the %s ms latency; the rest is the stand-in'"'"'s own work)\n' "$latency_ms"

# The listing reader: BENCH_LISTING_ROWS rows as kimb lists them (image ls -a --no-trunc --digests),
# in the forms kim prints: images tagged twice, names lost by a later build (R:TAG <none>), and
# images without any name or digest (<none> <none> <none>).
printf '\n'
listing_rate=$build/bench/listing_rate
if [ -x "$listing_rate" ]; then
	# shellcheck disable=SC2016 # an awk program: its $ are awk's
	awk -v rows="$listing_rows" '
	function hex64(i) {
		return sprintf("%08x%048x%08x", (i * 2654435761) % 4294967296, 0, i)
	}
	function row(image, tag, digest, id, size) {
		printf "%-40s%-20s%-74s%-74s%s\n", image, tag, digest, id, size == "" ? "2.58MB" : size
	}
	BEGIN {
		row("IMAGE", "TAG", "DIGEST", "IMAGE ID", "SIZE")
		for (n = 0; n < rows; i++) {
			repo = sprintf("localhost/team%03d/app", i % 500)
			id = "sha256:" hex64(i + 1)
			digest = "sha256:" hex64(i + 100000001)
			if (i % 10 < 7 && n + 2 <= rows) {
				row(repo, sprintf("20240101.%06d", i), digest, id)
				row(repo, i < 500 ? "latest" : sprintf("v%d", i), digest, id)
				n += 2
			} else if (i % 10 < 9) {
				row(sprintf("%s:20240101.%06d", repo, i), "<none>", digest, id)
				n++
			} else {
				row("<none>", "<none>", "<none>", id)
				n++
			}
		}
	}' >"$work/listing"
	# Its first tenth too: the same memory a row on both means memory linear in the listing.
	head -n $((listing_rows / 10 + 1)) "$work/listing" >"$work/listing-tenth"
	"$listing_rate" "$work/listing-tenth" 3 || warn "the listing reader's bench failed"
	"$listing_rate" "$work/listing" 3 || warn "the listing reader's bench failed"
	rm -f "$work/listing" "$work/listing-tenth"
else
	warn "$listing_rate is not built (make $build/bench/listing_rate): no listing rate"
fi

# The bash completion after "kimb prune " on a store of 100 images (issue 19, 6: a shell waits for
# it; the target is 300 ms): the time _kimb takes, kimb's calls and the stand-in's listing (with its
# latency) included, bash-completion's own loading not; the best of 3. Printed, not asserted.
bash_completion=${BASH_COMPLETION:-/usr/share/bash-completion/bash_completion}
printf '\n'
if [ -r "$bash_completion" ]; then
	seed "$work/complete" 100
	complete_ms=$(KIM_STUB_DIR=$work/complete/kim KUBECTL_STUB_DIR=$work/complete/kubectl \
		KIMB_KIM=$stub KIMB_BUILDER=kim KIM_STUB_LATENCY=$latency \
		bash --norc --noprofile -c '
		. "$1" || exit 1
		. "$2" || exit 1
		best=
		for try in 1 2 3; do
			COMP_LINE="$3 prune " COMP_POINT=${#COMP_LINE} COMP_WORDS=("$3" prune "") COMP_CWORD=2
			COMPREPLY=()
			began=${EPOCHREALTIME/[.,]/}
			_kimb "$3" "" prune || exit 1
			took=$(((${EPOCHREALTIME/[.,]/} - began) / 1000))
			[ ${#COMPREPLY[@]} -eq 1 ] || exit 1
			[ -n "$best" ] && [ "$best" -le "$took" ] || best=$took
		done
		echo "$best"' bash "$bash_completion" "$top/completions/kimb.bash" "$kimb") ||
		warn "the prune completion's bench failed"
	printf 'bash completion after "kimb prune" on 100 images: %s ms (target 300 ms, not asserted; latency %s s a call)\n' \
		"${complete_ms:-?}" "$latency"
	rm -rf "$work/complete"
else
	warn "bash-completion is not installed ($bash_completion): no completion timing"
fi

# kimb's git tag against git's own look at a large work tree, when that bench is there.
git_bench=$top/scripts/bench/git-tag.sh
if [ -x "$git_bench" ]; then
	printf '\n== scripts/bench/git-tag.sh\n'
	"$git_bench" "$build/bench/git_tag" || warn "scripts/bench/git-tag.sh exited $?"
fi

if [ "$failures" -gt 0 ]; then
	printf '\n%d WARNING(s): see above; a comparison where a tool did not remove what it should means nothing\n' \
		"$failures"
	exit 1
fi
