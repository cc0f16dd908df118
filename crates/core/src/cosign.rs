//! The cosign wire format: the simple-signing payload (built and parsed side by side), the
//! `.sig` / `.att` attachment layers (media types, annotations), cosign v3's DSSE signature
//! statement, and appending a layer to an attachment manifest.
//!
//! Invariant: what [`simple_signing_payload`] writes, [`parse_simple_signing`] reads back to
//! the same repository and digest (a round-trip test pins it), and a payload is only ever
//! accepted when it says it is a cosign image signature; `append_layer` keeps every layer
//! already under the tag (other signers' signatures survive).

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{json, Value};
use time::OffsetDateTime;

use crate::dsse::{self, DSSE_MEDIA_TYPE, IN_TOTO_PAYLOAD_TYPE};
use crate::oci::{
    clip, sha256_digest, Digest, DigestError, IMAGE_CONFIG_MEDIA_TYPE, OCI_IMAGE_MEDIA_TYPE,
};
use crate::reference::{ImageRef, ReferenceError};
use crate::registry::{Registry, RegistryError, RegistryOptions};

/// Media type of a cosign simple-signing layer.
pub const SIMPLE_SIGNING_MEDIA_TYPE: &str = "application/vnd.dev.cosign.simplesigning.v1+json";
/// The artifact type of a cosign signature stored as an OCI 1.1 referrer (`cosign sign
/// --registry-referrers-mode=oci-1-1`): its config media type, simple-signing layers.
pub const SIGNATURE_ARTIFACT_TYPE: &str = "application/vnd.dev.cosign.artifact.sig.v1+json";
/// The OCI empty descriptor's media type; cosign (go-containerregistry) lists its sigstore
/// bundle referrers under it in the fallback index.
pub const OCI_EMPTY_MEDIA_TYPE: &str = "application/vnd.oci.empty.v1+json";
/// The layer annotation holding the base64 signature.
pub const SIGNATURE_ANNOTATION: &str = "dev.cosignproject.cosign/signature";
/// The `critical.type` of a cosign image signature payload.
pub const COSIGN_SIGNATURE_TYPE: &str = "cosign container image signature";
/// The in-toto predicate of a cosign v3 image signature.
pub const COSIGN_SIGN_PREDICATE: &str = "https://sigstore.dev/cosign/sign/v1";
/// Sigstore bundle media type (cosign v3).
pub const SIGSTORE_BUNDLE_MEDIA_TYPE: &str = "application/vnd.dev.sigstore.bundle.v0.3+json";
/// cosign's `.att` layer annotation naming the predicate type (not signed: a hint).
pub const PREDICATE_TYPE_ANNOTATION: &str = "predicateType";

/// Why a payload could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PayloadError {
    #[error("the annotation key `{0}` is reserved (Vouch writes it); choose another key")]
    ReservedAnnotation(String),
}

/// What a signed payload claims: the digests and repositories it binds to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    /// `sha256:<hex>` digests the payload binds to.
    pub digests: Vec<String>,
    /// The repository identities the payload names (raw text).
    pub identities: Vec<String>,
}

/// Builds the simple-signing payload for `repository` at `digest`.
///
/// `critical` holds exactly `identity.docker-reference` (the repository, without tag),
/// `image.docker-manifest-digest` and `type`; `optional` holds `annotations` plus `creator`
/// (a string) and `timestamp` (Unix seconds, an integer: containers/image refuses other types
/// for these two keys), which is what cosign and containers/image (skopeo, podman) both accept.
pub fn simple_signing_payload(
    repository: &str,
    digest: &str,
    annotations: &BTreeMap<String, String>,
    now: OffsetDateTime,
) -> Result<Vec<u8>, PayloadError> {
    let mut optional = serde_json::Map::new();
    for (k, v) in annotations {
        if k == "creator" || k == "timestamp" {
            return Err(PayloadError::ReservedAnnotation(k.clone()));
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
            "type": COSIGN_SIGNATURE_TYPE
        },
        "optional": Value::Object(optional)
    });
    // A JSON value's text (Display) cannot fail: no serialiser error to turn into empty bytes.
    Ok(doc.to_string().into_bytes())
}

/// Reads a simple-signing payload: what it binds to, or the sentence saying why it is not one.
pub fn parse_simple_signing(payload: &[u8]) -> Result<Claim, String> {
    #[derive(Deserialize)]
    struct Payload {
        critical: Critical,
    }
    #[derive(Deserialize)]
    struct Critical {
        identity: Identity,
        image: Image,
        #[serde(rename = "type")]
        kind: String,
    }
    #[derive(Deserialize)]
    struct Identity {
        #[serde(rename = "docker-reference")]
        docker_reference: String,
    }
    #[derive(Deserialize)]
    struct Image {
        #[serde(rename = "docker-manifest-digest")]
        docker_manifest_digest: String,
    }
    let p: Payload = serde_json::from_slice(payload)
        .map_err(|e| format!("the signed payload is not a cosign simple-signing document ({e})"))?;
    if !p.critical.kind.eq_ignore_ascii_case(COSIGN_SIGNATURE_TYPE) {
        return Err(format!(
            "the signed payload has type `{}`, not `{COSIGN_SIGNATURE_TYPE}`",
            clip(&p.critical.kind, 120)
        ));
    }
    Ok(Claim {
        digests: vec![p.critical.image.docker_manifest_digest],
        identities: vec![p.critical.identity.docker_reference],
    })
}

