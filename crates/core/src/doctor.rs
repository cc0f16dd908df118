//! `doctor`: what Vouch can reach on this machine.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::trust::TrustStore;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct KeychainStatus {
    pub reachable: bool,
    pub backend: String,
    /// One sentence: how many keys, or why it could not be reached.
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Puller {
    pub name: String,
    pub path: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DoctorReport {
    pub version: String,
    pub profile: String,
    pub config_path: String,
    pub keychain: KeychainStatus,
    pub pullers: Vec<Puller>,
}

impl DoctorReport {
    /// Checks the keychain of the active profile and looks for docker and podman. Blocking.
    pub fn gather() -> Self {
        let profile = crate::paths::profile().unwrap_or_else(|e| format!("invalid ({e})"));
        let keychain = match TrustStore::open_keychain() {
            Err(e) => KeychainStatus {
                reachable: false,
                backend: backend_name().into(),
                detail: e.to_string(),
            },
            Ok(store) => match store.load() {
                Ok(set) => KeychainStatus {
                    reachable: true,
                    backend: store.backend_name(),
                    detail: format!(
                        "{} trusted key{} in profile `{}`",
                        set.keys.len(),
                        if set.keys.len() == 1 { "" } else { "s" },
                        store.profile()
                    ),
                },
                Err(e) => KeychainStatus {
                    reachable: false,
                    backend: store.backend_name(),
                    detail: e.to_string(),
                },
            },
        };
        Self {
            version: env!("CARGO_PKG_VERSION").to_string(),
            profile,
            config_path: crate::paths::config_path().display().to_string(),
            keychain,
            pullers: ["docker", "podman"]
                .iter()
                .map(|n| Puller {
                    name: (*n).to_string(),
                    path: find_in_path(n).map(|p| p.display().to_string()),
                })
                .collect(),
        }
    }
}

fn backend_name() -> &'static str {
    if cfg!(target_os = "linux") {
        "Secret Service"
    } else if cfg!(target_os = "macos") {
        "macOS Keychain"
    } else if cfg!(target_os = "windows") {
        "Windows Credential Manager"
    } else {
        "none"
    }
}

/// The first executable called `name` on `PATH`.
pub fn find_in_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| is_executable(p))
}

fn is_executable(p: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        p.metadata()
            .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
            .unwrap_or(false)
    }
    #[cfg(not(unix))]
    {
        p.is_file()
    }
}
