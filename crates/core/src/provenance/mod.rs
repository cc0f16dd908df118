//! Provenance: how an image was made, verified, as a graph the app renders without computing.
//!
//! - [`crate::dsse`] parses DSSE envelopes and in-toto statements (pure, bounded, clear errors);
//! - [`slsa`] maps SLSA provenance v0.2 and v1 predicates to one model, [`BuildProvenance`];
//! - [`assess_all`] checks fetched attestations against the trust set (pure: no I/O, the clock
//!   is a parameter) with the same key rules as image signatures — a trusted key verifies the
//!   DSSE signature over the PAE encoding, the key is active, unexpired and scoped to the
//!   repository — and that the statement's subject names the image digest. Anything that fails
//!   is reported *unverified with a reason*; nothing is dropped;
//! - [`metadata`] reads what the image says about itself (OCI labels and annotations, created
//!   time, platforms, layers, size, history);
//! - [`graph`] builds the [`ProvenanceGraph`];
//! - [`fetch`] gathers all of it from a registry ([`inspect`]) through [`crate::registry`] and
//!   [`crate::verify`];
//! - [`attest`](mod@attest) is the publisher side: a cosign-compatible `.att` attestation, appended.

pub mod attest;
pub mod fetch;
pub mod graph;
pub mod keyless;
#[cfg(test)]
mod keyless_tests;
pub mod metadata;
pub mod slsa;
#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::dsse::{decode_b64, pae};
use crate::trust::{Keyring, Standing, TrustSet, TrustedIdentity, TrustedKey};
use crate::verify::keyless::{no_trusted_identity, KeylessRoots, KeylessSignature};
use crate::verify::Problem;

pub use crate::cosign::PREDICATE_TYPE_ANNOTATION;
pub use crate::discovery::{Evidence, MAX_ATTESTATIONS};
/// DSSE and in-toto live in [`crate::dsse`]; this path is kept for callers.
pub use crate::dsse;
pub use crate::dsse::{
    DsseError, Envelope, EnvelopeSignature, Statement, Subject, DSSE_MEDIA_TYPE,
    IN_TOTO_PAYLOAD_TYPE, MAX_ATTESTATION_BYTES, MAX_ENVELOPE_SIGNATURES, STATEMENT_V01,
    STATEMENT_V1,
};
pub use attest::{attest, predicate_type_for, AttestError, AttestOutcome};
pub use fetch::{inspect, Inspection};
pub use graph::{Edge, EdgeKind, Mark, Node, NodeKind, ProvenanceGraph};
pub use metadata::{ImageMetadata, PlatformInfo};
pub use slsa::{BuildProvenance, MaterialRef};

/// BuildKit's layer annotation naming the predicate type.
pub const BUILDKIT_PREDICATE_ANNOTATION: &str = "in-toto.io/predicate-type";
/// SLSA provenance v0.2 predicate type.
pub const SLSA_V02: &str = "https://slsa.dev/provenance/v0.2";
/// SLSA provenance v1 predicate type.
pub const SLSA_V1: &str = "https://slsa.dev/provenance/v1";

/// Most materials kept per provenance.
pub const MAX_MATERIALS: usize = 256;

/// Where an attestation was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Origin {
    /// A layer of the cosign `sha256-<hex>.att` manifest.
    CosignTag { tag: String },
    /// A sigstore bundle pushed as an OCI referrer (manifest digest).
    Referrer { digest: String },
    /// A BuildKit attestation manifest inside the image index, describing `for_digest`.
    Buildkit {
        manifest: String,
        for_digest: Option<String>,
    },
}

/// One attestation as fetched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    pub origin: Origin,
    /// The predicate type the manifest annotates (unsigned; shown only when the statement
    /// cannot be read).
    pub annotated_predicate_type: Option<String>,
    pub evidence: Evidence,
}

/// What protects an attestation's content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Protection {
    /// Its own DSSE signature.
    Dsse,
    /// The trusted signature on the image index that lists it (BuildKit).
    ImageSignature,
    /// Nothing.
    None,
}

