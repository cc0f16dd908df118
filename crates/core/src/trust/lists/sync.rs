//! A sync in two steps: [`plan_sync`] fetches, verifies ([`check`]) and works out the diff
//! without changing anything; [`apply`] writes it to the trust set and records the version.

use std::collections::BTreeSet;

use serde::Serialize;
use time::OffsetDateTime;

use super::document::{ListDocument, ListSigner};
use super::merge::{apply_list, ListDiff, LocalRoots};
use super::remote::{fetch, Fetched};
use super::subscriptions::{
    LastProblem, Subscription, SubscriptionSigner, Subscriptions, SyncState,
};
use super::ListError;
use crate::dsse::{decode_b64, pae, Envelope};
use crate::keys::PublicKey;
use crate::registry::RegistryOptions;
use crate::sigstore::roots::RootStore;
use crate::trust::TrustStore;

/// What syncing one subscription would do, worked out before anything is changed.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SyncPlan {
    pub reference: String,
    pub version: u64,
    /// The version applied before, if any.
    pub previous_version: Option<u64>,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub expires_at: OffsetDateTime,
    /// Valid signatures from the subscription's signers, and how many it requires.
    pub signatures: usize,
    pub threshold: u32,
    /// This version is the one applied already.
    pub up_to_date: bool,
    /// What applying changes in the trust set now.
    pub diff: ListDiff,
    #[serde(skip)]
    #[cfg_attr(feature = "ts", ts(skip))]
    fetched: Option<Fetched>,
}

/// A subscription as `vouch trust subscriptions` and the window show it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SubscriptionInfo {
    pub reference: String,
    pub signers: Vec<String>,
    pub threshold: u32,
    /// The version applied, its expiry and when it was last synced.
    pub version: Option<u64>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub expires_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub last_sync: Option<OffsetDateTime>,
    /// The applied version is past its expiry.
    pub stale: bool,
    /// Why the last sync applied nothing, when it did not.
    pub last_problem: Option<LastProblem>,
}

impl SubscriptionInfo {
    pub fn of(s: &Subscription, now: OffsetDateTime) -> Self {
        SubscriptionInfo {
            reference: s.reference.clone(),
            signers: s.signers.iter().map(|k| k.fingerprint.clone()).collect(),
            threshold: s.threshold,
            version: s.state.as_ref().map(|st| st.version),
            expires_at: s.state.as_ref().map(|st| st.expires_at),
            last_sync: s.state.as_ref().map(|st| st.synced_at),
            stale: s.state.as_ref().is_some_and(|st| now >= st.expires_at),
            last_problem: s.last_problem.clone(),
        }
    }
}

/// The public keys of a list's signers (already checked against their fingerprints).
pub(crate) fn signer_keys(signers: &[ListSigner]) -> Vec<(String, PublicKey)> {
    signers
        .iter()
        .filter_map(|s| {
            let k = PublicKey::parse(s.public_key.as_bytes()).ok()?;
            (k.fingerprint() == s.fingerprint).then(|| (s.fingerprint.clone(), k))
        })
        .collect()
}

/// The subscription's signers with a key: their own, or the statement's of the same
/// fingerprint.
fn subscription_keys(
    signers: &[SubscriptionSigner],
    statement: &[ListSigner],
) -> Vec<(String, PublicKey)> {
    let from_list = signer_keys(statement);
    signers
        .iter()
        .filter_map(|s| {
            let own = s.public_key.as_deref().and_then(|p| {
                let k = PublicKey::parse(p.as_bytes()).ok()?;
                (k.fingerprint() == s.fingerprint).then_some(k)
            });
            let key = own.or_else(|| {
                from_list
                    .iter()
                    .find(|(fp, _)| *fp == s.fingerprint)
                    .map(|(_, k)| k.clone())
            })?;
            Some((s.fingerprint.clone(), key))
        })
        .collect()
}

/// The distinct keys of `keys` with a valid signature over the envelope's exact payload.
pub(crate) fn valid_signers(envelope: &Envelope, keys: &[(String, PublicKey)]) -> BTreeSet<String> {
    let message = pae(&envelope.payload_type, &envelope.payload);
    let sigs: Vec<Vec<u8>> = envelope
        .signatures
        .iter()
        .filter_map(|s| decode_b64(&s.sig))
        .collect();
    keys.iter()
        .filter(|(_, k)| sigs.iter().any(|sig| k.verify(&message, sig).is_ok()))
        .map(|(fp, _)| fp.clone())
        .collect()
}

