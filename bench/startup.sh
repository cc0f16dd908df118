#!/usr/bin/env bash
# The app row of `make bench` on its own (`make bench-startup`): start to interactive and idle
# memory of the release vouch-app against the minimal Tauri 2 window (bench/app.mjs), runs
# interleaved. The Keys view must list a key read from the keychain: the active profile gets one
# when it has none. Prints the medians and their ratio; writes the raw results to OUT.json.
# Run inside tests/harness/with-env.sh (Xvfb, private D-Bus, keychain).
# Usage: bench/startup.sh OUT.json   (VOUCH_BENCH_APP_RUNS runs of each window, default 5;
#        VOUCH_CLI, default the release vouch, adds the key; VOUCH_BENCH_APP: another vouch-app)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:?usage: bench/startup.sh OUT.json}
target=${CARGO_TARGET_DIR:-$root/target}
app_bin="${VOUCH_BENCH_APP:-$target/release/vouch-app}"
minimal_bin="$target/release/vouch-bench-minimal-window"
vouch="${VOUCH_CLI:-$target/release/vouch}"
. "$root/bench/lib.sh"
need_binaries "make bench-startup builds it" "$app_bin" "$minimal_bin" "$vouch"
if [ "$("$vouch" key list --json | jq length)" = 0 ]; then
  "$vouch" key generate --name bench --algorithm ecdsa-p256 >/dev/null
fi
echo "bench: app: start to interactive and idle memory, vouch-app vs the minimal window" >&2
node "$root/bench/app.mjs" "$app_bin" "$minimal_bin" "$out" "${VOUCH_BENCH_APP_RUNS:-5}"
jq -r '"bench: start to interactive, medians: vouch-app \(.vouch.interactiveMs.median | round) ms, minimal window \(.minimal.interactiveMs.median | round) ms: \(.vouch.interactiveMs.median / .minimal.interactiveMs.median * 100 | round / 100)× minimal"' "$out" >&2
