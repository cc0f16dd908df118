//! Gathering provenance from a registry: the verdict (through [`crate::verify`]), the image's
//! metadata, its cosign `.att` attestations, DSSE attestations pushed as OCI referrers
//! (sigstore bundles) and BuildKit attestation manifests inside an index. Everything is fetched
//! by the digest the verdict resolved, through [`Registry`] (which bounds and hashes it).

use futures::StreamExt;
use serde::Serialize;
use serde_json::Value;
use time::OffsetDateTime;

use super::metadata::{image_facts, ImageFacts};
use super::{
    assess_all, clip, Attestation, Envelope, EnvelopeSignature, Evidence, Fetched, ImageCover,
    ImageMetadata, Origin, ProvenanceGraph, BUILDKIT_PREDICATE_ANNOTATION, DSSE_MEDIA_TYPE,
    IN_TOTO_PAYLOAD_TYPE, MAX_ATTESTATIONS, MAX_ATTESTATION_BYTES, PREDICATE_TYPE_ANNOTATION,
};
use crate::reference::ImageRef;
use crate::registry::{Registry, RegistryError, MAX_MANIFEST_BYTES};
use crate::trust::TrustSet;
use crate::verify::fetch::{is_sha256_digest, referrers, Manifest};
use crate::verify::{
    verify_one, Found, Source, Status, Verdict, VerifyOptions, COSIGN_SIGN_PREDICATE,
};

/// Most platform manifests whose config is read for metadata.
const MAX_PLATFORM_DETAILS: usize = 16;
/// Most BuildKit attestation manifests read per index.
const MAX_BUILDKIT_MANIFESTS: usize = 16;

