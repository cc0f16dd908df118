//! Whether a server speaks TLS at all: the question asked once per loopback registry without
//! TLS material before choosing between HTTPS and plain HTTP (docker's rule for localhost,
//! made strict).
//!
//! The probe sends a real TLS ClientHello and reads the first bytes the server sends back. A TLS
//! server answers with a TLS record (a handshake or an alert: content type 0x15/0x16, version
//! 0x03 0x0?); a plain-HTTP server answers the garbage with an HTTP error (`HTTP/1.1 400 …`).
//! Only an answer that is positively *not* a TLS record counts as "no TLS": silence, a closed
//! connection or a reset decide nothing (an error, asked again next time), so nothing an
//! interrupted TLS server does can downgrade a connection to plain HTTP. Certificates are never
//! looked at here — the handshake is not continued — so the probe loads no roots, sends no
//! HTTP request to a TLS server and no credential anywhere.

use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

/// What the server answered to a ClientHello.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Speaks {
    Tls,
    /// Its first bytes are not a TLS record.
    NotTls,
}

/// Sends a ClientHello to `host` (`host[:port]`, port 443 when absent) and classifies the
/// answer. An error says what happened when the answer decided nothing.
pub(crate) async fn speaks_tls(host: &str, timeout: Duration) -> Result<Speaks, String> {
    let (name, addr) = split(host);
    let server_name = rustls::pki_types::ServerName::try_from(name.to_string())
        .map_err(|e| format!("{name} is not a host name TLS can use: {e}"))?;
    let config = super::client_config().map_err(|e| format!("could not set up TLS: {e}"))?;
    let mut conn = rustls::ClientConnection::new(Arc::new(config), server_name)
        .map_err(|e| format!("could not start a TLS handshake: {e}"))?;
    let mut hello = Vec::new();
    while conn.wants_write() {
        conn.write_tls(&mut hello)
            .map_err(|e| format!("could not write a TLS handshake: {e}"))?;
    }
    let exchange = async {
        let mut stream = tokio::net::TcpStream::connect(&addr).await?;
        stream.write_all(&hello).await?;
        let mut first = [0u8; 2];
        let mut got = 0;
        while got < first.len() {
            match stream.read(&mut first[got..]).await? {
                0 => break,
                n => got += n,
            }
        }
        Ok::<_, std::io::Error>(first[..got].to_vec())
    };
    let first = tokio::time::timeout(timeout, exchange)
        .await
        .map_err(|_| {
            format!(
                "no answer to a TLS handshake within {} s",
                timeout.as_secs()
            )
        })?
        .map_err(|e| e.to_string())?;
    classify(&first).ok_or_else(|| "the connection closed before any answer".into())
}

/// What a full TLS handshake with `host` runs into, asked after a request over HTTPS failed
/// without saying why. With TLS 1.3 a server that wants a client certificate refuses only after
/// the client has finished its side of the handshake, by an alert that races the client's
/// first request: the HTTP stack may report a closed connection ("connection was not ready")
/// instead of the alert. This handshake sends no request (so no credential, no path) and
/// listens a moment past its end for that alert. `None`: nothing went wrong that TLS can name
/// (or the server stayed silent within `timeout`).
pub(crate) async fn handshake_failure(
    host: &str,
    material: Option<&super::HostTls>,
    timeout: Duration,
) -> Option<rustls::Error> {
    let (name, addr) = split(host);
    let server_name = rustls::pki_types::ServerName::try_from(name.to_string()).ok()?;
    let config = super::client_config_for(material).ok()?;
    let mut conn = rustls::ClientConnection::new(Arc::new(config), server_name).ok()?;
    let exchange = async {
        let mut stream = tokio::net::TcpStream::connect(&addr).await.ok()?;
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            let mut out = Vec::new();
            while conn.wants_write() {
                conn.write_tls(&mut out).ok()?;
            }
            if !out.is_empty() {
                stream.write_all(&out).await.ok()?;
            }
            let n = stream.read(&mut buf).await.ok()?;
            if n == 0 {
                return None;
            }
            let mut got = &buf[..n];
            while !got.is_empty() {
                conn.read_tls(&mut got).ok()?;
                if let Err(e) = conn.process_new_packets() {
                    return Some(e);
                }
            }
        }
    };
    tokio::time::timeout(timeout, exchange).await.ok().flatten()
}

/// A TLS record starts with a content type (change_cipher_spec, alert, handshake, application
/// data: 0x14–0x17) and the major version 3. `None`: nothing was received.
fn classify(first: &[u8]) -> Option<Speaks> {
    let tls = match first {
        [] => return None,
        [t] => (0x14..=0x17).contains(t),
        [t, major, ..] => (0x14..=0x17).contains(t) && *major == 3,
    };
    Some(if tls { Speaks::Tls } else { Speaks::NotTls })
}

