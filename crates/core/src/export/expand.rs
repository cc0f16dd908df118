//! A key's scope a target cannot express, replaced by the repositories it matches that Vouch
//! knows of — the registries' catalogs, the history, the trusted scopes — one exact entry each.
//!
//! The replacement (`expand_scopes`, asked for by [`super::containers::Options::expand`]) is
//! pure and never widens: only repositories the scope matches are kept, and a repository it
//! matches that is not listed (created later, or on a registry without a catalog) is not
//! covered, which the summary says. Finding the repositories ([`known_repositories`]) is the
//! one part of an export that reads anything, and only through [`Registry::catalog`]. Policy
//! patterns are never expanded: a repository created later would fall to another, perhaps
//! weaker, policy.

use super::regions::namespace;
use super::{ExportError, Summary};
use crate::reference::ImageRef;
use crate::registry::Registry;
use crate::trust::{scope, TrustSet};

/// A key's scope and the repositories offered in its place.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Expansion {
    /// The scope, as the trust set spells it.
    pub scope: String,
    /// Repository names (normalised, or references such as `nginx`); those the scope does not
    /// match are ignored.
    pub repositories: Vec<String>,
}

/// `set` with every scope of `expand` replaced, in each key that has it, by the listed
/// repositories it matches; what was done is said in `summary`. A scope no active key has, or
/// one the target can express already, is refused with a sentence.
pub(crate) fn expand_scopes(
    set: &TrustSet,
    expand: &[Expansion],
    target: &'static str,
    summary: &mut Summary,
) -> Result<TrustSet, ExportError> {
    let mut out = set.clone();
    for e in expand {
        expandable(set, &e.scope, target)?;
        let mut repos: Vec<String> = e
            .repositories
            .iter()
            .filter_map(|r| ImageRef::parse(r).ok().map(|r| r.repository()))
            .filter(|r| scope::matches(&e.scope, r))
            .collect();
        repos.sort();
        repos.dedup();
        for k in out.keys.iter_mut().filter(|k| k.scopes.contains(&e.scope)) {
            k.scopes.retain(|s| *s != e.scope);
            for r in &repos {
                if !k.scopes.contains(r) {
                    k.scopes.push(r.clone());
                }
            }
        }
        if repos.is_empty() {
            summary.not_exported.push(format!(
                "`{}`: none of the repositories Vouch knows of matches it, so it was left out (the export trusts its keys less widely than Vouch does)",
                e.scope
            ));
        } else {
            summary.exported.push(format!(
                "`{}` ({target} cannot express it) was expanded to the {} repositories Vouch knows it matches: {}; a repository it matches that is created later, or that Vouch did not list, is not covered (refused unless another scope covers it): export again to include it",
                e.scope,
                repos.len(),
                repos.join(", ")
            ));
        }
    }
    Ok(out)
}

/// Whether `scope` can be expanded for `target`: a scope of a key that `target` cannot
/// express (never a policy's pattern); otherwise the sentence why not. Asked before any
/// repository is looked for.
pub fn expandable(set: &TrustSet, scope: &str, target: &'static str) -> Result<(), ExportError> {
    let why = if !set.keys.iter().any(|k| k.scopes.iter().any(|s| s == scope)) {
        if set.policies.iter().any(|p| p.pattern == scope) {
            "it is a policy's pattern, and a repository it matches that is created later would fall to another, perhaps weaker, policy; only keys' scopes are expanded".to_string()
        } else {
            "no trusted key has this scope".to_string()
        }
    } else if namespace(scope).is_ok() {
        format!("{target} expresses it as it is")
    } else {
        return Ok(());
    };
    Err(ExportError::NotExpandable {
        scope: scope.to_string(),
        why,
    })
}

/// What [`known_repositories`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Known {
    /// Normalised repository names `glob` matches, sorted, each once.
    pub repositories: Vec<String>,
    /// Sentences for the sources that could not answer.
    pub notes: Vec<String>,
}

/// The catalog hosts worth reading for `glob`: the configured registries (as
/// `ImageRef::registry_host` names them) and the glob's own host, when it names one, that the
/// glob's first segment matches. Docker Hub has no catalog and is left out.
pub fn catalog_hosts(glob: &str, configured: &[String]) -> Vec<String> {
    let first = glob.split('/').next().unwrap_or(glob);
    let mut hosts: Vec<String> = configured.to_vec();
    if !first.contains('*') {
        hosts.push(first.to_string());
    }
    hosts.retain(|h| {
        (first == "**" || scope::matches(first, h)) && h != "docker.io" && h != "index.docker.io"
    });
    hosts.sort();
    hosts.dedup();
    hosts
}

/// The repositories `glob` matches among the catalogs of `hosts` (read `page` names a
/// request) and the names in `also` (the history, the trusted scopes). A catalog that cannot
/// be read is a note, never an error.
pub async fn known_repositories(
    registry: &Registry,
    glob: &str,
    hosts: &[String],
    also: &[String],
    page: usize,
) -> Known {
    let max = crate::registry::listing::MAX_LIST_PAGES * page.max(1);
    let read = futures::future::join_all(hosts.iter().map(|h| registry.catalog(h, page, max)));
    let mut names: Vec<String> = also.to_vec();
    let mut notes = Vec::new();
    for (host, answer) in hosts.iter().zip(read.await) {
        match answer {
            Ok(found) => names.extend(found.iter().map(|n| format!("{host}/{n}"))),
            Err(e) => notes.push(format!(
                "the catalog of {host} was not read, so its repositories are not offered: {e}"
            )),
        }
    }
    let mut repositories: Vec<String> = names
        .iter()
        .filter_map(|n| ImageRef::parse(n).ok().map(|r| r.repository()))
        .filter(|r| scope::matches(glob, r))
        .collect();
    repositories.sort();
    repositories.dedup();
    Known {
        repositories,
        notes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_hosts_are_those_the_glob_can_reach() {
        let configured = vec!["registry.example:5000".to_string(), "ghcr.io".to_string()];
        assert_eq!(
            catalog_hosts("127.0.0.1:5000/team/app-*", &configured),
            vec!["127.0.0.1:5000"]
        );
        assert_eq!(
            catalog_hosts("*.example:5000/app-*", &configured),
            vec!["registry.example:5000"]
        );
        assert_eq!(
            catalog_hosts("**/app-*", &configured),
            vec!["ghcr.io", "registry.example:5000"]
        );
        assert!(catalog_hosts("docker.io/acme/app-*", &configured).is_empty());
    }
}
