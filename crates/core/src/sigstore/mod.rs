//! Sigstore bundles verified offline: the low-level verifier under keyless publishers.
//!
//! Parses Sigstore bundles (v0.1–v0.3: message signatures and DSSE envelopes) and trusted roots,
//! and verifies a bundle against an artifact (its bytes or its SHA-256 digest) and either a
//! keyless identity (exact SAN + OIDC issuer) or a managed public key, following the Sigstore
//! client specification: time from a Rekor v1 signed entry timestamp, an inclusion proof against a
//! signed checkpoint (Rekor v1 and v2), or an RFC 3161 timestamp; the Fulcio chain at that time;
//! the SCT; the log entry consistent with signature, certificate and artifact; every trust-root
//! entry used only inside its validity window.
//!
//! The checks are those of the `sigstore-verify` crate (sigstore-rust), used without its default
//! features: no network, no TUF, no tokio. Its cryptography is our provider (`provider.rs`:
//! ECDSA on aws-lc-rs, the rest RustCrypto). Every failure is a [`SigstoreError`] with its data.
//! It and `sigstore-types` are built from `vendor/` with patches for Rekor v2 `dsse` 0.0.2
//! entries and DSSE envelopes logged as `hashedrekord` 0.0.1 (`vendor/README.md`).
//!
//! Invariant: nothing here touches the network; verification needs only the bundle, the artifact
//! (or digest), the expected signer and a trusted root.
//!
//! `trusted_root.production.json` is the Sigstore public-good trusted root, copied unchanged from
//! the TUF target `trusted_root.json` of the production TUF repository (as embedded by
//! sigstore-python, 2026-08); [`TrustedRoot::production`] parses it.

mod image;
mod provider;
pub mod roots;
#[cfg(any(test, feature = "sigstore-testing"))]
pub mod testing;

pub use image::{
    is_keyless, sig_layer_bundle, verify_keyless_attestation, verify_keyless_bundle,
    verify_keyless_sig, KeylessVerified, LogEntry, TimeSource, CERTIFICATE_ANNOTATION,
    CHAIN_ANNOTATION, REKOR_BUNDLE_ANNOTATION, RFC3161_ANNOTATION,
};

use sigstore_verify::{CertificateError, TimestampError, TransparencyLogError};

/// The embedded Sigstore public-good trusted root (JSON, `TrustedRoot` v0.1).
pub const PRODUCTION_TRUSTED_ROOT_JSON: &str = include_str!("trusted_root.production.json");

