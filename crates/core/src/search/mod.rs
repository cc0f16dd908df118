//! One search over several sources, merged and ranked: the registries the person configured
//! (their catalogs, filtered by the query), Docker Hub's repository search, and repositories
//! the person already knows of (the repositories named by trusted scopes; the history, through
//! [`known_repositories`]). Each result says where it came from, a few of its tags, which
//! trusted publishers cover it and the policy that applies.
//!
//! Invariants: a source that cannot answer (offline, refused, malformed) becomes a [`Note`] in
//! the [`SearchResults`], never an error of the whole search; the pure parts (filter, merge,
//! rank, coverage) decide everything the shells show; catalogs are cached per registry for
//! [`SearchCache`]'s time to live, in memory, per process.

pub mod hub;

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::reference::ImageRef;
use crate::registry::{Registry, RegistryError};
use crate::trust::{PolicyApplied, TrustSet};

/// Where a result came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Source {
    /// A configured registry's catalog.
    Registry,
    /// Docker Hub's repository search.
    DockerHub,
    /// A trusted key's scope without wildcards.
    TrustedScope,
    /// The person's history of checked images.
    History,
}

impl Source {
    /// How early a source ranks among equally good matches (lower first).
    fn rank(self) -> u8 {
        match self {
            Source::TrustedScope => 0,
            Source::Registry => 1,
            Source::History => 2,
            Source::DockerHub => 3,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Source::Registry => "registry",
            Source::DockerHub => "docker-hub",
            Source::TrustedScope => "trusted-scope",
            Source::History => "history",
        }
    }
}

/// One repository found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SearchResult {
    /// Normalised (`docker.io/library/nginx`).
    pub repository: String,
    /// The registry host (`docker.io`, `registry.example:5000`).
    pub registry: String,
    /// The source that found it first in rank order.
    pub source: Source,
    /// Every other source that found it too.
    #[serde(default)]
    pub also_from: Vec<Source>,
    /// A few tags (signature and attestation tags left out); more with [`tags`].
    pub tags: Vec<String>,
    /// Publishers of trusted keys and identities whose scopes cover it (active ones only), sorted.
    pub trusted_by: Vec<String>,
    /// The policy that applies to it.
    pub policy: PolicyApplied,
    /// What Docker Hub says of it (empty for other sources).
    #[serde(flatten)]
    #[cfg_attr(feature = "ts", ts(flatten))]
    pub details: HubDetails,
}

/// What Docker Hub's search says of a repository; every field absent elsewhere.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct HubDetails {
    /// Its short description.
    pub description: Option<String>,
    /// Its star count.
    pub stars: Option<u64>,
    /// Its pull count.
    pub pulls: Option<u64>,
    /// A Docker official image.
    pub official: bool,
}

impl HubDetails {
    /// Fills what `self` lacks from `other`.
    fn merge(&mut self, other: HubDetails) {
        self.description = self.description.take().or(other.description);
        self.stars = self.stars.or(other.stars);
        self.pulls = self.pulls.or(other.pulls);
        self.official |= other.official;
    }
}

/// Why a source gave nothing, or less than it could.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Note {
    pub source: Source,
    /// The registry or service it concerns.
    pub host: String,
    /// One sentence.
    pub message: String,
    /// For a rate limit: seconds until a retry makes sense.
    pub retry_after_secs: Option<u64>,
}

/// What a search found, best first, and what it could not ask.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SearchResults {
    pub results: Vec<SearchResult>,
    pub notes: Vec<Note>,
}

/// A configured registry to search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistrySource {
    /// `host[:port]`.
    pub host: String,
}

