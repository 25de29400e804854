//! `decide` per event, as tables: the record before, the event, the actions expected.
//! `Event::parse` on payloads shaped like GitHub's.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use fullcover_core::metrics::RunSource;
use fullcover_core::rules::RuleSet;

use super::decide::{Action, Current, decide};
use super::model::{
    Account, AddedRepository, CheckRun, CheckSuite, Event, IdOnly, InstallationChange, PullRequest,
    PullRequestChange, PullRequestHead, Push, PushedCommit, RepositoryChange, RepositoryRef,
    WorkflowRun,
};
use crate::app::deliver::BRANCH;
use crate::store::{
    InstallationState, PullRequestEvent, PullRequestRecord, PullRequestState, RepoState,
    RepositoryRecord,
};

static RULES: LazyLock<RuleSet> = LazyLock::new(|| match RuleSet::embedded() {
    Ok(rules) => rules,
    Err(errors) => panic!("{errors}"),
});

const INSTALLATION: i64 = 7;
const REPO: i64 = 100;
/// 2024-05-02T00:00:00Z, the `updated_at` of the test's pull request events.
const MAY_2: i64 = 1_714_608_000;

fn account() -> Account {
    Account {
        login: "acme".into(),
        kind: "Organization".into(),
    }
}

fn repository_ref() -> RepositoryRef {
    RepositoryRef {
        id: REPO,
        full_name: "acme/api".into(),
        default_branch: Some("main".into()),
    }
}

fn record(state: RepoState, reason: Option<&str>) -> RepositoryRecord {
    RepositoryRecord {
        id: REPO,
        installation_id: INSTALLATION,
        full_name: "acme/api".into(),
        default_branch: Some("main".into()),
        private: false,
        state,
        reason: reason.map(str::to_owned),
        head_sha: None,
        ref_etag: None,
        plan_hash: None,
    }
}

fn known(state: RepoState) -> Current {
    Current {
        repository: Some(record(state, None)),
        ..Current::default()
    }
}

fn set_state(state: RepoState, reason: Option<&str>) -> Action {
    Action::SetRepositoryState {
        repository: REPO,
        state,
        reason: reason.map(str::to_owned),
    }
}

fn scan() -> Action {
    Action::QueueScan {
        installation: INSTALLATION,
        repository: REPO,
    }
}

fn actions(event: &Event, current: &Current) -> Vec<Action> {
    decide(event, current, &RULES).actions
}

fn permissions() -> BTreeMap<String, String> {
    [
        ("security_events", "read"),
        ("vulnerability_alerts", "read"),
    ]
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .into()
}

fn installation(change: InstallationChange) -> Event {
    Event::Installation {
        installation: INSTALLATION,
        account: account(),
        change,
        permissions: permissions(),
    }
}

#[test]
fn installation_events() {
    let upsert = |state| Action::UpsertInstallation {
        installation: INSTALLATION,
        account: account(),
        state,
    };
    let with_repositories = Current {
        installation_repositories: vec![100, 101],
        ..Current::default()
    };
    let exclude = |repository, reason: &str| Action::SetRepositoryState {
        repository,
        state: RepoState::Excluded,
        reason: Some(reason.into()),
    };
    let forget = Action::ForgetInstallationClient {
        installation: INSTALLATION,
    };
    let withdraw = Action::WithdrawPublicViews {
        account: "acme".into(),
    };
    let table = [
        (
            InstallationChange::Activated,
            vec![
                upsert(InstallationState::Active),
                Action::SetInstallationPermissions {
                    installation: INSTALLATION,
                    permissions: permissions(),
                },
                Action::QueueSync {
                    installation: INSTALLATION,
                },
            ],
        ),
        (
            InstallationChange::Suspended,
            vec![
                upsert(InstallationState::Suspended),
                exclude(100, "installation suspended"),
                exclude(101, "installation suspended"),
                forget.clone(),
                withdraw.clone(),
            ],
        ),
        (
            InstallationChange::Deleted,
            vec![
                upsert(InstallationState::Deleted),
                exclude(100, "installation deleted"),
                exclude(101, "installation deleted"),
                forget,
                withdraw,
            ],
        ),
    ];
    for (change, expected) in table {
        assert_eq!(
            actions(&installation(change), &with_repositories),
            expected,
            "{change:?}"
        );
    }
}

