//! Registry auth the way docker does it: send the request, and on `401` with a `Bearer`
//! challenge fetch a repository-scoped token once, cache it, and retry; on a `Basic` challenge
//! send the person's credentials. Tokens obtained this way are handed to oci-client's token
//! cache for pushes, so those never probe `GET /v2/` either.
//!
//! Tokens are cached per (registry, repository or catalog, scope) for the life of the
//! [`Registry`] — one batch. One token request per key: the first request of a key without
//! auth goes alone (the others of the batch wait for it, then use its token), so a batch of N
//! images of one repository behind a token service costs N × 3 requests + 2 (the first
//! challenge and the token). A `401` for a request that carried a token gets one new token and
//! one retry (a token revoked or expired early), never more.
//!
//! Invariants: a token or a `Basic` header lives only in [`AuthCache`] and in request headers —
//! never in an error, a log or a `Debug` output; a token is dropped a little before it expires;
//! a push token also serves pulls of the same repository, never the reverse. Requests carry it
//! only to the registry's own host: a redirect elsewhere (blob storage) drops `Authorization`
//! (reqwest removes it when the host or port changes), and credentials go only to the realm
//! the registry named.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;
use oci_client::secrets::RegistryAuth;
use oci_client::token_cache::{RegistryToken, RegistryTokenType};
use oci_client::RegistryOperation;
use zeroize::Zeroizing;

use super::credentials::CredentialSource;
use super::error::{sanitize, ErrorEnvelope, RegistryError};
use super::Registry;
use crate::reference::ImageRef;

/// Most bytes read of a token answer.
const MAX_TOKEN_ANSWER: u64 = 64 * 1024;

/// What a request to (host, repository, push?) carries. No `Debug`: it holds secrets.
#[derive(Clone)]
pub(crate) enum CachedAuth {
    Bearer {
        token: Zeroizing<String>,
        until: Instant,
    },
    Basic {
        header: Zeroizing<String>,
        /// Where the credentials came from, for the sentence when they are refused.
        source: Option<CredentialSource>,
    },
}

impl CachedAuth {
    /// Adds this auth to a request.
    pub(crate) fn apply(&self, req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match self {
            CachedAuth::Bearer { token, .. } => req.bearer_auth(token.as_str()),
            CachedAuth::Basic { header, .. } => {
                req.header(reqwest::header::AUTHORIZATION, header.as_str())
            }
        }
    }

    /// Whether two auths would send the same header.
    fn same(&self, other: &CachedAuth) -> bool {
        match (self, other) {
            (CachedAuth::Bearer { token: a, .. }, CachedAuth::Bearer { token: b, .. }) => a == b,
            (CachedAuth::Basic { header: a, .. }, CachedAuth::Basic { header: b, .. }) => a == b,
            _ => false,
        }
    }
}

type AuthKey = (String, String, bool);

/// Auth per (host, repository path, push?), and the hosts known to need none.
#[derive(Default)]
pub(crate) struct AuthCache {
    entries: Mutex<HashMap<AuthKey, CachedAuth>>,
    open_hosts: Mutex<HashSet<String>>,
    /// One lock per key: held by the request that is finding out (or renewing) the key's auth.
    flights: Mutex<HashMap<AuthKey, Arc<tokio::sync::Mutex<()>>>>,
}

/// The right to find out a key's auth; others asking for the same key wait until it is dropped.
pub(crate) type Flight = tokio::sync::OwnedMutexGuard<()>;

impl std::fmt::Debug for AuthCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthCache").finish_non_exhaustive()
    }
}

fn key(host: &str, path: &str, push: bool) -> AuthKey {
    (host.to_string(), path.to_string(), push)
}

impl AuthCache {
    /// Live auth for a request; a push token also allows pulls.
    pub(crate) fn get(&self, host: &str, path: &str, push: bool) -> Option<CachedAuth> {
        let map = self.entries.lock().ok()?;
        let pick = |push: bool| {
            map.get(&key(host, path, push))
                .filter(|a| match a {
                    CachedAuth::Bearer { until, .. } => *until > Instant::now(),
                    CachedAuth::Basic { .. } => true,
                })
                .cloned()
        };
        if push {
            pick(true)
        } else {
            pick(false).or_else(|| pick(true))
        }
    }

