//! Golden JSON of real core values: the UI's test fixtures (`ui/src/test/golden/*.json`).
//!
//! Each file is what the core returns for fixed inputs (fixed keys from `tests/fixtures/keys`,
//! a fixed clock), serialised exactly as the CLI's `--json` and the app's IPC do. The UI tests
//! import these files, so their fixtures cannot drift from the core. When a core type or a
//! sentence changes, this test fails; `VOUCH_BLESS=1 cargo test -p vouch-core --test ui_golden`
//! rewrites the files (then review the diff and run the UI tests).

mod common;

use std::path::PathBuf;

use common::simple_signing;
use serde::Serialize;
use serde_json::{json, Value};
use time::macros::datetime;
use time::OffsetDateTime;
use vouch_core::export::admission::KyvernoApi;
use vouch_core::export::{self, Export, Target};
use vouch_core::keys::{PrivateKey, PublicKey};
use vouch_core::provenance::attest::{envelope, statement};
use vouch_core::provenance::metadata::image_facts;
use vouch_core::provenance::{
    assess_all, Attestation, Evidence, Fetched, ImageCover, ImageMetadata, Inspection, Origin,
    ProvenanceGraph, SLSA_V02, SLSA_V1, STATEMENT_V1,
};
use vouch_core::reference::ImageRef;
use vouch_core::registry::Registry;
use vouch_core::search::hub::HubOptions;
use vouch_core::search::{
    merge_and_rank, search, shown_tags, Candidate, HubDetails, SearchCache, SearchOptions,
    SearchResults, Source,
};
use vouch_core::trust::{KeyInfo, KeyStatus, Policy, PolicyMode, TrustSet, TrustedKey};
use vouch_core::verify::{evaluate, Found, Material, PlatformMaterial, Problem, Status, Verdict};

/// The UI tests run their clock at this instant too (`NOW` in ui/src/test/fixtures.ts).
const NOW: OffsetDateTime = datetime!(2026-03-01 12:00 UTC);
const REPO: &str = "ghcr.io/acme/app";
const INDEX_MEDIA_TYPE: &str = "application/vnd.oci.image.index.v1+json";
const MANIFEST_MEDIA_TYPE: &str = "application/vnd.oci.image.manifest.v1+json";

fn digest(hex_pair: &str) -> String {
    format!("sha256:{}", hex_pair.repeat(32))
}

/// The four publishers the UI tests know, with fixed keys and times.
struct Keys {
    acme: PrivateKey,
    globex: PrivateKey,
    /// Revoked in the trust set (cosign's encrypted key format, password `test`).
    umbrella: PrivateKey,
}

impl Keys {
    fn load() -> Keys {
        Keys {
            acme: common::private_key("ed25519-pkcs8.pem"),
            globex: common::private_key("p256-pkcs8.pem"),
            umbrella: common::cosign_key(),
        }
    }

    fn trusted(&self) -> Vec<TrustedKey> {
        let initech =
            PublicKey::parse(&common::key_file("rsa2048.pub")).expect("fixture public key");
        vec![
            trusted(
                &self.acme.public_key(),
                "Acme Platform",
                &["ghcr.io/acme/**"],
                |_| {},
            ),
            trusted(
                &self.globex.public_key(),
                "Globex Images",
                &["ghcr.io/globex/*", "docker.io/globex/api"],
                |k| {
                    k.expires_at = Some(datetime!(2026-03-15 00:00 UTC)); // 14 days after NOW
                    k.has_private = true;
                    k.note = Some("CI signing key".into());
                },
            ),
            trusted(&initech, "Initech", &[], |k| {
                k.expires_at = Some(datetime!(2026-02-01 00:00 UTC)); // before NOW
            }),
            trusted(&self.umbrella.public_key(), "Umbrella", &[], |k| {
                k.status = KeyStatus::Revoked;
                k.revoked_reason = Some("leaked in CI logs".into());
                k.revoked_at = Some(datetime!(2026-02-20 10:00 UTC));
            }),
        ]
    }

    fn trust_set(&self) -> TrustSet {
        TrustSet {
            keys: self.trusted(),
            policies: vec![Policy {
                pattern: "ghcr.io/acme/**".into(),
                mode: PolicyMode::Enforce,
                threshold: 1,
            }],
            ..TrustSet::default()
        }
    }
}

