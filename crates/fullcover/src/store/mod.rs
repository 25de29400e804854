//! The record: what the App knows and has done, in SQLite (the default, one file) or
//! PostgreSQL (several replicas). One `Store` over sqlx's `Any` driver; each backend has
//! its own migrations in `migrations/<backend>/`, applied at connect. Queries use `$N`
//! placeholders, which both backends accept.

mod access;
mod bulk;
pub mod gates;
mod history;
mod jobs;
mod platform;
mod repositories;
pub mod rollups;
mod runs;
mod security;
mod states;
mod write_turns;

use std::path::Path;
use std::time::Duration;

use sha2::{Digest, Sha256};
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::{AnyPool, Row, SqlSafeStr};

pub use self::access::{Session, TokenInfo, digest};
pub use self::bulk::{Cell, Rows};
pub use self::history::{RepoDetail, reliance_of};
pub use self::jobs::{Job, NewJob};
pub use self::repositories::{
    PullRequestRecord, RepositoryRecord, ScanRecord, requirement_changes,
};
pub use self::runs::{RUNS_READ, RunRow, RunWrite, place_run};
pub use self::security::FindingRecord;
pub use self::states::{
    InstallationState, JobKind, JobState, PullRequestEvent, PullRequestState, RepoState,
    RequirementEvent,
};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("unsupported database URL {0:?}: use sqlite://PATH or postgres://...")]
    UnsupportedUrl(String),
    #[error("cannot migrate the database: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("stored {what} is not valid: {detail}")]
    Corrupt { what: &'static str, detail: String },
    #[error("cannot create the database's folder {path}: {detail}")]
    Folder { path: String, detail: String },
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn of(url: &str) -> Result<Backend> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(StoreError::UnsupportedUrl(redact_url(url)))
        }
    }

    fn migrations(self) -> Vec<Migration> {
        let files: [(&str, &'static str); 23] = match self {
            Backend::Sqlite => [
                (
                    "app",
                    include_str!("../../../../migrations/sqlite/0001_app.sql"),
                ),
                (
                    "coverage",
                    include_str!("../../../../migrations/sqlite/0002_coverage.sql"),
                ),
                (
                    "delivery claims",
                    include_str!("../../../../migrations/sqlite/0003_delivery_claims.sql"),
                ),
                (
                    "default head",
                    include_str!("../../../../migrations/sqlite/0004_default_head.sql"),
                ),
                (
                    "jobs without payload",
                    include_str!("../../../../migrations/sqlite/0005_jobs_without_payload.sql"),
                ),
                (
                    "security",
                    include_str!("../../../../migrations/sqlite/0006_security.sql"),
                ),
                (
                    "security policy",
                    include_str!("../../../../migrations/sqlite/0007_security_policy.sql"),
                ),
                (
                    "delivery digest",
                    include_str!("../../../../migrations/sqlite/0008_delivery_digest.sql"),
                ),
                (
                    "onboarding commits",
                    include_str!("../../../../migrations/sqlite/0009_onboarding_commits.sql"),
                ),
                (
                    "alert reads",
                    include_str!("../../../../migrations/sqlite/0010_alert_reads.sql"),
                ),
                (
                    "pull commits",
                    include_str!("../../../../migrations/sqlite/0011_pull_commits.sql"),
                ),
                (
                    "pull request event time",
                    include_str!("../../../../migrations/sqlite/0012_pull_request_event_time.sql"),
                ),
                (
                    "repository etag",
                    include_str!("../../../../migrations/sqlite/0013_repository_etag.sql"),
                ),
                (
                    "token expiry",
                    include_str!("../../../../migrations/sqlite/0014_token_expiry.sql"),
                ),
                (
                    "scanner runs",
                    include_str!("../../../../migrations/sqlite/0015_scanner_runs.sql"),
                ),
                (
                    "platform controls",
                    include_str!("../../../../migrations/sqlite/0016_platform_controls.sql"),
                ),
                (
                    "read model",
                    include_str!("../../../../migrations/sqlite/0017_read_model.sql"),
                ),
                (
                    "write turns",
                    include_str!("../../../../migrations/sqlite/0018_write_turns.sql"),
                ),
                (
                    "onboarding order",
                    include_str!("../../../../migrations/sqlite/0019_onboarding_order.sql"),
                ),
                (
                    "security version",
                    include_str!("../../../../migrations/sqlite/0020_security_version.sql"),
                ),
                (
                    "read model index",
                    include_str!("../../../../migrations/sqlite/0021_read_model_index.sql"),
                ),
                (
                    "read model rules",
                    include_str!("../../../../migrations/sqlite/0022_read_model_rules.sql"),
                ),
                (
                    "repository name index",
                    include_str!("../../../../migrations/sqlite/0023_repository_name_index.sql"),
                ),
            ],
            Backend::Postgres => [
                (
                    "app",
                    include_str!("../../../../migrations/postgres/0001_app.sql"),
                ),
                (
                    "coverage",
                    include_str!("../../../../migrations/postgres/0002_coverage.sql"),
                ),
                (
                    "delivery claims",
                    include_str!("../../../../migrations/postgres/0003_delivery_claims.sql"),
                ),
                (
                    "default head",
                    include_str!("../../../../migrations/postgres/0004_default_head.sql"),
                ),
                (
                    "jobs without payload",
                    include_str!("../../../../migrations/postgres/0005_jobs_without_payload.sql"),
                ),
                (
                    "security",
                    include_str!("../../../../migrations/postgres/0006_security.sql"),
                ),
                (
                    "security policy",
                    include_str!("../../../../migrations/postgres/0007_security_policy.sql"),
                ),
                (
                    "delivery digest",
                    include_str!("../../../../migrations/postgres/0008_delivery_digest.sql"),
                ),
                (
                    "onboarding commits",
                    include_str!("../../../../migrations/postgres/0009_onboarding_commits.sql"),
                ),
                (
                    "alert reads",
                    include_str!("../../../../migrations/postgres/0010_alert_reads.sql"),
                ),
                (
                    "pull commits",
                    include_str!("../../../../migrations/postgres/0011_pull_commits.sql"),
                ),
                (
                    "pull request event time",
                    include_str!(
                        "../../../../migrations/postgres/0012_pull_request_event_time.sql"
                    ),
                ),
                (
                    "repository etag",
                    include_str!("../../../../migrations/postgres/0013_repository_etag.sql"),
                ),
                (
                    "token expiry",
                    include_str!("../../../../migrations/postgres/0014_token_expiry.sql"),
                ),
                (
                    "scanner runs",
                    include_str!("../../../../migrations/postgres/0015_scanner_runs.sql"),
                ),
                (
                    "platform controls",
                    include_str!("../../../../migrations/postgres/0016_platform_controls.sql"),
                ),
                (
                    "read model",
                    include_str!("../../../../migrations/postgres/0017_read_model.sql"),
                ),
                (
                    "write turns",
                    include_str!("../../../../migrations/postgres/0018_write_turns.sql"),
                ),
                (
                    "onboarding order",
                    include_str!("../../../../migrations/postgres/0019_onboarding_order.sql"),
                ),
                (
                    "security version",
                    include_str!("../../../../migrations/postgres/0020_security_version.sql"),
                ),
                (
                    "read model index",
                    include_str!("../../../../migrations/postgres/0021_read_model_index.sql"),
                ),
                (
                    "read model rules",
                    include_str!("../../../../migrations/postgres/0022_read_model_rules.sql"),
                ),
                (
                    "repository name index",
                    include_str!("../../../../migrations/postgres/0023_repository_name_index.sql"),
                ),
            ],
        };
        files
            .into_iter()
            .zip(1..)
            .map(|((name, sql), version)| {
                Migration::new(
                    version,
                    name.into(),
                    MigrationType::Simple,
                    sql.into_sql_str(),
                    false,
                )
            })
            .collect()
    }
}