/// Why a bundle, a trusted root or a key could not be read, or why a bundle did not verify.
/// Serialised as `{"kind": …, …fields}` (a verdict's cause carries it).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum SigstoreError {
    #[error("the bundle is not a valid Sigstore bundle: {reason}")]
    BundleMalformed { reason: String },
    #[error("the trusted root is not a valid Sigstore trusted root: {reason}")]
    TrustedRootMalformed { reason: String },
    #[error("the trusted root cannot be used for verification: {reason}")]
    TrustedRootUnusable { reason: String },
    #[error("the public key is not a PEM public key Sigstore can use: {reason}")]
    KeyMalformed { reason: String },
    #[error("`{given}` is not a SHA-256 digest (sha256: followed by 64 hex digits)")]
    DigestMalformed { given: String },
    #[error("the certificate was issued to {}, not to {expected}", found.as_deref().unwrap_or("no identity"))]
    IdentityMismatch {
        expected: String,
        found: Option<String>,
    },
    #[error("the certificate's OIDC issuer is {}, not {expected}", found.as_deref().unwrap_or("missing"))]
    IssuerMismatch {
        expected: String,
        found: Option<String>,
    },
    #[error("the signature does not verify: {reason}")]
    SignatureInvalid { reason: String },
    #[error("the bundle does not describe this artifact: {reason}")]
    ArtifactMismatch { reason: String },
    #[error("the signing certificate does not chain to a trusted Fulcio CA: {reason}")]
    UntrustedChain { reason: String },
    #[error("the bundle's certificate chain includes a root certificate ({subject}); a bundle must not carry its own trust anchor")]
    ChainContainsRoot { subject: String },
    #[error("no trusted Fulcio CA was valid at the signing time {at}")]
    NoValidAuthority { at: String },
    #[error(
        "the signing certificate had expired at the signing time {at} (not after {not_after})"
    )]
    CertificateExpired { at: String, not_after: String },
    #[error("the signing certificate was not yet valid at the signing time {at} (not before {not_before})")]
    CertificateNotYetValid { at: String, not_before: String },
    #[error("the signing certificate is malformed: {reason}")]
    CertificateMalformed { reason: String },
    #[error("the certificate's signed certificate timestamp (SCT) does not verify: {reason}")]
    Sct { reason: String },
    #[error("the transparency log {log_id} is not in the trusted root")]
    UnknownLog { log_id: String },
    #[error("the transparency log {log_id} was not trusted at {at}: the trusted root lists its key only for another period")]
    LogOutsideValidity { log_id: String, at: String },
    #[error("the inclusion proof does not prove the entry is in the log: {reason}")]
    InclusionProof { reason: String },
    #[error("the log checkpoint is not signed by a trusted log or does not match: {reason}")]
    Checkpoint { reason: String },
    #[error("the signed entry timestamp (inclusion promise) does not verify: {reason}")]
    InclusionPromise { reason: String },
    #[error("the log entry does not match the bundle's signature, key or artifact: {reason}")]
    LogEntryMismatch { reason: String },
    #[error("the log entry's time is not acceptable: {reason}")]
    IntegratedTime { reason: String },
    #[error("the log entry is malformed: {reason}")]
    LogEntryMalformed { reason: String },
    #[error("the signed statement's `_type` is `{found}`, not an in-toto statement type Vouch knows ({})", KNOWN_STATEMENT_TYPES.join(", "))]
    StatementTypeUnknown { found: String },
    #[error("an RFC 3161 timestamp does not verify: {reason}")]
    TimestampInvalid { reason: String },
    #[error("no trusted signing time could be established: {reason}")]
    NoTrustedTime { reason: String },
    #[error("the artifact could not be read: {reason}")]
    ArtifactUnreadable { reason: String },
    #[error("the bundle cannot be verified here: {reason}")]
    Unsupported { reason: String },
    #[error("the signature layer has no `{name}` annotation")]
    AnnotationMissing { name: String },
    #[error("the signature layer's `{name}` annotation is malformed: {reason}")]
    AnnotationMalformed { name: String, reason: String },
    #[error("{reason}")]
    PayloadMalformed { reason: String },
    #[error("the bundle is not an image signature: {reason}")]
    NotAnImageSignature { reason: String },
    #[error("the signature was made for {}, not for this image ({image})", signed_for.join(", "))]
    WrongImage {
        signed_for: Vec<String>,
        image: String,
    },
    #[error("the signature was made for the repository {}, not for {repository}: it was copied", signed_for.join(", "))]
    WrongRepository {
        signed_for: Vec<String>,
        repository: String,
    },
    #[error("the bundle signs the image digest alone, not the repository it was made for; Vouch does not accept an image signature that could have been copied from another repository")]
    RepositoryNotSigned,
    #[error("the bundle does not verify: {reason}")]
    Other { reason: String },
}

