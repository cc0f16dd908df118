//! What Vouch can reach on this computer.

use vouch_core::doctor::DoctorReport;
use vouch_core::registry::check::{check_registries, configured_hosts, RegistryAccess};
use vouch_core::registry::RegistryOptions;

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
        let hosts = configured_hosts(&settings);
        let opts = RegistryOptions {
            insecure: vouch_core::registry::insecure_in(&settings),
            request_timeout: std::time::Duration::from_secs(10),
            ..RegistryOptions::default()
        };
        Ok(rt.block_on(check_registries(&hosts, opts)))
    })
    .await
}
