//! Edge cases: no data, tiers around n = 5, closures that leave figures, scope that
//! comes back, events out of order, inputs at the limits of i64.

use super::merges::{COVERED, merged};
use super::*;

#[test]
fn empty_record_has_no_metric() {
    let report = report(&SecurityRecord::default());
    assert_eq!(report.mttr, None);
    assert_eq!(report.sla_attainment, None);
    assert_eq!(report.mttd, None);
    assert_eq!(report.exposure_window, None);
    assert_eq!(report.detection_rate, None);
    assert_eq!(report.escape_rate, None);
    assert_eq!(report.change_failure_rate, None);
    assert_eq!(report.net_resolve_rate, None);
    assert_eq!(report.reopen_rate, None);
    let json = serde_json::to_value(&report).unwrap();
    assert!(json["mttr"].is_null() && json["reopen_rate"].is_null());
    let trend = weekly_trend(
        &SecurityRecord::default(),
        &SecurityPolicy::default(),
        now(),
    );
    assert_eq!(trend.len(), 13);
    assert!(
        trend
            .iter()
            .all(|point| point.mttr_median_seconds.is_none() && point.open_severe == 0)
    );
}

/// `count` high findings created on 05-01, each fixed after `days`.
fn fixed_after(count: i64, days: i64) -> SecurityRecord {
    SecurityRecord {
        findings: (0..count)
            .map(|number| {
                code(
                    number,
                    Severity::High,
                    date(5, 1),
                    &[fixed(date(5, 1) + days * DAY)],
                )
            })
            .collect(),
        ..SecurityRecord::default()
    }
}

#[test]
fn no_tier_below_five() {
    let report = report(&fixed_after(4, 1));
    assert_eq!(report.mttr.unwrap().tier, None);
    assert_eq!(report.sla_attainment.unwrap().tier, None);
    assert_eq!(report.reopen_rate.unwrap().tier, None);
}

#[test]
fn tiers_from_five() {
    let report = report(&fixed_after(5, 1));
    let mttr = report.mttr.unwrap();
    assert_eq!((mttr.n, mttr.tier), (5, Some(Tier::Elite)));
    let sla = report.sla_attainment.unwrap();
    assert_eq!((sla.met, sla.due, sla.tier), (5, 5, Some(Tier::Elite)));
    let reopen = report.reopen_rate.unwrap();
    assert_eq!((reopen.ratio, reopen.tier), (Some(0.0), Some(Tier::Elite)));
}

#[test]
fn mttr_tier_uses_the_threshold_severity_band() {
    // A median of exactly 7 days: elite for high (≤ 7 d), high for critical (≤ 7 d, not ≤ 1 d).
    let record = fixed_after(5, 7);
    assert_eq!(report(&record).mttr.unwrap().tier, Some(Tier::Elite));
    let mut critical = record.clone();
    for finding in &mut critical.findings {
        finding.severity = Severity::Critical;
    }
    let policy = SecurityPolicy {
        threshold: Severity::Critical,
        ..SecurityPolicy::default()
    };
    let mttr = security_report(&critical, &policy, now()).mttr.unwrap();
    assert_eq!(mttr.tier, Some(Tier::High));
    // 31 days on high findings: medium.
    assert_eq!(
        report(&fixed_after(5, 31)).mttr.unwrap().tier,
        Some(Tier::Medium)
    );
}

#[test]
fn dismissals_only_give_a_github_mean_but_no_median() {
    let record = SecurityRecord {
        findings: vec![code(
            1,
            Severity::High,
            date(5, 1),
            &[dismissed(date(5, 3), CloseReason::WontFix)],
        )],
        ..SecurityRecord::default()
    };
    let mttr = report(&record).mttr.unwrap();
    assert_eq!((mttr.median_seconds, mttr.n), (None, 0));
    assert_days(mttr.github_mean_seconds, 2.0);
}

#[test]
fn reopened_by_a_user_is_not_a_regression() {
    let record = SecurityRecord {
        findings: vec![code(
            1,
            Severity::Low,
            date(5, 1),
            &[
                fixed(date(5, 2)),
                event(date(5, 3), LifecycleKind::Reopened { by_user: true }),
                event(date(5, 4), LifecycleKind::AutoReopened),
                fixed(date(5, 5)),
                event(date(5, 6), LifecycleKind::Reintroduced),
            ],
        )],
        ..SecurityRecord::default()
    };
    let reopen = report(&record).reopen_rate.unwrap();
    assert_eq!((reopen.reopened, reopen.fixes), (2, 2));
}

