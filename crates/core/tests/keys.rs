//! Interoperability with the real cosign CLI, in both directions.
//!
//! Ignored by default because it needs cosign: run it with
//! `cargo test -p vouch-core --test keys -- --ignored`. The binary is taken from `$VOUCH_COSIGN`,
//! else `.tools/bin/cosign` at the workspace root.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use vouch_core::keys::{Algorithm, PrivateKey, PublicKey};

const PASSWORD: &str = "vouch interop";

fn cosign() -> PathBuf {
    std::env::var_os("VOUCH_COSIGN").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.tools/bin/cosign"),
        PathBuf::from,
    )
}

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(cosign())
        .args(args)
        .current_dir(dir)
        .env("COSIGN_PASSWORD", PASSWORD)
        .output()
        .expect("cosign could not be started; set VOUCH_COSIGN or install .tools/bin/cosign")
}

fn run_ok(dir: &Path, args: &[&str]) -> Output {
    let out = run(dir, args);
    assert!(
        out.status.success(),
        "cosign {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn write(dir: &Path, name: &str, contents: impl AsRef<[u8]>) {
    std::fs::write(dir.join(name), contents).expect("temp dir is writable");
}

fn read(dir: &Path, name: &str) -> Vec<u8> {
    std::fs::read(dir.join(name)).expect("cosign wrote the file")
}

#[test]
#[ignore = "needs the cosign CLI"]
fn cosign_interop() {
    for alg in [Algorithm::Ed25519, Algorithm::EcdsaP256] {
        let tmp = tempfile::tempdir().expect("temp dir");
        let dir = tmp.path();
        let key = PrivateKey::generate(alg).expect("key generation");
        let public = key.public_key();
        let message = b"payload signed across implementations\n";
        write(
            dir,
            "vouch.key",
            key.to_encrypted_pem(PASSWORD.as_bytes()).expect("encrypt"),
        );
        write(dir, "vouch.pub", public.to_pem());
        write(dir, "message", message);

        // cosign loads our encrypted key and derives the same cosign.pub, byte for byte.
        let out = run_ok(dir, &["public-key", "--key", "vouch.key"]);
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            public.to_pem(),
            "{alg}"
        );

        // cosign signs with our key; we verify its signature, and so does cosign.
        run_ok(
            dir,
            &[
                "sign-blob",
                "--key",
                "vouch.key",
                "--tlog-upload=false",
                "--output-signature",
                "cosign.sig",
                "message",
            ],
        );
        let sig = STANDARD
            .decode(read(dir, "cosign.sig"))
            .expect("base64 signature");
        public
            .verify(message, &sig)
            .expect("cosign's signature verifies with vouch");
        let verify = |sig: &str, msg: &str| {
            run(
                dir,
                &[
                    "verify-blob",
                    "--key",
                    "vouch.pub",
                    "--signature",
                    sig,
                    "--insecure-ignore-tlog=true",
                    msg,
                ],
            )
            .status
            .success()
        };
        assert!(verify("cosign.sig", "message"), "{alg}");

        // cosign verifies our signature, and rejects it for other content.
        write(dir, "vouch.sig", STANDARD.encode(key.sign(message)));
        write(dir, "other", b"other content\n");
        assert!(verify("vouch.sig", "message"), "{alg}");
        assert!(!verify("vouch.sig", "other"), "{alg}");

        // cosign imports our unencrypted PKCS#8 and encrypts it; we decrypt the result. cosign
        // 2.5.0 refuses to import every ECDSA (and RSA) key, OpenSSL's included ("error validating
        // ecdsa key: unsupported public key type"), so this only runs for ed25519; the P-256
        // direction is covered by the `cosign generate-key-pair` fixture in the unit tests.
        if alg == Algorithm::Ed25519 {
            write(dir, "plain.pem", key.to_pkcs8_pem().as_bytes());
            let args = [
                "import-key-pair",
                "--key",
                "plain.pem",
                "--output-key-prefix",
                "imported",
            ];
            run_ok(dir, &args);
            let imported =
                PrivateKey::from_encrypted_pem(&read(dir, "imported.key"), PASSWORD.as_bytes())
                    .expect("vouch decrypts cosign's key");
            assert_eq!(imported.public_key(), public);
            assert_eq!(*imported.to_pkcs8_der(), *key.to_pkcs8_der());
            let imported_pub = PublicKey::parse(&read(dir, "imported.pub")).expect("cosign.pub");
            assert_eq!(imported_pub, public);
        }
    }
}
