#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The kim branch of test.sh, the one the Vagrant VM runs, here: test.sh against the kim stand-in
# (tests/kim, on PATH as kim, which auto then takes) and a kubectl made of the kubectl double
# (tests/kubectl, for kimb's `get pods,<workloads> --all-namespaces -o json`) and the calls test.sh
# makes itself: `run NAME --image=REF` makes the double list one running pod of that image (a recorded
# listing, tests/fixtures/kubectl/deployment.json), its imageID the image's ID (sha256:ID) or its
# manifest's digest (NAME@sha256:DIGEST, as kim's DIGEST column shows it), as containerd reports
# either; `wait` finds it ready; `get pod NAME -o jsonpath=...` prints what test.sh asks (phase,
# ready, restarts, imageID); `delete pod NAME` removes it. One pod at a time, as test.sh makes
# them. Each run must pass and leave the stand-in's store and the pods empty; with a kimb that
# cannot see the pods, test.sh must fail.
# Usage: tests/test-sh-on-kim.sh ./kimb

set -u
LC_ALL=C
export LC_ALL
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

if [ $# -ne 1 ]; then
	printf 'usage: %s KIMB\n' "$0" >&2
	exit 2
fi
KIMB=$(absolute "$1") || exit 2
TESTS=$(absolute "$0") || exit 2
TESTS=$(dirname "$TESTS")
TEST_SH=$(dirname "$TESTS")/test.sh
for program in "$KIMB" "$TESTS/kim" "$TESTS/kubectl" "$TEST_SH"; do
	if [ ! -x "$program" ]; then
		printf '%s: %s is not executable\n' "$0" "$program" >&2
		exit 2
	fi
done
CASE_LOGS='stdout stderr'

# Puts kim and kubectl for test.sh in $CASE/bin, their state in $CASE/kim and $CASE/kubectl.
# POD_IMAGE_ID (id or digest) is the form of the imageID `kubectl run` records.
make_cluster()
{
	mkdir -p "$CASE/bin" "$CASE/kim" "$CASE/kubectl" || exit 1
	cat >"$CASE/bin/kim" <<EOF || exit 1
#!/bin/sh
KIM_STUB_DIR='$CASE/kim' exec '$TESTS/kim' "\$@"
EOF
	cat >"$CASE/bin/kubectl" <<EOF || exit 1
#!/bin/sh
FIXTURES='$TESTS/fixtures'
. '$TESTS/fixtures.sh'
dir='$CASE/kubectl'
kim='$CASE/bin/kim'
# The row of image \$1 (REPOSITORY:TAG) in kim's listing with digests: REPOSITORY TAG DIGEST ID.
row() { KIM_STUB_INSPECT=1 "\$kim" image ls -a --no-trunc --digests | awk -v r="\${1%:*}" -v t="\${1##*:}" '\$1 == r && \$2 == t { print; exit }'; }
# The pod test.sh made: NAME IMAGE_ID.
pod() { cat "\$dir/pod" 2>/dev/null; }
case "\$1 \${2:-}" in
"run "*)
	[ ! -e "\$dir/pod" ] || { echo "kubectl for test-sh-on-kim.sh: a pod runs already: \$(pod)" >&2; exit 1; }
	pod=\$2
	image=\${3#--image=}
	set -- \$(row "\$image")
	[ \$# -gt 0 ] || { echo "no image \$image in kim's store" >&2; exit 1; }
	case '${POD_IMAGE_ID:-id}' in
	id) image_id=\$4 ;;
	digest) image_id=\$1@\$3 ;;
	esac
	deployment_running "\$image" "\$image_id" >"\$dir/pods.json" || exit 1
	echo "\$pod \$image_id" >"\$dir/pod"
	echo "pod/\$pod created"
	;;
"wait "*) echo "condition met" ;;
"get pod")
	set -- "\$3" \$(pod)
	[ "\$1" = "\${2:-}" ] || { echo "Error from server (NotFound): pods \"\$1\" not found" >&2; exit 1; }
	echo "Running true 0 \$3"
	;;
"delete pod")
	[ "\$3" != "\$(pod | cut -d ' ' -f 1)" ] || rm "\$dir/pod" "\$dir/pods.json"
	echo "pod \"\$3\" deleted"
	;;
"get pods" | "get pods,"*)
	case "\${3:-}" in
	--all-namespaces) KUBECTL_STUB_DIR="\$dir" exec '$TESTS/kubectl' "\$@" ;;
	*) echo "No resources found in default namespace." >&2 ;;
	esac
	;;
*) echo "kubectl for test-sh-on-kim.sh: unexpected call: \$*" >&2; exit 1 ;;
esac
EOF
	chmod +x "$CASE/bin/kim" "$CASE/bin/kubectl" || exit 1
}

# Runs test.sh with kimb $1 on the stand-ins.
run_test_sh()
{
	run env PATH="$CASE/bin:$PATH" "$TEST_SH" "$1"
}

assert_cluster_clean()
{
	left=$(KIM_STUB_INSPECT=1 KIM_STUB_DIR=$CASE/kim "$TESTS/kim" image ls -a --no-trunc | sed 1d)
	[ -z "$left" ] || fail "test.sh left images in kim's store: $left"
	if [ -e "$CASE/kubectl/pod" ] || [ -e "$CASE/kubectl/pods.json" ]; then
		fail "test.sh left a pod: $(cat "$CASE/kubectl/pod" 2>/dev/null)"
	fi
}

passes()
{
	make_cluster
	run_test_sh "$KIMB"
	assert_status 0
	tail -n 1 "$CASE/stdout" | grep -qx '[0-9]* passed, 0 failed' ||
		fail "test.sh's last line: $(tail -n 1 "$CASE/stdout")"
	grep -q '^ok   kimb reported [0-9a-f]* as kept in use' "$CASE/stdout" ||
		fail "test.sh did not check the image in use: $(cat "$CASE/stdout")"
	assert_cluster_clean
}

test_pod_by_image_id()
{
	POD_IMAGE_ID=id passes
}

test_pod_by_manifest_digest()
{
	POD_IMAGE_ID=digest passes
}

test_kimb_blind_to_pods_fails()
{
	make_cluster
	# kimb asks the double of a cluster without pods, while test.sh's pod runs in the other.
	mkdir "$CASE/no-pods" || exit 1
	printf '#!/bin/sh\nKUBECTL_STUB_DIR=%s KIMB_KUBECTL=%s exec %s "$@"\n' "$CASE/no-pods" "$TESTS/kubectl" "$KIMB" \
		>"$CASE/blind-kimb"
	chmod +x "$CASE/blind-kimb" || exit 1
	run_test_sh "$CASE/blind-kimb"
	assert_status 1
	grep -q '^FAIL kimb reported [0-9a-f]* as kept in use' "$CASE/stdout" ||
		fail "test.sh did not see the image in use removed: $(cat "$CASE/stdout")"
	tail -n 1 "$CASE/stdout" | grep -qx '[0-9]* passed, [1-9][0-9]* failed' ||
		fail "test.sh's last line: $(tail -n 1 "$CASE/stdout")"
	assert_cluster_clean
	rm -rf "$(sed -n 's/^the run.s files are kept in //p' "$CASE/stdout")"
}

for name in $(functions_named test); do
	run_test "$name" "$name"
done
summary
