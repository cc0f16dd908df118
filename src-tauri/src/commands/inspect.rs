//! Reading what the user hands the window (text, dropped files) and inspecting one image.
//! Parsing and classification live in vouch-core's extractors; the window renders the result.

use std::path::PathBuf;

use vouch_core::extract::{classify_path, extract, DroppedFile, Extracted};
use vouch_core::provenance::{inspect, Inspection};
use vouch_core::reference::ImageRef;
use vouch_core::registry::Registry;

use super::{blocking, load_trust, on_runtime, verify_options, Shared};
use crate::error::IpcResult;

/// Extracts image references from text or a file's contents.
#[tauri::command]
pub(crate) async fn extract_references(
    file_name: Option<String>,
    contents: String,
) -> IpcResult<Extracted> {
    blocking(move || Ok(extract(file_name.as_deref(), contents.as_bytes())?)).await
}

/// Classifies files dropped on the window (read only, bounded): public keys are offered for
/// import, everything else is searched for image references.
#[tauri::command]
pub(crate) async fn inspect_dropped_files(paths: Vec<PathBuf>) -> IpcResult<Vec<DroppedFile>> {
    blocking(move || Ok(paths.iter().map(|p| classify_path(p)).collect())).await
}

/// The verdict, metadata, attestations and provenance graph of one image (what `vouch inspect`
/// shows). The window renders the graph; it never computes it.
#[tauri::command]
pub(crate) async fn inspect_image(state: Shared<'_>, reference: String) -> IpcResult<Inspection> {
    let trust = load_trust(&state).await?;
    on_runtime(move |rt| {
        let opts = verify_options();
        let hosts: Vec<String> = ImageRef::parse(&reference)
            .map(|r| vec![r.registry_host().to_string()])
            .unwrap_or_default();
        let registry = Registry::new(opts.registry.clone(), hosts.iter().map(String::as_str))?;
        let now = time::OffsetDateTime::now_utc();
        Ok(rt.block_on(inspect(&registry, &reference, &trust, &opts, now)))
    })
    .await
}
