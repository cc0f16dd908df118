//! Kubernetes admission policies: Kyverno `ImageValidatingPolicy` and sigstore
//! policy-controller `ClusterImagePolicy`, one object per namespace of the trust set.
//!
//! - One attestor (Kyverno) or authority (policy-controller) per key, the PEM inlined, and one
//!   per publisher's keyless identities (`keyless.identities`, so they count once as Vouch
//!   counts them): issuer exact, subject exact or, for a glob or regular expression, Vouch's
//!   anchored expression as `subjectRegExp` (cosign searches it anywhere, so `^(?:…)$` is
//!   written; a pattern Go reads differently is left out). Identities requiring Fulcio claims
//!   are left out (the engines' extension checks are GitHub's deprecated extensions); a custom
//!   root is inlined as Kyverno's `trustedRoot` and left out for policy-controller (it needs a
//!   `TrustRoot` resource); the legacy ClusterPolicy writes one `keyless` entry per identity
//!   (`roots`, `rekor.pubkey`, `ctlog.pubkey` for a custom root; a publisher's several
//!   identities are left out where `count` is above 1). Where a threshold above
//!   1 applies, an identity whose publisher has a key there is left out (the engines count
//!   every signer; Vouch counts the publisher once). All said in the summary.
//! - N-of-M: Kyverno counts `verifyImageSignatures(image, [attestors…]) >= N` over
//!   containers, initContainers and ephemeralContainers; policy-controller has no threshold
//!   field, so a CUE `policy` counts the authorities with signatures in `authorityMatches`.
//! - Matching: Kyverno's `ImageValidatingPolicy` matches the image as the pod writes it
//!   (`nginx`), so each namespace's entries spell every way a pod can write an image of it
//!   (module `written`): globs `P/*`, or `P`, `P:*` and `P@*`, on other registries (Kyverno's
//!   `*` also matches `/`); an expression over every Docker Hub form. The legacy ClusterPolicy
//!   matches Kyverno's normalisation (`docker.io/library/nginx:latest`, `index.docker.io/…`
//!   kept), so its globs are written for both Hub names and its deny rules read
//!   `image_normalize(element.image)`. A registry host written in upper case (Vouch refuses it;
//!   the runtime pulls it) is refused by its own policy or rule. policy-controller matches
//!   go-containerregistry's normalisation: `P/**` (its `*` stops at `/`), Docker Hub as
//!   `index.docker.io`; it checks images by digest and its globs cannot spell `@`, so an exact
//!   repository is `P*`, written only where a sibling `Pfoo` it also matches is covered by
//!   another policy (otherwise left out, and said). `*.domain/**` is an expression keeping `*` to the host for an
//!   `ImageValidatingPolicy`, and refused for the legacy ClusterPolicy (a glob's `*` would also
//!   match `evil.example/x.domain`). A namespace naming no repository docker can produce
//!   (`acme/app`, `index.docker.io/…`) gets nothing, and the summary says so.
//! - Images no namespace matches: Kyverno gets a policy for every other image excluding every
//!   namespace's matches; policy-controller gets its `config-policy-controller` ConfigMap with
//!   `no-match-policy` set to Vouch's rule for them (enforce → `deny`, warn → `warn`, off →
//!   `allow`), in [`POLICY_CONTROLLER_CONFIG`]. policy-controller checks only namespaces
//!   labelled `policy.sigstore.dev/include: "true"`, which the summary says.
//! - Both apply *every* policy whose globs match an image, where Vouch applies the most
//!   specific: an image under a nested namespace must also satisfy the outer one's policy
//!   (stricter, said in the summary).
//! - A namespace whose policy is off gets no object; one where no key can meet the threshold
//!   gets an object that refuses its images.

use serde_json::{json, Value};
use time::OffsetDateTime;

use super::regions::{plan, Namespace, Plan, Rule, EVERY_OTHER};
use super::written::{ivp_matches, legacy_globs, names_nothing, Match, UPPERCASE_HOST};
use super::{root_of, Export, ExportError, ExportFile, Roots};
use crate::trust::identity::{Subject, PUBLIC_GOOD_ROOT};
use crate::trust::TrustedIdentity;
use crate::trust::{scope, PolicyMode, TrustSet};

/// The Kyverno API an export is written for (serialised as the CLI's `--api` values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum KyvernoApi {
    /// `policies.kyverno.io/v1` (Kyverno 1.17 and later).
    #[default]
    V1,
    /// `policies.kyverno.io/v1beta1`.
    V1beta1,
    /// `policies.kyverno.io/v1alpha1` (deprecated; Kyverno 1.14–1.16).
    V1alpha1,
    /// The legacy `kyverno.io/v1` `ClusterPolicy` with `verifyImages` (deprecated since
    /// Kyverno 1.17).
    ClusterPolicy,
}

impl KyvernoApi {
    fn version(self) -> &'static str {
        match self {
            KyvernoApi::V1 => "v1",
            KyvernoApi::V1beta1 => "v1beta1",
            KyvernoApi::V1alpha1 => "v1alpha1",
            KyvernoApi::ClusterPolicy => "v1",
        }
    }
}

const KYVERNO: &str = "a Kyverno ImageValidatingPolicy";
const POLICY_CONTROLLER: &str = "a policy-controller ClusterImagePolicy";

/// Characters a repository name has that no glob of either target treats specially.
fn plain(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-/:".contains(&b))
}

fn refuse_odd_characters(ns: &Namespace) -> Result<(), String> {
    match ns {
        Namespace::Under(p) | Namespace::Exactly(p) | Namespace::Subdomains(p) if !plain(p) => {
            Err("it has characters a repository name never has, which these globs would read as wildcards".to_string())
        }
        _ => Ok(()),
    }
}

/// The policy-controller globs (`*` within a segment, `**` across) for a namespace.
pub(crate) fn policy_controller_globs(ns: &Namespace) -> Vec<String> {
    let hub = |p: &str| match p.strip_prefix("docker.io/") {
        Some(rest) => format!("index.docker.io/{rest}"),
        None if p == "docker.io" => "index.docker.io".to_string(),
        None => p.to_string(),
    };
    match ns {
        _ if names_nothing(ns) => Vec::new(),
        Namespace::Everything => vec!["**".to_string()],
        Namespace::Under(p) => vec![format!("{}/**", hub(p))],
        // It matches images by digest (`P@sha256:…`) and its globs cannot spell `@`: `P*` (its
        // `*` stops at `/`) also matches a sibling `Pfoo`, see `exact_is_safe`.
        Namespace::Exactly(p) => vec![format!("{}*", hub(p))],
        Namespace::Subdomains(d) => vec![format!("*.{d}/**")],
    }
}

