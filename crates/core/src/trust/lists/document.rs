//! The wire forms of a trust list, built and parsed side by side: the list manifest, the list
//! layer ([`ListDocument`]: a trust-set document of keys and keyless identities, with the
//! digests of the custom trusted roots those identities are tied to), the statement manifest
//! and its DSSE envelope over a [`ListStatement`]. Every parser refuses malformed input with a
//! sentence.
//!
//! The list layer is a `vouch-trust-set` document (version 2) with one more, optional field:
//! `trusted_roots`, an array of `{"name", "digest"}` — for each custom trusted root an
//! identity of the list is tied to (`trusted_root`), its name and the `sha256:` digest of the
//! root's document exactly as stored where the list was published. A list without identities
//! (every list published before identities were) has neither `identities` nor
//! `trusted_roots`, and reads as before; a reader that knows neither field ignores both.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use time::OffsetDateTime;

use super::ListError;
use crate::cosign::OCI_EMPTY_MEDIA_TYPE;
use crate::dsse::{self, Envelope, MAX_ENVELOPE_SIGNATURES};
use crate::keys::PublicKey;
use crate::oci::{clip, Digest, OCI_IMAGE_MEDIA_TYPE};
use crate::trust::entry::Entry;
use crate::trust::{scope, TrustSet};

/// The `artifactType` of a trust-list manifest and the media type of its one layer.
pub const LIST_MEDIA_TYPE: &str = "application/vnd.vouch.trust-list.v1+json";
/// The `artifactType` of the manifest holding a list's signed statement.
pub const STATEMENT_ARTIFACT_TYPE: &str = "application/vnd.vouch.trust-list.statement.v1+json";
/// The DSSE payload type of a [`ListStatement`].
pub const STATEMENT_PAYLOAD_TYPE: &str = "application/vnd.vouch.trust-list.statement.v1+json";
/// The media type of the statement manifest's one layer.
pub const ENVELOPE_MEDIA_TYPE: &str = dsse::DSSE_MEDIA_TYPE;
/// The `format` marker of a [`ListStatement`].
pub const STATEMENT_FORMAT: &str = "vouch-trust-list-statement";
/// Largest list layer or envelope read.
pub const MAX_LIST_BYTES: u64 = 1024 * 1024;
/// Most admins a list names (each may add one signature to the one envelope).
pub const MAX_SIGNERS: usize = MAX_ENVELOPE_SIGNATURES;
/// The empty config (`{}`) every trust-list manifest names.
const EMPTY_CONFIG: &[u8] = b"{}";

/// One admin of a list: a key whose signature counts towards its threshold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ListSigner {
    /// `sha256:` + hex of SHA-256 over the DER SubjectPublicKeyInfo.
    pub fingerprint: String,
    /// The public key, PEM `PUBLIC KEY`.
    pub public_key: String,
}

/// What the admins sign: which list (by digest), where, which version, until when, and who
/// must sign it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ListStatement {
    pub format: String,
    /// The list's version; a subscriber never applies a lower one.
    pub version: u64,
    /// The repository the list is published in (`host/path`).
    pub repository: String,
    /// `sha256:` digest of the list layer.
    pub list_digest: String,
    pub list_size: u64,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub issued_at: OffsetDateTime,
    /// Past this time the list is stale.
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub expires_at: OffsetDateTime,
    pub signers: Vec<ListSigner>,
    /// How many distinct signers must have signed.
    pub threshold: u32,
}

impl ListStatement {
    /// The payload the admins sign.
    pub fn to_payload(&self) -> Result<Vec<u8>, ListError> {
        serde_json::to_vec(self).map_err(|e| malformed("the statement", &e.to_string()))
    }

