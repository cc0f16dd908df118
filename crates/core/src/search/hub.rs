//! Docker Hub's repository search (`GET {base}/v2/search/repositories/?query=…&page_size=…`):
//! official images flagged, stars and pulls kept, rate limits respected.
//!
//! Invariants: offline (connection refused, no DNS, timeout) is a [`Note`] saying the search
//! was skipped, never an error; a `429` (or `X-RateLimit-Remaining: 0`) makes the process wait
//! the time Docker Hub named (`Retry-After`, else `X-RateLimit-Reset`) before asking again, and
//! the note says how long; a malformed answer is a sentence.

use super::{note, Candidate, HubDetails, Note, SearchCache, Source};
use crate::registry::{PublicAnswer, Registry, RegistryError};

/// The environment variable that replaces Docker Hub's address (tests, mirrors).
pub const HUB_URL_ENV: &str = "VOUCH_DOCKER_HUB_URL";
/// Docker Hub's address.
pub const HUB_URL: &str = "https://hub.docker.com";
/// Largest search answer read.
const MAX_HUB_ANSWER: u64 = 1024 * 1024;
/// What a 429 without a usable header makes us wait.
const DEFAULT_WAIT_SECS: u64 = 60;

/// Where Docker Hub is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HubOptions {
    /// Scheme, host and optional port, no trailing path (`https://hub.docker.com`).
    pub base_url: String,
}

impl Default for HubOptions {
    /// [`HUB_URL`], or [`HUB_URL_ENV`] when set.
    fn default() -> Self {
        let base_url = std::env::var(HUB_URL_ENV)
            .ok()
            .filter(|v| !v.trim().is_empty())
            .unwrap_or_else(|| HUB_URL.to_string());
        HubOptions {
            base_url: base_url.trim_end_matches('/').to_string(),
        }
    }
}

impl HubOptions {
    /// The host part of the address, for notes.
    fn host(&self) -> &str {
        let rest = self
            .base_url
            .split_once("://")
            .map(|(_, r)| r)
            .unwrap_or(&self.base_url);
        rest.split('/').next().unwrap_or(rest)
    }
}

/// Seconds to wait after a rate-limited answer: `Retry-After` (seconds), else
/// `X-RateLimit-Reset` (epoch seconds) minus `now`; `None` when neither is usable.
pub fn retry_after(answer: &PublicAnswer, now_epoch: i64) -> Option<u64> {
    if let Some(s) = answer
        .retry_after
        .as_deref()
        .and_then(|v| v.trim().parse::<u64>().ok())
    {
        return Some(s);
    }
    let reset = answer
        .rate_limit_reset
        .as_deref()
        .and_then(|v| v.trim().parse::<i64>().ok())?;
    Some(
        u64::try_from(reset.saturating_sub(now_epoch))
            .unwrap_or(0)
            .max(1),
    )
}

/// Candidates from one search answer's body.
pub fn parse_answer(body: &[u8]) -> Result<Vec<Candidate>, String> {
    #[derive(serde::Deserialize)]
    struct Answer {
        results: Vec<Hit>,
    }
    #[derive(serde::Deserialize)]
    struct Hit {
        repo_name: String,
        #[serde(default)]
        short_description: Option<String>,
        #[serde(default)]
        star_count: Option<u64>,
        #[serde(default)]
        pull_count: Option<u64>,
        #[serde(default)]
        is_official: bool,
    }
    let a: Answer = serde_json::from_slice(body)
        .map_err(|e| format!("its answer is not a search result ({e})"))?;
    Ok(a.results
        .into_iter()
        .filter_map(|h| {
            let mut c = Candidate::named(&h.repo_name, Source::DockerHub)?;
            // Only Docker Hub's own names: `repo_name` carrying a host is not one.
            if c.registry != "docker.io" {
                return None;
            }
            c.details = HubDetails {
                description: h
                    .short_description
                    .map(|d| crate::registry::error::sanitize(&d))
                    .filter(|d| !d.is_empty()),
                stars: h.star_count,
                pulls: h.pull_count,
                official: h.is_official,
            };
            Some(c)
        })
        .collect())
}

fn is_offline(e: &RegistryError) -> bool {
    matches!(
        e,
        RegistryError::Unreachable { .. } | RegistryError::Timeout { .. }
    )
}

/// Asks Docker Hub for `query`; a note when it cannot or will not answer.
pub(super) async fn search(
    registry: &Registry,
    cache: &SearchCache,
    opts: &HubOptions,
    query: &str,
    limit: usize,
) -> Result<Vec<Candidate>, Note> {
    let host = opts.host().to_string();
    let limited = |secs: u64| Note {
        retry_after_secs: Some(secs),
        ..note(
            Source::DockerHub,
            &host,
            format!("Docker Hub is limiting searches; try again in {secs} s"),
        )
    };
    if let Some(secs) = cache.hub_wait() {
        return Err(limited(secs));
    }
    let url = format!(
        "{}/v2/search/repositories/?query={}&page_size={}",
        opts.base_url,
        super::super::registry::listing::percent_encode(query.trim()),
        limit.clamp(1, 100)
    );
    let answer = registry
        .get_public(&url, &host, "the Docker Hub search", MAX_HUB_ANSWER)
        .await
        .map_err(|e| {
            let message = if is_offline(&e) {
                format!("Docker Hub was not searched: it cannot be reached from here ({e})")
            } else {
                e.to_string()
            };
            note(Source::DockerHub, &host, message)
        })?;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    if answer.status == 429 {
        let secs = retry_after(&answer, now).unwrap_or(DEFAULT_WAIT_SECS);
        cache.block_hub(secs);
        return Err(limited(secs));
    }
    if answer.status != 200 {
        return Err(note(
            Source::DockerHub,
            &host,
            format!("Docker Hub answered HTTP {} to the search", answer.status),
        ));
    }
    if answer.rate_limit_remaining.as_deref().map(str::trim) == Some("0") {
        if let Some(secs) = retry_after(&answer, now) {
            cache.block_hub(secs);
        }
    }
    parse_answer(&answer.body).map_err(|detail| {
        note(
            Source::DockerHub,
            &host,
            format!("Docker Hub sent a malformed answer: {detail}"),
        )
    })
}
