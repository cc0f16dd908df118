#!/usr/bin/env bash
# Every test of Vouch, run inside tests/harness/with-env.sh (real registry, Secret Service, Xvfb).
# Exits non-zero on the first failing suite.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
[ "${VOUCH_HARNESS:-}" = 1 ] || { echo "run-tests: run me through tests/harness/with-env.sh (make test)" >&2; exit 2; }

section() { printf '\n=== %s ===\n' "$*"; }

# Whatever the outcome: say whether the keychain daemon died and was revived during the CLI
# tests (gnome-keyring's upstream race; crates/cli/tests/common/keychain.rs).
restarts="${VOUCH_TEST_ARTIFACTS:-/nonexistent}/keychain-restarts.log"
keychain_report() {
  if [ -s "$restarts" ]; then
    printf '\nharness: the keychain daemon died %s time(s) and was revived:\n' "$(wc -l <"$restarts")"
    sed 's/^/  /' "$restarts"
  fi
}
trap keychain_report EXIT
# Between suites: if the daemon that served the run is gone, unlock the one D-Bus activation
# started in its place (with the harness's throwaway password), so a crash inside one
# suite does not fail the next.
keychain_owner() {
  dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.GetConnectionUnixProcessID string:org.freedesktop.secrets 2>/dev/null \
    | awk '/uint32/ { print $2 }'
}
revive_keychain_if_gone() {
  local served now
  served=$(cat "$VOUCH_TEST_KEYCHAIN_PID_FILE")
  [ "$(keychain_owner)" = "$served" ] && return 0
  printf '%s' "$VOUCH_TEST_KEYCHAIN_PASSWORD" | /usr/bin/python3 crates/cli/tests/common/keyring.py unlock >/dev/null
  now=$(keychain_owner)
  echo "$now" >"$VOUCH_TEST_KEYCHAIN_PID_FILE"
  echo "the keychain daemon (pid $served) was gone before $1; a new one (pid $now) was unlocked" | tee -a "$restarts" >&2
}

section "invariant: vouch-core does not depend on tauri"
if cargo tree -p vouch-core -e normal --prefix none | grep -E '^tauri' ; then
  echo "FAIL: vouch-core depends on tauri" >&2; exit 1
fi
echo "ok: no tauri crate in vouch-core's dependency tree"

section "build: vouch CLI and the app (debug, embedded UI)"
cargo build -p vouch-cli
ui/node_modules/.bin/tauri build --debug --no-bundle

section "build: a second build with nothing changed relinks nothing"
tests/build/no-rebuild.sh

section "Rust unit and integration tests (real keychain, registry, peers)"
# Tests that need the real parts are #[ignore]d (a plain `cargo test` reports them as ignored,
# never as passed); here, inside the harness, they run too.
# The keychain-fault tests lock, kill and restart the one keychain the run shares: a daemon
# restarted by D-Bus activation is not the harness's, so they run last, on their own (below).
# `the_whole_public_suite` needs the public Sigstore conformance suite's folder, which is not in
# the repository (crates/cli/tests/conformance.rs says how to run it).
cargo test --workspace --features vouch-app/custom-protocol -- --include-ignored --skip keychain_fault_ \
  --skip the_whole_public_suite

section "UI unit tests (Vitest)"
(cd ui && npm test --silent)

revive_keychain_if_gone "the end-to-end tests"
section "end-to-end: the real window through WebKitWebDriver"
# mint-keyless signs images keyless from a local Sigstore-like instance (tests/e2e/keyless.test.mjs,
# and the demo below).
cargo build -p vouch-core --features sigstore-testing --example mint-keyless
VOUCH_APP_BINARY="$root/target/debug/vouch-app" VOUCH_CLI="$root/target/debug/vouch" \
  VOUCH_MINT_KEYLESS="$root/target/debug/examples/mint-keyless" \
  node --test --test-concurrency=1 --test-timeout=240000 \
    tests/e2e/*.test.mjs

revive_keychain_if_gone "the demo test"
section "demo: scripts/demo.sh seeds the images it promises and opens the window on them"
tests/demo/seed-test.sh

revive_keychain_if_gone "the package test"
section "package: the .deb installed with apt, run (CLI and window) and removed"
# Reuses the debug build above; prints SKIPPED (never ok) without root or apt.
tests/package/install-test.sh

revive_keychain_if_gone "the keychain-fault tests"
section "keychain faults: locked, daemon killed mid-write, CLI and app writing at once (last: they restart the keychain)"
# The second writer process is run by the concurrent-writers test alone (it fails on its own).
cargo test -p vouch-cli --test keychain_faults -- --include-ignored --skip keychain_fault_second_writer_process
