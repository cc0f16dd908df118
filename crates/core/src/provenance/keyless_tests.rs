//! Keyless attestation bundles minted by the local Sigstore-like instance
//! ([`crate::sigstore::testing`]), assessed against trusted identities: verified only when the
//! bundle verifies against the identity's root, the certificate matches it, it may vouch here
//! and the statement names this image; otherwise unverified with the typed cause.

use serde_json::Value;

use super::*;
use crate::discovery::{parse_bundle, BundleContent, Source};
use crate::sigstore::testing::{self, Instance, LeafSpec};
use crate::test_support::{digest, now, set, slsa_v1_predicate, REPO};
use crate::trust::identity::Claims;
use crate::trust::{Identity, KeyStatus, Subject, TrustedIdentity};
use crate::verify::keyless::KeylessRoots;

const WORKFLOW: &str = "https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main";

/// A keyless bundle by `acme/app`'s release workflow of an in-toto statement about
/// `REPO@subject` with `predicate_type`, as a fetched referrer.
fn keyless_att(
    instance: &Instance,
    subject: &str,
    predicate_type: &str,
    predicate: Value,
) -> Fetched {
    let t = testing::now();
    let spec = LeafSpec::github("acme/app", "release.yml", "refs/heads/main", t - 120);
    let leaf = instance.leaf(&spec, "leaf");
    let statement = testing::statement(REPO, subject, predicate_type, predicate);
    let json = instance.sign_statement_bundle(&statement, &leaf, t - 60, b"neighbour");
    real(&json)
}

/// The trusted identity `publisher`: GitHub's issuer and `subject` exactly.
fn identity(subject: &str, publisher: &str) -> TrustedIdentity {
    let id = Identity::new(
        testing::GITHUB_ISSUER,
        Subject::Exact(subject.into()),
        Claims::default(),
        None,
    )
    .expect("a valid identity");
    TrustedIdentity::new(id, publisher, vec![], now())
}

/// `f` assessed for `REPO@digest('a')` with `identities` trusted, their roots `root`.
fn assess_keyless(f: Fetched, identities: Vec<TrustedIdentity>, root: &Instance) -> Attestation {
    let mut trust = set(vec![]);
    trust.identities = identities;
    let roots = KeylessRoots::new(&trust, |_| Ok(root.trusted_root()));
    let mut out = assess_all_with(&[f], (&trust, &roots), REPO, &digest('a'), &[], None, now());
    assert_eq!(out.len(), 1, "never dropped");
    out.remove(0)
}

/// One read of the roots serves the image's keyless signature and its keyless attestations
/// (`vouch inspect` reads them once, for the verification, and hands the same set on).
#[test]
fn the_roots_read_for_the_verification_verify_the_attestations_too() {
    let instance = Instance::new("att");
    let f = keyless_att(&instance, &digest('a'), SLSA_V1, slsa_v1_predicate());
    let mut trust = set(vec![]);
    trust.identities = vec![identity(WORKFLOW, "acme")];
    let mut reads = 0;
    let keyless = crate::verify::keyless::Keyless::new(&trust, |_| {
        reads += 1;
        Ok(instance.trusted_root())
    });
    let a = assess_all_with(
        &[f],
        (&trust, keyless.roots()),
        REPO,
        &digest('a'),
        &[],
        None,
        now(),
    );
    assert!(a[0].verified, "{a:#?}");
    assert_eq!((reads, keyless.roots_read()), (1, 1));
}

#[test]
fn a_keyless_slsa_bundle_by_a_trusted_identity_is_verified_provenance() {
    let instance = Instance::new("att");
    let f = keyless_att(&instance, &digest('a'), SLSA_V1, slsa_v1_predicate());
    let trusted = identity(WORKFLOW, "acme");
    let a = assess_keyless(f, vec![trusted.clone()], &instance);
    assert!(a.verified, "{a:#?}");
    assert_eq!(a.cause, None);
    assert_eq!(a.signer.as_deref(), Some(trusted.id.as_str()));
    assert_eq!(a.publisher.as_deref(), Some("acme"));
    assert_eq!(a.protection, Protection::Dsse);
    assert_eq!(a.predicate_type, SLSA_V1);
    assert!(a.reason.contains("signed keyless by"), "{}", a.reason);
    assert!(a.reason.contains(WORKFLOW), "{}", a.reason);
    assert!(
        a.provenance.builder_id.is_some(),
        "mapped to the provenance model: {a:#?}"
    );
}

