//! The trust store proper: read, change and write the trust set of one profile.

use std::fs::File;
use std::path::PathBuf;
use std::sync::Arc;

use base64::Engine as _;
use serde::Serialize;
use time::OffsetDateTime;
use zeroize::Zeroizing;

use super::entry::{merge, Entry as _};
use super::{
    scope, DefaultPolicy, Policy, PolicyMode, SecretBackend, TrustError, TrustSet, TrustedKey,
};
use crate::keys::{Algorithm, PrivateKey, PublicKey};

/// How a person names a key: a fingerprint (or a prefix of at least 12 hex digits) or a
/// publisher name.
pub type KeyQuery<'a> = &'a str;

/// A trust store bound to one profile (keychain namespace).
#[derive(Clone)]
pub struct TrustStore {
    backend: Arc<dyn SecretBackend>,
    profile: String,
    lock_path: PathBuf,
}

/// How reports name the default policy (it has no pattern).
pub const DEFAULT_POLICY_LABEL: &str = "default policy";

/// What `trust import` did.
#[derive(Debug, Default, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ImportReport {
    pub added: Vec<String>,
    pub unchanged: Vec<String>,
    pub revoked: Vec<String>,
    pub policies_added: Vec<String>,
    /// One sentence per conflict; the local value was kept.
    pub conflicts: Vec<String>,
}

impl TrustStore {
    /// The store of `profile` in `backend`; writers serialise on the lock file `lock_path`.
    pub fn new(backend: Arc<dyn SecretBackend>, profile: &str, lock_path: PathBuf) -> Self {
        Self {
            backend,
            profile: profile.to_string(),
            lock_path,
        }
    }

    /// The profile's store in the OS keychain (profile from `VOUCH_PROFILE`).
    pub fn open_keychain() -> Result<Self, TrustError> {
        let profile = crate::paths::profile()?;
        let backend = Arc::new(super::KeychainBackend::connect()?);
        let lock = crate::paths::trust_lock_path(&profile);
        Ok(Self::new(backend, &profile, lock))
    }

    pub fn profile(&self) -> &str {
        &self.profile
    }

    pub fn backend_name(&self) -> String {
        self.backend.name()
    }

    fn set_item(&self) -> String {
        format!("{}/trust-set", self.profile)
    }

    fn private_item(&self, fingerprint: &str) -> String {
        format!("{}/private/{}", self.profile, fingerprint)
    }

    /// Reads the trust set: one keychain read, whatever the number of keys.
    pub fn load(&self) -> Result<TrustSet, TrustError> {
        match self.backend.get_public(&self.set_item())? {
            None => Ok(TrustSet::default()),
            Some(bytes) => TrustSet::from_json(&bytes),
        }
    }

    fn lock(&self) -> Result<File, TrustError> {
        crate::paths::take_lock(&self.lock_path).map_err(|source| TrustError::Lock {
            path: self.lock_path.display().to_string(),
            source,
        })
    }

    /// Read, change, write under the lock. When `change` fails nothing is written; when the
    /// write fails the keychain still holds the previous document.
    pub(crate) fn update<T>(
        &self,
        change: impl FnOnce(&mut TrustSet) -> Result<T, TrustError>,
    ) -> Result<T, TrustError> {
        let _guard = self.lock()?;
        let mut set = self.load()?;
        let out = change(&mut set)?;
        set.format = super::TRUST_SET_FORMAT.into();
        set.version = super::TRUST_SET_VERSION;
        let label = format!("Vouch trust set ({})", self.profile);
        write_document(self.backend.as_ref(), &self.set_item(), &label, &set)?;
        Ok(out)
    }

