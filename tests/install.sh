#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Tests of `make install`, `make install-systemd` and `make uninstall` into a throwaway DESTDIR: the
# binary, the manual and both completions land where they are read, with their modes; bash-completion
# and zsh's compinit find the completions there; the daily prune's script and units where the
# service runs it; uninstall leaves no file behind.
# Usage: tests/install.sh [PATTERN]   (PATTERN: an extended regular expression; only the tests whose
# names match it run). Runs make in the repository this script is in.

set -u
LC_ALL=C
export LC_ALL
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

if [ $# -gt 1 ]; then
	printf 'usage: %s [PATTERN]\n' "$0" >&2
	exit 2
fi
PATTERN=${1:-.}
TESTS=$(absolute "$0") || exit 2
ROOT=$(dirname "$(dirname "$TESTS")")
MAKE=${MAKE:-make}
BASH_COMPLETION=${BASH_COMPLETION:-/usr/share/bash-completion/bash_completion}
CASE_LOGS='stdout stderr'

# make_in_root ARGUMENTS...: make in the repository, quietly, its output in $CASE/stdout and stderr.
make_in_root()
{
	run "$MAKE" --no-print-directory -s -C "$ROOT" "$@"
	assert_status 0
}

# The bash completions directory make uses by default for PREFIX $1.
bash_completions_dir()
{
	pkg-config --define-variable=prefix="$1" --define-variable=datadir="$1/share" --variable=completionsdir \
		bash-completion 2>/dev/null || printf '%s/share/bash-completion/completions\n' "$1"
}

test_install_puts_everything_where_it_is_read()
{
	make_in_root install DESTDIR="$CASE/root"
	root=$CASE/root
	assert_regular_file "$root/usr/local/bin/kimb" 755
	assert_regular_file "$root/usr/local/share/man/man1/kimb.1" 644
	bash_dir=$(bash_completions_dir /usr/local)
	[ "$bash_dir" = /usr/local/share/bash-completion/completions ] ||
		fail "bash-completion's completionsdir under /usr/local is $bash_dir"
	assert_regular_file "$root$bash_dir/kimb" 644
	assert_regular_file "$root/usr/local/share/zsh/site-functions/_kimb" 644
	cmp -s "$ROOT/completions/kimb.bash" "$root$bash_dir/kimb" || fail "the bash completion differs from its source"
	cmp -s "$ROOT/completions/_kimb" "$root/usr/local/share/zsh/site-functions/_kimb" ||
		fail "the zsh completion differs from its source"
	run "$root/usr/local/bin/kimb" --version
	assert_stdout "$("$ROOT/kimb" --version)"
	cmp -s "$ROOT/kimb.1" "$root/usr/local/share/man/man1/kimb.1" || fail "the installed manual differs from kimb.1"
	run mandoc -Tascii "$root/usr/local/share/man/man1/kimb.1"
	assert_status 0
	# its bold and underlined letters overstruck: a letter, a backspace, the letter or _
	# (words joined across the lines the manual wraps at)
	sed 's/.\x08//g' "$CASE/stdout" | tr '\n' ' ' | tr -s ' ' | grep -q 'kimb --complete=WHAT' ||
		fail "the installed manual does not render"
}

# The shells find them there: bash-completion in XDG_DATA_DIRS, which holds /usr/local/share by
# default; zsh in its fpath, which holds /usr/local/share/zsh/site-functions on Debian.
test_the_shells_load_the_installed_completions()
{
	make_in_root install DESTDIR="$CASE/root"
	if [ ! -r "$BASH_COMPLETION" ]; then
		skip "bash-completion is not installed ($BASH_COMPLETION)"
	fi
	# shellcheck disable=SC2016 # $1 is the inner shell's
	run env XDG_DATA_DIRS="$CASE/root/usr/local/share" bash --norc --noprofile -c \
		'. "$1" && __load_completion kimb && complete -p kimb' bash "$BASH_COMPLETION"
	assert_stdout "complete -F _kimb kimb"
	run bash --norc --noprofile -c '. "$1" && printf "%s\n" "${XDG_DATA_DIRS:-/usr/local/share:/usr/share}"' \
		bash "$BASH_COMPLETION"
	case ":$(cat "$CASE/stdout"):" in
	*:/usr/local/share:*) ;;
	*) fail "bash-completion does not read /usr/local/share: XDG_DATA_DIRS is $(cat "$CASE/stdout")" ;;
	esac
	command -v zsh >/dev/null || skip "zsh is not installed"
	run zsh -f -c 'fpath=("$1" $fpath); autoload -Uz compinit && compinit -u -D && print -r -- $_comps[kimb]' \
		zsh "$CASE/root/usr/local/share/zsh/site-functions"
	assert_stdout _kimb
	run zsh -c 'print -rl -- $fpath'
	grep -qx /usr/local/share/zsh/site-functions "$CASE/stdout" ||
		fail "zsh's fpath lacks /usr/local/share/zsh/site-functions: $(cat "$CASE/stdout")"
}

