//! `vouch inspect` and `vouch attest` against the real registry (CNCF distribution), the real
//! keychain and real cosign 2.5, all provided by `tests/harness/with-env.sh`. Under
//! `VOUCH_HARNESS=1` a missing part fails the test; outside the harness the tests skip loudly.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use serde_json::{json, Value};

const SLSA_V02: &str = "https://slsa.dev/provenance/v0.2";
const SLSA_V1: &str = "https://slsa.dev/provenance/v1";
const DSSE: &str = "application/vnd.dsse.envelope.v1+json";

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

fn b64(b: &[u8]) -> String {
    pipe("base64", &["-w0"], b)
}

fn b64_decode(s: &str) -> String {
    pipe("base64", &["-d"], s.as_bytes())
}

fn cosign_attest(cosign: &Path, key: &Path, kind: &str, predicate: &Path, image: &str) {
    let predicate = predicate.to_str().expect("utf8");
    let extra = ["--type", kind, "--predicate", predicate];
    let out = cosign_on_registry(cosign, "attest", key, &extra, image);
    assert_ok(&out, "cosign attest");
}

fn slsa02(builder: &str) -> Value {
    json!({
        "builder": {"id": builder},
        "buildType": "https://example.com/buildtypes/make@v1",
        "invocation": {"configSource": {
            "uri": "git+https://github.com/acme/app@refs/heads/main",
            "digest": {"sha1": "0123456789abcdef0123456789abcdef01234567"},
            "entryPoint": ".github/workflows/build.yml"}},
        "metadata": {"buildStartedOn": "2026-01-02T03:04:05Z", "buildFinishedOn": "2026-01-02T03:09:05Z",
                     "buildInvocationId": "run-42"},
        "materials": [{"uri": "git+https://github.com/acme/app@refs/heads/main",
                       "digest": {"sha1": "0123456789abcdef0123456789abcdef01234567"}}]
    })
}

fn slsa1() -> Value {
    json!({
        "buildDefinition": {
            "buildType": "https://slsa-framework.github.io/github-actions-buildtypes/workflow/v1",
            "externalParameters": {"workflow": {"ref": "refs/heads/main",
                "repository": "https://github.com/acme/app", "path": ".github/workflows/release.yml"}},
            "resolvedDependencies": [{"uri": "git+https://github.com/acme/app@refs/heads/main",
                                      "digest": {"gitCommit": "fedcba9876543210fedcba9876543210fedcba98"}}]
        },
        "runDetails": {
            "builder": {"id": "https://github.com/actions/runner/v1"},
            "metadata": {"invocationId": "https://github.com/acme/app/actions/runs/7",
                         "startedOn": "2026-02-01T00:00:00Z", "finishedOn": "2026-02-01T00:10:00Z"}
        }
    })
}

fn inspect_json(env: &Env, image: &str) -> (Value, Option<i32>) {
    let (v, code, _) = env.json("inspect", image);
    (v, code)
}

/// Writes a predicate to a file in `env`'s folder; returns its path.
fn predicate_file(env: &Env, name: &str, predicate: Value) -> PathBuf {
    env.write(name, predicate.to_string().as_bytes())
}

/// `vouch attest IMAGE --key KEY --predicate FILE --type TYPE` by `env`; returns stdout.
fn vouch_attest(env: &Env, image: &str, key: &str, predicate: &Path, kind: &str) -> String {
    let predicate = predicate.to_str().expect("utf8");
    env.ok(&[
        "attest",
        image,
        "--key",
        key,
        "--predicate",
        predicate,
        "--type",
        kind,
    ])
}

fn attestations(v: &Value) -> Vec<Value> {
    v["attestations"].as_array().cloned().unwrap_or_default()
}

fn find_type<'a>(atts: &'a [Value], t: &str) -> &'a Value {
    atts.iter()
        .find(|a| a["predicate_type"] == t)
        .unwrap_or_else(|| panic!("no {t} attestation in {atts:#?}"))
}

// ---------------------------------------------------------------------------------------------
// cosign attests → Vouch shows verified SLSA v0.2 and v1 provenance
// ---------------------------------------------------------------------------------------------

