//! Image references, parsed and normalised exactly as docker does.
//!
//! The distribution grammar and docker's normalisation (`nginx` → `docker.io/library/nginx:latest`)
//! are implemented here without a regular expression and produce oci-client's
//! [`oci_client::Reference`]; this module adds the sentences a person sees when a reference is
//! refused, and the one name Vouch uses for scopes and signature identities:
//! [`ImageRef::repository`] (`docker.io/library/nginx`).

use std::fmt;

use oci_client::Reference;

/// Why a reference was refused. Each message is one sentence saying what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReferenceError {
    #[error("the image reference is empty; give a name such as `nginx` or `ghcr.io/acme/app:1.2`")]
    Empty,
    #[error("`{0}` contains upper-case letters; repository names must be lower-case (tags may use upper case)")]
    Uppercase(String),
    #[error("`{0}` contains whitespace; give one image reference per argument or line")]
    Whitespace(String),
    #[error("`{input}` has a malformed digest: {why}")]
    BadDigest { input: String, why: &'static str },
    #[error("`{0}` has a malformed tag: a tag is up to 128 letters, digits, `_`, `.` or `-`, not starting with `.` or `-`")]
    BadTag(String),
    #[error("`{0}` is too long: a repository name may have at most 255 characters")]
    TooLong(String),
    #[error("`{0}` is not a valid image reference; expected [REGISTRY[:PORT]/]NAME[:TAG][@sha256:DIGEST] with a lower-case NAME")]
    Invalid(String),
}

/// A parsed, normalised image reference.
#[derive(Clone, PartialEq, Eq)]
pub struct ImageRef {
    inner: Reference,
}

impl ImageRef {
    /// Parses `input` the way `docker pull` does.
    pub fn parse(input: &str) -> Result<ImageRef, ReferenceError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(ReferenceError::Empty);
        }
        let shown = crate::oci::clip(s, 300);
        if s.chars().any(char::is_whitespace) {
            return Err(ReferenceError::Whitespace(shown));
        }
        // The name part (before a tag or digest) must be lower-case; a tag may not be.
        let name_end = s.find('@').unwrap_or(s.len());
        let before_digest = &s[..name_end];
        let last_slash = before_digest.rfind('/').map(|i| i + 1).unwrap_or(0);
        let name = match before_digest[last_slash..].find(':') {
            Some(colon) => &before_digest[..last_slash + colon],
            None => before_digest,
        };
        // The registry host may carry upper case in DNS terms, but docker refuses it in the
        // path; refuse upper case in the whole name to match `docker pull`.
        if name.chars().any(|c| c.is_ascii_uppercase()) {
            return Err(ReferenceError::Uppercase(shown));
        }
        if let Some((_, digest)) = s.split_once('@') {
            match digest.split_once(':') {
                Some(("sha256", hex)) => {
                    if hex.len() != 64 {
                        return Err(ReferenceError::BadDigest {
                            input: shown,
                            why: "a sha256 digest has exactly 64 hex digits",
                        });
                    }
                    if !hex
                        .chars()
                        .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
                    {
                        return Err(ReferenceError::BadDigest {
                            input: shown,
                            why: "the digest must be lower-case hexadecimal",
                        });
                    }
                }
                Some((alg, _)) if !alg.is_empty() => {
                    return Err(ReferenceError::BadDigest {
                        input: shown,
                        why: "only sha256 digests are supported",
                    })
                }
                _ => {
                    return Err(ReferenceError::BadDigest {
                        input: shown,
                        why: "expected @sha256: followed by 64 hex digits",
                    })
                }
            }
        }
        let inner = parse_reference(s).map_err(|e| match e {
            Malformed::Tag => ReferenceError::BadTag(shown.clone()),
            Malformed::TooLong => ReferenceError::TooLong(shown.clone()),
            Malformed::Name => ReferenceError::Invalid(shown.clone()),
        })?;
        Ok(ImageRef { inner })
    }

    /// The registry as docker names it (`docker.io`, `ghcr.io`, `127.0.0.1:5000`).
    pub fn registry(&self) -> &str {
        self.inner.registry()
    }

    /// The host to contact (`index.docker.io` for Docker Hub).
    pub fn registry_host(&self) -> &str {
        self.inner.resolve_registry()
    }

    /// The repository path inside the registry (`library/nginx`).
    pub fn path(&self) -> &str {
        self.inner.repository()
    }

    /// The normalised `registry/repository` name used for scopes and signature identities
    /// (`docker.io/library/nginx`).
    pub fn repository(&self) -> String {
        format!("{}/{}", self.inner.registry(), self.inner.repository())
    }

    pub fn tag(&self) -> Option<&str> {
        self.inner.tag()
    }

    /// The `sha256:<hex>` digest, when the reference pins one.
    pub fn digest(&self) -> Option<&str> {
        self.inner.digest()
    }

    /// The same repository at `digest`.
    pub fn with_digest(&self, digest: &str) -> ImageRef {
        self.same_repository(Reference::with_digest, digest)
    }

    /// The same repository at `tag`.
    pub fn with_tag(&self, tag: &str) -> ImageRef {
        self.same_repository(Reference::with_tag, tag)
    }

    /// This registry and repository, with `at` (a tag or digest) placed by `build`.
    fn same_repository(
        &self,
        build: fn(String, String, String) -> Reference,
        at: &str,
    ) -> ImageRef {
        ImageRef {
            inner: build(
                self.inner.registry().to_string(),
                self.inner.repository().to_string(),
                at.to_string(),
            ),
        }
    }

    /// The oci-client reference, for registry calls.
    pub fn oci(&self) -> &Reference {
        &self.inner
    }

    /// The tag or digest to ask the registry for (`latest` when neither is given; the digest
    /// when both are).
    pub fn manifest_selector(&self) -> &str {
        self.inner.digest().or(self.inner.tag()).unwrap_or("latest")
    }
}

