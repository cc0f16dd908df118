#!/usr/bin/env bash
# Vouch benchmarks, side by side with cosign and skopeo, on the harness's real registry.
# Run inside tests/harness/with-env.sh (`make bench` does); writes BENCHMARKS.md at the root and
# raw results (hyperfine JSON, logs) to target/bench/.
#
# Environment:
#   VOUCH_BENCH_N       images in the batch (default 1000)
#   VOUCH_BENCH_SAMPLE  images the peers verify one by one (default 50; at most N)
#   VOUCH_BENCH_RUNS    runs of each batch measurement (default 5; peers' loops: 3)
#   VOUCH_BENCH_KEYLESS_N keyless-signed images in the keyless batch (default N; bench/keyless.sh)
#   VOUCH_BENCH_KEYS    keys for the `vouch key list` row (default 1000)
#   VOUCH_BENCH_APP_RUNS runs of each window for the app row (default 5)
#   VOUCH_BENCH_OUTPUT  report path (default BENCHMARKS.md at the repository root)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
started=$(date +%s)

: "${VOUCH_TEST_REGISTRY:?run inside tests/harness/with-env.sh}"
: "${VOUCH_TEST_REGISTRY_LOG:?run inside tests/harness/with-env.sh}"
: "${VOUCH_TEST_COSIGN:?the harness did not provide cosign (scripts/fetch-peers.sh)}"
: "${VOUCH_TEST_SKOPEO:?the harness did not provide skopeo (scripts/fetch-peers.sh)}"
n=${VOUCH_BENCH_N:-1000}
sample=${VOUCH_BENCH_SAMPLE:-50}
[ "$sample" -le "$n" ] || sample=$n
runs=${VOUCH_BENCH_RUNS:-5}
peer_runs=3
nkeys=${VOUCH_BENCH_KEYS:-1000}
report=${VOUCH_BENCH_OUTPUT:-$root/BENCHMARKS.md}

target=${CARGO_TARGET_DIR:-$root/target}
vouch="$target/release/vouch"
seed="$target/release/examples/seed"
sha="$target/release/examples/sha256"
cosign="$VOUCH_TEST_COSIGN"
skopeo="$VOUCH_TEST_SKOPEO"
reg="$VOUCH_TEST_REGISTRY"
log="$VOUCH_TEST_REGISTRY_LOG"
out="$target/bench"
. "$root/bench/lib.sh"
need_binaries "run \`make bench\`" "$vouch" "$seed" "$sha"
rm -rf "$out"
mkdir -p "$out"
scratch

export VOUCH_PROFILE=bench
export VOUCH_CONFIG_DIR="$work/config"

# --- machine and tools ---------------------------------------------------------------------
{
  echo "cores=$(nproc)"
  echo "cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)"
  echo "memory=$(awk '/^MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
  echo "kernel=$(uname -sr)"
  echo "vouch=$("$vouch" --version 2>/dev/null || echo vouch) ($(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$root" diff --quiet 2>/dev/null || echo '+changes'))"
  echo "rustc=$(rustc --version)"
  echo "cosign=cosign $("$cosign" version --json 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["gitVersion"])' 2>/dev/null || echo '?')"
  echo "skopeo=$("$skopeo" --version)"
  echo "registry=$(docker-registry --version 2>/dev/null | awk '{print $2, $3}')"
  echo "hyperfine=$(hyperfine --version)"
  echo "openssl=$(openssl version)"
} >"$out/machine.env"

# Request counting: lines of the registry access log that are HTTP requests.
log_lines() { wc -l <"$log"; }
requests_since() { # FROM_LINE [REPO_FILTER]
  sleep 0.3 # the registry writes the line after the answer
  tail -n +"$(($1 + 1))" "$log" | grep -E '"(GET|HEAD|POST|PUT|PATCH|DELETE) /v2/' | grep -c -- "${2:-/v2/}" || true
}

