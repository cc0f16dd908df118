//! The trust store: the publisher keys a person trusts, for which repositories, under which policy.
//!
//! The whole public trust set (keys, scopes, policies) is one versioned JSON document held in
//! one keychain item per profile, so listing any number of keys is one keychain read. Private
//! keys are separate keychain items, never written to disk in clear. Writers serialise on a lock
//! file and replace the document in a single keychain call, so a failed write leaves the previous
//! document intact and two processes writing at once lose nothing.

mod backend;
mod entry;
pub mod identity;
mod identity_store;
mod keyring;
pub mod lists;
mod publishers;
pub mod scope;
mod standing;
mod store;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

pub use backend::{KeychainBackend, MemoryBackend, SecretBackend};
pub use identity::{
    CertificateClaims, Identity, IdentityError, IdentityInfo, IdentityMatcher, IdentityMismatch,
    San, Subject, TrustedIdentity,
};
pub(crate) use keyring::Keyring;
pub use publishers::{count_publishers, distinct_publishers, Coverage, PublisherCount, Voucher};
pub use standing::{KeyInfo, KeyState, Standing, Terms, EXPIRING_WITHIN_DAYS};
pub use store::{ImportReport, KeyQuery, TrustStore, DEFAULT_POLICY_LABEL};

use crate::keys::{Algorithm, KeyError, PublicKey};

/// The version of the trust-set document this build writes. Version 2 added `identities`
/// (keyless publishers); a version-1 document reads as a version-2 one without identities, and
/// the keychain item is rewritten as version 2 on the first change.
pub const TRUST_SET_VERSION: u32 = 2;
/// The oldest version this build reads.
pub const TRUST_SET_OLDEST_VERSION: u32 = 1;
/// The `format` marker of the trust-set document.
pub const TRUST_SET_FORMAT: &str = "vouch-trust-set";

/// Whether a key was revoked (stored; see [`KeyState`] for what a person is shown).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum KeyStatus {
    Active,
    Revoked,
}

/// A publisher key the user trusts (or trusted: a revoked key stays visible).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TrustedKey {
    /// `sha256:` + hex of SHA-256 over the DER SubjectPublicKeyInfo.
    pub fingerprint: String,
    pub algorithm: Algorithm,
    pub publisher: String,
    #[serde(default)]
    pub note: Option<String>,
    /// Glob patterns over repository names; empty means every repository.
    #[serde(default)]
    pub scopes: Vec<String>,
    pub status: KeyStatus,
    #[serde(default)]
    pub revoked_reason: Option<String>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub revoked_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub added_at: OffsetDateTime,
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub expires_at: Option<OffsetDateTime>,
    /// Whether the keychain holds the matching private key (this key can sign).
    #[serde(default)]
    pub has_private: bool,
    /// The public key, PEM `PUBLIC KEY`.
    pub public_key: String,
    /// The reference of the subscribed team trust list that added this key (see the `lists`
    /// module); `None` for a key trusted here. Not written when `None`, so documents without
    /// subscriptions read and write back unchanged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub source: Option<String>,
}

impl TrustedKey {
    /// A newly trusted, active key: no note, no expiry, no private half, never revoked.
    pub fn new(
        key: &PublicKey,
        publisher: impl Into<String>,
        scopes: Vec<String>,
        added_at: OffsetDateTime,
    ) -> Self {
        TrustedKey {
            fingerprint: key.fingerprint(),
            algorithm: key.algorithm(),
            publisher: publisher.into(),
            note: None,
            scopes,
            status: KeyStatus::Active,
            revoked_reason: None,
            revoked_at: None,
            added_at,
            expires_at: None,
            has_private: false,
            public_key: key.to_pem(),
            source: None,
        }
    }

    /// Whether one of the key's scopes covers `repository` (no scopes: every repository).
    pub fn covers(&self, repository: &str) -> bool {
        self.terms().covers(repository)
    }

    /// A short form for messages: `acme (sha256:1f2e3d4c5b6a…)`.
    pub fn label(&self) -> String {
        format!(
            "{} ({})",
            self.publisher,
            short_fingerprint(&self.fingerprint)
        )
    }
}

/// `sha256:` and the first 12 hex digits, with an ellipsis.
pub fn short_fingerprint(fp: &str) -> String {
    let hex = fp.strip_prefix("sha256:").unwrap_or(fp);
    format!("sha256:{}…", hex.get(..12).unwrap_or(hex))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum PolicyMode {
    /// Block anything not verified (the default).
    #[default]
    Enforce,
    /// Report the real status but do not block.
    Warn,
    /// Do not check at all.
    Off,
}

impl std::str::FromStr for PolicyMode {
    type Err = TrustError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "enforce" => Ok(Self::Enforce),
            "warn" => Ok(Self::Warn),
            "off" => Ok(Self::Off),
            other => Err(TrustError::BadPolicy(format!(
                "unknown policy mode `{other}`; use enforce, warn or off"
            ))),
        }
    }
}

