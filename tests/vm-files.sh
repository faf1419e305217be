#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Checks the VM's files without a VM:
# - the Vagrantfile: `vagrant validate` (Debian's vagrant validates without a provider), `ruby -c`,
#   and the settings it makes, read by loading it with a recorder in Vagrant's place;
# - shellcheck on the shell files of the VM and the timer;
# - scripts/provision.sh in a throwaway root (PROVISION_ROOT), with stand-ins first on PATH for
#   what would reach the network or the machine (curl, apt-get, dpkg-query, systemctl, k3s, kim,
#   and id and uname), and a small clone of kimb as its SOURCE: what the first run installs, that
#   a second run changes no file (paths, kinds, modes, owners, sizes, contents, times) and
#   downloads, installs, reloads, enables, starts and restarts nothing, that a changed file or
#   binary is put right, that a download with another hash is refused, that an existing
#   /etc/kimb/prune.conf is kept;
# - scripts/kimb-prune-config.sh, what the timer runs, with a stand-in kimb that records its
#   arguments; and the units that run it.
# Usage: tests/vm-files.sh
# Each test is a function test_*, run in a directory of its own (tests/lib.sh). Prints `N passed,
# N failed, N skipped`; a test whose tool is missing (vagrant, ruby, shellcheck, rsync, make) skips,
# which KIMB_REQUIRE_ALL=1 makes a failure.

set -u
LC_ALL=C
export LC_ALL
# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC1091 # followed with shellcheck -x
. "$(dirname "$0")/lib.sh"

TOP=$(cd "$(dirname "$0")/.." && pwd) || exit 2
PROVISION=$TOP/scripts/provision.sh
PRUNE_CONFIG=$TOP/scripts/kimb-prune-config.sh
# shellcheck disable=SC2034 # read by lib.sh
CASE_LOGS='stdout stderr stub/log'
# The pinned versions, as provision.sh states them (the stand-ins answer as these).
KIM_VERSION=$(sed -n 's/^KIM_VERSION=//p' "$PROVISION")
K3S_VERSION=$(sed -n 's/^K3S_VERSION=//p' "$PROVISION")

needs()
{
	for tool; do
		command -v "$tool" >/dev/null 2>&1 || skip "$tool is not installed (scripts/install-deps.sh --test installs it)"
	done
}

# --- the Vagrantfile --------------------------------------------------------------------------

# A copy of the Vagrantfile and the provisioning script, so that vagrant's state (.vagrant/) is
# written there, not into the clone; VAGRANT_HOME is the test's too.
vagrant_project()
{
	mkdir -p "$CASE/project/scripts" "$CASE/vagrant.d"
	cp "$TOP/Vagrantfile" "$CASE/project/"
	cp "$PROVISION" "$CASE/project/scripts/"
}

# run_vagrant_validate [VARIABLE=VALUE...] [OPTION...]: vagrant validate in the project, with no
# network check.
run_vagrant_validate()
{
	run env -C "$CASE/project" VAGRANT_HOME="$CASE/vagrant.d" VAGRANT_CHECKPOINT_DISABLE=1 "$@"
}

# The Vagrantfile and what it names, whatever provider is installed (none, in CI): plugins off,
# the providers' settings left out.
test_vagrantfile_validates()
{
	needs vagrant
	vagrant_project
	run_vagrant_validate VAGRANT_NO_PLUGINS=1 vagrant validate --ignore-provider
	assert_status 0
	grep -q 'validated successfully' "$CASE/stdout" ||
		fail "vagrant validate does not say it validated: $(cat "$CASE/stdout")"
}

# The same check fails when the provisioning script the Vagrantfile names is missing: it reads
# the Vagrantfile, not only its syntax.
test_vagrantfile_validation_finds_a_missing_provisioning_script()
{
	needs vagrant
	vagrant_project
	rm "$CASE/project/scripts/provision.sh"
	run_vagrant_validate VAGRANT_NO_PLUGINS=1 vagrant validate --ignore-provider
	[ "$status" -ne 0 ] || fail "vagrant validate passed without scripts/provision.sh"
	grep -q 'provision.sh' "$CASE/stdout" "$CASE/stderr" ||
		fail "vagrant validate does not name provision.sh: $(cat "$CASE/stdout" "$CASE/stderr")"
}

# The libvirt provider's settings, as vagrant-libvirt (Debian's package) checks them: it refuses a
# setting it does not know. (VirtualBox is not in Debian: its settings are checked by name below.)
test_vagrantfile_validates_for_libvirt()
{
	needs vagrant
	vagrant_project
	run_vagrant_validate vagrant plugin list
	grep -q '^vagrant-libvirt ' "$CASE/stdout" ||
		skip "the vagrant-libvirt plugin is not installed (scripts/install-deps.sh --test installs it)"
	run_vagrant_validate VAGRANT_DEFAULT_PROVIDER=libvirt vagrant validate
	assert_status 0
	grep -q 'validated successfully' "$CASE/stdout" ||
		fail "vagrant validate does not say it validated: $(cat "$CASE/stdout")"
	sed -i 's/libvirt\.cpus =/libvirt.cpu_count =/' "$CASE/project/Vagrantfile"
	run_vagrant_validate VAGRANT_DEFAULT_PROVIDER=libvirt vagrant validate
	[ "$status" -ne 0 ] || fail "vagrant-libvirt accepted a setting it does not have"
}

