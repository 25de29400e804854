//! A [`Snapshot`] of a directory on disk: a parallel walk that honours `.gitignore`,
//! skips `.git`, never follows symbolic links and never blocks on special files.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, mpsc};

use anyhow::Context;
use ignore::{WalkBuilder, WalkState};

use super::{Content, FileEntry, FileSource, ReadError, RepoPath, Snapshot, Warning};

/// Walks `root` and lists every regular file under it.
pub fn snapshot(root: &Path) -> anyhow::Result<Snapshot> {
    let metadata = std::fs::metadata(root)
        .with_context(|| format!("cannot scan {}: not readable", root.display()))?;
    anyhow::ensure!(
        metadata.is_dir(),
        "cannot scan {}: not a directory",
        root.display()
    );
    let (files, warnings, unlisted) = walk(root);
    let repository = root
        .canonicalize()
        .ok()
        .and_then(|path| {
            path.file_name()
                .map(|name| name.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| root.display().to_string());
    let source = LocalSource {
        root: root.to_path_buf(),
    };
    Ok(Snapshot::new(repository, files, Arc::new(source), warnings).with_unlisted(unlisted))
}

enum Found {
    File(FileEntry),
    Warning(Warning),
    /// A path that exists but is not a regular file, with what it is instead.
    Unlisted(String, &'static str, Option<Warning>),
}

/// What a walk finds: files, warnings and the paths that are not regular files.
type Walked = (Vec<FileEntry>, Vec<Warning>, Vec<(String, String)>);

fn walk(root: &Path) -> Walked {
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get().min(8));
    let walker = WalkBuilder::new(root)
        .hidden(false)
        .parents(false)
        .ignore(false)
        .git_global(false)
        .git_exclude(false)
        .git_ignore(true)
        .require_git(false)
        .follow_links(false)
        .threads(threads)
        .filter_entry(|entry| entry.file_name() != ".git")
        .build_parallel();

    let (sender, receiver) = mpsc::channel();
    walker.run(|| {
        let sender = sender.clone();
        Box::new(move |entry| {
            if let Some(found) = visit(root, entry) {
                // The receiver outlives the walk, so a send cannot fail here.
                let _ = sender.send(found);
            }
            WalkState::Continue
        })
    });
    drop(sender);

    let mut files = Vec::new();
    let mut warnings = Vec::new();
    let mut unlisted = Vec::new();
    for found in receiver {
        match found {
            Found::File(entry) => files.push(entry),
            Found::Warning(warning) => warnings.push(warning),
            Found::Unlisted(path, what, warning) => {
                unlisted.push((path, what.to_owned()));
                warnings.extend(warning);
            }
        }
    }
    warnings.sort();
    (files, warnings, unlisted)
}

fn visit(root: &Path, entry: Result<ignore::DirEntry, ignore::Error>) -> Option<Found> {
    let entry = match entry {
        Ok(entry) => entry,
        Err(err) => return Some(Found::Warning(walk_warning(root, &err))),
    };
    let file_type = entry.file_type()?;
    if file_type.is_dir() {
        return None;
    }
    let path = relative(root, entry.path());
    if file_type.is_symlink() {
        let warning = broken_link_warning(entry.path(), &path);
        return Some(Found::Unlisted(path, "is a symbolic link", warning));
    }
    if !file_type.is_file() {
        let warning = Warning::at(
            path.clone(),
            "not a regular file (device, socket or pipe); skipped",
        );
        return Some(Found::Unlisted(
            path,
            "is not a regular file",
            Some(warning),
        ));
    }
    match entry.metadata() {
        Ok(metadata) => Some(Found::File(FileEntry {
            path: RepoPath::new(path),
            size: metadata.len(),
        })),
        Err(err) => Some(Found::Warning(Warning::at(
            path,
            format!("cannot read file metadata: {err}"),
        ))),
    }
}

/// Links are never followed; a link that cannot be resolved (a loop, or a missing target)
/// is worth telling the user about.
fn broken_link_warning(absolute: &Path, path: &str) -> Option<Warning> {
    match std::fs::canonicalize(absolute) {
        Ok(_) => None,
        Err(err) => Some(Warning::at(
            path,
            format!("symbolic link cannot be resolved ({err}); not followed"),
        )),
    }
}

fn walk_warning(root: &Path, err: &ignore::Error) -> Warning {
    let path = error_path(err).map(|path| relative(root, path));
    Warning {
        path,
        message: format!("cannot walk: {}", strip_path(err)),
    }
}

fn error_path(err: &ignore::Error) -> Option<&Path> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err)
        }
        ignore::Error::Loop { child, .. } => Some(child),
        _ => None,
    }
}

fn strip_path(err: &ignore::Error) -> String {
    match err {
        ignore::Error::WithPath { err, .. } | ignore::Error::WithDepth { err, .. } => {
            strip_path(err)
        }
        other => other.to_string(),
    }
}

