//! Where Vouch keeps its few files (configuration, history, lock files) and which profile is active.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

use crate::trust::TrustError;

/// The environment variable that selects a profile (a separate keychain namespace).
pub const PROFILE_ENV: &str = "VOUCH_PROFILE";

/// The active profile: `VOUCH_PROFILE`, or `default`.
pub fn profile() -> Result<String, TrustError> {
    profile_named(&std::env::var(PROFILE_ENV).unwrap_or_default())
}

/// Checks a profile name (empty means `default`).
pub fn profile_named(name: &str) -> Result<String, TrustError> {
    let p = if name.is_empty() { "default" } else { name };
    let ok = p.len() <= 64
        && p.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if ok {
        Ok(p.to_string())
    } else {
        Err(TrustError::BadProfile {
            variable: PROFILE_ENV,
            value: p.chars().take(80).collect(),
        })
    }
}

/// Vouch's configuration folder: `$VOUCH_CONFIG_DIR`, else `$XDG_CONFIG_HOME/vouch`, else
/// `~/.config/vouch` (the platform's config folder on macOS and Windows).
pub fn config_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("VOUCH_CONFIG_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(d);
    }
    if let Some(d) = std::env::var_os("XDG_CONFIG_HOME").filter(|d| !d.is_empty()) {
        return PathBuf::from(d).join("vouch");
    }
    #[cfg(target_os = "windows")]
    if let Some(d) = std::env::var_os("APPDATA") {
        return PathBuf::from(d).join("vouch");
    }
    #[cfg(target_os = "macos")]
    if let Some(h) = std::env::var_os("HOME") {
        return PathBuf::from(h).join("Library/Application Support/vouch");
    }
    match std::env::var_os("HOME") {
        Some(h) => PathBuf::from(h).join(".config").join("vouch"),
        None => PathBuf::from(".vouch"),
    }
}

/// The configuration file.
pub fn config_path() -> PathBuf {
    config_dir().join("config.json")
}

/// One profile's history of past checks.
pub fn history_path(profile: &str) -> PathBuf {
    config_dir().join("history").join(format!("{profile}.json"))
}

/// One profile's Sigstore trusted roots: the updated public-good root, TUF state, custom roots
/// (see [`crate::sigstore::roots`]).
pub fn trust_roots_dir(profile: &str) -> PathBuf {
    config_dir().join("trust-roots").join(profile)
}

/// A lock file under the configuration folder, for what lives there (a profile's history).
pub fn lock_path(name: &str) -> PathBuf {
    config_dir().join("locks").join(format!("{name}.lock"))
}

/// The lock file that serialises writers of one profile's trust set.
///
/// The trust set lives in the keychain, not in the configuration folder, so its lock must not
/// depend on where a process keeps its configuration: the CLI run with another
/// `XDG_CONFIG_HOME` or `VOUCH_CONFIG_DIR` than the app writes the same keychain item and must
/// wait for the same lock. The keychain belongs to the user's login session, and so does
/// `$XDG_RUNTIME_DIR` (one per user and session, private to them, on a tmpfs): the lock is
/// `$XDG_RUNTIME_DIR/vouch/locks/<profile>.trust.lock`. Without a runtime folder (macOS,
/// Windows, a bare session) it is under the home folder, never under an overridable folder:
/// `~/.cache/vouch/locks/` (the platform's local data folder on Windows).
pub fn trust_lock_path(profile: &str) -> PathBuf {
    let file = format!("{profile}.trust.lock");
    if let Some(d) = std::env::var_os("XDG_RUNTIME_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(d).join("vouch").join("locks").join(file);
    }
    #[cfg(target_os = "windows")]
    if let Some(d) = std::env::var_os("LOCALAPPDATA").filter(|d| !d.is_empty()) {
        return PathBuf::from(d).join("vouch").join("locks").join(file);
    }
    match std::env::var_os("HOME").filter(|h| !h.is_empty()) {
        Some(h) => PathBuf::from(h)
            .join(".cache")
            .join("vouch")
            .join("locks")
            .join(file),
        None => config_dir().join("locks").join(file),
    }
}

/// Opens (creating it and its folder) and exclusively locks `path`; the lock lasts as long as
/// the returned file.
pub(crate) fn take_lock(path: &Path) -> std::io::Result<File> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)?;
    file.lock()?;
    Ok(file)
}

/// Replaces `path` with `bytes` in one rename (a temporary file beside it, its folder created),
/// so a reader sees the old content or the new, never part of either.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression: a bad `VOUCH_PROFILE` was reported as "bad policy".
    #[test]
    fn a_bad_profile_is_reported_as_a_bad_profile() {
        let err = profile_named("Team A").expect_err("upper case and a space");
        assert!(matches!(err, TrustError::BadProfile { .. }), "{err:?}");
        let text = err.to_string();
        assert!(
            text.starts_with("VOUCH_PROFILE=`Team A` is not a valid profile name"),
            "{text}"
        );
        assert!(!text.contains("policy"), "{text}");
        assert_eq!(profile_named("").ok().as_deref(), Some("default"));
        assert_eq!(profile_named("demo-1").ok().as_deref(), Some("demo-1"));
    }
}
