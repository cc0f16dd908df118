//! The Sigstore trusted roots a profile verifies with: the public-good one (embedded, or
//! refreshed through TUF by [`RootStore::update`]) and custom ones added by name (a private
//! Sigstore deployment, GitHub's instance, staging).
//!
//! Files, per profile, under `<config>/trust-roots/<profile>/` ([`crate::paths::trust_roots_dir`]):
//! - `public-good.json` — the last trusted root a TUF update accepted, with the TUF versions and
//!   expiry it came with (one document, replaced in one rename, so the record and the root can
//!   never disagree);
//! - `tuf/<repository id>/` — tough's datastore for one repository: the newest TUF `root.json`
//!   it trusted (the next update starts from it) and the timestamp, snapshot and targets
//!   versions it saw (rollback protection);
//! - `custom/<name>.json` — a custom trusted root, exactly as added.
//!
//! *Invariant: reading a root never touches the network — [`RootStore::public_good`] returns the
//! stored root when an update stored one, else the embedded one; only [`RootStore::update`]
//! fetches, and it stores nothing unless every TUF role verified and none had expired (tough's
//! expiration enforcement is always `Safe`). A stored or custom root is parsed and checked
//! (trusted-root media type, at least one CA or key) before it is written.*

mod tuf;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{SigstoreError, TrustedRoot, PRODUCTION_TRUSTED_ROOT_JSON};

pub use tuf::{UpdateSource, DEFAULT_TUF_REPOSITORY, PRODUCTION_TUF_ROOT_JSON};

/// The name the public-good root is known by (a custom root may not take it).
pub const PUBLIC_GOOD: &str = "public-good";

const STORED_FORMAT: &str = "vouch-trust-root";

/// Why a trusted root could not be read, added, removed or updated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TrustRootError {
    #[error("`{name}` is not a valid trust-root name: use 1 to 64 lower-case letters, digits, `-` or `_`, starting with a letter or digit")]
    BadName { name: String },
    #[error("`{PUBLIC_GOOD}` is the name of the Sigstore public-good root; choose another name")]
    ReservedName,
    #[error("a trusted root named `{name}` already exists")]
    NameTaken { name: String },
    #[error("there is no trusted root named `{name}`")]
    NotFound { name: String },
    #[error("{what} is not a Sigstore trusted root: {reason}")]
    Malformed { what: String, reason: String },
    #[error("{what} names no certificate authority, transparency log, CT log or timestamp authority, so nothing could ever verify against it")]
    Empty { what: String },
    #[error("could not {action} `{}`: {reason}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        reason: String,
    },
    #[error("the stored trusted root `{}` is unreadable ({reason}); it was left as it is", path.display())]
    StoredUnreadable { path: PathBuf, reason: String },
    #[error("`{given}` is not a TUF repository address Vouch can use: {reason}")]
    BadRepository { given: String, reason: String },
    #[error("the TUF root given for the update is not usable: {reason}")]
    BadTufRoot { reason: String },
    #[error("could not set up HTTPS for the TUF repository: {reason}")]
    HttpSetup { reason: String },
    #[error("another `trust-root update` of this profile is running; try again when it ends")]
    UpdateRunning,
    #[error("could not reach the TUF repository {repository} ({reason}); the trusted root in use is unchanged")]
    Offline { repository: String, reason: String },
    #[error("the TUF repository {repository} serves {role} metadata that has expired; it is not trusted, and the trusted root in use is unchanged")]
    Expired { repository: String, role: String },
    #[error("the TUF repository {repository} served a `{target}` whose hash or length does not match its signed metadata; it is not trusted, and the trusted root in use is unchanged")]
    TargetMismatch { repository: String, target: String },
    #[error("the TUF repository {repository} lists no target `{target}`; the trusted root in use is unchanged")]
    TargetMissing { repository: String, target: String },
    #[error("the TUF repository {repository} could not be trusted: {reason}; the trusted root in use is unchanged")]
    Untrusted { repository: String, reason: String },
}

/// Where the public-good root in use comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum RootOrigin {
    /// The root built into this binary.
    Embedded,
    /// The root a TUF update stored for this profile.
    Updated,
    /// Added by name with [`RootStore::add`].
    Custom,
}

