//! The bounded GET every read goes through: one reqwest client per [`Registry`], auth challenges
//! answered once (see [`super::auth`]), bodies refused above a limit before they are read.
//!
//! Invariants: no body is read past its limit (a declared `Content-Length` above it is refused
//! before reading, a stream is cut at it); a failure answer is read at most
//! [`MAX_ERROR_BODY`] bytes, and its OCI error envelope is kept ([`RegistryError::Refused`]);
//! a `404` is an absence (`Ok(None)`) only when it says nothing else. Headers carrying
//! credentials are never logged.

use super::auth::{CachedAuth, Resource};
use super::error::{ErrorEnvelope, RegistryError, TlsProblem};
use super::{Registry, RegistryOptions};
use crate::reference::ImageRef;

/// Most bytes read of a failure answer (an error envelope is a few hundred).
pub(crate) const MAX_ERROR_BODY: u64 = 64 * 1024;

/// An HTTP client of a [`Registry`]: rustls with `crate::tls`'s roots, loaded on the first
/// handshake (never, for a plain-HTTP registry), plus a host's own material when given.
pub(super) fn client(
    opts: &RegistryOptions,
    host: Option<&crate::tls::HostTls>,
) -> Result<reqwest::Client, RegistryError> {
    let tls = crate::tls::client_config_for(host).map_err(|e| RegistryError::Unreachable {
        host: "(any)".into(),
        detail: format!("could not set up TLS: {e}"),
    })?;
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .timeout(opts.request_timeout)
        .connect_timeout(opts.connect_timeout)
        .user_agent(concat!("vouch/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| RegistryError::Unreachable {
            host: "(any)".into(),
            detail: format!("could not set up the HTTP client: {e}"),
        })
}

impl Registry {
    /// A GET with auth-challenge handling. `Ok(None)` on a `404` that only says "unknown".
    pub(super) async fn get(
        &self,
        r: &ImageRef,
        url: &str,
        accept: Option<&str>,
        push: bool,
        what: &str,
    ) -> Result<Option<reqwest::Response>, RegistryError> {
        self.get_for(Resource::Repository(r), url, accept, push, what)
            .await
    }

    /// [`Registry::get`] for any resource (a repository or the catalog, each with its own
    /// token scope and auth-cache entry).
    pub(super) async fn get_for(
        &self,
        r: Resource<'_>,
        url: &str,
        accept: Option<&str>,
        push: bool,
        what: &str,
    ) -> Result<Option<reqwest::Response>, RegistryError> {
        let host = r.host().to_string();
        let mut retried = false;
        loop {
            let mut req = self.client_for(&host).get(url);
            if let Some(a) = accept {
                req = req.header(reqwest::header::ACCEPT, a);
            }
            match self.auth.get(&host, r.key(), push) {
                Some(CachedAuth::Bearer { token, .. }) => req = req.bearer_auth(token.as_str()),
                Some(CachedAuth::Basic { header }) => {
                    req = req.header(reqwest::header::AUTHORIZATION, header.as_str())
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
                return Err(self.refusal(&host, what, resp).await);
            }
            if !retried {
                self.auth.mark_open(&host);
            }
            if status == reqwest::StatusCode::OK {
                return Ok(Some(resp));
            }
            let err = self.refusal(&host, what, resp).await;
            return match err {
                RegistryError::NotFound { .. } => Ok(None),
                RegistryError::Refused {
                    status: Some(404),
                    ref envelope,
                    ..
                } if envelope.is_absence() => Ok(None),
                other => Err(other),
            };
        }
    }

    /// The error a failure answer stands for, its envelope kept (body read at most
    /// [`MAX_ERROR_BODY`] bytes; an unreadable body is no envelope).
    pub(super) async fn refusal(
        &self,
        host: &str,
        what: &str,
        resp: reqwest::Response,
    ) -> RegistryError {
        let status = resp.status().as_u16();
        let body = self
            .read_capped(host, resp, MAX_ERROR_BODY, what)
            .await
            .unwrap_or_default();
        RegistryError::from_answer(host, what, status, ErrorEnvelope::parse(&body))
    }

    /// Reads a body of at most `limit` bytes.
    pub(super) async fn read_capped(
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

    pub(super) fn map_reqwest(&self, host: &str, what: &str, e: reqwest::Error) -> RegistryError {
        match RegistryError::from_reqwest(host, what, self.opts.request_timeout, e) {
            // A server refusing "the" client certificate when none was configured asked for one
            // (TLS 1.3 servers may say `bad_certificate` where they mean `certificate_required`).
            RegistryError::Tls {
                host,
                problem: TlsProblem::ClientCertificateRefused,
            } if !self.presents_client_certificate(&host) => RegistryError::Tls {
                host,
                problem: TlsProblem::ClientCertificateRequired,
            },
            other => other,
        }
    }
}
