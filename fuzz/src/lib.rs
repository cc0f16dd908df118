//! Fuzz targets of vouch-core's parsers of outside data. The bodies live in `targets.rs`, shared
//! with the stable corpus replay (`crates/core/tests/fuzz_corpus.rs`), so a corpus file exercises
//! exactly what the fuzzer ran.

pub mod targets;