/// What a TUF update accepted, stored beside the root it fetched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UpdateRecord {
    /// The TUF repository's base address.
    pub repository: String,
    /// The version of the TUF `root.json` the update ended on.
    pub tuf_root_version: u64,
    /// The version of the `targets` metadata that listed `trusted_root.json`.
    pub targets_version: u64,
    /// When that `targets` metadata expires (RFC 3339).
    pub expires: String,
    /// When the update ran (RFC 3339).
    pub updated_at: String,
    /// SHA-256 (hex) of the trusted root's bytes.
    pub sha256: String,
}

impl UpdateRecord {
    /// Whether the `targets` metadata it came with has expired (an unreadable time counts as
    /// expired).
    pub fn has_expired(&self) -> bool {
        let rfc3339 = &time::format_description::well_known::Rfc3339;
        time::OffsetDateTime::parse(&self.expires, rfc3339)
            .map_or(true, |at| at <= time::OffsetDateTime::now_utc())
    }
}

/// The stored document: the record and the root's exact bytes, written together.
#[derive(Debug, Serialize, Deserialize)]
struct StoredUpdate {
    format: String,
    version: u32,
    #[serde(flatten)]
    record: UpdateRecord,
    trusted_root: String,
}

/// One entry of a trusted root and the time it may be used for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RootEntry {
    /// `certificate-authority`, `transparency-log`, `ct-log` or `timestamp-authority`.
    pub kind: String,
    /// The entry's address (its URI or base URL), or its subject when it has none.
    pub label: String,
    /// Start of its validity window (RFC 3339), if it has one.
    pub valid_from: Option<String>,
    /// End of its validity window (RFC 3339); none means still valid.
    pub valid_until: Option<String>,
}

/// A trusted root as `trust-root list` and `doctor` show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RootInfo {
    pub name: String,
    pub origin: RootOrigin,
    /// For the public-good root after an update: what the update accepted.
    pub update: Option<UpdateRecord>,
    /// Whether that update's TUF metadata has expired since (the root is still used, offline,
    /// until the next update).
    pub stale: bool,
    /// Why the stored root could not be read (the entries are then the embedded root's).
    pub problem: Option<String>,
    pub entries: Vec<RootEntry>,
}

/// The trusted roots of one profile.
#[derive(Debug, Clone)]
pub struct RootStore {
    dir: PathBuf,
}

impl RootStore {
    /// The active profile's roots (see [`crate::paths::trust_roots_dir`]).
    pub fn for_profile(profile: &str) -> Self {
        Self::at(crate::paths::trust_roots_dir(profile))
    }

