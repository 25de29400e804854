//! Git objects as git stores them: blobs, trees and commits addressed by the SHA-1 of
//! `<type> <len>\0<body>`, so ids match `git hash-object`, `git mktree` and `git commit-tree`.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

use chrono::{DateTime, Utc};
use sha1::{Digest, Sha1};

/// File mode of a regular file.
pub const MODE_FILE: &str = "100644";
/// File mode of a directory (as the REST API spells it; git writes `40000`).
pub const MODE_TREE: &str = "040000";

/// One entry of a tree object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeEntry {
    pub mode: String,
    pub name: String,
    pub sha: String,
}

impl TreeEntry {
    pub fn is_tree(&self) -> bool {
        self.mode == MODE_TREE || self.mode == "40000"
    }

    pub fn kind(&self) -> &'static str {
        match self.mode.as_str() {
            MODE_TREE | "40000" => "tree",
            "160000" => "commit",
            _ => "blob",
        }
    }
}

/// Name, email and time of an author or committer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    pub name: String,
    pub email: String,
    pub date: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Commit {
    pub tree: String,
    pub parents: Vec<String>,
    pub author: Signature,
    pub committer: Signature,
    pub message: String,
    /// GitHub signs commits it creates for an app when no custom author is given.
    pub verified: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Object {
    /// Shared, so that serving a large blob copies nothing.
    Blob(axum::body::Bytes),
    Tree(Vec<TreeEntry>),
    Commit(Commit),
}

impl Object {
    pub fn kind(&self) -> &'static str {
        match self {
            Object::Blob(_) => "blob",
            Object::Tree(_) => "tree",
            Object::Commit(_) => "commit",
        }
    }

    /// The object's body as git serialises it (without the `<type> <len>\0` header).
    pub fn body(&self) -> Vec<u8> {
        match self {
            Object::Blob(bytes) => bytes.to_vec(),
            Object::Tree(entries) => tree_body(entries),
            Object::Commit(commit) => commit_body(commit).into_bytes(),
        }
    }

    /// The object id: hex SHA-1 of header and body.
    pub fn id(&self) -> String {
        let body = self.body();
        let mut hasher = Sha1::new();
        hasher.update(format!("{} {}\0", self.kind(), body.len()).as_bytes());
        hasher.update(&body);
        hex::encode(hasher.finalize())
    }
}

/// Git orders tree entries by name, comparing a directory as if its name ended in `/`.
fn sort_key(entry: &TreeEntry) -> Vec<u8> {
    let mut key = entry.name.as_bytes().to_vec();
    if entry.is_tree() {
        key.push(b'/');
    }
    key
}

pub fn sort_entries(entries: &mut [TreeEntry]) {
    entries.sort_by_key(sort_key);
}

fn tree_body(entries: &[TreeEntry]) -> Vec<u8> {
    let mut sorted = entries.to_vec();
    sort_entries(&mut sorted);
    let mut body = Vec::new();
    for entry in &sorted {
        // Git writes directory modes without the leading zero.
        let mode = entry.mode.trim_start_matches('0');
        body.extend_from_slice(mode.as_bytes());
        body.push(b' ');
        body.extend_from_slice(entry.name.as_bytes());
        body.push(0);
        // Ids in the store are always 40 hex digits; a bad one would hash as zeros.
        body.extend_from_slice(&hex::decode(&entry.sha).unwrap_or_else(|_| vec![0; 20]));
    }
    body
}

fn signature_line(sig: &Signature) -> String {
    format!(
        "{} <{}> {} +0000",
        sig.name,
        sig.email,
        sig.date.timestamp()
    )
}

fn commit_body(commit: &Commit) -> String {
    let mut text = format!("tree {}\n", commit.tree);
    for parent in &commit.parents {
        text.push_str(&format!("parent {parent}\n"));
    }
    text.push_str(&format!("author {}\n", signature_line(&commit.author)));
    text.push_str(&format!(
        "committer {}\n",
        signature_line(&commit.committer)
    ));
    text.push('\n');
    text.push_str(&commit.message);
    text
}

