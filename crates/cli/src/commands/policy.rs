//! `vouch policy …`: what each scope requires.

use anyhow::Result;
use clap::Subcommand;
use vouch_core::trust::{Coverage, PolicyMode, DEFAULT_POLICY_LABEL};

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
        /// Distinct trusted publishers that must have signed: each key once, a publisher's
        /// keyless identities once together (and not at all beside a key of that publisher)
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
    /// Show the policy for an image's repository and the trusted keys and identities that can
    /// vouch for it now, counted as its threshold counts them
    Show {
        /// An image reference or repository (`nginx`, `ghcr.io/acme/app:1.0`)
        image: String,
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
        PolicyCmd::Show { image, json } => {
            let repository = vouch_core::reference::ImageRef::parse(&image)?.repository();
            let c = store
                .load()?
                .coverage(&repository, time::OffsetDateTime::now_utc());
            if json {
                print_json(&c)?;
            } else {
                show(&c);
            }
        }
    }
    Ok(Outcome::Ok)
}

fn show(c: &Coverage) {
    let p = &c.policy;
    let pattern = p.pattern.as_deref().unwrap_or(DEFAULT_POLICY_LABEL);
    println!(
        "{}: {} ({pattern})",
        c.repository,
        terms(p.mode, p.threshold)
    );
    for g in &c.publishers {
        let mut what = Vec::new();
        if !g.keys.is_empty() {
            what.push(format!("{} key{}", g.keys.len(), plural(g.keys.len())));
        }
        if !g.identities.is_empty() {
            let n = g.identities.len();
            what.push(format!("{n} identit{}", if n == 1 { "y" } else { "ies" }));
        }
        println!(
            "  {}: {} (counts {})",
            g.publisher,
            what.join(" and "),
            g.counts
        );
    }
    println!(
        "{} distinct publisher{} can vouch for it now; the threshold {}",
        c.distinct,
        plural(c.distinct),
        if c.can_meet {
            "can be met"
        } else {
            "cannot be met"
        }
    );
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// `enforce, 2 distinct publishers` (a key, or a publisher's keyless identities, count once).
fn terms(mode: PolicyMode, threshold: u32) -> String {
    format!(
        "{mode}, {threshold} distinct publisher{}",
        if threshold == 1 { "" } else { "s" }
    )
}
