#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Provisions kimb's VM (the Vagrantfile runs it as root on Debian 12), in this order:
#   1. the tools it uses itself (curl, ca-certificates, rsync) and AppArmor's parser, which k3s's
#      containerd needs, from Debian's packages;
#   2. k3s at the version pinned below, its binary checked against its SHA-256, kubectl as a link
#      to it, its configuration and a systemd unit of its own; started;
#   3. kim at the version pinned below, checked likewise;
#   4. kimb's build dependencies only (scripts/install-deps.sh, plain);
#   5. kimb built in a copy of SOURCE (never in SOURCE, which may be the user's clone, shared with
#      the host) and installed under /usr/local, with the script the timer runs;
#   6. /etc/kimb/prune.conf (only when there is none), kimb-prune.service and kimb-prune.timer,
#      enabled: a daily `kimb --builder=kim prune` of the repositories that file lists; and
#      /etc/tmpfiles.d/kimb.conf, which makes kimb's lock directory root's and sticky;
#   7. kubeconfig links for root and vagrant, so that kim and kubectl reach k3s;
#   8. once the k3s node is ready, `kim builder install`, and a wait until the builder is ready.
#
# Usage: scripts/provision.sh [SOURCE]   (SOURCE: a clone of kimb; default: this script's clone)
#
# Run again, it changes nothing that is already as it should be: each step checks before it acts
# (a binary with the pinned hash is not downloaded, an identical file is not rewritten, no
# daemon-reload without a changed unit, a started service is not restarted unless its unit,
# configuration or binary changed) and says what it did or that there was nothing to do; the
# last line counts the changes.
# Exit status: 0 provisioned, 1 a step failed (it says which on stderr), 2 usage.
#
# For tests only (tests/vm-files.sh runs it in a throwaway directory, with stand-ins for curl,
# systemctl, apt-get, dpkg-query, k3s and kim first on PATH): PROVISION_ROOT=DIR makes DIR stand
# for / in every path the script reads or writes itself (the commands it runs are taken from
# PATH as always), lifts the root check, and only then do PROVISION_TEST_K3S_SHA256 and
# PROVISION_TEST_KIM_SHA256 replace the pinned hashes, so that the test's stand-in downloads pass.
set -eu

# --- the pinned versions ----------------------------------------------------------------------
# k3s v1.24.7+k3s1. kim v0.1.0-beta.7's agent talks to containerd through the CRI v1alpha2 API;
# this k3s's containerd (1.5, as k3s patches it) serves it, as k3s's did through the 1.2x
# releases, until containerd 2.0 dropped it (k3s 1.32 ships containerd 2.0). kim's own CI ran
# rancher/k3s:v1.20.2-k3s1, from before k3s's cgroup v2 support settled, and Debian 12's kernel
# mounts cgroup v2 only: hence a release nearly two years newer. Among those that would do, this
# is the newest whose published SHA-256 could be found for this script (a newer 1.2x, once
# pinned, would do as well). What kim installs (a Namespace, Secrets, a NodePort Service, an
# apps/v1 DaemonSet) means the same in 1.24 as in 1.20.
K3S_VERSION=v1.24.7+k3s1
K3S_URL=https://github.com/k3s-io/k3s/releases/download/v1.24.7%2Bk3s1/k3s
# The SHA-256 of that file: the `k3s` line of the release's sha256sum-amd64.txt, as
# kubesphere/kubekey's version/components.json records it ("k3s" > "amd64" > "v1.24.7").
K3S_SHA256=ec346c909f23b32f9ab7c3ccf5bfa74c89a0515191701ede83556345b70abdca
# kim v0.1.0-beta.7, its last release; its builder runs rancher/kim:v0.1.0-beta.7 and
# moby/buildkit:v0.8.3.
KIM_VERSION=v0.1.0-beta.7
KIM_URL=https://github.com/rancher/kim/releases/download/v0.1.0-beta.7/kim-linux-amd64
# The SHA-256 of that file. NOT YET PINNED: no published value of it could be found when this was
# written. While this line is empty, the download is checked against the release's own
# sha256sum.txt (which finds a broken download, not a replaced release) and the script prints
# the value to pin here after checking it yourself.
KIM_SHA256=
KIM_SUMS_URL=https://github.com/rancher/kim/releases/download/v0.1.0-beta.7/sha256sum.txt
# ------------------------------------------------------------------------------------------------

