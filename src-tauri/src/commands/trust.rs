//! The whole trust set as a JSON document: shown for copying, imported from pasted text.
//! Saving it to a file goes through `files::export_trust_set_to_file`.

use vouch_core::trust::{ImportReport, TrustSet};

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
    with_store(&state, move |s| {
        let set = TrustSet::from_json(contents.as_bytes())?;
        Ok(s.import_set(&set)?)
    })
    .await
}
