use super::*;

const GITHUB: &str = "https://token.actions.githubusercontent.com";
const RELEASE: &str = "https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v1.2.0";

fn ident(subject: Subject) -> Identity {
    Identity::new(GITHUB, subject, Claims::default(), None).expect("valid identity")
}

fn cert(san: San) -> CertificateClaims {
    CertificateClaims {
        issuer: GITHUB.into(),
        san,
        extensions: BTreeMap::new(),
    }
}

fn uri(s: &str) -> CertificateClaims {
    cert(San::Uri(s.into()))
}

fn email(s: &str) -> CertificateClaims {
    cert(San::Email(s.into()))
}

#[test]
fn exact_subject_and_issuer() {
    let id = ident(Subject::Exact(RELEASE.into()));
    assert_eq!(id.matches(&uri(RELEASE)), Ok(()));
    let other = "https://github.com/acme/app/.github/workflows/ci.yml@refs/heads/main";
    assert_eq!(
        id.matches(&uri(other)),
        Err(IdentityMismatch::Subject {
            expected: Subject::Exact(RELEASE.into()),
            found: San::Uri(other.into()),
        })
    );
    let mut elsewhere = uri(RELEASE);
    elsewhere.issuer = "https://gitlab.com".into();
    assert_eq!(
        id.matches(&elsewhere),
        Err(IdentityMismatch::Issuer {
            expected: GITHUB.into(),
            found: "https://gitlab.com".into()
        })
    );
    // Exact means exact: no prefix, no case folding, no trailing slash.
    let mut slash = uri(RELEASE);
    slash.issuer = format!("{GITHUB}/");
    assert!(matches!(
        id.matches(&slash),
        Err(IdentityMismatch::Issuer { .. })
    ));
    assert!(id.matches(&uri(&format!("{RELEASE}x"))).is_err());
    assert!(id.matches(&uri(&RELEASE.to_uppercase())).is_err());
}

#[test]
fn glob_over_email_sans() {
    let id = ident(Subject::from_text("*@acme.example"));
    assert_eq!(id.subject.kind(), "glob");
    assert_eq!(id.matches(&email("release@acme.example")), Ok(()));
    assert!(id.matches(&email("release@acme.example.evil")).is_err());
    assert!(
        id.matches(&email("a@b@acme.example")).is_err(),
        "`*` never crosses `@`"
    );
    assert!(id.matches(&email("x@evil.example?@acme.example")).is_err());
    // Dots are literal, not "any character".
    assert!(id.matches(&email("release@acmexexample")).is_err());
}

#[test]
fn glob_over_uri_sans() {
    let id = ident(Subject::from_text(
        "https://github.com/acme/*/.github/workflows/release.yml@refs/tags/*",
    ));
    assert_eq!(id.matches(&uri(RELEASE)), Ok(()));
    // `*` stays inside one segment: another owner's workflow, or a tag with a `/`, is not it.
    for bad in [
        "https://github.com/acme/app/evil/.github/workflows/release.yml@refs/tags/v1",
        "https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v1.evil.example/x",
        "https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main",
        "https://github.com/evil/acme/app/.github/workflows/release.yml@refs/tags/v1",
    ] {
        assert!(id.matches(&uri(bad)).is_err(), "{bad}");
    }
    let deep = ident(Subject::from_text(
        "https://github.com/acme/**@refs/tags/**",
    ));
    assert_eq!(
        deep.matches(&uri(
            "https://github.com/acme/app/.github/workflows/release.yml@refs/tags/release/v1"
        )),
        Ok(())
    );
    assert!(
        deep.matches(&uri("https://github.com/acme/app@evil/x@refs/tags/v1"))
            .is_err(),
        "`**` never crosses `@` either"
    );
}

/// A regular expression must match the whole SAN: each of these would be found inside the
/// SAN by an unanchored search (or by a naive `^RE$` around an alternation).
#[test]
fn regexps_are_anchored_whole() {
    let tags = ident(Subject::Regexp(
        r"https://github\.com/acme/app/\.github/workflows/release\.yml@refs/tags/v[0-9.]+".into(),
    ));
    assert_eq!(tags.matches(&uri(RELEASE)), Ok(()));
    for trick in [
        // A prefix before the trusted workflow.
        "https://evil.example/?u=https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v1",
        // A suffix after a tag the expression accepts.
        "https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v1.evil.example/x",
        "https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v1\nhttps://evil",
    ] {
        assert!(
            matches!(tags.matches(&uri(trick)), Err(IdentityMismatch::Subject { .. })),
            "{trick:?}"
        );
    }
    // The pattern of the issue, as a person would write it: `.*` at the end accepts any tag of
    // the workflow (so also one named `v1.evil.example/…`, which only acme can push), and
    // nothing before the workflow.
    let loose = ident(Subject::Regexp(
        "https://github.com/acme/app/.github/workflows/release.yml@refs/tags/.*".into(),
    ));
    assert!(loose
        .matches(&uri(&format!("https://evil.example/{RELEASE}")))
        .is_err());
    assert!(loose
        .matches(&uri(
            "https://github.com/acme/app/.github/workflows/release.yml@refs/heads/evil"
        ))
        .is_err());
    // An alternation stays inside the anchors: `^a|b$` would accept anything ending in b.
    let either = ident(Subject::Regexp(
        r"https://github\.com/acme/app/\.github/workflows/(?:release|nightly)\.yml@refs/heads/main|me@acme\.example".into(),
    ));
    assert_eq!(either.matches(&email("me@acme.example")), Ok(()));
    assert!(either
        .matches(&email("evil@evil.example;me@acme.example"))
        .is_err());
    assert!(either
        .matches(&uri(
            "https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main/../x"
        ))
        .is_err());
    // Inline flags do not loosen the anchors: multi-line mode stays inside the group.
    let multi = ident(Subject::Regexp("(?m)me@acme\\.example".into()));
    assert!(multi.matches(&email("x\nme@acme.example")).is_err());
}

