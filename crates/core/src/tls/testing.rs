//! Test fixtures for real TLS handshakes: certificates minted with the openssl CLI and
//! `openssl s_server -www` (a real TLS server answering any GET with a status page) on
//! 127.0.0.1. Fixtures only, no assertions about Vouch.

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

pub(crate) fn openssl_available() -> bool {
    Command::new("openssl")
        .arg("version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

fn openssl(args: &[&str], dir: &Path) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A CA (`ca.crt`) and a certificate it issued for IP 127.0.0.1 (`server.crt`, `server.key`),
/// in `dir`.
pub(crate) fn mint_ca_and_server(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
    ];
    let ca = [
        &["req", "-x509"],
        &ec[..],
        &["-days", "1", "-subj", "/CN=test CA"],
    ]
    .concat();
    let ca_ext = ["-addext", "basicConstraints=critical,CA:TRUE"];
    let out = ["-keyout", "ca.key", "-out", "ca.crt"];
    openssl(&[&ca[..], &ca_ext, &out].concat(), dir);
    let csr = [&["req", "-new"], &ec[..], &["-subj", "/CN=server"]].concat();
    openssl(
        &[&csr[..], &["-keyout", "server.key", "-out", "server.csr"]].concat(),
        dir,
    );
    std::fs::write(dir.join("server.ext"), "subjectAltName=IP:127.0.0.1\n").expect("ext");
    let sign = [
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
    ];
    let rest = [
        "-CAcreateserial",
        "-days",
        "1",
        "-extfile",
        "server.ext",
        "-out",
        "server.crt",
    ];
    openssl(&[&sign[..], &rest].concat(), dir);
    (
        dir.join("ca.crt"),
        dir.join("server.crt"),
        dir.join("server.key"),
    )
}

/// `openssl s_server -www` on a free port of 127.0.0.1, stopped when dropped.
pub(crate) struct SServer {
    child: Child,
    /// `127.0.0.1:<port>`.
    pub(crate) addr: String,
}

impl Drop for SServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `openssl s_server -www` with `cert` and `key`; returns once it listens.
pub(crate) fn s_server(cert: &Path, key: &Path) -> SServer {
    s_server_with(cert, key, &[])
}

/// [`s_server`] with more options (`-Verify 1`: a client certificate is required).
pub(crate) fn s_server_with(cert: &Path, key: &Path, extra: &[&str]) -> SServer {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port");
    let addr = format!("127.0.0.1:{port}");
    let mut child = Command::new("openssl")
        .args(["s_server", "-www", "-accept", &addr, "-key"])
        .arg(key)
        .arg("-cert")
        .arg(cert)
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("openssl s_server");
    let stdout = child.stdout.take().expect("stdout");
    let server = SServer { child, addr };
    // s_server prints ACCEPT once it listens.
    let mut lines = BufReader::new(stdout).lines();
    assert!(
        lines.any(|l| l.is_ok_and(|l| l.contains("ACCEPT"))),
        "s_server did not start"
    );
    server
}
