//! A minimal Tauri 2 window: the same Tauri version, features, profile and window size as
//! vouch-app, a static page and nothing else. `bench/app.mjs` measures both side by side.

// Hide the console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    tauri::Builder::default()
        .run(tauri::generate_context!())
        .unwrap_or_else(|e| {
            eprintln!("minimal-window: could not start: {e}");
            std::process::exit(2);
        });
}
