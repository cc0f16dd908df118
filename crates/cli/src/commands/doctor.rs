//! `vouch doctor`: what this machine offers Vouch.

use anyhow::{bail, Result};
use vouch_core::doctor::DoctorReport;

use super::print_json;
use crate::Outcome;

pub(crate) fn run(json: bool) -> Result<Outcome> {
    let r = DoctorReport::gather();
    if json {
        print_json(&r)?;
    } else {
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
    }
    if !r.keychain.reachable {
        bail!("the keychain is unreachable: {}", r.keychain.detail);
    }
    Ok(Outcome::Ok)
}
