//! The runs of the default branch that say whether a scanner runs: check runs and
//! workflow runs, kept compactly. A run with the same verdict as its source's latest row
//! moves that row forward instead of adding one when the row before it is within
//! [`RUN_WINDOW`] of the new run, so a streak of one verdict costs a row per window
//! however often the scanner runs, and `metrics::scanner_state` reads the rows back with
//! the same states as if every run were kept (no gap of a window opens or closes).

use sqlx::Row;

use super::{Result, Store};
use fullcover_core::metrics::scanner_state::verdict;
use fullcover_core::metrics::{RUN_WINDOW, RecordedRun, Reliance, RunSource};

/// The most rows read back per repository (the newest).
pub const RUNS_READ: i64 = 1_000;

fn source_parts(source: &RunSource) -> (&'static str, &str, &str) {
    match source {
        RunSource::Check(name) => ("check", name, name),
        RunSource::Workflow { path, name } => ("workflow", path, name),
    }
}

/// A source's stored row, as [`place_run`] reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunRow {
    pub conclusion: String,
    pub completed_at: i64,
    /// The first run of the streak this row stands for.
    pub streak_start: i64,
    pub event: Option<String>,
}

/// What recording a run does to its source's rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunWrite {
    /// A redelivery, an older run of the same verdict, or a run that says nothing.
    Unchanged,
    /// The latest row moves forward to the run, with this event.
    MoveLatest { event: Option<String> },
    /// A new row, standing for the streak that started at `streak_start`.
    Insert { streak_start: i64 },
}

/// Where a run goes given its source's latest row and the completion of the row before
/// it (pure; [`Store::record_run`] and seeded histories share it).
pub fn place_run(latest: Option<&RunRow>, before: Option<i64>, run: &RecordedRun) -> RunWrite {
    let Some(passed) = verdict(&run.conclusion) else {
        return RunWrite::Unchanged;
    };
    let Some(latest) = latest else {
        return RunWrite::Insert {
            streak_start: run.completed_at,
        };
    };
    let same = verdict(&latest.conclusion) == Some(passed);
    if same && run.completed_at <= latest.completed_at {
        return RunWrite::Unchanged;
    }
    if same && run.completed_at - latest.completed_at < RUN_WINDOW {
        // Moving the latest row forward drops the runs between it and the row before;
        // that is exact only while no window's gap opens between them.
        let movable = latest.streak_start != latest.completed_at
            && before.is_some_and(|before| run.completed_at - before < RUN_WINDOW);
        if movable {
            // A scheduled run, once seen in the streak, stays seen.
            let event = if latest.event.as_deref() == Some("schedule") {
                latest.event.clone()
            } else {
                run.event.clone()
            };
            return RunWrite::MoveLatest { event };
        }
        return RunWrite::Insert {
            streak_start: latest.streak_start,
        };
    }
    RunWrite::Insert {
        streak_start: run.completed_at,
    }
}

