//! OCI 1.1 referrers, the positive paths: image signatures and attestations that exist only as
//! referrers of the image — no cosign `.sig` tag — found, judged and shown by `vouch verify` and
//! `vouch inspect`.
//!
//! The harness registry (Debian's CNCF distribution 2.8) has no referrers API, and no packaged
//! registry here serves one. So the referrers **fallback tag** (an index tagged `sha256-<hex>`)
//! is tested on the real registry, written by real cosign 2.5 (`--registry-referrers-mode
//! oci-1-1`, `attest --new-bundle-format`) and by these tests; the **referrers API** is tested
//! through a small test server (`common/proxy.rs`) that answers only
//! `GET /v2/<name>/referrers/<digest>` — from referrer manifests really pushed to the registry —
//! and forwards every other request to the real registry.

mod common;

use std::sync::Arc;

use common::proxy::{Fault, Proxy, Request};
use common::*;
use serde_json::{json, Value};

const NOTARY: &str = "application/vnd.cncf.notary.signature";
const COSIGN_SIG_ARTIFACT: &str = "application/vnd.dev.cosign.artifact.sig.v1+json";
const EMPTY: &str = "application/vnd.oci.empty.v1+json";

/// cosign with `--registry-referrers-mode` (experimental in cosign 2.5).
fn cosign_experimental(cosign: &std::path::Path, dir: &std::path::Path, args: &[&str]) {
    let out = std::process::Command::new(cosign)
        .args(args)
        .current_dir(dir)
        .env("COSIGN_PASSWORD", COSIGN_PASSWORD)
        .env("COSIGN_EXPERIMENTAL", "1")
        .output()
        .expect("cosign");
    assert_ok(&out, &format!("cosign {args:?}"));
}

