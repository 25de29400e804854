//! A repository's page, from its line of the organisation's report and its record: the
//! stack, scanners (with the state their runs give them) and requirements of the latest scan
//! report, read as the typed [`ScanReport`], then onboarding pull requests, scans,
//! requirement events and incidents.

use fullcover_core::detect::scanners::EvidenceKind;
use serde::Serialize;

use super::security::SecuritySection;
use super::{
    IncidentRow, Nav, PullView, Stat, TIER_MINIMUM, Tier, incidents_word, org_href, percent,
    pull_view, ratio_class, stat, state_label,
};
use crate::dashboard::{date, date_time};
use crate::store::RepoDetail;
use fullcover_core::evaluate::Status;
use fullcover_core::metrics::{RepoSummary, ScannerState, human_duration};
use fullcover_core::report::ScanReport;

#[derive(Debug, Serialize)]
struct Language {
    name: String,
    share: String,
    width: f64,
    files: usize,
}

#[derive(Debug, Serialize)]
struct NamedFiles {
    name: String,
    files: String,
}

#[derive(Debug, Serialize)]
struct ScannerRow {
    name: String,
    category: String,
    activity: &'static str,
    activity_class: &'static str,
    how: &'static str,
    evidence: Vec<String>,
    covers: String,
}

#[derive(Debug, Serialize)]
struct PlatformRow {
    name: String,
    state: String,
    state_class: &'static str,
}

/// The report's platform controls, when the App read them.
fn platform_rows(report: &ScanReport) -> Vec<PlatformRow> {
    if report.platform.source == fullcover_core::platform::Source::None {
        return Vec::new();
    }
    report
        .platform
        .controls
        .iter()
        .map(|control| PlatformRow {
            name: control.name.clone(),
            state: control.describe(),
            state_class: match control.state.as_str() {
                "enabled" => "pill-good",
                "disabled" => "pill-bad",
                _ => "pill-neutral",
            },
        })
        .collect()
}

#[derive(Debug, Serialize)]
struct RequirementRow {
    id: String,
    category: String,
    status: String,
    status_class: &'static str,
    reason: String,
    satisfied_by: String,
    /// The state of the scanner it relies on (`scanner_state`), since when, and why.
    run_state: &'static str,
    run_class: &'static str,
    run_since: String,
    run_why: String,
}

#[derive(Debug, Serialize)]
struct PullHistoryRow {
    pull: PullView,
    opened: String,
    ended: String,
    took: String,
}

#[derive(Debug, Serialize)]
struct ScanRow {
    date: String,
    ratio: String,
    class: &'static str,
    missing: String,
}

#[derive(Debug, Serialize)]
struct EventRow {
    date: String,
    requirement: String,
    event: String,
    class: &'static str,
}

#[derive(Debug, Serialize)]
pub(crate) struct RepoView {
    title: String,
    viewer: Option<crate::dashboard::SignedIn>,
    nav: Option<Nav>,
    org: String,
    org_href: String,
    name: String,
    full_name: String,
    state: &'static str,
    state_class: &'static str,
    reason: Option<String>,
    headline: Vec<Stat>,
    has_report: bool,
    /// The latest scan's warnings about the whole repository (what its bounds left
    /// unread), and how many concern single files.
    scan_warnings: Vec<String>,
    file_warnings: usize,
    languages: Vec<Language>,
    iac: Vec<NamedFiles>,
    ecosystems: Vec<NamedFiles>,
    scanners: Vec<ScannerRow>,
    /// GitHub's own controls: (name, state), "unknown (no permission)" included.
    platform: Vec<PlatformRow>,
    requirements: Vec<RequirementRow>,
    unmatched_checks: Vec<String>,
    pulls: Vec<PullHistoryRow>,
    scans: Vec<ScanRow>,
    events: Vec<EventRow>,
    incidents: Vec<IncidentRow>,
    security: Option<SecuritySection>,
}

/// Up to `limit` items joined, with a count of the rest.
fn some_of(list: &[String], limit: usize) -> String {
    let mut shown = list
        .iter()
        .take(limit)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if list.len() > limit {
        shown.push_str(&format!(" and {} more", list.len() - limit));
    }
    shown
}

/// What the repository is made of: languages, IaC kinds and package ecosystems.
fn stack(report: &ScanReport) -> (Vec<Language>, Vec<NamedFiles>, Vec<NamedFiles>) {
    let languages = report
        .languages
        .iter()
        .map(|language| Language {
            name: language.name.clone(),
            share: format!("{:.1}%", language.share),
            width: language.share.clamp(0.0, 100.0),
            files: language.files,
        })
        .collect();
    let iac = report
        .iac
        .iter()
        .map(|kind| NamedFiles {
            name: kind.name.clone(),
            files: some_of(&kind.files, 4),
        })
        .collect();
    let ecosystems = report
        .ecosystems
        .iter()
        .map(|ecosystem| NamedFiles {
            name: ecosystem.title.clone(),
            files: some_of(&ecosystem.manifests, 4),
        })
        .collect();
    (languages, iac, ecosystems)
}

