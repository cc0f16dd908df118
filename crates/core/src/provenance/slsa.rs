//! SLSA provenance v0.2 and v1, mapped to one model.
//!
//! | model | v0.2 | v1 |
//! |---|---|---|
//! | builder | `builder.id` | `runDetails.builder.id` (+`version`) |
//! | build type | `buildType` | `buildDefinition.buildType` |
//! | source | `invocation.configSource.{uri,digest,entryPoint}` | `buildDefinition.externalParameters` (`source`, `configSource`, `workflow`, `repository`) and the matching `resolvedDependencies` entry |
//! | times | `metadata.buildStartedOn/FinishedOn`, `buildInvocationId` | `runDetails.metadata.startedOn/finishedOn/invocationId` |
//! | materials | `materials[{uri,digest}]` | `resolvedDependencies[{uri,digest,name}]` |
//!
//! BuildKit's v0.2 provenance keeps the git source in
//! `metadata["https://mobyproject.org/buildkit@v1#metadata"].vcs`; it is read too.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{clip, MAX_MATERIALS, SLSA_V02, SLSA_V1};

/// Longest string kept from a predicate field.
const MAX_FIELD: usize = 2000;

/// The build facts of a provenance predicate; every field empty for other predicates.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BuildProvenance {
    /// `v0.2` or `v1` for SLSA provenance; `None` for other predicates.
    pub slsa_version: Option<String>,
    pub builder_id: Option<String>,
    pub builder_version: Option<String>,
    pub build_type: Option<String>,
    pub source_uri: Option<String>,
    pub source_revision: Option<String>,
    pub entry_point: Option<String>,
    pub started_on: Option<String>,
    pub finished_on: Option<String>,
    pub invocation_id: Option<String>,
    pub materials: Vec<MaterialRef>,
    /// How many materials were left out past [`MAX_MATERIALS`].
    pub materials_omitted: usize,
}

/// A material (v0.2) or resolved dependency (v1).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MaterialRef {
    pub uri: Option<String>,
    pub name: Option<String>,
    pub digest: BTreeMap<String, String>,
}

/// [`s`] of the first of `ptrs` that holds a string.
fn first(v: &Value, ptrs: &[&str]) -> Option<String> {
    ptrs.iter().find_map(|ptr| s(v, ptr))
}

fn s(v: &Value, ptr: &str) -> Option<String> {
    match v.pointer(ptr)? {
        Value::String(t) if !t.trim().is_empty() => Some(clip(t.trim(), MAX_FIELD)),
        _ => None,
    }
}

fn digest_map(v: Option<&Value>) -> BTreeMap<String, String> {
    v.and_then(Value::as_object)
        .map(|o| {
            o.iter()
                .take(16)
                .filter_map(|(k, v)| v.as_str().map(|t| (clip(k, 40), clip(t, 200))))
                .collect()
        })
        .unwrap_or_default()
}

/// A commit from a digest map (`gitCommit`, `sha1`, then `sha256`).
fn revision(d: &BTreeMap<String, String>) -> Option<String> {
    ["gitCommit", "sha1", "sha256"]
        .iter()
        .find_map(|k| d.get(*k).cloned())
}

fn materials(list: Option<&Value>) -> (Vec<MaterialRef>, usize) {
    let Some(items) = list.and_then(Value::as_array) else {
        return (Vec::new(), 0);
    };
    let kept = items
        .iter()
        .take(MAX_MATERIALS)
        .map(|m| MaterialRef {
            uri: s(m, "/uri"),
            name: s(m, "/name"),
            digest: digest_map(m.get("digest")),
        })
        .collect();
    (kept, items.len().saturating_sub(MAX_MATERIALS))
}

/// `git+https://host/repo.git@refs/heads/main` → `https://host/repo`, for matching.
fn repo_key(uri: &str) -> String {
    let u = uri.trim().trim_start_matches("git+");
    let u = match u.find("://") {
        Some(i) => {
            let (scheme, rest) = u.split_at(i + 3);
            format!("{scheme}{}", rest.split('@').next().unwrap_or(rest))
        }
        None => u.split('@').next().unwrap_or(u).to_string(),
    };
    let u = u.split('#').next().unwrap_or(&u).to_string();
    u.trim_end_matches('/')
        .trim_end_matches(".git")
        .to_ascii_lowercase()
}

/// The revision the materials record for `source`, if one matches.
fn revision_from_materials(source: &str, mats: &[MaterialRef]) -> Option<String> {
    let key = repo_key(source);
    mats.iter()
        .filter(|m| m.uri.as_deref().is_some_and(|u| repo_key(u) == key))
        .find_map(|m| revision(&m.digest))
}

