//! Shared helpers for the CLI's integration tests, which run the real `vouch` binary against
//! the real parts the harness (`tests/harness/with-env.sh`) starts.
#![allow(dead_code, unreachable_pub)]

pub mod keychain;
pub mod proxy;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::{json, Value};
use vouch_core::reference::ImageRef;
pub use vouch_core::registry::RegistryOptions;
use vouch_core::registry::{sha256_digest, Registry};

/// Asserts that the real test environment is here. Tests that need it are `#[ignore]`d, so a
/// plain `cargo test` reports them as ignored; the harness runs them with `--include-ignored`.
/// Run outside the harness with `--include-ignored`, they fail with this sentence: never a
/// silent pass.
pub fn real_env(what: &str) {
    let harness = std::env::var("VOUCH_HARNESS").as_deref() == Ok("1");
    assert!(
        harness,
        "{what}: needs the real keychain and registry; run through `make test` (tests/harness/with-env.sh)"
    );
    assert!(
        std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some(),
        "{what}: the harness did not provide a D-Bus session"
    );
}

/// The path of a tool the harness provides, e.g. `VOUCH_TEST_COSIGN`.
pub fn tool(var: &str) -> PathBuf {
    match std::env::var_os(var) {
        Some(p) => PathBuf::from(p),
        None => panic!(
            "{var} is not set: the harness provides it (scripts/fetch-peers.sh); run through `make test`"
        ),
    }
}

