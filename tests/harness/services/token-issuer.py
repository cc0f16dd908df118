#!/usr/bin/env python3
"""The token service of the harness's token-auth registry.

A real issuer of docker's token protocol (what Docker Hub's auth.docker.io and Harbor's token
service speak), small enough to read: CNCF distribution with `auth: token` sends clients here;
this checks their credentials (HTTP Basic on GET /token), decides what they may do, and signs a
JWT (ES256) that distribution verifies against the certificate minted here at start (written to
CERT_OUT, the registry's `rootcertbundle`; the token's `x5c` header carries the same
certificate).

Who gets what:
  - a user of USERS_JSON with the right password: every action asked for, on every repository,
    and the catalog;
  - no credentials (the anonymous-token flow of public registries): `pull` on repositories under
    `public/`, nothing elsewhere (an empty access list, as Docker Hub answers);
  - a wrong password or an unknown user: 401 with a JSON `details` sentence.
Each user has a `lifetime` (seconds the registry accepts the token; distribution adds 60 s of
leeway to `exp`, which is taken off here) and may claim another `expires_in` in the answer: a
user whose tokens die before the client was told models a revoked token or a skewed clock.

Every request is one JSON line in LOG (time, account, scopes, status, what was granted): never
a password or a token.

Usage: token-issuer.py PORT CERT_OUT ISSUER SERVICE LOG USERS_JSON
"""
import base64
import datetime
import json
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import NameOID

LEEWAY = 60  # distribution accepts a token until exp + 60 s
PUBLIC_PREFIX = "public/"

port, cert_out, issuer, service, log_path, users_path = sys.argv[1:7]
with open(users_path) as f:
    USERS = json.load(f)

key = ec.generate_private_key(ec.SECP256R1())
name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)])
now = datetime.datetime.now(datetime.timezone.utc)
cert = (
    x509.CertificateBuilder()
    .subject_name(name)
    .issuer_name(name)
    .public_key(key.public_key())
    .serial_number(x509.random_serial_number())
    .not_valid_before(now - datetime.timedelta(days=1))
    .not_valid_after(now + datetime.timedelta(days=2))
    .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
    .sign(key, hashes.SHA256())
)
with open(cert_out, "wb") as f:
    f.write(cert.public_bytes(serialization.Encoding.PEM))
X5C = base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()

log_lock = threading.Lock()


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def sign_jwt(claims: dict) -> str:
    header = {"typ": "JWT", "alg": "ES256", "x5c": [X5C]}
    signing_input = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())
    r, s = decode_dss_signature(key.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256())))
    return signing_input + "." + b64url(r.to_bytes(32, "big") + s.to_bytes(32, "big"))


def parse_scope(scope: str):
    """`repository:a/b:pull,push` → ("repository", "a/b", ["pull", "push"])."""
    kind, _, rest = scope.partition(":")
    name, _, actions = rest.rpartition(":")
    return kind, name, [a for a in actions.split(",") if a]


def granted(account, scope):
    kind, name, actions = parse_scope(scope)
    if not kind or not name:
        return None
    if account is None:
        if kind == "repository" and name.startswith(PUBLIC_PREFIX):
            actions = [a for a in actions if a == "pull"]
        else:
            actions = []
    return {"type": kind, "name": name, "actions": actions}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # the JSON log below is the access log
        pass

    def answer(self, status, body, account, scopes, access):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        line = {
            "time": datetime.datetime.now(datetime.timezone.utc).isoformat(),
            "path": urlsplit(self.path).path,
            "account": account or "",
            "scopes": scopes,
            "status": status,
            "granted": [f'{a["type"]}:{a["name"]}:{",".join(a["actions"])}' for a in access],
        }
        with log_lock, open(log_path, "a") as f:
            f.write(json.dumps(line) + "\n")

    def do_GET(self):
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        scopes = query.get("scope", [])
        if url.path != "/token":
            return self.answer(404, {"details": "not found"}, None, scopes, [])
        account = None
        auth = self.headers.get("Authorization", "")
        if auth:
            try:
                scheme, _, value = auth.partition(" ")
                assert scheme.lower() == "basic"
                user, _, password = base64.b64decode(value.strip()).decode().partition(":")
            except Exception:
                return self.answer(401, {"details": "malformed credentials"}, None, scopes, [])
            entry = USERS.get(user)
            if entry is None or entry["password"] != password:
                return self.answer(401, {"details": "incorrect username or password"}, user, scopes, [])
            account = user
        if query.get("service", [service])[0] != service:
            return self.answer(400, {"details": "unknown service"}, account, scopes, [])
        access = [a for a in (granted(account, s) for s in scopes) if a is not None]
        lifetime = USERS[account].get("lifetime", 300) if account else 300
        claims_in = USERS[account].get("claims", lifetime) if account else lifetime
        t = int(time.time())
        token = sign_jwt({
            "iss": issuer, "sub": account or "", "aud": service,
            "exp": t + lifetime - LEEWAY, "nbf": t - 1, "iat": t,
            "jti": str(uuid.uuid4()), "access": access,
        })
        issued_at = datetime.datetime.now(datetime.timezone.utc).isoformat()
        body = {"token": token, "access_token": token, "expires_in": claims_in, "issued_at": issued_at}
        self.answer(200, body, account, scopes, access)


ThreadingHTTPServer(("127.0.0.1", int(port)), Handler).serve_forever()
