#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Integration tests against real builders: runs the built kimb with --builder=podman, buildah and
# docker (the Debian docker 20.10 client against a real dockerd 20.10, which each docker test
# starts privately and stops itself, once building with BuildKit and once with the legacy builder;
# and against podman's Docker-compatible API service, `podman system service`, as Podman Desktop
# sets it up, which the test starts and stops on its own store), with --builder=nerdctl against the stand-in tests/nerdctl, and checks that --builder=auto takes
# the documented builder from a PATH that holds only some of them, and that kimb's tables of the
# builders' flags are the flags their own --help shows (nerdctl's: a help recorded from its source).
# Usage: tests/builders.sh [-j N] ./kimb [PATTERN]   (PATTERN, a grep -E pattern, picks tests by name;
# -j N runs N tests at once, tests/lib.sh)
#
# The each_* tests run on real builder variants (podman, buildah, docker-buildkit, docker-legacy,
# docker-podman: as variants_of says), the test_* ones once. Every test runs in a temporary
# directory of its own and, for the real builders,
# on an image store of its own: a storage.conf (driver vfs, graphroot and runroot in the test's
# directory) through CONTAINERS_STORAGE_CONF, and a containers.conf through CONTAINERS_CONF that
# keeps podman's other state there too (volumes and its database stay in the graphroot, their
# default: under --root, podman insists on graphroot/volumes). podman must have initialised the
# test's graphroot before anything is built, so the user's images are never looked at. A docker
# test's daemon keeps all its state (data root, exec root, socket, key) in a directory of its own,
# reads a daemon.json of its own instead of /etc/docker's, and the client's configuration is the test's
# (DOCKER_CONFIG). Builds are FROM scratch with a COPY of a file the test changes between builds,
# so nothing is pulled. Images are made and looked at with the builders themselves; --timestamp
# seeds (podman) give prior images creation times that differ, and reach docker through podman save
# and docker load, as docker 20.10 cannot date a build.
#
# The docker tests need root (dockerd runs as root) and use the client at $DOCKER_CLIENT, by
# default Debian's /usr/bin/docker, never whatever docker comes first on PATH.
#
# nerdctl cannot run here: tests/nerdctl stands in for nerdctl v2.0.5 (see its header). kimb's
# record of its builds (KIMB_STATE_DIR) is the test's, and so is the kubectl kimb asks which images
# pods use (KIMB_KUBECTL: one that lists no pods), never the user's.

set -u
LC_ALL=C
export LC_ALL
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=private-stores.sh
. "$(dirname "$0")/private-stores.sh"
# shellcheck source-path=SCRIPTDIR source=fixtures.sh
. "$(dirname "$0")/fixtures.sh"

suite_arguments "$@"
NERDCTL_STUB=$TESTS/nerdctl
KIM_STUB=$TESTS/kim
# kimb's table of a builder's flags, which the *_flags_are_its_help tests compare with the
# builder's own help: the test tool builder_flags, which make builds beside kimb
# (build/builder_flags), or BUILDER_FLAGS.
BUILDER_FLAGS=${BUILDER_FLAGS:-$(dirname "$KIMB")/builder_flags}
for program in "$KIMB" "$NERDCTL_STUB" "$KIM_STUB" "$BUILDER_FLAGS"; do
	if [ ! -x "$program" ]; then
		printf '%s: %s is not executable\n' "$0" "$program" >&2
		exit 2
	fi
done
for program in podman buildah; do
	if ! command -v "$program" >/dev/null 2>&1; then
		printf '%s: %s is not installed (scripts/install-deps.sh installs it)\n' "$0" "$program" >&2
		exit 2
	fi
done
# Debian's docker.io: the daemon and the client of one version, taken by their paths so that
# another docker client earlier on PATH (a newer one, of another API version) is never tested.
DOCKER_CLIENT=${DOCKER_CLIENT:-/usr/bin/docker}
DOCKERD=${DOCKERD:-/usr/sbin/dockerd}
for program in "$DOCKER_CLIENT" "$DOCKERD"; do
	if [ ! -x "$program" ]; then
		printf '%s: %s is not installed (scripts/install-deps.sh installs docker.io)\n' \
			"$0" "$program" >&2
		exit 2
	fi
done
if [ "$(id -u)" -ne 0 ]; then
	printf '%s: the docker tests start a private dockerd, which runs as root only\n' "$0" >&2
	exit 2
fi

R=localhost/whoami/web
OTHER=localhost/other/app
CASE_LOGS='stdout stderr calls nerdctl/calls kubectl-calls'

# --- helpers for the tests -------------------------------------------------------------------

# kimb with --builder=$BUILDER (after `prune`, which must come first).
run_kimb()
{
	if [ "${1:-}" = prune ]; then
		shift
		run "$KIMB" prune --builder="$BUILDER" "$@"
	else
		run "$KIMB" --builder="$BUILDER" "$@"
	fi
}

# The tag kimb printed for REPOSITORY (default $R): its stdout holds `REPOSITORY:TAG`, one line
# per repository. Nothing when no line is REPOSITORY's.
tag_printed()
{
	awk -v repository="${1:-$R}" 'substr($0, 1, length(repository) + 1) == repository ":" {
		tag = substr($0, length(repository) + 2)
		if (tag !~ /[:\/]/)
			print tag
	}' "$CASE/stdout"
}

# assert_printed WORD [REPOSITORY...]: stdout is exactly one line `REPOSITORY:TAG` per REPOSITORY
# (default $R), in that order, all of one TAG, the time tag of --time-format=WORD.%s (WORD, a dot
# and the seconds); sets tag to it.
assert_printed()
{
	word=$1
	shift
	[ $# -gt 0 ] || set -- "$R"
	tag=$(tag_printed "$1")
	if ! printf '%s\n' "$tag" | grep -qx "$word\\.[0-9][0-9]*"; then
		fail "stdout does not begin with $1:$word.SECONDS: $(cat "$CASE/stdout")"
		return
	fi
	repositories=$#
	while [ "$repositories" -gt 0 ]; do
		set -- "$@" "$1:$tag"
		shift
		repositories=$((repositories - 1))
	done
	assert_stdout "$@"
}

short()
{
	printf '%.12s\n' "$1"
}

# --- the image store of a test ---------------------------------------------------------------

# Points podman and buildah at the store under $1, and checks that podman takes it, so that no
# test ever builds in the user's store.
use_store()
{
	CONTAINERS_STORAGE_CONF=$1/storage.conf
	CONTAINERS_CONF=$1/containers.conf
	export CONTAINERS_STORAGE_CONF CONTAINERS_CONF
	# podman info names the graphroot but costs a second of CPU a test; the store's directory is
	# new and empty, so podman initialising it there proves the same for a tenth of that.
	if ! podman images -q >/dev/null 2>"$CASE/podman-images.err" || [ ! -d "$1/graph/vfs-images" ]; then
		printf '    FAIL: podman does not use the store %s: %s\n' "$1/graph" \
			"$(cat "$CASE/podman-images.err")"
		exit 1
	fi
}

# --- the private Docker daemon of a docker test ----------------------------------------------

# Starts a dockerd of the test's own (tests/private-stores.sh) and points the docker client at
# it. Its log is $CASE/dockerd.log, kept with a failed test.
start_dockerd()
{
	private_dockerd_start "$DOCKERD" "$DOCKER_CLIENT" "$CASE" && return
	printf '    FAIL: %s\n' "$private_dockerd_error"
	exit 1
}

# Stops the test's dockerd, if it runs: fails the test when it does not stop, or leaves a mount or
# a process behind.
stop_dockerd()
{
	private_dockerd_stop "$CASE" && return
	fail "$private_dockerd_error"
	return 1
}

# Starts podman's Docker-compatible API service on the test's store (tests/private-stores.sh) and
# points the docker client at it. Its log is $CASE/podman-service.log, kept with a failed test.
start_podman_service()
{
	# What lets a RUN step run here: runc, since crun refuses this host's cgroups and a build
	# through the API cannot ask for chroot isolation. The service's configuration only.
	awk '{ print } $0 == "[engine]" { print "runtime = \"runc\"" }' "$CONTAINERS_CONF" >"$CASE/service.conf" ||
		exit 1
	client_conf=$CONTAINERS_CONF
	CONTAINERS_CONF=$CASE/service.conf
	private_podman_service_start "$DOCKER_CLIENT" "$CASE"
	started=$?
	CONTAINERS_CONF=$client_conf
	[ "$started" -ne 0 ] || return
	printf '    FAIL: %s\n' "$private_podman_error"
	exit 1
}

# Stops the test's daemons, if they run: fails the test when one does not stop, or leaves
# something behind.
stop_daemons()
{
	dockerd_stopped=0
	stop_dockerd || dockerd_stopped=1
	private_podman_service_stop "$CASE" && return "$dockerd_stopped"
	fail "$private_podman_error"
	return 1
}

# --- images, made and looked at with the builders themselves ---------------------------------

# The executable of builder $1 (default: the builder under test).
program_of()
{
	case ${1:-$BUILDER} in
	docker) printf '%s\n' "$DOCKER_CLIENT" ;;
	*) command -v "${1:-$BUILDER}" ;;
	esac
}

# seed [--with BUILDER] [--label L] [--timestamp T] [--imported] [TAG...]: makes a new image (a
# fresh file in a context of its own) with BUILDER (default: the builder under test), named TAG...;
# prints its ID (64 hex). --timestamp needs podman or buildah. In a podman test, podman import makes
# the image (its labels as LABEL changes) for a third of a build's CPU, the seeds' main cost, unless
# --timestamp dates it. --imported asks for an import with buildah too (not dated). (Not for
# buildah by default: its removal takes an untagged base image along, so kimb keeps an image whose
# base it cannot tell there, as an imported image's.) docker's own seeds are built with BuildKit,
# whichever engine the test builds with: FROM scratch, they have no parent that either engine would
# record, and BuildKit makes them for a fifth of the legacy builder's CPU; for docker-podman they are
# imported with podman into the store its service serves, as a podman test's are. An image seeded
# with podman or buildah for a docker test is carried into the daemon (podman save, docker load: its
# ID and creation time stay) and tagged there, since docker cannot see their store.
seed()
{
	with=$BUILDER
	set -- "$@" --end
	flags=
	tags=
	label=
	dated=
	import_asked=
	while [ "$1" != --end ]; do
		case $1 in
		--with) with=$2; shift 2 ;;
		--label) flags="$flags $1 $2"; label=$2; shift 2 ;;
		--timestamp) flags="$flags $1 $2"; dated=yes; shift 2 ;;
		--imported) import_asked=yes; shift ;;
		*) flags="$flags -t $1"; tags="$tags $1"; shift ;;
		esac
	done
	# Counted in a file: seed runs in a subshell, $(seed ...).
	mkdir -p "$CASE/seed"
	seeds=$(($(cat "$CASE/seed-count" 2>/dev/null || echo 0) + 1))
	printf '%s\n' "$seeds" >"$CASE/seed-count"
	printf 'FROM scratch\nCOPY x /x\n' >"$CASE/seed/Dockerfile"
	printf 'seed %s of %s\n' "$seeds" "$CASE" >"$CASE/seed/x"
	by_import=
	case $BUILDER-$with-$dated-$import_asked in
	podman-podman--* | *-podman--yes | *-buildah--yes) by_import=yes ;;
	docker-docker--*) [ "$VARIANT" != docker-podman ] || by_import=yes ;;
	esac
	if [ -n "$by_import" ]; then
		# shellcheck disable=SC2086 # tags holds words meant to split
		id=$(seed_import "$label" $tags) || return 1
	else
		program=$(program_of "$with")
		# shellcheck disable=SC2086 # flags holds words meant to split (no spaces in the values used)
		if ! DOCKER_BUILDKIT=1 "$program" build -q --iidfile "$CASE/seed/iid" $flags "$CASE/seed" \
			>"$CASE/seed/out" 2>&1; then
			fail "could not seed with $with build$flags: $(cat "$CASE/seed/out")"
			return 1
		fi
		id=$(sed 's/^sha256://' "$CASE/seed/iid")
	fi
	# The docker-podman variant's daemon serves the store podman and buildah build in.
	if [ "$BUILDER" = docker ] && [ "$with" != docker ] && [ "$VARIANT" != docker-podman ]; then
		rm -f "$CASE/seed/image.tar"
		if ! podman save --format docker-archive -o "$CASE/seed/image.tar" "$id" >"$CASE/seed/out" 2>&1 ||
			! "$DOCKER_CLIENT" load -i "$CASE/seed/image.tar" >"$CASE/seed/out" 2>&1; then
			fail "could not carry $id into dockerd: $(cat "$CASE/seed/out")"
			return 1
		fi
		for tag in $tags; do
			if ! "$DOCKER_CLIENT" tag "$id" "$tag" >"$CASE/seed/out" 2>&1; then
				fail "could not tag $id $tag in dockerd: $(cat "$CASE/seed/out")"
				return 1
			fi
		done
	fi
	printf '%s\n' "$id"
}

# seed_import LABEL [TAG...]: seed's image made by podman import of its context's file, with
# LABEL (none when empty), named TAG...; prints its ID (64 hex).
seed_import()
{
	label=$1
	shift
	if ! tar -C "$CASE/seed" -cf "$CASE/seed/x.tar" x >"$CASE/seed/out" 2>&1; then
		fail "could not seed: tar: $(cat "$CASE/seed/out")"
		return 1
	fi
	if ! imported=$(podman import -q ${label:+--change "LABEL $label"} "$CASE/seed/x.tar" 2>"$CASE/seed/out"); then
		fail "could not seed with podman import: $(cat "$CASE/seed/out")"
		return 1
	fi
	imported=${imported#sha256:}
	if [ "$#" -gt 0 ] && ! podman tag "$imported" "$@" >"$CASE/seed/out" 2>&1; then
		fail "could not tag $imported $*: $(cat "$CASE/seed/out")"
		return 1
	fi
	printf '%s\n' "$imported"
}

# The ID (64 hex) of the image named REF, empty when there is none. podman reads buildah's store.
id_named()
{
	case $BUILDER in
	docker) "$DOCKER_CLIENT" image inspect --format '{{.Id}}' "$1" 2>/dev/null ;;
	*) podman image inspect --format '{{.Id}}' "$1" 2>/dev/null ;;
	esac | sed 's/^sha256://'
}

# Whether the image with ID or name $1 is there.
image_exists()
{
	[ -n "$1" ] || return 1
	case $BUILDER in
	docker) "$DOCKER_CLIENT" image inspect "$1" >/dev/null 2>&1 ;;
	*) podman image exists "$1" 2>/dev/null ;;
	esac
}

