//! Searching repositories as the person types, and the tags of one repository.
//!
//! The core searches (`vouch_core::search`: configured registries, Docker Hub, trusted scopes,
//! history); this module only makes searches cancellable. Each search takes a ticket from one
//! counter and races the core's search against that counter moving on: a newer search or
//! [`cancel_search`] moves it, the older search's future is dropped (its requests stop where
//! they are) and it answers `superseded`. Catalogs stay cached across searches in [`Searches`].

use std::sync::Arc;

use serde::Serialize;
use tauri::State;
use tokio::sync::watch;
use vouch_core::config::Settings;
use vouch_core::reference::ImageRef;
use vouch_core::registry::Registry;
use vouch_core::search::{self, RegistrySource, SearchCache, SearchOptions, SearchResults};

use super::history::profile_history;
use super::{load_trust, on_runtime, verify_options, Shared};
use crate::error::IpcResult;

/// What the app keeps between searches: the catalog cache and the ticket of the latest search.
pub(crate) struct Searches {
    cache: Arc<SearchCache>,
    latest: Arc<watch::Sender<u64>>,
}

impl Default for Searches {
    fn default() -> Self {
        Searches {
            cache: Arc::new(SearchCache::default()),
            latest: Arc::new(watch::Sender::new(0)),
        }
    }
}

impl Searches {
    /// A ticket for a new search; every older ticket is superseded from now on.
    pub(crate) fn ticket(&self) -> Ticket {
        let mut mine = 0;
        self.latest.send_modify(|n| {
            *n += 1;
            mine = *n;
        });
        Ticket {
            mine,
            latest: self.latest.subscribe(),
        }
    }

    /// Supersedes every search in flight without starting one.
    pub(crate) fn cancel(&self) {
        self.latest.send_modify(|n| *n += 1);
    }
}

/// One search's place in line.
pub(crate) struct Ticket {
    mine: u64,
    latest: watch::Receiver<u64>,
}

impl Ticket {
    /// Runs `work` unless or until a newer ticket is taken: `None` when superseded (`work` is
    /// then dropped where it stands, and with it every request it had in flight).
    pub(crate) async fn run<T>(mut self, work: impl std::future::Future<Output = T>) -> Option<T> {
        let mine = self.mine;
        tokio::select! {
            done = work => Some(done),
            _ = self.latest.wait_for(|n| *n != mine) => None,
        }
    }
}

/// What a search answers: what it found, or that a newer search (or a cancel) replaced it.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum SearchAnswer {
    Found(SearchResults),
    Superseded,
}

/// Every tag of a repository worth showing (signature and attestation tags left out).
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub(crate) struct RepositoryTags {
    repository: String,
    tags: Vec<String>,
}

/// Searches the configured registries, Docker Hub, trusted scopes and the history for `query`.
/// A source that cannot answer is a note in the results, never an error; a newer search or
/// [`cancel_search`] makes this one answer `superseded`.
#[tauri::command]
pub(crate) async fn search_repositories(
    state: Shared<'_>,
    searches: State<'_, Searches>,
    query: String,
) -> IpcResult<SearchAnswer> {
    let ticket = searches.ticket();
    let cache = Arc::clone(&searches.cache);
    let trust = load_trust(&state).await?;
    on_runtime(move |rt| {
        let settings = Settings::load()?;
        // An unreadable history searches nothing of it (the History screen says why).
        let history = profile_history()
            .and_then(|h| Ok(h.read()?))
            .map(|read| read.repositories())
            .unwrap_or_default();
        let registry = search_client(&settings)?;
        let opts = SearchOptions {
            registries: settings
                .registries
                .iter()
                .map(|r| RegistrySource {
                    host: r.host.clone(),
                })
                .collect(),
            history,
            ..SearchOptions::default()
        };
        let now = time::OffsetDateTime::now_utc();
        let found = rt.block_on(ticket.run(search::search(
            &registry, &cache, &query, &opts, &trust, now,
        )));
        Ok(found.map_or(SearchAnswer::Superseded, SearchAnswer::Found))
    })
    .await
}

/// Stops the search in flight, if any (it answers `superseded`).
#[tauri::command]
pub(crate) async fn cancel_search(searches: State<'_, Searches>) -> IpcResult<()> {
    searches.cancel();
    Ok(())
}

