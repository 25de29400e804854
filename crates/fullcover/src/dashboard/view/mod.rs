//! What each page shows, worked out from the metrics: display strings, tiers, links and
//! charts, so that the templates only lay them out. One module per page ([`org`],
//! [`repo`], [`status`], [`home`] for the home and message pages); this one holds what
//! they share ([`security`] builds the security outcomes section of several pages): tiers, headline numbers, links, matrix cells and pull request pills.
//! Children see these private items; the dashboard sees only the pages.

pub(crate) mod home;
pub(crate) mod org;
pub(crate) mod repo;
pub(crate) mod security;
pub(crate) mod status;

use serde::Serialize;

use fullcover_core::metrics::{DAY, OrgReport, Ratio, human_duration};

/// The six categories of requirements, in the order the matrix shows them.
const CATEGORIES: [(&str, &str, &str); 6] = [
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
struct Stat {
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
struct IncidentRow {
    repo: Option<String>,
    href: Option<String>,
    broken: String,
    restored: String,
    open: bool,
    lasted: String,
    missing: String,
}

/// The breadcrumb in the top bar: the organisation, and the repository if any.
#[derive(Debug, Serialize)]
struct Nav {
    org: String,
    org_href: String,
    repo: Option<String>,
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
        stat(
            "Broken by a scanner",
            report.repos_with_broken_scanners.to_string(),
            format!(
                "Repositories whose scanner fails, went stale or never ran · {} requirements",
                report.requirements_broken
            ),
            if report.repos_with_broken_scanners == 0 {
                Tier::Elite
            } else {
                Tier::Low
            },
        ),
    ]
}
