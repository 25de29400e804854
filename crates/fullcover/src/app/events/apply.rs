//! The I/O around a decision: [`load`] reads what [`super::decide`] needs from the
//! record, [`apply`] writes its actions to the record and the queue.

use fullcover_core::metrics::RecordedRun;
use fullcover_core::metrics::security::{Family, LifecycleEvent};

use super::decide::{Action, Current};
use super::model::Event;
use crate::app::App;
use crate::app::jobs::{queue_commit_facts, queue_scan, queue_sync};
use crate::store::{Result, StoredDelivery, now};

/// Reads the parts of the record `event` is decided on.
pub async fn load(app: &App, event: &Event) -> Result<Current> {
    let store = app.store();
    let mut current = Current::default();
    match event {
        Event::Installation { installation, .. } => {
            current.installation_repositories = store
                .repositories(*installation)
                .await?
                .iter()
                .map(|repository| repository.id)
                .collect();
        }
        Event::AccountRenamed { installation, .. } => {
            current.installation_state = store.installation_state(*installation).await?;
        }
        Event::Push { push, .. } => {
            current.repository = store.repository(push.repository.id).await?;
        }
        Event::PullRequest {
            repository,
            pull_request,
            ..
        } => {
            current.repository = store.repository(repository.id).await?;
            current.pull_request = store.pull_request(repository.id).await?;
            if let Some(known) = &current.pull_request {
                current.pull_request_event_at = store
                    .pull_request_event_time(repository.id, known.number)
                    .await?;
            }
            let merged_at = pull_request
                .merged_at
                .as_deref()
                .and_then(|at| chrono::DateTime::parse_from_rfc3339(at).ok())
                .map(|at| at.timestamp());
            if let (Some(sha), Some(merged_at)) = (&pull_request.head.sha, merged_at) {
                current.head_checks = store.commit_checks(repository.id, sha, merged_at).await?;
            }
        }
        Event::Alert { repository, .. } => {
            current.repository = store.repository(repository.id).await?;
            current.platform = store
                .platform_controls(repository.id)
                .await?
                .map(|record| record.controls);
        }
        Event::Repository { repository, .. } => {
            current.repository = store.repository(repository.id).await?;
        }
        Event::CheckRunCompleted { repository, .. } => {
            current.repository = store.repository(repository.id).await?;
            current.default_head = store.default_head(repository.id).await?;
        }
        Event::WorkflowRunCompleted { repository, .. } => {
            current.repository = store.repository(repository.id).await?;
            current.scanner_workflows = store.scanner_workflows(repository.id).await?;
        }
        Event::Ping | Event::InstallationRepositories { .. } | Event::Ignored { .. } => {}
    }
    Ok(current)
}

/// Where actions come from: a delivery (its GUID, its arrival dating undated steps) or
/// the App's own reading of GitHub (backfill, reconciliation).
#[derive(Debug, Clone)]
pub struct Provenance {
    pub guid: Option<String>,
    pub at: i64,
}

impl Provenance {
    pub fn delivery(delivery: &StoredDelivery) -> Self {
        Provenance {
            guid: Some(delivery.guid.clone()),
            at: delivery.received_at,
        }
    }
}

