//! Golden files of the verdict JSON (`vouch verify --json` prints `serde_json::to_string_pretty`
//! of a [`Verdict`]): representative verdicts built with fixed keys and a fixed clock, compared
//! with checked-in files so that no field scripts depend on changes by accident.
//!
//! - `tests/golden/verdict-*.json` hold the verdict fields as they were before typed causes
//!   (every `cause` removed, keys sorted): the comparison removes `cause` from the fresh verdict
//!   first and compares values, so a field that changes, appears or disappears fails.
//! - `ui/src/test/golden/verdict-*.json` hold the whole verdict, `cause` included, byte for byte
//!   as `vouch verify --json` prints it: the UI tests use them as fixtures.
//!
//! `VOUCH_BLESS=1 cargo test -p vouch-core --test golden` rewrites both sets.

mod common;

use std::path::{Path, PathBuf};

use common::{cosign_tag_signature, set, simple_signing as signed};

use serde_json::Value;
use time::{Duration, OffsetDateTime};
use vouch_core::keys::PrivateKey;
use vouch_core::trust::{KeyInfo, KeyStatus, Policy, PolicyMode, TrustSet, TrustedKey};
use vouch_core::verify::{evaluate, Found, Material, PlatformMaterial, Problem, Source, Verdict};

const REPO: &str = "registry.example:5000/acme/app";

fn now() -> OffsetDateTime {
    // 2027-01-15T08:00:00Z
    OffsetDateTime::from_unix_timestamp(1_800_000_000).expect("fixed time")
}

fn digest(c: char) -> String {
    format!("sha256:{}", c.to_string().repeat(64))
}

/// Fixed keys: acme (Ed25519), bob (P-256), and a stranger nobody trusts (cosign P-256).
fn acme() -> PrivateKey {
    common::private_key("ed25519-pkcs8.pem")
}
fn bob() -> PrivateKey {
    common::private_key("p256-pkcs8.pem")
}
fn stranger() -> PrivateKey {
    common::cosign_key()
}

fn trusted(k: &PrivateKey, publisher: &str, scopes: &[&str]) -> TrustedKey {
    common::trusted(
        &k.public_key(),
        publisher,
        scopes,
        now() - Duration::days(100),
    )
}

fn material(found: Vec<Found>) -> Material {
    Material {
        reference: format!("{REPO}:v1"),
        repository: REPO.into(),
        digest: digest('a'),
        digest_detail: format!("manifest sha256 computed by Vouch: {}", digest('a')),
        found,
        sources: vec![format!("cosign tag sha256-{}.sig", "a".repeat(64))],
        platforms: vec![],
    }
}

fn run(found: Vec<Found>, trust: &TrustSet) -> Verdict {
    evaluate(&material(found), trust, now())
}

/// What `evaluate` says of `found` for the image when only acme is trusted.
fn trusting_acme(found: Vec<Found>) -> Verdict {
    run(found, &acme_only())
}

fn acme_only() -> TrustSet {
    set(vec![trusted(
        &acme(),
        "acme",
        &["registry.example:5000/acme/**"],
    )])
}

