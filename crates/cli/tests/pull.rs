//! `vouch pull` against the real registry and keychain the harness starts: the gate refuses
//! with exit 1 and never runs the engine, or runs it on `repository@sha256:…`.
//!
//! The engine is a stand-in: a `podman` shell script put first on `PATH` that only records the
//! arguments it was called with (real podman is not installed here). It shows whether Vouch
//! ran the engine and on exactly which reference; nothing is pulled.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::Output;

use common::*;

/// A stand-in `podman` that appends its arguments to a record file and exits with `exit`.
struct FakeEngine {
    dir: tempfile::TempDir,
}

impl FakeEngine {
    fn new(exit: u8) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let record = dir.path().join("calls");
        let script = format!(
            "#!/bin/sh\necho \"$*\" >> '{}'\necho 'fake podman: recorded, nothing pulled'\nexit {exit}\n",
            record.display()
        );
        let path = dir.path().join("podman");
        std::fs::write(&path, script).expect("write fake podman");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        Self { dir }
    }

    /// The argument lines it was called with (none when it never ran).
    fn calls(&self) -> Vec<String> {
        std::fs::read_to_string(self.dir.path().join("calls"))
            .map(|s| s.lines().map(str::to_string).collect())
            .unwrap_or_default()
    }

    fn path_var(&self) -> std::ffi::OsString {
        let mut dirs: Vec<PathBuf> = vec![self.dir.path().to_path_buf()];
        dirs.extend(std::env::split_paths(
            &std::env::var_os("PATH").unwrap_or_default(),
        ));
        std::env::join_paths(dirs).expect("PATH")
    }
}

/// `vouch pull IMAGE --engine podman [extra...]` with `engine` as podman.
fn pull(env: &Env, engine: &FakeEngine, image: &str, extra: &[&str]) -> Output {
    env.cmd()
        .args(["pull", image, "--engine", "podman"])
        .args(extra)
        .env("PATH", engine.path_var())
        .output()
        .expect("run vouch pull")
}

fn code_and_stderr(out: &Output) -> (Option<i32>, String) {
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
#[ignore = "needs the harness: run through make test (tests/harness/with-env.sh)"]
fn unsigned_image_in_an_enforce_scope_is_refused_and_the_engine_never_runs() {
    let reg = real_registry("pull: enforce refuses");
    let env = Env::with_own_key("pull-enforce");
    push_image(&reg, "pull-enforce/app", "v1", "pull-enforce");
    let engine = FakeEngine::new(0);
    let image = format!("{reg}/pull-enforce/app:v1");
    // --yes does not open an enforcing scope.
    for extra in [&[][..], &["--yes"]] {
        let out = pull(&env, &engine, &image, extra);
        let (code, stderr) = code_and_stderr(&out);
        assert_eq!(code, Some(1), "{stderr}");
        assert!(
            stderr.contains("not pulled: the image is unsigned"),
            "{stderr}"
        );
        assert!(stderr.contains("enforces verification"), "{stderr}");
    }
    assert_eq!(
        engine.calls(),
        Vec::<String>::new(),
        "the engine must not run"
    );
}

#[test]
#[ignore = "needs the harness: run through make test (tests/harness/with-env.sh)"]
fn signed_image_is_pulled_pinned_by_its_digest() {
    let reg = real_registry("pull: signed is pulled");
    let env = Env::with_own_key("pull-signed");
    let (digest, image) = env.push_signed(&reg, "pull-signed/app", "acme");
    let engine = FakeEngine::new(0);
    let out = pull(&env, &engine, &image, &[]);
    let (code, stderr) = code_and_stderr(&out);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(
        engine.calls(),
        [format!("pull {reg}/pull-signed/app@{digest}")]
    );
    // The engine's own output reaches the user.
    assert!(String::from_utf8_lossy(&out.stdout).contains("fake podman"));
}

#[test]
#[ignore = "needs the harness: run through make test (tests/harness/with-env.sh)"]
fn unverified_image_in_a_warn_scope_is_pulled_only_with_yes() {
    let reg = real_registry("pull: warn needs --yes");
    let env = Env::with_own_key("pull-warn");
    env.set_policy(&format!("{reg}/pull-warn/**"), "warn", &[]);
    let digest = push_image(&reg, "pull-warn/app", "v1", "pull-warn");
    let image = format!("{reg}/pull-warn/app:v1");
    let engine = FakeEngine::new(0);
    let out = pull(&env, &engine, &image, &[]);
    let (code, stderr) = code_and_stderr(&out);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("pass --yes"), "the CLI's hint: {stderr}");
    assert!(engine.calls().is_empty());
    let out = pull(&env, &engine, &image, &["--yes"]);
    let (code, stderr) = code_and_stderr(&out);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(
        engine.calls(),
        [format!("pull {reg}/pull-warn/app@{digest}")]
    );
}

#[test]
#[ignore = "needs the harness: run through make test (tests/harness/with-env.sh)"]
fn an_engine_that_fails_or_is_missing_exits_2() {
    let reg = real_registry("pull: engine failures");
    let env = Env::with_own_key("pull-engine");
    let (digest, image) = env.push_signed(&reg, "pull-engine/app", "acme");
    let failing = FakeEngine::new(125);
    let out = pull(&env, &failing, &image, &[]);
    assert_fails_with(&out, "podman could not pull");
    assert_eq!(failing.calls().len(), 1);
    // Asked for docker, which is not on PATH here: the sentence gives the command to copy.
    let out = env
        .cmd()
        .args(["pull", &image, "--engine", "docker"])
        .env("PATH", failing.dir.path())
        .output()
        .expect("run vouch pull");
    assert_fails_with(&out, &format!("docker pull {reg}/pull-engine/app@{digest}"));
}

#[test]
fn an_unknown_engine_is_a_usage_error() {
    let env = Env::new("pull-usage");
    let out = env.run(&["pull", "nginx", "--engine", "nerdctl"]);
    assert_fails_with(&out, "not a container engine");
}
