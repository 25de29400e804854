//! The security side of `decide`, as tables: alert webhooks into findings and lifecycle
//! steps, merges into merged pull requests with their checks, check runs on any commit.

use std::sync::LazyLock;

use fullcover_core::metrics::security::{
    ChecksAtMerge, CloseReason, Family, LifecycleKind, MergedPullRequest, Severity,
};
use fullcover_core::rules::RuleSet;
use serde_json::json;

use super::decide::{Action, Current, decide};
use super::model::{
    CheckRun, CheckSuite, Event, IdOnly, PullRequest, PullRequestBase, PullRequestChange,
    PullRequestHead, RepositoryRef,
};
use crate::store::{FindingRecord, RepoState, RepositoryRecord};

static RULES: LazyLock<RuleSet> = LazyLock::new(|| match RuleSet::embedded() {
    Ok(rules) => rules,
    Err(errors) => panic!("{errors}"),
});

const REPO: i64 = 100;
/// 2024-05-01T00:00:00Z
const MAY_1: i64 = 1_714_521_600;

fn repository() -> serde_json::Value {
    json!({"id": REPO, "full_name": "acme/api", "default_branch": "main", "private": false})
}

fn known(state: RepoState) -> Current {
    Current {
        repository: Some(RepositoryRecord {
            id: REPO,
            installation_id: 7,
            full_name: "acme/api".into(),
            default_branch: Some("main".into()),
            private: false,
            state,
            reason: None,
            head_sha: None,
            ref_etag: None,
            plan_hash: None,
        }),
        ..Current::default()
    }
}

fn decide_payload(event: &str, payload: serde_json::Value, current: &Current) -> Vec<Action> {
    let event = Event::parse("guid-1", event, &payload.to_string()).unwrap();
    decide(&event, current, &RULES).actions
}

fn code_alert(action: &str, git_ref: &str, extra: serde_json::Value) -> serde_json::Value {
    let mut alert = json!({
        "number": 3,
        "created_at": "2024-05-01T00:00:00Z",
        "state": "open",
        "rule": {"id": "js/sql-injection", "severity": "error", "security_severity_level": "critical"},
        "tool": {"name": "CodeQL"},
    });
    if let (Some(alert), Some(extra)) = (alert.as_object_mut(), extra.as_object()) {
        alert.extend(extra.clone());
    }
    json!({
        "action": action,
        "alert": alert,
        "ref": git_ref,
        "commit_oid": "d6e4c75c141dbacecc279b721b8b9393d5405795",
        "repository": repository(),
        "installation": {"id": 7},
    })
}

fn finding(default_branch_at: Option<i64>, pull_request: Option<i64>) -> FindingRecord {
    FindingRecord {
        repository_id: REPO,
        family: Family::CodeScanning,
        number: 3,
        severity: Severity::Critical,
        state: "open".into(),
        created_at: MAY_1,
        default_branch_at,
        introduced_at: None,
        introduced_commit: default_branch_at
            .map(|_| "d6e4c75c141dbacecc279b721b8b9393d5405795".to_owned()),
        advisory_published_at: None,
        pull_request,
        partial_history: false,
    }
}

fn step(family: Family, kind: LifecycleKind, at: Option<i64>) -> Action {
    Action::RecordFindingStep {
        repository: REPO,
        family,
        number: 3,
        kind,
        at,
    }
}

#[test]
fn code_scanning_alerts_become_findings_on_the_branch_they_are_on() {
    let covered = known(RepoState::Covered);
    let code = Family::CodeScanning;
    assert_eq!(
        decide_payload(
            "code_scanning_alert",
            code_alert("created", "refs/heads/main", json!({})),
            &covered
        ),
        vec![
            Action::UpsertFinding {
                record: finding(Some(MAY_1), None),
                reached_default_now: false,
            },
            step(code, LifecycleKind::Created, Some(MAY_1)),
            step(code, LifecycleKind::AppearedOnDefaultBranch, Some(MAY_1)),
        ],
        "created on the default branch"
    );
    assert_eq!(
        decide_payload(
            "code_scanning_alert",
            code_alert("created", "refs/pull/12/merge", json!({})),
            &covered
        ),
        vec![
            Action::UpsertFinding {
                record: finding(None, Some(12)),
                reached_default_now: false,
            },
            step(code, LifecycleKind::Created, Some(MAY_1)),
        ],
        "created on a pull request"
    );
    assert_eq!(
        decide_payload(
            "code_scanning_alert",
            code_alert("appeared_in_branch", "refs/heads/main", json!({})),
            &covered
        ),
        vec![
            Action::UpsertFinding {
                record: FindingRecord {
                    introduced_commit: Some("d6e4c75c141dbacecc279b721b8b9393d5405795".into()),
                    ..finding(None, None)
                },
                reached_default_now: true,
            },
            step(code, LifecycleKind::AppearedOnDefaultBranch, None),
        ],
        "merged into the default branch"
    );
    let dismissed = decide_payload(
        "code_scanning_alert",
        code_alert(
            "closed_by_user",
            "refs/heads/main",
            json!({"state": "dismissed", "dismissed_reason": "false positive", "dismissed_at": "2024-05-02T00:00:00Z"}),
        ),
        &covered,
    );
    assert_eq!(
        dismissed[1],
        step(
            code,
            LifecycleKind::Dismissed {
                reason: CloseReason::FalsePositive
            },
            Some(MAY_1 + 86_400)
        )
    );
    let reopened = decide_payload(
        "code_scanning_alert",
        code_alert("reopened", "refs/heads/main", json!({})),
        &covered,
    );
    assert_eq!(
        reopened[1],
        step(code, LifecycleKind::Reopened { by_user: false }, None)
    );
    assert!(
        decide_payload(
            "code_scanning_alert",
            code_alert("created", "refs/heads/main", json!({})),
            &Current::default()
        )
        .is_empty(),
        "a repository not on record"
    );
}

