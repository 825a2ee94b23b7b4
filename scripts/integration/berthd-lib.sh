# shellcheck shell=bash
# What the berthd integration scripts share (berthd-critest.sh, berthd-restart.sh,
# berthd-crictl.sh, scripts/bench-cri): a berthd with a private root, state, socket and CNI
# network (bridge + host-local + portmap), and crictl against it. Sourced, never run.
#
# Before sourcing, set BD_NAME (e.g. "critest") and BD_HANDLER (berth, runc or crun).
# Environment: BERTHD (default .build/debug/berthd, berth-monitor beside it), BERTH_RUNTIME
# (default .build/release/berth-runtime), BERTH_CRI_SUBNET (default 10.89.0.0/16),
# BERTH_CRI_BRIDGE (default berthcri0).
#
# bd_setup writes the config; bd_start starts berthd (bd_stop, bd_kill9 stop it); bd_cleanup
# removes every pod, stops berthd and removes the bridge and the private directories;
# bd_leaks prints what of this berthd remains (mounts, state files, veths, monitors, cgroups,
# iptables rules) and returns non-zero if anything does.

BD_PKG=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BERTHD=${BERTHD:-$BD_PKG/.build/debug/berthd}
BD_RUNTIME=${BERTH_RUNTIME:-$BD_PKG/.build/release/berth-runtime}
BD_SUBNET=${BERTH_CRI_SUBNET:-10.89.0.0/16}
BD_BRIDGE=${BERTH_CRI_BRIDGE:-berthcri0}
BD_SHARED=$BD_PKG/../shared/conformance
BD_WORK=/var/lib/berth-$BD_NAME-$BD_HANDLER
BD_STATE=/run/berth-$BD_NAME-$BD_HANDLER
BD_SOCK=$BD_STATE/berth.sock
BD_PID=

# The busybox image the scripts run, and the count of failed checks.
IMAGE=localhost:5000/e2e-test-images/busybox:1.29-2
FAILED=0

bd_log() { echo "berthd-$BD_NAME: $*" >&2; }

# check NAME CONDITION...: runs the condition, prints ok or FAIL, counts failures.
check() {
	local name=$1
	shift
	if "$@"; then echo "ok   $name"; else echo "FAIL $name"; FAILED=$((FAILED + 1)); fi
}

crictl() { "$BD_SHARED/../bin/crictl" --timeout 60s --runtime-endpoint "unix://$BD_SOCK" --image-endpoint "unix://$BD_SOCK" "$@"; }

bd_setup() {
	local f
	for f in "$BERTHD" "$(dirname "$BERTHD")/berth-monitor" "$BD_RUNTIME"; do
		[ -x "$f" ] || { bd_log "$f is not built"; return 1; }
	done
	[ -x "$BD_SHARED/setup" ] || { bd_log "$BD_SHARED not found (../shared missing)"; return 1; }
	BD_STARTED_REGISTRY=false
	curl -fsS http://127.0.0.1:5000/v2/ >/dev/null 2>&1 || BD_STARTED_REGISTRY=true
	"$BD_SHARED/setup" >/dev/null || { bd_log "../shared/conformance/setup failed"; return 1; }
	rm -rf "$BD_WORK" && mkdir -p "$BD_WORK/etc/net.d" "$BD_WORK/cni-ipam" "$BD_WORK/logs"
	cat >"$BD_WORK/etc/berth.toml" <<TOML
[berthd]
listen = "$BD_SOCK"
root = "$BD_WORK/root"
state = "$BD_STATE"

[images]
registries_conf = "$BD_WORK/etc/registries.toml"
pause_image = "localhost:5000/pause:3.9"

[cni]
conf_dir = "$BD_WORK/etc/net.d"
bin_dirs = ["/usr/lib/cni"]

[runtime]
default_handler = "$BD_HANDLER"

[runtime.handlers.berth]
path = "$BD_RUNTIME"
root = "$BD_STATE/runtime-berth"

[runtime.handlers.runc]
path = "$(command -v runc || echo /usr/sbin/runc)"
root = "$BD_STATE/runtime-runc"

[runtime.handlers.crun]
path = "$(command -v crun || echo /usr/bin/crun)"
root = "$BD_STATE/runtime-crun"
TOML
	: >"$BD_WORK/etc/registries.toml"
	cat >"$BD_WORK/etc/net.d/10-berth-$BD_NAME.conflist" <<JSON
{
  "cniVersion": "1.0.0",
  "name": "berth-$BD_NAME",
  "plugins": [
    {
      "type": "bridge", "bridge": "$BD_BRIDGE", "isGateway": true, "ipMasq": false, "hairpinMode": true,
      "ipam": { "type": "host-local", "dataDir": "$BD_WORK/cni-ipam", "ranges": [[{ "subnet": "$BD_SUBNET" }]],
                "routes": [{ "dst": "0.0.0.0/0" }] }
    },
    { "type": "portmap", "capabilities": { "portMappings": true } }
  ]
}
JSON
}

