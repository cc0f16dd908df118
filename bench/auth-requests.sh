#!/usr/bin/env bash
# Requests per verification behind a token service (BENCHMARKS.md, row 1, "token auth"): CNCF
# distribution with `auth: token` and the harness's token issuer
# (tests/harness/services/auth.sh), credentials from a containers auth.json
# (REGISTRY_AUTH_FILE). Counts the registry's access-log lines for the repository and its API
# root (`GET /v2/`, which cosign probes) and the issuer's token requests for its scope:
#   cold — one `vouch verify` of a signed image in a new process (floor 5: challenge, token,
#          manifest, .sig manifest, payload);
#   warm — per image inside one `vouch verify --file` batch of N (floor 3; the batch pays one
#          challenge and one token);
#   cosign — one `cosign verify` of another untouched image, for comparison (when available).
# Writes OUT_DIR/auth-requests.env. bench/run.sh runs it; to run it alone (counts do not depend
# on the build profile):
#   tests/harness/with-env.sh bench/auth-requests.sh [VOUCH [SEED [OUT_DIR]]]
# Environment: VOUCH_BENCH_AUTH_N images in the batch (default 20).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
vouch=${1:-$target/release/vouch}
seed=${2:-$target/release/examples/seed}
out=${3:-$target/bench}
n=${VOUCH_BENCH_AUTH_N:-20}
: "${VOUCH_TEST_REGISTRY_TOKEN:?run inside tests/harness/with-env.sh (services/auth.sh)}"
reg=$VOUCH_TEST_REGISTRY_TOKEN
reg_log=$VOUCH_TEST_REGISTRY_TOKEN_LOG
issuer_log=$VOUCH_TEST_TOKEN_ISSUER_LOG
. "$root/bench/lib.sh"
need_binaries "cargo build --release -p vouch-cli; --example seed" "$vouch" "$seed"
mkdir -p "$out"
scratch "token auth"

export VOUCH_PROFILE=bench-auth VOUCH_CONFIG_DIR="$work/config"
auth=$(printf '%s:%s' "$VOUCH_TEST_REGISTRY_TOKEN_USER" "$VOUCH_TEST_REGISTRY_TOKEN_PASSWORD" | base64 -w0)
printf '{"auths": {"%s": {"auth": "%s"}}}\n' "$reg" "$auth" >"$work/auth.json"
mkdir -p "$work/docker"
cp "$work/auth.json" "$work/docker/config.json"
export REGISTRY_AUTH_FILE="$work/auth.json"
repo="bench/auth-$$"

fp=$("$vouch" key generate --name bench-auth --algorithm ecdsa-p256 2>/dev/null)
"$vouch" key export "$fp" >"$work/key.pub"
say "seeding $((n + 2)) signed images in $reg/$repo"
"$seed" "$reg" "$repo" "$((n + 2))" "$fp" "$work/all" 8 2>/dev/null
head -n "$n" "$work/all" >"$work/list"
cold_vouch=$(sed -n "$((n + 1))p" "$work/all")
cold_cosign=$(sed -n "$((n + 2))p" "$work/all")

# (registry requests for the repository or the API root `/v2/`, token requests for the
# repository's scope) since line counts $1 $2.
count_since() {
  sleep 0.3 # the registry writes the line after the answer
  local r t
  r=$(tail -n +"$(($1 + 1))" "$reg_log" | grep -cE "\"(GET|HEAD) /v2/($repo/| )" || true)
  t=$(tail -n +"$(($2 + 1))" "$issuer_log" | grep -c -- "\"repository:$repo:" || true)
  echo "$r $t"
}
mark() { echo "$(wc -l <"$reg_log") $(wc -l <"$issuer_log")"; }

m=$(mark); "$vouch" verify "$cold_vouch" >/dev/null
read -r cold_reg cold_tok <<<"$(count_since $m)"
m=$(mark); "$vouch" verify --file "$work/list" >"$work/batch.txt"
read -r batch_reg batch_tok <<<"$(count_since $m)"
[ "$(grep -c '^VERIFIED' "$work/batch.txt")" -eq "$n" ] || { echo "bench: the token-auth batch did not verify" >&2; cat "$work/batch.txt" >&2; exit 1; }
cosign_reg="" cosign_tok=""
if [ -n "${VOUCH_TEST_COSIGN:-}" ]; then
  m=$(mark)
  DOCKER_CONFIG="$work/docker" "$VOUCH_TEST_COSIGN" verify --insecure-ignore-tlog=true --allow-insecure-registry \
    --allow-http-registry --key "$work/key.pub" "$cold_cosign" >/dev/null 2>"$work/cosign.txt" \
    || { cat "$work/cosign.txt" >&2; echo "bench: cosign rejected a seeded image behind the token service" >&2; exit 1; }
  read -r cosign_reg cosign_tok <<<"$(count_since $m)"
fi
cat >"$out/auth-requests.env" <<EOF
auth_cold_registry=$cold_reg
auth_cold_tokens=$cold_tok
auth_batch_registry=$batch_reg
auth_batch_tokens=$batch_tok
auth_batch_n=$n
auth_cosign_registry=$cosign_reg
auth_cosign_tokens=$cosign_tok
EOF
say "cold $((cold_reg + cold_tok)) ($cold_tok token), batch of $n: $((batch_reg + batch_tok)) ($batch_tok token), cosign ${cosign_reg:-?}+${cosign_tok:-?}"
