//! Keyless `.sig` layers minted by the local test instance ([`crate::sigstore::testing`]),
//! verified, then attacked one way at a time: each refusal names its cause.

use base64::Engine as _;

use super::*;
use crate::sigstore::testing::{self, Instance, LeafSpec, SigLayer};

const REPO: &str = "registry.example/acme/app";

fn digest(c: char) -> String {
    format!("sha256:{}", c.to_string().repeat(64))
}

/// A GitHub workflow leaf issued two minutes ago, and the image signed with it a minute ago.
fn signed(instance: &Instance) -> (testing::Leaf, SigLayer) {
    let now = testing::now();
    let spec = LeafSpec::github("acme/app", "release.yml", "refs/heads/main", now - 120);
    let leaf = instance.leaf(&spec, "leaf");
    let layer = instance.sign_image(REPO, &digest('a'), &leaf, now - 60);
    (leaf, layer)
}

fn verify(layer: &SigLayer, roots: &[TrustedRoot]) -> Result<KeylessVerified, SigstoreError> {
    verify_keyless_sig(
        REPO,
        &digest('a'),
        &layer.annotations,
        &layer.payload,
        roots,
    )
}

#[test]
fn a_keyless_signature_verifies_with_its_identity_claims_and_log_entry() {
    let instance = Instance::new("good");
    let (_, layer) = signed(&instance);
    assert!(is_keyless(&layer.annotations));
    let v = verify(&layer, &[instance.trusted_root()]).expect("verifies");
    assert_eq!(v.issuer, testing::GITHUB_ISSUER);
    assert_eq!(
        v.san,
        "https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main"
    );
    assert_eq!(v.claims.issuer.as_deref(), Some(testing::GITHUB_ISSUER));
    assert_eq!(v.claims.san_kind, Some(crate::sigstore::SanKind::Uri));
    assert_eq!(
        v.claims.extensions[testing::OID_SOURCE_REPOSITORY_URI],
        "https://github.com/acme/app"
    );
    assert_eq!(
        v.claims.extensions[testing::OID_ISSUER_V1],
        testing::GITHUB_ISSUER
    );
    assert_eq!(
        v.claims.source_repository_ref.as_deref(),
        Some("refs/heads/main")
    );
    let log = v.log.expect("a log entry");
    assert_eq!(log.index, 42);
    assert_eq!(log.log_id, hex::encode(instance.rekor_log_id()));
    assert!(log.integrated_time.is_some());
    assert_eq!(v.time_source, TimeSource::TransparencyLog);
    assert_eq!(v.root_index, 0);
}

#[test]
fn the_first_root_that_verifies_is_named() {
    let other = Instance::new("other");
    let instance = Instance::new("good");
    let (_, layer) = signed(&instance);
    let v = verify(&layer, &[other.trusted_root(), instance.trusted_root()]).expect("verifies");
    assert_eq!(v.root_index, 1);
}

#[test]
fn a_certificate_of_another_issuer_reports_that_issuer() {
    let instance = Instance::new("good");
    let now = testing::now();
    let mut spec = LeafSpec::github("acme/app", "release.yml", "refs/heads/main", now - 120);
    spec.issuer = "https://evil.example".into();
    spec.san = testing::San::Email("dev@evil.example".into());
    let leaf = instance.leaf(&spec, "leaf");
    let layer = instance.sign_image(REPO, &digest('a'), &leaf, now - 60);
    let v = verify(&layer, &[instance.trusted_root()]).expect("verifies");
    assert_eq!(v.issuer, "https://evil.example");
    assert_ne!(v.issuer, testing::GITHUB_ISSUER);
    assert_eq!(v.san, "dev@evil.example");
    assert_eq!(v.claims.san_kind, Some(crate::sigstore::SanKind::Email));
}

#[test]
fn a_certificate_expired_at_log_time_is_refused() {
    let instance = Instance::new("good");
    let now = testing::now();
    let spec = LeafSpec::github("acme/app", "release.yml", "refs/heads/main", now - 3600);
    let leaf = instance.leaf(&spec, "leaf");
    let layer = instance.sign_image(REPO, &digest('a'), &leaf, now - 60);
    let e = verify(&layer, &[instance.trusted_root()]).expect_err("expired");
    assert!(
        matches!(e, SigstoreError::CertificateExpired { .. }),
        "{e:?}"
    );
}