fn dependabot(action: &str, extra: serde_json::Value) -> serde_json::Value {
    let mut alert = json!({
        "number": 3,
        "state": "open",
        "created_at": "2024-05-20T00:00:00Z",
        "security_advisory": {"severity": "high", "published_at": "2024-05-19T00:00:00Z"},
        "dependency": {"package": {"ecosystem": "pip", "name": "ansible"}, "manifest_path": "requirements.txt"},
    });
    if let (Some(alert), Some(extra)) = (alert.as_object_mut(), extra.as_object()) {
        alert.extend(extra.clone());
    }
    json!({"action": action, "alert": alert, "repository": repository(), "installation": {"id": 7}})
}

#[test]
fn dependabot_dismissals_keep_their_reason_and_fix_started_closes_nothing() {
    let covered = known(RepoState::Covered);
    let created = decide_payload(
        "dependabot_alert",
        dependabot("created", json!({})),
        &covered,
    );
    let Action::UpsertFinding { record, .. } = &created[0] else {
        panic!("{created:?}");
    };
    assert_eq!(record.severity, Severity::High);
    assert_eq!(record.advisory_published_at, Some(MAY_1 + 18 * 86_400));
    assert_eq!(record.default_branch_at, Some(MAY_1 + 19 * 86_400));
    let tolerable = decide_payload(
        "dependabot_alert",
        dependabot(
            "dismissed",
            json!({"state": "dismissed", "dismissed_reason": "tolerable_risk", "dismissed_at": "2024-05-25T00:00:00Z"}),
        ),
        &covered,
    );
    assert_eq!(
        tolerable[1],
        step(
            Family::Dependabot,
            LifecycleKind::Dismissed {
                reason: CloseReason::TolerableRisk
            },
            Some(MAY_1 + 24 * 86_400)
        )
    );
    let started = decide_payload(
        "dependabot_alert",
        dependabot(
            "dismissed",
            json!({"state": "dismissed", "dismissed_reason": "fix_started"}),
        ),
        &covered,
    );
    assert_eq!(
        started.len(),
        1,
        "the state is kept, no closure: {started:?}"
    );
}

#[test]
fn secrets_are_critical_when_live_and_fixed_when_revoked() {
    let covered = known(RepoState::Covered);
    let secret = |action: &str, alert: serde_json::Value| json!({"action": action, "alert": alert, "repository": repository(), "installation": {"id": 7}});
    let created = decide_payload(
        "secret_scanning_alert",
        secret(
            "created",
            json!({"number": 3, "created_at": "2024-05-20T00:00:00Z", "state": "open", "validity": "active"}),
        ),
        &covered,
    );
    let Action::UpsertFinding { record, .. } = &created[0] else {
        panic!("{created:?}");
    };
    assert_eq!(record.severity, Severity::Critical);
    let revoked = decide_payload(
        "secret_scanning_alert",
        secret(
            "resolved",
            json!({"number": 3, "created_at": "2024-05-20T00:00:00Z", "state": "resolved", "resolution": "revoked",
                   "resolved_at": "2024-05-20T06:00:00Z", "validity": "inactive"}),
        ),
        &covered,
    );
    let Action::UpsertFinding { record, .. } = &revoked[0] else {
        panic!("{revoked:?}");
    };
    assert_eq!(record.severity, Severity::High);
    assert_eq!(
        revoked[1],
        step(
            Family::SecretScanning,
            LifecycleKind::Fixed,
            Some(MAY_1 + 19 * 86_400 + 6 * 3_600)
        )
    );
}

fn merged_pull(base: &str) -> Event {
    Event::PullRequest {
        installation: 7,
        repository: RepositoryRef {
            id: REPO,
            full_name: "acme/api".into(),
            default_branch: Some("main".into()),
        },
        change: PullRequestChange::Closed,
        pull_request: PullRequest {
            number: 12,
            html_url: "https://github.com/acme/api/pull/12".into(),
            merged: Some(true),
            merged_at: Some("2024-05-01T00:00:00Z".into()),
            merge_commit_sha: Some("c".repeat(40)),
            updated_at: None,
            head: PullRequestHead {
                branch: "feature".into(),
                sha: Some("b".repeat(40)),
                repo: Some(IdOnly { id: REPO }),
            },
            base: Some(PullRequestBase {
                branch: base.into(),
            }),
        },
    }
}

