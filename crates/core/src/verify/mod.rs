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
//! 3. a signature verifies with a key in the trust store over the exact payload bytes;
//! 4. the payload names this digest and this repository;
//! 5. the key is active, not expired, and scoped to the repository; the policy's threshold of
//!    *distinct* keys is met;
//! 6. for an index, the index itself passes (platforms are reported separately).

pub mod fetch;
mod policy;
#[cfg(test)]
mod tests;

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::cosign::{parse_sign_statement, parse_simple_signing};
use crate::dsse::decode_b64;
use crate::reference::identity_repository;
use crate::trust::{
    short_fingerprint, KeyStatus, Keyring, PolicyApplied, PolicyMode, TrustSet, TrustedKey,
};

pub use fetch::{
    verify_and_gather, verify_batch, verify_each, verify_one, Gathered, PendingTrust, VerifyOptions,
};
pub use policy::{accepted_keys, meets_policy};

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
}

impl Status {
    pub fn as_str(&self) -> &'static str {
        match self {
            Status::Verified => "verified",
            Status::Unsigned => "unsigned",
            Status::Untrusted => "untrusted",
            Status::Invalid => "invalid",
            Status::Error => "error",
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
    pub name: String,
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
    pub problem: Option<String>,
}

/// A platform manifest of an image index, with its own status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PlatformVerdict {
    pub platform: String,
    pub digest: String,
    pub status: Status,
    pub reason: String,
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
    /// False when the repository's policy is `warn` or `off`: the status is reported, not enforced.
    pub enforced: bool,
    pub checks: Vec<Check>,
    pub signatures: Vec<SignatureReport>,
    pub platforms: Vec<PlatformVerdict>,
    pub policy: Option<PolicyApplied>,
}