    /// Finds one key by fingerprint, fingerprint prefix (≥ 12 hex digits) or publisher name.
    pub fn find<'s>(set: &'s TrustSet, query: KeyQuery<'_>) -> Result<&'s TrustedKey, TrustError> {
        let q = query.trim();
        let hex = q.strip_prefix("sha256:").unwrap_or(q).to_ascii_lowercase();
        let looks_hex = !hex.is_empty() && hex.chars().all(|c| c.is_ascii_hexdigit());
        let pick = |hits: Vec<&'s TrustedKey>| match hits.as_slice() {
            [one] => Ok(*one),
            many => Err(TrustError::Ambiguous {
                query: q.to_string(),
                candidates: many.iter().map(|k| k.label()).collect(),
            }),
        };
        if looks_hex && hex.len() >= 12 {
            let hits: Vec<_> = set
                .keys
                .iter()
                .filter(|k| {
                    k.fingerprint
                        .trim_start_matches("sha256:")
                        .starts_with(&hex)
                })
                .collect();
            if !hits.is_empty() {
                return pick(hits);
            }
        }
        let by_name: Vec<_> = set.keys.iter().filter(|k| k.publisher == q).collect();
        if !by_name.is_empty() {
            return pick(by_name);
        }
        if looks_hex && hex.len() < 12 {
            return Err(TrustError::PrefixTooShort(q.to_string()));
        }
        Err(TrustError::NotFound(q.to_string()))
    }

    /// [`TrustStore::find`], for changing the key found.
    fn find_mut<'s>(
        set: &'s mut TrustSet,
        query: KeyQuery<'_>,
    ) -> Result<&'s mut TrustedKey, TrustError> {
        let fp = Self::find(set, query)?.fingerprint.clone();
        set.keys
            .iter_mut()
            .find(|k| k.fingerprint == fp)
            .ok_or_else(|| TrustError::NotFound(query.to_string()))
    }

    /// One key, looked up as [`TrustStore::find`] does.
    pub fn resolve(&self, query: KeyQuery<'_>) -> Result<TrustedKey, TrustError> {
        let set = self.load()?;
        Self::find(&set, query).cloned()
    }

    /// Adds a public key, or updates the key already there (no duplicates). Returns the key
    /// and whether it already existed. A revoked key stays revoked.
    pub fn add_public(
        &self,
        key: &PublicKey,
        publisher: Option<&str>,
        scopes: &[String],
        note: Option<&str>,
        expires_at: Option<OffsetDateTime>,
    ) -> Result<(TrustedKey, bool), TrustError> {
        let scopes = validate_scopes(scopes)?;
        let fingerprint = key.fingerprint();
        self.update(|set| {
            upsert(
                set,
                key,
                &fingerprint,
                publisher,
                &scopes,
                note,
                expires_at,
                None,
            )
        })
    }

    /// Edits a key's metadata; `None` leaves a field as it is.
    pub fn edit(
        &self,
        query: KeyQuery<'_>,
        publisher: Option<&str>,
        note: Option<Option<&str>>,
        scopes: Option<&[String]>,
        expires_at: Option<Option<OffsetDateTime>>,
    ) -> Result<TrustedKey, TrustError> {
        let scopes = scopes.map(validate_scopes).transpose()?;
        self.update(|set| {
            let k = Self::find_mut(set, query)?;
            if let Some(p) = publisher {
                k.publisher = clean_publisher(Some(p));
            }
            if let Some(n) = note {
                k.note = n.map(str::to_string);
            }
            if let Some(s) = scopes {
                k.scopes = s;
            }
            if let Some(e) = expires_at {
                k.expires_at = e;
            }
            Ok(k.clone())
        })
    }

    /// Marks a key revoked, with a reason and the time; it stays visible.
    pub fn revoke(
        &self,
        query: KeyQuery<'_>,
        reason: Option<&str>,
    ) -> Result<TrustedKey, TrustError> {
        self.update(|set| {
            let k = Self::find_mut(set, query)?;
            k.revocation().revoke(reason, now());
            Ok(k.clone())
        })
    }

    /// Removes a key from the trust set, and its private key from the keychain.
    pub fn remove(&self, query: KeyQuery<'_>) -> Result<TrustedKey, TrustError> {
        let removed = self.update(|set| {
            let fp = Self::find(set, query)?.fingerprint.clone();
            let idx = set
                .keys
                .iter()
                .position(|k| k.fingerprint == fp)
                .ok_or_else(|| TrustError::NotFound(query.to_string()))?;
            Ok(set.keys.remove(idx))
        })?;
        if removed.has_private {
            self.backend
                .delete(&self.private_item(&removed.fingerprint))?;
        }
        Ok(removed)
    }

    /// Generates a signing key; the private key goes to the keychain only.
    pub fn generate(
        &self,
        publisher: &str,
        algorithm: Algorithm,
        scopes: &[String],
    ) -> Result<TrustedKey, TrustError> {
        let key = PrivateKey::generate(algorithm)?;
        self.import_private(&key, publisher, scopes)
    }

    /// Stores a private key in the keychain and trusts its public key.
    pub fn import_private(
        &self,
        key: &PrivateKey,
        publisher: &str,
        scopes: &[String],
    ) -> Result<TrustedKey, TrustError> {
        let scopes = validate_scopes(scopes)?;
        let public = key.public_key();
        let fingerprint = public.fingerprint();
        let item = self.private_item(&fingerprint);
        let encoded = Zeroizing::new(
            base64::engine::general_purpose::STANDARD.encode(key.to_pkcs8_der().as_slice()),
        );
        let label = format!(
            "Vouch signing key {} ({})",
            super::short_fingerprint(&fingerprint),
            self.profile
        );
        let had_private = self
            .load()?
            .key(&fingerprint)
            .is_some_and(|k| k.has_private);
        self.backend.set(&item, &label, encoded.as_bytes())?;
        let result = self.update(|set| {
            upsert(
                set,
                &public,
                &fingerprint,
                Some(publisher),
                &scopes,
                None,
                None,
                Some(true),
            )
        });
        match result {
            Ok((k, _)) => Ok(k),
            Err(e) => {
                if !had_private {
                    // Best effort: do not leave an orphan private key behind.
                    let _ = self.backend.delete(&item);
                }
                Err(e)
            }
        }
    }

    /// The private key of a trusted key that can sign.
    pub fn private_key(&self, fingerprint: &str) -> Result<PrivateKey, TrustError> {
        let bytes = self
            .backend
            .get(&self.private_item(fingerprint))?
            .ok_or_else(|| TrustError::NoPrivateKey(super::short_fingerprint(fingerprint)))?;
        let bytes = Zeroizing::new(bytes);
        let der = Zeroizing::new(
            base64::engine::general_purpose::STANDARD
                .decode(bytes.as_slice())
                .map_err(|_| {
                    TrustError::Corrupt(format!(
                        "the private key item for {} is not base64",
                        super::short_fingerprint(fingerprint)
                    ))
                })?,
        );
        Ok(PrivateKey::from_pkcs8_der(&der)?)
    }

    /// Sets (or replaces) the policy for a scope pattern.
    pub fn set_policy(
        &self,
        pattern: &str,
        mode: PolicyMode,
        threshold: u32,
    ) -> Result<Policy, TrustError> {
        let pattern = scope::validate(pattern)?;
        check_threshold(threshold)?;
        let policy = Policy {
            pattern,
            mode,
            threshold,
        };
        self.update(|set| {
            set.policies.retain(|p| p.pattern != policy.pattern);
            set.policies.push(policy.clone());
            Ok(policy.clone())
        })
    }

    /// Sets the policy that applies where no pattern matches.
    pub fn set_default_policy(
        &self,
        mode: PolicyMode,
        threshold: u32,
    ) -> Result<DefaultPolicy, TrustError> {
        check_threshold(threshold)?;
        let policy = DefaultPolicy { mode, threshold };
        self.update(|set| {
            set.default_policy = Some(policy);
            Ok(policy)
        })
    }

    /// Removes the policy of a pattern; false when there was none.
    pub fn remove_policy(&self, pattern: &str) -> Result<bool, TrustError> {
        self.update(|set| {
            let before = set.policies.len();
            set.policies.retain(|p| p.pattern != pattern.trim());
            Ok(set.policies.len() != before)
        })
    }

    /// The trust set as a document to share: no private keys, `has_private` cleared.
    pub fn export_set(&self) -> Result<TrustSet, TrustError> {
        let mut set = self.load()?;
        for k in &mut set.keys {
            k.has_private = false;
        }
        Ok(set)
    }

    /// Merges another trust set into this one. New keys and policies are added; a revocation
    /// in the incoming set is applied (revocation always wins); any other difference is a
    /// conflict, reported, and the local value kept.
    pub fn import_set(&self, incoming: &TrustSet) -> Result<ImportReport, TrustError> {
        for k in &incoming.keys {
            let pk = PublicKey::parse(k.public_key.as_bytes())?;
            if pk.fingerprint() != k.fingerprint {
                return Err(TrustError::Corrupt(format!(
                    "key {} does not match its fingerprint",
                    k.label()
                )));
            }
            validate_scopes(&k.scopes)?;
        }
        for i in &incoming.identities {
            i.check()?;
            validate_scopes(&i.scopes)?;
        }
        for p in &incoming.policies {
            scope::validate(&p.pattern)?;
            check_threshold(p.threshold)?;
        }
        if let Some(d) = &incoming.default_policy {
            check_threshold(d.threshold)?;
        }
        self.update(|set| {
            let mut report = ImportReport::default();
            merge(&mut set.keys, &incoming.keys, &mut report, now());
            merge(&mut set.identities, &incoming.identities, &mut report, now());
            for p in &incoming.policies {
                match set.policies.iter().find(|l| l.pattern == p.pattern) {
                    None => {
                        report.policies_added.push(p.pattern.clone());
                        set.policies.push(p.clone());
                    }
                    Some(l) if l == p => {}
                    Some(l) => report.conflicts.push(format!(
                        "policy {}: {} threshold {} here vs {} threshold {} in the file (kept the local value)",
                        p.pattern, l.mode, l.threshold, p.mode, p.threshold
                    )),
                }
            }
            // The default policy is merged like a pattern's: adopted when none was set here,
            // otherwise a difference is a conflict and the local value is kept.
            match (set.default_policy, incoming.default_policy) {
                (_, None) => {}
                (None, Some(d)) => {
                    report.policies_added.push(DEFAULT_POLICY_LABEL.to_string());
                    set.default_policy = Some(d);
                }
                (Some(l), Some(d)) if l == d => {}
                (Some(l), Some(d)) => report.conflicts.push(format!(
                    "{DEFAULT_POLICY_LABEL}: {} threshold {} here vs {} threshold {} in the file (kept the local value)",
                    l.mode, l.threshold, d.mode, d.threshold
                )),
            }
            Ok(report)
        })
    }
}

