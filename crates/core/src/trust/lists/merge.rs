//! Applying a verified list to a trust set, pure: the same function gives the diff shown before
//! applying (on a copy) and the change written (inside the trust store's lock).
//!
//! Rules, for the list published at `source`, the same for keys and keyless identities
//! (written once, generic over the trust store's entries):
//! - a publisher the list adds that is not trusted here is added, marked with `source`;
//! - a publisher this list added earlier follows the list (publisher, scopes, expiry, note),
//!   and is removed when the list no longer names it;
//! - a revocation in the list revokes it here, whoever added it (revocation always wins);
//! - one revoked here stays revoked (a local revocation wins over the list) and is kept even
//!   when the list drops it, so that a later version cannot bring it back;
//! - one trusted here by hand or by another list is left as it is, and the difference named.
//!
//! An identity tied to a custom trusted root is trusted only when this profile has a root of
//! that name whose document has the digest the list carries (see
//! [`ListDocument::trusted_roots`]): otherwise a name could mean another root here, so the
//! identity is not applied (nor followed: one added earlier is removed) and is reported in
//! [`IdentityDiff::not_applied`] with the reason. A revocation applies whatever the root.

use std::collections::BTreeMap;

use serde::Serialize;
use time::OffsetDateTime;

use super::document::ListDocument;
use crate::trust::entry::Entry;
use crate::trust::{KeyStatus, TrustSet, TrustedIdentity, TrustedKey};

/// The custom trusted roots of the profile a list is applied in, by name: the `sha256:`
/// digest of each one's document as stored (only the names the list pins are needed).
pub type LocalRoots = BTreeMap<String, String>;

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
    fn of(k: &TrustedKey, detail: String) -> Self {
        KeyChange {
            fingerprint: k.fingerprint.clone(),
            publisher: k.publisher.clone(),
            scopes: k.scopes.clone(),
            detail,
        }
    }
}

/// One keyless identity a sync adds, changes, revokes, removes, leaves as it is or does not
/// apply: who it is (publisher, issuer, subject) and what changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct IdentityChange {
    /// The identity's stable id (`id:` + 12 hex digits).
    pub id: String,
    pub publisher: String,
    /// The OIDC issuer.
    pub issuer: String,
    /// The subject as written: an email or URI, a glob or a regular expression.
    pub subject: String,
    /// `exact`, `glob` or `regexp`.
    pub subject_kind: String,
    /// The custom trusted root it is tied to; `None`: the Sigstore public-good root.
    pub trusted_root: Option<String>,
    pub scopes: Vec<String>,
    /// What changes, or why it is kept or not applied, in words (empty for an addition).
    pub detail: String,
}

impl IdentityChange {
    fn of(i: &TrustedIdentity, detail: String) -> Self {
        IdentityChange {
            id: i.id.clone(),
            publisher: i.publisher.clone(),
            issuer: i.identity.issuer.clone(),
            subject: i.identity.subject.text().to_string(),
            subject_kind: i.identity.subject.kind().to_string(),
            trusted_root: i.identity.trusted_root.clone(),
            scopes: i.scopes.clone(),
            detail,
        }
    }
}

/// What applying a list changes in the trust set's keyless identities.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct IdentityDiff {
    pub added: Vec<IdentityChange>,
    pub changed: Vec<IdentityChange>,
    pub revoked: Vec<IdentityChange>,
    pub removed: Vec<IdentityChange>,
    /// Identities the list names whose local entry is kept as it is, with the reason.
    pub kept_local: Vec<IdentityChange>,
    /// Identities the list names that are not trusted here, with the reason: the custom
    /// trusted root they are tied to is missing here or is another document.
    pub not_applied: Vec<IdentityChange>,
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
    /// The same for keyless identities, and those not applied.
    pub identities: IdentityDiff,
}

impl ListDiff {
    /// Whether applying changes nothing in the trust set.
    pub fn is_empty(&self) -> bool {
        let i = &self.identities;
        self.added.is_empty()
            && self.changed.is_empty()
            && self.revoked.is_empty()
            && self.removed.is_empty()
            && i.added.is_empty()
            && i.changed.is_empty()
            && i.revoked.is_empty()
            && i.removed.is_empty()
    }
}

/// The changes to one kind of entry, grouped as a [`ListDiff`] shows them.
struct Changes<C> {
    added: Vec<C>,
    changed: Vec<C>,
    revoked: Vec<C>,
    removed: Vec<C>,
    kept_local: Vec<C>,
}

