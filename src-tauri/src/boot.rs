//! What the first screen needs, handed to the page before its scripts run, so the Publishers
//! view paints its lists (keys, keyless identities, the identity form's trusted roots) without a
//! round trip to the core: an initialization script of the main window sets
//! `window.__VOUCH_BOOT__` (read once by `ui/src/ipc/boot.ts`; what it lacks the window asks
//! through IPC as before).
//!
//! Invariants: it holds only what `list_keys`, `list_identities`, `list_trust_root_names` and
//! `get_settings` would answer (public keys and identities with their names and scopes, root
//! names, the theme; nothing secret), the keys and identities from one keychain read; the data
//! is JSON, which is a JavaScript expression, with `<`, U+2028 and U+2029 escaped as well; the
//! script sets it only in the app's own pages and only on the window's first page load (a
//! reload asks the core, so a list changed since is never shown).

use std::time::Duration;

use serde::Serialize;
use vouch_core::config::{Settings, Theme};
use vouch_core::sigstore::roots::RootStore;
use vouch_core::trust::{IdentityInfo, KeyInfo};

use crate::commands::identities::{identity_info, root_names};
use crate::commands::keys::key_info;
use crate::state::AppState;

/// The first screen's data, as the page receives it.
#[derive(Debug, Default, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub(crate) struct Boot {
    /// The trusted keys read while the window started; absent when the keychain had not answered
    /// in time (or failed): the window then asks with `list_keys`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    keys: Option<Vec<KeyInfo>>,
    /// The trusted keyless identities, from the same read as `keys` (present exactly when they
    /// are): the window asks with `list_identities` otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    identities: Option<Vec<IdentityInfo>>,
    /// The names of the profile's trusted roots (the identity form's choices), as
    /// `list_trust_root_names` answers; absent when they could not be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    trust_roots: Option<Vec<String>>,
    /// The theme from the settings file; absent when it could not be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    theme: Option<Theme>,
}

/// How long the main window's creation waits for the start-up keychain read, so the first
/// screen's key list comes with the page. The read usually ends before the window is created; a
/// slower keychain (locked, starting) is not waited for longer: the shell paints and the list
/// comes through IPC when the keychain answers.
///
/// Test hook (debug builds only): `VOUCH_TEST_BOOT_WAIT_MS`, read from the app's process
/// environment, sets another bound; the window tests raise it, since their unoptimised build on
/// a loaded machine may read the keychain more slowly than the window starts.
pub(crate) fn wait() -> Duration {
    const WAIT: Duration = Duration::from_millis(100);
    if !cfg!(debug_assertions) {
        return WAIT;
    }
    std::env::var("VOUCH_TEST_BOOT_WAIT_MS")
        .ok()
        .and_then(|ms| ms.parse().ok())
        .map_or(WAIT, Duration::from_millis)
}

impl Boot {
    /// Takes the trust set the start-up read got (waiting for it at most `wait`) and reads the
    /// trusted roots' names and the theme.
    pub(crate) fn gather(state: &AppState, wait: Duration) -> Self {
        let (keys, identities) = state.preloaded(Some(wait)).map_or((None, None), |set| {
            let keys = set.keys.into_iter().map(key_info).collect();
            let identities = set.identities.into_iter().map(identity_info).collect();
            (Some(keys), Some(identities))
        });
        let trust_roots = vouch_core::paths::profile()
            .ok()
            .and_then(|profile| root_names(&RootStore::for_profile(&profile)).ok());
        Self {
            keys,
            identities,
            trust_roots,
            theme: Settings::load().ok().map(|s| s.theme),
        }
    }

    /// The initialization script: sets `window.__VOUCH_BOOT__` when the page's origin
    /// (`protocol//host`) is one of `origins` and the window has not loaded a page before.
    pub(crate) fn script(&self, origins: &[String]) -> String {
        format!(
            "(function () {{\n\
             \x20 var origins = {origins};\n\
             \x20 if (origins.indexOf(window.location.protocol + '//' + window.location.host) === -1) return;\n\
             \x20 try {{\n\
             \x20   if (window.sessionStorage.getItem('vouch.booted') !== null) return;\n\
             \x20   window.sessionStorage.setItem('vouch.booted', '1');\n\
             \x20 }} catch (e) {{\n\
             \x20   return;\n\
             \x20 }}\n\
             \x20 window.__VOUCH_BOOT__ = {data};\n\
             }})();\n",
            origins = js_value(&origins),
            data = js_value(self),
        )
    }
}

/// `value` as a JavaScript expression: its JSON, with the characters that could end a
/// surrounding `<script>` element or a line in older engines escaped (they can only occur inside
/// JSON strings, where `\uXXXX` means the same).
fn js_value(value: &impl Serialize) -> String {
    // Serialising plain data (strings, numbers, lists, maps with string keys) cannot fail; were
    // it to, `null` is a valid expression and the window asks through IPC.
    let json = serde_json::to_string(value).unwrap_or_else(|_| "null".to_string());
    json.replace('<', "\\u003c")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
}