/// Asserts that a finished process succeeded; otherwise shows `what`, its exit code and stderr.
pub fn assert_ok(out: &Output, what: &str) {
    assert!(
        out.status.success(),
        "{what} failed ({:?}): {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs `cmd` to the end and asserts that it succeeded (see [`assert_ok`]).
pub fn run_ok(cmd: &mut Command, what: &str) -> Output {
    let out = cmd.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert_ok(&out, what);
    out
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
        keychain::with_revival(&format!("vouch {args:?}"), || {
            let mut cmd = self.cmd();
            cmd.args(args);
            if args.first() == Some(&"verify") {
                cmd.args(&self.verify_args);
            }
            cmd.output().expect("run vouch")
        })
    }

    pub fn run_stdin(&self, args: &[&str], stdin: &[u8]) -> Output {
        keychain::with_revival(&format!("vouch {args:?}"), || {
            self.run_stdin_once(args, stdin)
        })
    }

    fn run_stdin_once(&self, args: &[&str], stdin: &[u8]) -> Output {
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
        assert_ok(&out, &format!("vouch {args:?}"));
        String::from_utf8(out.stdout).expect("utf8")
    }

    /// Runs with `VOUCH_PASSWORD` set (the passphrase of a private key file read or written).
    pub fn run_with_password(&self, args: &[&str], password: &str) -> Output {
        keychain::with_revival(&format!("vouch {args:?}"), || {
            let mut cmd = self.cmd();
            cmd.args(args).env("VOUCH_PASSWORD", password);
            cmd.output().expect("run vouch")
        })
    }

    /// Runs with `VOUCH_PASSWORD` set and asserts success; returns stdout.
    pub fn ok_with_password(&self, args: &[&str], password: &str) -> String {
        let out = self.run_with_password(args, password);
        assert_ok(&out, &format!("vouch {args:?}"));
        String::from_utf8(out.stdout).expect("utf8")
    }

    /// Runs with a D-Bus address where nothing listens: no keychain can be reached.
    pub fn run_without_keychain(&self, args: &[&str]) -> Output {
        let mut cmd = self.cmd();
        cmd.args(args).env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/vouch-test-bus",
        );
        cmd.output().expect("run vouch")
    }

    /// A user with one signing key of their own in the keychain: `acme`, ed25519.
    pub fn with_own_key(name: &str) -> Self {
        let env = Self::new(name);
        env.generate_key("acme", "ed25519", &[]);
        env
    }

    /// `vouch trust-root add` of a Sigstore trusted root (`json`) under `name`: the file it
    /// was added from.
    pub fn add_trusted_root(&self, json: &str, name: &str) -> PathBuf {
        let file = self.write(&format!("{name}-root.json"), json.as_bytes());
        let path = file.to_str().expect("utf8 path");
        self.ok(&["trust-root", "add", path, "--name", name]);
        file
    }

    /// `vouch policy set PATTERN --mode MODE [extra...]`.
    pub fn set_policy(&self, pattern: &str, mode: &str, extra: &[&str]) {
        self.ok(&[&["policy", "set", pattern, "--mode", mode], extra].concat());
    }

    /// `vouch key add PUBKEY --name NAME [extra...]`; returns stdout.
    pub fn add_key(&self, pubkey: &Path, name: &str, extra: &[&str]) -> String {
        let path = pubkey.to_str().expect("utf8 path");
        self.ok(&[&["key", "add", path, "--name", name], extra].concat())
    }

    /// A Vouch signing key made in this user's keychain (`--scope` each of `scopes`); returns
    /// its public PEM path and fingerprint.
    pub fn generate_key(&self, name: &str, alg: &str, scopes: &[&str]) -> (PathBuf, String) {
        let mut args = vec!["key", "generate", "--name", name, "--algorithm", alg];
        for s in scopes {
            args.extend(["--scope", s]);
        }
        self.ok(&args);
        let pem = self.ok(&["key", "export", name]);
        let path = self.write(&format!("{name}.pub"), pem.as_bytes());
        let show: Value =
            serde_json::from_str(&self.ok(&["key", "show", name, "--json"])).expect("json");
        let fingerprint = show["fingerprint"].as_str().unwrap_or_default().to_string();
        (path, fingerprint)
    }

    /// Pushes a tiny image `reg/repo:v1` and signs it with `key`; returns (digest, `reg/repo:v1`).
    pub fn push_signed(&self, reg: &str, repo: &str, key: &str) -> (String, String) {
        let digest = push_image(reg, repo, "v1", repo);
        let image = format!("{reg}/{repo}:v1");
        self.ok(&["sign", &image, "--key", key]);
        (digest, image)
    }

    /// `vouch VERB --json IMAGE` (verify, inspect): the JSON it printed, its exit code and its
    /// stderr; asserts it did not panic and did print JSON.
    pub fn json(&self, verb: &str, image: &str) -> (Value, Option<i32>, String) {
        let out = self.run(&[verb, "--json", image]);
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        assert!(!stderr.contains("panicked"), "{stderr}");
        let v: Value = serde_json::from_str(&stdout)
            .unwrap_or_else(|e| panic!("{verb} --json printed no JSON ({e}): {stdout} / {stderr}"));
        (v, out.status.code(), stderr)
    }

    pub fn keys(&self) -> Vec<serde_json::Value> {
        let out = self.ok(&["key", "list", "--json"]);
        serde_json::from_str::<Vec<serde_json::Value>>(&out)
            .expect("key list --json is a JSON array")
    }
}

/// Writes a trust set trusting each `(key, publisher)` (no scopes) to `env`'s folder, the way
/// `vouch trust export` writes one; returns its path for `vouch verify --trust-set`. The
/// keychain is not involved.
pub fn trust_set_file(env: &Env, keys: &[(&vouch_core::keys::PublicKey, &str)]) -> String {
    use std::sync::Arc;
    use vouch_core::trust::{MemoryBackend, TrustStore};
    let store = TrustStore::new(
        Arc::new(MemoryBackend::new()),
        "file",
        env.path("trust-set.lock"),
    );
    for (key, publisher) in keys {
        store
            .add_public(key, Some(publisher), &[], None, None)
            .expect("trust the key");
    }
    let set = store.export_set().expect("export").to_json().expect("json");
    let file = env.write("trust-set.json", &set);
    file.to_str().expect("utf-8 path").to_string()
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
    run_ok(
        Command::new("openssl").args(args),
        &format!("openssl {args:?}"),
    )
    .stdout
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

/// The DER SubjectPublicKeyInfo of a public PEM file, by openssl.
pub fn openssl_der(pubkey: &Path) -> Vec<u8> {
    let path = pubkey.to_str().expect("utf8");
    openssl(&["pkey", "-pubin", "-in", path, "-outform", "DER"])
}

/// Runs `program args` with `input` on stdin; returns its stdout as text.
pub fn pipe(program: &str, args: &[&str], input: &[u8]) -> String {
    let out = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            c.stdin.take().expect("stdin").write_all(input)?;
            c.wait_with_output()
        })
        .unwrap_or_else(|e| panic!("{program}: {e}"));
    String::from_utf8(out.stdout).expect("utf8")
}