/// Every representative verdict, by file name, with the `cause.code` it must carry.
fn cases() -> Vec<(&'static str, Option<&'static str>, Verdict)> {
    let ok = || signed(&acme(), REPO, &digest('a'));
    let mut revoked = trusted(&acme(), "acme", &[]);
    revoked.status = KeyStatus::Revoked;
    revoked.revoked_reason = Some("leaked in CI logs".into());
    revoked.revoked_at = Some(now() - Duration::days(2));
    let mut expired = trusted(&acme(), "acme", &[]);
    expired.expires_at = Some(now() - Duration::days(1));
    let warn = TrustSet {
        policies: vec![Policy {
            pattern: "registry.example:5000/acme/**".into(),
            mode: PolicyMode::Warn,
            threshold: 1,
        }],
        ..acme_only()
    };
    let two = TrustSet {
        policies: vec![Policy {
            pattern: "registry.example:5000/acme/*".into(),
            mode: PolicyMode::Enforce,
            threshold: 2,
        }],
        ..set(vec![
            trusted(&acme(), "acme", &[]),
            trusted(&bob(), "bob", &[]),
        ])
    };
    let mut index = material(vec![ok()]);
    index.platforms = vec![
        PlatformMaterial {
            platform: "linux/amd64".into(),
            digest: digest('b'),
            found: Ok(vec![signed(&acme(), REPO, &digest('b'))]),
        },
        PlatformMaterial {
            platform: "linux/arm64".into(),
            digest: digest('c'),
            found: Ok(vec![]),
        },
        PlatformMaterial {
            platform: "linux/s390x".into(),
            digest: digest('d'),
            found: Err("the registry answered 500 for the signature tag".into()),
        },
    ];
    let bad_payload = cosign_tag_signature(
        &acme(),
        br#"{"critical":{"type":"something else"}}"#.to_vec(),
    );
    vec![
        ("verified", None, trusting_acme(vec![ok()])),
        ("unsigned", Some("no_signatures"), trusting_acme(vec![])),
        (
            "untrusted-unknown-key",
            Some("no_trusted_key"),
            trusting_acme(vec![signed(&stranger(), REPO, &digest('a'))]),
        ),
        (
            "invalid-wrong-digest",
            Some("wrong_digest"),
            trusting_acme(vec![signed(&acme(), REPO, &digest('f'))]),
        ),
        (
            "invalid-wrong-identity",
            Some("wrong_identity"),
            trusting_acme(vec![signed(
                &acme(),
                "registry.example:5000/acme/other",
                &digest('a'),
            )]),
        ),
        (
            "invalid-broken",
            Some("broken"),
            trusting_acme(vec![Found::Broken {
                source: Source::Referrer(digest('e')),
                problem: "the registry served a blob whose bytes hash to something else".into(),
                invalid: true,
            }]),
        ),
        (
            "invalid-bad-payload",
            Some("bad_payload"),
            trusting_acme(vec![bad_payload]),
        ),
        (
            "error",
            Some("unreachable"),
            Verdict::error(
                "registry.example:5000/acme/app:v1",
                Some(REPO.into()),
                None,
                Some(acme_only().policy_for(REPO)),
                Problem::Unreachable {
                    host: "registry.example:5000".into(),
                    message: "could not reach registry.example:5000: connection refused".into(),
                },
            ),
        ),
        (
            "error-bad-reference",
            Some("bad_reference"),
            Verdict::error(
                "NOT A REFERENCE",
                None,
                None,
                None,
                Problem::BadReference {
                    input: "NOT A REFERENCE".into(),
                    message: "`NOT A REFERENCE` is not an image reference".into(),
                },
            ),
        ),
        (
            "untrusted-revoked",
            Some("revoked"),
            run(vec![ok()], &set(vec![revoked])),
        ),
        (
            "untrusted-expired",
            Some("expired"),
            run(vec![ok()], &set(vec![expired])),
        ),
        (
            "untrusted-out-of-scope",
            Some("out_of_scope"),
            run(
                vec![ok()],
                &set(vec![trusted(&acme(), "acme", &["ghcr.io/acme/**"])]),
            ),
        ),
        ("warn-unsigned", Some("no_signatures"), run(vec![], &warn)),
        (
            "untrusted-threshold",
            Some("threshold_not_met"),
            run(vec![ok()], &two),
        ),
        (
            "untrusted-notary",
            Some("notary"),
            trusting_acme(vec![Found::Notary {
                source: Source::Referrer(digest('9')),
            }]),
        ),
        (
            "untrusted-unsupported",
            Some("unsupported"),
            trusting_acme(vec![Found::Unsupported {
                source: Source::Referrer(digest('8')),
                what: "a keyless (Fulcio certificate) signature, which Vouch cannot check yet"
                    .into(),
            }]),
        ),
        (
            "index-platforms",
            None,
            evaluate(&index, &acme_only(), now()),
        ),
    ]
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `v` without the fields named in `added` (what the JSON looked like before they were added).
fn without(v: &Value, added: &[&str]) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(k, _)| !added.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), without(v, added)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(|v| without(v, added)).collect()),
        other => other.clone(),
    }
}