/// Whether policy-controller's glob `P*` for the exact repository `pattern` is never wider
/// than Vouch: a sibling it also matches (`Pfoo`, no `/`) must be matched by another policy
/// that enforces Vouch's rule for it (a namespace enclosing it, or `**`), or be one Vouch
/// admits unchecked (every other repository off). Otherwise the sibling, matched by `P*`
/// alone, would be trusted as `P` instead of falling to `no-match-policy`.
fn exact_is_safe(pattern: &str, regions: &[(String, Namespace, Rule, PolicyMode)]) -> bool {
    let sibling = format!("{pattern}X");
    regions.iter().any(|(p, ns, rule, _)| match ns {
        Namespace::Everything => match rule {
            Rule::Anything => true,
            r @ Rule::Keys { .. } => r.signers() > 0,
        },
        Namespace::Exactly(_) => false,
        _ => scope::matches(p, &sibling),
    })
}

/// `sha256:1f2e…` → `1f2e3d4c5b6a`: a name for a key in an object.
fn short(fp: &str) -> &str {
    let hex = fp.strip_prefix("sha256:").unwrap_or(fp);
    hex.get(..12).unwrap_or(hex)
}

/// A DNS-label name for the object of one namespace.
fn object_name(pattern: &str) -> String {
    let mut name: String = pattern
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    while name.contains("--") {
        name = name.replace("--", "-");
    }
    let name = format!("vouch-{}", name.trim_matches('-'));
    let digest = crate::registry::sha256_digest(pattern.as_bytes());
    format!(
        "{}-{}",
        name.get(..40).unwrap_or(&name).trim_end_matches('-'),
        &short(&digest)[..8]
    )
}

/// Every region to write: the plan's namespaces by pattern (but those naming no repository,
/// said once in the summary), then every other repository.
fn regions(plan: &mut Plan<'_>) -> Vec<(String, Namespace, Rule, PolicyMode)> {
    for (pattern, ns) in &plan.namespaces {
        if names_nothing(ns) {
            plan.summary.not_exported.push(format!("`{pattern}` names no repository docker can produce (a registry host first, and at least two components on Docker Hub): it matches no image, so nothing is written for it"));
        }
    }
    let mut out: Vec<_> = plan
        .namespaces
        .iter()
        .filter(|(_, ns)| !names_nothing(ns))
        .filter_map(|(pattern, ns)| {
            let (rule, mode) = plan.ctx.rule(&ns.probe()?);
            Some((pattern.clone(), ns.clone(), rule, mode))
        })
        .collect();
    let (rule, mode) = plan.ctx.rule(EVERY_OTHER);
    out.push(("**".to_string(), Namespace::Everything, rule, mode));
    out
}

/// The `matchImageReferences` of every namespace but "every other repository".
fn ivp_matches_of_namespaces(regions: &[(String, Namespace, Rule, PolicyMode)]) -> Vec<Match> {
    regions
        .iter()
        .filter(|r| r.1 != Namespace::Everything)
        .flat_map(|r| ivp_matches(&r.1))
        .collect()
}

/// The legacy globs of every namespace but "every other repository".
fn legacy_globs_of_namespaces(regions: &[(String, Namespace, Rule, PolicyMode)]) -> Vec<String> {
    regions
        .iter()
        .filter(|r| r.1 != Namespace::Everything)
        .flat_map(|r| legacy_globs(&r.1))
        .collect()
}

/// Writes `objects` as one multi-document YAML file (each document JSON, which is YAML).
fn yaml_file(path: &str, objects: &[Value]) -> Result<ExportFile, ExportError> {
    let mut contents = String::new();
    for o in objects {
        contents.push_str("---\n");
        contents.push_str(
            &serde_json::to_string_pretty(o).map_err(|e| ExportError::Serialize(e.to_string()))?,
        );
        contents.push('\n');
    }
    Ok(ExportFile {
        path: path.to_string(),
        contents,
    })
}

const NESTED: &str = "every policy whose globs match an image applies, where Vouch applies the most specific pattern: an image under a nested namespace must also satisfy the outer namespace's policy (stricter than Vouch)";

/// Kyverno `ImageValidatingPolicy` objects for `set` at `now`.
pub fn kyverno(
    set: &TrustSet,
    now: OffsetDateTime,
    api: KyvernoApi,
    roots: &Roots,
) -> Result<Export, ExportError> {
    let target = if api == KyvernoApi::ClusterPolicy {
        "a Kyverno ClusterPolicy"
    } else {
        KYVERNO
    };
    let mut plan = plan(
        set,
        now,
        target,
        |ns| {
            refuse_odd_characters(ns)?;
            match ns {
                Namespace::Subdomains(_) if api == KyvernoApi::ClusterPolicy => Err(
                    "Kyverno's `*` also matches `/`, so a glob cannot keep `*.domain` to one host"
                        .to_string(),
                ),
                _ => Ok(()),
            }
        },
        |i| {
            if api == KyvernoApi::ClusterPolicy {
                return accept_legacy_identity(roots, i);
            }
            accept_identity(roots, i, false)
        },
        roots,
    )?;
    if api == KyvernoApi::ClusterPolicy {
        return cluster_policy(plan);
    }
    let mut objects = Vec::new();
    let regions = regions(&mut plan);
    let outside = ivp_matches_of_namespaces(&regions);
    let mut strictest = None;
    for (pattern, ns, rule, mode) in regions {
        let Rule::Keys {
            threshold,
            keys,
            identities,
        } = &rule
        else {
            plan.note_off(&pattern);
            continue;
        };
        let match_refs: Vec<Value> = if ns == Namespace::Everything && rule.signers() == 0 {
            if outside.is_empty() {
                vec![json!({"glob": "*"})]
            } else {
                // Refusing every other image must not touch the namespaces above: they are
                // left out of this policy by an expression over `ref`.
                let not: Vec<String> = outside.iter().map(Match::negated).collect();
                vec![json!({"expression": not.join(" && ")})]
            }
        } else {
            ivp_matches(&ns).iter().map(Match::json).collect()
        };
        let mut attestors: Vec<Value> = keys
            .iter()
            .map(|&i| {
                let k = plan.ctx.keys[i];
                json!({"name": format!("key_{}", short(&k.fingerprint)),
                       "cosign": {"key": {"data": k.public_key},
                                  "ctlog": {"insecureIgnoreTlog": true}}})
            })
            .collect();
        let mut names: Vec<String> = keys
            .iter()
            .map(|&i| format!("attestors.key_{}", short(&plan.ctx.keys[i].fingerprint)))
            .collect();
        for group in identities {
            let (name, cosign) = keyless(&plan, group);
            attestors.push(json!({"name": name, "cosign": cosign}));
            names.push(format!("attestors.{name}"));
        }
        let validation = if rule.signers() < *threshold as usize {
            (
                "false".to_string(),
                format!("Vouch trusts no {threshold} keys for these images"),
            )
        } else {
            (
                format!(
                    "verifyImageSignatures(image, [{}]) >= {threshold}",
                    names.join(", ")
                ),
                format!(
                    "every image must be signed by {threshold} of the keys Vouch trusts for it"
                ),
            )
        };
        strictest = strictest.max(Some(mode == PolicyMode::Enforce));
        objects.push(ivp_object(
            api,
            &object_name(&pattern),
            mode,
            match_refs,
            attestors,
            validation,
        ));
        let line = format!("{pattern}: {}", plan.ctx.describe(&rule));
        plan.summary.exported.push(line);
    }
    if let Some(enforce) = strictest {
        // Vouch refuses a registry host written in upper case; the runtime would pull it.
        let mode = if enforce {
            PolicyMode::Enforce
        } else {
            PolicyMode::Warn
        };
        let refs = vec![
            json!({"expression": format!("ref.matches({})", Value::String(UPPERCASE_HOST.to_string()))}),
        ];
        let why = "Vouch refuses an image whose registry host is written in upper case";
        objects.push(ivp_object(
            api,
            "vouch-registry-host-case",
            mode,
            refs,
            Vec::new(),
            ("false".to_string(), why.to_string()),
        ));
        plan.summary.exported.push(format!("{why}: refused by the policy `vouch-registry-host-case` (the container runtime would pull it from the lower-case host, matched by none of the globs)"));
    }
    plan.summary.differences.push(format!("Kyverno: {NESTED}"));
    plan.summary.differences.push("Kyverno matches the image as the pod writes it (`nginx`, `library/nginx`, `index.docker.io/nginx:1`): Docker Hub namespaces are matched by an expression spelling every form docker normalises into them, other registries by globs on the host the pod must write, and an exact repository also without a tag".to_string());
    Ok(Export {
        files: vec![yaml_file("kyverno-imagevalidatingpolicies.yaml", &objects)?],
        summary: plan.summary,
    })
}

