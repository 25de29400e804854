//! Every metric on scripted histories worked out by hand: here the worked
//! example (findings A1..A7, S1, D1, O1, O2, reproduced exactly), in `merges` a series
//! of merged pull requests for M5 to M7, in `edges` the edge cases.

use super::*;
use crate::metrics::DAY;

/// 2024-`month`-`day` `hour`:`minute` UTC.
fn at(month: u32, day: u32, hour: u32) -> i64 {
    chrono::NaiveDate::from_ymd_opt(2024, month, day)
        .unwrap()
        .and_hms_opt(hour, 0, 0)
        .unwrap()
        .and_utc()
        .timestamp()
}

fn date(month: u32, day: u32) -> i64 {
    at(month, day, 0)
}

/// NOW = 2024-06-30T00:00Z, so W = [2024-04-01, 2024-06-30).
fn now() -> i64 {
    date(6, 30)
}

const MAIN: i64 = 1;
/// The repository archived on 05-15.
const ARCHIVED: i64 = 6;

fn close(actual: f64, expected: f64) -> bool {
    (actual - expected).abs() < 1e-9
}

fn assert_days(actual: Option<f64>, days: f64) {
    let actual = actual.expect("a value");
    assert!(
        close(actual, days * DAY as f64),
        "{actual} s = {} d, expected {days} d",
        actual / DAY as f64
    );
}

fn event(at: i64, kind: LifecycleKind) -> LifecycleEvent {
    LifecycleEvent { at, kind }
}

/// A finding created on the default branch, introduced when created.
fn finding(
    repository: i64,
    family: Family,
    number: i64,
    severity: Severity,
    created_at: i64,
    later: &[LifecycleEvent],
) -> Finding {
    let mut events = vec![event(created_at, LifecycleKind::Created)];
    events.extend_from_slice(later);
    Finding {
        repository,
        family,
        number,
        severity,
        created_at,
        default_branch_at: Some(created_at),
        introduced_at: Some(created_at),
        introduced_commit: None,
        advisory_published_at: None,
        partial_history: false,
        events,
    }
}

fn code(number: i64, severity: Severity, created_at: i64, later: &[LifecycleEvent]) -> Finding {
    finding(
        MAIN,
        Family::CodeScanning,
        number,
        severity,
        created_at,
        later,
    )
}

fn fixed(at: i64) -> LifecycleEvent {
    event(at, LifecycleKind::Fixed)
}

fn dismissed(at: i64, reason: CloseReason) -> LifecycleEvent {
    event(at, LifecycleKind::Dismissed { reason })
}

fn a6() -> Finding {
    finding(
        ARCHIVED,
        Family::CodeScanning,
        6,
        Severity::High,
        date(5, 1),
        &[],
    )
}

fn a7() -> Finding {
    // On a feature branch only; the branch was deleted on 05-09, which closed it there.
    let mut a7 = code(7, Severity::High, date(5, 8), &[fixed(date(5, 9))]);
    a7.default_branch_at = None;
    a7
}

/// The worked example.
fn worked_example() -> SecurityRecord {
    let s1 = finding(
        MAIN,
        Family::SecretScanning,
        1,
        Severity::Critical, // validity active
        date(5, 20),
        &[fixed(at(5, 20, 6))], // revoked
    );
    let mut d1 = finding(
        MAIN,
        Family::Dependabot,
        1,
        Severity::High,
        date(5, 20),
        &[dismissed(date(5, 25), CloseReason::TolerableRisk)],
    );
    d1.introduced_at = Some(date(1, 1));
    d1.advisory_published_at = Some(date(5, 19));
    SecurityRecord {
        findings: vec![
            code(1, Severity::High, date(5, 1), &[fixed(at(5, 3, 12))]),
            code(2, Severity::High, date(5, 2), &[fixed(date(5, 12))]),
            code(
                3,
                Severity::Critical,
                date(5, 10),
                &[
                    fixed(date(5, 11)),
                    event(date(5, 13), LifecycleKind::Reopened { by_user: false }),
                    fixed(date(5, 20)),
                ],
            ),
            code(
                4,
                Severity::High,
                date(5, 5),
                &[dismissed(date(5, 6), CloseReason::FalsePositive)],
            ),
            code(5, Severity::Medium, date(3, 1), &[fixed(date(4, 10))]),
            a6(),
            a7(),
            s1,
            d1,
            code(8, Severity::High, date(6, 20), &[]), // O1
            code(9, Severity::Critical, date(6, 10), &[]), // O2
        ],
        scope: vec![ScopeSpell {
            repository: ARCHIVED,
            entered: date(1, 1) - 365 * DAY,
            left: Some(date(5, 15)),
            reason: Some("archived".to_owned()),
        }],
        merged_pull_requests: Vec::new(),
        pull_request_alerts: Vec::new(),
    }
}