/// Every tag of `repository` (`nginx`, `host:5000/team/app`), the newest-looking first.
#[tauri::command]
pub(crate) async fn list_tags(repository: String) -> IpcResult<RepositoryTags> {
    on_runtime(move |rt| {
        let reference =
            ImageRef::parse(&repository).map_err(|e| search::SearchError::BadRepository {
                repository: repository.clone(),
                detail: e.to_string(),
            })?;
        let registry = Registry::new(verify_options().registry, [reference.registry_host()])?;
        let repository = reference.repository();
        let page_size = SearchOptions::default().page_size;
        let tags = rt.block_on(search::tags(&registry, &repository, page_size))?;
        Ok(RepositoryTags {
            tags: search::shown_tags(tags, usize::MAX),
            repository,
        })
    })
    .await
}

/// A registry client for the searched registries, reached as verification reaches them (the
/// settings' plain-HTTP hosts and CA files).
fn search_client(settings: &Settings) -> IpcResult<Arc<Registry>> {
    let hosts = settings.registries.iter().map(|r| r.host.as_str());
    Ok(Registry::new(verify_options().registry, hosts)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime")
    }

    #[test]
    fn a_newer_search_supersedes_an_older_one_and_drops_its_work() {
        let searches = Searches::default();
        let rt = runtime();
        let older = searches.ticket();
        let (dropped_tx, dropped_rx) = std::sync::mpsc::channel::<()>();
        struct Guard(std::sync::mpsc::Sender<()>);
        impl Drop for Guard {
            fn drop(&mut self) {
                let _ = self.0.send(());
            }
        }
        let answer = rt.block_on(async {
            let guard = Guard(dropped_tx);
            let slow = async move {
                let _guard = guard;
                std::future::pending::<()>().await;
                "never"
            };
            let newer = async {
                tokio::task::yield_now().await;
                let _newer = searches.ticket();
            };
            let (answer, ()) = tokio::join!(older.run(slow), newer);
            answer
        });
        assert_eq!(answer, None, "the older search answers superseded");
        // Its work (where the requests live) was dropped, not left running.
        assert!(dropped_rx.try_recv().is_ok());
        // The newest one is not superseded by the one before it.
        let newest = searches.ticket();
        assert_eq!(rt.block_on(newest.run(async { 7 })), Some(7));
    }

    /// A registry that accepts the catalog request and never answers: superseding the search
    /// must close the connection (the request stops), not leave it waiting for its timeout.
    #[test]
    fn a_superseded_search_closes_its_requests() {
        use std::io::Read;
        use std::sync::mpsc;
        use std::time::Duration;

        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let searched = listener.local_addr().expect("address").to_string();
        let (accepted_tx, accepted) = mpsc::channel();
        let (closed_tx, closed) = mpsc::channel();
        std::thread::spawn(move || {
            let (mut conn, _) = listener.accept().expect("accept");
            let _ = accepted_tx.send(());
            let mut buf = [0u8; 1024];
            // Read until the client closes the connection (0 bytes) or breaks it.
            while matches!(conn.read(&mut buf), Ok(n) if n > 0) {}
            let _ = closed_tx.send(());
        });
        let searches = Searches::default();
        let ticket = searches.ticket();
        let cache = Arc::clone(&searches.cache);
        let search = std::thread::spawn(move || {
            let registry = Registry::new(Default::default(), [searched.as_str()]).expect("client");
            let opts = SearchOptions {
                registries: vec![RegistrySource { host: searched }],
                docker_hub: None,
                ..SearchOptions::default()
            };
            let trust = vouch_core::trust::TrustSet::default();
            let now = time::OffsetDateTime::now_utc();
            runtime()
                .block_on(ticket.run(search::search(&registry, &cache, "app", &opts, &trust, now)))
        });
        accepted
            .recv_timeout(Duration::from_secs(10))
            .expect("the search asked the registry");
        let _newer = searches.ticket();
        let answer = search.join().expect("the search thread");
        assert_eq!(answer, None, "superseded");
        closed
            .recv_timeout(Duration::from_secs(5))
            .expect("the superseded search closed its connection");
    }

    #[test]
    fn cancel_supersedes_the_search_in_flight_even_when_taken_before_it_waits() {
        let searches = Searches::default();
        let rt = runtime();
        let ticket = searches.ticket();
        searches.cancel();
        let answer = rt.block_on(ticket.run(std::future::pending::<()>()));
        assert_eq!(answer, None);
    }

    #[test]
    fn answers_serialise_tagged() {
        let found = SearchAnswer::Found(SearchResults::default());
        assert_eq!(
            serde_json::to_value(found).expect("json"),
            serde_json::json!({"kind": "found", "results": [], "notes": []})
        );
        assert_eq!(
            serde_json::to_value(SearchAnswer::Superseded).expect("json"),
            serde_json::json!({"kind": "superseded"})
        );
    }
}
