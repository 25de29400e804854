//! The read model (migration 0017): one row per repository holding its line of the
//! report and its effective timeline in compact form
//! ([`fullcover_core::metrics::rollup`]), so that the organisation's views read one row
//! per repository and a repository's views one row, whatever the history's length.
//!
//! A row is rebuilt from the repository's record when the record changed (triggers bump
//! `repositories.record_version` on every write) or when time alone changed its coverage
//! (`valid_until`). [`Store::refresh_rollups`] rebuilds what is behind; the server runs
//! it in the background and every read runs it for its own organisation first, so a
//! read never shows a row older than the record. A read skips that check while its
//! process knows the organisation's rows current (the same fingerprint as when it last
//! brought them up to date, no row expired since, at most [`KNOWN_FOR`] seconds ago).
//! A row computed under other rules or by another row format (migration 0022) is
//! rebuilt by the background pass only: after an upgrade, reads keep answering from the
//! rows they have instead of waiting for all of them.

use futures_util::TryStreamExt;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Result, Store, StoreError};
use fullcover_core::metrics::rollup::{RepoRollup, Timeline, rollup};
use fullcover_core::metrics::{BrokenTally, RepoSummary};
use fullcover_core::rules::RuleSet;

/// Rows rebuilt by one call at most: a read after a seed or a migration rebuilds in
/// several calls rather than holding one transaction open.
pub const REFRESH_BATCH: i64 = 500;

/// Repositories per page at most, and by default.
pub const MAX_PER_PAGE: u32 = 500;
pub const DEFAULT_PER_PAGE: u32 = 100;

/// How a repository list is sorted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RepoSort {
    /// By name.
    #[default]
    Name,
    /// Lowest coverage first (unscanned first of all), then by name.
    Coverage,
}

/// Which repositories of an organisation to list, and which page of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoQuery {
    /// From 1.
    pub page: u32,
    pub per_page: u32,
    /// The store's state (`pending`, `onboarding`, `covered`, `opted_out`, `excluded`).
    pub state: Option<String>,
    /// A requirement id the repository misses (`sca:npm`).
    pub missing: Option<String>,
    /// Part of the repository's name, any case.
    pub name: Option<String>,
    pub sort: RepoSort,
}

impl Default for RepoQuery {
    fn default() -> Self {
        RepoQuery {
            page: 1,
            per_page: DEFAULT_PER_PAGE,
            state: None,
            missing: None,
            name: None,
            sort: RepoSort::Name,
        }
    }
}

/// What the organisation's views read: every repository's timeline (for the
/// aggregates) and the lines of the page asked for.
#[derive(Debug, Clone)]
pub struct OrgRows {
    pub timelines: Vec<Timeline>,
    pub broken: BrokenTally,
    /// The page's lines with their timelines, as stored ([`rollup::summary_at`] brings
    /// them to the moment shown).
    pub page: Vec<(RepoSummary, Timeline)>,
    /// Repositories matching the query, on every page.
    pub matching: u64,
}

/// A LIKE pattern matching `text` literally anywhere (`\` escapes).
fn contains_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

fn decode<T: serde::de::DeserializeOwned>(
    row: &AnyRow,
    column: &str,
    what: &'static str,
) -> Result<T> {
    let text: String = row.try_get(column)?;
    serde_json::from_str(&text).map_err(|err| StoreError::Corrupt {
        what,
        detail: err.to_string(),
    })
}

fn encode<T: serde::Serialize>(value: &T, what: &'static str) -> Result<String> {
    serde_json::to_string(value).map_err(|err| StoreError::Corrupt {
        what,
        detail: err.to_string(),
    })
}

/// The read-model rows of the organisation `$1`.
const ORG_ROWS: &str = "FROM repositories r JOIN installations i ON i.id = r.installation_id \
     JOIN repo_rollups u ON u.repository_id = r.id WHERE LOWER(i.account) = LOWER($1)";

/// The query's filters on `$2` (state), `$3` (missing) and `$4` (name); empty is none.
const FILTERS: &str = "AND ($2 = '' OR u.state = $2) AND ($3 = '' OR u.missing LIKE $3 ESCAPE '\\') \
     AND ($4 = '' OR u.name LIKE $4 ESCAPE '\\')";

