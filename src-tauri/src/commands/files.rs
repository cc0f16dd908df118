//! Files the user chooses in a native dialog opened from Rust: exporting a key or the trust set
//! to a file, importing a key or a trust set from a file.
//!
//! The webview never names a path: it asks for an export or an import, Rust opens the native
//! save/open dialog (tauri-plugin-dialog; the webview holds none of the plugin's permissions),
//! reads or writes the file the user picked, and answers with what happened. So no IPC command
//! can be used to write an arbitrary file.
//!
//! Test hook (debug builds only): `VOUCH_TEST_DIALOG_ANSWER`, read from the app's *process
//! environment* (never from the webview), pre-answers every dialog with that path, or with
//! "cancelled" when empty; the window tests use it because native dialogs cannot be driven
//! through WebDriver.

use std::path::{Path, PathBuf};

use serde::Serialize;
use tauri::{AppHandle, Manager};
use tauri_plugin_dialog::{DialogExt, FileDialogBuilder, FilePath};
use vouch_core::extract::dropped::read_bounded;
use vouch_core::extract::{read_key_file, KeyFile};
use vouch_core::trust::ImportReport;

use super::{blocking, with_store, Shared};
use crate::error::{ErrorCode, IpcError, IpcResult};

/// What a save dialog led to.
#[derive(Debug, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum Saved {
    /// The user closed the dialog; nothing was written.
    Cancelled,
    Written {
        path: String,
    },
}

/// What an open dialog for a key led to.
#[derive(Debug, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum KeyChoice {
    Cancelled,
    /// The public key in the chosen file (not yet trusted: the window asks first).
    Key(KeyFile),
}

/// What an open dialog for a trust set led to.
#[derive(Debug, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum TrustSetChoice {
    Cancelled,
    /// The chosen file's trust set was merged into the store.
    Imported {
        path: String,
        report: ImportReport,
    },
}

/// Saves the public key of a trusted key (PEM) where the user chooses.
#[tauri::command]
pub(crate) async fn export_key_to_file(
    app: AppHandle,
    state: Shared<'_>,
    fingerprint: String,
) -> IpcResult<Saved> {
    let key = with_store(&state, move |s| Ok(s.resolve(&fingerprint)?)).await?;
    let dialog = dialog(&app)
        .set_title(format!("Export the public key of {}", key.publisher))
        .set_file_name(format!("{}.pub", file_stem(&key.publisher)))
        .add_filter("Public key (PEM)", &["pub", "pem"]);
    save(dialog, key.public_key.into_bytes()).await
}

/// Saves the whole trust set (public keys, revocations, policies; no private key) where the
/// user chooses.
#[tauri::command]
pub(crate) async fn export_trust_set_to_file(
    app: AppHandle,
    state: Shared<'_>,
) -> IpcResult<Saved> {
    let json = with_store(&state, |s| Ok(s.export_set()?.to_json()?)).await?;
    let dialog = dialog(&app)
        .set_title("Export the trust set")
        .set_file_name("vouch-trust.json")
        .add_filter("Trust set (JSON)", &["json"]);
    save(dialog, json).await
}

/// What an open dialog for a registry's CA certificates led to.
#[derive(Debug, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum CaFileChoice {
    Cancelled,
    /// A readable file holding `certificates` PEM certificates (not saved yet: the window saves
    /// the settings).
    Chosen {
        path: String,
        certificates: usize,
    },
}

/// Largest CA file read.
const MAX_CA_FILE: u64 = 1024 * 1024;

/// Lets the user pick a PEM file of CA certificates for a registry; the file must hold at
/// least one certificate.
#[tauri::command]
pub(crate) async fn choose_ca_file(app: AppHandle) -> IpcResult<CaFileChoice> {
    let dialog = dialog(&app)
        .set_title("Choose the registry's CA certificates")
        .add_filter("CA certificates (PEM)", &["pem", "crt", "cer"])
        .add_filter("All files", &["*"]);
    let Some(path) = choose(dialog, Mode::Open).await? else {
        return Ok(CaFileChoice::Cancelled);
    };
    blocking(move || read_ca_file(&path)).await
}

