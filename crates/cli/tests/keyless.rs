//! Keyless cosign 2.x signatures minted by a local Sigstore-like instance (a CA and
//! intermediate, Fulcio leaves with an embedded SCT, Rekor signed entry timestamps, written as a
//! custom trusted root), pushed into the real registry, and judged by Vouch and by cosign 2.5 —
//! the oracle — with the same trusted root: cosign must accept what Vouch accepts, and each
//! attack both refuse.

mod common;

use std::path::Path;

use common::*;
use serde_json::json;
use vouch_core::sigstore::testing::{self, Instance, LeafSpec, SigLayer};
use vouch_core::sigstore::{self, SigstoreError};

/// Mints the signature layer of a case for (repository, digest).
type Mint<'a> = Box<dyn Fn(&str, &str) -> SigLayer + 'a>;

/// The instance's TSA chain (PEM, leaf then root) written in `dir`, for cosign's
/// `--timestamp-certificate-chain`.
fn tsa_chain(instance: &Instance, dir: &Path) -> std::path::PathBuf {
    let path = dir.join("tsa.pem");
    let pem = format!(
        "{}{}",
        testing::cert_pem(&instance.tsa_der),
        testing::cert_pem(&instance.tsa_root_der)
    );
    std::fs::write(&path, pem).expect("write the TSA chain");
    path
}

/// The arguments that make cosign 2.5 check a `.sig` layer's RFC 3161 timestamp against the
/// TSA chain in `chain` (cosign ignores the annotation unless asked to use it).
fn use_timestamps(chain: &Path) -> Vec<String> {
    vec![
        "--use-signed-timestamps".into(),
        "--timestamp-certificate-chain".into(),
        chain.to_str().expect("utf8").into(),
    ]
}

