//! Typed causes: why a signature does not count, why a verdict is what it is, and the names of
//! the checks.
//!
//! A [`Problem`] carries the data a program needs (`{"code": "wrong_digest", "signed_for": […],
//! "image": "sha256:…", …}` in JSON) and, through `Display`, the sentence a person reads. The
//! verdict's `reason` and a signature's `problem` stay the sentences they always were; the
//! typed `cause` sits next to them. Invariant: a problem's sentence is its `Display`, produced
//! from the variant's own data (or, for material Vouch could not read and for registry
//! failures, the detail text the variant carries), so the words and the data cannot disagree.
//! The verdict's `reason` adds context around it (the key's label, what would be accepted).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::oci::clip;
use crate::reference::ReferenceError;
use crate::registry::RegistryError;
use crate::sigstore::SigstoreError;
use crate::trust::identity::{Claim, IdentityMismatch};
use crate::trust::{short_fingerprint, San, Standing, TrustedIdentity, TrustedKey};

/// The trusted key a problem is about: enough to name it and to look it up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct KeyRef {
    pub fingerprint: String,
    pub publisher: String,
}

impl KeyRef {
    /// `acme (sha256:1f2e3d4c5b6a…)`, as [`TrustedKey::label`].
    pub fn label(&self) -> String {
        format!(
            "{} ({})",
            self.publisher,
            short_fingerprint(&self.fingerprint)
        )
    }
}

impl From<&TrustedKey> for KeyRef {
    fn from(k: &TrustedKey) -> Self {
        KeyRef {
            fingerprint: k.fingerprint.clone(),
            publisher: k.publisher.clone(),
        }
    }
}

/// The trusted identity a problem or a signature is about: enough to name it and look it up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct IdentityRef {
    /// The identity's stable id (`id:` + 12 hex digits).
    pub id: String,
    pub publisher: String,
    /// The subject (email, URI or pattern) as trusted.
    pub subject: String,
}

impl IdentityRef {
    /// `acme (id:1f2e3d4c5b6a)`, as [`TrustedIdentity::label`].
    pub fn label(&self) -> String {
        format!("{} ({})", self.publisher, self.id)
    }
}

impl From<&TrustedIdentity> for IdentityRef {
    fn from(i: &TrustedIdentity) -> Self {
        IdentityRef {
            id: i.id.clone(),
            publisher: i.publisher.clone(),
            subject: i.identity.subject.text().to_string(),
        }
    }
}

/// Who a verified signing certificate was issued to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CertifiedSigner {
    pub issuer: String,
    pub subject: San,
}

/// Why the trusted identity that came closest did not accept a certificate: the field, what
/// it expects, what the certificate says (`None`: the certificate lacks it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Rejection {
    pub identity: IdentityRef,
    /// `issuer`, `subject`, `source_repository`, `ref`, `workflow` or `trigger`.
    pub field: String,
    pub expected: String,
    pub found: Option<String>,
}

impl Rejection {
    pub(crate) fn new(identity: &TrustedIdentity, m: &IdentityMismatch) -> Rejection {
        let claim_field = |c: &Claim| {
            serde_json::to_value(c)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .map(|f| if f == "source_ref" { "ref".into() } else { f })
                .unwrap_or_default()
        };
        let (field, expected, found) = match m {
            IdentityMismatch::Issuer { expected, found } => {
                ("issuer".to_string(), expected.clone(), Some(found.clone()))
            }
            IdentityMismatch::Subject { expected, found } => (
                "subject".into(),
                expected.text().to_string(),
                Some(found.value().to_string()),
            ),
            IdentityMismatch::UnusablePattern { expected, .. } => {
                ("subject".into(), expected.text().to_string(), None)
            }
            IdentityMismatch::Claim {
                claim,
                expected,
                found,
            } => (claim_field(claim), expected.clone(), Some(found.clone())),
            IdentityMismatch::ClaimMissing {
                claim, expected, ..
            } => (claim_field(claim), expected.clone(), None),
        };
        Rejection {
            identity: IdentityRef::from(identity),
            field,
            expected,
            found,
        }
    }
}

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: expected {}, found {}",
            self.field,
            clip(&self.expected, 200),
            self.found
                .as_deref()
                .map_or_else(|| "nothing".to_string(), |s| clip(s, 200))
        )
    }
}

