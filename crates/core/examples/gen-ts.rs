//! Writes the TypeScript types of vouch-core's IPC values (ui/src/ipc/generated/), one file per
//! type plus `index.ts`. Run through `scripts/gen-ts.sh`, which also adds the shell's types;
//! `scripts/check-generated.sh` (in `make lint`) fails when the checked-in files are stale.
//!
//! `cargo run -p vouch-core --features ts --example gen-ts -- OUT_DIR`

use std::path::PathBuf;

use ts_rs::{Config, TS};
use vouch_core::config::Settings;
use vouch_core::doctor::DoctorReport;
use vouch_core::export::Target;
use vouch_core::extract::{DroppedFile, Extracted};
use vouch_core::history::HistoryRead;
use vouch_core::keys::Algorithm;
use vouch_core::provenance::Inspection;
use vouch_core::registry::check::RegistryAccess;
use vouch_core::search::SearchResults;
use vouch_core::trust::lists::{
    CosignOutcome, PublishOutcome, SubscriptionInfo, SyncOutcome, SyncPlan,
};
use vouch_core::trust::{
    DefaultPolicy, IdentityInfo, ImportReport, KeyInfo, Policy, TrustedIdentity, TrustedKey,
};
use vouch_core::verify::Verdict;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out: PathBuf = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .ok_or("usage: gen-ts OUT_DIR")?;
    // Sizes are byte counts far below 2^53: plain numbers, as serde_json writes them.
    let cfg = Config::new().with_out_dir(&out).with_large_int("number");
    // The roots the UI receives; every type they contain is written too.
    Verdict::export_all(&cfg)?;
    Inspection::export_all(&cfg)?;
    TrustedKey::export_all(&cfg)?;
    KeyInfo::export_all(&cfg)?;
    TrustedIdentity::export_all(&cfg)?;
    IdentityInfo::export_all(&cfg)?;
    Algorithm::export_all(&cfg)?;
    Policy::export_all(&cfg)?;
    DefaultPolicy::export_all(&cfg)?;
    HistoryRead::export_all(&cfg)?;
    ImportReport::export_all(&cfg)?;
    Extracted::export_all(&cfg)?;
    DroppedFile::export_all(&cfg)?;
    DoctorReport::export_all(&cfg)?;
    Settings::export_all(&cfg)?;
    SearchResults::export_all(&cfg)?;
    RegistryAccess::export_all(&cfg)?;
    SyncPlan::export_all(&cfg)?;
    SyncOutcome::export_all(&cfg)?;
    SubscriptionInfo::export_all(&cfg)?;
    PublishOutcome::export_all(&cfg)?;
    CosignOutcome::export_all(&cfg)?;
    Target::export_all(&cfg)?;
    Ok(())
}
