# Authenticating registries, beside the anonymous one (sourced by tests/harness/with-env.sh,
# with free_port, $work, $root and pids+=() at hand):
#   - CNCF distribution with `auth: htpasswd` (a bcrypt htpasswd file made with htpasswd -B):
#       VOUCH_TEST_REGISTRY_BASIC=127.0.0.1:PORT  VOUCH_TEST_REGISTRY_BASIC_USER / _PASSWORD
#       VOUCH_TEST_REGISTRY_BASIC_LOG (its access log)
#   - CNCF distribution with `auth: token`, and its token issuer (token-issuer.py: checks Basic
#     credentials on GET /token, anonymous pull tokens for `public/*`, ES256 JWTs signed with a
#     certificate minted at start, which is the registry's rootcertbundle):
#       VOUCH_TEST_REGISTRY_TOKEN=127.0.0.1:PORT  VOUCH_TEST_REGISTRY_TOKEN_USER / _PASSWORD
#       VOUCH_TEST_REGISTRY_TOKEN_LOG (registry access log)
#       VOUCH_TEST_TOKEN_ISSUER=127.0.0.1:PORT  VOUCH_TEST_TOKEN_ISSUER_LOG (one JSON line per
#       token request: account, scopes, status; never a password or token)
#       VOUCH_TEST_TOKEN_BRIEF_USER / _PASSWORD / _SECONDS: a user whose tokens the registry
#       stops accepting after _SECONDS although the answer says 300 s (a revoked token)
# Passwords are random per run; nothing here is a real secret.

auth_dir="$work/auth"
mkdir -p "$auth_dir"
auth_password() { head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 20; }

# Starts distribution with config $1, access log $2; waits until GET /v2/ answers 401.
auth_start_registry() {
  docker-registry serve "$1" >"$2" 2>&1 &
  pids+=($!)
  local addr; addr=$(awk '/^  addr:/ {print $2}' "$1")
  for _ in $(seq 1 100); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://$addr/v2/")" = 401 ] && return 0
    sleep 0.1
  done
  echo "harness: the registry of $1 did not start" >&2; cat "$2" >&2; exit 2
}

# Writes a distribution config: $1 file, $2 port, $3 storage dir, $4 the auth section; the rest
# (access log, delete enabled) as the anonymous registry's ($work/registry.yml, with-env.sh).
auth_registry_config() {
  sed -e "s|^    rootdirectory: .*|    rootdirectory: $3|" -e "s|^  addr: .*|  addr: 127.0.0.1:$2|" \
    "$work/registry.yml" >"$1"
  printf '%s\n' "$4" >>"$1"
  grep -q "addr: 127.0.0.1:$2" "$1" || { echo "harness: could not derive $1 from $work/registry.yml" >&2; exit 2; }
}

command -v htpasswd >/dev/null || { echo "harness: htpasswd is missing (apache2-utils; scripts/install-deps.sh)" >&2; exit 2; }

# --- basic auth ---
export VOUCH_TEST_REGISTRY_BASIC_USER=alice
VOUCH_TEST_REGISTRY_BASIC_PASSWORD=$(auth_password)
export VOUCH_TEST_REGISTRY_BASIC_PASSWORD
htpasswd -Bbn "$VOUCH_TEST_REGISTRY_BASIC_USER" "$VOUCH_TEST_REGISTRY_BASIC_PASSWORD" >"$auth_dir/htpasswd" 2>/dev/null
basic_port=$(free_port)
auth_registry_config "$auth_dir/basic.yml" "$basic_port" "$auth_dir/basic-data" "auth:
  htpasswd:
    realm: vouch-test-basic
    path: $auth_dir/htpasswd"
export VOUCH_TEST_REGISTRY_BASIC_LOG="$auth_dir/basic-access.log"
auth_start_registry "$auth_dir/basic.yml" "$VOUCH_TEST_REGISTRY_BASIC_LOG"
export VOUCH_TEST_REGISTRY_BASIC="127.0.0.1:$basic_port"
echo "harness: registry with htpasswd auth at $VOUCH_TEST_REGISTRY_BASIC" >&2