/// cosign 2.5 running `verb` (with its own flags) on `image` for `spec`'s keyless identity,
/// with the trust material `env`: whether it accepted.
fn cosign_accepts(
    cosign: &Path,
    env: &[(&str, std::path::PathBuf)],
    spec: &LeafSpec,
    image: &str,
    verb: &[String],
) -> bool {
    let out = std::process::Command::new(cosign)
        .args(verb)
        .args([
            "--allow-insecure-registry",
            "--allow-http-registry",
            "--certificate-identity",
            spec.identity(),
            "--certificate-oidc-issuer",
            &spec.issuer,
            image,
        ])
        .envs(env.iter().map(|(k, v)| (*k, v.as_os_str())))
        .output()
        .expect("cosign");
    eprintln!(
        "cosign on {image}: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out.status.success()
}

/// The manifest's layer as Vouch reads it back from the registry: annotations and payload.
fn read_back(reg: &str, repo: &str, digest: &str) -> SigLayer {
    let m = get_manifest_json(reg, repo, &sig_tag(digest)).expect("signature manifest");
    let layer = &m["layers"][0];
    let annotations = serde_json::from_value(layer["annotations"].clone()).expect("annotations");
    let payload = get_blob(reg, repo, layer["digest"].as_str().expect("digest"));
    SigLayer {
        payload,
        annotations,
    }
}

fn vouch_verifies(
    reg: &str,
    repo: &str,
    digest: &str,
    root: &sigstore::TrustedRoot,
) -> Result<sigstore::KeylessVerified, SigstoreError> {
    let layer = read_back(reg, repo, digest);
    let repository = parse(&format!("{reg}/{repo}")).repository();
    sigstore::verify_keyless_sig(
        &repository,
        digest,
        &layer.annotations,
        &layer.payload,
        std::slice::from_ref(root),
    )
}

/// A Vouch user who trusts what cosign is given: the instance's root added by name, the
/// identity of `spec` (exact subject and issuer) tied to it.
fn vouch_user(name: &str, instance: &Instance, spec: &LeafSpec) -> Env {
    let user = Env::new(name);
    user.add_trusted_root(&instance.trusted_root_json(), "instance");
    user.ok(&[
        "identity",
        "add",
        "--issuer",
        &spec.issuer,
        "--subject",
        spec.identity(),
        "--trusted-root",
        "instance",
        "--name",
        "acme",
    ]);
    user
}

#[test]
#[ignore = "needs the harness: run through make test (tests/harness/with-env.sh)"]
fn cosign_agrees_with_vouch_on_the_keyless_image_matrix() {
    let reg = real_registry("keyless signatures");
    let cosign = cosign();
    let dir = tempfile::tempdir().expect("tempdir");
    let instance = Instance::new("vouch-keyless");
    let env = instance
        .write_cosign_files(dir.path())
        .expect("write trust material");
    let tsa = tsa_chain(&instance, dir.path());
    let root = instance.trusted_root();
    let now = testing::now();
    let spec = LeafSpec::github("acme/app", "release.yml", "refs/heads/main", now - 120);
    let leaf = instance.leaf(&spec, "leaf");
    let rogue = Instance::new("rogue");
    // The same decisions through `vouch verify`.
    let user = vouch_user("keyless-matrix", &instance, &spec);

    struct Case<'a> {
        name: &'static str,
        /// Whether the layer carries an RFC 3161 timestamp.
        timestamped: bool,
        /// Vouch's expected refusal, or `None` when it must verify.
        refused: Option<fn(&SigstoreError) -> bool>,
        layer: Mint<'a>,
    }
    let cases: Vec<Case<'_>> = vec![
        Case {
            name: "good",
            timestamped: false,
            refused: None,
            layer: Box::new(|repo: &str, d: &str| instance.sign_image(repo, d, &leaf, now - 60)),
        },
        Case {
            name: "timestamped",
            timestamped: true,
            refused: None,
            layer: Box::new(|repo: &str, d: &str| {
                let l = instance.sign_image(repo, d, &leaf, now - 60);
                instance.with_timestamp(l, now - 55)
            }),
        },
        Case {
            name: "untrusted-tsa",
            timestamped: true,
            refused: Some(|e| matches!(e, SigstoreError::TimestampInvalid { .. })),
            layer: Box::new(|repo: &str, d: &str| {
                let l = instance.sign_image(repo, d, &leaf, now - 60);
                rogue.with_timestamp(l, now - 55)
            }),
        },
        Case {
            name: "expired-at-log-time",
            timestamped: false,
            refused: Some(|e| matches!(e, SigstoreError::CertificateExpired { .. })),
            layer: Box::new(|repo: &str, d: &str| {
                let old =
                    LeafSpec::github("acme/app", "release.yml", "refs/heads/main", now - 3600);
                instance.sign_image(repo, d, &instance.leaf(&old, "old"), now - 60)
            }),
        },
        Case {
            name: "unknown-log",
            timestamped: false,
            refused: Some(|e| matches!(e, SigstoreError::UnknownLog { .. })),
            layer: Box::new(|repo: &str, d: &str| {
                let log = testing::key("rogue rekor");
                instance.sign_image_logged_by(repo, d, &leaf, now - 60, &log)
            }),
        },
        Case {
            name: "untrusted-ca",
            timestamped: false,
            refused: Some(|e| matches!(e, SigstoreError::UntrustedChain { .. })),
            layer: Box::new(|repo: &str, d: &str| {
                let mut l = instance.sign_image(repo, d, &rogue.leaf(&spec, "leaf"), now - 60);
                l.annotations
                    .insert(sigstore::CHAIN_ANNOTATION.into(), rogue.chain_pem());
                l
            }),
        },
        Case {
            name: "another-image",
            timestamped: false,
            refused: Some(|e| matches!(e, SigstoreError::WrongImage { .. })),
            layer: Box::new(|repo: &str, _: &str| {
                let other = format!("sha256:{}", "0".repeat(64));
                instance.sign_image(repo, &other, &leaf, now - 60)
            }),
        },
    ];

    for case in &cases {
        let repo = format!("keyless/{}", case.name);
        let digest = push_image(&reg, &repo, "v1", case.name);
        let repository = parse(&format!("{reg}/{repo}")).repository();
        push_sig(&reg, &repo, &digest, &(case.layer)(&repository, &digest));
        let image = format!("{reg}/{repo}@{digest}");
        let vouch = vouch_verifies(&reg, &repo, &digest, &root);
        let mut verb = vec!["verify".to_string(), "--offline=true".to_string()];
        if case.timestamped {
            verb.extend(use_timestamps(&tsa));
        }
        let cosign_ok = cosign_accepts(&cosign, &env, &spec, &image, &verb);
        let (verdict, _, _) = user.json("verify", &image);
        assert_eq!(
            verdict["status"] == "verified",
            cosign_ok,
            "{}: cosign and vouch verify disagree: {verdict:#}",
            case.name
        );
        match case.refused {
            None => {
                let v = vouch.unwrap_or_else(|e| panic!("{}: Vouch refused: {e}", case.name));
                assert_eq!(v.san, spec.identity());
                assert_eq!(v.issuer, spec.issuer);
                assert!(cosign_ok, "{}: Vouch accepted, cosign refused", case.name);
            }
            Some(expected) => {
                let e = vouch.expect_err(case.name);
                assert!(expected(&e), "{}: {e:?}", case.name);
                // The verdict names the same cause as the library call.
                let cause = serde_json::to_value(&e).expect("json");
                assert_eq!(verdict["cause"]["code"], "sigstore", "{verdict:#}");
                assert_eq!(
                    verdict["cause"]["sigstore"]["kind"], cause["kind"],
                    "{}: {verdict:#}",
                    case.name
                );
                assert!(
                    !cosign_ok,
                    "{}: cosign accepted what Vouch refused",
                    case.name
                );
            }
        }
    }
}