/// What to search and how much.
#[derive(Debug, Clone)]
pub struct SearchOptions {
    pub registries: Vec<RegistrySource>,
    /// Docker Hub's search, or `None` to leave it out.
    pub docker_hub: Option<hub::HubOptions>,
    /// Repositories from the person's history (the hook the history fills; empty without it).
    pub history: Vec<String>,
    /// Most results returned.
    pub limit: usize,
    /// Tags shown with each registry result.
    pub tags_per_result: usize,
    /// Names asked per catalog or tag-list request.
    pub page_size: usize,
    /// Most names read of one catalog.
    pub max_catalog: usize,
}

impl Default for SearchOptions {
    fn default() -> Self {
        SearchOptions {
            registries: Vec::new(),
            docker_hub: Some(hub::HubOptions::default()),
            history: Vec::new(),
            limit: 20,
            tags_per_result: 5,
            page_size: 100,
            max_catalog: 10_000,
        }
    }
}

/// What survives between searches in one process: catalogs (for a time to live) and Docker
/// Hub's rate-limit window.
#[derive(Debug)]
pub struct SearchCache {
    ttl: Duration,
    catalogs: Mutex<HashMap<String, (Instant, Vec<String>)>>,
    hub_blocked_until: Mutex<Option<Instant>>,
}

impl Default for SearchCache {
    fn default() -> Self {
        SearchCache::new(Duration::from_secs(300))
    }
}

impl SearchCache {
    pub fn new(ttl: Duration) -> Self {
        SearchCache {
            ttl,
            catalogs: Mutex::new(HashMap::new()),
            hub_blocked_until: Mutex::new(None),
        }
    }

    fn catalog(&self, host: &str) -> Option<Vec<String>> {
        let map = self.catalogs.lock().ok()?;
        map.get(host)
            .filter(|(at, _)| at.elapsed() < self.ttl)
            .map(|(_, names)| names.clone())
    }

    fn store_catalog(&self, host: &str, names: Vec<String>) {
        if let Ok(mut m) = self.catalogs.lock() {
            m.insert(host.to_string(), (Instant::now(), names));
        }
    }

    /// Seconds Docker Hub asked us to wait that have not passed yet. Public for the fuzz target
    /// `hub_answer` only.
    #[doc(hidden)]
    pub fn hub_wait(&self) -> Option<u64> {
        let until = (*self.hub_blocked_until.lock().ok()?)?;
        let left = until.checked_duration_since(Instant::now())?;
        Some(left.as_secs().max(1))
    }

    /// Blocks Docker Hub searches for `secs` (whatever Docker Hub sent: a wait past what the
    /// clock holds blocks for as long as it can). Public for the fuzz target `hub_answer` only.
    #[doc(hidden)]
    pub fn block_hub(&self, secs: u64) {
        let now = Instant::now();
        let until = now
            .checked_add(Duration::from_secs(secs))
            .or_else(|| now.checked_add(Duration::from_secs(u64::from(u32::MAX))))
            .unwrap_or(now);
        if let Ok(mut b) = self.hub_blocked_until.lock() {
            *b = Some(until);
        }
    }
}

/// A repository one source found, before merging.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub repository: String,
    pub registry: String,
    pub source: Source,
    pub details: HubDetails,
}

impl Candidate {
    /// A candidate named by a reference (`nginx`, `host:5000/team/app`); `None` when it is
    /// not one.
    pub fn named(name: &str, source: Source) -> Option<Candidate> {
        let repository = ImageRef::parse(name).ok()?.repository();
        // The registry as the normalised name spells it (`docker.io`, not the API host).
        let registry = repository.split('/').next().unwrap_or_default().to_string();
        Some(Candidate {
            repository,
            registry,
            source,
            details: HubDetails::default(),
        })
    }
}

/// Whether `name` matches `query`: a case-insensitive substring (an empty query matches all).
pub fn matches(name: &str, query: &str) -> bool {
    name.to_lowercase().contains(&query.trim().to_lowercase())
}

/// The hook for sources that name repositories the person already knows (their history, the
/// trusted scopes): those matching `query`, as candidates of `source`.
pub fn known_repositories(names: &[String], source: Source, query: &str) -> Vec<Candidate> {
    names
        .iter()
        .filter_map(|n| Candidate::named(n, source))
        .filter(|c| matches(&c.repository, query))
        .collect()
}