/// One `ImageValidatingPolicy`: `validation` (a CEL test of `image`, and its message) must
/// hold for every image of the pod's containers, initContainers and ephemeralContainers that
/// `match_refs` match.
fn ivp_object(
    api: KyvernoApi,
    name: &str,
    mode: PolicyMode,
    match_refs: Vec<Value>,
    attestors: Vec<Value>,
    validation: (String, String),
) -> Value {
    let images = "((has(images.containers) ? images.containers : []) + (has(images.initContainers) ? images.initContainers : []) + (has(images.ephemeralContainers) ? images.ephemeralContainers : []))";
    let actions = match mode {
        PolicyMode::Warn => json!(["Warn", "Audit"]),
        _ => json!(["Deny"]),
    };
    let (test, message) = validation;
    json!({
        "apiVersion": format!("policies.kyverno.io/{}", api.version()),
        "kind": "ImageValidatingPolicy",
        "metadata": {"name": name},
        "spec": {
            "validationActions": actions,
            "matchConstraints": {"resourceRules": [{
                "apiGroups": [""], "apiVersions": ["v1"],
                "operations": ["CREATE", "UPDATE"], "resources": ["pods"]}]},
            "matchImageReferences": match_refs,
            "attestors": attestors,
            "validationConfigurations": {"mutateDigest": true, "verifyDigest": true, "required": true},
            "validations": [{"expression": format!("{images}.all(image, {test})"), "message": message}],
        }
    })
}

/// The legacy `ClusterPolicy`: one rule per namespace, `verifyImages` with one attestor of
/// `count` = threshold over one entry per key; a namespace where no key can meet the threshold
/// gets a `validate` rule denying pods whose images (normalised by `image_normalize`, as
/// `verifyImages` matches them) its globs match (every other image: whose images no other
/// namespace's globs match); a last rule denies registry hosts written in upper case.
fn cluster_policy(mut plan: Plan<'_>) -> Result<Export, ExportError> {
    let regions = regions(&mut plan);
    let outside = legacy_globs_of_namespaces(&regions);
    let mut rules = Vec::new();
    let mut strictest = None;
    for (pattern, ns, rule, mode) in regions {
        let rule = one_entry_each(&mut plan, rule, &pattern);
        let Rule::Keys {
            threshold,
            keys,
            identities,
        } = &rule
        else {
            plan.note_off(&pattern);
            continue;
        };
        let action = if mode == PolicyMode::Warn {
            "Audit"
        } else {
            "Enforce"
        };
        // "Enforce" sorts after "Audit".
        strictest = strictest.max(Some(action));
        let globs = legacy_globs(&ns);
        let mut r = json!({"name": object_name(&pattern),
                           "match": {"any": [{"resources": {"kinds": ["Pod"]}}]}});
        if rule.signers() < *threshold as usize {
            let condition = if ns == Namespace::Everything && !outside.is_empty() {
                json!({"key": "{{ image_normalize(element.image) }}", "operator": "AnyNotIn", "value": outside})
            } else {
                json!({"key": "{{ image_normalize(element.image) }}", "operator": "AnyIn", "value": globs})
            };
            let message = format!("Vouch trusts no {threshold} keys for these images");
            r["validate"] = deny_each_image(action, &message, &condition);
        } else {
            let entries: Vec<Value> = keys
                .iter()
                .map(|&i| {
                    json!({"keys": {"publicKeys": plan.ctx.keys[i].public_key,
                    "rekor": {"ignoreTlog": true}, "ctlog": {"ignoreSCT": true}}})
                })
                .chain(
                    identities
                        .iter()
                        .flatten()
                        .map(|&i| legacy_keyless(&plan, i)),
                )
                .collect();
            r["verifyImages"] = json!([{"imageReferences": globs, "failureAction": action,
                "mutateDigest": true, "verifyDigest": true, "required": true,
                "attestors": [{"count": threshold, "entries": entries}]}]);
        }
        rules.push(r);
        let line = format!("{pattern}: {}", plan.ctx.describe(&rule));
        plan.summary.exported.push(line);
    }
    if let Some(action) = strictest {
        let condition = json!({"key": format!("{{{{ regex_match('{UPPERCASE_HOST}', element.image) }}}}"),
                               "operator": "Equals", "value": true});
        let why = "Vouch refuses an image whose registry host is written in upper case";
        rules.push(json!({"name": "vouch-registry-host-case",
            "match": {"any": [{"resources": {"kinds": ["Pod"]}}]},
            "validate": deny_each_image(action, why, &condition)}));
        plan.summary.exported.push(format!(
            "{why}: refused by the rule `vouch-registry-host-case`"
        ));
    }
    plan.summary.differences.push(format!("Kyverno: {NESTED}"));
    plan.summary.differences.push("the ClusterPolicy matches images as Kyverno normalises them, assuming its default `defaultRegistry: docker.io` and `enableDefaultRegistryMutation: true`; Docker Hub globs are written for both `docker.io` and `index.docker.io`".to_string());
    plan.summary.differences.push("ClusterPolicy verifyImages is deprecated since Kyverno 1.17: prefer the ImageValidatingPolicy export (--api v1)".to_string());
    let policy = json!({"apiVersion": "kyverno.io/v1", "kind": "ClusterPolicy",
        "metadata": {"name": "vouch"},
        "spec": {"background": false, "rules": rules}});
    Ok(Export {
        files: vec![yaml_file("kyverno-clusterpolicy.yaml", &[policy])?],
        summary: plan.summary,
    })
}