#[test]
fn repositories_join_and_leave_the_installation() {
    let event = Event::InstallationRepositories {
        installation: INSTALLATION,
        added: vec![AddedRepository {
            id: REPO,
            full_name: "acme/api".into(),
            private: true,
        }],
        removed: vec![200],
    };
    let decision = decide(&event, &Current::default(), &RULES);
    assert_eq!(decision.outcome, "1 added, 1 removed");
    assert_eq!(
        decision.actions,
        vec![
            Action::UpsertRepository {
                installation: INSTALLATION,
                repository: REPO,
                full_name: "acme/api".into(),
                private: true,
            },
            set_state(RepoState::Pending, None),
            scan(),
            Action::SetRepositoryState {
                repository: 200,
                state: RepoState::Excluded,
                reason: Some("removed from the installation".into()),
            },
        ]
    );
}

#[test]
fn a_renamed_account_keeps_its_state() {
    let renamed = Account {
        login: "acme-inc".into(),
        kind: "Organization".into(),
    };
    let event = Event::AccountRenamed {
        installation: INSTALLATION,
        account: renamed.clone(),
    };
    let table = [
        (Current::default(), vec![]),
        (
            Current {
                installation_state: Some(InstallationState::Suspended),
                ..Current::default()
            },
            vec![
                Action::UpsertInstallation {
                    installation: INSTALLATION,
                    account: renamed,
                    state: InstallationState::Suspended,
                },
                Action::RenameAccountRepositories {
                    installation: INSTALLATION,
                    login: "acme-inc".into(),
                },
            ],
        ),
    ];
    for (current, expected) in table {
        assert_eq!(actions(&event, &current), expected);
    }
}

fn push(git_ref: &str, commits: Vec<PushedCommit>) -> Event {
    Event::Push {
        installation: INSTALLATION,
        push: Push {
            git_ref: git_ref.into(),
            after: Some("b".repeat(40)),
            forced: false,
            repository: repository_ref(),
            commits,
        },
    }
}

fn commit(added: &[&str], removed: &[&str], modified: &[&str]) -> PushedCommit {
    let own = |paths: &[&str]| paths.iter().map(|p| (*p).to_owned()).collect();
    PushedCommit {
        added: own(added),
        removed: own(removed),
        modified: own(modified),
    }
}

#[test]
fn pushes_rescan_only_what_can_change() {
    let head = Action::SetDefaultHead {
        repository: REPO,
        sha: "b".repeat(40),
    };
    let source = || vec![commit(&[], &[], &["src/server.js"])];
    let table: Vec<(&str, Event, Current, Vec<Action>)> = vec![
        (
            "another branch",
            push("refs/heads/feature", source()),
            known(RepoState::Covered),
            vec![],
        ),
        (
            "unknown repository",
            push("refs/heads/main", source()),
            Current::default(),
            vec![],
        ),
        (
            "modified source code cannot change the requirements",
            push("refs/heads/main", source()),
            known(RepoState::Covered),
            vec![head.clone()],
        ),
        (
            "a modified manifest is",
            push("refs/heads/main", vec![commit(&[], &[], &["package.json"])]),
            known(RepoState::Covered),
            vec![head.clone(), scan()],
        ),
        (
            "the configuration file is",
            push(
                "refs/heads/main",
                vec![commit(&[], &[], &[".github/fullcover.yml"])],
            ),
            known(RepoState::Covered),
            vec![head.clone(), scan()],
        ),
        (
            "an added file may bring a new stack",
            push("refs/heads/main", vec![commit(&["src/main.go"], &[], &[])]),
            known(RepoState::Covered),
            vec![head.clone(), scan()],
        ),
        (
            "a removed file may take one away",
            push("refs/heads/main", vec![commit(&[], &["main.tf"], &[])]),
            known(RepoState::Covered),
            vec![head.clone(), scan()],
        ),
        (
            "no commit list: incomplete, rescan",
            push("refs/heads/main", vec![]),
            known(RepoState::Covered),
            vec![head.clone(), scan()],
        ),
        (
            "first push to an empty repository",
            push("refs/heads/main", source()),
            Current {
                repository: Some(record(RepoState::Excluded, Some("empty repository"))),
                ..Current::default()
            },
            vec![head.clone(), set_state(RepoState::Pending, None), scan()],
        ),
        (
            "an archived repository stays excluded",
            push("refs/heads/main", vec![commit(&["a.py"], &[], &[])]),
            Current {
                repository: Some(record(RepoState::Excluded, Some("archived"))),
                ..Current::default()
            },
            vec![head],
        ),
    ];
    for (case, event, current, expected) in table {
        assert_eq!(actions(&event, &current), expected, "{case}");
    }
}

