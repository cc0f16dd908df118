//! `containers-policy.json` and `registries.d/vouch.yaml`, for podman, skopeo, CRI-O, buildah
//! and bootc.
//!
//! - Each key is inlined (`keyDatas`: base64 of its PEM) in `sigstoreSigned` requirements with
//!   `signedIdentity: matchRepository` (cosign signs the repository without a tag, which the
//!   default identity rule refuses).
//! - A threshold of N distinct keys out of the M trusted for a namespace has no field there:
//!   it becomes one requirement per combination of M−N+1 of the keys, each satisfied by any of
//!   its keys, all required. A set of signers meets every one exactly when it holds N of the M
//!   keys (it misses a combination only when M−N+1 keys are missing). More than
//!   [`MAX_COMBINATIONS`] requirements are refused.
//! - Scopes become namespaces: `host/ns/**` → `host/ns`, an exact repository → itself,
//!   `*.domain/**` → `*.domain`, `**` (or no scope) → every repository. Any other glob is not
//!   exported for the key that has it (which can only narrow) and is named in the summary, unless
//!   [`Options::expand`] lists repositories for it: then each listed repository it matches is
//!   an exact scope of the key (one created later is not covered, and the summary says so). A
//!   policy with such a pattern refuses the export (leaving it out could widen) and is never
//!   expanded.
//! - Each namespace gets the requirements Vouch applies to the repositories it covers, worked
//!   out by asking the trust set about a repository name no pattern names literally.
//! - `default` comes from the default policy: enforce → `reject`, off → `insecureAcceptAnything`;
//!   warn has no equivalent (the file can only accept or reject) and is exported as enforce.
//! - A keyless identity is a `sigstoreSigned` requirement with `fulcio` (`caData`: the PEM of
//!   its trusted root's Fulcio CAs in use, `oidcIssuer`, `subjectEmail`) and the root's Rekor
//!   keys in use (`rekorPublicKeyData(s)`), only when its subject is an exact email and it
//!   requires no Fulcio claims (the file matches `subjectEmail` exactly and checks no
//!   extension); any other is left out with a sentence. Requirements all hold and each is one
//!   list of keys or one identity, so identities are written only where every signer of a
//!   namespace is required (threshold = signers, each publisher one identity); elsewhere they
//!   are left out of that namespace (which only narrows), and said.

use std::collections::{BTreeMap, BTreeSet};

use base64::Engine as _;
use serde_json::{json, Value};
use time::OffsetDateTime;

use super::expand::{expand_scopes, Expansion};
use super::regions::{plan, Ctx, Namespace, Plan, Rule, EVERY_OTHER, PROBE};
use super::{
    choose, combinations, root_of, Export, ExportError, ExportFile, Roots, Summary,
    MAX_COMBINATIONS,
};
use crate::trust::identity::Subject;
use crate::trust::{PolicyMode, TrustSet, TrustedIdentity};

/// The target, as sentences name it.
pub const TARGET: &str = "containers-policy.json";
/// The file names the export writes, relative to its folder.
pub const POLICY_FILE: &str = "policy.json";
pub const REGISTRIES_FILE: &str = "registries.d/vouch.yaml";

/// Of a scope's two rules (`probe` for its probe repository, `other` for the other side), the
/// one Vouch applies to the repository named exactly like the scope.
fn named_rule<'r>(ns: &Namespace, probe: &'r Rule, other: &'r Rule) -> &'r Rule {
    if matches!(ns, Namespace::Exactly(_)) {
        probe
    } else {
        other
    }
}

/// The one Vouch applies to the repositories under the scope.
fn under_rule<'r>(ns: &Namespace, probe: &'r Rule, other: &'r Rule) -> &'r Rule {
    if matches!(ns, Namespace::Exactly(_)) {
        other
    } else {
        probe
    }
}

