//! Registry credentials the person already has, found where podman and docker look for them.
//!
//! # The order
//!
//! The auth files, first match wins (podman's order — `containers-auth.json` in
//! `registries.conf` terms — with docker's own file in its place):
//!
//! 1. `REGISTRY_AUTH_FILE`, when set: **only** that file (podman and skopeo treat it like
//!    `--authfile`: it replaces the defaults below).
//! 2. `$XDG_RUNTIME_DIR/containers/auth.json` (without `XDG_RUNTIME_DIR`:
//!    `/run/containers/<uid>/auth.json`), where `podman login` writes.
//! 3. `$XDG_CONFIG_HOME/containers/auth.json` (default `~/.config/containers/auth.json`).
//! 4. `$DOCKER_CONFIG/config.json` (default `~/.docker/config.json`), where `docker login` writes.
//! 5. `~/.dockercfg` (docker's legacy format: the `auths` map is the whole file).
//!
//! Inside one file:
//!
//! 1. `credHelpers[host]`: `docker-credential-<name> get`, as both tools do; when it holds
//!    nothing for the host, the walk goes on with the next file (podman).
//! 2. `credsStore`: `docker-credential-<name> get` for every host (docker: with a store, the
//!    `auths` entries are placeholders); when it holds nothing, the file's `auths` are read
//!    (podman ignores `credsStore` and reads them).
//! 3. `auths`: the most specific key naming the repository (`host/ns/app`, `host/ns`, `host`),
//!    then any key that normalizes to the host (`https://host/v1/`, `http://host`); Docker Hub's
//!    `https://index.docker.io/v1/` and `docker.io` keys are the same registry.
//!
//! A helper that fails or hangs stops the walk with an error naming it (a wrong or missing
//! credential would be worse than a clear failure). Unreadable or malformed files are skipped.
//!
//! Invariants: a helper runs at most [`CredentialOptions::helper_timeout`]; one that overruns is
//! killed and reaped, and the error names it. A helper's stdout (where the secret is) never
//! reaches an error or a log; only the first line of its stderr does, bounded and sanitized.
//! Each helper runs once per server per [`Credentials`]: a failure is remembered too, so a batch
//! waits for a stuck helper once, not once per image. The helper runs on tokio's process driver,
//! never blocking the runtime. A [`CredentialSource`] names a file and an entry or a helper,
//! never a secret.

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::OnceLock;
use std::time::Duration;

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use zeroize::Zeroizing;

use super::error::{sanitize, HelperProblem, RegistryError};

/// Where a registry's credentials come from: an auth file and the entry in it. Never the secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CredentialSource {
    /// The auth file naming them.
    pub file: String,
    pub entry: CredentialEntry,
}

/// How an auth file names a registry's credentials.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum CredentialEntry {
    /// An `auths` entry under `key` (the secret is in the file).
    Auths { key: String },
    /// `credHelpers`: the program `helper` (`docker-credential-<name>`) holds them.
    CredHelper { helper: String },
    /// `credsStore`: the program `helper` holds every registry's credentials.
    CredsStore { helper: String },
}

impl std::fmt::Display for CredentialSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.entry {
            CredentialEntry::Auths { key } => {
                write!(f, "the `auths` entry `{key}` of {}", self.file)
            }
            CredentialEntry::CredHelper { helper } => {
                write!(f, "{helper} (credHelpers in {})", self.file)
            }
            CredentialEntry::CredsStore { helper } => {
                write!(f, "{helper} (credsStore in {})", self.file)
            }
        }
    }
}

/// A user name and password (or identity token) for HTTP Basic or a token request, and where
/// they came from.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct BasicCreds {
    pub(crate) username: String,
    pub(crate) password: Zeroizing<String>,
    pub(crate) source: Option<CredentialSource>,
}

impl BasicCreds {
    fn new(username: impl Into<String>, password: impl Into<String>) -> BasicCreds {
        BasicCreds {
            username: username.into(),
            password: Zeroizing::new(password.into()),
            source: None,
        }
    }

    fn from(mut self, file: &AuthFile, entry: CredentialEntry) -> BasicCreds {
        self.source = Some(file.source(entry));
        self
    }
}

impl std::fmt::Debug for BasicCreds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BasicCreds")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("source", &self.source)
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