/// One attestation, assessed: the shape `vouch inspect --json` prints in `attestations`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Attestation {
    pub predicate_type: String,
    /// True only when every check passed: signature by a trusted, active, unexpired key scoped
    /// to the repository (or coverage by the verified image signature), and the subject names
    /// the image digest.
    pub verified: bool,
    /// Fingerprint of the trusted key whose signature verifies, if any.
    pub signer: Option<String>,
    pub publisher: Option<String>,
    /// One sentence: why it is verified, or which check failed.
    pub reason: String,
    /// Which check failed, typed (`None` when verified).
    pub cause: Option<Problem>,
    pub protection: Protection,
    pub origin: Origin,
    /// The in-toto `_type`.
    pub statement_type: Option<String>,
    pub subjects: Vec<Subject>,
    /// `keyid` values of the envelope's signatures (hints only, never trusted).
    pub key_hints: Vec<String>,
    /// SLSA fields (all empty for other predicate types).
    #[serde(flatten)]
    pub provenance: BuildProvenance,
}

/// A verified image signature that covers attestations stored inside the image (BuildKit).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageCover {
    pub fingerprint: String,
    pub publisher: String,
}

/// Why a key that verified a signature may still not vouch: its [`TrustedKey::standing`], the
/// same rule image signatures follow, typed and in words.
fn key_problem(
    key: &TrustedKey,
    repository: &str,
    now: OffsetDateTime,
) -> Option<(Problem, String)> {
    let standing = key.standing(repository, now);
    let words = match &standing {
        Standing::Active => return None,
        Standing::Revoked {
            reason: Some(why), ..
        } => format!("the key {} was revoked ({})", key.label(), clip(why, 200)),
        Standing::Revoked { reason: None, .. } => format!("the key {} was revoked", key.label()),
        Standing::Expired { .. } => format!("trust in the key {} has expired", key.label()),
        Standing::OutOfScope { scopes } => format!(
            "the key {} is scoped to {}, which does not cover {repository}",
            key.label(),
            scopes.join(", ")
        ),
    };
    Problem::from_standing(key, standing, repository).map(|p| (p, words))
}

pub(crate) use crate::oci::clip;

fn short(d: &str) -> String {
    let hex = d.strip_prefix("sha256:").unwrap_or(d);
    format!("sha256:{}…", hex.get(..12).unwrap_or(hex))
}

/// The digest an attestation must name: the image's, or for BuildKit the platform manifest
/// it describes (which must be one of `platform_digests`).
fn expected_subject(
    origin: &Origin,
    digest: &str,
    platform_digests: &[String],
) -> Result<String, Problem> {
    match origin {
        Origin::Buildkit { for_digest, .. } => match for_digest {
            Some(d) if platform_digests.iter().any(|p| p == d) => Ok(d.clone()),
            other => Err(Problem::UnknownPlatform {
                for_digest: other.as_deref().map(|d| clip(d, 80)),
            }),
        },
        _ => Ok(digest.to_string()),
    }
}

/// Whether one of the statement's subjects is the sha256 digest `expected`.
fn names(statement: &Statement, expected: &str) -> bool {
    statement.subjects.iter().any(|s| {
        s.digest
            .get("sha256")
            .map(|h| format!("sha256:{h}"))
            .as_deref()
            == Some(expected)
    })
}

/// Assesses every fetched attestation for `repository` at `digest`, at time `now`. Pure.
/// `platform_digests` are the index's platform manifests (empty for an image); `cover` is the
/// verified image signature, which covers attestations stored inside the index. Keyless
/// bundles are reported unverified (no trusted root): see [`assess_all_with`].
pub fn assess_all(
    fetched: &[Fetched],
    trust: &TrustSet,
    repository: &str,
    digest: &str,
    platform_digests: &[String],
    cover: Option<&ImageCover>,
    now: OffsetDateTime,
) -> Vec<Attestation> {
    let roots = KeylessRoots::none();
    assess_all_with(
        fetched,
        (trust, &roots),
        repository,
        digest,
        platform_digests,
        cover,
        now,
    )
}

/// [`assess_all`], with keyless bundles verified against `roots` (the trusted roots `trust`'s
/// identities name) and matched against `trust`'s identities. Pure: no I/O, the clock is `now`.
pub fn assess_all_with(
    fetched: &[Fetched],
    (trust, roots): (&TrustSet, &KeylessRoots),
    repository: &str,
    digest: &str,
    platform_digests: &[String],
    cover: Option<&ImageCover>,
    now: OffsetDateTime,
) -> Vec<Attestation> {
    let keyring = Keyring::new(trust);
    let signers = Signers {
        keyring: &keyring,
        trust,
        roots,
    };
    fetched
        .iter()
        .map(|f| {
            assess_one(
                f,
                &signers,
                repository,
                digest,
                platform_digests,
                cover,
                now,
            )
        })
        .collect()
}

