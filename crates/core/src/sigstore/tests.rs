use super::*;
use crate::sigstore::testing;

#[test]
fn the_embedded_production_root_parses() {
    TrustedRoot::production().expect("the embedded production trusted root parses");
}

#[test]
fn malformed_bundles_and_roots_are_sentences_not_panics() {
    for json in [
        "",
        "{",
        "[]",
        "null",
        "{\"mediaType\":\"text/plain\"}",
        "{\"mediaType\":1}",
    ] {
        let e = Bundle::from_json(json).expect_err(json);
        assert!(
            matches!(e, SigstoreError::BundleMalformed { .. }),
            "{json}: {e:?}"
        );
        assert!(e
            .to_string()
            .starts_with("the bundle is not a valid Sigstore bundle"));
        let e = TrustedRoot::from_json(json).expect_err(json);
        assert!(
            matches!(e, SigstoreError::TrustedRootMalformed { .. }),
            "{json}: {e:?}"
        );
    }
}

#[test]
fn digests_must_be_sha256_with_64_hex_digits() {
    assert!(matches!(
        Artifact::parse_digest(&format!("sha256:{}", "ab".repeat(32))),
        Ok(Artifact::Sha256(d)) if d == [0xab; 32]
    ));
    for bad in [
        "",
        "sha256:",
        "sha512:00",
        "ab",
        &format!("sha256:{}", "g".repeat(64)),
    ] {
        let e = Artifact::parse_digest(bad).expect_err(bad);
        assert_eq!(e, SigstoreError::DigestMalformed { given: bad.into() });
    }
}

/// The conformance cases live with the CLI's tests (crates/cli/tests/data, see PROVENANCE.md).
macro_rules! case {
    ($name:literal, $file:literal) => {
        include_str!(concat!(
            "../../../cli/tests/data/sigstore-conformance/",
            $name,
            "/",
            $file
        ))
    };
}

const A_TXT: &[u8] = include_bytes!("../../../cli/tests/data/sigstore-conformance/a.txt");
const BEACON: &str = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
const GITHUB: &str = "https://token.actions.githubusercontent.com";

fn beacon() -> Signer {
    Signer::Identity {
        identity: BEACON.into(),
        issuer: GITHUB.into(),
    }
}

fn production_verify(bundle: &str, artifact: Artifact<'_>) -> Result<Verified, SigstoreError> {
    let root = TrustedRoot::production().expect("embedded root");
    verify(&Bundle::from_json(bundle)?, artifact, &beacon(), &root)
}

#[test]
fn a_keyless_bundle_verifies_with_its_identity_time_and_ci_claims() {
    let v = production_verify(
        case!("happy-path-v0.3", "bundle.sigstore.json"),
        Artifact::Bytes(A_TXT),
    )
    .expect("verifies");
    assert_eq!(v.identity.as_deref(), Some(BEACON));
    assert_eq!(v.issuer.as_deref(), Some(GITHUB));
    assert!(v.tlog_verified);
    assert!(!v.verified_times.is_empty());
    let c = v.certificate.expect("a keyless bundle has a certificate");
    assert_eq!(
        c.source_repository_uri.as_deref(),
        Some("https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon")
    );
    assert_eq!(c.source_repository_ref.as_deref(), Some("refs/heads/main"));
    assert_eq!(c.build_config_uri.as_deref(), Some(BEACON));
}

