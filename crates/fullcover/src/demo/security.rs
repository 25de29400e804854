//! The seeded organisation's findings history, so that the demo's "Security outcomes"
//! show every metric with a value: alerts of the three families with their severities,
//! fixes, dismissals (a false positive, a risk acceptance), a reopen, open and overdue
//! findings, a repository that left scope with a finding open, and merged pull
//! requests with passed, failed and missing checks, a pull-request alert caught before
//! merge, one open at merge and a finding later attributed to a merge. Written through
//! the store's ordinary writes, relative to `now`, deterministic.

use std::collections::BTreeMap;

use fullcover_core::metrics::DAY;
use fullcover_core::metrics::security::{
    ChecksAtMerge, CloseReason, Family, LifecycleEvent, LifecycleKind, MergedPullRequest, Severity,
};

use crate::store::{FindingRecord, Store};

/// A lifecycle step after creation: (kind, days before now).
type Step = (LifecycleKind, f64);

/// One seeded alert.
struct Alert {
    /// Index of the repository in the seed (`99`: the archived `legacy-crm`).
    repo: i64,
    family: Family,
    number: i64,
    severity: Severity,
    /// Days before now.
    created: f64,
    /// Days between introduction and detection (MTTD).
    undetected: f64,
    /// Dependabot: the advisory's publication, days before now.
    advisory: Option<f64>,
    /// Raised on this pull request; reaches the default branch at `on_default` days
    /// before now, or never.
    pull_request: Option<(i64, Option<f64>)>,
    /// The commit that introduced it.
    commit: Option<&'static str>,
    steps: &'static [Step],
    state: &'static str,
}

const FIXED: LifecycleKind = LifecycleKind::Fixed;

const ALERTS: &[Alert] = &[
    alert(
        0,
        Family::CodeScanning,
        1,
        Severity::High,
        50.0,
        &[(FIXED, 47.0)],
        "fixed",
    ),
    alert(
        0,
        Family::CodeScanning,
        2,
        Severity::Critical,
        40.0,
        &[(FIXED, 39.5)],
        "fixed",
    ),
    alert(
        1,
        Family::CodeScanning,
        3,
        Severity::High,
        35.0,
        &[(FIXED, 30.0)],
        "fixed",
    ),
    // Fixed, reopened by GitHub (not a person), fixed again.
    alert(
        2,
        Family::CodeScanning,
        4,
        Severity::High,
        31.0,
        &[
            (FIXED, 28.0),
            (LifecycleKind::Reopened { by_user: false }, 25.0),
            (FIXED, 20.0),
        ],
        "fixed",
    ),
    alert(
        3,
        Family::CodeScanning,
        5,
        Severity::High,
        20.0,
        &[(
            LifecycleKind::Dismissed {
                reason: CloseReason::FalsePositive,
            },
            19.0,
        )],
        "dismissed",
    ),
    alert(
        6,
        Family::CodeScanning,
        6,
        Severity::Medium,
        45.0,
        &[(FIXED, 10.0)],
        "fixed",
    ),
    // Open past its 7-day due date: overdue.
    alert(
        1,
        Family::CodeScanning,
        7,
        Severity::Critical,
        20.0,
        &[],
        "open",
    ),
    alert(8, Family::CodeScanning, 8, Severity::High, 5.0, &[], "open"),
    // In the repository archived 55 days ago: its exposure ends there.
    alert(
        99,
        Family::CodeScanning,
        1,
        Severity::High,
        58.0,
        &[],
        "open",
    ),
    Alert {
        advisory: Some(33.0),
        undetected: 200.0,
        ..alert(
            0,
            Family::Dependabot,
            1,
            Severity::Critical,
            32.0,
            &[(FIXED, 31.0)],
            "fixed",
        )
    },
    // Risk accepted: a miss when it falls due.
    Alert {
        advisory: Some(46.0),
        undetected: 120.0,
        ..alert(
            1,
            Family::Dependabot,
            2,
            Severity::High,
            45.0,
            &[(
                LifecycleKind::Dismissed {
                    reason: CloseReason::TolerableRisk,
                },
                40.0,
            )],
            "dismissed",
        )
    },
    Alert {
        advisory: Some(52.0),
        undetected: 100.0,
        ..alert(2, Family::Dependabot, 3, Severity::High, 50.0, &[], "open")
    },
    Alert {
        advisory: Some(16.0),
        undetected: 60.0,
        ..alert(
            4,
            Family::Dependabot,
            4,
            Severity::Medium,
            15.0,
            &[(FIXED, 8.0)],
            "fixed",
        )
    },
    Alert {
        undetected: 0.05,
        ..alert(
            4,
            Family::SecretScanning,
            1,
            Severity::High,
            12.0,
            &[(FIXED, 11.8)],
            "resolved",
        )
    },
    Alert {
        undetected: 0.1,
        ..alert(
            7,
            Family::SecretScanning,
            2,
            Severity::Critical,
            8.0,
            &[(FIXED, 7.5)],
            "resolved",
        )
    },
    // Raised on pull request #13 and fixed before its merge: caught.
    Alert {
        pull_request: Some((13, None)),
        ..alert(
            2,
            Family::CodeScanning,
            10,
            Severity::High,
            23.0,
            &[(FIXED, 22.5)],
            "fixed",
        )
    },
    // Raised on pull request #14, still open when it merged 18 days ago.
    Alert {
        pull_request: Some((14, Some(18.0))),
        ..alert(
            3,
            Family::CodeScanning,
            11,
            Severity::High,
            19.0,
            &[(FIXED, 15.0)],
            "fixed",
        )
    },
    // Found after pull request #15 merged, in one of its commits: a change failure.
    Alert {
        commit: Some("pr15-commit-1"),
        ..alert(
            1,
            Family::CodeScanning,
            12,
            Severity::High,
            20.0,
            &[(FIXED, 16.0)],
            "fixed",
        )
    },
];