/// One parsed auth file.
#[derive(Debug, Clone)]
pub(crate) struct AuthFile {
    path: String,
    doc: serde_json::Value,
    /// `~/.dockercfg`: the whole file is the `auths` map.
    legacy: bool,
}

impl From<serde_json::Value> for AuthFile {
    /// A file already parsed (tests).
    fn from(doc: serde_json::Value) -> AuthFile {
        AuthFile {
            path: "(in memory)".into(),
            doc,
            legacy: false,
        }
    }
}

impl AuthFile {
    fn source(&self, entry: CredentialEntry) -> CredentialSource {
        CredentialSource {
            file: self.path.clone(),
            entry,
        }
    }

    fn auths(&self) -> Option<&serde_json::Map<String, serde_json::Value>> {
        if self.legacy {
            self.doc.as_object()
        } else {
            self.doc.get("auths")?.as_object()
        }
    }

    /// The `credHelpers` program name for `host`.
    fn cred_helper(&self, host: &str) -> Option<&str> {
        let helpers = self.doc.get("credHelpers")?.as_object()?;
        helpers
            .get(host)
            .or_else(|| {
                helpers
                    .iter()
                    .find(|(k, _)| normalize_auth_key(k) == host)
                    .map(|(_, v)| v)
            })?
            .as_str()
    }

    fn creds_store(&self) -> Option<&str> {
        self.doc.get("credsStore")?.as_str()
    }

    /// The `auths` entry for `repo` on `host`: the most specific key first, then any key that
    /// normalizes to the host. Returns the key and the entry.
    fn auths_entry(&self, host: &str, repo: Option<&str>) -> Option<(&str, &serde_json::Value)> {
        let auths = self.auths()?;
        // podman writes Docker Hub's repository keys as `docker.io/…`.
        let names: &[&str] = if host == "index.docker.io" {
            &["docker.io", "index.docker.io"]
        } else {
            &[host]
        };
        let mut keys: Vec<String> = Vec::new();
        if let Some(repo) = repo {
            let mut path = repo;
            loop {
                keys.extend(names.iter().map(|n| format!("{n}/{path}")));
                match path.rsplit_once('/') {
                    Some((parent, _)) => path = parent,
                    None => break,
                }
            }
        }
        keys.extend(names.iter().map(|n| n.to_string()));
        keys.iter()
            .find_map(|k| auths.get_key_value(k.as_str()))
            .or_else(|| {
                // A URL key (`https://host/v1/`) or a bare host that normalizes to this one;
                // never another repository's key.
                auths.iter().find(|(k, _)| {
                    normalize_auth_key(k) == host && (k.contains("://") || !k.contains('/'))
                })
            })
            .map(|(k, v)| (k.as_str(), v))
    }

    /// Every registry host this file names (`auths` and `credHelpers` keys, normalized).
    fn hosts(&self) -> Vec<String> {
        let helpers = self.doc.get("credHelpers").and_then(|h| h.as_object());
        self.auths()
            .into_iter()
            .chain(helpers)
            .flat_map(|m| m.keys())
            .map(|k| normalize_auth_key(k))
            .filter(|h| !h.is_empty())
            .collect()
    }
}

/// What the lookups of one [`Credentials`] found: per host and repository, and per helper run.
#[derive(Debug, Default)]
struct Found {
    lookups: HashMap<(String, Option<String>), Lookup>,
    /// A helper's answer per (program name, server): it runs once.
    helpers: HashMap<(String, String), Lookup>,
}

/// Credentials per host and repository for one [`super::Registry`], looked up once.
#[derive(Debug)]
pub(crate) struct Credentials {
    opts: CredentialOptions,
    /// The parsed auth files (read on the first lookup).
    pub(crate) files: OnceLock<Vec<AuthFile>>,
    /// Held across a lookup, so concurrent requests to one host run its helper once.
    found: tokio::sync::Mutex<Found>,
}

impl Credentials {
    pub(crate) fn new(opts: CredentialOptions) -> Credentials {
        Credentials {
            opts,
            files: OnceLock::new(),
            found: tokio::sync::Mutex::new(Found::default()),
        }
    }

