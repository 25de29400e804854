//! What each event means for the record and the queue, decided without I/O: from the
//! event and what the record holds now, a list of [`Action`]s and a line saying why.
//! Deciding twice on the same state gives the same actions, and every action is an
//! upsert or a queue entry that collapses with its twin, so a delivery handled again
//! after a crash changes nothing.

use std::collections::BTreeMap;

use fullcover_core::detect::{self, Depth};
use fullcover_core::metrics::RunSource;
use fullcover_core::metrics::security::{Family, LifecycleKind, MergedPullRequest};
use fullcover_core::platform::Control;
use fullcover_core::rules::RuleSet;
use fullcover_core::snapshot::Snapshot;

use super::model::{
    Account, Event, InstallationChange, PullRequest, PullRequestChange, Push, RepositoryChange,
    RepositoryRef,
};
use super::{runs, security};
use crate::app::deliver::BRANCH;
use crate::store::{
    FindingRecord, InstallationState, PullRequestEvent, PullRequestRecord, PullRequestState,
    RepoState, RepositoryRecord,
};

/// A change to the record or the queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    UpsertInstallation {
        installation: i64,
        account: Account,
        state: InstallationState,
    },
    /// Drop the cached installation token: GitHub revoked it.
    ForgetInstallationClient {
        installation: i64,
    },
    QueueSync {
        installation: i64,
    },
    UpsertRepository {
        installation: i64,
        repository: i64,
        full_name: String,
        private: bool,
    },
    SetRepositoryState {
        repository: i64,
        state: RepoState,
        reason: Option<String>,
    },
    QueueScan {
        installation: i64,
        repository: i64,
    },
    /// Read GitHub's own controls again at the repository's next scan.
    RefreshPlatform {
        repository: i64,
    },
    SetDefaultHead {
        repository: i64,
        sha: String,
    },
    RecordPullRequest {
        record: PullRequestRecord,
        event: PullRequestEvent,
        /// GitHub's `updated_at` of the event, kept to refuse older ones.
        event_at: Option<i64>,
    },
    RenameAccountRepositories {
        installation: i64,
        login: String,
    },
    RenameRepository {
        repository: i64,
        full_name: String,
    },
    SetRepositoryPrivate {
        repository: i64,
        private: bool,
    },
    /// The installation went away: the account's public status page and badges too.
    WithdrawPublicViews {
        account: String,
    },
    /// A completed run of the default branch: evidence of whether a scanner runs.
    RecordRun {
        repository: i64,
        source: RunSource,
        branch: String,
        event: Option<String>,
        conclusion: String,
        /// When GitHub says it completed; the time of handling otherwise.
        completed_at: Option<i64>,
    },
    SetInstallationPermissions {
        installation: i64,
        permissions: BTreeMap<String, String>,
    },
    /// The finding as its alert stands; `reached_default_now` dates its arrival on the
    /// default branch at handling when the alert does not.
    UpsertFinding {
        record: FindingRecord,
        reached_default_now: bool,
    },
    RecordFindingStep {
        repository: i64,
        family: Family,
        number: i64,
        kind: LifecycleKind,
        /// When the alert dates it; the time of handling otherwise.
        at: Option<i64>,
    },
    RecordMergedPullRequest(MergedPullRequest),
    /// A completed check run on any commit (escape rate reads the head commit's).
    RecordCommitCheck {
        repository: i64,
        sha: String,
        name: String,
        conclusion: String,
        completed_at: Option<i64>,
    },
}

/// What the record holds that a decision needs; [`super::apply::load`] reads only the
/// parts an event asks for.
#[derive(Debug, Clone, Default)]
pub struct Current {
    pub installation_state: Option<InstallationState>,
    /// The installation's repositories on record (for suspensions and deletions).
    pub installation_repositories: Vec<i64>,
    pub repository: Option<RepositoryRecord>,
    /// The repository's onboarding pull request on record.
    pub pull_request: Option<PullRequestRecord>,
    /// GitHub's `updated_at` of the newest event applied to that pull request.
    pub pull_request_event_at: Option<i64>,
    /// The newest commit of the repository's default branch on record.
    pub default_head: Option<String>,
    /// The check runs completed on a merged pull request's head commit by its merge:
    /// (name, conclusion).
    pub head_checks: Vec<(String, String)>,
    /// The workflow files that run the scanners the latest scan relies on.
    pub scanner_workflows: Vec<String>,
    /// GitHub's own controls of the repository as last read, if ever.
    pub platform: Option<fullcover_core::platform::PlatformControls>,
}

