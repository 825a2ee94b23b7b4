#!/usr/bin/env bash
# Integration check: berth-runtime as the OCI runtime behind containerd 1.6's
# runc v2 shim (io.containerd.runc.v2), driven with ctr.
#
# Usage: scripts/integration/containerd.sh [RUNTIME]
#   RUNTIME  runc-compatible binary the shim execs (default: this package's
#            .build/release/berth-runtime). `containerd.sh /usr/sbin/runc`
#            runs the same checks against runc, as a reference.
# Environment: BERTH_IT_KEEP_LOGS=DIR  copy containerd's log and the execve
#              traces there before cleaning up.
#              BERTH_IT_STRACE=1  also trace every execve of containerd and its
#              shims (strace -f), to see each runtime invocation.
#
# Everything is private to this script: its own containerd (config, root
# /var/lib/berth-it-containerd, state and socket under /run/berth-it-containerd,
# CRI plugin disabled), namespace berth-test, and a busybox image built
# locally from /bin/busybox (no registry needed). The system containerd and
# its socket are never used. containerd 1.6 hard-codes where shims put their
# sockets (/run/containerd/s/<sha256(address/namespace/id)>); the script
# removes only the ones its own containers could have created.
#
# Needs root, containerd, ctr, containerd-shim-runc-v2, umoci, jq; strace
# (optional) proves that the shim execs RUNTIME. Cleans up on exit, also when
# interrupted, and first removes what an interrupted earlier run left behind.
# The last line printed is "N passed, N failed"; exit status 0 only when
# nothing failed.
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
IT_NAME=containerd.sh
# shellcheck source=scripts/integration/lib.sh
. "$HERE/lib.sh" "$@"

WORK=/var/lib/berth-it-containerd
STATE=/run/berth-it-containerd
SOCK=$STATE/containerd.sock
CONFIG=$WORK/config.toml
LOGFILE=$WORK/containerd.log
PIDFILE=$WORK/containerd.pid
# The shim runs "$RUNTIME --root $RUNTIME_ROOT/$NS ...".
RUNTIME_ROOT=$STATE/runtime
FIFO_DIR=$STATE/fifo
NS=berth-test
IMAGE=docker.io/berth-it/busybox:latest
SHIM_SOCKET_DIR=/run/containerd/s
# Fixed container ids, so a rerun finds (and removes) what an interrupted run left.
ID_ECHO=berth-it-echo
ID_EXIT=berth-it-exit
ID_SLEEP=berth-it-sleep
IDS=("$ID_ECHO" "$ID_EXIT" "$ID_SLEEP")
OUR_DIRS=("$WORK" "$STATE")
# What leftovers looks at (for check_gone's message).
LEFTOVER_KINDS="runtime state, cgroups, mounts, shim"

ctr_() { ctr --address "$SOCK" --namespace "$NS" "$@"; }

containerd_pid() {
	local pid
	pid=$(cat "$PIDFILE" 2>/dev/null) || return 1
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null &&
		[ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = "$(readlink -f "$(command -v containerd)")" ] &&
		echo "$pid"
}

# The socket containerd-shim-runc-v2 of container ID listens on (containerd
# 1.6 pkg/shim: sha256 of "<containerd address>/<namespace>/<id>").
shim_socket() {
	printf '%s' "$SOCK/$NS/$1" | sha256sum | awk -v d="$SHIM_SOCKET_DIR" '{ print d "/" $1 }'
}

# Our shims, by their command line (they outlive containerd by design).
shim_pids() {
	pgrep -f -- "containerd-shim-runc-v2 .*-address $SOCK( |$)" || true
}

# What is left of container ID: runtime state, cgroups, mounts, shim socket.
leftovers() {
	local id=$1
	[ -e "$RUNTIME_ROOT/$NS/$id" ] && echo "runtime state: $RUNTIME_ROOT/$NS/$id"
	find /sys/fs/cgroup -mindepth 1 -maxdepth 4 -type d -name "$id" 2>/dev/null | sed 's/^/cgroup: /'
	grep -F -- "$id" /proc/self/mountinfo | awk '{ print "mount: " $5 }'
	[ -e "$(shim_socket "$id")" ] && echo "shim socket: $(shim_socket "$id")"
	pgrep -f -- "containerd-shim-runc-v2 .*-id $id .*-address $SOCK( |$)" | sed 's/^/shim process: /'
	true
}

