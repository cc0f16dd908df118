#!/usr/bin/env bash
# fetch-peers.sh: install the peer tools cosign 2.5, skopeo 1.18 and podman 5.4
# from Debian 13 (trixie) into <repo>/.tools/, without touching the system's apt
# or dpkg state. Vouch's interop tests use these tools; the window's
# verify-then-pull test pulls with this podman into a throwaway storage root.
#
# Layout it creates (.tools/ is git-ignored):
#   .tools/apt/      private APT configuration: sources.list, lists, cache,
#                    and an empty dpkg status file
#   .tools/debs/     the .deb files that were downloaded (kept for auditing)
#   .tools/trixie/   those .debs unpacked with `dpkg-deb -x` (never installed)
#   .tools/bin/      wrappers `cosign`, `skopeo` and `podman`; they work from
#                    any cwd (podman: see its wrapper for why it is bound to
#                    this clone's location; a moved clone reinstalls it)
#
# Usage: scripts/fetch-peers.sh [--force]
#   --force  reinstall even if working tools are already in place.
# Environment overrides (optional):
#   FETCH_PEERS_MIRROR   Debian mirror URI (default: taken from this machine's
#                        apt sources, falling back to http://deb.debian.org/debian)
#   FETCH_PEERS_KEYRING  keyring that signs trixie (default: the
#                        debian-archive-keyring that is already installed)
#
# Idempotent: when both wrappers already report the expected versions it
# prints them and exits without using the network.
#
# Trust: the packages are checked the same way apt checks any package. trixie's
# InRelease must be signed by a key in the local keyring, Packages must match
# InRelease, and every .deb must match Packages. Bookworm's
# debian-archive-keyring (2023.3+deb12u1 or later) already has the trixie
# archive keys, so nothing new has to be trusted.
set -euo pipefail

# --- settings --------------------------------------------------------------
SUITE=trixie
WANT_COSIGN=2.5   # major.minor we require
WANT_SKOPEO=1.18
WANT_PODMAN=5.4
# podman needs conmon, crun and netavark to start (none of them runs for a pull);
# patchelf (run from .tools, never installed) points podman at trixie's loader.
TOP_PACKAGES=(cosign skopeo podman conmon crun netavark patchelf)

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
REPO_ROOT=$(cd -- "$SCRIPT_DIR/.." && pwd -P)
TOOLS="$REPO_ROOT/.tools"
APT_DIR="$TOOLS/apt"
DEB_DIR="$TOOLS/debs"
ROOTFS="$TOOLS/$SUITE"
BIN="$TOOLS/bin"
KEYRING=${FETCH_PEERS_KEYRING:-/usr/share/keyrings/debian-archive-keyring.gpg}

FORCE=0
case "${1:-}" in
  --force) FORCE=1 ;;
  "") ;;
  *) echo "usage: $0 [--force]" >&2; exit 2 ;;
esac

log() { printf 'fetch-peers: %s\n' "$*" >&2; }
die() { printf 'fetch-peers: error: %s\n' "$*" >&2; exit 1; }

# --- version probes (used by the quick path and the final check) ----------
# Print the version a wrapper reports, or nothing if it cannot run.
cosign_version() {
  "$1" version 2>/dev/null | awk '$1 == "GitVersion:" { print $2; exit }' || true
}
skopeo_version() {
  # "skopeo version 1.18.0"
  "$1" --version 2>/dev/null | awk '{ print $3; exit }' || true
}
podman_version() {
  # "podman version 5.4.2"
  "$1" --version 2>/dev/null | awk '{ print $3; exit }' || true
}
# matches VERSION WANT: does VERSION (e.g. v2.5.0 or 1.18.0) have major.minor WANT?
matches() { [[ "${1#v}" == "$2" || "${1#v}" == "$2".* ]]; }

report_and_exit_if_current() {
  local cv sv pv
  [[ -x "$BIN/cosign" && -x "$BIN/skopeo" && -x "$BIN/podman" ]] || return 0
  cv=$(cosign_version "$BIN/cosign")
  sv=$(skopeo_version "$BIN/skopeo")
  pv=$(podman_version "$BIN/podman")
  if matches "$cv" "$WANT_COSIGN" && matches "$sv" "$WANT_SKOPEO" && matches "$pv" "$WANT_PODMAN"; then
    echo "cosign $cv ($BIN/cosign)"
    echo "skopeo $sv ($BIN/skopeo)"
    echo "podman $pv ($BIN/podman)"
    exit 0
  fi
}