/// The actions an event calls for, and a line for the delivery's record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub outcome: String,
    pub actions: Vec<Action>,
}

impl Decision {
    pub(crate) fn nothing(outcome: impl Into<String>) -> Self {
        Decision {
            outcome: outcome.into(),
            actions: Vec::new(),
        }
    }

    pub(crate) fn act(outcome: impl Into<String>, actions: Vec<Action>) -> Self {
        Decision {
            outcome: outcome.into(),
            actions,
        }
    }
}

/// Decides what `event` means, given what the record holds.
pub fn decide(event: &Event, current: &Current, rules: &RuleSet) -> Decision {
    match event {
        Event::Ping => Decision::nothing("pong"),
        Event::Installation {
            installation,
            account,
            change,
            permissions,
        } => installation_changed(*installation, account, *change, permissions, current),
        Event::InstallationRepositories {
            installation,
            added,
            removed,
        } => {
            let mut actions = Vec::new();
            for repository in added {
                actions.extend([
                    Action::UpsertRepository {
                        installation: *installation,
                        repository: repository.id,
                        full_name: repository.full_name.clone(),
                        private: repository.private,
                    },
                    pending(repository.id),
                    Action::QueueScan {
                        installation: *installation,
                        repository: repository.id,
                    },
                ]);
            }
            for &repository in removed {
                actions.push(exclude(repository, "removed from the installation"));
            }
            Decision::act(
                format!("{} added, {} removed", added.len(), removed.len()),
                actions,
            )
        }
        Event::AccountRenamed {
            installation,
            account,
        } => match current.installation_state {
            None => Decision::nothing("installation not on record: ignored"),
            Some(state) => Decision::act(
                format!("account renamed to {}", account.login),
                vec![
                    Action::UpsertInstallation {
                        installation: *installation,
                        account: account.clone(),
                        state,
                    },
                    Action::RenameAccountRepositories {
                        installation: *installation,
                        login: account.login.clone(),
                    },
                ],
            ),
        },
        Event::Push { installation, push } => pushed(*installation, push, current, rules),
        Event::PullRequest {
            installation,
            repository,
            change,
            pull_request,
        } => {
            let mut decision =
                pull_request_changed(*installation, repository.id, *change, pull_request, current);
            if let Some(merge) = security::merged(repository, *change, pull_request, current, rules)
            {
                decision.actions.insert(0, merge);
                decision.outcome = format!("merge recorded; {}", decision.outcome);
            }
            decision
        }
        Event::Alert {
            installation,
            repository,
            change,
        } => {
            let mut decision = security::alert_changed(repository, change, current);
            // An alert from a feature the last reading found off (or could not tell)
            // means it is on now: read again. A repository never read is read at its scan.
            let control = match change.family {
                Family::CodeScanning => Control::CodeqlDefaultSetup,
                Family::Dependabot => Control::DependabotAlerts,
                Family::SecretScanning => Control::SecretScanning,
            };
            if current.repository.is_some()
                && current
                    .platform
                    .as_ref()
                    .is_some_and(|platform| !platform.enabled(control))
            {
                decision
                    .actions
                    .extend(refresh_platform(*installation, repository.id));
            }
            decision
        }
        Event::Repository {
            installation,
            repository,
            change,
        } => repository_changed(*installation, repository, *change, current),
        Event::CheckRunCompleted {
            repository,
            check_run,
        } => {
            let mut decision = runs::check_run_completed(repository, check_run, current, rules);
            if let Some(record) = security::commit_check(repository, check_run, current) {
                decision.actions.insert(0, record);
            }
            decision
        }
        Event::WorkflowRunCompleted {
            repository,
            workflow_run,
        } => runs::workflow_run_completed(repository, workflow_run, current),
        Event::Ignored { event, action } => match action {
            Some(action) => Decision::nothing(format!("{event} {action}: not used")),
            None => Decision::nothing(format!("{event}: not used")),
        },
    }
}

