//! DSSE envelopes and in-toto statements: the one envelope parser, the pre-authentication
//! encoding ([`pae`]), the in-toto statement parser, and the one base64 policy ([`decode_b64`])
//! every decoder in Vouch uses. Parsing only, bounded, with errors that say what is wrong;
//! which key may vouch is decided by `verify` and `provenance`.
//!
//! Invariant: a signature is only ever checked over `pae(payload_type, payload)` of the exact
//! decoded payload bytes, and nothing a DSSE document carries is decoded by any other base64
//! rule than [`decode_b64`].

use std::collections::BTreeMap;

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::keys::PrivateKey;
use crate::oci::clip;

/// Media type of a DSSE envelope layer (cosign `.att`).
pub const DSSE_MEDIA_TYPE: &str = "application/vnd.dsse.envelope.v1+json";
/// DSSE payload type of an in-toto statement.
pub const IN_TOTO_PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";
/// in-toto Statement v0.1.
pub const STATEMENT_V01: &str = "https://in-toto.io/Statement/v0.1";
/// in-toto Statement v1.
pub const STATEMENT_V1: &str = "https://in-toto.io/Statement/v1";
/// Another spelling of v1 some producers write; read as [`STATEMENT_V1`].
pub const STATEMENT_V1_0: &str = "https://in-toto.io/Statement/v1.0";
/// Largest attestation (envelope or statement) read.
pub const MAX_ATTESTATION_BYTES: u64 = 4 * 1024 * 1024;
/// Most signatures read from one envelope.
pub const MAX_ENVELOPE_SIGNATURES: usize = 16;

/// The DSSE pre-authentication encoding: what a DSSE signature signs.
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "DSSEv1 {} {} {} ",
        payload_type.len(),
        payload_type,
        payload.len()
    )
    .into_bytes();
    out.extend_from_slice(payload);
    out
}

const PADDING_EITHER: GeneralPurposeConfig =
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
const STANDARD_ANY_PADDING: GeneralPurpose =
    GeneralPurpose::new(&base64::alphabet::STANDARD, PADDING_EITHER);
const URL_SAFE_ANY_PADDING: GeneralPurpose =
    GeneralPurpose::new(&base64::alphabet::URL_SAFE, PADDING_EITHER);

/// Vouch's one base64 policy, for every signature, payload and envelope it reads (cosign
/// annotations, DSSE envelopes, sigstore bundles). The DSSE specification allows "either
/// standard or URL-safe encoding", and peers write both, with and without padding; so:
///
/// - whitespace around the text is ignored (annotations are sometimes written with a newline);
/// - the standard alphabet (`+/`) or the URL-safe one (`-_`), never both in one text;
/// - `=` padding present and correct, or absent;
/// - nothing else: whitespace inside, other characters, impossible lengths or non-zero trailing
///   bits are refused (`None`).
///
/// Leniency here cannot weaken a check: the decoded bytes are what the signature must verify.
pub fn decode_b64(s: &str) -> Option<Vec<u8>> {
    let t = s.trim();
    STANDARD_ANY_PADDING
        .decode(t)
        .or_else(|_| URL_SAFE_ANY_PADDING.decode(t))
        .ok()
}

/// Standard base64 with padding: how Vouch writes (what cosign writes).
pub fn encode_b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Why an envelope or statement could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DsseError {
    #[error("{what} is {size} bytes, more than the {limit}-byte limit")]
    TooLarge {
        what: &'static str,
        size: usize,
        limit: u64,
    },
    #[error("the envelope is not valid JSON ({0})")]
    EnvelopeJson(String),
    #[error("the envelope's payload is not valid base64")]
    PayloadBase64,
    #[error("the envelope has no signature")]
    NoSignature,
    #[error("the envelope has {count} signatures, more than the {limit} read")]
    TooManySignatures { count: usize, limit: usize },
    #[error("the payload is not an in-toto statement ({0})")]
    StatementJson(String),
    #[error("the payload has _type `{0}`, not an in-toto Statement v0.1 or v1")]
    StatementType(String),
    #[error("the in-toto statement has no subject")]
    NoSubject,
}

/// A DSSE envelope, payload decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    pub payload_type: String,
    pub payload: Vec<u8>,
    pub signatures: Vec<EnvelopeSignature>,
}

/// One DSSE signature: `keyid` is a hint only; `sig` is base64 as served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvelopeSignature {
    pub keyid: String,
    pub sig: String,
}

