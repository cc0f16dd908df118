//! Signing and verifying through authenticating registries, all real parts: the harness's CNCF
//! distribution with htpasswd auth and with token auth behind its token issuer
//! (`tests/harness/services/auth.sh`), the real `vouch` binary, skopeo copying the test images
//! in with credentials, and fixture credential helpers (shell scripts on `PATH`).
//!
//! Credentials reach `vouch` the way a person's do: a containers `auth.json` named by
//! `REGISTRY_AUTH_FILE`, or a docker `config.json` (`DOCKER_CONFIG`) naming a helper. Request
//! counts come from the registry's access log and the token issuer's log.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use common::*;
use serde_json::{json, Value};

/// One authenticating registry of the harness.
struct AuthRegistry {
    addr: String,
    user: String,
    password: String,
    /// Its access log.
    log: PathBuf,
}

fn var(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!(
            "{name} is not set: tests/harness/services/auth.sh provides it; run through make test"
        )
    })
}

fn registry(kind: &str) -> AuthRegistry {
    real_env(&format!("the {kind} registry"));
    let prefix = format!("VOUCH_TEST_REGISTRY_{kind}");
    AuthRegistry {
        addr: var(&prefix),
        user: var(&format!("{prefix}_USER")),
        password: var(&format!("{prefix}_PASSWORD")),
        log: PathBuf::from(var(&format!("{prefix}_LOG"))),
    }
}

fn issuer_log() -> PathBuf {
    PathBuf::from(var("VOUCH_TEST_TOKEN_ISSUER_LOG"))
}

/// A containers `auth.json` with one `auths` entry per (host, user, password).
fn auth_file(env: &Env, name: &str, entries: &[(&str, &str, &str)]) -> PathBuf {
    let auths: serde_json::Map<String, Value> = entries
        .iter()
        .map(|(host, user, pw)| {
            let auth = pipe("base64", &["-w0"], format!("{user}:{pw}").as_bytes());
            (host.to_string(), json!({ "auth": auth }))
        })
        .collect();
    let doc = json!({ "auths": auths }).to_string();
    env.write(name, doc.as_bytes())
}

/// `vouch ARGS` with the credentials of `auth` (`REGISTRY_AUTH_FILE`) and nothing else.
fn vouch(env: &Env, auth: &Path, args: &[&str]) -> Output {
    env.cmd()
        .args(args)
        .env("REGISTRY_AUTH_FILE", auth)
        .output()
        .expect("run vouch")
}

/// `vouch verify --json IMAGE` with `auth`: the verdict, asserting it printed one.
fn verify(env: &Env, auth: &Path, image: &str) -> Value {
    let out = vouch(env, auth, &["verify", "--json", image]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    // A JWT starts with the base64 of `{"`: no token is printed, whatever happened.
    assert!(
        !format!("{stdout}{stderr}").contains("eyJ"),
        "a token is shown: {stdout} {stderr}"
    );
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("no JSON ({e}): {stdout} / {stderr}"))
}

/// Pushes a tiny image `repo-src:tag` (seed `seed`) to the anonymous harness registry and
/// copies it to `to/repo:tag` with skopeo and the credentials in `auth`; returns the image.
fn copy_in_tag(to: &str, repo: &str, tag: &str, seed: &str, auth: &Path) -> String {
    let anon = real_registry("the anonymous registry");
    push_image(&anon, &format!("{repo}-src"), tag, seed);
    let dest = format!("{to}/{repo}:{tag}");
    let authfile = auth.to_str().expect("utf8");
    run_ok(
        Command::new(skopeo()).args([
            "--insecure-policy",
            "copy",
            "-q",
            "--src-tls-verify=false",
            "--dest-tls-verify=false",
            "--dest-authfile",
            authfile,
            &format!("docker://{anon}/{repo}-src:{tag}"),
            &format!("docker://{dest}"),
        ]),
        "skopeo copy with credentials",
    );
    dest
}

fn copy_in(to: &str, repo: &str, auth: &Path) -> String {
    copy_in_tag(to, repo, "v1", repo, auth)
}

/// Copies in and signs `to/repo:v1` with the user's key through `vouch sign` (credentials from
/// `auth`); returns the image.
fn signed(env: &Env, to: &str, repo: &str, auth: &Path) -> String {
    let image = copy_in(to, repo, auth);
    let out = vouch(env, auth, &["sign", &image, "--key", "acme"]);
    assert_ok(&out, "vouch sign with credentials");
    image
}

fn assert_verified(v: &Value) {
    assert_eq!(v["status"], "verified", "{v:#}");
}

