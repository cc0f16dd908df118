//! The registry client against the real registry the harness starts (CNCF distribution,
//! `tests/harness/with-env.sh`): the OCI error envelopes it answers on demand keep their codes,
//! on reads and on pushes. (DENIED, TOOMANYREQUESTS and hung credential helpers, which no real
//! registry produces on demand, are pinned by the fake-registry unit tests in
//! `src/registry/mod.rs`.)

use serde_json::json;
use vouch_core::reference::ImageRef;
use vouch_core::registry::{sha256_digest, OciErrorCode, Registry, RegistryError, RegistryOptions};

const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";

/// The harness registry (`host:port`). The tests that need it are `#[ignore]`d (a plain
/// `cargo test` reports them as ignored); forced outside the harness they fail, never pass.
fn harness_registry(what: &str) -> Option<String> {
    match std::env::var("VOUCH_TEST_REGISTRY") {
        Ok(r) if !r.is_empty() => Some(r),
        _ => panic!(
            "{what}: needs the harness registry; run through make test (tests/harness/with-env.sh)"
        ),
    }
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

#[test]
#[ignore = "needs the harness: run through make test (tests/harness/with-env.sh)"]
fn real_registry_error_envelopes_keep_their_codes() {
    let Some(reg) = harness_registry("real_registry_error_envelopes_keep_their_codes") else {
        return;
    };
    let r = ImageRef::parse(&format!(
        "{reg}/vouch-core/errors-{}:v1",
        std::process::id()
    ))
    .expect("reference");
    let c = Registry::new(RegistryOptions::default(), [r.registry_host()]).expect("client");
    rt().block_on(async {
        // MANIFEST_UNKNOWN (and NAME_UNKNOWN for a repository never pushed) is an absence.
        assert!(c
            .manifest(&r, "no-such-tag", false)
            .await
            .expect("a 404 MANIFEST_UNKNOWN is no error")
            .is_none());

        // A manifest naming a blob the registry does not have: distribution refuses the push
        // with 400 MANIFEST_BLOB_UNKNOWN. Before, this was a bare "answered HTTP 400".
        let missing = sha256_digest(b"vouch: a blob nobody pushed");
        let manifest = serde_json::to_vec(&json!({
            "schemaVersion": 2, "mediaType": OCI_MANIFEST,
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": missing, "size": 27},
            "layers": []
        }))
        .expect("json");
        let e = c
            .push_manifest(&r, "v1", manifest, OCI_MANIFEST)
            .await
            .expect_err("distribution refuses a manifest whose blobs it lacks");
        eprintln!("missing blob: {e}");
        assert!(
            matches!(&e, RegistryError::Refused { status: Some(400), .. })
                && e.has_code(&OciErrorCode::ManifestBlobUnknown),
            "{e:?}"
        );
        assert!(e.to_string().contains("MANIFEST_BLOB_UNKNOWN"), "{e}");

        // Not a manifest at all: distribution 2.8 answers with two codes (DIGEST_INVALID for
        // the missing config, MANIFEST_BLOB_UNKNOWN); both are kept, in its order.
        let e = c
            .push_manifest(&r, "v2", b"{\"schemaVersion\": 2}".to_vec(), OCI_MANIFEST)
            .await
            .expect_err("distribution refuses an invalid manifest");
        eprintln!("invalid manifest: {e}");
        assert!(
            matches!(&e, RegistryError::Refused { status: Some(400), envelope, .. } if !envelope.errors().is_empty()),
            "{e:?}"
        );

        // A blob it does not have (404 BLOB_UNKNOWN) is "not found", as verification expects.
        let e = c
            .blob(&r, &missing, 1024)
            .await
            .expect_err("no such blob");
        assert!(matches!(e, RegistryError::NotFound { .. }), "{e:?}");
    });
}
