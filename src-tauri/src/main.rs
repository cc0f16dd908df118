// Hide the console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;
mod error;
mod state;

fn main() {
    tauri::Builder::default()
        .manage(state::AppState::default())
        .invoke_handler(tauri::generate_handler![
            commands::doctor,
            commands::list_keys,
            commands::add_key,
            commands::revoke_key,
            commands::remove_key,
            commands::export_key,
        ])
        .run(tauri::generate_context!())
        .unwrap_or_else(|e| {
            eprintln!("vouch-app: could not start: {e}");
            std::process::exit(2);
        });
}