# --- key and seed ----------------------------------------------------------------------------
fp=$("$vouch" key generate --name bench --algorithm ecdsa-p256 2>/dev/null)
"$vouch" key export "$fp" >"$work/bench.pub"
say "seeding $n signed images in $reg/bench/app"
t0=$(date +%s.%N)
"$seed" "$reg" bench/app "$n" "$fp" "$work/list" 16
seed_secs=$(python3 -c "import time; print(f'{time.time() - $t0:.1f}')")
head -n "$sample" "$work/list" >"$work/sample"
head -n "$((n / 10 > 0 ? n / 10 : 1))" "$work/list" >"$work/list10"
sed -n 2p "$work/list" >"$work/one"
[ -s "$work/one" ] || cp "$work/sample" "$work/one"
one=$(cat "$work/one")
# Untouched images for the cold counts (never fetched before by anyone).
cold_vouch=$(tail -n 1 "$work/list")
cold_cosign=$(tail -n 2 "$work/list" | head -n 1)
cold_skopeo=$(tail -n 3 "$work/list" | head -n 1)

# Peers' configuration: cosign with the public key; skopeo with a sigstoreSigned policy.
cosign_verify=("$cosign" verify --insecure-ignore-tlog=true --allow-insecure-registry --allow-http-registry --key "$work/bench.pub")
mkdir -p "$work/registries.d"
printf 'docker:\n  %s:\n    use-sigstore-attachments: true\n' "$reg" >"$work/registries.d/bench.yaml"
python3 - "$reg" "$work/bench.pub" >"$work/policy.json" <<'PY'
import json, sys
reg, pub = sys.argv[1:]
print(json.dumps({"default": [{"type": "reject"}], "transports": {"docker": {reg: [
    {"type": "sigstoreSigned", "keyPath": pub, "signedIdentity": {"type": "matchRepository"}}]}}}))
PY
skopeo_base=("$skopeo" --policy "$work/policy.json" --registries.d "$work/registries.d")
export COSIGN_EXPERIMENTAL=0 SIGSTORE_NO_CACHE=true TUF_ROOT="$work/tuf"

# Loops for the peers, one process per image.
cat >"$work/cosign-loop.sh" <<SH
#!/usr/bin/env bash
set -e
while read -r img; do $(printf '%q ' "${cosign_verify[@]}") "\$img" >/dev/null 2>&1; done <"\$1"
SH
cat >"$work/skopeo-loop.sh" <<SH
#!/usr/bin/env bash
set -e
d=\$(mktemp -d)
# A dir: destination holding a previous image is replaced by the next copy.
while read -r img; do $(printf '%q ' "${skopeo_base[@]}") copy -q --src-tls-verify=false "docker://\$img" "dir:\$d/img"; done <"\$1"
rm -rf "\$d"
SH
chmod +x "$work/cosign-loop.sh" "$work/skopeo-loop.sh"

# --- sanity: everyone accepts the seeded signatures -------------------------------------------
"$vouch" verify --file "$work/sample" >"$out/vouch-sample.txt"
[ "$(grep -c '^VERIFIED' "$out/vouch-sample.txt")" -eq "$sample" ] || { echo "bench: vouch did not verify the sample" >&2; exit 1; }
"${cosign_verify[@]}" "$one" >/dev/null 2>"$out/cosign-one.txt" || { cat "$out/cosign-one.txt" >&2; echo "bench: cosign rejected a seeded image" >&2; exit 1; }
"${skopeo_base[@]}" copy -q --src-tls-verify=false "docker://$one" "dir:$work/sanity" || { echo "bench: skopeo rejected a seeded image" >&2; exit 1; }
rm -rf "$work/sanity"
# …and the policy is really enforced: an image signed by nobody is refused by both peers.
"$seed" "$reg" bench/unsigned 1 - "$work/unsigned" 1
unsigned=$(cat "$work/unsigned")
if "${cosign_verify[@]}" "$unsigned" >/dev/null 2>&1; then echo "bench: cosign accepted an unsigned image" >&2; exit 1; fi
if "${skopeo_base[@]}" copy -q --src-tls-verify=false "docker://$unsigned" "dir:$work/sanity" 2>/dev/null; then echo "bench: skopeo accepted an unsigned image" >&2; exit 1; fi
if "$vouch" verify "$unsigned" >/dev/null; then echo "bench: vouch accepted an unsigned image" >&2; exit 1; fi
rm -rf "$work/sanity"
say "sanity: vouch, cosign and skopeo accept the seeded signatures and refuse an unsigned image"

