//! `vouch history [--json] [--recheck] [--clear]`: the active profile's past checks, newest
//! first, shared with the window (`vouch_core::history`).

use anyhow::{bail, Result};
use time::format_description::well_known::Rfc3339;
use vouch_core::history::{History, HistoryRead, HISTORY_LIMIT};

use super::print_json;
use super::verify::{at_digest, status_word, VerifyArgs};
use crate::Outcome;

#[derive(clap::Args)]
pub(crate) struct HistoryArgs {
    /// Print the entries as a JSON array (newest first); with --recheck, the new verdicts
    #[arg(long)]
    json: bool,
    /// Verify every image in the history again (each reference once) and record the verdicts
    #[arg(long, conflicts_with = "clear")]
    recheck: bool,
    /// Forget every past check of this profile
    #[arg(long)]
    clear: bool,
    #[command(flatten)]
    registry: super::RegistryFlags,
}

pub(crate) fn run(args: HistoryArgs) -> Result<Outcome> {
    let history = History::for_profile(&vouch_core::paths::profile()?);
    if args.clear {
        history.clear()?;
        println!("Forgot every past check of this profile");
        return Ok(Outcome::Ok);
    }
    let read = history.read()?;
    if let Some(warning) = &read.warning {
        eprintln!("vouch: warning: {warning}");
    }
    if args.recheck {
        let images = read.references();
        if images.is_empty() {
            bail!("the history is empty: there is nothing to check again");
        }
        return super::verify::run(VerifyArgs::again(images, args.json, args.registry));
    }
    if args.json {
        print_json(&read.entries)?;
    } else {
        print_human(&read);
    }
    Ok(Outcome::Ok)
}

fn print_human(read: &HistoryRead) {
    if read.entries.is_empty() {
        println!("No checks recorded yet (the last {HISTORY_LIMIT} are kept)");
        return;
    }
    for e in &read.entries {
        let when = e
            .checked_at
            .format(&Rfc3339)
            .unwrap_or_else(|_| e.checked_at.to_string());
        println!(
            "{when}  {:<9} {}{}  {}",
            status_word(e.status),
            e.reference,
            at_digest(e.digest.as_deref()),
            e.reason
        );
    }
}
