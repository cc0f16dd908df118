//! Keyless image signatures: cosign 2.x `.sig` layers (certificate, chain, Rekor bundle and
//! RFC 3161 annotations) and Sigstore bundles attached to an image (cosign 3, cosign 2.5
//! `--new-bundle-format`), verified offline against one or more trusted roots.
//!
//! A `.sig` layer's annotations are rewritten as the v0.1 Sigstore bundle they are the wire form
//! of (cosign does the same when it converts), then verified by the bundle verifier: the SET
//! against the root's Rekor keys, the hashedrekord body against signature, certificate and
//! payload digest, the log time inside the certificate's validity, the chain to a Fulcio CA
//! valid at that time, the SCT. Then the signed payload must name this image's manifest digest
//! and this repository.
//!
//! Invariant: a [`KeylessVerified`] is only returned when every check passed; the identity in
//! it is *not* matched against anything here — the caller matches the claims against its
//! trusted identities.

use base64::Engine as _;
use serde::Deserialize;
use serde_json::json;

use super::{Bundle, CertificateClaims, SigstoreError, TrustedRoot};
use crate::cosign::{parse_sign_statement, parse_simple_signing, Claim};
use crate::oci::clip;
use crate::reference::identity_repository;

/// The `.sig` layer annotation holding the signing certificate (PEM).
pub const CERTIFICATE_ANNOTATION: &str = "dev.sigstore.cosign/certificate";
/// The `.sig` layer annotation holding the rest of the chain (PEM, root included).
pub const CHAIN_ANNOTATION: &str = "dev.sigstore.cosign/chain";
/// The `.sig` layer annotation holding Rekor's signed entry timestamp and entry (JSON).
pub const REKOR_BUNDLE_ANNOTATION: &str = "dev.sigstore.cosign/bundle";
/// The `.sig` layer annotation holding an RFC 3161 timestamp over the signature (JSON).
pub const RFC3161_ANNOTATION: &str = "dev.sigstore.cosign/rfc3161timestamp";

/// Whether a `.sig` layer is keyless (it carries a signing certificate): such a layer is
/// verified with [`verify_keyless_sig`], not against a trusted key.
pub fn is_keyless(annotations: &std::collections::BTreeMap<String, String>) -> bool {
    annotations.contains_key(CERTIFICATE_ANNOTATION)
}

/// The transparency log entry a keyless signature was verified with.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LogEntry {
    /// The log's id: hex of the SHA-256 of its public key.
    pub log_id: String,
    pub index: u64,
    /// The authenticated integration time (RFC 3339), when the log gave one (Rekor v1 SET).
    pub integrated_time: Option<String>,
}

/// Which authority established the signing time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum TimeSource {
    /// A Rekor signed entry timestamp.
    TransparencyLog,
    /// An RFC 3161 timestamp from a trusted TSA.
    TimestampAuthority,
    /// Both.
    Both,
}

/// A keyless image signature that verified: who the certificate was issued to, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct KeylessVerified {
    /// Every claim of the verified certificate (issuer, SAN, Fulcio extensions).
    pub claims: CertificateClaims,
    /// The OIDC issuer.
    pub issuer: String,
    /// The subject alternative name (email or URI).
    pub san: String,
    /// The certificate's notBefore (RFC 3339): when it was issued.
    pub cert_not_before: String,
    /// The log entry, when there was one.
    pub log: Option<LogEntry>,
    pub time_source: TimeSource,
    /// Which of the given trusted roots verified it (its position).
    pub root_index: usize,
}

/// cosign's `dev.sigstore.cosign/bundle` annotation.
#[derive(Deserialize)]
struct RekorBundle {
    #[serde(rename = "SignedEntryTimestamp")]
    set: String,
    #[serde(rename = "Payload")]
    payload: RekorPayload,
}

#[derive(Deserialize)]
struct RekorPayload {
    body: String,
    #[serde(rename = "integratedTime")]
    integrated_time: i64,
    #[serde(rename = "logIndex")]
    log_index: i64,
    #[serde(rename = "logID")]
    log_id: String,
}

/// cosign's `dev.sigstore.cosign/rfc3161timestamp` annotation.
#[derive(Deserialize)]
struct Rfc3161 {
    #[serde(rename = "SignedRFC3161Timestamp")]
    signed: String,
}

