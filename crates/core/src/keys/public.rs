//! Public keys: parsing (cosign.pub and friends), fingerprints and signature verification.

use std::fmt;
use std::hash::{Hash, Hasher};

use p256::ecdsa::signature::Verifier as _;
use rsa::pkcs1::der::Decode as _;
use rsa::pkcs8::EncodePublicKey as _;
use rsa::traits::PublicKeyParts as _;
use sha2::{Digest as _, Sha256};
use spki::SubjectPublicKeyInfoRef;

use super::der_consts::{self, ED25519_SPKI_PREFIX, P256_SPKI_PREFIX};
use super::pem::{self, Block};
use super::{Algorithm, KeyError};

/// Largest RSA modulus accepted, in bits (verification cost stays in the milliseconds).
const RSA_MAX_BITS: usize = 16384;

const EXPECTED: &str =
    "a PEM `PUBLIC KEY` (such as cosign.pub) or a base64 ed25519 public key; OpenSSH `ssh-…` lines are not accepted";

#[derive(Clone)]
enum Key {
    Ed25519(ed25519_dalek::VerifyingKey),
    P256(p256::ecdsa::VerifyingKey),
    Rsa(rsa::RsaPublicKey),
}

/// A public key that verifies signatures: ed25519, ECDSA P-256 or RSA (≥ 2048 bits).
#[derive(Clone)]
pub struct PublicKey {
    key: Key,
    /// Canonical DER `SubjectPublicKeyInfo`, as Go's `x509.MarshalPKIXPublicKey` writes it.
    spki: Vec<u8>,
}

impl PublicKey {
    /// Accepts: PEM `PUBLIC KEY` (`SubjectPublicKeyInfo`) for ed25519, P-256, RSA (cosign.pub is
    /// exactly this); PEM `RSA PUBLIC KEY` (PKCS#1); a raw base64 ed25519 key (32 bytes, standard
    /// or URL-safe base64, padded or not); binary DER `SubjectPublicKeyInfo`. Whitespace, CRLF line
    /// endings and text around a single PEM block are tolerated.
    ///
    /// Refuses private keys of any PEM label with [`KeyError::PrivateKeyGivenAsPublic`].
    pub fn parse(input: &[u8]) -> Result<PublicKey, KeyError> {
        if input.first() == Some(&0x30) {
            if SubjectPublicKeyInfoRef::try_from(input).is_ok() {
                return Self::from_spki_der(input);
            }
            if pkcs8::PrivateKeyInfo::try_from(input).is_ok() {
                return Err(KeyError::PrivateKeyGivenAsPublic);
            }
        }
        let text = String::from_utf8_lossy(input);
        let blocks = pem::blocks(&text)?;
        if blocks.iter().any(Block::is_private) {
            return Err(KeyError::PrivateKeyGivenAsPublic);
        }
        match pem::single(blocks)? {
            None => Self::from_base64(text.trim()),
            Some(block) => match block.label {
                "PUBLIC KEY" => Self::from_spki_der(&block.decode()?),
                "RSA PUBLIC KEY" => Self::from_pkcs1_der(&block.decode()?),
                found => Err(KeyError::WrongPemType {
                    found: found.to_owned(),
                    expected: "a `PUBLIC KEY` block (such as cosign.pub)",
                }),
            },
        }
    }

    /// Parses a DER `SubjectPublicKeyInfo` (ed25519, P-256 or RSA).
    pub fn from_spki_der(der: &[u8]) -> Result<PublicKey, KeyError> {
        const WHAT: &str = "public key (`SubjectPublicKeyInfo`)";
        let spki = SubjectPublicKeyInfoRef::try_from(der).map_err(|_| malformed(WHAT))?;
        let bits = spki.subject_public_key.as_bytes().ok_or(malformed(WHAT))?;
        match spki.algorithm.oid {
            der_consts::ED25519 => Self::from_ed25519_bytes(bits),
            der_consts::EC_PUBLIC_KEY => {
                check_p256(spki.algorithm.parameters_oid().ok())?;
                let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(bits)
                    .map_err(|_| malformed("P-256 public key"))?;
                Ok(Self::from_p256(key))
            }
            der_consts::RSA => Self::from_pkcs1_der(bits),
            other => Err(KeyError::UnsupportedAlgorithm {
                algorithm: der_consts::algorithm_name(other),
            }),
        }
    }

