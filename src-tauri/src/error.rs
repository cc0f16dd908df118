//! Errors as they cross IPC: `{code, message}` objects the UI can branch on.
//!
//! Each core error type has one `From` impl choosing an [`ErrorCode`] per variant; the message
//! is the core's sentence (what went wrong), followed where useful by a hint for the window
//! (where in the app to go next). The core never tells window users to run CLI commands.

use serde::Serialize;
use vouch_core::config::ConfigError;
use vouch_core::export::folder::FolderError;
use vouch_core::export::ExportError;
use vouch_core::extract::{ExtractError, FileError};
use vouch_core::history::HistoryError;
use vouch_core::keys::KeyError;
use vouch_core::pull::{PullError, Refusal};
use vouch_core::registry::RegistryError;
use vouch_core::search::SearchError;
use vouch_core::sigstore::roots::TrustRootError;
use vouch_core::trust::identity::IdentityError;
use vouch_core::trust::lists::ListError;
use vouch_core::trust::TrustError;

/// What kind of failure an IPC error is; serialised in snake_case (`"key_not_found"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub(crate) enum ErrorCode {
    KeychainUnreachable,
    KeychainLocked,
    KeychainRefused,
    KeyNotFound,
    KeyAmbiguous,
    KeyPrefixTooShort,
    BadScope,
    BadPolicy,
    BadTrustSet,
    BadKey,
    BadTime,
    BadAlgorithm,
    /// An identity's OIDC issuer that is not one (the form shows it at the issuer field).
    BadIssuer,
    /// An identity's subject: empty, or a pattern that does not compile or is too big.
    BadSubject,
    /// One of an identity's CI claims (the message names which).
    BadClaim,
    /// A trusted root's name, or a trusted root that cannot be read.
    BadTrustRoot,
    IdentityNotFound,
    IdentityAmbiguous,
    NoPrivateKey,
    TrustStore,
    Extract,
    File,
    RegistryUnreachable,
    RegistryDenied,
    RegistryNotFound,
    Registry,
    Settings,
    /// The history file could not be locked, read or written.
    History,
    /// The pull gate refused: not verified in an enforcing scope, or nothing to pin.
    NotVerified,
    /// The pull gate wants the user's confirmation (warn/off scope).
    NeedsConfirmation,
    Pull,
    Dialog,
    /// A repository name that is not one (searching its tags).
    BadRepository,
    /// An export would trust a repository named like a scope more widely than Vouch; the
    /// person may accept it (the summary then names it).
    ScopeOverlap,
    /// The trust set cannot be exported to that target (the message says why).
    ExportRefused,
    /// The trust set changed between an export's preview and its saving; nothing was written.
    ExportChanged,
    /// A team trust list could not be subscribed to, fetched or applied (the message says why).
    TrustList,
    /// A team trust list was refused (rollback, expired, unsigned, tampered, too few
    /// signatures); nothing was applied.
    TrustListRefused,
    /// A team trust list changed between the check the person saw and applying it; nothing was
    /// applied.
    TrustListChanged,
    Internal,
}

/// What a command (or the work it runs) gives back to the window.
pub(crate) type IpcResult<T> = Result<T, IpcError>;

#[derive(Debug, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub(crate) struct IpcError {
    pub(crate) code: ErrorCode,
    pub(crate) message: String,
}

impl IpcError {
    pub(crate) fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    pub(crate) fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Internal, message)
    }

    /// The core's sentence, then the window's hint.
    fn hinted(code: ErrorCode, e: &impl std::fmt::Display, hint: &str) -> Self {
        Self::new(code, format!("{e}. {hint}"))
    }
}

/// Where the window shows what Vouch can reach (the core's `doctor`).
const SEE_SETTINGS: &str = "The Settings screen shows what Vouch can reach on this computer.";
/// Where the window lists the trusted keys and identities.
const SEE_KEYS: &str =
    "The Publishers screen lists the keys and identities you trust, with their fingerprints and ids.";

/// Core error types whose every variant maps to one code.
macro_rules! one_code {
    ($($error:ty => $code:ident),* $(,)?) => {$(
        impl From<$error> for IpcError {
            fn from(e: $error) -> Self {
                Self::new(ErrorCode::$code, e.to_string())
            }
        }
    )*};
}

