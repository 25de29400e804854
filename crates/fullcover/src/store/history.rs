//! The record read back as histories, for the metrics: per organisation, every
//! repository with its scans, pull requests and active checks.

use std::collections::BTreeMap;

use sqlx::Row;

use super::repositories::ids;
use super::{Result, Store, StoreError};
use fullcover_core::metrics::{PullPoint, Ratio, Reliance, RepoHistory, ScanPoint};
use fullcover_core::report::ScanReport;

/// Scans a repository's page lists at most, latest first.
pub const DETAIL_SCANS: i64 = 100;

/// Requirement events a repository's page and API list at most, the latest.
pub const DETAIL_EVENTS: i64 = 1_000;

/// One repository's record for its page: its latest [`DETAIL_SCANS`] scans, its pull
/// requests and runs.
#[derive(Debug, Clone)]
pub struct RepoDetail {
    pub history: RepoHistory,
    /// The latest scan's report (docs/scan-json.md), if scanned.
    pub report: Option<ScanReport>,
    /// (requirement, event, at), oldest first: the latest [`DETAIL_EVENTS`].
    pub requirement_events: Vec<(String, String, i64)>,
}

impl Store {
    /// Organisations the App knows (installed accounts and local records).
    pub async fn orgs(&self) -> Result<Vec<String>> {
        let rows = sqlx::query("SELECT DISTINCT account FROM installations ORDER BY account")
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(|row| Ok(row.try_get("account")?)).collect()
    }

    /// Every repository of `org` with its history; `None` when the org is unknown.
    pub async fn org_history(&self, org: &str, now: i64) -> Result<Option<Vec<RepoHistory>>> {
        let rows = sqlx::query(
            "SELECT r.id, r.full_name, r.private, r.state, r.reason, r.entered_scope_at, r.left_scope_at \
             FROM repositories r JOIN installations i ON i.id = r.installation_id \
             WHERE LOWER(i.account) = LOWER($1) ORDER BY r.full_name",
        )
        .bind(org)
        .fetch_all(self.pool())
        .await?;
        if rows.is_empty() && !self.org_known(org).await? {
            return Ok(None);
        }
        let mut repos = Vec::with_capacity(rows.len());
        for row in &rows {
            repos.push(self.history_of(row, now, i64::MAX).await?);
        }
        Ok(Some(repos))
    }

    /// One repository's whole history by id (the read model's input); `None` if unknown.
    pub async fn repo_history(&self, id: i64, now: i64) -> Result<Option<RepoHistory>> {
        let row = sqlx::query(
            "SELECT id, full_name, private, state, reason, entered_scope_at, left_scope_at \
             FROM repositories WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        match row {
            Some(row) => Ok(Some(self.history_of(&row, now, i64::MAX).await?)),
            None => Ok(None),
        }
    }

    /// As [`Store::repo_history`] with only the latest `scans` scans: what a
    /// repository's page lists, whatever the history's length.
    async fn recent_history(&self, id: i64, now: i64, scans: i64) -> Result<Option<RepoHistory>> {
        let row = sqlx::query(
            "SELECT id, full_name, private, state, reason, entered_scope_at, left_scope_at \
             FROM repositories WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        match row {
            Some(row) => Ok(Some(self.history_of(&row, now, scans).await?)),
            None => Ok(None),
        }
    }

    async fn history_of(
        &self,
        row: &sqlx::any::AnyRow,
        now: i64,
        scans: i64,
    ) -> Result<RepoHistory> {
        let id: i64 = row.try_get("id")?;
        Ok(RepoHistory {
            id,
            full_name: row.try_get("full_name")?,
            private: row.try_get::<i64, _>("private")? != 0,
            state: row.try_get("state")?,
            reason: row.try_get("reason")?,
            entered_scope_at: row.try_get("entered_scope_at")?,
            left_scope_at: row.try_get("left_scope_at")?,
            scans: self.scan_points(id, scans).await?,
            pulls: self.pull_points(id).await?,
            runs: self
                .runs(id)
                .await?
                .into_iter()
                .filter(|run| run.completed_at <= now)
                .collect(),
        })
    }

    /// Whether the App knows `org` (an installation or a local record).
    pub async fn org_known(&self, org: &str) -> Result<bool> {
        let row =
            sqlx::query("SELECT COUNT(*) AS n FROM installations WHERE LOWER(account) = LOWER($1)")
                .bind(org)
                .fetch_one(self.pool())
                .await?;
        Ok(row.try_get::<i64, _>("n")? > 0)
    }