# Creates (does not start) a container of image REF, so that the image is in use.
create_container()
{
	case $BUILDER in
	docker) "$DOCKER_CLIENT" create --network none "$1" /x ;;
	*) podman create --network none "$1" /x ;;
	esac
}

# The images as the builder under test lists them, one sorted line `REPOSITORY TAG ID` per name
# (`<none> <none> ID` for an image without one). `rows -a` for podman: with intermediate images.
rows()
{
	case $BUILDER in
	podman)
		podman images ${1:+"$1"} --no-trunc --format '{{.Repository}} {{.Tag}} {{.ID}}'
		;;
	buildah)
		buildah images --no-trunc --format '{{.Name}} {{.Tag}} {{.ID}}'
		;;
	docker)
		"$DOCKER_CLIENT" image ls --no-trunc --format '{{.Repository}} {{.Tag}} {{.ID}}'
		;;
	esac | awk '{ sub(/^sha256:/, "", $3); print $1, $2, $3 }' | sort
}

# The store, as the builder under test lists it, is exactly the lines `REPOSITORY TAG ID` of $1.
assert_rows()
{
	assert_listing "$BUILDER images${2:+ $2} lists" "$1" "$(rows ${2:+"$2"})"
}

# The store holds the new image alone, tagged latest and the tag kimb printed ($tag, see
# assert_printed); the prior image ($prior) is gone.
assert_prior_replaced()
{
	new=$(id_named "$R:$tag")
	assert_rows "$R latest $new
$R $tag $new"
	! image_exists "$prior" || fail "the prior image $prior is still there"
}

# Rebuilds the test's context after changing the file it copies, so that each build differs.
change_context()
{
	printf '%s\n' "$1" >"$CASE/work/ctx/x"
}

# git_context DIR: makes work/DIR a build context like ctx in a git work tree of its own, whose
# commit never changes; prints that commit as kimb's git scheme tags it (HEAD abbreviated as git
# abbreviates it). The tree stays clean as the file the build copies (DIR/x) changes, since git
# ignores it and the build does not: every build there gets that one unique tag, so the image a
# build replaces loses every name it had.
git_context()
{
	mkdir "$CASE/work/$1" || exit 1
	printf 'FROM scratch\nCOPY x /x\n' >"$CASE/work/$1/Dockerfile" || exit 1
	printf 'x\n' >"$CASE/work/$1/.gitignore" || exit 1
	printf 'initial\n' >"$CASE/work/$1/x" || exit 1
	if ! { git -C "$CASE/work/$1" init -q &&
		git -C "$CASE/work/$1" add Dockerfile .gitignore &&
		git -C "$CASE/work/$1" -c user.name=kimb-tests -c user.email=kimb-tests@example.invalid \
			-c commit.gpgsign=false commit -q -m "the build context"; } >"$CASE/git.log" 2>&1; then
		printf '    FAIL: cannot make the git work tree %s: %s\n' "$1" "$(cat "$CASE/git.log")" >&2
		exit 1
	fi
	git -C "$CASE/work/$1" rev-parse --short HEAD
}

# A wrapper around the builder under test, as KIMB_<BUILDER>: logs each call's arguments to
# $CASE/calls (quoted as q quotes), and with "fail-list" fails the listing (`images`, `image ls`),
# with "fail-rm" fails every removal (`rmi`, `image rm`), with "kill-rm" has every removal killed
# by SIGKILL, with "warn-rm" has every removal warn on stderr first as podman does when it cannot
# tell an image's parent, while passing everything else to the real program.
make_wrapper()
{
	real=$(program_of)
	mode=${1:-pass}
	cat >"$CASE/wrapper" <<EOF || exit 1
#!/bin/sh
line=
previous=
listing=
removal=
for word; do
	line="\$line\${line:+ }'\$word'"
	case \$previous/\$word in
	*/images | image/ls | image/list) listing=1 ;;
	*/rmi | image/rm) removal=1 ;;
	esac
	previous=\$word
done
printf '%s\n' "\$line" >>"$CASE/calls"
if [ -n "\$listing" ] && [ "$mode" = fail-list ]; then
	echo "Error: the listing fails on purpose" >&2
	exit 125
fi
if [ -n "\$removal" ] && [ "$mode" = fail-rm ]; then
	echo "Error: the removal fails on purpose" >&2
	exit 1
fi
if [ -n "\$removal" ] && [ "$mode" = kill-rm ]; then
	kill -KILL \$\$
fi
if [ -n "\$removal" ] && [ "$mode" = warn-rm ]; then
	echo 'WARN[0000] Failed to determine parent of image: the wrapper warns on purpose' >&2
fi
exec "$real" "\$@"
EOF
	chmod +x "$CASE/wrapper" || exit 1
	printf '%s\n' "$CASE/wrapper"
}

# build_plain ARGS...: a build by the builder under test itself, not through kimb.
build_plain()
{
	if ! "$(program_of)" build -q "$@" >"$CASE/plain-build.log" 2>&1; then
		fail "$BUILDER build $*: $(cat "$CASE/plain-build.log")"
		return 1
	fi
}

# How many images the builder under test holds, intermediate ones included.
image_count()
{
	case $BUILDER in
	docker) "$DOCKER_CLIENT" image ls --all --quiet --no-trunc ;;
	*) "$BUILDER" images --all --quiet --no-trunc ;;
	esac | sort -u | awk 'END { print NR }'
}

# A context DIR (under work) whose Dockerfile is FROM $1 and copies the file DIR/x (content $2).
context_from()
{
	mkdir -p "$CASE/work/$3" || exit 1
	printf 'FROM %s\nCOPY x /x\n' "$1" >"$CASE/work/$3/Dockerfile" || exit 1
	printf '%s\n' "$2" >"$CASE/work/$3/x" || exit 1
}

# Imports localhost/sleeper: an image holding only /$SLEEPER, a static program that sleeps 60 s, so
# that a build can RUN it and last; and makes the context slow, which does. The program's name is
# the test's own, so that tests running at once never see each other's.
make_slow_context()
{
	SLEEPER=sleep-${CASE##*.}
	mkdir -p "$CASE/sleeper/root" "$CASE/work/slow" || exit 1
	printf '#include <unistd.h>\nint main(void) { sleep(60); return 0; }\n' >"$CASE/sleeper/sleeper.c"
	if ! cc -static -O2 -o "$CASE/sleeper/root/$SLEEPER" "$CASE/sleeper/sleeper.c" >"$CASE/sleeper/log" 2>&1; then
		fail "cannot build the sleeper: $(cat "$CASE/sleeper/log")"
		return 1
	fi
	case $BUILDER in
	docker) importer=$DOCKER_CLIENT ;;
	*) importer=podman ;;
	esac
	if ! tar -C "$CASE/sleeper/root" -c . | "$importer" import - localhost/sleeper >"$CASE/sleeper/log" 2>&1; then
		fail "cannot import the sleeper: $(cat "$CASE/sleeper/log")"
		return 1
	fi
	printf 'FROM localhost/sleeper\nRUN ["/%s"]\n' "$SLEEPER" >"$CASE/work/slow/Dockerfile"
}

# Whether the sleeper of this test's slow build runs.
sleeper_runs()
{
	pgrep -x "$SLEEPER" >/dev/null 2>&1
}

sleeper_gone()
{
	! sleeper_runs
}

builder_env()
{
	printf 'KIMB_%s\n' "$(printf '%s' "$BUILDER" | tr '[:lower:]' '[:upper:]')"
}

# --- tests run once for each real builder (podman, buildah, docker-buildkit, docker-legacy) ----

each_original_report()
{
	change_context first
	run_kimb --time-format=first.%s -t "$R" ctx
	assert_status 0
	assert_printed first
	first=$(id_named "$R:$tag")
	change_context second
	run_kimb --time-format=second.%s -t "$R:latest" ctx
	assert_status 0
	assert_printed second
	second=$(id_named "$R:$tag")
	if [ -z "$first" ] || [ "$first" = "$second" ]; then
		fail "the builds made no two images: $first $second"
	fi
	assert_rows "$R latest $second
$R $tag $second"
	if [ "$BUILDER" = podman ]; then
		assert_rows "$R latest $second
$R $tag $second" -a
	fi
	! image_exists "$first" || fail "the first image $first is still there"
}

# Issue 8: kim's spellings of build, options and global flags before prune, and a dry run that says
# what it would keep.
each_spellings_and_dry_run()
{
	change_context one
	run "$KIMB" --builder="$BUILDER" build --time-format=one.%s -t "$R" ctx
	assert_status 0
	assert_printed one
	first=$(id_named "$R:$tag")
	change_context two
	run "$KIMB" --builder="$BUILDER" image build --time-format=two.%s -t "$R" ctx
	assert_status 0
	assert_printed two
	second=$(id_named "$R:$tag")
	! image_exists "$first" || fail "the first image $first is still there"
	v1=$(seed "$R:v1")
	run "$KIMB" --builder="$BUILDER" --dry-run prune "$R"
	assert_status 0
	assert_stderr_has "would remove $v1"
	assert_stderr_has "would keep $second"
	assert_stderr_has "latest points to it"
	image_exists "$v1" || fail "the dry run removed $v1"
	run "$KIMB" --builder="$BUILDER" --jobs=2 prune "$R"
	assert_status 0
	! image_exists "$v1" || fail "prune after options left $v1"
}

# A flag no builder knows reaches it, which refuses it: the build fails, and nothing is removed.
each_failed_build_removes_nothing()
{
	prior=$(seed "$R:p1")
	change_context three
	run_kimb --time-format=three.%s -t "$R" --kimb-test-unknown=1 ctx
	[ "$status" -ne 0 ] || fail "the builder accepted --kimb-test-unknown=1"
	assert_stderr_has "kimb-test-unknown"
	image_exists "$prior" || fail "a failed build removed $prior"
	assert_stdout
}

# Issue 8: a Dockerfile on stdin (-) is no work tree: auto takes time, or the CI commit; git says
# why it cannot.
each_dockerfile_on_stdin()
{
	printf 'FROM scratch\nLABEL kimb.test=stdin\n' >"$CASE/Dockerfile.stdin"
	run_kimb --time-format=stdin.%s -t "$R" - <"$CASE/Dockerfile.stdin"
	assert_status 0
	assert_printed stdin
	[ -n "$(id_named "$R:$tag")" ] || fail "$R:$tag was not built"
	run env GITHUB_SHA=0123456789ABCDEF0123456789abcdef01234567 "$KIMB" --builder="$BUILDER" -t "$R" - \
		<"$CASE/Dockerfile.stdin"
	assert_status 0
	assert_stdout "$R:0123456"
	[ -n "$(id_named "$R:0123456")" ] || fail "$R:0123456 was not built"
	run_kimb --scheme=git -t "$R" - <"$CASE/Dockerfile.stdin"
	assert_status 2
	assert_stderr_has "--scheme=git: the context - is standard input, not a directory of a git work tree"
}

# The issue's "done when", word for word: the default scheme, twice, with a changed file.
each_done_when_default_scheme()
{
	change_context one
	run "$KIMB" --builder="$BUILDER" -t "$R" ctx
	assert_status 0
	grep -qx "$R:[0-9]\{8\}\.[0-9]\{6\}" "$CASE/stdout" || fail "unexpected stdout: $(cat "$CASE/stdout")"
	change_context two
	run "$KIMB" --builder="$BUILDER" -t "$R" ctx
	assert_status 0
	grep -qx "$R:[0-9]\{8\}\.[0-9]\{6\}" "$CASE/stdout" || fail "unexpected stdout: $(cat "$CASE/stdout")"
	tag=$(sed 's/.*://' "$CASE/stdout")
	new=$(id_named "$R:latest")
	assert_rows "$R latest $new
$R $tag $new"
	[ "$BUILDER" != podman ] || assert_rows "$R latest $new
$R $tag $new" -a
}

each_other_repositories_untouched()
{
	prior=$(seed "$R:p1")
	admin=$(seed "$R-admin:v1")
	x=$(seed "${R}x:latest")
	sub=$(seed "$R/sub:v1" "$R/sub:latest")
	registry=$(seed "localhost:5000/whoami/web:v1")
	other=$(seed "$OTHER:latest")
	run_kimb --time-format=one.%s -t "$R" ctx
	assert_status 0
	assert_printed one
	new=$(id_named "$R:$tag")
	assert_rows "$R latest $new
$R $tag $new
$R-admin v1 $admin
${R}x latest $x
$R/sub v1 $sub
$R/sub latest $sub
localhost:5000/whoami/web v1 $registry
$OTHER latest $other"
	! image_exists "$prior" || fail "the prior image $prior is still there"
}

each_image_in_use_kept_and_named()
{
	busy=$(seed "$R:p1")
	idle=$(seed "$R:p2")
	create_container "$R:p1" >"$CASE/container" 2>&1 ||
		fail "$BUILDER create failed: $(cat "$CASE/container")"
	run_kimb --time-format=one.%s -t "$R" ctx
	assert_status 0
	assert_printed one
	assert_stderr_has kept
	assert_stderr_has "$(short "$busy")"
	# podman's listing (also through its Docker-compatible API) counts an image's containers; the
	# others' use is read from their containers.
	case $VARIANT in
	podman | docker-podman) assert_stderr_has "kept $busy ($R:p1): in use by 1 container(s)" ;;
	*) assert_stderr_has "kept $busy ($R:p1): in use by a container or pod" ;;
	esac
	new=$(id_named "$R:$tag")
	assert_rows "$R latest $new
$R $tag $new
$R p1 $busy"
	! image_exists "$idle" || fail "the idle prior image $idle is still there"
}

each_shared_image_keeps_other_tag()
{
	shared=$(seed "$R:old" "$OTHER:v1")
	run_kimb --time-format=one.%s -t "$R" ctx
	assert_status 0
	assert_printed one
	assert_stderr_has untagged
	new=$(id_named "$R:$tag")
	assert_rows "$R latest $new
$R $tag $new
$OTHER v1 $shared"
}

# Issue 15, 4: an old image that only the repositories built tag is removed by ID once, and said to
# be removed, with its size: untagged by each in turn, it would go with the last untagging,
# reported as untagged.
each_image_only_the_built_repositories_tag_is_removed_once()
{
	both=$(seed "$R:old" "$OTHER:old")
	wrapper=$(make_wrapper)
	run env "$(builder_env)=$wrapper" "$KIMB" --builder="$BUILDER" --time-format=one.%s -t "$R" -t "$OTHER" ctx
	assert_status 0
	assert_printed one "$R" "$OTHER"
	! image_exists "$both" || fail "the old image $both is still there"
	assert_stderr_has "kimb: removed $both ("
	assert_stderr_lacks "shared with another repository"
	assert_stderr_lacks "untagged 1 shared"
	grep -q '^kimb: removed 1 image ([0-9.]* [kMG]*B in image sizes, layers may be shared)$' "$CASE/stderr" ||
		fail "the summary is not one removed image and its bytes: $(grep '^kimb: removed [0-9]' "$CASE/stderr")"
	[ "$(grep -E "'(rmi|rm)'" "$CASE/calls" | grep -cE "'(sha256:)?$both'")" -eq 1 ] ||
		fail "not one removal of $both by ID: $(cat "$CASE/calls")"
	new=$(id_named "$R:$tag")
	assert_rows "$R latest $new
$R $tag $new
$OTHER latest $new
$OTHER $tag $new"
}

