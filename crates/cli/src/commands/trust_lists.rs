//! `vouch trust publish|cosign|subscribe|sync|subscriptions`: signed team trust lists shared
//! through a registry (see `vouch_core::trust::lists`).

use anyhow::{bail, Result};
use serde::Serialize;
use time::OffsetDateTime;
use vouch_core::keys::{PrivateKey, PublicKey};
use vouch_core::sigstore::roots::RootStore;
use vouch_core::trust::lists::{
    self, IdentityChange, KeyChange, ListDiff, ListError, PublishRequest, SubscriptionInfo,
    SubscriptionSigner, Subscriptions, SyncOutcome,
};
use vouch_core::trust::{short_fingerprint, TrustStore};

use super::{current_thread_runtime, open_store, print_json, signing_key, RegistryFlags};
use crate::input::read_source;
use crate::Outcome;

#[derive(clap::Args)]
pub(crate) struct PublishArgs {
    /// Where to publish: REGISTRY/REPO:TAG
    reference: String,
    /// An admin key held in the keychain that signs the list (fingerprint ≥ 12 hex digits or
    /// publisher); repeatable, one signature each
    #[arg(long = "key", required = true)]
    keys: Vec<String>,
    /// Publish only the publishers with a scope this glob covers; repeatable (default: every
    /// publisher trusted here)
    #[arg(long = "scope")]
    scopes: Vec<String>,
    /// When the list becomes stale: a duration (30d, 12h, 90m, 45s) or an RFC 3339 time
    #[arg(long, default_value = "30d")]
    expires: String,
    /// Another admin whose signature counts (a key trusted here, by fingerprint or publisher);
    /// repeatable. The --key keys are always signers
    #[arg(long = "signer")]
    signers: Vec<String>,
    /// How many distinct signers must sign before subscribers apply the list
    #[arg(long, default_value_t = 1)]
    threshold: u32,
    /// The version to publish (default: one more than the last one published there)
    #[arg(long, value_name = "N")]
    list_version: Option<u64>,
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    registry: RegistryFlags,
}

#[derive(clap::Args)]
pub(crate) struct CosignArgs {
    /// The published list: REGISTRY/REPO:TAG
    reference: String,
    /// An admin key held in the keychain, one of the list's signers; repeatable
    #[arg(long = "key", required = true)]
    keys: Vec<String>,
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    registry: RegistryFlags,
}

#[derive(clap::Args)]
pub(crate) struct SubscribeArgs {
    /// The list: REGISTRY/REPO:TAG
    reference: String,
    /// An admin whose signature counts: a full fingerprint (sha256:…), or a key trusted here
    /// by fingerprint prefix or publisher; repeatable
    #[arg(long = "signer")]
    signers: Vec<String>,
    /// An admin's public key file (PEM, cosign.pub); repeatable
    #[arg(long = "signer-key")]
    signer_keys: Vec<String>,
    /// How many distinct admins must have signed
    #[arg(long, default_value_t = 1)]
    threshold: u32,
}

#[derive(clap::Args)]
pub(crate) struct SyncArgs {
    /// Sync only this subscription (default: every one)
    reference: Option<String>,
    /// Show what would change and apply nothing
    #[arg(long)]
    dry_run: bool,
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    registry: RegistryFlags,
}

/// The inner error itself where a list error wraps one the CLI has a hint for.
fn lift(e: ListError) -> anyhow::Error {
    match e {
        ListError::Trust(t) => t.into(),
        ListError::Registry(r) => r.into(),
        other => other.into(),
    }
}

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

fn signing_keys(wanted: &[String]) -> Result<Vec<PrivateKey>> {
    wanted
        .iter()
        .map(|w| signing_key(w).map(|(_, k)| k))
        .collect()
}

fn public_of(store_set: &vouch_core::trust::TrustSet, wanted: &str) -> Result<PublicKey> {
    let k = TrustStore::find(store_set, wanted)?;
    Ok(PublicKey::parse(k.public_key.as_bytes())?)
}

