//! The trust set's keys parsed once, for checking signatures (images and attestations alike).

use super::{TrustSet, TrustedKey};
use crate::keys::PublicKey;

/// Trusted keys parsed once per evaluation.
pub(crate) struct Keyring<'t> {
    keys: Vec<(&'t TrustedKey, PublicKey)>,
}

impl<'t> Keyring<'t> {
    pub(crate) fn new(trust: &'t TrustSet) -> Self {
        let keys = trust
            .keys
            .iter()
            .filter_map(|k| {
                PublicKey::parse(k.public_key.as_bytes())
                    .ok()
                    .map(|pk| (k, pk))
            })
            // A stored key whose PEM does not hash to its fingerprint never vouches.
            .filter(|(k, pk)| pk.fingerprint() == k.fingerprint)
            .collect();
        Keyring { keys }
    }

    /// How many usable trusted keys there are.
    pub(crate) fn len(&self) -> usize {
        self.keys.len()
    }

    /// The trusted key with this fingerprint.
    pub(crate) fn by_fingerprint(&self, fingerprint: &str) -> Option<&'t TrustedKey> {
        self.keys
            .iter()
            .find(|(k, _)| k.fingerprint == fingerprint)
            .map(|(k, _)| *k)
    }

    /// The first trusted key that verifies `sig` over `msg`, if any.
    pub(crate) fn verifier(&self, msg: &[u8], sig: &[u8]) -> Option<&'t TrustedKey> {
        self.keys
            .iter()
            .find(|(_, pk)| pk.verify(msg, sig).is_ok())
            .map(|(k, _)| *k)
    }

    /// Every trusted key that verifies `sig` over `msg`.
    pub(crate) fn verifiers(&self, msg: &[u8], sig: &[u8]) -> Vec<&'t TrustedKey> {
        self.keys
            .iter()
            .filter(|(_, pk)| pk.verify(msg, sig).is_ok())
            .map(|(k, _)| *k)
            .collect()
    }
}