/// `rule` with one ClusterPolicy entry per signer: `count` counts entries, so a publisher's
/// several identities (one entry each) are left out where a threshold above 1 applies (which
/// only narrows), said in the summary.
fn one_entry_each(plan: &mut Plan<'_>, rule: Rule, pattern: &str) -> Rule {
    let Rule::Keys {
        threshold,
        keys,
        identities,
    } = rule
    else {
        return rule;
    };
    let (kept, dropped): (Vec<_>, Vec<_>) = identities
        .into_iter()
        .partition(|g| threshold == 1 || g.len() == 1);
    for g in dropped {
        let labels: Vec<String> = g.iter().map(|&i| plan.ctx.identities[i].label()).collect();
        plan.summary.not_exported.push(format!("{pattern}: {} left out: the ClusterPolicy counts every entry, and these identities of one publisher count once in Vouch", labels.join(", ")));
    }
    Rule::Keys {
        threshold,
        keys,
        identities: kept,
    }
}

/// The legacy ClusterPolicy `keyless` entry of the identity `i`: a custom root as its Fulcio
/// CAs, Rekor key and CT key in use (checked by [`accept_legacy_identity`]); none for the
/// public-good one (Kyverno's default).
fn legacy_keyless(plan: &Plan<'_>, i: usize) -> Value {
    let id = &plan.ctx.identities[i].identity;
    let mut keyless = match id.subject.anchored_source() {
        None => json!({"issuer": id.issuer, "subject": id.subject.text()}),
        Some(re) => json!({"issuer": id.issuer, "subjectRegExp": re}),
    };
    let root = plan.ctx.roots.get(id.trusted_root_name());
    if let Some(r) = root.filter(|r| r.json.is_some()) {
        keyless["roots"] = json!(r.fulcio_pems.concat());
        keyless["rekor"] = json!({"pubkey": r.rekor_keys.concat()});
        keyless["ctlog"] = json!({"pubkey": r.ct_keys.concat()});
    }
    json!({"keyless": keyless})
}

/// [`accept_identity`] for the legacy ClusterPolicy, whose custom root is one PEM of CAs, one
/// Rekor key and one CT key.
fn accept_legacy_identity(roots: &Roots, i: &TrustedIdentity) -> Result<(), String> {
    accept_identity(roots, i, false)?;
    let name = i.identity.trusted_root_name();
    if name == PUBLIC_GOOD_ROOT {
        return Ok(());
    }
    let r = root_of(roots, i)?;
    if r.fulcio_pems.is_empty() || r.rekor_keys.len() != 1 || r.ct_keys.len() != 1 {
        return Err(format!("the ClusterPolicy takes one Rekor key and one CT key, and the trusted root `{name}` has {} and {} in use (and {} Fulcio certificates)", r.rekor_keys.len(), r.ct_keys.len(), r.fulcio_pems.len()));
    }
    Ok(())
}

/// A `validate` that denies a pod when `condition` holds for an image of its containers,
/// initContainers or ephemeralContainers (`element.image`).
fn deny_each_image(action: &str, message: &str, condition: &Value) -> Value {
    let foreach: Vec<Value> = ["containers", "initContainers", "ephemeralContainers"]
        .iter()
        .map(|list| {
            json!({
                "list": format!("request.object.spec.{list} || `[]`"),
                "deny": {"conditions": {"any": [condition]}}
            })
        })
        .collect();
    json!({"failureAction": action, "message": message, "foreach": foreach})
}

/// policy-controller `ClusterImagePolicy` objects for `set` at `now`.
pub fn policy_controller(
    set: &TrustSet,
    now: OffsetDateTime,
    roots: &Roots,
) -> Result<Export, ExportError> {
    let mut plan = plan(
        set,
        now,
        POLICY_CONTROLLER,
        refuse_odd_characters,
        |i| accept_identity(roots, i, true),
        roots,
    )?;
    let mut objects = Vec::new();
    let mut no_match = None;
    let regions = regions(&mut plan);
    let mut siblings_matched = Vec::new();
    for (pattern, ns, rule, mode) in regions.iter().cloned() {
        // What policy-controller does with an image no policy matches: Vouch's rule for every
        // other repository, unless a `**` policy below matches them all.
        if ns == Namespace::Everything {
            no_match = match (&rule, mode) {
                (Rule::Anything, _) => Some("allow"),
                (r @ Rule::Keys { .. }, PolicyMode::Warn) if r.signers() == 0 => Some("warn"),
                (r @ Rule::Keys { .. }, _) if r.signers() == 0 => Some("deny"),
                _ => None,
            };
        }
        let Rule::Keys {
            threshold,
            keys,
            identities,
        } = &rule
        else {
            plan.note_off(&pattern);
            continue;
        };
        if ns == Namespace::Everything && rule.signers() == 0 {
            continue;
        }
        if let Namespace::Exactly(p) = &ns {
            if !exact_is_safe(p, &regions) {
                plan.summary.not_exported.push(format!("`{p}`: policy-controller matches images by digest and its globs cannot spell `@`, so an exact repository is matched as `{p}*`, which would also trust a repository named `{p}` followed by more characters that no other policy covers: left out, so its images fall to `no-match-policy` (the export trusts it less widely than Vouch does)"));
                continue;
            }
            siblings_matched.push(format!("`{p}`"));
        }
        let mut spec = json!({
            "images": policy_controller_globs(&ns).into_iter().map(|g| json!({"glob": g})).collect::<Vec<_>>(),
            "mode": if mode == PolicyMode::Warn { "warn" } else { "enforce" },
        });
        if rule.signers() < *threshold as usize {
            spec["authorities"] = json!([{"name": "refuse", "static": {"action": "fail",
                "message": format!("Vouch trusts no {threshold} keys for these images")}}]);
        } else {
            spec["authorities"] = keys
                .iter()
                .map(|&i| {
                    let k = plan.ctx.keys[i];
                    json!({"name": format!("key-{}", short(&k.fingerprint)),
                           "key": {"data": k.public_key, "hashAlgorithm": "sha256"}})
                })
                .chain(identities.iter().map(|group| {
                    let (name, _) = keyless(&plan, group);
                    json!({"name": name.replace('_', "-"),
                           "keyless": {"url": PUBLIC_GOOD_FULCIO,
                                       "identities": identity_entries(&plan, group)}})
                }))
                .collect();
            if *threshold > 1 {
                spec["policy"] = json!({"type": "cue", "data": format!(
                    "package sigstore\n\n_signed: [for name, m in authorityMatches if len(m.signatures) > 0 {{name}}]\n_enough: len(_signed) >= {threshold}\n_enough: true\n")});
            }
        }
        objects.push(json!({
            "apiVersion": "policy.sigstore.dev/v1beta1",
            "kind": "ClusterImagePolicy",
            "metadata": {"name": object_name(&pattern)},
            "spec": spec,
        }));
        let line = format!("{pattern}: {}", plan.ctx.describe(&rule));
        plan.summary.exported.push(line);
    }
    plan.summary
        .differences
        .push(format!("policy-controller: {NESTED}"));
    if !siblings_matched.is_empty() {
        plan.summary.differences.push(format!("policy-controller matches images by digest and its globs cannot spell `@`: the exact repositories {} are matched as `REPOSITORY*`, so a repository named like one of them followed by more characters must also satisfy its policy (stricter than Vouch)", siblings_matched.join(", ")));
    }
    plan.summary.differences.push(format!("policy-controller checks pods only in namespaces labelled `{OPT_IN}`: pods in any other namespace are admitted unchecked, so label every namespace that runs workloads"));
    let mut files = vec![yaml_file(
        "policy-controller-clusterimagepolicies.yaml",
        &objects,
    )?];
    if let Some(answer) = no_match {
        files.push(yaml_file(
            POLICY_CONTROLLER_CONFIG,
            &[json!({"apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": "config-policy-controller", "namespace": "cosign-system"},
                "data": {"no-match-policy": answer}})],
        )?);
        plan.summary.exported.push(format!("images no policy matches (every other repository): `no-match-policy: {answer}` in the `config-policy-controller` ConfigMap ({POLICY_CONTROLLER_CONFIG}), as Vouch's rule for them; it is written for the namespace `cosign-system`, where policy-controller installs by default: change the namespace if yours differs, and apply it (policy-controller admits what no policy matches when it is set to `allow`)"));
    }
    Ok(Export {
        files,
        summary: plan.summary,
    })
}