impl From<sigstore_verify::Error> for SigstoreError {
    fn from(e: sigstore_verify::Error) -> Self {
        use sigstore_verify::Error as E;
        let reason = |d: &dyn std::fmt::Display| d.to_string();
        match e {
            E::IdentityMismatch { expected, actual } => Self::IdentityMismatch {
                expected: expected.to_string(),
                found: actual.map(|a| a.as_str().to_owned()),
            },
            E::IssuerMismatch { expected, actual } => Self::IssuerMismatch {
                expected,
                found: actual,
            },
            E::SignatureInvalid(r) => Self::SignatureInvalid { reason: r },
            E::ArtifactMismatch(r) => Self::ArtifactMismatch { reason: r },
            E::UnsupportedArtifact(r) | E::UnsupportedBundle(r) => Self::Unsupported { reason: r },
            E::InvalidBundle(r) => Self::BundleMalformed { reason: r },
            E::Bundle(b) => Self::BundleMalformed { reason: reason(&b) },
            E::InvalidTrustRoot(r) => Self::TrustedRootUnusable { reason: r },
            E::TrustRoot(t) => Self::TrustedRootUnusable { reason: reason(&t) },
            E::TrustedCertificate(t) => Self::TrustedRootUnusable { reason: reason(&t) },
            E::Certificate(c) => c.into(),
            E::TransparencyLog(t) => t.into(),
            E::Timestamp(TimestampError::NoVerifiedTimestamp(r)) => {
                Self::NoTrustedTime { reason: r }
            }
            E::Timestamp(t) => Self::TimestampInvalid { reason: reason(&t) },
            E::Crypto(c) => Self::SignatureInvalid { reason: reason(&c) },
            E::ArtifactRead(e) => Self::ArtifactUnreadable { reason: reason(&e) },
            other => Self::Other {
                reason: reason(&other),
            },
        }
    }
}

impl From<CertificateError> for SigstoreError {
    fn from(e: CertificateError) -> Self {
        match e {
            CertificateError::Malformed(reason) => Self::CertificateMalformed { reason },
            CertificateError::ChainInvalid(reason) => {
                webpki_time_error(&reason).unwrap_or(Self::UntrustedChain { reason })
            }
            CertificateError::NoValidAuthority { time } => Self::NoValidAuthority {
                at: time.to_string(),
            },
            CertificateError::NotYetValid { time, not_before } => Self::CertificateNotYetValid {
                at: time.to_string(),
                not_before: not_before.to_string(),
            },
            CertificateError::Expired { time, not_after } => Self::CertificateExpired {
                at: time.to_string(),
                not_after: not_after.to_string(),
            },
            CertificateError::Sct(reason) => Self::Sct { reason },
            other => Self::Other {
                reason: other.to_string(),
            },
        }
    }
}

/// A chain refused by webpki because a certificate was outside its validity at the signing
/// time is that typed cause, not an untrusted chain: webpki's reason is
/// `CertExpired { time: UnixTime(T), not_after: UnixTime(N) }` (or `CertNotValidYet` with
/// `not_before`).
fn webpki_time_error(reason: &str) -> Option<SigstoreError> {
    let numbers: Vec<i64> = reason
        .split("UnixTime(")
        .skip(1)
        .filter_map(|s| s.split(')').next()?.parse().ok())
        .collect();
    let [at, bound] = numbers.as_slice() else {
        return None;
    };
    let ts = |t: i64| {
        time::OffsetDateTime::from_unix_timestamp(t)
            .ok()
            .and_then(|t| {
                t.format(&time::format_description::well_known::Rfc3339)
                    .ok()
            })
            .unwrap_or_else(|| t.to_string())
    };
    if reason.contains("CertExpired") {
        Some(SigstoreError::CertificateExpired {
            at: ts(*at),
            not_after: ts(*bound),
        })
    } else if reason.contains("CertNotValidYet") {
        Some(SigstoreError::CertificateNotYetValid {
            at: ts(*at),
            not_before: ts(*bound),
        })
    } else {
        None
    }
}

impl From<TransparencyLogError> for SigstoreError {
    fn from(e: TransparencyLogError) -> Self {
        use TransparencyLogError as T;
        match e {
            T::UnknownLog { log_id } => Self::UnknownLog { log_id },
            T::InclusionProof(reason) => Self::InclusionProof { reason },
            T::Checkpoint(reason) => Self::Checkpoint { reason },
            T::InclusionPromise(reason) => Self::InclusionPromise { reason },
            T::EntryMismatch(reason) => Self::LogEntryMismatch { reason },
            T::IntegratedTime(reason) => Self::IntegratedTime { reason },
            T::MalformedEntry(reason) => Self::LogEntryMalformed { reason },
            other => Self::Other {
                reason: other.to_string(),
            },
        }
    }
}

/// A parsed Sigstore trusted root: Fulcio CAs, Rekor and CT log keys, TSAs, each with its
/// validity window.
#[derive(Debug, Clone)]
pub struct TrustedRoot(sigstore_verify::trust_root::TrustedRoot);

