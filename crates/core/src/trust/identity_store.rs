//! The store's keyless identities: add, find, revoke, remove. Identities hold no secret, so
//! they live in the trust-set document beside the keys (one keychain item per profile, read
//! in the same single read) and travel with `trust export`/`import`.

use time::OffsetDateTime;

use super::entry::Entry as _;
use super::store::{clean_publisher, now, validate_scopes};
use super::{Identity, TrustError, TrustSet, TrustStore, TrustedIdentity};

impl TrustStore {
    /// Finds one identity by its id (`id:` + 12 hex digits; the `id:` may be left out) or its
    /// publisher name.
    pub fn find_identity<'s>(
        set: &'s TrustSet,
        query: &str,
    ) -> Result<&'s TrustedIdentity, TrustError> {
        let q = query.trim();
        let id = format!("id:{}", q.strip_prefix("id:").unwrap_or(q).to_ascii_lowercase());
        if let Some(i) = set.identity(&id) {
            return Ok(i);
        }
        match set
            .identities
            .iter()
            .filter(|i| i.publisher == q)
            .collect::<Vec<_>>()
            .as_slice()
        {
            [] => Err(TrustError::IdentityNotFound(q.to_string())),
            [one] => Ok(*one),
            many => Err(TrustError::AmbiguousIdentity {
                query: q.to_string(),
                candidates: many.iter().map(|i| i.label()).collect(),
            }),
        }
    }

    /// One identity, looked up as [`TrustStore::find_identity`] does.
    pub fn resolve_identity(&self, query: &str) -> Result<TrustedIdentity, TrustError> {
        Self::find_identity(&self.load()?, query).cloned()
    }

    /// Trusts a keyless identity, or updates the one already there with the same id (no
    /// duplicates). Returns it and whether it already existed. A revoked identity stays
    /// revoked. Without a publisher name, the subject names it.
    pub fn add_identity(
        &self,
        identity: Identity,
        publisher: Option<&str>,
        scopes: &[String],
        note: Option<&str>,
        expires_at: Option<OffsetDateTime>,
    ) -> Result<(TrustedIdentity, bool), TrustError> {
        identity.validate()?;
        let scopes = validate_scopes(scopes)?;
        let publisher = publisher
            .filter(|p| !p.trim().is_empty())
            .map(|p| clean_publisher(Some(p)));
        self.update(|set| {
            let id = identity.id();
            if let Some(i) = set.identities.iter_mut().find(|i| i.id == id) {
                i.details().update(publisher, &scopes, note, expires_at);
                return Ok((i.clone(), true));
            }
            let name = publisher.unwrap_or_else(|| identity.subject.text().to_string());
            let mut i = TrustedIdentity::new(identity, name, scopes, now());
            i.note = note.map(str::to_string);
            i.expires_at = expires_at;
            set.identities.push(i.clone());
            Ok((i, false))
        })
    }

    /// Marks an identity revoked, with a reason and the time; it stays visible.
    pub fn revoke_identity(
        &self,
        query: &str,
        reason: Option<&str>,
    ) -> Result<TrustedIdentity, TrustError> {
        self.update(|set| {
            let at = position(set, query)?;
            let i = &mut set.identities[at];
            i.revocation().revoke(reason, now());
            Ok(i.clone())
        })
    }

    /// Removes an identity from the trust set.
    pub fn remove_identity(&self, query: &str) -> Result<TrustedIdentity, TrustError> {
        self.update(|set| {
            let at = position(set, query)?;
            Ok(set.identities.remove(at))
        })
    }
}

/// Where the identity `query` names is in the set.
fn position(set: &TrustSet, query: &str) -> Result<usize, TrustError> {
    let id = TrustStore::find_identity(set, query)?.id.clone();
    set.identities
        .iter()
        .position(|i| i.id == id)
        .ok_or_else(|| TrustError::IdentityNotFound(query.to_string()))
}
