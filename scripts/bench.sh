#!/bin/sh
# Measures kimb's own work (reading the listing, selecting, spawning) against the builder's, on a
# 100,000-row kim listing served by a stand-in that only prints it: kimb's share should be a
# rounding error next to a real kim's seconds. Prints milliseconds per run; asserts nothing.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
kimb=${1:-$top/kimb}
runs=${RUNS:-5}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# 50,000 images of 500 repositories, each listed under two tags: 100,000 rows in kim's layout.
awk 'BEGIN {
	printf "%-39s%-20s%-74s%s\n", "IMAGE", "TAG", "IMAGE ID", "SIZE"
	for (i = 0; i < 50000; i++) {
		id = sprintf("sha256:%064x", i + 1)
		repo = sprintf("localhost/team%03d/app", i % 500)
		printf "%-39s%-20s%-74s%s\n", repo, sprintf("20240101.%06d", i), id, "2.58MB"
		printf "%-39s%-20s%-74s%s\n", repo, (i < 500 ? "latest" : sprintf("v%d", i)), id, "2.58MB"
	}
}' >"$work/listing"
cat >"$work/kim" <<STUB
#!/bin/sh
case "\$*" in
*"image ls"*) exec cat "$work/listing" ;;
esac
STUB
chmod +x "$work/kim"

now_ns() { date +%s%N; }

# Milliseconds per run of the command, averaged over $runs runs.
per_run_ms()
{
	start=$(now_ns)
	i=0
	while [ "$i" -lt "$runs" ]; do
		"$@" >/dev/null 2>&1 || true
		i=$((i + 1))
	done
	echo $((($(now_ns) - start) / runs / 1000000))
}

# No pods: kimb reads them before it removes anything with kim.
printf '#!/bin/sh\necho '"'"'{"items": []}'"'"'\n' >"$work/kubectl"
chmod +x "$work/kubectl"

export KIMB_KIM="$work/kim" KIMB_BUILDER=kim KIMB_LOCK_DIR="$work/locks" KIMB_STATE_DIR="$work/state" \
	KIMB_KUBECTL="$work/kubectl"
listing_ms=$(per_run_ms "$work/kim" image ls -a --no-trunc)
prune_ms=$(per_run_ms "$kimb" prune --dry-run localhost/team007/app)
prune_all_ms=$(per_run_ms "$kimb" prune localhost/team007/app)
echo "listing of $(($(wc -l <"$work/listing") - 1)) rows, printed by the stand-in alone: ${listing_ms} ms"
echo "kimb prune --dry-run (list, read, select):              ${prune_ms} ms"
echo "kimb prune (also 99 removal calls to the stand-in):       ${prune_all_ms} ms"
echo "kimb's own share of a dry run: $((prune_ms - listing_ms)) ms"
