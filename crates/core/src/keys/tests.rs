//! Unit tests. Fixtures under `tests/fixtures/keys/` were made with the openssl CLI and cosign
//! 2.5.0 (see the README there); expected fingerprints come from
//! `openssl pkey -pubin -outform DER | sha256sum`.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;

use super::*;

macro_rules! fixture {
    ($name:literal) => {
        include_bytes!(concat!("../../tests/fixtures/keys/", $name)).as_slice()
    };
}

const MESSAGE: &[u8] = fixture!("message.txt");
const ED25519_FP: &str = "sha256:45f0a7fb31b3fbdfea0fc4c1d5f882c4b311cba31717a3a55eb9d0e7b23822c2";
const P256_FP: &str = "sha256:5b3d21c06529acc1564e111e6e01f501c7c9032f6f00a9440179def7e8ff7ada";
const RSA2048_FP: &str = "sha256:0e9783926d6fd622bfc295189e13e0650c557fdb5501f5eddfa622c9425dee39";
const COSIGN_P256_FP: &str =
    "sha256:f2688859e42d0b935f7a2ac688a08e820eba531f6f85a52efc18d2f3162ad0dd";

type Result = std::result::Result<(), KeyError>;

fn pem_der(pem: &[u8]) -> std::result::Result<zeroize::Zeroizing<Vec<u8>>, KeyError> {
    let text = String::from_utf8_lossy(pem);
    pem::single(pem::blocks(&text)?)?
        .ok_or(KeyError::NotAKey {
            expected: "a test fixture",
        })?
        .decode()
}

fn pem_with_label(label: &str) -> String {
    format!("-----BEGIN {label}-----\nMCowBQYDK2VwAyEA0YeMKdJJY9alRs457RdicBgtGUP+HOgvvYD0A81lcmA=\n-----END {label}-----\n")
}

#[test]
fn algorithm_names_roundtrip() -> Result {
    for (alg, name) in [
        (Algorithm::Ed25519, "ed25519"),
        (Algorithm::EcdsaP256, "ecdsa-p256"),
        (Algorithm::Rsa, "rsa"),
    ] {
        assert_eq!(alg.as_str(), name);
        assert_eq!(alg.to_string(), name);
        assert_eq!(name.parse::<Algorithm>()?, alg);
        assert_eq!(
            serde_json::to_string(&alg).ok(),
            Some(format!("\"{name}\""))
        );
        assert_eq!(
            serde_json::from_str::<Algorithm>(&format!("\"{name}\"")).ok(),
            Some(alg)
        );
    }
    assert_eq!("p256".parse::<Algorithm>()?, Algorithm::EcdsaP256);
    assert!(matches!(
        "dsa".parse::<Algorithm>(),
        Err(KeyError::UnsupportedAlgorithm { .. })
    ));
    Ok(())
}

#[test]
fn generate_sign_verify_and_tamper() -> Result {
    for alg in [Algorithm::Ed25519, Algorithm::EcdsaP256] {
        let key = PrivateKey::generate(alg)?;
        assert_eq!(key.algorithm(), alg);
        let public = key.public_key();
        let sig = key.sign(MESSAGE);
        public.verify(MESSAGE, &sig)?;

        assert!(matches!(
            public.verify(b"vouch test message!\n", &sig),
            Err(KeyError::BadSignature)
        ));
        let mut tampered = sig.clone();
        if let Some(byte) = tampered.get_mut(20) {
            *byte ^= 0x01;
        }
        assert!(matches!(
            public.verify(MESSAGE, &tampered),
            Err(KeyError::BadSignature)
        ));
        let other = PrivateKey::generate(alg)?.public_key();
        assert!(matches!(
            other.verify(MESSAGE, &sig),
            Err(KeyError::BadSignature)
        ));
        // The key survives a PKCS#8 round trip.
        assert_eq!(
            PrivateKey::from_pkcs8_der(&key.to_pkcs8_der())?.public_key(),
            public
        );
        assert_eq!(
            PrivateKey::from_pem(key.to_pkcs8_pem().as_bytes())?.public_key(),
            public
        );
    }
    assert_eq!(
        PrivateKey::generate(Algorithm::Ed25519)?
            .sign(MESSAGE)
            .len(),
        64
    );
    Ok(())
}