test_vagrantfile_is_ruby()
{
	needs ruby
	run ruby -c "$TOP/Vagrantfile"
	assert_status 0
}

# Loads the Vagrantfile with a recorder standing for Vagrant: every setting it makes, one a line,
# as path=value (value as JSON, whose form does not change between Ruby versions), sorted.
vagrantfile_settings()
{
	cat >"$CASE/recorder.rb" <<'EOF'
require "json"
SETTINGS = {}
class Recorder
  def initialize(path)
    @path = path
  end

  def method_missing(name, *args, **options, &block)
    name = name.to_s
    key = (@path + [name.chomp("=")]).join(".")
    if name.end_with?("=")
      SETTINGS[key] = args.first
    elsif name == "provider"
      block.call(Recorder.new(@path + ["provider", args.first.to_s]), Recorder.new(@path))
    elsif block.nil? && (!args.empty? || !options.empty?)
      SETTINGS[key] = [args, options]
    else
      Recorder.new(@path + [name])
    end
  end

  def respond_to_missing?(*)
    true
  end
end
module Vagrant
  def self.configure(version)
    yield Recorder.new([])
  end
end
load ARGV[0]
SETTINGS.sort.each { |key, value| puts "#{key}=#{JSON.generate(value)}" }
EOF
	ruby "$CASE/recorder.rb" "$TOP/Vagrantfile"
}

test_vagrantfile_settings()
{
	needs ruby
	run vagrantfile_settings
	assert_status 0
	for setting in 'vm.box="debian/bookworm64"' \
		'vm.provider.virtualbox.cpus=2' 'vm.provider.virtualbox.memory=4096' \
		'vm.provider.libvirt.cpus=2' 'vm.provider.libvirt.memory=4096' \
		'vm.provision=[["shell"],{"path":"scripts/provision.sh","args":["/vagrant"]}]'; do
		grep -qxF "$setting" "$CASE/stdout" || fail "the Vagrantfile does not set $setting; it sets:
$(cat "$CASE/stdout")"
	done
	grep -q '^vm\.synced_folder=\[\[".","/vagrant"\],{"type":"rsync"' "$CASE/stdout" ||
		fail "the clone is not synced to /vagrant by rsync: $(cat "$CASE/stdout")"
}

# --- shellcheck -----------------------------------------------------------------------------------

test_vm_shell_files_pass_shellcheck()
{
	needs shellcheck
	run shellcheck -x "$PROVISION" "$PRUNE_CONFIG" "$TOP/scripts/install-deps.sh" "$TOP/tests/vm-files.sh"
	assert_status 0
	[ ! -s "$CASE/stdout" ] || fail "shellcheck: $(cat "$CASE/stdout")"
}

# --- provisioning in a throwaway root ---------------------------------------------------------

# The stand-ins, in $CASE/stub/bin; each logs its call to $CASE/stub/log; their state (what is
# installed, enabled, started) is in $CASE/stub/state.
make_stand_ins()
{
	stub=$CASE/stub
	mkdir -p "$stub/bin" "$stub/state"
	: >"$stub/log"
	: >"$stub/state/installed"
	cat >"$stub/bin/curl" <<'EOF'
#!/bin/sh
# curl's stand-in: -o FILE URL writes a stand-in of the file the URL names (a script that says
# its name and version), or for sha256sum.txt a line holding the stand-in kim's SHA-256.
printf 'curl %s\n' "$*" >>"$STUB_DIR/log"
out=
url=
while [ $# -gt 0 ]; do
	case $1 in
	-o | --retry) out=$2; shift 2 ;;
	-*) shift ;;
	*) url=$1; shift ;;
	esac
done
name=${url##*/}
stand_in() { printf '#!/bin/sh\necho "%s version %s (stand-in)"\n' "$1" "$STUB_KIM_VERSION"; }
case $name in
sha256sum.txt) printf '%s  kim-linux-amd64\n' "$(stand_in kim-linux-amd64 | sha256sum | cut -d ' ' -f 1)" >"$out" ;;
*) stand_in "$name" >"$out" ;;
esac
EOF
	cat >"$stub/bin/systemctl" <<'EOF'
