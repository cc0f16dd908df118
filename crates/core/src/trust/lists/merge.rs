//! Applying a verified list to a trust set, pure: the same function gives the diff shown before
//! applying (on a copy) and the change written (inside the trust store's lock).
//!
//! Rules, for the list published at `source`:
//! - a key the list adds that is not trusted here is added, marked with `source`;
//! - a key this list added earlier follows the list (publisher, scopes, expiry, note), and is
//!   removed when the list no longer names it;
//! - a revocation in the list revokes the key here, whoever added it (revocation always wins);
//! - a key revoked here stays revoked (a local revocation wins over the list) and is kept even
//!   when the list drops it, so that a later version cannot bring it back;
//! - a key trusted here by hand or by another list is left as it is, and the difference named.

use serde::Serialize;
use time::OffsetDateTime;

use crate::trust::{KeyStatus, TrustSet, TrustedKey};

/// One publisher key a sync adds, changes, revokes, removes or leaves as it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct KeyChange {
    pub fingerprint: String,
    pub publisher: String,
    pub scopes: Vec<String>,
    /// What changes, in words (empty for an addition or a removal).
    pub detail: String,
}

impl KeyChange {
    fn of(k: &TrustedKey, detail: impl Into<String>) -> Self {
        KeyChange {
            fingerprint: k.fingerprint.clone(),
            publisher: k.publisher.clone(),
            scopes: k.scopes.clone(),
            detail: detail.into(),
        }
    }
}

/// What applying a list changes in a trust set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ListDiff {
    pub added: Vec<KeyChange>,
    pub changed: Vec<KeyChange>,
    pub revoked: Vec<KeyChange>,
    pub removed: Vec<KeyChange>,
    /// Keys the list names whose local entry is kept as it is (trusted here already, or
    /// revoked here), with the reason.
    pub kept_local: Vec<KeyChange>,
}

impl ListDiff {
    /// Whether applying changes nothing in the trust set.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty()
            && self.changed.is_empty()
            && self.revoked.is_empty()
            && self.removed.is_empty()
    }
}

/// Applies `list` (published at `source`) to `set` at `now`; returns what changed.
pub fn apply_list(
    set: &mut TrustSet,
    list: &TrustSet,
    source: &str,
    now: OffsetDateTime,
) -> ListDiff {
    let mut diff = ListDiff::default();
    let ours = |k: &TrustedKey| k.source.as_deref() == Some(source);
    for inc in &list.keys {
        let Some(local) = set
            .keys
            .iter_mut()
            .find(|k| k.fingerprint == inc.fingerprint)
        else {
            if inc.status == KeyStatus::Active {
                let mut k = inc.clone();
                k.has_private = false;
                k.source = Some(source.to_string());
                k.added_at = now;
                diff.added.push(KeyChange::of(&k, ""));
                set.keys.push(k);
            }
            continue;
        };
        match (local.status, inc.status) {
            (KeyStatus::Active, KeyStatus::Revoked) => {
                local.status = KeyStatus::Revoked;
                local.revoked_at = inc.revoked_at.or(Some(now));
                local.revoked_reason = Some(match &inc.revoked_reason {
                    Some(r) => format!("revoked by the trust list {source}: {r}"),
                    None => format!("revoked by the trust list {source}"),
                });
                diff.revoked
                    .push(KeyChange::of(local, "revoked by the list"));
            }
            (KeyStatus::Revoked, KeyStatus::Active) => diff.kept_local.push(KeyChange::of(
                local,
                "revoked here; the local revocation wins",
            )),
            (KeyStatus::Revoked, KeyStatus::Revoked) => {}
            (KeyStatus::Active, KeyStatus::Active) if ours(local) => {
                let changes = follow(local, inc);
                if !changes.is_empty() {
                    diff.changed.push(KeyChange::of(local, changes.join("; ")));
                }
            }
            (KeyStatus::Active, KeyStatus::Active) => {
                if !follow(&mut local.clone(), inc).is_empty() {
                    let by = match &local.source {
                        Some(other) => format!("trusted through {other}"),
                        None => "trusted here".to_string(),
                    };
                    diff.kept_local.push(KeyChange::of(
                        local,
                        format!("{by} with other terms; the local entry is kept"),
                    ));
                }
            }
        }
    }
    let named = |k: &TrustedKey| list.keys.iter().any(|i| i.fingerprint == k.fingerprint);
    set.keys.retain(|k| {
        let drop = ours(k) && k.status == KeyStatus::Active && !named(k);
        if drop {
            diff.removed.push(KeyChange::of(k, "no longer in the list"));
        }
        !drop
    });
    diff
}

