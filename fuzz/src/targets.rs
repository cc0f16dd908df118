//! One function per fuzz target: it feeds the bytes to a parser of outside data and checks what
//! must hold whatever the input (no panic, and where there is one, an invariant). Errors are fine:
//! a parser refusing garbage with a sentence is the expected outcome.
//!
//! Shared by the libFuzzer binaries (fuzz/fuzz_targets/) and the stable corpus replay
//! (crates/core/tests/fuzz_corpus.rs), so it depends on vouch-core only.

use std::borrow::Cow;
use std::path::Path;
use std::time::Duration;

use vouch_core::config::{check_host, Settings};
use vouch_core::discovery::{parse_bundle, Source};
use vouch_core::keys::{PrivateKey, PublicKey};
use vouch_core::oci::{Digest, Manifest};
use vouch_core::reference::{identity_repository, is_loopback_host, ImageRef};
use vouch_core::registry::listing::{next_last, next_query};
use vouch_core::registry::{ErrorEnvelope, OciErrorCode, PublicAnswer, RegistryError};
use vouch_core::search::{hub, SearchCache};
use vouch_core::trust::{scope, TrustSet};
use vouch_core::{cosign, dsse, extract, history, registry, tls};

/// A target's body: the fuzzer's bytes in, a panic when something is wrong.
pub type Target = fn(&[u8]);

/// Every target, by the name of its binary and of its corpus folder (fuzz/corpus/<name>/).
pub const ALL: &[(&str, Target)] = &[
    ("reference", reference),
    ("public_key", public_key),
    ("private_key", private_key),
    ("encrypted_key", encrypted_key),
    ("simple_signing", simple_signing),
    ("manifest", manifest),
    ("dsse", dsse),
    ("bundle", bundle),
    ("trust_set", trust_set),
    ("compose", compose),
    ("kubernetes", kubernetes),
    ("dockerfile", dockerfile),
    ("text", text),
    ("scope", scope),
    ("www_authenticate", www_authenticate),
    ("auth_file", auth_file),
    ("retry_after", retry_after),
    ("link_header", link_header),
    ("error_envelope", error_envelope),
    ("tls_files", tls_files),
    ("hub_answer", hub_answer),
    ("settings", settings),
    ("history", history),
    ("sigstore_bundle", sigstore_bundle),
    ("sigstore_trusted_root", sigstore_trusted_root),
    ("trust_list", trust_list),
];

fn text_of(data: &[u8]) -> Cow<'_, str> {
    String::from_utf8_lossy(data)
}

/// Image references: a parsed reference prints as text that parses back to the same reference.
pub fn reference(data: &[u8]) {
    let s = text_of(data);
    let _ = identity_repository(&s);
    if let Ok(r) = ImageRef::parse(&s) {
        let _ = is_loopback_host(r.registry());
        let _ = r.manifest_selector();
        let printed = r.to_string();
        match ImageRef::parse(&printed) {
            Ok(again) => assert_eq!(again.to_string(), printed, "{s:?} does not round-trip"),
            Err(e) => panic!("{s:?} parsed, printed as {printed:?}, which does not parse: {e}"),
        }
    }
}

/// Public keys (PEM, SPKI DER, raw): a parsed key re-parses from its SPKI and its PEM with the
/// same fingerprint; verifying garbage is an error, not a panic.
pub fn public_key(data: &[u8]) {
    let _ = PublicKey::from_spki_der(data);
    let Ok(key) = PublicKey::parse(data) else {
        return;
    };
    let fingerprint = key.fingerprint();
    for again in [
        PublicKey::from_spki_der(key.spki_der()),
        PublicKey::parse(key.to_pem().as_bytes()),
    ] {
        match again {
            Ok(k) => assert_eq!(k.fingerprint(), fingerprint),
            Err(e) => panic!("a parsed key does not parse back: {e}"),
        }
    }
    let _ = key.verify(data, data);
}