#!/bin/sh
printf 'systemctl %s\n' "$*" >>"$STUB_DIR/log"
verb=$1
for unit; do :; done
case $verb in
is-enabled) [ -e "$STUB_DIR/state/enabled.$unit" ] ;;
is-active) [ -e "$STUB_DIR/state/active.$unit" ] ;;
enable) touch "$STUB_DIR/state/enabled.$unit" ;;
start | restart) touch "$STUB_DIR/state/active.$unit" ;;
daemon-reload) ;;
*) echo "systemctl stand-in: no $verb here" >&2; exit 1 ;;
esac
EOF
	# The real one would make the host's /tmp/kimb-locks, which no test may touch.
	cat >"$stub/bin/systemd-tmpfiles" <<'EOF'
#!/bin/sh
printf 'systemd-tmpfiles %s\n' "$*" >>"$STUB_DIR/log"
EOF
	cat >"$stub/bin/apt-get" <<'EOF'
#!/bin/sh
printf 'apt-get %s\n' "$*" >>"$STUB_DIR/log"
installing=
for word; do
	case $word in
	install) installing=1 ;;
	-*) ;;
	*) [ -z "$installing" ] || echo "$word" >>"$STUB_DIR/state/installed" ;;
	esac
done
EOF
	cat >"$stub/bin/dpkg-query" <<'EOF'
#!/bin/sh
# dpkg-query -W -f=FORMAT PACKAGE: installed when apt-get's stand-in installed it.
for package; do :; done
grep -qxF "$package" "$STUB_DIR/state/installed" || exit 1
echo 'install ok installed'
EOF
	cat >"$stub/bin/k3s" <<'EOF'
#!/bin/sh
printf 'k3s %s\n' "$*" >>"$STUB_DIR/log"
case "$*" in
"kubectl get nodes -o "*) echo True ;;
"kubectl --namespace kube-image get daemonset builder") [ -e "$STUB_DIR/state/builder" ] ;;
"kubectl --namespace kube-image get daemonset builder -o "*) [ -e "$STUB_DIR/state/builder" ] && echo 1 ;;
*) exit 1 ;;
esac
EOF
	cat >"$stub/bin/kim" <<'EOF'
#!/bin/sh
printf 'kim %s\n' "$*" >>"$STUB_DIR/log"
[ "$*" = "builder install --no-wait" ] || exit 1
touch "$STUB_DIR/state/builder"
EOF
	# install-deps.sh checks for root; the machine stands for a Debian amd64 one.
	printf '#!/bin/sh\n[ "$*" = -u ] && { echo 0; exit 0; }\nexec /usr/bin/id "$@"\n' >"$stub/bin/id"
	printf '#!/bin/sh\necho x86_64\n' >"$stub/bin/uname"
	chmod +x "$stub/bin/"*
}

# A small clone of kimb as provisioning's SOURCE: a Makefile that "builds" kimb by copying
# kimb.in and installs it and a man page as kimb's does (PREFIX, DESTDIR), and the real files
# provisioning takes from the clone (install-deps.sh, the timer's script, the units).
make_source()
{
	source=$CASE/source
	mkdir -p "$source/scripts/systemd"
	printf '#!/bin/sh\necho kimb 1\n' >"$source/kimb.in"
	printf '.TH KIMB 1\n' >"$source/kimb.1"
	cat >"$source/Makefile" <<'EOF'
PREFIX ?= /usr/local
all: kimb
kimb: kimb.in
	cp kimb.in kimb
	chmod 755 kimb
install: kimb
	mkdir -p $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	cp kimb $(DESTDIR)$(PREFIX)/bin/kimb
	cp kimb.1 $(DESTDIR)$(PREFIX)/share/man/man1/kimb.1
	chmod 644 $(DESTDIR)$(PREFIX)/share/man/man1/kimb.1
EOF
	cp "$TOP/scripts/install-deps.sh" "$PRUNE_CONFIG" "$source/scripts/"
	cp "$TOP/scripts/systemd/"* "$source/scripts/systemd/"
}

# The SHA-256 of what curl's stand-in writes for a URL's file NAME.
stand_in_sha256()
{
	mkdir -p "$CASE/scratch"
	STUB_DIR=$CASE/scratch STUB_KIM_VERSION=$KIM_VERSION "$CASE/stub/bin/curl" -o "$CASE/scratch/file" \
		"https://example.org/$1" || return 1
	sha256sum "$CASE/scratch/file" | cut -d ' ' -f 1
}

setup_provision()
{
	needs rsync make
	make_stand_ins
	make_source
	mkdir -p "$CASE/root/root" "$CASE/root/home/vagrant"
	K3S_TEST_SHA256=$(stand_in_sha256 k3s)
	KIM_TEST_SHA256=$(stand_in_sha256 kim-linux-amd64)
}

# provision [VARIABLE=VALUE...]: runs provision.sh on the throwaway root, the stand-ins first on
# PATH, the test hashes those of the stand-ins' downloads unless a VARIABLE says otherwise.
provision()
{
	run env PATH="$CASE/stub/bin:$PATH" STUB_DIR="$CASE/stub" STUB_KIM_VERSION="$KIM_VERSION" \
		PROVISION_ROOT="$CASE/root" PROVISION_TEST_K3S_SHA256="$K3S_TEST_SHA256" \
		PROVISION_TEST_KIM_SHA256="$KIM_TEST_SHA256" TMPDIR="$CASE" "$@" "$PROVISION" "$CASE/source"
}

