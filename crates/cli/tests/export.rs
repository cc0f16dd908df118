//! `vouch export`: the containers export run by the real skopeo over the verify attack matrix
//! (the harness registry, keychain and skopeo 1.18) must take the same accept/refuse decision
//! as `vouch verify` for every image; refusals come back as one sentence naming the scope.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::*;
use serde_json::{json, Value};

/// skopeo copies `image` out of the registry under the exported policy: whether it accepted.
fn skopeo_accepts(skopeo: &Path, dir: &Path, image: &str, dest: &Path) -> (bool, String) {
    let out = std::process::Command::new(skopeo)
        .arg("--policy")
        .arg(dir.join("policy.json"))
        .arg("--registries.d")
        .arg(dir.join("registries.d"))
        .args(["copy", "--remove-signatures", "--src-tls-verify=false"])
        .arg(format!("docker://{image}"))
        .arg(format!("oci:{}:x", dest.display()))
        .output()
        .expect("skopeo");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

/// podman pulls `image` under the exported policy (into a throwaway storage root, its
/// registries.d in a throwaway `$HOME`): whether its signature policy accepted the image. The
/// test images' layers are not tar archives, so an accepted image fails later, while podman
/// unpacks it (`writing blob`); a refusal by the policy says `Source image rejected`; anything
/// else fails the test.
fn podman_accepts(podman: &Path, dir: &Path, image: &str, scratch: &Path) -> (bool, String) {
    let config = scratch.join(".config/containers/registries.d");
    std::fs::create_dir_all(&config).expect("mkdir");
    std::fs::copy(
        dir.join("registries.d/vouch.yaml"),
        config.join("vouch.yaml"),
    )
    .expect("copy");
    let out = std::process::Command::new(podman)
        .env("HOME", scratch)
        .arg("--root")
        .arg(scratch.join("root"))
        .arg("--runroot")
        .arg(scratch.join("run"))
        .args([
            "--storage-driver",
            "vfs",
            "pull",
            "--tls-verify=false",
            "--signature-policy",
        ])
        .arg(dir.join("policy.json"))
        .arg(format!("docker://{image}"))
        .output()
        .expect("podman");
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let refused = stderr.contains("Source image rejected");
    // Past the policy: pulled, or stopped while writing the (non-tar) layer.
    let accepted = out.status.success() || stderr.contains("writing blob");
    assert!(
        accepted != refused,
        "podman pull {image}: neither accepted nor refused by its policy: {stderr}"
    );
    (accepted, stderr)
}

#[test]
#[ignore = "needs the harness: run through make test (tests/harness/with-env.sh)"]
fn skopeo_and_podman_with_the_containers_export_decide_as_vouch_verify_over_the_attack_matrix() {
    let reg = real_registry("containers export");
    let skopeo = skopeo();
    let podman = podman();
    let cosign = cosign();
    let env = Env::new("export-matrix");
    let stranger = Env::new("export-stranger");
    env.generate_key("acme", "ecdsa-p256", &[]);
    env.generate_key("second", "ed25519", &[]);
    env.generate_key("scoped", "ed25519", &["ghcr.io/acme/**"]);
    env.generate_key("gone", "ed25519", &[]);
    stranger.generate_key("stranger", "ed25519", &[]);
    env.set_policy(
        &format!("{reg}/mx-dup/**"),
        "enforce",
        &["--threshold", "2"],
    );
    env.set_policy(&format!("{reg}/mx-open/**"), "off", &[]);

    let (_, ok) = env.push_signed(&reg, "mx-ok/app", "acme");
    push_image(&reg, "mx-unsigned/app", "v1", "mx-unsigned");
    let (_, foreign) = stranger.push_signed(&reg, "mx-stranger/app", "stranger");
    let (_, scoped) = env.push_signed(&reg, "mx-scoped/app", "scoped");
    let (_, revoked) = env.push_signed(&reg, "mx-revoked/app", "gone");
    env.ok(&["key", "revoke", "gone", "--reason", "leaked"]);
    let (_, _, old_pub) = cosign_signed_image(&cosign, env.dir.path(), &reg, "mx-expired/app");
    env.add_key(&old_pub, "old", &["--expires", "2020-01-01T00:00:00Z"]);
    // A signature copied along with the image into another repository.
    let (digest, original) = env.push_signed(&reg, "mx-copy/original", "acme");
    for (selector, tag) in [
        (digest.clone(), "v1".to_string()),
        (sig_tag(&digest), sig_tag(&digest)),
    ] {
        let m = get_manifest(&reg, "mx-copy/original", &selector).expect("manifest");
        put_manifest_with_blobs(&reg, "mx-copy/original", "mx-copy/elsewhere", &tag, &m);
    }
    // A signature replayed onto another digest of the same repository.
    let good = push_image(&reg, "mx-replay/app", "good", "mx-replay-good");
    let evil = push_image(&reg, "mx-replay/app", "evil", "mx-replay-evil");
    env.ok(&[
        "sign",
        &format!("{reg}/mx-replay/app:good"),
        "--key",
        "acme",
    ]);
    let sig = get_manifest(&reg, "mx-replay/app", &sig_tag(&good)).expect("sig");
    put_manifest_with_blobs(
        &reg,
        "mx-replay/app",
        "mx-replay/app",
        &sig_tag(&evil),
        &sig,
    );
    // A signature with one base64 digit changed.
    let (tsig_digest, tampered) = env.push_signed(&reg, "mx-tsig/app", "acme");
    tamper_signature(&reg, "mx-tsig/app", &tsig_digest);
    // 2 of 2 needed: the same key twice does not meet it, two distinct keys do.
    let (_, dup_one) = env.push_signed(&reg, "mx-dup/one", "acme");
    env.ok(&["sign", &dup_one, "--key", "acme"]);
    let (_, dup_two) = env.push_signed(&reg, "mx-dup/two", "acme");
    env.ok(&["sign", &dup_two, "--key", "second"]);
    push_image(&reg, "mx-open/app", "v1", "mx-open");

    let matrix: Vec<(String, bool)> = vec![
        (ok, true),
        (format!("{reg}/mx-unsigned/app:v1"), false),
        (foreign, false),
        (scoped, false),
        (revoked, false),
        (format!("{reg}/mx-expired/app:v1"), false),
        (original, true),
        (format!("{reg}/mx-copy/elsewhere:v1"), false),
        (format!("{reg}/mx-replay/app:evil"), false),
        (tampered, false),
        (dup_one, false),
        (dup_two, true),
        (format!("{reg}/mx-open/app:v1"), true),
    ];

    let dir = env.path("exported");
    // Without the flag, a scope like `REG/mx-ok/**` (whose repository `REG/mx-ok` Vouch does
    // not trust) is refused: containers-policy.json cannot tell the two apart.
    let refused = env.run(&[
        "export",
        "containers",
        "--output",
        dir.to_str().expect("utf8"),
    ]);
    assert!(
        !refused.status.success(),
        "refused without --accept-scope-overlap"
    );
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("more widely than Vouch does"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    assert!(!dir.join("policy.json").exists(), "nothing written");
    let out = env.ok(&[
        "export",
        "containers",
        "--accept-scope-overlap",
        "--output",
        dir.to_str().expect("utf8"),
    ]);
    assert!(out.contains("gone") && out.contains("revoked"), "{out}");
    let policy = std::fs::read_to_string(dir.join("policy.json")).expect("policy.json");
    let yaml = std::fs::read_to_string(dir.join("registries.d/vouch.yaml")).expect("vouch.yaml");
    assert!(
        yaml.contains(&format!(
            "\"{}\":\n    use-sigstore-attachments: true",
            reg.split('/').next().unwrap_or(&reg)
        )),
        "{yaml}"
    );
    for (i, (image, accepted)) in matrix.iter().enumerate() {
        let verify = env.run(&["verify", "--no-history", image]);
        let by_vouch = verify.status.code() == Some(0);
        assert_eq!(
            by_vouch,
            *accepted,
            "vouch verify {image}: {}",
            String::from_utf8_lossy(&verify.stdout)
        );
        let (by_skopeo, why) =
            skopeo_accepts(&skopeo, &dir, image, &env.path(&format!("copy-{i}")));
        assert_eq!(
            by_skopeo,
            by_vouch,
            "{image}: skopeo {} where vouch verify {}\n{why}\n{policy}",
            if by_skopeo { "accepted" } else { "refused" },
            if by_vouch { "accepted" } else { "refused" }
        );
        let (by_podman, why) =
            podman_accepts(&podman, &dir, image, &env.path(&format!("podman-{i}")));
        assert_eq!(
            by_podman,
            by_vouch,
            "{image}: podman's policy {} where vouch verify {}\n{why}",
            if by_podman { "accepted" } else { "refused" },
            if by_vouch { "accepted" } else { "refused" }
        );
        eprintln!(
            "{image}: vouch and skopeo {}; podman said: {}",
            if by_vouch { "accept" } else { "refuse" },
            why.lines().last().unwrap_or_default()
        );
    }
}

/// A key scope containers-policy.json cannot express (`REG/xp-team/app-*`), expanded with
/// `--expand-scope` to the repositories the harness registry's catalog lists that it matches:
/// exactly those get an entry, skopeo accepts their signed images as `vouch verify` does,
/// refuses a repository outside the scope as Vouch does, and refuses one pushed after the
/// export (not covered, as the summary says) where Vouch accepts it.
#[test]
#[ignore = "needs the harness: run through make test (tests/harness/with-env.sh)"]
fn an_expanded_scope_exports_the_repositories_the_catalog_lists_and_skopeo_decides_by_them() {
    let reg = real_registry("containers export expansion");
    let skopeo = skopeo();
    let env = Env::new("export-expand");
    let glob = format!("{reg}/xp-team/app-*");
    env.generate_key("team", "ed25519", &[&glob]);
    let (_, one) = env.push_signed(&reg, "xp-team/app-1", "team");
    let (_, two) = env.push_signed(&reg, "xp-team/app-2", "team");
    let (_, other) = env.push_signed(&reg, "xp-team/other", "team");
    let dir = env.path("expanded");
    let dir_arg = dir.to_str().expect("utf8");
    let base = ["export", "containers", "--accept-scope-overlap"];
    let out = env.ok(&[&base[..], &["--expand-scope", &glob, "--output", dir_arg]].concat());
    assert!(
        out.contains(&format!(
            "expanded to the 2 repositories Vouch knows it matches: {reg}/xp-team/app-1, {reg}/xp-team/app-2;"
        )) && out.contains("created later"),
        "{out}"
    );
    let policy: Value =
        serde_json::from_slice(&std::fs::read(dir.join("policy.json")).expect("policy.json"))
            .expect("json");
    let scopes: Vec<&String> = policy["transports"]["docker"]
        .as_object()
        .map(|m| m.keys().collect())
        .unwrap_or_default();
    assert_eq!(
        scopes,
        [
            &format!("{reg}/xp-team/app-1"),
            &format!("{reg}/xp-team/app-2")
        ],
        "{policy:#}"
    );
    // Pushed after the export: the glob matches it, the export does not cover it.
    let (_, later) = env.push_signed(&reg, "xp-team/app-3", "team");
    for (i, (image, by_vouch, by_skopeo)) in [
        (&one, true, true),
        (&two, true, true),
        (&other, false, false),
        (&later, true, false),
    ]
    .into_iter()
    .enumerate()
    {
        let verify = env.run(&["verify", "--no-history", image]);
        assert_eq!(
            verify.status.code() == Some(0),
            by_vouch,
            "vouch verify {image}: {}",
            String::from_utf8_lossy(&verify.stdout)
        );
        let (accepted, why) = skopeo_accepts(&skopeo, &dir, image, &env.path(&format!("x-{i}")));
        assert_eq!(accepted, by_skopeo, "skopeo {image}: {why}");
    }
    // Without the expansion the scope is left out, and skopeo refuses app-1 too.
    let left_out = env.path("left-out");
    let out = env.ok(&[&base[..], &["--output", left_out.to_str().expect("utf8")]].concat());
    assert!(
        out.contains(&format!("`{glob}` cannot be expressed")),
        "{out}"
    );
    let (accepted, _) = skopeo_accepts(&skopeo, &left_out, &one, &env.path("x-left"));
    assert!(!accepted, "{one} accepted without the expansion");
}

#[test]
fn a_policy_pattern_is_never_expanded_and_nothing_is_written() {
    let env = Env::new("export-expand-policy");
    let (out, dir) = export_app_policy(&env, 2, &["--expand-scope", "ghcr.io/*/app"]);
    assert_fails_with(&out, "`ghcr.io/*/app` cannot be expanded");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("policy's pattern"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!dir.exists(), "wrote files after a refusal");
}

/// A trust set file with one key for every repository and `policies`.
fn trust_set_with_policies(env: &Env, policies: Value) -> String {
    let key = test_key().public_key();
    let file = trust_set_file(env, &[(&key, "acme")]);
    let mut set: Value =
        serde_json::from_slice(&std::fs::read(&file).expect("read")).expect("json");
    set["policies"] = policies;
    std::fs::write(&file, serde_json::to_vec(&set).expect("json")).expect("write");
    file
}

/// `vouch export containers --trust-set FILE [extra…] --output DIR` of a trust set with an
/// enforce policy on `ghcr.io/*/app` needing `threshold` signers: the run and DIR.
fn export_app_policy(env: &Env, threshold: u32, extra: &[&str]) -> (Output, PathBuf) {
    let file = trust_set_with_policies(
        env,
        json!([{"pattern": "ghcr.io/*/app", "mode": "enforce", "threshold": threshold}]),
    );
    let dir = env.path("out");
    let args = ["export", "containers", "--trust-set", &file];
    let output = ["--output", dir.to_str().expect("utf8")];
    (env.run(&[&args[..], extra, &output].concat()), dir)
}

#[test]
fn an_inexpressible_policy_glob_is_refused_naming_it_and_nothing_is_written() {
    let env = Env::new("export-refused");
    let (out, dir) = export_app_policy(&env, 1, &[]);
    assert_fails_with(
        &out,
        "`ghcr.io/*/app` cannot be expressed in containers-policy.json",
    );
    assert!(!dir.exists(), "wrote files after a refusal");
}

#[test]
fn without_output_the_files_go_to_stdout_and_the_summary_to_stderr() {
    let env = Env::new("export-stdout");
    let file = trust_set_with_policies(
        &env,
        json!([{"pattern": "ghcr.io/acme/**", "mode": "warn", "threshold": 1}]),
    );
    let out = env.run(&["export", "containers", "--trust-set", &file]);
    assert_ok(&out, "vouch export containers");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stdout.starts_with("# policy.json\n"), "{stdout}");
    assert!(stdout.contains("# registries.d/vouch.yaml\n"), "{stdout}");
    let policy_text = stdout
        .split("# registries.d/vouch.yaml")
        .next()
        .and_then(|s| s.strip_prefix("# policy.json\n"))
        .unwrap_or_default();
    let policy: Value = serde_json::from_str(policy_text).expect("policy.json is JSON");
    assert_eq!(policy["default"], json!([{"type": "reject"}]));
    assert_eq!(
        policy["transports"]["docker"]["ghcr.io/acme"][0]["type"],
        "sigstoreSigned"
    );
    assert!(
        stderr.contains("is warn") && stderr.contains("exported as enforce"),
        "{stderr}"
    );
}

/// `vouch ARGS` printing one export on stdout: the file (after its `# NAME` line) and stderr.
fn exported(env: &Env, args: &[&str]) -> (String, String) {
    let out = env.run(args);
    assert_ok(&out, &format!("vouch {args:?}"));
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let file = stdout.split_once('\n').map(|(_, rest)| rest.to_string());
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    (file.unwrap_or_default(), stderr)
}

/// A trust set with: a key for everything, two keys for `ghcr.io/acme/**` needing 2 of them
/// (warn), an exact repository, and an enforce default.
fn admission_trust_set(env: &Env) -> String {
    let scoped = ["ghcr.io/acme/**".to_string()];
    let exact = ["docker.io/library/nginx".to_string()];
    let keys = [
        ("all", &[][..]),
        ("a", &scoped[..]),
        ("b", &scoped[..]),
        ("n", &exact[..]),
    ];
    trust_set_of(env, "admission", &keys, &[("ghcr.io/acme/**", 2)])
}

/// A trust store of its own (in memory) for building a trust set file.
fn memory_store(env: &Env, name: &str) -> vouch_core::trust::TrustStore {
    vouch_core::trust::TrustStore::new(
        std::sync::Arc::new(vouch_core::trust::MemoryBackend::new()),
        "file",
        env.path(&format!("{name}.lock")),
    )
}

/// `store`'s trust set written to `NAME-trust-set.json`: its path.
fn trust_set_written(env: &Env, store: &vouch_core::trust::TrustStore, name: &str) -> String {
    let set = store.export_set().expect("export").to_json().expect("json");
    let file = env.write(&format!("{name}-trust-set.json"), &set);
    file.to_str().expect("utf-8 path").to_string()
}

/// A trust set file named `name` with a new key per (publisher, scopes) and a warn policy of
/// each (pattern, threshold).
fn trust_set_of(env: &Env, name: &str, keys: &[(&str, &[String])], warn: &[(&str, u32)]) -> String {
    use vouch_core::trust::PolicyMode;
    let store = memory_store(env, name);
    for (publisher, scopes) in keys {
        let key = test_key().public_key();
        store
            .add_public(&key, Some(publisher), scopes, None, None)
            .expect("trust the key");
    }
    for (pattern, threshold) in warn {
        store
            .set_policy(pattern, PolicyMode::Warn, *threshold)
            .expect("policy");
    }
    trust_set_written(env, &store, name)
}

/// `python3 tests/crds/validate.py CRD -` over `yaml`: asserts every document validates
/// strictly, and that a misspelt field would have been caught.
fn assert_valid_against(crd: &str, yaml: &str) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/crds");
    let validate = |text: &str| {
        let mut child = std::process::Command::new("python3")
            .arg(dir.join("validate.py"))
            .arg(dir.join(crd))
            .arg("-")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect(
                "python3 (scripts/install-deps.sh installs python3-jsonschema and python3-yaml)",
            );
        use std::io::Write;
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(text.as_bytes())
            .expect("write");
        child.wait_with_output().expect("validate.py")
    };
    let out = validate(yaml);
    assert_ok(
        &out,
        &format!(
            "validate.py {crd}: {}",
            String::from_utf8_lossy(&out.stdout)
        ),
    );
    // Strict for real: the same objects with one unknown field in the spec are refused.
    let misspelt = yaml.replacen(
        "\"spec\": {",
        "\"spec\": {\n    \"imageReferencez\": [],",
        1,
    );
    assert_ne!(misspelt, yaml);
    let out = validate(&misspelt);
    assert!(
        !out.status.success(),
        "an unknown field passed: {}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn kyverno_exports_validate_strictly_against_the_vendored_crd_in_every_api_version() {
    let env = Env::new("export-kyverno");
    let file = admission_trust_set(&env);
    for api in ["v1", "v1beta1", "v1alpha1"] {
        let (yaml, _) = exported(
            &env,
            &["export", "kyverno", "--api", api, "--trust-set", &file],
        );
        let yaml = yaml.as_str();
        assert!(
            yaml.contains(&format!("\"apiVersion\": \"policies.kyverno.io/{api}\"")),
            "{yaml}"
        );
        assert!(yaml.contains(">= 2") && yaml.contains("\"Warn\""), "{yaml}");
        assert!(yaml.contains("\"insecureIgnoreTlog\": true"), "{yaml}");
        // Docker Hub's nginx as a pod may write it (`nginx`, `library/nginx`, …), and
        // registry hosts in upper case refused.
        assert!(yaml.contains("(?:library/)?nginx"), "{yaml}");
        assert!(yaml.contains("vouch-registry-host-case"), "{yaml}");
        assert_valid_against("kyverno-imagevalidatingpolicies.yaml", yaml);
    }
}

#[test]
fn the_legacy_cluster_policy_validates_strictly_against_the_vendored_crd() {
    let env = Env::new("export-clusterpolicy");
    let file = admission_trust_set(&env);
    let args = [
        "export",
        "kyverno",
        "--api",
        "clusterpolicy",
        "--trust-set",
        &file,
    ];
    let (yaml, stderr) = exported(&env, &args);
    let yaml = yaml.as_str();
    assert!(
        yaml.contains("\"kind\": \"ClusterPolicy\"") && yaml.contains("\"count\": 2"),
        "{yaml}"
    );
    assert!(
        yaml.contains("\"failureAction\": \"Audit\"") && yaml.contains("\"ignoreTlog\": true"),
        "{yaml}"
    );
    assert!(stderr.contains("deprecated"), "{stderr}");
    assert_valid_against("kyverno-clusterpolicies.yaml", yaml);
}

/// Images no ClusterImagePolicy matches are refused as Vouch refuses them: the export writes
/// policy-controller's `config-policy-controller` ConfigMap with `no-match-policy: deny`.
#[test]
fn policy_controller_refuses_what_no_policy_matches_through_its_config_map() {
    let env = Env::new("export-no-match");
    let scoped = ["ghcr.io/acme/**".to_string()];
    let file = trust_set_of(&env, "scoped", &[("acme", &scoped[..])], &[]);
    let dir = env.path("pc");
    let out = env.ok(&[
        "export",
        "policy-controller",
        "--trust-set",
        &file,
        "--output",
        dir.to_str().expect("utf8"),
    ]);
    assert!(out.contains("no-match-policy: deny"), "{out}");
    let config =
        std::fs::read_to_string(dir.join("policy-controller-config.yaml")).expect("config");
    let doc: Value = serde_json::from_str(config.trim_start_matches("---\n")).expect("json");
    assert_eq!(doc["kind"], "ConfigMap");
    assert_eq!(doc["metadata"]["name"], "config-policy-controller");
    assert_eq!(doc["data"]["no-match-policy"], "deny");
    let cips = std::fs::read_to_string(dir.join("policy-controller-clusterimagepolicies.yaml"))
        .expect("policies");
    assert_valid_against("policy-controller-clusterimagepolicies.yaml", &cips);
}

#[test]
fn policy_controller_exports_validate_strictly_against_the_vendored_crd() {
    let env = Env::new("export-policy-controller");
    let file = admission_trust_set(&env);
    let (yaml, _) = exported(&env, &["export", "policy-controller", "--trust-set", &file]);
    let yaml = yaml.as_str();
    assert!(
        yaml.contains("\"index.docker.io/library/nginx*\""),
        "{yaml}"
    );
    assert!(
        yaml.contains("len(_signed) >= 2") && yaml.contains("\"mode\": \"warn\""),
        "{yaml}"
    );
    assert_valid_against("policy-controller-clusterimagepolicies.yaml", yaml);
}

/// A trust set file with the admission set's keys and keyless identities: an email (Google),
/// a GitHub workflow glob for `ghcr.io/acme/**`, a regexp, one with a Fulcio claim, and an
/// email tied to the custom root `corp`; a key for everything `with_key`.
fn identity_trust_set(env: &Env, name: &str, with_key: bool) -> String {
    use vouch_core::trust::identity::{Claims, Identity, Subject};
    use vouch_core::trust::PolicyMode;
    let store = memory_store(env, name);
    if with_key {
        store
            .add_public(&test_key().public_key(), Some("all"), &[], None, None)
            .expect("trust the key");
    }
    let google = "https://accounts.google.com";
    let github = "https://token.actions.githubusercontent.com";
    let scoped = ["ghcr.io/acme/**".to_string()];
    let add = |issuer: &str,
               subject: Subject,
               claims: Claims,
               root: Option<&str>,
               who: &str,
               scopes: &[String]| {
        let id = Identity::new(issuer, subject, claims, root).expect("identity");
        store
            .add_identity(id, Some(who), scopes, None, None)
            .expect("trust the identity");
    };
    add(
        google,
        Subject::Exact("alice@example.com".into()),
        Claims::default(),
        None,
        "alice",
        &[],
    );
    add(
        github,
        Subject::Glob("https://github.com/acme/*/.github/workflows/*@refs/tags/**".into()),
        Claims::default(),
        None,
        "acme ci",
        &scoped,
    );
    add(
        github,
        Subject::Regexp("https://github\\.com/acme/app/.+".into()),
        Claims::default(),
        None,
        "acme ci",
        &scoped,
    );
    let trigger = Claims {
        trigger: Some("push".into()),
        ..Claims::default()
    };
    add(
        github,
        Subject::Exact(
            "https://github.com/acme/app/.github/workflows/r.yml@refs/heads/main".into(),
        ),
        trigger,
        None,
        "pushes",
        &scoped,
    );
    add(
        google,
        Subject::Exact("bob@corp.example".into()),
        Claims::default(),
        Some("corp"),
        "bob",
        &scoped,
    );
    store
        .set_policy("ghcr.io/acme/**", PolicyMode::Warn, 2)
        .expect("policy");
    trust_set_written(env, &store, name)
}

/// `vouch export TARGET... --trust-set FILE`, as [`exported`] returns it.
fn export_of(env: &Env, target: &[&str], file: &str) -> (String, String) {
    exported(env, &[&["export"], target, &["--trust-set", file]].concat())
}

/// Asserts that `text` holds every one of `present` and none of `absent`.
fn says(text: &str, present: &[&str], absent: &[&str]) {
    for p in present {
        assert!(text.contains(p), "no {p:?} in: {text}");
    }
    for a in absent {
        assert!(!text.contains(a), "{a:?} in: {text}");
    }
}

#[test]
fn exports_with_identities_validate_strictly_and_leave_out_what_they_cannot_express() {
    let env = Env::new("export-identities");
    // The custom root `corp`, in the profile the export reads roots from.
    let root = vouch_core::sigstore::testing::Instance::new("corp");
    env.add_trusted_root(&root.trusted_root_json(), "corp");
    let file = identity_trust_set(&env, "keys-and-identities", true);
    let (yaml, stderr) = export_of(&env, &["kyverno"], &file);
    says(
        &yaml,
        &[
            "\"subject\": \"alice@example.com\"",
            "\"subjectRegExp\": \"^(?:https://github\\\\.com/acme/[^/@]*/\\\\.github/workflows/[^/@]*@refs/tags/[^@]*)$\"",
            "\"trustedRoot\"",
            "bob@corp.example",
        ],
        &["refs/heads/main"],
    );
    says(&stderr, &["pushes", "build trigger"], &[]);
    assert_valid_against("kyverno-imagevalidatingpolicies.yaml", &yaml);

    let (yaml, stderr) = export_of(&env, &["policy-controller"], &file);
    says(
        &yaml,
        &["\"keyless\"", "alice@example.com"],
        &["bob@corp.example"],
    );
    says(&stderr, &["TrustRoot"], &[]);
    assert_valid_against("policy-controller-clusterimagepolicies.yaml", &yaml);

    let (yaml, stderr) = export_of(&env, &["kyverno", "--api", "clusterpolicy"], &file);
    // One entry per identity: alice, bob with his root's CAs and keys; the two workflow
    // patterns of one publisher would count twice towards `count: 2`.
    says(
        &yaml,
        &[
            "\"subject\": \"alice@example.com\"",
            "bob@corp.example",
            "\"pubkey\": \"-----BEGIN PUBLIC KEY",
        ],
        &["github\\.com/acme"],
    );
    says(&stderr, &["count once in Vouch"], &[]);
    assert_valid_against("kyverno-clusterpolicies.yaml", &yaml);

    let overlap = ["containers", "--accept-scope-overlap"];
    let (json, stderr) = export_of(&env, &overlap, &file);
    // 1 of a key or alice: no requirement says "any of a key or an identity".
    says(&json, &[], &["fulcio"]);
    says(
        &stderr,
        &[
            "alice",
            "one list of keys or one identity",
            "acme ci",
            "subjectEmail",
        ],
        &[],
    );
    // Without the key: alice alone everywhere; alice and bob (root `corp`) both required under
    // `ghcr.io/acme` (2 of them: the workflows cannot be expressed).
    let file = identity_trust_set(&env, "identities", false);
    let (json, _) = export_of(&env, &overlap, &file);
    let policy: Value =
        serde_json::from_str(json.split("\n# ").next().expect("policy")).expect("policy.json");
    let docker = &policy["transports"]["docker"];
    assert_eq!(
        docker[""][0]["fulcio"]["subjectEmail"], "alice@example.com",
        "{policy:#}"
    );
    let acme = docker["ghcr.io/acme"]
        .as_array()
        .expect("acme requirements");
    let emails: Vec<&str> = acme
        .iter()
        .filter_map(|r| r["fulcio"]["subjectEmail"].as_str())
        .collect();
    assert_eq!(
        emails,
        ["alice@example.com", "bob@corp.example"],
        "{policy:#}"
    );
    assert_ne!(
        acme[0]["fulcio"]["caData"], acme[1]["fulcio"]["caData"],
        "each its own root"
    );
    assert!(acme[1]["rekorPublicKeyData"].is_string(), "{policy:#}");
}

/// The containers export of an email identity, run by the real skopeo: an image signed keyless
/// by that email (a Fulcio leaf of a local instance, its root added as a custom trusted root) is
/// accepted; one signed by another email, or by the email through another issuer, is refused.
#[test]
#[ignore = "needs the harness: run through make test (tests/harness/with-env.sh)"]
fn skopeo_with_the_containers_export_accepts_the_exported_email_identity_only() {
    use vouch_core::sigstore::testing::{self, Instance, LeafSpec, San};
    use vouch_core::trust::identity::{Claims, Identity, Subject};
    let reg = real_registry("keyless identities in the containers export");
    let skopeo = skopeo();
    let env = Env::new("export-keyless");
    let instance = Instance::new("export-keyless");
    env.add_trusted_root(&instance.trusted_root_json(), "corp");
    let google = "https://accounts.google.com";
    let store = memory_store(&env, "keyless");
    let alice = Identity::new(
        google,
        Subject::Exact("alice@example.com".into()),
        Claims::default(),
        Some("corp"),
    )
    .expect("identity");
    store
        .add_identity(alice, Some("alice"), &[], None, None)
        .expect("trust alice");
    let file = trust_set_written(&env, &store, "keyless");
    let dir = env.path("keyless-export");
    let out = env.ok(&[
        "export",
        "containers",
        "--trust-set",
        &file,
        "--output",
        dir.to_str().expect("utf8"),
    ]);
    assert!(out.contains("alice"), "{out}");
    let now = testing::now();
    let signed_by = |repo: &str, email: &str, issuer: &str| {
        let digest = push_image(&reg, repo, "v1", repo);
        let spec = LeafSpec {
            san: San::Email(email.into()),
            issuer: issuer.into(),
            claims: Vec::new(),
            not_before: now - 120,
            not_after: now + 480,
        };
        let leaf = instance.leaf(&spec, email);
        let repository = format!("{reg}/{repo}");
        push_sig(
            &reg,
            repo,
            &digest,
            &instance.sign_image(&repository, &digest, &leaf, now - 60),
        );
        format!("{reg}/{repo}:v1")
    };
    for (i, (repo, email, issuer, accepted)) in [
        ("kl/alice", "alice@example.com", google, true),
        ("kl/mallory", "mallory@example.com", google, false),
        (
            "kl/other-issuer",
            "alice@example.com",
            "https://issuer.evil.example",
            false,
        ),
    ]
    .into_iter()
    .enumerate()
    {
        let image = signed_by(repo, email, issuer);
        let (ok, why) = skopeo_accepts(&skopeo, &dir, &image, &env.path(&format!("kl-{i}")));
        assert_eq!(
            ok, accepted,
            "skopeo {image} signed by {email} via {issuer}: {why}"
        );
    }
}
