//! The bounded GET every read goes through: one reqwest client per [`Registry`], auth challenges
//! answered once (see [`super::auth`]), bodies refused above a limit before they are read.
//!
//! Invariants: no body is read past its limit (a declared `Content-Length` above it is refused
//! before reading, a stream is cut at it); a failure answer is read at most
//! [`MAX_ERROR_BODY`] bytes, and its OCI error envelope is kept ([`RegistryError::Refused`]);
//! a `404` is an absence (`Ok(None)`) only when it says nothing else. Headers carrying
//! credentials are never logged.
//!
//! Retries: a GET (idempotent; pushes go through oci-client and are never retried) that gets
//! `429`, `500`, `502`, `503` or `504`, or fails before any answer for a reason other than a
//! timeout or a redirect, is sent again at most [`MAX_ATTEMPTS`] times in all, after
//! [`FIRST_BACKOFF`] doubled each time — or after the `Retry-After` the registry sent, when that
//! fits in what Vouch waits in all for one GET (the smaller of [`MAX_RETRY_WAIT`] and the request
//! timeout). A longer `Retry-After` ends the request at once with
//! [`RegistryError::RateLimited`], whose sentence says when to try again. Every attempt has the
//! request timeout, and the image its own limit above them.

use super::auth::Resource;
use super::error::{ErrorEnvelope, RegistryError, TlsProblem};
use super::{Registry, RegistryOptions};
use crate::reference::ImageRef;

/// How long a connection that broke without a reason is given to say what TLS made of it
/// ([`Registry::map_send_error`]): paid only after such a failure over HTTPS.
const DIAGNOSIS_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// Most bytes read of a failure answer (an error envelope is a few hundred).
pub(crate) const MAX_ERROR_BODY: u64 = 64 * 1024;
/// Most times one GET is sent (the first and the retries).
pub(crate) const MAX_ATTEMPTS: u32 = 3;
/// The wait before the first retry when the registry names none; doubled for each next one.
pub(crate) const FIRST_BACKOFF: std::time::Duration = std::time::Duration::from_millis(250);
/// Most time spent waiting between the attempts of one GET, `Retry-After` included.
pub(crate) const MAX_RETRY_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// The retry budget of one GET.
struct Retries {
    attempts: u32,
    waited: std::time::Duration,
    /// The most one GET may wait in all: [`MAX_RETRY_WAIT`], or the request timeout if shorter.
    budget: std::time::Duration,
}

impl Retries {
    fn new(request_timeout: std::time::Duration) -> Retries {
        Retries {
            attempts: 1,
            waited: std::time::Duration::ZERO,
            budget: MAX_RETRY_WAIT.min(request_timeout),
        }
    }

    /// The backoff before the next attempt, if one is left.
    fn backoff(&self) -> Option<std::time::Duration> {
        (self.attempts < MAX_ATTEMPTS).then(|| FIRST_BACKOFF * 2u32.pow(self.attempts - 1))
    }

    /// Waits `wait` and counts one more attempt.
    async fn wait(&mut self, wait: std::time::Duration) {
        self.attempts += 1;
        self.waited += wait;
        tokio::time::sleep(wait).await;
    }
}

/// Whether an answer with this status is worth sending the GET again.
fn retryable(status: reqwest::StatusCode) -> bool {
    matches!(status.as_u16(), 429 | 500 | 502 | 503 | 504)
}

/// A `Retry-After` value: delay-seconds or an HTTP date (relative to `now`); `None` when it is
/// neither.
pub(crate) fn parse_retry_after(
    value: &str,
    now: time::OffsetDateTime,
) -> Option<std::time::Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(std::time::Duration::from_secs(secs));
    }
    let at =
        time::OffsetDateTime::parse(value, &time::format_description::well_known::Rfc2822).ok()?;
    Some(std::time::Duration::try_from(at - now).unwrap_or_default())
}

