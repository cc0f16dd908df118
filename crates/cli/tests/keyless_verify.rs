//! Keyless signatures through `vouch verify`: a local Sigstore-like instance (see
//! `vouch_core::sigstore::testing`) added with `vouch trust-root add`, identities added with
//! `vouch identity add --trusted-root`, keyless-signed images in the real registry. The verdict
//! shows the identity; each attack is refused with its cause; thresholds count a key and an
//! identity of one publisher once; a batch reads the roots once.

mod common;

use common::*;
use serde_json::Value;
use vouch_core::sigstore::testing::{self, Instance, LeafSpec, SigLayer};

/// The name the instance's trusted root is added under.
const ROOT: &str = "ci";
/// The workflow identity every good signature is made by.
const RELEASE: &str = "https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main";

/// A user trusting the local instance's root (as `ci`), and the registry.
struct Keyless {
    reg: String,
    env: Env,
    instance: Instance,
    now: i64,
}

impl Keyless {
    fn new(name: &str) -> Self {
        let reg = real_registry("keyless verification");
        let env = Env::new(name);
        let instance = Instance::new("vouch-keyless-verify");
        env.add_trusted_root(&instance.trusted_root_json(), ROOT);
        Keyless {
            reg,
            env,
            instance,
            now: testing::now(),
        }
    }

    /// `vouch identity add --issuer … --trusted-root ci ARGS…`; returns the id.
    fn trust(&self, issuer: &str, args: &[&str]) -> String {
        let out = self.env.ok(&[
            &[
                "identity",
                "add",
                "--issuer",
                issuer,
                "--trusted-root",
                ROOT,
            ],
            args,
        ]
        .concat());
        out.trim().to_string()
    }

    /// The layer `spec`'s certificate signs for (`repository`, `digest`).
    fn layer(&self, spec: &LeafSpec, repository: &str, digest: &str) -> SigLayer {
        let leaf = self.instance.leaf(spec, "leaf");
        self.instance
            .sign_image(repository, digest, &leaf, self.now - 60)
    }

    /// Pushes `reg/repo:v1` signed keyless by `spec` (plus `more` key signature layers);
    /// returns the image pinned by digest.
    fn signed(&self, repo: &str, spec: &LeafSpec, more: Vec<Value>) -> String {
        let digest = push_image(&self.reg, repo, "v1", repo);
        let repository = self.repository(repo);
        let layer = self.layer(spec, &repository, &digest);
        push_sig_layers(&self.reg, repo, &digest, &[layer], more);
        format!("{}/{repo}@{digest}", self.reg)
    }

    fn repository(&self, repo: &str) -> String {
        parse(&format!("{}/{repo}", self.reg)).repository()
    }

    /// `vouch verify --json IMAGE`: the verdict and the exit code.
    fn verify(&self, image: &str) -> (Value, Option<i32>) {
        let (v, code, _) = self.env.json("verify", image);
        (v, code)
    }
}

/// A GitHub workflow certificate of acme/app.
fn github(workflow: &str, git_ref: &str) -> LeafSpec {
    LeafSpec::github("acme/app", workflow, git_ref, testing::now() - 120)
}

#[test]
#[ignore = "needs the harness: run through make test (tests/harness/with-env.sh)"]
fn a_keyless_signed_image_is_verified_with_its_identity_shown() {
    let k = Keyless::new("kl-shown");
    let id = k.trust(
        testing::GITHUB_ISSUER,
        &["--subject", RELEASE, "--name", "acme"],
    );
    let image = k.signed(
        "klv/shown",
        &github("release.yml", "refs/heads/main"),
        vec![],
    );

    let (v, code) = k.verify(&image);
    assert_eq!(v["status"], "verified", "{v:#}");
    assert_eq!(code, Some(0));
    let reason = v["reason"].as_str().expect("reason");
    assert!(reason.contains(&format!("acme ({RELEASE})")), "{reason}");
    let sig = &v["signatures"][0];
    assert_eq!(sig["valid"], true);
    assert_eq!(sig["publisher"], "acme");
    assert!(sig["fingerprint"].is_null());
    let kl = &sig["keyless"];
    assert_eq!(kl["identity"]["id"], id.as_str(), "{kl:#}");
    assert_eq!(kl["identity"]["publisher"], "acme");
    assert_eq!(kl["issuer"], testing::GITHUB_ISSUER);
    assert_eq!(kl["subject"]["kind"], "uri");
    assert_eq!(kl["subject"]["value"], RELEASE);
    assert_eq!(kl["trusted_root"], ROOT);
    assert_eq!(kl["time_source"], "transparency_log");
    assert_eq!(
        kl["log"]["log_id"],
        hex::encode(k.instance.rekor_log_id()),
        "{kl:#}"
    );
    assert!(kl["log"]["index"].is_u64(), "{kl:#}");
    assert!(
        kl["certificate_time"]
            .as_str()
            .is_some_and(|t| !t.is_empty()),
        "{kl:#}"
    );

    // The text output names the same.
    let out = k.env.ok(&["verify", &image]);
    assert!(out.starts_with("VERIFIED"), "{out}");
    for needle in [
        format!("keyless: acme ({id})"),
        format!("subject:     {RELEASE}"),
        format!("issuer:      {}", testing::GITHUB_ISSUER),
        "certificate: issued".to_string(),
        format!("(trusted root {ROOT})"),
        "logged:      log ".to_string(),
        "time from the transparency log".to_string(),
    ] {
        assert!(out.contains(&needle), "`{needle}` missing from:\n{out}");
    }
}