/// A keyless signature copied, annotations and payload unchanged, to another repository (the
/// same image pushed there): Vouch refuses it as copied.
#[test]
#[ignore = "needs the harness: run through make test (tests/harness/with-env.sh)"]
fn a_keyless_signature_copied_to_another_repository_is_refused() {
    let reg = real_registry("keyless signatures");
    let instance = Instance::new("vouch-keyless");
    let root = instance.trusted_root();
    let now = testing::now();
    let spec = LeafSpec::github("acme/app", "release.yml", "refs/heads/main", now - 120);
    let leaf = instance.leaf(&spec, "leaf");
    let digest = push_image(&reg, "keyless/origin", "v1", "copied");
    let copy = push_image(&reg, "keyless/copy", "v1", "copied");
    assert_eq!(digest, copy, "the same image in both repositories");
    let origin = parse(&format!("{reg}/keyless/origin")).repository();
    let layer = instance.sign_image(&origin, &digest, &leaf, now - 60);
    push_sig(&reg, "keyless/origin", &digest, &layer);
    push_sig(&reg, "keyless/copy", &digest, &layer);
    vouch_verifies(&reg, "keyless/origin", &digest, &root).expect("the original verifies");
    let e = vouch_verifies(&reg, "keyless/copy", &digest, &root).expect_err("the copy");
    assert!(matches!(e, SigstoreError::WrongRepository { .. }), "{e:?}");
}

/// Pushes `bundle` as cosign does (`--new-bundle-format`): a referrer of `digest` in
/// `reg/repo` (empty config, the bundle as its one layer, the bundle annotations cosign reads),
/// listed in the referrers fallback index.
fn push_bundle(reg: &str, repo: &str, digest: &str, bundle: &str) {
    let len = bundle.len();
    let blob = push_blob(reg, repo, bundle.as_bytes().to_vec());
    let empty = push_blob(reg, repo, b"{}".to_vec());
    let annotations = json!({
        "dev.sigstore.bundle.content": "dsse-envelope",
        "dev.sigstore.bundle.predicateType": vouch_core::cosign::COSIGN_SIGN_PREDICATE,
    });
    let manifest = json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "artifactType": SIGSTORE_BUNDLE,
        "config": {"mediaType": "application/vnd.oci.empty.v1+json", "digest": empty, "size": 2},
        "layers": [{"mediaType": SIGSTORE_BUNDLE, "digest": blob, "size": len}],
        "subject": subject_of(reg, repo, digest),
        "annotations": annotations,
    });
    let bytes = serde_json::to_vec(&manifest).expect("json");
    let (d, size) = (vouch_core::oci::sha256_digest(&bytes), bytes.len());
    put_manifest(reg, repo, &d, bytes);
    let index = json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [{
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": d, "size": size, "artifactType": SIGSTORE_BUNDLE,
            "annotations": annotations,
        }],
    });
    put_manifest_json(reg, repo, &referrers_tag(digest), &index);
}