impl TrustedRoot {
    /// Parses a trusted root (`application/vnd.dev.sigstore.trustedroot+json`).
    /// Its media type must be a Sigstore trusted root's: a JSON document of another kind whose
    /// fields happen to parse (all lists empty) is not one.
    pub fn from_json(json: &str) -> Result<Self, SigstoreError> {
        provider::install();
        let root = sigstore_verify::trust_root::TrustedRoot::from_json(json).map_err(|e| {
            SigstoreError::TrustedRootMalformed {
                reason: e.to_string(),
            }
        })?;
        if !root
            .media_type
            .starts_with("application/vnd.dev.sigstore.trustedroot")
        {
            return Err(SigstoreError::TrustedRootMalformed {
                reason: format!("its media type is `{}`", root.media_type),
            });
        }
        Ok(Self(root))
    }

    /// The embedded Sigstore public-good trusted root ([`PRODUCTION_TRUSTED_ROOT_JSON`]).
    pub fn production() -> Result<Self, SigstoreError> {
        Self::from_json(PRODUCTION_TRUSTED_ROOT_JSON)
    }
}

/// A parsed Sigstore bundle (v0.1, v0.2 or v0.3).
#[derive(Debug, Clone)]
pub struct Bundle(sigstore_verify::types::Bundle);

impl Bundle {
    /// Parses a bundle's JSON; a malformed one is a [`SigstoreError::BundleMalformed`].
    pub fn from_json(json: &str) -> Result<Self, SigstoreError> {
        provider::install();
        sigstore_verify::types::Bundle::from_json(json)
            .map(Self)
            .map_err(|e| SigstoreError::BundleMalformed {
                reason: e.to_string(),
            })
    }

    /// The bundle's media type, e.g. `application/vnd.dev.sigstore.bundle.v0.3+json`.
    pub fn media_type(&self) -> &str {
        self.0.media_type.as_str()
    }

    /// Whether it carries a signing certificate (keyless) rather than a public-key hint.
    pub fn is_keyless(&self) -> bool {
        self.0.signing_certificate().is_some()
    }

    /// The public-key hint of a key-based bundle (a hint only: never trusted by itself).
    pub fn public_key_hint(&self) -> Option<&str> {
        match &self.0.verification_material.content {
            sigstore_verify::types::VerificationMaterialContent::PublicKey(k) => {
                Some(k.hint.as_str()).filter(|h| !h.is_empty())
            }
            _ => None,
        }
    }
}

/// What was signed: the artifact's bytes, or its SHA-256 digest.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum Artifact<'a> {
    Bytes(&'a [u8]),
    Sha256([u8; 32]),
}

impl Artifact<'_> {
    /// Parses `sha256:<64 hex digits>`.
    pub fn parse_digest(given: &str) -> Result<Artifact<'static>, SigstoreError> {
        let bad = || SigstoreError::DigestMalformed {
            given: given.to_owned(),
        };
        let hex_part = given.strip_prefix("sha256:").ok_or_else(bad)?;
        let mut digest = [0u8; 32];
        hex::decode_to_slice(hex_part, &mut digest).map_err(|_| bad())?;
        Ok(Artifact::Sha256(digest))
    }
}

/// Who must have signed.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Signer {
    /// A keyless identity: the certificate's SAN (exact) and OIDC issuer (exact).
    Identity { identity: String, issuer: String },
    /// A managed key (PEM `PUBLIC KEY`).
    Key { pem: String },
}

/// What a verified bundle established.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Verified {
    /// The certificate's SAN (keyless bundles).
    pub identity: Option<String>,
    /// The certificate's OIDC issuer (keyless bundles).
    pub issuer: Option<String>,
    /// Rekor's authenticated integrated time (RFC 3339), when a v1 entry gave one.
    pub integrated_time: Option<String>,
    /// Whether the transparency log inclusion was verified.
    pub tlog_verified: bool,
    /// Every authenticated time the verification used (RFC 3339): log and TSA times.
    pub verified_times: Vec<String>,
    /// The signing certificate's validity and Fulcio CI claims (keyless bundles).
    pub certificate: Option<CertificateClaims>,
}

