//! `vouch doctor`: what this machine offers Vouch.

use anyhow::{bail, Result};
use serde::Serialize;
use vouch_core::doctor::DoctorReport;
use vouch_core::registry::check::{check_configured, RegistryAccess};

use vouch_core::sigstore::roots::{RootInfo, RootStore};

use super::print_json;
use crate::Outcome;

/// The report and the registries' access, as `--json` prints them.
#[derive(Serialize)]
struct Doctor {
    #[serde(flatten)]
    report: DoctorReport,
    /// Per configured registry (Vouch's settings and the auth files): where its credentials
    /// come from and whether `GET /v2/` with them succeeds.
    registries: Vec<RegistryAccess>,
    /// The profile's Sigstore trusted roots (public-good: embedded or updated; custom ones).
    trust_roots: Vec<RootInfo>,
    /// Why they could not be read, if so.
    #[serde(skip_serializing_if = "Option::is_none")]
    trust_roots_error: Option<String>,
}

pub(crate) fn run(json: bool) -> Result<Outcome> {
    let report = DoctorReport::gather();
    let registries = registries()?;
    let roots = vouch_core::paths::profile()
        .map_err(|e| e.to_string())
        .and_then(|p| RootStore::for_profile(&p).list().map_err(|e| e.to_string()));
    let (trust_roots, trust_roots_error) = match roots {
        Ok(r) => (r, None),
        Err(e) => (Vec::new(), Some(e)),
    };
    let d = Doctor {
        report,
        registries,
        trust_roots,
        trust_roots_error,
    };
    if json {
        print_json(&d)?;
    } else {
        print_text(&d);
    }
    if !d.report.keychain.reachable {
        bail!("the keychain is unreachable: {}", d.report.keychain.detail);
    }
    Ok(Outcome::Ok)
}

fn registries() -> Result<Vec<RegistryAccess>> {
    let settings = vouch_core::config::Settings::load().unwrap_or_default();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    Ok(rt.block_on(check_configured(&settings)))
}

fn print_text(d: &Doctor) {
    let r = &d.report;
    println!("vouch {}", r.version);
    println!("profile:  {}", r.profile);
    println!("config:   {}", r.config_path);
    println!(
        "keychain: {} ({}) — {}",
        if r.keychain.reachable {
            "reachable"
        } else {
            "unreachable"
        },
        r.keychain.backend,
        r.keychain.detail
    );
    for p in &r.pullers {
        match &p.path {
            Some(path) => println!("{:<8}  found at {path}", p.name),
            None => println!(
                "{:<8}  not found (verified images can still be pinned by digest and copied)",
                p.name
            ),
        }
    }
    println!("sigstore trust roots:");
    super::trust_root::print_roots(&d.trust_roots);
    if let Some(e) = &d.trust_roots_error {
        println!("  unreadable: {e}");
    }
    if d.registries.is_empty() {
        println!("registries: none configured (Vouch's settings and the auth files name none)");
    }
    for a in &d.registries {
        println!("registry: {}", a.host);
        match &a.credentials {
            Some(source) => println!("  credentials: {source}"),
            None => println!("  credentials: none found (anonymous)"),
        }
        let verdict = if a.connection.ok { "ok" } else { "failed" };
        if a.connection.ok {
            println!("  connection:  {verdict}");
        } else {
            println!("  connection:  {verdict}: {}", a.connection.detail);
        }
    }
}