/// A scanner state's word and pill.
fn state_pill(state: ScannerState) -> (&'static str, &'static str) {
    match state {
        ScannerState::Running => ("running", "pill-good"),
        ScannerState::Configured => ("configured", "pill-neutral"),
        ScannerState::Failing => ("failing", "pill-bad"),
        ScannerState::Stale => ("stale", "pill-warn"),
    }
}

/// The scanners found, each with the state `metrics::scanner_state` decided for every
/// page and the API (a scanner no satisfied requirement relies on is only configured).
fn scanners(report: &ScanReport, summary: &RepoSummary) -> Vec<ScannerRow> {
    report
        .scanners
        .iter()
        .map(|scanner| {
            let status = summary
                .scanner_states
                .iter()
                .find(|status| status.id == scanner.id);
            // GitHub runs its own controls: nothing to observe, their answer is the run.
            let platform = scanner
                .evidence
                .iter()
                .any(|e| e.kind == EvidenceKind::Platform);
            let (activity, activity_class) = if platform {
                ("running", "pill-good")
            } else {
                state_pill(status.map_or(ScannerState::Configured, |status| status.state))
            };
            ScannerRow {
                name: scanner.name.clone(),
                category: scanner.category.as_str().to_owned(),
                activity,
                activity_class,
                how: if platform {
                    "GitHub runs it (settings, read through the API)"
                } else if scanner.running {
                    "runs in CI"
                } else {
                    "configuration only"
                },
                evidence: scanner
                    .evidence
                    .iter()
                    .map(|evidence| {
                        if evidence.kind == EvidenceKind::Platform {
                            return evidence.signal.clone();
                        }
                        let place = format!("{}:{}", evidence.path, evidence.line);
                        if evidence.signal.is_empty() {
                            place
                        } else {
                            format!("{place} — {}", evidence.signal)
                        }
                    })
                    .collect(),
                covers: scanner.covers.join(", "),
            }
        })
        .collect()
}

fn requirements(report: &ScanReport, summary: &RepoSummary) -> Vec<RequirementRow> {
    report
        .requirements
        .iter()
        .map(|requirement| {
            let (status, status_class) = match requirement.status {
                Status::Satisfied => ("satisfied", "pill-good"),
                Status::Missing => ("missing", "pill-bad"),
                Status::Skipped => ("skipped", "pill-neutral"),
            };
            let run = summary
                .requirement_states
                .iter()
                .find(|state| state.requirement == requirement.id);
            let (run_state, run_class) = run.map_or(("", ""), |run| state_pill(run.state));
            RequirementRow {
                run_state,
                run_class,
                run_since: run.map(|run| date_time(run.since)).unwrap_or_default(),
                run_why: run.map(|run| run.why.clone()).unwrap_or_default(),
                id: requirement.id.clone(),
                category: requirement.category.as_str().to_owned(),
                status: status.to_owned(),
                status_class,
                reason: requirement.reason.clone(),
                satisfied_by: requirement.satisfied_by.join(", "),
            }
        })
        .collect()
}

/// Onboarding pull requests, scans and requirement events, latest first.
fn history_rows(
    detail: &RepoDetail,
    now: i64,
) -> (Vec<PullHistoryRow>, Vec<ScanRow>, Vec<EventRow>) {
    let history = &detail.history;
    let pulls = history
        .pulls
        .iter()
        .rev()
        .map(|pull| {
            let ended = pull.merged_at.or(pull.closed_at);
            PullHistoryRow {
                pull: pull_view(pull.number, &pull.state, &pull.url),
                opened: date_time(pull.opened_at),
                ended: ended.map_or_else(|| "–".to_owned(), date_time),
                took: ended.map_or_else(
                    || format!("open for {}", human_duration(now - pull.opened_at)),
                    |at| human_duration(at - pull.opened_at),
                ),
            }
        })
        .collect();
    let scans = history
        .scans
        .iter()
        .rev()
        .map(|scan| ScanRow {
            date: date_time(scan.at),
            ratio: format!("{} of {}", scan.ratio.satisfied, scan.ratio.required),
            class: if scan.ratio.required == 0 {
                "cell-na"
            } else {
                ratio_class(&scan.ratio)
            },
            missing: scan.missing.join(", "),
        })
        .collect();
    let events = detail
        .requirement_events
        .iter()
        .rev()
        .map(|(requirement, event, at)| EventRow {
            date: date_time(*at),
            requirement: requirement.clone(),
            event: event.clone(),
            class: match event.as_str() {
                "satisfied" | "restored" => "pill-good",
                "broken" => "pill-bad",
                _ => "pill-info",
            },
        })
        .collect();
    (pulls, scans, events)
}