/// Carries out `actions` in order.
pub async fn apply(app: &App, actions: &[Action], source: &Provenance) -> Result<()> {
    let store = app.store();
    for action in actions {
        match action {
            Action::UpsertInstallation {
                installation,
                account,
                state,
            } => {
                store
                    .upsert_installation(*installation, &account.login, &account.kind, *state)
                    .await?;
            }
            Action::ForgetInstallationClient { installation } => {
                app.github().forget(*installation);
            }
            Action::QueueSync { installation } => {
                queue_sync(app, *installation).await?;
            }
            Action::UpsertRepository {
                installation,
                repository,
                full_name,
                private,
            } => {
                store
                    .upsert_repository(*repository, *installation, full_name, None, *private)
                    .await?;
            }
            Action::SetRepositoryState {
                repository,
                state,
                reason,
            } => {
                store
                    .set_repository_state(*repository, *state, reason.as_deref())
                    .await?;
            }
            Action::QueueScan {
                installation,
                repository,
            } => {
                queue_scan(app, *installation, *repository).await?;
            }
            Action::RefreshPlatform { repository } => {
                store.mark_platform_stale(*repository).await?;
            }
            Action::SetDefaultHead { repository, sha } => {
                store.set_default_head(*repository, sha).await?;
            }
            Action::RecordPullRequest {
                record,
                event,
                event_at,
            } => {
                store.upsert_pull_request(record, *event).await?;
                if let Some(at) = event_at {
                    store
                        .note_pull_request_event_time(record.repository_id, record.number, *at)
                        .await?;
                }
            }
            Action::RenameAccountRepositories {
                installation,
                login,
            } => {
                store
                    .rename_account_repositories(*installation, login)
                    .await?;
            }
            Action::SetRepositoryPrivate {
                repository,
                private,
            } => {
                store.set_repository_private(*repository, *private).await?;
            }
            Action::WithdrawPublicViews { account } => {
                store.set_org_public(account, false).await?;
            }
            Action::RenameRepository {
                repository,
                full_name,
            } => {
                store.rename_repository(*repository, full_name).await?;
            }
            Action::RecordRun {
                repository,
                source,
                branch,
                event,
                conclusion,
                completed_at,
            } => {
                let run = RecordedRun {
                    source: source.clone(),
                    conclusion: conclusion.clone(),
                    completed_at: completed_at.unwrap_or_else(now),
                    event: event.clone(),
                    branch: branch.clone(),
                };
                store.record_run(*repository, &run).await?;
            }
            Action::SetInstallationPermissions { .. }
            | Action::UpsertFinding { .. }
            | Action::RecordFindingStep { .. }
            | Action::RecordMergedPullRequest(_)
            | Action::RecordCommitCheck { .. } => apply_security(app, action, source).await?,
        }
    }
    Ok(())
}

/// The security record's share of [`apply`].
async fn apply_security(app: &App, action: &Action, source: &Provenance) -> Result<()> {
    let store = app.store();
    match action {
        Action::SetInstallationPermissions {
            installation,
            permissions,
        } => {
            store
                .set_installation_permissions(*installation, permissions)
                .await?;
        }
        Action::UpsertFinding {
            record,
            reached_default_now,
        } => {
            let mut record = record.clone();
            if *reached_default_now && record.default_branch_at.is_none() {
                record.default_branch_at = Some(source.at);
            }
            store.upsert_finding(&record).await?;
            // A secret's commit is known: its time is read by a job.
            if record.family == Family::SecretScanning
                && record.introduced_commit.is_some()
                && record.introduced_at.is_none()
                && let Some(repository) = store.repository(record.repository_id).await?
            {
                queue_commit_facts(app, repository.installation_id, repository.id).await?;
            }
        }
        Action::RecordFindingStep {
            repository,
            family,
            number,
            kind,
            at,
        } => {
            let event = LifecycleEvent {
                at: at.unwrap_or(source.at),
                kind: *kind,
            };
            store
                .record_finding_event(*repository, *family, *number, event, source.guid.as_deref())
                .await?;
        }
        Action::RecordMergedPullRequest(pull) => {
            if store.record_merged_pull_request(pull).await?
                && let Some(repository) = store.repository(pull.repository).await?
            {
                queue_commit_facts(app, repository.installation_id, repository.id).await?;
            }
        }
        Action::RecordCommitCheck {
            repository,
            sha,
            name,
            conclusion,
            completed_at,
        } => {
            store
                .record_commit_check(
                    *repository,
                    sha,
                    name,
                    conclusion,
                    completed_at.unwrap_or_else(now),
                )
                .await?;
        }
        _ => {}
    }
    Ok(())
}
