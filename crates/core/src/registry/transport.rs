//! How each registry host is reached: the scheme and the HTTP client, decided once per host.
//!
//! The rule (containers tools' and docker's, made strict):
//! 1. A host with its own TLS material — a `certs.d` folder (see [`crate::tls::for_host`]) or a
//!    CA file in the settings — is reached over HTTPS with that material, loopback included,
//!    even when it is also listed as insecure.
//! 2. Otherwise a host listed as insecure is reached over plain HTTP.
//! 3. Otherwise a loopback host (`localhost`, 127.0.0.0/8, `::1`) is probed once per process
//!    ([`crate::tls::speaks_tls`]): HTTPS when it answers a ClientHello with TLS, plain HTTP only
//!    when its answer is not TLS at all. The answer is remembered for the process.
//! 4. Every other host: HTTPS with the platform's roots.
//!
//! *Invariant: a certificate failure never leads to plain HTTP.* The probe looks at no
//! certificate, and once HTTPS is chosen every failure of it is reported as it is
//! ([`RegistryError::Tls`]), never retried over HTTP.
//!
//! Hosts without material share the batch's one client (its roots loaded on the first
//! handshake, so a plain-HTTP batch never reads a CA bundle); a host with material gets its own
//! client, built when it is first reached.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use super::error::RegistryError;
use super::{Registry, RegistryOptions};
use crate::reference::is_loopback_host;
use crate::tls::{HostTls, Speaks};

/// How one host is reached.
#[derive(Clone, Debug)]
pub(super) struct Route {
    pub(super) scheme: &'static str,
    pub(super) client: reqwest::Client,
    /// The host's own TLS material, when it has some.
    pub(super) tls: Option<Arc<HostTls>>,
}

/// The routes of one [`Registry`], each decided at most once (concurrent first requests wait
/// for the same decision).
#[derive(Default)]
pub(super) struct Routes {
    hosts: Mutex<HashMap<String, Arc<tokio::sync::OnceCell<Route>>>>,
}

/// Loopback hosts already probed by this process: `true` when they speak TLS.
fn probed() -> &'static Mutex<HashMap<String, bool>> {
    static PROBED: OnceLock<Mutex<HashMap<String, bool>>> = OnceLock::new();
    PROBED.get_or_init(Default::default)
}

impl Routes {
    /// The route already decided for `host`, if any.
    pub(super) fn decided(&self, host: &str) -> Option<Route> {
        let hosts = self.hosts.lock().unwrap_or_else(|e| e.into_inner());
        hosts.get(host).and_then(|c| c.get().cloned())
    }

    /// Every host decided to be plain HTTP so far.
    pub(super) fn plain_hosts(&self) -> Vec<String> {
        let hosts = self.hosts.lock().unwrap_or_else(|e| e.into_inner());
        let plain = hosts
            .iter()
            .filter(|(_, c)| c.get().is_some_and(|r| r.scheme == "http"));
        plain.map(|(h, _)| h.clone()).collect()
    }

    /// The CAs of every host decided so far that has its own (for oci-client's pushes).
    pub(super) fn extra_roots(&self) -> Vec<oci_client::client::Certificate> {
        let hosts = self.hosts.lock().unwrap_or_else(|e| e.into_inner());
        let tls = hosts.values().filter_map(|c| c.get()?.tls.clone());
        let roots: Vec<_> = tls.flat_map(|t| t.roots.clone()).collect();
        let der = |c: rustls::pki_types::CertificateDer<'static>| oci_client::client::Certificate {
            encoding: oci_client::client::CertificateEncoding::Der,
            data: c.to_vec(),
        };
        roots.into_iter().map(der).collect()
    }

    fn cell(&self, host: &str) -> Arc<tokio::sync::OnceCell<Route>> {
        let mut hosts = self.hosts.lock().unwrap_or_else(|e| e.into_inner());
        hosts.entry(host.to_string()).or_default().clone()
    }
}

impl Registry {
    /// How `host` is reached (decided on the first call, see the module docs).
    pub(super) async fn route(&self, host: &str) -> Result<Route, RegistryError> {
        let cell = self.routes.cell(host);
        cell.get_or_try_init(|| self.decide(host)).await.cloned()
    }