# bd_start: starts berthd in the background (log in $BD_WORK/berthd.log, appended) and waits
# for its socket to answer.
bd_start() {
	# crun 1.8 refuses this hybrid cgroup layout unless cgroup2 is unmounted: give berthd (and
	# so its monitors and runtimes) a mount namespace without it. Only /sys/fs/cgroup is made
	# private there (so the unmount cannot propagate to the host); every other mount stays a
	# peer of the host's, so rshared and rslave volumes still propagate.
	# Mounts the host makes later (critest's propagation volumes) reach that namespace only if
	# "/" is shared, as systemd makes it on a Kubernetes node; on a host where "/" is private,
	# it is made rshared for the run and private again by bd_cleanup.
	local launcher=()
	if [ "$BD_HANDLER" = crun ] && mountpoint -q /sys/fs/cgroup/unified; then
		if ! awk '$5 == "/" { print $7 }' /proc/self/mountinfo | grep -q shared:; then
			BD_SHARED_BEFORE=$(awk '$7 ~ /^shared:/ { print $5 }' /proc/self/mountinfo)
			mount --make-rshared /
			BD_RESHARED=1
		fi
		launcher=(unshare -m --propagation unchanged sh -c
			'mount --make-private /sys/fs/cgroup && mount --make-private /sys/fs/cgroup/unified && umount /sys/fs/cgroup/unified && exec "$@"' sh)
	fi
	"${launcher[@]}" "$BERTHD" --config "$BD_WORK/etc/berth.toml" >>"$BD_WORK/berthd.log" 2>&1 &
	BD_PID=$!
	local _
	for _ in $(seq 300); do
		crictl version >/dev/null 2>&1 && return 0
		kill -0 "$BD_PID" 2>/dev/null || break
		sleep 0.1
	done
	tail -20 "$BD_WORK/berthd.log" >&2
	bd_log "berthd did not start"
	return 1
}

# bd_stop: TERM, up to 10 s for the graceful shutdown, then KILL.
bd_stop() {
	[ -n "$BD_PID" ] || return 0
	kill -TERM "$BD_PID" 2>/dev/null || true
	local _
	for _ in $(seq 100); do kill -0 "$BD_PID" 2>/dev/null || break; sleep 0.1; done
	if kill -0 "$BD_PID" 2>/dev/null; then
		bd_log "berthd did not stop within 10 s of SIGTERM; killing it"
		kill -KILL "$BD_PID" 2>/dev/null || true
	fi
	wait "$BD_PID" 2>/dev/null || true
	BD_PID=
}

bd_kill9() {
	kill -KILL "$BD_PID" 2>/dev/null || true
	wait "$BD_PID" 2>/dev/null || true
	BD_PID=
}

bd_cleanup() {
	# A berthd that died (or was killed by the test) is started again: its restore and
	# RemovePodSandbox are what take pods, monitors, mounts, cgroups and CNI attachments down.
	if { [ -z "$BD_PID" ] || ! kill -0 "$BD_PID" 2>/dev/null; } && [ -f "$BD_WORK/etc/berth.toml" ] \
		&& [ -n "$(ls -A "$BD_STATE/pods" 2>/dev/null)" ]; then
		bd_start >/dev/null 2>&1 || true
	fi
	if [ -n "$BD_PID" ] && kill -0 "$BD_PID" 2>/dev/null; then
		crictl rmp -fa >/dev/null 2>&1 || true
	fi
	bd_stop
	ip link del "$BD_BRIDGE" 2>/dev/null || true
	# Never remove through a mount left behind: unmount what is under our directories first.
	local m
	for m in $(awk -v a="$BD_STATE/" -v b="$BD_WORK/" 'index($5, a) == 1 || index($5, b) == 1 { print $5 }' /proc/self/mountinfo | sort -r); do
		umount -l "$m" 2>/dev/null || true
	done
	rm -rf --one-file-system "$BD_WORK" "$BD_STATE"
	if [ "${BD_STARTED_REGISTRY:-false}" = true ]; then "$BD_SHARED/setup" --stop >/dev/null 2>&1 || true; fi
	if [ "${BD_RESHARED:-}" = 1 ]; then
		mount --make-rprivate /
		local m
		for m in $BD_SHARED_BEFORE; do mount --make-shared "$m" 2>/dev/null || true; done
		BD_RESHARED=
	fi
}

# bd_leaks: with every pod removed, nothing of this berthd may remain.
bd_leaks() {
	local leaks="" left
	grep -q "$BD_STATE\|$BD_WORK/root" /proc/mounts && leaks+=" mounts:$(grep -c "$BD_STATE\|$BD_WORK/root" /proc/mounts)"
	left=$(ls -A "$BD_STATE/pods" "$BD_STATE/containers" 2>/dev/null | grep -v ':$' | grep -v '^$' || true)
	[ -z "$left" ] || leaks+=" state-files($(echo $left))"
	ip -o link show type veth 2>/dev/null | grep -q "master $BD_BRIDGE" && leaks+=" veths"
	pgrep -f "berth-monitor.*$BD_STATE" >/dev/null && leaks+=" monitors"
	left=$(find /sys/fs/cgroup -maxdepth 2 -name berth -type d 2>/dev/null || true)
	[ -z "$left" ] || leaks+=" cgroups($(echo $left))"
	left=$(iptables-save 2>/dev/null | grep -c "berth-$BD_NAME" || true)
	[ "${left:-0}" = 0 ] || leaks+=" iptables-rules($left)"
	if [ -n "$leaks" ]; then
		bd_log "LEAKS after removing every pod:$leaks"
		return 1
	fi
	bd_log "no leaks (mounts, state files, veths, monitors, cgroups, iptables rules)"
}
