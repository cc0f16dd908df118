//! Registry access: fetches bytes, decides nothing.
//!
//! Split along its seams: `http` (the bounded GET), `auth` (challenges, tokens and their
//! cache), `credentials` (auth files and credential helpers) and [`error`]
//! ([`RegistryError`], with the registry's OCI error envelope kept); this file holds the client
//! and what it fetches and pushes.
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
//! Failures keep what the registry said: an OCI error envelope (`{"errors":[{"code":"DENIED",
//! …}]}`) becomes [`RegistryError::Refused`] with its codes, whether it came to our GET or to an
//! oci-client push; only a `404` that says nothing but "unknown" (`MANIFEST_UNKNOWN`,
//! `NAME_UNKNOWN`, `BLOB_UNKNOWN`) is an absence.
//!
//! Transport (`transport`): HTTPS with the system's roots (rustls with the platform verifier's
//! checks) plus a host's own CAs and client certificate from the `certs.d` folders containers
//! tools and docker read, or a CA file in the settings; plain HTTP only for hosts the person
//! lists as insecure and loopback hosts that do not speak TLS at all (probed once per process).
//! A certificate failure is never followed by a plain-HTTP attempt.
//!
//! Credentials come from `REGISTRY_AUTH_FILE`, the containers `auth.json`
//! (`$XDG_RUNTIME_DIR/containers/auth.json`, `~/.config/containers/auth.json`) and docker's
//! `config.json` (`auths`, `credHelpers`, `credsStore`, running `docker-credential-<name> get`
//! for at most [`RegistryOptions::credential_helper_timeout`]), in podman's and docker's order
//! (`credentials`, and docs/credentials.md). Tokens, passwords and a helper's answer are never
//! logged nor put in error messages; `check` says, per configured registry, where its
//! credentials come from and whether `GET /v2/` succeeds with them.

mod auth;
pub mod check;
mod client_push;
mod credentials;
pub mod error;
mod http;
pub mod listing;
mod transport;

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use oci_client::client::{ClientConfig, ClientProtocol};

use crate::reference::ImageRef;

use auth::AuthCache;
#[doc(hidden)]
pub use auth::{parse_www_authenticate, rejection_sentence, token_answer_is_usable};
#[doc(hidden)]
pub use credentials::{auth_file_lookups, AuthFileLookup};
pub use credentials::{CredentialEntry, CredentialSource};
use credentials::{CredentialOptions, Credentials};
pub use error::{ErrorEnvelope, HelperProblem, OciError, OciErrorCode, RegistryError, TlsProblem};
#[doc(hidden)]
pub use http::retry_after_outcome;
pub use listing::PublicAnswer;
pub use transport::ca_files_in;

/// Largest manifest accepted (issue: ≤ 4 MiB).
pub const MAX_MANIFEST_BYTES: u64 = 4 * 1024 * 1024;
/// Largest signature payload or bundle accepted (issue: ≤ 1 MiB).
pub const MAX_PAYLOAD_BYTES: u64 = 1024 * 1024;

/// Most pages of the referrers API read for one digest (a registry that keeps answering
/// `next` is cut here; [`crate::discovery::MAX_SIGNATURES`] bounds what is read of them).
pub const MAX_REFERRER_PAGES: usize = 8;

/// Every media type a manifest GET accepts.
pub const MANIFEST_ACCEPT: &str = "application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.docker.distribution.manifest.list.v2+json";

/// How to reach registries.
#[derive(Debug, Clone)]
pub struct RegistryOptions {
    /// Hosts (`host[:port]`) reached over plain HTTP (unless they have TLS material).
    pub insecure: Vec<String>,
    /// The `certs.d` roots searched for a host's CAs and client certificate
    /// ([`crate::tls::certs_d_dirs`] by default).
    pub certs_d: Vec<PathBuf>,
    /// CA files from the settings, per host (`host[:port]`), added to the host's `certs.d` CAs.
    pub ca_files: Vec<(String, PathBuf)>,
    /// Limit for one HTTP request, headers to last byte.
    pub request_timeout: Duration,
    pub connect_timeout: Duration,
    /// Longest a credential helper (`docker-credential-<name> get`) may run before it is
    /// killed and the request fails naming it.
    pub credential_helper_timeout: Duration,
}