/// What to do after a retryable answer that asked for `asked` (its `Retry-After`, if any):
/// `Ok(Some(wait))` go again after `wait`, `Ok(None)` no attempt left (the answer stands),
/// [`RegistryError::RateLimited`] the registry (`host`, asked for `what`, answering `status`) asks
/// for longer than the budget left. Any `Retry-After` is handled, however large: the sums
/// saturate, and a time past what the calendar holds is shown as its last second.
fn retry_decision(
    asked: Option<std::time::Duration>,
    retries: &Retries,
    now: time::OffsetDateTime,
    (host, what, status): (&str, &str, u16),
) -> Result<Option<std::time::Duration>, RegistryError> {
    let Some(backoff) = retries.backoff() else {
        return Ok(None);
    };
    let wait = asked.unwrap_or(backoff);
    if retries.waited.saturating_add(wait) <= retries.budget {
        return Ok(Some(wait));
    }
    match asked {
        Some(asked) => {
            let secs = i64::try_from(asked.as_secs()).unwrap_or(i64::MAX);
            let at = now.saturating_add(time::Duration::seconds(secs));
            Err(RegistryError::RateLimited {
                host: host.into(),
                what: what.into(),
                status,
                wait_secs: asked.as_secs().max(1),
                retry_at: super::error::utc_time(at),
            })
        }
        None => Ok(None),
    }
}

