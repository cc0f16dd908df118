// Hide the console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

#[cfg(all(test, feature = "ts"))]
mod bindings;
mod commands;
mod error;
mod state;

fn main() {
    let state = state::AppState::default();
    // Connect to the keychain and read the keys while the window and its web process start,
    // so the first screen's key list does not wait for D-Bus. A failure here is retried by the
    // first command, which reports it.
    let warm = state.clone();
    std::thread::spawn(move || warm.preload());
    tauri::Builder::default()
        .manage(state)
        .manage(commands::search::Searches::default())
        .plugin(tauri_plugin_dialog::init())
        .invoke_handler(commands::handler())
        .run(tauri::generate_context!())
        .unwrap_or_else(|e| {
            eprintln!("vouch-app: could not start: {e}");
            std::process::exit(2);
        });
}
