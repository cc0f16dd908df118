//! Cancelling a batch against the real registry the harness starts (CNCF distribution,
//! `tests/harness/with-env.sh`): once the switch is thrown, no image starts (its manifest is
//! never asked for, as the registry's own access log shows), the log stops growing, every image
//! without a verdict ends `cancelled`, and the history keeps only the finished ones.

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use vouch_core::history::{History, HistoryEntry};
use vouch_core::reference::ImageRef;
use vouch_core::registry::{Registry, RegistryOptions};
use vouch_core::trust::TrustSet;
use vouch_core::verify::{verify_each, Cancel, PendingTrust, Problem, Status, VerifyOptions};

const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";

/// Images in the batch, checked `CONCURRENCY` at once, cancelled after `FINISHED` verdicts.
const IMAGES: usize = 40;
const CONCURRENCY: usize = 2;
const FINISHED: usize = 5;

fn harness() -> (String, String) {
    match (
        std::env::var("VOUCH_TEST_REGISTRY"),
        std::env::var("VOUCH_TEST_REGISTRY_LOG"),
    ) {
        (Ok(r), Ok(l)) if !r.is_empty() && !l.is_empty() => (r, l),
        _ => panic!(
            "cancelling a batch needs the harness registry and its access log; run through make test (tests/harness/with-env.sh)"
        ),
    }
}

fn tag(i: usize) -> String {
    format!("c{i:03}")
}

/// Pushes `IMAGES` small unsigned images, each with its own config (so its own digest).
async fn seed(reg: &Registry, base: &ImageRef) {
    for i in 0..IMAGES {
        let config =
            serde_json::to_vec(&json!({"architecture": "amd64", "os": "linux", "vouch": i}))
                .expect("json");
        let size = config.len();
        let digest = reg.push_blob(base, config).await.expect("push config");
        let manifest = serde_json::to_vec(&json!({
            "schemaVersion": 2, "mediaType": OCI_MANIFEST,
            "config": {"mediaType": OCI_CONFIG, "digest": digest, "size": size},
            "layers": []
        }))
        .expect("json");
        reg.push_manifest(base, &tag(i), manifest, OCI_MANIFEST)
            .await
            .expect("push manifest");
    }
}

/// Access-log lines that name `repository`.
fn log_lines(log: &str, repository: &str) -> Vec<String> {
    std::fs::read_to_string(log)
        .expect("the registry's access log")
        .lines()
        .filter(|l| l.contains(repository))
        .map(str::to_string)
        .collect()
}

#[test]
#[ignore = "needs the harness: run through make test (tests/harness/with-env.sh)"]
fn cancelling_midway_stops_the_requests_and_records_only_finished_checks() {
    let (registry, log) = harness();
    let repository = format!("vouch-core/cancel-{}", std::process::id());
    let base = ImageRef::parse(&format!("{registry}/{repository}:seed")).expect("reference");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let pusher = Registry::new(RegistryOptions::default(), [base.registry_host()]).expect("client");
    rt.block_on(seed(&pusher, &base));
    let before = log_lines(&log, &repository).len();

    let refs: Vec<String> = (0..IMAGES)
        .map(|i| format!("{registry}/{repository}:{}", tag(i)))
        .collect();
    let cancel = Cancel::new();
    let opts = VerifyOptions {
        concurrency: CONCURRENCY,
        cancel: cancel.clone(),
        ..VerifyOptions::default()
    };
    let mut verdicts = vec![None; IMAGES];
    let mut done = 0;
    rt.block_on(verify_each(
        refs,
        PendingTrust::ready(Arc::new(TrustSet::default())),
        opts,
        |i, v| {
            verdicts[i] = Some(v);
            done += 1;
            if done == FINISHED {
                cancel.cancel();
            }
        },
    ));
    let verdicts: Vec<_> = verdicts
        .into_iter()
        .map(|v| v.expect("every image gets an outcome, cancelled or not"))
        .collect();

    let finished: Vec<usize> = (0..IMAGES)
        .filter(|&i| verdicts[i].status != Status::Cancelled)
        .collect();
    // The switch is thrown inside the fifth callback: the images in flight then are dropped.
    assert_eq!(finished.len(), FINISHED, "finished: {finished:?}");
    for i in &finished {
        assert_eq!(verdicts[*i].status, Status::Unsigned, "{:?}", verdicts[*i]);
    }
    for v in verdicts.iter().filter(|v| v.status == Status::Cancelled) {
        assert_eq!(v.cause, Some(Problem::Cancelled));
        assert!(v.reason.contains("cancelled"), "{}", v.reason);
        assert_eq!(v.digest, None);
        assert_eq!(
            serde_json::to_value(v).expect("json")["status"],
            "cancelled"
        );
    }

    // The requests in flight when the switch was thrown were dropped by the client, but the
    // registry logs each when it has finished with it: give those a moment to land.
    std::thread::sleep(Duration::from_millis(500));
    // Images are started in order, at most CONCURRENCY at a time: none after the ones finished
    // and the ones in flight when the switch was thrown was ever asked for.
    let lines = log_lines(&log, &repository);
    let during = &lines[before..];
    let started = FINISHED + CONCURRENCY;
    for i in started..IMAGES {
        let manifest = format!("/manifests/{} ", tag(i));
        assert!(
            !during.iter().any(|l| l.contains(&manifest)),
            "image {i} was fetched after the batch was cancelled"
        );
    }
    // Each finished unsigned image costs a handful of requests; 35 more images would be ~100.
    assert!(
        during.len() <= started * 6,
        "{} requests for {started} images started:\n{}",
        during.len(),
        during.join("\n")
    );
    std::thread::sleep(Duration::from_secs(1));
    let later = log_lines(&log, &repository);
    assert_eq!(
        later.len(),
        lines.len(),
        "the registry kept being asked after the batch returned:\n{}",
        later[lines.len()..].join("\n")
    );

    // Recording every outcome keeps only the finished ones.
    let dir = tempfile::tempdir().expect("tempdir");
    let history = History::at(dir.path().join("h.json"), dir.path().join("h.lock"));
    let now = time::OffsetDateTime::now_utc();
    history
        .record(verdicts.iter().map(|v| HistoryEntry::of(v, now)).collect())
        .expect("record");
    let mut recorded: Vec<String> = history
        .read()
        .expect("read")
        .entries
        .into_iter()
        .map(|e| e.reference)
        .collect();
    recorded.sort();
    let mut expected: Vec<String> = finished
        .iter()
        .map(|&i| verdicts[i].reference.clone())
        .collect();
    expected.sort();
    assert_eq!(recorded, expected);
}
