//! Registry credentials the person already has: `REGISTRY_AUTH_FILE`, the containers
//! `auth.json` (`$XDG_RUNTIME_DIR/containers/auth.json`, `~/.config/containers/auth.json`) and
//! docker's `config.json` (`auths`, `credHelpers`, `credsStore`), where a helper is
//! `docker-credential-<name> get` with the server on stdin.
//!
//! Invariants: a helper runs at most [`CredentialOptions::helper_timeout`]; one that overruns is
//! killed and reaped, and the error names it. A helper's stdout (where the secret is) never
//! reaches an error or a log; only the first line of its stderr does, bounded and sanitized. One
//! lookup per host per [`Credentials`]: a failure is remembered too, so a batch waits for a
//! stuck helper once, not once per image. The helper runs on tokio's process driver, never
//! blocking the runtime.

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::OnceLock;
use std::time::Duration;

use base64::Engine as _;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use zeroize::Zeroizing;

use super::error::{sanitize, HelperProblem, RegistryError};

/// A user name and password (or identity token) for HTTP Basic or a token request.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct BasicCreds {
    pub(crate) username: String,
    pub(crate) password: Zeroizing<String>,
}

impl BasicCreds {
    fn new(username: impl Into<String>, password: impl Into<String>) -> BasicCreds {
        BasicCreds {
            username: username.into(),
            password: Zeroizing::new(password.into()),
        }
    }
}

impl std::fmt::Debug for BasicCreds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BasicCreds")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// Most bytes read of a helper's answer (docker's helpers answer a few hundred).
const MAX_HELPER_ANSWER: u64 = 64 * 1024;
/// Most bytes read of a helper's stderr.
const MAX_HELPER_STDERR: u64 = 4 * 1024;
/// What docker-credential-helpers print (on stdout, exit 1) for a server they hold nothing for.
const HELPER_NOT_FOUND: &str = "credentials not found in native keychain";

/// How credential helpers run.
#[derive(Debug, Clone)]
pub(crate) struct CredentialOptions {
    pub(crate) helper_timeout: Duration,
    /// `PATH` for finding helpers; `None` inherits ours (tests point it at fixture scripts).
    pub(crate) helper_path: Option<OsString>,
}

/// A failed lookup, remembered per host.
#[derive(Debug, Clone)]
struct HelperFailure {
    helper: String,
    problem: HelperProblem,
}

type Lookup = Result<Option<BasicCreds>, HelperFailure>;

/// Credentials per host for one [`super::Registry`], looked up once.
#[derive(Debug)]
pub(crate) struct Credentials {
    opts: CredentialOptions,
    /// The parsed auth files (read on the first lookup).
    pub(crate) files: OnceLock<Vec<serde_json::Value>>,
    /// Held across a lookup, so concurrent requests to one host run its helper once.
    cache: tokio::sync::Mutex<HashMap<String, Lookup>>,
}

impl Credentials {
    pub(crate) fn new(opts: CredentialOptions) -> Credentials {
        Credentials {
            opts,
            files: OnceLock::new(),
            cache: tokio::sync::Mutex::new(HashMap::new()),
        }
    }

    /// Basic credentials for `host`, from the auth files or a credential helper; `Ok(None)`
    /// when there are none (anonymous access).
    pub(crate) async fn for_host(&self, host: &str) -> Result<Option<BasicCreds>, RegistryError> {
        let mut cache = self.cache.lock().await;
        let found = match cache.get(host) {
            Some(known) => known.clone(),
            None => {
                let files = self.files.get_or_init(load_auth_files);
                let found = lookup(files, host, &self.opts).await;
                cache.insert(host.to_string(), found.clone());
                found
            }
        };
        found.map_err(|f| RegistryError::CredentialHelper {
            host: host.to_string(),
            helper: f.helper,
            problem: f.problem,
        })
    }

