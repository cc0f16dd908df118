//! The pull gate: from a [`Verdict`] and the user's [`Confirmation`], either a [`PullPlan`]
//! (the image pinned by the digest Vouch verified, `repository@sha256:…`) or a [`Refusal`]
//! saying why not.
//!
//! [`plan`] is pure (no I/O, no clock), so every branch is unit-tested; the window and the CLI
//! both call it, so they cannot disagree about what may be pulled. Running the engine
//! (docker or podman) is separate: [`Engine::find`] looks on `PATH`, [`run`] runs it on the
//! pinned reference and hands each output line to the caller. Nothing here prints.
//!
//! The rule: a verified image is pulled; an image that is not verified is pulled only in a
//! scope whose policy does not enforce (`warn` or `off`) and only when the user confirmed it;
//! an image that did not resolve to a digest is never pulled (there is nothing to pin).

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};

use serde::{Deserialize, Serialize};

use crate::trust::PolicyMode;
use crate::verify::{Status, Verdict};

/// What the user said about pulling an image that is not verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Confirmation {
    /// No confirmation: only verified images are pulled.
    #[default]
    None,
    /// The user accepts pulling an unverified image where the scope's policy allows it
    /// (`warn` or `off`); an enforcing scope still refuses.
    AcceptUnverified,
}

impl Confirmation {
    /// `true` (a confirmation checkbox, `--yes`) → [`Confirmation::AcceptUnverified`].
    pub fn from_flag(accept_unverified: bool) -> Self {
        if accept_unverified {
            Self::AcceptUnverified
        } else {
            Self::None
        }
    }
}

/// An image the gate lets through, pinned by the digest that was verified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PullPlan {
    /// `repository@sha256:…`: the only thing the engine is given.
    pub pinned: String,
    /// The verdict's status: `verified`, or what an accepted unverified image was.
    pub status: Status,
}

impl PullPlan {
    /// The arguments the engine runs with: `pull repository@sha256:…`.
    pub fn args(&self) -> [&str; 2] {
        ["pull", &self.pinned]
    }

    /// The command line to show or copy, e.g. `podman pull ghcr.io/acme/app@sha256:…`.
    pub fn command_line(&self, engine: Engine) -> String {
        format!("{} pull {}", engine.as_str(), self.pinned)
    }
}

/// Why an image is not pulled. Each says what is wrong; how to override (a confirmation
/// button, `--yes`) is the shell's to add.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Refusal {
    /// The reference did not resolve to a manifest digest Vouch hashed: nothing to pin.
    #[error("not pulled: the image did not resolve to a digest ({reason})")]
    Unresolved { reason: String },
    /// Not verified, in a scope whose policy enforces verification.
    #[error("not pulled: the image is {status} ({reason}) and its scope enforces verification")]
    Blocked { status: Status, reason: String },
    /// Not verified, in a `warn` or `off` scope, and the user has not confirmed.
    #[error(
        "not pulled: the image is {status} ({reason}); its scope's policy is {mode}, so it is \
         pulled only when you confirm"
    )]
    NeedsConfirmation {
        status: Status,
        mode: PolicyMode,
        reason: String,
    },
}

/// Decides whether the image of `verdict` may be pulled, and pinned to what.
pub fn plan(verdict: &Verdict, confirmation: Confirmation) -> Result<PullPlan, Refusal> {
    // Only `sha256:` + 64 lower-case hex is handed to an engine: anything else could be read as
    // an option or another reference.
    let pinned = match (&verdict.repository, &verdict.digest) {
        (Some(repository), Some(digest)) if crate::oci::is_sha256_digest(digest) => {
            format!("{repository}@{digest}")
        }
        _ => {
            return Err(Refusal::Unresolved {
                reason: verdict.reason.clone(),
            })
        }
    };
    let planned = PullPlan {
        pinned,
        status: verdict.status,
    };
    if verdict.status == Status::Verified {
        return Ok(planned);
    }
    let mode = verdict
        .policy
        .as_ref()
        .map_or(PolicyMode::Enforce, |p| p.mode);
    if verdict.enforced || mode == PolicyMode::Enforce {
        return Err(Refusal::Blocked {
            status: verdict.status,
            reason: verdict.reason.clone(),
        });
    }
    match confirmation {
        Confirmation::AcceptUnverified => Ok(planned),
        Confirmation::None => Err(Refusal::NeedsConfirmation {
            status: verdict.status,
            mode,
            reason: verdict.reason.clone(),
        }),
    }
}

/// The container engine that pulls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Engine {
    Docker,
    Podman,
}

impl Engine {
    /// In the order [`Engine::find`] tries them when none is asked for.
    pub const ALL: [Engine; 2] = [Engine::Docker, Engine::Podman];

