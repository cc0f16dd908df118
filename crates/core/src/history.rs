//! Past checks, one JSON file per profile (`<config>/history/<profile>.json`), shared by the
//! CLI and the window: newest first, capped at [`HISTORY_LIMIT`] entries (the oldest dropped).
//!
//! Only what the core decided is kept — reference, repository, digest, status, reason, cause
//! code and time — never a key, a token or a registry credential.
//!
//! Writers lose nothing: every change is read-modify-write under an exclusive lock file
//! (`<config>/locks/<profile>.history.lock`), and the file is replaced atomically (a temporary
//! file renamed over it), so a reader sees the old list or the new one, never half of one. A file
//! that cannot be parsed is moved aside (`<profile>.json.corrupt-<unix time>`), never
//! overwritten, and the history starts empty with a sentence saying where it went.

use std::fs::File;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::verify::{Status, Verdict};

/// How many past checks a profile keeps; recording more drops the oldest.
pub const HISTORY_LIMIT: usize = 500;
/// The `format` marker of the history file.
pub const HISTORY_FORMAT: &str = "vouch-history";
/// The version of the history file this build writes.
pub const HISTORY_VERSION: u32 = 1;

/// One finished check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct HistoryEntry {
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub checked_at: OffsetDateTime,
    pub status: Status,
    /// The reference as it was given (typed, dropped or listed), before normalization.
    pub reference: String,
    /// The normalized repository, when the reference could be parsed.
    pub repository: Option<String>,
    /// The digest the verdict was reached for; `None` when it could not be resolved.
    pub digest: Option<String>,
    pub reason: String,
    /// The code of the problem that decided the status (`None` when verified).
    pub cause: Option<String>,
}

impl HistoryEntry {
    /// What is remembered of a verdict reached at `at`.
    pub fn of(verdict: &Verdict, at: OffsetDateTime) -> Self {
        Self {
            checked_at: at,
            status: verdict.status,
            reference: verdict.reference.clone(),
            repository: verdict.repository.clone(),
            digest: verdict.digest.clone(),
            reason: verdict.reason.clone(),
            cause: verdict.cause.as_ref().map(|c| c.code().to_string()),
        }
    }
}

/// The history as read: its entries, newest first, and a sentence when the file was unreadable
/// and moved aside.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct HistoryRead {
    pub entries: Vec<HistoryEntry>,
    pub warning: Option<String>,
}

impl HistoryRead {
    /// The distinct references, newest first: what a re-check verifies again.
    pub fn references(&self) -> Vec<String> {
        let mut seen = std::collections::HashSet::new();
        self.entries
            .iter()
            .filter(|e| seen.insert(e.reference.as_str()))
            .map(|e| e.reference.clone())
            .collect()
    }

    /// The distinct repositories, newest first: what a search finds among past checks.
    pub fn repositories(&self) -> Vec<String> {
        let mut seen = std::collections::HashSet::new();
        self.entries
            .iter()
            .filter_map(|e| e.repository.as_deref())
            .filter(|r| seen.insert(*r))
            .map(str::to_string)
            .collect()
    }
}