# Every path under the throwaway root: kind, mode, owner, size, times, link target, and the
# SHA-256 of each file.
manifest()
{
	(
		cd "$CASE/root" || exit 1
		find . -printf '%p %y %m %U:%G %s %T@ %C@ %l\n'
		find . -type f -exec sha256sum {} +
	) | sort
}

# The calls that change something, in the stand-ins' log: every call but systemctl's and k3s's
# questions (is-enabled, is-active, kubectl get).
changing_calls()
{
	grep -v -e '^systemctl is-enabled ' -e '^systemctl is-active ' -e '^k3s kubectl .*get ' "$CASE/stub/log"
}

assert_file()
{
	[ -f "$CASE/root/$1" ] || {
		fail "provisioning did not install /$1"
		return
	}
	[ "$(stat -c %a "$CASE/root/$1")" = "$2" ] || fail "/$1 has mode $(stat -c %a "$CASE/root/$1"), expected $2"
}

assert_link()
{
	[ "$(readlink "$CASE/root/$1")" = "$2" ] || fail "/$1 is not a link to $2: $(ls -ld "$CASE/root/$1" 2>&1)"
}

assert_logged()
{
	grep -qxF "$1" "$CASE/stub/log" || fail "no call \"$1\" in the stand-ins' log:
$(cat "$CASE/stub/log")"
}

test_provision_installs_everything()
{
	setup_provision
	provision
	assert_status 0
	assert_file usr/local/bin/k3s 755
	[ "$(sha256sum "$CASE/root/usr/local/bin/k3s" | cut -d ' ' -f 1)" = "$K3S_TEST_SHA256" ] ||
		fail "/usr/local/bin/k3s is not the download"
	assert_file usr/local/bin/kim 755
	assert_link usr/local/bin/kubectl k3s
	assert_file etc/rancher/k3s/config.yaml 644
	grep -qx 'write-kubeconfig-mode: "0644"' "$CASE/root/etc/rancher/k3s/config.yaml" ||
		fail "k3s's kubeconfig is not made readable for the vagrant user's kim"
	for unit in k3s.service kimb-prune.service kimb-prune.timer; do
		assert_file "etc/systemd/system/$unit" 644
		cmp -s "$TOP/scripts/systemd/$unit" "$CASE/root/etc/systemd/system/$unit" ||
			fail "/etc/systemd/system/$unit is not scripts/systemd/$unit"
	done
	assert_file usr/local/bin/kimb 755
	cmp -s "$CASE/source/kimb.in" "$CASE/root/usr/local/bin/kimb" || fail "/usr/local/bin/kimb is not the build's"
	assert_file usr/local/share/man/man1/kimb.1 644
	assert_file usr/local/libexec/kimb/kimb-prune-config 755
	assert_file etc/kimb/prune.conf 644
	# kimb's lock directory is root's and sticky from boot on, and at once: a user's would be
	# refused by root's timer and the other users.
	assert_file etc/tmpfiles.d/kimb.conf 644
	grep -qx 'd /tmp/kimb-locks 1777 root root -' "$CASE/root/etc/tmpfiles.d/kimb.conf" ||
		fail "/etc/tmpfiles.d/kimb.conf does not make /tmp/kimb-locks root's and sticky"
	assert_logged "systemd-tmpfiles --create $CASE/root/etc/tmpfiles.d/kimb.conf"
	assert_link root/.kube/config /etc/rancher/k3s/k3s.yaml
	assert_link home/vagrant/.kube/config /etc/rancher/k3s/k3s.yaml
	[ "$(stat -c %U:%G "$CASE/root/home/vagrant/.kube")" = "$(stat -c %U:%G "$CASE/root/home/vagrant")" ] ||
		fail "/home/vagrant/.kube is not owned as /home/vagrant is"
	[ ! -e "$CASE/source/kimb" ] || fail "kimb was built in SOURCE, not in a copy"
	grep -q "^curl .*/k3s-io/k3s/releases/download/.*/k3s\$" "$CASE/stub/log" || fail "k3s was not downloaded"
	grep -q "^curl .*/rancher/kim/releases/download/$KIM_VERSION/kim-linux-amd64\$" "$CASE/stub/log" ||
		fail "kim $KIM_VERSION was not downloaded"
	for package in curl rsync apparmor build-essential libgit2-dev libjansson-dev; do
		grep -qxF "$package" "$CASE/stub/state/installed" || fail "$package was not installed"
	done
	! grep -qx -e podman -e docker.io -e buildah -e check "$CASE/stub/state/installed" ||
		fail "provisioning installed test dependencies: $(cat "$CASE/stub/state/installed")"
	assert_logged 'systemctl daemon-reload'
	assert_logged 'systemctl enable --quiet k3s.service'
	assert_logged 'systemctl start k3s.service'
	assert_logged 'systemctl enable --quiet kimb-prune.timer'
	assert_logged 'systemctl start kimb-prune.timer'
	assert_logged 'kim builder install --no-wait'
	grep -q "k3s $K3S_VERSION: downloaded" "$CASE/stdout" || fail "provisioning does not say it downloaded k3s"
	# The configuration it writes lists no repository: the timer's run fails and says so.
	run "$PRUNE_CONFIG" "$CASE/root/etc/kimb/prune.conf" --builder=kim
	assert_status 2
	assert_stderr_has 'lists no repository'
}

