//! Repository metadata and check runs.

use std::sync::Arc;

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde_json::{Value, json};

use super::super::http::{ApiError, ApiResult, json};
use super::super::server::Caller;
use super::super::{Inner, render};
use super::{CHECKS_READ, METADATA_READ, repo_access};

const DOC_REPO: &str = "https://docs.github.com/rest/repos/repos#get-a-repository";
const DOC_CHECK_RUNS: &str =
    "https://docs.github.com/rest/checks/runs#list-check-runs-for-a-git-reference";

pub async fn get_repo(
    State(inner): State<Arc<Inner>>,
    Extension(caller): Extension<Caller>,
    Path((owner, name)): Path<(String, String)>,
) -> ApiResult {
    let world = inner.world();
    let id = repo_access(&world, &caller, &owner, &name, METADATA_READ, DOC_REPO)?;
    let mut repo = render::repository(&world, &inner.base, &world.repos[&id]);
    repo["permissions"] =
        json!({"admin": false, "maintain": false, "push": true, "triage": false, "pull": true});
    Ok(json(StatusCode::OK, repo))
}

pub async fn check_runs(
    State(inner): State<Arc<Inner>>,
    Extension(caller): Extension<Caller>,
    Path((owner, name, reference)): Path<(String, String, String)>,
) -> ApiResult {
    let world = inner.world();
    let id = repo_access(&world, &caller, &owner, &name, CHECKS_READ, DOC_CHECK_RUNS)?;
    let repo = &world.repos[&id];
    let sha = repo
        .resolve_commit(&reference)
        .ok_or_else(|| ApiError::not_found(DOC_CHECK_RUNS))?;
    let url = format!(
        "{}/repos/{}",
        inner.base,
        render::repo_full_name(&world, repo)
    );
    let runs: Vec<Value> = repo
        .check_runs
        .iter()
        .filter(|r| r.head_sha == sha)
        .map(|r| check_run(&url, r))
        .collect();
    Ok(json(
        StatusCode::OK,
        json!({"total_count": runs.len(), "check_runs": runs}),
    ))
}

/// A `check-run` object.
pub fn check_run(repo_url: &str, run: &super::super::state::CheckRun) -> Value {
    let html = repo_url.replace("/repos/", "/");
    json!({
        "id": run.id,
        "node_id": render::node_id("CheckRun", run.id),
        "head_sha": run.head_sha,
        "external_id": "",
        "url": format!("{repo_url}/check-runs/{}", run.id),
        "html_url": format!("{html}/runs/{}", run.id),
        "details_url": format!("{html}/runs/{}", run.id),
        "status": "completed",
        "conclusion": run.conclusion,
        "started_at": render::time(run.completed_at),
        "completed_at": render::time(run.completed_at),
        "output": {
            "title": null,
            "summary": null,
            "text": null,
            "annotations_count": 0,
            "annotations_url": format!("{repo_url}/check-runs/{}/annotations", run.id),
        },
        "name": run.name,
        "check_suite": {"id": run.suite_id},
        "app": null,
        "pull_requests": [],
    })
}
