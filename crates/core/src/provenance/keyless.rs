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

use crate::sigstore::verify_keyless_attestation;
use crate::trust::TrustSet;
use crate::verify::keyless::{judge_verified, Judged, KeylessRoots};

/// Verifies the keyless bundle `json` attached to `repository` at `digest` against each trusted
/// root the identities name, then judges its certificate against `trust`'s identities by the
/// rule image signatures follow ([`judge_verified`]): the identity it vouches as, or why none does.
pub(super) fn judge<'t>(
    json: &str,
    digest: &str,
    repository: &str,
    trust: &'t TrustSet,
    roots: &KeylessRoots,
    now: OffsetDateTime,
) -> Judged<'t> {
    let verified = roots
        .iter()
        .map(|(name, root)| {
            let outcome = match root {
                Ok(root) => verify_keyless_attestation(digest, json, std::slice::from_ref(root)),
                Err(e) => Err(e.clone()),
            };
            (name, outcome)
        })
        .collect();
    judge_verified(verified, trust, repository, now, |i, claims| {
        i.identity.matches(claims)
    })
}
