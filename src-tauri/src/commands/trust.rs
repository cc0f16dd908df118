//! The whole trust set as a JSON document: shown for copying, imported from pasted text.
//! Saving it to a file and importing one from a file go through `files`.

use vouch_core::trust::{ImportReport, TrustSet, TrustStore};

use super::{with_store, Shared};
use crate::error::IpcResult;

#[tauri::command]
pub(crate) async fn export_trust_set(state: Shared<'_>) -> IpcResult<String> {
    with_store(&state, |s| {
        Ok(String::from_utf8_lossy(&s.export_set()?.to_json()?).into_owned())
    })
    .await
}

#[tauri::command]
pub(crate) async fn import_trust_set(
    state: Shared<'_>,
    contents: String,
) -> IpcResult<ImportReport> {
    with_store(&state, move |s| import_document(&s, contents.as_bytes())).await
}

/// Merges a trust-set document (pasted or read from a file) into the store.
pub(super) fn import_document(store: &TrustStore, json: &[u8]) -> IpcResult<ImportReport> {
    let set = TrustSet::from_json(json)?;
    Ok(store.import_set(&set)?)
}
