//! The window's sync against the real registry (the harness's): a list is planned, published
//! again, and the first plan's digest no longer applies anything.

use std::path::PathBuf;
use std::sync::Arc;

use vouch_core::keys::{Algorithm, PrivateKey};
use vouch_core::registry::RegistryOptions;
use vouch_core::trust::lists::{PublishRequest, SubscriptionSigner};
use vouch_core::trust::{MemoryBackend, TrustedKey};

use super::*;

fn key() -> PrivateKey {
    PrivateKey::generate(Algorithm::Ed25519).expect("key")
}

/// Publishes the keys of `set` at `reference`, signed by `admin`, as version `version`.
fn publish(
    rt: &tokio::runtime::Runtime,
    reference: &str,
    set: &TrustSet,
    admin: &PrivateKey,
    version: u64,
) {
    let now = OffsetDateTime::now_utc();
    let req = PublishRequest {
        reference: reference.to_string(),
        scopes: Vec::new(),
        expires_at: now + time::Duration::days(1),
        signers: Vec::new(),
        threshold: 1,
        version: Some(version),
        last_published: None,
        // The set holds keys only: no trusted root is pinned.
        roots: vouch_core::sigstore::roots::RootStore::at(std::env::temp_dir()),
    };
    rt.block_on(lists::publish(
        &req,
        set,
        std::slice::from_ref(admin),
        RegistryOptions::default(),
        now,
    ))
    .expect("publish");
}

#[test]
#[ignore = "needs the harness: tests/harness/with-env.sh"]
fn apply_refuses_a_plan_that_changed_since_it_was_shown() {
    let registry = std::env::var("VOUCH_TEST_REGISTRY").expect("VOUCH_TEST_REGISTRY (the harness)");
    let pid = std::process::id();
    let reference = format!("{registry}/tlwin-shell-{pid}/trust:prod");
    let profile = format!("tlwin-shell-{pid}");
    let dir = std::env::temp_dir().join(format!("vouch-app-lists-{pid}"));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let store = TrustStore::new(
        Arc::new(MemoryBackend::new()),
        &profile,
        PathBuf::from(&dir).join("trust.lock"),
    );
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let now = OffsetDateTime::now_utc();

    let admin = key();
    let mut team = TrustSet::default();
    team.keys
        .push(TrustedKey::new(&key().public_key(), "Acme", vec![], now));
    publish(&rt, &reference, &team, &admin, 1);
    lists::subscribe(
        &profile,
        &reference,
        vec![SubscriptionSigner::from_key(&admin.public_key())],
        1,
        now,
    )
    .expect("subscribe");

    let seen = rt.block_on(planned(&store, &reference, now)).expect("plan");
    assert_eq!(seen.diff.added.len(), 1, "{:?}", seen.diff);
    assert_eq!(seen.diff.added[0].publisher, "Acme");
    let seen_digest = digest(&seen).expect("digest");

    // The admin publishes version 2, adding Beta, before the person applies what they saw.
    team.keys
        .push(TrustedKey::new(&key().public_key(), "Beta", vec![], now));
    publish(&rt, &reference, &team, &admin, 2);
    let now_plan = rt
        .block_on(planned(&store, &reference, now))
        .expect("plan again");
    assert_eq!(now_plan.version, 2);
    let e = apply_seen(&store, &now_plan, &seen_digest, now).expect_err("changed");
    assert_eq!(e.code, ErrorCode::TrustListChanged, "{}", e.message);
    assert!(e.message.contains("now version 2"), "{}", e.message);
    assert!(
        store.load().expect("load").keys.is_empty(),
        "nothing applied"
    );
    let subs = Subscriptions::load(&profile).expect("subscriptions");
    assert!(subs.subscriptions[0].state.is_none(), "no version recorded");

    // The plan shown now applies, with exactly the changes it showed.
    let shown = digest(&now_plan).expect("digest");
    let diff = apply_seen(&store, &now_plan, &shown, now).expect("applied");
    assert_eq!(diff, now_plan.diff);
    let keys = store.load().expect("load").keys;
    assert_eq!(keys.len(), 2);
    assert!(keys
        .iter()
        .all(|k| k.source.as_deref() == Some(reference.as_str())));
    assert_eq!(
        Subscriptions::load(&profile).expect("load").subscriptions[0]
            .state
            .as_ref()
            .map(|s| s.version),
        Some(2)
    );
    let _ = std::fs::remove_file(Subscriptions::path(&profile));
}

#[test]
fn admins_come_from_trusted_keys_and_key_files_and_one_is_needed() {
    let now = OffsetDateTime::now_utc();
    let (a, b) = (key(), key());
    let mut set = TrustSet::default();
    set.keys
        .push(TrustedKey::new(&a.public_key(), "Admin A", vec![], now));
    let fp_a = a.public_key().fingerprint();
    let got = admins(
        &set,
        &[fp_a[..20].to_string()],
        &[b.public_key().to_pem(), a.public_key().to_pem()],
    )
    .expect("admins");
    let mut want = vec![a.public_key().fingerprint(), b.public_key().fingerprint()];
    want.sort();
    assert_eq!(
        got.iter()
            .map(|s| s.fingerprint.clone())
            .collect::<Vec<_>>(),
        want
    );
    assert!(
        got.iter().all(|s| s.public_key.is_some()),
        "pinned by their keys"
    );
    let e = admins(&set, &[], &[]).expect_err("none");
    assert_eq!(e.code, ErrorCode::TrustList);
    assert!(
        e.message.starts_with("Choose at least one admin"),
        "{}",
        e.message
    );
    let e = admins(&set, &[], &["not a key".into()]).expect_err("bad pem");
    assert_eq!(e.code, ErrorCode::BadKey, "{}", e.message);
    let e = admins(&set, &["sha256:0000000000000000".into()], &[]).expect_err("unknown");
    assert_eq!(e.code, ErrorCode::KeyNotFound, "{}", e.message);
}