each_prune_keeps_latest()
{
	latest=$(seed "$R:latest" "$R:v3")
	v1=$(seed "$R:v1")
	v2=$(seed "$R:v2")
	other=$(seed "$OTHER:latest" "$OTHER:v0")
	run_kimb prune "$R"
	assert_status 0
	assert_stdout
	assert_rows "$R latest $latest
$R v3 $latest
$OTHER latest $other
$OTHER v0 $other"
	! image_exists "$v1" || fail "$R:v1 is still there"
	! image_exists "$v2" || fail "$R:v2 is still there"

	one=$(seed localhost/nolatest:v1)
	two=$(seed localhost/nolatest:v2)
	run_kimb prune localhost/nolatest
	assert_status 0
	assert_stdout
	assert_stderr_has "localhost/nolatest has no latest image"
	if ! image_exists "$one" || ! image_exists "$two"; then
		fail "prune removed an image of a repository without latest"
	fi
}

# Issue 19: prune of a repository the store has no image of and kimb no record of (a typo in
# prune.conf) exits 7 and names the closest repository the builder lists, as podman names it; the
# others are pruned. --missing-ok lets it pass.
each_prune_of_no_such_repository_exits_7()
{
	latest=$(seed "$R:latest")
	v1=$(seed "$R:v1")
	run_kimb prune "${R%?}x" "$R"
	assert_status 7
	assert_stdout
	assert_stderr_has "kimb: no repository ${R%?}x: $BUILDER's listing has no image of it, and kimb no record; did you mean $R? (--missing-ok lets it pass); nothing pruned for it"
	! image_exists "$v1" || fail "$R:v1 is still there"
	assert_rows "$R latest $latest"
	run_kimb prune --missing-ok "${R%?}x"
	assert_status 0
	assert_stderr_has "${R%?}x has no image in $BUILDER's listing; nothing to prune"
}

# --complete=repositories: the repositories of the store, each once, as the builder lists them;
# the listing call alone, nothing removed.
each_complete_lists_the_repositories()
{
	latest=$(seed "$R:latest" "$R:v1")
	other=$(seed "$OTHER:v0")
	run_kimb --complete=repositories
	assert_status 0
	assert_stdout "$OTHER" "$R"
	assert_rows "$R latest $latest
$R v1 $latest
$OTHER v0 $other"
}

# Issue 19, 6: podman names a build stage's image <hex>-tmp while it commits it, and its listing
# keeps that name in the image's History, where kimb reads the names a nameless image lost: a name
# no user gives, which --complete=repositories never offers.
each_complete_hides_podmans_stage_names()
{
	mkdir "$CASE/stages" || exit 1
	printf 'stage\n' >"$CASE/stages/x"
	printf 'FROM scratch AS one\nCOPY x /x\nFROM scratch\nCOPY --from=one /x /y\n' >"$CASE/stages/Dockerfile"
	run_kimb --time-format=one.%s -t "$R" "$CASE/stages"
	assert_status 0
	podman images --all --format json >"$CASE/listing" || fail "cannot list the store"
	grep -q '[0-9a-f]\{64\}-tmp' "$CASE/listing" || fail "podman named no stage <hex>-tmp: $(cat "$CASE/listing")"
	run_kimb --complete=repositories
	assert_status 0
	assert_stdout "$R"
}

# --keep orders by the builder's creation time: the seeds' tags say nothing of their age.
each_keep_newest_by_creation_time()
{
	newest=$(seed --with podman --timestamp 3000 "$R:a")
	oldest=$(seed --with podman --timestamp 1000 "$R:b")
	middle=$(seed --with podman --timestamp 2000 "$R:c")
	run_kimb --keep=1 --time-format=new.%s -t "$R" ctx
	assert_status 0
	assert_printed new
	new=$(id_named "$R:$tag")
	assert_rows "$R latest $new
$R $tag $new
$R a $newest"
	! image_exists "$oldest" || fail "the oldest prior image is still there"
	! image_exists "$middle" || fail "the middle prior image is still there"
}

# Issue 18: `kimb -t R:v1` then `kimb -t R` removed v1. With --protect a tag the glob matches stays,
# and its image, whatever its age; with --keep-within a prior image the builder created within it
# stays, one created long ago goes. Then a prune with KIMB_PROTECT alone keeps only the protected.
each_keep_within_and_protect()
{
	change_context v1
	run_kimb --time-format=v1.%s -t "$R:v1" ctx
	assert_status 0
	v1=$(id_named "$R:v1")
	first=$(tag_printed)
	old=$(seed --with podman --timestamp 1000 "$R:old")
	release=$(seed --with podman --timestamp 1000 "$R:release-2")
	young=$(seed "$R:young")
	change_context v2
	run_kimb --keep-within=1h --protect='v*' --protect='release-*' --time-format=new.%s -t "$R" ctx
	assert_status 0
	assert_printed new
	new=$(id_named "$R:$tag")
	assert_rows "$R latest $new
$R $tag $new
$R v1 $v1
$R $first $v1
$R release-2 $release
$R young $young"
	assert_stderr_has "$R:v1 matches --protect=v*"
	assert_stderr_has "$R:release-2 matches --protect=release-*"
	! image_exists "$old" || fail "the image created long ago is still there"
	run env KIMB_PROTECT='x*,v*' "$KIMB" prune --builder="$BUILDER" "$R"
	assert_status 0
	assert_rows "$R latest $new
$R $tag $new
$R v1 $v1
$R $first $v1"
	! image_exists "$young" || fail "prune without --keep-within kept the young image"
	! image_exists "$release" || fail "prune kept $R:release-2, which no glob protects now"
}

each_listing_failure_removes_nothing()
{
	prior=$(seed "$R:p1")
	wrapper=$(make_wrapper fail-list)
	run env "$(builder_env)=$wrapper" "$KIMB" --builder="$BUILDER" --time-format=one.%s -t "$R" ctx
	assert_status 3
	grep -q "'build'" "$CASE/calls" || fail "no build call: $(cat "$CASE/calls")"
	# The unique tag, as the build call gave it: stdout may be empty.
	tag=$(sed -n "/'build'/s|.*'--tag' '$R:\\(one\\.[0-9][0-9]*\\)'.*|\\1|p" "$CASE/calls")
	[ -n "$tag" ] || fail "the build call has no tag $R:one.SECONDS: $(cat "$CASE/calls")"
	[ ! -s "$CASE/stdout" ] || [ "$(cat "$CASE/stdout")" = "$R:$tag" ] ||
		fail "stdout holds more than the result: $(cat "$CASE/stdout")"
	! grep -qE "'rmi'|'rm'|'untag'" "$CASE/calls" || fail "a removal after a failed listing: $(cat "$CASE/calls")"
	new=$(id_named "$R:$tag")
	assert_rows "$R latest $new
$R $tag $new
$R p1 $prior"
}

# The store reached only through global flags: the environment points at an empty decoy store
# (podman, buildah) or at no daemon (docker), so a call without them would miss the images.
each_global_flags_on_every_call()
{
	prior=$(seed "$R:p1")
	wrapper=$(make_wrapper)
	case $BUILDER in
	docker)
		globals="-H $DOCKER_HOST"
		DOCKER_HOST=unix://$CASE/no-daemon.sock
		;;
	*)
		globals="--root $CASE/store/graph --runroot $CASE/store/run"
		write_store_conf "$CASE/decoy" || exit 1
		CONTAINERS_STORAGE_CONF=$CASE/decoy/storage.conf
		;;
	esac
	# shellcheck disable=SC2086 # the globals are words without spaces
	run env "$(builder_env)=$wrapper" "$KIMB" --builder="$BUILDER" $globals --time-format=one.%s -t "$R" ctx
	assert_status 0
	assert_printed one
	# shellcheck disable=SC2086
	prefix="$(q $globals) "
	awk -v prefix="$prefix" 'substr($0, 1, length(prefix)) != prefix { bad++ } END { exit bad > 0 || NR < 3 }' \
		"$CASE/calls" || fail "not every call (of at least 3) begins with $prefix: $(cat "$CASE/calls")"
	case $BUILDER in
	docker) DOCKER_HOST=${globals#-H } ;;
	*)
		[ -z "$(podman images -q)" ] || fail "the decoy store holds images: $(podman images)"
		CONTAINERS_STORAGE_CONF=$CASE/store/storage.conf
		;;
	esac
	assert_prior_replaced
}

# --iidfile names a stream as readily as a file: kimb builds with an iidfile of its own and writes
# what the builder wrote there to the user's, never reading that back (it hung on /dev/stdout in a
# pipe, holding the lock). A FIFO no one reads is a failure, said, with nothing removed; the lock
# is released. Never a hang: each run is bounded by timeout, which a hang would reach.
each_iidfile_naming_a_stream()
{
	prior=$(seed "$R:p1")
	wrapper=$(make_wrapper)
	change_context pipe
	{
		timeout -s KILL 120 env "$(builder_env)=$wrapper" "$KIMB" --builder="$BUILDER" --iidfile /dev/stdout \
			--time-format=pipe.%s -t "$R" ctx 2>"$CASE/stderr"
		printf '%s\n' "$?" >"$CASE/pipe-status"
	} | cat >"$CASE/stdout"
	status=$(cat "$CASE/pipe-status")
	assert_status 0
	new=$(id_named "$R:latest")
	grep -qx "$R:pipe\.[0-9]*" "$CASE/stdout" || fail "no reference in the pipe: $(cat "$CASE/stdout")"
	grep -qx "sha256:$new" "$CASE/stdout" || fail "no line sha256:$new in the pipe: $(cat "$CASE/stdout")"
	! image_exists "$prior" || fail "the prior image $prior is still there"
	# The build call has one --iidfile, kimb's, never the user's.
	grep "'build'" "$CASE/calls" >"$CASE/build-calls"
	[ "$(grep -o "'--iidfile'" "$CASE/build-calls" | wc -l)" -eq 1 ] || fail "not one --iidfile: $(cat "$CASE/build-calls")"
	! grep -q "/dev/stdout" "$CASE/build-calls" || fail "the user's --iidfile reached the builder: $(cat "$CASE/build-calls")"

	mkfifo "$CASE/fifo"
	cat "$CASE/fifo" >"$CASE/from-fifo" &
	reader=$!
	change_context fifo
	run timeout -s KILL 120 "$KIMB" --builder="$BUILDER" --iidfile="$CASE/fifo" --time-format=fifo.%s -t "$R" ctx
	wait "$reader"
	assert_status 0
	new=$(id_named "$R:latest")
	grep -qx "sha256:$new" "$CASE/from-fifo" || fail "the FIFO's reader got no sha256:$new: $(cat "$CASE/from-fifo")"

	printf 'not the ID\n' >"$CASE/iid"
	change_context file
	run timeout -s KILL 120 "$KIMB" --builder="$BUILDER" --iidfile "$CASE/iid" --time-format=file.%s -t "$R" ctx
	assert_status 0
	new=$(id_named "$R:latest")
	grep -qx "sha256:$new" "$CASE/iid" || fail "the --iidfile holds $(cat "$CASE/iid"), not sha256:$new"

	prior=$(seed "$R:p2")
	change_context unread
	run timeout -s KILL 120 "$KIMB" --builder="$BUILDER" --iidfile "$CASE/fifo" --time-format=unread.%s -t "$R" ctx
	assert_status 1
	assert_stderr_has "cannot write the new image's ID to --iidfile $CASE/fifo: no process reads that FIFO; nothing removed"
	image_exists "$prior" || fail "the prior image $prior went, although the run failed"
	# The lock was released: the next run goes through.
	change_context after
	run timeout -s KILL 120 "$KIMB" --builder="$BUILDER" --time-format=after.%s -t "$R" ctx
	assert_status 0
	! image_exists "$prior" || fail "the prior image $prior is still there after a good run"
}

# The builder's own output (build steps, image IDs, removal messages) never reaches stdout.
each_stdout_only_unique_references()
{
	seed "$R:p1" >/dev/null
	seed "$R:s1" "$OTHER:v1" >/dev/null
	run_kimb --time-format=one.%s -t "$R" -t "$OTHER" ctx
	assert_status 0
	assert_printed one "$R" "$OTHER"
	change_context quiet
	run_kimb --time-format=two.%s -q -t "$R" ctx
	assert_status 0
	assert_printed two
}

# Issue 18, on a real builder: in a monorepo, --scheme=tree tags svc-a's build with svc-a's tree,
# the same across a commit of svc-b alone (the store then holds one image of it, that tag and
# latest); a file .dockerignore leaves out does not make the git tag dirty; a Dockerfile outside
# the context that -f names does.
each_monorepo_tags_follow_what_the_build_reads()
{
	mkdir -p mono/svc-a mono/svc-b mono/docker || exit 1
	printf 'FROM scratch\nCOPY app /app\n' >mono/svc-a/Dockerfile
	printf 'FROM scratch\nCOPY app /app\nCOPY Dockerfile /Dockerfile\n' >mono/docker/a.Dockerfile
	printf 'a\n' >mono/svc-a/app
	printf '*.md\n' >mono/svc-a/.dockerignore
	printf 'b\n' >mono/svc-b/notes.txt
	if ! { git -C mono init -q && git -C mono add . &&
		git -C mono -c user.name=kimb-tests -c user.email=kimb-tests@example.invalid \
			-c commit.gpgsign=false commit -q -m "two services"; } >"$CASE/git.log" 2>&1; then
		fail "cannot make the monorepo: $(cat "$CASE/git.log")"
		return
	fi
	tree=$(git -C mono rev-parse --short HEAD:svc-a)
	run_kimb --scheme=tree -t "$R" mono/svc-a
	assert_status 0
	assert_stdout "$R:$tree"
	printf 'edited\n' >mono/svc-b/notes.txt
	git -C mono -c user.name=kimb-tests -c user.email=kimb-tests@example.invalid -c commit.gpgsign=false \
		commit -q -a -m "svc-b only" >>"$CASE/git.log" 2>&1 || fail "cannot commit: $(cat "$CASE/git.log")"
	run_kimb --scheme=tree -t "$R" mono/svc-a
	assert_status 0
	assert_stdout "$R:$tree"
	tag=$tree
	new=$(id_named "$R:$tag")
	assert_rows "$R latest $new
$R $tag $new"

	head=$(git -C mono rev-parse --short HEAD)
	printf 'left out\n' >mono/svc-a/notes.md
	run_kimb --scheme=git -t "$R" mono/svc-a
	assert_status 0
	assert_stdout "$R:$head"
	printf 'FROM scratch\nCOPY app /app\n' >mono/docker/a.Dockerfile
	run_kimb --scheme=git -t "$R" -f mono/docker/a.Dockerfile mono/svc-a
	assert_status 0
	tag=$(printed_tag 1)
	case $tag in "$head"-dirty.???????) ;; *) fail "an edited Dockerfile outside the context left the tag $tag" ;; esac
}