#[test]
fn claims_are_compared_with_their_extensions() {
    let claims = Claims {
        source_repository: Some("https://github.com/acme/app".into()),
        source_ref: Some("refs/tags/v1.2.0".into()),
        workflow: Some("https://github.com/acme/app/.github/workflows/release.yml".into()),
        trigger: Some("push".into()),
    };
    let id = Identity::new(GITHUB, Subject::Exact(RELEASE.into()), claims, None).expect("ok");
    let mut c = uri(RELEASE);
    c.extensions = BTreeMap::from([
        (
            OID_SOURCE_REPOSITORY_URI.into(),
            "https://github.com/acme/app".into(),
        ),
        (OID_SOURCE_REPOSITORY_REF.into(), "refs/tags/v1.2.0".into()),
        (OID_BUILD_CONFIG_URI.into(), RELEASE.into()),
        (OID_BUILD_TRIGGER.into(), "push".into()),
    ]);
    assert_eq!(id.matches(&c), Ok(()));

    let mut other_branch = c.clone();
    other_branch
        .extensions
        .insert(OID_SOURCE_REPOSITORY_REF.into(), "refs/heads/evil".into());
    assert_eq!(
        id.matches(&other_branch),
        Err(IdentityMismatch::Claim {
            claim: Claim::SourceRef,
            expected: "refs/tags/v1.2.0".into(),
            found: "refs/heads/evil".into()
        })
    );
    let mut other_workflow = c.clone();
    other_workflow.extensions.insert(
        OID_BUILD_CONFIG_URI.into(),
        "https://github.com/acme/app/.github/workflows/ci.yml@refs/tags/v1.2.0".into(),
    );
    assert!(matches!(
        id.matches(&other_workflow),
        Err(IdentityMismatch::Claim {
            claim: Claim::Workflow,
            ..
        })
    ));
    let mut dispatched = c.clone();
    dispatched
        .extensions
        .insert(OID_BUILD_TRIGGER.into(), "workflow_dispatch".into());
    assert!(matches!(
        id.matches(&dispatched),
        Err(IdentityMismatch::Claim {
            claim: Claim::Trigger,
            ..
        })
    ));
    // The deprecated GitHub extension never stands in for the v2 one.
    let mut legacy = c.clone();
    legacy.extensions.remove(OID_SOURCE_REPOSITORY_URI);
    legacy
        .extensions
        .insert("1.3.6.1.4.1.57264.1.5".into(), "acme/app".into());
    let err = id.matches(&legacy).expect_err("missing");
    assert_eq!(
        err,
        IdentityMismatch::ClaimMissing {
            claim: Claim::SourceRepository,
            oid: OID_SOURCE_REPOSITORY_URI,
            expected: "https://github.com/acme/app".into()
        }
    );
    assert_eq!(
        err.to_string(),
        "the certificate has no source repository (1.3.6.1.4.1.57264.1.12), and `https://github.com/acme/app` is required"
    );
    // A workflow given with its ref is compared whole.
    let pinned = Identity::new(
        GITHUB,
        Subject::Exact(RELEASE.into()),
        Claims {
            workflow: Some(format!(
                "{}@refs/tags/v9",
                "https://github.com/acme/app/.github/workflows/release.yml"
            )),
            ..Claims::default()
        },
        None,
    )
    .expect("ok");
    assert!(pinned.matches(&c).is_err());
}

#[test]
fn mismatches_are_typed_data_and_sentences() {
    let id = ident(Subject::from_text("*@acme.example"));
    let err = id.matches(&email("x@evil.example")).expect_err("refused");
    assert_eq!(
        serde_json::to_value(&err).expect("json"),
        serde_json::json!({
            "field": "subject",
            "expected": {"kind": "glob", "value": "*@acme.example"},
            "found": {"kind": "email", "value": "x@evil.example"}
        })
    );
    assert_eq!(
        err.to_string(),
        "the certificate's subject `x@evil.example` does not match the glob `*@acme.example`"
    );
}

