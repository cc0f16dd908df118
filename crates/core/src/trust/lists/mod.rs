//! Signed team trust lists shared through a registry.
//!
//! A team admin publishes publishers of their trust set as an OCI artifact under a tag
//! (`REGISTRY/REPO:TAG`): a manifest of `artifactType` [`LIST_MEDIA_TYPE`] with the empty config
//! and the list ([`ListDocument`]: a trust-set document of keys and keyless identities, with the
//! digests of the custom trusted roots those identities are tied to) as its one layer. Beside it, under the tag
//! [`statement_tag`] derived from that manifest's digest, a second artifact holds one DSSE
//! envelope over a [`ListStatement`]: the repository, the list layer's digest and size, a
//! version that only grows, an expiry, the list's own signers (admin keys) and how many of them
//! must sign. Every admin signature is one signature of that envelope (a co-signature, [`cosign`],
//! adds one), so N of M is counted over distinct keys of one payload.
//!
//! A person subscribes to a reference with the admin keys they trust for it
//! ([`subscriptions`]); a sync ([`plan_sync`], then [`apply`]) fetches by digest, checks the
//! signatures against the subscription's signers and threshold (and the statement's own
//! threshold), refuses a rollback, an expired (stale) list, an unsigned or tampered one, and
//! otherwise applies the list to the trust set ([`merge`]): keys and identities it adds carry
//! their source, a local revocation wins, a revocation or removal in a new version removes that
//! trust; an identity tied to a custom trusted root is applied only where a root of that name
//! has the same digest (otherwise it is reported, not applied).
//!
//! Invariants: nothing is applied unless the whole list verified; a refusal changes neither the
//! trust set nor what the subscription last applied; a list past its expiry is reported stale,
//! never refreshed silently; the version applied only grows.

mod document;
pub mod merge;
mod remote;
pub mod subscriptions;
mod sync;

use serde::Serialize;
use time::OffsetDateTime;

pub use document::{
    parse_expiry, parse_list_document, parse_list_manifest, parse_statement_envelope,
    parse_statement_manifest, statement_tag, ListDocument, ListRoot, ListSigner, ListStatement,
    ENVELOPE_MEDIA_TYPE, LIST_MEDIA_TYPE, MAX_LIST_BYTES, MAX_SIGNERS, STATEMENT_ARTIFACT_TYPE,
    STATEMENT_FORMAT, STATEMENT_PAYLOAD_TYPE,
};
pub use merge::{IdentityChange, IdentityDiff, KeyChange, ListDiff, LocalRoots};
pub use remote::{
    cosign, fetch, normalise, publish, CosignOutcome, Fetched, PublishOutcome, PublishRequest,
};
pub use subscriptions::{
    record_published, subscribe, unsubscribe, LastProblem, Published, Subscription,
    SubscriptionSigner, Subscriptions, SyncState,
};
pub use sync::{apply, check, plan_sync, record_problem, SubscriptionInfo, SyncPlan};

use super::TrustError;
use crate::keys::KeyError;
use crate::reference::ReferenceError;
use crate::registry::RegistryError;

