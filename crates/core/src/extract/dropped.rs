//! What a file a person hands the app (dropped on the window, or chosen in an open dialog)
//! turns out to be: a public key to offer for import, a file to search for image references,
//! or something unreadable with a sentence saying why.
//!
//! Files are read with a size bound ([`MAX_FILE_BYTES`]) and never followed into directories.
//! A private key is reported as such; its bytes never leave this module.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{extract, Extracted};
use crate::keys::{Algorithm, KeyError, PublicKey};

/// Largest file read (keys, lists, YAML and Dockerfiles are small).
pub const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// What one file turned out to be. `path` is the path as given, for display.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum DroppedFile {
    Key {
        path: String,
        fingerprint: String,
        algorithm: Algorithm,
        pem: String,
    },
    References {
        path: String,
        extracted: Extracted,
    },
    Unreadable {
        path: String,
        message: String,
    },
}

/// A public key read from a file the user chose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct KeyFile {
    pub path: String,
    pub fingerprint: String,
    pub algorithm: Algorithm,
    pub pem: String,
}

/// Why a file could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FileError {
    #[error("could not read {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} is not a file")]
    NotAFile { path: String },
    #[error("{path} is {size} bytes, too large for a key or an image list")]
    TooLarge { path: String, size: u64 },
    #[error("{path} is not a public key: {source}")]
    NotAKey {
        path: String,
        #[source]
        source: KeyError,
    },
}

/// Reads a regular file of at most [`MAX_FILE_BYTES`].
pub fn read_bounded(path: &Path) -> Result<Vec<u8>, FileError> {
    use std::io::Read as _;
    let shown = path.display().to_string();
    let read_error = |source| FileError::Read {
        path: shown.clone(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(read_error)?;
    if !meta.is_file() {
        return Err(FileError::NotAFile { path: shown });
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(FileError::TooLarge {
            path: shown,
            size: meta.len(),
        });
    }
    // Bounded again while reading: the file may have grown since the metadata call.
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes))
        .map_err(read_error)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(FileError::TooLarge {
            path: shown,
            size: bytes.len() as u64,
        });
    }
    Ok(bytes)
}

/// Reads `path` as a public key (PEM or DER): what "import a key from a file" accepts.
pub fn read_key_file(path: &Path) -> Result<KeyFile, FileError> {
    let bytes = read_bounded(path)?;
    let key = PublicKey::parse(&bytes).map_err(|source| FileError::NotAKey {
        path: path.display().to_string(),
        source,
    })?;
    Ok(key_file(path.display().to_string(), &key))
}

fn key_file(path: String, key: &PublicKey) -> KeyFile {
    KeyFile {
        path,
        fingerprint: key.fingerprint(),
        algorithm: key.algorithm(),
        pem: key.to_pem(),
    }
}

/// Classifies one file on disk; never fails (what cannot be used is [`DroppedFile::Unreadable`]).
pub fn classify_path(path: &Path) -> DroppedFile {
    match read_bounded(path) {
        Ok(bytes) => classify(&path.display().to_string(), &bytes),
        Err(e) => DroppedFile::Unreadable {
            path: path.display().to_string(),
            message: e.to_string(),
        },
    }
}

