//! "Does what we have meet the policy?": a pure question about material already in hand, asked
//! by fetching (to decide whether the referrers are worth a request) and by provenance (which
//! trusted key verified the image). It uses the same per-signature rules as [`super::evaluate`]
//! and builds no verdict.

use std::collections::BTreeSet;

use time::OffsetDateTime;

use super::keyless::{Keyless, Recall};
use super::{assess, assess_any, Found};
use crate::trust::{distinct_publishers, Keyring, TrustSet, TrustedKey, Voucher};

/// The trusted keys whose signatures among `found` pass every rule for `repository` at
/// `digest` at time `now` (verified over the exact bytes, bound to this digest and repository,
/// key active, unexpired and scoped), each once, in the order their signatures were found.
/// Pure.
pub fn accepted_keys<'t>(
    found: &[Found],
    trust: &'t TrustSet,
    digest: &str,
    repository: &str,
    now: OffsetDateTime,
) -> Vec<&'t TrustedKey> {
    let keyring = Keyring::new(trust);
    let mut seen = BTreeSet::new();
    found
        .iter()
        .map(|f| assess(f, &keyring, digest, repository, now))
        .filter(|a| a.rejection.is_none())
        .filter_map(|a| a.key)
        .filter(|k| seen.insert(k.fingerprint.as_str()))
        .collect()
}

/// Whether `found` already meets the policy for `repository`: at least its threshold of
/// distinct trusted keys signed `digest` (the mode is not considered: an `off` policy is met
/// or not like any other). Pure; the same answer [`super::evaluate`] would give as `verified`.
pub fn meets_policy(
    found: &[Found],
    trust: &TrustSet,
    digest: &str,
    repository: &str,
    now: OffsetDateTime,
) -> bool {
    meets_policy_with(
        found,
        trust,
        &Keyless::without_roots(trust),
        digest,
        repository,
        now,
    )
}

/// [`meets_policy`] with keyless signatures judged against `keyless` (the batch's trusted roots
/// and identities), counted as thresholds count publishers. Each keyless verification is
/// remembered in `keyless` for the verdict ([`super::evaluate_with`]), which then does not
/// verify it again. Pure.
pub fn meets_policy_with(
    found: &[Found],
    trust: &TrustSet,
    keyless: &Keyless,
    digest: &str,
    repository: &str,
    now: OffsetDateTime,
) -> bool {
    let threshold = trust.policy_for(repository).threshold.max(1) as usize;
    let keyring = Keyring::new(trust);
    let assessed: Vec<_> = found
        .iter()
        .map(|f| {
            assess_any(
                f,
                &keyring,
                trust,
                keyless,
                digest,
                repository,
                now,
                Recall::Keep,
            )
        })
        .filter(|a| a.rejection.is_none())
        .collect();
    let vouchers = assessed.iter().filter_map(|a| match (a.key, a.identity) {
        (Some(k), _) => Some(Voucher::Key(k)),
        (None, Some(i)) => Some(Voucher::Identity(i)),
        (None, None) => None,
    });
    distinct_publishers(vouchers) >= threshold
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::cosign::simple_signing_payload;
    use crate::dsse::encode_b64;
    use crate::keys::{Algorithm, PrivateKey};
    use crate::test_support::{now, policy, REPO};
    use crate::trust::PolicyMode;
    use crate::verify::{evaluate, Material, Source, Status};

    const DIGEST: &str = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

    fn trusted(k: &PrivateKey, scope: &str) -> TrustedKey {
        TrustedKey::new(&k.public_key(), "acme", vec![scope.into()], now())
    }

    fn signed(k: &PrivateKey) -> Found {
        let payload = simple_signing_payload(REPO, DIGEST, &BTreeMap::new(), now()).expect("p");
        Found::SimpleSigning {
            source: Source::CosignTag,
            signature_b64: encode_b64(&k.sign(&payload)),
            payload,
        }
    }

    /// `meets_policy` is exactly "evaluate would say verified", for the cases that matter.
    #[test]
    fn meets_policy_agrees_with_evaluate() {
        let (a, b) = (
            PrivateKey::generate(Algorithm::Ed25519).expect("key"),
            PrivateKey::generate(Algorithm::EcdsaP256).expect("key"),
        );
        let stranger = PrivateKey::generate(Algorithm::Ed25519).expect("key");
        let mut trust = TrustSet {
            keys: vec![
                trusted(&a, "127.0.0.1:5000/acme/**"),
                trusted(&b, "other/**"),
            ],
            ..TrustSet::default()
        };
        let cases: Vec<(Vec<Found>, u32, bool)> = vec![
            (vec![], 1, false),
            (vec![signed(&stranger)], 1, false),
            (vec![signed(&b)], 1, false), // out of scope
            (vec![signed(&stranger), signed(&a)], 1, true),
            (vec![signed(&a), signed(&a)], 2, false), // one key counts once
        ];
        for (found, threshold, expected) in cases {
            trust.policies = vec![policy(
                "127.0.0.1:5000/acme/**",
                PolicyMode::Enforce,
                threshold,
            )];
            let material = Material {
                reference: format!("{REPO}:v1"),
                repository: REPO.into(),
                digest: DIGEST.into(),
                digest_detail: "test".into(),
                found: found.clone(),
                sources: vec![],
                platforms: vec![],
            };
            let verified = evaluate(&material, &trust, now()).status == Status::Verified;
            assert_eq!(meets_policy(&found, &trust, DIGEST, REPO, now()), expected);
            assert_eq!(verified, expected, "evaluate and meets_policy must agree");
        }
        // The accepted keys, once each, in the order found.
        let keys = accepted_keys(
            &[signed(&a), signed(&stranger), signed(&a)],
            &trust,
            DIGEST,
            REPO,
            now(),
        );
        let fps: Vec<&str> = keys.iter().map(|k| k.fingerprint.as_str()).collect();
        assert_eq!(fps, vec![a.public_key().fingerprint().as_str()]);
    }
}
