# shellcheck shell=bash
# What containerd.sh and podman.sh share; sourced by them, never run.
#
# The script sets, before sourcing:
#   IT_NAME   its name, for log lines ("containerd.sh")
# and before calling anything below:
#   WORK      its private work dir (kept logs, created-paths record)
#   OUR_DIRS  every private dir it owns (WORK included): unmounted, removed
#             and checked to be gone on exit
# and defines cleanup (called on exit) and main (the checks), then ends
# with `it_main`.
#
# Sourcing sets PKG (the package root), RUNTIME_ARG (the script's first
# argument, or this package's release berth-runtime), PASSED, FAILED and
# CREATED_PATHS; it_preflight sets RUNTIME.

PKG=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
RUNTIME_ARG=${1:-$PKG/.build/release/berth-runtime}

PASSED=0
FAILED=0
CREATED_PATHS=() # outside our dirs, created by this run: removed by cleanup

log() { echo "$IT_NAME: $*" >&2; }
pass() {
	PASSED=$((PASSED + 1))
	echo "ok   $1"
}
# fail NAME [DETAIL...]: record a failed check; details are indented below it.
fail() {
	FAILED=$((FAILED + 1))
	echo "FAIL $1"
	shift
	local d
	for d in "$@"; do printf '%s\n' "$d" | sed 's/^/     | /'; done
}
# die MESSAGE: a setup step failed; no further check can run.
die() {
	fail "setup: $1" "${@:2}"
	exit 1
}

# it_preflight COMMAND...: needs root, every COMMAND and an executable
# RUNTIME_ARG; sets RUNTIME to its absolute path.
it_preflight() {
	[ "$(id -u)" -eq 0 ] || die "needs root"
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null || die "$c not found"
	done
	[ -x "$RUNTIME_ARG" ] || die "runtime $RUNTIME_ARG is not executable" \
		"(build it: swift build -c release --product berth-runtime)"
	RUNTIME=$(readlink -f "$RUNTIME_ARG")
}

# The paths of CREATED_PATHS are recorded in WORK, so that the cleanup of a
# later run finds what an interrupted one created.
save_created_paths() { printf '%s\n' "${CREATED_PATHS[@]}" >"$WORK/created-paths"; }
load_created_paths() {
	[ -f "$WORK/created-paths" ] && mapfile -t -O "${#CREATED_PATHS[@]}" CREATED_PATHS <"$WORK/created-paths"
}

# keep_logs [FILE...]: with BERTH_IT_KEEP_LOGS=DIR, copies FILEs and the
# execve traces in WORK to DIR.
keep_logs() {
	if [ -n "${BERTH_IT_KEEP_LOGS:-}" ] && [ -d "$WORK" ]; then
		mkdir -p "$BERTH_IT_KEEP_LOGS" && cp -f "$@" "$WORK"/*.trace "$BERTH_IT_KEEP_LOGS"/ 2>/dev/null
	fi
}

# Mounts under our directories (rootfs, shm), deepest first.
umount_ours() {
	local t d
	findmnt -rn -o TARGET | sort -r | while read -r t; do
		for d in "${OUR_DIRS[@]}"; do
			case $t in "$d"/*) umount -l "$t" 2>/dev/null || true ;; esac
		done
	done
}

on_exit() {
	local rc=$?
	trap - EXIT INT TERM
	cleanup
	local d left="" dirs
	for d in "${OUR_DIRS[@]}"; do [ -e "$d" ] && left=1; done
	if [ -n "$left" ]; then
		dirs=$(printf ' or %s' "${OUR_DIRS[@]}")
		fail "cleanup: ${dirs# or } still exists"
	fi
	echo "$PASSED passed, $FAILED failed"
	if [ "$FAILED" -gt 0 ]; then exit 1; fi
	exit "$rc"
}

# it_main: runs main, with cleanup and the "N passed, N failed" line on exit
# (also when interrupted).
it_main() {
	trap on_exit EXIT
	trap 'exit 130' INT TERM
	main
}

# busybox_rootfs DIR: a root filesystem in DIR of busybox-static with its
# applets, root in /etc/passwd and /etc/group.
busybox_rootfs() {
	local r=$1 a
	mkdir -p "$r"/{bin,dev,proc,sys,etc,root,tmp}
	chmod 1777 "$r/tmp"
	cp /bin/busybox "$r/bin/busybox"
	for a in $(/bin/busybox --list); do
		[ "$a" = busybox ] || ln -sf busybox "$r/bin/$a"
	done
	echo 'root:x:0:0:root:/root:/bin/sh' >"$r/etc/passwd"
	echo 'root:x:0:' >"$r/etc/group"
}

# capture OUTVAR RC_VAR COMMAND...: runs COMMAND with stdin from /dev/null;
# output (stdout+stderr) into OUTVAR, status into RC_VAR.
# shellcheck disable=SC2034 # out_/rc_ are namerefs, set for the caller
capture() {
	local -n out_=$1 rc_=$2
	shift 2
	out_=$("$@" </dev/null 2>&1)
	rc_=$?
}

# check_gone NAME ID: passes when the script's `leftovers ID` finds nothing
# of container NAME (LEFTOVER_KINDS says what it looks at); no check without
# an ID.
check_gone() {
	local what=$1 id=$2 left
	[ -n "$id" ] || return 0
	left=$(leftovers "$id")
	if [ -z "$left" ]; then
		pass "nothing left of $what ($LEFTOVER_KINDS)"
	else
		fail "nothing left of $what" "$left"
	fi
}

# check_runtime_state ROOT ID PID: RUNTIME --root ROOT state ID says running,
# with PID.
check_runtime_state() {
	local root=$1 id=$2 pid=$3 st
	st=$("$RUNTIME" --root "$root" state "$id" 2>&1)
	if [ "$(jq -r '.status' <<<"$st" 2>/dev/null)" = running ] &&
		[ "$(jq -r '.pid' <<<"$st" 2>/dev/null)" = "$pid" ]; then
		pass "runtime state under $root says running, pid $pid"
	else
		fail "runtime state under $root says running, pid $pid" "$st"
	fi
}

# strace_attach TRACER_VAR PID FILE STRSIZE: traces every execve of PID and
# its descendants into FILE (strings up to STRSIZE) in the background; sets
# TRACER_VAR to strace's pid once it is attached (waits up to 5 s).
# shellcheck disable=SC2034 # tracer_ is a nameref, set for the caller
strace_attach() {
	local -n tracer_=$1
	local pid=$2
	strace -f -qq -s "$4" -e trace=execve -e signal=none -o "$3" -p "$pid" 2>/dev/null &
	tracer_=$!
	for _ in $(seq 50); do
		[ "$(awk '$1 == "TracerPid:" { print $2 }' "/proc/$pid/status" 2>/dev/null)" = "$tracer_" ] && break
		sleep 0.1
	done
}

# strace_detach TRACER: waits up to 5 s for strace TRACER to end (with its
# tracee), then stops it; nothing without TRACER.
strace_detach() {
	local tracer=$1
	[ -n "$tracer" ] || return 0
	for _ in $(seq 50); do kill -0 "$tracer" 2>/dev/null || break; sleep 0.1; done
	kill "$tracer" 2>/dev/null
	wait "$tracer" 2>/dev/null
}

# runtime_verbs REGEX: the verbs matching REGEX in the execve calls on stdin,
# in order, each preceded by a space.
runtime_verbs() {
	grep -oE "\"($1)\"" | tr -d '"' | tr '\n' ' ' | sed 's/^/ /; s/ $//'
}