# An image kimb built that lost every name (the same unique tag built again: the git scheme at one
# commit) is removed by kimb's record of its builds and the label kimb put on it; an image that
# lost its names without kimb's label, or with it but not built by kimb (an image built FROM
# kimb's inherits it), is left where the builder shows it as <none> (docker, buildah), and removed
# where it keeps the old name (podman).
each_nameless_images()
{
	commit=$(git_context gitctx) || exit 1
	printf 'same-1\n' >gitctx/x
	run_kimb --scheme=git -t "$R" gitctx
	assert_status 0
	assert_stdout "$R:$commit"
	first=$(id_named "$R:$commit")
	printf 'same-2\n' >gitctx/x
	run_kimb --scheme=git -t "$R" gitctx
	assert_status 0
	assert_stdout "$R:$commit"
	second=$(id_named "$R:$commit")
	if [ -z "$first" ] || [ "$first" = "$second" ]; then
		fail "the builds made no two images: $first $second"
	fi
	! image_exists "$first" || fail "kimb's own nameless image $first is still there"

	unlabelled=$(seed "$R:latest")
	seed "$R:latest" >/dev/null
	foreign=$(seed --label "kimb.repositories=$OTHER" "$R:x1")
	seed "$R:x1" >/dev/null
	lookalike=$(seed --label "kimb.repositories=$R" "$R:y1")
	seed "$R:y1" >/dev/null
	change_context third
	run_kimb --time-format=third.%s -t "$R" ctx
	assert_status 0
	assert_printed third
	case $BUILDER in
	podman) ! image_exists "$unlabelled" || fail "podman's nameless image (old name $R) is still there" ;;
	*) image_exists "$unlabelled" || fail "an unlabelled nameless image was removed" ;;
	esac
	case $BUILDER in
	podman) ! image_exists "$foreign" || fail "podman's nameless image (old name $R:x1) is still there" ;;
	*) image_exists "$foreign" || fail "a nameless image labelled for $OTHER was removed" ;;
	esac
	case $BUILDER in
	podman) ! image_exists "$lookalike" || fail "podman's nameless image (old name $R:y1) is still there" ;;
	*) image_exists "$lookalike" || fail "a nameless image labelled for $R that kimb did not build was removed" ;;
	esac
	new=$(id_named "$R:$tag")
	rows | grep -v '^<none> ' >"$CASE/named"
	printf '%s\n' "$R latest $new" "$R $tag $new" | sort >"$CASE/expected-named"
	cmp -s "$CASE/named" "$CASE/expected-named" || fail "named images:
$(cat "$CASE/named")"
}

# --- nerdctl, through the stand-in -------------------------------------------------------------

nerdctl_rows()
{
	NERDCTL_STUB_INSPECT=1 "$NERDCTL_STUB" -n "${1:-default}" images --no-trunc --format '{{json .}}' |
		awk '{
			match($0, /"ID":"[^"]*"/); id = substr($0, RSTART + 6, RLENGTH - 7); sub(/^sha256:/, "", id)
			match($0, /"Repository":"[^"]*"/); repository = substr($0, RSTART + 14, RLENGTH - 15)
			match($0, /"Tag":"[^"]*"/); tag = substr($0, RSTART + 7, RLENGTH - 8)
			print repository, tag, id
		}' | sort
}

assert_nerdctl_rows()
{
	assert_listing "nerdctl -n ${2:-default} images lists" "$1" "$(nerdctl_rows "${2:-default}")"
}

# The ID of the image named REF in namespace $2 (default: default).
nerdctl_id()
{
	nerdctl_rows "${2:-default}" | awk -v ref="$1" '$1 ":" $2 == ref { print $3 }'
}

nerdctl_seed()
{
	"$NERDCTL_STUB" --stub-seed "$@" || fail "could not seed: $*"
}

# The calls kimb made, with the label flag spelled one way (--label=L and --label L are one).
nerdctl_calls()
{
	sed "s/'--label=kimb\.repositories=/'--label' 'kimb.repositories=/g" "$NERDCTL_STUB_DIR/calls" 2>/dev/null
}

# assert_build_call CALL LABEL: a build call was CALL (words as q quotes them) with the words
# `--label LABEL` somewhere among its build flags.
assert_build_call()
{
	label="$(q --label "$2") "
	nerdctl_calls | awk -v call="$1" -v label="$label" '{
		at = index($0, label)
		if (at && substr($0, 1, at - 1) substr($0, at + length(label)) == call)
			found = 1
	} END { exit !found }' || fail "no call $1 with $label among
$(nerdctl_calls)"
}

nerdctl_setup()
{
	BUILDER=nerdctl
	NERDCTL_STUB_DIR=$CASE/nerdctl
	KIMB_NERDCTL=$NERDCTL_STUB
	# No nerdctl.toml (with_builder's NERDCTL_TOML) unless the test writes one.
	export NERDCTL_STUB_DIR KIMB_NERDCTL
	mkdir -p "$NERDCTL_STUB_DIR" || exit 1
	# A clock of its own, a second apart per build: a name a rebuild moves keeps its first date,
	# as containerd does, so an image's names are dated apart in every run, not only in some.
	echo 1795720000 >"$NERDCTL_STUB_DIR/clock"
}

test_nerdctl_original_report()
{
	nerdctl_setup
	run_kimb --time-format=first.%s -t "$R" ctx
	assert_status 0
	assert_printed first
	first=$(nerdctl_id "$R:$tag")
	run_kimb --time-format=second.%s -t "$R" ctx
	assert_status 0
	assert_printed second
	second=$(nerdctl_id "$R:$tag")
	if [ -z "$first" ] || [ "$first" = "$second" ]; then
		fail "the builds made no two images: $first $second"
	fi
	assert_nerdctl_rows "$R latest $second
$R $tag $second"
	assert_build_call "$(q build -t "$R" --tag "$R:$tag" -- ctx)" "kimb.repositories=$R"
}

# k3s's namespace, where the CRI plugin keeps a record of every image by its config digest, so
# that an old image stays listed as <none> and every image has one more (nameless) line. The last
# two builds get one unique tag (the git scheme at one commit): the last one's old image is a
# nameless image of kimb's.
test_nerdctl_k8s_namespace()
{
	nerdctl_setup
	commit=$(git_context gitctx) || exit 1
	run_kimb -n k8s.io --time-format=first.%s -t "$R" ctx
	assert_status 0
	run_kimb --namespace=k8s.io --scheme=git -t "$R" gitctx
	assert_status 0
	assert_stdout "$R:$commit"
	second=$(nerdctl_id "$R:$commit" k8s.io)
	assert_nerdctl_rows "$R latest $second
$R $commit $second
<none> <none> $second" k8s.io
	[ -z "$(nerdctl_rows)" ] || fail "the default namespace holds images: $(nerdctl_rows)"

	run_kimb -n k8s.io --scheme=git -t "$R" gitctx
	assert_status 0
	third=$(nerdctl_id "$R:$commit" k8s.io)
	assert_nerdctl_rows "$R latest $third
$R $commit $third
<none> <none> $third" k8s.io
}

# nerdctl's own example of nerdctl.toml: a k3s node, whose images are in k8s.io (docs/config.md).
write_k3s_nerdctl_toml()
{
	cat >"$NERDCTL_TOML" <<'EOF' || exit 1
# This is an example of /etc/nerdctl/nerdctl.toml .
# Unrelated to the daemon's /etc/containerd/config.toml .

debug          = false
debug_full     = false
address        = "unix:///run/k3s/containerd/containerd.sock"
namespace      = "k8s.io"
snapshotter    = "stargz"
cgroup_manager = "cgroupfs"
hosts_dir      = ["/etc/containerd/certs.d", "/etc/docker/certs.d"]
experimental   = true
EOF
}

# A kubectl that lists one pod, whose container runs the image $1 (a reference) of config digest
# $2 (64 hex), as the CRI plugin names it: the double tests/kubectl with a recorded listing.
pod_uses()
{
	KUBECTL_STUB_DIR=$CASE/kubectl-stub
	KIMB_KUBECTL=$TESTS/kubectl
	export KUBECTL_STUB_DIR KIMB_KUBECTL
	mkdir -p "$KUBECTL_STUB_DIR" || exit 1
	deployment_running "$1" "sha256:$2" >"$KUBECTL_STUB_DIR/pods.json" || fail "cannot make the pods"
}

# Issue 15, 1: nerdctl takes its namespace from nerdctl.toml where neither -n nor
# CONTAINERD_NAMESPACE names one: on a k3s node k8s.io, whose images pods use. kimb reads it as
# nerdctl does: it asks which images pods use, and keeps the one a pod runs.
test_nerdctl_namespace_from_nerdctl_toml()
{
	nerdctl_setup
	write_k3s_nerdctl_toml
	busy=$(id_of busy)
	idle=$(id_of idle)
	nerdctl_seed -n k8s.io "$busy" "$R:p1"
	nerdctl_seed -n k8s.io "$idle" "$R:p2"
	pod_uses "$R:p1" "$(id_of "config of $busy")"
	run_kimb --time-format=one.%s -t "$R" ctx
	assert_status 0
	assert_printed one
	assert_stderr_has "kept $busy ($R:p1): in use by a container or pod"
	grep -q "get.*pods" "$KUBECTL_STUB_DIR/calls" 2>/dev/null || fail "kimb did not ask which images pods use"
	new=$(nerdctl_id "$R:$tag" k8s.io)
	assert_nerdctl_rows "$R latest $new
$R $tag $new
$R p1 $busy
<none> <none> $new
<none> <none> $busy" k8s.io
	! nerdctl_calls | grep -qe "'rmi' '$busy'" -e "'rmi' '$R:p1'" || fail "a removal of the image a pod runs: $(nerdctl_calls)"
	[ -z "$(nerdctl_rows)" ] || fail "the default namespace holds images: $(nerdctl_rows)"

	# The flag, and the variable, win over the file, as in nerdctl: the default namespace, where
	# no pod runs, and kimb asks none.
	rm -f "$KUBECTL_STUB_DIR/calls"
	nerdctl_seed "$idle" "$R:p2"
	run_kimb -n default --time-format=two.%s -t "$R" ctx
	assert_status 0
	[ ! -s "$KUBECTL_STUB_DIR/calls" ] || fail "pods asked about in the default namespace"
	! image_in_namespace default "$idle" || fail "the prior image in the default namespace is still there"
	nerdctl_seed "$idle" "$R:p2"
	run env CONTAINERD_NAMESPACE=default "$KIMB" --builder=nerdctl --time-format=three.%s -t "$R" ctx
	assert_status 0
	[ ! -s "$KUBECTL_STUB_DIR/calls" ] || fail "pods asked about with CONTAINERD_NAMESPACE=default"
	! image_in_namespace default "$idle" || fail "the prior image in the default namespace is still there"
}

# Issue 18, 1: in k8s.io nerdctl's images are the cluster's, and the images workloads' pod templates
# name stay as those pods run do: the old ReplicaSet's (a rollback's), a Deployment's scaled to 0, a
# CronJob's between its Jobs. kubectl is asked for pods and workloads in one call.
test_nerdctl_k8s_io_keeps_what_workloads_name()
{
	nerdctl_setup
	rollback=$(id_of rollback)
	idle=$(id_of idle)
	cron=$(id_of cron)
	running=$(id_of running)
	free=$(id_of free)
	for seeded in "$rollback $R:a0" "$idle $R:z0" "$cron $R:c0" "$running $R:a1" "$free $R:p1"; do
		# shellcheck disable=SC2086 # ID and reference
		nerdctl_seed -n k8s.io $seeded
	done
	pod_uses "$R:a1" "$(id_of "config of $running")"
	workloads_naming "$R:a0" "$R:z0" "$R:c0" "$R:a1" "sha256:$(id_of "config of $running")" \
		>"$KUBECTL_STUB_DIR/pods.json" || fail "cannot make the workloads"
	run_kimb -n k8s.io --time-format=one.%s -t "$R" ctx
	assert_status 0
	assert_printed one
	assert_stderr_has "kept $rollback ($R:a0): ReplicaSet apps/web-7d9c8b5f4's pod template names it"
	assert_stderr_has "kept $idle ($R:z0): Deployment apps/api's pod template names it"
	assert_stderr_has "kept $cron ($R:c0): CronJob batch/nightly's pod template names it"
	assert_stderr_has "kept $running ($R:a1): in use by a container or pod"
	grep -q "'get' 'pods,replicationcontrollers,replicasets.apps,deployments.apps,statefulsets.apps,daemonsets.apps,jobs.batch,cronjobs.batch'" \
		"$KUBECTL_STUB_DIR/calls" || fail "kimb did not ask for the pods and workloads: $(cat "$KUBECTL_STUB_DIR/calls")"
	! image_in_namespace k8s.io "$free" || fail "the free image is still there"
	for kept in "$rollback" "$idle" "$cron" "$running"; do
		image_in_namespace k8s.io "$kept" || fail "$kept is gone"
	done
}

# The namespace nerdctl.toml gives names the store kimb's record belongs to, as -n does: kimb's own
# image that lost every name (the same tag built again: the git scheme at one commit) is known as
# kimb's whichever of the two named k8s.io, and goes.
test_nerdctl_toml_namespace_shares_the_record()
{
	nerdctl_setup
	write_k3s_nerdctl_toml
	commit=$(git_context gitctx) || exit 1
	run_kimb --scheme=git -t "$R" gitctx
	assert_status 0
	first=$(nerdctl_id "$R:$commit" k8s.io)
	printf 'changed\n' >gitctx/x
	run_kimb -n k8s.io --scheme=git -t "$R" gitctx
	assert_status 0
	second=$(nerdctl_id "$R:$commit" k8s.io)
	if [ -z "$first" ] || [ "$first" = "$second" ]; then
		fail "the builds made no two images: $first $second"
	fi
	assert_nerdctl_rows "$R latest $second
$R $commit $second
<none> <none> $second" k8s.io
}

