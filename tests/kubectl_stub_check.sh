#!/bin/sh
# Checks the stand-in kubectl (tests/kubectl) against what it claims to mimic: its JSON (valid,
# keys sorted and laid out as kubectl prints them, checked with python3's json module), the
# pods of every phase and container kind, its failures (fail-get, garble, kubeconfig-required,
# context-required, kubectl's own errors), every spelling of the flags kimb uses, and the call log.
# Usage: tests/kubectl_stub_check.sh
# Each test is a function test_*, run in its own temporary directory with its own stub state
# (KUBECTL_STUB_DIR=$CASE/stub). Prints `N passed, N failed`; fails when any test failed.

set -u
LC_ALL=C
export LC_ALL
# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC1091 # followed with shellcheck -x
. "$(dirname "$0")/lib.sh"

STUB=$(absolute "$0") || exit 2
STUB=$(dirname "$STUB")/kubectl
if [ ! -x "$STUB" ]; then
	printf '%s: %s is not executable\n' "$0" "$STUB" >&2
	exit 2
fi
if ! command -v python3 >/dev/null 2>&1; then
	printf '%s: python3 is needed to read JSON\n' "$0" >&2
	exit 2
fi

# shellcheck disable=SC2034 # read by lib.sh
CASE_LOGS='stdout stderr stub/calls'
HEX_A=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
HEX_B=bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb
HEX_C=cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc
WEB=localhost/whoami/web
EMPTY_LIST='{
    "apiVersion": "v1",
    "items": [],
    "kind": "List",
    "metadata": {
        "resourceVersion": ""
    }
}'
REFUSED='The connection to the server localhost:8080 was refused - did you specify the right host or port?'

# --- helpers ---------------------------------------------------------------------------------

# Every test starts with a fresh stub directory and no KUBECTL_STUB_INSPECT, KUBECONFIG or HOME
# config of the caller's.
setup()
{
	KUBECTL_STUB_DIR=$CASE/stub
	export KUBECTL_STUB_DIR
	mkdir "$KUBECTL_STUB_DIR" || exit 1
	unset KUBECTL_STUB_INSPECT KUBECONFIG
	HOME=$CASE/home
	export HOME
}

stub()
{
	run "$STUB" "$@"
}

# The canonical call kimb makes.
list_pods()
{
	stub get pods --all-namespaces -o json "$@"
}

pods_file()
{
	cat >"$KUBECTL_STUB_DIR/pods"
}

calls_file()
{
	printf '%s/calls\n' "$KUBECTL_STUB_DIR"
}

assert_valid_json()
{
	python3 -m json.tool "$CASE/stdout" >/dev/null 2>"$CASE/json-error" ||
		fail "stdout is not valid JSON: $(cat "$CASE/json-error")"
}

# stdout is exactly what Go's json.MarshalIndent(v, "", "    ") writes, keys sorted: the same as
# python3's json.tool with sorted keys, for text without characters Go and Python escape
# differently (<, >, &, U+2028, U+2029).
assert_go_layout()
{
	if ! python3 -m json.tool --sort-keys --no-ensure-ascii "$CASE/stdout" >"$CASE/relaid" 2>&1 ||
		! cmp -s "$CASE/relaid" "$CASE/stdout"; then
		fail "stdout is not laid out as kubectl lays out JSON: $(diff "$CASE/relaid" "$CASE/stdout" | head -20)"
	fi
}

assert_stderr()
{
	printf '%s\n' "$1" >"$CASE/expected-stderr"
	cmp -s "$CASE/expected-stderr" "$CASE/stderr" ||
		fail "stderr is
$(cat "$CASE/stderr")
expected
$1"
}

# A kubectl failure: status 1, nothing on stdout, stderr exactly $1.
assert_refused()
{
	assert_status 1
	assert_stdout
	assert_stderr "$1"
}

# The listing succeeded and is valid JSON laid out as kubectl does.
assert_listing_ok()
{
	assert_status 0
	[ ! -s "$CASE/stderr" ] || fail "stderr is not empty: $(cat "$CASE/stderr")"
	assert_valid_json
	assert_go_layout
}

# Python assertions (stdin) on the listing in stdout: doc is the parsed listing; expect(cond,
# what) records a failure; pod(ns, name), status(pod, field, name), spec(pod, field, name) find
# parts of it.
PY_PRELUDE='import json, sys
doc = json.load(open(sys.argv[1], encoding="utf-8"))
failures = []
def expect(condition, what):
    if not condition:
        failures.append(what)
def equal(actual, wanted, what):
    expect(actual == wanted, "%s is %r, expected %r" % (what, actual, wanted))
def pod(ns, name):
    found = [p for p in doc["items"] if p["metadata"]["namespace"] == ns and p["metadata"]["name"] == name]
    if len(found) != 1:
        raise SystemExit("    FAIL: %d pods %s/%s" % (len(found), ns, name))
    return found[0]