fn pending(repository: i64) -> Action {
    Action::SetRepositoryState {
        repository,
        state: RepoState::Pending,
        reason: None,
    }
}

fn exclude(repository: i64, reason: &str) -> Action {
    Action::SetRepositoryState {
        repository,
        state: RepoState::Excluded,
        reason: Some(reason.to_owned()),
    }
}

fn installation_changed(
    installation: i64,
    account: &Account,
    change: InstallationChange,
    permissions: &BTreeMap<String, String>,
    current: &Current,
) -> Decision {
    let upsert = |state| Action::UpsertInstallation {
        installation,
        account: account.clone(),
        state,
    };
    let state = match change {
        InstallationChange::Activated => {
            return Decision::act(
                format!("installation {installation} active: syncing"),
                vec![
                    upsert(InstallationState::Active),
                    Action::SetInstallationPermissions {
                        installation,
                        permissions: permissions.clone(),
                    },
                    Action::QueueSync { installation },
                ],
            );
        }
        InstallationChange::Suspended => InstallationState::Suspended,
        InstallationChange::Deleted => InstallationState::Deleted,
    };
    let reason = format!("installation {state}");
    let mut actions = vec![upsert(state)];
    actions.extend(
        current
            .installation_repositories
            .iter()
            .map(|&repository| exclude(repository, &reason)),
    );
    actions.push(Action::ForgetInstallationClient { installation });
    actions.push(Action::WithdrawPublicViews {
        account: account.login.clone(),
    });
    Decision::act(reason, actions)
}

fn pushed(installation: i64, push: &Push, current: &Current, rules: &RuleSet) -> Decision {
    let default_branch = push.repository.default_branch.as_deref().unwrap_or("");
    if push.git_ref != format!("refs/heads/{default_branch}") {
        return Decision::nothing(format!("push to {}: not the default branch", push.git_ref));
    }
    let Some(record) = &current.repository else {
        return Decision::nothing("push to an unknown repository: ignored");
    };
    let repository = push.repository.id;
    let mut actions: Vec<Action> = push
        .after
        .iter()
        .map(|sha| Action::SetDefaultHead {
            repository,
            sha: sha.clone(),
        })
        .collect();
    let scan = Action::QueueScan {
        installation,
        repository,
    };
    if record.state == RepoState::Excluded {
        if record.reason.as_deref() == Some("empty repository") {
            // Its first commits: it may need onboarding now.
            actions.extend([pending(repository), scan]);
            return Decision::act("first push to an empty repository: scan queued", actions);
        }
        return Decision::act(
            format!(
                "push to an excluded repository ({}): ignored",
                record.reason.as_deref().unwrap_or_default()
            ),
            actions,
        );
    }
    if !push_can_change_result(push, rules) {
        return Decision::act("push changes nothing detection reads: no rescan", actions);
    }
    actions.push(scan);
    Decision::act("rescan queued", actions)
}

/// Whether a push may change the scan: files added or removed always may (a new stack,
/// a new language); a modified file only when detection reads its content. A payload
/// that may be incomplete (GitHub caps commits and file lists) always rescans.
pub fn push_can_change_result(push: &Push, rules: &RuleSet) -> bool {
    if push.forced || push.commits.is_empty() || push.commits.len() >= 2048 {
        return true;
    }
    let mut modified = Vec::new();
    for commit in &push.commits {
        if !commit.added.is_empty() || !commit.removed.is_empty() || commit.modified.len() >= 3000 {
            return true;
        }
        modified.extend(commit.modified.iter().cloned());
    }
    if modified
        .iter()
        .any(|path| path == fullcover_core::config::PATH)
    {
        return true;
    }
    // Sizes are unknown here; any non-zero size asks the same question (empty files
    // need no read).
    let listing =
        Snapshot::from_memory("push", modified.into_iter().map(|path| (path, vec![b' '])));
    !detect::content_needs(&listing, rules, Depth::Deciding).is_empty()
}

