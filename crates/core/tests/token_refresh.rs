//! Token renewal against the harness's real token-auth registry (CNCF distribution with
//! `auth: token`, and the harness's token issuer; `tests/harness/services/auth.sh`). The user
//! `brief` gets tokens the registry stops accepting after a few seconds although the issuer
//! said they live 300 s (a token revoked early, or a skewed clock): the client keeps the token,
//! meets a `401` with it, asks for a new token once and retries.
//!
//! One test in this binary on purpose: it sets `REGISTRY_AUTH_FILE` for the process, before any
//! other thread runs.

use std::path::PathBuf;
use std::time::Duration;

use base64::Engine as _;
use serde_json::{json, Value};
use vouch_core::reference::ImageRef;
use vouch_core::registry::{Registry, RegistryOptions};

fn var(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is not set: needs the harness (tests/harness/services/auth.sh); run through make test")
    })
}

fn lines(path: &str) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
#[ignore = "needs the harness: run through make test (tests/harness/with-env.sh)"]
fn a_token_the_registry_stops_accepting_is_renewed_once_and_the_request_retried() {
    let addr = var("VOUCH_TEST_REGISTRY_TOKEN");
    let (user, password) = (
        var("VOUCH_TEST_TOKEN_BRIEF_USER"),
        var("VOUCH_TEST_TOKEN_BRIEF_PASSWORD"),
    );
    let lifetime: u64 = var("VOUCH_TEST_TOKEN_BRIEF_SECONDS")
        .parse()
        .expect("seconds");
    let (registry_log, issuer_log) = (
        var("VOUCH_TEST_REGISTRY_TOKEN_LOG"),
        var("VOUCH_TEST_TOKEN_ISSUER_LOG"),
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let auth: PathBuf = dir.path().join("auth.json");
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    std::fs::write(
        &auth,
        json!({"auths": {addr.as_str(): {"auth": basic}}}).to_string(),
    )
    .expect("auth.json");
    // Only thread of this test binary so far: safe to change the environment.
    std::env::set_var("REGISTRY_AUTH_FILE", &auth);

    let repo = format!("vouch/brief-{}", std::process::id());
    let r = ImageRef::parse(&format!("{addr}/{repo}:v1")).expect("reference");
    let c = Registry::new(RegistryOptions::default(), [r.registry_host()]).expect("client");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let scope = format!("\"repository:{repo}:pull\"");
    let tokens = || {
        lines(&issuer_log)
            .into_iter()
            .filter(|l| l.contains(&scope))
            .map(|l| serde_json::from_str::<Value>(&l).expect("issuer log line"))
            .collect::<Vec<_>>()
    };
    let needle = format!(" /v2/{repo}/manifests/v1 ");
    let requests = || {
        lines(&registry_log)
            .into_iter()
            .filter(|l| l.contains(&needle))
            .collect::<Vec<_>>()
    };

    // A tag that does not exist: "not there" is a clean answer that needs a valid token.
    assert!(rt
        .block_on(c.manifest(&r, "v1", false))
        .expect("with a token")
        .is_none());
    assert_eq!(tokens().len(), 1, "{:#?}", tokens());
    assert_eq!(tokens()[0]["account"], user.as_str());
    // Within its life the cached token serves the next request: no new token.
    assert!(rt
        .block_on(c.manifest(&r, "v1", false))
        .expect("cached")
        .is_none());
    assert_eq!(tokens().len(), 1, "{:#?}", tokens());

    // After the registry stopped accepting it: one 401, one new token, one retry.
    std::thread::sleep(Duration::from_secs(lifetime + 1));
    assert!(rt
        .block_on(c.manifest(&r, "v1", false))
        .expect("renewed")
        .is_none());
    assert_eq!(tokens().len(), 2, "renewed once: {:#?}", tokens());
    std::thread::sleep(Duration::from_millis(300)); // the registry logs after answering
    let seen = requests();
    let statuses: Vec<&str> = seen
        .iter()
        .filter_map(|l| l.split("HTTP/1.1\" ").nth(1)?.split(' ').next())
        .collect();
    // First: challenge, 404 with the token; second: 404 (cached); third: 401 with the stale
    // token, then 404 with the renewed one.
    assert_eq!(statuses, ["401", "404", "404", "401", "404"], "{seen:#?}");
}