#[test]
fn each_refusal_is_its_typed_cause() {
    let sig = production_verify(
        case!("signature-mismatch_fail", "bundle.sigstore.json"),
        Artifact::Bytes(A_TXT),
    );
    assert!(
        matches!(sig, Err(SigstoreError::SignatureInvalid { .. })),
        "{sig:?}"
    );
    let set = production_verify(
        case!("set-invalid-signature_fail", "bundle.sigstore.json"),
        Artifact::Bytes(A_TXT),
    );
    assert!(
        matches!(set, Err(SigstoreError::InclusionPromise { .. })),
        "{set:?}"
    );
    let entry = production_verify(
        case!("wrong-hashedrekord-entry_fail", "bundle.sigstore.json"),
        Artifact::Bytes(A_TXT),
    );
    assert!(
        matches!(entry, Err(SigstoreError::ArtifactMismatch { .. })),
        "{entry:?}"
    );
    let other = production_verify(
        case!("happy-path-v0.3", "bundle.sigstore.json"),
        Artifact::Bytes(b"another file"),
    );
    assert!(other.is_err(), "another artifact verified: {other:?}");

    let root = TrustedRoot::from_json(case!(
        "intoto-expired-certificate_fail",
        "trusted_root.json"
    ))
    .expect("root");
    let bundle = Bundle::from_json(case!(
        "intoto-expired-certificate_fail",
        "bundle.sigstore.json"
    ))
    .expect("bundle");
    let artifact = case!("intoto-expired-certificate_fail", "artifact").as_bytes();
    let expired = verify(&bundle, Artifact::Bytes(artifact), &beacon(), &root);
    assert!(
        matches!(expired, Err(SigstoreError::CertificateNotYetValid { .. })),
        "{expired:?}"
    );

    let key = Signer::Key {
        pem: case!("managed-key-happy-path", "key.pub").into(),
    };
    let bundle =
        Bundle::from_json(case!("managed-key-happy-path", "bundle.sigstore.json")).expect("bundle");
    let root = TrustedRoot::production().expect("root");
    let ok =
        verify(&bundle, Artifact::Bytes(A_TXT), &key, &root).expect("the managed key verifies");
    assert_eq!((ok.identity, ok.certificate), (None, None));
    // The same bundle, asked for a keyless identity, is refused: it has no certificate.
    assert!(verify(&bundle, Artifact::Bytes(A_TXT), &beacon(), &root).is_err());
}

/// Regression: sigstore-verify ignores a v0.1 chain past its leaf, so a bundle carrying its own
/// root verified. `bundle-with-root-cert_fail`, with its inclusion proof removed (it has no
/// checkpoint, which alone refuses it; its SET stays) and verified for its own signer, isolates
/// the root: refused with it, verified once the root is dropped from the chain.
#[test]
fn a_bundle_carrying_a_root_certificate_is_refused() {
    let mut json: serde_json::Value =
        serde_json::from_str(case!("bundle-with-root-cert_fail", "bundle.sigstore.json"))
            .expect("json");
    let entry = &mut json["verificationMaterial"]["tlogEntries"][0];
    entry
        .as_object_mut()
        .expect("an entry")
        .remove("inclusionProof");
    let signer = Signer::Identity {
        identity: "a@tny.town".into(),
        issuer: "https://github.com/login/oauth".into(),
    };
    let artifact = case!("bundle-with-root-cert_fail", "artifact").as_bytes();
    let root = TrustedRoot::production().expect("root");
    let with_root = Bundle::from_json(&json.to_string()).expect("bundle");
    let refused = verify(&with_root, Artifact::Bytes(artifact), &signer, &root);
    assert!(
        matches!(&refused, Err(SigstoreError::ChainContainsRoot { subject }) if subject.contains("sigstore")),
        "{refused:?}"
    );
    let chain = json["verificationMaterial"]["x509CertificateChain"]["certificates"]
        .as_array_mut()
        .expect("a chain");
    assert_eq!(chain.len(), 3, "leaf, root (CN=sigstore), intermediate");
    chain.remove(1);
    let without_root = Bundle::from_json(&json.to_string()).expect("bundle");
    verify(&without_root, Artifact::Bytes(artifact), &signer, &root)
        .expect("the same bundle without its root verifies");
}

/// `happy-path-v0.3` (production, Rekor v1) with one field of its evidence changed by `edit`.
fn tampered(edit: impl FnOnce(&mut serde_json::Value)) -> Result<Verified, SigstoreError> {
    let mut json: serde_json::Value =
        serde_json::from_str(case!("happy-path-v0.3", "bundle.sigstore.json")).expect("json");
    edit(&mut json["verificationMaterial"]["tlogEntries"][0]);
    production_verify(&json.to_string(), Artifact::Bytes(A_TXT))
}