cleanup() {
	local pid id d
	# What an interrupted run created outside our dirs.
	load_created_paths
	if pid=$(containerd_pid); then
		for id in "${IDS[@]}"; do
			ctr_ task kill -s SIGKILL "$id" >/dev/null 2>&1 || true
		done
		for id in "${IDS[@]}"; do
			ctr_ task delete -f "$id" >/dev/null 2>&1 || true
			ctr_ container rm "$id" >/dev/null 2>&1 || true
		done
		ctr_ images rm "$IMAGE" >/dev/null 2>&1 || true
		kill -TERM "$pid"
		for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
	fi
	for pid in $(shim_pids); do kill -KILL "$pid" 2>/dev/null || true; done
	if pid=$(cat "$WORK/strace.pid" 2>/dev/null) && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = strace ]; then
		kill "$pid" 2>/dev/null
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	fi
	keep_logs "$LOGFILE"
	umount_ours
	# Cgroups: the runtime removes a container's own; ctr nests them in one
	# per namespace, which nobody removes. Only empty ones go (rmdir).
	for id in "${IDS[@]}"; do
		find /sys/fs/cgroup -mindepth 1 -maxdepth 4 -depth -type d -path "*/$NS/$id" \
			-exec rmdir {} \; 2>/dev/null || true
	done
	find /sys/fs/cgroup -mindepth 1 -maxdepth 3 -type d -name "$NS" -exec rmdir {} \; 2>/dev/null || true
	for id in "${IDS[@]}"; do rm -f "$(shim_socket "$id")"; done
	# /run/containerd/s and /run/containerd, if this run created them and
	# they are empty.
	for d in "${CREATED_PATHS[@]}"; do rmdir "$d" 2>/dev/null || true; done
	rm -rf "${OUR_DIRS[@]}"
}

# build_image: a one-layer OCI image of busybox-static with its applets,
# imported into our containerd as $IMAGE.
build_image() {
	local b=$WORK/image
	busybox_rootfs "$b/rootfs"
	umoci init --layout "$b/oci" &&
		umoci new --image "$b/oci:latest" &&
		umoci insert --image "$b/oci:latest" "$b/rootfs" / >/dev/null &&
		umoci config --image "$b/oci:latest" --config.cmd sh --config.env PATH=/bin &&
		tar -C "$b/oci" -cf "$b/busybox.tar" . || return 1
	ctr_ images import --base-name "${IMAGE%:*}" "$b/busybox.tar"
}

# run_ctr OUTVAR RC_VAR ARGS...: runs ctr with stdin from /dev/null, a timeout,
# output (stdout+stderr) into OUTVAR and status into RC_VAR.
run_ctr() { capture "$1" "$2" timeout 60 ctr --address "$SOCK" --namespace "$NS" "${@:3}"; }

