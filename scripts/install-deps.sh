#!/bin/sh
# Installs what kimb needs to build and to run its tests, from Debian's packages (run as root):
# the compiler and libraries; the real builders the tests drive: podman, buildah, and docker.io,
# whose dockerd (20.10, with BuildKit) the docker tests start privately, one per test, and whose
# client (/usr/bin/docker) they talk to it with; and the tools of make check's other parts: clang
# and its runtime for the fuzzers and the sanitizers, valgrind, cppcheck, shellcheck, and git,
# procps and python3 for the test scripts.
set -eu

build_packages="build-essential pkg-config libgit2-dev libjansson-dev check"
test_packages="clang libclang-rt-14-dev valgrind cppcheck shellcheck git procps python3"
# docker.io always, even when some docker client is on PATH already: the tests need the daemon,
# and a client of its version at /usr/bin/docker.
builder_packages="podman buildah docker.io"

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps.sh: run as root (apt-get installs system packages)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086 # the lists are meant to split into words
apt-get install -y -qq --no-install-recommends $build_packages $test_packages
# shellcheck disable=SC2086
apt-get install -y -qq $builder_packages
