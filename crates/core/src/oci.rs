//! The OCI wire format: content digests ([`Digest`], [`sha256_digest`]) and a lenient model of
//! the manifests, indexes, descriptors and platforms a registry serves ([`Manifest`]).
//!
//! Invariant: a [`Digest`] is always `sha256:` followed by exactly 64 lowercase hex digits, so
//! it is safe to put in a URL or a tag; every tag Vouch derives from a digest (cosign's
//! `sha256-<hex>.sig` / `.att`, the referrers fallback `sha256-<hex>`) is built here.
//!
//! The manifest model is Vouch's own rather than `oci_client::manifest`'s: those types are
//! strict (an image manifest must have a `config`, an index entry a `size` and `mediaType`,
//! and image and index are two types), so one malformed field in something a registry serves
//! would make the whole document unreadable and lose the sentence saying what was wrong.
//! [`Manifest`] reads an image or an index in one pass, every field optional, unknown ones
//! ignored; the media type constants are oci-client's.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use sha2::{Digest as _, Sha256};

pub use oci_client::manifest::{
    IMAGE_CONFIG_MEDIA_TYPE, IMAGE_MANIFEST_LIST_MEDIA_TYPE, OCI_IMAGE_INDEX_MEDIA_TYPE,
    OCI_IMAGE_MEDIA_TYPE,
};

/// `sha256:<hex>` of `bytes`.
pub fn sha256_digest(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

/// Whether `d` is `sha256:` followed by 64 lowercase hex digits (safe in a URL).
pub fn is_sha256_digest(d: &str) -> bool {
    Digest::parse(d).is_ok()
}

/// Why a text is not a digest Vouch accepts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DigestError {
    #[error("`{0}` is not a digest: expected `sha256:` followed by 64 lowercase hex digits")]
    Malformed(String),
    #[error("`{0}` uses an algorithm Vouch does not read; only sha256 digests are accepted")]
    Algorithm(String),
}

/// A sha256 content digest, always `sha256:` + 64 lowercase hex digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Digest(String);

