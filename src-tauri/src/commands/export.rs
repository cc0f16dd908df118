//! Exports of the trust set for the engines that enforce it on fleets (the CLI's `vouch export`):
//! previewed in the window, saved into a folder the user picks in the native folder dialog.
//!
//! The files and the summary come from `vouch_core::export::export`, the function the CLI
//! calls, and are written by `vouch_core::export::folder` (all or none). Saving recomputes the
//! export and writes it only when it still gives the previewed files (same digest): the webview
//! never sends a file's content or a path. A folder already holding some of the files is left
//! untouched; the answer names them with a ticket, and only `replace_export_files(ticket)` (the
//! window's explicit confirmation) replaces them, with exactly those files in exactly that
//! folder.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use serde::Serialize;
use tauri::AppHandle;
use time::OffsetDateTime;
use vouch_core::export::folder::{self, Existing, FolderError};
use vouch_core::export::{Export, ExportFile, Summary, Target};
use vouch_core::oci::Digest;
use vouch_core::sigstore::roots::RootStore;
use vouch_core::trust::TrustSet;

use super::files::{choose, dialog, Mode};
use super::{blocking, load_trust, Shared};
use crate::error::{ErrorCode, IpcError, IpcResult};

/// An export as the window previews it.
#[derive(Debug, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub(crate) struct ExportPreview {
    /// The files, paths relative to the folder they are saved into.
    pub(crate) files: Vec<ExportFile>,
    /// What was exported, what could not be, and where the target differs from Vouch.
    pub(crate) summary: Summary,
    /// Names these exact files: saving refuses when the export no longer gives them.
    pub(crate) digest: String,
}

/// What saving an export led to.
#[derive(Debug, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum ExportSaved {
    /// The user closed the folder dialog; nothing was written.
    Cancelled,
    /// Every file was written into `folder` (`files` relative to it).
    Written { folder: String, files: Vec<String> },
    /// `files` already exist in `folder`, so nothing was written; `replace_export_files(ticket)`
    /// replaces them once the person confirms.
    Exists {
        #[cfg_attr(feature = "ts", ts(type = "number"))]
        ticket: u64,
        folder: String,
        files: Vec<String>,
    },
}

/// The export of the trust set for `target`, with its summary; a refusal is an error whose
/// sentence says why (`scope_overlap` when accepting the overlap would export it).
#[tauri::command]
pub(crate) async fn preview_export(state: Shared<'_>, target: Target) -> IpcResult<ExportPreview> {
    let set = load_trust(&state).await?;
    preview(&set, OffsetDateTime::now_utc(), target)
}

/// Writes the previewed export (`digest` from [`preview_export`]) into a folder the user picks.
#[tauri::command]
pub(crate) async fn save_export(
    app: AppHandle,
    state: Shared<'_>,
    target: Target,
    digest: String,
) -> IpcResult<ExportSaved> {
    let set = load_trust(&state).await?;
    let files = previewed(&set, OffsetDateTime::now_utc(), target, &digest)?;
    let dialog = dialog(&app).set_title("Choose the folder to export into");
    let Some(dir) = choose(dialog, Mode::Folder).await? else {
        return Ok(ExportSaved::Cancelled);
    };
    blocking(move || write_new(dir, files)).await
}

/// Replaces the files an [`ExportSaved::Exists`] answer named, once the person confirmed.
#[tauri::command]
pub(crate) async fn replace_export_files(ticket: u64) -> IpcResult<ExportSaved> {
    let Some(held) = HELD.take(ticket) else {
        return Err(IpcError::new(
            ErrorCode::ExportChanged,
            "That export is no longer waiting to replace files, so nothing was written. Choose “Save to folder…” again.",
        ));
    };
    blocking(move || {
        folder::write(&held.dir, &held.files, Existing::Replace)?;
        Ok(written(&held.dir, &held.files))
    })
    .await
}

/// The export of `set`, with the trusted roots its identities name (read offline).
fn export_of(set: &TrustSet, now: OffsetDateTime, target: Target) -> IpcResult<Export> {
    let store = RootStore::for_profile(&vouch_core::paths::profile()?);
    let roots = vouch_core::export::roots_for(set, &store, now);
    Ok(vouch_core::export::export_full(
        set,
        now,
        target,
        Vec::new(),
        &roots,
    )?)
}

