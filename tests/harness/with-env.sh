#!/usr/bin/env bash
# Runs a command inside Vouch's real test environment, and stops everything afterwards:
#   - a private D-Bus session (dbus-run-session) with gnome-keyring's Secret Service, unlocked,
#     in a throwaway HOME / XDG folders, so tests never touch the developer's own keychain;
#   - CNCF distribution (Debian's docker-registry) on 127.0.0.1:<free port>, throwaway storage,
#     delete enabled, access log kept in $VOUCH_TEST_ARTIFACTS;
#   - Xvfb on a free display, for the window tests.
# The command learns addresses and tool paths from environment variables:
#   VOUCH_HARNESS=1  VOUCH_TEST_REGISTRY=127.0.0.1:PORT  VOUCH_TEST_REGISTRY_LOG=FILE
#   VOUCH_TEST_COSIGN / VOUCH_TEST_SKOPEO / VOUCH_TEST_PODMAN (peer tools)  DISPLAY  VOUCH_TEST_ARTIFACTS
# Usage: tests/harness/with-env.sh COMMAND [ARGS...]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)

if [ "${VOUCH_INSIDE_DBUS:-}" != 1 ]; then
  work=$(mktemp -d "${TMPDIR:-/tmp}/vouch-test.XXXXXX")
  export VOUCH_TEST_WORK="$work"
  mkdir -p "$work/home" "$work/xdg/config" "$work/xdg/data" "$work/xdg/cache" "$work/xdg/runtime"
  chmod 700 "$work/xdg/runtime"
  status=0
  env -i PATH="$PATH" TERM="${TERM:-dumb}" LANG=C.UTF-8 ${CI:+CI="$CI"} \
    HOME="$work/home" XDG_CONFIG_HOME="$work/xdg/config" XDG_DATA_HOME="$work/xdg/data" \
    XDG_CACHE_HOME="$work/xdg/cache" XDG_RUNTIME_DIR="$work/xdg/runtime" \
    CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}" RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}" \
    CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}" \
    npm_config_cache="${npm_config_cache:-$HOME/.npm}" \
    NO_AT_BRIDGE=1 GTK_USE_PORTAL=0 VOUCH_INSIDE_DBUS=1 VOUCH_TEST_WORK="$work" \
    VOUCH_TEST_ARTIFACTS="${VOUCH_TEST_ARTIFACTS:-$root/tests/artifacts}" \
    dbus-run-session -- "$0" "$@" || status=$?
  # WebKitGTK may have D-Bus-activated the document portal, which mounts a FUSE file system in
  # $XDG_RUNTIME_DIR/doc; unmount anything left under the throwaway folder before removing it.
  awk -v w="$work" 'index($2, w) == 1 {print $2}' /proc/mounts | while read -r m; do
    fusermount3 -uz "$m" 2>/dev/null || fusermount -uz "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
  done
  rm -rf "$work"
  exit "$status"
fi

# --- inside the private D-Bus session ---
work="$VOUCH_TEST_WORK"
mkdir -p "$VOUCH_TEST_ARTIFACTS"
pids=()
cleanup() {
  if [ -f "${VOUCH_TEST_REGISTRY_LOG:-}" ]; then
    cp "$VOUCH_TEST_REGISTRY_LOG" "$VOUCH_TEST_ARTIFACTS/registry-access.log" 2>/dev/null || true
  fi
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  # gnome-keyring daemonises itself: stop it by its pid file / name on this session's bus.
  if [ -n "${KEYRING_PID:-}" ]; then kill "$KEYRING_PID" 2>/dev/null || true; fi
}
trap cleanup EXIT INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Keychain: gnome-keyring, unlocked with a throwaway password.
# A throwaway password, also what the tests unlock a revived or locked keychain with.
export VOUCH_TEST_KEYCHAIN_PASSWORD=vouch-test-password
eval "$(printf '%s' "$VOUCH_TEST_KEYCHAIN_PASSWORD" | gnome-keyring-daemon --unlock --components=secrets)"
export GNOME_KEYRING_CONTROL
KEYRING_PID="${GNOME_KEYRING_PID:-}"
for _ in $(seq 1 100); do
  if dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
       org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q 'boolean true'; then
    break
  fi
  sleep 0.1
done
dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
  org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets | grep -q 'boolean true' \
  || { echo "harness: gnome-keyring did not take org.freedesktop.secrets" >&2; exit 2; }
echo "harness: Secret Service (gnome-keyring) on a private D-Bus: $DBUS_SESSION_BUS_ADDRESS" >&2
# The daemon serving this run: the CLI tests revive the keychain only when that daemon died
# (gnome-keyring's upstream race; crates/cli/tests/common/keychain.rs says when and why).
export VOUCH_TEST_KEYCHAIN_PID_FILE="$work/keychain.pid"
dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
  org.freedesktop.DBus.GetConnectionUnixProcessID string:org.freedesktop.secrets \
  | awk '/uint32/ { print $2 }' >"$VOUCH_TEST_KEYCHAIN_PID_FILE"

# Registry: CNCF distribution on loopback.
port=$(free_port)
# The access log lives in this run's own folder (overlapping runs must not share it) and is
# copied to the artifacts folder when the run ends.
export VOUCH_TEST_REGISTRY_LOG="$work/registry-access.log"
. "$root/tests/harness/registry.sh"
registry_ok=0
start_registry "$work" "$port" "$VOUCH_TEST_REGISTRY_LOG" || registry_ok=$?
pids+=("$REGISTRY_PID")
[ "$registry_ok" = 0 ] || { echo "harness: registry did not start" >&2; exit 2; }
export VOUCH_TEST_REGISTRY="127.0.0.1:$port"
echo "harness: registry (distribution $(docker-registry --version 2>/dev/null | awk '{print $3}')) at $VOUCH_TEST_REGISTRY" >&2

# Display: Xvfb on a free display number.
exec 7<> <(:)
Xvfb -displayfd 7 -screen 0 1280x900x24 -nolisten tcp >"$work/xvfb.log" 2>&1 &
pids+=($!)
display=""
for _ in $(seq 1 100); do
  display=$(head -n1 "/proc/$$/fd/7" 2>/dev/null || true)
  [ -n "$display" ] && break
  sleep 0.1
done
if [ -z "$display" ]; then
  # Fall back: pick a free number ourselves.
  for n in $(seq 90 140); do [ -e "/tmp/.X11-unix/X$n" ] || { display=$n; break; }; done
  Xvfb ":$display" -screen 0 1280x900x24 -nolisten tcp >"$work/xvfb.log" 2>&1 &
  pids+=($!)
  sleep 1
fi
export DISPLAY=":$display"
echo "harness: Xvfb on $DISPLAY" >&2

# Peers.
[ -x "$root/.tools/bin/cosign" ] && export VOUCH_TEST_COSIGN="$root/.tools/bin/cosign"
[ -x "$root/.tools/bin/skopeo" ] && export VOUCH_TEST_SKOPEO="$root/.tools/bin/skopeo"
[ -x "$root/.tools/bin/podman" ] && export VOUCH_TEST_PODMAN="$root/.tools/bin/podman"
export VOUCH_HARNESS=1 VOUCH_PROFILE=test

# More services (authenticating registries, TLS, …): each file in services/ is sourced here, in
# name order, with free_port, $work and pids+=() at hand; it exports what its tests read.
for service in "$root"/tests/harness/services/*.sh; do
  [ -e "$service" ] || continue
  # shellcheck source=/dev/null
  . "$service"
done

"$@"