#[test]
fn p256_accepts_fixed_size_signatures_and_rejects_garbage() -> Result {
    let key = PrivateKey::generate(Algorithm::EcdsaP256)?;
    let der = key.sign(MESSAGE);
    let fixed = p256::ecdsa::Signature::from_der(&der)
        .map_err(|_| KeyError::BadSignature)?
        .to_bytes();
    key.public_key().verify(MESSAGE, &fixed)?;
    for junk in [&b""[..], &[0x30, 0x02, 0x02], &[7u8; 63]] {
        assert!(matches!(
            key.public_key().verify(MESSAGE, junk),
            Err(KeyError::SignatureMalformed {
                algorithm: Algorithm::EcdsaP256,
                ..
            })
        ));
    }
    Ok(())
}

#[test]
fn generate_rsa_is_refused() {
    assert!(matches!(
        PrivateKey::generate(Algorithm::Rsa),
        Err(KeyError::UnsupportedAlgorithm { .. })
    ));
}

#[test]
fn fingerprints_match_openssl() -> Result {
    for (file, alg, fp) in [
        (fixture!("ed25519.pub"), Algorithm::Ed25519, ED25519_FP),
        (fixture!("p256.pub"), Algorithm::EcdsaP256, P256_FP),
        (fixture!("rsa2048.pub"), Algorithm::Rsa, RSA2048_FP),
        (fixture!("rsa2048-pkcs1.pub"), Algorithm::Rsa, RSA2048_FP),
        (
            fixture!("cosign-p256.pub"),
            Algorithm::EcdsaP256,
            COSIGN_P256_FP,
        ),
        (
            fixture!("cosign-ed25519.pub"),
            Algorithm::Ed25519,
            ED25519_FP,
        ),
        (fixture!("ed25519.raw.b64"), Algorithm::Ed25519, ED25519_FP),
    ] {
        let key = PublicKey::parse(file)?;
        assert_eq!((key.algorithm(), key.fingerprint().as_str()), (alg, fp));
        assert_eq!(PublicKey::from_spki_der(key.spki_der())?, key);
    }
    Ok(())
}

#[test]
fn to_pem_is_byte_identical_to_openssl_and_cosign() -> Result {
    for file in [
        fixture!("ed25519.pub"),
        fixture!("p256.pub"),
        fixture!("rsa2048.pub"),
        fixture!("cosign-p256.pub"),
        fixture!("cosign-ed25519.pub"),
    ] {
        assert_eq!(PublicKey::parse(file)?.to_pem().as_bytes(), file);
    }
    // A PKCS#1 RSA key comes out as the SubjectPublicKeyInfo openssl writes.
    assert_eq!(
        PublicKey::parse(fixture!("rsa2048-pkcs1.pub"))?
            .to_pem()
            .as_bytes(),
        fixture!("rsa2048.pub")
    );
    Ok(())
}

#[test]
fn parse_tolerates_whitespace_crlf_surrounding_text_and_base64_flavours() -> Result {
    let pem = String::from_utf8_lossy(fixture!("p256.pub"));
    let crlf = format!(
        "\r\n  Here is my key:\r\n{}\r\nthanks!\r\n",
        pem.replace('\n', "\r\n")
    );
    assert_eq!(PublicKey::parse(crlf.as_bytes())?.fingerprint(), P256_FP);
    let raw = fixture!("ed25519.raw.b64");
    let bytes = STANDARD
        .decode(String::from_utf8_lossy(raw).trim())
        .map_err(|_| KeyError::InvalidBase64)?;
    for text in [
        format!("  {}  \n", URL_SAFE_NO_PAD.encode(&bytes)),
        STANDARD.encode(&bytes).trim_end_matches('=').to_owned(),
        format!("\n{}\r\n", STANDARD.encode(&bytes)),
    ] {
        assert_eq!(PublicKey::parse(text.as_bytes())?.fingerprint(), ED25519_FP);
    }
    // Binary DER, and base64 DER without armour.
    let der = PublicKey::parse(fixture!("rsa2048.pub"))?
        .spki_der()
        .to_vec();
    assert_eq!(PublicKey::parse(&der)?.fingerprint(), RSA2048_FP);
    assert_eq!(
        PublicKey::parse(STANDARD.encode(&der).as_bytes())?.fingerprint(),
        RSA2048_FP
    );
    // OpenSSL's `EC PARAMETERS` block next to a key is ignored.
    let with_params = format!(
        "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n{pem}"
    );
    assert_eq!(
        PublicKey::parse(with_params.as_bytes())?.fingerprint(),
        P256_FP
    );
    Ok(())
}