fn bump(v: &mut serde_json::Value) {
    let n: u64 = v
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("a decimal string");
    *v = (n + 1).to_string().into();
}

#[test]
fn tampered_log_evidence_is_refused_with_its_cause() {
    // The untouched bundle verifies, so each refusal below is the edit's.
    production_verify(
        case!("happy-path-v0.3", "bundle.sigstore.json"),
        Artifact::Bytes(A_TXT),
    )
    .expect("the untouched bundle verifies");
    let time = tampered(|e| bump(&mut e["integratedTime"]));
    assert!(
        matches!(time, Err(SigstoreError::InclusionPromise { .. })),
        "{time:?}"
    );
    let index = tampered(|e| bump(&mut e["logIndex"]));
    assert!(
        matches!(index, Err(SigstoreError::InclusionPromise { .. })),
        "{index:?}"
    );
    // A proof for another leaf of the same tree.
    let proof = tampered(|e| bump(&mut e["inclusionProof"]["logIndex"]));
    assert!(proof.is_err(), "{proof:?}");
    // A signed entry timestamp "by" a log the trusted root does not have.
    let unknown =
        tampered(|e| e["logId"]["keyId"] = "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=".into());
    assert!(unknown.is_err(), "{unknown:?}");
    // Without its SET, a v0.3 Rekor v1 entry has no trusted time.
    let no_set = tampered(|e| {
        e.as_object_mut()
            .expect("an entry")
            .remove("inclusionPromise");
    });
    assert!(
        matches!(no_set, Err(SigstoreError::NoTrustedTime { .. })),
        "{no_set:?}"
    );
}

#[test]
fn a_rekor_v2_bundle_needs_its_tsa_time_and_a_trusted_checkpoint() {
    let root =
        TrustedRoot::from_json(case!("rekor2-happy-path", "trusted_root.json")).expect("root");
    let run = |edit: &dyn Fn(&mut serde_json::Value)| {
        let mut json: serde_json::Value =
            serde_json::from_str(case!("rekor2-happy-path", "bundle.sigstore.json")).expect("json");
        edit(&mut json["verificationMaterial"]);
        verify(
            &Bundle::from_json(&json.to_string())?,
            Artifact::Bytes(A_TXT),
            &beacon(),
            &root,
        )
    };
    run(&|_| {}).expect("the untouched Rekor v2 bundle verifies");
    let no_tsa =
        run(&|m| m["timestampVerificationData"]["rfc3161Timestamps"] = serde_json::json!([]));
    assert!(
        matches!(no_tsa, Err(SigstoreError::NoTrustedTime { .. })),
        "{no_tsa:?}"
    );
    let forged = run(&|m| {
        let env = &mut m["tlogEntries"][0]["inclusionProof"]["checkpoint"]["envelope"];
        let text = env.as_str().expect("an envelope").to_owned();
        // Change one character of the signature (base64 after the key hint).
        let at = text.rfind(' ').expect("a signature line") + 6;
        let mut bytes = text.into_bytes();
        bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
        *env = String::from_utf8(bytes).expect("ascii").into();
    });
    assert!(
        matches!(forged, Err(SigstoreError::Checkpoint { .. })),
        "{forged:?}"
    );
}

