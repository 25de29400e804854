//! A repository's snapshot read through the API: one recursive tree request (subtrees
//! walked level by level when GitHub truncates it), then only the blobs detection reads,
//! each read raw up to the bytes detection uses. Within the scan's bounds
//! ([`super::scan_bounds`]): what the request budget leaves unlisted or unread is named
//! in the snapshot's warnings and is not claimed.

use std::cmp::Reverse;
use std::collections::VecDeque;
use std::sync::Arc;

use futures_util::{StreamExt, TryStreamExt, stream};
use tokio::sync::Semaphore;

use super::scan_bounds::{self, Requests};
use crate::github::api::TreeEntry;
use crate::github::{GitHubClient, Result};
use fullcover_core::detect;
use fullcover_core::rules::RuleSet;
use fullcover_core::snapshot::{FileEntry, MemorySource, RepoPath, Snapshot, Warning};

/// Blob requests in flight at once for one repository.
const BLOB_CONCURRENCY: usize = 8;

/// Paths a warning about skipped directories or files names before "and N more".
const NAMED_IN_WARNING: usize = 5;

/// What a remote snapshot cost, and what its bounds left out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Fetch {
    pub tree_requests: usize,
    pub blob_requests: usize,
    /// Bytes of blob content read.
    pub blob_bytes: u64,
    /// Directories known but not listed: the request budget was spent (what they hold
    /// is not counted either).
    pub directories_not_listed: usize,
    /// Files detection reads that were not read: the request budget was spent.
    pub files_not_read: usize,
    /// Files larger than GitHub serves through the API, not read.
    pub files_too_large: usize,
    /// The installation's reserve (not the scan's own budget) stopped the reading.
    pub held_back: bool,
}

/// A repository read through the API.
pub struct RemoteSnapshot {
    pub snapshot: Snapshot,
    /// The root tree: the base of a commit on top.
    pub tree_sha: String,
    pub fetch: Fetch,
}

/// One blob detection wants.
struct Wanted {
    path: String,
    sha: String,
    /// Bytes to read: what detection reads, never more than the file holds.
    bytes: usize,
    size: u64,
    /// Detection's read limit; larger ones are manifests, workflows and configuration.
    limit: usize,
}

