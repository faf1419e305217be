#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Tests of the Debian package (make deb), unpacked into a scratch root with dpkg -x: every file it
# holds, where Debian reads it, with its mode and the content of its source; the versions of the
# Makefile, kimb --version, the package, debian/changelog, CHANGELOG.md and kimb.1 agree; the daily prune,
# run as its installed service runs it, prunes with the packaged kimb (on the kim stand-in); the
# timer is installed but neither enabled nor started.
# Usage: tests/package.sh [-j N] DEB [PATTERN]   (DEB: the package, build/deb/kimb_VERSION_ARCH.deb;
# PATTERN: an extended regular expression; only the tests whose names match it run).

set -u
LC_ALL=C
export LC_ALL
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	printf 'usage: %s [-j N] DEB [PATTERN]\n' "$0" >&2
	exit 2
fi
DEB=$(absolute "$1") || exit 2
PATTERN=${2:-.}
TESTS=$(absolute "$0") || exit 2
TESTS=$(dirname "$TESTS")
ROOT=$(dirname "$TESTS")
if [ ! -f "$DEB" ]; then
	printf '%s: %s is no file; make deb builds it\n' "$0" "$DEB" >&2
	exit 2
fi
CASE_LOGS='stdout stderr'

# The package unpacked in $CASE/root.
unpack()
{
	dpkg-deb -x "$DEB" "$CASE/root" || exit 1
}

# assert_packaged PATH MODE [SOURCE]: the package holds /PATH, a regular file of that (octal) mode,
# with SOURCE's content (a path in the repository) when one is named.
assert_packaged()
{
	assert_regular_file "$CASE/root/$1" "$2" || return
	[ $# -lt 3 ] || cmp -s "$ROOT/$3" "$CASE/root/$1" || fail "/$1 is not $3"
}

test_the_package_holds_each_file_where_debian_reads_it()
{
	unpack
	assert_packaged usr/bin/kimb 755
	assert_packaged usr/share/man/man1/kimb.1.gz 644
	assert_packaged usr/share/bash-completion/completions/kimb 644 completions/kimb.bash
	assert_packaged usr/share/zsh/vendor-completions/_kimb 644 completions/_kimb
	assert_packaged usr/libexec/kimb/kimb-prune-config 755 scripts/kimb-prune-config.sh
	assert_packaged lib/systemd/system/kimb-prune.service 644
	assert_packaged lib/systemd/system/kimb-prune.timer 644 scripts/systemd/kimb-prune.timer
	assert_packaged etc/kimb/prune.conf 644 debian/prune.conf
	assert_packaged usr/share/doc/kimb/copyright 644 debian/copyright
	assert_packaged usr/share/doc/kimb/changelog.gz 644
	run sh -c 'cd "$1" && find . ! -type d | sort' sh "$CASE/root"
	assert_stdout ./etc/kimb/prune.conf ./lib/systemd/system/kimb-prune.service \
		./lib/systemd/system/kimb-prune.timer ./usr/bin/kimb ./usr/libexec/kimb/kimb-prune-config \
		./usr/share/bash-completion/completions/kimb ./usr/share/doc/kimb/changelog.gz \
		./usr/share/doc/kimb/copyright ./usr/share/man/man1/kimb.1.gz ./usr/share/zsh/vendor-completions/_kimb
	gzip -dc "$CASE/root/usr/share/man/man1/kimb.1.gz" | cmp -s - "$ROOT/kimb.1" || fail "the manual is not kimb.1"
	# /etc/kimb/prune.conf is the administrator's: dpkg keeps their changes
	dpkg-deb --ctrl-tarfile "$DEB" | tar -xOf - ./conffiles >"$CASE/conffiles" || fail "the package has no conffiles"
	grep -qx /etc/kimb/prune.conf "$CASE/conffiles" || fail "/etc/kimb/prune.conf is no conffile: $(cat "$CASE/conffiles")"
	# the README's crontab line runs the script the package installs
	script=$(sed -n 's|^[0-9]* [0-9]* \* \* \* .* \(/[^ ]*/kimb-prune-config\) .*|\1|p' "$ROOT/README.md")
	if [ -z "$script" ] || [ ! -x "$CASE/root$script" ]; then
		fail "the README's crontab line runs \"$script\", which the package does not hold"
	fi
	# where bash-completion and Debian's zsh look for completions
	run pkg-config --variable=completionsdir bash-completion
	assert_stdout /usr/share/bash-completion/completions
	run zsh -c 'print -rl -- $fpath'
	grep -qx /usr/share/zsh/vendor-completions "$CASE/stdout" ||
		fail "Debian's zsh does not read /usr/share/zsh/vendor-completions: $(cat "$CASE/stdout")"
}

# One version, the Makefile's: kimb --version, the package's, debian/changelog's newest entry,
# CHANGELOG.md's newest release and the manual's title line name it.
test_every_version_is_the_makefiles()
{
	unpack
	version=$(make --no-print-directory -s -C "$ROOT" version) || fail "make version failed"
	[ -n "$version" ] || fail "make version printed nothing"
	run "$CASE/root/usr/bin/kimb" --version
	assert_status 0
	assert_stdout "kimb $version"
	run dpkg-deb -f "$DEB" Version
	assert_stdout "$version"
	case $(basename "$DEB") in
	"kimb_${version}_"*.deb) ;;
	*) fail "the package is called $(basename "$DEB"), not kimb_${version}_ARCH.deb" ;;
	esac
	run dpkg-parsechangelog -l "$ROOT/debian/changelog" -S Version
	assert_stdout "$version"
	run sed -n 's/^## \[\([0-9][^]]*\)\].*/\1/p' "$ROOT/CHANGELOG.md"
	[ "$(sed -n 1p "$CASE/stdout")" = "$version" ] ||
		fail "CHANGELOG.md's newest release is $(sed -n 1p "$CASE/stdout"), not $version"
	grep -q "^\.TH KIMB 1 [0-9-]* \"kimb $version\" " "$ROOT/kimb.1" || fail "kimb.1's title line does not name kimb $version"
}

