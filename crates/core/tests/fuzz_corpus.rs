//! Replays the fuzz corpora (fuzz/corpus/<target>/: seeds from the fixtures and every input that
//! once crashed a target) on stable, as an ordinary test: each parser of outside data gets every
//! file, and must return (an error is fine) without panicking. The target bodies are the fuzz
//! crate's own (fuzz/src/targets.rs), so this runs exactly what `make fuzz` runs.

use std::path::{Path, PathBuf};

#[path = "../../../fuzz/src/targets.rs"]
pub mod targets;

fn corpus_dir(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target)
}

#[test]
fn every_target_has_a_seed_corpus() {
    for (name, _) in targets::ALL {
        let files = std::fs::read_dir(corpus_dir(name)).map_or(0, |d| d.count());
        assert!(files > 0, "fuzz/corpus/{name}/ is empty or missing");
    }
}

#[test]
fn every_corpus_file_is_handled_without_a_panic() {
    let mut replayed = 0;
    for (name, run) in targets::ALL {
        let Ok(dir) = std::fs::read_dir(corpus_dir(name)) else {
            continue;
        };
        for entry in dir {
            let path = entry.expect("a readable corpus folder").path();
            let data = std::fs::read(&path).expect("a readable corpus file");
            if std::panic::catch_unwind(|| run(&data)).is_err() {
                panic!("fuzz target {name} panicked on {}", path.display());
            }
            replayed += 1;
        }
    }
    assert!(
        replayed >= targets::ALL.len(),
        "only {replayed} corpus files replayed"
    );
}