me=provision
usage="usage: scripts/provision.sh [SOURCE]"
say() { printf '%s: %s\n' "$me" "$*"; }
fail()
{
	printf '%s: %s\n' "$me" "$*" >&2
	exit 1
}
changes=0
# did WHAT: a change made.
did()
{
	changes=$((changes + 1))
	say "$*"
}

case ${1-} in
-h | --help)
	echo "$usage"
	exit 0
	;;
-*)
	echo "$me: unknown option '$1'; $usage" >&2
	exit 2
	;;
esac
[ $# -le 1 ] || {
	echo "$me: one SOURCE at most; $usage" >&2
	exit 2
}
source=${1:-$(cd "$(dirname "$0")/.." && pwd)}
if [ ! -f "$source/Makefile" ] || [ ! -x "$source/scripts/install-deps.sh" ]; then
	fail "$source is no clone of kimb (no Makefile or scripts/install-deps.sh)"
fi
source=$(cd "$source" && pwd)

root=${PROVISION_ROOT:-}
if [ -n "$root" ] && [ "$root" != / ]; then
	case $root in
	/*) ;;
	*) fail "PROVISION_ROOT must be an absolute path, not $root" ;;
	esac
	[ -d "$root" ] || fail "PROVISION_ROOT $root is no directory"
	# Set, even to nothing (which stands for a line not yet pinned), they replace the pins.
	K3S_SHA256=${PROVISION_TEST_K3S_SHA256-$K3S_SHA256}
	KIM_SHA256=${PROVISION_TEST_KIM_SHA256-$KIM_SHA256}
else
	root=
	[ "$(id -u)" -eq 0 ] || fail "run as root (it installs packages, binaries and systemd units)"
fi
[ -n "$K3S_SHA256" ] || fail "no SHA-256 of k3s is pinned (K3S_SHA256); nothing is installed unchecked"
[ "$(uname -m)" = x86_64 ] || fail "the pinned k3s and kim are amd64 binaries; this machine is $(uname -m)"

# Commands installed here are found even where PATH lacks /usr/local (a stand-in earlier on PATH
# still wins, which the tests rely on).
case :$PATH: in
*:/usr/local/bin:*) ;;
*) PATH=$PATH:/usr/local/sbin:/usr/local/bin ;;
esac
KUBECONFIG=/etc/rancher/k3s/k3s.yaml
export PATH KUBECONFIG DEBIAN_FRONTEND=noninteractive

work=$(mktemp -d "${TMPDIR:-/tmp}/kimb-provision.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

sha256_of() { sha256sum "$1" | cut -d ' ' -f 1; }

# missing_packages PACKAGE...: prints those dpkg does not have installed.
missing_packages()
{
	for package; do
		dpkg-query -W -f='${Status}\n' "$package" 2>/dev/null | grep -q '^install ok installed$' ||
			printf ' %s' "$package"
	done
}

# fetch_verified URL SHA256 TARGET: downloads URL beside TARGET and, when its SHA-256 is SHA256,
# renames it to TARGET with mode 755 (so TARGET is never half written); otherwise removes it.
fetch_verified()
{
	partial=$3.provision-download
	rm -f "$partial"
	curl -fsSL --retry 3 -o "$partial" "$1" || {
		rm -f "$partial"
		fail "could not download $1"
	}
	actual=$(sha256_of "$partial")
	if [ "$actual" != "$2" ]; then
		rm -f "$partial"
		fail "$1: SHA-256 $actual, expected $2; not installed"
	fi
	chmod 755 "$partial"
	mv -f "$partial" "$3"
}

# put_file FILE TARGET MODE: makes TARGET a copy of FILE with MODE unless it is one already;
# $put is 1 when TARGET changed, else 0.
put_file()
{
	put=0
	if [ -f "$2" ] && [ ! -L "$2" ] && cmp -s "$1" "$2"; then
		if [ "$(stat -c %a "$2")" = "$3" ]; then
			say "$2: up to date"
		else
			chmod "$3" "$2"
			put=1
			did "$2: mode set to $3"
		fi
		return 0
	fi
	mkdir -p "$(dirname "$2")"
	cp "$1" "$2.provision-new"
	chmod "$3" "$2.provision-new"
	mv -f "$2.provision-new" "$2"
	put=1
	did "$2: written"
}

# put_link TARGET LINK: makes LINK a symbolic link to TARGET, unless it is one or something else
# stands there (left alone, and said).
put_link()
{
	if [ -L "$2" ] && [ "$(readlink "$2")" = "$1" ]; then
		say "$2 -> $1: up to date"
	elif [ -e "$2" ] || [ -L "$2" ]; then
		say "$2: exists and is not a link to $1; left as it is"
	else
		mkdir -p "$(dirname "$2")"
		ln -s "$1" "$2"
		did "$2 -> $1: linked"
	fi
}

# enable_and_start UNIT RESTART: enables UNIT and starts it, each unless already so; a running
# UNIT is restarted when RESTART is 1 (its unit, configuration or binary changed).
enable_and_start()
{
	if systemctl is-enabled --quiet "$1"; then
		say "$1: enabled already"
	else
		systemctl enable --quiet "$1"
		did "$1: enabled"
	fi
	if ! systemctl is-active --quiet "$1"; then
		systemctl start "$1"
		did "$1: started"
	elif [ "$2" = 1 ]; then
		systemctl restart "$1"
		did "$1: restarted, since it changed"
	else
		say "$1: running already"
	fi
}

# wait_for SECONDS WHAT COMMAND...: runs COMMAND every 2 seconds until it succeeds, for at most
# SECONDS.
wait_for()
{
	seconds=$1
	what=$2
	shift 2
	deadline=$(($(date +%s) + seconds))
	until "$@"; do
		[ "$(date +%s)" -lt "$deadline" ] || fail "$what: not after $seconds seconds"
		sleep 2
	done
	say "$what: yes"
}

# --- 1. the tools this script uses, and AppArmor's parser ------------------------------------------
# Debian's kernel has AppArmor on; k3s's containerd then loads a profile for every container with
# apparmor_parser, and without it no pod starts ("apparmor_parser": executable file not found).
missing=$(missing_packages curl ca-certificates rsync apparmor)
if [ -n "$missing" ]; then
	apt-get update -qq
	# shellcheck disable=SC2086 # a list of package names
	apt-get install -y -qq --no-install-recommends $missing
	did "installed$missing"
else
	say "curl, ca-certificates, rsync, apparmor: installed already"
fi

# --- 2. k3s -------------------------------------------------------------------------------------
bin=$root/usr/local/bin
mkdir -p "$bin"
k3s_changed=0
if [ -f "$bin/k3s" ] && [ "$(sha256_of "$bin/k3s")" = "$K3S_SHA256" ]; then
	say "k3s $K3S_VERSION: $bin/k3s has the pinned SHA-256; not downloaded"
else
	fetch_verified "$K3S_URL" "$K3S_SHA256" "$bin/k3s"
	k3s_changed=1
	did "k3s $K3S_VERSION: downloaded, SHA-256 checked, installed as $bin/k3s"
fi
# kimb and kim find kubectl on PATH; k3s is kubectl when called so.
put_link k3s "$bin/kubectl"

# traefik and servicelb are left out as kim's CI did: the builder needs neither, and the VM's
# memory is better spent on builds. The kubeconfig is readable by everyone, so that the vagrant
# user's kim reaches the cluster (a single-user test machine).
cat >"$work/config.yaml" <<'EOF'
# Written by kimb's scripts/provision.sh; read by k3s.service.
write-kubeconfig-mode: "0644"
disable:
  - traefik
  - servicelb
EOF
put_file "$work/config.yaml" "$root/etc/rancher/k3s/config.yaml" 644
[ "$put" = 0 ] || k3s_changed=1

# --- 3. kim -------------------------------------------------------------------------------------
if [ -n "$KIM_SHA256" ]; then
	if [ -f "$bin/kim" ] && [ "$(sha256_of "$bin/kim")" = "$KIM_SHA256" ]; then
		say "kim $KIM_VERSION: $bin/kim has the pinned SHA-256; not downloaded"
	else
		fetch_verified "$KIM_URL" "$KIM_SHA256" "$bin/kim"
		did "kim $KIM_VERSION: downloaded, SHA-256 checked, installed as $bin/kim"
	fi
elif [ -x "$bin/kim" ] && "$bin/kim" --version 2>/dev/null | grep -qF " $KIM_VERSION "; then
	say "kim $KIM_VERSION: $bin/kim says it is that version; not downloaded (its SHA-256 is not pinned)"
else
	curl -fsSL --retry 3 -o "$work/kim-sums" "$KIM_SUMS_URL" || fail "could not download $KIM_SUMS_URL"
	published=$(awk '$NF == "kim-linux-amd64" || $NF == "*kim-linux-amd64" { print $1 }' "$work/kim-sums")
	case $published in
	[0-9a-f]*) [ ${#published} -eq 64 ] || fail "$KIM_SUMS_URL: no single SHA-256 of kim-linux-amd64" ;;
	*) fail "$KIM_SUMS_URL: no SHA-256 of kim-linux-amd64" ;;
	esac
	fetch_verified "$KIM_URL" "$published" "$bin/kim"
	did "kim $KIM_VERSION: downloaded, installed as $bin/kim"
	{
		printf "%s: WARNING: kim's SHA-256 is not pinned in scripts/provision.sh: the download was\n" "$me"
		printf "%s: checked against the release's sha256sum.txt only. Check it, then pin it:\n" "$me"
		printf '%s: KIM_SHA256=%s\n' "$me" "$published"
	} >&2
fi

# --- 4. kimb's build dependencies -------------------------------------------------------------
packages=$("$source/scripts/install-deps.sh" --list)
# shellcheck disable=SC2086 # a list of package names
missing=$(missing_packages $packages)
if [ -n "$missing" ]; then
	"$source/scripts/install-deps.sh"
	did "installed kimb's build dependencies:$missing"
else
	say "kimb's build dependencies: installed already"
fi

# --- 5. kimb, built in a copy of SOURCE -------------------------------------------------------
# rsync compares contents (--checksum), not sizes and times, which miss an edit of the same size
# within the same second; and gives what it copies the time it copies it (--no-times), newer than
# anything built before, so that make rebuilds exactly what changed. Unchanged files keep their
# times. The host's build output, the git directory (or a worktree's .git file) and Vagrant's
# state stay out; --delete leaves the copy's own build/ alone.
copy=$root/var/lib/kimb-vm/source
mkdir -p "$copy"
rsync -a --no-times --checksum --delete --itemize-changes --exclude=/.git --exclude=/.vagrant/ --exclude=/build/ \
	--exclude=/kimb "$source/" "$copy/" >"$work/rsync"
if [ -s "$work/rsync" ]; then
	did "$copy: $(awk 'END { print NR }' "$work/rsync") paths copied from $source"
else
	say "$copy: the same as $source"
fi
if make -C "$copy" -q all >/dev/null 2>&1; then
	say "kimb: built already in $copy"
else
	make -C "$copy" -s all
	did "kimb: built in $copy"
fi
# make install into a stage, then only what differs from the installed files is copied, so that
# an unchanged kimb leaves /usr/local untouched (make install would copy every file again).
make -C "$copy" -s install DESTDIR="$work/stage" PREFIX=/usr/local >/dev/null
kimb_changed=0
(cd "$work/stage" && find . ! -type d) | sed 's|^\./||' >"$work/staged"
while IFS= read -r path; do
	if [ -L "$work/stage/$path" ]; then
		put_link "$(readlink "$work/stage/$path")" "$root/$path"
	else
		put_file "$work/stage/$path" "$root/$path" "$(stat -c %a "$work/stage/$path")"
		[ "$put" = 0 ] || kimb_changed=1
	fi
done <"$work/staged"
put_file "$copy/scripts/kimb-prune-config.sh" "$root/usr/local/libexec/kimb/kimb-prune-config" 755

# --- 6. the prune configuration and the timer -------------------------------------------------
if [ -e "$root/etc/kimb/prune.conf" ] || [ -L "$root/etc/kimb/prune.conf" ]; then
	say "$root/etc/kimb/prune.conf: exists; left as it is"
else
	cat >"$work/prune.conf" <<'EOF'
# The repositories kimb-prune.timer prunes daily, with `kimb --builder=kim prune REPOSITORY...`:
# one a line, named as to `kimb -t` (localhost/whoami/web). `#` starts a comment.
# While none is listed, the daily run fails and says so (systemctl status kimb-prune.service); so
# does a line kimb finds no image of and no record (a typo: it names the closest repository).
EOF
	put_file "$work/prune.conf" "$root/etc/kimb/prune.conf" 644
fi

# kimb's lock directory, shared by the timer's run and the users' builds: root's and sticky, as /tmp
# is, from boot on (systemd-tmpfiles makes it, or sets its owner and mode), and at once. Made by
# whoever ran kimb first, a user's would be refused by root's timer and by the other users.
cat >"$work/tmpfiles.conf" <<'EOF'
# Installed by scripts/provision.sh: kimb's lock directory, root's and sticky (kimb(1)).
d /tmp/kimb-locks 1777 root root -
EOF
put_file "$work/tmpfiles.conf" "$root/etc/tmpfiles.d/kimb.conf" 644
if [ "$put" = 1 ]; then
	systemd-tmpfiles --create "$root/etc/tmpfiles.d/kimb.conf"
	did "/tmp/kimb-locks: made root's and sticky"
fi

units_changed=0
for unit in k3s.service kimb-prune.service kimb-prune.timer; do
	put_file "$copy/scripts/systemd/$unit" "$root/etc/systemd/system/$unit" 644
	[ "$put" = 0 ] || units_changed=1
	[ "$put" = 0 ] || [ "$unit" != k3s.service ] || k3s_changed=1
done
if [ "$units_changed" = 1 ]; then
	systemctl daemon-reload
	did "systemd: units reloaded"
else
	say "systemd: no unit changed; not reloaded"
fi
enable_and_start k3s.service "$k3s_changed"
enable_and_start kimb-prune.timer 0

# --- 7. kubeconfig for kim and kubectl ------------------------------------------------------------
# kim reads ~/.kube/config unless KUBECONFIG is set, which `vagrant ssh -c` does not set.
for home in "$root/root" "$root/home/vagrant"; do
	[ -d "$home" ] || continue
	if [ ! -d "$home/.kube" ]; then
		mkdir "$home/.kube"
		chown --reference="$home" "$home/.kube"
		did "$home/.kube: made"
	fi
	put_link /etc/rancher/k3s/k3s.yaml "$home/.kube/config"
done

# --- 8. kim's builder -----------------------------------------------------------------------------
node_ready()
{
	k3s kubectl get nodes -o 'jsonpath={.items[*].status.conditions[?(@.type=="Ready")].status}' \
		2>/dev/null | grep -q True
}
wait_for 300 "the k3s node is ready" node_ready
if k3s kubectl --namespace kube-image get daemonset builder >/dev/null 2>&1; then
	say "kim's builder: installed already"
else
	# --no-wait: kim's own wait gives up after about a minute, less than the first pull of the
	# builder's images can take; the wait below is longer.
	kim builder install --no-wait
	did "kim's builder: installed"
fi
builder_ready()
{
	ready=$(k3s kubectl --namespace kube-image get daemonset builder -o 'jsonpath={.status.numberReady}' \
		2>/dev/null) || return 1
	[ "${ready:-0}" -ge 1 ] 2>/dev/null
}
wait_for 600 "kim's builder is ready" builder_ready
[ "$kimb_changed" = 0 ] || say "kimb: installed as $root/usr/local/bin/kimb"

say "done: $changes changes"
