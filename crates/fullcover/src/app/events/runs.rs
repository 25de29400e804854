//! Runs of the default branch as evidence that a scanner runs: completed check runs on
//! its newest commit, and completed workflow runs of the workflows that run a scanner.

use fullcover_core::metrics::RunSource;
use fullcover_core::rules::RuleSet;

use super::decide::{Action, Current, Decision};
use super::model::{CheckRun, RepositoryRef, WorkflowRun};

fn timestamp(at: Option<&str>) -> Option<i64> {
    at.and_then(|at| chrono::DateTime::parse_from_rfc3339(at).ok())
        .map(|at| at.timestamp())
}

/// A completed check run on the default branch's newest commit whose name a scanner
/// reports.
pub(super) fn check_run_completed(
    repository: &RepositoryRef,
    check_run: &CheckRun,
    current: &Current,
    rules: &RuleSet,
) -> Decision {
    let name = &check_run.name;
    let Some(conclusion) = &check_run.conclusion else {
        return Decision::nothing(format!("check run {name} without conclusion: ignored"));
    };
    let branch = check_run.check_suite.head_branch.as_deref();
    let Some(branch) =
        branch.filter(|branch| Some(*branch) == repository.default_branch.as_deref())
    else {
        return Decision::nothing(format!(
            "check run {name} not on the default branch: not used"
        ));
    };
    // The head branch of a fork's pull request can bear the default branch's name; only
    // the default branch's own newest commit counts.
    if current.default_head.as_deref() != Some(check_run.head_sha.as_str()) {
        return Decision::nothing(format!(
            "check run {name} not on the default branch's head: not used"
        ));
    }
    if rules.scanners.reporting(name).is_empty() {
        return Decision::nothing(format!("check run {name}: no scanner's check"));
    }
    Decision::act(
        format!("check run {name}: {conclusion}"),
        vec![Action::RecordRun {
            repository: repository.id,
            source: RunSource::Check(name.clone()),
            branch: branch.to_owned(),
            event: None,
            conclusion: conclusion.clone(),
            completed_at: timestamp(check_run.completed_at.as_deref()),
        }],
    )
}

/// A completed workflow run of the default branch, in the repository itself (not a
/// fork's branch of the same name, not a pull request), of a workflow that runs one of
/// the scanners the latest scan relies on.
pub(super) fn workflow_run_completed(
    repository: &RepositoryRef,
    run: &WorkflowRun,
    current: &Current,
) -> Decision {
    let path = &run.path;
    let Some(conclusion) = &run.conclusion else {
        return Decision::nothing(format!("workflow run {path} without conclusion: ignored"));
    };
    if current.repository.is_none() {
        return Decision::nothing(format!(
            "workflow run of {}: repository not on record",
            repository.full_name
        ));
    }
    let Some(branch) = run
        .head_branch
        .as_deref()
        .filter(|branch| Some(*branch) == repository.default_branch.as_deref())
    else {
        return Decision::nothing(format!(
            "workflow run {path} not on the default branch: not used"
        ));
    };
    let from_fork = run
        .head_repository
        .is_some_and(|head| head.id != repository.id);
    if from_fork || run.event.starts_with("pull_request") {
        return Decision::nothing(format!(
            "workflow run {path} for a pull request ({}): not used",
            run.event
        ));
    }
    if !current.scanner_workflows.iter().any(|known| known == path) {
        return Decision::nothing(format!("workflow run {path}: runs no scanner relied on"));
    }
    Decision::act(
        format!("workflow run {path}: {conclusion}"),
        vec![Action::RecordRun {
            repository: repository.id,
            source: RunSource::Workflow {
                path: path.clone(),
                name: run.name.clone(),
            },
            branch: branch.to_owned(),
            event: Some(run.event.clone()),
            conclusion: conclusion.clone(),
            completed_at: timestamp(Some(&run.updated_at)),
        }],
    )
}
