//! Signed team trust lists across two keychain profiles and the real registry: an admin (A)
//! publishes, a member (B) subscribes and syncs; every refusal leaves B's trust set as it was.
//! The attacks are real manifests pushed to the real registry (no fake server).

mod common;

use common::*;
use serde_json::Value;
use vouch_core::sigstore::testing::{self, Instance, LeafSpec};

/// An admin profile with an admin key and a publisher key `acme` for the team's repositories,
/// and a member profile; `list` is where the team's list is published.
struct Team {
    reg: String,
    repo: String,
    list: String,
    a: Env,
    b: Env,
    admin_pub: std::path::PathBuf,
}

impl Team {
    fn new(case: &str) -> Self {
        let reg = real_registry(case);
        let a = Env::new(&format!("tl-{case}-a"));
        let b = Env::new(&format!("tl-{case}-b"));
        let repo = format!("team-{case}-{}", std::process::id());
        let (admin_pub, _) = a.generate_key("admin", "ed25519", &[&format!("{reg}/admins/**")]);
        a.generate_key("acme", "ed25519", &[&format!("{reg}/{repo}/**")]);
        let list = format!("{reg}/{repo}/trust:prod");
        Team {
            reg,
            repo,
            list,
            a,
            b,
            admin_pub,
        }
    }

    /// A publishes the team's publishers (the `acme` scope only) with `extra` arguments.
    fn publish(&self, extra: &[&str]) -> String {
        let scope = format!("{}/{}/**", self.reg, self.repo);
        let args = [
            &[
                "trust", "publish", &self.list, "--key", "admin", "--scope", &scope,
            ][..],
            extra,
        ]
        .concat();
        self.a.ok(&args)
    }

    /// B subscribes with A's admin public key.
    fn subscribe(&self) {
        let key = self.admin_pub.to_str().expect("utf-8 path");
        self.b
            .ok(&["trust", "subscribe", &self.list, "--signer-key", key]);
    }

    /// B's sync: its JSON row for the list and its exit code.
    fn sync(&self) -> (Value, Option<i32>) {
        let out = self.b.run(&["trust", "sync", "--json"]);
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{stderr}");
        let rows: Vec<Value> = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("sync --json printed no JSON ({e}): {text} / {stderr}"));
        assert_eq!(rows.len(), 1, "{text}");
        (rows[0].clone(), out.status.code())
    }

    /// B's sync, which must apply a version: its JSON row.
    fn applied(&self) -> Value {
        let (row, exit) = self.sync();
        assert_eq!(
            (row["outcome"].as_str(), exit),
            (Some("applied"), Some(0)),
            "{row}"
        );
        row
    }

    /// Asserts B's sync is refused with `code` and a sentence containing `needle`, and that
    /// B's trust set and applied version are what they were.
    fn assert_refused(&self, code: &str, needle: &str) {
        let before = (self.b.keys(), self.applied_version());
        let (row, exit) = self.sync();
        assert_eq!(exit, Some(1), "{row}");
        assert_eq!(row["outcome"], "refused", "{row}");
        assert_eq!(row["code"], code, "{row}");
        let problem = row["problem"].as_str().unwrap_or_default();
        assert!(problem.contains(needle), "{problem} / {needle}");
        assert_eq!((self.b.keys(), self.applied_version()), before);
        let subs = self.subscriptions();
        assert_eq!(subs[0]["last_problem"]["code"], code, "{subs:?}");
    }

    fn subscriptions(&self) -> Vec<Value> {
        serde_json::from_str(&self.b.ok(&["trust", "subscriptions", "--json"])).expect("json")
    }

    fn applied_version(&self) -> Value {
        self.subscriptions()[0]["version"].clone()
    }

    /// The digest of the list manifest under the list's tag now.
    fn list_manifest(&self) -> Vec<u8> {
        get_manifest(&self.reg, &format!("{}/trust", self.repo), "prod").expect("list manifest")
    }

    fn put_list_manifest(&self, bytes: Vec<u8>) -> String {
        put_manifest(&self.reg, &format!("{}/trust", self.repo), "prod", bytes)
    }

    fn statement_tag(&self, manifest_digest: &str) -> String {
        format!("sha256-{}.vouch-list", &manifest_digest["sha256:".len()..])
    }
}