/// The public-good Fulcio, which policy-controller's keyless authorities name.
const PUBLIC_GOOD_FULCIO: &str = "https://fulcio.sigstore.dev";

/// Whether Kyverno's or policy-controller's keyless verification (cosign's `Identity`: issuer
/// compared exactly, subject exactly or by a Go regular expression searched anywhere, hence
/// anchored here) can carry `i` exactly: no Fulcio claims (their extension checks are
/// GitHub's deprecated extensions, not the claims Vouch compares), a subject pattern whose Go
/// reading is never wider than Vouch's, and a root the target can be given
/// (`public_good_only`: policy-controller needs a `TrustRoot` resource for any other).
fn accept_identity(
    roots: &Roots,
    i: &TrustedIdentity,
    public_good_only: bool,
) -> Result<(), String> {
    let id = &i.identity;
    if !id.claims.is_empty() {
        let claims: Vec<String> = id.claims.required().map(|(c, _)| c.to_string()).collect();
        return Err(format!("its certificate-extension checks are GitHub's deprecated extensions, not the Fulcio claims it requires ({}), and exporting it without them would trust more", claims.join(", ")));
    }
    if let Subject::Regexp(re) = &id.subject {
        go_compatible(re)?;
    }
    let root = id.trusted_root_name();
    if root != PUBLIC_GOOD_ROOT {
        if public_good_only {
            return Err(format!("its trusted root `{root}` is not the public-good one, and policy-controller takes another root only from a `TrustRoot` resource, which this export does not write"));
        }
        if root_of(roots, i)?.json.is_none() {
            return Err(format!("its trusted root `{root}` could not be read"));
        }
    }
    Ok(())
}

/// Refuses a Rust regular expression Go's RE2 could read more widely: Unicode word
/// boundaries (`\b`, `\B`: ASCII in Go), class set operations and nested classes (`&&`, `--`,
/// `~~`, `[[`: literal characters in Go).
pub(crate) fn go_compatible(re: &str) -> Result<(), String> {
    for bad in ["\\b", "\\B", "&&", "--", "~~", "[["] {
        if re.contains(bad) {
            return Err(format!("its regular expression uses `{bad}`, which Go's regular expressions read differently"));
        }
    }
    Ok(())
}

/// The keyless identities of one publisher's `group`, as cosign's `Identity` entries.
fn identity_entries(plan: &Plan<'_>, group: &[usize]) -> Vec<Value> {
    // One attestor has one root: a publisher's identities under another root than its first
    // are left out of it (which only narrows).
    let root = plan.ctx.identities[group[0]].identity.trusted_root_name();
    group
        .iter()
        .map(|&i| &plan.ctx.identities[i].identity)
        .filter(|id| id.trusted_root_name() == root)
        .map(|id| match id.subject.anchored_source() {
            None => json!({"issuer": id.issuer, "subject": id.subject.text()}),
            Some(re) => json!({"issuer": id.issuer, "subjectRegExp": re}),
        })
        .collect()
}

/// The Kyverno attestor name and `cosign` of one publisher's identities (one attestor, so they
/// count once): a custom root inlined as `trustedRoot` (the public-good one is Kyverno's
/// default).
fn keyless(plan: &Plan<'_>, group: &[usize]) -> (String, Value) {
    let first = plan.ctx.identities[group[0]];
    let name = format!("id_{}", first.id.trim_start_matches("id:"));
    let mut cosign = json!({"keyless": {"identities": identity_entries(plan, group)}});
    let root = first.identity.trusted_root_name();
    if let Some(json) = plan.ctx.roots.get(root).and_then(|r| r.json.as_ref()) {
        cosign["trustedRoot"] = json!({"value": json});
    }
    (name, cosign)
}

/// The label a namespace needs for policy-controller to check its pods.
const OPT_IN: &str = "policy.sigstore.dev/include: \"true\"";

/// The file with policy-controller's `config-policy-controller` ConfigMap.
pub const POLICY_CONTROLLER_CONFIG: &str = "policy-controller-config.yaml";

#[cfg(test)]
mod tests {
    use super::super::regions::namespace;
    use super::*;
    use crate::keys::{Algorithm, PrivateKey};
    use crate::reference::ImageRef;
    use crate::test_support::{now, policy, set, trusted};
    use crate::trust::{scope, DefaultPolicy};

    /// Kyverno's glob (gobwas/glob compiled without separators): `*` matches any run of
    /// characters, `/` included; nothing else in the globs written here is special.
    fn kyverno_match(glob: &str, s: &str) -> bool {
        match glob.split_once('*') {
            None => glob == s,
            Some((head, rest)) => {
                s.starts_with(head) && (head.len()..=s.len()).any(|i| kyverno_match(rest, &s[i..]))
            }
        }
    }

    /// policy-controller's glob (its `glob.Compile`): `**` matches anything, `*` anything but
    /// `/`, over the full reference with Docker Hub as `index.docker.io`.
    fn policy_controller_match(glob: &str, s: &str) -> bool {
        if let Some(rest) = glob.strip_prefix("**") {
            return (0..=s.len()).any(|i| policy_controller_match(rest, &s[i..]));
        }
        if let Some(rest) = glob.strip_prefix('*') {
            let seg = s.find('/').unwrap_or(s.len());
            return (0..=seg).any(|i| policy_controller_match(rest, &s[i..]));
        }
        match (glob.chars().next(), s.chars().next()) {
            (None, None) => true,
            (Some(g), Some(c)) if g == c => policy_controller_match(&glob[1..], &s[1..]),
            _ => false,
        }
    }