fn incident_rows(detail: &RepoDetail, now: i64) -> Vec<IncidentRow> {
    detail
        .history
        .incidents(now)
        .iter()
        .rev()
        .map(|incident| IncidentRow {
            repo: None,
            href: None,
            broken: date_time(incident.broken_at),
            restored: incident
                .restored_at
                .map_or_else(|| "open".to_owned(), date_time),
            open: incident.restored_at.is_none(),
            lasted: human_duration(incident.restored_at.unwrap_or(now) - incident.broken_at),
            missing: incident.missing.join(", "),
        })
        .collect()
}

fn headline(summary: &RepoSummary, detail: &RepoDetail, incidents: &[IncidentRow]) -> Vec<Stat> {
    let open = incidents.iter().filter(|i| i.open).count();
    let coverage = summary
        .scanned
        .then(|| summary.coverage_percent.or(Some(100.0)))
        .flatten();
    vec![
        stat(
            "Coverage",
            if summary.scanned {
                percent(coverage)
            } else {
                "–".to_owned()
            },
            if summary.scanned {
                format!(
                    "{} of {} requirements satisfied",
                    summary.requirements.satisfied, summary.requirements.required
                )
            } else {
                "Not scanned yet".to_owned()
            },
            if summary.scanned {
                Tier::of_coverage(coverage)
            } else {
                Tier::None
            },
        ),
        stat(
            "Time to full coverage",
            summary
                .time_to_full_coverage
                .map_or_else(|| "not yet".to_owned(), human_duration),
            format!("In scope since {}", date(detail.history.entered_scope_at)),
            Tier::of_duration(summary.time_to_full_coverage, TIER_MINIMUM),
        ),
        stat(
            "Coverage uptime · 90 d",
            percent(summary.uptime_90d),
            "Share of time fully covered".to_owned(),
            Tier::of_uptime(summary.uptime_90d),
        ),
        stat(
            "Open incidents",
            open.to_string(),
            format!("{} in total", incidents_word(incidents.len())),
            if open == 0 { Tier::Elite } else { Tier::Low },
        ),
    ]
}

/// A repository's page: its stack, scanners with evidence, requirements, active checks,
/// onboarding pull requests and coverage history. `summary` is the repository's line of
/// the organisation's report, so the page says what the organisation page says.
pub(crate) fn page(
    org: &str,
    summary: &RepoSummary,
    detail: &RepoDetail,
    now: i64,
    viewer: &crate::dashboard::SignedIn,
    security: Option<SecuritySection>,
) -> RepoView {
    let (languages, iac, ecosystems) = detail.report.as_ref().map(stack).unwrap_or_default();
    // Without a scan report no scanner row can name the checks that ran: list them.
    let (scanners, unmatched_checks) = match &detail.report {
        Some(report) => (scanners(report, summary), Vec::new()),
        None => (Vec::new(), summary.active_checks.clone()),
    };
    let requirements = detail
        .report
        .as_ref()
        .map(|report| requirements(report, summary))
        .unwrap_or_default();
    let platform = detail
        .report
        .as_ref()
        .map(platform_rows)
        .unwrap_or_default();
    let (pulls, scans, events) = history_rows(detail, now);
    let incidents = incident_rows(detail, now);
    let warnings = detail
        .report
        .as_ref()
        .map_or(&[][..], |report| &report.warnings[..]);
    let scan_warnings = warnings
        .iter()
        .filter(|warning| warning.path.is_none())
        .map(|warning| warning.message.clone())
        .collect();
    let file_warnings = warnings
        .iter()
        .filter(|warning| warning.path.is_some())
        .count();
    let (state, state_class) = state_label(&summary.state);
    RepoView {
        title: format!("{} · AppSec coverage", summary.full_name),
        viewer: Some(viewer.clone()),
        nav: Some(Nav {
            org: org.to_owned(),
            org_href: org_href(org),
            repo: Some(summary.name.clone()),
        }),
        org: org.to_owned(),
        org_href: org_href(org),
        name: summary.name.clone(),
        full_name: summary.full_name.clone(),
        state,
        state_class,
        reason: summary.reason.clone(),
        headline: headline(summary, detail, &incidents),
        has_report: detail.report.is_some(),
        scan_warnings,
        file_warnings,
        languages,
        iac,
        ecosystems,
        scanners,
        platform,
        requirements,
        unmatched_checks,
        pulls,
        scans,
        events,
        incidents,
        security,
    }
}
