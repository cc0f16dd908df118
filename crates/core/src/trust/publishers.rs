//! How a threshold counts publishers when some sign with keys and some keyless.
//!
//! A key counts once, by fingerprint, as it always has (two keys count twice even under one
//! publisher name: the exports write N-of-M over keys, and an export must never trust more than
//! Vouch). A keyless identity counts as its publisher: identities sharing a publisher name count
//! once together, and not at all when a key of the same publisher is already counted — a
//! publisher with a key and an identity is one publisher, whichever way it signed.

use serde::Serialize;
use time::OffsetDateTime;

use super::{PolicyApplied, Standing, TrustSet, TrustedIdentity, TrustedKey};

/// A trusted signer whose signature passed every rule: a key or a keyless identity.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum Voucher<'a> {
    Key(&'a TrustedKey),
    Identity(&'a TrustedIdentity),
}

impl Voucher<'_> {
    fn publisher(&self) -> &str {
        match self {
            Voucher::Key(k) => &k.publisher,
            Voucher::Identity(i) => &i.publisher,
        }
    }
}

/// One publisher among the vouchers, and what it counts for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PublisherCount {
    pub publisher: String,
    /// Fingerprints of its keys among the vouchers.
    pub keys: Vec<String>,
    /// Ids of its identities among the vouchers.
    pub identities: Vec<String>,
    /// What it adds to a threshold: one per key, or one for its identities when it has no key.
    pub counts: usize,
}

/// The vouchers grouped by publisher name (in the order first seen), each key and identity
/// once, with what each publisher counts for.
pub fn count_publishers<'a>(
    vouchers: impl IntoIterator<Item = Voucher<'a>>,
) -> Vec<PublisherCount> {
    let mut out: Vec<PublisherCount> = Vec::new();
    for v in vouchers {
        let at = match out.iter().position(|p| p.publisher == v.publisher()) {
            Some(at) => at,
            None => {
                out.push(PublisherCount {
                    publisher: v.publisher().to_string(),
                    keys: Vec::new(),
                    identities: Vec::new(),
                    counts: 0,
                });
                out.len() - 1
            }
        };
        let p = &mut out[at];
        let (list, id) = match v {
            Voucher::Key(k) => (&mut p.keys, &k.fingerprint),
            Voucher::Identity(i) => (&mut p.identities, &i.id),
        };
        if !list.contains(id) {
            list.push(id.clone());
        }
        p.counts = p.keys.len().max(usize::from(!p.identities.is_empty()));
    }
    out
}

/// How many distinct publishers `vouchers` count for towards a threshold.
pub fn distinct_publishers<'a>(vouchers: impl IntoIterator<Item = Voucher<'a>>) -> usize {
    count_publishers(vouchers).iter().map(|p| p.counts).sum()
}

/// Who may vouch for one repository now, and whether its policy's threshold can be met.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Coverage {
    pub repository: String,
    pub policy: PolicyApplied,
    /// The publishers whose keys or identities are active and scoped for the repository.
    pub publishers: Vec<PublisherCount>,
    /// What they count for together.
    pub distinct: usize,
    /// Whether `distinct` reaches the threshold.
    pub can_meet: bool,
}

impl TrustSet {
    /// The keys and identities whose standing is active for `repository` at `now`.
    pub fn vouchers_for(&self, repository: &str, now: OffsetDateTime) -> Vec<Voucher<'_>> {
        let keys = self
            .keys
            .iter()
            .filter(|k| k.standing(repository, now) == Standing::Active)
            .map(Voucher::Key);
        let identities = self
            .identities
            .iter()
            .filter(|i| i.terms().standing(repository, now) == Standing::Active)
            .map(Voucher::Identity);
        keys.chain(identities).collect()
    }

    /// Who may vouch for `repository` at `now`, counted as thresholds count them.
    pub fn coverage(&self, repository: &str, now: OffsetDateTime) -> Coverage {
        let policy = self.policy_for(repository);
        let publishers = count_publishers(self.vouchers_for(repository, now));
        let distinct = publishers.iter().map(|p| p.counts).sum();
        Coverage {
            repository: repository.to_string(),
            can_meet: distinct >= policy.threshold.max(1) as usize,
            policy,
            publishers,
            distinct,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{Algorithm, PrivateKey};
    use crate::test_support::{now, trusted};
    use crate::trust::identity::{Claims, Identity, Subject};

    fn identity(publisher: &str, subject: &str) -> TrustedIdentity {
        let id = Identity::new(
            "https://token.actions.githubusercontent.com",
            Subject::Exact(subject.into()),
            Claims::default(),
            None,
        )
        .expect("identity");
        TrustedIdentity::new(id, publisher, vec![], now())
    }

    fn key(publisher: &str) -> TrustedKey {
        trusted(
            &PrivateKey::generate(Algorithm::Ed25519).expect("key"),
            publisher,
            &[],
        )
    }

    #[test]
    fn a_publisher_with_a_key_and_an_identity_counts_once() {
        let (k, i) = (key("acme"), identity("acme", "https://x/a"));
        assert_eq!(
            distinct_publishers([Voucher::Key(&k), Voucher::Identity(&i)]),
            1
        );
        assert_eq!(
            distinct_publishers([Voucher::Identity(&i), Voucher::Key(&k)]),
            1,
            "whichever comes first"
        );
    }

    #[test]
    fn identities_of_one_publisher_count_once_and_keys_count_by_fingerprint() {
        let (i1, i2) = (
            identity("k8s", "https://x/a"),
            identity("k8s", "https://x/b"),
        );
        assert_eq!(
            distinct_publishers([Voucher::Identity(&i1), Voucher::Identity(&i2)]),
            1
        );
        let (k1, k2) = (key("acme"), key("acme"));
        let other = identity("other", "https://x/c");
        let vouchers = [
            Voucher::Key(&k1),
            Voucher::Key(&k2),
            Voucher::Key(&k1),
            Voucher::Identity(&i1),
            Voucher::Identity(&other),
        ];
        // Two keys (as before identities existed), k8s once, other once.
        assert_eq!(distinct_publishers(vouchers), 4);
        let groups = count_publishers(vouchers);
        assert_eq!(groups[0].keys.len(), 2);
        assert_eq!(groups[0].counts, 2);
        assert_eq!(groups[1].identities, vec![i1.id.clone()]);
    }

    #[test]
    fn coverage_counts_only_active_scoped_signers() {
        let mut revoked = identity("gone", "https://x/r");
        revoked.status = crate::trust::KeyStatus::Revoked;
        let mut elsewhere = identity("elsewhere", "https://x/e");
        elsewhere.scopes = vec!["quay.io/**".into()];
        let set = TrustSet {
            keys: vec![key("acme")],
            identities: vec![identity("acme", "https://x/a"), revoked, elsewhere],
            policies: vec![crate::test_support::policy(
                "ghcr.io/**",
                crate::trust::PolicyMode::Enforce,
                2,
            )],
            ..TrustSet::default()
        };
        let c = set.coverage("ghcr.io/acme/app", now());
        assert_eq!(c.distinct, 1);
        assert!(!c.can_meet);
        assert_eq!(c.publishers.len(), 1);
        assert_eq!(c.publishers[0].identities.len(), 1);
        assert_eq!(c.publishers[0].keys.len(), 1);
        let mut two = set;
        two.identities[0].publisher = "acme ci".into();
        let c = two.coverage("ghcr.io/acme/app", now());
        assert_eq!((c.distinct, c.can_meet), (2, true));
    }
}
