//! Every rule of [`evaluate`], with hand-built material and freshly generated keys.

use std::sync::Arc;

use time::Duration;

use super::*;
use crate::keys::{Algorithm, PrivateKey};
use crate::test_support::{acme_only, b64, digest, now, policy, set, trusted, REPO};
use crate::trust::{KeyStatus, Policy, PolicyMode, TrustSet};

fn key(alg: Algorithm) -> PrivateKey {
    PrivateKey::generate(alg).expect("generate")
}

fn simple_payload(repo: &str, d: &str) -> Vec<u8> {
    format!(
        r#"{{"critical":{{"identity":{{"docker-reference":"{repo}"}},"image":{{"docker-manifest-digest":"{d}"}},"type":"cosign container image signature"}},"optional":null}}"#
    )
    .into_bytes()
}

fn signed(k: &PrivateKey, repo: &str, d: &str) -> Found {
    let payload = simple_payload(repo, d);
    Found::SimpleSigning {
        source: Source::CosignTag,
        signature_b64: b64(&k.sign(&payload)),
        payload,
    }
}

/// `k`'s signature over the image under test (`REPO` at `digest('a')`).
fn signed_here(k: &PrivateKey) -> Found {
    signed(k, REPO, &digest('a'))
}

fn material(found: Vec<Found>) -> Material {
    Material {
        reference: format!("{REPO}:v1"),
        repository: REPO.into(),
        digest: digest('a'),
        digest_detail: "test".into(),
        found,
        sources: vec![],
        platforms: vec![],
    }
}

fn run(found: Vec<Found>, trust: &TrustSet) -> Verdict {
    evaluate(&material(found), trust, now())
}

/// The outcome of the check `name` in `v`, if `v` has that check.
fn outcome_of(v: &Verdict, name: CheckName) -> Option<Outcome> {
    v.checks.iter().find(|c| c.name == name).map(|c| c.outcome)
}

fn assert_every_check_passed_when_verified(v: &Verdict) {
    if v.status == Status::Verified {
        assert!(
            v.checks.iter().all(|c| c.outcome != Outcome::Failed),
            "verified with a failed check: {:?}",
            v.checks
        );
    }
}

#[test]
fn a_trusted_p256_signature_verifies() {
    let k = key(Algorithm::EcdsaP256);
    let v = run(vec![signed_here(&k)], &acme_only(&k));
    assert_eq!(v.status, Status::Verified, "{}", v.reason);
    assert!(v.enforced);
    assert_eq!(v.cause, None);
    assert_eq!(v.signatures.len(), 1);
    assert_eq!(v.signatures[0].cause, None);
    assert!(v.signatures[0].valid);
    assert_eq!(v.signatures[0].publisher.as_deref(), Some("acme"));
    assert_every_check_passed_when_verified(&v);
}

#[test]
fn a_trusted_ed25519_signature_with_tagged_identity_verifies() {
    let k = key(Algorithm::Ed25519);
    let v = run(
        vec![signed(&k, &format!("{REPO}:v1"), &digest('a'))],
        &set(vec![trusted(&k, "acme", &["127.0.0.1:5000/acme/**"])]),
    );
    assert_eq!(v.status, Status::Verified, "{}", v.reason);
}

#[test]
fn no_signature_is_unsigned() {
    let k = key(Algorithm::Ed25519);
    let v = run(vec![], &acme_only(&k));
    assert_eq!(v.status, Status::Unsigned);
    assert_eq!(
        v.cause,
        Some(Problem::NoSignatures {
            repository: REPO.into(),
            digest: digest('a')
        })
    );
    assert_eq!(
        outcome_of(&v, CheckName::SignaturesFound),
        Some(Outcome::Failed)
    );
}

#[test]
fn an_unknown_key_is_untrusted() {
    let stranger = key(Algorithm::EcdsaP256);
    let k = key(Algorithm::EcdsaP256);
    let v = run(vec![signed_here(&stranger)], &acme_only(&k));
    assert_eq!(v.status, Status::Untrusted);
    assert_eq!(v.signatures[0].fingerprint, None);
    assert!(!v.signatures[0].valid);
    assert_eq!(v.cause, Some(Problem::NoTrustedKey { trusted_keys: 1 }));
    assert_eq!(v.signatures[0].cause, v.cause);
}

