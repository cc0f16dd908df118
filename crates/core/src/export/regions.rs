//! What the trust set requires, region by region, in the terms every export shares: scopes
//! and policy patterns mapped to namespaces (or refused), and for each namespace the keys and
//! threshold Vouch applies to the repositories it covers.

use std::collections::BTreeMap;

use time::OffsetDateTime;

use super::{exportable_keys, ExportError, Summary};
use crate::trust::{scope, PolicyMode, TrustSet, TrustedKey};

/// Upper case never appears in a valid scope, so a probe segment made of it is matched only by
/// wildcards, standing for every repository name no pattern spells out.
pub(crate) const PROBE: &str = "X";

/// What a scope pattern becomes in containers-policy.json.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Namespace {
    /// Every repository.
    Everything,
    /// The repositories under a literal prefix (`prefix/**`).
    Under(String),
    /// Exactly this repository (the policy's scope also covers what is under it).
    Exactly(String),
    /// Every repository on a subdomain of this domain (`*.domain/**`).
    Subdomains(String),
}

impl Namespace {
    pub(crate) fn scope(&self) -> Option<String> {
        match self {
            Namespace::Everything => None,
            Namespace::Under(p) | Namespace::Exactly(p) => Some(p.clone()),
            Namespace::Subdomains(d) => Some(format!("*.{d}")),
        }
    }
}

/// The namespace a pattern maps to exactly, or why it cannot.
pub(crate) fn namespace(pattern: &str) -> Result<Namespace, String> {
    if pattern == "**" {
        return Ok(Namespace::Everything);
    }
    if !pattern.contains('*') {
        return Ok(Namespace::Exactly(pattern.to_string()));
    }
    if let Some(prefix) = pattern.strip_suffix("/**") {
        if let Some(domain) = prefix.strip_prefix("*.") {
            if !domain.contains(['*', '/', ':']) && !domain.is_empty() {
                return Ok(Namespace::Subdomains(domain.to_string()));
            }
        } else if !prefix.contains('*') {
            return Ok(Namespace::Under(prefix.to_string()));
        }
    }
    Err("Vouch exports only `host/ns/**`, exact repositories, `*.domain/**` and `**`, the scopes it can map exactly".to_string())
}

/// What Vouch requires of the repositories one namespace covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Rule {
    Anything,
    /// `threshold` distinct keys among `keys` (indices into the exported keys).
    Keys {
        threshold: u32,
        keys: Vec<usize>,
    },
}

pub(crate) struct Ctx<'a> {
    pub(crate) set: &'a TrustSet,
    pub(crate) keys: Vec<&'a TrustedKey>,
    /// Per exported key: the namespaces of its scopes that could be expressed.
    pub(crate) scopes: Vec<Vec<&'a str>>,
}

impl Ctx<'_> {
    /// What Vouch requires for `repository`, counting only scopes that were exported.
    pub(crate) fn rule(&self, repository: &str) -> (Rule, PolicyMode) {
        let p = self.set.policy_for(repository);
        if p.mode == PolicyMode::Off {
            return (Rule::Anything, p.mode);
        }
        let keys = (0..self.keys.len())
            .filter(|&i| {
                self.keys[i].scopes.is_empty()
                    || self.scopes[i].iter().any(|s| scope::matches(s, repository))
            })
            .collect();
        (
            Rule::Keys {
                threshold: p.threshold.max(1),
                keys,
            },
            p.mode,
        )
    }

    pub(crate) fn describe(&self, rule: &Rule) -> String {
        match rule {
            Rule::Anything => "anything (policy off)".to_string(),
            Rule::Keys { keys, .. } if keys.is_empty() => "nothing (no trusted key)".to_string(),
            Rule::Keys { threshold, keys } => {
                let names: Vec<String> = keys.iter().map(|&i| self.keys[i].label()).collect();
                if keys.len() < *threshold as usize {
                    format!(
                        "nothing ({threshold} keys needed, {} trusted: {})",
                        keys.len(),
                        names.join(", ")
                    )
                } else {
                    format!("{threshold} of {}", names.join(", "))
                }
            }
        }
    }
}