# --- 1. requests per verification ------------------------------------------------------------
repo_filter="/v2/bench/app/"
from=$(log_lines); "$vouch" verify "$cold_vouch" >/dev/null; req_vouch_cold=$(requests_since "$from" "$repo_filter")
from=$(log_lines); "$vouch" verify "$cold_vouch" >/dev/null; req_vouch_again=$(requests_since "$from" "$repo_filter")
from=$(log_lines); "${cosign_verify[@]}" "$cold_cosign" >/dev/null 2>&1; req_cosign=$(requests_since "$from")
from=$(log_lines); "${skopeo_base[@]}" copy -q --src-tls-verify=false "docker://$cold_skopeo" "dir:$work/req"; req_skopeo=$(requests_since "$from")
rm -rf "$work/req"
# Warm: per image inside one batch (one client, connections and auth state reused).
# Also the registry's own CPU time for the batch, and for cosign's loop over the sample: the
# registry shares the cores, so what a verifier makes it do is part of the cost.
registry_pid=$(pgrep -f "docker-registry serve ${VOUCH_TEST_WORK:-/nonexistent}/" | head -n 1 || true)
registry_cpu_ms() { [ -n "$registry_pid" ] && awk -v hz="$(getconf CLK_TCK)" '{print int(($14 + $15) * 1000 / hz)}' "/proc/$registry_pid/stat" || echo 0; }
c0=$(registry_cpu_ms)
from=$(log_lines); "$vouch" verify --file "$work/list" >/dev/null; req_batch=$(requests_since "$from" "$repo_filter")
c1=$(registry_cpu_ms)
"$work/cosign-loop.sh" "$work/sample"
c2=$(registry_cpu_ms)
tail -n +"$((from + 1))" "$log" | grep -E '"(GET|HEAD) /v2/' | head -n 6 | sed -E 's/.*"((GET|HEAD) [^ ]+).*" ([0-9]{3}) .*/\1 → \3/' >"$out/requests-example.txt" || true
cat >"$out/requests.env" <<EOF
vouch_cold=$req_vouch_cold
vouch_again=$req_vouch_again
cosign=$req_cosign
skopeo=$req_skopeo
batch_total=$req_batch
batch_n=$n
registry_cpu_vouch_ms=$((c1 - c0))
registry_cpu_cosign_ms=$((c2 - c1))
sample=$sample
EOF
say "requests: vouch cold $req_vouch_cold, again $req_vouch_again, batch $req_batch/$n; cosign $req_cosign; skopeo $req_skopeo"

# Behind a token service (the harness's token-auth registry and issuer): its own script, which
# can run alone.
"$root/bench/auth-requests.sh" "$vouch" "$seed" "$out"

# --- 2. batch ----------------------------------------------------------------------------------
say "batch: vouch verify --file ($n images, $runs runs)"
hyperfine -N --warmup 1 --runs "$runs" --export-json "$out/batch-vouch.json" \
  "$vouch verify --file $work/list" >&2
say "batch: cosign verify one by one ($sample images, $peer_runs runs)"
hyperfine --warmup 0 --runs "$peer_runs" --export-json "$out/batch-cosign.json" \
  "$work/cosign-loop.sh $work/sample" >&2
say "batch: cosign verify, all $sample images in one process"
hyperfine --warmup 0 --runs "$peer_runs" --export-json "$out/batch-cosign-multi.json" \
  "$(printf '%q ' "${cosign_verify[@]}") $(tr '\n' ' ' <"$work/sample") >/dev/null 2>&1" >&2
say "batch: skopeo copy with a sigstoreSigned policy, one by one ($sample images, $peer_runs runs)"
hyperfine --warmup 0 --runs "$peer_runs" --export-json "$out/batch-skopeo.json" \
  "$work/skopeo-loop.sh $work/sample" >&2
echo "$n $sample" >"$out/batch.env"

# --- 3. one verification as a new process ------------------------------------------------------
say "single: one verification per new process"
hyperfine -N --warmup 3 --runs 20 --export-json "$out/single.json" \
  -n vouch "$vouch verify $one" \
  -n cosign "$(printf '%s ' "${cosign_verify[@]}")$one" \
  -n skopeo-copy "$(printf '%s ' "${skopeo_base[@]}")copy -q --src-tls-verify=false docker://$one dir:$work/single" \
  -n skopeo-inspect "$(printf '%s ' "${skopeo_base[@]}")inspect --raw --tls-verify=false docker://$one" >&2

