//! Per-registry TLS material, found where containers tools and docker look for it:
//! a folder named after the registry (`host` or `host:port`, exactly as the image reference
//! spells it) under each `certs.d` root.
//!
//! Roots, in containers/image's order (the first root holding a folder for the host wins, the
//! others are not read — as podman, skopeo and buildah do):
//! 1. `$XDG_CONFIG_HOME/containers/certs.d` (else `~/.config/containers/certs.d`),
//! 2. `/etc/containers/certs.d`,
//! 3. `/etc/docker/certs.d`.
//!
//! `VOUCH_CERTS_D_DIRS` (a `:`-separated list) replaces those roots, for tests and for people
//! who keep their certificates elsewhere.
//!
//! In the host's folder, files are read in name order, by extension, as containers/image does:
//! `*.crt` are CA certificates (docker's single `ca.crt` is one of them); `*.cert` is a client
//! certificate chain whose key is the `*.key` of the same name (containers' `client.cert` +
//! `client.key`; docker's `<name>.cert` + `<name>.key`). A `.cert` without its `.key`, or a `.key`
//! without its `.cert`, is an error naming the file, never silently skipped. The first pair (in
//! name order) is the client certificate presented.
//!
//! A host's CAs are *added to* the platform's roots, not put in their place — what Go's
//! containers tools and docker do (they append to the system pool): a registry whose
//! certificate chains to a public CA keeps working when a folder for it exists.

use std::path::{Path, PathBuf};

use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// The variable that replaces the `certs.d` roots (`:`-separated).
pub const CERTS_D_ENV: &str = "VOUCH_CERTS_D_DIRS";

/// The `certs.d` roots searched for a registry's folder, in order (see the module docs).
pub fn certs_d_dirs() -> Vec<PathBuf> {
    if let Some(list) = std::env::var_os(CERTS_D_ENV) {
        return std::env::split_paths(&list)
            .filter(|p| !p.as_os_str().is_empty())
            .collect();
    }
    let config_home = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")));
    let mut dirs: Vec<PathBuf> = config_home
        .map(|c| c.join("containers/certs.d"))
        .into_iter()
        .collect();
    dirs.push(PathBuf::from("/etc/containers/certs.d"));
    dirs.push(PathBuf::from("/etc/docker/certs.d"));
    dirs
}

/// A registry's own TLS material: CA certificates trusted for it on top of the platform's, and
/// the client certificate it is shown. The key never appears in `Debug`.
pub struct HostTls {
    /// CA certificates added to the platform roots for this host.
    pub roots: Vec<CertificateDer<'static>>,
    /// The client certificate chain and its key.
    pub(crate) client: Option<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>)>,
    /// The files the material came from (for sentences).
    pub sources: Vec<PathBuf>,
}

impl std::fmt::Debug for HostTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HostTls")
            .field("roots", &self.roots.len())
            .field("client_certificate", &self.client.is_some())
            .field("sources", &self.sources)
            .finish()
    }
}

impl HostTls {
    /// Whether a client certificate is configured.
    pub fn has_client_certificate(&self) -> bool {
        self.client.is_some()
    }

    /// The client chain and a copy of its key, for a rustls configuration.
    pub(crate) fn identity(
        &self,
    ) -> Option<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>)> {
        self.client
            .as_ref()
            .map(|(chain, key)| (chain.clone(), key.clone_key()))
    }
}

/// Why a registry's TLS files cannot be used. Names the file, never its contents.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TlsSetupError {
    #[error("{path} could not be read: {detail}")]
    Unreadable { path: String, detail: String },
    #[error("{path} holds no PEM certificate")]
    NoCertificate { path: String },
    #[error("{path} holds no PEM private key")]
    NoKey { path: String },
    #[error("the client certificate {path} has no key beside it ({key} is missing); CA certificates end in .crt")]
    MissingKey { path: String, key: String },
    #[error("the client key {path} has no certificate beside it ({cert} is missing)")]
    MissingCertificate { path: String, cert: String },
}