/// Asserts an `error` verdict whose reason holds every one of `needles` and none of `secrets`.
fn assert_error(v: &Value, needles: &[&str], secrets: &[&str]) {
    assert_eq!(v["status"], "error", "{v:#}");
    let reason = v["reason"].as_str().unwrap_or_default();
    for n in needles {
        assert!(reason.contains(n), "`{n}` missing from: {reason}");
    }
    let all = v.to_string();
    for s in secrets {
        assert!(!all.contains(s), "a secret is shown: {all}");
    }
}

/// Lines in a log file.
fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

/// What the logs gained since `from` (registry lines for `repo`, issuer lines), after the
/// registry wrote its last line (it logs after answering).
struct Counter {
    registry: PathBuf,
    registry_from: usize,
    issuer_from: usize,
}

impl Counter {
    fn start(reg: &AuthRegistry) -> Counter {
        Counter {
            registry: reg.log.clone(),
            registry_from: lines(&reg.log).len(),
            issuer_from: lines(&issuer_log()).len(),
        }
    }

    /// (registry requests for `repo`, token requests for `repo`): other tests use the same
    /// registry and issuer meanwhile.
    fn since(&self, repo: &str) -> (Vec<String>, Vec<String>) {
        std::thread::sleep(Duration::from_millis(300));
        let needle = format!(" /v2/{repo}/");
        let registry = lines(&self.registry)
            .into_iter()
            .skip(self.registry_from)
            .filter(|l| l.contains(&needle) && l.contains("HTTP/1.1\""))
            .collect();
        let scope = format!("\"repository:{repo}:");
        let tokens = lines(&issuer_log())
            .into_iter()
            .skip(self.issuer_from)
            .filter(|l| l.contains(&scope))
            .collect();
        (registry, tokens)
    }
}

// ---------------------------------------------------------------------------------------------
// Basic auth
// ---------------------------------------------------------------------------------------------

#[test]
#[ignore = "needs the harness: run through make test (tests/harness/with-env.sh)"]
fn basic_auth_sign_and_verify_with_an_auth_file_and_a_wrong_password_is_a_sentence() {
    let reg = registry("BASIC");
    let env = Env::with_own_key("auth-basic");
    let good = auth_file(&env, "auth.json", &[(&reg.addr, &reg.user, &reg.password)]);
    let image = signed(&env, &reg.addr, "vouch/basic", &good);
    assert_verified(&verify(&env, &good, &image));

    // No credentials: the registry's own refusal, as a sentence.
    let none = auth_file(&env, "none.json", &[]);
    assert_error(&verify(&env, &none, &image), &[&reg.addr, "401"], &[]);

    // A wrong password: refused, naming the file and entry the credentials came from.
    let wrong_pw = "not-the-password-4711";
    let wrong = auth_file(&env, "wrong.json", &[(&reg.addr, &reg.user, wrong_pw)]);
    let v = verify(&env, &wrong, &image);
    let from = format!("the `auths` entry `{}` of {}", reg.addr, wrong.display());
    assert_error(
        &v,
        &["refused the credentials from", &from, "HTTP 401"],
        &[wrong_pw],
    );
    let out = vouch(&env, &wrong, &["verify", &image]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains(wrong_pw) && !stderr.contains("panicked"),
        "{stderr}"
    );
}

// ---------------------------------------------------------------------------------------------
// Token auth
// ---------------------------------------------------------------------------------------------