# The service's lines NAME=... (Environment= lines as VARIABLE=VALUE), from the packaged unit.
unit_lines()
{
	sed -n "s/^$1=//p" "$CASE/root/lib/systemd/system/kimb-prune.service"
}

# The daily prune as the packaged service runs it, in the scratch root: its ExecStart (the packaged
# script, /etc/kimb/prune.conf) with its environment, but the PATH that finds the packaged kimb
# first, and kim and kubectl stand-ins. The packaged prune.conf lists no repository: the run fails
# and says so; with one listed, that repository's replaced image goes, and the rest stays.
test_the_service_prunes_with_the_packaged_kimb()
{
	unpack
	exec_start=$(unit_lines ExecStart)
	case $exec_start in
	"/usr/libexec/kimb/kimb-prune-config /etc/kimb/prune.conf "*) ;;
	*) fail "the service runs $exec_start" ;;
	esac
	mkdir "$CASE/kim" "$CASE/kubectl" || exit 1
	old=$(id_of old)
	new=$(id_of new)
	KIM_STUB_DIR=$CASE/kim "$TESTS/kim" --stub-seed "$old" localhost/whoami/web:20261201.000000 || exit 1
	KIM_STUB_DIR=$CASE/kim "$TESTS/kim" --stub-seed "$new" localhost/whoami/web:latest \
		localhost/whoami/web:20261202.000000 || exit 1
	KIM_STUB_DIR=$CASE/kim "$TESTS/kim" --stub-seed "$(id_of other)" other/app:latest || exit 1
	# shellcheck disable=SC2046,SC2086 # the unit's words, as systemd splits them here
	set -- $(printf '%s\n' "$exec_start" | sed "s|/usr/libexec/|$CASE/root/usr/libexec/|; s|/etc/kimb/|$CASE/root/etc/kimb/|")
	environment=$(unit_lines Environment | grep -v '^PATH=')
	path=$(unit_lines Environment | sed -n 's/^PATH=//p')
	# shellcheck disable=SC2086 # VARIABLE=VALUE words without blanks
	run env $environment PATH="$CASE/root/usr/bin:$path" KIMB_KIM="$TESTS/kim" KIM_STUB_DIR="$CASE/kim" \
		KIMB_KUBECTL="$TESTS/kubectl" KUBECTL_STUB_DIR="$CASE/kubectl" KIMB_STATE_DIR="$CASE/state" "$@"
	assert_status 2
	assert_stderr_has "lists no repository"
	echo localhost/whoami/web >>"$CASE/root/etc/kimb/prune.conf"
	# shellcheck disable=SC2086
	run env $environment PATH="$CASE/root/usr/bin:$path" KIMB_KIM="$TESTS/kim" KIM_STUB_DIR="$CASE/kim" \
		KIMB_KUBECTL="$TESTS/kubectl" KUBECTL_STUB_DIR="$CASE/kubectl" KIMB_STATE_DIR="$CASE/state" "$@"
	assert_status 0
	assert_stderr_has "removed 1 image"
	run env KIM_STUB_DIR="$CASE/kim" KIM_STUB_INSPECT=1 "$TESTS/kim" image ls -a --no-trunc
	awk 'NR > 1 { print $1, $2 }' "$CASE/stdout" | sort >"$CASE/left"
	printf '%s\n' 'localhost/whoami/web 20261202.000000' 'localhost/whoami/web latest' 'other/app latest' >"$CASE/expected-left"
	cmp -s "$CASE/expected-left" "$CASE/left" || fail "the store holds $(cat "$CASE/left")"
}