#[test]
fn a_key_scoped_elsewhere_is_untrusted_and_says_where() {
    let k = key(Algorithm::EcdsaP256);
    let v = run(
        vec![signed_here(&k)],
        &set(vec![trusted(&k, "acme", &["ghcr.io/acme/**"])]),
    );
    assert_eq!(v.status, Status::Untrusted);
    assert_eq!(
        v.cause,
        Some(Problem::OutOfScope {
            key: KeyRef {
                fingerprint: k.public_key().fingerprint(),
                publisher: "acme".into()
            },
            scopes: vec!["ghcr.io/acme/**".into()],
            repository: REPO.into()
        })
    );
}

#[test]
fn a_revoked_key_is_untrusted() {
    let k = key(Algorithm::Ed25519);
    let mut t = trusted(&k, "acme", &[]);
    t.status = KeyStatus::Revoked;
    t.revoked_reason = Some("leaked".into());
    t.revoked_at = Some(now() - Duration::days(3));
    let v = run(vec![signed_here(&k)], &set(vec![t]));
    assert_eq!(v.status, Status::Untrusted);
    assert!(
        matches!(&v.cause, Some(Problem::Revoked { reason: Some(r), at: Some(at), .. })
            if r == "leaked" && *at == now() - Duration::days(3)),
        "{:?}",
        v.cause
    );
}

#[test]
fn an_expired_key_is_untrusted() {
    let k = key(Algorithm::Ed25519);
    let mut t = trusted(&k, "acme", &[]);
    t.expires_at = Some(now() - Duration::days(1));
    let v = run(vec![signed_here(&k)], &set(vec![t.clone()]));
    assert_eq!(v.status, Status::Untrusted);
    assert!(
        matches!(v.cause, Some(Problem::Expired { expired_at, checked_at, .. })
            if expired_at == now() - Duration::days(1) && checked_at == now()),
        "{:?}",
        v.cause
    );
    // Not yet expired: fine.
    t.expires_at = Some(now() + Duration::days(1));
    assert_eq!(
        run(vec![signed_here(&k)], &set(vec![t])).status,
        Status::Verified
    );
}

#[test]
fn a_signature_copied_from_another_repository_is_invalid() {
    let k = key(Algorithm::EcdsaP256);
    let v = run(
        vec![signed(&k, "127.0.0.1:5000/acme/other", &digest('a'))],
        &acme_only(&k),
    );
    assert_eq!(v.status, Status::Invalid);
    assert!(
        matches!(&v.cause, Some(Problem::WrongIdentity { signed_for, repository, .. })
            if signed_for == &["127.0.0.1:5000/acme/other"] && repository == REPO),
        "{:?}",
        v.cause
    );
    assert_eq!(outcome_of(&v, CheckName::Identity), Some(Outcome::Failed));
}

#[test]
fn a_signature_replayed_from_another_digest_is_invalid() {
    let k = key(Algorithm::EcdsaP256);
    let v = run(vec![signed(&k, REPO, &digest('b'))], &acme_only(&k));
    assert_eq!(v.status, Status::Invalid);
    assert!(
        matches!(&v.cause, Some(Problem::WrongDigest { signed_for, image, .. })
            if signed_for == &[digest('b')] && *image == digest('a')),
        "{:?}",
        v.cause
    );
}

#[test]
fn a_tampered_signature_or_payload_never_verifies() {
    let k = key(Algorithm::EcdsaP256);
    let trust = acme_only(&k);
    let payload = simple_payload(REPO, &digest('a'));
    let mut sig = k.sign(&payload);
    if let Some(last) = sig.last_mut() {
        *last ^= 1;
    }
    let v = run(
        vec![Found::SimpleSigning {
            source: Source::CosignTag,
            payload: payload.clone(),
            signature_b64: b64(&sig),
        }],
        &trust,
    );
    assert_eq!(v.status, Status::Untrusted, "{}", v.reason);
    assert_eq!(v.cause, Some(Problem::NoTrustedKey { trusted_keys: 1 }));
    let mut tampered = payload.clone();
    tampered.extend_from_slice(b" ");
    let v = run(
        vec![Found::SimpleSigning {
            source: Source::CosignTag,
            payload: tampered,
            signature_b64: b64(&k.sign(&payload)),
        }],
        &trust,
    );
    assert_eq!(v.status, Status::Untrusted, "{}", v.reason);
    let v = run(
        vec![Found::SimpleSigning {
            source: Source::CosignTag,
            payload,
            signature_b64: "%%% not base64".into(),
        }],
        &trust,
    );
    assert_eq!(v.status, Status::Invalid, "{}", v.reason);
    assert!(
        matches!(v.cause, Some(Problem::Broken { .. })),
        "{:?}",
        v.cause
    );
}

