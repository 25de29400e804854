//! The security record: findings (GitHub alerts) and their append-only lifecycle, scope
//! spells, merged pull requests, the checks on every commit, and what each installation
//! granted. Writes are idempotent: the same lifecycle step at the same time is stored
//! once, whichever source reports it; rows are never pruned.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use futures_util::TryStreamExt;

use fullcover_core::metrics::security::{
    ChecksAtMerge, CloseReason, Family, Finding, LifecycleEvent, LifecycleKind, MergedPullRequest,
    PullRequestAlert, ScopeSpell, SecurityPolicy, SecurityRecord, Severity,
};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::states::InstallationState;
use super::{Result, Store, StoreError, now};

/// A finding as an alert describes it now (the lifecycle comes apart, as events).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FindingRecord {
    pub repository_id: i64,
    pub family: Family,
    pub number: i64,
    pub severity: Severity,
    /// GitHub's state word (`open`, `fixed`, `dismissed`, `resolved`, `auto_dismissed`).
    pub state: String,
    pub created_at: i64,
    pub default_branch_at: Option<i64>,
    pub introduced_at: Option<i64>,
    pub introduced_commit: Option<String>,
    pub advisory_published_at: Option<i64>,
    /// Raised on this pull request (not yet on the default branch).
    pub pull_request: Option<i64>,
    pub partial_history: bool,
}

fn corrupt(what: &'static str, detail: impl Into<String>) -> StoreError {
    StoreError::Corrupt {
        what,
        detail: detail.into(),
    }
}

fn family(text: &str) -> Result<Family> {
    Family::ALL
        .into_iter()
        .find(|family| family.as_str() == text)
        .ok_or_else(|| corrupt("finding family", text))
}

fn severity(text: &str) -> Result<Severity> {
    Severity::ALL
        .into_iter()
        .find(|severity| severity.as_str() == text)
        .ok_or_else(|| corrupt("finding severity", text))
}

/// The stored spelling of a lifecycle step: (kind, reason, by_user).
fn kind_columns(kind: LifecycleKind) -> (&'static str, Option<String>, bool) {
    match kind {
        LifecycleKind::Created => ("created", None, false),
        LifecycleKind::AppearedOnDefaultBranch => ("appeared_on_default_branch", None, false),
        LifecycleKind::Fixed => ("fixed", None, false),
        LifecycleKind::Dismissed { reason } => (
            "dismissed",
            serde_json::to_value(reason)
                .ok()
                .and_then(|value| value.as_str().map(str::to_owned)),
            false,
        ),
        LifecycleKind::AutoDismissed => ("auto_dismissed", None, false),
        LifecycleKind::Reopened { by_user } => ("reopened", None, by_user),
        LifecycleKind::AutoReopened => ("auto_reopened", None, false),
        LifecycleKind::Reintroduced => ("reintroduced", None, false),
    }
}

fn kind_from_columns(kind: &str, reason: Option<&str>, by_user: bool) -> Result<LifecycleKind> {
    Ok(match kind {
        "created" => LifecycleKind::Created,
        "appeared_on_default_branch" => LifecycleKind::AppearedOnDefaultBranch,
        "fixed" => LifecycleKind::Fixed,
        "dismissed" => {
            let reason = reason
                .and_then(CloseReason::from_github)
                .ok_or_else(|| corrupt("dismissal reason", reason.unwrap_or_default()))?;
            LifecycleKind::Dismissed { reason }
        }
        "auto_dismissed" => LifecycleKind::AutoDismissed,
        "reopened" => LifecycleKind::Reopened { by_user },
        "auto_reopened" => LifecycleKind::AutoReopened,
        "reintroduced" => LifecycleKind::Reintroduced,
        other => return Err(corrupt("finding event", other)),
    })
}

fn checks_name(checks: ChecksAtMerge) -> &'static str {
    match checks {
        ChecksAtMerge::Passed => "passed",
        ChecksAtMerge::Failed => "failed",
        ChecksAtMerge::Missing => "missing",
    }
}

fn checks_from(text: &str) -> Result<ChecksAtMerge> {
    match text {
        "passed" => Ok(ChecksAtMerge::Passed),
        "failed" => Ok(ChecksAtMerge::Failed),
        "missing" => Ok(ChecksAtMerge::Missing),
        other => Err(corrupt("checks at merge", other)),
    }
}

