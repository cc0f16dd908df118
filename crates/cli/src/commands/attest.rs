//! `vouch attest IMAGE --key FINGERPRINT|PUBLISHER --predicate FILE --type TYPE
//! [--insecure-registry HOST]...`: a cosign-compatible attestation, appended to `.att`.

use anyhow::{Context, Result};
use vouch_core::provenance::{attest, predicate_type_for};
use vouch_core::trust::short_fingerprint;

use super::{current_thread_runtime, signing_key};
use crate::input::read_source;
use crate::Outcome;

#[derive(clap::Args)]
pub(crate) struct AttestArgs {
    /// The image to attest (a tag is resolved to its digest first)
    image: String,
    /// The signing key: fingerprint (≥ 12 hex digits) or publisher name
    #[arg(long)]
    key: String,
    /// The predicate: a JSON object in FILE (`-` for stdin)
    #[arg(long, value_name = "FILE")]
    predicate: String,
    /// slsaprovenance (v0.2), slsaprovenance1, spdxjson, cyclonedx, vuln, openvex, custom, or a URI
    #[arg(long = "type", value_name = "TYPE", default_value = "custom")]
    predicate_type: String,
    #[command(flatten)]
    registry: super::RegistryFlags,
}

pub(crate) fn run(args: AttestArgs) -> Result<Outcome> {
    let predicate_type = predicate_type_for(&args.predicate_type)?;
    let predicate = read_source(&args.predicate)
        .with_context(|| format!("could not read the predicate `{}`", args.predicate))?;
    let (label, private) = signing_key(&args.key)?;
    let opts = args.registry.options();
    let out = current_thread_runtime()?.block_on(attest(
        &args.image,
        &private,
        &predicate,
        &predicate_type,
        opts,
        time::OffsetDateTime::now_utc(),
    ))?;
    println!(
        "Attested {}@{} ({}) with {label}; {} now holds {} attestation{} (key {})",
        out.repository,
        out.digest,
        out.predicate_type,
        out.attestation_tag,
        out.attestations,
        if out.attestations == 1 { "" } else { "s" },
        short_fingerprint(&out.fingerprint)
    );
    Ok(Outcome::Ok)
}
