#!/usr/bin/env bash
# Benchmark: `vouch key list` with N keys in the real keychain (gnome-keyring Secret Service).
# Run inside tests/harness/with-env.sh. Prints a Markdown table row and writes hyperfine JSON.
# Usage: bench/keylist.sh [N]   (default 1000)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
n=${1:-1000}
vouch="$root/target/release/vouch"
out="${VOUCH_BENCH_OUT:-$root/target/bench}"
mkdir -p "$out"
. "$root/bench/lib.sh"
scratch keylist
export VOUCH_PROFILE="bench-keylist"

# Seed: N ed25519 public keys, imported as one trust-set document (one keychain write).
python3 - "$n" "$work" <<'PY'
import json, subprocess, sys, hashlib, datetime
n, work = int(sys.argv[1]), sys.argv[2]
keys = []
now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
for i in range(n):
    priv = subprocess.run(["openssl", "genpkey", "-algorithm", "ed25519"], check=True, capture_output=True).stdout
    der = subprocess.run(["openssl", "pkey", "-pubout", "-outform", "DER"], input=priv, check=True, capture_output=True).stdout
    pem = subprocess.run(["openssl", "pkey", "-pubin", "-inform", "DER", "-outform", "PEM"], input=der, check=True, capture_output=True).stdout.decode()
    keys.append({"fingerprint": "sha256:" + hashlib.sha256(der).hexdigest(), "algorithm": "ed25519",
                 "publisher": f"publisher-{i:04d}", "note": None, "scopes": [f"ghcr.io/org{i}/**"],
                 "status": "active", "revoked_reason": None, "revoked_at": None, "added_at": now,
                 "expires_at": None, "has_private": False, "public_key": pem})
json.dump({"format": "vouch-trust-set", "version": 1, "keys": keys, "policies": []}, open(f"{work}/set.json", "w"))
PY
"$vouch" trust import "$work/set.json" >/dev/null
count=$("$vouch" key list --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
[ "$count" -eq "$n" ] || { echo "bench: expected $n keys, listed $count" >&2; exit 1; }
hyperfine --warmup 3 --runs 20 --export-json "$out/keylist.json" -N "$vouch key list --json" >&2
python3 - "$out/keylist.json" "$n" <<'PY'
import json, sys, statistics
r = json.load(open(sys.argv[1]))["results"][0]
t = [x * 1000 for x in r["times"]]
print(f"| `vouch key list --json`, {sys.argv[2]} keys, real Secret Service | {statistics.median(t):.1f} ms | {min(t):.1f}–{max(t):.1f} ms | target ≤ 100 ms |")
PY