/// The CA file at `path`, if it is a readable PEM file with at least one certificate.
fn read_ca_file(path: &Path) -> IpcResult<CaFileChoice> {
    let shown = path.display().to_string();
    let fail = |why: String| IpcError::new(ErrorCode::File, format!("{shown} {why}"));
    let size = std::fs::metadata(path)
        .map_err(|e| fail(format!("could not be read: {e}")))?
        .len();
    if size > MAX_CA_FILE {
        return Err(fail(format!(
            "is {size} bytes, more than a CA file holds (at most {MAX_CA_FILE})"
        )));
    }
    let bytes = std::fs::read(path).map_err(|e| fail(format!("could not be read: {e}")))?;
    let text = String::from_utf8_lossy(&bytes);
    let certificates = text.matches("-----BEGIN CERTIFICATE-----").count();
    if certificates == 0 {
        return Err(fail(
            "holds no PEM certificate (a block starting -----BEGIN CERTIFICATE-----)".into(),
        ));
    }
    Ok(CaFileChoice::Chosen {
        path: shown,
        certificates,
    })
}

/// Reads a public key from a file the user chooses; the window then asks whether to trust it.
#[tauri::command]
pub(crate) async fn import_key_from_file(app: AppHandle) -> IpcResult<KeyChoice> {
    let dialog = dialog(&app)
        .set_title("Import a public key")
        .add_filter("Public key", &["pub", "pem", "key", "der"])
        .add_filter("All files", &["*"]);
    let Some(path) = choose(dialog, Mode::Open).await? else {
        return Ok(KeyChoice::Cancelled);
    };
    blocking(move || Ok(KeyChoice::Key(read_key_file(&path)?))).await
}

/// Merges the trust set in a file the user chooses (a document exported by Vouch) into the
/// store, like a pasted one.
#[tauri::command]
pub(crate) async fn import_trust_set_from_file(
    app: AppHandle,
    state: Shared<'_>,
) -> IpcResult<TrustSetChoice> {
    let dialog = dialog(&app)
        .set_title("Import a trust set")
        .add_filter("Trust set (JSON)", &["json"])
        .add_filter("All files", &["*"]);
    let Some(path) = choose(dialog, Mode::Open).await? else {
        return Ok(TrustSetChoice::Cancelled);
    };
    let shown = path.display().to_string();
    let report = with_store(&state, move |s| {
        super::trust::import_document(&s, &read_bounded(&path)?)
    })
    .await?;
    Ok(TrustSetChoice::Imported {
        path: shown,
        report,
    })
}

/// A file dialog over the main window, starting in the user's home folder (not the app's
/// working directory).
pub(super) fn dialog(app: &AppHandle) -> FileDialogBuilder<tauri::Wry> {
    let mut builder = app.dialog().file();
    if let Ok(home) = app.path().home_dir() {
        builder = builder.set_directory(home);
    }
    match app.get_webview_window("main") {
        Some(window) => builder.set_parent(&window),
        None => builder,
    }
}

async fn save(dialog: FileDialogBuilder<tauri::Wry>, bytes: Vec<u8>) -> IpcResult<Saved> {
    let Some(path) = choose(dialog, Mode::Save).await? else {
        return Ok(Saved::Cancelled);
    };
    blocking(move || {
        let shown = path.display().to_string();
        std::fs::write(&path, bytes)
            .map_err(|e| IpcError::new(ErrorCode::File, format!("could not write {shown}: {e}")))?;
        Ok(Saved::Written { path: shown })
    })
    .await
}

#[derive(Clone, Copy)]
pub(super) enum Mode {
    Open,
    Save,
    /// A folder to write into (an export of several files).
    Folder,
}

