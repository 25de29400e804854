//! A repository's snapshot read through the API: one recursive tree request (subtrees
//! walked one by one when GitHub truncates it), then only the blobs detection reads,
//! cut to the bytes it reads.

use std::sync::Arc;

use futures_util::{StreamExt, TryStreamExt, stream};

use crate::github::api::TreeEntry;
use crate::github::{GitHubClient, Result};
use fullcover_core::detect;
use fullcover_core::rules::RuleSet;
use fullcover_core::snapshot::{FileEntry, MemorySource, RepoPath, Snapshot, Warning};

/// Blob requests in flight at once for one repository.
const BLOB_CONCURRENCY: usize = 8;

/// What a remote snapshot cost.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Fetch {
    pub tree_requests: usize,
    pub blob_requests: usize,
}

/// A repository read through the API.
pub struct RemoteSnapshot {
    pub snapshot: Snapshot,
    /// The root tree: the base of a commit on top.
    pub tree_sha: String,
    pub fetch: Fetch,
}

/// The snapshot of `full_name` at `commit` (a commit or tree SHA).
pub async fn snapshot(
    client: &GitHubClient,
    full_name: &str,
    commit: &str,
    rules: &RuleSet,
) -> Result<RemoteSnapshot> {
    let mut fetch = Fetch::default();
    let (tree_sha, entries, warnings) = list(client, full_name, commit, &mut fetch).await?;
    let listing: Vec<FileEntry> = entries
        .iter()
        .map(|entry| FileEntry {
            path: RepoPath::new(entry.path.clone()),
            size: entry.size.unwrap_or(0),
        })
        .collect();
    let listed = Snapshot::new(
        full_name,
        listing.clone(),
        Arc::new(MemorySource::default()),
        Vec::new(),
    );
    let needs = detect::content_needs(&listed, rules, detect::Depth::Deciding);
    let by_path: std::collections::HashMap<&str, &TreeEntry> = entries
        .iter()
        .map(|entry| (entry.path.as_str(), entry))
        .collect();
    let wanted: Vec<(String, String, usize)> = needs
        .iter()
        .filter_map(|(path, limit)| {
            by_path
                .get(path.as_str())
                .map(|entry| (entry.path.clone(), entry.sha.clone(), *limit))
        })
        .collect();
    fetch.blob_requests = wanted.len();
    let fetched: Vec<(String, Vec<u8>)> = stream::iter(wanted)
        .map(|(path, sha, limit)| async move {
            let mut bytes = client.blob(full_name, &sha).await?;
            bytes.truncate(limit);
            Ok::<_, crate::github::GitHubError>((path, bytes))
        })
        .buffer_unordered(BLOB_CONCURRENCY)
        .try_collect()
        .await?;
    let links: Vec<(String, String)> = warnings
        .iter()
        .filter(|warning| warning.message == SYMLINK_NOT_FOLLOWED)
        .filter_map(|warning| warning.path.clone())
        .map(|path| (path, "is a symbolic link".to_owned()))
        .collect();
    let snapshot = Snapshot::new(
        full_name,
        listing,
        Arc::new(MemorySource::partial(fetched)),
        warnings,
    )
    .with_unlisted(links);
    Ok(RemoteSnapshot {
        snapshot,
        tree_sha,
        fetch,
    })
}

/// The warning a symbolic link gets; the path it names exists, unlisted.
const SYMLINK_NOT_FOLLOWED: &str = "symbolic link not followed";

/// Regular files of the tree, with warnings for what a snapshot does not follow. When
/// GitHub truncates the recursive answer, the tree is walked one level at a time instead,
/// as GitHub advises.
async fn list(
    client: &GitHubClient,
    full_name: &str,
    commit: &str,
    fetch: &mut Fetch,
) -> Result<(String, Vec<TreeEntry>, Vec<Warning>)> {
    let mut files = Vec::new();
    let mut warnings = Vec::new();
    let whole = client.tree(full_name, commit, true).await?;
    fetch.tree_requests += 1;
    let root = whole.sha.clone();
    let mut pending = Vec::new();
    if whole.truncated {
        pending.push((root.clone(), String::new()));
    } else {
        keep_files(
            whole.tree,
            "",
            false,
            &mut files,
            &mut warnings,
            &mut pending,
        );
    }
    while let Some((sha, prefix)) = pending.pop() {
        let level = client.tree(full_name, &sha, false).await?;
        fetch.tree_requests += 1;
        if level.truncated {
            // One directory with more entries than GitHub lists: nothing more to ask.
            warnings.push(Warning::at(
                if prefix.is_empty() {
                    "/"
                } else {
                    prefix.as_str()
                },
                "directory listed in part: GitHub truncated it",
            ));
        }
        keep_files(
            level.tree,
            &prefix,
            true,
            &mut files,
            &mut warnings,
            &mut pending,
        );
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok((root, files, warnings))
}

/// Sorts a tree's entries: regular files are kept, subtrees are queued when walking, links are reported, submodules are not part of the repository's content.
fn keep_files(
    entries: Vec<TreeEntry>,
    prefix: &str,
    walk: bool,
    files: &mut Vec<TreeEntry>,
    warnings: &mut Vec<Warning>,
    pending: &mut Vec<(String, String)>,
) {
    for mut entry in entries {
        entry.path = format!("{prefix}{}", entry.path);
        match (entry.kind.as_str(), entry.mode.as_str()) {
            ("blob", "120000") => {
                warnings.push(Warning::at(entry.path.clone(), SYMLINK_NOT_FOLLOWED));
            }
            ("blob", _) => files.push(entry),
            ("tree", _) if walk => {
                pending.push((entry.sha.clone(), format!("{}/", entry.path)));
            }
            _ => {}
        }
    }
}
