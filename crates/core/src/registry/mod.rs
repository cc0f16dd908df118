//! Registry access: fetches bytes, decides nothing.
//!
//! Blobs and manifests are pushed through oci-client. Everything that is read — manifests, the
//! referrers list and blobs — is fetched with a small bounded GET of our own on the same HTTP
//! stack (reqwest, which oci-client is built on), because oci-client's `pull_manifest_raw` reads
//! a body of any size into memory and, on registries that need no token, probes `GET /v2/`
//! before every request. The bounded GET refuses bodies above the limit before reading them, and
//! answers registry auth challenges the way docker does: send the request, and on `401` with a
//! `Bearer` challenge fetch a repository-scoped token once, cache it, and retry. Tokens obtained
//! this way are handed to oci-client's token cache for pushes, so those never probe either; a
//! warm verification of a signed image is three requests (manifest, `.sig` manifest, payload
//! blob).
//!
//! Performance: loading the system CA bundle when an HTTP client is built was most of a one-image
//! `vouch verify` (OpenSSL parsed it twice per client, and oci-client builds two clients). So
//! reads go through one reqwest client whose TLS (rustls, `crate::tls`) loads the roots on the
//! first handshake — never, for a plain-HTTP registry — and the oci-client is built only on the
//! first push (verification never pushes). One connection pool per batch.
//!
//! Transport: HTTPS with the system's roots (rustls with the platform verifier's checks); plain
//! HTTP only for loopback addresses and `localhost` (docker's default) and hosts the person lists
//! as insecure.
//!
//! Credentials come from `REGISTRY_AUTH_FILE`, the containers `auth.json`
//! (`$XDG_RUNTIME_DIR/containers/auth.json`, `~/.config/containers/auth.json`) and docker's
//! `config.json` (`auths`, `credHelpers`, `credsStore`, running `docker-credential-<name> get`).
//! Tokens and passwords are never logged nor put in error messages.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use base64::Engine as _;
use oci_client::client::{ClientConfig, ClientProtocol};
use oci_client::secrets::RegistryAuth;
use oci_client::token_cache::{RegistryToken, RegistryTokenType};
use oci_client::RegistryOperation;
use sha2::{Digest as _, Sha256};

use crate::reference::{is_loopback_host, ImageRef};

/// Largest manifest accepted (issue: ≤ 4 MiB).
pub const MAX_MANIFEST_BYTES: u64 = 4 * 1024 * 1024;
/// Largest signature payload or bundle accepted (issue: ≤ 1 MiB).
pub const MAX_PAYLOAD_BYTES: u64 = 1024 * 1024;

/// Every media type a manifest GET accepts.
pub const MANIFEST_ACCEPT: &str = "application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.docker.distribution.manifest.list.v2+json";

/// Why the registry could not be used. Messages name the host and what was asked, never a
/// credential.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RegistryError {
    #[error("could not reach the registry {host}: {detail}")]
    Unreachable { host: String, detail: String },
    #[error("the registry {host} did not answer within {secs} s while fetching {what}")]
    Timeout {
        host: String,
        what: String,
        secs: u64,
    },
    #[error("{what} from {host} is larger than the {limit}-byte limit; refusing to read it")]
    TooLarge {
        host: String,
        what: String,
        limit: u64,
    },
    #[error("the registry {host} refused access to {what} (HTTP {code}); log in with `docker login {host}` or set REGISTRY_AUTH_FILE")]
    Unauthorized {
        host: String,
        what: String,
        code: u16,
    },
    #[error("{what} was not found on {host}")]
    NotFound { host: String, what: String },
    #[error("the registry {host} answered HTTP {code} for {what}")]
    Status {
        host: String,
        what: String,
        code: u16,
    },
    #[error("the registry {host} served {what} whose bytes hash to {actual}, not {expected}")]
    DigestMismatch {
        host: String,
        what: String,
        expected: String,
        actual: String,
    },
    #[error("the registry {host} sent a malformed answer for {what}: {detail}")]
    Protocol {
        host: String,
        what: String,
        detail: String,
    },
}

impl RegistryError {
    /// Whether the registry served content that contradicts its digest (an `invalid` verdict
    /// rather than `error`).
    pub fn is_integrity(&self) -> bool {
        matches!(self, RegistryError::DigestMismatch { .. })
    }
}

