//! A trusted signer's standing: may it vouch for this repository at this time, and what a
//! person should know about it now.
//!
//! One rule for everything that signs — image signatures and attestations today, keyless
//! identities next: a signer is described by its [`Terms`] (revocation, expiry, scopes), and
//! [`Terms::standing`] decides, in this order, revoked → expired → out of scope → active.
//! [`Terms::state`] is what the key list shows (active / expiring in N days / expired /
//! revoked); the window and the CLI render it and never compute it themselves.

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use super::{scope, KeyStatus, TrustedIdentity, TrustedKey};

/// A key whose trust ends within this many days is shown as expiring.
pub const EXPIRING_WITHIN_DAYS: i64 = 30;

/// The conditions under which a signer is trusted, whatever kind of signer it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Terms<'a> {
    /// Whether it was revoked.
    pub revoked: bool,
    pub revoked_reason: Option<&'a str>,
    pub revoked_at: Option<OffsetDateTime>,
    /// When trust in it ends (`None`: never).
    pub expires_at: Option<OffsetDateTime>,
    /// Glob patterns over repository names; empty means every repository.
    pub scopes: &'a [String],
}

/// Whether a signer may vouch for one repository at one time, and if not, why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "standing", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Standing {
    /// It may vouch.
    Active,
    Revoked {
        reason: Option<String>,
        #[serde(with = "time::serde::rfc3339::option")]
        #[cfg_attr(feature = "ts", ts(type = "string | null"))]
        at: Option<OffsetDateTime>,
    },
    Expired {
        #[serde(with = "time::serde::rfc3339")]
        #[cfg_attr(feature = "ts", ts(type = "string"))]
        expired_at: OffsetDateTime,
        #[serde(with = "time::serde::rfc3339")]
        #[cfg_attr(feature = "ts", ts(type = "string"))]
        checked_at: OffsetDateTime,
    },
    /// Its scopes do not cover the repository.
    OutOfScope { scopes: Vec<String> },
}

/// What the key list shows about a key right now (independent of any repository).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum KeyState {
    Active,
    /// Trust ends within [`EXPIRING_WITHIN_DAYS`] days (`days_left` rounded up).
    Expiring {
        days_left: i64,
        #[serde(with = "time::serde::rfc3339")]
        #[cfg_attr(feature = "ts", ts(type = "string"))]
        expires_at: OffsetDateTime,
    },
    Expired {
        #[serde(with = "time::serde::rfc3339")]
        #[cfg_attr(feature = "ts", ts(type = "string"))]
        expired_at: OffsetDateTime,
    },
    Revoked,
}

impl KeyState {
    /// One word: `active`, `expiring`, `expired`, `revoked`.
    pub fn word(&self) -> &'static str {
        match self {
            KeyState::Active => "active",
            KeyState::Expiring { .. } => "expiring",
            KeyState::Expired { .. } => "expired",
            KeyState::Revoked => "revoked",
        }
    }
}

impl std::fmt::Display for KeyState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeyState::Expiring { days_left, .. } => write!(
                f,
                "expiring in {days_left} day{}",
                if *days_left == 1 { "" } else { "s" }
            ),
            other => f.write_str(other.word()),
        }
    }
}

impl Terms<'_> {
    /// Whether the signer may vouch for `repository` at `now`: revoked, then expired, then
    /// out of scope are checked in this order; the first that applies is the answer.
    pub fn standing(&self, repository: &str, now: OffsetDateTime) -> Standing {
        if self.revoked {
            return Standing::Revoked {
                reason: self.revoked_reason.map(str::to_string),
                at: self.revoked_at,
            };
        }
        if let Some(expired_at) = self.expires_at.filter(|e| *e <= now) {
            return Standing::Expired {
                expired_at,
                checked_at: now,
            };
        }
        if !self.covers(repository) {
            return Standing::OutOfScope {
                scopes: self.scopes.to_vec(),
            };
        }
        Standing::Active
    }

    /// Whether one of the scopes covers `repository` (no scopes: every repository).
    pub fn covers(&self, repository: &str) -> bool {
        self.scopes.is_empty() || self.scopes.iter().any(|s| scope::matches(s, repository))
    }

    /// The state the key list shows at `now`.
    pub fn state(&self, now: OffsetDateTime) -> KeyState {
        if self.revoked {
            return KeyState::Revoked;
        }
        match self.expires_at {
            Some(expired_at) if expired_at <= now => KeyState::Expired { expired_at },
            Some(expires_at) if expires_at - now <= Duration::days(EXPIRING_WITHIN_DAYS) => {
                let left = expires_at - now;
                let days = left.whole_days();
                KeyState::Expiring {
                    days_left: if left > Duration::days(days) {
                        days + 1
                    } else {
                        days
                    },
                    expires_at,
                }
            }
            _ => KeyState::Active,
        }
    }
}