fn trusted(
    key: &PublicKey,
    publisher: &str,
    scopes: &[&str],
    tweak: impl FnOnce(&mut TrustedKey),
) -> TrustedKey {
    let mut k = common::trusted(key, publisher, scopes, datetime!(2026-01-10 09:00 UTC));
    tweak(&mut k);
    k
}

fn material(tag: &str, digest: &str, found: Vec<Found>) -> Material {
    Material {
        reference: format!("{REPO}:{tag}"),
        repository: REPO.into(),
        digest: digest.to_string(),
        digest_detail: "the registry served the manifest; its SHA-256 is the digest".into(),
        found,
        sources: vec![format!("cosign tag sha256-{}.sig", &digest[7..])],
        platforms: Vec::new(),
    }
}

/// One verdict of each status, as `evaluate` gives them.
fn verdicts(keys: &Keys, trust: &TrustSet) -> Vec<(Status, Verdict)> {
    let d = digest("1a");
    let verified = evaluate(
        &material("v1", &d, vec![simple_signing(&keys.acme, REPO, &d)]),
        trust,
        NOW,
    );
    let unsigned = evaluate(&material("v2", &d, Vec::new()), trust, NOW);
    let untrusted = evaluate(
        &material("v3", &d, vec![simple_signing(&keys.umbrella, REPO, &d)]),
        trust,
        NOW,
    );
    let invalid = evaluate(
        &material(
            "v4",
            &d,
            vec![simple_signing(&keys.acme, REPO, &digest("ff"))],
        ),
        trust,
        NOW,
    );
    let bad = "ghcr.io/acme/App:v1";
    let why = ImageRef::parse(bad).expect_err("an upper-case repository is refused");
    let error = Verdict::error(bad, None, None, None, Problem::bad_reference(bad, &why));
    vec![
        (Status::Verified, verified),
        (Status::Unsigned, unsigned),
        (Status::Untrusted, untrusted),
        (Status::Invalid, invalid),
        (Status::Error, error),
        (
            Status::Cancelled,
            Verdict::cancelled(&format!("{REPO}:v5"), Some(REPO.to_string())),
        ),
    ]
}

/// The shared SLSA v0.2 predicate, as a make build with one material.
fn slsa_v02() -> Value {
    let mut p = common::slsa_v02_predicate();
    p["buildType"] = json!("https://example.com/buildtypes/make@v1");
    p["materials"] =
        json!([{"uri": "pkg:docker/golang@1.22", "digest": {"sha256": "4d".repeat(32)}}]);
    p
}

fn slsa_v1(subject: &str, digest: &str) -> Vec<u8> {
    let doc = json!({
        "_type": STATEMENT_V1,
        "predicateType": SLSA_V1,
        "subject": [{"name": subject, "digest": {"sha256": &digest[7..]}}],
        "predicate": {
            "buildDefinition": {
                "buildType": "https://mobyproject.org/buildkit@v1",
                "externalParameters": {"request": {"frontend": "dockerfile.v0"}},
                "resolvedDependencies": [
                    {"uri": "pkg:docker/alpine@3.20?platform=linux%2Famd64", "digest": {"sha256": "6f".repeat(32)}},
                ]
            },
            "runDetails": {
                "builder": {"id": "https://github.com/docker/buildx@v0.20"},
                "metadata": {"invocationId": "build-7", "startedOn": "2026-01-02T03:00:00Z",
                             "finishedOn": "2026-01-02T03:04:00Z"}
            }
        }
    });
    serde_json::to_vec(&doc).expect("json")
}