/// How to reach registries.
#[derive(Debug, Clone)]
pub struct RegistryOptions {
    /// Hosts (`host[:port]`) reached over plain HTTP besides loopback ones.
    pub insecure: Vec<String>,
    /// Limit for one HTTP request, headers to last byte.
    pub request_timeout: Duration,
    pub connect_timeout: Duration,
}

impl Default for RegistryOptions {
    fn default() -> Self {
        RegistryOptions {
            insecure: Vec::new(),
            request_timeout: Duration::from_secs(20),
            connect_timeout: Duration::from_secs(10),
        }
    }
}

/// A manifest as served.
#[derive(Debug, Clone)]
pub struct FetchedManifest {
    pub bytes: Vec<u8>,
    /// `sha256:<hex>` of `bytes`, computed here.
    pub digest: String,
    pub media_type: Option<String>,
}

/// What the referrers endpoint said.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum ReferrersAnswer {
    /// The registry implements the API; the body is an image index.
    Index(Vec<u8>),
    /// `404`: no referrers API here; use the fallback tag.
    NotSupported,
}

#[derive(Clone)]
enum CachedAuth {
    Bearer { token: String, until: Instant },
    Basic { header: String },
}

type Creds = Option<(String, String)>;

/// One client for a batch: connections, credentials and tokens are shared by every request.
pub struct Registry {
    /// Built on first use by a push (see the module docs: it costs two CA-bundle loads).
    oci: OnceLock<oci_client::Client>,
    http: reqwest::Client,
    opts: RegistryOptions,
    insecure_hosts: Vec<String>,
    /// (host, repository path, push?) → auth.
    auth: Mutex<HashMap<(String, String, bool), CachedAuth>>,
    /// host → basic credentials from the auth files (looked up once per host).
    creds: Mutex<HashMap<String, Creds>>,
    /// Hosts known to answer without any auth.
    open_hosts: Mutex<std::collections::HashSet<String>>,
    auth_files: OnceLock<Vec<serde_json::Value>>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("insecure_hosts", &self.insecure_hosts)
            .finish_non_exhaustive()
    }
}

