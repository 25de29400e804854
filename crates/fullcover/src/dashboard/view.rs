//! What each page shows, worked out from the metrics: display strings, tiers, links and
//! charts, so that the templates only lay them out.

use serde::Serialize;
use serde_json::Value;

use super::svg::{self, Measure};
use super::{date, date_time};
use crate::store::RepoDetail;
use fullcover_core::metrics::{DAY, OrgReport, Ratio, RepoSummary, human_duration};

/// The six categories of requirements, in the order the matrix shows them.
pub const CATEGORIES: [(&str, &str, &str); 6] = [
    ("sast", "SAST", "Code scanning (SAST)"),
    ("secrets", "Secrets", "Secret scanning"),
    ("sca", "SCA", "Dependencies (SCA)"),
    ("iac", "IaC", "Infrastructure as code"),
    ("container", "Container", "Container images"),
    ("cicd", "CI/CD", "CI/CD workflows"),
];

/// Fewer values than this give a number but no tier (security-metrics.md §5).
const TIER_MINIMUM: usize = 5;

/// The performance tier of a value, as a CSS class and a word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tier {
    Elite,
    High,
    Medium,
    Low,
    /// A value without a tier: no data, or too few values.
    None,
}

impl Tier {
    fn class(self) -> &'static str {
        match self {
            Tier::Elite => "tier-elite",
            Tier::High => "tier-high",
            Tier::Medium => "tier-medium",
            Tier::Low => "tier-low",
            Tier::None => "tier-none",
        }
    }

    fn word(self) -> &'static str {
        match self {
            Tier::Elite => "Elite",
            Tier::High => "High",
            Tier::Medium => "Medium",
            Tier::Low => "Low",
            Tier::None => "No tier",
        }
    }

    /// M8: 100% / >= 95% / >= 80% / below.
    fn of_coverage(percent: Option<f64>) -> Tier {
        match percent {
            None => Tier::None,
            Some(p) if p >= 100.0 => Tier::Elite,
            Some(p) if p >= 95.0 => Tier::High,
            Some(p) if p >= 80.0 => Tier::Medium,
            Some(_) => Tier::Low,
        }
    }

    /// M9: >= 99.5% / >= 99% / >= 95% / below.
    fn of_uptime(percent: Option<f64>) -> Tier {
        match percent {
            None => Tier::None,
            Some(p) if p >= 99.5 => Tier::Elite,
            Some(p) if p >= 99.0 => Tier::High,
            Some(p) if p >= 95.0 => Tier::Medium,
            Some(_) => Tier::Low,
        }
    }

    /// M10 and M13: <= 1 day / <= 7 days / <= 30 days / longer; only from `count`
    /// values or more.
    fn of_duration(seconds: Option<i64>, count: usize) -> Tier {
        match seconds {
            _ if count < TIER_MINIMUM => Tier::None,
            None => Tier::None,
            Some(s) if s <= DAY => Tier::Elite,
            Some(s) if s <= 7 * DAY => Tier::High,
            Some(s) if s <= 30 * DAY => Tier::Medium,
            Some(_) => Tier::Low,
        }
    }
}

/// One big number of a headline strip.
#[derive(Debug, Serialize)]
pub struct Stat {
    label: &'static str,
    value: String,
    detail: String,
    tier_class: &'static str,
    tier: &'static str,
}

fn stat(label: &'static str, value: String, detail: String, tier: Tier) -> Stat {
    Stat {
        label,
        value,
        detail,
        tier_class: tier.class(),
        tier: tier.word(),
    }
}

fn incidents_word(count: usize) -> String {
    if count == 1 {
        "1 incident".to_owned()
    } else {
        format!("{count} incidents")
    }
}

fn percent(value: Option<f64>) -> String {
    value.map_or_else(|| "–".to_owned(), |p| format!("{p}%"))
}

fn duration(value: Option<i64>) -> String {
    value.map_or_else(|| "–".to_owned(), human_duration)
}

/// A path segment with everything but unreserved characters percent-encoded.
fn segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

fn org_href(org: &str) -> String {
    format!("/orgs/{}", segment(org))
}

fn repo_href(org: &str, name: &str) -> String {
    format!("/orgs/{}/repos/{}", segment(org), segment(name))
}

/// A link only when it is an http(s) URL: anything else is shown as text.
fn safe_url(url: &str) -> Option<String> {
    (url.starts_with("https://") || url.starts_with("http://")).then(|| url.to_owned())
}

