//! Exports of the trust set to the engines that enforce trust on fleets.
//!
//! Pure: a trust set and a time in, files and a summary out; nothing is read or written here
//! but by [`expand::known_repositories`], which lists registries' catalogs, and by `folder`, which
//! writes an export's files into a folder, all or none. Each target lives in its own module
//! (`containers`, `admission`) and [`export`] picks one by [`Target`], for every shell; `regions` maps the trust set to namespaces and
//! what each requires, once for all of them; `written` spells every way a pod can write an
//! image of a namespace (Kyverno matches images as written); `expand` replaces a key's scope a
//! target cannot express by the repositories Vouch knows it matches. *Invariant: an export
//! never trusts more than Vouch does, except where its summary says so in a sentence (a
//! repository named exactly like a namespace in containers-policy.json, accepted by name;
//! pods in namespaces policy-controller is not told to check) — a policy pattern a target
//! cannot express refuses the export with a sentence naming it and is never expanded; a key's
//! scope it cannot express is left out (which only narrows) and named in the summary, or
//! expanded to listed repositories it matches (those created later not covered, and said);
//! images no Kubernetes policy matches get Vouch's rule for every other repository (Kyverno: a
//! policy excluding every namespace's matches; policy-controller: its no-match ConfigMap);
//! revoked and expired keys and identities are never exported; an identity a target cannot
//! express exactly (its subject, its Fulcio claims, its trusted root, or how its publisher
//! counts towards a threshold) is left out, which only narrows, and the summary says so.*

pub mod admission;
pub mod containers;
pub mod expand;
pub mod folder;
#[cfg(test)]
mod identity_tests;
mod regions;
mod written;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use std::collections::BTreeMap;

use crate::sigstore::roots::{RootMaterial, RootStore};
use crate::trust::{KeyStatus, TrustSet, TrustedIdentity, TrustedKey};

/// The most requirements (or combinations of keys) one threshold may turn into.
pub const MAX_COMBINATIONS: u128 = 64;

/// Which engine an export is for, with its options (the CLI's `vouch export` subcommands).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "target", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Target {
    /// containers-policy.json and registries.d.
    Containers {
        /// Export a scope whose repository and subtree Vouch trusts differently
        /// ([`containers::Overlap::Accept`]) instead of refusing it.
        accept_scope_overlap: bool,
    },
    /// Kyverno, in the API given.
    Kyverno { api: admission::KyvernoApi },
    /// sigstore policy-controller.
    PolicyController,
}

/// The export of `set` at `now` for `target`.
pub fn export(set: &TrustSet, now: OffsetDateTime, target: Target) -> Result<Export, ExportError> {
    export_with(set, now, target, Vec::new())
}

/// [`export`], with keys' scopes that containers-policy.json cannot express replaced by the
/// repositories listed in `expand` (see [`expand`]). Only the containers target takes
/// expansions; the Kubernetes targets are refused any ([`ExportError::NotExpandable`]).
pub fn export_with(
    set: &TrustSet,
    now: OffsetDateTime,
    target: Target,
    expand: Vec<expand::Expansion>,
) -> Result<Export, ExportError> {
    export_full(set, now, target, expand, &Roots::new())
}

/// [`export_with`], with the trusted roots `set`'s identities name (see [`roots_for`]): an
/// identity is exported only with its root's material.
pub fn export_full(
    set: &TrustSet,
    now: OffsetDateTime,
    target: Target,
    expand: Vec<expand::Expansion>,
    roots: &Roots,
) -> Result<Export, ExportError> {
    if let (Some(first), false) = (expand.first(), matches!(target, Target::Containers { .. })) {
        return Err(ExportError::NotExpandable {
            scope: first.scope.clone(),
            why: "only the containers-policy.json export takes listed repositories".into(),
        });
    }
    match target {
        Target::Containers {
            accept_scope_overlap,
        } => {
            let overlap = if accept_scope_overlap {
                containers::Overlap::Accept
            } else {
                containers::Overlap::Refuse
            };
            let opts = containers::Options {
                overlap,
                expand,
                roots: roots.clone(),
            };
            containers::export_with(set, now, &opts)
        }
        Target::Kyverno { api } => admission::kyverno(set, now, api, roots),
        Target::PolicyController => admission::policy_controller(set, now, roots),
    }
}

