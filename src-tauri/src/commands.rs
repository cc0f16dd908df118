//! Thin commands: deserialize, call vouch-core on a blocking thread, map the error.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tauri::ipc::Channel;
use tauri::State;
use vouch_core::doctor::DoctorReport;
use vouch_core::extract::{extract, Extracted};
use vouch_core::keys::{Algorithm, PublicKey};
use vouch_core::trust::{
    parse_time, ImportReport, Policy, PolicyMode, TrustSet, TrustStore, TrustedKey,
};
use vouch_core::verify::{verify_batch, Verdict, VerifyOptions};

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

#[derive(Deserialize)]
pub(crate) struct GenerateKeyArgs {
    publisher: String,
    /// `ed25519`, `p256` or `ecdsa-p256`.
    algorithm: String,
    #[serde(default)]
    scopes: Vec<String>,
}

#[tauri::command]
pub(crate) async fn generate_key(
    state: State<'_, AppState>,
    args: GenerateKeyArgs,
) -> Result<TrustedKey, IpcError> {
    with_store(&state, move |s| {
        let algorithm: Algorithm = args.algorithm.parse().map_err(|e| IpcError {
            code: "bad_algorithm",
            message: format!("{e}"),
        })?;
        Ok(s.generate(&args.publisher, algorithm, &args.scopes)?)
    })
    .await
}

#[derive(Deserialize)]
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
pub(crate) async fn edit_key(
    state: State<'_, AppState>,
    args: EditKeyArgs,
) -> Result<TrustedKey, IpcError> {
    with_store(&state, move |s| {
        let expires = if args.clear_expiry {
            Some(None)
        } else {
            args.expires_at
                .as_deref()
                .filter(|e| !e.trim().is_empty())
                .map(parse_time)
                .transpose()?
                .map(Some)
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

#[tauri::command]
pub(crate) async fn remove_policy(
    state: State<'_, AppState>,
    pattern: String,
) -> Result<bool, IpcError> {
    with_store(&state, move |s| Ok(s.remove_policy(&pattern)?)).await
}

#[tauri::command]
pub(crate) async fn export_trust_set(state: State<'_, AppState>) -> Result<String, IpcError> {
    with_store(&state, |s| {
        Ok(String::from_utf8_lossy(&s.export_set()?.to_json()).into_owned())
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

/// Writes a file the user chose (an exported trust set); an existing file is replaced, as a
/// save dialog would.
#[tauri::command]
pub(crate) async fn save_text_file(path: String, contents: String) -> Result<(), IpcError> {
    blocking(move || {
        std::fs::write(&path, contents).map_err(|e| IpcError {
            code: "io",
            message: format!("could not write `{path}`: {e}"),
        })
    })
    .await
}

/// What `verify_images` streams to the window, in order per image.
#[derive(Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum VerifyEvent {
    Started { index: usize, reference: String },
    Finished { index: usize, verdict: Box<Verdict> },
}

/// Verifies a batch concurrently, streaming a `started` then a `finished` event per image.
/// Resolves when every image has its verdict.
#[tauri::command]
pub(crate) async fn verify_images(
    state: State<'_, AppState>,
    references: Vec<String>,
    on_event: Channel<VerifyEvent>,
) -> Result<(), IpcError> {
    let trust = with_store(&state, |s| Ok(s.load()?)).await?;
    for (index, reference) in references.iter().enumerate() {
        // A closed channel means the window went away; the batch result is then moot.
        let _ = on_event.send(VerifyEvent::Started {
            index,
            reference: reference.clone(),
        });
    }
    // The batch runs on its own current-thread runtime on a blocking thread: the verification
    // future borrows its callback and is not `Send`, and this keeps the app's runtime free.
    blocking(move || {
        let mut opts = VerifyOptions::default();
        opts.registry.insecure = vouch_core::registry::configured_insecure();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| IpcError::internal(format!("could not start the verifier: {e}")))?;
        rt.block_on(verify_batch(
            references,
            Arc::new(trust),
            opts,
            |index, verdict| {
                let _ = on_event.send(VerifyEvent::Finished {
                    index,
                    verdict: Box::new(verdict),
                });
            },
        ));
        Ok(())
    })
    .await
}

/// Extracts image references from text or a file's contents; parsing lives in vouch-core.
#[tauri::command]
pub(crate) async fn extract_references(
    file_name: Option<String>,
    contents: String,
) -> Result<Extracted, IpcError> {
    blocking(move || {
        extract(file_name.as_deref(), contents.as_bytes()).map_err(|e| IpcError {
            code: "extract",
            message: e.to_string(),
        })
    })
    .await
}

/// What a dropped file turned out to be.
#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum DroppedFile {
    Key {
        path: String,
        fingerprint: String,
        algorithm: Algorithm,
        pem: String,
    },
    References {
        path: String,
        extracted: Extracted,
    },
    Unreadable {
        path: String,
        message: String,
    },
}

/// Largest file a drop is read from (keys, lists, YAML and Dockerfiles are small).
const MAX_DROPPED_FILE: u64 = 4 * 1024 * 1024;

/// Classifies files dropped on the window: public keys are offered for import, everything else
/// is searched for image references. A private key is reported, never read into the UI.
#[tauri::command]
pub(crate) async fn inspect_dropped_files(
    paths: Vec<String>,
) -> Result<Vec<DroppedFile>, IpcError> {
    blocking(move || Ok(paths.into_iter().map(inspect_one).collect())).await
}

fn inspect_one(path: String) -> DroppedFile {
    let unreadable = |path: String, message: String| DroppedFile::Unreadable { path, message };
    let meta = match std::fs::metadata(&path) {
        Ok(m) => m,
        Err(e) => return unreadable(path.clone(), format!("could not read {path}: {e}")),
    };
    if !meta.is_file() {
        return unreadable(path.clone(), format!("{path} is not a file"));
    }
    if meta.len() > MAX_DROPPED_FILE {
        return unreadable(
            path.clone(),
            format!(
                "{path} is {} bytes, too large for a key or an image list",
                meta.len()
            ),
        );
    }
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) => return unreadable(path.clone(), format!("could not read {path}: {e}")),
    };
    let name = std::path::Path::new(&path)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned());
    let looks_like_key = name
        .as_deref()
        .is_some_and(|n| n.ends_with(".pub") || n.ends_with(".pem") || n.ends_with(".key"))
        || bytes.starts_with(b"-----BEGIN");
    if looks_like_key {
        return match PublicKey::parse(&bytes) {
            Ok(k) => DroppedFile::Key {
                path,
                fingerprint: k.fingerprint(),
                algorithm: k.algorithm(),
                pem: k.to_pem(),
            },
            Err(e) => unreadable(path, e.to_string()),
        };
    }
    match extract(name.as_deref(), &bytes) {
        Ok(extracted) => DroppedFile::References { path, extracted },
        Err(e) => unreadable(path, e.to_string()),
    }
}