# Whether namespace $1 holds the image ID $2.
image_in_namespace()
{
	nerdctl_rows "$1" | awk -v id="$2" '$3 == id { found = 1 } END { exit !found }'
}

# A nerdctl.toml kimb cannot read stops it before the build, with one line and status 1: never a
# guessed namespace. One that is not there is none.
test_nerdctl_toml_kimb_cannot_read()
{
	nerdctl_setup
	prior=$(id_of prior)
	nerdctl_seed -n k8s.io "$prior" "$R:p1"
	for text in 'namespace = "k8s.io"\nnamespace = "default"\n' 'hosts_dir = [\n  "/etc/containerd/certs.d",\n]\n' \
		'namespace = k8s.io\n' 'namespace = 5\n'; do
		# shellcheck disable=SC2059 # the text is the format: its \n are the newlines
		printf "$text" >"$NERDCTL_TOML"
		rm -f "$NERDCTL_STUB_DIR/calls"
		run_kimb --time-format=one.%s -t "$R" ctx
		assert_status 1
		[ "$(line_count "$CASE/stderr")" -eq 1 ] || fail "$text: not one line: $(cat "$CASE/stderr")"
		assert_stderr_has "kimb: cannot read nerdctl's configuration $NERDCTL_TOML: line "
		assert_stderr_has "nothing built or removed"
		assert_stdout
		[ ! -s "$NERDCTL_STUB_DIR/calls" ] || fail "$text: nerdctl was run: $(nerdctl_calls)"
	done
	rm "$NERDCTL_TOML"
	mkdir "$NERDCTL_TOML"
	run_kimb prune "$R"
	assert_status 1
	assert_stderr_has "kimb: cannot read nerdctl's configuration $NERDCTL_TOML: not a regular file"
	rmdir "$NERDCTL_TOML"
	assert_nerdctl_rows "$R p1 $prior
<none> <none> $prior" k8s.io

	# No file at all: nerdctl's default namespace.
	run_kimb --time-format=two.%s -t "$R" ctx
	assert_status 0
	new=$(nerdctl_id "$R:$(tag_printed)")
	assert_nerdctl_rows "$R latest $new
$R $(tag_printed) $new"
}

# kimb's own image that lost every name (built for $OTHER and $R, then built again with the same
# tags: the git scheme at one commit) goes; nameless images kimb did not build stay, labelled or
# not, even with kimb's label for $R (which an image built FROM kimb's inherits).
test_nerdctl_nameless_images()
{
	nerdctl_setup
	commit=$(git_context gitctx) || exit 1
	unlabelled=$(id_of unlabelled)
	foreign=$(id_of foreign)
	nerdctl_seed -n k8s.io "$unlabelled"
	nerdctl_seed -n k8s.io --label "kimb.repositories=$OTHER" "$foreign"
	lookalike=$(id_of lookalike)
	nerdctl_seed -n k8s.io --label "kimb.repositories=$OTHER,$R" "$lookalike"
	run_kimb -n k8s.io --scheme=git -t "$OTHER" -t "$R" gitctx
	assert_status 0
	assert_stdout "$OTHER:$commit" "$R:$commit"
	mine=$(nerdctl_id "$R:$commit" k8s.io)
	run_kimb -n k8s.io --scheme=git -t "$OTHER" -t "$R" gitctx
	assert_status 0
	assert_stdout "$OTHER:$commit" "$R:$commit"
	new=$(nerdctl_id "$R:$commit" k8s.io)
	if [ -z "$mine" ] || [ "$mine" = "$new" ]; then
		fail "the builds made no two images: $mine $new"
	fi
	assert_nerdctl_rows "$R latest $new
$R $commit $new
$OTHER latest $new
$OTHER $commit $new
<none> <none> $new
<none> <none> $unlabelled
<none> <none> $foreign
<none> <none> $lookalike" k8s.io
}

# In the default namespace a nameless image is the dangling record of a build without a tag.
test_nerdctl_dangling_build_untouched()
{
	nerdctl_setup
	dangling=$(id_of dangling)
	prior=$(id_of prior)
	nerdctl_seed "$dangling"
	nerdctl_seed "$prior" "$R:p1"
	run_kimb --time-format=one.%s -t "$R" ctx
	assert_status 0
	assert_printed one
	new=$(nerdctl_id "$R:$tag")
	assert_nerdctl_rows "$R latest $new
$R $tag $new
<none> <none> $dangling"
}

test_nerdctl_other_repositories_and_shared()
{
	nerdctl_setup
	prior=$(id_of prior)
	admin=$(id_of admin)
	x=$(id_of x)
	shared=$(id_of shared)
	many=$(id_of many)
	nerdctl_seed "$prior" "$R:p1"
	nerdctl_seed "$admin" "$R-admin:v1"
	nerdctl_seed "$x" "${R}x:latest"
	nerdctl_seed "$shared" "$R:s1" "$OTHER:v1"
	nerdctl_seed "$many" "$R:m1" "$R:m2"
	run_kimb --time-format=one.%s -t "$R" ctx
	assert_status 0
	assert_printed one
	assert_stderr_has untagged
	new=$(nerdctl_id "$R:$tag")
	assert_nerdctl_rows "$R latest $new
$R $tag $new
$R-admin v1 $admin
${R}x latest $x
$OTHER v1 $shared"
}

# A stopped container made from $R:p1: kimb learns it from nerdctl ps before it removes anything,
# and leaves the image alone.
test_nerdctl_in_use_kept()
{
	nerdctl_setup
	busy=$(id_of busy)
	idle=$(id_of idle)
	nerdctl_seed "$busy" "$R:p1"
	nerdctl_seed "$idle" "$R:p2"
	mkdir "$NERDCTL_STUB_DIR/containers" || exit 1
	printf '%s %s exited busy\n' "$(id_of container)" "$R:p1" >"$NERDCTL_STUB_DIR/containers/default"
	run_kimb --time-format=one.%s -t "$R" ctx
	assert_status 0
	assert_printed one
	assert_stderr_has kept
	assert_stderr_has "$(short "$busy")"
	assert_stderr_has "kept $busy ($R:p1): in use by a container or pod"
	nerdctl_calls | awk -v ps="$(q ps --all --no-trunc --format '{{json .}}')" -v rmi="'rmi'" '
		$0 == ps && !listed { listed = NR }
		index($0, rmi) && !removed { removed = NR }
		END { exit !(listed && (!removed || listed < removed)) }' ||
		fail "no listing of containers before any removal: $(nerdctl_calls)"
	! nerdctl_calls | grep -qe "'rmi' '$busy'" -e "'rmi' '$R:p1'" ||
		fail "a removal of the image in use: $(nerdctl_calls)"
	new=$(nerdctl_id "$R:$tag")
	assert_nerdctl_rows "$R latest $new
$R $tag $new
$R p1 $busy"
}

test_nerdctl_prune_and_keep()
{
	nerdctl_setup
	nerdctl_seed --created 3000 "$(id_of latest)" "$R:latest" "$R:v3"
	nerdctl_seed --created 1000 "$(id_of v1)" "$R:v1"
	nerdctl_seed --created 2000 "$(id_of v2)" "$R:v2"
	nerdctl_seed "$(id_of other)" "$OTHER:latest"
	run_kimb prune "$R"
	assert_status 0
	assert_stdout
	assert_nerdctl_rows "$R latest $(id_of latest)
$R v3 $(id_of latest)
$OTHER latest $(id_of other)"

	nerdctl_seed -n keep --created 3000 "$(id_of a)" "$R:a"
	nerdctl_seed -n keep --created 1000 "$(id_of b)" "$R:b"
	nerdctl_seed -n keep --created 2000 "$(id_of c)" "$R:c"
	run_kimb -n keep --keep=1 --time-format=new.%s -t "$R" ctx
	assert_status 0
	tag=$(tag_printed)
	new=$(nerdctl_id "$R:$tag" keep)
	assert_nerdctl_rows "$R latest $new
$R $tag $new
$R a $(id_of a)" keep

	nerdctl_seed -n nolatest "$(id_of n1)" "$R:v1"
	run_kimb prune -n nolatest "$R"
	assert_status 0
	assert_stderr_has "$R has no latest image"
	assert_nerdctl_rows "$R v1 $(id_of n1)" nolatest
}

test_nerdctl_listing_failures_exit_3()
{
	nerdctl_setup
	prior=$(id_of prior)
	nerdctl_seed "$prior" "$R:p1"
	# Both builds get one unique tag (the git scheme at one commit): the first one's image loses
	# every name and is gone, as in containerd.
	commit=$(git_context gitctx) || exit 1
	for failure in fail-list garble-list; do
		: >"$NERDCTL_STUB_DIR/$failure"
		run_kimb --scheme=git -t "$R" gitctx
		assert_status 3
		! nerdctl_calls | grep -q "'rmi'" || fail "$failure: a removal: $(nerdctl_calls)"
		rm "$NERDCTL_STUB_DIR/$failure"
	done
	new=$(nerdctl_id "$R:$commit")
	assert_nerdctl_rows "$R latest $new
$R $commit $new
$R p1 $prior"

	# A nameless image makes kimb read labels. nerdctl cannot inspect some images: one whose
	# inspection fails keeps no label, so it stays, even kimb's own (built, then built again with
	# its tags). In k8s.io, where pods name images by the config digest only the inspection tells,
	# the named prior image stays too: whether a pod runs it cannot be told.
	run_kimb -n k8s.io --scheme=git -t "$R" gitctx
	assert_status 0
	nameless=$(nerdctl_id "$R:$commit" k8s.io)
	nerdctl_seed -n k8s.io "$prior" "$R:p1"
	: >"$NERDCTL_STUB_DIR/fail-inspect"
	rm -f "$NERDCTL_STUB_DIR/calls"
	run_kimb -n k8s.io --scheme=git -t "$R" gitctx
	assert_status 0
	assert_stderr_has "the images asked about are kept"
	assert_stderr_has "kept $prior ($R:p1): nerdctl could not inspect it, so whether a pod uses it cannot be told"
	nerdctl_calls | grep -q "'inspect'" || fail "fail-inspect: no inspection: $(nerdctl_calls)"
	! nerdctl_calls | grep -q "'rmi'" || fail "fail-inspect: a removal: $(nerdctl_calls)"
	new=$(nerdctl_id "$R:$commit" k8s.io)
	if [ -z "$nameless" ] || [ "$nameless" = "$new" ]; then
		fail "the builds made no two images: $nameless $new"
	fi
	assert_nerdctl_rows "$R latest $new
$R $commit $new
$R p1 $prior
<none> <none> $new
<none> <none> $nameless
<none> <none> $prior" k8s.io
}

test_nerdctl_failed_build_and_removal()
{
	nerdctl_setup
	prior=$(id_of prior)
	nerdctl_seed "$prior" "$R:p1"
	printf '7\n' >"$NERDCTL_STUB_DIR/fail-build"
	run_kimb --time-format=one.%s -t "$R" ctx
	assert_status 6
	assert_stderr_has "nerdctl build failed with status 7; nothing removed"
	assert_stdout
	rm "$NERDCTL_STUB_DIR/fail-build"
	# A removal the builder refuses (for another reason than a container) is kimb's exit 4.
	: >"$NERDCTL_STUB_DIR/fail-rm"
	run_kimb --time-format=one.%s -t "$R" ctx
	assert_status 4
	assert_printed one
	assert_stderr_has "$(short "$prior")"
	assert_stderr_has "could not remove $prior ($R:p1): "
	assert_stderr_has "not every image selected could be removed (see above)"
	image_new=$(nerdctl_id "$R:$tag")
	assert_nerdctl_rows "$R latest $image_new
$R $tag $image_new
$R p1 $prior"
}

test_nerdctl_global_flags_on_every_call()
{
	nerdctl_setup
	prior=$(id_of prior)
	nerdctl_seed -n ns1 "$prior" "$R:p1"
	run_kimb -n ns1 -a /run/k3s/containerd/containerd.sock --snapshotter=native --debug \
		--time-format=one.%s -t "$R" --build-arg A=1 -f Dockerfile ctx
	assert_status 0
	assert_printed one
	globals=$(q -n ns1 -a /run/k3s/containerd/containerd.sock --snapshotter=native --debug)
	nerdctl_calls | awk -v prefix="$globals " 'substr($0, 1, length(prefix)) != prefix { bad++ }
		END { exit bad > 0 || NR < 3 }' || fail "not every call begins with $globals: $(nerdctl_calls)"
	assert_build_call "$globals $(q build -t "$R" --build-arg A=1 -f Dockerfile --tag "$R:$tag" -- ctx)" \
		"kimb.repositories=$R"
	new=$(nerdctl_id "$R:$tag" ns1)
	assert_nerdctl_rows "$R latest $new
$R $tag $new" ns1

	rm -f "$NERDCTL_STUB_DIR/calls"
	run_kimb -H unix:///run/containerd/containerd.sock --namespace=ns2 --time-format=two.%s -t "$R" \
		-t "$OTHER:v1" ctx
	assert_status 0
	assert_printed two "$R" "$OTHER"
	assert_build_call "$(q -H unix:///run/containerd/containerd.sock --namespace=ns2 build -t "$R" -t "$OTHER:v1" \
		--tag "$R:$tag" --tag "$OTHER:$tag" --tag "$OTHER:latest" -- ctx)" "kimb.repositories=$R,$OTHER"
}

# nerdctl v2's flags reach the stand-in (of v2.0.5), each with its value as the next word where it
# takes one: the global --bridge-ip on every call, and build's --attest, --provenance, --sbom,
# --build-context, --add-host and --pull (a boolean).
test_nerdctl_v2_flags_reach_the_build()
{
	nerdctl_setup
	prior=$(id_of prior)
	nerdctl_seed "$prior" "$R:p1"
	set -- --attest type=sbom --provenance mode=min --sbom true --build-context base=ctx \
		--add-host registry:10.0.0.1 --pull
	run_kimb --bridge-ip 10.4.0.1 "$@" --time-format=one.%s -t "$R" ctx
	assert_status 0
	assert_printed one
	nerdctl_calls | awk -v prefix="$(q --bridge-ip 10.4.0.1) " 'substr($0, 1, length(prefix)) != prefix { bad++ }
		END { exit bad > 0 || NR < 3 }' || fail "not every call begins with --bridge-ip: $(nerdctl_calls)"
	assert_build_call "$(q --bridge-ip 10.4.0.1 build "$@" -t "$R" --tag "$R:$tag" -- ctx)" "kimb.repositories=$R"
	new=$(nerdctl_id "$R:$tag")
	assert_nerdctl_rows "$R latest $new
$R $tag $new"
}

