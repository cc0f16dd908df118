//! Parsing, SLSA mapping and every verification rule, with freshly generated keys.

use serde_json::{json, Value};
use time::Duration;

use super::attest::{envelope, statement};
use super::dsse::{parse_envelope, parse_statement};
use super::*;
use crate::keys::{Algorithm, PrivateKey};
use crate::test_support::{
    acme_only, b64, digest, now, set, slsa_v02_predicate, slsa_v1_predicate, trusted, REPO,
};
use crate::trust::{KeyStatus, TrustSet};
use crate::verify::{Check, CheckName, Outcome, SignatureReport, Status, Verdict};

fn key() -> PrivateKey {
    PrivateKey::generate(Algorithm::EcdsaP256).expect("generate")
}

fn signed_att(
    k: &PrivateKey,
    subject_digest: &str,
    predicate_type: &str,
    predicate: &Value,
) -> Fetched {
    let body = statement(
        REPO,
        subject_digest,
        &serde_json::to_vec(predicate).expect("json"),
        predicate_type,
    )
    .expect("statement");
    Fetched {
        origin: Origin::CosignTag {
            tag: "sha256-a.att".into(),
        },
        annotated_predicate_type: Some(predicate_type.into()),
        evidence: Evidence::EnvelopeBytes(envelope(&body, k)),
    }
}

/// `k`'s attestation of the shared SLSA v0.2 predicate about `subject_digest`.
fn slsa02_att(k: &PrivateKey, subject_digest: &str) -> Fetched {
    signed_att(k, subject_digest, SLSA_V02, &slsa_v02_predicate())
}

fn assess(f: Fetched, trust: &TrustSet) -> Attestation {
    assess_in(f, trust, &[], None)
}

/// [`assess_all`] of `f` alone for the image `REPO@digest('a')` with `platforms` and `cover`.
fn assess_in(
    f: Fetched,
    trust: &TrustSet,
    platforms: &[String],
    cover: Option<&ImageCover>,
) -> Attestation {
    let mut out = assess_all(&[f], trust, REPO, &digest('a'), platforms, cover, now());
    assert_eq!(out.len(), 1, "never dropped");
    out.remove(0)
}

// --- parsing --------------------------------------------------------------------------------