#[test]
#[ignore = "needs the harness: run through make test (tests/harness/with-env.sh)"]
fn cosign_slsa_v02_and_v1_attestations_are_verified_with_builder_and_source() {
    let reg = real_registry("cosign attest → vouch inspect");
    let cosign = cosign();
    let env = Env::new("prov-cosign");
    let (digest, key, pubkey) =
        cosign_signed_image(&cosign, env.dir.path(), &reg, "prov-cosign/app");
    let pinned = format!("{reg}/prov-cosign/app@{digest}");
    let p02 = predicate_file(
        &env,
        "p02.json",
        slsa02("https://github.com/acme/builder@v1"),
    );
    let p1 = predicate_file(&env, "p1.json", slsa1());
    cosign_attest(&cosign, &key, "slsaprovenance", &p02, &pinned);
    cosign_attest(&cosign, &key, "slsaprovenance1", &p1, &pinned);
    env.add_key(&pubkey, "acme", &[]);
    let fp = env.keys()[0]["fingerprint"]
        .as_str()
        .unwrap_or_default()
        .to_string();

    let (v, code) = inspect_json(&env, &format!("{reg}/prov-cosign/app:v1"));
    assert_eq!(v["verdict"]["status"], "verified", "{v:#}");
    assert_eq!(code, Some(0));
    let atts = attestations(&v);
    assert_eq!(atts.len(), 2, "{atts:#?}");

    let a = find_type(&atts, SLSA_V02);
    assert_eq!(a["verified"], true, "{a:#}");
    assert_eq!(a["signer"], fp.as_str());
    assert_eq!(a["publisher"], "acme");
    assert_eq!(a["builder_id"], "https://github.com/acme/builder@v1");
    assert_eq!(a["build_type"], "https://example.com/buildtypes/make@v1");
    assert_eq!(
        a["source_uri"],
        "git+https://github.com/acme/app@refs/heads/main"
    );
    assert_eq!(
        a["source_revision"],
        "0123456789abcdef0123456789abcdef01234567"
    );
    assert_eq!(a["entry_point"], ".github/workflows/build.yml");
    assert_eq!(a["started_on"], "2026-01-02T03:04:05Z");
    assert_eq!(a["finished_on"], "2026-01-02T03:09:05Z");
    assert_eq!(a["invocation_id"], "run-42");
    assert_eq!(a["materials"].as_array().map(Vec::len), Some(1));
    assert!(a["cause"].is_null(), "{a:#}");
    assert_eq!(a["publisher"], "acme", "{a:#}");

    let a = find_type(&atts, SLSA_V1);
    assert_eq!(a["verified"], true, "{a:#}");
    assert_eq!(a["signer"], fp.as_str());
    assert_eq!(a["builder_id"], "https://github.com/actions/runner/v1");
    assert_eq!(a["source_uri"], "https://github.com/acme/app");
    assert_eq!(
        a["source_revision"],
        "fedcba9876543210fedcba9876543210fedcba98"
    );
    assert_eq!(a["entry_point"], ".github/workflows/release.yml");
    assert_eq!(
        a["invocation_id"],
        "https://github.com/acme/app/actions/runs/7"
    );

    // Metadata.
    let m = &v["metadata"];
    assert_eq!(m["layer_count"], 1, "{m:#}");
    assert_eq!(m["history_length"], 2);
    assert_eq!(m["created"], "2026-01-02T03:04:05Z");
    assert_eq!(m["platforms"][0]["platform"], "linux/amd64");
    assert_eq!(m["oci"]["source"], "https://github.com/acme/app");
    assert!(m["total_size"].as_u64().is_some_and(|n| n > 0));

    // Graph: image → digest → signature → key → publisher; attestation → builder → source.
    let g = &v["graph"];
    let edge = |from: &str, to: &str| {
        g["edges"]
            .as_array()
            .is_some_and(|es| es.iter().any(|e| e["from"] == from && e["to"] == to))
    };
    let d = format!("digest:{digest}");
    assert!(edge("image", &d), "{g:#}");
    assert!(edge(&d, "signature:0"));
    assert!(edge("signature:0", &format!("key:{fp}")));
    assert!(edge(&format!("key:{fp}"), "publisher:acme"));
    assert!(edge(
        "builder:https://github.com/acme/builder@v1",
        "source:git+https://github.com/acme/app@refs/heads/main@0123456789abcdef0123456789abcdef01234567"
    ));

    // The human tree.
    let out = env.ok(&["inspect", &pinned]);
    assert!(out.starts_with("VERIFIED"), "{out}");
    assert!(out.contains("SLSA provenance v0.2"), "{out}");
    assert!(out.contains("https://github.com/acme/builder@v1"), "{out}");
    assert!(out.contains("✓ verified"), "{out}");
}