fn report(record: &SecurityRecord) -> SecurityReport {
    security_report(record, &SecurityPolicy::default(), now())
}

#[test]
fn worked_example_window() {
    let report = report(&worked_example());
    assert_eq!(
        report.window,
        Window {
            start: date(4, 1),
            end: date(6, 30),
            days: 90
        }
    );
    assert_eq!(report.severity_threshold, Severity::High);
}

#[test]
fn worked_example_mttr() {
    // Fixes in W of high and critical findings: S1 0.25 d, A1 2.5 d, A2 10 d, A3 10 d
    // (from 05-10 to its last fix on 05-20: a reopened finding keeps its start).
    let mttr = report(&worked_example()).mttr.unwrap();
    assert_eq!(mttr.n, 4);
    assert_days(mttr.median_seconds, 6.25);
    assert_days(mttr.p90_seconds, 10.0);
    assert_days(mttr.mean_seconds, 22.75 / 4.0);
    // GitHub's mean adds D1's tolerable-risk dismissal (5 d): 27.75 / 5.
    assert_days(mttr.github_mean_seconds, 5.55);
    assert_eq!(mttr.tier, None, "n = 4 < 5");
}

#[test]
fn worked_example_sla() {
    // Due in W: A1 05-31, A2 06-01, A3 05-17, S1 05-27, D1 06-19, O2 06-17.
    // Met: A1, A2, S1. Missed: A3 (last fix 05-20), D1 (risk accepted), O2 (open).
    let sla = report(&worked_example()).sla_attainment.unwrap();
    assert_eq!((sla.met, sla.due), (3, 6));
    assert!(close(sla.ratio.unwrap(), 0.5));
    assert_eq!(sla.overdue_open, 1);
    assert_eq!(
        sla.overdue,
        vec![OverdueFinding {
            repository: MAIN,
            family: Family::CodeScanning,
            number: 9,
            severity: Severity::Critical,
            due_at: date(6, 17),
        }]
    );
    assert_eq!(sla.tier, Some(Tier::Low), "n = 6, 50 % < 70 %");
}

#[test]
fn worked_example_exposure() {
    // A1 2.5 + A2 10 + A3 (1 + 7) + A6 14 + S1 0.25 + D1 42 (05-19 to now) + O1 10
    // + O2 20 = 106.75 vulnerability-days over 8 findings.
    let exposure = report(&worked_example()).exposure_window.unwrap();
    assert!(close(exposure.vulnerability_days, 106.75), "{exposure:?}");
    assert_eq!(exposure.n, 8);
    assert_eq!(
        exposure.ended_by_leaving_scope,
        vec![ScopeExit {
            repository: ARCHIVED,
            family: Family::CodeScanning,
            number: 6,
            left_at: date(5, 15),
            vulnerability_days: 14.0,
        }]
    );
}

#[test]
fn worked_example_net_resolve_and_reopen() {
    let report = report(&worked_example());
    // Created in W: A1, A2, A3, A4, S1, D1, O1, O2; closed at the end of W: all but O1, O2.
    let net = report.net_resolve_rate.unwrap();
    assert_eq!((net.closed, net.created), (6, 8));
    assert!(close(net.ratio, 0.75));
    // Fixes in W: A1, A2, A3 twice, A5, S1; regressions: A3's reopening.
    let reopen = report.reopen_rate.unwrap();
    assert_eq!((reopen.reopened, reopen.fixes), (1, 6));
    assert!(close(reopen.ratio.unwrap(), 1.0 / 6.0));
    assert_eq!(reopen.tier, Some(Tier::Low), "16.7 % > 10 %");
}

#[test]
fn worked_example_mttd_and_no_pull_requests() {
    let report = report(&worked_example());
    let mttd = report.mttd.unwrap();
    // Created in W on the default branch, not false positives: A1, A2, A3, A6, O1, O2.
    let code = mttd[&Family::CodeScanning].clone().unwrap();
    assert_eq!((code.median_seconds, code.n), (0.0, 6));
    let secrets = mttd[&Family::SecretScanning].clone().unwrap();
    assert_eq!((secrets.median_seconds, secrets.n), (0.0, 1));
    // D1: created 05-20, knowable from the advisory's publication on 05-19.
    let dependabot = mttd[&Family::Dependabot].clone().unwrap();
    assert_eq!((dependabot.median_seconds, dependabot.n), (DAY as f64, 1));
    assert_eq!(report.detection_rate, None);
    assert_eq!(report.escape_rate, None);
    assert_eq!(report.change_failure_rate, None);
}

