//! Benchmark seeder: pushes N small distinct images and a cosign-compatible signature for each,
//! concurrently, through one shared vouch-core registry client (not one process per image).
//!
//! Every image shares one layer blob and has its own config (so its own digest). Each signature
//! is built exactly as `vouch_core::sign` builds it: the simple-signing payload from
//! [`vouch_core::sign::payload`], signed with the private key taken from the keychain of the
//! active profile (`VOUCH_PROFILE`), appended as a layer of the `sha256-<hex>.sig` manifest.
//!
//! Usage (inside `tests/harness/with-env.sh`, see `bench/run.sh`):
//!   cargo run --release -p vouch-core --example seed -- \
//!       REGISTRY REPOSITORY COUNT KEY_FINGERPRINT LIST_FILE [CONCURRENCY]
//! Writes one reference per line (`REGISTRY/REPOSITORY:iNNNNN`) to LIST_FILE. A fingerprint of
//! `-` pushes the images unsigned (for the peers' negative check).

mod common;

use std::collections::BTreeMap;
use std::io::Write as _;
use std::time::Instant;

use base64::Engine as _;
use common::Error;
use vouch_core::sign::payload;
use vouch_core::trust::TrustStore;
use vouch_core::verify::SIGNATURE_ANNOTATION;

fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 5 {
        return Err(
            "usage: seed REGISTRY REPOSITORY COUNT KEY_FINGERPRINT LIST_FILE [CONCURRENCY]".into(),
        );
    }
    let (registry, repository) = (args[0].clone(), args[1].clone());
    let count: usize = args[2].parse()?;
    let fingerprint = &args[3];
    let list = &args[4];
    let concurrency: usize = args.get(5).map(|c| c.parse()).transpose()?.unwrap_or(16);

    // Blocking keychain read, before any async runtime exists.
    let key = match fingerprint.as_str() {
        "-" => None,
        fp => Some(TrustStore::open_keychain()?.private_key(fp)?),
    };

    let started = Instant::now();
    let tags = (0..count).map(|i| format!("i{i:05}")).collect();
    // The signature `vouch_core::sign::sign` writes: the simple-signing payload signed with
    // the key, in the layer's signature annotation.
    let sign = |r: &vouch_core::reference::ImageRef, digest: &str| {
        let Some(key) = &key else { return Ok(None) };
        let body = payload(
            &r.repository(),
            digest,
            &BTreeMap::new(),
            time::OffsetDateTime::now_utc(),
        )?;
        let signature = base64::engine::general_purpose::STANDARD.encode(key.sign(&body));
        Ok(Some((
            body,
            BTreeMap::from([(SIGNATURE_ANNOTATION.to_owned(), signature)]),
        )))
    };
    let refs = common::runtime()?.block_on(common::seed(
        &registry,
        &repository,
        tags,
        concurrency,
        sign,
    ))?;
    let mut out = std::fs::File::create(list)?;
    for r in &refs {
        writeln!(out, "{r}")?;
    }
    eprintln!(
        "seed: {count} {} images in {registry}/{repository} in {:.1} s",
        if key.is_some() { "signed" } else { "unsigned" },
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
