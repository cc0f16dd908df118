//! Keyless identities in every export: the exact translation, or left out with a sentence.

use serde_json::Value;

use super::admission::{kyverno, policy_controller, KyvernoApi};
use super::containers::{export_with, Options, Overlap};
use super::{Export, Roots};
use crate::keys::{Algorithm, PrivateKey};
use crate::sigstore::roots::{material, RootMaterial};
use crate::sigstore::TrustedRoot;
use crate::test_support::{now, policy, set, trusted};
use crate::trust::identity::{
    CertificateClaims, Claims, Identity, San, Subject, TrustedIdentity, PUBLIC_GOOD_ROOT,
};
use crate::trust::{PolicyMode, TrustSet};

const GITHUB: &str = "https://token.actions.githubusercontent.com";
const GOOGLE: &str = "https://accounts.google.com";

fn identity(
    publisher: &str,
    issuer: &str,
    subject: Subject,
    root: Option<&str>,
) -> TrustedIdentity {
    let id = Identity::new(issuer, subject, Claims::default(), root).expect("identity");
    TrustedIdentity::new(id, publisher, vec![], now())
}

/// `publisher`'s Google account `address`, under `root` (public-good where `None`).
fn email(publisher: &str, address: &str, root: Option<&str>) -> TrustedIdentity {
    identity(publisher, GOOGLE, Subject::Exact(address.into()), root)
}

fn roots() -> Roots {
    let public = material(&TrustedRoot::production().expect("embedded root"), now());
    let custom = RootMaterial {
        json: Some(
            r#"{"mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1"}"#.into(),
        ),
        ..public.clone()
    };
    Roots::from([
        (PUBLIC_GOOD_ROOT.to_string(), public),
        ("corp".to_string(), custom),
    ])
}

fn with_identities(ids: Vec<TrustedIdentity>) -> TrustSet {
    TrustSet {
        identities: ids,
        ..set(Vec::new())
    }
}

fn containers(s: &TrustSet) -> (Value, Export) {
    let opts = Options {
        overlap: Overlap::Accept,
        roots: roots(),
        ..Options::default()
    };
    let e = export_with(s, now(), &opts).expect("export");
    (serde_json::from_str(&e.files[0].contents).expect("json"), e)
}

/// The Kyverno (v1) export of `s` and its policy that asks for two signers.
fn kyverno_two_of(s: &TrustSet) -> (Export, Value) {
    let e = kyverno(s, now(), KyvernoApi::V1, &roots()).expect("export");
    let policy = objects(&e)
        .into_iter()
        .find(|o| {
            o["spec"]["validations"][0]["expression"]
                .as_str()
                .is_some_and(|x| x.contains(">= 2"))
        })
        .expect("the policy counting two signers");
    (e, policy)
}

/// The objects of a multi-document export file.
fn objects(e: &Export) -> Vec<Value> {
    e.files[0]
        .contents
        .split("---\n")
        .filter(|d| !d.trim().is_empty())
        .map(|d| serde_json::from_str(d).expect("json"))
        .collect()
}

#[test]
fn an_email_identity_becomes_a_fulcio_requirement_with_the_root_material() {
    let s = with_identities(vec![email("alice", "alice@example.com", None)]);
    let (p, e) = containers(&s);
    let req = &p["transports"]["docker"][""][0];
    assert_eq!(req["type"], "sigstoreSigned");
    assert_eq!(req["fulcio"]["oidcIssuer"], GOOGLE);
    assert_eq!(req["fulcio"]["subjectEmail"], "alice@example.com");
    assert_eq!(req["signedIdentity"]["type"], "matchRepository");
    let b64 = |s: &str| {
        use base64::Engine as _;
        String::from_utf8(
            base64::engine::general_purpose::STANDARD
                .decode(s)
                .expect("base64"),
        )
        .expect("utf8")
    };
    let cas = b64(req["fulcio"]["caData"].as_str().expect("caData"));
    // The CA in use (root and intermediate), not the retired one.
    assert_eq!(cas.matches("BEGIN CERTIFICATE").count(), 2, "{cas}");
    // Two Rekor logs are in use in the embedded root.
    let keys = req["rekorPublicKeyDatas"].as_array().expect("rekor keys");
    assert_eq!(keys.len(), 2);
    assert!(b64(keys[0].as_str().expect("key")).contains("BEGIN PUBLIC KEY"));
    assert!(
        e.summary.exported.iter().any(|l| l.contains("alice"))
            && e.summary.differences.iter().any(|l| l.contains("SCT")),
        "{:?}",
        e.summary
    );
}

