//! The security side of events, decided without I/O: an alert's change becomes a
//! finding and its lifecycle steps; a merge into the default branch becomes a merged
//! pull request with how its required security checks stood; every completed check run
//! is kept for that judgement.

use fullcover_core::metrics::security::{ChecksAtMerge, LifecycleKind, MergedPullRequest};
use fullcover_core::rules::RuleSet;

use super::decide::{Action, Current, Decision};
use super::findings::AlertChange;
use super::model::{CheckRun, PullRequest, PullRequestChange, RepositoryRef};
use crate::store::{FindingRecord, RepoState};

/// Conclusions that mean a check did not pass.
const FAILING: [&str; 5] = [
    "failure",
    "timed_out",
    "action_required",
    "cancelled",
    "stale",
];

/// An alert changed: the finding as it stands and the steps it reports.
pub(crate) fn alert_changed(
    repository: &RepositoryRef,
    change: &AlertChange,
    current: &Current,
) -> Decision {
    let label = format!("{} alert #{}", change.family.as_str(), change.number);
    if current.repository.is_none() {
        return Decision::nothing(format!("{label}: repository not on record"));
    }
    let Some(severity) = change.severity else {
        return Decision::nothing(format!("{label}: no severity, out of the metrics"));
    };
    let default_ref = repository
        .default_branch
        .as_deref()
        .map(|branch| format!("refs/heads/{branch}"));
    // Code scanning names the ref; Dependabot and secret scanning alerts concern the
    // repository's default branch.
    let on_default = match &change.git_ref {
        Some(git_ref) => Some(git_ref) == default_ref.as_ref(),
        None => true,
    };
    let pull_request = change
        .git_ref
        .as_deref()
        .and_then(|git_ref| git_ref.strip_prefix("refs/pull/"))
        .and_then(|rest| rest.split('/').next())
        .and_then(|number| number.parse().ok());
    let mut steps = change.steps.clone();
    if on_default && steps.first().map(|(kind, _)| *kind) == Some(LifecycleKind::Created) {
        steps.push((
            LifecycleKind::AppearedOnDefaultBranch,
            Some(change.created_at),
        ));
    }
    let arrival = steps
        .iter()
        .find(|(kind, _)| *kind == LifecycleKind::AppearedOnDefaultBranch);
    let record = FindingRecord {
        repository_id: repository.id,
        family: change.family,
        number: change.number,
        severity,
        state: change.state.clone(),
        created_at: change.created_at,
        default_branch_at: arrival.and_then(|(_, at)| *at),
        introduced_at: None,
        introduced_commit: if on_default {
            change.commit.clone()
        } else {
            None
        },
        advisory_published_at: change.advisory_published_at,
        pull_request,
        partial_history: false,
    };
    let reached_default_now = on_default && arrival.is_some_and(|(_, at)| at.is_none());
    let mut actions = vec![Action::UpsertFinding {
        record,
        reached_default_now,
    }];
    actions.extend(steps.iter().map(|(kind, at)| Action::RecordFindingStep {
        repository: repository.id,
        family: change.family,
        number: change.number,
        kind: *kind,
        at: *at,
    }));
    let what: Vec<String> = steps.iter().map(|(kind, _)| format!("{kind:?}")).collect();
    Decision::act(
        format!("{label} ({}): {}", severity.as_str(), what.join(", ")),
        actions,
    )
}

/// A pull request merged into the default branch of a repository in scope.
pub(super) fn merged(
    repository: &RepositoryRef,
    change: PullRequestChange,
    pull: &PullRequest,
    current: &Current,
    rules: &RuleSet,
) -> Option<Action> {
    let record = current.repository.as_ref()?;
    if change != PullRequestChange::Closed
        || pull.merged != Some(true)
        || record.state == RepoState::Excluded
    {
        return None;
    }
    let base = pull.base.as_ref().map(|base| base.branch.as_str());
    if base.is_none() || base != repository.default_branch.as_deref() {
        return None;
    }
    let merged_at = pull
        .merged_at
        .as_deref()
        .and_then(|at| chrono::DateTime::parse_from_rfc3339(at).ok())?
        .timestamp();
    let head_sha = pull.head.sha.clone()?;
    Some(Action::RecordMergedPullRequest(MergedPullRequest {
        repository: repository.id,
        number: pull.number,
        commits: vec![head_sha.clone()],
        head_sha,
        merge_commit_sha: pull.merge_commit_sha.clone(),
        merged_at,
        covered_at_merge: record.state == RepoState::Covered,
        checks_at_merge: checks_at_merge(&current.head_checks, rules),
    }))
}

/// How the security checks (check names a scanner of `rules/scanners.toml` reports)
/// stood on the head commit: any failing is a failure, none at all is missing.
pub(super) fn checks_at_merge(checks: &[(String, String)], rules: &RuleSet) -> ChecksAtMerge {
    let security: Vec<&(String, String)> = checks
        .iter()
        .filter(|(name, _)| !rules.scanners.reporting(name).is_empty())
        .collect();
    if security.is_empty() {
        ChecksAtMerge::Missing
    } else if security
        .iter()
        .any(|(_, conclusion)| FAILING.contains(&conclusion.as_str()))
    {
        ChecksAtMerge::Failed
    } else {
        ChecksAtMerge::Passed
    }
}

/// Every completed check run of a repository on record, on any commit.
pub(super) fn commit_check(
    repository: &RepositoryRef,
    check_run: &CheckRun,
    current: &Current,
) -> Option<Action> {
    current.repository.as_ref()?;
    let conclusion = check_run.conclusion.clone()?;
    Some(Action::RecordCommitCheck {
        repository: repository.id,
        sha: check_run.head_sha.clone(),
        name: check_run.name.clone(),
        conclusion,
        completed_at: check_run
            .completed_at
            .as_deref()
            .and_then(|at| chrono::DateTime::parse_from_rfc3339(at).ok())
            .map(|at| at.timestamp()),
    })
}