    /// Checks what serde cannot: format, digest, times, signers and threshold.
    fn check(self) -> Result<Self, ListError> {
        let bad = |why: String| malformed("the signed statement", &why);
        if self.format != STATEMENT_FORMAT {
            return Err(bad(format!(
                "its format is `{}`, not `{STATEMENT_FORMAT}`",
                clip(&self.format, 80)
            )));
        }
        if self.version == 0 {
            return Err(bad("its version is 0; versions start at 1".into()));
        }
        Digest::parse(&self.list_digest).map_err(|e| bad(format!("its list digest: {e}")))?;
        if self.list_size > MAX_LIST_BYTES {
            return Err(bad(format!(
                "it names a list of {} bytes, more than the {MAX_LIST_BYTES} read",
                self.list_size
            )));
        }
        if self.expires_at <= self.issued_at {
            return Err(bad("it expires before it was issued".into()));
        }
        if self.signers.is_empty() || self.signers.len() > MAX_SIGNERS {
            return Err(bad(format!(
                "it names {} signers; a list names 1 to {MAX_SIGNERS}",
                self.signers.len()
            )));
        }
        for (i, s) in self.signers.iter().enumerate() {
            let key = PublicKey::parse(s.public_key.as_bytes())
                .map_err(|e| bad(format!("signer {}: {e}", i + 1)))?;
            if key.fingerprint() != s.fingerprint {
                return Err(bad(format!(
                    "signer {} does not match its fingerprint",
                    i + 1
                )));
            }
            if self.signers[..i]
                .iter()
                .any(|o| o.fingerprint == s.fingerprint)
            {
                return Err(bad(format!("signer {} is named twice", i + 1)));
            }
        }
        check_threshold(self.threshold, self.signers.len())
            .map_err(|e| bad(format!("its threshold: {e}")))?;
        Ok(self)
    }
}

/// A threshold counts distinct signers: 1 to `signers`.
pub(crate) fn check_threshold(threshold: u32, signers: usize) -> Result<(), ListError> {
    if threshold == 0 || threshold as usize > signers {
        return Err(ListError::BadThreshold(format!(
            "{threshold} of {signers} signer(s); it must be between 1 and the number of signers"
        )));
    }
    Ok(())
}

fn malformed(what: &str, why: &str) -> ListError {
    ListError::Malformed {
        what: what.to_string(),
        why: clip(why, 300),
    }
}

/// The tag holding the signed statement of the list manifest `manifest`:
/// `sha256-<hex>.vouch-list`.
pub fn statement_tag(manifest: &Digest) -> String {
    manifest.trust_list_statement_tag()
}

/// The empty config blob and an artifact manifest of `artifact_type` with one layer.
pub(crate) fn artifact_manifest(
    artifact_type: &str,
    layer_media_type: &str,
    layer: &[u8],
) -> (Vec<u8>, Vec<u8>) {
    let manifest = json!({
        "schemaVersion": 2,
        "mediaType": OCI_IMAGE_MEDIA_TYPE,
        "artifactType": artifact_type,
        "config": {
            "mediaType": OCI_EMPTY_MEDIA_TYPE,
            "digest": Digest::of(EMPTY_CONFIG).as_str(),
            "size": EMPTY_CONFIG.len(),
            "data": dsse::encode_b64(EMPTY_CONFIG),
        },
        "layers": [{
            "mediaType": layer_media_type,
            "digest": Digest::of(layer).as_str(),
            "size": layer.len(),
        }],
    });
    // A JSON value's text (Display) cannot fail: no serialiser error to turn into empty bytes.
    (EMPTY_CONFIG.to_vec(), manifest.to_string().into_bytes())
}

/// The one layer of an artifact manifest of `artifact_type`: its digest and size.
fn one_layer(
    bytes: &[u8],
    what: &str,
    artifact_type: &str,
    layer_media_type: &str,
) -> Result<(Digest, u64), ListError> {
    let bad = |why: String| malformed(what, &why);
    let v: Value = serde_json::from_slice(bytes).map_err(|e| bad(format!("not JSON: {e}")))?;
    let declared = v.get("artifactType").and_then(Value::as_str);
    if declared != Some(artifact_type) {
        return Err(bad(format!(
            "its artifactType is {}, not {artifact_type}",
            declared.map_or("absent".to_string(), |t| format!("`{}`", clip(t, 80)))
        )));
    }
    let layers = v
        .get("layers")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("it has no layers".into()))?;
    let [layer] = layers.as_slice() else {
        return Err(bad(format!("it has {} layers, not one", layers.len())));
    };
    let media_type = layer.get("mediaType").and_then(Value::as_str);
    if media_type != Some(layer_media_type) {
        return Err(bad(format!("its layer is not of type {layer_media_type}")));
    }
    let digest = layer
        .get("digest")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("its layer has no digest".into()))?;
    let digest = Digest::parse(digest).map_err(|e| bad(format!("its layer digest: {e}")))?;
    let size = layer
        .get("size")
        .and_then(Value::as_u64)
        .ok_or_else(|| bad("its layer has no size".into()))?;
    if size > MAX_LIST_BYTES {
        return Err(bad(format!(
            "its layer is {size} bytes, more than the {MAX_LIST_BYTES} read"
        )));
    }
    Ok((digest, size))
}

/// The list layer's digest and size from a list manifest.
pub fn parse_list_manifest(bytes: &[u8]) -> Result<(Digest, u64), ListError> {
    one_layer(bytes, "the list manifest", LIST_MEDIA_TYPE, LIST_MEDIA_TYPE)
}

