#!/usr/bin/env bash
# berthd's CRI ImageService against the upstream critest "Image Manager" specs and crictl, on a
# private socket and store (removed on exit). The RuntimeService specs need pods and containers,
# which berthd does not have yet (issue 4): they are not run here.
#
# Usage: scripts/integration/berthd-images.sh [BERTHD]   (default: .build/debug/berthd)
set -euo pipefail
PKG=$(cd "$(dirname "$0")/../.." && pwd)
BERTHD=${1:-$PKG/.build/debug/berthd}
SHARED=$PKG/../shared/conformance
NAME=berthd-images.sh
[ -x "$BERTHD" ] || { echo "$NAME: $BERTHD is not built" >&2; exit 1; }
[ -x "$SHARED/run-critest" ] || { echo "$NAME: $SHARED/run-critest not found (../shared missing)" >&2; exit 1; }

started_registry=false
curl -fsS http://127.0.0.1:5000/v2/ >/dev/null 2>&1 || started_registry=true
WORK=$(mktemp -d /tmp/berthd-images.XXXXXX)
SOCK=$WORK/berth.sock
"$BERTHD" --listen "$SOCK" --root "$WORK/root" >"$WORK/berthd.log" 2>&1 &
PID=$!
cleanup() {
	kill -TERM "$PID" 2>/dev/null || true
	wait "$PID" 2>/dev/null || true
	[ ! -S "$SOCK" ] || echo "$NAME: FAIL berthd left its socket" >&2
	rm -rf "$WORK"
	if $started_registry; then "$SHARED/setup" --stop >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT
for _ in $(seq 100); do [ -S "$SOCK" ] && break; sleep 0.1; done
[ -S "$SOCK" ] || { cat "$WORK/berthd.log"; echo "$NAME: berthd did not start" >&2; exit 1; }

crictl() { "$SHARED/../bin/crictl" --runtime-endpoint "unix://$SOCK" --image-endpoint "unix://$SOCK" "$@"; }
failed=0
check() {
	local what=$1
	shift
	if out=$("$@" 2>&1); then echo "ok   $what"; else echo "FAIL $what"; printf '%s\n' "$out" | sed 's/^/     | /'; failed=$((failed + 1)); fi
}
check "crictl version names berth" bash -c "$(declare -f crictl); SHARED=$SHARED SOCK=$SOCK; crictl version | grep -q 'RuntimeName:  berth'"
check "critest Image Manager specs" "$SHARED/run-critest" "$SOCK" -ginkgo.focus="Image Manager"
check "crictl pull + images + rmi" bash -c "
	$(declare -f crictl); SHARED=$SHARED SOCK=$SOCK
	crictl pull localhost:5000/pause:3.9 >/dev/null
	crictl images | grep -q 'localhost:5000/pause *3.9'
	crictl rmi localhost:5000/pause:3.9 >/dev/null
	! crictl images | grep -q pause"
check "unimplemented RPCs say so" bash -c "
	$(declare -f crictl); SHARED=$SHARED SOCK=$SOCK
	crictl pods 2>&1 | grep -q 'Unimplemented desc = berthd does not implement ListPodSandbox'"
echo "$NAME: $failed failed"
[ "$failed" -eq 0 ]