/// The verdict's cause, checked as `vouch verify` gives it: status, exit code 1, cause code.
fn refused(k: &Keyless, image: &str, status: &str, code: &str) -> Value {
    let (v, exit) = k.verify(image);
    assert_eq!(v["status"], status, "{v:#}");
    assert_eq!(exit, Some(1), "{v:#}");
    assert_eq!(v["cause"]["code"], code, "{v:#}");
    assert_eq!(v["signatures"][0]["valid"], false, "{v:#}");
    v
}

#[test]
#[ignore = "needs the harness: run through make test (tests/harness/with-env.sh)"]
fn keyless_attacks_are_refused_by_vouch_verify_with_their_cause() {
    let k = Keyless::new("kl-attacks");
    // The release workflow of acme/app, on main only.
    k.trust(
        testing::GITHUB_ISSUER,
        &[
            "--subject",
            "https://github.com/acme/app/.github/workflows/*@**",
            "--ref",
            "refs/heads/main",
            "--workflow",
            "https://github.com/acme/app/.github/workflows/release.yml",
            "--name",
            "acme",
        ],
    );
    let good = k.signed(
        "klv/good",
        &github("release.yml", "refs/heads/main"),
        vec![],
    );
    assert_eq!(k.verify(&good).0["status"], "verified");

    // Another workflow of the same repository.
    let image = k.signed(
        "klv/workflow",
        &github("deploy.yml", "refs/heads/main"),
        vec![],
    );
    let v = refused(&k, &image, "untrusted", "untrusted_identity");
    let c = &v["cause"]["closest"];
    assert_eq!(c["field"], "workflow", "{v:#}");
    assert_eq!(
        c["expected"],
        "https://github.com/acme/app/.github/workflows/release.yml"
    );
    let reason = v["reason"].as_str().expect("reason");
    assert!(
        reason.contains("deploy.yml@refs/heads/main") && reason.contains("not an identity you trust (workflow: expected https://github.com/acme/app/.github/workflows/release.yml, found https://github.com/acme/app/.github/workflows/deploy.yml@refs/heads/main)"),
        "{reason}"
    );

    // Another branch.
    let image = k.signed(
        "klv/branch",
        &github("release.yml", "refs/heads/dev"),
        vec![],
    );
    let v = refused(&k, &image, "untrusted", "untrusted_identity");
    let reason = v["reason"].as_str().expect("reason");
    assert!(
        reason.starts_with(
            "signed by https://github.com/acme/app/.github/workflows/release.yml@refs/heads/dev"
        ) && reason.contains(
            "not an identity you trust (ref: expected refs/heads/main, found refs/heads/dev)"
        ),
        "{reason}"
    );

    // Another issuer, same subject and claims.
    let mut other = github("release.yml", "refs/heads/main");
    other.issuer = "https://issuer.example.com".into();
    let image = k.signed("klv/issuer", &other, vec![]);
    let v = refused(&k, &image, "untrusted", "untrusted_identity");
    assert_eq!(v["cause"]["closest"]["field"], "issuer", "{v:#}");
    assert_eq!(
        v["cause"]["signer"]["issuer"], "https://issuer.example.com",
        "{v:#}"
    );

    // A signature copied, annotations and payload unchanged, to another repository.
    let digest = push_image(&k.reg, "klv/origin", "v1", "klv copied");
    let copy = push_image(&k.reg, "klv/copy", "v1", "klv copied");
    assert_eq!(digest, copy, "the same image in both repositories");
    let layer = k.layer(
        &github("release.yml", "refs/heads/main"),
        &k.repository("klv/origin"),
        &digest,
    );
    push_sig_layers(
        &k.reg,
        "klv/origin",
        &digest,
        std::slice::from_ref(&layer),
        vec![],
    );
    push_sig_layers(&k.reg, "klv/copy", &digest, &[layer], vec![]);
    let origin = format!("{}/klv/origin@{digest}", k.reg);
    assert_eq!(k.verify(&origin).0["status"], "verified");
    let v = refused(
        &k,
        &format!("{}/klv/copy@{digest}", k.reg),
        "invalid",
        "sigstore",
    );
    assert_eq!(v["cause"]["sigstore"]["kind"], "wrong_repository", "{v:#}");
    assert!(
        v["reason"]
            .as_str()
            .is_some_and(|r| r.contains("it was copied")),
        "{v:#}"
    );
}

