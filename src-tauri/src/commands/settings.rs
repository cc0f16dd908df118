//! The app's settings file.

use vouch_core::config::Settings;

use super::blocking;
use crate::error::IpcResult;

#[tauri::command]
pub(crate) async fn get_settings() -> IpcResult<Settings> {
    blocking(|| Ok(Settings::load()?)).await
}

/// Saves and returns the settings; a bad registry host is refused with code `settings`.
#[tauri::command]
pub(crate) async fn save_settings(settings: Settings) -> IpcResult<Settings> {
    blocking(move || {
        settings.save()?;
        Ok(settings)
    })
    .await
}
