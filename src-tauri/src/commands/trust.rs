//! The whole trust set as a JSON document: shown for copying, imported from pasted text.
//! Saving it to a file goes through `files::export_trust_set_to_file`.

use tauri::State;
use vouch_core::trust::{ImportReport, TrustSet};

use super::with_store;
use crate::error::IpcError;
use crate::state::AppState;

#[tauri::command]
pub(crate) async fn export_trust_set(state: State<'_, AppState>) -> Result<String, IpcError> {
    with_store(&state, |s| {
        Ok(String::from_utf8_lossy(&s.export_set()?.to_json()?).into_owned())
    })
    .await
}

#[tauri::command]
pub(crate) async fn import_trust_set(
    state: State<'_, AppState>,
    contents: String,
) -> Result<ImportReport, IpcError> {
    with_store(&state, move |s| {
        let set = TrustSet::from_json(contents.as_bytes())?;
        Ok(s.import_set(&set)?)
    })
    .await
}
