//! Where Vouch keeps its few files (configuration, lock files) and which profile is active.

use std::path::PathBuf;

use crate::trust::TrustError;

/// The environment variable that selects a profile (a separate keychain namespace).
pub const PROFILE_ENV: &str = "VOUCH_PROFILE";

/// The active profile: `VOUCH_PROFILE`, or `default`.
pub fn profile() -> Result<String, TrustError> {
    let p = std::env::var(PROFILE_ENV).unwrap_or_default();
    let p = if p.is_empty() {
        "default".to_string()
    } else {
        p
    };
    let ok = p.len() <= 64
        && p.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if ok {
        Ok(p)
    } else {
        Err(TrustError::BadPolicy(format!(
            "{PROFILE_ENV}=`{p}` is not a valid profile name: use up to 64 lower-case letters, digits, `-` or `_`"
        )))
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

/// The lock file that serialises writers of one profile's trust set.
pub fn lock_path(profile: &str) -> PathBuf {
    config_dir().join("locks").join(format!("{profile}.lock"))
}
