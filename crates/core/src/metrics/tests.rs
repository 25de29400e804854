//! Each metric on a scripted history whose answer is worked out by hand in the comments.

use super::*;
use crate::rules::RuleSet;

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
        categories: BTreeMap::from([(
            "sast".to_owned(),
            Ratio {
                required,
                satisfied,
            },
        )]),
        reliance: Reliance::default(),
    }
}

fn repo(name: &str, entered: i64, scans: Vec<ScanPoint>) -> RepoHistory {
    RepoHistory {
        id: 0,
        full_name: format!("acme/{name}"),
        private: false,
        state: "onboarding".into(),
        reason: None,
        entered_scope_at: entered,
        left_scope_at: None,
        scans,
        pulls: Vec::new(),
        runs: Vec::new(),
    }
}

/// A: onboarded in 2 days, broken by Terraform on day 10, restored on day 12.
fn repo_a() -> RepoHistory {
    let mut a = repo(
        "a",
        T0,
        vec![
            scan(
                T0 + HOUR,
                1,
                4,
                &["secrets", "sca:npm", "cicd:github-actions"],
            ),
            scan(T0 + 2 * DAY, 4, 4, &[]),
            scan(T0 + 10 * DAY, 4, 6, &["sca:terraform", "iac:terraform"]),
            scan(T0 + 12 * DAY, 6, 6, &[]),
        ],
    );
    a.pulls = vec![PullPoint {
        number: 1,
        state: "merged".into(),
        url: "https://github.com/acme/a/pull/1".into(),
        opened_at: T0 + HOUR + 300,
        merged_at: Some(T0 + 2 * DAY - HOUR),
        closed_at: Some(T0 + 2 * DAY - HOUR),
    }];
    a.state = "covered".into();
    a
}

/// B: covered before Fullcover came.
fn repo_b() -> RepoHistory {
    let mut b = repo("b", T0, vec![scan(T0 + HOUR, 3, 3, &[])]);
    b.state = "covered".into();
    b
}

/// C: added on day 5, its pull request closed unmerged on day 6.
fn repo_c() -> RepoHistory {
    let mut c = repo(
        "c",
        T0 + 5 * DAY,
        vec![scan(T0 + 5 * DAY + HOUR, 0, 2, &["secrets", "sast:python"])],
    );
    c.pulls = vec![PullPoint {
        number: 4,
        state: "closed".into(),
        url: "https://github.com/acme/c/pull/4".into(),
        opened_at: T0 + 5 * DAY + 2 * HOUR,
        merged_at: None,
        closed_at: Some(T0 + 6 * DAY),
    }];
    c.state = "opted_out".into();
    c
}

/// D: archived on day 3, never covered.
fn repo_d() -> RepoHistory {
    let mut d = repo("d", T0, vec![scan(T0 + HOUR, 1, 2, &["secrets"])]);
    d.state = "excluded".into();
    d.reason = Some("archived".into());
    d.left_scope_at = Some(T0 + 3 * DAY);
    d
}

fn org() -> OrgReport {
    org_report(
        "acme",
        &[repo_a(), repo_b(), repo_c(), repo_d()],
        &rules().scanners,
        NOW,
    )
}

#[test]
fn coverage_now_counts_repositories_in_scope_and_requirements() {
    let report = org();
    // A, B and C are in scope (D is archived); A and B are fully covered.
    assert_eq!(report.repos_in_scope, 3);
    assert_eq!(report.repos_fully_covered, 2);
    assert_eq!(report.coverage_percent, Some(66.7));
    // Latest scans: A 6/6, B 3/3, C 0/2.
    assert_eq!(
        report.requirements,
        Ratio {
            required: 11,
            satisfied: 9
        }
    );
    assert_eq!(report.requirements_percent, Some(81.8));
    assert_eq!(report.categories["sast"], report.requirements);
    let c = report.repos.iter().find(|r| r.name == "c").unwrap();
    assert_eq!(c.missing, ["secrets", "sast:python"]);
    assert_eq!(c.onboarding_pr.as_ref().unwrap().state, "closed");
    assert!(
        !report
            .repos
            .iter()
            .find(|r| r.name == "d")
            .unwrap()
            .in_scope
    );
}