    /// Roots kept under `dir`.
    pub fn at(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    fn updated_path(&self) -> PathBuf {
        self.dir.join("public-good.json")
    }

    fn custom_dir(&self) -> PathBuf {
        self.dir.join("custom")
    }

    fn custom_path(&self, name: &str) -> PathBuf {
        self.custom_dir().join(format!("{name}.json"))
    }

    /// The public-good root to verify with: the one the last TUF update stored, else the
    /// embedded one. Never the network.
    pub fn public_good(&self) -> Result<(TrustedRoot, RootOrigin), TrustRootError> {
        match self.stored_update()? {
            Some((_, root)) => Ok((root, RootOrigin::Updated)),
            None => Ok((embedded()?, RootOrigin::Embedded)),
        }
    }

    /// The record of the last update, if one stored a root.
    pub fn update_record(&self) -> Result<Option<UpdateRecord>, TrustRootError> {
        Ok(self.stored_update()?.map(|(record, _)| record))
    }

    fn stored_update(&self) -> Result<Option<(UpdateRecord, TrustedRoot)>, TrustRootError> {
        let path = self.updated_path();
        let Some(bytes) = read_if_present(&path)? else {
            return Ok(None);
        };
        let unreadable = |reason: String| TrustRootError::StoredUnreadable {
            path: path.clone(),
            reason,
        };
        let stored: StoredUpdate =
            serde_json::from_slice(&bytes).map_err(|e| unreadable(e.to_string()))?;
        if stored.format != STORED_FORMAT || stored.version != 1 {
            return Err(unreadable(format!(
                "it is a `{}` document of version {}, not a `{STORED_FORMAT}` of version 1",
                stored.format, stored.version
            )));
        }
        let root = checked_root(&stored.trusted_root, "the stored root")
            .map_err(|e| unreadable(e.to_string()))?;
        Ok(Some((stored.record, root)))
    }

    /// Stores what an update accepted, in one rename.
    fn store_update(&self, record: UpdateRecord, json: String) -> Result<(), TrustRootError> {
        let doc = StoredUpdate {
            format: STORED_FORMAT.into(),
            version: 1,
            record,
            trusted_root: json,
        };
        let bytes = serde_json::to_vec_pretty(&doc).map_err(|e| TrustRootError::Io {
            action: "write",
            path: self.updated_path(),
            reason: e.to_string(),
        })?;
        write_file(&self.updated_path(), &bytes)
    }

    /// A custom root by name, or the public-good root for [`PUBLIC_GOOD`].
    pub fn get(&self, name: &str) -> Result<TrustedRoot, TrustRootError> {
        if name == PUBLIC_GOOD {
            return Ok(self.public_good()?.0);
        }
        let name = checked_name(name)?;
        let path = self.custom_path(name);
        let bytes = read_if_present(&path)?.ok_or_else(|| TrustRootError::NotFound {
            name: name.to_owned(),
        })?;
        let text = String::from_utf8(bytes).map_err(|_| TrustRootError::StoredUnreadable {
            path: path.clone(),
            reason: "it is not UTF-8 text".into(),
        })?;
        checked_root(&text, &format!("the stored root `{name}`"))
    }

    /// The `sha256:` digest of the custom root `name`'s document exactly as stored (how a team
    /// trust list pins the root an identity is tied to); `None` when there is no such root.
    pub fn digest(&self, name: &str) -> Result<Option<String>, TrustRootError> {
        let name = checked_name(name)?;
        let bytes = read_if_present(&self.custom_path(name))?;
        Ok(bytes.map(|b| crate::oci::Digest::of(&b).to_string()))
    }

    /// Adds a custom root under `name` after checking it (see [`checked_root`]); the file is
    /// kept exactly as given. A name already in use is refused.
    pub fn add(&self, name: &str, json: &str, what: &str) -> Result<RootInfo, TrustRootError> {
        if name == PUBLIC_GOOD {
            return Err(TrustRootError::ReservedName);
        }
        let name = checked_name(name)?;
        let root = checked_root(json, what)?;
        let path = self.custom_path(name);
        if path.exists() {
            return Err(TrustRootError::NameTaken { name: name.into() });
        }
        write_file(&path, json.as_bytes())?;
        Ok(RootInfo {
            name: name.into(),
            origin: RootOrigin::Custom,
            update: None,
            stale: false,
            problem: None,
            entries: entries(&root),
        })
    }

    /// Removes a custom root. The public-good root cannot be removed.
    pub fn remove(&self, name: &str) -> Result<(), TrustRootError> {
        if name == PUBLIC_GOOD {
            return Err(TrustRootError::ReservedName);
        }
        let name = checked_name(name)?;
        let path = self.custom_path(name);
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Err(TrustRootError::NotFound { name: name.into() })
            }
            Err(e) => Err(io_error("remove", &path, &e)),
        }
    }

    /// Every root of the profile: the public-good one first, then the custom ones by name. A
    /// custom root that cannot be read is listed with its problem, never dropped.
    pub fn list(&self) -> Result<Vec<RootInfo>, TrustRootError> {
        let mut out = vec![self.public_good_info()?];
        for name in self.custom_names()? {
            let (entries, problem) = match self.get(&name) {
                Ok(root) => (entries(&root), None),
                Err(e) => (Vec::new(), Some(e.to_string())),
            };
            out.push(RootInfo {
                name,
                origin: RootOrigin::Custom,
                update: None,
                stale: false,
                problem,
                entries,
            });
        }
        Ok(out)
    }

    fn public_good_info(&self) -> Result<RootInfo, TrustRootError> {
        let info = |origin, update: Option<UpdateRecord>, problem, root: &TrustedRoot| RootInfo {
            name: PUBLIC_GOOD.into(),
            origin,
            stale: update.as_ref().is_some_and(UpdateRecord::has_expired),
            update,
            problem,
            entries: entries(root),
        };
        Ok(match self.stored_update() {
            Ok(Some((record, root))) => info(RootOrigin::Updated, Some(record), None, &root),
            Ok(None) => info(RootOrigin::Embedded, None, None, &embedded()?),
            Err(e) => info(
                RootOrigin::Embedded,
                None,
                Some(e.to_string()),
                &embedded()?,
            ),
        })
    }

    fn custom_names(&self) -> Result<Vec<String>, TrustRootError> {
        let dir = self.custom_dir();
        let read = match std::fs::read_dir(&dir) {
            Ok(r) => r,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io_error("read the folder", &dir, &e)),
        };
        let mut names: Vec<String> = read
            .filter_map(Result::ok)
            .filter_map(|e| {
                let file = e.file_name().into_string().ok()?;
                let name = file.strip_suffix(".json")?;
                checked_name(name).ok().map(str::to_owned)
            })
            .collect();
        names.sort();
        Ok(names)
    }
}

