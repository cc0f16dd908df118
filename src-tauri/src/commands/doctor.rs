//! What Vouch can reach on this computer.

use vouch_core::doctor::DoctorReport;
use vouch_core::registry::check::{check_configured, RegistryAccess};

use super::{blocking, on_runtime};
use crate::error::IpcResult;

#[tauri::command]
pub(crate) async fn doctor() -> IpcResult<DoctorReport> {
    blocking(|| Ok(DoctorReport::gather())).await
}

/// Per configured registry (the settings and the auth files): where its credentials come from
/// (file and entry or helper, never the secret) and a "test connection" (`GET /v2/` with them).
#[tauri::command]
pub(crate) async fn check_registry_access() -> IpcResult<Vec<RegistryAccess>> {
    on_runtime(|rt| {
        let settings = vouch_core::config::Settings::load()?;
        Ok(rt.block_on(check_configured(&settings)))
    })
    .await
}