#[test]
fn not_applicable_and_auto_dismissed_are_out_of_sla() {
    let record = SecurityRecord {
        findings: vec![
            code(
                1,
                Severity::High,
                date(5, 1),
                &[dismissed(date(5, 2), CloseReason::NotUsed)],
            ),
            code(
                2,
                Severity::High,
                date(5, 1),
                &[event(date(5, 2), LifecycleKind::AutoDismissed)],
            ),
            code(
                3,
                Severity::High,
                date(5, 1),
                &[dismissed(date(5, 2), CloseReason::NoBandwidth)],
            ),
        ],
        ..SecurityRecord::default()
    };
    let sla = report(&record).sla_attainment.unwrap();
    assert_eq!((sla.met, sla.due, sla.overdue_open), (0, 1, 0));
}

#[test]
fn overdue_backlog_without_anything_due_in_the_window() {
    // Created 2023-12-01, due 2023-12-31: before W, still open.
    let record = SecurityRecord {
        findings: vec![code(1, Severity::High, date(1, 1) - 31 * DAY, &[])],
        ..SecurityRecord::default()
    };
    let sla = report(&record).sla_attainment.unwrap();
    assert_eq!(
        (sla.ratio, sla.due, sla.overdue_open, sla.tier),
        (None, 0, 1, None)
    );
}

#[test]
fn exposure_resumes_when_the_repository_returns() {
    // Out of scope 05-10 to 05-20; the finding stays open to now.
    let record = SecurityRecord {
        findings: vec![finding(
            ARCHIVED,
            Family::CodeScanning,
            1,
            Severity::High,
            date(5, 1),
            &[],
        )],
        scope: vec![
            ScopeSpell {
                repository: ARCHIVED,
                entered: date(1, 1),
                left: Some(date(5, 10)),
                reason: Some("removed from the installation".to_owned()),
            },
            ScopeSpell {
                repository: ARCHIVED,
                entered: date(5, 20),
                left: None,
                reason: None,
            },
        ],
        ..SecurityRecord::default()
    };
    let report = report(&record);
    let exposure = report.exposure_window.unwrap();
    // 05-01..05-10 and 05-20..06-30: 9 + 41 days.
    assert!(close(exposure.vulnerability_days, 50.0));
    assert_eq!(exposure.ended_by_leaving_scope.len(), 1);
    // It left scope while open: out of SLA and net resolve.
    assert_eq!(report.sla_attainment, None);
    assert_eq!(report.net_resolve_rate, None);
}

#[test]
fn events_out_of_order_or_after_now_change_nothing() {
    let mut record = worked_example();
    for finding in &mut record.findings {
        finding.events.reverse();
        finding.events.push(fixed(now() + DAY));
    }
    assert_eq!(report(&record), report(&worked_example()));
}

#[test]
fn extreme_inputs_do_not_panic() {
    let mut extreme = finding(
        MAIN,
        Family::Dependabot,
        1,
        Severity::Critical,
        i64::MIN,
        &[],
    );
    extreme.events.push(fixed(i64::MAX));
    extreme
        .events
        .push(event(i64::MIN, LifecycleKind::Reintroduced));
    extreme.advisory_published_at = Some(i64::MAX);
    extreme.introduced_commit = Some("x".to_owned());
    let mut record = worked_example();
    record.findings.push(extreme);
    record.findings.push(finding(
        MAIN,
        Family::CodeScanning,
        2,
        Severity::High,
        i64::MAX,
        &[],
    ));
    record.scope.push(ScopeSpell {
        repository: MAIN,
        entered: i64::MAX,
        left: Some(i64::MIN),
        reason: None,
    });
    let mut pr = merged(COVERED, 1, i64::MIN, ChecksAtMerge::Passed);
    pr.commits.push("x".to_owned());
    record.merged_pull_requests.push(pr);
    for window_days in [i64::MIN, -1, 0, 1, i64::MAX] {
        for now in [i64::MIN, 0, now(), i64::MAX] {
            let policy = SecurityPolicy {
                window_days,
                sla_days: SlaDays {
                    critical: i64::MAX,
                    high: -5,
                    medium: 0,
                    low: i64::MIN,
                },
                change_failure_horizon_days: i64::MAX,
                ..SecurityPolicy::default()
            };
            let report = security_report(&record, &policy, now);
            assert!(report.window.days <= MAX_WINDOW_DAYS);
            let trend = weekly_trend(&record, &policy, now);
            assert!(trend.len() <= (MAX_WINDOW_DAYS / 7 + 2) as usize);
        }
    }
}
