//! `vouch search QUERY [--registry HOST]... [--limit N] [--json]` and
//! `vouch tags REPOSITORY [--json]`: the core's search, rendered.

use anyhow::{Context, Result};
use vouch_core::config::{check_host, Settings};
use vouch_core::registry::Registry;
use vouch_core::search::{self, RegistrySource, SearchCache, SearchOptions, SearchResult};

use super::{current_thread_runtime, open_store, print_json, RegistryFlags};
use crate::Outcome;

#[derive(clap::Args)]
pub(crate) struct SearchArgs {
    /// Part of a repository name (case-insensitive)
    query: String,
    /// Also search this registry's catalog (HOST or HOST:PORT) for this run; repeatable. The
    /// registries in the settings are always searched
    #[arg(long = "registry", value_name = "HOST")]
    registries: Vec<String>,
    /// Show at most N results
    #[arg(long, value_name = "N", default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..=500))]
    limit: u64,
    /// Print the results as a JSON array
    #[arg(long)]
    json: bool,
    /// Leave Docker Hub's search out
    #[arg(long = "no-docker-hub")]
    no_docker_hub: bool,
    #[command(flatten)]
    listing: ListingFlags,
}

#[derive(clap::Args)]
pub(crate) struct TagsArgs {
    /// The repository (`nginx`, `registry.example:5000/team/app`)
    repository: String,
    /// Print the tags as JSON
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    listing: ListingFlags,
}

/// How to reach registries and how much to ask per request.
#[derive(clap::Args)]
struct ListingFlags {
    #[command(flatten)]
    registry: RegistryFlags,
    /// Names asked per catalog or tag-list request
    #[arg(long = "page-size", hide = true, default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..=1000))]
    page_size: u64,
}

impl ListingFlags {
    /// A registry client for `hosts` and the page size.
    fn client<'a>(
        self,
        settings: &Settings,
        hosts: impl IntoIterator<Item = &'a str>,
    ) -> Result<(std::sync::Arc<Registry>, usize)> {
        let page = usize::try_from(self.page_size).unwrap_or(100);
        let options = self.registry.options_with(settings);
        Ok((Registry::new(options, hosts)?, page))
    }
}

pub(crate) fn run_search(args: SearchArgs) -> Result<Outcome> {
    let settings = Settings::load()?;
    let mut hosts: Vec<String> = settings.registries.iter().map(|r| r.host.clone()).collect();
    for h in args.registries {
        check_host(&h)?;
        if !hosts.contains(&h) {
            hosts.push(h);
        }
    }
    let trust = open_store()?.load()?;
    let (registry, page_size) = args
        .listing
        .client(&settings, hosts.iter().map(String::as_str))?;
    let opts = SearchOptions {
        registries: hosts
            .iter()
            .map(|h| RegistrySource { host: h.clone() })
            .collect(),
        docker_hub: (!args.no_docker_hub).then(Default::default),
        limit: usize::try_from(args.limit).unwrap_or(20),
        page_size,
        history: history_repositories(),
        ..SearchOptions::default()
    };
    let now = time::OffsetDateTime::now_utc();
    let found = current_thread_runtime()?.block_on(search::search(
        &registry,
        &SearchCache::default(),
        &args.query,
        &opts,
        &trust,
        now,
    ));
    if args.json {
        print_json(&found.results)?;
    } else if found.results.is_empty() {
        println!("No repository matches \"{}\".", args.query.trim());
    } else {
        for r in &found.results {
            print_result(r);
        }
    }
    for n in &found.notes {
        eprintln!("note: {}", n.message);
    }
    Ok(Outcome::Ok)
}

/// One result, three lines: name and source; tags; who covers it and the policy.
fn print_result(r: &SearchResult) {
    let mut head = format!("{}  ({})", r.repository, r.source.as_str());
    let hub = &r.details;
    if hub.official {
        head.push_str("  official");
    }
    if let Some(s) = hub.stars {
        head.push_str(&format!("  {s} stars"));
    }
    if let Some(p) = hub.pulls {
        head.push_str(&format!("  {p} pulls"));
    }
    println!("{head}");
    if let Some(d) = &hub.description {
        println!("    {d}");
    }
    if !r.tags.is_empty() {
        println!("    tags: {}", r.tags.join(", "));
    }
    let from = match &r.policy.pattern {
        Some(p) => format!("from {p}"),
        None => "the default".into(),
    };
    let policy = format!(
        "policy {}, {} key(s), {from}",
        r.policy.mode, r.policy.threshold
    );
    if r.trusted_by.is_empty() {
        println!("    no trusted publisher covers it; {policy}");
    } else {
        println!("    trusted by {}; {policy}", r.trusted_by.join(", "));
    }
}

pub(crate) fn run_tags(args: TagsArgs) -> Result<Outcome> {
    let r = vouch_core::reference::ImageRef::parse(&args.repository)?;
    let (registry, page_size) = args
        .listing
        .client(&Settings::load().unwrap_or_default(), [r.registry_host()])?;
    let tags = current_thread_runtime()?
        .block_on(search::tags(&registry, &r.repository(), page_size))
        .with_context(|| format!("could not list the tags of {}", r.repository()))?;
    if args.json {
        print_json(&serde_json::json!({"repository": r.repository(), "tags": tags}))?;
    } else {
        for t in &tags {
            println!("{t}");
        }
    }
    Ok(Outcome::Ok)
}

/// The repositories of this profile's history, newest first. A history that cannot be read
/// adds nothing to the search, with a note saying why.
pub(crate) fn history_repositories() -> Vec<String> {
    let read = vouch_core::paths::profile()
        .map_err(|e| e.to_string())
        .and_then(|p| {
            vouch_core::history::History::for_profile(&p)
                .read()
                .map_err(|e| e.to_string())
        });
    let read = match read {
        Ok(read) => read,
        Err(why) => {
            eprintln!("note: the history is not searched: {why}");
            return Vec::new();
        }
    };
    if let Some(warning) = &read.warning {
        eprintln!("note: {warning}");
    }
    read.repositories()
}
