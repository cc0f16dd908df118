//! The app's state, built once and shared by every command.

use std::sync::{Arc, Mutex};

use vouch_core::trust::{TrustError, TrustStore};

/// Holds the keychain connection once it is made; a failed connection is retried on the next
/// command, so starting the keychain after the app works.
#[derive(Default, Clone)]
pub(crate) struct AppState {
    store: Arc<Mutex<Option<TrustStore>>>,
}

impl AppState {
    /// The trust store of the active profile. Blocking (D-Bus): call from a blocking thread.
    pub(crate) fn store(&self) -> Result<TrustStore, TrustError> {
        let mut guard = self.store.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(s) = guard.as_ref() {
            return Ok(s.clone());
        }
        let s = TrustStore::open_keychain()?;
        *guard = Some(s.clone());
        Ok(s)
    }
}
