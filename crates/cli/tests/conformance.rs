//! The Sigstore conformance suite's bundle-verify cases in `tests/data/sigstore-conformance/`
//! (see PROVENANCE.md there), run through the real `vouch verify-bundle` with the suite's CLI
//! protocol: each case twice, with the artifact's path and with `sha256:<hex>` of it. A case
//! must verify (exit 0) exactly when its folder's name does not end in `_fail`. Offline; needs
//! no harness. `the_whole_public_suite` runs the same protocol over the public suite's own
//! folder when one is given (it is not in this repository).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use sha2::{Digest, Sha256};

const DEFAULT_IDENTITY: &str = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
const DEFAULT_ISSUER: &str = "https://token.actions.githubusercontent.com";

fn suite() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sigstore-conformance")
}

/// A case folder's file, or the suite's default when the folder has none.
fn file_or(case: &Path, name: &str, default: &str) -> String {
    std::fs::read_to_string(case.join(name))
        .map(|s| s.trim().to_owned())
        .unwrap_or_else(|_| default.to_owned())
}

/// The arguments of `vouch verify-bundle` for `case`, without the artifact.
fn args(case: &Path) -> Vec<String> {
    let mut a = vec!["verify-bundle".into(), "--bundle".into()];
    a.push(case.join("bundle.sigstore.json").display().to_string());
    if case.join("key.pub").exists() {
        a.extend(["--key".into(), case.join("key.pub").display().to_string()]);
    } else {
        a.extend([
            "--certificate-identity".into(),
            file_or(case, "identity", DEFAULT_IDENTITY),
            "--certificate-oidc-issuer".into(),
            file_or(case, "issuer", DEFAULT_ISSUER),
        ]);
    }
    if case.join("trusted_root.json").exists() {
        a.extend([
            "--trusted-root".into(),
            case.join("trusted_root.json").display().to_string(),
        ]);
    }
    a
}

/// The case's own `artifact`, else the suite's `a.txt` beside the case folders.
fn artifact(case: &Path) -> PathBuf {
    let own = case.join("artifact");
    if own.exists() {
        own
    } else {
        case.parent().unwrap_or(case).join("a.txt")
    }
}

fn vouch(args: &[String]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vouch"))
        .args(args)
        .output()
        .expect("vouch runs")
}

/// The case folders of a suite folder (each holds a `bundle.sigstore.json`).
fn cases(suite: &Path) -> Vec<PathBuf> {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(suite)
        .expect("the suite folder is readable")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.join("bundle.sigstore.json").is_file())
        .collect();
    cases.sort();
    cases
}

/// Runs every case of `cases` with its artifact's path and its digest: how many runs, and a
/// line for each run whose outcome is not the one the case's name expects.
fn run_cases(cases: &[PathBuf]) -> (usize, Vec<String>) {
    let mut wrong = Vec::new();
    let mut runs = 0;
    for case in cases {
        let name = case.file_name().and_then(|n| n.to_str()).unwrap_or("?");
        let should_verify = !name.ends_with("_fail");
        let path = artifact(case);
        let bytes = std::fs::read(&path).expect("artifact readable");
        let digest = format!("sha256:{}", hex::encode(Sha256::digest(&bytes)));
        for given in [path.display().to_string(), digest] {
            let mut a = args(case);
            a.push(given.clone());
            let out = vouch(&a);
            runs += 1;
            let verified = out.status.success();
            if verified != should_verify {
                wrong.push(format!(
                    "{name} with {given}: expected {}, got exit {:?}: {}",
                    if should_verify { "verified" } else { "refused" },
                    out.status.code(),
                    String::from_utf8_lossy(&out.stderr).trim()
                ));
            } else if !verified {
                // Refused with a sentence, not a crash.
                let err = String::from_utf8_lossy(&out.stderr);
                assert!(
                    out.status.code() == Some(1) && err.starts_with("vouch: not verified: "),
                    "{name}: refused without its sentence: {err}"
                );
            }
        }
    }
    (runs, wrong)
}

