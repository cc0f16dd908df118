//! Verification: fetched material + trust set → [`Verdict`].
//!
//! This module is pure: [`evaluate`] does no I/O and reads no clock (the caller passes `now`),
//! so every rule is unit-tested with hand-built material. Fetching lives in [`fetch`], which
//! hashes everything it downloads and hands over only bytes that match their digests (or a
//! [`Found::Broken`] entry saying what did not).
//!
//! "Verified" means, all at once (issue rules 1–6):
//! 1. the reference resolved to a manifest digest that Vouch hashed itself;
//! 2. signatures were found (cosign tag `sha256-<hex>.sig`, OCI referrers / fallback tag);
//! 3. a signature verifies with a key in the trust store over the exact payload bytes, or a
//!    keyless signature passes Sigstore's checks against the trusted root of an identity in
//!    the trust store whose issuer, subject and claims its certificate matches ([`keyless`]);
//! 4. the payload names this digest and this repository;
//! 5. the key (or identity) is active, not expired, and scoped to the repository; the policy's
//!    threshold of *distinct* publishers is met (keys by fingerprint, a publisher's identities
//!    once, a key and an identity of one publisher once);
//! 6. for an index, the index itself passes (platforms are reported separately).
//!
//! A verdict that is not `verified` carries its deciding [`Problem`] as `cause` (and each
//! signature report its own), typed data beside the sentence in `reason` / `problem`; see
//! [`problem`]. Whether a key may vouch (revoked, expired, out of scope) is decided once, by
//! [`TrustedKey::standing`], for image signatures and attestations alike.

mod cancel;
pub mod fetch;
pub mod keyless;
mod policy;
pub mod problem;
#[cfg(test)]
mod tests;

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::cosign::{parse_sign_statement, parse_simple_signing};
use crate::dsse::decode_b64;
use crate::oci::clip;
use crate::reference::identity_repository;
use crate::trust::{
    distinct_publishers, short_fingerprint, Keyring, PolicyApplied, PolicyMode, TrustSet,
    TrustedIdentity, TrustedKey, Voucher,
};
use keyless::{Keyless, KeylessSignature, Recall};
use problem::{plural, policy_name, short_digest};

pub use cancel::Cancel;
pub use fetch::{
    verify_and_gather, verify_batch, verify_each, verify_one, Gathered, PendingTrust, VerifyOptions,
};
pub use policy::{accepted_keys, meets_policy, meets_policy_with};
pub use problem::{CertifiedSigner, CheckName, IdentityRef, KeyRef, Problem, Rejection};

pub use crate::cosign::{
    COSIGN_SIGNATURE_TYPE, COSIGN_SIGN_PREDICATE, SIGNATURE_ANNOTATION, SIGSTORE_BUNDLE_MEDIA_TYPE,
    SIMPLE_SIGNING_MEDIA_TYPE,
};
pub use crate::discovery::{Found, Source, NOTARY_ARTIFACT_TYPE};
pub use crate::dsse::pae;

/// The verdict's one-word status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Status {
    Verified,
    Unsigned,
    Untrusted,
    Invalid,
    Error,
    /// The batch was cancelled before this image's check finished: nothing was concluded, and
    /// it is never recorded in the history.
    Cancelled,
}

impl Status {
    pub fn as_str(&self) -> &'static str {
        match self {
            Status::Verified => "verified",
            Status::Unsigned => "unsigned",
            Status::Untrusted => "untrusted",
            Status::Invalid => "invalid",
            Status::Error => "error",
            Status::Cancelled => "cancelled",
        }
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Outcome {
    Passed,
    Failed,
    NotApplicable,
}

/// One check of the rules above, with what it found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Check {
    pub name: CheckName,
    pub outcome: Outcome,
    pub detail: String,
}

/// One signature found for the image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SignatureReport {
    /// The fingerprint of the trusted key that verifies it, if any does.
    pub fingerprint: Option<String>,
    pub publisher: Option<String>,
    /// Whether this signature counts towards the policy.
    pub valid: bool,
    /// Why it does not count, in words (`None` when it counts).
    pub problem: Option<String>,
    /// Why it does not count, typed (`problem` is its sentence).
    pub cause: Option<Problem>,
    /// For a keyless signature whose certificate verified: the identity it matched (if any),
    /// the issuer and subject, the certificate time, the log entry and the time source.
    /// Absent for key signatures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub keyless: Option<KeylessSignature>,
}