/// The trusted root an identity tied to the root `name` verifies with, in `profile`:
/// [`PUBLIC_GOOD`] is the public-good root (updated or embedded), any other name a custom root.
/// Offline.
pub fn trusted_root(profile: &str, name: &str) -> Result<TrustedRoot, TrustRootError> {
    RootStore::for_profile(profile).get(name)
}

/// The embedded public-good root.
fn embedded() -> Result<TrustedRoot, TrustRootError> {
    checked_root(PRODUCTION_TRUSTED_ROOT_JSON, "the embedded root")
}

/// Parses `json` as a Sigstore trusted root (media type included) that names at least one CA,
/// log or TSA. `what` names the input in the sentence.
pub fn checked_root(json: &str, what: &str) -> Result<TrustedRoot, TrustRootError> {
    let root = TrustedRoot::from_json(json).map_err(|e| TrustRootError::Malformed {
        what: what.into(),
        reason: match e {
            SigstoreError::TrustedRootMalformed { reason } => reason,
            other => other.to_string(),
        },
    })?;
    let r = &root.0;
    if r.certificate_authorities.is_empty()
        && r.tlogs.is_empty()
        && r.ctlogs.is_empty()
        && r.timestamp_authorities.is_empty()
    {
        return Err(TrustRootError::Empty { what: what.into() });
    }
    Ok(root)
}

/// What an export carries of a trusted root: the entries still in use (a validity window with
/// no end), as PEM, and for a custom root its JSON exactly as added (`None` for the public-good
/// root, which every engine knows by itself).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RootMaterial {
    /// The certificates of the Fulcio CAs in use, leaf-most first per CA.
    pub fulcio_pems: Vec<String>,
    /// The public keys of the transparency logs in use.
    pub rekor_keys: Vec<String>,
    /// The public keys of the CT logs in use.
    pub ct_keys: Vec<String>,
    /// A custom root's JSON; `None` for the public-good root.
    pub json: Option<String>,
    /// The earliest end of a validity window among the entries above: an export carrying them
    /// without their windows must be made again before then.
    pub until: Option<time::OffsetDateTime>,
}

impl RootStore {
    /// The [`RootMaterial`] of the root `name` ([`PUBLIC_GOOD`] or a custom one) at `now`.
    /// Offline.
    pub fn material(
        &self,
        name: &str,
        now: time::OffsetDateTime,
    ) -> Result<RootMaterial, TrustRootError> {
        let root = self.get(name)?;
        let json = if name == PUBLIC_GOOD {
            None
        } else {
            let path = self.custom_path(checked_name(name)?);
            let bytes = read_if_present(&path)?.unwrap_or_default();
            Some(String::from_utf8_lossy(&bytes).into_owned())
        };
        Ok(RootMaterial {
            json,
            ..material(&root, now)
        })
    }
}

