//! Finding container image references in what a person drops on the app: a list or any text,
//! a Compose file, Kubernetes manifests or a Dockerfile.
//!
//! Extraction is best effort and never panics: what cannot be used becomes a sentence in
//! [`Extracted::problems`]; only input that cannot be read at all (too large, not UTF-8,
//! YAML that does not parse, a Compose file without services) is an [`ExtractError`].
//! References are checked for shape only (see [`crate::reference`] for real parsing).

mod compose;
mod dockerfile;
pub mod dropped;
mod kubernetes;
mod text;
mod vars;
mod yaml;

#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};

pub use compose::extract_compose;
pub use dockerfile::extract_dockerfile;
pub use dropped::{classify, classify_path, read_key_file, DroppedFile, FileError, KeyFile};
pub use kubernetes::extract_kubernetes;
pub use text::extract_text;

/// Input larger than this is refused by [`extract`].
pub const MAX_INPUT_BYTES: usize = 4 * 1024 * 1024;

/// Which parser read the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum SourceKind {
    Text,
    Compose,
    Kubernetes,
    Dockerfile,
}

/// What was found in one input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Extracted {
    pub kind: SourceKind,
    pub references: Vec<FoundRef>,
    /// One sentence each: things that were skipped or could not be resolved.
    pub problems: Vec<String>,
}

/// One image reference and where it was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FoundRef {
    pub reference: String,
    /// where it came from, e.g. `services.web.image`, `Deployment/api: containers[0] (app)`,
    /// `line 3: FROM (stage build)`
    pub origin: String,
    /// for Dockerfile FROM --platform=...
    pub platform: Option<String>,
}

/// Why the input could not be read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ExtractError {
    #[error(
        "the file is {size} bytes, larger than the {limit}-byte limit (4 MiB); drop a smaller file"
    )]
    TooLarge { size: usize, limit: usize },
    #[error("the file is not UTF-8 text (invalid byte at offset {offset})")]
    NotUtf8 { offset: usize },
    #[error("malformed YAML{}: {message}", yaml::at(*.line, *.column))]
    MalformedYaml {
        /// 1-based, when the YAML parser reports it.
        line: Option<usize>,
        /// 1-based, when the YAML parser reports it.
        column: Option<usize>,
        message: String,
    },
    #[error("this is not a Compose file: {0}")]
    NotCompose(&'static str),
}

