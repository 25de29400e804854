//! M5, M6 and M7 on a scripted series of merged pull requests.

use super::*;

pub(super) const COVERED: i64 = 1;
const UNCOVERED: i64 = 2;

pub(super) fn merged(
    repository: i64,
    number: i64,
    merged_at: i64,
    checks: ChecksAtMerge,
) -> MergedPullRequest {
    MergedPullRequest {
        repository,
        number,
        head_sha: format!("h{number}"),
        merge_commit_sha: Some(format!("m{number}")),
        commits: vec![format!("c{number}"), format!("h{number}")],
        merged_at,
        covered_at_merge: repository == COVERED,
        checks_at_merge: checks,
    }
}

fn pull_alert(
    pull_request: i64,
    number: i64,
    created_at: i64,
    fixed_at: Option<i64>,
) -> PullRequestAlert {
    PullRequestAlert {
        repository: COVERED,
        pull_request,
        family: Family::CodeScanning,
        number,
        severity: Severity::High,
        created_at,
        fixed_at,
        false_positive: false,
    }
}

/// A default-branch finding introduced by `commit`.
fn brought(
    repository: i64,
    family: Family,
    number: i64,
    severity: Severity,
    created_at: i64,
    commit: &str,
) -> Finding {
    let mut finding = finding(repository, family, number, severity, created_at, &[]);
    finding.introduced_commit = Some(commit.to_owned());
    finding
}

/// P1 clean; P2 merged with an open high pull-request alert (which then shows on the
/// default branch); P3 merged with the required check failing (listed twice); P4 merged
/// before two findings later attributed to its commit; P6 whose alert was fixed before
/// merge; P5 in a repository not covered at merge.
fn merges() -> SecurityRecord {
    use Family::*;
    let mut on_merge = brought(COVERED, CodeScanning, 21, Severity::High, date(5, 1), "c2");
    on_merge.default_branch_at = Some(date(5, 2)); // raised on the pull request first
    let mut late_advisory = brought(
        COVERED,
        Dependabot,
        11,
        Severity::Critical,
        date(5, 12),
        "c1",
    );
    late_advisory.advisory_published_at = Some(date(5, 10)); // after P1's merge
    let mut false_positive = brought(COVERED, CodeScanning, 31, Severity::High, date(5, 8), "c3");
    false_positive
        .events
        .push(dismissed(date(5, 9), CloseReason::FalsePositive));
    SecurityRecord {
        findings: vec![
            on_merge,
            brought(COVERED, CodeScanning, 41, Severity::High, date(5, 14), "m4"),
            brought(
                COVERED,
                SecretScanning,
                42,
                Severity::Critical,
                date(5, 20),
                "c4",
            ),
            brought(
                COVERED,
                CodeScanning,
                43,
                Severity::Medium,
                date(5, 15),
                "c4",
            ),
            late_advisory,
            // 45 days after P1's merge: past the horizon.
            brought(COVERED, CodeScanning, 12, Severity::High, date(6, 15), "c1"),
            false_positive,
            brought(
                UNCOVERED,
                CodeScanning,
                51,
                Severity::High,
                date(5, 10),
                "c5",
            ),
        ],
        scope: Vec::new(),
        merged_pull_requests: vec![
            merged(COVERED, 1, date(5, 1), ChecksAtMerge::Passed),
            merged(COVERED, 2, date(5, 2), ChecksAtMerge::Passed),
            merged(COVERED, 3, date(5, 3), ChecksAtMerge::Failed),
            merged(COVERED, 3, date(5, 3), ChecksAtMerge::Failed),
            merged(COVERED, 4, date(5, 4), ChecksAtMerge::Passed),
            merged(COVERED, 6, date(5, 5), ChecksAtMerge::Passed),
            merged(UNCOVERED, 5, date(5, 6), ChecksAtMerge::Missing),
            // Before W: neither counted nor counting.
            merged(COVERED, 9, date(3, 1), ChecksAtMerge::Failed),
        ],
        pull_request_alerts: vec![
            pull_alert(2, 21, date(5, 1), None),
            pull_alert(6, 61, date(5, 4), Some(at(5, 4, 12))),
        ],
    }
}

#[test]
fn escape_rate_on_merged_pull_requests() {
    let escape = report(&merges()).escape_rate.unwrap();
    // Covered merges in W: P1, P2, P3, P4, P6; escaped: P2 (open alert), P3 (check).
    assert_eq!((escape.escaped, escape.merged), (2, 5));
    assert!(close(escape.ratio.unwrap(), 0.4));
    // P5 is the one unscanned merge of six.
    assert!(close(escape.unscanned_ratio, 1.0 / 6.0));
    assert_eq!(escape.tier, Some(Tier::Low));
}

#[test]
fn change_failure_rate_on_merged_pull_requests() {
    let failure = report(&merges()).change_failure_rate.unwrap();
    // P2 (alert #21 reached the default branch at merge) and P4 (#41 by its merge
    // commit, #42 by one of its commits: one pull request); not P1 (the advisory came
    // after its merge, #12 past the horizon), not P3 (a false positive), not P5.
    assert_eq!((failure.failed, failure.changes), (2, 5));
    assert!(close(failure.ratio, 0.4));
    assert!(!failure.provisional, "the last merge was on 05-05");
    assert_eq!(failure.tier, Some(Tier::Low));
}

#[test]
fn change_failure_rate_is_provisional_while_a_horizon_is_open() {
    let mut record = merges();
    record
        .merged_pull_requests
        .push(merged(COVERED, 7, date(6, 20), ChecksAtMerge::Passed));
    let failure = report(&record).change_failure_rate.unwrap();
    assert_eq!((failure.failed, failure.changes), (2, 6));
    assert!(failure.provisional);
    // 40 days on, the horizon has closed.
    let later = security_report(
        &record,
        &SecurityPolicy {
            window_days: 130,
            ..SecurityPolicy::default()
        },
        date(6, 30) + 40 * DAY,
    );
    assert!(!later.change_failure_rate.unwrap().provisional);
}

#[test]
fn detection_rate_on_merged_pull_requests() {
    let detection = report(&merges()).detection_rate.unwrap();
    // Caught before merge: #61. After: #21 (once, though both a pull-request alert
    // open at merge and an attributed finding), #41, #42.
    assert_eq!((detection.pre_merge, detection.post_merge), (1, 3));
    assert!(close(detection.ratio, 0.25));
    assert_eq!(detection.tier, None);
}

#[test]
fn merges_in_uncovered_repositories_only() {
    let record = SecurityRecord {
        merged_pull_requests: vec![merged(UNCOVERED, 5, date(5, 6), ChecksAtMerge::Passed)],
        ..SecurityRecord::default()
    };
    let report = report(&record);
    let escape = report.escape_rate.unwrap();
    assert_eq!(
        (escape.ratio, escape.merged, escape.unscanned_ratio),
        (None, 0, 1.0)
    );
    assert_eq!(report.change_failure_rate, None);
    assert_eq!(report.detection_rate, None);
}