impl std::fmt::Display for PolicyMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Enforce => "enforce",
            Self::Warn => "warn",
            Self::Off => "off",
        })
    }
}

/// The policy for the repositories a pattern matches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Policy {
    pub pattern: String,
    pub mode: PolicyMode,
    /// How many distinct trusted keys must have signed.
    pub threshold: u32,
}

/// The policy that applies to one repository, and where it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PolicyApplied {
    /// The pattern that matched, or `None` for the default policy.
    pub pattern: Option<String>,
    pub mode: PolicyMode,
    pub threshold: u32,
}

/// The policy where no pattern matches. A document without one (every version-1 document
/// written before it existed) means enforce with threshold 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DefaultPolicy {
    pub mode: PolicyMode,
    /// How many distinct trusted keys must have signed.
    pub threshold: u32,
}

impl Default for DefaultPolicy {
    fn default() -> Self {
        Self {
            mode: PolicyMode::Enforce,
            threshold: 1,
        }
    }
}

/// The whole public trust set: what one keychain item holds, and what `trust export` writes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrustSet {
    pub format: String,
    pub version: u32,
    #[serde(default)]
    pub keys: Vec<TrustedKey>,
    /// Keyless publishers (version 2).
    #[serde(default)]
    pub identities: Vec<TrustedIdentity>,
    #[serde(default)]
    pub policies: Vec<Policy>,
    /// Set only once a person chose one; absent means [`DefaultPolicy::default`]. Not written
    /// when absent, so a document that never had one reads and writes back byte for byte.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_policy: Option<DefaultPolicy>,
}

impl Default for TrustSet {
    fn default() -> Self {
        Self {
            format: TRUST_SET_FORMAT.to_string(),
            version: TRUST_SET_VERSION,
            keys: Vec::new(),
            identities: Vec::new(),
            policies: Vec::new(),
            default_policy: None,
        }
    }
}

impl TrustSet {
    /// Parses a trust-set document, refusing other formats and future versions. A version-1
    /// document is read as version 2 (it has no identities); writing it writes version 2.
    pub fn from_json(bytes: &[u8]) -> Result<Self, TrustError> {
        #[derive(Deserialize)]
        struct Head {
            format: Option<String>,
            version: Option<u32>,
        }
        let head: Head = serde_json::from_slice(bytes)
            .map_err(|e| TrustError::Corrupt(format!("not a JSON object: {e}")))?;
        if head.format.as_deref() != Some(TRUST_SET_FORMAT) {
            return Err(TrustError::Corrupt(format!(
                "expected a document with \"format\": \"{TRUST_SET_FORMAT}\""
            )));
        }
        match head.version {
            Some(v) if (TRUST_SET_OLDEST_VERSION..=TRUST_SET_VERSION).contains(&v) => {}
            Some(v) => return Err(TrustError::UnsupportedVersion(v)),
            None => {
                return Err(TrustError::Corrupt(
                    "the document has no \"version\"".into(),
                ))
            }
        }
        let mut set: TrustSet =
            serde_json::from_slice(bytes).map_err(|e| TrustError::Corrupt(e.to_string()))?;
        set.version = TRUST_SET_VERSION;
        for k in &set.keys {
            let pk = crate::keys::PublicKey::parse(k.public_key.as_bytes())?;
            if pk.fingerprint() != k.fingerprint {
                return Err(TrustError::Corrupt(format!(
                    "key {} does not match its fingerprint",
                    short_fingerprint(&k.fingerprint)
                )));
            }
        }
        for i in &set.identities {
            i.check().map_err(|e| TrustError::Corrupt(e.to_string()))?;
        }
        Ok(set)
    }

    /// The document as written to the keychain or exported. Fails rather than producing
    /// empty bytes: a write must never replace a trust set with nothing.
    pub fn to_json(&self) -> Result<Vec<u8>, TrustError> {
        to_document(self)
    }

    /// The policy for `repository`: the most specific matching pattern wins
    /// (containers-policy.json semantics); otherwise the default policy (pattern `None`).
    pub fn policy_for(&self, repository: &str) -> PolicyApplied {
        self.policies
            .iter()
            .filter(|p| scope::matches(&p.pattern, repository))
            .max_by(|a, b| scope::specificity(&a.pattern, &b.pattern))
            .map(|p| PolicyApplied {
                pattern: Some(p.pattern.clone()),
                mode: p.mode,
                threshold: p.threshold,
            })
            .unwrap_or_else(|| {
                let d = self.default_policy();
                PolicyApplied {
                    pattern: None,
                    mode: d.mode,
                    threshold: d.threshold,
                }
            })
    }