#[test]
fn private_keys_are_refused_as_public_keys() {
    let labels = [
        "PRIVATE KEY",
        "EC PRIVATE KEY",
        "ENCRYPTED SIGSTORE PRIVATE KEY",
        "ENCRYPTED COSIGN PRIVATE KEY",
        "OPENSSH PRIVATE KEY",
        "RSA PRIVATE KEY",
        "ENCRYPTED PRIVATE KEY",
    ];
    let synthetic = labels.map(pem_with_label);
    let files = [
        fixture!("ed25519-pkcs8.pem"),
        fixture!("p256-sec1.pem"),
        fixture!("cosign-p256.key"),
        fixture!("rsa2048.key"),
        fixture!("p384.key"),
    ];
    for input in synthetic.iter().map(String::as_bytes).chain(files) {
        assert!(matches!(
            PublicKey::parse(input),
            Err(KeyError::PrivateKeyGivenAsPublic)
        ));
    }
    // Binary PKCS#8 DER too.
    let der = PrivateKey::generate(Algorithm::Ed25519).map(|key| key.to_pkcs8_der());
    assert!(der.is_ok_and(|der| matches!(
        PublicKey::parse(&der),
        Err(KeyError::PrivateKeyGivenAsPublic)
    )));
}

#[test]
fn public_key_refusals_name_the_problem() {
    let parse = |input: &[u8]| PublicKey::parse(input).map(|key| key.fingerprint());
    assert!(matches!(
        parse(fixture!("p256-cert.pem")),
        Err(KeyError::WrongPemType { found, .. }) if found == "CERTIFICATE"
    ));
    assert!(matches!(
        parse(fixture!("p384.pub")),
        Err(KeyError::UnsupportedCurve { curve }) if curve == "P-384"
    ));
    assert!(matches!(
        parse(fixture!("secp256k1.pub")),
        Err(KeyError::UnsupportedCurve { curve }) if curve == "secp256k1"
    ));
    assert!(matches!(
        parse(fixture!("ed448.pub")),
        Err(KeyError::UnsupportedAlgorithm { algorithm }) if algorithm == "Ed448"
    ));
    assert!(matches!(
        parse(fixture!("rsa1024.pub")),
        Err(KeyError::RsaTooSmall { bits: 1024 })
    ));

    let pem = String::from_utf8_lossy(fixture!("p256.pub")).into_owned();
    // Cut the base64 one character into a quantum.
    let first_line = pem
        .lines()
        .nth(1)
        .and_then(|line| line.get(..61))
        .unwrap_or_default();
    let truncated = format!("-----BEGIN PUBLIC KEY-----\n{first_line}\n-----END PUBLIC KEY-----\n");
    assert!(matches!(
        parse(truncated.as_bytes()),
        Err(KeyError::TruncatedBase64)
    ));
    let invalid = pem.replacen("MFkw", "MF!w", 1);
    assert!(matches!(
        parse(invalid.as_bytes()),
        Err(KeyError::InvalidBase64)
    ));
    let no_end = pem.replace("-----END PUBLIC KEY-----", "");
    assert!(matches!(
        parse(no_end.as_bytes()),
        Err(KeyError::MalformedPem { .. })
    ));
    let two = format!("{pem}{}", String::from_utf8_lossy(fixture!("ed25519.pub")));
    assert!(matches!(
        parse(two.as_bytes()),
        Err(KeyError::MultiplePemBlocks { count: 2 })
    ));
    let garbage_der = "-----BEGIN PUBLIC KEY-----\nAAAAAAAA\n-----END PUBLIC KEY-----\n";
    assert!(matches!(
        parse(garbage_der.as_bytes()),
        Err(KeyError::MalformedKey { .. })
    ));
    for not_a_key in [
        &b""[..],
        b"  \n",
        b"hello, world",
        b"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5 me@host",
    ] {
        assert!(matches!(parse(not_a_key), Err(KeyError::NotAKey { .. })));
    }
    // 31 bytes of base64: not an ed25519 key.
    assert!(matches!(
        parse(STANDARD.encode([1u8; 31]).as_bytes()),
        Err(KeyError::MalformedKey { .. })
    ));
}

