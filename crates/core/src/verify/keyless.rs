//! Keyless image signatures in a verification: what they are checked with for a whole batch
//! (the trusted roots the trust set's identities are tied to, read once; each identity's subject
//! pattern compiled once), and the judgement of one keyless signature — verified against the
//! root of each identity, then its certificate's claims matched against the identities.
//!
//! Invariant: one signature vouches as at most one identity (the first in the trust set that
//! matches and is active), so a threshold never counts one certificate twice; an identity whose
//! standing is not active (revoked, expired, out of scope) never vouches, and says why.

use std::collections::HashMap;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use super::problem::{IdentityRef, Rejection};
use super::{Found, Problem};
use crate::sigstore::roots::RootStore;
use crate::sigstore::{
    verify_keyless_bundle, verify_keyless_sig, KeylessVerified, SigstoreError, TimeSource,
    TrustedRoot,
};
use crate::trust::identity::PUBLIC_GOOD_ROOT;
use crate::trust::{
    CertificateClaims, IdentityError, IdentityMatcher, IdentityMismatch, San, Standing, TrustSet,
    TrustedIdentity,
};

/// What a keyless signature's verified certificate and log entry say: shown with the signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct KeylessSignature {
    /// The trusted identity it matched (`None`: none did).
    pub identity: Option<IdentityRef>,
    /// The certificate's OIDC issuer.
    pub issuer: String,
    /// The certificate's subject (email or URI).
    pub subject: San,
    /// When the certificate was issued (its notBefore, RFC 3339).
    pub certificate_time: String,
    /// The transparency log entry it was verified with, if any.
    pub log: Option<LogRef>,
    /// Which authority established the signing time.
    pub time_source: TimeSource,
    /// The name of the trusted root it verified against.
    pub trusted_root: String,
}

/// A transparency log entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct LogRef {
    /// The log's id: hex of the SHA-256 of its public key.
    pub log_id: String,
    pub index: u64,
    /// The authenticated integration time (RFC 3339), when the log gave one.
    pub integrated_time: Option<String>,
}

/// The Sigstore trusted roots a trust set's identities are tied to, each read once (or why it
/// could not be read), in the order the identities first name them: what keyless image
/// signatures ([`Keyless`]) and keyless attestations (`provenance`) are verified against. A
/// verification that shows both (`vouch inspect`) reads them once for the two.
#[derive(Debug, Default)]
pub struct KeylessRoots {
    roots: Vec<(String, Result<TrustedRoot, SigstoreError>)>,
}

impl KeylessRoots {
    /// No root at all: keyless material is refused, saying no root was loaded.
    pub fn none() -> Self {
        KeylessRoots::default()
    }

    /// For `trust`'s identities, each root they name from `load` (by name, once each).
    pub fn new(
        trust: &TrustSet,
        mut load: impl FnMut(&str) -> Result<TrustedRoot, SigstoreError>,
    ) -> Self {
        let mut roots: Vec<(String, Result<TrustedRoot, SigstoreError>)> = Vec::new();
        for i in &trust.identities {
            let name = i.identity.trusted_root_name();
            if !roots.iter().any(|(n, _)| n == name) {
                roots.push((name.to_string(), load(name)));
            }
        }
        KeylessRoots { roots }
    }

    /// For `trust`'s identities, the roots of `store` (`None`: the active profile's). Offline:
    /// a root is a file of the profile, or the embedded public-good root. Nothing is read when
    /// the trust set has no identity.
    pub fn load(trust: &TrustSet, store: Option<&RootStore>) -> Self {
        if trust.identities.is_empty() {
            return KeylessRoots::none();
        }
        let store = match store {
            Some(s) => Ok(s.clone()),
            None => crate::paths::profile()
                .map(|p| RootStore::for_profile(&p))
                .map_err(|e| e.to_string()),
        };
        KeylessRoots::new(trust, |name| {
            let reason = match &store {
                Ok(s) => match s.get(name) {
                    Ok(root) => return Ok(root),
                    Err(e) => e.to_string(),
                },
                Err(why) => why.clone(),
            };
            Err(SigstoreError::TrustedRootUnusable { reason })
        })
    }

    /// How many trusted roots were read (or tried).
    pub fn len(&self) -> usize {
        self.roots.len()
    }

    /// Whether no root was read (or tried).
    pub fn is_empty(&self) -> bool {
        self.roots.is_empty()
    }