/// The TLS material for `host` (`host[:port]`): the first folder named `host` under `dirs`,
/// plus `ca_file` (a CA file from the settings) when given. `Ok(None)` when there is neither.
pub fn for_host(
    dirs: &[PathBuf],
    host: &str,
    ca_file: Option<&Path>,
) -> Result<Option<HostTls>, TlsSetupError> {
    let folder = dirs
        .iter()
        .map(|d| d.join(folder_name(host)))
        .find(|d| d.is_dir());
    if folder.is_none() && ca_file.is_none() {
        return Ok(None);
    }
    let mut out = HostTls {
        roots: Vec::new(),
        client: None,
        sources: Vec::new(),
    };
    if let Some(folder) = folder {
        read_folder(&folder, &mut out)?;
    }
    if let Some(ca) = ca_file {
        out.roots.extend(read_certificates(ca)?);
        out.sources.push(ca.to_path_buf());
    }
    Ok(Some(out))
}

/// The folder name for a host: as spelled, except that a bracketed IPv6 address keeps its
/// brackets only with a port (what docker writes, `[::1]:5000`).
fn folder_name(host: &str) -> &str {
    host.strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host)
}

fn read_folder(folder: &Path, out: &mut HostTls) -> Result<(), TlsSetupError> {
    let entries = std::fs::read_dir(folder).map_err(|e| unreadable(folder, &e))?;
    let mut files: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    files.sort();
    for file in &files {
        match file.extension().and_then(|e| e.to_str()) {
            Some("crt") => {
                out.roots.extend(read_certificates(file)?);
                out.sources.push(file.clone());
            }
            Some("cert") => {
                let key = file.with_extension("key");
                if !key.is_file() {
                    return Err(TlsSetupError::MissingKey {
                        path: shown(file),
                        key: shown(&key),
                    });
                }
                if out.client.is_none() {
                    let chain = read_certificates(file)?;
                    let bytes = std::fs::read(&key).map_err(|e| unreadable(&key, &e))?;
                    out.client = Some((chain, key_in(&bytes, &key)?));
                    out.sources.push(file.clone());
                    out.sources.push(key);
                }
            }
            Some("key") => {
                let cert = file.with_extension("cert");
                if !cert.is_file() {
                    return Err(TlsSetupError::MissingCertificate {
                        path: shown(file),
                        cert: shown(&cert),
                    });
                }
            }
            _ => {}
        }
    }
    Ok(())
}

fn read_certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsSetupError> {
    let bytes = std::fs::read(path).map_err(|e| unreadable(path, &e))?;
    certificates_in(&bytes, path)
}

/// The PEM certificates in `bytes`, read from `path` (named in errors); at least one.
fn certificates_in(
    bytes: &[u8],
    path: &Path,
) -> Result<Vec<CertificateDer<'static>>, TlsSetupError> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(bytes)
        .collect::<Result<_, _>>()
        .map_err(|e| TlsSetupError::Unreadable {
            path: shown(path),
            detail: e.to_string(),
        })?;
    if certs.is_empty() {
        return Err(TlsSetupError::NoCertificate { path: shown(path) });
    }
    Ok(certs)
}

/// The PEM private key in `bytes`, read from `path` (named in errors, never the key).
fn key_in(bytes: &[u8], path: &Path) -> Result<PrivateKeyDer<'static>, TlsSetupError> {
    PrivateKeyDer::from_pem_slice(bytes).map_err(|e| match e {
        rustls::pki_types::pem::Error::NoItemsFound => TlsSetupError::NoKey { path: shown(path) },
        other => TlsSetupError::Unreadable {
            path: shown(path),
            detail: other.to_string(),
        },
    })
}