#[test]
fn signature_length_errors_are_malformed_not_bad() -> Result {
    let ed = PublicKey::parse(fixture!("ed25519.pub"))?;
    assert!(matches!(
        ed.verify(MESSAGE, &[0u8; 63]),
        Err(KeyError::SignatureMalformed {
            algorithm: Algorithm::Ed25519,
            ..
        })
    ));
    let rsa = PublicKey::parse(fixture!("rsa2048.pub"))?;
    assert!(matches!(
        rsa.verify(MESSAGE, &[0u8; 255]),
        Err(KeyError::SignatureMalformed {
            algorithm: Algorithm::Rsa,
            ..
        })
    ));
    Ok(())
}

/// `sig` verifies [`MESSAGE`] under the public key `public`, and nothing else.
fn verifies_message_only(public: &[u8], sig: &[u8]) -> Result {
    let key = PublicKey::parse(public)?;
    key.verify(MESSAGE, sig)?;
    assert!(matches!(
        key.verify(b"another message", sig),
        Err(KeyError::BadSignature)
    ));
    Ok(())
}

#[test]
fn verifies_openssl_signatures() -> Result {
    for (public, sig) in [
        (fixture!("ed25519.pub"), fixture!("message.ed25519.sig")),
        (fixture!("p256.pub"), fixture!("message.p256.sig")),
        (fixture!("rsa2048.pub"), fixture!("message.rsa2048.sig")),
        (
            fixture!("rsa2048-pkcs1.pub"),
            fixture!("message.rsa2048.sig"),
        ),
    ] {
        verifies_message_only(public, sig)?;
    }
    Ok(())
}

#[test]
fn verifies_cosign_sign_blob_signatures() -> Result {
    for (public, sig_b64) in [
        (
            fixture!("cosign-p256.pub"),
            fixture!("message.cosign-p256.sig"),
        ),
        (
            fixture!("cosign-ed25519.pub"),
            fixture!("message.cosign-ed25519.sig"),
        ),
    ] {
        let sig = STANDARD
            .decode(sig_b64)
            .map_err(|_| KeyError::InvalidBase64)?;
        verifies_message_only(public, &sig)?;
    }
    Ok(())
}

#[test]
fn private_key_pem_formats() -> Result {
    for (private, public) in [
        (fixture!("ed25519-pkcs8.pem"), fixture!("ed25519.pub")),
        (fixture!("p256-pkcs8.pem"), fixture!("p256.pub")),
        (fixture!("p256-sec1.pem"), fixture!("p256.pub")),
    ] {
        let key = PrivateKey::from_pem(private)?;
        assert_eq!(key.public_key(), PublicKey::parse(public)?);
        key.public_key().verify(MESSAGE, &key.sign(MESSAGE))?;
    }
    // Our PKCS#8 encoding is byte-identical to OpenSSL's (and Go's) for both algorithms.
    for file in [fixture!("ed25519-pkcs8.pem"), fixture!("p256-pkcs8.pem")] {
        assert_eq!(*PrivateKey::from_pem(file)?.to_pkcs8_der(), *pem_der(file)?);
        assert_eq!(PrivateKey::from_pem(file)?.to_pkcs8_pem().as_bytes(), file);
    }
    assert_eq!(
        *PrivateKey::from_pem(fixture!("p256-sec1.pem"))?.to_pkcs8_der(),
        *pem_der(fixture!("p256-pkcs8.pem"))?
    );
    Ok(())
}