    /// Each root by name, or why it could not be read, in first-use order.
    pub(crate) fn iter(
        &self,
    ) -> impl Iterator<Item = (&str, &Result<TrustedRoot, SigstoreError>)> + '_ {
        self.roots.iter().map(|(n, r)| (n.as_str(), r))
    }

    fn get(&self, name: &str) -> Option<&Result<TrustedRoot, SigstoreError>> {
        self.iter().find(|(n, _)| *n == name).map(|(_, r)| r)
    }
}

/// The trusted roots and compiled identities keyless signatures are judged with, made once per
/// batch. Also remembers each verification between the fetch-time policy question and the
/// verdict, so no keyless signature is verified twice.
pub struct Keyless {
    roots: KeylessRoots,
    /// Identity id → its compiled matcher.
    matchers: HashMap<String, Result<IdentityMatcher<'static>, IdentityError>>,
    /// (root, signature material) → the outcome, kept from the policy question to the verdict.
    verified: Mutex<HashMap<[u8; 32], Result<KeylessVerified, SigstoreError>>>,
}

impl std::fmt::Debug for Keyless {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keyless")
            .field(
                "roots",
                &self.roots.iter().map(|(n, _)| n).collect::<Vec<_>>(),
            )
            .field("identities", &self.matchers.len())
            .finish()
    }
}

/// Whether a remembered verification is kept (asked again later) or handed over for good.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Recall {
    Keep,
    Take,
}

impl Keyless {
    /// For `trust`'s identities: each root they are tied to from `load` (by name), each subject
    /// pattern compiled. Nothing is read when the trust set has no identity.
    pub fn new(
        trust: &TrustSet,
        load: impl FnMut(&str) -> Result<TrustedRoot, SigstoreError>,
    ) -> Keyless {
        Keyless::with_roots(trust, KeylessRoots::new(trust, load))
    }

    /// For `trust`'s identities, with the roots of `store` (`None`: the active profile's).
    /// Offline: a root is a file of the profile, or the embedded public-good root.
    pub fn load(trust: &TrustSet, store: Option<&RootStore>) -> Keyless {
        Keyless::with_roots(trust, KeylessRoots::load(trust, store))
    }

    /// For `trust`'s identities with `roots` already read, each subject pattern compiled.
    pub fn with_roots(trust: &TrustSet, roots: KeylessRoots) -> Keyless {
        let mut matchers = HashMap::new();
        for i in &trust.identities {
            matchers
                .entry(i.id.clone())
                .or_insert_with(|| i.identity.matcher().map(IdentityMatcher::into_owned));
        }
        Keyless {
            roots,
            matchers,
            verified: Mutex::new(HashMap::new()),
        }
    }

    /// With no trusted root at all: keyless signatures are refused, saying the root was not
    /// loaded (what a pure [`super::evaluate`] without roots judges with).
    pub fn without_roots(trust: &TrustSet) -> Keyless {
        Keyless::new(trust, |_| Err(unreachable_root()))
    }

    /// The trusted roots read for this batch (also what its keyless attestations verify against).
    pub fn roots(&self) -> &KeylessRoots {
        &self.roots
    }

    /// How many trusted roots were read (or tried) for this batch.
    pub fn roots_read(&self) -> usize {
        self.roots.len()
    }

    /// Verifies keyless material against the root `name`, or recalls the outcome of the same
    /// verification of the same bytes.
    fn verify(
        &self,
        found: &Found,
        root_name: &str,
        repository: &str,
        digest: &str,
        recall: Recall,
    ) -> Result<KeylessVerified, SigstoreError> {
        let key = material_key(found, root_name, repository, digest);
        if let Ok(mut cache) = self.verified.lock() {
            let hit = match recall {
                Recall::Keep => cache.get(&key).cloned(),
                Recall::Take => cache.remove(&key),
            };
            if let Some(hit) = hit {
                return hit;
            }
        }
        let root = match self.roots.get(root_name) {
            Some(Ok(root)) => std::slice::from_ref(root),
            Some(Err(e)) => return Err(e.clone()),
            None => return Err(unreachable_root()),
        };
        let outcome = match found {
            Found::KeylessSig {
                payload,
                annotations,
                ..
            } => verify_keyless_sig(repository, digest, annotations, payload, root),
            Found::KeylessBundle { bundle, .. } => {
                verify_keyless_bundle(repository, digest, bundle, root)
            }
            _ => Err(SigstoreError::Unsupported {
                reason: "not a keyless signature".into(),
            }),
        };
        if recall == Recall::Keep {
            if let Ok(mut cache) = self.verified.lock() {
                cache.insert(key, outcome.clone());
            }
        }
        outcome
    }

