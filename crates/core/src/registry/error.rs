//! Why a registry could not be used: [`RegistryError`], with the registry's own OCI error
//! envelope ([`ErrorEnvelope`]) kept when it sent one, and what went wrong with a credential
//! helper ([`HelperProblem`]).
//!
//! Invariant: every string that came from the network or from a helper is bounded and stripped of
//! control characters before it lands in an error (`sanitize`); no error holds a token, a
//! password or a helper's answer.

use std::time::Duration;

/// Most characters kept of one message a registry or helper sent.
const MAX_MESSAGE_CHARS: usize = 200;
/// Most entries of an envelope kept.
const MAX_ENVELOPE_ERRORS: usize = 4;
/// Most characters of an error code.
const MAX_CODE_CHARS: usize = 64;

/// Why the registry could not be used. Messages name the host and what was asked, never a
/// credential.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RegistryError {
    #[error("could not reach the registry {host}: {detail}")]
    Unreachable { host: String, detail: String },
    #[error("the registry {host} did not answer within {secs} s while fetching {what}")]
    Timeout {
        host: String,
        what: String,
        secs: u64,
    },
    #[error("{what} from {host} is larger than the {limit}-byte limit; refusing to read it")]
    TooLarge {
        host: String,
        what: String,
        limit: u64,
    },
    #[error("the registry {host} refused access to {what} (HTTP {code}): no credentials it accepts were found")]
    Unauthorized {
        host: String,
        what: String,
        code: u16,
    },
    #[error("{what} was not found on {host}")]
    NotFound { host: String, what: String },
    /// The registry refused the request and said why in an OCI error envelope
    /// (`{"errors":[{"code":"DENIED","message":…}]}`): its codes and messages are kept, so a
    /// denied push is not reported as a missing image.
    #[error("the registry {host} refused {what}{}: {envelope}", http_note(*.status))]
    Refused {
        host: String,
        what: String,
        /// The HTTP status, when known (oci-client does not report it for every answer).
        status: Option<u16>,
        envelope: ErrorEnvelope,
    },
    /// The registry asked (`Retry-After` on a `429` or `503`) to wait longer than Vouch waits
    /// for one request.
    #[error("the registry {host} is limiting requests (HTTP {status}) and asked to wait {wait_secs} s before fetching {what} again, longer than Vouch waits; try again after {retry_at}")]
    RateLimited {
        host: String,
        what: String,
        status: u16,
        wait_secs: u64,
        /// When the registry will answer again, `YYYY-MM-DD HH:MM:SS UTC`.
        retry_at: String,
    },
    #[error("the registry {host} answered HTTP {code} for {what}")]
    Status {
        host: String,
        what: String,
        code: u16,
    },
    #[error("the registry {host} served {what} whose bytes hash to {actual}, not {expected}")]
    DigestMismatch {
        host: String,
        what: String,
        expected: String,
        actual: String,
    },
    #[error("the registry {host} sent a malformed answer for {what}: {detail}")]
    Protocol {
        host: String,
        what: String,
        detail: String,
    },
    /// The registry (or its token service) refused the credentials Vouch sent: a wrong or stale
    /// password. `from` says where they came from (a file and entry, or a helper), never them.
    #[error("the registry {host} refused the credentials from {from} for {what} (HTTP {code}){}", detail_note(.detail))]
    CredentialsRejected {
        host: String,
        what: String,
        code: u16,
        from: String,
        /// What the registry said (bounded, sanitized), or empty.
        detail: String,
    },
    /// The TLS connection was refused, for a reason [`TlsProblem`] names. Never followed by a
    /// plain-HTTP attempt.
    #[error("could not connect securely to the registry {host}: {problem}")]
    Tls { host: String, problem: TlsProblem },
    /// The registry's own TLS files (`certs.d`, the settings' CA file) cannot be used.
    #[error("the TLS files for the registry {host} cannot be used: {problem}")]
    TlsSetup {
        host: String,
        problem: crate::tls::TlsSetupError,
    },
    /// The credential helper configured for `host` (`credHelpers` / `credsStore`) failed.
    #[error("the credential helper {helper} for {host} {problem}")]
    CredentialHelper {
        host: String,
        /// The program, `docker-credential-<name>`.
        helper: String,
        problem: HelperProblem,
    },
}