/// What a verified Fulcio certificate says about the workload it was issued to (extensions
/// under 1.3.6.1.4.1.57264.1). Claims: worth something only because the chain was verified.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CertificateClaims {
    /// The OIDC issuer (extension 1.3.6.1.4.1.57264.1.8, or the legacy .1).
    pub issuer: Option<String>,
    /// The subject alternative name: an email address or a URI.
    pub san: Option<String>,
    /// Which kind of name [`CertificateClaims::san`] is.
    pub san_kind: Option<SanKind>,
    /// Every extension under [`FULCIO_EXTENSION_ARC`], by dotted OID, as text.
    pub extensions: std::collections::BTreeMap<String, String>,
    pub not_before: String,
    pub not_after: String,
    /// e.g. `https://github.com/acme/app`
    pub source_repository_uri: Option<String>,
    /// e.g. `refs/heads/main`, `refs/tags/v1.2`
    pub source_repository_ref: Option<String>,
    pub source_repository_digest: Option<String>,
    /// The workflow that ran, e.g. `https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main`
    pub build_config_uri: Option<String>,
    /// e.g. `push`, `workflow_dispatch`
    pub build_trigger: Option<String>,
    pub build_signer_uri: Option<String>,
    pub run_invocation_uri: Option<String>,
}

impl CertificateClaims {
    /// The claims of a leaf whose chain was verified: `info` as sigstore-verify parsed it, and
    /// every extension under the Fulcio arc read from `der`.
    fn read(
        info: &sigstore_verify::crypto::CertificateInfo,
        der: &[u8],
    ) -> Result<Self, SigstoreError> {
        let ci = &info.ci_claims;
        Ok(Self {
            issuer: info.issuer.clone(),
            san: info.identity.as_ref().map(|i| i.as_str().to_owned()),
            san_kind: info.identity.as_ref().map(|i| match i {
                sigstore_verify::crypto::SubjectAltName::Email(_) => SanKind::Email,
                _ => SanKind::Uri,
            }),
            extensions: fulcio_extensions(der)?,
            not_before: info.not_before.to_string(),
            not_after: info.not_after.to_string(),
            source_repository_uri: ci.source_repository_uri.clone(),
            source_repository_ref: ci.source_repository_ref.clone(),
            source_repository_digest: ci.source_repository_digest.clone(),
            build_config_uri: ci.build_config_uri.clone(),
            build_trigger: ci.build_trigger.clone(),
            build_signer_uri: ci.build_signer_uri.clone(),
            run_invocation_uri: ci.run_invocation_uri.clone(),
        })
    }
}

/// The kind of a certificate's subject alternative name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SanKind {
    /// An `rfc822Name`: an email address.
    Email,
    /// A `uniformResourceIdentifier`.
    Uri,
}

/// The OID arc of Fulcio's certificate extensions.
pub const FULCIO_EXTENSION_ARC: &str = "1.3.6.1.4.1.57264.1.";

/// Every extension of the certificate `der` under [`FULCIO_EXTENSION_ARC`], by dotted OID: a
/// DER UTF8String (`.8` onwards) as its text, a legacy raw value (`.1`–`.6`) as its bytes when
/// they are UTF-8. A value that is neither is left out (no claim can match it).
fn fulcio_extensions(
    der: &[u8],
) -> Result<std::collections::BTreeMap<String, String>, SigstoreError> {
    use x509_cert::der::Decode as _;
    let cert =
        x509_cert::Certificate::from_der(der).map_err(|e| SigstoreError::CertificateMalformed {
            reason: e.to_string(),
        })?;
    let mut out = std::collections::BTreeMap::new();
    for ext in cert.tbs_certificate.extensions.iter().flatten() {
        let oid = ext.extn_id.to_string();
        if !oid.starts_with(FULCIO_EXTENSION_ARC) {
            continue;
        }
        let raw = ext.extn_value.as_bytes();
        let text = x509_cert::der::asn1::Utf8StringRef::from_der(raw)
            .map(|s| s.as_str().to_owned())
            .ok()
            .or_else(|| std::str::from_utf8(raw).ok().map(str::to_owned));
        if let Some(text) = text {
            out.insert(oid, text);
        }
    }
    Ok(out)
}

