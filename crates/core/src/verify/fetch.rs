//! Fetch orchestration: reference → [`Material`] → [`Verdict`], and the batch API.
//!
//! Requests per image, in order: the manifest (by tag or digest; Vouch hashes the bytes), the
//! cosign `sha256-<hex>.sig` manifest, one blob per signature layer. Only when those signatures
//! do not already meet the policy are the OCI referrers (API, else the fallback tag) consulted
//! as well — extra material can only add accepted keys, never remove them, so skipping it for
//! an image that already passes cannot change a `verified` answer. A warm verification of a
//! signed image is therefore three requests.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use futures::future::{BoxFuture, Shared};
use futures::{FutureExt as _, StreamExt};
use serde::Deserialize;
use time::OffsetDateTime;

use super::Problem;
use super::{
    evaluate, Found, Material, PlatformMaterial, Source, Status, Verdict, NOTARY_ARTIFACT_TYPE,
    SIGNATURE_ANNOTATION, SIGSTORE_BUNDLE_MEDIA_TYPE, SIMPLE_SIGNING_MEDIA_TYPE,
};
use crate::reference::ImageRef;
use crate::registry::{
    ReferrersAnswer, Registry, RegistryError, RegistryOptions, MAX_PAYLOAD_BYTES,
};
use crate::trust::{PolicyMode, TrustSet};

/// Most signature layers or referrers read per image (more are ignored, and said so).
const MAX_SIGNATURES: usize = 32;
/// Most platform manifests reported per index.
const MAX_PLATFORMS: usize = 64;

/// How a batch runs.
#[derive(Debug, Clone)]
pub struct VerifyOptions {
    pub registry: RegistryOptions,
    /// Images checked at once.
    pub concurrency: usize,
    /// Limit for everything about one image.
    pub image_timeout: Duration,
}

impl Default for VerifyOptions {
    fn default() -> Self {
        VerifyOptions {
            registry: RegistryOptions::default(),
            // Performance (make bench): 8 → 16. Each image is three dependent requests, so
            // throughput is images in flight ÷ per-image latency; on the local benchmark registry
            // 16 gave ~15 % more images/s than 8 (32 and 64 little more); against a remote
            // registry, where latency rather than CPU bounds a batch, images/s grow with the
            // number in flight. 16 connections to one host stays within what docker and
            // containerd open when pulling.
            concurrency: 16,
            image_timeout: Duration::from_secs(60),
        }
    }
}

/// A trust set that may still be loading (from the keychain, on another thread) while the
/// registry is already being asked: nothing is evaluated until it has arrived.
#[derive(Clone)]
pub struct PendingTrust(Shared<BoxFuture<'static, Result<Arc<TrustSet>, String>>>);

impl PendingTrust {
    /// A trust set already in hand.
    pub fn ready(trust: Arc<TrustSet>) -> PendingTrust {
        PendingTrust(futures::future::ready(Ok(trust)).boxed().shared())
    }

    /// A trust set that `load` will produce, or the sentence saying why it could not.
    pub fn from_future(
        load: impl std::future::Future<Output = Result<Arc<TrustSet>, String>> + Send + 'static,
    ) -> PendingTrust {
        PendingTrust(load.boxed().shared())
    }

    /// Waits for the trust set.
    pub async fn get(&self) -> Result<Arc<TrustSet>, String> {
        self.0.clone().await
    }
}

impl std::fmt::Debug for PendingTrust {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PendingTrust")
    }
}

/// Where a verification gets its trust set: borrowed, or still loading.
#[derive(Clone, Copy)]
enum TrustWait<'a> {
    Ready(&'a TrustSet),
    Pending(&'a PendingTrust),
}

/// A trust set in hand, however it arrived.
enum TrustHandle<'a> {
    Borrowed(&'a TrustSet),
    Owned(Arc<TrustSet>),
}

impl std::ops::Deref for TrustHandle<'_> {
    type Target = TrustSet;
    fn deref(&self) -> &TrustSet {
        match self {
            TrustHandle::Borrowed(t) => t,
            TrustHandle::Owned(t) => t,
        }
    }
}

impl<'a> TrustWait<'a> {
    async fn get(self) -> Result<TrustHandle<'a>, String> {
        match self {
            TrustWait::Ready(t) => Ok(TrustHandle::Borrowed(t)),
            TrustWait::Pending(p) => p.get().await.map(TrustHandle::Owned),
        }
    }
}

