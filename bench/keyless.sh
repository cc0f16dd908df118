#!/usr/bin/env bash
# Keyless rows of BENCHMARKS.md (row 9): images signed keyless the way cosign 2.x signs them
# (`.sig` layer with a Fulcio-style certificate, chain and Rekor signed entry timestamp), minted
# by crates/core/examples/mint-keyless.rs from a local Sigstore-like instance, judged by Vouch
# (identity trusted with that instance's custom trusted root) and by cosign 2.5 given the same
# roots (SIGSTORE_ROOT_FILE, SIGSTORE_REKOR_PUBLIC_KEY, SIGSTORE_CT_LOG_PUBLIC_KEY_FILE) and the
# same identity (`--certificate-identity`, `--certificate-oidc-issuer`):
#   requests — registry access-log lines for the repository or the API root: one `vouch verify` of an untouched
#              image in a new process (cold), per image inside the batch (warm), cosign cold;
#   batch    — `vouch verify --file` of all N images in one process vs cosign one by one over
#              the first VOUCH_BENCH_SAMPLE images (images/s);
#   single   — one verification as a new process, vouch vs cosign (hyperfine).
# Writes OUT_DIR/keyless.env and keyless-*.json; bench/keyless_rows.py turns them into rows
# (bench/report.py includes them). bench/run.sh runs it; to run it alone:
#   make bench-keyless                 (N = VOUCH_BENCH_KEYLESS_N, default 1000)
#   tests/harness/with-env.sh bench/keyless.sh [VOUCH [MINT [OUT_DIR]]]
# Environment: VOUCH_BENCH_KEYLESS_N (default 1000), VOUCH_BENCH_SAMPLE (default 50),
# VOUCH_BENCH_RUNS (default 5).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
vouch=${1:-$target/release/vouch}
mint=${2:-$target/release/examples/mint-keyless}
out=${3:-$target/bench}
n=${VOUCH_BENCH_KEYLESS_N:-1000}
sample=${VOUCH_BENCH_SAMPLE:-50}
[ "$sample" -le "$n" ] || sample=$n
runs=${VOUCH_BENCH_RUNS:-5}
peer_runs=3
: "${VOUCH_TEST_REGISTRY:?run inside tests/harness/with-env.sh}"
: "${VOUCH_TEST_REGISTRY_LOG:?run inside tests/harness/with-env.sh}"
: "${VOUCH_TEST_COSIGN:?the harness did not provide cosign (scripts/fetch-peers.sh)}"
reg=$VOUCH_TEST_REGISTRY
log=$VOUCH_TEST_REGISTRY_LOG
cosign=$VOUCH_TEST_COSIGN
. "$root/bench/lib.sh"
need_binaries "cargo build --release -p vouch-cli; -p vouch-core --features sigstore-testing --example mint-keyless" "$vouch" "$mint"
mkdir -p "$out"
scratch keyless

export VOUCH_PROFILE=bench-keyless VOUCH_CONFIG_DIR="$work/config"
issuer=https://token.actions.githubusercontent.com
subject=https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main
repo="bench/keyless-$$"

say "minting $((n + 2)) keyless-signed images in $reg/$repo"
t0=$(date +%s.%N)
"$mint" "$reg" "$repo" "$((n + 2))" "$work/roots" --issuer "$issuer" --subject "$subject" --instance vouch-bench
mint_secs=$(python3 -c "import time; print(f'{time.time() - $t0:.1f}')")
head -n "$n" "$work/roots/images" >"$work/list"
head -n "$sample" "$work/list" >"$work/sample"
one=$(head -n 1 "$work/list")
cold_vouch=$(sed -n "$((n + 1))p" "$work/roots/images")
cold_cosign=$(sed -n "$((n + 2))p" "$work/roots/images")

# Vouch: the instance's root under a name, the identity tied to it.
"$vouch" trust-root add "$work/roots/trusted_root.json" --name bench-keyless >/dev/null
"$vouch" identity add --issuer "$issuer" --subject "$subject" --name "Bench Keyless" --trusted-root bench-keyless >/dev/null
# cosign: the same roots from its environment, the same identity; no TUF, nothing cached.
set -a
. "$work/roots/cosign.env"
set +a
export SIGSTORE_NO_CACHE=true TUF_ROOT="$work/tuf"
cosign_verify=("$cosign" verify --allow-insecure-registry --allow-http-registry
  --certificate-identity "$subject" --certificate-oidc-issuer "$issuer")