/// A two-platform index with three attestations: a DSSE-signed SLSA v0.2 provenance by the
/// trusted key, a BuildKit provenance (covered only by a trusted signature on the index), and a
/// referrer signed by a key not trusted for this repository. `signed`: the index and its
/// platforms carry a signature by the trusted key.
fn inspection(keys: &Keys, trust: &TrustSet, signed: bool) -> Inspection {
    let (index, amd64, arm64) = (digest("1a"), digest("2b"), digest("3c"));
    let sign = |d: &str| match signed {
        true => vec![simple_signing(&keys.acme, REPO, d)],
        false => Vec::new(),
    };
    let mut m = material("v1", &index, sign(&index));
    m.platforms = [("linux/amd64", &amd64), ("linux/arm64", &arm64)]
        .into_iter()
        .map(|(platform, d)| PlatformMaterial {
            platform: platform.into(),
            digest: d.clone(),
            found: Ok(sign(d)),
        })
        .collect();
    let verdict = evaluate(&m, trust, NOW);

    let index_json = json!({"mediaType": INDEX_MEDIA_TYPE, "annotations": {
        "org.opencontainers.image.version": "1.0.0"}});
    let facts = |created: &str, size: u64| {
        let manifest = json!({"mediaType": MANIFEST_MEDIA_TYPE, "layers": [
            {"size": size}, {"size": 1_500_000}, {"size": 200_000}]});
        let config = json!({"os": "linux", "architecture": "amd64", "created": created,
            "history": [{}, {}, {}, {}, {}, {}, {}],
            "config": {"Labels": {"maintainer": "platform@acme.example",
                "org.opencontainers.image.source": "https://github.com/acme/app",
                "org.opencontainers.image.revision": "0123456789abcdef0123456789abcdef01234567"}}});
        image_facts(&manifest, Some(&config))
    };
    let metadata = ImageMetadata::for_index(
        Some(INDEX_MEDIA_TYPE.into()),
        &index_json,
        vec![
            (
                "linux/amd64".into(),
                amd64.clone(),
                Some(facts("2026-01-02T03:04:05Z", 30_000_000)),
            ),
            (
                "linux/arm64".into(),
                arm64.clone(),
                Some(facts("2026-01-02T03:04:07Z", 28_400_000)),
            ),
        ],
        1,
    );

    let slsa = serde_json::to_vec(&slsa_v02()).expect("json");
    let slsa = statement(REPO, &index, &slsa, SLSA_V02).expect("statement");
    let by_untrusted = statement(
        REPO,
        &index,
        br#"{"scanner":"trivy"}"#,
        "https://cosign.sigstore.dev/attestation/vuln/v1",
    )
    .expect("statement");
    let fetched = vec![
        Fetched {
            origin: Origin::CosignTag {
                tag: format!("sha256-{}.att", &index[7..]),
            },
            annotated_predicate_type: Some(SLSA_V02.into()),
            evidence: Evidence::EnvelopeBytes(envelope(&slsa, &keys.acme)),
        },
        Fetched {
            origin: Origin::Buildkit {
                manifest: digest("5e"),
                for_digest: Some(amd64.clone()),
            },
            annotated_predicate_type: Some(SLSA_V1.into()),
            evidence: Evidence::UnsignedStatement(slsa_v1(
                "pkg:docker/ghcr.io/acme/app@v1?platform=linux%2Famd64",
                &amd64,
            )),
        },
        Fetched {
            origin: Origin::Referrer {
                digest: digest("7a"),
            },
            annotated_predicate_type: None,
            evidence: Evidence::EnvelopeBytes(envelope(&by_untrusted, &keys.globex)),
        },
    ];
    let cover = verdict
        .signatures
        .iter()
        .find(|s| s.valid)
        .map(|s| ImageCover {
            fingerprint: s.fingerprint.clone().unwrap_or_default(),
            publisher: s.publisher.clone().unwrap_or_default(),
        });
    let attestations: Vec<Attestation> = assess_all(
        &fetched,
        trust,
        REPO,
        &index,
        &[amd64, arm64],
        cover.as_ref(),
        NOW,
    );
    let graph = ProvenanceGraph::build(&verdict, Some(&metadata), &attestations);
    Inspection {
        verdict,
        metadata: Some(metadata),
        attestations,
        graph,
        notes: vec![
            "cosign attestations (.att tag): 1 layer".into(),
            "OCI referrers: the registry does not support the referrers API; read the fallback tag"
                .into(),
        ],
    }
}