/// A keyless cosign 3 style bundle (DSSE image signature statement, Rekor v1 `dsse` entry with
/// SET, inclusion proof and checkpoint) attached to the image as a referrer: Vouch verifies it
/// with the manifest digest as the artifact, and cosign 2.5 accepts it (`verify-attestation
/// --new-bundle-format --type https://sigstore.dev/cosign/sign/v1 --trusted-root`: its `verify`
/// reads only the `.sig` tag); the same bundle on another image is refused by both.
#[test]
#[ignore = "needs the harness: run through make test (tests/harness/with-env.sh)"]
fn cosign_agrees_with_vouch_on_a_keyless_bundle_referrer() {
    let reg = real_registry("keyless bundles");
    let cosign = cosign();
    let dir = tempfile::tempdir().expect("tempdir");
    let instance = Instance::new("vouch-keyless");
    let root_file = dir.path().join("trusted_root.json");
    std::fs::write(&root_file, instance.trusted_root_json()).expect("write root");
    let env = instance
        .write_cosign_files(dir.path())
        .expect("write trust material");
    let root = instance.trusted_root();
    let now = testing::now();
    let spec = LeafSpec::github("acme/app", "release.yml", "refs/heads/main", now - 120);
    let leaf = instance.leaf(&spec, "leaf");

    let repo = "keyless/bundle";
    let digest = push_image(&reg, repo, "v1", "bundle");
    let other = push_image(&reg, repo, "v2", "bundle other");
    let repository = parse(&format!("{reg}/{repo}")).repository();
    let bundle = instance.sign_image_bundle(&repository, &digest, &leaf, now - 60, b"neighbour");
    push_bundle(&reg, repo, &digest, &bundle);
    push_bundle(&reg, repo, &other, &bundle);

    let verb: Vec<String> = [
        "verify-attestation",
        "--new-bundle-format",
        "--type",
        vouch_core::cosign::COSIGN_SIGN_PREDICATE,
        "--trusted-root",
        root_file.to_str().expect("utf8"),
    ]
    .map(String::from)
    .into();
    let cosign_accepts =
        |d: &str| cosign_accepts(&cosign, &env, &spec, &format!("{reg}/{repo}@{d}"), &verb);

    let v =
        sigstore::verify_keyless_bundle(&repository, &digest, &bundle, std::slice::from_ref(&root))
            .expect("Vouch verifies the bundle");
    assert_eq!(v.san, spec.identity());
    assert!(cosign_accepts(&digest), "Vouch accepted, cosign refused");

    let e =
        sigstore::verify_keyless_bundle(&repository, &other, &bundle, std::slice::from_ref(&root))
            .expect_err("another image");
    assert!(matches!(e, SigstoreError::WrongImage { .. }), "{e:?}");
    assert!(
        !cosign_accepts(&other),
        "cosign accepted the bundle on another image"
    );

    // `vouch verify` finds the bundle among the referrers and decides the same.
    let user = vouch_user("keyless-bundle", &instance, &spec);
    let (v, _, _) = user.json("verify", &format!("{reg}/{repo}@{digest}"));
    assert_eq!(v["status"], "verified", "{v:#}");
    assert_eq!(
        v["signatures"][0]["keyless"]["subject"]["value"],
        spec.identity()
    );
    let (v, _, _) = user.json("verify", &format!("{reg}/{repo}@{other}"));
    assert_eq!(v["status"], "invalid", "{v:#}");
    assert_eq!(v["cause"]["sigstore"]["kind"], "wrong_image", "{v:#}");
}
