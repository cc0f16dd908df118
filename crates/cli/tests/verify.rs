//! `vouch verify` and `vouch sign` against the real registry (CNCF distribution), the real
//! keychain and the real peers (cosign 2.5, skopeo 1.18) the harness provides, plus one
//! deliberately hostile fake registry on 127.0.0.1:0 for what no real registry does on demand.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::*;
use serde_json::{json, Value};

use vouch_core::registry::sha256_digest;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

fn verify_json(env: &Env, image: &str) -> (Value, Option<i32>, String) {
    env.json("verify", image)
}

fn assert_status(env: &Env, image: &str, status: &str, code: i32) -> Value {
    let (v, c, stderr) = verify_json(env, image);
    assert_eq!(v["status"], status, "{image}: {v:#}\n{stderr}");
    assert_eq!(c, Some(code), "{image}: exit code; {v:#}\n{stderr}");
    assert!(v["reason"].as_str().is_some_and(|r| !r.is_empty()), "{v:#}");
    if status != "verified" {
        let human = env.run(&["verify", image]);
        assert_eq!(human.status.code(), Some(code));
        let line = String::from_utf8_lossy(&human.stdout).to_string();
        assert!(
            line.to_lowercase().starts_with(status),
            "human line: {line}"
        );
    }
    v
}

fn cosign_verify(cosign: &Path, pubkey: &Path, image: &str) -> Output {
    cosign_on_registry(cosign, "verify", pubkey, &[], image)
}

// ---------------------------------------------------------------------------------------------
// (1) cosign signs → Vouch verifies
// ---------------------------------------------------------------------------------------------

#[test]
#[ignore = "needs the harness: run through make test (tests/harness/with-env.sh)"]
fn cosign_p256_signature_verifies_in_three_requests() {
    let reg = real_registry("cosign → vouch");
    let cosign = cosign();
    let env = Env::new("verify-cosign");
    let (digest, _, pubkey) = cosign_signed_image(&cosign, env.dir.path(), &reg, "cosign-p256/app");
    env.add_key(&pubkey, "acme", &[]);

    let before = access_log_lines().len();
    let v = assert_status(&env, &format!("{reg}/cosign-p256/app:v1"), "verified", 0);
    let after = access_log_lines();
    let requests: Vec<&String> = after
        .iter()
        .skip(before)
        .filter(|l| l.contains("/v2/cosign-p256/app/"))
        .collect();
    eprintln!("requests for one signed image ({}):", requests.len());
    for r in &requests {
        eprintln!("  {}", r.chars().take(200).collect::<String>());
    }
    assert_eq!(v["digest"], digest.as_str());
    assert_eq!(v["repository"], format!("{reg}/cosign-p256/app"));
    assert_eq!(v["enforced"], true);
    assert_eq!(v["signatures"][0]["publisher"], "acme");
    assert_eq!(v["signatures"][0]["valid"], true);
    assert!(
        v["checks"]
            .as_array()
            .is_some_and(|c| c.iter().all(|c| c["outcome"] != "failed")),
        "{v:#}"
    );
    assert!(v["cause"].is_null(), "{v:#}");
    assert_eq!(v["signatures"][0]["publisher"], "acme", "{v:#}");
    if !after.is_empty() {
        assert!(
            requests.len() <= 3,
            "a verification took {} requests",
            requests.len()
        );
    }

    // By digest too, and human output.
    let out = env.ok(&["verify", &format!("{reg}/cosign-p256/app@{digest}")]);
    assert!(out.starts_with("VERIFIED"), "{out}");
}

#[test]
#[ignore = "needs the harness: run through make test (tests/harness/with-env.sh)"]
fn cosign_imported_ed25519_key_verifies() {
    let reg = real_registry("cosign ed25519 → vouch");
    let cosign = cosign();
    let env = Env::new("verify-cosign-ed");
    let (pem, pubkey) = openssl_ed25519(env.dir.path(), "ed");
    let imported = cosign_import_key(&cosign, &pem, env.dir.path(), "imported");
    let digest = push_image(&reg, "cosign-ed/app", "v1", "cosign-ed");
    cosign_sign(&cosign, &imported, &format!("{reg}/cosign-ed/app@{digest}"));
    env.add_key(&pubkey, "edpub", &[]);
    assert_status(&env, &format!("{reg}/cosign-ed/app:v1"), "verified", 0);
}

// ---------------------------------------------------------------------------------------------
// (2) Vouch signs → cosign verifies; signatures append
// ---------------------------------------------------------------------------------------------