    /// Judges one keyless signature for `repository` at `digest` at `now`: the identity it
    /// vouches as, or why it does not count, with what its certificate says.
    pub(crate) fn judge<'t>(
        &self,
        found: &Found,
        trust: &'t TrustSet,
        repository: &str,
        digest: &str,
        now: time::OffsetDateTime,
        recall: Recall,
    ) -> Judged<'t> {
        // Each root once, in the order the identities name them (none without identities).
        let verified = self
            .roots
            .iter()
            .map(|(name, _)| (name, self.verify(found, name, repository, digest, recall)))
            .collect();
        judge_verified(verified, trust, repository, now, |i, claims| {
            match self.matchers.get(&i.id) {
                Some(Ok(m)) => m.matches(claims),
                _ => i.identity.matches(claims),
            }
        })
    }
}

/// Judges keyless material by what each trusted root made of it (`verified`, in the roots'
/// order: the verification, or why that root refused it) — the first trusted identity whose root
/// verified it, that matches (`matches`) and may vouch for `repository` now; else the first
/// that matched but may not, with its standing; else the nearest miss; and when no root verified
/// it, the first root's refusal. Image signatures and keyless attestations are judged by this
/// one rule, with the same causes.
pub(crate) fn judge_verified<'t>(
    verified: Vec<(&str, Result<KeylessVerified, SigstoreError>)>,
    trust: &'t TrustSet,
    repository: &str,
    now: time::OffsetDateTime,
    matches: impl Fn(&TrustedIdentity, &CertificateClaims) -> Result<(), IdentityMismatch>,
) -> Judged<'t> {
    if trust.identities.is_empty() {
        return Judged::refused(no_trusted_identity());
    }
    let mut first_error: Option<(String, SigstoreError)> = None;
    let mut outcomes: Vec<(&str, KeylessVerified)> = Vec::new();
    for (name, outcome) in verified {
        match outcome {
            Ok(v) => outcomes.push((name, v)),
            Err(e) => {
                first_error.get_or_insert((name.to_string(), e));
            }
        }
    }
    let Some((first_root, first)) = outcomes.first() else {
        let (root, sigstore) =
            first_error.unwrap_or_else(|| (PUBLIC_GOOD_ROOT.to_string(), unreachable_root()));
        return Judged::refused(Problem::Sigstore { root, sigstore });
    };
    let mut closest: Option<(u8, Rejection)> = None;
    let mut inactive: Option<(&'t TrustedIdentity, Standing, &KeylessVerified, &str)> = None;
    for i in &trust.identities {
        let root = i.identity.trusted_root_name();
        let Some((root_name, v)) = outcomes.iter().find(|(n, _)| *n == root) else {
            continue;
        };
        match matches(i, &v.identity_claims()) {
            Ok(()) => match i.terms().standing(repository, now) {
                Standing::Active => {
                    return Judged {
                        identity: Some(i),
                        rejection: None,
                        report: Some(report(v, Some(i), root_name)),
                    }
                }
                other => {
                    inactive.get_or_insert((i, other, v, root_name));
                }
            },
            Err(m) => {
                let rank = mismatch_rank(&m);
                if closest.as_ref().is_none_or(|(r, _)| rank > *r) {
                    closest = Some((rank, Rejection::new(i, &m)));
                }
            }
        }
    }
    if let Some((i, standing, v, root_name)) = inactive {
        return Judged {
            identity: None,
            rejection: Some(Problem::IdentityNotActive {
                identity: Box::new(IdentityRef::from(i)),
                standing,
                repository: repository.to_string(),
            }),
            report: Some(report(v, Some(i), root_name)),
        };
    }
    Judged {
        identity: None,
        rejection: Some(Problem::UntrustedIdentity {
            signer: Some(Box::new(signer_of(first))),
            closest: closest.map(|(_, r)| Box::new(r)),
            trusted_identities: trust.identities.len(),
        }),
        report: Some(report(first, None, first_root)),
    }
}

/// A keyless signature (or attestation) when the trust set has no keyless identity at all.
pub(crate) fn no_trusted_identity() -> Problem {
    Problem::UntrustedIdentity {
        signer: None,
        closest: None,
        trusted_identities: 0,
    }
}

/// One keyless signature judged.
pub(crate) struct Judged<'t> {
    /// The active trusted identity it vouches as.
    pub(crate) identity: Option<&'t TrustedIdentity>,
    pub(crate) rejection: Option<Problem>,
    /// What the certificate says, when it verified.
    pub(crate) report: Option<KeylessSignature>,
}