#[test]
fn worked_example_a6_and_a7_count_nowhere() {
    let with = report(&worked_example());
    let mut record = worked_example();
    record
        .findings
        .retain(|f| f.number != 6 && f.number != 7 || f.family != Family::CodeScanning);
    assert_eq!(record.findings.len(), 9);
    let without = report(&record);
    assert_eq!(with.mttr, without.mttr);
    assert_eq!(with.sla_attainment, without.sla_attainment);
    assert_eq!(with.net_resolve_rate, without.net_resolve_rate);
    assert_eq!(with.reopen_rate, without.reopen_rate);
}

#[test]
fn worked_example_archiving_that_closes_the_alert_changes_nothing() {
    // GitHub closes a repository's open alerts when it is archived: an event at the
    // moment it left scope counts nowhere.
    let mut record = worked_example();
    let a6 = record
        .findings
        .iter_mut()
        .find(|f| f.repository == ARCHIVED)
        .unwrap();
    a6.events.push(fixed(date(5, 15)));
    assert_eq!(report(&record), report(&worked_example()));
}

#[test]
fn worked_example_serialises_with_the_api_field_names() {
    let json = serde_json::to_value(report(&worked_example())).unwrap();
    let keys: Vec<&str> = json
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "window",
            "severity_threshold",
            "mttr",
            "sla_attainment",
            "mttd",
            "exposure_window",
            "detection_rate",
            "escape_rate",
            "change_failure_rate",
            "net_resolve_rate",
            "reopen_rate",
        ]
    );
    assert_eq!(json["severity_threshold"], "high");
    assert_eq!(json["window"]["days"], 90);
    assert_eq!(json["mttr"]["median_seconds"], 6.25 * DAY as f64);
    assert_eq!(json["mttr"]["tier"], serde_json::Value::Null);
    assert_eq!(json["mttr"]["n"], 4);
    assert_eq!(json["sla_attainment"]["ratio"], 0.5);
    assert_eq!(json["sla_attainment"]["tier"], "low");
    assert_eq!(json["sla_attainment"]["overdue"][0]["due_at"], date(6, 17));
    assert_eq!(json["mttd"]["code_scanning"]["n"], 6);
    assert_eq!(json["exposure_window"]["vulnerability_days"], 106.75);
    assert_eq!(json["escape_rate"], serde_json::Value::Null);
    assert_eq!(json["net_resolve_rate"]["ratio"], 0.75);
    assert_eq!(json["reopen_rate"]["fixes"], 6);
    for (metric, fields) in [
        (
            "mttr",
            &[
                "median_seconds",
                "p90_seconds",
                "mean_seconds",
                "github_mean_seconds",
                "n",
                "tier",
            ][..],
        ),
        (
            "sla_attainment",
            &["ratio", "met", "due", "overdue_open", "tier", "overdue"],
        ),
        (
            "exposure_window",
            &["vulnerability_days", "n", "ended_by_leaving_scope"],
        ),
        ("net_resolve_rate", &["ratio", "closed", "created"]),
        ("reopen_rate", &["ratio", "reopened", "fixes", "tier"]),
    ] {
        let keys: Vec<&str> = json[metric]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, fields, "{metric}");
    }
}

#[test]
fn worked_example_weekly_trend() {
    let trend = weekly_trend(&worked_example(), &SecurityPolicy::default(), now());
    // 2024-04-01 is a Monday: 13 weeks, the last from 06-24 to now.
    assert_eq!(trend.len(), 13);
    assert_eq!(trend[0].week_start, date(4, 1));
    assert_eq!(trend[12].week_start, date(6, 24));
    let week = |start: i64| {
        trend
            .iter()
            .find(|point| point.week_start == start)
            .unwrap()
    };
    // A1 fixed 05-03T12: 2.5 d.
    assert_days(week(date(4, 29)).mttr_median_seconds, 2.5);
    // A2 fixed 05-12: 10 d. At 05-13: A3 reopened, A6 still in scope.
    assert_days(week(date(5, 6)).mttr_median_seconds, 10.0);
    assert_eq!(week(date(5, 6)).open_severe, 2);
    // A3 (10 d) and S1 (0.25 d) fixed on 05-20.
    assert_days(week(date(5, 20)).mttr_median_seconds, 5.125);
    // Now: O1 and O2 (D1 is dismissed, A6's repository out of scope).
    assert_eq!(week(date(6, 24)).open_severe, 2);
    assert_eq!(week(date(6, 24)).mttr_median_seconds, None);
    assert_eq!(week(date(4, 1)).open_severe, 0);
}

mod edges;
mod merges;
