//! Every transition of a scanner's state on a scripted record, worked out by hand.

use super::*;
use crate::metrics::{Ratio, RepoHistory, ScanPoint, org_report};
use crate::rules::RuleSet;

/// Midnight UTC, 2023-11-15; the scan that finds CodeQL runs at T0.
const T0: i64 = 1_700_006_400;
const CODEQL_WORKFLOW: &str = ".github/workflows/codeql.yml";

fn rules() -> RuleSet {
    RuleSet::embedded().unwrap()
}

/// A scan that finds `sast:python` covered by CodeQL (run by its workflow) and `sca:pip`
/// by Dependabot (which runs outside Actions); both requirements satisfied.
fn scan(at: i64) -> ScanPoint {
    let requirement = |category: &str, scanner: &str| ReliedRequirement {
        category: category.to_owned(),
        scanners: vec![scanner.to_owned()],
    };
    ScanPoint {
        at,
        ratio: Ratio {
            required: 2,
            satisfied: 2,
        },
        missing: Vec::new(),
        categories: BTreeMap::from([
            (
                "sast".to_owned(),
                Ratio {
                    required: 1,
                    satisfied: 1,
                },
            ),
            (
                "sca".to_owned(),
                Ratio {
                    required: 1,
                    satisfied: 1,
                },
            ),
        ]),
        reliance: Reliance {
            requirements: BTreeMap::from([
                ("sast:python".to_owned(), requirement("sast", "codeql")),
                ("sca:pip".to_owned(), requirement("sca", "dependabot")),
            ]),
            scanners: BTreeMap::from([
                (
                    "codeql".to_owned(),
                    ScannerSeen {
                        name: "CodeQL".to_owned(),
                        workflows: vec![CODEQL_WORKFLOW.to_owned()],
                    },
                ),
                (
                    "dependabot".to_owned(),
                    ScannerSeen {
                        name: "Dependabot version updates".to_owned(),
                        workflows: Vec::new(),
                    },
                ),
            ]),
        },
    }
}

fn workflow_run(conclusion: &str, at: i64, event: &str) -> RecordedRun {
    RecordedRun {
        source: RunSource::Workflow {
            path: CODEQL_WORKFLOW.to_owned(),
            name: "CodeQL".to_owned(),
        },
        conclusion: conclusion.to_owned(),
        completed_at: at,
        event: Some(event.to_owned()),
        branch: "main".to_owned(),
    }
}

fn check_run(name: &str, conclusion: &str, at: i64) -> RecordedRun {
    RecordedRun {
        source: RunSource::Check(name.to_owned()),
        conclusion: conclusion.to_owned(),
        completed_at: at,
        event: None,
        branch: "main".to_owned(),
    }
}

fn codeql_at(runs: &[RecordedRun], at: i64) -> ScannerStatus {
    let point = effective_now(&[scan(T0)], runs, &rules().scanners, at).unwrap();
    point
        .scanners
        .into_iter()
        .find(|status| status.id == "codeql")
        .unwrap()
}

/// (at, missing) of each effective point.
fn timeline(runs: &[RecordedRun], now: i64) -> Vec<(i64, Vec<String>)> {
    effective_scans(&[scan(T0)], runs, &rules().scanners, now)
        .into_iter()
        .map(|point| (point.at, point.missing))
        .collect()
}

#[test]
fn configured_then_running_after_its_first_successful_run() {
    let runs = [workflow_run("success", T0 + HOUR, "push")];
    let before = codeql_at(&runs, T0 + 30 * 60);
    assert_eq!(before.state, ScannerState::Configured);
    assert_eq!(before.since, T0);
    assert!(before.counts);
    let after = codeql_at(&runs, T0 + 2 * HOUR);
    assert_eq!(after.state, ScannerState::Running);
    assert_eq!(after.since, T0 + HOUR);
    assert!(after.counts);
    // Satisfied throughout: one point, at the scan.
    assert_eq!(timeline(&runs, T0 + 10 * DAY), [(T0, vec![])]);
}

#[test]
fn configured_for_more_than_48_hours_without_a_run_breaks_coverage() {
    let just_in_time = codeql_at(&[], T0 + GRACE - 1);
    assert_eq!(just_in_time.state, ScannerState::Configured);
    assert!(just_in_time.counts);
    let late = codeql_at(&[], T0 + GRACE);
    assert_eq!(late.state, ScannerState::Configured);
    assert!(!late.counts);
    assert_eq!(late.broken_at, Some(T0 + 2 * DAY));
    // Broken at T0 + 48 h; Dependabot, which cannot be seen running, still counts.
    assert_eq!(
        timeline(&[], T0 + 5 * DAY),
        [(T0, vec![]), (T0 + 2 * DAY, vec!["sast:python".to_owned()])]
    );
    // A run after the grace restores it.
    let runs = [workflow_run("success", T0 + 3 * DAY, "push")];
    assert_eq!(
        timeline(&runs, T0 + 5 * DAY),
        [
            (T0, vec![]),
            (T0 + 2 * DAY, vec!["sast:python".to_owned()]),
            (T0 + 3 * DAY, vec![]),
        ]
    );
}

