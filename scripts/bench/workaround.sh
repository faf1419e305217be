#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The workaround of the original report ("Build latest image and delete old ones"), the baseline
# `make bench` measures kimb against. Its logic is the report's, line for line; only the image and
# the build context are arguments instead of literals. It runs `kim` from PATH (the bench puts the
# stand-in tests/kim first).
# Usage: scripts/bench/workaround.sh IMAGE CONTEXT
#
# set -u only: the report's script runs on after a failed build (and then deletes by the old
# latest), which set -e would change.
set -u

image="$1"
version="$(date +"%Y%m%d.%H%M%S")"

kim build -t "${image}:${version}" -t "${image}:latest" "$2"

# Identify the ID of the latest image.
latest_id=$(
  kim image ls |
  awk -v image="${image}" '$1 == image && $2 == "latest" { print $3 }'
)

# Delete old images.
kim image ls |
awk -v image="${image}" -v latest_id="${latest_id}" '$1 == image && $3 != latest_id { print $3 }' |
sort -u |
xargs -rL1 kim image rm
