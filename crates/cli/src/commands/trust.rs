//! `vouch trust export|import`: the whole trust set as a versioned JSON document; the signed
//! team trust lists (`publish`, `cosign`, `subscribe`, `sync`, `subscriptions`) are in
//! `trust_lists`.

use anyhow::{Context, Result};
use clap::Subcommand;
use vouch_core::trust::TrustSet;

use super::open_store;
use crate::input::read_source;
use crate::Outcome;

#[derive(Subcommand)]
pub(crate) enum TrustCmd {
    /// Write the trust set (keys, identities, scopes, policies; never private keys) to FILE (`-`: stdout)
    Export { file: String },
    /// Merge a trust set from FILE (`-`: stdin); conflicts are reported and the local value kept
    Import { file: String },
    /// Publish the trust set (or the publishers of chosen scopes) to a registry as a signed
    /// team trust list: REGISTRY/REPO:TAG
    Publish(super::trust_lists::PublishArgs),
    /// Add admin signatures to a published trust list (N of M admins)
    Cosign(super::trust_lists::CosignArgs),
    /// Subscribe to a team trust list, trusting the signatures of the admins named
    Subscribe(super::trust_lists::SubscribeArgs),
    /// Stop following a team trust list (the keys it added stay, marked with their source)
    Unsubscribe { reference: String },
    /// Fetch, verify and apply the subscribed trust lists; prints what changed
    Sync(super::trust_lists::SyncArgs),
    /// Show each subscription: version, expiry, last sync, stale
    Subscriptions {
        #[arg(long)]
        json: bool,
    },
}

pub(crate) fn run(cmd: TrustCmd) -> Result<Outcome> {
    use super::trust_lists as lists;
    let cmd = match cmd {
        TrustCmd::Publish(args) => return lists::publish(args),
        TrustCmd::Cosign(args) => return lists::cosign(args),
        TrustCmd::Subscribe(args) => return lists::subscribe(args),
        TrustCmd::Sync(args) => return lists::sync(args),
        TrustCmd::Unsubscribe { reference } => return lists::unsubscribe(&reference),
        TrustCmd::Subscriptions { json } => return lists::subscriptions(json),
        other => other,
    };
    let store = open_store()?;
    match cmd {
        TrustCmd::Export { file } => {
            let set = store.export_set()?;
            let json = set.to_json()?;
            if file == "-" {
                println!("{}", String::from_utf8_lossy(&json));
            } else {
                std::fs::write(&file, &json)
                    .with_context(|| format!("could not write `{file}`"))?;
                println!(
                    "Exported {} key(s), {} identit(ies) and {} polic(ies) to {file}",
                    set.keys.len(),
                    set.identities.len(),
                    set.policies.len()
                );
            }
        }
        TrustCmd::Import { file } => {
            let bytes = read_source(&file)?;
            let set = TrustSet::from_json(&bytes).with_context(|| format!("`{file}`"))?;
            let r = store.import_set(&set)?;
            println!(
                "Imported: {} added, {} unchanged, {} revoked, {} polic(ies) added, {} conflict(s)",
                r.added.len(),
                r.unchanged.len(),
                r.revoked.len(),
                r.policies_added.len(),
                r.conflicts.len()
            );
            for c in &r.conflicts {
                println!("conflict: {c}");
            }
        }
        _ => {}
    }
    Ok(Outcome::Ok)
}