/// `t` as `YYYY-MM-DD HH:MM:SS UTC`.
pub(crate) fn utc_time(t: time::OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

fn detail_note(detail: &str) -> String {
    if detail.is_empty() {
        String::new()
    } else {
        format!(": {detail}")
    }
}

fn http_note(status: Option<u16>) -> String {
    status.map(|s| format!(" (HTTP {s})")).unwrap_or_default()
}

impl RegistryError {
    /// Whether the registry served content that contradicts its digest (an `invalid` verdict
    /// rather than `error`).
    pub fn is_integrity(&self) -> bool {
        matches!(self, RegistryError::DigestMismatch { .. })
    }

    /// The registry the failure came from.
    pub fn host(&self) -> &str {
        match self {
            RegistryError::Unreachable { host, .. }
            | RegistryError::Timeout { host, .. }
            | RegistryError::TooLarge { host, .. }
            | RegistryError::Unauthorized { host, .. }
            | RegistryError::NotFound { host, .. }
            | RegistryError::Refused { host, .. }
            | RegistryError::Status { host, .. }
            | RegistryError::RateLimited { host, .. }
            | RegistryError::DigestMismatch { host, .. }
            | RegistryError::Protocol { host, .. }
            | RegistryError::CredentialsRejected { host, .. }
            | RegistryError::Tls { host, .. }
            | RegistryError::TlsSetup { host, .. }
            | RegistryError::CredentialHelper { host, .. } => host,
        }
    }

    /// The registry's error envelope, when it sent one.
    pub fn envelope(&self) -> Option<&ErrorEnvelope> {
        match self {
            RegistryError::Refused { envelope, .. } => Some(envelope),
            _ => None,
        }
    }

    /// Whether the registry answered with the OCI error `code`.
    pub fn has_code(&self, code: &OciErrorCode) -> bool {
        self.envelope().is_some_and(|e| e.has(code))
    }

    /// A failure answer: its envelope when it sent one, else what the status says.
    pub(crate) fn from_answer(
        host: &str,
        what: &str,
        status: u16,
        envelope: Option<ErrorEnvelope>,
    ) -> RegistryError {
        let (host, what) = (host.to_string(), what.to_string());
        match (envelope, status) {
            (Some(envelope), _) => RegistryError::Refused {
                host,
                what,
                status: Some(status),
                envelope,
            },
            (None, 404) => RegistryError::NotFound { host, what },
            (None, 401 | 403) => RegistryError::Unauthorized {
                host,
                what,
                code: status,
            },
            (None, code) => RegistryError::Status { host, what, code },
        }
    }

    /// A transport failure (reqwest errors carry the URL, never a credential: those travel in
    /// headers).
    pub(crate) fn from_reqwest(
        host: &str,
        what: &str,
        timeout: Duration,
        e: reqwest::Error,
    ) -> RegistryError {
        if let Some(problem) = crate::tls::failure_in(&e).and_then(TlsProblem::from_rustls) {
            return RegistryError::Tls {
                host: host.into(),
                problem,
            };
        }
        if e.is_timeout() {
            return RegistryError::Timeout {
                host: host.into(),
                what: what.into(),
                secs: timeout.as_secs(),
            };
        }
        let mut detail = e.to_string();
        let mut src = std::error::Error::source(&e);
        while let Some(s) = src {
            detail = format!("{detail}: {s}");
            src = s.source();
        }
        if e.is_redirect() {
            return RegistryError::Protocol {
                host: host.into(),
                what: what.into(),
                detail: format!("it redirected the request in a loop or too many times ({detail})"),
            };
        }
        if e.is_body() || e.is_decode() {
            // The answer had begun: the registry was reached, its answer broke off.
            return RegistryError::Protocol {
                host: host.into(),
                what: what.into(),
                detail: format!("the answer broke off before its end ({detail})"),
            };
        }
        RegistryError::Unreachable {
            host: host.into(),
            detail,
        }
    }

    /// An oci-client failure (pushes). Envelopes are kept whichever way oci-client reports
    /// them: parsed (`RegistryError`, status not kept by oci-client) or as the raw body of a
    /// `ServerError`.
    pub(crate) fn from_oci_client(
        host: &str,
        what: &str,
        timeout: Duration,
        e: oci_client::errors::OciDistributionError,
    ) -> RegistryError {
        use oci_client::errors::OciDistributionError as E;
        match e {
            E::UnauthorizedError { .. } => RegistryError::Unauthorized {
                host: host.into(),
                what: what.into(),
                code: 401,
            },
            E::RegistryError { envelope, .. } => match ErrorEnvelope::from_oci_client(&envelope) {
                Some(envelope) => RegistryError::Refused {
                    host: host.into(),
                    what: what.into(),
                    status: None,
                    envelope,
                },
                None => RegistryError::Protocol {
                    host: host.into(),
                    what: what.into(),
                    detail: "an error answer without any error code".into(),
                },
            },
            E::ServerError { code, message, .. } => {
                let envelope = (message.len() as u64 <= super::http::MAX_ERROR_BODY)
                    .then(|| ErrorEnvelope::parse(message.as_bytes()))
                    .flatten();
                RegistryError::from_answer(host, what, code, envelope)
            }
            E::DigestError(d) => RegistryError::DigestMismatch {
                host: host.into(),
                what: what.into(),
                expected: "the digest asked for".into(),
                actual: sanitize(&d.to_string()),
            },
            E::RequestError(re) => RegistryError::from_reqwest(host, what, timeout, re),
            E::IoError(io) => RegistryError::Unreachable {
                host: host.into(),
                detail: io.to_string(),
            },
            other => RegistryError::Protocol {
                host: host.into(),
                what: what.into(),
                detail: sanitize(&other.to_string()),
            },
        }
    }
}

/// Why a TLS connection to a registry failed, in words a person can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TlsProblem {
    /// The chain does not lead to a trusted CA (the platform's or the host's own).
    #[error("its certificate was issued by an unknown certificate authority (unknown CA)")]
    UnknownCa,
    /// The certificate's validity ended; `not_after` is when (RFC 3339), when known.
    #[error("its certificate has expired{}", .not_after.as_ref().map(|t| format!(" (valid until {t})")).unwrap_or_default())]
    Expired { not_after: Option<String> },
    /// The certificate does not name the host connected to.
    #[error("its certificate is for {}, not {expected} (wrong host name)", names(.presented))]
    WrongName {
        expected: String,
        presented: Vec<String>,
    },
    /// The server asked for a client certificate and none is configured for the host.
    #[error("it requires a client certificate, and none is configured for this registry")]
    ClientCertificateRequired,
    /// The server did not accept the client certificate presented.
    #[error("it did not accept the client certificate configured for this registry")]
    ClientCertificateRefused,
    /// Any other certificate or handshake failure.
    #[error("{detail}")]
    Other { detail: String },
}

