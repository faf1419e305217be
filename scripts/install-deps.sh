#!/bin/sh
# Installs what kimb needs to build and to run its tests, from Debian's packages (run as root).
set -eu

packages="build-essential pkg-config libgit2-dev check"

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps.sh: run as root (apt-get installs system packages)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086 # the list is meant to split into words
apt-get install -y -qq --no-install-recommends $packages