impl Default for RegistryOptions {
    fn default() -> Self {
        RegistryOptions {
            insecure: Vec::new(),
            certs_d: crate::tls::certs_d_dirs(),
            ca_files: Vec::new(),
            request_timeout: Duration::from_secs(20),
            connect_timeout: Duration::from_secs(10),
            credential_helper_timeout: Duration::from_secs(5),
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
    /// The registry implements the API; one image index per page, in order.
    Index(Vec<Vec<u8>>),
    /// `404`: no referrers API here; use the fallback tag.
    NotSupported,
}

/// One client for a batch: connections, credentials and tokens are shared by every request.
pub struct Registry {
    /// Built on first use by a push (see the module docs: it costs two CA-bundle loads).
    oci: OnceLock<oci_client::Client>,
    /// The client of hosts without TLS material of their own.
    http: reqwest::Client,
    routes: transport::Routes,
    opts: RegistryOptions,
    auth: AuthCache,
    credentials: Credentials,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("insecure", &self.opts.insecure)
            .finish_non_exhaustive()
    }
}

impl Registry {
    /// A client for the given registries (hosts as `ImageRef::registry_host` names them; each
    /// host's route is decided on its first request, see `transport`).
    pub fn new<'a>(
        opts: RegistryOptions,
        _hosts: impl IntoIterator<Item = &'a str>,
    ) -> Result<Arc<Registry>, RegistryError> {
        let http = http::client(&opts, None)?;
        let credentials = Credentials::new(CredentialOptions {
            helper_timeout: opts.credential_helper_timeout,
            helper_path: None,
        });
        Ok(Arc::new(Registry {
            oci: OnceLock::new(),
            http,
            routes: transport::Routes::default(),
            opts,
            auth: AuthCache::default(),
            credentials,
        }))
    }