    pub fn algorithm(&self) -> Algorithm {
        match self.key {
            Key::Ed25519(_) => Algorithm::Ed25519,
            Key::P256(_) => Algorithm::EcdsaP256,
            Key::Rsa(_) => Algorithm::Rsa,
        }
    }

    /// The canonical DER `SubjectPublicKeyInfo` (P-256 points uncompressed, RSA with NULL parameters).
    pub fn spki_der(&self) -> &[u8] {
        &self.spki
    }

    /// `sha256:` + lowercase hex of SHA-256 over the DER `SubjectPublicKeyInfo` (cosign's convention).
    pub fn fingerprint(&self) -> String {
        format!("sha256:{}", hex::encode(Sha256::digest(&self.spki)))
    }

    /// PEM `PUBLIC KEY` with 64-column lines and a trailing newline, as cosign writes cosign.pub.
    pub fn to_pem(&self) -> String {
        std::mem::take(&mut *pem::encode("PUBLIC KEY", &self.spki))
    }

    /// Verifies `sig` over exactly `msg`: ed25519 (64 bytes, strict verification); ECDSA P-256
    /// with SHA-256, ASN.1 DER or fixed 64-byte r‖s; RSA PKCS#1 v1.5 with SHA-256.
    pub fn verify(&self, msg: &[u8], sig: &[u8]) -> Result<(), KeyError> {
        let malformed = |expected| KeyError::SignatureMalformed {
            algorithm: self.algorithm(),
            expected,
        };
        match &self.key {
            Key::Ed25519(key) => {
                let sig = ed25519_dalek::Signature::from_slice(sig)
                    .map_err(|_| malformed("it must be exactly 64 bytes"))?;
                // Pure Ed25519 is what cosign 2.x writes; newer sigstore tooling may sign
                // Ed25519ph (SHA-512 prehash, empty context). Either proves the key signed `msg`.
                key.verify_strict(msg, &sig).or_else(|_| {
                    use sha2::Digest as _;
                    let prehash = sha2::Sha512::new_with_prefix(msg);
                    key.verify_prehashed_strict(prehash, None, &sig)
                        .map_err(|_| KeyError::BadSignature)
                })
            }
            Key::P256(key) => {
                let sig = p256::ecdsa::Signature::from_der(sig)
                    .or_else(|_| p256::ecdsa::Signature::from_slice(sig))
                    .map_err(|_| malformed("expected ASN.1 DER or 64 bytes r‖s"))?;
                key.verify(msg, &sig).map_err(|_| KeyError::BadSignature)
            }
            Key::Rsa(key) => {
                if sig.len() != key.size() {
                    return Err(malformed("it must be as long as the key's modulus"));
                }
                let scheme = rsa::Pkcs1v15Sign::new::<Sha256>();
                key.verify(scheme, &Sha256::digest(msg), sig)
                    .map_err(|_| KeyError::BadSignature)
            }
        }
    }

    pub(super) fn from_ed25519(key: ed25519_dalek::VerifyingKey) -> Self {
        let spki = [&ED25519_SPKI_PREFIX[..], key.as_bytes()].concat();
        PublicKey {
            key: Key::Ed25519(key),
            spki,
        }
    }

    pub(super) fn from_p256(key: p256::ecdsa::VerifyingKey) -> Self {
        let point = key.to_encoded_point(false);
        let spki = [&P256_SPKI_PREFIX[..], point.as_bytes()].concat();
        PublicKey {
            key: Key::P256(key),
            spki,
        }
    }