#[test]
#[ignore = "needs the harness: run through make test (tests/harness/with-env.sh)"]
fn vouch_signatures_are_accepted_by_cosign_and_appended() {
    let reg = real_registry("vouch → cosign");
    let cosign = cosign();
    let env = Env::new("verify-vsign");
    let digest = push_image(&reg, "vsign/app", "v1", "vsign");
    let image = format!("{reg}/vsign/app:v1");
    let pinned = format!("{reg}/vsign/app@{digest}");
    let (pub1, _) = env.generate_key("first", "ed25519", &[]);
    let (pub2, _) = env.generate_key("second", "ecdsa-p256", &[]);

    env.ok(&["sign", &image, "--key", "first", "-a", "env=test"]);
    let out = cosign_verify(&cosign, &pub1, &pinned);
    assert_ok(&out, "cosign verify of Vouch's ed25519 signature");

    // Another signer (cosign itself) appends; Vouch's signature survives.
    let (ckey, cpub) = cosign_keypair(&cosign, env.dir.path());
    cosign_sign(&cosign, &ckey, &pinned);
    assert!(cosign_verify(&cosign, &pub1, &pinned).status.success());

    // Vouch appends a second signature; cosign's survives.
    env.ok(&["sign", &image, "--key", "second"]);
    for (pubkey, whose) in [(&cpub, "cosign's own"), (&pub2, "Vouch's P-256")] {
        let out = cosign_verify(&cosign, pubkey, &pinned);
        assert_ok(&out, &format!("cosign verify of {whose} signature"));
    }

    let sig = get_manifest(&reg, "vsign/app", &sig_tag(&digest)).expect("sig manifest");
    let v: Value = serde_json::from_slice(&sig).expect("json");
    assert_eq!(v["layers"].as_array().map(Vec::len), Some(3), "{v:#}");

    let v = assert_status(&env, &image, "verified", 0);
    assert_eq!(v["signatures"].as_array().map(Vec::len), Some(3), "{v:#}");
}

// ---------------------------------------------------------------------------------------------
// (3) The attack matrix against the real registry
// ---------------------------------------------------------------------------------------------

#[test]
#[ignore = "needs the harness: run through make test (tests/harness/with-env.sh)"]
fn unsigned_image_is_unsigned() {
    let reg = real_registry("unsigned");
    let env = Env::with_own_key("verify-unsigned");
    push_image(&reg, "attack-unsigned/app", "v1", "unsigned");
    let v = assert_status(
        &env,
        &format!("{reg}/attack-unsigned/app:v1"),
        "unsigned",
        1,
    );
    assert_eq!(v["cause"]["code"], "no_signatures", "{v:#}");
    assert_eq!(v["cause"]["digest"], v["digest"], "{v:#}");
}

#[test]
#[ignore = "needs the harness: run through make test (tests/harness/with-env.sh)"]
fn unknown_key_is_untrusted() {
    let reg = real_registry("unknown key");
    let signer = Env::new("verify-unknown-signer");
    let env = Env::new("verify-unknown");
    signer.generate_key("stranger", "ed25519", &[]);
    env.generate_key("acme", "ed25519", &[]);
    let (_, image) = signer.push_signed(&reg, "attack-unknown/app", "stranger");
    let v = assert_status(&env, &image, "untrusted", 1);
    assert_eq!(v["signatures"][0]["fingerprint"], Value::Null, "{v:#}");
}

#[test]
#[ignore = "needs the harness: run through make test (tests/harness/with-env.sh)"]
fn out_of_scope_key_is_untrusted_and_says_its_scope() {
    let reg = real_registry("out of scope");
    let env = Env::new("verify-scope");
    env.generate_key("acme", "ed25519", &["ghcr.io/acme/**"]);
    let (_, image) = env.push_signed(&reg, "attack-scope/app", "acme");
    let v = assert_status(&env, &image, "untrusted", 1);
    assert_eq!(v["cause"]["code"], "out_of_scope", "{v:#}");
    assert_eq!(v["cause"]["scopes"], json!(["ghcr.io/acme/**"]), "{v:#}");
    assert_eq!(
        v["cause"]["repository"],
        format!("{reg}/attack-scope/app"),
        "{v:#}"
    );
}

#[test]
#[ignore = "needs the harness: run through make test (tests/harness/with-env.sh)"]
fn revoked_key_is_untrusted() {
    let reg = real_registry("revoked");
    let env = Env::with_own_key("verify-revoked");
    let (_, image) = env.push_signed(&reg, "attack-revoked/app", "acme");
    assert_status(&env, &image, "verified", 0);
    env.ok(&["key", "revoke", "acme", "--reason", "leaked"]);
    let v = assert_status(&env, &image, "untrusted", 1);
    assert_eq!(v["cause"]["code"], "revoked", "{v:#}");
    assert_eq!(v["cause"]["reason"], "leaked", "{v:#}");
    assert_eq!(v["cause"]["key"]["publisher"], "acme", "{v:#}");
}

