# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=sh
# The recorded outputs of tests/fixtures, for the shell tests (sourced by tests/integration.sh and
# tests/test-sh-on-kim.sh, from tests/, or with FIXTURES naming that directory). POSIX sh.
#
#   fixture_with FIXTURE [TEXT REPLACEMENT]...
#       prints tests/fixtures/FIXTURE with every TEXT replaced by its REPLACEMENT, each pair in turn,
#       as text (no pattern); fails, naming it, when a TEXT is not in it, so that a changed fixture
#       cannot leave a test passing on values it no longer holds.
#   deployment_running IMAGE IMAGE_ID
#       prints kubectl/deployment.json, the pods of a cluster where one Deployment's pod runs, its
#       container's image IMAGE (a reference), which the runtime reports as IMAGE_ID (sha256:HEX, or
#       NAME@sha256:HEX with its manifest's digest).
#   workloads_naming ROLLBACK IDLE CRON RUNNING RUNNING_ID
#       prints kubectl/workloads.json, the pods and workloads of a cluster, its images replaced: the
#       old ReplicaSet of Deployment apps/web (scaled to 0, what `kubectl rollout undo` returns to)
#       names ROLLBACK, Deployment apps/api (scaled to 0) IDLE, CronJob batch/nightly CRON; the
#       current ReplicaSet names RUNNING, which its pod runs, reported as RUNNING_ID (as above).

[ -n "${FIXTURES:-}" ] || FIXTURES=$(cd "$(dirname "$0")/fixtures" && pwd) || exit 2

fixture_with()
{
	fixture_file=$FIXTURES/$1
	shift
	# shellcheck disable=SC2016 # awk's $ are its own
	awk 'BEGIN {
		if (ARGC % 2 != 0) {
			print "fixture_with: a TEXT without its REPLACEMENT" > "/dev/stderr"
			exit 1
		}
		for (i = 2; i < ARGC; i += 2) {
			from[++pairs] = ARGV[i]
			to[pairs] = ARGV[i + 1]
		}
		ARGC = 2
	}
	{ text = text $0 "\n" }
	END {
		for (p = 1; p <= pairs; p++) {
			if (!index(text, from[p])) {
				printf "fixture_with: no %s in %s\n", from[p], FILENAME > "/dev/stderr"
				exit 1
			}
			done = ""
			while ((at = index(text, from[p])) > 0) {
				done = done substr(text, 1, at - 1) to[p]
				text = substr(text, at + length(from[p]))
			}
			text = done text
		}
		printf "%s", text
	}' "$fixture_file" "$@"
}

deployment_running()
{
	fixture_with kubectl/deployment.json localhost/whoami/web:20261201.154037 "$1" \
		localhost/whoami/web@sha256:9d2637982d75730ffae0acc86d33d196adba379cc846d689564f9f62f263fe59 "$2"
}

workloads_naming()
{
	fixture_with kubectl/workloads.json localhost/whoami/web:20261201.154037 "$1" \
		localhost/whoami/api:20261201.154102 "$2" localhost/whoami/report:20261201.155000 "$3" \
		localhost/whoami/web:20261201.160200 "$4" \
		localhost/whoami/web@sha256:2f1c0b7a9e8d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a3928170615f4e3 "$5"
}