impl Registry {
    /// A client for the given registries (hosts as `ImageRef::registry_host` names them).
    pub fn new<'a>(
        opts: RegistryOptions,
        hosts: impl IntoIterator<Item = &'a str>,
    ) -> Result<Arc<Registry>, RegistryError> {
        let mut insecure_hosts: Vec<String> = hosts
            .into_iter()
            .filter(|h| is_loopback_host(h) || opts.insecure.iter().any(|i| i == h))
            .map(str::to_string)
            .collect();
        insecure_hosts.extend(opts.insecure.iter().cloned());
        insecure_hosts.sort();
        insecure_hosts.dedup();
        let tls = crate::tls::client_config().map_err(|e| RegistryError::Unreachable {
            host: "(any)".into(),
            detail: format!("could not set up TLS: {e}"),
        })?;
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .timeout(opts.request_timeout)
            .connect_timeout(opts.connect_timeout)
            .user_agent(concat!("vouch/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| RegistryError::Unreachable {
                host: "(any)".into(),
                detail: format!("could not set up the HTTP client: {e}"),
            })?;
        Ok(Arc::new(Registry {
            oci: OnceLock::new(),
            http,
            opts,
            insecure_hosts,
            auth: Mutex::new(HashMap::new()),
            creds: Mutex::new(HashMap::new()),
            open_hosts: Mutex::new(Default::default()),
            auth_files: OnceLock::new(),
        }))
    }

    /// The oci-client (pushes only), built on first use.
    fn oci(&self) -> Result<&oci_client::Client, RegistryError> {
        if let Some(c) = self.oci.get() {
            return Ok(c);
        }
        let config = ClientConfig {
            protocol: ClientProtocol::HttpsExcept(self.insecure_hosts.clone()),
            read_timeout: Some(self.opts.request_timeout),
            connect_timeout: Some(self.opts.connect_timeout),
            platform_resolver: None,
            user_agent: concat!("vouch/", env!("CARGO_PKG_VERSION")),
            ..Default::default()
        };
        // oci-client builds its own reqwest client (roots loaded now: pushes only).
        crate::tls::install_default_provider();
        let built =
            oci_client::Client::try_from(config).map_err(|e| RegistryError::Unreachable {
                host: "(any)".into(),
                detail: format!("could not set up the HTTP client: {e}"),
            })?;
        // Two pushes racing here both build one; the first stored is the one everyone uses.
        let _ = self.oci.set(built);
        self.oci.get().ok_or_else(|| RegistryError::Unreachable {
            host: "(any)".into(),
            detail: "could not set up the HTTP client".into(),
        })
    }

    fn scheme(&self, host: &str) -> &'static str {
        if self.insecure_hosts.iter().any(|h| h == host) || is_loopback_host(host) {
            "http"
        } else {
            "https"
        }
    }

    fn base(&self, r: &ImageRef) -> String {
        let host = r.registry_host();
        format!("{}://{}/v2/{}", self.scheme(host), host, r.path())
    }

    /// Fetches the manifest `selector` (tag or digest) of `r`'s repository, at most
    /// [`MAX_MANIFEST_BYTES`]; `Ok(None)` on 404. When `selector` is a digest the bytes must
    /// hash to it.
    pub async fn manifest(
        &self,
        r: &ImageRef,
        selector: &str,
        push: bool,
    ) -> Result<Option<FetchedManifest>, RegistryError> {
        let url = format!("{}/manifests/{}", self.base(r), selector);
        let sep = if selector.starts_with("sha256:") {
            '@'
        } else {
            ':'
        };
        let what = format!("the manifest {}{sep}{selector}", r.repository());
        let resp = self
            .get(r, &url, Some(MANIFEST_ACCEPT), push, &what)
            .await?;
        let Some(resp) = resp else { return Ok(None) };
        let media_type = resp
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|s| s.split(';').next().unwrap_or(s).trim().to_string());
        let header_digest = resp
            .headers()
            .get("docker-content-digest")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let bytes = self
            .read_capped(r.registry_host(), resp, MAX_MANIFEST_BYTES, &what)
            .await?;
        let digest = sha256_digest(&bytes);
        if selector.starts_with("sha256:") && selector != digest {
            return Err(RegistryError::DigestMismatch {
                host: r.registry_host().into(),
                what,
                expected: selector.into(),
                actual: digest,
            });
        }
        if let Some(h) = header_digest.filter(|h| h.starts_with("sha256:")) {
            if h != digest {
                return Err(RegistryError::DigestMismatch {
                    host: r.registry_host().into(),
                    what,
                    expected: h,
                    actual: digest,
                });
            }
        }
        Ok(Some(FetchedManifest {
            bytes,
            digest,
            media_type,
        }))
    }

    /// Asks the OCI 1.1 referrers API for the referrers of `digest`.
    pub async fn referrers(
        &self,
        r: &ImageRef,
        digest: &str,
    ) -> Result<ReferrersAnswer, RegistryError> {
        let url = format!("{}/referrers/{}", self.base(r), digest);
        let what = format!("the referrers of {}@{}", r.repository(), digest);
        match self
            .get(
                r,
                &url,
                Some("application/vnd.oci.image.index.v1+json"),
                false,
                &what,
            )
            .await?
        {
            None => Ok(ReferrersAnswer::NotSupported),
            Some(resp) => {
                let bytes = self
                    .read_capped(r.registry_host(), resp, MAX_MANIFEST_BYTES, &what)
                    .await?;
                Ok(ReferrersAnswer::Index(bytes))
            }
        }
    }

    /// Pulls the blob `digest` of `r`'s repository, at most `limit` bytes, and checks that the
    /// bytes hash to `digest`. Same bounded GET, client and cached auth as manifests (not
    /// oci-client: see the module docs); redirects to blob storage are followed, and reqwest
    /// drops the `Authorization` header when a redirect leaves the registry's host.
    pub async fn blob(
        &self,
        r: &ImageRef,
        digest: &str,
        limit: u64,
    ) -> Result<Vec<u8>, RegistryError> {
        let host = r.registry_host().to_string();
        let what = format!("the blob {}@{}", r.repository(), digest);
        let url = format!("{}/blobs/{}", self.base(r), digest);
        let timeout = self.opts.request_timeout;
        let fetch = async {
            match self.get(r, &url, None, false, &what).await? {
                Some(resp) => self.read_capped(&host, resp, limit, &what).await,
                None => Err(RegistryError::NotFound {
                    host: host.clone(),
                    what: what.clone(),
                }),
            }
        };
        let out =
            tokio::time::timeout(timeout, fetch)
                .await
                .map_err(|_| RegistryError::Timeout {
                    host: host.clone(),
                    what: what.clone(),
                    secs: timeout.as_secs(),
                })??;
        let actual = sha256_digest(&out);
        if actual != digest {
            return Err(RegistryError::DigestMismatch {
                host,
                what,
                expected: digest.into(),
                actual,
            });
        }
        Ok(out)
    }

    /// Pushes a blob (through oci-client) unless the registry already has it.
    pub async fn push_blob(&self, r: &ImageRef, data: Vec<u8>) -> Result<String, RegistryError> {
        let host = r.registry_host().to_string();
        let digest = sha256_digest(&data);
        let what = format!("the blob {}@{}", r.repository(), digest);
        self.ensure_push_auth(r).await?;
        self.oci()?
            .push_blob(r.oci(), data, &digest)
            .await
            .map_err(|e| self.map_oci_error(&host, &what, e))?;
        Ok(digest)
    }

    /// Pushes a manifest under `tag` (through oci-client); returns its digest.
    pub async fn push_manifest(
        &self,
        r: &ImageRef,
        tag: &str,
        bytes: Vec<u8>,
        media_type: &str,
    ) -> Result<String, RegistryError> {
        let host = r.registry_host().to_string();
        let target = r.with_tag(tag);
        let digest = sha256_digest(&bytes);
        let what = format!("the manifest {}:{}", r.repository(), tag);
        self.ensure_push_auth(r).await?;
        let ct = reqwest::header::HeaderValue::from_str(media_type).map_err(|_| {
            RegistryError::Protocol {
                host: host.clone(),
                what: what.clone(),
                detail: "bad media type".into(),
            }
        })?;
        self.oci()?
            .push_manifest_raw(target.oci(), bytes, ct)
            .await
            .map_err(|e| self.map_oci_error(&host, &what, e))?;
        Ok(digest)
    }

    /// Makes sure a push-scoped token (if the registry wants one) is cached and handed to
    /// oci-client: a manifest HEAD with push scope answers the challenge.
    async fn ensure_push_auth(&self, r: &ImageRef) -> Result<(), RegistryError> {
        let key = (r.registry_host().to_string(), r.path().to_string(), true);
        let known = self
            .auth
            .lock()
            .map(|m| m.contains_key(&key))
            .unwrap_or(false);
        let open = self
            .open_hosts
            .lock()
            .map(|s| s.contains(r.registry_host()))
            .unwrap_or(false);
        if !known && !open {
            // Any push-scoped request answers the challenge; a manifest that does not exist is fine.
            let _ = self.manifest(r, "vouch-auth-probe", true).await?;
        }
        self.sync_oci_auth(r, true).await?;
        Ok(())
    }

    /// Hands our cached token for (repository, operation) to oci-client, so its requests carry
    /// it without probing `/v2/`.
    async fn sync_oci_auth(&self, r: &ImageRef, push: bool) -> Result<(), RegistryError> {
        let oci = self.oci()?;
        let host = r.registry_host().to_string();
        let cached = self.cached_auth(&host, r.path(), push);
        let op = if push {
            RegistryOperation::Push
        } else {
            RegistryOperation::Pull
        };
        match cached {
            Some(CachedAuth::Bearer { token, .. }) => {
                oci.store_auth_if_needed(&host, &RegistryAuth::Anonymous)
                    .await;
                oci.tokens
                    .insert(
                        r.oci(),
                        op,
                        RegistryTokenType::Bearer(RegistryToken::Token { token }),
                    )
                    .await;
            }
            Some(CachedAuth::Basic { .. }) => {
                if let Some(Some((u, p))) =
                    self.creds.lock().ok().and_then(|m| m.get(&host).cloned())
                {
                    oci.store_auth_if_needed(&host, &RegistryAuth::Basic(u.clone(), p.clone()))
                        .await;
                    oci.tokens
                        .insert(r.oci(), op, RegistryTokenType::Basic(u, p))
                        .await;
                }
            }
            None => {}
        }
        Ok(())
    }

    fn cached_auth(&self, host: &str, path: &str, push: bool) -> Option<CachedAuth> {
        let map = self.auth.lock().ok()?;
        let pick = |push: bool| {
            map.get(&(host.to_string(), path.to_string(), push))
                .filter(|a| match a {
                    CachedAuth::Bearer { until, .. } => *until > Instant::now(),
                    CachedAuth::Basic { .. } => true,
                })
                .cloned()
        };
        // A push token also allows pulls.
        if push {
            pick(true)
        } else {
            pick(false).or_else(|| pick(true))
        }
    }

    /// A GET with auth-challenge handling. `Ok(None)` on 404.
    async fn get(
        &self,
        r: &ImageRef,
        url: &str,
        accept: Option<&str>,
        push: bool,
        what: &str,
    ) -> Result<Option<reqwest::Response>, RegistryError> {
        let host = r.registry_host().to_string();
        let mut retried = false;
        loop {
            let mut req = self.http.get(url);
            if let Some(a) = accept {
                req = req.header(reqwest::header::ACCEPT, a);
            }
            match self.cached_auth(&host, r.path(), push) {
                Some(CachedAuth::Bearer { token, .. }) => req = req.bearer_auth(token),
                Some(CachedAuth::Basic { header }) => {
                    req = req.header(reqwest::header::AUTHORIZATION, header)
                }
                None => {}
            }
            let resp = req
                .send()
                .await
                .map_err(|e| self.map_reqwest(&host, what, e))?;
            let status = resp.status();
            if status == reqwest::StatusCode::UNAUTHORIZED && !retried {
                let challenge = resp
                    .headers()
                    .get(reqwest::header::WWW_AUTHENTICATE)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string);
                retried = true;
                if let Some(ch) = challenge {
                    if self.answer_challenge(r, &ch, push).await? {
                        continue;
                    }
                }
                return Err(RegistryError::Unauthorized {
                    host,
                    what: what.into(),
                    code: 401,
                });
            }
            if !retried {
                if let Ok(mut open) = self.open_hosts.lock() {
                    open.insert(host.clone());
                }
            }
            return match status.as_u16() {
                200 => Ok(Some(resp)),
                404 => Ok(None),
                401 | 403 => Err(RegistryError::Unauthorized {
                    host,
                    what: what.into(),
                    code: status.as_u16(),
                }),
                code => Err(RegistryError::Status {
                    host,
                    what: what.into(),
                    code,
                }),
            };
        }
    }

    /// Answers a `WWW-Authenticate` challenge; true when a retry makes sense.
    async fn answer_challenge(
        &self,
        r: &ImageRef,
        challenge: &str,
        push: bool,
    ) -> Result<bool, RegistryError> {
        let host = r.registry_host().to_string();
        let creds = self.credentials(&host).await;
        let key = (host.clone(), r.path().to_string(), push);
        let lower = challenge.trim_start().to_ascii_lowercase();
        if lower.starts_with("basic") {
            let Some((u, p)) = creds else {
                return Ok(false);
            };
            let header = format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{u}:{p}"))
            );
            if let Ok(mut m) = self.auth.lock() {
                m.insert(key, CachedAuth::Basic { header });
            }
            return Ok(true);
        }
        if !lower.starts_with("bearer") {
            return Ok(false);
        }
        let params = parse_challenge_params(challenge);
        let Some(realm) = params.get("realm") else {
            return Ok(false);
        };
        let scope = format!(
            "repository:{}:{}",
            r.path(),
            if push { "pull,push" } else { "pull" }
        );
        let mut req = self
            .http
            .get(realm.as_str())
            .query(&[("scope", scope.as_str())]);
        if let Some(service) = params.get("service") {
            req = req.query(&[("service", service.as_str())]);
        }
        if let Some((u, p)) = &creds {
            req = req.basic_auth(u, Some(p));
        }
        let what = format!("a token for {}", r.repository());
        let resp = req
            .send()
            .await
            .map_err(|e| self.map_reqwest(&host, &what, e))?;
        if !resp.status().is_success() {
            return Err(RegistryError::Unauthorized {
                host,
                what,
                code: resp.status().as_u16(),
            });
        }
        let body = self.read_capped(&host, resp, 64 * 1024, &what).await?;
        #[derive(serde::Deserialize)]
        struct TokenAnswer {
            token: Option<String>,
            access_token: Option<String>,
            expires_in: Option<u64>,
        }
        let t: TokenAnswer =
            serde_json::from_slice(&body).map_err(|_| RegistryError::Protocol {
                host: host.clone(),
                what: what.clone(),
                detail: "the token answer is not JSON".into(),
            })?;
        let Some(token) = t.token.or(t.access_token).filter(|t| !t.is_empty()) else {
            return Err(RegistryError::Protocol {
                host,
                what,
                detail: "the token answer holds no token".into(),
            });
        };
        // Keep a token a little less than it lives; registries default to 60 s.
        let secs = t.expires_in.unwrap_or(60).clamp(10, 3600).saturating_sub(5);
        if let Ok(mut m) = self.auth.lock() {
            m.insert(
                key,
                CachedAuth::Bearer {
                    token,
                    until: Instant::now() + Duration::from_secs(secs),
                },
            );
        }
        Ok(true)
    }

    async fn read_capped(
        &self,
        host: &str,
        mut resp: reqwest::Response,
        limit: u64,
        what: &str,
    ) -> Result<Vec<u8>, RegistryError> {
        if resp.content_length().is_some_and(|n| n > limit) {
            return Err(RegistryError::TooLarge {
                host: host.into(),
                what: what.into(),
                limit,
            });
        }
        let mut out = Vec::new();
        while let Some(chunk) = resp
            .chunk()
            .await
            .map_err(|e| self.map_reqwest(host, what, e))?
        {
            if out.len() as u64 + chunk.len() as u64 > limit {
                return Err(RegistryError::TooLarge {
                    host: host.into(),
                    what: what.into(),
                    limit,
                });
            }
            out.extend_from_slice(&chunk);
        }
        Ok(out)
    }

    fn map_reqwest(&self, host: &str, what: &str, e: reqwest::Error) -> RegistryError {
        if e.is_timeout() {
            RegistryError::Timeout {
                host: host.into(),
                what: what.into(),
                secs: self.opts.request_timeout.as_secs(),
            }
        } else {
            // reqwest errors carry the URL (no credentials: those travel in headers).
            let mut detail = e.to_string();
            let mut src = std::error::Error::source(&e);
            while let Some(s) = src {
                detail = format!("{detail}: {s}");
                src = s.source();
            }
            RegistryError::Unreachable {
                host: host.into(),
                detail,
            }
        }
    }

    fn map_oci_error(
        &self,
        host: &str,
        what: &str,
        e: oci_client::errors::OciDistributionError,
    ) -> RegistryError {
        use oci_client::errors::OciDistributionError as E;
        match e {
            E::UnauthorizedError { .. } => RegistryError::Unauthorized {
                host: host.into(),
                what: what.into(),
                code: 401,
            },
            E::ServerError { code: 404, .. } | E::RegistryError { .. } => RegistryError::NotFound {
                host: host.into(),
                what: what.into(),
            },
            E::ServerError { code, .. } => RegistryError::Status {
                host: host.into(),
                what: what.into(),
                code,
            },
            E::DigestError(d) => RegistryError::DigestMismatch {
                host: host.into(),
                what: what.into(),
                expected: "the digest asked for".into(),
                actual: d.to_string(),
            },
            E::RequestError(re) => self.map_reqwest(host, what, re),
            E::IoError(io) => RegistryError::Unreachable {
                host: host.into(),
                detail: io.to_string(),
            },
            other => RegistryError::Protocol {
                host: host.into(),
                what: what.into(),
                detail: other.to_string(),
            },
        }
    }

    /// Basic credentials for `host`, from the auth files or a credential helper.
    async fn credentials(&self, host: &str) -> Creds {
        if let Some(c) = self.creds.lock().ok().and_then(|m| m.get(host).cloned()) {
            return c;
        }
        let files = self.auth_files.get_or_init(load_auth_files).clone();
        let h = host.to_string();
        let found = tokio::task::spawn_blocking(move || lookup_credentials(&files, &h))
            .await
            .ok()
            .flatten();
        if let Ok(mut m) = self.creds.lock() {
            m.insert(host.to_string(), found.clone());
        }
        found
    }
}

