//! Registry auth against a real registry: the harness's CNCF distribution binary
//! (`docker-registry`), started here a second time with htpasswd auth, and credentials from a
//! docker `config.json` naming a credential helper (a fixture script on `PATH`). The real
//! registry answers `401 UNAUTHORIZED` (an OCI envelope) for a wrong password — refused
//! credentials, named by the helper that gave them — and accepts the
//! helper's credentials for reads and oci-client pushes.
//!
//! One test in this binary on purpose: it sets `PATH` and `DOCKER_CONFIG` for the process,
//! before any other thread runs.

use std::path::Path;
use std::process::{Child, Command, Stdio};

use serde_json::json;
use vouch_core::reference::ImageRef;
use vouch_core::registry::{sha256_digest, Registry, RegistryError, RegistryOptions};

/// bcrypt (cost 4, fast) of the throwaway password `vouch-pw`, for user `alice`.
const HTPASSWD: &str = "alice:$2b$04$VI4cgy4mRobib945RDzU9uqDvhkCWWDFCvmB.L2rOP4ay4gGCKDlW\n";

/// The registry process, stopped (killed and reaped) when the test ends.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_registry(dir: &Path) -> (Running, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    std::fs::write(dir.join("htpasswd"), HTPASSWD).expect("htpasswd");
    let config = format!(
        "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {d}/data\n\
         auth:\n  htpasswd:\n    realm: vouch-test\n    path: {d}/htpasswd\nhttp:\n  addr: 127.0.0.1:{port}\n",
        d = dir.display()
    );
    std::fs::write(dir.join("registry.yml"), config).expect("config");
    let child = Command::new("docker-registry")
        .arg("serve")
        .arg(dir.join("registry.yml"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("docker-registry (the harness installs it)");
    let running = Running(child);
    let addr = format!("127.0.0.1:{port}");
    for _ in 0..100 {
        if std::net::TcpStream::connect(&addr).is_ok() {
            return (running, addr);
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("the htpasswd registry did not start on {addr}");
}

/// `docker-credential-<name>`: a script answering `alice` with `password`.
fn helper(bin: &Path, name: &str, password: &str) {
    use std::os::unix::fs::PermissionsExt as _;
    let path = bin.join(format!("docker-credential-{name}"));
    let answer = json!({"Username": "alice", "Secret": password}).to_string();
    std::fs::write(&path, format!("#!/bin/sh\ncat <<'EOF'\n{answer}\nEOF\n")).expect("helper");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

#[test]
#[ignore = "needs the harness: run through make test (tests/harness/with-env.sh)"]
fn real_registry_refuses_a_wrong_password_as_unauthorized_and_takes_a_helpers_credentials() {
    assert!(
        std::env::var_os("VOUCH_TEST_REGISTRY").is_some(),
        "needs the harness (docker-registry); run through make test (tests/harness/with-env.sh)"
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let (bin, docker) = (dir.path().join("bin"), dir.path().join("docker"));
    std::fs::create_dir_all(&bin).expect("bin");
    std::fs::create_dir_all(&docker).expect("docker");
    helper(&bin, "vouchtest-wrong", "not-the-password");
    helper(&bin, "vouchtest-alice", "vouch-pw");
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut dirs = vec![bin];
    dirs.extend(std::env::split_paths(&path));
    // Only thread of this test binary so far: safe to change the environment.
    std::env::set_var("PATH", std::env::join_paths(dirs).expect("PATH"));
    std::env::set_var("DOCKER_CONFIG", &docker);

    let (_registry, addr) = start_registry(dir.path());
    let r = ImageRef::parse(&format!("{addr}/vouch/auth:v1")).expect("reference");
    let use_helper = |name: &str| {
        let config = json!({"credHelpers": {addr.as_str(): name}});
        std::fs::write(docker.join("config.json"), config.to_string()).expect("config.json");
        Registry::new(RegistryOptions::default(), [r.registry_host()]).expect("client")
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");

    // A wrong password: distribution answers 401 with an UNAUTHORIZED envelope, and the error
    // says the credentials were refused and which helper gave them.
    let c = use_helper("vouchtest-wrong");
    let e = rt
        .block_on(c.manifest(&r, "v1", false))
        .expect_err("a wrong password is refused");
    eprintln!("wrong password: {e}");
    assert!(
        matches!(
            &e,
            RegistryError::CredentialsRejected { code: 401, from, detail, .. }
                if from.starts_with("docker-credential-vouchtest-wrong (credHelpers in ")
                    && detail.starts_with("UNAUTHORIZED")
        ),
        "{e:?}"
    );
    assert!(!e.to_string().contains("not-the-password"), "{e}");

    // The helper's credentials open reads and oci-client pushes.
    let c = use_helper("vouchtest-alice");
    rt.block_on(async {
        assert!(c.manifest(&r, "v1", false).await.expect("read").is_none());
        let config = c.push_blob(&r, b"{}".to_vec()).await.expect("push blob");
        let manifest = serde_json::to_vec(&json!({
            "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config, "size": 2},
            "layers": []
        }))
        .expect("json");
        let pushed = c
            .push_manifest(&r, "v1", manifest.clone(), "application/vnd.oci.image.manifest.v1+json")
            .await
            .expect("push manifest");
        assert_eq!(pushed, sha256_digest(&manifest));
        let got = c.manifest(&r, "v1", false).await.expect("read").expect("pushed");
        assert_eq!(got.bytes, manifest);
        // The catalog and the tag list are read with the same credentials (the catalog under
        // its own auth-cache entry), a page of one name at a time.
        let host = r.registry_host().to_string();
        let catalog = c.catalog(&host, 1, 100).await.expect("catalog");
        assert_eq!(catalog, [r.path()]);
        assert_eq!(c.tags(&r, 1, 100).await.expect("tags"), ["v1"]);
    });
}
