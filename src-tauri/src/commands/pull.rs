//! Pulling an image: verified again here, gated by vouch-core's `pull::plan`, pulled pinned by
//! digest with the engine found on `PATH`, its output streamed to the window.

use serde::Serialize;
use tauri::ipc::Channel;
use vouch_core::pull::{plan, run, Confirmation, Engine};
use vouch_core::verify::Status;

use super::verify::verify_single;
use super::{blocking, load_trust, Shared};
use crate::error::IpcResult;

/// Output of a pull, streamed line by line.
#[derive(Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum PullEvent {
    Line { text: String },
}

#[derive(Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub(crate) struct PullOutcome {
    /// `repository@sha256:…`: what was (or would be) pulled.
    pinned: String,
    /// The command that pulls it (to copy when no engine is installed).
    command: String,
    /// The engine, when one was found and run.
    tool: Option<Engine>,
    pulled: bool,
    /// The status the image was pulled with (a `warn` scope may pull an unverified image).
    status: Status,
}

/// Verify, then pull pinned by digest. The image is verified again here, so the window cannot
/// pull something the core did not just accept; `accept_unverified` is the user's confirmation
/// for an unverified image in a `warn`/`off` scope.
#[tauri::command]
pub(crate) async fn pull_image(
    state: Shared<'_>,
    reference: String,
    accept_unverified: bool,
    on_event: Channel<PullEvent>,
) -> IpcResult<PullOutcome> {
    let verdict = verify_single(load_trust(&state).await?, reference).await?;
    let plan = plan(&verdict, Confirmation::from_flag(accept_unverified))?;
    let Some((engine, path)) = Engine::find(None) else {
        return Ok(PullOutcome {
            command: plan.command_line(Engine::Docker),
            pinned: plan.pinned,
            tool: None,
            pulled: false,
            status: plan.status,
        });
    };
    let command = plan.command_line(engine);
    let (plan, pulled) = blocking(move || {
        let pulled = run(engine, &path, &plan, |text| {
            let _ = on_event.send(PullEvent::Line { text });
        })?;
        Ok((plan, pulled))
    })
    .await?;
    Ok(PullOutcome {
        pinned: plan.pinned,
        command,
        tool: Some(engine),
        pulled,
        status: plan.status,
    })
}