def named(items, name):
    found = [c for c in items if c["name"] == name]
    if len(found) != 1:
        raise SystemExit("    FAIL: %d entries named %s" % (len(found), name))
    return found[0]
def status(p, field, name):
    return named(p["status"][field], name)
def spec(p, field, name):
    return named(p["spec"][field], name)
def condition(p, kind):
    return [c for c in p["status"]["conditions"] if c["type"] == kind][0]
'

py_check()
{
	{
		printf '%s\n' "$PY_PRELUDE"
		cat
		printf '%s\n' 'for f in failures:' '    print("    FAIL: " + f)' 'sys.exit(1 if failures else 0)'
	} >"$CASE/check.py"
	python3 "$CASE/check.py" "$CASE/stdout" || fail "the listing is not as expected"
}

# --- the state directory ---------------------------------------------------------------------

test_dir_unset()
{
	unset KUBECTL_STUB_DIR
	run "$STUB" get pods -A -o json
	assert_refused "kubectl stub: KUBECTL_STUB_DIR is not set"
}

test_dir_missing()
{
	KUBECTL_STUB_DIR=$CASE/nowhere
	stub get pods -A -o json
	assert_refused "kubectl stub: KUBECTL_STUB_DIR $CASE/nowhere is not a directory"
}

# --- listings ------------------------------------------------------------------------------

test_no_pods_file()
{
	list_pods
	assert_listing_ok
	assert_stdout "$EMPTY_LIST"
}

test_comments_and_blank_lines_only()
{
	pods_file <<'EOF'
# NAMESPACE POD PHASE KIND NAME IMAGE IMAGEID

   # indented comment
	
EOF
	list_pods
	assert_listing_ok
	assert_stdout "$EMPTY_LIST"
}

test_running_pod_with_init_and_ephemeral_containers()
{
	pods_file <<EOF
default web-7d9c8b5f4-x2x9k Running init migrate $WEB:20261201.154037 $WEB@sha256:$HEX_A
default web-7d9c8b5f4-x2x9k Running container web $WEB:20261201.154037 $WEB@sha256:$HEX_A
default web-7d9c8b5f4-x2x9k Running container sidecar nginx docker.io/library/nginx@sha256:$HEX_B
default web-7d9c8b5f4-x2x9k Running ephemeral debugger-m942k busybox:1.36 docker.io/library/busybox@sha256:$HEX_C
EOF
	list_pods
	assert_listing_ok
	py_check <<EOF
equal(doc["apiVersion"], "v1", "apiVersion")
equal(doc["kind"], "List", "kind")
equal(doc["metadata"], {"resourceVersion": ""}, "the list's metadata")
equal(len(doc["items"]), 1, "the number of pods")
p = pod("default", "web-7d9c8b5f4-x2x9k")
equal(p["apiVersion"], "v1", "apiVersion")
equal(p["kind"], "Pod", "kind")
m = p["metadata"]
equal(m["labels"], {"app": "web", "pod-template-hash": "7d9c8b5f4"}, "labels")
equal(m["generateName"], "web-7d9c8b5f4-", "generateName")
equal(m["ownerReferences"][0]["kind"], "ReplicaSet", "owner kind")
equal(m["ownerReferences"][0]["name"], "web-7d9c8b5f4", "owner name")
expect(len(m["uid"]) == 36 and m["uid"].count("-") == 4, "uid %r is not a UUID" % m["uid"])
expect(m["resourceVersion"].isdigit(), "resourceVersion %r" % m["resourceVersion"])
expect(m["creationTimestamp"].startswith("2026-12-01T") and m["creationTimestamp"].endswith("Z"), "creationTimestamp")
equal([c["name"] for c in p["spec"]["containers"]], ["web", "sidecar"], "spec containers")
equal([c["name"] for c in p["spec"]["initContainers"]], ["migrate"], "spec initContainers")
equal([c["name"] for c in p["spec"]["ephemeralContainers"]], ["debugger-m942k"], "spec ephemeralContainers")
equal(spec(p, "containers", "web")["image"], "$WEB:20261201.154037", "web's spec image")
equal(spec(p, "containers", "web")["imagePullPolicy"], "IfNotPresent", "web's pull policy")
equal(spec(p, "containers", "sidecar")["image"], "nginx", "sidecar's spec image")
equal(spec(p, "containers", "sidecar")["imagePullPolicy"], "Always", "sidecar's pull policy")
e = spec(p, "ephemeralContainers", "debugger-m942k")
equal(e["targetContainerName"], "web", "targetContainerName")
equal((e["stdin"], e["tty"], e["imagePullPolicy"]), (True, True, "IfNotPresent"), "ephemeral spec")
equal(p["spec"]["nodeName"], "k3s-server", "nodeName")
equal(p["spec"]["restartPolicy"], "Always", "restartPolicy")
mount = p["spec"]["containers"][0]["volumeMounts"][0]["name"]
equal(p["spec"]["volumes"][0]["name"], mount, "the token volume")
s = p["status"]
equal(s["phase"], "Running", "phase")
equal([(c["type"], c["status"]) for c in s["conditions"]],
      [("PodReadyToStartContainers", "True"), ("Initialized", "True"), ("Ready", "True"),
       ("ContainersReady", "True"), ("PodScheduled", "True")], "conditions")
expect(s["podIP"].startswith("10.42.") and s["podIPs"] == [{"ip": s["podIP"]}], "pod IPs")
expect(s["hostIP"] != "" and s["hostIPs"] == [{"ip": s["hostIP"]}], "host IPs")
expect("startTime" in s, "no startTime")
web = status(p, "containerStatuses", "web")
equal(web["image"], "$WEB:20261201.154037", "web's status image")
equal(web["imageID"], "$WEB@sha256:$HEX_A", "web's imageID")
expect(web["containerID"].startswith("containerd://") and len(web["containerID"]) == 13 + 64, "web's containerID")
equal((web["ready"], web["started"], web["restartCount"], web["lastState"]), (True, True, 0, {}), "web's readiness")
equal(list(web["state"]), ["running"], "web's state")
equal(web["volumeMounts"][0]["recursiveReadOnly"], "Disabled", "web's mount status")
side = status(p, "containerStatuses", "sidecar")
equal(side["image"], "docker.io/library/nginx:latest", "sidecar's status image")
equal(side["imageID"], "docker.io/library/nginx@sha256:$HEX_B", "sidecar's imageID")
init = status(p, "initContainerStatuses", "migrate")
equal(init["imageID"], "$WEB@sha256:$HEX_A", "migrate's imageID")
equal((init["ready"], init["started"]), (True, False), "migrate's readiness")
t = init["state"]["terminated"]
equal((t["exitCode"], t["reason"], t["containerID"]), (0, "Completed", init["containerID"]), "migrate's state")
debug = status(p, "ephemeralContainerStatuses", "debugger-m942k")
equal(debug["image"], "docker.io/library/busybox:1.36", "debugger's status image")
equal(debug["imageID"], "docker.io/library/busybox@sha256:$HEX_C", "debugger's imageID")
equal(debug["ready"], False, "debugger's readiness")
expect("started" not in debug, "an ephemeral status has started")
equal(list(debug["state"]), ["running"], "debugger's state")
ids = [c["containerID"] for f in ("containerStatuses", "initContainerStatuses", "ephemeralContainerStatuses") for c in s[f]]
equal(len(set(ids)), 4, "distinct container IDs")
EOF
}