#[test]
#[ignore = "needs the harness: run through make test (tests/harness/with-env.sh)"]
fn expired_key_is_untrusted() {
    let reg = real_registry("expired");
    let cosign = cosign();
    let env = Env::new("verify-expired");
    let (_, _, pubkey) = cosign_signed_image(&cosign, env.dir.path(), &reg, "attack-expired/app");
    env.add_key(&pubkey, "acme", &["--expires", "2020-01-01T00:00:00Z"]);
    let v = assert_status(
        &env,
        &format!("{reg}/attack-expired/app:v1"),
        "untrusted",
        1,
    );
    assert_eq!(v["cause"]["code"], "expired", "{v:#}");
    assert!(v["cause"]["expired_at"].is_string(), "{v:#}");
}

#[test]
#[ignore = "needs the harness: run through make test (tests/harness/with-env.sh)"]
fn signature_copied_to_another_repository_is_invalid() {
    let reg = real_registry("copied signature");
    let env = Env::with_own_key("verify-copied");
    let (digest, original) = env.push_signed(&reg, "attack-copy/original", "acme");
    // Same image bytes (same digest) in another repository, with the signature copied along.
    for (selector, tag) in [
        (digest.clone(), "v1".to_string()),
        (sig_tag(&digest), sig_tag(&digest)),
    ] {
        let manifest = get_manifest(&reg, "attack-copy/original", &selector).expect("manifest");
        put_manifest_with_blobs(
            &reg,
            "attack-copy/original",
            "attack-copy/elsewhere",
            &tag,
            &manifest,
        );
    }
    let v = assert_status(
        &env,
        &format!("{reg}/attack-copy/elsewhere:v1"),
        "invalid",
        1,
    );
    assert_eq!(v["cause"]["code"], "wrong_identity", "{v:#}");
    assert!(
        v["cause"]["signed_for"][0]
            .as_str()
            .is_some_and(|s| s.starts_with(&format!("{reg}/attack-copy/original"))),
        "{v:#}"
    );
    // The original still verifies.
    assert_status(&env, &original, "verified", 0);
}

#[test]
#[ignore = "needs the harness: run through make test (tests/harness/with-env.sh)"]
fn signature_replayed_onto_another_digest_is_invalid() {
    let reg = real_registry("replayed signature");
    let env = Env::with_own_key("verify-replay");
    let good = push_image(&reg, "attack-replay/app", "good", "replay-good");
    let evil = push_image(&reg, "attack-replay/app", "evil", "replay-evil");
    env.ok(&[
        "sign",
        &format!("{reg}/attack-replay/app:good"),
        "--key",
        "acme",
    ]);
    let sig = get_manifest(&reg, "attack-replay/app", &sig_tag(&good)).expect("sig");
    put_manifest_with_blobs(
        &reg,
        "attack-replay/app",
        "attack-replay/app",
        &sig_tag(&evil),
        &sig,
    );
    let v = assert_status(&env, &format!("{reg}/attack-replay/app:evil"), "invalid", 1);
    assert_eq!(v["cause"]["code"], "wrong_digest", "{v:#}");
    assert_eq!(v["cause"]["image"], v["digest"], "{v:#}");
    assert_ne!(v["cause"]["signed_for"][0], v["digest"], "{v:#}");
}

#[test]
#[ignore = "needs the harness: run through make test (tests/harness/with-env.sh)"]
fn tampered_signature_is_not_verified() {
    let reg = real_registry("tampered signature");
    let env = Env::new("verify-tamper-sig");
    env.generate_key("acme", "ecdsa-p256", &[]);
    let (digest, image) = env.push_signed(&reg, "attack-tsig/app", "acme");
    tamper_signature(&reg, "attack-tsig/app", &digest);
    // No key id travels with a cosign signature: an altered one is indistinguishable from a
    // stranger's, so it is `untrusted` (never `verified`), with the problem spelled out.
    let v = assert_status(&env, &image, "untrusted", 1);
    assert_eq!(
        v["signatures"][0]["cause"]["code"], "no_trusted_key",
        "{v:#}"
    );
}