impl Store {
    /// Records what an alert says now. The first known creation and the first arrival
    /// on the default branch are kept; severity and state follow the alert.
    pub async fn upsert_finding(&self, finding: &FindingRecord) -> Result<()> {
        sqlx::query(
            "INSERT INTO findings (repository_id, family, number, severity, state, created_at, default_branch_at, \
                 introduced_at, introduced_commit, advisory_published_at, pull_request, partial_history, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
             ON CONFLICT (repository_id, family, number) DO UPDATE SET severity = $4, state = $5, \
                 created_at = CASE WHEN findings.created_at < $6 THEN findings.created_at ELSE $6 END, \
                 default_branch_at = COALESCE(findings.default_branch_at, $7), \
                 introduced_at = COALESCE(findings.introduced_at, $8), \
                 introduced_commit = COALESCE(findings.introduced_commit, $9), \
                 advisory_published_at = COALESCE($10, findings.advisory_published_at), \
                 pull_request = COALESCE(findings.pull_request, $11), \
                 partial_history = CASE WHEN findings.partial_history = 0 THEN 0 ELSE $12 END, \
                 updated_at = $13",
        )
        .bind(finding.repository_id)
        .bind(finding.family.as_str())
        .bind(finding.number)
        .bind(finding.severity.as_str())
        .bind(&finding.state)
        .bind(finding.created_at)
        .bind(finding.default_branch_at)
        .bind(finding.introduced_at)
        .bind(finding.introduced_commit.as_deref())
        .bind(finding.advisory_published_at)
        .bind(finding.pull_request)
        .bind(i64::from(finding.partial_history))
        .bind(now())
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Appends one lifecycle step; `false` when it was already on record.
    pub async fn record_finding_event(
        &self,
        repository_id: i64,
        family: Family,
        number: i64,
        event: LifecycleEvent,
        delivery_guid: Option<&str>,
    ) -> Result<bool> {
        let (kind, reason, by_user) = kind_columns(event.kind);
        let done = sqlx::query(
            "INSERT INTO finding_events (repository_id, family, number, kind, reason, by_user, at, delivery_guid) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (repository_id, family, number, kind, at) DO NOTHING",
        )
        .bind(repository_id)
        .bind(family.as_str())
        .bind(number)
        .bind(kind)
        .bind(reason)
        .bind(i64::from(by_user))
        .bind(event.at)
        .bind(delivery_guid)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Records a merge once (a redelivered `pull_request` event changes nothing).
    pub async fn record_merged_pull_request(&self, pull: &MergedPullRequest) -> Result<bool> {
        let commits = serde_json::to_string(&pull.commits)
            .map_err(|err| corrupt("commits", err.to_string()))?;
        let done = sqlx::query(
            "INSERT INTO merged_pull_requests (repository_id, number, head_sha, merge_commit_sha, commits, merged_at, \
                 covered_at_merge, checks_at_merge) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (repository_id, number) DO NOTHING",
        )
        .bind(pull.repository)
        .bind(pull.number)
        .bind(&pull.head_sha)
        .bind(pull.merge_commit_sha.as_deref())
        .bind(commits)
        .bind(pull.merged_at)
        .bind(i64::from(pull.covered_at_merge))
        .bind(checks_name(pull.checks_at_merge))
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Merged pull requests of a repository whose commits were not read yet, oldest
    /// merge first, at most `limit`.
    pub async fn pulls_awaiting_commits(&self, repository: i64, limit: usize) -> Result<Vec<i64>> {
        let rows = sqlx::query(
            "SELECT number FROM merged_pull_requests WHERE repository_id = $1 AND commits_read = 0 \
             ORDER BY merged_at, number LIMIT $2",
        )
        .bind(repository)
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(|row| Ok(row.try_get("number")?)).collect()
    }

    /// Adds the commits GitHub lists for a merged pull request to those on record and
    /// marks them read.
    pub async fn add_pull_commits(
        &self,
        repository: i64,
        number: i64,
        commits: &[String],
    ) -> Result<()> {
        let row = sqlx::query(
            "SELECT commits FROM merged_pull_requests WHERE repository_id = $1 AND number = $2",
        )
        .bind(repository)
        .bind(number)
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else { return Ok(()) };
        let mut known: Vec<String> = serde_json::from_str(&row.try_get::<String, _>("commits")?)
            .map_err(|err| corrupt("commits", err.to_string()))?;
        for commit in commits {
            if !known.contains(commit) {
                known.push(commit.clone());
            }
        }
        let text =
            serde_json::to_string(&known).map_err(|err| corrupt("commits", err.to_string()))?;
        sqlx::query(
            "UPDATE merged_pull_requests SET commits = $1, commits_read = 1 \
             WHERE repository_id = $2 AND number = $3",
        )
        .bind(text)
        .bind(repository)
        .bind(number)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Secret-scanning findings of a repository whose commit (the one that brought the
    /// secret in) is known but not its time, at most `limit`: `(number, commit)`.
    pub async fn secrets_awaiting_introduction(
        &self,
        repository: i64,
        limit: usize,
    ) -> Result<Vec<(i64, String)>> {
        let rows = sqlx::query(
            "SELECT number, introduced_commit FROM findings WHERE repository_id = $1 AND family = $2 \
             AND introduced_commit IS NOT NULL AND introduced_at IS NULL ORDER BY number LIMIT $3",
        )
        .bind(repository)
        .bind(Family::SecretScanning.as_str())
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| Ok((row.try_get("number")?, row.try_get("introduced_commit")?)))
            .collect()
    }

    /// Sets when a finding was introduced, once (a time on record is kept).
    pub async fn set_introduced_at(
        &self,
        repository: i64,
        family: Family,
        number: i64,
        at: i64,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE findings SET introduced_at = $1 WHERE repository_id = $2 AND family = $3 \
             AND number = $4 AND introduced_at IS NULL",
        )
        .bind(at)
        .bind(repository)
        .bind(family.as_str())
        .bind(number)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Records a completed check run on any commit (the latest completion wins).
    pub async fn record_commit_check(
        &self,
        repository_id: i64,
        head_sha: &str,
        name: &str,
        conclusion: &str,
        completed_at: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO commit_checks (repository_id, head_sha, name, conclusion, completed_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (repository_id, head_sha, name) DO UPDATE \
             SET conclusion = CASE WHEN commit_checks.completed_at <= $5 THEN $4 ELSE commit_checks.conclusion END, \
                 completed_at = CASE WHEN commit_checks.completed_at <= $5 THEN $5 ELSE commit_checks.completed_at END",
        )
        .bind(repository_id)
        .bind(head_sha)
        .bind(name)
        .bind(conclusion)
        .bind(completed_at)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// The check runs completed on a commit by `at`: (name, conclusion).
    pub async fn commit_checks(
        &self,
        repository_id: i64,
        head_sha: &str,
        at: i64,
    ) -> Result<Vec<(String, String)>> {
        let rows = sqlx::query(
            "SELECT name, conclusion FROM commit_checks \
             WHERE repository_id = $1 AND head_sha = $2 AND completed_at <= $3 ORDER BY name",
        )
        .bind(repository_id)
        .bind(head_sha)
        .bind(at)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| Ok((row.try_get("name")?, row.try_get("conclusion")?)))
            .collect()
    }

    /// What an installation granted, as GitHub lists it (`{"vulnerability_alerts": "read"}`).
    pub async fn set_installation_permissions(
        &self,
        installation: i64,
        permissions: &BTreeMap<String, String>,
    ) -> Result<()> {
        let text = serde_json::to_string(permissions)
            .map_err(|err| corrupt("installation permissions", err.to_string()))?;
        sqlx::query(
            "INSERT INTO installation_permissions (installation_id, permissions, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (installation_id) DO UPDATE SET permissions = $2, updated_at = $3",
        )
        .bind(installation)
        .bind(text)
        .bind(now())
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Notes what reading a family's alerts showed: granted, or refused for lack of
    /// `permission` (existing installations learn it this way).
    pub async fn note_permission(
        &self,
        installation: i64,
        permission: &str,
        granted: bool,
    ) -> Result<()> {
        let row = sqlx::query(
            "SELECT permissions FROM installation_permissions WHERE installation_id = $1",
        )
        .bind(installation)
        .fetch_optional(self.pool())
        .await?;
        let mut permissions: BTreeMap<String, String> = match row {
            Some(row) => serde_json::from_str(&row.try_get::<String, _>("permissions")?)
                .map_err(|err| corrupt("installation permissions", err.to_string()))?,
            None => BTreeMap::new(),
        };
        if granted {
            permissions
                .entry(permission.to_owned())
                .or_insert_with(|| "read".to_owned());
        } else {
            permissions.remove(permission);
        }
        self.set_installation_permissions(installation, &permissions)
            .await
    }

    /// When the last complete reading of an installation's alerts of one family began.
    pub async fn alerts_read_from(&self, installation: i64, family: &str) -> Result<Option<i64>> {
        let row = sqlx::query(
            "SELECT read_from FROM alert_reads WHERE installation_id = $1 AND family = $2",
        )
        .bind(installation)
        .bind(family)
        .fetch_optional(self.pool())
        .await?;
        Ok(match row {
            Some(row) => Some(row.try_get("read_from")?),
            None => None,
        })
    }

    /// Notes that a reading of a family's alerts that began at `read_from` went through
    /// every alert updated since the previous one.
    pub async fn note_alerts_read(
        &self,
        installation: i64,
        family: &str,
        read_from: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO alert_reads (installation_id, family, read_from) VALUES ($1, $2, $3) \
             ON CONFLICT (installation_id, family) DO UPDATE SET read_from = $3",
        )
        .bind(installation)
        .bind(family)
        .bind(read_from)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Installations GitHub lets the App act for.
    pub async fn active_installations(&self) -> Result<Vec<i64>> {
        let rows = sqlx::query("SELECT id FROM installations WHERE state = $1 ORDER BY id")
            .bind(InstallationState::Active.as_str())
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(|row| Ok(row.try_get("id")?)).collect()
    }

    /// The account and its type (`Organization`, `User`) of an installation.
    pub async fn installation_account(
        &self,
        installation: i64,
    ) -> Result<Option<(String, String)>> {
        let row = sqlx::query("SELECT account, account_type FROM installations WHERE id = $1")
            .bind(installation)
            .fetch_optional(self.pool())
            .await?;
        row.map(|row| Ok((row.try_get("account")?, row.try_get("account_type")?)))
            .transpose()
    }

    /// The organisation's security policy, as its `.github` repository configures it.
    pub async fn set_org_security_policy(&self, org: &str, policy: &SecurityPolicy) -> Result<()> {
        let text = serde_json::to_string(policy)
            .map_err(|err| corrupt("security policy", err.to_string()))?;
        sqlx::query(
            "INSERT INTO org_settings (org, public, updated_at, security_policy) VALUES ($1, 0, $2, $3) \
             ON CONFLICT (org) DO UPDATE SET security_policy = $3, updated_at = $2",
        )
        .bind(org.to_ascii_lowercase())
        .bind(now())
        .bind(text)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// The organisation's security policy; the default when it configured none.
    pub async fn org_security_policy(&self, org: &str) -> Result<SecurityPolicy> {
        let row = sqlx::query("SELECT security_policy FROM org_settings WHERE org = $1")
            .bind(org.to_ascii_lowercase())
            .fetch_optional(self.pool())
            .await?;
        match row
            .map(|row| row.try_get::<Option<String>, _>("security_policy"))
            .transpose()?
            .flatten()
        {
            Some(text) => serde_json::from_str(&text)
                .map_err(|err| corrupt("security policy", err.to_string())),
            None => Ok(SecurityPolicy::default()),
        }
    }

    /// The id of `org`'s repository `name`, if on record.
    pub async fn repository_id(&self, org: &str, name: &str) -> Result<Option<i64>> {
        let row = sqlx::query(
            "SELECT r.id FROM repositories r JOIN installations i ON i.id = r.installation_id \
             WHERE LOWER(i.account) = LOWER($1) AND LOWER(r.full_name) = LOWER($2)",
        )
        .bind(org)
        .bind(format!("{org}/{name}"))
        .fetch_optional(self.pool())
        .await?;
        row.map(|row| Ok(row.try_get("id")?)).transpose()
    }

    /// `org`'s repositories on record by id: (name without the owner, private).
    pub async fn repository_names(&self, org: &str) -> Result<BTreeMap<i64, (String, bool)>> {
        let rows = sqlx::query(
            "SELECT r.id, r.full_name, r.private FROM repositories r \
             JOIN installations i ON i.id = r.installation_id WHERE LOWER(i.account) = LOWER($1)",
        )
        .bind(org.to_owned())
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(name_row).collect()
    }

    /// The names (without the owner) and visibility of those of `ids` that are
    /// `org`'s repositories, in queries of at most 500 ids.
    pub async fn repository_names_by_id(
        &self,
        org: &str,
        ids: &BTreeSet<i64>,
    ) -> Result<BTreeMap<i64, (String, bool)>> {
        let mut names = BTreeMap::new();
        let ids: Vec<i64> = ids.iter().copied().collect();
        for chunk in ids.chunks(500) {
            let placeholders: Vec<String> = (2..chunk.len() + 2).map(|n| format!("${n}")).collect();
            let mut query = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT r.id, r.full_name, r.private FROM repositories r \
                 JOIN installations i ON i.id = r.installation_id \
                 WHERE LOWER(i.account) = LOWER($1) AND r.id IN ({})",
                placeholders.join(", ")
            )))
            .bind(org.to_owned());
            for id in chunk {
                query = query.bind(*id);
            }
            for row in query.fetch_all(self.pool()).await? {
                let (id, name) = name_row(&row)?;
                names.insert(id, name);
            }
        }
        Ok(names)
    }

    /// The permissions of the installation of `org`; `None` when never recorded.
    pub async fn org_permissions(&self, org: &str) -> Result<Option<BTreeMap<String, String>>> {
        let row = sqlx::query(
            "SELECT p.permissions FROM installation_permissions p JOIN installations i ON i.id = p.installation_id \
             WHERE LOWER(i.account) = LOWER($1) ORDER BY p.updated_at DESC LIMIT 1",
        )
        .bind(org)
        .fetch_optional(self.pool())
        .await?;
        row.map(|row| {
            let text: String = row.try_get("permissions")?;
            serde_json::from_str(&text)
                .map_err(|err| corrupt("installation permissions", err.to_string()))
        })
        .transpose()
    }

    /// Everything the security metrics of `org` read, optionally for one repository.
    /// Four queries whatever the number of repositories.
    pub async fn security_record(
        &self,
        org: &str,
        repository: Option<i64>,
    ) -> Result<SecurityRecord> {
        self.security_record_of(org, repository, false).await
    }

    /// As [`Store::security_record`]; with `public_only`, of the public repositories
    /// only (the public status page). Rows are streamed into the record one at a time,
    /// never held all at once: an organisation's record is the largest thing a read
    /// loads.
    pub async fn security_record_of(
        &self,
        org: &str,
        repository: Option<i64>,
        public_only: bool,
    ) -> Result<SecurityRecord> {
        // Two texts, not `($2 IS NULL OR …)`: with that, neither SQLite nor PostgreSQL
        // uses the repository's index, and one repository's page read the whole
        // organisation's findings (17 ms of 57,000 on SQLite).
        let filter = match repository {
            Some(_) => "AND ($2 = 0 OR r.private = 0) AND t.repository_id = $3",
            None => "AND ($2 = 0 OR r.private = 0)",
        };
        let scoped = |columns: &str, table: &str| {
            format!(
                "SELECT {columns} FROM {table} t JOIN repositories r ON r.id = t.repository_id \
                 JOIN installations i ON i.id = r.installation_id \
                 WHERE LOWER(i.account) = LOWER($1) {filter}"
            )
        };
        let fetch = |sql: String| {
            let query = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(org.to_owned())
                .bind(i64::from(public_only));
            match repository {
                Some(id) => query.bind(id),
                None => query,
            }
            .fetch(self.pool())
        };

        let mut events: HashMap<(i64, Family, i64), Vec<LifecycleEvent>> = HashMap::new();
        let mut rows = fetch(format!(
            "{} ORDER BY t.at, t.id",
            scoped(
                "t.repository_id, t.family, t.number, t.kind, t.reason, t.by_user, t.at",
                "finding_events"
            )
        ));
        while let Some(row) = rows.try_next().await? {
            let key = (
                row.try_get("repository_id")?,
                family(&row.try_get::<String, _>("family")?)?,
                row.try_get("number")?,
            );
            let reason: Option<String> = row.try_get("reason")?;
            let kind = kind_from_columns(
                &row.try_get::<String, _>("kind")?,
                reason.as_deref(),
                row.try_get::<i64, _>("by_user")? != 0,
            )?;
            events.entry(key).or_default().push(LifecycleEvent {
                at: row.try_get("at")?,
                kind,
            });
        }
        drop(rows);

        let mut findings = Vec::new();
        let mut pull_request_alerts = Vec::new();
        let mut rows = fetch(scoped(
            "t.repository_id, t.family, t.number, t.severity, t.created_at, \
             t.default_branch_at, t.introduced_at, t.introduced_commit, \
             t.advisory_published_at, t.partial_history, t.pull_request",
            "findings",
        ));
        while let Some(row) = rows.try_next().await? {
            let found = finding(&row, &mut events)?;
            // Raised on a pull request: also an alert of that pull request (M5, M6).
            if let Some(pull_request) = row.try_get::<Option<i64>, _>("pull_request")? {
                pull_request_alerts.push(pull_request_alert(&found, pull_request));
            }
            findings.push(found);
        }
        drop(rows);
        drop(events);
        findings.sort_by_key(|f| (f.repository, f.family, f.number));
        findings.shrink_to_fit();

        // A repository's alerts from before the App first saw it (read by backfill) are
        // its history too: its first spell reaches back to the beginning. Later spells,
        // after it left and came back, keep their dates.
        let mut seen = HashSet::new();
        let mut scope = Vec::new();
        let mut rows = fetch(format!(
            "{} ORDER BY t.entered_at, t.id",
            scoped(
                "t.repository_id, t.entered_at, t.left_at, t.reason",
                "scope_spells"
            )
        ));
        while let Some(row) = rows.try_next().await? {
            let repository: i64 = row.try_get("repository_id")?;
            let entered: i64 = row.try_get("entered_at")?;
            scope.push(ScopeSpell {
                repository,
                entered: if seen.insert(repository) { 0 } else { entered },
                left: row.try_get("left_at")?,
                reason: row.try_get("reason")?,
            });
        }
        drop(rows);

        let mut merged_pull_requests = Vec::new();
        let mut rows = fetch(scoped(
            "t.repository_id, t.number, t.head_sha, t.merge_commit_sha, t.commits, \
             t.merged_at, t.covered_at_merge, t.checks_at_merge",
            "merged_pull_requests",
        ));
        while let Some(row) = rows.try_next().await? {
            merged_pull_requests.push(merged(&row)?);
        }
        drop(rows);
        Ok(SecurityRecord {
            findings,
            scope,
            merged_pull_requests,
            pull_request_alerts,
        })
    }
}

fn finding(
    row: &AnyRow,
    events: &mut HashMap<(i64, Family, i64), Vec<LifecycleEvent>>,
) -> Result<Finding> {
    let repository: i64 = row.try_get("repository_id")?;
    let family = family(&row.try_get::<String, _>("family")?)?;
    let number: i64 = row.try_get("number")?;
    Ok(Finding {
        repository,
        family,
        number,
        severity: severity(&row.try_get::<String, _>("severity")?)?,
        created_at: row.try_get("created_at")?,
        default_branch_at: row.try_get("default_branch_at")?,
        introduced_at: row.try_get("introduced_at")?,
        introduced_commit: row.try_get("introduced_commit")?,
        advisory_published_at: row.try_get("advisory_published_at")?,
        partial_history: row.try_get::<i64, _>("partial_history")? != 0,
        events: events
            .remove(&(repository, family, number))
            .unwrap_or_default(),
    })
}

/// `(id, (name without the owner, private))` of a repository row.
fn name_row(row: &AnyRow) -> Result<(i64, (String, bool))> {
    let full_name: String = row.try_get("full_name")?;
    let name = full_name
        .split_once('/')
        .map_or(full_name.as_str(), |(_, name)| name)
        .to_owned();
    Ok((
        row.try_get("id")?,
        (name, row.try_get::<i64, _>("private")? != 0),
    ))
}

fn pull_request_alert(finding: &Finding, pull_request: i64) -> PullRequestAlert {
    let before_default = |at: i64| finding.default_branch_at.is_none_or(|arrived| at < arrived);
    PullRequestAlert {
        repository: finding.repository,
        pull_request,
        family: finding.family,
        number: finding.number,
        severity: finding.severity,
        created_at: finding.created_at,
        fixed_at: finding
            .events
            .iter()
            .find(|event| event.kind == LifecycleKind::Fixed && before_default(event.at))
            .map(|event| event.at),
        false_positive: finding.events.iter().any(|event| {
            matches!(event.kind, LifecycleKind::Dismissed { reason } if reason.is_false_positive())
        }),
    }
}

fn merged(row: &AnyRow) -> Result<MergedPullRequest> {
    let commits: String = row.try_get("commits")?;
    Ok(MergedPullRequest {
        repository: row.try_get("repository_id")?,
        number: row.try_get("number")?,
        head_sha: row.try_get("head_sha")?,
        merge_commit_sha: row.try_get("merge_commit_sha")?,
        commits: serde_json::from_str(&commits)
            .map_err(|err| corrupt("commits", err.to_string()))?,
        merged_at: row.try_get("merged_at")?,
        covered_at_merge: row.try_get::<i64, _>("covered_at_merge")? != 0,
        checks_at_merge: checks_from(&row.try_get::<String, _>("checks_at_merge")?)?,
    })
}
