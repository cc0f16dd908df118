//! Where secrets live: the OS keychain through keyring-core, or memory for unit tests.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, OnceLock};

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
    /// Reads an item that holds no secret (the trust-set document: public keys, names, scopes,
    /// policies). A backend may use a cheaper channel for it; never call this for private keys.
    fn get_public(&self, item: &str) -> Result<Option<Vec<u8>>, TrustError> {
        self.get(item)
    }
    /// Creates or replaces an item in one call.
    fn set(&self, item: &str, label: &str, value: &[u8]) -> Result<(), TrustError>;
    /// Deletes an item; deleting a missing item is not an error.
    fn delete(&self, item: &str) -> Result<(), TrustError>;
}

/// The OS keychain: Secret Service on Linux, Keychain on macOS, Credential Manager on Windows.
///
/// On Linux two Secret Service sessions may be opened. keyring-core's store negotiates an
/// encrypted (Diffie-Hellman) session, which every read of a private key and every write goes
/// through; it is opened on first use. The trust-set document holds no secret, so
/// [`SecretBackend::get_public`] reads it over a `plain` session opened by `connect` — the DH
/// exchange (client and gnome-keyring each computing a 1024-bit modular exponentiation) was
/// half of what `vouch key list` and a one-image `vouch verify` cost.
pub struct KeychainBackend {
    store: OnceLock<Arc<CredentialStore>>,
    #[cfg(target_os = "linux")]
    plain: Mutex<secret_service::blocking::SecretService<'static>>,
    name: String,
}

impl KeychainBackend {
    /// Connects to the platform keychain. Fails with a clear sentence when there is none.
    pub fn connect() -> Result<Self, TrustError> {
        let name = platform_name().to_string();
        #[cfg(target_os = "linux")]
        {
            let plain = secret_service::blocking::SecretService::connect(
                secret_service::EncryptionType::Plain,
            )
            .map_err(|e| TrustError::KeychainUnreachable {
                backend: name.clone(),
                detail: describe_ss(&e),
            })?;
            Ok(Self {
                store: OnceLock::new(),
                plain: Mutex::new(plain),
                name,
            })
        }
        #[cfg(not(target_os = "linux"))]
        {
            let backend = Self {
                store: OnceLock::new(),
                name,
            };
            backend.store()?;
            Ok(backend)
        }
    }

    /// keyring-core's store, connected on first use.
    fn store(&self) -> Result<&Arc<CredentialStore>, TrustError> {
        if let Some(store) = self.store.get() {
            return Ok(store);
        }
        let store = platform_store().map_err(|e| TrustError::KeychainUnreachable {
            backend: self.name.clone(),
            detail: describe(&e),
        })?;
        // Two threads racing here both connect; the first stored is the one used.
        Ok(self.store.get_or_init(|| store))
    }

