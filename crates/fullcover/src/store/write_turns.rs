//! The pacing of GitHub writes that replicas share (see [`crate::github::turns`]): an
//! installation's turn to send a content-creating request, claimed with a lease, and the
//! log of when its requests finished. Times are milliseconds on the database's clock, so
//! replicas whose clocks differ still agree on spacing.

use futures_util::future::BoxFuture;
use sqlx::{AssertSqlSafe, Row};

use super::{Backend, Result, Store};
use crate::github::limits::Pacing;
use crate::github::turns::{TurnLedger, WriteClaim};

/// The database's clock, in milliseconds since the Unix epoch.
fn clock(backend: Backend) -> &'static str {
    match backend {
        Backend::Postgres => "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)",
        Backend::Sqlite => "CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)",
    }
}

/// The largest of three values, in the backend's spelling.
fn greatest(backend: Backend) -> &'static str {
    match backend {
        Backend::Postgres => "GREATEST",
        Backend::Sqlite => "MAX",
    }
}

/// A duration in whole milliseconds, rounded up (pacing may only err on the slow side).
fn millis(duration: std::time::Duration) -> i64 {
    i64::try_from(duration.as_micros().div_ceil(1000)).unwrap_or(i64::MAX)
}

/// The offset of the `limit`-th most recent request in the log, when there is a limit.
fn offset(limit: usize) -> i64 {
    i64::try_from(limit.saturating_sub(1)).unwrap_or(i64::MAX)
}

impl Store {
    /// Claims an installation's turn to write for `lease_millis`, when nobody holds it (or
    /// the holder's lease ran out) and the pacing allows a request now.
    pub async fn claim_write_turn(
        &self,
        installation_id: i64,
        holder: &str,
        lease_millis: i64,
    ) -> Result<WriteClaim> {
        let now = clock(self.backend);
        // The right-hand sides read the row as it was, so `taken_over_from` keeps the
        // lease of a holder that never finished.
        let claimed = sqlx::query(AssertSqlSafe(format!(
            "UPDATE write_turns SET holder = $1, held_until = {now} + $2, turn = turn + 1, \
                 taken_over_from = CASE WHEN holder IS NULL THEN NULL ELSE held_until END \
             WHERE installation_id = $3 AND (holder IS NULL OR held_until < {now}) AND next_at <= {now} \
             RETURNING turn, taken_over_from"
        )))
        .bind(holder)
        .bind(lease_millis)
        .bind(installation_id)
        .fetch_optional(self.pool())
        .await?;
        if let Some(row) = claimed {
            let turn: i64 = row.try_get("turn")?;
            return Ok(match row.try_get::<Option<i64>, _>("taken_over_from")? {
                Some(since) => WriteClaim::Orphaned { turn, since },
                None => WriteClaim::Granted { turn },
            });
        }
        let state = sqlx::query(AssertSqlSafe(format!(
            "SELECT CASE WHEN holder IS NOT NULL AND held_until >= {now} THEN 1 ELSE 0 END AS held, \
                    next_at - {now} AS wait \
             FROM write_turns WHERE installation_id = $1"
        )))
        .bind(installation_id)
        .fetch_optional(self.pool())
        .await?;
        match state {
            Some(row) => Ok(WriteClaim::Wait {
                millis: row.try_get::<i64, _>("wait")?.max(0),
                held: row.try_get::<i64, _>("held")? == 1,
            }),
            None => {
                sqlx::query(
                    "INSERT INTO write_turns (installation_id) VALUES ($1) ON CONFLICT DO NOTHING",
                )
                .bind(installation_id)
                .execute(self.pool())
                .await?;
                Ok(WriteClaim::Wait {
                    millis: 0,
                    held: false,
                })
            }
        }
    }

    /// Records that the holder of `turn` finished a request (now, or at `finished_at`
    /// for one a vanished holder may have sent), sets when the next may go out, and
    /// hands the turn back. A holder whose turn was taken over still logs its request.
    pub async fn finish_write_turn(
        &self,
        installation_id: i64,
        turn: i64,
        finished_at: Option<i64>,
        pacing: &Pacing,
    ) -> Result<()> {
        let now = clock(self.backend);
        let greatest = greatest(self.backend);
        // One transaction: one commit (one flush of the log) per request. The clock
        // truncates to the millisecond, so a completion is logged one later: pacing may
        // only err on the slow side.
        let mut transaction = self.pool().begin().await?;
        sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO write_log (installation_id, finished_at) VALUES ($1, COALESCE($2, {now} + 1))"
        )))
        .bind(installation_id)
        .bind(finished_at)
        .execute(&mut *transaction)
        .await?;
        let nth_latest = "COALESCE((SELECT finished_at FROM write_log WHERE installation_id = $1 \
                          ORDER BY finished_at DESC LIMIT 1 OFFSET";
        sqlx::query(AssertSqlSafe(format!(
            "UPDATE write_turns SET \
                 next_at = {greatest}({nth_latest} 0), 0) + $2, {nth_latest} $3), 0) + $4, {nth_latest} $5), 0) + $6), \
                 holder = CASE WHEN turn = $7 THEN NULL ELSE holder END, \
                 held_until = CASE WHEN turn = $7 THEN NULL ELSE held_until END \
             WHERE installation_id = $1"
        )))
        .bind(installation_id)
        .bind(millis(pacing.min_interval + pacing.margin))
        .bind(offset(pacing.per_minute))
        .bind(millis(pacing.minute + pacing.margin))
        .bind(offset(pacing.per_hour))
        .bind(millis(pacing.hour + pacing.margin))
        .bind(turn)
        .execute(&mut *transaction)
        .await?;
        transaction.commit().await?;
        Ok(())
    }

    /// Drops the log of requests that finished more than `keep_millis` ago (no window
    /// reaches back that far).
    pub async fn prune_write_log(&self, keep_millis: i64) -> Result<u64> {
        let now = clock(self.backend);
        let pruned = sqlx::query(AssertSqlSafe(format!(
            "DELETE FROM write_log WHERE finished_at < {now} - $1"
        )))
        .bind(keep_millis)
        .execute(self.pool())
        .await?;
        Ok(pruned.rows_affected())
    }
}

impl TurnLedger for Store {
    fn claim<'a>(
        &'a self,
        installation_id: i64,
        holder: &'a str,
        lease_millis: i64,
    ) -> BoxFuture<'a, Result<WriteClaim, String>> {
        Box::pin(async move {
            self.claim_write_turn(installation_id, holder, lease_millis)
                .await
                .map_err(|err| err.to_string())
        })
    }

    fn finish<'a>(
        &'a self,
        installation_id: i64,
        turn: i64,
        finished_at: Option<i64>,
        pacing: &'a Pacing,
    ) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(async move {
            self.finish_write_turn(installation_id, turn, finished_at, pacing)
                .await
                .map_err(|err| err.to_string())
        })
    }
}