/// The `sigstoreSigned` requirements for `rule` (all must hold).
fn requirements(ctx: &Ctx<'_>, rule: &Rule, scope_name: &str) -> Result<Value, ExportError> {
    let Rule::Keys {
        threshold,
        keys,
        identities,
    } = rule
    else {
        return Ok(json!([{"type": "insecureAcceptAnything"}]));
    };
    let (n, m) = (*threshold as usize, rule.signers());
    if m < n {
        return Ok(json!([{"type": "reject"}]));
    }
    let k = m - n + 1;
    let count = choose(m, k);
    if count > MAX_COMBINATIONS {
        return Err(ExportError::TooManyCombinations {
            scope: scope_name.to_string(),
            target: TARGET,
            threshold: *threshold,
            keys: m,
            count,
            limit: MAX_COMBINATIONS,
        });
    }
    let b64 = base64::engine::general_purpose::STANDARD;
    let reqs = combinations(m, k)
        .into_iter()
        .map(|combo| match combo.as_slice() {
            // One identity alone (see `fit`: a combination is all keys or one identity).
            [u] if *u >= keys.len() => fulcio_requirement(ctx, identities[*u - keys.len()][0]),
            _ => {
                let datas: Vec<String> = combo
                    .iter()
                    .filter(|&&u| u < keys.len())
                    .map(|&u| b64.encode(ctx.keys[keys[u]].public_key.as_bytes()))
                    .collect();
                json!({"type": "sigstoreSigned", "keyDatas": datas,
                       "signedIdentity": {"type": "matchRepository"}})
            }
        })
        .collect();
    Ok(Value::Array(reqs))
}

/// The `sigstoreSigned` requirement of the identity `i` (accepted by [`accept_identity`], so
/// its root is known, its subject is an email and it has no claims).
fn fulcio_requirement(ctx: &Ctx<'_>, i: usize) -> Value {
    let b64 = base64::engine::general_purpose::STANDARD;
    let id = ctx.identities[i];
    let root = ctx.roots.get(id.identity.trusted_root_name());
    let cas: String = root.map(|r| r.fulcio_pems.concat()).unwrap_or_default();
    let rekor: Vec<String> = root
        .map(|r| r.rekor_keys.iter().map(|k| b64.encode(k)).collect())
        .unwrap_or_default();
    let mut req = json!({"type": "sigstoreSigned",
        "fulcio": {"caData": b64.encode(cas), "oidcIssuer": id.identity.issuer,
                   "subjectEmail": id.identity.subject.text()},
        "signedIdentity": {"type": "matchRepository"}});
    match rekor.as_slice() {
        [one] => req["rekorPublicKeyData"] = json!(one),
        many => req["rekorPublicKeyDatas"] = json!(many),
    }
    req
}

/// Whether containers-policy.json can carry `identity`: an exact email subject (its only
/// subject field is `subjectEmail`), no Fulcio claims (it has no field for them), and a root
/// with a Fulcio CA and a Rekor key in use (both are mandatory there).
fn accept_identity(roots: &Roots, i: &TrustedIdentity) -> Result<(), String> {
    let id = &i.identity;
    match &id.subject {
        Subject::Exact(s) if s.contains('@') && !s.contains("://") => {}
        Subject::Exact(_) => return Err("it matches `subjectEmail` only, and this subject is a URI (a CI workflow, say), not an email".to_string()),
        _ => return Err("it matches `subjectEmail` exactly, and has no glob or regular expression".to_string()),
    }
    if !id.claims.is_empty() {
        let claims: Vec<String> = id.claims.required().map(|(c, _)| c.to_string()).collect();
        return Err(format!(
            "it cannot check the Fulcio claims it requires ({}), and exporting it without them would trust more",
            claims.join(", ")
        ));
    }
    let root = root_of(roots, i)?;
    if root.fulcio_pems.is_empty() || root.rekor_keys.is_empty() {
        return Err(format!(
            "its trusted root `{}` has no Fulcio CA or no Rekor key in use, and the file needs both",
            id.trusted_root_name()
        ));
    }
    Ok(())
}