#[test]
fn a_malformed_payload_signed_by_a_trusted_key_is_invalid() {
    let k = key(Algorithm::Ed25519);
    let payload = b"{not json".to_vec();
    let v = run(
        vec![Found::SimpleSigning {
            source: Source::CosignTag,
            signature_b64: b64(&k.sign(&payload)),
            payload,
        }],
        &acme_only(&k),
    );
    assert_eq!(v.status, Status::Invalid);
    assert!(
        matches!(&v.cause, Some(Problem::BadPayload { key, .. }) if key.publisher == "acme"),
        "{:?}",
        v.cause
    );
}

#[test]
fn content_not_matching_its_digest_is_invalid() {
    let k = key(Algorithm::Ed25519);
    let v = run(
        vec![Found::Broken {
            source: Source::CosignTag,
            problem: "the registry served a blob whose bytes hash to something else".into(),
            invalid: true,
        }],
        &acme_only(&k),
    );
    assert_eq!(v.status, Status::Invalid);
    assert_eq!(
        v.cause,
        Some(Problem::Broken {
            detail: "the registry served a blob whose bytes hash to something else".into()
        })
    );
}

fn threshold_two() -> Vec<Policy> {
    vec![policy("127.0.0.1:5000/acme/**", PolicyMode::Enforce, 2)]
}

#[test]
fn a_threshold_counts_distinct_keys_not_signatures() {
    let k = key(Algorithm::Ed25519);
    let mut trust = acme_only(&k);
    trust.policies = threshold_two();
    let v = run(vec![signed_here(&k), signed_here(&k)], &trust);
    assert_eq!(v.status, Status::Untrusted, "{}", v.reason);
    assert!(
        matches!(&v.cause, Some(Problem::ThresholdNotMet { keys, required: 2, .. }) if keys.len() == 1),
        "{:?}",
        v.cause
    );
    assert_eq!(outcome_of(&v, CheckName::Policy), Some(Outcome::Failed));

    let k2 = key(Algorithm::EcdsaP256);
    trust.keys.push(trusted(&k2, "second", &[]));
    let v = run(vec![signed_here(&k), signed_here(&k2)], &trust);
    assert_eq!(v.status, Status::Verified, "{}", v.reason);
    assert_every_check_passed_when_verified(&v);
}

#[test]
fn a_zero_threshold_still_needs_one_key() {
    let k = key(Algorithm::Ed25519);
    let mut trust = acme_only(&k);
    trust.policies = vec![policy("**", PolicyMode::Enforce, 0)];
    assert_eq!(run(vec![], &trust).status, Status::Unsigned);
}

#[test]
fn warn_mode_reports_the_real_status_not_enforced() {
    let k = key(Algorithm::Ed25519);
    let mut trust = acme_only(&k);
    trust.policies = vec![policy("127.0.0.1:5000/**", PolicyMode::Warn, 1)];
    let v = run(vec![], &trust);
    assert_eq!(v.status, Status::Unsigned);
    assert!(!v.enforced);
    assert!(!v.blocks());
    assert_eq!(v.policy.as_ref().map(|p| p.mode), Some(PolicyMode::Warn));
}

#[test]
fn one_good_signature_among_bad_ones_verifies() {
    let k = key(Algorithm::Ed25519);
    let stranger = key(Algorithm::Ed25519);
    let v = run(
        vec![
            signed_here(&stranger),
            signed(&k, REPO, &digest('b')),
            signed_here(&k),
        ],
        &acme_only(&k),
    );
    assert_eq!(v.status, Status::Verified, "{}", v.reason);
    assert_eq!(v.signatures.iter().filter(|s| s.valid).count(), 1);
}

