//! `vouch export containers|kyverno|policy-controller`: the trust set as the files the engines
//! that run fleets enforce, with a summary of what was exported and what could not be.

use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::Subcommand;
use time::OffsetDateTime;
use vouch_core::config::Settings;
use vouch_core::export::expand::{self, Expansion};
use vouch_core::export::{folder, Export, Summary};
use vouch_core::registry::Registry;
use vouch_core::trust::TrustSet;

use super::search::history_repositories;
use super::{current_thread_runtime, open_store, trust_set_from_file, RegistryFlags};
use crate::Outcome;

#[derive(Subcommand)]
pub(crate) enum ExportCmd {
    /// containers-policy.json and registries.d/vouch.yaml (podman, skopeo, CRI-O, buildah, bootc)
    Containers {
        /// Export even a scope whose repository and the repositories under it Vouch trusts
        /// differently (containers-policy.json has one scope for both, so one of them is trusted
        /// more widely than by Vouch); each such scope is named in the summary. Without it,
        /// such a scope refuses the export.
        #[arg(long)]
        accept_scope_overlap: bool,
        /// Replace a key's scope GLOB that containers-policy.json cannot express (such as
        /// `host/team/app-*`) by one exact entry per repository it matches that Vouch knows of
        /// (the registries' catalogs, the history, the trusted scopes); a repository created
        /// later is not covered. Repeatable
        #[arg(long = "expand-scope", value_name = "GLOB")]
        expand_scope: Vec<String>,
        #[command(flatten)]
        registry: RegistryFlags,
        #[command(flatten)]
        args: ExportArgs,
    },
    /// Kyverno ImageValidatingPolicy objects (one per namespace of the trust set)
    Kyverno {
        /// The API to write: ImageValidatingPolicy v1 (Kyverno 1.17+), v1beta1, v1alpha1
        /// (1.14–1.16), or the legacy ClusterPolicy with verifyImages
        #[arg(long, value_enum, default_value_t = Api::V1)]
        api: Api,
        #[command(flatten)]
        args: ExportArgs,
    },
    /// sigstore policy-controller ClusterImagePolicy objects (one per namespace of the trust set)
    PolicyController(ExportArgs),
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub(crate) enum Api {
    V1,
    V1beta1,
    V1alpha1,
    Clusterpolicy,
}

#[derive(clap::Args)]
pub(crate) struct ExportArgs {
    /// Write the files into DIR (created if missing); without it they are printed on stdout
    #[arg(long, value_name = "DIR")]
    output: Option<PathBuf>,
    /// Export the trust set in FILE (as written by `vouch trust export`) instead of the keychain's
    #[arg(long = "trust-set", value_name = "FILE")]
    trust_set: Option<String>,
}

pub(crate) fn run(cmd: ExportCmd) -> Result<Outcome> {
    use vouch_core::export::{admission::KyvernoApi, Target};
    let (target, expansion, args) = match cmd {
        ExportCmd::Containers {
            accept_scope_overlap,
            expand_scope,
            registry,
            args,
        } => (
            Target::Containers {
                accept_scope_overlap,
            },
            Some((expand_scope, registry)),
            args,
        ),
        ExportCmd::Kyverno { api, args } => {
            let api = match api {
                Api::V1 => KyvernoApi::V1,
                Api::V1beta1 => KyvernoApi::V1beta1,
                Api::V1alpha1 => KyvernoApi::V1alpha1,
                Api::Clusterpolicy => KyvernoApi::ClusterPolicy,
            };
            (Target::Kyverno { api }, None, args)
        }
        ExportCmd::PolicyController(args) => (Target::PolicyController, None, args),
    };
    let set = load(&args)?;
    let expand = match expansion {
        Some((globs, registry)) if !globs.is_empty() => expansions(&set, &globs, registry)?,
        _ => Vec::new(),
    };
    // The roots identities name, offline; one that cannot be read leaves its identities out.
    let store = vouch_core::sigstore::roots::RootStore::for_profile(&vouch_core::paths::profile()?);
    let now = OffsetDateTime::now_utc();
    let roots = vouch_core::export::roots_for(&set, &store, now);
    let export = vouch_core::export::export_full(&set, now, target, expand, &roots)?;
    write(&export, args.output.as_deref())?;
    Ok(Outcome::Ok)
}

/// For each glob, the repositories Vouch knows of that it matches: the catalogs of the
/// configured registries and of the glob's own host, the history, the trusted scopes. A
/// catalog that cannot be read is a note on stderr.
fn expansions(set: &TrustSet, globs: &[String], flags: RegistryFlags) -> Result<Vec<Expansion>> {
    for glob in globs {
        expand::expandable(set, glob, vouch_core::export::containers::TARGET)?;
    }
    let settings = Settings::load()?;
    let configured: Vec<String> = settings.registries.iter().map(|r| r.host.clone()).collect();
    let registry = Registry::new(
        flags.options_with(&settings),
        configured.iter().map(String::as_str),
    )?;
    let mut also = history_repositories();
    also.extend(vouch_core::search::scope_repositories(set));
    let runtime = current_thread_runtime()?;
    let mut out = Vec::new();
    for glob in globs {
        let hosts = expand::catalog_hosts(glob, &configured);
        let known = runtime.block_on(expand::known_repositories(
            &registry, glob, &hosts, &also, 100,
        ));
        for note in &known.notes {
            eprintln!("note: {note}");
        }
        out.push(Expansion {
            scope: glob.clone(),
            repositories: known.repositories,
        });
    }
    Ok(out)
}

/// The trust set to export: from FILE when given, otherwise the keychain's.
fn load(args: &ExportArgs) -> Result<TrustSet> {
    match args.trust_set.as_deref() {
        Some(file) => trust_set_from_file(file),
        None => Ok(open_store()?.load()?),
    }
}

/// Writes the files into `dir`, or prints them on stdout (each after a `# FILE` line), and the
/// summary (on stderr when the files go to stdout).
fn write(export: &Export, dir: Option<&Path>) -> Result<()> {
    match dir {
        Some(dir) => {
            // All the files or none, each replaced by one rename.
            for path in folder::write(dir, &export.files, folder::Existing::Replace)? {
                println!("wrote {}", path.display());
            }
            print!("{}", summary_text(&export.summary));
        }
        None => {
            for f in &export.files {
                println!("# {}", f.path);
                print!("{}", f.contents);
            }
            eprint!("{}", summary_text(&export.summary));
        }
    }
    Ok(())
}

fn summary_text(s: &Summary) -> String {
    let mut out = String::new();
    for (title, lines) in [
        ("exported", &s.exported),
        ("not exported", &s.not_exported),
        ("differences", &s.differences),
    ] {
        if lines.is_empty() {
            continue;
        }
        out.push_str(&format!("{title}:\n"));
        for l in lines {
            out.push_str(&format!("  - {l}\n"));
        }
    }
    out
}