cat >"$work/cosign-loop.sh" <<SH
#!/usr/bin/env bash
set -e
while read -r img; do $(printf '%q ' "${cosign_verify[@]}") "\$img" >/dev/null 2>&1; done <"\$1"
SH
chmod +x "$work/cosign-loop.sh"

# --- sanity: both accept the minted signatures, both refuse another identity's ----------------
"$vouch" verify --file "$work/sample" >"$out/keyless-vouch-sample.txt" || true
got=$(grep -c '^VERIFIED' "$out/keyless-vouch-sample.txt" || true)
[ "$got" -eq "$sample" ] || { head -n 5 "$out/keyless-vouch-sample.txt" >&2; echo "bench: vouch verified $got of the $sample keyless-signed images" >&2; exit 1; }
"${cosign_verify[@]}" "$one" >/dev/null 2>"$out/keyless-cosign-one.txt" \
  || { cat "$out/keyless-cosign-one.txt" >&2; echo "bench: cosign rejected a keyless-signed image" >&2; exit 1; }
other=https://github.com/acme/app/.github/workflows/nightly.yml@refs/heads/main
"$mint" "$reg" "$repo-other" 1 "$work/other" --issuer "$issuer" --subject "$other" --instance vouch-bench 2>/dev/null
if "${cosign_verify[@]}" "$(cat "$work/other/images")" >/dev/null 2>&1; then echo "bench: cosign accepted another workflow's signature" >&2; exit 1; fi
if "$vouch" verify "$(cat "$work/other/images")" >/dev/null; then echo "bench: vouch accepted another workflow's signature" >&2; exit 1; fi
say "sanity: vouch and cosign accept the keyless signatures and refuse another workflow's"

# --- requests ------------------------------------------------------------------------------------
requests_since() { # FROM_LINE: requests for the repository or the API root (`GET /v2/`, which cosign probes) since
  sleep 0.3 # the registry writes the line after the answer
  tail -n +"$(($1 + 1))" "$log" | grep -cE "\"(GET|HEAD|POST|PUT|PATCH|DELETE) /v2/($repo/| )" || true
}
from=$(wc -l <"$log"); "$vouch" verify "$cold_vouch" >/dev/null; req_cold=$(requests_since "$from")
tail -n +"$((from + 1))" "$log" | grep -E "\"(GET|HEAD) /v2/$repo/" \
  | sed -E 's/.*"((GET|HEAD) [^ ]+).*" ([0-9]{3}) .*/\1 → \3/' >"$out/keyless-requests-example.txt" || true
from=$(wc -l <"$log"); "$vouch" verify "$cold_vouch" >/dev/null; req_again=$(requests_since "$from")
from=$(wc -l <"$log"); "${cosign_verify[@]}" "$cold_cosign" >/dev/null 2>&1; req_cosign=$(requests_since "$from")
from=$(wc -l <"$log"); "$vouch" verify --file "$work/list" >/dev/null; req_batch=$(requests_since "$from")
say "requests: vouch cold $req_cold, again $req_again, batch $req_batch/$n; cosign $req_cosign"

# --- batch ---------------------------------------------------------------------------------------
say "batch: vouch verify --file ($n images, $runs runs)"
hyperfine -N --warmup 1 --runs "$runs" --export-json "$out/keyless-batch-vouch.json" \
  "$vouch verify --file $work/list" >&2
say "batch: cosign verify one by one ($sample images, $peer_runs runs)"
hyperfine --warmup 0 --runs "$peer_runs" --export-json "$out/keyless-batch-cosign.json" \
  "$work/cosign-loop.sh $work/sample" >&2

# --- one verification as a new process -------------------------------------------------------------
say "single: one verification per new process"
hyperfine -N --warmup 3 --runs 20 --export-json "$out/keyless-single.json" \
  -n vouch "$vouch verify $one" \
  -n cosign "$(printf '%s ' "${cosign_verify[@]}")$one" >&2

cat >"$out/keyless.env" <<ENV
n=$n
sample=$sample
mint_secs=$mint_secs
vouch_cold=$req_cold
vouch_again=$req_again
cosign=$req_cosign
batch_total=$req_batch
ENV
say "wrote $out/keyless.env"