#[test]
fn malformed_identities_are_refused_with_a_sentence() {
    let new = |issuer: &str, subject: Subject| {
        Identity::new(issuer, subject, Claims::default(), None).expect_err("refused")
    };
    let s = || Subject::Exact("me@acme.example".into());
    for (issuer, why) in [
        ("", "empty"),
        ("token.actions.githubusercontent.com", "not a URL"),
        ("http://issuer.example", "https"),
        ("ftp://issuer.example", "not https"),
        ("https://user:pw@issuer.example", "password"),
        ("https://issuer.example/a b", "blanks"),
    ] {
        let err = new(issuer, s());
        assert!(
            matches!(err, IdentityError::BadIssuer { .. }) && err.to_string().contains(why),
            "{issuer}: {err}"
        );
    }
    assert!(Identity::new("http://127.0.0.1:8080", s(), Claims::default(), None).is_ok());
    assert_eq!(
        new(GITHUB, Subject::Exact("  ".into())),
        IdentityError::EmptySubject
    );
    assert_eq!(
        new(GITHUB, Subject::Regexp(String::new())),
        IdentityError::EmptySubject
    );
    let err = new(GITHUB, Subject::Regexp("(unclosed".into()));
    assert!(matches!(err, IdentityError::BadRegex { .. }), "{err}");
    assert!(
        err.to_string()
            .starts_with("the regular expression `(unclosed` does not compile: "),
        "{err}"
    );
    assert!(!err.to_string().contains('\n'), "{err}");
    // Balanced only once wrapped: would escape the anchoring group.
    assert!(matches!(
        new(GITHUB, Subject::Regexp("a)|(b".into())),
        IdentityError::BadRegex { .. }
    ));
    let huge = new(GITHUB, Subject::Regexp(r"\w{1000}".into()));
    assert!(matches!(huge, IdentityError::RegexTooBig { .. }), "{huge}");
    assert!(huge.to_string().contains("too big"), "{huge}");
    let err = Identity::new(
        GITHUB,
        s(),
        Claims {
            trigger: Some(" ".into()),
            ..Claims::default()
        },
        None,
    )
    .expect_err("empty claim");
    assert_eq!(err, IdentityError::EmptyClaim(Claim::Trigger));
    for bad in ["my root", "Staging", "-x", "../x"] {
        assert!(
            matches!(
                Identity::new(GITHUB, s(), Claims::default(), Some(bad)),
                Err(IdentityError::BadRootName(_))
            ),
            "{bad}"
        );
    }
    // Naming the public-good root is naming none.
    let named = Identity::new(GITHUB, s(), Claims::default(), Some(PUBLIC_GOOD_ROOT)).expect("ok");
    assert_eq!(named.trusted_root, None);
    assert_eq!(named.id(), ident(s()).id());
}

#[test]
fn ids_are_stable_and_depend_on_everything_matched() {
    let a = ident(Subject::Exact(RELEASE.into()));
    // Pinned: the id is stored and shown; it must not change between versions.
    assert_eq!(a.id(), "id:64677539e35b");
    assert!(
        a.id().starts_with("id:") && a.id().len() == 15,
        "{}",
        a.id()
    );
    let regexp = ident(Subject::Regexp(RELEASE.into()));
    let rooted = Identity::new(
        GITHUB,
        Subject::Exact(RELEASE.into()),
        Claims::default(),
        Some("staging"),
    )
    .expect("ok");
    let claimed = Identity::new(
        GITHUB,
        Subject::Exact(RELEASE.into()),
        Claims {
            trigger: Some("push".into()),
            ..Claims::default()
        },
        None,
    )
    .expect("ok");
    let ids = [a.id(), regexp.id(), rooted.id(), claimed.id()];
    for (i, x) in ids.iter().enumerate() {
        for y in &ids[i + 1..] {
            assert_ne!(x, y);
        }
    }
    assert_eq!(rooted.trusted_root_name(), "staging");
    assert_eq!(a.trusted_root_name(), PUBLIC_GOOD_ROOT);
}

#[test]
fn a_stored_identity_must_carry_its_own_id() {
    let mut t = TrustedIdentity::new(
        ident(Subject::Exact(RELEASE.into())),
        "acme",
        vec![],
        crate::test_support::now(),
    );
    assert_eq!(t.check(), Ok(()));
    t.identity.subject = Subject::Glob("*".into());
    assert!(matches!(t.check(), Err(IdentityError::IdMismatch { .. })));
}

#[test]
fn a_matcher_compiles_once_and_agrees_with_matches() {
    let id = ident(Subject::from_text(
        "https://github.com/acme/*/.github/workflows/*@refs/tags/*",
    ));
    let m = id.matcher().expect("compiles");
    for san in [
        RELEASE,
        "https://github.com/acme/app/x/.github/workflows/r.yml@refs/tags/v1",
    ] {
        assert_eq!(m.matches(&uri(san)), id.matches(&uri(san)), "{san}");
    }
    // A hand-written document whose pattern no longer compiles matches nothing, with a cause.
    let broken = Identity {
        subject: Subject::Regexp("(".into()),
        ..id.clone()
    };
    assert!(matches!(
        broken.matches(&uri(RELEASE)),
        Err(IdentityMismatch::UnusablePattern { .. })
    ));
}
