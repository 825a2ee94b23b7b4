#!/usr/bin/env bash
# Malformed requests against berthd (issue 4, check 6): missing metadata, unknown ids, invalid
# resources, an unknown runtime handler and duplicate names must get the right gRPC status with
# a clear message, and change nothing (no pod, container, state file or mount is left).
#
# Usage: scripts/integration/berthd-malformed.sh [HANDLER]   (berth by default)
set -euo pipefail
BD_HANDLER=${1:-berth}
BD_NAME=malformed
# shellcheck source=berthd-lib.sh
. "$(dirname "$0")/berthd-lib.sh"
trap bd_cleanup EXIT
# expect CODE NAME COMMAND...: the command fails and its message names the gRPC code.
expect() {
	local code=$1 name=$2 out
	shift 2
	if out=$("$@" 2>&1); then
		echo "FAIL $name: succeeded: $out"
		FAILED=$((FAILED + 1))
	elif grep -q "code = $code" <<<"$out"; then
		echo "ok   $name: $(grep -o "code = $code desc = .*" <<<"$out" | head -1 | cut -c1-150)"
	else
		echo "FAIL $name: expected $code: $out"
		FAILED=$((FAILED + 1))
	fi
}
# unchanged NAME: no pod or container beyond the good pod (and its infra), no state beyond it.
unchanged() {
	local pods containers
	pods=$(crictl pods -q | wc -l)
	containers=$(crictl ps -qa | wc -l)
	if [ "$pods" = 1 ] && [ "$containers" = 0 ] && [ "$(ls "$BD_STATE/containers" | wc -l)" = 1 ] \
		&& [ "$(ls "$BD_STATE/pods" | wc -l)" = 1 ]; then
		echo "ok   $1: nothing changed"
	else
		echo "FAIL $1: $pods pods, $containers containers, state: $(ls "$BD_STATE/pods" "$BD_STATE/containers")"
		FAILED=$((FAILED + 1))
	fi
}

bd_setup
bd_start
crictl pull "$IMAGE" >/dev/null
cfg=$BD_WORK/cfg
mkdir -p "$cfg"
cat >"$cfg/pod.json" <<JSON
{ "metadata": { "name": "good", "namespace": "berth-malformed", "uid": "good-uid" }, "log_directory": "$BD_WORK/logs", "linux": {} }
JSON
pod=$(crictl runp "$cfg/pod.json")
echo '{ "log_directory": "/tmp", "linux": {} }' >"$cfg/nometa.json"
echo '{ "metadata": { "name": "x", "namespace": "", "uid": "u" }, "linux": {} }' >"$cfg/nonamespace.json"
expect InvalidArgument "RunPodSandbox without metadata" crictl runp "$cfg/nometa.json"
expect InvalidArgument "RunPodSandbox without a namespace" crictl runp "$cfg/nonamespace.json"
expect InvalidArgument "RunPodSandbox with an unknown runtime handler" crictl runp --runtime no-such-handler "$cfg/pod.json"
expect AlreadyExists "RunPodSandbox with a duplicate name" crictl runp "$cfg/pod.json"
cat >"$cfg/badsysctl.json" <<JSON
{ "metadata": { "name": "sys", "namespace": "berth-malformed", "uid": "sys-uid" }, "linux": { "sysctls": { "kernel.panic": "1" } } }
JSON
expect InvalidArgument "RunPodSandbox with a host-wide sysctl" crictl runp "$cfg/badsysctl.json"
unchanged "after the refused RunPodSandbox calls"

cat >"$cfg/ctr.json" <<JSON
{ "metadata": { "name": "c" }, "image": { "image": "$IMAGE" }, "command": ["sleep", "60"], "linux": {} }
JSON
echo "{ \"image\": { \"image\": \"$IMAGE\" }, \"linux\": {} }" >"$cfg/ctr-nometa.json"
cat >"$cfg/ctr-badres.json" <<JSON
{ "metadata": { "name": "r" }, "image": { "image": "$IMAGE" }, "linux": { "resources": { "memory_limit_in_bytes": -5 } } }
JSON
cat >"$cfg/ctr-badcpu.json" <<JSON
{ "metadata": { "name": "q" }, "image": { "image": "$IMAGE" }, "linux": { "resources": { "cpu_quota": 500, "cpu_period": 10 } } }
JSON
cat >"$cfg/ctr-noimage.json" <<JSON
{ "metadata": { "name": "n" }, "image": { "image": "localhost:5000/no/such:image" }, "linux": {} }
JSON
cat >"$cfg/ctr-badcap.json" <<JSON
{ "metadata": { "name": "k" }, "image": { "image": "$IMAGE" }, "linux": { "security_context": { "capabilities": { "add_capabilities": ["CAP_FLY"] } } } }
JSON
expect InvalidArgument "CreateContainer without metadata" crictl create "$pod" "$cfg/ctr-nometa.json" "$cfg/pod.json"
expect InvalidArgument "CreateContainer with a negative memory limit" crictl create "$pod" "$cfg/ctr-badres.json" "$cfg/pod.json"
expect InvalidArgument "CreateContainer with a CPU period below 1 ms" crictl create "$pod" "$cfg/ctr-badcpu.json" "$cfg/pod.json"
expect InvalidArgument "CreateContainer with an unknown capability" crictl create "$pod" "$cfg/ctr-badcap.json" "$cfg/pod.json"
expect NotFound "CreateContainer with an image not pulled" crictl create --no-pull "$pod" "$cfg/ctr-noimage.json" "$cfg/pod.json"
expect NotFound "CreateContainer in an unknown pod" crictl create --no-pull 0123456789abcdef "$cfg/ctr.json" "$cfg/pod.json"
unchanged "after the refused CreateContainer calls"

expect NotFound "StartContainer of an unknown id" crictl start 0123456789abcdef
expect NotFound "StopContainer of an unknown id" crictl stop 0123456789abcdef
expect NotFound "ContainerStatus of an unknown id" crictl inspect 0123456789abcdef
expect NotFound "PodSandboxStatus of an unknown id" crictl inspectp 0123456789abcdef
expect NotFound "ExecSync in an unknown container" crictl exec -s 0123456789abcdef true
c=$(crictl create "$pod" "$cfg/ctr.json" "$cfg/pod.json")
expect AlreadyExists "CreateContainer with a duplicate name" crictl create "$pod" "$cfg/ctr.json" "$cfg/pod.json"
expect FailedPrecondition "ExecSync in a container not started" crictl exec -s "$c" true
crictl rm "$c" >/dev/null
unchanged "after the refused calls on containers"

crictl stopp "$pod" >/dev/null
crictl rmp "$pod" >/dev/null
bd_leaks || FAILED=$((FAILED + 1))
echo "berthd-malformed: $FAILED failed"
[ "$FAILED" = 0 ]