/// Whether `fetched` may be applied to `sub` at `now`: enough valid signatures (the
/// subscription's threshold over its signers and the list's own over its signers), not a
/// rollback, not expired. Returns the valid signatures of the subscription's signers and
/// whether this version is the one applied already.
pub fn check(
    fetched: &Fetched,
    sub: &Subscription,
    now: OffsetDateTime,
) -> Result<(usize, bool), ListError> {
    let st = &fetched.statement;
    let reference = || fetched.reference.clone();
    let ours = valid_signers(
        &fetched.envelope,
        &subscription_keys(&sub.signers, &st.signers),
    );
    if ours.len() < sub.threshold as usize {
        return Err(ListError::TooFewSignatures {
            reference: reference(),
            valid: ours.len(),
            needed: sub.threshold,
        });
    }
    let theirs = valid_signers(&fetched.envelope, &signer_keys(&st.signers));
    if theirs.len() < st.threshold as usize {
        return Err(ListError::TooFewSignatures {
            reference: reference(),
            valid: theirs.len(),
            needed: st.threshold,
        });
    }
    let mut up_to_date = false;
    if let Some(applied) = &sub.state {
        if st.version < applied.version {
            return Err(ListError::Rollback {
                reference: reference(),
                offered: st.version,
                applied: applied.version,
            });
        }
        if st.version == applied.version {
            if fetched.statement_digest != applied.statement_digest {
                return Err(ListError::SameVersionChanged {
                    reference: reference(),
                    version: st.version,
                });
            }
            up_to_date = true;
        }
    }
    if now >= st.expires_at {
        return Err(ListError::Expired {
            reference: reference(),
            version: st.version,
            expired_at: super::rfc3339(st.expires_at),
        });
    }
    Ok((ours.len(), up_to_date))
}

/// The digests of `profile`'s custom trusted roots that `list` pins (a root missing here, or
/// unreadable, is left out: the identities tied to it are then not applied).
pub(crate) fn local_roots(profile: &str, list: &ListDocument) -> LocalRoots {
    let store = RootStore::for_profile(profile);
    list.trusted_roots
        .iter()
        .filter_map(|r| Some((r.name.clone(), store.digest(&r.name).ok()??)))
        .collect()
}

/// Fetches and verifies `sub`'s list and works out what applying it would change in `store`'s
/// trust set now. Changes nothing.
pub async fn plan_sync(
    store: &TrustStore,
    sub: &Subscription,
    opts: RegistryOptions,
    now: OffsetDateTime,
) -> Result<SyncPlan, ListError> {
    let fetched = fetch(&sub.reference, opts).await?;
    let (signatures, up_to_date) = check(&fetched, sub, now)?;
    let mut copy = store.load()?;
    let roots = local_roots(store.profile(), &fetched.list);
    let diff = apply_list(&mut copy, &fetched.list, &sub.reference, &roots, now);
    Ok(SyncPlan {
        reference: sub.reference.clone(),
        version: fetched.statement.version,
        previous_version: sub.state.as_ref().map(|s| s.version),
        expires_at: fetched.statement.expires_at,
        signatures,
        threshold: sub.threshold,
        up_to_date,
        diff,
        fetched: Some(fetched),
    })
}

/// Applies a plan: checks it again against the subscription as it is now (another process may
/// have applied a newer version), writes the list to the trust set, records the version.
/// Returns what changed (worked out again inside the trust store's lock).
pub fn apply(
    store: &TrustStore,
    plan: &SyncPlan,
    now: OffsetDateTime,
) -> Result<ListDiff, ListError> {
    let Some(fetched) = &plan.fetched else {
        return Err(ListError::NoSubscription(plan.reference.clone()));
    };
    Subscriptions::update(store.profile(), |doc| {
        let sub = doc.find_mut(&plan.reference)?;
        check(fetched, sub, now)?;
        let roots = local_roots(store.profile(), &fetched.list);
        let diff =
            store.update(|set| Ok(apply_list(set, &fetched.list, &sub.reference, &roots, now)))?;
        sub.state = Some(SyncState {
            version: fetched.statement.version,
            statement_digest: fetched.statement_digest.clone(),
            manifest_digest: fetched.manifest_digest.to_string(),
            expires_at: fetched.statement.expires_at,
            synced_at: super::whole_seconds(now),
            keys: fetched.list.set.keys.len(),
        });
        sub.last_problem = None;
        Ok(diff)
    })
}

