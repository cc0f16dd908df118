//! One module per top-level command.

pub(crate) mod attest;
pub(crate) mod doctor;
pub(crate) mod inspect;
pub(crate) mod key;
pub(crate) mod policy;
pub(crate) mod pull;
pub(crate) mod sign;
pub(crate) mod trust;
pub(crate) mod verify;

use anyhow::Result;
use vouch_core::registry::{configured_insecure, RegistryOptions};
use vouch_core::trust::TrustStore;
use vouch_core::verify::VerifyOptions;

/// The active profile's trust store in the OS keychain.
pub(crate) fn open_store() -> Result<TrustStore> {
    Ok(TrustStore::open_keychain()?)
}

/// Verification options: the configured plain-HTTP registries plus those given with
/// `--insecure-registry`.
pub(crate) fn verify_options(insecure: Vec<String>) -> VerifyOptions {
    let mut all = configured_insecure();
    all.extend(insecure);
    VerifyOptions {
        registry: RegistryOptions {
            insecure: all,
            ..RegistryOptions::default()
        },
        ..VerifyOptions::default()
    }
}

pub(crate) fn print_json<T: serde::Serialize + ?Sized>(value: &T) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}
