//! The app's state, built once and shared by every command.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use vouch_core::trust::{TrustError, TrustStore, TrustedKey};
use vouch_core::verify::Cancel;

/// Holds the keychain connection once it is made; a failed connection is retried on the next
/// command, so starting the keychain after the app works.
///
/// At start-up [`AppState::preload`] also reads the trusted keys, for the first screen's list,
/// while the window and its web process start. That read is handed out at most once, and only
/// if no command has used the store before ([`AppState::store`] drops it): it is never older
/// than the window's first request, and never outlives a change made through the app.
#[derive(Default, Clone)]
pub(crate) struct AppState {
    store: Arc<Mutex<Option<TrustStore>>>,
    batches: Batches,
    preloaded: Arc<Mutex<Option<Vec<TrustedKey>>>>,
}

/// A poisoned lock still holds a usable value here (an `Option` replaced whole).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl AppState {
    /// The trust store of the active profile. Blocking (D-Bus): call from a blocking thread.
    /// Waits for a [`preload`](Self::preload) in progress, and drops what it read.
    pub(crate) fn store(&self) -> Result<TrustStore, TrustError> {
        lock(&self.preloaded).take();
        self.connect()
    }

    fn connect(&self) -> Result<TrustStore, TrustError> {
        let mut guard = lock(&self.store);
        if let Some(s) = guard.as_ref() {
            return Ok(s.clone());
        }
        let s = TrustStore::open_keychain()?;
        *guard = Some(s.clone());
        Ok(s)
    }

    /// Connects to the keychain and reads the trusted keys (start-up, on a thread of its own).
    /// A failure is left to the first command, which retries and reports it.
    pub(crate) fn preload(&self) {
        let mut slot = lock(&self.preloaded);
        *slot = self
            .connect()
            .and_then(|s| s.load())
            .ok()
            .map(|set| set.keys);
    }

    /// The keys [`preload`](Self::preload) read, once, if no command used the store since;
    /// waits for a preload in progress.
    pub(crate) fn preloaded_keys(&self) -> Option<Vec<TrustedKey>> {
        lock(&self.preloaded).take()
    }

    /// The batches of verifications running now.
    pub(crate) fn batches(&self) -> &Batches {
        &self.batches
    }
}

/// The running batches' cancel switches, so the window can stop them.
#[derive(Default, Clone)]
pub(crate) struct Batches {
    running: Arc<Mutex<(u64, HashMap<u64, Cancel>)>>,
}

impl Batches {
    /// Registers a batch about to run; it is forgotten when the returned guard drops.
    pub(crate) fn start(&self) -> RunningBatch {
        let cancel = Cancel::new();
        let mut guard = self.running.lock().unwrap_or_else(|p| p.into_inner());
        let (next, running) = &mut *guard;
        let id = *next;
        *next += 1;
        running.insert(id, cancel.clone());
        RunningBatch {
            id,
            cancel,
            batches: self.clone(),
        }
    }

    /// Cancels every batch running now; returns how many there were.
    pub(crate) fn cancel_all(&self) -> usize {
        let guard = self.running.lock().unwrap_or_else(|p| p.into_inner());
        guard.1.values().for_each(Cancel::cancel);
        guard.1.len()
    }
}

/// A batch registered in [`Batches`] while it runs.
pub(crate) struct RunningBatch {
    id: u64,
    cancel: Cancel,
    batches: Batches,
}

impl RunningBatch {
    /// The switch the batch's verification watches.
    pub(crate) fn cancel(&self) -> Cancel {
        self.cancel.clone()
    }
}

impl Drop for RunningBatch {
    fn drop(&mut self) {
        let mut guard = self
            .batches
            .running
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        guard.1.remove(&self.id);
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use vouch_core::keys::{Algorithm, PrivateKey};
    use vouch_core::trust::MemoryBackend;

    use super::*;

    /// A state already connected to an in-memory keychain holding one trusted key.
    fn state_with_one_key() -> AppState {
        let dir = std::env::temp_dir().join(format!("vouch-app-state-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let store = TrustStore::new(
            Arc::new(MemoryBackend::new()),
            "test",
            PathBuf::from(&dir).join("trust.lock"),
        );
        let key = PrivateKey::generate(Algorithm::Ed25519).expect("key");
        store
            .add_public(&key.public_key(), Some("Acme"), &[], None, None)
            .expect("add");
        let state = AppState::default();
        *lock(&state.store) = Some(store);
        state
    }

    #[test]
    fn the_preloaded_keys_are_handed_out_once() {
        let state = state_with_one_key();
        state.preload();
        let keys = state.preloaded_keys().expect("preloaded");
        assert_eq!(keys.len(), 1);
        assert_eq!(keys[0].publisher, "Acme");
        assert!(state.preloaded_keys().is_none(), "handed out twice");
    }

    #[test]
    fn any_command_drops_the_preloaded_keys() {
        let state = state_with_one_key();
        state.preload();
        // A command (e.g. adding a key) takes the store: the preloaded list may be stale now.
        let store = state.store().expect("store");
        let key = PrivateKey::generate(Algorithm::Ed25519).expect("key");
        store
            .add_public(&key.public_key(), Some("Beta"), &[], None, None)
            .expect("add");
        assert!(state.preloaded_keys().is_none());
    }

    #[test]
    fn cancelling_reaches_only_the_batches_running_now() {
        let batches = Batches::default();
        let first = batches.start();
        let second = batches.start();
        drop(second);
        assert_eq!(batches.cancel_all(), 1);
        assert!(first.cancel().is_cancelled());
        drop(first);
        let later = batches.start();
        assert!(!later.cancel().is_cancelled());
        assert_eq!(batches.cancel_all(), 1);
        assert!(later.cancel().is_cancelled());
    }
}
