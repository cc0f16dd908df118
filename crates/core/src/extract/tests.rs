//! Real-world-shaped fixtures under `tests/fixtures/extract/`, exact outputs, and a no-panic
//! sweep over random and truncated input.

use super::*;

const COMPOSE: &str = include_str!("../../tests/fixtures/extract/docker-compose.yml");
const MANIFESTS: &str = include_str!("../../tests/fixtures/extract/manifests.yaml");
const BROKEN_MANIFESTS: &str = include_str!("../../tests/fixtures/extract/broken-manifests.yaml");
const MALFORMED_COMPOSE: &str = include_str!("../../tests/fixtures/extract/malformed-compose.yml");
const DOCKERFILE: &str = include_str!("../../tests/fixtures/extract/Dockerfile");
const README: &str = include_str!("../../tests/fixtures/extract/README.md");

const DIGEST: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

fn found(reference: &str, origin: &str) -> FoundRef {
    FoundRef {
        reference: reference.to_owned(),
        origin: origin.to_owned(),
        platform: None,
    }
}

fn on(platform: &str, reference: &str, origin: &str) -> FoundRef {
    FoundRef {
        platform: Some(platform.to_owned()),
        ..found(reference, origin)
    }
}

fn extracted(kind: SourceKind, references: Vec<FoundRef>, problems: &[&str]) -> Extracted {
    Extracted {
        kind,
        references,
        problems: problems.iter().map(|p| (*p).to_owned()).collect(),
    }
}

fn refs(e: &Extracted) -> Vec<&str> {
    e.references.iter().map(|r| r.reference.as_str()).collect()
}

fn compose_expected() -> Extracted {
    extracted(
        SourceKind::Compose,
        vec![
            found("nginx:1.27-alpine", "services.web.image"),
            on("linux/amd64", "postgres:16.4", "services.db.image"),
            found("ghcr.io/acme/worker:2.4.1", "services.worker.image"),
            found("registry.example.com:5000/acme/frontend:dev", "services.frontend.image"),
            found(&format!("traefik:v3.1@{DIGEST}"), "services.proxy.image"),
            found("docker.io/library/busybox:1.36", "services.tools.image"),
        ],
        &[
            "service api builds from source; no image to check",
            "services.cache.image `${REGISTRY}/redis:7.4` uses ${REGISTRY}, which has no default",
            "service frontend also builds from source, so registry.example.com:5000/acme/frontend:dev may be a local build rather than an image in a registry",
        ],
    )
}

#[test]
fn compose_fixture() {
    assert_eq!(
        extract_compose(COMPOSE).expect("compose"),
        compose_expected()
    );
    for name in [
        "docker-compose.yml",
        "compose.yaml",
        "docker-compose.prod.yml",
        "deploy/stack.yml",
    ] {
        assert_eq!(
            extract(Some(name), COMPOSE.as_bytes()).expect(name),
            compose_expected(),
            "{name}"
        );
    }
}

#[test]
fn compose_variables_and_odd_services() {
    let yaml = "services:\n  a:\n    image: ${REG:?set REG}/app:${TAG:-1}\n  b:\n    image: ${X:+ignored}busybox$${NOPE}\n  c:\n    image: app:${TAG\n  d:\n    image: [not, a, string]\n  e: {}\n  f:\n    extends: {service: a}\n  g:\n    image: 'Upper/Case'\n  h:\n    image: $REG/x:${A}${B-}\n";
    let got = extract_compose(yaml).expect("compose");
    assert_eq!(
        got,
        extracted(
            SourceKind::Compose,
            vec![],
            &[
                "services.a.image `${REG:?set REG}/app:${TAG:-1}` uses ${REG}, which has no default",
                "services.b.image: `busybox${NOPE}` is not a valid image reference",
                "services.c.image `app:${TAG` has malformed variable syntax",
                "services.d.image is not a string",
                "service e has no image",
                "service f extends another service; its image was not followed",
                "services.g.image: `Upper/Case` is not a valid image reference",
                "services.h.image `$REG/x:${A}${B-}` uses ${REG} and ${A}, which have no default",
            ],
        )
    );
    let empty = extract_compose("services:\n").expect("empty services");
    assert_eq!(empty, extracted(SourceKind::Compose, vec![], &[]));
}

