//! The durable work queue. A job is claimed with a lease; a process that dies while
//! holding one loses nothing, because the job becomes claimable again when the lease
//! runs out. At most one queued job exists per (kind, subject), so repeated events
//! collapse into one scan.

use sqlx::Row;

use super::states::{JobKind, JobState};
use super::{Result, Store, now};

#[derive(Debug, Clone)]
pub struct NewJob {
    pub kind: JobKind,
    /// What the job is about: an installation or repository id.
    pub subject: String,
    pub installation_id: i64,
    /// Greater runs first among due jobs (see [`Store::scan_priority`]).
    pub priority: i64,
}

#[derive(Debug, Clone)]
pub struct Job {
    pub id: i64,
    pub kind: JobKind,
    pub subject: String,
    pub installation_id: i64,
    /// Including this one.
    pub attempts: i64,
}

impl Store {
    /// Queues a job unless the same one is already waiting; true when queued. A job
    /// already waiting takes the new priority when that is greater (a repository pushed
    /// to while its scan waits moves up the queue).
    pub async fn enqueue(&self, job: &NewJob) -> Result<bool> {
        let at = now();
        let inserted = sqlx::query(
            "INSERT INTO jobs (kind, subject, installation_id, state, attempts, run_after, created_at, updated_at, priority) \
             VALUES ($1, $2, $3, 'queued', 0, $4, $4, $4, $5) \
             ON CONFLICT (kind, subject) WHERE state = 'queued' DO NOTHING",
        )
        .bind(job.kind.as_str())
        .bind(&job.subject)
        .bind(job.installation_id)
        .bind(at)
        .bind(job.priority)
        .execute(self.pool())
        .await?;
        if inserted.rows_affected() == 1 {
            return Ok(true);
        }
        sqlx::query(
            "UPDATE jobs SET priority = $1 WHERE kind = $2 AND subject = $3 AND state = 'queued' AND priority < $1",
        )
        .bind(job.priority)
        .bind(job.kind.as_str())
        .bind(&job.subject)
        .execute(self.pool())
        .await?;
        Ok(false)
    }

    /// The priority of a repository's scan: when it was last pushed to, so that the most
    /// recently active repositories are onboarded first and long-inactive ones last; a
    /// repository whose push time is unknown ranks as pushed `now`.
    pub async fn scan_priority(&self, repository_id: i64) -> Result<i64> {
        let row = sqlx::query("SELECT pushed_at FROM repositories WHERE id = $1")
            .bind(repository_id)
            .fetch_optional(self.pool())
            .await?;
        let pushed_at: Option<i64> = match row {
            Some(row) => row.try_get("pushed_at")?,
            None => None,
        };
        Ok(pushed_at.unwrap_or_else(now))
    }

    /// Takes the next due job for `lease_seconds` (greatest priority first, then the
    /// longest due), never one whose subject another live
    /// job is working on (two scans of one repository would race). Replicas work for the
    /// same installation at once: their GitHub writes share one pacing
    /// ([`crate::github::turns`]). The outer condition is checked again on the row being
    /// updated, so two replicas never both win it.
    pub async fn claim_job(&self, lease_seconds: i64) -> Result<Option<Job>> {
        let at = now();
        let row = sqlx::query(
            "UPDATE jobs SET state = 'running', lease_until = $1, attempts = attempts + 1, updated_at = $2, claimed_by = $3 \
             WHERE id = (SELECT id FROM jobs AS candidate \
                         WHERE ((state = 'queued' AND run_after <= $2) OR (state = 'running' AND lease_until < $2)) \
                           AND NOT EXISTS (SELECT 1 FROM jobs AS busy \
                               WHERE busy.id <> candidate.id AND busy.state = 'running' AND busy.lease_until >= $2 \
                                 AND busy.kind = candidate.kind AND busy.subject = candidate.subject) \
                         ORDER BY priority DESC, run_after, id LIMIT 1) \
               AND ((state = 'queued' AND run_after <= $2) OR (state = 'running' AND lease_until < $2)) \
             RETURNING id, kind, subject, installation_id, attempts",
        )
        .bind(at + lease_seconds)
        .bind(at)
        .bind(&self.replica)
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let kind: String = row.try_get("kind")?;
        Ok(Some(Job {
            id: row.try_get("id")?,
            kind: JobKind::parse(&kind)?,
            subject: row.try_get("subject")?,
            installation_id: row.try_get("installation_id")?,
            attempts: row.try_get("attempts")?,
        }))
    }