impl Judged<'_> {
    fn refused(p: Problem) -> Self {
        Judged {
            identity: None,
            rejection: Some(p),
            report: None,
        }
    }
}

fn unreachable_root() -> SigstoreError {
    SigstoreError::TrustedRootUnusable {
        reason: "no trusted root was loaded for this check".into(),
    }
}

/// The cache key: SHA-256 over the root name, the image and the material, length-prefixed.
fn material_key(found: &Found, root: &str, repository: &str, digest: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    let mut field = |b: &[u8]| {
        h.update((b.len() as u64).to_be_bytes());
        h.update(b);
    };
    field(root.as_bytes());
    field(repository.as_bytes());
    field(digest.as_bytes());
    match found {
        Found::KeylessSig {
            payload,
            annotations,
            ..
        } => {
            field(b"sig");
            field(payload);
            for (k, v) in annotations {
                field(k.as_bytes());
                field(v.as_bytes());
            }
        }
        Found::KeylessBundle { bundle, .. } => {
            field(b"bundle");
            field(bundle.as_bytes());
        }
        _ => field(b"other"),
    }
    h.finalize().into()
}

/// How close a mismatch came: the issuer matched (1), the subject too (2).
fn mismatch_rank(m: &IdentityMismatch) -> u8 {
    match m {
        IdentityMismatch::Issuer { .. } => 0,
        IdentityMismatch::Subject { .. } | IdentityMismatch::UnusablePattern { .. } => 1,
        _ => 2,
    }
}

fn signer_of(v: &KeylessVerified) -> super::problem::CertifiedSigner {
    super::problem::CertifiedSigner {
        issuer: v.issuer.clone(),
        subject: v.subject(),
    }
}