// ---------------------------------------------------------------------------------------------
// Vouch attests → cosign verify-attestation accepts; attestations append
// ---------------------------------------------------------------------------------------------

#[test]
#[ignore = "needs the harness: run through make test (tests/harness/with-env.sh)"]
fn vouch_attestations_are_accepted_by_cosign_and_appended() {
    let reg = real_registry("vouch attest → cosign");
    let cosign = cosign();
    let env = Env::new("prov-vattest");
    let digest = push_image(&reg, "prov-vattest/app", "v1", "prov-vattest");
    let image = format!("{reg}/prov-vattest/app:v1");
    let pinned = format!("{reg}/prov-vattest/app@{digest}");
    let (pub1, fp1) = env.generate_key("p256", "ecdsa-p256", &[]);
    let (pub2, _) = env.generate_key("ed", "ed25519", &[]);
    let p02 = predicate_file(&env, "p02.json", slsa02("https://ci.example/vouch-builder"));
    let p1 = predicate_file(&env, "p1.json", slsa1());

    let out = vouch_attest(&env, &image, "p256", &p02, "slsaprovenance");
    assert!(out.contains("1 attestation"), "{out}");
    let verify = |pubkey: &Path, kind: &str| {
        cosign_on_registry(
            &cosign,
            "verify-attestation",
            pubkey,
            &["--type", kind],
            &pinned,
        )
    };
    let o = verify(&pub1, "slsaprovenance");
    assert_ok(&o, "cosign verify-attestation of Vouch's P-256 attestation");

    // cosign appends its own; Vouch appends an ed25519 SLSA v1; all survive.
    let (ckey, cpub) = cosign_keypair(&cosign, env.dir.path());
    cosign_attest(&cosign, &ckey, "slsaprovenance", &p02, &pinned);
    vouch_attest(&env, &image, "ed", &p1, "slsaprovenance1");
    for (k, t, who) in [
        (&pub1, "slsaprovenance", "vouch p256"),
        (&cpub, "slsaprovenance", "cosign"),
        (&pub2, "slsaprovenance1", "vouch ed25519"),
    ] {
        assert_ok(
            &verify(k, t),
            &format!("cosign verify-attestation of {who}'s"),
        );
    }
    let att = get_manifest_json(&reg, "prov-vattest/app", &att_tag(&digest)).expect("att manifest");
    assert_eq!(att["layers"].as_array().map(Vec::len), Some(3), "{att:#}");
    assert_eq!(att["layers"][0]["mediaType"], DSSE);
    assert_eq!(att["layers"][0]["annotations"]["predicateType"], SLSA_V02);

    // Vouch reads all three: its own keys' two verified, cosign's key not trusted here.
    let (v, _) = inspect_json(&env, &pinned);
    let atts = attestations(&v);
    assert_eq!(atts.len(), 3, "{atts:#?}");
    assert_eq!(atts[0]["verified"], true, "{:#}", atts[0]);
    assert_eq!(atts[0]["signer"], fp1.as_str());
    assert_eq!(atts[0]["builder_id"], "https://ci.example/vouch-builder");
    assert_eq!(atts[1]["verified"], false);
    assert_eq!(atts[1]["signer"], Value::Null);
    assert_eq!(atts[2]["verified"], true, "{:#}", atts[2]);
    assert_eq!(atts[2]["predicate_type"], SLSA_V1);
    // Unsigned image: not verified → exit 1, attestations notwithstanding.
    assert_eq!(v["verdict"]["status"], "unsigned");
}

// ---------------------------------------------------------------------------------------------
// Tampered, wrong subject, untrusted signer, malformed → unverified with a reason
// ---------------------------------------------------------------------------------------------