/// Everything `vouch inspect` shows.
#[derive(Debug, Clone, Serialize)]
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
    let verdict = verify_one(registry, &r, reference, trust, now, opts.image_timeout).await;
    let mut notes = Vec::new();
    let mut metadata = None;
    let mut attestations = Vec::new();
    if let Some(digest) = verdict.digest.clone().filter(|d| is_sha256_digest(d)) {
        let cover = (verdict.status == Status::Verified)
            .then(|| {
                verdict.signatures.iter().find(|s| s.valid).and_then(|s| {
                    Some(ImageCover {
                        fingerprint: s.fingerprint.clone()?,
                        publisher: s.publisher.clone().unwrap_or_default(),
                    })
                })
            })
            .flatten();
        let pinned = r.with_digest(&digest);
        match tokio::time::timeout(
            opts.image_timeout,
            gather(registry, &pinned, &digest, &mut notes),
        )
        .await
        {
            Err(_) => notes.push(format!(
                "gave up reading provenance after {} s: the registry is too slow",
                opts.image_timeout.as_secs()
            )),
            Ok(Err(e)) => notes.push(format!("could not read provenance: {e}")),
            Ok(Ok((m, fetched, platform_digests))) => {
                attestations = assess_all(
                    &fetched,
                    trust,
                    &r.repository(),
                    &digest,
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

type Gathered = (ImageMetadata, Vec<Fetched>, Vec<String>);

async fn gather(
    registry: &Registry,
    r: &ImageRef,
    digest: &str,
    notes: &mut Vec<String>,
) -> Result<Gathered, RegistryError> {
    let Some(m) = registry.manifest(r, digest, false).await? else {
        return Err(RegistryError::NotFound {
            host: r.registry_host().into(),
            what: format!("the manifest {}@{digest}", r.repository()),
        });
    };
    let value: Value = serde_json::from_slice(&m.bytes).unwrap_or(Value::Null);
    let parsed: Manifest = serde_json::from_slice(&m.bytes).unwrap_or_default();
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
        let mut md = ImageMetadata::for_image(m.media_type.clone(), digest, facts);
        md.problems.extend(problem);
        md
    };

    fetched.extend(cosign_att(registry, r, digest, notes).await?);
    fetched.extend(referrer_attestations(registry, r, digest, notes).await?);
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

fn att_tag(digest: &str) -> String {
    format!("{}.att", digest.replacen(':', "-", 1))
}

/// Reads one layer blob as an attestation, or says why it could not be.
async fn layer_evidence(
    registry: &Registry,
    r: &ImageRef,
    digest: &str,
    size: i64,
    signed: bool,
) -> Result<Evidence, RegistryError> {
    if !is_sha256_digest(digest) {
        return Ok(Evidence::Broken(format!(
            "the attestation layer has a malformed digest `{}`",
            clip(digest, 80)
        )));
    }
    if size > MAX_ATTESTATION_BYTES as i64 {
        return Ok(Evidence::Broken(format!(
            "the attestation is {size} bytes, more than the {MAX_ATTESTATION_BYTES}-byte limit; not read"
        )));
    }
    match registry.blob(r, digest, MAX_ATTESTATION_BYTES).await {
        Ok(b) if signed => Ok(Evidence::EnvelopeBytes(b)),
        Ok(b) => Ok(Evidence::UnsignedStatement(b)),
        Err(e) if e.is_integrity() => Ok(Evidence::Broken(e.to_string())),
        Err(RegistryError::TooLarge { .. }) => Ok(Evidence::Broken(format!(
            "the attestation exceeds the {MAX_ATTESTATION_BYTES}-byte limit; not read"
        ))),
        Err(RegistryError::NotFound { .. }) => Ok(Evidence::Broken(
            "the attestation layer blob is missing from the registry".into(),
        )),
        Err(e) => Err(e),
    }
}

/// The cosign `sha256-<hex>.att` manifest: one DSSE envelope per layer.
async fn cosign_att(
    registry: &Registry,
    r: &ImageRef,
    digest: &str,
    notes: &mut Vec<String>,
) -> Result<Vec<Fetched>, RegistryError> {
    let tag = att_tag(digest);
    let origin = Origin::CosignTag { tag: tag.clone() };
    let Some(m) = registry.manifest(r, &tag, false).await? else {
        notes.push("cosign attestations (.att tag): none".into());
        return Ok(Vec::new());
    };
    let parsed: Manifest = match serde_json::from_slice(&m.bytes) {
        Ok(p) => p,
        Err(e) => {
            notes.push("cosign attestations (.att tag): malformed manifest".into());
            return Ok(vec![Fetched {
                origin,
                annotated_predicate_type: None,
                evidence: Evidence::Broken(format!(
                    "the cosign attestation manifest is not valid JSON ({})",
                    clip(&e.to_string(), 120)
                )),
            }]);
        }
    };
    notes.push(format!(
        "cosign attestations (.att tag): {} layer{}",
        parsed.layers.len(),
        if parsed.layers.len() == 1 { "" } else { "s" }
    ));
    let mut out = Vec::new();
    for (i, layer) in parsed.layers.iter().enumerate() {
        let annotated = layer
            .annotations
            .get(PREDICATE_TYPE_ANNOTATION)
            .map(|p| clip(p, 300));
        if i >= MAX_ATTESTATIONS {
            out.push(Fetched {
                origin: origin.clone(),
                annotated_predicate_type: None,
                evidence: Evidence::Broken(format!(
                    "{} more attestation layers past the first {MAX_ATTESTATIONS} were not read",
                    parsed.layers.len() - MAX_ATTESTATIONS
                )),
            });
            break;
        }
        let evidence = if layer.media_type != DSSE_MEDIA_TYPE {
            Evidence::Broken(format!(
                "the layer has media type `{}`, not a DSSE envelope",
                clip(&layer.media_type, 120)
            ))
        } else {
            layer_evidence(registry, r, &layer.digest, layer.size, true).await?
        };
        out.push(Fetched {
            origin: origin.clone(),
            annotated_predicate_type: annotated,
            evidence,
        });
    }
    Ok(out)
}

/// DSSE attestations among the OCI referrers (sigstore bundles, cosign v3). Image signatures
/// (predicate `https://sigstore.dev/cosign/sign/v1`) are left to `verify`.
async fn referrer_attestations(
    registry: &Registry,
    r: &ImageRef,
    digest: &str,
    notes: &mut Vec<String>,
) -> Result<Vec<Fetched>, RegistryError> {
    let mut sources = Vec::new();
    let found = referrers(registry, r, digest, &mut sources).await?;
    notes.extend(sources);
    let mut out: Vec<Fetched> = Vec::new();
    for f in found {
        let Found::Dsse {
            source: Source::Referrer(rd),
            payload_type,
            payload,
            signature_b64,
        } = f
        else {
            continue;
        };
        if payload_type == IN_TOTO_PAYLOAD_TYPE {
            let pt = serde_json::from_slice::<Value>(&payload)
                .ok()
                .and_then(|v| {
                    v.get("predicateType")
                        .and_then(Value::as_str)
                        .map(str::to_string)
                });
            if pt.as_deref() == Some(COSIGN_SIGN_PREDICATE) {
                continue;
            }
        }
        let sig = EnvelopeSignature {
            keyid: String::new(),
            sig: signature_b64,
        };
        // Signatures of one envelope arrive one per entry: regroup them.
        match out
            .iter_mut()
            .find(|x| matches!(&x.origin, Origin::Referrer { digest } if *digest == rd))
        {
            Some(Fetched {
                evidence: Evidence::Envelope(e),
                ..
            }) => e.signatures.push(sig),
            _ => out.push(Fetched {
                origin: Origin::Referrer { digest: rd },
                annotated_predicate_type: None,
                evidence: Evidence::Envelope(Envelope {
                    payload_type,
                    payload,
                    signatures: vec![sig],
                }),
            }),
        }
    }
    Ok(out)
}

/// The in-toto layers of one BuildKit attestation manifest (unsigned statements).
async fn buildkit(
    registry: &Registry,
    r: &ImageRef,
    entry: &crate::verify::fetch::Descriptor,
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
    let Ok(parsed) = serde_json::from_slice::<Manifest>(&m.bytes) else {
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
        let evidence = layer_evidence(registry, r, &layer.digest, layer.size, signed).await?;
        out.push(Fetched {
            origin: origin.clone(),
            annotated_predicate_type: annotated.map(|p| clip(&p, 300)),
            evidence,
        });
    }
    Ok(out)
}
