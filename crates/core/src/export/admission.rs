//! Kubernetes admission policies: Kyverno `ImageValidatingPolicy` and sigstore
//! policy-controller `ClusterImagePolicy`, one object per namespace of the trust set.
//!
//! - One attestor (Kyverno) or authority (policy-controller) per key, the PEM inlined.
//! - N-of-M: Kyverno counts `verifyImageSignatures(image, [attestors…]) >= N` over
//!   containers, initContainers and ephemeralContainers; policy-controller has no threshold
//!   field, so a CUE `policy` counts the authorities with signatures in `authorityMatches`.
//! - Globs: a namespace `P/**` becomes `P/*` for Kyverno (whose `*` also matches `/`) and
//!   `P/**` for policy-controller (whose `*` stops at `/`); an exact repository `P` becomes
//!   `P:*` and `P@*` (a tag or a digest follows the name). `*.domain/**` is refused for
//!   Kyverno (its `*` would also match `evil.example/x.domain`). Docker Hub is
//!   `index.docker.io` for policy-controller.
//! - Both apply *every* policy whose globs match an image, where Vouch applies the most
//!   specific: an image under a nested namespace must also satisfy the outer one's policy
//!   (stricter, said in the summary).
//! - A namespace whose policy is off gets no object; one where no key can meet the threshold
//!   gets an object that refuses its images.

use serde_json::{json, Value};
use time::OffsetDateTime;

use super::regions::{plan, Namespace, Plan, Rule, EVERY_OTHER};
use super::{Export, ExportError, ExportFile};
use crate::trust::{PolicyMode, TrustSet};

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