/// Why a signature does not count, or what decided a verdict that is not `verified`.
///
/// Serialised with its `code` (snake case) beside its fields; `Display` gives the sentence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "code", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Problem {
    // --- one signature ---
    /// Corrupt or mismatching signature material (the image is `invalid`).
    Broken { detail: String },
    /// No trusted key verifies the signature.
    NoTrustedKey { trusted_keys: usize },
    /// A Notary Project signature, which plain keys cannot verify.
    Notary,
    /// Signature material Vouch recognises but cannot check yet.
    Unsupported { what: String },
    /// A trusted key verifies it, but the payload is not an image signature (`invalid`).
    BadPayload { key: KeyRef, detail: String },
    /// Signed for other digests (`invalid`: replayed from another image).
    WrongDigest {
        key: KeyRef,
        signed_for: Vec<String>,
        image: String,
    },
    /// Signed for other repositories (`invalid`: copied from another repository).
    WrongIdentity {
        key: KeyRef,
        signed_for: Vec<String>,
        repository: String,
    },
    /// The key that signed was revoked.
    Revoked {
        key: KeyRef,
        reason: Option<String>,
        #[serde(with = "time::serde::rfc3339::option")]
        #[cfg_attr(feature = "ts", ts(type = "string | null"))]
        at: Option<OffsetDateTime>,
    },
    /// Trust in the key that signed has expired.
    Expired {
        key: KeyRef,
        #[serde(with = "time::serde::rfc3339")]
        #[cfg_attr(feature = "ts", ts(type = "string"))]
        expired_at: OffsetDateTime,
        #[serde(with = "time::serde::rfc3339")]
        #[cfg_attr(feature = "ts", ts(type = "string"))]
        checked_at: OffsetDateTime,
    },
    /// The key that signed is not scoped to the repository.
    OutOfScope {
        key: KeyRef,
        scopes: Vec<String>,
        repository: String,
    },

    /// A keyless signature that does not pass Sigstore's checks against the trusted root
    /// `root` (log entry, certificate chain, signing time, binding to this image).
    Sigstore {
        root: String,
        sigstore: SigstoreError,
    },
    /// A keyless signature whose certificate (`signer`, when it verified) no trusted identity
    /// accepts; `closest` says which field of the nearest identity differed.
    UntrustedIdentity {
        signer: Option<Box<CertifiedSigner>>,
        closest: Option<Box<Rejection>>,
        trusted_identities: usize,
    },
    /// A trusted identity signed, but it may not vouch for the repository now.
    IdentityNotActive {
        identity: Box<IdentityRef>,
        standing: Standing,
        repository: String,
    },

    // --- one attestation (provenance) ---
    /// The signed (or stored) content is not a usable in-toto statement.
    BadStatement { detail: String },
    /// The statement's subjects (sha256 digests) do not name the image it is attached to.
    WrongSubject {
        subjects: Vec<String>,
        expected: String,
    },
    /// A BuildKit attestation that does not say which platform manifest it describes, or names
    /// one that is not in the index.
    UnknownPlatform { for_digest: Option<String> },
    /// An unsigned BuildKit attestation that no trusted image signature covers.
    NotCovered { describes: String },

    // --- the verdict as a whole ---
    /// No signature material at all.
    NoSignatures { repository: String, digest: String },
    /// Some trusted keys signed, fewer than the policy requires.
    ThresholdNotMet {
        keys: Vec<KeyRef>,
        required: u32,
        /// The policy's pattern (`None`: the default policy).
        policy: Option<String>,
        repository: String,
    },

    /// Some trusted publishers signed, keys and keyless identities together, fewer than the
    /// policy requires (a key and an identity of one publisher count once).
    TooFewPublishers {
        keys: Vec<KeyRef>,
        identities: Vec<IdentityRef>,
        /// What they count for together.
        counted: usize,
        required: u32,
        policy: Option<String>,
        repository: String,
    },

    // --- the image could not be checked (status `error`, or `invalid` for a digest mismatch) ---
    /// The reference is not an image reference.
    BadReference { input: String, message: String },
    /// The trust store could not be read.
    TrustUnavailable { message: String },
    /// The registry could not be reached.
    Unreachable { host: String, message: String },
    /// The registry did not answer one request in time.
    RegistryTimeout { host: String, message: String },
    /// The whole check of the image took longer than allowed.
    GaveUp { host: String, secs: u64 },
    /// The registry sent more than a limit allows.
    TooLarge {
        host: String,
        limit: u64,
        message: String,
    },
    /// The registry refused access.
    AccessDenied {
        host: String,
        status: u16,
        message: String,
    },
    /// The registry refused a request with an OCI error envelope (e.g. `DENIED`).
    Refused {
        host: String,
        status: Option<u16>,
        message: String,
    },
    /// A credential helper failed or hung.
    CredentialHelper {
        host: String,
        helper: String,
        message: String,
    },
    /// The image (or a part of it) does not exist.
    NotFound { host: String, message: String },
    /// The registry answered with an unexpected HTTP status.
    RegistryStatus {
        host: String,
        status: u16,
        message: String,
    },
    /// The registry served bytes that do not hash to their digest.
    DigestMismatch {
        host: String,
        expected: String,
        actual: String,
        message: String,
    },
    /// The registry's answer was malformed.
    RegistryProtocol { host: String, message: String },
    /// Any other failure, in words.
    Failed { message: String },

    // --- the check did not finish (status `cancelled`) ---
    /// The batch was cancelled before this image's check finished.
    Cancelled,
}

