#!/usr/bin/env bash
# Integration check: berth-runtime as Podman's OCI runtime (podman → conmon →
# runtime for create/start/exec; podman → runtime for state/kill/delete).
#
# Usage: scripts/integration/podman.sh [RUNTIME]
#   RUNTIME  runc-compatible binary (default: this package's
#            .build/release/berth-runtime). `podman.sh /usr/sbin/runc` runs the
#            same checks against runc, as a reference. (Debian's crun 1.8
#            refuses cgroup v1 hybrid hosts whose cgroup2 mount has
#            controllers: "cgroups in hybrid mode not supported".)
# Environment: BERTH_IT_KEEP_LOGS=DIR  copy the execve traces there before
#              cleaning up.
#
# Everything podman keeps is private to this script: storage (--root
# /var/lib/berth-it-podman/storage, --runroot /run/berth-it-podman), libpod's
# tmp dir, events log, file locks (not the shared /dev/shm/libpod_lock) and
# the network config dir, through flags on every podman call and a private
# containers.conf and storage.conf (CONTAINERS_CONF, CONTAINERS_STORAGE_CONF),
# so neither the user's podman state nor its configuration is used. The
# runtime keeps its state in its default root (/run/berth-runtime, /run/runc):
# podman 4.3 drops --runtime-flag from conmon's exit command ("podman
# container cleanup" then runs "RUNTIME delete --force ID" without --root), so
# a private --root would leak every container; the checks look for leftovers
# of our container ids there instead. Containers run with
# --network none (offline), cgroupfs, and the ulimits this machine allows
# (CAP_SYS_RESOURCE is not in the bounding set). The image is busybox-static
# with its applets, imported from a tarball (no registry needed). The one
# thing outside those dirs: containers/image's blob-info cache
# (/var/lib/containers/cache for root) is removed again when this run created it.
#
# Needs root, podman, conmon, jq; strace (optional) shows which binary conmon
# and podman exec, and with which arguments. Cleans up on exit, also when interrupted, and first removes
# what an interrupted earlier run left behind. The last line printed is
# "N passed, N failed"; exit status 0 only when nothing failed.
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
IT_NAME=podman.sh
# shellcheck source=scripts/integration/lib.sh
. "$HERE/lib.sh" "$@"

WORK=/var/lib/berth-it-podman
RUN=/run/berth-it-podman
STORAGE=$WORK/storage
OUR_DIRS=("$WORK" "$RUN")
IMAGE=localhost/berth-it/busybox:latest
NAME_ECHO=berth-it-echo
NAME_SLEEP=berth-it-sleep
NAME_EXIT=berth-it-exit
NAMES=("$NAME_ECHO" "$NAME_SLEEP" "$NAME_EXIT")
BLOB_CACHE=/var/lib/containers/cache
# Parent cgroups podman's cgroupfs manager creates and never removes.
PODMAN_CGROUPS=(libpod_parent/conmon libpod_parent)
# The run flags this machine needs (no CAP_SYS_RESOURCE: nofile/nproc must
# not be raised above the hard limits given here).
RUN_FLAGS=(--network none --ulimit nofile=1024:1024 --ulimit nproc=1024:1024)

ALL_IDS=()      # ids of every container this run created
RUNTIME_ROOT="" # the runtime's default state root (see default_root)
# What leftovers looks at (for check_gone's message).
LEFTOVER_KINDS="container, runtime state, cgroups, mounts, conmon"

CONTAINERS_CONF_=$WORK/containers.conf
CONTAINERS_STORAGE_CONF_=$WORK/storage.conf
# podman_ ARGS...: podman with our private storage, config and RUNTIME.
# With TRACE=FILE set, runs under strace -f, tracing execve into FILE.
podman_() {
	local cmd=(env CONTAINERS_CONF="$CONTAINERS_CONF_" CONTAINERS_STORAGE_CONF="$CONTAINERS_STORAGE_CONF_"
		podman --root "$STORAGE" --runroot "$RUN" --tmpdir "$RUN/libpod"
		--cgroup-manager cgroupfs --events-backend file
		--network-config-dir "$WORK/networks" --runtime "$RUNTIME")
	[ -z "${TRACE:-}" ] || cmd=(strace -f -qq -s 300 -e trace=execve -e signal=none -o "$TRACE" "${cmd[@]}")
	${TIMEOUT:+timeout "$TIMEOUT"} "${cmd[@]}" "$@"
}