/// Applies `list` (published at `source`) to `set` at `now`; `roots` are this profile's
/// custom trusted roots, for the identities tied to one. Returns what changed.
pub fn apply_list(
    set: &mut TrustSet,
    list: &ListDocument,
    source: &str,
    roots: &LocalRoots,
    now: OffsetDateTime,
) -> ListDiff {
    let keys = apply_entries(
        &mut set.keys,
        &list.set.keys,
        source,
        now,
        |_| true,
        KeyChange::of,
    );
    let problem = |i: &TrustedIdentity| root_problem(i, list, roots);
    let ids = apply_entries(
        &mut set.identities,
        &list.set.identities,
        source,
        now,
        |i| problem(i).is_none(),
        IdentityChange::of,
    );
    let revoked_here = |i: &TrustedIdentity| {
        set.identity(&i.id)
            .is_some_and(|l| l.status == KeyStatus::Revoked)
    };
    let not_applied = list
        .set
        .identities
        .iter()
        .filter(|i| i.status == KeyStatus::Active && !revoked_here(i))
        .filter_map(|i| Some(IdentityChange::of(i, problem(i)?)))
        .collect();
    ListDiff {
        added: keys.added,
        changed: keys.changed,
        revoked: keys.revoked,
        removed: keys.removed,
        kept_local: keys.kept_local,
        identities: IdentityDiff {
            added: ids.added,
            changed: ids.changed,
            revoked: ids.revoked,
            removed: ids.removed,
            kept_local: ids.kept_local,
            not_applied,
        },
    }
}

/// Why the identity `i` of `list` cannot be trusted here, if it cannot: it is tied to a custom
/// trusted root this profile lacks, or has as another document, or the list pins no digest.
fn root_problem(i: &TrustedIdentity, list: &ListDocument, roots: &LocalRoots) -> Option<String> {
    let name = i.identity.trusted_root.as_deref()?;
    let who = format!(
        "{} ({} by {})",
        i.publisher,
        i.identity.subject.text(),
        i.identity.issuer
    );
    let Some(pin) = list.root(name) else {
        return Some(format!(
            "identity {who} is tied to the trusted root `{name}`, but the list carries no digest of that root; it was not applied"
        ));
    };
    match roots.get(name) {
        None => Some(format!(
            "identity {who} needs the trusted root `{name}` ({}), which this profile does not have: add that root under the name `{name}`, then sync again",
            pin.digest
        )),
        Some(here) if *here != pin.digest => Some(format!(
            "identity {who} needs the trusted root `{name}` ({}), but this profile's root of that name is another document ({here}); it was not applied",
            pin.digest
        )),
        Some(_) => None,
    }
}

/// Applies the entries of one kind (`incoming`, from the list at `source`) to `local`.
/// `usable` says whether an active incoming entry may be trusted here at all; `describe`
/// makes the change shown for an entry.
fn apply_entries<T: Entry, C>(
    local: &mut Vec<T>,
    incoming: &[T],
    source: &str,
    now: OffsetDateTime,
    usable: impl Fn(&T) -> bool,
    describe: impl Fn(&T, String) -> C,
) -> Changes<C> {
    let mut out = Changes {
        added: Vec::new(),
        changed: Vec::new(),
        revoked: Vec::new(),
        removed: Vec::new(),
        kept_local: Vec::new(),
    };
    let ours = |e: &T| e.source() == Some(source);
    for inc in incoming {
        let Some(here) = local.iter_mut().find(|e| e.id() == inc.id()) else {
            if inc.status() == KeyStatus::Active && usable(inc) {
                let e = inc.subscribed(source, now);
                out.added.push(describe(&e, String::new()));
                local.push(e);
            }
            continue;
        };
        match (here.status(), inc.status()) {
            (KeyStatus::Active, KeyStatus::Revoked) => {
                let (at, reason) = inc.revoked();
                let reason = match reason {
                    Some(r) => format!("revoked by the trust list {source}: {r}"),
                    None => format!("revoked by the trust list {source}"),
                };
                here.revocation().revoke(Some(&reason), at.unwrap_or(now));
                out.revoked
                    .push(describe(here, "revoked by the list".to_string()));
            }
            (KeyStatus::Revoked, KeyStatus::Active) => out.kept_local.push(describe(
                here,
                "revoked here; the local revocation wins".to_string(),
            )),
            (KeyStatus::Revoked, KeyStatus::Revoked) => {}
            // Not usable: dropped below, as if the list no longer named it.
            (KeyStatus::Active, KeyStatus::Active) if ours(here) && !usable(inc) => {}
            (KeyStatus::Active, KeyStatus::Active) if ours(here) => {
                let changes = follow(here, inc);
                if !changes.is_empty() {
                    out.changed.push(describe(here, changes.join("; ")));
                }
            }
            (KeyStatus::Active, KeyStatus::Active) => {
                if !follow(&mut here.clone(), inc).is_empty() {
                    let by = match here.source() {
                        Some(other) => format!("trusted through {other}"),
                        None => "trusted here".to_string(),
                    };
                    out.kept_local.push(describe(
                        here,
                        format!("{by} with other terms; the local entry is kept"),
                    ));
                }
            }
        }
    }
    let named = |e: &T| incoming.iter().find(|i| i.id() == e.id());
    local.retain(|e| {
        if !ours(e) || e.status() != KeyStatus::Active {
            return true;
        }
        let why = match named(e) {
            None => "no longer in the list",
            Some(i) if !usable(i) => "the list names it, but it can no longer be trusted here",
            Some(_) => return true,
        };
        out.removed.push(describe(e, why.to_string()));
        false
    });
    out
}