test_every_directory_can_be_chosen()
{
	make_in_root install DESTDIR="$CASE/root" PREFIX=/opt/kimb BASH_COMPLETION_DIR=/etc/bash \
		ZSH_COMPLETION_DIR=/etc/zsh MANDIR=/opt/man
	assert_regular_file "$CASE/root/opt/kimb/bin/kimb" 755
	assert_regular_file "$CASE/root/opt/man/man1/kimb.1" 644
	assert_regular_file "$CASE/root/etc/bash/kimb" 644
	assert_regular_file "$CASE/root/etc/zsh/_kimb" 644
	make_in_root install DESTDIR="$CASE/prefix" PREFIX=/opt/kimb
	assert_regular_file "$CASE/prefix$(bash_completions_dir /opt/kimb)/kimb" 644
	assert_regular_file "$CASE/prefix/opt/kimb/share/zsh/site-functions/_kimb" 644
	assert_regular_file "$CASE/prefix/opt/kimb/share/man/man1/kimb.1" 644
}

# make install-systemd: the daily prune's script and its units where systemd reads them, the
# service running the script from where it was put (the VM's unit names /usr/local/libexec).
test_install_systemd_puts_the_prune_where_its_service_runs_it()
{
	for prefix in /usr/local /opt/kimb; do
		make_in_root install-systemd DESTDIR="$CASE/$prefix" PREFIX=$prefix
		root=$CASE/$prefix
		assert_regular_file "$root$prefix/libexec/kimb/kimb-prune-config" 755
		cmp -s "$ROOT/scripts/kimb-prune-config.sh" "$root$prefix/libexec/kimb/kimb-prune-config" ||
			fail "the installed kimb-prune-config differs from its source"
		assert_regular_file "$root$prefix/lib/systemd/system/kimb-prune.service" 644
		assert_regular_file "$root$prefix/lib/systemd/system/kimb-prune.timer" 644
		grep -qx "ExecStart=$prefix/libexec/kimb/kimb-prune-config /etc/kimb/prune.conf --builder=kim" \
			"$root$prefix/lib/systemd/system/kimb-prune.service" ||
			fail "the service under $prefix runs $(grep '^ExecStart=' "$root$prefix/lib/systemd/system/kimb-prune.service")"
		# but for that line, the VM's unit
		grep -v '^ExecStart=' "$root$prefix/lib/systemd/system/kimb-prune.service" >"$CASE/installed-unit"
		grep -v '^ExecStart=' "$ROOT/scripts/systemd/kimb-prune.service" | cmp -s - "$CASE/installed-unit" ||
			fail "the service under $prefix differs from scripts/systemd/kimb-prune.service in more than ExecStart"
	done
	make_in_root install-systemd DESTDIR="$CASE/chosen" LIBEXECDIR=/usr/lib SYSTEMD_UNIT_DIR=/etc/systemd/system
	assert_regular_file "$CASE/chosen/usr/lib/kimb/kimb-prune-config" 755
	grep -qx 'ExecStart=/usr/lib/kimb/kimb-prune-config /etc/kimb/prune.conf --builder=kim' \
		"$CASE/chosen/etc/systemd/system/kimb-prune.service" || fail "LIBEXECDIR=/usr/lib is not the service's"
}

test_uninstall_leaves_no_file()
{
	for prefix in /usr/local /opt/kimb; do
		make_in_root install install-systemd DESTDIR="$CASE/root" PREFIX=$prefix
		make_in_root uninstall DESTDIR="$CASE/root" PREFIX=$prefix
		left=$(find "$CASE/root" ! -type d)
		[ -z "$left" ] || fail "left after uninstall from $prefix: $left"
	done
}

for name in $(functions_named test | grep -E -e "$PATTERN"); do
	run_test "$name" "$name"
done

summary
