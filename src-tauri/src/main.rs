// Hide the console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

#[cfg(all(test, feature = "ts"))]
mod bindings;
mod boot;
mod commands;
mod error;
mod state;

use tauri::Manager;

fn main() {
    let state = state::AppState::default();
    // Connect to the keychain and read the keys while the app and its window start, so the first
    // screen's key list does not wait for D-Bus. A failure here is retried by the first command,
    // which reports it.
    state.start_preload();
    tauri::Builder::default()
        .manage(state)
        .manage(commands::search::Searches::default())
        .plugin(tauri_plugin_dialog::init())
        .invoke_handler(commands::handler())
        .setup(|app| {
            // The main window (tauri.conf.json, `create: false`) is made here, with the first
            // screen's data in its initialization script.
            let config = app.config();
            let window = config
                .app
                .windows
                .first()
                .ok_or("tauri.conf.json names no window")?;
            let boot = boot::Boot::gather(&app.state::<state::AppState>(), boot::wait());
            tauri::WebviewWindowBuilder::from_config(app.handle(), window)?
                .initialization_script(boot.script(&boot::app_origins(config)))
                .build()?;
            Ok(())
        })
        .run(tauri::generate_context!())
        .unwrap_or_else(|e| {
            eprintln!("vouch-app: could not start: {e}");
            std::process::exit(2);
        });
}