/// Cold: challenge, token, manifest, `.sig` manifest, payload = 5 requests; warm (the other
/// images of one batch): 3 each, the token fetched once for the batch.
#[test]
#[ignore = "needs the harness: run through make test (tests/harness/with-env.sh)"]
fn token_auth_sign_and_verify_with_five_requests_cold_and_three_warm() {
    let reg = registry("TOKEN");
    let env = Env::with_own_key("auth-token");
    let auth = auth_file(&env, "auth.json", &[(&reg.addr, &reg.user, &reg.password)]);
    let repo = "vouch/token";
    let image = signed(&env, &reg.addr, repo, &auth);

    let count = Counter::start(&reg);
    assert_verified(&verify(&env, &auth, &image));
    let (requests, tokens) = count.since(repo);
    assert_eq!(
        requests.len() + tokens.len(),
        5,
        "{requests:#?}\n{tokens:#?}"
    );
    assert_eq!(tokens.len(), 1, "{tokens:#?}");
    assert!(
        requests[0].contains("\" 401 "),
        "the challenge first: {requests:#?}"
    );
    let token: Value = serde_json::from_str(&tokens[0]).expect("issuer log line");
    assert_eq!(token["account"], reg.user);
    assert_eq!(token["scopes"], json!([format!("repository:{repo}:pull")]));

    // A batch: four more images of the repository, one process.
    let mut list = Vec::new();
    for i in 0..4 {
        let dest = copy_in_tag(
            &reg.addr,
            repo,
            &format!("b{i}"),
            &format!("{repo}-{i}"),
            &auth,
        );
        assert_ok(
            &vouch(&env, &auth, &["sign", &dest, "--key", "acme"]),
            "vouch sign",
        );
        list.push(dest);
    }
    let file = env.write("list.txt", list.join("\n").as_bytes());
    let count = Counter::start(&reg);
    let out = vouch(
        &env,
        &auth,
        &["verify", "--file", file.to_str().expect("utf8")],
    );
    assert_ok(&out, "vouch verify --file");
    let (requests, tokens) = count.since(repo);
    let n = list.len();
    // One challenge and one token for the batch; 3 requests per image.
    assert_eq!(
        tokens.len(),
        1,
        "the token is cached for the batch: {tokens:#?}"
    );
    assert_eq!(requests.len(), 3 * n + 1, "{requests:#?}");
    let challenges = requests.iter().filter(|l| l.contains("\" 401 ")).count();
    assert_eq!(challenges, 1, "{requests:#?}");
}

#[test]
#[ignore = "needs the harness: run through make test (tests/harness/with-env.sh)"]
fn token_auth_wrong_password_is_a_sentence_from_the_token_service() {
    let reg = registry("TOKEN");
    let env = Env::with_own_key("auth-token-wrong");
    let good = auth_file(&env, "auth.json", &[(&reg.addr, &reg.user, &reg.password)]);
    let image = signed(&env, &reg.addr, "vouch/token-wrong", &good);
    let wrong_pw = "wrong-token-password-0815";
    let wrong = auth_file(&env, "wrong.json", &[(&reg.addr, &reg.user, wrong_pw)]);
    let v = verify(&env, &wrong, &image);
    let from = format!("the `auths` entry `{}` of {}", reg.addr, wrong.display());
    assert_error(
        &v,
        &[
            "refused the credentials from",
            &from,
            "incorrect username or password",
        ],
        &[wrong_pw],
    );
}

/// The anonymous-token flow of public registries: `401` → a token without credentials →
/// the public repository reads; a private one stays refused, with a sentence.
#[test]
#[ignore = "needs the harness: run through make test (tests/harness/with-env.sh)"]
fn anonymous_tokens_read_the_public_repository_only() {
    let reg = registry("TOKEN");
    let env = Env::with_own_key("auth-anon");
    let creds = auth_file(&env, "auth.json", &[(&reg.addr, &reg.user, &reg.password)]);
    let public = signed(&env, &reg.addr, "public/app", &creds);
    let private = signed(&env, &reg.addr, "vouch/private", &creds);
    let none = auth_file(&env, "none.json", &[]);

    let count = Counter::start(&reg);
    assert_verified(&verify(&env, &none, &public));
    let (requests, tokens) = count.since("public/app");
    assert_eq!(
        requests.len() + tokens.len(),
        5,
        "{requests:#?}\n{tokens:#?}"
    );
    let token: Value = serde_json::from_str(&tokens[0]).expect("issuer log line");
    assert_eq!(token["account"], "", "no credentials were sent");
    assert_eq!(token["granted"], json!(["repository:public/app:pull"]));

    let v = verify(&env, &none, &private);
    assert_error(&v, &[&reg.addr, "HTTP 401"], &[]);
}

// ---------------------------------------------------------------------------------------------
// Credential helpers
// ---------------------------------------------------------------------------------------------

/// `dir/docker-credential-<name>`, a shell script.
fn helper(dir: &Path, name: &str, body: &str) {
    use std::os::unix::fs::PermissionsExt as _;
    let p = dir.join(format!("docker-credential-{name}"));
    std::fs::write(&p, format!("#!/bin/sh\n{body}\n")).expect("helper");
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

/// `vouch verify --json IMAGE` with a docker `config.json` naming the helper `name` for the
/// image's registry, helpers found in `bin` first.
fn verify_with_helper(env: &Env, bin: &Path, host: &str, name: &str, image: &str) -> Value {
    let docker = env.path(&format!("docker-{name}"));
    std::fs::create_dir_all(&docker).expect("docker dir");
    let config = json!({ "credHelpers": { host: name } }).to_string();
    std::fs::write(docker.join("config.json"), config).expect("config.json");
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut dirs = vec![bin.to_path_buf()];
    dirs.extend(std::env::split_paths(&path));
    let out = env
        .cmd()
        .args(["verify", "--json", image])
        .env_remove("REGISTRY_AUTH_FILE")
        .env("DOCKER_CONFIG", &docker)
        .env("PATH", std::env::join_paths(dirs).expect("PATH"))
        .output()
        .expect("run vouch");
    let stdout = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("no JSON ({e}): {stdout}"))
}

