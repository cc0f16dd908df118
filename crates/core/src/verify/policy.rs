//! "Does what we have meet the policy?": a pure question about material already in hand, asked
//! by fetching (to decide whether the referrers are worth a request) and by provenance (which
//! trusted key verified the image). It uses the same per-signature rules as [`super::evaluate`]
//! and builds no verdict.

use std::collections::BTreeSet;

use time::OffsetDateTime;

use super::{assess, Found};
use crate::trust::{Keyring, TrustSet, TrustedKey};

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
    let threshold = trust.policy_for(repository).threshold.max(1) as usize;
    accepted_keys(found, trust, digest, repository, now).len() >= threshold
}
