//! The pages rendered from a scripted organisation: numbers and names shown, values
//! escaped, the status page free of anything private, badges and charts well-formed.

use std::collections::BTreeMap;

use quick_xml::Reader;
use quick_xml::events::Event;

use super::svg::{self, Measure};
use super::*;
use fullcover_core::metrics::{
    Bucket, DAY, HOUR, HistoryPoint, PullPoint, Ratio, RecordedRun, Reliance, RepoHistory,
    RunSource, ScanPoint, org_report,
};
use fullcover_core::rules::RuleSet;

fn rules() -> RuleSet {
    RuleSet::embedded().unwrap()
}

/// Midnight UTC, 2023-11-15.
const T0: i64 = 1_700_006_400;
const NOW: i64 = T0 + 20 * DAY;

fn scan(at: i64, satisfied: u64, required: u64, missing: &[&str]) -> ScanPoint {
    ScanPoint {
        at,
        ratio: Ratio {
            required,
            satisfied,
        },
        missing: missing.iter().map(|m| (*m).to_owned()).collect(),
        reliance: Default::default(),
        categories: BTreeMap::from([
            (
                "sast".to_owned(),
                Ratio {
                    required: 1,
                    satisfied: u64::from(satisfied > 0),
                },
            ),
            (
                "sca".to_owned(),
                Ratio {
                    required: required - 1,
                    satisfied: satisfied.saturating_sub(1),
                },
            ),
        ]),
    }
}

fn repo(name: &str, state: &str, scans: Vec<ScanPoint>) -> RepoHistory {
    RepoHistory {
        id: 0,
        full_name: format!("acme/{name}"),
        private: false,
        state: state.into(),
        reason: None,
        entered_scope_at: T0,
        left_scope_at: None,
        scans,
        pulls: Vec::new(),
        runs: Vec::new(),
    }
}

/// Three repositories: `api` covered since day 2 (PR #7 merged), `web` still missing
/// `sca:npm` (PR #8 open), `legacy` excluded.
fn histories(web_name: &str) -> Vec<RepoHistory> {
    let mut api = repo(
        "api",
        "covered",
        vec![
            scan(T0 + HOUR, 1, 3, &["sca:pip", "sca:docker"]),
            scan(T0 + 2 * DAY, 3, 3, &[]),
        ],
    );
    api.pulls = vec![PullPoint {
        number: 7,
        state: "merged".into(),
        url: "https://github.com/acme/api/pull/7".into(),
        opened_at: T0 + HOUR,
        merged_at: Some(T0 + 2 * DAY),
        closed_at: Some(T0 + 2 * DAY),
    }];
    let mut web = repo(
        web_name,
        "onboarding",
        vec![scan(T0 + HOUR, 1, 2, &["sca:npm"])],
    );
    web.pulls = vec![PullPoint {
        number: 8,
        state: "open".into(),
        url: "https://github.com/acme/web/pull/8".into(),
        opened_at: T0 + 2 * HOUR,
        merged_at: None,
        closed_at: None,
    }];
    let mut legacy = repo("legacy", "excluded", Vec::new());
    legacy.reason = Some("archived".into());
    vec![api, web, legacy]
}

fn octocat() -> SignedIn {
    SignedIn {
        login: "octocat".into(),
        csrf: Some("t0ken".into()),
    }
}

fn pages() -> Pages {
    Pages::embedded().unwrap()
}

/// Parses `xml` to the end; returns the root element's attribute `name`.
fn well_formed(xml: &str, name: &str) -> Option<String> {
    let mut reader = Reader::from_str(xml);
    let mut root = None;
    let mut depth = 0usize;
    loop {
        match reader.read_event() {
            Ok(Event::Eof) => break,
            Ok(Event::Start(start)) => {
                if depth == 0 {
                    root = start
                        .attributes()
                        .flatten()
                        .find(|a| a.key.into_inner() == name)
                        .and_then(|a| {
                            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                                .ok()
                                .map(|v| v.into_owned())
                        });
                }
                depth += 1;
            }
            Ok(Event::End(_)) => depth -= 1,
            Ok(_) => {}
            Err(err) => panic!(
                "not well-formed at {}: {err}\n{xml}",
                reader.error_position()
            ),
        }
    }
    assert_eq!(depth, 0, "unclosed elements in {xml}");
    root
}

/// GitHub's limits as the App paces them.
fn github_limits() -> fullcover_core::metrics::queue::WriteLimits {
    crate::github::limits::Pacing::default().write_limits()
}