impl Verdict {
    /// A verdict for an image that could not be checked (bad reference, unreachable registry,
    /// limits, auth).
    pub fn error(
        reference: &str,
        repository: Option<String>,
        digest: Option<String>,
        policy: Option<PolicyApplied>,
        reason: String,
    ) -> Verdict {
        let enforced = policy
            .as_ref()
            .is_none_or(|p| p.mode == PolicyMode::Enforce);
        Verdict {
            reference: reference.to_string(),
            repository,
            digest,
            status: Status::Error,
            checks: vec![check("resolve", Outcome::Failed, reason.clone())],
            reason,
            enforced,
            signatures: Vec::new(),
            platforms: Vec::new(),
            policy,
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

fn check(name: &str, outcome: Outcome, detail: impl Into<String>) -> Check {
    Check {
        name: name.to_string(),
        outcome,
        detail: detail.into(),
    }
}

/// Why one signature does not count, in order of how far it got.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Rejection {
    /// Corrupt or mismatching content (invalid).
    Broken(String),
    /// No trusted key verifies it.
    NoTrustedKey,
    Notary,
    Unsupported(String),
    /// A trusted key verifies it, but the payload is not a signature payload (invalid).
    BadPayload(String),
    /// Signed for another digest (invalid).
    WrongDigest(Vec<String>),
    /// Signed for another repository (invalid).
    WrongIdentity(Vec<String>),
    Revoked,
    Expired,
    OutOfScope,
}

/// The evaluation of one signature.
struct Assessed<'t> {
    key: Option<&'t TrustedKey>,
    rejection: Option<Rejection>,
}

fn clip(s: &str) -> String {
    let mut out: String = s
        .chars()
        .take(120)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    if s.chars().count() > 120 {
        out.push('…');
    }
    out
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
        rejection: Some(r),
    };
    let (msg, sig_b64, claim) = match found {
        Found::Notary { .. } => return reject(Rejection::Notary),
        Found::Unsupported { what, .. } => return reject(Rejection::Unsupported(what.clone())),
        Found::Broken {
            problem, invalid, ..
        } => {
            return reject(if *invalid {
                Rejection::Broken(problem.clone())
            } else {
                Rejection::Unsupported(problem.clone())
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
        return reject(Rejection::Broken(
            "the signature annotation is not valid base64".into(),
        ));
    };
    // Rule 3: a trusted key verifies the exact bytes.
    let Some(key) = keyring.verifier(&msg, &sig) else {
        return reject(Rejection::NoTrustedKey);
    };
    let with_key = |r| Assessed {
        key: Some(key),
        rejection: r,
    };
    // Rule 4: bound to this digest and this repository.
    let claim = match claim {
        Ok(c) => c,
        Err(why) => return with_key(Some(Rejection::BadPayload(why))),
    };
    if !claim.digests.iter().any(|d| d == digest) {
        return with_key(Some(Rejection::WrongDigest(claim.digests)));
    }
    if !claim
        .identities
        .iter()
        .any(|i| identity_repository(i).as_deref() == Some(repository))
    {
        return with_key(Some(Rejection::WrongIdentity(claim.identities)));
    }
    // Rule 5: the key may vouch for this repository now.
    if key.status == KeyStatus::Revoked {
        return with_key(Some(Rejection::Revoked));
    }
    if key.is_expired_at(now) {
        return with_key(Some(Rejection::Expired));
    }
    if !key.covers(repository) {
        return with_key(Some(Rejection::OutOfScope));
    }
    with_key(None)
}

fn problem_text(a: &Assessed<'_>, digest: &str, repository: &str) -> Option<String> {
    let r = a.rejection.as_ref()?;
    Some(match r {
        Rejection::Broken(p) => p.clone(),
        Rejection::NoTrustedKey => {
            "does not verify with any trusted key: made with a key you do not trust, or altered"
                .into()
        }
        Rejection::Notary => {
            "a Notary Project signature; Vouch cannot verify these with plain keys".into()
        }
        Rejection::Unsupported(w) => w.clone(),
        Rejection::BadPayload(p) => p.clone(),
        Rejection::WrongDigest(d) => format!(
            "signed for {}, not for this image's {}",
            list_or_none(d),
            digest
        ),
        Rejection::WrongIdentity(i) => format!(
            "signed for {}, not for {repository}",
            list_or_none(&i.iter().map(|s| clip(s)).collect::<Vec<_>>())
        ),
        Rejection::Revoked => match a.key.and_then(|k| k.revoked_reason.as_deref()) {
            Some(why) => format!("the key was revoked ({})", clip(why)),
            None => "the key was revoked".into(),
        },
        Rejection::Expired => match a.key.and_then(|k| k.expires_at) {
            Some(t) => format!("trust in the key expired at {}", rfc3339(t)),
            None => "trust in the key expired".into(),
        },
        Rejection::OutOfScope => match a.key {
            Some(k) => format!(
                "the key is scoped to {}, which does not cover {repository}",
                k.scopes.join(", ")
            ),
            None => format!("the key is not scoped to {repository}"),
        },
    })
}

fn list_or_none(items: &[String]) -> String {
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

fn short_digest(d: &str) -> String {
    let hex = d.strip_prefix("sha256:").unwrap_or(d);
    format!("sha256:{}…", hex.get(..12).unwrap_or(hex))
}

/// The status, reason, checks and signature reports for one digest's material.
struct Judgement {
    status: Status,
    reason: String,
    checks: Vec<Check>,
    signatures: Vec<SignatureReport>,
}

fn judge(
    found: &[Found],
    keyring: &Keyring<'_>,
    digest: &str,
    repository: &str,
    policy: &PolicyApplied,
    now: OffsetDateTime,
) -> Judgement {
    let threshold = policy.threshold.max(1) as usize;
    let assessed: Vec<Assessed<'_>> = found
        .iter()
        .map(|f| assess(f, keyring, digest, repository, now))
        .collect();
    let signatures: Vec<SignatureReport> = assessed
        .iter()
        .map(|a| SignatureReport {
            fingerprint: a.key.map(|k| k.fingerprint.clone()),
            publisher: a.key.map(|k| k.publisher.clone()),
            valid: a.rejection.is_none(),
            problem: problem_text(a, digest, repository),
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

    // The funnel: each stage keeps the signatures that passed the previous ones.
    let crypto: Vec<&Assessed<'_>> = assessed.iter().filter(|a| a.key.is_some()).collect();
    let payload_ok: Vec<&Assessed<'_>> = crypto
        .iter()
        .copied()
        .filter(|a| !matches!(a.rejection, Some(Rejection::BadPayload(_))))
        .collect();
    let digest_ok: Vec<&Assessed<'_>> = payload_ok
        .iter()
        .copied()
        .filter(|a| !matches!(a.rejection, Some(Rejection::WrongDigest(_))))
        .collect();
    let identity_ok: Vec<&Assessed<'_>> = digest_ok
        .iter()
        .copied()
        .filter(|a| !matches!(a.rejection, Some(Rejection::WrongIdentity(_))))
        .collect();
    let status_ok: Vec<&Assessed<'_>> = identity_ok
        .iter()
        .copied()
        .filter(|a| !matches!(a.rejection, Some(Rejection::Revoked | Rejection::Expired)))
        .collect();
    let scope_ok: Vec<&Assessed<'_>> = status_ok
        .iter()
        .copied()
        .filter(|a| a.rejection.is_none())
        .collect();

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
    let mut checks = Vec::new();
    let n = found.len();
    checks.push(if n == 0 {
        check("signatures_found", Outcome::Failed, "no signature found")
    } else {
        check(
            "signatures_found",
            Outcome::Passed,
            format!("{n} signature{} found", plural(n)),
        )
    });
    let (o, d) = stage(
        n == 0,
        !crypto.is_empty(),
        format!(
            "{} of {n} verif{} with a trusted key",
            crypto.len(),
            if crypto.len() == 1 { "ies" } else { "y" }
        ),
        format!(
            "none of the {n} signature{} verifies with a trusted key",
            plural(n)
        ),
    );
    checks.push(check("signature", o, d));
    let (o, d) = stage(
        crypto.is_empty(),
        !payload_ok.is_empty(),
        "the signed payload is a well-formed image signature".into(),
        "the signed payload is not a well-formed image signature".into(),
    );
    checks.push(check("payload", o, d));
    let (o, d) = stage(
        payload_ok.is_empty(),
        !digest_ok.is_empty(),
        format!("the payload names {digest}"),
        format!("the payload names another digest, not {digest}"),
    );
    checks.push(check("digest_binding", o, d));
    let (o, d) = stage(
        digest_ok.is_empty(),
        !identity_ok.is_empty(),
        format!("the payload names {repository}"),
        format!("the payload names another repository, not {repository}"),
    );
    checks.push(check("identity", o, d));
    let (o, d) = stage(
        identity_ok.is_empty(),
        !status_ok.is_empty(),
        "the key is active and not expired".into(),
        "the key is revoked or expired".into(),
    );
    checks.push(check("key_status", o, d));
    let (o, d) = stage(
        status_ok.is_empty(),
        !scope_ok.is_empty(),
        format!("the key is scoped to {repository}"),
        format!("no signing key is scoped to {repository}"),
    );
    checks.push(check("scope", o, d));
    let policy_name = policy
        .pattern
        .as_deref()
        .map(|p| format!("the policy for {p}"))
        .unwrap_or_else(|| "the default policy".into());
    let policy_met = accepted.len() >= threshold;
    checks.push(check(
        "policy",
        if policy_met {
            Outcome::Passed
        } else {
            Outcome::Failed
        },
        format!(
            "{} distinct trusted key{} signed; {policy_name} requires {threshold} ({} mode)",
            accepted.len(),
            plural(accepted.len()),
            policy.mode
        ),
    ));

    let labels = |keys: &[&TrustedKey]| {
        keys.iter()
            .map(|k| k.label())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let would =
        format!("a signature by a trusted, active key scoped to {repository} would be accepted");

    if policy_met {
        let reason = format!(
            "signed by {} for {repository} at {}",
            labels(&accepted_keys),
            short_digest(digest)
        );
        return Judgement {
            status: Status::Verified,
            reason,
            checks,
            signatures,
        };
    }

    let first = |pred: fn(&Rejection) -> bool| {
        assessed
            .iter()
            .find(|a| a.rejection.as_ref().is_some_and(pred))
    };
    let (status, reason) = if let Some(a) = first(|r| matches!(r, Rejection::WrongIdentity(_))) {
        let named = match &a.rejection {
            Some(Rejection::WrongIdentity(i)) => {
                list_or_none(&i.iter().map(|s| clip(s)).collect::<Vec<_>>())
            }
            _ => String::new(),
        };
        (
            Status::Invalid,
            format!(
                "signed by {} for {named}, not for {repository}: the signature was copied from another repository; a signature naming {repository} would be accepted",
                a.key.map(|k| k.label()).unwrap_or_default()
            ),
        )
    } else if let Some(a) = first(|r| matches!(r, Rejection::WrongDigest(_))) {
        let named = match &a.rejection {
            Some(Rejection::WrongDigest(d)) => {
                list_or_none(&d.iter().map(|s| short_digest(s)).collect::<Vec<_>>())
            }
            _ => String::new(),
        };
        (
            Status::Invalid,
            format!(
                "signed by {} for {named}, not for this image ({}): the signature was replayed from another image; a signature naming {} would be accepted",
                a.key.map(|k| k.label()).unwrap_or_default(),
                short_digest(digest),
                short_digest(digest)
            ),
        )
    } else if let Some(a) = first(|r| matches!(r, Rejection::BadPayload(_))) {
        (
            Status::Invalid,
            format!(
                "signed by {}, but {}",
                a.key.map(|k| k.label()).unwrap_or_default(),
                problem_text(a, digest, repository).unwrap_or_default()
            ),
        )
    } else if let Some(a) = first(|r| matches!(r, Rejection::Broken(_))) {
        (
            Status::Invalid,
            format!(
                "{}; {would}",
                problem_text(a, digest, repository).unwrap_or_default()
            ),
        )
    } else if !accepted.is_empty() {
        (
            Status::Untrusted,
            format!(
                "only {} distinct trusted key{} ({}) signed {repository}, but {policy_name} requires {threshold}; several signatures by one key count once",
                accepted.len(),
                plural(accepted.len()),
                labels(&accepted_keys)
            ),
        )
    } else if let Some(a) = first(|r| matches!(r, Rejection::OutOfScope)) {
        let scopes = a.key.map(|k| k.scopes.join(", ")).unwrap_or_default();
        (
            Status::Untrusted,
            format!(
                "signed by {} for {repository}, but that key is scoped to {scopes}",
                a.key.map(|k| k.label()).unwrap_or_default()
            ),
        )
    } else if let Some(a) = first(|r| matches!(r, Rejection::Revoked)) {
        (
            Status::Untrusted,
            format!(
                "signed by {}, but {}; {would}",
                a.key.map(|k| k.label()).unwrap_or_default(),
                problem_text(a, digest, repository).unwrap_or_default()
            ),
        )
    } else if let Some(a) = first(|r| matches!(r, Rejection::Expired)) {
        (
            Status::Untrusted,
            format!(
                "signed by {}, but {}; {would}",
                a.key.map(|k| k.label()).unwrap_or_default(),
                problem_text(a, digest, repository).unwrap_or_default()
            ),
        )
    } else if first(|r| matches!(r, Rejection::NoTrustedKey)).is_some() {
        let k = assessed
            .iter()
            .filter(|a| matches!(a.rejection, Some(Rejection::NoTrustedKey)))
            .count();
        (
            Status::Untrusted,
            format!(
                "{k} signature{} found, but none verifies with any of your {} trusted key{} (signed by a key you do not trust, or altered); {would}",
                plural(k),
                keyring.len(),
                plural(keyring.len())
            ),
        )
    } else if first(|r| matches!(r, Rejection::Notary)).is_some() {
        (
            Status::Untrusted,
            format!("only Notary Project signatures were found, which Vouch cannot verify with plain keys; a cosign signature by a trusted key scoped to {repository} would be accepted"),
        )
    } else if let Some(a) = first(|r| matches!(r, Rejection::Unsupported(_))) {
        (
            Status::Untrusted,
            format!(
                "the only signature material found cannot be checked: {}; {would}",
                problem_text(a, digest, repository).unwrap_or_default()
            ),
        )
    } else {
        (
            Status::Unsigned,
            format!(
                "no signature found for {repository} at {}; a cosign signature by a trusted key scoped to {repository} would be accepted",
                short_digest(digest)
            ),
        )
    };
    Judgement {
        status,
        reason,
        checks,
        signatures,
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// Evaluates fetched material against the trust set at time `now`. Pure.
pub fn evaluate(material: &Material, trust: &TrustSet, now: OffsetDateTime) -> Verdict {
    let policy = trust.policy_for(&material.repository);
    let keyring = Keyring::new(trust);
    let mut j = judge(
        &material.found,
        &keyring,
        &material.digest,
        &material.repository,
        &policy,
        now,
    );
    let mut checks = vec![check(
        "digest",
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
                    &keyring,
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
                }
            }
            Err(e) => PlatformVerdict {
                platform: p.platform.clone(),
                digest: p.digest.clone(),
                status: Status::Error,
                reason: e.clone(),
            },
        })
        .collect();
    if !platforms.is_empty() {
        let verified = platforms
            .iter()
            .filter(|p| p.status == Status::Verified)
            .count();
        checks.push(check(
            "platforms",
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
    let status =
        if j.status == Status::Verified && checks.iter().any(|c| c.outcome == Outcome::Failed) {
            Status::Invalid
        } else {
            j.status
        };
    Verdict {
        reference: material.reference.clone(),
        repository: Some(material.repository.clone()),
        digest: Some(material.digest.clone()),
        status,
        reason,
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