fn fingerprints(keys: &[Value]) -> Vec<(String, String, String)> {
    let mut v: Vec<_> = keys
        .iter()
        .map(|k| {
            (
                k["publisher"].as_str().unwrap_or_default().to_string(),
                k["status"].as_str().unwrap_or_default().to_string(),
                k["source"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
#[ignore = "needs the harness: tests/harness/with-env.sh"]
fn a_published_list_is_subscribed_synced_and_its_revocation_removes_trust() {
    let t = Team::new("flow");
    let image_repo = format!("{}/app", t.repo);
    let (_, image) = t.a.push_signed(&t.reg, &image_repo, "acme");

    let out = t.publish(&[]);
    assert!(out.contains("version 1 (1 publisher key(s))"), "{out}");
    // The artifact: the Vouch artifact type, the empty config, the list as one layer.
    let m: Value = serde_json::from_slice(&t.list_manifest()).expect("json");
    assert_eq!(
        m["artifactType"],
        "application/vnd.vouch.trust-list.v1+json"
    );
    assert_eq!(
        m["config"]["mediaType"],
        "application/vnd.oci.empty.v1+json"
    );
    assert_eq!(m["layers"].as_array().map(Vec::len), Some(1));

    t.subscribe();
    let (_, before, _) = t.b.json("verify", &image);
    assert_eq!(before, Some(1), "B trusts nobody yet");

    let row = t.applied();
    assert_eq!(row["version"], 1);
    let added = row["diff"]["added"].as_array().cloned().unwrap_or_default();
    assert_eq!(added.len(), 1, "only the chosen scope's publisher: {row}");
    assert_eq!(added[0]["publisher"], "acme");
    assert_eq!(
        fingerprints(&t.b.keys()),
        vec![("acme".into(), "active".into(), t.list.clone())]
    );
    let (v, after, _) = t.b.json("verify", &image);
    assert_eq!(after, Some(0), "B verifies through the list: {v}");

    // Synced again: nothing new.
    let (row, exit) = t.sync();
    assert_eq!(
        (row["outcome"].as_str(), exit),
        (Some("up_to_date"), Some(0)),
        "{row}"
    );

    // A version is never published twice.
    let out = t.a.run(&[
        "trust",
        "publish",
        &t.list,
        "--key",
        "admin",
        "--list-version",
        "1",
    ]);
    assert_fails_with(&out, "a version only grows");

    // A revokes acme and publishes version 2: B's sync revokes it, and B refuses the image.
    t.a.ok(&["key", "revoke", "acme", "--reason", "leaked"]);
    let out = t.publish(&[]);
    assert!(out.contains("version 2"), "{out}");
    let plan = t.b.ok(&["trust", "sync", "--dry-run"]);
    assert!(plan.contains("revoked") && plan.contains("acme"), "{plan}");
    assert_eq!(t.applied_version(), 1, "a dry run applies nothing");
    let row = t.applied();
    assert_eq!(row["diff"]["revoked"][0]["publisher"], "acme", "{row}");
    assert_eq!(
        fingerprints(&t.b.keys()),
        vec![("acme".into(), "revoked".into(), t.list.clone())]
    );
    let (v, refused, _) = t.b.json("verify", &image);
    assert_eq!(refused, Some(1), "{v}");
    let subs = t.subscriptions();
    assert_eq!(subs[0]["version"], 2);
    assert_eq!(subs[0]["stale"], false);
    assert!(subs[0]["last_sync"].is_string(), "{subs:?}");
    let listed = t.b.ok(&["key", "list"]);
    assert!(listed.contains(&format!("[from {}]", t.list)), "{listed}");

    // Unsubscribing keeps the keys (marked), and the subscription is gone.
    t.b.ok(&["trust", "unsubscribe", &t.list]);
    assert!(t.subscriptions().is_empty());
    assert_eq!(t.b.keys().len(), 1);
}

#[test]
#[ignore = "needs the harness: tests/harness/with-env.sh"]
fn a_local_revocation_wins_over_the_list() {
    let t = Team::new("local");
    let (_, image) = t.a.push_signed(&t.reg, &format!("{}/app", t.repo), "acme");
    t.publish(&[]);
    t.subscribe();
    assert_eq!(t.sync().0["outcome"], "applied");
    t.b.ok(&["key", "revoke", "acme", "--reason", "not for us"]);
    // A new version still names acme as active: B's revocation stands.
    t.publish(&[]);
    let row = t.applied();
    assert_eq!(row["version"], 2);
    let kept = &row["diff"]["kept_local"][0];
    assert!(
        kept["detail"]
            .as_str()
            .is_some_and(|d| d.contains("local revocation wins")),
        "{row}"
    );
    assert_eq!(t.b.keys()[0]["status"], "revoked");
    let (v, refused, _) = t.b.json("verify", &image);
    assert_eq!(refused, Some(1), "{v}");
}

#[test]
#[ignore = "needs the harness: tests/harness/with-env.sh"]
fn a_tampered_layer_and_an_unsigned_list_are_refused_and_nothing_is_lost() {
    let t = Team::new("tamper");
    t.publish(&[]);
    t.subscribe();
    assert_eq!(t.sync().0["outcome"], "applied");
    let trust_repo = format!("{}/trust", t.repo);
    let original = t.list_manifest();
    let original_digest = vouch_core::registry::sha256_digest(&original);

    // Someone widens acme's scope to every repository in the layer and points the tag at it,
    // with the old signed statement copied beside the new manifest.
    let mut m: Value = serde_json::from_slice(&original).expect("json");
    let layer = get_blob(
        &t.reg,
        &trust_repo,
        m["layers"][0]["digest"].as_str().expect("digest"),
    );
    let mut list: Value = serde_json::from_slice(&layer).expect("list json");
    list["keys"][0]["scopes"] = serde_json::json!(["**"]);
    let forged = serde_json::to_vec(&list).expect("json");
    m["layers"][0]["size"] = forged.len().into();
    m["layers"][0]["digest"] = push_blob(&t.reg, &trust_repo, forged).into();
    let forged_manifest = serde_json::to_vec(&m).expect("json");
    let forged_digest = vouch_core::registry::sha256_digest(&forged_manifest);
    let statement =
        get_manifest(&t.reg, &trust_repo, &t.statement_tag(&original_digest)).expect("statement");
    put_manifest(
        &t.reg,
        &trust_repo,
        &t.statement_tag(&forged_digest),
        statement,
    );
    t.put_list_manifest(forged_manifest);
    t.assert_refused("tampered", "was tampered with");

    // A list without any signed statement: unsigned.
    m["annotations"] = serde_json::json!({"note": "no statement for this one"});
    t.put_list_manifest(serde_json::to_vec(&m).expect("json"));
    t.assert_refused("unsigned", "is unsigned");

    // The real list back: nothing was lost, it is up to date.
    t.put_list_manifest(original);
    assert_eq!(t.sync().0["outcome"], "up_to_date");
}

#[test]
#[ignore = "needs the harness: tests/harness/with-env.sh"]
fn a_rolled_back_version_is_refused() {
    let t = Team::new("rollback");
    t.publish(&[]);
    let v1 = t.list_manifest();
    t.subscribe();
    assert_eq!(t.sync().0["outcome"], "applied");
    t.a.ok(&["key", "revoke", "acme"]);
    t.publish(&[]);
    assert_eq!(t.sync().0["outcome"], "applied");
    // The registry serves version 1 again (its signatures are valid: only the version tells).
    t.put_list_manifest(v1);
    t.assert_refused("rollback", "older than version 2 already applied");
    let keys = t.b.keys();
    assert_eq!(
        keys[0]["status"], "revoked",
        "the revocation stays: {keys:?}"
    );
    // A's next publish goes past what the registry shows, from A's own record.
    let out = t.publish(&[]);
    assert!(out.contains("version 3"), "{out}");
}

#[test]
#[ignore = "needs the harness: tests/harness/with-env.sh"]
fn an_expired_list_is_refused_and_reported_stale() {
    let t = Team::new("expired");
    t.publish(&["--expires", "15s"]);
    t.subscribe();
    assert_eq!(t.sync().0["outcome"], "applied");
    let expires = t.subscriptions()[0]["expires_at"]
        .as_str()
        .map(|s| time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339))
        .expect("expiry")
        .expect("RFC 3339");
    let wait = expires - time::OffsetDateTime::now_utc() + time::Duration::seconds(1);
    std::thread::sleep(wait.try_into().unwrap_or_default());
    t.assert_refused("expired", "stale");
    let subs = t.subscriptions();
    assert_eq!(subs[0]["stale"], true, "{subs:?}");
    let text = t.b.ok(&["trust", "subscriptions"]);
    assert!(text.contains("STALE"), "{text}");
}

#[test]
#[ignore = "needs the harness: tests/harness/with-env.sh"]
fn a_list_signed_by_too_few_admins_is_refused_until_another_admin_cosigns() {
    let t = Team::new("quorum");
    let (second_pub, second_fp) =
        t.a.generate_key("second", "ed25519", &[&format!("{}/admins/**", t.reg)]);
    let out = t.publish(&["--signer", &second_fp, "--threshold", "2"]);
    assert!(
        out.contains("Signed by 1 of 2 admin(s); 2 required"),
        "{out}"
    );
    let (k1, k2) = (
        t.admin_pub.to_str().expect("utf-8"),
        second_pub.to_str().expect("utf-8"),
    );
    t.b.ok(&[
        "trust",
        "subscribe",
        &t.list,
        "--signer-key",
        k1,
        "--signer-key",
        k2,
        "--threshold",
        "2",
    ]);
    assert_eq!(t.applied_version(), Value::Null);
    t.assert_refused("too_few_signatures", "carries 1 valid signature(s)");
    assert!(t.b.keys().is_empty());

    let out = t.a.ok(&["trust", "cosign", &t.list, "--key", "second"]);
    assert!(
        out.contains("2 valid admin signature(s), 2 required"),
        "{out}"
    );
    t.applied();
    assert_eq!(fingerprints(&t.b.keys()).len(), 1);
}

/// A's keyless publisher for the team's repositories: a local Sigstore-like instance's root
/// added as `corp`, and the identity of its release workflow tied to it.
struct Keyless {
    instance: Instance,
    root_json: String,
    spec: LeafSpec,
    now: i64,
    /// The identity's id in A's trust set.
    id: String,
}

impl Keyless {
    fn new(t: &Team) -> Self {
        let instance = Instance::new("vouch-team-keyless");
        let root_json = instance.trusted_root_json();
        let now = testing::now();
        let spec = LeafSpec::github("acme/app", "release.yml", "refs/heads/main", now - 120);
        t.a.add_trusted_root(&root_json, "corp");
        let scope = format!("{}/{}/**", t.reg, t.repo);
        let flags = [
            ("--issuer", spec.issuer.as_str()),
            ("--subject", spec.identity()),
            ("--trusted-root", "corp"),
            ("--name", "acme-ci"),
            ("--scope", &scope),
        ];
        let args = flags.iter().flat_map(|(flag, value)| [*flag, *value]);
        let id = t.a.ok(&["identity", "add"]
            .into_iter()
            .chain(args)
            .collect::<Vec<_>>());
        Keyless {
            instance,
            root_json,
            spec,
            now,
            id: id.trim().to_string(),
        }
    }

    /// Pushes `REG/<team repo>/<name>:v1` signed keyless by the release workflow; returns it
    /// pinned by digest.
    fn signed_image(&self, t: &Team, name: &str) -> String {
        let repo = format!("{}/{name}", t.repo);
        let digest = push_image(&t.reg, &repo, "v1", &format!("{repo}-keyless"));
        let repository = parse(&format!("{}/{repo}", t.reg)).repository();
        let leaf = self.instance.leaf(&self.spec, "leaf");
        let layer = self
            .instance
            .sign_image(&repository, &digest, &leaf, self.now - 60);
        push_sig(&t.reg, &repo, &digest, &layer);
        format!("{}/{repo}@{digest}", t.reg)
    }
}

fn identities(env: &Env) -> Vec<Value> {
    serde_json::from_str(&env.ok(&["identity", "list", "--json"])).expect("identity list --json")
}

/// The identity lines of a sync row: its `not_applied` details (in a diff, or up to date).
fn not_applied(row: &Value) -> Vec<String> {
    let list = match row["outcome"].as_str() {
        Some("up_to_date") => &row["not_applied"],
        _ => &row["diff"]["identities"]["not_applied"],
    };
    list.as_array()
        .into_iter()
        .flatten()
        .map(|c| c["detail"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[test]
#[ignore = "needs the harness: tests/harness/with-env.sh"]
fn a_keyless_identity_travels_in_the_list_only_with_the_same_trusted_root() {
    let t = Team::new("ids");
    let k = Keyless::new(&t);
    let image = k.signed_image(&t, "keyless-app");
    let out = t.publish(&[]);
    assert!(
        out.contains("(1 publisher key(s), 1 keyless identity)"),
        "{out}"
    );
    // The layer carries the identity and the digest of the root as A stored it.
    let m: Value = serde_json::from_slice(&t.list_manifest()).expect("json");
    let trust_repo = format!("{}/trust", t.repo);
    let layer = get_blob(
        &t.reg,
        &trust_repo,
        m["layers"][0]["digest"].as_str().expect("digest"),
    );
    let list: Value = serde_json::from_slice(&layer).expect("list json");
    let pinned = vouch_core::registry::sha256_digest(k.root_json.as_bytes());
    assert_eq!(list["identities"][0]["id"], k.id.as_str(), "{list:#}");
    assert_eq!(list["trusted_roots"][0]["name"], "corp", "{list:#}");
    assert_eq!(list["trusted_roots"][0]["digest"], pinned.as_str());

    // B has no root `corp`: the key is applied, the identity is not, and the sync says why.
    t.subscribe();
    let row = t.applied();
    assert_eq!(
        row["diff"]["added"].as_array().map(Vec::len),
        Some(1),
        "{row}"
    );
    assert_eq!(
        row["diff"]["identities"]["added"],
        serde_json::json!([]),
        "{row}"
    );
    let why = not_applied(&row);
    assert!(
        why.len() == 1
            && why[0].contains("needs the trusted root `corp`")
            && why[0].contains(&pinned)
            && why[0].contains("does not have"),
        "{row}"
    );
    assert!(identities(&t.b).is_empty());
    let (v, refused, _) = t.b.json("verify", &image);
    assert_eq!(refused, Some(1), "B does not trust the identity: {v}");
    let text = t.b.ok(&["trust", "sync", "--dry-run"]);
    assert!(text.contains("vouch trust-root add"), "{text}");

    // B has a root named `corp`, but another one: still not applied (a name never widens).
    let rogue = Instance::new("vouch-team-rogue").trusted_root_json();
    t.b.add_trusted_root(&rogue, "corp");
    let (row, exit) = t.sync();
    assert_eq!(
        (row["outcome"].as_str(), exit),
        (Some("up_to_date"), Some(0)),
        "{row}"
    );
    let why = not_applied(&row);
    assert!(
        why.len() == 1 && why[0].contains("another document"),
        "{row}"
    );
    assert!(identities(&t.b).is_empty());

    // The same root as A's: the same version now applies the identity, and B verifies.
    t.b.ok(&["trust-root", "rm", "corp"]);
    t.b.add_trusted_root(&k.root_json, "corp");
    let row = t.applied();
    let added = &row["diff"]["identities"]["added"][0];
    assert_eq!(
        (&added["publisher"], &added["issuer"], &added["subject"]),
        (
            &Value::from("acme-ci"),
            &Value::from(k.spec.issuer.as_str()),
            &Value::from(k.spec.identity())
        ),
        "{row}"
    );
    let ids = identities(&t.b);
    assert_eq!(ids.len(), 1);
    assert_eq!(ids[0]["source"], t.list.as_str(), "{ids:?}");
    let listed = t.b.ok(&["identity", "list"]);
    assert!(listed.contains(&format!("[from {}]", t.list)), "{listed}");
    let (v, code, _) = t.b.json("verify", &image);
    assert_eq!(
        (v["status"].as_str(), code),
        (Some("verified"), Some(0)),
        "{v:#}"
    );

    // A revokes the identity and publishes version 2: B's sync revokes it, B refuses the image.
    t.a.ok(&[
        "identity",
        "revoke",
        &k.id,
        "--reason",
        "workflow compromised",
    ]);
    t.publish(&[]);
    let plan = t.b.ok(&["trust", "sync", "--dry-run"]);
    assert!(
        plan.contains("revoked") && plan.contains("identity acme-ci"),
        "{plan}"
    );
    let row = t.applied();
    assert_eq!(row["version"], 2);
    assert_eq!(
        row["diff"]["identities"]["revoked"][0]["publisher"], "acme-ci",
        "{row}"
    );
    assert_eq!(identities(&t.b)[0]["status"], "revoked");
    let (v, code, _) = t.b.json("verify", &image);
    assert_eq!(code, Some(1), "{v:#}");
    assert_eq!(v["cause"]["standing"]["standing"], "revoked", "{v:#}");
    assert!(
        v["reason"]
            .as_str()
            .is_some_and(|r| r.contains("workflow compromised")),
        "{v:#}"
    );
}

#[test]
#[ignore = "needs the harness: tests/harness/with-env.sh"]
fn a_local_revocation_of_an_identity_wins_over_the_list() {
    let t = Team::new("ids-local");
    let k = Keyless::new(&t);
    let image = k.signed_image(&t, "keyless-app");
    t.publish(&[]);
    t.b.add_trusted_root(&k.root_json, "corp");
    t.subscribe();
    let (row, _) = t.sync();
    assert_eq!(
        row["diff"]["identities"]["added"].as_array().map(Vec::len),
        Some(1),
        "{row}"
    );
    assert_eq!(t.b.json("verify", &image).1, Some(0));
    t.b.ok(&["identity", "revoke", &k.id, "--reason", "not for us"]);
    // A new version still names the identity as active: B's revocation stands.
    t.publish(&[]);
    let row = t.applied();
    let kept = &row["diff"]["identities"]["kept_local"][0];
    assert!(
        kept["detail"]
            .as_str()
            .is_some_and(|d| d.contains("local revocation wins")),
        "{row}"
    );
    let ids = identities(&t.b);
    assert_eq!(ids[0]["status"], "revoked");
    assert_eq!(ids[0]["revoked_reason"], "not for us");
    let (v, code, _) = t.b.json("verify", &image);
    assert_eq!(code, Some(1), "{v:#}");
    assert_eq!(v["cause"]["standing"]["standing"], "revoked", "{v:#}");
}
