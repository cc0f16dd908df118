#!/usr/bin/env bash
# Installs everything Vouch needs to build, run and test, idempotently:
#   system packages (apt, with sudo when not root), the UI's npm packages, and the peer tools
#   (cosign 2.5, skopeo 1.18 from Debian 13) into .tools/.
# Usage: scripts/install-deps.sh [--no-peers]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

packages=(
  # build
  build-essential pkg-config curl file python3
  # Tauri 2 on Linux
  libwebkit2gtk-4.1-dev libssl-dev libxdo-dev libayatana-appindicator3-dev librsvg2-dev
  # test environment: Secret Service, registry, display, WebDriver, screenshots, drag and drop
  gnome-keyring libsecret-tools dbus dbus-x11 docker-registry xvfb xauth webkit2gtk-driver
  imagemagick xdotool python3-gi gir1.2-gtk-3.0 openssl jq librsvg2-bin
  # authenticating registries (tests/harness/services/auth.sh): bcrypt htpasswd, the token issuer
  apache2-utils python3-cryptography
  # export tests: Kubernetes objects validated against the vendored CRD schemas
  python3-jsonschema python3-yaml
  # benchmarks (make bench): timing, max RSS
  hyperfine time
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

command -v cargo >/dev/null || { echo "install-deps: a Rust toolchain (cargo) is needed: https://rustup.rs" >&2; exit 2; }
command -v npm >/dev/null || { echo "install-deps: Node.js 20+ with npm is needed" >&2; exit 2; }

# UI packages: reinstall only when the lockfile changed since the last install.
stamp="$root/ui/node_modules/.vouch-lock-stamp"
if [ ! -f "$stamp" ] || ! cmp -s "$root/ui/package-lock.json" "$stamp"; then
  (cd "$root/ui" && npm ci --no-audit --no-fund)
  cp "$root/ui/package-lock.json" "$stamp"
fi

# cargo-deny (make lint: licences, duplicate versions, sources, advisories), pinned.
deny_version=0.20.2
if ! cargo deny --version 2>/dev/null | grep -qx "cargo-deny $deny_version"; then
  echo "install-deps: installing cargo-deny $deny_version" >&2
  cargo install --locked --quiet "cargo-deny@$deny_version"
fi

if [ "${1:-}" != "--no-peers" ]; then
  "$root/scripts/fetch-peers.sh"
fi