#[test]
fn containers_leaves_out_uri_subjects_patterns_claims_and_unknown_roots_with_a_sentence() {
    let workflow = identity(
        "ci",
        GITHUB,
        Subject::Exact(
            "https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main".into(),
        ),
        None,
    );
    let glob = identity("team", GOOGLE, Subject::Glob("*@example.com".into()), None);
    let claims = Identity::new(
        GOOGLE,
        Subject::Exact("bob@example.com".into()),
        Claims {
            trigger: Some("push".into()),
            ..Claims::default()
        },
        None,
    )
    .expect("identity");
    let claims = TrustedIdentity::new(claims, "bob", vec![], now());
    let lost = email("lost", "carol@example.com", Some("gone"));
    let s = with_identities(vec![workflow, glob, claims, lost]);
    let (p, e) = containers(&s);
    assert!(!p.to_string().contains("fulcio"), "{p:#}");
    let not = e.summary.not_exported.join("\n");
    for (who, why) in [
        ("ci", "is a URI"),
        ("team", "no glob or regular expression"),
        ("bob", "build trigger"),
        ("lost", "`gone` could not be read"),
    ] {
        assert!(
            e.summary
                .not_exported
                .iter()
                .any(|l| l.starts_with(who) && l.contains(why) && l.contains("left out")),
            "{who}: {not}"
        );
    }
}

#[test]
fn containers_writes_identities_only_where_every_signer_is_required() {
    let k = PrivateKey::generate(Algorithm::Ed25519).expect("key");
    let alice = email("alice", "alice@example.com", None);
    // 1 of {key, alice}: "any of a key or an identity" has no requirement: alice is left out.
    let mut s = with_identities(vec![alice]);
    s.keys = vec![trusted(&k, "acme", &[])];
    let (p, e) = containers(&s);
    let reqs = p["transports"]["docker"][""]
        .as_array()
        .expect("reqs")
        .clone();
    assert_eq!(reqs.len(), 1);
    assert!(reqs[0].get("keyDatas").is_some() && reqs[0].get("fulcio").is_none());
    assert!(
        e.summary
            .not_exported
            .iter()
            .any(|l| l.contains("alice") && l.contains("cannot be expressed")),
        "{:?}",
        e.summary.not_exported
    );
    // 2 of {key, alice}: both required, one requirement each.
    s.policies = vec![policy("ghcr.io/acme/**", PolicyMode::Enforce, 2)];
    let (p, _) = containers(&s);
    let reqs = p["transports"]["docker"]["ghcr.io/acme"]
        .as_array()
        .expect("reqs")
        .clone();
    assert_eq!(reqs.len(), 2, "{p:#}");
    assert!(reqs[0].get("keyDatas").is_some());
    assert_eq!(reqs[1]["fulcio"]["subjectEmail"], "alice@example.com");
}

#[test]
fn a_publishers_identity_beside_its_key_is_left_out_where_a_threshold_counts() {
    let (k1, k2) = (
        PrivateKey::generate(Algorithm::Ed25519).expect("key"),
        PrivateKey::generate(Algorithm::Ed25519).expect("key"),
    );
    let mut s = with_identities(vec![identity(
        "acme",
        GOOGLE,
        Subject::Exact("ci@acme.example".into()),
        None,
    )]);
    s.keys = vec![trusted(&k1, "acme", &[]), trusted(&k2, "other", &[])];
    s.policies = vec![policy("ghcr.io/acme/**", PolicyMode::Enforce, 2)];
    let (e, acme) = kyverno_two_of(&s);
    let attestors = acme["spec"]["attestors"].as_array().expect("attestors");
    // Vouch counts acme's key and identity once: the identity beside the key would count twice.
    assert_eq!(attestors.len(), 2, "{acme:#}");
    assert!(attestors
        .iter()
        .all(|a| a["cosign"].get("keyless").is_none()));
    assert!(e
        .summary
        .differences
        .iter()
        .any(|l| l.contains("also has a key")));
}

