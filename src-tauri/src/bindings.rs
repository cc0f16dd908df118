//! Writes the TypeScript types of the shell's own IPC values (command arguments, events,
//! errors) beside vouch-core's. `scripts/gen-ts.sh` runs it with `VOUCH_TS_OUT` set.

use ts_rs::{Config, TS};

use crate::boot::Boot;
use crate::commands::export::{ExportPreview, ExportSaved};
use crate::commands::files::{CaFileChoice, KeyChoice, Saved, TrustSetChoice};
use crate::commands::identities::AddIdentityArgs;
use crate::commands::keys::{AddKeyArgs, EditKeyArgs, GenerateKeyArgs};
use crate::commands::pull::{PullEvent, PullOutcome};
use crate::commands::search::{RepositoryTags, SearchAnswer};
use crate::commands::trust_lists::SyncCheck;
use crate::commands::verify::VerifyEvent;
use crate::error::IpcError;

#[test]
fn export_bindings() -> Result<(), ts_rs::ExportError> {
    let out = std::env::var_os("VOUCH_TS_OUT")
        .unwrap_or_else(|| concat!(env!("CARGO_MANIFEST_DIR"), "/../ui/src/ipc/generated").into());
    let cfg = Config::new().with_out_dir(out).with_large_int("number");
    Boot::export_all(&cfg)?;
    AddKeyArgs::export_all(&cfg)?;
    EditKeyArgs::export_all(&cfg)?;
    GenerateKeyArgs::export_all(&cfg)?;
    AddIdentityArgs::export_all(&cfg)?;
    VerifyEvent::export_all(&cfg)?;
    Saved::export_all(&cfg)?;
    KeyChoice::export_all(&cfg)?;
    CaFileChoice::export_all(&cfg)?;
    SearchAnswer::export_all(&cfg)?;
    RepositoryTags::export_all(&cfg)?;
    TrustSetChoice::export_all(&cfg)?;
    PullEvent::export_all(&cfg)?;
    PullOutcome::export_all(&cfg)?;
    ExportPreview::export_all(&cfg)?;
    ExportSaved::export_all(&cfg)?;
    SyncCheck::export_all(&cfg)?;
    IpcError::export_all(&cfg)?;
    Ok(())
}