impl Problem {
    /// The snake-case code, as serialised.
    pub fn code(&self) -> &'static str {
        match self {
            Problem::Broken { .. } => "broken",
            Problem::NoTrustedKey { .. } => "no_trusted_key",
            Problem::Notary => "notary",
            Problem::Unsupported { .. } => "unsupported",
            Problem::BadPayload { .. } => "bad_payload",
            Problem::WrongDigest { .. } => "wrong_digest",
            Problem::WrongIdentity { .. } => "wrong_identity",
            Problem::Revoked { .. } => "revoked",
            Problem::Expired { .. } => "expired",
            Problem::OutOfScope { .. } => "out_of_scope",
            Problem::Sigstore { .. } => "sigstore",
            Problem::UntrustedIdentity { .. } => "untrusted_identity",
            Problem::IdentityNotActive { .. } => "identity_not_active",
            Problem::BadStatement { .. } => "bad_statement",
            Problem::WrongSubject { .. } => "wrong_subject",
            Problem::UnknownPlatform { .. } => "unknown_platform",
            Problem::NotCovered { .. } => "not_covered",
            Problem::NoSignatures { .. } => "no_signatures",
            Problem::ThresholdNotMet { .. } => "threshold_not_met",
            Problem::TooFewPublishers { .. } => "too_few_publishers",
            Problem::BadReference { .. } => "bad_reference",
            Problem::TrustUnavailable { .. } => "trust_unavailable",
            Problem::Unreachable { .. } => "unreachable",
            Problem::RegistryTimeout { .. } => "registry_timeout",
            Problem::GaveUp { .. } => "gave_up",
            Problem::TooLarge { .. } => "too_large",
            Problem::AccessDenied { .. } => "access_denied",
            Problem::Refused { .. } => "refused",
            Problem::CredentialHelper { .. } => "credential_helper",
            Problem::NotFound { .. } => "not_found",
            Problem::RegistryStatus { .. } => "registry_status",
            Problem::DigestMismatch { .. } => "digest_mismatch",
            Problem::RegistryProtocol { .. } => "registry_protocol",
            Problem::Failed { .. } => "failed",
            Problem::Cancelled => "cancelled",
        }
    }

    /// The trusted key that verified the signature this problem is about, if one did.
    pub fn key(&self) -> Option<&KeyRef> {
        match self {
            Problem::BadPayload { key, .. }
            | Problem::WrongDigest { key, .. }
            | Problem::WrongIdentity { key, .. }
            | Problem::Revoked { key, .. }
            | Problem::Expired { key, .. }
            | Problem::OutOfScope { key, .. } => Some(key),
            _ => None,
        }
    }

    /// Why `key`, which verified a signature, may not vouch for the repository now (`None`:
    /// it may), from [`TrustedKey::standing`].
    pub fn from_standing(key: &TrustedKey, standing: Standing, repository: &str) -> Option<Self> {
        let key_ref = KeyRef::from(key);
        match standing {
            Standing::Active => None,
            Standing::Revoked { reason, at } => Some(Problem::Revoked {
                key: key_ref,
                reason,
                at,
            }),
            Standing::Expired {
                expired_at,
                checked_at,
            } => Some(Problem::Expired {
                key: key_ref,
                expired_at,
                checked_at,
            }),
            Standing::OutOfScope { scopes } => Some(Problem::OutOfScope {
                key: key_ref,
                scopes,
                repository: repository.to_string(),
            }),
        }
    }

    /// A reference that did not parse.
    pub fn bad_reference(input: &str, e: &ReferenceError) -> Self {
        Problem::BadReference {
            input: clip(input, 120),
            message: e.to_string(),
        }
    }
}