pub(crate) fn publish(args: PublishArgs) -> Result<Outcome> {
    let store = open_store()?;
    let set = store.load()?;
    let keys = signing_keys(&args.keys)?;
    let signers = args
        .signers
        .iter()
        .map(|s| public_of(&set, s))
        .collect::<Result<Vec<_>>>()?;
    let reference = lists::normalise(&args.reference).map_err(lift)?;
    let last_published = Subscriptions::load(store.profile())
        .map_err(lift)?
        .last_published(&reference);
    let req = PublishRequest {
        reference,
        scopes: args.scopes,
        expires_at: lists::parse_expiry(&args.expires, now()).map_err(lift)?,
        signers,
        threshold: args.threshold,
        version: args.list_version,
        last_published,
        roots: RootStore::for_profile(store.profile()),
    };
    let opts = args.registry.options();
    let out = current_thread_runtime()?
        .block_on(lists::publish(&req, &set, &keys, opts, now()))
        .map_err(lift)?;
    lists::record_published(store.profile(), &out.reference, out.version).map_err(lift)?;
    if args.json {
        print_json(&out)?;
        return Ok(Outcome::Ok);
    }
    let identities = match out.identities.len() {
        0 => String::new(),
        n => format!(", {n} keyless identit{}", if n == 1 { "y" } else { "ies" }),
    };
    println!(
        "Published {} version {} ({} publisher key(s){identities}), expires {}",
        out.reference,
        out.version,
        out.keys.len(),
        rfc3339(out.expires_at)
    );
    println!(
        "Manifest {}; statement under {}",
        out.manifest_digest, out.statement_tag
    );
    println!(
        "Signed by {} of {} admin(s); {} required",
        out.signatures, out.signers, out.threshold
    );
    if out.signatures < out.threshold as usize {
        println!(
            "Subscribers will refuse it until {} more admin(s) sign: `vouch trust cosign {} --key KEY`",
            out.threshold as usize - out.signatures,
            out.reference
        );
    }
    Ok(Outcome::Ok)
}

pub(crate) fn cosign(args: CosignArgs) -> Result<Outcome> {
    let keys = signing_keys(&args.keys)?;
    let opts = args.registry.options();
    let out = current_thread_runtime()?
        .block_on(lists::cosign(&args.reference, &keys, opts))
        .map_err(lift)?;
    if args.json {
        print_json(&out)?;
    } else {
        println!(
            "Signed {} version {}: {} valid admin signature(s), {} required",
            out.reference, out.version, out.signatures, out.threshold
        );
    }
    Ok(Outcome::Ok)
}

pub(crate) fn subscribe(args: SubscribeArgs) -> Result<Outcome> {
    let reference = lists::normalise(&args.reference).map_err(lift)?;
    if args.signers.is_empty() && args.signer_keys.is_empty() {
        bail!("name at least one admin whose signature counts: --signer FINGERPRINT or --signer-key FILE");
    }
    let store = open_store()?;
    let mut signers = Vec::new();
    if !args.signers.is_empty() {
        let set = store.load()?;
        for s in &args.signers {
            signers.push(match public_of(&set, s) {
                Ok(k) => SubscriptionSigner::from_key(&k),
                Err(_) if is_full_fingerprint(s) => SubscriptionSigner {
                    fingerprint: s.trim().to_ascii_lowercase(),
                    public_key: None,
                },
                Err(e) => return Err(e.context(format!(
                    "--signer {s}: give a full fingerprint (sha256: and 64 hex digits), or a key trusted here"
                ))),
            });
        }
    }
    for file in &args.signer_keys {
        let key = PublicKey::parse(&read_source(file)?)?;
        signers.push(SubscriptionSigner::from_key(&key));
    }
    signers.dedup_by(|a, b| a.fingerprint == b.fingerprint);
    let sub = lists::subscribe(store.profile(), &reference, signers, args.threshold, now())
        .map_err(lift)?;
    println!(
        "Subscribed to {}: {} of {} admin(s) must sign",
        sub.reference,
        sub.threshold,
        sub.signers.len()
    );
    for s in &sub.signers {
        println!("  admin {}", s.fingerprint);
    }
    Ok(Outcome::Ok)
}