test_pending_pods()
{
	pods_file <<EOF
apps pulling Pending container app $WEB:new -
apps half Pending container ready $WEB:old $WEB@sha256:$HEX_A
apps half Pending container slow nginx:1.27 -
apps initializing Pending init setup busybox -
apps initializing Pending container app $WEB:new -
apps init-done Pending init setup busybox docker.io/library/busybox@sha256:$HEX_C
apps init-done Pending container app $WEB:new -
apps nowhere Unscheduled container app $WEB:new -
apps nowhere Unscheduled init setup busybox -
EOF
	list_pods
	assert_listing_ok
	py_check <<EOF
p = pod("apps", "pulling")
equal(p["status"]["phase"], "Pending", "pulling's phase")
app = status(p, "containerStatuses", "app")
equal((app["image"], app["imageID"]), ("$WEB:new", ""), "pulling's app status image")
expect("containerID" not in app, "a waiting container has a containerID")
equal(app["state"], {"waiting": {"reason": "ContainerCreating"}}, "pulling's app state")
equal((app["ready"], app["started"]), (False, False), "pulling's app readiness")
equal(condition(p, "Ready")["message"], "containers with unready status: [app]", "pulling's Ready message")
equal(condition(p, "Ready")["reason"], "ContainersNotReady", "pulling's Ready reason")

p = pod("apps", "half")
equal(list(status(p, "containerStatuses", "ready")["state"]), ["running"], "half's running container")
equal(status(p, "containerStatuses", "slow")["imageID"], "", "half's waiting container")
equal(status(p, "containerStatuses", "slow")["image"], "nginx:1.27", "a waiting status image is the spec's")
equal(condition(p, "Ready")["message"], "containers with unready status: [slow]", "half's Ready message")

p = pod("apps", "initializing")
setup = status(p, "initContainerStatuses", "setup")
equal((setup["imageID"], setup["state"]), ("", {"waiting": {"reason": "PodInitializing"}}), "initializing's init status")
equal(status(p, "containerStatuses", "app")["state"], {"waiting": {"reason": "PodInitializing"}}, "initializing's app state")
equal(condition(p, "Initialized")["status"], "False", "initializing's Initialized")
equal(condition(p, "Initialized")["message"], "containers with incomplete status: [setup]", "initializing's Initialized message")

p = pod("apps", "init-done")
equal(list(status(p, "initContainerStatuses", "setup")["state"]), ["terminated"], "init-done's init state")
equal(condition(p, "Initialized")["status"], "True", "init-done's Initialized")
equal(status(p, "containerStatuses", "app")["imageID"], "", "init-done's app imageID")

p = pod("apps", "nowhere")
equal(p["status"]["phase"], "Pending", "nowhere's phase")
for field in ("containerStatuses", "initContainerStatuses", "hostIP", "podIP", "startTime"):
    expect(field not in p["status"], "an unscheduled pod has " + field)
expect("nodeName" not in p["spec"], "an unscheduled pod has a nodeName")
equal([(c["type"], c["status"], c["reason"]) for c in p["status"]["conditions"]],
      [("PodScheduled", "False", "Unschedulable")], "nowhere's conditions")
equal([c["image"] for c in p["spec"]["containers"]], ["$WEB:new"], "nowhere's spec image")
EOF
}

