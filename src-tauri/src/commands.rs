//! Thin commands: deserialize, call vouch-core on a blocking thread, map the error.

use serde::Deserialize;
use tauri::State;
use vouch_core::doctor::DoctorReport;
use vouch_core::keys::PublicKey;
use vouch_core::trust::{parse_time, TrustStore, TrustedKey};

use crate::error::IpcError;
use crate::state::AppState;

/// Runs blocking core work (keychain D-Bus calls) off the async runtime.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, IpcError> + Send + 'static,
) -> Result<T, IpcError> {
    tauri::async_runtime::spawn_blocking(f)
        .await
        .map_err(|e| IpcError::internal(format!("a background task failed: {e}")))?
}

/// Runs `f` with the trust store, both on a blocking thread.
async fn with_store<T: Send + 'static>(
    state: &State<'_, AppState>,
    f: impl FnOnce(TrustStore) -> Result<T, IpcError> + Send + 'static,
) -> Result<T, IpcError> {
    let state = state.inner().clone();
    blocking(move || f(state.store()?)).await
}

#[tauri::command]
pub(crate) async fn doctor() -> Result<DoctorReport, IpcError> {
    blocking(|| Ok(DoctorReport::gather())).await
}

#[tauri::command]
pub(crate) async fn list_keys(state: State<'_, AppState>) -> Result<Vec<TrustedKey>, IpcError> {
    with_store(&state, |s| Ok(s.load()?.keys)).await
}

#[derive(Deserialize)]
pub(crate) struct AddKeyArgs {
    pem: String,
    publisher: Option<String>,
    #[serde(default)]
    scopes: Vec<String>,
    note: Option<String>,
    expires_at: Option<String>,
}

#[tauri::command]
pub(crate) async fn add_key(
    state: State<'_, AppState>,
    args: AddKeyArgs,
) -> Result<TrustedKey, IpcError> {
    with_store(&state, move |s| {
        let key =
            PublicKey::parse(args.pem.as_bytes()).map_err(vouch_core::trust::TrustError::from)?;
        let expires = args
            .expires_at
            .as_deref()
            .filter(|e| !e.trim().is_empty())
            .map(parse_time)
            .transpose()?;
        let (k, _) = s.add_public(
            &key,
            args.publisher.as_deref(),
            &args.scopes,
            args.note.as_deref(),
            expires,
        )?;
        Ok(k)
    })
    .await
}

#[tauri::command]
pub(crate) async fn revoke_key(
    state: State<'_, AppState>,
    fingerprint: String,
    reason: Option<String>,
) -> Result<TrustedKey, IpcError> {
    with_store(&state, move |s| {
        Ok(s.revoke(&fingerprint, reason.as_deref())?)
    })
    .await
}

#[tauri::command]
pub(crate) async fn remove_key(
    state: State<'_, AppState>,
    fingerprint: String,
) -> Result<(), IpcError> {
    with_store(&state, move |s| {
        s.remove(&fingerprint)?;
        Ok(())
    })
    .await
}

#[tauri::command]
pub(crate) async fn export_key(
    state: State<'_, AppState>,
    fingerprint: String,
) -> Result<String, IpcError> {
    with_store(&state, move |s| Ok(s.resolve(&fingerprint)?.public_key)).await
}