fn preview(set: &TrustSet, now: OffsetDateTime, target: Target) -> IpcResult<ExportPreview> {
    let export = export_of(set, now, target)?;
    Ok(ExportPreview {
        digest: digest(&export.files),
        files: export.files,
        summary: export.summary,
    })
}

/// The export's files, if they are still the ones previewed as `expected`.
fn previewed(
    set: &TrustSet,
    now: OffsetDateTime,
    target: Target,
    expected: &str,
) -> IpcResult<Vec<ExportFile>> {
    let export = export_of(set, now, target)?;
    if digest(&export.files) != expected {
        return Err(IpcError::new(
            ErrorCode::ExportChanged,
            "The export changed since this preview (the trust set was edited), so nothing was saved. Look at the new preview, then save again.",
        ));
    }
    Ok(export.files)
}

/// One digest over every file's path and content (lengths keep the boundaries unambiguous).
fn digest(files: &[ExportFile]) -> String {
    let mut bytes = Vec::new();
    for f in files {
        for part in [&f.path, &f.contents] {
            bytes.extend_from_slice(part.len().to_string().as_bytes());
            bytes.push(b':');
            bytes.extend_from_slice(part.as_bytes());
        }
    }
    Digest::of(&bytes).to_string()
}

/// Writes into `dir` unless a file is there already; then holds the files for a confirmation.
fn write_new(dir: PathBuf, files: Vec<ExportFile>) -> IpcResult<ExportSaved> {
    match folder::write(&dir, &files, Existing::Refuse) {
        Ok(_) => Ok(written(&dir, &files)),
        Err(FolderError::Exists { files: there, .. }) => {
            let folder = dir.display().to_string();
            let ticket = HELD.hold(Held { dir, files });
            Ok(ExportSaved::Exists {
                ticket,
                folder,
                files: there,
            })
        }
        Err(e) => Err(e.into()),
    }
}

fn written(dir: &Path, files: &[ExportFile]) -> ExportSaved {
    ExportSaved::Written {
        folder: dir.display().to_string(),
        files: files.iter().map(|f| f.path.clone()).collect(),
    }
}

/// An export waiting for the person to confirm replacing files.
struct Held {
    dir: PathBuf,
    files: Vec<ExportFile>,
}

/// The one export waiting for a confirmation (a newer one replaces it); its ticket is taken
/// once. Process-wide: the app has one window.
struct Waiting {
    next: AtomicU64,
    held: Mutex<Option<(u64, Held)>>,
}

static HELD: Waiting = Waiting {
    next: AtomicU64::new(1),
    held: Mutex::new(None),
};

impl Waiting {
    fn hold(&self, held: Held) -> u64 {
        let ticket = self.next.fetch_add(1, Ordering::Relaxed);
        *self.held.lock().unwrap_or_else(|p| p.into_inner()) = Some((ticket, held));
        ticket
    }

