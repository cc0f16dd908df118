//! `vouch trust-root update|add|list|rm`: the Sigstore trusted roots of the active profile.

use anyhow::{bail, Context, Result};
use clap::Subcommand;
use vouch_core::sigstore::roots::{RootInfo, RootOrigin, RootStore, UpdateSource, PUBLIC_GOOD};

use super::{current_thread_runtime, print_json};
use crate::input::read_source;
use crate::Outcome;

#[derive(Subcommand)]
pub(crate) enum TrustRootCmd {
    /// Refresh the Sigstore public-good trusted root through TUF (stored for this profile;
    /// verification never fetches it)
    Update {
        /// The TUF repository (default: the public-good one, `https://tuf-repo-cdn.sigstore.dev`)
        #[arg(long, value_name = "URL")]
        repository: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Add a custom Sigstore trusted root (trusted_root.json of a private deployment, GitHub's
    /// instance, staging) under a name identities can be tied to
    Add {
        /// The trusted root (JSON, `application/vnd.dev.sigstore.trustedroot+json`); `-` for stdin
        #[arg(value_name = "FILE")]
        file: String,
        #[arg(long, value_name = "NAME")]
        name: String,
    },
    /// List the trusted roots: the public-good one (embedded or updated) and the custom ones,
    /// with every entry's validity window
    List {
        #[arg(long)]
        json: bool,
    },
    /// Remove a custom trusted root
    Rm {
        #[arg(value_name = "NAME")]
        name: String,
    },
}

fn store() -> Result<RootStore> {
    Ok(RootStore::for_profile(&vouch_core::paths::profile()?))
}

pub(crate) fn run(cmd: TrustRootCmd) -> Result<Outcome> {
    let store = store()?;
    match cmd {
        TrustRootCmd::Update { repository, json } => update(&store, repository.as_deref(), json),
        TrustRootCmd::Add { file, name } => {
            let bytes = read_source(&file)?;
            let text = String::from_utf8(bytes)
                .with_context(|| format!("`{file}` is not a Sigstore trusted root: not UTF-8"))?;
            let info = store.add(&name, &text, &format!("`{file}`"))?;
            println!(
                "Added the trusted root `{}` ({} entries).",
                info.name,
                info.entries.len()
            );
            Ok(Outcome::Ok)
        }
        TrustRootCmd::List { json } => {
            let roots = store.list()?;
            if json {
                print_json(&roots)?;
            } else {
                print_roots(&roots);
            }
            Ok(Outcome::Ok)
        }
        TrustRootCmd::Rm { name } => {
            store.remove(&name)?;
            println!("Removed the trusted root `{name}`.");
            Ok(Outcome::Ok)
        }
    }
}

fn update(store: &RootStore, repository: Option<&str>, json: bool) -> Result<Outcome> {
    let source = UpdateSource::from_environment(repository)?;
    let rt = current_thread_runtime()?;
    match rt.block_on(store.update(&source)) {
        Ok(record) => {
            if json {
                print_json(&record)?;
            } else {
                println!(
                    "Updated the Sigstore public-good trusted root from {}: TUF root version {}, targets version {}, expires {}.",
                    record.repository, record.tuf_root_version, record.targets_version, record.expires
                );
            }
            Ok(Outcome::Ok)
        }
        Err(e) => {
            let in_use = match store.update_record() {
                Ok(Some(r)) => {
                    format!("the root updated at {} from {}", r.updated_at, r.repository)
                }
                _ => "the root embedded in this build".to_owned(),
            };
            bail!("{e}; verification keeps using {in_use}")
        }
    }
}

/// The roots as `trust-root list` and `doctor` print them.
pub(crate) fn print_roots(roots: &[RootInfo]) {
    for r in roots {
        let about = match (&r.origin, &r.update) {
            (RootOrigin::Updated, Some(u)) => format!(
                "updated {} from {} (TUF root version {}, targets version {}, expires {})",
                u.updated_at, u.repository, u.tuf_root_version, u.targets_version, u.expires
            ),
            (RootOrigin::Custom, _) => "custom".to_owned(),
            _ if r.name == PUBLIC_GOOD => "embedded in this build".to_owned(),
            _ => String::new(),
        };
        println!("{}  {about}", r.name);
        if r.stale {
            println!("  its TUF metadata has expired: it is still used, offline; `vouch trust-root update` refreshes it");
        }
        if let Some(p) = &r.problem {
            println!("  problem: {p}");
        }
        for e in &r.entries {
            let window = match (&e.valid_from, &e.valid_until) {
                (Some(from), Some(until)) => format!("valid {from} → {until}"),
                (Some(from), None) => format!("valid since {from}"),
                (None, _) => "no validity window".to_owned(),
            };
            println!("  {:<21} {}  {window}", e.kind, e.label);
        }
    }
}