/// The entries of `root` in use at `now` (inside their validity windows), as PEM (see
/// [`RootMaterial`]).
pub fn material(root: &TrustedRoot, now: time::OffsetDateTime) -> RootMaterial {
    type Window<'a> = Option<&'a sigstore_verify::types::TimeRange>;
    let at = |t: &dyn ToString| {
        let rfc3339 = time::format_description::well_known::Rfc3339;
        time::OffsetDateTime::parse(&t.to_string(), &rfc3339).ok()
    };
    let until = std::cell::Cell::new(None::<time::OffsetDateTime>);
    // A window that cannot be read is not in use (which only narrows).
    let open = |w: Window<'_>| {
        let Some(w) = w else { return true };
        let started = at(&w.start).is_some_and(|s| s <= now);
        let end = w.end.as_ref().map(|e| at(e));
        match end {
            None => started,
            Some(Some(e)) if started && e > now => {
                until.set(Some(until.get().map_or(e, |u| u.min(e))));
                true
            }
            Some(_) => false,
        }
    };
    let r = &root.0;
    let mut m = RootMaterial {
        fulcio_pems: r
            .certificate_authorities
            .iter()
            .filter(|ca| open(ca.valid_for.as_ref()))
            .flat_map(|ca| {
                ca.cert_chain
                    .certificates
                    .iter()
                    .map(|c| c.raw_bytes.to_pem())
            })
            .collect(),
        rekor_keys: r
            .tlogs
            .iter()
            .filter(|l| open(l.public_key.valid_for.as_ref()))
            .map(|l| l.public_key.raw_bytes.to_pem())
            .collect(),
        ct_keys: r
            .ctlogs
            .iter()
            .filter(|l| open(l.public_key.valid_for.as_ref()))
            .map(|l| l.public_key.raw_bytes.to_pem())
            .collect(),
        json: None,
        until: None,
    };
    m.until = until.get();
    m
}

/// Every entry of `root` with its validity window.
pub fn entries(root: &TrustedRoot) -> Vec<RootEntry> {
    use sigstore_verify::trust_root::trusted_root::CertificateSubject;
    type Window<'a> = Option<&'a sigstore_verify::types::TimeRange>;
    let entry = |kind: &str, label: String, window: Window<'_>| RootEntry {
        kind: kind.into(),
        label,
        valid_from: window.map(|w| w.start.to_string()),
        valid_until: window.and_then(|w| w.end.as_ref().map(ToString::to_string)),
    };
    let subject = |s: &CertificateSubject| {
        let parts = [s.organization.as_deref(), s.common_name.as_deref()];
        parts.into_iter().flatten().collect::<Vec<_>>().join(" / ")
    };
    let r = &root.0;
    let cas = r.certificate_authorities.iter().map(|ca| {
        let label = if ca.uri.is_empty() {
            subject(&ca.subject)
        } else {
            ca.uri.clone()
        };
        entry("certificate-authority", label, ca.valid_for.as_ref())
    });
    let tlogs = r.tlogs.iter().map(|l| {
        let window = l.public_key.valid_for.as_ref();
        entry("transparency-log", l.base_url.clone(), window)
    });
    let ctlogs = r.ctlogs.iter().map(|l| {
        let window = l.public_key.valid_for.as_ref();
        entry("ct-log", l.base_url.clone(), window)
    });
    let tsas = r.timestamp_authorities.iter().map(|t| {
        let label = t.uri.clone().unwrap_or_else(|| subject(&t.subject));
        entry("timestamp-authority", label, t.valid_for.as_ref())
    });
    cas.chain(tlogs).chain(ctlogs).chain(tsas).collect()
}

/// A custom root's name: 1–64 of `a-z 0-9 - _`, not starting with `-` or `_` (it is a file
/// name, and an argument on a command line).
fn checked_name(name: &str) -> Result<&str, TrustRootError> {
    let ok = (1..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
        && !name.starts_with(['-', '_']);
    if ok {
        Ok(name)
    } else {
        Err(TrustRootError::BadName {
            name: name.chars().take(80).collect(),
        })
    }
}

fn io_error(action: &'static str, path: &Path, e: &std::io::Error) -> TrustRootError {
    TrustRootError::Io {
        action,
        path: path.to_owned(),
        reason: e.to_string(),
    }
}

fn read_if_present(path: &Path) -> Result<Option<Vec<u8>>, TrustRootError> {
    match std::fs::read(path) {
        Ok(b) => Ok(Some(b)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_error("read", path, &e)),
    }
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<(), TrustRootError> {
    crate::paths::write_atomically(path, bytes).map_err(|e| io_error("write", path, &e))
}

#[cfg(test)]
mod tests;
