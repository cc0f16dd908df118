//! Tolerant PEM reading and PEM writing identical to Go's `pem.EncodeToMemory` (what cosign uses).

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use base64::engine::DecodePaddingMode;
use base64::{alphabet, DecodeError, Engine as _};
use zeroize::Zeroizing;

use super::KeyError;

/// Standard-alphabet base64 that accepts input with or without padding.
pub(super) const B64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// The label cosign 2.x writes on encrypted private keys.
pub(super) const SIGSTORE_LABEL: &str = "ENCRYPTED SIGSTORE PRIVATE KEY";
/// Labels of cosign's encrypted private keys: current and cosign 1.x.
const ENCRYPTED_LABELS: [&str; 2] = [SIGSTORE_LABEL, "ENCRYPTED COSIGN PRIVATE KEY"];

/// One `-----BEGIN label-----` … `-----END label-----` block, not yet decoded.
pub(super) struct Block<'a> {
    pub(super) label: &'a str,
    body: &'a str,
}

impl Block<'_> {
    /// True for every private key label (`PRIVATE KEY`, `EC PRIVATE KEY`, `OPENSSH PRIVATE KEY`,
    /// `ENCRYPTED SIGSTORE PRIVATE KEY`, …).
    pub(super) fn is_private(&self) -> bool {
        self.label.ends_with("PRIVATE KEY")
    }

    pub(super) fn is_encrypted_cosign(&self) -> bool {
        ENCRYPTED_LABELS.contains(&self.label)
    }

    /// True if the body carries RFC 1421 headers such as `Proc-Type: 4,ENCRYPTED`.
    pub(super) fn has_headers(&self) -> bool {
        self.body.contains(':')
    }

    /// The decoded body; header lines and all whitespace (CRLF included) are skipped.
    pub(super) fn decode(&self) -> Result<Zeroizing<Vec<u8>>, KeyError> {
        // Capacity covers the whole body, so the buffer never reallocates (and leaks no copies).
        let mut b64 = Zeroizing::new(String::with_capacity(self.body.len()));
        for line in self.body.lines().filter(|line| !line.contains(':')) {
            b64.extend(line.chars().filter(|c| !c.is_ascii_whitespace()));
        }
        decode_base64(&B64, &b64)
    }
}

/// Decodes base64 into a zeroizing buffer, telling truncation apart from foreign characters.
pub(super) fn decode_base64(
    engine: &GeneralPurpose,
    text: &str,
) -> Result<Zeroizing<Vec<u8>>, KeyError> {
    let mut out = Zeroizing::new(Vec::with_capacity(base64::decoded_len_estimate(text.len())));
    engine.decode_vec(text, &mut out).map_err(|e| match e {
        DecodeError::InvalidByte(..) => KeyError::InvalidBase64,
        DecodeError::InvalidLength(_)
        | DecodeError::InvalidLastSymbol(..)
        | DecodeError::InvalidPadding => KeyError::TruncatedBase64,
    })?;
    Ok(out)
}

/// Every PEM block in `text`, in order; text around the blocks is ignored.
pub(super) fn blocks(text: &str) -> Result<Vec<Block<'_>>, KeyError> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some((_, after_begin)) = rest.split_once("-----BEGIN ") {
        let (label, after_label) =
            after_begin
                .split_once("-----")
                .ok_or(KeyError::MalformedPem {
                    reason: "a BEGIN line is not closed by `-----`",
                })?;
        let label_ok = !label.is_empty()
            && label.len() <= 64
            && label
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b' ');
        if !label_ok {
            return Err(KeyError::MalformedPem {
                reason: "a BEGIN line has an invalid label",
            });
        }
        let end = format!("-----END {label}-----");
        let (body, after_end) = after_label
            .split_once(end.as_str())
            .filter(|(body, _)| !body.contains("-----"))
            .ok_or(KeyError::MalformedPem {
                reason: "the END line is missing, so the key may be truncated",
            })?;
        found.push(Block { label, body });
        rest = after_end;
    }
    Ok(found)
}

/// The only key block among `blocks`, ignoring OpenSSL's `EC PARAMETERS` blocks.
pub(super) fn single(blocks: Vec<Block<'_>>) -> Result<Option<Block<'_>>, KeyError> {
    let mut keys = blocks.into_iter().filter(|b| b.label != "EC PARAMETERS");
    let first = keys.next();
    match keys.count() {
        0 => Ok(first),
        more => Err(KeyError::MultiplePemBlocks { count: more + 1 }),
    }
}

/// PEM with 64-column lines and a trailing newline, exactly as Go's `pem.EncodeToMemory` writes.
pub(super) fn encode(label: &str, der: &[u8]) -> Zeroizing<String> {
    let b64 = Zeroizing::new(STANDARD.encode(der));
    let mut out = Zeroizing::new(String::with_capacity(
        b64.len() + b64.len() / 64 + 2 * label.len() + 32,
    ));
    out.push_str("-----BEGIN ");
    out.push_str(label);
    out.push_str("-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.extend(line.iter().copied().map(char::from));
        out.push('\n');
    }
    out.push_str("-----END ");
    out.push_str(label);
    out.push_str("-----\n");
    out
}
