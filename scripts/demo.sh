#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# kimb's main job on a real image store: the same repository built twice. Plain podman leaves the
# old image behind; kimb removes it. Everything happens in a temporary directory, removed at the
# end: a throwaway podman store (CONTAINERS_STORAGE_CONF), never the user's, and kimb's record of
# its builds and its locks (KIMB_STATE_DIR, KIMB_LOCK_DIR). Run from a clone after `make`.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
[ -x "$top/kimb" ] || { echo "demo.sh: build kimb first (make)" >&2; exit 1; }
command -v podman >/dev/null || { echo "demo.sh: needs podman (scripts/install-deps.sh)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat >"$work/storage.conf" <<CONF
[storage]
driver = "vfs"
graphroot = "$work/graph"
runroot = "$work/run"
CONF
export CONTAINERS_STORAGE_CONF="$work/storage.conf" KIMB_LOCK_DIR="$work/locks" KIMB_STATE_DIR="$work/state"
mkdir "$work/web"
printf 'FROM scratch\nCOPY build.txt /\n' >"$work/web/Containerfile"
cd "$work/web"
repository=localhost/whoami/web

show() { echo "\$ $*" >&2; "$@"; }

for build in 1 2; do
	echo "build $build" >build.txt
	show podman build -q -t "$repository:latest" . >/dev/null
done
show podman images -a
echo
show "$top/kimb" prune --builder=podman "$repository"
show podman images -a
for build in 3 4; do
	echo "build $build" >build.txt
	echo
	echo "\$ $top/kimb --builder=podman -t $repository ." >&2
	# the build's own progress is left out; kimb's report is kept
	"$top/kimb" --builder=podman -t "$repository" . 2>"$work/stderr" || { cat "$work/stderr" >&2; exit 1; }
	grep '^kimb:' "$work/stderr" >&2 || true
	show podman images -a
done