/// The repositories named by trusted keys' and identities' scopes: a scope without wildcards
/// is a repository.
pub fn scope_repositories(trust: &TrustSet) -> Vec<String> {
    let keys = trust.keys.iter().flat_map(|k| k.scopes.iter());
    let identities = trust.identities.iter().flat_map(|i| i.scopes.iter());
    let mut out: Vec<String> = keys
        .chain(identities)
        .filter(|s| !s.contains('*'))
        .cloned()
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Publishers of active trusted keys and identities whose scopes cover `repository`, sorted,
/// each once.
pub fn trusted_by(trust: &TrustSet, repository: &str, now: time::OffsetDateTime) -> Vec<String> {
    let mut out: Vec<String> = crate::trust::count_publishers(trust.vouchers_for(repository, now))
        .into_iter()
        .map(|p| p.publisher)
        .collect();
    out.sort();
    out.dedup();
    out
}

/// How well `repository` matches `query`: 0 its last segment is the query, 1 the last segment
/// starts with it, 2 the last segment contains it, 3 elsewhere.
fn match_rank(repository: &str, query: &str) -> u8 {
    let q = query.trim().to_lowercase();
    let name = repository.to_lowercase();
    let last = name.rsplit('/').next().unwrap_or(&name);
    if last == q {
        0
    } else if last.starts_with(&q) {
        1
    } else if last.contains(&q) {
        2
    } else {
        3
    }
}

/// Merges candidates by repository (the best-ranked source first, Docker Hub's figures kept
/// from whichever had them), fills coverage and policy, ranks and cuts to `limit`.
///
/// Order: how well the name matches; covered by a trusted publisher first; official images;
/// the source (trusted scope, registry, history, Docker Hub); more stars; then the name.
pub fn merge_and_rank(
    candidates: Vec<Candidate>,
    query: &str,
    trust: &TrustSet,
    now: time::OffsetDateTime,
    limit: usize,
) -> Vec<SearchResult> {
    let mut merged: Vec<SearchResult> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut sorted = candidates;
    sorted.sort_by_key(|c| c.source.rank());
    for c in sorted {
        if let Some(&i) = index.get(&c.repository) {
            let r = &mut merged[i];
            if r.source != c.source && !r.also_from.contains(&c.source) {
                r.also_from.push(c.source);
            }
            r.details.merge(c.details);
            continue;
        }
        index.insert(c.repository.clone(), merged.len());
        merged.push(SearchResult {
            trusted_by: trusted_by(trust, &c.repository, now),
            policy: trust.policy_for(&c.repository),
            repository: c.repository,
            registry: c.registry,
            source: c.source,
            also_from: Vec::new(),
            tags: Vec::new(),
            details: c.details,
        });
    }
    merged.sort_by(|a, b| {
        let key = |r: &SearchResult| {
            (
                match_rank(&r.repository, query),
                r.trusted_by.is_empty(),
                !r.details.official,
                r.source.rank(),
                std::cmp::Reverse(r.details.stars.unwrap_or(0)),
            )
        };
        key(a)
            .cmp(&key(b))
            .then_with(|| a.repository.cmp(&b.repository))
    });
    merged.truncate(limit);
    merged
}

/// Tags worth showing: cosign's signature, attestation and referrers-fallback tags left out.
pub fn shown_tags(tags: Vec<String>, n: usize) -> Vec<String> {
    let mut tags: Vec<String> = tags
        .into_iter()
        .filter(|t| !(t.starts_with("sha256-") || t.ends_with(".sig") || t.ends_with(".att")))
        .collect();
    // `latest` first, then newest-looking names (reverse order puts v2 before v1).
    tags.sort_by(|a, b| (b == "latest").cmp(&(a == "latest")).then_with(|| b.cmp(a)));
    tags.truncate(n);
    tags
}

/// Every tag of `repository` (a reference such as `host:5000/team/app`), through `registry`.
pub async fn tags(
    registry: &Registry,
    repository: &str,
    page_size: usize,
) -> Result<Vec<String>, SearchError> {
    let r = ImageRef::parse(repository).map_err(|e| SearchError::BadRepository {
        repository: repository.to_string(),
        detail: e.to_string(),
    })?;
    Ok(registry
        .tags(
            &r,
            page_size,
            crate::registry::listing::MAX_LIST_PAGES * page_size.max(1),
        )
        .await?)
}

/// Why [`tags`] could not answer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SearchError {
    #[error("`{repository}` is not a repository name: {detail}")]
    BadRepository { repository: String, detail: String },
    #[error(transparent)]
    Registry(#[from] RegistryError),
}

fn note(source: Source, host: &str, message: String) -> Note {
    Note {
        source,
        host: host.to_string(),
        message,
        retry_after_secs: None,
    }
}

/// The catalog of `host`, from the cache while it is fresh.
async fn catalog(
    registry: &Registry,
    cache: &SearchCache,
    host: &str,
    opts: &SearchOptions,
) -> Result<Vec<String>, RegistryError> {
    if let Some(names) = cache.catalog(host) {
        return Ok(names);
    }
    let names = registry
        .catalog(host, opts.page_size, opts.max_catalog)
        .await?;
    cache.store_catalog(host, names.clone());
    Ok(names)
}

/// Searches every source in `opts` for `query`, merges and ranks. `trust` decides coverage
/// and policy; `now` is when keys' standing is judged. Never fails: what a source could not
/// answer is a note.
pub async fn search(
    registry: &Registry,
    cache: &SearchCache,
    query: &str,
    opts: &SearchOptions,
    trust: &TrustSet,
    now: time::OffsetDateTime,
) -> SearchResults {
    let mut notes = Vec::new();
    let mut candidates =
        known_repositories(&scope_repositories(trust), Source::TrustedScope, query);
    candidates.extend(known_repositories(&opts.history, Source::History, query));
    let catalogs = futures::future::join_all(
        opts.registries
            .iter()
            .map(|r| catalog(registry, cache, &r.host, opts)),
    );
    let hub = async {
        match &opts.docker_hub {
            Some(h) => Some(hub::search(registry, cache, h, query, opts.limit).await),
            None => None,
        }
    };
    let (catalogs, hub) = futures::join!(catalogs, hub);
    for (src, answer) in opts.registries.iter().zip(catalogs) {
        match answer {
            Ok(names) => {
                candidates.extend(names.iter().filter(|n| matches(n, query)).filter_map(|n| {
                    Candidate::named(&format!("{}/{n}", src.host), Source::Registry)
                }))
            }
            Err(e) => notes.push(note(Source::Registry, &src.host, e.to_string())),
        }
    }
    match hub {
        Some(Ok(found)) => candidates.extend(found),
        Some(Err(n)) => notes.push(n),
        None => {}
    }
    let mut results = merge_and_rank(candidates, query, trust, now, opts.limit);
    let wanted: Vec<usize> = (0..results.len())
        .filter(|&i| results[i].source != Source::DockerHub)
        .collect();
    let fetched = futures::future::join_all(wanted.iter().map(|&i| {
        let repo = results[i].repository.clone();
        async move { tags(registry, &repo, opts.page_size).await }
    }))
    .await;
    for (i, answer) in wanted.into_iter().zip(fetched) {
        match answer {
            Ok(t) => results[i].tags = shown_tags(t, opts.tags_per_result),
            Err(e) => {
                let host = results[i].registry.clone();
                notes.push(note(results[i].source, &host, e.to_string()));
            }
        }
    }
    SearchResults { results, notes }
}

#[cfg(test)]
mod tests;