impl fmt::Display for ImageRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.inner)
    }
}

impl fmt::Debug for ImageRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ImageRef({})", self.inner)
    }
}

impl std::str::FromStr for ImageRef {
    type Err = ReferenceError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ImageRef::parse(s)
    }
}

/// What [`parse_reference`] found wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Malformed {
    Name,
    Tag,
    TooLong,
}

/// Longest repository path, as distribution counts it (after normalisation).
const NAME_TOTAL_LENGTH_MAX: usize = 255;

/// The distribution reference grammar and docker's normalisation, without a regular expression
/// (oci-spec compiles a large regex on the first parse: ~30 % of a one-image `vouch verify`).
/// Accepts exactly what `oci_client::Reference::try_from` accepts for ASCII input once
/// [`ImageRef::parse`]'s own checks (whitespace, upper case in the name, sha256 digest) have
/// passed — a unit test compares the two over generated inputs — except that tags are ASCII
/// only, as docker's `[\w][\w.-]{0,127}` is.
///
/// The grammar: `[DOMAIN/]PATH[:TAG][@DIGEST]`, where DOMAIN is dot-separated labels
/// (`[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?`) with an optional `:PORT`, and PATH is
/// `/`-separated components of lower-case alphanumerics joined by `.`, `_`, `__` or runs of `-`.
fn parse_reference(s: &str) -> Result<Reference, Malformed> {
    let (rest, digest) = match s.split_once('@') {
        Some((rest, digest)) => (rest, Some(digest)),
        None => (s, None),
    };
    // A tag is after the last `:` that follows the last `/` (a `:` before it is a port).
    let after_slash = rest.rfind('/').map(|i| i + 1).unwrap_or(0);
    let (name, tag) = match rest[after_slash..].rfind(':') {
        Some(i) => (&rest[..after_slash + i], Some(&rest[after_slash + i + 1..])),
        None => (rest, None),
    };
    if let Some(tag) = tag {
        if !is_tag(tag) {
            return Err(Malformed::Tag);
        }
    }
    if !is_name(name) {
        return Err(Malformed::Name);
    }
    let (registry, repository) = split_domain(name);
    if repository.len() > NAME_TOTAL_LENGTH_MAX {
        return Err(Malformed::TooLong);
    }
    Ok(match (tag, digest) {
        (Some(t), Some(d)) => {
            Reference::with_tag_and_digest(registry, repository, t.into(), d.into())
        }
        (None, Some(d)) => Reference::with_digest(registry, repository, d.into()),
        (Some(t), None) => Reference::with_tag(registry, repository, t.into()),
        (None, None) => Reference::with_tag(registry, repository, "latest".into()),
    })
}