    /// The scheme for `host` (`http` or `https`).
    pub(super) async fn scheme(&self, host: &str) -> Result<&'static str, RegistryError> {
        Ok(self.route(host).await?.scheme)
    }

    /// Whether requests to `host` present a client certificate.
    pub(super) fn presents_client_certificate(&self, host: &str) -> bool {
        let route = self.routes.decided(host);
        route.is_some_and(|r| r.tls.is_some_and(|t| t.has_client_certificate()))
    }

    /// The client for `host` when its route is decided, else the shared one.
    pub(super) fn client_for(&self, host: &str) -> reqwest::Client {
        self.routes
            .decided(host)
            .map_or_else(|| self.http.clone(), |r| r.client)
    }

    async fn decide(&self, host: &str) -> Result<Route, RegistryError> {
        let plain = |client: &reqwest::Client| Route {
            scheme: "http",
            client: client.clone(),
            tls: None,
        };
        let tls = crate::tls::for_host(&self.opts.certs_d, host, self.opts.ca_file(host)).map_err(
            |problem| RegistryError::TlsSetup {
                host: host.into(),
                problem,
            },
        )?;
        if let Some(tls) = tls {
            let client = super::http::client(&self.opts, Some(&tls)).map_err(|e| match e {
                RegistryError::Unreachable { detail, .. } => RegistryError::Unreachable {
                    host: host.into(),
                    detail,
                },
                other => other,
            })?;
            return Ok(Route {
                scheme: "https",
                client,
                tls: Some(Arc::new(tls)),
            });
        }
        let https = Route {
            scheme: "https",
            client: self.http.clone(),
            tls: None,
        };
        if self.opts.insecure.iter().any(|h| h == host) {
            return Ok(plain(&self.http));
        }
        if !is_loopback_host(host) {
            return Ok(https);
        }
        let known = probed()
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(host)
            .copied();
        let speaks_tls = match known {
            Some(answer) => answer,
            None => {
                let answer = crate::tls::speaks_tls(host, self.opts.connect_timeout)
                    .await
                    .map_err(|detail| RegistryError::Unreachable {
                        host: host.into(),
                        detail: format!("could not tell whether it speaks TLS: {detail}"),
                    })?
                    == Speaks::Tls;
                let mut memo = probed().lock().unwrap_or_else(|e| e.into_inner());
                memo.insert(host.to_string(), answer);
                answer
            }
        };
        Ok(if speaks_tls { https } else { plain(&self.http) })
    }
}

impl RegistryOptions {
    /// The CA file the settings name for `host`, if any.
    pub(super) fn ca_file(&self, host: &str) -> Option<&std::path::Path> {
        self.ca_files
            .iter()
            .find(|(h, _)| h == host)
            .map(|(_, p)| p.as_path())
    }
}

/// The `(host, CA file)` pairs of `settings`' registries that name one.
pub fn ca_files_in(settings: &crate::config::Settings) -> Vec<(String, PathBuf)> {
    let with_ca = settings.registries.iter().filter_map(|r| {
        let ca = r.ca_file.as_deref().filter(|p| !p.is_empty())?;
        Some((r.host.clone(), PathBuf::from(ca)))
    });
    with_ca.collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference::ImageRef;
    use crate::registry::TlsProblem;
    use crate::tls::testing::{mint_ca_and_server, openssl_available, s_server};
    use std::time::Duration;

    fn client(certs_d: &std::path::Path, insecure: &[String]) -> Arc<Registry> {
        let opts = RegistryOptions {
            insecure: insecure.to_vec(),
            certs_d: vec![certs_d.to_path_buf()],
            request_timeout: Duration::from_secs(5),
            ..RegistryOptions::default()
        };
        let c = Registry::new(opts, []).expect("client");
        let _ = c.credentials.files.set(Vec::new());
        c
    }

    /// A real TLS server on loopback (openssl s_server, which answers any GET with a page):
    /// with its CA in a `certs.d` folder it is reached over HTTPS even though it is also listed
    /// as insecure; without, the loopback probe finds TLS and the certificate is refused as an
    /// unknown CA — an error, never a plain-HTTP retry.
    #[tokio::test]
    async fn a_ca_means_https_and_a_refused_certificate_is_never_retried_over_http() {
        if !openssl_available() {
            eprintln!("!!! SKIPPING: openssl is not installed");
            return;
        }
        let dir = tempfile::tempdir().expect("tempdir");
        let (ca, cert, key) = mint_ca_and_server(dir.path());
        let server = s_server(&cert, &key);
        let host = server.addr.clone();
        let r = ImageRef::parse(&format!("{host}/evil/app:v1")).expect("reference");
        let with_ca = dir.path().join("certs.d");
        std::fs::create_dir_all(with_ca.join(&host)).expect("host folder");
        std::fs::copy(&ca, with_ca.join(&host).join("ca.crt")).expect("copy");

        let c = client(&with_ca, std::slice::from_ref(&host));
        let got = c
            .manifest(&r, "v1", false)
            .await
            .expect("reached over HTTPS");
        let page = got.map(|m| String::from_utf8_lossy(&m.bytes).to_string());
        assert!(
            page.is_some_and(|p| p.contains("s_server")),
            "not the TLS server's page"
        );
        assert_eq!(c.scheme(&host).await.expect("scheme"), "https");

        let empty = dir.path().join("empty");
        let c = client(&empty, &[]);
        let e = c.manifest(&r, "v1", false).await.expect_err("unknown CA");
        assert!(
            matches!(&e, RegistryError::Tls { problem: TlsProblem::UnknownCa, host: h } if *h == host),
            "{e:?}"
        );
        assert_eq!(c.scheme(&host).await.expect("scheme"), "https");
    }
}