/// A database URL without its password, for messages.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            let user = credentials.split(':').next().unwrap_or_default();
            format!("{}{user}:***{}", &url[..scheme + 3], &url[at..])
        }
        _ => url.to_owned(),
    }
}

/// A SQLite URL that creates its file (and the file's folder) when missing: the App owns
/// its database. An explicit `mode=` is kept; `sqlite::memory:` is left alone.
fn sqlite_creating(url: &str) -> Result<String> {
    let Some(rest) = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
    else {
        return Ok(url.to_owned());
    };
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    if path.is_empty() || path.starts_with(':') || query.contains("mode=") {
        return Ok(url.to_owned());
    }
    if let Some(folder) = Path::new(path)
        .parent()
        .filter(|f| !f.as_os_str().is_empty())
    {
        std::fs::create_dir_all(folder).map_err(|err| StoreError::Folder {
            path: folder.display().to_string(),
            detail: err.to_string(),
        })?;
    }
    if !Path::new(path).exists() {
        tracing::info!(path, "creating the SQLite database");
    }
    let separator = if query.is_empty() { '?' } else { '&' };
    Ok(format!("{url}{separator}mode=rwc"))
}

/// The URL of a SQLite file, created when missing.
pub fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}?mode=rwc", path.display())
}

#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// This process among the replicas sharing the database.
    replica: String,
    /// One read-model refresh per organisation at a time in this process.
    refreshing: std::sync::Arc<gates::Gates>,
    /// Organisations whose rows this process knows to be current, and until when.
    current_orgs: std::sync::Arc<rollups::CurrentOrgs>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.backend)
            .finish()
    }
}