test_finished_pods()
{
	pods_file <<EOF
jobs done Succeeded init fetch busybox docker.io/library/busybox@sha256:$HEX_C
jobs done Succeeded container run $WEB:v1 $WEB@sha256:$HEX_A
jobs broken Failed container run $WEB:v2 sha256:$HEX_B
jobs lost Unknown container run $WEB:v1 $WEB@sha256:$HEX_A
EOF
	list_pods
	assert_listing_ok
	py_check <<EOF
p = pod("jobs", "done")
equal(p["spec"]["restartPolicy"], "Never", "a finished pod's restartPolicy")
run = status(p, "containerStatuses", "run")
t = run["state"]["terminated"]
equal((t["exitCode"], t["reason"]), (0, "Completed"), "done's state")
equal((run["ready"], run["started"]), (False, False), "done's readiness")
equal(condition(p, "Ready")["reason"], "PodCompleted", "done's Ready reason")
equal(condition(p, "Initialized")["reason"], "PodCompleted", "done's Initialized reason")
equal(condition(p, "PodReadyToStartContainers")["status"], "False", "done's sandbox condition")
p = pod("jobs", "broken")
t = status(p, "containerStatuses", "run")["state"]["terminated"]
equal((t["exitCode"], t["reason"]), (1, "Error"), "broken's state")
equal(status(p, "containerStatuses", "run")["imageID"], "sha256:$HEX_B", "broken's imageID")
equal(condition(p, "Ready")["reason"], "PodFailed", "broken's Ready reason")
equal(pod("jobs", "lost")["status"]["phase"], "Unknown", "lost's phase")
EOF
}

test_docker_runtime_image_ids()
{
	pods_file <<EOF
default old Running container web nginx docker-pullable://nginx@sha256:$HEX_A
default old Running container api me/api:2 docker://sha256:$HEX_B
EOF
	list_pods
	assert_listing_ok
	py_check <<EOF
p = pod("default", "old")
web = status(p, "containerStatuses", "web")
expect(web["containerID"].startswith("docker://"), "web's containerID %r" % web["containerID"])
equal(web["image"], "nginx:latest", "web's status image")
equal(web["imageID"], "docker-pullable://nginx@sha256:$HEX_A", "web's imageID")
equal(status(p, "containerStatuses", "api")["image"], "me/api:2", "api's status image")
EOF
}

test_status_images_and_pull_policies()
{
	pods_file <<EOF
default refs Running container a nginx sha256:$HEX_A
default refs Running container b nginx:1.27 sha256:$HEX_A
default refs Running container c me/app sha256:$HEX_A
default refs Running container d ghcr.io/me/app sha256:$HEX_A
default refs Running container e localhost/whoami/web:20261201.154037 sha256:$HEX_A
default refs Running container f localhost:5000/web:latest sha256:$HEX_A
default refs Running container g nginx@sha256:$HEX_B sha256:$HEX_A
default refs Running container h docker.io/nginx sha256:$HEX_A
default refs Running container i registry.example.com:5000/team/app:v2@sha256:$HEX_B sha256:$HEX_A
EOF
	list_pods
	assert_listing_ok
	py_check <<EOF
p = pod("default", "refs")
wanted = {
    "a": ("docker.io/library/nginx:latest", "Always"),
    "b": ("docker.io/library/nginx:1.27", "IfNotPresent"),
    "c": ("docker.io/me/app:latest", "Always"),
    "d": ("ghcr.io/me/app:latest", "Always"),
    "e": ("localhost/whoami/web:20261201.154037", "IfNotPresent"),
    "f": ("localhost:5000/web:latest", "Always"),
    "g": ("docker.io/library/nginx@sha256:$HEX_B", "IfNotPresent"),
    "h": ("docker.io/library/nginx:latest", "Always"),
    "i": ("registry.example.com:5000/team/app:v2@sha256:$HEX_B", "IfNotPresent"),
}
for name, (image, policy) in sorted(wanted.items()):
    equal(status(p, "containerStatuses", name)["image"], image, name + "'s status image")
    equal(spec(p, "containers", name)["imagePullPolicy"], policy, name + "'s pull policy")
EOF
}