/// A DSSE envelope (JSON) over `payload` of `payload_type`, signed with `key`: the one form
/// Vouch writes, and [`parse_envelope`] reads back.
pub fn seal(payload_type: &str, payload: &[u8], key: &PrivateKey) -> Vec<u8> {
    let mut envelope = Envelope {
        payload_type: payload_type.to_string(),
        payload: payload.to_vec(),
        signatures: Vec::new(),
    };
    envelope.add_signature(key, "");
    envelope.to_json()
}

impl Envelope {
    /// Signs `pae(payload_type, payload)` with `key` and adds the signature under `keyid`
    /// (a hint only), replacing one already there under the same non-empty `keyid`.
    pub fn add_signature(&mut self, key: &PrivateKey, keyid: &str) {
        let sig = encode_b64(&key.sign(&pae(&self.payload_type, &self.payload)));
        if !keyid.is_empty() {
            self.signatures.retain(|s| s.keyid != keyid);
        }
        self.signatures.push(EnvelopeSignature {
            keyid: keyid.to_string(),
            sig,
        });
    }

    /// The envelope as JSON, as [`parse_envelope`] reads it back.
    pub fn to_json(&self) -> Vec<u8> {
        let signatures: Vec<serde_json::Value> = self
            .signatures
            .iter()
            .map(|s| json!({"keyid": s.keyid, "sig": s.sig}))
            .collect();
        let doc = json!({
            "payloadType": self.payload_type,
            "payload": encode_b64(&self.payload),
            "signatures": signatures,
        });
        // A JSON value's text (Display) cannot fail: no serialiser error to turn into empty bytes.
        doc.to_string().into_bytes()
    }
}

/// An in-toto statement (v0.1 or v1).
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    pub statement_type: String,
    pub predicate_type: String,
    pub subjects: Vec<Subject>,
    pub predicate: serde_json::Value,
}

/// A statement subject.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subject {
    pub name: String,
    pub digest: BTreeMap<String, String>,
}

/// Parses a DSSE envelope (JSON), refusing oversize input, bad JSON, bad base64 and
/// envelopes without signatures.
pub fn parse_envelope(bytes: &[u8]) -> Result<Envelope, DsseError> {
    if bytes.len() as u64 > MAX_ATTESTATION_BYTES {
        return Err(DsseError::TooLarge {
            what: "the envelope",
            size: bytes.len(),
            limit: MAX_ATTESTATION_BYTES,
        });
    }
    serde_json::from_slice::<RawEnvelope>(bytes)
        .map_err(|e| DsseError::EnvelopeJson(clip(&e.to_string(), 200)))?
        .decode()
}

/// A DSSE envelope as JSON carries it (inside a file, a layer or a sigstore bundle), before
/// [`RawEnvelope::decode`] applies the rules.
#[derive(Debug, Clone, Deserialize)]
pub struct RawEnvelope {
    #[serde(rename = "payloadType")]
    payload_type: String,
    payload: String,
    #[serde(default)]
    signatures: Vec<RawSignature>,
}

#[derive(Debug, Clone, Deserialize)]
struct RawSignature {
    #[serde(default)]
    keyid: Option<String>,
    sig: String,
}

impl RawEnvelope {
    /// Decodes the payload ([`decode_b64`]) and refuses envelopes without signatures or with
    /// more than [`MAX_ENVELOPE_SIGNATURES`].
    pub fn decode(self) -> Result<Envelope, DsseError> {
        let payload = decode_b64(&self.payload).ok_or(DsseError::PayloadBase64)?;
        if self.signatures.is_empty() {
            return Err(DsseError::NoSignature);
        }
        if self.signatures.len() > MAX_ENVELOPE_SIGNATURES {
            return Err(DsseError::TooManySignatures {
                count: self.signatures.len(),
                limit: MAX_ENVELOPE_SIGNATURES,
            });
        }
        Ok(Envelope {
            payload_type: self.payload_type,
            payload,
            signatures: self
                .signatures
                .into_iter()
                .map(|s| EnvelopeSignature {
                    keyid: s.keyid.unwrap_or_default(),
                    sig: s.sig,
                })
                .collect(),
        })
    }
}

