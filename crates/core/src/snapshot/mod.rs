//! The repository as the rest of the pipeline sees it: every path with its size, plus
//! on-demand reads of the few files whose content a rule needs.
//!
//! A [`Snapshot`] is the only thing detection reads from. The local implementation walks a
//! checkout; a GitHub git tree can back it as well, by implementing [`FileSource`].

pub mod local;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use serde::Serialize;

/// A repository-relative path with `/` separators and no leading `./` or `/`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct RepoPath(String);

impl RepoPath {
    /// Normalises backslashes and strips leading `./` and `/`.
    pub fn new(path: impl Into<String>) -> Self {
        let mut path: String = path.into();
        if path.contains('\\') {
            path = path.replace('\\', "/");
        }
        let trimmed = path.trim_start_matches("./").trim_start_matches('/');
        if trimmed.len() != path.len() {
            path = trimmed.to_owned();
        }
        Self(path)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The last path segment.
    pub fn file_name(&self) -> &str {
        self.0.rsplit('/').next().unwrap_or(&self.0)
    }

    /// The directory containing the file, `""` for the repository root.
    pub fn parent(&self) -> &str {
        self.0.rsplit_once('/').map_or("", |(dir, _)| dir)
    }
}

impl fmt::Display for RepoPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One file of the repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileEntry {
    pub path: RepoPath,
    pub size: u64,
}

/// Something found while listing the repository that the report must mention.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, serde::Deserialize)]
pub struct Warning {
    /// The path concerned, when there is one.
    pub path: Option<String>,
    pub message: String,
}

impl Warning {
    pub fn at(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            path: Some(path.into()),
            message: message.into(),
        }
    }
}

/// Why the content of a file could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    #[error("not in the snapshot")]
    NotFound,
    /// Listed, but its content was left out on purpose (a remote snapshot fetches only
    /// what decides the result).
    #[error("content not fetched")]
    NotFetched,
    #[error("cannot be read: {0}")]
    Unreadable(String),
}

/// Up to `limit` leading bytes of a file, and whether the file was longer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Content {
    pub bytes: Vec<u8>,
    pub truncated: bool,
}

impl Content {
    /// The content as text, or `None` when it is not valid UTF-8 (a cut inside a
    /// multi-byte character at the read limit is tolerated).
    pub fn text(&self) -> Option<&str> {
        match std::str::from_utf8(&self.bytes) {
            Ok(text) => Some(text),
            Err(err) if self.truncated && err.error_len().is_none() => {
                std::str::from_utf8(&self.bytes[..err.valid_up_to()]).ok()
            }
            Err(_) => None,
        }
    }

    /// Git's own test for binary content: a NUL byte in the first 8000 bytes.
    pub fn looks_binary(&self) -> bool {
        memchr::memchr(0, &self.bytes[..self.bytes.len().min(8000)]).is_some()
    }
}

/// Reads file content for a [`Snapshot`]. Implementations must be cheap to call from
/// several threads at once.
pub trait FileSource: Send + Sync {
    /// Up to `limit` leading bytes of `path`. `listed_size` is the size the listing gave,
    /// which lets a source read exactly what is there.
    fn read(
        &self,
        path: &RepoPath,
        limit: usize,
        listed_size: Option<u64>,
    ) -> Result<Content, ReadError>;
}

/// The listing of a repository at one point in time, with lazy access to content.
pub struct Snapshot {
    /// Human-readable name of what was scanned (a directory or `owner/repo`).
    pub repository: String,
    files: Vec<FileEntry>,
    source: Arc<dyn FileSource>,
    warnings: Vec<Warning>,
    /// Paths that exist in the repository but are not in the listing, each with why
    /// (a symbolic link, a special file, a path the configuration ignores): nothing may
    /// be written over them as if they were absent.
    unlisted: BTreeMap<String, String>,
}

/// Whether a path exists, as far as writing a file there is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Presence<'a> {
    Absent,
    Listed,
    /// There, but not readable through the snapshot; the text says why ("is a symbolic
    /// link").
    Unlisted(&'a str),
}

impl Snapshot {
    /// Builds a snapshot from a listing; files are kept sorted by path.
    pub fn new(
        repository: impl Into<String>,
        mut files: Vec<FileEntry>,
        source: Arc<dyn FileSource>,
        warnings: Vec<Warning>,
    ) -> Self {
        files.sort_by(|a, b| a.path.cmp(&b.path));
        files.dedup_by(|a, b| a.path == b.path);
        Self {
            repository: repository.into(),
            files,
            source,
            warnings,
            unlisted: BTreeMap::new(),
        }
    }