/// The envelope layer's digest and size from a statement manifest.
pub fn parse_statement_manifest(bytes: &[u8]) -> Result<(Digest, u64), ListError> {
    one_layer(
        bytes,
        "the statement manifest",
        STATEMENT_ARTIFACT_TYPE,
        ENVELOPE_MEDIA_TYPE,
    )
}

/// The envelope and the statement it carries (signatures not checked here).
pub fn parse_statement_envelope(bytes: &[u8]) -> Result<(Envelope, ListStatement), ListError> {
    let envelope = dsse::parse_envelope(bytes)
        .map_err(|e| malformed("the statement envelope", &e.to_string()))?;
    if envelope.payload_type != STATEMENT_PAYLOAD_TYPE {
        return Err(malformed(
            "the statement envelope",
            &format!(
                "its payload type is `{}`, not {STATEMENT_PAYLOAD_TYPE}",
                clip(&envelope.payload_type, 80)
            ),
        ));
    }
    let statement: ListStatement = serde_json::from_slice(&envelope.payload)
        .map_err(|e| malformed("the signed statement", &e.to_string()))?;
    Ok((envelope, statement.check()?))
}

/// A custom trusted root an identity of a list is tied to: its name and the `sha256:` digest of
/// its document as stored by the profile that published the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ListRoot {
    pub name: String,
    pub digest: String,
}

/// The list layer: the published publishers (keys and identities, in a trust-set document) and
/// the trusted roots its identities are tied to.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListDocument {
    /// Its `keys` and `identities` (no policies).
    pub set: TrustSet,
    pub trusted_roots: Vec<ListRoot>,
}

impl ListDocument {
    /// The layer's bytes: the trust-set document, plus `trusted_roots` when there are any (a
    /// list without them is byte for byte what older versions published).
    pub fn to_json(&self) -> Result<Vec<u8>, ListError> {
        #[derive(Serialize)]
        struct Layer<'a> {
            #[serde(flatten)]
            set: &'a TrustSet,
            trusted_roots: &'a [ListRoot],
        }
        if self.trusted_roots.is_empty() {
            return Ok(self.set.to_json()?);
        }
        let layer = Layer {
            set: &self.set,
            trusted_roots: &self.trusted_roots,
        };
        Ok(crate::trust::to_document(&layer)?)
    }

    /// The root named `name`, as the list pins it.
    pub fn root(&self, name: &str) -> Option<&ListRoot> {
        self.trusted_roots.iter().find(|r| r.name == name)
    }
}

/// The list layer: a trust-set document whose keys and identities are all well formed
/// (fingerprints and ids match, scopes valid, none named twice) and carry no private half or
/// source of their own, and whose trusted roots are named once each with a `sha256:` digest.
pub fn parse_list_document(bytes: &[u8]) -> Result<ListDocument, ListError> {
    #[derive(Deserialize)]
    struct Roots {
        #[serde(default)]
        trusted_roots: Vec<ListRoot>,
    }
    let bad = |why: String| malformed("the list layer", &why);
    let mut set = TrustSet::from_json(bytes).map_err(|e| bad(e.to_string()))?;
    check_entries(&set.keys)?;
    check_entries(&set.identities)?;
    for k in &mut set.keys {
        k.has_private = false;
        k.source = None;
    }
    for i in &mut set.identities {
        i.source = None;
    }
    let Roots { trusted_roots } =
        serde_json::from_slice(bytes).map_err(|e| bad(format!("its trusted roots: {e}")))?;
    for (i, r) in trusted_roots.iter().enumerate() {
        if trusted_roots[..i].iter().any(|o| o.name == r.name) {
            return Err(bad(format!(
                "it names the trusted root `{}` twice",
                clip(&r.name, 80)
            )));
        }
        Digest::parse(&r.digest)
            .map_err(|e| bad(format!("the digest of root `{}`: {e}", clip(&r.name, 80))))?;
    }
    Ok(ListDocument { set, trusted_roots })
}

/// Refuses entries with an invalid scope or named twice.
fn check_entries<T: Entry>(entries: &[T]) -> Result<(), ListError> {
    let bad = |why: String| malformed("the list layer", &why);
    let mut seen = std::collections::BTreeSet::new();
    for e in entries {
        for s in e.scopes() {
            scope::validate(s).map_err(|err| bad(err.to_string()))?;
        }
        if !seen.insert(e.id()) {
            return Err(bad(format!("it names {} twice", e.label())));
        }
    }
    Ok(())
}

