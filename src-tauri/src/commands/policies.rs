//! Policies: which repositories are enforced, warned about or left alone.

use vouch_core::trust::{DefaultPolicy, Policy, PolicyMode};

use super::{with_store, Shared};
use crate::error::IpcResult;

#[tauri::command]
pub(crate) async fn list_policies(state: Shared<'_>) -> IpcResult<Vec<Policy>> {
    with_store(&state, |s| Ok(s.load()?.policies)).await
}

#[tauri::command]
pub(crate) async fn set_policy(
    state: Shared<'_>,
    pattern: String,
    mode: PolicyMode,
    threshold: u32,
) -> IpcResult<Policy> {
    with_store(
        &state,
        move |s| Ok(s.set_policy(&pattern, mode, threshold)?),
    )
    .await
}

/// True when a policy with that pattern existed and was removed.
#[tauri::command]
pub(crate) async fn remove_policy(state: Shared<'_>, pattern: String) -> IpcResult<bool> {
    with_store(&state, move |s| Ok(s.remove_policy(&pattern)?)).await
}

/// The policy where no pattern matches (enforce, 1 key, until one is set).
#[tauri::command]
pub(crate) async fn get_default_policy(state: Shared<'_>) -> IpcResult<DefaultPolicy> {
    with_store(&state, |s| Ok(s.load()?.default_policy())).await
}

#[tauri::command]
pub(crate) async fn set_default_policy(
    state: Shared<'_>,
    mode: PolicyMode,
    threshold: u32,
) -> IpcResult<DefaultPolicy> {
    with_store(&state, move |s| Ok(s.set_default_policy(mode, threshold)?)).await
}
