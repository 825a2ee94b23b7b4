#!/usr/bin/env bash
# crictl, unchanged, against berthd (issue 4, check 2): a pod with two containers sharing its
# network (a web server, and a client that fetches from it over localhost), their logs, stats
# and inspect output, then stop and remove; nothing may be left (berthd-lib.sh's leak check).
#
# Usage: scripts/integration/berthd-crictl.sh [HANDLER]   (berth by default; runc, crun)
set -euo pipefail
BD_HANDLER=${1:-berth}
BD_NAME=crictl
# shellcheck source=berthd-lib.sh
. "$(dirname "$0")/berthd-lib.sh"
trap bd_cleanup EXIT

bd_setup
bd_start
crictl pull "$IMAGE" >/dev/null
cfg=$BD_WORK/cfg
mkdir -p "$cfg"
cat >"$cfg/pod.json" <<JSON
{ "metadata": { "name": "web", "namespace": "berth-demo", "uid": "web-uid", "attempt": 0 },
  "hostname": "web", "log_directory": "$BD_WORK/logs/web", "linux": {},
  "port_mappings": [ { "protocol": 0, "container_port": 8080, "host_port": 12080, "host_ip": "127.0.0.1" } ] }
JSON
cat >"$cfg/server.json" <<JSON
{ "metadata": { "name": "server" }, "image": { "image": "$IMAGE" }, "log_path": "server.log",
  "command": ["sh", "-c", "mkdir -p /www && echo hello from berth > /www/index.html && echo serving && exec httpd -f -v -p 8080 -h /www"],
  "linux": {} }
JSON
cat >"$cfg/client.json" <<JSON
{ "metadata": { "name": "client" }, "image": { "image": "$IMAGE" }, "log_path": "client.log",
  "command": ["sh", "-c", "while true; do wget -q -O - http://localhost:8080/ || echo fetch failed; sleep 1; done"],
  "linux": {} }
JSON
pod=$(crictl runp "$cfg/pod.json")
server=$(crictl create "$pod" "$cfg/server.json" "$cfg/pod.json")
client=$(crictl create "$pod" "$cfg/client.json" "$cfg/pod.json")
crictl start "$server" "$client" >/dev/null
sleep 2.5
echo "--- crictl pods"; crictl pods
echo "--- crictl ps"; crictl ps
echo "--- crictl logs client"; crictl logs "$client" | tail -3
check "the client reaches the server over the pod's shared network" grep -q "hello from berth" <(crictl logs "$client" 2>&1)
check "the server's log has its own output" grep -q serving <(crictl logs "$server" 2>&1)
ip=$(crictl inspectp -o go-template --template '{{.status.network.ip}}' "$pod")
check "the pod has an IP ($ip) the host reaches" grep -q "hello from berth" <(curl -sS -m 5 "http://$ip:8080/" 2>&1)
check "the host port 127.0.0.1:12080 maps to the pod" grep -q "hello from berth" <(curl -sS -m 5 "http://127.0.0.1:12080/" 2>&1)
echo "--- crictl stats"; crictl stats
mem=$(crictl stats -o json "$server" | jq -r '.stats[0].memory.workingSetBytes.value // 0')
check "stats report the server's memory ($mem bytes)" [ "${mem:-0}" -gt 0 ]
echo "--- crictl statsp"; crictl statsp 2>&1 || true
echo "--- crictl inspect server (excerpt)"; crictl inspect "$server" | jq '{status: {state: .status.state, image: .status.image.image, logPath: .status.logPath}, info: {pid: .info.pid, runtimeHandler: .info.runtimeHandler}}'
check "inspect shows a pid and the handler" [ "$(crictl inspect "$server" | jq -r .info.runtimeHandler)" = "$BD_HANDLER" ]
check "inspectp shows the pod ready" [ "$(crictl inspectp -o go-template --template '{{.status.state}}' "$pod")" = SANDBOX_READY ]
crictl stop "$server" "$client" >/dev/null
check "both containers stopped" [ "$(crictl ps -q | wc -l)" = 0 ]
crictl rm "$server" "$client" >/dev/null
crictl stopp "$pod" >/dev/null
crictl rmp "$pod" >/dev/null
check "pod and containers removed" [ "$(crictl ps -qa | wc -l)$(crictl pods -q | wc -l)" = 00 ]

# GetContainerEvents: a watcher sees each of two containers created, started, stopped, deleted.
bench=$(dirname "$BERTHD")/berth-cri-bench
if [ -x "$bench" ]; then
	events=$("$bench" --socket "$BD_SOCK" --iterations 2 --events --summary-only --label events | grep '"type":"events"')
	all=$(jq -r '.created == 2 and .started == 2 and .stopped == 2 and .deleted == 2' <<<"$events")
	check "GetContainerEvents streams created, started, stopped, deleted ($events)" [ "$all" = true ]
else
	echo "skip GetContainerEvents: $bench is not built"
fi

# A pod whose infra ("pause") process dies is reported not ready (kubelet then recreates it).
pod=$(crictl runp "$cfg/pod.json")
pause=$(crictl inspectp "$pod" | jq -r '.info.pid')
kill -KILL "$pause"
sleep 2.5
check "a pod whose infra process was killed is NotReady" [ "$(crictl inspectp -o go-template --template '{{.status.state}}' "$pod")" = SANDBOX_NOTREADY ]
crictl stopp "$pod" >/dev/null
crictl rmp "$pod" >/dev/null
bd_leaks || FAILED=$((FAILED + 1))
echo "berthd-crictl: $FAILED failed"
[ "$FAILED" = 0 ]