const fn alert(
    repo: i64,
    family: Family,
    number: i64,
    severity: Severity,
    created: f64,
    steps: &'static [Step],
    state: &'static str,
) -> Alert {
    Alert {
        repo,
        family,
        number,
        severity,
        created,
        undetected: 2.0,
        advisory: None,
        pull_request: None,
        commit: None,
        steps,
        state,
    }
}

/// A seeded merge: (repository index, number, days before now, covered, checks).
const MERGES: &[(i64, i64, f64, bool, ChecksAtMerge)] = &[
    (0, 10, 45.0, true, ChecksAtMerge::Passed),
    (0, 11, 30.0, true, ChecksAtMerge::Failed),
    (1, 12, 25.0, true, ChecksAtMerge::Missing),
    (2, 13, 22.0, true, ChecksAtMerge::Passed),
    (3, 14, 18.0, true, ChecksAtMerge::Passed),
    (1, 15, 26.0, true, ChecksAtMerge::Passed),
    (6, 16, 10.0, true, ChecksAtMerge::Passed),
    (9, 17, 12.0, false, ChecksAtMerge::Missing),
    (0, 18, 8.0, true, ChecksAtMerge::Passed),
    (8, 19, 5.0, true, ChecksAtMerge::Passed),
];

/// The three permissions the security metrics read, all granted.
pub(crate) fn permissions() -> BTreeMap<String, String> {
    [
        "security_events",
        "vulnerability_alerts",
        "secret_scanning_alerts",
    ]
    .into_iter()
    .map(|name| (name.to_owned(), "read".to_owned()))
    .collect()
}

fn ago(now: i64, days: f64) -> i64 {
    now - (days * DAY as f64).round() as i64
}

