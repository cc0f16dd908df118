//! One module per top-level command.

pub(crate) mod attest;
pub(crate) mod doctor;
pub(crate) mod export;
pub(crate) mod history;
pub(crate) mod identity;
pub(crate) mod inspect;
pub(crate) mod key;
pub(crate) mod policy;
pub(crate) mod publisher;
pub(crate) mod pull;
pub(crate) mod search;
pub(crate) mod sign;
pub(crate) mod trust;
pub(crate) mod trust_lists;
pub(crate) mod trust_root;
pub(crate) mod verify;
pub(crate) mod verify_bundle;

use anyhow::{Context, Result};
use vouch_core::keys::PrivateKey;
use vouch_core::trust::TrustStore;

/// The active profile's trust store in the OS keychain.
pub(crate) fn open_store() -> Result<TrustStore> {
    Ok(TrustStore::open_keychain()?)
}

/// A trusted key with its private half, named by fingerprint (≥ 12 hex digits) or publisher:
/// its label (for the sentence that reports what was signed) and the signing key.
pub(crate) fn signing_key(wanted: &str) -> Result<(String, PrivateKey)> {
    let store = open_store()?;
    let set = store.load()?;
    let key = TrustStore::find(&set, wanted)?;
    let private = store.private_key(&key.fingerprint)?;
    Ok((key.label(), private))
}

/// A trust set read from FILE (`-`: stdin), as written by `vouch trust export`.
pub(crate) fn trust_set_from_file(file: &str) -> Result<vouch_core::trust::TrustSet> {
    let bytes = crate::input::read_source(file)?;
    vouch_core::trust::TrustSet::from_json(&bytes)
        .with_context(|| format!("`{file}` is not a trust set Vouch can use"))
}

/// A runtime on this thread, for the commands that make one registry call at a time.
pub(crate) fn current_thread_runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("could not start the async runtime")
}

pub(crate) fn print_json<T: serde::Serialize + ?Sized>(value: &T) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// How to reach registries: the flags every command that talks to one shares.
#[derive(clap::Args)]
pub(crate) struct RegistryFlags {
    /// Reach HOST (or HOST:PORT) over plain HTTP unless it has a CA in certs.d (loopback hosts are when they do not speak TLS); repeatable
    #[arg(long = "insecure-registry", value_name = "HOST")]
    insecure: Vec<String>,
    /// Give up on a registry request after SECONDS
    #[arg(long, value_name = "SECONDS", default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..=600))]
    timeout: u64,
}

impl RegistryFlags {
    /// The registry options: these flags plus the settings' insecure hosts and CA files.
    pub(crate) fn options(self) -> vouch_core::registry::RegistryOptions {
        self.options_with(&vouch_core::config::Settings::load().unwrap_or_default())
    }

    /// The registry options from `settings` (already loaded by the caller) and these flags.
    pub(crate) fn options_with(
        self,
        settings: &vouch_core::config::Settings,
    ) -> vouch_core::registry::RegistryOptions {
        let mut opts = vouch_core::registry::RegistryOptions {
            request_timeout: std::time::Duration::from_secs(self.timeout),
            ..Default::default()
        }
        .with_settings(settings);
        opts.insecure.extend(self.insecure);
        opts
    }
}