#[test]
fn merges_into_the_default_branch_are_recorded_with_their_checks() {
    let merged = |covered: bool, checks: ChecksAtMerge| {
        Action::RecordMergedPullRequest(MergedPullRequest {
            repository: REPO,
            number: 12,
            head_sha: "b".repeat(40),
            merge_commit_sha: Some("c".repeat(40)),
            commits: vec!["b".repeat(40)],
            merged_at: MAY_1,
            covered_at_merge: covered,
            checks_at_merge: checks,
        })
    };
    let with_checks = |state, checks: &[(&str, &str)]| Current {
        head_checks: checks
            .iter()
            .map(|(name, conclusion)| ((*name).to_owned(), (*conclusion).to_owned()))
            .collect(),
        ..known(state)
    };
    let table: Vec<(&str, Event, Current, Vec<Action>)> = vec![
        (
            "clean",
            merged_pull("main"),
            with_checks(
                RepoState::Covered,
                &[("Analyze (python)", "success"), ("build", "failure")],
            ),
            vec![merged(true, ChecksAtMerge::Passed)],
        ),
        (
            "a security check failed",
            merged_pull("main"),
            with_checks(RepoState::Covered, &[("Analyze (python)", "failure")]),
            vec![merged(true, ChecksAtMerge::Failed)],
        ),
        (
            "no security check ran (only a build)",
            merged_pull("main"),
            with_checks(RepoState::Covered, &[("build", "success")]),
            vec![merged(true, ChecksAtMerge::Missing)],
        ),
        (
            "not covered at merge",
            merged_pull("main"),
            with_checks(RepoState::Onboarding, &[]),
            vec![merged(false, ChecksAtMerge::Missing)],
        ),
        (
            "into another branch",
            merged_pull("release"),
            with_checks(RepoState::Covered, &[]),
            vec![],
        ),
        (
            "an excluded repository",
            merged_pull("main"),
            with_checks(RepoState::Excluded, &[]),
            vec![],
        ),
        (
            "not on record",
            merged_pull("main"),
            Current::default(),
            vec![],
        ),
    ];
    for (case, event, current, expected) in table {
        assert_eq!(decide(&event, &current, &RULES).actions, expected, "{case}");
    }
}

#[test]
fn check_runs_on_any_commit_are_kept() {
    let event = Event::CheckRunCompleted {
        repository: RepositoryRef {
            id: REPO,
            full_name: "acme/api".into(),
            default_branch: Some("main".into()),
        },
        check_run: CheckRun {
            name: "Analyze (python)".into(),
            head_sha: "b".repeat(40),
            conclusion: Some("failure".into()),
            completed_at: Some("2024-05-01T00:00:00Z".into()),
            check_suite: CheckSuite {
                head_branch: Some("feature".into()),
            },
        },
    };
    assert_eq!(
        decide(&event, &known(RepoState::Covered), &RULES).actions,
        vec![Action::RecordCommitCheck {
            repository: REPO,
            sha: "b".repeat(40),
            name: "Analyze (python)".into(),
            conclusion: "failure".into(),
            completed_at: Some(MAY_1),
        }]
    );
    assert!(
        decide(&event, &Current::default(), &RULES)
            .actions
            .is_empty()
    );
}

#[test]
fn an_alert_without_a_creation_time_is_an_error_naming_the_delivery() {
    let payload = json!({"action": "created", "alert": {"number": 1, "created_at": "yesterday", "rule": {}},
                         "repository": repository(), "installation": {"id": 7}});
    let err = Event::parse("guid-9", "code_scanning_alert", &payload.to_string()).unwrap_err();
    assert!(err.to_string().contains("guid-9"), "{err}");
    assert!(err.to_string().contains("created_at"), "{err}");
}

#[test]
fn an_alert_from_a_control_last_read_as_off_reads_the_controls_again() {
    use fullcover_core::platform::{Answer, Control, PlatformControls};
    let with = |answer: Answer| {
        let mut current = known(RepoState::Covered);
        let mut platform = PlatformControls::default();
        platform.answers.insert(Control::CodeqlDefaultSetup, answer);
        current.platform = Some(platform);
        current
    };
    let refresh = [
        Action::RefreshPlatform { repository: REPO },
        Action::QueueScan {
            installation: 7,
            repository: REPO,
        },
    ];
    let actions = |current: &Current| {
        decide_payload(
            "code_scanning_alert",
            code_alert("created", "refs/heads/main", json!({})),
            current,
        )
    };
    let off = actions(&with(Answer::Disabled {
        detail: "no analysis found".into(),
    }));
    assert!(off.ends_with(&refresh), "{off:?}");
    let unknown = actions(&with(Answer::Unknown {
        detail: "no permission".into(),
    }));
    assert!(unknown.ends_with(&refresh), "{unknown:?}");
    let on = actions(&with(Answer::Enabled {
        languages: vec!["python".into()],
    }));
    assert!(!on.contains(&refresh[0]), "{on:?}");
    // Never read: the next scan reads them anyway.
    let never = actions(&known(RepoState::Covered));
    assert!(!never.contains(&refresh[0]), "{never:?}");
}
