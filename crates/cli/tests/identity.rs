//! `vouch identity …` (keyless publishers) against the real keychain, and how identities sit
//! beside keys: `key list --json` unchanged, thresholds, `trust export/import`.

mod common;

use common::*;
use serde_json::Value;

const GITHUB: &str = "https://token.actions.githubusercontent.com";
const GOOGLE: &str = "https://accounts.google.com";
const RELEASE_RE: &str =
    r"https://github\.com/acme/app/\.github/workflows/release\.yml@refs/tags/v[0-9.]+";

/// `vouch identity add` of the release workflow's identity (its arguments before the extras).
const ADD_RELEASE: [&str; 6] = [
    "identity",
    "add",
    "--issuer",
    GITHUB,
    "--subject-regexp",
    RELEASE_RE,
];

/// `vouch identity add --issuer GITHUB --subject-regexp RELEASE_RE [extra…]`: the id it printed.
fn add_release(env: &Env, extra: &[&str]) -> String {
    let out = env.ok(&[&ADD_RELEASE[..], extra].concat());
    let id = out.trim().to_string();
    assert!(
        id.starts_with("id:") && id.len() == 15 && !id.contains('\n'),
        "stdout is the id alone: {out:?}"
    );
    id
}

fn identities(env: &Env) -> Vec<Value> {
    serde_json::from_str(&env.ok(&["identity", "list", "--json"]))
        .expect("identity list --json is a JSON array")
}

/// `vouch identity add --issuer ISSUER --subject SUBJECT --name NAME [extra…]`.
fn add_exact(env: &Env, issuer: &str, subject: &str, name: &str, extra: &[&str]) {
    let args = ["identity", "add", "--issuer", issuer, "--subject", subject];
    env.ok(&[&args[..], &["--name", name], extra].concat());
}

/// The names of the fields of the JSON object `v`, sorted.
fn field_names(v: &Value) -> Vec<&str> {
    let mut fields: Vec<&str> = v
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    fields.sort_unstable();
    fields
}

/// `vouch policy show IMAGE --json`.
fn policy_show(env: &Env, image: &str) -> Value {
    serde_json::from_str(&env.ok(&["policy", "show", image, "--json"])).expect("json")
}

/// A user (`name`, in the harness, for `what`) who trusts one key, published by `acme`.
fn with_acme_key(what: &str, name: &str) -> Env {
    real_env(what);
    let env = Env::new(name);
    let (_, pubkey) = openssl_ed25519(env.dir.path(), "acme");
    env.add_key(&pubkey, "acme", &[]);
    env
}

fn rfc3339(t: time::OffsetDateTime) -> String {
    t.replace_nanosecond(0)
        .expect("whole seconds")
        .format(&time::format_description::well_known::Rfc3339)
        .expect("rfc3339")
}