#[test]
fn a_forced_push_always_rescans() {
    let mut event = push("refs/heads/main", vec![commit(&[], &[], &["README.md"])]);
    if let Event::Push { push, .. } = &mut event {
        push.forced = true;
    }
    assert!(actions(&event, &known(RepoState::Covered)).contains(&scan()));
}

fn pull_request(number: i64, branch: &str, head_repo: i64, merged: bool) -> PullRequest {
    PullRequest {
        number,
        html_url: format!("https://github.com/acme/api/pull/{number}"),
        merged: Some(merged),
        merged_at: None,
        merge_commit_sha: None,
        updated_at: Some("2024-05-02T00:00:00Z".into()),
        head: PullRequestHead {
            branch: branch.into(),
            sha: None,
            repo: Some(IdOnly { id: head_repo }),
        },
        base: None,
    }
}

fn pull_event(change: PullRequestChange, pull: PullRequest) -> Event {
    Event::PullRequest {
        installation: INSTALLATION,
        repository: repository_ref(),
        change,
        pull_request: pull,
    }
}

#[test]
fn the_onboarding_pull_request_moves_the_repository() {
    let on_record = Current {
        repository: Some(record(RepoState::Onboarding, None)),
        pull_request: Some(PullRequestRecord {
            repository_id: REPO,
            number: 3,
            state: PullRequestState::Open,
            plan_hash: "h1".into(),
            url: "https://github.com/acme/api/pull/3".into(),
        }),
        ..Current::default()
    };
    let recorded = |event: PullRequestEvent| Action::RecordPullRequest {
        record: PullRequestRecord {
            repository_id: REPO,
            number: 3,
            state: event.state_after(),
            plan_hash: "h1".into(),
            url: "https://github.com/acme/api/pull/3".into(),
        },
        event,
        event_at: Some(MAY_2),
    };
    let closed = "onboarding pull request #3 closed without merging";
    let table: Vec<(&str, Event, Vec<Action>)> = vec![
        (
            "merged",
            pull_event(
                PullRequestChange::Closed,
                pull_request(3, BRANCH, REPO, true),
            ),
            vec![
                recorded(PullRequestEvent::Merged),
                set_state(RepoState::Pending, None),
                scan(),
            ],
        ),
        (
            "closed without merging opts out",
            pull_event(
                PullRequestChange::Closed,
                pull_request(3, BRANCH, REPO, false),
            ),
            vec![
                recorded(PullRequestEvent::Closed),
                set_state(RepoState::OptedOut, Some(closed)),
            ],
        ),
        (
            "reopened",
            pull_event(
                PullRequestChange::Reopened,
                pull_request(3, BRANCH, REPO, false),
            ),
            vec![
                recorded(PullRequestEvent::Reopened),
                set_state(RepoState::Onboarding, None),
            ],
        ),
        (
            "another branch",
            pull_event(
                PullRequestChange::Closed,
                pull_request(3, "feature", REPO, false),
            ),
            vec![],
        ),
        (
            "a fork's branch of the same name",
            pull_event(
                PullRequestChange::Closed,
                pull_request(3, BRANCH, 999, false),
            ),
            vec![],
        ),
        (
            "another number",
            pull_event(
                PullRequestChange::Closed,
                pull_request(4, BRANCH, REPO, false),
            ),
            vec![],
        ),
    ];
    for (case, event, expected) in table {
        assert_eq!(actions(&event, &on_record), expected, "{case}");
    }
    let merged = pull_event(
        PullRequestChange::Closed,
        pull_request(3, BRANCH, REPO, true),
    );
    assert_eq!(
        actions(&merged, &Current::default()),
        vec![],
        "not on record"
    );
}