#[test]
fn p256_pkcs8_matches_the_p256_crate_encoder() -> Result {
    use pkcs8::{DecodePrivateKey as _, EncodePrivateKey as _};
    let key = PrivateKey::generate(Algorithm::EcdsaP256)?;
    let secret =
        p256::SecretKey::from_pkcs8_der(&key.to_pkcs8_der()).map_err(|_| KeyError::Random)?;
    let reference = secret.to_pkcs8_der().map_err(|_| KeyError::Random)?;
    assert_eq!(key.to_pkcs8_der().as_slice(), reference.as_bytes());
    Ok(())
}

#[test]
fn private_key_refusals() {
    let load = |input: &[u8]| PrivateKey::from_pem(input).map(|key| key.algorithm());
    assert!(
        matches!(load(fixture!("p384.key")), Err(KeyError::UnsupportedCurve { curve }) if curve == "P-384")
    );
    assert!(
        matches!(load(fixture!("p384-sec1.key")), Err(KeyError::UnsupportedCurve { curve }) if curve == "P-384")
    );
    assert!(matches!(
        load(fixture!("secp256k1-sec1.key")),
        Err(KeyError::UnsupportedCurve { curve }) if curve == "secp256k1"
    ));
    assert!(matches!(
        load(fixture!("rsa2048.key")),
        Err(KeyError::UnsupportedAlgorithm { .. })
    ));
    assert!(matches!(
        load(fixture!("p256.pub")),
        Err(KeyError::PublicKeyGivenAsPrivate)
    ));
    assert!(matches!(
        load(fixture!("cosign-p256.key")),
        Err(KeyError::PassphraseRequired)
    ));
    assert!(matches!(
        load(fixture!("p256-cert.pem")),
        Err(KeyError::WrongPemType { .. })
    ));
    assert!(matches!(
        load(pem_with_label("ENCRYPTED PRIVATE KEY").as_bytes()),
        Err(KeyError::UnsupportedEncryption { .. })
    ));
    assert!(matches!(
        load(b"nothing here"),
        Err(KeyError::NotAKey { .. })
    ));
    assert!(matches!(
        PrivateKey::from_pkcs8_der(b"\x30\x03\x02\x01\x00"),
        Err(KeyError::MalformedKey { .. })
    ));
    let legacy = "-----BEGIN EC PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nAAAA\n-----END EC PRIVATE KEY-----\n";
    assert!(matches!(
        load(legacy.as_bytes()),
        Err(KeyError::UnsupportedEncryption { .. })
    ));
}

#[test]
fn decrypts_cosign_keys() -> Result {
    for (private, public) in [
        (fixture!("cosign-p256.key"), fixture!("cosign-p256.pub")),
        (
            fixture!("cosign-ed25519.key"),
            fixture!("cosign-ed25519.pub"),
        ),
    ] {
        assert!(PrivateKey::is_encrypted_pem(private));
        let key = PrivateKey::from_encrypted_pem(private, b"test")?;
        assert_eq!(key.public_key(), PublicKey::parse(public)?);
        // Our PKCS#8 is byte-identical to what cosign (Go) encrypted.
        let plaintext = encrypted::decrypt(&pem_der(private)?, b"test")?;
        assert_eq!(*key.to_pkcs8_der(), *plaintext);
    }
    // cosign imported the openssl ed25519 key unchanged.
    let imported = PrivateKey::from_encrypted_pem(fixture!("cosign-ed25519.key"), b"test")?;
    assert_eq!(
        *imported.to_pkcs8_der(),
        *pem_der(fixture!("ed25519-pkcs8.pem"))?
    );
    Ok(())
}

#[test]
fn wrong_passphrase_is_reported() {
    assert!(matches!(
        PrivateKey::from_encrypted_pem(fixture!("cosign-p256.key"), b"not the passphrase"),
        Err(KeyError::WrongPassphrase)
    ));
}