test_provision_twice_changes_nothing()
{
	setup_provision
	provision
	assert_status 0
	manifest >"$CASE/before"
	: >"$CASE/stub/log"
	# A second apart, so that a file rewritten with the same content would show in its times too.
	sleep 1
	provision
	assert_status 0
	manifest >"$CASE/after"
	cmp -s "$CASE/before" "$CASE/after" || fail "the second run changed files:
$(diff "$CASE/before" "$CASE/after")"
	changing_calls >"$CASE/changing" || true
	[ ! -s "$CASE/changing" ] || fail "the second run downloaded, installed or changed something:
$(cat "$CASE/changing")"
	[ "$(tail -n 1 "$CASE/stdout")" = 'provision: done: 0 changes' ] ||
		fail "the second run does not end saying it changed nothing: $(tail -n 1 "$CASE/stdout")"
	grep -q 'not downloaded' "$CASE/stdout" || fail "the second run does not say it skipped the downloads"
}

test_provision_puts_right_what_changed()
{
	setup_provision
	provision
	assert_status 0
	echo '# changed by hand' >>"$CASE/root/etc/systemd/system/k3s.service"
	echo 'another binary' >"$CASE/root/usr/local/bin/k3s"
	# An edit of the same size, with the copy's time: only its content tells it changed.
	printf '#!/bin/sh\necho kimb 2\n' >"$CASE/source/kimb.in"
	touch -r "$CASE/root/var/lib/kimb-vm/source/kimb.in" "$CASE/source/kimb.in"
	manifest >"$CASE/before"
	: >"$CASE/stub/log"
	provision
	assert_status 0
	cmp -s "$TOP/scripts/systemd/k3s.service" "$CASE/root/etc/systemd/system/k3s.service" ||
		fail "the changed k3s.service was not put right"
	[ "$(sha256sum "$CASE/root/usr/local/bin/k3s" | cut -d ' ' -f 1)" = "$K3S_TEST_SHA256" ] ||
		fail "the changed k3s binary was not downloaded again"
	cmp -s "$CASE/source/kimb.in" "$CASE/root/usr/local/bin/kimb" || fail "the changed kimb was not installed"
	assert_logged 'systemctl daemon-reload'
	assert_logged 'systemctl restart k3s.service'
	! grep -q 'kim-linux-amd64$' "$CASE/stub/log" || fail "kim was downloaded again, unchanged"
	! grep -q '^kim builder install' "$CASE/stub/log" || fail "kim's builder was installed again"
	! grep -Eq '^systemctl (enable|start|restart) .*kimb-prune\.timer$' "$CASE/stub/log" ||
		fail "the timer was enabled or started again"
	# What did not change kept its times: the man page, the timer's units.
	manifest >"$CASE/after"
	for path in ./usr/local/share/man/man1/kimb.1 ./etc/systemd/system/kimb-prune.timer; do
		[ "$(grep "^$path " "$CASE/before")" = "$(grep "^$path " "$CASE/after")" ] ||
			fail "$path changed although its source did not"
	done
}

test_provision_keeps_an_existing_prune_conf()
{
	setup_provision
	mkdir -p "$CASE/root/etc/kimb"
	printf 'localhost/whoami/web\n' >"$CASE/root/etc/kimb/prune.conf"
	touch -d '2020-01-01 00:00:00' "$CASE/root/etc/kimb/prune.conf"
	before=$(stat -c '%s %Y' "$CASE/root/etc/kimb/prune.conf")
	provision
	assert_status 0
	[ "$(cat "$CASE/root/etc/kimb/prune.conf")" = localhost/whoami/web ] || fail "prune.conf was overwritten"
	[ "$(stat -c '%s %Y' "$CASE/root/etc/kimb/prune.conf")" = "$before" ] || fail "prune.conf was touched"
}

test_provision_refuses_a_download_with_another_hash()
{
	setup_provision
	provision PROVISION_TEST_K3S_SHA256=0000000000000000000000000000000000000000000000000000000000000000
	assert_status 1
	assert_stderr_has 'SHA-256'
	assert_stderr_has 'not installed'
	[ ! -e "$CASE/root/usr/local/bin/k3s" ] || fail "a k3s with another hash was installed"
	! ls "$CASE/root/usr/local/bin/"*.provision-download >/dev/null 2>&1 || fail "the refused download was left behind"
	! grep -q '^systemctl' "$CASE/stub/log" || fail "provisioning went on after the refused download"
}