    /// What an earlier lookup found for `host`, without looking it up.
    pub(crate) async fn known(&self, host: &str) -> Option<BasicCreds> {
        self.cache
            .lock()
            .await
            .get(host)
            .and_then(|l| l.clone().ok().flatten())
    }
}

/// The auth files in precedence order, parsed (unreadable or malformed ones are skipped).
fn load_auth_files() -> Vec<serde_json::Value> {
    let mut paths: Vec<PathBuf> = Vec::new();
    if let Some(p) = std::env::var_os("REGISTRY_AUTH_FILE").filter(|p| !p.is_empty()) {
        paths.push(PathBuf::from(p));
    }
    if let Some(d) = std::env::var_os("XDG_RUNTIME_DIR").filter(|p| !p.is_empty()) {
        paths.push(PathBuf::from(d).join("containers/auth.json"));
    }
    let home = std::env::var_os("HOME").map(PathBuf::from);
    if let Some(d) = std::env::var_os("XDG_CONFIG_HOME").filter(|p| !p.is_empty()) {
        paths.push(PathBuf::from(d).join("containers/auth.json"));
    } else if let Some(h) = &home {
        paths.push(h.join(".config/containers/auth.json"));
    }
    if let Some(d) = std::env::var_os("DOCKER_CONFIG").filter(|p| !p.is_empty()) {
        paths.push(PathBuf::from(d).join("config.json"));
    } else if let Some(h) = &home {
        paths.push(h.join(".docker/config.json"));
    }
    paths
        .iter()
        .filter_map(|p| {
            let meta = std::fs::metadata(p).ok()?;
            if meta.len() > 4 * 1024 * 1024 {
                return None;
            }
            serde_json::from_slice(&std::fs::read(p).ok()?).ok()
        })
        .collect()
}

/// The host an auth-file key names: `https://index.docker.io/v1/` → `index.docker.io`.
fn normalize_auth_key(key: &str) -> String {
    let k = key
        .trim()
        .trim_start_matches("https://")
        .trim_start_matches("http://");
    let host = k.split('/').next().unwrap_or(k);
    match host {
        "docker.io" | "registry-1.docker.io" => "index.docker.io".into(),
        h => h.to_string(),
    }
}

/// Walks the files in order: per file, a `credHelpers` entry for the host, then an `auths`
/// entry, then the `credsStore`. A helper that fails stops the walk (as docker does).
async fn lookup(files: &[serde_json::Value], host: &str, opts: &CredentialOptions) -> Lookup {
    let helper_url = if host == "index.docker.io" {
        "https://index.docker.io/v1/".to_string()
    } else {
        host.to_string()
    };
    for file in files {
        if let Some(helper) = file
            .get("credHelpers")
            .and_then(|h| h.as_object())
            .and_then(|h| h.iter().find(|(k, _)| normalize_auth_key(k) == host))
            .and_then(|(_, v)| v.as_str())
        {
            if let Some(c) = run_helper(helper, &helper_url, opts).await? {
                return Ok(Some(c));
            }
        }
        if let Some(entry) = file.get("auths").and_then(|a| a.as_object()).and_then(|a| {
            // Exact host first, then any key naming the same host (a repository-scoped
            // key such as `host/ns` applies to the whole host here).
            a.get(host).or_else(|| {
                a.iter()
                    .find(|(k, _)| normalize_auth_key(k) == host)
                    .map(|(_, v)| v)
            })
        }) {
            if let Some(c) = decode_auth_entry(entry) {
                return Ok(Some(c));
            }
        }
        if let Some(store) = file.get("credsStore").and_then(|s| s.as_str()) {
            if let Some(c) = run_helper(store, &helper_url, opts).await? {
                return Ok(Some(c));
            }
        }
    }
    Ok(None)
}

