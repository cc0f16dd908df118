//! What an image says about itself: OCI labels and annotations, created time, platforms,
//! layers, size and history. Pure parsing of a manifest (or index) and config blob; unsigned
//! claims, shown as such.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::clip;

/// The `org.opencontainers.image.*` keys worth showing.
pub const OCI_KEYS: &[&str] = &[
    "source",
    "revision",
    "version",
    "created",
    "licenses",
    "vendor",
    "title",
    "description",
    "url",
    "documentation",
    "authors",
    "base.name",
    "base.digest",
];

const OCI_PREFIX: &str = "org.opencontainers.image.";
const MAX_LABELS: usize = 64;

/// Metadata for an image or index.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ImageMetadata {
    pub media_type: Option<String>,
    pub is_index: bool,
    /// `org.opencontainers.image.*` without the prefix (`source`, `revision`, …), from the
    /// config labels and the manifest annotations (annotations win).
    pub oci: BTreeMap<String, String>,
    /// Every config label (bounded).
    pub labels: BTreeMap<String, String>,
    /// Every manifest or index annotation (bounded).
    pub annotations: BTreeMap<String, String>,
    /// The config's `created` (for an index: the first platform's).
    pub created: Option<String>,
    pub platforms: Vec<PlatformInfo>,
    /// For a single image; for an index see each platform.
    pub layer_count: Option<usize>,
    /// Sum of the layer sizes (compressed, as the manifest lists them).
    pub total_size: Option<u64>,
    pub history_length: Option<usize>,
    /// BuildKit attestation manifests in the index (not platforms).
    pub attestation_manifests: usize,
    /// What could not be read.
    pub problems: Vec<String>,
}

/// One platform of an image (or the image itself).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PlatformInfo {
    pub platform: String,
    pub digest: String,
    pub layer_count: Option<usize>,
    pub total_size: Option<u64>,
    pub history_length: Option<usize>,
    pub created: Option<String>,
}

fn string_map(v: Option<&Value>) -> BTreeMap<String, String> {
    v.and_then(Value::as_object)
        .map(|o| {
            o.iter()
                .take(MAX_LABELS)
                .filter_map(|(k, v)| v.as_str().map(|t| (clip(k, 200), clip(t, 1000))))
                .collect()
        })
        .unwrap_or_default()
}

fn oci_of(map: &BTreeMap<String, String>, into: &mut BTreeMap<String, String>) {
    for (k, v) in map {
        if let Some(short) = k.strip_prefix(OCI_PREFIX) {
            if OCI_KEYS.contains(&short) {
                into.insert(short.to_string(), v.clone());
            }
        }
    }
}

/// What one image manifest and its config say.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImageFacts {
    pub platform: Option<String>,
    pub layer_count: Option<usize>,
    pub total_size: Option<u64>,
    pub history_length: Option<usize>,
    pub created: Option<String>,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
}

/// Reads an image manifest (JSON) and its config blob (JSON, if fetched).
pub fn image_facts(manifest: &Value, config: Option<&Value>) -> ImageFacts {
    let layers = manifest.get("layers").and_then(Value::as_array);
    let layer_count = layers.map(Vec::len);
    let total_size = layers.map(|ls| {
        ls.iter()
            .filter_map(|l| l.get("size").and_then(Value::as_u64))
            .fold(0u64, u64::saturating_add)
    });
    let mut f = ImageFacts {
        layer_count,
        total_size,
        annotations: string_map(manifest.get("annotations")),
        ..ImageFacts::default()
    };
    if let Some(c) = config {
        let os = c.get("os").and_then(Value::as_str).unwrap_or("");
        let arch = c.get("architecture").and_then(Value::as_str).unwrap_or("");
        if !os.is_empty() || !arch.is_empty() {
            f.platform = Some(match c.get("variant").and_then(Value::as_str) {
                Some(v) if !v.is_empty() => {
                    format!("{}/{}/{}", clip(os, 40), clip(arch, 40), clip(v, 40))
                }
                _ => format!("{}/{}", clip(os, 40), clip(arch, 40)),
            });
        }
        f.created = c
            .get("created")
            .and_then(Value::as_str)
            .map(|t| clip(t, 100));
        f.history_length = c.get("history").and_then(Value::as_array).map(Vec::len);
        f.labels = string_map(c.pointer("/config/Labels"));
    }
    f
}

impl ImageMetadata {
    /// Metadata of a single image from its facts.
    pub fn for_image(media_type: Option<String>, digest: &str, f: ImageFacts) -> ImageMetadata {
        let mut oci = BTreeMap::new();
        oci_of(&f.labels, &mut oci);
        oci_of(&f.annotations, &mut oci);
        let platforms = f
            .platform
            .clone()
            .map(|p| {
                vec![PlatformInfo {
                    platform: p,
                    digest: digest.to_string(),
                    layer_count: f.layer_count,
                    total_size: f.total_size,
                    history_length: f.history_length,
                    created: f.created.clone(),
                }]
            })
            .unwrap_or_default();
        ImageMetadata {
            media_type,
            is_index: false,
            oci,
            labels: f.labels,
            annotations: f.annotations,
            created: f.created,
            platforms,
            layer_count: f.layer_count,
            total_size: f.total_size,
            history_length: f.history_length,
            attestation_manifests: 0,
            problems: Vec::new(),
        }
    }

    /// Metadata of an index from its annotations and its platforms' facts (label, digest, facts).
    pub fn for_index(
        media_type: Option<String>,
        index: &Value,
        platforms: Vec<(String, String, Option<ImageFacts>)>,
        attestation_manifests: usize,
    ) -> ImageMetadata {
        let annotations = string_map(index.get("annotations"));
        let mut oci = BTreeMap::new();
        let mut labels = BTreeMap::new();
        let mut created = None;
        // Labels from the first platform that has a config (they are usually identical).
        if let Some(f) = platforms.iter().find_map(|(_, _, f)| f.as_ref()) {
            oci_of(&f.labels, &mut oci);
            labels = f.labels.clone();
            created = f.created.clone();
        }
        oci_of(&annotations, &mut oci);
        let platforms = platforms
            .into_iter()
            .map(|(label, digest, f)| {
                let f = f.unwrap_or_default();
                PlatformInfo {
                    platform: label,
                    digest,
                    layer_count: f.layer_count,
                    total_size: f.total_size,
                    history_length: f.history_length,
                    created: f.created,
                }
            })
            .collect();
        ImageMetadata {
            media_type,
            is_index: true,
            oci,
            labels,
            annotations,
            created,
            platforms,
            layer_count: None,
            total_size: None,
            history_length: None,
            attestation_manifests,
            problems: Vec::new(),
        }
    }
}
