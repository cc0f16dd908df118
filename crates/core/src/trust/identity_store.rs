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
        let id = format!(
            "id:{}",
            q.strip_prefix("id:").unwrap_or(q).to_ascii_lowercase()
        );
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::trust::identity::{Claims, Subject};
    use crate::trust::{KeyStatus, MemoryBackend, SecretBackend, TRUST_SET_VERSION};

    const V1: &str = include_str!("../../tests/fixtures/trust/v1-two-keys.json");
    const ITEM: &str = "test/trust-set";

    fn store() -> (TrustStore, Arc<MemoryBackend>, tempfile::TempDir) {
        let dir = tempfile::tempdir().expect("tempdir");
        let mem = Arc::new(MemoryBackend::new());
        let s = TrustStore::new(mem.clone(), "test", dir.path().join("test.lock"));
        (s, mem, dir)
    }

    fn release() -> Identity {
        Identity::new(
            "https://token.actions.githubusercontent.com",
            Subject::Exact(
                "https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v1".into(),
            ),
            Claims {
                trigger: Some("push".into()),
                ..Claims::default()
            },
            None,
        )
        .expect("identity")
    }

    fn json(bytes: &[u8]) -> serde_json::Value {
        serde_json::from_slice(bytes).expect("json")
    }

    /// A version-1 document is read as it is (no write on read), and the first change writes
    /// version 2 with the keys and policies exactly as they were.
    #[test]
    fn a_v1_document_is_read_and_migrated_on_the_first_write() {
        let (s, mem, _d) = store();
        mem.set(ITEM, "label", V1.as_bytes()).expect("seed");
        let set = s.load().expect("v1 reads");
        assert_eq!(set.keys.len(), 2);
        assert!(set.identities.is_empty());
        assert_eq!(
            json(&mem.get(ITEM).expect("get").expect("some")),
            json(V1.as_bytes())
        );

        let (added, existed) = s
            .add_identity(release(), Some("acme"), &[], None, None)
            .expect("add");
        assert!(!existed);
        let written = json(&mem.get(ITEM).expect("get").expect("some"));
        let old = json(V1.as_bytes());
        assert_eq!(written["version"], TRUST_SET_VERSION);
        assert_eq!(
            written["keys"], old["keys"],
            "the keys are written as v1 had them"
        );
        assert_eq!(written["policies"], old["policies"]);
        assert_eq!(written["identities"][0]["id"], added.id.as_str());
        // What a v1 reader took from the keys is what this build reads back.
        let back = s.load().expect("v2 reads");
        assert_eq!(
            back.keys,
            TrustSet::from_json(V1.as_bytes()).expect("v1").keys
        );
        assert_eq!(back.identities, vec![added]);
    }

    /// The checked-in version-2 document (also a fuzz seed) reads, and round-trips.
    #[test]
    fn a_v2_document_reads_and_round_trips() {
        let doc = include_str!("../../tests/fixtures/trust/v2-identity.json");
        let set = TrustSet::from_json(doc.as_bytes()).expect("v2 reads");
        assert_eq!(set.identities.len(), 1);
        let i = &set.identities[0];
        assert_eq!(i.identity.id(), i.id);
        assert_eq!(i.identity.subject.kind(), "exact");
        let back = TrustSet::from_json(&set.to_json().expect("json")).expect("again");
        assert_eq!(back, set);
    }

    #[test]
    fn add_find_revoke_remove_by_id_or_publisher() {
        let (s, _, _d) = store();
        let (a, existed) = s
            .add_identity(
                release(),
                None,
                &["ghcr.io/acme/**".into()],
                Some("ci"),
                None,
            )
            .expect("add");
        assert!(!existed);
        assert_eq!(
            a.publisher,
            release().subject.text(),
            "named by its subject"
        );
        let (b, existed) = s
            .add_identity(release(), Some("acme"), &[], None, None)
            .expect("again");
        assert!(existed);
        assert_eq!(
            (b.id.as_str(), b.publisher.as_str()),
            (a.id.as_str(), "acme")
        );
        assert_eq!(b.scopes, vec!["ghcr.io/acme/**".to_string()], "kept");
        assert_eq!(b.note.as_deref(), Some("ci"));
        assert_eq!(s.load().expect("load").identities.len(), 1);

        let bare = a.id.trim_start_matches("id:").to_uppercase();
        assert_eq!(s.resolve_identity(&bare).expect("bare id").id, a.id);
        assert_eq!(s.resolve_identity("acme").expect("by name").id, a.id);
        assert!(matches!(
            s.resolve_identity("nobody"),
            Err(TrustError::IdentityNotFound(_))
        ));

        let r = s
            .revoke_identity("acme", Some("repo taken over"))
            .expect("revoke");
        assert_eq!(r.status, KeyStatus::Revoked);
        assert_eq!(r.revoked_reason.as_deref(), Some("repo taken over"));
        let (again, _) = s
            .add_identity(release(), Some("acme"), &[], None, None)
            .expect("re-add");
        assert_eq!(
            again.status,
            KeyStatus::Revoked,
            "adding again does not reactivate"
        );

        let other = Identity::new(
            "https://accounts.google.com",
            Subject::Exact("me@acme.example".into()),
            Claims::default(),
            None,
        )
        .expect("identity");
        s.add_identity(other, Some("acme"), &[], None, None)
            .expect("add");
        assert!(matches!(
            s.resolve_identity("acme"),
            Err(TrustError::AmbiguousIdentity { .. })
        ));
        assert_eq!(s.remove_identity(&a.id).expect("rm").id, a.id);
        assert_eq!(s.load().expect("load").identities.len(), 1);
        assert!(matches!(
            s.add_identity(release(), None, &["ghcr.io/A".into()], None, None),
            Err(TrustError::BadScope { .. })
        ));
    }

    #[test]
    fn export_and_import_carry_identities_and_revocation_wins() {
        let (a, _, _d1) = store();
        let (b, _, _d2) = store();
        let (mine, _) = a
            .add_identity(
                release(),
                Some("acme"),
                &["ghcr.io/acme/**".into()],
                None,
                None,
            )
            .expect("add");
        let doc = a.export_set().expect("export").to_json().expect("json");
        let report = b
            .import_set(&TrustSet::from_json(&doc).expect("read"))
            .expect("import");
        assert_eq!(report.added, vec![mine.label()]);
        assert_eq!(b.load().expect("load").identities, vec![mine.clone()]);

        b.revoke_identity(&mine.id, Some("leaked token"))
            .expect("revoke");
        let report = a
            .import_set(&b.export_set().expect("export"))
            .expect("import");
        assert_eq!(report.revoked, vec![mine.label()]);
        let local = a.resolve_identity(&mine.id).expect("still there");
        assert_eq!(local.status, KeyStatus::Revoked);
        assert_eq!(local.revoked_reason.as_deref(), Some("leaked token"));

        // An identity whose id is not its own is refused before anything is merged.
        let mut forged = b.export_set().expect("export");
        forged.identities[0].identity.subject = Subject::Glob("**".into());
        let (c, _, _d3) = store();
        assert!(matches!(
            c.import_set(&forged),
            Err(TrustError::Identity(_))
        ));
        assert!(c.load().expect("load").identities.is_empty());
        let text = String::from_utf8(forged.to_json().expect("json")).expect("utf8");
        assert!(matches!(
            TrustSet::from_json(text.as_bytes()),
            Err(TrustError::Corrupt(_))
        ));
    }
}