fn decode_auth_entry(entry: &serde_json::Value) -> Option<BasicCreds> {
    if let Some(auth) = entry
        .get("auth")
        .and_then(|a| a.as_str())
        .filter(|a| !a.is_empty())
    {
        let raw = Zeroizing::new(
            base64::engine::general_purpose::STANDARD
                .decode(auth.trim())
                .ok()?,
        );
        let text = std::str::from_utf8(&raw).ok()?;
        let (u, p) = text.split_once(':')?;
        return Some(BasicCreds::new(u, p));
    }
    let u = entry.get("username").and_then(|v| v.as_str())?;
    let p = entry.get("password").and_then(|v| v.as_str())?;
    Some(BasicCreds::new(u, p))
}

/// Runs `docker-credential-<name> get` with `server` on stdin, for at most the timeout.
/// `Ok(None)`: the name is not a plain program name, the helper is not installed, or it holds
/// nothing for `server`.
async fn run_helper(name: &str, server: &str, opts: &CredentialOptions) -> Lookup {
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
    {
        return Ok(None);
    }
    let program = format!("docker-credential-{name}");
    let fail = |problem| HelperFailure {
        helper: program.clone(),
        problem,
    };
    let mut cmd = tokio::process::Command::new(&program);
    cmd.arg("get")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    if let Some(path) = &opts.helper_path {
        // On Unix the child's PATH is also where the program is looked up.
        cmd.env("PATH", path);
    }
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(fail(HelperProblem::CouldNotRun {
                detail: sanitize(&e.to_string()),
            }))
        }
    };
    let stdin = child.stdin.take();
    let stdout = child.stdout.take();
    let stderr = child.stderr.take();
    let talk = async {
        if let Some(mut s) = stdin {
            // A helper that exits without reading closes the pipe: not our concern here.
            let _ = s.write_all(server.as_bytes()).await;
        }
        let (out, err, status) = tokio::join!(
            read_bounded(stdout, MAX_HELPER_ANSWER),
            read_bounded(stderr, MAX_HELPER_STDERR),
            child.wait()
        );
        (out, err, status)
    };
    let (out, err, status) = match tokio::time::timeout(opts.helper_timeout, talk).await {
        Ok(done) => done,
        Err(_) => {
            // SIGKILL, then wait: the helper is gone and reaped before we report it.
            let _ = child.kill().await;
            return Err(fail(HelperProblem::TimedOut {
                timeout: opts.helper_timeout,
            }));
        }
    };
    let status = status.map_err(|e| {
        fail(HelperProblem::CouldNotRun {
            detail: sanitize(&e.to_string()),
        })
    })?;
    if !status.success() {
        if String::from_utf8_lossy(&out).contains(HELPER_NOT_FOUND) {
            return Ok(None);
        }
        let first_line = String::from_utf8_lossy(&err)
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .map(sanitize)
            .unwrap_or_default();
        return Err(fail(HelperProblem::Failed {
            status: status.to_string(),
            stderr: first_line,
        }));
    }
    #[derive(serde::Deserialize)]
    struct HelperAnswer {
        #[serde(rename = "Username")]
        username: String,
        #[serde(rename = "Secret")]
        secret: String,
    }
    let a: HelperAnswer =
        serde_json::from_slice(&out).map_err(|_| fail(HelperProblem::BadAnswer))?;
    let secret = Zeroizing::new(a.secret);
    if secret.is_empty() {
        return Ok(None);
    }
    Ok(Some(BasicCreds {
        username: a.username,
        password: secret,
    }))
}

