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
    pub fn record(&self, entries: Vec<HistoryEntry>) -> Result<HistoryRead, HistoryError> {
        self.record_with(entries, None)
    }

    /// Reads the history without the lock, ahead of a [`History::record_with`] (on another
    /// thread while the checks run). `None` when the file cannot be read or parsed: the record
    /// then reads it as [`History::record`] does (and moves an unreadable one aside).
    pub fn read_ahead(&self) -> Option<ReadAhead> {
        let bytes = self.read_bytes().ok()?;
        let entries = match &bytes {
            Some(b) => parse(b).ok()?,
            None => Vec::new(),
        };
        let texts = entry_texts(&entries).ok()?;
        Some(ReadAhead {
            bytes,
            entries,
            texts,
        })
    }

    /// Records like [`History::record`]. When `ahead` holds exactly the bytes found under the
    /// lock, its entries and texts are used as they are; otherwise (another process recorded
    /// in between, or nothing was read ahead) the file is read and parsed under the lock.
    pub fn record_with(
        &self,
        mut entries: Vec<HistoryEntry>,
        ahead: Option<ReadAhead>,
    ) -> Result<HistoryRead, HistoryError> {
        entries.retain(|e| e.status != Status::Cancelled);
        let _guard = self.lock()?;
        let bytes = self.read_bytes()?;
        let (mut read, mut texts) = match ahead {
            Some(a) if a.bytes == bytes => (
                HistoryRead {
                    entries: a.entries,
                    warning: None,
                },
                a.texts,
            ),
            _ => {
                let read = self.interpret(bytes.as_deref());
                let texts = entry_texts(&read.entries)?;
                (read, texts)
            }
        };
        entries.reverse();
        let mut all = entry_texts(&entries)?;
        all.append(&mut texts);
        all.truncate(HISTORY_LIMIT);
        entries.append(&mut read.entries);
        entries.truncate(HISTORY_LIMIT);
        read.entries = entries;
        self.write_locked(&assemble(&all))?;
        Ok(read)
    }

    /// Forgets every past check.
    pub fn clear(&self) -> Result<(), HistoryError> {
        let _guard = self.lock()?;
        self.write_locked(&document(&[])?)
    }

    fn lock(&self) -> Result<File, HistoryError> {
        crate::paths::take_lock(&self.lock_path).map_err(|source| HistoryError::Lock {
            path: self.lock_path.display().to_string(),
            source,
        })
    }

    fn read_locked(&self) -> Result<HistoryRead, HistoryError> {
        let bytes = self.read_bytes()?;
        Ok(self.interpret(bytes.as_deref()))
    }

    /// The file's bytes; `None` when there is no file yet.
    fn read_bytes(&self) -> Result<Option<Vec<u8>>, HistoryError> {
        match std::fs::read(&self.path) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(HistoryError::Read {
                path: self.path.display().to_string(),
                source,
            }),
        }
    }

    /// The history `bytes` hold (none: empty); an unparsable file is moved aside and said.
    fn interpret(&self, bytes: Option<&[u8]>) -> HistoryRead {
        let Some(bytes) = bytes else {
            return HistoryRead::default();
        };
        match parse(bytes) {
            Ok(entries) => HistoryRead {
                entries,
                warning: None,
            },
            Err(why) => HistoryRead {
                entries: Vec::new(),
                warning: Some(self.set_aside(&why)),
            },
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

    fn write_locked(&self, json: &[u8]) -> Result<(), HistoryError> {
        crate::paths::write_atomically(&self.path, json).map_err(|source| HistoryError::Write {
            path: self.path.display().to_string(),
            source,
        })
    }
}

/// The history file as read ahead of a record, without the lock: its bytes (`None`: no file),
/// their entries and each entry's text as the document holds it. Parsing and serialising a full
/// history ([`HISTORY_LIMIT`] entries) costs about as much CPU as verifying a keyless signature;
/// read ahead, it is done while a check waits for the registry.
#[derive(Debug, Clone)]
pub struct ReadAhead {
    bytes: Option<Vec<u8>>,
    entries: Vec<HistoryEntry>,
    texts: Vec<Vec<u8>>,
}

/// The history document holding `entries`. Public for the fuzz target `history` only.
#[doc(hidden)]
pub fn document(entries: &[HistoryEntry]) -> Result<Vec<u8>, HistoryError> {
    Ok(assemble(&entry_texts(entries)?))
}

/// Each entry as it stands in the document: pretty JSON indented to the `entries` array.
fn entry_texts(entries: &[HistoryEntry]) -> Result<Vec<Vec<u8>>, HistoryError> {
    entries
        .iter()
        .map(|e| {
            let text =
                serde_json::to_vec_pretty(e).map_err(|e| HistoryError::Serialize(e.to_string()))?;
            // A JSON text holds a line break only between tokens (inside a string it is `\n`).
            let mut indented = Vec::with_capacity(text.len() + 64);
            for &b in &text {
                indented.push(b);
                if b == b'\n' {
                    indented.extend_from_slice(b"    ");
                }
            }
            Ok(indented)
        })
        .collect()
}

/// The document from its entries' texts: byte for byte what `serde_json::to_vec_pretty` writes
/// for `{format, version, entries}` (a test holds it to that).
fn assemble(texts: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::with_capacity(texts.iter().map(|t| t.len() + 6).sum::<usize>() + 80);
    out.extend_from_slice(
        format!(
            "{{\n  \"format\": \"{HISTORY_FORMAT}\",\n  \"version\": {HISTORY_VERSION},\n  \"entries\": ["
        )
        .as_bytes(),
    );
    if texts.is_empty() {
        out.push(b']');
    } else {
        for (i, text) in texts.iter().enumerate() {
            out.extend_from_slice(if i == 0 { b"\n    " } else { b",\n    " });
            out.extend_from_slice(text);
        }
        out.extend_from_slice(b"\n  ]");
    }
    out.extend_from_slice(b"\n}");
    out
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

    /// The recorded references, newest first.
    fn references(h: &History) -> Vec<String> {
        let read = h.read().expect("read");
        read.entries.into_iter().map(|e| e.reference).collect()
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
        assert_eq!(references(&h), ["c", "a"]);
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

    /// The document is assembled from each entry's text (so a record can reuse the texts it
    /// read ahead): it must stay byte for byte what serde writes for the whole document.
    #[test]
    fn the_document_is_what_serde_writes_for_it() {
        let mut tricky = HistoryEntry::of(&failed("a"), at(0));
        tricky.reason = "quotes \" and \\, a line\nbreak, \u{1b}[2J, tab\t, é, 🙂".into();
        tricky.digest = Some("sha256:00".into());
        let verified = HistoryEntry {
            status: Status::Verified,
            cause: None,
            repository: None,
            ..HistoryEntry::of(&failed("b"), at(1))
        };
        let cases: [Vec<HistoryEntry>; 3] = [
            vec![],
            vec![tricky.clone()],
            vec![verified, tricky, HistoryEntry::of(&failed("c"), at(2))],
        ];
        for entries in cases {
            let expected = serde_json::to_vec_pretty(&Document {
                format: HISTORY_FORMAT.into(),
                version: HISTORY_VERSION,
                entries: entries.clone(),
            })
            .expect("serde");
            let written = document(&entries).expect("document");
            assert_eq!(
                String::from_utf8_lossy(&written),
                String::from_utf8_lossy(&expected)
            );
            assert_eq!(parse(&written).expect("parses"), entries);
        }
    }

    /// A history read ahead is used only while the file is still what was read: a check
    /// another process recorded in between is kept.
    #[test]
    fn a_record_read_ahead_keeps_what_another_process_recorded_meanwhile() {
        let (h, _d) = history();
        record(&h, &["a"], 0);
        let ahead = h.read_ahead().expect("readable");
        record(&h, &["b"], 1);
        h.record_with(vec![HistoryEntry::of(&failed("c"), at(2))], Some(ahead))
            .expect("record");
        assert_eq!(references(&h), ["c", "b", "a"]);
    }

    /// With the file unchanged, a record read ahead writes exactly what a plain record writes,
    /// also when the new entries push the oldest out.
    #[test]
    fn a_record_read_ahead_writes_what_a_plain_record_writes() {
        let (plain, _d1) = history();
        let (ahead, _d2) = history();
        let many: Vec<String> = (0..HISTORY_LIMIT).map(|i| format!("old{i}")).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        for h in [&plain, &ahead] {
            record(h, &many, 0);
        }
        let new = || {
            vec![
                HistoryEntry::of(&failed("new1"), at(1)),
                HistoryEntry::of(&failed("new2"), at(1)),
            ]
        };
        plain.record(new()).expect("record");
        let read = ahead.read_ahead().expect("readable");
        let got = ahead.record_with(new(), Some(read)).expect("record");
        assert_eq!(got, plain.read().expect("read"));
        assert_eq!(
            std::fs::read(ahead.path()).expect("read"),
            std::fs::read(plain.path()).expect("read")
        );
        assert_eq!(got.entries[0].reference, "new2");
        assert_eq!(got.entries.len(), HISTORY_LIMIT);
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