#[test]
fn compose_errors() {
    let err = extract_compose(MALFORMED_COMPOSE).expect_err("malformed");
    assert_eq!(
        err,
        ExtractError::MalformedYaml {
            line: Some(8),
            column: Some(17),
            message: "mapping values are not allowed in this context".to_owned(),
        }
    );
    assert_eq!(
        err.to_string(),
        "malformed YAML at line 8, column 17: mapping values are not allowed in this context"
    );
    let err =
        extract(Some("compose.yaml"), b"apiVersion: v1\nkind: Pod\n").expect_err("not compose");
    assert_eq!(
        err.to_string(),
        "this is not a Compose file: it has no top-level `services`"
    );
    let err = extract_compose("- a\n- b\n").expect_err("list");
    assert_eq!(
        err.to_string(),
        "this is not a Compose file: it is not a YAML mapping"
    );
    let err = extract_compose("services: [web]\n").expect_err("services list");
    assert_eq!(
        err.to_string(),
        "this is not a Compose file: its `services` is not a mapping"
    );
}

#[test]
fn kubernetes_fixture() {
    let expected = extracted(
        SourceKind::Kubernetes,
        vec![
            found("ghcr.io/acme/migrate:1.8.0", "Deployment/api: initContainers[0] (migrate)"),
            found("ghcr.io/acme/api:1.8.0", "Deployment/api: containers[0] (app)"),
            found("envoyproxy/envoy:v1.31.0", "Deployment/api: containers[1] (envoy)"),
            found(
                "registry.example.com:5000/acme/report@sha256:fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210",
                "CronJob/nightly-report: containers[0] (report)",
            ),
            found("busybox:1.36", "Pod/debug-shell: initContainers[0] (wait-for-db)"),
            found("alpine:3.20", "Pod/debug-shell: containers[0] (shell)"),
            found("nicolaka/netshoot:v0.13", "Pod/debug-shell: ephemeralContainers[0] (debugger)"),
            found("postgres:16.4", "StatefulSet/db: containers[0] (postgres)"),
            found("fluent/fluent-bit:3.1", "DaemonSet/log-agent: containers[0] (agent)"),
        ],
        &[
            "DaemonSet/log-agent: containers[1] (broken): `Fluent/Fluent-Bit:3.1` is not a valid image reference",
            "DaemonSet/log-agent: containers[2] (missing) has no image",
        ],
    );
    assert_eq!(extract_kubernetes(MANIFESTS).expect("k8s"), expected);
    assert_eq!(
        extract(Some("k8s/manifests.yaml"), MANIFESTS.as_bytes()).expect("named"),
        expected
    );
    assert_eq!(
        extract(None, MANIFESTS.as_bytes()).expect("sniffed"),
        expected
    );
}

#[test]
fn kubernetes_one_malformed_document_keeps_the_others() {
    let got = extract_kubernetes(BROKEN_MANIFESTS).expect("partly readable");
    assert_eq!(
        got,
        extracted(
            SourceKind::Kubernetes,
            vec![
                found("nginx:1.27", "Pod/first: containers[0] (app)"),
                found("busybox:1.36", "Job/third: containers[0] (once)"),
            ],
            &["document 2 (from line 9) was skipped: malformed YAML at line 19, column 10: did not find expected '-' indicator, while parsing a block collection"],
        )
    );
}