    /// Extends the lease of a job still running: a long job is not taken over while its
    /// worker is alive. A worker whose claim was taken over (its `attempts` is no longer
    /// the job's) changes nothing here or below.
    pub async fn renew_lease(&self, job: &Job, lease_seconds: i64) -> Result<()> {
        sqlx::query(
            "UPDATE jobs SET lease_until = $1 WHERE id = $2 AND attempts = $3 AND state = 'running'",
        )
        .bind(now() + lease_seconds)
        .bind(job.id)
        .bind(job.attempts)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Jobs queued or running: (kind, subject, state, attempts, last error), for
    /// diagnostics.
    pub async fn open_jobs(&self) -> Result<Vec<(String, String, String, i64, String)>> {
        let rows = sqlx::query(
            "SELECT kind, subject, state, attempts, COALESCE(last_error, '') AS error FROM jobs \
             WHERE state IN ('queued', 'running') ORDER BY id",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok((
                    row.try_get("kind")?,
                    row.try_get("subject")?,
                    row.try_get("state")?,
                    row.try_get("attempts")?,
                    row.try_get("error")?,
                ))
            })
            .collect()
    }

    pub async fn complete_job(&self, job: &Job) -> Result<()> {
        self.end_job(job, JobState::Done, None).await
    }

    pub async fn fail_job(&self, job: &Job, error: &str) -> Result<()> {
        self.end_job(job, JobState::Failed, Some(error)).await
    }

    /// Puts a job back in the queue to run after `delay_seconds`. When the same job was
    /// queued again meanwhile, that one stands for both.
    pub async fn retry_job(&self, job: &Job, delay_seconds: i64, error: &str) -> Result<()> {
        let at = now();
        let requeued = sqlx::query(
            "UPDATE jobs SET state = 'queued', run_after = $1, lease_until = NULL, last_error = $2, updated_at = $3 \
             WHERE id = $4 AND attempts = $5 AND state = 'running' AND NOT EXISTS (SELECT 1 FROM jobs AS other \
                 WHERE other.kind = jobs.kind AND other.subject = jobs.subject AND other.state = 'queued')",
        )
        .bind(at + delay_seconds)
        .bind(error)
        .bind(at)
        .bind(job.id)
        .bind(job.attempts)
        .execute(self.pool())
        .await;
        match requeued {
            Ok(done) if done.rows_affected() == 1 => Ok(()),
            // The same job was queued meanwhile (on PostgreSQL a racing insert can also
            // make this a unique violation): the queued one stands for both.
            Ok(_) | Err(sqlx::Error::Database(_)) => {
                self.end_job(job, JobState::Superseded, Some(error)).await
            }
            Err(err) => Err(err.into()),
        }
    }

    async fn end_job(&self, job: &Job, state: JobState, error: Option<&str>) -> Result<()> {
        sqlx::query(
            "UPDATE jobs SET state = $1, lease_until = NULL, last_error = COALESCE($2, last_error), updated_at = $3 \
             WHERE id = $4 AND attempts = $5 AND state = 'running'",
        )
        .bind(state.as_str())
        .bind(error)
        .bind(now())
        .bind(job.id)
        .bind(job.attempts)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Jobs waiting or running.
    pub async fn queue_depth(&self) -> Result<i64> {
        let row =
            sqlx::query("SELECT COUNT(*) AS n FROM jobs WHERE state IN ('queued', 'running')")
                .fetch_one(self.pool())
                .await?;
        Ok(row.try_get("n")?)
    }

    /// The seconds until the next queued job is due, if any is queued.
    pub async fn next_job_due_in(&self) -> Result<Option<i64>> {
        let row = sqlx::query("SELECT MIN(run_after) AS due FROM jobs WHERE state = 'queued'")
            .fetch_one(self.pool())
            .await?;
        let due: Option<i64> = row.try_get("due")?;
        Ok(due.map(|due| (due - now()).max(0)))
    }

    /// Jobs that gave up, with their last error: (kind, subject, error).
    pub async fn failed_jobs(&self) -> Result<Vec<(String, String, String)>> {
        let rows = sqlx::query(
            "SELECT kind, subject, COALESCE(last_error, '') AS error FROM jobs WHERE state = 'failed' ORDER BY id",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok((
                    row.try_get("kind")?,
                    row.try_get("subject")?,
                    row.try_get("error")?,
                ))
            })
            .collect()
    }
}