/// sha256 of the DER SubjectPublicKeyInfo, computed by openssl and sha256sum.
pub fn openssl_fingerprint(pubkey: &Path) -> String {
    let hex = pipe("sha256sum", &[], &openssl_der(pubkey));
    format!("sha256:{}", hex.split_whitespace().next().expect("hash"))
}

/// The Secret Service items of this profile's private key `fingerprint`, as `secret-tool`
/// lists them (stdout and stderr).
pub fn private_key_items(profile: &str, fingerprint: &str) -> String {
    let username = format!("{profile}/private/{fingerprint}");
    let args = ["search", "--all", "service", "vouch", "username", &username];
    let out = Command::new("secret-tool")
        .args(args)
        .output()
        .expect("secret-tool");
    String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr)
}

// ---------------------------------------------------------------------------------------------
// The harness registry and peers
// ---------------------------------------------------------------------------------------------

pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";

pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";

/// The harness registry (`host:port`); panics outside the harness (see [`real_env`]).
pub fn real_registry(what: &str) -> String {
    real_env(what);
    match std::env::var("VOUCH_TEST_REGISTRY") {
        Ok(r) if !r.is_empty() => r,
        _ => panic!("{what}: VOUCH_HARNESS=1 but VOUCH_TEST_REGISTRY is not set"),
    }
}

pub fn cosign() -> PathBuf {
    tool("VOUCH_TEST_COSIGN")
}

pub fn skopeo() -> PathBuf {
    tool("VOUCH_TEST_SKOPEO")
}