/// What a GET does after a retryable answer carrying `Retry-After: value`, on its `attempt`-th
/// attempt having waited `waited` already: the wait before the next
/// attempt, none, or [`RegistryError::RateLimited`]. Exists only so the fuzz target
/// `retry_after` and its corpus replay can reach the private parser and decision; the registry
/// client never calls it.
#[doc(hidden)]
pub fn retry_after_outcome(
    value: &str,
    attempt: u32,
    waited: std::time::Duration,
    now: time::OffsetDateTime,
) -> Result<Option<std::time::Duration>, RegistryError> {
    let retries = Retries {
        attempts: attempt.clamp(1, MAX_ATTEMPTS),
        waited,
        budget: MAX_RETRY_WAIT,
    };
    let asked = parse_retry_after(value, now);
    retry_decision(
        asked,
        &retries,
        now,
        ("registry.example", "the manifest", 429),
    )
}

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
        let mut retries = Retries::new(self.opts.request_timeout);
        loop {
            let (sent, flight) = self.auth_for_request(r, push).await;
            let mut req = self.client_for(&host).get(url);
            if let Some(a) = accept {
                req = req.header(reqwest::header::ACCEPT, a);
            }
            if let Some(a) = &sent {
                req = a.apply(req);
            }
            let resp = match req.send().await {
                Ok(resp) => resp,
                // Failed before any answer (refused, reset): an idempotent GET may go again. A
                // certificate failure would fail the same way: it is said at once.
                Err(e)
                    if !e.is_timeout()
                        && !e.is_redirect()
                        && !e.is_builder()
                        && crate::tls::failure_in(&e).is_none() =>
                {
                    match retries.backoff() {
                        Some(wait) if retries.waited + wait <= retries.budget => {
                            retries.wait(wait).await;
                            continue;
                        }
                        _ => return Err(self.map_send_error(&host, what, e).await),
                    }
                }
                Err(e) => return Err(self.map_send_error(&host, what, e).await),
            };
            let status = resp.status();
            if retryable(status) {
                if let Some(wait) = self.retry_wait(&host, what, &resp, &retries)? {
                    drop(resp);
                    retries.wait(wait).await;
                    continue;
                }
            }
            if status == reqwest::StatusCode::UNAUTHORIZED {
                let challenge = resp
                    .headers()
                    .get(reqwest::header::WWW_AUTHENTICATE)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string);
                if let (Some(ch), false) = (challenge, retried) {
                    retried = true;
                    if self
                        .answer_challenge(r, &ch, push, sent.as_ref(), flight)
                        .await?
                    {
                        continue;
                    }
                }
                return Err(self.unauthorized(&host, what, sent.as_ref(), resp).await);
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

    /// How long to wait before sending a GET again after `resp` (a retryable status): its
    /// `Retry-After` when it sent one, else the backoff. `Ok(None)`: no attempt left, the
    /// answer stands. A `Retry-After` past the budget is [`RegistryError::RateLimited`].
    fn retry_wait(
        &self,
        host: &str,
        what: &str,
        resp: &reqwest::Response,
        retries: &Retries,
    ) -> Result<Option<std::time::Duration>, RegistryError> {
        let now = time::OffsetDateTime::now_utc();
        let asked = resp
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, now));
        let status = resp.status().as_u16();
        retry_decision(asked, retries, now, (host, what, status))
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
            RegistryError::Tls { host, problem } => self.tls_refusal(host, problem),
            other => other,
        }
    }

    /// A TLS refusal, told precisely: a server refusing "the" client certificate when none was
    /// configured asked for one (TLS 1.3 servers may say `bad_certificate` where they mean
    /// `certificate_required`).
    fn tls_refusal(&self, host: String, problem: TlsProblem) -> RegistryError {
        let problem = match problem {
            TlsProblem::ClientCertificateRefused if !self.presents_client_certificate(&host) => {
                TlsProblem::ClientCertificateRequired
            }
            other => other,
        };
        RegistryError::Tls { host, problem }
    }

    /// [`Registry::map_reqwest`] for a request that failed before any answer: a connection over
    /// HTTPS that broke without a reason is asked what TLS makes of it
    /// ([`crate::tls::handshake_failure`]) — a TLS 1.3 server's refusal of a missing client
    /// certificate races the request and may reach the HTTP stack only as a closed connection.
    pub(super) async fn map_send_error(
        &self,
        host: &str,
        what: &str,
        e: reqwest::Error,
    ) -> RegistryError {
        let mapped = self.map_reqwest(host, what, e);
        let RegistryError::Unreachable { .. } = &mapped else {
            return mapped;
        };
        let Some(route) = self.routes.decided(host).filter(|r| r.scheme == "https") else {
            return mapped;
        };
        let found =
            crate::tls::handshake_failure(host, route.tls.as_deref(), DIAGNOSIS_TIMEOUT).await;
        match found.as_ref().and_then(TlsProblem::from_rustls) {
            Some(problem) => self.tls_refusal(host.to_string(), problem),
            None => mapped,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn retry_after_is_seconds_or_an_http_date() {
        let now = time::macros::datetime!(2026-11-29 21:00:00 UTC);
        assert_eq!(
            parse_retry_after(" 120 ", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_retry_after("Sun, 29 Nov 2026 21:01:30 GMT", now),
            Some(Duration::from_secs(90))
        );
        // A date already past: go again now.
        assert_eq!(
            parse_retry_after("Sun, 29 Nov 2026 20:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        for junk in ["", "soon", "-5", "1.5"] {
            assert_eq!(parse_retry_after(junk, now), None, "{junk}");
        }
    }

    /// Found by the fuzz target `retry_after`: a `Retry-After` of u64::MAX seconds panicked
    /// (the retry time overflowed the calendar on the first attempt, the sum of the waits on a
    /// later one). It is a rate limit like any other, its time the calendar's last second.
    #[test]
    fn a_retry_after_past_the_calendar_is_a_rate_limit_not_a_panic() {
        let now = time::macros::datetime!(2026-11-29 21:00:00 UTC);
        let huge = u64::MAX.to_string();
        for (attempt, waited) in [(1, Duration::ZERO), (2, FIRST_BACKOFF)] {
            match retry_after_outcome(&huge, attempt, waited, now) {
                Err(RegistryError::RateLimited {
                    wait_secs,
                    retry_at,
                    ..
                }) => {
                    assert_eq!(wait_secs, u64::MAX);
                    assert_eq!(retry_at, "9999-12-31 23:59:59 UTC");
                }
                other => panic!("attempt {attempt}: {other:?}"),
            }
        }
        // An ordinary one still fits the budget.
        assert_eq!(
            retry_after_outcome("2", 2, FIRST_BACKOFF, now).ok(),
            Some(Some(Duration::from_secs(2)))
        );
    }

    #[test]
    fn retries_are_bounded_in_number_and_in_time() {
        let mut r = Retries::new(Duration::from_secs(20));
        assert_eq!(r.budget, MAX_RETRY_WAIT);
        assert_eq!(r.backoff(), Some(FIRST_BACKOFF));
        r.attempts = 2;
        assert_eq!(r.backoff(), Some(FIRST_BACKOFF * 2));
        r.attempts = MAX_ATTEMPTS;
        assert_eq!(r.backoff(), None);
        // A short request timeout bounds the waits too.
        assert_eq!(
            Retries::new(Duration::from_secs(3)).budget,
            Duration::from_secs(3)
        );
    }
}
