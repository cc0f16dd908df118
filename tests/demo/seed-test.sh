#!/usr/bin/env bash
# `scripts/demo.sh --seed-only` seeds the harness's registry with the demo images, and `vouch
# verify` in the demo profile gives each the verdict the demo promises; the attested image's
# provenance is verified and names its builder; the keyless images are judged against the demo
# workflow's identity and its custom trusted root. Run inside tests/harness/with-env.sh.
# Binaries: VOUCH_CLI and VOUCH_MINT_KEYLESS (default the debug builds).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
: "${VOUCH_TEST_REGISTRY:?run inside tests/harness/with-env.sh}"
export VOUCH_CLI="${VOUCH_CLI:-${CARGO_TARGET_DIR:-$root/target}/debug/vouch}"
export VOUCH_MINT_KEYLESS="${VOUCH_MINT_KEYLESS:-${CARGO_TARGET_DIR:-$root/target}/debug/examples/mint-keyless}"
fail() { echo "FAIL: $*" >&2; exit 1; }

images=$("$root/scripts/demo.sh" --seed-only)
echo "$images"
reg="$VOUCH_TEST_REGISTRY"
export VOUCH_PROFILE=demo

verdict() { "$VOUCH_CLI" verify --json --no-history "$1" || true; }
expect() { # REPOSITORY STATUS CAUSE (the problem that decided it; "null" when verified)
  local ref="$reg/$1:1.0" got
  grep -q "^$ref	" <<<"$images" || fail "demo.sh did not list $ref"
  got=$(verdict "$ref" | jq -r '"\(.status) \(.cause.code)"')
  [ "$got" = "$2 $3" ] || fail "$ref: expected $2 $3, vouch verify said $got ($(verdict "$ref" | jq -r .reason))"
  echo "ok: $ref is $got"
}
expect demo/signed verified null
expect demo/unsigned unsigned no_signatures
# An altered signature verifies with no trusted key: Vouch cannot tell it from another key's.
expect demo/tampered untrusted no_trusted_key
expect demo/multiarch verified null
expect demo/attested verified null
expect elsewhere/app untrusted out_of_scope
# Keyless: the demo workflow's identity, tied to the demo's trusted root, verifies its image;
# another workflow of the same repository is refused with the identity mismatch.
# DEPENDS ON keyless signatures in `vouch verify` (the klverify work: identities matched, the
# `untrusted_identity` cause): without it both are untrusted with `no_trusted_key`.
expect demo/keyless verified null
expect demo/keyless-nightly untrusted untrusted_identity
[ "$(grep -c . <<<"$images")" = 8 ] || fail "demo.sh listed $(grep -c . <<<"$images") images, not 8"

# The keyless verdicts name the signer: the demo workflow as certified, and for the other
# workflow the subject the trusted identity expected (also DEPENDS ON the klverify work).
keyless=$(verdict "$reg/demo/keyless:1.0")
grep -q 'release.yml@refs/heads/main' <<<"$keyless" || fail "demo/keyless: the verdict does not name the demo workflow: $(head -c 2000 <<<"$keyless")"
echo "ok: $reg/demo/keyless:1.0 names the demo workflow"
nightly=$(verdict "$reg/demo/keyless-nightly:1.0" | jq -r .reason)
grep -q 'nightly.yml' <<<"$nightly" || fail "demo/keyless-nightly: the reason does not name the other workflow: $nightly"
echo "ok: $reg/demo/keyless-nightly:1.0 is refused for its identity: $nightly"

# The multi-arch image is an index: a verdict per platform, both verified.
platforms=$(verdict "$reg/demo/multiarch:1.0" | jq -r '[.platforms[] | select(.status == "verified")] | length')
[ "$platforms" = 2 ] || fail "demo/multiarch: $platforms verified platforms, not 2"
echo "ok: $reg/demo/multiarch:1.0 has 2 verified platforms"
# The attested image's provenance is verified by the demo key and names the builder.
inspected=$("$VOUCH_CLI" inspect --json "$reg/demo/attested:1.0")
builder=$(jq -r '[.attestations[] | select(.verified) | .builder_id] | first // ""' <<<"$inspected")
[ "$builder" = "https://github.com/actions/runner" ] \
  || fail "the attested image's verified provenance names no builder: $(jq -c '.attestations' <<<"$inspected" | head -c 2000)"
echo "ok: $reg/demo/attested:1.0 has a verified provenance built by $builder"

# Seeding twice reuses the demo publisher key (one key in the demo profile).
"$root/scripts/demo.sh" --seed-only >/dev/null
n=$("$VOUCH_CLI" key list --json | jq '[.[] | select(.publisher == "Vouch Demo Publisher")] | length')
[ "$n" = 1 ] || fail "a second seeding left $n demo publisher keys, not 1"
echo "ok: a second seeding reused the demo publisher key"
# …and the demo workflow's identity, tied to the demo trusted root (re-added, one of it).
n=$("$VOUCH_CLI" identity list --json | jq '[.[] | select(.publisher == "Vouch Demo Workflow")] | length')
[ "$n" = 1 ] || fail "a second seeding left $n demo workflow identities, not 1"
n=$("$VOUCH_CLI" trust-root list --json | jq '[.[] | select(.name == "vouch-demo")] | length')
[ "$n" = 1 ] || fail "a second seeding left $n vouch-demo trusted roots, not 1"
echo "ok: a second seeding reused the demo workflow identity and replaced its trusted root"

# The whole demo: its own registry, seeded, the window on it, and the registry stopped once the
# window closes (here: the app is ended).
app="${VOUCH_APP_BINARY:-${CARGO_TARGET_DIR:-$root/target}/debug/vouch-app}"
log=$(mktemp)
env -u VOUCH_TEST_REGISTRY VOUCH_APP_BINARY="$app" "$root/scripts/demo.sh" >"$log" 2>&1 &
demo=$!
app_pid=""
for _ in $(seq 1 600); do
  app_pid=$(pgrep -P "$demo" -x vouch-app || true)
  [ -n "$app_pid" ] && break
  kill -0 "$demo" 2>/dev/null || { cat "$log" >&2; fail "demo.sh ended before opening the window"; }
  sleep 0.1
done
[ -n "$app_pid" ] || { cat "$log" >&2; fail "demo.sh did not open the window within 60 s"; }
own=$(sed -n 's/^demo: seeding \([0-9.:]*\) .*/\1/p' "$log")
[ -n "$own" ] && [ "$own" != "$reg" ] || fail "demo.sh did not start its own registry: $(cat "$log")"
curl -fsS "http://$own/v2/demo/signed/tags/list" | grep -q '"1.0"' || fail "the demo's registry at $own does not hold demo/signed:1.0"
grep -q "^$own/demo/attested:1.0$" "$log" || fail "demo.sh did not list the images to check"
echo "ok: demo.sh opened the window on its own seeded registry at $own"
kill "$app_pid"
wait "$demo" || true
curl -fsS "http://$own/v2/" >/dev/null 2>&1 && fail "the demo's registry at $own still answers after the window closed"
rm -f "$log"
echo "ok: the demo's registry stopped when the window closed"