    fn entry(&self, item: &str, label: Option<&str>) -> Result<Entry, TrustError> {
        let store = self.store()?;
        let result = match label {
            Some(label) => {
                let mods = HashMap::from([("label", label)]);
                Entry::new_in_store_with_modifiers(store, SERVICE, item, &mods)
            }
            None => Entry::new_in_store(store, SERVICE, item),
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
            KeyringError::PlatformFailure(_)
                if matches!(action, "write" | "delete") && is_cut_off(&e) =>
            {
                TrustError::KeychainLostMidWrite {
                    backend,
                    detail: describe(&e),
                }
            }
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

/// Why a locked keychain is refused rather than unlocked.
#[cfg(target_os = "linux")]
const LOCKED_DETAIL: &str =
    "the collection that holds Vouch's items is locked, and Vouch does not \
     open an unlock prompt (it would wait for an answer that may never come); nothing was read or \
     written";

/// The attributes of one of Vouch's items.
#[cfg(target_os = "linux")]
fn item_attributes(item: &str) -> HashMap<&str, &str> {
    HashMap::from([("service", SERVICE), ("username", item)])
}

#[cfg(target_os = "linux")]
impl KeychainBackend {
    fn plain_session(
        &self,
        action: &str,
    ) -> Result<
        std::sync::MutexGuard<'_, secret_service::blocking::SecretService<'static>>,
        TrustError,
    > {
        self.plain.lock().map_err(|_| TrustError::KeychainRefused {
            backend: self.name.clone(),
            action: action.into(),
            detail: "an earlier keychain call failed midway".into(),
        })
    }

    fn locked(&self) -> TrustError {
        TrustError::KeychainLocked {
            backend: self.name.clone(),
            detail: LOCKED_DETAIL.into(),
        }
    }

    fn ss_error(&self, action: &str, e: secret_service::Error) -> TrustError {
        let detail = describe_ss(&e);
        match e {
            secret_service::Error::Locked => self.locked(),
            _ if is_unreachable_text(&detail) => TrustError::KeychainUnreachable {
                backend: self.name.clone(),
                detail,
            },
            _ => TrustError::KeychainRefused {
                backend: self.name.clone(),
                action: action.into(),
                detail,
            },
        }
    }

    /// keyring-core's Secret Service store unlocks a locked item or collection before using it,
    /// which opens the desktop's unlock prompt and waits, without a time limit, for someone to
    /// answer it: `vouch` in a terminal, a script or the app would hang. So every keychain call
    /// first asks over the plain session (no prompt, one round trip) whether what it will touch
    /// is locked, and refuses with [`TrustError::KeychainLocked`] if so: the item itself, and
    /// for a write that creates it, the default collection it will be created in.
    fn refuse_if_locked(&self, item: &str, writing: bool) -> Result<(), TrustError> {
        let ss = self.plain_session(if writing { "write" } else { "read" })?;
        let found = ss
            .search_items(item_attributes(item))
            .map_err(|e| self.ss_error("read", e))?;
        if !found.locked.is_empty() {
            return Err(self.locked());
        }
        if writing && found.unlocked.is_empty() {
            // A new item goes into the default collection. Without one, keyring-core reports
            // the problem itself (no prompt is involved).
            if let Ok(collection) = ss.get_default_collection() {
                if collection
                    .is_locked()
                    .map_err(|e| self.ss_error("write", e))?
                {
                    return Err(self.locked());
                }
            }
        }
        Ok(())
    }
}

#[cfg(not(target_os = "linux"))]
impl KeychainBackend {
    /// The macOS and Windows stores never block on a prompt of their own making here.
    fn refuse_if_locked(&self, _item: &str, _writing: bool) -> Result<(), TrustError> {
        Ok(())
    }
}

fn describe(e: &KeyringError) -> String {
    // keyring-core's messages name the platform failure; they never include the secret.
    let s = e.to_string();
    s.trim_end_matches('.').to_string()
}

/// The keychain's end of the connection went away before it answered a call already sent.
fn is_cut_off(e: &KeyringError) -> bool {
    let s = e.to_string().to_lowercase();
    s.contains("noreply") || s.contains("disconnected")
}

fn is_unreachable(e: &KeyringError) -> bool {
    is_unreachable_text(&e.to_string())
}

fn is_unreachable_text(s: &str) -> bool {
    let s = s.to_lowercase();
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

/// The sentence for a Secret Service failure on the plain session (never includes a secret).
#[cfg(target_os = "linux")]
fn describe_ss(e: &secret_service::Error) -> String {
    format!("Platform secure storage failure: {e}")
        .trim_end_matches('.')
        .to_string()
}

impl SecretBackend for KeychainBackend {
    fn name(&self) -> String {
        self.name.clone()
    }

    #[cfg(target_os = "linux")]
    fn get_public(&self, item: &str) -> Result<Option<Vec<u8>>, TrustError> {
        {
            let ss = self.plain_session("read")?;
            let found = ss
                .search_items(item_attributes(item))
                .map_err(|e| self.ss_error("read", e))?;
            if !found.locked.is_empty() {
                return Err(self.locked());
            }
            match found.unlocked.as_slice() {
                [] => return Ok(None),
                [one] => {
                    return one
                        .get_secret()
                        .map(Some)
                        .map_err(|e| self.ss_error("read", e))
                }
                // Ambiguous: the regular path below handles and reports it as for any other item.
                _ => {}
            }
        }
        self.get(item)
    }

    fn get(&self, item: &str) -> Result<Option<Vec<u8>>, TrustError> {
        self.refuse_if_locked(item, false)?;
        match self.entry(item, None)?.get_secret() {
            Ok(v) => Ok(Some(v)),
            Err(KeyringError::NoEntry) => Ok(None),
            Err(e) => Err(self.map_err("read", e)),
        }
    }

    fn set(&self, item: &str, label: &str, value: &[u8]) -> Result<(), TrustError> {
        self.refuse_if_locked(item, true)?;
        self.entry(item, Some(label))?
            .set_secret(value)
            .map_err(|e| self.map_err("write", e))
    }

    fn delete(&self, item: &str) -> Result<(), TrustError> {
        self.refuse_if_locked(item, false)?;
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