/// The namespaces of an export and what each requires.
pub(crate) struct Plan<'a> {
    pub(crate) ctx: Ctx<'a>,
    /// By the pattern they come from (`P/**`, `P`, `*.D/**`), every one once.
    pub(crate) namespaces: BTreeMap<String, Namespace>,
    pub(crate) summary: Summary,
}

/// Maps every pattern of `set` to a namespace `target` can express (`accept` may refuse more
/// than [`namespace`] does): a policy pattern that cannot be expressed refuses the export, a
/// key's scope that cannot is left out and named in the summary.
pub(crate) fn plan<'a>(
    set: &'a TrustSet,
    now: OffsetDateTime,
    target: &'static str,
    accept: impl Fn(&Namespace) -> Result<(), String>,
) -> Result<Plan<'a>, ExportError> {
    let expressible = |p: &str| namespace(p).and_then(|ns| accept(&ns).map(|()| ns));
    for p in &set.policies {
        expressible(&p.pattern).map_err(|why| ExportError::Inexpressible {
            pattern: p.pattern.clone(),
            target,
            why,
        })?;
    }
    let (keys, mut summary) = exportable_keys(set, now);
    let mut namespaces = BTreeMap::new();
    let mut scopes = Vec::new();
    for k in &keys {
        let mut kept = Vec::new();
        for s in &k.scopes {
            match expressible(s) {
                Ok(ns) => {
                    namespaces.insert(s.clone(), ns);
                    kept.push(s.as_str());
                }
                Err(why) => summary.not_exported.push(format!(
                    "{}: its scope `{s}` cannot be expressed in {target} ({why}): left out, so the export trusts this key less widely than Vouch does",
                    k.label()
                )),
            }
        }
        scopes.push(kept);
    }
    for p in &set.policies {
        if let Ok(ns) = expressible(&p.pattern) {
            namespaces.insert(p.pattern.clone(), ns);
        }
    }
    namespaces.retain(|_, ns| *ns != Namespace::Everything);
    Ok(Plan {
        ctx: Ctx { set, keys, scopes },
        namespaces,
        summary,
    })
}

impl Namespace {
    /// A repository name standing for every one this namespace covers that no more specific
    /// pattern names (`None` for [`Namespace::Everything`], whose probe is [`EVERY_OTHER`]).
    pub(crate) fn probe(&self) -> Option<String> {
        match self {
            Namespace::Under(p) => Some(format!("{p}/{PROBE}")),
            Namespace::Exactly(p) => Some(p.clone()),
            Namespace::Subdomains(d) => Some(format!("{PROBE}.{d}/{PROBE}")),
            Namespace::Everything => None,
        }
    }
}

/// A repository no namespace covers.
pub(crate) const EVERY_OTHER: &str = "X/X";

impl Plan<'_> {
    /// Says in the summary that `pattern`'s policy is off, so nothing is exported for it.
    pub(crate) fn note_off(&mut self, pattern: &str) {
        let line = format!("{pattern}: policy off, nothing to enforce");
        self.summary.exported.push(line);
    }

    /// Says in the summary, once per pattern, that warn is exported as `instead`.
    pub(crate) fn note_mode(&mut self, probe: &str, target: &str, instead: &str) {
        let p = self.ctx.set.policy_for(probe);
        if p.mode != PolicyMode::Warn {
            return;
        }
        let what = p
            .pattern
            .map_or("repositories no pattern matches".to_string(), |p| {
                format!("`{p}`")
            });
        let line = format!(
            "the policy for {what} is warn, which {target} cannot express: exported as {instead}"
        );
        if !self.summary.differences.contains(&line) {
            self.summary.differences.push(line);
        }
    }
}
