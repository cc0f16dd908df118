//! Signing: a cosign-compatible simple-signing signature, appended to the image's
//! `sha256-<hex>.sig` manifest so other signers' signatures survive.
//!
//! The payload and the layer are [`crate::cosign`]'s: see there for what peers require.
//!
//! Appending is read–modify–write of one tag; two signers pushing at the same instant can lose
//! one signature (the registry has no compare-and-swap). Re-running `vouch sign` restores it.

use std::collections::BTreeMap;

use time::OffsetDateTime;

use crate::cosign::{append_layer, signature_layer, simple_signing_payload, PayloadError, Subject};
use crate::dsse::encode_b64;
use crate::keys::PrivateKey;
use crate::oci::DigestError;
use crate::reference::ReferenceError;
use crate::registry::{RegistryError, RegistryOptions};

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SignError {
    #[error("{0}")]
    Reference(#[from] ReferenceError),
    #[error("{0}")]
    Registry(#[from] RegistryError),
    #[error("the image {0} was not found; push it first, or check the tag")]
    NotFound(String),
    #[error("the existing signature manifest {tag} is not a manifest Vouch can append to ({why}); it was left unchanged")]
    ExistingManifest { tag: String, why: String },
    #[error("the annotation key `{0}` is reserved (Vouch writes it); choose another key")]
    ReservedAnnotation(String),
    #[error("the registry resolved the image to {0}")]
    Digest(#[from] DigestError),
}

/// What `sign` did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SignOutcome {
    pub reference: String,
    pub repository: String,
    pub digest: String,
    /// The tag holding the signatures (`sha256-<hex>.sig`).
    pub signature_tag: String,
    /// The digest of the signature manifest now under that tag.
    pub signature_manifest: String,
    /// How many signatures the manifest holds now (including this one).
    pub signatures: usize,
    pub fingerprint: String,
}

/// Builds the simple-signing payload for `repository` at `digest`
/// ([`crate::cosign::simple_signing_payload`]).
pub fn payload(
    repository: &str,
    digest: &str,
    annotations: &BTreeMap<String, String>,
    now: OffsetDateTime,
) -> Result<Vec<u8>, SignError> {
    simple_signing_payload(repository, digest, annotations, now).map_err(|e| match e {
        PayloadError::ReservedAnnotation(k) => SignError::ReservedAnnotation(k),
    })
}

/// Signs `reference` with `key` and appends the signature to its `.sig` manifest.
pub async fn sign(
    reference: &str,
    key: &PrivateKey,
    annotations: &BTreeMap<String, String>,
    opts: RegistryOptions,
    now: OffsetDateTime,
) -> Result<SignOutcome, SignError> {
    let subject = Subject::resolve(reference, opts, SignError::NotFound).await?;
    let (repository, digest) = (subject.image.repository(), &subject.digest);

    let body = payload(&repository, digest.as_str(), annotations, now)?;
    let signature = encode_b64(&key.sign(&body));
    let tag = digest.signature_tag();
    let layer = signature_layer(&signature);
    let (signature_manifest, count) =
        append_layer(&subject.registry, &subject.image, &tag, body, layer, None)
            .await
            .map_err(|e| e.into_error(|tag, why| SignError::ExistingManifest { tag, why }))?;
    Ok(SignOutcome {
        reference: reference.to_string(),
        repository,
        digest: digest.to_string(),
        signature_tag: tag,
        signature_manifest,
        signatures: count,
        fingerprint: key.public_key().fingerprint(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_annotations_are_refused() {
        let mut a = BTreeMap::new();
        a.insert("timestamp".to_string(), "x".to_string());
        assert!(matches!(
            payload("r", "d", &a, OffsetDateTime::UNIX_EPOCH),
            Err(SignError::ReservedAnnotation(_))
        ));
    }
}