#[test]
fn running_then_failing_then_running_again() {
    let runs = [
        workflow_run("success", T0 + HOUR, "push"),
        workflow_run("failure", T0 + 3 * DAY, "push"),
        workflow_run("cancelled", T0 + 4 * DAY, "schedule"),
        workflow_run("success", T0 + 5 * DAY, "push"),
    ];
    let failing = codeql_at(&runs, T0 + 4 * DAY + HOUR);
    assert_eq!(failing.state, ScannerState::Failing);
    // Broke at the first failure of the streak, not the latest.
    assert_eq!(failing.since, T0 + 3 * DAY);
    assert_eq!(failing.broken_at, Some(T0 + 3 * DAY));
    assert_eq!(failing.last_run.as_ref().unwrap().conclusion, "cancelled");
    let restored = codeql_at(&runs, T0 + 6 * DAY);
    assert_eq!(restored.state, ScannerState::Running);
    assert_eq!(restored.since, T0 + 5 * DAY);
    assert_eq!(
        timeline(&runs, T0 + 6 * DAY),
        [
            (T0, vec![]),
            (T0 + 3 * DAY, vec!["sast:python".to_owned()]),
            (T0 + 5 * DAY, vec![]),
        ]
    );
}

#[test]
fn a_scheduled_scanner_without_a_run_for_14_days_is_stale() {
    let runs = [workflow_run("success", T0 + HOUR, "schedule")];
    let fresh = codeql_at(&runs, T0 + HOUR + RUN_WINDOW - 1);
    assert_eq!(fresh.state, ScannerState::Running);
    let stale = codeql_at(&runs, T0 + HOUR + RUN_WINDOW);
    assert_eq!(stale.state, ScannerState::Stale);
    assert_eq!(stale.broken_at, Some(T0 + HOUR + 14 * DAY));
    assert_eq!(
        timeline(&runs, T0 + 20 * DAY),
        [
            (T0, vec![]),
            (T0 + HOUR + 14 * DAY, vec!["sast:python".to_owned()])
        ]
    );
}

#[test]
fn a_scanner_never_seen_scheduled_is_not_stale() {
    // Runs on push only: a quiet repository has nothing new to scan.
    let runs = [workflow_run("success", T0 + HOUR, "push")];
    let quiet = codeql_at(&runs, T0 + 30 * DAY);
    assert_eq!(quiet.state, ScannerState::Running);
    assert!(quiet.counts);
}

#[test]
fn check_runs_count_by_their_names_and_unrelated_checks_not_at_all() {
    let runs = [
        check_run("Analyze (python)", "success", T0 + HOUR),
        check_run("build", "failure", T0 + 2 * HOUR),
        check_run("Run trivy", "failure", T0 + 2 * HOUR),
    ];
    let status = codeql_at(&runs, T0 + 3 * HOUR);
    assert_eq!(status.state, ScannerState::Running);
    assert_eq!(status.last_run.unwrap().name, "Analyze (python)");
}

#[test]
fn one_failing_check_of_a_scanner_makes_it_failing_until_that_check_passes() {
    let runs = [
        check_run("Analyze (python)", "success", T0 + HOUR),
        check_run("Analyze (javascript-typescript)", "failure", T0 + HOUR),
        check_run("Analyze (python)", "success", T0 + DAY),
    ];
    let status = codeql_at(&runs, T0 + DAY + 1);
    assert_eq!(status.state, ScannerState::Failing);
    assert_eq!(status.since, T0 + HOUR);
    // A check silent for longer than the window before the scanner's latest run (a
    // renamed job) no longer speaks.
    let mut later = runs.to_vec();
    later.push(check_run("Analyze (python)", "success", T0 + 20 * DAY));
    let status = codeql_at(&later, T0 + 20 * DAY + 1);
    assert_eq!(status.state, ScannerState::Running);
}

#[test]
fn skipped_runs_say_nothing() {
    let runs = [
        workflow_run("success", T0 + HOUR, "push"),
        workflow_run("skipped", T0 + 2 * HOUR, "push"),
        workflow_run("action_required", T0 + 3 * HOUR, "push"),
    ];
    let status = codeql_at(&runs, T0 + DAY);
    assert_eq!(status.state, ScannerState::Running);
    assert_eq!(status.since, T0 + HOUR);
}