#[test]
fn time_to_full_coverage_per_repository() {
    // A: entered at T0, covered from day 2 for 8 days.
    assert_eq!(repo_a().time_to_full_coverage(NOW), Some(2 * DAY));
    // B: its first scan found it covered.
    assert_eq!(repo_b().time_to_full_coverage(NOW), Some(0));
    // C: never covered.
    assert_eq!(repo_c().time_to_full_coverage(NOW), None);
    // E: covered on day 1 for two hours only (a flap), then for good from day 4.
    let e = repo(
        "e",
        T0,
        vec![
            scan(T0 + HOUR, 1, 2, &["secrets"]),
            scan(T0 + DAY, 2, 2, &[]),
            scan(T0 + DAY + 2 * HOUR, 1, 2, &["secrets"]),
            scan(T0 + 4 * DAY, 2, 2, &[]),
        ],
    );
    assert_eq!(e.time_to_full_coverage(NOW), Some(4 * DAY));
    // Covered only two hours ago and still covered: it holds so far.
    let f = repo(
        "f",
        T0,
        vec![
            scan(T0 + HOUR, 0, 1, &["secrets"]),
            scan(NOW - 2 * HOUR, 1, 1, &[]),
        ],
    );
    assert_eq!(f.time_to_full_coverage(NOW), Some(20 * DAY - 2 * HOUR));
    // Covered by a scan made this very second.
    let g = repo(
        "g",
        T0,
        vec![scan(T0 + HOUR, 0, 1, &["secrets"]), scan(NOW, 1, 1, &[])],
    );
    assert_eq!(g.time_to_full_coverage(NOW), Some(20 * DAY));
}

#[test]
fn time_to_full_coverage_for_the_organisation() {
    let report = org();
    // At T0+1h only B is covered (A 1/4, D 1/2); at day 2 A is covered too but D is
    // not (2 of 3); on day 3 D leaves scope: A and B are all of it. C enters on day 5,
    // too late to matter: the first time is what counts.
    assert_eq!(report.time_to_full_coverage, Some(3 * DAY));
    assert_eq!(report.time_to_90_percent, Some(3 * DAY));
    // Median of A (2 days) and B (0); C has none.
    assert_eq!(report.median_time_to_full_coverage, Some(DAY));
    // A within 7 days, B within a day, C not yet.
    let counts: Vec<u64> = report
        .time_to_full_coverage_distribution
        .iter()
        .map(|b| b.count)
        .collect();
    assert_eq!(counts, [1, 1, 0, 0, 1]);
}

#[test]
fn coverage_uptime_weights_repository_time() {
    // Window [T0-10d, T0+20d). A is known from T0+1h: 20d-1h = 1,724,400 s, covered
    // on [2d,10d) and [12d,20d): 16 days = 1,382,400 s.
    let a = repo_a();
    assert_eq!(
        a.uptime_seconds(NOW - 30 * DAY, NOW),
        (1_382_400, 1_724_400)
    );
    // B: covered all its 1,724,400 known seconds. C: 15d-1h = 1,292,400 s, none.
    // (1,382,400 + 1,724,400) / (1,724,400 * 2 + 1,292,400) = 3,106,800 / 4,741,200.
    let report = org();
    assert_eq!(report.uptime_30d, Some(65.5));
    assert_eq!(report.uptime_90d, Some(65.5));
    let a_line = report.repos.iter().find(|r| r.name == "a").unwrap();
    // 1,382,400 / 1,724,400 = 80.17%.
    assert_eq!(a_line.uptime_90d, Some(80.2));
}

