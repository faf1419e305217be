# SPDX-License-Identifier: Apache-2.0
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
#       LOGDIR/docker-answer. Returns 1, with the reason and the daemon's log in
#       $private_dockerd_error, when the daemon exits first or does not answer.
#   private_dockerd_stop LOGDIR
#       stops it (SIGTERM; SIGKILL after 15 s) and removes its directory. Returns 1, keeping the
#       directory, with what was left (a daemon that would not stop, mounts, processes) in
#       $private_dockerd_error. Does nothing when none was started.
# $PRIVATE_DOCKERD_DIR and $PRIVATE_DOCKERD_PID name the running one.
#
# podman's Docker-compatible API service (what Podman Desktop points the docker client at) on a
# store of the test's own: `podman system service` on a socket in the test's directory, serving
# the store CONTAINERS_STORAGE_CONF and CONTAINERS_CONF name (write_store_conf), started and
# stopped by the test.
#
#   private_podman_service_start CLIENT LOGDIR
#       starts it on LOGDIR/podman.sock, its log in LOGDIR/podman-service.log, points the docker
#       client at it (DOCKER_HOST, DOCKER_CONFIG=LOGDIR/docker-config), and waits until CLIENT
#       answers, some 10 s at most; returns 1 with the reason in $private_podman_error, also when
#       what answers is not the service it started.
#   private_podman_service_stop LOGDIR
#       stops it (SIGTERM; SIGKILL after 15 s). Returns 1 with what was left (a service that would
#       not stop, its processes) in $private_podman_error. Does nothing when none was started.
# $PRIVATE_PODMAN_PID names the running one.

PRIVATE_DOCKERD_DIR=
PRIVATE_DOCKERD_PID=
PRIVATE_PODMAN_PID=

# Whether process $1 still runs: there, and not a zombie (the daemon is this shell's child, and
# stays a zombie until it is waited for).
running()
{
	# Read with the shell's own read, not ps: the wait loops ask every 50 ms.
	{ read -r process_stat <"/proc/$1/stat"; } 2>/dev/null || return 1
	# The state follows the command name's closing parenthesis.
	case ${process_stat##*) } in
	Z* | X*) return 1 ;;
	esac
}

private_dockerd_start()
{
	private_dockerd_error=
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
	answering "$2" "$3" "unix://$PRIVATE_DOCKERD_DIR/s" dockerd "$PRIVATE_DOCKERD_PID"
	status=$?
	private_dockerd_error=$daemon_error
	return "$status"
}

# answering CLIENT LOGDIR SOCKET NAME PID [ARGUMENTS...]: points the docker client at SOCKET and
# waits until CLIENT answers ARGUMENTS (default: version, which asks for the server's version; the
# answer in LOGDIR/docker-answer), some 10 s at most. Returns 1 with the reason and
# LOGDIR/NAME.log in $daemon_error when process PID exits first or does not answer.
answering()
{
	daemon_error=
	DOCKER_HOST=$3
	DOCKER_CONFIG=$2/docker-config
	export DOCKER_HOST DOCKER_CONFIG
	mkdir -p "$DOCKER_CONFIG" || return 1
	client=$1
	logdir=$2
	name=$4
	pid=$5
	shift 5
	[ "$#" -gt 0 ] || set -- version --format '{{.Server.Version}}'
	# Up in under a second here. The client is asked once its socket is there (a daemon that
	# listens before it serves makes the client wait): each try of the client costs a tenth of a
	# second of CPU, a look at the socket nothing.
	tries=0
	while [ ! -S "${DOCKER_HOST#unix://}" ] && running "$pid" && [ "$tries" -lt 100 ]; do
		sleep 0.05
		tries=$((tries + 1))
	done
	until "$client" "$@" >"$logdir/docker-answer" 2>&1; do
		tries=$((tries + 1))
		if ! running "$pid"; then
			daemon_error="$name exited before it answered"
		elif [ "$tries" -ge 100 ]; then
			daemon_error="$name did not answer in $tries tries"
		else
			sleep 0.05
			continue
		fi
		daemon_error="$daemon_error: $(sed '/^$/d' "$logdir/docker-answer")
its log:
$(sed 's/^/  /' "$logdir/$name.log")"
		return 1
	done
}