/// Records why a sync of `reference` applied nothing (shown by `subscriptions`).
pub fn record_problem(
    profile: &str,
    reference: &str,
    error: &ListError,
    now: OffsetDateTime,
) -> Result<(), ListError> {
    Subscriptions::update(profile, |doc| {
        let sub = doc.find_mut(reference)?;
        sub.last_problem = Some(LastProblem {
            at: super::whole_seconds(now),
            code: error.code().to_string(),
            problem: error.to_string(),
        });
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{Algorithm, PrivateKey};
    use crate::oci::Digest;
    use crate::trust::lists::document::{STATEMENT_FORMAT, STATEMENT_PAYLOAD_TYPE};
    use crate::trust::lists::ListStatement;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2027-01-01 00:00 UTC);

    fn admin() -> PrivateKey {
        PrivateKey::generate(Algorithm::Ed25519).expect("key")
    }

    fn fetched(
        version: u64,
        admins: &[&PrivateKey],
        signed_by: &[&PrivateKey],
        threshold: u32,
    ) -> Fetched {
        let statement = ListStatement {
            format: STATEMENT_FORMAT.into(),
            version,
            repository: "reg/team/trust".into(),
            list_digest: Digest::of(b"l").to_string(),
            list_size: 1,
            issued_at: NOW,
            expires_at: NOW + time::Duration::days(1),
            signers: admins
                .iter()
                .map(|k| ListSigner {
                    fingerprint: k.public_key().fingerprint(),
                    public_key: k.public_key().to_pem(),
                })
                .collect(),
            threshold,
        };
        let mut envelope = Envelope {
            payload_type: STATEMENT_PAYLOAD_TYPE.into(),
            payload: statement.to_payload().expect("payload"),
            signatures: Vec::new(),
        };
        for k in signed_by {
            envelope.add_signature(k, &k.public_key().fingerprint());
        }
        Fetched {
            reference: "reg/team/trust:prod".into(),
            manifest_digest: Digest::of(b"m"),
            statement_digest: Digest::of(&envelope.payload).to_string(),
            statement,
            envelope,
            list: ListDocument::default(),
        }
    }

    fn sub(signers: &[&PrivateKey], threshold: u32, state: Option<&Fetched>) -> Subscription {
        Subscription {
            reference: "reg/team/trust:prod".into(),
            signers: signers
                .iter()
                .map(|k| SubscriptionSigner {
                    fingerprint: k.public_key().fingerprint(),
                    public_key: None,
                })
                .collect(),
            threshold,
            added_at: NOW,
            state: state.map(|f| SyncState {
                version: f.statement.version,
                statement_digest: f.statement_digest.clone(),
                manifest_digest: f.manifest_digest.to_string(),
                expires_at: f.statement.expires_at,
                synced_at: NOW,
                keys: 0,
            }),
            last_problem: None,
        }
    }

    #[test]
    fn signatures_are_counted_per_distinct_trusted_admin() {
        let (a, b, stranger) = (admin(), admin(), admin());
        let two = fetched(1, &[&a, &b], &[&a, &b], 2);
        assert_eq!(
            check(&two, &sub(&[&a, &b], 2, None), NOW).expect("ok"),
            (2, false)
        );
        let one = fetched(1, &[&a, &b], &[&a], 1);
        let err = check(&one, &sub(&[&a, &b], 2, None), NOW).expect_err("too few");
        assert!(
            err.to_string().contains("carries 1 valid signature(s)")
                && err.to_string().contains("2 are required"),
            "{err}"
        );
        // The list's own threshold counts too, whatever the subscription asks.
        let own = fetched(1, &[&a, &b], &[&a], 2);
        assert!(matches!(
            check(&own, &sub(&[&a], 1, None), NOW),
            Err(ListError::TooFewSignatures { needed: 2, .. })
        ));
        // A stranger's signature never counts, even when the list names the stranger.
        let odd = fetched(1, &[&stranger], &[&stranger], 1);
        assert!(matches!(
            check(&odd, &sub(&[&a], 1, None), NOW),
            Err(ListError::TooFewSignatures { valid: 0, .. })
        ));
        // The same signature twice is one signer.
        let mut twice = fetched(1, &[&a, &b], &[&a], 1);
        let again = twice.envelope.signatures[0].clone();
        twice.envelope.signatures.push(again);
        assert!(check(&twice, &sub(&[&a, &b], 2, None), NOW).is_err());
    }

    #[test]
    fn rollbacks_changed_versions_and_expired_lists_are_refused() {
        let a = admin();
        let v2 = fetched(2, &[&a], &[&a], 1);
        let applied = sub(&[&a], 1, Some(&v2));
        let v1 = fetched(1, &[&a], &[&a], 1);
        assert!(matches!(
            check(&v1, &applied, NOW),
            Err(ListError::Rollback {
                offered: 1,
                applied: 2,
                ..
            })
        ));
        let mut v2b = fetched(2, &[&a], &[&a], 1);
        v2b.statement_digest = Digest::of(b"other").to_string();
        assert!(matches!(
            check(&v2b, &applied, NOW),
            Err(ListError::SameVersionChanged { .. })
        ));
        assert_eq!(check(&v2, &applied, NOW).expect("same"), (1, true));
        let later = NOW + time::Duration::days(2);
        let err = check(&v2, &applied, later).expect_err("expired");
        assert!(err.to_string().contains("stale"), "{err}");
        let info = SubscriptionInfo::of(&applied, later);
        assert!(info.stale);
    }
}