fn no_queue() -> QueueEstimate {
    fullcover_core::metrics::queue::estimate(0, 4, &github_limits())
}

#[test]
fn org_page_shows_the_onboarding_queue_and_what_its_estimate_rests_on() {
    let report = org_report("acme", &histories("web"), &rules().scanners, NOW);
    let queue = fullcover_core::metrics::queue::estimate(4210, 4, &github_limits());
    let html = pages()
        .org(&report, &Listing::default(), &octocat(), None, &queue)
        .unwrap();
    let start = html.find("id=\"onboarding-queue\"").expect("the queue box");
    let queue_box = &html[start..start + html[start..].find("</div>").unwrap()];
    // Handlebars escapes the apostrophe of "GitHub's".
    assert!(
        queue_box.contains("4,210 repositories left, about 34 h at GitHub&#x27;s limits"),
        "{queue_box}"
    );
    assert!(
        queue_box.contains("4 writes per pull request"),
        "{queue_box}"
    );
    assert!(queue_box.contains("at 500 writes an hour"), "{queue_box}");
    // Text that reached the box is escaped like every other value.
    let hostile = QueueEstimate {
        summary: "<script>alert(1)</script>".into(),
        ..queue
    };
    let html = pages()
        .org(&report, &Listing::default(), &octocat(), None, &hostile)
        .unwrap();
    assert!(!html.contains("<script>alert"), "{html}");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    let empty = pages()
        .org(&report, &Listing::default(), &octocat(), None, &no_queue())
        .unwrap();
    assert!(empty.contains("no repository waiting for its onboarding pull request"));
}

#[test]
fn org_page_shows_the_numbers_and_the_repositories() {
    let report = org_report("acme", &histories("web"), &rules().scanners, NOW);
    let html = pages()
        .org(&report, &Listing::default(), &octocat(), None, &no_queue())
        .unwrap();
    // Two in scope (legacy is excluded), one fully covered; 4 of 5 requirements.
    assert!(html.contains("1 of 2"), "{html}");
    assert!(html.contains("4 of 5"));
    assert!(html.contains("50%"));
    assert!(html.contains("80%"));
    for name in ["api", "web", "legacy"] {
        assert!(html.contains(&format!("href=\"/orgs/acme/repos/{name}\"")));
    }
    assert!(html.contains("archived"), "the excluded repo's reason");
    assert!(html.contains("href=\"https://github.com/acme/api/pull/7\""));
    assert!(html.contains("#8"));
    assert!(html.contains("octocat"));
    // Log out is a form carrying the session's token, never a link another site can use.
    assert!(html.contains("<form class=\"logout\" method=\"post\" action=\"/logout\">"));
    assert!(html.contains("name=\"csrf\" value=\"t0ken\""));
    assert!(!html.contains("href=\"/logout\""));
    assert!(html.contains("<title>acme · AppSec coverage</title>"));
    // The matrix: api's SCA 2/2, web's SCA 0/1, nothing required for IaC.
    assert!(html.contains(">2/2<") && html.contains(">0/1<") && html.contains(">–<"));
    assert!(html.contains("<svg"), "charts");
    // Time to full coverage of api: 2 days less an hour after its first scan.
    assert!(html.contains("2d 0h"), "{html}");
}

#[test]
fn values_are_escaped() {
    let report = org_report("acme", &histories("<script>"), &rules().scanners, NOW);
    let mallory = SignedIn {
        login: "<b>mallory</b>".into(),
        csrf: Some("\"><script>".into()),
    };
    let html = pages()
        .org(&report, &Listing::default(), &mallory, None, &no_queue())
        .unwrap();
    assert!(!html.contains("<script>"), "{html}");
    assert!(!html.contains("<b>mallory"));
    assert!(html.contains("&lt;script&gt;"), "{html}");
    assert!(html.contains("/orgs/acme/repos/%3Cscript%3E"));
    let status = pages().status(&report, None).unwrap();
    assert!(!status.contains("<script>"));
}

#[test]
fn links_are_only_http() {
    let mut repos = histories("web");
    repos[1].pulls[0].url = "javascript:alert(1)".into();
    let html = pages()
        .org(
            &org_report("acme", &repos, &rules().scanners, NOW),
            &Listing::default(),
            &octocat(),
            None,
            &no_queue(),
        )
        .unwrap();
    assert!(!html.contains("javascript:"));
    assert!(html.contains("#8"));
}