pub fn podman() -> PathBuf {
    tool("VOUCH_TEST_PODMAN")
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

/// Runs `f` with a client for `reg/repo` (and that reference) on a fresh runtime.
pub fn with_repo<T, F: std::future::Future<Output = T>>(
    reg: &str,
    repo: &str,
    f: impl FnOnce(std::sync::Arc<Registry>, ImageRef) -> F,
) -> T {
    let r = parse(&format!("{reg}/{repo}:x"));
    rt().block_on(f(client(&r), r))
}

/// Reads a manifest by tag or digest (None where there is none).
pub fn get_manifest(reg: &str, repo: &str, selector: &str) -> Option<Vec<u8>> {
    with_repo(reg, repo, |c, r| async move {
        c.manifest(&r, selector, false)
            .await
            .expect("fetch manifest")
            .map(|m| m.bytes)
    })
}

/// Reads a manifest by tag or digest, as JSON.
pub fn get_manifest_json(reg: &str, repo: &str, selector: &str) -> Option<Value> {
    get_manifest(reg, repo, selector).map(|b| serde_json::from_slice(&b).expect("manifest json"))
}

pub fn get_blob(reg: &str, repo: &str, digest: &str) -> Vec<u8> {
    with_repo(reg, repo, |c, r| async move {
        c.blob(&r, digest, 16 << 20).await.expect("blob")
    })
}

pub fn push_blob(reg: &str, repo: &str, bytes: Vec<u8>) -> String {
    with_repo(reg, repo, |c, r| async move {
        c.push_blob(&r, bytes).await.expect("push blob")
    })
}

/// Writes `manifest` (its own `mediaType`, an OCI manifest where it names none) under `tag`.
pub fn put_manifest(reg: &str, repo: &str, tag: &str, manifest: Vec<u8>) -> String {
    let v: Value = serde_json::from_slice(&manifest).expect("manifest json");
    let mt = v["mediaType"].as_str().unwrap_or(OCI_MANIFEST).to_string();
    with_repo(reg, repo, |c, r| async move {
        c.push_manifest(&r, tag, manifest, &mt)
            .await
            .expect("put manifest")
    })
}

pub fn put_manifest_json(reg: &str, repo: &str, tag: &str, v: &Value) -> String {
    put_manifest(reg, repo, tag, serde_json::to_vec(v).expect("json"))
}

fn digest(d: &str) -> vouch_core::oci::Digest {
    vouch_core::oci::Digest::parse(d).expect("digest")
}

/// The cosign signature tag of a digest (`sha256-<hex>.sig`).
pub fn sig_tag(d: &str) -> String {
    digest(d).signature_tag()
}

/// The cosign attestation tag of a digest (`sha256-<hex>.att`).
pub fn att_tag(d: &str) -> String {
    digest(d).attestation_tag()
}

/// The referrers fallback tag of a digest (`sha256-<hex>`).
pub fn referrers_tag(d: &str) -> String {
    digest(d).referrers_tag()
}

/// Pushes one layer and the config `config` makes from the layer's digest; returns the
/// manifest naming them (bytes, digest), not yet pushed. `layer_fields` are the layer
/// descriptor's other fields (its `mediaType`, any `annotations`).
async fn one_layer_manifest(
    c: &Registry,
    r: &ImageRef,
    layer: Vec<u8>,
    layer_fields: Value,
    config: impl FnOnce(&str) -> Value,
) -> (Vec<u8>, String) {
    let layer_len = layer.len();
    let layer_digest = c.push_blob(r, layer).await.expect("push layer");
    let config = serde_json::to_vec(&config(&layer_digest)).expect("json");
    let config_len = config.len();
    let config_digest = c.push_blob(r, config).await.expect("push config");
    let mut layer = layer_fields;
    layer["digest"] = json!(layer_digest);
    layer["size"] = json!(layer_len);
    let manifest = serde_json::to_vec(&json!({
        "schemaVersion": 2, "mediaType": OCI_MANIFEST,
        "config": {"mediaType": OCI_CONFIG, "digest": config_digest, "size": config_len},
        "layers": [layer]
    }))
    .expect("json");
    let d = sha256_digest(&manifest);
    (manifest, d)
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
    let fields = json!({"mediaType": "application/vnd.oci.image.layer.v1.tar"});
    one_layer_manifest(c, r, layer, fields, |layer_digest| {
        json!({
            "architecture": arch, "os": "linux", "created": "2026-01-02T03:04:05Z",
            "rootfs": {"type": "layers", "diff_ids": [layer_digest]},
            "config": {"Labels": {"org.opencontainers.image.source": "https://github.com/acme/app",
                                  "org.opencontainers.image.revision": "0123456789abcdef"}},
            "history": [{"created_by": "ADD x /"}, {"created_by": "CMD [\"/x\"]", "empty_layer": true}]
        })
    })
    .await
}

/// What BuildKit writes for an attestation: an in-toto statement layer (annotated with its
/// predicate type) and an empty-ish config. Returns the manifest (bytes, digest), not yet pushed.
async fn statement_manifest(c: &Registry, r: &ImageRef, statement: &Value) -> (Vec<u8>, String) {
    let fields = json!({"mediaType": "application/vnd.in-toto+json",
        "annotations": {"in-toto.io/predicate-type": statement["predicateType"]}});
    let layer = serde_json::to_vec(statement).expect("json");
    one_layer_manifest(c, r, layer, fields, |_| {
        json!({"architecture": "unknown", "os": "unknown", "config": {},
               "rootfs": {"type": "layers", "diff_ids": []}})
    })
    .await
}

/// Pushes a two-platform index `reg/repo:tag` (linux/amd64, linux/arm64) with a BuildKit-style
/// attestation entry for amd64 beside them: a manifest carrying the in-toto statement that
/// `statement` makes from the amd64 digest, or a plain image manifest where it makes none.
/// Returns (index digest, [(platform, digest)]).
pub fn push_index(
    reg: &str,
    repo: &str,
    tag: &str,
    seed: &str,
    statement: impl FnOnce(&str) -> Option<Value>,
) -> (String, Vec<(String, String)>) {
    let r = parse(&format!("{reg}/{repo}:{tag}"));
    rt().block_on(async {
        let c = client(&r);
        let mut entries = Vec::new();
        let mut platforms = Vec::new();
        for arch in ["amd64", "arm64"] {
            let (m, d) = image_manifest(&c, &r, seed, arch).await;
            let len = m.len();
            c.push_manifest(&r, &d, m, OCI_MANIFEST)
                .await
                .expect("push platform manifest");
            entries.push(json!({"mediaType": OCI_MANIFEST, "digest": d, "size": len,
                "platform": {"os": "linux", "architecture": arch}}));
            platforms.push((format!("linux/{arch}"), d));
        }
        let (att, att_d) = match statement(&platforms[0].1) {
            Some(s) => statement_manifest(&c, &r, &s).await,
            None => image_manifest(&c, &r, seed, "unknown").await,
        };
        let att_len = att.len();
        c.push_manifest(&r, &att_d, att, OCI_MANIFEST)
            .await
            .expect("push attestation manifest");
        entries.push(
            json!({"mediaType": OCI_MANIFEST, "digest": att_d, "size": att_len,
            "platform": {"os": "unknown", "architecture": "unknown"},
            "annotations": {"vnd.docker.reference.type": "attestation-manifest",
                            "vnd.docker.reference.digest": platforms[0].1}}),
        );
        let index = serde_json::to_vec(&json!({
            "schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": entries
        }))
        .expect("json");
        let d = c
            .push_manifest(&r, tag, index, OCI_INDEX)
            .await
            .expect("push index");
        (d, platforms)
    })
}

/// A cosign simple-signing signature of `digest` naming `identity` (the repository as Vouch
/// will be asked for it: `host:port/name`), made with `key`: its payload blob is pushed to
/// `reg/repo`; returns the layer descriptor (with the signature annotation) that names it.
pub fn signature_layer(
    reg: &str,
    repo: &str,
    digest: &str,
    identity: &str,
    key: &vouch_core::keys::PrivateKey,
) -> Value {
    let now = time::OffsetDateTime::now_utc();
    let payload =
        vouch_core::sign::payload(identity, digest, &Default::default(), now).expect("payload");
    let signature = vouch_core::dsse::encode_b64(&key.sign(&payload));
    let len = payload.len();
    let payload_digest = push_blob(reg, repo, payload);
    json!({"mediaType": "application/vnd.dev.cosign.simplesigning.v1+json",
           "digest": payload_digest, "size": len,
           "annotations": {"dev.cosignproject.cosign/signature": signature}})
}

/// Pushes to `reg/repo` a manifest holding `layers` with a config of media type `config_type`
/// (and `artifact_type`, `subject` `{mediaType, digest, size}` when given), under `tag` or by
/// its digest; returns (digest, size).
pub fn push_artifact(
    reg: &str,
    repo: &str,
    tag: Option<&str>,
    config_type: &str,
    artifact_type: Option<&str>,
    layers: Vec<Value>,
    subject: Option<Value>,
) -> (String, usize) {
    let config = push_blob(reg, repo, b"{}".to_vec());
    let mut m = json!({"schemaVersion": 2, "mediaType": OCI_MANIFEST,
        "config": {"mediaType": config_type, "digest": config, "size": 2},
        "layers": layers});
    if let Some(at) = artifact_type {
        m["artifactType"] = json!(at);
    }
    if let Some(s) = subject {
        m["subject"] = s;
    }
    let bytes = serde_json::to_vec(&m).expect("json");
    let (d, len) = (sha256_digest(&bytes), bytes.len());
    put_manifest(reg, repo, tag.unwrap_or(&d), bytes);
    (d, len)
}

/// The descriptor of `digest` (a manifest of `reg/repo`) as a referrer's `subject`.
pub fn subject_of(reg: &str, repo: &str, digest: &str) -> Value {
    let len = get_manifest(reg, repo, digest)
        .expect("subject manifest")
        .len();
    json!({"mediaType": OCI_MANIFEST, "digest": digest, "size": len})
}

/// The sigstore bundle media type (cosign v3).
pub const SIGSTORE_BUNDLE: &str = "application/vnd.dev.sigstore.bundle.v0.3+json";

/// Pushes to `reg/repo`, as a referrer of `subject` (by digest, no tag), a sigstore bundle whose
/// DSSE envelope holds `statement` (an in-toto statement) signed by `key`, as cosign v3 writes
/// one; returns the referrer manifest's (digest, size). No fallback index is written.
pub fn push_bundle_referrer(
    reg: &str,
    repo: &str,
    subject: &str,
    statement: &Value,
    key: &vouch_core::keys::PrivateKey,
) -> (String, usize) {
    use vouch_core::dsse::encode_b64;
    let statement = serde_json::to_vec(statement).expect("json");
    let pt = "application/vnd.in-toto+json";
    let sig = key.sign(&vouch_core::verify::pae(pt, &statement));
    let bundle = serde_json::to_vec(&json!({
        "mediaType": SIGSTORE_BUNDLE,
        "verificationMaterial": {"publicKey": {"hint": ""}},
        "dsseEnvelope": {"payload": encode_b64(&statement), "payloadType": pt,
                         "signatures": [{"sig": encode_b64(&sig), "keyid": ""}]}
    }))
    .expect("json");
    push_bundle_bytes_referrer(reg, repo, subject, bundle)
}

/// Pushes to `reg/repo`, as a referrer of `subject` (by digest, no tag), the sigstore bundle
/// `bundle` (JSON) as its one layer; returns the referrer manifest's (digest, size). No
/// fallback index is written.
pub fn push_bundle_bytes_referrer(
    reg: &str,
    repo: &str,
    subject: &str,
    bundle: Vec<u8>,
) -> (String, usize) {
    let bundle_len = bundle.len();
    let bundle_digest = push_blob(reg, repo, bundle);
    let layer = json!({"mediaType": SIGSTORE_BUNDLE, "digest": bundle_digest, "size": bundle_len});
    let subject = subject_of(reg, repo, subject);
    let empty = "application/vnd.oci.empty.v1+json";
    push_artifact(
        reg,
        repo,
        None,
        empty,
        Some(SIGSTORE_BUNDLE),
        vec![layer],
        Some(subject),
    )
}

/// Writes the referrers fallback index `sha256-<hex>` of `subject` listing `entries`
/// (`(digest, size, artifactType)`), replacing any there.
pub fn put_fallback_index(reg: &str, repo: &str, subject: &str, entries: &[(String, usize, &str)]) {
    let manifests: Vec<Value> = entries
        .iter()
        .map(|(d, size, at)| json!({"mediaType": OCI_MANIFEST, "digest": d, "size": size, "artifactType": at}))
        .collect();
    let index = json!({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": manifests});
    put_manifest_json(reg, repo, &referrers_tag(subject), &index);
}

/// Pushes `reg/repo:v1` (a tiny image) and a cosign `.sig` signature of it naming `identity`,
/// by `key`; returns the image digest.
pub fn push_signed_for(
    reg: &str,
    repo: &str,
    identity: &str,
    key: &vouch_core::keys::PrivateKey,
) -> String {
    let digest = push_image(reg, repo, "v1", repo);
    let layer = signature_layer(reg, repo, &digest, identity, key);
    let config = "application/vnd.oci.image.config.v1+json";
    push_artifact(
        reg,
        repo,
        Some(&sig_tag(&digest)),
        config,
        None,
        vec![layer],
        None,
    );
    digest
}

/// An ed25519 key made in this process (never in a keychain).
pub fn test_key() -> vouch_core::keys::PrivateKey {
    use vouch_core::keys::{Algorithm, PrivateKey};
    PrivateKey::generate(Algorithm::Ed25519).expect("key")
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

// ---------------------------------------------------------------------------------------------
// cosign
// ---------------------------------------------------------------------------------------------

/// The password of every key file cosign makes or reads here.
pub const COSIGN_PASSWORD: &str = "pw";

/// cosign with `args`, in `dir` (key files are written there), with [`COSIGN_PASSWORD`].
pub fn cosign_in(cosign: &Path, dir: &Path, args: &[&str]) -> Output {
    Command::new(cosign)
        .args(args)
        .current_dir(dir)
        .env("COSIGN_PASSWORD", COSIGN_PASSWORD)
        .output()
        .expect("cosign")
}

/// cosign with `args`; asserts it succeeded.
pub fn cosign_ok(cosign: &Path, args: &[&str]) {
    let out = cosign_in(cosign, Path::new("."), args);
    assert_ok(&out, &format!("cosign {args:?}"));
}

/// `cosign generate-key-pair` in `dir`; returns (cosign.key, cosign.pub).
pub fn cosign_keypair(cosign: &Path, dir: &Path) -> (PathBuf, PathBuf) {
    let out = cosign_in(cosign, dir, &["generate-key-pair"]);
    assert_ok(&out, "cosign generate-key-pair");
    (dir.join("cosign.key"), dir.join("cosign.pub"))
}

/// `cosign import-key-pair` of a PEM private key into `dir/PREFIX.key`; returns that path.
pub fn cosign_import_key(cosign: &Path, private: &Path, dir: &Path, prefix: &str) -> PathBuf {
    let key = private.to_str().expect("utf8");
    let args = [
        "import-key-pair",
        "--key",
        key,
        "--output-key-prefix",
        prefix,
    ];
    assert_ok(&cosign_in(cosign, dir, &args), "cosign import-key-pair");
    dir.join(format!("{prefix}.key"))
}

/// cosign `verb` (sign, attest, verify, verify-attestation) with the key file `key` on the
/// harness registry: plain HTTP allowed, no transparency log (writes upload nothing, reads
/// require nothing). `extra` goes before the image.
pub fn cosign_on_registry(
    cosign: &Path,
    verb: &str,
    key: &Path,
    extra: &[&str],
    image: &str,
) -> Output {
    let tlog: &[&str] = if verb.starts_with("verify") {
        &["--insecure-ignore-tlog=true"]
    } else {
        &["--yes", "--tlog-upload=false"]
    };
    let key = key.to_str().expect("utf8");
    let registry = ["--allow-insecure-registry", "--allow-http-registry"];
    let args = [&[verb], tlog, &registry, &["--key", key], extra, &[image]].concat();
    cosign_in(cosign, Path::new("."), &args)
}

/// Pushes a tiny image `reg/repo:v1` and signs it by digest with a cosign key pair made in
/// `dir`; returns (digest, cosign.key, cosign.pub).
pub fn cosign_signed_image(
    cosign: &Path,
    dir: &Path,
    reg: &str,
    repo: &str,
) -> (String, PathBuf, PathBuf) {
    let digest = push_image(reg, repo, "v1", repo);
    let (key, pubkey) = cosign_keypair(cosign, dir);
    cosign_sign(cosign, &key, &format!("{reg}/{repo}@{digest}"));
    (digest, key, pubkey)
}

/// `cosign sign` with a key file, no transparency log.
pub fn cosign_sign(cosign: &Path, key: &Path, image: &str) {
    assert_ok(
        &cosign_on_registry(cosign, "sign", key, &[], image),
        "cosign sign",
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

/// Writes `manifest` under `tag` of `repo`, copying the blobs it names from `from_repo`.
pub fn put_manifest_with_blobs(reg: &str, from_repo: &str, repo: &str, tag: &str, manifest: &[u8]) {
    let v: Value = serde_json::from_slice(manifest).expect("manifest json");
    let layers = v["layers"].as_array().cloned().unwrap_or_default();
    let digests = std::iter::once(&v["config"])
        .chain(&layers)
        .filter_map(|d| d["digest"].as_str().map(str::to_string))
        .collect::<Vec<_>>();
    with_repo(reg, from_repo, |cf, from| async move {
        let to = parse(&format!("{reg}/{repo}:x"));
        let ct = client(&to);
        for d in &digests {
            if let Ok(b) = cf.blob(&from, d, 16 << 20).await {
                ct.push_blob(&to, b).await.expect("copy blob");
            }
        }
    });
    put_manifest(reg, repo, tag, manifest.to_vec());
}

/// Flips one base64 digit in the middle of the first cosign signature on `repo@digest` (still
/// valid base64, no longer a valid signature).
pub fn tamper_signature(reg: &str, repo: &str, digest: &str) {
    tamper_first_layer(reg, repo, digest, |l| {
        let s = l["annotations"]["dev.cosignproject.cosign/signature"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let mut chars: Vec<char> = s.chars().collect();
        let i = chars.len() / 2;
        chars[i] = if chars[i] == 'A' { 'B' } else { 'A' };
        l["annotations"]["dev.cosignproject.cosign/signature"] =
            Value::String(chars.into_iter().collect());
    });
}

/// Rewrites the `.sig` manifest of `digest` with `edit` applied to its first layer.
pub fn tamper_first_layer(reg: &str, repo: &str, digest: &str, edit: impl FnOnce(&mut Value)) {
    let sig = get_manifest(reg, repo, &sig_tag(digest)).expect("sig");
    let mut v: Value = serde_json::from_slice(&sig).expect("json");
    if let Some(layer) = v["layers"].get_mut(0) {
        edit(layer);
    }
    let bytes = serde_json::to_vec(&v).expect("json");
    put_manifest_with_blobs(reg, repo, repo, &sig_tag(digest), &bytes);
}

/// Pushes keyless `.sig` `layers` (payload blobs and descriptors with their annotations), after
/// the descriptors in `more` (already pushed, e.g. key signature layers), as the cosign
/// signature manifest of `digest` in `reg/repo`.
pub fn push_sig_layers(
    reg: &str,
    repo: &str,
    digest: &str,
    layers: &[vouch_core::sigstore::testing::SigLayer],
    mut more: Vec<Value>,
) {
    for layer in layers {
        let len = layer.payload.len();
        let payload_digest = push_blob(reg, repo, layer.payload.clone());
        more.push(json!({
            "mediaType": vouch_core::cosign::SIMPLE_SIGNING_MEDIA_TYPE,
            "digest": payload_digest, "size": len,
            "annotations": layer.annotations,
        }));
    }
    let config = "application/vnd.oci.image.config.v1+json";
    push_artifact(reg, repo, Some(&sig_tag(digest)), config, None, more, None);
}

/// Pushes `layer` (a keyless signature minted by `vouch_core::sigstore::testing`) as the cosign
/// signature manifest of `digest` in `reg/repo`.
pub fn push_sig(
    reg: &str,
    repo: &str,
    digest: &str,
    layer: &vouch_core::sigstore::testing::SigLayer,
) {
    push_sig_layers(reg, repo, digest, std::slice::from_ref(layer), Vec::new());
}