/// A search for `ap` as the window shows it: a registry result covered by Acme Platform (also in
/// the history), a trusted scope covered by Globex Images, an uncovered registry result, an
/// official Docker Hub image, and Docker Hub's note when it cannot be reached (a real search
/// against a closed port).
fn search_results(trust: &TrustSet) -> SearchResults {
    let named = |name: &str, source| Candidate::named(name, source).expect("a repository name");
    let mut nginx = named("docker.io/library/nginx", Source::DockerHub);
    nginx.details = HubDetails {
        description: Some("Official build of Nginx.".into()),
        stars: Some(20_950),
        pulls: Some(1_000_000_000),
        official: true,
    };
    let candidates = vec![
        named("ghcr.io/acme/app", Source::Registry),
        named("ghcr.io/acme/app", Source::History),
        named("docker.io/globex/api", Source::TrustedScope),
        named("registry.internal:5000/tools/apt-mirror", Source::Registry),
        nginx,
    ];
    let mut results = merge_and_rank(candidates, "ap", trust, NOW, 20);
    let tags = |r: &str| -> Vec<&str> {
        match r {
            "ghcr.io/acme/app" => vec!["v1.1", "latest", "v1.2", "sha256-ab.sig", "v1.0", "v0.9"],
            "docker.io/globex/api" => vec!["2.0", "1.0"],
            "registry.internal:5000/tools/apt-mirror" => vec!["1"],
            _ => vec![],
        }
    };
    for r in &mut results {
        let all = tags(&r.repository).into_iter().map(String::from).collect();
        r.tags = shown_tags(all, 5);
    }
    let offline = SearchOptions {
        docker_hub: Some(HubOptions {
            base_url: "http://127.0.0.1:9".into(),
        }),
        ..SearchOptions::default()
    };
    let registry = Registry::new(Default::default(), []).expect("a registry client");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let nothing = runtime.block_on(search(
        &registry,
        &SearchCache::default(),
        "zz-nothing",
        &offline,
        &TrustSet::default(),
        NOW,
    ));
    assert!(nothing.results.is_empty(), "{:?}", nothing.results);
    SearchResults {
        results,
        notes: nothing.notes,
    }
}

/// Compares `value`'s JSON with `ui/src/test/golden/NAME.json`; `VOUCH_BLESS=1` rewrites it.
/// The containers (overlaps accepted) and Kyverno v1 exports of the UI's trust set.
fn exports(trust: &TrustSet) -> (Export, Export) {
    let containers = Target::Containers {
        accept_scope_overlap: true,
    };
    let kyverno = Target::Kyverno {
        api: KyvernoApi::V1,
    };
    (
        export::export(trust, NOW, containers).expect("containers export"),
        export::export(trust, NOW, kyverno).expect("kyverno export"),
    )
}

fn golden(name: &str, value: &impl Serialize) -> Option<String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../ui/src/test/golden")
        .join(format!("{name}.json"));
    let json = serde_json::to_string_pretty(value).expect("serialise") + "\n";
    if std::env::var_os("VOUCH_BLESS").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(path.parent().expect("a parent folder")).expect("mkdir");
        std::fs::write(&path, json).expect("write golden file");
        return None;
    }
    match std::fs::read_to_string(&path) {
        Ok(old) if old == json => None,
        Ok(_) => Some(format!(
            "{} differs from what the core returns",
            path.display()
        )),
        Err(e) => Some(format!("{}: {e}", path.display())),
    }
}