pub(crate) fn unsubscribe(reference: &str) -> Result<Outcome> {
    let reference = lists::normalise(reference).map_err(lift)?;
    let profile = vouch_core::paths::profile()?;
    let sub = lists::unsubscribe(&profile, &reference).map_err(lift)?;
    println!(
        "Unsubscribed from {}; the keys and identities it added stay in the trust set (`vouch key list` and `vouch identity list` mark them)",
        sub.reference
    );
    Ok(Outcome::Ok)
}

fn is_full_fingerprint(s: &str) -> bool {
    let hex = s.trim().strip_prefix("sha256:").unwrap_or("");
    hex.len() == 64 && hex.chars().all(|c| c.is_ascii_hexdigit())
}

/// One line of `sync --json`.
#[derive(Serialize)]
struct SyncRow {
    reference: String,
    #[serde(flatten)]
    outcome: SyncOutcome,
}

pub(crate) fn sync(args: SyncArgs) -> Result<Outcome> {
    let store = open_store()?;
    let profile = store.profile().to_string();
    let mut subs = Subscriptions::load(&profile).map_err(lift)?.subscriptions;
    if let Some(r) = &args.reference {
        let wanted = lists::normalise(r).map_err(lift)?;
        subs.retain(|s| s.reference == wanted);
        if subs.is_empty() {
            return Err(lift(ListError::NoSubscription(wanted)));
        }
    }
    let opts = args.registry.options();
    let rt = current_thread_runtime()?;
    let mut rows = Vec::new();
    for sub in &subs {
        let result = rt
            .block_on(lists::plan_sync(&store, sub, opts.clone(), now()))
            .and_then(|plan| {
                if args.dry_run {
                    return Ok(SyncOutcome::Planned {
                        version: plan.version,
                        diff: plan.diff,
                    });
                }
                let diff = lists::apply(&store, &plan, now())?;
                // The same version applied again can still change the trust set: an identity
                // whose trusted root was added here since is trusted now.
                Ok(if plan.up_to_date && diff.is_empty() {
                    SyncOutcome::UpToDate {
                        version: plan.version,
                        not_applied: diff.identities.not_applied,
                    }
                } else {
                    SyncOutcome::Applied {
                        version: plan.version,
                        diff,
                    }
                })
            });
        let outcome = match result {
            Ok(o) => o,
            Err(e) => {
                if !args.dry_run {
                    // Best effort: the refusal stands whether or not it could be noted.
                    let _ = lists::record_problem(&profile, &sub.reference, &e, now());
                }
                SyncOutcome::Refused {
                    code: e.code().to_string(),
                    problem: e.to_string(),
                }
            }
        };
        rows.push(SyncRow {
            reference: sub.reference.clone(),
            outcome,
        });
    }
    let refused = rows
        .iter()
        .any(|r| matches!(r.outcome, SyncOutcome::Refused { .. }));
    if args.json {
        print_json(&rows)?;
    } else if rows.is_empty() {
        println!("No subscriptions: `vouch trust subscribe REF --signer FP` adds one");
    } else {
        for row in &rows {
            print_row(row);
        }
    }
    Ok(if refused {
        Outcome::NotVerified
    } else {
        Outcome::Ok
    })
}

fn print_row(row: &SyncRow) {
    let r = &row.reference;
    match &row.outcome {
        SyncOutcome::Applied { version, diff } => {
            println!("{r}: version {version} applied");
            print_diff(diff);
        }
        SyncOutcome::Planned { version, diff } => {
            println!("{r}: version {version} would change (nothing applied)");
            print_diff(diff);
        }
        SyncOutcome::UpToDate {
            version,
            not_applied,
        } => {
            println!("{r}: version {version}, up to date");
            print_identities(&[("skipped", not_applied)]);
        }
        SyncOutcome::Refused { problem, .. } => println!("{r}: refused: {problem}"),
        _ => println!(
            "{r}: {}",
            serde_json::to_string(&row.outcome).unwrap_or_default()
        ),
    }
}

