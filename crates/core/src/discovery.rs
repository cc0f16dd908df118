//! Discovery: where signatures and attestations for an image digest live, and reading them.
//!
//! Three places, in the order Vouch asks: the cosign tags `sha256-<hex>.sig` (signatures) and
//! `sha256-<hex>.att` (attestations, read for provenance only); the OCI referrers API
//! (`/v2/<name>/referrers/<digest>`, every page); when the registry has no API, the referrers
//! fallback tag `sha256-<hex>`. Among the referrers: cosign's OCI 1.1 signatures (its signature
//! artifact, simple-signing layers like the `.sig` tag's), sigstore bundles (cosign v3
//! signatures and attestations) and Notary Project signatures (recognised, not verifiable).
//! Keyless material is kept whole for the verifier: a `.sig` layer carrying a signing
//! certificate as [`Found::KeylessSig`] (payload and every annotation), a bundle with a
//! certificate holding an image signature as [`Found::KeylessBundle`].
//! Verification and provenance both read through here.
//!
//! Invariant: nothing found is dropped on the way. Every item comes back, with where it came
//! from ([`Source`]): image signatures as [`Found`] (including what is broken or unsupported,
//! said as such), DSSE attestations among the referrers as [`FoundAttestation`]. Everything is
//! fetched by digest through [`Registry`], which bounds and hashes it.

use serde::Deserialize;

use crate::cosign::{
    COSIGN_SIGN_PREDICATE, OCI_EMPTY_MEDIA_TYPE, PREDICATE_TYPE_ANNOTATION, SIGNATURE_ANNOTATION,
    SIGNATURE_ARTIFACT_TYPE, SIGSTORE_BUNDLE_MEDIA_TYPE, SIMPLE_SIGNING_MEDIA_TYPE,
};
use crate::dsse::{self, DsseError, Envelope, RawEnvelope, DSSE_MEDIA_TYPE, MAX_ATTESTATION_BYTES};
use crate::oci::{clip, Descriptor, Digest, Manifest};
use crate::reference::ImageRef;
use crate::registry::{ReferrersAnswer, Registry, RegistryError, MAX_PAYLOAD_BYTES};
use crate::verify::problem::plural;

/// Notary Project signature artifact type.
pub const NOTARY_ARTIFACT_TYPE: &str = "application/vnd.cncf.notary.signature";
/// Most signature layers or referrers read per image (more are ignored, and said so).
pub const MAX_SIGNATURES: usize = 32;
/// Most attestations read per image (per source); more are reported, not read.
pub const MAX_ATTESTATIONS: usize = 32;

/// Where a signature was found.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Source {
    /// A layer of the cosign `sha256-<hex>.sig` manifest.
    CosignTag,
    /// A referrer (OCI 1.1 API or its fallback tag), by manifest digest.
    Referrer(String),
    /// A layer of the cosign attestation manifest, by tag (`sha256-<hex>.att`).
    AttestationTag(String),
}

/// One piece of signature material, as fetched (bytes already hashed against their digests).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Found {
    /// A cosign simple-signing payload and its base64 signature annotation.
    SimpleSigning {
        source: Source,
        payload: Vec<u8>,
        signature_b64: String,
    },
    /// One signature of a DSSE envelope (cosign v3 bundle).
    Dsse {
        source: Source,
        payload_type: String,
        payload: Vec<u8>,
        signature_b64: String,
    },
    /// A keyless cosign signature layer (it carries a signing certificate): the payload and
    /// every annotation of the layer (certificate, chain, Rekor bundle, RFC 3161 timestamp),
    /// verified against trusted roots and matched against trusted identities.
    KeylessSig {
        source: Source,
        payload: Vec<u8>,
        annotations: std::collections::BTreeMap<String, String>,
    },
    /// A Sigstore bundle with a signing certificate holding an image signature (cosign 3,
    /// cosign 2.5 `--new-bundle-format`): verified whole, as JSON.
    KeylessBundle { source: Source, bundle: String },
    /// A Notary Project signature: recognised, not verifiable with plain keys.
    Notary { source: Source },
    /// Signature material Vouch recognises but cannot check yet.
    Unsupported { source: Source, what: String },
    /// Material that could not be used. `invalid` when the registry served bytes that do not
    /// match their digest or corrupt signature data (the image is then `invalid` unless the
    /// policy is met by other signatures).
    Broken {
        source: Source,
        problem: String,
        invalid: bool,
    },
}