#[test]
fn status_page_shows_aggregates_only() {
    let report = org_report("acme", &histories("web"), &rules().scanners, NOW);
    let html = pages().status(&report, None).unwrap();
    assert!(html.contains("1 of 2 repositories fully covered"), "{html}");
    assert!(html.contains("daily-bars"));
    for private in [
        "api",
        "web",
        "legacy",
        "archived",
        "sca:npm",
        "sca:pip",
        "sca:docker",
        "/pull/",
        ">#7<",
        ">#8<",
        "/orgs/acme/repos",
        "logout",
    ] {
        assert!(!html.contains(private), "status page leaks {private}");
    }
    // The bars: one per day, 90 in all.
    assert_eq!(html.matches("<rect x=").count(), svg::DAYS);
}

#[test]
fn repo_page_shows_stack_scanners_requirements_and_history() {
    let mut repos = histories("web");
    let scan_report: fullcover_core::report::ScanReport = serde_json::from_value(serde_json::json!({
            "repository": "acme/api",
            "languages": [
                {"name": "Python", "type": "programming", "bytes": 9150, "share": 91.5, "files": 12},
                {"name": "Dockerfile", "type": "programming", "bytes": 850, "share": 8.5, "files": 1}
            ],
            "iac": [{"kind": "dockerfile", "name": "Dockerfile", "files": ["Dockerfile"]}],
            "ecosystems": [{"name": "pip", "title": "pip", "manifests": ["requirements.txt"],
                            "lockfiles": [], "directories": ["/"], "dependencies": 3, "dependabot": true}],
            "scanners": [
                {"id": "codeql", "name": "CodeQL", "category": "sast", "running": true,
                 "evidence": [{"path": ".github/workflows/codeql.yml", "line": 21, "signal": "github/codeql-action/analyze"}],
                 "covers": ["sast:python"]},
                {"id": "dependabot", "name": "Dependabot", "category": "sca", "running": true,
                 "evidence": [{"path": ".github/dependabot.yml", "line": 1, "signal": "config"}],
                 "covers": ["sca:pip"]}
            ],
            "requirements": [
                {"id": "sast:python", "category": "sast", "reason": "Python is 91.5% of the code", "status": "satisfied", "satisfied_by": ["codeql"]},
                {"id": "sca:pip", "category": "sca", "reason": "requirements.txt", "status": "satisfied", "satisfied_by": ["dependabot"]}
            ],
            "coverage": {"required": 2, "satisfied": 2, "percent": 100.0, "by_category": {}},
            "warnings": []
        }))
        .unwrap();
    // CodeQL's workflow failed on main a day ago: sast:python is broken by it.
    repos[0].scans.last_mut().unwrap().reliance = Reliance::from_report(&scan_report);
    repos[0].runs = vec![RecordedRun {
        source: RunSource::Workflow {
            path: ".github/workflows/codeql.yml".into(),
            name: "CodeQL <b>".into(),
        },
        conclusion: "failure".into(),
        completed_at: NOW - DAY,
        event: Some("push".into()),
        branch: "main".into(),
    }];
    let report = org_report("acme", &repos, &rules().scanners, NOW);
    let detail = RepoDetail {
        history: repos[0].clone(),
        report: Some(scan_report),
        requirement_events: vec![
            ("sca:pip".into(), "appeared".into(), T0 + HOUR),
            ("sca:pip".into(), "satisfied".into(), T0 + 2 * DAY),
        ],
    };
    let html = pages()
        .repo("acme", &report.repos[0], &detail, NOW, &octocat(), None)
        .unwrap();
    for expected in [
        "Python",
        "91.5%",
        "requirements.txt",
        ".github/workflows/codeql.yml:21",
        "sast:python",
        "Python is 91.5% of the code",
        "2023-11-17 00:00 UTC",
        "appeared",
        "https://github.com/acme/api/pull/7",
        "href=\"/orgs/acme\"",
        "Scanner state",
        // The reason, with the run's (repository-controlled) name escaped.
        "CodeQL failed on main at",
        "UTC (CodeQL &lt;b&gt;)",
    ] {
        assert!(html.contains(expected), "missing {expected}");
    }
    assert!(!html.contains("CodeQL <b>"));
    // CodeQL's latest run failed; Dependabot runs outside Actions and is configured.
    let codeql = html.find(">CodeQL<").unwrap();
    let dependabot = html.find(">Dependabot<").unwrap();
    assert!(html[codeql..dependabot].contains(">failing<"));
    assert!(html[dependabot..].contains(">configured<"));
}

