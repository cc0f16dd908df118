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