/// A platform manifest of an image index, with its own status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PlatformVerdict {
    pub platform: String,
    pub digest: String,
    pub status: Status,
    pub reason: String,
    /// What decided a status other than `verified` (`None` when verified).
    pub cause: Option<Problem>,
}

/// The answer for one image: the same in CLI JSON, the app and the core API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Verdict {
    pub reference: String,
    pub repository: Option<String>,
    pub digest: Option<String>,
    pub status: Status,
    pub reason: String,
    /// What decided a status other than `verified`, typed (`None` when verified). `reason` is
    /// the sentence for a person; for warn and off policies it also says the status is not
    /// enforced.
    pub cause: Option<Problem>,
    /// False when the repository's policy is `warn` or `off`: the status is reported, not enforced.
    pub enforced: bool,
    pub checks: Vec<Check>,
    pub signatures: Vec<SignatureReport>,
    pub platforms: Vec<PlatformVerdict>,
    pub policy: Option<PolicyApplied>,
}

impl Verdict {
    /// A verdict for an image that could not be checked (bad reference, unreachable registry,
    /// limits, auth); `reason` is the cause's sentence.
    pub fn error(
        reference: &str,
        repository: Option<String>,
        digest: Option<String>,
        policy: Option<PolicyApplied>,
        cause: Problem,
    ) -> Verdict {
        let reason = cause.to_string();
        let enforced = policy
            .as_ref()
            .is_none_or(|p| p.mode == PolicyMode::Enforce);
        Verdict {
            reference: reference.to_string(),
            repository,
            digest,
            status: Status::Error,
            checks: vec![check(CheckName::Resolve, Outcome::Failed, reason.clone())],
            reason,
            cause: Some(cause),
            enforced,
            signatures: Vec::new(),
            platforms: Vec::new(),
            policy,
        }
    }

    /// The outcome of an image whose check was stopped before it finished: no status was
    /// reached, so it is `cancelled` (not `error`), names no digest and is not enforced as a
    /// judgement (it still blocks a gate, since nothing was verified).
    pub fn cancelled(reference: &str, repository: Option<String>) -> Verdict {
        let cause = Problem::Cancelled;
        Verdict {
            reference: reference.to_string(),
            repository,
            digest: None,
            status: Status::Cancelled,
            reason: cause.to_string(),
            cause: Some(cause),
            enforced: true,
            checks: Vec::new(),
            signatures: Vec::new(),
            platforms: Vec::new(),
            policy: None,
        }
    }

    /// Whether this verdict should make a gate fail: not verified and enforced.
    pub fn blocks(&self) -> bool {
        self.enforced && self.status != Status::Verified
    }
}

/// A platform manifest of an index, with its own signature material.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlatformMaterial {
    pub platform: String,
    pub digest: String,
    /// The signature material, or why it could not be fetched.
    pub found: Result<Vec<Found>, String>,
}

/// Everything fetched for one image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Material {
    /// The reference as the person gave it.
    pub reference: String,
    /// Normalised `registry/repository`.
    pub repository: String,
    /// The digest Vouch computed over the manifest bytes the registry served.
    pub digest: String,
    /// How the digest was obtained (for the `digest` check).
    pub digest_detail: String,
    pub found: Vec<Found>,
    /// What was consulted, for the `signatures_found` check ("cosign tag …: 1 layer").
    pub sources: Vec<String>,
    /// For an image index: its platform manifests (attestation entries excluded).
    pub platforms: Vec<PlatformMaterial>,
}

fn check(name: CheckName, outcome: Outcome, detail: impl Into<String>) -> Check {
    Check {
        name,
        outcome,
        detail: detail.into(),
    }
}

/// The evaluation of one signature.
struct Assessed<'t> {
    key: Option<&'t TrustedKey>,
    /// The active trusted identity a keyless signature vouches as.
    identity: Option<&'t TrustedIdentity>,
    rejection: Option<Problem>,
    /// What a keyless signature's certificate says, when it verified.
    keyless: Option<KeylessSignature>,
}