    fn from_ed25519_bytes(bytes: &[u8]) -> Result<Self, KeyError> {
        let bytes = <&[u8; 32]>::try_from(bytes).map_err(|_| malformed("ed25519 public key"))?;
        let key = ed25519_dalek::VerifyingKey::from_bytes(bytes)
            .map_err(|_| malformed("ed25519 public key"))?;
        Ok(Self::from_ed25519(key))
    }

    /// PKCS#1 `RSAPublicKey` (the `RSA PUBLIC KEY` PEM body, and the inside of an RSA SPKI).
    fn from_pkcs1_der(der: &[u8]) -> Result<Self, KeyError> {
        const WHAT: &str = "RSA public key";
        let parsed = rsa::pkcs1::RsaPublicKey::from_der(der).map_err(|_| malformed(WHAT))?;
        let n = rsa::BigUint::from_bytes_be(parsed.modulus.as_bytes());
        let bits = n.bits();
        if bits < 2048 {
            return Err(KeyError::RsaTooSmall { bits });
        }
        if bits > RSA_MAX_BITS {
            return Err(KeyError::UnsupportedAlgorithm {
                algorithm: format!("an RSA key of {bits} bits (the limit is {RSA_MAX_BITS})"),
            });
        }
        let e = rsa::BigUint::from_bytes_be(parsed.public_exponent.as_bytes());
        let key = rsa::RsaPublicKey::new_with_max_size(n, e, RSA_MAX_BITS)
            .map_err(|_| malformed(WHAT))?;
        let spki = key.to_public_key_der().map_err(|_| malformed(WHAT))?;
        Ok(PublicKey {
            spki: spki.as_bytes().to_vec(),
            key: Key::Rsa(key),
        })
    }

    /// A bare base64 ed25519 key (standard or URL-safe alphabet), or base64 of a DER SPKI.
    fn from_base64(text: &str) -> Result<Self, KeyError> {
        let is_base64 =
            |c: char| c.is_ascii_alphanumeric() || "+/-_=".contains(c) || c.is_ascii_whitespace();
        if text.is_empty()
            || !text.chars().all(is_base64)
            || text.starts_with("ssh-")
            || text.starts_with("ecdsa-sha2-")
        {
            return Err(KeyError::NotAKey { expected: EXPECTED });
        }
        let standard: String = text
            .chars()
            .filter(|c| !c.is_ascii_whitespace())
            .map(|c| match c {
                '-' => '+',
                '_' => '/',
                c => c,
            })
            .collect();
        let bytes = pem::decode_base64(&pem::B64, &standard)?;
        if bytes.len() == 32 {
            Self::from_ed25519_bytes(&bytes)
        } else if SubjectPublicKeyInfoRef::try_from(bytes.as_slice()).is_ok() {
            Self::from_spki_der(&bytes)
        } else if pkcs8::PrivateKeyInfo::try_from(bytes.as_slice()).is_ok() {
            Err(KeyError::PrivateKeyGivenAsPublic)
        } else {
            Err(malformed(
                "raw ed25519 public key (it must decode to exactly 32 bytes)",
            ))
        }
    }
}

/// Accepts only the named curve P-256 as EC key parameters.
/// `None` stands for parameters that are absent or not a named curve.
pub(super) fn check_p256(curve: Option<spki::ObjectIdentifier>) -> Result<(), KeyError> {
    match curve {
        Some(der_consts::P256) => Ok(()),
        Some(other) => Err(KeyError::UnsupportedCurve {
            curve: der_consts::curve_name(other),
        }),
        None => Err(KeyError::UnsupportedCurve {
            curve: "unnamed (explicitly parameterised)".into(),
        }),
    }
}

pub(super) fn malformed(what: &'static str) -> KeyError {
    KeyError::MalformedKey { what }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PublicKey")
            .field("algorithm", &self.algorithm())
            .field("fingerprint", &self.fingerprint())
            .finish()
    }
}

impl PartialEq for PublicKey {
    fn eq(&self, other: &Self) -> bool {
        self.spki == other.spki
    }
}

impl Eq for PublicKey {}

impl Hash for PublicKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.spki.hash(state);
    }
}
