//! `vouch history` and `vouch policy set --default`: the history file per profile (recorded by
//! `vouch verify`, read back, re-checked, a corrupt file kept aside) and the default policy
//! against the real keychain and registry the harness provides.

mod common;

use std::path::PathBuf;

use common::*;
use serde_json::{json, Value};
use vouch_core::history::History;

/// An empty trust set in a file: `vouch verify --trust-set` then needs no keychain.
fn empty_trust_set(env: &Env) -> PathBuf {
    env.write("trust.json", br#"{"format":"vouch-trust-set","version":1}"#)
}

fn history_json(env: &Env) -> Vec<Value> {
    serde_json::from_str(&env.ok(&["history", "--json"])).expect("history --json is an array")
}

fn history_file(env: &Env) -> PathBuf {
    env.path("config")
        .join("history")
        .join(format!("{}.json", env.profile))
}

/// Malformed references are judged without a registry: `error` verdicts with a cause code,
/// recorded newest first; `--no-history` records nothing.
#[test]
fn verify_records_its_verdicts_unless_told_not_to() {
    let env = Env::new("history-record");
    let trust = empty_trust_set(&env);
    let trust = trust.to_str().expect("utf8");
    assert_eq!(history_json(&env), Vec::<Value>::new());
    let out = env.run(&["verify", "--trust-set", trust, "Bad One", "Bad Two"]);
    assert_eq!(out.status.code(), Some(1));
    let out = env.run(&["verify", "--trust-set", trust, "--no-history", "Bad Three"]);
    assert_eq!(out.status.code(), Some(1));
    let entries = history_json(&env);
    let refs: Vec<&str> = entries
        .iter()
        .filter_map(|e| e["reference"].as_str())
        .collect();
    assert_eq!(refs, ["Bad Two", "Bad One"], "{entries:#?}");
    let e = &entries[0];
    assert_eq!(e["status"], "error");
    assert_eq!(e["cause"], "bad_reference");
    assert_eq!(e["digest"], Value::Null);
    assert!(
        e["reason"]
            .as_str()
            .is_some_and(|r| r.contains("whitespace")),
        "{e}"
    );
    assert!(
        e["checked_at"].as_str().is_some_and(|t| t.ends_with('Z')),
        "{e}"
    );
    let human = env.ok(&["history"]);
    assert!(
        human
            .lines()
            .next()
            .is_some_and(|l| l.contains("ERROR") && l.contains("Bad Two")),
        "{human}"
    );
    env.ok(&["history", "--clear"]);
    assert_eq!(history_json(&env), Vec::<Value>::new());
}

/// A corrupt history file: a sentence on stderr, an empty history, the file kept aside.
#[test]
fn a_corrupt_history_is_reported_and_kept_aside() {
    let env = Env::new("history-corrupt");
    let file = history_file(&env);
    std::fs::create_dir_all(file.parent().expect("folder")).expect("mkdir");
    std::fs::write(&file, b"{\"format\": \"vouch-history\", \"entries\": [").expect("write");
    let out = env.run(&["history", "--json"]);
    assert_ok(&out, "history on a corrupt file");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("could not be read") && stderr.contains(".corrupt-"),
        "{stderr}"
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "[]");
    let kept = History::at(file, env.path("unused.lock")).kept_aside();
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!(
        std::fs::read(&kept[0]).expect("read"),
        b"{\"format\": \"vouch-history\", \"entries\": ["
    );
}

#[test]
fn rechecking_an_empty_history_says_so() {
    let env = Env::new("history-empty");
    assert_fails_with(&env.run(&["history", "--recheck"]), "history is empty");
}

