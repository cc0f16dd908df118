//! Thin commands, one module per area: deserialize, call vouch-core on a blocking thread, map
//! the error (`crate::error`). Decisions (what a dropped file is, whether an image may be
//! pulled) live in the core; the shell only moves data and opens native dialogs.
//!
//! No command takes a path to write: files are written only where the user pointed a native
//! save dialog (see [`files`]).

pub(crate) mod doctor;
pub(crate) mod export;
pub(crate) mod files;
pub(crate) mod history;
pub(crate) mod identities;
pub(crate) mod inspect;
pub(crate) mod keys;
pub(crate) mod policies;
pub(crate) mod pull;
pub(crate) mod search;
pub(crate) mod settings;
pub(crate) mod trust;
pub(crate) mod trust_lists;
pub(crate) mod verify;

#[cfg(test)]
mod tests;

use tauri::State;
use vouch_core::trust::{TrustSet, TrustStore};
use vouch_core::verify::VerifyOptions;

use crate::error::{IpcError, IpcResult};
use crate::state::AppState;

/// The app's state, as a command receives it.
pub(crate) type Shared<'r> = State<'r, AppState>;

/// Every IPC command, registered once: the handler for `main` and, for tests, the names.
macro_rules! ipc_commands {
    ($($module:ident :: $name:ident),* $(,)?) => {
        pub(crate) fn handler() -> impl Fn(tauri::ipc::Invoke) -> bool + Send + Sync + 'static {
            tauri::generate_handler![$($module::$name),*]
        }

        /// `(module, command)` for every registered command.
        #[cfg(test)]
        pub(crate) const REGISTERED: &[(&str, &str)] = &[$((stringify!($module), stringify!($name))),*];
    };
}

ipc_commands![
    doctor::doctor,
    doctor::check_registry_access,
    keys::list_keys,
    keys::add_key,
    keys::revoke_key,
    keys::remove_key,
    keys::export_key,
    keys::generate_key,
    keys::edit_key,
    identities::list_identities,
    identities::add_identity,
    identities::revoke_identity,
    identities::remove_identity,
    identities::list_trust_root_names,
    policies::list_policies,
    policies::set_policy,
    policies::remove_policy,
    policies::get_default_policy,
    policies::set_default_policy,
    history::list_history,
    history::clear_history,
    trust::export_trust_set,
    trust::import_trust_set,
    files::export_key_to_file,
    files::export_trust_set_to_file,
    files::import_key_from_file,
    files::import_trust_set_from_file,
    verify::verify_images,
    verify::cancel_verification,
    inspect::extract_references,
    inspect::inspect_dropped_files,
    inspect::inspect_image,
    pull::pull_image,
    settings::get_settings,
    settings::save_settings,
    files::choose_ca_file,
    search::search_repositories,
    search::cancel_search,
    search::list_tags,
    export::preview_export,
    export::save_export,
    export::replace_export_files,
    trust_lists::list_subscriptions,
    trust_lists::subscribe,
    trust_lists::unsubscribe,
    trust_lists::plan_sync,
    trust_lists::apply_sync,
];

/// Runs blocking core work (keychain D-Bus calls, files, processes) off the async runtime.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> IpcResult<T> + Send + 'static,
) -> IpcResult<T> {
    tauri::async_runtime::spawn_blocking(f)
        .await
        .map_err(|e| IpcError::internal(format!("a background task failed: {e}")))?
}

/// Runs `f` with the trust store, both on a blocking thread.
pub(crate) async fn with_store<T: Send + 'static>(
    state: &Shared<'_>,
    f: impl FnOnce(TrustStore) -> IpcResult<T> + Send + 'static,
) -> IpcResult<T> {
    let state = state.inner().clone();
    blocking(move || f(state.store()?)).await
}

/// The active profile's trust set.
pub(crate) async fn load_trust(state: &Shared<'_>) -> IpcResult<TrustSet> {
    with_store(state, |s| Ok(s.load()?)).await
}

/// Runs async core work on its own current-thread runtime on a blocking thread (the core's
/// futures borrow their inputs and are not all `Send`).
pub(crate) async fn on_runtime<T: Send + 'static>(
    f: impl FnOnce(&tokio::runtime::Runtime) -> IpcResult<T> + Send + 'static,
) -> IpcResult<T> {
    blocking(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| IpcError::internal(format!("could not start the async runtime: {e}")))?;
        f(&rt)
    })
    .await
}

/// Verification options from the settings (registries reached over plain HTTP, CA files).
pub(crate) fn verify_options() -> VerifyOptions {
    let mut opts = VerifyOptions::default();
    let settings = vouch_core::config::Settings::load().unwrap_or_default();
    opts.registry = std::mem::take(&mut opts.registry).with_settings(&settings);
    opts
}
