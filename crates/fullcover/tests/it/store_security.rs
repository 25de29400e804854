//! The security record in the store, on SQLite and on PostgreSQL: findings and their
//! lifecycle written once whatever the source, scope as intervals, merges and checks,
//! and the record read back for one organisation or one repository.

use std::collections::BTreeMap;

use fullcover::store::{FindingRecord, InstallationState, RepoState, Store};
use fullcover_core::metrics::security::{
    ChecksAtMerge, CloseReason, Family, LifecycleEvent, LifecycleKind, MergedPullRequest,
    SecurityPolicy, Severity,
};

use crate::store::{postgres_store, sqlite_store};

fn finding(repository: i64, number: i64, created_at: i64) -> FindingRecord {
    FindingRecord {
        repository_id: repository,
        family: Family::CodeScanning,
        number,
        severity: Severity::High,
        state: "open".into(),
        created_at,
        default_branch_at: Some(created_at),
        introduced_at: None,
        introduced_commit: Some("a".repeat(40)),
        advisory_published_at: None,
        pull_request: None,
        partial_history: false,
    }
}

async fn suite(store: Store) {
    store
        .upsert_installation(7, "acme", "Organization", InstallationState::Active)
        .await
        .unwrap();
    store
        .upsert_installation(8, "globex", "Organization", InstallationState::Active)
        .await
        .unwrap();
    store
        .upsert_repository(100, 7, "acme/api", Some("main"), false)
        .await
        .unwrap();
    store
        .upsert_repository(101, 7, "acme/web", Some("main"), false)
        .await
        .unwrap();
    store
        .upsert_repository(200, 8, "globex/app", Some("main"), false)
        .await
        .unwrap();

    store.upsert_finding(&finding(100, 1, 1_000)).await.unwrap();
    store.upsert_finding(&finding(200, 1, 1_000)).await.unwrap();
    // A later report of the same alert keeps the first creation and arrival.
    let mut later = finding(100, 1, 5_000);
    later.state = "fixed".into();
    later.severity = Severity::Critical;
    store.upsert_finding(&later).await.unwrap();

    let created = LifecycleEvent {
        at: 1_000,
        kind: LifecycleKind::Created,
    };
    let dismissed = LifecycleEvent {
        at: 2_000,
        kind: LifecycleKind::Dismissed {
            reason: CloseReason::TolerableRisk,
        },
    };
    let reopened = LifecycleEvent {
        at: 3_000,
        kind: LifecycleKind::Reopened { by_user: true },
    };
    let code = Family::CodeScanning;
    assert!(
        store
            .record_finding_event(100, code, 1, created, Some("g1"))
            .await
            .unwrap()
    );
    // The same step from a redelivery or a backfill is not a second step.
    assert!(
        !store
            .record_finding_event(100, code, 1, created, Some("g1"))
            .await
            .unwrap()
    );
    assert!(
        !store
            .record_finding_event(100, code, 1, created, None)
            .await
            .unwrap()
    );
    assert!(
        store
            .record_finding_event(100, code, 1, dismissed, Some("g2"))
            .await
            .unwrap()
    );
    assert!(
        store
            .record_finding_event(100, code, 1, reopened, Some("g3"))
            .await
            .unwrap()
    );

    // Scope as intervals: leaving and coming back keeps both spells.
    store
        .set_repository_state(101, RepoState::Excluded, Some("archived"))
        .await
        .unwrap();
    store
        .set_repository_state(101, RepoState::Pending, None)
        .await
        .unwrap();

    let merge = MergedPullRequest {
        repository: 100,
        number: 12,
        head_sha: "b".repeat(40),
        merge_commit_sha: Some("c".repeat(40)),
        commits: vec!["b".repeat(40)],
        merged_at: 4_000,
        covered_at_merge: true,
        checks_at_merge: ChecksAtMerge::Failed,
    };
    assert!(store.record_merged_pull_request(&merge).await.unwrap());
    assert!(!store.record_merged_pull_request(&merge).await.unwrap());

    store
        .record_commit_check(100, &"b".repeat(40), "CodeQL", "failure", 3_500)
        .await
        .unwrap();
    store
        .record_commit_check(100, &"b".repeat(40), "CodeQL", "success", 3_900)
        .await
        .unwrap();
    // An older completion delivered late does not overwrite the newer one.
    store
        .record_commit_check(100, &"b".repeat(40), "CodeQL", "failure", 3_600)
        .await
        .unwrap();
    assert_eq!(
        store
            .commit_checks(100, &"b".repeat(40), 4_000)
            .await
            .unwrap(),
        vec![("CodeQL".to_owned(), "success".to_owned())]
    );
    assert!(
        store
            .commit_checks(100, &"b".repeat(40), 3_000)
            .await
            .unwrap()
            .is_empty()
    );

    let permissions: BTreeMap<String, String> =
        [("security_events".to_owned(), "read".to_owned())].into();
    store
        .set_installation_permissions(7, &permissions)
        .await
        .unwrap();
    assert_eq!(
        store.org_permissions("ACME").await.unwrap(),
        Some(permissions)
    );
    assert_eq!(store.org_permissions("globex").await.unwrap(), None);

    let record = store.security_record("acme", None).await.unwrap();
    assert_eq!(record.findings.len(), 1, "globex's finding is not acme's");
    let found = &record.findings[0];
    assert_eq!(found.created_at, 1_000);
    assert_eq!(found.severity, Severity::Critical);
    assert_eq!(
        found.introduced_commit.as_deref(),
        Some("a".repeat(40).as_str())
    );
    assert_eq!(found.events, vec![created, dismissed, reopened]);
    assert_eq!(record.merged_pull_requests, vec![merge]);
    let spells: Vec<_> = record
        .scope
        .iter()
        .filter(|spell| spell.repository == 101)
        .collect();
    assert_eq!(spells.len(), 2, "{spells:?}");
    assert!(spells[0].left.is_some());
    assert_eq!(spells[0].reason.as_deref(), Some("archived"));
    assert_eq!(spells[1].left, None);

    // The organisation's policy: the default until its `.github` repository sets one.
    assert_eq!(
        store.org_security_policy("acme").await.unwrap(),
        SecurityPolicy::default()
    );
    let strict = SecurityPolicy {
        threshold: Severity::Critical,
        window_days: 30,
        ..SecurityPolicy::default()
    };
    store.set_org_public("acme", true).await.unwrap();
    store
        .set_org_security_policy("ACME", &strict)
        .await
        .unwrap();
    assert_eq!(store.org_security_policy("acme").await.unwrap(), strict);
    assert!(
        store.org_public("acme").await.unwrap(),
        "the policy leaves the opt-in alone"
    );

    let one = store.security_record("acme", Some(101)).await.unwrap();
    assert!(one.findings.is_empty());
    assert!(one.scope.iter().all(|spell| spell.repository == 101));
}

#[tokio::test]
async fn the_security_record_on_sqlite() {
    let (store, _dir) = sqlite_store().await;
    suite(store).await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL at 127.0.0.1:5432"]
async fn the_security_record_on_postgres() {
    suite(postgres_store().await).await;
}