#[test]
fn a_streamed_artifact_is_judged_as_its_bytes() {
    let bundle =
        Bundle::from_json(case!("happy-path-v0.3", "bundle.sigstore.json")).expect("bundle");
    let root = TrustedRoot::production().expect("root");
    let streamed =
        verify_reader(&bundle, A_TXT, &beacon(), &root).expect("streamed a.txt verifies");
    let whole = verify(&bundle, Artifact::Bytes(A_TXT), &beacon(), &root).expect("a.txt verifies");
    assert_eq!(streamed, whole);
    let other = verify_reader(&bundle, &b"another file"[..], &beacon(), &root);
    assert!(
        matches!(other, Err(SigstoreError::ArtifactMismatch { .. })),
        "{other:?}"
    );
    struct Broken;
    impl std::io::Read for Broken {
        fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
            Err(std::io::Error::other("disk on fire"))
        }
    }
    let broken = verify_reader(&bundle, Broken, &beacon(), &root);
    assert!(
        matches!(broken, Err(SigstoreError::ArtifactUnreadable { .. })),
        "{broken:?}"
    );
}

/// An in-toto statement of a type Vouch does not know is refused, although its signature, log
/// entry and subject all verify (sigstore-verify parses `_type` and accepts any value); v1 and
/// v0.1 verify.
#[test]
fn a_statement_of_an_unknown_type_is_refused() {
    use crate::sigstore::testing::{self, Instance, LeafSpec};
    let instance = Instance::new("stmt");
    let t = testing::now();
    let leaf = instance.leaf(
        &LeafSpec::github("acme/app", "release.yml", "refs/heads/main", t - 120),
        "leaf",
    );
    let signer = Signer::Identity {
        identity: "https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main"
            .into(),
        issuer: testing::GITHUB_ISSUER.into(),
    };
    let artifact = [7u8; 32];
    let digest = format!("sha256:{}", hex::encode(artifact));
    let statement = testing::statement("example.com/app", &digest, "p", serde_json::json!({}));
    let verify_typed = |type_: &str| {
        let statement = statement.replace("https://in-toto.io/Statement/v1", type_);
        let json = instance.sign_statement_bundle(&statement, &leaf, t - 60, b"neighbour");
        let bundle = Bundle::from_json(&json).expect("a minted bundle parses");
        verify(
            &bundle,
            Artifact::Sha256(artifact),
            &signer,
            &instance.trusted_root(),
        )
    };
    for known in KNOWN_STATEMENT_TYPES {
        verify_typed(known).unwrap_or_else(|e| panic!("{known} verifies: {e}"));
    }
    let refused = verify_typed("https://in-toto.io/Statement/v2").expect_err("refused");
    assert_eq!(
        refused,
        SigstoreError::StatementTypeUnknown {
            found: "https://in-toto.io/Statement/v2".into()
        }
    );
    assert!(
        refused
            .to_string()
            .contains("`https://in-toto.io/Statement/v2`"),
        "{refused}"
    );
}