#[test]
fn ui_fixtures_are_what_the_core_returns() {
    let keys = Keys::load();
    let trust = keys.trust_set();
    let verdicts = verdicts(&keys, &trust);
    // Each fixture is the status it is named after: the inputs above really produce it.
    for (status, v) in &verdicts {
        assert_eq!(v.status, *status, "{}: {}", v.reference, v.reason);
    }
    let verdicts: serde_json::Map<String, Value> = verdicts
        .into_iter()
        .map(|(s, v)| {
            (
                s.as_str().to_string(),
                serde_json::to_value(v).expect("json"),
            )
        })
        .collect();
    let verified =
        |i: &Inspection| -> Vec<bool> { i.attestations.iter().map(|a| a.verified).collect() };
    let inspection = inspection(&keys, &trust, true);
    assert_eq!(inspection.verdict.status, Status::Verified);
    let flags = verified(&inspection);
    assert_eq!(flags, [true, true, false], "{:#?}", inspection.attestations);
    let unsigned = self::inspection(&keys, &trust, false);
    assert_eq!(unsigned.verdict.status, Status::Unsigned);
    let flags = verified(&unsigned);
    assert_eq!(flags, [true, false, false], "{:#?}", unsigned.attestations);

    let found = search_results(&trust);
    let covered: Vec<(&str, &[String])> = found
        .results
        .iter()
        .map(|r| (r.repository.as_str(), r.trusted_by.as_slice()))
        .collect();
    assert_eq!(
        covered,
        [
            ("docker.io/globex/api", &["Globex Images".to_string()][..]),
            ("ghcr.io/acme/app", &["Acme Platform".to_string()][..]),
            ("registry.internal:5000/tools/apt-mirror", &[][..]),
            ("docker.io/library/nginx", &[][..]),
        ]
    );
    assert_eq!(found.notes.len(), 1, "{:?}", found.notes);
    let stale: Vec<String> = [
        golden(
            "keys",
            &trust
                .keys
                .iter()
                .map(|k| KeyInfo::at(k.clone(), NOW))
                .collect::<Vec<_>>(),
        ),
        golden("verdicts", &verdicts),
        golden("inspection", &inspection),
        golden("inspection-unsigned", &unsigned),
        golden("search-results", &found),
        golden("export-containers", &exports(&trust).0),
        golden("export-kyverno", &exports(&trust).1),
    ]
    .into_iter()
    .flatten()
    .collect();
    assert!(
        stale.is_empty(),
        "{}\nIf the change is intended, run `VOUCH_BLESS=1 cargo test -p vouch-core --test ui_golden`, \
         review the diff, and run the UI tests (`cd ui && npm test`).",
        stale.join("\n")
    );
}

/// Keyless attestation bundles as the Inspect view shows them: a real GitHub Actions SLSA v1
/// provenance bundle (the Sigstore conformance suite's, public-good root) attached to its
/// subject's digest, assessed for a user who trusts the workflow's identity (verified) and for
/// one who trusts none (listed, unverified, with the reason).
#[test]
fn keyless_attestation_fixtures_are_what_the_core_returns() {
    use vouch_core::discovery::{parse_bundle, BundleContent, Source};
    use vouch_core::provenance::assess_all_with;
    use vouch_core::sigstore::TrustedRoot;
    use vouch_core::trust::identity::Claims;
    use vouch_core::trust::{Identity, Subject, TrustedIdentity};
    use vouch_core::verify::keyless::KeylessRoots;

    let json = include_str!(
        "../../cli/tests/data/sigstore-conformance/happy-path-intoto-in-dsse-v3/bundle.sigstore.json"
    );
    let subject = "sha256:a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf";
    let referrer = digest("9b");
    let BundleContent::Attestation(found) = parse_bundle(
        json.as_bytes(),
        vouch_core::cosign::SIGSTORE_BUNDLE_MEDIA_TYPE,
        Source::Referrer(referrer.clone()),
    ) else {
        panic!("an attestation bundle is an attestation");
    };
    let Evidence::Envelope(envelope) = found.evidence else {
        panic!("a bundle's envelope, taken apart");
    };
    let fetched = [Fetched {
        origin: Origin::Referrer { digest: referrer },
        annotated_predicate_type: None,
        evidence: Evidence::Bundle {
            envelope,
            json: json.to_string(),
        },
    }];
    let identity = Identity::new(
        "https://token.actions.githubusercontent.com",
        Subject::Exact("https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main".into()),
        Claims::default(),
        None,
    )
    .expect("a valid identity");
    let trusting = TrustSet {
        identities: vec![TrustedIdentity::new(identity, "Acme CI", vec![], NOW)],
        ..TrustSet::default()
    };
    let mut attestations = Vec::new();
    for trust in [&trusting, &TrustSet::default()] {
        let roots = KeylessRoots::new(trust, |_| TrustedRoot::production());
        let a = assess_all_with(&fetched, (trust, &roots), REPO, subject, &[], None, NOW);
        attestations.extend(a);
    }
    let flags: Vec<bool> = attestations.iter().map(|a| a.verified).collect();
    assert_eq!(flags, [true, false], "{attestations:#?}");
    let stale = golden("attestations-keyless", &attestations);
    assert!(
        stale.is_none(),
        "{stale:?}\nIf the change is intended, run `VOUCH_BLESS=1 cargo test -p vouch-core --test ui_golden`"
    );
}