/// Verifies every reference with one shared client and at most `opts.concurrency` at once.
/// `on_result(index, verdict)` is called as each finishes (in completion order); the verdicts
/// are also returned in input order.
pub async fn verify_batch(
    refs: Vec<String>,
    trust: Arc<TrustSet>,
    opts: VerifyOptions,
    on_result: impl Fn(usize, Verdict) + Send + Sync,
) -> Vec<Verdict> {
    let mut out: Vec<Option<Verdict>> = vec![None; refs.len()];
    verify_each(refs, PendingTrust::ready(trust), opts, |i, v| {
        on_result(i, v.clone());
        if let Some(slot) = out.get_mut(i) {
            *slot = Some(v);
        }
    })
    .await;
    out.into_iter().flatten().collect()
}

/// Verifies every reference like [`verify_batch`], without keeping the verdicts, and with a
/// trust set that may still be loading: the registry requests that do not depend on it
/// (manifest, cosign signatures) start at once, and each image waits for the trust set before
/// anything is judged; when it cannot be loaded every verdict is an error saying why (a caller
/// that must stop, like the CLI, checks the load itself). Each verdict is handed to
/// `on_result(index, verdict)` as it finishes (completion order) and then dropped, so memory
/// does not grow with the number of images (the CLI prints them in input order).
pub async fn verify_each(
    refs: Vec<String>,
    trust: PendingTrust,
    opts: VerifyOptions,
    mut on_result: impl FnMut(usize, Verdict),
) {
    let parsed: Vec<(String, Result<ImageRef, Problem>)> = refs
        .into_iter()
        .map(|s| {
            let p = ImageRef::parse(&s).map_err(|e| Problem::bad_reference(&s, &e));
            (s, p)
        })
        .collect();
    let hosts: Vec<String> = parsed
        .iter()
        .filter_map(|(_, p)| p.as_ref().ok().map(|r| r.registry_host().to_string()))
        .collect();
    let registry = Registry::new(opts.registry.clone(), hosts.iter().map(String::as_str));
    let now = OffsetDateTime::now_utc();
    let registry = &registry;
    let trust = &trust;
    let opts = &opts;
    let mut stream = futures::stream::iter(parsed.into_iter().enumerate())
        .map(|(i, (input, p))| async move {
            let v = match (p, registry) {
                (Err(e), _) => Verdict::error(&input, None, None, None, e),
                (Ok(r), Err(e)) => {
                    let policy = trust
                        .get()
                        .await
                        .ok()
                        .map(|t| t.policy_for(&r.repository()));
                    Verdict::error(&input, Some(r.repository()), None, policy, e.into())
                }
                (Ok(r), Ok(reg)) => {
                    verify_one_with(
                        reg,
                        &r,
                        &input,
                        TrustWait::Pending(trust),
                        now,
                        opts.image_timeout,
                    )
                    .await
                }
            };
            (i, v)
        })
        .buffer_unordered(opts.concurrency.max(1));
    while let Some((i, v)) = stream.next().await {
        on_result(i, v);
    }
}

/// Verifies one parsed reference with a shared client, within `timeout`.
pub async fn verify_one(
    registry: &Registry,
    r: &ImageRef,
    input: &str,
    trust: &TrustSet,
    now: OffsetDateTime,
    timeout: Duration,
) -> Verdict {
    verify_one_with(registry, r, input, TrustWait::Ready(trust), now, timeout).await
}

async fn verify_one_with(
    registry: &Registry,
    r: &ImageRef,
    input: &str,
    trust: TrustWait<'_>,
    now: OffsetDateTime,
    timeout: Duration,
) -> Verdict {
    let repository = r.repository();
    let outcome = tokio::time::timeout(timeout, gather(registry, r, input, trust, now)).await;
    // Every path below judges or describes the image under the trust set, so wait for it.
    let trust = match trust.get().await {
        Ok(t) => t,
        Err(message) => {
            return Verdict::error(
                input,
                Some(repository),
                None,
                None,
                Problem::TrustUnavailable { message },
            )
        }
    };
    let policy = trust.policy_for(&repository);
    match outcome {
        Err(_) => Verdict::error(
            input,
            Some(repository),
            None,
            Some(policy),
            Problem::GaveUp {
                host: r.registry_host().to_string(),
                secs: timeout.as_secs(),
            },
        ),
        Ok(Err((digest, e))) => {
            let mut v = Verdict::error(input, Some(repository), digest, Some(policy), (&e).into());
            if e.is_integrity() {
                v.status = Status::Invalid;
                v.reason = format!("{e}; nothing it serves for this image can be trusted");
            }
            v
        }
        Ok(Ok(material)) => evaluate(&material, &trust, now),
    }
}

