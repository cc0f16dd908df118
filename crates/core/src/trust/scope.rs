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
///
/// Linear in `pattern.len() × name.len()`, whatever the pattern: the glob is run as a
/// set of positions in the pattern (an NFA simulated without backtracking), after a cheap check
/// that the literal text before the first `*` starts the name (which settles most of the scopes
/// of a large trust set in a few byte comparisons).
pub fn matches(pattern: &str, name: &str) -> bool {
    Matcher::default().run(pattern.as_bytes(), name.as_bytes())
}

/// The matcher before the linear one: backtracking, exponential in the number of `**`. Kept
/// only as the reference the linear [`matches`] is checked against (the unit tests here, the
/// fuzz target `scope` and its corpus replay); verification never calls it. Give it short
/// inputs.
#[doc(hidden)]
pub fn backtracking_matches(pattern: &str, name: &str) -> bool {
    fn run(p: &[u8], s: &[u8]) -> bool {
        match p {
            [] => s.is_empty(),
            [b'*', b'*', rest @ ..] => {
                let rest_after_slash = rest.strip_prefix(b"/");
                (0..=s.len()).any(|i| run(rest, &s[i..]))
                    || rest_after_slash.is_some_and(|r| run(r, s))
            }
            [b'*', rest @ ..] => {
                let seg_end = s.iter().position(|&c| c == b'/').unwrap_or(s.len());
                (0..=seg_end).any(|i| run(rest, &s[i..]))
            }
            [c, rest @ ..] => match s {
                [d, srest @ ..] if c == d => run(rest, srest),
                _ => false,
            },
        }
    }
    run(pattern.as_bytes(), name.as_bytes())
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Tok {
    Lit(u8),
    /// `*`: any run of bytes within one segment.
    Star,
    /// `**`: any run of bytes, `/` included; `**/` may also match zero segments.
    DoubleStar,
}

fn tokens(p: &[u8]) -> Vec<Tok> {
    let mut out = Vec::with_capacity(p.len());
    let mut i = 0;
    while i < p.len() {
        match (p[i], p.get(i + 1)) {
            (b'*', Some(b'*')) => {
                out.push(Tok::DoubleStar);
                i += 2;
            }
            (b'*', _) => {
                out.push(Tok::Star);
                i += 1;
            }
            (c, _) => {
                out.push(Tok::Lit(c));
                i += 1;
            }
        }
    }
    out
}

/// The glob simulation; `steps` counts the work done (tests pin it as linear).
#[derive(Default)]
struct Matcher {
    steps: usize,
}

impl Matcher {
    fn run(&mut self, p: &[u8], s: &[u8]) -> bool {
        let literal_prefix = p.iter().position(|&c| c == b'*').unwrap_or(p.len());
        if !s.starts_with(&p[..literal_prefix]) {
            return false;
        }
        if literal_prefix == p.len() {
            return p.len() == s.len();
        }
        let toks = tokens(p);
        let n = toks.len();
        // `cur[i]`: position i is live. `fresh[i]`: it was entered without a `**` before it
        // consuming anything, which is when `**/` may match zero segments.
        let (mut cur, mut fresh) = (vec![false; n + 1], vec![false; n + 1]);
        let (mut next, mut next_fresh) = (vec![false; n + 1], vec![false; n + 1]);
        cur[0] = true;
        fresh[0] = true;
        self.close(&toks, &mut cur, &mut fresh);
        for &c in s {
            next.fill(false);
            next_fresh.fill(false);
            let mut any = false;
            for (i, tok) in toks.iter().enumerate() {
                self.steps += 1;
                if !cur[i] {
                    continue;
                }
                match *tok {
                    Tok::Lit(x) if x == c => {
                        next[i + 1] = true;
                        next_fresh[i + 1] = true;
                    }
                    Tok::Lit(_) => continue,
                    Tok::Star if c == b'/' => continue,
                    Tok::Star | Tok::DoubleStar => next[i] = true,
                }
                any = true;
            }
            if !any {
                return false;
            }
            self.close(&toks, &mut next, &mut next_fresh);
            std::mem::swap(&mut cur, &mut next);
            std::mem::swap(&mut fresh, &mut next_fresh);
        }
        cur[n]
    }

    /// Adds the positions reachable without consuming a byte: past a `*` or `**` (empty
    /// match), and past `**/` when the `**` has consumed nothing (zero segments: `a/**/b`
    /// matches `a/b`). Edges only go forward, so one pass suffices.
    fn close(&mut self, toks: &[Tok], set: &mut [bool], fresh: &mut [bool]) {
        for i in 0..toks.len() {
            self.steps += 1;
            if !set[i] {
                continue;
            }
            match toks[i] {
                Tok::Star | Tok::DoubleStar => {
                    set[i + 1] = true;
                    fresh[i + 1] = true;
                }
                Tok::Lit(_) => {}
            }
            if toks[i] == Tok::DoubleStar && fresh[i] && toks.get(i + 1) == Some(&Tok::Lit(b'/')) {
                set[i + 2] = true;
                fresh[i + 2] = true;
            }
        }
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
    fn the_linear_matcher_agrees_with_the_backtracking_one() {
        // Every pattern and name over a small alphabet, up to a length: both matchers agree.
        let alphabet = [b'a', b'/', b'*'];
        let mut patterns = vec![Vec::new()];
        for _ in 0..6 {
            let mut longer = Vec::new();
            for p in &patterns {
                for c in alphabet {
                    let mut q: Vec<u8> = p.clone();
                    q.push(c);
                    longer.push(q);
                }
            }
            patterns.extend(longer);
            patterns.sort();
            patterns.dedup();
        }
        let names: Vec<Vec<u8>> = patterns
            .iter()
            .filter(|p| !p.contains(&b'*'))
            .cloned()
            .collect();
        let mut compared = 0;
        for p in patterns
            .iter()
            .filter(|p| !p.windows(3).any(|w| w == b"***"))
        {
            for n in &names {
                let ps = std::str::from_utf8(p).unwrap_or_default();
                let ns = std::str::from_utf8(n).unwrap_or_default();
                assert_eq!(
                    matches(ps, ns),
                    backtracking_matches(ps, ns),
                    "{ps:?} vs {ns:?}"
                );
                compared += 1;
            }
        }
        assert!(compared > 10_000, "only {compared} pairs compared");
    }

    /// Regression: `HOST/**/**/**/**/**/**/**/**/**/z` against a deep repository name took
    /// seconds (each extra `**` multiplied the time by three to four). The work is now bounded
    /// by the product of the lengths; counted in steps, not timed.
    #[test]
    fn many_double_stars_match_in_linear_steps() {
        let pattern = format!("host{}/z", "/**".repeat(40));
        let name = format!("host{}/y", "/a".repeat(60));
        let mut m = Matcher::default();
        assert!(!m.run(pattern.as_bytes(), name.as_bytes()));
        let bound = 2 * (pattern.len() + 1) * (name.len() + 1);
        assert!(m.steps <= bound, "{} steps > {bound}", m.steps);
        assert!(m.steps > 0);
        let name_z = format!("host{}/z", "/a".repeat(60));
        assert!(matches(&pattern, &name_z));
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
