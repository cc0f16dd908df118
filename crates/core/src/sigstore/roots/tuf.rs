//! [`RootStore::update`]: the public-good trusted root refreshed through TUF.
//!
//! tough does the TUF client workflow (root rotation from the trusted `root.json`, then
//! timestamp, snapshot, targets, each signature threshold, version and expiry checked, then the
//! target's length and hashes). Its expiration enforcement is always `Safe` here: an expired
//! root, timestamp, snapshot or targets is never trusted. Its HTTP transport is ours
//! ([`HttpTransport`]): the project's reqwest client on rustls with the ring provider, not
//! tough's `http` feature, so no second HTTP or TLS stack is built.
//!
//! The update starts from the newest TUF root this profile has trusted for the repository
//! (tough's datastore keeps it) or the embedded production root, whichever is newer. The
//! embedded one may have expired since this binary was built: TUF allows that as a starting
//! point — the repository's newer roots, each signed by the previous one, are fetched first,
//! and only the final root must be unexpired.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::TryStreamExt as _;
use sha2::{Digest as _, Sha256};
use tough::{
    ExpirationEnforcement, IntoVec as _, RepositoryLoader, TargetName, TransportError,
    TransportErrorKind, TransportStream,
};
use url::Url;

use super::{checked_root, RootStore, TrustRootError, UpdateRecord};

/// The Sigstore public-good TUF repository.
pub const DEFAULT_TUF_REPOSITORY: &str = "https://tuf-repo-cdn.sigstore.dev";

/// The production TUF `root.json` (version 15), copied unchanged from the Sigstore repository.
pub const PRODUCTION_TUF_ROOT_JSON: &str = include_str!("tuf-root.production.json");

/// The target that holds the trusted root.
const TARGET: &str = "trusted_root.json";

const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Where an update fetches from and the TUF root it starts from.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct UpdateSource {
    /// The repository's base address (metadata there, targets under `targets/`).
    pub repository: String,
    /// The trusted TUF `root.json` to start from.
    pub tuf_root: Vec<u8>,
}

impl UpdateSource {
    /// The public-good repository (or `repository`) from the embedded production TUF root.
    pub fn production(repository: Option<&str>) -> Self {
        Self {
            repository: repository.unwrap_or(DEFAULT_TUF_REPOSITORY).to_owned(),
            tuf_root: PRODUCTION_TUF_ROOT_JSON.as_bytes().to_vec(),
        }
    }

    /// A repository and the TUF root to start from. The root must be valid (signed by its own
    /// threshold of root keys: tough checks that when the update starts) and unexpired (checked
    /// here): a root given here is refused once expired, even when the repository could rotate
    /// it forward.
    pub fn with_root(repository: &str, tuf_root: Vec<u8>) -> Result<Self, TrustRootError> {
        let doc: serde_json::Value =
            serde_json::from_slice(&tuf_root).map_err(|e| TrustRootError::BadTufRoot {
                reason: format!("it is not JSON: {e}"),
            })?;
        let expires = doc["signed"]["expires"].as_str().unwrap_or_default();
        let rfc3339 = &time::format_description::well_known::Rfc3339;
        let at = time::OffsetDateTime::parse(expires, rfc3339).map_err(|e| {
            TrustRootError::BadTufRoot {
                reason: format!("its `signed.expires` is not an RFC 3339 time: {e}"),
            }
        })?;
        if at <= time::OffsetDateTime::now_utc() {
            return Err(TrustRootError::BadTufRoot {
                reason: format!("it expired at {expires}"),
            });
        }
        Ok(Self {
            repository: repository.to_owned(),
            tuf_root,
        })
    }

    /// The source the CLI uses: the production one, except in builds with the `test-tuf-root`
    /// feature (tests only; no shipped binary enables it), where `VOUCH_TUF_ROOT_FILE` names
    /// the TUF root to start from — still required valid and unexpired ([`Self::with_root`]).
    pub fn from_environment(repository: Option<&str>) -> Result<Self, TrustRootError> {
        #[cfg(feature = "test-tuf-root")]
        if let Some(path) = std::env::var_os("VOUCH_TUF_ROOT_FILE").filter(|p| !p.is_empty()) {
            let path = std::path::PathBuf::from(path);
            let bytes = std::fs::read(&path).map_err(|e| super::io_error("read", &path, &e))?;
            return Self::with_root(repository.unwrap_or(DEFAULT_TUF_REPOSITORY), bytes);
        }
        Ok(Self::production(repository))
    }
}

