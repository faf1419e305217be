#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Proves that the unit suite needs no builder: runs it (build/check_kimb) in a mount namespace of
# its own where every executable of a builder or of what kimb drives (podman, buildah, docker,
# dockerd, nerdctl, kim, kubectl), wherever PATH or the usual directories hold one, is covered by
# a program that records its run and fails as a missing program does (status 127). The suite must
# pass, and none of them may have been run. PATH is left as it is: a test that found a builder by
# its absolute path would meet the cover too.
# Usage: tests/without-builders.sh [CHECK_KIMB]     (default: build/check_kimb)
# Needs root (unshare --mount). Run otherwise, it runs the unit suite as it is, saying that the
# builders are not covered; with KIMB_REQUIRE_ALL=1 (CI) it fails instead.

set -u
LC_ALL=C
export LC_ALL

check_kimb=${1:-build/check_kimb}
case $check_kimb in
/*) ;;
*) check_kimb=$(pwd)/$check_kimb ;;
esac
if [ ! -x "$check_kimb" ]; then
	printf '%s: %s is not executable (make %s builds it)\n' "$0" "$check_kimb" "${1:-build/check_kimb}" >&2
	exit 2
fi

if [ "$(id -u)" -ne 0 ]; then
	if [ "${KIMB_REQUIRE_ALL:-}" = 1 ]; then
		printf '%s: needs root (unshare --mount), and KIMB_REQUIRE_ALL=1 requires it to run\n' "$0" >&2
		exit 1
	fi
	printf 'without-builders: not root, so the builders are not covered (unshare --mount needs root)\n'
	exec "$check_kimb"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/kimb-without-builders.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The cover: says what it stands for in $work/ran, and fails.
cat >"$work/cover" <<EOF || exit 1
#!/bin/sh
printf '%s %s\n' "\$0" "\$*" >>"$work/ran"
printf '%s: covered by tests/without-builders.sh: the unit suite must not run it\n' "\$0" >&2
exit 127
EOF
chmod 755 "$work/cover" || exit 1

# Every such executable, by its real path (a symbolic link is covered where it leads), once.
names="podman buildah docker dockerd nerdctl kim kubectl"
directories=$(printf '%s' "$PATH" | tr ':' '\n')
for directory in $directories /usr/local/sbin /usr/local/bin /usr/sbin /usr/bin /sbin /bin; do
	for name in $names; do
		[ -f "$directory/$name" ] || continue
		readlink -f "$directory/$name"
	done
done | sort -u >"$work/covered"

# In the namespace: cover each one, check that running it now runs the cover, then run the suite.
# shellcheck disable=SC2016 # the script's $ are its own
unshare --mount --propagation private sh -c '
	work=$1
	check_kimb=$2
	while IFS= read -r program; do
		mount --bind "$work/cover" "$program" || exit 1
		"$program" --version >/dev/null 2>&1
		if [ $? -ne 127 ] || ! grep -q "^$program --version\$" "$work/ran"; then
			printf "without-builders: %s is not covered\n" "$program" >&2
			exit 1
		fi
	done <"$work/covered"
	rm -f "$work/ran"
	exec "$check_kimb"
' without-builders "$work" "$check_kimb"
status=$?

printf 'without-builders: %s covered: %s\n' "$(awk 'END { print NR }' "$work/covered")" \
	"$(tr '\n' ' ' <"$work/covered")"
if [ -s "$work/ran" ]; then
	printf 'FAIL: the unit suite ran what it must not need:\n%s\n' "$(cat "$work/ran")"
	exit 1
fi
if [ "$status" -ne 0 ]; then
	printf 'FAIL: the unit suite failed without the builders (status %s)\n' "$status"
	exit 1
fi
printf 'without-builders: the unit suite passed, and ran none of them\n'