/// The origins the main window's pages come from: the embedded assets' (`tauri://localhost`, or
/// `http(s)://tauri.localhost` where the webview needs it) and, in a development build, the
/// dev server's.
pub(crate) fn app_origins(config: &tauri::Config) -> Vec<String> {
    let mut origins: Vec<String> = [
        "tauri://localhost",
        "http://tauri.localhost",
        "https://tauri.localhost",
    ]
    .map(String::from)
    .to_vec();
    if tauri::is_dev() {
        if let Some(url) = &config.build.dev_url {
            origins.push(url.origin().ascii_serialization());
        }
    }
    origins
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;
    use std::sync::Arc;

    use vouch_core::keys::{Algorithm, PrivateKey};
    use vouch_core::trust::identity::Claims;
    use vouch_core::trust::{Identity, MemoryBackend, Subject, TrustStore};

    use super::*;

    const ISSUER: &str = "https://token.actions.githubusercontent.com";
    const HOSTILE: &str = "Evil</script><script>alert(1)</script>\u{2028}\u{2029}\"'`${x}\\";

    /// The JSON between `window.__VOUCH_BOOT__ = ` and `;` in a script.
    fn payload(script: &str) -> &str {
        let start = script.find("window.__VOUCH_BOOT__ = ").expect("assignment")
            + "window.__VOUCH_BOOT__ = ".len();
        let end = start + script[start..].find(";\n").expect("end of statement");
        &script[start..end]
    }

    fn origins() -> Vec<String> {
        vec!["tauri://localhost".to_string()]
    }

    #[test]
    fn the_script_carries_the_first_screen_as_the_window_would_receive_it() {
        let key = PrivateKey::generate(Algorithm::Ed25519).expect("key");
        let dir = std::env::temp_dir().join(format!("vouch-app-boot-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let store = TrustStore::new(
            Arc::new(MemoryBackend::new()),
            "test",
            PathBuf::from(&dir).join("trust.lock"),
        );
        let (trusted, _) = store
            .add_public(&key.public_key(), Some(HOSTILE), &[], None, None)
            .expect("add");
        let subject = Subject::from_text("https://github.com/acme/app/.github/workflows/r.yml@*");
        let identity = Identity::new(ISSUER, subject, Claims::default(), None).expect("identity");
        let (keyless, _) = store
            .add_identity(identity, Some(HOSTILE), &[], None, None)
            .expect("add identity");
        let roots = vec!["public-good".to_string(), "corp".to_string()];
        let boot = Boot {
            keys: Some(vec![key_info(trusted.clone())]),
            identities: Some(vec![identity_info(keyless.clone())]),
            trust_roots: Some(roots.clone()),
            theme: Some(Theme::Dark),
        };
        let script = boot.script(&origins());
        let data: serde_json::Value = serde_json::from_str(payload(&script)).expect("JSON");
        // What list_keys, list_identities and list_trust_root_names answer, field for field
        // (public data only), and the theme.
        let listed = serde_json::to_value(vec![key_info(trusted)]).expect("listed");
        assert_eq!(data["keys"], listed);
        assert_eq!(data["keys"][0]["publisher"], HOSTILE);
        let listed = serde_json::to_value(vec![identity_info(keyless)]).expect("listed");
        assert_eq!(data["identities"], listed);
        assert_eq!(data["identities"][0]["publisher"], HOSTILE);
        assert_eq!(data["trust_roots"], serde_json::json!(roots));
        assert_eq!(data["theme"], "dark");
        assert!(!script.contains("PRIVATE"), "no private key material");
    }

    #[test]
    fn hostile_names_cannot_end_the_script_or_its_string() {
        let script = Boot::default().script(&[HOSTILE.to_string()]);
        let json = js_value(&HOSTILE);
        for raw in ["<", "\u{2028}", "\u{2029}"] {
            assert!(!json.contains(raw), "{raw:?} left raw in {json}");
            assert!(!script.contains(raw), "{raw:?} left raw in the script");
        }
        // Still the same string once parsed (`\u003c` is `<` in JSON and in JavaScript).
        let back: String = serde_json::from_str(&json).expect("JSON string");
        assert_eq!(back, HOSTILE);
        // The only quotes in the statement are those serde_json wrote: the name's own are escaped.
        assert!(json.starts_with('"') && json.ends_with('"'));
        assert!(json.contains("\\\"'`${x}\\\\"));
    }

    #[test]
    fn nothing_known_means_an_empty_object_and_the_window_asks_the_core() {
        let script = Boot::default().script(&origins());
        assert_eq!(payload(&script), "{}");
        // The origin check and the once-per-window guard come before the assignment.
        let assign = script.find("__VOUCH_BOOT__").expect("assignment");
        assert!(script.find("origins.indexOf").expect("origin check") < assign);
        assert!(script.find("sessionStorage").expect("first load only") < assign);
        assert!(script.contains(r#"var origins = ["tauri://localhost"];"#));
    }

    #[test]
    fn the_app_serves_its_pages_from_the_tauri_origin() {
        let config: tauri::Config =
            serde_json::from_str(include_str!("../tauri.conf.json")).expect("config");
        let origins = app_origins(&config);
        assert!(origins.contains(&"tauri://localhost".to_string()));
        assert!(origins.iter().all(|o| !o.ends_with('/')), "{origins:?}");
    }
}
