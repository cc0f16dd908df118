//! `vouch key|policy|trust|doctor` against the real keychain (gnome-keyring on a private D-Bus).

mod common;

use common::*;
use std::path::Path;
use std::process::Command;

#[test]
#[ignore = "needs the harness: run through make test (tests/harness/with-env.sh)"]
fn doctor_reports_the_real_secret_service() {
    real_env("doctor");
    let env = Env::new("doctor");
    let out = env.ok(&["doctor", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["keychain"]["reachable"], true, "{v}");
    assert_eq!(v["keychain"]["backend"], "Secret Service");
    assert_eq!(v["profile"], env.profile.as_str());
    assert!(v["config_path"]
        .as_str()
        .is_some_and(|p| p.ends_with("config.json")));
    assert_eq!(v["pullers"].as_array().map(Vec::len), Some(2));
    let version = env.ok(&["--version"]);
    assert_eq!(
        version.trim(),
        format!("vouch {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
#[ignore = "needs the harness: run through make test (tests/harness/with-env.sh)"]
fn doctor_and_key_list_fail_clearly_without_a_keychain() {
    real_env("no keychain");
    let env = Env::new("nokeychain");
    let out = env.run_without_keychain(&["doctor"]);
    assert_fails_with(&out, "keychain");
    assert!(String::from_utf8_lossy(&out.stdout).contains("unreachable"));
    let out = env.run_without_keychain(&["key", "list"]);
    assert_fails_with(&out, "unreachable");
    // No silent fallback to a file: nothing but (at most) the lock folder was created.
    let leftovers: Vec<_> = walk(&env.path("config"))
        .into_iter()
        .filter(|p| !p.to_string_lossy().contains("/locks"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

#[test]
#[ignore = "needs the harness: run through make test (tests/harness/with-env.sh)"]
fn the_key_state_comes_from_the_core_in_list_and_show() {
    real_env("key state");
    let env = Env::new("key-state");
    let (_, pubkey) = openssl_ed25519(env.dir.path(), "soon");
    // Three days and a bit from now: "expiring in 4 days" (days left are rounded up).
    let expires = time::OffsetDateTime::now_utc() + time::Duration::hours(3 * 24 + 12);
    let expires = expires
        .replace_nanosecond(0)
        .expect("whole seconds")
        .format(&time::format_description::well_known::Rfc3339)
        .expect("rfc3339");
    let path = pubkey.to_str().expect("utf8");
    env.ok(&["key", "add", path, "--name", "soon", "--expires", &expires]);
    let keys = env.keys();
    assert_eq!(keys[0]["state"]["kind"], "expiring", "{keys:?}");
    assert_eq!(keys[0]["state"]["days_left"], 4, "{keys:?}");
    assert_eq!(keys[0]["state"]["expires_at"], expires.as_str());
    let list = env.ok(&["key", "list"]);
    assert!(list.split_whitespace().any(|w| w == "expiring"), "{list}");
    let show = env.ok(&["key", "show", "soon"]);
    assert!(
        show.lines().any(|l| l == "Status:      expiring in 4 days"),
        "{show}"
    );
    let shown: serde_json::Value =
        serde_json::from_str(&env.ok(&["key", "show", "soon", "--json"])).expect("json");
    assert_eq!(shown["state"], keys[0]["state"]);
}

#[test]
#[ignore = "needs the harness: run through make test (tests/harness/with-env.sh)"]
fn add_list_show_export_revoke_rm_persist_across_processes() {
    real_env("key lifecycle");
    let env = Env::new("lifecycle");
    let (_, pubkey) = openssl_ed25519(env.dir.path(), "acme");
    let expected_fp = openssl_fingerprint(&pubkey);

    let out = env.add_key(
        &pubkey,
        "acme",
        &[
            "--scope",
            "ghcr.io/acme/**",
            "--note",
            "release key",
            "--expires",
            "2099-01-01T00:00:00Z",
        ],
    );
    assert!(out.contains(&expected_fp), "{out}");
    assert!(out.contains("ghcr.io/acme/**"));

    let keys = env.keys();
    assert_eq!(keys.len(), 1);
    let k = &keys[0];
    assert_eq!(
        k["fingerprint"],
        expected_fp.as_str(),
        "fingerprint equals openssl's DER SPKI sha256"
    );
    assert_eq!(k["algorithm"], "ed25519");
    assert_eq!(k["publisher"], "acme");
    assert_eq!(k["scopes"], serde_json::json!(["ghcr.io/acme/**"]));
    assert_eq!(k["status"], "active");
    assert_eq!(k["expires_at"], "2099-01-01T00:00:00Z");
    assert_eq!(k["state"], serde_json::json!({"kind": "active"}));
    assert_eq!(k["has_private"], false);
    assert!(k["added_at"].as_str().is_some());

    // Show by prefix (12 hex digits) and by publisher.
    let hex = expected_fp.trim_start_matches("sha256:");
    let shown: serde_json::Value =
        serde_json::from_str(&env.ok(&["key", "show", &hex[..12], "--json"])).expect("json");
    assert_eq!(shown["fingerprint"], expected_fp.as_str());
    assert!(env.ok(&["key", "show", "acme"]).contains("release key"));

    // Export gives back the same public key.
    let pem = env.ok(&["key", "export", &expected_fp]);
    let exported = env.write("exported.pub", pem.as_bytes());
    assert_eq!(openssl_fingerprint(&exported), expected_fp);

    // Adding the same key again updates it, no duplicate.
    let out = env.add_key(&pubkey, "Acme Corp", &[]);
    assert!(out.starts_with("Updated"), "{out}");
    let keys = env.keys();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0]["publisher"], "Acme Corp");

    // Revoke: stays visible, with reason and time.
    env.ok(&["key", "revoke", &hex[..16], "--reason", "key leaked"]);
    let keys = env.keys();
    assert_eq!(keys[0]["status"], "revoked");
    assert_eq!(keys[0]["state"]["kind"], "revoked");
    assert_eq!(keys[0]["revoked_reason"], "key leaked");
    assert!(keys[0]["revoked_at"].as_str().is_some());

    env.ok(&["key", "rm", &expected_fp]);
    assert!(env.keys().is_empty());
    assert_fails_with(
        &env.run(&["key", "show", &expected_fp]),
        "no trusted key matches",
    );
}

#[test]
#[ignore = "needs the harness: run through make test (tests/harness/with-env.sh)"]
fn add_from_stdin_pasted_text_and_raw_base64() {
    real_env("key add inputs");
    let env = Env::new("inputs");
    let (_, p1) = openssl_ed25519(env.dir.path(), "one");
    let (_, p2) = openssl_ed25519(env.dir.path(), "two");
    let (_, p3) = openssl_ed25519(env.dir.path(), "three");
    let pasted = std::fs::read_to_string(&p2).expect("read");
    env.ok(&["key", "add", &pasted, "--name", "pasted"]);
    // Raw base64 ed25519: the last 32 bytes of the DER SPKI.
    let der = openssl_der(&p3);
    let raw = pipe("base64", &["-w0"], &der[der.len() - 32..]);
    let pem = std::fs::read(&p1).expect("read");
    for (name, stdin) in [("stdin", pem), ("raw", raw.into_bytes())] {
        let out = env.run_stdin(&["key", "add", "-", "--name", name], &stdin);
        assert_ok(&out, &format!("key add - ({name})"));
    }
    let keys = env.keys();
    let fps: Vec<&str> = keys
        .iter()
        .filter_map(|k| k["fingerprint"].as_str())
        .collect();
    for p in [&p1, &p2, &p3] {
        assert!(fps.contains(&openssl_fingerprint(p).as_str()), "{fps:?}");
    }
}

#[test]
#[ignore = "needs the harness: run through make test (tests/harness/with-env.sh)"]
fn bad_inputs_get_a_sentence_exit_2_and_leave_the_store_unchanged() {
    real_env("bad inputs");
    let env = Env::new("badinput");
    let (private, good) = openssl_ed25519(env.dir.path(), "good");
    env.add_key(&good, "good", &[]);
    let before = env.keys();

    let p384 = env.path("p384.pem");
    openssl(&[
        "genpkey",
        "-algorithm",
        "EC",
        "-pkeyopt",
        "ec_paramgen_curve:P-384",
        "-out",
        p384.to_str().expect("utf8"),
    ]);
    let p384_pub = openssl(&["pkey", "-in", p384.to_str().expect("utf8"), "-pubout"]);
    let p384_pub = env.write("p384.pub", &p384_pub);
    let cert =
        "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUY2VydA==\n-----END CERTIFICATE-----\n";
    let good_text = std::fs::read_to_string(&good).expect("read");
    let b64_line = good_text.lines().nth(1).expect("base64 line");
    let truncated = format!(
        "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
        &b64_line[..b64_line.len() / 2]
    );

    let not_base64 = "-----BEGIN PUBLIC KEY-----\nnot base64 at all!!\n-----END PUBLIC KEY-----\n";
    let missing = env.path("missing.pub");
    let [p384_pub, private, good, missing] =
        [&p384_pub, &private, &good, &missing].map(|p| p.to_str().expect("utf8"));
    // (arguments, stdin, what the sentence names)
    let cases: &[(&[&str], Option<&str>, &str)] = &[
        (&["key", "add", "-"], Some(not_base64), "base64"),
        (&["key", "add", "-"], Some(cert), "certificate"),
        (&["key", "add", p384_pub], None, "p-384"),
        (&["key", "add", private], None, "private key"),
        (&["key", "add", "-"], Some(&truncated), "key"),
        (&["key", "add", missing], None, "could not read"),
        (
            &["key", "add", good, "--scope", "ghcr.io/Acme/*"],
            None,
            "scope",
        ),
        (
            &["key", "add", good, "--expires", "tomorrow"],
            None,
            "rfc 3339",
        ),
        (
            &["key", "show", "sha256:0000000000000000"],
            None,
            "no trusted key matches",
        ),
        (&["key", "revoke", "abc"], None, "at least 12 hex digits"),
        (&["key", "rm", "nobody"], None, "no trusted key matches"),
        (
            &[
                "policy",
                "set",
                "ghcr.io/**",
                "--mode",
                "enforce",
                "--threshold",
                "0",
            ],
            None,
            "threshold",
        ),
    ];
    for &(args, stdin, needle) in cases {
        let out = match stdin {
            Some(s) => env.run_stdin(args, s.as_bytes()),
            None => env.run(args),
        };
        eprintln!("case {args:?} -> expecting `{needle}`");
        assert_fails_with(&out, needle);
        assert_eq!(env.keys(), before, "store changed after {args:?}");
    }
}

#[test]
#[ignore = "needs the harness: run through make test (tests/harness/with-env.sh)"]
fn generate_and_import_signing_keys_keep_private_keys_in_the_keychain() {
    real_env("signing keys");
    let env = Env::new("signing");
    let ed = env.ok(&["key", "generate", "--name", "me"]);
    let p256 = env.ok(&[
        "key",
        "generate",
        "--name",
        "me-p256",
        "--algorithm",
        "p256",
        "--scope",
        "127.0.0.1:*/me/**",
    ]);
    let keys = env.keys();
    let find = |fp: &str| {
        keys.iter()
            .find(|k| k["fingerprint"] == fp.trim())
            .cloned()
            .expect("generated key listed")
    };
    assert_eq!(find(&ed)["algorithm"], "ed25519");
    assert_eq!(find(&ed)["has_private"], true);
    assert_eq!(find(&p256)["algorithm"], "ecdsa-p256");
    assert_eq!(
        find(&p256)["scopes"],
        serde_json::json!(["127.0.0.1:*/me/**"])
    );

    // The private key is a separate Secret Service item, findable by attributes, never on disk.
    let listing = private_key_items(&env.profile, ed.trim());
    assert!(listing.contains("Vouch signing key"), "{listing}");
    let list = env.ok(&["key", "list", "--json"]);
    assert!(!list.contains("PRIVATE"), "private material in key list");

    // Unencrypted PKCS#8 import.
    let (private, pubkey) = openssl_ed25519(env.dir.path(), "imported");
    let private = private.to_str().expect("utf8");
    let out = env.ok(&["key", "import-private", private, "--name", "imp"]);
    assert!(out.contains(&openssl_fingerprint(&pubkey)), "{out}");

    // Export an encrypted cosign-format key and import it back into another profile.
    let exported = env.path("exported.key");
    export_private(&env, ed.trim(), &exported, "s3cret");
    let text = std::fs::read_to_string(&exported).expect("read");
    assert!(
        text.starts_with("-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----"),
        "{text}"
    );
    let other = Env::new("signing-other");
    let wrong = other.run_with_password(&import_private(&exported, "x"), "wrong");
    assert_fails_with(&wrong, "passphrase");
    assert!(other.keys().is_empty());
    other.ok_with_password(&import_private(&exported, "me-again"), "s3cret");
    assert_eq!(other.keys()[0]["fingerprint"], ed.trim());
    other.ok(&["key", "rm", ed.trim()]);
    // Removing the key removed its private item too.
    let gone = private_key_items(&other.profile, ed.trim());
    assert!(!gone.contains("Vouch signing key"), "{gone}");
}

/// The arguments of `vouch key import-private FILE --name NAME`.
fn import_private<'a>(file: &'a Path, name: &'a str) -> [&'a str; 5] {
    let file = file.to_str().expect("utf8");
    ["key", "import-private", file, "--name", name]
}

/// `vouch key export-private FINGERPRINT --output FILE`, encrypted with `password`.
fn export_private(env: &Env, fingerprint: &str, file: &Path, password: &str) {
    let file = file.to_str().expect("utf8");
    let args = ["key", "export-private", fingerprint, "--output", file];
    env.ok_with_password(&args, password);
}

#[test]
#[ignore = "needs the harness: run through make test (tests/harness/with-env.sh)"]
fn keys_made_by_cosign_and_skopeo_import() {
    real_env("cosign/skopeo keys");
    let (cosign, skopeo) = (cosign(), skopeo());
    let env = Env::new("peerkeys");
    // cosign generate-key-pair (P-256, ENCRYPTED SIGSTORE PRIVATE KEY).
    let (cosign_key, cosign_pub) = cosign_keypair(&cosign, env.dir.path());
    env.add_key(&cosign_pub, "cosign-pub", &[]);
    let import = import_private(&cosign_key, "cosign-signer");
    env.ok_with_password(&import, COSIGN_PASSWORD);
    let fp = openssl_fingerprint(&cosign_pub);
    let keys = env.keys();
    assert_eq!(keys.len(), 1, "same key via pub and private: no duplicate");
    assert_eq!(keys[0]["fingerprint"], fp.as_str());
    assert_eq!(keys[0]["has_private"], true);
    assert_eq!(keys[0]["algorithm"], "ecdsa-p256");

    // cosign import-key-pair of an ed25519 key (ENCRYPTED SIGSTORE PRIVATE KEY around ed25519).
    let (ed_private, ed_pub) = openssl_ed25519(env.dir.path(), "ed");
    let imp = env.path("imp");
    std::fs::create_dir_all(&imp).expect("mkdir");
    let imported = cosign_import_key(&cosign, &ed_private, &imp, "import");
    let out = env.ok_with_password(&import_private(&imported, "cosign-ed"), COSIGN_PASSWORD);
    assert!(out.contains(&openssl_fingerprint(&ed_pub)), "{out}");

    // skopeo generate-sigstore-key.
    let pass = env.write("pass", b"pw3");
    let prefix = env.path("skopeo");
    let mut generate = Command::new(&skopeo);
    generate
        .args(["generate-sigstore-key", "--output-prefix"])
        .arg(&prefix)
        .arg("--passphrase-file")
        .arg(&pass);
    run_ok(&mut generate, "skopeo generate-sigstore-key");
    env.add_key(&env.path("skopeo.pub"), "skopeo-pub", &[]);
    let private = prefix.with_extension("private");
    env.ok_with_password(&import_private(&private, "skopeo-signer"), "pw3");
    let keys = env.keys();
    let sk = keys
        .iter()
        .find(|k| k["fingerprint"] == openssl_fingerprint(&env.path("skopeo.pub")).as_str())
        .expect("skopeo key");
    assert_eq!(sk["has_private"], true);

    // A key Vouch exports is loadable by cosign: sign a blob with it and verify.
    let fpv = env.ok(&[
        "key",
        "generate",
        "--name",
        "for-cosign",
        "--algorithm",
        "p256",
    ]);
    let key_path = env.path("vouch-export.key");
    export_private(&env, fpv.trim(), &key_path, COSIGN_PASSWORD);
    let pub_path = env.write(
        "vouch-export.pub",
        env.ok(&["key", "export", fpv.trim()]).as_bytes(),
    );
    let blob = env.write("blob.txt", b"hello from vouch");
    let sig = env.path("blob.sig");
    let [key_path, pub_path, blob, sig] =
        [&key_path, &pub_path, &blob, &sig].map(|p| p.to_str().expect("utf8"));
    // cosign can load Vouch's exported key: it signs, and the signature verifies.
    let sign = [
        "sign-blob",
        "--yes",
        "--tlog-upload=false",
        "--key",
        key_path,
    ];
    cosign_ok(
        &cosign,
        &[&sign[..], &["--output-signature", sig, blob]].concat(),
    );
    let verify = [
        "verify-blob",
        "--insecure-ignore-tlog=true",
        "--key",
        pub_path,
    ];
    cosign_ok(
        &cosign,
        &[&verify[..], &["--signature", sig, blob]].concat(),
    );
}

#[test]
#[ignore = "needs the harness: run through make test (tests/harness/with-env.sh)"]
fn a_dozen_concurrent_writers_lose_nothing() {
    real_env("concurrent writers");
    let env = Env::new("concurrent");
    let mut pubs = Vec::new();
    for i in 0..12 {
        pubs.push(openssl_ed25519(env.dir.path(), &format!("k{i}")).1);
    }
    let children: Vec<_> = pubs
        .iter()
        .enumerate()
        .map(|(i, p)| {
            env.cmd()
                .args([
                    "key",
                    "add",
                    p.to_str().expect("utf8"),
                    "--name",
                    &format!("publisher-{i}"),
                ])
                .stdout(std::process::Stdio::null())
                .spawn()
                .expect("spawn")
        })
        .collect();
    for mut c in children {
        assert!(c.wait().expect("wait").success());
    }
    let keys = env.keys();
    assert_eq!(keys.len(), 12, "every concurrent add kept");
    for p in &pubs {
        let fp = openssl_fingerprint(p);
        assert!(keys.iter().any(|k| k["fingerprint"] == fp.as_str()));
    }
}

#[test]
#[ignore = "needs the harness: run through make test (tests/harness/with-env.sh)"]
fn policies_and_trust_export_import() {
    real_env("policy and trust set");
    let a = Env::new("trust-a");
    let b = Env::new("trust-b");
    let (_, p1) = openssl_ed25519(a.dir.path(), "one");
    let (_, p2) = openssl_ed25519(a.dir.path(), "two");
    a.add_key(&p1, "one", &["--scope", "ghcr.io/one/**"]);
    a.add_key(&p2, "two", &[]);
    a.set_policy("ghcr.io/one/**", "warn", &["--threshold", "2"]);
    let policies: serde_json::Value =
        serde_json::from_str(&a.ok(&["policy", "list", "--json"])).expect("json");
    assert_eq!(
        policies,
        serde_json::json!([{"pattern": "ghcr.io/one/**", "mode": "warn", "threshold": 2}])
    );

    let file = a.path("trust.json");
    a.ok(&["trust", "export", file.to_str().expect("utf8")]);
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&file).expect("read")).expect("json");
    assert_eq!(doc["format"], "vouch-trust-set");
    assert_eq!(doc["version"], 2);
    assert_eq!(doc["keys"].as_array().map(Vec::len), Some(2));

    // b already has key one with another scope: a conflict, local kept.
    b.add_key(&p1, "one", &["--scope", "ghcr.io/elsewhere/**"]);
    let out = b.ok(&["trust", "import", file.to_str().expect("utf8")]);
    assert!(out.contains("1 added"), "{out}");
    assert!(out.contains("1 conflict"), "{out}");
    let keys = b.keys();
    assert_eq!(keys.len(), 2);
    let one = keys.iter().find(|k| k["publisher"] == "one").expect("one");
    assert_eq!(one["scopes"], serde_json::json!(["ghcr.io/elsewhere/**"]));

    let bad = b.write(
        "bad.json",
        b"{\"format\":\"vouch-trust-set\",\"version\":99}",
    );
    assert_fails_with(
        &b.run(&["trust", "import", bad.to_str().expect("utf8")]),
        "version 99",
    );
    let bad = b.write("bad2.json", b"not json");
    assert_fails_with(
        &b.run(&["trust", "import", bad.to_str().expect("utf8")]),
        "json",
    );
    assert_eq!(b.keys().len(), 2);
}
