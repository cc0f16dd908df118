//! Public and private key material, byte-compatible with sigstore cosign.
//!
//! * [`PublicKey`] reads `cosign.pub` (PEM `SubjectPublicKeyInfo`) for ed25519, ECDSA P-256 and
//!   RSA, plus PKCS#1 RSA public keys and raw base64 ed25519 keys, and verifies signatures.
//! * [`PrivateKey`] holds an ed25519 or P-256 signing key, reads and writes PKCS#8 / SEC1 PEM
//!   and cosign's encrypted `ENCRYPTED SIGSTORE PRIVATE KEY` format (scrypt + nacl/secretbox).
//!
//! Error messages never contain key material.

mod encrypted;
mod pem;
mod private;
mod public;
#[cfg(test)]
mod tests;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

pub use private::PrivateKey;
pub use public::PublicKey;

/// A signature algorithm (and key type) Vouch understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum Algorithm {
    /// Ed25519 (pure, RFC 8032).
    Ed25519,
    /// ECDSA on NIST P-256 with SHA-256.
    EcdsaP256,
    /// RSA PKCS#1 v1.5 with SHA-256 (verification only).
    Rsa,
}

impl Algorithm {
    /// The stable name: `ed25519`, `ecdsa-p256` or `rsa` (same as the serde form).
    pub fn as_str(&self) -> &'static str {
        match self {
            Algorithm::Ed25519 => "ed25519",
            Algorithm::EcdsaP256 => "ecdsa-p256",
            Algorithm::Rsa => "rsa",
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Algorithm {
    type Err = KeyError;

    /// Accepts `ed25519`, `ecdsa-p256`, `p256` and `rsa` (ASCII case-insensitive).
    fn from_str(s: &str) -> Result<Self, KeyError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "ed25519" => Ok(Algorithm::Ed25519),
            "ecdsa-p256" | "p256" | "p-256" => Ok(Algorithm::EcdsaP256),
            "rsa" => Ok(Algorithm::Rsa),
            _ => Err(KeyError::UnsupportedAlgorithm {
                algorithm: format!("the algorithm name `{}`", printable(s)),
            }),
        }
    }
}

/// Why a key or signature was refused. Every message is one sentence saying what was wrong and
/// what to do; none contains key material.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    #[error("no key was found in the input; expected {expected}")]
    NotAKey { expected: &'static str },
    #[error("the PEM text is malformed ({reason}); check that the whole key file was copied")]
    MalformedPem { reason: &'static str },
    #[error("the input contains {count} PEM blocks; supply a file holding exactly one key")]
    MultiplePemBlocks { count: usize },
    #[error("found a PEM `{found}` block where {expected} was expected; supply the right file")]
    WrongPemType {
        found: String,
        expected: &'static str,
    },
    #[error(
        "this is a private key; a public key was expected — import it as a signing key, or \
         pass its public key (e.g. cosign.pub) instead"
    )]
    PrivateKeyGivenAsPublic,
    #[error(
        "this is a public key; a private signing key was expected — pass the private key file \
         (e.g. cosign.key) instead"
    )]
    PublicKeyGivenAsPrivate,
    #[error("the {what} is malformed and could not be decoded; re-export it or check that it was copied completely")]
    MalformedKey { what: &'static str },
    #[error("keys on the {curve} curve are not supported; use an ed25519 or ECDSA P-256 key")]
    UnsupportedCurve { curve: String },
    #[error("{algorithm} is not supported; use an ed25519 or ECDSA P-256 key")]
    UnsupportedAlgorithm { algorithm: String },
    #[error("the RSA key has only {bits} bits, below the 2048-bit minimum; use a larger RSA key or an ed25519 / P-256 key")]
    RsaTooSmall { bits: usize },
    #[error("the base64 text ends too early (it is truncated or badly padded); copy the complete key again")]
    TruncatedBase64,
    #[error("the key text contains characters that are not valid base64; copy the key again without alterations")]
    InvalidBase64,
    #[error("the passphrase is wrong (or the encrypted key file is damaged); try again with the passphrase used when the key was created")]
    WrongPassphrase,
    #[error("this private key is encrypted; supply its passphrase to load it")]
    PassphraseRequired,
    #[error("this private key is not encrypted; load it without a passphrase")]
    NotEncrypted,
    #[error("the encrypted key uses the key-derivation function `{name}`, but only `scrypt` (cosign's format) is supported; re-encrypt the key with cosign or vouch")]
    UnsupportedKdf { name: String },
    #[error("the encrypted key uses the cipher `{name}`, but only `nacl/secretbox` (cosign's format) is supported; re-encrypt the key with cosign or vouch")]
    UnsupportedCipher { name: String },
    #[error(
        "the encrypted key asks for scrypt parameters N={n}, r={r}, p={p}, beyond the accepted \
         limits (N a power of two up to 2^20, at most 256 MiB of memory, N·r·p at most 2^23); \
         re-encrypt it with standard parameters (cosign uses N=32768 or 65536, r=8, p=1)"
    )]
    KdfParamsOutOfRange { n: u64, r: u64, p: u64 },
    #[error("the encrypted key is malformed ({reason}); check that the whole key file was copied")]
    MalformedEncryptedKey { reason: &'static str },
    #[error("{what} is not supported; decrypt the key first (e.g. with `openssl pkey`) or use a cosign-format encrypted key")]
    UnsupportedEncryption { what: &'static str },
    #[error("the signature does not match this key and content; the content was altered or signed with a different key")]
    BadSignature,
    #[error("the signature is not a valid {algorithm} signature ({expected}); check that the right signature file was supplied")]
    SignatureMalformed {
        algorithm: Algorithm,
        expected: &'static str,
    },
    #[error("the operating system's random number generator failed; try again")]
    Random,
    #[error("encrypting the private key failed unexpectedly; try again, and report a bug if it persists")]
    EncryptionFailed,
}

/// A short, printable rendering of untrusted text for error messages.
fn printable(s: &str) -> String {
    s.chars()
        .take(40)
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c
            } else {
                '?'
            }
        })
        .collect()
}

