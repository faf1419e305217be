#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Installs kimb's dependencies from Debian's packages (Debian 12), as root.
#
# Usage: scripts/install-deps.sh [--test] [--list]
#   (no option)  what building kimb needs (make, make install): the compiler, pkg-config, and the
#                libgit2 and jansson headers. Nothing else: a k3s node that builds kimb (the VM,
#                scripts/provision.sh) gets no second container engine beside its own.
#   --test       also what make check, scripts/demo.sh and make bench need: the Check unit-test
#                library; the real builders the tests drive (podman, buildah, and docker.io, whose
#                dockerd 20.10 the docker tests start privately and whose client /usr/bin/docker
#                they talk to it with); clang and its runtime for the fuzzers and sanitizers,
#                valgrind, cppcheck, shellcheck, git, procps and python3 (with python3-yaml, to
#                run the README's CI recipes) for the test scripts;
#                vagrant (and with it ruby) and vagrant-libvirt to validate the Vagrantfile, and
#                rsync to provision a throwaway root (tests/vm-files.sh); mandoc and groff-base to
#                lint the man page; zsh and bash-completion for the completions' tests; dpkg-dev,
#                debhelper and lintian to build and check the Debian package (make deb).
#   --list       print the packages, one a line, instead of installing them (any user may).
# Exit status: 0 installed (or listed), 1 not root or apt-get failed, 2 usage.
set -eu

usage='usage: scripts/install-deps.sh [--test] [--list]'
build_packages="build-essential pkg-config libgit2-dev libjansson-dev"
test_packages="check clang libclang-rt-14-dev valgrind cppcheck shellcheck git procps python3 python3-yaml
vagrant vagrant-libvirt rsync mandoc groff-base zsh bash-completion dpkg-dev debhelper lintian"
# docker.io always, even when some docker client is on PATH already: the tests need the daemon,
# and a client of its version at /usr/bin/docker. Installed with its recommends (the daemon's
# runtime helpers), unlike the others.
builder_packages="podman buildah docker.io"

test=
list=
for argument; do
	case $argument in
	--test) test=1 ;;
	--list) list=1 ;;
	-h | --help)
		echo "$usage"
		exit 0
		;;
	*)
		echo "install-deps.sh: unknown argument '$argument'; $usage" >&2
		exit 2
		;;
	esac
done
if [ -z "$test" ]; then
	test_packages=
	builder_packages=
fi

if [ -n "$list" ]; then
	# shellcheck disable=SC2086 # the lists are meant to split into words
	printf '%s\n' $build_packages $test_packages $builder_packages
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps.sh: run as root (apt-get installs system packages)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $build_packages $test_packages
if [ -n "$builder_packages" ]; then
	# shellcheck disable=SC2086
	apt-get install -y -qq $builder_packages
fi