/// How the probe reads a server's first bytes (`Some(true)`: a TLS record, `None`: nothing
/// received) and the `(name for TLS, address)` it uses for `host`. Exists only so the fuzz
/// target `tls_files` and its corpus replay can reach the private readers.
#[doc(hidden)]
pub fn probe_reading(first: &[u8], host: &str) -> (Option<bool>, String, String) {
    let (name, addr) = split(host);
    (
        classify(first).map(|s| s == Speaks::Tls),
        name.to_string(),
        addr,
    )
}

/// `(name for TLS, address to connect to)`: `[::1]:5000` → (`::1`, `[::1]:5000`),
/// `localhost` → (`localhost`, `localhost:443`).
fn split(host: &str) -> (&str, String) {
    if let Some(rest) = host.strip_prefix('[') {
        let (ip, after) = rest.split_once(']').unwrap_or((rest, ""));
        let addr = if after.starts_with(':') {
            host.to_string()
        } else {
            format!("[{ip}]:443")
        };
        return (ip, addr);
    }
    match host.rsplit_once(':') {
        Some((name, port)) if port.chars().all(|c| c.is_ascii_digit()) && !name.contains(':') => {
            (name, host.to_string())
        }
        _ => (host, format!("{host}:443")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_classified_by_their_first_bytes() {
        assert_eq!(classify(b"\x16\x03\x03\x00\x7a"), Some(Speaks::Tls));
        assert_eq!(classify(b"\x15\x03"), Some(Speaks::Tls));
        assert_eq!(classify(b"\x16"), Some(Speaks::Tls));
        assert_eq!(classify(b"HTTP/1.1 400 Bad Request"), Some(Speaks::NotTls));
        assert_eq!(classify(b"\x16\x48"), Some(Speaks::NotTls));
        assert_eq!(classify(b""), None);
    }

    #[test]
    fn hosts_split_into_a_name_and_an_address() {
        assert_eq!(
            split("127.0.0.1:5000"),
            ("127.0.0.1", "127.0.0.1:5000".into())
        );
        assert_eq!(split("localhost"), ("localhost", "localhost:443".into()));
        assert_eq!(split("[::1]:5000"), ("::1", "[::1]:5000".into()));
        assert_eq!(split("[::1]"), ("::1", "[::1]:443".into()));
    }

    /// A plain-HTTP server (the fake registry) is told apart from silence: it answers the
    /// ClientHello with an HTTP error; a server that never answers is an error, not "no TLS".
    #[tokio::test]
    async fn a_plain_server_is_not_tls_and_silence_decides_nothing() {
        let (addr, log) = crate::test_support::fake::serve(Default::default());
        let got = speaks_tls(&addr, Duration::from_secs(5)).await;
        assert_eq!(got, Ok(Speaks::NotTls));
        assert!(
            log.lock().expect("log").is_empty(),
            "the probe was logged as a request"
        );

        let silent = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = silent.local_addr().expect("addr").to_string();
        let got = speaks_tls(&addr, Duration::from_millis(300)).await;
        assert!(
            got.as_ref().is_err_and(|e| e.contains("no answer")),
            "{got:?}"
        );
        drop(silent);
    }

    /// After a request over HTTPS broke without a reason, the diagnostic handshake names a TLS
    /// 1.3 server's demand for a client certificate (the alert that may lose the race with the
    /// request), and finds nothing wrong with a server that asks for none.
    #[tokio::test]
    async fn the_diagnostic_handshake_hears_a_demand_for_a_client_certificate() {
        use crate::tls::testing::{mint_ca_and_server, openssl_available, s_server_with};
        if !openssl_available() {
            eprintln!("SKIPPED: the openssl command is not installed");
            return;
        }
        let dir = tempfile::tempdir().expect("tempdir");
        let (ca, cert, key) = mint_ca_and_server(dir.path());
        let material = crate::tls::for_host(&[], "127.0.0.1", Some(&ca))
            .expect("the CA reads")
            .expect("material");
        assert!(!material.has_client_certificate());
        let strict = s_server_with(&cert, &key, &["-tls1_3", "-Verify", "1"]);
        let got = handshake_failure(&strict.addr, Some(&material), Duration::from_secs(5)).await;
        assert!(
            matches!(
                got,
                Some(rustls::Error::AlertReceived(
                    rustls::AlertDescription::CertificateRequired
                ))
            ),
            "{got:?}"
        );
        let open = s_server_with(&cert, &key, &["-tls1_3"]);
        let got = handshake_failure(&open.addr, Some(&material), Duration::from_millis(500)).await;
        assert!(got.is_none(), "{got:?}");
        // Without the CA the same server is refused for its certificate, as the request was.
        let got = handshake_failure(&open.addr, None, Duration::from_secs(5)).await;
        assert!(
            matches!(got, Some(rustls::Error::InvalidCertificate(_))),
            "{got:?}"
        );
    }
}
