//! Shared helpers for the CLI's integration tests, which run the real `vouch` binary against
//! the real parts the harness (`tests/harness/with-env.sh`) starts.
#![allow(dead_code, unreachable_pub)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::json;
use vouch_core::reference::ImageRef;
pub use vouch_core::registry::RegistryOptions;
use vouch_core::registry::{sha256_digest, Registry};

/// True when the real test environment is here. Tests that need it are `#[ignore]`d, so a plain
/// `cargo test` reports them as ignored; the harness runs them with `--include-ignored`. Run
/// outside the harness with `--include-ignored`, they fail with this sentence: never a silent pass.
pub fn real_env(what: &str) -> bool {
    let harness = std::env::var("VOUCH_HARNESS").as_deref() == Ok("1");
    assert!(
        harness,
        "{what}: needs the real keychain and registry; run through `make test` (tests/harness/with-env.sh)"
    );
    assert!(
        std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some(),
        "{what}: the harness did not provide a D-Bus session"
    );
    true
}

/// The path of a tool the harness provides, e.g. `VOUCH_TEST_COSIGN`.
pub fn tool(var: &str) -> Option<PathBuf> {
    match std::env::var_os(var) {
        Some(p) => Some(PathBuf::from(p)),
        None => panic!(
            "{var} is not set: the harness provides it (scripts/fetch-peers.sh); run through `make test`"
        ),
    }
}

/// One isolated Vouch user: its own profile (keychain namespace) and config folder.
pub struct Env {
    pub profile: String,
    pub dir: tempfile::TempDir,
    /// Arguments added to every `vouch verify` this user runs (`--trust-set`, `--timeout`).
    pub verify_args: Vec<String>,
}

impl Env {
    pub fn new(name: &str) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let profile = format!("{}-{}", name, std::process::id());
        Self {
            profile,
            dir,
            verify_args: Vec::new(),
        }
    }

    /// This user's `vouch verify` runs with these arguments too.
    pub fn with_verify_args(mut self, args: &[&str]) -> Self {
        self.verify_args = args.iter().map(|a| a.to_string()).collect();
        self
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, bytes).expect("write");
        p
    }

    pub fn cmd(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_vouch"));
        c.env("VOUCH_PROFILE", &self.profile)
            .env("VOUCH_CONFIG_DIR", self.dir.path().join("config"))
            .env_remove("VOUCH_PASSWORD");
        c
    }

    pub fn run(&self, args: &[&str]) -> Output {
        let mut cmd = self.cmd();
        cmd.args(args);
        if args.first() == Some(&"verify") {
            cmd.args(&self.verify_args);
        }
        cmd.output().expect("run vouch")
    }

    pub fn run_stdin(&self, args: &[&str], stdin: &[u8]) -> Output {
        let mut child = self
            .cmd()
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn vouch");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(stdin)
            .expect("write stdin");
        child.wait_with_output().expect("wait")
    }

    /// Runs and asserts success; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "vouch {args:?} failed ({:?}): {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf8")
    }

    pub fn keys(&self) -> Vec<serde_json::Value> {
        let out = self.ok(&["key", "list", "--json"]);
        serde_json::from_str::<Vec<serde_json::Value>>(&out)
            .expect("key list --json is a JSON array")
    }
}

/// Asserts exit code 2 with one clear sentence on stderr containing `needle`.
pub fn assert_fails_with(out: &Output, needle: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(2),
        "expected exit 2, stderr: {stderr}"
    );
    assert!(
        stderr.to_lowercase().contains(&needle.to_lowercase()),
        "stderr should mention `{needle}`: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// `openssl` on the machine.
pub fn openssl(args: &[&str]) -> Vec<u8> {
    let out = Command::new("openssl")
        .args(args)
        .output()
        .expect("openssl");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Makes an ed25519 key pair with openssl; returns (private PEM path, public PEM path).
pub fn openssl_ed25519(dir: &Path, name: &str) -> (PathBuf, PathBuf) {
    let key = dir.join(format!("{name}.pem"));
    let pubkey = dir.join(format!("{name}.pub"));
    let k = key.to_str().expect("utf8 path");
    openssl(&["genpkey", "-algorithm", "ed25519", "-out", k]);
    openssl(&[
        "pkey",
        "-in",
        k,
        "-pubout",
        "-out",
        pubkey.to_str().expect("utf8 path"),
    ]);
    (key, pubkey)
}

/// sha256 of the DER SubjectPublicKeyInfo, computed by openssl and sha256sum's equivalent.
pub fn openssl_fingerprint(pubkey: &Path) -> String {
    let der = openssl(&[
        "pkey",
        "-pubin",
        "-in",
        pubkey.to_str().expect("utf8"),
        "-outform",
        "DER",
    ]);
    let out = Command::new("sha256sum")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            c.stdin.take().expect("stdin").write_all(&der)?;
            c.wait_with_output()
        })
        .expect("sha256sum");
    let hex = String::from_utf8(out.stdout).expect("utf8");
    format!("sha256:{}", hex.split_whitespace().next().expect("hash"))
}