    fn has(&self, host: &str, path: &str, push: bool) -> bool {
        self.entries
            .lock()
            .map(|m| m.contains_key(&key(host, path, push)))
            .unwrap_or(false)
    }

    fn insert(&self, host: &str, path: &str, push: bool, auth: CachedAuth) {
        if let Ok(mut m) = self.entries.lock() {
            m.insert(key(host, path, push), auth);
        }
    }

    async fn flight(&self, host: &str, path: &str, push: bool) -> Flight {
        let lock = match self.flights.lock() {
            Ok(mut m) => m.entry(key(host, path, push)).or_default().clone(),
            // A poisoned map: no sharing, every request finds out alone (still correct).
            Err(_) => Arc::default(),
        };
        lock.lock_owned().await
    }

    /// Remembers that `host` answered without asking for auth.
    pub(crate) fn mark_open(&self, host: &str) {
        if let Ok(mut open) = self.open_hosts.lock() {
            open.insert(host.to_string());
        }
    }

    fn is_open(&self, host: &str) -> bool {
        self.open_hosts
            .lock()
            .map(|s| s.contains(host))
            .unwrap_or(false)
    }
}

/// What a request reads: a repository, or a registry's catalog (`GET /v2/_catalog`), which
/// has its own token scope (`registry:catalog:*`).
#[derive(Debug, Clone, Copy)]
pub(super) enum Resource<'a> {
    Repository(&'a ImageRef),
    /// The catalog of this host.
    Catalog(&'a str),
    /// The registry itself (`GET /v2/`): any valid token, no scope.
    Base(&'a str),
}

impl Resource<'_> {
    pub(super) fn host(&self) -> &str {
        match self {
            Resource::Repository(r) => r.registry_host(),
            Resource::Catalog(host) | Resource::Base(host) => host,
        }
    }

    /// The repository path, when this is a repository.
    fn repo(&self) -> Option<&str> {
        match self {
            Resource::Repository(r) => Some(r.path()),
            Resource::Catalog(_) | Resource::Base(_) => None,
        }
    }

    /// The auth-cache key: the repository path, or `_catalog` (no repository path can start
    /// with `_`, so the two never collide).
    pub(super) fn key(&self) -> &str {
        match self {
            Resource::Repository(r) => r.path(),
            Resource::Catalog(_) => "_catalog",
            Resource::Base(_) => "_base",
        }
    }

    fn scope(&self, push: bool) -> Option<String> {
        match self {
            Resource::Repository(r) => Some(format!(
                "repository:{}:{}",
                r.path(),
                if push { "pull,push" } else { "pull" }
            )),
            Resource::Catalog(_) => Some("registry:catalog:*".into()),
            Resource::Base(_) => None,
        }
    }

    fn name(&self) -> String {
        match self {
            Resource::Repository(r) => r.repository(),
            Resource::Catalog(host) => format!("the catalog of {host}"),
            Resource::Base(host) => format!("the registry {host}"),
        }
    }
}

/// A `WWW-Authenticate` challenge.
#[derive(Debug, PartialEq, Eq)]
enum Challenge {
    Basic,
    Bearer {
        realm: String,
        service: Option<String>,
    },
    /// A scheme we do not speak, or a `Bearer` without a realm.
    Unusable,
}

impl Challenge {
    fn parse(header: &str) -> Challenge {
        let lower = header.trim_start().to_ascii_lowercase();
        if lower.starts_with("basic") {
            return Challenge::Basic;
        }
        if !lower.starts_with("bearer") {
            return Challenge::Unusable;
        }
        let mut params = parse_challenge_params(header);
        match params.remove("realm") {
            Some(realm) => Challenge::Bearer {
                realm,
                service: params.remove("service"),
            },
            None => Challenge::Unusable,
        }
    }
}

/// What Vouch reads from a `WWW-Authenticate` header, as text (the scheme and, for `Bearer`,
/// realm and service). Exists only so the fuzz target `www_authenticate` and its corpus replay
/// can reach the private parser; the registry client never calls it.
#[doc(hidden)]
pub fn parse_www_authenticate(header: &str) -> String {
    format!("{:?}", Challenge::parse(header))
}

/// Whether a token server's answer holds a token (its lifetime parsed too), for the fuzz target
/// `token_answer` and its corpus replay. Never returns the token.
#[doc(hidden)]
pub fn token_answer_is_usable(body: &[u8]) -> bool {
    parse_token_answer(body).is_ok()
}

/// The sentence a refusal of credentials with this `body` gives (an OCI envelope or a token
/// service's `details`), for the fuzz target `error_envelope` and its corpus replay.
#[doc(hidden)]
pub fn rejection_sentence(body: &[u8]) -> String {
    rejected("registry.example", "the manifest".into(), 401, None, body).to_string()
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

/// A token server's answer: the token and how long to keep it (a little less than it lives;
/// registries default to 60 s). The error says what is wrong without quoting the answer.
fn parse_token_answer(body: &[u8]) -> Result<(Zeroizing<String>, Duration), &'static str> {
    #[derive(serde::Deserialize)]
    struct TokenAnswer {
        token: Option<String>,
        access_token: Option<String>,
        expires_in: Option<u64>,
    }
    let t: TokenAnswer =
        serde_json::from_slice(body).map_err(|_| "the token answer is not JSON")?;
    let token = t
        .token
        .filter(|t| !t.is_empty())
        .or(t.access_token)
        .filter(|t| !t.is_empty())
        .map(Zeroizing::new)
        .ok_or("the token answer holds no token")?;
    let secs = t.expires_in.unwrap_or(60).clamp(10, 3600).saturating_sub(5);
    Ok((token, Duration::from_secs(secs)))
}

impl Registry {
    /// The auth a request for `r` carries, and — when the key has none yet and the host may want
    /// some — the right to find it out: the first such request goes alone and the others wait
    /// for it, then use what it found (one challenge and one token request per key).
    pub(super) async fn auth_for_request(
        &self,
        r: Resource<'_>,
        push: bool,
    ) -> (Option<CachedAuth>, Option<Flight>) {
        let (host, key) = (r.host(), r.key());
        if let Some(a) = self.auth.get(host, key, push) {
            return (Some(a), None);
        }
        if self.auth.is_open(host) {
            return (None, None);
        }
        let flight = self.auth.flight(host, key, push).await;
        match self.auth.get(host, key, push) {
            Some(a) => (Some(a), None),
            None if self.auth.is_open(host) => (None, None),
            None => (None, Some(flight)),
        }
    }

    /// Answers a `WWW-Authenticate` challenge to a request that carried `sent`; true when a
    /// retry makes sense. Holds the key's flight while it works (taking it unless `flight`
    /// already is), and when another request renewed the key's auth meanwhile, uses that.
    pub(super) async fn answer_challenge(
        &self,
        r: Resource<'_>,
        challenge: &str,
        push: bool,
        sent: Option<&CachedAuth>,
        flight: Option<Flight>,
    ) -> Result<bool, RegistryError> {
        let host = r.host().to_string();
        let _flight = match flight {
            Some(f) => f,
            None => self.auth.flight(&host, r.key(), push).await,
        };
        if let Some(now) = self.auth.get(&host, r.key(), push) {
            if !sent.is_some_and(|s| s.same(&now)) {
                return Ok(true);
            }
        }
        let (realm, service) = match Challenge::parse(challenge) {
            Challenge::Unusable => return Ok(false),
            Challenge::Basic => {
                if matches!(sent, Some(CachedAuth::Basic { .. })) {
                    // The credentials were refused: sending them again would not help.
                    return Ok(false);
                }
                let Some(c) = self.credentials.for_repository(&host, r.repo()).await? else {
                    return Ok(false);
                };
                let header = Zeroizing::new(format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD.encode(format!(
                        "{}:{}",
                        c.username,
                        c.password.as_str()
                    ))
                ));
                let source = c.source;
                self.auth
                    .insert(&host, r.key(), push, CachedAuth::Basic { header, source });
                return Ok(true);
            }
            Challenge::Bearer { realm, service } => (realm, service),
        };
        let creds = self.credentials.for_repository(&host, r.repo()).await?;
        let what = format!("a token for {}", r.name());
        if creds.is_some() {
            self.check_realm(&host, &what, &realm).await?;
        }
        let mut req = self.client_for(&host).get(realm.as_str());
        if let Some(scope) = r.scope(push) {
            req = req.query(&[("scope", scope.as_str())]);
        }
        if let Some(service) = &service {
            req = req.query(&[("service", service.as_str())]);
        }
        if let Some(c) = &creds {
            req = req.basic_auth(&c.username, Some(c.password.as_str()));
        }
        let resp = match req.send().await {
            Ok(resp) => resp,
            Err(e) => return Err(self.map_send_error(&host, &what, e).await),
        };
        if !resp.status().is_success() {
            let status = resp.status().as_u16();
            let body = self
                .read_capped(&host, resp, super::http::MAX_ERROR_BODY, &what)
                .await
                .unwrap_or_default();
            let envelope = ErrorEnvelope::parse(&body);
            if let (Some(c), 401 | 403) = (&creds, status) {
                return Err(rejected(&host, what, status, c.source.as_ref(), &body));
            }
            // A token server's 404 is not an absence of the image: it refused the token.
            return Err(match envelope {
                None => RegistryError::Unauthorized {
                    host,
                    what,
                    code: status,
                },
                some => RegistryError::from_answer(&host, &what, status, some),
            });
        }
        let body = self
            .read_capped(&host, resp, MAX_TOKEN_ANSWER, &what)
            .await?;
        let (token, keep) =
            parse_token_answer(&body).map_err(|detail| RegistryError::Protocol {
                host: host.clone(),
                what,
                detail: detail.into(),
            })?;
        self.auth.insert(
            &host,
            r.key(),
            push,
            CachedAuth::Bearer {
                token,
                until: Instant::now() + keep,
            },
        );
        Ok(true)
    }

    /// Credentials go to a token service over HTTPS only, or over plain HTTP to a host reached
    /// that way anyway (loopback, or listed as insecure): a registry must not be able to have
    /// them sent in clear text by naming an `http://` realm.
    async fn check_realm(&self, host: &str, what: &str, realm: &str) -> Result<(), RegistryError> {
        let refuse = |detail: String| RegistryError::Protocol {
            host: host.into(),
            what: what.into(),
            detail,
        };
        let url = reqwest::Url::parse(realm)
            .map_err(|_| refuse("its challenge names a token service that is not a URL".into()))?;
        let realm_host = match (url.host_str(), url.port()) {
            (Some(h), Some(p)) => format!("{h}:{p}"),
            (Some(h), None) => h.to_string(),
            (None, _) => return Err(refuse("its token service URL names no host".into())),
        };
        let plain_anyway = url.scheme() == "http" && self.scheme(&realm_host).await? == "http";
        match url.scheme() {
            "https" => Ok(()),
            "http" if plain_anyway => Ok(()),
            "http" => Err(refuse(format!(
                "its token service {} is plain HTTP; credentials are sent only over HTTPS \
                 (or to a host listed as insecure)",
                sanitize(&realm_host)
            ))),
            _ => Err(refuse(
                "its token service URL is neither HTTPS nor HTTP".into(),
            )),
        }
    }

    /// The error for a `401` that stands after the challenge was answered: credentials refused
    /// when the request carried the person's `Basic` credentials, otherwise the registry's
    /// refusal as it said it.
    pub(super) async fn unauthorized(
        &self,
        host: &str,
        what: &str,
        sent: Option<&CachedAuth>,
        resp: reqwest::Response,
    ) -> RegistryError {
        match sent {
            Some(CachedAuth::Basic { source, .. }) => {
                let status = resp.status().as_u16();
                let body = self
                    .read_capped(host, resp, super::http::MAX_ERROR_BODY, what)
                    .await
                    .unwrap_or_default();
                rejected(host, what.to_string(), status, source.as_ref(), &body)
            }
            _ => self.refusal(host, what, resp).await,
        }
    }

    /// Whether `host` answers `GET /v2/` with the credentials Vouch finds for it (a token when
    /// it asks for one): `Ok` or the sentence saying why not.
    pub async fn check_access(&self, host: &str) -> Result<(), RegistryError> {
        let url = format!("{}://{}/v2/", self.scheme(host).await?, host);
        let what = format!("the API root of {host}");
        match self
            .get_for(Resource::Base(host), &url, None, false, &what)
            .await?
        {
            Some(_) => Ok(()),
            None => Err(RegistryError::NotFound {
                host: host.into(),
                what,
            }),
        }
    }

    /// Makes sure a push-scoped token (if the registry wants one) is cached and handed to
    /// oci-client: a manifest GET with push scope answers the challenge.
    pub(super) async fn ensure_push_auth(&self, r: &ImageRef) -> Result<(), RegistryError> {
        let host = r.registry_host();
        if !self.auth.has(host, r.path(), true) && !self.auth.is_open(host) {
            // Any push-scoped request answers the challenge; a manifest that does not exist is fine.
            let _ = self.manifest(r, "vouch-auth-probe", true).await?;
        }
        self.sync_oci_auth(r, true).await
    }

    /// Hands our cached token for (repository, operation) to oci-client, so its requests carry
    /// it without probing `/v2/`.
    async fn sync_oci_auth(&self, r: &ImageRef, push: bool) -> Result<(), RegistryError> {
        let oci = self.oci()?;
        let host = r.registry_host().to_string();
        let op = if push {
            RegistryOperation::Push
        } else {
            RegistryOperation::Pull
        };
        match self.auth.get(&host, r.path(), push) {
            Some(CachedAuth::Bearer { token, .. }) => {
                oci.store_auth_if_needed(&host, &RegistryAuth::Anonymous)
                    .await;
                oci.tokens
                    .insert(
                        r.oci(),
                        op,
                        RegistryTokenType::Bearer(RegistryToken::Token {
                            token: token.to_string(),
                        }),
                    )
                    .await;
            }
            Some(CachedAuth::Basic { .. }) => {
                if let Some(c) = self.credentials.known(&host, Some(r.path())).await {
                    let (u, p) = (c.username.clone(), c.password.to_string());
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
}

/// [`RegistryError::CredentialsRejected`] from a refusal's body: an OCI envelope, or a token
/// service's `{"details": …}` (Docker Hub), bounded and sanitized; never the credentials.
fn rejected(
    host: &str,
    what: String,
    code: u16,
    source: Option<&CredentialSource>,
    body: &[u8],
) -> RegistryError {
    let detail = match ErrorEnvelope::parse(body) {
        Some(e) => e.to_string(),
        None => serde_json::from_slice::<serde_json::Value>(body)
            .ok()
            .and_then(|v| v.get("details")?.as_str().map(sanitize))
            .unwrap_or_default(),
    };
    RegistryError::CredentialsRejected {
        host: host.into(),
        what,
        code,
        from: source.map_or_else(|| "the auth files".into(), ToString::to_string),
        detail,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::credentials::tests::rt;
    use crate::registry::tests::{client_for, route};
    use crate::test_support::fake;

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
        assert_eq!(
            Challenge::parse(r#"Bearer realm="https://auth.example/token""#),
            Challenge::Bearer {
                realm: "https://auth.example/token".into(),
                service: None
            }
        );
        assert_eq!(Challenge::parse(r#"Basic realm="x""#), Challenge::Basic);
        assert_eq!(Challenge::parse("Bearer service=x"), Challenge::Unusable);
        assert_eq!(Challenge::parse("Negotiate"), Challenge::Unusable);
    }

    #[test]
    fn token_answers_are_parsed_without_quoting_them() {
        let (t, keep) =
            parse_token_answer(br#"{"token":"","access_token":"tok-123","expires_in":300}"#)
                .expect("token");
        assert_eq!((t.as_str(), keep), ("tok-123", Duration::from_secs(295)));
        let (_, keep) = parse_token_answer(br#"{"token":"t"}"#).expect("token");
        assert_eq!(keep, Duration::from_secs(55));
        assert_eq!(
            parse_token_answer(br#"{"token":""}"#).err(),
            Some("the token answer holds no token")
        );
        assert_eq!(
            parse_token_answer(b"token=secret-123").err(),
            Some("the token answer is not JSON")
        );
    }

    #[test]
    fn push_tokens_serve_pulls_but_not_the_reverse() {
        let c = AuthCache::default();
        let bearer = |s: &str| CachedAuth::Bearer {
            token: Zeroizing::new(s.into()),
            until: Instant::now() + Duration::from_secs(60),
        };
        c.insert("h", "a/b", true, bearer("push"));
        c.insert("h", "c/d", false, bearer("pull"));
        assert!(c.get("h", "a/b", false).is_some());
        assert!(c.get("h", "c/d", true).is_none());
        assert!(c.get("h", "x/y", false).is_none());
        c.insert(
            "h",
            "e/f",
            false,
            CachedAuth::Bearer {
                token: Zeroizing::new("old".into()),
                until: Instant::now(),
            },
        );
        assert!(
            c.get("h", "e/f", false).is_none(),
            "expired tokens are dropped"
        );
        assert_eq!(format!("{c:?}"), "AuthCache { .. }");
    }

    /// A registry behind a token service (the fake stand-in: it serves one fixed token and a
    /// blob that redirects, which the harness's filesystem-backed distribution never does).
    fn token_registry(token: &'static str, blob: &[u8], storage: &str) -> (String, fake::Log) {
        token_registry_issuing(token, token, blob, storage)
    }

    /// [`token_registry`] whose token service issues `issued` while the registry accepts only
    /// `token`.
    fn token_registry_issuing(
        issued: &str,
        token: &'static str,
        blob: &[u8],
        storage: &str,
    ) -> (String, fake::Log) {
        let mut routes = HashMap::new();
        let body = format!(r#"{{"token":"{issued}","expires_in":300}}"#);
        routes.insert(
            route("GET", "/token"),
            fake::Answer::new(200, body.as_bytes()),
        );
        let guarded = |a: fake::Answer| fake::Answer {
            bearer: Some(token),
            ..a
        };
        let m = "/v2/evil/app/manifests/v1";
        routes.insert(route("GET", m), guarded(fake::Answer::new(200, b"{}")));
        let digest = crate::oci::sha256_digest(blob);
        let mut redirect = fake::Answer::new(307, b"");
        redirect
            .headers
            .push(("Location", format!("http://{storage}/storage/{digest}")));
        let b = format!("/v2/evil/app/blobs/{digest}");
        routes.insert(route("GET", &b), guarded(redirect));
        fake::serve(routes)
    }

    fn lines(log: &fake::Log) -> Vec<String> {
        log.lock().expect("log").clone()
    }

    /// Blob storage on another host (here: another port of loopback, which is another origin)
    /// never sees the registry's token: the redirect drops `Authorization`. A stand-in server:
    /// distribution with filesystem storage serves blobs itself and never redirects.
    #[test]
    fn a_redirect_to_storage_on_another_host_drops_the_token() {
        let token = "tok-never-leaves-the-registry";
        let blob = b"signature payload".to_vec();
        let digest = crate::oci::sha256_digest(&blob);
        let mut storage_routes = HashMap::new();
        storage_routes.insert(
            route("GET", &format!("/storage/{digest}")),
            fake::Answer::new(200, &blob),
        );
        let (storage, storage_log) = fake::serve(storage_routes);
        let (addr, log) = token_registry(token, &blob, &storage);
        let (c, r) = client_for(&addr);
        let got = rt().block_on(c.blob(&r, &digest, 1024)).expect("the blob");
        assert_eq!(got, blob);
        let registry = lines(&log);
        assert!(
            registry
                .iter()
                .any(|l| l.ends_with(&format!("Bearer {token}"))),
            "the registry got the token: {registry:?}"
        );
        let storage = lines(&storage_log);
        assert_eq!(
            storage,
            [format!("GET /storage/{digest} ")],
            "no Authorization"
        );
    }

    /// The defect: N images of one repository started together each met the challenge and
    /// each asked for a token. Now the first goes alone and the others use its token.
    #[test]
    fn concurrent_requests_share_one_challenge_and_one_token() {
        let (addr, log) = token_registry("tok-shared", b"x", "127.0.0.1:9");
        let (c, r) = client_for(&addr);
        let n = 8;
        rt().block_on(async {
            let gets = (0..n).map(|_| c.manifest(&r, "v1", false));
            for got in futures::future::join_all(gets).await {
                assert!(got.expect("with the token").is_some());
            }
        });
        let log = lines(&log);
        let count = |p: &str| log.iter().filter(|l| l.starts_with(p)).count();
        assert_eq!(count("GET /token"), 1, "{log:?}");
        // One challenge, then every image with the token: n + 1 manifest requests.
        assert_eq!(count("GET /v2/evil/app/manifests/v1"), n + 1, "{log:?}");
    }

    /// A token the registry stops accepting before its time (revoked, or a skewed clock) is
    /// renewed once and the request retried; a renewed token refused again is an error, not a
    /// loop of token requests.
    #[test]
    fn a_401_for_a_cached_token_renews_it_once() {
        let (addr, log) = token_registry("tok-new", b"x", "127.0.0.1:9");
        let (c, r) = client_for(&addr);
        let stale = |t: &str| CachedAuth::Bearer {
            token: Zeroizing::new(t.into()),
            until: Instant::now() + Duration::from_secs(300),
        };
        c.auth
            .insert(r.registry_host(), r.path(), false, stale("tok-revoked"));
        let got = rt().block_on(c.manifest(&r, "v1", false)).expect("renewed");
        assert!(got.is_some());
        let seen = lines(&log);
        let m = "GET /v2/evil/app/manifests/v1";
        assert_eq!(
            seen,
            [
                format!("{m} Bearer tok-revoked"),
                "GET /token ".to_string(),
                format!("{m} Bearer tok-new"),
            ]
        );

        // A token service whose fresh tokens are refused too: one renewal, then the sentence.
        let (addr, log) =
            token_registry_issuing("tok-refused", "tok-accepted", b"x", "127.0.0.1:9");
        let (c, r) = client_for(&addr);
        c.auth
            .insert(r.registry_host(), r.path(), false, stale("tok-stale"));
        let e = rt()
            .block_on(c.manifest(&r, "v1", false))
            .expect_err("refused twice");
        assert!(!format!("{e} {e:?}").contains("tok-"), "{e}");
        let seen = lines(&log);
        assert_eq!(
            seen,
            [
                format!("{m} Bearer tok-stale"),
                "GET /token ".to_string(),
                format!("{m} Bearer tok-refused"),
            ]
        );
    }

    /// A registry naming a plain-HTTP token service on a host that is not loopback nor insecure
    /// does not get the credentials sent there in clear text (an anonymous token request would
    /// still be tried: it carries nothing).
    #[test]
    fn credentials_never_go_to_a_plain_http_token_service_elsewhere() {
        let mut routes = HashMap::new();
        let challenge = "Bearer realm=\"http://tokens.example.invalid/token\",service=\"x\"";
        routes.insert(
            route("GET", "/v2/evil/app/manifests/v1"),
            fake::Answer {
                headers: vec![("WWW-Authenticate", challenge.into())],
                ..fake::Answer::new(401, b"")
            },
        );
        let (addr, _) = fake::serve(routes);
        let (mut c, r) = client_for(&addr);
        let creds = super::super::credentials::Credentials::new(
            super::super::credentials::tests::opts(Duration::from_secs(5), None),
        );
        let b64 = base64::engine::general_purpose::STANDARD.encode("alice:pw-in-clear");
        let _ = creds.files.set(vec![
            serde_json::json!({"auths": {addr.as_str(): {"auth": b64}}}).into(),
        ]);
        Arc::get_mut(&mut c).expect("the only handle").credentials = creds;
        let e = rt()
            .block_on(c.manifest(&r, "v1", false))
            .expect_err("refused before sending");
        let shown = e.to_string();
        assert!(
            shown.contains(
                "tokens.example.invalid is plain HTTP; credentials are sent only over HTTPS"
            ),
            "{shown}"
        );
        assert!(!shown.contains("pw-in-clear"), "{shown}");
    }

    /// Refused credentials are a sentence naming where they came from, never the password.
    #[test]
    fn refused_credentials_name_their_source_not_the_secret() {
        let src = CredentialSource {
            file: "/home/a/.docker/config.json".into(),
            entry: super::super::CredentialEntry::Auths {
                key: "registry.example".into(),
            },
        };
        let body = br#"{"details":"incorrect username or password"}"#;
        let e = rejected(
            "registry.example",
            "a token for x".into(),
            401,
            Some(&src),
            body,
        );
        assert_eq!(
            e.to_string(),
            "the registry registry.example refused the credentials from the `auths` entry \
             `registry.example` of /home/a/.docker/config.json for a token for x (HTTP 401): \
             incorrect username or password"
        );
    }
}