# With no pinned hash for kim (PROVISION_TEST_KIM_SHA256 set and empty stands for an empty
# KIM_SHA256 line), the download is checked against the release's sha256sum.txt, the value to
# pin is printed, and the next run knows kim by its version without downloading.
test_provision_without_kims_pin_checks_the_release_sums()
{
	setup_provision
	provision PROVISION_TEST_KIM_SHA256=
	assert_status 0
	grep -q "^curl .*/rancher/kim/releases/download/$KIM_VERSION/sha256sum.txt\$" "$CASE/stub/log" ||
		fail "the release's sha256sum.txt was not read"
	assert_stderr_has "KIM_SHA256=$KIM_TEST_SHA256"
	assert_file usr/local/bin/kim 755
	: >"$CASE/stub/log"
	provision PROVISION_TEST_KIM_SHA256=
	assert_status 0
	! grep -q '^curl' "$CASE/stub/log" || fail "the second run downloaded: $(cat "$CASE/stub/log")"
	grep -q "kim $KIM_VERSION: .* says it is that version" "$CASE/stdout" ||
		fail "the second run does not say it knew kim by its version"
}

# Bad arguments stop it before it does anything (the stand-ins and the throwaway root are there
# all the same, should it not).
test_provision_usage()
{
	setup_provision
	manifest >"$CASE/before"
	run env PATH="$CASE/stub/bin:$PATH" STUB_DIR="$CASE/stub" PROVISION_ROOT="$CASE/root" "$PROVISION" --bogus
	assert_status 2
	[ ! -s "$CASE/stdout" ] || fail "stdout holds: $(cat "$CASE/stdout")"
	[ "$(line_count "$CASE/stderr")" -eq 1 ] || fail "more than one line for a bad option: $(cat "$CASE/stderr")"
	assert_stderr_has 'usage: scripts/provision.sh [SOURCE]'
	run env PATH="$CASE/stub/bin:$PATH" STUB_DIR="$CASE/stub" PROVISION_ROOT="$CASE/root" "$PROVISION" "$CASE/source" "$CASE/source"
	assert_status 2
	run env PATH="$CASE/stub/bin:$PATH" STUB_DIR="$CASE/stub" PROVISION_ROOT="$CASE/root" "$PROVISION" "$CASE/work"
	assert_status 1
	assert_stderr_has 'no clone of kimb'
	run env PATH="$CASE/stub/bin:$PATH" STUB_DIR="$CASE/stub" PROVISION_ROOT=relative "$PROVISION" "$CASE/source"
	assert_status 1
	assert_stderr_has 'PROVISION_ROOT must be an absolute path'
	[ ! -s "$CASE/stub/log" ] || fail "provisioning acted on bad arguments: $(cat "$CASE/stub/log")"
	manifest >"$CASE/after"
	cmp -s "$CASE/before" "$CASE/after" || fail "provisioning changed the root: $(diff "$CASE/before" "$CASE/after")"
}

# --- the timer's script and units ---------------------------------------------------------------

# A stand-in kimb that records its arguments, one a line, in $CASE/kimb-argv and exits with
# $STUB_STATUS.
stand_in_kimb()
{
	cat >"$CASE/kimb" <<EOF
#!/bin/sh
printf '%s\\n' "\$@" >"$CASE/kimb-argv"
exit "\${STUB_STATUS:-0}"
EOF
	chmod +x "$CASE/kimb"
}

test_prune_config_passes_the_repositories_to_kimb()
{
	stand_in_kimb
	printf '# the repositories\n\nlocalhost/whoami/web\n  registry:5000/team/app   # the app\n\t\nnginx' >"$CASE/prune.conf"
	run env KIMB_PRUNE_KIMB="$CASE/kimb" "$PRUNE_CONFIG" "$CASE/prune.conf" --builder=kim --keep=1
	assert_status 0
	printf '%s\n' --builder=kim --keep=1 prune localhost/whoami/web registry:5000/team/app nginx >"$CASE/expected"
	cmp -s "$CASE/expected" "$CASE/kimb-argv" || fail "kimb got
$(cat "$CASE/kimb-argv" 2>&1)
expected
$(cat "$CASE/expected")"
}

# Issue 18: a line may give its repository options of its own (--keep, --keep-within, --protect):
# the lines without any are pruned in one run, as before, then each line with options in a run of
# its own, its options after the given ones. Every run is made; the first that failed gives the
# status.
test_prune_config_lines_with_options_of_their_own()
{
	cat >"$CASE/kimb" <<EOF
#!/bin/sh
printf '%s\\n' "\$*" >>"$CASE/kimb-runs"
case "\$*" in *"\${STUB_FAIL_ON:-no such run}"*) exit 4 ;; esac
EOF
	chmod +x "$CASE/kimb"
	printf 'web --keep-within=2d --protect=v*   # the app\nplain\nrel --protect=release-* --keep=1\nnginx\n' \
		>"$CASE/prune.conf"
	: >"$CASE/v1"
	run env -C "$CASE" KIMB_PRUNE_KIMB="$CASE/kimb" "$PRUNE_CONFIG" "$CASE/prune.conf" --builder=kim --keep=2
	assert_status 0
	printf '%s\n' '--builder=kim --keep=2 prune plain nginx' \
		'--builder=kim --keep=2 --keep-within=2d --protect=v* prune web' \
		'--builder=kim --keep=2 --protect=release-* --keep=1 prune rel' >"$CASE/expected"
	cmp -s "$CASE/expected" "$CASE/kimb-runs" || fail "kimb ran
