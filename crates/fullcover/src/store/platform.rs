//! GitHub's own controls per repository as last read through the API, and whether they
//! must be read again (a webhook said something changed, or a day passed).

use fullcover_core::platform::PlatformControls;
use sqlx::Row;

use super::{Result, Store, StoreError, now};

/// The cached answers of one repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlatformRecord {
    pub controls: PlatformControls,
    /// When GitHub was asked, Unix seconds.
    pub checked_at: i64,
    /// A webhook or the reconciliation asked for a new reading.
    pub stale: bool,
}

impl Store {
    pub async fn platform_controls(&self, repository_id: i64) -> Result<Option<PlatformRecord>> {
        let row = sqlx::query(
            "SELECT answers, checked_at, stale FROM platform_controls WHERE repository_id = $1",
        )
        .bind(repository_id)
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let answers: String = row.try_get("answers")?;
        let stale: i64 = row.try_get("stale")?;
        Ok(Some(PlatformRecord {
            controls: serde_json::from_str(&answers).map_err(|err| StoreError::Corrupt {
                what: "platform controls",
                detail: err.to_string(),
            })?,
            checked_at: row.try_get("checked_at")?,
            stale: stale != 0,
        }))
    }

    /// Records a fresh reading.
    pub async fn set_platform_controls(
        &self,
        repository_id: i64,
        controls: &PlatformControls,
    ) -> Result<()> {
        let answers = serde_json::to_string(controls).map_err(|err| StoreError::Corrupt {
            what: "platform controls",
            detail: err.to_string(),
        })?;
        sqlx::query(
            "INSERT INTO platform_controls (repository_id, answers, checked_at, stale) VALUES ($1, $2, $3, 0) \
             ON CONFLICT (repository_id) DO UPDATE SET answers = $2, checked_at = $3, stale = 0",
        )
        .bind(repository_id)
        .bind(answers)
        .bind(now())
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Asks for a new reading of every repository's controls (the daily reconciliation).
    pub async fn mark_all_platform_stale(&self) -> Result<()> {
        sqlx::query("UPDATE platform_controls SET stale = 1")
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Asks for a new reading of one repository's controls at its next scan.
    pub async fn mark_platform_stale(&self, repository_id: i64) -> Result<()> {
        sqlx::query("UPDATE platform_controls SET stale = 1 WHERE repository_id = $1")
            .bind(repository_id)
            .execute(self.pool())
            .await?;
        Ok(())
    }
}