# The maintainer scripts as dpkg runs them, with stand-ins for systemd's helpers that log their
# calls and answer as deb-systemd-helper does: on a first install the timer is neither enabled nor
# started (deb-systemd-helper's was-enabled is true where it has no state yet, which is how a
# package enables a unit by default); on an upgrade it stays as the administrator left it. The
# units would be started only where systemd runs (/run/systemd/system): the postinst must have no
# call that starts them.
test_the_timer_is_installed_but_not_enabled()
{
	mkdir "$CASE/bin" "$CASE/control" || exit 1
	dpkg-deb -e "$DEB" "$CASE/control" || exit 1
	for helper in deb-systemd-helper deb-systemd-invoke systemctl; do
		cat >"$CASE/bin/$helper" <<EOF
#!/bin/sh
printf '%s %s\n' "$helper" "\$*" >>"$CASE/calls"
case "\$*" in
*debian-installed*) [ -e "$CASE/installed" ] ;;
*was-enabled*) [ ! -e "$CASE/installed" ] || [ -e "$CASE/enabled" ] ;;
esac
EOF
		chmod +x "$CASE/bin/$helper"
	done
	! grep -n 'deb-systemd-invoke.*start\|_dh_action' "$CASE/control/postinst" ||
		fail "the postinst starts a unit where systemd runs"
	for step in 'preinst install' 'postinst configure'; do
		[ -e "$CASE/control/${step% *}" ] || continue
		run env PATH="$CASE/bin:$PATH" DPKG_ROOT= "$CASE/control/${step% *}" "${step#* }"
		assert_status 0
	done
	! grep -E ' (enable|start|restart)( |$)' "$CASE/calls" || fail "a first install enables or starts a unit"
	: >"$CASE/installed"
	for enabled in no yes; do
		[ "$enabled" = no ] || : >"$CASE/enabled"
		: >"$CASE/calls"
		run env PATH="$CASE/bin:$PATH" DPKG_ROOT= "$CASE/control/postinst" configure 0.0.9
		assert_status 0
		if [ "$enabled" = yes ]; then
			grep -qx "deb-systemd-helper enable kimb-prune.timer" "$CASE/calls" ||
				fail "an upgrade does not keep the timer the administrator enabled: $(cat "$CASE/calls")"
		else
			! grep -E ' (enable|start|restart)( |$)' "$CASE/calls" || fail "an upgrade enables a disabled timer"
		fi
	done
}

for name in $(functions_named test | grep -E -e "$PATTERN"); do
	run_test "$name" "$name"
done

summary