/// `rule`, or when containers-policy.json cannot express it with its identities, `rule`
/// without them (which only narrows), said in the summary. Every requirement must hold and
/// each is one list of keys (any of them) or one identity, so identities fit only where every
/// signer is required (threshold = signers) and each publisher has one identity.
fn fit(plan: &mut Plan<'_>, rule: Rule, scope_name: &str) -> Rule {
    let Rule::Keys {
        threshold,
        identities,
        ..
    } = &rule
    else {
        return rule;
    };
    let m = rule.signers();
    let all_required = m <= *threshold as usize;
    if identities.is_empty() || (all_required && identities.iter().all(|g| g.len() == 1)) {
        return rule;
    }
    let names: Vec<String> = identities
        .iter()
        .flatten()
        .map(|&i| plan.ctx.identities[i].label())
        .collect();
    let line = format!(
        "{scope_name}: {} left out: containers-policy.json requires every requirement, each one list of keys or one identity, so {threshold} of {m} signers with identities among them (or one publisher's several identities) cannot be expressed; the export trusts less than Vouch does there",
        names.join(", ")
    );
    if !plan.summary.not_exported.contains(&line) {
        plan.summary.not_exported.push(line);
    }
    rule.keys_only()
}

/// How the export treats a scope whose repository and the repositories under it Vouch trusts
/// differently (containers-policy.json has one scope for both, so one of them would be trusted
/// more widely than Vouch trusts it).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Overlap {
    /// Refuse the export with a sentence naming the scope (never widen).
    #[default]
    Refuse,
    /// Export the rule of the repositories under the scope and say in the summary, for each such
    /// scope, that the repository named exactly like it is trusted more widely than by Vouch.
    Accept,
}

/// How the containers export is made; `Options::default()` refuses overlaps and expands
/// nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    pub overlap: Overlap,
    /// Keys' scopes the file cannot express, each replaced by the repositories listed with it
    /// that it matches (one exact entry each; those created later are not covered).
    pub expand: Vec<Expansion>,
    /// The trusted roots identities name (see [`super::roots_for`]).
    pub roots: Roots,
}

/// The containers-policy.json export of `set` at `now` (see [`export_with`]).
pub fn export(
    set: &TrustSet,
    now: OffsetDateTime,
    overlap: Overlap,
) -> Result<Export, ExportError> {
    export_with(
        set,
        now,
        &Options {
            overlap,
            ..Options::default()
        },
    )
}