/// A row that is missing, behind its record, or expired at the parameter `now`.
fn behind(now: &str, digest: Option<&str>) -> String {
    let rules = digest
        .map(|digest| format!("OR u.rules_digest <> {digest} "))
        .unwrap_or_default();
    format!(
        "(u.repository_id IS NULL OR u.record_version <> r.record_version {rules}\
         OR (u.valid_until IS NOT NULL AND u.valid_until <= {now}))"
    )
}

/// `sql` (made of this module's constants only) with the organisation and the query's
/// filters bound as `$1` to `$4`.
fn filtered<'q>(
    sql: String,
    org: &str,
    query: &RepoQuery,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(org.to_owned())
        .bind(query.state.clone().unwrap_or_default())
        .bind(
            query
                .missing
                .as_deref()
                .map(|id| contains_pattern(&format!(" {id} ")))
                .unwrap_or_default(),
        )
        .bind(
            query
                .name
                .as_deref()
                .map(|name| contains_pattern(&name.to_lowercase()))
                .unwrap_or_default(),
        )
}

/// What this process last knew of an organisation's rows: all current at this
/// fingerprint, until the earliest expiry among them or [`KNOWN_FOR`] seconds.
#[derive(Debug, Clone, Copy)]
pub(super) struct OrgCurrent {
    fingerprint: (i64, i64),
    until: i64,
}

/// The version of what a row holds and how it is computed (`rollup`, the encodings):
/// bump it when either changes, so that rows built by an older release are rebuilt.
const ROW_FORMAT: u32 = 1;

/// What a row records of how it was computed: [`ROW_FORMAT`] and the rules' digest.
fn row_digest(rules: &RuleSet) -> String {
    format!("{ROW_FORMAT}:{}", rules.digest)
}

/// The longest a process trusts what it knows of an organisation's rows without
/// checking them: bounds what a fingerprint that happens to repeat (one repository
/// leaves as another arrives) or a row rebuilt over a newer one could hide.
pub const KNOWN_FOR: i64 = 60;

/// [`OrgCurrent`] by lowercased organisation, for at most 1,024 organisations.
#[derive(Debug, Default)]
pub(super) struct CurrentOrgs(std::sync::Mutex<std::collections::HashMap<String, OrgCurrent>>);

impl CurrentOrgs {
    fn map(&self) -> std::sync::MutexGuard<'_, std::collections::HashMap<String, OrgCurrent>> {
        // A poisoned lock only means another reader panicked: the map is still whole.
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn get(&self, key: &str) -> Option<OrgCurrent> {
        self.map().get(key).copied()
    }

    fn put(&self, key: String, current: OrgCurrent) {
        let mut map = self.map();
        if map.len() >= 1_024 && !map.contains_key(&key) {
            map.clear();
        }
        map.insert(key, current);
    }
}

impl Store {
    /// Rebuilds the rows behind their record or expired at `now`: the organisation's
    /// when `org` is given (what a read needs), else any, and then also those computed
    /// under other rules than `rules` (the background pass). Returns how many were
    /// rebuilt.
    pub async fn refresh_rollups(
        &self,
        org: Option<&str>,
        rules: &RuleSet,
        now: i64,
    ) -> Result<usize> {
        match org {
            Some(org) => self.refresh_org_rollups(org, rules, now).await,
            None => self.rebuild_behind(None, rules, now, None).await,
        }
    }

    /// As [`Store::refresh_rollups`] over every organisation, rebuilding at most
    /// `at_most` rows: the background pass paces itself with it.
    pub async fn refresh_some_rollups(
        &self,
        rules: &RuleSet,
        now: i64,
        at_most: i64,
    ) -> Result<usize> {
        self.rebuild_behind(None, rules, now, Some(at_most.max(1)))
            .await
    }

