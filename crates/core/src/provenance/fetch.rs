//! Gathering provenance from a registry: the verdict and the material it was judged on
//! (through [`crate::verify::verify_and_gather`]: the manifest, its signatures and whatever
//! referrers verification read are reused, never fetched again), the image's metadata, its
//! cosign `.att` attestations, DSSE attestations pushed as OCI referrers (sigstore bundles,
//! through [`crate::discovery`]) and BuildKit attestation manifests inside an index. Everything
//! is fetched by the digest the verdict resolved, through [`Registry`] (which bounds and hashes
//! it).

use futures::StreamExt;
use serde::Serialize;
use serde_json::Value;
use time::OffsetDateTime;

use super::metadata::{image_facts, ImageFacts};
use super::{
    assess_all_with, clip, Attestation, Evidence, Fetched, ImageCover, ImageMetadata, Origin,
    ProvenanceGraph, BUILDKIT_PREDICATE_ANNOTATION, DSSE_MEDIA_TYPE, IN_TOTO_PAYLOAD_TYPE,
    MAX_ATTESTATIONS,
};
use crate::discovery::{self, Discovered, FoundAttestation, Source};
use crate::oci::{is_sha256_digest, Descriptor, Digest, Manifest};
use crate::reference::ImageRef;
use crate::registry::{Registry, RegistryError, MAX_MANIFEST_BYTES};
use crate::trust::TrustSet;
use crate::verify::{verify_and_gather, Gathered, Status, Verdict, VerifyOptions};

/// Most platform manifests whose config is read for metadata.
const MAX_PLATFORM_DETAILS: usize = 16;
/// Most BuildKit attestation manifests read per index.
const MAX_BUILDKIT_MANIFESTS: usize = 16;

/// Everything `vouch inspect` shows.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Inspection {
    pub verdict: Verdict,
    pub metadata: Option<ImageMetadata>,
    pub attestations: Vec<Attestation>,
    pub graph: ProvenanceGraph,
    /// What was consulted, and what could not be read (the rest is still shown).
    pub notes: Vec<String>,
}

/// Verifies and inspects one image with a shared client.
pub async fn inspect(
    registry: &Registry,
    reference: &str,
    trust: &TrustSet,
    opts: &VerifyOptions,
    now: OffsetDateTime,
) -> Inspection {
    let r = match ImageRef::parse(reference) {
        Ok(r) => r,
        Err(e) => {
            let verdict = Verdict::error(
                reference,
                None,
                None,
                None,
                crate::verify::Problem::bad_reference(reference, &e),
            );
            let graph = ProvenanceGraph::build(&verdict, None, &[]);
            return Inspection {
                verdict,
                metadata: None,
                attestations: Vec::new(),
                graph,
                notes: Vec::new(),
            };
        }
    };
    let keyless = crate::verify::keyless::Keyless::load(trust, opts.trust_roots.as_ref());
    let (verdict, gathered) = verify_and_gather(
        registry,
        &r,
        reference,
        (trust, &keyless),
        now,
        opts.image_timeout,
    )
    .await;
    let mut notes = Vec::new();
    let mut metadata = None;
    let mut attestations = Vec::new();
    if let Some(g) = gathered {
        let material = &g.material;
        // The key that verified the image: the verdict's first counted signature (judged on
        // this material; no second pass over the signatures).
        let cover = (verdict.status == Status::Verified)
            .then(|| verdict.signatures.iter().find(|s| s.valid))
            .flatten()
            .and_then(|s| {
                Some(ImageCover {
                    fingerprint: s.fingerprint.clone()?,
                    publisher: s.publisher.clone()?,
                })
            });
        let pinned = r.with_digest(&material.digest);
        match tokio::time::timeout(
            opts.image_timeout,
            gather(registry, &pinned, &g, &mut notes),
        )
        .await
        {
            Err(_) => notes.push(format!(
                "gave up reading provenance after {} s: the registry is too slow",
                opts.image_timeout.as_secs()
            )),
            Ok(Err(e)) => notes.push(format!("could not read provenance: {e}")),
            Ok(Ok((m, fetched, platform_digests))) => {
                // Keyless attestation bundles verify against the roots the verification read
                // for the trust set's identities (read once for both).
                attestations = assess_all_with(
                    &fetched,
                    (trust, keyless.roots()),
                    &material.repository,
                    &material.digest,
                    &platform_digests,
                    cover.as_ref(),
                    now,
                );
                metadata = Some(m);
            }
        }
    }
    let graph = ProvenanceGraph::build(&verdict, metadata.as_ref(), &attestations);
    Inspection {
        verdict,
        metadata,
        attestations,
        graph,
        notes,
    }
}