test_pods_sorted_and_grouped()
{
	pods_file <<EOF
zeta b Running container one img:1 sha256:$HEX_A
alpha b Running container one img:1 sha256:$HEX_A
alpha a Running container one img:1 sha256:$HEX_A
zeta b Running container two img:2 sha256:$HEX_B
alpha B Running container one img:1 sha256:$HEX_A
EOF
	list_pods
	assert_listing_ok
	py_check <<'EOF'
equal([(p["metadata"]["namespace"], p["metadata"]["name"]) for p in doc["items"]],
      [("alpha", "B"), ("alpha", "a"), ("alpha", "b"), ("zeta", "b")], "the order of the pods")
equal([c["name"] for c in pod("zeta", "b")["spec"]["containers"]], ["one", "two"], "zeta/b's containers")
equal(pod("alpha", "a")["metadata"]["labels"], {"run": "a"}, "a plain pod's labels")
EOF
}

test_many_pods()
{
	awk -v hex="$HEX_A" 'BEGIN {
		for (i = 1; i <= 600; i++) {
			ns = "ns" (i % 7)
			printf "%s pod-%d Running init init-%d busybox sha256:%s\n", ns, i, i, hex
			printf "%s pod-%d Running container app-%d img:%d img@sha256:%s\n", ns, i, i, i, hex
			if (i % 50 == 0)
				printf "%s pod-%d Running ephemeral debug-%d busybox sha256:%s\n", ns, i, i, hex
		}
		for (i = 1; i <= 100; i++)
			printf "pending pend-%d Pending container app img:%d -\n", i, i
	}' | pods_file
	list_pods
	assert_listing_ok
	py_check <<'EOF'
items = doc["items"]
equal(len(items), 700, "the number of pods")
keys = [(p["metadata"]["namespace"], p["metadata"]["name"]) for p in items]
equal(keys, sorted(keys), "the order of the pods")
equal(len({p["metadata"]["uid"] for p in items}), 700, "distinct uids")
equal(len({p["status"]["podIP"] for p in items}), 700, "distinct pod IPs")
ids = [c["containerID"] for p in items for f in ("containerStatuses", "initContainerStatuses", "ephemeralContainerStatuses")
       for c in p["status"].get(f, []) if "containerID" in c]
equal(len(ids), 1212, "container IDs")
equal(len(set(ids)), 1212, "distinct container IDs")
equal(sum(1 for p in items if p["status"]["phase"] == "Pending"), 100, "pending pods")
EOF
}

test_json_escaping()
{
	printf 'we"ird\\ns p<o>d&x Running container caf\303\251 img\377x\342\200\250y sha256:%s\n' "$HEX_A" |
		pods_file
	printf 'tab\001ns ctl\rpod Running container c im\033g sha256:%s\n' "$HEX_A" >>"$KUBECTL_STUB_DIR/pods"
	list_pods
	assert_status 0
	assert_valid_json
	grep -qF '"name": "p\u003co\u003ed\u0026x",' "$CASE/stdout" || fail "<, >, & are not escaped as Go escapes them"
	grep -qF '"namespace": "we\"ird\\ns",' "$CASE/stdout" || fail "quote and backslash are not escaped"
	grep -qF '"image": "img\ufffdx\u2028y",' "$CASE/stdout" || fail "a bad byte or U+2028 is not escaped"
	grep -qF '"namespace": "tab\u0001ns",' "$CASE/stdout" || fail "a control character is not escaped"
	grep -qF '"name": "ctl\rpod",' "$CASE/stdout" || fail "CR is not escaped"
	grep -qF '"name": "café",' "$CASE/stdout" || fail "UTF-8 is not kept"
	py_check <<'EOF'
p = pod('we"ird\\ns', "p<o>d&x")
equal(p["spec"]["containers"][0]["name"], "caf\u00e9", "the container's name")
equal(p["spec"]["containers"][0]["image"], "img\ufffdx\u2028y", "the spec image")
equal(p["status"]["containerStatuses"][0]["image"], "docker.io/library/img\ufffdx\u2028y:latest", "the status image")
pod("tab\x01ns", "ctl\rpod")
EOF
}

test_same_output_every_time()
{
	pods_file <<EOF
default web Running container web $WEB:1 $WEB@sha256:$HEX_A
default other Pending container web $WEB:2 -
EOF
	list_pods
	cp "$CASE/stdout" "$CASE/first"
	list_pods
	cmp -s "$CASE/first" "$CASE/stdout" || fail "two listings of the same pods differ"
}

# A pods file that breaks the rules: every call fails, naming the line.
expect_bad_pods()
{
	printf '%s\n' "$1" | pods_file
	list_pods
	assert_status 1
	assert_stdout
	assert_stderr_has "kubectl stub: pods line $2: "
}

