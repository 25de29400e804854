//! The workers: one turns stored deliveries into state and jobs, the others run jobs.
//! A job that fails for a passing reason is retried with exponential backoff; one that
//! cannot succeed is given up with its reason recorded.

use std::time::Duration;

use tokio::task::JoinSet;

use super::App;
use super::events;
use super::jobs::JobError;
use super::scan;
use crate::store::{Job, JobKind};

/// Starts the delivery worker and the job workers; they run until the set is dropped.
pub fn spawn(app: &App) -> JoinSet<()> {
    let mut workers = JoinSet::new();
    workers.spawn(deliveries(app.clone()));
    workers.spawn(housekeeping(app.clone()));
    workers.spawn(reconciliation(app.clone()));
    workers.spawn(read_model(app.clone()));
    for _ in 0..app.behaviour().workers.max(1) {
        workers.spawn(jobs(app.clone()));
    }
    workers
}

/// Once an hour, drops what the record no longer needs (see [`crate::store::Store::prune`]).
async fn housekeeping(app: App) {
    const KEEP: i64 = 14 * 24 * 3600;
    loop {
        match app.store().prune(KEEP).await {
            Ok(pruned) => tracing::debug!(?pruned, "housekeeping"),
            Err(err) => tracing::warn!(error = %err, "housekeeping failed"),
        }
        tokio::time::sleep(Duration::from_secs(3600)).await;
    }
}

/// Keeps the read model ([`crate::store::rollups`]) up with the record, so that a view
/// seldom has a row to rebuild before it answers. Paced: while rows are left (after an
/// upgrade, every organisation's), it rests as long as each batch took, so it never
/// takes more than half of one core from the views and the webhooks.
async fn read_model(app: App) {
    const EVERY: Duration = Duration::from_secs(5);
    const BATCH: i64 = 50;
    loop {
        let started = std::time::Instant::now();
        let now = crate::store::now();
        let rest = match app
            .store()
            .refresh_some_rollups(app.rules(), now, BATCH)
            .await
        {
            Ok(0) => EVERY,
            Ok(rebuilt) => {
                tracing::debug!(rebuilt, "read model rows rebuilt");
                if i64::try_from(rebuilt).unwrap_or(i64::MAX) < BATCH {
                    EVERY
                } else {
                    started.elapsed()
                }
            }
            Err(err) => {
                tracing::warn!(error = %err, "cannot rebuild the read model");
                EVERY
            }
        };
        tokio::time::sleep(rest).await;
    }
}

/// Once a day, [`reconcile`].
async fn reconciliation(app: App) {
    const DAY: Duration = Duration::from_secs(24 * 3600);
    loop {
        tokio::time::sleep(DAY).await;
        reconcile(&app).await;
    }
}

/// Reads every active installation's alerts again, so the record holds what webhooks
/// missed (deliveries GitHub gave up on, downtime), checks the latest runs of the scanner
/// workflows of repositories that sent none, and rescans its repositories with GitHub's
/// own controls read again (they change in settings, often with no webhook); an
/// unchanged repository with unchanged controls costs its conditional requests and the
/// (at most four) reads of its controls.
pub async fn reconcile(app: &App) {
    if let Err(err) = app.store().mark_all_platform_stale().await {
        tracing::warn!(error = %err, "cannot ask for GitHub's own controls to be read again");
    }
    match app.store().active_installations().await {
        Ok(installations) => {
            for installation in installations {
                if let Err(err) = super::jobs::queue_backfill(app, installation).await {
                    tracing::warn!(error = %err, installation, "cannot queue the reconciliation");
                }
                if let Err(err) = super::jobs::queue_run_check(app, installation).await {
                    tracing::warn!(error = %err, installation, "cannot queue the run check");
                }
                if let Err(err) = super::jobs::queue_sync(app, installation).await {
                    tracing::warn!(error = %err, installation, "cannot queue the daily rescan");
                }
            }
            app.wake();
        }
        Err(err) => tracing::warn!(error = %err, "reconciliation failed"),
    }
}

async fn deliveries(app: App) {
    loop {
        match drain_deliveries(&app).await {
            Ok(0) => app.idle(app.behaviour().poll).await,
            Ok(_) => app.wake(),
            Err(err) => {
                tracing::error!(error = %err, "cannot read deliveries");
                tokio::time::sleep(app.behaviour().poll).await;
            }
        }
    }
}

/// Handles every pending delivery once; returns how many.
pub async fn drain_deliveries(app: &App) -> Result<usize, crate::store::StoreError> {
    let lease = i64::try_from(app.behaviour().lease.as_secs())
        .unwrap_or(i64::MAX)
        .max(1);
    let pending = app.store().claim_deliveries(100, lease).await?;
    for delivery in &pending {
        let outcome = events::handle(app, delivery).await?;
        tracing::info!(
            guid = delivery.guid,
            event = delivery.event,
            outcome,
            "delivery handled"
        );
        app.store()
            .finish_delivery(&delivery.guid, &outcome)
            .await?;
    }
    Ok(pending.len())
}

