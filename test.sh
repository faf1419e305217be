#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# test.sh [KIMB]: the original report's scenario end to end, on a real builder, as a user meets it.
# It builds the example image examples/web (a Dockerfile and a page the test rewrites before every
# build) with kimb, and checks in the builder's own image listing that:
#   - two builds leave exactly one image of the repository, tagged `latest` and the unique tag
#     kimb printed, and the replaced image is gone from the store;
#   - an image in use (a container created from it; on kim a running pod started from it with
#     --image-pull-policy=Never) survives the next build, keeps its tag, is reported as kept in
#     use, and the container or pod goes on using it; once that is removed, `kimb prune
#     REPOSITORY` removes it, leaving exactly the latest image;
#   - images left behind by the plain builder (built twice with the same tag, the report's bug) are
#     cleaned up by `kimb prune` where kimb can attribute them (kim, podman), and other
#     repositories' images are never touched;
#   - the printed reference names the image just built, `latest` holds the last page written, and
#     repeated builds leave a store of one size.
# It ends with `N passed, N failed` and exits non-zero when anything failed.
#
# KIMB: the kimb to test: the first argument, else $KIMB, else kimb on PATH.
# The builder: KIMB_BUILDER, else the one kimb's auto takes (kim, nerdctl, podman, docker,
# buildah: the first on PATH, or whose KIMB_KIM, KIMB_PODMAN, ... is set). kimb is run with that
# builder, through the same executables.
#   - kim (the Vagrant VM): works in the cluster's real image store, on repositories whose names
#     are unique to the run (localhost/kimb-test-SECONDS-PID/...), and removes its pod and images
#     at the end. The image is built FROM busybox (EXAMPLE_BASE), which needs the network, so that
#     the pod runs; kubectl must reach the cluster kim builds in.
#   - podman, buildah: a throwaway image store (CONTAINERS_STORAGE_CONF, driver vfs), never yours.
#   - docker: a private Docker daemon this test starts as root (dockerd on PATH, or DOCKERD) with
#     all its state in a directory of its own, and stops on every way out; the client is
#     KIMB_DOCKER, else docker on PATH. Builds use BuildKit unless DOCKER_BUILDKIT=0.
#   - nerdctl: not supported (no throwaway store); set KIMB_BUILDER to another builder.
# kimb's locks and its record of builds are the test's own (KIMB_LOCK_DIR, KIMB_STATE_DIR).
# Elsewhere than on kim the image is FROM scratch, so that nothing is pulled.
#
# POSIX sh.

set -u
LC_ALL=C
export LC_ALL

top=$(cd "$(dirname "$0")" && pwd) || exit 2
say() { printf 'test.sh: %s\n' "$*" >&2; }

# --- what to test, and where -----------------------------------------------------------------

kimb=${1:-${KIMB:-}}
if [ -z "$kimb" ]; then
	kimb=$(command -v kimb) || {
		say "no kimb to test: give its path as the first argument or in KIMB, or put kimb on PATH"
		exit 2
	}