# --- 9. keyless-signed images: requests, batch, single (its own script, which can run alone) ----
VOUCH_BENCH_KEYLESS_N=${VOUCH_BENCH_KEYLESS_N:-$n} VOUCH_BENCH_SAMPLE=$sample VOUCH_BENCH_RUNS=$runs \
  "$root/bench/keyless.sh" "$vouch" "$target/release/examples/mint-keyless" "$out"

# --- 4. key list -------------------------------------------------------------------------------
say "key list with $nkeys keys"
VOUCH_BENCH_OUT="$out" "$root/bench/keylist.sh" "$nkeys" >"$out/keylist.row"
# The floor: the one Secret Service read it costs, by libsecret's own client.
if secret-tool lookup service vouch username bench-keylist/trust-set >/dev/null 2>&1; then
  hyperfine -N --warmup 3 --runs 20 --export-json "$out/keylist-floor.json" \
    "secret-tool lookup service vouch username bench-keylist/trust-set" >&2
fi

# --- 5. sha256 ---------------------------------------------------------------------------------
say "sha256: vouch-core (sha2) vs openssl over 64 MiB"
# Interleaved rounds, so both see the same background load; medians of the rounds.
: >"$out/sha-rust-rounds.txt"
: >"$out/sha-openssl.txt"
for i in 1 2 3 4 5; do
  "$sha" 3 2>>"$out/sha-rust.log" | awk '{print $1}' >>"$out/sha-rust-rounds.txt"
  openssl speed -mr -evp sha256 -bytes 16384 -seconds 1 2>/dev/null | awk -F: '/^\+F:/ {print $4}' >>"$out/sha-openssl.txt"
done
sort -n "$out/sha-rust-rounds.txt" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)], a[1], a[NR]}' >"$out/sha-rust.txt"
head -c $((64 * 1024 * 1024)) /dev/urandom >"$work/blob"
python3 - "$work/blob" >"$out/sha-openssl-dgst.txt" <<'PY'
import subprocess, sys, time, statistics
rates = []
for _ in range(5):
    t = time.perf_counter(); subprocess.run(["openssl", "dgst", "-sha256", sys.argv[1]], check=True, capture_output=True)
    rates.append(64 * 1024 * 1024 / (time.perf_counter() - t) / 1e6)
print(f"{statistics.median(rates):.1f} {min(rates):.1f} {max(rates):.1f}")
PY
rm -f "$work/blob"

# --- 6. micro-benchmarks -------------------------------------------------------------------------
say "micro-benchmarks (divan)"
(cd "$root" && cargo bench -q -p vouch-core --bench verify -- --sample-count 200 2>/dev/null) | sed 's/\x1b\[[0-9;]*m//g' >"$out/micro.txt"

# --- 7. peak memory ------------------------------------------------------------------------------
say "peak memory of the batch at $n and $(wc -l <"$work/list10") images"
for list in list list10; do
  for i in 1 2 3; do
    /usr/bin/time -f '%M' -o "$work/rss" "$vouch" verify --file "$work/$list" >/dev/null
    cat "$work/rss"
  done >"$out/rss-$list.txt"
done
echo "$n $(wc -l <"$work/list10")" >"$out/rss.env"
# What the result itself weighs: the verdicts as JSON, bytes per image.
"$vouch" verify --json --file "$work/list" | wc -c >"$out/result-bytes.txt"

# --- 8. the app against a minimal Tauri 2 window -------------------------------------------------
if [ -x "$target/release/vouch-app" ] && [ -x "$target/release/vouch-bench-minimal-window" ]; then
  # The Keys view lists the bench profile's key (generated above) from the keychain.
  "$root/bench/startup.sh" "$out/app.json"
else
  say "app: vouch-app or the minimal window is missing (make bench builds both); row 8 not measured"
fi

# --- report --------------------------------------------------------------------------------------
echo "seed_secs=$seed_secs" >>"$out/machine.env"
echo "total_secs=$(($(date +%s) - started))" >>"$out/machine.env"
python3 "$root/bench/report.py" "$out" "$report"
say "wrote $report"