fn names(presented: &[String]) -> String {
    if presented.is_empty() {
        "no host name".into()
    } else {
        presented.join(", ")
    }
}

impl TlsProblem {
    /// The problem a rustls error stands for; `None` for errors that are not about the peer
    /// (none today, kept for errors added later).
    pub fn from_rustls(e: &rustls::Error) -> Option<TlsProblem> {
        use rustls::{AlertDescription as A, CertificateError as C};
        Some(match e {
            rustls::Error::InvalidCertificate(c) => match c {
                C::UnknownIssuer => TlsProblem::UnknownCa,
                C::Expired => TlsProblem::Expired { not_after: None },
                C::ExpiredContext { not_after, .. } => TlsProblem::Expired {
                    not_after: rfc3339(not_after.as_secs()),
                },
                C::NotValidForName => TlsProblem::WrongName {
                    expected: "this host".into(),
                    presented: Vec::new(),
                },
                C::NotValidForNameContext {
                    expected,
                    presented,
                } => TlsProblem::WrongName {
                    expected: sanitize(&server_name(expected)),
                    presented: presented
                        .iter()
                        .take(8)
                        .map(|n| presented_name(n))
                        .collect(),
                },
                other => TlsProblem::Other {
                    detail: format!("its certificate was refused: {other:?}"),
                },
            },
            rustls::Error::AlertReceived(A::CertificateRequired) => {
                TlsProblem::ClientCertificateRequired
            }
            rustls::Error::AlertReceived(
                A::BadCertificate | A::UnknownCA | A::CertificateUnknown,
            ) => TlsProblem::ClientCertificateRefused,
            other => TlsProblem::Other {
                detail: format!("the TLS handshake failed: {other}"),
            },
        })
    }
}