/// Registries listed as insecure in Vouch's configuration file
/// (`{"insecure_registries": ["host:port", …]}` in [`crate::paths::config_path`]); an absent or
/// unreadable file lists none.
pub fn configured_insecure() -> Vec<String> {
    crate::config::Settings::load()
        .map(|s| s.insecure_registries)
        .unwrap_or_default()
}

/// `sha256:<hex>` of `bytes`.
pub fn sha256_digest(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

fn parse_challenge_params(challenge: &str) -> HashMap<String, String> {
    let rest = challenge
        .trim_start()
        .split_once(char::is_whitespace)
        .map(|(_, r)| r)
        .unwrap_or("");
    let mut out = HashMap::new();
    let mut s = rest;
    while !s.is_empty() {
        s = s.trim_start_matches([',', ' ']);
        let Some((k, after)) = s.split_once('=') else {
            break;
        };
        let (v, next) = if let Some(q) = after.strip_prefix('"') {
            match q.find('"') {
                Some(end) => (&q[..end], &q[end + 1..]),
                None => (q, ""),
            }
        } else {
            match after.find(',') {
                Some(end) => (&after[..end], &after[end..]),
                None => (after, ""),
            }
        };
        out.insert(k.trim().to_ascii_lowercase(), v.to_string());
        s = next;
    }
    out
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

fn lookup_credentials(files: &[serde_json::Value], host: &str) -> Creds {
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
            if let Some(c) = run_helper(helper, &helper_url) {
                return Some(c);
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
                return Some(c);
            }
        }
        if let Some(store) = file.get("credsStore").and_then(|s| s.as_str()) {
            if let Some(c) = run_helper(store, &helper_url) {
                return Some(c);
            }
        }
    }
    None
}

