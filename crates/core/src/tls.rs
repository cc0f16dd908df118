//! TLS for registry connections: rustls with the ring provider, verifying servers against the
//! platform's roots exactly as `rustls-platform-verifier` does — but loading those roots on the
//! first TLS handshake instead of when an HTTP client is built.
//!
//! Why: reading and parsing the system CA bundle is most of what a one-image `vouch verify`
//! costs as a new process when the registry is reached over plain HTTP (loopback, listed
//! insecure hosts), and it is pure waste there. Go's crypto/tls (cosign, skopeo) loads the roots
//! lazily too. The verification itself is the platform verifier's, unchanged: same roots, same
//! WebPKI checks, same errors; a failure to load roots fails the handshake, never skips checks.
//!
//! Per-registry material (`certs_d`): CA certificates and a client certificate from the
//! `certs.d` folders containers tools and docker use, and a CA file from the settings. A host's
//! CAs are added to the platform roots (never replace them); its verifier is just as lazy.
//! `probe` tells a loopback server that speaks TLS from one that does not, without looking at
//! certificates. [`failure_in`] finds the rustls error behind an HTTP client's error, so a
//! refusal can say which certificate check failed.

mod certs_d;
mod probe;
#[cfg(test)]
pub(crate) mod testing;

pub use certs_d::{certs_d_dirs, for_host, HostTls, TlsSetupError, CERTS_D_ENV};
pub(crate) use probe::{handshake_failure, speaks_tls, Speaks};
#[doc(hidden)]
pub use {certs_d::host_tls_from_pem, probe::probe_reading};

use std::sync::{Arc, OnceLock};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};

/// The crypto provider every Vouch TLS connection uses (ring).
pub fn provider() -> Arc<CryptoProvider> {
    static PROVIDER: OnceLock<Arc<CryptoProvider>> = OnceLock::new();
    PROVIDER
        .get_or_init(|| Arc::new(rustls::crypto::ring::default_provider()))
        .clone()
}

/// Makes ring the process-wide default provider, for clients Vouch does not configure itself
/// (oci-client builds its own reqwest client for pushes). Idempotent.
pub fn install_default_provider() {
    if CryptoProvider::get_default().is_none() {
        // Another thread may win the race; either way a provider is installed.
        let _ = CryptoProvider::install_default((*provider()).clone());
    }
}

/// A rustls client configuration for registry connections: TLS 1.2 and 1.3, HTTP/1.1 (the
/// HTTP stack is built without HTTP/2), server certificates checked by [`LazyPlatformVerifier`].
pub fn client_config() -> Result<rustls::ClientConfig, rustls::Error> {
    client_config_for(None)
}