#[test]
fn kubernetes_wholly_unparseable_is_an_error_with_position() {
    let err = extract_kubernetes("kind: Pod\nspec:\n  containers: [\n    image: x\n")
        .expect_err("broken");
    let ExtractError::MalformedYaml { line, column, .. } = &err else {
        panic!("unexpected {err:?}");
    };
    assert_eq!((*line, *column), (Some(5), Some(1)));
    assert_eq!(
        err.to_string(),
        "malformed YAML at line 5, column 1: did not find expected ',' or ']', while parsing a flow sequence"
    );
    // Line numbers count from the start of the file, not of the document.
    let err = extract_kubernetes("---\n# only a comment\n---\nkind: Pod\n  bad: [\n")
        .expect_err("broken");
    assert!(
        matches!(err, ExtractError::MalformedYaml { line: Some(5), .. }),
        "{err:?}"
    );
}

#[test]
fn kubernetes_lists_templates_and_no_workloads() {
    let yaml = "%YAML 1.2\n---\nkind: PodList\nitems:\n- metadata: {name: p}\n  spec:\n    containers:\n    - image: nginx\n...\n---\nkind: ReplicaSet\nmetadata: {name: rs}\nspec:\n  template:\n    spec:\n      containers: {}\n---\nkind: Job\nmetadata: {name: j}\n";
    assert_eq!(
        extract_kubernetes(yaml).expect("k8s"),
        extracted(
            SourceKind::Kubernetes,
            vec![found("nginx", "Pod/p: containers[0]")],
            &[
                "ReplicaSet/rs: containers is not a list",
                "Job/j has no pod template; nothing to check there",
            ],
        )
    );
    assert_eq!(
        extract(Some("service.yml"), b"kind: Service\nmetadata: {name: s}\n").expect("k8s"),
        extracted(
            SourceKind::Kubernetes,
            vec![],
            &["no workloads found (Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob)"],
        )
    );
}

#[test]
fn dockerfile_fixture() {
    let expected = extracted(
        SourceKind::Dockerfile,
        vec![
            on("$BUILDPLATFORM", "golang:1.23-bookworm", "line 10: FROM (stage build)"),
            on("linux/amd64", "alpine:3.20", "line 24: FROM (stage certs)"),
            found("gcr.io/distroless/static-debian12:nonroot", "line 33: FROM"),
            found("docker.io/tonistiigi/xx:1.5.0", "line 35: COPY --from"),
            found("busybox:1.36", "line 37: RUN --mount from"),
        ],
        &["line 27: FROM (stage tools) `${BASE_REGISTRY}/tools:latest` uses ${BASE_REGISTRY}, which has no default"],
    );
    assert_eq!(extract_dockerfile(DOCKERFILE), expected);
    for name in [
        "Dockerfile",
        "build/api.Dockerfile",
        "Dockerfile.prod",
        "Containerfile",
        "dockerfile",
    ] {
        assert_eq!(
            extract(Some(name), DOCKERFILE.as_bytes()).expect(name),
            expected,
            "{name}"
        );
    }
    assert_eq!(
        extract(None, DOCKERFILE.as_bytes()).expect("sniffed"),
        expected
    );
}

#[test]
fn dockerfile_escape_directive_and_argument_forms() {
    let text = "# escape=`\nARG REG=quay.io ORG=\"acme\" TAG\nARG EMPTY=\n\nFROM $REG/$ORG/base:${TAG:-1.0} AS Base\nRUN echo \\\nFROM ${REG}/${ORG}/run:${EMPTY:-2} `\n  AS run\nFROM base\nFROM app:${EMPTY-x}\nFROM --platform=${PLATFORM:-linux/arm64} nginx:1.27\nFROM\nFROM Scratch\nCOPY --from=BASE / /\nCOPY --chown=1:1 --from=nginx:1.27 / /\n";
    assert_eq!(
        extract_dockerfile(text),
        extracted(
            SourceKind::Dockerfile,
            vec![
                found("quay.io/acme/base:1.0", "line 5: FROM (stage Base)"),
                found("quay.io/acme/run:2", "line 7: FROM (stage run)"),
                on("linux/arm64", "nginx:1.27", "line 11: FROM"),
                found("nginx:1.27", "line 15: COPY --from"),
            ],
            &[
                "line 10: FROM: `app:` is not a valid image reference",
                "line 12: FROM has no image",
            ],
        )
    );
}