/// Why a trust list could not be published, fetched, verified or applied. The refusals of a
/// sync ([`ListError::is_refusal`]) say why the list was not applied; nothing was changed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ListError {
    #[error("{0}")]
    Reference(#[from] ReferenceError),
    #[error("{0}")]
    Registry(#[from] RegistryError),
    #[error("{0}")]
    Trust(#[from] TrustError),
    #[error("{0}")]
    Key(#[from] KeyError),
    #[error(
        "`{0}` names no tag: a trust list is published and subscribed to by REGISTRY/REPO:TAG"
    )]
    NoTag(String),
    #[error("{what} is malformed: {why}")]
    Malformed { what: String, why: String },
    #[error("{reference} holds no trust list")]
    NotPublished { reference: String },
    #[error("{reference} holds a manifest that is not a Vouch trust list ({why}); it was left unchanged")]
    NotAList { reference: String, why: String },
    #[error("the trust list at {reference} is unsigned: no signed statement accompanies its manifest {manifest}; it was not applied")]
    Unsigned { reference: String, manifest: String },
    #[error("the trust list at {reference} was tampered with: its layer is {actual}, but the signed statement names {expected}; it was not applied")]
    Tampered {
        reference: String,
        expected: String,
        actual: String,
    },
    #[error("the trust list at {reference} was signed for {signed}, not for this repository; it was not applied")]
    WrongRepository { reference: String, signed: String },
    #[error("the trust list at {reference} carries {valid} valid signature(s) from the admins this subscription trusts, and {needed} are required; it was not applied")]
    TooFewSignatures {
        reference: String,
        valid: usize,
        needed: u32,
    },
    #[error("the trust list at {reference} is version {offered}, older than version {applied} already applied: a rollback, refused; the trust set was left unchanged")]
    Rollback {
        reference: String,
        offered: u64,
        applied: u64,
    },
    #[error("the trust list at {reference} is version {version} again but with different content than the version {version} already applied: refused; the trust set was left unchanged")]
    SameVersionChanged { reference: String, version: u64 },
    #[error("the trust list at {reference} (version {version}) expired at {expired_at}: it is stale, and was not applied; what was applied before is kept and reported stale")]
    Expired {
        reference: String,
        version: u64,
        expired_at: String,
    },
    #[error("version {wanted} cannot be published at {reference}: version {last} is already published there, and a version only grows")]
    VersionNotNewer {
        reference: String,
        wanted: u64,
        last: u64,
    },
    #[error("bad expiry `{0}`: give a duration such as 30d, 12h, 90m or 45s, or an RFC 3339 time such as 2027-01-31T00:00:00Z")]
    BadExpiry(String),
    #[error("the expiry {0} is not in the future")]
    ExpiryPast(String),
    #[error("bad threshold: {0}")]
    BadThreshold(String),
    #[error(
        "no publisher of this trust set matches the chosen scopes ({0}); nothing was published"
    )]
    NothingToPublish(String),
    #[error("identity {identity} is tied to the trusted root `{root}`, which cannot be pinned in the list ({why}); nothing was published")]
    RootUnavailable {
        identity: String,
        root: String,
        why: String,
    },
    #[error("{0} is not one of this trust list's signers; its signature would not count")]
    NotASigner(String),
    #[error("no subscription to `{0}`")]
    NoSubscription(String),
    #[error("could not {action} {path}: {source}")]
    File {
        action: &'static str,
        path: String,
        #[source]
        source: std::io::Error,
    },
}

impl ListError {
    /// A refusal of a sync: the list was fetched but not applied because it did not verify,
    /// rolled back, or expired.
    pub fn is_refusal(&self) -> bool {
        matches!(
            self,
            Self::Unsigned { .. }
                | Self::Tampered { .. }
                | Self::WrongRepository { .. }
                | Self::TooFewSignatures { .. }
                | Self::Rollback { .. }
                | Self::SameVersionChanged { .. }
                | Self::Expired { .. }
                | Self::NotAList { .. }
                | Self::Malformed { .. }
        )
    }

    /// A short stable code for this error, for machine-readable output.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unsigned { .. } => "unsigned",
            Self::Tampered { .. } => "tampered",
            Self::WrongRepository { .. } => "wrong_repository",
            Self::TooFewSignatures { .. } => "too_few_signatures",
            Self::Rollback { .. } => "rollback",
            Self::SameVersionChanged { .. } => "same_version_changed",
            Self::Expired { .. } => "expired",
            Self::NotAList { .. } => "not_a_list",
            Self::Malformed { .. } => "malformed",
            Self::NotPublished { .. } => "not_published",
            Self::Registry(_) => "registry",
            _ => "error",
        }
    }
}

/// What a sync of one subscription came to.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case", tag = "outcome")]
#[non_exhaustive]
pub enum SyncOutcome {
    /// A new version was applied; `diff` is what changed in the trust set.
    Applied { version: u64, diff: ListDiff },
    /// The version already applied is still the one published (and applying it again changed
    /// nothing); `not_applied` names its identities still not trusted here, with the reason.
    UpToDate {
        version: u64,
        #[serde(default)]
        not_applied: Vec<IdentityChange>,
    },
    /// Only planned (a dry run): what applying would change.
    Planned { version: u64, diff: ListDiff },
    /// Refused or failed, with the sentence and its code; nothing was changed.
    Refused { code: String, problem: String },
}

/// Second precision, as the trust set stores times.
pub(crate) fn whole_seconds(t: OffsetDateTime) -> OffsetDateTime {
    t.replace_nanosecond(0).unwrap_or(t)
}

/// RFC 3339 text of a time, for sentences.
pub(crate) fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| t.to_string())
}