#[test]
fn kyverno_counts_a_publishers_identities_as_one_attestor_with_anchored_patterns() {
    let s = TrustSet {
        policies: vec![policy("ghcr.io/acme/**", PolicyMode::Enforce, 2)],
        ..with_identities(vec![
            identity(
                "ci",
                GITHUB,
                Subject::Glob("https://github.com/acme/*/.github/**".into()),
                None,
            ),
            identity(
                "ci",
                GITHUB,
                Subject::Regexp("https://gitlab\\.com/acme/.+".into()),
                None,
            ),
            email("bob", "bob@example.com", Some("corp")),
        ])
    };
    let (_, acme) = kyverno_two_of(&s);
    let attestors = acme["spec"]["attestors"].as_array().expect("attestors");
    assert_eq!(attestors.len(), 2, "{acme:#}");
    let ci = &attestors[0]["cosign"];
    assert_eq!(
        ci["keyless"]["identities"][0]["subjectRegExp"],
        "^(?:https://github\\.com/acme/[^/@]*/\\.github/[^@]*)$"
    );
    assert_eq!(
        ci["keyless"]["identities"][1]["subjectRegExp"],
        "^(?:https://gitlab\\.com/acme/.+)$"
    );
    assert!(
        ci.get("trustedRoot").is_none(),
        "public-good is Kyverno's default"
    );
    let bob = &attestors[1]["cosign"];
    assert_eq!(
        bob["keyless"]["identities"][0]["subject"],
        "bob@example.com"
    );
    assert!(bob["trustedRoot"]["value"]
        .as_str()
        .is_some_and(|j| j.contains("trustedroot")));
    let names: Vec<&str> = attestors
        .iter()
        .map(|a| a["name"].as_str().expect("name"))
        .collect();
    let expr = acme["spec"]["validations"][0]["expression"]
        .as_str()
        .expect("expr");
    assert!(
        names
            .iter()
            .all(|n| expr.contains(&format!("attestors.{n}"))),
        "{expr}"
    );
}

#[test]
fn admission_targets_leave_out_what_they_cannot_check() {
    let claims = Identity::new(
        GITHUB,
        Subject::Exact(
            "https://github.com/acme/app/.github/workflows/r.yml@refs/heads/main".into(),
        ),
        Claims {
            source_ref: Some("refs/heads/main".into()),
            ..Claims::default()
        },
        None,
    )
    .expect("identity");
    let s = with_identities(vec![
        TrustedIdentity::new(claims, "ci", vec![], now()),
        identity(
            "wb",
            GOOGLE,
            Subject::Regexp("\\bbob@example\\.com".into()),
            None,
        ),
        email("corp", "bob@example.com", Some("corp")),
        email("ok", "ok@example.com", None),
    ]);
    let k = kyverno(&s, now(), KyvernoApi::V1, &roots()).expect("kyverno");
    let p = policy_controller(&s, now(), &roots()).expect("policy-controller");
    let cp = kyverno(&s, now(), KyvernoApi::ClusterPolicy, &roots()).expect("clusterpolicy");
    let left = |e: &Export, who: &str, why: &str| {
        assert!(
            e.summary
                .not_exported
                .iter()
                .any(|l| l.starts_with(who) && l.contains(why)),
            "{who}: {:?}",
            e.summary.not_exported
        )
    };
    for e in [&k, &p] {
        left(e, "ci", "source ref");
        left(e, "wb", "`\\b`");
    }
    left(&p, "corp", "TrustRoot");
    left(&cp, "ci", "source ref");
    left(&cp, "corp", "one Rekor key");
    let text = p.files[0].contents.clone();
    assert!(
        text.contains("ok@example.com") && !text.contains("refs/heads/main"),
        "{text}"
    );
    assert!(text.contains("https://fulcio.sigstore.dev"));
    let cp = &cp.files[0].contents;
    assert!(
        cp.contains("\"subject\": \"ok@example.com\"") && !cp.contains("bob@"),
        "{cp}"
    );
}

