//! GitHub Actions: a workflow's runs (`GET /repos/{owner}/{repo}/actions/workflows/
//! {workflow_id}/runs`, the id or the file's name), as GitHub renders a `workflow-run`.

use std::sync::Arc;

use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use super::super::http::{ApiError, ApiResult, json};
use super::super::server::Caller;
use super::super::state::{Repo, WorkflowRun, World};
use super::super::{Inner, render};
use super::{ACTIONS_READ, repo_access};

const DOC_WORKFLOW_RUNS: &str =
    "https://docs.github.com/rest/actions/workflow-runs#list-workflow-runs-for-a-workflow";

/// A workflow's id: stable per repository and path, as GitHub's are per workflow.
pub fn workflow_id(repo_id: u64, path: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325 ^ repo_id;
    for byte in path.bytes() {
        hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
    }
    // Positive and within JavaScript's safe integers.
    1 + hash % 9_000_000_000_000
}

#[derive(Debug, Deserialize)]
pub struct RunsQuery {
    branch: Option<String>,
    status: Option<String>,
    event: Option<String>,
    per_page: Option<usize>,
}

pub async fn workflow_runs(
    State(inner): State<Arc<Inner>>,
    Extension(caller): Extension<Caller>,
    Path((owner, name, workflow)): Path<(String, String, String)>,
    Query(query): Query<RunsQuery>,
) -> ApiResult {
    let world = inner.world();
    let id = repo_access(
        &world,
        &caller,
        &owner,
        &name,
        ACTIONS_READ,
        DOC_WORKFLOW_RUNS,
    )?;
    let repo = &world.repos[&id];
    let matches_workflow = |run: &WorkflowRun| {
        run.workflow_id.to_string() == workflow
            || run.path.rsplit('/').next() == Some(workflow.as_str())
    };
    if !repo.workflow_runs.iter().any(&matches_workflow)
        && !repo
            .resolve_commit(&repo.default_branch)
            .map(|head| repo.store.files(&head))
            .unwrap_or_default()
            .keys()
            .any(|path| {
                path.starts_with(".github/workflows/")
                    && (path.rsplit('/').next() == Some(workflow.as_str())
                        || workflow_id(id, path).to_string() == workflow)
            })
    {
        return Err(ApiError::not_found(DOC_WORKFLOW_RUNS));
    }
    let per_page = query.per_page.unwrap_or(30).clamp(1, 100);
    let mut runs: Vec<&WorkflowRun> = repo
        .workflow_runs
        .iter()
        .filter(|run| matches_workflow(run))
        .filter(|run| query.branch.as_ref().is_none_or(|b| *b == run.head_branch))
        .filter(|run| query.event.as_ref().is_none_or(|e| *e == run.event))
        .filter(|run| {
            query
                .status
                .as_deref()
                .is_none_or(|s| s == "completed" || s == run.conclusion)
        })
        .collect();
    // Newest first, as GitHub lists them.
    runs.sort_by(|a, b| b.completed_at.cmp(&a.completed_at).then(b.id.cmp(&a.id)));
    let total = runs.len();
    let page: Vec<Value> = runs
        .into_iter()
        .take(per_page)
        .map(|run| workflow_run(&world, &inner.base, repo, run))
        .collect();
    Ok(json(
        StatusCode::OK,
        json!({"total_count": total, "workflow_runs": page}),
    ))
}

/// A `workflow-run` object.
pub fn workflow_run(world: &World, base: &str, repo: &Repo, run: &WorkflowRun) -> Value {
    let full = render::repo_full_name(world, repo);
    let api = format!("{base}/repos/{full}");
    let html = format!("{base}/{full}");
    let run_url = format!("{api}/actions/runs/{}", run.id);
    let at = render::time(run.completed_at);
    let head_commit = repo.store.commit(&run.head_sha).map(|commit| {
        json!({
            "id": run.head_sha,
            "tree_id": commit.tree,
            "message": commit.message,
            "timestamp": render::time(commit.committer.date),
            "author": {"name": commit.author.name, "email": commit.author.email},
            "committer": {"name": commit.committer.name, "email": commit.committer.email},
        })
    });
    let repository = render::repository(world, base, repo);
    json!({
        "id": run.id,
        "name": run.name,
        "node_id": render::node_id("WorkflowRun", run.id),
        "check_suite_id": run.check_suite_id,
        "check_suite_node_id": render::node_id("CheckSuite", run.check_suite_id),
        "head_branch": run.head_branch,
        "head_sha": run.head_sha,
        "path": run.path,
        "display_title": run.name,
        "run_number": run.run_number,
        "run_attempt": 1,
        "event": run.event,
        "status": "completed",
        "conclusion": run.conclusion,
        "workflow_id": run.workflow_id,
        "url": run_url,
        "html_url": format!("{html}/actions/runs/{}", run.id),
        "pull_requests": [],
        "created_at": at,
        "updated_at": at,
        "run_started_at": at,
        "jobs_url": format!("{run_url}/jobs"),
        "logs_url": format!("{run_url}/logs"),
        "check_suite_url": format!("{api}/check-suites/{}", run.check_suite_id),
        "artifacts_url": format!("{run_url}/artifacts"),
        "cancel_url": format!("{run_url}/cancel"),
        "rerun_url": format!("{run_url}/rerun"),
        "previous_attempt_url": null,
        "workflow_url": format!("{api}/actions/workflows/{}", run.workflow_id),
        "head_commit": head_commit,
        "repository": repository.clone(),
        "head_repository": repository,
    })
}

/// The `workflow` object of a `workflow_run` webhook.
pub fn workflow(world: &World, base: &str, repo: &Repo, run: &WorkflowRun) -> Value {
    let full = render::repo_full_name(world, repo);
    let at = render::time(run.completed_at);
    json!({
        "id": run.workflow_id,
        "node_id": render::node_id("Workflow", run.workflow_id),
        "name": run.name,
        "path": run.path,
        "state": "active",
        "created_at": at,
        "updated_at": at,
        "url": format!("{base}/repos/{full}/actions/workflows/{}", run.workflow_id),
        "html_url": format!("{base}/{full}/blob/{}/{}", repo.default_branch, run.path),
        "badge_url": format!("{base}/{full}/workflows/{}/badge.svg", run.name),
    })
}