/// Private keys (PKCS#8, SEC1, PKCS#1 PEM and DER), refusals included.
pub fn private_key(data: &[u8]) {
    let _ = PrivateKey::is_encrypted_pem(data);
    let _ = PrivateKey::from_pkcs8_der(data);
    if let Ok(key) = PrivateKey::from_pem(data) {
        let _ = key.public_key().fingerprint();
    }
}

/// Encrypted cosign private keys: the bytes are the JSON envelope inside the PEM block (the
/// committed seeds are cosign's, whose password is `test`), and also tried as a whole PEM text.
pub fn encrypted_key(data: &[u8]) {
    const LABEL: &str = "ENCRYPTED SIGSTORE PRIVATE KEY";
    let pem = format!(
        "-----BEGIN {LABEL}-----\n{}\n-----END {LABEL}-----\n",
        dsse::encode_b64(data)
    );
    let _ = PrivateKey::from_encrypted_pem(pem.as_bytes(), b"test");
    let _ = PrivateKey::from_encrypted_pem(data, b"test");
}

/// Simple-signing payloads and cosign v3 signature statements.
pub fn simple_signing(data: &[u8]) {
    let _ = cosign::parse_simple_signing(data);
    let _ = cosign::parse_sign_statement(dsse::IN_TOTO_PAYLOAD_TYPE, data);
    let _ = dsse::predicate_type_of(data);
}

/// OCI manifests and indexes, and every descriptor in them.
pub fn manifest(data: &[u8]) {
    let _ = Digest::parse(&text_of(data));
    let Ok(m) = Manifest::parse(data) else {
        return;
    };
    let _ = (m.is_index(), m.kind());
    let descriptors = m.layers.iter().chain(&m.manifests);
    for d in descriptors
        .chain(m.config.as_ref())
        .chain(m.subject.as_ref())
    {
        let _ = (d.sha256(), d.is_attestation(), d.platform_label());
    }
}

/// DSSE envelopes and in-toto statements.
pub fn dsse(data: &[u8]) {
    let _ = dsse::parse_envelope(data);
    let _ = dsse::parse_statement(data);
    let _ = dsse::decode_b64(&text_of(data));
}

/// Sigstore bundles as discovery reads them.
pub fn bundle(data: &[u8]) {
    let _ = parse_bundle(data, cosign::SIGSTORE_BUNDLE_MEDIA_TYPE, Source::CosignTag);
}

/// The trust-set document: what parses serialises and parses back to the same set.
pub fn trust_set(data: &[u8]) {
    let Ok(set) = TrustSet::from_json(data) else {
        return;
    };
    let json = match set.to_json() {
        Ok(json) => json,
        Err(e) => panic!("a parsed trust set does not serialise: {e}"),
    };
    match TrustSet::from_json(&json) {
        Ok(again) => assert_eq!(again, set),
        Err(e) => panic!("a serialised trust set does not parse back: {e}"),
    }
}

/// Compose files, directly and through the file-name dispatch.
pub fn compose(data: &[u8]) {
    let _ = extract::extract_compose(&text_of(data));
    let _ = extract::extract(Some("docker-compose.yml"), data);
}

/// Kubernetes manifests, directly and through the file-name dispatch.
pub fn kubernetes(data: &[u8]) {
    let _ = extract::extract_kubernetes(&text_of(data));
    let _ = extract::extract(Some("deployment.yaml"), data);
}

/// Dockerfiles, directly and through the file-name dispatch.
pub fn dockerfile(data: &[u8]) {
    let _ = extract::extract_dockerfile(&text_of(data));
    let _ = extract::extract(Some("Dockerfile"), data);
}

/// Plain text, content sniffing (no file name) and dropped-file classification.
pub fn text(data: &[u8]) {
    let _ = extract::extract_text(&text_of(data));
    let _ = extract::extract(None, data);
    let _ = extract::classify("dropped", data);
}

