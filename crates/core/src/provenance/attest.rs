//! The publisher side: an in-toto statement about the image, DSSE-signed with a keychain key,
//! appended to the cosign `sha256-<hex>.att` manifest exactly as `cosign attest` writes it
//! (layer media type `application/vnd.dsse.envelope.v1+json`, annotations `predicateType` and
//! an empty `dev.cosignproject.cosign/signature`), so `cosign verify-attestation` accepts it and
//! other publishers' attestations survive.
//!
//! Appending is read–modify–write of one tag, as for signatures: two publishers pushing at the
//! same instant can lose one attestation; re-running restores it.

use serde_json::{json, Value};
use time::OffsetDateTime;

use super::{IN_TOTO_PAYLOAD_TYPE, SLSA_V02, SLSA_V1, STATEMENT_V01};
use crate::cosign::{append_layer, attestation_layer, Subject};
use crate::keys::PrivateKey;
use crate::oci::DigestError;
use crate::reference::ReferenceError;
use crate::registry::{RegistryError, RegistryOptions};

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AttestError {
    #[error("{0}")]
    Reference(#[from] ReferenceError),
    #[error("{0}")]
    Registry(#[from] RegistryError),
    #[error("the image {0} was not found; push it first, or check the tag")]
    NotFound(String),
    #[error("the predicate is not a JSON object ({0})")]
    BadPredicate(String),
    #[error("unknown predicate type `{0}`; use slsaprovenance, slsaprovenance02, slsaprovenance1, spdx, spdxjson, cyclonedx, vuln, openvex, custom, link, or a URI")]
    UnknownType(String),
    #[error("the existing attestation manifest {tag} is not a manifest Vouch can append to ({why}); it was left unchanged")]
    ExistingManifest { tag: String, why: String },
    #[error("the registry resolved the image to {0}")]
    Digest(#[from] DigestError),
}

/// What `attest` did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AttestOutcome {
    pub reference: String,
    pub repository: String,
    pub digest: String,
    pub predicate_type: String,
    /// `sha256-<hex>.att`.
    pub attestation_tag: String,
    pub attestation_manifest: String,
    /// How many attestations the manifest holds now (including this one).
    pub attestations: usize,
    pub fingerprint: String,
}

/// cosign's `--type` names → predicate type URIs; a URI is taken as is.
pub fn predicate_type_for(name: &str) -> Result<String, AttestError> {
    let n = name.trim();
    Ok(match n {
        "slsaprovenance" | "slsaprovenance02" => SLSA_V02.into(),
        "slsaprovenance1" => SLSA_V1.into(),
        "spdx" | "spdxjson" => "https://spdx.dev/Document".into(),
        "cyclonedx" => "https://cyclonedx.org/bom".into(),
        "vuln" => "https://cosign.sigstore.dev/attestation/vuln/v1".into(),
        "openvex" => "https://openvex.dev/ns".into(),
        "custom" => "https://cosign.sigstore.dev/attestation/v1".into(),
        "link" => "https://in-toto.io/Link/v1".into(),
        u if (u.starts_with("https://") || u.starts_with("http://"))
            && u.len() > 8
            && !u.chars().any(|c| c.is_whitespace() || c.is_control()) =>
        {
            u.to_string()
        }
        other => return Err(AttestError::UnknownType(super::clip(other, 100))),
    })
}

/// The in-toto statement (v0.1, as cosign 2 writes it) about `repository` at `digest`.
pub fn statement(
    repository: &str,
    digest: &str,
    predicate: &[u8],
    predicate_type: &str,
) -> Result<Vec<u8>, AttestError> {
    let predicate: Value = serde_json::from_slice(predicate)
        .map_err(|e| AttestError::BadPredicate(super::clip(&e.to_string(), 200)))?;
    if !predicate.is_object() {
        return Err(AttestError::BadPredicate(
            "it is valid JSON, but not an object".into(),
        ));
    }
    let hex = digest.strip_prefix("sha256:").unwrap_or(digest);
    let doc = json!({
        "_type": STATEMENT_V01,
        "predicateType": predicate_type,
        "subject": [{"name": repository, "digest": {"sha256": hex}}],
        "predicate": predicate,
    });
    // A JSON value's text (Display) cannot fail: no serialiser error to turn into empty bytes.
    Ok(doc.to_string().into_bytes())
}

/// A DSSE envelope over `payload` (in-toto), signed with `key` ([`crate::dsse::seal`]).
pub fn envelope(payload: &[u8], key: &PrivateKey) -> Vec<u8> {
    crate::dsse::seal(IN_TOTO_PAYLOAD_TYPE, payload, key)
}

/// Attests `reference` with `key` and appends the attestation to its `.att` manifest.
pub async fn attest(
    reference: &str,
    key: &PrivateKey,
    predicate: &[u8],
    predicate_type: &str,
    opts: RegistryOptions,
    now: OffsetDateTime,
) -> Result<AttestOutcome, AttestError> {
    let subject = Subject::resolve(reference, opts, AttestError::NotFound).await?;
    let (repository, digest) = (subject.image.repository(), &subject.digest);

    let body = statement(&repository, digest.as_str(), predicate, predicate_type)?;
    let env = envelope(&body, key);
    let tag = digest.attestation_tag();
    let layer = attestation_layer(predicate_type);
    let created = now
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let (attestation_manifest, count) = append_layer(
        &subject.registry,
        &subject.image,
        &tag,
        env,
        layer,
        Some(&created),
    )
    .await
    .map_err(|e| e.into_error(|tag, why| AttestError::ExistingManifest { tag, why }))?;
    Ok(AttestOutcome {
        reference: reference.to_string(),
        repository,
        digest: digest.to_string(),
        predicate_type: predicate_type.to_string(),
        attestation_tag: tag,
        attestation_manifest,
        attestations: count,
        fingerprint: key.public_key().fingerprint(),
    })
}
