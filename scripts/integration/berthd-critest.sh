#!/usr/bin/env bash
# The upstream CRI validation suite (critest, ../shared/conformance) against berthd, outside the
# Streaming group, with a private root, state, socket and CNI network (berthd-lib.sh), then a
# leak check: no mounts, state files, veths, monitors, cgroups or iptables rules of this berthd
# may remain once its pods are removed.
#
# Usage: scripts/integration/berthd-critest.sh [HANDLER] [critest args...]
#   HANDLER: berth (default; .build/release/berth-runtime), runc or crun
set -euo pipefail
BD_HANDLER=${1:-berth}
shift || true
BD_NAME=critest
# shellcheck source=berthd-lib.sh
. "$(dirname "$0")/berthd-lib.sh"
trap bd_cleanup EXIT
bd_setup
bd_start
rc=0
"$BD_SHARED/run-critest" "$BD_SOCK" -ginkgo.skip=Streaming "$@" || rc=$?
crictl rmp -fa >/dev/null 2>&1 || true
bd_leaks || rc=1
exit $rc