/// Parses an in-toto statement (v0.1 or v1; `https://in-toto.io/Statement/v1.0` is read as v1).
pub fn parse_statement(bytes: &[u8]) -> Result<Statement, DsseError> {
    #[derive(Deserialize)]
    struct Raw {
        #[serde(rename = "_type")]
        kind: String,
        #[serde(rename = "predicateType")]
        predicate_type: String,
        #[serde(default)]
        subject: Vec<RawSubject>,
        #[serde(default)]
        predicate: serde_json::Value,
    }
    #[derive(Deserialize)]
    struct RawSubject {
        #[serde(default)]
        name: String,
        #[serde(default)]
        digest: BTreeMap<String, String>,
    }
    if bytes.len() as u64 > MAX_ATTESTATION_BYTES {
        return Err(DsseError::TooLarge {
            what: "the statement",
            size: bytes.len(),
            limit: MAX_ATTESTATION_BYTES,
        });
    }
    let raw: Raw = serde_json::from_slice(bytes)
        .map_err(|e| DsseError::StatementJson(clip(&e.to_string(), 200)))?;
    let kind = match raw.kind.as_str() {
        STATEMENT_V01 => STATEMENT_V01,
        STATEMENT_V1 | STATEMENT_V1_0 => STATEMENT_V1,
        other => return Err(DsseError::StatementType(clip(other, 120))),
    };
    if raw.subject.is_empty() {
        return Err(DsseError::NoSubject);
    }
    Ok(Statement {
        statement_type: kind.to_string(),
        predicate_type: raw.predicate_type,
        subjects: raw
            .subject
            .into_iter()
            .take(1024)
            .map(|s| Subject {
                name: clip(&s.name, 500),
                digest: s
                    .digest
                    .into_iter()
                    .map(|(k, v)| (clip(&k, 40), v.trim().to_ascii_lowercase()))
                    .collect(),
            })
            .collect(),
        predicate: raw.predicate,
    })
}

/// The `predicateType` an in-toto statement names, read without checking the rest (to tell
/// an attestation from cosign's signature statement before deciding what to do with it).
pub fn predicate_type_of(payload: &[u8]) -> Option<String> {
    #[derive(Deserialize)]
    struct Head {
        #[serde(rename = "predicateType")]
        predicate_type: Option<String>,
    }
    serde_json::from_slice::<Head>(payload)
        .ok()
        .and_then(|h| h.predicate_type)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{Algorithm, PrivateKey};

    #[test]
    fn pae_matches_the_dsse_spec() {
        assert_eq!(
            pae("http://example.com/HelloWorld", b"hello world"),
            b"DSSEv1 29 http://example.com/HelloWorld 11 hello world".to_vec()
        );
    }

    #[test]
    fn a_sealed_envelope_parses_back_and_verifies_over_pae() {
        let key = PrivateKey::generate(Algorithm::Ed25519).expect("key");
        let statement = serde_json::to_vec(&json!({
            "_type": STATEMENT_V1, "predicateType": "https://example.com/p",
            "subject": [{"name": "r", "digest": {"sha256": "AB"}}], "predicate": {"x": 1}
        }))
        .expect("json");
        let env = parse_envelope(&seal(IN_TOTO_PAYLOAD_TYPE, &statement, &key)).expect("parse");
        assert_eq!(env.payload_type, IN_TOTO_PAYLOAD_TYPE);
        assert_eq!(env.payload, statement);
        let sig = decode_b64(&env.signatures[0].sig).expect("b64");
        assert!(key
            .public_key()
            .verify(&pae(&env.payload_type, &env.payload), &sig)
            .is_ok());
        let st = parse_statement(&env.payload).expect("statement");
        assert_eq!(st.predicate_type, "https://example.com/p");
        assert_eq!(st.subjects[0].digest["sha256"], "ab");
        assert_eq!(
            predicate_type_of(&env.payload).as_deref(),
            Some("https://example.com/p")
        );
        assert_eq!(predicate_type_of(b"not json"), None);
    }

    #[test]
    fn one_base64_policy_standard_or_url_safe_padded_or_not() {
        let bytes: Vec<u8> = vec![0xfb, 0xff, 0xbf, 0x00, 0x10];
        for text in ["+/+/ABA=", "+/+/ABA", "-_-_ABA=", "-_-_ABA", "  +/+/ABA=\n"] {
            assert_eq!(
                decode_b64(text).as_deref(),
                Some(bytes.as_slice()),
                "{text:?}"
            );
        }
        assert_eq!(decode_b64(&encode_b64(&bytes)), Some(bytes.clone()));
        for bad in [
            "+/-_ABA=",
            "+/+/ AB A=",
            "+/+/ABA==",
            "***",
            "A",
            "+/+/ABB=",
        ] {
            assert_eq!(decode_b64(bad), None, "{bad:?} must be refused");
        }
        assert_eq!(decode_b64(""), Some(Vec::new()));
    }
}