/// Longest pattern and name given to the exponential reference matcher.
const SCOPE_ORACLE_MAX: usize = 24;

/// Scope globs: `pattern\nname`. Validation and matching never panic; on short inputs the
/// linear matcher agrees with the old backtracking one (patterns with `***` excepted: the two
/// read a third star differently, and validation refuses it).
pub fn scope(data: &[u8]) {
    let s = text_of(data);
    let (pattern, name) = s.split_once('\n').unwrap_or((&s, ""));
    let _ = scope::validate(pattern);
    let _ = scope::specificity(pattern, name);
    let linear = scope::matches(pattern, name);
    if pattern.len() <= SCOPE_ORACLE_MAX
        && name.len() <= SCOPE_ORACLE_MAX
        && !pattern.contains("***")
    {
        let reference = scope::backtracking_matches(pattern, name);
        assert_eq!(linear, reference, "{pattern:?} against {name:?}");
    }
}

/// `WWW-Authenticate` challenges, and token servers' answers.
pub fn www_authenticate(data: &[u8]) {
    let _ = registry::parse_www_authenticate(&text_of(data));
    let _ = registry::token_answer_is_usable(data);
}

/// A message shown to a person: some text, on one line, without control characters (no
/// terminal escapes smuggled in from outside data).
fn assert_sentence(what: &str, message: &str) {
    assert!(!message.trim().is_empty(), "{what}: an empty message");
    assert!(
        !message.chars().any(char::is_control),
        "{what}: control characters in {message:?}"
    );
}

/// Docker `config.json`, containers `auth.json`, legacy `.dockercfg`, and a credential helper's
/// answer: the `auths` key chosen for a host always names that host (never another registry's
/// credentials).
pub fn auth_file(data: &[u8]) {
    let (lookups, _helper_answer) = registry::auth_file_lookups(data);
    for l in lookups {
        if let Some((key, key_host)) = &l.key {
            assert_eq!(
                key_host, &l.host,
                "the auths key {key:?} chosen for {:?}",
                l.host
            );
        }
    }
}