fn report(v: &KeylessVerified, identity: Option<&TrustedIdentity>, root: &str) -> KeylessSignature {
    KeylessSignature {
        identity: identity.map(IdentityRef::from),
        issuer: v.issuer.clone(),
        subject: v.subject(),
        certificate_time: v.cert_not_before.clone(),
        log: v.log.as_ref().map(|l| LogRef {
            log_id: l.log_id.clone(),
            index: l.index,
            integrated_time: l.integrated_time.clone(),
        }),
        time_source: v.time_source,
        trusted_root: root.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sigstore::testing::{self, Instance, LeafSpec};
    use crate::trust::identity::{Claims, Identity, Subject};
    use crate::verify::{evaluate_with, meets_policy_with, Material, Rejection, Source, Status};

    const REPO: &str = "127.0.0.1:5000/acme/app";
    const DIGEST: &str = "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

    fn remembered(k: &Keyless) -> usize {
        k.verified.lock().map(|c| c.len()).unwrap_or(usize::MAX)
    }

    /// The policy question at fetch time verifies a keyless signature once and the verdict
    /// reuses that outcome (the entry is then dropped, so a batch's memory does not grow); both
    /// give the same answer.
    #[test]
    fn a_keyless_signature_is_verified_once_for_the_policy_question_and_the_verdict() {
        let now = testing::now();
        let instance = Instance::new("unit");
        let spec = LeafSpec::github("acme/app", "release.yml", "refs/heads/main", now - 120);
        let layer = instance.sign_image(REPO, DIGEST, &instance.leaf(&spec, "leaf"), now - 60);
        let identity = Identity::new(
            testing::GITHUB_ISSUER,
            Subject::Exact(spec.identity().into()),
            Claims::default(),
            Some("unit"),
        )
        .expect("identity");
        let clock = time::OffsetDateTime::from_unix_timestamp(now).expect("now");
        let trust = TrustSet {
            identities: vec![TrustedIdentity::new(identity, "acme", vec![], clock)],
            ..TrustSet::default()
        };
        let mut loads = 0;
        let keyless = Keyless::new(&trust, |name| {
            loads += 1;
            assert_eq!(name, "unit");
            Ok(instance.trusted_root())
        });
        assert_eq!(loads, 1, "one root, read once");
        let found = vec![Found::KeylessSig {
            source: Source::CosignTag,
            payload: layer.payload,
            annotations: layer.annotations,
        }];
        assert!(meets_policy_with(
            &found, &trust, &keyless, DIGEST, REPO, clock
        ));
        assert_eq!(remembered(&keyless), 1, "kept for the verdict");
        let material = Material {
            reference: format!("{REPO}:v1"),
            repository: REPO.into(),
            digest: DIGEST.into(),
            digest_detail: "test".into(),
            found,
            sources: vec![],
            platforms: vec![],
        };
        let v = evaluate_with(&material, &trust, &keyless, clock);
        assert_eq!(v.status, Status::Verified, "{v:#?}");
        assert_eq!(remembered(&keyless), 0, "handed over to the verdict");
        let k = v.signatures[0].keyless.as_ref().expect("keyless report");
        assert_eq!(k.subject, San::Uri(spec.identity().into()));
        assert_eq!(k.trusted_root, "unit");
        // Without the roots (a pure `evaluate`), the same material is refused, saying why.
        let v = crate::verify::evaluate(&material, &trust, clock);
        assert_eq!(v.status, Status::Untrusted);
        assert!(
            v.reason.contains("no trusted root was loaded"),
            "{}",
            v.reason
        );
    }

    /// The keyless causes round-trip through JSON with their data, and their sentences name
    /// the field, what was expected and what was found.
    #[test]
    fn keyless_causes_are_data_and_sentences() {
        let identity = IdentityRef {
            id: "id:0123456789ab".into(),
            publisher: "acme".into(),
            subject: "https://github.com/acme/app/**".into(),
        };
        let cases = [
            Problem::UntrustedIdentity {
                signer: Some(Box::new(super::super::problem::CertifiedSigner {
                    issuer: testing::GITHUB_ISSUER.into(),
                    subject: San::Uri("https://x/dev".into()),
                })),
                closest: Some(Box::new(Rejection {
                    identity: identity.clone(),
                    field: "ref".into(),
                    expected: "refs/tags/v1".into(),
                    found: Some("refs/heads/dev".into()),
                })),
                trusted_identities: 1,
            },
            Problem::Sigstore {
                root: "ci".into(),
                sigstore: SigstoreError::UnknownLog {
                    log_id: "ab".into(),
                },
            },
            Problem::IdentityNotActive {
                identity: Box::new(identity),
                standing: Standing::OutOfScope {
                    scopes: vec!["quay.io/**".into()],
                },
                repository: REPO.into(),
            },
        ];
        let sentences = [
            format!("signed by https://x/dev (issued by {}), not an identity you trust (ref: expected refs/tags/v1, found refs/heads/dev)", testing::GITHUB_ISSUER),
            "a keyless signature does not verify against the trusted root `ci`: the transparency log ab is not in the trusted root".to_string(),
            format!("the identity acme (id:0123456789ab) is scoped to quay.io/**, which does not cover {REPO}"),
        ];
        for (p, sentence) in cases.iter().zip(sentences) {
            assert_eq!(p.to_string(), sentence);
            let j = serde_json::to_value(p).expect("json");
            assert_eq!(j["code"], p.code(), "{j}");
            let back: Problem = serde_json::from_value(j).expect("round trip");
            assert_eq!(&back, p);
        }
    }

    /// One certificate vouches as one identity: two publishers' identities that both match it
    /// do not make it count twice.
    #[test]
    fn one_signature_counts_for_one_identity() {
        let now = testing::now();
        let instance = Instance::new("unit");
        let spec = LeafSpec::github("acme/app", "release.yml", "refs/heads/main", now - 120);
        let layer = instance.sign_image(REPO, DIGEST, &instance.leaf(&spec, "leaf"), now - 60);
        let clock = time::OffsetDateTime::from_unix_timestamp(now).expect("now");
        let identity = |subject: Subject, publisher: &str| {
            let id = Identity::new(testing::GITHUB_ISSUER, subject, Claims::default(), None)
                .expect("identity");
            TrustedIdentity::new(id, publisher, vec![], clock)
        };
        let mut trust = TrustSet {
            identities: vec![
                identity(Subject::Exact(spec.identity().into()), "acme"),
                identity(
                    Subject::Glob("https://github.com/acme/**@**".into()),
                    "other",
                ),
            ],
            ..TrustSet::default()
        };
        trust.policies = vec![crate::test_support::policy(
            "127.0.0.1:5000/**",
            crate::trust::PolicyMode::Enforce,
            2,
        )];
        let keyless = Keyless::new(&trust, |_| Ok(instance.trusted_root()));
        let found = vec![Found::KeylessSig {
            source: Source::CosignTag,
            payload: layer.payload,
            annotations: layer.annotations,
        }];
        assert!(!meets_policy_with(
            &found, &trust, &keyless, DIGEST, REPO, clock
        ));
    }
}
