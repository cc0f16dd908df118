//! The cryptography the Sigstore verifier runs on: RustCrypto (sha2, p256, p384, ed25519-dalek,
//! rsa), the crates the rest of vouch-core already signs and verifies with, installed as
//! sigstore-crypto's process-wide provider. Verification only: it cannot generate or load keys.

use sha2::Digest as _;
use sigstore_verify::crypto::{CryptoProvider, Error, HashContext, Result, SigningScheme};
use sigstore_verify::types::HashAlgorithm;

/// The provider; stateless.
#[derive(Debug)]
pub(crate) struct RustCrypto;

/// Installs [`RustCrypto`] as sigstore-crypto's provider, once per process. Another provider
/// installed first (none is, in Vouch) would be kept: both verify the same algorithms.
pub(crate) fn install() {
    static PROVIDER: RustCrypto = RustCrypto;
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = sigstore_verify::crypto::install_default_provider(&PROVIDER);
    });
}

struct Hasher<D>(D);

impl<D: sha2::Digest + Send> HashContext for Hasher<D> {
    fn update(&mut self, data: &[u8]) {
        self.0.update(data);
    }
    fn finalize(self: Box<Self>) -> Vec<u8> {
        self.0.finalize().to_vec()
    }
}

fn digest(algorithm: HashAlgorithm, data: &[u8]) -> Result<Vec<u8>> {
    Ok(match algorithm {
        HashAlgorithm::Sha2256 => sha2::Sha256::digest(data).to_vec(),
        HashAlgorithm::Sha2384 => sha2::Sha384::digest(data).to_vec(),
        HashAlgorithm::Sha2512 => sha2::Sha512::digest(data).to_vec(),
        #[allow(unreachable_patterns)]
        other => return Err(unsupported(format!("cannot compute {other} digests"))),
    })
}

fn unsupported(what: String) -> Error {
    Error::UnsupportedAlgorithm(what)
}

fn invalid(scheme: SigningScheme) -> Error {
    Error::Verification(format!("{} signature invalid", scheme.name()))
}

impl CryptoProvider for RustCrypto {
    fn hash(&self, algorithm: HashAlgorithm) -> Result<Box<dyn HashContext>> {
        Ok(match algorithm {
            HashAlgorithm::Sha2256 => Box::new(Hasher(sha2::Sha256::new())),
            HashAlgorithm::Sha2384 => Box::new(Hasher(sha2::Sha384::new())),
            HashAlgorithm::Sha2512 => Box::new(Hasher(sha2::Sha512::new())),
            #[allow(unreachable_patterns)]
            other => return Err(unsupported(format!("cannot compute {other} digests"))),
        })
    }

    fn verify_raw(
        &self,
        scheme: SigningScheme,
        spki_pubkey_bytes: &[u8],
        data: &[u8],
        signature: &[u8],
    ) -> Result<()> {
        if scheme == SigningScheme::Ed25519 {
            use ed25519_dalek::Verifier as _;
            let key: [u8; 32] = spki_pubkey_bytes
                .try_into()
                .map_err(|_| Error::InvalidKey("an Ed25519 key is 32 bytes".into()))?;
            let key = ed25519_dalek::VerifyingKey::from_bytes(&key)
                .map_err(|_| Error::InvalidKey("not an Ed25519 public key".into()))?;
            let sig =
                ed25519_dalek::Signature::from_slice(signature).map_err(|_| invalid(scheme))?;
            return key.verify(data, &sig).map_err(|_| invalid(scheme));
        }
        let Some(algorithm) = scheme.hash_algorithm() else {
            return Err(unsupported(format!("{} is not supported", scheme.name())));
        };
        let hashed = digest(algorithm, data)?;
        self.verify_prehashed(scheme, spki_pubkey_bytes, &hashed, signature)
    }

    fn verify_prehashed(
        &self,
        scheme: SigningScheme,
        spki_pubkey_bytes: &[u8],
        digest: &[u8],
        signature: &[u8],
    ) -> Result<()> {
        use p256::ecdsa::signature::hazmat::PrehashVerifier as _;
        use rsa::pkcs1::DecodeRsaPublicKey as _;
        let bad_key = || Error::InvalidKey(format!("not a {} public key", scheme.name()));
        let rsa_key =
            || rsa::RsaPublicKey::from_pkcs1_der(spki_pubkey_bytes).map_err(|_| bad_key());
        let ok = match scheme {
            SigningScheme::EcdsaP256Sha256 | SigningScheme::EcdsaP256Sha384 => {
                let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(spki_pubkey_bytes)
                    .map_err(|_| bad_key())?;
                let sig =
                    p256::ecdsa::Signature::from_der(signature).map_err(|_| invalid(scheme))?;
                key.verify_prehash(digest, &sig).is_ok()
            }
            SigningScheme::EcdsaP384Sha256 | SigningScheme::EcdsaP384Sha384 => {
                let key = p384::ecdsa::VerifyingKey::from_sec1_bytes(spki_pubkey_bytes)
                    .map_err(|_| bad_key())?;
                let sig =
                    p384::ecdsa::Signature::from_der(signature).map_err(|_| invalid(scheme))?;
                key.verify_prehash(digest, &sig).is_ok()
            }
            SigningScheme::RsaPkcs1Sha256 => rsa_key()?
                .verify(rsa::Pkcs1v15Sign::new::<sha2::Sha256>(), digest, signature)
                .is_ok(),
            SigningScheme::RsaPkcs1Sha384 => rsa_key()?
                .verify(rsa::Pkcs1v15Sign::new::<sha2::Sha384>(), digest, signature)
                .is_ok(),
            SigningScheme::RsaPkcs1Sha512 => rsa_key()?
                .verify(rsa::Pkcs1v15Sign::new::<sha2::Sha512>(), digest, signature)
                .is_ok(),
            SigningScheme::RsaPssSha256 => rsa_key()?
                .verify(rsa::Pss::new::<sha2::Sha256>(), digest, signature)
                .is_ok(),
            SigningScheme::RsaPssSha384 => rsa_key()?
                .verify(rsa::Pss::new::<sha2::Sha384>(), digest, signature)
                .is_ok(),
            SigningScheme::RsaPssSha512 => rsa_key()?
                .verify(rsa::Pss::new::<sha2::Sha512>(), digest, signature)
                .is_ok(),
            other => {
                return Err(unsupported(format!(
                    "{} signatures are not supported",
                    other.name()
                )))
            }
        };
        if ok {
            Ok(())
        } else {
            Err(invalid(scheme))
        }
    }
}
