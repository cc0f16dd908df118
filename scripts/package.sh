#!/usr/bin/env bash
# Builds the Debian package of Vouch with the Tauri bundler: the app (/usr/bin/vouch-app, its
# desktop entry and icons, the libraries it needs declared as dependencies) and the `vouch` CLI
# (/usr/bin/vouch). Prints the path of the .deb on stdout.
#   scripts/package.sh           release build (make package)
#   scripts/package.sh --debug   debug build (the install test reuses `make test`'s debug build)
# tauri.conf.json's bundle.linux.deb.files takes the CLI from target/package/vouch (a fixed path,
# whatever CARGO_TARGET_DIR is), where this script copies the one it built. The configuration is
# not overridden on the command line: that would change what Tauri's build script sees, and the
# next `make run` would recompile the app.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
target="${CARGO_TARGET_DIR:-$root/target}"
profile=release tauri_flags=() cargo_flags=(--release)
if [ "${1:-}" = --debug ]; then
  profile=debug tauri_flags=(--debug) cargo_flags=()
fi

cargo build "${cargo_flags[@]}" -p vouch-cli >&2
mkdir -p "$root/target/package"
cp "$target/$profile/vouch" "$root/target/package/vouch"
rm -rf "$target/$profile/bundle/deb"
ui/node_modules/.bin/tauri build "${tauri_flags[@]}" --bundles deb >&2
deb=$(find "$target/$profile/bundle/deb" -maxdepth 1 -name '*.deb' -print -quit)
[ -n "$deb" ] || { echo "package: the bundler wrote no .deb under $target/$profile/bundle/deb" >&2; exit 1; }
echo "$deb"
