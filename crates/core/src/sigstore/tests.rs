use super::*;

#[test]
fn the_embedded_production_root_parses() {
    TrustedRoot::production().expect("the embedded production trusted root parses");
}

#[test]
fn malformed_bundles_and_roots_are_sentences_not_panics() {
    for json in [
        "",
        "{",
        "[]",
        "null",
        "{\"mediaType\":\"text/plain\"}",
        "{\"mediaType\":1}",
    ] {
        let e = Bundle::from_json(json).expect_err(json);
        assert!(
            matches!(e, SigstoreError::BundleMalformed { .. }),
            "{json}: {e:?}"
        );
        assert!(e
            .to_string()
            .starts_with("the bundle is not a valid Sigstore bundle"));
        let e = TrustedRoot::from_json(json).expect_err(json);
        assert!(
            matches!(e, SigstoreError::TrustedRootMalformed { .. }),
            "{json}: {e:?}"
        );
    }
}

#[test]
fn digests_must_be_sha256_with_64_hex_digits() {
    assert!(matches!(
        Artifact::parse_digest(&format!("sha256:{}", "ab".repeat(32))),
        Ok(Artifact::Sha256(d)) if d == [0xab; 32]
    ));
    for bad in [
        "",
        "sha256:",
        "sha512:00",
        "ab",
        &format!("sha256:{}", "g".repeat(64)),
    ] {
        let e = Artifact::parse_digest(bad).expect_err(bad);
        assert_eq!(e, SigstoreError::DigestMalformed { given: bad.into() });
    }
}
