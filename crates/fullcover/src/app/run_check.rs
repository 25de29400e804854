//! The daily check of scanner workflows' latest runs, for repositories whose scanners
//! sent nothing recently (no `workflow_run` or `check_run` reached the App: an
//! installation made before it asked for them, deliveries GitHub gave up on). Bounded:
//! at most [`MAX_WORKFLOWS`] requests per repository, [`RUNS_PER_WORKFLOW`] runs each.

use fullcover_core::metrics::{DAY, RecordedRun, RunSource};
use serde_json::Value;

use super::App;
use super::jobs::JobError;
use super::web::login::percent_encode;
use crate::store::{InstallationState, RepoState, RepositoryRecord, now};

/// A repository whose scanners reported a run within this long is left alone.
pub const QUIET: i64 = DAY;
/// The most workflows read per repository and run of the check.
pub const MAX_WORKFLOWS: usize = 10;
/// The latest runs read per workflow.
pub const RUNS_PER_WORKFLOW: usize = 5;

/// Reads the latest default-branch runs of the scanner workflows of every quiet
/// repository of the installation into the record.
pub async fn check_runs(app: &App, installation: i64) -> Result<String, JobError> {
    let store = app.store();
    if store.installation_state(installation).await? != Some(InstallationState::Active) {
        return Ok("installation not active: nothing to check".into());
    }
    let client = app.github().installation(installation)?;
    let mut checked = 0;
    let mut recorded = 0;
    for repository in store.repositories(installation).await? {
        if repository.state == RepoState::Excluded {
            continue;
        }
        if store
            .last_run_at(repository.id)
            .await?
            .is_some_and(|at| at >= now() - QUIET)
        {
            continue;
        }
        let Some(branch) = repository.default_branch.clone() else {
            continue;
        };
        let workflows = store.scanner_workflows(repository.id).await?;
        for path in workflows.iter().take(MAX_WORKFLOWS) {
            let Some(file) = path.rsplit('/').next().filter(|file| !file.is_empty()) else {
                continue;
            };
            let request = format!(
                "/repos/{}/actions/workflows/{}/runs?branch={}&status=completed&exclude_pull_requests=true&per_page={RUNS_PER_WORKFLOW}",
                repository.full_name,
                percent_encode(file),
                percent_encode(&branch),
            );
            checked += 1;
            let body = match client.get_json(&request).await {
                Ok((body, _)) => body,
                // The workflow is gone since the scan; the next scan will say so.
                Err(err) if err.status() == Some(http::StatusCode::NOT_FOUND) => continue,
                Err(err) if err.status() == Some(http::StatusCode::FORBIDDEN) => {
                    return Ok(format!(
                        "checked {checked} workflows, recorded {recorded} runs; stopped: {err} \
                         (the installation has not granted actions: read)"
                    ));
                }
                Err(err) => return Err(err.into()),
            };
            for run in runs_of(&body, &repository, path, &branch) {
                if store.record_run(repository.id, &run).await? {
                    recorded += 1;
                }
            }
        }
    }
    Ok(format!(
        "checked {checked} workflows, recorded {recorded} runs"
    ))
}

/// The completed default-branch runs of `path` in a workflow-runs answer, oldest first:
/// runs of pull requests and of forks' branches are left out.
fn runs_of(
    body: &Value,
    repository: &RepositoryRecord,
    path: &str,
    branch: &str,
) -> Vec<RecordedRun> {
    let mut runs: Vec<RecordedRun> = body
        .get("workflow_runs")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|run| run.get("status").and_then(Value::as_str) == Some("completed"))
        .filter(|run| run.get("head_branch").and_then(Value::as_str) == Some(branch))
        .filter(|run| {
            run.pointer("/head_repository/id").and_then(Value::as_i64) == Some(repository.id)
        })
        .filter_map(|run| {
            let event = run.get("event").and_then(Value::as_str)?;
            if event.starts_with("pull_request") {
                return None;
            }
            let completed_at = run
                .get("updated_at")
                .and_then(Value::as_str)
                .and_then(|at| chrono::DateTime::parse_from_rfc3339(at).ok())?
                .timestamp();
            Some(RecordedRun {
                source: RunSource::Workflow {
                    path: path.to_owned(),
                    name: run
                        .get("name")
                        .and_then(Value::as_str)
                        .unwrap_or(path)
                        .to_owned(),
                },
                conclusion: run.get("conclusion").and_then(Value::as_str)?.to_owned(),
                completed_at,
                event: Some(event.to_owned()),
                branch: branch.to_owned(),
            })
        })
        .collect();
    runs.sort_by_key(|run| run.completed_at);
    runs
}