test_bad_pods_lines()
{
	expect_bad_pods "default web Running container web img" 1
	expect_bad_pods "# comment
default web Running container web img sha256:$HEX_A extra" 2
	expect_bad_pods "default web Started container web img sha256:$HEX_A" 1
	expect_bad_pods "default web Running sidecar web img sha256:$HEX_A" 1
	expect_bad_pods "default web Running container web img sha256:$HEX_A
default web Pending container other img sha256:$HEX_A" 2
	expect_bad_pods "default web Running container web img sha256:$HEX_A
default web Running init web img sha256:$HEX_A" 2
	expect_bad_pods "default web Running init setup img sha256:$HEX_A" 1
	expect_bad_pods "default web Running container web img -" 1
	expect_bad_pods "default web Unscheduled container web img sha256:$HEX_A" 1
	expect_bad_pods "default web Pending init setup img -
default web Pending container web img sha256:$HEX_A" 1
}

# --- failures on demand ----------------------------------------------------------------------

test_fail_get_with_message()
{
	message='Error from server (Forbidden): pods is forbidden: User "system:serviceaccount:x:y" cannot list resource "pods" in API group "" at the cluster scope'
	printf '%s\n' "$message" >"$KUBECTL_STUB_DIR/fail-get"
	list_pods
	assert_refused "$message"
}

test_fail_get_without_message()
{
	: >"$KUBECTL_STUB_DIR/fail-get"
	list_pods
	assert_refused 'Error from server (InternalError): an error on the server ("") has prevented the request from succeeding (get pods)'
}

test_garble_default()
{
	pods_file <<EOF
default web Running container web $WEB:1 $WEB@sha256:$HEX_A
EOF
	: >"$KUBECTL_STUB_DIR/garble"
	list_pods
	assert_status 0
	[ -s "$CASE/stdout" ] || fail "stdout is empty"
	! python3 -m json.tool "$CASE/stdout" >/dev/null 2>&1 || fail "garbled stdout is valid JSON"
	head -n 1 "$CASE/stdout" | grep -qx '{' || fail "garbled stdout does not begin as the listing does"
}

test_garble_default_without_pods()
{
	: >"$KUBECTL_STUB_DIR/garble"
	list_pods
	assert_status 0
	[ -s "$CASE/stdout" ] || fail "stdout is empty"
	! python3 -m json.tool "$CASE/stdout" >/dev/null 2>&1 || fail "garbled stdout is valid JSON"
}

test_garble_with_content()
{
	printf '{"apiVersion": "v1", "items": [\n' >"$KUBECTL_STUB_DIR/garble"
	list_pods
	assert_status 0
	cmp -s "$KUBECTL_STUB_DIR/garble" "$CASE/stdout" || fail "stdout is not the garble file"
}

test_inspect_is_not_logged_and_ignores_failures()
{
	: >"$KUBECTL_STUB_DIR/fail-get"
	: >"$KUBECTL_STUB_DIR/garble"
	KUBECTL_STUB_INSPECT=1 stub get pods -A -o json
	assert_listing_ok
	assert_stdout "$EMPTY_LIST"
	[ ! -e "$(calls_file)" ] || fail "an inspecting call was logged: $(cat "$(calls_file)")"
}

# --- kubeconfig and context ------------------------------------------------------------------

test_kubeconfig_required_flag()
{
	: >"$CASE/k3s.yaml"
	: >"$CASE/other.yaml"
	printf '%s\n' "$CASE/k3s.yaml" >"$KUBECTL_STUB_DIR/kubeconfig-required"
	list_pods
	assert_refused "$REFUSED"
	list_pods --kubeconfig "$CASE/other.yaml"
	assert_refused "$REFUSED"
	list_pods --kubeconfig "$CASE/k3s.yaml"
	assert_listing_ok
	stub --kubeconfig="$CASE/k3s.yaml" get pods -A -o json
	assert_listing_ok
	list_pods --kubeconfig "$CASE/other.yaml" --kubeconfig "$CASE/k3s.yaml"
	assert_listing_ok
	KUBECONFIG=$CASE/k3s.yaml list_pods --kubeconfig "$CASE/other.yaml"
	assert_refused "$REFUSED"
}

test_kubeconfig_required_environment()
{
	: >"$CASE/k3s.yaml"
	printf '%s\n' "$CASE/k3s.yaml" >"$KUBECTL_STUB_DIR/kubeconfig-required"
	KUBECONFIG=$CASE/k3s.yaml list_pods
	assert_listing_ok
	KUBECONFIG=$CASE/missing.yaml:$CASE/k3s.yaml list_pods
	assert_listing_ok
	KUBECONFIG=$CASE/other.yaml list_pods
	assert_refused "$REFUSED"
	rm "$CASE/k3s.yaml"
	KUBECONFIG=$CASE/k3s.yaml list_pods
	assert_refused "$REFUSED"
}

