//! A pull request's commits: those its head reaches and its base did not when it was
//! opened, oldest first, at most 250 (GitHub's cap for this endpoint).

use std::collections::HashMap;
use std::sync::Arc;

use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde_json::{Value, json};

use super::super::http::{ApiError, ApiResult, json, link_header, page_params, with_link};
use super::super::server::Caller;
use super::super::{Inner, git, render};
use super::{PULLS_READ, repo_access};

const DOC: &str = "https://docs.github.com/rest/pulls/pulls#list-commits-on-a-pull-request";

/// GitHub lists at most this many commits of a pull request.
const MAX_COMMITS: usize = 250;

pub async fn list(
    State(inner): State<Arc<Inner>>,
    Extension(caller): Extension<Caller>,
    Path((owner, name, number)): Path<(String, String, String)>,
    Query(query): Query<Vec<(String, String)>>,
) -> ApiResult {
    let params: HashMap<_, _> = query.iter().cloned().collect();
    let world = inner.world();
    let id = repo_access(&world, &caller, &owner, &name, PULLS_READ, DOC)?;
    let repo = &world.repos[&id];
    let number: u64 = number.parse().map_err(|_| ApiError::not_found(DOC))?;
    let pull = repo
        .pulls
        .iter()
        .find(|p| p.number == number)
        .ok_or_else(|| ApiError::not_found(DOC))?;
    let head = repo.pull_head_sha(pull);
    let commits = git::new_commits(&repo.store, Some(&pull.base_sha), &head);
    let (per_page, page) = page_params(
        params.get("per_page").map(String::as_str),
        params.get("page").map(String::as_str),
        inner.options.per_page_max,
    );
    let full = render::repo_full_name(&world, repo);
    let repo_url = format!("{}/repos/{full}", inner.base);
    let html_url = format!("{}/{full}", inner.base);
    let listed: Vec<&String> = commits.iter().take(MAX_COMMITS).collect();
    let items: Vec<Value> = listed
        .iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .filter_map(|sha| {
            let commit = repo.store.commit(sha)?;
            Some(commit_json(&repo_url, &html_url, sha, commit))
        })
        .collect();
    let url = format!("{repo_url}/pulls/{number}/commits");
    let link = link_header(&url, &query, per_page, page, listed.len());
    Ok(with_link(json(StatusCode::OK, Value::Array(items)), link))
}

/// A commit as the REST commits endpoints list it (GitHub's `commit` schema).
fn commit_json(repo_url: &str, html_url: &str, sha: &str, commit: &git::Commit) -> Value {
    let git_commit = render::git_commit(repo_url, html_url, sha, commit);
    json!({
        "sha": sha,
        "node_id": render::node_id("Commit", sha),
        "url": format!("{repo_url}/commits/{sha}"),
        "html_url": format!("{html_url}/commit/{sha}"),
        "comments_url": format!("{repo_url}/commits/{sha}/comments"),
        "commit": {
            "url": format!("{repo_url}/git/commits/{sha}"),
            "author": git_commit["author"],
            "committer": git_commit["committer"],
            "message": commit.message,
            "comment_count": 0,
            "tree": git_commit["tree"],
            "verification": git_commit["verification"],
        },
        "author": null,
        "committer": null,
        "parents": git_commit["parents"],
    })
}