type GatherError = (Option<String>, RegistryError);

async fn gather(
    registry: &Registry,
    r: &ImageRef,
    input: &str,
    trust: TrustWait<'_>,
    now: OffsetDateTime,
) -> Result<Material, GatherError> {
    let selector = r.manifest_selector().to_string();
    let manifest = registry
        .manifest(r, &selector, false)
        .await
        .map_err(|e| (None, e))?
        .ok_or_else(|| {
            (
                None,
                RegistryError::NotFound {
                    host: r.registry_host().into(),
                    what: format!("the image {}", r),
                },
            )
        })?;
    let digest = manifest.digest.clone();
    let digest_detail = match r.digest() {
        Some(_) => format!(
            "pinned {digest}; the {}-byte manifest served hashes to it",
            manifest.bytes.len()
        ),
        None => format!(
            "tag `{}` resolved to {digest} by hashing the {}-byte manifest served",
            r.tag().unwrap_or("latest"),
            manifest.bytes.len()
        ),
    };
    let parsed: Manifest = serde_json::from_slice(&manifest.bytes).map_err(|e| {
        (
            Some(digest.clone()),
            RegistryError::Protocol {
                host: r.registry_host().into(),
                what: format!("the manifest {}@{digest}", r.repository()),
                detail: format!("not a JSON manifest ({e})"),
            },
        )
    })?;
    let mut material = Material {
        reference: input.to_string(),
        repository: r.repository(),
        digest: digest.clone(),
        digest_detail,
        found: Vec::new(),
        sources: Vec::new(),
        platforms: Vec::new(),
    };
    let (found, sources) = signatures_for(registry, r, &digest, trust, now)
        .await
        .map_err(|e| (Some(digest.clone()), e))?;
    material.found = found;
    material.sources = sources;

    if parsed.is_index() {
        let entries: Vec<&Descriptor> = parsed
            .manifests
            .iter()
            .filter(|d| !d.is_attestation())
            .take(MAX_PLATFORMS)
            .collect();
        let platform_futs = entries.into_iter().map(|d| async move {
            let platform = d.platform_label();
            let found = if !is_sha256_digest(&d.digest) {
                Err(format!(
                    "the index lists a malformed digest `{}`",
                    clip(&d.digest)
                ))
            } else {
                signatures_for(registry, r, &d.digest, trust, now)
                    .await
                    .map(|(f, _)| f)
                    .map_err(|e| e.to_string())
            };
            PlatformMaterial {
                platform,
                digest: d.digest.clone(),
                found,
            }
        });
        material.platforms = futures::stream::iter(platform_futs)
            .buffered(4)
            .collect()
            .await;
    }
    Ok(material)
}

/// The signature material for `digest`: the cosign tag first, the referrers only when needed.
async fn signatures_for(
    registry: &Registry,
    r: &ImageRef,
    digest: &str,
    trust: TrustWait<'_>,
    now: OffsetDateTime,
) -> Result<(Vec<Found>, Vec<String>), RegistryError> {
    let mut sources = Vec::new();
    let mut found = cosign_tag(registry, r, digest, &mut sources).await?;
    // The first point that needs the trust set; when it could not be loaded there is nothing
    // to decide, and verify_one_with says why.
    let Ok(trust) = trust.get().await else {
        return Ok((found, sources));
    };
    let trust = &*trust;
    let probe = Material {
        reference: String::new(),
        repository: r.repository(),
        digest: digest.to_string(),
        digest_detail: String::new(),
        found: found.clone(),
        sources: Vec::new(),
        platforms: Vec::new(),
    };
    let policy = trust.policy_for(&r.repository());
    let quick = evaluate(&probe, trust, now);
    if quick.status == Status::Verified && policy.mode != PolicyMode::Off {
        sources
            .push("referrers not consulted: the cosign signatures already meet the policy".into());
        return Ok((found, sources));
    }
    found.extend(referrers(registry, r, digest, &mut sources).await?);
    Ok((found, sources))
}