/// Chooses the parser from the file name (compose.yaml / compose.yml / docker-compose.yml /
/// docker-compose.*.yml → Compose; *.yaml/*.yml otherwise → Kubernetes, falling back to Compose
/// if it has top-level `services`; Dockerfile, *.Dockerfile, Dockerfile.*, Containerfile →
/// Dockerfile; anything else → Text) and, with no name, sniffs the content.
pub fn extract(file_name: Option<&str>, content: &[u8]) -> Result<Extracted, ExtractError> {
    if content.len() > MAX_INPUT_BYTES {
        return Err(ExtractError::TooLarge {
            size: content.len(),
            limit: MAX_INPUT_BYTES,
        });
    }
    let text = std::str::from_utf8(content).map_err(|e| ExtractError::NotUtf8 {
        offset: e.valid_up_to(),
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    match file_name.map(str::trim).filter(|n| !n.is_empty()) {
        Some(name) => match kind_from_name(name) {
            NameKind::Compose => extract_compose(text),
            NameKind::Yaml if has_top_level_services(text) => extract_compose(text),
            NameKind::Yaml => extract_kubernetes(text),
            NameKind::Dockerfile => Ok(extract_dockerfile(text)),
            NameKind::Other => Ok(extract_text(text)),
        },
        None => Ok(sniff(text)),
    }
}

enum NameKind {
    Compose,
    Yaml,
    Dockerfile,
    Other,
}

fn kind_from_name(name: &str) -> NameKind {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let base = base.to_ascii_lowercase();
    let yaml_stem = base
        .strip_suffix(".yaml")
        .or_else(|| base.strip_suffix(".yml"));
    if let Some(stem) = yaml_stem {
        let compose = stem == "compose"
            || stem == "docker-compose"
            || stem.starts_with("compose.")
            || stem.starts_with("docker-compose.");
        return if compose {
            NameKind::Compose
        } else {
            NameKind::Yaml
        };
    }
    let dockerfile = ["dockerfile", "containerfile"].iter().any(|d| {
        base == *d
            || base.strip_prefix(d).is_some_and(|r| r.starts_with('.'))
            || base.strip_suffix(d).is_some_and(|r| r.ends_with('.'))
    });
    if dockerfile {
        NameKind::Dockerfile
    } else {
        NameKind::Other
    }
}

/// A line `services:` at column 0: the mark of a Compose file (no Kubernetes object has it).
fn has_top_level_services(text: &str) -> bool {
    text.lines().any(|l| {
        l.strip_prefix("services:")
            .is_some_and(|rest| rest.trim().is_empty() || rest.trim_start().starts_with('#'))
    })
}

/// Guesses the kind of unnamed content. YAML that fails to parse is read as text instead,
/// with a problem saying so, since the guess may be wrong.
fn sniff(text: &str) -> Extracted {
    let fenced = text.lines().any(|l| l.trim_start().starts_with("```"));
    if !fenced && has_top_level_services(text) {
        return extract_compose(text).unwrap_or_else(|e| text_after_failure(text, "Compose", &e));
    }
    let kube = text.lines().any(|l| {
        let l = l.strip_prefix("- ").unwrap_or(l);
        l.starts_with("apiVersion:") || l.starts_with("kind:")
    });
    if !fenced && kube {
        return extract_kubernetes(text)
            .unwrap_or_else(|e| text_after_failure(text, "Kubernetes", &e));
    }
    if dockerfile::looks_like_dockerfile(text) {
        return extract_dockerfile(text);
    }
    extract_text(text)
}

fn text_after_failure(text: &str, what: &str, e: &ExtractError) -> Extracted {
    let mut out = extract_text(text);
    out.problems.insert(
        0,
        format!(
            "this looked like {what} YAML but could not be read ({e}); it was read as plain text"
        ),
    );
    out
}

/// Loose shape check of an image reference: optional `host[:port]/`, lower-case path
/// components, optional `:tag`, optional `@sha256:` and 64 hex digits.
fn is_reference(s: &str) -> bool {
    split_reference(s).is_some()
}

/// The repository path (without host, tag or digest) of a reference of valid shape.
fn split_reference(s: &str) -> Option<&str> {
    if s.is_empty() || s.len() > 512 || !s.is_ascii() {
        return None;
    }
    let (name_tag, digest) = match s.split_once('@') {
        Some((n, d)) => (n, Some(d)),
        None => (s, None),
    };
    if let Some(d) = digest {
        let hex = d.strip_prefix("sha256:")?;
        let ok = hex.len() == 64 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        if !ok {
            return None;
        }
    }
    let last_slash = name_tag.rfind('/');
    let (name, tag) = match name_tag.rfind(':') {
        Some(i) if last_slash.is_none_or(|j| i > j) => (&name_tag[..i], Some(&name_tag[i + 1..])),
        _ => (name_tag, None),
    };
    if let Some(tag) = tag {
        let ok = tag.len() <= 128
            && tag
                .bytes()
                .next()
                .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_')
            && tag
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'));
        if !ok {
            return None;
        }
    }
    let path = match name.split_once('/') {
        Some((first, rest)) if first.contains(['.', ':']) || first == "localhost" => {
            if !is_host(first) {
                return None;
            }
            rest
        }
        _ => name,
    };
    if path.len() > 255 || !path.split('/').all(is_path_component) {
        return None;
    }
    Some(path)
}

fn is_host(s: &str) -> bool {
    let (host, port) = match s.split_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (s, None),
    };
    let port_ok =
        port.is_none_or(|p| (1..=5).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()));
    port_ok
        && host.split('.').all(|label| {
            !label.is_empty()
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'-'))
        })
}

/// `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*`
fn is_path_component(s: &str) -> bool {
    let alnum = |b: u8| matches!(b, b'a'..=b'z' | b'0'..=b'9');
    let bytes = s.as_bytes();
    let (Some(&first), Some(&last)) = (bytes.first(), bytes.last()) else {
        return false;
    };
    if !alnum(first) || !alnum(last) {
        return false;
    }
    bytes
        .split(|&b| alnum(b))
        .filter(|sep| !sep.is_empty())
        .all(|sep| matches!(sep, b"." | b"_" | b"__") || sep.iter().all(|&b| b == b'-'))
}

/// Builds the "`x` is not a valid image reference" sentence, shortening very long values.
fn not_a_reference(origin: &str, value: &str) -> String {
    let shown: String = value.chars().take(120).collect();
    let ellipsis = if shown.len() < value.len() { "…" } else { "" };
    format!("{origin}: `{shown}{ellipsis}` is not a valid image reference")
}
