//! Thin commands: deserialize, call vouch-core on a blocking thread, map the error.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tauri::ipc::Channel;
use tauri::State;
use vouch_core::config::Settings;
use vouch_core::doctor::DoctorReport;
use vouch_core::extract::{extract, Extracted};
use vouch_core::keys::{Algorithm, PublicKey};
use vouch_core::provenance::{inspect, Inspection};
use vouch_core::reference::ImageRef;
use vouch_core::registry::Registry;
use vouch_core::trust::{
    parse_time, ImportReport, KeyInfo, Policy, PolicyMode, TrustSet, TrustStore, TrustedKey,
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

/// A key as the window shows it: with its state now, computed by the core.
fn key_info(key: TrustedKey) -> KeyInfo {
    KeyInfo::at(key, time::OffsetDateTime::now_utc())
}

#[tauri::command]
pub(crate) async fn list_keys(state: State<'_, AppState>) -> Result<Vec<KeyInfo>, IpcError> {
    let keys = with_store(&state, |s| Ok(s.load()?.keys)).await?;
    Ok(keys.into_iter().map(key_info).collect())
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
) -> Result<KeyInfo, IpcError> {
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
    .map(key_info)
}

#[tauri::command]
pub(crate) async fn revoke_key(
    state: State<'_, AppState>,
    fingerprint: String,
    reason: Option<String>,
) -> Result<KeyInfo, IpcError> {
    with_store(&state, move |s| {
        Ok(s.revoke(&fingerprint, reason.as_deref())?)
    })
    .await
    .map(key_info)
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
) -> Result<KeyInfo, IpcError> {
    with_store(&state, move |s| {
        let algorithm: Algorithm = args.algorithm.parse().map_err(|e| IpcError {
            code: "bad_algorithm",
            message: format!("{e}"),
        })?;
        Ok(s.generate(&args.publisher, algorithm, &args.scopes)?)
    })
    .await
    .map(key_info)
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
) -> Result<KeyInfo, IpcError> {
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
    .map(key_info)
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
    on_runtime(move |rt| {
        rt.block_on(verify_batch(
            references,
            Arc::new(trust),
            verify_options(),
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

/// Runs async core work on its own current-thread runtime on a blocking thread (the core's
/// futures borrow their inputs and are not all `Send`).
async fn on_runtime<T: Send + 'static>(
    f: impl FnOnce(&tokio::runtime::Runtime) -> Result<T, IpcError> + Send + 'static,
) -> Result<T, IpcError> {
    blocking(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| IpcError::internal(format!("could not start the async runtime: {e}")))?;
        f(&rt)
    })
    .await
}

fn verify_options() -> VerifyOptions {
    let mut opts = VerifyOptions::default();
    opts.registry.insecure = vouch_core::registry::configured_insecure();
    opts
}

/// The verdict, metadata, attestations and provenance graph of one image (what `vouch inspect`
/// shows). The window renders the graph; it never computes it.
#[tauri::command]
pub(crate) async fn inspect_image(
    state: State<'_, AppState>,
    reference: String,
) -> Result<Inspection, IpcError> {
    let trust = with_store(&state, |s| Ok(s.load()?)).await?;
    on_runtime(move |rt| {
        let opts = verify_options();
        let hosts: Vec<String> = ImageRef::parse(&reference)
            .map(|r| vec![r.registry_host().to_string()])
            .unwrap_or_default();
        let registry = Registry::new(opts.registry.clone(), hosts.iter().map(String::as_str))
            .map_err(|e| IpcError {
                code: "registry",
                message: e.to_string(),
            })?;
        let now = time::OffsetDateTime::now_utc();
        Ok(rt.block_on(inspect(&registry, &reference, &trust, &opts, now)))
    })
    .await
}

/// Output of a pull, streamed line by line.
#[derive(Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum PullEvent {
    Line { text: String },
}

#[derive(Serialize)]
pub(crate) struct PullOutcome {
    /// `repository@sha256:…`: what was (or would be) pulled.
    pinned: String,
    /// The command that pulls it (to copy when no tool is installed).
    command: String,
    /// `docker` or `podman`, when one was found and run.
    tool: Option<String>,
    pulled: bool,
    /// The status the image was pulled with (a `warn` scope may pull an unverified image).
    status: vouch_core::verify::Status,
}

/// Verify, then pull pinned by digest. The image is verified again here (three requests), so
/// the window cannot pull something the core did not just accept: an unverified image is
/// pulled only in a `warn` scope and only when `accept_unverified` says the user confirmed.
#[tauri::command]
pub(crate) async fn pull_image(
    state: State<'_, AppState>,
    reference: String,
    accept_unverified: bool,
    on_event: Channel<PullEvent>,
) -> Result<PullOutcome, IpcError> {
    let trust = with_store(&state, |s| Ok(s.load()?)).await?;
    let verdict = on_runtime(move |rt| {
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
    .await?;
    let (Some(repository), Some(digest)) = (verdict.repository.clone(), verdict.digest.clone())
    else {
        return Err(IpcError {
            code: "not_verified",
            message: format!("not pulled: {}", verdict.reason),
        });
    };
    if verdict.status != vouch_core::verify::Status::Verified {
        let warn = verdict
            .policy
            .as_ref()
            .is_some_and(|p| p.mode != vouch_core::trust::PolicyMode::Enforce);
        if !(warn && accept_unverified) {
            return Err(IpcError {
                code: "not_verified",
                message: format!(
                    "not pulled: the image is {} ({}){}",
                    verdict.status.as_str(),
                    verdict.reason,
                    if warn {
                        "; confirm to pull it anyway in this warn-mode scope"
                    } else {
                        ""
                    }
                ),
            });
        }
    }
    let pinned = format!("{repository}@{digest}");
    let tool = ["docker", "podman"]
        .into_iter()
        .find_map(|t| vouch_core::doctor::find_in_path(t).map(|p| (t, p)));
    let Some((name, path)) = tool else {
        return Ok(PullOutcome {
            command: format!("docker pull {pinned}"),
            pinned,
            tool: None,
            pulled: false,
            status: verdict.status,
        });
    };
    let command = format!("{name} pull {pinned}");
    let pinned_arg = pinned.clone();
    let pulled = blocking(move || {
        use std::io::{BufRead, BufReader};
        let mut child = std::process::Command::new(path)
            .args(["pull", &pinned_arg])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .map_err(|e| IpcError {
                code: "pull",
                message: format!("could not run {name}: {e}"),
            })?;
        let stderr = child.stderr.take();
        let ch = on_event.clone();
        let err_thread = std::thread::spawn(move || {
            if let Some(e) = stderr {
                for line in BufReader::new(e).lines().map_while(Result::ok) {
                    let _ = ch.send(PullEvent::Line { text: line });
                }
            }
        });
        if let Some(out) = child.stdout.take() {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                let _ = on_event.send(PullEvent::Line { text: line });
            }
        }
        let _ = err_thread.join();
        let status = child.wait().map_err(|e| IpcError {
            code: "pull",
            message: format!("{name} did not finish: {e}"),
        })?;
        Ok(status.success())
    })
    .await?;
    Ok(PullOutcome {
        pinned,
        command,
        tool: Some(name.to_string()),
        pulled,
        status: verdict.status,
    })
}

#[tauri::command]
pub(crate) async fn get_settings() -> Result<Settings, IpcError> {
    blocking(|| {
        Settings::load().map_err(|e| IpcError {
            code: "settings",
            message: e.to_string(),
        })
    })
    .await
}

#[tauri::command]
pub(crate) async fn save_settings(settings: Settings) -> Result<Settings, IpcError> {
    blocking(move || {
        settings.save().map_err(|e| IpcError {
            code: "settings",
            message: e.to_string(),
        })?;
        Ok(settings)
    })
    .await
}
