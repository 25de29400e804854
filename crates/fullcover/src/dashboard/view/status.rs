//! The public status page of an organisation: overall state, headline numbers, daily
//! bars, coverage per category and the security outcomes of public repositories.
//! Aggregates only: nothing names a repository.

use serde::Serialize;

use super::security::aggregates;
use super::{CATEGORIES, Nav, Stat, org_headline, percent, ratio_class};
use crate::app::web::security::SecurityView;
use crate::dashboard::date_time;
use crate::dashboard::svg;
use fullcover_core::metrics::OrgReport;

#[derive(Debug, Serialize)]
struct CategoryStatus {
    name: &'static str,
    value: String,
    detail: String,
    class: &'static str,
}

#[derive(Debug, Serialize)]
pub(crate) struct StatusView {
    title: String,
    viewer: Option<crate::dashboard::SignedIn>,
    nav: Option<Nav>,
    org: String,
    generated: String,
    status: String,
    status_class: &'static str,
    headline: Vec<Stat>,
    bars: String,
    uptime_90d: String,
    categories: Vec<CategoryStatus>,
    security: Vec<Stat>,
}

/// The public status page: aggregates only, never a repository name, a requirement id
/// or a pull request.
pub(crate) fn page(report: &OrgReport, security: Option<&SecurityView>) -> StatusView {
    let (status, status_class) = match report.coverage_percent {
        None => ("No data yet".to_owned(), "status-none"),
        Some(p) if p >= 100.0 => (
            format!(
                "Coverage operational: all {} repositories fully covered",
                report.repos_in_scope
            ),
            "status-good",
        ),
        Some(p) => (
            format!(
                "{}: {} of {} repositories fully covered",
                if p >= 95.0 {
                    "Minor coverage gaps"
                } else {
                    "Coverage gaps"
                },
                report.repos_fully_covered,
                report.repos_in_scope
            ),
            if p >= 95.0 {
                "status-warn"
            } else {
                "status-bad"
            },
        ),
    };
    let headline = org_headline(report)
        .into_iter()
        .filter(|stat| stat.label != "Open incidents")
        .collect();
    let categories = CATEGORIES
        .iter()
        .filter_map(|(key, _, long)| {
            let ratio = report.categories.get(*key).copied()?;
            (ratio.required > 0).then(|| CategoryStatus {
                name: long,
                value: percent(ratio.percent()),
                detail: format!("{} of {} controls", ratio.satisfied, ratio.required),
                class: ratio_class(&ratio),
            })
        })
        .collect();
    StatusView {
        title: format!("{} · Security coverage status", report.org),
        viewer: None,
        nav: None,
        org: report.org.clone(),
        generated: date_time(report.generated_at),
        status,
        status_class,
        headline,
        bars: svg::daily_bars(&report.history),
        uptime_90d: percent(report.uptime_90d),
        categories,
        security: security.map(aggregates).unwrap_or_default(),
    }
}