/// What was fetched for one attestation (bytes already checked against their digests).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Evidence {
    /// A DSSE envelope as served (JSON bytes).
    EnvelopeBytes(Vec<u8>),
    /// A DSSE envelope already taken apart (from a sigstore bundle).
    Envelope(Envelope),
    /// A DSSE envelope taken apart, with the whole Sigstore bundle it came in (JSON): its
    /// verification material (certificate and log entries, or a public-key hint) goes with it.
    Bundle { envelope: Envelope, json: String },
    /// A bare in-toto statement (BuildKit): nothing signs it by itself.
    UnsignedStatement(Vec<u8>),
    /// Could not be read: why.
    Broken(String),
}

/// An attestation (an in-toto statement other than cosign's image signature): not an image
/// signature, so `verify` does not count it; `provenance` shows and assesses it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundAttestation {
    pub source: Source,
    /// The predicate type the manifest annotates (unsigned: a hint).
    pub annotated_predicate_type: Option<String>,
    pub evidence: Evidence,
}

impl FoundAttestation {
    /// The attestation with the whole bundle it was read from kept beside its envelope.
    fn in_bundle(self, bundle: &[u8]) -> Self {
        let evidence = match self.evidence {
            Evidence::Envelope(envelope) => Evidence::Bundle {
                envelope,
                json: String::from_utf8_lossy(bundle).into_owned(),
            },
            other => other,
        };
        FoundAttestation { evidence, ..self }
    }
}

/// Everything discovered for one digest.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Discovered {
    /// Image signature material (cosign tag and referrers).
    pub signatures: Vec<Found>,
    /// Attestations: DSSE bundles among the referrers, layers of the cosign `.att` tag.
    pub attestations: Vec<FoundAttestation>,
    /// What was consulted, one phrase each ("cosign tag …: 1 signature layer").
    pub sources: Vec<String>,
    /// Whether the referrers (API or fallback tag) were asked.
    pub referrers_consulted: bool,
}

/// What a sigstore bundle holds.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BundleContent {
    /// Image signature material (or why there is none usable).
    Signatures(Vec<Found>),
    /// A DSSE attestation.
    Attestation(FoundAttestation),
}

/// Reads the cosign signature tag `sha256-<hex>.sig` for `digest` into `into`: one
/// [`Found`] per layer (a manifest request, then one bounded blob per signature layer).
pub async fn cosign_signatures(
    registry: &Registry,
    r: &ImageRef,
    digest: &Digest,
    into: &mut Discovered,
) -> Result<(), RegistryError> {
    let tag = digest.signature_tag();
    let short = digest.short_tag(".sig");
    let Some(m) = registry.manifest(r, &tag, false).await? else {
        into.sources.push(format!("cosign tag {short}: none"));
        return Ok(());
    };
    let parsed = match Manifest::parse(&m.bytes) {
        Ok(p) => p,
        Err(e) => {
            into.sources.push(format!("cosign tag {short}: malformed"));
            into.signatures.push(Found::Broken {
                source: Source::CosignTag,
                problem: format!("the cosign signature manifest is not valid JSON ({e})"),
                invalid: true,
            });
            return Ok(());
        }
    };
    let layers: Vec<&Descriptor> = parsed
        .layers
        .iter()
        .filter(|l| l.media_type == SIMPLE_SIGNING_MEDIA_TYPE)
        .collect();
    into.sources.push(format!(
        "cosign tag {short}: {} signature layer{}",
        layers.len(),
        plural(layers.len())
    ));
    simple_signing_layers(registry, r, layers, Source::CosignTag, into).await
}