impl RootStore {
    /// Fetches the public-good trusted root through TUF from `source` and stores it for this
    /// profile with the versions and expiry it came with. Nothing is stored unless every role
    /// verified, none had expired, and the target matched its signed length and hashes and is
    /// a usable trusted root; on any failure the root in use stays what it was.
    pub async fn update(&self, source: &UpdateSource) -> Result<UpdateRecord, TrustRootError> {
        let base = repository_url(&source.repository)?;
        let repository = base.as_str().trim_end_matches('/').to_owned();
        let targets = base
            .join("targets/")
            .map_err(|e| TrustRootError::BadRepository {
                given: source.repository.clone(),
                reason: e.to_string(),
            })?;
        let _lock = self.update_lock()?;
        let datastore = self.dir.join("tuf").join(repository_id(&repository));
        std::fs::create_dir_all(&datastore)
            .map_err(|e| super::io_error("create the folder", &datastore, &e))?;
        let start = newest_root(&source.tuf_root, &datastore.join("root.json"));
        let transport = HttpTransport::new()?;
        let fail = |e: tough::error::Error| classify(&e, &transport, &repository, false);
        let repo = RepositoryLoader::new(&start, base.clone(), targets)
            .transport(transport.clone())
            .datastore(&datastore)
            .expiration_enforcement(ExpirationEnforcement::Safe)
            .load()
            .await
            .map_err(fail)?;
        let name = TargetName::new(TARGET).map_err(fail)?;
        let missing = || TrustRootError::TargetMissing {
            repository: repository.clone(),
            target: TARGET.into(),
        };
        let stream = repo.read_target(&name).await.map_err(fail)?;
        let bytes = stream.ok_or_else(missing)?.into_vec().await;
        let bytes = bytes.map_err(|e| classify(&e, &transport, &repository, true))?;
        let what = format!("the TUF target `{TARGET}` of {repository}");
        let json = String::from_utf8(bytes).map_err(|_| TrustRootError::Untrusted {
            repository: repository.clone(),
            reason: format!("{what} is not UTF-8 text"),
        })?;
        checked_root(&json, &what)?;
        let targets_signed = &repo.targets().signed;
        let record = UpdateRecord {
            repository,
            tuf_root_version: repo.root().signed.version.get(),
            targets_version: targets_signed.version.get(),
            expires: targets_signed.expires.to_string(),
            updated_at: now_rfc3339(),
            sha256: hex::encode(Sha256::digest(json.as_bytes())),
        };
        self.store_update(record.clone(), json)?;
        Ok(record)
    }
}

impl RootStore {
    /// One update of a profile at a time (they share tough's datastores and the stored root);
    /// a second one is refused at once rather than left waiting.
    fn update_lock(&self) -> Result<std::fs::File, TrustRootError> {
        let path = self.dir.join("update.lock");
        std::fs::create_dir_all(&self.dir)
            .map_err(|e| super::io_error("create the folder", &self.dir, &e))?;
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| super::io_error("open", &path, &e))?;
        match file.try_lock() {
            Ok(()) => Ok(file),
            Err(std::fs::TryLockError::WouldBlock) => Err(TrustRootError::UpdateRunning),
            Err(std::fs::TryLockError::Error(e)) => Err(super::io_error("lock", &path, &e)),
        }
    }
}