#[test]
fn repository_events() {
    let event = |change| Event::Repository {
        installation: INSTALLATION,
        repository: repository_ref(),
        change,
    };
    let exclude = |reason: &str| set_state(RepoState::Excluded, Some(reason));
    let rename = Action::RenameRepository {
        repository: REPO,
        full_name: "acme/api".into(),
    };
    let table = [
        (RepositoryChange::Archived, vec![exclude("archived")]),
        (RepositoryChange::Deleted, vec![exclude("deleted")]),
        (
            RepositoryChange::Unarchived,
            vec![set_state(RepoState::Pending, None), scan()],
        ),
        (
            RepositoryChange::DefaultBranchChanged,
            vec![set_state(RepoState::Pending, None), scan()],
        ),
        (
            RepositoryChange::Visibility(true),
            vec![Action::SetRepositoryPrivate {
                repository: REPO,
                private: true,
            }],
        ),
        (
            RepositoryChange::Visibility(false),
            vec![Action::SetRepositoryPrivate {
                repository: REPO,
                private: false,
            }],
        ),
        (RepositoryChange::Renamed, vec![rename.clone()]),
        (RepositoryChange::Transferred, vec![rename]),
        // GitHub's own controls may have changed: read again, rescan.
        (
            RepositoryChange::SecurityAndAnalysis,
            vec![Action::RefreshPlatform { repository: REPO }, scan()],
        ),
        (
            RepositoryChange::Edited,
            vec![Action::RefreshPlatform { repository: REPO }, scan()],
        ),
    ];
    for (change, expected) in table {
        assert_eq!(
            actions(&event(change), &known(RepoState::Covered)),
            expected,
            "{change:?}"
        );
        assert_eq!(
            actions(&event(change), &Current::default()),
            vec![],
            "{change:?} of a repository not on record"
        );
    }
}

#[test]
fn an_onboarding_pull_request_event_older_than_the_record_changes_nothing() {
    let on_record = |newest: i64| Current {
        repository: Some(record(RepoState::Onboarding, None)),
        pull_request: Some(PullRequestRecord {
            repository_id: REPO,
            number: 3,
            state: PullRequestState::Open,
            plan_hash: "h1".into(),
            url: "https://github.com/acme/api/pull/3".into(),
        }),
        pull_request_event_at: Some(newest),
        ..Current::default()
    };
    // Closed on 05-02, but reopened later (05-03) and that is on record: a late or
    // replayed "closed" must not opt the repository out.
    let closed = pull_event(
        PullRequestChange::Closed,
        pull_request(3, BRANCH, REPO, false),
    );
    assert_eq!(actions(&closed, &on_record(MAY_2 + 86_400)), vec![]);
    // The same event, newer than or as new as the record, is applied.
    for newest in [MAY_2 - 1, MAY_2] {
        assert!(
            actions(&closed, &on_record(newest)).contains(&set_state(
                RepoState::OptedOut,
                Some("onboarding pull request #3 closed without merging")
            )),
            "record at {newest}"
        );
    }
}

fn check_run(branch: Option<&str>, sha: &str, conclusion: Option<&str>) -> Event {
    Event::CheckRunCompleted {
        repository: repository_ref(),
        check_run: CheckRun {
            name: "Analyze (python)".into(),
            head_sha: sha.into(),
            conclusion: conclusion.map(str::to_owned),
            completed_at: Some("2026-12-01T10:00:00Z".into()),
            check_suite: CheckSuite {
                head_branch: branch.map(str::to_owned),
            },
        },
    }
}

#[test]
fn check_runs_count_only_on_the_default_branch_head() {
    let head = "a".repeat(40);
    let current = Current {
        default_head: Some(head.clone()),
        ..Current::default()
    };
    let recorded = Action::RecordRun {
        repository: REPO,
        source: RunSource::Check("Analyze (python)".into()),
        branch: "main".into(),
        event: None,
        conclusion: "success".into(),
        completed_at: Some(1_796_119_200),
    };
    let table: Vec<(&str, Event, Vec<Action>)> = vec![
        (
            "default branch head",
            check_run(Some("main"), &head, Some("success")),
            vec![recorded],
        ),
        (
            "another branch",
            check_run(Some("feature"), &head, Some("success")),
            vec![],
        ),
        ("no branch", check_run(None, &head, Some("success")), vec![]),
        (
            "a fork's main, another commit",
            check_run(Some("main"), &"c".repeat(40), Some("success")),
            vec![],
        ),
        (
            "no conclusion",
            check_run(Some("main"), &head, None),
            vec![],
        ),
    ];
    for (case, event, expected) in table {
        assert_eq!(actions(&event, &current), expected, "{case}");
    }
}