# Issue 6, 1: another repository's images built FROM kimb's inherit its kimb.repositories label;
# they are not kimb's, and never removed with its repository.
each_images_built_from_kimbs_are_not_its_own()
{
	run_kimb --time-format=one.%s -t "$R" ctx
	assert_status 0
	context_from "$R:latest" "round 1" child
	build_plain -t "$OTHER" "$CASE/work/child" || return
	old_child=$(id_named "$OTHER:latest")
	printf 'round 2\n' >"$CASE/work/child/x"
	build_plain -t "$OTHER" "$CASE/work/child" || return
	child=$(id_named "$OTHER:latest")
	if [ -z "$old_child" ] || [ "$old_child" = "$child" ]; then
		fail "the child builds made no two images: $old_child $child"
	fi
	change_context two
	run_kimb --time-format=two.%s -t "$R" ctx
	assert_status 0
	image_exists "$old_child" || fail "$OTHER's old image $old_child, built FROM $R's, is gone"
	image_exists "$child" || fail "$OTHER's image $child is gone"
	assert_stderr_lacks "$old_child"
}

# Issue 6, 2: removing R's old image takes no image of another repository with it: an old, untagged
# base it was built FROM stays. buildah, and docker (whose --no-prune podman's Docker-compatible
# API ignores), which would take the base along, keep R's old image, unless BuildKit built it: its
# images have no parent.
each_untagged_parents_of_other_repositories_stay()
{
	context_from scratch "base 1" base
	build_plain -t localhost/base "$CASE/work/base" || return
	old_base=$(id_named localhost/base:latest)
	context_from localhost/base:latest "app 1" app
	run_kimb --time-format=one.%s -t "$R" app
	assert_status 0
	old_app=$(id_named "$R:latest")
	printf 'base 2\n' >"$CASE/work/base/x"
	build_plain -t localhost/base "$CASE/work/base" || return
	printf 'app 2\n' >"$CASE/work/app/x"
	run_kimb --time-format=two.%s -t "$R" app
	assert_status 0
	image_exists "$old_base" || fail "the old base image $old_base went with $R's old image"
	assert_stderr_lacks "removed $old_base"
	case $VARIANT in
	buildah | docker-legacy | docker-podman)
		image_exists "$old_app" || fail "$R's old image $old_app went, and with it its base"
		assert_stderr_has "kept $old_app ($R:"
		assert_stderr_has "$BUILDER would also remove $old_base"
		;;
	*)
		! image_exists "$old_app" || fail "$R's old image $old_app is still there"
		assert_stderr_has "removed $old_app"
		;;
	esac
}

# Issue 6, 2: a build's intermediate images go with the image they were left for: repeated builds
# of a Dockerfile of several steps leave a store of one size.
each_repeated_builds_do_not_grow_the_store()
{
	printf 'FROM scratch\nCOPY x /x\nCOPY x /y\nCOPY x /z\n' >ctx/Dockerfile
	layers=
	# buildah keeps no intermediate images unless asked to.
	[ "$BUILDER" != buildah ] || layers=--layers
	counts=
	# The first build replaces nothing; from the second on, each replaces one: a store that grows
	# grows between the second and the third.
	for round in 1 2 3; do
		change_context "round $round"
		# shellcheck disable=SC2086 # $layers is one word or none
		run_kimb $layers --time-format="r$round.%s" -t "$R" ctx
		assert_status 0
		counts="$counts $(image_count)"
	done
	# shellcheck disable=SC2086 # the counts are words meant to split
	set -- $counts
	if [ "$2" != "$3" ]; then
		fail "the store grows: $counts images after each build"
	fi
	new=$(id_named "$R:latest")
	assert_rows "$R latest $new
$R $(tag_printed) $new"
}

# Issue 18, 8: a --no-prune build records the intermediate images it left, as a pruning build does,
# so that a later `kimb prune` (the README's nightly prune) removes them with the image they belong
# to: the store comes back to the size one build leaves.
each_no_prune_builds_are_pruned_later()
{
	printf 'FROM scratch\nCOPY x /x\nCOPY x /y\nCOPY x /z\n' >ctx/Dockerfile
	layers=
	# buildah keeps no intermediate images unless asked to.
	[ "$BUILDER" != buildah ] || layers=--layers
	change_context "round 1"
	# shellcheck disable=SC2086 # $layers is one word or none
	run_kimb $layers --time-format=r1.%s -t "$R" ctx
	assert_status 0
	one_build=$(image_count)
	first=$(id_named "$R:latest")
	for round in 2 3; do
		change_context "round $round"
		# shellcheck disable=SC2086 # $layers is one word or none
		run_kimb $layers --no-prune --time-format="r$round.%s" -t "$R" ctx
		assert_status 0
		last=$(tag_printed)
	done
	[ "$(image_count)" -gt "$one_build" ] || fail "the --no-prune builds left nothing: $(image_count) images"
	run_kimb prune "$R"
	assert_status 0
	! image_exists "$first" || fail "prune left $first"
	[ "$(image_count)" = "$one_build" ] ||
		fail "after prune the store holds $(image_count) images, one build leaves $one_build: $(cat "$CASE/stderr")"
	new=$(id_named "$R:latest")
	assert_rows "$R latest $new
$R $last $new"
	# A listing that fails costs a --no-prune build only that record: the build stands.
	wrapper=$(make_wrapper fail-list)
	change_context "round 4"
	# shellcheck disable=SC2086 # $layers is one word or none
	run env "$(builder_env)=$wrapper" "$KIMB" --builder="$BUILDER" $layers --no-prune --time-format=r4.%s -t "$R" ctx
	assert_status 0
	assert_stderr_has "the listing fails on purpose"
	assert_printed r4
}

# Issue 6, 3: an image in use, by a container of the builder's own or (podman, buildah) of the
# other's, loses no tag, and kimb touches it with no call at all.
each_image_in_use_keeps_all_its_tags()
{
	used=$(seed "$R:inuse1" "$R:inuse2")
	case $BUILDER in
	buildah) buildah from "$R:inuse1" >"$CASE/container" 2>&1 ;;
	*) create_container "$R:inuse1" >"$CASE/container" 2>&1 ;;
	esac || fail "cannot make a container: $(cat "$CASE/container")"
	wrapper=$(make_wrapper)
	run env "$(builder_env)=$wrapper" "$KIMB" --builder="$BUILDER" --time-format=one.%s -t "$R" ctx
	assert_status 0
	new=$(id_named "$R:latest")
	assert_rows "$R latest $new
$R $(tag_printed) $new
$R inuse1 $used
$R inuse2 $used"
	! grep -E "'(rmi|rm)'" "$CASE/calls" | grep -qF -e "$used" -e "$R:inuse" ||
		fail "a call touched the image in use: $(cat "$CASE/calls")"
}

# Issue 18: a rebuild that hits the builder's cache tags the same image again; kimb takes the
# earlier unique tags it issued off it, so that one image is left, tagged latest and its unique tag.
# A container of the image (which names no tag kimb can read) keeps every tag. buildah reuses its
# cache with --layers only.
each_cache_hit_rebuild_keeps_one_unique_tag()
{
	layers=
	[ "$BUILDER" != buildah ] || layers=--layers
	change_context same
	run_kimb --time-format=one.%s $layers -t "$R" ctx
	assert_status 0
	assert_printed one
	one=$tag
	image=$(id_named "$R:$one")
	run_kimb --time-format=two.%s $layers -t "$R" ctx
	assert_status 0
	assert_printed two
	[ "$(id_named "$R:$tag")" = "$image" ] || fail "the rebuild did not hit the cache: $(id_named "$R:$tag") $image"
	assert_stderr_has "untagged $R:$one (an earlier unique tag kimb issued for the image that stays)"
	run_kimb --time-format=three.%s $layers -t "$R" ctx
	assert_status 0
	assert_printed three
	assert_rows "$R latest $image
$R $tag $image"
	three=$tag
	case $BUILDER in
	buildah) buildah from "$R:$three" >"$CASE/container" 2>&1 ;;
	*) create_container "$R:$three" >"$CASE/container" 2>&1 ;;
	esac || fail "cannot make a container: $(cat "$CASE/container")"
	run_kimb --time-format=four.%s $layers -t "$R" ctx
	assert_status 0
	assert_printed four
	assert_rows "$R latest $image
$R $three $image
$R $tag $image"
}

# Issue 18: a dry run with a build never calls the builder's build, nor anything that changes the
# store; it says the tag a build now would get and what that build would replace.
each_dry_run_builds_nothing()
{
	change_context one
	run_kimb --time-format=one.%s -t "$R" ctx
	assert_status 0
	assert_printed one
	latest=$(id_named "$R:$tag")
	prior=$(seed "$R:p1")
	change_context two
	wrapper=$(make_wrapper)
	run env "$(builder_env)=$wrapper" "$KIMB" --builder="$BUILDER" --dry-run --time-format=two.%s -t "$R" ctx
	assert_status 0
	assert_stdout
	assert_stderr_has "nothing built; a build now would be tagged $R:two."
	assert_stderr_has "would remove $prior"
	assert_stderr_has "would keep $latest"
	! grep -E "'(build|bud|buildx|rmi|rm|untag|tag)'" "$CASE/calls" | grep -vE "'(container|containers|ps)'" |
		grep -q . || fail "the dry run changed the store: $(cat "$CASE/calls")"
	assert_rows "$R latest $latest
$R $tag $latest
$R p1 $prior"
}

# A working container of `buildah from scratch` uses no image (buildah lists its imageid as ""):
# kimb reads the containers beside it and removes the replaced image.
test_buildah_working_container_of_no_image()
{
	BUILDER=buildah
	write_store_conf "$CASE/store" || exit 1
	use_store "$CASE/store"
	buildah from scratch >"$CASE/container" 2>&1 || fail "buildah from scratch: $(cat "$CASE/container")"
	prior=$(seed "$R:p1")
	run_kimb --time-format=one.%s -t "$R" ctx
	assert_status 0
	assert_printed one
	assert_prior_replaced
}

# Issue 18, 11: buildah inspects one image a call; kimb asks podman, on the same store, about up to
# 100 at once, so that the listing phase does not grow with the nameless images around: a build
# after 12 nameless images of clutter inspects them all, and kimb's own nameless image (which its
# label, read through podman, lets kimb remove), in one call. Where podman cannot answer (here: not
# installed), buildah inspects each image, with the same outcome.
test_buildah_inspects_nameless_images_in_batches()
{
	BUILDER=buildah
	write_store_conf "$CASE/store" || exit 1
	use_store "$CASE/store"
	# Imported: another repository's, which kimb keeps whatever their base, and cheaper than builds.
	for n in 1 2 3 4 5 6 7 8 9 10 11 12 13; do
		seed --imported "$OTHER:clutter" >/dev/null
	done
	commit=$(git_context gitctx) || exit 1
	wrapper=$(make_wrapper)
	real_podman=$(command -v podman)
	printf '#!/bin/sh\nprintf "%%s\\n" "$*" >>"%s/podman-calls"\nexec "%s" "$@"\n' "$CASE" "$real_podman" \
		>"$CASE/podman-wrapper" && chmod +x "$CASE/podman-wrapper" || exit 1
	for round in 1 2 3; do
		podman=$CASE/podman-wrapper
		[ "$round" != 3 ] || podman=$CASE/no-such-podman
		printf 'same-%s\n' "$round" >gitctx/x
		previous=$(id_named "$R:$commit")
		rm -f "$CASE/calls" "$CASE/podman-calls"
		run env KIMB_BUILDAH="$wrapper" KIMB_PODMAN="$podman" "$KIMB" --builder=buildah --scheme=git -t "$R" gitctx
		assert_status 0
		assert_stdout "$R:$commit"
		[ "$round" = 1 ] || ! image_exists "$previous" || fail "round $round: kimb's nameless image $previous is still there"
		buildah_inspections=$(grep -c "^'inspect'" "$CASE/calls")
		podman_inspections=$(grep -c '^image inspect' "$CASE/podman-calls" 2>/dev/null)
		podman_inspections=${podman_inspections:-0}
		case $round in
		3) expected=$([ "$buildah_inspections" -ge 13 ] && [ "$podman_inspections" -eq 0 ] && echo yes) ;;
		*) expected=$([ "$buildah_inspections" -eq 0 ] && [ "$podman_inspections" -eq 1 ] && echo yes) ;;
		esac
		[ "$expected" = yes ] || fail "round $round: $buildah_inspections buildah inspections, $podman_inspections podman ones:
$(cat "$CASE/calls" "$CASE/podman-calls" 2>/dev/null)"
	done
}

# scripts/demo.sh promises a throwaway store: it builds and prunes on real podman, and leaves
# nothing of kimb's in the user's state directory (HOME here, with no KIMB_STATE_DIR or
# XDG_STATE_HOME to point elsewhere) or in the default lock directory.
test_demo_keeps_everything_in_its_temporary_directory()
{
	[ -x "$TESTS/../kimb" ] || { fail "the demo runs the clone's kimb: make builds it"; return; }
	mkdir "$CASE/home" || exit 1
	locks_before=$(default_lock_dir_state)
	run env -u KIMB_STATE_DIR -u KIMB_LOCK_DIR -u XDG_STATE_HOME -u CONTAINERS_STORAGE_CONF \
		HOME="$CASE/home" "$TESTS/../scripts/demo.sh"
	assert_status 0
	assert_stderr_has "kimb: removed 1 image"
	[ -z "$(find "$CASE/home" -name '*kimb*')" ] || fail "the demo wrote into HOME: $(find "$CASE/home")"
	[ "$(default_lock_dir_state)" = "$locks_before" ] || fail "the demo used $DEFAULT_LOCK_DIR"
}

# Issue 6, 7: a removal the builder refuses, or that is killed, is a failure: exit 4, after the
# other removals, the image named.
each_refused_or_killed_removal_exits_4()
{
	for mode in fail-rm kill-rm; do
		prior=$(seed "$R:$mode")
		wrapper=$(make_wrapper "$mode")
		run env "$(builder_env)=$wrapper" "$KIMB" --builder="$BUILDER" --time-format=one.%s -t "$R" ctx
		assert_status 4
		assert_stderr_has "could not remove $prior ($R:$mode)"
		# What the builder said on stderr, captured, is told since its call failed.
		[ "$mode" != fail-rm ] || assert_stderr_has "Error: the removal fails on purpose"
		assert_stderr_has "not every image selected could be removed"
		[ "$mode" != kill-rm ] || assert_stderr_has "was killed by SIGKILL"
		image_exists "$prior" || fail "$mode: the image $prior is gone"
	done
}