fn state_label(state: &str) -> (&'static str, &'static str) {
    match state {
        "covered" => ("Covered", "pill-good"),
        "onboarding" => ("Onboarding", "pill-info"),
        "pending" => ("Pending", "pill-neutral"),
        "opted_out" => ("Opted out", "pill-warn"),
        "excluded" => ("Excluded", "pill-neutral"),
        _ => ("Unknown", "pill-neutral"),
    }
}

fn pull_class(state: &str) -> &'static str {
    match state {
        "merged" => "pill-merged",
        "open" => "pill-good",
        _ => "pill-bad",
    }
}

/// The class of a satisfied/required ratio: full, partial, none or nothing required.
fn ratio_class(ratio: &Ratio) -> &'static str {
    if ratio.required == 0 {
        "cell-na"
    } else if ratio.satisfied >= ratio.required {
        "cell-full"
    } else if ratio.satisfied > 0 {
        "cell-partial"
    } else {
        "cell-none"
    }
}

#[derive(Debug, Serialize)]
struct Cell {
    text: String,
    class: &'static str,
    title: String,
}

#[derive(Debug, Serialize)]
struct PullView {
    number: i64,
    url: Option<String>,
    state: String,
    class: &'static str,
}

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
struct IncidentRow {
    repo: Option<String>,
    href: Option<String>,
    broken: String,
    restored: String,
    open: bool,
    lasted: String,
    missing: String,
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

/// The breadcrumb in the top bar: the organisation, and the repository if any.
#[derive(Debug, Serialize)]
struct Nav {
    org: String,
    org_href: String,
    repo: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct OrgView {
    title: String,
    viewer: Option<String>,
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
    funnel: Vec<FunnelStep>,
    median_time_to_merge: String,
    pulls: Vec<PullRow>,
    incidents: Vec<IncidentRow>,
}

fn cells(categories: &std::collections::BTreeMap<String, Ratio>) -> Vec<Cell> {
    CATEGORIES
        .iter()
        .map(|(key, _, long)| {
            let ratio = categories.get(*key).copied().unwrap_or_default();
            if ratio.required == 0 {
                Cell {
                    text: "–".to_owned(),
                    class: "cell-na",
                    title: format!("{long}: nothing required"),
                }
            } else {
                Cell {
                    text: format!("{}/{}", ratio.satisfied, ratio.required),
                    class: ratio_class(&ratio),
                    title: format!(
                        "{long}: {} of {} satisfied",
                        ratio.satisfied, ratio.required
                    ),
                }
            }
        })
        .collect()
}

fn pull_view(number: i64, state: &str, url: &str) -> PullView {
    PullView {
        number,
        url: safe_url(url),
        state: state.to_owned(),
        class: pull_class(state),
    }
}

/// Headline numbers shared by the organisation and status pages.
fn org_headline(report: &OrgReport) -> Vec<Stat> {
    let reached = report
        .time_to_full_coverage_distribution
        .iter()
        .filter(|bucket| bucket.label != "not yet")
        .map(|bucket| bucket.count as usize)
        .sum();
    let restored = report
        .incidents
        .iter()
        .filter(|i| {
            i.restored_at
                .is_some_and(|at| at >= report.generated_at - 90 * DAY)
        })
        .count();
    let reach = |value: Option<i64>| {
        value.map_or_else(
            || "not yet".to_owned(),
            |seconds| format!("in {}", human_duration(seconds)),
        )
    };
    let org_ttfc = format!(
        "Org: 90% {} · 100% {}",
        reach(report.time_to_90_percent),
        reach(report.time_to_full_coverage)
    );
    vec![
        stat(
            "Repositories fully covered",
            format!(
                "{} of {}",
                report.repos_fully_covered, report.repos_in_scope
            ),
            format!(
                "{} of repositories in scope",
                percent(report.coverage_percent)
            ),
            Tier::of_coverage(report.coverage_percent),
        ),
        stat(
            "Requirements satisfied",
            format!(
                "{} of {}",
                report.requirements.satisfied, report.requirements.required
            ),
            format!(
                "{} of required controls",
                percent(report.requirements_percent)
            ),
            Tier::of_coverage(report.requirements_percent),
        ),
        stat(
            "Time to full coverage",
            duration(report.median_time_to_full_coverage),
            format!("Median per repository · {org_ttfc}"),
            Tier::of_duration(report.median_time_to_full_coverage, reached),
        ),
        stat(
            "Coverage uptime · 30 d",
            percent(report.uptime_30d),
            "Share of repository-time fully covered".to_owned(),
            Tier::of_uptime(report.uptime_30d),
        ),
        stat(
            "Coverage uptime · 90 d",
            percent(report.uptime_90d),
            "Share of repository-time fully covered".to_owned(),
            Tier::of_uptime(report.uptime_90d),
        ),
        stat(
            "Median time to restore",
            duration(report.median_time_to_restore),
            format!("Over {} restored in 90 d", incidents_word(restored)),
            Tier::of_duration(report.median_time_to_restore, restored),
        ),
        stat(
            "Open incidents",
            report.open_incidents.to_string(),
            format!("{} in total", incidents_word(report.incidents.len())),
            if report.open_incidents == 0 {
                Tier::Elite
            } else {
                Tier::Low
            },
        ),
    ]
}

fn category_totals(report: &OrgReport) -> Vec<Cell> {
    cells(&report.categories)
}

pub fn org(report: &OrgReport, viewer: &str) -> OrgView {
    let org = &report.org;
    let matrix = |repo: &&RepoSummary| repo.in_scope && repo.state != "opted_out";
    let rows = report
        .repos
        .iter()
        .filter(matrix)
        .map(|repo| MatrixRow {
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
            active: repo
                .active_scanners
                .iter()
                .map(|scanner| scanner.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        })
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
    OrgView {
        title: format!("{org} · AppSec coverage"),
        viewer: Some(viewer.to_owned()),
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
        funnel: vec![
            step("Opened", funnel.opened, "bar-info"),
            step("Merged", funnel.merged, "bar-good"),
            step("Still open", funnel.open, "bar-neutral"),
            step("Closed unmerged", funnel.closed, "bar-bad"),
        ],
        median_time_to_merge: duration(funnel.median_time_to_merge),
        pulls,
        incidents,
    }
}

#[derive(Debug, Serialize)]
struct Language {
    name: String,
    share: String,
    width: f64,
    files: u64,
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
struct RequirementRow {
    id: String,
    category: String,
    status: String,
    status_class: &'static str,
    reason: String,
    satisfied_by: String,
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
pub struct RepoView {
    title: String,
    viewer: Option<String>,
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
    languages: Vec<Language>,
    iac: Vec<NamedFiles>,
    ecosystems: Vec<NamedFiles>,
    scanners: Vec<ScannerRow>,
    requirements: Vec<RequirementRow>,
    unmatched_checks: Vec<String>,
    pulls: Vec<PullHistoryRow>,
    scans: Vec<ScanRow>,
    events: Vec<EventRow>,
    incidents: Vec<IncidentRow>,
}

fn text(value: &Value, key: &str) -> String {
    match value.get(key) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

fn items<'a>(value: &'a Value, key: &str) -> &'a [Value] {
    value
        .get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

fn strings(value: &Value, key: &str) -> Vec<String> {
    items(value, key)
        .iter()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect()
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

pub fn repo(
    org: &str,
    summary: &RepoSummary,
    detail: &RepoDetail,
    now: i64,
    viewer: &str,
) -> RepoView {
    let history = &detail.history;
    let empty = Value::Null;
    let report = detail.report.as_ref().unwrap_or(&empty);
    let languages = items(report, "languages")
        .iter()
        .map(|language| {
            let share = language.get("share").and_then(Value::as_f64).unwrap_or(0.0);
            Language {
                name: text(language, "name"),
                share: format!("{share:.1}%"),
                width: share.clamp(0.0, 100.0),
                files: language.get("files").and_then(Value::as_u64).unwrap_or(0),
            }
        })
        .collect();
    let iac = items(report, "iac")
        .iter()
        .map(|kind| NamedFiles {
            name: text(kind, "name"),
            files: some_of(&strings(kind, "files"), 4),
        })
        .collect();
    let ecosystems = items(report, "ecosystems")
        .iter()
        .map(|ecosystem| NamedFiles {
            name: text(ecosystem, "title"),
            files: some_of(&strings(ecosystem, "manifests"), 4),
        })
        .collect();
    // Active or not is decided once, by `metrics::activity`, for every page and the API.
    let mut shown_checks: Vec<&str> = Vec::new();
    let scanners = items(report, "scanners")
        .iter()
        .map(|scanner| {
            let id = text(scanner, "id");
            let name = text(scanner, "name");
            let active = summary
                .active_scanners
                .iter()
                .find(|active| active.id == id);
            if let Some(active) = active {
                shown_checks.extend(active.checks.iter().map(String::as_str));
            }
            let active = active.is_some();
            let running = scanner
                .get("running")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            let (activity, activity_class) = if active {
                ("active", "pill-good")
            } else {
                ("configured", "pill-neutral")
            };
            ScannerRow {
                name,
                category: text(scanner, "category"),
                activity,
                activity_class,
                how: if running {
                    "runs in CI"
                } else {
                    "configuration only"
                },
                evidence: items(scanner, "evidence")
                    .iter()
                    .map(|e| {
                        let signal = text(e, "signal");
                        let place = format!("{}:{}", text(e, "path"), text(e, "line"));
                        if signal.is_empty() {
                            place
                        } else {
                            format!("{place} — {signal}")
                        }
                    })
                    .collect(),
                covers: strings(scanner, "covers").join(", "),
            }
        })
        .collect();
    let unmatched_checks = summary
        .active_checks
        .iter()
        .filter(|check| !shown_checks.contains(&check.as_str()))
        .cloned()
        .collect();
    let requirements = items(report, "requirements")
        .iter()
        .map(|requirement| {
            let status = text(requirement, "status");
            RequirementRow {
                id: text(requirement, "id"),
                category: text(requirement, "category"),
                status_class: match status.as_str() {
                    "satisfied" => "pill-good",
                    "missing" => "pill-bad",
                    _ => "pill-neutral",
                },
                status,
                reason: text(requirement, "reason"),
                satisfied_by: strings(requirement, "satisfied_by").join(", "),
            }
        })
        .collect();
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
    let incidents: Vec<IncidentRow> = history
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
        .collect();
    let open = incidents.iter().filter(|i| i.open).count();
    let (state, state_class) = state_label(&summary.state);
    let headline = vec![
        stat(
            "Coverage",
            if summary.scanned {
                percent(summary.coverage_percent.or(Some(100.0)))
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
                Tier::of_coverage(summary.coverage_percent.or(Some(100.0)))
            } else {
                Tier::None
            },
        ),
        stat(
            "Time to full coverage",
            summary
                .time_to_full_coverage
                .map_or_else(|| "not yet".to_owned(), human_duration),
            format!("In scope since {}", date(history.entered_scope_at)),
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
    ];
    RepoView {
        title: format!("{} · AppSec coverage", summary.full_name),
        viewer: Some(viewer.to_owned()),
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
        headline,
        has_report: detail.report.is_some(),
        languages,
        iac,
        ecosystems,
        scanners,
        requirements,
        unmatched_checks,
        pulls,
        scans,
        events,
        incidents,
    }
}

#[derive(Debug, Serialize)]
struct CategoryStatus {
    name: &'static str,
    value: String,
    detail: String,
    class: &'static str,
}

#[derive(Debug, Serialize)]
pub struct StatusView {
    title: String,
    viewer: Option<String>,
    nav: Option<Nav>,
    org: String,
    generated: String,
    status: String,
    status_class: &'static str,
    headline: Vec<Stat>,
    bars: String,
    uptime_90d: String,
    categories: Vec<CategoryStatus>,
}

pub fn status(report: &OrgReport) -> StatusView {
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
    }
}

#[derive(Debug, Serialize)]
struct OrgLink {
    name: String,
    href: String,
}

#[derive(Debug, Serialize)]
pub struct IndexView {
    title: &'static str,
    viewer: Option<String>,
    nav: Option<Nav>,
    orgs: Vec<OrgLink>,
}

pub fn index(orgs: &[String], viewer: Option<&str>) -> IndexView {
    IndexView {
        title: "Fullcover · AppSec coverage",
        viewer: viewer.map(str::to_owned),
        nav: None,
        orgs: orgs
            .iter()
            .map(|org| OrgLink {
                name: org.clone(),
                href: org_href(org),
            })
            .collect(),
    }
}

#[derive(Debug, Serialize)]
pub struct MessageView {
    title: String,
    viewer: Option<String>,
    nav: Option<Nav>,
    text: String,
}

pub fn message(title: &str, text: &str) -> MessageView {
    MessageView {
        title: title.to_owned(),
        viewer: None,
        nav: None,
        text: text.to_owned(),
    }
}