/// `terms()` of a trusted signer type: its revocation, expiry and scopes as [`Terms`].
macro_rules! terms_of {
    ($($signer:ty),*) => {$(
        impl $signer {
            /// Its terms of trust: the one rule every signer's standing comes from.
            pub fn terms(&self) -> Terms<'_> {
                Terms {
                    revoked: self.status == KeyStatus::Revoked,
                    revoked_reason: self.revoked_reason.as_deref(),
                    revoked_at: self.revoked_at,
                    expires_at: self.expires_at,
                    scopes: &self.scopes,
                }
            }
        }
    )*};
}

terms_of!(TrustedKey, TrustedIdentity);

impl TrustedKey {
    /// Whether this key may vouch for `repository` at `now` (see [`Terms::standing`]).
    pub fn standing(&self, repository: &str, now: OffsetDateTime) -> Standing {
        self.terms().standing(repository, now)
    }

    /// What the key list shows about this key at `now`.
    pub fn state(&self, now: OffsetDateTime) -> KeyState {
        self.terms().state(now)
    }
}

/// A trusted key with its state at the time it was listed: what `list_keys` sends to the
/// window and `vouch key list --json` prints (the key's fields, plus `state`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct KeyInfo {
    #[serde(flatten)]
    #[cfg_attr(feature = "ts", ts(flatten))]
    pub key: TrustedKey,
    pub state: KeyState,
}

impl KeyInfo {
    pub fn at(key: TrustedKey, now: OffsetDateTime) -> KeyInfo {
        let state = key.state(now);
        KeyInfo { key, state }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: i64) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(1_800_000_000 + s).expect("time")
    }

    fn terms(scopes: &[String]) -> Terms<'_> {
        Terms {
            revoked: false,
            revoked_reason: None,
            revoked_at: None,
            expires_at: None,
            scopes,
        }
    }

    const REPO: &str = "ghcr.io/acme/app";

    #[test]
    fn revoked_wins_over_expired_and_scope() {
        let scopes = vec!["quay.io/**".to_string()];
        let s = Terms {
            revoked: true,
            revoked_reason: Some("leaked"),
            revoked_at: Some(t(-5)),
            expires_at: Some(t(-10)),
            ..terms(&scopes)
        };
        assert_eq!(
            s.standing(REPO, t(0)),
            Standing::Revoked {
                reason: Some("leaked".into()),
                at: Some(t(-5))
            }
        );
        assert_eq!(s.state(t(0)), KeyState::Revoked);
    }

    #[test]
    fn expiry_is_inclusive_and_checked_before_scope() {
        let scopes = vec!["quay.io/**".to_string()];
        let s = Terms {
            expires_at: Some(t(0)),
            ..terms(&scopes)
        };
        assert_eq!(
            s.standing(REPO, t(0)),
            Standing::Expired {
                expired_at: t(0),
                checked_at: t(0)
            }
        );
        assert_eq!(
            s.standing(REPO, t(-1)),
            Standing::OutOfScope { scopes },
            "one second before expiry the scope decides"
        );
    }

    #[test]
    fn scopes_decide_last_and_empty_scopes_cover_everything() {
        let scoped = vec!["ghcr.io/acme/**".to_string()];
        assert_eq!(terms(&scoped).standing(REPO, t(0)), Standing::Active);
        assert_eq!(
            terms(&scoped).standing("ghcr.io/other/app", t(0)),
            Standing::OutOfScope { scopes: scoped }
        );
        assert_eq!(
            terms(&[]).standing("anything/at/all", t(0)),
            Standing::Active
        );
    }

    #[test]
    fn the_listed_state_counts_days_left_rounded_up() {
        let day = 86_400;
        let at = |secs: i64| {
            Terms {
                expires_at: Some(t(secs)),
                ..terms(&[])
            }
            .state(t(0))
        };
        assert_eq!(at(EXPIRING_WITHIN_DAYS * day + 1), KeyState::Active);
        assert_eq!(
            at(EXPIRING_WITHIN_DAYS * day),
            KeyState::Expiring {
                days_left: EXPIRING_WITHIN_DAYS,
                expires_at: t(EXPIRING_WITHIN_DAYS * day)
            }
        );
        assert_eq!(
            at(1),
            KeyState::Expiring {
                days_left: 1,
                expires_at: t(1)
            }
        );
        assert_eq!(at(0), KeyState::Expired { expired_at: t(0) });
        assert_eq!(terms(&[]).state(t(0)), KeyState::Active);
        assert_eq!(at(1).to_string(), "expiring in 1 day");
        assert_eq!(
            serde_json::to_value(at(2 * day)).expect("json"),
            serde_json::json!({"kind": "expiring", "days_left": 2, "expires_at": "2027-01-17T08:00:00Z"})
        );
    }
}