one_code! {
    KeyError => BadKey,
    ExtractError => Extract,
    ConfigError => Settings,
    HistoryError => History,
    PullError => Pull,
}

impl From<TrustError> for IpcError {
    fn from(e: TrustError) -> Self {
        use ErrorCode as C;
        match &e {
            TrustError::KeychainUnreachable { .. } => {
                Self::hinted(C::KeychainUnreachable, &e, SEE_SETTINGS)
            }
            TrustError::KeychainLocked { .. } => Self::hinted(C::KeychainLocked, &e, SEE_SETTINGS),
            TrustError::NotFound(_) => Self::hinted(C::KeyNotFound, &e, SEE_KEYS),
            TrustError::Key(_) => Self::new(C::BadKey, e.to_string()),
            TrustError::Identity(i) => i.clone().into(),
            TrustError::IdentityNotFound(_) => Self::hinted(C::IdentityNotFound, &e, SEE_KEYS),
            _ => {
                let code = match &e {
                    TrustError::KeychainRefused { .. } => C::KeychainRefused,
                    TrustError::Ambiguous { .. } => C::KeyAmbiguous,
                    TrustError::AmbiguousIdentity { .. } => C::IdentityAmbiguous,
                    TrustError::PrefixTooShort(_) => C::KeyPrefixTooShort,
                    TrustError::BadScope { .. } => C::BadScope,
                    TrustError::BadPolicy(_) => C::BadPolicy,
                    TrustError::Corrupt(_) | TrustError::UnsupportedVersion(_) => C::BadTrustSet,
                    TrustError::NoPrivateKey(_) => C::NoPrivateKey,
                    TrustError::BadTime(_) => C::BadTime,
                    _ => C::TrustStore,
                };
                Self::new(code, e.to_string())
            }
        }
    }
}

impl From<IdentityError> for IpcError {
    fn from(e: IdentityError) -> Self {
        use ErrorCode as C;
        let code = match &e {
            IdentityError::BadIssuer { .. } => C::BadIssuer,
            IdentityError::BadRootName(_) => C::BadTrustRoot,
            IdentityError::EmptyClaim(_) => C::BadClaim,
            IdentityError::TooLong { what, .. } | IdentityError::ControlCharacters { what }
                if what != "the subject" =>
            {
                C::BadClaim
            }
            IdentityError::IdMismatch { .. } => C::BadTrustSet,
            _ => C::BadSubject,
        };
        Self::new(code, e.to_string())
    }
}

impl From<TrustRootError> for IpcError {
    fn from(e: TrustRootError) -> Self {
        Self::new(ErrorCode::BadTrustRoot, e.to_string())
    }
}

impl From<RegistryError> for IpcError {
    fn from(e: RegistryError) -> Self {
        let code = match &e {
            RegistryError::Unreachable { .. } | RegistryError::Timeout { .. } => {
                ErrorCode::RegistryUnreachable
            }
            RegistryError::Unauthorized { .. } | RegistryError::CredentialsRejected { .. } => {
                return Self::hinted(
                    ErrorCode::RegistryDenied,
                    &e,
                    "Log in to the registry with your container tool, then try again.",
                )
            }
            RegistryError::NotFound { .. } => ErrorCode::RegistryNotFound,
            _ => ErrorCode::Registry,
        };
        Self::new(code, e.to_string())
    }
}

impl From<SearchError> for IpcError {
    fn from(e: SearchError) -> Self {
        match e {
            SearchError::Registry(e) => e.into(),
            e => Self::new(ErrorCode::BadRepository, e.to_string()),
        }
    }
}

impl From<FileError> for IpcError {
    fn from(e: FileError) -> Self {
        match &e {
            FileError::NotAKey { .. } => Self::new(ErrorCode::BadKey, e.to_string()),
            _ => Self::new(ErrorCode::File, e.to_string()),
        }
    }
}

impl From<Refusal> for IpcError {
    fn from(e: Refusal) -> Self {
        match &e {
            Refusal::NeedsConfirmation { .. } => Self::hinted(
                ErrorCode::NeedsConfirmation,
                &e,
                "Choose Pull again and confirm to pull it anyway.",
            ),
            _ => Self::new(ErrorCode::NotVerified, e.to_string()),
        }
    }
}