fn pull_request_changed(
    installation: i64,
    repository: i64,
    change: PullRequestChange,
    pull: &PullRequest,
    current: &Current,
) -> Decision {
    let number = pull.number;
    if pull.head.branch != BRANCH {
        return Decision::nothing(format!("pull request from {}: not ours", pull.head.branch));
    }
    let Some(known) = &current.pull_request else {
        return Decision::nothing(format!("pull request #{number} not on record: ignored"));
    };
    // A fork can name a branch `fullcover/onboarding` too: only the pull request the App
    // opened, from the repository itself, speaks for the repository.
    let head_repository = pull.head.repo.map(|repo| repo.id);
    if known.number != number || head_repository != Some(repository) {
        return Decision::nothing(format!(
            "pull request #{number} is not the onboarding pull request on record: ignored"
        ));
    }
    let event_at = pull
        .updated_at
        .as_deref()
        .and_then(|at| chrono::DateTime::parse_from_rfc3339(at).ok())
        .map(|at| at.timestamp());
    if let (Some(at), Some(newest)) = (event_at, current.pull_request_event_at)
        && at < newest
    {
        return Decision::nothing(format!(
            "pull request #{number} event older than the one on record: ignored"
        ));
    }
    let event = match change {
        PullRequestChange::Closed if pull.merged == Some(true) => PullRequestEvent::Merged,
        PullRequestChange::Closed => PullRequestEvent::Closed,
        PullRequestChange::Reopened => PullRequestEvent::Reopened,
    };
    let record = Action::RecordPullRequest {
        record: PullRequestRecord {
            repository_id: repository,
            number,
            state: event.state_after(),
            plan_hash: known.plan_hash.clone(),
            url: pull.html_url.clone(),
        },
        event,
        event_at,
    };
    match event.state_after() {
        PullRequestState::Merged => Decision::act(
            format!("pull request #{number} merged: rescan queued"),
            vec![
                record,
                pending(repository),
                Action::QueueScan {
                    installation,
                    repository,
                },
            ],
        ),
        PullRequestState::Closed => {
            let reason = format!("onboarding pull request #{number} closed without merging");
            Decision::act(
                reason.clone(),
                vec![
                    record,
                    Action::SetRepositoryState {
                        repository,
                        state: RepoState::OptedOut,
                        reason: Some(reason),
                    },
                ],
            )
        }
        PullRequestState::Open => Decision::act(
            format!("pull request #{number} reopened"),
            vec![
                record,
                Action::SetRepositoryState {
                    repository,
                    state: RepoState::Onboarding,
                    reason: None,
                },
            ],
        ),
    }
}

/// A new reading of GitHub's own controls and the scan that counts it (queued once however
/// many events ask).
fn refresh_platform(installation: i64, repository: i64) -> [Action; 2] {
    [
        Action::RefreshPlatform { repository },
        Action::QueueScan {
            installation,
            repository,
        },
    ]
}

fn repository_changed(
    installation: i64,
    repository: &RepositoryRef,
    change: RepositoryChange,
    current: &Current,
) -> Decision {
    let id = repository.id;
    if current.repository.is_none() {
        return Decision::nothing(format!("repository {change:?}: not on record"));
    }
    let rescan = |outcome: &str| {
        Decision::act(
            outcome,
            vec![
                pending(id),
                Action::QueueScan {
                    installation,
                    repository: id,
                },
            ],
        )
    };
    match change {
        RepositoryChange::Archived => Decision::act(
            "repository archived: excluded",
            vec![exclude(id, "archived")],
        ),
        RepositoryChange::Deleted => {
            Decision::act("repository deleted: excluded", vec![exclude(id, "deleted")])
        }
        RepositoryChange::Unarchived => rescan("repository unarchived: rescan queued"),
        RepositoryChange::DefaultBranchChanged => rescan("default branch changed: rescan queued"),
        RepositoryChange::SecurityAndAnalysis | RepositoryChange::Edited => Decision::act(
            "repository settings changed: GitHub's own controls read again",
            refresh_platform(installation, id).to_vec(),
        ),
        RepositoryChange::Visibility(private) => Decision::act(
            if private {
                "repository made private: out of public views"
            } else {
                "repository made public"
            },
            vec![Action::SetRepositoryPrivate {
                repository: id,
                private,
            }],
        ),
        RepositoryChange::Renamed | RepositoryChange::Transferred => Decision::act(
            format!("repository {}", repository.full_name),
            vec![Action::RenameRepository {
                repository: id,
                full_name: repository.full_name.clone(),
            }],
        ),
    }
}