#[test]
fn every_conformance_case_with_its_path_and_its_digest() {
    let cases = cases(&suite());
    assert_eq!(cases.len(), 15, "the subset has 15 cases");
    let (runs, wrong) = run_cases(&cases);
    assert_eq!(runs, 30);
    assert!(
        wrong.is_empty(),
        "{} of 30 runs wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

/// The public suite's `test/assets/bundle-verify` folder, given in `VOUCH_CONFORMANCE_SUITE`,
/// run case by case as above. The suite is not in this repository and this machine cannot fetch
/// it, so `make test` leaves this test out by name; run it with
/// `VOUCH_CONFORMANCE_SUITE=… cargo test -p vouch-cli --test conformance -- --ignored the_whole_public_suite`.
#[test]
#[ignore = "needs VOUCH_CONFORMANCE_SUITE: the public suite's bundle-verify folder"]
fn the_whole_public_suite() {
    let Some(dir) = std::env::var_os("VOUCH_CONFORMANCE_SUITE") else {
        panic!("set VOUCH_CONFORMANCE_SUITE to the suite's test/assets/bundle-verify folder");
    };
    let cases = cases(Path::new(&dir));
    assert!(
        !cases.is_empty(),
        "no case folder in {}",
        Path::new(&dir).display()
    );
    let (runs, wrong) = run_cases(&cases);
    eprintln!("{} cases, {runs} runs, {} wrong", cases.len(), wrong.len());
    assert!(
        wrong.is_empty(),
        "{} of {runs} runs wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

/// A bundle that verifies for its identity is refused, with the identity it carries, for
/// another workflow of the same repository and for another issuer.
#[test]
fn a_good_bundle_is_refused_for_another_identity_or_issuer() {
    let case = suite().join("happy-path-v0.3");
    let path = artifact(&case).display().to_string();
    let other_workflow = DEFAULT_IDENTITY.replace("@refs/heads/main", "@refs/heads/dev");
    for (identity, issuer, says) in [
        (other_workflow.as_str(), DEFAULT_ISSUER, "the certificate was issued to https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main, not to "),
        (DEFAULT_IDENTITY, "https://accounts.google.com", "the certificate's OIDC issuer is https://token.actions.githubusercontent.com, not https://accounts.google.com"),
    ] {
        let mut a = args(&case);
        let at = a.iter().position(|s| s == "--certificate-identity").expect("keyless case");
        a[at + 1] = identity.into();
        a[at + 3] = issuer.into();
        a.push(path.clone());
        let out = vouch(&a);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{identity} / {issuer}: {err}");
        assert!(err.contains(says), "{identity} / {issuer}: {err}");
    }
}

/// Bad input is a sentence and a non-zero exit, never a panic.
#[test]
fn malformed_bundle_and_digest_are_sentences() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bundle = dir.path().join("bundle.json");
    std::fs::write(&bundle, "{\"mediaType\": 3").expect("write");
    let case = suite().join("happy-path-v0.3");
    let mut a = args(&case);
    a[2] = bundle.display().to_string();
    a.push(artifact(&case).display().to_string());
    let out = vouch(&a);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("is not a valid Sigstore bundle"), "{err}");

    let mut a = args(&case);
    a.push("sha256:12".into());
    let out = vouch(&a);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("is not a SHA-256 digest"), "{err}");
}

/// `managed-key-and-client-identity_fail`: a managed key and a keyless identity given together
/// are a usage error (exit 2, a sentence naming both flags), never a verification — although
/// the key alone verifies this bundle.
#[test]
fn a_key_and_an_identity_together_are_refused() {
    let case = suite().join("managed-key-happy-path");
    let path = artifact(&case).display().to_string();
    let mut alone = args(&case);
    alone.push(path.clone());
    assert!(vouch(&alone).status.success(), "the key alone verifies");
    let identity = ["--certificate-identity", DEFAULT_IDENTITY];
    let issuer = ["--certificate-oidc-issuer", DEFAULT_ISSUER];
    for extra in [
        [identity, issuer].concat(),
        identity.to_vec(),
        issuer.to_vec(),
    ] {
        let mut a = args(&case);
        a.extend(extra.iter().map(|s| s.to_string()));
        a.push(path.clone());
        let out = vouch(&a);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{extra:?}: {err}");
        assert!(
            out.stdout.is_empty(),
            "{extra:?}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        assert!(
            err.contains("--key") && err.contains("--certificate-"),
            "{extra:?}: {err}"
        );
    }
}