    /// policy-controller's `validGlob` (`^[a-zA-Z0-9-_:\/\*\.]+$` in Go, whose `-` after the
    /// range `0-9` is a literal): a glob with any other character is refused.
    fn valid_pc_glob(glob: &str) -> bool {
        !glob.is_empty()
            && glob
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_:/*.".contains(c))
    }

    /// An exact repository: policy-controller checks images by digest and cannot spell `@`,
    /// so it is `P*`, exported only where a sibling `Pfoo` it also matches is covered by
    /// another policy (`**` here); otherwise left out and said. Before, `P@*` was written, a
    /// glob policy-controller refuses, and `P:*` missed every image pinned by digest.
    #[test]
    fn policy_controller_matches_an_exact_repository_by_digest_only_where_siblings_are_covered() {
        let k = keys(2);
        let mut s = set(vec![trusted(&k[0], "n", &["docker.io/library/nginx"])]);
        let e = policy_controller(&s, now(), &Roots::new()).expect("export");
        assert!(objects(&e).is_empty(), "{:?}", objects(&e));
        let left = e.summary.not_exported.join("\n");
        assert!(
            left.contains("`docker.io/library/nginx`: policy-controller matches images by digest"),
            "{left}"
        );
        s.keys.push(trusted(&k[1], "all", &[]));
        let e = policy_controller(&s, now(), &Roots::new()).expect("export");
        let o = objects(&e);
        let nginx = o
            .iter()
            .find(|o| o["metadata"]["name"] == object_name("docker.io/library/nginx"))
            .expect("a policy for nginx");
        let globs: Vec<String> = nginx["spec"]["images"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|i| i["glob"].as_str().map(String::from))
            .collect();
        assert_eq!(globs, ["index.docker.io/library/nginx*"]);
        let pinned = format!("index.docker.io/library/nginx@sha256:{}", "0a".repeat(32));
        assert!(policy_controller_match(&globs[0], &pinned));
        assert!(globs.iter().all(|g| valid_pc_glob(g)));
        assert!(e
            .summary
            .differences
            .iter()
            .any(|d| d.contains("`docker.io/library/nginx`") && d.contains("REPOSITORY*")));
    }

    /// Evaluates one `matchImageReferences` entry on an image as the pod writes it (CEL's
    /// `matches` is RE2's unanchored search, as `Regex::is_match`).
    fn ivp_match(m: &Match, written: &str) -> bool {
        match m {
            Match::Glob(g) => kyverno_match(g, written),
            Match::Regex { regex, unless } => {
                regex::Regex::new(regex)
                    .expect("RE2 the regex crate reads")
                    .is_match(written)
                    && !unless.is_some_and(|u| written.starts_with(u))
            }
            Match::Nothing => false,
        }
    }

    /// Is `first` read by docker as a registry host?
    fn host_like(first: &str) -> bool {
        first.contains(['.', ':']) || first == "localhost"
    }

    /// Every way a pod can write an image of `repository` (normalised), each with no tag, a
    /// tag, an upper-case tag, a digest, and both.
    fn written_forms(repository: &str) -> Vec<String> {
        let mut names = vec![repository.to_string()];
        if let Some(path) = repository.strip_prefix("docker.io/") {
            names.push(format!("index.docker.io/{path}"));
            let first = path.split('/').next().unwrap_or(path);
            if !host_like(first) {
                names.push(path.to_string());
            }
            if let Some(name) = path.strip_prefix("library/").filter(|n| !n.contains('/')) {
                names.extend([
                    name.to_string(),
                    format!("docker.io/{name}"),
                    format!("index.docker.io/{name}"),
                ]);
            }
        }
        let digest = format!("@sha256:{}", "0a".repeat(32));
        let suffixes = [
            "".to_string(),
            ":v1".into(),
            ":V1".into(),
            digest.clone(),
            format!(":v1{digest}"),
        ];
        names
            .iter()
            .flat_map(|n| suffixes.iter().map(move |s| format!("{n}{s}")))
            .collect()
    }

    /// The image as the legacy ClusterPolicy matches it (Kyverno's `GetImageInfo(…).String()`
    /// with its defaults): `registry/path` with `docker.io` when the pod names no registry and
    /// `index.docker.io` kept as written, `library/` before a one-component Hub path, then the
    /// digest, else the tag (`latest` when none).
    fn legacy_normalised(written: &str) -> String {
        let r = ImageRef::parse(written).expect("a valid reference");
        let (host, _) = written.split_once('/').unwrap_or(("", written));
        let registry = if host_like(host) && written.contains('/') {
            host
        } else {
            "docker.io"
        };
        let base = format!("{registry}/{}", r.path());
        match (r.digest(), r.tag()) {
            (Some(d), _) => format!("{base}@{d}"),
            (None, t) => format!("{base}:{}", t.unwrap_or("latest")),
        }
    }

    /// The table test of the exported match semantics against Vouch's scope matcher: for each
    /// pattern the targets accept and each repository, every way a pod can write an image of
    /// it is matched by the pattern's Kyverno `ImageValidatingPolicy` entries, by its legacy
    /// ClusterPolicy globs (on Kyverno's normalisation) and by its policy-controller globs (on
    /// go-containerregistry's) exactly when Vouch's scope matches the repository docker
    /// normalises it to.
    #[test]
    fn exported_globs_agree_with_the_scope_matcher() {
        let patterns = [
            "ghcr.io/acme/**",
            "ghcr.io/**",
            "ghcr.io/acme/app",
            "docker.io/library/nginx",
            "docker.io/library/**",
            "docker.io/library/nginx/**",
            "docker.io/acme/**",
            "docker.io/acme/app",
            "docker.io/**",
            "docker.io/a.b/**",
            "*.corp.example/**",
            "127.0.0.1:5000/acme/**",
            "127.0.0.1:5000/acme/app",
            "localhost/acme/**",
            "localhost:5000/app",
            // Never a normalised repository: they must match nothing.
            "acme/app",
            "library/**",
            "index.docker.io/library/nginx",
            "docker.io/nginx",
            "**",
        ];
        let repos = [
            "ghcr.io/acme/app",
            "ghcr.io/acme/team/app",
            "ghcr.io/acme",
            "ghcr.io/acmex/app",
            "ghcr.io/other/acme/app",
            "docker.io/library/nginx",
            "docker.io/library/nginx2",
            "docker.io/library/nginx/sub",
            "docker.io/library/library",
            "docker.io/library/localhost",
            "docker.io/acme/app",
            "docker.io/acme/app/x",
            "docker.io/acme/nginx",
            "docker.io/a.b/x",
            "docker.io/localhost/app",
            "a.corp.example/x/y",
            "a.b.corp.example/x",
            "corp.example/x",
            "evil.example/x.corp.example/y",
            "a.corp.example:5000/x",
            "a.corp.example.evil.com/x",
            "127.0.0.1:5000/acme/app",
            "127.0.0.1:5001/acme/app",
            "nginx:5000/evil/app",
            "localhost/acme/app",
            "localhost:5000/app",
            "localhost:5000/acme/app",
        ];
        let mut compared = 0;
        for pattern in patterns {
            let ns = namespace(pattern).expect(pattern);
            // The legacy ClusterPolicy refuses `*.domain/**` (see below).
            let legacy_too = !matches!(ns, Namespace::Subdomains(_));
            for repo in repos {
                for written in written_forms(repo) {
                    let normalised = ImageRef::parse(&written).expect(&written).repository();
                    assert_eq!(normalised, repo, "{written}");
                    let vouch = scope::matches(pattern, &normalised);
                    let ivp = ivp_matches(&ns).iter().any(|m| ivp_match(m, &written));
                    assert_eq!(ivp, vouch, "ImageValidatingPolicy {pattern} vs {written}");
                    if legacy_too {
                        let seen = legacy_normalised(&written);
                        let legacy = legacy_globs(&ns).iter().any(|g| kyverno_match(g, &seen));
                        assert_eq!(
                            legacy, vouch,
                            "ClusterPolicy {pattern} vs {written} ({seen})"
                        );
                    }
                    compared += 1;
                }
                // go-containerregistry names Docker Hub `index.docker.io`, always qualified.
                let hub = match repo.strip_prefix("docker.io/") {
                    Some(rest) => format!("index.docker.io/{rest}"),
                    None => repo.to_string(),
                };
                for suffix in [":v1", "@sha256:0123abcd"] {
                    let pc = policy_controller_globs(&ns)
                        .iter()
                        .any(|g| policy_controller_match(g, &format!("{hub}{suffix}")));
                    let vouch = scope::matches(pattern, repo);
                    for g in policy_controller_globs(&ns) {
                        assert!(valid_pc_glob(&g), "policy-controller refuses the glob {g}");
                    }
                    // `P*` also matches a sibling `Pfoo` (stricter; see `exact_is_safe`).
                    let sibling = matches!(&ns, Namespace::Exactly(p)
                        if repo.starts_with(p.as_str()) && !repo[p.len()..].starts_with('/'));
                    if !(pc && sibling) {
                        assert_eq!(pc, vouch, "policy-controller {pattern} vs {repo}{suffix}");
                    }
                }
            }
        }
        assert!(compared > patterns.len() * repos.len() * 5, "{compared}");
        // Why `*.domain/**` is refused for the legacy ClusterPolicy: its `*` would reach across
        // `/`.
        let wild = legacy_globs(&Namespace::Subdomains("corp.example".into()));
        assert!(wild
            .iter()
            .any(|g| kyverno_match(g, "evil.example/x.corp.example/y:v1")));
        assert!(!scope::matches(
            "*.corp.example/**",
            "evil.example/x.corp.example/y"
        ));
    }

    /// A registry host written in upper case is refused by Vouch and pulled by the runtime: no
    /// namespace's entries match it, the upper-case policy does, and that policy matches no
    /// image Vouch can read.
    #[test]
    fn a_registry_host_in_upper_case_is_matched_by_the_refusing_policy_only() {
        let upper = regex::Regex::new(UPPERCASE_HOST).expect("RE2");
        for written in [
            "GHCR.IO/acme/app:v1",
            "Ghcr.io/acme/app",
            "DOCKER.IO/library/nginx",
            "Localhost:5000/acme/app@sha256:0123",
            "ACME/app",
        ] {
            assert!(ImageRef::parse(written).is_err(), "{written}");
            assert!(upper.is_match(written), "{written}");
            for pattern in [
                "ghcr.io/acme/**",
                "docker.io/library/nginx",
                "docker.io/**",
                "localhost:5000/acme/app",
            ] {
                let ns = namespace(pattern).expect(pattern);
                assert!(
                    !ivp_matches(&ns).iter().any(|m| ivp_match(m, written)),
                    "{pattern} matches {written}"
                );
            }
        }
        for repo in [
            "ghcr.io/acme/app",
            "docker.io/library/nginx",
            "docker.io/acme/app",
            "localhost:5000/x",
        ] {
            for written in written_forms(repo) {
                assert!(!upper.is_match(&written), "{written}");
            }
        }
        // The exclusion of the refuse-everything-else policy negates each entry whole.
        let hub = ivp_matches(&Namespace::Under("docker.io".into()));
        assert!(
            hub[0].negated().starts_with("!(ref.matches("),
            "{}",
            hub[0].negated()
        );
        assert_eq!(Match::Nothing.negated(), "true");
    }

    fn objects(e: &Export) -> Vec<Value> {
        e.files[0]
            .contents
            .split("---\n")
            .filter(|d| !d.trim().is_empty())
            .map(|d| serde_json::from_str(d).expect("json document"))
            .collect()
    }

    fn keys(n: usize) -> Vec<PrivateKey> {
        (0..n)
            .map(|_| PrivateKey::generate(Algorithm::Ed25519).expect("key"))
            .collect()
    }

    /// `k` trusted for `pattern` (published by `a`, `b`, `c`…) under a policy on `pattern`.
    fn signed_by(k: &[PrivateKey], pattern: &str, mode: PolicyMode, threshold: u32) -> TrustSet {
        let publishers = ["a", "b", "c"];
        let mut s = set(k
            .iter()
            .zip(publishers)
            .map(|(k, p)| trusted(k, p, &[pattern]))
            .collect());
        s.policies.push(policy(pattern, mode, threshold));
        s
    }

    /// The object exported for the scope `pattern`.
    fn named<'o>(o: &'o [Value], pattern: &str) -> &'o Value {
        o.iter()
            .find(|o| o["metadata"]["name"] == object_name(pattern))
            .unwrap_or_else(|| panic!("a policy for {pattern}"))
    }

    #[test]
    fn kyverno_counts_distinct_attestors_and_keeps_subdomain_scopes_to_one_host() {
        let k = keys(3);
        let mut s = signed_by(&k[..2], "ghcr.io/acme/**", PolicyMode::Enforce, 2);
        s.keys.push(trusted(&k[2], "corp", &["*.corp.example/**"]));
        let e = kyverno(&s, now(), KyvernoApi::V1, &Roots::new()).expect("export");
        let o = objects(&e);
        let acme = o
            .iter()
            .find(|o| o["spec"]["matchImageReferences"] == json!([{"glob": "ghcr.io/acme/*"}]))
            .expect("a policy for ghcr.io/acme");
        assert_eq!(acme["spec"]["attestors"].as_array().map(Vec::len), Some(2));
        let expr = acme["spec"]["validations"][0]["expression"]
            .as_str()
            .unwrap_or_default();
        assert!(
            expr.contains(">= 2")
                && expr.contains("initContainers")
                && expr.contains("ephemeralContainers"),
            "{expr}"
        );
        assert_eq!(acme["spec"]["validationActions"], json!(["Deny"]));
        // `*.corp.example/**` kept to one host by a regular expression.
        let corp = named(&o, "*.corp.example/**");
        let corp_match = "ref.matches(\"^[^/]+\\\\.corp\\\\.example/.+$\")";
        assert_eq!(
            corp["spec"]["matchImageReferences"],
            json!([{"expression": corp_match}])
        );
        // Every other image: no key, enforce → refused, without touching the namespaces.
        let rest = named(&o, "**");
        let m = rest["spec"]["matchImageReferences"][0]["expression"]
            .as_str()
            .unwrap_or_default();
        assert_eq!(
            m,
            format!("!{corp_match} && !ref.matches(\"^ghcr\\\\.io/acme/.*$\")"),
            "{rest:#}"
        );
        // A registry host in upper case is refused by its own policy, last.
        let case = o.last().expect("the upper-case policy");
        assert_eq!(case["metadata"]["name"], "vouch-registry-host-case");
        assert_eq!(case["spec"]["validationActions"], json!(["Deny"]));
        // The legacy ClusterPolicy's globs cannot keep `*` to one host: the scope is left out,
        // and a policy with that pattern refuses the export.
        let e = kyverno(&s, now(), KyvernoApi::ClusterPolicy, &Roots::new()).expect("export");
        assert!(
            e.summary
                .not_exported
                .iter()
                .any(|l| l.contains("`*.corp.example/**`")),
            "{:?}",
            e.summary
        );
        s.policies
            .push(policy("*.corp.example/**", PolicyMode::Enforce, 1));
        kyverno(&s, now(), KyvernoApi::V1, &Roots::new()).expect("expressible");
        let err =
            kyverno(&s, now(), KyvernoApi::ClusterPolicy, &Roots::new()).expect_err("refused");
        assert!(err.to_string().contains("`*.corp.example/**`"), "{err}");
    }

    #[test]
    fn the_cluster_policy_counts_keys_and_denies_what_no_key_covers() {
        let s = signed_by(&keys(2), "ghcr.io/acme/**", PolicyMode::Warn, 2);
        let e = kyverno(&s, now(), KyvernoApi::ClusterPolicy, &Roots::new()).expect("export");
        let o = objects(&e);
        let rules = o[0]["spec"]["rules"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert_eq!(rules.len(), 3, "{o:#?}");
        let verify = &rules[0]["verifyImages"][0];
        assert_eq!(verify["imageReferences"], json!(["ghcr.io/acme/*"]));
        assert_eq!(verify["failureAction"], "Audit");
        assert_eq!(verify["attestors"][0]["count"], 2);
        assert_eq!(
            verify["attestors"][0]["entries"].as_array().map(Vec::len),
            Some(2)
        );
        // Every other image has no key under enforce: denied unless a namespace above covers it.
        let deny = &rules[1]["validate"];
        assert_eq!(deny["failureAction"], "Enforce");
        let cond = &deny["foreach"][0]["deny"]["conditions"]["any"][0];
        assert_eq!(cond["operator"], "AnyNotIn");
        assert_eq!(cond["key"], "{{ image_normalize(element.image) }}");
        assert_eq!(cond["value"], json!(["ghcr.io/acme/*"]));
        assert_eq!(deny["foreach"].as_array().map(Vec::len), Some(3));
        // Registry hosts in upper case: denied, as strictly as the strictest rule.
        assert_eq!(rules[2]["name"], "vouch-registry-host-case");
        assert_eq!(rules[2]["validate"]["failureAction"], "Enforce");
    }

    /// The ImageValidatingPolicy of a Docker Hub namespace matches `nginx` and `library/nginx`
    /// (Kyverno matches the image as the pod writes it); so does the exclusion of the policy
    /// refusing every other image. Before, `docker.io/library/*` let both through unchecked.
    #[test]
    fn kyverno_matches_docker_hub_images_however_the_pod_writes_them() {
        let s = signed_by(&keys(2), "docker.io/library/**", PolicyMode::Enforce, 2);
        let e = kyverno(&s, now(), KyvernoApi::V1, &Roots::new()).expect("export");
        let o = objects(&e);
        let hub = named(&o, "docker.io/library/**");
        let refs = hub["spec"]["matchImageReferences"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert_eq!(refs.len(), 1, "{refs:?}");
        let cel = refs[0]["expression"].as_str().unwrap_or_default();
        let literal = cel
            .strip_prefix("ref.matches(")
            .and_then(|r| r.strip_suffix(')'))
            .expect("ref.matches(\"…\")");
        let re: String = serde_json::from_str(literal).expect("a CEL (JSON) string literal");
        let re = regex::Regex::new(&re).expect("RE2");
        for written in [
            "nginx",
            "nginx:1.25",
            "library/nginx",
            "docker.io/nginx",
            "index.docker.io/library/nginx:1",
        ] {
            assert!(re.is_match(written), "{written} escapes {cel}");
        }
        for other in ["acme/app", "ghcr.io/library/nginx", "nginx:5000/library/x"] {
            assert!(!re.is_match(other), "{other} caught by {cel}");
        }
        // Every other image is refused, the Docker Hub namespace left out whole.
        let rest = named(&o, "**");
        let not = rest["spec"]["matchImageReferences"][0]["expression"]
            .as_str()
            .unwrap_or_default();
        assert_eq!(not, format!("!{cel}"));
        assert!(e
            .summary
            .differences
            .iter()
            .any(|d| d.contains("as the pod writes it")));
    }

    #[test]
    fn policy_controller_uses_cue_for_thresholds_and_says_what_no_policy_matches() {
        let mut s = signed_by(&keys(3), "ghcr.io/acme/**", PolicyMode::Warn, 2);
        s.policies
            .push(policy("ghcr.io/acme/legacy", PolicyMode::Off, 1));
        let e = policy_controller(&s, now(), &Roots::new()).expect("export");
        let o = objects(&e);
        assert_eq!(o.len(), 1, "{o:#?}");
        let spec = &o[0]["spec"];
        assert_eq!(spec["images"], json!([{"glob": "ghcr.io/acme/**"}]));
        assert_eq!(spec["mode"], "warn");
        assert_eq!(spec["authorities"].as_array().map(Vec::len), Some(3));
        assert!(spec["policy"]["data"]
            .as_str()
            .unwrap_or_default()
            .contains("len(_signed) >= 2"));
        assert!(e
            .summary
            .exported
            .iter()
            .any(|l| l.contains("ghcr.io/acme/legacy") && l.contains("off")));
        let said = e.summary.differences.join("\n");
        assert!(said.contains("policy.sigstore.dev/include"), "{said}");
        // Images no policy matches get Vouch's rule for every other repository through the
        // ConfigMap: enforce → deny (before, only a sentence said so), warn → warn, off → allow.
        for (mode, answer) in [
            (PolicyMode::Enforce, "deny"),
            (PolicyMode::Warn, "warn"),
            (PolicyMode::Off, "allow"),
        ] {
            s.default_policy = Some(DefaultPolicy { mode, threshold: 1 });
            let e = policy_controller(&s, now(), &Roots::new()).expect("export");
            assert_eq!(e.files.len(), 2, "{mode:?}");
            assert_eq!(e.files[1].path, POLICY_CONTROLLER_CONFIG);
            let config: Value =
                serde_json::from_str(e.files[1].contents.trim_start_matches("---\n"))
                    .expect("one JSON document");
            assert_eq!(config["kind"], "ConfigMap");
            assert_eq!(config["metadata"]["name"], "config-policy-controller");
            assert_eq!(config["data"]["no-match-policy"], answer, "{mode:?}");
            assert!(e
                .summary
                .exported
                .iter()
                .any(|l| l.contains(&format!("no-match-policy: {answer}"))));
        }
        // A key for every repository: a `**` policy matches every image, no ConfigMap.
        s.default_policy = None;
        s.keys.push(trusted(&keys(1)[0], "all", &[]));
        let e = policy_controller(&s, now(), &Roots::new()).expect("export");
        assert_eq!(e.files.len(), 1);
        assert!(objects(&e)
            .iter()
            .any(|o| o["spec"]["images"] == json!([{"glob": "**"}])));
    }
}