/// Reads cosign simple-signing layers (of the `.sig` tag or of a cosign signature referrer)
/// into `into`: one [`Found`] per layer, at most [`MAX_SIGNATURES`], each payload a bounded blob
/// hashed against its digest; what cannot be read is said so.
async fn simple_signing_layers(
    registry: &Registry,
    r: &ImageRef,
    layers: Vec<&Descriptor>,
    source: Source,
    into: &mut Discovered,
) -> Result<(), RegistryError> {
    let broken = |problem: String, invalid: bool| Found::Broken {
        source: source.clone(),
        problem,
        invalid,
    };
    let mut fetches = Vec::new();
    for (i, layer) in layers.into_iter().enumerate() {
        if i >= MAX_SIGNATURES {
            into.signatures.push(broken(
                format!("more than {MAX_SIGNATURES} signature layers; the rest were not read"),
                false,
            ));
            break;
        }
        let Some(sig) = layer.annotations.get(SIGNATURE_ANNOTATION) else {
            into.signatures.push(broken(
                "a signature layer has no signature annotation".into(),
                false,
            ));
            continue;
        };
        if layer.sha256().is_err() {
            into.signatures.push(broken(
                format!(
                    "a signature layer has a malformed digest `{}`",
                    clip(&layer.digest, 80)
                ),
                true,
            ));
            continue;
        }
        if layer.size > MAX_PAYLOAD_BYTES as i64 {
            into.signatures.push(broken(
                format!(
                    "a signature payload of {} bytes exceeds the {MAX_PAYLOAD_BYTES}-byte limit; not read",
                    layer.size
                ),
                false,
            ));
            continue;
        }
        let sig = sig.clone();
        // A layer with a signing certificate is keyless: its annotations go with it.
        let keyless =
            crate::sigstore::is_keyless(&layer.annotations).then(|| layer.annotations.clone());
        let d = layer.digest.clone();
        let (source, broken) = (source.clone(), &broken);
        fetches.push(async move {
            match registry.blob(r, &d, MAX_PAYLOAD_BYTES).await {
                Ok(payload) => Ok(match keyless {
                    Some(annotations) => Found::KeylessSig {
                        source,
                        payload,
                        annotations,
                    },
                    None => Found::SimpleSigning {
                        source,
                        payload,
                        signature_b64: sig,
                    },
                }),
                Err(e) if e.is_integrity() => Ok(broken(e.to_string(), true)),
                Err(RegistryError::TooLarge { .. }) => Ok(broken(
                    format!(
                        "a signature payload exceeds the {MAX_PAYLOAD_BYTES}-byte limit; not read"
                    ),
                    false,
                )),
                Err(e) => Err(e),
            }
        });
    }
    let fetched: Vec<Result<Found, RegistryError>> = futures::StreamExt::collect(
        futures::StreamExt::buffered(futures::stream::iter(fetches), 4),
    )
    .await;
    for f in fetched {
        into.signatures.push(f?);
    }
    Ok(())
}

/// Reads the cosign attestation tag `sha256-<hex>.att` for `digest` into `into`: one
/// [`FoundAttestation`] per layer (a DSSE envelope each), with what could not be read said so.
pub async fn cosign_attestations(
    registry: &Registry,
    r: &ImageRef,
    digest: &Digest,
    into: &mut Discovered,
) -> Result<(), RegistryError> {
    let tag = digest.attestation_tag();
    let found = |annotated: Option<String>, evidence: Evidence| FoundAttestation {
        source: Source::AttestationTag(tag.clone()),
        annotated_predicate_type: annotated,
        evidence,
    };
    let Some(m) = registry.manifest(r, &tag, false).await? else {
        into.sources
            .push("cosign attestations (.att tag): none".into());
        return Ok(());
    };
    let parsed = match Manifest::parse(&m.bytes) {
        Ok(p) => p,
        Err(e) => {
            into.sources
                .push("cosign attestations (.att tag): malformed manifest".into());
            into.attestations.push(found(
                None,
                Evidence::Broken(format!(
                    "the cosign attestation manifest is not valid JSON ({})",
                    clip(&e.to_string(), 120)
                )),
            ));
            return Ok(());
        }
    };
    let n = parsed.layers.len();
    into.sources.push(format!(
        "cosign attestations (.att tag): {n} layer{}",
        plural(n)
    ));
    for (i, layer) in parsed.layers.iter().enumerate() {
        if i >= MAX_ATTESTATIONS {
            into.attestations.push(found(
                None,
                Evidence::Broken(format!(
                    "{} more attestation layers past the first {MAX_ATTESTATIONS} were not read",
                    n - MAX_ATTESTATIONS
                )),
            ));
            break;
        }
        let annotated = layer
            .annotations
            .get(PREDICATE_TYPE_ANNOTATION)
            .map(|p| clip(p, 300));
        let evidence = if layer.media_type != DSSE_MEDIA_TYPE {
            Evidence::Broken(format!(
                "the layer has media type `{}`, not a DSSE envelope",
                clip(&layer.media_type, 120)
            ))
        } else {
            layer_evidence(registry, r, layer, true).await?
        };
        into.attestations.push(found(annotated, evidence));
    }
    Ok(())
}

