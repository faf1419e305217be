#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Runs `kimb prune` for the repositories a configuration file lists: what the VM's daily timer
# (scripts/systemd/kimb-prune.service) runs, and what a crontab line can run elsewhere.
# scripts/provision.sh installs it as /usr/local/libexec/kimb/kimb-prune-config; make install-systemd
# as LIBEXECDIR/kimb/kimb-prune-config, and the Debian package as /usr/libexec/kimb/kimb-prune-config.
#
# Usage: kimb-prune-config CONFIG [KIMB OPTION...]
#   CONFIG        one repository a line, named as to `kimb -t`, optionally followed by options of
#                 its own: --keep=N, --keep-within=D, --protect=GLOB (repeatable), each as one
#                 word; `#` starts a comment that runs to the end of the line; blank lines and
#                 blanks around words are ignored. A file edited on Windows reads the same: a CR
#                 before each line's end is dropped, and so is a UTF-8 byte-order mark at the start
#                 of the file.
#   KIMB OPTION   kimb's options and the builder's global flags (--builder=kim, --keep=2, -n NS),
#                 given to kimb before `prune`.
# Runs `kimb [KIMB OPTION...] prune REPOSITORY...` for the lines without options of their own, with
# the kimb on PATH (or $KIMB_PRUNE_KIMB), in its place when every line is such, so that kimb's own
# exit status is the job's (kimb(1), "Exit status"); then, for each line with options,
# `kimb [KIMB OPTION...] [ITS OPTIONS...] prune REPOSITORY` (its options win, and its globs add to
# the given ones). Each run is made whatever the one before it did; the status is the first
# failed run's, else 0.
# Exit status, before kimb runs: 1 when CONFIG cannot be read, 2 usage: no CONFIG, a CONFIG that
# lists no repository (a timer that prunes nothing every night must say so as a failure, as kimb
# calls a `prune` without repositories a usage error), or a line of it whose repository begins with
# `-` (which kimb would take for an option), whose other words are not the options above, or that
# holds a CR inside it, not at its end (a file with CR line endings alone, whose first comment
# would otherwise take every line with it).
set -u

me=kimb-prune-config
if [ $# -eq 0 ] || [ "$1" = -h ] || [ "$1" = --help ]; then
	echo "usage: $me CONFIG [KIMB OPTION...]" >&2
	[ $# -eq 0 ] && exit 2
	exit 0
fi
config=$1
shift
if [ ! -f "$config" ] || [ ! -r "$config" ]; then
	printf '%s: cannot read %s\n' "$me" "$config" >&2
	exit 1
fi

# The repositories without options, one a line, and the lines with options ("REPOSITORY OPTION..."),
# one a line; "$@" keeps the kimb options meanwhile.
repositories=
optioned=
count=0
number=0
cr=$(printf '\r')
bom=$(printf '\357\273\277')
while IFS= read -r line || [ -n "$line" ]; do
	number=$((number + 1))
	[ "$number" -ne 1 ] || line=${line#"$bom"}
	line=${line%"$cr"}
	case $line in
	*"$cr"*)
		printf '%s: %s:%d: a carriage return inside the line; save the file with LF or CR LF line endings\n' \
			"$me" "$config" "$number" >&2
		exit 2
		;;
	esac
	line=${line%%#*}
	words=0
	options=
	set -f
	# shellcheck disable=SC2086 # split into words on purpose; globbing is off
	for word in $line; do
		words=$((words + 1))
		if [ "$words" -eq 1 ]; then
			repository=$word
			continue
		fi
		case $word in
		--keep=?* | --keep-within=?* | --protect=?*) options="$options $word" ;;
		*)
			printf '%s: %s:%d: "%s" is none of --keep=N, --keep-within=D, --protect=GLOB; one repository a line, then its options\n' \
				"$me" "$config" "$number" "$word" >&2
			exit 2
			;;
		esac
	done
	set +f
	[ "$words" -ne 0 ] || continue
	case $repository in
	-*)
		printf '%s: %s:%d: "%s" is no repository (it would reach kimb as an option)\n' \
			"$me" "$config" "$number" "$repository" >&2
		exit 2
		;;
	esac
	if [ -n "$options" ]; then
		optioned="$optioned$repository$options
"
	else
		repositories="$repositories$repository
"
	fi
	count=$((count + 1))
done <"$config" || {
	printf '%s: cannot read %s\n' "$me" "$config" >&2
	exit 1
}

if [ "$count" -eq 0 ]; then
	printf '%s: %s lists no repository: list one a line, or stop the timer (systemctl disable --now kimb-prune.timer)\n' \
		"$me" "$config" >&2
	exit 2
fi

program=${KIMB_PRUNE_KIMB:-kimb}
set -f
if [ -z "$optioned" ]; then
	set -- "$@" prune
	IFS='
'
	for repository in $repositories; do
		set -- "$@" "$repository"
	done
	exec "$program" "$@"
fi

# prune_line "REPOSITORY OPTION..." [KIMB OPTION...]: kimb for one line with options.
prune_line()
{
	line=$1
	shift
	repository=${line%% *}
	IFS=' '
	# shellcheck disable=SC2086 # the line's options, split on purpose; globbing is off
	set -- "$@" ${line#* } prune "$repository"
	unset IFS
	"$program" "$@"
}

status=0
if [ -n "$repositories" ]; then
	(
		IFS='
'
		# shellcheck disable=SC2086 # one repository a line, split on purpose; globbing is off
		exec "$program" "$@" prune $repositories
	)
	status=$?
fi
IFS='
'
for line in $optioned; do
	unset IFS
	prune_line "$line" "$@"
	ran=$?
	[ "$status" -ne 0 ] || status=$ran
	IFS='
'
done
exit "$status"
