#!/usr/bin/env bash
# Fails when the checked-in generated TypeScript (ui/src/ipc/generated/) is not what the Rust
# types generate now. `make lint` runs it. To update: scripts/gen-ts.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
"$root/scripts/gen-ts.sh" "$tmp/generated"
if ! diff -ru "$root/ui/src/ipc/generated" "$tmp/generated" >"$tmp/diff"; then
  cat "$tmp/diff"
  echo >&2
  echo "ui/src/ipc/generated/ is stale: the Rust IPC types changed. Run scripts/gen-ts.sh and commit the result." >&2
  exit 1
fi
echo "ui/src/ipc/generated/ matches the Rust types."
