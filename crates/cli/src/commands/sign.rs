//! `vouch sign IMAGE --key FINGERPRINT|PUBLISHER [-a KEY=VALUE]... [--insecure-registry HOST]...`

use std::collections::BTreeMap;

use anyhow::{bail, Result};
use vouch_core::trust::short_fingerprint;

use super::{current_thread_runtime, signing_key};
use crate::Outcome;

#[derive(clap::Args)]
pub(crate) struct SignArgs {
    /// The image to sign (a tag is resolved to its digest first)
    image: String,
    /// The signing key: fingerprint (≥ 12 hex digits) or publisher name
    #[arg(long)]
    key: String,
    /// An annotation recorded in the signed payload; repeatable
    #[arg(short = 'a', long = "annotation", value_name = "KEY=VALUE")]
    annotations: Vec<String>,
    #[command(flatten)]
    registry: super::RegistryFlags,
}

pub(crate) fn run(args: SignArgs) -> Result<Outcome> {
    let mut annotations = BTreeMap::new();
    for a in &args.annotations {
        let Some((k, v)) = a.split_once('=') else {
            bail!("annotation `{a}` is not KEY=VALUE");
        };
        if k.is_empty() {
            bail!("annotation `{a}` has an empty key");
        }
        annotations.insert(k.to_string(), v.to_string());
    }
    let (label, private) = signing_key(&args.key)?;
    let opts = args.registry.options();
    let out = current_thread_runtime()?.block_on(vouch_core::sign::sign(
        &args.image,
        &private,
        &annotations,
        opts,
        time::OffsetDateTime::now_utc(),
    ))?;
    println!(
        "Signed {}@{} with {label}; {} now holds {} signature{} (key {})",
        out.repository,
        out.digest,
        out.signature_tag,
        out.signatures,
        if out.signatures == 1 { "" } else { "s" },
        short_fingerprint(&out.fingerprint)
    );
    Ok(Outcome::Ok)
}