/// Reads at most `limit` bytes (the rest is left unread); read errors end the read.
async fn read_bounded<R: tokio::io::AsyncRead + Unpin>(
    pipe: Option<R>,
    limit: u64,
) -> Zeroizing<Vec<u8>> {
    let mut buf = Zeroizing::new(Vec::new());
    if let Some(p) = pipe {
        let _ = p.take(limit).read_to_end(&mut buf).await;
    }
    buf
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Helpers looked up in `dir` first, then on our own `PATH` (for `sleep` and friends).
    pub(crate) fn opts(timeout: Duration, dir: Option<&std::path::Path>) -> CredentialOptions {
        let path = dir.map(|d| {
            let ours = std::env::var_os("PATH").unwrap_or_default();
            let mut all = vec![d.to_path_buf()];
            all.extend(std::env::split_paths(&ours));
            std::env::join_paths(all).expect("a PATH")
        });
        CredentialOptions {
            helper_timeout: timeout,
            helper_path: path,
        }
    }

    pub(crate) fn rt() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime")
    }

    /// Writes `docker-credential-<name>` (a shell script) into `dir`, executable.
    #[cfg(unix)]
    pub(crate) fn fixture_helper(dir: &std::path::Path, name: &str, body: &str) {
        use std::os::unix::fs::PermissionsExt as _;
        let p = dir.join(format!("docker-credential-{name}"));
        std::fs::write(&p, format!("#!/bin/sh\n{body}\n")).expect("write helper");
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }

    #[test]
    fn auth_files_are_read_docker_and_containers_style() {
        let docker: serde_json::Value = serde_json::json!({
            "auths": {
                "https://index.docker.io/v1/": {"auth": base64::engine::general_purpose::STANDARD.encode("alice:s3cret")},
                "ghcr.io": {"username": "bob", "password": "pw"}
            }
        });
        let files = vec![docker];
        let o = opts(Duration::from_secs(5), None);
        rt().block_on(async {
            assert_eq!(
                lookup(&files, "index.docker.io", &o)
                    .await
                    .expect("no helper"),
                Some(BasicCreds::new("alice", "s3cret"))
            );
            assert_eq!(
                lookup(&files, "ghcr.io", &o).await.expect("no helper"),
                Some(BasicCreds::new("bob", "pw"))
            );
            assert_eq!(
                lookup(&files, "quay.io", &o).await.expect("no helper"),
                None
            );
        });
    }

    #[test]
    fn helper_names_are_restricted_and_missing_helpers_are_skipped() {
        let o = opts(Duration::from_secs(5), None);
        rt().block_on(async {
            assert_eq!(
                run_helper("../../bin/sh", "x", &o).await.expect("skip"),
                None
            );
            assert_eq!(run_helper("", "x", &o).await.expect("skip"), None);
            assert_eq!(
                run_helper("vouch-no-such-helper-installed", "x", &o)
                    .await
                    .expect("skip"),
                None
            );
        });
    }

    #[test]
    fn credentials_debug_hides_the_password() {
        let c = BasicCreds::new("alice", "s3cret-value");
        let shown = format!("{c:?}");
        assert!(
            shown.contains("alice") && !shown.contains("s3cret"),
            "{shown}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_helper_that_answers_gives_its_credentials_and_reads_the_server_on_stdin() {
        let dir = tempfile::tempdir().expect("tempdir");
        fixture_helper(
            dir.path(),
            "answers",
            r#"read server; printf '{"ServerURL":"%s","Username":"u-%s","Secret":"s3cret"}' "$server" "$server""#,
        );
        let o = opts(Duration::from_secs(5), Some(dir.path()));
        let got = rt()
            .block_on(run_helper("answers", "registry.example:5000", &o))
            .expect("answers");
        assert_eq!(
            got,
            Some(BasicCreds::new("u-registry.example:5000", "s3cret"))
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_helper_that_fails_shows_its_stderr_sentence_and_never_its_stdout() {
        let dir = tempfile::tempdir().expect("tempdir");
        fixture_helper(
            dir.path(),
            "fails",
            "echo 'stdout-secret-hunter2'\nprintf 'cannot talk to the keychain daemon\\033[31m\\nsecond line\\n' >&2\nexit 3",
        );
        fixture_helper(
            dir.path(),
            "empty",
            &format!("echo '{HELPER_NOT_FOUND}'\nexit 1"),
        );
        let o = opts(Duration::from_secs(5), Some(dir.path()));
        let err = rt()
            .block_on(run_helper("fails", "registry.example", &o))
            .expect_err("fails");
        assert_eq!(err.helper, "docker-credential-fails");
        assert_eq!(
            err.problem,
            HelperProblem::Failed {
                status: "exit status: 3".into(),
                stderr: "cannot talk to the keychain daemon [31m".into(),
            }
        );
        let shown = RegistryError::CredentialHelper {
            host: "registry.example".into(),
            helper: err.helper,
            problem: err.problem,
        }
        .to_string();
        assert!(
            !shown.contains("hunter2") && !shown.contains('\u{1b}'),
            "{shown}"
        );
        // "Nothing stored for this server" is anonymous access, not a failure.
        assert_eq!(
            rt().block_on(run_helper("empty", "registry.example", &o))
                .expect("not found is no error"),
            None
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_helper_that_answers_garbage_is_refused_without_showing_the_answer() {
        let dir = tempfile::tempdir().expect("tempdir");
        fixture_helper(dir.path(), "garbage", "echo 'Secret=hunter2'");
        let o = opts(Duration::from_secs(5), Some(dir.path()));
        let err = rt()
            .block_on(run_helper("garbage", "registry.example", &o))
            .expect_err("garbage");
        assert_eq!(err.problem, HelperProblem::BadAnswer);
        assert!(!err.problem.to_string().contains("hunter2"));
    }

    /// The defect: a stuck helper kept `vouch verify` from ever exiting. Now it is killed after
    /// the timeout, reaped, named in the error, and the runtime keeps running meanwhile.
    #[cfg(unix)]
    #[test]
    fn a_helper_that_hangs_is_killed_and_reaped_after_the_timeout_and_named() {
        let dir = tempfile::tempdir().expect("tempdir");
        let pidfile = dir.path().join("pid");
        fixture_helper(
            dir.path(),
            "hangs",
            &format!("echo $$ > '{}'\nexec sleep 60", pidfile.display()),
        );
        let o = opts(Duration::from_secs(1), Some(dir.path()));
        let creds = Credentials::new(o);
        let files = vec![serde_json::json!({"credHelpers": {"registry.example": "hangs"}})];
        let _ = creds.files.set(files);
        let start = std::time::Instant::now();
        let (res, ticked_at) = rt().block_on(async {
            // Runs on the same single-threaded runtime: it finishes on time only if the helper
            // does not block the runtime.
            let ticker = async {
                tokio::time::sleep(Duration::from_millis(50)).await;
                start.elapsed()
            };
            tokio::join!(creds.for_host("registry.example"), ticker)
        });
        let elapsed = start.elapsed();
        assert!(
            ticked_at < Duration::from_millis(600),
            "the runtime was blocked: {ticked_at:?}"
        );
        assert!(elapsed < Duration::from_secs(5), "took {elapsed:?}");
        assert!(elapsed >= Duration::from_secs(1), "took {elapsed:?}");
        let err = res.expect_err("a hung helper is an error");
        assert!(
            matches!(&err, RegistryError::CredentialHelper { helper, problem: HelperProblem::TimedOut { .. }, .. } if helper == "docker-credential-hangs"),
            "{err:?}"
        );
        assert!(err.to_string().contains("docker-credential-hangs"), "{err}");
        #[cfg(target_os = "linux")]
        {
            let pid = std::fs::read_to_string(&pidfile).expect("the helper ran");
            // Killed and reaped: not even a zombie is left.
            let proc_dir = format!("/proc/{}", pid.trim());
            assert!(
                !std::path::Path::new(&proc_dir).exists(),
                "{proc_dir} still exists"
            );
        }
        // The failure is remembered: a second image of the batch does not wait again.
        let again = std::time::Instant::now();
        let second = rt().block_on(creds.for_host("registry.example"));
        assert!(second.is_err() && again.elapsed() < Duration::from_millis(100));
    }
}
