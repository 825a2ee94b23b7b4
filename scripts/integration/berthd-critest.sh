#!/usr/bin/env bash
# The upstream CRI validation suite (critest, ../shared/conformance) against berthd, outside the
# Streaming group, with a private root, state, socket and CNI network (bridge berthcri0 +
# host-local + portmap), then a leak check: no mounts, network namespaces, veths, processes or
# files of this berthd may remain once its pods are removed.
#
# Usage: scripts/integration/berthd-critest.sh [HANDLER] [critest args...]
#   HANDLER: berth (default; .build/release/berth-runtime), runc or crun
# Environment: BERTHD (default .build/debug/berthd, with berth-monitor beside it),
#   BERTH_RUNTIME (default .build/release/berth-runtime), BERTH_CRI_SUBNET (default 10.89.0.0/16)
set -euo pipefail
PKG=$(cd "$(dirname "$0")/../.." && pwd)
HANDLER=${1:-berth}
shift || true
BERTHD=${BERTHD:-$PKG/.build/debug/berthd}
RUNTIME=${BERTH_RUNTIME:-$PKG/.build/release/berth-runtime}
SUBNET=${BERTH_CRI_SUBNET:-10.89.0.0/16}
SHARED=$PKG/../shared/conformance
NAME=berthd-critest.sh
for f in "$BERTHD" "$(dirname "$BERTHD")/berth-monitor" "$RUNTIME"; do
	[ -x "$f" ] || { echo "$NAME: $f is not built" >&2; exit 1; }
done
[ -x "$SHARED/run-critest" ] || { echo "$NAME: $SHARED/run-critest not found (../shared missing)" >&2; exit 1; }

WORK=/var/lib/berth-critest-$HANDLER
STATE=/run/berth-critest-$HANDLER
SOCK=$STATE/berth.sock
BRIDGE=berthcri0
rm -rf "$WORK" && mkdir -p "$WORK/etc/net.d" "$WORK/cni-ipam"
cat >"$WORK/etc/berth.toml" <<TOML
[berthd]
listen = "$SOCK"
root = "$WORK/root"
state = "$STATE"

[images]
registries_conf = "$WORK/etc/registries.toml"
pause_image = "localhost:5000/pause:3.9"

[cni]
conf_dir = "$WORK/etc/net.d"
bin_dirs = ["/usr/lib/cni"]

[runtime]
default_handler = "$HANDLER"

[runtime.handlers.berth]
path = "$RUNTIME"
root = "$STATE/runtime-berth"
TOML
: >"$WORK/etc/registries.toml"
cat >"$WORK/etc/net.d/10-berthcri.conflist" <<JSON
{
  "cniVersion": "1.0.0",
  "name": "berthcri",
  "plugins": [
    {
      "type": "bridge", "bridge": "$BRIDGE", "isGateway": true, "ipMasq": false, "hairpinMode": true,
      "ipam": { "type": "host-local", "dataDir": "$WORK/cni-ipam", "ranges": [[{ "subnet": "$SUBNET" }]],
                "routes": [{ "dst": "0.0.0.0/0" }] }
    },
    { "type": "portmap", "capabilities": { "portMappings": true } }
  ]
}
JSON

# crun 1.8 refuses this hybrid cgroup layout unless cgroup2 is unmounted: give berthd (and so
# its monitors and runtimes) a private mount namespace without it.
launcher=()
if [ "$HANDLER" = crun ] && mountpoint -q /sys/fs/cgroup/unified; then
	launcher=(unshare -m --propagation private sh -c 'umount /sys/fs/cgroup/unified && exec "$@"' sh)
fi
"${launcher[@]}" "$BERTHD" --config "$WORK/etc/berth.toml" >"$WORK/berthd.log" 2>&1 &
PID=$!
crictl() { "$SHARED/../bin/crictl" --runtime-endpoint "unix://$SOCK" --image-endpoint "unix://$SOCK" "$@"; }
cleanup() {
	if [ -S "$SOCK" ]; then
		crictl rmp -fa >/dev/null 2>&1 || true
	fi
	kill -TERM "$PID" 2>/dev/null || true
	wait "$PID" 2>/dev/null || true
	ip link del "$BRIDGE" 2>/dev/null || true
	rm -rf "$WORK" "$STATE"
}
trap cleanup EXIT
for _ in $(seq 100); do [ -S "$SOCK" ] && break; sleep 0.1; done
[ -S "$SOCK" ] || { cat "$WORK/berthd.log"; echo "$NAME: berthd did not start" >&2; exit 1; }

rc=0
"$SHARED/run-critest" "$SOCK" -ginkgo.skip=Streaming "$@" || rc=$?

# Leak check: with every pod removed, nothing of this berthd may remain.
crictl rmp -fa >/dev/null 2>&1 || true
leaks=""
grep -q "$STATE\|$WORK/root" /proc/mounts && leaks+=" mounts:$(grep -c "$STATE\|$WORK/root" /proc/mounts)"
left=$(ls -A "$STATE/pods" "$STATE/containers" 2>/dev/null | grep -v ':$' | grep -v '^$' || true)
[ -z "$left" ] || leaks+=" state-files($(echo $left))"
ip -o link show type veth 2>/dev/null | grep -q "master $BRIDGE" && leaks+=" veths"
pgrep -f "berth-monitor --config $STATE" >/dev/null && leaks+=" monitors"
if [ -n "$leaks" ]; then echo "$NAME: LEAKS after removing every pod:$leaks"; rc=1; else echo "$NAME: no leaks"; fi
exit $rc