#[test]
#[ignore = "needs the harness: run through make test (tests/harness/with-env.sh)"]
fn add_list_show_revoke_rm_persist_across_processes() {
    real_env("identity lifecycle");
    let env = Env::new("identity-life");
    let id = add_release(
        &env,
        &[
            "--name",
            "acme",
            "--scope",
            "ghcr.io/acme/**",
            "--note",
            "release workflow",
            "--expires",
            "2099-01-01T00:00:00Z",
            "--source-repository",
            "https://github.com/acme/app",
            "--trigger",
            "push",
        ],
    );
    // Adding the same identity again updates it: same id, still one. Claims are part of
    // what is trusted, so without them it is another identity.
    let claims = [
        "--source-repository",
        "https://github.com/acme/app",
        "--trigger",
        "push",
    ];
    assert_eq!(
        add_release(&env, &[&["--name", "acme"][..], &claims].concat()),
        id
    );
    let other = add_release(&env, &["--name", "acme-any"]);
    assert_ne!(other, id);
    env.ok(&["identity", "rm", &other]);

    let list = identities(&env);
    assert_eq!(list.len(), 1, "{list:?}");
    let i = &list[0];
    assert_eq!(
        field_names(i),
        [
            "added_at",
            "claims",
            "expires_at",
            "id",
            "issuer",
            "note",
            "publisher",
            "revoked_at",
            "revoked_reason",
            "scopes",
            "state",
            "status",
            "subject"
        ],
        "{i}"
    );
    assert_eq!(i["id"], id.as_str());
    assert_eq!(i["issuer"], GITHUB);
    assert_eq!(
        i["subject"],
        serde_json::json!({"kind": "regexp", "value": RELEASE_RE})
    );
    assert_eq!(
        i["claims"],
        serde_json::json!({"source_repository": "https://github.com/acme/app", "trigger": "push"})
    );
    assert_eq!(i["publisher"], "acme");
    assert_eq!(i["scopes"], serde_json::json!(["ghcr.io/acme/**"]));
    assert_eq!(i["status"], "active");
    assert_eq!(i["state"], serde_json::json!({"kind": "active"}));
    assert_eq!(i["expires_at"], "2099-01-01T00:00:00Z");

    let text = env.ok(&["identity", "list"]);
    assert!(text.starts_with(&id) && text.contains(" active "), "{text}");

    // By id (with or without `id:`) and by publisher name, the same identity.
    let shown: Value =
        serde_json::from_str(&env.ok(&["identity", "show", "acme", "--json"])).expect("json");
    assert_eq!(&shown, i);
    let bare = id.trim_start_matches("id:");
    let show = env.ok(&["identity", "show", bare]);
    for line in [
        "Publisher:   acme".to_string(),
        format!("Id:          {id}"),
        format!("Issuer:      {GITHUB}"),
        format!("Subject:     {RELEASE_RE} (regexp)"),
        "Requires:    build trigger push (1.3.6.1.4.1.57264.1.20)".to_string(),
        "Root:        public-good".to_string(),
        "Status:      active".to_string(),
        "Scopes:      ghcr.io/acme/**".to_string(),
        "Expires:     2099-01-01T00:00:00Z".to_string(),
        "Note:        release workflow".to_string(),
    ] {
        assert!(show.lines().any(|l| l == line), "{line:?} in {show}");
    }

    let out = env.ok(&[
        "identity",
        "revoke",
        "acme",
        "--reason",
        "repository taken over",
    ]);
    assert_eq!(out.trim(), format!("Revoked {id} acme"));
    let i = &identities(&env)[0];
    assert_eq!(i["status"], "revoked");
    assert_eq!(i["state"]["kind"], "revoked");
    assert_eq!(i["revoked_reason"], "repository taken over");
    // Adding it again does not reactivate it, and says so.
    let again = env.run(&[&ADD_RELEASE[..], &claims].concat());
    assert_ok(&again, "identity add again");
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("stays revoked"),
        "{again:?}"
    );
    assert_eq!(identities(&env)[0]["status"], "revoked");

    let out = env.ok(&["identity", "rm", &id]);
    assert_eq!(out.trim(), format!("Removed {id} acme"));
    assert!(identities(&env).is_empty());
    let missing = env.run(&["identity", "show", &id]);
    assert_fails_with(&missing, "no trusted identity matches");
    assert!(String::from_utf8_lossy(&missing.stderr).contains("vouch identity list"));
}

