//! Micro-benchmarks of the pure parts of verification (no I/O): run with
//! `cargo bench -p vouch-core --bench verify` (bench/run.sh runs it and copies the medians into
//! BENCHMARKS.md).
//!
//! - `evaluate_cosign_signature`: one image with one cosign simple-signing signature, through
//!   `vouch_core::verify::evaluate` (payload JSON parsing, base64, key lookup, signature check,
//!   digest / identity / scope / policy checks, verdict), for P-256 and ed25519 signers;
//! - `payload_parse`: only the JSON parsing of a simple-signing payload (serde_json);
//! - `ed25519_verify_single` vs `ed25519_verify_batch`: N signatures checked one by one or with
//!   ed25519-dalek's batch equation (per-signature cost = time / N);
//! - `p256_verify`: one ECDSA P-256/SHA-256 verification through `PublicKey::verify`.

use std::collections::BTreeMap;

use base64::Engine as _;
use divan::Bencher;
use ed25519_dalek::{Signer as _, SigningKey, Verifier as _};
use time::OffsetDateTime;
use vouch_core::keys::{Algorithm, PrivateKey};
use vouch_core::trust::{KeyStatus, TrustSet, TrustedKey};
use vouch_core::verify::{evaluate, Found, Material, Source, Status};

fn main() {
    divan::main();
}

const REPO: &str = "registry.example:5000/acme/app";
const DIGEST: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

fn fixture(alg: Algorithm) -> (TrustSet, Material) {
    let key = PrivateKey::generate(alg).expect("key");
    let public = key.public_key();
    let mut trust = TrustSet::default();
    trust.keys.push(TrustedKey {
        fingerprint: public.fingerprint(),
        algorithm: alg,
        publisher: "acme".into(),
        note: None,
        scopes: vec!["registry.example:5000/acme/**".into()],
        status: KeyStatus::Active,
        revoked_reason: None,
        revoked_at: None,
        added_at: OffsetDateTime::UNIX_EPOCH,
        expires_at: None,
        has_private: false,
        public_key: public.to_pem(),
        source: None,
    });
    let payload =
        vouch_core::sign::payload(REPO, DIGEST, &BTreeMap::new(), OffsetDateTime::UNIX_EPOCH)
            .expect("payload");
    let signature_b64 = base64::engine::general_purpose::STANDARD.encode(key.sign(&payload));
    let material = Material {
        reference: format!("{REPO}:v1"),
        repository: REPO.into(),
        digest: DIGEST.into(),
        digest_detail: "bench".into(),
        found: vec![Found::SimpleSigning {
            source: Source::CosignTag,
            payload,
            signature_b64,
        }],
        sources: Vec::new(),
        platforms: Vec::new(),
    };
    (trust, material)
}

#[divan::bench(args = ["ecdsa-p256", "ed25519"])]
fn evaluate_cosign_signature(bencher: Bencher<'_, '_>, alg: &str) {
    let (trust, material) = fixture(alg.parse().expect("algorithm"));
    let now = OffsetDateTime::now_utc();
    assert_eq!(evaluate(&material, &trust, now).status, Status::Verified);
    bencher.bench(|| evaluate(divan::black_box(&material), &trust, now));
}

#[divan::bench]
fn payload_parse(bencher: Bencher<'_, '_>) {
    let payload =
        vouch_core::sign::payload(REPO, DIGEST, &BTreeMap::new(), OffsetDateTime::UNIX_EPOCH)
            .expect("payload");
    bencher.bench(|| {
        serde_json::from_slice::<serde_json::Value>(divan::black_box(&payload)).expect("json")
    });
}

#[divan::bench]
fn p256_verify(bencher: Bencher<'_, '_>) {
    let key = PrivateKey::generate(Algorithm::EcdsaP256).expect("key");
    let public = key.public_key();
    let msg = b"a cosign simple-signing payload of about three hundred bytes".repeat(5);
    let sig = key.sign(&msg);
    bencher.bench(|| public.verify(divan::black_box(&msg), &sig).expect("valid"));
}

/// N ed25519 signatures by N keys over N messages (a batch of images from many publishers).
fn ed25519_set(
    n: usize,
) -> (
    Vec<Vec<u8>>,
    Vec<ed25519_dalek::Signature>,
    Vec<ed25519_dalek::VerifyingKey>,
) {
    let mut rng = rand_core::OsRng;
    let mut msgs = Vec::new();
    let mut sigs = Vec::new();
    let mut keys = Vec::new();
    for i in 0..n {
        let sk = SigningKey::generate(&mut rng);
        let m = format!("payload {i} of a benchmark batch").into_bytes();
        sigs.push(sk.sign(&m));
        keys.push(sk.verifying_key());
        msgs.push(m);
    }
    (msgs, sigs, keys)
}

#[divan::bench(args = [1, 64])]
fn ed25519_verify_single(bencher: Bencher<'_, '_>, n: usize) {
    let (msgs, sigs, keys) = ed25519_set(n);
    bencher
        .counter(divan::counter::ItemsCount::new(n))
        .bench(|| {
            for ((m, s), k) in msgs.iter().zip(&sigs).zip(&keys) {
                k.verify(divan::black_box(m), s).expect("valid");
            }
        });
}

#[divan::bench(args = [1, 64])]
fn ed25519_verify_batch(bencher: Bencher<'_, '_>, n: usize) {
    let (msgs, sigs, keys) = ed25519_set(n);
    let refs: Vec<&[u8]> = msgs.iter().map(Vec::as_slice).collect();
    bencher
        .counter(divan::counter::ItemsCount::new(n))
        .bench(|| {
            ed25519_dalek::verify_batch(divan::black_box(&refs), &sigs, &keys).expect("valid")
        });
}

/// Scope and policy matching for one image against a trust set of 1,000 keys (each with its
/// own scope) and 1,000 policies, including the pattern that once made matching exponential
/// (`HOST/**/**/…/z`, nine `**`).
#[divan::bench]
fn scopes_and_policies_1000(bencher: Bencher<'_, '_>) {
    use vouch_core::trust::{Policy, PolicyMode};
    let mut trust = TrustSet::default();
    let (template, _) = fixture(Algorithm::Ed25519);
    for i in 0..1000 {
        let mut k = template.keys[0].clone();
        k.scopes = vec![format!("registry{i}.example/team{i}/**")];
        trust.keys.push(k);
        trust.policies.push(Policy {
            pattern: format!("registry{i}.example/*/app{i}"),
            mode: PolicyMode::Warn,
            threshold: 1,
        });
    }
    trust.policies.push(Policy {
        pattern: format!("registry.example:5000{}/z", "/**".repeat(9)),
        mode: PolicyMode::Warn,
        threshold: 1,
    });
    let deep = "registry.example:5000/acme/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/app";
    bencher.bench(|| {
        let repo = divan::black_box(deep);
        let covered = trust.keys.iter().filter(|k| k.covers(repo)).count();
        (covered, trust.policy_for(repo))
    });
}