# stopped NAME PID: stops process PID (SIGTERM; SIGKILL after 15 s) and waits for it. Returns 1
# with the reason in $daemon_error when it had to be killed.
stopped()
{
	daemon_error=
	kill "$2" 2>/dev/null
	tries=0
	while running "$2" && [ "$tries" -lt 300 ]; do
		sleep 0.05
		tries=$((tries + 1))
	done
	if running "$2"; then
		daemon_error="$1 $2 did not stop within 15 s; killed"
		kill -KILL "$2" 2>/dev/null
	fi
	wait "$2" 2>/dev/null
	[ -z "$daemon_error" ]
}

# left_behind LOGDIR TEXT WHAT: the processes whose command line holds TEXT, as "processes left of
# WHAT: ..." in $daemon_error; returns 1 when there are any.
left_behind()
{
	daemon_error=
	# Listed into a file first, so that grep does not find itself.
	ps -eo pid=,args= >"$1/processes"
	if grep -F "$2" "$1/processes" >"$1/left-processes"; then
		daemon_error="processes left of $3: $(cat "$1/left-processes")"
	fi
	rm -f "$1/processes" "$1/left-processes"
	[ -z "$daemon_error" ]
}

private_dockerd_stop()
{
	private_dockerd_error=
	[ -n "$PRIVATE_DOCKERD_DIR" ] || return 0
	if [ -n "$PRIVATE_DOCKERD_PID" ]; then
		stopped dockerd "$PRIVATE_DOCKERD_PID" || private_dockerd_error=$daemon_error
		PRIVATE_DOCKERD_PID=
	fi
	if grep -F "$PRIVATE_DOCKERD_DIR" /proc/mounts >"$1/dockerd-mounts"; then
		private_dockerd_error="$private_dockerd_error${private_dockerd_error:+; }mounts left under $PRIVATE_DOCKERD_DIR: $(cat "$1/dockerd-mounts")"
	fi
	rm -f "$1/dockerd-mounts"
	left_behind "$1" "$PRIVATE_DOCKERD_DIR" "the dockerd in $PRIVATE_DOCKERD_DIR" ||
		private_dockerd_error="$private_dockerd_error${private_dockerd_error:+; }$daemon_error"
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

private_podman_service_start()
{
	private_podman_error=
	podman system service --time=0 "unix://$2/podman.sock" </dev/null >"$2/podman-service.log" 2>&1 &
	PRIVATE_PODMAN_PID=$!
	# Not `docker version`: podman answers it with dpkg lookups of its runtime's packages, seconds
	# of CPU a test. The socket that answers must be the one the service listens on.
	if ! answering "$1" "$2" "unix://$2/podman.sock" podman-service "$PRIVATE_PODMAN_PID" image ls --quiet; then
		private_podman_error=$daemon_error
		return 1
	fi
	if ! listens_on "$PRIVATE_PODMAN_PID" "$2/podman.sock"; then
		private_podman_error="what answers on $2/podman.sock is not the podman service $PRIVATE_PODMAN_PID"
		return 1
	fi
}

# listens_on PID PATH: whether process PID holds the Unix socket bound to PATH.
listens_on()
{
	socket_inode=$(awk -v path="$2" '$8 == path { print $7; exit }' /proc/net/unix)
	[ -n "$socket_inode" ] && find "/proc/$1/fd" -lname "socket:?$socket_inode?" 2>/dev/null | grep -q .
}

private_podman_service_stop()
{
	private_podman_error=
	[ -n "$PRIVATE_PODMAN_PID" ] || return 0
	stopped "podman system service" "$PRIVATE_PODMAN_PID" || private_podman_error=$daemon_error
	PRIVATE_PODMAN_PID=
	left_behind "$1" "$1/podman.sock" "the podman service on $1/podman.sock" ||
		private_podman_error="$private_podman_error${private_podman_error:+; }$daemon_error"
	[ -z "$private_podman_error" ]
}