/// Now, in Unix seconds.
pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

impl Store {
    /// Connects and applies the backend's migrations.
    pub async fn connect(url: &str) -> Result<Store> {
        let backend = Backend::of(url)?;
        install_default_drivers();
        let owned;
        let url = if backend == Backend::Sqlite {
            owned = sqlite_creating(url)?;
            owned.as_str()
        } else {
            url
        };
        let max = match backend {
            Backend::Sqlite => 4,
            Backend::Postgres => 8,
        };
        let pool = AnyPoolOptions::new()
            .max_connections(max)
            .acquire_timeout(Duration::from_secs(30))
            .connect(url)
            .await?;
        if backend == Backend::Sqlite {
            sqlx::query("PRAGMA journal_mode = WAL")
                .execute(&pool)
                .await?;
        }
        Migrator::with_migrations(backend.migrations())
            .run(&pool)
            .await?;
        Ok(Store {
            pool,
            backend,
            replica: uuid::Uuid::new_v4().simple().to_string(),
            refreshing: Default::default(),
            current_orgs: Default::default(),
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Keeps a webhook delivery; false when its GUID was already recorded (a redelivery
    /// or a replay).
    /// Stores a delivery; `false` when its GUID or its exact body was received before
    /// (a replay with a fresh GUID is the same body).
    pub async fn record_delivery(&self, delivery: &NewDelivery<'_>) -> Result<bool> {
        let digest = hex::encode(Sha256::digest(delivery.payload.as_bytes()));
        let inserted = sqlx::query(
            "INSERT INTO deliveries (guid, event, action, installation_id, payload, received_at, body_digest) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
        )
        .bind(delivery.guid)
        .bind(delivery.event)
        .bind(delivery.action)
        .bind(delivery.installation_id)
        .bind(delivery.payload)
        .bind(now())
        .bind(digest)
        .execute(&self.pool)
        .await?;
        Ok(inserted.rows_affected() == 1)
    }

    /// Deliveries received and not yet turned into state and jobs, oldest first.
    pub async fn pending_deliveries(&self, limit: i64) -> Result<Vec<StoredDelivery>> {
        let rows = sqlx::query(
            "SELECT guid, event, payload, received_at FROM deliveries WHERE processed_at IS NULL \
             ORDER BY received_at, guid LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(StoredDelivery {
                    guid: row.try_get("guid")?,
                    event: row.try_get("event")?,
                    payload: row.try_get("payload")?,
                    received_at: row.try_get("received_at")?,
                })
            })
            .collect()
    }

    /// Takes up to `limit` pending deliveries for `lease_seconds`, oldest first; another
    /// replica (or this one after a crash) gets them only once the lease ran out.
    pub async fn claim_deliveries(
        &self,
        limit: i64,
        lease_seconds: i64,
    ) -> Result<Vec<StoredDelivery>> {
        let at = now();
        let rows = sqlx::query(
            "UPDATE deliveries SET claimed_until = $1 \
             WHERE guid IN (SELECT guid FROM deliveries \
                            WHERE processed_at IS NULL AND (claimed_until IS NULL OR claimed_until < $2) \
                            ORDER BY received_at, guid LIMIT $3) \
               AND processed_at IS NULL AND (claimed_until IS NULL OR claimed_until < $2) \
             RETURNING guid, event, payload, received_at",
        )
        .bind(at + lease_seconds)
        .bind(at)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        let mut claimed: Vec<(i64, StoredDelivery)> = rows
            .iter()
            .map(|row| {
                Ok((
                    row.try_get("received_at")?,
                    StoredDelivery {
                        guid: row.try_get("guid")?,
                        event: row.try_get("event")?,
                        payload: row.try_get("payload")?,
                        received_at: row.try_get("received_at")?,
                    },
                ))
            })
            .collect::<Result<_>>()?;
        claimed.sort_by(|a, b| (a.0, &a.1.guid).cmp(&(b.0, &b.1.guid)));
        Ok(claimed.into_iter().map(|(_, delivery)| delivery).collect())
    }

    pub async fn finish_delivery(&self, guid: &str, outcome: &str) -> Result<()> {
        sqlx::query("UPDATE deliveries SET processed_at = $1, outcome = $2 WHERE guid = $3")
            .bind(now())
            .bind(outcome)
            .bind(guid)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn delivery_count(&self) -> Result<i64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM deliveries")
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get("n")?)
    }