# --- quick path ------------------------------------------------------------
if (( ! FORCE )); then
  report_and_exit_if_current
fi

mkdir -p "$TOOLS"
# Only one installer runs at a time. Once we have the lock, check again:
# another run may have finished while we waited.
exec 9>"$TOOLS/.fetch-peers.lock"
flock 9
if (( ! FORCE )); then
  report_and_exit_if_current
fi

for tool in apt-get apt-cache dpkg dpkg-deb flock; do
  command -v "$tool" >/dev/null || die "'$tool' is required (run on Debian or Ubuntu)"
done
[[ -r "$KEYRING" ]] || die "keyring $KEYRING not found (install debian-archive-keyring)"

ARCH=$(dpkg --print-architecture)
case "$ARCH" in           # Debian multiarch directory name
  amd64) TRIPLET=x86_64-linux-gnu ;;
  arm64) TRIPLET=aarch64-linux-gnu ;;
  *) die "unsupported architecture $ARCH" ;;
esac

# --- mirror: reuse the one this machine already uses -----------------------
find_mirror() {
  local f=/etc/apt/sources.list.d/debian.sources
  if [[ -r $f ]]; then
    # First "URIs:" value in deb822 format, skipping the security archive.
    awk 'tolower($1) == "uris:" && $2 !~ /debian-security/ { print $2; exit }' "$f"
  elif [[ -r /etc/apt/sources.list ]]; then
    # One-line format: "deb [options] URI suite components". Take the first
    # field that looks like a URI; "[options]" may contain spaces.
    awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z0-9+]+:\/\// && $i !~ /debian-security/) { print $i; exit } }' \
      /etc/apt/sources.list
  fi
}
MIRROR=${FETCH_PEERS_MIRROR:-$(find_mirror)}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
MIRROR=${MIRROR%/}

# --- private APT configuration ----------------------------------------------
# apt reads only .tools/apt/apt.conf (via APT_CONFIG; Dir::Etc::parts and
# Dir::Etc::main point to /dev/null), so none of the host's apt.conf.d applies:
# no update hooks, no extra index targets, no pinning, no foreign
# architectures. Every path apt writes to points into .tools/apt/. The dpkg
# status file is empty, so apt treats every dependency as missing and resolves
# against trixie only. The host's proxy settings, if any, are carried over.
mkdir -p "$APT_DIR/lists/partial" "$APT_DIR/cache/archives/partial" "$APT_DIR/log"
: > "$APT_DIR/status"
echo "deb [signed-by=$KEYRING] $MIRROR $SUITE main" > "$APT_DIR/sources.list"
{
  echo "// Generated by scripts/fetch-peers.sh. Private apt config; do not edit."
  echo "Dir::Etc::main \"/dev/null\";"
  echo "Dir::Etc::parts \"/dev/null\";"
  echo "Dir::Etc::SourceList \"$APT_DIR/sources.list\";"
  echo "Dir::Etc::SourceParts \"/dev/null\";"
  echo "Dir::Etc::Preferences \"/dev/null\";"
  echo "Dir::Etc::PreferencesParts \"/dev/null\";"
  echo "Dir::Etc::Trusted \"/dev/null\";"
  echo "Dir::Etc::TrustedParts \"/dev/null\";"
  echo "Dir::State \"$APT_DIR\";"
  echo "Dir::State::Lists \"$APT_DIR/lists\";"
  echo "Dir::State::status \"$APT_DIR/status\";   // the dpkg lock goes next to it"
  echo "Dir::Cache \"$APT_DIR/cache\";"
  echo "Dir::Cache::archives \"$APT_DIR/cache/archives\";"
  echo "Dir::Log \"$APT_DIR/log\";"
  echo "APT::Architecture \"$ARCH\";"
  echo "APT::Architectures { \"$ARCH\"; };"
  echo "APT::Install-Recommends \"false\";"
  echo "APT::Cache::AllVersions \"false\";"
  echo "Acquire::Languages \"none\";      // no Translation-* files"
  echo "Acquire::GzipIndexes \"true\";    // keep the lists compressed on disk"
  # Proxy settings from the host configuration (printed in apt.conf syntax).
  apt-config dump 2>/dev/null | grep -E '^Acquire::(https?|ftp)::Proxy' || true
} > "$APT_DIR/apt.conf"
apt_q()       { APT_CONFIG="$APT_DIR/apt.conf" apt-get -q "$@"; }
apt_cache()   { APT_CONFIG="$APT_DIR/apt.conf" apt-cache "$@"; }