impl Store {
    /// Records a completed run of the default branch; returns whether it changed the
    /// record (a redelivery, or a run that says nothing, does not).
    pub async fn record_run(&self, repository_id: i64, run: &RecordedRun) -> Result<bool> {
        if verdict(&run.conclusion).is_none() {
            return Ok(false);
        }
        let (source, name, title) = source_parts(&run.source);
        // Read, then one write: no transaction, whose read lock SQLite could not upgrade
        // under a concurrent writer. Two deliveries racing add a row, which changes no
        // state: the rows are read back as runs.
        let rows = sqlx::query(
            "SELECT id, conclusion, completed_at, streak_start, event FROM scanner_runs \
             WHERE repository_id = $1 AND source = $2 AND name = $3 \
             ORDER BY completed_at DESC, id DESC LIMIT 2",
        )
        .bind(repository_id)
        .bind(source)
        .bind(name)
        .fetch_all(self.pool())
        .await?;
        let latest = rows
            .first()
            .map(|row| {
                Ok::<_, super::StoreError>((
                    row.try_get::<i64, _>("id")?,
                    RunRow {
                        conclusion: row.try_get("conclusion")?,
                        completed_at: row.try_get("completed_at")?,
                        streak_start: row.try_get("streak_start")?,
                        event: row.try_get("event")?,
                    },
                ))
            })
            .transpose()?;
        let before = rows
            .get(1)
            .map(|row| row.try_get::<i64, _>("completed_at"))
            .transpose()?;
        let streak_start = match (
            place_run(latest.as_ref().map(|(_, row)| row), before, run),
            latest,
        ) {
            (RunWrite::Unchanged, _) => return Ok(false),
            (RunWrite::MoveLatest { event }, Some((id, _))) => {
                sqlx::query(
                    "UPDATE scanner_runs SET conclusion = $1, completed_at = $2, event = $3, \
                     title = $4, branch = $5 WHERE id = $6",
                )
                .bind(&run.conclusion)
                .bind(run.completed_at)
                .bind(event)
                .bind(title)
                .bind(&run.branch)
                .bind(id)
                .execute(self.pool())
                .await?;
                return Ok(true);
            }
            (RunWrite::Insert { streak_start }, _) => streak_start,
            // Moving needs a latest row; place_run only says so when there is one.
            (RunWrite::MoveLatest { .. }, None) => run.completed_at,
        };
        sqlx::query(
            "INSERT INTO scanner_runs (repository_id, source, name, title, branch, event, conclusion, completed_at, streak_start) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(repository_id)
        .bind(source)
        .bind(name)
        .bind(title)
        .bind(&run.branch)
        .bind(&run.event)
        .bind(&run.conclusion)
        .bind(run.completed_at)
        .bind(streak_start)
        .execute(self.pool())
        .await?;
        Ok(true)
    }

    /// The repository's recorded runs, the newest [`RUNS_READ`], oldest first.
    pub async fn runs(&self, repository_id: i64) -> Result<Vec<RecordedRun>> {
        let rows = sqlx::query(
            "SELECT source, name, title, branch, event, conclusion, completed_at FROM scanner_runs \
             WHERE repository_id = $1 ORDER BY completed_at DESC, id DESC LIMIT $2",
        )
        .bind(repository_id)
        .bind(RUNS_READ)
        .fetch_all(self.pool())
        .await?;
        let mut runs = rows
            .iter()
            .map(|row| {
                let source: String = row.try_get("source")?;
                let name: String = row.try_get("name")?;
                Ok(RecordedRun {
                    source: if source == "workflow" {
                        RunSource::Workflow {
                            path: name,
                            name: row.try_get("title")?,
                        }
                    } else {
                        RunSource::Check(name)
                    },
                    conclusion: row.try_get("conclusion")?,
                    completed_at: row.try_get("completed_at")?,
                    event: row.try_get("event")?,
                    branch: row.try_get("branch")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        runs.reverse();
        Ok(runs)
    }

    /// When the repository's scanners last reported a run, if ever.
    pub async fn last_run_at(&self, repository_id: i64) -> Result<Option<i64>> {
        let row = sqlx::query(
            "SELECT MAX(completed_at) AS at FROM scanner_runs WHERE repository_id = $1",
        )
        .bind(repository_id)
        .fetch_one(self.pool())
        .await?;
        Ok(row.try_get("at")?)
    }

    /// The workflow files that run the scanners the latest scan relies on, sorted.
    pub async fn scanner_workflows(&self, repository_id: i64) -> Result<Vec<String>> {
        let row = sqlx::query(
            "SELECT reliance, report FROM scans WHERE repository_id = $1 \
             ORDER BY scanned_at DESC, id DESC LIMIT 1",
        )
        .bind(repository_id)
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else {
            return Ok(Vec::new());
        };
        let reliance = match row.try_get::<Option<String>, _>("reliance")? {
            Some(text) => serde_json::from_str::<Reliance>(&text).unwrap_or_default(),
            None => super::history::reliance_of(&row.try_get::<String, _>("report")?),
        };
        let mut workflows: Vec<String> = reliance
            .scanners
            .into_values()
            .flat_map(|seen| seen.workflows)
            .collect();
        workflows.sort();
        workflows.dedup();
        Ok(workflows)
    }
}