fn sig_tag(digest: &str) -> String {
    format!("{}.sig", digest.replacen(':', "-", 1))
}

async fn cosign_tag(
    registry: &Registry,
    r: &ImageRef,
    digest: &str,
    sources: &mut Vec<String>,
) -> Result<Vec<Found>, RegistryError> {
    let tag = sig_tag(digest);
    let Some(m) = registry.manifest(r, &tag, false).await? else {
        sources.push(format!("cosign tag {}: none", short_tag(&tag)));
        return Ok(Vec::new());
    };
    let parsed: Manifest = match serde_json::from_slice(&m.bytes) {
        Ok(p) => p,
        Err(e) => {
            sources.push(format!("cosign tag {}: malformed", short_tag(&tag)));
            return Ok(vec![Found::Broken {
                source: Source::CosignTag,
                problem: format!("the cosign signature manifest is not valid JSON ({e})"),
                invalid: true,
            }]);
        }
    };
    let layers: Vec<&Descriptor> = parsed
        .layers
        .iter()
        .filter(|l| l.media_type == SIMPLE_SIGNING_MEDIA_TYPE)
        .collect();
    sources.push(format!(
        "cosign tag {}: {} signature layer{}",
        short_tag(&tag),
        layers.len(),
        if layers.len() == 1 { "" } else { "s" }
    ));
    let mut out = Vec::new();
    let mut fetches = Vec::new();
    for (i, layer) in layers.into_iter().enumerate() {
        if i >= MAX_SIGNATURES {
            out.push(Found::Broken {
                source: Source::CosignTag,
                problem: format!(
                    "more than {MAX_SIGNATURES} signature layers; the rest were not read"
                ),
                invalid: false,
            });
            break;
        }
        let Some(sig) = layer.annotations.get(SIGNATURE_ANNOTATION) else {
            out.push(Found::Broken {
                source: Source::CosignTag,
                problem: "a signature layer has no signature annotation".into(),
                invalid: false,
            });
            continue;
        };
        if !is_sha256_digest(&layer.digest) {
            out.push(Found::Broken {
                source: Source::CosignTag,
                problem: format!(
                    "a signature layer has a malformed digest `{}`",
                    clip(&layer.digest)
                ),
                invalid: true,
            });
            continue;
        }
        if layer.size > MAX_PAYLOAD_BYTES as i64 {
            out.push(Found::Broken {
                source: Source::CosignTag,
                problem: format!(
                    "a signature payload of {} bytes exceeds the {MAX_PAYLOAD_BYTES}-byte limit; not read",
                    layer.size
                ),
                invalid: false,
            });
            continue;
        }
        let sig = sig.clone();
        let d = layer.digest.clone();
        fetches.push(async move {
            match registry.blob(r, &d, MAX_PAYLOAD_BYTES).await {
                Ok(payload) => Ok(Found::SimpleSigning {
                    source: Source::CosignTag,
                    payload,
                    signature_b64: sig,
                }),
                Err(e) if e.is_integrity() => Ok(Found::Broken {
                    source: Source::CosignTag,
                    problem: e.to_string(),
                    invalid: true,
                }),
                Err(RegistryError::TooLarge { .. }) => Ok(Found::Broken {
                    source: Source::CosignTag,
                    problem: format!(
                        "a signature payload exceeds the {MAX_PAYLOAD_BYTES}-byte limit; not read"
                    ),
                    invalid: false,
                }),
                Err(e) => Err(e),
            }
        });
    }
    let fetched: Vec<Result<Found, RegistryError>> =
        futures::stream::iter(fetches).buffered(4).collect().await;
    for f in fetched {
        out.push(f?);
    }
    Ok(out)
}

