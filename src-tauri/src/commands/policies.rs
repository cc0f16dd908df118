//! Policies: which repositories are enforced, warned about or left alone.

use tauri::State;
use vouch_core::trust::{Policy, PolicyMode};

use super::with_store;
use crate::error::IpcError;
use crate::state::AppState;

#[tauri::command]
pub(crate) async fn list_policies(state: State<'_, AppState>) -> Result<Vec<Policy>, IpcError> {
    with_store(&state, |s| Ok(s.load()?.policies)).await
}

#[tauri::command]
pub(crate) async fn set_policy(
    state: State<'_, AppState>,
    pattern: String,
    mode: PolicyMode,
    threshold: u32,
) -> Result<Policy, IpcError> {
    with_store(
        &state,
        move |s| Ok(s.set_policy(&pattern, mode, threshold)?),
    )
    .await
}

/// True when a policy with that pattern existed and was removed.
#[tauri::command]
pub(crate) async fn remove_policy(
    state: State<'_, AppState>,
    pattern: String,
) -> Result<bool, IpcError> {
    with_store(&state, move |s| Ok(s.remove_policy(&pattern)?)).await
}