/// Verifies `bundle` over `artifact`, signed by `signer`, against `root`. Offline.
pub fn verify(
    bundle: &Bundle,
    artifact: Artifact<'_>,
    signer: &Signer,
    root: &TrustedRoot,
) -> Result<Verified, SigstoreError> {
    let input: sigstore_verify::types::Artifact<'_> = match artifact {
        Artifact::Bytes(b) => b.into(),
        Artifact::Sha256(d) => sigstore_verify::types::Sha256Hash::new(d).into(),
    };
    verify_with(bundle, signer, root, |verifier, policy| {
        verifier.verify(input, &bundle.0, policy)
    })
}

/// [`verify`] over an artifact read to its end in constant memory (a large file). A message
/// signature whose scheme needs the whole message (Ed25519) cannot be checked this way: that is
/// [`SigstoreError::Unsupported`], and the caller reads the bytes and uses [`verify`].
pub fn verify_reader(
    bundle: &Bundle,
    artifact: impl std::io::Read,
    signer: &Signer,
    root: &TrustedRoot,
) -> Result<Verified, SigstoreError> {
    verify_with(bundle, signer, root, |verifier, policy| {
        verifier.verify_reader(artifact, &bundle.0, policy)
    })
}

/// The checks common to both inputs around `run`, which verifies the artifact under a policy.
fn verify_with(
    bundle: &Bundle,
    signer: &Signer,
    root: &TrustedRoot,
    run: impl FnOnce(
        &sigstore_verify::Verifier,
        &dyn sigstore_verify::Policy,
    ) -> sigstore_verify::Result<sigstore_verify::VerificationResult>,
) -> Result<Verified, SigstoreError> {
    run_policy(bundle, Some(signer), root, run)
}

/// Runs `run` under the policy for `signer`, or — `None` — for any keyless identity (the
/// caller matches the certificate's claims itself), after the checks sigstore-verify lacks.
fn run_policy(
    bundle: &Bundle,
    signer: Option<&Signer>,
    root: &TrustedRoot,
    run: impl FnOnce(
        &sigstore_verify::Verifier,
        &dyn sigstore_verify::Policy,
    ) -> sigstore_verify::Result<sigstore_verify::VerificationResult>,
) -> Result<Verified, SigstoreError> {
    provider::install();
    refuse_root_in_chain(&bundle.0)?;
    refuse_unknown_statement_type(&bundle.0)?;
    let verifier = sigstore_verify::Verifier::new(&root.0)?;
    let outcome = match signer {
        None => run(
            &verifier,
            &sigstore_verify::VerificationPolicy::any_identity(),
        ),
        Some(Signer::Identity { identity, issuer }) => run(
            &verifier,
            &sigstore_verify::VerificationPolicy::new(identity.as_str(), issuer.as_str()),
        ),
        Some(Signer::Key { pem }) => {
            let key = sigstore_verify::types::DerPublicKey::from_pem(pem).map_err(|e| {
                SigstoreError::KeyMalformed {
                    reason: e.to_string(),
                }
            })?;
            run(
                &verifier,
                &sigstore_verify::PublicKeyVerificationPolicy::new(key),
            )
        }
    };
    // sigstore-verify reports a SET whose log key the root lists for another period (or does
    // not list) as a promise that does not verify; the root's own words say which it is.
    let result = outcome.map_err(|e| match e {
        sigstore_verify::Error::TransparencyLog(TransparencyLogError::InclusionPromise(_)) => {
            log_outside_root(&bundle.0, &root.0).unwrap_or_else(|| e.into())
        }
        e => e.into(),
    })?;
    let certificate = match (result.certificate(), bundle.0.signing_certificate()) {
        (Some(info), Some(der)) => Some(CertificateClaims::read(info, der.as_bytes())?),
        _ => None,
    };
    Ok(Verified {
        identity: result.identity().map(|i| i.as_str().to_owned()),
        issuer: result.issuer().map(str::to_owned),
        integrated_time: result.integrated_time().map(|t| t.to_string()),
        tlog_verified: result.tlog_verified(),
        verified_times: result
            .verified_timestamps()
            .iter()
            .map(ToString::to_string)
            .collect(),
        certificate,
    })
}