/// A regular expression is matched against the whole subject: `…@refs/heads/main` does not
/// accept `…@refs/heads/main-evil`, which it would if it were searched for.
#[test]
#[ignore = "needs the harness: run through make test (tests/harness/with-env.sh)"]
fn an_unanchored_looking_subject_pattern_matches_only_whole_subjects() {
    let k = Keyless::new("kl-anchor");
    let pattern = r"https://github\.com/acme/app/\.github/workflows/release\.yml@refs/heads/main";
    k.trust(
        testing::GITHUB_ISSUER,
        &["--subject-regexp", pattern, "--name", "acme"],
    );
    let good = k.signed(
        "klv/anchor-good",
        &github("release.yml", "refs/heads/main"),
        vec![],
    );
    assert_eq!(k.verify(&good).0["status"], "verified");
    let evil = k.signed(
        "klv/anchor-evil",
        &github("release.yml", "refs/heads/main-evil"),
        vec![],
    );
    let v = refused(&k, &evil, "untrusted", "untrusted_identity");
    assert_eq!(v["cause"]["closest"]["field"], "subject", "{v:#}");
    assert_eq!(v["cause"]["closest"]["expected"], pattern, "{v:#}");
}

#[test]
#[ignore = "needs the harness: run through make test (tests/harness/with-env.sh)"]
fn revoked_and_expired_identities_never_vouch() {
    let k = Keyless::new("kl-standing");
    let image = k.signed(
        "klv/standing",
        &github("release.yml", "refs/heads/main"),
        vec![],
    );
    let id = k.trust(
        testing::GITHUB_ISSUER,
        &["--subject", RELEASE, "--name", "acme"],
    );
    assert_eq!(k.verify(&image).0["status"], "verified");
    k.env.ok(&[
        "identity",
        "revoke",
        &id,
        "--reason",
        "workflow compromised",
    ]);
    let v = refused(&k, &image, "untrusted", "identity_not_active");
    assert_eq!(v["cause"]["standing"]["standing"], "revoked", "{v:#}");
    assert_eq!(v["cause"]["identity"]["id"], id.as_str(), "{v:#}");
    assert!(
        v["reason"]
            .as_str()
            .is_some_and(|r| r.contains("was revoked (workflow compromised)")),
        "{v:#}"
    );

    let k = Keyless::new("kl-expired");
    let image = k.signed(
        "klv/expired",
        &github("release.yml", "refs/heads/main"),
        vec![],
    );
    k.trust(
        testing::GITHUB_ISSUER,
        &[
            "--subject",
            RELEASE,
            "--name",
            "acme",
            "--expires",
            "2020-01-01T00:00:00Z",
        ],
    );
    let v = refused(&k, &image, "untrusted", "identity_not_active");
    assert_eq!(v["cause"]["standing"]["standing"], "expired", "{v:#}");
    assert!(
        v["reason"]
            .as_str()
            .is_some_and(|r| r.contains("expired at 2020-01-01T00:00:00Z")),
        "{v:#}"
    );
}