/// A name as webpki reports it (`DnsName("a.example")`, `IpAddress(127.0.0.1)`), as written.
fn presented_name(n: &str) -> String {
    let inner = n
        .split_once('(')
        .and_then(|(_, rest)| rest.strip_suffix(')'))
        .unwrap_or(n);
    sanitize(inner.trim_matches('"'))
}

fn server_name(n: &rustls::pki_types::ServerName<'_>) -> String {
    match n {
        rustls::pki_types::ServerName::DnsName(d) => d.as_ref().to_string(),
        rustls::pki_types::ServerName::IpAddress(ip) => std::net::IpAddr::from(*ip).to_string(),
        other => format!("{other:?}"),
    }
}

fn rfc3339(secs: u64) -> Option<String> {
    let t = time::OffsetDateTime::from_unix_timestamp(i64::try_from(secs).ok()?).ok()?;
    t.format(&time::format_description::well_known::Rfc3339)
        .ok()
}

/// What went wrong running a credential helper. Never holds what the helper printed on stdout
/// (that is where a secret goes).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HelperProblem {
    /// It did not finish in time; it was killed (and reaped).
    #[error("did not answer within {} and was stopped", secs(*.timeout))]
    TimedOut { timeout: Duration },
    /// It exited unsuccessfully; `stderr` is the first line it wrote there (bounded, sanitized).
    #[error("failed ({status}){}", stderr_note(.stderr))]
    Failed { status: String, stderr: String },
    /// It exited successfully but its answer is not `{"Username":…,"Secret":…}`.
    #[error("answered with something other than a credential (the answer is not shown: it may hold a secret)")]
    BadAnswer,
    /// It could not be started or talked to.
    #[error("could not be run: {detail}")]
    CouldNotRun { detail: String },
}

fn secs(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

fn stderr_note(stderr: &str) -> String {
    if stderr.is_empty() {
        " without saying why".to_string()
    } else {
        format!(": {stderr}")
    }
}

/// A code of an OCI distribution error (the spec's list, plus the ones registries add).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OciErrorCode {
    BlobUnknown,
    BlobUploadInvalid,
    BlobUploadUnknown,
    DigestInvalid,
    ManifestBlobUnknown,
    ManifestInvalid,
    ManifestUnknown,
    NameInvalid,
    NameUnknown,
    SizeInvalid,
    Unauthorized,
    Denied,
    Unsupported,
    TooManyRequests,
    /// `NOT_FOUND` (not in the spec; Harbor and others use it).
    NotFound,
    /// Any other code, as sent (upper-case letters, digits and `_` only, bounded).
    Other(String),
}

const CODES: &[(&str, OciErrorCode)] = &[
    ("BLOB_UNKNOWN", OciErrorCode::BlobUnknown),
    ("BLOB_UPLOAD_INVALID", OciErrorCode::BlobUploadInvalid),
    ("BLOB_UPLOAD_UNKNOWN", OciErrorCode::BlobUploadUnknown),
    ("DIGEST_INVALID", OciErrorCode::DigestInvalid),
    ("MANIFEST_BLOB_UNKNOWN", OciErrorCode::ManifestBlobUnknown),
    ("MANIFEST_INVALID", OciErrorCode::ManifestInvalid),
    ("MANIFEST_UNKNOWN", OciErrorCode::ManifestUnknown),
    ("NAME_INVALID", OciErrorCode::NameInvalid),
    ("NAME_UNKNOWN", OciErrorCode::NameUnknown),
    ("SIZE_INVALID", OciErrorCode::SizeInvalid),
    ("UNAUTHORIZED", OciErrorCode::Unauthorized),
    ("DENIED", OciErrorCode::Denied),
    ("UNSUPPORTED", OciErrorCode::Unsupported),
    ("TOOMANYREQUESTS", OciErrorCode::TooManyRequests),
    ("NOT_FOUND", OciErrorCode::NotFound),
];