// ---------------------------------------------------------------------------------------------
// The harness registry and peers
// ---------------------------------------------------------------------------------------------

pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";

/// The harness registry (`host:port`), or None (skip) outside the harness.
pub fn real_registry(what: &str) -> Option<String> {
    if !real_env(what) {
        return None;
    }
    match std::env::var("VOUCH_TEST_REGISTRY") {
        Ok(r) if !r.is_empty() => Some(r),
        _ => panic!("{what}: VOUCH_HARNESS=1 but VOUCH_TEST_REGISTRY is not set"),
    }
}

pub fn cosign() -> Option<PathBuf> {
    tool("VOUCH_TEST_COSIGN")
}

pub fn skopeo() -> Option<PathBuf> {
    tool("VOUCH_TEST_SKOPEO")
}

pub fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

pub fn parse(s: &str) -> ImageRef {
    ImageRef::parse(s).expect("reference")
}

pub fn client(r: &ImageRef) -> std::sync::Arc<Registry> {
    Registry::new(RegistryOptions::default(), [r.registry_host()]).expect("registry client")
}

/// Pushes the blobs of a tiny image (one layer, a config with labels and history) and returns
/// its manifest (bytes, digest), not yet pushed.
pub async fn image_manifest(
    c: &Registry,
    r: &ImageRef,
    seed: &str,
    arch: &str,
) -> (Vec<u8>, String) {
    let layer = format!("vouch test layer {seed} {arch}").into_bytes();
    let layer_len = layer.len();
    let layer_digest = c.push_blob(r, layer).await.expect("push layer");
    let config = serde_json::to_vec(&json!({
        "architecture": arch, "os": "linux", "created": "2026-01-02T03:04:05Z",
        "rootfs": {"type": "layers", "diff_ids": [layer_digest]},
        "config": {"Labels": {"org.opencontainers.image.source": "https://github.com/acme/app",
                              "org.opencontainers.image.revision": "0123456789abcdef"}},
        "history": [{"created_by": "ADD x /"}, {"created_by": "CMD [\"/x\"]", "empty_layer": true}]
    }))
    .expect("json");
    let config_len = config.len();
    let config_digest = c.push_blob(r, config).await.expect("push config");
    let manifest = serde_json::to_vec(&json!({
        "schemaVersion": 2, "mediaType": OCI_MANIFEST,
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest, "size": config_len},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": layer_digest, "size": layer_len}]
    }))
    .expect("json");
    let d = sha256_digest(&manifest);
    (manifest, d)
}

/// Pushes a tiny single-platform image `reg/repo:tag`; returns its digest.
pub fn push_image(reg: &str, repo: &str, tag: &str, seed: &str) -> String {
    let r = parse(&format!("{reg}/{repo}:{tag}"));
    rt().block_on(async {
        let c = client(&r);
        let (m, _) = image_manifest(&c, &r, seed, "amd64").await;
        c.push_manifest(&r, tag, m, OCI_MANIFEST)
            .await
            .expect("push manifest")
    })
}

/// `cosign generate-key-pair` in `dir` (password `pw`); returns (cosign.key, cosign.pub).
pub fn cosign_keypair(cosign: &Path, dir: &Path) -> (PathBuf, PathBuf) {
    let out = Command::new(cosign)
        .arg("generate-key-pair")
        .current_dir(dir)
        .env("COSIGN_PASSWORD", "pw")
        .output()
        .expect("cosign");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (dir.join("cosign.key"), dir.join("cosign.pub"))
}

/// `cosign sign` with a key file (password `pw`), no transparency log.
pub fn cosign_sign(cosign: &Path, key: &Path, image: &str) {
    let out = Command::new(cosign)
        .args([
            "sign",
            "--yes",
            "--tlog-upload=false",
            "--allow-insecure-registry",
            "--allow-http-registry",
            "--key",
        ])
        .arg(key)
        .arg(image)
        .env("COSIGN_PASSWORD", "pw")
        .output()
        .expect("cosign");
    assert!(
        out.status.success(),
        "cosign sign: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The harness registry's access log, one request a line (empty when there is none).
pub fn access_log_lines() -> Vec<String> {
    std::env::var("VOUCH_TEST_REGISTRY_LOG")
        .ok()
        .and_then(|p| std::fs::read_to_string(p).ok())
        .map(|s| s.lines().map(str::to_string).collect())
        .unwrap_or_default()
}