#[test]
fn encrypted_roundtrip_in_cosign_format() -> Result {
    let key = PrivateKey::generate(Algorithm::Ed25519)?;
    let pem = key.to_encrypted_pem(b"correct horse")?;
    assert!(pem.starts_with("-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n"));
    assert!(pem.ends_with("-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n"));
    assert!(pem.lines().all(|line| line.len() <= 64));
    assert!(PrivateKey::is_encrypted_pem(pem.as_bytes()));

    let json: serde_json::Value =
        serde_json::from_slice(&pem_der(pem.as_bytes())?).map_err(|_| KeyError::InvalidBase64)?;
    assert_eq!(json["kdf"]["name"], "scrypt");
    assert_eq!(
        json["kdf"]["params"],
        serde_json::json!({"N": 32768, "r": 8, "p": 1})
    );
    assert_eq!(json["cipher"]["name"], "nacl/secretbox");
    let b64_len = |v: &serde_json::Value| {
        v.as_str()
            .and_then(|s| STANDARD.decode(s).ok())
            .map(|b| b.len())
    };
    assert_eq!(b64_len(&json["kdf"]["salt"]), Some(32));
    assert_eq!(b64_len(&json["cipher"]["nonce"]), Some(24));
    assert_eq!(b64_len(&json["ciphertext"]), Some(48 + 16));

    let back = PrivateKey::from_encrypted_pem(pem.as_bytes(), b"correct horse")?;
    assert_eq!(back.public_key(), key.public_key());
    // cosign 1.x's label is read as well.
    let legacy = pem.replace("SIGSTORE", "COSIGN");
    assert!(PrivateKey::is_encrypted_pem(legacy.as_bytes()));
    let back = PrivateKey::from_encrypted_pem(legacy.as_bytes(), b"correct horse")?;
    assert_eq!(back.public_key(), key.public_key());
    Ok(())
}

#[test]
fn encrypted_envelope_refusals() {
    let envelope = |kdf: &str, n: u64, cipher: &str| {
        let json = format!(
            r#"{{"kdf":{{"name":"{kdf}","params":{{"N":{n},"r":8,"p":1}},"salt":"AAAA"}},"cipher":{{"name":"{cipher}","nonce":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}},"ciphertext":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}}"#
        );
        pem::encode(pem::SIGSTORE_LABEL, json.as_bytes()).to_string()
    };
    let open =
        |pem: String| PrivateKey::from_encrypted_pem(pem.as_bytes(), b"x").map(|k| k.algorithm());
    assert!(
        matches!(open(envelope("argon2", 32768, "nacl/secretbox")), Err(KeyError::UnsupportedKdf { name }) if name == "argon2")
    );
    assert!(
        matches!(open(envelope("scrypt", 32768, "aes-gcm")), Err(KeyError::UnsupportedCipher { name }) if name == "aes-gcm")
    );
    for n in [1u64 << 30, 3, 0, 1, u64::MAX] {
        assert!(matches!(
            open(envelope("scrypt", n, "nacl/secretbox")),
            Err(KeyError::KdfParamsOutOfRange { .. })
        ));
    }
    let not_json = pem::encode(pem::SIGSTORE_LABEL, b"{not json").to_string();
    assert!(matches!(
        open(not_json),
        Err(KeyError::MalformedEncryptedKey { .. })
    ));
    assert!(matches!(
        PrivateKey::from_encrypted_pem(fixture!("ed25519-pkcs8.pem"), b"x"),
        Err(KeyError::NotEncrypted)
    ));
    assert!(matches!(
        PrivateKey::from_encrypted_pem(fixture!("p256.pub"), b"x"),
        Err(KeyError::PublicKeyGivenAsPrivate)
    ));
    assert!(!PrivateKey::is_encrypted_pem(fixture!("ed25519-pkcs8.pem")));
    assert!(!PrivateKey::is_encrypted_pem(b"\xff\x00 garbage"));
}

