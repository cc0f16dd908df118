//! Scope patterns: globs over normalized repository names.
//!
//! `*` matches within one path segment, `**` matches across segments (zero or more of them);
//! host and port are part of the name (`registry.example:5000/team/*`).

use std::cmp::Ordering;

use super::TrustError;

/// Checks that a scope pattern is well formed and returns it normalized (trimmed).
pub fn validate(pattern: &str) -> Result<String, TrustError> {
    let p = pattern.trim();
    let bad = |why: &str| TrustError::BadScope {
        pattern: pattern.to_string(),
        why: why.to_string(),
    };
    if p.is_empty() {
        return Err(bad("a scope cannot be empty"));
    }
    if p.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad("a scope cannot contain spaces"));
    }
    if p.chars().any(|c| c.is_ascii_uppercase()) {
        return Err(bad(
            "repository names are lower case, so an upper-case scope would never match",
        ));
    }
    if p.contains("***") {
        return Err(bad(
            "use `*` within a segment or `**` across segments, not `***`",
        ));
    }
    if p.contains('@') || p.split('/').skip(1).any(|seg| seg.contains(':')) {
        return Err(bad(
            "a scope names repositories, not tags or digests (drop the `:tag` or `@sha256:` part)",
        ));
    }
    if p.split('/').any(str::is_empty) {
        return Err(bad(
            "a scope cannot have an empty path segment (`//` or a trailing `/`)",
        ));
    }
    Ok(p.to_string())
}

/// Whether `pattern` matches the normalized repository name `name`.
pub fn matches(pattern: &str, name: &str) -> bool {
    glob(pattern.as_bytes(), name.as_bytes())
}

fn glob(p: &[u8], s: &[u8]) -> bool {
    match p {
        [] => s.is_empty(),
        [b'*', b'*', rest @ ..] => {
            // `**/` may also match zero segments: "a/**/b" matches "a/b".
            let rest_after_slash = rest.strip_prefix(b"/");
            (0..=s.len()).any(|i| glob(rest, s.get(i..).unwrap_or_default()))
                || rest_after_slash.is_some_and(|r| glob(r, s))
        }
        [b'*', rest @ ..] => {
            let seg_end = s.iter().position(|&c| c == b'/').unwrap_or(s.len());
            (0..=seg_end).any(|i| glob(rest, s.get(i..).unwrap_or_default()))
        }
        [c, rest @ ..] => match s {
            [d, srest @ ..] if c == d => glob(rest, srest),
            _ => false,
        },
    }
}

/// Orders patterns by specificity: `Greater` means `a` is more specific than `b`.
/// An exact name beats any glob; then more literal characters win; then fewer `**`.
pub fn specificity(a: &str, b: &str) -> Ordering {
    fn key(p: &str) -> (bool, usize, std::cmp::Reverse<usize>) {
        let wild = p.contains('*');
        let literal = p.chars().filter(|&c| c != '*').count();
        (!wild, literal, std::cmp::Reverse(p.matches("**").count()))
    }
    key(a).cmp(&key(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_star_stays_in_one_segment() {
        assert!(matches("ghcr.io/acme/*", "ghcr.io/acme/app"));
        assert!(!matches("ghcr.io/acme/*", "ghcr.io/acme/team/app"));
        assert!(!matches("ghcr.io/acme/*", "ghcr.io/acmex/app"));
    }

    #[test]
    fn double_star_crosses_segments() {
        assert!(matches("ghcr.io/acme/**", "ghcr.io/acme/app"));
        assert!(matches("ghcr.io/acme/**", "ghcr.io/acme/team/app"));
        assert!(!matches("ghcr.io/acme/**", "ghcr.io/evil/app"));
        assert!(matches("**", "docker.io/library/nginx"));
        assert!(matches("ghcr.io/**/app", "ghcr.io/app"));
        assert!(matches("ghcr.io/**/app", "ghcr.io/a/b/app"));
    }

    #[test]
    fn host_and_port_are_part_of_the_name() {
        assert!(matches(
            "registry.example:5000/team/*",
            "registry.example:5000/team/app"
        ));
        assert!(!matches(
            "registry.example:5000/team/*",
            "registry.example/team/app"
        ));
        assert!(!matches(
            "registry.example/team/*",
            "registry.example:5000/team/app"
        ));
        assert!(matches("127.0.0.1:*/acme/*", "127.0.0.1:5000/acme/app"));
    }

    #[test]
    fn exact_pattern_matches_only_itself() {
        assert!(matches(
            "docker.io/library/nginx",
            "docker.io/library/nginx"
        ));
        assert!(!matches(
            "docker.io/library/nginx",
            "docker.io/library/nginx2"
        ));
    }

    #[test]
    fn validation_refuses_bad_patterns_with_reason() {
        for bad in [
            "",
            "  ",
            "ghcr.io/Acme/*",
            "a b",
            "ghcr.io//x",
            "ghcr.io/x/",
            "x/***",
            "ghcr.io/acme/app:1.0",
            "ghcr.io/acme/app@sha256:00",
        ] {
            let err = validate(bad).expect_err(bad);
            assert!(err.to_string().contains("scope"), "{err}");
        }
        assert_eq!(
            validate(" ghcr.io/acme/** ").ok().as_deref(),
            Some("ghcr.io/acme/**")
        );
        assert!(validate("localhost:5000/x").is_ok());
    }

    #[test]
    fn most_specific_wins() {
        assert_eq!(
            specificity("ghcr.io/acme/app", "ghcr.io/acme/*"),
            Ordering::Greater
        );
        assert_eq!(
            specificity("ghcr.io/acme/*", "ghcr.io/**"),
            Ordering::Greater
        );
        assert_eq!(specificity("**", "ghcr.io/**"), Ordering::Less);
    }
}