#[test]
#[ignore = "needs the harness: run through make test (tests/harness/with-env.sh)"]
fn expiry_is_shown_as_the_core_states_it() {
    real_env("identity expiry");
    let env = Env::new("identity-expiry");
    let now = time::OffsetDateTime::now_utc();
    let soon = rfc3339(now + time::Duration::hours(3 * 24 + 12));
    let past = rfc3339(now - time::Duration::days(1));
    add_exact(&env, GITHUB, "me@acme.example", "me", &["--expires", &soon]);
    add_exact(
        &env,
        GOOGLE,
        "*@acme.example",
        "team",
        &["--expires", &past],
    );
    let list = identities(&env);
    let me = list.iter().find(|i| i["publisher"] == "me").expect("me");
    assert_eq!(
        me["state"],
        serde_json::json!({"kind": "expiring", "days_left": 4, "expires_at": soon})
    );
    let team = list
        .iter()
        .find(|i| i["publisher"] == "team")
        .expect("team");
    assert_eq!(team["subject"]["kind"], "glob");
    assert_eq!(
        team["state"],
        serde_json::json!({"kind": "expired", "expired_at": past})
    );
    let show = env.ok(&["identity", "show", "me"]);
    assert!(
        show.lines().any(|l| l == "Status:      expiring in 4 days"),
        "{show}"
    );
    // An expired identity cannot vouch: it does not count for any repository.
    let c = policy_show(&env, "ghcr.io/acme/app");
    assert_eq!(c["distinct"], 1, "{c}");
    assert_eq!(c["publishers"][0]["publisher"], "me");
}

#[test]
#[ignore = "needs the harness: run through make test (tests/harness/with-env.sh)"]
fn malformed_identities_are_refused_with_a_sentence_and_nothing_is_stored() {
    real_env("identity refusals");
    let env = Env::new("identity-bad");
    let add = |args: &[&str]| env.run(&[&["identity", "add"], args].concat());
    assert_fails_with(
        &add(&[
            "--issuer",
            "token.actions.githubusercontent.com",
            "--subject",
            "a@b.c",
        ]),
        "bad OIDC issuer `token.actions.githubusercontent.com`: not a URL",
    );
    assert_fails_with(
        &add(&["--issuer", "http://issuer.example", "--subject", "a@b.c"]),
        "https",
    );
    assert_fails_with(
        &add(&["--issuer", GITHUB, "--subject", "  "]),
        "the subject is empty",
    );
    assert_fails_with(
        &add(&["--issuer", GITHUB, "--subject-regexp", "release(.yml"]),
        "the regular expression `release(.yml` does not compile",
    );
    assert_fails_with(
        &add(&["--issuer", GITHUB, "--subject-regexp", r"\w{5000}"]),
        "too big",
    );
    // One subject, exactly: clap refuses both or neither (exit 2 with usage).
    let both = add(&[
        "--issuer",
        GITHUB,
        "--subject",
        "a@b.c",
        "--subject-regexp",
        "a",
    ]);
    assert_eq!(both.status.code(), Some(2));
    let neither = add(&["--issuer", GITHUB]);
    assert_eq!(neither.status.code(), Some(2));
    assert_fails_with(
        &add(&[
            "--issuer",
            GITHUB,
            "--subject",
            "a@b.c",
            "--expires",
            "soon",
        ]),
        "bad expiry time",
    );
    assert_fails_with(
        &add(&[
            "--issuer",
            GITHUB,
            "--subject",
            "a@b.c",
            "--scope",
            "ghcr.io/A",
        ]),
        "bad scope",
    );
    assert!(identities(&env).is_empty());
}

/// Identities get their own list: `key list --json` prints exactly what it printed before.
#[test]
#[ignore = "needs the harness: run through make test (tests/harness/with-env.sh)"]
fn key_list_json_keeps_its_shape_beside_identities() {
    let env = with_acme_key("key list shape", "identity-keys");
    add_release(&env, &["--name", "acme"]);
    let keys = env.keys();
    assert_eq!(keys.len(), 1, "{keys:?}");
    assert_eq!(
        field_names(&keys[0]),
        [
            "added_at",
            "algorithm",
            "expires_at",
            "fingerprint",
            "has_private",
            "note",
            "public_key",
            "publisher",
            "revoked_at",
            "revoked_reason",
            "scopes",
            "state",
            "status"
        ]
    );
    // A publisher name that is an identity's only is not a key.
    add_release(&env, &["--name", "ci-only"]);
    assert_fails_with(&env.run(&["key", "show", "ci-only"]), "no trusted key");
}