/// Object identifiers and fixed DER prefixes shared by the submodules.
mod der_consts {
    use spki::ObjectIdentifier as Oid;

    pub(super) const ED25519: Oid = Oid::new_unwrap("1.3.101.112");
    pub(super) const EC_PUBLIC_KEY: Oid = Oid::new_unwrap("1.2.840.10045.2.1");
    pub(super) const P256: Oid = Oid::new_unwrap("1.2.840.10045.3.1.7");
    pub(super) const RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.1");

    /// SubjectPublicKeyInfo for ed25519, followed by the 32-byte key (RFC 8410).
    pub(super) const ED25519_SPKI_PREFIX: [u8; 12] = [
        0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
    ];
    /// SubjectPublicKeyInfo for P-256, followed by the 65-byte uncompressed point.
    pub(super) const P256_SPKI_PREFIX: [u8; 26] = [
        0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08,
        0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
    ];
    /// PKCS#8 v1 for ed25519, followed by the 32-byte seed (what Go's
    /// `x509.MarshalPKCS8PrivateKey` and OpenSSL write).
    pub(super) const ED25519_PKCS8_PREFIX: [u8; 16] = [
        0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04,
        0x20,
    ];
    /// PKCS#8 for P-256 wrapping a SEC1 ECPrivateKey without parameters, followed by the 32-byte
    /// scalar, [`P256_PKCS8_MIDDLE`] and the 65-byte uncompressed public point (Go's layout).
    pub(super) const P256_PKCS8_PREFIX: [u8; 36] = [
        0x30, 0x81, 0x87, 0x02, 0x01, 0x00, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d,
        0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x04, 0x6d, 0x30,
        0x6b, 0x02, 0x01, 0x01, 0x04, 0x20,
    ];
    pub(super) const P256_PKCS8_MIDDLE: [u8; 5] = [0xa1, 0x44, 0x03, 0x42, 0x00];

    /// A human name for a key algorithm OID we do not support.
    pub(super) fn algorithm_name(oid: Oid) -> String {
        match oid.to_string().as_str() {
            "1.3.101.113" => "Ed448".into(),
            "1.3.101.110" | "1.3.101.111" => {
                "an X25519/X448 key (used for encryption, not signing)".into()
            }
            "1.2.840.113549.1.1.10" => "an RSA-PSS-restricted key".into(),
            "1.2.840.10040.4.1" => "DSA".into(),
            "1.2.156.10197.1.301" => "SM2".into(),
            other => format!("the key algorithm with OID {other}"),
        }
    }

    /// A human name for an elliptic curve OID.
    pub(super) fn curve_name(oid: Oid) -> String {
        match oid.to_string().as_str() {
            "1.3.132.0.34" => "P-384".into(),
            "1.3.132.0.35" => "P-521".into(),
            "1.3.132.0.33" => "P-224".into(),
            "1.2.840.10045.3.1.1" => "P-192".into(),
            "1.3.132.0.10" => "secp256k1".into(),
            "1.3.36.3.3.2.8.1.1.7" => "brainpoolP256r1".into(),
            "1.3.36.3.3.2.8.1.1.11" => "brainpoolP384r1".into(),
            "1.3.36.3.3.2.8.1.1.13" => "brainpoolP512r1".into(),
            other => format!("OID {other}"),
        }
    }
}
