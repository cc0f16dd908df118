//! Keyless publishers: the OIDC identity a Fulcio certificate must carry to vouch.
//!
//! An [`Identity`] is what a person trusts instead of a key: the OIDC issuer (compared exactly),
//! the subject — the certificate's SAN, an email or a URI — given exactly, as a glob, or as a
//! regular expression that is always anchored, and optionally the CI claims Fulcio writes into
//! the certificate ([`Claims`]). A [`TrustedIdentity`] adds what a trusted key has: publisher,
//! scopes, expiry, revocation, note; its standing is decided by the same [`Terms`](super::Terms) rule.
//!
//! The verifier extracts [`CertificateClaims`] from a certificate whose chain it has verified
//! and asks [`Identity::matches`]; a refusal is an [`IdentityMismatch`] naming the field, what
//! was expected and what the certificate says.
//!
//! Fulcio extensions compared (under 1.3.6.1.4.1.57264.1; only these, from Fulcio's v2
//! extension set, whose values are DER UTF8Strings):
//! - `1.3.6.1.4.1.57264.1.12` Source Repository URI ([`Claims::source_repository`]),
//! - `1.3.6.1.4.1.57264.1.14` Source Repository Ref ([`Claims::source_ref`]),
//! - `1.3.6.1.4.1.57264.1.18` Build Config URI ([`Claims::workflow`]),
//! - `1.3.6.1.4.1.57264.1.20` Build Trigger ([`Claims::trigger`]).
//!
//! The deprecated GitHub-only extensions (`.2` trigger, `.5` repository, `.6` ref) are never
//! used in their place: a certificate without the v2 extension does not meet a claim that
//! needs it. The issuer itself is `.8` (or the deprecated `.1`); the verifier puts it in
//! [`CertificateClaims::issuer`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use time::OffsetDateTime;

use super::KeyStatus;

/// Source Repository URI, e.g. `https://github.com/acme/app`.
pub const OID_SOURCE_REPOSITORY_URI: &str = "1.3.6.1.4.1.57264.1.12";
/// Source Repository Ref, e.g. `refs/tags/v1.2.0`.
pub const OID_SOURCE_REPOSITORY_REF: &str = "1.3.6.1.4.1.57264.1.14";
/// Build Config URI, e.g. `https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v1.2.0`.
pub const OID_BUILD_CONFIG_URI: &str = "1.3.6.1.4.1.57264.1.18";
/// Build Trigger, e.g. `push`.
pub const OID_BUILD_TRIGGER: &str = "1.3.6.1.4.1.57264.1.20";

/// The trusted root an identity is checked against when it names none.
pub const PUBLIC_GOOD_ROOT: &str = "public-good";

/// The longest subject, claim or pattern accepted, in bytes.
const MAX_TEXT: usize = 1024;
/// The compiled size limits of a subject regular expression.
const REGEX_SIZE_LIMIT: usize = 256 * 1024;
const REGEX_DFA_LIMIT: usize = 1024 * 1024;
const REGEX_NEST_LIMIT: u32 = 32;

/// What a verified Fulcio certificate says about who it was issued to: the plain data the
/// verifier extracts (it decides nothing) and [`Identity::matches`] judges.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CertificateClaims {
    /// The OIDC issuer (extension `1.3.6.1.4.1.57264.1.8`, or the deprecated `.1`).
    pub issuer: String,
    /// The certificate's subject alternative name.
    pub san: San,
    /// Fulcio's extensions under `1.3.6.1.4.1.57264.1`: dotted OID → the value as text.
    pub extensions: BTreeMap<String, String>,
}

/// A certificate's subject alternative name: Fulcio writes exactly one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
#[non_exhaustive]
pub enum San {
    /// An `rfc822Name`: a person's or a service account's email.
    Email(String),
    /// A `uniformResourceIdentifier`: a CI workflow, a SPIFFE id, …
    Uri(String),
}