/// Classifies the contents of a file called `path`: a key when the name says so (`.pub`,
/// `.pem`, `.key`) or the text starts with a PEM header, else whatever [`extract`] finds.
pub fn classify(path: &str, bytes: &[u8]) -> DroppedFile {
    let name = path.rsplit(['/', '\\']).next().filter(|n| !n.is_empty());
    let looks_like_key = name
        .is_some_and(|n| [".pub", ".pem", ".key"].iter().any(|ext| n.ends_with(ext)))
        || bytes.starts_with(b"-----BEGIN");
    let path = path.to_string();
    if looks_like_key {
        return match PublicKey::parse(bytes) {
            Ok(k) => {
                let KeyFile {
                    path,
                    fingerprint,
                    algorithm,
                    pem,
                } = key_file(path, &k);
                DroppedFile::Key {
                    path,
                    fingerprint,
                    algorithm,
                    pem,
                }
            }
            Err(e) => DroppedFile::Unreadable {
                path,
                message: e.to_string(),
            },
        };
    }
    match extract(name, bytes) {
        Ok(extracted) => DroppedFile::References { path, extracted },
        Err(e) => DroppedFile::Unreadable {
            path,
            message: e.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::SourceKind;
    use crate::keys::PrivateKey;

    fn ed25519() -> PublicKey {
        PrivateKey::generate(Algorithm::Ed25519)
            .expect("generate")
            .public_key()
    }

    fn write(dir: &Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, bytes).expect("write");
        p
    }

    #[test]
    fn a_public_key_file_is_offered_for_import() {
        let dir = tempfile::tempdir().expect("tempdir");
        let key = ed25519();
        let p = write(dir.path(), "acme.pub", key.to_pem().as_bytes());
        let DroppedFile::Key {
            path,
            fingerprint,
            algorithm,
            pem,
        } = classify_path(&p)
        else {
            panic!("a key")
        };
        assert_eq!(path, p.display().to_string());
        assert_eq!(fingerprint, key.fingerprint());
        assert_eq!(algorithm, Algorithm::Ed25519);
        assert_eq!(pem, key.to_pem());
        // A PEM header is enough, whatever the name.
        assert!(matches!(
            classify("notes.txt", key.to_pem().as_bytes()),
            DroppedFile::Key { .. }
        ));
    }

    #[test]
    fn a_private_key_is_reported_never_read_into_the_result() {
        let private = PrivateKey::generate(Algorithm::Ed25519).expect("generate");
        let pem = private.to_pkcs8_pem();
        let dropped = classify("/home/ada/cosign.key", pem.as_bytes());
        let DroppedFile::Unreadable { message, .. } = &dropped else {
            panic!("refused: {dropped:?}")
        };
        assert!(message.contains("private key"), "{message}");
        let json = serde_json::to_string(&dropped).expect("json");
        assert!(!json.contains("PRIVATE"), "{json}");
    }

    #[test]
    fn other_files_are_searched_for_references() {
        let compose = b"services:\n  web:\n    image: nginx:1.27\n";
        let DroppedFile::References { path, extracted } =
            classify("/srv/app/compose.yaml", compose)
        else {
            panic!("references")
        };
        assert_eq!(path, "/srv/app/compose.yaml");
        assert_eq!(extracted.kind, SourceKind::Compose);
        assert_eq!(extracted.references[0].reference, "nginx:1.27");
    }

    #[test]
    fn what_cannot_be_used_says_why() {
        let dir = tempfile::tempdir().expect("tempdir");
        let missing = dir.path().join("gone.txt");
        let cases = [
            (classify_path(&missing), "could not read"),
            (classify_path(dir.path()), "is not a file"),
            (classify("x.pub", b"hello"), "base64"),
            (classify("list.txt", &[0xff, 0xfe, 0x00]), "not UTF-8"),
        ];
        for (dropped, want) in cases {
            let DroppedFile::Unreadable { message, .. } = &dropped else {
                panic!("unreadable: {dropped:?}")
            };
            assert!(message.contains(want), "{message} / {want}");
        }
    }

    #[test]
    fn files_over_the_limit_are_not_read() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("big.txt");
        let f = std::fs::File::create(&p).expect("create");
        f.set_len(MAX_FILE_BYTES + 1).expect("grow");
        assert!(matches!(
            read_bounded(&p),
            Err(FileError::TooLarge { size, .. }) if size == MAX_FILE_BYTES + 1
        ));
        assert!(matches!(classify_path(&p), DroppedFile::Unreadable { .. }));
    }

    #[test]
    fn read_key_file_accepts_a_key_and_refuses_anything_else() {
        let dir = tempfile::tempdir().expect("tempdir");
        let key = ed25519();
        let p = write(dir.path(), "publisher.pem", key.to_pem().as_bytes());
        let k = read_key_file(&p).expect("key");
        assert_eq!(k.fingerprint, key.fingerprint());
        assert_eq!(k.pem, key.to_pem());
        let list = write(dir.path(), "images.txt", b"nginx:1.27\n");
        assert!(matches!(
            read_key_file(&list),
            Err(FileError::NotAKey { .. })
        ));
    }
}
