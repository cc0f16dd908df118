//! `vouch policy …`: what each scope requires.

use anyhow::Result;
use clap::Subcommand;
use vouch_core::trust::PolicyMode;

use super::{open_store, print_json};
use crate::Outcome;

#[derive(Subcommand)]
pub(crate) enum PolicyCmd {
    /// Set the policy of repositories matching GLOB (most specific pattern wins)
    Set {
        glob: String,
        #[arg(long)]
        mode: PolicyMode,
        /// Distinct trusted keys that must have signed
        #[arg(long, default_value_t = 1)]
        threshold: u32,
    },
    /// Remove the policy of GLOB
    Rm { glob: String },
    /// List policies
    List {
        #[arg(long)]
        json: bool,
    },
}

pub(crate) fn run(cmd: PolicyCmd) -> Result<Outcome> {
    let store = open_store()?;
    match cmd {
        PolicyCmd::Set {
            glob,
            mode,
            threshold,
        } => {
            let p = store.set_policy(&glob, mode, threshold)?;
            println!(
                "Policy for {}: {}, {} distinct key{}",
                p.pattern,
                p.mode,
                p.threshold,
                if p.threshold == 1 { "" } else { "s" }
            );
        }
        PolicyCmd::Rm { glob } => {
            if store.remove_policy(&glob)? {
                println!("Removed the policy for {glob}");
            } else {
                anyhow::bail!("there is no policy for `{glob}`; `vouch policy list` shows them");
            }
        }
        PolicyCmd::List { json } => {
            let set = store.load()?;
            if json {
                print_json(&set.policies)?;
            } else {
                println!("default: enforce, 1 key (where no pattern matches)");
                for p in &set.policies {
                    println!("{}: {}, {} key(s)", p.pattern, p.mode, p.threshold);
                }
            }
        }
    }
    Ok(Outcome::Ok)
}
