//! Verifying images, streamed to the window as each verdict is ready.

use std::sync::Arc;

use serde::Serialize;
use tauri::ipc::Channel;
use time::OffsetDateTime;
use vouch_core::history::HistoryEntry;
use vouch_core::trust::TrustSet;
use vouch_core::verify::{verify_batch, verify_each, PendingTrust, Verdict};

use super::{load_trust, on_runtime, verify_options, Shared};
use crate::error::{IpcError, IpcResult};

/// What `verify_images` streams to the window, in order per image.
#[derive(Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum VerifyEvent {
    Started { index: usize, reference: String },
    Finished { index: usize, verdict: Box<Verdict> },
}

/// Verifies a batch concurrently, streaming a `started` then a `finished` event per image.
/// Resolves when every image has its verdict, once they are recorded in the profile's history:
/// with `null`, or a sentence when the history could not be written (the verdicts stand).
///
/// [`cancel_verification`] stops it: the images not finished then come back `cancelled`
/// (still as `finished` events) and the core's history leaves them out.
#[tauri::command]
pub(crate) async fn verify_images(
    state: Shared<'_>,
    references: Vec<String>,
    on_event: Channel<VerifyEvent>,
) -> IpcResult<Option<String>> {
    let batch = state.batches().start();
    let trust = load_trust(&state).await?;
    for (index, reference) in references.iter().enumerate() {
        // A closed channel means the window went away; the batch result is then moot.
        let _ = on_event.send(VerifyEvent::Started {
            index,
            reference: reference.clone(),
        });
    }
    let mut opts = verify_options();
    opts.cancel = batch.cancel();
    on_runtime(move |rt| {
        // One slot per image: recorded in input order, as `vouch verify` records them.
        let mut checked: Vec<Option<HistoryEntry>> = vec![None; references.len()];
        rt.block_on(verify_each(
            references,
            PendingTrust::ready(Arc::new(trust)),
            opts,
            |index, verdict| {
                if let Some(slot) = checked.get_mut(index) {
                    *slot = Some(HistoryEntry::of(&verdict, OffsetDateTime::now_utc()));
                }
                let _ = on_event.send(VerifyEvent::Finished {
                    index,
                    verdict: Box::new(verdict),
                });
            },
        ));
        drop(batch);
        Ok(super::history::record(
            checked.into_iter().flatten().collect(),
        ))
    })
    .await
}

/// Cancels every batch running now (Cancel button, Esc): requests in flight are dropped, no
/// image starts, and the images not finished come back `cancelled`. Answers how many batches
/// were running.
#[tauri::command]
pub(crate) async fn cancel_verification(state: Shared<'_>) -> IpcResult<usize> {
    Ok(state.batches().cancel_all())
}

/// The verdict for one image, checked now.
pub(crate) async fn verify_single(trust: TrustSet, reference: String) -> IpcResult<Verdict> {
    on_runtime(move |rt| {
        let verdicts = rt.block_on(verify_batch(
            vec![reference],
            Arc::new(trust),
            verify_options(),
            |_, _| {},
        ));
        verdicts
            .into_iter()
            .next()
            .ok_or_else(|| IpcError::internal("the verifier returned no verdict"))
    })
    .await
}