/// A log entry by a transparency log `root` does not list ([`SigstoreError::UnknownLog`]), or
/// whose integrated time is outside every validity window `root` gives that log's key
/// ([`SigstoreError::LogOutsideValidity`]; a window is closed: its end is inside it). `None` when
/// every entry's log is listed and valid at the time the entry claims.
fn log_outside_root(
    bundle: &sigstore_verify::types::Bundle,
    root: &sigstore_verify::trust_root::TrustedRoot,
) -> Option<SigstoreError> {
    bundle
        .verification_material
        .tlog_entries
        .iter()
        .find_map(|entry| {
            let id = entry.log_id.key_id.as_bytes();
            let log_id = || hex::encode(id);
            let mut logs = root
                .tlogs
                .iter()
                .filter(|t| t.log_id.key_id.as_bytes() == id)
                .peekable();
            if logs.peek().is_none() {
                return Some(SigstoreError::UnknownLog { log_id: log_id() });
            }
            let at = entry.integrated_time?;
            (!logs.any(|t| t.public_key.valid_for.is_none_or(|w| w.contains(at)))).then(|| {
                SigstoreError::LogOutsideValidity {
                    log_id: log_id(),
                    at: at.to_string(),
                }
            })
        })
}

/// The in-toto statement types a DSSE bundle may sign: v1 (also spelled v1.0), and v0.1
/// (cosign 2.x attestations) — the ones [`crate::dsse::parse_statement`] reads.
pub const KNOWN_STATEMENT_TYPES: [&str; 3] = [
    crate::dsse::STATEMENT_V1,
    crate::dsse::STATEMENT_V1_0,
    crate::dsse::STATEMENT_V01,
];

/// A DSSE envelope of an in-toto statement must name a statement type Vouch knows, as
/// [`crate::dsse::parse_statement`] judges it. sigstore-verify parses `_type` but accepts any
/// value, so a statement of another (future or made-up) type, whose fields may mean something
/// else, would verify. Any other fault of the statement is left to sigstore-verify, which
/// refuses it with its own sentence.
fn refuse_unknown_statement_type(
    bundle: &sigstore_verify::types::Bundle,
) -> Result<(), SigstoreError> {
    use sigstore_verify::types::bundle::SignatureContent;
    let SignatureContent::DsseEnvelope(envelope) = &bundle.content else {
        return Ok(());
    };
    if envelope.payload_type != crate::dsse::IN_TOTO_PAYLOAD_TYPE {
        return Ok(());
    }
    match crate::dsse::parse_statement(envelope.payload.as_bytes()) {
        Err(crate::dsse::DsseError::StatementType(found)) => {
            Err(SigstoreError::StatementTypeUnknown { found })
        }
        _ => Ok(()),
    }
}

/// A v0.1/v0.2 bundle's `x509CertificateChain` may carry the leaf and intermediates, never a
/// root: the trust anchors come only from the trusted root (Sigstore client specification).
/// sigstore-verify ignores the chain past the leaf, so the check is here. A root is a
/// self-issued certificate (subject = issuer).
fn refuse_root_in_chain(bundle: &sigstore_verify::types::Bundle) -> Result<(), SigstoreError> {
    use sigstore_verify::types::bundle::VerificationMaterialContent;
    use x509_cert::der::Decode as _;
    let VerificationMaterialContent::X509CertificateChain { certificates } =
        &bundle.verification_material.content
    else {
        return Ok(());
    };
    for cert in certificates {
        let parsed = x509_cert::Certificate::from_der(cert.raw_bytes.as_bytes()).map_err(|e| {
            SigstoreError::CertificateMalformed {
                reason: e.to_string(),
            }
        })?;
        let tbs = &parsed.tbs_certificate;
        if tbs.subject == tbs.issuer {
            return Err(SigstoreError::ChainContainsRoot {
                subject: tbs.subject.to_string(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod conformance_tests;
#[cfg(test)]
mod tests;
