//! Subscriptions to signed team trust lists, in Settings (the CLI's `vouch trust subscribe`,
//! `sync`, `subscriptions`, `unsubscribe`).
//!
//! Every decision is the core's (`vouch_core::trust::lists`): the shell lists, subscribes and
//! unsubscribes through it, and syncs in its two steps. [`plan_sync`] fetches and verifies a
//! list and answers with what applying it would change (or the refusal's sentence, which it
//! records as the subscription's last problem); it never applies. [`apply_sync`] applies only
//! the plan the person saw: it plans again and refuses when the plan is no longer the one
//! shown (same digest), so a list republished between the two is never applied unseen.
//! Signers come from the trusted keys (fingerprints) or from a public key file the person
//! picked in the native dialog (`import_key_from_file`); the webview never names a path.

use serde::Serialize;
use time::OffsetDateTime;
use vouch_core::keys::PublicKey;
use vouch_core::oci::Digest;
use vouch_core::trust::lists::{
    self, ListDiff, ListError, SubscriptionInfo, SubscriptionSigner, Subscriptions, SyncPlan,
};
use vouch_core::trust::{TrustSet, TrustStore};

use super::{blocking, on_runtime, verify_options, with_store, Shared};
use crate::error::{ErrorCode, IpcError, IpcResult};

/// What checking a subscription for a new version found.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum SyncCheck {
    /// The list verified: what applying it changes, and the digest `apply_sync` takes to apply
    /// exactly this plan.
    Plan { plan: Box<SyncPlan>, digest: String },
    /// The list was refused (rollback, expired, unsigned, tampered, too few signatures):
    /// nothing was applied; `problem` says why.
    Refused { code: String, problem: String },
}

/// The active profile's subscriptions, with their applied version, expiry (stale or not),
/// last sync and last problem.
#[tauri::command]
pub(crate) async fn list_subscriptions() -> IpcResult<Vec<SubscriptionInfo>> {
    blocking(|| {
        let profile = vouch_core::paths::profile()?;
        let now = OffsetDateTime::now_utc();
        Ok(Subscriptions::load(&profile)?
            .subscriptions
            .iter()
            .map(|s| SubscriptionInfo::of(s, now))
            .collect())
    })
    .await
}

/// Subscribes to the list at `reference`, trusting the admins `signers` (fingerprints of
/// trusted keys) and `signer_keys` (public keys, PEM, read from files the person chose), of
/// whom `threshold` must have signed.
#[tauri::command]
pub(crate) async fn subscribe(
    state: Shared<'_>,
    reference: String,
    signers: Vec<String>,
    signer_keys: Vec<String>,
    threshold: u32,
) -> IpcResult<SubscriptionInfo> {
    with_store(&state, move |store| {
        let reference = lists::normalise(&reference)?;
        let admins = admins(&store.load()?, &signers, &signer_keys)?;
        let now = OffsetDateTime::now_utc();
        let sub = lists::subscribe(store.profile(), &reference, admins, threshold, now)?;
        Ok(SubscriptionInfo::of(&sub, now))
    })
    .await
}

/// Ends the subscription to `reference`; the keys it added stay, marked with their source.
#[tauri::command]
pub(crate) async fn unsubscribe(reference: String) -> IpcResult<()> {
    blocking(move || {
        let profile = vouch_core::paths::profile()?;
        lists::unsubscribe(&profile, &reference)?;
        Ok(())
    })
    .await
}

/// Fetches and verifies the list of the subscription to `reference` and says what applying it
/// would change, or why it is refused. Applies nothing.
#[tauri::command]
pub(crate) async fn plan_sync(state: Shared<'_>, reference: String) -> IpcResult<SyncCheck> {
    let store = with_store(&state, Ok).await?;
    on_runtime(move |rt| {
        let now = OffsetDateTime::now_utc();
        match rt.block_on(planned(&store, &reference, now)) {
            Ok(plan) => Ok(SyncCheck::Plan {
                digest: digest(&plan)?,
                plan: Box::new(plan),
            }),
            Err(e) if e.is_refusal() => {
                record(&store, &reference, &e, now);
                Ok(SyncCheck::Refused {
                    code: e.code().to_string(),
                    problem: e.to_string(),
                })
            }
            Err(e) => Err(e.into()),
        }
    })
    .await
}