/// Judges one signature of any kind: keyless material against the trusted identities and
/// their roots, the rest against the trusted keys.
#[allow(clippy::too_many_arguments)]
fn assess_any<'t>(
    found: &Found,
    keyring: &Keyring<'t>,
    trust: &'t TrustSet,
    keyless: &Keyless,
    digest: &str,
    repository: &str,
    now: OffsetDateTime,
    recall: Recall,
) -> Assessed<'t> {
    match found {
        Found::KeylessSig { .. } | Found::KeylessBundle { .. } => {
            let j = keyless.judge(found, trust, repository, digest, now, recall);
            Assessed {
                key: None,
                identity: j.identity,
                rejection: j.rejection,
                keyless: j.report,
            }
        }
        _ => assess(found, keyring, digest, repository, now),
    }
}

fn assess<'t>(
    found: &Found,
    keyring: &Keyring<'t>,
    digest: &str,
    repository: &str,
    now: OffsetDateTime,
) -> Assessed<'t> {
    let reject = |r| Assessed {
        key: None,
        identity: None,
        rejection: Some(r),
        keyless: None,
    };
    let (msg, sig_b64, claim) = match found {
        Found::Notary { .. } => return reject(Problem::Notary),
        // Keyless material is judged by `assess_any`; no key verifies it.
        Found::KeylessSig { .. } | Found::KeylessBundle { .. } => {
            return reject(Problem::UntrustedIdentity {
                signer: None,
                closest: None,
                trusted_identities: 0,
            })
        }
        Found::Unsupported { what, .. } => {
            return reject(Problem::Unsupported { what: what.clone() })
        }
        Found::Broken {
            problem, invalid, ..
        } => {
            return reject(if *invalid {
                Problem::Broken {
                    detail: problem.clone(),
                }
            } else {
                Problem::Unsupported {
                    what: problem.clone(),
                }
            })
        }
        Found::SimpleSigning {
            payload,
            signature_b64,
            ..
        } => (
            payload.clone(),
            signature_b64,
            parse_simple_signing(payload),
        ),
        Found::Dsse {
            payload_type,
            payload,
            signature_b64,
            ..
        } => (
            pae(payload_type, payload),
            signature_b64,
            parse_sign_statement(payload_type, payload),
        ),
    };
    let Some(sig) = decode_b64(sig_b64) else {
        return reject(Problem::Broken {
            detail: "the signature annotation is not valid base64".into(),
        });
    };
    // Rule 3: a trusted key verifies the exact bytes.
    let Some(key) = keyring.verifier(&msg, &sig) else {
        return reject(Problem::NoTrustedKey {
            trusted_keys: keyring.len(),
        });
    };
    let with_key = |r| Assessed {
        key: Some(key),
        identity: None,
        rejection: r,
        keyless: None,
    };
    // Rule 4: bound to this digest and this repository.
    let claim = match claim {
        Ok(c) => c,
        Err(detail) => {
            return with_key(Some(Problem::BadPayload {
                key: key.into(),
                detail,
            }))
        }
    };
    if !claim.digests.iter().any(|d| d == digest) {
        return with_key(Some(Problem::WrongDigest {
            key: key.into(),
            signed_for: claim.digests,
            image: digest.to_string(),
        }));
    }
    if !claim
        .identities
        .iter()
        .any(|i| identity_repository(i).as_deref() == Some(repository))
    {
        return with_key(Some(Problem::WrongIdentity {
            key: key.into(),
            signed_for: claim.identities.iter().map(|i| clip(i, 120)).collect(),
            repository: repository.to_string(),
        }));
    }
    // Rule 5: the key may vouch for this repository now.
    with_key(Problem::from_standing(
        key,
        key.standing(repository, now),
        repository,
    ))
}

/// The status, reason, cause, checks and signature reports for one digest's material.
struct Judgement {
    status: Status,
    reason: String,
    cause: Option<Problem>,
    checks: Vec<Check>,
    signatures: Vec<SignatureReport>,
}

/// How far a signature got through the rules (the order of the checks): 0 = no trusted key
/// verifies it, then payload, digest, identity, key status, scope; 6 = it counts.
fn stage_reached(a: &Assessed<'_>) -> u8 {
    // A keyless signature: its identity matched (trusted signer) or it did not get past the
    // signature check.
    match &a.rejection {
        None if a.identity.is_some() => return 6,
        Some(Problem::IdentityNotActive {
            standing: crate::trust::Standing::OutOfScope { .. },
            ..
        }) => return 5,
        Some(Problem::IdentityNotActive { .. }) => return 4,
        Some(Problem::Sigstore { .. } | Problem::UntrustedIdentity { .. }) => return 0,
        _ => {}
    }
    match (&a.rejection, a.key) {
        (_, None) => 0,
        (Some(Problem::BadPayload { .. }), _) => 1,
        (Some(Problem::WrongDigest { .. }), _) => 2,
        (Some(Problem::WrongIdentity { .. }), _) => 3,
        (Some(Problem::Revoked { .. } | Problem::Expired { .. }), _) => 4,
        (Some(_), _) => 5,
        (None, _) => 6,
    }
}

