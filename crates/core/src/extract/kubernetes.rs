//! Kubernetes manifests: the containers of workload objects, across `---` documents and
//! `List` items.

use serde_yaml_ng::Value;

use super::yaml::{self, get, get_str};
use super::{is_reference, not_a_reference, ExtractError, Extracted, FoundRef, SourceKind};

const CONTAINER_FIELDS: [&str; 3] = ["initContainers", "containers", "ephemeralContainers"];

/// Reads container images from Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet,
/// ReplicationController, Job, CronJob and PodTemplate objects, in any number of `---`
/// documents and in `List` items. A malformed document becomes a problem and the others are
/// still read; if no document parses at all, that is an error.
pub fn extract_kubernetes(yaml: &str) -> Result<Extracted, ExtractError> {
    let mut out = Extracted {
        kind: SourceKind::Kubernetes,
        references: Vec::new(),
        problems: Vec::new(),
    };
    let docs = yaml::split_documents(yaml);
    let mut first_error = None;
    let mut parsed = 0;
    let mut workloads = 0;
    for doc in &docs {
        match yaml::parse(&doc.text, doc.first_line) {
            Ok(value) => {
                parsed += 1;
                workloads += object(&value, None, &mut out, 0);
            }
            Err(e) => {
                out.problems.push(format!(
                    "document {} (from line {}) was skipped: {e}",
                    doc.index, doc.first_line
                ));
                first_error.get_or_insert(e);
            }
        }
    }
    if parsed == 0 {
        if let Some(e) = first_error {
            return Err(e);
        }
    }
    if workloads == 0 && first_error.is_none() {
        out.problems.push(
            "no workloads found (Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob)"
                .to_owned(),
        );
    }
    Ok(out)
}

/// Reads one object (recursing into lists); returns how many workloads it held.
fn object(value: &Value, default_kind: Option<&str>, out: &mut Extracted, depth: usize) -> usize {
    let Some(kind) = get_str(value, "kind").or(default_kind) else {
        return 0;
    };
    if kind == "List" || kind.ends_with("List") {
        let item_kind = kind.strip_suffix("List").filter(|k| !k.is_empty());
        let Some(Value::Sequence(items)) = get(value, "items") else {
            return 0;
        };
        if depth > 8 {
            return 0;
        }
        return items
            .iter()
            .map(|item| object(item, item_kind, out, depth + 1))
            .sum();
    }
    let spec = get(value, "spec");
    let pod_spec = match kind {
        "Pod" => spec,
        "Deployment"
        | "StatefulSet"
        | "DaemonSet"
        | "ReplicaSet"
        | "ReplicationController"
        | "Job" => spec
            .and_then(|s| get(s, "template"))
            .and_then(|t| get(t, "spec")),
        "CronJob" => spec
            .and_then(|s| get(s, "jobTemplate"))
            .and_then(|j| get(j, "spec"))
            .and_then(|s| get(s, "template"))
            .and_then(|t| get(t, "spec")),
        "PodTemplate" => get(value, "template").and_then(|t| get(t, "spec")),
        _ => return 0,
    };
    let name = get(value, "metadata")
        .and_then(|m| get(m, "name"))
        .and_then(yaml::scalar_text)
        .unwrap_or_else(|| "(unnamed)".to_owned());
    let object_name = format!("{kind}/{name}");
    let Some(pod_spec) = pod_spec else {
        out.problems.push(format!(
            "{object_name} has no pod template; nothing to check there"
        ));
        return 1;
    };
    for field in CONTAINER_FIELDS {
        let Some(list) = get(pod_spec, field) else {
            continue;
        };
        let Value::Sequence(containers) = list else {
            if !list.is_null() {
                out.problems
                    .push(format!("{object_name}: {field} is not a list"));
            }
            continue;
        };
        for (i, container) in containers.iter().enumerate() {
            container_image(&object_name, field, i, container, out);
        }
    }
    1
}

fn container_image(
    object_name: &str,
    field: &str,
    i: usize,
    container: &Value,
    out: &mut Extracted,
) {
    let mut origin = format!("{object_name}: {field}[{i}]");
    if let Some(name) = get(container, "name").and_then(yaml::scalar_text) {
        origin.push_str(&format!(" ({name})"));
    }
    match get(container, "image").and_then(yaml::scalar_text) {
        Some(image) => {
            let image = image.trim();
            if is_reference(image) {
                out.references.push(FoundRef {
                    reference: image.to_owned(),
                    origin,
                    platform: None,
                });
            } else {
                out.problems.push(not_a_reference(&origin, image));
            }
        }
        None => out.problems.push(format!("{origin} has no image")),
    }
}