test_kubeconfig_required_home_config()
{
	mkdir -p "$HOME/.kube"
	: >"$HOME/.kube/config"
	printf '%s\n' "$HOME/.kube/config" >"$KUBECTL_STUB_DIR/kubeconfig-required"
	list_pods
	assert_listing_ok
	KUBECONFIG=$CASE/other.yaml list_pods
	assert_refused "$REFUSED"
}

test_kubeconfig_that_does_not_exist()
{
	list_pods --kubeconfig "$CASE/missing.yaml"
	assert_refused "error: stat $CASE/missing.yaml: no such file or directory"
	list_pods --kubeconfig=
	assert_listing_ok
}

test_context_required()
{
	printf 'k3s-main\n' >"$KUBECTL_STUB_DIR/context-required"
	list_pods
	assert_listing_ok
	list_pods --context k3s-main
	assert_listing_ok
	stub --context=k3s-main get pods -A -o json
	assert_listing_ok
	list_pods --context=
	assert_listing_ok
	list_pods --context other
	assert_refused 'Error in configuration: context was not found for specified context: other'
}

test_context_without_the_right_kubeconfig()
{
	: >"$CASE/k3s.yaml"
	printf '%s\n' "$CASE/k3s.yaml" >"$KUBECTL_STUB_DIR/kubeconfig-required"
	list_pods --context default
	assert_refused 'Error in configuration: context was not found for specified context: default'
	list_pods --context default --kubeconfig "$CASE/k3s.yaml"
	assert_listing_ok
}

# --- the command line ------------------------------------------------------------------------

# Each line: arguments (shell words, expanded when the test runs) that ask for the same listing
# as kimb's call.
SPELLINGS="get pods --all-namespaces -o json
get pods -A -o json
get pods --all-namespaces=true -o json
get pods --all-namespaces=1 -o json
get pods -A=true -ojson
get pods -A -o=json
get pods -A --output json
get pods -A --output=json
get pod -A -o json
get po -A -o json
get -A -o json pods
get pods -Ao json
get pods -Aojson
get pods --all_namespaces --output=json
get pods -o yaml -o json -A
get pods -A -o json --
-o json get pods -A
--kubeconfig=\"\$CASE/kcfg\" get pods -A -o json
--kubeconfig \"\$CASE/kcfg\" get pods -A -o json
get pods -A -o json --kubeconfig \"\$CASE/kcfg\"
--context=default get pods -A -o json
--context default get pods -A -o json
get --context default pods -A -o json
--kubeconfig \"\$CASE/kcfg\" --context default --request-timeout 30s get pods -A -o json
--request-timeout=10 get pods --all-namespaces -o json
get pods -A -o json --request-timeout=1m30s
get pods -A -o json --request-timeout 0"

test_flag_spellings()
{
	: >"$CASE/kcfg"
	pods_file <<EOF
default web Running container web $WEB:1 $WEB@sha256:$HEX_A
EOF
	list_pods
	cp "$CASE/stdout" "$CASE/canonical"
	printf '%s\n' "$SPELLINGS" >"$CASE/spellings"
	while IFS= read -r line; do
		eval "set -- $line"
		stub "$@"
		# shellcheck disable=SC2154 # set by lib.sh's run
		if [ "$status" -ne 0 ] || ! cmp -s "$CASE/canonical" "$CASE/stdout"; then
			fail "kubectl $line: status $status, stderr $(cat "$CASE/stderr")"
		fi
	done <"$CASE/spellings"
}

# Each case: the expected stderr, then the arguments.
expect_error()
{
	expected=$1
	shift
	stub "$@"
	assert_status 1
	assert_stdout
	printf '%s\n' "$expected" >"$CASE/expected-stderr"
	cmp -s "$CASE/expected-stderr" "$CASE/stderr" ||
		fail "kubectl $*: stderr is
$(cat "$CASE/stderr")
expected
$expected"
}