/// When a list expires: a duration from `now` (`30d`, `12h`, `90m`, `45s`) or an RFC 3339
/// time; it must be in the future.
pub fn parse_expiry(s: &str, now: OffsetDateTime) -> Result<OffsetDateTime, ListError> {
    let t = s.trim();
    let at = match t.char_indices().last() {
        Some((i, unit @ ('s' | 'm' | 'h' | 'd'))) if i > 0 => {
            let n: i64 = t[..i]
                .parse()
                .ok()
                .filter(|n| *n > 0 && *n <= 36_500 * 86_400)
                .ok_or_else(|| ListError::BadExpiry(clip(s, 80)))?;
            let secs = match unit {
                's' => n,
                'm' => n * 60,
                'h' => n * 3600,
                _ => n * 86_400,
            };
            now + time::Duration::seconds(secs)
        }
        _ => crate::trust::parse_time(t).map_err(|_| ListError::BadExpiry(clip(s, 80)))?,
    };
    let at = super::whole_seconds(at);
    if at <= now {
        return Err(ListError::ExpiryPast(super::rfc3339(at)));
    }
    Ok(at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{Algorithm, PrivateKey};
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2027-01-01 00:00 UTC);

    pub(super) fn statement(key: &PrivateKey) -> ListStatement {
        let pk = key.public_key();
        ListStatement {
            format: STATEMENT_FORMAT.into(),
            version: 3,
            repository: "reg.example/team/trust".into(),
            list_digest: Digest::of(b"list").to_string(),
            list_size: 4,
            issued_at: NOW,
            expires_at: NOW + time::Duration::days(30),
            signers: vec![ListSigner {
                fingerprint: pk.fingerprint(),
                public_key: pk.to_pem(),
            }],
            threshold: 1,
        }
    }

    fn envelope(st: &ListStatement, key: &PrivateKey) -> Vec<u8> {
        let payload = st.to_payload().expect("payload");
        dsse::seal(STATEMENT_PAYLOAD_TYPE, &payload, key)
    }

    #[test]
    fn a_statement_round_trips_through_its_envelope() {
        let key = PrivateKey::generate(Algorithm::Ed25519).expect("key");
        let st = statement(&key);
        let (env, back) = parse_statement_envelope(&envelope(&st, &key)).expect("parse");
        assert_eq!(back, st);
        assert_eq!(env.signatures.len(), 1);
    }

    #[test]
    fn malformed_statements_are_refused_with_a_sentence() {
        let key = PrivateKey::generate(Algorithm::Ed25519).expect("key");
        let other = PrivateKey::generate(Algorithm::Ed25519).expect("key");
        type Edit = Box<dyn Fn(&mut ListStatement)>;
        let cases: Vec<(Edit, &str)> = vec![
            (Box::new(|s| s.format = "x".into()), "format is `x`"),
            (Box::new(|s| s.version = 0), "version is 0"),
            (
                Box::new(|s| s.list_digest = "sha256:00".into()),
                "list digest",
            ),
            (Box::new(|s| s.expires_at = s.issued_at), "expires before"),
            (Box::new(|s| s.signers.clear()), "names 0 signers"),
            (Box::new(|s| s.threshold = 2), "threshold"),
            (
                Box::new(move |s| s.signers[0].fingerprint = other.public_key().fingerprint()),
                "does not match its fingerprint",
            ),
            (
                Box::new(|s| {
                    let again = s.signers[0].clone();
                    s.signers.push(again)
                }),
                "named twice",
            ),
        ];
        for (edit, needle) in cases {
            let mut st = statement(&key);
            edit(&mut st);
            let err = parse_statement_envelope(&envelope(&st, &key)).expect_err(needle);
            assert!(err.to_string().contains(needle), "{err} / {needle}");
        }
        let other_type = dsse::seal("text/plain", b"{}", &key);
        let err = parse_statement_envelope(&other_type).expect_err("type");
        assert!(err.to_string().contains("payload type"), "{err}");
        assert!(parse_statement_envelope(b"[").is_err());
    }

    #[test]
    fn manifests_round_trip_and_foreign_ones_are_refused() {
        let (config, m) = artifact_manifest(LIST_MEDIA_TYPE, LIST_MEDIA_TYPE, b"list");
        assert_eq!(config, b"{}");
        let (d, size) = parse_list_manifest(&m).expect("list manifest");
        assert_eq!((d, size), (Digest::of(b"list"), 4));
        let err = parse_statement_manifest(&m).expect_err("not a statement");
        assert!(err.to_string().contains("artifactType"), "{err}");
        let two =
            br#"{"artifactType":"application/vnd.vouch.trust-list.v1+json","layers":[{},{}]}"#;
        assert!(parse_list_manifest(two)
            .expect_err("two")
            .to_string()
            .contains("2 layers"));
        assert!(parse_list_manifest(b"nope").is_err());
    }

    #[test]
    fn list_documents_refuse_duplicates_and_drop_local_marks() {
        let key = PrivateKey::generate(Algorithm::Ed25519).expect("key");
        let mut k = crate::trust::TrustedKey::new(&key.public_key(), "acme", vec![], NOW);
        k.has_private = true;
        k.source = Some("elsewhere".into());
        let mut set = TrustSet {
            keys: vec![k],
            ..TrustSet::default()
        };
        let parsed = parse_list_document(&set.to_json().expect("json")).expect("parse");
        assert!(!parsed.set.keys[0].has_private);
        assert_eq!(parsed.set.keys[0].source, None);
        assert!(parsed.trusted_roots.is_empty());
        set.keys.push(set.keys[0].clone());
        let err = parse_list_document(&set.to_json().expect("json")).expect_err("twice");
        assert!(err.to_string().contains("twice"), "{err}");
    }

    #[test]
    fn identities_and_their_roots_round_trip_and_bad_roots_are_refused() {
        let id = crate::trust::Identity::new(
            "https://issuer.example",
            crate::trust::Subject::Exact("ci@corp.example".into()),
            Default::default(),
            Some("corp"),
        )
        .expect("identity");
        let mut i = crate::trust::TrustedIdentity::new(id, "corp-ci", vec![], NOW);
        i.source = Some("elsewhere".into());
        let digest = Digest::of(b"root").to_string();
        let doc = ListDocument {
            set: TrustSet {
                identities: vec![i.clone()],
                ..TrustSet::default()
            },
            trusted_roots: vec![ListRoot {
                name: "corp".into(),
                digest: digest.clone(),
            }],
        };
        let bytes = doc.to_json().expect("json");
        let back = parse_list_document(&bytes).expect("parse");
        assert_eq!(
            back.set.identities[0].source, None,
            "a list carries no source"
        );
        assert_eq!(back.root("corp").map(|r| r.digest.as_str()), Some(&*digest));
        // A list of keys only is the trust-set document it always was, and still reads.
        let keys_only = ListDocument::default().to_json().expect("json");
        assert!(!String::from_utf8_lossy(&keys_only).contains("trusted_roots"));
        let old = br#"{"format":"vouch-trust-set","version":1,"keys":[]}"#;
        assert_eq!(
            parse_list_document(old).expect("old"),
            ListDocument::default()
        );
        // A root named twice, or with a digest that is not one, is refused.
        let mut v: Value = serde_json::from_slice(&bytes).expect("json");
        v["trusted_roots"][0]["digest"] = json!("md5:abc");
        let err = parse_list_document(v.to_string().as_bytes()).expect_err("digest");
        assert!(
            err.to_string().contains("the digest of root `corp`"),
            "{err}"
        );
        let twice = json!([{"name": "corp", "digest": digest}, {"name": "corp", "digest": digest}]);
        v["trusted_roots"] = twice;
        let err = parse_list_document(v.to_string().as_bytes()).expect_err("twice");
        assert!(err.to_string().contains("twice"), "{err}");
        // The same identity twice is refused like a key.
        let mut dup = doc;
        dup.set.identities.push(i);
        let err = parse_list_document(&dup.to_json().expect("json")).expect_err("dup");
        assert!(err.to_string().contains("twice"), "{err}");
    }

    #[test]
    fn expiries_are_durations_or_times_in_the_future() {
        assert_eq!(
            parse_expiry("30d", NOW).expect("days"),
            NOW + time::Duration::days(30)
        );
        assert_eq!(
            parse_expiry("90m", NOW).expect("minutes"),
            NOW + time::Duration::minutes(90)
        );
        assert_eq!(
            parse_expiry("2027-02-01T00:00:00Z", NOW).expect("time"),
            datetime!(2027-02-01 00:00 UTC)
        );
        for bad in ["", "d", "-3d", "3w", "soon", "99999999999999d"] {
            assert!(
                matches!(parse_expiry(bad, NOW), Err(ListError::BadExpiry(_))),
                "{bad}"
            );
        }
        assert!(matches!(
            parse_expiry("2026-01-01T00:00:00Z", NOW),
            Err(ListError::ExpiryPast(_))
        ));
    }
}