#[test]
fn a_set_by_an_unknown_log_is_refused() {
    let instance = Instance::new("good");
    let now = testing::now();
    let spec = LeafSpec::github("acme/app", "release.yml", "refs/heads/main", now - 120);
    let leaf = instance.leaf(&spec, "leaf");
    let rogue = testing::key("rogue rekor");
    let layer = instance.sign_image_logged_by(REPO, &digest('a'), &leaf, now - 60, &rogue);
    let e = verify(&layer, &[instance.trusted_root()]).expect_err("unknown log");
    assert!(matches!(e, SigstoreError::UnknownLog { .. }), "{e:?}");
}

#[test]
fn a_set_for_another_entry_is_refused() {
    let instance = Instance::new("good");
    let (leaf, layer) = signed(&instance);
    let other = instance.sign_image(REPO, &digest('b'), &leaf, testing::now() - 30);
    // This signature, with the log entry (and its valid SET) of another signature.
    let mut mixed = layer;
    mixed.annotations.insert(
        REKOR_BUNDLE_ANNOTATION.into(),
        other.annotations[REKOR_BUNDLE_ANNOTATION].clone(),
    );
    let e = verify(&mixed, &[instance.trusted_root()]).expect_err("another entry");
    assert!(matches!(e, SigstoreError::LogEntryMismatch { .. }), "{e:?}");
}

#[test]
fn a_set_over_another_time_is_refused() {
    let instance = Instance::new("good");
    let (_, layer) = signed(&instance);
    let mut forged = layer.clone();
    let mut rekor: serde_json::Value =
        serde_json::from_str(&layer.annotations[REKOR_BUNDLE_ANNOTATION]).expect("json");
    rekor["Payload"]["integratedTime"] = serde_json::json!(testing::now() - 90);
    forged
        .annotations
        .insert(REKOR_BUNDLE_ANNOTATION.into(), rekor.to_string());
    let e = verify(&forged, &[instance.trusted_root()]).expect_err("forged time");
    assert!(matches!(e, SigstoreError::InclusionPromise { .. }), "{e:?}");
}

#[test]
fn a_signature_copied_to_another_image_or_repository_is_refused() {
    let instance = Instance::new("good");
    let (_, layer) = signed(&instance);
    let roots = [instance.trusted_root()];
    let e = verify_keyless_sig(
        REPO,
        &digest('b'),
        &layer.annotations,
        &layer.payload,
        &roots,
    )
    .expect_err("another image");
    assert!(matches!(e, SigstoreError::WrongImage { .. }), "{e:?}");
    let e = verify_keyless_sig(
        "registry.example/evil/app",
        &digest('a'),
        &layer.annotations,
        &layer.payload,
        &roots,
    )
    .expect_err("another repository");
    assert!(matches!(e, SigstoreError::WrongRepository { .. }), "{e:?}");
    assert!(e.to_string().contains("copied"), "{e}");
}

#[test]
fn a_chain_to_an_untrusted_ca_is_refused() {
    let trusted = Instance::new("good");
    let rogue = Instance::new("rogue");
    // The rogue CA's leaf and chain, logged by the trusted log: only the CA is untrusted.
    let now = testing::now();
    let spec = LeafSpec::github("acme/app", "release.yml", "refs/heads/main", now - 120);
    let mut layer = trusted.sign_image(REPO, &digest('a'), &rogue.leaf(&spec, "leaf"), now - 60);
    layer
        .annotations
        .insert(CHAIN_ANNOTATION.into(), rogue.chain_pem());
    let e = verify(&layer, &[trusted.trusted_root()]).expect_err("untrusted CA");
    assert!(matches!(e, SigstoreError::UntrustedChain { .. }), "{e:?}");
}

#[test]
fn a_trust_root_entry_outside_its_validity_window_is_refused() {
    let now = testing::now();
    let ended = (now - 86_400 - 3600, now - 3600);
    let current = (now - 86_400, now + 86_400);
    // The CA was trusted for a day that ended an hour ago; the logs still are.
    let ca = Instance::with_windows("old ca", ended, current);
    let (_, layer) = signed(&ca);
    let e = verify(&layer, &[ca.trusted_root()]).expect_err("CA outside its window");
    assert!(matches!(e, SigstoreError::NoValidAuthority { .. }), "{e:?}");
    // The log was trusted for a day that ended an hour ago; the CA still is.
    let log = Instance::with_windows("old log", current, ended);
    let (_, layer) = signed(&log);
    let e = verify(&layer, &[log.trusted_root()]).expect_err("log outside its window");
    assert!(
        matches!(e, SigstoreError::LogOutsideValidity { .. }),
        "{e:?}"
    );
}