test_kubectl_errors()
{
	usage="See 'kubectl get --help' for usage."
	expect_error "Error: unknown flag: --foo
$usage" get pods -A -o json --foo
	expect_error "Error: unknown flag: --foo
$usage" --foo=1 get pods -A -o json
	expect_error "Error: unknown shorthand flag: 'x' in -x
$usage" get pods -Ax -o json
	expect_error "Error: unknown shorthand flag: '=' in -=
$usage" get pods -A= -o json
	expect_error "Error: flag needs an argument: 'o' in -o
$usage" get pods -A -o
	expect_error "Error: flag needs an argument: --output
$usage" get pods -A --output
	expect_error "Error: flag needs an argument: --kubeconfig
$usage" get pods -A -o json --kubeconfig
	expect_error "Error: bad flag syntax: ---x
$usage" get pods -A -o json ---x
	expect_error "Error: invalid argument \"maybe\" for \"-A, --all-namespaces\" flag: strconv.ParseBool: parsing \"maybe\": invalid syntax
$usage" get pods --all-namespaces=maybe -o json
	expect_error "Error: flags cannot be placed before plugin name: -A" -A get pods -o json
	expect_error "Error: flags cannot be placed before plugin name: --all-namespaces" --all-namespaces get pods -o json
	expect_error 'Error: unknown command "pods" for "kubectl"' pods get -A -o json
	expect_error 'You must specify the type of resource to get. Use "kubectl api-resources" for a complete list of supported resources.

error: Required resource not specified.
Use "kubectl explain <resource>" for a detailed description of that resource (e.g. kubectl explain pods).
See '"'kubectl get -h'"' for help and examples' get -A -o json
	expect_error 'error: the server doesn'"'"'t have a resource type "pds"' get pds -A -o json
	expect_error 'error: a resource cannot be retrieved by name across all namespaces' get pods web -A -o json
	expect_error 'error: a resource cannot be retrieved by name across all namespaces' get pods -A -o json -- --kubeconfig=x
	expect_error "error: stat $CASE/nothing: no such file or directory" --kubeconfig "$CASE/nothing" get
	expect_error "error: stat --context=x: no such file or directory" get pods -A -o json --kubeconfig --context=x
}

test_not_mimicked()
{
	expect_error 'kubectl stub: only -o json is mimicked, not -o yaml' get pods -A -o yaml
	expect_error 'kubectl stub: only -o json is mimicked, not the table kubectl prints without -o' get pods -A
	expect_error 'kubectl stub: only listings across all namespaces (-A, --all-namespaces) are mimicked' get pods -o json
	expect_error 'kubectl stub: only listings across all namespaces (-A, --all-namespaces) are mimicked' get pods --all-namespaces=false -o json
	expect_error 'kubectl stub: the flag --namespace is not mimicked' get pods -A -n default -o json
	expect_error 'kubectl stub: the flag --selector is not mimicked' get pods -A -l app=web -o json
	expect_error 'kubectl stub: the flag --help is not mimicked' get pods -A -o json --help
	expect_error 'kubectl stub: only the resource pods (pod, po) is mimicked, not pods/web' get pods/web -A -o json
	expect_error 'kubectl stub: only the resource pods (pod, po) is mimicked, not Pods' get Pods -A -o json
	expect_error 'kubectl stub: the command "version" is not mimicked' version
	expect_error 'kubectl stub: kubectl without a command (its help) is not mimicked' --kubeconfig x
}

test_request_timeout()
{
	for timeout in 0 5 05 30s 1m30s 1.5s 500ms -1s +5s 1h ''; do
		list_pods --request-timeout="$timeout"
		[ "$status" -eq 0 ] || fail "--request-timeout=$timeout refused: $(cat "$CASE/stderr")"
	done
	for timeout in abc 1d -5 ' 5' 1e3s 5S; do
		list_pods --request-timeout="$timeout"
		assert_refused 'error: Invalid timeout value. Timeout must be a single integer in seconds, or an integer followed by a corresponding time unit (e.g. 1s | 2m | 3h)'
	done
}

# kubectl's order: flags, kubeconfig file, context, resource, timeout, connection, server.
test_error_order()
{
	printf 'main\n' >"$KUBECTL_STUB_DIR/context-required"
	expect_error "error: stat $CASE/none: no such file or directory" get --kubeconfig "$CASE/none" --context other --request-timeout=x
	expect_error 'Error in configuration: context was not found for specified context: other' get --context other --request-timeout=x
	expect_error 'error: Invalid timeout value. Timeout must be a single integer in seconds, or an integer followed by a corresponding time unit (e.g. 1s | 2m | 3h)' get pds -A -o json --request-timeout=x
	: >"$KUBECTL_STUB_DIR/fail-get"
	expect_error 'error: the server doesn'"'"'t have a resource type "pds"' get pds -A -o json
}

# --- the call log ----------------------------------------------------------------------------

test_call_log()
{
	list_pods
	stub --context "it's" get pods -A -o json
	stub get pods -A -o json --kubeconfig "$(printf 'two\nlines')"
	stub get pods -A -o json --foo
	stub
	# The last call, without arguments, logs an empty line.
	cat >"$CASE/expected" <<'EOF'
'get' 'pods' '--all-namespaces' '-o' 'json'
'--context' 'it'\''s' 'get' 'pods' '-A' '-o' 'json'
'get' 'pods' '-A' '-o' 'json' '--kubeconfig' 'two\nlines'
'get' 'pods' '-A' '-o' 'json' '--foo'

EOF
	cmp -s "$CASE/expected" "$(calls_file)" || fail "the call log is
$(cat "$(calls_file)")
expected
$(cat "$CASE/expected")"
}

for test in $(functions_named test); do
	run_test "$test" eval "setup && $test"
done
summary
