# shellcheck shell=sh
# Image stores of a test's own, never the user's, sourced by tests/builders.sh and test.sh. POSIX sh.
#
#   write_store_conf DIR
#       writes DIR/storage.conf and DIR/containers.conf, the configuration of a podman and buildah
#       store under DIR (driver vfs, which needs no kernel support; graph, run, tmp, networks and
#       the events log under DIR), for CONTAINERS_STORAGE_CONF and CONTAINERS_CONF.
#
# A Docker daemon of the test's own: started as root with all its state in a short directory
# under /tmp (a unix socket's path must fit in about 100 bytes), nothing read from /etc/docker (an
# empty configuration, the daemon's key kept in its directory), no bridge and no iptables rules
# (the host's network stays as it was), and containerd namespaces of its own (dockerd uses the
# host's containerd when one runs, as Debian's docker.io starts one); stopped so that it leaves
# nothing behind.
#
#   private_dockerd_start DOCKERD CLIENT LOGDIR
#       starts DOCKERD, its log in LOGDIR/dockerd.log, points the docker client at it (DOCKER_HOST,
#       and DOCKER_CONFIG=LOGDIR/docker-config for the client's own files), and waits until CLIENT
#       answers, some 10 s at most; CLIENT's answer (the daemon's version) is in
#       LOGDIR/docker-version. Returns 1, with the reason and the daemon's log in
#       $private_dockerd_error, when the daemon exits first or does not answer.
#   private_dockerd_stop LOGDIR
#       stops it (SIGTERM; SIGKILL after 15 s) and removes its directory. Returns 1, keeping the
#       directory, with what was left (a daemon that would not stop, mounts, processes) in
#       $private_dockerd_error. Does nothing when none was started.
# $PRIVATE_DOCKERD_DIR and $PRIVATE_DOCKERD_PID name the running one.

PRIVATE_DOCKERD_DIR=
PRIVATE_DOCKERD_PID=

# Whether process $1 still runs: there, and not a zombie (the daemon is this shell's child, and
# stays a zombie until it is waited for).
running()
{
	state=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
	case $state in
	Z*) return 1 ;;
	esac
}

private_dockerd_start()
{
	private_dockerd_error=
	mkdir -p "$3/docker-config" || return 1
	PRIVATE_DOCKERD_DIR=$(mktemp -d /tmp/kd.XXXXXX) || return 1
	printf '{"deprecated-key-path": "%s/key.json"}\n' "$PRIVATE_DOCKERD_DIR" \
		>"$PRIVATE_DOCKERD_DIR/daemon.json" || return 1
	namespace=kimb-test-${PRIVATE_DOCKERD_DIR##*/}
	"$1" --config-file "$PRIVATE_DOCKERD_DIR/daemon.json" --data-root "$PRIVATE_DOCKERD_DIR/root" \
		--exec-root "$PRIVATE_DOCKERD_DIR/x" --pidfile "$PRIVATE_DOCKERD_DIR/pid" \
		-H "unix://$PRIVATE_DOCKERD_DIR/s" --containerd-namespace "$namespace" \
		--containerd-plugins-namespace "$namespace-plugins" --iptables=false --bridge=none \
		</dev/null >"$3/dockerd.log" 2>&1 &
	PRIVATE_DOCKERD_PID=$!
	DOCKER_HOST=unix://$PRIVATE_DOCKERD_DIR/s
	DOCKER_CONFIG=$3/docker-config
	export DOCKER_HOST DOCKER_CONFIG
	# Up in under a second here; a try takes about 0.1 s.
	tries=0
	until "$2" version --format '{{.Server.Version}}' >"$3/docker-version" 2>&1; do
		tries=$((tries + 1))
		if ! running "$PRIVATE_DOCKERD_PID"; then
			private_dockerd_error="dockerd exited before it answered"
		elif [ "$tries" -ge 100 ]; then
			private_dockerd_error="dockerd did not answer in $tries tries"
		else
			sleep 0.05
			continue
		fi
		private_dockerd_error="$private_dockerd_error: $(sed '/^$/d' "$3/docker-version")
its log:
$(sed 's/^/  /' "$3/dockerd.log")"
		return 1
	done
}

private_dockerd_stop()
{
	private_dockerd_error=
	[ -n "$PRIVATE_DOCKERD_DIR" ] || return 0
	if [ -n "$PRIVATE_DOCKERD_PID" ]; then
		kill "$PRIVATE_DOCKERD_PID" 2>/dev/null
		tries=0
		while running "$PRIVATE_DOCKERD_PID" && [ "$tries" -lt 300 ]; do
			sleep 0.05
			tries=$((tries + 1))
		done
		if running "$PRIVATE_DOCKERD_PID"; then
			private_dockerd_error="dockerd $PRIVATE_DOCKERD_PID did not stop within 15 s; killed"
			kill -KILL "$PRIVATE_DOCKERD_PID" 2>/dev/null
		fi
		wait "$PRIVATE_DOCKERD_PID" 2>/dev/null
		PRIVATE_DOCKERD_PID=
	fi
	if grep -F "$PRIVATE_DOCKERD_DIR" /proc/mounts >"$1/dockerd-mounts"; then
		private_dockerd_error="$private_dockerd_error${private_dockerd_error:+; }mounts left under $PRIVATE_DOCKERD_DIR: $(cat "$1/dockerd-mounts")"
	fi
	# Listed into a file first, so that grep does not find itself.
	ps -eo pid=,args= >"$1/processes"
	if grep -F "$PRIVATE_DOCKERD_DIR" "$1/processes" >"$1/dockerd-processes"; then
		private_dockerd_error="$private_dockerd_error${private_dockerd_error:+; }processes left of the dockerd in $PRIVATE_DOCKERD_DIR: $(cat "$1/dockerd-processes")"
	fi
	rm -f "$1/processes" "$1/dockerd-mounts" "$1/dockerd-processes"
	if [ -n "$private_dockerd_error" ]; then
		private_dockerd_error="$private_dockerd_error (its directory is kept: $PRIVATE_DOCKERD_DIR)"
		PRIVATE_DOCKERD_DIR=
		return 1
	fi
	rm -rf "$PRIVATE_DOCKERD_DIR"
	PRIVATE_DOCKERD_DIR=
}

write_store_conf()
{
	mkdir -p "$1/graph" "$1/run" "$1/tmp" "$1/networks" || return 1
	cat >"$1/storage.conf" <<EOF || return 1
[storage]
driver = "vfs"
graphroot = "$1/graph"
runroot = "$1/run"
EOF
	cat >"$1/containers.conf" <<EOF
[engine]
tmp_dir = "$1/tmp"
events_logger = "file"
events_logfile_path = "$1/events.log"

[network]
network_config_dir = "$1/networks"
EOF
}
