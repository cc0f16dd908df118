//! Benchmark: SHA-256 throughput of the Rust implementation vouch-core hashes blobs and
//! manifests with (`sha2`, through `vouch_core::registry::sha256_digest`), over a 64 MiB buffer.
//!
//! Usage: cargo run --release -p vouch-core --example sha256 -- [RUNS]   (default 7)
//! Prints one line per run (`MB/s`, 1 MB = 10^6 bytes, openssl's unit) then
//! `median MIN MAX` in MB/s, for bench/run.sh.

use std::time::Instant;

fn main() {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|r| r.parse().ok())
        .unwrap_or(7)
        .max(1);
    let size = 64 * 1024 * 1024;
    // Deterministic, incompressible-looking bytes (xorshift), so nothing can shortcut them.
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let buf: Vec<u8> = (0..size)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect();
    // One warm-up pass (page faults, frequency ramp-up).
    let mut check = vouch_core::registry::sha256_digest(&buf);
    let mut rates = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        let d = vouch_core::registry::sha256_digest(&buf);
        let secs = t.elapsed().as_secs_f64();
        assert_eq!(d, check);
        check = d;
        let rate = size as f64 / secs / 1e6;
        eprintln!("sha256 64 MiB: {:.1} ms, {rate:.0} MB/s", secs * 1e3);
        rates.push(rate);
    }
    rates.sort_by(f64::total_cmp);
    println!(
        "{:.1} {:.1} {:.1}",
        rates[rates.len() / 2],
        rates[0],
        rates[rates.len() - 1]
    );
}