/// A flattened tree: path -> (mode, blob sha). Only non-tree entries appear.
pub type Flat = BTreeMap<String, (String, String)>;

/// A repository's object database.
#[derive(Debug, Clone, Default)]
pub struct Store {
    objects: HashMap<String, Object>,
}

impl Store {
    pub fn insert(&mut self, object: Object) -> String {
        let id = object.id();
        self.objects.entry(id.clone()).or_insert(object);
        id
    }

    pub fn get(&self, sha: &str) -> Option<&Object> {
        self.objects.get(&sha.to_ascii_lowercase())
    }

    pub fn blob(&self, sha: &str) -> Option<&[u8]> {
        match self.get(sha) {
            Some(Object::Blob(bytes)) => Some(bytes),
            _ => None,
        }
    }

    /// A blob's bytes, shared.
    pub fn blob_shared(&self, sha: &str) -> Option<axum::body::Bytes> {
        match self.get(sha) {
            Some(Object::Blob(bytes)) => Some(bytes.clone()),
            _ => None,
        }
    }

    pub fn tree(&self, sha: &str) -> Option<&[TreeEntry]> {
        match self.get(sha) {
            Some(Object::Tree(entries)) => Some(entries),
            _ => None,
        }
    }

    pub fn commit(&self, sha: &str) -> Option<&Commit> {
        match self.get(sha) {
            Some(Object::Commit(commit)) => Some(commit),
            _ => None,
        }
    }

    /// Every file under a tree, keyed by full path.
    pub fn flatten(&self, tree_sha: &str) -> Flat {
        let mut flat = Flat::new();
        self.flatten_into(tree_sha, "", &mut flat);
        flat
    }

    fn flatten_into(&self, tree_sha: &str, prefix: &str, flat: &mut Flat) {
        for entry in self.tree(tree_sha).unwrap_or_default() {
            let path = format!("{prefix}{}", entry.name);
            if entry.is_tree() {
                self.flatten_into(&entry.sha, &format!("{path}/"), flat);
            } else {
                flat.insert(path, (entry.mode.clone(), entry.sha.clone()));
            }
        }
    }

    /// Every entry under a tree in `git ls-tree -r -t` order: (path, entry).
    pub fn walk(&self, tree_sha: &str) -> Vec<(String, TreeEntry)> {
        let mut out = Vec::new();
        self.walk_into(tree_sha, "", &mut out);
        out
    }

    fn walk_into(&self, tree_sha: &str, prefix: &str, out: &mut Vec<(String, TreeEntry)>) {
        let mut entries = self.tree(tree_sha).unwrap_or_default().to_vec();
        sort_entries(&mut entries);
        for entry in entries {
            let path = format!("{prefix}{}", entry.name);
            let sub = entry.is_tree().then(|| entry.sha.clone());
            out.push((path.clone(), entry));
            if let Some(sub) = sub {
                self.walk_into(&sub, &format!("{path}/"), out);
            }
        }
    }

    /// Builds nested tree objects from a flat path map; returns the root tree id.
    pub fn write_flat(&mut self, flat: &Flat) -> String {
        let mut root = Dir::default();
        for (path, (mode, sha)) in flat {
            root.insert(path, mode, sha);
        }
        root.write(self)
    }

    /// The files of a commit, with contents.
    pub fn files(&self, commit_sha: &str) -> BTreeMap<String, Vec<u8>> {
        let Some(commit) = self.commit(commit_sha) else {
            return BTreeMap::new();
        };
        self.flatten(&commit.tree)
            .into_iter()
            .filter_map(|(path, (_, sha))| self.blob(&sha).map(|b| (path, b.to_vec())))
            .collect()
    }