impl Default for San {
    fn default() -> Self {
        San::Email(String::new())
    }
}

impl San {
    /// The name itself, whatever its kind.
    pub fn value(&self) -> &str {
        match self {
            San::Email(v) | San::Uri(v) => v,
        }
    }
}

/// How the certificate's SAN must look.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
// `Subject` is taken in the TypeScript contract by the in-toto statement's subject.
#[cfg_attr(feature = "ts", ts(rename = "IdentitySubject"))]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Subject {
    /// Exactly this email or URI.
    Exact(String),
    /// A glob over the SAN: `*` stands for any run of characters without `/` or `@`, `**` for
    /// any run without `@`; everything else is literal. The whole SAN must match.
    Glob(String),
    /// A regular expression (the `regex` crate's syntax) that must match the whole SAN: it is
    /// compiled as `^(?:RE)$`, never searched for inside the SAN.
    Regexp(String),
}

impl Subject {
    /// A subject given as text: a glob when it holds a `*`, otherwise exact.
    pub fn from_text(s: &str) -> Subject {
        let s = s.trim();
        if s.contains('*') {
            Subject::Glob(s.to_string())
        } else {
            Subject::Exact(s.to_string())
        }
    }

    /// The subject or pattern as written.
    pub fn text(&self) -> &str {
        match self {
            Subject::Exact(s) | Subject::Glob(s) | Subject::Regexp(s) => s,
        }
    }

    /// `exact`, `glob` or `regexp`.
    pub fn kind(&self) -> &'static str {
        match self {
            Subject::Exact(_) => "exact",
            Subject::Glob(_) => "glob",
            Subject::Regexp(_) => "regexp",
        }
    }

    /// The source of the anchored expression a glob or regexp compiles to, `^(?:…)$` (`None`
    /// for an exact subject): what an export writes where an engine searches a regular
    /// expression anywhere in the SAN.
    pub fn anchored_source(&self) -> Option<String> {
        match self {
            Subject::Exact(_) => None,
            Subject::Glob(g) => Some(format!("^(?:{})$", glob_to_regex(g))),
            Subject::Regexp(re) => Some(format!("^(?:{re})$")),
        }
    }

    /// The anchored expression a glob or regexp compiles to (`None` for an exact subject).
    fn anchored(&self) -> Result<Option<regex::Regex>, IdentityError> {
        let source = match self {
            Subject::Exact(_) => return Ok(None),
            Subject::Glob(g) => glob_to_regex(g),
            Subject::Regexp(re) => {
                // Compiled alone first: a pattern with an unbalanced `)` such as `a)|(b` would
                // otherwise escape the group it is wrapped in.
                compile(re)?;
                re.clone()
            }
        };
        compile(&format!("^(?:{source})$")).map(Some)
    }
}

impl std::fmt::Display for Subject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Subject::Exact(s) => write!(f, "`{s}`"),
            Subject::Glob(s) => write!(f, "the glob `{s}`"),
            Subject::Regexp(s) => write!(f, "the regular expression `{s}`"),
        }
    }
}

/// `*` → `[^/@]*`, `**` → `[^@]*`, the rest escaped.
fn glob_to_regex(glob: &str) -> String {
    let mut out = String::new();
    let mut rest = glob;
    while let Some(star) = rest.find('*') {
        out.push_str(&regex::escape(&rest[..star]));
        rest = &rest[star..];
        let stars = rest.len() - rest.trim_start_matches('*').len();
        out.push_str(if stars >= 2 { "[^@]*" } else { "[^/@]*" });
        rest = &rest[stars..];
    }
    out.push_str(&regex::escape(rest));
    out
}

