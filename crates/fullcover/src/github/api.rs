//! The REST calls the App makes, each typed to the fields it reads. Paths follow
//! GitHub's REST reference; answers are read leniently (fields the App does not use are
//! ignored), and a missing field it does use is a `Decode` error naming the call.

use http::Method;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::client::{Fetched, GitHubClient, GitHubError, Result};

/// The media type in which GitHub answers a blob with its bytes instead of base64 JSON.
const RAW_BLOB: &str = "application/vnd.github.raw+json";

#[derive(Debug, Clone, Deserialize)]
pub struct Repository {
    pub id: i64,
    pub name: String,
    pub full_name: String,
    pub owner: Account,
    #[serde(default)]
    pub default_branch: Option<String>,
    #[serde(default)]
    pub private: bool,
    #[serde(default)]
    pub archived: bool,
    #[serde(default)]
    pub disabled: bool,
    #[serde(default)]
    pub fork: bool,
    /// When the repository was last pushed to (ISO 8601; null for one never pushed to).
    #[serde(default)]
    pub pushed_at: Option<String>,
}

impl Repository {
    /// `pushed_at` in Unix seconds; `None` when absent or not a time GitHub writes.
    pub fn pushed_at_seconds(&self) -> Option<i64> {
        let text = self.pushed_at.as_deref()?;
        chrono::DateTime::parse_from_rfc3339(text)
            .ok()
            .map(|at| at.timestamp())
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Account {
    pub login: String,
    #[serde(default)]
    pub id: i64,
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TreeEntry {
    pub path: String,
    pub mode: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub sha: String,
    #[serde(default)]
    pub size: Option<u64>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Tree {
    pub sha: String,
    pub tree: Vec<TreeEntry>,
    #[serde(default)]
    pub truncated: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PullRequest {
    pub number: i64,
    pub state: String,
    #[serde(default)]
    pub merged_at: Option<String>,
    #[serde(default)]
    pub body: Option<String>,
    pub html_url: String,
    /// Only in a single pull request's answer; null while GitHub computes it.
    #[serde(default)]
    pub mergeable: Option<bool>,
    pub head: PullRef,
    pub base: PullRef,
}

impl PullRequest {
    pub fn is_merged(&self) -> bool {
        self.merged_at.is_some()
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct PullRef {
    #[serde(rename = "ref")]
    pub name: String,
    pub sha: String,
}

/// A file for a new tree: inline text, as the onboarding commit only holds text.
#[derive(Debug, Clone)]
pub struct NewFile {
    pub path: String,
    pub content: String,
}

fn parse<T: DeserializeOwned>(path: &str, value: Value) -> Result<T> {
    serde_json::from_value(value).map_err(|err| GitHubError::Decode {
        path: path.to_owned(),
        detail: err.to_string(),
    })
}

fn sha_of(path: &str, value: &Value, pointer: &str) -> Result<String> {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| GitHubError::Decode {
            path: path.to_owned(),
            detail: format!("no {pointer} in the answer"),
        })
}

/// Percent-encodes a ref for a URL path, keeping its slashes.
fn encode_ref(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for byte in name.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(char::from(byte));
            }
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

impl GitHubClient {
    /// Every repository the installation can reach, following the `Link` pages.
    pub async fn list_repositories(&self) -> Result<Vec<Repository>> {
        let mut path = Some("/installation/repositories?per_page=100".to_owned());
        let mut repositories = Vec::new();
        while let Some(current) = path.take() {
            let (body, next) = self.get_json(&current).await?;
            let list = body
                .get("repositories")
                .cloned()
                .ok_or_else(|| GitHubError::Decode {
                    path: current.clone(),
                    detail: "no repositories in the answer".into(),
                })?;
            let page: Vec<Repository> = parse(&current, list)?;
            repositories.extend(page);
            path = next;
        }
        Ok(repositories)
    }

    pub async fn repository(&self, full_name: &str) -> Result<Repository> {
        let path = format!("/repos/{full_name}");
        let (body, _) = self.get_json(&path).await?;
        parse(&path, body)
    }

    /// The repository's record and its ETag; `None` when `etag` still holds.
    pub async fn repository_if_changed(
        &self,
        full_name: &str,
        etag: Option<&str>,
    ) -> Result<Option<(Repository, Option<String>)>> {
        let path = format!("/repos/{full_name}");
        match self.get(&path, etag).await? {
            Fetched::NotModified => Ok(None),
            Fetched::Modified { body, etag, .. } => Ok(Some((parse(&path, body)?, etag))),
        }
    }

    /// The commit a branch points at; `NotModified` when `etag` still holds.
    pub async fn branch_head(
        &self,
        full_name: &str,
        branch: &str,
        etag: Option<&str>,
    ) -> Result<Option<(String, Option<String>)>> {
        let path = format!("/repos/{full_name}/git/ref/heads/{}", encode_ref(branch));
        match self.get(&path, etag).await? {
            Fetched::NotModified => Ok(None),
            Fetched::Modified { body, etag, .. } => {
                Ok(Some((sha_of(&path, &body, "/object/sha")?, etag)))
            }
        }
    }

    /// The commit a branch points at, or `None` when the branch does not exist.
    pub async fn find_branch(&self, full_name: &str, branch: &str) -> Result<Option<String>> {
        match self.branch_head(full_name, branch, None).await {
            Ok(Some((sha, _))) => Ok(Some(sha)),
            Ok(None) => Ok(None),
            Err(err) if err.is_not_found() => Ok(None),
            Err(err) => Err(err),
        }
    }

    pub async fn tree(&self, full_name: &str, sha: &str, recursive: bool) -> Result<Tree> {
        let path = if recursive {
            format!("/repos/{full_name}/git/trees/{sha}?recursive=1")
        } else {
            format!("/repos/{full_name}/git/trees/{sha}")
        };
        let (body, _) = self.get_json(&path).await?;
        parse(&path, body)
    }

    /// At most the first `limit` bytes of a blob, read raw: the blob is neither
    /// base64-encoded nor read past the prefix (GitHub serves blobs up to 100 MB this way).
    pub async fn blob_prefix(&self, full_name: &str, sha: &str, limit: usize) -> Result<Vec<u8>> {
        let path = format!("/repos/{full_name}/git/blobs/{sha}");
        self.get_prefix(&path, RAW_BLOB, limit).await
    }

    /// A tree over `base_tree` with `files` written as regular files.
    pub async fn create_tree(
        &self,
        full_name: &str,
        base_tree: &str,
        files: &[NewFile],
    ) -> Result<String> {
        let path = format!("/repos/{full_name}/git/trees");
        let entries: Vec<Value> = files
            .iter()
            .map(|file| json!({"path": file.path, "mode": "100644", "type": "blob", "content": file.content}))
            .collect();
        let body = self
            .write(
                Method::POST,
                &path,
                &json!({"base_tree": base_tree, "tree": entries}),
            )
            .await?;
        sha_of(&path, &body, "/sha")
    }

    /// A commit with no author or committer of ours, so that GitHub signs it as the App.
    pub async fn create_commit(
        &self,
        full_name: &str,
        message: &str,
        tree: &str,
        parent: &str,
    ) -> Result<String> {
        let path = format!("/repos/{full_name}/git/commits");
        let body = self
            .write(
                Method::POST,
                &path,
                &json!({"message": message, "tree": tree, "parents": [parent]}),
            )
            .await?;
        sha_of(&path, &body, "/sha")
    }

    pub async fn create_branch(&self, full_name: &str, branch: &str, sha: &str) -> Result<()> {
        let path = format!("/repos/{full_name}/git/refs");
        self.write(
            Method::POST,
            &path,
            &json!({"ref": format!("refs/heads/{branch}"), "sha": sha}),
        )
        .await
        .map(drop)
    }

    pub async fn force_branch(&self, full_name: &str, branch: &str, sha: &str) -> Result<()> {
        let path = format!("/repos/{full_name}/git/refs/heads/{}", encode_ref(branch));
        self.write(Method::PATCH, &path, &json!({"sha": sha, "force": true}))
            .await
            .map(drop)
    }

    /// The newest pull request from `owner:branch`, in any state.
    pub async fn find_pull(
        &self,
        full_name: &str,
        owner: &str,
        branch: &str,
    ) -> Result<Option<PullRequest>> {
        let path = format!(
            "/repos/{full_name}/pulls?head={}:{}&state=all&per_page=100",
            encode_ref(owner),
            encode_ref(branch)
        );
        let (body, _) = self.get_json(&path).await?;
        let mut pulls: Vec<PullRequest> = parse(&path, body)?;
        pulls.sort_by_key(|pull| std::cmp::Reverse(pull.number));
        Ok(pulls.into_iter().next())
    }

    pub async fn pull(&self, full_name: &str, number: i64) -> Result<PullRequest> {
        let path = format!("/repos/{full_name}/pulls/{number}");
        let (body, _) = self.get_json(&path).await?;
        parse(&path, body)
    }

    pub async fn create_pull(
        &self,
        full_name: &str,
        title: &str,
        body: &str,
        head: &str,
        base: &str,
    ) -> Result<PullRequest> {
        let path = format!("/repos/{full_name}/pulls");
        let answer = self
            .write(
                Method::POST,
                &path,
                &json!({"title": title, "body": body, "head": head, "base": base}),
            )
            .await?;
        parse(&path, answer)
    }

    pub async fn update_pull(
        &self,
        full_name: &str,
        number: i64,
        title: &str,
        body: &str,
        base: &str,
    ) -> Result<PullRequest> {
        let path = format!("/repos/{full_name}/pulls/{number}");
        let answer = self
            .write(
                Method::PATCH,
                &path,
                &json!({"title": title, "body": body, "base": base}),
            )
            .await?;
        parse(&path, answer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refs_keep_slashes_and_escape_the_rest() {
        assert_eq!(encode_ref("fullcover/onboarding"), "fullcover/onboarding");
        assert_eq!(encode_ref("feat#1 x"), "feat%231%20x");
    }
}