#[test]
fn debug_and_errors_never_show_key_material() -> Result {
    let key = PrivateKey::from_pem(fixture!("p256-pkcs8.pem"))?;
    let debug = format!("{key:?}");
    assert!(
        debug.contains("EcdsaP256") && debug.contains(P256_FP),
        "{debug}"
    );
    let der = key.to_pkcs8_der();
    let scalar = der.get(36..68).map(hex::encode).unwrap_or_default();
    assert!(!scalar.is_empty() && !debug.to_lowercase().contains(&scalar));
    let public = format!("{:?}", key.public_key());
    assert_eq!(
        public,
        format!("PublicKey {{ algorithm: EcdsaP256, fingerprint: {P256_FP:?} }}")
    );
    // Error messages are single sentences without the input.
    let err = PublicKey::parse(fixture!("p256-pkcs8.pem"))
        .err()
        .map(|e| e.to_string());
    assert!(err.is_some_and(
        |e| e.starts_with("this is a private key; a public key was expected") && !e.contains('\n')
    ));
    Ok(())
}

#[test]
fn secrets_zeroize_on_drop() {
    fn assert_zeroize_on_drop<T: zeroize::ZeroizeOnDrop>() {}
    assert_zeroize_on_drop::<ed25519_dalek::SigningKey>();
    assert_zeroize_on_drop::<p256::ecdsa::SigningKey>();
}

/// Every prefix of every fixture, and some byte noise, must yield a value or an error, never a
/// panic. (Encrypted keys are only cut short, so scrypt never runs.)
#[test]
fn no_panics_on_truncated_or_noisy_input() {
    let files = [
        fixture!("ed25519.pub"),
        fixture!("p256.pub"),
        fixture!("rsa2048.pub"),
        fixture!("rsa2048-pkcs1.pub"),
        fixture!("p384.pub"),
        fixture!("ed25519-pkcs8.pem"),
        fixture!("p256-pkcs8.pem"),
        fixture!("p256-sec1.pem"),
        fixture!("p384-sec1.key"),
        fixture!("rsa2048.key"),
        fixture!("cosign-p256.key"),
        fixture!("p256-cert.pem"),
    ];
    for file in files {
        for len in 0..file.len() {
            let cut = file.get(..len).unwrap_or_default();
            let _ = PublicKey::parse(cut);
            let _ = PrivateKey::from_pem(cut);
            let _ = PrivateKey::is_encrypted_pem(cut);
            let _ = PrivateKey::from_encrypted_pem(cut, b"test");
            if let Ok(der) = pem_der(cut) {
                let _ = PublicKey::from_spki_der(&der);
                let _ = PrivateKey::from_pkcs8_der(&der);
            }
        }
    }
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    for round in 0..2000 {
        let noise: Vec<u8> = (0..round % 200)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state.to_le_bytes().first().copied().unwrap_or_default()
            })
            .collect();
        let _ = PublicKey::parse(&noise);
        let _ = PublicKey::from_spki_der(&noise);
        let _ = PrivateKey::from_pkcs8_der(&noise);
        let _ = PrivateKey::from_pem(&noise);
        if let Ok(key) = PublicKey::parse(fixture!("p256.pub")) {
            let _ = key.verify(MESSAGE, &noise);
        }
    }
}

#[test]
fn ed25519ph_signatures_verify_and_bind_the_message() {
    use ed25519_dalek::pkcs8::EncodePublicKey as _;
    use sha2::Digest as _;
    let signing = ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]);
    let der = signing
        .verifying_key()
        .to_public_key_der()
        .expect("encode spki");
    let public = PublicKey::from_spki_der(der.as_bytes()).expect("parse spki");
    let sig = signing
        .sign_prehashed(sha2::Sha512::new_with_prefix(b"payload"), None)
        .expect("sign prehashed");
    public
        .verify(b"payload", &sig.to_bytes())
        .expect("Ed25519ph signature verifies");
    assert!(matches!(
        public.verify(b"other payload", &sig.to_bytes()),
        Err(KeyError::BadSignature)
    ));
}