#[derive(Serialize, Deserialize)]
struct Document {
    format: String,
    version: u32,
    entries: Vec<HistoryEntry>,
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HistoryError {
    #[error("could not take the history lock at {path}: {source}")]
    Lock {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("could not read the history file {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("could not write the history file {path}: {source}; the previous history was left unchanged")]
    Write {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("the history could not be serialised ({0}); nothing was written")]
    Serialize(String),
}

/// One profile's history file.
#[derive(Debug, Clone)]
pub struct History {
    path: PathBuf,
    lock_path: PathBuf,
}

impl History {
    /// The history of `profile` under the configuration folder.
    pub fn for_profile(profile: &str) -> Self {
        Self::at(
            crate::paths::history_path(profile),
            crate::paths::lock_path(&format!("{profile}.history")),
        )
    }

    /// A history kept in `path`; writers serialise on the lock file `lock_path`.
    pub fn at(path: PathBuf, lock_path: PathBuf) -> Self {
        Self { path, lock_path }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The unreadable files set aside so far (`<file>.corrupt-<unix time>`), oldest first.
    pub fn kept_aside(&self) -> Vec<PathBuf> {
        let Some(name) = self
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
        else {
            return Vec::new();
        };
        let prefix = format!("{name}.corrupt-");
        let folder = self.path.parent().unwrap_or(Path::new("."));
        let mut kept: Vec<PathBuf> = std::fs::read_dir(folder)
            .map(|entries| {
                entries
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| {
                        p.file_name()
                            .is_some_and(|n| n.to_string_lossy().starts_with(&prefix))
                    })
                    .collect()
            })
            .unwrap_or_default();
        kept.sort();
        kept
    }

    /// The past checks, newest first. A missing file is an empty history; an unparsable one is
    /// moved aside and reported in `warning`.
    pub fn read(&self) -> Result<HistoryRead, HistoryError> {
        let _guard = self.lock()?;
        self.read_locked()
    }

    /// Records finished checks (the last one given becomes the newest) and returns the
    /// history as written. Keeps at most [`HISTORY_LIMIT`] entries. A cancelled check
    /// ([`Status::Cancelled`]) concluded nothing and is left out.
    pub fn record(&self, mut entries: Vec<HistoryEntry>) -> Result<HistoryRead, HistoryError> {
        entries.retain(|e| e.status != Status::Cancelled);
        let _guard = self.lock()?;
        let mut read = self.read_locked()?;
        entries.reverse();
        entries.append(&mut read.entries);
        entries.truncate(HISTORY_LIMIT);
        read.entries = entries;
        self.write_locked(&read.entries)?;
        Ok(read)
    }

    /// Forgets every past check.
    pub fn clear(&self) -> Result<(), HistoryError> {
        let _guard = self.lock()?;
        self.write_locked(&[])
    }

    fn lock(&self) -> Result<File, HistoryError> {
        crate::paths::take_lock(&self.lock_path).map_err(|source| HistoryError::Lock {
            path: self.lock_path.display().to_string(),
            source,
        })
    }

    fn read_locked(&self) -> Result<HistoryRead, HistoryError> {
        let bytes = match std::fs::read(&self.path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(HistoryRead::default()),
            Err(source) => {
                return Err(HistoryError::Read {
                    path: self.path.display().to_string(),
                    source,
                })
            }
        };
        match parse(&bytes) {
            Ok(entries) => Ok(HistoryRead {
                entries,
                warning: None,
            }),
            Err(why) => Ok(HistoryRead {
                entries: Vec::new(),
                warning: Some(self.set_aside(&why)),
            }),
        }
    }

    /// Moves an unreadable file out of the way (never deleting it) and says where it went.
    fn set_aside(&self, why: &str) -> String {
        let stamp = OffsetDateTime::now_utc().unix_timestamp();
        let mut aside = self.path.clone().into_os_string();
        aside.push(format!(".corrupt-{stamp}"));
        let aside = PathBuf::from(aside);
        match std::fs::rename(&self.path, &aside) {
            Ok(()) => format!(
                "the history file {} could not be read ({why}); it was kept as {} and the history starts empty",
                self.path.display(),
                aside.display()
            ),
            Err(e) => format!(
                "the history file {} could not be read ({why}) nor moved aside ({e}); it was left in place and the history is shown empty",
                self.path.display()
            ),
        }
    }

    fn write_locked(&self, entries: &[HistoryEntry]) -> Result<(), HistoryError> {
        let json = document(entries)?;
        crate::paths::write_atomically(&self.path, &json).map_err(|source| HistoryError::Write {
            path: self.path.display().to_string(),
            source,
        })
    }
}

/// The history document holding `entries`. Public for the fuzz target `history` only.
#[doc(hidden)]
pub fn document(entries: &[HistoryEntry]) -> Result<Vec<u8>, HistoryError> {
    let doc = Document {
        format: HISTORY_FORMAT.to_string(),
        version: HISTORY_VERSION,
        entries: entries.to_vec(),
    };
    serde_json::to_vec_pretty(&doc).map_err(|e| HistoryError::Serialize(e.to_string()))
}

/// The entries of a history document, or why it is unreadable. Public for the fuzz target
/// `history` only.
#[doc(hidden)]
pub fn parse(bytes: &[u8]) -> Result<Vec<HistoryEntry>, String> {
    let doc: Document = serde_json::from_slice(bytes).map_err(|e| {
        // What serde quotes from the file may hold control characters: never shown as they are.
        let e = crate::registry::error::sanitize(&e.to_string());
        format!("not a history document: {e}")
    })?;
    if doc.format != HISTORY_FORMAT {
        return Err(format!("expected \"format\": \"{HISTORY_FORMAT}\""));
    }
    if doc.version != HISTORY_VERSION {
        return Err(format!(
            "version {} is not the version this Vouch writes ({HISTORY_VERSION})",
            doc.version
        ));
    }
    Ok(doc.entries)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::Problem;

    fn history() -> (History, tempfile::TempDir) {
        let dir = tempfile::tempdir().expect("tempdir");
        let h = History::at(
            dir.path().join("history").join("test.json"),
            dir.path().join("locks").join("test.history.lock"),
        );
        (h, dir)
    }

    fn record(h: &History, refs: &[&str], second: i64) {
        h.record(
            refs.iter()
                .map(|r| HistoryEntry::of(&failed(r), at(second)))
                .collect(),
        )
        .expect("record");
    }

    fn failed(reference: &str) -> Verdict {
        Verdict::error(
            reference,
            Some(format!("docker.io/library/{reference}")),
            None,
            None,
            Problem::Failed {
                message: format!("no answer for {reference}"),
            },
        )
    }

    fn at(second: i64) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(1_800_000_000 + second).expect("time")
    }

    /// Found by the fuzz target `history`: why a file is unreadable quoted an unknown status as
    /// it is (terminal escapes and new lines in the warning shown). They are spaces now.
    #[test]
    fn why_a_file_is_unreadable_holds_no_control_characters() {
        let bytes = br#"{"format":"vouch-history","version":1,"entries":[{"checked_at":"2026-11-29T21:00:00Z","status":"\u001b[2J\nok","reference":"x","repository":null,"digest":null,"reason":"","cause":null}]}"#;
        let why = parse(bytes).expect_err("unknown status");
        assert!(!why.chars().any(char::is_control), "{why:?}");
        assert!(why.contains("[2J ok"), "{why}");
    }

    #[test]
    fn records_newest_first_with_what_the_core_decided() {
        let (h, _d) = history();
        assert_eq!(h.read().expect("read"), HistoryRead::default());
        record(&h, &["a", "b"], 0);
        record(&h, &["a"], 1);
        let read = h.read().expect("read");
        assert_eq!(read.warning, None);
        let refs: Vec<&str> = read.entries.iter().map(|e| e.reference.as_str()).collect();
        assert_eq!(refs, ["a", "b", "a"]);
        let first = &read.entries[0];
        assert_eq!(first.status, Status::Error);
        assert_eq!(first.cause.as_deref(), Some("failed"));
        assert_eq!(first.reason, "no answer for a");
        assert_eq!(first.repository.as_deref(), Some("docker.io/library/a"));
        assert_eq!(first.checked_at, at(1));
        assert_eq!(read.references(), ["a", "b"]);
    }

    #[test]
    fn cancelled_checks_are_never_recorded() {
        let (h, _d) = history();
        let cancelled = Verdict::cancelled("b", Some("docker.io/library/b".into()));
        h.record(vec![
            HistoryEntry::of(&failed("a"), at(0)),
            HistoryEntry::of(&cancelled, at(0)),
            HistoryEntry::of(&failed("c"), at(0)),
        ])
        .expect("record");
        let refs: Vec<String> = h
            .read()
            .expect("read")
            .entries
            .into_iter()
            .map(|e| e.reference)
            .collect();
        assert_eq!(refs, ["c", "a"]);
    }

    #[test]
    fn keeps_at_most_the_limit_and_drops_the_oldest() {
        let (h, _d) = history();
        let many: Vec<String> = (0..HISTORY_LIMIT).map(|i| format!("old{i}")).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        record(&h, &many, 0);
        record(&h, &["new"], 1);
        let read = h.read().expect("read");
        assert_eq!(read.entries.len(), HISTORY_LIMIT);
        assert_eq!(read.entries[0].reference, "new");
        // old0 was the oldest of the first batch: it is the one dropped.
        assert_eq!(read.entries[HISTORY_LIMIT - 1].reference, "old1");
        h.clear().expect("clear");
        assert!(h.read().expect("read").entries.is_empty());
    }

    #[test]
    fn a_corrupt_file_is_kept_aside_and_the_history_starts_empty() {
        let (h, d) = history();
        std::fs::create_dir_all(d.path().join("history")).expect("dir");
        std::fs::write(h.path(), b"{not json").expect("write");
        let read = h.read().expect("a sentence, not an error");
        assert!(read.entries.is_empty());
        let warning = read.warning.expect("a warning");
        assert!(warning.contains("could not be read"), "{warning}");
        let aside = h.kept_aside();
        assert_eq!(aside.len(), 1, "{aside:?}");
        assert!(
            warning.contains(&aside[0].display().to_string()),
            "{warning}"
        );
        assert_eq!(std::fs::read(&aside[0]).expect("read"), b"{not json");
        // Recording afterwards starts a fresh file and leaves the kept one alone.
        record(&h, &["a"], 0);
        assert_eq!(h.read().expect("read").entries.len(), 1);
        assert_eq!(std::fs::read(&aside[0]).expect("read"), b"{not json");
    }

    #[test]
    fn other_formats_and_versions_are_set_aside_too() {
        let (h, d) = history();
        std::fs::create_dir_all(d.path().join("history")).expect("dir");
        std::fs::write(
            h.path(),
            br#"{"format":"vouch-history","version":7,"entries":[]}"#,
        )
        .expect("write");
        let read = h.read().expect("read");
        assert!(read.warning.expect("warning").contains("version 7"));
    }

    /// Two writers at once (the CLI and the window) lose nothing: each record is a
    /// read-modify-write under the lock.
    #[test]
    fn concurrent_writers_lose_nothing() {
        let (h, _d) = history();
        std::thread::scope(|s| {
            for t in 0..4 {
                let h = h.clone();
                s.spawn(move || {
                    for i in 0..10 {
                        record(&h, &[&format!("t{t}-{i}")], i);
                    }
                });
            }
        });
        assert_eq!(h.read().expect("read").entries.len(), 40);
    }

    #[test]
    fn repositories_are_distinct_and_newest_first() {
        let (h, _d) = history();
        record(&h, &["a", "b"], 0);
        record(&h, &["b"], 1);
        assert_eq!(
            h.read().expect("read").repositories(),
            ["docker.io/library/b", "docker.io/library/a"]
        );
    }
}
