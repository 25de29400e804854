//! The organisation's and a repository's report as every view shows them, read from the
//! read model ([`crate::store::rollups`]): the aggregates from one compact row per
//! repository, the repository lines of one page, a repository from its own row.

use serde::Serialize;

use super::App;
use crate::store::rollups::{MAX_PER_PAGE, RepoQuery};
use crate::store::{Result, now};
use fullcover_core::metrics::OrgReport;
use fullcover_core::metrics::RepoSummary;
use fullcover_core::metrics::rollup::{Timeline, org_report_from_rows, summary_at};

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
/// the organisation is unknown.
pub async fn org_page(app: &App, org: &str, query: &RepoQuery) -> Result<Option<OrgPage>> {
    let at = now();
    let Some(rows) = app
        .store()
        .org_rows(org, query, &app.rules().scanners, at)
        .await?
    else {
        return Ok(None);
    };
    let page = rows
        .page
        .into_iter()
        .map(|(line, timeline)| summary_at(line, &timeline, at))
        .collect();
    let per_page = query.per_page.clamp(1, MAX_PER_PAGE);
    Ok(Some(OrgPage {
        report: org_report_from_rows(org, &rows.timelines, rows.broken, page, at),
        pagination: Pagination {
            page: query.page.max(1),
            per_page,
            matching: rows.matching,
            pages: rows.matching.div_ceil(u64::from(per_page)),
        },
    }))
}

/// The organisation's report without repository lines (badges, status, metrics).
pub async fn org_numbers(app: &App, org: &str) -> Result<Option<OrgReport>> {
    let query = RepoQuery {
        per_page: 1,
        ..RepoQuery::default()
    };
    Ok(org_page(app, org, &query).await?.map(|page| OrgReport {
        repos: Vec::new(),
        ..page.report
    }))
}

/// One repository's line at this moment, with its id and timeline; `None` if unknown.
pub async fn repo_line(
    app: &App,
    org: &str,
    name: &str,
) -> Result<Option<(i64, RepoSummary, Timeline)>> {
    let at = now();
    Ok(app
        .store()
        .repo_row(org, name, &app.rules().scanners, at)
        .await?
        .map(|(id, line, timeline)| {
            let line = summary_at(line, &timeline, at);
            (id, line, timeline)
        }))
}
