//! The IPC surface as registered: no command takes a path to write, and the webview holds no
//! file or dialog permission of its own.

use super::REGISTERED;

/// The source of each command module, to read the registered commands' parameters.
fn source(module: &str) -> &'static str {
    match module {
        "doctor" => include_str!("doctor.rs"),
        "export" => include_str!("export.rs"),
        "files" => include_str!("files.rs"),
        "history" => include_str!("history.rs"),
        "identities" => include_str!("identities.rs"),
        "inspect" => include_str!("inspect.rs"),
        "keys" => include_str!("keys.rs"),
        "policies" => include_str!("policies.rs"),
        "pull" => include_str!("pull.rs"),
        "search" => include_str!("search.rs"),
        "settings" => include_str!("settings.rs"),
        "trust" => include_str!("trust.rs"),
        "trust_lists" => include_str!("trust_lists.rs"),
        "verify" => include_str!("verify.rs"),
        other => panic!("a command module without a source entry here: {other}"),
    }
}

/// The parameter names of `#[tauri::command] … fn name(…)` in `src`.
fn parameters(src: &str, name: &str) -> Vec<String> {
    let head = format!("#[tauri::command]\npub(crate) async fn {name}(");
    let open = src
        .find(&head)
        .unwrap_or_else(|| panic!("`{name}` is not a `#[tauri::command]` async fn"))
        + head.len();
    // Split the parameter list at the commas outside `<…>` and `(…)`, up to its `)`.
    let (mut depth, mut current, mut params) = (0i32, String::new(), Vec::new());
    for c in src[open..].chars() {
        match c {
            '<' | '(' | '[' => depth += 1,
            '>' | ']' => depth -= 1,
            ')' if depth == 0 => break,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                params.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    params.push(current);
    params
        .iter()
        .filter_map(|p| p.split(':').next())
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect()
}

/// Commands with a path- or file-like parameter, and why that is safe.
const ALLOWED: &[(&str, &str)] = &[
    (
        "inspect_dropped_files",
        "reads (bounded) the files the user dropped, to classify them; writes nothing",
    ),
    (
        "extract_references",
        "`file_name` only chooses the parser for contents the window passes; opens nothing",
    ),
];

#[test]
fn no_ipc_command_takes_a_path_to_write() {
    let names: Vec<&str> = REGISTERED.iter().map(|(_, n)| *n).collect();
    assert!(!names.contains(&"save_text_file"), "{names:?}");
    for (module, name) in REGISTERED {
        let params = parameters(source(module), name);
        let takes_path = params
            .iter()
            .any(|p| p.contains("path") || p.contains("file") || p.contains("dest"));
        assert!(
            !takes_path || ALLOWED.iter().any(|(allowed, _)| allowed == name),
            "{module}::{name}({params:?}) takes a path"
        );
    }
    // The parser above does see parameters (it would pass vacuously otherwise).
    assert_eq!(
        parameters(source("inspect"), "inspect_dropped_files"),
        ["paths"]
    );
    assert_eq!(
        parameters(source("files"), "export_key_to_file"),
        ["app", "state", "fingerprint"]
    );
}

#[test]
fn the_webview_holds_no_file_or_dialog_permission() {
    let capability: serde_json::Value =
        serde_json::from_str(include_str!("../../capabilities/default.json")).expect("json");
    let permissions = capability["permissions"].as_array().expect("permissions");
    assert_eq!(permissions, &[serde_json::json!("core:default")]);
}