/// A DSSE envelope logged as a Rekor v2 `dsse` 0.0.2 entry, or as a Rekor v1 `hashedrekord`
/// 0.0.1 entry over SHA-256(PAE) (both refused by sigstore-verify 0.15.1; vendor/README.md),
/// verifies; and the entry is bound to the envelope: each attack is refused with its cause.
fn a_dsse_envelope_is_bound_to_its_entry(log: testing::DsseLog) {
    use testing::{Instance, LeafSpec, Signed};
    let instance = Instance::new("dsse-entry");
    let t = testing::now();
    let spec = LeafSpec::github("acme/app", "release.yml", "refs/heads/main", t - 120);
    let (leaf, other) = (instance.leaf(&spec, "leaf"), instance.leaf(&spec, "other"));
    let signer = Signer::Identity {
        identity: spec.identity().into(),
        issuer: testing::GITHUB_ISSUER.into(),
    };
    let artifact = [7u8; 32];
    let digest = format!("sha256:{}", hex::encode(artifact));
    let statement = testing::statement("example.com/app", &digest, "p", serde_json::json!({}));
    let logged = Signed::new(&leaf, &statement);
    let run = |envelope: &Signed, logged: &Signed| {
        let json = instance.dsse_bundle(log, envelope, logged, t - 60, b"neighbour");
        let bundle = Bundle::from_json(&json)?;
        verify(
            &bundle,
            Artifact::Sha256(artifact),
            &signer,
            &instance.trusted_root(),
        )
    };
    let ok = run(&logged, &logged).unwrap_or_else(|e| panic!("{log:?} verifies: {e}"));
    assert_eq!(ok.identity.as_deref(), Some(spec.identity()));
    assert!(ok.tlog_verified);

    let mismatch = |case: &str, result: Result<Verified, SigstoreError>, word: &str| match result {
        Err(SigstoreError::LogEntryMismatch { reason }) if reason.contains(word) => {}
        other => panic!("{log:?}, {case}: expected a log entry mismatch ({word}), got {other:?}"),
    };
    // The envelope was changed after logging: another statement, validly signed by the same key.
    let changed = statement.replace("\"p\"", "\"another predicate\"");
    let result = run(&Signed::new(&leaf, &changed), &logged);
    mismatch("another envelope", result, "not the one logged");
    // The same statement signed anew: valid, but not the signature the log recorded.
    let result = run(&Signed::anew(&leaf, &statement), &logged);
    mismatch("another signature", result, "signature");
    // An entry made for another certificate (same identity, another key).
    let for_other = Signed {
        verifier: testing::Verifier::Certificate(other.der.clone()),
        ..logged.clone()
    };
    mismatch(
        "another certificate",
        run(&logged, &for_other),
        "certificate",
    );
    // A signature by another key than the certificate's.
    let forged = Signed {
        sig: Signed::new(&other, &statement).sig,
        ..logged.clone()
    };
    let result = run(&forged, &logged);
    assert!(
        matches!(result, Err(SigstoreError::SignatureInvalid { .. })),
        "{log:?}, a signature by another key: {result:?}"
    );
}

#[test]
fn a_dsse_envelope_logged_on_rekor_v2_is_bound_to_its_entry() {
    a_dsse_envelope_is_bound_to_its_entry(testing::DsseLog::RekorV2Dsse);
}

#[test]
fn a_dsse_envelope_logged_as_hashedrekord_is_bound_to_its_entry() {
    a_dsse_envelope_is_bound_to_its_entry(testing::DsseLog::RekorV1HashedRekord);
}

/// The same for a managed key: the entry must name the key the bundle is verified with.
fn a_keyed_dsse_envelope_is_bound_to_its_entry(log: testing::DsseLog) {
    use testing::{Instance, Signed};
    let instance = Instance::new("dsse-keyed");
    let (key, other) = (testing::key("managed"), testing::key("other"));
    let signer = Signer::Key {
        pem: testing::public_pem(&key),
    };
    let artifact = [7u8; 32];
    let digest = format!("sha256:{}", hex::encode(artifact));
    let statement = testing::statement("example.com/app", &digest, "p", serde_json::json!({}));
    let signed = Signed::keyed(&key, &statement);
    let run = |logged: &Signed| {
        let json = instance.dsse_bundle(log, &signed, logged, testing::now() - 60, b"n");
        verify(
            &Bundle::from_json(&json)?,
            Artifact::Sha256(artifact),
            &signer,
            &instance.trusted_root(),
        )
    };
    run(&signed).unwrap_or_else(|e| panic!("{log:?} verifies with its key: {e}"));
    let for_other = Signed {
        verifier: Signed::keyed(&other, &statement).verifier,
        ..signed.clone()
    };
    let result = run(&for_other);
    assert!(
        matches!(&result, Err(SigstoreError::LogEntryMismatch { reason }) if reason.contains("key")),
        "{log:?}, an entry for another key: {result:?}"
    );
}

#[test]
fn a_keyed_dsse_envelope_logged_on_rekor_v2_is_bound_to_its_entry() {
    a_keyed_dsse_envelope_is_bound_to_its_entry(testing::DsseLog::RekorV2Dsse);
}

#[test]
fn a_keyed_dsse_envelope_logged_as_hashedrekord_is_bound_to_its_entry() {
    a_keyed_dsse_envelope_is_bound_to_its_entry(testing::DsseLog::RekorV1HashedRekord);
}
