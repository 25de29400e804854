//! The App's jobs: queuing them (at most one waits per subject, the most recent first:
//! a scan ranks by its repository's last push, any other job by when it was queued) and
//! why one did not finish.

use super::App;
use crate::github::GitHubError;
use crate::store::{JobKind, NewJob, Result, StoreError, now};

/// Why a job did not finish.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// Trying again later may work (GitHub unavailable, a database hiccup).
    #[error("{0}")]
    Transient(String),
    /// Trying again cannot work (a refusal, a bug in the input): recorded and given up.
    #[error("{0}")]
    Permanent(String),
    /// Not now: the installation's rate budget is low. Retried after the wait (not the
    /// backoff), within the same number of attempts as any job.
    #[error("{reason}")]
    Deferred {
        reason: String,
        wait: std::time::Duration,
    },
}

impl From<StoreError> for JobError {
    fn from(err: StoreError) -> Self {
        JobError::Transient(err.to_string())
    }
}

impl From<GitHubError> for JobError {
    fn from(err: GitHubError) -> Self {
        let passing = match err.status() {
            None => true,
            // 401 also answers a token GitHub has not replicated yet.
            Some(status) => {
                status.is_server_error()
                    || status.as_u16() == 401
                    || status.as_u16() == 429
                    || (status.as_u16() == 403 && err.message().contains("rate limit"))
            }
        };
        if passing {
            JobError::Transient(err.to_string())
        } else {
            JobError::Permanent(err.to_string())
        }
    }
}

/// Queues a listing of an installation's repositories.
pub async fn queue_sync(app: &App, installation: i64) -> Result<bool> {
    app.store()
        .enqueue(&NewJob {
            kind: JobKind::SyncInstallation,
            subject: installation.to_string(),
            installation_id: installation,
            priority: now(),
        })
        .await
}

/// Queues a reading of the installation's alerts (backfill, then daily reconciliation).
pub async fn queue_backfill(app: &App, installation: i64) -> Result<bool> {
    app.store()
        .enqueue(&NewJob {
            kind: JobKind::BackfillFindings,
            subject: installation.to_string(),
            installation_id: installation,
            priority: now(),
        })
        .await
}

/// Queues a reading of what a repository's commits say that events do not (merged pull
/// requests' commits, when a secret's commit was made).
pub async fn queue_commit_facts(app: &App, installation: i64, repository: i64) -> Result<bool> {
    app.store()
        .enqueue(&NewJob {
            kind: JobKind::CommitFacts,
            subject: repository.to_string(),
            installation_id: installation,
            priority: now(),
        })
        .await
}

/// Queues the daily check of the installation's quiet scanner workflows.
pub async fn queue_run_check(app: &App, installation: i64) -> Result<bool> {
    app.store()
        .enqueue(&NewJob {
            kind: JobKind::CheckRuns,
            subject: installation.to_string(),
            installation_id: installation,
            priority: now(),
        })
        .await
}

/// Queues a scan of a repository (at most one waits per repository), ranked by when the
/// repository was last pushed to: most recently active first.
pub async fn queue_scan(app: &App, installation: i64, repository: i64) -> Result<bool> {
    let priority = app.store().scan_priority(repository).await?;
    app.store()
        .enqueue(&NewJob {
            kind: JobKind::Scan,
            subject: repository.to_string(),
            installation_id: installation,
            priority,
        })
        .await
}