/// Three fixture helpers against the token registry: one answers (verified), one fails (its
/// sentence shown), one hangs (killed after the helper timeout; the image is `error` naming
/// the helper, in bounded time).
#[test]
#[ignore = "needs the harness: run through make test (tests/harness/with-env.sh)"]
fn credential_helpers_that_answer_fail_and_hang() {
    let reg = registry("TOKEN");
    let env = Env::with_own_key("auth-helpers");
    let creds = auth_file(&env, "auth.json", &[(&reg.addr, &reg.user, &reg.password)]);
    let image = signed(&env, &reg.addr, "vouch/helpers", &creds);
    let bin = env.path("bin");
    std::fs::create_dir_all(&bin).expect("bin");
    let answer = json!({"ServerURL": reg.addr, "Username": reg.user, "Secret": reg.password});
    helper(
        &bin,
        "vouchtest-answers",
        &format!("cat >/dev/null\necho '{answer}'"),
    );
    helper(
        &bin,
        "vouchtest-fails",
        "cat >/dev/null\necho 'stdout-secret-hunter2'\necho 'the keychain is locked' >&2\nexit 1",
    );
    helper(&bin, "vouchtest-hangs", "exec sleep 60");

    let v = verify_with_helper(&env, &bin, &reg.addr, "vouchtest-answers", &image);
    assert_verified(&v);

    let v = verify_with_helper(&env, &bin, &reg.addr, "vouchtest-fails", &image);
    assert_error(
        &v,
        &[
            "docker-credential-vouchtest-fails",
            "the keychain is locked",
        ],
        &["hunter2", &reg.password],
    );

    let start = Instant::now();
    let v = verify_with_helper(&env, &bin, &reg.addr, "vouchtest-hangs", &image);
    let took = start.elapsed();
    assert_error(
        &v,
        &["docker-credential-vouchtest-hangs", "was stopped"],
        &[],
    );
    assert!(took < Duration::from_secs(15), "took {took:?}");
}

// ---------------------------------------------------------------------------------------------
// doctor
// ---------------------------------------------------------------------------------------------

/// `vouch doctor` names where each registry's credentials come from and tests the connection,
/// never showing the password.
#[test]
#[ignore = "needs the harness: run through make test (tests/harness/with-env.sh)"]
fn doctor_shows_credential_sources_and_tests_connections() {
    let basic = registry("BASIC");
    let token = registry("TOKEN");
    let env = Env::new("auth-doctor");
    let auth = auth_file(
        &env,
        "auth.json",
        &[
            (&basic.addr, &basic.user, &basic.password),
            (&token.addr, &token.user, "wrong-doctor-password"),
        ],
    );
    let out = vouch(&env, &auth, &["doctor", "--json"]);
    assert_ok(&out, "vouch doctor --json");
    let report: Value = serde_json::from_slice(&out.stdout).expect("json");
    let find = |host: &str| {
        report["registries"]
            .as_array()
            .and_then(|a| a.iter().find(|r| r["host"] == host).cloned())
            .unwrap_or_else(|| panic!("{host} missing: {report:#}"))
    };
    let b = find(&basic.addr);
    assert_eq!(
        b["connection"],
        json!({"ok": true, "detail": "ok"}),
        "{b:#}"
    );
    let file = auth.display().to_string();
    assert_eq!(
        b["credentials"],
        json!({"file": file, "entry": {"kind": "auths", "key": basic.addr}})
    );
    let t = find(&token.addr);
    assert_eq!(t["connection"]["ok"], false, "{t:#}");
    let detail = t["connection"]["detail"].as_str().unwrap_or_default();
    assert!(
        detail.contains("incorrect username or password"),
        "{detail}"
    );

    let text = vouch(&env, &auth, &["doctor"]);
    let shown = String::from_utf8_lossy(&text.stdout);
    assert!(
        shown.contains(&format!("registry: {}", basic.addr)),
        "{shown}"
    );
    assert!(shown.contains("connection:  ok"), "{shown}");
    let all = format!("{shown}{}", String::from_utf8_lossy(&out.stdout));
    assert!(
        !all.contains(&basic.password) && !all.contains("wrong-doctor-password"),
        "a password is shown: {all}"
    );
}
