//! The "Security outcomes" section of the organisation and repository pages, and the
//! aggregates of the public status page, from the App's [`SecurityView`]: the headline
//! numbers with their tiers, the weekly trend chart and the overdue list.
//!
//! A metric the report leaves `null` reads "no data", a tier withheld for a small n reads
//! "not enough data", and a family the installation may not read reads its reason
//! ("not available: permission …"): never a 0 for something unknown.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{Stat, Tier, repo_href, stat};
use crate::app::web::security::{SecurityView, Unavailable};
use crate::dashboard::{date, svg};
use fullcover_core::metrics::human_duration;
use fullcover_core::metrics::security::{Family, SecurityReport, Severity, Tier as Level};

const NO_DATA: &str = "no data";
const NOT_ENOUGH: &str = "not enough data";

/// One open finding past its due date.
#[derive(Debug, Serialize)]
struct OverdueRow {
    repo: String,
    href: String,
    family: &'static str,
    number: i64,
    severity: &'static str,
    severity_class: &'static str,
    due: String,
}

/// The section as the templates show it.
#[derive(Debug, Serialize)]
pub(crate) struct SecuritySection {
    window: String,
    threshold: &'static str,
    stats: Vec<Stat>,
    trend: String,
    overdue: Vec<OverdueRow>,
    unavailable: Vec<String>,
}

fn family_name(family: Family) -> &'static str {
    match family {
        Family::CodeScanning => "Code scanning",
        Family::Dependabot => "Dependabot",
        Family::SecretScanning => "Secret scanning",
    }
}

fn severity_word(severity: Severity) -> (&'static str, &'static str) {
    match severity {
        Severity::Critical => ("critical", "pill-bad"),
        Severity::High => ("high", "pill-warn"),
        Severity::Medium => ("medium", "pill-info"),
        Severity::Low => ("low", "pill-neutral"),
    }
}

/// A ratio 0..=1 as a percentage with at most one decimal.
fn share(ratio: f64) -> String {
    format!("{}%", (ratio * 1000.0).round() / 10.0)
}

fn days(seconds: f64) -> String {
    human_duration(seconds.round() as i64)
}

/// The tier of a metric: its level, or "not enough data" when the report withheld it.
fn tiered(label: &'static str, value: String, detail: String, level: Option<Level>) -> Stat {
    let tier = match level {
        Some(Level::Elite) => Tier::Elite,
        Some(Level::High) => Tier::High,
        Some(Level::Medium) => Tier::Medium,
        Some(Level::Low) => Tier::Low,
        None => Tier::None,
    };
    let mut shown = stat(label, value, detail, tier);
    if level.is_none() {
        shown.tier = NOT_ENOUGH;
    }
    shown
}

/// A metric without a value: "no data", or why it cannot be read.
fn missing(label: &'static str, reason: &str) -> Stat {
    let mut shown = stat(label, reason.to_owned(), String::new(), Tier::None);
    shown.tier = NO_DATA;
    shown
}

/// A metric that has no tier of its own.
fn untiered(label: &'static str, value: String, detail: String) -> Stat {
    let mut shown = stat(label, value, detail, Tier::None);
    shown.tier = "no tier defined";
    shown
}

/// The headline numbers. A `null` finding metric says "no data", or the reasons when no
/// family could be read at all; when only some family could not be read, the finding
/// metrics say which.
fn stats(report: &SecurityReport, unavailable: &[Unavailable]) -> Vec<Stat> {
    let all_gone = unavailable.len() == Family::ALL.len();
    let gap = if all_gone {
        unavailable
            .iter()
            .map(|u| u.reason.as_str())
            .collect::<Vec<_>>()
            .join("; ")
    } else {
        NO_DATA.to_owned()
    };
    let partial = if all_gone || unavailable.is_empty() {
        String::new()
    } else {
        let names: Vec<String> = unavailable
            .iter()
            .map(|u| format!("{}: {}", family_name(u.family), u.reason))
            .collect();
        format!(" · without {}", names.join("; "))
    };
    let mut out = Vec::new();
    out.push(match &report.mttr {
        Some(m) => match m.median_seconds {
            Some(median) => tiered(
                "MTTR (median)",
                days(median),
                format!(
                    "n = {} fixed · p90 {} · mean {} · GitHub-style mean {}{partial}",
                    m.n,
                    m.p90_seconds.map_or_else(|| NO_DATA.to_owned(), days),
                    m.mean_seconds.map_or_else(|| NO_DATA.to_owned(), days),
                    m.github_mean_seconds
                        .map_or_else(|| NO_DATA.to_owned(), days),
                ),
                m.tier,
            ),
            None => missing("MTTR (median)", NO_DATA),
        },
        None => missing("MTTR (median)", &gap),
    });
    out.push(match &report.sla_attainment {
        Some(sla) => {
            let detail = format!(
                "{} of {} met by the due date · {} overdue open{partial}",
                sla.met, sla.due, sla.overdue_open
            );
            match sla.ratio {
                Some(ratio) => tiered("SLA attainment", share(ratio), detail, sla.tier),
                None => {
                    let mut shown = missing("SLA attainment", NO_DATA);
                    shown.detail = detail;
                    shown
                }
            }
        }
        None => missing("SLA attainment", &gap),
    });
    for family in Family::ALL {
        let label = match family {
            Family::CodeScanning => "MTTD · code scanning",
            Family::Dependabot => "MTTD · Dependabot",
            Family::SecretScanning => "MTTD · secret scanning",
        };
        let reason = unavailable.iter().find(|u| u.family == family);
        let value = report
            .mttd
            .as_ref()
            .and_then(|m| m.get(&family).cloned().flatten());
        out.push(match (value, reason) {
            (_, Some(reason)) => missing(label, &reason.reason),
            (Some(mttd), None) => untiered(
                label,
                days(mttd.median_seconds),
                format!("median, n = {}", mttd.n),
            ),
            (None, None) => missing(label, NO_DATA),
        });
    }
    out.push(match &report.exposure_window {
        Some(exposure) => untiered(
            "Exposure window",
            format!("{:.1} vulnerability-days", exposure.vulnerability_days),
            format!(
                "{} severe findings exposed · {} cut short by leaving scope{partial}",
                exposure.n,
                exposure.ended_by_leaving_scope.len()
            ),
        ),
        None => missing("Exposure window", &gap),
    });
    out.extend(change_stats(report));
    out.push(match &report.net_resolve_rate {
        Some(rate) => untiered(
            "Net resolve rate",
            share(rate.ratio),
            format!(
                "{} closed of {} created, all severities{partial}",
                rate.closed, rate.created
            ),
        ),
        None => missing("Net resolve rate", &gap),
    });
    out.push(match &report.reopen_rate {
        Some(rate) => {
            let detail = format!(
                "{} reopened of {} fixes{partial}",
                rate.reopened, rate.fixes
            );
            match rate.ratio {
                Some(ratio) => tiered("Reopen rate", share(ratio), detail, rate.tier),
                None => {
                    let mut shown = missing("Reopen rate", NO_DATA);
                    shown.detail = detail;
                    shown
                }
            }
        }
        None => missing("Reopen rate", &gap),
    });
    out
}