#[test]
#[ignore = "needs the harness: run through make test (tests/harness/with-env.sh)"]
fn history_is_recorded_and_rechecked_against_the_registry() {
    let env = Env::with_own_key("history-recheck");
    let reg = real_registry("history recheck");
    let (digest, signed) = env.push_signed(&reg, "history/signed", "acme");
    let unsigned_digest = push_image(&reg, "history/unsigned", "v1", "history-unsigned");
    let unsigned = format!("{reg}/history/unsigned:v1");
    let out = env.run(&["verify", &signed, &unsigned]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let entries = history_json(&env);
    assert_eq!(entries.len(), 2, "{entries:#?}");
    assert_eq!(entries[0]["reference"], unsigned.as_str());
    assert_eq!(entries[0]["status"], "unsigned");
    assert_eq!(entries[0]["digest"], unsigned_digest.as_str());
    assert_eq!(entries[0]["repository"], format!("{reg}/history/unsigned"));
    assert_eq!(entries[1]["status"], "verified");
    assert_eq!(entries[1]["digest"], digest.as_str());
    assert_eq!(entries[1]["cause"], Value::Null);
    // No key material in the history file.
    let text = std::fs::read_to_string(history_file(&env)).expect("history file");
    assert!(
        !text.contains("PUBLIC KEY") && !text.contains("PRIVATE"),
        "{text}"
    );

    // Re-check: each reference once, newest first, recorded again.
    let out = env.run(&["history", "--recheck", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let again: Vec<Value> = serde_json::from_slice(&out.stdout).expect("verdicts");
    let statuses: Vec<&str> = again.iter().filter_map(|v| v["status"].as_str()).collect();
    assert_eq!(statuses, ["unsigned", "verified"]);
    assert_eq!(history_json(&env).len(), 4);
}

#[test]
#[ignore = "needs the harness: run through make test (tests/harness/with-env.sh)"]
fn the_default_policy_is_set_listed_applied_and_shared() {
    let reg = real_registry("default policy");
    let a = Env::new("default-policy-a");
    let listed = |env: &Env| -> Value {
        let policies: Value =
            serde_json::from_str(&env.ok(&["policy", "list", "--json"])).expect("json");
        let default: Value =
            serde_json::from_str(&env.ok(&["policy", "default", "--json"])).expect("json");
        json!({"default": default, "policies": policies})
    };
    assert_eq!(
        listed(&a),
        json!({"default": {"mode": "enforce", "threshold": 1}, "policies": []})
    );
    push_image(&reg, "default-policy/unsigned", "v1", "default-policy");
    let image = format!("{reg}/default-policy/unsigned:v1");
    let (v, code, _) = a.json("verify", &image);
    assert_eq!(
        (v["status"].as_str(), v["enforced"].as_bool(), code),
        (Some("unsigned"), Some(true), Some(1))
    );

    let out = a.ok(&["policy", "set", "--default", "--mode", "warn"]);
    assert!(
        out.contains("Default policy (where no pattern matches): warn, 1 distinct publisher"),
        "{out}"
    );
    a.set_policy("ghcr.io/**", "enforce", &[]);
    assert_eq!(
        listed(&a),
        json!({
            "default": {"mode": "warn", "threshold": 1},
            "policies": [{"pattern": "ghcr.io/**", "mode": "enforce", "threshold": 1}]
        })
    );
    assert!(a
        .ok(&["policy", "list"])
        .starts_with("default: warn, 1 distinct publisher"));
    let (v, code, _) = a.json("verify", &image);
    assert_eq!(
        v["policy"],
        json!({"pattern": null, "mode": "warn", "threshold": 1})
    );
    assert_eq!(
        (v["enforced"].as_bool(), code),
        (Some(false), Some(0)),
        "{v:#}"
    );

    // Neither a pattern nor --default, or both: refused by the parser.
    assert_eq!(
        a.run(&["policy", "set", "--mode", "warn"]).status.code(),
        Some(2)
    );
    assert_eq!(
        a.run(&["policy", "set", "x/**", "--default", "--mode", "warn"])
            .status
            .code(),
        Some(2)
    );
    assert_fails_with(
        &a.run(&[
            "policy",
            "set",
            "--default",
            "--mode",
            "warn",
            "--threshold",
            "0",
        ]),
        "at least 1",
    );

    // Exported and imported like a policy: adopted where none was set, a conflict otherwise.
    let file = a.path("trust.json");
    a.ok(&["trust", "export", file.to_str().expect("utf8")]);
    let doc: Value = serde_json::from_slice(&std::fs::read(&file).expect("read")).expect("json");
    assert_eq!(
        doc["default_policy"],
        json!({"mode": "warn", "threshold": 1})
    );
    let b = Env::new("default-policy-b");
    b.ok(&["trust", "import", file.to_str().expect("utf8")]);
    assert_eq!(
        listed(&b)["default"],
        json!({"mode": "warn", "threshold": 1})
    );
    let c = Env::new("default-policy-c");
    c.ok(&["policy", "set", "--default", "--mode", "off"]);
    let out = c.ok(&["trust", "import", file.to_str().expect("utf8")]);
    assert!(out.contains("1 conflict"), "{out}");
    assert_eq!(
        listed(&c)["default"],
        json!({"mode": "off", "threshold": 1})
    );
}

/// `vouch verify --timeout 60 IMAGES…` started against an empty trust set, its output piped.
fn spawn_verify(env: &Env, images: &[String]) -> std::process::Child {
    let trust = empty_trust_set(env);
    env.cmd()
        .args(["verify", "--trust-set", trust.to_str().expect("utf8")])
        .args(["--timeout", "60"])
        .args(images)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn vouch")
}

/// Sends Ctrl+C to a running `vouch verify` and waits (at most 10 s) for it to end as
/// interrupted (exit 130, "interrupted" on stderr, every verdict it still prints CANCELLED);
/// returns what it printed after the signal.
fn interrupt(mut child: std::process::Child, mut stdout: impl std::io::Read) -> String {
    let kill = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(kill.success());
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if started.elapsed() > std::time::Duration::from_secs(10) {
            let _ = child.kill();
            panic!("vouch verify went on after Ctrl+C");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).expect("stdout");
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().expect("stderr"), &mut stderr)
        .expect("stderr");
    assert_eq!(status.code(), Some(130), "{rest}\n{stderr}");
    for line in rest.lines() {
        assert!(
            line.starts_with("CANCELLED") && line.contains("cancelled before its check finished"),
            "{line}"
        );
    }
    assert!(stderr.contains("interrupted"), "{stderr}");
    rest
}

/// Ctrl+C during a one-image check (which runs on a runtime of its own thread): the image
/// prints as CANCELLED and the command exits 130 at once. The registry is a listening socket
/// that is never answered; the signal is sent once Vouch has connected to it.
#[test]
fn ctrl_c_cancels_a_single_image_check() {
    let env = Env::new("history-ctrl-c-one");
    let stalled = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let host = stalled.local_addr().expect("address");
    let mut child = spawn_verify(&env, &[format!("{host}/acme/a:1")]);
    let stdout = child.stdout.take().expect("stdout");
    let (_connection, _) = stalled.accept().expect("vouch connects");
    let rest = interrupt(child, stdout);
    assert_eq!(rest.lines().count(), 1, "{rest}");
    assert!(history_json(&env).is_empty());
}

/// Ctrl+C during a batch: the images not finished print as CANCELLED, the command exits 130
/// at once (not after the registry's timeout) and the history holds only the finished checks.
/// The "registry" is a listening socket that is never answered — a stalled registry, which no
/// real registry is on demand.
#[test]
fn ctrl_c_cancels_a_batch_and_records_only_finished_checks() {
    let env = Env::new("history-ctrl-c");
    let stalled = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let host = stalled.local_addr().expect("address");
    let images = [
        "Bad One".into(),
        format!("{host}/acme/a:1"),
        format!("{host}/acme/b:1"),
    ];
    let mut child = spawn_verify(&env, &images);
    let mut stdout = std::io::BufReader::new(child.stdout.take().expect("stdout"));
    let mut first = String::new();
    std::io::BufRead::read_line(&mut stdout, &mut first).expect("first verdict");
    assert!(
        first.starts_with("ERROR") && first.contains("Bad One"),
        "{first}"
    );
    let rest = interrupt(child, stdout);
    assert_eq!(rest.lines().count(), 2, "{rest}");
    let refs: Vec<Value> = history_json(&env)
        .into_iter()
        .map(|e| e["reference"].clone())
        .collect();
    assert_eq!(refs, [json!("Bad One")]);
    drop(stalled);
}
