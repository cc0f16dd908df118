//! The store of trusted roots, without the network (the TUF update runs against real local
//! repositories in crates/cli/tests/trust_root.rs).

use super::*;

const CUSTOM: &str = include_str!(
    "../../../../cli/tests/data/sigstore-conformance/intoto-with-custom-trust-root/trusted_root.json"
);

fn store() -> (tempfile::TempDir, RootStore) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = RootStore::at(dir.path().join("roots"));
    (dir, store)
}

#[test]
fn without_an_update_the_public_good_root_is_the_embedded_one() {
    let (_dir, store) = store();
    let (_, origin) = store.public_good().expect("embedded");
    assert_eq!(origin, RootOrigin::Embedded);
    assert_eq!(store.update_record().expect("none"), None);
    let list = store.list().expect("list");
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].name, PUBLIC_GOOD);
    assert!(list[0]
        .entries
        .iter()
        .any(|e| e.kind == "certificate-authority" && e.label == "https://fulcio.sigstore.dev"));
}

#[test]
fn a_stored_update_is_what_verification_uses() {
    let (_dir, store) = store();
    let record = UpdateRecord {
        repository: "https://tuf.example".into(),
        tuf_root_version: 16,
        targets_version: 9,
        expires: "2027-01-01T00:00:00Z".into(),
        updated_at: "2026-11-30T00:00:00Z".into(),
        sha256: "00".into(),
    };
    store
        .store_update(record.clone(), CUSTOM.into())
        .expect("store");
    let (root, origin) = store.public_good().expect("stored");
    assert_eq!(origin, RootOrigin::Updated);
    assert_eq!(
        entries(&root),
        entries(&checked_root(CUSTOM, "x").expect("custom"))
    );
    assert_eq!(store.update_record().expect("record"), Some(record.clone()));
    let listed = &store.list().expect("list")[0];
    assert_eq!(listed.origin, RootOrigin::Updated);
    assert!(!listed.stale);
    let old = UpdateRecord {
        expires: "2026-01-01T00:00:00Z".into(),
        ..record
    };
    store.store_update(old, CUSTOM.into()).expect("store");
    assert!(
        store.list().expect("list")[0].stale,
        "expired metadata is flagged"
    );
    assert_eq!(
        store.public_good().expect("still used").1,
        RootOrigin::Updated
    );
}

#[test]
fn a_corrupt_stored_root_is_a_sentence_and_is_left_alone() {
    let (_dir, store) = store();
    let path = store.updated_path();
    write_file(&path, b"{\"format\": \"something else\"").expect("write");
    let err = store.public_good().expect_err("corrupt");
    assert!(
        matches!(err, TrustRootError::StoredUnreadable { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("public-good.json"), "{err}");
    assert!(path.exists());
    // The list still answers, with the problem and the embedded root's entries.
    let list = store.list().expect("list");
    assert!(list[0].problem.is_some());
    assert!(!list[0].entries.is_empty());
}

#[test]
fn custom_roots_by_name() {
    let (_dir, store) = store();
    let info = store.add("github", CUSTOM, "`root.json`").expect("add");
    assert_eq!(info.origin, RootOrigin::Custom);
    assert!(!info.entries.is_empty());
    assert!(store.get("github").is_ok());
    assert!(matches!(
        store.get("gitlab"),
        Err(TrustRootError::NotFound { .. })
    ));
    assert!(matches!(
        store.add("github", CUSTOM, "x"),
        Err(TrustRootError::NameTaken { .. })
    ));
    assert!(matches!(
        store.add(PUBLIC_GOOD, CUSTOM, "x"),
        Err(TrustRootError::ReservedName)
    ));
    assert!(matches!(
        store.remove(PUBLIC_GOOD),
        Err(TrustRootError::ReservedName)
    ));
    let names: Vec<_> = store
        .list()
        .expect("list")
        .into_iter()
        .map(|r| r.name)
        .collect();
    assert_eq!(names, [PUBLIC_GOOD, "github"]);
    store.remove("github").expect("rm");
    assert!(matches!(
        store.remove("github"),
        Err(TrustRootError::NotFound { .. })
    ));
}

#[test]
fn names_are_file_names_that_cannot_escape() {
    for bad in ["", "../x", "a/b", "A", "-x", "_x", "x y", &"x".repeat(65)] {
        assert!(checked_name(bad).is_err(), "{bad:?}");
    }
    for good in ["github", "staging-2", "a_b", "0"] {
        assert_eq!(checked_name(good).ok(), Some(good));
    }
}

#[test]
fn a_root_must_be_a_trusted_root_with_something_in_it() {
    let err = checked_root("{}", "`f`").expect_err("no media type");
    assert!(
        err.to_string()
            .starts_with("`f` is not a Sigstore trusted root: "),
        "{err}"
    );
    let empty = r#"{"mediaType":"application/vnd.dev.sigstore.trustedroot+json;version=0.1"}"#;
    assert!(matches!(
        checked_root(empty, "`f`"),
        Err(TrustRootError::Empty { .. })
    ));
    let other = r#"{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json"}"#;
    assert!(matches!(
        checked_root(other, "`f`"),
        Err(TrustRootError::Malformed { .. })
    ));
}

#[test]
fn repositories_are_https_or_loopback_http() {
    use super::tuf::repository_url;
    let url = repository_url("https://tuf-repo-cdn.sigstore.dev").expect("https");
    assert_eq!(url.as_str(), "https://tuf-repo-cdn.sigstore.dev/");
    let url = repository_url("http://127.0.0.1:8080/repo").expect("loopback");
    assert_eq!(url.as_str(), "http://127.0.0.1:8080/repo/");
    assert!(repository_url("http://[::1]:8080/").is_ok());
    for bad in [
        "http://tuf.example/",
        "ftp://tuf.example/",
        "https://tuf.example/?x=1",
        "https://user@tuf.example/",
        "tuf.example",
    ] {
        let err = repository_url(bad).expect_err(bad);
        assert!(
            matches!(err, TrustRootError::BadRepository { .. }),
            "{bad}: {err:?}"
        );
    }
}

#[test]
fn an_update_starts_from_the_newest_tuf_root_it_trusted() {
    use super::tuf::newest_root;
    let dir = tempfile::tempdir().expect("tempdir");
    let kept = dir.path().join("root.json");
    let v = |n: u64| format!(r#"{{"signed":{{"version":{n}}}}}"#).into_bytes();
    assert_eq!(newest_root(&v(15), &kept), v(15), "nothing kept");
    std::fs::write(&kept, v(17)).expect("write");
    assert_eq!(newest_root(&v(15), &kept), v(17));
    std::fs::write(&kept, v(3)).expect("write");
    assert_eq!(
        newest_root(&v(15), &kept),
        v(15),
        "an older kept root is not used"
    );
}

#[test]
fn the_embedded_tuf_root_is_the_production_one() {
    let root: serde_json::Value = serde_json::from_str(PRODUCTION_TUF_ROOT_JSON).expect("json");
    assert_eq!(root["signed"]["_type"], "root");
    assert_eq!(root["signed"]["version"], 15);
    // tough reads Sigstore's keys (ECDSA P-256) and the root's own threshold of signatures
    // verifies: the chain an update walks from it starts from a root tough accepts.
    let signed: tough::schema::Signed<tough::schema::Root> =
        serde_json::from_str(PRODUCTION_TUF_ROOT_JSON).expect("tough parses it");
    signed.signed.verify_role(&signed).expect("self-signed");
    assert_eq!(DEFAULT_TUF_REPOSITORY, "https://tuf-repo-cdn.sigstore.dev");
}
