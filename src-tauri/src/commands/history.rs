//! The active profile's past checks, kept by the core (`vouch_core::history`) and shared with
//! the CLI. The window reads and clears them here; `verify_images` records them.

use vouch_core::history::{History, HistoryEntry, HistoryRead};

use super::blocking;
use crate::error::IpcResult;

/// The active profile's history.
pub(crate) fn profile_history() -> IpcResult<History> {
    Ok(History::for_profile(&vouch_core::paths::profile()?))
}

/// Past checks, newest first, with a sentence when the file was unreadable and set aside.
#[tauri::command]
pub(crate) async fn list_history() -> IpcResult<HistoryRead> {
    blocking(|| Ok(profile_history()?.read()?)).await
}

#[tauri::command]
pub(crate) async fn clear_history() -> IpcResult<()> {
    blocking(|| Ok(profile_history()?.clear()?)).await
}

/// Records finished checks; a sentence when they could not be recorded or the old file was
/// set aside (the verdicts themselves stand either way).
pub(crate) fn record(entries: Vec<HistoryEntry>) -> Option<String> {
    match profile_history().and_then(|h| Ok(h.record(entries)?)) {
        Ok(read) => read.warning,
        Err(e) => Some(format!(
            "These verdicts were not recorded in the history: {}",
            e.message
        )),
    }
}