#[test]
#[ignore = "needs the harness: run through make test (tests/harness/with-env.sh)"]
fn tampered_payload_is_not_verified() {
    let reg = real_registry("tampered payload");
    let env = Env::with_own_key("verify-tamper-payload");
    let (digest, image) = env.push_signed(&reg, "attack-tpay/app", "acme");
    let sig = get_manifest(&reg, "attack-tpay/app", &sig_tag(&digest)).expect("sig");
    let v: Value = serde_json::from_slice(&sig).expect("json");
    let payload_digest = v["layers"][0]["digest"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let payload = get_blob(&reg, "attack-tpay/app", &payload_digest);
    let mut p: Value = serde_json::from_slice(&payload).expect("payload json");
    p["optional"]["env"] = Value::String("tampered".into());
    let tampered = serde_json::to_vec(&p).expect("json");
    let len = tampered.len();
    let new_digest = push_blob(&reg, "attack-tpay/app", tampered);
    tamper_first_layer(&reg, "attack-tpay/app", &digest, |l| {
        l["digest"] = Value::String(new_digest);
        l["size"] = json!(len);
    });
    assert_status(&env, &image, "untrusted", 1);
}

#[test]
#[ignore = "needs the harness: run through make test (tests/harness/with-env.sh)"]
fn threshold_met_only_by_duplicate_signatures_is_not_verified() {
    let reg = real_registry("duplicate threshold");
    let env = Env::with_own_key("verify-dup");
    env.set_policy(
        &format!("{reg}/attack-dup/**"),
        "enforce",
        &["--threshold", "2"],
    );
    let (_, image) = env.push_signed(&reg, "attack-dup/app", "acme");
    env.ok(&["sign", &image, "--key", "acme"]);
    let v = assert_status(&env, &image, "untrusted", 1);
    assert_eq!(v["signatures"].as_array().map(Vec::len), Some(2), "{v:#}");
    assert_eq!(v["policy"]["threshold"], 2);
    assert_eq!(v["cause"]["code"], "threshold_not_met", "{v:#}");
    assert_eq!(v["cause"]["required"], 2, "{v:#}");
    // A second, distinct key meets it.
    env.generate_key("second", "ecdsa-p256", &[]);
    env.ok(&["sign", &image, "--key", "second"]);
    assert_status(&env, &image, "verified", 0);
}

#[test]
#[ignore = "needs the harness: run through make test (tests/harness/with-env.sh)"]
fn warn_mode_reports_but_does_not_fail() {
    let reg = real_registry("warn mode");
    let env = Env::with_own_key("verify-warn");
    env.set_policy(&format!("{reg}/warn-mode/**"), "warn", &[]);
    push_image(&reg, "warn-mode/app", "v1", "warn");
    let (v, code, _) = verify_json(&env, &format!("{reg}/warn-mode/app:v1"));
    assert_eq!(v["status"], "unsigned");
    assert_eq!(v["enforced"], false);
    assert_eq!(code, Some(0));
    // Regression: `vouch inspect` exited 1 here where `vouch verify` exits 0.
    let out = env.run(&["inspect", "--json", &format!("{reg}/warn-mode/app:v1")]);
    let report: Value = serde_json::from_slice(&out.stdout).expect("inspect json");
    assert_eq!(report["verdict"]["status"], "unsigned");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
#[ignore = "needs the harness: run through make test (tests/harness/with-env.sh)"]
fn verify_without_a_keychain_fails_and_prints_no_verdict() {
    // The keychain is read while the registry is already being asked (performance); when the
    // read fails the command must still fail with the keychain's error, exit 2, and print no
    // verdict — never judge an image without the trust set.
    let reg = real_registry("no keychain verify");
    let env = Env::new("verify-nokeychain");
    push_image(&reg, "nokeychain/app", "v1", "nokeychain");
    let out = env.run_without_keychain(&["verify", "--json", &format!("{reg}/nokeychain/app:v1")]);
    assert_fails_with(&out, "unreachable");
    assert!(
        out.stdout.is_empty(),
        "printed a verdict: {}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
#[ignore = "needs the harness: run through make test (tests/harness/with-env.sh)"]
fn unreachable_registry_is_an_error_verdict() {
    real_registry("unreachable");
    let env = Env::new("verify-unreachable");
    let v = assert_status(&env, "127.0.0.1:1/nobody/home:v1", "error", 1);
    assert_eq!(v["cause"]["code"], "unreachable", "{v:#}");
    assert_eq!(v["cause"]["host"], "127.0.0.1:1", "{v:#}");
}

#[test]
#[ignore = "needs the harness: run through make test (tests/harness/with-env.sh)"]
fn batches_print_an_array_and_read_lists_from_stdin() {
    let reg = real_registry("batch");
    let env = Env::with_own_key("verify-batch");
    let (_, image_a) = env.push_signed(&reg, "batch/a", "acme");
    env.push_signed(&reg, "batch/b", "acme");
    let list = format!("# images\n{reg}/batch/a:v1\n\n{reg}/batch/b:v1  # second\n");
    let out = env.run_stdin(&["verify", "--json", "--file", "-"], list.as_bytes());
    assert_ok(&out, "verify --file -");
    let v: Value = serde_json::from_slice(&out.stdout).expect("json array");
    assert_eq!(v.as_array().map(Vec::len), Some(2));
    assert!(v
        .as_array()
        .is_some_and(|a| a.iter().all(|x| x["status"] == "verified")));
    // One bad among good: exit 1, one line each.
    let out = env.run(&["verify", &image_a, "Not/Valid"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        text.lines().filter(|l| !l.starts_with("  ")).count(),
        2,
        "{text}"
    );
    // Nothing to do is a usage error.
    assert_fails_with(&env.run(&["verify"]), "no image");
}

// ---------------------------------------------------------------------------------------------
// (4) skopeo signs → Vouch verifies; Vouch signs → skopeo accepts
// ---------------------------------------------------------------------------------------------

fn skopeo_config(env: &Env, reg: &str, pubkey: Option<&Path>) -> (PathBuf, PathBuf) {
    let dir = env.path("registries.d");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(
        dir.join("vouch.yaml"),
        format!("docker:\n  {reg}:\n    use-sigstore-attachments: true\n"),
    )
    .expect("write");
    let policy = match pubkey {
        None => json!({"default": [{"type": "insecureAcceptAnything"}]}),
        Some(p) => json!({"default": [{"type": "reject"}], "transports": {"docker": {
            reg: [{"type": "sigstoreSigned", "keyPath": p, "signedIdentity": {"type": "matchRepository"}}]}}}),
    };
    let path = env.write("policy.json", &serde_json::to_vec(&policy).expect("json"));
    (path, dir)
}

fn skopeo_cmd(skopeo: &Path, policy: &Path, regd: &Path) -> Command {
    let mut c = Command::new(skopeo);
    c.arg("--policy")
        .arg(policy)
        .arg("--registries.d")
        .arg(regd);
    c
}

#[test]
#[ignore = "needs the harness: run through make test (tests/harness/with-env.sh)"]
fn skopeo_signatures_verify_including_a_multi_arch_index() {
    let reg = real_registry("skopeo → vouch");
    let skopeo = skopeo();
    let cosign = cosign();
    let env = Env::new("verify-skopeo");
    let (key, pubkey) = cosign_keypair(&cosign, env.dir.path());
    let (policy, regd) = skopeo_config(&env, &reg, None);
    env.add_key(&pubkey, "skopeo-signer", &[]);
    let passfile = env.write("pass", COSIGN_PASSWORD.as_bytes());
    // skopeo copies `src` to `dest` on the registry, signing with the cosign key on the way.
    let signed_copy = |all: &[&str], src: &str, dest: &str| {
        let mut cmd = skopeo_cmd(&skopeo, &policy, &regd);
        cmd.arg("copy")
            .args(all)
            .args(["--src-tls-verify=false", "--dest-tls-verify=false"])
            .arg("--sign-by-sigstore-private-key")
            .arg(&key)
            .arg("--sign-passphrase-file")
            .arg(&passfile)
            .arg(format!("docker://{reg}/{src}"))
            .arg(format!("docker://{reg}/{dest}"));
        run_ok(&mut cmd, &format!("skopeo copy {all:?}"));
    };

    push_image(&reg, "skopeo/src", "v1", "skopeo-single");
    signed_copy(&[], "skopeo/src:v1", "skopeo/single:v1");
    assert_status(&env, &format!("{reg}/skopeo/single:v1"), "verified", 0);

    push_index(&reg, "skopeo/src", "multi", "skopeo-multi", |_| None);
    signed_copy(&["--all"], "skopeo/src:multi", "skopeo/multi:v1");
    let v = assert_status(&env, &format!("{reg}/skopeo/multi:v1"), "verified", 0);
    let reported: Vec<&str> = v["platforms"]
        .as_array()
        .map(|a| a.iter().filter_map(|p| p["platform"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        reported,
        vec!["linux/amd64", "linux/arm64"],
        "attestation entry must not be a platform: {v:#}"
    );
    // skopeo compresses the layers on the way, so compare with the index it wrote.
    let index = get_manifest_json(&reg, "skopeo/multi", "v1").expect("index");
    for i in 0..2 {
        assert_eq!(
            v["platforms"][i]["digest"], index["manifests"][i]["digest"],
            "{v:#}"
        );
        // skopeo --all signs every instance as well as the index.
        assert_eq!(v["platforms"][i]["status"], "verified", "{v:#}");
    }
    eprintln!("skopeo --all platform statuses: {}", v["platforms"]);
}

#[test]
#[ignore = "needs the harness: run through make test (tests/harness/with-env.sh)"]
fn skopeo_accepts_vouch_signatures_with_a_sigstore_policy() {
    let reg = real_registry("vouch → skopeo");
    let skopeo = skopeo();
    let env = Env::new("verify-skopeo-accepts");
    let (pubkey, _) = env.generate_key("acme", "ecdsa-p256", &[]);
    env.push_signed(&reg, "skopeo-accepts/app", "acme");
    push_image(&reg, "skopeo-accepts/unsigned", "v1", "skopeo-unsigned");
    let (policy, regd) = skopeo_config(&env, &reg, Some(&pubkey));
    let copy = |src: &str| {
        skopeo_cmd(&skopeo, &policy, &regd)
            .args(["copy", "--remove-signatures", "--src-tls-verify=false"])
            .arg(format!("docker://{reg}/{src}"))
            .arg(format!(
                "oci:{}:x",
                env.path(&src.replace(['/', ':'], "_")).display()
            ))
            .output()
            .expect("skopeo")
    };
    let out = copy("skopeo-accepts/app:v1");
    assert_ok(&out, "skopeo copy of the image Vouch signed");
    // The policy is real: an unsigned image is refused.
    let out = copy("skopeo-accepts/unsigned:v1");
    assert!(
        !out.status.success(),
        "skopeo accepted an unsigned image; the policy is not in force"
    );
}

// ---------------------------------------------------------------------------------------------
// (5) A hostile registry: the only fake, for what a real registry will not do on demand
// ---------------------------------------------------------------------------------------------

mod hostile {
    use super::*;
    use std::collections::HashMap;
    use std::io::{Read, Write};
    use std::net::TcpListener;
    use std::sync::{Arc, Mutex};

    #[derive(Clone)]
    pub(super) enum Answer {
        Body {
            content_type: String,
            body: Vec<u8>,
        },
        /// Claims a huge length, sends a little, then keeps the connection open.
        Huge,
        /// Sends headers, then nothing.
        Stall,
    }

    /// A tiny HTTP/1.1 server on 127.0.0.1:0 answering paths from a table (404 otherwise).
    pub(super) fn serve(routes: HashMap<String, Answer>) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr").to_string();
        let routes = Arc::new(Mutex::new(routes));
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let routes = routes.clone();
                std::thread::spawn(move || {
                    let mut s = stream;
                    loop {
                        let mut buf = Vec::new();
                        let mut byte = [0u8; 1];
                        while !buf.ends_with(b"\r\n\r\n") {
                            match s.read(&mut byte) {
                                Ok(1) => buf.push(byte[0]),
                                _ => return,
                            }
                            if !buf[0].is_ascii_uppercase() {
                                // Not HTTP (a TLS ClientHello): answer as plain servers do.
                                let _ = s.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n");
                                return;
                            }
                        }
                        let head = String::from_utf8_lossy(&buf).to_string();
                        let path = head.split_whitespace().nth(1).unwrap_or("/").to_string();
                        let path = path.split('?').next().unwrap_or("/").to_string();
                        let answer = routes.lock().ok().and_then(|r| r.get(&path).cloned());
                        let ok = match answer {
                            None => s
                                .write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
                                .is_ok(),
                            Some(Answer::Body { content_type, body }) => {
                                let h = format!("HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n", body.len());
                                s.write_all(h.as_bytes()).is_ok() && s.write_all(&body).is_ok()
                            }
                            Some(Answer::Huge) => {
                                let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/vnd.oci.image.manifest.v1+json\r\nContent-Length: 9000000000\r\n\r\n{\"a\":\"");
                                std::thread::sleep(std::time::Duration::from_secs(120));
                                false
                            }
                            Some(Answer::Stall) => {
                                let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/vnd.oci.image.manifest.v1+json\r\nTransfer-Encoding: chunked\r\n\r\n");
                                std::thread::sleep(std::time::Duration::from_secs(120));
                                false
                            }
                        };
                        if !ok {
                            return;
                        }
                    }
                });
            }
        });
        addr
    }

    pub(super) fn body(ct: &str, b: Vec<u8>) -> Answer {
        Answer::Body {
            content_type: ct.into(),
            body: b,
        }
    }

    /// An OCI manifest, as the fake registry serves it.
    pub(super) fn manifest(b: Vec<u8>) -> Answer {
        body(OCI_MANIFEST, b)
    }

    /// What the fake registry answers, by path (404 otherwise).
    #[derive(Default)]
    pub(super) struct Routes(HashMap<String, Answer>);

    impl Routes {
        /// `path` answers with `answer`.
        pub(super) fn at(mut self, path: &str, answer: Answer) -> Self {
            self.0.insert(path.to_string(), answer);
            self
        }

        /// The manifest `reference` (tag or digest) of `evil/app` answers with `answer`.
        pub(super) fn manifest(self, reference: &str, answer: Answer) -> Self {
            self.at(&format!("/v2/evil/app/manifests/{reference}"), answer)
        }

        /// The blob `digest` of `evil/app` is `bytes`.
        pub(super) fn blob(self, digest: &str, bytes: Vec<u8>) -> Self {
            let answer = body("application/octet-stream", bytes);
            self.at(&format!("/v2/evil/app/blobs/{digest}"), answer)
        }

        /// The image manifest `m` (digest `d`) as `evil/app:v1` and by its digest.
        pub(super) fn image(m: &[u8], d: &str) -> Self {
            Self::default()
                .manifest("v1", manifest(m.to_vec()))
                .manifest(d, manifest(m.to_vec()))
        }

        /// Starts the fake registry; returns its address.
        pub(super) fn serve(self) -> String {
            serve(self.0)
        }
    }

    /// A tiny image manifest (a config, no layers) and its digest.
    pub(super) fn image() -> (Vec<u8>, String) {
        let m = serde_json::to_vec(&json!({
            "schemaVersion": 2, "mediaType": OCI_MANIFEST,
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                       "digest": format!("sha256:{}", "1".repeat(64)), "size": 2},
            "layers": []
        }))
        .expect("json");
        let d = sha256_digest(&m);
        (m, d)
    }

    /// `evil/app:v1` with one cosign signature: its payload layer names `payload_digest`
    /// (claiming `size` bytes) and carries the signature annotation `signature`; the registry
    /// serves `payload` as that blob. Returns the routes and the image digest.
    pub(super) fn signed_image(
        payload_digest: &str,
        size: usize,
        signature: &str,
        payload: Vec<u8>,
    ) -> (Routes, String) {
        let (m, d) = image();
        let sig = serde_json::to_vec(&json!({"schemaVersion": 2, "mediaType": OCI_MANIFEST,
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": d, "size": 2},
            "layers": [{"mediaType": "application/vnd.dev.cosign.simplesigning.v1+json",
                        "digest": payload_digest, "size": size,
                        "annotations": {"dev.cosignproject.cosign/signature": signature}}]}))
        .expect("json");
        let routes = Routes::default()
            .manifest("v1", manifest(m))
            .manifest(&sig_tag(&d), manifest(sig))
            .blob(payload_digest, payload);
        (routes, d)
    }
}

/// An isolated user with one trusted key: the hostile cases assert that nothing the fake
/// registry serves comes out `verified`, whatever keys are trusted. They need no keychain (the
/// trust set is a file passed with `--trust-set`) and no harness, so they run everywhere.
fn hostile_env(name: &str) -> Env {
    let env = Env::new(name);
    let file = trust_set_file(&env, &[(&test_key().public_key(), "acme")]);
    // Short timeouts: a stalled fake registry must not hold a test for long.
    env.with_verify_args(&["--trust-set", &file, "--timeout", "3"])
}

#[test]
fn hostile_manifest_whose_bytes_do_not_match_its_digest_is_invalid() {
    let env = hostile_env("verify-hostile-digest");
    let (m, _) = hostile::image();
    let claimed = format!("sha256:{}", "2".repeat(64));
    let addr = hostile::Routes::default()
        .manifest(&claimed, hostile::manifest(m))
        .serve();
    let v = assert_status(&env, &format!("{addr}/evil/app@{claimed}"), "invalid", 1);
    assert_eq!(v["cause"]["code"], "digest_mismatch", "{v:#}");
    assert_eq!(v["cause"]["expected"], claimed, "{v:#}");
}

#[test]
fn hostile_referrers_fallback_answering_with_the_image_is_ignored() {
    let env = hostile_env("verify-hostile-fallback");
    let (m, d) = hostile::image();
    // The fallback tag answers with the image itself.
    let addr = hostile::Routes::image(&m, &d)
        .manifest(&referrers_tag(&d), hostile::manifest(m))
        .serve();
    let v = assert_status(&env, &format!("{addr}/evil/app:v1"), "unsigned", 1);
    assert_eq!(v["digest"], d.as_str());
}

#[test]
fn hostile_referrers_index_pointing_back_at_the_image_is_ignored() {
    let env = hostile_env("verify-hostile-selfref");
    let (m, d) = hostile::image();
    let index = serde_json::to_vec(&json!({"schemaVersion": 2, "mediaType": OCI_INDEX,
        "manifests": [{"mediaType": OCI_MANIFEST, "digest": d, "size": m.len(),
                       "artifactType": "application/vnd.dev.sigstore.bundle.v0.3+json"}]}))
    .expect("json");
    let addr = hostile::Routes::image(&m, &d)
        .at(
            &format!("/v2/evil/app/referrers/{d}"),
            hostile::body(OCI_INDEX, index),
        )
        .serve();
    assert_status(&env, &format!("{addr}/evil/app:v1"), "unsigned", 1);
}

/// Serves `answer` as `evil/app:v1` to a user whose registry timeout is 3 s; asserts the
/// verdict is an error, reached well within 30 s. Returns it and how long it took.
fn error_verdict_in_time(name: &str, answer: hostile::Answer) -> (Value, std::time::Duration) {
    let env = hostile_env(name);
    let addr = hostile::Routes::default().manifest("v1", answer).serve();
    let start = std::time::Instant::now();
    let v = assert_status(&env, &format!("{addr}/evil/app:v1"), "error", 1);
    let took = start.elapsed();
    assert!(took < std::time::Duration::from_secs(30), "took {took:?}");
    (v, took)
}

#[test]
fn hostile_oversize_manifest_is_refused_without_reading_it() {
    let (v, _) = error_verdict_in_time("verify-hostile-huge", hostile::Answer::Huge);
    assert_eq!(v["cause"]["code"], "too_large", "{v:#}");
}

#[test]
fn hostile_oversize_signature_payload_is_not_verified() {
    let env = hostile_env("verify-hostile-bigblob");
    let big = vec![b'x'; 2 * 1024 * 1024];
    let big_d = sha256_digest(&big);
    let (routes, _) = hostile::signed_image(&big_d, 10, "AAAA", big);
    let addr = routes.serve();
    let (v, code, _) = verify_json(&env, &format!("{addr}/evil/app:v1"));
    assert_ne!(v["status"], "verified", "{v:#}");
    assert_eq!(code, Some(1));
    assert_eq!(v["signatures"][0]["cause"]["code"], "unsupported", "{v:#}");
}

#[test]
fn hostile_malformed_json_and_base64_are_not_verified() {
    let env = hostile_env("verify-hostile-malformed");
    let payload = b"{\"critical\": nope".to_vec();
    let pd = sha256_digest(&payload);
    let (routes, _) = hostile::signed_image(&pd, payload.len(), "!!!not base64!!!", payload);
    // And a second image whose manifest is not JSON at all.
    let addr = routes
        .at(
            "/v2/evil/garbage/manifests/v1",
            hostile::manifest(b"\x00\x01 not json".to_vec()),
        )
        .serve();
    let v = assert_status(&env, &format!("{addr}/evil/app:v1"), "invalid", 1);
    assert_eq!(
        v["signatures"][0]["cause"],
        json!({"code": "broken", "detail": "the signature annotation is not valid base64"}),
        "{v:#}"
    );
    let (v, code, _) = verify_json(&env, &format!("{addr}/evil/garbage:v1"));
    assert_ne!(v["status"], "verified");
    assert_eq!(code, Some(1));
}

#[test]
fn hostile_blob_not_matching_its_digest_is_invalid() {
    let env = hostile_env("verify-hostile-blob");
    let claimed = format!("sha256:{}", "3".repeat(64));
    let (routes, _) = hostile::signed_image(&claimed, 5, "AAAA", b"hello".to_vec());
    let addr = routes.serve();
    assert_status(&env, &format!("{addr}/evil/app:v1"), "invalid", 1);
}

#[test]
fn hostile_stalled_response_times_out_as_an_error() {
    let (v, took) = error_verdict_in_time("verify-hostile-stall", hostile::Answer::Stall);
    eprintln!("stalled registry: {} after {took:?}", v["reason"]);
}

#[test]
fn a_trust_set_file_that_is_missing_or_not_a_trust_set_is_refused_with_a_sentence() {
    let env = Env::new("verify-bad-trust-set");
    let junk = env.write("junk.json", b"{\"keys\": 3}");
    let missing = env.path("missing.json");
    for (file, needle) in [
        (junk.to_str().expect("utf-8"), "is not a trust set"),
        (missing.to_str().expect("utf-8"), "could not read"),
    ] {
        let out = env.run(&["verify", "--trust-set", file, "127.0.0.1:1/app:v1"]);
        assert_fails_with(&out, needle);
        assert!(out.stdout.is_empty(), "no verdict is printed");
    }
}