/// The kind and version a Rekor entry body declares.
#[derive(Deserialize)]
struct BodyKind {
    kind: String,
    #[serde(rename = "apiVersion")]
    api_version: String,
}

fn malformed(name: &str, reason: impl std::fmt::Display) -> SigstoreError {
    SigstoreError::AnnotationMalformed {
        name: name.to_owned(),
        reason: reason.to_string(),
    }
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Rewrites a cosign `.sig` layer (its annotations and payload) as a v0.1 Sigstore bundle.
/// The chain annotation's self-issued root is left out: trust anchors come from the trusted
/// root only, and cosign writes its chain with the root.
pub fn sig_layer_bundle(
    annotations: &std::collections::BTreeMap<String, String>,
    payload: &[u8],
) -> Result<Bundle, SigstoreError> {
    use sha2::Digest as _;
    use x509_cert::der::Encode as _;
    let get = |name: &str| {
        annotations
            .get(name)
            .ok_or_else(|| SigstoreError::AnnotationMissing {
                name: name.to_owned(),
            })
    };
    let signature = get(crate::cosign::SIGNATURE_ANNOTATION)?;
    let leaf_pem = get(CERTIFICATE_ANNOTATION)?;
    let rekor: RekorBundle = serde_json::from_str(get(REKOR_BUNDLE_ANNOTATION)?)
        .map_err(|e| malformed(REKOR_BUNDLE_ANNOTATION, e))?;

    let leaf = x509_cert::Certificate::load_pem_chain(leaf_pem.as_bytes())
        .map_err(|e| malformed(CERTIFICATE_ANNOTATION, e))?;
    let [leaf] = leaf.as_slice() else {
        return Err(malformed(
            CERTIFICATE_ANNOTATION,
            format!("it holds {} certificates, not one", leaf.len()),
        ));
    };
    let mut chain = vec![leaf.clone()];
    if let Some(pem) = annotations.get(CHAIN_ANNOTATION) {
        let rest = x509_cert::Certificate::load_pem_chain(pem.as_bytes())
            .map_err(|e| malformed(CHAIN_ANNOTATION, e))?;
        chain.extend(
            rest.into_iter()
                .filter(|c| c.tbs_certificate.subject != c.tbs_certificate.issuer),
        );
    }
    let mut certificates = Vec::new();
    for c in &chain {
        let der = c.to_der().map_err(|e| malformed(CHAIN_ANNOTATION, e))?;
        certificates.push(json!({ "rawBytes": b64(&der) }));
    }

    let body = base64::engine::general_purpose::STANDARD
        .decode(&rekor.payload.body)
        .map_err(|e| malformed(REKOR_BUNDLE_ANNOTATION, format!("its body: {e}")))?;
    let kind: BodyKind = serde_json::from_slice(&body)
        .map_err(|e| malformed(REKOR_BUNDLE_ANNOTATION, format!("its body: {e}")))?;
    let log_id = hex::decode(&rekor.payload.log_id)
        .map_err(|e| malformed(REKOR_BUNDLE_ANNOTATION, format!("its logID: {e}")))?;
    let mut material = json!({
        "x509CertificateChain": { "certificates": certificates },
        "tlogEntries": [{
            "logIndex": rekor.payload.log_index.to_string(),
            "logId": { "keyId": b64(&log_id) },
            "kindVersion": { "kind": kind.kind, "version": kind.api_version },
            "integratedTime": rekor.payload.integrated_time.to_string(),
            "inclusionPromise": { "signedEntryTimestamp": rekor.set },
            "canonicalizedBody": rekor.payload.body,
        }],
    });
    if let Some(ts) = annotations.get(RFC3161_ANNOTATION) {
        let ts: Rfc3161 = serde_json::from_str(ts).map_err(|e| malformed(RFC3161_ANNOTATION, e))?;
        material["timestampVerificationData"] =
            json!({ "rfc3161Timestamps": [{ "signedTimestamp": ts.signed }] });
    }
    let bundle = json!({
        "mediaType": "application/vnd.dev.sigstore.bundle+json;version=0.1",
        "verificationMaterial": material,
        "messageSignature": {
            "messageDigest": { "algorithm": "SHA2_256", "digest": b64(&sha2::Sha256::digest(payload)) },
            "signature": signature,
        },
    });
    Bundle::from_json(&bundle.to_string())
}

/// Verifies a cosign 2.x keyless `.sig` layer of the image `image_repo` (normalised, as
/// [`crate::reference::ImageRef::repository`] gives it) at `manifest_digest`: its annotations
/// and its payload (the layer blob, already checked against its digest) against the first of
/// `roots` that verifies it.
pub fn verify_keyless_sig(
    image_repo: &str,
    manifest_digest: &str,
    annotations: &std::collections::BTreeMap<String, String>,
    payload: &[u8],
    roots: &[TrustedRoot],
) -> Result<KeylessVerified, SigstoreError> {
    let bundle = sig_layer_bundle(annotations, payload)?;
    // The bundle's message digest is the payload's own: only the log entry can disagree with it.
    let verified =
        verify_against(&bundle, super::Artifact::Bytes(payload), roots).map_err(|e| match e {
            SigstoreError::ArtifactMismatch { reason } => {
                SigstoreError::LogEntryMismatch { reason }
            }
            other => other,
        })?;
    let claim = parse_simple_signing(payload)
        .map_err(|reason| SigstoreError::PayloadMalformed { reason })?;
    bound_to_image(&claim, image_repo, manifest_digest)?;
    Ok(verified)
}

/// Verifies a Sigstore bundle attached to the image `image_repo` at `manifest_digest` (an OCI
/// referrer or under the referrers fallback tag): a keyless DSSE envelope of cosign's image
/// signature statement (predicate [`crate::cosign::COSIGN_SIGN_PREDICATE`]) whose subject is this
/// digest and this repository. A message-signature bundle signs the digest alone, so it cannot
/// show the repository it was made for: it is refused ([`SigstoreError::RepositoryNotSigned`]).
pub fn verify_keyless_bundle(
    image_repo: &str,
    manifest_digest: &str,
    bundle_json: &str,
    roots: &[TrustedRoot],
) -> Result<KeylessVerified, SigstoreError> {
    use sigstore_verify::types::SignatureContent;
    let bundle = Bundle::from_json(bundle_json)?;
    let artifact = super::Artifact::parse_digest(manifest_digest)?;
    let claim = match &bundle.0.content {
        SignatureContent::DsseEnvelope(envelope) => {
            parse_sign_statement(&envelope.payload_type, envelope.payload.as_bytes())
                .map_err(|reason| SigstoreError::NotAnImageSignature { reason })?
        }
        _ => return Err(SigstoreError::RepositoryNotSigned),
    };
    // Bound first: a bundle copied to another image then names the image it was made for,
    // rather than failing as an artifact mismatch.
    bound_to_image(&claim, image_repo, manifest_digest)?;
    verify_against(&bundle, artifact, roots)
}

/// Verifies a keyless Sigstore attestation bundle (a DSSE envelope of an in-toto statement,
/// e.g. SLSA provenance from cosign `attest --new-bundle-format` or a GitHub artifact
/// attestation) attached to the image at `manifest_digest`, against the first of `roots` that
/// verifies it: the statement's subject must name that digest (the library's binding check).
/// The predicate is not looked at here; the identity is not matched here.
pub fn verify_keyless_attestation(
    manifest_digest: &str,
    bundle_json: &str,
    roots: &[TrustedRoot],
) -> Result<KeylessVerified, SigstoreError> {
    use sigstore_verify::types::SignatureContent;
    let bundle = Bundle::from_json(bundle_json)?;
    if !matches!(bundle.0.content, SignatureContent::DsseEnvelope(_)) {
        return Err(SigstoreError::Unsupported {
            reason: "an attestation bundle holds a DSSE envelope, not a message signature".into(),
        });
    }
    verify_against(
        &bundle,
        super::Artifact::parse_digest(manifest_digest)?,
        roots,
    )
}

impl KeylessVerified {
    /// The certificate's subject: its SAN, an email address or else a URI.
    pub fn subject(&self) -> crate::trust::San {
        use crate::trust::San;
        match self.claims.san_kind {
            Some(super::SanKind::Email) => San::Email(self.san.clone()),
            _ => San::Uri(self.san.clone()),
        }
    }

    /// The verified certificate's claims as a trusted identity is matched against them (image
    /// signatures and attestations alike).
    pub fn identity_claims(&self) -> crate::trust::CertificateClaims {
        crate::trust::CertificateClaims {
            issuer: self.issuer.clone(),
            san: self.subject(),
            extensions: self.claims.extensions.clone(),
        }
    }
}

/// The signed claim names this digest and this repository.
fn bound_to_image(claim: &Claim, image_repo: &str, digest: &str) -> Result<(), SigstoreError> {
    if !claim.digests.iter().any(|d| d == digest) {
        return Err(SigstoreError::WrongImage {
            signed_for: claim.digests.iter().map(|d| clip(d, 80)).collect(),
            image: digest.to_owned(),
        });
    }
    if !claim
        .identities
        .iter()
        .any(|i| identity_repository(i).as_deref() == Some(image_repo))
    {
        return Err(SigstoreError::WrongRepository {
            signed_for: claim.identities.iter().map(|i| clip(i, 120)).collect(),
            repository: image_repo.to_owned(),
        });
    }
    Ok(())
}

/// Verifies `bundle` (keyless, any identity) against each root in turn; the first that
/// verifies wins. With none verifying, the first root's refusal is the cause.
fn verify_against(
    bundle: &Bundle,
    artifact: super::Artifact<'_>,
    roots: &[TrustedRoot],
) -> Result<KeylessVerified, SigstoreError> {
    let mut first_error = None;
    for (root_index, root) in roots.iter().enumerate() {
        match verify_one(bundle, artifact, root, root_index) {
            Ok(v) => return Ok(v),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    Err(first_error.unwrap_or(SigstoreError::TrustedRootUnusable {
        reason: "no trusted root was given".into(),
    }))
}

fn verify_one(
    bundle: &Bundle,
    artifact: super::Artifact<'_>,
    root: &TrustedRoot,
    root_index: usize,
) -> Result<KeylessVerified, SigstoreError> {
    let entries = &bundle.0.verification_material.tlog_entries;
    // A SET or checkpoint by a log the root does not list, or by a listed log whose key was
    // not valid when the entry claims it was integrated, is refused with that cause first,
    // whatever else is wrong with it.
    if let Some(refusal) = super::log_outside_root(&bundle.0, &root.0) {
        return Err(refusal);
    }
    let input: sigstore_verify::types::Artifact<'_> = match artifact {
        super::Artifact::Bytes(b) => b.into(),
        super::Artifact::Sha256(d) => sigstore_verify::types::Sha256Hash::new(d).into(),
    };
    let verified = super::run_policy(bundle, None, root, |verifier, policy| {
        verifier.verify(input, &bundle.0, policy)
    })?;
    let no_cert = || SigstoreError::Unsupported {
        reason: "the signature is not keyless (it has no signing certificate)".into(),
    };
    let claims = verified.certificate.ok_or_else(no_cert)?;
    let issuer = claims
        .issuer
        .clone()
        .ok_or_else(|| SigstoreError::IssuerMismatch {
            expected: "an OIDC issuer".into(),
            found: None,
        })?;
    let san = claims
        .san
        .clone()
        .ok_or_else(|| SigstoreError::IdentityMismatch {
            expected: "an email or URI identity".into(),
            found: None,
        })?;
    let log = entries.first().map(|e| LogEntry {
        log_id: hex::encode(e.log_id.key_id.as_bytes()),
        index: e.log_index.get(),
        integrated_time: verified.integrated_time.clone(),
    });
    let tsa = !bundle
        .0
        .verification_material
        .timestamp_verification_data
        .rfc3161_timestamps
        .is_empty();
    let time_source = match (verified.integrated_time.is_some(), tsa) {
        (true, true) => TimeSource::Both,
        (true, false) => TimeSource::TransparencyLog,
        _ => TimeSource::TimestampAuthority,
    };
    Ok(KeylessVerified {
        cert_not_before: claims.not_before.clone(),
        claims,
        issuer,
        san,
        log,
        time_source,
        root_index,
    })
}

#[cfg(test)]
mod tests;
