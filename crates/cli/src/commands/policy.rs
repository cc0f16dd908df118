//! `vouch policy …`: what each scope requires.

use anyhow::Result;
use clap::Subcommand;
use vouch_core::trust::PolicyMode;

use super::{open_store, print_json};
use crate::Outcome;

#[derive(Subcommand)]
pub(crate) enum PolicyCmd {
    /// Set the policy of repositories matching GLOB (most specific pattern wins), or with
    /// --default the policy where no pattern matches
    Set {
        #[arg(required_unless_present = "default", conflicts_with = "default")]
        glob: Option<String>,
        /// Set the default policy: what applies where no pattern matches
        #[arg(long)]
        default: bool,
        #[arg(long)]
        mode: PolicyMode,
        /// Distinct trusted keys that must have signed
        #[arg(long, default_value_t = 1)]
        threshold: u32,
    },
    /// Remove the policy of GLOB
    Rm { glob: String },
    /// List the default policy and the policies of patterns (`--json`: the patterns' policies,
    /// an array as always; `vouch policy default --json` gives the default)
    List {
        #[arg(long)]
        json: bool,
    },
    /// Show the default policy: what applies where no pattern matches
    Default {
        #[arg(long)]
        json: bool,
    },
}

pub(crate) fn run(cmd: PolicyCmd) -> Result<Outcome> {
    let store = open_store()?;
    match cmd {
        PolicyCmd::Set {
            glob,
            default,
            mode,
            threshold,
        } => match glob {
            // clap refuses a GLOB together with --default, and requires one of them.
            Some(glob) => {
                let p = store.set_policy(&glob, mode, threshold)?;
                println!("Policy for {}: {}", p.pattern, terms(p.mode, p.threshold));
            }
            None => {
                debug_assert!(default);
                let d = store.set_default_policy(mode, threshold)?;
                println!(
                    "Default policy (where no pattern matches): {}",
                    terms(d.mode, d.threshold)
                );
            }
        },
        PolicyCmd::Rm { glob } => {
            if store.remove_policy(&glob)? {
                println!("Removed the policy for {glob}");
            } else {
                anyhow::bail!("there is no policy for `{glob}`; `vouch policy list` shows them");
            }
        }
        PolicyCmd::List { json } => {
            let set = store.load()?;
            let default = set.default_policy();
            if json {
                // The array scripts already read; the default has its own verb.
                print_json(&set.policies)?;
            } else {
                println!(
                    "default: {} (where no pattern matches)",
                    terms(default.mode, default.threshold)
                );
                for p in &set.policies {
                    println!("{}: {}", p.pattern, terms(p.mode, p.threshold));
                }
            }
        }
        PolicyCmd::Default { json } => {
            let default = store.load()?.default_policy();
            if json {
                print_json(&default)?;
            } else {
                println!(
                    "default: {} (where no pattern matches)",
                    terms(default.mode, default.threshold)
                );
            }
        }
    }
    Ok(Outcome::Ok)
}

/// `enforce, 2 distinct keys`.
fn terms(mode: PolicyMode, threshold: u32) -> String {
    format!(
        "{mode}, {threshold} distinct key{}",
        if threshold == 1 { "" } else { "s" }
    )
}