/// Reads one layer blob as an attestation (a DSSE envelope when `signed`, else a bare
/// statement), bounded and hashed, or says why it could not be.
pub async fn layer_evidence(
    registry: &Registry,
    r: &ImageRef,
    layer: &Descriptor,
    signed: bool,
) -> Result<Evidence, RegistryError> {
    if layer.sha256().is_err() {
        return Ok(Evidence::Broken(format!(
            "the attestation layer has a malformed digest `{}`",
            clip(&layer.digest, 80)
        )));
    }
    if layer.size > MAX_ATTESTATION_BYTES as i64 {
        return Ok(Evidence::Broken(format!(
            "the attestation is {} bytes, more than the {MAX_ATTESTATION_BYTES}-byte limit; not read",
            layer.size
        )));
    }
    match registry.blob(r, &layer.digest, MAX_ATTESTATION_BYTES).await {
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

/// Whether a referrer listed with `artifact_type` may hold image signatures or attestations
/// Vouch reads: none declared, Notary, sigstore bundles, cosign's signature artifact, and the
/// empty type cosign lists its bundles under. (What the index says is only a hint: each
/// referrer manifest read is judged by its own content.)
fn worth_reading(artifact_type: &str) -> bool {
    artifact_type.is_empty()
        || [
            NOTARY_ARTIFACT_TYPE,
            SIGNATURE_ARTIFACT_TYPE,
            OCI_EMPTY_MEDIA_TYPE,
        ]
        .contains(&artifact_type)
        || artifact_type.starts_with("application/vnd.dev.sigstore.bundle")
}

/// Reads the referrers of `digest` into `into`: the OCI referrers API (every page), else the
/// fallback tag `sha256-<hex>`. Each referrer naming this digest as its subject is read, at most
/// [`MAX_SIGNATURES`] (more are said so): Notary signatures, cosign signature artifacts and
/// sigstore bundles (image signatures into [`Discovered::signatures`], attestations into
/// [`Discovered::attestations`]).
pub async fn referrers(
    registry: &Registry,
    r: &ImageRef,
    digest: &Digest,
    into: &mut Discovered,
) -> Result<(), RegistryError> {
    into.referrers_consulted = true;
    let (pages, how) = match registry.referrers(r, digest.as_str()).await? {
        ReferrersAnswer::Index(pages) => (pages, "referrers API"),
        ReferrersAnswer::NotSupported => {
            match registry.manifest(r, &digest.referrers_tag(), false).await? {
                Some(m) => (vec![m.bytes], "referrers fallback tag"),
                None => {
                    into.sources
                        .push("referrers: none (no API, no fallback tag)".into());
                    return Ok(());
                }
            }
        }
    };
    let mut entries = Vec::new();
    for page in &pages {
        let Ok(index) = Manifest::parse(page) else {
            into.sources
                .push(format!("{how}: malformed answer, ignored"));
            return Ok(());
        };
        if !index.is_index() {
            // Some registries answer the fallback tag with the image itself.
            into.sources.push(format!(
                "{how}: answered with something that is not an index, ignored"
            ));
            return Ok(());
        }
        entries.extend(index.manifests);
    }
    let mut wanted = entries.iter().filter_map(|entry| {
        let at = entry.artifact_type.as_deref().unwrap_or("");
        let entry_digest = entry.sha256().ok()?;
        (worth_reading(at) && entry_digest != *digest).then_some(entry_digest)
    });
    let mut count = 0usize;
    for entry_digest in wanted.by_ref().take(MAX_SIGNATURES) {
        if referrer(registry, r, digest, &entry_digest, into).await? {
            count += 1;
        }
    }
    let unread = wanted.count();
    if unread > 0 {
        into.signatures.push(Found::Broken {
            source: Source::Referrer(digest.to_string()),
            problem: format!(
                "{unread} more referrer{} past the first {MAX_SIGNATURES} were not read",
                plural(unread)
            ),
            invalid: false,
        });
    }
    let over = if pages.len() > 1 {
        format!(" (over {} pages)", pages.len())
    } else {
        String::new()
    };
    into.sources.push(format!(
        "{how}: {count} referrer{} for this digest{over}",
        plural(count)
    ));
    Ok(())
}

/// Reads one referrer manifest; `false` when it is not a referrer of `subject` after all.
async fn referrer(
    registry: &Registry,
    r: &ImageRef,
    subject: &Digest,
    at: &Digest,
    into: &mut Discovered,
) -> Result<bool, RegistryError> {
    let source = Source::Referrer(at.to_string());
    let broken = |problem: String, invalid: bool| Found::Broken {
        source: source.clone(),
        problem,
        invalid,
    };
    let m = match registry.manifest(r, at.as_str(), false).await {
        Ok(Some(m)) => m,
        Ok(None) => return Ok(false),
        Err(e) if e.is_integrity() => {
            into.signatures.push(broken(e.to_string(), true));
            return Ok(false);
        }
        Err(e) => return Err(e),
    };
    let Ok(rm) = Manifest::parse(&m.bytes) else {
        return Ok(false);
    };
    // The referrer must name this image as its subject.
    if rm.subject.as_ref().map(|s| s.digest.as_str()) != Some(subject.as_str()) {
        return Ok(false);
    }
    if rm.kind() == NOTARY_ARTIFACT_TYPE {
        into.signatures.push(Found::Notary { source });
        return Ok(true);
    }
    // cosign's OCI 1.1 signature: the `.sig` manifest's layers, stored as a referrer.
    let signing: Vec<&Descriptor> = rm
        .layers
        .iter()
        .filter(|l| l.media_type == SIMPLE_SIGNING_MEDIA_TYPE)
        .collect();
    if rm.kind() == SIGNATURE_ARTIFACT_TYPE || !signing.is_empty() {
        simple_signing_layers(registry, r, signing, source, into).await?;
        return Ok(true);
    }
    let Some(layer) = rm.layers.iter().find(|l| {
        l.media_type
            .starts_with("application/vnd.dev.sigstore.bundle")
    }) else {
        return Ok(true);
    };
    if layer.sha256().is_err() || layer.size > MAX_PAYLOAD_BYTES as i64 {
        into.signatures.push(broken(
            "a sigstore bundle layer is malformed or larger than the limit".into(),
            false,
        ));
        return Ok(true);
    }
    let bundle = match registry.blob(r, &layer.digest, MAX_PAYLOAD_BYTES).await {
        Ok(b) => b,
        Err(e) if e.is_integrity() => {
            into.signatures.push(broken(e.to_string(), true));
            return Ok(true);
        }
        Err(RegistryError::TooLarge { .. }) => {
            into.signatures.push(broken(
                "a sigstore bundle exceeds the size limit; not read".into(),
                false,
            ));
            return Ok(true);
        }
        Err(e) => return Err(e),
    };
    match parse_bundle(&bundle, &layer.media_type, source) {
        BundleContent::Signatures(s) => into.signatures.extend(s),
        BundleContent::Attestation(a) => into.attestations.push(a.in_bundle(&bundle)),
    }
    Ok(true)
}

/// Reads a sigstore bundle. A DSSE envelope holding cosign's image signature statement gives
/// one [`Found::Dsse`] per signature; a DSSE envelope holding any other in-toto statement is an
/// attestation, returned whole; message-signature bundles are recognised but not supported yet.
pub fn parse_bundle(bytes: &[u8], media_type: &str, source: Source) -> BundleContent {
    #[derive(Deserialize)]
    struct Bundle {
        #[serde(rename = "dsseEnvelope")]
        dsse: Option<RawEnvelope>,
        #[serde(rename = "messageSignature")]
        message: Option<serde_json::Value>,
        #[serde(rename = "verificationMaterial", default)]
        material: Material,
    }
    /// Only whether a signing certificate is there: the bundle verifier reads the rest.
    #[derive(Deserialize, Default)]
    struct Material {
        certificate: Option<serde_json::Value>,
        #[serde(rename = "x509CertificateChain")]
        chain: Option<serde_json::Value>,
    }
    let one = |f: Found| BundleContent::Signatures(vec![f]);
    if !media_type.starts_with(SIGSTORE_BUNDLE_MEDIA_TYPE.trim_end_matches("v0.3+json")) {
        return one(Found::Unsupported {
            source,
            what: format!("unknown bundle type `{}`", clip(media_type, 80)),
        });
    }
    let b: Bundle = match serde_json::from_slice(bytes) {
        Ok(b) => b,
        Err(e) => {
            return one(Found::Broken {
                source,
                problem: format!("the sigstore bundle is not valid JSON ({e})"),
                invalid: true,
            })
        }
    };
    let keyless = b.material.certificate.is_some() || b.material.chain.is_some();
    let keyless_bundle = |source| {
        one(Found::KeylessBundle {
            source,
            bundle: String::from_utf8_lossy(bytes).into_owned(),
        })
    };
    if let Some(raw) = b.dsse {
        let envelope = match raw.decode() {
            Ok(e) => e,
            Err(e) => {
                return one(Found::Broken {
                    source,
                    problem: format!("in the sigstore bundle, {e}"),
                    // Corrupt data; an empty or overfull envelope is merely unusable.
                    invalid: matches!(e, DsseError::PayloadBase64),
                });
            }
        };
        let predicate = dsse::predicate_type_of(&envelope.payload);
        if predicate.is_some_and(|p| p != COSIGN_SIGN_PREDICATE) {
            // An attestation (provenance, SBOM, …) is not an image signature: it neither
            // signs the image nor counts against it; `provenance` reports it.
            return BundleContent::Attestation(FoundAttestation {
                source,
                annotated_predicate_type: None,
                evidence: Evidence::Envelope(envelope),
            });
        }
        if keyless {
            return keyless_bundle(source);
        }
        return BundleContent::Signatures(
            envelope
                .signatures
                .into_iter()
                .map(|s| Found::Dsse {
                    source: source.clone(),
                    payload_type: envelope.payload_type.clone(),
                    payload: envelope.payload.clone(),
                    signature_b64: s.sig,
                })
                .collect(),
        );
    }
    if b.message.is_some() && keyless {
        // Verified, then refused with its cause: it signs the digest alone.
        return keyless_bundle(source);
    }
    if b.message.is_some() {
        return one(Found::Unsupported {
            source,
            what: "a cosign v3 message-signature bundle, which Vouch does not support yet".into(),
        });
    }
    one(Found::Broken {
        source,
        problem: "the sigstore bundle holds neither a DSSE envelope nor a message signature".into(),
        invalid: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dsse::encode_b64;

    fn bundle(statement: &str) -> String {
        format!(
            r#"{{"mediaType":"{SIGSTORE_BUNDLE_MEDIA_TYPE}","dsseEnvelope":{{"payload":"{}","payloadType":"application/vnd.in-toto+json","signatures":[{{"keyid":"k","sig":"AAAA"}},{{"sig":"BBBB"}}]}}}}"#,
            encode_b64(statement.as_bytes())
        )
    }

    /// cosign 2.5 lists its OCI 1.1 signatures as its signature artifact and its bundles under
    /// the empty type in the fallback index: both are read (they were skipped), SBOMs are not.
    #[test]
    fn referrers_worth_reading_include_what_cosign_writes() {
        for at in [
            "",
            NOTARY_ARTIFACT_TYPE,
            SIGNATURE_ARTIFACT_TYPE,
            OCI_EMPTY_MEDIA_TYPE,
            SIGSTORE_BUNDLE_MEDIA_TYPE,
        ] {
            assert!(worth_reading(at), "{at}");
        }
        assert!(!worth_reading("application/spdx+json"));
    }

    #[test]
    fn signature_bundles_are_signatures() {
        let st = format!(
            r#"{{"_type":"https://in-toto.io/Statement/v1","subject":[],"predicateType":"{COSIGN_SIGN_PREDICATE}","predicate":{{}}}}"#
        );
        let b = bundle(&st);
        match parse_bundle(b.as_bytes(), SIGSTORE_BUNDLE_MEDIA_TYPE, Source::CosignTag) {
            BundleContent::Signatures(f) => {
                assert!(matches!(
                    f.as_slice(),
                    [Found::Dsse { .. }, Found::Dsse { .. }]
                ))
            }
            other => panic!("{other:?}"),
        }
        // A payload that names no predicate is judged as a signature (and refused there).
        let b = bundle("{}");
        assert!(matches!(
            parse_bundle(b.as_bytes(), SIGSTORE_BUNDLE_MEDIA_TYPE, Source::CosignTag),
            BundleContent::Signatures(f) if f.len() == 2
        ));
    }

    /// A bundle with a signing certificate is keyless: it is handed on whole, to be verified
    /// against the trusted roots (a DSSE image signature or a message signature alike); an
    /// attestation stays an attestation.
    #[test]
    fn keyless_bundles_are_handed_on_whole() {
        let st = format!(
            r#"{{"_type":"https://in-toto.io/Statement/v1","subject":[],"predicateType":"{COSIGN_SIGN_PREDICATE}","predicate":{{}}}}"#
        );
        let with_cert = |b: String| {
            b.replacen(
                '{',
                r#"{"verificationMaterial":{"certificate":{"rawBytes":"AAAA"}},"#,
                1,
            )
        };
        let dsse = with_cert(bundle(&st));
        let message = with_cert(r#"{"messageSignature":{"signature":"AAAA"}}"#.into());
        for b in [dsse, message] {
            match parse_bundle(b.as_bytes(), SIGSTORE_BUNDLE_MEDIA_TYPE, Source::CosignTag) {
                BundleContent::Signatures(f) => match f.as_slice() {
                    [Found::KeylessBundle { bundle, .. }] => assert_eq!(bundle, &b),
                    other => panic!("{other:?}"),
                },
                other => panic!("{other:?}"),
            }
        }
        let provenance = with_cert(bundle(
            r#"{"_type":"https://in-toto.io/Statement/v1","subject":[],"predicateType":"https://slsa.dev/provenance/v1","predicate":{}}"#,
        ));
        assert!(matches!(
            parse_bundle(
                provenance.as_bytes(),
                SIGSTORE_BUNDLE_MEDIA_TYPE,
                Source::CosignTag
            ),
            BundleContent::Attestation(_)
        ));
    }

    #[test]
    fn attestation_bundles_are_kept_whole_with_their_source() {
        let st = r#"{"_type":"https://in-toto.io/Statement/v1","subject":[],"predicateType":"https://slsa.dev/provenance/v1","predicate":{}}"#;
        let b = bundle(st);
        let source = Source::Referrer("sha256:r".into());
        match parse_bundle(b.as_bytes(), SIGSTORE_BUNDLE_MEDIA_TYPE, source.clone()) {
            BundleContent::Attestation(a) => {
                assert_eq!(a.source, source);
                let Evidence::Envelope(e) = a.evidence else {
                    panic!("{:?}", a.evidence)
                };
                assert_eq!(e.payload, st.as_bytes());
                assert_eq!(e.signatures.len(), 2);
                assert_eq!(e.signatures[0].keyid, "k");
                assert_eq!(e.signatures[1].sig, "BBBB");
            }
            other => panic!("an attestation bundle must not be dropped: {other:?}"),
        }
    }

    #[test]
    fn other_bundles_say_what_they_are() {
        let sigs = |b: &[u8], mt: &str| match parse_bundle(b, mt, Source::CosignTag) {
            BundleContent::Signatures(f) => f,
            other => panic!("{other:?}"),
        };
        let m = br#"{"messageSignature":{"signature":"AAAA"}}"#;
        assert!(matches!(
            sigs(m, SIGSTORE_BUNDLE_MEDIA_TYPE).as_slice(),
            [Found::Unsupported { .. }]
        ));
        assert!(matches!(
            sigs(b"not json", SIGSTORE_BUNDLE_MEDIA_TYPE).as_slice(),
            [Found::Broken { invalid: true, .. }]
        ));
        assert!(matches!(
            sigs(b"{}", "application/x-other").as_slice(),
            [Found::Unsupported { .. }]
        ));
        let bad = br#"{"dsseEnvelope":{"payload":"***","payloadType":"x","signatures":[]}}"#;
        assert!(matches!(
            sigs(bad, SIGSTORE_BUNDLE_MEDIA_TYPE).as_slice(),
            [Found::Broken { invalid: true, .. }]
        ));
    }
}
