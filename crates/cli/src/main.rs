//! `vouch`: manage trusted publisher keys, verify and sign container images.
//!
//! Exit codes: 0 success (every image verified), 1 at least one image not verified (for `pull`:
//! refused by the gate), 2 could not run (bad arguments, keychain, I/O), with one sentence on stderr.

mod commands;
mod input;
mod progress;

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
    /// Manage the keyless publishers you trust (OIDC identities in Sigstore certificates)
    #[command(subcommand)]
    Identity(commands::identity::IdentityCmd),
    /// Set the policy for repositories matching a pattern
    #[command(subcommand)]
    Policy(commands::policy::PolicyCmd),
    /// Export or import the whole trust set (no private keys)
    #[command(subcommand)]
    Trust(commands::trust::TrustCmd),
    /// Export the trust set for the engines that enforce it on fleets (containers-policy.json, Kyverno,
    /// policy-controller)
    #[command(subcommand)]
    Export(commands::export::ExportCmd),
    /// The Sigstore trusted roots keyless signatures are verified with: update the public-good
    /// one through TUF, add custom ones
    #[command(subcommand)]
    TrustRoot(commands::trust_root::TrustRootCmd),
    /// Verify images: are they signed by keys you trust, for their repository and digest?
    Verify(commands::verify::VerifyArgs),
    /// Verify one Sigstore bundle offline against a file or its sha256 digest (the Sigstore
    /// conformance suite's protocol)
    VerifyBundle(commands::verify_bundle::VerifyBundleArgs),
    /// The images checked in this profile, newest first (shared with the window); --recheck
    /// verifies them again
    History(commands::history::HistoryArgs),
    /// Sign an image with a key held in the keychain (cosign-compatible; appends)
    Sign(commands::sign::SignArgs),
    /// Show an image's verdict, metadata and attestations (who built it, from what source)
    Inspect(commands::inspect::InspectArgs),
    /// Verify, then pull with docker or podman pinned by the verified digest
    Pull(commands::pull::PullArgs),
    /// Attest an image (in-toto statement, DSSE-signed, cosign-compatible; appends)
    Attest(commands::attest::AttestArgs),
    /// Find repositories in your registries, on Docker Hub and in your trusted scopes, with who
    /// covers each
    Search(commands::search::SearchArgs),
    /// List a repository's tags
    Tags(commands::search::TagsArgs),
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
    /// Stopped by Ctrl+C: 130, as a shell reports a command ended by SIGINT.
    Interrupted,
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
        Command::Identity(cmd) => commands::identity::run(cmd),
        Command::Policy(cmd) => commands::policy::run(cmd),
        Command::Trust(cmd) => commands::trust::run(cmd),
        Command::Export(cmd) => commands::export::run(cmd),
        Command::TrustRoot(cmd) => commands::trust_root::run(cmd),
        Command::Doctor { json } => commands::doctor::run(json),
        Command::Verify(args) => commands::verify::run(args),
        Command::VerifyBundle(args) => commands::verify_bundle::run(args),
        Command::History(args) => commands::history::run(args),
        Command::Sign(args) => commands::sign::run(args),
        Command::Inspect(args) => commands::inspect::run(args),
        Command::Attest(args) => commands::attest::run(args),
        Command::Pull(args) => commands::pull::run(args),
        Command::Search(args) => commands::search::run_search(args),
        Command::Tags(args) => commands::search::run_tags(args),
    };
    match result {
        Ok(Outcome::Ok) => ExitCode::SUCCESS,
        Ok(Outcome::NotVerified) => ExitCode::from(1),
        Ok(Outcome::Interrupted) => ExitCode::from(130),
        Err(e) => {
            eprintln!("vouch: {e:#}");
            if let Some(h) = hint(&e) {
                eprintln!("hint: {h}");
            }
            ExitCode::from(2)
        }
    }
}

/// What a person at the terminal can do about an error. The core says what went wrong and
/// nothing about commands (the window has its own hints); the CLI adds its own here.
fn hint(e: &anyhow::Error) -> Option<&'static str> {
    use vouch_core::keys::KeyError;
    use vouch_core::trust::TrustError;
    for cause in e.chain() {
        if let Some(t) = cause.downcast_ref::<TrustError>() {
            return match t {
                TrustError::KeychainUnreachable { .. } => Some(
                    "start a Secret Service provider (gnome-keyring or KWallet) in this session; \
                     `vouch doctor` shows what Vouch can reach",
                ),
                TrustError::KeychainLocked { .. } => Some(
                    "unlock the keychain (log in to the desktop session, or \
                     `gnome-keyring-daemon --unlock`) and try again",
                ),
                TrustError::NotFound(_) => {
                    Some("`vouch key list` shows the fingerprints and publishers you have")
                }
                TrustError::IdentityNotFound(_) => {
                    Some("`vouch identity list` shows the ids and publishers you have")
                }
                TrustError::KeychainLostMidWrite { .. } => Some(
                    "`vouch key list` and `vouch policy list` show whether the change was made",
                ),
                TrustError::NoPrivateKey(_) => Some(
                    "only keys made with `vouch key generate` or imported with \
                     `vouch key import-private` can sign",
                ),
                TrustError::Key(KeyError::PrivateKeyGivenAsPublic) => {
                    Some("import a signing key with `vouch key import-private`")
                }
                _ => None,
            };
        }
        if let Some(
            vouch_core::registry::RegistryError::Unauthorized { .. }
            | vouch_core::registry::RegistryError::CredentialsRejected { .. },
        ) = cause.downcast_ref()
        {
            return Some(
                "log in with `docker login HOST` (or podman login), or set REGISTRY_AUTH_FILE",
            );
        }
        if let Some(vouch_core::registry::RegistryError::Tls { problem, .. }) = cause.downcast_ref()
        {
            use vouch_core::registry::TlsProblem;
            return match problem {
                TlsProblem::UnknownCa => Some(
                    "if you trust this registry's CA, put its certificate in \
                     ~/.config/containers/certs.d/HOST:PORT/ca.crt (or /etc/containers/certs.d/…)",
                ),
                TlsProblem::ClientCertificateRequired => Some(
                    "put client.cert and client.key in \
                     ~/.config/containers/certs.d/HOST:PORT/ (or /etc/containers/certs.d/…)",
                ),
                _ => None,
            };
        }
        if let Some(vouch_core::export::ExportError::ScopeOverlap { .. }) = cause.downcast_ref() {
            return Some(
                "add the repository itself as a scope (or remove it), or pass                  --accept-scope-overlap to export anyway with the overlap named in the summary",
            );
        }
        if let Some(vouch_core::sigstore::roots::TrustRootError::NotFound { .. }) =
            cause.downcast_ref()
        {
            return Some(
                "`vouch trust-root list` shows the roots you have; add one with \
                 `vouch trust-root add FILE --name NAME`",
            );
        }
        if let Some(KeyError::PrivateKeyGivenAsPublic) = cause.downcast_ref::<KeyError>() {
            return Some("import a signing key with `vouch key import-private`");
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use vouch_core::trust::TrustError;

    /// Regression: `trust publish --version` clashed with clap's own `--version`, a panic at
    /// parse time that only a run of that very command showed.
    #[test]
    fn every_command_definition_is_valid() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }

    #[test]
    fn the_cli_adds_its_own_hints_to_core_errors() {
        let e = anyhow::Error::new(TrustError::NotFound("acme".into())).context("key show");
        assert_eq!(
            hint(&e),
            Some("`vouch key list` shows the fingerprints and publishers you have")
        );
        let e = anyhow::anyhow!("something else");
        assert_eq!(hint(&e), None);
    }
}