    pub async fn upsert_installation(
        &self,
        id: i64,
        account: &str,
        account_type: &str,
        state: InstallationState,
    ) -> Result<()> {
        let at = now();
        sqlx::query(
            "INSERT INTO installations (id, account, account_type, state, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $5) \
             ON CONFLICT (id) DO UPDATE SET account = $2, account_type = $3, state = $4, updated_at = $5",
        )
        .bind(id)
        .bind(account)
        .bind(account_type)
        .bind(state.as_str())
        .bind(at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The installation's state, if known.
    pub async fn installation_state(&self, id: i64) -> Result<Option<InstallationState>> {
        let row = sqlx::query("SELECT state FROM installations WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| InstallationState::parse(&row.try_get::<String, _>("state")?))
            .transpose()
    }

    pub async fn set_installation_state(&self, id: i64, state: InstallationState) -> Result<()> {
        sqlx::query("UPDATE installations SET state = $1, updated_at = $2 WHERE id = $3")
            .bind(state.as_str())
            .bind(now())
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

/// What [`Store::prune`] removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pruned {
    pub payloads: u64,
    pub sessions: u64,
    pub jobs: u64,
    /// Finished GitHub writes no pacing window reaches any more.
    pub writes: u64,
}

impl Store {
    /// Housekeeping: payloads of deliveries handled more than `keep_seconds` ago are
    /// dropped (their GUIDs stay, so a late redelivery is still recognised), expired
    /// sessions and finished jobs older than that are deleted, and so is the log of
    /// GitHub writes older than two hours.
    pub async fn prune(&self, keep_seconds: i64) -> Result<Pruned> {
        let before = now() - keep_seconds;
        let payloads = sqlx::query(
            "UPDATE deliveries SET payload = '' WHERE processed_at IS NOT NULL AND processed_at < $1 AND payload <> ''",
        )
        .bind(before)
        .execute(&self.pool)
        .await?
        .rows_affected();
        let sessions = sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
            .bind(now())
            .execute(&self.pool)
            .await?
            .rows_affected();
        let jobs = sqlx::query(
            "DELETE FROM jobs WHERE state IN ('done', 'superseded', 'failed') AND updated_at < $1",
        )
        .bind(before)
        .execute(&self.pool)
        .await?
        .rows_affected();
        // Two hours of GitHub writes: more than the longest pacing window.
        let writes = self.prune_write_log(2 * 3600 * 1000).await?;
        Ok(Pruned {
            payloads,
            sessions,
            jobs,
            writes,
        })
    }
}

/// A webhook delivery as received.
#[derive(Debug)]
pub struct NewDelivery<'a> {
    pub guid: &'a str,
    pub event: &'a str,
    pub action: Option<&'a str>,
    pub installation_id: Option<i64>,
    pub payload: &'a str,
}

#[derive(Debug, Clone)]
pub struct StoredDelivery {
    pub guid: String,
    pub event: String,
    pub payload: String,
    /// When GitHub's delivery arrived: the time of a step the payload does not date, so
    /// handling it again after a crash dates it the same.
    pub received_at: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_lose_their_password() {
        assert_eq!(
            redact_url("postgres://fullcover:s3cret@db:5432/fc"),
            "postgres://fullcover:***@db:5432/fc"
        );
        assert_eq!(redact_url("sqlite://x.db"), "sqlite://x.db");
        assert!(matches!(
            Backend::of("mysql://u:pw@h/db"),
            Err(StoreError::UnsupportedUrl(url)) if !url.contains("pw")
        ));
    }
}