# The state root RUNTIME uses without --root (podman passes none as root).
default_root() {
	case $(basename "$RUNTIME") in
	runc) echo /run/runc ;;
	crun) echo /run/crun ;;
	*) "$RUNTIME" --help 2>&1 | sed -nE 's/^ *--root .*\(default ([^)]+)\).*$/\1/p' | head -n 1 ;;
	esac
}

write_config() {
	mkdir -p "$STORAGE" "$WORK/networks" "$RUN/libpod"
	cat >"$CONTAINERS_CONF_" <<EOF
# Written by scripts/integration/podman.sh; removed when it exits.
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$RUN/events/events.log"
tmp_dir = "$RUN/libpod"
static_dir = "$STORAGE/libpod"
volume_path = "$STORAGE/volumes"
# File locks under tmp_dir, not the host-wide /dev/shm/libpod_lock.
lock_type = "file"

[network]
network_config_dir = "$WORK/networks"
EOF
	cat >"$CONTAINERS_STORAGE_CONF_" <<EOF
# Written by scripts/integration/podman.sh; removed when it exits.
[storage]
driver = "overlay"
graphroot = "$STORAGE"
runroot = "$RUN"
EOF
}

# Ids of our containers (by name), whatever their state.
container_ids() {
	local n
	for n in "${NAMES[@]}"; do
		podman_ container inspect -f '{{.Id}}' "$n" 2>/dev/null
	done
	true
}

