//! Private (signing) keys: generation, PKCS#8 / SEC1 / cosign-encrypted PEM, signing.

use std::fmt;

use p256::ecdsa::signature::Signer as _;
use pkcs8::der::asn1::{ContextSpecific, OctetStringRef};
use pkcs8::der::{Decode as _, Reader as _, SliceReader, TagNumber};
use pkcs8::DecodePrivateKey as _;
use rand_core::{OsRng, RngCore as _};
use spki::ObjectIdentifier;
use zeroize::Zeroizing;

use super::der_consts::{self, ED25519_PKCS8_PREFIX, P256_PKCS8_MIDDLE, P256_PKCS8_PREFIX};
use super::public::{check_p256, malformed};
use super::{encrypted, pem, Algorithm, KeyError, PublicKey};

const EXPECTED: &str = "a PEM private key (such as cosign.key)";

/// Both variants zeroize their secret on drop.
enum Secret {
    Ed25519(ed25519_dalek::SigningKey),
    P256(p256::ecdsa::SigningKey),
}

/// An ed25519 or ECDSA P-256 signing key. The secret is zeroized on drop; `Debug` shows only the
/// algorithm and the public key's fingerprint.
pub struct PrivateKey {
    secret: Secret,
    public: PublicKey,
}

impl PrivateKey {
    /// A fresh key from the operating system's RNG (ed25519 or ECDSA P-256; not RSA).
    pub fn generate(alg: Algorithm) -> Result<PrivateKey, KeyError> {
        let mut seed = Zeroizing::new([0u8; 32]);
        let fill = |seed: &mut [u8; 32]| OsRng.try_fill_bytes(seed).map_err(|_| KeyError::Random);
        match alg {
            Algorithm::Ed25519 => {
                fill(&mut seed)?;
                Ok(Self::ed25519(ed25519_dalek::SigningKey::from_bytes(&seed)))
            }
            Algorithm::EcdsaP256 => {
                // Rejection sampling: 32 random bytes are a valid scalar except with probability
                // about 2^-32, so 16 rounds only fail if the RNG is broken.
                for _ in 0..16 {
                    fill(&mut seed)?;
                    if let Ok(key) = p256::ecdsa::SigningKey::from_slice(&seed[..]) {
                        return Ok(Self::p256(key));
                    }
                }
                Err(KeyError::Random)
            }
            Algorithm::Rsa => Err(KeyError::UnsupportedAlgorithm {
                algorithm: "generating RSA keys".into(),
            }),
        }
    }

    /// A DER PKCS#8 `PrivateKeyInfo` holding an ed25519 or P-256 key (v1 or v2).
    pub fn from_pkcs8_der(der: &[u8]) -> Result<PrivateKey, KeyError> {
        const WHAT: &str = "PKCS#8 private key";
        let info = pkcs8::PrivateKeyInfo::try_from(der).map_err(|_| malformed(WHAT))?;
        match info.algorithm.oid {
            der_consts::ED25519 => ed25519_dalek::SigningKey::from_pkcs8_der(der)
                .map(Self::ed25519)
                .map_err(|_| malformed(WHAT)),
            der_consts::EC_PUBLIC_KEY => {
                check_p256(info.algorithm.parameters_oid().ok())?;
                p256::ecdsa::SigningKey::from_pkcs8_der(der)
                    .map(Self::p256)
                    .map_err(|_| malformed(WHAT))
            }
            der_consts::RSA => Err(rsa_signing()),
            other => Err(KeyError::UnsupportedAlgorithm {
                algorithm: der_consts::algorithm_name(other),
            }),
        }
    }

    /// An unencrypted PEM private key: `PRIVATE KEY` (PKCS#8) or `EC PRIVATE KEY` (SEC1, P-256).
    pub fn from_pem(pem: &[u8]) -> Result<PrivateKey, KeyError> {
        let text = String::from_utf8_lossy(pem);
        let block =
            pem::single(pem::blocks(&text)?)?.ok_or(KeyError::NotAKey { expected: EXPECTED })?;
        match block.label {
            "PRIVATE KEY" => Self::from_pkcs8_der(&block.decode()?),
            "EC PRIVATE KEY" if !block.has_headers() => Self::from_sec1_der(&block.decode()?),
            _ => Err(refuse(&block)),
        }
    }

    /// DER PKCS#8, laid out exactly as Go's `x509.MarshalPKCS8PrivateKey` (what cosign encrypts).
    pub fn to_pkcs8_der(&self) -> Zeroizing<Vec<u8>> {
        match &self.secret {
            Secret::Ed25519(key) => {
                let mut der = Zeroizing::new(Vec::with_capacity(48));
                der.extend_from_slice(&ED25519_PKCS8_PREFIX);
                der.extend_from_slice(key.as_bytes());
                der
            }
            Secret::P256(key) => {
                let scalar = Zeroizing::new(key.to_bytes());
                let point = key.verifying_key().to_encoded_point(false);
                let mut der = Zeroizing::new(Vec::with_capacity(138));
                der.extend_from_slice(&P256_PKCS8_PREFIX);
                der.extend_from_slice(&scalar);
                der.extend_from_slice(&P256_PKCS8_MIDDLE);
                der.extend_from_slice(point.as_bytes());
                der
            }
        }
    }

    pub fn algorithm(&self) -> Algorithm {
        self.public.algorithm()
    }

    pub fn public_key(&self) -> PublicKey {
        self.public.clone()
    }