/// Detection, escape and change failure rates: from merged pull requests.
fn change_stats(report: &SecurityReport) -> Vec<Stat> {
    let detection = match &report.detection_rate {
        Some(rate) => tiered(
            "Detection rate",
            share(rate.ratio),
            format!(
                "{} caught before merge · {} after",
                rate.pre_merge, rate.post_merge
            ),
            rate.tier,
        ),
        None => missing("Detection rate", NO_DATA),
    };
    let escape = match &report.escape_rate {
        Some(rate) => {
            let detail = format!(
                "{} of {} merges escaped · unscanned share {}",
                rate.escaped,
                rate.merged,
                share(rate.unscanned_ratio)
            );
            match rate.ratio {
                Some(ratio) => tiered("Escape rate", share(ratio), detail, rate.tier),
                None => {
                    let mut shown = missing("Escape rate", NO_DATA);
                    shown.detail = detail;
                    shown
                }
            }
        }
        None => missing("Escape rate", NO_DATA),
    };
    let failure = match &report.change_failure_rate {
        Some(rate) => {
            let label = if rate.provisional {
                "Change failure rate · provisional"
            } else {
                "Change failure rate"
            };
            let mut detail = format!("{} of {} changes failed", rate.failed, rate.changes);
            if rate.provisional {
                detail.push_str(" · provisional: a 30-day horizon is still open");
            }
            tiered(label, share(rate.ratio), detail, rate.tier)
        }
        None => missing("Change failure rate", NO_DATA),
    };
    vec![detection, escape, failure]
}

/// The section of the organisation's page or of one repository's; `names` maps
/// repository ids to (name, private).
pub(crate) fn section(
    view: &SecurityView,
    names: &BTreeMap<i64, (String, bool)>,
) -> SecuritySection {
    let report = &view.report;
    let overdue = report
        .sla_attainment
        .iter()
        .flat_map(|sla| sla.overdue.iter())
        .map(|finding| {
            let repo = names.get(&finding.repository).map_or_else(
                || format!("repository {}", finding.repository),
                |(name, _)| name.clone(),
            );
            let (severity, severity_class) = severity_word(finding.severity);
            OverdueRow {
                href: repo_href(&view.org, &repo),
                repo,
                family: family_name(finding.family),
                number: finding.number,
                severity,
                severity_class,
                due: date(finding.due_at),
            }
        })
        .collect();
    SecuritySection {
        window: format!(
            "{} days, {} to {}",
            report.window.days,
            date(report.window.start),
            date(report.window.end)
        ),
        threshold: severity_word(report.severity_threshold).0,
        stats: stats(report, &view.unavailable),
        trend: svg::security_trend(&view.weekly),
        overdue,
        unavailable: view.unavailable.iter().map(|u| u.reason.clone()).collect(),
    }
}

/// The status page's aggregates: the headline numbers only (the caller has left
/// private repositories out of the record).
/// Nothing when the record has nothing to show at all.
pub(super) fn aggregates(view: &SecurityView) -> Vec<Stat> {
    let report = &view.report;
    let any = report.mttr.is_some()
        || report.sla_attainment.is_some()
        || report.exposure_window.is_some()
        || report.detection_rate.is_some()
        || report.escape_rate.is_some()
        || report.change_failure_rate.is_some()
        || report.net_resolve_rate.is_some()
        || report.reopen_rate.is_some();
    if any {
        stats(report, &view.unavailable)
    } else {
        Vec::new()
    }
}