fn compile(re: &str) -> Result<regex::Regex, IdentityError> {
    regex::RegexBuilder::new(re)
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(REGEX_DFA_LIMIT)
        .nest_limit(REGEX_NEST_LIMIT)
        .build()
        .map_err(|e| match e {
            regex::Error::CompiledTooBig(limit) => IdentityError::RegexTooBig {
                pattern: re.to_string(),
                limit,
            },
            other => IdentityError::BadRegex {
                pattern: re.to_string(),
                why: first_line(&other.to_string()),
            },
        })
}

/// The regex crate's messages draw the pattern over several lines; keep the sentence.
fn first_line(s: &str) -> String {
    s.lines()
        .rev()
        .find(|l| l.trim_start().starts_with("error:"))
        .map(|l| {
            l.trim_start()
                .trim_start_matches("error:")
                .trim()
                .to_string()
        })
        .unwrap_or_else(|| s.lines().next().unwrap_or_default().to_string())
}

/// One of the Fulcio claims an identity can require.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Claim {
    SourceRepository,
    SourceRef,
    Workflow,
    Trigger,
}

impl Claim {
    /// The Fulcio extension this claim is read from.
    pub fn oid(self) -> &'static str {
        match self {
            Claim::SourceRepository => OID_SOURCE_REPOSITORY_URI,
            Claim::SourceRef => OID_SOURCE_REPOSITORY_REF,
            Claim::Workflow => OID_BUILD_CONFIG_URI,
            Claim::Trigger => OID_BUILD_TRIGGER,
        }
    }
}

impl std::fmt::Display for Claim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Claim::SourceRepository => "source repository",
            Claim::SourceRef => "source ref",
            Claim::Workflow => "workflow (build config)",
            Claim::Trigger => "build trigger",
        })
    }
}

/// The CI claims an identity may require, each compared exactly with its extension.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Claims {
    /// The Source Repository URI, e.g. `https://github.com/acme/app`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_repository: Option<String>,
    /// The Source Repository Ref, e.g. `refs/heads/main`.
    #[serde(default, rename = "ref", skip_serializing_if = "Option::is_none")]
    pub source_ref: Option<String>,
    /// The Build Config URI. Given with `@`, it is compared whole; without, with the part of
    /// the URI before its `@` (the workflow at any ref: constrain the ref with `source_ref`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workflow: Option<String>,
    /// The Build Trigger, e.g. `push`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trigger: Option<String>,
}

impl Claims {
    pub fn is_empty(&self) -> bool {
        self.required().next().is_none()
    }

    /// The claims required, with their values.
    pub fn required(&self) -> impl Iterator<Item = (Claim, &str)> {
        [
            (Claim::SourceRepository, &self.source_repository),
            (Claim::SourceRef, &self.source_ref),
            (Claim::Workflow, &self.workflow),
            (Claim::Trigger, &self.trigger),
        ]
        .into_iter()
        .filter_map(|(c, v)| v.as_deref().map(|v| (c, v)))
    }
}

/// A keyless identity: who must have been issued the signing certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Identity {
    /// The OIDC issuer, compared exactly (e.g. `https://token.actions.githubusercontent.com`).
    pub issuer: String,
    pub subject: Subject,
    #[serde(default, skip_serializing_if = "Claims::is_empty")]
    pub claims: Claims,
    /// The trusted root (by name) the certificate must chain to; `None`: the public-good one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trusted_root: Option<String>,
}

impl Identity {
    /// A checked identity (see [`Identity::validate`]); surrounding blanks are trimmed.
    pub fn new(
        issuer: &str,
        subject: Subject,
        claims: Claims,
        trusted_root: Option<&str>,
    ) -> Result<Identity, IdentityError> {
        let trim = |o: Option<String>| o.map(|s| s.trim().to_string());
        let subject = match subject {
            Subject::Exact(s) => Subject::Exact(s.trim().to_string()),
            Subject::Glob(s) => Subject::Glob(s.trim().to_string()),
            Subject::Regexp(s) => Subject::Regexp(s),
        };
        let identity = Identity {
            issuer: issuer.trim().to_string(),
            subject,
            claims: Claims {
                source_repository: trim(claims.source_repository),
                source_ref: trim(claims.source_ref),
                workflow: trim(claims.workflow),
                trigger: trim(claims.trigger),
            },
            // Naming the public-good root is naming none: one identity, one id.
            trusted_root: trusted_root
                .map(|r| r.trim().to_string())
                .filter(|r| r != PUBLIC_GOOD_ROOT),
        };
        identity.validate()?;
        Ok(identity)
    }