fn workflow_run(
    branch: &str,
    event: &str,
    head_repository: i64,
    conclusion: Option<&str>,
) -> Event {
    Event::WorkflowRunCompleted {
        repository: repository_ref(),
        workflow_run: WorkflowRun {
            name: "CodeQL".into(),
            path: ".github/workflows/codeql.yml".into(),
            head_branch: Some(branch.into()),
            head_sha: "a".repeat(40),
            event: event.into(),
            conclusion: conclusion.map(str::to_owned),
            updated_at: "2026-12-01T14:02:00Z".into(),
            head_repository: Some(IdOnly {
                id: head_repository,
            }),
        },
    }
}

#[test]
fn workflow_runs_count_on_the_default_branch_of_scanner_workflows() {
    let current = Current {
        repository: Some(record(RepoState::Covered, None)),
        scanner_workflows: vec![".github/workflows/codeql.yml".into()],
        ..Current::default()
    };
    let recorded = |event: &str, conclusion: &str| Action::RecordRun {
        repository: REPO,
        source: RunSource::Workflow {
            path: ".github/workflows/codeql.yml".into(),
            name: "CodeQL".into(),
        },
        branch: "main".into(),
        event: Some(event.into()),
        conclusion: conclusion.into(),
        completed_at: Some(1_796_133_720),
    };
    let table: Vec<(&str, Event, Current, Vec<Action>)> = vec![
        (
            "scheduled, on main",
            workflow_run("main", "schedule", REPO, Some("success")),
            current.clone(),
            vec![recorded("schedule", "success")],
        ),
        (
            "failed after a push to main",
            workflow_run("main", "push", REPO, Some("failure")),
            current.clone(),
            vec![recorded("push", "failure")],
        ),
        (
            "another branch",
            workflow_run("feature", "push", REPO, Some("failure")),
            current.clone(),
            vec![],
        ),
        (
            "a fork's branch named main",
            workflow_run("main", "pull_request", 99, Some("failure")),
            current.clone(),
            vec![],
        ),
        (
            "a pull request from the repository's own main",
            workflow_run("main", "pull_request", REPO, Some("failure")),
            current.clone(),
            vec![],
        ),
        (
            "no conclusion",
            workflow_run("main", "push", REPO, None),
            current.clone(),
            vec![],
        ),
        (
            "a workflow that runs no scanner relied on",
            workflow_run("main", "push", REPO, Some("failure")),
            Current {
                scanner_workflows: vec![".github/workflows/build.yml".into()],
                ..current.clone()
            },
            vec![],
        ),
        (
            "a repository not on record",
            workflow_run("main", "push", REPO, Some("failure")),
            Current {
                repository: None,
                ..current.clone()
            },
            vec![],
        ),
    ];
    for (case, event, current, expected) in table {
        assert_eq!(actions(&event, &current), expected, "{case}");
    }
}

#[test]
fn a_workflow_run_payload_reads_as_its_event() {
    let payload = serde_json::json!({
        "action": "completed",
        "installation": {"id": 1},
        "repository": {"id": REPO, "full_name": "acme/api", "default_branch": "main"},
        "workflow_run": {
            "name": "CodeQL", "path": ".github/workflows/codeql.yml", "head_branch": "main",
            "head_sha": "a".repeat(40), "event": "schedule", "conclusion": "failure",
            "updated_at": "2026-12-01T14:02:00Z", "head_repository": {"id": REPO}
        }
    });
    let event = Event::parse("guid", "workflow_run", &payload.to_string()).unwrap();
    assert_eq!(
        event,
        workflow_run("main", "schedule", REPO, Some("failure"))
    );
    let requested = serde_json::json!({"action": "requested", "installation": {"id": 1}});
    assert!(matches!(
        Event::parse("guid", "workflow_run", &requested.to_string()).unwrap(),
        Event::Ignored { .. }
    ));
}

