//! The organisation's page: headline numbers, the coverage matrix (with the scanners
//! running per repository), burn-up and distribution charts, the onboarding queue,
//! funnel and pull requests, coverage incidents and the security outcomes.

use serde::Serialize;

use super::security::SecuritySection;
use super::{
    CATEGORIES, Cell, IncidentRow, Nav, PullView, Stat, cells, duration, org_headline, org_href,
    percent, pull_view, ratio_class, repo_href, state_label,
};
use crate::dashboard::date_time;
use crate::dashboard::svg::{self, Measure};
use fullcover_core::metrics::queue::QueueEstimate;
use fullcover_core::metrics::{OrgReport, RepoSummary, human_duration};

#[derive(Debug, Serialize)]
struct MatrixRow {
    name: String,
    href: String,
    state: &'static str,
    state_class: &'static str,
    scanned: bool,
    coverage: String,
    coverage_class: &'static str,
    bar: f64,
    cells: Vec<Cell>,
    pull: Option<PullView>,
    ttfc: String,
    uptime: String,
    missing: String,
    active: String,
    broken: String,
}

#[derive(Debug, Serialize)]
struct ApartRow {
    name: String,
    href: String,
    state: &'static str,
    state_class: &'static str,
    reason: String,
    in_scope: bool,
}

#[derive(Debug, Serialize)]
struct FunnelStep {
    label: &'static str,
    count: u64,
    width: f64,
    class: &'static str,
}

#[derive(Debug, Serialize)]
struct PullRow {
    repo: String,
    href: String,
    pull: PullView,
}

/// The repositories waiting for their onboarding pull request, and what the estimate of
/// how long they take rests on.
#[derive(Debug, Serialize)]
struct QueueBox {
    summary: String,
    basis: String,
}

fn queue_box(queue: &QueueEstimate) -> QueueBox {
    QueueBox {
        summary: queue.summary.clone(),
        basis: format!(
            "{} writes per pull request (tree, commit, branch, pull request) at {} writes an hour, \
             the tightest of GitHub's limits; most recently pushed repositories first. \
             Every repository not scanned yet counts as a pull request: some will need none.",
            queue.writes_per_pull_request, queue.writes_per_hour
        ),
    }
}

#[derive(Debug, Serialize)]
pub(crate) struct OrgView {
    title: String,
    viewer: Option<crate::dashboard::SignedIn>,
    nav: Option<Nav>,
    org: String,
    org_href: String,
    generated: String,
    headline: Vec<Stat>,
    categories: Vec<&'static str>,
    rows: Vec<MatrixRow>,
    totals: Vec<Cell>,
    apart: Vec<ApartRow>,
    burn_repos: String,
    burn_reqs: String,
    distribution: String,
    onboarding_queue: QueueBox,
    funnel: Vec<FunnelStep>,
    median_time_to_merge: String,
    pulls: Vec<PullRow>,
    incidents: Vec<IncidentRow>,
    security: Option<SecuritySection>,
    listing: ListingView,
}

/// Which page of the repository list is shown, and how it is filtered: what the page's
/// form and its links need.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Listing {
    pub page: u32,
    pub pages: u64,
    pub per_page: u32,
    pub matching: u64,
    pub state: Option<String>,
    pub missing: Option<String>,
    pub q: Option<String>,
    /// `name` or `coverage`.
    pub sort: &'static str,
}

#[derive(Debug, Serialize)]
struct ListingView {
    summary: String,
    state: String,
    states: Vec<Choice>,
    missing: String,
    q: String,
    sorts: Vec<Choice>,
    per_page: u32,
    previous: Option<String>,
    next: Option<String>,
    filtered: bool,
}

#[derive(Debug, Serialize)]
struct Choice {
    value: &'static str,
    label: &'static str,
    selected: bool,
}

impl Listing {
    /// The list's address for another page, with the same filters (URL-encoded).
    fn href(&self, org: &str, page: u64) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        for (key, value) in [
            ("state", self.state.as_deref()),
            ("missing", self.missing.as_deref()),
            ("q", self.q.as_deref()),
        ] {
            if let Some(value) = value {
                query.append_pair(key, value);
            }
        }
        if self.sort != "name" {
            query.append_pair("sort", self.sort);
        }
        query.append_pair("per_page", &self.per_page.to_string());
        query.append_pair("page", &page.to_string());
        format!("{}?{}#h-matrix", org_href(org), query.finish())
    }

    fn view(&self, org: &str) -> ListingView {
        let page = u64::from(self.page);
        let states = [
            ("", "any state"),
            ("pending", "pending"),
            ("onboarding", "onboarding"),
            ("covered", "covered"),
            ("opted_out", "opted out"),
            ("excluded", "excluded"),
        ];
        let state = self.state.clone().unwrap_or_default();
        ListingView {
            summary: if self.matching == 0 {
                "No repository matches.".to_owned()
            } else {
                format!(
                    "Page {} of {}: {} {}",
                    page.min(self.pages.max(1)),
                    self.pages.max(1),
                    self.matching,
                    if self.matching == 1 {
                        "repository"
                    } else {
                        "repositories"
                    }
                )
            },
            states: states
                .iter()
                .map(|(value, label)| Choice {
                    value,
                    label,
                    selected: *value == state,
                })
                .collect(),
            state,
            missing: self.missing.clone().unwrap_or_default(),
            q: self.q.clone().unwrap_or_default(),
            sorts: [("name", "name"), ("coverage", "lowest coverage first")]
                .iter()
                .map(|(value, label)| Choice {
                    value,
                    label,
                    selected: *value == self.sort,
                })
                .collect(),
            per_page: self.per_page,
            previous: (page > 1).then(|| self.href(org, page - 1)),
            next: (page < self.pages).then(|| self.href(org, page + 1)),
            filtered: self.state.is_some() || self.missing.is_some() || self.q.is_some(),
        }
    }
}