main() {
	it_preflight containerd ctr containerd-shim-runc-v2 umoci jq sha256sum findmnt
	log "runtime $RUNTIME ($("$RUNTIME" --version 2>&1 | head -n1))"

	cleanup # whatever an interrupted earlier run left
	local d
	for d in "$SHIM_SOCKET_DIR" "$(dirname "$SHIM_SOCKET_DIR")"; do
		[ -d "$d" ] || CREATED_PATHS+=("$d")
	done
	mkdir -p "$WORK/root" "$WORK/opt" "$STATE" "$RUNTIME_ROOT"
	save_created_paths
	cat >"$CONFIG" <<EOF
# Written by scripts/integration/containerd.sh; removed when it exits.
version = 2
root = "$WORK/root"
state = "$STATE/state"
# CRI is not needed (ctr talks to the core services); the other snapshotters
# only log errors here. The v1 runtime stays (the tasks service needs it) but
# is not used.
disabled_plugins = [
  "io.containerd.grpc.v1.cri",
  "io.containerd.snapshotter.v1.aufs",
  "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.devmapper",
  "io.containerd.snapshotter.v1.zfs",
]

[grpc]
  address = "$SOCK"

[ttrpc]
  address = "$SOCK.ttrpc"

[debug]
  level = "debug"

[plugins."io.containerd.internal.v1.opt"]
  path = "$WORK/opt"

[plugins."io.containerd.runtime.v1.linux"]
  runtime_root = "$STATE/runtime-v1"
EOF
	setsid containerd --config "$CONFIG" >>"$LOGFILE" 2>&1 </dev/null &
	echo $! >"$PIDFILE"
	for _ in $(seq 150); do
		[ -S "$SOCK" ] && ctr --address "$SOCK" version >/dev/null 2>&1 && break
		containerd_pid >/dev/null || die "containerd exited" "$(tail -n 20 "$LOGFILE")"
		sleep 0.2
	done
	ctr --address "$SOCK" version >/dev/null 2>&1 || die "containerd did not come up" "$(tail -n 20 "$LOGFILE")"
	log "containerd $(containerd --version | awk '{print $3}') up (pid $(cat "$PIDFILE")), socket $SOCK"
	if [ -n "${BERTH_IT_STRACE:-}" ]; then
		strace -f -qq -s 300 -e trace=execve -e signal=none -o "$WORK/containerd-execve.trace" \
			-p "$(cat "$PIDFILE")" 2>/dev/null &
		echo $! >"$WORK/strace.pid"
		sleep 0.5
		log "tracing execve of containerd and its shims into $WORK/containerd-execve.trace"
	fi

	local out rc
	# 1. Image.
	if out=$(build_image 2>&1) && ctr_ images ls -q | grep -qxF "$IMAGE"; then
		pass "import local busybox image $IMAGE"
	else
		die "import local busybox image" "$out"
	fi

	# Every container: runc v2 shim, which execs RUNTIME with --root RUNTIME_ROOT/NS.
	# ctr's stdio FIFOs go under our state dir, not /run/containerd/fifo.
	local rt=(--runtime io.containerd.runc.v2 --runc-binary "$RUNTIME" --runc-root "$RUNTIME_ROOT"
		--fifo-dir "$FIFO_DIR")

	# 2. ctr run --rm: output and exit status.
	local marker="berth-it-marker-$RANDOM$RANDOM"
	run_ctr out rc run --rm "${rt[@]}" "$IMAGE" "$ID_ECHO" sh -c "echo $marker"
	if [ "$rc" -eq 0 ] && grep -qxF "$marker" <<<"$out"; then
		pass "ctr run --rm prints the marker and exits 0"
	else
		fail "ctr run --rm prints the marker and exits 0 (status $rc)" "$out"
	fi
	check_gone "$ID_ECHO" "$ID_ECHO"

	run_ctr out rc run --rm "${rt[@]}" "$IMAGE" "$ID_EXIT" sh -c 'exit 7'
	if [ "$rc" -eq 7 ]; then
		pass "ctr run --rm: exit status 7 of the container reaches ctr"
	else
		fail "ctr run --rm: exit status 7 of the container reaches ctr (got $rc)" "$out"
	fi
	check_gone "$ID_EXIT" "$ID_EXIT"

	# 3. Detached container: exec, kill, delete.
	run_ctr out rc run -d "${rt[@]}" "$IMAGE" "$ID_SLEEP" sleep 300
	local pid=""
	if [ "$rc" -eq 0 ]; then
		sleep 0.3
		pid=$(ctr_ task ls 2>/dev/null | awk -v id="$ID_SLEEP" '$1 == id && $3 == "RUNNING" { print $2 }')
	fi
	if [ -n "$pid" ]; then
		pass "ctr run -d: $ID_SLEEP running (pid $pid)"
	else
		fail "ctr run -d: $ID_SLEEP running (status $rc)" "$out" "$(ctr_ task ls 2>&1)"
	fi

	# The shim must have used RUNTIME: its state for the container is there,
	# it reads it back as running with the task's pid, and the task's parent
	# (the shim) was configured with that binary.
	if [ -n "$pid" ]; then
		check_runtime_state "$RUNTIME_ROOT/$NS" "$ID_SLEEP" "$pid"
		# Runtime.Options is a protobuf Any (containerd.runc.v1.Options): the
		# binary and root are plain strings in its base64 value.
		local info name opts
		info=$(ctr_ containers info "$ID_SLEEP" 2>&1)
		name=$(jq -r '.Runtime.Name' <<<"$info" 2>/dev/null)
		opts=$(jq -r '.Runtime.Options.value // empty' <<<"$info" 2>/dev/null | base64 -d 2>/dev/null | tr -c '[:print:]' ' ')
		if [ "$name" = io.containerd.runc.v2 ] && grep -qF "$RUNTIME" <<<"$opts" && grep -qF "$RUNTIME_ROOT" <<<"$opts"; then
			pass "container's runtime: $name, options BinaryName $RUNTIME, Root $RUNTIME_ROOT"
		else
			fail "container's runtime: io.containerd.runc.v2, options BinaryName $RUNTIME" "$(jq .Runtime <<<"$info" 2>&1)" "options: $opts"
		fi
	fi

	# ctr task exec.
	if [ -n "$pid" ]; then
		run_ctr out rc task exec --fifo-dir "$FIFO_DIR" --exec-id it-exec-1 "$ID_SLEEP" sh -c 'echo exec-ok $$; cat /proc/1/cmdline | tr "\0" " "'
		if [ "$rc" -eq 0 ] && grep -q '^exec-ok ' <<<"$out" && grep -q 'sleep 300' <<<"$out"; then
			pass "ctr task exec runs in the container (sees pid 1 = sleep 300)"
		else
			fail "ctr task exec runs in the container (status $rc)" "$out"
		fi
		run_ctr out rc task exec --fifo-dir "$FIFO_DIR" --exec-id it-exec-2 "$ID_SLEEP" sh -c 'exit 3'
		if [ "$rc" -eq 3 ]; then
			pass "ctr task exec: exit status 3 of the process reaches ctr"
		else
			fail "ctr task exec: exit status 3 of the process reaches ctr (got $rc)" "$out"
		fi
	fi

	# Trace the shim's execve calls for one more exec, kill and delete (with
	# BERTH_IT_STRACE, containerd and all its shims are traced already).
	local shim="" tracer="" traced="" trace=$WORK/shim-execve.trace
	if [ -n "$pid" ]; then
		shim=$(awk '$1 == "PPid:" { print $2 }' "/proc/$pid/status" 2>/dev/null)
		if [ -n "${BERTH_IT_STRACE:-}" ]; then
			trace=$WORK/containerd-execve.trace traced=1
		elif ! command -v strace >/dev/null; then
			log "strace not found: not checking which binary the shim execs"
		elif [ -n "$shim" ]; then
			traced=1
			strace_attach tracer "$shim" "$trace" 200
		fi
		run_ctr out rc task exec --fifo-dir "$FIFO_DIR" --exec-id it-exec-3 "$ID_SLEEP" echo traced-exec-ok
		if [ "$rc" -eq 0 ] && grep -qxF traced-exec-ok <<<"$out"; then
			pass "ctr task exec (traced) prints its output"
		else
			fail "ctr task exec (traced) prints its output (status $rc)" "$out"
		fi
		run_ctr out rc task kill -s SIGKILL "$ID_SLEEP"
		local status=""
		for _ in $(seq 50); do
			status=$(ctr_ task ls 2>/dev/null | awk -v id="$ID_SLEEP" '$1 == id { print $3 }')
			[ "$status" = STOPPED ] && break
			sleep 0.1
		done
		if [ "$rc" -eq 0 ] && [ "$status" = STOPPED ]; then
			pass "ctr task kill stops $ID_SLEEP"
		else
			fail "ctr task kill stops $ID_SLEEP (status $rc, task $status)" "$out"
		fi
		run_ctr out rc task delete "$ID_SLEEP"
		if [ "$rc" -eq 0 ]; then
			pass "ctr task delete"
		else
			fail "ctr task delete (status $rc)" "$out"
		fi
		run_ctr out rc container rm "$ID_SLEEP"
		if [ "$rc" -eq 0 ] && ! ctr_ containers ls -q | grep -qxF "$ID_SLEEP"; then
			pass "ctr container rm"
		else
			fail "ctr container rm (status $rc)" "$out"
		fi
		strace_detach "$tracer"
		if [ -n "$traced" ]; then
			local calls verbs v
			calls=$(grep -F "execve(\"$RUNTIME\"" "$trace" | grep -F "\"$ID_SLEEP\"" | grep -v ' = -1 ' |
				sed -E 's/^[0-9]+ +execve\("[^"]*", \[//; s/\], 0x[0-9a-f]+ \/\*.*$//; s/\], \[.*$//')
			verbs=""
			local want="exec kill delete"
			[ -z "${BERTH_IT_STRACE:-}" ] || want="create start $want"
			for v in $want; do
				grep -qE "\"--root\", \"$RUNTIME_ROOT/$NS\".*\"$v\"" <<<"$calls" || verbs="$verbs $v"
			done
			if [ -z "$verbs" ]; then
				pass "shim $shim execs $RUNTIME with --root $RUNTIME_ROOT/$NS:$(runtime_verbs 'create|start|exec|kill|delete' <<<"$calls")"
				# shellcheck disable=SC2001 # prefixes every line
				sed 's/^/     > /' <<<"$calls"
			else
				fail "shim $shim execs $RUNTIME (missing:$verbs)" \
					"$(grep execve "$trace" | head -n 20)"
			fi
		fi
		check_gone "$ID_SLEEP" "$ID_SLEEP"
	fi
	# (runc leaves nothing there once its containers are deleted.)
	if [ -d "$RUNTIME_ROOT/$NS" ] && [ -n "$(ls -A "$RUNTIME_ROOT/$NS")" ]; then
		fail "runtime state dir $RUNTIME_ROOT/$NS is empty" "$(ls -lA "$RUNTIME_ROOT/$NS")"
	else
		pass "runtime state dir $RUNTIME_ROOT/$NS is empty"
	fi
	# When a shim goes away, containerd runs "containerd-shim-runc-v2 delete",
	# which runs "RUNTIME --root ROOT --log LOG --log-format json delete
	# --force ID" for a container the shim has already deleted. runc exits 0
	# there (delete --force of a missing container is a no-op) and leaves
	# nothing behind; otherwise containerd logs "failed to remove runc
	# container" for every container. Same call, done here directly:
	local before after
	before=$(ls -A "$RUNTIME_ROOT/$NS" 2>/dev/null)
	out=$("$RUNTIME" --root "$RUNTIME_ROOT/$NS" --log "$WORK/delete-force.log.json" --log-format json \
		delete --force "$ID_SLEEP" 2>&1)
	rc=$?
	after=$(ls -A "$RUNTIME_ROOT/$NS" 2>/dev/null)
	if [ "$rc" -eq 0 ] && [ "$before" = "$after" ]; then
		pass "delete --force of the deleted $ID_SLEEP exits 0 and adds nothing (as the shim's cleanup needs)"
	else
		fail "delete --force of the deleted $ID_SLEEP exits 0 and adds nothing (status $rc)" "$out" \
			"log: $(cat "$WORK/delete-force.log.json" 2>/dev/null)" "state dir before: $before" "state dir after: $after"
	fi
	local warn
	warn=$(grep -F 'failed to remove runc container' "$LOGFILE" | sed -E 's/^.*(failed to remove runc container)/\1/')
	if [ -n "$warn" ]; then
		log "containerd logged, from the shims' cleanup:"
		sed 's/^/     | /' <<<"$warn" >&2
	fi
	if [ "$FAILED" -gt 0 ]; then
		log "containerd log, last errors and warnings:"
		grep -E 'level=(error|warning)' "$LOGFILE" | tail -n 20 | sed 's/^/     | /' >&2
	fi
}

it_main