/// Makes `local` follow `inc`'s terms; returns what changed, in words.
fn follow(local: &mut TrustedKey, inc: &TrustedKey) -> Vec<String> {
    let mut changes = Vec::new();
    if local.publisher != inc.publisher {
        changes.push(format!(
            "publisher `{}` → `{}`",
            local.publisher, inc.publisher
        ));
        local.publisher = inc.publisher.clone();
    }
    if local.scopes != inc.scopes {
        changes.push(format!(
            "scopes [{}] → [{}]",
            local.scopes.join(", "),
            inc.scopes.join(", ")
        ));
        local.scopes = inc.scopes.clone();
    }
    if local.expires_at != inc.expires_at {
        let show = |t: Option<OffsetDateTime>| t.map_or("never".to_string(), super::rfc3339);
        changes.push(format!(
            "expiry {} → {}",
            show(local.expires_at),
            show(inc.expires_at)
        ));
        local.expires_at = inc.expires_at;
    }
    if local.note != inc.note {
        changes.push("note changed".to_string());
        local.note = inc.note.clone();
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{Algorithm, PrivateKey};
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2027-01-01 00:00 UTC);
    const SRC: &str = "reg.example/team/trust:prod";

    fn key(publisher: &str, scopes: &[&str]) -> TrustedKey {
        let k = PrivateKey::generate(Algorithm::Ed25519).expect("key");
        let scopes = scopes.iter().map(|s| s.to_string()).collect();
        TrustedKey::new(&k.public_key(), publisher, scopes, NOW)
    }

    fn list(keys: &[&TrustedKey]) -> TrustSet {
        TrustSet {
            keys: keys.iter().map(|k| (*k).clone()).collect(),
            ..TrustSet::default()
        }
    }

    fn revoked(k: &TrustedKey) -> TrustedKey {
        TrustedKey {
            status: KeyStatus::Revoked,
            revoked_reason: Some("leaked".into()),
            ..k.clone()
        }
    }

    #[test]
    fn keys_are_added_with_their_source_then_follow_the_list_and_leave_with_it() {
        let (a, b) = (key("a", &["reg/a/**"]), key("b", &[]));
        let mut set = TrustSet::default();
        let d = apply_list(&mut set, &list(&[&a, &b]), SRC, NOW);
        assert_eq!(d.added.len(), 2);
        assert!(set.keys.iter().all(|k| k.source.as_deref() == Some(SRC)));
        let a2 = TrustedKey {
            scopes: vec!["reg/a/app".into()],
            ..a
        };
        let d = apply_list(&mut set, &list(&[&a2]), SRC, NOW);
        assert_eq!(d.changed.len(), 1, "{d:?}");
        assert!(d.changed[0]
            .detail
            .contains("scopes [reg/a/**] → [reg/a/app]"));
        assert_eq!(d.removed.len(), 1);
        assert_eq!(d.removed[0].fingerprint, b.fingerprint);
        assert_eq!(set.keys.len(), 1);
        assert_eq!(set.keys[0].scopes, vec!["reg/a/app".to_string()]);
        assert!(apply_list(&mut set, &list(&[&a2]), SRC, NOW).is_empty());
    }

    #[test]
    fn a_revocation_in_the_list_wins_and_a_local_revocation_wins_over_the_list() {
        let (a, b) = (key("a", &[]), key("b", &[]));
        let mut set = TrustSet::default();
        apply_list(&mut set, &list(&[&a, &b]), SRC, NOW);
        // The list revokes a.
        let d = apply_list(&mut set, &list(&[&revoked(&a), &b]), SRC, NOW);
        assert_eq!(d.revoked.len(), 1);
        assert_eq!(
            set.key(&a.fingerprint).map(|k| k.status),
            Some(KeyStatus::Revoked)
        );
        // The person revokes b here; the list still names it active, then drops it.
        if let Some(k) = set.keys.iter_mut().find(|k| k.fingerprint == b.fingerprint) {
            k.status = KeyStatus::Revoked;
        }
        let d = apply_list(&mut set, &list(&[&a, &b]), SRC, NOW);
        assert_eq!(d.kept_local.len(), 2, "{d:?}");
        assert!(d.is_empty());
        let d = apply_list(&mut set, &list(&[]), SRC, NOW);
        assert!(d.removed.is_empty(), "revoked keys are kept: {d:?}");
        assert!(set.keys.iter().all(|k| k.status == KeyStatus::Revoked));
    }

    #[test]
    fn keys_trusted_here_or_by_another_list_are_kept_but_revocations_apply() {
        let mine = key("mine", &["reg/mine/**"]);
        let mut set = list(&[&mine]);
        let theirs = TrustedKey {
            scopes: vec!["**".into()],
            ..mine.clone()
        };
        let d = apply_list(&mut set, &list(&[&theirs]), SRC, NOW);
        assert_eq!(d.kept_local.len(), 1);
        assert!(d.kept_local[0].detail.contains("trusted here"));
        assert_eq!(set.keys[0].scopes, vec!["reg/mine/**".to_string()]);
        assert_eq!(set.keys[0].source, None);
        let d = apply_list(&mut set, &list(&[]), SRC, NOW);
        assert!(d.removed.is_empty());
        let d = apply_list(&mut set, &list(&[&revoked(&mine)]), SRC, NOW);
        assert_eq!(d.revoked.len(), 1);
        assert_eq!(set.keys[0].status, KeyStatus::Revoked);
    }
}
