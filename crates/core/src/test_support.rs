//! Fixtures shared by the unit tests: a fixed clock, digests, and trusted keys built the way
//! the trust store builds them.

use base64::Engine as _;
use time::{Duration, OffsetDateTime};

use crate::keys::PrivateKey;
use crate::trust::{Policy, PolicyMode, TrustSet, TrustedKey};

/// The repository the unit tests sign for.
pub(crate) const REPO: &str = "127.0.0.1:5000/acme/app";

/// `sha256:` and 64 times `c`.
pub(crate) fn digest(c: char) -> String {
    format!("sha256:{}", c.to_string().repeat(64))
}

/// The fixed clock of the unit tests (2027-01-15T08:00:00Z).
pub(crate) fn now() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_800_000_000).expect("time")
}

/// `k`'s public half, trusted for `publisher` and `scopes` since ten days before [`now`].
pub(crate) fn trusted(k: &PrivateKey, publisher: &str, scopes: &[&str]) -> TrustedKey {
    let scopes = scopes.iter().map(|s| s.to_string()).collect();
    TrustedKey::new(
        &k.public_key(),
        publisher,
        scopes,
        now() - Duration::days(10),
    )
}

/// A trust set of `keys` and nothing else.
pub(crate) fn set(keys: Vec<TrustedKey>) -> TrustSet {
    TrustSet {
        keys,
        ..TrustSet::default()
    }
}

/// A policy for `pattern`.
pub(crate) fn policy(pattern: &str, mode: PolicyMode, threshold: u32) -> Policy {
    Policy {
        pattern: pattern.into(),
        mode,
        threshold,
    }
}

/// The commonest trust set of the tests: `k` alone, published by `acme`, with no scopes.
pub(crate) fn acme_only(k: &PrivateKey) -> TrustSet {
    set(vec![trusted(k, "acme", &[])])
}

/// A SLSA v0.2 predicate (`tests/fixtures/slsa/v02-predicate.json`, shared with the golden
/// tests): a git source at a commit, an entry point, times, an invocation id, two materials.
pub(crate) fn slsa_v02_predicate() -> serde_json::Value {
    json_fixture(include_str!("../tests/fixtures/slsa/v02-predicate.json"))
}

/// A SLSA v1 predicate (`tests/fixtures/slsa/v1-predicate.json`): a GitHub Actions workflow
/// build with its revision in the resolved dependencies.
pub(crate) fn slsa_v1_predicate() -> serde_json::Value {
    json_fixture(include_str!("../tests/fixtures/slsa/v1-predicate.json"))
}

fn json_fixture(text: &str) -> serde_json::Value {
    serde_json::from_str(text).expect("a checked-in JSON fixture parses")
}

/// Standard base64 with padding.
pub(crate) fn b64(b: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(b)
}

/// A deliberately faulty fake HTTP server on 127.0.0.1:0 — used because no real registry
/// answers DENIED, TOOMANYREQUESTS or a stuck credential helper's challenge on demand, and this
/// machine has no network to reach Docker Hub. It
/// answers `(method, path)` from a table, `404` with an empty body otherwise, one request
/// per connection.
pub(crate) mod fake {
    use std::collections::HashMap;
    use std::io::{Read, Write};
    use std::sync::Arc;

    #[derive(Clone)]
    pub(crate) struct Answer {
        pub(crate) status: u16,
        pub(crate) headers: Vec<(&'static str, String)>,
        pub(crate) body: Vec<u8>,
        /// When set, a request without `Authorization: Bearer <this>` gets a `401` whose
        /// challenge points at this server's `/token`.
        pub(crate) bearer: Option<&'static str>,
    }

    impl Answer {
        pub(crate) fn new(status: u16, body: &[u8]) -> Answer {
            Answer {
                status,
                headers: vec![],
                body: body.to_vec(),
                bearer: None,
            }
        }
    }

    pub(crate) fn envelope(status: u16, code: &str, message: &str) -> Answer {
        let body = serde_json::json!({"errors": [{"code": code, "message": message}]});
        let mut a = Answer::new(status, &serde_json::to_vec(&body).expect("json"));
        a.headers.push(("Content-Type", "application/json".into()));
        a
    }

    /// Every request seen, as `METHOD path authorization-header`.
    pub(crate) type Log = Arc<std::sync::Mutex<Vec<String>>>;

    /// Serves `routes` until the test process ends; returns `127.0.0.1:<port>` and the log.
    pub(crate) fn serve(routes: HashMap<(&'static str, String), Answer>) -> (String, Log) {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr").to_string();
        let log = Log::default();
        let (seen, here) = (log.clone(), addr.clone());
        std::thread::spawn(move || {
            for mut s in listener.incoming().flatten() {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") && s.read(&mut byte).is_ok_and(|n| n == 1) {
                    head.push(byte[0]);
                    if !head[0].is_ascii_uppercase() {
                        // Not HTTP (a TLS ClientHello): answer as plain HTTP servers do, unlogged.
                        let _ =
                            s.write_all(b"HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
                        break;
                    }
                }
                if !head.first().is_some_and(u8::is_ascii_uppercase) {
                    continue;
                }
                let head = String::from_utf8_lossy(&head).to_string();
                let header = |name: &str| {
                    head.lines().find_map(|l| {
                        let (k, v) = l.split_once(':')?;
                        k.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
                    })
                };
                let mut words = head.split_whitespace();
                let method = words.next().unwrap_or("").to_string();
                let path = words.next().unwrap_or("/");
                let path = path.split('?').next().unwrap_or("/").to_string();
                let auth = header("authorization").unwrap_or_default();
                if let Ok(mut l) = seen.lock() {
                    l.push(format!("{method} {path} {auth}"));
                }
                let len: usize = header("content-length")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0);
                let mut body = vec![0u8; len.min(1 << 20)];
                let _ = s.read_exact(&mut body);
                let mut a = routes
                    .get(&(method.as_str(), path))
                    .cloned()
                    .unwrap_or(Answer::new(404, b""));
                if a.bearer.is_some_and(|t| auth != format!("Bearer {t}")) {
                    a = Answer::new(401, b"");
                    let realm = format!("http://{here}/token");
                    let ch = format!("Bearer realm=\"{realm}\",service=\"fake\"");
                    a.headers.push(("WWW-Authenticate", ch));
                }
                let mut out = format!(
                    "HTTP/1.1 {} X\r\nContent-Length: {}\r\nConnection: close\r\n",
                    a.status,
                    a.body.len()
                );
                for (k, v) in &a.headers {
                    out.push_str(&format!("{k}: {v}\r\n"));
                }
                out.push_str("\r\n");
                let _ = s
                    .write_all(out.as_bytes())
                    .and_then(|_| s.write_all(&a.body));
            }
        });
        (addr, log)
    }
}