    /// Refuses an identity that could never match or would match carelessly: an issuer that
    /// is not an `https://` URL (plain `http://` only on a loopback host), an empty subject,
    /// a pattern that does not compile or is too big, an empty claim or root name.
    pub fn validate(&self) -> Result<(), IdentityError> {
        check_issuer(&self.issuer)?;
        let subject = self.subject.text();
        if subject.trim().is_empty() {
            return Err(IdentityError::EmptySubject);
        }
        check_text("the subject", subject)?;
        self.subject.anchored()?;
        for (claim, value) in self.claims.required() {
            if value.trim().is_empty() {
                return Err(IdentityError::EmptyClaim(claim));
            }
            check_text(&claim.to_string(), value)?;
        }
        if let Some(root) = &self.trusted_root {
            // The rule of trust-root names (they are file names and command-line arguments).
            let ok = (1..=64).contains(&root.len())
                && root
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
                && !root.starts_with(['-', '_']);
            if !ok {
                return Err(IdentityError::BadRootName(root.clone()));
            }
        }
        Ok(())
    }

    /// The stable id: `id:` + 12 hex digits of SHA-256 over issuer, subject (kind and text),
    /// the claims and the trusted root, each length-prefixed.
    pub fn id(&self) -> String {
        let mut h = Sha256::new();
        let mut field = |s: &str| {
            h.update((s.len() as u64).to_be_bytes());
            h.update(s.as_bytes());
        };
        field("vouch-identity");
        field(&self.issuer);
        field(self.subject.kind());
        field(self.subject.text());
        for (claim, value) in self.claims.required() {
            field(claim.oid());
            field(value);
        }
        field(self.trusted_root.as_deref().unwrap_or(""));
        let hex = hex::encode(h.finalize());
        format!("id:{}", &hex[..12])
    }

    /// The name of the trusted root the certificate must chain to.
    pub fn trusted_root_name(&self) -> &str {
        self.trusted_root.as_deref().unwrap_or(PUBLIC_GOOD_ROOT)
    }

    /// Whether a verified certificate was issued to this identity: the issuer exactly, the
    /// SAN against the subject, then each required claim. The first difference is the answer.
    pub fn matches(&self, cert: &CertificateClaims) -> Result<(), IdentityMismatch> {
        match self.matcher() {
            Ok(m) => m.matches(cert),
            Err(e) => Err(IdentityMismatch::UnusablePattern {
                expected: self.subject.clone(),
                why: e.to_string(),
            }),
        }
    }

    /// The identity with its subject pattern compiled once, for checking many certificates
    /// (a batch of images); [`Identity::matches`] compiles it on each call.
    pub fn matcher(&self) -> Result<IdentityMatcher<'_>, IdentityError> {
        Ok(IdentityMatcher {
            identity: std::borrow::Cow::Borrowed(self),
            pattern: self.subject.anchored()?,
        })
    }
}

/// An [`Identity`] ready to match certificates (see [`Identity::matcher`]).
#[derive(Debug, Clone)]
pub struct IdentityMatcher<'a> {
    identity: std::borrow::Cow<'a, Identity>,
    pattern: Option<regex::Regex>,
}

