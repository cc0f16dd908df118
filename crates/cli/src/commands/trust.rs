//! `vouch trust export|import`: the whole trust set as a versioned JSON document.

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
}

pub(crate) fn run(cmd: TrustCmd) -> Result<Outcome> {
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
    }
    Ok(Outcome::Ok)
}