impl From<&RegistryError> for Problem {
    fn from(e: &RegistryError) -> Self {
        let message = e.to_string();
        let host = e.host().to_string();
        match e {
            RegistryError::Unreachable { .. }
            | RegistryError::Tls { .. }
            | RegistryError::TlsSetup { .. } => Problem::Unreachable { host, message },
            RegistryError::Timeout { .. } => Problem::RegistryTimeout { host, message },
            RegistryError::TooLarge { limit, .. } => Problem::TooLarge {
                host,
                limit: *limit,
                message,
            },
            RegistryError::Unauthorized { code, .. }
            | RegistryError::CredentialsRejected { code, .. } => Problem::AccessDenied {
                host,
                status: *code,
                message,
            },
            RegistryError::NotFound { .. } => Problem::NotFound { host, message },
            RegistryError::Status { code, .. } => Problem::RegistryStatus {
                host,
                status: *code,
                message,
            },
            RegistryError::DigestMismatch {
                expected, actual, ..
            } => Problem::DigestMismatch {
                host,
                expected: expected.clone(),
                actual: actual.clone(),
                message,
            },
            RegistryError::Protocol { .. } => Problem::RegistryProtocol { host, message },
            RegistryError::Refused { status, .. } => Problem::Refused {
                host,
                status: *status,
                message,
            },
            RegistryError::RateLimited { status, .. } => Problem::Refused {
                host,
                status: Some(*status),
                message,
            },
            RegistryError::CredentialHelper { helper, .. } => Problem::CredentialHelper {
                host,
                helper: helper.clone(),
                message,
            },
        }
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Problem::Broken { detail }
            | Problem::BadPayload { detail, .. }
            | Problem::BadStatement { detail } => f.write_str(detail),
            Problem::WrongSubject { subjects, expected } => write!(
                f,
                "wrong subject: the statement is about {}, not {}; it was made for another image",
                if subjects.is_empty() {
                    "no sha256 digest".to_string()
                } else {
                    subjects.iter().map(|s| short_digest(s)).collect::<Vec<_>>().join(", ")
                },
                short_digest(expected)
            ),
            Problem::UnknownPlatform { for_digest: Some(d) } => write!(
                f,
                "the attestation manifest describes {d}, which is not a platform of this index"
            ),
            Problem::UnknownPlatform { for_digest: None } => f.write_str(
                "the attestation manifest does not say which platform manifest it describes",
            ),
            Problem::NotCovered { describes } => write!(
                f,
                "unsigned: a BuildKit attestation stored in the image index for {}, and no trusted signature covers it",
                short_digest(describes)
            ),
            Problem::Unsupported { what } => f.write_str(what),
            Problem::NoTrustedKey { .. } => f.write_str(
                "does not verify with any trusted key: made with a key you do not trust, or altered",
            ),
            Problem::Notary => {
                f.write_str("a Notary Project signature; Vouch cannot verify these with plain keys")
            }
            Problem::WrongDigest {
                signed_for, image, ..
            } => write!(
                f,
                "signed for {}, not for this image's {image}",
                list_or_none(signed_for)
            ),
            Problem::WrongIdentity {
                signed_for,
                repository,
                ..
            } => write!(
                f,
                "signed for {}, not for {repository}",
                list_or_none(signed_for)
            ),
            Problem::Revoked { reason, .. } => match reason {
                Some(why) => write!(f, "the key was revoked ({})", clip(why, 120)),
                None => f.write_str("the key was revoked"),
            },
            Problem::Expired { expired_at, .. } => {
                write!(f, "trust in the key expired at {}", rfc3339(*expired_at))
            }
            Problem::OutOfScope {
                scopes, repository, ..
            } => write!(
                f,
                "the key is scoped to {}, which does not cover {repository}",
                scopes.join(", ")
            ),
            Problem::NoSignatures { repository, digest } => write!(
                f,
                "no signature found for {repository} at {}; a cosign signature by a trusted key scoped to {repository} would be accepted",
                short_digest(digest)
            ),
            Problem::Sigstore { root, sigstore } => write!(
                f,
                "a keyless signature does not verify against the trusted root `{root}`: {sigstore}"
            ),
            Problem::UntrustedIdentity { signer: None, .. } => f.write_str(
                "a keyless signature (a Sigstore certificate), and you trust no keyless identity",
            ),
            Problem::UntrustedIdentity {
                signer: Some(signer),
                closest,
                ..
            } => {
                write!(
                    f,
                    "signed by {} (issued by {}), not an identity you trust",
                    clip(signer.subject.value(), 300),
                    clip(&signer.issuer, 200)
                )?;
                match closest {
                    Some(c) => write!(f, " ({c})"),
                    None => Ok(()),
                }
            }
            Problem::IdentityNotActive {
                identity,
                standing,
                repository,
            } => match standing {
                Standing::Revoked { reason, .. } => match reason {
                    Some(why) => write!(
                        f,
                        "the identity {} was revoked ({})",
                        identity.label(),
                        clip(why, 120)
                    ),
                    None => write!(f, "the identity {} was revoked", identity.label()),
                },
                Standing::Expired { expired_at, .. } => write!(
                    f,
                    "trust in the identity {} expired at {}",
                    identity.label(),
                    rfc3339(*expired_at)
                ),
                Standing::OutOfScope { scopes } => write!(
                    f,
                    "the identity {} is scoped to {}, which does not cover {repository}",
                    identity.label(),
                    scopes.join(", ")
                ),
                _ => write!(f, "the identity {} may not vouch here", identity.label()),
            },
            Problem::TooFewPublishers {
                keys,
                identities,
                counted,
                required,
                policy,
                repository,
            } => {
                let labels: Vec<String> = keys
                    .iter()
                    .map(KeyRef::label)
                    .chain(identities.iter().map(IdentityRef::label))
                    .collect();
                write!(
                    f,
                    "only {counted} distinct trusted publisher{} ({}) signed {repository}, but {} requires {required}; a key and an identity of one publisher count once",
                    plural(*counted),
                    labels.join(", "),
                    policy_name(policy.as_deref())
                )
            }
            Problem::ThresholdNotMet {
                keys,
                required,
                policy,
                repository,
            } => write!(
                f,
                "only {} distinct trusted key{} ({}) signed {repository}, but {} requires {required}; several signatures by one key count once",
                keys.len(),
                plural(keys.len()),
                keys.iter().map(KeyRef::label).collect::<Vec<_>>().join(", "),
                policy_name(policy.as_deref())
            ),
            Problem::Cancelled => f.write_str(
                "cancelled before its check finished; nothing was concluded about this image",
            ),
            Problem::GaveUp { host, secs } => write!(
                f,
                "gave up on {host} after {secs} s: the registry is too slow or stalled"
            ),
            Problem::BadReference { message, .. }
            | Problem::TrustUnavailable { message }
            | Problem::Unreachable { message, .. }
            | Problem::RegistryTimeout { message, .. }
            | Problem::TooLarge { message, .. }
            | Problem::AccessDenied { message, .. }
            | Problem::Refused { message, .. }
            | Problem::CredentialHelper { message, .. }
            | Problem::NotFound { message, .. }
            | Problem::RegistryStatus { message, .. }
            | Problem::DigestMismatch { message, .. }
            | Problem::RegistryProtocol { message, .. }
            | Problem::Failed { message } => f.write_str(message),
        }
    }
}