# --- token auth ---
auth_python=""
for py in /usr/bin/python3 python3; do
  if "$py" -c 'import cryptography' 2>/dev/null; then auth_python=$py; break; fi
done
[ -n "$auth_python" ] || { echo "harness: the token issuer needs python3 with cryptography (python3-cryptography; scripts/install-deps.sh)" >&2; exit 2; }
export VOUCH_TEST_REGISTRY_TOKEN_USER=alice VOUCH_TEST_TOKEN_BRIEF_USER=brief VOUCH_TEST_TOKEN_BRIEF_SECONDS=3
VOUCH_TEST_REGISTRY_TOKEN_PASSWORD=$(auth_password)
VOUCH_TEST_TOKEN_BRIEF_PASSWORD=$(auth_password)
export VOUCH_TEST_REGISTRY_TOKEN_PASSWORD VOUCH_TEST_TOKEN_BRIEF_PASSWORD
printf '{"alice": {"password": "%s"}, "brief": {"password": "%s", "lifetime": %s, "claims": 300}}\n' \
  "$VOUCH_TEST_REGISTRY_TOKEN_PASSWORD" "$VOUCH_TEST_TOKEN_BRIEF_PASSWORD" "$VOUCH_TEST_TOKEN_BRIEF_SECONDS" >"$auth_dir/users.json"
issuer_port=$(free_port)
export VOUCH_TEST_TOKEN_ISSUER="127.0.0.1:$issuer_port" VOUCH_TEST_TOKEN_ISSUER_LOG="$auth_dir/token-issuer.log"
: >"$VOUCH_TEST_TOKEN_ISSUER_LOG"
"$auth_python" "$root/tests/harness/services/token-issuer.py" "$issuer_port" "$auth_dir/issuer.crt" \
  vouch-test-issuer vouch-test-registry "$VOUCH_TEST_TOKEN_ISSUER_LOG" "$auth_dir/users.json" \
  >"$auth_dir/token-issuer.out" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do
  [ -s "$auth_dir/issuer.crt" ] && curl -s -o /dev/null "http://$VOUCH_TEST_TOKEN_ISSUER/" && break
  sleep 0.1
done
[ -s "$auth_dir/issuer.crt" ] || { echo "harness: the token issuer did not start" >&2; cat "$auth_dir/token-issuer.out" >&2; exit 2; }
: >"$VOUCH_TEST_TOKEN_ISSUER_LOG" # the readiness probe is not a token request
token_port=$(free_port)
auth_registry_config "$auth_dir/token.yml" "$token_port" "$auth_dir/token-data" "auth:
  token:
    realm: http://$VOUCH_TEST_TOKEN_ISSUER/token
    service: vouch-test-registry
    issuer: vouch-test-issuer
    rootcertbundle: $auth_dir/issuer.crt"
export VOUCH_TEST_REGISTRY_TOKEN_LOG="$auth_dir/token-access.log"
auth_start_registry "$auth_dir/token.yml" "$VOUCH_TEST_REGISTRY_TOKEN_LOG"
export VOUCH_TEST_REGISTRY_TOKEN="127.0.0.1:$token_port"
# The issuer's tokens are accepted: a token for alice opens the catalog.
auth_probe=$(curl -fsS -u "alice:$VOUCH_TEST_REGISTRY_TOKEN_PASSWORD" \
  "http://$VOUCH_TEST_TOKEN_ISSUER/token?service=vouch-test-registry&scope=registry:catalog:*" \
  | "$auth_python" -c 'import json,sys; print(json.load(sys.stdin)["token"])')
[ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $auth_probe" "http://$VOUCH_TEST_REGISTRY_TOKEN/v2/_catalog")" = 200 ] \
  || { echo "harness: the token registry refuses the issuer's tokens" >&2; cat "$VOUCH_TEST_REGISTRY_TOKEN_LOG" >&2; exit 2; }
unset auth_probe
: >"$VOUCH_TEST_TOKEN_ISSUER_LOG"
echo "harness: registry with token auth at $VOUCH_TEST_REGISTRY_TOKEN, token issuer at $VOUCH_TEST_TOKEN_ISSUER" >&2
