//! What Vouch can reach on this computer.

use vouch_core::doctor::DoctorReport;

use super::blocking;
use crate::error::IpcResult;

#[tauri::command]
pub(crate) async fn doctor() -> IpcResult<DoctorReport> {
    blocking(|| Ok(DoctorReport::gather())).await
}
