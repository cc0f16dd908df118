//! vouch-core: everything Vouch knows about trust, with no user interface.
//!
//! One module per concept, each owning its error type. No Tauri, no clap, no terminal output.

pub mod config;
pub mod cosign;
pub mod discovery;
pub mod doctor;
pub mod dsse;
pub mod export;
pub mod extract;
pub mod history;
pub mod keys;
pub mod oci;
pub mod paths;
pub mod provenance;
pub mod pull;
pub mod reference;
pub mod registry;
pub mod search;
pub mod sign;
pub mod sigstore;
pub mod tls;
pub mod trust;
pub mod verify;

#[cfg(test)]
pub(crate) mod test_support;