#[test]
#[ignore = "needs the harness: run through make test (tests/harness/with-env.sh)"]
fn tampered_wrong_subject_untrusted_and_malformed_attestations_are_unverified() {
    let reg = real_registry("attestation attacks");
    let cosign = cosign();
    let repo = "prov-attack/app";
    let env = Env::new("prov-attack");
    let stranger = Env::new("prov-attack-stranger");
    let x = push_image(&reg, repo, "x", "prov-attack-x");
    let y = push_image(&reg, repo, "y", "prov-attack-y");
    let (key, pubkey) = cosign_keypair(&cosign, env.dir.path());
    env.add_key(&pubkey, "acme", &[]);
    let p = predicate_file(&env, "p.json", slsa02("https://github.com/acme/builder@v1"));
    for digest in [&x, &y] {
        let pinned = format!("{reg}/{repo}@{digest}");
        cosign_attest(&cosign, &key, "slsaprovenance", &p, &pinned);
    }
    // An untrusted signer attests x (appended by Vouch itself).
    stranger.generate_key("stranger", "ed25519", &[]);
    let x_tag = format!("{reg}/{repo}:x");
    vouch_attest(&stranger, &x_tag, "stranger", &p, "slsaprovenance");

    let mut att = get_manifest_json(&reg, repo, &att_tag(&x)).expect("x att");
    let good = att["layers"][0].clone();
    let good_env: Value = serde_json::from_slice(&get_blob(
        &reg,
        repo,
        good["digest"].as_str().expect("digest"),
    ))
    .expect("envelope json");
    let y_att = get_manifest_json(&reg, repo, &att_tag(&y)).expect("y att");

    // Tampered: the builder rewritten, the signature kept.
    let payload = b64_decode(good_env["payload"].as_str().expect("payload"));
    let evil = payload.replace("acme/builder", "evil/builder");
    let mut tampered = good_env;
    tampered["payload"] = Value::String(b64(evil.as_bytes()));
    let tampered = serde_json::to_vec(&tampered).expect("json");
    let mut layer_t = good.clone();
    layer_t["size"] = json!(tampered.len());
    layer_t["digest"] = json!(push_blob(&reg, repo, tampered));
    // Wrong subject: y's genuine attestation, replayed onto x.
    let layer_w = y_att["layers"][0].clone();
    // Malformed: not JSON at all.
    let junk = b"{\"payloadType\": \"application/vnd.in-toto+json\", \"payload\": ".to_vec();
    let mut layer_m = good;
    layer_m["size"] = json!(junk.len());
    layer_m["digest"] = json!(push_blob(&reg, repo, junk));
    if let Some(layers) = att["layers"].as_array_mut() {
        layers.extend([layer_t, layer_w, layer_m]);
    }
    put_manifest_json(&reg, repo, &att_tag(&x), &att);

    let (v, code) = inspect_json(&env, &format!("{reg}/{repo}:x"));
    assert_eq!(code, Some(1), "unsigned image");
    let atts = attestations(&v);
    assert_eq!(atts.len(), 5, "nothing dropped: {atts:#?}");
    assert_eq!(atts[0]["verified"], true, "{:#}", atts[0]);
    for (i, code) in [
        (1, "no_trusted_key"),
        (2, "no_trusted_key"),
        (3, "wrong_subject"),
        (4, "broken"),
    ] {
        assert_eq!(atts[i]["verified"], false, "{:#}", atts[i]);
        assert_eq!(atts[i]["cause"]["code"], code, "#{i}: {:#}", atts[i]);
    }
    assert_eq!(atts[3]["cause"]["expected"], v["verdict"]["digest"]);
    assert_eq!(
        atts[1]["signer"],
        Value::Null,
        "the stranger is nobody here"
    );
    assert_eq!(
        atts[2]["signer"],
        Value::Null,
        "a tampered payload verifies with no key"
    );
    assert_eq!(
        atts[2]["builder_id"], "https://github.com/evil/builder@v1",
        "shown, but unverified"
    );
    assert!(atts[3]["signer"].is_string(), "a genuine signature, for y");
    assert_eq!(
        atts[4]["predicate_type"], SLSA_V02,
        "the annotation names it"
    );

    let human = env.run(&["inspect", &format!("{reg}/{repo}:x")]);
    let text = String::from_utf8_lossy(&human.stdout);
    assert_eq!(text.matches("✗ unverified").count(), 4, "{text}");
}

// ---------------------------------------------------------------------------------------------
// BuildKit-style attestation manifests inside an index → unsigned provenance, not platforms
// ---------------------------------------------------------------------------------------------