impl OciErrorCode {
    /// The code as a registry writes it; anything that is not `[A-Za-z0-9_]` is dropped and the
    /// rest upper-cased and bounded. `None` when nothing is left.
    pub fn parse(code: &str) -> Option<OciErrorCode> {
        let clean: String = code
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
            .take(MAX_CODE_CHARS)
            .collect::<String>()
            .to_ascii_uppercase();
        if clean.is_empty() {
            return None;
        }
        Some(
            CODES
                .iter()
                .find(|(name, _)| *name == clean)
                .map(|(_, c)| c.clone())
                .unwrap_or(OciErrorCode::Other(clean)),
        )
    }

    /// The code as the spec spells it, e.g. `DENIED`.
    pub fn as_str(&self) -> &str {
        match self {
            OciErrorCode::Other(s) => s,
            known => CODES
                .iter()
                .find(|(_, c)| c == known)
                .map(|(name, _)| *name)
                .unwrap_or("UNKNOWN"),
        }
    }

    /// Codes that say "there is no such thing" (a `404` carrying only these is an absence).
    pub fn is_absence(&self) -> bool {
        matches!(
            self,
            OciErrorCode::BlobUnknown
                | OciErrorCode::ManifestUnknown
                | OciErrorCode::NameUnknown
                | OciErrorCode::NotFound
        )
    }
}

impl std::fmt::Display for OciErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One entry of an error envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OciError {
    pub code: OciErrorCode,
    /// The registry's message, bounded and without control characters (may be empty).
    pub message: String,
}

/// An OCI error envelope, `{"errors":[{"code":…,"message":…},…]}`: at least one entry, at most
/// a few, every string sanitized.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorEnvelope {
    errors: Vec<OciError>,
}

impl ErrorEnvelope {
    /// Parses an error body; `None` when it is not an envelope with at least one coded entry.
    pub fn parse(body: &[u8]) -> Option<ErrorEnvelope> {
        #[derive(serde::Deserialize)]
        struct Raw {
            errors: Vec<RawError>,
        }
        #[derive(serde::Deserialize)]
        struct RawError {
            code: serde_json::Value,
            #[serde(default)]
            message: serde_json::Value,
        }
        let raw: Raw = serde_json::from_slice(body).ok()?;
        Self::from_parts(raw.errors.iter().map(|e| {
            (
                e.code.as_str().unwrap_or(""),
                e.message.as_str().unwrap_or(""),
            )
        }))
    }

    /// The envelope oci-client parsed (pushes).
    pub(crate) fn from_oci_client(e: &oci_client::errors::OciEnvelope) -> Option<ErrorEnvelope> {
        // oci-client's code type serialises to the spelling the registry used.
        Self::from_parts(e.errors.iter().map(|x| {
            let code = serde_json::to_value(&x.code)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            (code, x.message.as_str())
        }))
    }

    fn from_parts<C: AsRef<str>, M: AsRef<str>>(
        parts: impl Iterator<Item = (C, M)>,
    ) -> Option<ErrorEnvelope> {
        let errors: Vec<OciError> = parts
            .filter_map(|(c, m)| {
                Some(OciError {
                    code: OciErrorCode::parse(c.as_ref())?,
                    message: sanitize(m.as_ref()),
                })
            })
            .take(MAX_ENVELOPE_ERRORS)
            .collect();
        (!errors.is_empty()).then_some(ErrorEnvelope { errors })
    }

    /// The entries, in the registry's order.
    pub fn errors(&self) -> &[OciError] {
        &self.errors
    }

    /// The codes, in the registry's order.
    pub fn codes(&self) -> impl Iterator<Item = &OciErrorCode> {
        self.errors.iter().map(|e| &e.code)
    }

    /// Whether any entry has `code`.
    pub fn has(&self, code: &OciErrorCode) -> bool {
        self.codes().any(|c| c == code)
    }

    /// Whether every entry says "no such thing".
    pub fn is_absence(&self) -> bool {
        self.codes().all(OciErrorCode::is_absence)
    }
}

impl std::fmt::Display for ErrorEnvelope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, e) in self.errors.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            if e.message.is_empty() {
                write!(f, "{}", e.code)?;
            } else {
                write!(f, "{}: {}", e.code, e.message)?;
            }
        }
        Ok(())
    }
}