impl Digest {
    /// Parses `sha256:<64 lowercase hex>`; anything else is refused with a sentence.
    pub fn parse(s: &str) -> Result<Digest, DigestError> {
        let Some(hex) = s.strip_prefix("sha256:") else {
            return Err(match s.split_once(':') {
                Some((alg, _))
                    if !alg.is_empty()
                        && alg.len() <= 16
                        && alg.chars().all(|c| c.is_ascii_alphanumeric()) =>
                {
                    DigestError::Algorithm(clip(s, 80))
                }
                _ => DigestError::Malformed(clip(s, 80)),
            });
        };
        if hex.len() == 64 && hex.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f')) {
            Ok(Digest(s.to_string()))
        } else {
            Err(DigestError::Malformed(clip(s, 80)))
        }
    }

    /// The digest of `bytes`.
    pub fn of(bytes: &[u8]) -> Digest {
        Digest(sha256_digest(bytes))
    }

    /// `sha256:<hex>`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The 64 hex digits.
    pub fn hex(&self) -> &str {
        self.0.get(7..).unwrap_or_default()
    }

    /// `sha256:1f2e3d4c5b6a…`, for people.
    pub fn short(&self) -> String {
        format!("sha256:{}…", self.hex().get(..12).unwrap_or_default())
    }

    /// The referrers fallback tag, `sha256-<hex>` (OCI distribution spec 1.1).
    pub fn referrers_tag(&self) -> String {
        format!("sha256-{}", self.hex())
    }

    /// cosign's signature tag, `sha256-<hex>.sig`.
    pub fn signature_tag(&self) -> String {
        format!("{}.sig", self.referrers_tag())
    }

    /// cosign's attestation tag, `sha256-<hex>.att`.
    pub fn attestation_tag(&self) -> String {
        format!("{}.att", self.referrers_tag())
    }

    /// The tag of a Vouch trust list's signed statement, `sha256-<hex>.vouch-list` (the digest
    /// is the list manifest's).
    pub fn trust_list_statement_tag(&self) -> String {
        format!("{}.vouch-list", self.referrers_tag())
    }

    /// `sha256-1f2e3d4c5b6a….sig`: a cosign tag shortened for a sentence.
    pub fn short_tag(&self, suffix: &str) -> String {
        format!(
            "sha256-{}…{suffix}",
            self.hex().get(..12).unwrap_or_default()
        )
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for Digest {
    type Err = DigestError;
    fn from_str(s: &str) -> Result<Digest, DigestError> {
        Digest::parse(s)
    }
}

impl AsRef<str> for Digest {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl PartialEq<str> for Digest {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for Digest {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

/// A lenient view of an image manifest or index: every field optional, unknown ones ignored.
#[derive(Debug, Default, Clone, PartialEq, Eq, Deserialize)]
pub struct Manifest {
    #[serde(rename = "mediaType", default)]
    pub media_type: Option<String>,
    #[serde(rename = "artifactType", default)]
    pub artifact_type: Option<String>,
    #[serde(default)]
    pub config: Option<Descriptor>,
    #[serde(default)]
    pub layers: Vec<Descriptor>,
    #[serde(default)]
    pub manifests: Vec<Descriptor>,
    #[serde(default)]
    pub subject: Option<Descriptor>,
}

impl Manifest {
    /// Reads a manifest or index (JSON).
    pub fn parse(bytes: &[u8]) -> Result<Manifest, serde_json::Error> {
        serde_json::from_slice(bytes)
    }

    /// Whether this is an image index (OCI or Docker manifest list).
    pub fn is_index(&self) -> bool {
        match self.media_type.as_deref() {
            Some(OCI_IMAGE_INDEX_MEDIA_TYPE | IMAGE_MANIFEST_LIST_MEDIA_TYPE) => true,
            Some(_) => false,
            None => !self.manifests.is_empty() && self.layers.is_empty(),
        }
    }

    /// The artifact type: `artifactType`, else the config's media type (OCI 1.1 rule).
    pub fn kind(&self) -> String {
        self.artifact_type
            .clone()
            .or_else(|| self.config.as_ref().map(|c| c.media_type.clone()))
            .unwrap_or_default()
    }
}

/// A content descriptor (manifest layer, index entry, config, subject).
#[derive(Debug, Default, Clone, PartialEq, Eq, Deserialize)]
pub struct Descriptor {
    #[serde(rename = "mediaType", default)]
    pub media_type: String,
    #[serde(default)]
    pub digest: String,
    #[serde(default)]
    pub size: i64,
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    #[serde(rename = "artifactType", default)]
    pub artifact_type: Option<String>,
    #[serde(default)]
    pub platform: Option<Platform>,
}

/// The platform of an index entry.
#[derive(Debug, Default, Clone, PartialEq, Eq, Deserialize)]
pub struct Platform {
    #[serde(default)]
    pub os: String,
    #[serde(default)]
    pub architecture: String,
    #[serde(default)]
    pub variant: Option<String>,
}

impl Descriptor {
    /// The descriptor's digest, when it is a well-formed sha256 digest.
    pub fn sha256(&self) -> Result<Digest, DigestError> {
        Digest::parse(&self.digest)
    }

    /// BuildKit attestation entries are not platforms.
    pub fn is_attestation(&self) -> bool {
        self.annotations
            .get("vnd.docker.reference.type")
            .is_some_and(|t| t == "attestation-manifest")
            || self
                .platform
                .as_ref()
                .is_some_and(|p| p.os == "unknown" && p.architecture == "unknown")
    }

    /// `linux/arm64/v8`, `linux/amd64`, or `unspecified`.
    pub fn platform_label(&self) -> String {
        match &self.platform {
            Some(p) => match p.variant.as_deref().filter(|v| !v.is_empty()) {
                Some(v) => format!(
                    "{}/{}/{}",
                    clip(&p.os, 80),
                    clip(&p.architecture, 80),
                    clip(v, 80)
                ),
                None => format!("{}/{}", clip(&p.os, 80), clip(&p.architecture, 80)),
            },
            None => "unspecified".into(),
        }
    }
}

/// Printable, bounded text from outside data: control characters become `?`, and text longer
/// than `max` characters is cut and ends with `…`.
pub(crate) fn clip(s: &str, max: usize) -> String {
    let mut out: String = s
        .chars()
        .take(max)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    if s.chars().count() > max {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEX: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn digest_round_trips_and_builds_every_tag_form() {
        let s = format!("sha256:{HEX}");
        let d = Digest::parse(&s).expect("digest");
        assert_eq!(d.to_string(), s);
        assert_eq!(d.as_str().parse::<Digest>(), Ok(d.clone()));
        assert_eq!(d.hex(), HEX);
        assert_eq!(d.short(), "sha256:0123456789ab…");
        assert_eq!(d.referrers_tag(), format!("sha256-{HEX}"));
        assert_eq!(d.signature_tag(), format!("sha256-{HEX}.sig"));
        assert_eq!(d.attestation_tag(), format!("sha256-{HEX}.att"));
        assert_eq!(d.short_tag(".sig"), "sha256-0123456789ab….sig");
        assert_eq!(Digest::of(b""), sha256_digest(b"").as_str());
        assert_eq!(
            sha256_digest(b""),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn malformed_digests_are_refused_with_a_sentence() {
        for bad in [
            "sha256:../../x".to_string(),
            format!("sha256:{}", HEX.to_uppercase()),
            format!("sha256:{}", &HEX[..63]),
            format!("sha256:{HEX}0"),
            format!("sha256-{HEX}"),
            String::new(),
        ] {
            let e = Digest::parse(&bad).expect_err(&bad);
            assert!(matches!(e, DigestError::Malformed(_)), "{bad}: {e:?}");
            assert!(e.to_string().contains("64 lowercase hex"), "{e}");
            assert!(!is_sha256_digest(&bad));
        }
        assert!(matches!(
            Digest::parse(&format!("sha512:{HEX}{HEX}")),
            Err(DigestError::Algorithm(_))
        ));
        // Control characters from a hostile registry are not echoed raw.
        let e = Digest::parse("sha256:\u{1b}[31m").expect_err("control");
        assert!(!e.to_string().contains('\u{1b}'));
    }

    #[test]
    fn attestation_entries_are_not_platforms() {
        let idx = Manifest::parse(
            br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[
            {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:aa","size":1,"platform":{"os":"linux","architecture":"arm64","variant":"v8"}},
            {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:bb","size":1,"platform":{"os":"unknown","architecture":"unknown"},
             "annotations":{"vnd.docker.reference.type":"attestation-manifest"}}]}"#,
        )
        .expect("json");
        assert!(idx.is_index());
        let platforms: Vec<String> = idx
            .manifests
            .iter()
            .filter(|d| !d.is_attestation())
            .map(|d| d.platform_label())
            .collect();
        assert_eq!(platforms, vec!["linux/arm64/v8".to_string()]);
        assert!(idx.manifests[0].sha256().is_err(), "sha256:aa is too short");
    }

    #[test]
    fn an_image_is_not_an_index_and_its_kind_falls_back_to_the_config() {
        let m = Manifest::parse(
            br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"x","digest":"sha256:aa","size":1},"layers":[]}"#,
        )
        .expect("json");
        assert!(!m.is_index());
        assert_eq!(m.kind(), "x");
        // No media type: an index is told by its entries.
        let m = Manifest::parse(br#"{"manifests":[{"digest":"sha256:aa"}]}"#).expect("json");
        assert!(m.is_index());
    }
}