#[test]
fn envelopes_refuse_bad_json_bad_base64_no_signature_and_oversize() {
    assert!(matches!(
        parse_envelope(b"{not json"),
        Err(DsseError::EnvelopeJson(_))
    ));
    assert!(matches!(
        parse_envelope(br#"{"payloadType":"x","payload":"***","signatures":[{"sig":"AA=="}]}"#),
        Err(DsseError::PayloadBase64)
    ));
    assert!(matches!(
        parse_envelope(br#"{"payloadType":"x","payload":"e30=","signatures":[]}"#),
        Err(DsseError::NoSignature)
    ));
    let big = vec![b' '; (MAX_ATTESTATION_BYTES + 1) as usize];
    assert!(matches!(
        parse_envelope(&big),
        Err(DsseError::TooLarge { .. })
    ));
    let many: Vec<Value> = (0..MAX_ENVELOPE_SIGNATURES + 1)
        .map(|_| json!({"sig": "AA=="}))
        .collect();
    let e = serde_json::to_vec(&json!({"payloadType": "x", "payload": "e30=", "signatures": many}))
        .expect("json");
    assert!(matches!(
        parse_envelope(&e),
        Err(DsseError::TooManySignatures { .. })
    ));
    let ok = parse_envelope(
        br#"{"payloadType":"application/vnd.in-toto+json","payload":"e30=","signatures":[{"keyid":"k1","sig":"AA=="}]}"#,
    )
    .expect("envelope");
    assert_eq!(ok.payload, b"{}");
    assert_eq!(ok.signatures[0].keyid, "k1");
}

#[test]
fn statements_v01_and_v1_are_read_and_others_refused() {
    for t in [STATEMENT_V01, STATEMENT_V1] {
        let s = parse_statement(
            json!({"_type": t, "predicateType": SLSA_V1, "subject": [{"name": "x", "digest": {"sha256": "AB"}}], "predicate": {}})
                .to_string()
                .as_bytes(),
        )
        .expect("statement");
        assert_eq!(s.statement_type, t);
        assert_eq!(
            s.subjects[0].digest.get("sha256").map(String::as_str),
            Some("ab")
        );
    }
    let bad = json!({"_type": "https://example.com/Other", "predicateType": "x", "subject": [{"name": "x", "digest": {}}]});
    assert!(matches!(
        parse_statement(bad.to_string().as_bytes()),
        Err(DsseError::StatementType(_))
    ));
    let nosub = json!({"_type": STATEMENT_V1, "predicateType": "x", "subject": []});
    assert!(matches!(
        parse_statement(nosub.to_string().as_bytes()),
        Err(DsseError::NoSubject)
    ));
    assert!(matches!(
        parse_statement(b"[1,2]"),
        Err(DsseError::StatementJson(_))
    ));
}

/// Maps `predicate` and compares the whole model, field by field, with the checked-in
/// `tests/fixtures/slsa/<expected>-provenance.json`.
fn assert_maps_to(predicate_type: &str, predicate: &Value, expected: &str) -> BuildProvenance {
    let path = format!(
        "{}/tests/fixtures/slsa/{expected}-provenance.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).expect("expected model file");
    let want: BuildProvenance = serde_json::from_str(&text).expect("expected model");
    let p = slsa::from_predicate(predicate_type, predicate);
    assert_eq!(p, want);
    p
}

/// The invocation id mapped from `predicate` once `edit` has rewritten it.
fn invocation_id_after(
    predicate_type: &str,
    mut predicate: Value,
    edit: impl FnOnce(&mut Value),
) -> Option<String> {
    edit(&mut predicate);
    slsa::from_predicate(predicate_type, &predicate).invocation_id
}

#[test]
fn slsa_v02_maps_to_the_model() {
    // Version, builder, build type, git source and commit, entry point, times, invocation id.
    let p = assert_maps_to(SLSA_V02, &slsa_v02_predicate(), "v02");
    assert_eq!(p.materials.len(), 2);

    // cosign re-serialises v0.2 predicates through in-toto-golang, which writes `buildInvocationID`.
    let id = invocation_id_after(SLSA_V02, slsa_v02_predicate(), |p| {
        p["metadata"] = json!({"buildInvocationID": "run-43"});
    });
    assert_eq!(id.as_deref(), Some("run-43"));
}

#[test]
fn slsa_v1_maps_to_the_model_with_the_revision_from_resolved_dependencies() {
    // The revision comes from the git entry of the resolved dependencies; the builder version
    // from `runDetails.builder.version`.
    let p = assert_maps_to(SLSA_V1, &slsa_v1_predicate(), "v1");
    assert_eq!(p.materials.len(), 1);

    let id = invocation_id_after(SLSA_V1, slsa_v1_predicate(), |p| {
        p["runDetails"]["metadata"] = json!({"invocationID": "run-9"});
    });
    assert_eq!(id.as_deref(), Some("run-9"));
}

#[test]
fn buildkit_v02_provenance_reads_the_moby_vcs_metadata() {
    let p = json!({"builder": {"id": ""}, "buildType": "https://mobyproject.org/buildkit@v1",
        "invocation": {"configSource": {"entryPoint": "Dockerfile"}},
        "metadata": {"https://mobyproject.org/buildkit@v1#metadata": {"vcs": {
            "source": "https://github.com/acme/app.git", "revision": "abc123"}}}});
    let m = slsa::from_predicate(SLSA_V02, &p);
    assert_eq!(
        m.source_uri.as_deref(),
        Some("https://github.com/acme/app.git")
    );
    assert_eq!(m.source_revision.as_deref(), Some("abc123"));
    assert_eq!(m.entry_point.as_deref(), Some("Dockerfile"));
    assert_eq!(m.builder_id, None, "an empty builder id is no builder id");
}

#[test]
fn other_predicates_map_to_the_empty_model() {
    let p = slsa::from_predicate(
        "https://spdx.dev/Document",
        &json!({"spdxVersion": "SPDX-2.3"}),
    );
    assert_eq!(p, BuildProvenance::default());
}

// --- verification ---------------------------------------------------------------------------

#[test]
fn a_trusted_slsa_attestation_is_verified_with_builder_and_source() {
    let k = key();
    let trust = acme_only(&k);
    let a = assess(slsa02_att(&k, &digest('a')), &trust);
    assert!(a.verified, "{a:?}");
    assert_eq!(
        a.signer.as_deref(),
        Some(k.public_key().fingerprint().as_str())
    );
    assert_eq!(a.publisher.as_deref(), Some("acme"));
    assert_eq!(a.predicate_type, SLSA_V02);
    assert_eq!(a.protection, Protection::Dsse);
    assert_eq!(a.cause, None);
    assert_eq!(
        a.provenance.builder_id.as_deref(),
        Some("https://github.com/acme/builder@v1")
    );

    let v1 = assess(
        signed_att(&k, &digest('a'), SLSA_V1, &slsa_v1_predicate()),
        &trust,
    );
    assert!(v1.verified, "{v1:?}");
    assert_eq!(
        v1.provenance.source_uri.as_deref(),
        Some("https://github.com/acme/app")
    );

    let ed = PrivateKey::generate(Algorithm::Ed25519).expect("ed25519");
    let trust = set(vec![trusted(&ed, "ed", &[])]);
    assert!(assess(slsa02_att(&ed, &digest('a')), &trust).verified);
}

#[test]
fn a_tampered_payload_is_unverified_and_still_shown() {
    let k = key();
    let trust = acme_only(&k);
    let f = slsa02_att(&k, &digest('a'));
    let Evidence::EnvelopeBytes(bytes) = &f.evidence else {
        panic!("envelope")
    };
    let mut env: Value = serde_json::from_slice(bytes).expect("json");
    let payload = parse_envelope(bytes).expect("env").payload;
    let tampered = String::from_utf8(payload)
        .expect("utf8")
        .replace("acme/builder", "evil/builder");
    env["payload"] = Value::String(b64(tampered.as_bytes()));
    let a = assess(
        Fetched {
            evidence: Evidence::EnvelopeBytes(serde_json::to_vec(&env).expect("json")),
            ..f
        },
        &trust,
    );
    assert!(!a.verified);
    assert_eq!(a.signer, None);
    assert_eq!(a.cause, Some(Problem::NoTrustedKey { trusted_keys: 1 }));
    // Shown, marked unverified: the claim is visible but not trusted.
    assert_eq!(
        a.provenance.builder_id.as_deref(),
        Some("https://github.com/evil/builder@v1")
    );
}

#[test]
fn a_wrong_subject_is_unverified() {
    let k = key();
    let trust = acme_only(&k);
    let a = assess(slsa02_att(&k, &digest('b')), &trust);
    assert!(!a.verified);
    assert_eq!(
        a.cause,
        Some(Problem::WrongSubject {
            subjects: vec![digest('b')],
            expected: digest('a')
        })
    );
    assert_eq!(
        a.signer.as_deref(),
        Some(k.public_key().fingerprint().as_str())
    );
}

#[test]
fn an_untrusted_signer_is_unverified() {
    let k = key();
    let stranger = key();
    let trust = acme_only(&k);
    let a = assess(slsa02_att(&stranger, &digest('a')), &trust);
    assert!(!a.verified);
    assert_eq!(a.signer, None);
    assert_eq!(a.cause, Some(Problem::NoTrustedKey { trusted_keys: 1 }));
}

#[test]
fn revoked_expired_and_out_of_scope_keys_do_not_vouch() {
    let k = key();
    let mut revoked = trusted(&k, "acme", &[]);
    revoked.status = KeyStatus::Revoked;
    revoked.revoked_reason = Some("leaked".into());
    let a = assess(slsa02_att(&k, &digest('a')), &set(vec![revoked]));
    assert!(!a.verified);
    assert!(
        matches!(&a.cause, Some(Problem::Revoked { reason: Some(r), .. }) if r == "leaked"),
        "{:?}",
        a.cause
    );

    let mut expired = trusted(&k, "acme", &[]);
    expired.expires_at = Some(now() - Duration::days(1));
    let a = assess(slsa02_att(&k, &digest('a')), &set(vec![expired]));
    assert!(!a.verified);
    assert!(
        matches!(&a.cause, Some(Problem::Expired { expired_at, .. }) if *expired_at == now() - Duration::days(1)),
        "{:?}",
        a.cause
    );

    let scoped = trusted(&k, "acme", &["ghcr.io/acme/**"]);
    let a = assess(slsa02_att(&k, &digest('a')), &set(vec![scoped]));
    assert!(!a.verified);
    assert!(
        matches!(&a.cause, Some(Problem::OutOfScope { scopes, repository, .. })
            if scopes == &["ghcr.io/acme/**"] && repository == REPO),
        "{:?}",
        a.cause
    );
}

#[test]
fn keyid_is_only_a_hint() {
    let k = key();
    let other = key();
    let trust = acme_only(&k);
    let body = statement(REPO, &digest('a'), br#"{"x":1}"#, "https://example.com/p").expect("s");
    let mut env: Value = serde_json::from_slice(&envelope(&body, &k)).expect("json");
    // A keyid naming another key changes nothing.
    env["signatures"][0]["keyid"] = Value::String(other.public_key().fingerprint());
    let a = assess(
        Fetched {
            origin: Origin::Referrer {
                digest: digest('r'),
            },
            annotated_predicate_type: None,
            evidence: Evidence::EnvelopeBytes(serde_json::to_vec(&env).expect("json")),
        },
        &trust,
    );
    assert!(a.verified, "{a:?}");
    assert_eq!(a.key_hints, vec![other.public_key().fingerprint()]);
    assert_eq!(a.predicate_type, "https://example.com/p");
    assert_eq!(a.provenance, BuildProvenance::default());
}

#[test]
fn malformed_envelopes_and_payloads_are_unverified_with_a_reason() {
    let k = key();
    let trust = acme_only(&k);
    let origin = Origin::CosignTag { tag: "t".into() };
    let cases: Vec<Evidence> = vec![
        Evidence::EnvelopeBytes(b"{\"payloadType\":".to_vec()),
        Evidence::EnvelopeBytes(
            br#"{"payloadType":"application/vnd.in-toto+json","payload":"e30=","signatures":[{"sig":"!!"}]}"#.to_vec(),
        ),
        Evidence::Broken("the registry lost it".into()),
    ];
    for evidence in cases {
        let a = assess(
            Fetched {
                origin: origin.clone(),
                annotated_predicate_type: Some(SLSA_V02.into()),
                evidence,
            },
            &trust,
        );
        assert!(!a.verified);
        assert!(
            matches!(a.cause, Some(Problem::Broken { .. })),
            "{:?}",
            a.cause
        );
        assert_eq!(
            a.predicate_type, SLSA_V02,
            "the annotation is shown when nothing else is"
        );
    }

    // Signed by a trusted key, but the payload is not an in-toto statement.
    let payload = br#"{"hello":"world"}"#;
    let sealed = |payload_type: &str| Fetched {
        origin: origin.clone(),
        annotated_predicate_type: None,
        evidence: Evidence::EnvelopeBytes(crate::dsse::seal(payload_type, payload, &k)),
    };
    let a = assess(sealed(IN_TOTO_PAYLOAD_TYPE), &trust);
    assert!(!a.verified);
    assert!(
        matches!(a.cause, Some(Problem::BadStatement { .. })),
        "{:?}",
        a.cause
    );

    // Signed, but another payload type.
    let a = assess(sealed("text/plain"), &trust);
    assert!(!a.verified);
    assert!(
        matches!(&a.cause, Some(Problem::BadStatement { detail }) if detail.contains("`text/plain`")),
        "{:?}",
        a.cause
    );
}

fn buildkit_statement(for_digest: &str) -> Vec<u8> {
    let hex = for_digest.trim_start_matches("sha256:");
    json!({"_type": STATEMENT_V01, "predicateType": SLSA_V02,
           "subject": [{"name": "pkg:docker/acme/app@v1?platform=linux%2Famd64", "digest": {"sha256": hex}}],
           "predicate": slsa_v02_predicate()})
    .to_string()
    .into_bytes()
}

#[test]
fn buildkit_statements_are_unsigned_unless_the_index_signature_covers_them() {
    let plat = digest('p');
    let f = Fetched {
        origin: Origin::Buildkit {
            manifest: digest('m'),
            for_digest: Some(plat.clone()),
        },
        annotated_predicate_type: Some(SLSA_V02.into()),
        evidence: Evidence::UnsignedStatement(buildkit_statement(&plat)),
    };
    let trust = set(vec![]);
    let platforms = vec![plat];
    let a = assess_in(f.clone(), &trust, &platforms, None);
    assert!(!a.verified);
    assert_eq!(a.protection, Protection::None);
    assert!(a.reason.starts_with("unsigned"), "{}", a.reason);
    assert_eq!(
        a.provenance.builder_id.as_deref(),
        Some("https://github.com/acme/builder@v1")
    );

    let cover = ImageCover {
        fingerprint: digest('f'),
        publisher: "acme".into(),
    };
    let a = assess_in(f.clone(), &trust, &platforms, Some(&cover));
    assert!(a.verified, "{a:?}");
    assert_eq!(a.protection, Protection::ImageSignature);
    assert_eq!(a.signer, Some(digest('f')));

    // Describing a manifest that is not a platform of this index: never verified.
    let a = assess_in(f, &trust, &[digest('q')], Some(&cover));
    assert!(!a.verified);
    assert!(
        matches!(
            a.cause,
            Some(Problem::UnknownPlatform {
                for_digest: Some(_)
            })
        ),
        "{:?}",
        a.cause
    );
}

// --- graph, metadata, publisher helpers ------------------------------------------------------

fn verdict(status: Status) -> Verdict {
    Verdict {
        reference: format!("{REPO}:v1"),
        repository: Some(REPO.into()),
        digest: Some(digest('a')),
        status,
        reason: "test".into(),
        cause: None,
        enforced: true,
        checks: vec![Check {
            name: CheckName::Digest,
            outcome: Outcome::Passed,
            detail: String::new(),
        }],
        signatures: vec![SignatureReport {
            fingerprint: Some(digest('f')),
            publisher: Some("acme".into()),
            valid: true,
            problem: None,
            cause: None,
            keyless: None,
        }],
        platforms: vec![],
        policy: None,
    }
}

#[test]
fn the_graph_links_image_signatures_keys_publishers_and_provenance() {
    let k = key();
    let fp = k.public_key().fingerprint();
    let trust = acme_only(&k);
    let atts = assess_all(
        &[slsa02_att(&k, &digest('a'))],
        &trust,
        REPO,
        &digest('a'),
        &[],
        None,
        now(),
    );
    let g = ProvenanceGraph::build(&verdict(Status::Verified), None, &atts);
    let has_edge = |from: &str, to: &str, kind: EdgeKind| {
        g.edges
            .iter()
            .any(|e| e.from == from && e.to == to && e.kind == kind)
    };
    let d = format!("digest:{}", digest('a'));
    assert!(has_edge("image", &d, EdgeKind::ResolvesTo));
    assert!(has_edge(&d, "signature:0", EdgeKind::SignedBy));
    let sig_key = format!("key:{}", digest('f'));
    assert!(has_edge("signature:0", &sig_key, EdgeKind::VerifiedWith));
    assert!(has_edge(&sig_key, "publisher:acme", EdgeKind::BelongsTo));
    assert!(has_edge(&d, "attestation:0", EdgeKind::AttestedBy));
    assert!(has_edge(
        "attestation:0",
        &format!("key:{fp}"),
        EdgeKind::VerifiedWith
    ));
    let builder = "builder:https://github.com/acme/builder@v1";
    assert!(has_edge("attestation:0", builder, EdgeKind::BuiltBy));
    let source = "source:git+https://github.com/acme/app@refs/heads/main@0123456789abcdef0123456789abcdef01234567";
    assert!(has_edge(builder, source, EdgeKind::BuiltFrom));
    assert!(g
        .edges
        .iter()
        .any(|e| e.from == source && e.kind == EdgeKind::DependsOn));
    assert_eq!(
        g.node_by_id("attestation:0").and_then(|n| n.mark),
        Some(Mark::Verified)
    );
    assert_eq!(
        g.node_by_id(builder).and_then(|n| n.mark),
        Some(Mark::Attested)
    );
    // One node per id.
    let mut ids: Vec<&str> = g.nodes.iter().map(|n| n.id.as_str()).collect();
    ids.sort_unstable();
    let before = ids.len();
    ids.dedup();
    assert_eq!(before, ids.len());
    // The JSON shape the app reads.
    let v = serde_json::to_value(&g).expect("json");
    assert_eq!(v["nodes"][0]["kind"], "image");
    assert!(v["edges"][0]["kind"].is_string());
}

#[test]
fn metadata_reads_labels_annotations_layers_size_and_history() {
    let manifest = json!({"layers": [{"size": 10}, {"size": 32}],
        "annotations": {"org.opencontainers.image.revision": "abc", "other": "x"}});
    let config = json!({"os": "linux", "architecture": "arm64", "variant": "v8",
        "created": "2026-01-01T00:00:00Z", "history": [{}, {}, {}],
        "config": {"Labels": {"org.opencontainers.image.source": "https://github.com/acme/app",
                              "org.opencontainers.image.revision": "old", "maintainer": "me"}}});
    let f = metadata::image_facts(&manifest, Some(&config));
    let m = ImageMetadata::for_image(None, &digest('a'), f);
    assert_eq!(m.layer_count, Some(2));
    assert_eq!(m.total_size, Some(42));
    assert_eq!(m.history_length, Some(3));
    assert_eq!(m.created.as_deref(), Some("2026-01-01T00:00:00Z"));
    assert_eq!(m.platforms[0].platform, "linux/arm64/v8");
    assert_eq!(
        m.oci.get("source").map(String::as_str),
        Some("https://github.com/acme/app")
    );
    assert_eq!(
        m.oci.get("revision").map(String::as_str),
        Some("abc"),
        "annotations win"
    );
    assert_eq!(m.labels.get("maintainer").map(String::as_str), Some("me"));
}

#[test]
fn predicate_type_names_follow_cosign() {
    assert_eq!(predicate_type_for("slsaprovenance").expect("t"), SLSA_V02);
    assert_eq!(predicate_type_for("slsaprovenance1").expect("t"), SLSA_V1);
    assert_eq!(
        predicate_type_for("https://example.com/custom/v1").expect("t"),
        "https://example.com/custom/v1"
    );
    assert!(predicate_type_for("nonsense").is_err());
    assert!(statement(REPO, &digest('a'), b"[1]", SLSA_V02).is_err());
    assert!(statement(REPO, &digest('a'), b"not json", SLSA_V02).is_err());
}

#[test]
fn statements_vouch_writes_name_the_repository_and_digest() {
    let s = statement(REPO, &digest('a'), br#"{"a":1}"#, SLSA_V02).expect("statement");
    let st = parse_statement(&s).expect("parse");
    assert_eq!(st.statement_type, STATEMENT_V01);
    assert_eq!(st.subjects[0].name, REPO);
    assert_eq!(
        st.subjects[0].digest.get("sha256").map(String::as_str),
        Some("a".repeat(64).as_str())
    );
}

/// The sentences attestation reasons always had (the tests above match typed causes).
#[test]
fn attestation_problems_read_as_before() {
    let wrong = Problem::WrongSubject {
        subjects: vec![digest('b')],
        expected: digest('a'),
    };
    assert_eq!(
        wrong.to_string(),
        "wrong subject: the statement is about sha256:bbbbbbbbbbbb…, not sha256:aaaaaaaaaaaa…; it was made for another image"
    );
    assert_eq!(
        Problem::UnknownPlatform { for_digest: None }.to_string(),
        "the attestation manifest does not say which platform manifest it describes"
    );
    assert_eq!(
        Problem::NotCovered { describes: digest('c') }.to_string(),
        "unsigned: a BuildKit attestation stored in the image index for sha256:cccccccccccc…, and no trusted signature covers it"
    );
    let k = key();
    let mut revoked = trusted(&k, "acme", &[]);
    revoked.status = KeyStatus::Revoked;
    revoked.revoked_reason = Some("leaked".into());
    let a = assess(slsa02_att(&k, &digest('a')), &set(vec![revoked.clone()]));
    assert_eq!(
        a.reason,
        format!(
            "signed, but the key {} was revoked (leaked)",
            revoked.label()
        )
    );
}