/// Who may sign an attestation: the trusted keys, and the trusted identities with their roots.
struct Signers<'a> {
    keyring: &'a Keyring<'a>,
    trust: &'a TrustSet,
    roots: &'a KeylessRoots,
}

fn assess_one(
    f: &Fetched,
    signers: &Signers<'_>,
    repository: &str,
    digest: &str,
    platform_digests: &[String],
    cover: Option<&ImageCover>,
    now: OffsetDateTime,
) -> Attestation {
    let mut a = Attestation {
        predicate_type: f
            .annotated_predicate_type
            .as_deref()
            .map(|p| clip(p, 300))
            .unwrap_or_else(|| "unknown".into()),
        verified: false,
        signer: None,
        publisher: None,
        reason: String::new(),
        cause: None,
        protection: Protection::None,
        origin: f.origin.clone(),
        statement_type: None,
        subjects: Vec::new(),
        key_hints: Vec::new(),
        provenance: BuildProvenance::default(),
    };
    // The reason is the cause's sentence unless a more specific one is given.
    let fail_as = |mut a: Attestation, cause: Problem, why: Option<String>| {
        a.verified = false;
        a.reason = why.unwrap_or_else(|| cause.to_string());
        a.cause = Some(cause);
        a
    };
    let fail = |a: Attestation, cause: Problem| fail_as(a, cause, None);
    let broken = |detail: String| Problem::Broken { detail };
    let keyring = signers.keyring;

    // 1. The bytes: an envelope (signed) or a bare statement (BuildKit).
    let (envelope, payload) = match &f.evidence {
        Evidence::Broken(why) => return fail(a, broken(clip(why, 500))),
        Evidence::EnvelopeBytes(bytes) => match dsse::parse_envelope(bytes) {
            Ok(e) => {
                let p = e.payload.clone();
                (Some(e), p)
            }
            Err(e) => return fail(a, broken(format!("malformed DSSE envelope: {e}"))),
        },
        Evidence::Envelope(e) | Evidence::Bundle { envelope: e, .. } => {
            (Some(e.clone()), e.payload.clone())
        }
        Evidence::UnsignedStatement(bytes) => (None, bytes.clone()),
    };
    if let Some(e) = &envelope {
        a.protection = Protection::Dsse;
        a.key_hints = e
            .signatures
            .iter()
            .filter(|s| !s.keyid.is_empty())
            .map(|s| clip(&s.keyid, 120))
            .collect();
    }
    // The Sigstore bundle an envelope came in, if it did: a key-based bundle names its key
    // (a hint, like `keyid`); a keyless one carries the certificate that signed it.
    let bundle = match &f.evidence {
        Evidence::Bundle { json, .. } => crate::sigstore::Bundle::from_json(json)
            .ok()
            .map(|b| (json.as_str(), b)),
        _ => None,
    };
    if let Some(hint) = bundle.as_ref().and_then(|(_, b)| b.public_key_hint()) {
        a.key_hints.push(clip(hint, 120));
    }
    let keyless_json = bundle
        .as_ref()
        .filter(|(_, b)| b.is_keyless())
        .map(|(json, _)| *json);
    let expected = expected_subject(&f.origin, digest, platform_digests);

    // 2. What it says (parsed even when unsigned or untrusted, so it is shown, never dropped).
    let statement = match envelope.as_ref().map(|e| e.payload_type.as_str()) {
        Some(pt) if pt != IN_TOTO_PAYLOAD_TYPE => Err(format!(
            "the DSSE envelope carries `{}`, not an in-toto statement",
            clip(pt, 120)
        )),
        _ => dsse::parse_statement(&payload).map_err(|e| e.to_string()),
    };
    if let Ok(s) = &statement {
        a.predicate_type = clip(&s.predicate_type, 300);
        a.statement_type = Some(s.statement_type.clone());
        a.subjects = s.subjects.clone();
        a.provenance = slsa::from_predicate(&s.predicate_type, &s.predicate);
    }

    // 3. Who signed it.
    let mut verifier: Option<&TrustedKey> = None;
    let mut key_refusal: Option<(Problem, String)> = None;
    let mut keyless_signer: Option<(&TrustedIdentity, KeylessSignature)> = None;
    match &envelope {
        Some(e) => {
            let msg = pae(&e.payload_type, &e.payload);
            let mut any_bad_b64 = false;
            let mut candidates: Vec<&TrustedKey> = Vec::new();
            for s in &e.signatures {
                match decode_b64(&s.sig) {
                    Some(sig) => candidates.extend(keyring.verifiers(&msg, &sig)),
                    None => any_bad_b64 = true,
                }
            }
            // Prefer a key that may vouch here; otherwise report the first one's problem.
            verifier = candidates
                .iter()
                .copied()
                .find(|k| key_problem(k, repository, now).is_none())
                .or_else(|| candidates.first().copied());
            if let Some(k) = verifier {
                a.signer = Some(k.fingerprint.clone());
                a.publisher = Some(k.publisher.clone());
                key_refusal = key_problem(k, repository, now);
            } else if let Some(json) = keyless_json {
                // 3b. Keyless: the bundle's certificate, verified against the trusted roots,
                // must be a trusted identity's. A statement about another image is refused
                // as such below (4), before any certificate is looked at.
                let trust = signers.trust;
                if trust.identities.is_empty() {
                    return fail(a, no_trusted_identity());
                }
                if let (Ok(s), Ok(expected)) = (&statement, &expected) {
                    if names(s, expected) {
                        let judged =
                            keyless::judge(json, expected, repository, trust, signers.roots, now);
                        match (judged.identity, judged.report, judged.rejection) {
                            (Some(identity), Some(report), _) => {
                                a.signer = Some(identity.id.clone());
                                a.publisher = Some(identity.publisher.clone());
                                keyless_signer = Some((identity, report));
                            }
                            (_, _, cause) => {
                                return fail(a, cause.unwrap_or_else(no_trusted_identity))
                            }
                        }
                    }
                }
            } else {
                let n = e.signatures.len();
                if any_bad_b64 && n == 1 {
                    return fail(
                        a,
                        broken("malformed DSSE envelope: the signature is not valid base64".into()),
                    );
                }
                return fail_as(
                    a,
                    Problem::NoTrustedKey {
                        trusted_keys: keyring.len(),
                    },
                    Some(format!(
                        "untrusted signer: none of the envelope's {n} signature{} verifies with any of your {} trusted key{} (signed by a key you do not trust, or the payload was altered)",
                        if n == 1 { "" } else { "s" },
                        keyring.len(),
                        if keyring.len() == 1 { "" } else { "s" }
                    )),
                );
            }
        }
        None => {
            if let Some(c) = cover {
                a.protection = Protection::ImageSignature;
                a.signer = Some(c.fingerprint.clone());
                a.publisher = Some(c.publisher.clone());
            }
        }
    }

    // 4. The statement itself, and its subject.
    let statement = match statement {
        Ok(s) => s,
        Err(detail) => return fail(a, Problem::BadStatement { detail }),
    };
    let expected = match expected {
        Ok(d) => d,
        Err(cause) => return fail(a, cause),
    };
    if !names(&statement, &expected) {
        let subjects = statement
            .subjects
            .iter()
            .filter_map(|s| {
                s.digest
                    .get("sha256")
                    .map(|h| format!("sha256:{}", clip(h, 64)))
            })
            .collect();
        return fail(a, Problem::WrongSubject { subjects, expected });
    }

    // 5. May the signer vouch for this repository now?
    match (&envelope, verifier, &keyless_signer) {
        (Some(_), Some(k), _) => {
            if let Some((cause, why)) = key_refusal {
                return fail_as(a, cause, Some(format!("signed, but {why}")));
            }
            a.verified = true;
            a.reason = format!(
                "signed by {} for {}",
                k.label(),
                if expected == digest {
                    format!("this image ({})", short(digest))
                } else {
                    format!("platform manifest {}", short(&expected))
                }
            );
        }
        (Some(_), None, Some((identity, v))) => {
            a.verified = true;
            a.reason = format!(
                "signed keyless by {} (issuer {}), the trusted identity {}, for this image ({})",
                clip(v.subject.value(), 200),
                clip(&v.issuer, 200),
                identity.label(),
                short(&expected)
            );
        }
        (None, _, _) => match cover {
            Some(c) => {
                a.verified = true;
                a.reason = format!(
                    "unsigned itself, but stored inside the image index whose trusted signature by {} ({}) covers it by digest; describes {}",
                    c.publisher,
                    crate::trust::short_fingerprint(&c.fingerprint),
                    short(&expected)
                );
            }
            None => {
                return fail(
                    a,
                    Problem::NotCovered {
                        describes: expected,
                    },
                )
            }
        },
        (Some(_), None, None) => {
            return fail_as(
                a,
                Problem::NoTrustedKey {
                    trusted_keys: keyring.len(),
                },
                Some("untrusted signer".into()),
            );
        }
    }
    a
}
