//! `vouch inspect IMAGE [--json] [--insecure-registry HOST]...`: the verdict, the image's
//! metadata and its attestations (verified or not, with the reason), as a tree or JSON.

use anyhow::{Context, Result};
use vouch_core::provenance::{graph::predicate_label, inspect, Attestation, Inspection};
use vouch_core::registry::Registry;
use vouch_core::trust::short_fingerprint;
use vouch_core::verify::VerifyOptions;

use super::{open_store, print_json};
use crate::Outcome;

#[derive(clap::Args)]
pub(crate) struct InspectArgs {
    /// The image (`ghcr.io/acme/app:1.2`, `host:port/repo@sha256:…`)
    image: String,
    /// Print verdict, metadata, attestations and graph as one JSON object
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    registry: super::RegistryFlags,
}

pub(crate) fn run(args: InspectArgs) -> Result<Outcome> {
    let trust = open_store()?.load()?;
    let opts = VerifyOptions {
        registry: args.registry.options(),
        ..VerifyOptions::default()
    };
    let hosts: Vec<String> = vouch_core::reference::ImageRef::parse(&args.image)
        .map(|r| vec![r.registry_host().to_string()])
        .unwrap_or_default();
    let registry = Registry::new(opts.registry.clone(), hosts.iter().map(String::as_str))
        .context("could not set up the registry client")?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("could not start the async runtime")?;
    let now = time::OffsetDateTime::now_utc();
    let report = runtime.block_on(inspect(&registry, &args.image, &trust, &opts, now));
    if args.json {
        print_json(&report)?;
    } else {
        print!("{}", tree(&report));
    }
    // The same gate as `vouch verify`: a warn or off scope reports without failing.
    Ok(if report.verdict.blocks() {
        Outcome::NotVerified
    } else {
        Outcome::Ok
    })
}

/// Text from outside data, made safe for a terminal.
fn safe(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

fn size(n: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

fn tree(r: &Inspection) -> String {
    let v = &r.verdict;
    let mut out = String::new();
    let word = v.status.as_str().to_uppercase();
    out.push_str(&format!("{word} {}\n", safe(&v.reference)));
    if let Some(d) = &v.digest {
        out.push_str(&format!("│ digest   {d}\n"));
    }
    out.push_str(&format!("│ reason   {}\n", safe(&v.reason)));

    out.push_str("├─ signatures\n");
    if v.signatures.is_empty() {
        out.push_str("│  └─ none\n");
    }
    for (i, s) in v.signatures.iter().enumerate() {
        let last = i + 1 == v.signatures.len();
        let who = match (&s.publisher, &s.fingerprint) {
            (Some(p), Some(f)) => format!("{} ({})", safe(p), short_fingerprint(f)),
            _ => "unknown key".into(),
        };
        let state = if s.valid { "valid" } else { "not counted" };
        let why = s
            .problem
            .as_deref()
            .map(|p| format!(": {}", safe(p)))
            .unwrap_or_default();
        out.push_str(&format!(
            "│  {} {who}, {state}{why}\n",
            if last { "└─" } else { "├─" }
        ));
    }

    if let Some(m) = &r.metadata {
        out.push_str("├─ metadata (claims the image makes about itself)\n");
        let mut lines = Vec::new();
        if let Some(c) = &m.created {
            lines.push(format!("created  {}", safe(c)));
        }
        for p in &m.platforms {
            let mut bits = vec![safe(&p.platform)];
            if let Some(n) = p.layer_count {
                bits.push(format!("{n} layer{}", if n == 1 { "" } else { "s" }));
            }
            if let Some(s) = p.total_size {
                bits.push(size(s));
            }
            if let Some(h) = p.history_length {
                bits.push(format!("history {h}"));
            }
            lines.push(format!("platform {}", bits.join(" · ")));
        }
        if m.attestation_manifests > 0 {
            lines.push(format!(
                "{} BuildKit attestation manifest{} (not platforms)",
                m.attestation_manifests,
                if m.attestation_manifests == 1 {
                    ""
                } else {
                    "s"
                }
            ));
        }
        for (k, val) in &m.oci {
            lines.push(format!("{:<8} {}", safe(k), safe(val)));
        }
        for p in &m.problems {
            lines.push(format!("note     {}", safe(p)));
        }
        for (i, l) in lines.iter().enumerate() {
            let last = i + 1 == lines.len();
            out.push_str(&format!("│  {} {l}\n", if last { "└─" } else { "├─" }));
        }
    }

    out.push_str("└─ attestations\n");
    if r.attestations.is_empty() {
        out.push_str("   └─ none\n");
    }
    for (i, a) in r.attestations.iter().enumerate() {
        let last = i + 1 == r.attestations.len();
        out.push_str(&attestation(a, last));
    }
    for n in &r.notes {
        out.push_str(&format!("   · {}\n", safe(n)));
    }
    out
}

fn attestation(a: &Attestation, last: bool) -> String {
    let (branch, pad) = if last {
        ("└─", "      ")
    } else {
        ("├─", "   │  ")
    };
    let mark = if a.verified {
        "✓ verified"
    } else {
        "✗ unverified"
    };
    let mut out = format!(
        "   {branch} {mark}  {}\n",
        safe(&predicate_label(&a.predicate_type))
    );
    let mut field = |name: &str, value: Option<&String>| {
        if let Some(v) = value {
            out.push_str(&format!("{pad}{name:<10} {}\n", safe(v)));
        }
    };
    field("why", Some(&a.reason));
    field("signer", a.signer.as_ref());
    let p = &a.provenance;
    field("builder", p.builder_id.as_ref());
    field("build type", p.build_type.as_ref());
    let source = p.source_uri.as_ref().map(|s| match &p.source_revision {
        Some(r) => format!("{s} @ {r}"),
        None => s.clone(),
    });
    field("source", source.as_ref());
    field("entry", p.entry_point.as_ref());
    let when = match (&p.started_on, &p.finished_on) {
        (Some(s), Some(f)) => Some(format!("{s} → {f}")),
        (Some(s), None) => Some(s.clone()),
        (None, Some(f)) => Some(format!("finished {f}")),
        _ => None,
    };
    field("built", when.as_ref());
    field("invocation", p.invocation_id.as_ref());
    if !p.materials.is_empty() {
        let n = p.materials.len() + p.materials_omitted;
        let shown: Vec<String> = p
            .materials
            .iter()
            .take(5)
            .filter_map(|m| m.uri.clone().or_else(|| m.name.clone()))
            .collect();
        let more = if n > shown.len() {
            format!(" (+{} more)", n - shown.len())
        } else {
            String::new()
        };
        let text = format!("{}{more}", shown.join(", "));
        field("materials", Some(&text));
    }
    out
}
