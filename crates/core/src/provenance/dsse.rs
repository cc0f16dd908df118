//! DSSE envelopes and in-toto statements: parsing only, bounded, with errors that say what is
//! wrong. Verification (PAE + trusted keys) is in [`super::assess_all`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{
    clip, decode_b64, MAX_ATTESTATION_BYTES, MAX_ENVELOPE_SIGNATURES, STATEMENT_V01, STATEMENT_V1,
};

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

/// An in-toto statement (v0.1 or v1).
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    pub statement_type: String,
    pub predicate_type: String,
    pub subjects: Vec<Subject>,
    pub predicate: serde_json::Value,
}

/// A statement subject.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Subject {
    pub name: String,
    pub digest: BTreeMap<String, String>,
}

/// Parses a DSSE envelope (JSON), refusing oversize input, bad JSON, bad base64 and
/// envelopes without signatures.
pub fn parse_envelope(bytes: &[u8]) -> Result<Envelope, DsseError> {
    #[derive(Deserialize)]
    struct Raw {
        #[serde(rename = "payloadType")]
        payload_type: String,
        payload: String,
        #[serde(default)]
        signatures: Vec<RawSig>,
    }
    #[derive(Deserialize)]
    struct RawSig {
        #[serde(default)]
        keyid: Option<String>,
        sig: String,
    }
    if bytes.len() as u64 > MAX_ATTESTATION_BYTES {
        return Err(DsseError::TooLarge {
            what: "the envelope",
            size: bytes.len(),
            limit: MAX_ATTESTATION_BYTES,
        });
    }
    let raw: Raw = serde_json::from_slice(bytes)
        .map_err(|e| DsseError::EnvelopeJson(clip(&e.to_string(), 200)))?;
    let payload = decode_b64(&raw.payload).ok_or(DsseError::PayloadBase64)?;
    if raw.signatures.is_empty() {
        return Err(DsseError::NoSignature);
    }
    if raw.signatures.len() > MAX_ENVELOPE_SIGNATURES {
        return Err(DsseError::TooManySignatures {
            count: raw.signatures.len(),
            limit: MAX_ENVELOPE_SIGNATURES,
        });
    }
    Ok(Envelope {
        payload_type: raw.payload_type,
        payload,
        signatures: raw
            .signatures
            .into_iter()
            .map(|s| EnvelopeSignature {
                keyid: s.keyid.unwrap_or_default(),
                sig: s.sig,
            })
            .collect(),
    })
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
        STATEMENT_V1 | "https://in-toto.io/Statement/v1.0" => STATEMENT_V1,
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
