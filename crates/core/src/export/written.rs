//! What a Kyverno policy must match for a namespace: every way a pod can *write* an image whose
//! repository, as docker normalises it, lies in the namespace.
//!
//! An `ImageValidatingPolicy` matches `matchImageReferences` against the image exactly as the
//! pod writes it: `nginx`, `library/nginx`, `docker.io/nginx:1` and
//! `index.docker.io/library/nginx@sha256:…` are all `docker.io/library/nginx` to docker and to
//! Vouch, but a glob `docker.io/library/*` matches only the last two. An image no policy's
//! references match is not checked at all, so a glob that misses a spelling lets that spelling
//! through. Docker Hub namespaces are therefore matched by a CEL expression whose RE2 regular
//! expression spells out every form docker reads as a repository of the namespace (and no
//! other); other registries need no more than globs (a pod must write their host), plus the
//! bare repository name of an exact namespace (no tag: `:latest`).
//!
//! A registry host written with upper case (`GHCR.IO/acme/app`) is a valid reference to the
//! container runtime (the host part may have upper case) but not to Vouch, which refuses it;
//! no namespace matches it, and [`UPPERCASE_HOST`] is what the export refuses it by.
//!
//! The legacy `ClusterPolicy` matches the image as Kyverno normalises it instead
//! (`docker.io/library/nginx:latest`; `index.docker.io/…` kept as written): its globs are
//! [`legacy_globs`].

use serde_json::{json, Value};

use super::regions::Namespace;

/// One entry of an `ImageValidatingPolicy`'s `matchImageReferences`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Match {
    /// A Kyverno glob (`*` matches any run of characters, `/` included).
    Glob(String),
    /// `ref` matches the RE2 regular expression `regex` and does not start with `unless`.
    Regex {
        regex: String,
        unless: Option<&'static str>,
    },
    /// Nothing: the namespace names no repository docker can produce.
    Nothing,
}

impl Match {
    /// The entry as written in the policy.
    pub(crate) fn json(&self) -> Value {
        match self {
            Match::Glob(g) => json!({"glob": g}),
            other => json!({"expression": other.cel()}),
        }
    }

    /// The same test as a CEL expression over `ref`.
    pub(crate) fn cel(&self) -> String {
        match self {
            Match::Glob(g) => format!("ref.matches({})", cel_string(&glob_regex(g))),
            Match::Regex { regex, unless } => {
                let m = format!("ref.matches({})", cel_string(regex));
                match unless {
                    Some(u) => format!("{m} && !ref.startsWith({})", cel_string(u)),
                    None => m,
                }
            }
            Match::Nothing => "false".to_string(),
        }
    }

    /// The CEL expression true where this entry does not match.
    pub(crate) fn negated(&self) -> String {
        match self {
            Match::Glob(_) | Match::Regex { unless: None, .. } => format!("!{}", self.cel()),
            Match::Regex { .. } => format!("!({})", self.cel()),
            Match::Nothing => "true".to_string(),
        }
    }
}

/// A CEL string literal (a JSON string is one).
fn cel_string(s: &str) -> String {
    Value::String(s.to_string()).to_string()
}

/// RE2 matching a reference whose registry host has upper case: the first component, before a
/// `/`, with an upper-case letter (docker reads such a component as a host, never as a path).
pub(crate) const UPPERCASE_HOST: &str = "^[^/]*[A-Z][^/]*/";

/// Docker Hub as a pod may name it before the path.
const HUB_PREFIX: &str = r"(?:(?:docker\.io|index\.docker\.io)/)";
/// A tag, a digest, both or neither, after a repository name (neither contains `/`).
const SUFFIX: &str = r"(?:[:@][^/]*)?";

/// Docker's rule: a first component with a `.` or a `:`, or `localhost`, is a registry host.
fn is_host(first: &str) -> bool {
    first.contains(['.', ':']) || first == "localhost"
}

/// RE2 for the characters of `s` (repository names: letters, digits, `._-/:`).
fn escape(s: &str) -> String {
    let mut re = String::new();
    for c in s.chars() {
        if !(c.is_ascii_alphanumeric() || "/-_:@".contains(c)) {
            re.push('\\');
        }
        re.push(c);
    }
    re
}

/// The RE2 regular expression for a Kyverno glob (only `*` is special in the globs written
/// here).
pub(crate) fn glob_regex(glob: &str) -> String {
    let parts: Vec<String> = glob.split('*').map(escape).collect();
    format!("^{}$", parts.join(".*"))
}

