//! The keychain misbehaving, against the real gnome-keyring of the harness: its collection locked,
//! its daemon killed in the middle of a write, and two processes — the `vouch` CLI and vouch-core
//! used the way the app uses it — writing the same trust set at once from different
//! configuration folders.
//!
//! These tests lock, kill and restart the one keychain every test of the run shares, so they run
//! one at a time (`SERIAL`), in their own test binary (cargo runs test binaries one after the
//! other), and leave the keychain running and unlocked whatever happens (`Restore`).

mod common;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Barrier, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use common::keychain::{
    adopt_running_daemon, faults_on_purpose, keychain_pid, keyring, try_keyring,
};
use common::{assert_ok, real_env, Env};
use vouch_core::keys::{Algorithm, PrivateKey};
use vouch_core::paths::trust_lock_path;
use vouch_core::trust::{KeychainBackend, TrustError, TrustStore};

/// How long Vouch may take to say "locked": a few D-Bus round trips, never a prompt.
const LOCKED_WITHIN: Duration = Duration::from_secs(5);

static SERIAL: Mutex<()> = Mutex::new(());

/// One fault test at a time; none of them revives the keychain (they kill and lock it on
/// purpose, and judge what Vouch says then).
fn serial() -> MutexGuard<'static, ()> {
    faults_on_purpose();
    // A poisoned lock only means another test of this file failed; the keychain is restored.
    SERIAL.lock().unwrap_or_else(|p| p.into_inner())
}

/// On drop (a test passing or failing): the keychain runs again, unlocked, no prompt can
/// appear on the test display, and the daemon now running is the one the run's tests count on
/// (a killed one is not taken for a crash later). Never panics (it may run while a failure
/// unwinds).
struct Restore;

impl Drop for Restore {
    fn drop(&mut self) {
        for args in [&["unlock"][..], &["activation-env", "DISPLAY", ""][..]] {
            if let Err(e) = try_keyring(args) {
                eprintln!("could not restore the keychain: {e}");
            }
        }
        adopt_running_daemon();
    }
}

/// Waits at most `limit` for `child`; kills it when it overruns. Returns its status, stderr and
/// how long it took, or `None` when it had to be killed.
fn wait_bounded(mut child: Child, limit: Duration) -> Option<(ExitStatus, String, Duration)> {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            let mut err = String::new();
            if let Some(mut e) = child.stderr.take() {
                std::io::Read::read_to_string(&mut e, &mut err).expect("stderr");
            }
            return Some((status, err, start.elapsed()));
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A fresh public key written as PEM into `env`'s folder; returns its path and fingerprint.
fn new_public_key(env: &Env, name: &str) -> (PathBuf, String) {
    let key = PrivateKey::generate(Algorithm::Ed25519).expect("generate");
    let public = key.public_key();
    let path = env.write(&format!("{name}.pub"), public.to_pem().as_bytes());
    (path, public.fingerprint())
}

/// The fingerprints `vouch key list --json` shows for `env`'s profile.
fn listed(env: &Env) -> BTreeSet<String> {
    let out = env.ok(&["key", "list", "--json"]);
    let keys: serde_json::Value = serde_json::from_str(&out).expect("key list --json");
    keys.as_array()
        .expect("an array of keys")
        .iter()
        .map(|k| k["fingerprint"].as_str().expect("fingerprint").to_string())
        .collect()
}

/// The store of `env`'s profile as vouch-core opens it for the app (same lock, same keychain).
fn core_store(env: &Env) -> TrustStore {
    let backend = KeychainBackend::connect().expect("the keychain answers");
    TrustStore::new(
        Arc::new(backend),
        &env.profile,
        trust_lock_path(&env.profile),
    )
}

/// Calls vouch-core on another thread: `call` must fail with [`TrustError::KeychainLocked`]
/// within [`LOCKED_WITHIN`].
fn assert_core_says_locked(
    what: &str,
    call: impl FnOnce() -> Result<(), TrustError> + Send + 'static,
) {
    let (tx, rx) = mpsc::channel();
    let start = Instant::now();
    std::thread::spawn(move || {
        let _ = tx.send(call());
    });
    let result = rx
        .recv_timeout(Duration::from_secs(20))
        .unwrap_or_else(|_| panic!("TrustStore::{what} hung on the locked keychain"));
    let took = start.elapsed();
    match result {
        Err(TrustError::KeychainLocked { .. }) => {}
        other => panic!("TrustStore::{what} on a locked keychain: {other:?}"),
    }
    assert!(took < LOCKED_WITHIN, "TrustStore::{what} took {took:?}");
}

/// `vouch ARGS` as `env`, started (not waited for), its stderr piped.
fn spawn_vouch(env: &Env, args: &[&str]) -> Child {
    env.cmd()
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("vouch {args:?}: {e}"))
}