#[test]
fn a_key_whose_pem_does_not_match_its_fingerprint_never_vouches() {
    let k = key(Algorithm::Ed25519);
    let other = key(Algorithm::Ed25519);
    let mut t = trusted(&k, "acme", &[]);
    t.fingerprint = other.public_key().fingerprint();
    assert_eq!(
        run(vec![signed_here(&k)], &set(vec![t])).status,
        Status::Untrusted
    );
}

#[test]
fn notary_signatures_are_recognised_not_verified() {
    let v = run(
        vec![Found::Notary {
            source: Source::Referrer(digest('c')),
        }],
        &set(vec![]),
    );
    assert_eq!(v.status, Status::Untrusted);
    assert_eq!(v.cause, Some(Problem::Notary));
}

fn dsse(k: &PrivateKey, name: &str, d: &str, predicate: &str) -> Found {
    let hex = d.trim_start_matches("sha256:");
    let payload = format!(
        r#"{{"_type":"https://in-toto.io/Statement/v1","subject":[{{"name":"{name}","digest":{{"sha256":"{hex}"}}}}],"predicateType":"{predicate}","predicate":{{}}}}"#
    )
    .into_bytes();
    let pt = "application/vnd.in-toto+json";
    Found::Dsse {
        source: Source::Referrer(digest('d')),
        signature_b64: b64(&k.sign(&pae(pt, &payload))),
        payload_type: pt.into(),
        payload,
    }
}

#[test]
fn cosign_v3_dsse_bundles_count() {
    let k = key(Algorithm::EcdsaP256);
    let trust = acme_only(&k);
    let other_repo = "127.0.0.1:5000/x/y";
    let slsa = "https://slsa.dev/provenance/v1";
    for (name, d, predicate, expected) in [
        (REPO, digest('a'), COSIGN_SIGN_PREDICATE, Status::Verified),
        (REPO, digest('b'), COSIGN_SIGN_PREDICATE, Status::Invalid),
        (
            other_repo,
            digest('a'),
            COSIGN_SIGN_PREDICATE,
            Status::Invalid,
        ),
        (REPO, digest('a'), slsa, Status::Invalid),
    ] {
        let v = run(vec![dsse(&k, name, &d, predicate)], &trust);
        assert_eq!(v.status, expected, "{name}@{d} {predicate}: {}", v.reason);
    }
}

#[test]
fn a_dsse_signature_over_the_bare_payload_instead_of_pae_never_verifies() {
    let k = key(Algorithm::EcdsaP256);
    let Found::Dsse {
        source,
        payload_type,
        payload,
        ..
    } = dsse(&k, REPO, &digest('a'), COSIGN_SIGN_PREDICATE)
    else {
        panic!("dsse() builds a DSSE signature");
    };
    let bare = Found::Dsse {
        source,
        signature_b64: b64(&k.sign(&payload)),
        payload_type,
        payload,
    };
    let v = run(vec![bare], &acme_only(&k));
    assert_eq!(v.status, Status::Untrusted, "{}", v.reason);
    assert_eq!(v.cause, Some(Problem::NoTrustedKey { trusted_keys: 1 }));
}

#[test]
fn index_platforms_are_reported_separately() {
    let k = key(Algorithm::Ed25519);
    let mut m = material(vec![signed_here(&k)]);
    m.platforms = vec![
        PlatformMaterial {
            platform: "linux/amd64".into(),
            digest: digest('e'),
            found: Ok(vec![signed(&k, REPO, &digest('e'))]),
        },
        PlatformMaterial {
            platform: "linux/arm64".into(),
            digest: digest('f'),
            found: Ok(vec![]),
        },
    ];
    let v = evaluate(&m, &acme_only(&k), now());
    assert_eq!(v.status, Status::Verified);
    assert_eq!(v.platforms.len(), 2);
    assert_eq!(v.platforms[0].status, Status::Verified);
    assert_eq!(v.platforms[1].status, Status::Unsigned);
    assert_every_check_passed_when_verified(&v);
}

