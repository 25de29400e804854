//! Repositories in an installation's scope, their scans and their onboarding pull
//! requests.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::states::{PullRequestEvent, PullRequestState, RepoState, RequirementEvent};
use super::{Result, Store, StoreError, now};

#[derive(Debug, Clone)]
pub struct RepositoryRecord {
    pub id: i64,
    pub installation_id: i64,
    pub full_name: String,
    pub default_branch: Option<String>,
    pub private: bool,
    pub state: RepoState,
    pub reason: Option<String>,
    pub head_sha: Option<String>,
    pub ref_etag: Option<String>,
    pub plan_hash: Option<String>,
}

impl RepositoryRecord {
    fn from_row(row: &AnyRow) -> Result<RepositoryRecord> {
        let state: String = row.try_get("state")?;
        let private: i64 = row.try_get("private")?;
        Ok(RepositoryRecord {
            id: row.try_get("id")?,
            installation_id: row.try_get("installation_id")?,
            full_name: row.try_get("full_name")?,
            default_branch: row.try_get("default_branch")?,
            private: private != 0,
            state: RepoState::parse(&state)?,
            reason: row.try_get("reason")?,
            head_sha: row.try_get("head_sha")?,
            ref_etag: row.try_get("ref_etag")?,
            plan_hash: row.try_get("plan_hash")?,
        })
    }
}

const REPOSITORY_COLUMNS: &str = "id, installation_id, full_name, default_branch, private, state, reason, head_sha, ref_etag, plan_hash";

#[derive(Debug, Clone)]
pub struct ScanRecord<'a> {
    pub repository_id: i64,
    pub commit_sha: &'a str,
    /// When the scan ran, in Unix seconds.
    pub at: i64,
    pub required: i64,
    pub satisfied: i64,
    /// Requirement ids still missing.
    pub missing: &'a [String],
    /// Requirement ids satisfied.
    pub satisfied_ids: &'a [String],
    /// Per category: {"sast": {"required": 2, "satisfied": 1}, ...} as JSON.
    pub categories: &'a str,
    /// The scan report (docs/scan-json.md).
    pub report: &'a str,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullRequestRecord {
    pub repository_id: i64,
    pub number: i64,
    pub state: PullRequestState,
    pub plan_hash: String,
    pub url: String,
}

/// A JSON array of requirement ids.
pub(crate) fn ids(json: &str) -> Result<Vec<String>> {
    serde_json::from_str(json).map_err(|err| StoreError::Corrupt {
        what: "requirement ids",
        detail: err.to_string(),
    })
}

/// Each requirement's change from the previous scan (`was_missing`, `was_satisfied`) to
/// this one: `appeared`, `satisfied` (first time), `broken`, `restored` (satisfied again
/// after `broke_before` says it broke).
pub fn requirement_changes<'a>(
    was_missing: &[String],
    was_satisfied: &[String],
    broke_before: impl Fn(&str) -> bool,
    missing: &'a [String],
    satisfied: &'a [String],
) -> Vec<(&'a str, RequirementEvent)> {
    let mut events: Vec<(&str, RequirementEvent)> = Vec::new();
    for id in missing.iter().chain(satisfied) {
        if !was_missing.contains(id) && !was_satisfied.contains(id) {
            events.push((id, RequirementEvent::Appeared));
        }
    }
    for id in satisfied {
        if !was_satisfied.contains(id) {
            let event = if broke_before(id) {
                RequirementEvent::Restored
            } else {
                RequirementEvent::Satisfied
            };
            events.push((id, event));
        }
    }
    for id in missing {
        if was_satisfied.contains(id) {
            events.push((id, RequirementEvent::Broken));
        }
    }
    events
}

impl Store {
    /// Records a repository as seen in the installation; a new one starts `pending`,
    /// a known one keeps its state but takes the new name and branch.
    pub async fn upsert_repository(
        &self,
        id: i64,
        installation_id: i64,
        full_name: &str,
        default_branch: Option<&str>,
        private: bool,
    ) -> Result<()> {
        let at = now();
        sqlx::query(
            "INSERT INTO repositories (id, installation_id, full_name, default_branch, private, state, entered_scope_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, 'pending', $6, $6) \
             ON CONFLICT (id) DO UPDATE SET installation_id = $2, full_name = $3, \
                 default_branch = COALESCE($4, repositories.default_branch), private = $5, updated_at = $6",
        )
        .bind(id)
        .bind(installation_id)
        .bind(full_name)
        .bind(default_branch)
        .bind(i64::from(private))
        .bind(at)
        .execute(self.pool())
        .await?;
        if let Some(record) = self.repository(id).await?
            && record.state != RepoState::Excluded
        {
            self.open_scope_spell(id, at).await?;
        }
        Ok(())
    }

