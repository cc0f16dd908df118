//! What the benchmark seeders share (`seed`, `mint-keyless`): N small distinct images pushed
//! concurrently through one vouch-core registry client, each given a cosign `.sig` signature
//! manifest whose one layer the caller computes (simple-signing payload and annotations).
//!
//! Every image has its own config (so its own digest) and the one layer all share.

use std::collections::BTreeMap;

use futures::StreamExt as _;
use serde_json::json;
use vouch_core::reference::ImageRef;
use vouch_core::registry::{sha256_digest, Registry, RegistryOptions};
use vouch_core::verify::SIMPLE_SIGNING_MEDIA_TYPE;

const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";

pub(crate) type Error = Box<dyn std::error::Error + Send + Sync>;

/// One `.sig` layer: the simple-signing payload and the layer's annotations.
pub(crate) type SigLayer = (Vec<u8>, BTreeMap<String, String>);

/// Pushes one image per tag in `tags` to `registry/repository`, concurrently (`concurrency` at
/// a time), and the signature layer `sign(image, digest)` returns for it (none: unsigned).
/// Returns the references, sorted.
pub(crate) async fn seed<F>(
    registry: &str,
    repository: &str,
    tags: Vec<String>,
    concurrency: usize,
    sign: F,
) -> Result<Vec<String>, Error>
where
    F: Fn(&ImageRef, &str) -> Result<Option<SigLayer>, Error>,
{
    let base = ImageRef::parse(&format!("{registry}/{repository}:seed"))?;
    let client = Registry::new(RegistryOptions::default(), [base.registry_host()])?;
    // The shared layer, pushed once.
    let layer = b"vouch benchmark layer: shared by every seeded image\n".to_vec();
    let layer_len = layer.len();
    let layer_digest = client.push_blob(&base, layer).await?;
    let (client, base, layer_digest, sign) = (&client, &base, &layer_digest, &sign);

    let results: Vec<Result<String, Error>> = futures::stream::iter(tags)
        .map(|tag| async move {
            let config = serde_json::to_vec(&json!({
                "architecture": "amd64", "os": "linux",
                "config": {"Labels": {"vouch.bench.image": tag}},
                "rootfs": {"type": "layers", "diff_ids": [layer_digest]}
            }))?;
            let config_len = config.len();
            let config_digest = client.push_blob(base, config).await?;
            let manifest = serde_json::to_vec(&json!({
                "schemaVersion": 2,
                "mediaType": OCI_MANIFEST,
                "config": {"mediaType": OCI_CONFIG, "digest": config_digest, "size": config_len},
                "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar",
                            "digest": layer_digest, "size": layer_len}]
            }))?;
            let digest = client
                .push_manifest(base, &tag, manifest, OCI_MANIFEST)
                .await?;
            if let Some(layer) = sign(base, &digest)? {
                push_sig(client, base, &digest, layer).await?;
            }
            Ok(format!("{registry}/{repository}:{tag}"))
        })
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await;
    let mut refs = results.into_iter().collect::<Result<Vec<_>, _>>()?;
    refs.sort();
    Ok(refs)
}

/// Pushes `layer` as the cosign signature manifest (`sha256-<hex>.sig`) of `digest`, as
/// `vouch_core::sign::sign` writes it for an image with no signature yet.
async fn push_sig(
    client: &Registry,
    r: &ImageRef,
    digest: &str,
    (payload, annotations): SigLayer,
) -> Result<(), Error> {
    let payload_len = payload.len();
    let payload_digest = client.push_blob(r, payload).await?;
    let config = serde_json::to_vec(&json!({
        "architecture": "", "os": "", "config": {},
        "rootfs": {"type": "layers", "diff_ids": [payload_digest]}
    }))?;
    let config_len = config.len();
    let config_digest = sha256_digest(&config);
    client.push_blob(r, config).await?;
    let manifest = serde_json::to_vec(&json!({
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {"mediaType": OCI_CONFIG, "size": config_len, "digest": config_digest},
        "layers": [{
            "mediaType": SIMPLE_SIGNING_MEDIA_TYPE,
            "size": payload_len,
            "digest": payload_digest,
            "annotations": annotations
        }],
    }))?;
    let tag = vouch_core::oci::Digest::parse(digest)?.signature_tag();
    client
        .push_manifest(r, &tag, manifest, OCI_MANIFEST)
        .await?;
    Ok(())
}

/// A multi-threaded runtime of two workers, as the seeders use.
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, Error> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?)
}