    pub fn as_str(self) -> &'static str {
        match self {
            Engine::Docker => "docker",
            Engine::Podman => "podman",
        }
    }

    /// The executable of `wanted` on `PATH`, or with `None` the first of docker, podman found.
    pub fn find(wanted: Option<Engine>) -> Option<(Engine, PathBuf)> {
        let candidates: &[Engine] = match &wanted {
            Some(e) => std::slice::from_ref(e),
            None => &Engine::ALL,
        };
        candidates
            .iter()
            .find_map(|&e| crate::doctor::find_in_path(e.as_str()).map(|p| (e, p)))
    }
}

impl std::fmt::Display for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Engine {
    type Err = PullError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "docker" => Ok(Engine::Docker),
            "podman" => Ok(Engine::Podman),
            _ => Err(PullError::UnknownEngine(s.to_string())),
        }
    }
}

/// Why the engine could not be run (the gate itself refuses with a [`Refusal`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PullError {
    #[error("`{0}` is not a container engine Vouch runs; use docker or podman")]
    UnknownEngine(String),
    #[error("could not run {engine}: {source}")]
    Spawn {
        engine: Engine,
        #[source]
        source: std::io::Error,
    },
    #[error("{engine} did not finish: {source}")]
    Wait {
        engine: Engine,
        #[source]
        source: std::io::Error,
    },
}

