//! The provenance graph: nodes and edges, trust marks already decided, for the app to render.
//!
//! image → digest → signatures → keys → publishers; digest (or platform) → attestations →
//! builder → source repository@revision → materials. Node ids are stable strings
//! (`digest:sha256:…`, `key:sha256:…`, `builder:<id>`), so a node shared by several paths
//! (one key signing the image and an attestation) appears once.

use serde::{Deserialize, Serialize};

use super::{clip, Attestation, ImageMetadata, Origin};
use crate::verify::{Status, Verdict};

/// Most materials drawn per attestation (the attestation lists all of them).
const MAX_GRAPH_MATERIALS: usize = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum NodeKind {
    Image,
    Digest,
    Platform,
    Signature,
    Key,
    Publisher,
    Attestation,
    Builder,
    Source,
    Material,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum EdgeKind {
    /// image → digest
    ResolvesTo,
    /// index digest → platform manifest
    Contains,
    /// digest → signature
    SignedBy,
    /// signature or attestation → key
    VerifiedWith,
    /// key → publisher
    BelongsTo,
    /// digest or platform → attestation
    AttestedBy,
    /// attestation → builder
    BuiltBy,
    /// builder (or attestation) → source
    BuiltFrom,
    /// source (or builder, attestation) → material
    DependsOn,
}

/// How the app should colour a node (decided here, never in the UI).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Mark {
    Verified,
    Unverified,
    Unsigned,
    /// A claim carried by verified content (a builder named by a verified attestation).
    Attested,
    /// A claim carried by unverified content.
    Claimed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "GraphNode"))]
pub struct Node {
    pub id: String,
    pub kind: NodeKind,
    pub label: String,
    pub mark: Option<Mark>,
    /// One line of detail (reason, revision, digest).
    pub detail: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "GraphEdge"))]
pub struct Edge {
    pub from: String,
    pub to: String,
    pub kind: EdgeKind,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ProvenanceGraph {
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
}

impl ProvenanceGraph {
    fn node(
        &mut self,
        id: String,
        kind: NodeKind,
        label: String,
        mark: Option<Mark>,
        detail: Option<String>,
    ) -> String {
        match self.nodes.iter_mut().find(|n| n.id == id) {
            Some(n) => {
                // A claim made by verified content outranks the same claim made by unverified.
                if n.mark == Some(Mark::Claimed) && mark == Some(Mark::Attested) {
                    n.mark = mark;
                }
            }
            None => self.nodes.push(Node {
                id: id.clone(),
                kind,
                label,
                mark,
                detail,
            }),
        }
        id
    }

    fn edge(&mut self, from: &str, to: &str, kind: EdgeKind) {
        if !self
            .edges
            .iter()
            .any(|e| e.from == from && e.to == to && e.kind == kind)
        {
            self.edges.push(Edge {
                from: from.to_string(),
                to: to.to_string(),
                kind,
            });
        }
    }

    pub fn node_by_id(&self, id: &str) -> Option<&Node> {
        self.nodes.iter().find(|n| n.id == id)
    }