/// Reads cosign v3's image signature: an in-toto statement with predicate
/// [`COSIGN_SIGN_PREDICATE`] in a DSSE envelope. Any other statement is an attestation, not a
/// signature, and is refused with a sentence.
pub fn parse_sign_statement(payload_type: &str, payload: &[u8]) -> Result<Claim, String> {
    if payload_type != IN_TOTO_PAYLOAD_TYPE {
        return Err(format!(
            "the DSSE envelope carries `{}`, not an in-toto statement",
            clip(payload_type, 120)
        ));
    }
    let s = dsse::parse_statement(payload).map_err(|e| format!("in the DSSE envelope, {e}"))?;
    if s.predicate_type != COSIGN_SIGN_PREDICATE {
        return Err(format!(
            "the DSSE statement has predicate `{}`, not an image signature ({COSIGN_SIGN_PREDICATE})",
            clip(&s.predicate_type, 120)
        ));
    }
    Ok(Claim {
        digests: s
            .subjects
            .iter()
            .filter_map(|sub| sub.digest.get("sha256").map(|h| format!("sha256:{h}")))
            .collect(),
        identities: s.subjects.into_iter().map(|sub| sub.name).collect(),
    })
}

/// The `.sig` layer descriptor for a simple-signing payload signed with `signature_b64`
/// (size and digest are filled in when appended).
pub fn signature_layer(signature_b64: &str) -> Value {
    json!({
        "mediaType": SIMPLE_SIGNING_MEDIA_TYPE,
        "annotations": { SIGNATURE_ANNOTATION: signature_b64 }
    })
}