    /// Records paths that exist but are left out of the listing, each with why.
    pub fn with_unlisted(mut self, paths: impl IntoIterator<Item = (String, String)>) -> Self {
        for (path, reason) in paths {
            if !self.contains(&path) {
                self.unlisted.insert(path, reason);
            }
        }
        self
    }

    /// Whether `path` exists, listed or not.
    pub fn presence(&self, path: &str) -> Presence<'_> {
        if self.contains(path) {
            Presence::Listed
        } else if let Some(reason) = self.unlisted.get(path) {
            Presence::Unlisted(reason)
        } else {
            Presence::Absent
        }
    }

    /// An in-memory snapshot, for tests and for content fetched ahead of time.
    pub fn from_memory<P, C>(repository: &str, files: impl IntoIterator<Item = (P, C)>) -> Self
    where
        P: Into<String>,
        C: Into<Vec<u8>>,
    {
        let source = MemorySource::new(files);
        let listing = source.listing();
        Self::new(repository, listing, Arc::new(source), Vec::new())
    }

    /// This snapshot with some files added or replaced: what the repository would look
    /// like once a plan is applied.
    pub fn with_files(&self, changes: impl IntoIterator<Item = (String, String)>) -> Snapshot {
        let overlay = MemorySource::new(changes);
        let mut files: Vec<FileEntry> = overlay.listing();
        let replaced: std::collections::BTreeSet<&RepoPath> = overlay.files.keys().collect();
        files.extend(
            self.files
                .iter()
                .filter(|entry| !replaced.contains(&entry.path))
                .cloned(),
        );
        let mut unlisted = self.unlisted.clone();
        unlisted.retain(|path, _| !replaced.contains(&RepoPath::new(path.as_str())));
        let source = OverlaySource {
            overlay,
            base: Arc::clone(&self.source),
        };
        Snapshot {
            unlisted,
            ..Snapshot::new(
                self.repository.clone(),
                files,
                Arc::new(source),
                self.warnings.clone(),
            )
        }
    }

    /// This snapshot without the files `drop` selects (paths a configuration ignores);
    /// they stay known as unlisted, for `reason`.
    pub fn without(&self, drop: impl Fn(&str) -> bool, reason: &str) -> Snapshot {
        let (dropped, kept): (Vec<&FileEntry>, Vec<&FileEntry>) = self
            .files
            .iter()
            .partition(|entry| drop(entry.path.as_str()));
        let mut unlisted = self.unlisted.clone();
        unlisted.extend(
            dropped
                .into_iter()
                .map(|entry| (entry.path.as_str().to_owned(), reason.to_owned())),
        );
        Snapshot {
            repository: self.repository.clone(),
            files: kept.into_iter().cloned().collect(),
            source: Arc::clone(&self.source),
            warnings: self.warnings.clone(),
            unlisted,
        }
    }

    pub fn files(&self) -> &[FileEntry] {
        &self.files
    }

    /// Problems met while listing (unreadable directories, symlink loops, ...).
    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }

    pub fn contains(&self, path: &str) -> bool {
        self.files
            .binary_search_by(|entry| entry.path.as_str().cmp(path))
            .is_ok()
    }

    /// Reads at most `limit` leading bytes of `path`; a path the listing does not hold
    /// (a symbolic link, a special file, an ignored path) is not found.
    pub fn read(&self, path: &RepoPath, limit: usize) -> Result<Content, ReadError> {
        let index = self
            .files
            .binary_search_by(|entry| entry.path.cmp(path))
            .map_err(|_| ReadError::NotFound)?;
        self.source.read(path, limit, Some(self.files[index].size))
    }
}

impl fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Snapshot")
            .field("repository", &self.repository)
            .field("files", &self.files.len())
            .field("warnings", &self.warnings)
            .finish_non_exhaustive()
    }
}

/// File content held in memory: the form a GitHub tree plus its fetched blobs takes.
#[derive(Debug, Default)]
pub struct MemorySource {
    files: std::collections::BTreeMap<RepoPath, Vec<u8>>,
    /// Files it does not hold were listed but not fetched.
    partial: bool,
}

impl MemorySource {
    pub fn new<P, C>(files: impl IntoIterator<Item = (P, C)>) -> Self
    where
        P: Into<String>,
        C: Into<Vec<u8>>,
    {
        Self {
            files: files
                .into_iter()
                .map(|(path, content)| (RepoPath::new(path), content.into()))
                .collect(),
            partial: false,
        }
    }

    /// Content fetched for some of a listing's files: the others read as `NotFetched`.
    pub fn partial<P, C>(files: impl IntoIterator<Item = (P, C)>) -> Self
    where
        P: Into<String>,
        C: Into<Vec<u8>>,
    {
        Self {
            partial: true,
            ..Self::new(files)
        }
    }