    /// The oci-client (pushes only), built on first use — after the pushed host's route is
    /// decided (every push asks for it first): plain HTTP for the hosts decided so, and the
    /// CAs of hosts with their own.
    fn oci(&self) -> Result<&oci_client::Client, RegistryError> {
        if let Some(c) = self.oci.get() {
            return Ok(c);
        }
        // Hosts listed insecure but given a CA were decided HTTPS: not in this list.
        let undecided = self.opts.insecure.iter();
        let undecided = undecided.filter(|h| self.routes.decided(h).is_none());
        let mut plain: Vec<String> = undecided.cloned().collect();
        plain.extend(self.routes.plain_hosts());
        let config = ClientConfig {
            protocol: ClientProtocol::HttpsExcept(plain),
            extra_root_certificates: self.routes.extra_roots(),
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

    async fn base(&self, r: &ImageRef) -> Result<String, RegistryError> {
        let host = r.registry_host();
        let scheme = self.scheme(host).await?;
        Ok(format!("{scheme}://{host}/v2/{}", r.path()))
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
        let url = format!("{}/manifests/{}", self.base(r).await?, selector);
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

    /// Asks the OCI 1.1 referrers API for the referrers of `digest`, following its pages
    /// (`Link: <…>; rel="next"` on the same host and path, at most [`MAX_REFERRER_PAGES`]).
    pub async fn referrers(
        &self,
        r: &ImageRef,
        digest: &str,
    ) -> Result<ReferrersAnswer, RegistryError> {
        let path = format!("/v2/{}/referrers/{}", r.path(), digest);
        let host = r.registry_host();
        let what = format!("the referrers of {}@{}", r.repository(), digest);
        let mut pages = Vec::new();
        let mut query: Option<String> = None;
        while pages.len() < MAX_REFERRER_PAGES {
            let mut url = format!("{}://{host}{path}", self.scheme(host).await?);
            if let Some(q) = query.as_deref().filter(|q| !q.is_empty()) {
                url = format!("{url}?{q}");
            }
            let accept = Some("application/vnd.oci.image.index.v1+json");
            let Some(resp) = self.get(r, &url, accept, false, &what).await? else {
                if pages.is_empty() {
                    return Ok(ReferrersAnswer::NotSupported);
                }
                // A later page that vanished: what was read so far stands.
                break;
            };
            let link = resp
                .headers()
                .get(reqwest::header::LINK)
                .map(|v| v.to_str().map(str::to_string));
            pages.push(
                self.read_capped(host, resp, MAX_MANIFEST_BYTES, &what)
                    .await?,
            );
            let protocol = |detail: String| RegistryError::Protocol {
                host: host.into(),
                what: what.clone(),
                detail,
            };
            let next = match link {
                None => None,
                Some(Err(_)) => return Err(protocol("its Link header is not text".into())),
                Some(Ok(l)) => listing::next_query(&l, &path).map_err(protocol)?,
            };
            match next {
                None => break,
                // A next page that is this page again would loop.
                Some(n) if Some(&n) == query.as_ref() => {
                    return Err(protocol("its Link header repeats the same page".into()))
                }
                Some(n) => query = Some(n),
            }
        }
        Ok(ReferrersAnswer::Index(pages))
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
        let url = format!("{}/blobs/{}", self.base(r).await?, digest);
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

    /// Pushes a blob (through oci-client, or `client_push` for a host that wants a client
    /// certificate) unless the registry already has it.
    pub async fn push_blob(&self, r: &ImageRef, data: Vec<u8>) -> Result<String, RegistryError> {
        let host = r.registry_host().to_string();
        let digest = sha256_digest(&data);
        let what = format!("the blob {}@{}", r.repository(), digest);
        let own_client = self.pushes_with_client_certificate(&host).await?;
        self.ensure_push_auth(r).await?;
        if own_client {
            self.push_blob_presenting_certificate(r, data, &digest, &what)
                .await?;
            return Ok(digest);
        }
        self.oci()?
            .push_blob(r.oci(), data, &digest)
            .await
            .map_err(|e| {
                RegistryError::from_oci_client(&host, &what, self.opts.request_timeout, e)
            })?;
        Ok(digest)
    }

    /// Pushes a manifest under `tag` (through oci-client, or `client_push` for a host that wants
    /// a client certificate); returns its digest.
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
        let own_client = self.pushes_with_client_certificate(&host).await?;
        self.ensure_push_auth(r).await?;
        if own_client {
            self.push_manifest_presenting_certificate(r, tag, bytes, media_type, &what)
                .await?;
            return Ok(digest);
        }
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
            .map_err(|e| {
                RegistryError::from_oci_client(&host, &what, self.opts.request_timeout, e)
            })?;
        Ok(digest)
    }
}

impl RegistryOptions {
    /// These options plus what `settings` say: their insecure registries and per-registry CA
    /// files.
    pub fn with_settings(mut self, settings: &crate::config::Settings) -> RegistryOptions {
        self.insecure.extend(insecure_in(settings));
        self.ca_files.extend(ca_files_in(settings));
        self
    }
}

/// Registries listed as insecure in Vouch's configuration file
/// (`{"insecure_registries": ["host:port", …]}` in [`crate::paths::config_path`], and the
/// searched `registries` marked `insecure`); an absent or unreadable file lists none.
pub fn configured_insecure() -> Vec<String> {
    insecure_in(&crate::config::Settings::load().unwrap_or_default())
}

/// The insecure registries of `settings` already loaded (see [`configured_insecure`]).
pub fn insecure_in(settings: &crate::config::Settings) -> Vec<String> {
    let searched = settings.registries.iter().filter(|r| r.insecure);
    let mut out = settings.insecure_registries.clone();
    out.extend(searched.map(|r| r.host.clone()));
    out
}

/// `sha256:<hex>` of `bytes` (its home is [`crate::oci`]; kept here for existing callers).
pub use crate::oci::sha256_digest;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::fake;
    use credentials::tests::rt;
    use std::collections::HashMap;

    const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";

    /// A client for `addr/evil/app:v1` that reads no auth file of the person running the tests.
    pub(super) fn client_for(addr: &str) -> (Arc<Registry>, ImageRef) {
        let r = ImageRef::parse(&format!("{addr}/evil/app:v1")).expect("reference");
        let opts = RegistryOptions {
            request_timeout: Duration::from_secs(5),
            ..RegistryOptions::default()
        };
        let c = Registry::new(opts, [r.registry_host()]).expect("client");
        let _ = c.credentials.files.set(Vec::new());
        (c, r)
    }

    pub(super) fn route(method: &'static str, path: &str) -> (&'static str, String) {
        (method, path.to_string())
    }

    /// A fake registry answering each `(method, path)` with an error envelope.
    fn serve_envelopes(answers: &[(&'static str, &str, u16, &str, &str)]) -> String {
        let mut routes: HashMap<_, _> = answers
            .iter()
            .map(|(m, p, status, code, msg)| (route(m, p), fake::envelope(*status, code, msg)))
            .collect();
        routes.insert(route("GET", "/v2/"), fake::Answer::new(200, b"{}"));
        fake::serve(routes).0
    }

    /// `e` is a refusal with `status` and `code`, and does not read as "not found".
    fn assert_refused(e: &RegistryError, status: u16, code: OciErrorCode) {
        assert!(
            matches!(e, RegistryError::Refused { status: Some(s), .. } if *s == status)
                && e.has_code(&code),
            "want {status} {code}: {e:?}"
        );
        let shown = e.to_string();
        assert!(shown.contains(code.as_str()), "{shown}");
        assert!(
            !shown.contains("not found") && !shown.contains('\u{1b}'),
            "{shown}"
        );
    }

    const DENIED: &str = "requested access to the resource is denied";

    /// The defect: every envelope became "not found" or a bare status. A GET keeps the code:
    /// DENIED and TOOMANYREQUESTS are refusals with their codes; a 404 that only says
    /// MANIFEST_UNKNOWN is still an absence, a 404 that says DENIED is not.
    #[test]
    fn get_answers_keep_their_oci_error_codes() {
        let m = "/v2/evil/app/manifests/";
        let addr = serve_envelopes(&[
            ("GET", &format!("{m}denied"), 403, "DENIED", DENIED),
            (
                "GET",
                &format!("{m}busy"),
                429,
                "TOOMANYREQUESTS",
                "rate\u{1b}[2J limit",
            ),
            (
                "GET",
                &format!("{m}gone"),
                404,
                "MANIFEST_UNKNOWN",
                "manifest unknown",
            ),
            ("GET", &format!("{m}hidden"), 404, "DENIED", "not yours"),
        ]);
        let (c, r) = client_for(&addr);
        rt().block_on(async {
            let get = |tag: &'static str| c.manifest(&r, tag, false);
            let e = get("denied").await.expect_err("denied");
            assert_refused(&e, 403, OciErrorCode::Denied);
            assert!(
                e.to_string()
                    .ends_with(&format!("(HTTP 403): DENIED: {DENIED}")),
                "{e}"
            );
            assert_refused(
                &get("busy").await.expect_err("busy"),
                429,
                OciErrorCode::TooManyRequests,
            );
            assert_refused(
                &get("hidden").await.expect_err("hidden"),
                404,
                OciErrorCode::Denied,
            );
            assert!(get("gone").await.expect("absent").is_none());
            assert!(get("nothing").await.expect("absent").is_none());
            let e = c
                .blob(&r, &format!("sha256:{}", "1".repeat(64)), 1024)
                .await
                .expect_err("no such blob here");
            assert!(matches!(e, RegistryError::NotFound { .. }), "{e:?}");
        });
    }

    /// The defect as reported: a denied push said the image was not found. Pushes go through
    /// oci-client; its errors keep the envelope now.
    #[test]
    fn denied_pushes_say_denied_not_not_found() {
        let addr = serve_envelopes(&[
            ("POST", "/v2/evil/app/blobs/uploads/", 403, "DENIED", DENIED),
            (
                "PUT",
                "/v2/evil/app/manifests/v1",
                404,
                "NAME_UNKNOWN",
                "repository name not known",
            ),
        ]);
        let (c, r) = client_for(&addr);
        rt().block_on(async {
            let e = c
                .push_blob(&r, b"hello".to_vec())
                .await
                .expect_err("denied");
            assert_refused(&e, 403, OciErrorCode::Denied);
            let e = c
                .push_manifest(&r, "v1", b"{}".to_vec(), OCI_MANIFEST)
                .await
                .expect_err("refused");
            assert_refused(&e, 404, OciErrorCode::NameUnknown);
        });
    }

    /// Bearer auth as docker does it: the challenge is answered with one token request, the
    /// token is cached for the next request, and when the registry still refuses (a token
    /// without the permission), the error says DENIED and holds no token.
    #[test]
    fn bearer_tokens_are_fetched_once_and_never_shown() {
        let token = "tok-s3cret-value";
        let mut routes = HashMap::new();
        let body = format!(r#"{{"token":"{token}","expires_in":300}}"#);
        routes.insert(
            route("GET", "/token"),
            fake::Answer::new(200, body.as_bytes()),
        );
        let guarded = |a: fake::Answer| fake::Answer {
            bearer: Some(token),
            ..a
        };
        let m = "/v2/evil/app/manifests/";
        let ok = fake::Answer::new(200, b"{}");
        routes.insert(route("GET", &format!("{m}v1")), guarded(ok));
        let no = fake::envelope(403, "DENIED", DENIED);
        routes.insert(route("GET", &format!("{m}v2")), guarded(no));
        let (addr, log) = fake::serve(routes);
        let (c, r) = client_for(&addr);
        rt().block_on(async {
            let got = c.manifest(&r, "v1", false).await.expect("with the token");
            assert_eq!(got.map(|m| m.bytes), Some(b"{}".to_vec()));
            let e = c.manifest(&r, "v2", false).await.expect_err("denied");
            assert_refused(&e, 403, OciErrorCode::Denied);
            assert!(!format!("{e} {e:?} {c:?}").contains(token), "{e:?}");
        });
        let log = log.lock().expect("log").clone();
        let tokens = log.iter().filter(|l| l.starts_with("GET /token")).count();
        assert_eq!(tokens, 1, "{log:?}");
        let bearer = format!("GET {m}v2 Bearer {token}");
        assert_eq!(log.last(), Some(&bearer), "{log:?}");
    }

    /// A registry asking for credentials, and a credential helper that hangs: the request fails
    /// after the helper's timeout, naming the helper, instead of never returning.
    #[cfg(unix)]
    #[test]
    fn a_hung_credential_helper_fails_the_request_in_time_and_is_named() {
        let mut routes = HashMap::new();
        routes.insert(
            route("GET", "/v2/evil/app/manifests/v1"),
            fake::Answer {
                headers: vec![("WWW-Authenticate", "Basic realm=\"fake\"".into())],
                ..fake::Answer::new(401, b"")
            },
        );
        let (addr, _) = fake::serve(routes);
        let (mut c, r) = client_for(&addr);
        let dir = tempfile::tempdir().expect("tempdir");
        credentials::tests::fixture_helper(dir.path(), "vouchtest-stuck", "exec sleep 60");
        let creds = Credentials::new(credentials::tests::opts(
            Duration::from_secs(1),
            Some(dir.path()),
        ));
        let _ = creds.files.set(vec![
            serde_json::json!({"credHelpers": {addr.as_str(): "vouchtest-stuck"}}).into(),
        ]);
        Arc::get_mut(&mut c).expect("the only handle").credentials = creds;
        let start = std::time::Instant::now();
        let e = rt()
            .block_on(c.manifest(&r, "v1", false))
            .expect_err("the helper hung");
        assert!(
            start.elapsed() < Duration::from_secs(4),
            "{:?}",
            start.elapsed()
        );
        assert!(
            matches!(&e, RegistryError::CredentialHelper { helper, problem: HelperProblem::TimedOut { .. }, .. } if helper == "docker-credential-vouchtest-stuck"),
            "{e:?}"
        );
    }

    /// The referrers API's pages: a `Link` is followed on the same host and path only, and a
    /// page naming itself as the next one ends the reading with a sentence instead of a loop.
    #[test]
    fn referrers_pages_follow_links_on_the_same_path_only() {
        let d = format!("sha256:{}", "a".repeat(64));
        let path = format!("/v2/evil/app/referrers/{d}");
        let index = br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}"#;
        let serve = |link: Option<String>| {
            let mut a = fake::Answer::new(200, index);
            a.headers.extend(link.map(|l| ("Link", l)));
            fake::serve(HashMap::from([(route("GET", &path), a)])).0
        };
        let read = |addr: String| {
            let (c, r) = client_for(&addr);
            rt().block_on(async { c.referrers(&r, &d).await })
        };
        match read(serve(None)) {
            Ok(ReferrersAnswer::Index(pages)) => assert_eq!(pages, vec![index.to_vec()]),
            other => panic!("{other:?}"),
        }
        let elsewhere = read(serve(Some(
            r#"</v2/other/referrers/x?n=1>; rel="next""#.into(),
        )));
        let e = elsewhere.expect_err("a link to another path");
        assert!(
            e.to_string().contains("points at /v2/other/referrers/x"),
            "{e}"
        );
        let again = read(serve(Some(format!(r#"<{path}?n=1&last=b>; rel="next""#))));
        let e = again.expect_err("a page that never ends");
        assert!(e.to_string().contains("repeats the same page"), "{e}");
    }

    #[test]
    fn digests_are_sha256_of_bytes() {
        assert_eq!(
            sha256_digest(b""),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
