//! cosign's encrypted private key envelope (go-securesystemslib `encrypted`): JSON holding scrypt
//! parameters and salt, a nacl/secretbox nonce, and the sealed PKCS#8 DER, all base64 (standard
//! alphabet, padded, as Go's `encoding/json` writes `[]byte`).

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use crypto_secretbox::aead::{Aead as _, AeadInPlace as _, KeyInit as _};
use crypto_secretbox::{Key, Nonce, XSalsa20Poly1305};
use rand_core::{OsRng, RngCore as _};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::pem::{decode_base64, B64};
use super::{printable, KeyError};

const KDF_NAME: &str = "scrypt";
const CIPHER_NAME: &str = "nacl/secretbox";
/// What we write: N = 2^15, r = 8, p = 1 (go-securesystemslib's "legacy" set, which every cosign
/// and sigstore-rs reads; cosign 2.5 itself writes N = 2^16, which we read too).
const LOG_N: u8 = 15;
const R: u32 = 8;
const P: u32 = 1;
/// Poly1305 tag length.
const TAG_LEN: usize = 16;

#[derive(Serialize, Deserialize)]
struct Envelope {
    kdf: Kdf,
    cipher: Cipher,
    ciphertext: String,
}

#[derive(Serialize, Deserialize)]
struct Kdf {
    name: String,
    params: ScryptParams,
    salt: String,
}

#[derive(Serialize, Deserialize)]
struct ScryptParams {
    #[serde(rename = "N")]
    n: u64,
    r: u64,
    p: u64,
}

#[derive(Serialize, Deserialize)]
struct Cipher {
    name: String,
    nonce: String,
}

/// Seals `plaintext` under a key derived from `password`; returns the JSON envelope.
pub(super) fn encrypt(plaintext: &[u8], password: &[u8]) -> Result<Vec<u8>, KeyError> {
    let mut salt = [0u8; 32];
    let mut nonce = [0u8; 24];
    OsRng
        .try_fill_bytes(&mut salt)
        .and_then(|()| OsRng.try_fill_bytes(&mut nonce))
        .map_err(|_| KeyError::Random)?;
    let params = scrypt::Params::new(LOG_N, R, P, 32).map_err(|_| KeyError::EncryptionFailed)?;
    let key = derive_key(password, &salt, &params)?;
    let ciphertext = XSalsa20Poly1305::new(Key::from_slice(&key[..]))
        .encrypt(Nonce::from_slice(&nonce), plaintext)
        .map_err(|_| KeyError::EncryptionFailed)?;
    let envelope = Envelope {
        kdf: Kdf {
            name: KDF_NAME.into(),
            params: ScryptParams {
                n: 1 << LOG_N,
                r: R.into(),
                p: P.into(),
            },
            salt: STANDARD.encode(salt),
        },
        cipher: Cipher {
            name: CIPHER_NAME.into(),
            nonce: STANDARD.encode(nonce),
        },
        ciphertext: STANDARD.encode(ciphertext),
    };
    serde_json::to_vec(&envelope).map_err(|_| KeyError::EncryptionFailed)
}

/// Opens the JSON envelope with `password`; returns the plaintext (PKCS#8 DER).
pub(super) fn decrypt(json: &[u8], password: &[u8]) -> Result<Zeroizing<Vec<u8>>, KeyError> {
    let malformed = |reason| KeyError::MalformedEncryptedKey { reason };
    let envelope: Envelope = serde_json::from_slice(json)
        .map_err(|_| malformed("its content is not cosign's JSON envelope"))?;
    if envelope.kdf.name != KDF_NAME {
        return Err(KeyError::UnsupportedKdf {
            name: printable(&envelope.kdf.name),
        });
    }
    if envelope.cipher.name != CIPHER_NAME {
        return Err(KeyError::UnsupportedCipher {
            name: printable(&envelope.cipher.name),
        });
    }
    let ScryptParams { n, r, p } = envelope.kdf.params;
    let params = bounded_params(n, r, p).ok_or(KeyError::KdfParamsOutOfRange { n, r, p })?;
    let salt = decode_base64(&B64, &envelope.kdf.salt)?;
    let nonce = decode_base64(&B64, &envelope.cipher.nonce)?;
    let nonce = <[u8; 24]>::try_from(nonce.as_slice())
        .map_err(|_| malformed("the nonce is not 24 bytes"))?;
    let mut buffer = decode_base64(&B64, &envelope.ciphertext)?;
    if buffer.len() < TAG_LEN {
        return Err(malformed("the ciphertext is too short"));
    }
    let key = derive_key(password, &salt, &params)?;
    XSalsa20Poly1305::new(Key::from_slice(&key[..]))
        .decrypt_in_place(Nonce::from_slice(&nonce), b"", &mut *buffer)
        .map_err(|_| KeyError::WrongPassphrase)?;
    Ok(buffer)
}

/// scrypt parameters, if they stay within 256 MiB of memory and 32 times cosign's work factor.
fn bounded_params(n: u64, r: u64, p: u64) -> Option<scrypt::Params> {
    let log_n = u8::try_from(n.checked_ilog2()?).ok()?;
    let memory = n.checked_mul(r)?.checked_mul(128)?;
    let work = n.checked_mul(r)?.checked_mul(p)?;
    let ok =
        n.is_power_of_two() && (1..=20).contains(&log_n) && memory <= 256 << 20 && work <= 1 << 23;
    if !ok {
        return None;
    }
    scrypt::Params::new(log_n, u32::try_from(r).ok()?, u32::try_from(p).ok()?, 32).ok()
}

fn derive_key(
    password: &[u8],
    salt: &[u8],
    params: &scrypt::Params,
) -> Result<Zeroizing<[u8; 32]>, KeyError> {
    let mut key = Zeroizing::new([0u8; 32]);
    scrypt::scrypt(password, salt, params, &mut key[..]).map_err(|_| KeyError::EncryptionFailed)?;
    Ok(key)
}
