//! Where secrets live: the OS keychain through keyring-core, or memory for unit tests.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use keyring_core::{CredentialStore, Entry, Error as KeyringError};

use super::TrustError;

/// The service name of every keychain item Vouch writes.
pub(super) const SERVICE: &str = "vouch";

/// A place that holds named secrets. Every call may block (D-Bus round trips): async callers
/// run it on a blocking thread.
pub trait SecretBackend: Send + Sync {
    /// A human name for the backend (`Secret Service`, `macOS Keychain`, `memory`).
    fn name(&self) -> String;
    /// Reads an item; `Ok(None)` when it does not exist.
    fn get(&self, item: &str) -> Result<Option<Vec<u8>>, TrustError>;
    /// Creates or replaces an item in one call.
    fn set(&self, item: &str, label: &str, value: &[u8]) -> Result<(), TrustError>;
    /// Deletes an item; deleting a missing item is not an error.
    fn delete(&self, item: &str) -> Result<(), TrustError>;
}

/// The OS keychain: Secret Service on Linux, Keychain on macOS, Credential Manager on Windows.
pub struct KeychainBackend {
    store: Arc<CredentialStore>,
    name: String,
}

impl KeychainBackend {
    /// Connects to the platform keychain. Fails with a clear sentence when there is none.
    pub fn connect() -> Result<Self, TrustError> {
        let name = platform_name().to_string();
        let store = platform_store().map_err(|e| TrustError::KeychainUnreachable {
            backend: name.clone(),
            detail: describe(&e),
        })?;
        Ok(Self { store, name })
    }

    fn entry(&self, item: &str, label: Option<&str>) -> Result<Entry, TrustError> {
        let result = match label {
            Some(label) => {
                let mods = HashMap::from([("label", label)]);
                Entry::new_in_store_with_modifiers(&self.store, SERVICE, item, &mods)
            }
            None => Entry::new_in_store(&self.store, SERVICE, item),
        };
        result.map_err(|e| self.map_err("open an item", e))
    }

    fn map_err(&self, action: &str, e: KeyringError) -> TrustError {
        let backend = self.name.clone();
        match e {
            KeyringError::NoStorageAccess(_) => TrustError::KeychainLocked {
                backend,
                detail: describe(&e),
            },
            KeyringError::PlatformFailure(_) if is_unreachable(&e) => {
                TrustError::KeychainUnreachable {
                    backend,
                    detail: describe(&e),
                }
            }
            other => TrustError::KeychainRefused {
                backend,
                action: action.to_string(),
                detail: describe(&other),
            },
        }
    }
}

fn describe(e: &KeyringError) -> String {
    // keyring-core's messages name the platform failure; they never include the secret.
    let s = e.to_string();
    s.trim_end_matches('.').to_string()
}

fn is_unreachable(e: &KeyringError) -> bool {
    let s = e.to_string().to_lowercase();
    [
        "dbus",
        "d-bus",
        "connect",
        "not provided by any",
        "serviceunknown",
        "no such file",
    ]
    .iter()
    .any(|w| s.contains(w))
}

impl SecretBackend for KeychainBackend {
    fn name(&self) -> String {
        self.name.clone()
    }

    fn get(&self, item: &str) -> Result<Option<Vec<u8>>, TrustError> {
        match self.entry(item, None)?.get_secret() {
            Ok(v) => Ok(Some(v)),
            Err(KeyringError::NoEntry) => Ok(None),
            Err(e) => Err(self.map_err("read", e)),
        }
    }

    fn set(&self, item: &str, label: &str, value: &[u8]) -> Result<(), TrustError> {
        self.entry(item, Some(label))?
            .set_secret(value)
            .map_err(|e| self.map_err("write", e))
    }

    fn delete(&self, item: &str) -> Result<(), TrustError> {
        match self.entry(item, None)?.delete_credential() {
            Ok(()) | Err(KeyringError::NoEntry) => Ok(()),
            Err(e) => Err(self.map_err("delete", e)),
        }
    }
}

#[cfg(target_os = "linux")]
fn platform_store() -> keyring_core::Result<Arc<CredentialStore>> {
    Ok(zbus_secret_service_keyring_store::Store::new()?)
}
#[cfg(target_os = "linux")]
fn platform_name() -> &'static str {
    "Secret Service"
}

#[cfg(target_os = "macos")]
fn platform_store() -> keyring_core::Result<Arc<CredentialStore>> {
    Ok(apple_native_keyring_store::keychain::Store::new()?)
}
#[cfg(target_os = "macos")]
fn platform_name() -> &'static str {
    "macOS Keychain"
}

#[cfg(target_os = "windows")]
fn platform_store() -> keyring_core::Result<Arc<CredentialStore>> {
    Ok(windows_native_keyring_store::Store::new()?)
}
#[cfg(target_os = "windows")]
fn platform_name() -> &'static str {
    "Windows Credential Manager"
}

#[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
fn platform_store() -> keyring_core::Result<Arc<CredentialStore>> {
    Err(KeyringError::NotSupportedByStore(
        "no keychain is supported on this platform".into(),
    ))
}
#[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
fn platform_name() -> &'static str {
    "none"
}

/// An in-memory backend for unit tests. It can be told to fail writes, to prove that a
/// failed write leaves the previous store intact.
#[derive(Default)]
pub struct MemoryBackend {
    items: Mutex<BTreeMap<String, Vec<u8>>>,
    fail_writes: std::sync::atomic::AtomicBool,
}

impl MemoryBackend {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn fail_writes(&self, fail: bool) {
        self.fail_writes
            .store(fail, std::sync::atomic::Ordering::SeqCst);
    }

    pub fn item_names(&self) -> Vec<String> {
        self.lock().keys().cloned().collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Vec<u8>>> {
        // A poisoned lock only means another test thread panicked; the map is still usable.
        self.items.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl SecretBackend for MemoryBackend {
    fn name(&self) -> String {
        "memory".into()
    }
    fn get(&self, item: &str) -> Result<Option<Vec<u8>>, TrustError> {
        Ok(self.lock().get(item).cloned())
    }
    fn set(&self, item: &str, _label: &str, value: &[u8]) -> Result<(), TrustError> {
        if self.fail_writes.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(TrustError::KeychainRefused {
                backend: "memory".into(),
                action: "write".into(),
                detail: "writes are failing (test)".into(),
            });
        }
        self.lock().insert(item.to_string(), value.to_vec());
        Ok(())
    }
    fn delete(&self, item: &str) -> Result<(), TrustError> {
        self.lock().remove(item);
        Ok(())
    }
}
