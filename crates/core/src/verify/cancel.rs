//! Stopping a batch: a [`Cancel`] handle shared by whoever may stop it (a button, Ctrl+C) and
//! the batch driver, which drops the requests in flight and starts no new ones once it fires.

use std::sync::Arc;

use tokio::sync::watch;

/// A one-way switch: once [`Cancel::cancel`] is called, every clone reports it for good.
/// The default is a switch nobody has thrown.
#[derive(Clone)]
pub struct Cancel(Arc<watch::Sender<bool>>);

impl Default for Cancel {
    fn default() -> Self {
        Cancel(Arc::new(watch::Sender::new(false)))
    }
}

impl Cancel {
    /// A switch not yet thrown.
    pub fn new() -> Cancel {
        Cancel::default()
    }

    /// Throws the switch: images not finished end as cancelled. Calling it again does nothing.
    pub fn cancel(&self) {
        self.0.send_replace(true);
    }

    /// Whether [`Cancel::cancel`] has been called.
    pub fn is_cancelled(&self) -> bool {
        *self.0.borrow()
    }

    /// Resolves once [`Cancel::cancel`] has been called (at once if it already was).
    pub async fn cancelled(&self) {
        let mut rx = self.0.subscribe();
        // The sender lives in `self`, so the channel cannot close while this waits.
        let _ = rx.wait_for(|thrown| *thrown).await;
    }
}

impl std::fmt::Debug for Cancel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Cancel").field(&self.is_cancelled()).finish()
    }
}
