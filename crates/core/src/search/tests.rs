use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use super::*;
use crate::keys::{Algorithm, PrivateKey};
use crate::registry::RegistryOptions;
use crate::test_support::{fake, now, policy, set, trusted};
use crate::trust::{KeyStatus, PolicyMode};

fn key() -> PrivateKey {
    PrivateKey::generate(Algorithm::Ed25519).expect("generate")
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

fn client() -> Arc<Registry> {
    let opts = RegistryOptions {
        request_timeout: Duration::from_secs(5),
        ..RegistryOptions::default()
    };
    Registry::new(opts, []).expect("client")
}

fn candidate(name: &str, source: Source) -> Candidate {
    Candidate::named(name, source).expect("a reference")
}

/// acme trusts `registry.example/acme/**`, beta (revoked) everything, gamma exactly
/// `registry.example/shop/web`; a warn policy for `registry.example/shop/*`.
fn trust() -> TrustSet {
    let mut revoked = trusted(&key(), "beta", &[]);
    revoked.status = KeyStatus::Revoked;
    let mut t = set(vec![
        trusted(&key(), "acme", &["registry.example/acme/**"]),
        revoked,
        trusted(&key(), "gamma", &["registry.example/shop/web"]),
    ]);
    t.policies
        .push(policy("registry.example/shop/*", PolicyMode::Warn, 2));
    t
}

#[test]
fn the_filter_is_a_case_insensitive_substring() {
    assert!(matches("registry.example/Team/WebApp", "weba"));
    assert!(matches("team/app", " APP "));
    assert!(matches("team/app", ""));
    assert!(!matches("team/app", "apps"));
    let names = vec!["nginx".to_string(), "team/app".into(), "Not A Name".into()];
    let found = known_repositories(&names, Source::History, "ngin");
    assert_eq!(found, vec![candidate("nginx", Source::History)]);
    assert_eq!(found[0].repository, "docker.io/library/nginx");
}

#[test]
fn scopes_without_wildcards_are_repositories() {
    assert_eq!(
        scope_repositories(&trust()),
        vec!["registry.example/shop/web"]
    );
}

#[test]
fn results_say_who_covers_them_and_which_policy_applies() {
    let t = trust();
    let found = merge_and_rank(
        vec![
            candidate("registry.example/acme/api", Source::Registry),
            candidate("registry.example/shop/web", Source::Registry),
            candidate("registry.example/other/thing", Source::Registry),
        ],
        "",
        &t,
        now(),
        10,
    );
    let by: HashMap<&str, (&[String], &PolicyApplied)> = found
        .iter()
        .map(|r| (r.repository.as_str(), (&r.trusted_by[..], &r.policy)))
        .collect();
    // The revoked key covers everything by scope but vouches for nothing.
    assert_eq!(by["registry.example/acme/api"].0, ["acme".to_string()]);
    assert_eq!(by["registry.example/shop/web"].0, ["gamma".to_string()]);
    assert!(by["registry.example/other/thing"].0.is_empty());
    let shop = by["registry.example/shop/web"].1;
    assert_eq!(
        (shop.pattern.as_deref(), shop.mode, shop.threshold),
        (Some("registry.example/shop/*"), PolicyMode::Warn, 2)
    );
    assert_eq!(by["registry.example/acme/api"].1.pattern, None);
    assert_eq!(by["registry.example/acme/api"].1.mode, PolicyMode::Enforce);
}

/// Keyless identities cover repositories like keys: their publishers are listed (once beside a
/// key of the same publisher) and their exact scopes are repositories to find.
#[test]
fn identities_cover_repositories_like_keys() {
    use crate::trust::{identity::Claims, Identity, Subject, TrustedIdentity};
    let mut t = trust();
    let id = |subject: &str| {
        Identity::new(
            "https://token.actions.githubusercontent.com",
            Subject::Exact(subject.into()),
            Claims::default(),
            None,
        )
        .expect("identity")
    };
    t.identities = vec![
        TrustedIdentity::new(id("https://x/a"), "acme", vec![], now()),
        TrustedIdentity::new(
            id("https://x/d"),
            "delta",
            vec!["registry.example/shop/cart".into()],
            now(),
        ),
    ];
    assert_eq!(
        scope_repositories(&t),
        vec!["registry.example/shop/cart", "registry.example/shop/web"]
    );
    assert_eq!(
        trusted_by(&t, "registry.example/acme/api", now()),
        ["acme".to_string()]
    );
    assert_eq!(
        trusted_by(&t, "registry.example/shop/cart", now()),
        ["acme".to_string(), "delta".to_string()]
    );
}

#[test]
fn merging_keeps_one_result_per_repository_and_ranks_it() {
    let mut hub_nginx = candidate("nginx", Source::DockerHub);
    hub_nginx.details.official = true;
    hub_nginx.details.stars = Some(20_000);
    let mut hub_fork = candidate("someone/nginx-fork", Source::DockerHub);
    hub_fork.details.stars = Some(90_000);
    let found = merge_and_rank(
        vec![
            hub_fork,
            candidate("registry.example/shop/nginx-proxy", Source::Registry),
            hub_nginx,
            candidate("nginx", Source::History),
            candidate("registry.example/acme/nginx", Source::Registry),
            candidate("registry.example/acme/web-nginx", Source::Registry),
        ],
        "nginx",
        &trust(),
        now(),
        10,
    );
    let order: Vec<&str> = found.iter().map(|r| r.repository.as_str()).collect();
    assert_eq!(
        order,
        [
            // Exact last segment: covered by a trusted publisher first, then official.
            "registry.example/acme/nginx",
            "docker.io/library/nginx",
            // The segment starts with the query: by source, then stars.
            "registry.example/shop/nginx-proxy",
            "docker.io/someone/nginx-fork",
            // Contains it.
            "registry.example/acme/web-nginx",
        ]
    );
    // The history and Docker Hub both found nginx: one result, Docker Hub's figures kept.
    let nginx = &found[1];
    assert_eq!(
        (nginx.source, &nginx.also_from[..]),
        (Source::History, &[Source::DockerHub][..])
    );
    assert_eq!(
        (nginx.details.official, nginx.details.stars),
        (true, Some(20_000))
    );
    assert_eq!(nginx.registry, "docker.io");
    let cut = merge_and_rank(found_candidates(), "a", &trust(), now(), 2);
    assert_eq!(cut.len(), 2);
}

fn found_candidates() -> Vec<Candidate> {
    ["a/a", "b/a", "c/a"]
        .iter()
        .map(|n| candidate(n, Source::Registry))
        .collect()
}

#[test]
fn signature_tags_are_not_shown() {
    let tags = [
        "v1",
        "sha256-abc.sig",
        "latest",
        "v2",
        "sha256-abc.att",
        "sha256-abc",
    ];
    let shown = shown_tags(tags.iter().map(|t| t.to_string()).collect(), 2);
    assert_eq!(shown, ["latest", "v2"]);
}

fn hub_answer(status: u16, headers: Vec<(&'static str, String)>, body: &[u8]) -> String {
    let mut a = fake::Answer::new(status, body);
    a.headers = headers;
    let routes = HashMap::from([(("GET", "/v2/search/repositories/".to_string()), a)]);
    let (addr, _) = fake::serve(routes);
    format!("http://{addr}")
}

/// `search` with no trust set, a fresh cache and a fresh client.
fn search_untrusted(query: &str, opts: &SearchOptions) -> SearchResults {
    let cache = SearchCache::default();
    rt().block_on(search(
        &client(),
        &cache,
        query,
        opts,
        &TrustSet::default(),
        now(),
    ))
}

fn hub_only(base_url: String) -> SearchOptions {
    SearchOptions {
        docker_hub: Some(hub::HubOptions { base_url }),
        ..SearchOptions::default()
    }
}

/// A stand-in for Docker Hub on 127.0.0.1 (this machine has no network): its answer is read
/// into flagged, normalised results.
#[test]
fn docker_hub_results_are_normalised_and_flagged() {
    let body = serde_json::json!({"count": 2, "results": [
        {"repo_name": "nginx", "short_description": "Official build\u{1b}[2J of Nginx.", "star_count": 20000, "pull_count": 1_000_000_000u64, "is_official": true},
        {"repo_name": "bitnami/nginx", "star_count": 100, "pull_count": 5, "is_official": false},
        {"repo_name": "evil.example/x", "star_count": 1}
    ]});
    let base = hub_answer(200, vec![], &serde_json::to_vec(&body).expect("json"));
    let out = search_untrusted("nginx", &hub_only(base));
    assert!(out.notes.is_empty(), "{:?}", out.notes);
    let names: Vec<&str> = out.results.iter().map(|r| r.repository.as_str()).collect();
    assert_eq!(
        names,
        ["docker.io/library/nginx", "docker.io/bitnami/nginx"]
    );
    let n = &out.results[0];
    assert!(n.details.official);
    assert_eq!(
        (n.details.stars, n.details.pulls),
        (Some(20000), Some(1_000_000_000))
    );
    assert_eq!(
        n.details.description.as_deref(),
        Some("Official build [2J of Nginx.")
    );
    assert_eq!(n.source, Source::DockerHub);
}

/// A stand-in for Docker Hub answering 429: the note says when to retry, and the next search
/// in the window does not ask again.
#[test]
fn a_rate_limited_docker_hub_says_when_to_retry_and_is_left_alone() {
    let mut a = fake::Answer::new(429, b"{\"message\":\"slow down\"}");
    a.headers = vec![("Retry-After", "30".into())];
    let routes = HashMap::from([(("GET", "/v2/search/repositories/".to_string()), a)]);
    let (addr, log) = fake::serve(routes);
    let opts = hub_only(format!("http://{addr}"));
    let cache = SearchCache::default();
    let c = client();
    for _ in 0..2 {
        let out = rt().block_on(search(&c, &cache, "x", &opts, &TrustSet::default(), now()));
        assert!(out.results.is_empty());
        let n = &out.notes[..];
        assert_eq!(n.len(), 1, "{n:?}");
        assert_eq!(n[0].source, Source::DockerHub);
        let secs = n[0].retry_after_secs.expect("a retry time");
        assert!((29..=30).contains(&secs), "{secs}");
        assert!(
            n[0].message.contains(&format!("try again in {secs} s")),
            "{}",
            n[0].message
        );
    }
    assert_eq!(
        log.lock().expect("log").len(),
        1,
        "the second search asked again"
    );
}

#[test]
fn retry_times_come_from_retry_after_or_the_reset_time() {
    let answer = |retry: Option<&str>, reset: Option<&str>| crate::registry::PublicAnswer {
        status: 429,
        retry_after: retry.map(str::to_string),
        rate_limit_reset: reset.map(str::to_string),
        rate_limit_remaining: Some("0".into()),
        body: Vec::new(),
    };
    assert_eq!(
        hub::retry_after(&answer(Some("12"), Some("2000")), 1000),
        Some(12)
    );
    assert_eq!(
        hub::retry_after(&answer(None, Some("1090")), 1000),
        Some(90)
    );
    assert_eq!(hub::retry_after(&answer(None, Some("900")), 1000), Some(1));
    assert_eq!(
        hub::retry_after(&answer(Some("soon"), Some("x")), 1000),
        None
    );
    assert_eq!(hub::retry_after(&answer(None, None), 1000), None);
}

/// Found by the fuzz target `hub_answer`: a 429 whose `Retry-After` (or `X-RateLimit-Reset`)
/// is past what the clock holds panicked when the block was stored. Docker Hub stays blocked.
#[test]
fn a_retry_time_past_the_clock_blocks_docker_hub_without_a_panic() {
    let cache = SearchCache::default();
    cache.block_hub(u64::MAX);
    let left = cache.hub_wait().expect("still blocked");
    assert!(left > 100 * 365 * 24 * 3600, "blocked for only {left} s");
}

/// Offline: nothing listens where Docker Hub should be. The search still answers, with a note.
#[test]
fn offline_docker_hub_is_skipped_with_a_note() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let out = search_untrusted("x", &hub_only(format!("http://127.0.0.1:{port}")));
    assert_eq!(out.notes.len(), 1, "{:?}", out.notes);
    assert!(
        out.notes[0]
            .message
            .starts_with("Docker Hub was not searched"),
        "{}",
        out.notes[0].message
    );
    assert!(out.results.is_empty());
}

#[test]
fn a_malformed_docker_hub_answer_is_a_sentence() {
    let base = hub_answer(200, vec![], b"{\"results\": 3}");
    let out = search_untrusted("x", &hub_only(base));
    assert!(
        out.notes[0]
            .message
            .starts_with("Docker Hub sent a malformed answer"),
        "{:?}",
        out.notes
    );
}

/// A faulty stand-in registry whose catalog's `Link` header repeats the same page, or is not a
/// link: a note each, not a hang nor a panic.
#[test]
fn malformed_catalogs_are_notes() {
    for (link, body, want) in [
        (
            r#"</v2/_catalog?last=b&n=2>; rel="next""#,
            r#"{"repositories":["a","b"]}"#,
            "repeats the same page",
        ),
        (
            "garbage",
            r#"{"repositories":["a"]}"#,
            "does not start with `<`",
        ),
        ("", r#"{"repositories":[1]}"#, "holds a non-string"),
        ("", "<html>", "is not JSON"),
    ] {
        let mut a = fake::Answer::new(200, body.as_bytes());
        if !link.is_empty() {
            a.headers.push(("Link", link.to_string()));
        }
        let routes = HashMap::from([(("GET", "/v2/_catalog".to_string()), a)]);
        let (addr, _) = fake::serve(routes);
        let opts = SearchOptions {
            registries: vec![RegistrySource { host: addr.clone() }],
            docker_hub: None,
            page_size: 2,
            ..SearchOptions::default()
        };
        let out = search_untrusted("", &opts);
        assert!(out.results.is_empty());
        assert_eq!(out.notes.len(), 1, "{:?}", out.notes);
        let m = &out.notes[0].message;
        assert!(
            m.starts_with(&format!(
                "the registry {addr} sent a malformed answer for the catalog of {addr}"
            )),
            "{m}"
        );
        assert!(m.contains(want), "{m}");
    }
}

/// A stand-in registry whose catalog and tag list need a Bearer token (the token server is the
/// same stand-in): the catalog is read under its own auth-cache entry, and a result's tags
/// under its repository's.
#[test]
fn catalogs_behind_a_token_are_read() {
    let ok = |body: &str| fake::Answer {
        bearer: Some("t0k3n"),
        ..fake::Answer::new(200, body.as_bytes())
    };
    let routes = HashMap::from([
        (
            ("GET", "/token".to_string()),
            fake::Answer::new(200, br#"{"token":"t0k3n","expires_in":300}"#),
        ),
        (
            ("GET", "/v2/_catalog".to_string()),
            ok(r#"{"repositories":["team/app","team/db"]}"#),
        ),
        (
            ("GET", "/v2/team/app/tags/list".to_string()),
            ok(r#"{"name":"team/app","tags":["v1","sha256-x.sig"]}"#),
        ),
    ]);
    let (addr, log) = fake::serve(routes);
    let opts = SearchOptions {
        registries: vec![RegistrySource { host: addr.clone() }],
        docker_hub: None,
        ..SearchOptions::default()
    };
    let out = search_untrusted("APP", &opts);
    assert!(out.notes.is_empty(), "{:?}", out.notes);
    assert_eq!(out.results.len(), 1);
    assert_eq!(out.results[0].repository, format!("{addr}/team/app"));
    assert_eq!(out.results[0].tags, ["v1"]);
    let seen = log.lock().expect("log").clone();
    let tokens = seen.iter().filter(|l| l.starts_with("GET /token")).count();
    // One token for the catalog, one for the repository: different scopes.
    assert_eq!(tokens, 2, "{seen:?}");
    assert!(
        seen.contains(&"GET /v2/_catalog Bearer t0k3n".to_string()),
        "{seen:?}"
    );
}

/// A catalog is served from the cache per registry while its time to live lasts, then read
/// again (`catalog` asks the registry only when the cache has nothing fresh).
#[test]
fn catalogs_are_cached_per_registry_for_their_time_to_live() {
    let names = vec!["acme/app".to_string()];
    let cache = SearchCache::new(Duration::from_secs(300));
    assert_eq!(cache.catalog("a.example"), None, "nothing cached yet");
    cache.store_catalog("a.example", names.clone());
    assert_eq!(cache.catalog("a.example"), Some(names.clone()));
    assert_eq!(cache.catalog("b.example"), None, "per registry");
    let expired = SearchCache::new(Duration::ZERO);
    expired.store_catalog("a.example", names);
    assert_eq!(expired.catalog("a.example"), None, "past its time to live");
}