    /// Whether `ancestor` is reachable from `descendant` (or equal to it).
    pub fn is_ancestor(&self, ancestor: &str, descendant: &str) -> bool {
        let mut stack = vec![descendant.to_string()];
        let mut seen = std::collections::HashSet::new();
        while let Some(sha) = stack.pop() {
            if sha == ancestor {
                return true;
            }
            if !seen.insert(sha.clone()) {
                continue;
            }
            if let Some(commit) = self.commit(&sha) {
                stack.extend(commit.parents.iter().cloned());
            }
        }
        false
    }

    /// Resolves a path inside a commit's tree to a blob.
    pub fn file_at(&self, commit_sha: &str, path: &str) -> Option<Vec<u8>> {
        let commit = self.commit(commit_sha)?;
        let (_, sha) = self.flatten(&commit.tree).remove(path)?;
        self.blob(&sha).map(<[u8]>::to_vec)
    }
}

/// Files added, modified and removed between two commits (`None` = empty tree).
pub(crate) fn diff(
    store: &Store,
    before: Option<&str>,
    after: &str,
) -> (Vec<String>, Vec<String>, Vec<String>) {
    let tree_of = |sha: &str| {
        store
            .commit(sha)
            .map(|c| store.flatten(&c.tree))
            .unwrap_or_default()
    };
    let old = before.map(tree_of).unwrap_or_default();
    let new = tree_of(after);
    let added = new
        .keys()
        .filter(|k| !old.contains_key(*k))
        .cloned()
        .collect();
    let modified = new
        .iter()
        .filter(|(k, v)| old.get(*k).is_some_and(|o| o != *v))
        .map(|(k, _)| k.clone())
        .collect();
    let removed = old
        .keys()
        .filter(|k| !new.contains_key(*k))
        .cloned()
        .collect();
    (added, modified, removed)
}

/// Commits reachable from `after` but not from `before`, oldest first.
pub(crate) fn new_commits(store: &Store, before: Option<&str>, after: &str) -> Vec<String> {
    let mut known = HashSet::new();
    if let Some(before) = before {
        let mut queue = VecDeque::from([before.to_string()]);
        while let Some(sha) = queue.pop_front() {
            if known.insert(sha.clone())
                && let Some(c) = store.commit(&sha)
            {
                queue.extend(c.parents.iter().cloned());
            }
        }
    }
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    let mut queue = VecDeque::from([after.to_string()]);
    while let Some(sha) = queue.pop_front() {
        if known.contains(&sha) || !seen.insert(sha.clone()) {
            continue;
        }
        if let Some(c) = store.commit(&sha) {
            queue.extend(c.parents.iter().cloned());
        }
        out.push(sha);
    }
    out.reverse();
    out
}

/// The common ancestor nearest to `head` that `base` also reaches.
pub(crate) fn merge_base(store: &Store, base: &str, head: &str) -> Option<String> {
    let mut reach = HashSet::new();
    let mut queue = VecDeque::from([base.to_string()]);
    while let Some(sha) = queue.pop_front() {
        if reach.insert(sha.clone())
            && let Some(c) = store.commit(&sha)
        {
            queue.extend(c.parents.iter().cloned());
        }
    }
    let mut queue = VecDeque::from([head.to_string()]);
    let mut seen = HashSet::new();
    while let Some(sha) = queue.pop_front() {
        if reach.contains(&sha) {
            return Some(sha);
        }
        if seen.insert(sha.clone())
            && let Some(c) = store.commit(&sha)
        {
            queue.extend(c.parents.iter().cloned());
        }
    }
    None
}

#[derive(Default)]
struct Dir {
    files: BTreeMap<String, (String, String)>,
    dirs: BTreeMap<String, Dir>,
}

impl Dir {
    fn insert(&mut self, path: &str, mode: &str, sha: &str) {
        match path.split_once('/') {
            Some((head, rest)) => self
                .dirs
                .entry(head.to_string())
                .or_default()
                .insert(rest, mode, sha),
            None => {
                self.files
                    .insert(path.to_string(), (mode.to_string(), sha.to_string()));
            }
        }
    }