# Start from empty lists. If verification fails, apt only warns and keeps using
# the previous index files, and we do not want that. For the same reason any
# warning from `apt-get update` counts as an error here.
log "updating the package lists for $MIRROR $SUITE (signed-by $KEYRING)"
find "$APT_DIR/lists" -maxdepth 1 -type f ! -name lock -delete
if ! apt_q update >"$APT_DIR/log/update.log" 2>&1 ||
   grep -qE '^(E|W): ' "$APT_DIR/log/update.log"; then
  cat "$APT_DIR/log/update.log" >&2
  die "apt-get update for $SUITE failed. If the messages above mention
NO_PUBKEY or EXPKEYSIG, this machine's keyring does not have trixie's archive
keys. Update debian-archive-keyring from bookworm (its own archive is signed
with keys you already have) or set FETCH_PEERS_KEYRING to a keyring you trust.
Do not take the keyring from trixie itself: nothing would verify it."
fi

# --- resolve the packages and check their versions -------------------------
candidate() {
  apt_cache policy "$1" | awk '$1 == "Candidate:" { print $2 }'
}
for pkg in "${TOP_PACKAGES[@]}"; do
  v=$(candidate "$pkg")
  [[ -n "$v" && "$v" != "(none)" ]] || die "Debian $SUITE has no package named '$pkg'"
  case $pkg in
    cosign) want=$WANT_COSIGN ;;
    skopeo) want=$WANT_SKOPEO ;;
    podman) want=$WANT_PODMAN ;;
    *) continue ;;
  esac
  upstream=${v#*:}; upstream=${upstream%%[-+~]*}
  matches "$upstream" "$want" || die "$SUITE has $pkg $v, expected $want.x"
done
COSIGN_DEB_VERSION=$(candidate cosign)
COSIGN_UPSTREAM=${COSIGN_DEB_VERSION#*:}; COSIGN_UPSTREAM=v${COSIGN_UPSTREAM%%[-+~]*}

# Dependency closure, limited to shared-library packages (lib*). cosign,
# skopeo and podman are Go binaries, so at run time they only need the shared libraries
# they link against. The full Depends closure has 79 packages: gnupg, iptables
# and CNI plugins (via golang-github-containers-common) plus the base system
# that those pull in. None of that is needed to run the binaries. After
# unpacking, the loader check below confirms that every needed library
# resolves inside .tools/trixie.
declare -A seen=()
queue=("${TOP_PACKAGES[@]}")
while ((${#queue[@]})); do
  pkg=${queue[0]}; queue=("${queue[@]:1}")
  if [[ -n "${seen[$pkg]:-}" ]]; then continue; fi
  seen[$pkg]=1
  while read -r dep; do
    if [[ $dep == lib* && -z "${seen[$dep]:-}" ]]; then queue+=("$dep"); fi
  done < <(apt_cache depends --no-recommends --no-suggests \
             --no-conflicts --no-breaks --no-replaces --no-enhances "$pkg" |
           awk '$1 ~ /^\|?(Pre)?Depends:$/ && $2 !~ /^</ { print $2 }')
done
PACKAGES=("${!seen[@]}")
log "downloading ${#PACKAGES[@]} packages: $(printf '%s\n' "${PACKAGES[@]}" | sort | paste -sd' ')"

# --- download (hashes are checked against the signed index) ----------------
rm -rf "$DEB_DIR"; mkdir -p "$DEB_DIR"
# apt downloads as the unprivileged _apt user when run as root; let it write here.
if [[ $EUID -eq 0 ]] && id _apt >/dev/null 2>&1; then chown _apt "$DEB_DIR"; fi
(cd "$DEB_DIR" && apt_q download "${PACKAGES[@]}") >"$APT_DIR/log/download.log" 2>&1 ||
  { cat "$APT_DIR/log/download.log" >&2; die "download failed"; }
log "downloaded $(du -sh "$DEB_DIR" | cut -f1) into ${DEB_DIR#"$REPO_ROOT"/}"

# --- unpack (no maintainer scripts run; nothing is registered with dpkg) ---
rm -rf "$ROOTFS.new"; mkdir -p "$ROOTFS.new"
for deb in "$DEB_DIR"/*.deb; do
  dpkg-deb -x "$deb" "$ROOTFS.new"
done
rm -rf "$ROOTFS"; mv "$ROOTFS.new" "$ROOTFS"

# trixie's own dynamic loader, so skopeo runs against trixie's glibc
# (skopeo needs glibc 2.38; bookworm has 2.36).
# Paths are kept relative to the rootfs so that the wrapper can rebuild them.
LOADER=
for cand in "$ROOTFS/usr/lib/$TRIPLET"/ld-linux*.so.* "$ROOTFS/lib/$TRIPLET"/ld-linux*.so.*; do
  if [[ -f "$cand" ]]; then LOADER=${cand#"$ROOTFS"/}; break; fi
done
[[ -n "$LOADER" ]] || die "no ld-linux loader found in ${ROOTFS#"$REPO_ROOT"/}"
# trixie's library directories (only those that exist)
LIBDIRS=()
for d in "usr/lib/$TRIPLET" "lib/$TRIPLET"; do
  if [[ -d "$ROOTFS/$d" ]]; then LIBDIRS+=("$d"); fi
done

# --- wrappers (paths resolved from the wrapper's own location at runtime) ---
mkdir -p "$BIN"
cat > "$BIN/.cosign.new" <<EOF
#!/usr/bin/env bash
# Generated by scripts/fetch-peers.sh: cosign from Debian $SUITE ($COSIGN_DEB_VERSION).
# The binary only needs glibc >= 2.34, so it runs directly on the host libc.
#
# Debian builds cosign without the version ldflags, so "cosign version" says
# "GitVersion: devel". This wrapper fills in the upstream version of the
# packaged source ($COSIGN_UPSTREAM) and notes that it did so. All other
# subcommands pass through unchanged.
set -euo pipefail
here=\$(cd -- "\$(dirname -- "\$(readlink -f -- "\${BASH_SOURCE[0]}")")" && pwd -P)
bin="\$here/../$SUITE/usr/bin/cosign"
if [[ "\${1:-}" == version ]]; then
  "\$bin" "\$@" | sed -E \\
    -e 's/^(GitVersion:[[:space:]]+)devel\$/\\1$COSIGN_UPSTREAM\\nPackaging:     Debian cosign $COSIGN_DEB_VERSION (GitVersion from package metadata)/' \\
    -e 's/("gitVersion":[[:space:]]*")devel"/\\1$COSIGN_UPSTREAM"/'
  exit "\${PIPESTATUS[0]}"
fi
exec "\$bin" "\$@"
EOF

# The library path as the wrapper spells it, e.g. "$root/usr/lib/x86_64-linux-gnu"
# shellcheck disable=SC2016  # $root is expanded by the wrapper, not here
libpath_expr=$(printf '$root/%s:' "${LIBDIRS[@]}")
cat > "$BIN/.skopeo.new" <<EOF
#!/usr/bin/env bash
# Generated by scripts/fetch-peers.sh: skopeo from Debian $SUITE.
# It runs through trixie's own dynamic loader and libraries, because the host
# glibc is too old for it. Use --policy and --registries.d explicitly; the host
# has no /etc/containers configuration.
set -euo pipefail
here=\$(cd -- "\$(dirname -- "\$(readlink -f -- "\${BASH_SOURCE[0]}")")" && pwd -P)
root=\$(cd -- "\$here/../$SUITE" && pwd -P)
libpath="${libpath_expr%:}"
exec "\$root/$LOADER" --library-path "\$libpath" --argv0 "\$0" "\$root/usr/bin/skopeo" "\$@"
EOF

# podman re-executes itself (/proc/self/exe) to unpack layers, so it cannot run
# through the loader like skopeo (the re-executed program would be the loader):
# its ELF interpreter is set to trixie's loader in this rootfs instead (an
# absolute path; the quick path above reinstalls when the clone has moved), and
# the wrapper gives it trixie's libraries. containers.conf points podman at the
# conmon, crun and netavark unpacked here; storage and registries are the
# caller's (CONTAINERS_STORAGE_CONF, CONTAINERS_REGISTRIES_CONF).
libpath_abs=$(printf '%s:' "${LIBDIRS[@]/#/$ROOTFS/}")
"$ROOTFS/$LOADER" --library-path "${libpath_abs%:}" \
  "$ROOTFS/usr/bin/patchelf" --set-interpreter "$ROOTFS/$LOADER" "$ROOTFS/usr/bin/podman" ||
  die "patchelf could not set podman's interpreter"
mkdir -p "$TOOLS/podman"
cat > "$TOOLS/podman/containers.conf" <<EOF
# Generated by scripts/fetch-peers.sh: podman from Debian $SUITE, run from .tools.
[engine]
conmon_path = ["$ROOTFS/usr/bin/conmon"]
helper_binaries_dir = ["$ROOTFS/usr/lib/podman"]
events_logger = "none"
cgroup_manager = "cgroupfs"
runtime = "crun"
[engine.runtimes]
crun = ["$ROOTFS/usr/bin/crun"]
EOF
cat > "$BIN/.podman.new" <<EOF
#!/usr/bin/env bash
# Generated by scripts/fetch-peers.sh: podman from Debian $SUITE, its interpreter
# set to trixie's loader in $ROOTFS. Give it a storage root
# (CONTAINERS_STORAGE_CONF or --root/--runroot) and, for a plain-HTTP registry,
# CONTAINERS_REGISTRIES_CONF; the host has no /etc/containers configuration.
set -euo pipefail
export LD_LIBRARY_PATH="${libpath_abs%:}\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}"
export CONTAINERS_CONF="\${CONTAINERS_CONF:-$TOOLS/podman/containers.conf}"
export PODMAN_IGNORE_CGROUPSV1_WARNING=1
exec "$ROOTFS/usr/bin/podman" "\$@"
EOF
chmod 0755 "$BIN/.cosign.new" "$BIN/.skopeo.new" "$BIN/.podman.new"

# --- verify before putting the wrappers in place ---------------------------
tmp=$(mktemp -d)
trap 'rm -rf "$tmp" "$BIN/.cosign.new" "$BIN/.skopeo.new" "$BIN/.podman.new"' EXIT

# 1. Every shared library skopeo needs resolves inside .tools/trixie.
lp=$(printf '%s:' "${LIBDIRS[@]/#/$ROOTFS/}")
"$ROOTFS/$LOADER" --library-path "${lp%:}" --list "$ROOTFS/usr/bin/skopeo" > "$tmp/ldd" 2>&1 ||
  { cat "$tmp/ldd" >&2; die "skopeo's libraries do not resolve"; }
if grep -v 'linux-vdso' "$tmp/ldd" | grep '=>' | grep -v "=> $ROOTFS/" >&2; then
  die "skopeo resolves the libraries above outside ${ROOTFS#"$REPO_ROOT"/}"
fi

# 2. The versions are the expected ones.
cv=$(cosign_version "$BIN/.cosign.new")
sv=$(skopeo_version "$BIN/.skopeo.new")
matches "$cv" "$WANT_COSIGN" || die "cosign reports '$cv', expected v$WANT_COSIGN.x"
matches "$sv" "$WANT_SKOPEO" || die "skopeo reports '$sv', expected $WANT_SKOPEO.x"
pv=$(podman_version "$BIN/.podman.new")
matches "$pv" "$WANT_PODMAN" || die "podman reports '$pv', expected $WANT_PODMAN.x"

# 3. skopeo has sigstore support compiled in: it can generate a sigstore key pair.
printf 'fetch-peers-test\n' > "$tmp/passphrase"
"$BIN/.skopeo.new" generate-sigstore-key --output-prefix "$tmp/sigstore" \
    --passphrase-file "$tmp/passphrase" >"$tmp/skopeo.log" 2>&1 ||
  { cat "$tmp/skopeo.log" >&2; die "skopeo generate-sigstore-key failed"; }
[[ -s "$tmp/sigstore.pub" && -s "$tmp/sigstore.private" ]] ||
  die "skopeo generate-sigstore-key did not write $tmp/sigstore.{pub,private}"

# 4. cosign can generate a key pair non-interactively.
mkdir "$tmp/cosign"
(cd "$tmp/cosign" && COSIGN_PASSWORD=fetch-peers-test "$BIN/.cosign.new" generate-key-pair) \
    >"$tmp/cosign.log" 2>&1 ||
  { cat "$tmp/cosign.log" >&2; die "cosign generate-key-pair failed"; }
[[ -s "$tmp/cosign/cosign.key" && -s "$tmp/cosign/cosign.pub" ]] ||
  die "cosign generate-key-pair did not write cosign.key/cosign.pub"

# All good: put the wrappers in place (atomic renames).
mv -f "$BIN/.cosign.new" "$BIN/cosign"
mv -f "$BIN/.skopeo.new" "$BIN/skopeo"
mv -f "$BIN/.podman.new" "$BIN/podman"

# apt's binary package caches (about 80 MB) are only needed while resolving.
rm -f "$APT_DIR"/cache/*.bin

echo "cosign $(cosign_version "$BIN/cosign") ($BIN/cosign)"
echo "skopeo $(skopeo_version "$BIN/skopeo") ($BIN/skopeo)"
echo "podman $(podman_version "$BIN/podman") ($BIN/podman)"
