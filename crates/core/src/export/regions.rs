//! What the trust set requires, region by region, in the terms every export shares: scopes
//! and policy patterns mapped to namespaces (or refused), and for each namespace the keys,
//! keyless identities (grouped by publisher, each group counting once, as Vouch counts them)
//! and threshold Vouch applies to the repositories it covers.

use std::collections::BTreeMap;

use time::OffsetDateTime;

use super::{exportable_identities, exportable_keys, ExportError, Roots, Summary};
use crate::trust::{scope, PolicyMode, TrustSet, TrustedIdentity, TrustedKey};

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
    /// `threshold` distinct signers among `keys` (indices into the exported keys) and
    /// `identities` (indices into the exported identities, grouped by publisher: a group counts
    /// once, as Vouch counts a publisher's identities).
    Keys {
        threshold: u32,
        keys: Vec<usize>,
        identities: Vec<Vec<usize>>,
    },
}

impl Rule {
    /// How many signers the rule counts: each key, and each publisher's identities once.
    pub(crate) fn signers(&self) -> usize {
        match self {
            Rule::Anything => 0,
            Rule::Keys {
                keys, identities, ..
            } => keys.len() + identities.len(),
        }
    }

    /// The rule without its identities (which only narrows: Vouch's count only grows with
    /// signers).
    pub(crate) fn keys_only(&self) -> Rule {
        match self {
            Rule::Anything => Rule::Anything,
            Rule::Keys {
                threshold, keys, ..
            } => Rule::Keys {
                threshold: *threshold,
                keys: keys.clone(),
                identities: Vec::new(),
            },
        }
    }
}

pub(crate) struct Ctx<'a> {
    pub(crate) set: &'a TrustSet,
    pub(crate) keys: Vec<&'a TrustedKey>,
    /// Per exported key: the namespaces of its scopes that could be expressed.
    pub(crate) scopes: Vec<Vec<&'a str>>,
    pub(crate) identities: Vec<&'a TrustedIdentity>,
    /// Per exported identity: the namespaces of its scopes that could be expressed.
    pub(crate) identity_scopes: Vec<Vec<&'a str>>,
    /// The trusted roots the identities name.
    pub(crate) roots: &'a Roots,
}

impl Ctx<'_> {
    /// What Vouch requires for `repository`, counting only scopes that were exported.
    pub(crate) fn rule(&self, repository: &str) -> (Rule, PolicyMode) {
        let p = self.set.policy_for(repository);
        if p.mode == PolicyMode::Off {
            return (Rule::Anything, p.mode);
        }
        let threshold = p.threshold.max(1);
        let keys: Vec<usize> = (0..self.keys.len())
            .filter(|&i| {
                self.keys[i].scopes.is_empty()
                    || self.scopes[i].iter().any(|s| scope::matches(s, repository))
            })
            .collect();
        // A publisher's identities count once, and not at all next to its key: with a
        // threshold above one they are left out where the publisher has an exported key (the
        // targets count each signer), which only narrows.
        let mut identities: Vec<Vec<usize>> = Vec::new();
        let mut publishers: Vec<&str> = Vec::new();
        for (i, id) in self.identities.iter().enumerate() {
            let scoped = id.scopes.is_empty()
                || self.identity_scopes[i]
                    .iter()
                    .any(|s| scope::matches(s, repository));
            let beside_key = keys.iter().any(|&k| self.keys[k].publisher == id.publisher);
            if !scoped || (threshold > 1 && beside_key) {
                continue;
            }
            match publishers.iter().position(|p| *p == id.publisher) {
                Some(at) => identities[at].push(i),
                None => {
                    publishers.push(&id.publisher);
                    identities.push(vec![i]);
                }
            }
        }
        (
            Rule::Keys {
                threshold,
                keys,
                identities,
            },
            p.mode,
        )
    }

    /// The labels of the signers of `rule`.
    fn names(&self, rule: &Rule) -> Vec<String> {
        let Rule::Keys {
            keys, identities, ..
        } = rule
        else {
            return Vec::new();
        };
        let keys = keys.iter().map(|&i| self.keys[i].label());
        let ids = identities.iter().map(|g| {
            let labels: Vec<String> = g.iter().map(|&i| self.identities[i].label()).collect();
            labels.join(" or ")
        });
        keys.chain(ids).collect()
    }

    pub(crate) fn describe(&self, rule: &Rule) -> String {
        match rule {
            Rule::Anything => "anything (policy off)".to_string(),
            r @ Rule::Keys { .. } if r.signers() == 0 => "nothing (no trusted key)".to_string(),
            r @ Rule::Keys { threshold, .. } => {
                let names = self.names(r);
                if r.signers() < *threshold as usize {
                    format!(
                        "nothing ({threshold} keys needed, {} trusted: {})",
                        r.signers(),
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
    accept_identity: impl Fn(&TrustedIdentity) -> Result<(), String>,
    roots: &'a Roots,
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
    let mut identities = Vec::new();
    for i in exportable_identities(set, now, &mut summary) {
        match accept_identity(i) {
            Ok(()) => {
                let name = i.identity.trusted_root_name();
                if let Some(until) = roots.get(name).and_then(|r| r.until) {
                    let line = format!("the trusted root `{name}` of {} has entries in use until {}; the export carries them without that end, so export again before then", i.label(), super::rfc3339(until));
                    summary.differences.push(line);
                }
                identities.push(i);
            }
            Err(why) => summary.not_exported.push(format!(
                "{}: {} cannot be expressed in {target} ({why}): left out, so the export trusts less than Vouch does",
                i.label(),
                i.identity.subject
            )),
        }
    }
    let mut namespaces = BTreeMap::new();
    let mut kept_scopes = |label: String, what: &str, given: &'a [String]| {
        let mut kept = Vec::new();
        for s in given {
            match expressible(s) {
                Ok(ns) => {
                    namespaces.insert(s.clone(), ns);
                    kept.push(s.as_str());
                }
                Err(why) => summary.not_exported.push(format!(
                    "{label}: its scope `{s}` cannot be expressed in {target} ({why}): left out, so the export trusts this {what} less widely than Vouch does"
                )),
            }
        }
        kept
    };
    let scopes: Vec<Vec<&str>> = keys
        .iter()
        .map(|k| kept_scopes(k.label(), "key", &k.scopes))
        .collect();
    let identity_scopes: Vec<Vec<&str>> = identities
        .iter()
        .map(|i| kept_scopes(i.label(), "identity", &i.scopes))
        .collect();
    for i in &identities {
        if keys.iter().any(|k| k.publisher == i.publisher) {
            summary.differences.push(format!("{}: its publisher also has a key, and Vouch counts them once together; where a threshold above 1 applies, the export leaves the identity out (the target counts every signer), so it only narrows", i.label()));
        }
    }
    for p in &set.policies {
        if let Ok(ns) = expressible(&p.pattern) {
            namespaces.insert(p.pattern.clone(), ns);
        }
    }
    namespaces.retain(|_, ns| *ns != Namespace::Everything);
    Ok(Plan {
        ctx: Ctx {
            set,
            keys,
            scopes,
            identities,
            identity_scopes,
            roots,
        },
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
