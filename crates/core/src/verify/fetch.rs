//! Fetch orchestration: reference → discovery → [`Material`] → [`evaluate_with`] → [`Verdict`], and
//! the batch API. Reading the registry is [`crate::discovery`]'s; judging is [`evaluate_with`]'s;
//! the only question asked in between is the pure [`meets_policy_with`] (whose keyless
//! verifications the verdict reuses).
//!
//! Requests per image, in order: the manifest (by tag or digest; Vouch hashes the bytes), the
//! cosign `sha256-<hex>.sig` manifest, one blob per signature layer. Only when those signatures
//! do not already meet the policy are the OCI referrers (API, else the fallback tag) consulted
//! as well — extra material can only add accepted keys, never remove them, so skipping it for
//! an image that already passes cannot change a `verified` answer. A warm verification of a
//! signed image is therefore three requests.

use std::sync::Arc;
use std::time::Duration;

use futures::future::{BoxFuture, Shared};
use futures::{FutureExt as _, StreamExt};
use time::OffsetDateTime;

use super::keyless::Keyless;
use super::{
    evaluate_with, meets_policy_with, Cancel, Material, PlatformMaterial, Problem, Status, Verdict,
};
use crate::discovery::{self, Discovered, FoundAttestation};
use crate::oci::{clip, Descriptor, Digest, Manifest};
use crate::reference::ImageRef;
use crate::registry::{FetchedManifest, Registry, RegistryError, RegistryOptions};
use crate::sigstore::roots::RootStore;
use crate::trust::{PolicyMode, TrustSet};

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
    /// Stops the batch: once thrown, requests in flight are dropped, no image starts, and every
    /// image not finished ends [`Status::Cancelled`].
    pub cancel: Cancel,
    /// Where the Sigstore trusted roots of keyless identities are read (once per batch);
    /// `None`: the active profile's.
    pub trust_roots: Option<RootStore>,
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
            cancel: Cancel::default(),
            trust_roots: None,
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

/// A batch's trust set with what its keyless identities are checked with (roots read and
/// patterns compiled once for the whole batch).
struct BatchTrust {
    trust: Arc<TrustSet>,
    keyless: Keyless,
}

/// The batch's trust, once it has arrived.
type PendingBatch = Shared<BoxFuture<'static, Result<Arc<BatchTrust>, String>>>;

/// Where a verification gets its trust set: borrowed, or still loading.
#[derive(Clone, Copy)]
enum TrustWait<'a> {
    Ready(&'a TrustSet, &'a Keyless),
    Pending(&'a PendingBatch),
}

/// A trust set in hand, however it arrived.
enum TrustHandle<'a> {
    Borrowed(&'a TrustSet, &'a Keyless),
    Owned(Arc<BatchTrust>),
}

impl TrustHandle<'_> {
    fn keyless(&self) -> &Keyless {
        match self {
            TrustHandle::Borrowed(_, k) => k,
            TrustHandle::Owned(b) => &b.keyless,
        }
    }
}

impl std::ops::Deref for TrustHandle<'_> {
    type Target = TrustSet;
    fn deref(&self) -> &TrustSet {
        match self {
            TrustHandle::Borrowed(t, _) => t,
            TrustHandle::Owned(b) => &b.trust,
        }
    }
}