    /// Builds the graph from what `inspect` found.
    pub fn build(
        verdict: &Verdict,
        metadata: Option<&ImageMetadata>,
        attestations: &[Attestation],
    ) -> ProvenanceGraph {
        let mut g = ProvenanceGraph::default();
        let image = g.node(
            "image".into(),
            NodeKind::Image,
            clip(&verdict.reference, 300),
            None,
            verdict.repository.clone(),
        );
        let Some(digest) = verdict.digest.as_deref() else {
            return g;
        };
        let digest_mark = match verdict.status {
            Status::Verified => Mark::Verified,
            Status::Unsigned => Mark::Unsigned,
            _ => Mark::Unverified,
        };
        let d = g.node(
            format!("digest:{digest}"),
            NodeKind::Digest,
            digest.to_string(),
            Some(digest_mark),
            Some(verdict.reason.clone()),
        );
        g.edge(&image, &d, EdgeKind::ResolvesTo);

        if let Some(m) = metadata.filter(|m| m.is_index) {
            for p in &m.platforms {
                let pv = verdict.platforms.iter().find(|v| v.digest == p.digest);
                let mark = pv.map(|v| match v.status {
                    Status::Verified => Mark::Verified,
                    Status::Unsigned => Mark::Unsigned,
                    _ => Mark::Unverified,
                });
                let id = g.node(
                    format!("digest:{}", p.digest),
                    NodeKind::Platform,
                    p.platform.clone(),
                    mark,
                    Some(p.digest.clone()),
                );
                g.edge(&d, &id, EdgeKind::Contains);
            }
        }

        for (i, s) in verdict.signatures.iter().enumerate() {
            let sig = g.node(
                format!("signature:{i}"),
                NodeKind::Signature,
                format!("signature {}", i + 1),
                Some(if s.valid {
                    Mark::Verified
                } else {
                    Mark::Unverified
                }),
                s.problem.clone(),
            );
            g.edge(&d, &sig, EdgeKind::SignedBy);
            link_key(
                &mut g,
                &sig,
                s.fingerprint.as_deref(),
                s.publisher.as_deref(),
            );
        }

        for (i, a) in attestations.iter().enumerate() {
            let anchor = match &a.origin {
                Origin::Buildkit {
                    for_digest: Some(f),
                    ..
                } if g.node_by_id(&format!("digest:{f}")).is_some() => format!("digest:{f}"),
                _ => d.clone(),
            };
            let mark = if a.verified {
                Mark::Verified
            } else if a.protection == super::Protection::None {
                Mark::Unsigned
            } else {
                Mark::Unverified
            };
            let att = g.node(
                format!("attestation:{i}"),
                NodeKind::Attestation,
                predicate_label(&a.predicate_type),
                Some(mark),
                Some(a.reason.clone()),
            );
            g.edge(&anchor, &att, EdgeKind::AttestedBy);
            if a.protection == super::Protection::Dsse {
                link_key(&mut g, &att, a.signer.as_deref(), a.publisher.as_deref());
            }
            let claim = if a.verified {
                Mark::Attested
            } else {
                Mark::Claimed
            };
            let p = &a.provenance;
            let mut tail = att.clone();
            if let Some(b) = &p.builder_id {
                let id = g.node(
                    format!("builder:{b}"),
                    NodeKind::Builder,
                    b.clone(),
                    Some(claim),
                    p.build_type.clone(),
                );
                g.edge(&tail, &id, EdgeKind::BuiltBy);
                tail = id;
            }
            if let Some(src) = &p.source_uri {
                let label = match &p.source_revision {
                    Some(r) => format!("{src}@{r}"),
                    None => src.clone(),
                };
                let id = g.node(
                    format!("source:{label}"),
                    NodeKind::Source,
                    label,
                    Some(claim),
                    p.entry_point.clone(),
                );
                g.edge(&tail, &id, EdgeKind::BuiltFrom);
                tail = id;
            }
            for m in p.materials.iter().take(MAX_GRAPH_MATERIALS) {
                let what = m
                    .uri
                    .clone()
                    .or_else(|| m.name.clone())
                    .unwrap_or_else(|| "material".into());
                let dig = m.digest.iter().next().map(|(k, v)| format!("{k}:{v}"));
                let id = g.node(
                    format!("material:{what}@{}", dig.clone().unwrap_or_default()),
                    NodeKind::Material,
                    what,
                    Some(claim),
                    dig,
                );
                g.edge(&tail, &id, EdgeKind::DependsOn);
            }
        }
        g
    }
}

fn link_key(
    g: &mut ProvenanceGraph,
    from: &str,
    fingerprint: Option<&str>,
    publisher: Option<&str>,
) {
    let Some(fp) = fingerprint else { return };
    // A keyless signer is a trusted identity, named by its id (`id:` + 12 hex digits).
    let label = match fp.strip_prefix("id:") {
        Some(_) => fp.to_string(),
        None => crate::trust::short_fingerprint(fp),
    };
    let key = g.node(
        format!("key:{fp}"),
        NodeKind::Key,
        label,
        None,
        Some(fp.to_string()),
    );
    g.edge(from, &key, EdgeKind::VerifiedWith);
    if let Some(p) = publisher {
        let pubr = g.node(
            format!("publisher:{p}"),
            NodeKind::Publisher,
            p.to_string(),
            None,
            None,
        );
        g.edge(&key, &pubr, EdgeKind::BelongsTo);
    }
}

/// A readable name for well-known predicate types.
pub fn predicate_label(t: &str) -> String {
    match t {
        super::SLSA_V02 => "SLSA provenance v0.2".into(),
        super::SLSA_V1 => "SLSA provenance v1".into(),
        "https://spdx.dev/Document" => "SPDX SBOM".into(),
        "https://cyclonedx.org/bom" => "CycloneDX SBOM".into(),
        "https://cosign.sigstore.dev/attestation/vuln/v1" => "vulnerability scan".into(),
        "https://cosign.sigstore.dev/attestation/v1" => "custom (cosign)".into(),
        other => clip(other, 200),
    }
}