/// [`client_config`] for a registry with its own material: its CAs trusted besides the
/// platform's roots, its client certificate presented when the server asks for one.
pub fn client_config_for(host: Option<&HostTls>) -> Result<rustls::ClientConfig, rustls::Error> {
    let extra = host.map(|h| h.roots.clone()).unwrap_or_default();
    let verifier = LazyPlatformVerifier::with_extra_roots(provider(), extra);
    let builder = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier));
    let mut config = match host.and_then(HostTls::identity) {
        Some((chain, key)) => builder.with_client_auth_cert(chain, key)?,
        None => builder.with_no_client_auth(),
    };
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// The rustls error somewhere in `e`'s chain (an I/O error wrapping one included: `io::Error`'s
/// `source` skips what it wraps, so each is opened).
pub fn failure_in<'a>(e: &'a (dyn std::error::Error + 'static)) -> Option<&'a rustls::Error> {
    let mut next = Some(e);
    while let Some(e) = next {
        if let Some(tls) = e.downcast_ref::<rustls::Error>() {
            return Some(tls);
        }
        // An I/O error may wrap another I/O error wrapping the rustls one (hyper does).
        next = match e
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            Some(inner) => Some(inner as &(dyn std::error::Error + 'static)),
            None => e.source(),
        };
    }
    None
}

/// `rustls_platform_verifier::Verifier`, built on the first certificate it is asked to check.
#[derive(Debug)]
pub struct LazyPlatformVerifier {
    provider: Arc<CryptoProvider>,
    /// CAs trusted besides the platform's (a registry's own, from `certs.d` or the settings).
    extra_roots: Vec<CertificateDer<'static>>,
    /// The platform verifier, or why it could not be built (no roots found, say).
    inner: OnceLock<Result<rustls_platform_verifier::Verifier, String>>,
}

impl LazyPlatformVerifier {
    pub fn new(provider: Arc<CryptoProvider>) -> LazyPlatformVerifier {
        Self::with_extra_roots(provider, Vec::new())
    }

    /// A verifier trusting `extra_roots` as well as the platform's roots.
    pub fn with_extra_roots(
        provider: Arc<CryptoProvider>,
        extra_roots: Vec<CertificateDer<'static>>,
    ) -> LazyPlatformVerifier {
        LazyPlatformVerifier {
            provider,
            extra_roots,
            inner: OnceLock::new(),
        }
    }

    /// Whether the roots have been loaded (tests and benchmarks look at this).
    pub fn roots_loaded(&self) -> bool {
        self.inner.get().is_some()
    }

    fn inner(&self) -> Result<&rustls_platform_verifier::Verifier, rustls::Error> {
        self.inner
            .get_or_init(|| {
                let provider = self.provider.clone();
                let built = if self.extra_roots.is_empty() {
                    rustls_platform_verifier::Verifier::new(provider)
                } else {
                    let extra = self.extra_roots.clone();
                    rustls_platform_verifier::Verifier::new_with_extra_roots(extra, provider)
                };
                built.map_err(|e| {
                    format!("could not load the system's trusted certificate authorities: {e}")
                })
            })
            .as_ref()
            .map_err(|why| rustls::Error::General(why.clone()))
    }
}

impl ServerCertVerifier for LazyPlatformVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        self.inner()?
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        // What the platform verifier does, without needing its roots.
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn building_a_config_loads_no_roots() {
        let verifier = LazyPlatformVerifier::new(provider());
        assert!(!verifier.roots_loaded());
        assert!(!verifier.supported_verify_schemes().is_empty());
        assert!(!verifier.roots_loaded());
        let config = client_config().map_err(|e| e.to_string());
        assert!(config.is_ok(), "{config:?}");
    }

    #[test]
    fn a_garbage_certificate_is_refused_after_loading_the_roots() {
        let verifier = LazyPlatformVerifier::new(provider());
        let name = ServerName::try_from("registry.example").map_err(|e| e.to_string());
        let Ok(name) = name else { panic!("{name:?}") };
        let result = verifier.verify_server_cert(
            &CertificateDer::from(vec![0x30, 0x03, 0x02, 0x01, 0x01]),
            &[],
            &name,
            &[],
            UnixTime::now(),
        );
        assert!(result.is_err(), "a malformed certificate was accepted");
        assert!(verifier.roots_loaded());
    }
}

/// A real handshake against `openssl s_server` with a self-signed certificate: the connection
/// must be refused for the certificate (the verifier really verifies), and the roots get loaded.
#[cfg(test)]
mod handshake {
    use super::testing::{openssl_available, s_server};
    use std::process::Command;

    #[tokio::test]
    async fn a_self_signed_registry_is_refused() {
        if !openssl_available() {
            eprintln!("!!! SKIPPING: openssl is not installed");
            return;
        }
        let dir = tempfile::tempdir().expect("tempdir");
        let (key, cert) = (dir.path().join("key.pem"), dir.path().join("cert.pem"));
        let made = Command::new("openssl")
            .args([
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
            ])
            .args(["-nodes", "-days", "1", "-subj", "/CN=127.0.0.1"])
            .args(["-addext", "subjectAltName=IP:127.0.0.1", "-keyout"])
            .arg(&key)
            .arg("-out")
            .arg(&cert)
            .output()
            .expect("openssl req");
        assert!(
            made.status.success(),
            "{}",
            String::from_utf8_lossy(&made.stderr)
        );
        let server = s_server(&cert, &key);

        let client = reqwest::Client::builder()
            .tls_backend_preconfigured(super::client_config().expect("config"))
            .build()
            .expect("client");
        let result = client.get(format!("https://{}/", server.addr)).send().await;
        drop(server);
        let err = match result {
            Ok(r) => panic!("a self-signed server was accepted: {}", r.status()),
            Err(e) => e,
        };
        let chain = {
            let mut s = err.to_string();
            let mut src = std::error::Error::source(&err);
            while let Some(e) = src {
                s.push_str(&format!(": {e}"));
                src = e.source();
            }
            s
        };
        assert!(
            chain.contains("invalid peer certificate"),
            "refused, but not for its certificate: {chain}"
        );
        assert!(
            super::failure_in(&err).is_some(),
            "no rustls error found in {err:?}"
        );
    }
}