/// What a judgement reads: the trust set, its keys, and what keyless signatures are checked with.
struct Judging<'t> {
    trust: &'t TrustSet,
    keyring: Keyring<'t>,
    keyless: &'t Keyless,
}

fn judge(
    found: &[Found],
    judging: &Judging<'_>,
    digest: &str,
    repository: &str,
    policy: &PolicyApplied,
    now: OffsetDateTime,
) -> Judgement {
    let keyring = &judging.keyring;
    let threshold = policy.threshold.max(1) as usize;
    let assessed: Vec<Assessed<'_>> = found
        .iter()
        .map(|f| {
            assess_any(
                f,
                keyring,
                judging.trust,
                judging.keyless,
                digest,
                repository,
                now,
                Recall::Take,
            )
        })
        .collect();
    let signatures: Vec<SignatureReport> = assessed
        .iter()
        .map(|a| SignatureReport {
            fingerprint: a.key.map(|k| k.fingerprint.clone()),
            publisher: a
                .key
                .map(|k| k.publisher.clone())
                .or_else(|| a.identity.map(|i| i.publisher.clone()))
                .or_else(|| {
                    let k = a.keyless.as_ref()?;
                    Some(k.identity.as_ref()?.publisher.clone())
                }),
            valid: a.rejection.is_none(),
            problem: a.rejection.as_ref().map(ToString::to_string),
            cause: a.rejection.clone(),
            keyless: a.keyless.clone(),
        })
        .collect();

    // Distinct keys whose signatures pass every rule (a threshold counts keys, never signatures).
    let accepted: BTreeSet<&str> = assessed
        .iter()
        .filter(|a| a.rejection.is_none())
        .filter_map(|a| a.key.map(|k| k.fingerprint.as_str()))
        .collect();
    let accepted_keys: Vec<&TrustedKey> = accepted
        .iter()
        .filter_map(|fp| keyring.by_fingerprint(fp))
        .collect();
    // Trusted identities whose keyless signatures pass every rule, each once, in the order found.
    let mut accepted_identities: Vec<(&TrustedIdentity, &KeylessSignature)> = Vec::new();
    for a in assessed.iter().filter(|a| a.rejection.is_none()) {
        if let (Some(i), Some(k)) = (a.identity, a.keyless.as_ref()) {
            if !accepted_identities.iter().any(|(seen, _)| seen.id == i.id) {
                accepted_identities.push((i, k));
            }
        }
    }
    // A threshold counts distinct publishers: keys by fingerprint as always, identities by
    // publisher, a key and an identity of one publisher once.
    let counted = if accepted_identities.is_empty() {
        accepted.len()
    } else {
        distinct_publishers(
            accepted_keys.iter().map(|k| Voucher::Key(k)).chain(
                accepted_identities
                    .iter()
                    .map(|(i, _)| Voucher::Identity(i)),
            ),
        )
    };

    // The funnel: how many signatures passed each stage (and so reached the next check).
    let passed = |stage: u8| assessed.iter().filter(|a| stage_reached(a) > stage).count();
    let crypto = passed(0);
    let signer = if found
        .iter()
        .any(|f| matches!(f, Found::KeylessSig { .. } | Found::KeylessBundle { .. }))
    {
        "trusted key or identity"
    } else {
        "trusted key"
    };

    let stage = |prev_empty: bool, passed: bool, pass: String, fail: String| {
        if prev_empty {
            (
                Outcome::NotApplicable,
                "no signature reached this check".to_string(),
            )
        } else if passed {
            (Outcome::Passed, pass)
        } else {
            (Outcome::Failed, fail)
        }
    };
    // What signed, in the key-status and scope checks: keys keep their words.
    let who = if signer == "trusted key" {
        "key"
    } else {
        "key or identity"
    };
    let mut checks = Vec::new();
    let n = found.len();
    checks.push(if n == 0 {
        check(
            CheckName::SignaturesFound,
            Outcome::Failed,
            "no signature found",
        )
    } else {
        check(
            CheckName::SignaturesFound,
            Outcome::Passed,
            format!("{n} signature{} found", plural(n)),
        )
    });
    let (o, d) = stage(
        n == 0,
        crypto > 0,
        format!(
            "{crypto} of {n} verif{} with a {signer}",
            if crypto == 1 { "ies" } else { "y" }
        ),
        format!(
            "none of the {n} signature{} verifies with a {signer}",
            plural(n)
        ),
    );
    checks.push(check(CheckName::Signature, o, d));
    let funnel: [(CheckName, String, String); 5] = [
        (
            CheckName::Payload,
            "the signed payload is a well-formed image signature".into(),
            "the signed payload is not a well-formed image signature".into(),
        ),
        (
            CheckName::DigestBinding,
            format!("the payload names {digest}"),
            format!("the payload names another digest, not {digest}"),
        ),
        (
            CheckName::Identity,
            format!("the payload names {repository}"),
            format!("the payload names another repository, not {repository}"),
        ),
        (
            CheckName::KeyStatus,
            format!("the {who} is active and not expired"),
            format!("the {who} is revoked or expired"),
        ),
        (
            CheckName::Scope,
            format!("the {who} is scoped to {repository}"),
            format!("no signing {who} is scoped to {repository}"),
        ),
    ];
    for (i, (name, pass, fail)) in funnel.into_iter().enumerate() {
        let at = i as u8 + 1;
        let (o, d) = stage(passed(at - 1) == 0, passed(at) > 0, pass, fail);
        checks.push(check(name, o, d));
    }
    let policy_name = policy_name(policy.pattern.as_deref());
    let policy_met = counted >= threshold;
    let what = if accepted_identities.is_empty() {
        "key"
    } else {
        "publisher"
    };
    checks.push(check(
        CheckName::Policy,
        if policy_met {
            Outcome::Passed
        } else {
            Outcome::Failed
        },
        format!(
            "{counted} distinct trusted {what}{} signed; {policy_name} requires {threshold} ({} mode)",
            plural(counted),
            policy.mode
        ),
    ));

    if policy_met {
        let labels = accepted_keys
            .iter()
            .map(|k| k.label())
            .chain(
                accepted_identities
                    .iter()
                    .map(|(i, k)| format!("{} ({})", i.publisher, k.subject.value())),
            )
            .collect::<Vec<_>>()
            .join(", ");
        return Judgement {
            status: Status::Verified,
            reason: format!(
                "signed by {labels} for {repository} at {}",
                short_digest(digest)
            ),
            cause: None,
            checks,
            signatures,
        };
    }

    let identities: Vec<&TrustedIdentity> = accepted_identities.iter().map(|(i, _)| *i).collect();
    let (status, cause) = decide(
        &assessed,
        (&accepted_keys, &identities, counted),
        digest,
        repository,
        policy,
    );
    let reason = verdict_reason(&cause, &assessed, keyring.len(), repository);
    Judgement {
        status,
        reason,
        cause: Some(cause),
        checks,
        signatures,
    }
}