/// The containers-policy.json export of `set` at `now`, made as `opts` says.
pub fn export_with(
    set: &TrustSet,
    now: OffsetDateTime,
    opts: &Options,
) -> Result<Export, ExportError> {
    let overlap = opts.overlap;
    let mut expanded_summary = Summary::default();
    let expanded = expand_scopes(set, &opts.expand, TARGET, &mut expanded_summary)?;
    let mut plan = plan(
        &expanded,
        now,
        TARGET,
        |_| Ok(()),
        |i| accept_identity(&opts.roots, i),
        &opts.roots,
    )?;
    plan.summary.exported.extend(expanded_summary.exported);
    plan.summary
        .not_exported
        .extend(expanded_summary.not_exported);
    // `prefix/**` and the exact `prefix` are one scope here; the subtree is what counts.
    let mut scopes: BTreeMap<String, Namespace> = BTreeMap::new();
    for ns in plan.namespaces.values() {
        if let Some(s) = ns.scope() {
            let e = scopes.entry(s).or_insert_with(|| ns.clone());
            if matches!(ns, Namespace::Under(_)) {
                *e = ns.clone();
            }
        }
    }
    let mut docker = serde_json::Map::new();
    let mut hosts = BTreeSet::new();
    let mut everywhere = false;
    for (scope_name, ns) in &scopes {
        let Some(probe) = ns.probe() else { continue };
        let other = match ns {
            Namespace::Under(p) => p.contains('/').then(|| p.clone()),
            Namespace::Exactly(p) => Some(format!("{p}/{PROBE}")),
            _ => None,
        };
        let (rule, _) = plan.ctx.rule(&probe);
        let rule = fit(&mut plan, rule, scope_name);
        plan.note_mode(&probe, TARGET, "enforce (the file only accepts or rejects)");
        if let Some(other) = other {
            let (other_rule, _) = plan.ctx.rule(&other);
            let other_rule = fit(&mut plan, other_rule, scope_name);
            if other_rule != rule && overlap == Overlap::Refuse {
                return Err(ExportError::ScopeOverlap {
                    scope: scope_name.clone(),
                    target: TARGET,
                    named: plan.ctx.describe(named_rule(ns, &rule, &other_rule)),
                    under: plan.ctx.describe(under_rule(ns, &rule, &other_rule)),
                });
            }
            if other_rule != rule {
                let whom = if matches!(ns, Namespace::Exactly(_)) {
                    "the repositories under"
                } else {
                    "a repository named exactly"
                };
                let line = format!(
                    "`{scope_name}` is one scope in containers-policy.json for both the repository of that name and the repositories under it; Vouch trusts {} for {whom} `{scope_name}`, the export {}",
                    plan.ctx.describe(&other_rule),
                    plan.ctx.describe(&rule)
                );
                plan.summary.differences.push(line);
            }
        }
        docker.insert(
            scope_name.clone(),
            requirements(&plan.ctx, &rule, scope_name)?,
        );
        let line = format!("{scope_name}: {}", plan.ctx.describe(&rule));
        plan.summary.exported.push(line);
        match ns {
            Namespace::Subdomains(_) => everywhere = true,
            _ => {
                hosts.insert(
                    scope_name
                        .split('/')
                        .next()
                        .unwrap_or(scope_name)
                        .to_string(),
                );
            }
        }
    }
    // Every other registry repository: what Vouch requires where only `**` or unscoped keys
    // apply.
    let (rule, _) = plan.ctx.rule(EVERY_OTHER);
    let rule = fit(&mut plan, rule, "every other repository");
    plan.note_mode(
        EVERY_OTHER,
        TARGET,
        "enforce (the file only accepts or rejects)",
    );
    if rule
        != (Rule::Keys {
            threshold: 1,
            keys: Vec::new(),
            identities: Vec::new(),
        })
    {
        everywhere |= matches!(&rule, Rule::Keys { .. } if rule.signers() > 0);
        docker.insert(
            String::new(),
            requirements(&plan.ctx, &rule, "every other repository")?,
        );
        let line = format!("every other repository: {}", plan.ctx.describe(&rule));
        plan.summary.exported.push(line);
    }
    let mut summary = plan.summary;
    let keyless = docker
        .values()
        .filter_map(Value::as_array)
        .flatten()
        .any(|r| r.get("fulcio").is_some());
    if keyless {
        summary.differences.push("containers-policy.json checks a keyless signature's certificate chain, issuer, email and Rekor entry, but not the certificate's SCT (the CT log's promise), which Vouch also checks; several Rekor keys (`rekorPublicKeyDatas`) need containers/image 5.35 or later".to_string());
    }
    let default = match set.default_policy().mode {
        PolicyMode::Off => json!([{"type": "insecureAcceptAnything"}]),
        _ => json!([{"type": "reject"}]),
    };
    let policy = json!({"default": default, "transports": {"docker": docker}});
    let policy = serde_json::to_string_pretty(&policy)
        .map_err(|e| ExportError::Serialize(e.to_string()))?
        + "\n";
    let mut yaml = String::new();
    if everywhere {
        yaml.push_str("default-docker:\n  use-sigstore-attachments: true\n");
        summary.differences.push("registries.d/vouch.yaml sets `default-docker`, which may be set only once across registries.d: remove it from other files there".to_string());
    }
    if !hosts.is_empty() {
        yaml.push_str("docker:\n");
        for h in &hosts {
            // A JSON string is a valid YAML double-quoted scalar.
            let key = Value::String(h.clone()).to_string();
            yaml.push_str(&format!("  {key}:\n    use-sigstore-attachments: true\n"));
        }
    }
    if yaml.is_empty() {
        yaml.push_str("{}\n");
    }
    Ok(Export {
        files: vec![
            ExportFile {
                path: POLICY_FILE.to_string(),
                contents: policy,
            },
            ExportFile {
                path: REGISTRIES_FILE.to_string(),
                contents: yaml,
            },
        ],
        summary,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{Algorithm, PrivateKey};
    use crate::test_support::{now, policy, set, trusted};
    use crate::trust::{DefaultPolicy, KeyStatus, TrustedKey};
    use time::Duration;

    fn keys(n: usize) -> Vec<PrivateKey> {
        (0..n)
            .map(|_| PrivateKey::generate(Algorithm::Ed25519).expect("key"))
            .collect()
    }

    fn policy_json(e: &Export) -> Value {
        serde_json::from_str(&e.files[0].contents).expect("policy.json")
    }

    fn b64_of(k: &TrustedKey) -> String {
        base64::engine::general_purpose::STANDARD.encode(k.public_key.as_bytes())
    }

    /// containers-policy.json as skopeo reads it, for the docker transport: the most specific
    /// scope (repository, then each shorter namespace, then `*.` host wildcards, then `""`),
    /// otherwise `default`; every requirement must hold.
    fn containers_accepts(policy: &Value, repo: &str, signers: &[String]) -> bool {
        let docker = &policy["transports"]["docker"];
        let mut candidates = vec![repo.to_string()];
        let mut p = repo;
        while let Some((head, _)) = p.rsplit_once('/') {
            candidates.push(head.to_string());
            p = head;
        }
        let host = repo.split('/').next().unwrap_or(repo);
        let mut h = host;
        while let Some((_, rest)) = h.split_once('.') {
            candidates.push(format!("*.{rest}"));
            h = rest;
        }
        candidates.push(String::new());
        let reqs = candidates
            .iter()
            .find_map(|c| docker.get(c))
            .unwrap_or(&policy["default"]);
        reqs.as_array()
            .expect("requirements")
            .iter()
            .all(|r| match r["type"].as_str() {
                Some("insecureAcceptAnything") => true,
                Some("reject") => false,
                Some("sigstoreSigned") => {
                    assert_eq!(r["signedIdentity"], json!({"type": "matchRepository"}));
                    r["keyDatas"]
                        .as_array()
                        .expect("keyDatas")
                        .iter()
                        .any(|k| signers.iter().any(|s| Some(s.as_str()) == k.as_str()))
                }
                other => panic!("unexpected requirement {other:?}"),
            })
    }

    /// Vouch's decision for `repo` signed by `signers` (enforce and warn both block here).
    fn vouch_accepts(set: &TrustSet, repo: &str, signers: &[String]) -> bool {
        let p = set.policy_for(repo);
        if p.mode == PolicyMode::Off {
            return true;
        }
        let good = set
            .keys
            .iter()
            .filter(|k| {
                signers.contains(&b64_of(k))
                    && k.standing(repo, now()) == crate::trust::Standing::Active
            })
            .count();
        good >= p.threshold as usize
    }

    /// Every subset of the keys as signers, over every repository: the export accepts no more
    /// than Vouch, except for a repository the summary names as a difference (a repository
    /// named like a namespace, which the file cannot tell apart), and exactly as much outside
    /// `narrower_at`.
    fn assert_never_wider(set: &TrustSet, repos: &[&str], narrower_at: &[&str]) -> Export {
        let e = export(set, now(), Overlap::Accept).expect("export");
        let policy = policy_json(&e);
        let all: Vec<String> = set.keys.iter().map(b64_of).collect();
        let said = |repo: &str| {
            e.summary
                .differences
                .iter()
                .any(|d| d.contains(&format!("`{repo}`")))
        };
        for mask in 0..(1u32 << all.len()) {
            let signers: Vec<String> = (0..all.len())
                .filter(|i| mask & (1 << i) != 0)
                .map(|i| all[i].clone())
                .collect();
            for repo in repos {
                let (c, v) = (
                    containers_accepts(&policy, repo, &signers),
                    vouch_accepts(set, repo, &signers),
                );
                if said(repo) {
                    continue;
                }
                assert!(
                    !c || v,
                    "{repo} signed by {mask:b}: the export is wider\n{policy:#}"
                );
                if !narrower_at.contains(repo) {
                    assert_eq!(c, v, "{repo} signed by {mask:b}\n{policy:#}");
                }
            }
        }
        e
    }

    #[test]
    fn one_key_for_everything_is_inlined_with_match_repository() {
        let k = keys(1);
        let s = set(vec![trusted(&k[0], "acme", &[])]);
        let e = assert_never_wider(&s, &["ghcr.io/acme/app", "docker.io/library/nginx"], &[]);
        let p = policy_json(&e);
        assert_eq!(p["default"], json!([{"type": "reject"}]));
        assert_eq!(
            p["transports"]["docker"][""],
            json!([{"type": "sigstoreSigned", "keyDatas": [b64_of(&s.keys[0])],
                    "signedIdentity": {"type": "matchRepository"}}])
        );
        assert_eq!(e.files[1].path, "registries.d/vouch.yaml");
        assert!(e.files[1]
            .contents
            .contains("default-docker:\n  use-sigstore-attachments: true"));
    }

    #[test]
    fn n_of_m_is_one_requirement_per_combination_of_m_minus_n_plus_one_keys() {
        let k = keys(4);
        let mut s = set(k
            .iter()
            .enumerate()
            .map(|(i, k)| trusted(k, &format!("p{i}"), &["ghcr.io/acme/**"]))
            .collect());
        s.policies
            .push(policy("ghcr.io/acme/**", PolicyMode::Enforce, 3));
        let e = assert_never_wider(
            &s,
            &[
                "ghcr.io/acme/app",
                "ghcr.io/acme/team/app",
                "ghcr.io/other/app",
            ],
            &["ghcr.io/acme"],
        );
        let reqs = policy_json(&e)["transports"]["docker"]["ghcr.io/acme"].clone();
        // 3 of 4: every pair of keys (4 − 3 + 1 = 2) must contain a signer: C(4, 2) = 6.
        assert_eq!(reqs.as_array().map(Vec::len), Some(6), "{reqs:#}");
        assert!(reqs
            .as_array()
            .into_iter()
            .flatten()
            .all(|r| r["keyDatas"].as_array().map(Vec::len) == Some(2)));
        assert!(
            e.files[1]
                .contents
                .contains("docker:\n  \"ghcr.io\":\n    use-sigstore-attachments: true\n"),
            "{}",
            e.files[1].contents
        );
    }

    #[test]
    fn a_scope_whose_repository_and_subtree_vouch_trusts_differently_is_refused_by_default() {
        let k = keys(1);
        let s = set(vec![trusted(&k[0], "acme", &["ghcr.io/acme/**"])]);
        let err = export(&s, now(), Overlap::Refuse).expect_err("one scope, two rules");
        let text = err.to_string();
        assert!(
            matches!(&err, ExportError::ScopeOverlap { scope, .. } if scope == "ghcr.io/acme"),
            "{text}"
        );
        assert!(
            text.contains("`ghcr.io/acme`") && text.contains("more widely"),
            "{text}"
        );
        // Accepted, it is said in the summary.
        let e = export(&s, now(), Overlap::Accept).expect("accepted");
        assert!(
            e.summary
                .differences
                .iter()
                .any(|d| d.contains("`ghcr.io/acme`")),
            "{:?}",
            e.summary
        );
        // Where both sides have the same rule there is nothing to refuse.
        let mut same = set(vec![trusted(
            &k[0],
            "acme",
            &["ghcr.io/acme/**", "ghcr.io/acme"],
        )]);
        same.policies.clear();
        export(&same, now(), Overlap::Refuse).expect("no overlap");
    }

    #[test]
    fn too_many_combinations_are_refused_with_the_limit() {
        let k = keys(10);
        let mut s = set(k.iter().map(|k| trusted(k, "p", &[])).collect());
        s.policies
            .push(policy("ghcr.io/acme/**", PolicyMode::Enforce, 5));
        let err = export(&s, now(), Overlap::Accept).expect_err("C(10, 6) = 210");
        let text = err.to_string();
        assert!(
            matches!(err, ExportError::TooManyCombinations { count: 210, .. }),
            "{text}"
        );
        assert!(
            text.contains("ghcr.io/acme") && text.contains("64"),
            "{text}"
        );
    }

    #[test]
    fn a_policy_glob_the_file_cannot_express_refuses_the_export_naming_it() {
        let k = keys(1);
        let mut s = set(vec![trusted(&k[0], "acme", &[])]);
        s.policies
            .push(policy("ghcr.io/*/app", PolicyMode::Enforce, 2));
        let err = export(&s, now(), Overlap::Accept).expect_err("refused");
        assert!(matches!(err, ExportError::Inexpressible { .. }));
        assert!(err.to_string().contains("`ghcr.io/*/app`"), "{err}");
    }

    #[test]
    fn a_key_scope_the_file_cannot_express_is_left_out_never_widened() {
        let k = keys(2);
        let s = set(vec![
            trusted(&k[0], "globby", &["ghcr.io/acme/app-*", "quay.io/acme/**"]),
            trusted(&k[1], "team", &["ghcr.io/acme/*"]),
        ]);
        let repos = [
            "ghcr.io/acme/app-1",
            "ghcr.io/acme/other",
            "ghcr.io/acme/app-1/x",
            "quay.io/acme/app",
            "quay.io/acme",
        ];
        // Vouch trusts globby for ghcr.io/acme/app-1 and team for ghcr.io/acme/*; the export
        // trusts neither there (narrower), and exactly as Vouch for quay.io.
        let e = assert_never_wider(&s, &repos, &["ghcr.io/acme/app-1", "ghcr.io/acme/other"]);
        let left_out = e.summary.not_exported.join("\n");
        assert!(
            left_out.contains("`ghcr.io/acme/app-*`") && left_out.contains("`ghcr.io/acme/*`"),
            "{left_out}"
        );
        let p = policy_json(&e);
        assert!(
            p["transports"]["docker"].get("ghcr.io/acme").is_none(),
            "{p:#}"
        );
    }

    #[test]
    fn subdomain_wildcards_and_exact_repositories_map_to_scopes() {
        let k = keys(2);
        let s = set(vec![
            trusted(&k[0], "corp", &["*.corp.example/**"]),
            trusted(&k[1], "app", &["ghcr.io/acme/app"]),
        ]);
        let e = assert_never_wider(
            &s,
            &[
                "a.corp.example/x/y",
                "a.b.corp.example/x",
                "corp.example/x",
                "evilcorp.example/x",
                "ghcr.io/acme/app",
                "ghcr.io/acme/other",
            ],
            &[],
        );
        let p = policy_json(&e);
        assert!(
            p["transports"]["docker"].get("*.corp.example").is_some(),
            "{p:#}"
        );
        assert!(
            p["transports"]["docker"].get("ghcr.io/acme/app").is_some(),
            "{p:#}"
        );
        // The exact repository's scope also covers what is under it: said, not hidden.
        assert!(
            e.summary
                .differences
                .iter()
                .any(|d| d.contains("`ghcr.io/acme/app`")),
            "{:?}",
            e.summary
        );
    }

    #[test]
    fn revoked_and_expired_keys_are_never_exported() {
        let k = keys(3);
        let mut revoked = trusted(&k[0], "gone", &[]);
        revoked.status = KeyStatus::Revoked;
        let mut expired = trusted(&k[1], "old", &[]);
        expired.expires_at = Some(now() - Duration::days(1));
        let mut later = trusted(&k[2], "later", &[]);
        later.expires_at = Some(now() + Duration::days(10));
        let s = set(vec![revoked.clone(), expired.clone(), later.clone()]);
        let e = assert_never_wider(&s, &["ghcr.io/acme/app"], &[]);
        let text = &e.files[0].contents;
        assert!(!text.contains(&b64_of(&revoked)) && !text.contains(&b64_of(&expired)));
        assert!(text.contains(&b64_of(&later)));
        let not = e.summary.not_exported.join("\n");
        assert!(
            not.contains("gone")
                && not.contains("revoked")
                && not.contains("old")
                && not.contains("expired"),
            "{not}"
        );
        assert!(e
            .summary
            .differences
            .iter()
            .any(|d| d.contains("later") && d.contains("no expiry")));
    }

    #[test]
    fn the_default_policy_maps_to_default_and_warn_is_said() {
        let k = keys(1);
        let mut s = set(vec![trusted(&k[0], "acme", &["ghcr.io/acme/**"])]);
        s.default_policy = Some(DefaultPolicy {
            mode: PolicyMode::Off,
            threshold: 1,
        });
        s.policies
            .push(policy("ghcr.io/acme/**", PolicyMode::Warn, 1));
        let e = export(&s, now(), Overlap::Accept).expect("export");
        assert_eq!(
            policy_json(&e)["default"],
            json!([{"type": "insecureAcceptAnything"}])
        );
        assert!(
            e.summary
                .differences
                .iter()
                .any(|d| d.contains("`ghcr.io/acme/**` is warn")
                    && d.contains("exported as enforce")),
            "{:?}",
            e.summary
        );
        s.default_policy = Some(DefaultPolicy {
            mode: PolicyMode::Warn,
            threshold: 1,
        });
        let e = export(&s, now(), Overlap::Accept).expect("export");
        assert_eq!(policy_json(&e)["default"], json!([{"type": "reject"}]));
        assert!(
            e.summary
                .differences
                .iter()
                .any(|d| d.contains("repositories no pattern matches is warn")),
            "{:?}",
            e.summary
        );
    }

    /// A key's scope the file cannot express, expanded to the repositories Vouch knows it
    /// matches: one exact entry each, never one it does not match; one created later is not
    /// covered (narrower), and the summary says so. Before, the scope was only left out.
    #[test]
    fn an_inexpressible_key_scope_expands_to_the_listed_repositories_it_matches() {
        let k = keys(1);
        let s = set(vec![trusted(&k[0], "globby", &["ghcr.io/acme/app-*"])]);
        let signer = vec![b64_of(&s.keys[0])];
        let listed = [
            "ghcr.io/acme/app-1",
            "ghcr.io/acme/app-2",
            "ghcr.io/acme/other",
            "ghcr.io/acme/app-1/sub",
            "nginx",
        ];
        let opts = |scope: &str| Options {
            overlap: Overlap::Accept,
            expand: vec![Expansion {
                scope: scope.to_string(),
                repositories: listed.iter().map(|r| r.to_string()).collect(),
            }],
            ..Options::default()
        };
        let e = export_with(&s, now(), &opts("ghcr.io/acme/app-*")).expect("expanded");
        let p = policy_json(&e);
        let scopes: Vec<&String> = p["transports"]["docker"]
            .as_object()
            .map(|m| m.keys().collect())
            .unwrap_or_default();
        assert_eq!(
            scopes,
            ["ghcr.io/acme/app-1", "ghcr.io/acme/app-2"],
            "{p:#}"
        );
        for (repo, accepted) in [
            ("ghcr.io/acme/app-1", true),
            ("ghcr.io/acme/app-2", true),
            ("ghcr.io/acme/other", false),
            // Matched by the scope but not listed: not covered (Vouch trusts it).
            ("ghcr.io/acme/app-3", false),
        ] {
            assert_eq!(containers_accepts(&p, repo, &signer), accepted, "{repo}");
            assert!(
                !accepted || vouch_accepts(&s, repo, &signer),
                "{repo} wider"
            );
        }
        let said = e.summary.exported.join("\n");
        assert!(
            said.contains("`ghcr.io/acme/app-*`")
                && said.contains("2 repositories")
                && said.contains("created later"),
            "{said}"
        );
        // Without the expansion the scope is left out: app-1 is refused.
        let before = export(&s, now(), Overlap::Accept).expect("export");
        assert!(!containers_accepts(
            &policy_json(&before),
            "ghcr.io/acme/app-1",
            &signer
        ));
        // Nothing listed matches: left out, and said.
        let none = Options {
            overlap: Overlap::Accept,
            expand: vec![Expansion {
                scope: "ghcr.io/acme/app-*".into(),
                repositories: vec!["ghcr.io/acme/other".into()],
            }],
            ..Options::default()
        };
        let e = export_with(&s, now(), &none).expect("export");
        assert!(e
            .summary
            .not_exported
            .iter()
            .any(|l| l.contains("none of the repositories")));
        // Refused: an expressible scope, a scope no key has, a policy's pattern.
        let mut with_policy = s;
        with_policy.keys[0].scopes.push("ghcr.io/team/**".into());
        with_policy
            .policies
            .push(policy("ghcr.io/*/legacy", PolicyMode::Enforce, 2));
        for (scope, why) in [
            ("ghcr.io/team/**", "expresses it as it is"),
            ("quay.io/acme/app-*", "no trusted key has this scope"),
            ("ghcr.io/*/legacy", "policy's pattern"),
        ] {
            let err = export_with(&with_policy, now(), &opts(scope)).expect_err(scope);
            assert!(matches!(err, ExportError::NotExpandable { .. }), "{err}");
            let text = err.to_string();
            assert!(
                text.contains(&format!("`{scope}`")) && text.contains(why),
                "{text}"
            );
        }
    }
}
