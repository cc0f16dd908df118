//! One function per fuzz target: it feeds the bytes to a parser of outside data and checks what
//! must hold whatever the input (no panic, and where there is one, an invariant). Errors are fine:
//! a parser refusing garbage with a sentence is the expected outcome.
//!
//! Shared by the libFuzzer binaries (fuzz/fuzz_targets/) and the stable corpus replay
//! (crates/core/tests/fuzz_corpus.rs), so it depends on vouch-core only.

use std::borrow::Cow;

use vouch_core::discovery::{parse_bundle, Source};
use vouch_core::keys::{PrivateKey, PublicKey};
use vouch_core::oci::{Digest, Manifest};
use vouch_core::reference::{identity_repository, is_loopback_host, ImageRef};
use vouch_core::trust::{scope, TrustSet};
use vouch_core::{cosign, dsse, extract, registry};

/// A target's body: the fuzzer's bytes in, a panic when something is wrong.
pub type Target = fn(&[u8]);

/// Every target, by the name of its binary and of its corpus folder (fuzz/corpus/<name>/).
pub const ALL: &[(&str, Target)] = &[
    ("reference", reference),
    ("public_key", public_key),
    ("private_key", private_key),
    ("encrypted_key", encrypted_key),
    ("simple_signing", simple_signing),
    ("manifest", manifest),
    ("dsse", dsse),
    ("bundle", bundle),
    ("trust_set", trust_set),
    ("compose", compose),
    ("kubernetes", kubernetes),
    ("dockerfile", dockerfile),
    ("text", text),
    ("scope", scope),
    ("www_authenticate", www_authenticate),
    ("sigstore_bundle", sigstore_bundle),
    ("sigstore_trusted_root", sigstore_trusted_root),
];

fn text_of(data: &[u8]) -> Cow<'_, str> {
    String::from_utf8_lossy(data)
}

/// Image references: a parsed reference prints as text that parses back to the same reference.
pub fn reference(data: &[u8]) {
    let s = text_of(data);
    let _ = identity_repository(&s);
    if let Ok(r) = ImageRef::parse(&s) {
        let _ = is_loopback_host(r.registry());
        let _ = r.manifest_selector();
        let printed = r.to_string();
        match ImageRef::parse(&printed) {
            Ok(again) => assert_eq!(again.to_string(), printed, "{s:?} does not round-trip"),
            Err(e) => panic!("{s:?} parsed, printed as {printed:?}, which does not parse: {e}"),
        }
    }
}

/// Public keys (PEM, SPKI DER, raw): a parsed key re-parses from its SPKI and its PEM with the
/// same fingerprint; verifying garbage is an error, not a panic.
pub fn public_key(data: &[u8]) {
    let _ = PublicKey::from_spki_der(data);
    let Ok(key) = PublicKey::parse(data) else {
        return;
    };
    let fingerprint = key.fingerprint();
    for again in [
        PublicKey::from_spki_der(key.spki_der()),
        PublicKey::parse(key.to_pem().as_bytes()),
    ] {
        match again {
            Ok(k) => assert_eq!(k.fingerprint(), fingerprint),
            Err(e) => panic!("a parsed key does not parse back: {e}"),
        }
    }
    let _ = key.verify(data, data);
}

/// Private keys (PKCS#8, SEC1, PKCS#1 PEM and DER), refusals included.
pub fn private_key(data: &[u8]) {
    let _ = PrivateKey::is_encrypted_pem(data);
    let _ = PrivateKey::from_pkcs8_der(data);
    if let Ok(key) = PrivateKey::from_pem(data) {
        let _ = key.public_key().fingerprint();
    }
}

/// Encrypted cosign private keys: the bytes are the JSON envelope inside the PEM block (the
/// committed seeds are cosign's, whose password is `test`), and also tried as a whole PEM text.
pub fn encrypted_key(data: &[u8]) {
    const LABEL: &str = "ENCRYPTED SIGSTORE PRIVATE KEY";
    let pem = format!(
        "-----BEGIN {LABEL}-----\n{}\n-----END {LABEL}-----\n",
        dsse::encode_b64(data)
    );
    let _ = PrivateKey::from_encrypted_pem(pem.as_bytes(), b"test");
    let _ = PrivateKey::from_encrypted_pem(data, b"test");
}

/// Simple-signing payloads and cosign v3 signature statements.
pub fn simple_signing(data: &[u8]) {
    let _ = cosign::parse_simple_signing(data);
    let _ = cosign::parse_sign_statement(dsse::IN_TOTO_PAYLOAD_TYPE, data);
    let _ = dsse::predicate_type_of(data);
}

/// OCI manifests and indexes, and every descriptor in them.
pub fn manifest(data: &[u8]) {
    let _ = Digest::parse(&text_of(data));
    let Ok(m) = Manifest::parse(data) else {
        return;
    };
    let _ = (m.is_index(), m.kind());
    let descriptors = m.layers.iter().chain(&m.manifests);
    for d in descriptors
        .chain(m.config.as_ref())
        .chain(m.subject.as_ref())
    {
        let _ = (d.sha256(), d.is_attestation(), d.platform_label());
    }
}

