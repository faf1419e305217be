#!/bin/sh
# Runs `kimb prune` for the repositories a configuration file lists: what the VM's daily timer
# (scripts/systemd/kimb-prune.service) runs, and what a crontab line can run elsewhere.
# scripts/provision.sh installs it as /usr/local/libexec/kimb/kimb-prune-config; make install-systemd
# as LIBEXECDIR/kimb/kimb-prune-config, and the Debian package as /usr/libexec/kimb/kimb-prune-config.
#
# Usage: kimb-prune-config CONFIG [KIMB OPTION...]
#   CONFIG        one repository a line, named as to `kimb -t`; `#` starts a comment that runs to
#                 the end of the line; blank lines and blanks around a name are ignored. A file
#                 edited on Windows reads the same: a CR before each line's end is dropped, and so
#                 is a UTF-8 byte-order mark at the start of the file.
#   KIMB OPTION   kimb's options and the builder's global flags (--builder=kim, --keep=2, -n NS),
#                 given to kimb before `prune`.
# Runs `kimb [KIMB OPTION...] prune REPOSITORY...` with the kimb on PATH (or $KIMB_PRUNE_KIMB) in
# its place, so that kimb's own exit status is the job's (kimb(1), "Exit status").
# Exit status, before kimb runs: 1 when CONFIG cannot be read, 2 usage: no CONFIG, a CONFIG that
# lists no repository (a timer that prunes nothing every night must say so as a failure, as kimb
# calls a `prune` without repositories a usage error), or a line of it that holds more than one
# word, a word that begins with `-` (which kimb would take for an option), or a CR inside it, not
# at its end (a file with CR line endings alone, whose first comment would otherwise take every
# line with it).
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

# The repositories, one a line; "$@" keeps the kimb options meanwhile.
repositories=
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
	set -f
	# shellcheck disable=SC2086 # split into words on purpose; globbing is off
	for word in $line; do
		words=$((words + 1))
		repository=$word
	done
	set +f
	[ "$words" -ne 0 ] || continue
	if [ "$words" -gt 1 ]; then
		printf '%s: %s:%d: one repository a line, found %d words\n' "$me" "$config" "$number" "$words" >&2
		exit 2
	fi
	case $repository in
	-*)
		printf '%s: %s:%d: "%s" is no repository (it would reach kimb as an option)\n' \
			"$me" "$config" "$number" "$repository" >&2
		exit 2
		;;
	esac
	repositories="$repositories$repository
"
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

set -- "$@" prune
set -f
IFS='
'
for repository in $repositories; do
	set -- "$@" "$repository"
done
exec "${KIMB_PRUNE_KIMB:-kimb}" "$@"