/// The Kyverno globs (gobwas, `*` matching anything, `/` included) for a namespace.
pub(crate) fn kyverno_globs(ns: &Namespace) -> Vec<String> {
    match ns {
        Namespace::Everything => vec!["*".to_string()],
        Namespace::Under(p) => vec![format!("{p}/*")],
        Namespace::Exactly(p) => vec![format!("{p}:*"), format!("{p}@*")],
        Namespace::Subdomains(d) => vec![format!("*.{d}/*")],
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
        Namespace::Everything => vec!["**".to_string()],
        Namespace::Under(p) => vec![format!("{}/**", hub(p))],
        Namespace::Exactly(p) => vec![format!("{}:*", hub(p)), format!("{}@*", hub(p))],
        Namespace::Subdomains(d) => vec![format!("*.{d}/**")],
    }
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

/// Every region to write: the plan's namespaces by pattern, then every other repository.
fn regions(plan: &Plan<'_>) -> Vec<(String, Namespace, Rule, PolicyMode)> {
    let mut out: Vec<_> = plan
        .namespaces
        .iter()
        .filter_map(|(pattern, ns)| {
            let (rule, mode) = plan.ctx.rule(&ns.probe()?);
            Some((pattern.clone(), ns.clone(), rule, mode))
        })
        .collect();
    let (rule, mode) = plan.ctx.rule(EVERY_OTHER);
    out.push(("**".to_string(), Namespace::Everything, rule, mode));
    out
}

/// The Kyverno globs of every namespace but "every other repository".
fn kyverno_globs_of_namespaces(regions: &[(String, Namespace, Rule, PolicyMode)]) -> Vec<String> {
    regions
        .iter()
        .filter(|r| r.1 != Namespace::Everything)
        .flat_map(|r| kyverno_globs(&r.1))
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
) -> Result<Export, ExportError> {
    let target = if api == KyvernoApi::ClusterPolicy {
        "a Kyverno ClusterPolicy"
    } else {
        KYVERNO
    };
    let mut plan = plan(set, now, target, |ns| {
        refuse_odd_characters(ns)?;
        match ns {
            Namespace::Subdomains(_) => Err(
                "Kyverno's `*` also matches `/`, so a glob cannot keep `*.domain` to one host"
                    .to_string(),
            ),
            _ => Ok(()),
        }
    })?;
    if api == KyvernoApi::ClusterPolicy {
        return cluster_policy(plan);
    }
    let images = "((has(images.containers) ? images.containers : []) + (has(images.initContainers) ? images.initContainers : []) + (has(images.ephemeralContainers) ? images.ephemeralContainers : []))";
    let mut objects = Vec::new();
    let regions = regions(&plan);
    let outside = kyverno_globs_of_namespaces(&regions);
    for (pattern, ns, rule, mode) in regions {
        let Rule::Keys { threshold, keys } = &rule else {
            plan.note_off(&pattern);
            continue;
        };
        let match_refs: Vec<Value> = if ns == Namespace::Everything {
            if keys.is_empty() && outside.is_empty() {
                vec![json!({"glob": "*"})]
            } else if keys.is_empty() {
                // Refusing every other image must not touch the namespaces above: they are
                // left out of this policy by an expression over `ref`.
                let not: Vec<String> = outside
                    .iter()
                    .map(|g| format!("!ref.matches({})", Value::String(glob_regex(g))))
                    .collect();
                vec![json!({"expression": not.join(" && ")})]
            } else {
                vec![json!({"glob": "*"})]
            }
        } else {
            kyverno_globs(&ns)
                .into_iter()
                .map(|g| json!({"glob": g}))
                .collect()
        };
        let attestors: Vec<Value> = keys
            .iter()
            .map(|&i| {
                let k = plan.ctx.keys[i];
                json!({"name": format!("key_{}", short(&k.fingerprint)),
                       "cosign": {"key": {"data": k.public_key},
                                  "ctlog": {"insecureIgnoreTlog": true}}})
            })
            .collect();
        let names: Vec<String> = keys
            .iter()
            .map(|&i| format!("attestors.key_{}", short(&plan.ctx.keys[i].fingerprint)))
            .collect();
        let (expression, message) = if keys.len() < *threshold as usize {
            (
                format!("{images}.all(image, false)"),
                format!("Vouch trusts no {threshold} keys for these images"),
            )
        } else {
            (
                format!(
                    "{images}.all(image, verifyImageSignatures(image, [{}]) >= {threshold})",
                    names.join(", ")
                ),
                format!(
                    "every image must be signed by {threshold} of the keys Vouch trusts for it"
                ),
            )
        };
        let actions = match mode {
            PolicyMode::Warn => json!(["Warn", "Audit"]),
            _ => json!(["Deny"]),
        };
        objects.push(json!({
            "apiVersion": format!("policies.kyverno.io/{}", api.version()),
            "kind": "ImageValidatingPolicy",
            "metadata": {"name": object_name(&pattern)},
            "spec": {
                "validationActions": actions,
                "matchConstraints": {"resourceRules": [{
                    "apiGroups": [""], "apiVersions": ["v1"],
                    "operations": ["CREATE", "UPDATE"], "resources": ["pods"]}]},
                "matchImageReferences": match_refs,
                "attestors": attestors,
                "validationConfigurations": {"mutateDigest": true, "verifyDigest": true, "required": true},
                "validations": [{"expression": expression, "message": message}],
            }
        }));
        let line = format!("{pattern}: {}", plan.ctx.describe(&rule));
        plan.summary.exported.push(line);
    }
    plan.summary.differences.push(format!("Kyverno: {NESTED}"));
    plan.summary.differences.push("Kyverno matches the image as written in the pod: the globs are fully qualified (docker.io/library/nginx), as Vouch names repositories".to_string());
    Ok(Export {
        files: vec![yaml_file("kyverno-imagevalidatingpolicies.yaml", &objects)?],
        summary: plan.summary,
    })
}

/// The legacy `ClusterPolicy`: one rule per namespace, `verifyImages` with one attestor of
/// `count` = threshold over one entry per key; a namespace where no key can meet the threshold
/// gets a `validate` rule denying pods whose images its globs match (every other image: whose
/// images no other namespace's globs match).
fn cluster_policy(mut plan: Plan<'_>) -> Result<Export, ExportError> {
    let regions = regions(&plan);
    let outside = kyverno_globs_of_namespaces(&regions);
    let mut rules = Vec::new();
    for (pattern, ns, rule, mode) in regions {
        let Rule::Keys { threshold, keys } = &rule else {
            plan.note_off(&pattern);
            continue;
        };
        let action = if mode == PolicyMode::Warn {
            "Audit"
        } else {
            "Enforce"
        };
        let globs = kyverno_globs(&ns);
        let mut r = json!({"name": object_name(&pattern),
                           "match": {"any": [{"resources": {"kinds": ["Pod"]}}]}});
        if keys.len() < *threshold as usize {
            let (operator, value) = if ns == Namespace::Everything && !outside.is_empty() {
                ("AnyNotIn", json!(outside))
            } else {
                ("AnyIn", json!(globs))
            };
            let foreach: Vec<Value> = ["containers", "initContainers", "ephemeralContainers"]
                .iter()
                .map(|list| json!({
                    "list": format!("request.object.spec.{list} || `[]`"),
                    "deny": {"conditions": {"any": [{"key": "{{ element.image }}", "operator": operator, "value": value}]}}
                }))
                .collect();
            r["validate"] = json!({"failureAction": action,
                "message": format!("Vouch trusts no {threshold} keys for these images"),
                "foreach": foreach});
        } else {
            let entries: Vec<Value> = keys
                .iter()
                .map(|&i| {
                    json!({"keys": {"publicKeys": plan.ctx.keys[i].public_key,
                    "rekor": {"ignoreTlog": true}, "ctlog": {"ignoreSCT": true}}})
                })
                .collect();
            r["verifyImages"] = json!([{"imageReferences": globs, "failureAction": action,
                "mutateDigest": true, "verifyDigest": true, "required": true,
                "attestors": [{"count": threshold, "entries": entries}]}]);
        }
        rules.push(r);
        let line = format!("{pattern}: {}", plan.ctx.describe(&rule));
        plan.summary.exported.push(line);
    }
    plan.summary.differences.push(format!("Kyverno: {NESTED}"));
    plan.summary.differences.push("ClusterPolicy verifyImages is deprecated since Kyverno 1.17: prefer the ImageValidatingPolicy export (--api v1)".to_string());
    let policy = json!({"apiVersion": "kyverno.io/v1", "kind": "ClusterPolicy",
        "metadata": {"name": "vouch"},
        "spec": {"background": false, "rules": rules}});
    Ok(Export {
        files: vec![yaml_file("kyverno-clusterpolicy.yaml", &[policy])?],
        summary: plan.summary,
    })
}

/// The RE2 regular expression for a Kyverno glob (only `*` is special in the globs written
/// here), for CEL's `matches`.
fn glob_regex(glob: &str) -> String {
    let mut re = String::from("^");
    for c in glob.chars() {
        match c {
            '*' => re.push_str(".*"),
            c if c.is_ascii_alphanumeric()
                || c == '/'
                || c == '-'
                || c == '_'
                || c == ':'
                || c == '@' =>
            {
                re.push(c)
            }
            c => {
                re.push('\\');
                re.push(c);
            }
        }
    }
    re.push('$');
    re
}

/// policy-controller `ClusterImagePolicy` objects for `set` at `now`.
pub fn policy_controller(set: &TrustSet, now: OffsetDateTime) -> Result<Export, ExportError> {
    let mut plan = plan(set, now, POLICY_CONTROLLER, refuse_odd_characters)?;
    let mut objects = Vec::new();
    for (pattern, ns, rule, mode) in regions(&plan) {
        let Rule::Keys { threshold, keys } = &rule else {
            plan.note_off(&pattern);
            continue;
        };
        if ns == Namespace::Everything && keys.is_empty() {
            if set.default_policy().mode != PolicyMode::Off {
                plan.summary.differences.push("policy-controller admits an image no policy matches, where Vouch refuses it: set `no-match-policy: deny` in its `config-policy-controller` ConfigMap".to_string());
            }
            continue;
        }
        let mut spec = json!({
            "images": policy_controller_globs(&ns).into_iter().map(|g| json!({"glob": g})).collect::<Vec<_>>(),
            "mode": if mode == PolicyMode::Warn { "warn" } else { "enforce" },
        });
        if keys.len() < *threshold as usize {
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
    Ok(Export {
        files: vec![yaml_file(
            "policy-controller-clusterimagepolicies.yaml",
            &objects,
        )?],
        summary: plan.summary,
    })
}

#[cfg(test)]
mod tests {
    use super::super::regions::namespace;
    use super::*;
    use crate::keys::{Algorithm, PrivateKey};
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

    /// The exported globs match an image reference (tagged or by digest) exactly when Vouch's
    /// scope matches its repository, for every pattern the targets accept.
    #[test]
    fn exported_globs_agree_with_the_scope_matcher() {
        let patterns = [
            "ghcr.io/acme/**",
            "docker.io/library/nginx",
            "docker.io/acme/**",
            "*.corp.example/**",
            "127.0.0.1:5000/acme/**",
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
            "docker.io/acme/app",
            "a.corp.example/x/y",
            "a.b.corp.example/x",
            "corp.example/x",
            "evil.example/x.corp.example/y",
            "127.0.0.1:5000/acme/app",
            "127.0.0.1:5001/acme/app",
        ];
        let mut compared = 0;
        for pattern in patterns {
            let ns = namespace(pattern).expect(pattern);
            for repo in repos {
                let vouch = scope::matches(pattern, repo);
                let hub = match repo.strip_prefix("docker.io/") {
                    Some(rest) => format!("index.docker.io/{rest}"),
                    None => repo.to_string(),
                };
                for suffix in [":v1", "@sha256:0123abcd"] {
                    let pc = policy_controller_globs(&ns)
                        .iter()
                        .any(|g| policy_controller_match(g, &format!("{hub}{suffix}")));
                    assert_eq!(pc, vouch, "policy-controller {pattern} vs {repo}{suffix}");
                    if !matches!(ns, Namespace::Subdomains(_)) {
                        let ky = kyverno_globs(&ns)
                            .iter()
                            .any(|g| kyverno_match(g, &format!("{repo}{suffix}")));
                        assert_eq!(ky, vouch, "Kyverno {pattern} vs {repo}{suffix}");
                    }
                    compared += 1;
                }
            }
        }
        assert_eq!(compared, patterns.len() * repos.len() * 2);
        // Why `*.domain/**` is refused for Kyverno: its `*` would reach across `/`.
        let wild = kyverno_globs(&Namespace::Subdomains("corp.example".into()));
        assert!(wild
            .iter()
            .any(|g| kyverno_match(g, "evil.example/x.corp.example/y:v1")));
        assert!(!scope::matches(
            "*.corp.example/**",
            "evil.example/x.corp.example/y"
        ));
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

    #[test]
    fn kyverno_counts_distinct_attestors_and_refuses_subdomain_scopes() {
        let k = keys(3);
        let mut s = set(vec![
            trusted(&k[0], "a", &["ghcr.io/acme/**"]),
            trusted(&k[1], "b", &["ghcr.io/acme/**"]),
            trusted(&k[2], "corp", &["*.corp.example/**"]),
        ]);
        s.policies
            .push(policy("ghcr.io/acme/**", PolicyMode::Enforce, 2));
        let e = kyverno(&s, now(), KyvernoApi::V1).expect("export");
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
        assert!(
            e.summary
                .not_exported
                .iter()
                .any(|l| l.contains("`*.corp.example/**`")),
            "{:?}",
            e.summary
        );
        // Every other image: no key, enforce → refused, without touching ghcr.io/acme.
        let rest = o.last().expect("the default policy");
        let m = rest["spec"]["matchImageReferences"][0]["expression"]
            .as_str()
            .unwrap_or_default();
        assert_eq!(m, "!ref.matches(\"^ghcr\\\\.io/acme/.*$\")", "{rest:#}");
        // A policy pattern Kyverno cannot express refuses the export.
        s.policies
            .push(policy("*.corp.example/**", PolicyMode::Enforce, 1));
        let err = kyverno(&s, now(), KyvernoApi::V1).expect_err("refused");
        assert!(err.to_string().contains("`*.corp.example/**`"), "{err}");
    }

    #[test]
    fn the_cluster_policy_counts_keys_and_denies_what_no_key_covers() {
        let k = keys(2);
        let mut s = set(vec![
            trusted(&k[0], "a", &["ghcr.io/acme/**"]),
            trusted(&k[1], "b", &["ghcr.io/acme/**"]),
        ]);
        s.policies
            .push(policy("ghcr.io/acme/**", PolicyMode::Warn, 2));
        let e = kyverno(&s, now(), KyvernoApi::ClusterPolicy).expect("export");
        let o = objects(&e);
        let rules = o[0]["spec"]["rules"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert_eq!(rules.len(), 2, "{o:#?}");
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
        assert_eq!(cond["value"], json!(["ghcr.io/acme/*"]));
        assert_eq!(deny["foreach"].as_array().map(Vec::len), Some(3));
    }

    #[test]
    fn policy_controller_uses_cue_for_thresholds_and_says_what_no_policy_matches() {
        let k = keys(3);
        let mut s = set(vec![
            trusted(&k[0], "a", &["ghcr.io/acme/**"]),
            trusted(&k[1], "b", &["ghcr.io/acme/**"]),
            trusted(&k[2], "c", &["ghcr.io/acme/**"]),
        ]);
        s.policies
            .push(policy("ghcr.io/acme/**", PolicyMode::Warn, 2));
        s.policies
            .push(policy("ghcr.io/acme/legacy", PolicyMode::Off, 1));
        let e = policy_controller(&s, now()).expect("export");
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
        let said = e.summary.differences.join("\n");
        assert!(said.contains("no-match-policy: deny"), "{said}");
        assert!(e
            .summary
            .exported
            .iter()
            .any(|l| l.contains("ghcr.io/acme/legacy") && l.contains("off")));
        // Default off: nothing to say about unmatched images.
        s.default_policy = Some(DefaultPolicy {
            mode: PolicyMode::Off,
            threshold: 1,
        });
        let e = policy_controller(&s, now()).expect("export");
        assert!(!e.summary.differences.join("\n").contains("no-match-policy"));
    }
}