#[test]
fn other_predicates_are_listed_verified_with_their_type() {
    let instance = Instance::new("att");
    let t = "https://example.com/test-result/v1";
    let f = keyless_att(
        &instance,
        &digest('a'),
        t,
        serde_json::json!({"passed": true}),
    );
    let a = assess_keyless(f, vec![identity(WORKFLOW, "acme")], &instance);
    assert!(a.verified, "{a:#?}");
    assert_eq!(a.predicate_type, t);
    assert_eq!(a.provenance, BuildProvenance::default());
}

#[test]
fn a_keyless_bundle_about_another_image_is_unverified_as_such() {
    let instance = Instance::new("att");
    let f = keyless_att(&instance, &digest('b'), SLSA_V1, slsa_v1_predicate());
    let a = assess_keyless(f, vec![identity(WORKFLOW, "acme")], &instance);
    assert!(!a.verified);
    assert!(
        matches!(&a.cause, Some(Problem::WrongSubject { expected, .. }) if *expected == digest('a')),
        "{a:#?}"
    );
    assert!(a.reason.contains("wrong subject"), "{}", a.reason);
}

#[test]
fn another_workflow_is_not_the_trusted_identity() {
    let instance = Instance::new("att");
    let f = keyless_att(&instance, &digest('a'), SLSA_V1, slsa_v1_predicate());
    let other = WORKFLOW.replace("release.yml", "nightly.yml");
    let a = assess_keyless(f, vec![identity(&other, "acme")], &instance);
    assert!(!a.verified);
    assert_eq!(a.signer, None);
    // The cause an image signature by that workflow gets: who signed, and the nearest miss.
    match &a.cause {
        Some(Problem::UntrustedIdentity {
            signer: Some(signer),
            closest: Some(_),
            trusted_identities: 1,
        }) => assert_eq!(signer.subject.value(), WORKFLOW),
        other => panic!("{other:?}"),
    }
    assert!(
        a.reason.contains("not an identity you trust"),
        "{}",
        a.reason
    );
}

#[test]
fn a_bundle_chaining_to_another_root_does_not_verify() {
    let instance = Instance::new("att");
    let other = Instance::new("other");
    let f = keyless_att(&instance, &digest('a'), SLSA_V1, slsa_v1_predicate());
    let a = assess_keyless(f, vec![identity(WORKFLOW, "acme")], &other);
    assert!(!a.verified);
    assert!(
        matches!(&a.cause, Some(Problem::Sigstore { root, .. }) if root == "public-good"),
        "{a:#?}"
    );
}

#[test]
fn a_revoked_identity_does_not_vouch_and_says_so() {
    let instance = Instance::new("att");
    let f = keyless_att(&instance, &digest('a'), SLSA_V1, slsa_v1_predicate());
    let mut revoked = identity(WORKFLOW, "acme");
    revoked.status = KeyStatus::Revoked;
    revoked.revoked_reason = Some("workflow compromised".into());
    let a = assess_keyless(f, vec![revoked], &instance);
    assert!(!a.verified);
    assert!(
        matches!(
            &a.cause,
            Some(Problem::IdentityNotActive {
                standing: crate::trust::Standing::Revoked { .. },
                ..
            })
        ),
        "{a:#?}"
    );
    assert!(a.reason.contains("workflow compromised"), "{}", a.reason);
}

#[test]
fn without_trusted_identities_or_roots_a_keyless_bundle_is_unverified() {
    let instance = Instance::new("att");
    let f = keyless_att(&instance, &digest('a'), SLSA_V1, slsa_v1_predicate());
    let a = assess_keyless(f.clone(), vec![], &instance);
    assert!(!a.verified);
    assert!(
        matches!(
            a.cause,
            Some(Problem::UntrustedIdentity {
                signer: None,
                trusted_identities: 0,
                ..
            })
        ),
        "{a:#?}"
    );
    assert!(
        a.reason.contains("trust no keyless identity"),
        "{}",
        a.reason
    );
    // The pure assessment without roots never verifies it either.
    let mut trust = set(vec![]);
    trust.identities = vec![identity(WORKFLOW, "acme")];
    let a = assess_all(&[f], &trust, REPO, &digest('a'), &[], None, now()).remove(0);
    assert!(!a.verified);
    assert!(matches!(a.cause, Some(Problem::Sigstore { .. })), "{a:#?}");
}