/// One file of an export, its path relative to the output folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ExportFile {
    pub path: String,
    pub contents: String,
}

/// What an export wrote and what it could not express, in sentences.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Summary {
    /// What was exported.
    pub exported: Vec<String>,
    /// What was left out, and why.
    pub not_exported: Vec<String>,
    /// Where the target behaves differently from Vouch (never more trusting).
    pub differences: Vec<String>,
}

/// An export: its files and its summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Export {
    pub files: Vec<ExportFile>,
    pub summary: Summary,
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExportError {
    /// A policy's pattern the target cannot express: leaving it out could trust more than
    /// Vouch does, so nothing is exported.
    #[error("the policy for `{pattern}` cannot be expressed in {target}: {why}; nothing was exported, since leaving it out could trust more than Vouch does")]
    Inexpressible {
        pattern: String,
        target: &'static str,
        why: String,
    },
    /// One scope of the target covers a repository and the repositories under it, which Vouch
    /// trusts differently: exporting would trust one of them more widely than Vouch does.
    #[error("`{scope}` is one scope in {target} for both the repository of that name and the repositories under it, but Vouch trusts {named} for the repository `{scope}` and {under} for those under it: exporting it would trust one of them more widely than Vouch does, so it was refused (nothing written); give the repository and its subtree the same trust, or accept the overlap explicitly (the summary then names it)")]
    ScopeOverlap {
        scope: String,
        target: &'static str,
        named: String,
        under: String,
    },
    #[error("{scope}: {threshold} of {keys} keys would need {count} requirements in {target}, more than the {limit} an export writes; lower the threshold or the number of keys for it")]
    TooManyCombinations {
        scope: String,
        target: &'static str,
        threshold: u32,
        keys: usize,
        count: u128,
        limit: u128,
    },
    /// A scope given to expand that cannot be: a policy's pattern, one no key has, or one the
    /// target expresses as it is.
    #[error("`{scope}` cannot be expanded to the repositories it matches: {why}")]
    NotExpandable { scope: String, why: String },
    #[error("the export could not be serialised: {0}")]
    Serialize(String),
}

/// The keys an export may carry (active and unexpired at `now`), and sentences for the others.
pub(crate) fn exportable_keys(set: &TrustSet, now: OffsetDateTime) -> (Vec<&TrustedKey>, Summary) {
    let mut summary = Summary::default();
    let mut keys = Vec::new();
    for k in &set.keys {
        if k.status == KeyStatus::Revoked {
            summary
                .not_exported
                .push(format!("{} is revoked: not exported", k.label()));
        } else if let Some(at) = k.expires_at.filter(|e| *e <= now) {
            summary.not_exported.push(format!(
                "{} expired on {}: not exported",
                k.label(),
                rfc3339(at)
            ));
        } else {
            if let Some(at) = k.expires_at {
                summary.differences.push(format!(
                    "{} expires on {}; the export carries no expiry, so export again before then",
                    k.label(),
                    rfc3339(at)
                ));
            }
            keys.push(k);
        }
    }
    (keys, summary)
}

/// The identities an export may carry (active and unexpired at `now`); sentences for the
/// others go to `summary`.
pub(crate) fn exportable_identities<'a>(
    set: &'a TrustSet,
    now: OffsetDateTime,
    summary: &mut Summary,
) -> Vec<&'a TrustedIdentity> {
    let mut out = Vec::new();
    for i in &set.identities {
        if i.status == KeyStatus::Revoked {
            summary
                .not_exported
                .push(format!("{} is revoked: not exported", i.label()));
        } else if let Some(at) = i.expires_at.filter(|e| *e <= now) {
            summary.not_exported.push(format!(
                "{} expired on {}: not exported",
                i.label(),
                rfc3339(at)
            ));
        } else {
            if let Some(at) = i.expires_at {
                summary.differences.push(format!(
                    "{} expires on {}; the export carries no expiry, so export again before then",
                    i.label(),
                    rfc3339(at)
                ));
            }
            out.push(i);
        }
    }
    out
}