#[test]
#[ignore = "needs the harness: the real gnome-keyring, locked through the Secret Service API"]
fn keychain_fault_a_locked_keychain_is_reported_as_locked_at_once_and_no_unlock_prompt_is_opened() {
    real_env("locked keychain");
    let _serial = serial();
    let env = Env::new("locked");
    let (before, before_fp) = new_public_key(&env, "before");
    env.add_key(&before, "Before the lock", &[]);
    let (other, _) = new_public_key(&env, "other");

    let _restore = Restore;
    // gnome-keyring's unlock prompt can now open on the test display: a Vouch that asked for
    // it would wait for an answer nobody gives (this test then fails on time, not by luck).
    let display = std::env::var("DISPLAY").expect("the harness's DISPLAY");
    keyring(&["activation-env", "DISPLAY", &display]);
    let state = keyring(&["lock"]);
    assert!(state.ends_with(" locked"), "{state}");

    let other = other.to_str().expect("utf-8 path");
    for args in [
        vec!["key", "list"],
        vec!["key", "add", other, "--name", "Other"],
    ] {
        let child = spawn_vouch(&env, &args);
        let (status, stderr, took) =
            wait_bounded(child, Duration::from_secs(20)).unwrap_or_else(|| {
                panic!("`vouch {args:?}` hung on the locked keychain (killed after 20 s)")
            });
        assert_eq!(status.code(), Some(2), "vouch {args:?}: {stderr}");
        assert!(
            stderr.contains("the keychain (Secret Service) is locked")
                && stderr.contains("does not open an unlock prompt"),
            "vouch {args:?} says why: {stderr}"
        );
        assert!(took < LOCKED_WITHIN, "vouch {args:?} took {took:?}");
    }

    // The core calls the app makes: a typed error, as quickly.
    let store = Arc::new(core_store(&env));
    let s = Arc::clone(&store);
    assert_core_says_locked("load", move || s.load().map(|_| ()));
    let key = PrivateKey::generate(Algorithm::Ed25519)
        .expect("generate")
        .public_key();
    assert_core_says_locked("add_public", move || {
        store
            .add_public(&key, Some("Core"), &[], None, None)
            .map(|_| ())
    });

    // Unlocked again: the trust set is what it was (nothing was written while locked).
    drop(_restore);
    assert_eq!(listed(&env), BTreeSet::from([before_fp]));
}

/// The writes a `vouch key add` sends the keychain: replacing the trust-set item's secret, or
/// creating it.
const WRITE_CALLS: [&str; 2] = ["member=SetSecret", "member=CreateItem"];