/// The `.att` layer descriptor for a DSSE attestation of `predicate_type`, exactly as
/// `cosign attest` writes it (an empty signature annotation: the signature is in the envelope).
pub fn attestation_layer(predicate_type: &str) -> Value {
    json!({
        "mediaType": DSSE_MEDIA_TYPE,
        "annotations": {
            SIGNATURE_ANNOTATION: "",
            PREDICATE_TYPE_ANNOTATION: predicate_type,
        }
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

impl AppendError {
    /// The caller's error: a registry failure as it is, a foreign manifest through `existing`.
    pub(crate) fn into_error<E: From<RegistryError>>(self, existing: fn(String, String) -> E) -> E {
        match self {
            AppendError::Registry(e) => e.into(),
            AppendError::Existing { tag, why } => existing(tag, why),
        }
    }
}

/// The image a signature or attestation is attached to: its reference, a client for its
/// registry, and the manifest digest the registry resolved it to.
pub(crate) struct Subject {
    pub(crate) image: ImageRef,
    pub(crate) registry: std::sync::Arc<Registry>,
    pub(crate) digest: Digest,
}

impl Subject {
    /// Parses `reference` and asks its registry for the manifest; `not_found` is the caller's
    /// error for an image the registry does not have.
    pub(crate) async fn resolve<E>(
        reference: &str,
        opts: RegistryOptions,
        not_found: fn(String) -> E,
    ) -> Result<Self, E>
    where
        E: From<ReferenceError> + From<RegistryError> + From<DigestError>,
    {
        let image = ImageRef::parse(reference)?;
        let registry = Registry::new(opts, [image.registry_host()])?;
        let manifest = registry
            .manifest(&image, image.manifest_selector(), true)
            .await?
            .ok_or_else(|| not_found(image.to_string()))?;
        let digest = Digest::parse(&manifest.digest)?;
        Ok(Subject {
            image,
            registry,
            digest,
        })
    }
}

/// The attachment manifest (what cosign writes: an empty image whose layers are the
/// attachments) holding `layers`, with `config_digest` / `config_len` naming its config.
fn attachment_manifest(
    layers: Vec<Value>,
    config_digest: &str,
    config_len: usize,
    annotations: Option<Value>,
) -> Value {
    let mut manifest = json!({
        "schemaVersion": 2,
        "mediaType": OCI_IMAGE_MEDIA_TYPE,
        "config": {"mediaType": IMAGE_CONFIG_MEDIA_TYPE, "size": config_len, "digest": config_digest},
        "layers": layers,
    });
    if let (Some(a), Some(obj)) = (annotations, manifest.as_object_mut()) {
        obj.insert("annotations".into(), a);
    }
    manifest
}

/// The config cosign writes for an attachment manifest with `layers`.
fn attachment_config(layers: &[Value], created: Option<&str>) -> Vec<u8> {
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
    // A JSON value's text (Display) cannot fail: no serialiser error to turn into empty bytes.
    config.to_string().into_bytes()
}

/// Pushes `blob` and appends it, described by `layer` (media type and annotations; size and
/// digest are filled in), to the cosign attachment manifest under `tag` (`sha256-<hex>.sig`
/// or `.att`), keeping every layer already there, then pushes the manifest with a config like
/// the one cosign writes. Returns the new manifest's digest and its layer count.
/// Read-modify-write of one tag: two writers at the same instant can lose one layer (the
/// registry offers no compare-and-swap); re-running restores it.
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

    let config = attachment_config(&layers, created);
    let config_len = config.len();
    let config_digest = sha256_digest(&config);
    registry.push_blob(r, config).await?;

    let count = layers.len();
    let manifest = attachment_manifest(layers, &config_digest, config_len, manifest_annotations);
    // A JSON value's text (Display) cannot fail: no serialiser error to turn into empty bytes.
    let bytes = manifest.to_string().into_bytes();
    let digest = registry
        .push_manifest(r, tag, bytes, OCI_IMAGE_MEDIA_TYPE)
        .await?;
    Ok((digest, count))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oci::Manifest;

    const DIGEST: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn simple_signing_payload_round_trips() {
        let mut a = BTreeMap::new();
        a.insert("env".to_string(), "prod".to_string());
        let p = simple_signing_payload(
            "127.0.0.1:5000/acme/app",
            DIGEST,
            &a,
            OffsetDateTime::UNIX_EPOCH,
        )
        .expect("payload");
        let claim = parse_simple_signing(&p).expect("parse");
        assert_eq!(claim.digests, vec![DIGEST.to_string()]);
        assert_eq!(
            claim.identities,
            vec!["127.0.0.1:5000/acme/app".to_string()]
        );
        // Exactly the critical fields peers require.
        let v: Value = serde_json::from_slice(&p).expect("json");
        assert_eq!(v["critical"].as_object().map(|c| c.len()), Some(3));
        assert_eq!(v["optional"]["env"], "prod");
        assert!(v["optional"]["timestamp"].is_i64());
        assert!(v["optional"]["creator"].is_string());
    }

    #[test]
    fn payloads_that_are_not_image_signatures_are_refused() {
        assert!(parse_simple_signing(b"{}").is_err());
        let other = br#"{"critical":{"identity":{"docker-reference":"r"},"image":{"docker-manifest-digest":"d"},"type":"something else"}}"#;
        let e = parse_simple_signing(other).expect_err("type");
        assert!(e.contains("something else"), "{e}");
        let mut a = BTreeMap::new();
        a.insert("timestamp".to_string(), "x".to_string());
        assert_eq!(
            simple_signing_payload("r", DIGEST, &a, OffsetDateTime::UNIX_EPOCH),
            Err(PayloadError::ReservedAnnotation("timestamp".into()))
        );
    }

    #[test]
    fn the_dsse_sign_statement_round_trips_and_attestations_are_not_signatures() {
        let hex = DIGEST.trim_start_matches("sha256:");
        let st = |pred: &str| {
            serde_json::to_vec(&json!({"_type": dsse::STATEMENT_V1, "predicateType": pred,
                "subject": [{"name": "reg/acme/app", "digest": {"sha256": hex}}], "predicate": {}}))
            .expect("json")
        };
        let c =
            parse_sign_statement(IN_TOTO_PAYLOAD_TYPE, &st(COSIGN_SIGN_PREDICATE)).expect("claim");
        assert_eq!(c.digests, vec![DIGEST.to_string()]);
        assert_eq!(c.identities, vec!["reg/acme/app".to_string()]);
        assert!(
            parse_sign_statement(IN_TOTO_PAYLOAD_TYPE, &st("https://slsa.dev/provenance/v1"))
                .is_err()
        );
        assert!(parse_sign_statement("text/plain", &st(COSIGN_SIGN_PREDICATE)).is_err());
    }

    #[test]
    fn attachment_manifests_are_what_cosign_writes() {
        let mut layer = signature_layer("c2ln");
        if let Some(o) = layer.as_object_mut() {
            o.insert("digest".into(), json!(DIGEST));
            o.insert("size".into(), json!(3));
        }
        let layers = vec![layer, attestation_layer("https://slsa.dev/provenance/v1")];
        let config = attachment_config(&layers, Some("2026-01-01T00:00:00Z"));
        let cfg: Value = serde_json::from_slice(&config).expect("config");
        assert_eq!(cfg["rootfs"]["diff_ids"], json!([DIGEST]));
        assert_eq!(cfg["created"], "2026-01-01T00:00:00Z");
        let m = attachment_manifest(layers, &sha256_digest(&config), config.len(), None);
        let parsed = Manifest::parse(&serde_json::to_vec(&m).expect("json")).expect("manifest");
        assert!(!parsed.is_index());
        assert_eq!(parsed.layers[0].media_type, SIMPLE_SIGNING_MEDIA_TYPE);
        assert_eq!(parsed.layers[0].annotations[SIGNATURE_ANNOTATION], "c2ln");
        assert_eq!(parsed.layers[1].media_type, DSSE_MEDIA_TYPE);
        assert_eq!(
            parsed.layers[1].annotations[PREDICATE_TYPE_ANNOTATION],
            "https://slsa.dev/provenance/v1"
        );
        assert_eq!(
            parsed.config.map(|c| c.digest),
            Some(sha256_digest(&config))
        );
    }
}
