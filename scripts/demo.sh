#!/bin/sh
# kimb's main job, shown end to end: the same repository built twice, first with plain kim (the
# old image is left behind), then with kimb (it is removed). Uses tests/kim, the stand-in kim, since
# kim itself needs a k3s cluster; run from a clone after `make`.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
[ -x "$top/kimb" ] || { echo "demo.sh: build kimb first (make)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export KIM_STUB_DIR="$work/kim" KIMB_KIM="$top/tests/kim" KIMB_LOCK_DIR="$work/locks"
mkdir -p "$KIM_STUB_DIR" "$work/web"
printf 'FROM scratch\nCOPY date.txt /\n' >"$work/web/Dockerfile"
kim() { "$KIMB_KIM" "$@"; }

echo '$ kim build -t localhost/whoami/web:latest .   # twice'
for build in 1 2; do
	echo "build $build" >"$work/web/date.txt"
	kim build -t localhost/whoami/web:latest "$work/web" >/dev/null
done
kim image ls

echo
echo '$ kimb prune localhost/whoami/web'
"$top/kimb" prune localhost/whoami/web
kim image ls

for build in 3 4; do
	echo "build $build" >"$work/web/date.txt"
	# one-second time tags: make the two builds' tags differ
	[ "$build" = 3 ] || sleep 1
	echo
	echo '$ kimb -t localhost/whoami/web .'
	"$top/kimb" -t localhost/whoami/web "$work/web" 2>"$work/stderr" || { cat "$work/stderr" >&2; exit 1; }
	grep '^kimb:' "$work/stderr" || true
	kim image ls
done
