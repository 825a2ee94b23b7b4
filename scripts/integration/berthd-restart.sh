#!/usr/bin/env bash
# Restart safety (issue 4, check 3): 10 running containers in 5 pods, `kill -9` berthd, start it
# again. Every container must be listed with the right state, logs must go on, containers that
# ended while berthd was down must report their exit codes, and stop/remove must work; then
# nothing may be left (berthd-lib.sh's leak check).
#
# Usage: scripts/integration/berthd-restart.sh [HANDLER]   (berth by default; runc, crun)
set -euo pipefail
BD_HANDLER=${1:-berth}
BD_NAME=restart
# shellcheck source=berthd-lib.sh
. "$(dirname "$0")/berthd-lib.sh"
trap bd_cleanup EXIT

bd_setup
bd_start
crictl pull "$IMAGE" >/dev/null
cfg=$BD_WORK/cfg
mkdir -p "$cfg"
pods=()
tickers=()
enders=()
for i in 1 2 3 4 5; do
	cat >"$cfg/pod$i.json" <<JSON
{ "metadata": { "name": "restart-$i", "namespace": "berth-restart", "uid": "restart-uid-$i", "attempt": 0 },
  "hostname": "restart-$i", "log_directory": "$BD_WORK/logs/pod$i", "linux": {} }
JSON
	cat >"$cfg/ticker$i.json" <<JSON
{ "metadata": { "name": "ticker" }, "image": { "image": "$IMAGE" }, "log_path": "ticker.log",
  "command": ["sh", "-c", "i=0; while true; do echo tick \$i; i=\$((i+1)); sleep 0.1; done"], "linux": {} }
JSON
	# Ends 3 s after it starts, with exit code 40+i: while berthd is down.
	cat >"$cfg/ender$i.json" <<JSON
{ "metadata": { "name": "ender" }, "image": { "image": "$IMAGE" }, "log_path": "ender.log",
  "command": ["sh", "-c", "echo started; sleep 3; echo ending; exit $((40 + i))"], "linux": {} }
JSON
	pod=$(crictl runp "$cfg/pod$i.json")
	pods+=("$pod")
	t=$(crictl create "$pod" "$cfg/ticker$i.json" "$cfg/pod$i.json")
	e=$(crictl create "$pod" "$cfg/ender$i.json" "$cfg/pod$i.json")
	crictl start "$t" "$e" >/dev/null
	tickers+=("$t")
	enders+=("$e")
done
running=$(crictl ps -q --state running | wc -l)
check "10 containers running in 5 pods before the kill ($running)" [ "$running" = 10 ]
monitors_before=$(pgrep -fc "berth-monitor.*$BD_STATE" || true)

bd_kill9
sleep 0.5
lines_at_kill=$(wc -l <"$BD_WORK/logs/pod1/ticker.log")
monitors_down=$(pgrep -fc "berth-monitor.*$BD_STATE" || true)
check "monitors survive kill -9 of berthd ($monitors_down of $monitors_before)" [ "$monitors_down" = "$monitors_before" ]
sleep 4 # the enders exit now, with berthd down
bd_start

check "5 pods listed ready after the restart" [ "$(crictl pods -q --state ready | wc -l)" = 5 ]
for i in 0 1 2 3 4; do
	state=$(crictl inspect -o go-template --template '{{.status.state}}' "${tickers[$i]}")
	check "ticker $((i + 1)) still running after the restart ($state)" [ "$state" = CONTAINER_RUNNING ]
	state=$(crictl inspect -o go-template --template '{{.status.state}} {{.status.exitCode}}' "${enders[$i]}")
	check "ender $((i + 1)) reported exited with its code $((41 + i)) ($state)" [ "$state" = "CONTAINER_EXITED $((41 + i))" ]
	check "ender $((i + 1))'s log has what it wrote while berthd was down" grep -q ending "$BD_WORK/logs/pod$((i + 1))/ender.log"
done
sleep 1
lines_now=$(wc -l <"$BD_WORK/logs/pod1/ticker.log")
check "logs go on ($lines_at_kill lines at the kill, $lines_now now)" [ "$lines_now" -gt "$((lines_at_kill + 20))" ]
logs=$(crictl logs --tail 1 "${tickers[0]}" 2>&1)
check "crictl logs reads the log after the restart ($logs)" grep -q '^tick' <<<"$logs"
out=$(crictl exec -s "${tickers[1]}" echo alive 2>&1 || true)
check "exec into a container started before the restart" [ "$out" = alive ]

# A quiet container whose monitor dies (killed by hand, OOM) is UNKNOWN, not exited: it still
# runs. (One that writes output dies of SIGPIPE with its monitor.) StopContainer kills it
# through the runtime, RemoveContainer removes it.
cat >"$cfg/quiet.json" <<JSON
{ "metadata": { "name": "quiet" }, "image": { "image": "$IMAGE" }, "command": ["sleep", "3600"], "linux": {} }
JSON
quiet=$(crictl create "${pods[4]}" "$cfg/quiet.json" "$cfg/pod5.json")
crictl start "$quiet" >/dev/null
kill -KILL "$(crictl inspect "$quiet" | jq -r .info.monitorPID)"
sleep 0.3
state=$(crictl inspect -o go-template --template '{{.status.state}}' "$quiet")
check "a container whose monitor was killed is reported UNKNOWN ($state)" [ "$state" = CONTAINER_UNKNOWN ]
crictl stop "$quiet" >/dev/null
state=$(crictl inspect -o go-template --template '{{.status.state}} {{.status.exitCode}}' "$quiet")
check "StopContainer kills it through the runtime ($state)" [ "$state" = "CONTAINER_EXITED 137" ]
crictl rm "$quiet" >/dev/null

crictl stop "${tickers[@]}" >/dev/null
check "stop works after the restart" [ "$(crictl ps -q --state running | wc -l)" = 0 ]
code=$(crictl inspect -o go-template --template '{{.status.exitCode}}' "${tickers[0]}")
check "a stopped ticker reports exit 137 or 143 ($code)" [ "$code" = 137 ] || [ "$code" = 143 ]
crictl rm "${tickers[@]}" "${enders[@]}" >/dev/null
check "remove works after the restart" [ "$(crictl ps -qa | wc -l)" = 0 ]
crictl stopp "${pods[@]}" >/dev/null
crictl rmp "${pods[@]}" >/dev/null
check "pods removed" [ "$(crictl pods -q | wc -l)" = 0 ]
bd_leaks || FAILED=$((FAILED + 1))
echo "berthd-restart: $FAILED failed"
[ "$FAILED" = 0 ]