/// `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`
fn is_tag(t: &str) -> bool {
    let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let b = t.as_bytes();
    !b.is_empty()
        && b.len() <= 128
        && word(b[0])
        && b[1..].iter().all(|&c| word(c) || c == b'.' || c == b'-')
}

/// A full name: either `DOMAIN/PATH` or just `PATH`, as the regex's alternatives allow.
fn is_name(name: &str) -> bool {
    if name.split('/').all(is_path_component) {
        return true;
    }
    match name.split_once('/') {
        Some((domain, path)) => is_domain(domain) && path.split('/').all(is_path_component),
        None => false,
    }
}

/// `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*`
fn is_path_component(c: &str) -> bool {
    let b = c.as_bytes();
    let alnum = |x: u8| x.is_ascii_lowercase() || x.is_ascii_digit();
    let mut i = 0;
    loop {
        // One or more alphanumerics.
        let start = i;
        while i < b.len() && alnum(b[i]) {
            i += 1;
        }
        if i == start {
            return false;
        }
        if i == b.len() {
            return true;
        }
        // One separator: `.`, `_`, `__` or a run of `-`.
        match b[i] {
            b'.' => i += 1,
            b'_' => {
                i += 1;
                if i < b.len() && b[i] == b'_' {
                    i += 1;
                }
            }
            b'-' => {
                while i < b.len() && b[i] == b'-' {
                    i += 1;
                }
            }
            _ => return false,
        }
    }
}

/// Dot-separated labels `[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?` and an optional `:[0-9]+`.
fn is_domain(d: &str) -> bool {
    let (host, port) = match d.split_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (d, None),
    };
    if let Some(p) = port {
        if p.is_empty() || !p.bytes().all(|c| c.is_ascii_digit()) {
            return false;
        }
    }
    host.split('.').all(|label| {
        let b = label.as_bytes();
        !b.is_empty()
            && b[0].is_ascii_alphanumeric()
            && b[b.len() - 1].is_ascii_alphanumeric()
            && b.iter().all(|&c| c.is_ascii_alphanumeric() || c == b'-')
    })
}

/// Docker's `splitDockerDomain`: the first component is a registry when it has a `.` or a `:`
/// or is `localhost`; otherwise the image is on Docker Hub, under `library/` when it has one
/// component.
fn split_domain(name: &str) -> (String, String) {
    let (mut domain, mut remainder) = match name.split_once('/') {
        Some((left, right)) if left.contains('.') || left.contains(':') || left == "localhost" => {
            (left.to_string(), right.to_string())
        }
        _ => ("docker.io".to_string(), name.to_string()),
    };
    if domain == "index.docker.io" {
        domain = "docker.io".into();
    }
    if domain == "docker.io" && !remainder.contains('/') {
        remainder = format!("library/{remainder}");
    }
    (domain, remainder)
}

/// Normalises the repository named in a signature's `docker-reference` (with or without a tag
/// or digest) to the form [`ImageRef::repository`] returns, or `None` when it is not a valid
/// reference.
pub fn identity_repository(docker_reference: &str) -> Option<String> {
    ImageRef::parse(docker_reference)
        .ok()
        .map(|r| r.repository())
}

