#!/usr/bin/env bash
# `make demo`: Vouch on a local registry seeded with one image of each kind it tells apart
# (signed, unsigned, tampered, multi-arch, attested, signed outside the publisher's scope, signed
# keyless by the demo workflow and by another workflow), a
# demo publisher key in its own profile (VOUCH_PROFILE=demo: its own keychain entries, apart from
# yours), then the window. The registry (throwaway storage) stops when the window closes.
#
#   scripts/demo.sh              start the registry, seed it, open the app on it
#   scripts/demo.sh --seed-only  seed and print the images, no window; inside
#                                tests/harness/with-env.sh it seeds the harness's registry
# Binaries: VOUCH_CLI, VOUCH_APP_BINARY and VOUCH_MINT_KEYLESS (the keyless signer,
# crates/core/examples/mint-keyless.rs), default the release builds (make demo builds them).
# Settings, history and the demo's trusted root live in a throwaway folder (VOUCH_CONFIG_DIR;
# with --seed-only, the caller's); the demo key and identity stay in the keychain under the demo
# profile and are reused by the next demo.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
target="${CARGO_TARGET_DIR:-$root/target}"
cli="${VOUCH_CLI:-$target/release/vouch}"
app="${VOUCH_APP_BINARY:-$target/release/vouch-app}"
mint="${VOUCH_MINT_KEYLESS:-$target/release/examples/mint-keyless}"
seed_only=false
case "${1:-}" in
  --seed-only) seed_only=true ;;
  "") ;;
  *) echo "usage: scripts/demo.sh [--seed-only]" >&2; exit 2 ;;
esac
need=("$cli" "$mint")
$seed_only || need+=("$app")
for b in "${need[@]}"; do
  [ -x "$b" ] || { echo "demo: $b is missing; run \`make demo\` (it builds the CLI, the app and the keyless signer)" >&2; exit 2; }
done
export VOUCH_PROFILE=demo

work=$(mktemp -d "${TMPDIR:-/tmp}/vouch-demo.XXXXXX")
registry_pid=""
cleanup() {
  [ -z "$registry_pid" ] || { kill "$registry_pid" 2>/dev/null || true; wait "$registry_pid" 2>/dev/null || true; }
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

if [ -n "${VOUCH_TEST_REGISTRY:-}" ]; then
  registry="$VOUCH_TEST_REGISTRY"
else
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  . "$root/tests/harness/registry.sh"
  started=0
  start_registry "$work" "$port" "$work/registry.log" || started=$?
  registry_pid=$REGISTRY_PID
  [ "$started" = 0 ] || exit 2
  registry="127.0.0.1:$port"
fi
# The demo's own settings (before seeding: the trusted root of its keyless images is kept there).
$seed_only || export VOUCH_CONFIG_DIR="$work/config"
echo "demo: seeding $registry (profile $VOUCH_PROFILE)" >&2
node "$root/scripts/demo-seed.mjs" "$registry" "$cli" "$mint" >"$work/images"

if $seed_only; then
  cat "$work/images"
  exit 0
fi

# Its registry is searchable (Verify → Search); history starts empty.
mkdir -p "$VOUCH_CONFIG_DIR"
jq -n --arg host "$registry" '{registries: [{host: $host, insecure: true}]}' >"$VOUCH_CONFIG_DIR/config.json"
echo "demo: images to check (paste them in the Verify view, or search for \"demo\"):" >&2
cut -f1 "$work/images" >&2
echo "demo: what each shows:" >&2
column -t -s $'\t' "$work/images" >&2 2>/dev/null || cat "$work/images" >&2
echo "demo: the registry stops when the window closes" >&2
"$app"
