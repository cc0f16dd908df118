#!/usr/bin/env bash
# Builds ui/dist (vite build) only when the UI's sources changed since the last build.
# Tauri's beforeBuildCommand runs this: a `vite build` rewrites every file in ui/dist, and the app
# re-embeds (recompiles and relinks) whatever changed in it, so rebuilding identical output made
# every `make run` take minutes. The stamp holds a hash of every file under ui/ (outside
# node_modules, dist and coverage) and of the VITE_* variables; it lives outside ui/dist so it is
# not embedded in the app.
# Usage: scripts/build-ui.sh [--force | --check]   (--check: exit 0 when up to date, 1 when not)
set -euo pipefail
ui=$(cd "$(dirname "$0")/../ui" && pwd)
stamp="$ui/node_modules/.vouch-ui-build"

sources_hash() {
  (
    cd "$ui"
    find . \( -path ./node_modules -o -path ./dist -o -path ./coverage \) -prune -o -type f -print0 \
      | LC_ALL=C sort -z | xargs -0 sha256sum
    # Vite inlines the VITE_* variables (and TAURI_ENV_*, when the code reads them).
    env | LC_ALL=C sort | grep -E '^VITE_' || true
    if grep -rqs 'TAURI_ENV_' src; then env | LC_ALL=C sort | grep -E '^TAURI_ENV_' || true; fi
  ) | sha256sum | cut -d' ' -f1
}

want=$(sources_hash)
fresh=false
[ -f "$ui/dist/index.html" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && fresh=true
case "${1:-}" in
  --check) $fresh; exit ;;
  --force) ;;
  *) if $fresh; then echo "build-ui: ui/dist is up to date with the UI's sources; not rebuilt" >&2; exit 0; fi ;;
esac
rm -f "$stamp"
(cd "$ui" && npm run --silent build)
printf '%s\n' "$want" > "$stamp"