#[test]
fn text_readme_fixture() {
    let expected = extracted(
        SourceKind::Text,
        vec![
            found("ghcr.io/acme/app:2.3.0", "line 5"),
            found(&format!("ghcr.io/acme/app@{DIGEST}"), "line 7"),
            found("quay.io/prometheus/node-exporter:v1.8.2", "line 8"),
            found("nginx:1.27", "line 8"),
            found("redis", "line 12"),
            found("postgres:16", "line 13"),
            found("registry.example.com:5000/acme/worker", "line 14"),
            found("alpine:3.20", "line 19"),
            found("memcached", "line 26"),
            found("python:3.12-slim", "line 30"),
            found("busybox", "line 34"),
        ],
        &[],
    );
    assert_eq!(extract_text(README), expected);
    assert_eq!(
        extract(Some("README.md"), README.as_bytes()).expect("named"),
        expected
    );
    assert_eq!(extract(None, README.as_bytes()).expect("sniffed"), expected);
}

#[test]
fn text_list_deduplicates_and_skips_noise() {
    let text = "nginx\n\n# comment: ghcr.io/x/y:1\nnginx\n  1. ubuntu:24.04\n* `Alpine`\nhttps://registry.example.com/v2/\n./local/image:1\n/abs/path:1\nkubectl run web --rm --image=bitnami/kubectl:1.31\nIMAGE=repo/app:2\ndocker image pull -q debian\n-p 8080:80 10:30\nsrc/main.rs and docs:intro and and/or\nlocalhost:5000/app,gcr.io/a/b:c.\n";
    assert_eq!(
        refs(&extract_text(text)),
        [
            "nginx",
            "ubuntu:24.04",
            "bitnami/kubectl:1.31",
            "repo/app:2",
            "debian",
            "docs:intro",
            "localhost:5000/app",
            "gcr.io/a/b:c"
        ]
    );
    assert_eq!(extract_text(text).references[1].origin, "line 5");
}

#[test]
fn reference_shape() {
    let good = [
        "nginx",
        "nginx:1.27",
        "library/nginx:latest",
        "docker.io/library/nginx:1.27-alpine",
        "localhost/app",
        "localhost:5000/a/b_c__d.e---f:TAG_1.x",
        "127.0.0.1:5000/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        "ghcr.io/acme/app:v1@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    ];
    for r in good {
        assert!(is_reference(r), "{r}");
    }
    let bad = [
        "",
        "Nginx",
        "acme/App",
        "Registry.io/app",
        "nginx:",
        "nginx:.tag",
        "nginx@sha256:abc",
        "nginx@sha512:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        "a//b",
        "a/",
        "-a",
        "a_-b",
        "a...b",
        "host:99999999/app",
        "-host.io/app",
        "ngïnx",
        "with space",
        "x:y:z",
    ];
    for r in bad {
        assert!(!is_reference(r), "{r}");
    }
}