/// `Retry-After` (seconds or an HTTP date) as a GET reads it, on each attempt, and Docker Hub's
/// `Retry-After` / `X-RateLimit-Reset` as the search reads them: a wait never exceeds the
/// budget (10 s per GET), a longer one is a rate-limit sentence, and nothing overflows.
pub fn retry_after(data: &[u8]) {
    let value = text_of(data);
    let now = time::OffsetDateTime::from_unix_timestamp(1_796_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let budget = Duration::from_secs(10);
    for (attempt, waited) in [
        (1, Duration::ZERO),
        (2, Duration::from_millis(250)),
        (2, budget),
    ] {
        match registry::retry_after_outcome(&value, attempt, waited, now) {
            Ok(Some(wait)) => assert!(waited + wait <= budget, "{value:?}: waits {wait:?}"),
            Ok(None) => {}
            Err(e @ RegistryError::RateLimited { .. }) => {
                assert_sentence("rate limit", &e.to_string())
            }
            Err(e) => panic!("{value:?}: not a rate limit: {e}"),
        }
    }
    let cache = SearchCache::default();
    for (retry, reset) in [(Some(&*value), None), (None, Some(&*value))] {
        let answer = PublicAnswer {
            status: 429,
            retry_after: retry.map(str::to_string),
            rate_limit_reset: reset.map(str::to_string),
            rate_limit_remaining: Some("0".into()),
            body: Vec::new(),
        };
        if let Some(secs) = hub::retry_after(&answer, now.unix_timestamp()) {
            cache.block_hub(secs);
            let _ = cache.hub_wait();
        }
    }
}

/// `Link: <…>; rel="next"` headers of catalog, tag and referrers pages: a refusal is a sentence;
/// a `last` to continue from is never empty.
pub fn link_header(data: &[u8]) {
    let link = text_of(data);
    for path in ["/v2/_catalog", "/v2/team/app/tags/list"] {
        if let Err(e) = next_query(&link, path) {
            assert_sentence("Link refusal", &e);
        }
        match next_last(&link, path) {
            Ok(Some(last)) => assert!(!last.is_empty()),
            Ok(None) => {}
            Err(e) => assert_sentence("Link refusal", &e),
        }
    }
}

/// OCI error envelopes: at most 4 entries, codes that read back as themselves, messages and the
/// sentence built from them free of control characters; so is the sentence of a token service's
/// refusal (`{"details": …}`).
pub fn error_envelope(data: &[u8]) {
    let _ = OciErrorCode::parse(&text_of(data));
    assert_sentence("credentials refused", &registry::rejection_sentence(data));
    let Some(envelope) = ErrorEnvelope::parse(data) else {
        return;
    };
    assert!(!envelope.errors().is_empty() && envelope.errors().len() <= 4);
    for e in envelope.errors() {
        assert_eq!(OciErrorCode::parse(e.code.as_str()).as_ref(), Some(&e.code));
        assert!(!e.message.chars().any(char::is_control), "{:?}", e.message);
    }
    let refusal = RegistryError::Refused {
        host: "registry.example".into(),
        what: "the manifest".into(),
        status: Some(400),
        envelope,
    };
    assert_sentence("refusal", &refusal.to_string());
}

/// A `certs.d` folder's PEM files (CA certificates, client certificate and key) and the TLS
/// configuration built from them; and the probe's reading of a server's first bytes.
pub fn tls_files(data: &[u8]) {
    match tls::host_tls_from_pem(data) {
        Ok(host) => {
            let _ = tls::client_config_for(Some(&host));
        }
        Err(e) => assert_sentence("TLS files", &e.to_string()),
    }
    let (tls_record, _, addr) = tls::probe_reading(data, &text_of(data));
    let expected = match data {
        [] => None,
        [t] => Some((0x14..=0x17).contains(t)),
        [t, major, ..] => Some((0x14..=0x17).contains(t) && *major == 3),
    };
    assert_eq!(tls_record, expected);
    assert!(!addr.is_empty());
}

/// Docker Hub search answers: only Docker Hub names, descriptions free of control characters,
/// a refusal that is a sentence.
pub fn hub_answer(data: &[u8]) {
    match hub::parse_answer(data) {
        Ok(candidates) => {
            for c in candidates {
                assert_eq!(c.registry, "docker.io", "{c:?}");
                if let Some(d) = &c.details.description {
                    assert!(!d.chars().any(char::is_control), "{d:?}");
                }
            }
        }
        Err(e) => assert_sentence("Hub answer", &e),
    }
}

/// The settings file: what parses writes back to the same settings; a refusal is a sentence.
pub fn settings(data: &[u8]) {
    let path = Path::new("config.json");
    match Settings::from_json(data, path) {
        Ok(s) => {
            for h in s
                .insecure_registries
                .iter()
                .chain(s.registries.iter().map(|r| &r.host))
            {
                let _ = check_host(h);
            }
            let json = match s.to_json() {
                Ok(json) => json,
                Err(e) => panic!("parsed settings do not serialise: {e}"),
            };
            match Settings::from_json(&json, path) {
                Ok(again) => assert_eq!(again, s),
                Err(e) => panic!("written settings do not parse back: {e}"),
            }
        }
        Err(e) => assert_sentence("settings", &e.to_string()),
    }
}

/// The history file: what parses writes back to the same entries; why a file is unreadable is a
/// sentence (it is shown when the file is set aside).
pub fn history(data: &[u8]) {
    match history::parse(data) {
        Ok(entries) => {
            let json = match history::document(&entries) {
                Ok(json) => json,
                Err(e) => panic!("parsed history does not serialise: {e}"),
            };
            match history::parse(&json) {
                Ok(again) => assert_eq!(again, entries),
                Err(e) => panic!("written history does not parse back: {e}"),
            }
        }
        Err(e) => assert_sentence("history", &e),
    }
}

/// Sigstore bundles (v0.1–v0.3): a parsed bundle is verified, against the embedded production
/// trusted root, over the input itself and over a digest, for an identity and for a key; every
/// outcome is a result (these inputs never verify: refusals are expected), never a panic.
pub fn sigstore_bundle(data: &[u8]) {
    use vouch_core::sigstore::{verify, Artifact, Bundle, Signer, TrustedRoot};
    let Ok(bundle) = Bundle::from_json(&text_of(data)) else {
        return;
    };
    let _ = bundle.media_type();
    let Ok(root) = TrustedRoot::production() else {
        panic!("the embedded production trusted root does not parse");
    };
    let identity = Signer::Identity {
        identity: "https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main"
            .into(),
        issuer: "https://token.actions.githubusercontent.com".into(),
    };
    let key = Signer::Key {
        pem: "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAExRRST79+PsrRBnGAI4cMu6Omz2Jh\nfwlMW+gIutNKVRaMyS4rQKvgngc5p8UbLj55pVHhIoAxi/SRgURZI0J3Xw==\n-----END PUBLIC KEY-----\n".into(),
    };
    for signer in [&identity, &key] {
        for artifact in [Artifact::Bytes(data), Artifact::Sha256([7; 32])] {
            if let Ok(v) = verify(&bundle, artifact, signer, &root) {
                panic!("a fuzzed bundle verified: {v:?}");
            }
        }
    }
}

/// Sigstore trusted roots: a parsed root is usable for a verification attempt (which refuses an
/// empty bundle), never a panic.
pub fn sigstore_trusted_root(data: &[u8]) {
    use vouch_core::sigstore::{verify, Artifact, Bundle, Signer, TrustedRoot};
    let Ok(root) = TrustedRoot::from_json(&text_of(data)) else {
        return;
    };
    let Ok(bundle) = Bundle::from_json(include_str!(
        "../corpus/sigstore_bundle/happy-path-v0.3.json"
    )) else {
        panic!("the happy-path seed bundle does not parse");
    };
    let signer = Signer::Identity {
        identity: "x".into(),
        issuer: "y".into(),
    };
    let _ = verify(&bundle, Artifact::Bytes(data), &signer, &root);
}

/// Team trust lists as a registry serves them: the list and statement manifests, the statement
/// envelope and the list layer are parsed or refused with a sentence; a parsed statement signed
/// again reads back the same; a parsed list layer round-trips.
pub fn trust_list(data: &[u8]) {
    use vouch_core::trust::lists;
    for refused in [
        lists::parse_list_manifest(data).err(),
        lists::parse_statement_manifest(data).err(),
    ]
    .into_iter()
    .flatten()
    {
        assert!(
            !refused.to_string().is_empty(),
            "a refusal without a sentence"
        );
    }
    match lists::parse_statement_envelope(data) {
        Ok((envelope, statement)) => {
            let payload = match statement.to_payload() {
                Ok(p) => p,
                Err(e) => panic!("a parsed statement does not serialise: {e}"),
            };
            let again = dsse::Envelope {
                payload,
                ..envelope
            }
            .to_json();
            match lists::parse_statement_envelope(&again) {
                Ok((_, back)) => assert_eq!(back, statement),
                Err(e) => panic!("a re-signed statement does not parse back: {e}"),
            }
        }
        Err(e) => assert!(!e.to_string().is_empty(), "a refusal without a sentence"),
    }
    if let Ok(list) = lists::parse_list_document(data) {
        let json = match list.to_json() {
            Ok(json) => json,
            Err(e) => panic!("a parsed list does not serialise: {e}"),
        };
        match lists::parse_list_document(&json) {
            Ok(again) => assert_eq!(again, list),
            Err(e) => panic!("a serialised list does not parse back: {e}"),
        }
    }
}