    pub fn listing(&self) -> Vec<FileEntry> {
        self.files
            .iter()
            .map(|(path, content)| FileEntry {
                path: path.clone(),
                size: content.len() as u64,
            })
            .collect()
    }
}

impl FileSource for MemorySource {
    /// Content held may be a prefix of the file (what a remote snapshot fetched): the
    /// listed size says whether the file goes on.
    fn read(
        &self,
        path: &RepoPath,
        limit: usize,
        listed_size: Option<u64>,
    ) -> Result<Content, ReadError> {
        let missing = if self.partial {
            ReadError::NotFetched
        } else {
            ReadError::NotFound
        };
        let content = self.files.get(path).ok_or(missing)?;
        let truncated = listed_size.map_or(content.len() > limit, |size| size > limit as u64);
        Ok(Content {
            bytes: content[..content.len().min(limit)].to_vec(),
            truncated,
        })
    }
}

/// New or changed files in memory over an existing source.
struct OverlaySource {
    overlay: MemorySource,
    base: Arc<dyn FileSource>,
}

impl FileSource for OverlaySource {
    fn read(
        &self,
        path: &RepoPath,
        limit: usize,
        listed_size: Option<u64>,
    ) -> Result<Content, ReadError> {
        match self.overlay.read(path, limit, None) {
            Err(ReadError::NotFound) => self.base.read(path, limit, listed_size),
            found => found,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_and_linked_paths_stay_present_until_a_file_replaces_them() {
        let snapshot = Snapshot::from_memory("r", [("a.yml", "a"), ("b.yml", "b")])
            .with_unlisted([("link.yml".to_owned(), "is a symbolic link".to_owned())]);
        let hidden = snapshot.without(|path| path == "a.yml", "is hidden");
        assert_eq!(hidden.presence("a.yml"), Presence::Unlisted("is hidden"));
        assert_eq!(hidden.presence("b.yml"), Presence::Listed);
        assert_eq!(
            hidden.presence("link.yml"),
            Presence::Unlisted("is a symbolic link")
        );
        assert_eq!(hidden.presence("c.yml"), Presence::Absent);
        assert!(matches!(
            hidden.read(&RepoPath::new("a.yml"), 10),
            Err(ReadError::NotFound)
        ));
        let written = hidden.with_files([("link.yml".to_owned(), "new".to_owned())]);
        assert_eq!(written.presence("link.yml"), Presence::Listed);
        assert_eq!(written.presence("a.yml"), Presence::Unlisted("is hidden"));
    }

    #[test]
    fn repo_paths_are_normalised() {
        assert_eq!(RepoPath::new("./src/main.rs").as_str(), "src/main.rs");
        assert_eq!(RepoPath::new("src\\lib.rs").as_str(), "src/lib.rs");
        assert_eq!(RepoPath::new("a/b/c.txt").parent(), "a/b");
        assert_eq!(RepoPath::new("c.txt").parent(), "");
        assert_eq!(RepoPath::new("a/b/c.txt").file_name(), "c.txt");
    }

    #[test]
    fn overlays_add_and_replace_files() {
        let base = Snapshot::from_memory("mem", [("a.txt", "old"), ("b.txt", "kept")]);
        let next = base.with_files([
            ("a.txt".to_owned(), "new!".to_owned()),
            ("c.txt".to_owned(), "added".to_owned()),
        ]);
        let paths: Vec<&str> = next.files().iter().map(|f| f.path.as_str()).collect();
        assert_eq!(paths, ["a.txt", "b.txt", "c.txt"]);
        assert_eq!(
            next.read(&RepoPath::new("a.txt"), 10).unwrap().bytes,
            b"new!"
        );
        assert_eq!(
            next.read(&RepoPath::new("b.txt"), 10).unwrap().bytes,
            b"kept"
        );
        assert_eq!(next.files()[0].size, 4);
    }

    #[test]
    fn memory_reads_are_capped() {
        let snapshot = Snapshot::from_memory("mem", [("a.txt", "hello world")]);
        let content = snapshot.read(&RepoPath::new("a.txt"), 5).unwrap();
        assert_eq!(content.bytes, b"hello");
        assert!(content.truncated);
        assert_eq!(
            snapshot.read(&RepoPath::new("missing"), 5),
            Err(ReadError::NotFound)
        );
    }

    #[test]
    fn text_tolerates_a_character_cut_at_the_limit() {
        let cut = Content {
            bytes: "é".as_bytes()[..1].to_vec(),
            truncated: true,
        };
        assert_eq!(cut.text(), Some(""));
        let invalid = Content {
            bytes: vec![0xff, b'a'],
            truncated: false,
        };
        assert_eq!(invalid.text(), None);
    }
}
