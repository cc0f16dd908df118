# TLS registries (sourced by with-env.sh): a CA minted for this run, and three CNCF distribution
# registries on loopback sharing the anonymous registry's storage (an image pushed there can be
# read here):
#   VOUCH_TEST_REGISTRY_TLS=127.0.0.1:PORT         HTTPS, certificate for IP 127.0.0.1 only
#   VOUCH_TEST_REGISTRY_MTLS=127.0.0.1:PORT        HTTPS, requires a client certificate from the CA
#   VOUCH_TEST_REGISTRY_TLS_EXPIRED=127.0.0.1:PORT HTTPS, certificate that expired yesterday
#   VOUCH_TEST_TLS_CA          the CA certificate (PEM)
#   VOUCH_TEST_TLS_CLIENT_CERT / VOUCH_TEST_TLS_CLIENT_KEY   a client certificate the CA signed
#   VOUCH_TEST_REGISTRY_TLS_LOG / _MTLS_LOG        each registry's log (access log and TLS errors)
# Nothing is written outside this run's folder: tests point Vouch at their own certs.d roots
# (VOUCH_CERTS_D_DIRS).

tls_dir="$work/tls"
mkdir -p "$tls_dir"
tls_mint() { # quiet openssl; shows its output only when it fails
  local out
  out=$(openssl "$@" 2>&1) || { echo "harness: openssl $1 failed: $out" >&2; exit 2; }
}
tls_mint req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
  -subj "/CN=Vouch test CA" -keyout "$tls_dir/ca.key" -out "$tls_dir/ca.crt" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"

# tls_leaf NAME DAYS EXTENSIONS... : a key and a certificate signed by the CA.
tls_leaf() {
  local name=$1 days=$2
  shift 2
  tls_mint req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$name" \
    -keyout "$tls_dir/$name.key" -out "$tls_dir/$name.csr"
  printf '%s\n' "$@" >"$tls_dir/$name.ext"
  tls_mint x509 -req -in "$tls_dir/$name.csr" -CA "$tls_dir/ca.crt" -CAkey "$tls_dir/ca.key" \
    -CAcreateserial -days "$days" -extfile "$tls_dir/$name.ext" -out "$tls_dir/$name.crt"
}
server_ext=("subjectAltName=IP:127.0.0.1" "basicConstraints=CA:FALSE"
  "keyUsage=critical,digitalSignature" "extendedKeyUsage=serverAuth")
tls_leaf server 2 "${server_ext[@]}"
tls_leaf client 2 "basicConstraints=CA:FALSE" "keyUsage=critical,digitalSignature" \
  "extendedKeyUsage=clientAuth"

# An expired server certificate: OpenSSL 3.0 cannot date one in the past, python's cryptography
# (Debian's python3-cryptography) can.
python3 - "$tls_dir" <<'PY' || { echo "harness: could not mint the expired certificate" >&2; exit 2; }
import datetime, ipaddress, sys
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
d = sys.argv[1]
ca_key = serialization.load_pem_private_key(open(f"{d}/ca.key", "rb").read(), None)
ca = x509.load_pem_x509_certificate(open(f"{d}/ca.crt", "rb").read())
key = ec.generate_private_key(ec.SECP256R1())
now = datetime.datetime.now(datetime.timezone.utc)
cert = (x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(x509.oid.NameOID.COMMON_NAME, "expired")]))
        .issuer_name(ca.subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=3))
        .not_valid_after(now - datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), True)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), False)
        .sign(ca_key, hashes.SHA256()))
open(f"{d}/expired.crt", "wb").write(cert.public_bytes(serialization.Encoding.PEM))
open(f"{d}/expired.key", "wb").write(key.private_bytes(serialization.Encoding.PEM,
    serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
PY

# tls_registry NAME CERT KEY [CLIENT_CA]: starts distribution over HTTPS; sets tls_addr.
tls_registry() {
  local name=$1 cert=$2 key=$3 clientca=${4:-} port
  port=$(free_port)
  {
    printf 'version: 0.1\nlog:\n  level: info\n  accesslog:\n    disabled: false\n'
    printf 'storage:\n  filesystem:\n    rootdirectory: %s\n  delete:\n    enabled: true\n' "$work/registry"
    printf 'http:\n  addr: 127.0.0.1:%s\n  tls:\n    certificate: %s\n    key: %s\n' "$port" "$cert" "$key"
    if [ -n "$clientca" ]; then printf '    clientcas:\n      - %s\n' "$clientca"; fi
  } >"$work/registry-$name.yml"
  docker-registry serve "$work/registry-$name.yml" >"$work/registry-$name.log" 2>&1 &
  pids+=($!)
  tls_addr="127.0.0.1:$port"
}
# Started before waiting for any of them: they come up together.
tls_registry tls "$tls_dir/server.crt" "$tls_dir/server.key"
VOUCH_TEST_REGISTRY_TLS=$tls_addr
tls_registry mtls "$tls_dir/server.crt" "$tls_dir/server.key" "$tls_dir/ca.crt"
VOUCH_TEST_REGISTRY_MTLS=$tls_addr
tls_registry expired "$tls_dir/expired.crt" "$tls_dir/expired.key"
VOUCH_TEST_REGISTRY_TLS_EXPIRED=$tls_addr
for addr in "$VOUCH_TEST_REGISTRY_TLS" "$VOUCH_TEST_REGISTRY_MTLS" "$VOUCH_TEST_REGISTRY_TLS_EXPIRED"; do
  for _ in $(seq 1 100); do
    (exec 3<>"/dev/tcp/${addr%:*}/${addr##*:}") 2>/dev/null && break
    sleep 0.1
  done
done
curl -fsS --cacert "$tls_dir/ca.crt" "https://$VOUCH_TEST_REGISTRY_TLS/v2/" >/dev/null \
  || { echo "harness: the TLS registry did not start" >&2; cat "$work/registry-tls.log" >&2; exit 2; }
curl -fsS --cacert "$tls_dir/ca.crt" --cert "$tls_dir/client.crt" --key "$tls_dir/client.key" \
  "https://$VOUCH_TEST_REGISTRY_MTLS/v2/" >/dev/null \
  || { echo "harness: the mTLS registry did not start" >&2; cat "$work/registry-mtls.log" >&2; exit 2; }
export VOUCH_TEST_REGISTRY_TLS VOUCH_TEST_REGISTRY_MTLS VOUCH_TEST_REGISTRY_TLS_EXPIRED
export VOUCH_TEST_TLS_CA="$tls_dir/ca.crt"
export VOUCH_TEST_TLS_CLIENT_CERT="$tls_dir/client.crt" VOUCH_TEST_TLS_CLIENT_KEY="$tls_dir/client.key"
export VOUCH_TEST_REGISTRY_TLS_LOG="$work/registry-tls.log" VOUCH_TEST_REGISTRY_MTLS_LOG="$work/registry-mtls.log"
echo "harness: TLS registries at $VOUCH_TEST_REGISTRY_TLS, $VOUCH_TEST_REGISTRY_MTLS (client certificate), $VOUCH_TEST_REGISTRY_TLS_EXPIRED (expired)" >&2