#[test]
#[ignore = "needs the harness: run through make test (tests/harness/with-env.sh)"]
fn buildkit_attestation_manifests_are_unsigned_provenance_not_platforms() {
    let reg = real_registry("buildkit index");
    let repo = "prov-buildkit/app";
    // What BuildKit writes: an in-toto statement about the amd64 image beside the platforms.
    let (index_digest, platforms) = push_index(&reg, repo, "v1", "buildkit", |amd64| {
        let hex = amd64.trim_start_matches("sha256:");
        Some(json!({
            "_type": "https://in-toto.io/Statement/v0.1",
            "predicateType": SLSA_V02,
            "subject": [{"name": format!("pkg:docker/{repo}@v1?platform=linux%2Famd64"), "digest": {"sha256": hex}}],
            "predicate": slsa02("https://github.com/docker/buildx@v0.20")
        }))
    });
    let amd64 = &platforms[0].1;

    let env = Env::new("prov-buildkit");
    env.generate_key("acme", "ed25519", &[]);
    let image = format!("{reg}/{repo}:v1");
    let (v, code) = inspect_json(&env, &image);
    assert_eq!(code, Some(1));
    assert_eq!(v["verdict"]["digest"], index_digest.as_str());
    let platforms: Vec<String> = v["metadata"]["platforms"]
        .as_array()
        .expect("platforms")
        .iter()
        .map(|p| p["platform"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(platforms, vec!["linux/amd64", "linux/arm64"], "{v:#}");
    let verdict_platforms: Vec<&str> = v["verdict"]["platforms"]
        .as_array()
        .expect("verdict platforms")
        .iter()
        .map(|p| p["platform"].as_str().unwrap_or_default())
        .collect();
    assert!(!verdict_platforms.contains(&"unknown/unknown"), "{v:#}");
    assert_eq!(v["metadata"]["attestation_manifests"], 1);
    let atts = attestations(&v);
    assert_eq!(atts.len(), 1, "{atts:#?}");
    let a = &atts[0];
    assert_eq!(a["verified"], false);
    assert_eq!(a["protection"], "none");
    assert_eq!(a["signer"], Value::Null);
    assert_eq!(a["origin"]["kind"], "buildkit");
    assert_eq!(a["origin"]["for_digest"], amd64.as_str());
    assert!(
        a["reason"]
            .as_str()
            .unwrap_or_default()
            .starts_with("unsigned"),
        "{a:#}"
    );
    assert_eq!(a["builder_id"], "https://github.com/docker/buildx@v0.20");
    // The graph hangs it under the platform it describes.
    let edges = v["graph"]["edges"].as_array().cloned().unwrap_or_default();
    assert!(
        edges
            .iter()
            .any(|e| e["from"] == format!("digest:{amd64}") && e["to"] == "attestation:0"),
        "{edges:#?}"
    );

    // Once a trusted key signs the index, its signature covers the attestation by digest.
    env.ok(&["sign", &image, "--key", "acme"]);
    let (v, code) = inspect_json(&env, &image);
    assert_eq!(v["verdict"]["status"], "verified", "{v:#}");
    assert_eq!(code, Some(0));
    let a = &attestations(&v)[0];
    assert_eq!(a["verified"], true, "{a:#}");
    assert_eq!(a["protection"], "image_signature");
}

// ---------------------------------------------------------------------------------------------
// A DSSE attestation pushed as an OCI referrer (sigstore bundle) → shown, verified
// ---------------------------------------------------------------------------------------------

/// Pushes, as a referrer of `subject` (through the API when the registry has one, and the
/// fallback tag `sha256-<hex>` in any case), a sigstore bundle whose DSSE envelope holds an
/// SLSA v1 statement about `subject`, signed by `key`. Returns the referrer manifest digest.
fn push_attestation_referrer(
    reg: &str,
    repo: &str,
    subject: &str,
    key: &vouch_core::keys::PrivateKey,
) -> String {
    let hex = subject.trim_start_matches("sha256:");
    let statement = json!({
        "_type": "https://in-toto.io/Statement/v1",
        "predicateType": SLSA_V1,
        "subject": [{"name": format!("{reg}/{repo}"), "digest": {"sha256": hex}}],
        "predicate": slsa1()
    });
    let (referrer, len) = push_bundle_referrer(reg, repo, subject, &statement, key);
    put_fallback_index(
        reg,
        repo,
        subject,
        &[(referrer.clone(), len, SIGSTORE_BUNDLE)],
    );
    referrer
}

#[test]
#[ignore = "needs the harness: run through make test (tests/harness/with-env.sh)"]
fn dsse_attestations_arriving_as_oci_referrers_are_shown_and_verified() {
    let reg = real_registry("referrer attestation → vouch inspect");
    let repo = "prov-referrer/app";
    let digest = push_image(&reg, repo, "v1", "prov-referrer");
    let env = Env::new("prov-referrer");
    // The attesting key (made here, so the test can sign the DSSE envelope) is trusted.
    let attester =
        vouch_core::keys::PrivateKey::generate(vouch_core::keys::Algorithm::Ed25519).expect("key");
    let pem = env.write("attester.pub", attester.public_key().to_pem().as_bytes());
    env.add_key(&pem, "builder", &[]);
    let fingerprint = attester.public_key().fingerprint();
    let referrer = push_attestation_referrer(&reg, repo, &digest, &attester);
    let image = format!("{reg}/{repo}:v1");

    let shown = |v: &Value| {
        let atts = attestations(v);
        let a = find_type(&atts, SLSA_V1).clone();
        assert_eq!(a["origin"]["kind"], "referrer", "{a:#}");
        assert_eq!(a["origin"]["digest"], referrer.as_str(), "{a:#}");
        assert_eq!(a["verified"], true, "{a:#}");
        assert_eq!(a["protection"], "dsse");
        assert_eq!(a["signer"], fingerprint.as_str());
        assert_eq!(a["builder_id"], "https://github.com/actions/runner/v1");
    };
    // Unsigned image: verification itself reads the referrers; provenance reuses them, and
    // the image manifest the verification fetched (by tag), instead of asking again.
    let before = access_log_lines().len();
    let (v, _) = inspect_json(&env, &image);
    let log = access_log_lines();
    assert_eq!(v["verdict"]["status"], "unsigned", "{v:#}");
    shown(&v);
    if !log.is_empty() {
        let hex = digest.trim_start_matches("sha256:");
        let asked: Vec<&String> = log
            .iter()
            .skip(before)
            .filter(|l| l.contains(&format!("/v2/{repo}/")))
            .collect();
        let tag = format!("sha256-{hex}");
        let by_digest = asked
            .iter()
            .filter(|l| l.contains("/manifests/") && l.contains(hex) && !l.contains(&tag))
            .count();
        let referrers = asked
            .iter()
            .filter(|l| {
                (l.contains("/referrers/") && l.contains(hex))
                    || (l.contains(&tag) && !l.contains(&format!("{tag}.")))
            })
            .count();
        assert_eq!(
            by_digest, 0,
            "the image manifest was fetched again: {asked:#?}"
        );
        assert!(
            (1..=2).contains(&referrers),
            "the referrers were asked {referrers} times (API, fallback tag: once each at most): {asked:#?}"
        );
    }

    // Signed image: verification does not need the referrers; provenance still reads them.
    env.generate_key("acme", "ed25519", &[]);
    env.ok(&["sign", &image, "--key", "acme"]);
    let (v, code) = inspect_json(&env, &image);
    assert_eq!(v["verdict"]["status"], "verified", "{v:#}");
    assert_eq!(code, Some(0));
    shown(&v);
}

// ---------------------------------------------------------------------------------------------
// Sigstore bundles of attestations (cosign 2.5 --new-bundle-format, keyless, GitHub-style)
// ---------------------------------------------------------------------------------------------

/// cosign 2.5 `attest --new-bundle-format --key` writes each attestation as a key-based
/// Sigstore bundle in the referrers (API or fallback tag): Vouch shows the SLSA v1 provenance
/// verified with the trusted key, lists the other predicate, and a user who does not trust the
/// key sees both unverified, with the reason.
#[test]
#[ignore = "needs the harness: run through make test (tests/harness/with-env.sh)"]
fn cosign_new_bundle_format_attestations_are_verified_with_the_key() {
    let reg = real_registry("cosign attest --new-bundle-format → vouch inspect");
    let cosign = cosign();
    let env = Env::new("prov-bundle-key");
    let repo = "prov-bundle/key";
    let digest = push_image(&reg, repo, "v1", "prov-bundle-key");
    let pinned = format!("{reg}/{repo}@{digest}");
    let (key, pubkey) = cosign_keypair(&cosign, env.dir.path());
    let p1 = predicate_file(&env, "p1.json", slsa1());
    let custom = predicate_file(&env, "custom.json", json!({"tests": "passed"}));
    for (kind, predicate) in [("slsaprovenance1", &p1), ("custom", &custom)] {
        let predicate = predicate.to_str().expect("utf8");
        let extra = [
            "--new-bundle-format",
            "--type",
            kind,
            "--predicate",
            predicate,
        ];
        let out = cosign_on_registry(&cosign, "attest", &key, &extra, &pinned);
        assert_ok(&out, "cosign attest --new-bundle-format --key");
    }
    let image = format!("{reg}/{repo}:v1");

    // Without the key: both listed, neither verified, each with its reason.
    let (v, _) = inspect_json(&env, &image);
    let atts = attestations(&v);
    assert_eq!(atts.len(), 2, "{atts:#?}");
    for a in &atts {
        assert_eq!(a["verified"], false, "{a:#}");
        assert_eq!(a["cause"]["code"], "no_trusted_key", "{a:#}");
        assert!(a["reason"]
            .as_str()
            .unwrap_or_default()
            .contains("untrusted signer"));
    }

    env.add_key(&pubkey, "acme", &[]);
    let fp = env.keys()[0]["fingerprint"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let (v, _) = inspect_json(&env, &image);
    let atts = attestations(&v);
    let a = find_type(&atts, SLSA_V1);
    assert_eq!(a["verified"], true, "{a:#}");
    assert_eq!(a["origin"]["kind"], "referrer", "{a:#}");
    assert_eq!(a["protection"], "dsse");
    assert_eq!(a["signer"], fp.as_str());
    assert_eq!(a["publisher"], "acme");
    assert_eq!(a["builder_id"], "https://github.com/actions/runner/v1");
    let other = find_type(&atts, "https://cosign.sigstore.dev/attestation/v1");
    assert_eq!(other["verified"], true, "{other:#}");
    assert_eq!(
        other["builder_id"],
        Value::Null,
        "not provenance: {other:#}"
    );
}

/// Keyless attestation bundles minted by a local Sigstore-like instance (the shape of GitHub
/// artifact attestations: a v0.3 bundle, DSSE, a Fulcio-style certificate of a workflow, a
/// Rekor entry with inclusion proof), pushed as referrers listed in the fallback tag, for a
/// user who trusts the workflow's identity tied to the instance's root: the SLSA provenance is
/// verified and shown, another predicate listed, a statement about another image refused as
/// such; a user trusting no identity sees them unverified.
#[test]
#[ignore = "needs the harness: run through make test (tests/harness/with-env.sh)"]
fn keyless_attestation_bundles_are_verified_against_the_trusted_identity() {
    use vouch_core::sigstore::testing::{self, Instance, LeafSpec};
    let reg = real_registry("keyless attestation bundles → vouch inspect");
    let instance = Instance::new("prov-keyless");
    let now = testing::now();
    let spec = LeafSpec::github("acme/app", "release.yml", "refs/heads/main", now - 120);
    let leaf = instance.leaf(&spec, "leaf");
    let repo = "prov-bundle/keyless";
    let digest = push_image(&reg, repo, "v1", "prov-bundle-keyless");
    let other = push_image(&reg, repo, "v2", "prov-bundle-keyless other");
    let name = format!("{reg}/{repo}");
    let test_result = "https://example.com/test-result/v1";
    let statements = [
        testing::statement(&name, &digest, SLSA_V1, slsa1()),
        testing::statement(&name, &digest, test_result, json!({"passed": true})),
        // Made for another image (its digest), attached to this one.
        testing::statement(&name, &other, SLSA_V02, slsa02("https://example.com/b@v1")),
    ];
    let entries: Vec<(String, usize, &str)> = statements
        .iter()
        .map(|s| {
            let bundle = instance.sign_statement_bundle(s, &leaf, now - 60, b"neighbour");
            let (d, len) = push_bundle_bytes_referrer(&reg, repo, &digest, bundle.into_bytes());
            (d, len, SIGSTORE_BUNDLE)
        })
        .collect();
    put_fallback_index(&reg, repo, &digest, &entries);
    let image = format!("{reg}/{repo}:v1");

    // Trusting no identity: listed, unverified.
    let stranger = Env::new("prov-keyless-none");
    let (v, _) = inspect_json(&stranger, &image);
    let a = find_type(&attestations(&v), SLSA_V1).clone();
    assert_eq!(a["verified"], false, "{a:#}");
    assert!(
        a["reason"]
            .as_str()
            .unwrap_or_default()
            .contains("no keyless identity"),
        "{a:#}"
    );

    let env = Env::new("prov-keyless");
    let root = env.add_trusted_root(&instance.trusted_root_json(), "instance");
    let issuer = spec.issuer.as_str();
    let subject = spec.identity();
    let id_args = ["identity", "add", "--issuer", issuer, "--subject", subject];
    let tie = ["--trusted-root", "instance", "--name", "acme-ci"];
    env.ok(&[&id_args[..], &tie[..]].concat());
    let (v, _) = inspect_json(&env, &image);
    let atts = attestations(&v);
    assert_eq!(atts.len(), 3, "{atts:#?}");
    let a = find_type(&atts, SLSA_V1);
    assert_eq!(a["verified"], true, "{a:#}");
    assert_eq!(a["publisher"], "acme-ci");
    assert_eq!(a["origin"]["kind"], "referrer");
    assert_eq!(a["builder_id"], "https://github.com/actions/runner/v1");
    let reason = a["reason"].as_str().unwrap_or_default();
    assert!(
        reason.contains("signed keyless by") && reason.contains(subject),
        "{reason}"
    );
    let listed = find_type(&atts, test_result);
    assert_eq!(listed["verified"], true, "{listed:#}");
    let wrong = find_type(&atts, SLSA_V02);
    assert_eq!(wrong["verified"], false, "{wrong:#}");
    assert_eq!(wrong["cause"]["code"], "wrong_subject", "{wrong:#}");
    assert_eq!(wrong["cause"]["expected"], digest.as_str(), "{wrong:#}");
    // cosign 2.5, the oracle, accepts the SLSA v1 bundle with the same root and identity.
    let cosign = cosign();
    let pinned = format!("{reg}/{repo}@{digest}");
    let root = root.to_str().expect("utf8");
    let oracle = [
        "verify-attestation",
        "--new-bundle-format",
        "--type",
        "slsaprovenance1",
        "--trusted-root",
        root,
        "--certificate-identity",
        subject,
        "--certificate-oidc-issuer",
        issuer,
        "--allow-insecure-registry",
        "--allow-http-registry",
        &pinned,
    ];
    // With only `--trusted-root`, cosign 2.5 still asks TUF for the Fulcio and log keys: the
    // instance's are given through its environment as well.
    let material = [
        ("SIGSTORE_ROOT_FILE", "fulcio.pem", instance.chain_pem()),
        (
            "SIGSTORE_REKOR_PUBLIC_KEY",
            "rekor.pub",
            testing::public_pem(&instance.rekor_key),
        ),
        (
            "SIGSTORE_CT_LOG_PUBLIC_KEY_FILE",
            "ctfe.pub",
            testing::public_pem(&instance.ct_key),
        ),
    ];
    let vars: Vec<(&str, PathBuf)> = material
        .into_iter()
        .map(|(var, file, text)| (var, env.write(file, text.as_bytes())))
        .collect();
    let run = |args: &[&str]| {
        std::process::Command::new(&cosign)
            .args(args)
            .envs(vars.iter().cloned())
            .output()
            .expect("cosign")
    };
    assert_ok(
        &run(&oracle),
        "cosign verify-attestation of the keyless SLSA v1 bundle",
    );
    // And refuses it for another workflow of the same repository, as Vouch does.
    let nightly = subject.replace("release.yml", "nightly.yml");
    let mut other = oracle;
    other[7] = &nightly;
    assert!(
        !run(&other).status.success(),
        "cosign accepted another workflow's identity"
    );
    // The window's graph carries the verified provenance too (it renders this, computing nothing).
    let graph = v["graph"].to_string();
    assert!(graph.contains("acme-ci"), "{graph}");
    let id = a["signer"].as_str().unwrap_or_default();
    assert!(id.starts_with("id:"), "the identity's id: {a:#}");
    assert!(
        v["graph"]["nodes"]
            .as_array()
            .is_some_and(|n| n.iter().any(|n| n["label"] == id)),
        "the identity is named by its id in the graph: {graph}"
    );
}