# Issue 18, 10: removals side by side tell nothing but kimb's own lines: what the builder writes
# on stderr in a call that succeeds (podman's "Failed to determine parent of image" warnings, one a
# call, which the wrapper adds to every removal) is captured, not passed on.
each_parallel_removals_tell_only_kimbs_lines()
{
	seed "$R:latest" >/dev/null
	removed=
	for n in 1 2 3 4 5 6 7 8; do
		removed="$removed $(seed "$R:p$n")"
	done
	wrapper=$(make_wrapper warn-rm)
	run env "$(builder_env)=$wrapper" "$KIMB" prune --builder="$BUILDER" --jobs=8 "$R"
	assert_status 0
	assert_stderr_has "removed 8 images"
	! grep -v '^kimb: ' "$CASE/stderr" >"$CASE/not-kimbs" || fail "stderr holds the builder's lines:
$(cat "$CASE/not-kimbs")"
	for id in $removed; do
		! image_exists "$id" || fail "$id is still there"
	done
}

# Issue 18, 9: the bytes kimb reports are what it knows: the sum of the removed images' sizes as the
# builder lists them, named as such, and no figure of space freed, which no builder's removal tells.
each_removed_size_is_named_for_what_it_is()
{
	seed "$R:latest" >/dev/null
	seed "$R:p1" >/dev/null
	seed "$R:p2" >/dev/null
	run_kimb prune --json "$R"
	assert_status 0
	python3 - "$CASE/stdout" <<'PY' || fail "the JSON report's sizes: $(cat "$CASE/stdout")"
import json, sys
d = json.load(open(sys.argv[1]))
removed = [x for r in d["repositories"] for x in r["removed"]]
total = sum(x["size_bytes"] for x in removed)
assert len(removed) == 2 and total > 0
assert d["summary"]["removed_images_size_bytes"] == total
assert d["repositories"][0]["removed_images_size_bytes"] == total
for where in [d["summary"]] + d["repositories"]:
    assert "reclaimed_bytes" not in where and "freed_bytes" not in where
PY
	seed "$R:p3" >/dev/null
	run_kimb prune "$R"
	assert_status 0
	grep -q '^kimb: removed 1 image ([0-9.]* [kMG]*B in image sizes, layers may be shared)$' "$CASE/stderr" ||
		fail "the summary does not name the size for what it is: $(cat "$CASE/stderr")"
	assert_stderr_lacks "reclaim"
}

# Issue 6, 8: SIGHUP (and SIGKILL, which kimb cannot catch) during a real build stops the build,
# which then tags nothing.
each_hangup_stops_the_build()
{
	make_slow_context || return
	# What lets a RUN step run here: no cgroups for crun, no bridge for BuildKit.
	isolation=
	case $BUILDER in
	podman | buildah) isolation=--isolation=chroot ;;
	docker) isolation=--network=none ;;
	esac
	sleeper_gone || { fail "a sleeper runs before the test"; return; }
	# kimb's own iidfile directory in the test's (TMPDIR): SIGKILL leaves it behind.
	mkdir "$CASE/tmp" || exit 1
	for signal in HUP KILL; do
		# shellcheck disable=SC2086 # $isolation is one word or none
		env --default-signal=HUP,INT,QUIT,TERM TMPDIR="$CASE/tmp" "$KIMB" --builder="$BUILDER" $isolation \
			--time-format="$signal.%s" -t "$R" slow >"$CASE/stdout" 2>"$CASE/stderr" &
		kimb_pid=$!
		if ! wait_until sleeper_runs; then
			fail "$signal: the slow build never ran: $(cat "$CASE/stderr")"
			kill -KILL "$kimb_pid"
			wait "$kimb_pid"
			return
		fi
		kill -s "$signal" "$kimb_pid"
		wait "$kimb_pid"
		status=$?
		[ "$signal" != HUP ] || assert_status 129
		wait_until sleeper_gone || fail "SIG$signal: the build goes on without kimb"
		! image_exists "$R:latest" || fail "SIG$signal: the build tagged $R:latest after kimb was gone"
		assert_stdout
		[ "$signal" != HUP ] || [ -z "$(ls -A "$CASE/tmp")" ] ||
			fail "SIGHUP: kimb left its temporary files: $(ls -A "$CASE/tmp")"
	done
}

# Flags the tables hold for other versions of the builder, or that its help hides, reach a build
# that uses them, each with its value as the next word where it takes one (kimb must know which):
# podman's hidden --progress and --load (for buildx users), buildah's other spellings --net of
# --network and --override-os of --os, and BuildKit's --progress and --secret, which docker 20.10
# takes with BuildKit on, and its legacy builder takes too (and ignores).
each_flags_of_other_versions_reach_the_build()
{
	prior=$(seed "$R:p1")
	printf 'not a secret\n' >"$CASE/secret" || exit 1
	case $BUILDER in
	podman) set -- --progress plain --load --net host --pull=never ;;
	buildah) set -- --net host --override-os linux --pull=never ;;
	docker) set -- --progress plain --secret "id=token,src=$CASE/secret" ;;
	esac
	wrapper=$(make_wrapper)
	run env "$(builder_env)=$wrapper" "$KIMB" --builder="$BUILDER" "$@" --time-format=one.%s -t "$R" ctx
	assert_status 0
	assert_printed one
	flags=$(q "$@")
	grep -F "'build' " "$CASE/calls" | grep -qF -e "$flags" ||
		fail "no build call with $flags: $(cat "$CASE/calls")"
	assert_prior_replaced
}

# --- kimb's flag tables against the builders' own help ---------------------------------------