type Provenance = (ImageMetadata, Vec<Fetched>, Vec<String>);

/// Everything beyond the verification: metadata and attestations, starting from what the
/// verification already fetched (`g`).
async fn gather(
    registry: &Registry,
    r: &ImageRef,
    g: &Gathered,
    notes: &mut Vec<String>,
) -> Result<Provenance, RegistryError> {
    let m = &g.manifest;
    let parsed = &g.parsed;
    let digest = Digest::parse(&g.material.digest).map_err(|e| RegistryError::Protocol {
        host: r.registry_host().into(),
        what: format!("the manifest {}", r),
        detail: e.to_string(),
    })?;
    let value: Value = serde_json::from_slice(&m.bytes).unwrap_or(Value::Null);
    let mut fetched = Vec::new();
    let mut platform_digests = Vec::new();

    let metadata = if parsed.is_index() {
        let platforms: Vec<_> = parsed
            .manifests
            .iter()
            .filter(|d| !d.is_attestation() && is_sha256_digest(&d.digest))
            .collect();
        platform_digests = platforms.iter().map(|d| d.digest.clone()).collect();
        let details =
            futures::stream::iter(platforms.iter().enumerate().map(|(i, d)| async move {
                let facts = if i < MAX_PLATFORM_DETAILS {
                    image_facts_at(registry, r, &d.digest).await.ok().flatten()
                } else {
                    None
                };
                (d.platform_label(), d.digest.clone(), facts)
            }))
            .buffered(4)
            .collect::<Vec<_>>()
            .await;
        let att_entries: Vec<_> = parsed
            .manifests
            .iter()
            .filter(|d| d.is_attestation())
            .collect();
        let mut md =
            ImageMetadata::for_index(m.media_type.clone(), &value, details, att_entries.len());
        if platforms.len() > MAX_PLATFORM_DETAILS {
            md.problems.push(format!(
                "{} platforms; details read for the first {MAX_PLATFORM_DETAILS}",
                platforms.len()
            ));
        }
        for entry in att_entries.iter().take(MAX_BUILDKIT_MANIFESTS) {
            fetched.extend(buildkit(registry, r, entry).await?);
        }
        if !att_entries.is_empty() {
            notes.push(format!(
                "BuildKit attestation manifests in the index: {}",
                att_entries.len()
            ));
        }
        md
    } else {
        let facts = config_facts(registry, r, &value).await;
        let (facts, problem) = match facts {
            Ok(f) => (f, None),
            Err(e) => (image_facts(&value, None), Some(e)),
        };
        let mut md = ImageMetadata::for_image(m.media_type.clone(), digest.as_str(), facts);
        md.problems.extend(problem);
        md
    };

    fetched.extend(discovered_attestations(registry, r, &digest, g, notes).await?);
    Ok((metadata, fetched, platform_digests))
}

/// The facts of the image manifest `digest` and its config.
async fn image_facts_at(
    registry: &Registry,
    r: &ImageRef,
    digest: &str,
) -> Result<Option<ImageFacts>, RegistryError> {
    let Some(m) = registry.manifest(r, digest, false).await? else {
        return Ok(None);
    };
    let value: Value = serde_json::from_slice(&m.bytes).unwrap_or(Value::Null);
    Ok(config_facts(registry, r, &value).await.ok())
}

