//! `vouch pull IMAGE [--yes] [--engine podman|docker] [--insecure-registry HOST]...`: verify,
//! then pull with docker or podman pinned by the verified digest (`repository@sha256:…`).
//!
//! The gate is vouch-core's `pull::plan`, the same as the window's: exit 1 when it refuses
//! (the engine never runs), 2 when the engine cannot run or fails, 0 when the image was pulled.

use std::sync::Arc;

use anyhow::{bail, Context, Result};
use vouch_core::pull::{plan, Confirmation, Engine, Refusal};
use vouch_core::verify::verify_batch;

use super::open_store;
use crate::Outcome;

#[derive(clap::Args)]
pub(crate) struct PullArgs {
    /// The image (`ghcr.io/acme/app:1.2`, `host:port/repo@sha256:…`)
    image: String,
    /// Pull even if the image is not verified, where its scope's policy is `warn` or `off`
    /// (an enforcing scope still refuses)
    #[arg(long, short = 'y')]
    yes: bool,
    /// The container engine to run (default: docker if installed, else podman)
    #[arg(long, value_name = "podman|docker")]
    engine: Option<Engine>,
    #[command(flatten)]
    registry: super::RegistryFlags,
}

pub(crate) fn run(args: PullArgs) -> Result<Outcome> {
    let trust = open_store()?.load()?;
    let opts = vouch_core::verify::VerifyOptions {
        registry: args.registry.options(),
        ..Default::default()
    };
    let verdict = super::current_thread_runtime()?
        .block_on(verify_batch(
            vec![args.image],
            Arc::new(trust),
            opts,
            |_, _| {},
        ))
        .into_iter()
        .next()
        .context("the verifier returned no verdict")?;
    let plan = match plan(&verdict, Confirmation::from_flag(args.yes)) {
        Ok(plan) => plan,
        Err(refusal) => {
            eprintln!("vouch: {refusal}{}", hint(&refusal));
            return Ok(Outcome::NotVerified);
        }
    };
    let Some((engine, path)) = Engine::find(args.engine) else {
        let wanted = args
            .engine
            .map_or("docker or podman".into(), |e| e.to_string());
        bail!(
            "{} is {}, but {wanted} is not on PATH; pull it yourself with `{}`",
            plan.pinned,
            plan.status,
            plan.command_line(args.engine.unwrap_or(Engine::Docker))
        );
    };
    eprintln!(
        "vouch: {} is {}; {}",
        plan.pinned,
        plan.status,
        plan.command_line(engine)
    );
    let status = std::process::Command::new(&path)
        .args(plan.args())
        .status()
        .with_context(|| format!("could not run {}", path.display()))?;
    if !status.success() {
        bail!("{engine} could not pull {} ({status})", plan.pinned);
    }
    Ok(Outcome::Ok)
}

/// The CLI's own hint after the core's refusal.
fn hint(refusal: &Refusal) -> &'static str {
    match refusal {
        Refusal::NeedsConfirmation { .. } => "; pass --yes to pull it anyway",
        _ => "",
    }
}