    /// ed25519: the 64-byte signature over `msg`; P-256: ECDSA with SHA-256 (RFC 6979),
    /// ASN.1 DER encoded, as cosign produces.
    pub fn sign(&self, msg: &[u8]) -> Vec<u8> {
        match &self.secret {
            Secret::Ed25519(key) => key.sign(msg).to_bytes().to_vec(),
            Secret::P256(key) => {
                let sig: p256::ecdsa::Signature = key.sign(msg);
                sig.to_der().as_bytes().to_vec()
            }
        }
    }

    /// True if the text holds a cosign encrypted private key (`ENCRYPTED SIGSTORE PRIVATE KEY`
    /// or `ENCRYPTED COSIGN PRIVATE KEY`).
    pub fn is_encrypted_pem(input: &[u8]) -> bool {
        pem::blocks(&String::from_utf8_lossy(input))
            .is_ok_and(|blocks| blocks.iter().any(pem::Block::is_encrypted_cosign))
    }

    /// Decrypts cosign's encrypted private key: PEM whose body is the JSON envelope
    /// `{"kdf":{"name":"scrypt","params":{"N":…,"r":…,"p":…},"salt":…},"cipher":{"name":"nacl/secretbox","nonce":…},"ciphertext":…}`
    /// around PKCS#8 DER. scrypt parameters are bounded (see [`KeyError::KdfParamsOutOfRange`]).
    pub fn from_encrypted_pem(input: &[u8], password: &[u8]) -> Result<PrivateKey, KeyError> {
        let text = String::from_utf8_lossy(input);
        let block =
            pem::single(pem::blocks(&text)?)?.ok_or(KeyError::NotAKey { expected: EXPECTED })?;
        if !block.is_encrypted_cosign() {
            return Err(match block.label {
                "PRIVATE KEY" | "EC PRIVATE KEY" if !block.has_headers() => KeyError::NotEncrypted,
                _ => refuse(&block),
            });
        }
        let der = encrypted::decrypt(&block.decode()?, password)?;
        Self::from_pkcs8_der(&der)
    }

    /// cosign's encrypted format, label `ENCRYPTED SIGSTORE PRIVATE KEY`, scrypt N=32768 r=8 p=1,
    /// random salt and nonce.
    pub fn to_encrypted_pem(&self, password: &[u8]) -> Result<String, KeyError> {
        let envelope = encrypted::encrypt(&self.to_pkcs8_der(), password)?;
        Ok(std::mem::take(&mut *pem::encode(
            pem::SIGSTORE_LABEL,
            &envelope,
        )))
    }

    /// Unencrypted PKCS#8 PEM `PRIVATE KEY`.
    pub fn to_pkcs8_pem(&self) -> Zeroizing<String> {
        pem::encode("PRIVATE KEY", &self.to_pkcs8_der())
    }

    fn ed25519(key: ed25519_dalek::SigningKey) -> Self {
        PrivateKey {
            public: PublicKey::from_ed25519(key.verifying_key()),
            secret: Secret::Ed25519(key),
        }
    }

    fn p256(key: p256::ecdsa::SigningKey) -> Self {
        PrivateKey {
            public: PublicKey::from_p256(*key.verifying_key()),
            secret: Secret::P256(key),
        }
    }

    /// SEC1 `ECPrivateKey` (the `EC PRIVATE KEY` PEM body); only P-256.
    fn from_sec1_der(der: &[u8]) -> Result<Self, KeyError> {
        const WHAT: &str = "EC private key";
        let curve = sec1_curve(der).map_err(|_| malformed(WHAT))?;
        if let Some(curve) = curve {
            check_p256(Some(curve))?;
        }
        p256::SecretKey::from_sec1_der(der)
            .map(|secret| Self::p256(secret.into()))
            .map_err(|_| malformed(WHAT))
    }
}

/// The named curve in a SEC1 `ECPrivateKey`, if it names one.
fn sec1_curve(der: &[u8]) -> pkcs8::der::Result<Option<ObjectIdentifier>> {
    SliceReader::new(der)?.sequence(|reader| {
        let _version = u8::decode(reader)?;
        let _secret = OctetStringRef::decode(reader)?;
        let curve = ContextSpecific::<ObjectIdentifier>::decode_explicit(reader, TagNumber::N0)?;
        reader.read_slice(reader.remaining_len())?; // the public key, checked by p256 later
        Ok(curve.map(|field| field.value))
    })
}

fn rsa_signing() -> KeyError {
    KeyError::UnsupportedAlgorithm {
        algorithm: "signing with RSA keys".into(),
    }
}

/// Why a PEM block cannot be loaded as an unencrypted private key.
fn refuse(block: &pem::Block<'_>) -> KeyError {
    match block.label {
        _ if block.is_encrypted_cosign() => KeyError::PassphraseRequired,
        "EC PRIVATE KEY" | "RSA PRIVATE KEY" if block.has_headers() => {
            KeyError::UnsupportedEncryption {
                what: "OpenSSL's legacy PEM encryption (`Proc-Type: 4,ENCRYPTED`)",
            }
        }
        "ENCRYPTED PRIVATE KEY" => KeyError::UnsupportedEncryption {
            what: "PKCS#8 password encryption (`ENCRYPTED PRIVATE KEY`)",
        },
        "RSA PRIVATE KEY" => rsa_signing(),
        "PUBLIC KEY" | "RSA PUBLIC KEY" => KeyError::PublicKeyGivenAsPrivate,
        found => KeyError::WrongPemType {
            found: found.to_owned(),
            expected:
                "a `PRIVATE KEY`, `EC PRIVATE KEY` or cosign `ENCRYPTED SIGSTORE PRIVATE KEY` block",
        },
    }
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrivateKey")
            .field("algorithm", &self.algorithm())
            .field("public_fingerprint", &self.public.fingerprint())
            .finish_non_exhaustive()
    }
}