fn print_diff(diff: &ListDiff) {
    /// The words of the groups, in the order of the diff's fields.
    const WORDS: [&str; 6] = ["added", "changed", "revoked", "removed", "kept", "skipped"];
    let d = diff;
    let keys: [&[KeyChange]; 5] = [&d.added, &d.changed, &d.revoked, &d.removed, &d.kept_local];
    let i = &diff.identities;
    let identities: [&[IdentityChange]; 6] = [
        &i.added,
        &i.changed,
        &i.revoked,
        &i.removed,
        &i.kept_local,
        &i.not_applied,
    ];
    if diff.is_empty() && diff.kept_local.is_empty() && i.kept_local.is_empty() {
        println!("  no change to the trust set");
    }
    for (word, changes) in WORDS.into_iter().zip(keys) {
        for c in changes {
            let who = format!("{} ({})", c.publisher, short_fingerprint(&c.fingerprint));
            print_change(word, &who, &c.scopes, &c.detail);
        }
    }
    let groups: Vec<_> = WORDS.into_iter().zip(identities).collect();
    print_identities(&groups);
}

/// The identity lines of a diff, and how to add a trusted root when one is missing.
fn print_identities(groups: &[(&str, &[IdentityChange])]) {
    for (word, changes) in groups {
        for c in *changes {
            let root = c
                .trusted_root
                .as_deref()
                .map_or(String::new(), |r| format!(", root `{r}`"));
            let who = format!(
                "identity {} ({} `{}` by {}{root})",
                c.publisher, c.subject_kind, c.subject, c.issuer
            );
            print_change(word, &who, &c.scopes, &c.detail);
        }
    }
    if groups
        .iter()
        .any(|(word, changes)| *word == "skipped" && !changes.is_empty())
    {
        println!(
            "  A trusted root is added with `vouch trust-root add FILE --name NAME` (the same file the list's publisher added); then sync again."
        );
    }
}

/// One line of a diff: what happens, to whom, for which repositories, and why.
fn print_change(word: &str, who: &str, scopes: &[String], detail: &str) {
    let scopes = if scopes.is_empty() {
        "every repository".to_string()
    } else {
        scopes.join(", ")
    };
    let detail = if detail.is_empty() {
        String::new()
    } else {
        format!(": {detail}")
    };
    println!("  {word:<8} {who} [{scopes}]{detail}");
}

pub(crate) fn subscriptions(json: bool) -> Result<Outcome> {
    let profile = vouch_core::paths::profile()?;
    let now = now();
    let infos: Vec<SubscriptionInfo> = Subscriptions::load(&profile)
        .map_err(lift)?
        .subscriptions
        .iter()
        .map(|s| SubscriptionInfo::of(s, now))
        .collect();
    if json {
        print_json(&infos)?;
        return Ok(Outcome::Ok);
    }
    if infos.is_empty() {
        println!("No subscriptions");
    }
    for i in &infos {
        let version = i
            .version
            .map_or("never synced".to_string(), |v| format!("version {v}"));
        let expires = i
            .expires_at
            .map_or(String::new(), |t| format!(", expires {}", rfc3339(t)));
        let synced = i
            .last_sync
            .map_or(String::new(), |t| format!(", last sync {}", rfc3339(t)));
        let stale = if i.stale { " — STALE (expired)" } else { "" };
        println!(
            "{} ({} of {} admin(s)): {version}{expires}{synced}{stale}",
            i.reference,
            i.threshold,
            i.signers.len()
        );
        if let Some(p) = &i.last_problem {
            println!("  last sync refused at {}: {}", rfc3339(p.at), p.problem);
        }
    }
    Ok(Outcome::Ok)
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| t.to_string())
}