/// A threshold counts distinct keys: at least one.
fn check_threshold(threshold: u32) -> Result<(), TrustError> {
    if threshold == 0 {
        return Err(TrustError::BadPolicy(
            "the threshold must be at least 1 distinct publisher".into(),
        ));
    }
    Ok(())
}

pub(super) fn now() -> OffsetDateTime {
    // Second precision keeps the stored and displayed times identical.
    let t = OffsetDateTime::now_utc();
    t.replace_nanosecond(0).unwrap_or(t)
}

pub(super) fn clean_publisher(p: Option<&str>) -> String {
    match p.map(str::trim) {
        Some(p) if !p.is_empty() => p.to_string(),
        _ => "unnamed".to_string(),
    }
}

pub(super) fn validate_scopes(scopes: &[String]) -> Result<Vec<String>, TrustError> {
    let mut out: Vec<String> = Vec::new();
    for s in scopes {
        let v = scope::validate(s)?;
        if !out.contains(&v) {
            out.push(v);
        }
    }
    Ok(out)
}

#[allow(clippy::too_many_arguments)]
fn upsert(
    set: &mut TrustSet,
    key: &PublicKey,
    fingerprint: &str,
    publisher: Option<&str>,
    scopes: &[String],
    note: Option<&str>,
    expires_at: Option<OffsetDateTime>,
    has_private: Option<bool>,
) -> Result<(TrustedKey, bool), TrustError> {
    if let Some(k) = set.keys.iter_mut().find(|k| k.fingerprint == fingerprint) {
        let publisher = publisher.map(|p| clean_publisher(Some(p)));
        k.details().update(publisher, scopes, note, expires_at);
        if let Some(h) = has_private {
            k.has_private = h;
        }
        return Ok((k.clone(), true));
    }
    let k = TrustedKey {
        note: note.map(str::to_string),
        expires_at,
        has_private: has_private.unwrap_or(false),
        ..TrustedKey::new(key, clean_publisher(publisher), scopes.to_vec(), now())
    };
    set.keys.push(k.clone());
    Ok((k, false))
}