/// The names of the checks a verdict lists, serialised as they always were.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum CheckName {
    /// The image could not be resolved or fetched (error verdicts).
    Resolve,
    /// The manifest digest Vouch computed.
    Digest,
    SignaturesFound,
    /// A signature verifies with a trusted key.
    Signature,
    /// The signed payload is a well-formed image signature.
    Payload,
    DigestBinding,
    Identity,
    KeyStatus,
    Scope,
    Policy,
    /// Image index: how the platform manifests fared.
    Platforms,
}

impl CheckName {
    pub fn as_str(&self) -> &'static str {
        match self {
            CheckName::Resolve => "resolve",
            CheckName::Digest => "digest",
            CheckName::SignaturesFound => "signatures_found",
            CheckName::Signature => "signature",
            CheckName::Payload => "payload",
            CheckName::DigestBinding => "digest_binding",
            CheckName::Identity => "identity",
            CheckName::KeyStatus => "key_status",
            CheckName::Scope => "scope",
            CheckName::Policy => "policy",
            CheckName::Platforms => "platforms",
        }
    }
}

impl std::fmt::Display for CheckName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// "the policy for PATTERN" or "the default policy".
pub(super) fn policy_name(pattern: Option<&str>) -> String {
    pattern
        .map(|p| format!("the policy for {p}"))
        .unwrap_or_else(|| "the default policy".into())
}

pub(crate) fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

pub(super) fn list_or_none(items: &[String]) -> String {
    if items.is_empty() {
        "nothing".into()
    } else {
        items.join(", ")
    }
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| t.to_string())
}

pub(super) fn short_digest(d: &str) -> String {
    let hex = d.strip_prefix("sha256:").unwrap_or(d);
    format!("sha256:{}…", hex.get(..12).unwrap_or(hex))
}
