#!/usr/bin/env bash
# Issue 3, check 1: `berth pull` fetches every CRI conformance image that
# ../shared/conformance/setup serves on 127.0.0.1:5000, by tag and by digest,
# and `berth images` lists each with the right id (its config digest, as
# skopeo sees it) and content size (manifest + config + layers).
#
# Usage: scripts/integration/conformance-images.sh [BERTH]
#   BERTH defaults to this package's .build/release/berth.
# Uses a private store in a temp dir (removed on exit); starts the harness's
# registry if it is not running and stops it again afterwards.
set -euo pipefail
PKG=$(cd "$(dirname "$0")/../.." && pwd)
BERTH=${1:-$PKG/.build/release/berth}
SHARED=$PKG/../shared/conformance
REGISTRY=127.0.0.1:5000
NAME=conformance-images.sh

[ -x "$BERTH" ] || { echo "$NAME: $BERTH is not built (scripts/build)" >&2; exit 1; }
[ -x "$SHARED/setup" ] || { echo "$NAME: $SHARED/setup not found (../shared missing)" >&2; exit 1; }

started_registry=false
curl -fsS "http://$REGISTRY/v2/" >/dev/null 2>&1 || started_registry=true
"$SHARED/setup" >/dev/null
ROOT=$(mktemp -d /tmp/berth-conformance-images.XXXXXX)
cleanup() {
	rm -rf "$ROOT"
	if $started_registry; then "$SHARED/setup" --stop >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT

passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok   $1"; }
bad() { failed=$((failed + 1)); echo "FAIL $1"; [ $# -lt 2 ] || printf '%s\n' "$2" | sed 's/^/     | /'; }

refs=()
for repo in $(curl -fsS "http://$REGISTRY/v2/_catalog?n=1000" | jq -r '.repositories[]'); do
	for tag in $(curl -fsS "http://$REGISTRY/v2/$repo/tags/list" | jq -r '.tags[]'); do
		refs+=("localhost:5000/$repo:$tag")
	done
done
echo "$NAME: ${#refs[@]} references in the registry"
[ ${#refs[@]} -gt 0 ] || { bad "registry lists images"; exit 1; }

json() { "$BERTH" --root "$ROOT" images --format json; }
for ref in "${refs[@]}"; do
	# The registry's bytes exactly (command substitution would drop a trailing newline).
	raw_size=$(skopeo inspect --tls-verify=false --raw "docker://$ref" | wc -c)
	digest=sha256:$(skopeo inspect --tls-verify=false --raw "docker://$ref" | sha256sum | cut -d' ' -f1)
	config=$(skopeo inspect --tls-verify=false --config --raw "docker://$ref" | sha256sum | cut -d' ' -f1)
	# Content size: the manifest for this platform (the reference may name an index).
	manifest=$(skopeo inspect --tls-verify=false --raw "docker://$ref")
	if out=$("$BERTH" --root "$ROOT" pull --quiet "$ref" 2>&1); then
		if [ "$out" = "sha256:$config" ]; then ok "pull $ref"; else bad "pull $ref: id" "got $out, config is sha256:$config"; fi
	else
		bad "pull $ref" "$out"
		continue
	fi
	entry=$(json | jq -c --arg n "$ref" '.[] | select(.Names | index($n))')
	if [ -z "$entry" ]; then bad "images lists $ref" "$(json)"; continue; fi
	if [ "$(jq -r .Id <<<"$entry")" = "$config" ] && [ "$(jq -r .Digest <<<"$entry")" = "$digest" ]; then
		ok "images: $ref has id ${config:0:12} and digest ${digest:7:12}"
	else
		bad "images: $ref id/digest" "$entry (want id $config, digest $digest)"
	fi
	if jq -e '.layers' <<<"$manifest" >/dev/null 2>&1; then
		want=$(jq '[.config.size] + [.layers[].size] | add' <<<"$manifest")
		want=$((want + raw_size))
		got=$(jq -r .ContentSize <<<"$entry")
		if [ "$got" = "$want" ]; then ok "images: $ref content size $got"; else bad "images: $ref content size" "got $got, want $want"; fi
	fi
	by_digest="localhost:5000/${ref#localhost:5000/}"
	by_digest="${by_digest%:*}@$digest"
	if out=$("$BERTH" --root "$ROOT" pull --quiet "$by_digest" 2>&1) && [ "$out" = "sha256:$config" ]; then
		ok "pull $by_digest"
	else
		bad "pull $by_digest" "$out"
	fi
done

# The table view lists every name once.
table=$("$BERTH" --root "$ROOT" images)
rows=$(($(wc -l <<<"$table") - 1))
if [ "$rows" -ge "${#refs[@]}" ]; then ok "images table: $rows rows"; else bad "images table: $rows rows for ${#refs[@]} refs" "$table"; fi
echo "$NAME: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