/// Maps a predicate to the model; predicates other than SLSA provenance map to the empty model.
pub fn from_predicate(predicate_type: &str, p: &Value) -> BuildProvenance {
    match predicate_type {
        SLSA_V02 => v02(p),
        SLSA_V1 => v1(p),
        _ => BuildProvenance::default(),
    }
}

fn v02(p: &Value) -> BuildProvenance {
    let (mats, omitted) = materials(p.get("materials"));
    let cs_digest = digest_map(p.pointer("/invocation/configSource/digest"));
    let moby = p.pointer("/metadata/https:~1~1mobyproject.org~1buildkit@v1#metadata/vcs");
    let mut source_uri =
        s(p, "/invocation/configSource/uri").or_else(|| moby.and_then(|m| s(m, "/source")));
    let mut source_revision = revision(&cs_digest).or_else(|| moby.and_then(|m| s(m, "/revision")));
    if source_uri.is_none() {
        // The first git material is the source.
        if let Some(m) = mats
            .iter()
            .find(|m| m.uri.as_deref().is_some_and(|u| u.starts_with("git+")))
        {
            source_uri = m.uri.clone();
            if source_revision.is_none() {
                source_revision = revision(&m.digest);
            }
        }
    }
    if source_revision.is_none() {
        source_revision = source_uri
            .as_deref()
            .and_then(|u| revision_from_materials(u, &mats));
    }
    BuildProvenance {
        slsa_version: Some("v0.2".into()),
        builder_id: s(p, "/builder/id"),
        builder_version: None,
        build_type: s(p, "/buildType"),
        source_uri,
        source_revision,
        entry_point: s(p, "/invocation/configSource/entryPoint"),
        started_on: s(p, "/metadata/buildStartedOn"),
        finished_on: s(p, "/metadata/buildFinishedOn"),
        // The spec says `buildInvocationId`; in-toto-golang (cosign) writes `buildInvocationID`.
        invocation_id: first(
            p,
            &["/metadata/buildInvocationId", "/metadata/buildInvocationID"],
        ),
        materials: mats,
        materials_omitted: omitted,
    }
}

fn v1(p: &Value) -> BuildProvenance {
    let (mats, omitted) = materials(p.pointer("/buildDefinition/resolvedDependencies"));
    let ext = p
        .pointer("/buildDefinition/externalParameters")
        .cloned()
        .unwrap_or(Value::Null);
    let source_uri = first(
        &ext,
        &[
            "/source",
            "/source/uri",
            "/configSource/uri",
            "/workflow/repository",
            "/repository",
        ],
    )
    .or_else(|| {
        mats.iter()
            .find(|m| m.uri.as_deref().is_some_and(|u| u.starts_with("git+")))
            .and_then(|m| m.uri.clone())
    });
    let source_revision = revision(&digest_map(ext.pointer("/configSource/digest")))
        .or_else(|| revision(&digest_map(ext.pointer("/source/digest"))))
        .or_else(|| s(&ext, "/revision"))
        .or_else(|| {
            source_uri
                .as_deref()
                .and_then(|u| revision_from_materials(u, &mats))
        });
    let builder_version = p
        .pointer("/runDetails/builder/version")
        .and_then(Value::as_object)
        .map(|o| {
            o.iter()
                .take(8)
                .map(|(k, v)| format!("{}={}", clip(k, 60), clip(v.as_str().unwrap_or("?"), 120)))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .filter(|t| !t.is_empty())
        .or_else(|| s(p, "/runDetails/builder/version"));
    BuildProvenance {
        slsa_version: Some("v1".into()),
        builder_id: s(p, "/runDetails/builder/id"),
        builder_version,
        build_type: s(p, "/buildDefinition/buildType"),
        source_uri,
        source_revision,
        entry_point: first(
            &ext,
            &[
                "/configSource/path",
                "/workflow/path",
                "/entryPoint",
                "/path",
            ],
        ),
        started_on: s(p, "/runDetails/metadata/startedOn"),
        finished_on: s(p, "/runDetails/metadata/finishedOn"),
        // The spec says `invocationId`; in-toto-golang (cosign) writes `invocationID`.
        invocation_id: first(
            p,
            &[
                "/runDetails/metadata/invocationId",
                "/runDetails/metadata/invocationID",
            ],
        ),
        materials: mats,
        materials_omitted: omitted,
    }
}