/// DSSE envelopes and in-toto statements.
pub fn dsse(data: &[u8]) {
    let _ = dsse::parse_envelope(data);
    let _ = dsse::parse_statement(data);
    let _ = dsse::decode_b64(&text_of(data));
}

/// Sigstore bundles as discovery reads them.
pub fn bundle(data: &[u8]) {
    let _ = parse_bundle(data, cosign::SIGSTORE_BUNDLE_MEDIA_TYPE, Source::CosignTag);
}

/// The trust-set document: what parses serialises and parses back to the same set.
pub fn trust_set(data: &[u8]) {
    let Ok(set) = TrustSet::from_json(data) else {
        return;
    };
    let json = match set.to_json() {
        Ok(json) => json,
        Err(e) => panic!("a parsed trust set does not serialise: {e}"),
    };
    match TrustSet::from_json(&json) {
        Ok(again) => assert_eq!(again, set),
        Err(e) => panic!("a serialised trust set does not parse back: {e}"),
    }
}

/// Compose files, directly and through the file-name dispatch.
pub fn compose(data: &[u8]) {
    let _ = extract::extract_compose(&text_of(data));
    let _ = extract::extract(Some("docker-compose.yml"), data);
}

/// Kubernetes manifests, directly and through the file-name dispatch.
pub fn kubernetes(data: &[u8]) {
    let _ = extract::extract_kubernetes(&text_of(data));
    let _ = extract::extract(Some("deployment.yaml"), data);
}

/// Dockerfiles, directly and through the file-name dispatch.
pub fn dockerfile(data: &[u8]) {
    let _ = extract::extract_dockerfile(&text_of(data));
    let _ = extract::extract(Some("Dockerfile"), data);
}

/// Plain text, content sniffing (no file name) and dropped-file classification.
pub fn text(data: &[u8]) {
    let _ = extract::extract_text(&text_of(data));
    let _ = extract::extract(None, data);
    let _ = extract::classify("dropped", data);
}

/// Longest pattern and name given to the exponential reference matcher.
const SCOPE_ORACLE_MAX: usize = 24;

/// Scope globs: `pattern\nname`. Validation and matching never panic; on short inputs the
/// linear matcher agrees with the old backtracking one (patterns with `***` excepted: the two
/// read a third star differently, and validation refuses it).
pub fn scope(data: &[u8]) {
    let s = text_of(data);
    let (pattern, name) = s.split_once('\n').unwrap_or((&s, ""));
    let _ = scope::validate(pattern);
    let _ = scope::specificity(pattern, name);
    let linear = scope::matches(pattern, name);
    if pattern.len() <= SCOPE_ORACLE_MAX
        && name.len() <= SCOPE_ORACLE_MAX
        && !pattern.contains("***")
    {
        let reference = scope::backtracking_matches(pattern, name);
        assert_eq!(linear, reference, "{pattern:?} against {name:?}");
    }
}

/// `WWW-Authenticate` challenges, and token servers' answers.
pub fn www_authenticate(data: &[u8]) {
    let _ = registry::parse_www_authenticate(&text_of(data));
    let _ = registry::token_answer_is_usable(data);
}

/// Sigstore bundles (v0.1–v0.3): a parsed bundle is verified, against the embedded production
/// trusted root, over the input itself and over a digest, for an identity and for a key; every
/// outcome is a result (these inputs never verify: refusals are expected), never a panic.
pub fn sigstore_bundle(data: &[u8]) {
    use vouch_core::sigstore::{verify, Artifact, Bundle, Signer, TrustedRoot};
    let Ok(bundle) = Bundle::from_json(&text_of(data)) else {
        return;
    };
    let _ = bundle.media_type();
    let Ok(root) = TrustedRoot::production() else {
        panic!("the embedded production trusted root does not parse");
    };
    let identity = Signer::Identity {
        identity: "https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main"
            .into(),
        issuer: "https://token.actions.githubusercontent.com".into(),
    };
    let key = Signer::Key {
        pem: "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAExRRST79+PsrRBnGAI4cMu6Omz2Jh\nfwlMW+gIutNKVRaMyS4rQKvgngc5p8UbLj55pVHhIoAxi/SRgURZI0J3Xw==\n-----END PUBLIC KEY-----\n".into(),
    };
    for signer in [&identity, &key] {
        for artifact in [Artifact::Bytes(data), Artifact::Sha256([7; 32])] {
            if let Ok(v) = verify(&bundle, artifact, signer, &root) {
                panic!("a fuzzed bundle verified: {v:?}");
            }
        }
    }
}

/// Sigstore trusted roots: a parsed root is usable for a verification attempt (which refuses an
/// empty bundle), never a panic.
pub fn sigstore_trusted_root(data: &[u8]) {
    use vouch_core::sigstore::{verify, Artifact, Bundle, Signer, TrustedRoot};
    let Ok(root) = TrustedRoot::from_json(&text_of(data)) else {
        return;
    };
    let Ok(bundle) = Bundle::from_json(include_str!(
        "../corpus/sigstore_bundle/happy-path-v0.3.json"
    )) else {
        panic!("the happy-path seed bundle does not parse");
    };
    let signer = Signer::Identity {
        identity: "x".into(),
        issuer: "y".into(),
    };
    let _ = verify(&bundle, Artifact::Bytes(data), &signer, &root);
}