    /// One repository by id, with its latest report and requirement events.
    /// A stored report that does not read as a [`ScanReport`] is an error naming the
    /// repository ([`StoreError::Corrupt`]).
    pub async fn repo_detail(&self, id: i64, now: i64) -> Result<Option<RepoDetail>> {
        let Some(history) = self.recent_history(id, now, DETAIL_SCANS).await? else {
            return Ok(None);
        };
        let report = sqlx::query(
            "SELECT report FROM scans WHERE repository_id = $1 ORDER BY scanned_at DESC, id DESC LIMIT 1",
        )
        .bind(history.id)
        .fetch_optional(self.pool())
        .await?
        .map(|row| row.try_get::<String, _>("report"))
        .transpose()?
        .map(|text| {
            serde_json::from_str::<ScanReport>(&text).map_err(|err| StoreError::Corrupt {
                what: "scan report",
                detail: format!("{}: {err}", history.full_name),
            })
        })
        .transpose()?;
        let mut events = sqlx::query(
            "SELECT requirement, event, at FROM requirement_events WHERE repository_id = $1 \
             ORDER BY at DESC, id DESC LIMIT $2",
        )
        .bind(history.id)
        .bind(DETAIL_EVENTS)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|row| {
            Ok((
                row.try_get("requirement")?,
                row.try_get("event")?,
                row.try_get("at")?,
            ))
        })
        .collect::<Result<Vec<_>>>()?;
        events.reverse();
        Ok(Some(RepoDetail {
            history,
            report,
            requirement_events: events,
        }))
    }

    /// The latest `limit` scans, oldest first.
    async fn scan_points(&self, repository_id: i64, limit: i64) -> Result<Vec<ScanPoint>> {
        let mut rows = sqlx::query(
            // The report (a few KiB each) only where reliance was not recorded with it.
            "SELECT scanned_at, required, satisfied, missing, categories, reliance, \
                 CASE WHEN reliance IS NULL THEN report END AS report FROM scans \
             WHERE repository_id = $1 ORDER BY scanned_at DESC, id DESC LIMIT $2",
        )
        .bind(repository_id)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.reverse();
        rows.iter()
            .map(|row| {
                let categories: String = row.try_get("categories")?;
                let categories: BTreeMap<String, Ratio> =
                    serde_json::from_str::<BTreeMap<String, RatioRow>>(&categories)
                        .map_err(|err| StoreError::Corrupt {
                            what: "scan categories",
                            detail: err.to_string(),
                        })?
                        .into_iter()
                        .map(|(name, ratio)| {
                            (
                                name,
                                Ratio {
                                    required: ratio.required,
                                    satisfied: ratio.satisfied,
                                },
                            )
                        })
                        .collect();
                let missing: String = row.try_get("missing")?;
                let reliance = match row.try_get::<Option<String>, _>("reliance")? {
                    Some(text) => serde_json::from_str::<Reliance>(&text).map_err(|err| {
                        StoreError::Corrupt {
                            what: "scan reliance",
                            detail: err.to_string(),
                        }
                    })?,
                    // Recorded before reliance was: read it from the scan's report.
                    None => reliance_of(&row.try_get::<String, _>("report")?),
                };
                Ok(ScanPoint {
                    at: row.try_get("scanned_at")?,
                    ratio: Ratio {
                        required: u64::try_from(row.try_get::<i64, _>("required")?).unwrap_or(0),
                        satisfied: u64::try_from(row.try_get::<i64, _>("satisfied")?).unwrap_or(0),
                    },
                    missing: ids(&missing)?,
                    categories,
                    reliance,
                })
            })
            .collect()
    }

    async fn pull_points(&self, repository_id: i64) -> Result<Vec<PullPoint>> {
        let rows = sqlx::query(
            "SELECT number, state, url, opened_at, merged_at, closed_at FROM pull_requests \
             WHERE repository_id = $1 ORDER BY opened_at, number",
        )
        .bind(repository_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(PullPoint {
                    number: row.try_get("number")?,
                    state: row.try_get("state")?,
                    url: row.try_get("url")?,
                    opened_at: row.try_get("opened_at")?,
                    merged_at: row.try_get("merged_at")?,
                    closed_at: row.try_get("closed_at")?,
                })
            })
            .collect()
    }
}

/// What a stored report's satisfied requirements rely on; nothing (the scan counts as
/// recorded) when the report does not read as one.
pub fn reliance_of(report: &str) -> Reliance {
    serde_json::from_str::<ScanReport>(report)
        .map(|report| Reliance::from_report(&report))
        .unwrap_or_default()
}

#[derive(serde::Deserialize)]
struct RatioRow {
    required: u64,
    satisfied: u64,
}