$(cat "$CASE/kimb-runs" 2>&1)
expected
$(cat "$CASE/expected")"
	rm "$CASE/kimb-runs"
	run env KIMB_PRUNE_KIMB="$CASE/kimb" STUB_FAIL_ON='prune web' "$PRUNE_CONFIG" "$CASE/prune.conf"
	assert_status 4
	[ "$(line_count "$CASE/kimb-runs")" -eq 3 ] || fail "a failed run stopped the others: $(cat "$CASE/kimb-runs")"
	rm "$CASE/kimb-runs"
	printf 'web --keep=1\n' >"$CASE/prune.conf"
	run env KIMB_PRUNE_KIMB="$CASE/kimb" STUB_FAIL_ON='prune web' "$PRUNE_CONFIG" "$CASE/prune.conf"
	assert_status 4
	[ "$(cat "$CASE/kimb-runs")" = "--keep=1 prune web" ] || fail "kimb ran $(cat "$CASE/kimb-runs")"
}

test_prune_config_takes_kimb_from_path()
{
	stand_in_kimb
	printf 'app\n' >"$CASE/prune.conf"
	run env PATH="$CASE:$PATH" "$PRUNE_CONFIG" "$CASE/prune.conf"
	assert_status 0
	[ "$(cat "$CASE/kimb-argv" 2>&1)" = "prune
app" ] || fail "kimb on PATH got: $(cat "$CASE/kimb-argv" 2>&1)"
}

# Issue 15, 16: a prune.conf that lists no repository is a failure of the service, status 2, not a
# silent success every night.
test_prune_config_without_repositories_fails_and_says_so()
{
	stand_in_kimb
	printf '# none yet\n\n   \n# localhost/whoami/web\n' >"$CASE/prune.conf"
	run env KIMB_PRUNE_KIMB="$CASE/kimb" "$PRUNE_CONFIG" "$CASE/prune.conf" --builder=kim
	assert_status 2
	assert_stderr_has "$CASE/prune.conf lists no repository: list one a line, or stop the timer"
	[ ! -e "$CASE/kimb-argv" ] || fail "kimb ran without repositories"
	: >"$CASE/empty.conf"
	run env KIMB_PRUNE_KIMB="$CASE/kimb" "$PRUNE_CONFIG" "$CASE/empty.conf"
	assert_status 2
	assert_stderr_has 'lists no repository'
}

# Issue 15, 16: a prune.conf edited on Windows. Its CR LF line endings gave kimb `name\r`, which it
# refuses, and the timer pruned nothing every night; a byte-order mark did the same to the first
# line. Both are dropped. A carriage return anywhere else (a file with CR line endings alone, whose
# first comment would swallow every line: no repository, a silent success) is refused, status 2.
test_prune_config_reads_a_file_edited_on_windows()
{
	stand_in_kimb
	printf '\357\273\277# the repositories\r\nlocalhost/whoami/web\r\n\r\n  nginx   # the proxy\r\n\tapp\r' \
		>"$CASE/prune.conf"
	run env KIMB_PRUNE_KIMB="$CASE/kimb" "$PRUNE_CONFIG" "$CASE/prune.conf" --builder=kim
	assert_status 0
	printf '%s\n' --builder=kim prune localhost/whoami/web nginx app >"$CASE/expected"
	cmp -s "$CASE/expected" "$CASE/kimb-argv" || fail "kimb got
$(od -c "$CASE/kimb-argv" 2>&1)
expected
$(cat "$CASE/expected")"
	# Only at the start of the file is it a byte-order mark.
	printf 'app\n\357\273\277web\n' >"$CASE/prune.conf"
	run env KIMB_PRUNE_KIMB="$CASE/kimb" "$PRUNE_CONFIG" "$CASE/prune.conf"
	grep -q "$(printf '\357\273\277')web" "$CASE/kimb-argv" || fail "a byte-order mark inside the file was dropped"
}

# assert_config_refused CONTENT SAYS: a prune.conf of CONTENT (a printf format) is a usage error
# (status 2) whose message says SAYS after the file's name, and kimb does not run.
assert_config_refused()
{
	# shellcheck disable=SC2059 # a format, for its escapes
	printf "$1" >"$CASE/prune.conf"
	run env KIMB_PRUNE_KIMB="$CASE/kimb" "$PRUNE_CONFIG" "$CASE/prune.conf"
	assert_status 2
	assert_stderr_has "$CASE/prune.conf$2"
	[ ! -e "$CASE/kimb-argv" ] || fail "kimb ran on a bad configuration"
}

test_prune_config_refuses_carriage_returns_inside_lines()
{
	stand_in_kimb
	assert_config_refused '# the repositories\rlocalhost/whoami/web\rnginx\r' ':1: a carriage return inside the line'
	assert_config_refused 'app\nweb\rother\n' ':2: a carriage return inside the line'
}

test_prune_config_passes_kimbs_status_through()
{
	stand_in_kimb
	printf 'app\n' >"$CASE/prune.conf"
	for expected in 3 4 5 127; do
		run env KIMB_PRUNE_KIMB="$CASE/kimb" STUB_STATUS=$expected "$PRUNE_CONFIG" "$CASE/prune.conf"
		assert_status "$expected"
	done
	run env KIMB_PRUNE_KIMB="$CASE/no-such-kimb" "$PRUNE_CONFIG" "$CASE/prune.conf"
	assert_status 127
}

test_prune_config_refuses_bad_lines()
{
	stand_in_kimb
	assert_config_refused 'app\nweb other\n' ':2: "other" is none of --keep=N, --keep-within=D, --protect=GLOB'
	assert_config_refused 'app\nweb --dry-run\n' ':2: "--dry-run" is none of'
	assert_config_refused 'app --keep=\n' ':1: "--keep=" is none of'
	assert_config_refused 'app\n--dry-run\n' ':2: "--dry-run" is no repository'
}

test_prune_config_usage_and_unreadable_config()
{
	run "$PRUNE_CONFIG"
	assert_status 2
	[ "$(line_count "$CASE/stderr")" -eq 1 ] || fail "more than one line of usage: $(cat "$CASE/stderr")"
	assert_stderr_has 'usage: kimb-prune-config CONFIG [KIMB OPTION...]'
	run "$PRUNE_CONFIG" "$CASE/missing.conf"
	assert_status 1
	assert_stderr_has "cannot read $CASE/missing.conf"
}

# What the service runs is what provisioning installs, with kim's PATH and kubeconfig, sharing
# /tmp (kimb's locks) with everyone; the timer is daily, catches up, and is enabled by timers.target.
test_prune_units()
{
	service=$TOP/scripts/systemd/kimb-prune.service
	timer=$TOP/scripts/systemd/kimb-prune.timer
	for line in 'Type=oneshot' \
		'ExecStart=/usr/local/libexec/kimb/kimb-prune-config /etc/kimb/prune.conf --builder=kim' \
		'Environment=KUBECONFIG=/etc/rancher/k3s/k3s.yaml'; do
		grep -qxF "$line" "$service" || fail "kimb-prune.service lacks $line"
	done
	grep -qx 'Environment=PATH=.*:/usr/local/bin:.*' "$service" || fail "kimb-prune.service's PATH lacks /usr/local/bin"
	! grep -q '^PrivateTmp=' "$service" || fail "kimb-prune.service has a /tmp of its own, away from kimb's locks"
	for line in 'OnCalendar=*-*-* 03:17:00' 'Persistent=true' 'WantedBy=timers.target'; do
		grep -qxF "$line" "$timer" || fail "kimb-prune.timer lacks $line"
	done
	grep -q 'libexec/kimb/kimb-prune-config' "$PROVISION" || fail "provision.sh does not install the script the service runs"
}

# systemd-analyze verify on the copies of the units in $CASE/units, less the complaints that the
# programs they run are absent (provisioning installs them).
verify_units()
{
	systemd-analyze verify --man=no "$CASE/units/k3s.service" "$CASE/units/kimb-prune.service" \
		"$CASE/units/kimb-prune.timer" 2>&1 |
		grep -v -e '^k3s\.service: Command /usr/local/bin/k3s is not executable: ' \
			-e '^kimb-prune\.service: Command /usr/local/libexec/kimb/kimb-prune-config is not executable: '
}

# systemd's own reading of the three units: an unknown key or section, a bad value, a missing
# dependency is reported. Only the programs the units run are absent here (provisioning installs
# them), and only that complaint is let through; a copy with a misspelt key proves the check sees.
test_units_pass_systemd_analyze_verify()
{
	needs systemd-analyze
	mkdir "$CASE/units"
	cp "$TOP/scripts/systemd/"* "$CASE/units/"
	run verify_units
	[ ! -s "$CASE/stdout" ] || fail "systemd-analyze verify: $(cat "$CASE/stdout")"
	echo 'Typ=oneshot' >>"$CASE/units/kimb-prune.service"
	run verify_units
	grep -q "Unknown key 'Typ'" "$CASE/stdout" || fail "systemd-analyze verify missed a misspelt key: $(cat "$CASE/stdout")"
}

for test in $(functions_named test); do
	run_test "$test" "$test"
done
summary
