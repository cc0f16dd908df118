//! Keyless attestations: a Sigstore bundle whose DSSE envelope is signed by a short-lived
//! certificate (cosign `attest --new-bundle-format` keyless, GitHub artifact attestations) is
//! verified offline against the trusted root each trusted identity names, with the image's
//! manifest digest as the artifact, and its certificate's claims are then matched against the
//! trusted identities under the same standing rule as keys.
//!
//! Invariant: an attestation is keyless-verified only when the bundle verified against a root
//! some trusted identity names *and* that identity matches the certificate *and* may vouch for
//! the repository now; otherwise the typed reason is returned, never a partial success.

use time::OffsetDateTime;

use crate::sigstore::{verify_keyless_attestation, KeylessVerified, SigstoreError};
use crate::trust::{Standing, TrustSet, TrustedIdentity};
use crate::verify::keyless::KeylessRoots;
use crate::verify::Problem;

/// A keyless attestation's signer: the trusted identity it vouches as, and what the verified
/// certificate and log entry say.
#[derive(Debug)]
pub(super) struct KeylessSigner<'t> {
    pub(super) identity: &'t TrustedIdentity,
    pub(super) verified: KeylessVerified,
}

/// Verifies the keyless bundle `json` attached to `repository` at `digest`, then matches its
/// certificate against `trust`'s identities: the first identity that matches and may vouch
/// here now, or why none does.
pub(super) fn judge<'t>(
    json: &str,
    digest: &str,
    repository: &str,
    trust: &'t TrustSet,
    roots: &KeylessRoots,
    now: OffsetDateTime,
) -> Result<KeylessSigner<'t>, Problem> {
    let mut first_error: Option<Problem> = None;
    let mut verified: Vec<(&str, KeylessVerified)> = Vec::new();
    for (name, root) in roots.iter() {
        let outcome = match root {
            Ok(root) => verify_keyless_attestation(digest, json, std::slice::from_ref(root))
                .map_err(|e| e.to_string()),
            Err(SigstoreError::TrustedRootUnusable { reason }) => {
                Err(format!("the trusted root could not be read: {reason}"))
            }
            Err(e) => Err(format!("the trusted root could not be read: {e}")),
        };
        match outcome {
            Ok(v) => verified.push((name, v)),
            Err(detail) => {
                first_error.get_or_insert(Problem::KeylessUnverified {
                    root: name.to_string(),
                    detail,
                });
            }
        }
    }
    let Some((_, shown)) = verified.first() else {
        return Err(first_error.unwrap_or_else(|| Problem::KeylessUnverified {
            root: crate::trust::identity::PUBLIC_GOOD_ROOT.into(),
            detail: "no trusted root was loaded for this check".into(),
        }));
    };
    let mut inactive: Option<Problem> = None;
    for i in &trust.identities {
        let Some((_, v)) = verified
            .iter()
            .find(|(n, _)| *n == i.identity.trusted_root_name())
        else {
            continue;
        };
        if i.identity.matches(&v.identity_claims()).is_err() {
            continue;
        }
        match i.terms().standing(repository, now) {
            Standing::Active => {
                return Ok(KeylessSigner {
                    identity: i,
                    verified: v.clone(),
                })
            }
            standing => {
                inactive.get_or_insert(Problem::InactiveIdentity {
                    identity: i.id.clone(),
                    publisher: i.publisher.clone(),
                    standing,
                    repository: repository.to_string(),
                });
            }
        }
    }
    Err(inactive.unwrap_or_else(|| Problem::UntrustedCertificate {
        issuer: crate::oci::clip(&shown.issuer, 200),
        subject: crate::oci::clip(&shown.san, 200),
        trusted_identities: trust.identities.len(),
    }))
}
