// Hide the console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

#[cfg(all(test, feature = "ts"))]
mod bindings;
mod commands;
mod error;
mod state;

fn main() {
    let state = state::AppState::default();
    // Connect to the keychain while the window and its web process start, so the first
    // screen's key list does not wait for the D-Bus connection. A failure here is retried by
    // the first command, which reports it.
    let warm = state.clone();
    std::thread::spawn(move || {
        let _ = warm.store();
    });
    tauri::Builder::default()
        .manage(state)
        .invoke_handler(tauri::generate_handler![
            commands::doctor,
            commands::list_keys,
            commands::add_key,
            commands::revoke_key,
            commands::remove_key,
            commands::export_key,
            commands::generate_key,
            commands::edit_key,
            commands::list_policies,
            commands::set_policy,
            commands::remove_policy,
            commands::export_trust_set,
            commands::import_trust_set,
            commands::save_text_file,
            commands::verify_images,
            commands::extract_references,
            commands::inspect_dropped_files,
            commands::inspect_image,
            commands::pull_image,
            commands::get_settings,
            commands::save_settings,
        ])
        .run(tauri::generate_context!())
        .unwrap_or_else(|e| {
            eprintln!("vouch-app: could not start: {e}");
            std::process::exit(2);
        });
}