    /// Opens a scope spell unless one is open.
    async fn open_scope_spell(&self, id: i64, at: i64) -> Result<()> {
        sqlx::query(
            "INSERT INTO scope_spells (repository_id, entered_at) SELECT $1, $2              WHERE NOT EXISTS (SELECT 1 FROM scope_spells WHERE repository_id = $1 AND left_at IS NULL)",
        )
        .bind(id)
        .bind(at)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    pub async fn repository(&self, id: i64) -> Result<Option<RepositoryRecord>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {REPOSITORY_COLUMNS} FROM repositories WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(RepositoryRecord::from_row).transpose()
    }

    pub async fn repositories(&self, installation_id: i64) -> Result<Vec<RepositoryRecord>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {REPOSITORY_COLUMNS} FROM repositories WHERE installation_id = $1 ORDER BY full_name"
        )))
        .bind(installation_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(RepositoryRecord::from_row).collect()
    }

    pub async fn set_repository_state(
        &self,
        id: i64,
        state: RepoState,
        reason: Option<&str>,
    ) -> Result<()> {
        let at = now();
        // Leaving scope is dated once; coming back clears it.
        sqlx::query(
            "UPDATE repositories SET state = $1, reason = $2, updated_at = $3, \
             left_scope_at = CASE WHEN $1 = 'excluded' THEN COALESCE(left_scope_at, $3) ELSE NULL END \
             WHERE id = $4",
        )
        .bind(state.as_str())
        .bind(reason)
        .bind(at)
        .bind(id)
        .execute(self.pool())
        .await?;
        // Scope as intervals: a repository that leaves and returns keeps both spells.
        if state == RepoState::Excluded {
            sqlx::query(
                "UPDATE scope_spells SET left_at = $1, reason = $2 WHERE repository_id = $3 AND left_at IS NULL",
            )
            .bind(at)
            .bind(reason)
            .bind(id)
            .execute(self.pool())
            .await?;
        } else {
            self.open_scope_spell(id, at).await?;
        }
        Ok(())
    }

    /// The default branch's head as last scanned, and the ETag that proves it unchanged.
    pub async fn set_repository_head(
        &self,
        id: i64,
        head_sha: &str,
        ref_etag: Option<&str>,
        plan_hash: Option<&str>,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE repositories SET head_sha = $1, default_head = $1, ref_etag = $2, plan_hash = $3, updated_at = $4 WHERE id = $5",
        )
        .bind(head_sha)
        .bind(ref_etag)
        .bind(plan_hash)
        .bind(now())
        .bind(id)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// The default branch's newest commit, as a push announced it.
    /// Repositories of `org` waiting for their onboarding pull request: in scope and not
    /// yet through a scan that opened one, found nothing to add or took them out.
    pub async fn onboarding_queue_length(&self, org: &str) -> Result<u64> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS waiting FROM repositories r JOIN installations i ON i.id = r.installation_id \
             WHERE LOWER(i.account) = LOWER($1) AND r.state = 'pending'",
        )
        .bind(org)
        .fetch_one(self.pool())
        .await?;
        let waiting: i64 = row.try_get("waiting")?;
        Ok(u64::try_from(waiting).unwrap_or(0))
    }

    /// When the repository was last pushed to, as GitHub's listing says (Unix seconds):
    /// its scans' priority. Unknown (`None`) keeps what the App knew.
    pub async fn set_pushed_at(&self, id: i64, pushed_at: Option<i64>) -> Result<()> {
        sqlx::query("UPDATE repositories SET pushed_at = COALESCE($1, pushed_at) WHERE id = $2")
            .bind(pushed_at)
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// The default branch moved (a push): its new head, and the repository was active now.
    pub async fn set_default_head(&self, id: i64, sha: &str) -> Result<()> {
        sqlx::query("UPDATE repositories SET default_head = $1, pushed_at = $3 WHERE id = $2")
            .bind(sha)
            .bind(id)
            .bind(now())
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// The default branch's newest commit the App knows of.
    pub async fn default_head(&self, id: i64) -> Result<Option<String>> {
        let row = sqlx::query("SELECT default_head FROM repositories WHERE id = $1")
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        Ok(row
            .map(|row| row.try_get("default_head"))
            .transpose()?
            .flatten())
    }

    /// When the repository entered scope (installation, creation): imports and seeded
    /// histories set it; the App records it when it first sees the repository.
    pub async fn set_entered_scope_at(&self, id: i64, at: i64) -> Result<()> {
        sqlx::query("UPDATE repositories SET entered_scope_at = $1 WHERE id = $2")
            .bind(at)
            .bind(id)
            .execute(self.pool())
            .await?;
        sqlx::query(
            "UPDATE scope_spells SET entered_at = $1 WHERE repository_id = $2 \
             AND entered_at = (SELECT MIN(entered_at) FROM scope_spells WHERE repository_id = $2)",
        )
        .bind(at)
        .bind(id)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// When the repository left scope (imports and seeded histories).
    pub async fn set_left_scope_at(&self, id: i64, at: i64) -> Result<()> {
        sqlx::query("UPDATE repositories SET left_scope_at = $1 WHERE id = $2")
            .bind(at)
            .bind(id)
            .execute(self.pool())
            .await?;
        sqlx::query(
            "UPDATE scope_spells SET left_at = $1 WHERE repository_id = $2 \
             AND entered_at = (SELECT MAX(entered_at) FROM scope_spells WHERE repository_id = $2)",
        )
        .bind(at)
        .bind(id)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Moves every repository of the installation under the account's new login.
    pub async fn rename_account_repositories(
        &self,
        installation_id: i64,
        login: &str,
    ) -> Result<()> {
        for repository in self.repositories(installation_id).await? {
            let name = repository
                .full_name
                .split_once('/')
                .map_or(repository.full_name.as_str(), |(_, name)| name);
            self.rename_repository(repository.id, &format!("{login}/{name}"))
                .await?;
        }
        Ok(())
    }

    /// The commits the App put on the repository's onboarding branch, oldest first.
    pub async fn onboarding_commits(&self, id: i64) -> Result<Vec<String>> {
        let row = sqlx::query("SELECT onboarding_commits FROM repositories WHERE id = $1")
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        match row {
            Some(row) => ids(&row.try_get::<String, _>("onboarding_commits")?),
            None => Ok(Vec::new()),
        }
    }

    /// Notes a commit the App is about to put on the onboarding branch (before the
    /// branch moves, so a crash in between still recognises the branch as the App's).
    pub async fn add_onboarding_commit(&self, id: i64, sha: &str) -> Result<()> {
        const KEPT: usize = 20;
        let mut commits = self.onboarding_commits(id).await?;
        commits.retain(|known| known != sha);
        commits.push(sha.to_owned());
        let skip = commits.len().saturating_sub(KEPT);
        let kept: Vec<String> = commits.into_iter().skip(skip).collect();
        sqlx::query("UPDATE repositories SET onboarding_commits = $1 WHERE id = $2")
            .bind(
                serde_json::to_string(&kept).map_err(|err| StoreError::Corrupt {
                    what: "onboarding commits",
                    detail: err.to_string(),
                })?,
            )
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Public or private, as GitHub says now: badges and public pages follow it.
    pub async fn set_repository_private(&self, id: i64, private: bool) -> Result<()> {
        sqlx::query("UPDATE repositories SET private = $1, updated_at = $2 WHERE id = $3")
            .bind(i64::from(private))
            .bind(now())
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    pub async fn rename_repository(&self, id: i64, full_name: &str) -> Result<()> {
        sqlx::query("UPDATE repositories SET full_name = $1, updated_at = $2 WHERE id = $3")
            .bind(full_name)
            .bind(now())
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Records a scan, and each requirement's change since the previous scan:
    /// `appeared`, `satisfied` (first time), `broken`, `restored`; both in one
    /// transaction. The same result for the same commit again (a retried job) is not
    /// recorded twice.
    pub async fn record_scan(&self, scan: &ScanRecord<'_>) -> Result<()> {
        let encode = |ids: &[String]| {
            serde_json::to_string(ids).map_err(|err| StoreError::Corrupt {
                what: "scan",
                detail: err.to_string(),
            })
        };
        let previous = self.latest_scan_ids(scan.repository_id).await?;
        if let Some((commit, missing, satisfied)) = &previous
            && commit == scan.commit_sha
            && missing == scan.missing
            && satisfied == scan.satisfied_ids
        {
            return Ok(());
        }
        let history = self.requirement_history(scan.repository_id).await?;
        let mut tx = self.pool().begin().await?;
        sqlx::query(
            "INSERT INTO scans (repository_id, commit_sha, scanned_at, required, satisfied, missing, report, satisfied_ids, categories, reliance) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(scan.repository_id)
        .bind(scan.commit_sha)
        .bind(scan.at)
        .bind(scan.required)
        .bind(scan.satisfied)
        .bind(encode(scan.missing)?)
        .bind(scan.report)
        .bind(encode(scan.satisfied_ids)?)
        .bind(scan.categories)
        .bind(
            serde_json::to_string(&super::history::reliance_of(scan.report)).map_err(|err| {
                StoreError::Corrupt {
                    what: "scan reliance",
                    detail: err.to_string(),
                }
            })?,
        )
        .execute(&mut *tx)
        .await?;
        let (was_missing, was_satisfied) = previous
            .map(|(_, missing, satisfied)| (missing, satisfied))
            .unwrap_or_default();
        let events = requirement_changes(
            &was_missing,
            &was_satisfied,
            |id| {
                history
                    .iter()
                    .any(|(r, e)| r == id && *e == RequirementEvent::Broken)
            },
            scan.missing,
            scan.satisfied_ids,
        );
        for (requirement, event) in events {
            sqlx::query(
                "INSERT INTO requirement_events (repository_id, requirement, event, at) VALUES ($1, $2, $3, $4)",
            )
            .bind(scan.repository_id)
            .bind(requirement)
            .bind(event.as_str())
            .bind(scan.at)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The latest scan's commit and (missing, satisfied) requirement ids.
    async fn latest_scan_ids(
        &self,
        repository_id: i64,
    ) -> Result<Option<(String, Vec<String>, Vec<String>)>> {
        let row = sqlx::query(
            "SELECT commit_sha, missing, satisfied_ids FROM scans WHERE repository_id = $1 ORDER BY scanned_at DESC, id DESC LIMIT 1",
        )
        .bind(repository_id)
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else { return Ok(None) };
        let missing: String = row.try_get("missing")?;
        let satisfied: String = row.try_get("satisfied_ids")?;
        Ok(Some((
            row.try_get("commit_sha")?,
            ids(&missing)?,
            ids(&satisfied)?,
        )))
    }

    /// A repository's requirement events, oldest first: (requirement, event).
    pub async fn requirement_history(
        &self,
        repository_id: i64,
    ) -> Result<Vec<(String, RequirementEvent)>> {
        let rows = sqlx::query(
            "SELECT requirement, event FROM requirement_events WHERE repository_id = $1 ORDER BY at, id",
        )
        .bind(repository_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                let event = RequirementEvent::parse(&row.try_get::<String, _>("event")?)?;
                Ok((row.try_get("requirement")?, event))
            })
            .collect()
    }

    pub async fn scan_count(&self, repository_id: i64) -> Result<i64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM scans WHERE repository_id = $1")
            .bind(repository_id)
            .fetch_one(self.pool())
            .await?;
        Ok(row.try_get("n")?)
    }

    /// The requirement ids the latest scan found missing.
    pub async fn latest_missing(&self, repository_id: i64) -> Result<Option<Vec<String>>> {
        let row = sqlx::query(
            "SELECT missing FROM scans WHERE repository_id = $1 ORDER BY scanned_at DESC, id DESC LIMIT 1",
        )
        .bind(repository_id)
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else { return Ok(None) };
        let missing: String = row.try_get("missing")?;
        ids(&missing).map(Some)
    }

    /// The report (docs/scan-json.md) of the latest scan.
    pub async fn latest_report(&self, repository_id: i64) -> Result<Option<String>> {
        let row = sqlx::query(
            "SELECT report FROM scans WHERE repository_id = $1 ORDER BY scanned_at DESC, id DESC LIMIT 1",
        )
        .bind(repository_id)
        .fetch_optional(self.pool())
        .await?;
        row.map(|row| Ok(row.try_get("report")?)).transpose()
    }

    /// Records a pull request's current state, and an event when it changed.
    pub async fn upsert_pull_request(
        &self,
        pr: &PullRequestRecord,
        event: PullRequestEvent,
    ) -> Result<()> {
        self.upsert_pull_request_at(pr, event, now()).await
    }

    /// As [`Store::upsert_pull_request`], at a given time (imports and seeded histories).
    pub async fn upsert_pull_request_at(
        &self,
        pr: &PullRequestRecord,
        event: PullRequestEvent,
        at: i64,
    ) -> Result<()> {
        let merged_at = (pr.state == PullRequestState::Merged).then_some(at);
        let closed_at = (pr.state != PullRequestState::Open).then_some(at);
        let previous: Option<(String, String)> = sqlx::query(
            "SELECT state, plan_hash FROM pull_requests WHERE repository_id = $1 AND number = $2",
        )
        .bind(pr.repository_id)
        .bind(pr.number)
        .fetch_optional(self.pool())
        .await?
        .map(|row| Ok::<_, StoreError>((row.try_get("state")?, row.try_get("plan_hash")?)))
        .transpose()?;
        sqlx::query(
            "INSERT INTO pull_requests (repository_id, number, state, plan_hash, url, opened_at, updated_at, merged_at, closed_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8) \
             ON CONFLICT (repository_id, number) DO UPDATE SET state = $3, plan_hash = $4, url = $5, updated_at = $6, \
                 merged_at = COALESCE(pull_requests.merged_at, $7), closed_at = COALESCE(pull_requests.closed_at, $8)",
        )
        .bind(pr.repository_id)
        .bind(pr.number)
        .bind(pr.state.as_str())
        .bind(&pr.plan_hash)
        .bind(&pr.url)
        .bind(at)
        .bind(merged_at)
        .bind(closed_at)
        .execute(self.pool())
        .await?;
        // A delivery handled twice records its event once.
        let changed = previous.as_ref().is_none_or(|(state, hash)| {
            *state != pr.state.as_str()
                || (event == PullRequestEvent::Updated && *hash != pr.plan_hash)
        });
        if !changed {
            return Ok(());
        }
        sqlx::query(
            "INSERT INTO pull_request_events (repository_id, number, event, at) VALUES ($1, $2, $3, $4)",
        )
        .bind(pr.repository_id)
        .bind(pr.number)
        .bind(event.as_str())
        .bind(at)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// The latest onboarding pull request of a repository.
    pub async fn pull_request(&self, repository_id: i64) -> Result<Option<PullRequestRecord>> {
        let row = sqlx::query(
            "SELECT repository_id, number, state, plan_hash, url FROM pull_requests \
             WHERE repository_id = $1 ORDER BY number DESC LIMIT 1",
        )
        .bind(repository_id)
        .fetch_optional(self.pool())
        .await?;
        row.map(|row| {
            Ok(PullRequestRecord {
                repository_id: row.try_get("repository_id")?,
                number: row.try_get("number")?,
                state: PullRequestState::parse(&row.try_get::<String, _>("state")?)?,
                plan_hash: row.try_get("plan_hash")?,
                url: row.try_get("url")?,
            })
        })
        .transpose()
    }

    /// The ETag of the repository's record at its last scan.
    pub async fn repository_etag(&self, id: i64) -> Result<Option<String>> {
        let row = sqlx::query("SELECT repo_etag FROM repositories WHERE id = $1")
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        Ok(match row {
            Some(row) => row.try_get("repo_etag")?,
            None => None,
        })
    }

    pub async fn set_repository_etag(&self, id: i64, etag: Option<&str>) -> Result<()> {
        sqlx::query("UPDATE repositories SET repo_etag = $2 WHERE id = $1")
            .bind(id)
            .bind(etag)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// GitHub's `updated_at` of the newest event applied to a pull request.
    pub async fn pull_request_event_time(
        &self,
        repository_id: i64,
        number: i64,
    ) -> Result<Option<i64>> {
        let row = sqlx::query(
            "SELECT event_updated_at FROM pull_requests WHERE repository_id = $1 AND number = $2",
        )
        .bind(repository_id)
        .bind(number)
        .fetch_optional(self.pool())
        .await?;
        Ok(match row {
            Some(row) => row.try_get("event_updated_at")?,
            None => None,
        })
    }

    /// Notes an applied event's `updated_at`; an older one never replaces a newer.
    pub async fn note_pull_request_event_time(
        &self,
        repository_id: i64,
        number: i64,
        at: i64,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE pull_requests SET event_updated_at = $3 WHERE repository_id = $1 AND number = $2 \
             AND (event_updated_at IS NULL OR event_updated_at < $3)",
        )
        .bind(repository_id)
        .bind(number)
        .bind(at)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Pull-request events of a repository, oldest first: (number, event).
    pub async fn pull_request_events(&self, repository_id: i64) -> Result<Vec<(i64, String)>> {
        let rows = sqlx::query(
            "SELECT number, event FROM pull_request_events WHERE repository_id = $1 ORDER BY id",
        )
        .bind(repository_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| Ok((row.try_get("number")?, row.try_get("event")?)))
            .collect()
    }
}