impl IdentityMatcher<'_> {
    /// The same matcher holding its own copy of the identity (kept for a whole batch).
    pub fn into_owned(self) -> IdentityMatcher<'static> {
        IdentityMatcher {
            identity: std::borrow::Cow::Owned(self.identity.into_owned()),
            pattern: self.pattern,
        }
    }

    /// [`Identity::matches`], without compiling the pattern again.
    pub fn matches(&self, cert: &CertificateClaims) -> Result<(), IdentityMismatch> {
        let id = &*self.identity;
        if cert.issuer != id.issuer {
            return Err(IdentityMismatch::Issuer {
                expected: id.issuer.clone(),
                found: cert.issuer.clone(),
            });
        }
        let san = cert.san.value();
        let subject_ok = match &self.pattern {
            None => san == id.subject.text(),
            Some(re) => re.is_match(san),
        };
        if !subject_ok {
            return Err(IdentityMismatch::Subject {
                expected: id.subject.clone(),
                found: cert.san.clone(),
            });
        }
        for (claim, expected) in id.claims.required() {
            let Some(found) = cert.extensions.get(claim.oid()) else {
                return Err(IdentityMismatch::ClaimMissing {
                    claim,
                    oid: claim.oid(),
                    expected: expected.to_string(),
                });
            };
            let same = match claim {
                Claim::Workflow if !expected.contains('@') => {
                    found.split_once('@').map_or(found.as_str(), |(w, _)| w) == expected
                }
                _ => found == expected,
            };
            if !same {
                return Err(IdentityMismatch::Claim {
                    claim,
                    expected: expected.to_string(),
                    found: found.clone(),
                });
            }
        }
        Ok(())
    }
}

fn check_issuer(issuer: &str) -> Result<(), IdentityError> {
    let bad = |why: &str| IdentityError::BadIssuer {
        issuer: issuer.to_string(),
        why: why.to_string(),
    };
    if issuer.is_empty() {
        return Err(bad("it is empty"));
    }
    if issuer.len() > MAX_TEXT || issuer.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad("it holds blanks or control characters"));
    }
    let url = reqwest::Url::parse(issuer).map_err(|e| bad(&format!("not a URL ({e})")))?;
    let Some(host) = url.host_str().filter(|h| !h.is_empty()) else {
        return Err(bad("it names no host"));
    };
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("it carries a user name or password"));
    }
    let loopback = matches!(host, "localhost" | "127.0.0.1" | "[::1]");
    match url.scheme() {
        "https" => Ok(()),
        "http" if loopback => Ok(()),
        "http" => Err(bad(
            "an issuer is reached over https (http only on a loopback host)",
        )),
        other => Err(bad(&format!("`{other}:` is not https"))),
    }
}

fn check_text(what: &str, s: &str) -> Result<(), IdentityError> {
    if s.len() > MAX_TEXT {
        return Err(IdentityError::TooLong {
            what: what.to_string(),
            limit: MAX_TEXT,
        });
    }
    if s.chars().any(char::is_control) {
        return Err(IdentityError::ControlCharacters {
            what: what.to_string(),
        });
    }
    Ok(())
}

/// Why an identity cannot be trusted as given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdentityError {
    #[error("bad OIDC issuer `{issuer}`: {why}")]
    BadIssuer { issuer: String, why: String },
    #[error("the subject is empty: give the certificate's email or URI, a glob, or a regular expression")]
    EmptySubject,
    #[error("the regular expression `{pattern}` does not compile: {why}")]
    BadRegex { pattern: String, why: String },
    #[error("the regular expression `{pattern}` is too big (more than {limit} bytes compiled); write a narrower one")]
    RegexTooBig { pattern: String, limit: usize },
    #[error("the {0} claim is empty; leave it out to accept any")]
    EmptyClaim(Claim),
    #[error("{what} is longer than {limit} bytes")]
    TooLong { what: String, limit: usize },
    #[error("{what} holds control characters")]
    ControlCharacters { what: String },
    #[error("`{0}` is not a trusted-root name: use 1 to 64 lower-case letters, digits, `-` or `_`, starting with a letter or digit")]
    BadRootName(String),
    #[error(
        "identity {stored} does not match its issuer, subject and claims (expected {computed})"
    )]
    IdMismatch { stored: String, computed: String },
}