#[test]
fn a_scanner_kept_across_scans_stays_configured_since_its_first() {
    // Rescanned at T0 + 1 day: the grace still runs from T0.
    let scans = [scan(T0), scan(T0 + DAY)];
    let points = effective_scans(&scans, &[], &rules().scanners, T0 + 3 * DAY);
    let at: Vec<(i64, usize)> = points
        .iter()
        .map(|point| (point.at, point.missing.len()))
        .collect();
    assert_eq!(at, [(T0, 0), (T0 + 2 * DAY, 1)]);
    assert_eq!(points[1].ratio.satisfied, 1);
    assert_eq!(points[1].categories["sast"].satisfied, 0);
    assert_eq!(points[1].categories["sca"].satisfied, 1);
}

#[test]
fn each_requirement_says_why_it_stands_where_it_does() {
    let runs = [
        workflow_run("success", T0 + HOUR, "push"),
        workflow_run("failure", T0 + DAY + 14 * HOUR + 2 * 60, "push"),
    ];
    let now = T0 + 4 * DAY + 14 * HOUR + 2 * 60;
    let point = effective_now(&[scan(T0)], &runs, &rules().scanners, now).unwrap();
    let python = &point.requirements[0];
    assert_eq!(python.requirement, "sast:python");
    assert_eq!(python.state, ScannerState::Failing);
    assert!(!python.satisfied);
    assert_eq!(python.since, T0 + DAY + 14 * HOUR + 2 * 60);
    assert_eq!(
        python.why,
        "CodeQL failed on main at 2023-11-16 14:02 UTC (CodeQL)"
    );
    let pip = &point.requirements[1];
    assert_eq!(pip.requirement, "sca:pip");
    assert_eq!(pip.state, ScannerState::Configured);
    assert!(pip.satisfied);
    assert_eq!(
        pip.why,
        "Dependabot version updates runs outside GitHub Actions: configured, its runs cannot be seen"
    );
}

#[test]
fn metrics_count_the_break_and_the_restore() {
    // Covered from T0; CodeQL fails at T0 + 3 d, passes again at T0 + 5 d.
    let runs = vec![
        workflow_run("success", T0 + HOUR, "push"),
        workflow_run("failure", T0 + 3 * DAY, "push"),
        workflow_run("success", T0 + 5 * DAY, "push"),
    ];
    let repo = RepoHistory {
        id: 1,
        full_name: "acme/api".to_owned(),
        private: false,
        state: "covered".to_owned(),
        reason: None,
        entered_scope_at: T0,
        left_scope_at: None,
        scans: vec![scan(T0)],
        pulls: Vec::new(),
        runs,
    };
    let now = T0 + 10 * DAY;
    let report = org_report("acme", &[repo], &rules().scanners, now);
    // One incident of 2 days; uptime 8 of 10 days.
    assert_eq!(report.incidents.len(), 1);
    assert_eq!(report.incidents[0].broken_at, T0 + 3 * DAY);
    assert_eq!(report.incidents[0].restored_at, Some(T0 + 5 * DAY));
    assert_eq!(report.incidents[0].missing, ["sast:python"]);
    assert_eq!(report.median_time_to_restore, Some(2 * DAY));
    assert_eq!(report.uptime_30d, Some(80.0));
    assert_eq!(report.coverage_percent, Some(100.0));
    assert_eq!(report.repos_with_broken_scanners, 0);
    assert_eq!(report.repos[0].active_scanners, ["CodeQL"]);

    // While it fails: not covered now, one requirement broken.
    let failing = org_report(
        "acme",
        &[RepoHistory {
            runs: report_runs_until(T0 + 4 * DAY),
            ..repo_with_scan()
        }],
        &rules().scanners,
        T0 + 4 * DAY,
    );
    assert_eq!(failing.coverage_percent, Some(0.0));
    assert_eq!(failing.repos_with_broken_scanners, 1);
    assert_eq!(failing.requirements_broken, 1);
    assert_eq!(failing.repos[0].broken, ["sast:python"]);
    assert_eq!(failing.repos[0].missing, ["sast:python"]);
    assert_eq!(failing.repos[0].requirements.satisfied, 1);
    assert_eq!(failing.open_incidents, 1);
}

fn repo_with_scan() -> RepoHistory {
    RepoHistory {
        id: 1,
        full_name: "acme/api".to_owned(),
        private: false,
        state: "covered".to_owned(),
        reason: None,
        entered_scope_at: T0,
        left_scope_at: None,
        scans: vec![scan(T0)],
        pulls: Vec::new(),
        runs: Vec::new(),
    }
}

fn report_runs_until(until: i64) -> Vec<RecordedRun> {
    [
        workflow_run("success", T0 + HOUR, "push"),
        workflow_run("failure", T0 + 3 * DAY, "push"),
    ]
    .into_iter()
    .filter(|run| run.completed_at <= until)
    .collect()
}
