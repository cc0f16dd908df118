//! The user's settings file (`config.json` in [`crate::paths::config_dir`]): registries reached
//! over plain HTTP and the window theme. Nothing secret lives here: registry credentials stay in
//! the docker/containers auth files and keys stay in the keychain.

use std::path::Path;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum Theme {
    /// Follow the operating system.
    #[default]
    System,
    Light,
    Dark,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Settings {
    /// Registries (`host[:port]`) reached over plain HTTP (unless they have TLS material; loopback
    /// hosts that do not speak TLS are too).
    #[serde(default)]
    pub insecure_registries: Vec<String>,
    #[serde(default)]
    pub theme: Theme,
    /// Registries searched by `vouch search` and the window's search field.
    #[serde(default)]
    pub registries: Vec<RegistryEntry>,
}

/// A registry the person configured: searched, and reached with its flags.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RegistryEntry {
    /// `host[:port]`.
    pub host: String,
    /// Reached over plain HTTP (unless it has TLS material: a CA means HTTPS).
    #[serde(default)]
    pub insecure: bool,
    /// A PEM file of CA certificates trusted for this registry besides the system's (added to
    /// those of its `certs.d` folder). Absent: none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub ca_file: Option<String>,
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    #[error("the settings file {path} is not valid: {detail}; fix or delete it")]
    Malformed { path: String, detail: String },
    #[error("could not write the settings file {path}: {source}")]
    Write {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("the settings could not be serialised ({detail}); the file was left unchanged")]
    Serialize { detail: String },
    #[error("`{0}` is not a registry host: use host or host:port, e.g. registry.internal:5000")]
    BadHost(String),
    #[error("the CA file `{file}` of {host} is not an absolute path: choose the file again")]
    RelativeCaFile { host: String, file: String },
}

/// Checks that `h` is a registry host (`host` or `host:port`), as the settings store them.
pub fn check_host(h: &str) -> Result<(), ConfigError> {
    let ok = !h.is_empty()
        && h.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    if ok {
        Ok(())
    } else {
        Err(ConfigError::BadHost(h.to_string()))
    }
}

impl Settings {
    /// Reads the settings; a missing file means the defaults.
    pub fn load() -> Result<Self, ConfigError> {
        Self::load_from(&crate::paths::config_path())
    }

    pub fn load_from(path: &Path) -> Result<Self, ConfigError> {
        match std::fs::read(path) {
            Err(_) => Ok(Self::default()),
            Ok(bytes) => Self::from_json(&bytes, path),
        }
    }

    /// The settings in `bytes`, read from `path` (named in the error). Public for the fuzz
    /// target `settings` only.
    #[doc(hidden)]
    pub fn from_json(bytes: &[u8], path: &Path) -> Result<Self, ConfigError> {
        // serde quotes what it did not expect as it is: control characters (terminal escapes)
        // in the file must not reach the terminal through the message.
        serde_json::from_slice(bytes).map_err(|e| ConfigError::Malformed {
            path: path.display().to_string(),
            detail: crate::registry::error::sanitize(&e.to_string()),
        })
    }

    /// Validates and writes the settings atomically (a temporary file renamed over the old one).
    pub fn save(&self) -> Result<(), ConfigError> {
        self.save_to(&crate::paths::config_path())
    }

    pub fn save_to(&self, path: &Path) -> Result<(), ConfigError> {
        let hosts = self.registries.iter().map(|r| &r.host);
        for h in self.insecure_registries.iter().chain(hosts) {
            check_host(h)?;
        }
        for r in &self.registries {
            match &r.ca_file {
                Some(f) if !Path::new(f).is_absolute() => {
                    return Err(ConfigError::RelativeCaFile {
                        host: r.host.clone(),
                        file: f.clone(),
                    })
                }
                _ => {}
            }
        }
        let json = self.to_json()?;
        crate::paths::write_atomically(path, &json).map_err(|source| ConfigError::Write {
            path: path.display().to_string(),
            source,
        })
    }

    /// The document [`Settings::save_to`] writes (hosts not checked). Public for the fuzz
    /// target `settings` only.
    #[doc(hidden)]
    pub fn to_json(&self) -> Result<Vec<u8>, ConfigError> {
        serde_json::to_vec_pretty(self).map_err(|e| ConfigError::Serialize {
            detail: e.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_file_is_defaults_and_roundtrip_keeps_values() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("config.json");
        assert_eq!(
            Settings::load_from(&path).expect("load"),
            Settings::default()
        );
        let s = Settings {
            insecure_registries: vec!["registry.internal:5000".into()],
            theme: Theme::Dark,
            registries: vec![RegistryEntry {
                host: "registry.internal:5000".into(),
                insecure: true,
                ca_file: Some("/etc/pki/internal-ca.pem".into()),
            }],
        };
        s.save_to(&path).expect("save");
        assert_eq!(Settings::load_from(&path).expect("load"), s);
    }

    /// Found by the fuzz target `settings`: serde quotes an unknown theme as it is, so a file
    /// could put terminal escapes and new lines into the message. They are spaces now.
    #[test]
    fn a_malformed_file_message_holds_no_control_characters() {
        let bytes = br#"{"theme":"\u001b[2J\nlight"}"#;
        let e = Settings::from_json(bytes, Path::new("config.json")).expect_err("unknown theme");
        let message = e.to_string();
        assert!(!message.chars().any(char::is_control), "{message:?}");
        assert!(message.contains("[2J light"), "{message}");
    }

    #[test]
    fn malformed_file_and_bad_hosts_are_refused_clearly() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("config.json");
        std::fs::write(&path, b"{not json").expect("write");
        let e = Settings::load_from(&path).expect_err("malformed");
        assert!(e.to_string().contains("not valid"), "{e}");
        let bad = Settings {
            insecure_registries: vec!["http://x".into()],
            theme: Theme::System,
            registries: Vec::new(),
        };
        assert!(matches!(bad.save_to(&path), Err(ConfigError::BadHost(_))));
        let relative = Settings {
            registries: vec![RegistryEntry {
                host: "registry.internal:5000".into(),
                insecure: false,
                ca_file: Some("certs/ca.pem".into()),
            }],
            ..Settings::default()
        };
        let e = relative.save_to(&path).expect_err("relative CA file");
        assert!(e.to_string().contains("not an absolute path"), "{e}");
        // The malformed file was not replaced by a failed save.
        assert_eq!(std::fs::read(&path).expect("read"), b"{not json");
    }
}
