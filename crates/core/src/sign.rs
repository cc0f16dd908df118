//! Signing: a cosign-compatible simple-signing signature, appended to the image's
//! `sha256-<hex>.sig` manifest so other signers' signatures survive.
//!
//! The payload is what cosign and containers/image (skopeo, podman) both accept:
//! `critical` holds exactly `identity.docker-reference` (the repository, without tag),
//! `image.docker-manifest-digest` and `type`; `optional` holds the person's annotations plus
//! `creator` (a string) and `timestamp` (Unix seconds, an integer: containers/image refuses
//! other types for these two keys).
//!
//! Appending is read–modify–write of one tag; two signers pushing at the same instant can lose
//! one signature (the registry has no compare-and-swap). Re-running `vouch sign` restores it.

use std::collections::BTreeMap;

use base64::Engine as _;
use serde_json::{json, Value};
use time::OffsetDateTime;

use crate::keys::PrivateKey;
use crate::reference::{ImageRef, ReferenceError};
use crate::registry::{sha256_digest, Registry, RegistryError, RegistryOptions};
use crate::verify::{SIGNATURE_ANNOTATION, SIMPLE_SIGNING_MEDIA_TYPE};

const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";

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

/// Builds the simple-signing payload for `repository` at `digest`.
pub fn payload(
    repository: &str,
    digest: &str,
    annotations: &BTreeMap<String, String>,
    now: OffsetDateTime,
) -> Result<Vec<u8>, SignError> {
    let mut optional = serde_json::Map::new();
    for (k, v) in annotations {
        if k == "creator" || k == "timestamp" {
            return Err(SignError::ReservedAnnotation(k.clone()));
        }
        optional.insert(k.clone(), Value::String(v.clone()));
    }
    optional.insert(
        "creator".into(),
        Value::String(concat!("vouch ", env!("CARGO_PKG_VERSION")).into()),
    );
    optional.insert("timestamp".into(), json!(now.unix_timestamp()));
    let doc = json!({
        "critical": {
            "identity": {"docker-reference": repository},
            "image": {"docker-manifest-digest": digest},
            "type": "cosign container image signature"
        },
        "optional": Value::Object(optional)
    });
    // Serialising a JSON value cannot fail.
    Ok(serde_json::to_vec(&doc).unwrap_or_default())
}

/// Signs `reference` with `key` and appends the signature to its `.sig` manifest.
pub async fn sign(
    reference: &str,
    key: &PrivateKey,
    annotations: &BTreeMap<String, String>,
    opts: RegistryOptions,
    now: OffsetDateTime,
) -> Result<SignOutcome, SignError> {
    let r = ImageRef::parse(reference)?;
    let registry = Registry::new(opts, [r.registry_host()])?;
    let manifest = registry
        .manifest(&r, r.manifest_selector(), true)
        .await?
        .ok_or_else(|| SignError::NotFound(r.to_string()))?;
    let digest = manifest.digest;
    let repository = r.repository();

    let body = payload(&repository, &digest, annotations, now)?;
    let signature = base64::engine::general_purpose::STANDARD.encode(key.sign(&body));
    let fingerprint = key.public_key().fingerprint();

    let tag = format!("{}.sig", digest.replacen(':', "-", 1));
    let layer = json!({
        "mediaType": SIMPLE_SIGNING_MEDIA_TYPE,
        "annotations": { SIGNATURE_ANNOTATION: signature }
    });
    let (signature_manifest, count) = append_layer(&registry, &r, &tag, body, layer, None)
        .await
        .map_err(|e| match e {
            AppendError::Registry(e) => SignError::Registry(e),
            AppendError::Existing { tag, why } => SignError::ExistingManifest { tag, why },
        })?;
    Ok(SignOutcome {
        reference: reference.to_string(),
        repository,
        digest,
        signature_tag: tag,
        signature_manifest,
        signatures: count,
        fingerprint,
    })
}

/// Why appending to a cosign attachment manifest failed.
#[derive(Debug)]
pub(crate) enum AppendError {
    Registry(RegistryError),
    /// The manifest already under the tag is not one Vouch can append to; it was left as is.
    Existing {
        tag: String,
        why: String,
    },
}