/// Text from the outside made safe to show: control characters (terminal escapes, newlines)
/// become spaces, runs of spaces collapse, and at most [`MAX_MESSAGE_CHARS`] characters stay.
pub(crate) fn sanitize(s: &str) -> String {
    let mut out = String::new();
    let mut count = 0;
    for c in s.chars() {
        let c = if c.is_control() { ' ' } else { c };
        if c == ' ' && (out.is_empty() || out.ends_with(' ')) {
            continue;
        }
        if count == MAX_MESSAGE_CHARS {
            out.push('…');
            break;
        }
        out.push(c);
        count += 1;
    }
    out.truncate(out.trim_end().len());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The sentences of the TLS refusals, from the rustls errors they stand for.
    #[test]
    fn tls_refusals_say_the_host_and_the_reason() {
        use rustls::pki_types::{ServerName, UnixTime};
        use rustls::CertificateError as C;
        let shown = |e: rustls::Error| {
            let problem = TlsProblem::from_rustls(&e).expect("a TLS problem");
            RegistryError::Tls {
                host: "127.0.0.1:5443".into(),
                problem,
            }
            .to_string()
        };
        let prefix = "could not connect securely to the registry 127.0.0.1:5443: ";
        assert_eq!(
            shown(rustls::Error::InvalidCertificate(C::UnknownIssuer)),
            format!("{prefix}its certificate was issued by an unknown certificate authority (unknown CA)")
        );
        let expired = C::ExpiredContext {
            time: UnixTime::since_unix_epoch(Duration::from_secs(1_700_000_000)),
            not_after: UnixTime::since_unix_epoch(Duration::from_secs(1_600_000_000)),
        };
        assert_eq!(
            shown(rustls::Error::InvalidCertificate(expired)),
            format!("{prefix}its certificate has expired (valid until 2020-09-13T12:26:40Z)")
        );
        let name = ServerName::try_from("localhost").expect("name");
        let wrong = C::NotValidForNameContext {
            expected: name,
            presented: vec![
                "IpAddress(127.0.0.1)".into(),
                "DnsName(\"a.example\")".into(),
            ],
        };
        assert_eq!(
            shown(rustls::Error::InvalidCertificate(wrong)),
            format!("{prefix}its certificate is for 127.0.0.1, a.example, not localhost (wrong host name)")
        );
        let alert = rustls::Error::AlertReceived(rustls::AlertDescription::CertificateRequired);
        assert_eq!(
            shown(alert),
            format!("{prefix}it requires a client certificate, and none is configured for this registry")
        );
    }

    #[test]
    fn envelopes_keep_codes_and_messages() {
        let e = ErrorEnvelope::parse(
            br#"{"errors":[{"code":"DENIED","message":"requested access to the resource is denied","detail":{"x":1}},{"code":"ARTIFACT_LOCKED"}]}"#,
        )
        .expect("an envelope");
        assert!(e.has(&OciErrorCode::Denied));
        assert_eq!(
            e.codes().cloned().collect::<Vec<_>>(),
            vec![
                OciErrorCode::Denied,
                OciErrorCode::Other("ARTIFACT_LOCKED".into())
            ]
        );
        assert_eq!(
            e.to_string(),
            "DENIED: requested access to the resource is denied; ARTIFACT_LOCKED"
        );
        assert!(!e.is_absence());
        for (code, want) in [
            ("UNAUTHORIZED", OciErrorCode::Unauthorized),
            ("MANIFEST_UNKNOWN", OciErrorCode::ManifestUnknown),
            ("NAME_UNKNOWN", OciErrorCode::NameUnknown),
            ("TOOMANYREQUESTS", OciErrorCode::TooManyRequests),
            ("toomanyrequests", OciErrorCode::TooManyRequests),
        ] {
            assert_eq!(OciErrorCode::parse(code), Some(want.clone()));
            assert_eq!(OciErrorCode::parse(want.as_str()), Some(want));
        }
    }

    #[test]
    fn hostile_envelopes_are_bounded_and_stripped() {
        let long = "x".repeat(10_000);
        let body = serde_json::json!({"errors": [
            {"code": "DENIED\u{1b}[31m", "message": format!("line one\n\u{1b}[2Jline two {long}")},
            {"code": 42, "message": "not a code"},
            {"code": "A"}, {"code": "B"}, {"code": "C"}, {"code": "D"}, {"code": "E"}
        ]});
        let e = ErrorEnvelope::parse(&serde_json::to_vec(&body).expect("json")).expect("envelope");
        assert_eq!(e.errors().len(), MAX_ENVELOPE_ERRORS);
        // The escape's letters survive as letters, its ESC does not.
        assert_eq!(e.errors()[0].code, OciErrorCode::Other("DENIED31M".into()));
        let m = &e.errors()[0].message;
        assert!(m.starts_with("line one [2Jline two xxx"), "{m}");
        assert!(!m.chars().any(char::is_control), "{m:?}");
        assert!(m.chars().count() <= MAX_MESSAGE_CHARS + 1, "{}", m.len());
        assert!(ErrorEnvelope::parse(b"{\"errors\":[]}").is_none());
        assert!(ErrorEnvelope::parse(b"404 page not found").is_none());
        assert!(ErrorEnvelope::parse(b"{\"errors\":[{\"code\":\"\"}]}").is_none());
    }

    /// The defect: oci-client's parsed envelope became `NotFound`, so a denied push said the
    /// image was not found. Both ways oci-client reports an envelope keep its codes now.
    #[test]
    fn oci_client_envelopes_are_kept_not_turned_into_not_found() {
        use oci_client::errors::{OciDistributionError as E, OciEnvelope};
        let denied = br#"{"errors":[{"code":"DENIED","message":"requested access to the resource is denied"}]}"#;
        let parsed: OciEnvelope = serde_json::from_slice(denied).expect("oci-client parses it");
        let t = Duration::from_secs(5);
        let e = RegistryError::from_oci_client(
            "registry.example",
            "the manifest registry.example/app:v1",
            t,
            E::RegistryError {
                envelope: parsed,
                url: "https://registry.example/v2/app/manifests/v1".into(),
            },
        );
        assert!(
            matches!(&e, RegistryError::Refused { status: None, envelope, .. } if envelope.has(&OciErrorCode::Denied)),
            "{e:?}"
        );
        assert!(!e.to_string().contains("not found"), "{e}");
        assert_eq!(
            e.to_string(),
            "the registry registry.example refused the manifest registry.example/app:v1: DENIED: requested access to the resource is denied"
        );
        // Pushes mostly fail as `ServerError` with the body as text: a 404 NAME_UNKNOWN on a
        // push is a refusal with its code, not "not found"; 429 keeps TOOMANYREQUESTS.
        for (code, body, want) in [
            (
                404,
                r#"{"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known to registry"}]}"#,
                OciErrorCode::NameUnknown,
            ),
            (
                429,
                r#"{"errors":[{"code":"TOOMANYREQUESTS","message":"slow down"}]}"#,
                OciErrorCode::TooManyRequests,
            ),
            (
                403,
                std::str::from_utf8(denied).expect("utf8"),
                OciErrorCode::Denied,
            ),
        ] {
            let e = RegistryError::from_oci_client(
                "registry.example",
                "the blob",
                t,
                E::ServerError {
                    code,
                    url: "https://registry.example/v2/app/blobs/uploads/".into(),
                    message: body.into(),
                },
            );
            assert!(
                matches!(&e, RegistryError::Refused { status: Some(s), .. } if *s == code),
                "{e:?}"
            );
            assert!(e.has_code(&want), "{e:?}");
        }
        // Without an envelope the status still decides.
        let plain = RegistryError::from_oci_client(
            "registry.example",
            "the blob",
            t,
            E::ServerError {
                code: 502,
                url: "https://registry.example/".into(),
                message: "<html>bad gateway</html>".into(),
            },
        );
        assert!(
            matches!(plain, RegistryError::Status { code: 502, .. }),
            "{plain:?}"
        );
    }

    #[test]
    fn helper_problems_read_as_sentences() {
        let e = RegistryError::CredentialHelper {
            host: "registry.example".into(),
            helper: "docker-credential-stuck".into(),
            problem: HelperProblem::TimedOut {
                timeout: Duration::from_millis(300),
            },
        };
        assert_eq!(
            e.to_string(),
            "the credential helper docker-credential-stuck for registry.example did not answer within 0.3 s and was stopped"
        );
        let f = HelperProblem::Failed {
            status: "exit status 1".into(),
            stderr: String::new(),
        };
        assert_eq!(f.to_string(), "failed (exit status 1) without saying why");
    }
}
