//! The cryptography the Sigstore verifier runs on, installed as sigstore-crypto's process-wide
//! provider. Verification only: it cannot generate or load keys.
//!
//! ECDSA (P-256, P-384) is aws-lc-rs's, already in every build through tough: a keyless image
//! signature costs five ECDSA verifications (certificate chain, SCT, signed entry timestamp,
//! checkpoint, the signature itself), and RustCrypto's p256 took ~2.9 million instructions for
//! each, most of a one-image `vouch verify`'s CPU; aws-lc's assembly takes a small fraction of
//! that (the same library sigstore-crypto's own default provider uses, with the same calls).
//! Digests, Ed25519 and RSA stay RustCrypto (sha2, ed25519-dalek, rsa): the crates the rest of
//! vouch-core signs and verifies with.

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
        use rsa::pkcs1::DecodeRsaPublicKey as _;
        let bad_key = || Error::InvalidKey(format!("not a {} public key", scheme.name()));
        let rsa_key =
            || rsa::RsaPublicKey::from_pkcs1_der(spki_pubkey_bytes).map_err(|_| bad_key());
        let ok = match scheme {
            SigningScheme::EcdsaP256Sha256
            | SigningScheme::EcdsaP256Sha384
            | SigningScheme::EcdsaP384Sha256
            | SigningScheme::EcdsaP384Sha384 => {
                return ecdsa(scheme, spki_pubkey_bytes, digest, signature)
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

/// Verifies an ECDSA `signature` (ASN.1 DER) by the SEC 1 point `key` over `digest`, computed
/// with the scheme's hash, with aws-lc-rs.
fn ecdsa(scheme: SigningScheme, key: &[u8], digest: &[u8], signature: &[u8]) -> Result<()> {
    use aws_lc_rs::{digest as lc, signature as sig};
    let (algorithm, hash): (&'static sig::EcdsaVerificationAlgorithm, _) = match scheme {
        SigningScheme::EcdsaP256Sha256 => (&sig::ECDSA_P256_SHA256_ASN1, &lc::SHA256),
        SigningScheme::EcdsaP256Sha384 => (&sig::ECDSA_P256_SHA384_ASN1, &lc::SHA384),
        SigningScheme::EcdsaP384Sha256 => (&sig::ECDSA_P384_SHA256_ASN1, &lc::SHA256),
        SigningScheme::EcdsaP384Sha384 => (&sig::ECDSA_P384_SHA384_ASN1, &lc::SHA384),
        other => return Err(unsupported(format!("{} is not ECDSA", other.name()))),
    };
    let digest = lc::Digest::import_less_safe(digest, hash).map_err(|_| {
        Error::Verification(format!(
            "a {} digest is {} bytes, not {}",
            scheme.name(),
            hash.output_len(),
            digest.len()
        ))
    })?;
    let key = sig::ParsedPublicKey::new(algorithm, key)
        .map_err(|_| Error::InvalidKey(format!("not a {} public key", scheme.name())))?;
    key.verify_digest_sig(&digest, signature)
        .map_err(|_| invalid(scheme))
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lc_rs::rand::SystemRandom;
    use aws_lc_rs::signature::{self as lc, KeyPair as _};
    use p256::ecdsa::signature::Signer as _;

    const MESSAGE: &[u8] = b"the statement the log signed";

    /// A P-256 signature made by RustCrypto (as the rest of Vouch and the test instance sign)
    /// verifies over the message and over its digest, with the key's point uncompressed or
    /// compressed (as p256 accepted both); another message or digest does not.
    #[test]
    fn p256_signatures_verify_over_the_message_or_its_digest_and_nothing_else() {
        let key = p256::ecdsa::SigningKey::from_slice(&[7u8; 32]).expect("scalar");
        let sig: p256::ecdsa::Signature = key.sign(MESSAGE);
        let sig = sig.to_der();
        let point = key.verifying_key().to_encoded_point(false);
        let compressed = key.verifying_key().to_encoded_point(true);
        let scheme = SigningScheme::EcdsaP256Sha256;
        let digest = sha2::Sha256::digest(MESSAGE);
        for public in [point.as_bytes(), compressed.as_bytes()] {
            let p = RustCrypto;
            p.verify_raw(scheme, public, MESSAGE, sig.as_bytes())
                .expect("message");
            p.verify_prehashed(scheme, public, &digest, sig.as_bytes())
                .expect("digest");
            assert!(p
                .verify_raw(scheme, public, b"another statement", sig.as_bytes())
                .is_err());
            let other = sha2::Sha256::digest(b"another statement");
            assert!(p
                .verify_prehashed(scheme, public, &other, sig.as_bytes())
                .is_err());
        }
    }

    /// P-384 and P-256 with SHA-384 go through the same path; a digest of the wrong length, a
    /// truncated signature or a key that is no point are refused with an error, never a panic.
    #[test]
    fn the_other_ecdsa_schemes_verify_and_bad_input_is_an_error() {
        use p256::ecdsa::signature::hazmat::PrehashSigner as _;
        let rng = SystemRandom::new();
        let signing = &lc::ECDSA_P384_SHA384_ASN1_SIGNING;
        let pkcs8 = lc::EcdsaKeyPair::generate_pkcs8(signing, &rng).expect("key");
        let pair = lc::EcdsaKeyPair::from_pkcs8(signing, pkcs8.as_ref()).expect("pair");
        let p384 = (
            SigningScheme::EcdsaP384Sha384,
            pair.public_key().as_ref().to_vec(),
            pair.sign(&rng, MESSAGE).expect("sign").as_ref().to_vec(),
        );
        // P-256 over a SHA-384 digest (its leftmost 256 bits, as ECDSA truncates).
        let key = p256::ecdsa::SigningKey::from_slice(&[9u8; 32]).expect("scalar");
        let sig: p256::ecdsa::Signature = key
            .sign_prehash(&sha2::Sha384::digest(MESSAGE))
            .expect("sign");
        let p256_sha384 = (
            SigningScheme::EcdsaP256Sha384,
            key.verifying_key()
                .to_encoded_point(false)
                .as_bytes()
                .to_vec(),
            sig.to_der().as_bytes().to_vec(),
        );
        let p = RustCrypto;
        for (scheme, public, sig) in [p384, p256_sha384] {
            p.verify_raw(scheme, &public, MESSAGE, &sig)
                .unwrap_or_else(|e| panic!("{}: {e}", scheme.name()));
            assert!(p.verify_raw(scheme, &public, b"tampered", &sig).is_err());
            assert!(p
                .verify_raw(scheme, &public, MESSAGE, &sig[..sig.len() - 1])
                .is_err());
            assert!(p
                .verify_prehashed(scheme, &public, &[0u8; 20], &sig)
                .is_err());
            assert!(p.verify_raw(scheme, &public[..10], MESSAGE, &sig).is_err());
        }
        // A P-256 key where the scheme says P-384.
        let key = p256::ecdsa::SigningKey::from_slice(&[7u8; 32]).expect("scalar");
        let sig: p256::ecdsa::Signature = key.sign(MESSAGE);
        let point = key.verifying_key().to_encoded_point(false);
        assert!(p
            .verify_raw(
                SigningScheme::EcdsaP384Sha384,
                point.as_bytes(),
                MESSAGE,
                sig.to_der().as_bytes()
            )
            .is_err());
    }
}
