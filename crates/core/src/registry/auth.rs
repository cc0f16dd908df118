//! Registry auth the way docker does it: send the request, and on `401` with a `Bearer`
//! challenge fetch a repository-scoped token once, cache it, and retry; on a `Basic` challenge
//! send the person's credentials. Tokens obtained this way are handed to oci-client's token
//! cache for pushes, so those never probe `GET /v2/` either.
//!
//! Invariants: a token or a `Basic` header lives only in [`AuthCache`] and in request headers —
//! never in an error, a log or a `Debug` output; a token is dropped a little before it expires;
//! a push token also serves pulls of the same repository, never the reverse.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::Engine as _;
use oci_client::secrets::RegistryAuth;
use oci_client::token_cache::{RegistryToken, RegistryTokenType};
use oci_client::RegistryOperation;
use zeroize::Zeroizing;

use super::error::{ErrorEnvelope, RegistryError};
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
    },
}

type AuthKey = (String, String, bool);

/// Auth per (host, repository path, push?), and the hosts known to need none.
#[derive(Default)]
pub(crate) struct AuthCache {
    entries: Mutex<HashMap<AuthKey, CachedAuth>>,
    open_hosts: Mutex<HashSet<String>>,
}

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
}

impl Resource<'_> {
    pub(super) fn host(&self) -> &str {
        match self {
            Resource::Repository(r) => r.registry_host(),
            Resource::Catalog(host) => host,
        }
    }

    /// The auth-cache key: the repository path, or `_catalog` (no repository path can start
    /// with `_`, so the two never collide).
    pub(super) fn key(&self) -> &str {
        match self {
            Resource::Repository(r) => r.path(),
            Resource::Catalog(_) => "_catalog",
        }
    }

    fn scope(&self, push: bool) -> String {
        match self {
            Resource::Repository(r) => format!(
                "repository:{}:{}",
                r.path(),
                if push { "pull,push" } else { "pull" }
            ),
            Resource::Catalog(_) => "registry:catalog:*".into(),
        }
    }

    fn name(&self) -> String {
        match self {
            Resource::Repository(r) => r.repository(),
            Resource::Catalog(host) => format!("the catalog of {host}"),
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
    /// Answers a `WWW-Authenticate` challenge; true when a retry makes sense.
    pub(super) async fn answer_challenge(
        &self,
        r: Resource<'_>,
        challenge: &str,
        push: bool,
    ) -> Result<bool, RegistryError> {
        let host = r.host().to_string();
        let (realm, service) = match Challenge::parse(challenge) {
            Challenge::Unusable => return Ok(false),
            Challenge::Basic => {
                let Some(c) = self.credentials.for_host(&host).await? else {
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
                self.auth
                    .insert(&host, r.key(), push, CachedAuth::Basic { header });
                return Ok(true);
            }
            Challenge::Bearer { realm, service } => (realm, service),
        };
        let creds = self.credentials.for_host(&host).await?;
        let scope = r.scope(push);
        let mut req = self
            .client_for(&host)
            .get(realm.as_str())
            .query(&[("scope", scope.as_str())]);
        if let Some(service) = &service {
            req = req.query(&[("service", service.as_str())]);
        }
        if let Some(c) = &creds {
            req = req.basic_auth(&c.username, Some(c.password.as_str()));
        }
        let what = format!("a token for {}", r.name());
        let resp = req
            .send()
            .await
            .map_err(|e| self.map_reqwest(&host, &what, e))?;
        if !resp.status().is_success() {
            let status = resp.status().as_u16();
            let body = self
                .read_capped(&host, resp, super::http::MAX_ERROR_BODY, &what)
                .await
                .unwrap_or_default();
            // A token server's 404 is not an absence of the image: it refused the token.
            let envelope = ErrorEnvelope::parse(&body);
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
                if let Some(c) = self.credentials.known(&host).await {
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
}
