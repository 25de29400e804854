//! The I/O around a decision: [`load`] reads what [`super::decide`] needs from the
//! record, [`apply`] writes its actions to the record and the queue.

use super::decide::{Action, Current};
use super::model::Event;
use crate::app::App;
use crate::app::jobs::{queue_scan, queue_sync};
use crate::store::{Result, now};

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
        Event::PullRequest { repository, .. } => {
            current.repository = store.repository(*repository).await?;
            current.pull_request = store.pull_request(*repository).await?;
        }
        Event::Repository { repository, .. } => {
            current.repository = store.repository(repository.id).await?;
        }
        Event::CheckRunCompleted { repository, .. } => {
            current.default_head = store.default_head(repository.id).await?;
        }
        Event::Ping | Event::InstallationRepositories { .. } | Event::Ignored { .. } => {}
    }
    Ok(current)
}

/// Carries out `actions` in order.
pub async fn apply(app: &App, actions: &[Action]) -> Result<()> {
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
            Action::SetDefaultHead { repository, sha } => {
                store.set_default_head(*repository, sha).await?;
            }
            Action::RecordPullRequest { record, event } => {
                store.upsert_pull_request(record, *event).await?;
            }
            Action::RenameAccountRepositories {
                installation,
                login,
            } => {
                store
                    .rename_account_repositories(*installation, login)
                    .await?;
            }
            Action::RenameRepository {
                repository,
                full_name,
            } => {
                store.rename_repository(*repository, full_name).await?;
            }
            Action::RecordCheckRun {
                repository,
                name,
                sha,
                conclusion,
                completed_at,
            } => {
                store
                    .record_check_run(
                        *repository,
                        name,
                        sha,
                        conclusion,
                        completed_at.unwrap_or_else(now),
                    )
                    .await?;
            }
        }
    }
    Ok(())
}