    /// Basic credentials for `repo` on `host` (`None`: the host as a whole, e.g. its catalog),
    /// from the auth files or a credential helper; `Ok(None)` when there are none (anonymous
    /// access).
    pub(crate) async fn for_repository(
        &self,
        host: &str,
        repo: Option<&str>,
    ) -> Result<Option<BasicCreds>, RegistryError> {
        let mut found = self.found.lock().await;
        let key = (host.to_string(), repo.map(str::to_string));
        let result = match found.lookups.get(&key) {
            Some(known) => known.clone(),
            None => {
                let files = self.files.get_or_init(load_auth_files);
                let result = lookup(files, host, repo, &self.opts, &mut found.helpers).await;
                found.lookups.insert(key, result.clone());
                result
            }
        };
        result.map_err(|f| RegistryError::CredentialHelper {
            host: host.to_string(),
            helper: f.helper,
            problem: f.problem,
        })
    }

    /// What an earlier lookup found for `repo` on `host`, without looking it up.
    pub(crate) async fn known(&self, host: &str, repo: Option<&str>) -> Option<BasicCreds> {
        self.found
            .lock()
            .await
            .lookups
            .get(&(host.to_string(), repo.map(str::to_string)))
            .and_then(|l| l.clone().ok().flatten())
    }

    /// Where credentials for `host` would come from, read from the files without running a
    /// helper: the first entry of the walk (see the module docs) that names the host.
    pub(crate) fn source_for(&self, host: &str) -> Option<CredentialSource> {
        let files = self.files.get_or_init(load_auth_files);
        files.iter().find_map(|file| {
            if let Some(h) = file.cred_helper(host) {
                let helper = format!("docker-credential-{h}");
                return Some(file.source(CredentialEntry::CredHelper { helper }));
            }
            if let Some(key) = file
                .auths_entry(host, None)
                .filter(|(_, e)| decode_auth_entry(e).is_some())
                .map(|(k, _)| k.to_string())
            {
                return Some(file.source(CredentialEntry::Auths { key }));
            }
            file.creds_store().filter(|s| !s.is_empty()).map(|s| {
                let helper = format!("docker-credential-{s}");
                file.source(CredentialEntry::CredsStore { helper })
            })
        })
    }
}

/// Every registry host the auth files name (`auths` and `credHelpers` keys, normalized),
/// sorted, once each.
pub(crate) fn hosts_in_auth_files() -> Vec<String> {
    let mut hosts: Vec<String> = load_auth_files().iter().flat_map(AuthFile::hosts).collect();
    hosts.sort();
    hosts.dedup();
    hosts
}

/// The auth files in the order of the module docs, as paths (existing or not).
pub(crate) fn auth_file_paths() -> Vec<(PathBuf, bool)> {
    auth_file_paths_from(|name| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    })
}

/// [`auth_file_paths`] with the environment read through `var`.
fn auth_file_paths_from(var: impl Fn(&str) -> Option<PathBuf>) -> Vec<(PathBuf, bool)> {
    if let Some(p) = var("REGISTRY_AUTH_FILE") {
        return vec![(p, false)];
    }
    let mut paths = Vec::new();
    match var("XDG_RUNTIME_DIR") {
        Some(d) => paths.push((d.join("containers/auth.json"), false)),
        None => {
            if let Some(uid) = current_uid() {
                let p = PathBuf::from(format!("/run/containers/{uid}/auth.json"));
                paths.push((p, false));
            }
        }
    }
    let home = var("HOME");
    let config_home = var("XDG_CONFIG_HOME").or_else(|| home.as_ref().map(|h| h.join(".config")));
    if let Some(d) = config_home {
        paths.push((d.join("containers/auth.json"), false));
    }
    let docker = var("DOCKER_CONFIG").or_else(|| home.as_ref().map(|h| h.join(".docker")));
    if let Some(d) = docker {
        paths.push((d.join("config.json"), false));
    }
    if let Some(h) = &home {
        paths.push((h.join(".dockercfg"), true));
    }
    paths
}

#[cfg(unix)]
fn current_uid() -> Option<u32> {
    use std::os::unix::fs::MetadataExt as _;
    std::fs::metadata("/proc/self").ok().map(|m| m.uid())
}

#[cfg(not(unix))]
fn current_uid() -> Option<u32> {
    None
}