/// The snapshot of `full_name` at `commit` (a commit or tree SHA), making at most
/// `max_requests` requests (at least one: the recursive listing) and none while the
/// installation's budget is at its reserve.
pub async fn snapshot(
    client: &GitHubClient,
    full_name: &str,
    commit: &str,
    rules: &RuleSet,
    max_requests: usize,
) -> Result<RemoteSnapshot> {
    let mut fetch = Fetch::default();
    let mut requests = Requests::new(max_requests.max(1));
    let (tree_sha, entries, mut warnings) =
        list(client, full_name, commit, &mut requests, &mut fetch).await?;
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
    let Reads {
        to_read,
        empty,
        too_large,
    } = plan_reads(&entries, &needs);
    fetch.files_too_large = too_large.len();
    warnings.extend(too_large);
    // Each blob takes its request when it is about to go out, so that the reserve is
    // judged on the budget GitHub reported last, other scans' requests included.
    let requests = std::sync::Mutex::new(requests);
    let requests = &requests;
    let in_flight = Semaphore::new(scan_bounds::BYTES_IN_FLIGHT / 1024);
    let in_flight = &in_flight;
    let outcomes: Vec<std::result::Result<(String, Vec<u8>), String>> = stream::iter(to_read)
        .map(|want| async move {
            // The semaphore is never closed, so acquiring cannot fail.
            let _permit = in_flight
                .acquire_many(scan_bounds::kib_permits(want.bytes))
                .await
                .ok();
            // A poisoned lock still counts right: `take` is one comparison and one add.
            let granted = requests
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .take(client.budget_now());
            if !granted {
                return Ok(Err(want.path));
            }
            let bytes = client.blob_prefix(full_name, &want.sha, want.bytes).await?;
            Ok::<_, crate::github::GitHubError>(Ok((want.path, bytes)))
        })
        .buffer_unordered(BLOB_CONCURRENCY)
        .try_collect()
        .await?;
    let requests = requests
        .lock()
        .map_or_else(|poisoned| *poisoned.into_inner(), |requests| *requests);
    let (mut fetched, mut not_read): (Vec<_>, Vec<_>) = (Vec::new(), Vec::new());
    for outcome in outcomes {
        match outcome {
            Ok(read) => fetched.push(read),
            Err(path) => not_read.push(path),
        }
    }
    not_read.sort();
    fetch.blob_requests = fetched.len();
    fetch.held_back = requests.held_back();
    if !not_read.is_empty() {
        fetch.files_not_read = not_read.len();
        warnings.push(budget_warning(
            &not_read,
            "files not read",
            requests.allowed(),
        ));
    }
    fetch.blob_bytes = fetched.iter().map(|(_, bytes)| bytes.len() as u64).sum();
    fetched.extend(empty);
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

/// The blobs a scan reads, in order, and what it does not ask GitHub for.
struct Reads {
    /// Manifests, workflows and configuration (the largest read limits) first, should
    /// the budget run out.
    to_read: Vec<Wanted>,
    /// Empty files: nothing to ask.
    empty: Vec<(String, Vec<u8>)>,
    /// Larger than GitHub serves: a warning on each.
    too_large: Vec<Warning>,
}

fn plan_reads(entries: &[TreeEntry], needs: &[(RepoPath, usize)]) -> Reads {
    let by_path: std::collections::HashMap<&str, &TreeEntry> = entries
        .iter()
        .map(|entry| (entry.path.as_str(), entry))
        .collect();
    let mut wanted: Vec<Wanted> = needs
        .iter()
        .filter_map(|(path, limit)| {
            by_path.get(path.as_str()).map(|entry| {
                let size = entry.size.unwrap_or(0);
                Wanted {
                    path: entry.path.clone(),
                    sha: entry.sha.clone(),
                    bytes: usize::try_from(size).map_or(*limit, |size| size.min(*limit)),
                    size,
                    limit: *limit,
                }
            })
        })
        .collect();
    wanted.sort_by_key(|want| Reverse(want.limit));
    let mut reads = Reads {
        to_read: Vec::new(),
        empty: Vec::new(),
        too_large: Vec::new(),
    };
    for want in wanted {
        if want.size > scan_bounds::BLOB_API_MAX {
            reads.too_large.push(Warning::at(
                want.path,
                format!(
                    "not read: {} bytes, more than the {} GitHub serves through its API",
                    want.size,
                    scan_bounds::BLOB_API_MAX
                ),
            ));
        } else if want.bytes == 0 {
            reads.empty.push((want.path, Vec::new()));
        } else {
            reads.to_read.push(want);
        }
    }
    reads
}

/// One warning for everything the request budget left out, naming the first paths.
fn budget_warning(paths: &[String], what: &str, allowed: usize) -> Warning {
    let mut named: Vec<&str> = paths
        .iter()
        .take(NAMED_IN_WARNING)
        .map(String::as_str)
        .collect();
    named.sort_unstable();
    let more = paths.len().saturating_sub(NAMED_IN_WARNING);
    let tail = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    Warning {
        path: None,
        message: format!(
            "{} {what}: the scan's budget of {allowed} requests is spent ({}{tail})",
            paths.len(),
            named.join(", ")
        ),
    }
}

/// The warning a symbolic link gets; the path it names exists, unlisted.
const SYMLINK_NOT_FOLLOWED: &str = "symbolic link not followed";

/// Regular files of the tree, with warnings for what a snapshot does not follow. When
/// GitHub truncates the recursive answer, the tree is walked one level at a time instead,
/// as GitHub advises: breadth first, `.github` directories first, for as long as the
/// request budget allows.
async fn list(
    client: &GitHubClient,
    full_name: &str,
    commit: &str,
    requests: &mut Requests,
    fetch: &mut Fetch,
) -> Result<(String, Vec<TreeEntry>, Vec<Warning>)> {
    let mut files = Vec::new();
    let mut warnings = Vec::new();
    // The recursive listing goes out whatever the budget says: the caller checked the
    // reserve just before, and without it there is no scan.
    requests.take_for_walk(client.budget_now());
    let whole = client.tree(full_name, commit, true).await?;
    fetch.tree_requests += 1;
    let root = whole.sha.clone();
    let mut pending = VecDeque::new();
    if whole.truncated {
        pending.push_back((root.clone(), String::new()));
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
    while let Some((sha, prefix)) = pending.pop_front() {
        if !requests.take_for_walk(client.budget_now()) {
            pending.push_front((sha, prefix));
            break;
        }
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
    if !pending.is_empty() {
        fetch.directories_not_listed = pending.len();
        let unlisted: Vec<String> = pending.into_iter().map(|(_, prefix)| prefix).collect();
        warnings.push(budget_warning(
            &unlisted,
            "directories not listed",
            requests.allowed(),
        ));
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
    pending: &mut VecDeque<(String, String)>,
) {
    for mut entry in entries {
        entry.path = format!("{prefix}{}", entry.path);
        match (entry.kind.as_str(), entry.mode.as_str()) {
            ("blob", "120000") => {
                warnings.push(Warning::at(entry.path.clone(), SYMLINK_NOT_FOLLOWED));
            }
            ("blob", _) => files.push(entry),
            ("tree", _) if walk => {
                let directory = (entry.sha.clone(), format!("{}/", entry.path));
                // Workflows and GitHub's configuration decide much: listed first.
                if entry.path == ".github" || entry.path.starts_with(".github/") {
                    pending.push_front(directory);
                } else {
                    pending.push_back(directory);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blob(path: &str, size: u64) -> TreeEntry {
        serde_json::from_value(serde_json::json!({
            "path": path, "mode": "100644", "type": "blob", "sha": format!("sha-{path}"), "size": size,
        }))
        .unwrap()
    }

    #[test]
    fn reads_go_configuration_first_capped_by_size_and_by_what_github_serves() {
        let entries = vec![
            blob("a.h", 40 * 1024 * 1024),
            blob("huge.h", scan_bounds::BLOB_API_MAX + 1),
            blob("small.h", 10),
            blob(".gitattributes", 0),
            blob("package.json", 300),
        ];
        let needs: Vec<(RepoPath, usize)> = [
            ("a.h", 50 * 1024),
            ("huge.h", 50 * 1024),
            ("small.h", 50 * 1024),
            (".gitattributes", 1024 * 1024),
            ("package.json", 1024 * 1024),
            ("not-listed.h", 50 * 1024),
        ]
        .into_iter()
        .map(|(path, limit)| (RepoPath::new(path), limit))
        .collect();
        let reads = plan_reads(&entries, &needs);
        let order: Vec<(&str, usize)> = reads
            .to_read
            .iter()
            .map(|want| (want.path.as_str(), want.bytes))
            .collect();
        assert_eq!(
            order,
            vec![("package.json", 300), ("a.h", 50 * 1024), ("small.h", 10)]
        );
        assert_eq!(reads.empty, vec![(".gitattributes".to_owned(), Vec::new())]);
        assert_eq!(reads.too_large.len(), 1);
        assert_eq!(reads.too_large[0].path.as_deref(), Some("huge.h"));
    }
}