/// The `matchImageReferences` of an `ImageValidatingPolicy` for `ns`: matched by every image a
/// pod can write whose repository docker normalises into `ns`, and by no other valid one.
pub(crate) fn ivp_matches(ns: &Namespace) -> Vec<Match> {
    let (p, exact) = match ns {
        Namespace::Everything => return vec![Match::Glob("*".to_string())],
        Namespace::Under(p) => (p.as_str(), false),
        Namespace::Exactly(p) => (p.as_str(), true),
        // A glob's `*` would cross `/` (`evil.example/x.domain/…`); a regex keeps it to the
        // host, as Vouch's `*` (never a Docker Hub name: the host has a `.`).
        Namespace::Subdomains(d) => {
            return vec![Match::Regex {
                regex: format!(r"^[^/]+\.{}/.+$", escape(d)),
                unless: None,
            }]
        }
    };
    if names_nothing(ns) {
        return vec![Match::Nothing];
    }
    let (host, path) = p.split_once('/').unwrap_or((p, ""));
    if host == "docker.io" {
        return vec![hub(path, exact)];
    }
    if exact {
        vec![
            Match::Glob(p.to_string()),
            Match::Glob(format!("{p}:*")),
            Match::Glob(format!("{p}@*")),
        ]
    } else {
        vec![Match::Glob(format!("{p}/*"))]
    }
}

/// Whether `ns` covers no repository name docker can produce: normalised names never start
/// with `index.docker.io` or with a component docker reads as a Docker Hub path, a repository
/// always has a path, and one on Docker Hub at least two components.
pub(crate) fn names_nothing(ns: &Namespace) -> bool {
    let (p, exact) = match ns {
        Namespace::Under(p) => (p, false),
        Namespace::Exactly(p) => (p, true),
        Namespace::Everything | Namespace::Subdomains(_) => return false,
    };
    let (host, path) = p.split_once('/').unwrap_or((p, ""));
    let components = path.split('/').filter(|c| !c.is_empty()).count();
    !is_host(host)
        || host == "index.docker.io"
        || (exact && components == 0)
        || (exact && host == "docker.io" && components == 1)
}

/// Every spelling of the Docker Hub repositories `path` names (exactly, or under it).
fn hub(path: &str, exact: bool) -> Match {
    let parts: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let regex = |r: String| Match::Regex {
        regex: r,
        unless: None,
    };
    let Some(first) = parts.first() else {
        if exact {
            return Match::Nothing;
        }
        // Every Docker Hub repository: a Hub host, one component (under `library/`), or a
        // first component docker does not read as a host (lower case, no `.` or `:`, not
        // `localhost`).
        return Match::Regex {
            regex: format!("^(?:{HUB_PREFIX}.+|[^/]+|[a-z0-9_-]+/.+)$"),
            unless: Some("localhost/"),
        };
    };
    // Without a host, the path must not start with what docker reads as one.
    let host = if is_host(first) {
        HUB_PREFIX.to_string()
    } else {
        format!("{HUB_PREFIX}?")
    };
    let library_only = parts.len() == 1 && *first == "library";
    match (exact, parts.as_slice()) {
        // A Hub repository always has two components or more (`library/` is added to one).
        (true, [_]) => Match::Nothing,
        (true, ["library", name]) => regex(format!(
            "^{HUB_PREFIX}?(?:library/)?{}{SUFFIX}$",
            escape(name)
        )),
        (true, _) => regex(format!("^{host}{}{SUFFIX}$", escape(path))),
        // Under `library`: also every single component, with or without a Hub host.
        (false, _) if library_only => regex(format!("^{HUB_PREFIX}?(?:library/.+|[^/]+)$")),
        (false, _) => regex(format!("^{host}{}/.+$", escape(path))),
    }
}

/// The legacy `ClusterPolicy`'s `imageReferences` for `ns`, matched against the image as
/// Kyverno normalises it: `registry/path:tag` or `@digest`, the registry `docker.io` when the
/// pod names none (Kyverno's default `defaultRegistry`), `index.docker.io` when it names that.
/// Empty when `ns` names no repository.
pub(crate) fn legacy_globs(ns: &Namespace) -> Vec<String> {
    let with_hub_alias = |globs: Vec<String>| {
        let mut out = globs.clone();
        out.extend(
            globs
                .iter()
                .filter_map(|g| g.strip_prefix("docker.io/"))
                .map(|rest| format!("index.docker.io/{rest}")),
        );
        out
    };
    match ns {
        _ if names_nothing(ns) => Vec::new(),
        Namespace::Everything => vec!["*".to_string()],
        Namespace::Under(p) => with_hub_alias(vec![format!("{p}/*")]),
        Namespace::Exactly(p) => with_hub_alias(vec![format!("{p}:*"), format!("{p}@*")]),
        Namespace::Subdomains(d) => vec![format!("*.{d}/*")],
    }
}