#[test]
#[ignore = "needs the harness: the real gnome-keyring, killed and restarted"]
fn keychain_fault_killing_the_keychain_daemon_in_the_middle_of_a_write_leaves_the_previous_trust_set_intact(
) {
    real_env("keychain killed mid-write");
    let _serial = serial();
    let env = Env::new("killed");
    let mut previous = BTreeSet::new();
    for i in 0..3 {
        let (path, fp) = new_public_key(&env, &format!("seed{i}"));
        env.add_key(&path, &format!("Seed {i}"), &[]);
        previous.insert(fp);
    }
    assert_eq!(listed(&env), previous);
    let _restore = Restore;

    // The kill lands when the write call is on the bus, then later and later into its handling.
    let mut outcomes = Vec::new();
    for delay_ms in [0u64, 1, 3, 10, 30] {
        let (path, fp) = new_public_key(&env, &format!("new{delay_ms}"));
        // dbus-monitor sees every write call to the keychain as the bus routes it.
        let mut monitor = Command::new("dbus-monitor")
            .args([
                "--session",
                "type='method_call',interface='org.freedesktop.Secret.Item',member='SetSecret'",
                "type='method_call',interface='org.freedesktop.Secret.Collection',member='CreateItem'",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("dbus-monitor");
        let (tx, lines) = mpsc::channel::<String>();
        let out = monitor.stdout.take().expect("monitor stdout");
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        // It prints its own NameAcquired/NameLost signals once it monitors.
        lines
            .recv_timeout(Duration::from_secs(10))
            .expect("dbus-monitor started");
        let daemon = keychain_pid();

        let writer = spawn_vouch(
            &env,
            &["key", "add", path.to_str().expect("utf-8"), "--name", "New"],
        );
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let line = lines
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
                .expect("`vouch key add` never sent its write to the keychain");
            if WRITE_CALLS.iter().any(|c| line.contains(c)) {
                break;
            }
        }
        std::thread::sleep(Duration::from_millis(delay_ms));
        let killed = Command::new("kill")
            .args(["-KILL", &daemon.to_string()])
            .status()
            .expect("kill");
        assert!(killed.success(), "kill -KILL {daemon}");
        let _ = monitor.kill();
        let _ = monitor.wait();

        // The writer ends on its own, with success or a sentence: never a hang.
        let (status, stderr, _) = wait_bounded(writer, Duration::from_secs(30))
            .expect("`vouch key add` hung after the keychain daemon was killed");
        if !status.success() {
            // Its write was sent and got no answer: it cannot know whether it happened, and
            // says so (never "unchanged", never "no keychain in this session").
            assert_eq!(status.code(), Some(2), "{stderr}");
            assert!(
                stderr.starts_with("vouch: the keychain (Secret Service) stopped answering in the middle of a write"),
                "{stderr}"
            );
        }

        // Restarted (D-Bus activation) and unlocked, the keychain holds the old set or the new.
        keyring(&["unlock"]);
        let now = listed(&env);
        let mut with_new = previous.clone();
        with_new.insert(fp);
        let written = now == with_new;
        assert!(
            written || now == previous,
            "after a kill {delay_ms} ms into a write the trust set is neither the previous one nor \
             the previous one plus the new key: {now:?} (previous {previous:?})"
        );
        if status.success() {
            assert!(
                written,
                "`vouch key add` reported success but the key is not there"
            );
        }
        outcomes.push(format!(
            "{delay_ms} ms: {} ({})",
            if written {
                "written"
            } else {
                "previous set kept"
            },
            if status.success() {
                "vouch: added".to_string()
            } else {
                stderr.trim().to_string()
            }
        ));
        previous = now;
    }
    eprintln!("kill outcomes:\n  {}", outcomes.join("\n  "));
}

/// Where the second process of the concurrent-writers test finds the keys it adds.
const SECOND_WRITER_KEYS: &str = "VOUCH_TEST_SECOND_WRITER_KEYS";

/// Not a test of its own: the second process of
/// `keychain_fault_the_cli_and_the_app_writing_at_once_lose_no_key`, which runs this test binary again with
/// [`SECOND_WRITER_KEYS`] set. It adds every key in that folder the way the app does — one
/// `TrustStore::open_keychain()` shared by concurrent calls on worker threads. Without the
/// variable it fails rather than pass having written nothing: `scripts/run-tests.sh` skips it by
/// name, and only the concurrent-writers test runs it (`--exact`, the variable set).
#[test]
#[ignore = "needs the harness: the second writer process of the concurrent-writers test"]
fn keychain_fault_second_writer_process() {
    let Some(dir) = std::env::var_os(SECOND_WRITER_KEYS) else {
        panic!(
            "the second writer of keychain_fault_the_cli_and_the_app_writing_at_once_lose_no_key: \
             run by that test with {SECOND_WRITER_KEYS} set, not on its own"
        );
    };
    let store = Arc::new(TrustStore::open_keychain().expect("the app's store"));
    let files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("keys folder")
        .map(|e| e.expect("entry").path())
        .collect();
    let start = Arc::new(Barrier::new(files.len()));
    let threads: Vec<_> = files
        .into_iter()
        .map(|file| {
            let store = Arc::clone(&store);
            let start = Arc::clone(&start);
            std::thread::spawn(move || {
                let pem = std::fs::read(&file).expect("pem");
                let key = vouch_core::keys::PublicKey::parse(&pem).expect("public key");
                start.wait();
                store
                    .add_public(&key, Some("App writer"), &[], None, None)
                    .unwrap_or_else(|e| panic!("add {}: {e}", file.display()));
            })
        })
        .collect();
    for t in threads {
        t.join().expect("a writer thread panicked");
    }
}

#[test]
#[ignore = "needs the harness: the real gnome-keyring, written by two processes at once"]
fn keychain_fault_the_cli_and_the_app_writing_at_once_lose_no_key() {
    real_env("concurrent writers");
    let _serial = serial();
    let env = Env::new("writers");
    // Different configuration folders: the lock must not live in either.
    let cli_config = env.path("cli-config");
    let app_config = env.path("app-config");
    let app_keys = env.path("app-keys");
    std::fs::create_dir_all(&app_keys).expect("mkdir");
    let mut expected = BTreeSet::new();
    let mut cli_keys = Vec::new();
    for i in 0..50 {
        let (path, fp) = new_public_key(&env, &format!("cli{i}"));
        cli_keys.push(path);
        expected.insert(fp);
        let key = PrivateKey::generate(Algorithm::Ed25519)
            .expect("generate")
            .public_key();
        std::fs::write(app_keys.join(format!("app{i}.pub")), key.to_pem()).expect("write");
        expected.insert(key.fingerprint());
    }

    let app = Command::new(std::env::current_exe().expect("this test binary"))
        .args([
            "keychain_fault_second_writer_process",
            "--exact",
            "--include-ignored",
            "--nocapture",
        ])
        .env(SECOND_WRITER_KEYS, &app_keys)
        .env("VOUCH_PROFILE", &env.profile)
        .env("XDG_CONFIG_HOME", &app_config)
        .env("VOUCH_CONFIG_DIR", app_config.join("vouch"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the second process");
    let cli: Vec<Child> = cli_keys
        .iter()
        .enumerate()
        .map(|(i, path)| {
            env.cmd()
                .args([
                    "key",
                    "add",
                    path.to_str().expect("utf-8"),
                    "--name",
                    &format!("CLI {i}"),
                ])
                .env("XDG_CONFIG_HOME", &cli_config)
                .env("VOUCH_CONFIG_DIR", cli_config.join("vouch"))
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn vouch key add")
        })
        .collect();
    for child in cli {
        let out = child.wait_with_output().expect("vouch key add");
        assert_ok(&out, "vouch key add (one of 50 at once)");
    }
    let out = app.wait_with_output().expect("second process");
    assert_ok(&out, "the second writer process");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("keychain_fault_second_writer_process ... ok")
            && stdout.contains("1 passed"),
        "the second process ran its writer: {stdout}"
    );

    let now = listed(&env);
    let lost: Vec<_> = expected.difference(&now).collect();
    assert!(lost.is_empty(), "{} of 100 keys lost: {lost:?}", lost.len());
    assert_eq!(now, expected);
}