/// Vouch's matcher and the exported expression (as Go's RE2 reads it; the `regex` crate has
/// its syntax and semantics for these patterns) agree on every SAN.
#[test]
fn exported_subject_patterns_match_exactly_what_vouch_matches() {
    let subjects = [
        Subject::Glob("https://github.com/acme/*/.github/workflows/*.yml@refs/heads/*".into()),
        Subject::Glob("https://github.com/acme/**".into()),
        Subject::Glob("*@acme.example".into()),
        Subject::Regexp("https://gitlab\\.com/acme/[a-z]+".into()),
        Subject::Regexp("a|b".into()),
        Subject::Regexp("bob@example\\.(com|org)".into()),
    ];
    let sans = [
        "https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main",
        "https://github.com/acme/app/.github/workflows/release.yml@refs/heads/a/b",
        "https://github.com/acme/app/x/.github/workflows/release.yml@refs/heads/main",
        "https://github.com/acme/app",
        "https://github.com/acme/a@b",
        "https://github.com/acmeevil/app",
        "xhttps://github.com/acme/app",
        "alice@acme.example",
        "a/b@acme.example",
        "alice@acme.example.evil",
        "https://gitlab.com/acme/app",
        "https://gitlab.com/acme/app/more",
        "https://gitlab.com/acme/App",
        "a",
        "ab",
        "xb",
        "bob@example.com",
        "bob@example.org.evil",
        "evil-bob@example.com",
    ];
    for subject in subjects {
        let id = Identity::new(GOOGLE, subject.clone(), Claims::default(), None).expect("identity");
        let exported = subject.anchored_source().expect("a pattern");
        // Go searches the expression anywhere in the SAN: `is_match` is that search.
        let go = regex::Regex::new(&exported).expect("compiles");
        for san in sans {
            let cert = CertificateClaims {
                issuer: GOOGLE.into(),
                san: San::Uri(san.into()),
                ..CertificateClaims::default()
            };
            assert_eq!(
                id.matches(&cert).is_ok(),
                go.is_match(san),
                "{subject} against {san} (exported {exported})"
            );
        }
    }
}

/// A root's entries outside their windows are not carried; the end of those carried is, and
/// the summary asks for a new export before it.
#[test]
fn root_material_carries_what_is_in_use_now_and_says_until_when() {
    use crate::sigstore::testing::Instance;
    // The containers export of `s` with `corp` the root of `instance`.
    let with_corp_root = |s: &TrustSet, instance: &Instance| {
        let mut roots = roots();
        roots.insert("corp".into(), material(&instance.trusted_root(), now()));
        let opts = Options {
            roots,
            ..Options::default()
        };
        export_with(s, now(), &opts).expect("export")
    };
    let t = now().unix_timestamp();
    let current = Instance::with_window("current", (t - 100, t + 1000));
    let m = material(&current.trusted_root(), now());
    assert_eq!(m.fulcio_pems.len(), 2, "root and intermediate");
    assert_eq!((m.rekor_keys.len(), m.ct_keys.len()), (1, 1));
    assert_eq!(m.until.map(|u| u.unix_timestamp()), Some(t + 1000));
    let past = Instance::with_window("past", (t - 1000, t - 100));
    let m = material(&past.trusted_root(), now());
    assert!(m.fulcio_pems.is_empty() && m.rekor_keys.is_empty() && m.until.is_none());
    // An identity of a custom root whose entries end: exported, and the end said.
    let s = with_identities(vec![email("alice", "alice@example.com", Some("corp"))]);
    let e = with_corp_root(&s, &current);
    assert!(e.files[0].contents.contains("subjectEmail"));
    assert!(
        e.summary
            .differences
            .iter()
            .any(|l| l.contains("`corp`") && l.contains("export again")),
        "{:?}",
        e.summary.differences
    );
    // A past root: nothing in use, so the identity is left out.
    let e = with_corp_root(&s, &past);
    assert!(!e.files[0].contents.contains("subjectEmail"));
    assert!(e
        .summary
        .not_exported
        .iter()
        .any(|l| l.contains("no Fulcio CA")));
}

#[test]
fn revoked_and_expired_identities_are_never_exported() {
    let mut gone = email("gone", "gone@example.com", None);
    gone.status = crate::trust::KeyStatus::Revoked;
    let mut old = email("old", "old@example.com", None);
    old.expires_at = Some(now() - time::Duration::days(1));
    let mut later = email("later", "later@example.com", None);
    later.expires_at = Some(now() + time::Duration::days(1));
    let s = with_identities(vec![gone, old, later]);
    for e in [
        containers(&s).1,
        kyverno(&s, now(), KyvernoApi::V1, &roots()).expect("kyverno"),
        policy_controller(&s, now(), &roots()).expect("policy-controller"),
    ] {
        let text: String = e.files.iter().map(|f| f.contents.as_str()).collect();
        assert!(!text.contains("gone@") && !text.contains("old@"), "{text}");
        let not = e.summary.not_exported.join("\n");
        assert!(
            not.contains("gone (id:") && not.contains("revoked"),
            "{not}"
        );
        assert!(not.contains("old (id:") && not.contains("expired"), "{not}");
        assert!(
            e.summary
                .differences
                .iter()
                .any(|l| l.starts_with("later") && l.contains("export again")),
            "{:?}",
            e.summary.differences
        );
    }
}
