//! The organisation's and a repository's report as every view shows them, read from the
//! read model ([`crate::store::rollups`]): the aggregates from one compact row per
//! repository, the repository lines of one page, a repository from its own row.

use serde::Serialize;

use super::App;
use super::kept::Kept;
use super::web::security::SecurityView;
use crate::store::rollups::{MAX_PER_PAGE, RepoQuery};
use crate::store::{Result, now};
use fullcover_core::metrics::OrgReport;
use fullcover_core::metrics::RepoSummary;
use fullcover_core::metrics::rollup::{Timeline, org_report_from_rows, summary_at};
use fullcover_core::metrics::security::SecurityPolicy;

/// Which page of the repository list a report shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pagination {
    pub page: u32,
    pub per_page: u32,
    /// Repositories matching the filters, on every page.
    pub matching: u64,
    pub pages: u64,
}

/// The organisation's report with one page of its repositories.
#[derive(Debug, Clone)]
pub struct OrgPage {
    pub report: OrgReport,
    pub pagination: Pagination,
}

/// The organisation's report at this moment, with the page `query` asks for; `None` when
/// the organisation is unknown. The numbers come from [`org_numbers`] (cached until the
/// next write), the page from its own rows: a page reads the rows it shows.
pub async fn org_page(app: &App, org: &str, query: &RepoQuery) -> Result<Option<OrgPage>> {
    let Some(numbers) = org_numbers(app, org).await? else {
        return Ok(None);
    };
    let at = numbers.generated_at;
    let (lines, matching) = app
        .store()
        .org_page_rows(org, query, app.rules(), at)
        .await?;
    let per_page = query.per_page.clamp(1, MAX_PER_PAGE);
    Ok(Some(OrgPage {
        report: OrgReport {
            repos: lines
                .into_iter()
                .map(|(line, timeline)| summary_at(line, &timeline, at))
                .collect(),
            ..numbers
        },
        pagination: Pagination {
            page: query.page.max(1),
            per_page,
            matching,
            pages: matching.div_ceil(u64::from(per_page)),
        },
    }))
}

/// The organisation's report without repository lines (badges, the status page,
/// metrics), from [`NumbersCache`] while nothing was recorded since and for at most
/// [`NUMBERS_FOR`] seconds.
pub async fn org_numbers(app: &App, org: &str) -> Result<Option<OrgReport>> {
    // Unknown names (any badge URL can carry one) never reach the cache.
    if !app.store().org_known(org).await? {
        return Ok(None);
    }
    let at = now();
    let report = app
        .numbers()
        .get_or_compute(
            &org.to_lowercase(),
            at,
            || app.store().org_fingerprint(org),
            |_| async {
                // The moment the computation starts, not the caller's arrival: it may
                // have waited for another computation.
                let at = now();
                let rows = app.store().org_timelines(org, app.rules(), at).await?;
                Ok(rows.map(|(timelines, broken)| {
                    org_report_from_rows(org, &timelines, broken, Vec::new(), at)
                }))
            },
        )
        .await?;
    // Rebuilding rows may have bumped nothing, but a write may have landed meanwhile:
    // the report is kept under the fingerprint read before, so that write still shows.
    Ok(report.map(|report| OrgReport {
        org: org.to_owned(),
        generated_at: at,
        ..report
    }))
}

/// How long the organisation's numbers are kept without a write: uptime and the daily
/// history move with the clock, and a grace period or run window may end.
pub const NUMBERS_FOR: i64 = 60;

/// The organisations' numbers by a fingerprint of their record (repositories and the sum
/// of their record versions, which every write bumps), for at most [`NUMBERS_FOR`] s.
pub type NumbersCache = Kept<(i64, i64), Option<OrgReport>>;
/// One repository's line at this moment, with its id and timeline; `None` if unknown.
pub async fn repo_line(
    app: &App,
    org: &str,
    name: &str,
) -> Result<Option<(i64, RepoSummary, Timeline)>> {
    let at = now();
    Ok(app
        .store()
        .repo_row(org, name, app.rules(), at)
        .await?
        .map(|(id, line, timeline)| {
            let line = summary_at(line, &timeline, at);
            (id, line, timeline)
        }))
}

/// How long security outcomes are kept without a write: their windows move with the
/// clock.
pub const SECURITY_FOR: i64 = 60;

/// Security outcomes by organisation, repository, visibility and policy, kept until the
/// organisation's security record or repositories change
/// ([`crate::store::Store::security_fingerprint`], [`crate::store::Store::org_fingerprint`])
/// and for at most [`SECURITY_FOR`] seconds.
pub type SecurityCache = Kept<(i64, (i64, i64)), SecurityView>;

/// The security outcomes of `org` (or its repository `(name, id)`), from the cache while
/// nothing was recorded since; with `public_only`, of its public repositories only.
pub async fn security_outcomes(
    app: &App,
    org: &str,
    repository: Option<(&str, i64)>,
    policy: &SecurityPolicy,
    public_only: bool,
) -> Result<SecurityView> {
    let key = format!(
        "{}|{:?}|{public_only}|{}",
        org.to_lowercase(),
        repository.map(|(_, id)| id),
        serde_json::to_string(policy).unwrap_or_default()
    );
    app.security_views()
        .get_or_compute(
            &key,
            now(),
            || async {
                Ok((
                    app.store().security_fingerprint(org).await?,
                    app.store().org_fingerprint(org).await?,
                ))
            },
            |_| {
                super::web::security::outcomes(
                    app.store(),
                    org,
                    repository,
                    policy,
                    now(),
                    public_only,
                )
            },
        )
        .await
}

/// The security outcomes of the organisation's public repositories, for its public
/// status page.
pub async fn public_security(app: &App, org: &str) -> Result<SecurityView> {
    let policy = app.store().org_security_policy(org).await?;
    security_outcomes(app, org, None, &policy, true).await
}