#[test]
fn variable_substitution() {
    use vars::{substitute, Unresolved};
    let env = |n: &str| match n {
        "SET" => Some("v".to_owned()),
        "EMPTY" => Some(String::new()),
        _ => None,
    };
    let ok = |s: &str| substitute(s, &env, true);
    assert_eq!(ok("$SET-${SET}"), Ok("v-v".to_owned()));
    assert_eq!(
        ok("${EMPTY:-d}|${EMPTY-d}|${UNSET-d}|${UNSET:-d}"),
        Ok("d||d|d".to_owned())
    );
    assert_eq!(
        ok("${SET:+alt}|${EMPTY:+alt}|${EMPTY+alt}|${UNSET+alt}"),
        Ok("alt||alt|".to_owned())
    );
    assert_eq!(ok("${A:-${B:-${SET}x}}"), Ok("vx".to_owned()));
    assert_eq!(ok("$$HOME $ 5$"), Ok("$HOME $ 5$".to_owned()));
    assert_eq!(
        ok("${UNSET:?required} $OTHER"),
        Err(Unresolved::Missing(vec!["UNSET".into(), "OTHER".into()]))
    );
    assert_eq!(ok("${1X}"), Err(Unresolved::Malformed));
    assert_eq!(ok("${X!y}"), Err(Unresolved::Malformed));
    assert_eq!(ok("${X"), Err(Unresolved::Malformed));
    assert_eq!(
        substitute("$$X", &env, false),
        Err(Unresolved::Missing(vec!["X".into()]))
    );
    let deep = format!("{}x{}", "${A:-".repeat(40), "}".repeat(40));
    assert_eq!(ok(&deep), Err(Unresolved::Malformed));
}

/// Regression (found by the fuzz target `compose`, then `dockerfile`): a variable name followed
/// by a multi-byte character (`${A€}`) split the text inside the character and panicked.
#[test]
fn variable_name_followed_by_a_multibyte_character_is_malformed() {
    let env = |_: &str| None;
    for input in ["${A€}", "${A\u{fffd}x}", "x ${NAME_1é-d} y"] {
        assert_eq!(
            vars::substitute(input, &env, true),
            Err(vars::Unresolved::Malformed),
            "{input:?}"
        );
    }
    let compose = extract_compose("services:\n  web:\n    image: \"nginx:${TAG€}\"\n")
        .expect("the YAML parses");
    assert!(compose.references.is_empty());
    assert_eq!(compose.problems.len(), 1, "{:?}", compose.problems);
    let dockerfile = extract_dockerfile("ARG A=1\nFROM alpine:${A€}\n");
    assert!(dockerfile.references.is_empty());
    assert_eq!(dockerfile.problems.len(), 1, "{:?}", dockerfile.problems);
}

#[test]
fn dispatch_and_sniffing() {
    for (name, text, expected) in [
        (Some("images.txt"), "nginx\n", SourceKind::Text),
        (
            Some("C:\\work\\Docker-Compose.Dev.YML"),
            "services: {}\n",
            SourceKind::Compose,
        ),
        (
            Some("compose.override.yaml"),
            "services: {}\n",
            SourceKind::Compose,
        ),
        (
            Some("pod.yml"),
            "kind: Pod\nspec: {}\n",
            SourceKind::Kubernetes,
        ),
        (
            Some("app.containerfile"),
            "FROM x\n",
            SourceKind::Dockerfile,
        ),
        (
            Some("Dockerfile.dockerignore-like.txt"),
            "FROM x\n",
            SourceKind::Dockerfile,
        ),
        (Some("   "), "FROM nginx\n", SourceKind::Dockerfile),
        (None, "services:\n  a:\n    image: x\n", SourceKind::Compose),
        (
            None,
            "# syntax=docker/dockerfile:1\nRUN x\n",
            SourceKind::Dockerfile,
        ),
        (None, "ARG V=1\nFROM x:$V\n", SourceKind::Dockerfile),
        (None, "from here on, use nginx:1\n", SourceKind::Text),
        (
            None,
            "- apiVersion: v1\n  kind: Pod\n",
            SourceKind::Kubernetes,
        ),
    ] {
        let kind = extract(name, text.as_bytes()).map(|e| e.kind);
        assert_eq!(kind, Ok(expected), "{name:?} {text:?}");
    }
    // Unnamed text that only looks like YAML is read as text, saying so.
    let got = extract(None, b"services:\n  web:\n  image: [nginx:1.27\n").expect("text");
    assert_eq!(
        got,
        extracted(
            SourceKind::Text,
            vec![found("nginx:1.27", "line 3")],
            &["this looked like Compose YAML but could not be read (malformed YAML at line 4, column 1: did not find expected ',' or ']', while parsing a flow sequence); it was read as plain text"],
        )
    );
    // A named YAML file that does not parse is an error.
    assert!(matches!(
        extract(
            Some("compose.yml"),
            b"services:\n  web:\n  image: [nginx:1.27\n"
        ),
        Err(ExtractError::MalformedYaml {
            line: Some(4),
            column: Some(1),
            ..
        })
    ));
}

