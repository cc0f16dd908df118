//! Behaviours of bundle-verify cases of the public Sigstore conformance suite whose files are
//! not in the committed subset (only what each case tests is known), each shown on a committed
//! bundle with an edited trusted root or bundle, or on material minted by [`super::testing`].
//! Every test names the case it stands for. (The CLI-only case,
//! `managed-key-and-client-identity_fail`, is in `crates/cli/tests/conformance.rs`.)

use serde_json::Value;

use super::*;

/// The committed subset (crates/cli/tests/data, see PROVENANCE.md there).
const SUITE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../cli/tests/data/sigstore-conformance"
);
const IDENTITY: &str = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
const ISSUER: &str = "https://token.actions.githubusercontent.com";

/// `file` of the subset's folder `case` (`""`: the subset's own folder).
fn read(case: &str, file: &str) -> Vec<u8> {
    let path = format!("{SUITE}/{case}/{file}");
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn json(case: &str, file: &str) -> Value {
    serde_json::from_slice(&read(case, file)).expect("a JSON file")
}

/// The suite's default artifact.
fn a_txt() -> Vec<u8> {
    read("", "a.txt")
}

fn production_root() -> Value {
    serde_json::from_str(PRODUCTION_TRUSTED_ROOT_JSON).expect("the embedded root is JSON")
}

/// The suite's default signer.
fn suite_signer() -> Signer {
    let (identity, issuer) = (IDENTITY.to_owned(), ISSUER.to_owned());
    Signer::Identity { identity, issuer }
}

/// `bundle` verified over `artifact` for the suite's default signer against `root`.
fn check(bundle: &Value, root: &Value, artifact: Artifact<'_>) -> Result<Verified, SigstoreError> {
    let root = TrustedRoot::from_json(&root.to_string())?;
    verify(
        &Bundle::from_json(&bundle.to_string())?,
        artifact,
        &suite_signer(),
        &root,
    )
}

/// RFC 3339 `at` moved by `seconds` (its fraction of a second kept).
fn shifted(at: &str, seconds: i64) -> String {
    use time::format_description::well_known::Rfc3339;
    let t = time::OffsetDateTime::parse(at, &Rfc3339).expect("an RFC 3339 time");
    (t + time::Duration::seconds(seconds))
        .format(&Rfc3339)
        .expect("formats")
}

/// JSON pointers to the `validFor` of every trust-root entry of `root`, of each kind.
fn windows(root: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for (list, window_of) in [
        ("tlogs", "publicKey/validFor"),
        ("ctlogs", "publicKey/validFor"),
        ("certificateAuthorities", "validFor"),
        ("timestampAuthorities", "validFor"),
    ] {
        let entries = root[list].as_array().map_or(0, Vec::len);
        out.extend((0..entries).map(|i| format!("/{list}/{i}/{window_of}")));
    }
    out
}

/// `trust-root-tlog-missing-validity-start_fail`: a transparency log key whose `validFor` has
/// an end but no start is a malformed trusted root, never a key trusted since forever. The
/// same holds for every other kind of entry (CT log, Fulcio CA, TSA): `start` is required.
#[test]
fn a_validity_window_without_its_start_makes_the_trusted_root_malformed() {
    let bundle = json("happy-path-v0.3", "bundle.sigstore.json");
    check(&bundle, &production_root(), Artifact::Bytes(&a_txt()))
        .expect("the untouched root verifies the bundle");
    let windows = windows(&production_root());
    assert!(windows.len() >= 4, "{windows:?}");
    for at in &windows {
        let mut root = production_root();
        let window = root.pointer_mut(at).expect("every entry has a window");
        let start = window
            .as_object_mut()
            .expect("a TimeRange")
            .remove("start")
            .expect("every window of the production root has a start");
        window["end"] = start;
        let refused = check(&bundle, &root, Artifact::Bytes(&a_txt()));
        assert!(
            matches!(&refused, Err(SigstoreError::TrustedRootMalformed { reason }) if reason.contains("start")),
            "window {at} without its start: {refused:?}"
        );
    }
}

/// `trust-root-tlog-validity-end-inclusive`: a Rekor key whose validity ends exactly at the
/// entry's integrated time was valid then (a `TimeRange` is closed); one second earlier it was
/// not, and the refusal says that, as it says when the root does not list the log at all.
#[test]
fn a_log_key_is_trusted_up_to_and_including_the_end_of_its_window() {
    let bundle = json("happy-path-v0.3", "bundle.sigstore.json");
    let entry = &bundle["verificationMaterial"]["tlogEntries"][0];
    let integrated: i64 = entry["integratedTime"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("an integrated time");
    let at = super::testing::rfc3339(integrated);
    let with_end = |end: &str| {
        let mut root = production_root();
        let log = root["tlogs"]
            .as_array_mut()
            .expect("tlogs")
            .iter_mut()
            .find(|t| t["logId"] == entry["logId"])
            .expect("the entry's log is in the production root");
        log["publicKey"]["validFor"]["end"] = end.into();
        check(&bundle, &root, Artifact::Bytes(&a_txt()))
    };
    let verified = with_end(&at).expect("the end of the window is inside it");
    assert_eq!(verified.integrated_time.as_deref(), Some(at.as_str()));
    let refused = with_end(&shifted(&at, -1));
    let log_id = crate::dsse::decode_b64(entry["logId"]["keyId"].as_str().expect("a log id"))
        .map(hex::encode)
        .expect("base64");
    assert_eq!(
        refused,
        Err(SigstoreError::LogOutsideValidity {
            log_id: log_id.clone(),
            at
        })
    );
    // And a log the root does not list at all is named as unknown.
    let mut root = production_root();
    let tlogs = root["tlogs"].as_array_mut().expect("tlogs");
    tlogs.retain(|t| t["logId"] != entry["logId"]);
    let unknown = check(&bundle, &root, Artifact::Bytes(&a_txt()));
    assert_eq!(unknown, Err(SigstoreError::UnknownLog { log_id }));
}

/// The Rekor v2 case `rekor2-happy-path` (its only time is an RFC 3161 timestamp) with its
/// TSA's window edited by `edit`, and with `extra` TSA entries appended.
fn rekor2_with_tsa(
    edit: impl FnOnce(&mut Value),
    extra: &[Value],
) -> Result<Verified, SigstoreError> {
    let mut root = json("rekor2-happy-path", "trusted_root.json");
    let tsas = root["timestampAuthorities"].as_array_mut().expect("TSAs");
    assert_eq!(tsas.len(), 1, "the staging root has one TSA");
    edit(&mut tsas[0]["validFor"]);
    tsas.extend_from_slice(extra);
    check(
        &json("rekor2-happy-path", "bundle.sigstore.json"),
        &root,
        Artifact::Bytes(&a_txt()),
    )
}

/// The time the TSA signed in `rekor2-happy-path`, as the untouched case verifies it.
fn rekor2_timestamp() -> String {
    let verified = rekor2_with_tsa(|_| {}, &[]).expect("the untouched Rekor v2 case verifies");
    assert_eq!(
        verified.integrated_time, None,
        "Rekor v2: no integrated time"
    );
    let [at] = verified.verified_times.as_slice() else {
        panic!("one TSA time: {:?}", verified.verified_times);
    };
    at.clone()
}

/// `trust-root-tsa-validity-end-inclusive`: a timestamp exactly at the end of its TSA's
/// validity is inside it.
#[test]
fn a_tsa_is_trusted_up_to_and_including_the_end_of_its_window() {
    let at = rekor2_timestamp();
    rekor2_with_tsa(|w| w["end"] = at.as_str().into(), &[])
        .expect("a timestamp at the end of its TSA's window verifies");
}

/// `rekor2-timestamp-wrong-tsa-validity-borrow_fail`, and the plain case beside it: a timestamp
/// made after its TSA's window ended is refused, and another TSA entry whose window covers the
/// time does not lend it its window — neither one with no certificates (the case's own) nor a
/// real TSA with its chain (production's, which did not sign this timestamp).
#[test]
fn a_timestamp_after_its_tsa_window_is_refused_whoever_else_covers_it() {
    let at = rekor2_timestamp();
    let ended = |w: &mut Value| w["end"] = shifted(&at, -1).into();
    let covering =
        serde_json::json!({ "start": shifted(&at, -86_400), "end": shifted(&at, 86_400) });
    let outside = |e: &Result<Verified, SigstoreError>| matches!(e, Err(SigstoreError::TimestampInvalid { reason }) if reason.contains("outside the validity period of the authority that signed it"));

    let plain = rekor2_with_tsa(ended, &[]);
    assert!(outside(&plain), "{plain:?}");

    let mut real = production_root()["timestampAuthorities"][0].clone();
    real["validFor"] = covering.clone();
    let borrowed = rekor2_with_tsa(ended, &[real]);
    assert!(outside(&borrowed), "{borrowed:?}");

    let empty = serde_json::json!({
        "subject": { "organization": "example", "commonName": "no certificates" },
        "certChain": { "certificates": [] },
        "validFor": covering,
    });
    // Refused before any time is weighed: an authority without certificates makes the whole
    // trusted root unusable.
    let borrowed = rekor2_with_tsa(ended, &[empty]);
    assert!(
        matches!(&borrowed, Err(SigstoreError::TrustedRootUnusable { reason }) if reason.contains("empty certificate chain")),
        "{borrowed:?}"
    );
}

/// `sct-duplicate-intermediate-name`: a decoy CA prepended to the production root, whose
/// intermediate has the genuine intermediate's exact Subject DN but another key, changes
/// nothing: the SCT's issuer is the certificate the verified chain went through, not the first
/// one of that name.
#[test]
fn the_sct_issuer_is_the_verified_chains_not_a_same_named_decoy() {
    let bundle = json("happy-path-v0.3", "bundle.sigstore.json");
    let leaf = certificate(&bundle["verificationMaterial"]["certificate"]).expect("a leaf");
    let issuer = &leaf.tbs_certificate.issuer;
    let mut root = production_root();
    let cas = root["certificateAuthorities"].as_array_mut().expect("CAs");
    let genuine = cas
        .iter()
        .filter_map(|ca| certificate(&ca["certChain"]["certificates"][0]))
        .find(|cert| &cert.tbs_certificate.subject == issuer)
        .expect("the production root has the leaf's issuer");
    let decoy_ca = super::testing::decoy_authority("decoy", issuer);
    let decoy = certificate(&decoy_ca["certChain"]["certificates"][0]).expect("a decoy");
    assert_eq!(&decoy.tbs_certificate.subject, issuer);
    assert_ne!(
        decoy.tbs_certificate.subject_public_key_info,
        genuine.tbs_certificate.subject_public_key_info
    );
    cas.insert(0, decoy_ca);

    check(&bundle, &root, Artifact::Bytes(&a_txt()))
        .expect("the bundle verifies beside a same-named decoy intermediate");
}

/// The certificate of a `{"rawBytes": base64 DER}` object.
fn certificate(raw: &Value) -> Option<x509_cert::Certificate> {
    use x509_cert::der::Decode as _;
    let der = crate::dsse::decode_b64(raw["rawBytes"].as_str()?)?;
    x509_cert::Certificate::from_der(&der).ok()
}

/// `message-digest-mismatch_fail`: a message signature whose `messageDigest` is not the
/// artifact's SHA-256 is refused, whether the artifact is given whole, streamed, or as its
/// digest (the signature, log entry and certificate are untouched and would verify).
#[test]
fn a_message_digest_that_is_not_the_artifacts_is_refused() {
    use sha2::Digest as _;
    let mut bundle = json("happy-path-v0.3", "bundle.sigstore.json");
    let declared = &mut bundle["messageSignature"]["messageDigest"]["digest"];
    let other = sha2::Sha256::digest(b"another file");
    *declared = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, other).into();
    let a_txt = a_txt();
    let digest: [u8; 32] = sha2::Sha256::digest(&a_txt).into();
    let parsed = Bundle::from_json(&bundle.to_string()).expect("the edited bundle parses");
    let root = TrustedRoot::production().expect("root");
    for (how, refused) in [
        (
            "bytes",
            check(&bundle, &production_root(), Artifact::Bytes(&a_txt)),
        ),
        (
            "digest",
            check(&bundle, &production_root(), Artifact::Sha256(digest)),
        ),
        (
            "stream",
            verify_reader(&parsed, a_txt.as_slice(), &suite_signer(), &root),
        ),
    ] {
        assert!(
            matches!(&refused, Err(SigstoreError::ArtifactMismatch { reason }) if reason.contains("message digest")),
            "{how}: {refused:?}"
        );
    }
}

/// `dsse-mismatch-sig_fail`: a DSSE envelope whose signature is not over its payload (here a
/// well-formed ECDSA signature over something else) is refused as an invalid signature.
#[test]
fn a_dsse_signature_that_does_not_match_its_envelope_is_refused() {
    let case = "happy-path-intoto-in-dsse-v3";
    let mut bundle = json(case, "bundle.sigstore.json");
    check(&bundle, &production_root(), Artifact::Bytes(&a_txt()))
        .expect("the untouched DSSE bundle verifies");
    let other =
        json("happy-path-v0.3", "bundle.sigstore.json")["messageSignature"]["signature"].clone();
    let sig = &mut bundle["dsseEnvelope"]["signatures"][0]["sig"];
    assert_ne!(*sig, other);
    *sig = other;
    let refused = check(&bundle, &production_root(), Artifact::Bytes(&a_txt()));
    assert!(
        matches!(&refused, Err(SigstoreError::SignatureInvalid { .. })),
        "{refused:?}"
    );
}
