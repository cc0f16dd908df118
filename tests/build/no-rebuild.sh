#!/usr/bin/env bash
# A build with nothing changed rebuilds nothing: run right after a `tauri build --debug
# --no-bundle`, a second one must leave ui/dist and the app binary as they were (no vite build,
# no relink), and the UI's stamp must notice a changed input.
# Usage: tests/build/no-rebuild.sh   (after a debug app build; CARGO_TARGET_DIR honoured)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
target="${CARGO_TARGET_DIR:-$root/target}"
app="$target/debug/vouch-app"
fail() { echo "FAIL: $*" >&2; exit 1; }

[ -x "$app" ] || fail "$app is missing: build the app first (tauri build --debug --no-bundle)"
scripts/build-ui.sh --check || fail "ui/dist is not up to date right after a build"
VITE_VOUCH_REBUILD_PROBE=1 scripts/build-ui.sh --check \
  && fail "a changed input (a VITE_ variable) did not make ui/dist stale"

before_app=$(stat -c %.9Y "$app")
before_ui=$(stat -c %.9Y ui/dist/index.html)
start=$(date +%s)
out=$(ui/node_modules/.bin/tauri build --debug --no-bundle 2>&1) || { echo "$out" >&2; fail "the second build failed"; }
took=$(( $(date +%s) - start ))
echo "$out" | grep -E 'Compiling|vite v' && fail "the second build compiled something (above)"
[ "$(stat -c %.9Y ui/dist/index.html)" = "$before_ui" ] || fail "ui/dist was rewritten"
[ "$(stat -c %.9Y "$app")" = "$before_app" ] || fail "vouch-app was relinked"
echo "ok: a second build with nothing changed took ${took}s and relinked nothing"
