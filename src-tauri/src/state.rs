//! The app's state, built once and shared by every command.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use vouch_core::trust::{TrustError, TrustStore};
use vouch_core::verify::Cancel;

/// Holds the keychain connection once it is made; a failed connection is retried on the next
/// command, so starting the keychain after the app works.
#[derive(Default, Clone)]
pub(crate) struct AppState {
    store: Arc<Mutex<Option<TrustStore>>>,
    batches: Batches,
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
    use super::*;

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
