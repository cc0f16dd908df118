//! Fixtures shared by the golden tests: the checked-in keys, trusted keys, and cosign
//! simple-signing signatures built the way cosign writes them.

// Each test file uses the part it needs.
#![allow(dead_code)]

use std::path::PathBuf;

use base64::Engine as _;
use time::OffsetDateTime;
use vouch_core::keys::{PrivateKey, PublicKey};
use vouch_core::trust::{TrustSet, TrustedKey};
use vouch_core::verify::{Found, Source};

/// The bytes of `tests/fixtures/keys/<name>`.
pub(crate) fn key_file(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/keys")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()))
}

/// A checked-in PKCS#8 private key.
pub(crate) fn private_key(name: &str) -> PrivateKey {
    PrivateKey::from_pem(&key_file(name)).expect("fixture private key")
}

/// The checked-in cosign private key (encrypted, password `test`).
pub(crate) fn cosign_key() -> PrivateKey {
    PrivateKey::from_encrypted_pem(&key_file("cosign-p256.key"), b"test")
        .expect("fixture cosign key")
}

/// The SLSA v0.2 predicate of `tests/fixtures/slsa/v02-predicate.json` (the unit tests use it too).
pub(crate) fn slsa_v02_predicate() -> serde_json::Value {
    serde_json::from_str(include_str!("../fixtures/slsa/v02-predicate.json"))
        .expect("the SLSA v0.2 fixture is JSON")
}

/// `key`, trusted for `publisher` and `scopes` since `added_at`.
pub(crate) fn trusted(
    key: &PublicKey,
    publisher: &str,
    scopes: &[&str],
    added_at: OffsetDateTime,
) -> TrustedKey {
    let scopes = scopes.iter().map(|s| s.to_string()).collect();
    TrustedKey::new(key, publisher, scopes, added_at)
}

/// A trust set of `keys` and nothing else.
pub(crate) fn set(keys: Vec<TrustedKey>) -> TrustSet {
    TrustSet {
        keys,
        ..TrustSet::default()
    }
}

/// A cosign simple-signing signature by `key` over `repository@digest`, found under the cosign
/// tag (the payload as cosign writes it without annotations).
pub(crate) fn simple_signing(key: &PrivateKey, repository: &str, digest: &str) -> Found {
    let payload = format!(
        r#"{{"critical":{{"identity":{{"docker-reference":"{repository}"}},"image":{{"docker-manifest-digest":"{digest}"}},"type":"cosign container image signature"}},"optional":null}}"#
    );
    cosign_tag_signature(key, payload.into_bytes())
}

/// `key`'s signature over any `payload`, as a simple-signing layer under the cosign tag.
pub(crate) fn cosign_tag_signature(key: &PrivateKey, payload: Vec<u8>) -> Found {
    Found::SimpleSigning {
        source: Source::CosignTag,
        signature_b64: base64::engine::general_purpose::STANDARD.encode(key.sign(&payload)),
        payload,
    }
}