/// Runs `work` while renewing the job's lease every third of it.
async fn with_lease<T>(app: &App, job: &Job, work: impl std::future::Future<Output = T>) -> T {
    let lease = app.behaviour().lease;
    let seconds = i64::try_from(lease.as_secs()).unwrap_or(i64::MAX).max(1);
    let renew = async {
        loop {
            tokio::time::sleep(lease / 3).await;
            if let Err(err) = app.store().renew_lease(job, seconds).await {
                tracing::warn!(error = %err, job = job.id, "cannot renew a job's lease");
            }
        }
    };
    tokio::select! {
        outcome = work => outcome,
        never = renew => never,
    }
}

async fn jobs(app: App) {
    let lease = i64::try_from(app.behaviour().lease.as_secs())
        .unwrap_or(i64::MAX)
        .max(1);
    loop {
        match app.store().claim_job(lease).await {
            Ok(Some(job)) => run(&app, job).await,
            Ok(None) => {
                let wait = match app.store().next_job_due_in().await {
                    Ok(Some(seconds)) => {
                        Duration::from_secs(u64::try_from(seconds).unwrap_or(0).max(1))
                    }
                    _ => app.behaviour().poll,
                };
                app.idle(wait.min(app.behaviour().poll)).await;
            }
            Err(err) => {
                tracing::error!(error = %err, "cannot claim a job");
                tokio::time::sleep(app.behaviour().poll).await;
            }
        }
    }
}

async fn run(app: &App, job: Job) {
    let work = async {
        match (job.kind, job.subject.parse::<i64>()) {
            (JobKind::SyncInstallation, Ok(id)) => scan::sync_installation(app, id).await,
            (JobKind::Scan, Ok(id)) => scan::scan_repository(app, job.installation_id, id).await,
            (JobKind::BackfillFindings, Ok(id)) => {
                super::backfill::backfill_findings(app, id).await
            }
            (JobKind::CommitFacts, Ok(id)) => {
                super::commit_facts::read_commit_facts(app, job.installation_id, id).await
            }
            (JobKind::CheckRuns, Ok(id)) => super::run_check::check_runs(app, id).await,
            (_, Err(_)) => Err(JobError::Permanent(format!(
                "bad job subject {:?}",
                job.subject
            ))),
        }
    };
    // A bug that panics on one repository's input fails that job, not the worker.
    let guarded = futures_util::FutureExt::catch_unwind(std::panic::AssertUnwindSafe(work));
    let outcome = match with_lease(app, &job, guarded).await {
        Ok(outcome) => outcome,
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            Err(JobError::Permanent(format!("the job panicked: {what}")))
        }
    };
    let store = app.store();
    let result = match outcome {
        Ok(summary) => {
            tracing::info!(
                kind = job.kind.as_str(),
                subject = job.subject,
                summary,
                "job done"
            );
            store.complete_job(&job).await
        }
        Err(JobError::Deferred { reason, wait }) if job.attempts < app.behaviour().max_attempts => {
            tracing::info!(
                kind = job.kind.as_str(),
                subject = job.subject,
                seconds = wait.as_secs(),
                reason,
                "job deferred"
            );
            let seconds = i64::try_from(wait.as_secs()).unwrap_or(i64::MAX);
            store.retry_job(&job, seconds, &reason).await
        }
        Err(JobError::Transient(error)) if job.attempts < app.behaviour().max_attempts => {
            let delay = app.behaviour().retry_base.as_secs_f64()
                * 2f64.powi(i32::try_from(job.attempts - 1).unwrap_or(30));
            tracing::warn!(
                kind = job.kind.as_str(),
                subject = job.subject,
                attempt = job.attempts,
                error,
                "job failed: retrying"
            );
            store.retry_job(&job, delay.ceil() as i64, &error).await
        }
        Err(
            JobError::Transient(error)
            | JobError::Permanent(error)
            | JobError::Deferred { reason: error, .. },
        ) => {
            tracing::error!(
                kind = job.kind.as_str(),
                subject = job.subject,
                error,
                "job given up"
            );
            if job.kind == JobKind::Scan
                && let Ok(id) = job.subject.parse::<i64>()
                && let Ok(Some(record)) = store.repository(id).await
            {
                let reason = format!("last scan failed: {error}");
                let _ = store
                    .set_repository_state(id, record.state, Some(&reason))
                    .await;
            }
            store.fail_job(&job, &error).await
        }
    };
    if let Err(err) = result {
        // The job keeps its lease and is taken over when the lease runs out.
        tracing::error!(error = %err, job = job.id, "cannot record a job's outcome");
    }
    app.wake();
}
