//! Writing an export's files into a folder: all of them or none.
//!
//! The files are first written whole into a staging folder inside the destination (same file
//! system), then each is moved into place by one rename; if any step fails, the files already
//! moved are taken back (a replaced file gets its old content back) and the staging folder is
//! removed. *Invariant: a reader of any destination file sees its old content or the new, never
//! part of either; a failed write leaves the folder's files as they were; without
//! [`Existing::Replace`] no existing file is ever replaced — on a file system with hard links,
//! not even one that appears while writing (each file is linked into place, which never
//! replaces).*

use std::io::Write as _;
use std::path::{Component, Path, PathBuf};

use super::ExportFile;

/// What to do about files of the export that already exist in the folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Existing {
    /// Write nothing and name them ([`FolderError::Exists`]).
    Refuse,
    /// Replace them (each by one rename).
    Replace,
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FolderError {
    /// Files of the export already exist there (relative paths); nothing was written.
    #[error("{} already {} in {folder}; nothing was written", list(files), if files.len() == 1 { "exists" } else { "exist" })]
    Exists { folder: String, files: Vec<String> },
    /// An export file's path is not a plain relative path (never produced by Vouch's exports).
    #[error("`{0}` is not a file name inside the export folder; nothing was written")]
    BadPath(String),
    /// Writing failed; what was already moved into place was taken back.
    #[error("could not write {path}: {source}; nothing was written")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

fn list(files: &[String]) -> String {
    files
        .iter()
        .map(|f| format!("`{f}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The export's files (relative paths) that already exist in `dir`.
pub fn existing(dir: &Path, files: &[ExportFile]) -> Vec<String> {
    files
        .iter()
        .filter(|f| dir.join(&f.path).symlink_metadata().is_ok())
        .map(|f| f.path.clone())
        .collect()
}

/// Writes `files` into `dir` (created if missing), all or none; returns the paths written.
pub fn write(
    dir: &Path,
    files: &[ExportFile],
    existing_files: Existing,
) -> Result<Vec<PathBuf>, FolderError> {
    for f in files {
        let p = Path::new(&f.path);
        if f.path.is_empty() || !p.components().all(|c| matches!(c, Component::Normal(_))) {
            return Err(FolderError::BadPath(f.path.clone()));
        }
    }
    let folder = dir.display().to_string();
    if existing_files == Existing::Refuse {
        let there = existing(dir, files);
        if !there.is_empty() {
            return Err(FolderError::Exists {
                folder,
                files: there,
            });
        }
    }
    let io = |path: &Path| {
        let path = path.display().to_string();
        move |source| FolderError::Io { path, source }
    };
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let staging = staging_dir(dir).map_err(io(dir))?;
    let result = stage_and_move(dir, &staging, files, existing_files);
    // The staging folder holds only copies (staged files, old contents once restored).
    let _ = std::fs::remove_dir_all(&staging);
    result
}

/// A new, empty folder inside `dir` for staging.
fn staging_dir(dir: &Path) -> std::io::Result<PathBuf> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let mut attempt = 0u32;
    loop {
        let p = dir.join(format!(
            ".vouch-export-{}-{nanos}-{attempt}",
            std::process::id()
        ));
        match std::fs::create_dir(&p) {
            Ok(()) => return Ok(p),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && attempt < 100 => {
                attempt += 1;
            }
            Err(e) => return Err(e),
        }
    }
}

/// A file moved into place, and how to take it back.
struct Placed {
    target: PathBuf,
    /// The old content's copy (in the staging folder), when the file existed before.
    old: Option<PathBuf>,
}

fn stage_and_move(
    dir: &Path,
    staging: &Path,
    files: &[ExportFile],
    existing_files: Existing,
) -> Result<Vec<PathBuf>, FolderError> {
    let io = |path: &Path| {
        let path = path.display().to_string();
        move |source| FolderError::Io { path, source }
    };
    // Every file staged whole and flushed before the first one is moved.
    let mut staged = Vec::with_capacity(files.len());
    for (i, f) in files.iter().enumerate() {
        let tmp = staging.join(format!("new-{i}"));
        let mut out = std::fs::File::create(&tmp).map_err(io(&tmp))?;
        out.write_all(f.contents.as_bytes())
            .and_then(|()| out.sync_all())
            .map_err(io(&tmp))?;
        staged.push(tmp);
    }
    let mut placed: Vec<Placed> = Vec::new();
    let mut created_dirs: Vec<PathBuf> = Vec::new();
    for (i, (f, tmp)) in files.iter().zip(&staged).enumerate() {
        let target = dir.join(&f.path);
        let moved = place(staging, i, tmp, &target, existing_files, &mut created_dirs);
        match moved {
            Ok(old) => placed.push(Placed {
                target: target.clone(),
                old,
            }),
            Err(e) => {
                take_back(&placed, &created_dirs);
                return Err(match e {
                    Blocked::Appeared => FolderError::Exists {
                        folder: dir.display().to_string(),
                        files: vec![f.path.clone()],
                    },
                    Blocked::Io(source) => FolderError::Io {
                        path: target.display().to_string(),
                        source,
                    },
                });
            }
        }
    }
    Ok(placed.into_iter().map(|p| p.target).collect())
}

/// Why a file could not be moved into place.
enum Blocked {
    /// The file appeared after the check, and replacing is refused.
    Appeared,
    Io(std::io::Error),
}

/// Moves `tmp` to `target`; returns the old content's copy when it replaced a file.
fn place(
    staging: &Path,
    i: usize,
    tmp: &Path,
    target: &Path,
    existing_files: Existing,
    created_dirs: &mut Vec<PathBuf>,
) -> Result<Option<PathBuf>, Blocked> {
    if let Some(parent) = target.parent() {
        let mut missing = Vec::new();
        let mut p = Some(parent);
        while let Some(d) = p.filter(|d| !d.exists()) {
            missing.push(d.to_path_buf());
            p = d.parent();
        }
        std::fs::create_dir_all(parent).map_err(Blocked::Io)?;
        created_dirs.extend(missing.into_iter().rev());
    }
    match existing_files {
        Existing::Refuse => {
            // A hard link never replaces a file: one that appeared since the check stays.
            match std::fs::hard_link(tmp, target) {
                Ok(()) => Ok(None),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(Blocked::Appeared),
                Err(_) if !target.exists() => std::fs::rename(tmp, target)
                    .map(|()| None)
                    .map_err(Blocked::Io),
                Err(e) => Err(Blocked::Io(e)),
            }
        }
        Existing::Replace => {
            let old = if target.symlink_metadata().is_ok() {
                let copy = staging.join(format!("old-{i}"));
                std::fs::copy(target, &copy).map_err(Blocked::Io)?;
                Some(copy)
            } else {
                None
            };
            std::fs::rename(tmp, target).map_err(Blocked::Io)?;
            Ok(old)
        }
    }
}

/// Undoes what was placed, newest first: old contents back, new files removed, then the folders
/// created for them (when empty).
fn take_back(placed: &[Placed], created_dirs: &[PathBuf]) {
    for p in placed.iter().rev() {
        let _ = match &p.old {
            Some(old) => std::fs::rename(old, &p.target),
            None => std::fs::remove_file(&p.target),
        };
    }
    for d in created_dirs.iter().rev() {
        let _ = std::fs::remove_dir(d);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files() -> Vec<ExportFile> {
        vec![
            ExportFile {
                path: "policy.json".into(),
                contents: "{\"default\": []}\n".into(),
            },
            ExportFile {
                path: "registries.d/vouch.yaml".into(),
                contents: "docker: {}\n".into(),
            },
        ]
    }

    fn listing(dir: &Path) -> Vec<String> {
        let mut out = Vec::new();
        for e in walk(dir) {
            out.push(e.strip_prefix(dir).expect("inside").display().to_string());
        }
        out.sort();
        out
    }

    fn walk(dir: &Path) -> Vec<PathBuf> {
        let mut out = Vec::new();
        for e in std::fs::read_dir(dir).expect("read_dir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                out.extend(walk(&p));
            }
            out.push(p);
        }
        out
    }

    #[test]
    fn writes_every_file_and_leaves_no_staging_behind() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("out");
        let written = write(&dir, &files(), Existing::Refuse).expect("written");
        assert_eq!(written.len(), 2);
        assert_eq!(
            std::fs::read_to_string(dir.join("registries.d/vouch.yaml")).expect("read"),
            "docker: {}\n"
        );
        assert_eq!(
            listing(&dir),
            ["policy.json", "registries.d", "registries.d/vouch.yaml"]
        );
    }

    #[test]
    fn an_existing_file_is_named_and_nothing_is_written_unless_replacing() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path();
        std::fs::create_dir(dir.join("registries.d")).expect("mkdir");
        std::fs::write(dir.join("registries.d/vouch.yaml"), "old\n").expect("write");
        let err = write(dir, &files(), Existing::Refuse).expect_err("exists");
        assert!(
            matches!(&err, FolderError::Exists { files, .. } if files == &["registries.d/vouch.yaml"]),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            format!(
                "`registries.d/vouch.yaml` already exists in {}; nothing was written",
                dir.display()
            )
        );
        assert_eq!(listing(dir), ["registries.d", "registries.d/vouch.yaml"]);
        write(dir, &files(), Existing::Replace).expect("replaced");
        assert_eq!(
            std::fs::read_to_string(dir.join("registries.d/vouch.yaml")).expect("read"),
            "docker: {}\n"
        );
    }

    /// A failure after the first file was moved takes it back: the folder is as it was.
    #[test]
    fn a_failure_midway_takes_back_what_was_written() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path();
        std::fs::write(dir.join("policy.json"), "old policy\n").expect("write");
        // `registries.d` is a file, so its `vouch.yaml` cannot be created.
        std::fs::write(dir.join("registries.d"), "in the way\n").expect("write");
        let err = write(dir, &files(), Existing::Replace).expect_err("blocked");
        assert!(matches!(err, FolderError::Io { .. }), "{err:?}");
        assert!(err.to_string().ends_with("nothing was written"), "{err}");
        assert_eq!(
            std::fs::read_to_string(dir.join("policy.json")).expect("read"),
            "old policy\n"
        );
        assert_eq!(listing(dir), ["policy.json", "registries.d"]);
    }

    #[test]
    fn paths_leaving_the_folder_are_refused() {
        let tmp = tempfile::tempdir().expect("tempdir");
        for bad in ["../x", "/etc/x", "", "a/../../b"] {
            let f = vec![ExportFile {
                path: bad.into(),
                contents: String::new(),
            }];
            let err = write(tmp.path(), &f, Existing::Replace).expect_err(bad);
            assert!(matches!(err, FolderError::BadPath(_)), "{bad}: {err:?}");
        }
        assert!(listing(tmp.path()).is_empty());
    }
}