/// Reads the config blob a manifest names (bounded, hashed) and the facts both give.
async fn config_facts(
    registry: &Registry,
    r: &ImageRef,
    manifest: &Value,
) -> Result<ImageFacts, String> {
    let Some(cd) = manifest
        .pointer("/config/digest")
        .and_then(Value::as_str)
        .filter(|d| is_sha256_digest(d))
    else {
        return Err("the manifest names no config blob".into());
    };
    let bytes = registry
        .blob(r, cd, MAX_MANIFEST_BYTES)
        .await
        .map_err(|e| format!("the config blob could not be read: {e}"))?;
    let config: Value = serde_json::from_slice(&bytes).map_err(|e| {
        format!(
            "the config blob is not JSON ({})",
            clip(&e.to_string(), 120)
        )
    })?;
    Ok(image_facts(manifest, Some(&config)))
}

/// The attestations discovered for `digest`: its cosign `.att` tag, and the DSSE bundles
/// among its referrers — those verification already read, or, when it did not need the
/// referrers, read now.
async fn discovered_attestations(
    registry: &Registry,
    r: &ImageRef,
    digest: &Digest,
    g: &Gathered,
    notes: &mut Vec<String>,
) -> Result<Vec<Fetched>, RegistryError> {
    let mut d = Discovered::default();
    discovery::cosign_attestations(registry, r, digest, &mut d).await?;
    if g.referrers_consulted {
        d.attestations.extend(g.attestations.iter().cloned());
    } else {
        discovery::referrers(registry, r, digest, &mut d).await?;
    }
    notes.extend(d.sources);
    Ok(d.attestations.into_iter().map(fetched).collect())
}

fn fetched(a: FoundAttestation) -> Fetched {
    let origin = match a.source {
        Source::AttestationTag(tag) => Origin::CosignTag { tag },
        Source::Referrer(digest) => Origin::Referrer { digest },
        // Signatures come from the `.sig` tag, never attestations; say so rather than guess.
        Source::CosignTag => Origin::CosignTag {
            tag: "unknown".into(),
        },
    };
    Fetched {
        origin,
        annotated_predicate_type: a.annotated_predicate_type,
        evidence: a.evidence,
    }
}

/// The in-toto layers of one BuildKit attestation manifest (unsigned statements).
async fn buildkit(
    registry: &Registry,
    r: &ImageRef,
    entry: &Descriptor,
) -> Result<Vec<Fetched>, RegistryError> {
    let for_digest = entry
        .annotations
        .get("vnd.docker.reference.digest")
        .map(|d| clip(d, 80));
    let origin = Origin::Buildkit {
        manifest: clip(&entry.digest, 80),
        for_digest,
    };
    let broken = |why: String| {
        vec![Fetched {
            origin: origin.clone(),
            annotated_predicate_type: None,
            evidence: Evidence::Broken(why),
        }]
    };
    if !is_sha256_digest(&entry.digest) {
        return Ok(broken(
            "the attestation manifest has a malformed digest".into(),
        ));
    }
    let m = match registry.manifest(r, &entry.digest, false).await {
        Ok(Some(m)) => m,
        Ok(None) => {
            return Ok(broken(
                "the attestation manifest is missing from the registry".into(),
            ))
        }
        Err(e) if e.is_integrity() => return Ok(broken(e.to_string())),
        Err(e) => return Err(e),
    };
    let Ok(parsed) = Manifest::parse(&m.bytes) else {
        return Ok(broken("the attestation manifest is not valid JSON".into()));
    };
    let mut out = Vec::new();
    for layer in parsed.layers.iter().take(MAX_ATTESTATIONS) {
        let annotated = layer
            .annotations
            .get(BUILDKIT_PREDICATE_ANNOTATION)
            .cloned();
        let signed = layer.media_type == DSSE_MEDIA_TYPE;
        if annotated.is_none() && !signed && layer.media_type != IN_TOTO_PAYLOAD_TYPE {
            continue;
        }
        let evidence = discovery::layer_evidence(registry, r, layer, signed).await?;
        out.push(Fetched {
            origin: origin.clone(),
            annotated_predicate_type: annotated.map(|p| clip(&p, 300)),
            evidence,
        });
    }
    Ok(out)
}