impl<'a> TrustWait<'a> {
    async fn get(self) -> Result<TrustHandle<'a>, String> {
        match self {
            TrustWait::Ready(t, k) => Ok(TrustHandle::Borrowed(t, k)),
            TrustWait::Pending(p) => p.clone().await.map(TrustHandle::Owned),
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
///
/// When `opts.cancel` is thrown, the requests in flight are dropped, no further image is
/// started, and every image without a verdict yet is handed over as [`Verdict::cancelled`]
/// (still one call per image).
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
    // Once the trust set arrives, the roots of its identities are read and their patterns
    // compiled, once for the whole batch.
    let roots = opts.trust_roots.clone();
    let trust: PendingBatch = async move {
        let trust = trust.get().await?;
        let keyless = Keyless::load(&trust, roots.as_ref());
        Ok(Arc::new(BatchTrust { trust, keyless }))
    }
    .boxed()
    .shared();
    let trust = &trust;
    let opts = &opts;
    let mut stream = futures::stream::iter(parsed.into_iter().enumerate())
        .map(|(i, (input, p))| async move {
            let repository = p.as_ref().ok().map(ImageRef::repository);
            let check = async {
                match (p, registry) {
                    (Err(e), _) => Verdict::error(&input, None, None, None, e),
                    (Ok(r), Err(e)) => {
                        let policy = trust
                            .clone()
                            .await
                            .ok()
                            .map(|t| t.trust.policy_for(&r.repository()));
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
                        .0
                    }
                }
            };
            // Cancelling wins: an image not started is never polled (no request), and one in
            // flight is dropped with its requests.
            let v = tokio::select! {
                biased;
                () = opts.cancel.cancelled() => Verdict::cancelled(&input, repository),
                v = check => v,
            };
            (i, v)
        })
        .buffer_unordered(opts.concurrency.max(1));
    let drive = async {
        while let Some((i, v)) = stream.next().await {
            on_result(i, v);
        }
    };
    // Performance: the roots are read and the patterns compiled as soon as the trust set
    // arrives, while the registry is still being asked, rather than when the first image's
    // signatures are in hand. Only while images are checked: a batch that ends without needing
    // the trust set (every reference malformed) never waits for it.
    let warm = async {
        let _ = trust.clone().await;
        std::future::pending::<()>().await
    };
    futures::pin_mut!(drive, warm);
    futures::future::select(drive, warm).await;
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
    let keyless = Keyless::load(trust, None);
    verify_and_gather(registry, r, input, (trust, &keyless), now, timeout)
        .await
        .0
}

/// Verifies like [`verify_one`] and also hands back what was fetched (when the image could be
/// read), so a caller that shows more about the image (provenance) does not fetch it again.
/// Keyless signatures are judged with `keyless` (see [`Keyless::load`]).
pub async fn verify_and_gather(
    registry: &Registry,
    r: &ImageRef,
    input: &str,
    (trust, keyless): (&TrustSet, &Keyless),
    now: OffsetDateTime,
    timeout: Duration,
) -> (Verdict, Option<Gathered>) {
    verify_one_with(
        registry,
        r,
        input,
        TrustWait::Ready(trust, keyless),
        now,
        timeout,
    )
    .await
}

/// Everything a verification fetched for one image, beyond what [`evaluate_with`] judges.
#[derive(Debug, Clone)]
pub struct Gathered {
    /// What was judged.
    pub material: Material,
    /// The image manifest (or index) as served, hashed to `material.digest`.
    pub manifest: FetchedManifest,
    /// The same, parsed.
    pub parsed: Manifest,
    /// DSSE attestations found among the image's referrers (when they were consulted).
    pub attestations: Vec<FoundAttestation>,
    /// Whether the image's referrers were consulted (they are skipped when the cosign
    /// signatures already meet the policy).
    pub referrers_consulted: bool,
}

async fn verify_one_with(
    registry: &Registry,
    r: &ImageRef,
    input: &str,
    trust: TrustWait<'_>,
    now: OffsetDateTime,
    timeout: Duration,
) -> (Verdict, Option<Gathered>) {
    let repository = r.repository();
    let outcome = tokio::time::timeout(timeout, gather(registry, r, input, trust, now)).await;
    // Every path below judges or describes the image under the trust set, so wait for it.
    let trust = match trust.get().await {
        Ok(t) => t,
        Err(message) => {
            return (
                Verdict::error(
                    input,
                    Some(repository),
                    None,
                    None,
                    Problem::TrustUnavailable { message },
                ),
                None,
            )
        }
    };
    let policy = trust.policy_for(&repository);
    match outcome {
        Err(_) => (
            Verdict::error(
                input,
                Some(repository),
                None,
                Some(policy),
                Problem::GaveUp {
                    host: r.registry_host().to_string(),
                    secs: timeout.as_secs(),
                },
            ),
            None,
        ),
        Ok(Err((digest, e))) => {
            let mut v = Verdict::error(input, Some(repository), digest, Some(policy), (&e).into());
            if e.is_integrity() {
                v.status = Status::Invalid;
                v.reason = format!("{e}; nothing it serves for this image can be trusted");
            }
            (v, None)
        }
        Ok(Ok(gathered)) => (
            evaluate_with(&gathered.material, &trust, trust.keyless(), now),
            Some(gathered),
        ),
    }
}

type GatherError = (Option<String>, RegistryError);

async fn gather(
    registry: &Registry,
    r: &ImageRef,
    input: &str,
    trust: TrustWait<'_>,
    now: OffsetDateTime,
) -> Result<Gathered, GatherError> {
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
    let protocol = |detail: String| {
        (
            Some(manifest.digest.clone()),
            RegistryError::Protocol {
                host: r.registry_host().into(),
                what: format!("the manifest {}@{}", r.repository(), manifest.digest),
                detail,
            },
        )
    };
    let digest = Digest::parse(&manifest.digest).map_err(|e| protocol(e.to_string()))?;
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
    let parsed = Manifest::parse(&manifest.bytes)
        .map_err(|e| protocol(format!("not a JSON manifest ({e})")))?;
    let discovered = signatures_for(registry, r, &digest, trust, now)
        .await
        .map_err(|e| (Some(digest.to_string()), e))?;
    let mut material = Material {
        reference: input.to_string(),
        repository: r.repository(),
        digest: digest.to_string(),
        digest_detail,
        found: discovered.signatures,
        sources: discovered.sources,
        platforms: Vec::new(),
    };

    if parsed.is_index() {
        let entries: Vec<&Descriptor> = parsed
            .manifests
            .iter()
            .filter(|d| !d.is_attestation())
            .take(MAX_PLATFORMS)
            .collect();
        let platform_futs = entries.into_iter().map(|d| async move {
            let platform = d.platform_label();
            let found = match d.sha256() {
                Err(_) => Err(format!(
                    "the index lists a malformed digest `{}`",
                    clip(&d.digest, 80)
                )),
                Ok(pd) => signatures_for(registry, r, &pd, trust, now)
                    .await
                    .map(|found| found.signatures)
                    .map_err(|e| e.to_string()),
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
    Ok(Gathered {
        material,
        manifest,
        parsed,
        attestations: discovered.attestations,
        referrers_consulted: discovered.referrers_consulted,
    })
}

/// What is discovered for `digest`: the cosign tag first, the referrers only when the cosign
/// signatures do not already meet the policy (or it is off, to report everything).
async fn signatures_for(
    registry: &Registry,
    r: &ImageRef,
    digest: &Digest,
    trust: TrustWait<'_>,
    now: OffsetDateTime,
) -> Result<Discovered, RegistryError> {
    let mut found = Discovered::default();
    discovery::cosign_signatures(registry, r, digest, &mut found).await?;
    // The first point that needs the trust set; when it could not be loaded there is nothing
    // to decide, and verify_one_with says why.
    let Ok(trust) = trust.get().await else {
        return Ok(found);
    };
    let repository = r.repository();
    if trust.policy_for(&repository).mode != PolicyMode::Off
        && meets_policy_with(
            &found.signatures,
            &trust,
            trust.keyless(),
            digest.as_str(),
            &repository,
            now,
        )
    {
        found
            .sources
            .push("referrers not consulted: the cosign signatures already meet the policy".into());
        return Ok(found);
    }
    discovery::referrers(registry, r, digest, &mut found).await?;
    Ok(found)
}
