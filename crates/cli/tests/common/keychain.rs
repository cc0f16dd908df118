//! The harness's keychain (gnome-keyring on the run's private D-Bus) as the tests reach it
//! outside Vouch: lock, unlock and find its daemon (`keyring.py`), and revive it when it died.
//!
//! Why revival: gnome-keyring-daemon aborts now and then when short-lived clients connect and
//! disconnect in quick succession — an upstream race (`gkd_secret_service_get_pkcs11_session:
//! assertion 'client' failed`, then a GLib assertion; seen here as `trap int3` in libglib in
//! the kernel log, about once in ten `make test` runs). D-Bus activation then starts a new,
//! locked daemon, and every later test fails on a locked keychain. When a `vouch` run fails
//! with a keychain sentence *and the daemon that served the run is gone*, [`with_revival`]
//! unlocks the daemon that replaced it with the harness's password, records the restart
//! (stderr and `keychain-restarts.log` in the artifacts folder; `make test` prints it), and
//! runs the command once more. A daemon that is alive is never touched, so a locked or
//! refusing keychain is still reported as it is; the keychain-fault tests, which kill and lock
//! it on purpose, turn revival off ([`faults_on_purpose`]).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;

/// The password `tests/harness/with-env.sh` unlocks its keychain with (it exports it).
fn harness_password() -> String {
    std::env::var("VOUCH_TEST_KEYCHAIN_PASSWORD").unwrap_or_default()
}

static REVIVE: AtomicBool = AtomicBool::new(true);
static REVIVALS: AtomicU64 = AtomicU64::new(0);
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// `keyring.py` (Gio, Debian's python3): lock or unlock the default collection (unlocking
/// starts the daemon by D-Bus activation when none runs), or set a variable of the bus's
/// activation environment. Returns its output, or the failure.
pub fn try_keyring(args: &[&str]) -> Result<String, String> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/common/keyring.py");
    let mut child = Command::new("/usr/bin/python3")
        .arg(&script)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("keyring.py {args:?}: {e}"))?;
    let mut stdin = child.stdin.take().ok_or("no stdin")?;
    if args == ["unlock"] {
        stdin
            .write_all(harness_password().as_bytes())
            .map_err(|e| e.to_string())?;
    }
    drop(stdin);
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!(
            "keyring.py {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// [`try_keyring`], panicking with its failure.
pub fn keyring(args: &[&str]) -> String {
    try_keyring(args).unwrap_or_else(|e| panic!("{e}"))
}

/// The process that owns `org.freedesktop.secrets` on the session bus, if any.
pub fn owner_pid() -> Option<u32> {
    let out = Command::new("dbus-send")
        .args([
            "--session",
            "--print-reply",
            "--dest=org.freedesktop.DBus",
            "/org/freedesktop/DBus",
            "org.freedesktop.DBus.GetConnectionUnixProcessID",
            "string:org.freedesktop.secrets",
        ])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.split_whitespace()
        .skip_while(|w| *w != "uint32")
        .nth(1)
        .and_then(|p| p.parse().ok())
}

/// The keychain daemon's pid (panics when none owns the name).
pub fn keychain_pid() -> u32 {
    owner_pid().expect("no process owns org.freedesktop.secrets on the session bus")
}

/// For the keychain-fault tests, which lock and kill the keychain on purpose: this process
/// never revives it.
pub fn faults_on_purpose() {
    REVIVE.store(false, Ordering::SeqCst);
}

/// The file in which the harness keeps the pid of the daemon that serves the run.
fn pid_file() -> Option<PathBuf> {
    std::env::var_os("VOUCH_TEST_KEYCHAIN_PID_FILE").map(PathBuf::from)
}

/// Records the daemon that owns the Secret Service now as the one serving the run (after a
/// test replaced it on purpose, or a revival).
pub fn adopt_running_daemon() -> Option<u32> {
    let now = owner_pid()?;
    std::fs::write(pid_file()?, now.to_string()).ok()?;
    Some(now)
}

/// Runs `run`; when it failed because the keychain daemon died meanwhile, revives the keychain
/// (see the module doc) and runs it once more.
pub fn with_revival(what: &str, mut run: impl FnMut() -> Output) -> Output {
    let before = REVIVALS.load(Ordering::SeqCst);
    let out = run();
    if revived(&out, what, before) {
        run()
    } else {
        out
    }
}

fn revived(out: &Output, what: &str, before: u64) -> bool {
    if out.status.success() || !REVIVE.load(Ordering::SeqCst) {
        return false;
    }
    if !String::from_utf8_lossy(&out.stderr).contains("the keychain (Secret Service)") {
        return false;
    }
    let Some(file) = pid_file() else {
        return false;
    };
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    if REVIVALS.load(Ordering::SeqCst) != before {
        return true; // another test revived it while this command ran
    }
    let recorded: Option<u32> = std::fs::read_to_string(&file)
        .ok()
        .and_then(|s| s.trim().parse().ok());
    // Gone means no longer the owner of the Secret Service's bus name (a killed daemon may
    // linger as a zombie in /proc).
    let Some(dead) = recorded.filter(|pid| owner_pid() != Some(*pid)) else {
        return false; // the daemon that served the run still serves it: its answer stands
    };
    if let Err(e) = try_keyring(&["unlock"]) {
        eprintln!("harness: the keychain daemon (pid {dead}) died and could not be revived: {e}");
        return false;
    }
    let Some(now) = adopt_running_daemon() else {
        return false;
    };
    let line = format!(
        "the keychain daemon (pid {dead}) was gone when `{what}` ran (gnome-keyring's race with \
         short-lived clients); a new one (pid {now}) was unlocked and the command ran again"
    );
    eprintln!("harness: {line}");
    if let Some(dir) = std::env::var_os("VOUCH_TEST_ARTIFACTS") {
        let log = Path::new(&dir).join("keychain-restarts.log");
        if let Ok(mut f) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
        {
            let _ = writeln!(f, "{line}");
        }
    }
    REVIVALS.fetch_add(1, Ordering::SeqCst);
    true
}