#[test]
fn ping_and_ignored_events_do_nothing() {
    let ignored = Event::Ignored {
        event: "issues".into(),
        action: Some("opened".into()),
    };
    assert_eq!(
        decide(&ignored, &Current::default(), &RULES).outcome,
        "issues opened: not used"
    );
    assert_eq!(actions(&ignored, &Current::default()), vec![]);
    assert_eq!(
        decide(&Event::Ping, &Current::default(), &RULES).outcome,
        "pong"
    );
}

#[test]
fn payloads_parse_into_events() {
    let parse = |event: &str, payload: serde_json::Value| {
        Event::parse("guid-1", event, &payload.to_string())
    };
    let installation = serde_json::json!({"id": INSTALLATION});
    let repository = serde_json::json!({"id": REPO, "full_name": "acme/api", "default_branch": "main", "private": false});
    assert_eq!(
        parse(
            "installation",
            serde_json::json!({"action": "created", "installation": {"id": INSTALLATION, "account": {"login": "acme", "type": "Organization"},
                "permissions": {"security_events": "read", "vulnerability_alerts": "read"}}})
        )
        .unwrap(),
        self::installation(InstallationChange::Activated)
    );
    assert_eq!(
        parse(
            "repository",
            serde_json::json!({"action": "edited", "installation": installation, "repository": repository, "changes": {"default_branch": {"from": "master"}}})
        )
        .unwrap(),
        Event::Repository {
            installation: INSTALLATION,
            repository: repository_ref(),
            change: RepositoryChange::DefaultBranchChanged
        }
    );
    assert_eq!(
        parse(
            "repository",
            serde_json::json!({"action": "edited", "installation": installation, "repository": repository, "changes": {"description": {"from": ""}}})
        )
        .unwrap(),
        Event::Repository {
            installation: INSTALLATION,
            repository: repository_ref(),
            change: RepositoryChange::Edited
        }
    );
    assert_eq!(
        parse(
            "security_and_analysis",
            serde_json::json!({"installation": installation, "repository": repository,
                "changes": {"from": {"security_and_analysis": {"secret_scanning": {"status": "disabled"}}}}})
        )
        .unwrap(),
        Event::Repository {
            installation: INSTALLATION,
            repository: repository_ref(),
            change: RepositoryChange::SecurityAndAnalysis
        }
    );
    assert_eq!(
        parse(
            "repository",
            serde_json::json!({"action": "privatized", "installation": installation, "repository": repository})
        )
        .unwrap(),
        Event::Repository {
            installation: INSTALLATION,
            repository: repository_ref(),
            change: RepositoryChange::Visibility(true)
        }
    );
    assert!(matches!(
        parse("issues", serde_json::json!({"action": "opened", "installation": installation})).unwrap(),
        Event::Ignored { event, action: Some(action) } if event == "issues" && action == "opened"
    ));
    assert_eq!(
        parse(
            "ping",
            serde_json::json!({"zen": "Keep it logically awesome."})
        )
        .unwrap(),
        Event::Ping
    );
    // Without an installation, no event is the App's.
    assert!(matches!(
        parse("push", serde_json::json!({"ref": "refs/heads/main"})).unwrap(),
        Event::Ignored { .. }
    ));
}

#[test]
fn a_payload_missing_a_needed_field_is_an_error_naming_the_delivery() {
    let payload = serde_json::json!({
        "action": "completed",
        "installation": {"id": INSTALLATION},
        "repository": {"id": REPO, "full_name": "acme/api"},
        "check_run": {"head_sha": "abc", "check_suite": {}},
    });
    let err = Event::parse("guid-42", "check_run", &payload.to_string()).unwrap_err();
    let message = err.to_string();
    assert!(message.contains("guid-42"), "{message}");
    assert!(message.contains("check_run"), "{message}");
    assert!(message.contains("name"), "{message}");
    let err = Event::parse("guid-43", "push", "{not json").unwrap_err();
    assert!(err.to_string().contains("guid-43"));
}
