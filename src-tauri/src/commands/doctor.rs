//! What Vouch can reach on this computer.

use vouch_core::doctor::DoctorReport;

use super::blocking;
use crate::error::IpcError;

#[tauri::command]
pub(crate) async fn doctor() -> Result<DoctorReport, IpcError> {
    blocking(|| Ok(DoctorReport::gather())).await
}
