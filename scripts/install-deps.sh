#!/bin/sh
# Installs what kimb needs to build and to run its tests, from Debian's packages (run as root):
# the compiler and libraries, and the real builders the tests drive (podman, buildah, and a docker
# client, which the tests point at podman's Docker-compatible API).
set -eu

build_packages="build-essential pkg-config libgit2-dev libjansson-dev check"
builder_packages="podman buildah"

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps.sh: run as root (apt-get installs system packages)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086 # the lists are meant to split into words
apt-get install -y -qq --no-install-recommends $build_packages
# shellcheck disable=SC2086
apt-get install -y -qq $builder_packages
# Only the client is used; Debian ships it in docker.io, whose daemon is never started by the tests.
if ! command -v docker >/dev/null 2>&1; then
	apt-get install -y -qq --no-install-recommends docker.io
fi