/// A publisher with a key and an identity counts once towards a threshold; another
/// publisher's identity counts as a second.
#[test]
#[ignore = "needs the harness: run through make test (tests/harness/with-env.sh)"]
fn a_key_and_an_identity_of_one_publisher_count_once_towards_a_threshold() {
    let env = with_acme_key("identity threshold", "identity-threshold");
    add_release(&env, &["--name", "acme", "--scope", "ghcr.io/acme/**"]);
    env.set_policy("ghcr.io/acme/**", "enforce", &["--threshold", "2"]);
    let show = |image: &str| policy_show(&env, image);
    let c = show("ghcr.io/acme/app:1.0");
    assert_eq!(c["repository"], "ghcr.io/acme/app");
    assert_eq!(c["policy"]["threshold"], 2);
    assert_eq!(c["distinct"], 1, "{c}");
    assert_eq!(c["can_meet"], false);
    assert_eq!(c["publishers"].as_array().map(Vec::len), Some(1));
    assert_eq!(c["publishers"][0]["counts"], 1);
    assert_eq!(c["publishers"][0]["keys"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        c["publishers"][0]["identities"].as_array().map(Vec::len),
        Some(1)
    );
    let text = env.ok(&["policy", "show", "ghcr.io/acme/app"]);
    assert!(
        text.contains("acme: 1 key and 1 identity (counts 1)"),
        "{text}"
    );
    assert!(text.contains("the threshold cannot be met"), "{text}");

    let scope = ["--scope", "ghcr.io/acme/**"];
    add_exact(&env, GOOGLE, "security@partner.example", "partner", &scope);
    let c = show("ghcr.io/acme/app");
    assert_eq!(
        (c["distinct"].clone(), c["can_meet"].clone()),
        (2.into(), true.into()),
        "{c}"
    );
    // Out of its scope, only the unscoped key vouches.
    let elsewhere = show("quay.io/acme/app");
    assert_eq!(elsewhere["distinct"], 1, "{elsewhere}");
    assert_eq!(elsewhere["policy"]["pattern"], Value::Null);
    // A revoked identity no longer counts.
    env.ok(&["identity", "revoke", "partner"]);
    assert_eq!(show("ghcr.io/acme/app")["distinct"], 1);
}

#[test]
#[ignore = "needs the harness: run through make test (tests/harness/with-env.sh)"]
fn trust_export_and_import_carry_identities() {
    real_env("identity export");
    let a = Env::new("identity-export-a");
    let b = Env::new("identity-export-b");
    let id = add_release(&a, &["--name", "acme", "--ref", "refs/heads/main"]);
    let file = a.path("trust.json");
    let file = file.to_str().expect("utf8");
    a.ok(&["trust", "export", file]);
    let doc: Value = serde_json::from_slice(&std::fs::read(file).expect("read")).expect("json");
    assert_eq!(doc["version"], 2);
    assert_eq!(doc["identities"][0]["id"], id.as_str());
    assert_eq!(doc["identities"][0]["claims"]["ref"], "refs/heads/main");
    let out = b.ok(&["trust", "import", file]);
    assert!(out.contains("1 added"), "{out}");
    assert_eq!(identities(&b), identities(&a));

    // A revocation travels and wins.
    a.ok(&["identity", "revoke", &id, "--reason", "token leaked"]);
    a.ok(&["trust", "export", file]);
    let out = b.ok(&["trust", "import", file]);
    assert!(out.contains("1 revoked"), "{out}");
    assert_eq!(identities(&b)[0]["revoked_reason"], "token leaked");

    // A hand-edited identity whose id no longer fits is refused, nothing merged.
    let forged = std::fs::read_to_string(file)
        .expect("read")
        .replace(r"v[0-9.]+", ".*");
    let forged = b.write("forged.json", forged.as_bytes());
    let c = Env::new("identity-export-c");
    assert_fails_with(
        &c.run(&["trust", "import", forged.to_str().expect("utf8")]),
        "does not match its issuer, subject and claims",
    );
    assert!(identities(&c).is_empty());
}