#[test]
fn missing_or_malformed_annotations_are_named() {
    let instance = Instance::new("good");
    let (_, layer) = signed(&instance);
    let roots = [instance.trusted_root()];
    for name in [CERTIFICATE_ANNOTATION, REKOR_BUNDLE_ANNOTATION] {
        let mut l = layer.clone();
        l.annotations.remove(name);
        let e = verify(&l, &roots).expect_err(name);
        assert_eq!(e, SigstoreError::AnnotationMissing { name: name.into() });
        l.annotations.insert(name.into(), "{not json".into());
        let e = verify(&l, &roots).expect_err(name);
        assert!(
            matches!(&e, SigstoreError::AnnotationMalformed { name: n, .. } if n == name),
            "{e:?}"
        );
    }
}

#[test]
fn a_signature_over_another_payload_is_refused() {
    let instance = Instance::new("good");
    let (_, layer) = signed(&instance);
    let mut l = layer;
    l.payload = crate::cosign::simple_signing_payload(
        REPO,
        &digest('a'),
        &[("tampered".to_string(), "yes".to_string())].into(),
        time::OffsetDateTime::now_utc(),
    )
    .expect("payload");
    let e = verify(&l, &[instance.trusted_root()]).expect_err("tampered payload");
    assert!(
        matches!(
            e,
            SigstoreError::LogEntryMismatch { .. } | SigstoreError::SignatureInvalid { .. }
        ),
        "{e:?}"
    );
}

#[test]
fn an_sct_from_an_unknown_ct_log_is_refused() {
    let instance = Instance::new("good");
    let (_, layer) = signed(&instance);
    // The same instance, but its trusted root lists another CT log key.
    let mut root: serde_json::Value =
        serde_json::from_str(&instance.trusted_root_json()).expect("json");
    let other = Instance::new("other");
    let other_root: serde_json::Value =
        serde_json::from_str(&other.trusted_root_json()).expect("json");
    root["ctlogs"] = other_root["ctlogs"].clone();
    let root = TrustedRoot::from_json(&root.to_string()).expect("root");
    let e = verify(&layer, &[root]).expect_err("unknown CT log");
    assert!(matches!(e, SigstoreError::Sct { .. }), "{e:?}");
}

/// A cosign 3 style bundle of this image's signature statement, logged a minute ago.
fn bundle(instance: &Instance, repo: &str, d: &str) -> String {
    let now = testing::now();
    let spec = LeafSpec::github("acme/app", "release.yml", "refs/heads/main", now - 120);
    let leaf = instance.leaf(&spec, "leaf");
    instance.sign_image_bundle(repo, d, &leaf, now - 60, b"another entry")
}

#[test]
fn a_keyless_bundle_of_the_image_verifies_with_its_inclusion_proof() {
    let instance = Instance::new("good");
    let json = bundle(&instance, REPO, &digest('a'));
    let v = verify_keyless_bundle(REPO, &digest('a'), &json, &[instance.trusted_root()])
        .expect("verifies");
    assert_eq!(v.issuer, testing::GITHUB_ISSUER);
    assert_eq!(v.log.expect("logged").index, 1);
    assert_eq!(v.time_source, TimeSource::TransparencyLog);
}

#[test]
fn a_bundle_copied_to_another_image_or_repository_is_refused() {
    let instance = Instance::new("good");
    let roots = [instance.trusted_root()];
    let json = bundle(&instance, REPO, &digest('a'));
    let e = verify_keyless_bundle(REPO, &digest('b'), &json, &roots).expect_err("another image");
    assert!(matches!(e, SigstoreError::WrongImage { .. }), "{e:?}");
    let e = verify_keyless_bundle("registry.example/evil/app", &digest('a'), &json, &roots)
        .expect_err("another repository");
    assert!(matches!(e, SigstoreError::WrongRepository { .. }), "{e:?}");
}

#[test]
fn an_inclusion_proof_for_another_entry_is_refused() {
    let instance = Instance::new("good");
    let ours: serde_json::Value =
        serde_json::from_str(&bundle(&instance, REPO, &digest('a'))).expect("json");
    let theirs: serde_json::Value =
        serde_json::from_str(&bundle(&instance, REPO, &digest('b'))).expect("json");
    let mut mixed = ours;
    mixed["verificationMaterial"]["tlogEntries"][0]["inclusionProof"] =
        theirs["verificationMaterial"]["tlogEntries"][0]["inclusionProof"].clone();
    let e = verify_keyless_bundle(
        REPO,
        &digest('a'),
        &mixed.to_string(),
        &[instance.trusted_root()],
    )
    .expect_err("another entry's proof");
    assert!(matches!(e, SigstoreError::InclusionProof { .. }), "{e:?}");
}