/// The artifact types the fallback index of `digest` lists.
fn fallback_types(reg: &str, repo: &str, digest: &str) -> Vec<String> {
    let index = get_manifest_json(reg, repo, &referrers_tag(digest)).expect("fallback index");
    index["manifests"]
        .as_array()
        .map(|m| {
            m.iter()
                .filter_map(|e| e["artifactType"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// A Notary Project signature manifest of `subject` (a JWS envelope layer, as notation writes
/// one; its content is never checked); `old_style` puts the type in the config media type (the
/// image-spec 1.0 form) instead of `artifactType`. Returns (digest, size).
fn push_notary(reg: &str, repo: &str, subject: &str, old_style: bool) -> (String, usize) {
    let jws = br#"{"payload":"eyJ0YXJnZXRBcnRpZmFjdCI6e319","protected":"e30","signature":"AAAA"}"#;
    let len = jws.len();
    let layer = json!({"mediaType": "application/jose+json", "digest": push_blob(reg, repo, jws.to_vec()), "size": len});
    let subject = subject_of(reg, repo, subject);
    let (config, at) = if old_style {
        (NOTARY, None)
    } else {
        (EMPTY, Some(NOTARY))
    };
    push_artifact(reg, repo, None, config, at, vec![layer], Some(subject))
}

/// A cosign v3 image signature (the `https://sigstore.dev/cosign/sign/v1` statement in a DSSE
/// bundle) of `digest` naming `identity`, pushed as a referrer; returns (digest, size).
fn push_bundle_signature(
    reg: &str,
    repo: &str,
    digest: &str,
    identity: &str,
    key: &vouch_core::keys::PrivateKey,
) -> (String, usize) {
    let statement = json!({
        "_type": "https://in-toto.io/Statement/v1",
        "predicateType": "https://sigstore.dev/cosign/sign/v1",
        "subject": [{"name": identity, "digest": {"sha256": digest.trim_start_matches("sha256:")}}],
        "predicate": {}
    });
    push_bundle_referrer(reg, repo, digest, &statement, key)
}

/// A cosign simple-signing signature of `digest` naming `identity`, pushed as cosign's OCI 1.1
/// signature artifact (a referrer); returns (digest, size).
fn push_signature_referrer(
    reg: &str,
    repo: &str,
    digest: &str,
    identity: &str,
    key: &vouch_core::keys::PrivateKey,
) -> (String, usize) {
    let layer = signature_layer(reg, repo, digest, identity, key);
    let subject = subject_of(reg, repo, digest);
    push_artifact(
        reg,
        repo,
        None,
        COSIGN_SIG_ARTIFACT,
        None,
        vec![layer],
        Some(subject),
    )
}

/// `key`'s public PEM trusted by `env` as `name`.
fn trust(env: &Env, key: &vouch_core::keys::PrivateKey, name: &str) {
    let pem = env.write(&format!("{name}.pub"), key.public_key().to_pem().as_bytes());
    env.add_key(&pem, name, &[]);
}

/// The verdict's and the inspection's statuses must agree; returns the inspection.
fn inspect(env: &Env, image: &str, status: &str) -> Value {
    let (v, code, stderr) = env.json("verify", image);
    assert_eq!(v["status"], status, "{v:#}\n{stderr}");
    assert_eq!(
        code,
        Some(if status == "verified" { 0 } else { 1 }),
        "{stderr}"
    );
    let (i, _, stderr) = env.json("inspect", image);
    assert_eq!(i["verdict"]["status"], status, "{i:#}\n{stderr}");
    i
}

/// Real cosign 2.5 signs and attests with OCI 1.1 referrers only: on a registry without the
/// API it writes the fallback index, listing its signature as
/// `application/vnd.dev.cosign.artifact.sig.v1+json` and its bundle under the empty type. Both
/// were skipped before; now the signature verifies, the attestation is shown verified, and a
/// Notary signature added to the same index is listed as Notary.
#[test]
#[ignore = "needs the harness: run through make test (tests/harness/with-env.sh)"]
fn cosign_referrers_under_the_fallback_tag_verify_and_are_shown() {
    let reg = real_registry("cosign oci-1-1 referrers");
    let cosign = cosign();
    let env = Env::new("referrers-cosign");
    let repo = "referrers/cosign";
    let digest = push_image(&reg, repo, "v1", repo);
    let (key, pubkey) = cosign_keypair(&cosign, env.dir.path());
    let pinned = format!("{reg}/{repo}@{digest}");
    let key_s = key.to_str().expect("utf-8");
    let registry = [
        "--allow-insecure-registry",
        "--allow-http-registry",
        "--yes",
        "--tlog-upload=false",
        "--key",
        key_s,
    ];
    cosign_experimental(
        &cosign,
        env.dir.path(),
        &[
            &["sign", "--registry-referrers-mode=oci-1-1"][..],
            &registry,
            &[&pinned],
        ]
        .concat(),
    );
    let predicate = env.write("predicate.json", br#"{"builder":"referrers-test"}"#);
    let predicate = predicate.to_str().expect("utf-8");
    let attest = [
        "attest",
        "--new-bundle-format",
        "--type",
        "custom",
        "--predicate",
        predicate,
    ];
    cosign_experimental(
        &cosign,
        env.dir.path(),
        &[&attest[..], &registry, &[&pinned]].concat(),
    );
    assert!(
        get_manifest(&reg, repo, &sig_tag(&digest)).is_none(),
        "cosign wrote a .sig tag"
    );
    let mut types = fallback_types(&reg, repo, &digest);
    types.sort();
    assert_eq!(
        types,
        [COSIGN_SIG_ARTIFACT, EMPTY],
        "what cosign 2.5 writes changed"
    );
    env.add_key(&pubkey, "cosign-signer", &[]);

    let image = format!("{reg}/{repo}:v1");
    let i = inspect(&env, &image, "verified");
    assert_eq!(
        i["verdict"]["signatures"][0]["publisher"], "cosign-signer",
        "{i:#}"
    );
    let atts = i["attestations"].as_array().cloned().unwrap_or_default();
    let custom = atts
        .iter()
        .find(|a| a["predicate_type"] == "https://cosign.sigstore.dev/attestation/v1")
        .unwrap_or_else(|| panic!("cosign's bundle attestation is not shown: {atts:#?}"));
    assert_eq!(custom["origin"]["kind"], "referrer", "{custom:#}");
    assert_eq!(custom["verified"], true, "{custom:#}");

    // A Notary signature joins the index: listed as Notary; the cosign signature still counts.
    let index = get_manifest_json(&reg, repo, &referrers_tag(&digest)).expect("index");
    let mut entries: Vec<(String, usize, &str)> = index["manifests"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| {
            (
                e["digest"].as_str().unwrap_or_default().to_string(),
                e["size"].as_u64().unwrap_or(0) as usize,
                e["artifactType"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    let (n, len) = push_notary(&reg, repo, &digest, false);
    entries.push((n, len, NOTARY));
    put_fallback_index(&reg, repo, &digest, &entries);
    let (v, _, _) = env.json("verify", &image);
    assert_eq!(v["status"], "verified", "{v:#}");
    let sources = v["checks"].to_string();
    assert!(
        sources.contains("referrers fallback tag: 3 referrers for this digest"),
        "{v:#}"
    );
    let notary: Vec<&Value> = v["signatures"]
        .as_array()
        .map(|s| {
            s.iter()
                .filter(|s| s["cause"]["code"] == "notary")
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(notary.len(), 1, "{v:#}");
}

/// An image whose only signatures are Notary Project signatures (both forms: `artifactType`,
/// and the config media type of image-spec 1.0) is reported as signed with Notary, which Vouch
/// does not verify — `untrusted` with the cause `notary`, never `unsigned`.
#[test]
#[ignore = "needs the harness: run through make test (tests/harness/with-env.sh)"]
fn notary_signatures_are_reported_as_notary_not_unsigned() {
    let reg = real_registry("notary referrers");
    let env = Env::with_own_key("referrers-notary");
    let repo = "referrers/notary";
    let digest = push_image(&reg, repo, "v1", repo);
    let (a, a_len) = push_notary(&reg, repo, &digest, false);
    let (b, b_len) = push_notary(&reg, repo, &digest, true);
    put_fallback_index(
        &reg,
        repo,
        &digest,
        &[(a, a_len, NOTARY), (b, b_len, NOTARY)],
    );
    let image = format!("{reg}/{repo}:v1");
    let (v, code, _) = env.json("verify", &image);
    assert_eq!(
        (v["status"].as_str(), code),
        (Some("untrusted"), Some(1)),
        "{v:#}"
    );
    assert_eq!(v["cause"]["code"], "notary", "{v:#}");
    let reason = v["reason"].as_str().unwrap_or_default();
    assert!(
        reason.contains("Notary Project") && reason.contains("cannot verify"),
        "{reason}"
    );
    assert_eq!(v["signatures"].as_array().map(Vec::len), Some(2), "{v:#}");
    let out = env.run(&["inspect", &image]);
    assert_eq!(out.status.code(), Some(1));
    let out = String::from_utf8_lossy(&out.stdout);
    assert!(out.starts_with("UNTRUSTED"), "{out}");
    assert_eq!(
        out.matches("not counted: a Notary Project signature")
            .count(),
        2,
        "{out}"
    );
    let human = String::from_utf8_lossy(&env.run(&["verify", &image]).stdout).to_string();
    assert!(!human.to_lowercase().contains("unsigned"), "{human}");
}

/// A cosign v3 signature (DSSE bundle) and a cosign simple-signing signature artifact, each by
/// its own key, both only under the fallback tag: a policy needing two distinct keys is met.
#[test]
#[ignore = "needs the harness: run through make test (tests/harness/with-env.sh)"]
fn several_signature_referrers_under_the_fallback_tag_meet_a_threshold() {
    let reg = real_registry("fallback tag signatures");
    let env = Env::new("referrers-fallback");
    let repo = "referrers/fallback";
    let digest = push_image(&reg, repo, "v1", repo);
    let identity = format!("{reg}/{repo}");
    let (k1, k2) = (test_key(), test_key());
    let (a, a_len) = push_bundle_signature(&reg, repo, &digest, &identity, &k1);
    let (b, b_len) = push_signature_referrer(&reg, repo, &digest, &identity, &k2);
    env.set_policy(
        &format!("{reg}/referrers/**"),
        "enforce",
        &["--threshold", "2"],
    );
    trust(&env, &k1, "bundle-signer");
    trust(&env, &k2, "artifact-signer");
    let image = format!("{reg}/{repo}:v1");
    put_fallback_index(&reg, repo, &digest, &[(a.clone(), a_len, SIGSTORE_BUNDLE)]);
    let (v, _, _) = env.json("verify", &image);
    assert_eq!(v["status"], "untrusted", "one key of two: {v:#}");
    assert_eq!(v["cause"]["code"], "threshold_not_met", "{v:#}");
    put_fallback_index(
        &reg,
        repo,
        &digest,
        &[(a, a_len, SIGSTORE_BUNDLE), (b, b_len, COSIGN_SIG_ARTIFACT)],
    );
    let i = inspect(&env, &image, "verified");
    let mut publishers: Vec<&str> = i["verdict"]["signatures"]
        .as_array()
        .map(|s| s.iter().filter_map(|s| s["publisher"].as_str()).collect())
        .unwrap_or_default();
    publishers.sort();
    assert_eq!(publishers, ["artifact-signer", "bundle-signer"], "{i:#}");
}

/// The referrers API, through the test server described at the top: two signatures by two
/// keys on two pages (`Link: <…>; rel="next"`), a policy needing both. Only following the page
/// link meets it; the fallback tag is never asked.
#[test]
#[ignore = "needs the harness: run through make test (tests/harness/with-env.sh)"]
fn the_referrers_api_is_read_page_by_page() {
    let reg = real_registry("referrers API pages");
    let pages: Arc<std::sync::OnceLock<(String, Value, Value)>> = Arc::default();
    let served = pages.clone();
    // Only the referrers endpoint is answered here; everything else goes to the registry.
    let proxy = Proxy::start(
        "127.0.0.1",
        &reg,
        Arc::new(move |r: &Request| {
            let Some((path, first, second)) = served.get() else {
                return Fault::Pass;
            };
            if r.path() != path {
                return Fault::Pass;
            }
            let json = [("Content-Type", "application/vnd.oci.image.index.v1+json")];
            if r.target.contains("page=2") {
                return Fault::answer(200, &json, second.to_string().as_bytes());
            }
            let link = format!("<{path}?n=1&page=2>; rel=\"next\"");
            Fault::answer(
                200,
                &[json[0], ("Link", &link)],
                first.to_string().as_bytes(),
            )
        }),
    );
    let env = Env::new("referrers-api");
    let repo = "referrers/api";
    let digest = push_image(&reg, repo, "v1", repo);
    let identity = format!("{}/{repo}", proxy.addr);
    let (k1, k2) = (test_key(), test_key());
    let (a, a_len) = push_signature_referrer(&reg, repo, &digest, &identity, &k1);
    let (b, b_len) = push_bundle_signature(&reg, repo, &digest, &identity, &k2);
    let page = |d: &str, len: usize, at: &str| {
        json!({"schemaVersion": 2, "mediaType": OCI_INDEX,
               "manifests": [{"mediaType": OCI_MANIFEST, "digest": d, "size": len, "artifactType": at}]})
    };
    let path = format!("/v2/{repo}/referrers/{digest}");
    let _ = pages.set((
        path.clone(),
        page(&a, a_len, COSIGN_SIG_ARTIFACT),
        page(&b, b_len, SIGSTORE_BUNDLE),
    ));
    env.set_policy(
        &format!("{}/referrers/**", proxy.addr),
        "enforce",
        &["--threshold", "2"],
    );
    trust(&env, &k1, "page-one");
    trust(&env, &k2, "page-two");
    let image = format!("{}/{repo}:v1", proxy.addr);
    let i = inspect(&env, &image, "verified");
    let checks = i["verdict"]["checks"].to_string();
    assert!(
        checks.contains("referrers API: 2 referrers for this digest (over 2 pages)"),
        "{checks}"
    );
    assert!(
        proxy.count("GET", &format!("{path}?n=1&page=2")) >= 1,
        "{:#?}",
        proxy.log()
    );
    let tag = referrers_tag(&digest);
    assert_eq!(
        proxy.count("GET", &format!("/manifests/{tag} ")),
        0,
        "the fallback tag was asked: {:#?}",
        proxy.log()
    );
}