    /// The read path's refresh: skipped while the organisation's fingerprint is the one
    /// its rows were last brought up to date at, none of them has expired since, and for
    /// at most [`KNOWN_FOR`] seconds (one small query instead of checking every row: 51
    /// ms a request at 10,000 repositories on SQLite under the benchmark's load).
    async fn refresh_org_rollups(&self, org: &str, rules: &RuleSet, now: i64) -> Result<usize> {
        let key = org.to_lowercase();
        if self.org_rows_known_current(org, &key, now).await?.is_none() {
            return Ok(0);
        }
        // Readers of one organisation that arrive together would rebuild the same rows:
        // the second waits, then finds them current.
        let gate = self.refreshing.of(&key);
        let _turn = gate.lock().await;
        let Some(fingerprint) = self.org_rows_known_current(org, &key, now).await? else {
            return Ok(0);
        };
        let rebuilt = self.rebuild_behind(Some(org), rules, now, None).await?;
        // Read again, not merged with what was known: rows another process (or this
        // one's background pass, or a repository's page) rebuilt after a write may
        // expire sooner than any row did before.
        let earliest = self.earliest_expiry(org).await?;
        let until = earliest.map_or(now + KNOWN_FOR, |until| until.min(now + KNOWN_FOR));
        self.current_orgs
            .put(key, OrgCurrent { fingerprint, until });
        Ok(rebuilt)
    }

    /// `None` when this process knows the organisation's rows current at `now`; else
    /// the fingerprint read, to remember once they are brought up to date.
    async fn org_rows_known_current(
        &self,
        org: &str,
        key: &str,
        now: i64,
    ) -> Result<Option<(i64, i64)>> {
        let fingerprint = self.org_fingerprint(org).await?;
        let current = self
            .current_orgs
            .get(key)
            .is_some_and(|known| known.fingerprint == fingerprint && now < known.until);
        Ok((!current).then_some(fingerprint))
    }