fn relative(root: &Path, path: &Path) -> String {
    let relative = path.strip_prefix(root).unwrap_or(path);
    match relative.to_str() {
        Some(text) => text.to_owned(),
        None => relative
            .components()
            .map(|part| part.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/"),
    }
}

/// Reads files below a root directory.
#[derive(Debug)]
pub struct LocalSource {
    root: PathBuf,
}

impl FileSource for LocalSource {
    fn read(
        &self,
        path: &RepoPath,
        limit: usize,
        listed_size: Option<u64>,
    ) -> Result<Content, ReadError> {
        let full = self.root.join(path.as_str());
        let mut file = File::open(&full).map_err(|err| match err.kind() {
            std::io::ErrorKind::NotFound => ReadError::NotFound,
            _ => ReadError::Unreadable(err.to_string()),
        })?;
        // With the listed size, read exactly what is wanted (no probe for the end of the
        // file); without it, one byte beyond the limit tells whether the file is longer.
        let wanted = match listed_size {
            Some(size) => usize::try_from(size).unwrap_or(usize::MAX).min(limit),
            None => limit.saturating_add(1),
        };
        let mut bytes = vec![0; wanted.min(STARTING_BUFFER)];
        let mut filled = 0;
        while filled < wanted {
            if filled == bytes.len() {
                bytes.resize(bytes.len().saturating_mul(2).min(wanted), 0);
            }
            match file.read(&mut bytes[filled..]) {
                Ok(0) => break,
                Ok(read) => filled += read,
                Err(err) if err.kind() == std::io::ErrorKind::Interrupted => {}
                Err(err) => return Err(ReadError::Unreadable(err.to_string())),
            }
        }
        bytes.truncate(filled);
        let truncated = match listed_size {
            Some(size) => size > limit as u64,
            None => filled > limit,
        };
        bytes.truncate(limit);
        Ok(Content { bytes, truncated })
    }
}

/// Most reads are small; a larger file grows the buffer as it is read.
const STARTING_BUFFER: usize = 64 * 1024;

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(snapshot: &Snapshot) -> Vec<&str> {
        snapshot.files().iter().map(|f| f.path.as_str()).collect()
    }

    #[test]
    fn walks_hidden_github_dir_but_not_git() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join(".github/workflows")).unwrap();
        std::fs::create_dir_all(root.join(".git/objects")).unwrap();
        std::fs::write(root.join(".github/workflows/ci.yml"), "on: push").unwrap();
        std::fs::write(root.join(".git/config"), "[core]").unwrap();
        std::fs::write(root.join("main.go"), "package main").unwrap();
        let snapshot = snapshot(root).unwrap();
        assert_eq!(paths(&snapshot), [".github/workflows/ci.yml", "main.go"]);
        assert_eq!(snapshot.files()[1].size, 12);
    }

    #[test]
    fn honours_gitignore_without_a_git_repository() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join(".gitignore"), "build/\n").unwrap();
        std::fs::create_dir_all(root.join("build")).unwrap();
        std::fs::write(root.join("build/out.js"), "x").unwrap();
        std::fs::write(root.join("app.js"), "x").unwrap();
        let snapshot = snapshot(root).unwrap();
        assert_eq!(paths(&snapshot), [".gitignore", "app.js"]);
    }

    #[test]
    fn symlink_loops_are_reported_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("a")).unwrap();
        std::os::unix::fs::symlink("../a", root.join("a/loop")).unwrap();
        std::os::unix::fs::symlink("self", root.join("self")).unwrap();
        std::fs::write(root.join("a/file.txt"), "x").unwrap();
        let snapshot = snapshot(root).unwrap();
        assert_eq!(paths(&snapshot), ["a/file.txt"]);
        let warned: Vec<_> = snapshot
            .warnings()
            .iter()
            .filter_map(|w| w.path.as_deref())
            .collect();
        assert_eq!(warned, ["self"]);
    }

    #[test]
    fn reads_are_capped_and_missing_files_are_not_found() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("big.txt"), vec![b'a'; 10_000]).unwrap();
        let snapshot = snapshot(dir.path()).unwrap();
        let content = snapshot.read(&RepoPath::new("big.txt"), 100).unwrap();
        assert_eq!(content.bytes.len(), 100);
        assert!(content.truncated);
        let whole = snapshot.read(&RepoPath::new("big.txt"), 10_000).unwrap();
        assert!(!whole.truncated);
        assert_eq!(
            snapshot.read(&RepoPath::new("gone.txt"), 10),
            Err(ReadError::NotFound)
        );
    }

    #[test]
    fn a_missing_root_is_an_error_naming_it() {
        let err = snapshot(Path::new("/definitely/not/here")).unwrap_err();
        assert!(err.to_string().contains("/definitely/not/here"), "{err}");
    }
}