/// The auth files in precedence order, parsed (unreadable or malformed ones are skipped).
fn load_auth_files() -> Vec<AuthFile> {
    auth_file_paths()
        .into_iter()
        .filter_map(|(p, legacy)| {
            let meta = std::fs::metadata(&p).ok()?;
            if meta.len() > 4 * 1024 * 1024 {
                return None;
            }
            let doc = serde_json::from_slice(&std::fs::read(&p).ok()?).ok()?;
            Some(AuthFile {
                path: p.display().to_string(),
                doc,
                legacy,
            })
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

/// Walks the files in the order of the module docs.
async fn lookup(
    files: &[AuthFile],
    host: &str,
    repo: Option<&str>,
    opts: &CredentialOptions,
    helpers: &mut HashMap<(String, String), Lookup>,
) -> Lookup {
    let helper_url = if host == "index.docker.io" {
        "https://index.docker.io/v1/".to_string()
    } else {
        host.to_string()
    };
    for file in files {
        if let Some(name) = file.cred_helper(host) {
            if let Some(c) = run_helper_once(name, &helper_url, opts, helpers).await? {
                let helper = format!("docker-credential-{name}");
                return Ok(Some(c.from(file, CredentialEntry::CredHelper { helper })));
            }
            continue;
        }
        if let Some(name) = file.creds_store() {
            if let Some(c) = run_helper_once(name, &helper_url, opts, helpers).await? {
                let helper = format!("docker-credential-{name}");
                return Ok(Some(c.from(file, CredentialEntry::CredsStore { helper })));
            }
        }
        if let Some((key, entry)) = file.auths_entry(host, repo) {
            if let Some(c) = decode_auth_entry(entry) {
                let key = key.to_string();
                return Ok(Some(c.from(file, CredentialEntry::Auths { key })));
            }
        }
    }
    Ok(None)
}

/// [`run_helper`], remembered per (helper, server).
async fn run_helper_once(
    name: &str,
    server: &str,
    opts: &CredentialOptions,
    helpers: &mut HashMap<(String, String), Lookup>,
) -> Lookup {
    let key = (name.to_string(), server.to_string());
    if let Some(known) = helpers.get(&key) {
        return known.clone();
    }
    let result = run_helper(name, server, opts).await;
    helpers.insert(key, result.clone());
    result
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
    parse_helper_answer(&out).map_err(fail)
}

/// A helper's `get` answer, `{"Username":…,"Secret":…}`; `Ok(None)` when the secret is empty.
/// The error never quotes the answer.
fn parse_helper_answer(out: &[u8]) -> Result<Option<BasicCreds>, HelperProblem> {
    #[derive(serde::Deserialize)]
    struct HelperAnswer {
        #[serde(rename = "Username")]
        username: String,
        #[serde(rename = "Secret")]
        secret: String,
    }
    let a: HelperAnswer = serde_json::from_slice(out).map_err(|_| HelperProblem::BadAnswer)?;
    let secret = Zeroizing::new(a.secret);
    if secret.is_empty() {
        return Ok(None);
    }
    Ok(Some(BasicCreds {
        username: a.username,
        password: secret,
        source: None,
    }))
}

/// One host an auth file names, as Vouch reads it: the host, the `credHelpers` / `credsStore`
/// helper it would run, and the `auths` key it would use with that key's host (normalized) and
/// the credentials' `Debug` (which never shows the password).
#[doc(hidden)]
#[derive(Debug)]
pub struct AuthFileLookup {
    pub host: String,
    pub helper: Option<String>,
    pub key: Option<(String, String)>,
    pub credentials: Option<String>,
}

/// What Vouch reads from `bytes` as an auth file (docker `config.json`, containers `auth.json`,
/// and the legacy `.dockercfg` whose whole document is the `auths` map) for each host it names,
/// looked up bare and for a repository; and `bytes` as a credential helper's answer (the
/// `Debug` of its credentials, or its problem). Exists only so the fuzz target `auth_file` and
/// its corpus replay can reach the private parsers; the registry client never calls it.
#[doc(hidden)]
pub fn auth_file_lookups(bytes: &[u8]) -> (Vec<AuthFileLookup>, String) {
    let helper_answer = format!("{:?}", parse_helper_answer(bytes));
    let Ok(doc) = serde_json::from_slice::<serde_json::Value>(bytes) else {
        return (Vec::new(), helper_answer);
    };
    let mut out = Vec::new();
    for legacy in [false, true] {
        let file = AuthFile {
            path: "(fuzzed)".into(),
            doc: doc.clone(),
            legacy,
        };
        for host in file.hosts().into_iter().take(8) {
            for repo in [None, Some("team/app/sub")] {
                let helper = file.cred_helper(&host).or_else(|| file.creds_store());
                let entry = file.auths_entry(&host, repo);
                out.push(AuthFileLookup {
                    helper: helper.map(str::to_string),
                    key: entry.map(|(k, _)| (k.to_string(), normalize_auth_key(k))),
                    credentials: entry
                        .and_then(|(_, e)| decode_auth_entry(e))
                        .map(|c| format!("{c:?}")),
                    host: host.clone(),
                });
            }
        }
    }
    (out, helper_answer)
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

    /// (user, password, where from) of a lookup, for comparing.
    fn who(found: Lookup) -> Option<(String, String, String)> {
        let c = found.expect("no helper failed")?;
        let from = c.source.map(|s| s.to_string()).unwrap_or_default();
        Some((c.username, c.password.to_string(), from))
    }

    fn file(path: &str, doc: serde_json::Value) -> AuthFile {
        AuthFile {
            path: path.into(),
            doc,
            legacy: false,
        }
    }

    fn b64(s: &str) -> String {
        base64::engine::general_purpose::STANDARD.encode(s)
    }

    fn found(user: &str, pw: &str, from: &str) -> Option<(String, String, String)> {
        Some((user.into(), pw.into(), from.into()))
    }

    #[test]
    fn auth_files_are_read_docker_and_containers_style() {
        let docker = file(
            "/d/config.json",
            serde_json::json!({
                "auths": {
                    "https://index.docker.io/v1/": {"auth": b64("alice:s3cret")},
                    "ghcr.io": {"username": "bob", "password": "pw"},
                    "quay.io/acme": {"auth": b64("carol:team")},
                    "quay.io/acme/app": {"auth": b64("dave:app")}
                }
            }),
        );
        let legacy = AuthFile {
            path: "/h/.dockercfg".into(),
            doc: serde_json::json!({"old.example": {"auth": b64("erin:old")}}),
            legacy: true,
        };
        let files = vec![docker, legacy];
        let o = opts(Duration::from_secs(5), None);
        let get = |host: &'static str, repo: Option<&'static str>| {
            let files = files.clone();
            let o = o.clone();
            async move { who(lookup(&files, host, repo, &o, &mut HashMap::new()).await) }
        };
        rt().block_on(async {
            let hub = "the `auths` entry `https://index.docker.io/v1/` of /d/config.json";
            assert_eq!(
                get("index.docker.io", Some("library/nginx")).await,
                found("alice", "s3cret", hub)
            );
            let ghcr = "the `auths` entry `ghcr.io` of /d/config.json";
            assert_eq!(get("ghcr.io", None).await, found("bob", "pw", ghcr));
            // The most specific repository key wins; another repository's key is never used.
            let app = "the `auths` entry `quay.io/acme/app` of /d/config.json";
            assert_eq!(
                get("quay.io", Some("acme/app")).await,
                found("dave", "app", app)
            );
            let ns = "the `auths` entry `quay.io/acme` of /d/config.json";
            assert_eq!(
                get("quay.io", Some("acme/web")).await,
                found("carol", "team", ns)
            );
            assert_eq!(get("quay.io", Some("other/app")).await, None);
            assert_eq!(get("quay.io", None).await, None);
            let old = "the `auths` entry `old.example` of /h/.dockercfg";
            assert_eq!(
                get("old.example", Some("x")).await,
                found("erin", "old", old)
            );
            assert_eq!(get("registry.example", Some("x")).await, None);
        });
    }

    /// The order written down in the module docs (and docs/credentials.md): files in podman's
    /// order, and inside a file credHelpers, then credsStore, then auths.
    #[cfg(unix)]
    #[test]
    fn credentials_are_looked_up_in_podmans_and_dockers_order() {
        let dir = tempfile::tempdir().expect("tempdir");
        let answer = |user: &str| {
            format!(r#"cat >/dev/null; echo '{{"Username":"{user}","Secret":"from-helper"}}'"#)
        };
        fixture_helper(dir.path(), "host-helper", &answer("helper-user"));
        fixture_helper(dir.path(), "store", &answer("store-user"));
        fixture_helper(
            dir.path(),
            "empty",
            &format!("echo '{HELPER_NOT_FOUND}'; exit 1"),
        );
        let o = opts(Duration::from_secs(5), Some(dir.path()));
        let run = |files: Vec<AuthFile>, host: &'static str| {
            let o = o.clone();
            async move { who(lookup(&files, host, Some("app"), &o, &mut HashMap::new()).await) }
        };
        let docker = || {
            file(
                "/d/config.json",
                serde_json::json!({
                    "credHelpers": {"a.example": "host-helper", "b.example": "empty"},
                    "credsStore": "store",
                    "auths": {
                        "a.example": {"auth": b64("file-a:pw")},
                        "b.example": {"auth": b64("file-b:pw")},
                        "c.example": {"auth": b64("file-c:pw")}
                    }
                }),
            )
        };
        let containers = file(
            "/run/auth.json",
            serde_json::json!({"auths": {"c.example": {"auth": b64("podman:pw")}}}),
        );
        rt().block_on(async {
            // credHelpers first, before credsStore and auths.
            let helper = "docker-credential-host-helper (credHelpers in /d/config.json)";
            assert_eq!(
                run(vec![docker()], "a.example").await,
                found("helper-user", "from-helper", helper)
            );
            // A host helper holding nothing: the next file, not this file's auths.
            assert_eq!(run(vec![docker()], "b.example").await, None);
            // credsStore before auths.
            let store = "docker-credential-store (credsStore in /d/config.json)";
            assert_eq!(
                run(vec![docker()], "c.example").await,
                found("store-user", "from-helper", store)
            );
            // Files in order: the containers auth.json before docker's config.json.
            let podman = "the `auths` entry `c.example` of /run/auth.json";
            assert_eq!(
                run(vec![containers, docker()], "c.example").await,
                found("podman", "pw", podman)
            );
            // A store holding nothing: the file's auths (podman reads them).
            let mut d = docker();
            d.doc["credsStore"] = "empty".into();
            let auths = "the `auths` entry `c.example` of /d/config.json";
            assert_eq!(
                run(vec![d], "c.example").await,
                found("file-c", "pw", auths)
            );
        });
    }

    #[test]
    fn auth_files_are_found_where_podman_and_docker_put_them() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                vars.iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| PathBuf::from(v))
            }
        };
        let paths = |vars| {
            auth_file_paths_from(env(vars))
                .into_iter()
                .map(|(p, legacy)| {
                    format!("{}{}", p.display(), if legacy { " (legacy)" } else { "" })
                })
                .collect::<Vec<_>>()
        };
        let all = [
            ("XDG_RUNTIME_DIR", "/run/user/1"),
            ("XDG_CONFIG_HOME", "/cfg"),
            ("HOME", "/h"),
            ("DOCKER_CONFIG", "/dc"),
        ];
        assert_eq!(
            paths(Box::leak(Box::new(all))),
            [
                "/run/user/1/containers/auth.json",
                "/cfg/containers/auth.json",
                "/dc/config.json",
                "/h/.dockercfg (legacy)"
            ]
        );
        assert_eq!(
            paths(&[("XDG_RUNTIME_DIR", "/run/user/1"), ("HOME", "/h")]),
            [
                "/run/user/1/containers/auth.json",
                "/h/.config/containers/auth.json",
                "/h/.docker/config.json",
                "/h/.dockercfg (legacy)"
            ]
        );
        // REGISTRY_AUTH_FILE replaces every default, as podman's --authfile does.
        assert_eq!(
            paths(&[
                ("REGISTRY_AUTH_FILE", "/x/auth.json"),
                ("HOME", "/h"),
                ("XDG_RUNTIME_DIR", "/r")
            ]),
            ["/x/auth.json"]
        );
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
        // Where it came from is named by the lookup (the file and the helper), never here.
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
        let _ = creds
            .files
            .set(files.into_iter().map(AuthFile::from).collect());
        let start = std::time::Instant::now();
        let (res, ticked_at) = rt().block_on(async {
            // Runs on the same single-threaded runtime: it finishes on time only if the helper
            // does not block the runtime.
            let ticker = async {
                tokio::time::sleep(Duration::from_millis(50)).await;
                start.elapsed()
            };
            tokio::join!(
                creds.for_repository("registry.example", Some("app")),
                ticker
            )
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
        let second = rt().block_on(creds.for_repository("registry.example", Some("app")));
        assert!(second.is_err() && again.elapsed() < Duration::from_millis(100));
    }
}