/// N-of-M over a key and an identity: of two publishers they meet 2; of one publisher they
/// count once.
#[test]
#[ignore = "needs the harness: run through make test (tests/harness/with-env.sh)"]
fn a_key_and_an_identity_count_as_their_publishers() {
    for (publisher, verified) in [("keys-inc", true), ("acme", false)] {
        let k = Keyless::new(&format!("kl-n-of-m-{publisher}"));
        let key = test_key();
        let pem = k.env.write("key.pub", key.public_key().to_pem().as_bytes());
        k.env.add_key(&pem, publisher, &[]);
        k.trust(
            testing::GITHUB_ISSUER,
            &["--subject", RELEASE, "--name", "acme"],
        );
        k.env.set_policy(
            &format!("{}/klv/**", k.reg),
            "enforce",
            &["--threshold", "2"],
        );
        let repo = format!("klv/n-of-m-{publisher}");
        let digest = push_image(&k.reg, &repo, "v1", &repo);
        let by_key = signature_layer(&k.reg, &repo, &digest, &k.repository(&repo), &key);
        let layer = k.layer(
            &github("release.yml", "refs/heads/main"),
            &k.repository(&repo),
            &digest,
        );
        push_sig_layers(&k.reg, &repo, &digest, &[layer], vec![by_key]);
        let (v, code) = k.verify(&format!("{}/{repo}@{digest}", k.reg));
        let valid: Vec<bool> = v["signatures"]
            .as_array()
            .expect("signatures")
            .iter()
            .map(|s| s["valid"] == true)
            .collect();
        assert_eq!(valid, [true, true], "both signatures pass: {v:#}");
        if verified {
            assert_eq!(v["status"], "verified", "{v:#}");
            assert_eq!(code, Some(0));
            let policy = v["checks"]
                .as_array()
                .expect("checks")
                .iter()
                .find(|c| c["name"] == "policy")
                .expect("policy check");
            assert!(
                policy["detail"]
                    .as_str()
                    .is_some_and(|d| d.starts_with("2 distinct trusted publishers signed")),
                "{policy}"
            );
        } else {
            assert_eq!(v["status"], "untrusted", "{v:#}");
            assert_eq!(code, Some(1));
            assert_eq!(v["cause"]["code"], "too_few_publishers", "{v:#}");
            assert_eq!(v["cause"]["counted"], 1, "{v:#}");
            assert_eq!(v["cause"]["required"], 2, "{v:#}");
        }
    }
}

/// Several keyless-signed images in one `vouch verify`: the custom root is read once for the
/// batch. The root file is a FIFO fed exactly once: a second read would wait for a writer that
/// never comes, and the command would not finish.
#[cfg(unix)]
#[test]
#[ignore = "needs the harness: run through make test (tests/harness/with-env.sh)"]
fn a_batch_reads_the_trusted_roots_once() {
    let k = Keyless::new("kl-batch");
    k.trust(
        testing::GITHUB_ISSUER,
        &["--subject", RELEASE, "--name", "acme"],
    );
    let spec = github("release.yml", "refs/heads/main");
    let images: Vec<String> = (0..6)
        .map(|i| k.signed(&format!("klv/batch-{i}"), &spec, vec![]))
        .collect();
    // Replace the stored root by a FIFO that serves its bytes once.
    let stored = k
        .env
        .dir
        .path()
        .join("config/trust-roots")
        .join(&k.env.profile)
        .join(format!("custom/{ROOT}.json"));
    let json = std::fs::read(&stored).expect("the stored root (vouch trust-root add wrote it)");
    std::fs::remove_file(&stored).expect("remove");
    let made = std::process::Command::new("mkfifo")
        .arg(&stored)
        .status()
        .expect("mkfifo");
    assert!(made.success());
    let fifo = stored.clone();
    let writer = std::thread::spawn(move || {
        std::fs::write(&fifo, json).expect("feed the FIFO once");
    });
    let mut child = k
        .env
        .cmd()
        .arg("verify")
        .arg("--json")
        .args(&images)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("vouch verify");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while child.try_wait().expect("wait").is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            // Let the writer go too.
            let _ = std::fs::read(&stored);
            panic!("vouch verify did not finish: it read the trusted root more than once");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    writer.join().expect("writer");
    let out = child.wait_with_output().expect("output");
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("no JSON ({e}): {}", String::from_utf8_lossy(&out.stderr)));
    let statuses: Vec<&str> = v
        .as_array()
        .expect("an array")
        .iter()
        .map(|v| v["status"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(statuses, ["verified"; 6], "{v:#}");
}

/// An identity tied to a trusted root that does not exist is refused when it is added (it could
/// never vouch), before the keychain is asked: no harness needed.
#[test]
fn identity_add_refuses_a_trusted_root_that_does_not_exist() {
    let env = Env::new("kl-no-root");
    let out = env.run_without_keychain(&[
        "identity",
        "add",
        "--issuer",
        testing::GITHUB_ISSUER,
        "--subject",
        RELEASE,
        "--trusted-root",
        "nosuch",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("the identity names the trusted root `nosuch`, which cannot be used: there is no trusted root named `nosuch`"),
        "{stderr}"
    );
    assert!(stderr.contains("hint: `vouch trust-root list`"), "{stderr}");
}