impl From<ExportError> for IpcError {
    fn from(e: ExportError) -> Self {
        match &e {
            ExportError::ScopeOverlap { .. } => Self::hinted(
                ErrorCode::ScopeOverlap,
                &e,
                "Tick “Accept the overlap” to export it anyway.",
            ),
            ExportError::Serialize(_) => Self::internal(e.to_string()),
            _ => Self::new(ErrorCode::ExportRefused, e.to_string()),
        }
    }
}

impl From<ListError> for IpcError {
    fn from(e: ListError) -> Self {
        match e {
            ListError::Trust(t) => t.into(),
            ListError::Registry(r) => r.into(),
            ListError::Key(k) => k.into(),
            e if e.is_refusal() => Self::new(ErrorCode::TrustListRefused, e.to_string()),
            e => Self::new(ErrorCode::TrustList, e.to_string()),
        }
    }
}

impl From<FolderError> for IpcError {
    fn from(e: FolderError) -> Self {
        Self::new(ErrorCode::File, e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(e: IpcError) -> serde_json::Value {
        serde_json::to_value(&e).expect("serialise")
    }

    #[test]
    fn error_json_shape_is_pinned() {
        let v = json(IpcError::from(TrustError::NotFound("abc".into())));
        assert_eq!(v["code"], "key_not_found");
        let message = v["message"].as_str().expect("message");
        assert!(message.contains("abc"), "{message}");
        assert!(message.ends_with(SEE_KEYS), "the window's hint: {message}");
        assert_eq!(v.as_object().map(|o| o.len()), Some(2));
    }

    #[test]
    fn each_core_error_type_maps_to_its_code() {
        let cases: Vec<(IpcError, &str)> = vec![
            (
                TrustError::KeychainLocked {
                    backend: "Secret Service".into(),
                    detail: "locked".into(),
                }
                .into(),
                "keychain_locked",
            ),
            (TrustError::BadPolicy("x".into()).into(), "bad_policy"),
            (TrustError::UnsupportedVersion(9).into(), "bad_trust_set"),
            (TrustError::Key(KeyError::TruncatedBase64).into(), "bad_key"),
            (KeyError::InvalidBase64.into(), "bad_key"),
            (
                RegistryError::Unauthorized {
                    host: "ghcr.io".into(),
                    what: "the manifest".into(),
                    code: 403,
                }
                .into(),
                "registry_denied",
            ),
            (
                RegistryError::NotFound {
                    host: "ghcr.io".into(),
                    what: "acme/app:1".into(),
                }
                .into(),
                "registry_not_found",
            ),
            (ExtractError::NotUtf8 { offset: 3 }.into(), "extract"),
            (
                FileError::NotAFile {
                    path: "/tmp".into(),
                }
                .into(),
                "file",
            ),
            (ConfigError::BadHost("a b".into()).into(), "settings"),
            (HistoryError::Serialize("no".into()).into(), "history"),
            (
                Refusal::Unresolved {
                    reason: "unreachable".into(),
                }
                .into(),
                "not_verified",
            ),
            (
                Refusal::NeedsConfirmation {
                    status: vouch_core::verify::Status::Unsigned,
                    mode: vouch_core::trust::PolicyMode::Warn,
                    reason: "no signature".into(),
                }
                .into(),
                "needs_confirmation",
            ),
            (PullError::UnknownEngine("nerdctl".into()).into(), "pull"),
            (
                SearchError::BadRepository {
                    repository: "Bad Name".into(),
                    detail: "no spaces".into(),
                }
                .into(),
                "bad_repository",
            ),
            (
                SearchError::Registry(RegistryError::NotFound {
                    host: "ghcr.io".into(),
                    what: "acme/app".into(),
                })
                .into(),
                "registry_not_found",
            ),
            (IpcError::internal("boom"), "internal"),
        ];
        for (e, code) in cases {
            assert_eq!(json(e)["code"], code);
        }
    }

    #[test]
    fn window_hints_never_name_cli_commands() {
        let locked = IpcError::from(TrustError::KeychainUnreachable {
            backend: "Secret Service".into(),
            detail: "no D-Bus".into(),
        });
        assert!(locked.message.ends_with(SEE_SETTINGS), "{}", locked.message);
        for hint in [SEE_SETTINGS, SEE_KEYS] {
            assert!(!hint.contains("vouch "), "{hint}");
        }
    }
}