    fn write(&self, store: &mut Store) -> String {
        let mut entries: Vec<TreeEntry> = self
            .files
            .iter()
            .map(|(name, (mode, sha))| TreeEntry {
                mode: mode.clone(),
                name: name.clone(),
                sha: sha.clone(),
            })
            .collect();
        for (name, dir) in &self.dirs {
            entries.push(TreeEntry {
                mode: MODE_TREE.to_string(),
                name: name.clone(),
                sha: dir.write(store),
            });
        }
        sort_entries(&mut entries);
        store.insert(Object::Tree(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::process::{Command, Stdio};

    fn git(dir: &std::path::Path, args: &[&str], stdin: &[u8]) -> String {
        let mut child = Command::new("git")
            .args(args)
            .current_dir(dir)
            .env("GIT_AUTHOR_NAME", "A U Thor")
            .env("GIT_AUTHOR_EMAIL", "author@example.com")
            .env("GIT_AUTHOR_DATE", "1700000000 +0000")
            .env("GIT_COMMITTER_NAME", "C O Mitter")
            .env("GIT_COMMITTER_EMAIL", "committer@example.com")
            .env("GIT_COMMITTER_DATE", "1700000100 +0000")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(stdin).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "git {args:?} failed");
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    }

    #[test]
    fn object_ids_match_git() {
        let dir = tempfile::tempdir().unwrap();
        git(dir.path(), &["init", "-q"], b"");
        let mut store = Store::default();
        let files: Vec<(&str, &[u8])> = vec![
            ("README.md", b"# hello\n"),
            ("src/main.rs", b"fn main() {}\n"),
            ("src-old.txt", b"x"),
            ("src/a/b.txt", b""),
            (".github/workflows/ci.yml", b"on: push\n"),
        ];
        let mut flat = Flat::new();
        for (path, bytes) in &files {
            let sha = store.insert(Object::Blob(bytes.to_vec().into()));
            let expected = git(dir.path(), &["hash-object", "-w", "--stdin"], bytes);
            assert_eq!(sha, expected, "blob {path}");
            flat.insert(path.to_string(), (MODE_FILE.to_string(), sha));
        }
        // Add the files to git's index and let git write the tree.
        for (path, _) in &files {
            let (_, sha) = &flat[*path];
            git(
                dir.path(),
                &[
                    "update-index",
                    "--add",
                    "--cacheinfo",
                    &format!("100644,{sha},{path}"),
                ],
                b"",
            );
        }
        let expected_tree = git(dir.path(), &["write-tree"], b"");
        let tree = store.write_flat(&flat);
        assert_eq!(tree, expected_tree);

        let expected_commit = git(dir.path(), &["commit-tree", &tree], b"Initial commit\n");
        let commit = Commit {
            tree: tree.clone(),
            parents: vec![],
            author: Signature {
                name: "A U Thor".into(),
                email: "author@example.com".into(),
                date: DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
            },
            committer: Signature {
                name: "C O Mitter".into(),
                email: "committer@example.com".into(),
                date: DateTime::from_timestamp(1_700_000_100, 0).unwrap(),
            },
            message: "Initial commit\n".into(),
            verified: false,
        };
        let first = store.insert(Object::Commit(commit.clone()));
        assert_eq!(first, expected_commit);

        let expected_child = git(
            dir.path(),
            &["commit-tree", &tree, "-p", &first],
            b"Second\n",
        );
        let child = store.insert(Object::Commit(Commit {
            parents: vec![first.clone()],
            message: "Second\n".into(),
            ..commit
        }));
        assert_eq!(child, expected_child);
        assert!(store.is_ancestor(&first, &child));
        assert!(!store.is_ancestor(&child, &first));
        assert_eq!(
            store.file_at(&child, "src/a/b.txt").as_deref(),
            Some(&b""[..])
        );
        let walked: Vec<String> = store.walk(&tree).into_iter().map(|(p, _)| p).collect();
        let expected_walk = git(
            dir.path(),
            &["ls-tree", "-r", "-t", "--name-only", &tree],
            b"",
        );
        assert_eq!(walked.join("\n"), expected_walk);
    }
}