#[test]
fn the_verdict_serialises_like_the_ui_contract() {
    let v = run(vec![], &set(vec![]));
    let j = serde_json::to_value(&v).expect("json");
    let obj = j.as_object().expect("object");
    let mut keys: Vec<&str> = obj.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "cause",
            "checks",
            "digest",
            "enforced",
            "platforms",
            "policy",
            "reason",
            "reference",
            "repository",
            "signatures",
            "status"
        ]
    );
    assert_eq!(j["status"], "unsigned");
    assert_eq!(j["cause"]["code"], "no_signatures");
    assert_eq!(j["policy"]["mode"], "enforce");
    assert_eq!(j["policy"]["threshold"], 1);
    assert!(j["policy"]["pattern"].is_null());
    assert_eq!(j["checks"][0]["outcome"], "passed");
    let na = serde_json::to_value(Outcome::NotApplicable).expect("json");
    assert_eq!(na, "not_applicable");
    let e = Verdict::error(
        "x",
        None,
        None,
        None,
        Problem::Failed {
            message: "boom".into(),
        },
    );
    let j = serde_json::to_value(&e).expect("json");
    assert_eq!(j["status"], "error");
    assert!(j["repository"].is_null());
    assert!(j["policy"].is_null());
    let s = SignatureReport {
        fingerprint: None,
        publisher: None,
        valid: false,
        problem: None,
        cause: None,
        keyless: None,
    };
    assert_eq!(
        serde_json::to_string(&s).expect("json"),
        r#"{"fingerprint":null,"publisher":null,"valid":false,"problem":null,"cause":null}"#
    );
}

#[tokio::test]
async fn a_trust_set_that_fails_to_load_judges_nothing() {
    // Port 1 on loopback refuses connections at once: the fetch fails, then the verdict must
    // carry the trust store's error rather than a judgement made without it.
    let trust = PendingTrust::from_future(async { Err("the keychain is locked".to_string()) });
    let mut verdicts = vec![None, None];
    verify_each(
        vec!["127.0.0.1:1/acme/app:v1".into(), "NOT VALID".into()],
        trust,
        VerifyOptions::default(),
        |i, v| verdicts[i] = Some(v),
    )
    .await;
    let verdicts: Vec<Verdict> = verdicts.into_iter().flatten().collect();
    assert_eq!(verdicts.len(), 2);
    assert_eq!(verdicts[0].status, Status::Error);
    assert_eq!(
        verdicts[0].cause,
        Some(Problem::TrustUnavailable {
            message: "the keychain is locked".into()
        })
    );
    assert_eq!(verdicts[1].status, Status::Error);
    assert!(
        matches!(&verdicts[1].cause, Some(Problem::BadReference { input, .. }) if input == "NOT VALID"),
        "{:?}",
        verdicts[1].cause
    );
}

#[tokio::test]
async fn a_batch_cancelled_before_it_starts_checks_nothing() {
    // The trust set never arrives: an image that started would wait for it forever, so the
    // batch returning at all shows that none started.
    let trust = PendingTrust::from_future(futures::future::pending());
    let cancel = Cancel::new();
    cancel.cancel();
    let opts = VerifyOptions {
        cancel,
        ..VerifyOptions::default()
    };
    let mut verdicts = vec![None, None];
    let batch = verify_each(
        vec!["127.0.0.1:1/acme/app:v1".into(), "NOT VALID".into()],
        trust,
        opts,
        |i, v| verdicts[i] = Some(v),
    );
    tokio::time::timeout(std::time::Duration::from_secs(5), batch)
        .await
        .expect("a cancelled batch returns at once");
    for v in verdicts {
        let v = v.expect("every image gets an outcome");
        assert_eq!(v.status, Status::Cancelled);
        assert_eq!(v.cause, Some(Problem::Cancelled));
        assert!(!v.reason.is_empty());
    }
}