#[test]
fn repo_page_without_a_scan() {
    let repos = vec![repo("new", "pending", Vec::new())];
    let report = org_report("acme", &repos, &rules().scanners, NOW);
    let detail = RepoDetail {
        history: repos[0].clone(),
        report: None,
        requirement_events: Vec::new(),
    };
    let html = pages()
        .repo("acme", &report.repos[0], &detail, NOW, &octocat(), None)
        .unwrap();
    assert!(html.contains("Not scanned yet"));
}

#[test]
fn an_empty_organisation_renders() {
    let report = org_report("acme", &[], &rules().scanners, NOW);
    let html = pages()
        .org(&report, &Listing::default(), &octocat(), None, &no_queue())
        .unwrap();
    assert!(html.contains("No repository in scope yet"));
    assert!(html.contains("No history yet"));
    let status = pages().status(&report, None).unwrap();
    assert!(status.contains("No data yet"));
}

#[test]
fn index_and_message_pages() {
    let pages = pages();
    let signed_out = pages.index(&[], None).unwrap();
    assert!(signed_out.contains("href=\"/login\"") && signed_out.contains("Sign in with GitHub"));
    let signed_in = pages
        .index(&["acme".into(), "umbrella".into()], Some(&octocat()))
        .unwrap();
    assert!(
        signed_in.contains("href=\"/orgs/acme\"") && signed_in.contains("href=\"/orgs/umbrella\"")
    );
    assert!(!signed_in.contains("/login\""));
    let message = pages.message("Not found", "No such <page>.").unwrap();
    assert!(message.contains("<title>Not found</title>"));
    assert!(message.contains("No such &lt;page&gt;."));
}

#[test]
fn badge_is_well_formed_and_labelled() {
    let svg = badge_svg("appsec coverage", "98.7% · 90d", "yellowgreen");
    assert_eq!(
        well_formed(&svg, "aria-label").as_deref(),
        Some("appsec coverage: 98.7% · 90d")
    );
    assert!(svg.contains("role=\"img\""));
    assert!(svg.contains("<title>appsec coverage: 98.7% · 90d</title>"));
    assert!(svg.contains("#a4a61d"));
    assert!(svg.contains("height=\"20\""));
    // Light backgrounds take dark text.
    assert!(badge_svg("a", "b", "#ffdd00").contains("fill=\"#333\""));
    assert!(!badge_svg("a", "b", "red").contains("fill=\"#333\""));
    // Escaped, and a bad colour falls back to grey.
    let hostile = badge_svg("<x>", "\"&'", "url(#evil)");
    assert_eq!(
        well_formed(&hostile, "aria-label").as_deref(),
        Some("<x>: \"&'")
    );
    assert!(hostile.contains("#9f9f9f"));
    assert!(badge_svg("", "ok", "#4c1").contains("aria-label=\"ok\""));
}

#[test]
fn badge_widths_follow_the_text() {
    let short = text_width("ok");
    let long = text_width("appsec coverage");
    assert!(short > 10.0 && short < 20.0, "{short}");
    assert!(long > 85.0 && long < 105.0, "{long}");
    assert!(text_width("WWW") > text_width("iii"));
}

#[test]
fn coverage_colors() {
    assert_eq!(coverage_color(Some(100.0)), "brightgreen");
    assert_eq!(coverage_color(Some(99.9)), "green");
    assert_eq!(coverage_color(Some(95.0)), "green");
    assert_eq!(coverage_color(Some(80.0)), "yellow");
    assert_eq!(coverage_color(Some(50.0)), "orange");
    assert_eq!(coverage_color(Some(49.9)), "red");
    assert_eq!(coverage_color(None), "lightgrey");
}

fn day(index: i64, covered: u64, in_scope: u64) -> HistoryPoint {
    HistoryPoint {
        at: T0 + (index + 1) * DAY - 1,
        date: date(T0 + index * DAY),
        repos_in_scope: in_scope,
        repos_fully_covered: covered,
        requirements: Ratio {
            required: in_scope * 3,
            satisfied: covered * 3,
        },
    }
}

#[test]
fn charts_handle_empty_history() {
    for chart in [
        svg::burn_up(&[], Measure::Repositories),
        svg::burn_up(&[], Measure::Requirements),
        svg::distribution(&[]),
        svg::daily_bars(&[]),
    ] {
        assert!(well_formed(&chart, "role").is_some(), "{chart}");
        assert!(chart.contains("<title"));
    }
    let bars = svg::daily_bars(&[]);
    assert_eq!(bars.matches("#d0d7de").count(), svg::DAYS, "all grey");
}