    fn take(&self, ticket: u64) -> Option<Held> {
        let mut guard = self.held.lock().unwrap_or_else(|p| p.into_inner());
        match guard.take() {
            Some((t, held)) if t == ticket => Some(held),
            other => {
                *guard = other;
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vouch_core::export::admission::KyvernoApi;
    use vouch_core::keys::PublicKey;
    use vouch_core::trust::TrustedKey;

    fn now() -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(1_800_000_000).expect("time")
    }

    fn set(scopes: &[&str]) -> TrustSet {
        let key = PublicKey::parse(include_bytes!(
            "../../../crates/core/tests/fixtures/keys/cosign-p256.pub"
        ))
        .expect("fixture key");
        let mut set = TrustSet::default();
        set.keys.push(TrustedKey::new(
            &key,
            "Acme Release",
            scopes.iter().map(|s| s.to_string()).collect(),
            now(),
        ));
        set
    }

    const TARGETS: [Target; 4] = [
        Target::Containers {
            accept_scope_overlap: true,
        },
        Target::Kyverno {
            api: KyvernoApi::V1,
        },
        Target::Kyverno {
            api: KyvernoApi::ClusterPolicy,
        },
        Target::PolicyController,
    ];

    /// The preview is the core's export, the one `vouch export` writes, file for file, with its
    /// summary.
    #[test]
    fn the_preview_is_what_vouch_export_writes() {
        let set = set(&["ghcr.io/acme/**"]);
        for target in TARGETS {
            let p = preview(&set, now(), target).expect("preview");
            let cli = vouch_core::export::export(&set, now(), target).expect("export");
            assert_eq!(p.files, cli.files, "{target:?}");
            assert_eq!(p.summary, cli.summary, "{target:?}");
            assert!(!p.files.is_empty(), "{target:?}");
        }
        let p = preview(&set, now(), TARGETS[0]).expect("containers");
        assert!(
            p.files[0].contents.contains("\"ghcr.io/acme\""),
            "{}",
            p.files[0].contents
        );
        assert!(p.files[0].contents.contains("sigstoreSigned"));
        let v = serde_json::to_value(&p).expect("json");
        assert_eq!(v["files"][0]["path"], "policy.json");
        assert!(v["summary"]["not_exported"].is_array(), "{v}");
    }

    #[test]
    fn a_scope_overlap_is_refused_in_a_sentence_the_window_can_offer_to_accept() {
        let set = set(&["ghcr.io/acme/**"]);
        let refuse = Target::Containers {
            accept_scope_overlap: false,
        };
        let e = preview(&set, now(), refuse).expect_err("overlap");
        assert_eq!(e.code, ErrorCode::ScopeOverlap);
        assert!(
            e.message.contains("`ghcr.io/acme`") && e.message.contains("more widely than Vouch"),
            "{}",
            e.message
        );
        assert!(
            e.message
                .ends_with("Tick “Accept the overlap” to export it anyway."),
            "{}",
            e.message
        );
        assert!(
            !e.message.contains("--accept"),
            "no CLI flag in the window: {}",
            e.message
        );
        // A refusal without an option to accept has its own code.
        let subdomains = set_with_policy_glob();
        let e = preview(
            &subdomains,
            now(),
            Target::Kyverno {
                api: KyvernoApi::ClusterPolicy,
            },
        )
        .expect_err("the legacy ClusterPolicy cannot keep *.domain to one host");
        assert_eq!(e.code, ErrorCode::ExportRefused, "{}", e.message);
    }

    fn set_with_policy_glob() -> TrustSet {
        let mut s = set(&["*.acme.dev/**"]);
        s.policies.push(
            serde_json::from_value(serde_json::json!({
                "pattern": "*.acme.dev/**", "mode": "enforce", "threshold": 1
            }))
            .expect("policy"),
        );
        s
    }

    #[test]
    fn saving_refuses_files_other_than_the_previewed_ones() {
        let set = set(&["ghcr.io/acme/**"]);
        let target = TARGETS[1];
        let p = preview(&set, now(), target).expect("preview");
        assert_eq!(
            previewed(&set, now(), target, &p.digest).expect("same"),
            p.files
        );
        let mut changed = set;
        changed.keys[0].scopes = vec!["ghcr.io/other/**".into()];
        let e = previewed(&changed, now(), target, &p.digest).expect_err("changed");
        assert_eq!(e.code, ErrorCode::ExportChanged);
    }

    #[test]
    fn existing_files_are_replaced_only_through_their_ticket() {
        let tmp = std::env::temp_dir().join(format!("vouch-export-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&tmp);
        let files = preview(&set(&[]), now(), TARGETS[0])
            .expect("preview")
            .files;
        let first = write_new(tmp.clone(), files.clone()).expect("written");
        assert_eq!(
            first,
            ExportSaved::Written {
                folder: tmp.display().to_string(),
                files: vec!["policy.json".into(), "registries.d/vouch.yaml".into()]
            }
        );
        std::fs::write(tmp.join("policy.json"), "{}\n").expect("edit");
        let ExportSaved::Exists {
            ticket,
            files: there,
            ..
        } = write_new(tmp.clone(), files.clone()).expect("exists")
        else {
            panic!("existing files must be named, not replaced");
        };
        assert_eq!(there, ["policy.json", "registries.d/vouch.yaml"]);
        assert_eq!(
            std::fs::read_to_string(tmp.join("policy.json")).expect("read"),
            "{}\n"
        );
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        let e = rt
            .block_on(replace_export_files(ticket + 1))
            .expect_err("another ticket");
        assert_eq!(e.code, ErrorCode::ExportChanged);
        // A wrong ticket leaves the right one waiting.
        assert!(matches!(
            rt.block_on(replace_export_files(ticket)),
            Ok(ExportSaved::Written { .. })
        ));
        assert_eq!(
            std::fs::read_to_string(tmp.join("policy.json")).expect("read"),
            files[0].contents
        );
        assert!(
            rt.block_on(replace_export_files(ticket)).is_err(),
            "taken once"
        );
        std::fs::remove_dir_all(&tmp).expect("clean up");
    }
}
