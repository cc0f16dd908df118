//! Benchmark seeder: pushes N small distinct images and a cosign-compatible signature for each,
//! concurrently, through one shared vouch-core registry client (not one process per image).
//!
//! Every image shares one layer blob and has its own config (so its own digest). Each signature
//! is built exactly as `vouch_core::sign` builds it: the simple-signing payload from
//! [`vouch_core::sign::payload`], signed with the private key taken from the keychain of the
//! active profile (`VOUCH_PROFILE`), appended as a layer of the `sha256-<hex>.sig` manifest.
//!
//! Usage (inside `tests/harness/with-env.sh`, see `bench/run.sh`):
//!   cargo run --release -p vouch-core --example seed -- \
//!       REGISTRY REPOSITORY COUNT KEY_FINGERPRINT LIST_FILE [CONCURRENCY]
//! Writes one reference per line (`REGISTRY/REPOSITORY:iNNNNN`) to LIST_FILE. A fingerprint of
//! `-` pushes the images unsigned (for the peers' negative check).

use std::collections::BTreeMap;
use std::io::Write as _;
use std::sync::Arc;
use std::time::Instant;

use base64::Engine as _;
use futures::StreamExt as _;
use serde_json::json;
use vouch_core::keys::PrivateKey;
use vouch_core::reference::ImageRef;
use vouch_core::registry::{sha256_digest, Registry, RegistryOptions};
use vouch_core::sign::payload;
use vouch_core::trust::TrustStore;
use vouch_core::verify::{SIGNATURE_ANNOTATION, SIMPLE_SIGNING_MEDIA_TYPE};

const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";

type Error = Box<dyn std::error::Error + Send + Sync>;

fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 5 {
        return Err(
            "usage: seed REGISTRY REPOSITORY COUNT KEY_FINGERPRINT LIST_FILE [CONCURRENCY]".into(),
        );
    }
    let (registry, repository) = (args[0].clone(), args[1].clone());
    let count: usize = args[2].parse()?;
    let fingerprint = &args[3];
    let list = &args[4];
    let concurrency: usize = args.get(5).map(|c| c.parse()).transpose()?.unwrap_or(16);

    // Blocking keychain read, before any async runtime exists.
    let key = match fingerprint.as_str() {
        "-" => None,
        fp => Some(Arc::new(TrustStore::open_keychain()?.private_key(fp)?)),
    };

    let key_given = key.is_some();
    let started = Instant::now();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let refs = runtime.block_on(seed(&registry, &repository, count, key, concurrency))?;
    let mut out = std::fs::File::create(list)?;
    for r in &refs {
        writeln!(out, "{r}")?;
    }
    eprintln!(
        "seed: {count} {} images in {registry}/{repository} in {:.1} s",
        if key_given { "signed" } else { "unsigned" },
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

async fn seed(
    registry: &str,
    repository: &str,
    count: usize,
    key: Option<Arc<PrivateKey>>,
    concurrency: usize,
) -> Result<Vec<String>, Error> {
    let base = ImageRef::parse(&format!("{registry}/{repository}:seed"))?;
    let client = Registry::new(RegistryOptions::default(), [base.registry_host()])?;
    // The shared layer, pushed once.
    let layer = b"vouch benchmark layer: shared by every seeded image\n".to_vec();
    let layer_len = layer.len();
    let layer_digest = client.push_blob(&base, layer).await?;

    let results: Vec<Result<String, Error>> = futures::stream::iter(0..count)
        .map(|i| {
            let client = Arc::clone(&client);
            let key = key.clone();
            let base = base.clone();
            let layer_digest = layer_digest.clone();
            async move {
                let tag = format!("i{i:05}");
                let config = serde_json::to_vec(&json!({
                    "architecture": "amd64", "os": "linux",
                    "config": {"Labels": {"vouch.bench.image": tag}},
                    "rootfs": {"type": "layers", "diff_ids": [layer_digest]}
                }))?;
                let config_len = config.len();
                let config_digest = client.push_blob(&base, config).await?;
                let manifest = serde_json::to_vec(&json!({
                    "schemaVersion": 2,
                    "mediaType": OCI_MANIFEST,
                    "config": {"mediaType": OCI_CONFIG, "digest": config_digest, "size": config_len},
                    "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar",
                                "digest": layer_digest, "size": layer_len}]
                }))?;
                let digest = client
                    .push_manifest(&base, &tag, manifest, OCI_MANIFEST)
                    .await?;
                if let Some(key) = &key {
                    sign(&client, &base, &digest, key).await?;
                }
                Ok(format!("{registry}/{repository}:{tag}"))
            }
        })
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await;
    let mut refs = results.into_iter().collect::<Result<Vec<_>, _>>()?;
    refs.sort();
    Ok(refs)
}

/// The signature `vouch_core::sign::sign` writes for an image with no signature yet, pushed
/// through the shared client.
async fn sign(
    client: &Registry,
    r: &ImageRef,
    digest: &str,
    key: &PrivateKey,
) -> Result<(), Error> {
    let body = payload(
        &r.repository(),
        digest,
        &BTreeMap::new(),
        time::OffsetDateTime::now_utc(),
    )?;
    let signature = base64::engine::general_purpose::STANDARD.encode(key.sign(&body));
    let body_len = body.len();
    let payload_digest = client.push_blob(r, body).await?;
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
            "size": body_len,
            "digest": payload_digest,
            "annotations": { SIGNATURE_ANNOTATION: signature }
        }],
    }))?;
    let tag = vouch_core::oci::Digest::parse(digest)?.signature_tag();
    client
        .push_manifest(r, &tag, manifest, OCI_MANIFEST)
        .await?;
    Ok(())
}