# help_flags: the flags of a builder's help on stdin, one line `LONG SHORT KIND` each (SHORT `-`
# for none; KIND value or bool), in the help's order: the lines of its "Options:" or "Flags:"
# sections ("Global Options:" is docker's own globals; cobra's "Global Flags:" repeats the
# parent's and is left out), --help and --version left out. A flag line is pflag's
# "  -t, --tag name   description" or "      --rm   description": a value's name may hold single
# spaces ("pathname or URL"), two end it; an optional value ("--pull string[="true"]",
# "--sbom[=false]") is a boolean for kimb. A description's continuation lines are indented
# further than a flag line's 6 spaces at most. Fails, naming it, on a flag line of another shape.
help_flags()
{
	awk '
	function unexpected(line) {
		print "unexpected flag line: " line > "/dev/stderr"
		bad = 1
	}

	function flag_line(line, indent,    p, short, name, after, rest, value_end, optional, takes_value) {
		p = substr(line, indent + 1)
		short = "-"
		if (substr(p, 2, 1) != "-") {
			if (length(p) < 4 || substr(p, 3, 2) != ", ")
				return unexpected(line)
			short = substr(p, 2, 1)
			p = substr(p, 5)
		}
		if (substr(p, 1, 2) != "--")
			return unexpected(line)
		p = substr(p, 3)
		match(p, /^[^ \[]*/)
		name = substr(p, 1, RLENGTH)
		after = substr(p, RLENGTH + 1)
		takes_value = 0
		if (substr(after, 1, 1) == " " && length(after) > 1 && substr(after, 2, 1) !~ /[ \t\r\v\f]/) {
			rest = substr(after, 2)
			value_end = index(rest, "  ")
			if (!value_end)
				value_end = length(rest) + 1
			optional = index(rest, "[=")
			takes_value = !optional || optional > value_end
		}
		if (name != "help" && name != "version")
			print name, short, takes_value ? "value" : "bool"
	}

	$0 == "" { next }
	{
		match($0, /^ */)
		indent = RLENGTH
		if (indent == 0) {
			in_flags = substr($0, 1, 13) != "Global Flags:" && ($0 ~ /Options:$/ || $0 ~ /Flags:$/)
			next
		}
		if (in_flags && indent <= 6 && substr($0, indent + 1, 1) == "-")
			flag_line($0, indent)
	}
	END { exit bad }'
}

# read_help NAME COMMAND...: the flags (as help_flags prints them) of the help COMMAND... prints,
# into $CASE/NAME.flags (the help itself in $CASE/NAME). Fails the test when COMMAND fails or its
# help shows no flag.
read_help()
{
	name=$1
	shift
	if ! "$@" >"$CASE/$name" 2>"$CASE/$name.err"; then
		fail "\`$*\` failed: $(cat "$CASE/$name.err")"
		return 1
	fi
	help_flags <"$CASE/$name" >"$CASE/$name.flags" 2>"$CASE/$name.err" ||
		fail "\`$*\`: $(cat "$CASE/$name.err")"
	[ -s "$CASE/$name.flags" ] || fail "no flags read from \`$*\`"
}

# assert_flags_are_help BUILDER GLOBALS BUILD: kimb's table of BUILDER's flags (the output of
# builder_flags) holds every flag of the helps whose flags are in the files GLOBALS (the builder's
# own --help) and BUILD (its build --help), spelled and taking a value as there. The table may hold
# more: it is the union of the builder's versions, and of flags its help hides. A global flag
# spelled like a build flag is expected among the build flags only, as the table's rule is (kimb
# passes globals before the sub-command, where the builder would read them as the global flag),
# and so is one the table gives to the build flags for another version's build flag of that name;
# a global's short name is expected only where no build flag has it.
assert_flags_are_help()
{
	builder=$1
	globals=$2
	build=$3
	if ! "$BUILDER_FLAGS" "$builder" >"$CASE/$builder.table" 2>&1; then
		fail "$BUILDER_FLAGS $builder failed: $(cat "$CASE/$builder.table")"
		return
	fi
	awk -v builder="$builder" '
	FILENAME == ARGV[1] {
		build_help[++builds] = $0
		build_long[$1] = 1
		next
	}
	FILENAME == ARGV[2] {
		if (!($1 in build_long))
			global_help[++globals] = $0
		next
	}
	{
		table[$1, $2] = $3 " " $4
		if ($1 == "build" && $3 != "-")
			build_short[$3] = 1
	}

	function what(scope) {
		return builder (scope == "build" ? " build" : " (global flags)")
	}

	function shown(short) {
		return short == "-" ? "none" : "-" short
	}

	function kind_text(kind) {
		return kind == "value" ? "takes a value" : "a boolean"
	}

	# The help shows --LONG with SHORT ("*": whatever kimb lists) and KIND; kimb lists it under SCOPE.
	function check(scope, long, short, kind,    have) {
		if (!((scope, long) in table)) {
			print what(scope) ": --" long " is in the help but not in kimb'"'"'s table"
			return
		}
		split(table[scope, long], have, " ")
		if (short != "*" && short != have[1])
			print what(scope) ": --" long ": short name " shown(short) " in the help, " shown(have[1]) " in kimb'"'"'s table"
		if (kind != have[2])
			print what(scope) ": --" long ": " kind_text(kind) " in the help, " kind_text(have[2]) " in kimb'"'"'s table"
	}

	END {
		for (i = 1; i <= builds; i++) {
			split(build_help[i], flag, " ")
			check("build", flag[1], flag[2], flag[3])
		}
		for (i = 1; i <= globals; i++) {
			split(global_help[i], flag, " ")
			if (("build", flag[1]) in table)
				check("build", flag[1], "*", flag[3])
			else
				check("global", flag[1], flag[2] in build_short ? "-" : flag[2], flag[3])
		}
	}' "$build" "$globals" "$CASE/$builder.table" >"$CASE/$builder.differences"
	[ ! -s "$CASE/$builder.differences" ] || fail "kimb's table of $builder's flags misses or misreads flags of its help:
$(cat "$CASE/$builder.differences")"
}

# The help reader itself, on the shapes of line it must tell apart.
test_help_reader()
{
	help_flags >"$CASE/flags" <<'EOF'
Usage:
  tool build [flags]

Examples:
  tool build --tag x .

Options:
      --add-host host:ip      add a host (default [])
      --compress              legacy
                              -continued description
      --creds [username[:password]]   credentials
  -f, --file pathname or URL  a Dockerfile
      --help                  help
      --pull string[="true"]  pull
      --sbom[=false]          optional boolean
  -v, --volume stringArray    bind mount
      --last int
      --lone

Global Flags:
      --inherited string      not this command's
EOF
	assert_listing "the flags read are" "add-host - value
compress - bool
creds - value
file f value
pull - bool
sbom - bool
volume v value
last - value
lone - bool" "$(sort "$CASE/flags")"
	printf 'Flags:\n  -x --bad\n' | help_flags >/dev/null 2>"$CASE/bad" && fail "a flag line of another shape was read"
	grep -qF 'unexpected flag line:   -x --bad' "$CASE/bad" || fail "no word of the bad flag line: $(cat "$CASE/bad")"
}

# podman as a local client: CONTAINER_HOST or CONTAINER_CONNECTION make it a remote one, with other
# flags.
test_podman_flags_are_its_help()
{
	write_store_conf "$CASE/store" || exit 1
	use_store "$CASE/store"
	read_help podman-help env -u CONTAINER_HOST -u CONTAINER_CONNECTION podman --help || return
	read_help podman-build-help env -u CONTAINER_HOST -u CONTAINER_CONNECTION podman build --help || return
	assert_flags_are_help podman "$CASE/podman-help.flags" "$CASE/podman-build-help.flags"
}

test_buildah_flags_are_its_help()
{
	write_store_conf "$CASE/store" || exit 1
	use_store "$CASE/store"
	read_help buildah-help buildah --help || return
	read_help buildah-build-help buildah build --help || return
	assert_flags_are_help buildah "$CASE/buildah-help.flags" "$CASE/buildah-build-help.flags"
}

# The client kimb is tested with, and a client configuration of the test's own. Its build help is
# the legacy builder's also where buildx is installed (DOCKER_BUILDKIT=0), and docker 20.10 (Debian
# 12's docker.io) shows some flags only with BuildKit on (--output, --platform, --progress,
# --secret, --ssh) and others only with it off (--compress, --memory, ...): the table holds both.
test_docker_flags_are_its_help()
{
	mkdir "$CASE/docker-config" || exit 1
	read_help docker-help env -u DOCKER_HOST -u DOCKER_CONTEXT DOCKER_CONFIG="$CASE/docker-config" \
		DOCKER_BUILDKIT=0 "$DOCKER_CLIENT" --help || return
	read_help docker-build-help env -u DOCKER_HOST -u DOCKER_CONTEXT DOCKER_CONFIG="$CASE/docker-config" \
		DOCKER_BUILDKIT=0 "$DOCKER_CLIENT" build --help || return
	read_help docker-buildkit-build-help env -u DOCKER_HOST -u DOCKER_CONTEXT \
		DOCKER_CONFIG="$CASE/docker-config" DOCKER_BUILDKIT=1 "$DOCKER_CLIENT" build --help || return
	cat "$CASE/docker-buildkit-build-help.flags" >>"$CASE/docker-build-help.flags" || exit 1
	grep -qx 'progress - value' "$CASE/docker-build-help.flags" ||
		fail "no --progress in docker's build help with BuildKit on"
	assert_flags_are_help docker "$CASE/docker-help.flags" "$CASE/docker-build-help.flags"
}

# nerdctl cannot run here. These are the flag columns (descriptions left out) of the help pflag
# prints for the flags nerdctl v1.7.6 defines (v1.7.7 has the same): the root command's in cmd/nerdctl/main.go
# (initRootCmdFlags; each one-letter alias is a flag with a long spelling of its own) and the
# build command's in cmd/nerdctl/builder_build.go.
test_nerdctl_flags_are_its_recorded_help()
{
	help_flags >"$CASE/nerdctl-help.flags" <<'EOF'
Flags:
  -H, --H string
  -a, --a string
      --address string
      --cgroup-manager string
      --cni-netconfpath string
      --cni-path string
      --data-root string
      --debug
      --debug-full
      --experimental
  -h, --help
      --host string
      --host-gateway-ip string
      --hosts-dir strings
      --insecure-registry
  -n, --n string
      --namespace string
      --snapshotter string
      --storage-driver string
  -v, --version
EOF
	help_flags >"$CASE/nerdctl-build-help.flags" <<'EOF'
Flags:
      --allow stringArray
      --build-arg stringArray
      --buildkit-host string
      --cache-from stringArray
      --cache-to stringArray
  -f, --file string
  -h, --help
      --iidfile string
      --label stringArray
      --network string
      --no-cache
  -o, --output string
      --platform strings
      --progress string
  -q, --quiet
      --rm
      --secret stringArray
      --ssh stringArray
  -t, --tag stringArray
      --target string
EOF
	[ "$(line_count "$CASE/nerdctl-help.flags")" -eq 18 ] || fail "not 18 global flags: $(cat "$CASE/nerdctl-help.flags")"
	[ "$(line_count "$CASE/nerdctl-build-help.flags")" -eq 19 ] ||
		fail "not 19 build flags: $(cat "$CASE/nerdctl-build-help.flags")"
	assert_flags_are_help nerdctl "$CASE/nerdctl-help.flags" "$CASE/nerdctl-build-help.flags"

	# nerdctl v2.3.5, the newest, likewise (from v2.0, cmd/nerdctl/builder/builder_build.go). Every
	# flag of v1.7 and of the stand-in's v2.0.5 is one of these.
	help_flags >"$CASE/nerdctl-2-help.flags" <<'EOF'
Flags:
  -H, --H string
  -a, --a string
      --address string
      --bridge-ip string
      --cdi-spec-dirs strings
      --cgroup-manager string
      --cni-netconfpath string
      --cni-path string
      --data-root string
      --debug
      --debug-full
      --experimental
  -h, --help
      --host string
      --host-gateway-ip string
      --hosts-dir strings
      --insecure-registry
      --kube-hide-dupe
  -n, --n string
      --namespace string
      --selinux-enabled
      --snapshotter string
      --storage-driver string
      --userns-remap host
  -v, --version
EOF
	help_flags >"$CASE/nerdctl-2-build-help.flags" <<'EOF'
Flags:
      --add-host stringArray
      --allow stringArray
      --attest stringArray
      --build-arg stringArray
      --build-context stringArray
      --buildkit-host string
      --cache-from stringArray
      --cache-to stringArray
  -f, --file string
  -h, --help
      --iidfile string
      --label stringArray
      --network string
      --no-cache
  -o, --output string
      --platform strings
      --progress string
      --provenance string
      --pull
  -q, --quiet
      --rm
      --sbom string
      --secret stringArray
      --source-policy-file string
      --ssh stringArray
  -t, --tag stringArray
      --target string
EOF
	[ "$(line_count "$CASE/nerdctl-2-help.flags")" -eq 23 ] ||
		fail "not 23 global flags: $(cat "$CASE/nerdctl-2-help.flags")"
	[ "$(line_count "$CASE/nerdctl-2-build-help.flags")" -eq 26 ] ||
		fail "not 26 build flags: $(cat "$CASE/nerdctl-2-build-help.flags")"
	assert_flags_are_help nerdctl "$CASE/nerdctl-2-help.flags" "$CASE/nerdctl-2-build-help.flags"
}

# --- auto: which builder a PATH with only some of them gives ---------------------------------

# stand_in DIR NAME PROGRAM: an executable NAME in DIR that logs `NAME ARGS` to $CASE/auto-calls
# and runs PROGRAM (a real builder, on the test's store, or a stand-in) with the usual PATH, so
# that a PATH holding DIR alone offers kimb exactly the builders put there.
stand_in()
{
	cat >"$1/$2" <<EOF || exit 1
#!/bin/sh
printf '%s %s\\n' "$2" "\$*" >>"$CASE/auto-calls"
PATH=/usr/local/bin:/usr/bin:/bin
export PATH
exec "$3" "\$@"
EOF
	chmod +x "$1/$2" || exit 1
}

# run_auto DIR [VAR=VALUE...]: kimb, by its absolute path, with PATH=DIR only.
run_auto()
{
	path=$1
	shift
	rm -f "$CASE/auto-calls"
	run env PATH="$path" "$@" "$KIMB" --time-format=one.%s -t "$R" ctx
}

# auto took BUILDER: said so once, and only BUILDER was run.
assert_auto_took()
{
	assert_status 0
	assert_printed one
	[ "$(grep -c "using $1" "$CASE/stderr")" -eq 1 ] || fail "stderr does not say once \"using $1\": $(cat "$CASE/stderr")"
	[ -s "$CASE/auto-calls" ] || fail "no builder was run"
	! grep -qv "^$1 " "$CASE/auto-calls" 2>/dev/null || fail "not only $1 was run: $(cat "$CASE/auto-calls")"
	grep -q "^$1 .*build" "$CASE/auto-calls" 2>/dev/null || fail "$1 did not build: $(cat "$CASE/auto-calls")"
}

# The builders join the PATH in the reverse of auto's order, so each one joining is the one taken.
test_auto_picks_documented_builder()
{
	write_store_conf "$CASE/store" || exit 1
	use_store "$CASE/store"
	start_dockerd
	bin=$CASE/bin
	mkdir -p "$bin" "$CASE/kim" "$CASE/nerdctl" || exit 1
	KIM_STUB_DIR=$CASE/kim
	NERDCTL_STUB_DIR=$CASE/nerdctl
	export KIM_STUB_DIR NERDCTL_STUB_DIR

	stand_in "$bin" buildah "$(command -v buildah)"
	run_auto "$bin"
	assert_auto_took buildah

	stand_in "$bin" docker "$DOCKER_CLIENT"
	run_auto "$bin"
	assert_auto_took docker

	stand_in "$bin" podman "$(command -v podman)"
	run_auto "$bin"
	assert_auto_took podman

	stand_in "$bin" nerdctl "$NERDCTL_STUB"
	run_auto "$bin"
	assert_auto_took nerdctl

	stand_in "$bin" kim "$KIM_STUB"
	run_auto "$bin"
	assert_auto_took kim

	# An explicit builder is taken as given, without a word about it.
	run_auto "$bin" KIMB_BUILDER=docker
	assert_status 0
	assert_stderr_lacks using
	! grep -qv '^docker ' "$CASE/auto-calls" || fail "KIMB_BUILDER=docker did not win: $(cat "$CASE/auto-calls")"
	rm -f "$CASE/auto-calls"
	run env PATH="$bin" KIMB_BUILDER=docker "$KIMB" --builder=podman --time-format=one.%s -t "$R" ctx
	assert_status 0
	assert_stderr_lacks using
	! grep -qv '^podman ' "$CASE/auto-calls" || fail "--builder=podman did not win: $(cat "$CASE/auto-calls")"
}

test_auto_honours_override_alone()
{
	write_store_conf "$CASE/store" || exit 1
	use_store "$CASE/store"
	mkdir -p "$CASE/empty" "$CASE/elsewhere" || exit 1
	stand_in "$CASE/elsewhere" podman "$(command -v podman)"
	run_auto "$CASE/empty" KIMB_PODMAN="$CASE/elsewhere/podman"
	assert_auto_took podman

	run_auto "$CASE/empty"
	[ "$status" -ne 0 ] || fail "auto with no builder anywhere succeeded"
	assert_stdout
	[ "$(line_count "$CASE/stderr")" -eq 1 ] || fail "stderr is not one line: $(cat "$CASE/stderr")"
	[ ! -e "$CASE/auto-calls" ] || fail "a builder was run: $(cat "$CASE/auto-calls")"
}

# --- the runner ------------------------------------------------------------------------------

# A kubectl for kimb, which asks the cluster which images pods use (kim's, and nerdctl's in the
# namespace k8s.io): logs its calls to $CASE/kubectl-calls and answers `get pods` with no pods, as
# a cluster without any does, so that no test ever reaches a real cluster.
make_kubectl()
{
	cat >"$CASE/kubectl" <<EOF || exit 1
#!/bin/sh
printf '%s\\n' "\$*" >>"$CASE/kubectl-calls"
printf '{\\n    "apiVersion": "v1",\\n    "items": [],\\n    "kind": "List",\\n'
printf '    "metadata": {\\n        "resourceVersion": ""\\n    }\\n}\\n'
EOF
	chmod +x "$CASE/kubectl" || exit 1
	KIMB_KUBECTL=$CASE/kubectl
	export KIMB_KUBECTL
}

# Rootless podman leaves files owned by other IDs of its user namespace: those go from within it.
cleanup_case()
{
	rm -rf "$CASE" 2>/dev/null || podman unshare rm -rf "$CASE"
}

# with_builder FUNCTION [VARIANT]: a test_* function, or an each_* function on VARIANT (a real
# builder: podman, buildah, docker-buildkit, docker-legacy or docker-podman) with a store of its
# own and, for docker, a daemon of its own: a private dockerd, or for docker-podman podman's
# Docker-compatible API service on the test's podman store (Podman Desktop's setup; its builds
# are the legacy API's); a context ready to build; kimb's record of its builds (its state
# directory) in $CASE/state, never the user's; a kubectl of its own (make_kubectl). BUILDER is
# the builder kimb is told (docker for the three docker variants).
with_builder()
{
	KIMB_STATE_DIR=$CASE/state
	export KIMB_STATE_DIR
	make_kubectl
	printf 'FROM scratch\nCOPY x /x\n' >ctx/Dockerfile || exit 1
	printf 'initial\n' >ctx/x || exit 1
	unset DOCKER_HOST DOCKER_CONFIG DOCKER_CONTEXT DOCKER_BUILDKIT CONTAINER_HOST CONTAINERD_NAMESPACE \
		CONTAINERD_ADDRESS
	# No nerdctl.toml but one the test writes: never the host's.
	NERDCTL_TOML=$CASE/nerdctl.toml
	export NERDCTL_TOML
	trap 'stop_daemons || exit 1' EXIT
	trap 'stop_daemons; exit 130' INT
	trap 'stop_daemons; exit 143' TERM
	VARIANT=${2:-}
	case $VARIANT in
	docker-buildkit) BUILDER=docker DOCKER_BUILDKIT=1 ;;
	docker-legacy | docker-podman) BUILDER=docker DOCKER_BUILDKIT=0 ;;
	*) BUILDER=$VARIANT ;;
	esac
	if [ -n "$BUILDER" ]; then
		write_store_conf "$CASE/store" || exit 1
		use_store "$CASE/store"
	fi
	if [ "$BUILDER" = docker ]; then
		KIMB_DOCKER=$DOCKER_CLIENT
		export DOCKER_BUILDKIT KIMB_DOCKER
		if [ "$VARIANT" = docker-podman ]; then
			start_podman_service
		else
			start_dockerd
		fi
	fi
	"$1"
	stop_daemons
}

# run_selected FUNCTION [VARIANT]: the test, when its name matches PATTERN.
run_selected()
{
	test_name=$1${2:+[$2]}
	printf '%s\n' "$test_name" | grep -qE -e "$PATTERN" || return 0
	run_test "$test_name" with_builder "$@"
}

# The variants an each_* test runs on. All five where what a build leaves behind is listed and
# removed through each: the default. Where the rule is the store's alone (what is listed, kept,
# untagged, removed), one variant per store: docker's daemon with BuildKit (both its engines share
# its store), and podman's API service. Where the rule is the build engine's (what a build records
# or prints, how it stops), the engines: podman, buildah, docker's two; podman's API service builds
# with podman's engine on podman's store, which the podman variant proves (and goes on with a build
# whose client is gone: no client can stop it). Where kimb's own logic runs on what each builder
# gives it (flags, sizes, its own iidfile), each builder once: podman, buildah, docker with
# BuildKit (the docker client's flags are the same whatever serves it). Where only kimb's own logic
# is at stake, which tests/integration.sh proves on the stand-in, podman alone: that it works end
# to end.
variants_of()
{
	case $1 in
	each_other_repositories_untouched | each_image_in_use_kept_and_named | each_shared_image_keeps_other_tag | \
		each_prune_keeps_latest | each_complete_lists_the_repositories | each_keep_newest_by_creation_time | \
		each_listing_failure_removes_nothing | each_image_in_use_keeps_all_its_tags | \
		each_refused_or_killed_removal_exits_4 | each_image_only_the_built_repositories_tag_is_removed_once)
		printf '%s\n' podman buildah docker-buildkit docker-podman
		;;
	each_hangup_stops_the_build | each_stdout_only_unique_references | each_flags_of_other_versions_reach_the_build | \
		each_failed_build_removes_nothing | each_cache_hit_rebuild_keeps_one_unique_tag | \
		each_images_built_from_kimbs_are_not_its_own | each_untagged_parents_of_other_repositories_stay)
		printf '%s\n' podman buildah docker-buildkit docker-legacy
		;;
	each_removed_size_is_named_for_what_it_is | each_global_flags_on_every_call | each_keep_within_and_protect | \
		each_iidfile_naming_a_stream | each_dry_run_builds_nothing)
		printf '%s\n' podman buildah docker-buildkit
		;;
	each_no_prune_builds_are_pruned_later) printf '%s\n' podman buildah docker-legacy ;;
	each_done_when_default_scheme | each_spellings_and_dry_run | each_dockerfile_on_stdin | \
		each_monorepo_tags_follow_what_the_build_reads | each_parallel_removals_tell_only_kimbs_lines | \
		each_prune_of_no_such_repository_exits_7 | each_complete_hides_podmans_stage_names) printf 'podman\n' ;;
	*) printf '%s\n' podman buildah docker-buildkit docker-legacy docker-podman ;;
	esac
}

for name in $(functions_named each); do
	for variant in $(variants_of "$name"); do
		run_selected "$name" "$variant"
	done
done
for name in $(functions_named test); do
	run_selected "$name"
done

summary