/// Writes `value` as a JSON item; when it cannot be serialised nothing is written.
fn write_document<T: serde::Serialize>(
    backend: &dyn SecretBackend,
    item: &str,
    label: &str,
    value: &T,
) -> Result<(), TrustError> {
    let bytes = super::to_document(value)?;
    backend.set(item, label, &bytes)
}

#[cfg(test)]
mod tests {
    /// Regression: serialisation errors became empty bytes (`unwrap_or_default()`) right before
    /// the keychain write, which would have replaced the trust set with nothing.
    #[test]
    fn a_document_that_cannot_be_serialised_is_not_written() {
        struct Unserialisable;
        impl serde::Serialize for Unserialisable {
            fn serialize<S: serde::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
                Err(serde::ser::Error::custom("refuses"))
            }
        }
        let mem = MemoryBackend::new();
        mem.set("item", "label", b"previous").expect("seed");
        let err = write_document(&mem, "item", "label", &Unserialisable).expect_err("refused");
        assert!(matches!(err, TrustError::Serialize(_)), "{err:?}");
        assert_eq!(
            mem.get("item").expect("read").as_deref(),
            Some(&b"previous"[..])
        );
    }

    use super::*;
    use crate::trust::{KeyStatus, MemoryBackend};

    fn store() -> (TrustStore, Arc<MemoryBackend>, tempfile::TempDir) {
        let dir = tempfile::tempdir().expect("tempdir");
        let mem = Arc::new(MemoryBackend::new());
        let s = TrustStore::new(mem.clone(), "test", dir.path().join("test.lock"));
        (s, mem, dir)
    }

    /// Adds `k` for `publisher` and `scopes`, no note, no expiry.
    fn add(s: &TrustStore, k: &PublicKey, publisher: &str, scopes: &[&str]) -> (TrustedKey, bool) {
        let scopes: Vec<String> = scopes.iter().map(|s| s.to_string()).collect();
        s.add_public(k, Some(publisher), &scopes, None, None)
            .expect("add")
    }

    fn pubkey() -> PublicKey {
        PrivateKey::generate(Algorithm::Ed25519)
            .expect("generate")
            .public_key()
    }

    #[test]
    fn add_twice_updates_instead_of_duplicating() {
        let (s, _, _d) = store();
        let k = pubkey();
        let (a, existed) = add(&s, &k, "acme", &[]);
        assert!(!existed);
        let (b, existed) = add(&s, &k, "acme corp", &["ghcr.io/acme/**"]);
        assert!(existed);
        assert_eq!(a.fingerprint, b.fingerprint);
        let set = s.load().expect("load");
        assert_eq!(set.keys.len(), 1);
        assert_eq!(set.keys[0].publisher, "acme corp");
        assert_eq!(set.keys[0].scopes, vec!["ghcr.io/acme/**".to_string()]);
    }

    #[test]
    fn failed_write_leaves_previous_store_intact() {
        let (s, mem, _d) = store();
        add(&s, &pubkey(), "one", &[]);
        let before = s.load().expect("load");
        mem.fail_writes(true);
        let err = s
            .add_public(&pubkey(), Some("two"), &[], None, None)
            .expect_err("fails");
        assert!(err.to_string().contains("left unchanged"), "{err}");
        mem.fail_writes(false);
        assert_eq!(s.load().expect("load"), before);
    }

    #[test]
    fn lookup_by_prefix_publisher_and_refusals() {
        let (s, _, _d) = store();
        let (k, _) = add(&s, &pubkey(), "acme", &[]);
        let hex = k.fingerprint.trim_start_matches("sha256:");
        assert_eq!(
            s.resolve(&hex[..12]).expect("prefix").fingerprint,
            k.fingerprint
        );
        assert_eq!(
            s.resolve(&format!("sha256:{}", &hex[..16]))
                .expect("prefix")
                .fingerprint,
            k.fingerprint
        );
        assert_eq!(s.resolve("acme").expect("name").fingerprint, k.fingerprint);
        assert!(matches!(
            s.resolve(&hex[..6]),
            Err(TrustError::PrefixTooShort(_))
        ));
        assert!(matches!(s.resolve("nobody"), Err(TrustError::NotFound(_))));
        add(&s, &pubkey(), "acme", &[]);
        assert!(matches!(
            s.resolve("acme"),
            Err(TrustError::Ambiguous { .. })
        ));
    }

    #[test]
    fn revoke_keeps_key_and_readd_does_not_reactivate() {
        let (s, _, _d) = store();
        let pk = pubkey();
        let (k, _) = add(&s, &pk, "acme", &[]);
        let r = s.revoke(&k.fingerprint, Some("leaked")).expect("revoke");
        assert_eq!(r.status, KeyStatus::Revoked);
        assert_eq!(r.revoked_reason.as_deref(), Some("leaked"));
        assert!(r.revoked_at.is_some());
        let (again, _) = s
            .add_public(&pk, Some("acme"), &[], None, None)
            .expect("re-add");
        assert_eq!(again.status, KeyStatus::Revoked);
    }

    #[test]
    fn generated_private_key_lives_in_its_own_item_and_signs() {
        let (s, mem, _d) = store();
        let k = s
            .generate("me", Algorithm::EcdsaP256, &[])
            .expect("generate");
        assert!(k.has_private);
        let names = mem.item_names();
        assert!(
            names.contains(&format!("test/private/{}", k.fingerprint)),
            "{names:?}"
        );
        let trust_doc = String::from_utf8(mem.get("test/trust-set").expect("get").expect("some"))
            .expect("utf8");
        assert!(
            !trust_doc.contains("PRIVATE"),
            "private key material leaked into the trust set"
        );
        let sk = s.private_key(&k.fingerprint).expect("private");
        let sig = sk.sign(b"hello");
        PublicKey::parse(k.public_key.as_bytes())
            .expect("pub")
            .verify(b"hello", &sig)
            .expect("verifies");
        let removed = s.remove(&k.fingerprint).expect("remove");
        assert!(removed.has_private);
        assert!(!mem.item_names().iter().any(|n| n.contains("/private/")));
    }

    #[test]
    fn default_policy_is_set_exported_and_imported_like_a_policy() {
        let (a, _, _d1) = store();
        let (b, _, _d2) = store();
        let (c, _, _d3) = store();
        assert!(matches!(
            a.set_default_policy(PolicyMode::Warn, 0),
            Err(TrustError::BadPolicy(_))
        ));
        assert_eq!(a.load().expect("load").default_policy, None);
        let set = a.set_default_policy(PolicyMode::Warn, 2).expect("set");
        let exported = a.export_set().expect("export");
        assert_eq!(exported.default_policy, Some(set));
        let read_back = TrustSet::from_json(&exported.to_json().expect("json")).expect("read");
        assert_eq!(read_back.default_policy, Some(set));
        // None here: adopted, and reported as added.
        let report = b.import_set(&read_back).expect("import");
        assert_eq!(
            report.policies_added,
            vec![DEFAULT_POLICY_LABEL.to_string()]
        );
        assert_eq!(b.load().expect("load").default_policy(), set);
        // A different one here: a conflict, the local value kept.
        c.set_default_policy(PolicyMode::Off, 1).expect("set");
        let report = c.import_set(&read_back).expect("import");
        assert!(report.policies_added.is_empty());
        assert_eq!(report.conflicts.len(), 1, "{:?}", report.conflicts);
        assert!(report.conflicts[0]
            .contains("default policy: off threshold 1 here vs warn threshold 2"));
        assert_eq!(
            c.load().expect("load").default_policy(),
            DefaultPolicy {
                mode: PolicyMode::Off,
                threshold: 1
            }
        );
    }

    #[test]
    fn import_merges_reports_conflicts_and_revocation_wins() {
        let (a, _, _d1) = store();
        let (b, _, _d2) = store();
        let shared = pubkey();
        let (ka, _) = add(&a, &shared, "acme", &["ghcr.io/acme/**"]);
        add(&b, &shared, "acme", &["ghcr.io/other/**"]);
        add(&b, &pubkey(), "new", &[]);
        b.revoke(&ka.fingerprint, Some("compromised"))
            .expect("revoke");
        b.set_policy("ghcr.io/**", PolicyMode::Warn, 1)
            .expect("policy");
        let report = a
            .import_set(&b.export_set().expect("export"))
            .expect("import");
        assert_eq!(report.added.len(), 1);
        assert_eq!(report.revoked.len(), 1);
        assert_eq!(report.policies_added, vec!["ghcr.io/**".to_string()]);
        assert_eq!(report.conflicts.len(), 1, "{:?}", report.conflicts);
        let set = a.load().expect("load");
        let local = set.key(&ka.fingerprint).expect("still there");
        assert_eq!(local.status, KeyStatus::Revoked);
        assert_eq!(local.scopes, vec!["ghcr.io/acme/**".to_string()]);
    }

    #[test]
    fn policy_threshold_zero_and_bad_pattern_are_refused() {
        let (s, _, _d) = store();
        assert!(matches!(
            s.set_policy("ghcr.io/**", PolicyMode::Enforce, 0),
            Err(TrustError::BadPolicy(_))
        ));
        assert!(matches!(
            s.set_policy("ghcr.io/A", PolicyMode::Enforce, 1),
            Err(TrustError::BadScope { .. })
        ));
        assert!(s.load().expect("load").policies.is_empty());
    }
}