/// What decides a verdict whose policy is not met: the signature problem that got furthest
/// in this order (copied, replayed, bad payload, broken), else a threshold that some keys
/// met in part, else the signature problems that say what would have helped.
fn decide(
    assessed: &[Assessed<'_>],
    (accepted_keys, accepted_identities, counted): (&[&TrustedKey], &[&TrustedIdentity], usize),
    digest: &str,
    repository: &str,
    policy: &PolicyApplied,
) -> (Status, Problem) {
    let first = |pred: fn(&Problem) -> bool| {
        assessed
            .iter()
            .filter_map(|a| a.rejection.as_ref())
            .find(|r| pred(r))
            .cloned()
    };
    let invalid: [fn(&Problem) -> bool; 5] = [
        |r| matches!(r, Problem::WrongIdentity { .. }),
        |r| matches!(r, Problem::WrongDigest { .. }),
        |r| matches!(r, Problem::BadPayload { .. }),
        |r| matches!(r, Problem::Broken { .. }),
        // A keyless signature made for another repository or image, or a payload that is not
        // an image signature under a verified certificate.
        |r| {
            matches!(
                r,
                Problem::Sigstore {
                    sigstore: crate::sigstore::SigstoreError::WrongRepository { .. }
                        | crate::sigstore::SigstoreError::WrongImage { .. }
                        | crate::sigstore::SigstoreError::PayloadMalformed { .. },
                    ..
                }
            )
        },
    ];
    if let Some(p) = invalid.iter().find_map(|pred| first(*pred)) {
        return (Status::Invalid, p);
    }
    if !accepted_identities.is_empty() {
        return (
            Status::Untrusted,
            Problem::TooFewPublishers {
                keys: accepted_keys.iter().map(|k| KeyRef::from(*k)).collect(),
                identities: accepted_identities
                    .iter()
                    .map(|i| IdentityRef::from(*i))
                    .collect(),
                counted,
                required: policy.threshold.max(1),
                policy: policy.pattern.clone(),
                repository: repository.to_string(),
            },
        );
    }
    if !accepted_keys.is_empty() {
        return (
            Status::Untrusted,
            Problem::ThresholdNotMet {
                keys: accepted_keys.iter().map(|k| KeyRef::from(*k)).collect(),
                required: policy.threshold.max(1),
                policy: policy.pattern.clone(),
                repository: repository.to_string(),
            },
        );
    }
    let untrusted: [fn(&Problem) -> bool; 9] = [
        |r| matches!(r, Problem::OutOfScope { .. }),
        |r| matches!(r, Problem::Revoked { .. }),
        |r| matches!(r, Problem::Expired { .. }),
        |r| matches!(r, Problem::IdentityNotActive { .. }),
        |r| {
            matches!(
                r,
                Problem::UntrustedIdentity {
                    signer: Some(_),
                    ..
                }
            )
        },
        |r| matches!(r, Problem::Sigstore { .. }),
        |r| {
            matches!(
                r,
                Problem::NoTrustedKey { .. } | Problem::UntrustedIdentity { .. }
            )
        },
        |r| matches!(r, Problem::Notary),
        |r| matches!(r, Problem::Unsupported { .. }),
    ];
    match untrusted.iter().find_map(|pred| first(*pred)) {
        Some(p) => (Status::Untrusted, p),
        None => (
            Status::Unsigned,
            Problem::NoSignatures {
                repository: repository.to_string(),
                digest: digest.to_string(),
            },
        ),
    }
}

/// The verdict's sentence for the problem that decided it (its wording predates typed causes
/// and is pinned by the golden files).
fn verdict_reason(
    cause: &Problem,
    assessed: &[Assessed<'_>],
    trusted_keys: usize,
    repository: &str,
) -> String {
    let label = cause.key().map(KeyRef::label).unwrap_or_default();
    let would = |repository: &str| {
        format!("a signature by a trusted, active key scoped to {repository} would be accepted")
    };
    match cause {
        Problem::WrongIdentity {
            signed_for,
            repository,
            ..
        } => format!(
            "signed by {label} for {}, not for {repository}: the signature was copied from another repository; a signature naming {repository} would be accepted",
            problem::list_or_none(signed_for)
        ),
        Problem::WrongDigest {
            signed_for, image, ..
        } => format!(
            "signed by {label} for {}, not for this image ({}): the signature was replayed from another image; a signature naming {} would be accepted",
            problem::list_or_none(&signed_for.iter().map(|s| short_digest(s)).collect::<Vec<_>>()),
            short_digest(image),
            short_digest(image)
        ),
        Problem::BadPayload { .. } => format!("signed by {label}, but {cause}"),
        Problem::OutOfScope {
            scopes, repository, ..
        } => format!(
            "signed by {label} for {repository}, but that key is scoped to {}",
            scopes.join(", ")
        ),
        Problem::Revoked { .. } | Problem::Expired { .. } => format!(
            "signed by {label}, but {cause}; {}",
            would(repository)
        ),
        Problem::NoTrustedKey { .. } => {
            let k = assessed
                .iter()
                .filter(|a| matches!(a.rejection, Some(Problem::NoTrustedKey { .. })))
                .count();
            format!(
                "{k} signature{} found, but none verifies with any of your {trusted_keys} trusted key{} (signed by a key you do not trust, or altered); {}",
                plural(k),
                plural(trusted_keys),
                would(repository)
            )
        }
        Problem::Notary => format!(
            "only Notary Project signatures were found, which Vouch cannot verify with plain keys; a cosign signature by a trusted key scoped to {} would be accepted",
            repository
        ),
        Problem::Unsupported { .. } => format!(
            "the only signature material found cannot be checked: {cause}; {}",
            would(repository)
        ),
        Problem::Broken { .. } => format!("{cause}; {}", would(repository)),
        other => other.to_string(),
    }
}

/// Evaluates fetched material against the trust set at time `now`. Pure. Keyless signatures
/// are judged without any trusted root (refused, saying so): the verification pipeline uses
/// [`evaluate_with`] and the roots of the profile.
pub fn evaluate(material: &Material, trust: &TrustSet, now: OffsetDateTime) -> Verdict {
    evaluate_with(material, trust, &Keyless::without_roots(trust), now)
}

/// Evaluates fetched material against the trust set, keyless signatures against `keyless`
/// (the trusted roots and compiled identities of the batch), at time `now`. Pure: no I/O, no
/// clock.
pub fn evaluate_with(
    material: &Material,
    trust: &TrustSet,
    keyless: &Keyless,
    now: OffsetDateTime,
) -> Verdict {
    let policy = trust.policy_for(&material.repository);
    let judging = Judging {
        trust,
        keyring: Keyring::new(trust),
        keyless,
    };
    let mut j = judge(
        &material.found,
        &judging,
        &material.digest,
        &material.repository,
        &policy,
        now,
    );
    let mut checks = vec![check(
        CheckName::Digest,
        Outcome::Passed,
        material.digest_detail.clone(),
    )];
    if let Some(sf) = j.checks.first_mut() {
        if !material.sources.is_empty() {
            sf.detail = format!("{} ({})", sf.detail, material.sources.join("; "));
        }
    }
    checks.append(&mut j.checks);

    let platforms: Vec<PlatformVerdict> = material
        .platforms
        .iter()
        .map(|p| match &p.found {
            Ok(found) => {
                let pj = judge(
                    found,
                    &judging,
                    &p.digest,
                    &material.repository,
                    &policy,
                    now,
                );
                PlatformVerdict {
                    platform: p.platform.clone(),
                    digest: p.digest.clone(),
                    status: pj.status,
                    reason: pj.reason,
                    cause: pj.cause,
                }
            }
            Err(e) => PlatformVerdict {
                platform: p.platform.clone(),
                digest: p.digest.clone(),
                status: Status::Error,
                reason: e.clone(),
                cause: Some(Problem::Failed { message: e.clone() }),
            },
        })
        .collect();
    if !platforms.is_empty() {
        let verified = platforms
            .iter()
            .filter(|p| p.status == Status::Verified)
            .count();
        checks.push(check(
            CheckName::Platforms,
            Outcome::NotApplicable,
            format!(
                "image index: the index itself is what is verified; {verified} of {} platform manifest{} verified on their own (listed under platforms)",
                platforms.len(),
                plural(platforms.len())
            ),
        ));
    }

    let enforced = policy.mode == PolicyMode::Enforce;
    let mut reason = j.reason;
    match policy.mode {
        PolicyMode::Enforce => {}
        PolicyMode::Warn if j.status != Status::Verified => {
            reason.push_str(" (warn-only policy: reported, not enforced)");
        }
        PolicyMode::Off => reason.push_str(" (policy off: not enforced)"),
        _ => {}
    }
    // Safety net for the invariant: verified only if every check passed or did not apply.
    let (status, cause) = match checks.iter().find(|c| c.outcome == Outcome::Failed) {
        Some(c) if j.status == Status::Verified => (
            Status::Invalid,
            Some(Problem::Failed {
                message: format!("the {} check failed: {}", c.name, c.detail),
            }),
        ),
        _ => (j.status, j.cause),
    };
    Verdict {
        reference: material.reference.clone(),
        repository: Some(material.repository.clone()),
        digest: Some(material.digest.clone()),
        status,
        reason,
        cause,
        enforced,
        checks,
        signatures: j.signatures,
        platforms,
        policy: Some(policy),
    }
}

/// `acme (sha256:1f2e…)`-style label for a fingerprint the trust set may not know.
pub fn key_label(trust: &TrustSet, fingerprint: &str) -> String {
    trust
        .key(fingerprint)
        .map(|k| k.label())
        .unwrap_or_else(|| short_fingerprint(fingerprint))
}