/// Applies the list of the subscription to `reference` if it still gives the plan shown
/// (`digest` from [`plan_sync`]); returns what changed in the trust set.
#[tauri::command]
pub(crate) async fn apply_sync(
    state: Shared<'_>,
    reference: String,
    digest: String,
) -> IpcResult<ListDiff> {
    let store = with_store(&state, Ok).await?;
    on_runtime(move |rt| {
        let now = OffsetDateTime::now_utc();
        let plan = rt.block_on(planned(&store, &reference, now)).map_err(|e| {
            if e.is_refusal() {
                record(&store, &reference, &e, now);
            }
            IpcError::from(e)
        })?;
        apply_seen(&store, &plan, &digest, now)
    })
    .await
}

/// The plan of `reference`'s subscription now.
async fn planned(
    store: &TrustStore,
    reference: &str,
    now: OffsetDateTime,
) -> Result<SyncPlan, ListError> {
    let reference = lists::normalise(reference)?;
    let subs = Subscriptions::load(store.profile())?;
    let sub = subs
        .find(&reference)
        .ok_or_else(|| ListError::NoSubscription(reference.clone()))?;
    lists::plan_sync(store, sub, verify_options().registry, now).await
}

/// Applies `plan` if it is the one shown as `seen`.
fn apply_seen(
    store: &TrustStore,
    plan: &SyncPlan,
    seen: &str,
    now: OffsetDateTime,
) -> IpcResult<ListDiff> {
    if digest(plan)? != seen {
        return Err(IpcError::new(
            ErrorCode::TrustListChanged,
            format!(
                "The list at {} changed since it was checked (now version {}), so nothing was applied. Look at the new changes, then apply again.",
                plan.reference, plan.version
            ),
        ));
    }
    Ok(lists::apply(store, plan, now)?)
}

/// Notes a refusal as the subscription's last problem; the refusal stands whether or not it
/// could be noted.
fn record(store: &TrustStore, reference: &str, e: &ListError, now: OffsetDateTime) {
    if let Ok(reference) = lists::normalise(reference) {
        let _ = lists::record_problem(store.profile(), &reference, e, now);
    }
}

/// Names a plan as shown: its version, expiry, signatures and every change it makes.
fn digest(plan: &SyncPlan) -> IpcResult<String> {
    let bytes = serde_json::to_vec(plan)
        .map_err(|e| IpcError::internal(format!("could not serialise the plan: {e}")))?;
    Ok(Digest::of(&bytes).to_string())
}

/// The admins of a subscription: trusted keys by fingerprint, and public keys (PEM).
fn admins(
    set: &TrustSet,
    fingerprints: &[String],
    pems: &[String],
) -> IpcResult<Vec<SubscriptionSigner>> {
    let mut out = Vec::new();
    for fp in fingerprints {
        let key = TrustStore::find(set, fp)?;
        out.push(SubscriptionSigner::from_key(&PublicKey::parse(
            key.public_key.as_bytes(),
        )?));
    }
    for pem in pems {
        out.push(SubscriptionSigner::from_key(&PublicKey::parse(
            pem.as_bytes(),
        )?));
    }
    out.sort_by(|a, b| a.fingerprint.cmp(&b.fingerprint));
    out.dedup_by(|a, b| a.fingerprint == b.fingerprint);
    if out.is_empty() {
        return Err(IpcError::new(
            ErrorCode::TrustList,
            "Choose at least one admin whose signature counts: a trusted key, or a public key file.",
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
