//! The app's state, built once and shared by every command.

use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

use vouch_core::trust::{TrustError, TrustSet, TrustStore};
use vouch_core::verify::Cancel;

/// Holds the keychain connection once it is made; a failed connection is retried on the next
/// command, so starting the keychain after the app works.
///
/// At start-up [`AppState::start_preload`] also reads the trust set (keys and identities), for the
/// first screen's lists, while the window and its web process start. That read is handed out at most once, and
/// only if no command has used the store since it started ([`AppState::store`] drops it): it is
/// never older than the first request for it, and never outlives a change made through the app.
#[derive(Default, Clone)]
pub(crate) struct AppState {
    store: Arc<Mutex<Option<TrustStore>>>,
    batches: Batches,
    preloaded: Arc<Preloaded>,
}

/// The start-up read of the trust set, and a signal for those waiting for it.
#[derive(Default)]
struct Preloaded {
    slot: Mutex<Preload>,
    done: Condvar,
}

#[derive(Default)]
enum Preload {
    /// None started, or what it read was handed out or dropped.
    #[default]
    Nothing,
    /// Reading now.
    Running,
    /// Read, and not handed out yet.
    Ready(TrustSet),
}

/// A poisoned lock still holds a usable value here (an `Option` or a [`Preload`] replaced whole).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Ends a start-up read when dropped, even by a panic, so no one waits for it forever: keeps
/// what it read unless a command dropped it meanwhile, and wakes those waiting.
struct PreloadEnd<'a> {
    preloaded: &'a Preloaded,
    set: Option<TrustSet>,
}

impl Drop for PreloadEnd<'_> {
    fn drop(&mut self) {
        let mut slot = lock(&self.preloaded.slot);
        if matches!(*slot, Preload::Running) {
            *slot = self.set.take().map_or(Preload::Nothing, Preload::Ready);
        }
        drop(slot);
        self.preloaded.done.notify_all();
    }
}

impl AppState {
    /// The trust store of the active profile. Blocking (D-Bus): call from a blocking thread.
    /// Drops what the start-up read holds or will hold: this command may change the keys.
    pub(crate) fn store(&self) -> Result<TrustStore, TrustError> {
        *lock(&self.preloaded.slot) = Preload::Nothing;
        self.preloaded.done.notify_all();
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

    /// Starts connecting to the keychain and reading the trust set on a thread of its own
    /// (start-up). A failure is left to the first command, which retries and reports it.
    pub(crate) fn start_preload(&self) {
        *lock(&self.preloaded.slot) = Preload::Running;
        let state = self.clone();
        std::thread::spawn(move || state.preload());
    }

    /// The start-up read itself, on the calling thread (marked running by [`Self::start_preload`]).
    fn preload(&self) {
        let mut end = PreloadEnd {
            preloaded: &self.preloaded,
            set: None,
        };
        end.set = self.connect().and_then(|s| s.load()).ok();
    }

    /// The trust set the start-up read got, once, if no command used the store since it started.
    /// Waits for a read in progress: at most `wait`, or until it ends when `None`; a read still
    /// running after `wait` is left for the next caller.
    pub(crate) fn preloaded(&self, wait: Option<Duration>) -> Option<TrustSet> {
        let done = &self.preloaded.done;
        let slot = lock(&self.preloaded.slot);
        let running = |p: &mut Preload| matches!(p, Preload::Running);
        let mut slot = match wait {
            None => done
                .wait_while(slot, running)
                .unwrap_or_else(|p| p.into_inner()),
            Some(d) => {
                done.wait_timeout_while(slot, d, running)
                    .unwrap_or_else(|p| p.into_inner())
                    .0
            }
        };
        match std::mem::take(&mut *slot) {
            Preload::Ready(set) => Some(set),
            other => {
                *slot = other;
                None
            }
        }
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
    fn the_preloaded_trust_set_is_handed_out_once() {
        let state = state_with_one_key();
        state.start_preload();
        let set = state.preloaded(None).expect("preloaded");
        assert_eq!(set.keys.len(), 1);
        assert_eq!(set.keys[0].publisher, "Acme");
        assert!(state.preloaded(None).is_none(), "handed out twice");
    }

    #[test]
    fn any_command_drops_the_preloaded_trust_set() {
        let state = state_with_one_key();
        state.start_preload();
        // A command (e.g. adding a key) takes the store, whether the read has ended or not: the
        // preloaded list may be stale now.
        let store = state.store().expect("store");
        let key = PrivateKey::generate(Algorithm::Ed25519).expect("key");
        store
            .add_public(&key.public_key(), Some("Beta"), &[], None, None)
            .expect("add");
        assert!(state.preloaded(None).is_none());
    }

    #[test]
    fn a_bounded_wait_leaves_a_read_in_progress_to_the_next_caller() {
        let state = AppState::default();
        *lock(&state.preloaded.slot) = Preload::Running;
        assert!(state.preloaded(Some(Duration::from_millis(20))).is_none());
        // The read ends after the window stopped waiting: `list_keys` gets it.
        let reader = state.clone();
        let read = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            drop(PreloadEnd {
                preloaded: &reader.preloaded,
                set: Some(TrustSet::default()),
            });
        });
        assert_eq!(state.preloaded(None).map(|s| s.keys.len()), Some(0));
        read.join().expect("reader");
    }

    #[test]
    fn a_read_that_panics_does_not_leave_its_waiters_waiting() {
        let state = AppState::default();
        *lock(&state.preloaded.slot) = Preload::Running;
        let reader = state.clone();
        let read = std::thread::spawn(move || {
            let _end = PreloadEnd {
                preloaded: &reader.preloaded,
                set: None,
            };
            std::thread::sleep(Duration::from_millis(50));
            panic!("keychain read failed");
        });
        assert!(state.preloaded(None).is_none());
        assert!(read.join().is_err(), "the reader panicked");
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