#[test]
fn a_checkpoint_signed_by_an_unknown_log_is_refused() {
    let instance = Instance::new("good");
    let rogue = Instance::new("rogue");
    let mut b: serde_json::Value =
        serde_json::from_str(&bundle(&instance, REPO, &digest('a'))).expect("json");
    let proof = &mut b["verificationMaterial"]["tlogEntries"][0]["inclusionProof"];
    let root: [u8; 32] = base64::engine::general_purpose::STANDARD
        .decode(proof["rootHash"].as_str().expect("root"))
        .expect("b64")
        .try_into()
        .expect("32 bytes");
    proof["checkpoint"]["envelope"] = rogue.checkpoint(2, &root).into();
    let e = verify_keyless_bundle(
        REPO,
        &digest('a'),
        &b.to_string(),
        &[instance.trusted_root()],
    )
    .expect_err("rogue checkpoint");
    assert!(matches!(e, SigstoreError::Checkpoint { .. }), "{e:?}");
}

#[test]
fn an_attestation_bundle_is_not_an_image_signature() {
    let instance = Instance::new("good");
    // The statement re-labelled as provenance (the signature no longer matches, but the kind of
    // statement is decided first).
    let mut b: serde_json::Value =
        serde_json::from_str(&bundle(&instance, REPO, &digest('a'))).expect("json");
    let payload = base64::engine::general_purpose::STANDARD
        .decode(b["dsseEnvelope"]["payload"].as_str().expect("payload"))
        .expect("b64");
    let statement = String::from_utf8(payload).expect("utf8").replace(
        crate::cosign::COSIGN_SIGN_PREDICATE,
        "https://slsa.dev/provenance/v1",
    );
    b["dsseEnvelope"]["payload"] = base64::engine::general_purpose::STANDARD
        .encode(statement)
        .into();
    let e = verify_keyless_bundle(
        REPO,
        &digest('a'),
        &b.to_string(),
        &[instance.trusted_root()],
    )
    .expect_err("an attestation");
    assert!(
        matches!(e, SigstoreError::NotAnImageSignature { .. }),
        "{e:?}"
    );
}

#[test]
fn an_rfc3161_timestamp_from_the_trusted_tsa_is_a_second_time_source() {
    let instance = Instance::new("good");
    let (_, layer) = signed(&instance);
    let stamped = instance.with_timestamp(layer.clone(), testing::now() - 55);
    let v = verify(&stamped, &[instance.trusted_root()]).expect("verifies");
    assert_eq!(v.time_source, TimeSource::Both);

    // The same layer stamped by a TSA the root does not list.
    let rogue = Instance::new("rogue");
    let stamped = rogue.with_timestamp(layer, testing::now() - 55);
    let e = verify(&stamped, &[instance.trusted_root()]).expect_err("untrusted TSA");
    assert!(matches!(e, SigstoreError::TimestampInvalid { .. }), "{e:?}");
}

/// A message-signature bundle signs a digest alone: whatever it verifies against, it cannot
/// show the repository it was made for, so it is never an image signature here.
#[test]
fn a_message_signature_bundle_is_refused_as_unbound_to_a_repository() {
    let json = include_str!(
        "../../../../cli/tests/data/sigstore-conformance/happy-path-v0.3/bundle.sigstore.json"
    );
    let e = verify_keyless_bundle(
        REPO,
        &digest('a'),
        json,
        &[TrustedRoot::production().expect("root")],
    )
    .expect_err("a message signature");
    assert_eq!(e, SigstoreError::RepositoryNotSigned);
}

/// Another branch of the same workflow verifies too: the claims name the branch, for the
/// identity matcher to refuse what it does not trust.
#[test]
fn the_claims_name_the_branch_and_workflow_for_the_identity_matcher() {
    let instance = Instance::new("good");
    let now = testing::now();
    let spec = LeafSpec::github("acme/app", "release.yml", "refs/heads/dev", now - 120);
    let leaf = instance.leaf(&spec, "leaf");
    let layer = instance.sign_image(REPO, &digest('a'), &leaf, now - 60);
    let v = verify(&layer, &[instance.trusted_root()]).expect("verifies");
    assert_eq!(
        v.claims.extensions[testing::OID_SOURCE_REPOSITORY_REF],
        "refs/heads/dev"
    );
    assert_eq!(
        v.claims.build_config_uri.as_deref(),
        Some("https://github.com/acme/app/.github/workflows/release.yml@refs/heads/dev")
    );
    assert!(v.san.ends_with("@refs/heads/dev"), "{}", v.san);
}