#[test]
fn time_to_restore_after_a_new_requirement() {
    // Terraform arrived on day 10 (2 new requirements), restored on day 12.
    let incidents = repo_a().incidents(NOW);
    assert_eq!(
        incidents,
        vec![Incident {
            repository: "acme/a".into(),
            broken_at: T0 + 10 * DAY,
            restored_at: Some(T0 + 12 * DAY),
            missing: vec!["sca:terraform".into(), "iac:terraform".into()],
        }]
    );
    let report = org();
    assert_eq!(report.median_time_to_restore, Some(2 * DAY));
    assert_eq!(report.open_incidents, 0);
    // C was never covered: no incident, it is still onboarding.
    assert!(repo_c().incidents(NOW).is_empty());
}

#[test]
fn the_onboarding_funnel() {
    let funnel = org().funnel;
    // A's merged 1h05m after the first scan, 2 days minus 1 hour after T0:
    // (T0 + 172,800 - 3,600) - (T0 + 3,600 + 300) = 165,300 s.
    assert_eq!(
        funnel,
        Funnel {
            opened: 2,
            open: 0,
            merged: 1,
            closed: 1,
            median_time_to_merge: Some(165_300),
        }
    );
}

#[test]
fn daily_history_counts_scope_as_of_each_day() {
    let history = org().history;
    // Day 0 to day 20 inclusive.
    assert_eq!(history.len(), 21);
    let day = |n: usize| (history[n].repos_fully_covered, history[n].repos_in_scope);
    // Day 0: A, B, D in scope, B covered. Day 2: A covered, D not. Day 3: D gone.
    // Day 5: C arrives. Day 10: A broken. Day 12: restored.
    assert_eq!(day(0), (1, 3));
    assert_eq!(day(2), (2, 3));
    assert_eq!(day(3), (2, 2));
    assert_eq!(day(5), (2, 3));
    assert_eq!(day(10), (1, 3));
    assert_eq!(day(12), (2, 3));
    assert_eq!(history[0].date, "2023-11-15");
    assert_eq!(history[20].at, NOW);
}

#[test]
fn an_empty_record_reports_nothing_rather_than_zero() {
    let report = org_report("none", &[], &rules().scanners, NOW);
    assert_eq!(report.coverage_percent, None);
    assert_eq!(report.uptime_90d, None);
    assert_eq!(report.time_to_full_coverage, None);
    assert!(report.history.is_empty());
}

#[test]
fn durations_read_like_people_write_them() {
    assert_eq!(human_duration(42), "42s");
    assert_eq!(human_duration(5 * 60), "5m");
    assert_eq!(human_duration(5 * HOUR + 600), "5h 10m");
    assert_eq!(human_duration(3 * DAY + 4 * HOUR), "3d 4h");
}

#[test]
fn each_repository_line_names_its_running_scanners() {
    let mut a = repo_a();
    let latest = a.scans.last_mut().unwrap();
    latest.reliance.requirements.insert(
        "sast:python".into(),
        scanner_state::ReliedRequirement {
            category: "sast".into(),
            scanners: vec!["codeql".into()],
        },
    );
    latest.reliance.scanners.insert(
        "codeql".into(),
        scanner_state::ScannerSeen {
            name: "CodeQL".into(),
            workflows: vec![".github/workflows/codeql.yml".into()],
        },
    );
    a.runs = vec![RecordedRun {
        source: RunSource::Check("Analyze (python)".into()),
        conclusion: "success".into(),
        completed_at: NOW - DAY,
        event: None,
        branch: "main".into(),
    }];
    let report = org_report("acme", &[a], &rules().scanners, NOW);
    let line = &report.repos[0];
    assert_eq!(line.active_checks, ["Analyze (python)"]);
    assert_eq!(line.active_scanners, ["CodeQL"]);
    assert_eq!(line.requirement_states[0].state, ScannerState::Running);
    let json = serde_json::to_value(line).unwrap();
    assert_eq!(json["active_scanners"], serde_json::json!(["CodeQL"]));
    assert_eq!(json["requirement_states"][0]["state"], "running");
}