fi
case $kimb in
*/*) kimb=$(cd "$(dirname "$kimb")" 2>/dev/null && printf '%s/%s\n' "$(pwd)" "$(basename "$kimb")") ;;
*) kimb=$(command -v "$kimb") ;;
esac
if [ -z "$kimb" ] || [ ! -f "$kimb" ] || [ ! -x "$kimb" ]; then
	say "${1:-${KIMB:-kimb}} is not an executable file"
	exit 2
fi
example=$top/examples/web
if [ ! -f "$example/Dockerfile" ]; then
	say "the example $example/Dockerfile is missing"
	exit 2
fi

# kimb's executable variable for builder $1 (KIMB_KIM, ...).
variable_of()
{
	printf 'KIMB_%s\n' "$(printf '%s' "$1" | tr '[:lower:]' '[:upper:]')"
}
# The value of variable $1, empty when unset.
value_of()
{
	eval "printf '%s\\n' \"\${$1:-}\""
}

builder=${KIMB_BUILDER:-auto}
if [ "$builder" = auto ]; then
	builder=
	for candidate in kim nerdctl podman docker buildah; do
		if [ -n "$(value_of "$(variable_of "$candidate")")" ] || command -v "$candidate" >/dev/null 2>&1; then
			builder=$candidate
			break
		fi
	done
	if [ -z "$builder" ]; then
		say "no builder found: none of kim, nerdctl, podman, docker, buildah is on PATH ($PATH), and none of KIMB_KIM, KIMB_NERDCTL, KIMB_PODMAN, KIMB_DOCKER, KIMB_BUILDAH is set"
		exit 2
	fi
fi
case $builder in
kim | podman | docker | buildah) ;;
nerdctl)
	say "nerdctl: test.sh has no throwaway store for it; set KIMB_BUILDER=podman, docker or buildah"
	exit 2
	;;
*)
	say "KIMB_BUILDER=$builder: not a builder (kim, nerdctl, podman, docker, buildah, auto)"
	exit 2
	;;
esac
program=$(value_of "$(variable_of "$builder")")
program=${program:-$builder}
if ! command -v "$program" >/dev/null 2>&1; then
	say "$builder: $program not found; install it or set $(variable_of "$builder")"
	exit 2
fi
program=$(command -v "$program")
# kimb runs the builder this test chose, through the same executable.
KIMB_BUILDER=$builder
eval "$(variable_of "$builder")=\$program"
export KIMB_BUILDER "$(variable_of "$builder")"

if [ "$builder" = docker ]; then
	dockerd=${DOCKERD:-$(command -v dockerd)}
	if [ -z "$dockerd" ] || [ ! -x "$dockerd" ]; then
		say "docker: no dockerd on PATH to start a throwaway daemon with; install it (Debian: docker.io) or set DOCKERD"
		exit 2
	fi
	if [ "$(id -u)" -ne 0 ]; then
		say "docker: the throwaway Docker daemon this test starts runs as root only; run as root, or set KIMB_BUILDER=podman"
		exit 2
	fi
fi
kubectl=${KIMB_KUBECTL:-kubectl}
if [ "$builder" = kim ] && ! command -v "$kubectl" >/dev/null 2>&1; then
	say "kim: kubectl ($kubectl) not found; the test starts a pod with it, and kimb asks it which images pods use; install it or set KIMB_KUBECTL"
	exit 2
fi

# Settings of the user's that would change what kimb does here; the tags must be time tags (the
# context is outside git, and no CI system's commit may stand in for them).
unset KIMB_KEEP KIMB_SCHEME KIMB_JOBS KIMB_LOCK_TIMEOUT GITHUB_SHA CI_COMMIT_SHA GIT_COMMIT \
	BUILDKITE_COMMIT CIRCLE_SHA1 TRAVIS_COMMIT BITBUCKET_COMMIT DRONE_COMMIT_SHA \
	BUILD_SOURCEVERSION SEMAPHORE_GIT_SHA APPVEYOR_REPO_COMMIT

# --- results ---------------------------------------------------------------------------------

passed=0
failed=0

pass()
{
	passed=$((passed + 1))
	printf 'ok   %s\n' "$1"
}

# fail WHAT [DETAILS]: DETAILS (several lines) are printed indented below.
fail()
{
	failed=$((failed + 1))
	printf 'FAIL %s\n' "$1"
	[ -z "${2:-}" ] || printf '%s\n' "$2" | sed 's/^/       /'
}

# COMMAND; verdict $? WHAT: WHAT passed when COMMAND succeeded; else it failed, with the details
# a helper left in $why, if any. ($? is passed, as expanding WHAT may run commands.)
verdict()
{
	if [ "$1" -eq 0 ]; then
		pass "$2"
	else
		fail "$2" "${why:-}"
	fi
	why=
}
why=

# The first 12 digits of ID $1, for messages.
short()
{
	printf '%.12s\n' "$1"
}

# explain TEXT: false, with TEXT as the reason.
explain()
{
	why=$1
	return 1
}

# --- the throwaway store, and everything the test leaves -------------------------------------

work=$(mktemp -d "${TMPDIR:-/tmp}/kimb-test.XXXXXX") || exit 1
KIMB_LOCK_DIR=$work/locks
KIMB_STATE_DIR=$work/state
export KIMB_LOCK_DIR KIMB_STATE_DIR
run_id=$(date -u +%Y%m%d%H%M%S)-$$
repository=localhost/kimb-test-$run_id/web
other=localhost/kimb-test-$run_id/other
plain=localhost/kimb-test-$run_id/plain
container=kimb-test-web-$run_id
container_made=0
build_args=

# shellcheck source=tests/private-stores.sh
. "$top/tests/private-stores.sh"

start_dockerd()
{
	unset DOCKER_CONTEXT DOCKER_TLS_VERIFY DOCKER_CERT_PATH
	DOCKER_BUILDKIT=${DOCKER_BUILDKIT:-1}
	export DOCKER_BUILDKIT
	private_dockerd_start "$dockerd" "$program" "$work" || abort "start a private dockerd" "$private_dockerd_error"
}

stop_dockerd()
{
	[ -n "$PRIVATE_DOCKERD_DIR" ] || return 0
	if private_dockerd_stop "$work"; then
		pass "the private dockerd stopped and left no mount or process"
	else
		fail "the private dockerd stops and leaves nothing behind" "$private_dockerd_error"
	fi
}

use_throwaway_store()
{
	write_store_conf "$work/store" || abort "write the throwaway store's configuration in $work/store"
	CONTAINERS_STORAGE_CONF=$work/store/storage.conf
	CONTAINERS_CONF=$work/store/containers.conf
	export CONTAINERS_STORAGE_CONF CONTAINERS_CONF
	unset CONTAINERS_REGISTRIES_CONF
	# Never build in the user's store: the builder must take the throwaway one.
	case $builder in
	podman) graphroot=$("$program" info --format '{{.Store.GraphRoot}}' 2>"$work/info.err") ;;
	buildah) graphroot=$("$program" info --format '{{.store.GraphRoot}}' 2>"$work/info.err") ;;
	esac
	[ "$graphroot" = "$work/store/graph" ] ||
		abort "$builder uses the store \"$graphroot\", not the throwaway $work/store/graph" "$(cat "$work/info.err")"
}

# On kim: the run's pod and every image of the run's repositories, from the cluster's store.
clean_kim()
{
	if [ "$container_made" -eq 1 ]; then
		"$kubectl" delete pod "$container" --ignore-not-found --timeout=120s >"$work/out" 2>&1 ||
			fail "kubectl deletes the test's pod $container" "$(cat "$work/out")"
		container_made=0
	fi
	if ! list_images; then
		fail "kim lists images to remove the test's own" "$(cat "$work/listing.err")"
		return
	fi
	awk -v prefix="localhost/kimb-test-$run_id/" 'substr($2, 1, length(prefix)) == prefix { print $1 }' \
		"$work/listing" | sort -u >"$work/ids"
	while read -r id; do
		"$program" image rm "$id" >"$work/out" 2>&1 || fail "kim removes the test's image $id" "$(cat "$work/out")"
	done <"$work/ids"
	if ! list_images; then
		fail "kim lists images after removing the test's own" "$(cat "$work/listing.err")"
	elif grep -F "localhost/kimb-test-$run_id/" "$work/listing" >"$work/left"; then
		fail "the test's images are gone from kim's store" "$(cat "$work/left")"
	fi
}

finished=0
# finish [STATUS]: cleans up, prints the totals and exits: non-zero when anything failed.
finish()
{
	[ "$finished" -eq 0 ] || exit "${1:-1}"
	finished=1
	trap - EXIT INT TERM HUP
	case $builder in
	kim) clean_kim ;;
	docker) stop_dockerd ;;
	podman | buildah)
		if [ "$container_made" -eq 1 ]; then
			remove_container >/dev/null 2>&1
		fi
		if grep -F "$work/" /proc/mounts >"$work/mounts-left"; then
			fail "$builder leaves no mount in the throwaway store" "$(cat "$work/mounts-left")"
		fi
		;;
	esac
	if [ "$failed" -eq 0 ] && [ "${1:-0}" -eq 0 ]; then
		rm -rf "$work"
	else
		printf 'the run'"'"'s files are kept in %s\n' "$work"
	fi
	printf '%s passed, %s failed\n' "$passed" "$failed"
	if [ "$failed" -ne 0 ]; then
		exit 1
	fi
	exit "${1:-0}"
}

# abort WHAT [DETAILS]: a failure after which the scenario cannot go on.
abort()
{
	fail "$1" "${2:-}"
	printf 'the scenario cannot go on\n'
	finish 1
}

trap 'fail "test.sh ended unexpectedly"; finish 1' EXIT
trap 'fail "interrupted"; finish 130' INT
trap 'fail "terminated"; finish 143' TERM
trap 'fail "hung up"; finish 129' HUP

# --- the builder's own view ------------------------------------------------------------------

# The builder's listing of every image, into $work/listing: a line `ID NAME TAG` per name (ID
# without sha256:; `<none>` for none). kim's listing names an image that lost its tag `R:TAG`
# with TAG `<none>`.
list_images()
{
	case $builder in
	kim) "$program" image ls -a --no-trunc ;;
	podman) "$program" images --all --no-trunc --format '{{.ID}} {{.Repository}} {{.Tag}}' ;;
	docker) "$program" image ls --all --no-trunc --format '{{.ID}} {{.Repository}} {{.Tag}}' ;;
	buildah) "$program" images --all --no-trunc --format '{{.ID}} {{.Name}} {{.Tag}}' ;;
	esac >"$work/listing.raw" 2>"$work/listing.err" || return 1
	if [ "$builder" = kim ]; then
		awk 'NR > 1 { print $3, $1, $2 }' "$work/listing.raw"
	else
		awk '{ print $1, $2, $3 }' "$work/listing.raw"
	fi | sed 's/^sha256://' >"$work/listing"
}

listed()
{
	list_images || abort "$builder lists its images" "$(cat "$work/listing.err")"
}

# The lines `ID TAG` of repository $1 in the listing, sorted: under its name, and (kim) under
# `$1:TAG` or `$1@DIGEST`.
rows_of()
{
	awk -v r="$1" '$2 == r || substr($2, 1, length(r) + 1) == r ":" || substr($2, 1, length(r) + 1) == r "@" {
		print $1, $3
	}' "$work/listing" | sort
}

# The ID of $1:$2 in the listing.
id_of()
{
	awk -v r="$1" -v t="$2" '$2 == r && $3 == t { print $1; exit }' "$work/listing"
}

# rows_are REPOSITORY LINE...: the repository's rows are exactly the lines `ID TAG` given.
rows_are()
{
	r=$1
	shift
	expected=$(printf '%s\n' "$@" | sort)
	actual=$(rows_of "$r")
	[ "$actual" = "$expected" ] && return 0
	why="the listing holds for $r:
${actual:-(nothing)}
expected:
$expected"
	return 1
}

# only REPOSITORY ID TAG...: the repository's rows are exactly ID with each TAG.
only()
{
	r=$1
	id=$2
	shift 2
	for tag; do
		set -- "$@" "$id $tag"
		shift
	done
	rows_are "$r" "$@"
}

# gone ID: no image of that ID is left in the store.
gone()
{
	! grep -q "^$1 " "$work/listing" && return 0
	why="still listed: $(grep "^$1 " "$work/listing")"
	return 1
}

there()
{
	grep -q "^$1 " "$work/listing" && return 0
	why="not listed; the listing:
$(cat "$work/listing")"
	return 1
}

image_count()
{
	awk '{ print $1 }' "$work/listing" | sort -u | awk 'END { print NR }'
}

same()
{
	[ "$1" = "$2" ] && return 0
	why="$1, expected $2"
	return 1
}

# --- the builds ------------------------------------------------------------------------------

ctx=$work/web
page=0
# Writes a new page into the example's context.
new_page()
{
	page=$((page + 1))
	printf '<p>whoami/web, test run %s, build %s</p>\n' "$run_id" "$page" >"$ctx/index.html"
}

# kimb ARGS...: runs kimb in the context's directory; stdout in $work/out, stderr in $work/err,
# the exit status in $status.
run_kimb()
{
	(cd "$ctx" && "$kimb" "$@") >"$work/out" 2>"$work/err"
	status=$?
}

# kimb_build REPOSITORY: builds the example with kimb -t REPOSITORY; checks that it succeeded and
# printed one reference REPOSITORY:TAG; sets tag.
kimb_build()
{
	new_page
	# shellcheck disable=SC2086 # build_args: words
	run_kimb $build_args -t "$1" .
	[ "$status" -eq 0 ] || abort "kimb -t $1 . succeeds" "exit status $status; stderr:
$(cat "$work/err")"
	tag=$(sed -n "s|^$1:\\([^:/]*\\)\$|\\1|p" "$work/out")
	if [ -z "$tag" ] || [ "$(awk 'END { print NR }' "$work/out")" -ne 1 ] || [ "$tag" = latest ]; then
		abort "kimb -t $1 . prints one reference $1:UNIQUE_TAG" "stdout: $(cat "$work/out")"
	fi
	pass "kimb -t $1 . built $1:$tag"
}

# plain_build REPOSITORY: the builder alone, as in the report: -t REPOSITORY:latest.
plain_build()
{
	new_page
	case $builder in
	buildah) set -- bud -t "$1:latest" ;;
	*) set -- build -t "$1:latest" ;;
	esac
	# shellcheck disable=SC2086 # build_args: words
	(cd "$ctx" && "$program" "$@" $build_args .) >"$work/plain.log" 2>&1 ||
		abort "$builder $* . succeeds" "$(cat "$work/plain.log")"
}

# The container (on kim: the pod) that uses image $1.
create_container()
{
	case $builder in
	kim)
		"$kubectl" run "$container" --image="$1" --image-pull-policy=Never --restart=Never >"$work/out" 2>&1 &&
			container_made=1 &&
			"$kubectl" wait --for=condition=Ready "pod/$container" --timeout=180s >>"$work/out" 2>&1
		;;
	buildah) "$program" from --name "$container" "$1" >"$work/out" 2>&1 && container_made=1 ;;
	*) "$program" create --name "$container" "$1" >"$work/out" 2>&1 && container_made=1 ;;
	esac
}

remove_container()
{
	case $builder in
	kim) "$kubectl" delete pod "$container" --timeout=120s ;;
	*) "$program" rm "$container" ;;
	esac >"$work/out" 2>&1 && container_made=0
}

# Whether the container (pod) still uses image ID $1 (on kim: still runs, ready, never restarted).
container_uses()
{
	case $builder in
	kim)
		state=$("$kubectl" get pod "$container" -o \
			'jsonpath={.status.phase} {.status.containerStatuses[0].ready} {.status.containerStatuses[0].restartCount} {.status.containerStatuses[0].imageID}' 2>&1)
		# The imageID is the image's ID, or NAME@DIGEST with the digest of its manifest, which kim's
		# DIGEST column shows.
		case $state in
		"Running true 0 sha256:$1") return 0 ;;
		"Running true 0 "*@sha256:*)
			"$program" image ls -a --no-trunc --digests >"$work/digests" 2>&1 &&
				awk -v id="sha256:$1" -v digest="sha256:${state##*@sha256:}" \
					'NR > 1 && $3 == digest && $4 == id { found = 1 } END { exit !found }' "$work/digests" &&
				return 0
			;;
		esac
		why="the pod (phase, ready, restarts, imageID) is: $state"
		return 1
		;;
	podman) state=$("$program" container inspect --format '{{.Image}}' "$container" 2>&1) ;;
	docker) state=$("$program" container inspect --format '{{.Image}}' "$container" 2>&1) ;;
	buildah) state=$("$program" inspect --type container --format '{{.FromImageID}}' "$container" 2>&1) ;;
	esac
	[ "${state#sha256:}" = "$1" ] && return 0
	why="the $(container_word) is: $state"
	return 1
}

container_word()
{
	case $builder in
	kim) echo pod ;;
	*) echo container ;;
	esac
}

# The page in image $1, as a container made from it holds it (podman, docker, buildah).
page_in()
{
	case $builder in
	buildah)
		c=$("$program" from "$1") || return 1
		m=$("$program" mount "$c") && cat "$m/www/index.html"
		"$program" umount "$c" >/dev/null
		"$program" rm "$c" >/dev/null
		;;
	*)
		c=$("$program" create "$1") || return 1
		"$program" cp "$c:/www/index.html" - | tar -xOf -
		"$program" rm "$c" >/dev/null
		;;
	esac
}

# --- the scenario ----------------------------------------------------------------------------

{ mkdir "$ctx" && cp "$example/Dockerfile" "$example/index.html" "$ctx/"; } || abort "copy the example to $ctx"
case $builder in
kim)
	build_args="--build-arg BASE=${EXAMPLE_BASE:-docker.io/library/busybox:1.36.1}"
	"$program" image ls >"$work/out" 2>&1 || abort "kim lists images (it reaches its cluster)" "$(cat "$work/out")"
	"$kubectl" get pods >"$work/out" 2>&1 || abort "kubectl reaches the cluster" "$(cat "$work/out")"
	;;
podman | buildah) use_throwaway_store ;;
docker) start_dockerd ;;
esac
printf 'kimb %s on %s (%s)%s\n' "$kimb" "$builder" "$program" \
	"$([ "$builder" = docker ] && printf ', a private dockerd %s, DOCKER_BUILDKIT=%s' "$(cat "$work/docker-answer")" "$DOCKER_BUILDKIT")"

# Another repository, built with kimb, which nothing below may touch.
kimb_build "$other"
other_tag=$tag
listed
other_id=$(id_of "$other" "$other_tag")
[ -n "$other_id" ] && only "$other" "$other_id" latest "$other_tag"
verdict $? "$other:$other_tag is in the listing, and latest with it"
other_untouched()
{
	only "$other" "$other_id" latest "$other_tag"
	verdict $? "$other is untouched ($1)"
}

# The report's bug: the builder alone, twice with the same tag.
plain_build "$plain"
listed
plain_old=$(id_of "$plain" latest)
plain_build "$plain"
listed
plain_new=$(id_of "$plain" latest)
if [ -n "$plain_old" ] && [ "$plain_old" != "$plain_new" ] && grep -q "^$plain_old " "$work/listing"; then
	printf 'note %s build run twice left the replaced image %.12s behind, as in the report\n' "$builder" "$plain_old"
fi

# Two builds with kimb.
kimb_build "$repository"
tag1=$tag
listed
id1=$(id_of "$repository" "$tag1")
[ -n "$id1" ] || explain "$(cat "$work/listing")"
verdict $? "the reference printed, $repository:$tag1, is in the listing"
only "$repository" "$id1" latest "$tag1"
verdict $? "latest is the image just built"
count1=$(image_count)

kimb_build "$repository"
tag2=$tag
listed
id2=$(id_of "$repository" "$tag2")
[ "$tag2" != "$tag1" ]
verdict $? "a second build gets another tag ($tag2, not $tag1)"
[ -n "$id2" ] && [ "$id2" != "$id1" ]
verdict $? "the second build's new page made a new image"
only "$repository" "$id2" latest "$tag2"
verdict $? "after two builds, $repository is one image, tagged latest and $tag2"
gone "$id1"
verdict $? "the replaced image $(short "$id1") is gone from the store"
grep -q "^kimb: removed $id1" "$work/err" || explain "$(cat "$work/err")"
verdict $? "kimb said it removed $(short "$id1")"
other_untouched "after two builds"
there "$plain_old" && there "$plain_new"
verdict $? "the plain builds' images of $plain are untouched by kimb -t $repository"
if [ "$builder" != kim ]; then
	same "$(image_count)" "$count1"
	verdict $? "two builds leave a store of one size ($count1 images)"
fi

# An image in use: a container (a pod on kim) of the current image, then another build.
create_container "$repository:$tag2" ||
	abort "a $(container_word) $container from $repository:$tag2 starts" "$(cat "$work/out")"
pass "a $(container_word) $container uses $repository:$tag2"
kimb_build "$repository"
tag3=$tag
listed
id3=$(id_of "$repository" "$tag3")
[ -n "$id3" ] && [ "$id3" != "$id2" ]
verdict $? "a third build gets a new image"
rows_are "$repository" "$id2 $tag2" "$id3 latest" "$id3 $tag3"
verdict $? "the image in use, $(short "$id2"), is kept with its tag $tag2; latest and $tag3 are the new image"
grep -q "^kimb: kept $id2 .*in use" "$work/err" || explain "$(cat "$work/err")"
verdict $? "kimb reported $(short "$id2") as kept in use"
container_uses "$id2"
verdict $? "the $(container_word) still uses $(short "$id2")"
other_untouched "after a build with an image in use"

# Once the container (pod) is gone, kimb prune removes the old image.
remove_container || abort "the $(container_word) $container is removed" "$(cat "$work/out")"
pass "the $(container_word) $container is removed"
run_kimb prune "$repository"
{ [ "$status" -eq 0 ] && [ ! -s "$work/out" ]; } ||
	explain "exit status $status; stdout: $(cat "$work/out"); stderr: $(cat "$work/err")"
verdict $? "kimb prune $repository succeeds and prints nothing on stdout"
listed
only "$repository" "$id3" latest "$tag3"
verdict $? "after kimb prune, $repository is exactly latest and $tag3"
gone "$id2"
verdict $? "the image that was in use, $(short "$id2"), is gone"
if [ "$builder" != kim ]; then
	same "$(image_count)" "$count1"
	verdict $? "the store is back to its size after two builds ($count1 images)"
fi
other_untouched "after kimb prune $repository"

run_kimb prune "$repository"
{ [ "$status" -eq 0 ] && ! grep -q "^kimb: removed [0-9a-f]\{12\}" "$work/err"; } ||
	explain "exit status $status; stderr: $(cat "$work/err")"
verdict $? "kimb prune again removes nothing"
listed
only "$repository" "$id3" latest "$tag3"
verdict $? "and leaves latest and $tag3"

# The cron job's case: kimb prune on what the builder alone left behind.
run_kimb prune "$plain"
listed
[ "$status" -eq 0 ] || explain "exit status $status; stderr: $(cat "$work/err")"
verdict $? "kimb prune $plain succeeds"
there "$plain_new" && same "$(id_of "$plain" latest)" "$plain_new"
verdict $? "kimb prune $plain keeps its latest image"
case $builder in
kim | podman)
	gone "$plain_old"
	verdict $? "kimb prune $plain removed the image the plain build replaced, $(short "$plain_old")"
	only "$plain" "$plain_new" latest
	verdict $? "$plain is exactly its latest image"
	;;
*)
	# docker and buildah forget an old image's name: kimb leaves the images it did not build.
	there "$plain_old"
	verdict $? "kimb prune $plain left $(short "$plain_old") alone: it did not build it, and $builder forgot its name"
	;;
esac
other_untouched "after kimb prune $plain"

# What latest holds: the last page written.
if [ "$builder" != kim ]; then
	expected_page=$(cat "$ctx/index.html")
	actual_page=$(page_in "$repository:latest" 2>"$work/page.err")
	same "$actual_page" "$expected_page" || explain "it holds: $actual_page $(cat "$work/page.err")"
	verdict $? "$repository:latest holds the last page written"
fi

finish 0