/// `pem` read as every file of a `certs.d` folder at once: a CA file (`ca.crt`) and a client
/// certificate (`client.cert`) with its key (`client.key`). Exists only so the fuzz target
/// `tls_files` and its corpus replay can reach the private parsers; Vouch reads the files.
#[doc(hidden)]
pub fn host_tls_from_pem(pem: &[u8]) -> Result<HostTls, TlsSetupError> {
    let dir = Path::new("certs.d/registry.example");
    let roots = certificates_in(pem, &dir.join("ca.crt"))?;
    let chain = certificates_in(pem, &dir.join("client.cert"))?;
    let key = key_in(pem, &dir.join("client.key"))?;
    Ok(HostTls {
        roots,
        client: Some((chain, key)),
        sources: Vec::new(),
    })
}

fn unreadable(path: &Path, e: &std::io::Error) -> TlsSetupError {
    TlsSetupError::Unreadable {
        path: shown(path),
        detail: e.to_string(),
    }
}

fn shown(path: &Path) -> String {
    path.display().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A certificate and its key (PEM), minted with the openssl CLI.
    fn pem_cert_and_key(dir: &Path) -> (Vec<u8>, Vec<u8>) {
        let (_, cert, key) = crate::tls::testing::mint_ca_and_server(dir);
        let read = |p: PathBuf| std::fs::read(p).expect("minted file");
        (read(cert), read(key))
    }

    fn write(path: &Path, bytes: &[u8]) {
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, bytes).expect("write");
    }

    /// The first root with a folder for the host wins; `*.crt` are CAs, `client.cert` +
    /// `client.key` the client certificate, docker's `ca.crt` is read too; a host without a
    /// folder has no material; the settings' CA file is added.
    #[test]
    fn folders_are_read_as_containers_tools_read_them() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (cert, key) = pem_cert_and_key(dir.path());
        let (user, etc, docker) = (
            dir.path().join("user"),
            dir.path().join("etc"),
            dir.path().join("docker"),
        );
        write(&etc.join("reg.example:5000/ca.crt"), &cert);
        write(&etc.join("reg.example:5000/client.cert"), &cert);
        write(&etc.join("reg.example:5000/client.key"), &key);
        write(
            &docker.join("reg.example:5000/ca.crt"),
            b"not read: etc wins",
        );
        write(&docker.join("other.example/ca.crt"), &cert);
        let dirs = vec![user, etc, docker];

        let got = for_host(&dirs, "reg.example:5000", None)
            .expect("readable")
            .expect("material");
        assert_eq!(got.roots.len(), 1);
        assert!(got.has_client_certificate());
        let debug = format!("{got:?}");
        assert!(!debug.contains("PRIVATE"), "{debug}");

        let docker_only = for_host(&dirs, "other.example", None).expect("readable");
        assert_eq!(docker_only.map(|h| h.roots.len()), Some(1));
        assert!(for_host(&dirs, "reg.example", None)
            .expect("no folder")
            .is_none());

        let ca = dir.path().join("settings-ca.pem");
        write(&ca, &cert);
        let both = for_host(&dirs, "reg.example:5000", Some(&ca))
            .expect("readable")
            .expect("material");
        assert_eq!(both.roots.len(), 2);
        let only_settings = for_host(&dirs, "nothing.example", Some(&ca))
            .expect("readable")
            .expect("material");
        assert_eq!(only_settings.roots.len(), 1);
        assert!(!only_settings.has_client_certificate());
    }

    #[test]
    fn half_a_client_pair_or_a_bad_file_is_a_sentence_naming_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().to_path_buf();
        write(&root.join("a.example/client.cert"), b"x");
        let e = for_host(std::slice::from_ref(&root), "a.example", None).expect_err("no key");
        assert!(e.to_string().contains("client.key is missing"), "{e}");

        write(&root.join("b.example/client.key"), b"x");
        let e = for_host(std::slice::from_ref(&root), "b.example", None).expect_err("no cert");
        assert!(e.to_string().contains("client.cert is missing"), "{e}");

        write(&root.join("c.example/ca.crt"), b"no pem here");
        let e = for_host(std::slice::from_ref(&root), "c.example", None).expect_err("no pem");
        assert!(
            matches!(&e, TlsSetupError::NoCertificate { path } if path.ends_with("ca.crt")),
            "{e}"
        );
    }
}