/// Makes `local` follow `inc`'s terms; returns what changed, in words.
fn follow<T: Entry>(local: &mut T, inc: &T) -> Vec<String> {
    let mut changes = Vec::new();
    let d = local.details();
    if d.publisher.as_str() != inc.publisher() {
        changes.push(format!(
            "publisher `{}` → `{}`",
            d.publisher,
            inc.publisher()
        ));
        *d.publisher = inc.publisher().to_string();
    }
    if d.scopes.as_slice() != inc.scopes() {
        changes.push(format!(
            "scopes [{}] → [{}]",
            d.scopes.join(", "),
            inc.scopes().join(", ")
        ));
        *d.scopes = inc.scopes().to_vec();
    }
    if *d.expires_at != inc.expires_at() {
        let show = |t: Option<OffsetDateTime>| t.map_or("never".to_string(), super::rfc3339);
        changes.push(format!(
            "expiry {} → {}",
            show(*d.expires_at),
            show(inc.expires_at())
        ));
        *d.expires_at = inc.expires_at();
    }
    if d.note.as_deref() != inc.note() {
        changes.push("note changed".to_string());
        *d.note = inc.note().map(str::to_string);
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{Algorithm, PrivateKey};
    use crate::trust::lists::ListRoot;
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

    /// Applies a list of keys only, in a profile without custom roots.
    fn apply(set: &mut TrustSet, list: &TrustSet, src: &str, now: OffsetDateTime) -> ListDiff {
        let doc = ListDocument {
            set: list.clone(),
            trusted_roots: Vec::new(),
        };
        apply_list(set, &doc, src, &LocalRoots::new(), now)
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
        let d = apply(&mut set, &list(&[&a, &b]), SRC, NOW);
        assert_eq!(d.added.len(), 2);
        assert!(set.keys.iter().all(|k| k.source.as_deref() == Some(SRC)));
        let a2 = TrustedKey {
            scopes: vec!["reg/a/app".into()],
            ..a
        };
        let d = apply(&mut set, &list(&[&a2]), SRC, NOW);
        assert_eq!(d.changed.len(), 1, "{d:?}");
        assert!(d.changed[0]
            .detail
            .contains("scopes [reg/a/**] → [reg/a/app]"));
        assert_eq!(d.removed.len(), 1);
        assert_eq!(d.removed[0].fingerprint, b.fingerprint);
        assert_eq!(set.keys.len(), 1);
        assert_eq!(set.keys[0].scopes, vec!["reg/a/app".to_string()]);
        assert!(apply(&mut set, &list(&[&a2]), SRC, NOW).is_empty());
    }

    #[test]
    fn a_revocation_in_the_list_wins_and_a_local_revocation_wins_over_the_list() {
        let (a, b) = (key("a", &[]), key("b", &[]));
        let mut set = TrustSet::default();
        apply(&mut set, &list(&[&a, &b]), SRC, NOW);
        // The list revokes a.
        let d = apply(&mut set, &list(&[&revoked(&a), &b]), SRC, NOW);
        assert_eq!(d.revoked.len(), 1);
        assert_eq!(
            set.key(&a.fingerprint).map(|k| k.status),
            Some(KeyStatus::Revoked)
        );
        // The person revokes b here; the list still names it active, then drops it.
        if let Some(k) = set.keys.iter_mut().find(|k| k.fingerprint == b.fingerprint) {
            k.status = KeyStatus::Revoked;
        }
        let d = apply(&mut set, &list(&[&a, &b]), SRC, NOW);
        assert_eq!(d.kept_local.len(), 2, "{d:?}");
        assert!(d.is_empty());
        let d = apply(&mut set, &list(&[]), SRC, NOW);
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
        let d = apply(&mut set, &list(&[&theirs]), SRC, NOW);
        assert_eq!(d.kept_local.len(), 1);
        assert!(d.kept_local[0].detail.contains("trusted here"));
        assert_eq!(set.keys[0].scopes, vec!["reg/mine/**".to_string()]);
        assert_eq!(set.keys[0].source, None);
        let d = apply(&mut set, &list(&[]), SRC, NOW);
        assert!(d.removed.is_empty());
        let d = apply(&mut set, &list(&[&revoked(&mine)]), SRC, NOW);
        assert_eq!(d.revoked.len(), 1);
        assert_eq!(set.keys[0].status, KeyStatus::Revoked);
    }

    fn identity(publisher: &str, subject: &str, root: Option<&str>) -> TrustedIdentity {
        let id = crate::trust::Identity::new(
            "https://token.actions.githubusercontent.com",
            crate::trust::Subject::Exact(subject.into()),
            Default::default(),
            root,
        )
        .expect("identity");
        TrustedIdentity::new(id, publisher, vec!["reg/app/**".into()], NOW)
    }

    fn ids(identities: &[&TrustedIdentity], roots: &[(&str, &str)]) -> ListDocument {
        ListDocument {
            set: TrustSet {
                identities: identities.iter().map(|i| (*i).clone()).collect(),
                ..TrustSet::default()
            },
            trusted_roots: roots
                .iter()
                .map(|(name, digest)| ListRoot {
                    name: name.to_string(),
                    digest: digest.to_string(),
                })
                .collect(),
        }
    }

    fn revoked_identity(i: &TrustedIdentity) -> TrustedIdentity {
        TrustedIdentity {
            status: KeyStatus::Revoked,
            revoked_reason: Some("workflow compromised".into()),
            ..i.clone()
        }
    }

    const WF: &str = "https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main";

    #[test]
    fn identities_follow_the_same_rules_as_keys() {
        let (a, b) = (
            identity("acme", WF, None),
            identity("beta", "dev@beta.example", None),
        );
        let none = LocalRoots::new();
        let mut set = TrustSet::default();
        let d = apply_list(&mut set, &ids(&[&a, &b], &[]), SRC, &none, NOW);
        assert_eq!(d.identities.added.len(), 2, "{d:?}");
        assert!(!d.is_empty());
        let added = &d.identities.added[0];
        assert_eq!(
            (
                added.publisher.as_str(),
                added.issuer.as_str(),
                added.subject.as_str()
            ),
            ("acme", "https://token.actions.githubusercontent.com", WF)
        );
        assert!(set
            .identities
            .iter()
            .all(|i| i.source.as_deref() == Some(SRC)));
        // The list narrows a's scope and drops b.
        let a2 = TrustedIdentity {
            scopes: vec!["reg/app/web".into()],
            ..a.clone()
        };
        let d = apply_list(&mut set, &ids(&[&a2], &[]), SRC, &none, NOW);
        assert_eq!(d.identities.changed.len(), 1, "{d:?}");
        assert!(d.identities.changed[0].detail.contains("→ [reg/app/web]"));
        assert_eq!(d.identities.removed.len(), 1);
        assert_eq!(d.identities.removed[0].id, b.id);
        assert_eq!(set.identities.len(), 1);
        // The list revokes a: revoked here, with the list's reason.
        let d = apply_list(
            &mut set,
            &ids(&[&revoked_identity(&a2)], &[]),
            SRC,
            &none,
            NOW,
        );
        assert_eq!(d.identities.revoked.len(), 1, "{d:?}");
        let here = set.identity(&a.id).expect("kept");
        assert_eq!(here.status, KeyStatus::Revoked);
        assert!(here
            .revoked_reason
            .as_deref()
            .is_some_and(|r| r.contains("workflow compromised") && r.contains(SRC)));
        // A later version naming it active again cannot bring it back, nor can dropping it
        // remove the revocation.
        let d = apply_list(&mut set, &ids(&[&a2], &[]), SRC, &none, NOW);
        assert_eq!(d.identities.kept_local.len(), 1, "{d:?}");
        assert!(d.is_empty());
        let d = apply_list(&mut set, &ids(&[], &[]), SRC, &none, NOW);
        assert!(d.identities.removed.is_empty(), "{d:?}");
        assert_eq!(set.identities.len(), 1);
    }

    #[test]
    fn an_identity_trusted_here_is_never_overwritten_by_a_list_but_is_revoked_by_it() {
        let mine = identity("mine", WF, None);
        let mut set = TrustSet {
            identities: vec![mine.clone()],
            ..TrustSet::default()
        };
        let wider = TrustedIdentity {
            scopes: vec!["**".into()],
            publisher: "theirs".into(),
            ..mine.clone()
        };
        let none = LocalRoots::new();
        let d = apply_list(&mut set, &ids(&[&wider], &[]), SRC, &none, NOW);
        assert!(d.is_empty(), "{d:?}");
        assert!(d.identities.kept_local[0].detail.contains("trusted here"));
        assert_eq!(set.identities[0], mine, "the local entry is untouched");
        let d = apply_list(&mut set, &ids(&[], &[]), SRC, &none, NOW);
        assert!(d.identities.removed.is_empty());
        assert_eq!(set.identities.len(), 1);
        let d = apply_list(
            &mut set,
            &ids(&[&revoked_identity(&mine)], &[]),
            SRC,
            &none,
            NOW,
        );
        assert_eq!(d.identities.revoked.len(), 1);
        assert_eq!(set.identities[0].status, KeyStatus::Revoked);
        assert_eq!(set.identities[0].source, None);
    }

    #[test]
    fn an_identity_tied_to_a_custom_root_needs_the_same_root_here() {
        let corp = identity("acme", WF, Some("corp"));
        let pinned = format!("sha256:{}", "a".repeat(64));
        let other = format!("sha256:{}", "b".repeat(64));
        let list = ids(&[&corp], &[("corp", &pinned)]);
        let mut set = TrustSet::default();
        // No root of that name here: not applied, and said why.
        let d = apply_list(&mut set, &list, SRC, &LocalRoots::new(), NOW);
        assert!(d.is_empty(), "{d:?}");
        assert!(set.identities.is_empty());
        let why = &d.identities.not_applied[0].detail;
        assert!(
            why.contains("trusted root `corp`")
                && why.contains(&pinned)
                && why.contains("does not have"),
            "{why}"
        );
        // A root of that name, but another document: not applied either.
        let differs = LocalRoots::from([("corp".to_string(), other.clone())]);
        let d = apply_list(&mut set, &list, SRC, &differs, NOW);
        assert!(set.identities.is_empty());
        assert!(d.identities.not_applied[0].detail.contains(&other), "{d:?}");
        // A list that names the root without its digest: not applied.
        let d = apply_list(&mut set, &ids(&[&corp], &[]), SRC, &differs, NOW);
        assert!(d.identities.not_applied[0].detail.contains("no digest"));
        assert!(set.identities.is_empty());
        // The same root here: applied.
        let same = LocalRoots::from([("corp".to_string(), pinned)]);
        let d = apply_list(&mut set, &list, SRC, &same, NOW);
        assert_eq!(d.identities.added.len(), 1, "{d:?}");
        assert!(d.identities.not_applied.is_empty());
        // The list's root changes afterwards: the identity it added is removed, not kept.
        let moved = ids(&[&corp], &[("corp", &other)]);
        let d = apply_list(&mut set, &moved, SRC, &same, NOW);
        assert_eq!(d.identities.removed.len(), 1, "{d:?}");
        assert_eq!(d.identities.not_applied.len(), 1);
        assert!(set.identities.is_empty());
        // A revocation applies whatever the root.
        apply_list(&mut set, &list, SRC, &same, NOW);
        let revoked = ids(&[&revoked_identity(&corp)], &[]);
        let d = apply_list(&mut set, &revoked, SRC, &LocalRoots::new(), NOW);
        assert_eq!(d.identities.revoked.len(), 1, "{d:?}");
        assert_eq!(set.identities[0].status, KeyStatus::Revoked);
    }
}