pub(crate) async fn referrers(
    registry: &Registry,
    r: &ImageRef,
    digest: &str,
    sources: &mut Vec<String>,
) -> Result<Vec<Found>, RegistryError> {
    let (bytes, how) = match registry.referrers(r, digest).await? {
        ReferrersAnswer::Index(b) => (b, "referrers API"),
        ReferrersAnswer::NotSupported => {
            let tag = digest.replacen(':', "-", 1);
            match registry.manifest(r, &tag, false).await? {
                Some(m) => (m.bytes, "referrers fallback tag"),
                None => {
                    sources.push("referrers: none (no API, no fallback tag)".into());
                    return Ok(Vec::new());
                }
            }
        }
    };
    let index: Manifest = match serde_json::from_slice(&bytes) {
        Ok(i) => i,
        Err(_) => {
            sources.push(format!("{how}: malformed answer, ignored"));
            return Ok(Vec::new());
        }
    };
    if !index.is_index() {
        // Some registries answer the fallback tag with the image itself.
        sources.push(format!(
            "{how}: answered with something that is not an index, ignored"
        ));
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    let mut count = 0usize;
    for entry in index.manifests.iter().take(MAX_SIGNATURES) {
        let at = entry.artifact_type.as_deref().unwrap_or("");
        let interesting = at.is_empty()
            || at == NOTARY_ARTIFACT_TYPE
            || at.starts_with("application/vnd.dev.sigstore.bundle");
        if !interesting || !is_sha256_digest(&entry.digest) || entry.digest == digest {
            continue;
        }
        let source = Source::Referrer(entry.digest.clone());
        let m = match registry.manifest(r, &entry.digest, false).await {
            Ok(Some(m)) => m,
            Ok(None) => continue,
            Err(e) if e.is_integrity() => {
                out.push(Found::Broken {
                    source,
                    problem: e.to_string(),
                    invalid: true,
                });
                continue;
            }
            Err(e) => return Err(e),
        };
        let Ok(rm) = serde_json::from_slice::<Manifest>(&m.bytes) else {
            continue;
        };
        // The referrer must name this image as its subject.
        if rm.subject.as_ref().map(|s| s.digest.as_str()) != Some(digest) {
            continue;
        }
        count += 1;
        let kind = rm
            .artifact_type
            .clone()
            .or_else(|| rm.config.as_ref().map(|c| c.media_type.clone()))
            .unwrap_or_default();
        if kind == NOTARY_ARTIFACT_TYPE {
            out.push(Found::Notary { source });
            continue;
        }
        let bundle_layer = rm.layers.iter().find(|l| {
            l.media_type
                .starts_with("application/vnd.dev.sigstore.bundle")
        });
        let Some(layer) = bundle_layer else { continue };
        if !is_sha256_digest(&layer.digest) || layer.size > MAX_PAYLOAD_BYTES as i64 {
            out.push(Found::Broken {
                source,
                problem: "a sigstore bundle layer is malformed or larger than the limit".into(),
                invalid: false,
            });
            continue;
        }
        let bundle = match registry.blob(r, &layer.digest, MAX_PAYLOAD_BYTES).await {
            Ok(b) => b,
            Err(e) if e.is_integrity() => {
                out.push(Found::Broken {
                    source,
                    problem: e.to_string(),
                    invalid: true,
                });
                continue;
            }
            Err(RegistryError::TooLarge { .. }) => {
                out.push(Found::Broken {
                    source,
                    problem: "a sigstore bundle exceeds the size limit; not read".into(),
                    invalid: false,
                });
                continue;
            }
            Err(e) => return Err(e),
        };
        out.extend(parse_bundle(&bundle, &layer.media_type, source));
    }
    sources.push(format!(
        "{how}: {count} referrer{} for this digest",
        if count == 1 { "" } else { "s" }
    ));
    Ok(out)
}

/// Whether a DSSE payload is an in-toto statement with a predicate other than cosign's image
/// signature predicate, i.e. an attestation rather than a signature.
fn is_attestation_statement(payload: &[u8]) -> bool {
    #[derive(serde::Deserialize)]
    struct Head {
        #[serde(rename = "predicateType")]
        predicate_type: Option<String>,
    }
    serde_json::from_slice::<Head>(payload)
        .ok()
        .and_then(|h| h.predicate_type)
        .is_some_and(|p| p != super::COSIGN_SIGN_PREDICATE)
}

/// Reads a sigstore bundle: DSSE envelopes are checked like any signature; message-signature
/// bundles are recognised but not supported yet.
pub(crate) fn parse_bundle(bytes: &[u8], media_type: &str, source: Source) -> Vec<Found> {
    #[derive(Deserialize)]
    struct Bundle {
        #[serde(rename = "dsseEnvelope")]
        dsse: Option<Envelope>,
        #[serde(rename = "messageSignature")]
        message: Option<serde_json::Value>,
    }
    #[derive(Deserialize)]
    struct Envelope {
        payload: String,
        #[serde(rename = "payloadType")]
        payload_type: String,
        #[serde(default)]
        signatures: Vec<EnvSig>,
    }
    #[derive(Deserialize)]
    struct EnvSig {
        sig: String,
    }
    if !media_type.starts_with(SIGSTORE_BUNDLE_MEDIA_TYPE.trim_end_matches("v0.3+json")) {
        return vec![Found::Unsupported {
            source,
            what: format!("unknown bundle type `{}`", clip(media_type)),
        }];
    }
    let b: Bundle = match serde_json::from_slice(bytes) {
        Ok(b) => b,
        Err(e) => {
            return vec![Found::Broken {
                source,
                problem: format!("the sigstore bundle is not valid JSON ({e})"),
                invalid: true,
            }]
        }
    };
    if let Some(env) = b.dsse {
        let Ok(payload) = base64::engine::general_purpose::STANDARD.decode(env.payload.trim())
        else {
            return vec![Found::Broken {
                source,
                problem: "the DSSE payload is not valid base64".into(),
                invalid: true,
            }];
        };
        if is_attestation_statement(&payload) {
            // An attestation (provenance, SBOM, …) is not an image signature: it neither
            // signs the image nor counts against it. `provenance` reports it.
            return Vec::new();
        }
        return env
            .signatures
            .into_iter()
            .take(MAX_SIGNATURES)
            .map(|s| Found::Dsse {
                source: source.clone(),
                payload_type: env.payload_type.clone(),
                payload: payload.clone(),
                signature_b64: s.sig,
            })
            .collect();
    }
    if b.message.is_some() {
        return vec![Found::Unsupported {
            source,
            what: "a cosign v3 message-signature bundle, which Vouch does not support yet".into(),
        }];
    }
    vec![Found::Broken {
        source,
        problem: "the sigstore bundle holds neither a DSSE envelope nor a message signature".into(),
        invalid: false,
    }]
}

fn short_tag(tag: &str) -> String {
    // sha256-1f2e3d4c5b6a….sig
    match tag.get(..19) {
        Some(head) if tag.len() > 24 => {
            format!("{head}…{}", if tag.ends_with(".sig") { ".sig" } else { "" })
        }
        _ => tag.to_string(),
    }
}

pub(crate) fn is_sha256_digest(d: &str) -> bool {
    d.strip_prefix("sha256:").is_some_and(|h| {
        h.len() == 64
            && h.chars()
                .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
    })
}

fn clip(s: &str) -> String {
    s.chars()
        .take(80)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

/// A lenient view of an image manifest or index: every field optional, unknown ones ignored.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Manifest {
    #[serde(rename = "mediaType", default)]
    pub(crate) media_type: Option<String>,
    #[serde(rename = "artifactType", default)]
    pub(crate) artifact_type: Option<String>,
    #[serde(default)]
    pub(crate) config: Option<Descriptor>,
    #[serde(default)]
    pub(crate) layers: Vec<Descriptor>,
    #[serde(default)]
    pub(crate) manifests: Vec<Descriptor>,
    #[serde(default)]
    pub(crate) subject: Option<Descriptor>,
}

impl Manifest {
    pub(crate) fn is_index(&self) -> bool {
        match self.media_type.as_deref() {
            Some(
                "application/vnd.oci.image.index.v1+json"
                | "application/vnd.docker.distribution.manifest.list.v2+json",
            ) => true,
            Some(_) => false,
            None => !self.manifests.is_empty() && self.layers.is_empty(),
        }
    }
}

#[derive(Debug, Default, Clone, Deserialize)]
pub(crate) struct Descriptor {
    #[serde(rename = "mediaType", default)]
    pub(crate) media_type: String,
    #[serde(default)]
    pub(crate) digest: String,
    #[serde(default)]
    pub(crate) size: i64,
    #[serde(default)]
    pub(crate) annotations: std::collections::BTreeMap<String, String>,
    #[serde(rename = "artifactType", default)]
    pub(crate) artifact_type: Option<String>,
    #[serde(default)]
    pub(crate) platform: Option<Platform>,
}

#[derive(Debug, Default, Clone, Deserialize)]
pub(crate) struct Platform {
    #[serde(default)]
    pub(crate) os: String,
    #[serde(default)]
    pub(crate) architecture: String,
    #[serde(default)]
    pub(crate) variant: Option<String>,
}

impl Descriptor {
    /// BuildKit attestation entries are not platforms.
    pub(crate) fn is_attestation(&self) -> bool {
        self.annotations
            .get("vnd.docker.reference.type")
            .is_some_and(|t| t == "attestation-manifest")
            || self
                .platform
                .as_ref()
                .is_some_and(|p| p.os == "unknown" && p.architecture == "unknown")
    }

    pub(crate) fn platform_label(&self) -> String {
        match &self.platform {
            Some(p) => match p.variant.as_deref().filter(|v| !v.is_empty()) {
                Some(v) => format!("{}/{}/{}", clip(&p.os), clip(&p.architecture), clip(v)),
                None => format!("{}/{}", clip(&p.os), clip(&p.architecture)),
            },
            None => "unspecified".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attestation_entries_are_not_platforms() {
        let idx: Manifest = serde_json::from_str(
            r#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[
            {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:aa","size":1,"platform":{"os":"linux","architecture":"arm64","variant":"v8"}},
            {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:bb","size":1,"platform":{"os":"unknown","architecture":"unknown"},
             "annotations":{"vnd.docker.reference.type":"attestation-manifest"}}]}"#,
        )
        .expect("json");
        assert!(idx.is_index());
        let platforms: Vec<String> = idx
            .manifests
            .iter()
            .filter(|d| !d.is_attestation())
            .map(|d| d.platform_label())
            .collect();
        assert_eq!(platforms, vec!["linux/arm64/v8".to_string()]);
    }

    #[test]
    fn an_image_is_not_an_index() {
        let m: Manifest = serde_json::from_str(
            r#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"x","digest":"sha256:aa","size":1},"layers":[]}"#,
        )
        .expect("json");
        assert!(!m.is_index());
    }

    #[test]
    fn bundles_are_read() {
        let payload = base64::engine::general_purpose::STANDARD.encode(b"{}");
        let b = format!(
            r#"{{"mediaType":"{SIGSTORE_BUNDLE_MEDIA_TYPE}","dsseEnvelope":{{"payload":"{payload}","payloadType":"application/vnd.in-toto+json","signatures":[{{"sig":"AAAA"}}]}}}}"#
        );
        let f = parse_bundle(b.as_bytes(), SIGSTORE_BUNDLE_MEDIA_TYPE, Source::CosignTag);
        assert!(matches!(f.as_slice(), [Found::Dsse { .. }]));
        let att = base64::engine::general_purpose::STANDARD.encode(
            r#"{"_type":"https://in-toto.io/Statement/v1","subject":[],"predicateType":"https://slsa.dev/provenance/v1","predicate":{}}"#,
        );
        let b = format!(
            r#"{{"mediaType":"{SIGSTORE_BUNDLE_MEDIA_TYPE}","dsseEnvelope":{{"payload":"{att}","payloadType":"application/vnd.in-toto+json","signatures":[{{"sig":"AAAA"}}]}}}}"#
        );
        let f = parse_bundle(b.as_bytes(), SIGSTORE_BUNDLE_MEDIA_TYPE, Source::CosignTag);
        assert!(
            f.is_empty(),
            "an attestation bundle is not an image signature"
        );
        let m = r#"{"messageSignature":{"signature":"AAAA"}}"#;
        let f = parse_bundle(m.as_bytes(), SIGSTORE_BUNDLE_MEDIA_TYPE, Source::CosignTag);
        assert!(matches!(f.as_slice(), [Found::Unsupported { .. }]));
        let f = parse_bundle(b"not json", SIGSTORE_BUNDLE_MEDIA_TYPE, Source::CosignTag);
        assert!(matches!(
            f.as_slice(),
            [Found::Broken { invalid: true, .. }]
        ));
    }

    #[test]
    fn digests_are_checked_before_use_in_urls() {
        assert!(is_sha256_digest(&format!("sha256:{}", "0".repeat(64))));
        assert!(!is_sha256_digest("sha256:../../x"));
        assert!(!is_sha256_digest(&format!("sha256:{}", "A".repeat(64))));
    }
}