fn category_totals(report: &OrgReport) -> Vec<Cell> {
    cells(&report.categories)
}

/// One repository's line of the coverage matrix.
fn matrix_row(org: &str, repo: &RepoSummary) -> MatrixRow {
    MatrixRow {
        name: repo.name.clone(),
        href: repo_href(org, &repo.name),
        state: state_label(&repo.state).0,
        state_class: state_label(&repo.state).1,
        scanned: repo.scanned,
        coverage: if repo.scanned {
            percent(repo.coverage_percent.or(Some(100.0)))
        } else {
            "not scanned".to_owned()
        },
        coverage_class: ratio_class(&repo.requirements),
        bar: repo.coverage_percent.unwrap_or(0.0),
        cells: cells(&repo.categories),
        pull: repo
            .onboarding_pr
            .as_ref()
            .map(|pr| pull_view(pr.number, &pr.state, &pr.url)),
        ttfc: repo
            .time_to_full_coverage
            .map_or_else(|| "not yet".to_owned(), human_duration),
        uptime: percent(repo.uptime_90d),
        missing: repo.missing.join(", "),
        active: repo.active_scanners.join(", "),
        broken: repo.broken.join(", "),
    }
}

/// The organisation's coverage incidents, open ones first, then the latest.
fn incident_rows(report: &OrgReport) -> Vec<IncidentRow> {
    let org = &report.org;
    let mut incidents: Vec<IncidentRow> = report
        .incidents
        .iter()
        .map(|incident| {
            let name = incident
                .repository
                .rsplit('/')
                .next()
                .unwrap_or(&incident.repository)
                .to_owned();
            IncidentRow {
                href: Some(repo_href(org, &name)),
                repo: Some(name),
                broken: date_time(incident.broken_at),
                restored: incident
                    .restored_at
                    .map_or_else(|| "open".to_owned(), date_time),
                open: incident.restored_at.is_none(),
                lasted: human_duration(
                    incident.restored_at.unwrap_or(report.generated_at) - incident.broken_at,
                ),
                missing: incident.missing.join(", "),
            }
        })
        .collect();
    incidents.sort_by(|a, b| b.open.cmp(&a.open).then(b.broken.cmp(&a.broken)));
    incidents
}

/// The organisation's page: headline numbers, the coverage matrix, charts, the
/// onboarding queue, funnel and pull requests, and incidents.
pub(crate) fn page(
    report: &OrgReport,
    listing: &Listing,
    viewer: &crate::dashboard::SignedIn,
    security: Option<SecuritySection>,
    queue: &QueueEstimate,
) -> OrgView {
    let org = &report.org;
    let matrix = |repo: &&RepoSummary| repo.in_scope && repo.state != "opted_out";
    let rows = report
        .repos
        .iter()
        .filter(matrix)
        .map(|repo| matrix_row(org, repo))
        .collect();
    let apart = report
        .repos
        .iter()
        .filter(|repo| !matrix(repo))
        .map(|repo| ApartRow {
            name: repo.name.clone(),
            href: repo_href(org, &repo.name),
            state: state_label(&repo.state).0,
            state_class: state_label(&repo.state).1,
            reason: repo
                .reason
                .clone()
                .unwrap_or_else(|| "no reason recorded".to_owned()),
            in_scope: repo.in_scope,
        })
        .collect();
    let funnel = &report.funnel;
    let widest = funnel.opened.max(1) as f64;
    let step = |label, count: u64, class| FunnelStep {
        label,
        count,
        width: (count as f64 * 100.0 / widest).max(if count > 0 { 2.0 } else { 0.0 }),
        class,
    };
    let mut pulls: Vec<PullRow> = report
        .repos
        .iter()
        .filter_map(|repo| {
            repo.onboarding_pr.as_ref().map(|pr| PullRow {
                repo: repo.name.clone(),
                href: repo_href(org, &repo.name),
                pull: pull_view(pr.number, &pr.state, &pr.url),
            })
        })
        .collect();
    pulls.sort_by_key(|row| std::cmp::Reverse(row.pull.number));
    OrgView {
        title: format!("{org} · AppSec coverage"),
        viewer: Some(viewer.clone()),
        nav: Some(Nav {
            org: org.clone(),
            org_href: org_href(org),
            repo: None,
        }),
        org: org.clone(),
        org_href: org_href(org),
        generated: date_time(report.generated_at),
        headline: org_headline(report),
        categories: CATEGORIES.iter().map(|(_, short, _)| *short).collect(),
        rows,
        totals: category_totals(report),
        apart,
        burn_repos: svg::burn_up(&report.history, Measure::Repositories),
        burn_reqs: svg::burn_up(&report.history, Measure::Requirements),
        distribution: svg::distribution(&report.time_to_full_coverage_distribution),
        onboarding_queue: queue_box(queue),
        funnel: vec![
            step("Opened", funnel.opened, "bar-info"),
            step("Merged", funnel.merged, "bar-good"),
            step("Still open", funnel.open, "bar-neutral"),
            step("Closed unmerged", funnel.closed, "bar-bad"),
        ],
        median_time_to_merge: duration(funnel.median_time_to_merge),
        pulls,
        incidents: incident_rows(report),
        security,
        listing: listing.view(org),
    }
}