/// Writes the findings, their lifecycles and the merges of the seeded organisation;
/// `first_repository` is the id of the first seeded repository.
pub(crate) async fn seed(
    store: &Store,
    installation: i64,
    first_repository: i64,
    now: i64,
) -> anyhow::Result<()> {
    store
        .set_installation_permissions(installation, &permissions())
        .await?;
    for alert in ALERTS {
        let repository = first_repository + alert.repo;
        let created = ago(now, alert.created);
        let default_branch_at = match alert.pull_request {
            Some((_, on_default)) => on_default.map(|days| ago(now, days)),
            None => Some(created),
        };
        store
            .upsert_finding(&FindingRecord {
                repository_id: repository,
                family: alert.family,
                number: alert.number,
                severity: alert.severity,
                state: alert.state.to_owned(),
                created_at: created,
                default_branch_at,
                introduced_at: Some(created - (alert.undetected * DAY as f64).round() as i64),
                introduced_commit: alert.commit.map(str::to_owned),
                advisory_published_at: alert.advisory.map(|days| ago(now, days)),
                pull_request: alert.pull_request.map(|(number, _)| number),
                partial_history: false,
            })
            .await?;
        let mut steps = vec![LifecycleEvent {
            at: created,
            kind: LifecycleKind::Created,
        }];
        if let (Some(_), Some(at)) = (alert.pull_request, default_branch_at) {
            steps.push(LifecycleEvent {
                at,
                kind: LifecycleKind::AppearedOnDefaultBranch,
            });
        }
        steps.extend(alert.steps.iter().map(|&(kind, days)| LifecycleEvent {
            at: ago(now, days),
            kind,
        }));
        for step in steps {
            store
                .record_finding_event(repository, alert.family, alert.number, step, None)
                .await?;
        }
    }
    for &(repo, number, days, covered, checks) in MERGES {
        store
            .record_merged_pull_request(&MergedPullRequest {
                repository: first_repository + repo,
                number,
                head_sha: format!("pr{number}-head"),
                merge_commit_sha: Some(format!("pr{number}-merge")),
                commits: vec![format!("pr{number}-commit-1"), format!("pr{number}-head")],
                merged_at: ago(now, days),
                covered_at_merge: covered,
                checks_at_merge: checks,
            })
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use fullcover_core::metrics::security::{SecurityPolicy, security_report, weekly_trend};

    use super::*;
    use crate::demo::history;

    /// Every metric of the seeded organisation has a value: `fullcover demo` shows no
    /// "no data".
    #[tokio::test]
    async fn the_seeded_record_gives_every_metric_a_value() {
        let dir = tempfile::tempdir().unwrap();
        let url = crate::store::sqlite_url(&dir.path().join("fullcover.db"));
        let store = Store::connect(&url).await.unwrap();
        let now = 1_700_000_000;
        history::seed(&store, now).await.unwrap();
        let record = store.security_record(history::ORG, None).await.unwrap();
        let policy = SecurityPolicy::default();
        let report = security_report(&record, &policy, now);
        let mttr = report.mttr.unwrap();
        assert!(
            mttr.median_seconds.is_some() && mttr.tier.is_some(),
            "{mttr:?}"
        );
        assert!(mttr.p90_seconds.is_some() && mttr.github_mean_seconds.is_some());
        let sla = report.sla_attainment.unwrap();
        assert!(sla.ratio.is_some() && sla.overdue_open > 0, "{sla:?}");
        assert_eq!(sla.overdue.len() as u64, sla.overdue_open);
        let mttd = report.mttd.unwrap();
        for family in Family::ALL {
            assert!(mttd.get(&family).unwrap().is_some(), "{family:?}");
        }
        let exposure = report.exposure_window.unwrap();
        assert!(exposure.vulnerability_days > 0.0);
        assert_eq!(
            exposure.ended_by_leaving_scope.len(),
            1,
            "legacy-crm's finding"
        );
        let detection = report.detection_rate.unwrap();
        assert!(
            detection.pre_merge > 0 && detection.post_merge > 0,
            "{detection:?}"
        );
        let escape = report.escape_rate.unwrap();
        assert!(
            escape.ratio.is_some() && escape.unscanned_ratio > 0.0,
            "{escape:?}"
        );
        let failure = report.change_failure_rate.unwrap();
        assert!(failure.failed > 0 && failure.provisional, "{failure:?}");
        assert!(report.net_resolve_rate.is_some());
        let reopen = report.reopen_rate.unwrap();
        assert!(reopen.ratio.is_some() && reopen.reopened == 1, "{reopen:?}");
        let weekly = weekly_trend(&record, &policy, now);
        assert!(weekly.iter().any(|week| week.mttr_median_seconds.is_some()));
        assert!(weekly.iter().any(|week| week.open_severe > 0));
        let granted = store.org_permissions(history::ORG).await.unwrap().unwrap();
        assert_eq!(granted, permissions());
    }
}