fn pretty(v: &Value) -> String {
    format!("{}\n", serde_json::to_string_pretty(v).expect("json"))
}

/// Compares `printed` (pretty JSON, as the CLI prints it) with the golden files named `file`:
/// the core one without the `added` fields, the UI one whole. With `VOUCH_BLESS` set, rewrites
/// both instead. Returns what is stale.
fn golden(file: &str, printed: &str, added: &[&str]) -> Vec<String> {
    let core = root().join("crates/core/tests/golden").join(file);
    let ui = root().join("ui/src/test/golden").join(file);
    let full: Value = serde_json::from_str(printed).expect("json");
    let today = pretty(&without(&full, added));
    let whole = format!("{printed}\n");
    if std::env::var_os("VOUCH_BLESS").is_some() {
        for (path, text) in [(&core, &today), (&ui, &whole)] {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).expect("mkdir");
            }
            std::fs::write(path, text).expect("write golden");
        }
        return Vec::new();
    }
    let mut stale = Vec::new();
    let want = std::fs::read_to_string(&core).unwrap_or_default();
    let want: Value = serde_json::from_str(&want).unwrap_or(Value::Null);
    if pretty(&without(&want, added)) != today {
        stale.push(format!("{file}: the fields changed:\n{today}"));
    }
    if std::fs::read_to_string(&ui).unwrap_or_default() != whole {
        stale.push(format!("ui/src/test/golden/{file} is stale"));
    }
    stale
}

fn assert_fresh(stale: Vec<String>) {
    assert!(
        stale.is_empty(),
        "{}\n(run with VOUCH_BLESS=1 to rewrite them, then review the diff)",
        stale.join("\n")
    );
}

#[test]
fn verdict_json_is_unchanged() {
    let mut stale = Vec::new();
    for (name, code, verdict) in cases() {
        let file = format!("verdict-{name}.json");
        // Exactly what `vouch verify --json` prints for one image.
        let printed = serde_json::to_string_pretty(&verdict).expect("json");
        let full: Value = serde_json::from_str(&printed).expect("json");
        if full["cause"]["code"].as_str() != code {
            stale.push(format!(
                "{file}: cause {} instead of {code:?}",
                full["cause"]
            ));
        }
        stale.extend(golden(&file, &printed, &["cause"]));
    }
    assert_fresh(stale);
}

/// `vouch key list --json` and the window's `list_keys`: the stored key fields, plus `state`.
#[test]
fn key_list_json_keeps_its_shape_and_gains_the_state() {
    let mut expiring = trusted(&bob(), "bob", &["registry.example:5000/bob/*"]);
    expiring.expires_at = Some(now() + Duration::days(3));
    let mut expired = trusted(&stranger(), "gone", &[]);
    expired.expires_at = Some(now() - Duration::days(1));
    let mut revoked = trusted(&acme(), "acme", &[]);
    revoked.status = KeyStatus::Revoked;
    revoked.revoked_reason = Some("leaked in CI logs".into());
    revoked.revoked_at = Some(now() - Duration::days(2));
    let mut active = trusted(&acme(), "acme", &["registry.example:5000/acme/**"]);
    active.expires_at = Some(now() + Duration::days(365));
    let keys = vec![active, expiring, expired, revoked];
    let infos: Vec<KeyInfo> = keys
        .iter()
        .cloned()
        .map(|k| KeyInfo::at(k, now()))
        .collect();
    let states: Vec<&str> = infos.iter().map(|k| k.state.word()).collect();
    assert_eq!(states, ["active", "expiring", "expired", "revoked"]);
    let printed = serde_json::to_string_pretty(&infos).expect("json");
    // Without `state`, exactly the stored keys' JSON (what `key list --json` printed before).
    let before: Value = serde_json::to_value(&keys).expect("json");
    let full: Value = serde_json::from_str(&printed).expect("json");
    assert_eq!(without(&full, &["state"]), before);
    assert_fresh(golden("key-states.json", &printed, &["state"]));
}
