//! `vouch`: manage trusted publisher keys, verify and sign container images.
//!
//! Exit codes: 0 success (every image verified), 1 at least one image not verified (for `pull`:
//! refused by the gate), 2 could not run (bad arguments, keychain, I/O), with one sentence on stderr.

mod commands;
mod input;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "vouch",
    version,
    about = "Trust manager for container images: verify before you pull",
    propagate_version = true
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Manage the publisher keys you trust
    #[command(subcommand)]
    Key(commands::key::KeyCmd),
    /// Set the policy for repositories matching a pattern
    #[command(subcommand)]
    Policy(commands::policy::PolicyCmd),
    /// Export or import the whole trust set (no private keys)
    #[command(subcommand)]
    Trust(commands::trust::TrustCmd),
    /// Verify images: are they signed by keys you trust, for their repository and digest?
    Verify(commands::verify::VerifyArgs),
    /// Sign an image with a key held in the keychain (cosign-compatible; appends)
    Sign(commands::sign::SignArgs),
    /// Show an image's verdict, metadata and attestations (who built it, from what source)
    Inspect(commands::inspect::InspectArgs),
    /// Verify, then pull with docker or podman pinned by the verified digest
    Pull(commands::pull::PullArgs),
    /// Attest an image (in-toto statement, DSSE-signed, cosign-compatible; appends)
    Attest(commands::attest::AttestArgs),
    /// Report what Vouch can reach here: keychain, docker/podman, configuration
    Doctor {
        #[arg(long)]
        json: bool,
    },
}

/// What a command asks `main` to exit with.
pub(crate) enum Outcome {
    Ok,
    NotVerified,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let result = match cli.command {
        Command::Key(cmd) => commands::key::run(cmd),
        Command::Policy(cmd) => commands::policy::run(cmd),
        Command::Trust(cmd) => commands::trust::run(cmd),
        Command::Doctor { json } => commands::doctor::run(json),
        Command::Verify(args) => commands::verify::run(args),
        Command::Sign(args) => commands::sign::run(args),
        Command::Inspect(args) => commands::inspect::run(args),
        Command::Attest(args) => commands::attest::run(args),
        Command::Pull(args) => commands::pull::run(args),
    };
    match result {
        Ok(Outcome::Ok) => ExitCode::SUCCESS,
        Ok(Outcome::NotVerified) => ExitCode::from(1),
        Err(e) => {
            eprintln!("vouch: {e:#}");
            ExitCode::from(2)
        }
    }
}