fn now_rfc3339() -> String {
    let now = time::OffsetDateTime::now_utc().replace_nanosecond(0);
    let now = now.unwrap_or_else(|_| time::OffsetDateTime::now_utc());
    now.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// The repository's base address: HTTPS, or plain HTTP to a loopback host (a local mirror or a
/// test's stand-in; TUF's signatures, not TLS, make the content trustworthy, but a remote
/// plain-HTTP mirror would tell the network what is being fetched).
pub(super) fn repository_url(given: &str) -> Result<Url, TrustRootError> {
    let bad = |reason: &str| TrustRootError::BadRepository {
        given: given.chars().take(200).collect(),
        reason: reason.into(),
    };
    let mut url = Url::parse(given).map_err(|e| bad(&e.to_string()))?;
    let host = url.host_str().ok_or_else(|| bad("it names no host"))?;
    let loopback = crate::reference::is_loopback_host(host.trim_matches(['[', ']']));
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        "http" => return Err(bad("plain HTTP is only accepted for a loopback host")),
        _ => return Err(bad("it must be an https:// address")),
    }
    if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
        return Err(bad("it must not carry a query, a fragment or a user name"));
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

/// A folder name for one repository's datastore.
fn repository_id(repository: &str) -> String {
    hex::encode(&Sha256::digest(repository.as_bytes())[..8])
}

/// The TUF root to start from: `given`, or the one the datastore kept from an earlier update
/// when its version is higher (tough wrote it only after verifying it).
pub(super) fn newest_root(given: &[u8], kept: &std::path::Path) -> Vec<u8> {
    let version = |bytes: &[u8]| {
        serde_json::from_slice::<serde_json::Value>(bytes)
            .ok()
            .and_then(|v| v["signed"]["version"].as_u64())
    };
    match std::fs::read(kept) {
        Ok(stored) if version(&stored) > version(given) => stored,
        _ => given.to_vec(),
    }
}

/// The sentence for what tough refused. A connection that never got an answer makes it
/// `Offline` whatever tough made of it (a root rotation it could not fetch ends as "root
/// expired" with an old embedded root).
/// `target`: whether the error came from reading the target (after the metadata verified).
fn classify(
    e: &tough::error::Error,
    t: &HttpTransport,
    repository: &str,
    target: bool,
) -> TrustRootError {
    use tough::error::Error as E;
    if let Some(reason) = t.unreachable() {
        return TrustRootError::Offline {
            repository: repository.to_owned(),
            reason,
        };
    }
    let repository = repository.to_owned();
    // tough wraps what a stream found (a hash mismatch) in a transport error: look through.
    let chain = std::iter::successors(Some(e as &dyn std::error::Error), |c| c.source());
    for cause in chain.filter_map(|c| c.downcast_ref::<E>()) {
        match cause {
            E::ExpiredMetadata { role, .. } => {
                return TrustRootError::Expired {
                    repository,
                    role: role.to_string(),
                }
            }
            E::HashMismatch { .. } | E::MaxSizeExceeded { .. } if target => {
                return TrustRootError::TargetMismatch {
                    repository,
                    target: TARGET.into(),
                }
            }
            _ => {}
        }
    }
    TrustRootError::Untrusted {
        repository,
        reason: bounded(&e.to_string()),
    }
}

fn bounded(s: &str) -> String {
    let clean: String = s.chars().filter(|c| !c.is_control()).take(400).collect();
    clean
}

/// tough's transport over the project's reqwest client (rustls, ring, the platform's roots).
/// It remembers whether a request got no answer at all, which is what "offline" means.
#[derive(Debug, Clone)]
struct HttpTransport {
    client: reqwest::Client,
    unreachable: Arc<Mutex<Option<String>>>,
}

impl HttpTransport {
    fn new() -> Result<Self, TrustRootError> {
        let setup = |reason: String| TrustRootError::HttpSetup { reason };
        let tls = crate::tls::client_config().map_err(|e| setup(e.to_string()))?;
        let client = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .timeout(REQUEST_TIMEOUT)
            .connect_timeout(CONNECT_TIMEOUT)
            .user_agent(concat!("vouch/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| setup(e.to_string()))?;
        Ok(Self {
            client,
            unreachable: Arc::default(),
        })
    }

    fn unreachable(&self) -> Option<String> {
        self.unreachable
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn note_unreachable(&self, e: &reqwest::Error) {
        let mut reason = String::new();
        let mut cause: Option<&dyn std::error::Error> = Some(e);
        while let Some(c) = cause {
            reason = c.to_string();
            cause = c.source();
        }
        let mut slot = self.unreachable.lock().unwrap_or_else(|e| e.into_inner());
        slot.get_or_insert_with(|| bounded(&reason));
    }
}

#[tough::async_trait]
impl tough::Transport for HttpTransport {
    async fn fetch(&self, url: Url) -> Result<TransportStream, TransportError> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(TransportError::new(
                TransportErrorKind::UnsupportedUrlScheme,
                url,
            ));
        }
        let answer = match self.client.get(url.clone()).send().await {
            Ok(a) => a,
            Err(e) => {
                self.note_unreachable(&e);
                return Err(TransportError::new_with_cause(
                    TransportErrorKind::Other,
                    url,
                    e,
                ));
            }
        };
        let status = answer.status();
        // A missing file: 404, or 403 from object stores that do not say "not found".
        if status == reqwest::StatusCode::NOT_FOUND || status == reqwest::StatusCode::FORBIDDEN {
            return Err(TransportError::new(TransportErrorKind::FileNotFound, url));
        }
        if !status.is_success() {
            let why = format!("the server answered {status}");
            return Err(TransportError::new_with_cause(
                TransportErrorKind::Other,
                url,
                why,
            ));
        }
        let at = url.to_string();
        let body = answer
            .bytes_stream()
            .map_err(move |e| TransportError::new_with_cause(TransportErrorKind::Other, &at, e));
        Ok(Box::pin(body))
    }
}