/// Shows the dialog and waits for the user's choice; `None` when cancelled.
pub(super) async fn choose(
    dialog: FileDialogBuilder<tauri::Wry>,
    mode: Mode,
) -> IpcResult<Option<PathBuf>> {
    if let Some(answer) = test_answer() {
        return Ok(answer);
    }
    let (tx, rx) = tokio::sync::oneshot::channel::<Option<FilePath>>();
    let done = move |choice: Option<FilePath>| {
        let _ = tx.send(choice);
    };
    match mode {
        Mode::Open => dialog.pick_file(done),
        Mode::Save => dialog.save_file(done),
        Mode::Folder => dialog.pick_folder(done),
    }
    let chosen = rx
        .await
        .map_err(|_| IpcError::new(ErrorCode::Dialog, "the file dialog could not be shown"))?;
    chosen
        .map(|p| {
            p.into_path().map_err(|e| {
                IpcError::new(
                    ErrorCode::Dialog,
                    format!("the chosen file has no local path: {e}"),
                )
            })
        })
        .transpose()
}

/// The test hook described in the module documentation: debug builds only, process
/// environment only.
fn test_answer() -> Option<Option<PathBuf>> {
    if !cfg!(debug_assertions) {
        return None;
    }
    let answer = std::env::var_os("VOUCH_TEST_DIALOG_ANSWER")?;
    Some(Some(PathBuf::from(answer)).filter(|p| !p.as_os_str().is_empty()))
}

/// A publisher name made into a file name: letters, digits, `-`, `_` and `.`; the rest `-`.
fn file_stem(publisher: &str) -> String {
    let stem: String = publisher
        .trim()
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '-'
            }
        })
        .collect();
    let stem = stem.trim_matches(['-', '.']);
    if stem.is_empty() {
        "public-key".to_string()
    } else {
        stem.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_serialise_tagged() {
        assert_eq!(
            serde_json::to_value(Saved::Written {
                path: "/home/ada/vouch-trust.json".into()
            })
            .expect("json"),
            serde_json::json!({"kind": "written", "path": "/home/ada/vouch-trust.json"})
        );
        assert_eq!(
            serde_json::to_value(Saved::Cancelled).expect("json"),
            serde_json::json!({"kind": "cancelled"})
        );
        let key = KeyChoice::Key(KeyFile {
            path: "/k.pub".into(),
            fingerprint: "sha256:ab".into(),
            algorithm: vouch_core::keys::Algorithm::Ed25519,
            pem: "PEM".into(),
        });
        let v = serde_json::to_value(key).expect("json");
        assert_eq!(v["kind"], "key");
        assert_eq!(v["fingerprint"], "sha256:ab");
        assert_eq!(v["pem"], "PEM");
    }

    #[test]
    fn a_ca_file_must_hold_a_pem_certificate() {
        let dir = std::env::temp_dir().join(format!("vouch-ca-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let good = dir.join("ca.pem");
        let cert = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
        std::fs::write(&good, cert.repeat(2)).expect("write");
        assert_eq!(
            read_ca_file(&good).expect("a CA file"),
            CaFileChoice::Chosen {
                path: good.display().to_string(),
                certificates: 2
            }
        );
        let key = dir.join("key.pem");
        std::fs::write(
            &key,
            "-----BEGIN PUBLIC KEY-----\nMCow\n-----END PUBLIC KEY-----\n",
        )
        .expect("write");
        let e = read_ca_file(&key).expect_err("no certificate");
        assert_eq!(e.code, ErrorCode::File);
        assert!(
            e.message.contains("holds no PEM certificate"),
            "{}",
            e.message
        );
        let e = read_ca_file(&dir.join("missing.pem")).expect_err("missing");
        assert!(e.message.contains("could not be read"), "{}", e.message);
        std::fs::remove_dir_all(&dir).expect("clean up");
    }

    #[test]
    fn publisher_names_become_safe_file_names() {
        assert_eq!(file_stem("Acme Release"), "Acme-Release");
        assert_eq!(file_stem("../../etc/passwd"), "etc-passwd");
        assert_eq!(file_stem("  "), "public-key");
    }
}
