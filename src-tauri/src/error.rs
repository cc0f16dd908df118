//! Errors as they cross IPC: `{code, message}` objects the UI can branch on.

use serde::Serialize;
use vouch_core::trust::TrustError;

#[derive(Debug, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub(crate) struct IpcError {
    pub(crate) code: &'static str,
    pub(crate) message: String,
}

impl From<TrustError> for IpcError {
    fn from(e: TrustError) -> Self {
        let code = match &e {
            TrustError::KeychainUnreachable { .. } => "keychain_unreachable",
            TrustError::KeychainLocked { .. } => "keychain_locked",
            TrustError::KeychainRefused { .. } => "keychain_refused",
            TrustError::NotFound(_) => "key_not_found",
            TrustError::Ambiguous { .. } => "key_ambiguous",
            TrustError::PrefixTooShort(_) => "key_prefix_too_short",
            TrustError::BadScope { .. } => "bad_scope",
            TrustError::Key(_) => "bad_key",
            TrustError::BadTime(_) => "bad_time",
            _ => "trust_store",
        };
        Self {
            code,
            message: e.to_string(),
        }
    }
}

impl IpcError {
    pub(crate) fn internal(message: impl Into<String>) -> Self {
        Self {
            code: "internal",
            message: message.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_json_shape_is_pinned() {
        let e = IpcError::from(TrustError::NotFound("abc".into()));
        let json = serde_json::to_value(&e).expect("serialise");
        assert_eq!(json["code"], "key_not_found");
        assert!(json["message"].as_str().is_some_and(|m| m.contains("abc")));
        assert_eq!(json.as_object().map(|o| o.len()), Some(2));
    }
}