#[test]
fn input_limits_and_encoding() {
    let big = vec![b'a'; MAX_INPUT_BYTES + 1];
    let err = extract(None, &big).expect_err("too large");
    assert_eq!(
        err,
        ExtractError::TooLarge {
            size: MAX_INPUT_BYTES + 1,
            limit: MAX_INPUT_BYTES
        }
    );
    assert_eq!(
        err.to_string(),
        "the file is 4194305 bytes, larger than the 4194304-byte limit (4 MiB); drop a smaller file"
    );
    let err = extract(Some("Dockerfile"), b"FROM nginx\n\xff\xfe").expect_err("binary");
    assert_eq!(err, ExtractError::NotUtf8 { offset: 11 });
    assert_eq!(
        err.to_string(),
        "the file is not UTF-8 text (invalid byte at offset 11)"
    );
    let bom = extract(None, "\u{feff}FROM nginx:1.27\r\n".as_bytes()).expect("bom");
    assert_eq!(
        bom,
        extracted(
            SourceKind::Dockerfile,
            vec![found("nginx:1.27", "line 1: FROM")],
            &[]
        )
    );
}

#[test]
fn serialises_for_the_app() {
    let e = extract_dockerfile("FROM --platform=linux/arm64 nginx:1.27\n");
    let json = serde_json::to_value(&e).expect("json");
    assert_eq!(
        json,
        serde_json::json!({
            "kind": "dockerfile",
            "references": [{"reference": "nginx:1.27", "origin": "line 1: FROM", "platform": "linux/arm64"}],
            "problems": [],
        })
    );
    let back: Extracted = serde_json::from_value(json).expect("round trip");
    assert_eq!(back, e);
}

/// Random bytes, random mixes of significant characters, truncations and byte flips of every
/// fixture, through every reader: nothing panics.
#[test]
fn never_panics() {
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let names = [
        None,
        Some("compose.yaml"),
        Some("k8s.yaml"),
        Some("Dockerfile"),
        Some("notes.txt"),
    ];
    let run = |bytes: &[u8]| {
        for name in names {
            let _ = extract(name, bytes);
        }
        let text = String::from_utf8_lossy(bytes);
        let _ = extract_text(&text);
        let _ = extract_dockerfile(&text);
        let _ = extract_compose(&text);
        let _ = extract_kubernetes(&text);
    };
    const ALPHABET: &[u8] =
        b"${}:-+?@/\\`'\"\n\n  \t#<>=[],&*!|%.abcFROMASARGsha256:image: services---...";
    for _ in 0..300 {
        let len = (next() % 200) as usize;
        let random: Vec<u8> = (0..len).map(|_| (next() % 256) as u8).collect();
        run(&random);
        let mixed: Vec<u8> = (0..len)
            .map(|_| ALPHABET[(next() as usize) % ALPHABET.len()])
            .collect();
        run(&mixed);
    }
    for fixture in [
        COMPOSE,
        MANIFESTS,
        BROKEN_MANIFESTS,
        MALFORMED_COMPOSE,
        DOCKERFILE,
        README,
    ] {
        let bytes = fixture.as_bytes();
        for cut in (0..bytes.len()).step_by(23) {
            run(&bytes[..cut]);
        }
        for _ in 0..40 {
            let mut flipped = bytes.to_vec();
            for _ in 0..4 {
                let i = (next() as usize) % flipped.len();
                flipped[i] = ALPHABET[(next() as usize) % ALPHABET.len()];
            }
            run(&flipped);
        }
    }
}