    /// The earliest moment one of the organisation's rows expires.
    async fn earliest_expiry(&self, org: &str) -> Result<Option<i64>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT MIN(u.valid_until) AS until {ORG_ROWS}"
        )))
        .bind(org.to_owned())
        .fetch_one(self.pool())
        .await?;
        Ok(row.try_get("until")?)
    }

    /// Rebuilds the rows behind at `now` (of `org`, or any with rows under other rules
    /// too): all of them in batches, or at most `at_most`; returns how many.
    async fn rebuild_behind(
        &self,
        org: Option<&str>,
        rules: &RuleSet,
        now: i64,
        at_most: Option<i64>,
    ) -> Result<usize> {
        let batch_size = at_most.unwrap_or(REFRESH_BATCH);
        let mut rebuilt = 0;
        loop {
            let ids: Vec<(i64, i64)> = match org {
                Some(org) => sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT r.id, r.record_version FROM repositories r \
                     JOIN installations i ON i.id = r.installation_id \
                     LEFT JOIN repo_rollups u ON u.repository_id = r.id \
                     WHERE LOWER(i.account) = LOWER($1) AND {} LIMIT $3",
                    behind("$2", None)
                )))
                .bind(org.to_owned())
                .bind(now)
                .bind(batch_size),
                None => sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT r.id, r.record_version FROM repositories r \
                     LEFT JOIN repo_rollups u ON u.repository_id = r.id WHERE {} LIMIT $2",
                    behind("$1", Some("$3"))
                )))
                .bind(now)
                .bind(batch_size)
                .bind(row_digest(rules)),
            }
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(|row| Ok((row.try_get("id")?, row.try_get("record_version")?)))
            .collect::<Result<_>>()?;
            let batch = ids.len();
            for (id, version) in ids {
                self.rebuild_rollup(id, version, rules, now).await?;
            }
            rebuilt += batch;
            if at_most.is_some() || i64::try_from(batch).unwrap_or(i64::MAX) < batch_size {
                return Ok(rebuilt);
            }
        }
    }

    /// Rebuilds one repository's row from its record as of `version`. A write that lands
    /// meanwhile bumps the version again, so the row stays behind and is rebuilt later.
    async fn rebuild_rollup(&self, id: i64, version: i64, rules: &RuleSet, now: i64) -> Result<()> {
        let Some(history) = self.repo_history(id, now).await? else {
            return Ok(());
        };
        let RepoRollup {
            timeline,
            summary,
            valid_until,
        } = rollup(&history, &rules.scanners, now);
        let missing = format!(" {} ", summary.missing.join(" "));
        sqlx::query(
            "INSERT INTO repo_rollups (repository_id, record_version, computed_at, valid_until, name, state, \
                 fully_covered, coverage, missing, broken, timeline, summary, rules_digest) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
             ON CONFLICT (repository_id) DO UPDATE SET record_version = excluded.record_version, \
                 computed_at = excluded.computed_at, valid_until = excluded.valid_until, name = excluded.name, \
                 state = excluded.state, fully_covered = excluded.fully_covered, coverage = excluded.coverage, \
                 missing = excluded.missing, broken = excluded.broken, timeline = excluded.timeline, \
                 summary = excluded.summary, rules_digest = excluded.rules_digest \
             WHERE repo_rollups.record_version <= excluded.record_version",
        )
        .bind(id)
        .bind(version)
        .bind(now)
        .bind(valid_until)
        .bind(summary.name.to_lowercase())
        .bind(&summary.state)
        .bind(i64::from(summary.fully_covered))
        // Never NULL: through sqlx's Any driver a NULL float is sent as another type, and
        // PostgreSQL refuses it once the statement knows a float there ("incorrect binary
        // data format"). Unscanned sorts first as -1, as the list's ORDER BY has it.
        .bind(summary.coverage_percent.unwrap_or(-1.0))
        .bind(missing)
        .bind(i64::try_from(summary.broken.len()).unwrap_or(i64::MAX))
        .bind(encode(&timeline, "read-model timeline")?)
        .bind(encode(&summary, "read-model summary")?)
        .bind(row_digest(rules))
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// The organisation's rows after bringing them up to date: every timeline and the
    /// page `query` asks for; `None` when the organisation is unknown.
    pub async fn org_rows(
        &self,
        org: &str,
        query: &RepoQuery,
        rules: &RuleSet,
        now: i64,
    ) -> Result<Option<OrgRows>> {
        let Some((timelines, broken)) = self.org_timelines(org, rules, now).await? else {
            return Ok(None);
        };
        let (page, matching) = self.org_page_rows(org, query, rules, now).await?;
        Ok(Some(OrgRows {
            timelines,
            broken,
            page,
            matching,
        }))
    }

    /// Every repository's timeline (by full name) and the broken tally, after bringing
    /// the rows up to date; `None` when the organisation is unknown.
    pub async fn org_timelines(
        &self,
        org: &str,
        rules: &RuleSet,
        now: i64,
    ) -> Result<Option<(Vec<Timeline>, BrokenTally)>> {
        if !self.org_known(org).await? {
            return Ok(None);
        }
        self.refresh_rollups(Some(org), rules, now).await?;
        let sql =
            format!("SELECT u.state, u.broken, u.timeline {ORG_ROWS} ORDER BY r.full_name, r.id");
        // Streamed: the decoded timelines are much smaller than the rows they come from.
        let mut rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(org.to_owned())
            .fetch(self.pool());
        let mut timelines = Vec::new();
        let mut broken = BrokenTally::default();
        while let Some(row) = rows.try_next().await? {
            let requirements: i64 = row.try_get("broken")?;
            if requirements > 0 && row.try_get::<String, _>("state")? != "excluded" {
                broken.repos += 1;
                broken.requirements += u64::try_from(requirements).unwrap_or(0);
            }
            timelines.push(decode(&row, "timeline", "read-model timeline")?);
        }
        Ok(Some((timelines, broken)))
    }

    /// The page of repository lines `query` asks for, with their timelines, and how many
    /// repositories match on every page; rows brought up to date first.
    pub async fn org_page_rows(
        &self,
        org: &str,
        query: &RepoQuery,
        rules: &RuleSet,
        now: i64,
    ) -> Result<(Vec<(RepoSummary, Timeline)>, u64)> {
        self.refresh_rollups(Some(org), rules, now).await?;
        let matching: i64 = filtered(
            format!("SELECT COUNT(*) AS n {ORG_ROWS} {FILTERS}"),
            org,
            query,
        )
        .fetch_one(self.pool())
        .await?
        .try_get("n")?;
        let (inner, outer) = match query.sort {
            RepoSort::Name => ("u.name, r.id", "page.name, page.id"),
            RepoSort::Coverage => (
                "COALESCE(u.coverage, -1), u.name, r.id",
                "page.coverage, page.name, page.id",
            ),
        };
        let per_page = query.per_page.clamp(1, MAX_PER_PAGE);
        let offset = i64::from(query.page.max(1) - 1) * i64::from(per_page);
        // The page is chosen on the small columns only, then its lines are read: sorting
        // the whole organisation's lines would move every one of them.
        let page = filtered(
            format!(
                "SELECT w.summary, w.timeline FROM (SELECT r.id AS id, u.name AS name, \
                     COALESCE(u.coverage, -1) AS coverage {ORG_ROWS} {FILTERS} \
                     ORDER BY {inner} LIMIT $5 OFFSET $6) page \
                 JOIN repo_rollups w ON w.repository_id = page.id ORDER BY {outer}"
            ),
            org,
            query,
        )
        .bind(i64::from(per_page))
        .bind(offset)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|row| {
            Ok((
                decode(row, "summary", "read-model summary")?,
                decode(row, "timeline", "read-model timeline")?,
            ))
        })
        .collect::<Result<Vec<_>>>()?;
        Ok((page, u64::try_from(matching).unwrap_or(0)))
    }

    /// A fingerprint of the organisation's record: its repositories and the sum of their
    /// record versions, which every write bumps.
    pub async fn org_fingerprint(&self, org: &str) -> Result<(i64, i64)> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n, CAST(COALESCE(SUM(r.record_version), 0) AS BIGINT) AS v FROM repositories r \
             JOIN installations i ON i.id = r.installation_id WHERE LOWER(i.account) = LOWER($1)",
        )
        .bind(org.to_owned())
        .fetch_one(self.pool())
        .await?;
        Ok((row.try_get("n")?, row.try_get("v")?))
    }

    /// A fingerprint of the organisation's security record: the sum of its
    /// installations' security versions, which every finding, finding event, scope spell,
    /// merged pull request and permission change bumps (migration 0020).
    pub async fn security_fingerprint(&self, org: &str) -> Result<i64> {
        let row = sqlx::query(
            "SELECT CAST(COALESCE(SUM(security_version), 0) AS BIGINT) AS v FROM installations \
             WHERE LOWER(account) = LOWER($1)",
        )
        .bind(org.to_owned())
        .fetch_one(self.pool())
        .await?;
        Ok(row.try_get("v")?)
    }

    /// One repository's row of `org` by name (any case), up to date; `None` if unknown.
    pub async fn repo_row(
        &self,
        org: &str,
        name: &str,
        rules: &RuleSet,
        now: i64,
    ) -> Result<Option<(i64, RepoSummary, Timeline)>> {
        let full_name = format!("{org}/{name}");
        let select = String::from(
            "SELECT r.id, r.record_version, u.record_version AS row_version, u.valid_until, u.summary, u.timeline \
             FROM repositories r JOIN installations i ON i.id = r.installation_id \
             LEFT JOIN repo_rollups u ON u.repository_id = r.id \
             WHERE LOWER(i.account) = LOWER($1) AND LOWER(r.full_name) = LOWER($2)",
        );
        for _ in 0..2 {
            let Some(row) = sqlx::query(sqlx::AssertSqlSafe(select.clone()))
                .bind(org.to_owned())
                .bind(full_name.clone())
                .fetch_optional(self.pool())
                .await?
            else {
                return Ok(None);
            };
            let id: i64 = row.try_get("id")?;
            let version: i64 = row.try_get("record_version")?;
            let row_version: Option<i64> = row.try_get("row_version")?;
            let valid_until: Option<i64> = row.try_get("valid_until")?;
            let current =
                row_version == Some(version) && valid_until.is_none_or(|until| until > now);
            if current {
                return Ok(Some((
                    id,
                    decode(&row, "summary", "read-model summary")?,
                    decode(&row, "timeline", "read-model timeline")?,
                )));
            }
            self.rebuild_rollup(id, version, rules, now).await?;
        }
        Err(StoreError::Corrupt {
            what: "read-model row",
            detail: format!("{full_name}: changed while it was rebuilt twice; try again"),
        })
    }
}