/// Runs `engine` (found at `path`) on the pinned reference, handing each line it writes (stdout
/// and stderr, as they come) to `on_line`. Returns whether the engine exited successfully.
pub fn run(
    engine: Engine,
    path: &std::path::Path,
    plan: &PullPlan,
    mut on_line: impl FnMut(String),
) -> Result<bool, PullError> {
    let mut child = Command::new(path)
        .args(plan.args())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|source| PullError::Spawn { engine, source })?;
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    let readers: Vec<_> = [
        child
            .stdout
            .take()
            .map(|o| Box::new(o) as Box<dyn std::io::Read + Send>),
        child
            .stderr
            .take()
            .map(|e| Box::new(e) as Box<dyn std::io::Read + Send>),
    ]
    .into_iter()
    .flatten()
    .map(|pipe| {
        let tx = tx.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        })
    })
    .collect();
    drop(tx);
    // Ends when both pipes are closed (the engine exited or closed them).
    for line in rx {
        on_line(line);
    }
    for reader in readers {
        let _ = reader.join();
    }
    let status = child
        .wait()
        .map_err(|source| PullError::Wait { engine, source })?;
    Ok(status.success())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trust::PolicyApplied;

    const DIGEST: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    fn verdict(status: Status, mode: Option<PolicyMode>) -> Verdict {
        let policy = mode.map(|mode| PolicyApplied {
            pattern: Some("ghcr.io/acme/*".into()),
            mode,
            threshold: 1,
        });
        let mut v = Verdict::error(
            "ghcr.io/acme/app:1",
            Some("ghcr.io/acme/app".into()),
            Some(DIGEST.into()),
            policy,
            crate::verify::Problem::Failed {
                message: "no signature found".into(),
            },
        );
        v.status = status;
        v
    }

    fn pinned() -> String {
        format!("ghcr.io/acme/app@{DIGEST}")
    }

    #[test]
    fn verified_is_pulled_pinned_by_digest_without_confirmation() {
        let v = verdict(Status::Verified, Some(PolicyMode::Enforce));
        let p = plan(&v, Confirmation::None).expect("verified is pulled");
        assert_eq!(p.pinned, pinned());
        assert_eq!(p.status, Status::Verified);
        assert_eq!(p.args(), ["pull", pinned().as_str()]);
        assert_eq!(
            p.command_line(Engine::Podman),
            format!("podman pull {}", pinned())
        );
    }

    #[test]
    fn unverified_in_an_enforcing_scope_is_blocked_even_when_confirmed() {
        for status in [Status::Unsigned, Status::Untrusted, Status::Invalid] {
            let v = verdict(status, Some(PolicyMode::Enforce));
            for c in [Confirmation::None, Confirmation::AcceptUnverified] {
                assert_eq!(
                    plan(&v, c),
                    Err(Refusal::Blocked {
                        status,
                        reason: "no signature found".into()
                    })
                );
            }
        }
    }

    #[test]
    fn unverified_in_a_warn_scope_needs_confirmation() {
        let v = verdict(Status::Unsigned, Some(PolicyMode::Warn));
        assert_eq!(
            plan(&v, Confirmation::None),
            Err(Refusal::NeedsConfirmation {
                status: Status::Unsigned,
                mode: PolicyMode::Warn,
                reason: "no signature found".into()
            })
        );
        let p = plan(&v, Confirmation::AcceptUnverified).expect("confirmed");
        assert_eq!(p.pinned, pinned());
        assert_eq!(p.status, Status::Unsigned);
    }

    #[test]
    fn unverified_in_an_off_scope_needs_confirmation_too() {
        let v = verdict(Status::Untrusted, Some(PolicyMode::Off));
        assert!(matches!(
            plan(&v, Confirmation::None),
            Err(Refusal::NeedsConfirmation {
                mode: PolicyMode::Off,
                ..
            })
        ));
        let p = plan(&v, Confirmation::AcceptUnverified).expect("confirmed");
        assert_eq!(p.status, Status::Untrusted);
    }

    #[test]
    fn an_error_verdict_with_a_digest_follows_its_scope() {
        let enforce = verdict(Status::Error, Some(PolicyMode::Enforce));
        assert!(matches!(
            plan(&enforce, Confirmation::AcceptUnverified),
            Err(Refusal::Blocked {
                status: Status::Error,
                ..
            })
        ));
        let warn = verdict(Status::Error, Some(PolicyMode::Warn));
        assert!(plan(&warn, Confirmation::AcceptUnverified).is_ok());
    }

    #[test]
    fn no_policy_at_all_is_enforced() {
        let v = verdict(Status::Unsigned, None);
        assert!(matches!(
            plan(&v, Confirmation::AcceptUnverified),
            Err(Refusal::Blocked { .. })
        ));
    }

    #[test]
    fn a_verdict_without_digest_or_repository_is_never_pulled() {
        let mut no_digest = verdict(Status::Error, Some(PolicyMode::Warn));
        no_digest.digest = None;
        no_digest.reason = "could not reach the registry ghcr.io".into();
        assert_eq!(
            plan(&no_digest, Confirmation::AcceptUnverified),
            Err(Refusal::Unresolved {
                reason: "could not reach the registry ghcr.io".into()
            })
        );
        let mut no_repo = verdict(Status::Verified, Some(PolicyMode::Enforce));
        no_repo.repository = None;
        assert!(matches!(
            plan(&no_repo, Confirmation::None),
            Err(Refusal::Unresolved { .. })
        ));
    }

    #[test]
    fn a_digest_of_the_wrong_shape_is_never_handed_to_an_engine() {
        for bad in [
            "sha256:abc",
            "--privileged",
            "sha512:00",
            &DIGEST.to_uppercase(),
        ] {
            let mut v = verdict(Status::Verified, Some(PolicyMode::Enforce));
            v.digest = Some(bad.to_string());
            assert!(
                matches!(
                    plan(&v, Confirmation::None),
                    Err(Refusal::Unresolved { .. })
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn refusals_say_what_is_wrong_without_telling_how_to_override() {
        let v = verdict(Status::Unsigned, Some(PolicyMode::Warn));
        let Err(r) = plan(&v, Confirmation::None) else {
            panic!("refused")
        };
        let text = r.to_string();
        assert!(text.starts_with("not pulled: the image is unsigned (no signature found)"));
        assert!(
            !text.contains("--yes") && !text.contains("vouch "),
            "{text}"
        );
    }

    #[test]
    fn engines_parse_and_print() {
        assert_eq!("podman".parse::<Engine>().ok(), Some(Engine::Podman));
        assert_eq!(" Docker".parse::<Engine>().ok(), Some(Engine::Docker));
        assert!(matches!(
            "nerdctl".parse::<Engine>(),
            Err(PullError::UnknownEngine(_))
        ));
        assert_eq!(
            serde_json::to_string(&Engine::Podman).expect("json"),
            "\"podman\""
        );
    }

    #[cfg(unix)]
    #[test]
    fn run_streams_both_pipes_and_reports_the_exit_status() {
        use std::os::unix::fs::PermissionsExt;
        // A stand-in engine: a shell script that echoes its arguments on stdout and a line on
        // stderr. It shows what `run` passes and that both streams reach the caller.
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("podman");
        std::fs::write(
            &path,
            "#!/bin/sh\necho \"args: $*\"\necho progress >&2\nexit 3\n",
        )
        .expect("script");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        let p = PullPlan {
            pinned: pinned(),
            status: Status::Verified,
        };
        let mut lines = Vec::new();
        let ok = run(Engine::Podman, &path, &p, |l| lines.push(l)).expect("ran");
        assert!(!ok, "exit 3 is a failure");
        lines.sort();
        assert_eq!(
            lines,
            [format!("args: pull {}", pinned()), "progress".into()]
        );
        let missing = run(Engine::Podman, &dir.path().join("nope"), &p, |_| {});
        assert!(matches!(missing, Err(PullError::Spawn { .. })));
    }
}
