#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Times kimb's git tag against git's own view of the same work tree, on a generated repository of
# 100,000 files (1000 directories of 100 small files, one commit, packed), clean and dirty (one tracked
# file changed, one untracked file added): kimb's tag alone (the driver bench/git_tag.c, which calls
# gittag_prepare), `git status --porcelain`, and `git describe --always --dirty` for reference
# (it does not look for untracked files); then, in the dirty tree, kimb's tag of one directory as a
# monorepo's build context: d0500, which holds the change, and d0001, which holds none (its tag
# clean: a change elsewhere is none of its build's). Each command runs once to warm the page cache,
# then the three take turns RUNS times; the table gives the median wall times in milliseconds and kimb's over
# git status's (the target: at most 1). Asserts only that kimb and git see the same state.
#
# git status refreshes the index's stat data and writes the index when that changed; kimb never
# writes it. So that neither starts from an index the other refreshed for it, git status runs once
# after each change of the work tree, before any timing, and the index's modification time is
# checked to stay the same through the timed runs: both then read the same index, whose stat data
# matches every unchanged file and whose time stamp is at least a second after them (no racily
# clean entries, which both would have to read in full).
#
# usage: scripts/bench/git-tag.sh [DRIVER]; DIRECTORIES, FILES_PER_DIRECTORY and RUNS override the
# defaults (1000, 100, 5).
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
driver=${1:-$top/build/bench/git_tag}
directories=${DIRECTORIES:-1000}
files_per_directory=${FILES_PER_DIRECTORY:-100}
runs=${RUNS:-5}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
repo=$work/repo

# Neither the user's nor the system's git configuration may change what is measured.
export HOME="$work" XDG_CONFIG_HOME="$work/config" GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME=bench \
	GIT_AUTHOR_EMAIL=bench@example.com GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.com
unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE

now_ns() { date +%s%N; }

# One commit of DIRECTORIES x FILES_PER_DIRECTORY files, each of its own content: git fast-import
# writes it as one pack, awk writes the same files in the work tree, and git reset reads HEAD into
# the index. No automatic gc: packing in the background would change what is measured. fast-import
# grows and shrinks its heap for every file, which some virtual machines make 10 times slower:
# malloc keeps what it got.
generate()
{
	git init -q -b main "$repo"
	git -C "$repo" config gc.auto 0
	awk -v directories="$directories" -v files="$files_per_directory" 'BEGIN {
		print "commit refs/heads/main"
		print "committer bench <bench@example.com> 1700000000 +0000"
		print "data 9"
		print "generated"
		for (d = 0; d < directories; d++) {
			for (f = 0; f < files; f++) {
				content = sprintf("file %d of directory %d\n", f, d)
				printf "M 100644 inline d%04d/f%03d.txt\ndata %d\n%s\n", d, f, length(content), content
			}
		}
	}' | GLIBC_TUNABLES=glibc.malloc.top_pad=268435456:glibc.malloc.trim_threshold=536870912 \
		git -C "$repo" fast-import --quiet
	awk -v top="$repo" -v directories="$directories" 'BEGIN {
		for (d = 0; d < directories; d++)
			printf "%s/d%04d\n", top, d
	}' | xargs mkdir
	awk -v top="$repo" -v directories="$directories" -v files="$files_per_directory" 'BEGIN {
		for (d = 0; d < directories; d++) {
			for (f = 0; f < files; f++) {
				path = sprintf("%s/d%04d/f%03d.txt", top, d, f)
				printf "file %d of directory %d\n", f, d > path
				close(path)
			}
		}
	}'
	git -C "$repo" reset -q
}

# Runs git status once, a second after the last change, so that the index it writes holds fresh
# stat data and a time stamp later than every file's.
settle()
{
	sleep 1
	git -C "$repo" status --porcelain >/dev/null
	index_time=$(stat -c %Y.%y "$repo/.git/index")
}

# Appends the wall time in microseconds of one run of the command to FILE.
time_once()
{
	file=$1
	shift
	start=$(now_ns)
	"$@" >/dev/null
	end=$(now_ns)
	echo $(((end - start) / 1000)) >>"$file"
}

# The median of the times in FILE, in milliseconds.
median_ms()
{
	sort -n "$1" | awk '{ t[NR] = $1 } END {
		m = NR % 2 ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2
		printf "%.0f", m / 1000
	}'
}

# Times kimb's tag of the context directory CONTEXT of the work tree as it is, expecting a tag that is
# dirty or not as STATE says.
measure_context()
{
	state=$1
	context=$2
	tag=$("$driver" "$repo/$context")
	head=$(git -C "$repo" rev-parse --short=7 HEAD)
	case "$state:$tag" in
	clean:"$head" | dirty:"$head"-dirty.???????) ;;
	*) echo "kimb's tag of the context $context is $tag (HEAD is $head, expected $state)" >&2; exit 1 ;;
	esac
	: >"$work/context"
	i=0
	while [ "$i" -lt "$runs" ]; do
		time_once "$work/context" "$driver" "$repo/$context"
		i=$((i + 1))
	done
	printf '%-6s %-24s %10s %13s %15s %14s
' "$context" "$tag" "$(median_ms "$work/context")" - - -
}

# Times the three commands on the work tree as it is, and checks that they agree on its state. Each
# runs once unmeasured, then the three take turns RUNS times, so that a change in the machine's load
# falls on all three alike.
measure()
{
	state=$1
	tag=$("$driver" "$repo")
	changes=$(git -C "$repo" status --porcelain | wc -l)
	head=$(git -C "$repo" rev-parse --short=7 HEAD)
	case "$state:$tag" in
	clean:"$head") [ "$changes" -eq 0 ] || { echo "git status sees $changes changes in the clean tree" >&2; exit 1; } ;;
	dirty:"$head"-dirty.???????) [ "$changes" -gt 0 ] || { echo "git status sees a clean tree" >&2; exit 1; } ;;
	*) echo "kimb's tag of the $state tree is $tag (HEAD is $head)" >&2; exit 1 ;;
	esac
	git -C "$repo" describe --always --dirty >/dev/null
	: >"$work/kimb"
	: >"$work/status"
	: >"$work/describe"
	i=0
	while [ "$i" -lt "$runs" ]; do
		time_once "$work/kimb" "$driver" "$repo"
		time_once "$work/status" git -C "$repo" status --porcelain
		time_once "$work/describe" git -C "$repo" describe --always --dirty
		i=$((i + 1))
	done
	if [ "$(stat -c %Y.%y "$repo/.git/index")" != "$index_time" ]; then
		echo "the index was written during the timed runs" >&2
		exit 1
	fi
	kimb_ms=$(median_ms "$work/kimb")
	status_ms=$(median_ms "$work/status")
	printf '%-6s %-24s %10s %13s %15s %14s\n' "$state" "$tag" "$kimb_ms" "$status_ms" \
		"$(median_ms "$work/describe")" "$(awk -v k="$kimb_ms" -v s="$status_ms" 'BEGIN { printf "%.2f", s ? k / s : 0 }')"
}

start=$(now_ns)
generate
files=$(git -C "$repo" ls-files | wc -l)
echo "git tag: $files files in $directories directories, generated in $((($(now_ns) - start) / 1000000)) ms;" \
	"median of $runs runs, ms"
printf '%-6s %-24s %10s %13s %15s %14s\n' state "kimb's tag" kimb "git status" "git describe" "kimb / status"
settle
measure clean
echo changed >>"$repo/d0500/f050.txt"
echo new >"$repo/d0999/untracked.txt"
settle
measure dirty
measure_context dirty d0500
measure_context clean d0001