/// Why a certificate was not issued to the trusted identity: the field, what was expected and
/// what the certificate says.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[serde(tag = "field", rename_all = "snake_case")]
#[non_exhaustive]
pub enum IdentityMismatch {
    #[error("the certificate was issued by `{found}`, not the trusted issuer `{expected}`")]
    Issuer { expected: String, found: String },
    #[error("the certificate's subject `{}` does not match {expected}", .found.value())]
    Subject { expected: Subject, found: San },
    #[error("the certificate's {claim} is `{found}`, not `{expected}`")]
    Claim {
        claim: Claim,
        expected: String,
        found: String,
    },
    #[error("the certificate has no {claim} ({oid}), and `{expected}` is required")]
    ClaimMissing {
        claim: Claim,
        oid: &'static str,
        expected: String,
    },
    /// A stored pattern that no longer compiles (a document written by hand): nothing matches it.
    #[error("the trusted subject {expected} cannot be used: {why}")]
    UnusablePattern { expected: Subject, why: String },
}

/// A keyless identity the user trusts (or trusted: a revoked identity stays visible).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TrustedIdentity {
    /// [`Identity::id`] of `identity`, checked when the document is read.
    pub id: String,
    #[serde(flatten)]
    #[cfg_attr(feature = "ts", ts(flatten))]
    pub identity: Identity,
    pub publisher: String,
    #[serde(default)]
    pub note: Option<String>,
    /// Glob patterns over repository names; empty means every repository.
    #[serde(default)]
    pub scopes: Vec<String>,
    pub status: KeyStatus,
    #[serde(default)]
    pub revoked_reason: Option<String>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub revoked_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub added_at: OffsetDateTime,
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub expires_at: Option<OffsetDateTime>,
    /// The reference of the subscribed team trust list that added this identity (see the
    /// `lists` module); `None` for an identity trusted here. Not written when `None`, so
    /// documents without subscriptions read and write back unchanged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub source: Option<String>,
}

impl TrustedIdentity {
    /// A newly trusted, active identity: no note, no expiry, never revoked.
    pub fn new(
        identity: Identity,
        publisher: impl Into<String>,
        scopes: Vec<String>,
        added_at: OffsetDateTime,
    ) -> Self {
        TrustedIdentity {
            id: identity.id(),
            identity,
            publisher: publisher.into(),
            note: None,
            scopes,
            status: KeyStatus::Active,
            revoked_reason: None,
            revoked_at: None,
            added_at,
            expires_at: None,
            source: None,
        }
    }

    /// A short form for messages: `acme (id:1f2e3d4c5b6a)`.
    pub fn label(&self) -> String {
        format!("{} ({})", self.publisher, self.id)
    }

    /// Refuses a stored identity that is malformed or whose id is not its own.
    pub fn check(&self) -> Result<(), IdentityError> {
        self.identity.validate()?;
        let computed = self.identity.id();
        if computed != self.id {
            return Err(IdentityError::IdMismatch {
                stored: self.id.clone(),
                computed,
            });
        }
        Ok(())
    }
}

/// A trusted identity with its state at the time it was listed: what `vouch identity list
/// --json` prints (the identity's fields, plus `state`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct IdentityInfo {
    #[serde(flatten)]
    #[cfg_attr(feature = "ts", ts(flatten))]
    pub identity: TrustedIdentity,
    pub state: super::KeyState,
}

impl IdentityInfo {
    pub fn at(identity: TrustedIdentity, now: OffsetDateTime) -> IdentityInfo {
        let state = identity.terms().state(now);
        IdentityInfo { identity, state }
    }
}

#[cfg(test)]
#[path = "identity_tests.rs"]
mod tests;
