//! What trusted keys and trusted identities have in common in the store: an id, a label, a
//! publisher, scopes, expiry and revocation. Revoking and merging an imported trust set are
//! written once, here, for both.

use time::OffsetDateTime;

use super::{ImportReport, KeyStatus, TrustedIdentity, TrustedKey};

/// A trusted signer as the store changes it.
pub(super) trait Entry: Clone {
    /// What identifies it in a trust set (a fingerprint, an identity id).
    fn id(&self) -> &str;
    fn label(&self) -> String;
    fn publisher(&self) -> &str;
    fn note(&self) -> Option<&str>;
    fn scopes(&self) -> &[String];
    fn expires_at(&self) -> Option<OffsetDateTime>;
    fn status(&self) -> KeyStatus;
    /// When and why it was revoked.
    fn revoked(&self) -> (Option<OffsetDateTime>, Option<&str>);
    fn revocation(&mut self) -> Revocation<'_>;
    /// Its publisher, note, scopes and expiry, to change them.
    fn details(&mut self) -> Details<'_>;
    /// The entry as it is added from someone else's trust set.
    fn imported(&self) -> Self {
        self.clone()
    }
    /// The subscribed team trust list that added it, if one did.
    fn source(&self) -> Option<&str>;
    /// The entry as a sync of the list published at `source` adds it at `now`.
    fn subscribed(&self, source: &str, now: OffsetDateTime) -> Self;
}

/// The fields a person edits, to change them.
pub(super) struct Details<'a> {
    pub(super) publisher: &'a mut String,
    pub(super) note: &'a mut Option<String>,
    pub(super) scopes: &'a mut Vec<String>,
    pub(super) expires_at: &'a mut Option<OffsetDateTime>,
}

impl Details<'_> {
    /// Adding again what is already trusted: what is given replaces, what is not stays.
    pub(super) fn update(
        self,
        publisher: Option<String>,
        scopes: &[String],
        note: Option<&str>,
        expires_at: Option<OffsetDateTime>,
    ) {
        if let Some(p) = publisher {
            *self.publisher = p;
        }
        if !scopes.is_empty() {
            *self.scopes = scopes.to_vec();
        }
        if let Some(n) = note {
            *self.note = Some(n.to_string());
        }
        if expires_at.is_some() {
            *self.expires_at = expires_at;
        }
    }
}

/// The revocation fields of an entry, to change them.
pub(super) struct Revocation<'a> {
    status: &'a mut KeyStatus,
    at: &'a mut Option<OffsetDateTime>,
    reason: &'a mut Option<String>,
}

impl Revocation<'_> {
    /// Revokes at `at` unless already revoked (the first time stays); a reason replaces the old.
    pub(super) fn revoke(self, reason: Option<&str>, at: OffsetDateTime) {
        if *self.status != KeyStatus::Revoked {
            *self.status = KeyStatus::Revoked;
            *self.at = Some(at);
        }
        if let Some(r) = reason {
            *self.reason = Some(r.to_string());
        }
    }
}

macro_rules! entry_fields {
    () => {
        fn publisher(&self) -> &str {
            &self.publisher
        }
        fn note(&self) -> Option<&str> {
            self.note.as_deref()
        }
        fn source(&self) -> Option<&str> {
            self.source.as_deref()
        }
        fn subscribed(&self, source: &str, now: OffsetDateTime) -> Self {
            let mut e = Entry::imported(self);
            e.source = Some(source.to_string());
            e.added_at = now;
            e
        }
        fn scopes(&self) -> &[String] {
            &self.scopes
        }
        fn expires_at(&self) -> Option<OffsetDateTime> {
            self.expires_at
        }
        fn status(&self) -> KeyStatus {
            self.status
        }
        fn revoked(&self) -> (Option<OffsetDateTime>, Option<&str>) {
            (self.revoked_at, self.revoked_reason.as_deref())
        }
        fn label(&self) -> String {
            Self::label(self)
        }
        fn details(&mut self) -> Details<'_> {
            Details {
                publisher: &mut self.publisher,
                note: &mut self.note,
                scopes: &mut self.scopes,
                expires_at: &mut self.expires_at,
            }
        }
        fn revocation(&mut self) -> Revocation<'_> {
            Revocation {
                status: &mut self.status,
                at: &mut self.revoked_at,
                reason: &mut self.revoked_reason,
            }
        }
    };
}

impl Entry for TrustedKey {
    fn id(&self) -> &str {
        &self.fingerprint
    }
    fn imported(&self) -> Self {
        TrustedKey {
            has_private: false,
            ..self.clone()
        }
    }
    entry_fields!();
}

impl Entry for TrustedIdentity {
    fn id(&self) -> &str {
        &self.id
    }
    entry_fields!();
}

/// Merges `incoming` into `local`: new entries are added; a revocation in `incoming` is applied
/// (revocation always wins, with its time and reason); any other difference is a conflict,
/// reported, and the local value kept.
pub(super) fn merge<T: Entry>(
    local: &mut Vec<T>,
    incoming: &[T],
    report: &mut ImportReport,
    now: OffsetDateTime,
) {
    for inc in incoming {
        let Some(l) = local.iter_mut().find(|l| l.id() == inc.id()) else {
            let e = inc.imported();
            report.added.push(e.label());
            local.push(e);
            continue;
        };
        let mut changed = false;
        if inc.status() == KeyStatus::Revoked && l.status() == KeyStatus::Active {
            let (at, reason) = inc.revoked();
            let to = l.revocation();
            *to.reason = None;
            to.revoke(reason, at.unwrap_or(now));
            report.revoked.push(l.label());
            changed = true;
        }
        let mut diffs = Vec::new();
        if inc.publisher() != l.publisher() {
            diffs.push(format!(
                "publisher `{}` vs `{}`",
                l.publisher(),
                inc.publisher()
            ));
        }
        if inc.scopes() != l.scopes() {
            diffs.push(format!(
                "scopes [{}] vs [{}]",
                l.scopes().join(", "),
                inc.scopes().join(", ")
            ));
        }
        if inc.expires_at() != l.expires_at() {
            diffs.push("expiry differs".to_string());
        }
        if inc.status() == KeyStatus::Active && l.status() == KeyStatus::Revoked {
            diffs.push("revoked here, active in the file".to_string());
        }
        if !diffs.is_empty() {
            report.conflicts.push(format!(
                "{}: {} (kept the local value)",
                l.label(),
                diffs.join("; ")
            ));
        } else if !changed {
            report.unchanged.push(l.label());
        }
    }
}