cleanup() {
	local id d pid ids=("${ALL_IDS[@]}")
	# What an interrupted run created outside our dirs.
	load_created_paths
	# podman (or strace of podman) still working on our storage, left by an
	# interrupted run: stop them by pid first.
	for pid in $(pgrep -f -- "podman --root $STORAGE " || true); do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in $(pgrep -f -- "podman --root $STORAGE " || true); do
		for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$pid" 2>/dev/null || true
	done
	if [ -f "$CONTAINERS_CONF_" ] && [ -n "${RUNTIME:-}" ]; then
		mapfile -t -O "${#ids[@]}" ids < <(container_ids)
		TIMEOUT=60 podman_ rm -f -t 0 "${NAMES[@]}" >/dev/null 2>&1 || true
		podman_ rmi -f "$IMAGE" >/dev/null 2>&1 || true
	fi
	# conmon of our containers (if podman could not stop them), by pid.
	for pid in $(pgrep -f -- "conmon .*--exit-dir $RUN/libpod/exits" || true); do
		kill -KILL "$pid" 2>/dev/null || true
	done
	keep_logs
	umount_ours # overlay rootfs, shm
	# What the runtime or podman left of our containers (checked before);
	# after an interrupted "podman stop", "podman rm -f" may fail and leave
	# the container's processes: kill those found in its cgroups, by pid.
	for id in "${ids[@]}"; do
		[ ${#id} -eq 64 ] || continue
		for pid in $(cat /sys/fs/cgroup/*/libpod_parent/libpod-"$id"/cgroup.procs 2>/dev/null | sort -u); do
			kill -KILL "$pid" 2>/dev/null || true
		done
		[ -z "$RUNTIME_ROOT" ] || "$RUNTIME" --root "$RUNTIME_ROOT" delete --force "$id" >/dev/null 2>&1 || true
		[ -z "$RUNTIME_ROOT" ] || rm -rf "${RUNTIME_ROOT:?}/$id" "$RUNTIME_ROOT/.$id.lock"
		for _ in $(seq 20); do
			find /sys/fs/cgroup -mindepth 1 -maxdepth 4 -depth -type d -name "*$id*" -exec rmdir {} \; 2>/dev/null
			[ -z "$(find /sys/fs/cgroup -mindepth 1 -maxdepth 4 -type d -name "*$id*" 2>/dev/null)" ] && break
			sleep 0.1
		done
	done
	rm -rf "${OUR_DIRS[@]}"
	# Created by this run outside our dirs: the blob-info cache, cgroup
	# parents and the runtime's root (the last two only if empty).
	for d in "${CREATED_PATHS[@]}"; do
		case $d in
		/var/lib/containers*) rm -rf "$d" ;;
		*) rmdir "$d" 2>/dev/null || true ;;
		esac
	done
}

# Paths outside our dirs that podman may create; remember the missing ones.
note_missing_paths() {
	local c p
	for c in /sys/fs/cgroup/*/; do
		for p in "${PODMAN_CGROUPS[@]}"; do
			[ -e "$c$p" ] || CREATED_PATHS+=("$c$p")
		done
	done
	[ -e "$RUNTIME_ROOT" ] || CREATED_PATHS+=("$RUNTIME_ROOT")
	if [ ! -e /var/lib/containers ]; then
		CREATED_PATHS+=(/var/lib/containers)
	elif [ ! -e "$BLOB_CACHE" ]; then
		CREATED_PATHS+=("$BLOB_CACHE")
	fi
}

# import_image: busybox-static and its applets as a one-layer image.
import_image() {
	local r=$WORK/rootfs
	busybox_rootfs "$r"
	tar -C "$r" -c . | podman_ import --change 'CMD ["sh"]' --change 'ENV PATH=/bin' - "$IMAGE"
}

# run_podman OUTVAR RC_VAR ARGS...: podman_ with stdin from /dev/null and a
# timeout; output (stdout+stderr) into OUTVAR, status into RC_VAR.
run_podman() { TIMEOUT=90 capture "$1" "$2" podman_ "${@:3}"; }

# What is left of container ID: runtime state, cgroups, mounts, conmon.
leftovers() {
	local id=$1
	[ -n "$RUNTIME_ROOT" ] && find "$RUNTIME_ROOT" -mindepth 1 -maxdepth 1 -name "*$id*" 2>/dev/null | sed 's/^/runtime state: /'
	find /sys/fs/cgroup -mindepth 1 -maxdepth 4 -type d -name "*$id*" 2>/dev/null | sed 's/^/cgroup: /'
	grep -F -- "$id" /proc/self/mountinfo | awk '{ print "mount: " $5 }'
	pgrep -f -- "conmon .*-c $id" | sed 's/^/conmon process: /'
	podman_ ps -a --format '{{.ID}} {{.Names}} {{.Status}}' --filter "id=$id" 2>/dev/null | sed 's/^/podman container: /'
	true
}

# check_removed NAME: after "podman run --rm --name NAME", nothing is left of
# it; its id (the container is gone) is the last one in the events log.
check_removed() {
	local id
	id=$(podman_ events --stream=false --filter "container=$1" --format '{{.ID}}' 2>/dev/null | tail -n 1)
	[ -z "$id" ] || ALL_IDS+=("$id")
	check_gone "$1" "$id"
}

main() {
	it_preflight podman conmon jq findmnt
	RUNTIME_ROOT=$(default_root)
	[ -n "$RUNTIME_ROOT" ] || die "cannot tell the default --root of $RUNTIME"
	log "runtime $RUNTIME ($("$RUNTIME" --version 2>&1 | head -n1), state in $RUNTIME_ROOT), podman $(podman --version | awk '{print $3}')"

	cleanup # whatever an interrupted earlier run left
	note_missing_paths
	write_config
	save_created_paths

	local out rc
	# 1. Image.
	if out=$(import_image 2>&1) && podman_ image exists "$IMAGE"; then
		pass "import local busybox image $IMAGE"
	else
		die "import local busybox image" "$out"
	fi

	# 2. run --rm: output.
	local marker="berth-it-marker-$RANDOM$RANDOM"
	run_podman out rc run --rm --name "$NAME_ECHO" "${RUN_FLAGS[@]}" "$IMAGE" echo "$marker"
	if [ "$rc" -eq 0 ] && grep -qxF "$marker" <<<"$out"; then
		pass "podman run --rm prints the marker and exits 0"
	else
		fail "podman run --rm prints the marker and exits 0 (status $rc)" "$out"
	fi
	check_removed "$NAME_ECHO"

	# 3. Exit status.
	run_podman out rc run --rm --name "$NAME_EXIT" "${RUN_FLAGS[@]}" "$IMAGE" sh -c 'exit 7'
	if [ "$rc" -eq 7 ]; then
		pass "podman run --rm: exit status 7 of the container reaches podman"
	else
		fail "podman run --rm: exit status 7 of the container reaches podman (got $rc)" "$out"
	fi
	check_removed "$NAME_EXIT"

	# 4. Detached container: exec, stop, rm.
	local id="" pid="" running=""
	run_podman out rc run -d --name "$NAME_SLEEP" "${RUN_FLAGS[@]}" "$IMAGE" sleep 300
	if [ "$rc" -eq 0 ]; then
		id=$(tail -n 1 <<<"$out")
		ALL_IDS+=("$id")
		read -r running pid < <(podman_ inspect -f '{{.State.Running}} {{.State.Pid}}' "$NAME_SLEEP" 2>/dev/null)
	fi
	if [ "$running" = true ] && [ -n "$pid" ] && [ "$pid" != 0 ]; then
		pass "podman run -d: $NAME_SLEEP running (pid $pid)"
	else
		fail "podman run -d: $NAME_SLEEP running (status $rc)" "$out"
	fi

	local conmon="" tracer="" trace=$WORK/conmon-execve.trace tr=""
	command -v strace >/dev/null && tr=1
	if [ "$running" = true ]; then
		# Podman used RUNTIME: conmon was told to run it, the container's
		# runtime is recorded as it, and RUNTIME's own state (default root)
		# says running with the same pid.
		conmon=$(pgrep -f -- "conmon .*-c $id" | head -n 1)
		local args ocirt
		args=$(tr '\0' ' ' <"/proc/$conmon/cmdline" 2>/dev/null)
		ocirt=$(podman_ inspect -f '{{.OCIRuntime}}' "$NAME_SLEEP" 2>/dev/null)
		if grep -qF -- "-r $RUNTIME " <<<"$args" && [ "$ocirt" = "$RUNTIME" ]; then
			pass "conmon $conmon runs -r $RUNTIME; podman inspect: OCIRuntime $ocirt"
		else
			fail "conmon runs -r $RUNTIME; OCIRuntime $RUNTIME" "conmon: $args" "OCIRuntime: $ocirt"
		fi
		check_runtime_state "$RUNTIME_ROOT" "$id" "$pid"

		# The container's conmon runs the exit command ("podman container
		# cleanup", which deletes the container in the runtime): trace it.
		if [ -n "$tr" ] && [ -n "$conmon" ]; then
			strace_attach tracer "$conmon" "$trace" 300
		fi

		# podman exec starts its own conmon, which runs "RUNTIME exec".
		TRACE=${tr:+$WORK/exec-execve.trace} run_podman out rc exec "$NAME_SLEEP" sh -c 'echo exec-ok; cat /proc/1/cmdline | tr "\0" " "'
		if [ "$rc" -eq 0 ] && grep -qx 'exec-ok' <<<"$out" && grep -q 'sleep 300' <<<"$out"; then
			pass "podman exec runs in the container (sees pid 1 = sleep 300)"
		else
			fail "podman exec runs in the container (status $rc)" "$out"
		fi
		run_podman out rc exec "$NAME_SLEEP" sh -c 'exit 3'
		if [ "$rc" -eq 3 ]; then
			pass "podman exec: exit status 3 of the process reaches podman"
		else
			fail "podman exec: exit status 3 of the process reaches podman (got $rc)" "$out"
		fi

		# sleep is pid 1 and ignores SIGTERM: stop -t 1 escalates to SIGKILL.
		TRACE=${tr:+$WORK/stop-execve.trace} run_podman out rc stop -t 1 "$NAME_SLEEP"
		local state
		state=$(podman_ inspect -f '{{.State.Status}}' "$NAME_SLEEP" 2>&1)
		if [ "$rc" -eq 0 ] && [ "$state" = exited ]; then
			pass "podman stop -t 1 stops $NAME_SLEEP"
		else
			fail "podman stop -t 1 stops $NAME_SLEEP (status $rc, state $state)" "$out"
		fi
		strace_detach "$tracer"
		TRACE=${tr:+$WORK/rm-execve.trace} run_podman out rc rm "$NAME_SLEEP"
		if [ "$rc" -eq 0 ] && ! podman_ container exists "$NAME_SLEEP"; then
			pass "podman rm removes $NAME_SLEEP"
		else
			fail "podman rm removes $NAME_SLEEP (status $rc)" "$out"
		fi
		if [ -n "$tr" ]; then
			local calls verbs="" v
			calls=$(cat "$WORK"/*-execve.trace 2>/dev/null | grep -F "execve(\"$RUNTIME\"" | grep -v ' = -1 ' |
				sed -E 's/^[0-9]+ +execve\("[^"]*", \[//; s/\], 0x[0-9a-f]+ \/\*.*$//')
			for v in exec kill delete; do
				grep -qF "\"$v\"" <<<"$calls" || verbs="$verbs $v"
			done
			if [ -z "$verbs" ]; then
				pass "conmon and podman exec $RUNTIME:$(runtime_verbs 'state|exec|kill|delete' <<<"$calls")"
				# shellcheck disable=SC2001 # prefixes every line
				sed 's/^/     > /' <<<"$calls" | cut -c1-300
			else
				fail "conmon and podman exec $RUNTIME (missing:$verbs)" \
					"$(cat "$WORK"/*-execve.trace 2>/dev/null | grep execve | cut -c1-400 | head -n 20)"
			fi
		fi
		check_gone "$NAME_SLEEP" "$id"
	fi
}

it_main