fn decode_auth_entry(entry: &serde_json::Value) -> Creds {
    if let Some(auth) = entry
        .get("auth")
        .and_then(|a| a.as_str())
        .filter(|a| !a.is_empty())
    {
        let raw = base64::engine::general_purpose::STANDARD
            .decode(auth.trim())
            .ok()?;
        let text = String::from_utf8(raw).ok()?;
        let (u, p) = text.split_once(':')?;
        return Some((u.to_string(), p.to_string()));
    }
    let u = entry.get("username").and_then(|v| v.as_str())?;
    let p = entry.get("password").and_then(|v| v.as_str())?;
    Some((u.to_string(), p.to_string()))
}

/// Runs `docker-credential-<name> get` with the server URL on stdin.
fn run_helper(name: &str, server: &str) -> Creds {
    use std::io::Write;
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
    {
        return None;
    }
    let mut child = std::process::Command::new(format!("docker-credential-{name}"))
        .arg("get")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .ok()?;
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(server.as_bytes());
    }
    let out = child.wait_with_output().ok()?;
    if !out.status.success() {
        return None;
    }
    #[derive(serde::Deserialize)]
    struct HelperAnswer {
        #[serde(rename = "Username")]
        username: String,
        #[serde(rename = "Secret")]
        secret: String,
    }
    let a: HelperAnswer = serde_json::from_slice(&out.stdout).ok()?;
    if a.secret.is_empty() {
        return None;
    }
    Some((a.username, a.secret))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenge_params_are_parsed() {
        let p = parse_challenge_params(
            r#"Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull""#,
        );
        assert_eq!(
            p.get("realm").map(String::as_str),
            Some("https://auth.example/token")
        );
        assert_eq!(
            p.get("service").map(String::as_str),
            Some("registry.example")
        );
        assert_eq!(
            p.get("scope").map(String::as_str),
            Some("repository:a/b:pull")
        );
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
        assert_eq!(
            lookup_credentials(&files, "index.docker.io"),
            Some(("alice".into(), "s3cret".into()))
        );
        assert_eq!(
            lookup_credentials(&files, "ghcr.io"),
            Some(("bob".into(), "pw".into()))
        );
        assert_eq!(lookup_credentials(&files, "quay.io"), None);
    }

    #[test]
    fn helper_names_are_restricted() {
        assert_eq!(run_helper("../../bin/sh", "x"), None);
        assert_eq!(run_helper("", "x"), None);
    }

    #[test]
    fn digests_are_sha256_of_bytes() {
        assert_eq!(
            sha256_digest(b""),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
