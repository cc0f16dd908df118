//! A profile's subscriptions to team trust lists, and the versions it published:
//! `<config>/trust-lists/<profile>.json` (`vouch-trust-lists`, version 1). Every change is
//! read-modify-write under `<config>/locks/<profile>.trust-lists.lock` and one rename.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::ListError;
use crate::keys::PublicKey;

/// The `format` marker of the subscriptions file.
pub const SUBSCRIPTIONS_FORMAT: &str = "vouch-trust-lists";

/// An admin key a subscription accepts signatures from: a fingerprint, and the public key when
/// it was given or found here (otherwise the list's statement must carry a key of exactly this
/// fingerprint).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SubscriptionSigner {
    pub fingerprint: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub public_key: Option<String>,
}

impl SubscriptionSigner {
    /// A signer pinned by its public key.
    pub fn from_key(key: &PublicKey) -> Self {
        SubscriptionSigner {
            fingerprint: key.fingerprint(),
            public_key: Some(key.to_pem()),
        }
    }
}

/// What the last applied version of a list was.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SyncState {
    pub version: u64,
    /// `sha256:` of the signed statement's payload: the same version must carry the same one.
    pub statement_digest: String,
    pub manifest_digest: String,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub expires_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub synced_at: OffsetDateTime,
    /// How many keys the applied list named.
    pub keys: usize,
}

/// The last attempt to sync, when it did not apply anything.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct LastProblem {
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub at: OffsetDateTime,
    pub code: String,
    pub problem: String,
}

/// One subscription.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Subscription {
    /// `REGISTRY/REPO:TAG`, normalised.
    pub reference: String,
    pub signers: Vec<SubscriptionSigner>,
    /// How many distinct signers must have signed (the list's own threshold applies too).
    pub threshold: u32,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub added_at: OffsetDateTime,
    #[serde(default)]
    pub state: Option<SyncState>,
    #[serde(default)]
    pub last_problem: Option<LastProblem>,
}

/// A version this profile published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Published {
    pub reference: String,
    pub version: u64,
}

/// The whole file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subscriptions {
    pub format: String,
    pub version: u32,
    #[serde(default)]
    pub subscriptions: Vec<Subscription>,
    #[serde(default)]
    pub published: Vec<Published>,
}

impl Default for Subscriptions {
    fn default() -> Self {
        Subscriptions {
            format: SUBSCRIPTIONS_FORMAT.into(),
            version: 1,
            subscriptions: Vec::new(),
            published: Vec::new(),
        }
    }
}

impl Subscriptions {
    /// The file of `profile` under the configuration folder.
    pub fn path(profile: &str) -> PathBuf {
        crate::paths::config_dir()
            .join("trust-lists")
            .join(format!("{profile}.json"))
    }

    fn lock_path(profile: &str) -> PathBuf {
        crate::paths::lock_path(&format!("{profile}.trust-lists"))
    }

    /// Reads `path`; an absent file is no subscriptions.
    pub fn load_from(path: &Path) -> Result<Self, ListError> {
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Self::default()),
            Err(source) => {
                return Err(ListError::File {
                    action: "read",
                    path: path.display().to_string(),
                    source,
                })
            }
        };
        let doc: Subscriptions =
            serde_json::from_slice(&bytes).map_err(|e| ListError::Malformed {
                what: path.display().to_string(),
                why: e.to_string(),
            })?;
        if doc.format != SUBSCRIPTIONS_FORMAT || doc.version != 1 {
            return Err(ListError::Malformed {
                what: path.display().to_string(),
                why: format!("expected \"format\": \"{SUBSCRIPTIONS_FORMAT}\", version 1"),
            });
        }
        Ok(doc)
    }

    /// The active profile's subscriptions.
    pub fn load(profile: &str) -> Result<Self, ListError> {
        Self::load_from(&Self::path(profile))
    }

    /// Read, change, write `profile`'s file under its lock, in one rename.
    pub fn update<T>(
        profile: &str,
        change: impl FnOnce(&mut Subscriptions) -> Result<T, ListError>,
    ) -> Result<T, ListError> {
        let lock = Self::lock_path(profile);
        let _guard = crate::paths::take_lock(&lock).map_err(|source| ListError::File {
            action: "lock",
            path: lock.display().to_string(),
            source,
        })?;
        let path = Self::path(profile);
        let mut doc = Self::load_from(&path)?;
        let out = change(&mut doc)?;
        let bytes = serde_json::to_vec_pretty(&doc).map_err(|e| ListError::Malformed {
            what: "the subscriptions".into(),
            why: e.to_string(),
        })?;
        crate::paths::write_atomically(&path, &bytes).map_err(|source| ListError::File {
            action: "write",
            path: path.display().to_string(),
            source,
        })?;
        Ok(out)
    }

    pub fn find(&self, reference: &str) -> Option<&Subscription> {
        self.subscriptions.iter().find(|s| s.reference == reference)
    }

    pub(crate) fn find_mut(&mut self, reference: &str) -> Result<&mut Subscription, ListError> {
        self.subscriptions
            .iter_mut()
            .find(|s| s.reference == reference)
            .ok_or_else(|| ListError::NoSubscription(reference.to_string()))
    }

    /// The last version this profile published at `reference`.
    pub fn last_published(&self, reference: &str) -> Option<u64> {
        self.published
            .iter()
            .find(|p| p.reference == reference)
            .map(|p| p.version)
    }
}

/// Records a subscription of `profile` (replacing the signers and threshold of one to the
/// same reference, keeping what it last applied). `reference` must be normalised.
pub fn subscribe(
    profile: &str,
    reference: &str,
    signers: Vec<SubscriptionSigner>,
    threshold: u32,
    now: OffsetDateTime,
) -> Result<Subscription, ListError> {
    if signers.is_empty() {
        return Err(ListError::BadThreshold(
            "a subscription needs at least one signer".into(),
        ));
    }
    super::document::check_threshold(threshold, signers.len())?;
    Subscriptions::update(profile, |doc| {
        if let Ok(s) = doc.find_mut(reference) {
            s.signers = signers;
            s.threshold = threshold;
            return Ok(s.clone());
        }
        let s = Subscription {
            reference: reference.to_string(),
            signers,
            threshold,
            added_at: super::whole_seconds(now),
            state: None,
            last_problem: None,
        };
        doc.subscriptions.push(s.clone());
        Ok(s)
    })
}

/// Removes `profile`'s subscription to `reference`. The keys the list added stay in the trust
/// set, still marked with their source, for the person to keep, revoke or remove.
pub fn unsubscribe(profile: &str, reference: &str) -> Result<Subscription, ListError> {
    Subscriptions::update(profile, |doc| {
        let at = doc
            .subscriptions
            .iter()
            .position(|s| s.reference == reference)
            .ok_or_else(|| ListError::NoSubscription(reference.to_string()))?;
        Ok(doc.subscriptions.remove(at))
    })
}

/// Records that `profile` published `version` at `reference` (normalised).
pub fn record_published(profile: &str, reference: &str, version: u64) -> Result<(), ListError> {
    Subscriptions::update(profile, |doc| {
        doc.published.retain(|p| p.reference != reference);
        doc.published.push(Published {
            reference: reference.to_string(),
            version,
        });
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_file_is_empty_and_a_foreign_one_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("x.json");
        assert_eq!(
            Subscriptions::load_from(&p).expect("absent"),
            Subscriptions::default()
        );
        std::fs::write(&p, br#"{"format":"other","version":1}"#).expect("write");
        let err = Subscriptions::load_from(&p).expect_err("foreign");
        assert!(err.to_string().contains("vouch-trust-lists"), "{err}");
    }
}