#[test]
fn charts_stay_well_formed_from_one_day_to_ninety() {
    for days in [1, 2, 7, 30, 90, 120] {
        let history: Vec<HistoryPoint> = (0..days)
            .map(|i| day(i, (i as u64 * 5).min(500), 500))
            .collect();
        for chart in [
            svg::burn_up(&history, Measure::Repositories),
            svg::burn_up(&history, Measure::Requirements),
            svg::daily_bars(&history),
        ] {
            well_formed(&chart, "role");
        }
        let burn = svg::burn_up(&history, Measure::Repositories);
        // One hover target per day, labelled with its date and numbers.
        assert_eq!(burn.matches("fill=\"transparent\"").count(), days as usize);
        assert!(burn.contains(&format!("{}: ", history[0].date)));
    }
    let one = svg::burn_up(&[day(0, 1, 1)], Measure::Repositories);
    assert!(one.contains("Nov 15"), "{one}");
}

#[test]
fn daily_bars_are_coloured_by_the_share_covered() {
    let history = vec![
        day(0, 100, 100),
        day(1, 99, 100),
        day(2, 96, 100),
        day(3, 4, 6),
    ];
    let bars = svg::daily_bars(&history);
    assert_eq!(bars.matches("#d0d7de").count(), svg::DAYS - 4);
    for color in ["#2da44e", "#d4a72c", "#e16f24", "#cf222e"] {
        assert_eq!(bars.matches(color).count(), 1, "{color}");
    }
    assert!(bars.contains("2023-11-18: 4 of 6 repositories fully covered"));
}

#[test]
fn distribution_labels_each_bucket() {
    let buckets = vec![
        Bucket {
            label: "≤ 1 day",
            count: 3,
        },
        Bucket {
            label: "not yet",
            count: 12,
        },
    ];
    let chart = svg::distribution(&buckets);
    well_formed(&chart, "role");
    assert!(chart.contains("≤ 1 day: 3 repositories"));
    assert!(chart.contains(">12<"));
}

#[test]
fn value_axes_are_round() {
    assert_eq!(svg::axis(0), (1, 1));
    assert_eq!(svg::axis(1), (1, 1));
    assert_eq!(svg::axis(4), (1, 4));
    assert_eq!(svg::axis(6), (2, 6));
    assert_eq!(svg::axis(7), (2, 8));
    assert_eq!(svg::axis(23), (5, 25));
    assert_eq!(svg::axis(500), (100, 500));
    assert_eq!(svg::axis(501), (200, 600));
}