/// The batch reads its roots as soon as the trust set arrives, but only while images are being
/// checked: a batch of malformed references, which needs no trust set, does not wait for one
/// that never arrives.
#[tokio::test]
async fn a_batch_that_needs_no_trust_set_does_not_wait_for_it() {
    let trust = PendingTrust::from_future(futures::future::pending());
    let mut verdicts = vec![None, None];
    let batch = verify_each(
        vec!["NOT VALID".into(), "also//bad".into()],
        trust,
        VerifyOptions::default(),
        |i, v| verdicts[i] = Some(v),
    );
    tokio::time::timeout(std::time::Duration::from_secs(5), batch)
        .await
        .expect("the batch ends without the trust set");
    for v in verdicts {
        let v = v.expect("every reference gets a verdict");
        assert!(
            matches!(v.cause, Some(Problem::BadReference { .. })),
            "{:?}",
            v.cause
        );
    }
}

#[tokio::test]
async fn cancel_wakes_whoever_waits_for_it() {
    let cancel = Cancel::new();
    assert!(!cancel.is_cancelled());
    let waiting = cancel.clone();
    let handle = tokio::spawn(async move { waiting.cancelled().await });
    tokio::task::yield_now().await;
    assert!(!handle.is_finished());
    cancel.cancel();
    cancel.cancel();
    handle.await.expect("woken");
    assert!(cancel.is_cancelled());
    assert_eq!(format!("{cancel:?}"), "Cancel(true)");
}

#[tokio::test]
async fn a_pending_trust_set_is_awaited_before_judging() {
    let (tx, rx) = tokio::sync::oneshot::channel::<Arc<TrustSet>>();
    let trust = PendingTrust::from_future(async move { rx.await.map_err(|e| e.to_string()) });
    let waiting = trust.clone();
    let handle = tokio::spawn(async move { waiting.get().await.map(|t| t.keys.len()) });
    tokio::task::yield_now().await;
    assert!(
        !handle.is_finished(),
        "answered before the trust set arrived"
    );
    let _ = tx.send(Arc::new(TrustSet::default()));
    assert_eq!(handle.await.ok(), Some(Ok(0)));
}

/// The sentences themselves (the rest of the tests match variants): the words a person reads.
#[test]
fn problems_read_as_the_sentences_they_always_were() {
    let key = KeyRef {
        fingerprint: digest('1'),
        publisher: "acme".into(),
    };
    let cases = [
        (
            Problem::WrongDigest {
                key: key.clone(),
                signed_for: vec![digest('b')],
                image: digest('a'),
            },
            format!("signed for {}, not for this image's {}", digest('b'), digest('a')),
        ),
        (
            Problem::WrongIdentity {
                key: key.clone(),
                signed_for: vec![],
                repository: REPO.into(),
            },
            format!("signed for nothing, not for {REPO}"),
        ),
        (
            Problem::Revoked {
                key: key.clone(),
                reason: Some("leaked\n".into()),
                at: None,
            },
            "the key was revoked (leaked?)".into(),
        ),
        (
            Problem::Expired {
                key: key.clone(),
                expired_at: now(),
                checked_at: now(),
            },
            "trust in the key expired at 2027-01-15T08:00:00Z".into(),
        ),
        (
            Problem::OutOfScope {
                key: key.clone(),
                scopes: vec!["ghcr.io/acme/**".into(), "quay.io/acme/*".into()],
                repository: REPO.into(),
            },
            format!("the key is scoped to ghcr.io/acme/**, quay.io/acme/*, which does not cover {REPO}"),
        ),
        (
            Problem::ThresholdNotMet {
                keys: vec![key],
                required: 2,
                policy: Some("127.0.0.1:5000/**".into()),
                repository: REPO.into(),
            },
            format!("only 1 distinct trusted key (acme (sha256:111111111111…)) signed {REPO}, but the policy for 127.0.0.1:5000/** requires 2; several signatures by one key count once"),
        ),
        (
            Problem::GaveUp {
                host: "127.0.0.1:5000".into(),
                secs: 30,
            },
            "gave up on 127.0.0.1:5000 after 30 s: the registry is too slow or stalled".into(),
        ),
    ];
    for (problem, sentence) in cases {
        assert_eq!(problem.to_string(), sentence);
        let j = serde_json::to_value(&problem).expect("json");
        assert_eq!(j["code"], problem.code(), "{j}");
        let back: Problem = serde_json::from_value(j).expect("round trip");
        assert_eq!(back, problem);
    }
    assert_eq!(
        serde_json::to_value(CheckName::DigestBinding).expect("json"),
        "digest_binding"
    );
}