    /// The policy where no pattern matches: the one set, or enforce with threshold 1.
    pub fn default_policy(&self) -> DefaultPolicy {
        self.default_policy.unwrap_or_default()
    }

    pub fn key(&self, fingerprint: &str) -> Option<&TrustedKey> {
        self.keys.iter().find(|k| k.fingerprint == fingerprint)
    }

    /// The trusted identity with this id (`id:` + 12 hex digits).
    pub fn identity(&self, id: &str) -> Option<&TrustedIdentity> {
        self.identities.iter().find(|i| i.id == id)
    }
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TrustError {
    #[error("the keychain ({backend}) is unreachable: {detail}. No Secret Service provider (gnome-keyring or KWallet) answers in this session")]
    KeychainUnreachable { backend: String, detail: String },
    #[error("the keychain ({backend}) is locked: {detail}")]
    KeychainLocked { backend: String, detail: String },
    /// The keychain went away while a write was on its way (its daemon died or restarted): the
    /// write may or may not have happened. It is one keychain call replacing one item, so the
    /// trust set is whole either way.
    #[error("the keychain ({backend}) stopped answering in the middle of a write ({detail}): the trust set is as it was or already holds this change, never part of it; read it again to know which")]
    KeychainLostMidWrite { backend: String, detail: String },
    #[error("the keychain ({backend}) refused to {action}: {detail}; the trust store was left unchanged")]
    KeychainRefused {
        backend: String,
        action: String,
        detail: String,
    },
    #[error("no trusted key matches `{0}`")]
    NotFound(String),
    #[error("`{query}` matches several keys ({}); give more of the fingerprint", .candidates.join(", "))]
    Ambiguous {
        query: String,
        candidates: Vec<String>,
    },
    #[error("no trusted identity matches `{0}`")]
    IdentityNotFound(String),
    #[error("`{query}` matches several identities ({}); give the id", .candidates.join(", "))]
    AmbiguousIdentity {
        query: String,
        candidates: Vec<String>,
    },
    #[error("{0}")]
    Identity(#[from] IdentityError),
    #[error("`{0}` is too short to identify a key: give at least 12 hex digits of the fingerprint, or the publisher name")]
    PrefixTooShort(String),
    #[error("bad scope `{pattern}`: {why}")]
    BadScope { pattern: String, why: String },
    #[error("bad policy: {0}")]
    BadPolicy(String),
    #[error("{variable}=`{value}` is not a valid profile name: use up to 64 lower-case letters, digits, `-` or `_`")]
    BadProfile {
        variable: &'static str,
        value: String,
    },
    #[error("bad trust-set document: {0}")]
    Corrupt(String),
    #[error("the trust set could not be serialised ({0}); nothing was written")]
    Serialize(String),
    #[error("the trust-set document has version {0}, newer than this Vouch understands ({TRUST_SET_VERSION}); update Vouch")]
    UnsupportedVersion(u32),
    #[error(
        "the keychain has no private key for {0}, only its public key; it can verify but not sign"
    )]
    NoPrivateKey(String),
    #[error("{0}")]
    Key(#[from] KeyError),
    #[error("could not take the trust-store lock at {path}: {source}")]
    Lock {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("bad expiry time `{0}`: use RFC 3339, e.g. 2027-01-31T00:00:00Z")]
    BadTime(String),
}

/// Serialises a document that is about to be written; an error instead of empty bytes.
pub(crate) fn to_document<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, TrustError> {
    serde_json::to_vec_pretty(value).map_err(|e| TrustError::Serialize(e.to_string()))
}

/// Parses an RFC 3339 time given by a person.
pub fn parse_time(s: &str) -> Result<OffsetDateTime, TrustError> {
    OffsetDateTime::parse(s.trim(), &time::format_description::well_known::Rfc3339)
        .map_err(|_| TrustError::BadTime(s.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::policy;

    /// Regression: core error sentences told window users to run CLI commands (`vouch doctor`,
    /// `vouch key list`, `gnome-keyring-daemon --unlock`). The core says what went wrong; each
    /// shell adds its own hint.
    #[test]
    fn core_error_sentences_name_no_command() {
        let s = |x: &str| x.to_string();
        let errors = [
            TrustError::KeychainUnreachable {
                backend: s("Secret Service"),
                detail: s("no bus"),
            },
            TrustError::KeychainLocked {
                backend: s("Secret Service"),
                detail: s("locked"),
            },
            TrustError::KeychainLostMidWrite {
                backend: s("Secret Service"),
                detail: s("no reply"),
            },
            TrustError::NotFound(s("acme")),
            TrustError::NoPrivateKey(s("acme")),
            TrustError::Key(KeyError::PrivateKeyGivenAsPublic),
            TrustError::UnsupportedVersion(9),
            TrustError::IdentityNotFound(s("acme")),
            TrustError::Identity(IdentityError::EmptySubject),
        ];
        let registry = crate::registry::RegistryError::Unauthorized {
            host: s("ghcr.io"),
            what: s("the manifest"),
            code: 401,
        };
        let texts = errors.iter().map(ToString::to_string);
        for text in texts.chain([registry.to_string()]) {
            for command in [
                "`vouch",
                "vouch doctor",
                "vouch key",
                "--unlock",
                "run `",
                "docker login",
            ] {
                assert!(!text.contains(command), "{text:?} names {command:?}");
            }
        }
    }

    #[test]
    fn default_policy_is_enforce_one_key() {
        let set = TrustSet::default();
        let p = set.policy_for("docker.io/library/nginx");
        assert_eq!(p.mode, PolicyMode::Enforce);
        assert_eq!(p.threshold, 1);
        assert_eq!(p.pattern, None);
    }

    #[test]
    fn a_set_default_policy_applies_where_no_pattern_matches() {
        let set = TrustSet {
            policies: vec![policy("ghcr.io/**", PolicyMode::Enforce, 1)],
            default_policy: Some(DefaultPolicy {
                mode: PolicyMode::Warn,
                threshold: 2,
            }),
            ..TrustSet::default()
        };
        let p = set.policy_for("quay.io/x/y");
        assert_eq!(
            (p.pattern, p.mode, p.threshold),
            (None, PolicyMode::Warn, 2)
        );
        let scoped = set.policy_for("ghcr.io/acme/app");
        assert_eq!(scoped.mode, PolicyMode::Enforce);
        assert_eq!(scoped.pattern.as_deref(), Some("ghcr.io/**"));
    }

    /// A version-1 document without `default_policy` reads as enforce/1 and is written back
    /// without the field; one with it keeps it through a round trip.
    #[test]
    fn default_policy_is_optional_in_the_document_and_round_trips() {
        let old = br#"{"format":"vouch-trust-set","version":1,"keys":[],"policies":[]}"#;
        let set = TrustSet::from_json(old).expect("v1 document");
        assert_eq!(set.default_policy, None);
        assert_eq!(set.default_policy(), DefaultPolicy::default());
        let text = String::from_utf8(set.to_json().expect("json")).expect("utf8");
        assert!(!text.contains("default_policy"), "{text}");
        let with = TrustSet {
            default_policy: Some(DefaultPolicy {
                mode: PolicyMode::Off,
                threshold: 1,
            }),
            ..TrustSet::default()
        };
        let back = TrustSet::from_json(&with.to_json().expect("json")).expect("read back");
        assert_eq!(back, with);
    }

    #[test]
    fn most_specific_policy_wins() {
        let set = TrustSet {
            policies: vec![
                policy("ghcr.io/**", PolicyMode::Warn, 1),
                policy("ghcr.io/acme/*", PolicyMode::Enforce, 2),
                policy("ghcr.io/acme/legacy", PolicyMode::Off, 1),
            ],
            ..TrustSet::default()
        };
        assert_eq!(set.policy_for("ghcr.io/acme/app").threshold, 2);
        assert_eq!(set.policy_for("ghcr.io/acme/legacy").mode, PolicyMode::Off);
        assert_eq!(set.policy_for("ghcr.io/other/x").mode, PolicyMode::Warn);
        assert_eq!(set.policy_for("quay.io/x/y").pattern, None);
    }

    #[test]
    fn documents_of_other_formats_and_versions_are_refused() {
        assert!(matches!(
            TrustSet::from_json(b"[]"),
            Err(TrustError::Corrupt(_))
        ));
        assert!(matches!(
            TrustSet::from_json(b"{\"format\":\"x\",\"version\":1}"),
            Err(TrustError::Corrupt(_))
        ));
        assert!(matches!(
            TrustSet::from_json(b"{\"format\":\"vouch-trust-set\",\"version\":9}"),
            Err(TrustError::UnsupportedVersion(9))
        ));
        let ok =
            TrustSet::from_json(&TrustSet::default().to_json().expect("json")).expect("roundtrip");
        assert_eq!(ok, TrustSet::default());
    }

    #[test]
    fn bad_times_are_refused() {
        assert!(parse_time("2027-01-01T00:00:00Z").is_ok());
        assert!(matches!(
            parse_time("next tuesday"),
            Err(TrustError::BadTime(_))
        ));
    }
}