// --- real bundles (the Sigstore conformance suite's in-toto cases) ---

/// The conformance suite's signing identity (a GitHub Actions workflow).
const BEACON: &str = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";

macro_rules! conformance {
    ($case:literal, $file:literal) => {
        include_str!(concat!(
            "../../../cli/tests/data/sigstore-conformance/",
            $case,
            "/",
            $file
        ))
    };
}

/// A bundle (`json`) as it arrives from a referrer.
fn real(json: &str) -> Fetched {
    let BundleContent::Attestation(found) = parse_bundle(
        json.as_bytes(),
        crate::cosign::SIGSTORE_BUNDLE_MEDIA_TYPE,
        Source::Referrer(digest('r')),
    ) else {
        panic!("an attestation bundle is an attestation");
    };
    let Evidence::Envelope(envelope) = found.evidence else {
        panic!("taken apart: {:?}", found.evidence);
    };
    Fetched {
        origin: Origin::Referrer {
            digest: digest('r'),
        },
        annotated_predicate_type: None,
        evidence: Evidence::Bundle {
            envelope,
            json: json.to_string(),
        },
    }
}

/// `f` assessed for the image whose manifest digest is `image`, the beacon trusted as `acme`
/// tied to `root_name`, the roots from `load`.
fn assess_real(
    f: Fetched,
    image: &str,
    root_name: Option<&str>,
    load: impl FnMut(&str) -> Result<crate::sigstore::TrustedRoot, crate::sigstore::SigstoreError>,
) -> Attestation {
    let id = Identity::new(
        testing::GITHUB_ISSUER,
        Subject::Exact(BEACON.into()),
        Claims::default(),
        root_name,
    )
    .expect("a valid identity");
    let mut trust = set(vec![]);
    trust.identities = vec![TrustedIdentity::new(id, "acme", vec![], now())];
    let roots = KeylessRoots::new(&trust, load);
    assess_all_with(&[f], (&trust, &roots), REPO, image, &[], None, now()).remove(0)
}

#[test]
fn a_github_actions_provenance_bundle_verifies_against_the_public_good_root() {
    let json = conformance!("happy-path-intoto-in-dsse-v3", "bundle.sigstore.json");
    let subject = "sha256:a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf";
    let a = assess_real(real(json), subject, None, |name| {
        assert_eq!(name, "public-good");
        crate::sigstore::TrustedRoot::production()
    });
    assert!(a.verified, "{a:#?}");
    assert_eq!(a.predicate_type, SLSA_V1);
    assert_eq!(
        a.provenance.build_type.as_deref(),
        Some("https://actions.github.io/buildtypes/workflow/v1")
    );
    // Attached to another image, the same bundle is refused as made for another image.
    let a = assess_real(real(json), &digest('a'), None, |_| {
        crate::sigstore::TrustedRoot::production()
    });
    assert!(
        matches!(a.cause, Some(Problem::WrongSubject { .. })),
        "{a:#?}"
    );
}

#[test]
fn a_bundle_of_a_private_instance_verifies_only_against_the_root_its_identity_names() {
    let json = conformance!("intoto-with-custom-trust-root", "bundle.sigstore.json");
    let root = conformance!("intoto-with-custom-trust-root", "trusted_root.json");
    let subject = "sha256:330a043220fa13e01d68a7db39c89e12b0c4c3b6a0346fe624b0903f1303b5b2";
    let a = assess_real(real(json), subject, Some("github"), |name| {
        assert_eq!(name, "github");
        crate::sigstore::TrustedRoot::from_json(root)
    });
    assert!(a.verified, "{a:#?}");
    assert_eq!(a.publisher.as_deref(), Some("acme"));
    // The identity tied to the public-good root: the bundle does not chain to it.
    let a = assess_real(real(json), subject, None, |_| {
        crate::sigstore::TrustedRoot::production()
    });
    assert!(
        matches!(&a.cause, Some(Problem::Sigstore { root, .. }) if root == "public-good"),
        "{a:#?}"
    );
    assert!(!a.verified);
}