impl From<RegistryError> for AppendError {
    fn from(e: RegistryError) -> Self {
        Self::Registry(e)
    }
}

/// Pushes `blob` and appends it, described by `layer` (media type and annotations; size and
/// digest are filled in), to the cosign attachment manifest under `tag` (`sha256-<hex>.sig`
/// or `.att`), keeping every layer already there, then pushes the manifest with a config like
/// the one cosign writes (an empty image whose layers are the attachments). Returns the new
/// manifest's digest and its layer count. Read-modify-write of one tag: two writers at the same
/// instant can lose one layer (the registry offers no compare-and-swap).
pub(crate) async fn append_layer(
    registry: &Registry,
    r: &ImageRef,
    tag: &str,
    blob: Vec<u8>,
    mut layer: Value,
    created: Option<&str>,
) -> Result<(String, usize), AppendError> {
    let existing_err = |why: String| AppendError::Existing {
        tag: tag.to_string(),
        why,
    };
    let mut layers: Vec<Value> = Vec::new();
    let mut manifest_annotations: Option<Value> = None;
    if let Some(existing) = registry.manifest(r, tag, true).await? {
        let v: Value = serde_json::from_slice(&existing.bytes)
            .map_err(|e| existing_err(format!("not JSON: {e}")))?;
        let Some(existing_layers) = v.get("layers").and_then(Value::as_array) else {
            return Err(existing_err("it has no layers".into()));
        };
        layers = existing_layers.clone();
        manifest_annotations = v.get("annotations").cloned();
    }

    let blob_len = blob.len();
    let blob_digest = registry.push_blob(r, blob).await?;
    if let Some(obj) = layer.as_object_mut() {
        obj.insert("size".into(), json!(blob_len));
        obj.insert("digest".into(), json!(blob_digest));
    }
    layers.push(layer);

    let diff_ids: Vec<Value> = layers
        .iter()
        .filter_map(|l| l.get("digest").cloned())
        .collect();
    let mut config = json!({
        "architecture": "",
        "os": "",
        "config": {},
        "rootfs": {"type": "layers", "diff_ids": diff_ids}
    });
    if let (Some(c), Some(obj)) = (created, config.as_object_mut()) {
        obj.insert("created".into(), json!(c));
    }
    let config = serde_json::to_vec(&config).unwrap_or_default();
    let config_len = config.len();
    let config_digest = sha256_digest(&config);
    registry.push_blob(r, config).await?;

    let count = layers.len();
    let mut manifest = json!({
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {"mediaType": OCI_CONFIG, "size": config_len, "digest": config_digest},
        "layers": layers,
    });
    if let (Some(a), Some(obj)) = (manifest_annotations, manifest.as_object_mut()) {
        obj.insert("annotations".into(), a);
    }
    let bytes = serde_json::to_vec(&manifest).unwrap_or_default();
    let digest = registry.push_manifest(r, tag, bytes, OCI_MANIFEST).await?;
    Ok((digest, count))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_has_exactly_the_critical_fields_peers_require() {
        let mut a = BTreeMap::new();
        a.insert("env".to_string(), "prod".to_string());
        let p = payload(
            "127.0.0.1:5000/acme/app",
            "sha256:abc",
            &a,
            OffsetDateTime::UNIX_EPOCH,
        )
        .expect("payload");
        let v: Value = serde_json::from_slice(&p).expect("json");
        let crit = v["critical"].as_object().expect("critical");
        assert_eq!(crit.len(), 3);
        assert_eq!(
            v["critical"]["identity"]["docker-reference"],
            "127.0.0.1:5000/acme/app"
        );
        assert_eq!(
            v["critical"]["image"]["docker-manifest-digest"],
            "sha256:abc"
        );
        assert_eq!(v["critical"]["type"], "cosign container image signature");
        assert_eq!(v["optional"]["env"], "prod");
        assert!(v["optional"]["timestamp"].is_i64());
        assert!(v["optional"]["creator"].is_string());
    }

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
