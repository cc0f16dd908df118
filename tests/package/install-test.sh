#!/usr/bin/env bash
# Installs Vouch's .deb on this machine with apt, checks what it installed (the CLI answers
# --version, the app's window opens through WebKitWebDriver, desktop entry and icons are in
# place), then removes it.
# Needs root (or sudo), apt-get and a display (run it inside tests/harness/with-env.sh). Without
# root or apt it says SKIPPED and exits 0: run-tests.sh reports it as skipped, never as passed.
# Refuses to run when a package named vouch is already installed (it would be removed).
# Usage: tests/package/install-test.sh [DEB]   (default: scripts/package.sh --debug)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
fail() { echo "FAIL: $*" >&2; exit 1; }

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if sudo -n true 2>/dev/null; then sudo="sudo -n"; else
    echo "SKIPPED: the package install test needs root or password-less sudo"; exit 0
  fi
fi
command -v apt-get >/dev/null || { echo "SKIPPED: the package install test needs apt-get"; exit 0; }
if dpkg-query -W -f='${Status}' vouch 2>/dev/null | grep -q "install ok installed"; then
  fail "a package named vouch is already installed; remove it first (this test would remove it)"
fi

start=$(date +%s)
deb=${1:-$(scripts/package.sh --debug)}
deb=$(realpath "$deb")
echo "install-test: built $deb in $(( $(date +%s) - start ))s" >&2

# Whatever happens below, the package does not stay installed.
trap '$sudo apt-get remove -y -q vouch >/dev/null 2>&1 || true' EXIT
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "$deb" >&2

version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n1)
[ -x /usr/bin/vouch ] || fail "/usr/bin/vouch was not installed"
out=$(/usr/bin/vouch --version)
[ "$out" = "vouch $version" ] || fail "the installed vouch --version said \"$out\", not \"vouch $version\""
echo "ok: installed /usr/bin/vouch --version: $out"

grep -qx 'Exec=vouch-app' /usr/share/applications/Vouch.desktop || fail "no desktop entry starting vouch-app"
[ -f /usr/share/icons/hicolor/128x128/apps/vouch-app.png ] || fail "the app's icon was not installed"
echo "ok: desktop entry and icons installed"

node tests/package/window.mjs /usr/bin/vouch-app

DEBIAN_FRONTEND=noninteractive $sudo apt-get remove -y -q vouch >&2
trap - EXIT
[ ! -e /usr/bin/vouch ] && [ ! -e /usr/bin/vouch-app ] || fail "apt-get remove left /usr/bin/vouch or vouch-app behind"
echo "ok: removed; the package install test took $(( $(date +%s) - start ))s"
