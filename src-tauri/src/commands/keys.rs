//! Trusted keys: list, add, generate, edit, revoke, remove, export as text.

use serde::Deserialize;
use vouch_core::keys::{Algorithm, PublicKey};
use vouch_core::trust::{parse_time, KeyInfo, TrustStore, TrustedKey};

use super::{blocking, with_store, Shared};
use crate::error::{ErrorCode, IpcError, IpcResult};

/// A key as the window shows it: with its state now, computed by the core.
pub(crate) fn key_info(key: TrustedKey) -> KeyInfo {
    KeyInfo::at(key, time::OffsetDateTime::now_utc())
}

/// Runs `f` with the trust store, as [`with_store`] does, and shows the key it returns.
async fn with_key(
    state: &Shared<'_>,
    f: impl FnOnce(TrustStore) -> IpcResult<TrustedKey> + Send + 'static,
) -> IpcResult<KeyInfo> {
    with_store(state, f).await.map(key_info)
}

#[tauri::command]
pub(crate) async fn list_keys(state: Shared<'_>) -> IpcResult<Vec<KeyInfo>> {
    // The first screen's list, when the window was created before the keychain answered (else
    // it came with the page: `crate::boot`): what the app read while its window started, if
    // nothing used the store since (`AppState::start_preload`).
    let app = state.inner().clone();
    let keys = match blocking(move || Ok(app.preloaded(None))).await? {
        Some(set) => set.keys,
        None => with_store(&state, |s| Ok(s.load()?.keys)).await?,
    };
    Ok(keys.into_iter().map(key_info).collect())
}

#[derive(Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub(crate) struct AddKeyArgs {
    pem: String,
    publisher: Option<String>,
    #[serde(default)]
    scopes: Vec<String>,
    note: Option<String>,
    expires_at: Option<String>,
}

/// An optional RFC 3339 time from a form: blank means none.
pub(crate) fn optional_time(text: Option<&str>) -> IpcResult<Option<time::OffsetDateTime>> {
    Ok(text
        .filter(|e| !e.trim().is_empty())
        .map(parse_time)
        .transpose()?)
}

#[tauri::command]
pub(crate) async fn add_key(state: Shared<'_>, args: AddKeyArgs) -> IpcResult<KeyInfo> {
    with_key(&state, move |s| {
        let key = PublicKey::parse(args.pem.as_bytes())?;
        let expires = optional_time(args.expires_at.as_deref())?;
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
    state: Shared<'_>,
    fingerprint: String,
    reason: Option<String>,
) -> IpcResult<KeyInfo> {
    with_key(&state, move |s| {
        Ok(s.revoke(&fingerprint, reason.as_deref())?)
    })
    .await
}

#[tauri::command]
pub(crate) async fn remove_key(state: Shared<'_>, fingerprint: String) -> IpcResult<()> {
    with_store(&state, move |s| {
        s.remove(&fingerprint)?;
        Ok(())
    })
    .await
}

/// The key's PEM, to show and copy (saving it goes through `files::export_key_to_file`).
#[tauri::command]
pub(crate) async fn export_key(state: Shared<'_>, fingerprint: String) -> IpcResult<String> {
    with_store(&state, move |s| Ok(s.resolve(&fingerprint)?.public_key)).await
}

#[derive(Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub(crate) struct GenerateKeyArgs {
    publisher: String,
    /// `ed25519`, `p256` or `ecdsa-p256`.
    algorithm: String,
    #[serde(default)]
    scopes: Vec<String>,
}

#[tauri::command]
pub(crate) async fn generate_key(state: Shared<'_>, args: GenerateKeyArgs) -> IpcResult<KeyInfo> {
    with_key(&state, move |s| {
        let algorithm: Algorithm = args
            .algorithm
            .parse()
            .map_err(|e| IpcError::new(ErrorCode::BadAlgorithm, format!("{e}")))?;
        Ok(s.generate(&args.publisher, algorithm, &args.scopes)?)
    })
    .await
}

#[derive(Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub(crate) struct EditKeyArgs {
    fingerprint: String,
    publisher: Option<String>,
    /// `Some("")` clears the note.
    note: Option<String>,
    scopes: Option<Vec<String>>,
    expires_at: Option<String>,
    #[serde(default)]
    clear_expiry: bool,
}

#[tauri::command]
pub(crate) async fn edit_key(state: Shared<'_>, args: EditKeyArgs) -> IpcResult<KeyInfo> {
    with_key(&state, move |s| {
        let expires = if args.clear_expiry {
            Some(None)
        } else {
            optional_time(args.expires_at.as_deref())?.map(Some)
        };
        let note = args
            .note
            .as_deref()
            .map(|n| Some(n.trim()).filter(|n| !n.is_empty()));
        Ok(s.edit(
            &args.fingerprint,
            args.publisher.as_deref(),
            note,
            args.scopes.as_deref(),
            expires,
        )?)
    })
    .await
}