/// What each trusted root named by an identity holds, by name ([`crate::trust::identity::PUBLIC_GOOD_ROOT`] for the
/// public-good one): an identity whose root is not given is left out of an export.
pub type Roots = BTreeMap<String, RootMaterial>;

/// The material of every trusted root `set`'s identities name, read from `store` (offline); a
/// root that cannot be read is left out (its identities are then left out of the export, and
/// the summary says so).
pub fn roots_for(set: &TrustSet, store: &RootStore, now: OffsetDateTime) -> Roots {
    set.identities
        .iter()
        .filter_map(|i| {
            let name = i.identity.trusted_root_name();
            store
                .material(name, now)
                .ok()
                .map(|m| (name.to_string(), m))
        })
        .collect()
}

/// The root an identity names, or why the export cannot use it.
pub(crate) fn root_of<'r>(
    roots: &'r Roots,
    i: &TrustedIdentity,
) -> Result<&'r RootMaterial, String> {
    let name = i.identity.trusted_root_name();
    roots
        .get(name)
        .ok_or_else(|| format!("its trusted root `{name}` could not be read"))
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| t.to_string())
}

/// How many ways to choose `k` of `m` (saturating).
pub(crate) fn choose(m: usize, k: usize) -> u128 {
    if k > m {
        return 0;
    }
    let k = k.min(m - k) as u128;
    let m = m as u128;
    let mut acc = 1u128;
    for i in 0..k {
        // Exact at every step: acc is (m choose i), and (m choose i)·(m−i) is divisible by i+1.
        match acc.checked_mul(m - i) {
            Some(v) => acc = v / (i + 1),
            None => return u128::MAX,
        }
    }
    acc
}

/// Every `k`-subset of `0..m`, as sorted index lists, in lexicographic order.
pub(crate) fn combinations(m: usize, k: usize) -> Vec<Vec<usize>> {
    let mut out = Vec::new();
    if k == 0 || k > m {
        return out;
    }
    let mut idx: Vec<usize> = (0..k).collect();
    loop {
        out.push(idx.clone());
        // The rightmost index that can still move right.
        let Some(i) = (0..k).rev().find(|&i| idx[i] < m - k + i) else {
            return out;
        };
        idx[i] += 1;
        for j in i + 1..k {
            idx[j] = idx[j - 1] + 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_read_as_the_cli_names_them() {
        let t: Target = serde_json::from_value(
            serde_json::json!({"target": "kyverno", "api": "clusterpolicy"}),
        )
        .expect("kyverno");
        assert_eq!(
            t,
            Target::Kyverno {
                api: admission::KyvernoApi::ClusterPolicy
            }
        );
        let t: Target = serde_json::from_value(
            serde_json::json!({"target": "containers", "accept_scope_overlap": true}),
        )
        .expect("containers");
        assert_eq!(
            t,
            Target::Containers {
                accept_scope_overlap: true
            }
        );
        let t: Target = serde_json::from_value(serde_json::json!({"target": "policy_controller"}))
            .expect("policy-controller");
        assert_eq!(t, Target::PolicyController);
    }

    #[test]
    fn combinations_are_all_the_subsets_once() {
        assert_eq!(
            combinations(4, 2),
            vec![
                vec![0, 1],
                vec![0, 2],
                vec![0, 3],
                vec![1, 2],
                vec![1, 3],
                vec![2, 3]
            ]
        );
        for (m, k) in [(5, 3), (6, 1), (6, 6), (7, 4)] {
            assert_eq!(
                combinations(m, k).len() as u128,
                choose(m, k),
                "{m} choose {k}"
            );
        }
        assert!(combinations(2, 3).is_empty());
        assert_eq!(choose(200, 100), u128::MAX, "saturates");
        assert_eq!(choose(64, 2), 2016);
    }
}