#[test]
fn escaping_covers_attribute_breakers() {
    assert_eq!(super::escape(r#"a"b'<&>"#), "a&quot;b&#39;&lt;&amp;&gt;");
}

/// One open critical finding of a repository with a hostile name, secrets unreadable.
fn security_view() -> crate::app::web::security::SecurityView {
    use crate::app::web::security::{SecurityView, Unavailable};
    use fullcover_core::metrics::security::{
        Family, Finding, LifecycleEvent, LifecycleKind, SecurityPolicy, SecurityRecord, Severity,
        security_report, weekly_trend,
    };
    let created = NOW - 20 * DAY;
    let record = SecurityRecord {
        findings: vec![Finding {
            repository: 7,
            family: Family::CodeScanning,
            number: 3,
            severity: Severity::Critical,
            created_at: created,
            default_branch_at: Some(created),
            introduced_at: None,
            introduced_commit: None,
            advisory_published_at: None,
            partial_history: false,
            events: vec![LifecycleEvent {
                at: created,
                kind: LifecycleKind::Created,
            }],
        }],
        ..SecurityRecord::default()
    };
    let policy = SecurityPolicy::default();
    SecurityView {
        org: "acme".into(),
        repository: None,
        report: security_report(&record, &policy, NOW),
        unavailable: vec![Unavailable {
            family: Family::SecretScanning,
            permission: "secret_scanning_alerts",
            reason: "not available: permission secret_scanning_alerts not granted".into(),
        }],
        weekly: weekly_trend(&record, &policy, NOW),
    }
}

#[test]
fn security_section_escapes_names_and_never_shows_zero_for_unknown() {
    let report = org_report("acme", &histories("web"), &rules().scanners, NOW);
    let view = security_view();
    let names = BTreeMap::from([(7, ("<script>x</script>".to_owned(), false))]);
    let html = pages()
        .org(
            &report,
            &Listing::default(),
            &octocat(),
            Some(Security {
                view: &view,
                names: &names,
            }),
            &no_queue(),
        )
        .unwrap();
    assert!(html.contains("Security outcomes"), "{html}");
    assert!(!html.contains("<script>x"), "{html}");
    assert!(html.contains("&lt;script&gt;x&lt;/script&gt;"), "{html}");
    assert!(html.contains("/orgs/acme/repos/%3Cscript%3Ex%3C%2Fscript%3E"));
    assert!(html.contains("#3") && html.contains("critical"));
    // Nothing fixed: MTTR has no data; secrets cannot be read.
    assert!(html.contains("no data"), "{html}");
    assert!(html.contains("not available: permission secret_scanning_alerts not granted"));
    // The one finding due in W was missed: a real 0%, with one due and one overdue.
    assert!(
        html.contains("0 of 1 met by the due date · 1 overdue open"),
        "{html}"
    );
    assert!(html.contains(">not enough data<"), "{html}");
    let chart = svg::security_trend(&view.weekly);
    assert_eq!(
        well_formed(&chart, "aria-labelledby").as_deref(),
        Some("security-trend-title security-trend-desc")
    );
    assert!(svg::security_trend(&[]).contains("No week in the window."));
}

#[test]
fn status_page_security_aggregates_name_no_repository() {
    let report = org_report("acme", &histories("web"), &rules().scanners, NOW);
    let view = security_view();
    let html = pages().status(&report, Some(&view)).unwrap();
    assert!(html.contains("Security outcomes"), "{html}");
    assert!(html.contains("SLA attainment"));
    assert!(!html.contains("Overdue severe findings"));
    assert!(!html.contains(">#3<"));
}

#[test]
fn repo_page_shows_platform_evidence_and_unknown_controls() {
    let repos = vec![repo("api", "covered", Vec::new())];
    let report = org_report("acme", &repos, &rules().scanners, NOW);
    let detail = RepoDetail {
        history: repos[0].clone(),
        report: Some(serde_json::from_value(serde_json::json!({
            "repository": "acme/api",
            "languages": [{"name": "Python", "type": "programming", "bytes": 9150, "share": 100.0, "files": 12}],
            "iac": [], "ecosystems": [],
            "scanners": [
                {"id": "codeql-default-setup", "name": "GitHub code scanning default setup", "category": "sast", "running": true,
                 "evidence": [{"path": "", "line": 0, "kind": "platform",
                               "signal": "GitHub code scanning default setup: python (API, seen 2026-12-03)"}],
                 "covers": ["sast:python"]}
            ],
            "requirements": [
                {"id": "sast:python", "category": "sast", "reason": "Python", "status": "satisfied", "satisfied_by": ["codeql-default-setup"]},
                {"id": "secrets", "category": "secrets", "reason": "files", "status": "missing", "satisfied_by": []}
            ],
            "coverage": {"required": 2, "satisfied": 1, "percent": 50.0, "by_category": {}},
            "warnings": [],
            "platform": {"source": "api", "seen": "2026-12-03", "controls": [
                {"id": "codeql-default-setup", "name": "GitHub code scanning default setup", "state": "enabled", "languages": ["python"]},
                {"id": "secret-scanning", "name": "GitHub secret scanning", "state": "unknown", "detail": "no permission"},
                {"id": "dependabot-alerts", "name": "GitHub Dependabot alerts", "state": "disabled", "detail": "Dependabot alerts are disabled for this repository."}
            ]}
        }))
        .unwrap()),
        requirement_events: Vec::new(),
    };
    let html = pages()
        .repo("acme", &report.repos[0], &detail, NOW, &octocat(), None)
        .unwrap();
    for expected in [
        "GitHub code scanning default setup: python (API, seen 2026-12-03)",
        "GitHub runs it",
        "unknown (no permission)",
        "GitHub Dependabot alerts",
    ] {
        assert!(html.contains(expected), "missing {expected}");
    }
    // Platform evidence is not a file: no ":0" place.
    assert!(!html.contains(":0 —"));
    let scanner = html.find(">GitHub code scanning default setup<").unwrap();
    // GitHub runs its own controls: they are running, in the scanner states' words.
    assert!(html[scanner..].contains(">running<"));
}