/// Whether a registry host is reached over plain HTTP by default, as docker does: loopback
/// addresses and `localhost`, with or without a port.
pub fn is_loopback_host(registry: &str) -> bool {
    if let Ok(ip) = registry.parse::<std::net::IpAddr>() {
        return ip.is_loopback();
    }
    let host = if let Some(rest) = registry.strip_prefix('[') {
        // [::1]:5000
        rest.split(']').next().unwrap_or(rest)
    } else {
        match registry.rsplit_once(':') {
            Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) => h,
            _ => registry,
        }
    };
    if host.eq_ignore_ascii_case("localhost") || host.to_ascii_lowercase().ends_with(".localhost") {
        return true;
    }
    host.parse::<std::net::IpAddr>()
        .map(|ip| ip.is_loopback())
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> ImageRef {
        ImageRef::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn docker_hub_names_are_normalised() {
        let r = ok("nginx");
        assert_eq!(r.to_string(), "docker.io/library/nginx:latest");
        assert_eq!(r.repository(), "docker.io/library/nginx");
        assert_eq!(r.registry_host(), "index.docker.io");
        assert_eq!(ok("acme/app:1").repository(), "docker.io/acme/app");
        assert_eq!(
            ok("index.docker.io/library/nginx").repository(),
            "docker.io/library/nginx"
        );
        assert_eq!(
            ok("docker.io/nginx").repository(),
            "docker.io/library/nginx"
        );
    }

    #[test]
    fn host_port_tag_and_digest() {
        let d = format!("sha256:{}", "a".repeat(64));
        let r = ok(&format!("127.0.0.1:5000/ns/repo:v1@{d}"));
        assert_eq!(r.registry(), "127.0.0.1:5000");
        assert_eq!(r.path(), "ns/repo");
        assert_eq!(r.tag(), Some("v1"));
        assert_eq!(r.digest(), Some(d.as_str()));
        assert_eq!(r.manifest_selector(), d);
        assert_eq!(ok("localhost/app").repository(), "localhost/app");
        assert_eq!(ok("localhost:5000/app:Tag").tag(), Some("Tag"));
    }

    #[test]
    fn malformed_references_get_a_sentence() {
        assert_eq!(ImageRef::parse(""), Err(ReferenceError::Empty));
        assert!(matches!(
            ImageRef::parse("Nginx"),
            Err(ReferenceError::Uppercase(_))
        ));
        assert!(matches!(
            ImageRef::parse("ghcr.io/Acme/app:v1"),
            Err(ReferenceError::Uppercase(_))
        ));
        assert!(matches!(
            ImageRef::parse("nginx@sha256:abc"),
            Err(ReferenceError::BadDigest { .. })
        ));
        assert!(matches!(
            ImageRef::parse(&format!("nginx@sha512:{}", "a".repeat(128))),
            Err(ReferenceError::BadDigest { .. })
        ));
        assert!(ImageRef::parse("nginx:").is_err());
        assert!(matches!(
            ImageRef::parse("a b"),
            Err(ReferenceError::Whitespace(_))
        ));
        assert!(ImageRef::parse("nginx:-bad").is_err());
        let e = ImageRef::parse("Nginx")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("lower-case"), "{e}");
    }

    #[test]
    fn identities_normalise_with_or_without_tag() {
        assert_eq!(
            identity_repository("127.0.0.1:5000/acme/app").as_deref(),
            Some("127.0.0.1:5000/acme/app")
        );
        assert_eq!(
            identity_repository("127.0.0.1:5000/acme/app:v1").as_deref(),
            Some("127.0.0.1:5000/acme/app")
        );
        assert_eq!(
            identity_repository("index.docker.io/library/nginx").as_deref(),
            Some("docker.io/library/nginx")
        );
        assert_eq!(identity_repository("NOT VALID"), None);
    }

    /// The parser this module used before (oci-spec's regex behind `Reference::try_from`),
    /// kept as the oracle for the hand-written grammar.
    fn oracle(s: &str) -> Option<Reference> {
        Reference::try_from(s).ok()
    }

    /// Compares the two parsers on `s`; true when both accepted it.
    fn same(s: &str) -> bool {
        let ours = match ImageRef::parse(s) {
            // Refused by parse()'s own checks, before the grammar: nothing to compare.
            Err(
                ReferenceError::Empty
                | ReferenceError::Whitespace(_)
                | ReferenceError::Uppercase(_)
                | ReferenceError::BadDigest { .. },
            ) => return false,
            Ok(r) => Some(r.inner),
            Err(_) => None,
        };
        let theirs = oracle(s);
        assert_eq!(
            ours.as_ref()
                .map(|r| (r.registry(), r.repository(), r.tag(), r.digest())),
            theirs
                .as_ref()
                .map(|r| (r.registry(), r.repository(), r.tag(), r.digest())),
            "{s:?}"
        );
        ours.is_some()
    }

    #[test]
    fn grammar_matches_the_regex_parser() {
        let d = format!("sha256:{}", "0123456789abcdef".repeat(4));
        for s in [
            "nginx",
            "nginx:1.25",
            "library/nginx",
            "docker.io/nginx",
            "index.docker.io/nginx",
            "ghcr.io/acme/app:v1",
            "localhost/app",
            "localhost:5000/a/b/c:T_a-g.1",
            "127.0.0.1:5000/ns/repo",
            "a.b_c/d",
            "a-b/c",
            "a--b/c__d/e.f",
            "a___b",
            "a..b",
            "a._b",
            "-a",
            "a-",
            "a/",
            "/a",
            "a//b",
            "host:/a",
            "host:5x/a",
            "ho_st.io/a",
            "-host.io/a",
            "host-.io/a",
            "Host.io/a",
            "a:b:c",
            "a:",
            ":a",
            "a:-b",
            "a:.b",
            "a:_b",
            "@",
            "a@",
        ] {
            same(s);
            same(&format!("{s}@{d}"));
        }
        same(&format!("a:{}", "t".repeat(128)));
        same(&format!("a:{}", "t".repeat(129)));
        same(&format!("a/{}", "b".repeat(246)));
        same(&format!("a/{}", "b".repeat(254)));
        same(&"b".repeat(247));
        same(&"b".repeat(248));
        // Generated inputs over the alphabet that matters to the grammar (deterministic LCG).
        let alphabet = b"aabb00.-_:/@A";
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut accepted = 0;
        for _ in 0..200_000 {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            let len = (x >> 59) as usize + 1;
            let mut s = String::new();
            let mut y = x;
            for _ in 0..len {
                y = y
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                s.push(alphabet[(y >> 33) as usize % alphabet.len()] as char);
            }
            accepted += usize::from(same(&s));
            if s.ends_with('@') {
                accepted += usize::from(same(&format!("{s}{d}")));
            }
        }
        // The generated inputs must exercise acceptance, not only refusal.
        assert!(
            accepted > 5_000,
            "only {accepted} generated inputs were valid"
        );
    }

    #[test]
    fn tags_are_ascii_only() {
        assert!(matches!(
            ImageRef::parse("nginx:tést"),
            Err(ReferenceError::BadTag(_))
        ));
    }

    #[test]
    fn loopback_hosts() {
        for h in [
            "localhost",
            "localhost:5000",
            "127.0.0.1:5000",
            "127.1.2.3",
            "[::1]:5000",
            "::1",
        ] {
            assert!(is_loopback_host(h), "{h}");
        }
        for h in [
            "ghcr.io",
            "10.0.0.1:5000",
            "docker.io",
            "localhost.example.com",
        ] {
            assert!(!is_loopback_host(h), "{h}");
        }
    }
}
