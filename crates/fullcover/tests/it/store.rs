//! The store's behaviour, the same suite on SQLite (a temporary file) and on PostgreSQL
//! (a fresh database on the server at FULLCOVER_TEST_POSTGRES_URL, by default the one
//! these machines run at 127.0.0.1:5432).

use fullcover::store::{
    InstallationState, JobKind, NewDelivery, NewJob, PullRequestEvent, PullRequestRecord,
    PullRequestState, RepoState, ScanRecord, Store,
};
use fullcover_core::metrics::{RecordedRun, RunSource};

pub const POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// The smallest scan report there is: a repository with nothing in it.
const MINIMAL_REPORT: &str = r#"{"repository":"acme/api","languages":[],"iac":[],"ecosystems":[],"scanners":[],"requirements":[],"coverage":{"required":0,"satisfied":0,"percent":100.0,"by_category":{}},"warnings":[]}"#;

/// A SQLite store in its own temporary directory (kept alive by the returned guard).
pub async fn sqlite_store() -> (Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = fullcover::store::sqlite_url(&dir.path().join("fullcover.db"));
    (Store::connect(&url).await.unwrap(), dir)
}

/// A PostgreSQL store in a database of its own.
pub async fn postgres_store() -> Store {
    Store::connect(&postgres_database_url().await)
        .await
        .unwrap()
}

/// The URL of a fresh, empty PostgreSQL database.
pub async fn postgres_database_url() -> String {
    use sqlx::Executor;
    sqlx::any::install_default_drivers();
    let admin_url =
        std::env::var("FULLCOVER_TEST_POSTGRES_URL").unwrap_or_else(|_| POSTGRES_URL.to_owned());
    let admin = sqlx::AnyPool::connect(&admin_url)
        .await
        .unwrap_or_else(|err| panic!("PostgreSQL at {admin_url} is needed: {err}"));
    let name = format!("fullcover_test_{}", uuid::Uuid::new_v4().simple());
    admin
        .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .await
        .unwrap();
    let (base, _) = admin_url.rsplit_once('/').unwrap();
    format!("{base}/{name}")
}

fn job(kind: JobKind, subject: &str) -> NewJob {
    NewJob {
        kind,
        subject: subject.into(),
        installation_id: 7,
        priority: 0,
    }
}

async fn suite(store: Store) {
    // Deliveries are kept once per GUID.
    let delivery = NewDelivery {
        guid: "72d3162e-cc78-11e3-81ab-4c9367dc0958",
        event: "installation",
        action: Some("created"),
        installation_id: Some(7),
        payload: r#"{"action":"created"}"#,
    };
    assert!(store.record_delivery(&delivery).await.unwrap());
    assert!(!store.record_delivery(&delivery).await.unwrap());
    let pending = store.claim_deliveries(10, 600).await.unwrap();
    assert_eq!(pending.len(), 1);
    // Claimed: another replica gets nothing until the lease runs out.
    assert!(store.claim_deliveries(10, 600).await.unwrap().is_empty());
    assert_eq!(pending[0].payload, r#"{"action":"created"}"#);
    store
        .finish_delivery(&pending[0].guid, "done")
        .await
        .unwrap();
    assert!(store.pending_deliveries(10).await.unwrap().is_empty());
    assert_eq!(store.delivery_count().await.unwrap(), 1);

    // Installations and repositories.
    store
        .upsert_installation(7, "acme", "Organization", InstallationState::Active)
        .await
        .unwrap();
    assert_eq!(
        store.installation_state(7).await.unwrap(),
        Some(InstallationState::Active)
    );
    store
        .set_installation_state(7, InstallationState::Suspended)
        .await
        .unwrap();
    assert_eq!(
        store.installation_state(7).await.unwrap(),
        Some(InstallationState::Suspended)
    );
    assert_eq!(store.installation_state(8).await.unwrap(), None);
    store
        .upsert_repository(100, 7, "acme/api", Some("main"), true)
        .await
        .unwrap();
    store
        .set_repository_state(100, RepoState::Onboarding, Some("why"))
        .await
        .unwrap();
    // Seeing it again keeps its state and branch.
    store
        .upsert_repository(100, 7, "acme/api-renamed", None, true)
        .await
        .unwrap();
    let repo = store.repository(100).await.unwrap().unwrap();
    assert_eq!(repo.full_name, "acme/api-renamed");
    assert_eq!(repo.default_branch.as_deref(), Some("main"));
    assert_eq!(repo.state, RepoState::Onboarding);
    assert_eq!(repo.reason.as_deref(), Some("why"));
    assert!(repo.private);
    store
        .set_repository_head(100, "abc", Some("W/\"e\""), Some("h1"))
        .await
        .unwrap();
    let repo = store.repository(100).await.unwrap().unwrap();
    assert_eq!(
        (
            repo.head_sha.as_deref(),
            repo.ref_etag.as_deref(),
            repo.plan_hash.as_deref()
        ),
        (Some("abc"), Some("W/\"e\""), Some("h1"))
    );
    assert_eq!(store.repositories(7).await.unwrap().len(), 1);
    assert!(store.repository(101).await.unwrap().is_none());

    // One queued job per subject; a running one does not block a new one.
    assert!(store.enqueue(&job(JobKind::Scan, "100")).await.unwrap());
    assert!(!store.enqueue(&job(JobKind::Scan, "100")).await.unwrap());
    assert!(
        store
            .enqueue(&job(JobKind::SyncInstallation, "7"))
            .await
            .unwrap()
    );
    assert_eq!(store.queue_depth().await.unwrap(), 2);
    let first = store.claim_job(600).await.unwrap().unwrap();
    assert_eq!(
        (first.kind, first.subject.as_str(), first.attempts),
        (JobKind::Scan, "100", 1)
    );
    assert!(store.enqueue(&job(JobKind::Scan, "100")).await.unwrap());
    // While repository 100 is being scanned, its next scan waits: the sync goes first.
    let third = store.claim_job(600).await.unwrap().unwrap();
    assert_eq!(third.subject, "7");
    assert!(store.claim_job(600).await.unwrap().is_none());
    // Retrying while the same job is queued again: the queued one stands for both.
    store.retry_job(&first, 0, "boom").await.unwrap();
    assert_eq!(store.queue_depth().await.unwrap(), 2);
    let second = store.claim_job(600).await.unwrap().unwrap();
    assert_eq!(second.subject, "100");
    assert!(store.claim_job(600).await.unwrap().is_none());
    store.complete_job(&second).await.unwrap();
    store.fail_job(&third, "gave up").await.unwrap();
    assert_eq!(store.queue_depth().await.unwrap(), 0);
    assert_eq!(store.failed_jobs().await.unwrap().len(), 1);

    // A lease that ran out makes the job claimable again (a crashed worker).
    assert!(store.enqueue(&job(JobKind::Scan, "200")).await.unwrap());
    let held = store.claim_job(-1).await.unwrap().unwrap();
    let taken_over = store.claim_job(600).await.unwrap().unwrap();
    assert_eq!((taken_over.id, taken_over.attempts), (held.id, 2));
    // The first worker, still alive, can no longer end or renew what it lost.
    store.complete_job(&held).await.unwrap();
    store.renew_lease(&held, 600).await.unwrap();
    assert_eq!(store.queue_depth().await.unwrap(), 1);
    // A retry puts it back after its delay.
    store.retry_job(&taken_over, 3600, "later").await.unwrap();
    assert!(store.claim_job(600).await.unwrap().is_none());
    assert!(store.next_job_due_in().await.unwrap().unwrap() > 3500);

    // Scans and pull requests.
    let strings = |ids: &[&str]| ids.iter().map(|id| (*id).to_owned()).collect::<Vec<_>>();
    let scan = |at: i64, missing: Vec<String>, satisfied: Vec<String>| {
        let store = store.clone();
        async move {
            store
                .record_scan(&ScanRecord {
                    repository_id: 100,
                    commit_sha: "abc",
                    at,
                    required: (missing.len() + satisfied.len()) as i64,
                    satisfied: satisfied.len() as i64,
                    missing: &missing,
                    satisfied_ids: &satisfied,
                    categories: r#"{"secrets":{"required":1,"satisfied":1}}"#,
                    report: MINIMAL_REPORT,
                })
                .await
                .unwrap();
        }
    };
    scan(
        1_000,
        strings(&["sca:npm", "cicd:github-actions"]),
        strings(&["secrets"]),
    )
    .await;
    scan(
        2_000,
        vec![],
        strings(&["secrets", "sca:npm", "cicd:github-actions"]),
    )
    .await;
    scan(
        3_000,
        strings(&["iac:terraform", "secrets"]),
        strings(&["sca:npm", "cicd:github-actions"]),
    )
    .await;
    scan(
        4_000,
        vec![],
        strings(&["iac:terraform", "secrets", "sca:npm", "cicd:github-actions"]),
    )
    .await;
    assert_eq!(store.scan_count(100).await.unwrap(), 4);
    assert!(store.latest_missing(100).await.unwrap().unwrap().is_empty());
    let events = store.requirement_history(100).await.unwrap();
    let of = |id: &str| -> Vec<&str> {
        events
            .iter()
            .filter(|(r, _)| r == id)
            .map(|(_, e)| e.as_str())
            .collect()
    };
    assert_eq!(
        of("secrets"),
        ["appeared", "satisfied", "broken", "restored"]
    );
    assert_eq!(of("sca:npm"), ["appeared", "satisfied"]);
    assert_eq!(of("iac:terraform"), ["appeared", "satisfied"]);
    let mut pr = PullRequestRecord {
        repository_id: 100,
        number: 3,
        state: PullRequestState::Open,
        plan_hash: "h1".into(),
        url: "https://github.com/acme/api/pull/3".into(),
    };
    store
        .upsert_pull_request(&pr, PullRequestEvent::Opened)
        .await
        .unwrap();
    pr.state = PullRequestState::Merged;
    store
        .upsert_pull_request(&pr, PullRequestEvent::Merged)
        .await
        .unwrap();
    assert_eq!(store.pull_request(100).await.unwrap().unwrap(), pr);
    assert_eq!(
        store.pull_request_events(100).await.unwrap(),
        vec![(3, "opened".to_owned()), (3, "merged".to_owned())]
    );

    // The history the metrics read.
    let history = store.org_history("ACME", 10_000).await.unwrap().unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].scans.len(), 4);
    assert_eq!(history[0].scans[2].missing, ["iac:terraform", "secrets"]);
    assert_eq!(history[0].pulls[0].state, "merged");
    assert!(store.org_history("other", 10_000).await.unwrap().is_none());
    let detail = store
        .repo_detail(history[0].id, 10_000)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(detail.report.unwrap().repository, "acme/api");
    // secrets 4, sca:npm 2, cicd:github-actions 2, iac:terraform 2.
    assert_eq!(detail.requirement_events.len(), 10);
    // Runs of the default branch: a streak of one verdict keeps its first and latest run.
    let workflow = |conclusion: &str, at: i64, event: &str| RecordedRun {
        source: RunSource::Workflow {
            path: ".github/workflows/codeql.yml".into(),
            name: "CodeQL".into(),
        },
        conclusion: conclusion.into(),
        completed_at: at,
        event: Some(event.into()),
        branch: "main".into(),
    };
    for (run, changed) in [
        (workflow("success", 9_000, "schedule"), true),
        (workflow("success", 9_100, "push"), true),
        (workflow("success", 9_200, "push"), true),
        (workflow("success", 9_200, "push"), false),
        (workflow("skipped", 9_250, "push"), false),
        (workflow("failure", 9_300, "push"), true),
    ] {
        assert_eq!(
            store.record_run(100, &run).await.unwrap(),
            changed,
            "{run:?}"
        );
    }
    let check = RecordedRun {
        source: RunSource::Check("Analyze (python)".into()),
        conclusion: "success".into(),
        completed_at: 9_050,
        event: None,
        branch: "main".into(),
    };
    assert!(store.record_run(100, &check).await.unwrap());
    let runs = store.runs(100).await.unwrap();
    assert_eq!(
        runs,
        [
            workflow("success", 9_000, "schedule"),
            check,
            workflow("success", 9_200, "push"),
            workflow("failure", 9_300, "push"),
        ]
    );
    assert_eq!(store.last_run_at(100).await.unwrap(), Some(9_300));
    // Every 5 days: rows only where dropping the runs between would open a 14-day gap.
    let day = 86_400;
    for days in [0, 5, 10, 15, 20] {
        store
            .record_run(101, &workflow("success", days * day, "schedule"))
            .await
            .unwrap();
    }
    let kept: Vec<i64> = store
        .runs(101)
        .await
        .unwrap()
        .iter()
        .map(|run| run.completed_at / day)
        .collect();
    assert_eq!(kept, [0, 10, 20]);
    assert_eq!(store.last_run_at(102).await.unwrap(), None);
    // The latest scan's reliance names the workflows whose runs are kept: none here
    // (the suite's reports are minimal).
    assert!(store.scanner_workflows(100).await.unwrap().is_empty());

    // Tokens: shown once, kept as a digest, scoped to one org.
    let token = store.create_token("Acme", "ci").await.unwrap();
    assert!(token.starts_with("fct_") && token.len() > 60);
    assert_eq!(
        store.token_org(&token).await.unwrap().as_deref(),
        Some("acme")
    );
    assert_eq!(store.token_org("fct_nope").await.unwrap(), None);
    // Expiring tokens: refused once past their time; listed and revoked by id.
    let at = fullcover::store::now();
    let lapsed = store
        .create_expiring_token("acme", "old", Some(at - 1))
        .await
        .unwrap();
    assert_eq!(store.token_org(&lapsed).await.unwrap(), None);
    let fresh = store
        .create_expiring_token("acme", "new", Some(at + 3600))
        .await
        .unwrap();
    assert_eq!(
        store.token_org(&fresh).await.unwrap().as_deref(),
        Some("acme")
    );
    let listed = store.tokens("ACME").await.unwrap();
    assert_eq!(listed.len(), 3);
    let ci = listed.iter().find(|t| t.label == "ci").unwrap();
    assert!(ci.last_used_at.is_some() && ci.expires_at.is_none());
    assert_eq!(ci.id.len(), 12);
    assert!(!store.revoke_token("not-an-id").await.unwrap());
    assert!(store.revoke_token(&ci.id).await.unwrap());
    assert_eq!(store.token_org(&token).await.unwrap(), None);
    assert_eq!(store.tokens("acme").await.unwrap().len(), 2);
    // Sessions.
    let session = store
        .create_session("octocat", &["Acme".to_owned()], 3600)
        .await
        .unwrap();
    assert_eq!(
        store.session(&session).await.unwrap().unwrap().orgs,
        ["acme"]
    );
    let expired = store.create_session("octocat", &[], -1).await.unwrap();
    assert!(store.session(&expired).await.unwrap().is_none());
    store.end_session(&session).await.unwrap();
    assert!(store.session(&session).await.unwrap().is_none());
    // Housekeeping: handled payloads, expired sessions and finished jobs go; GUIDs stay.
    let pruned = store.prune(-10).await.unwrap();
    assert_eq!((pruned.payloads, pruned.sessions), (1, 1));
    assert!(pruned.jobs >= 3, "{pruned:?}");
    assert!(
        !store.record_delivery(&delivery).await.unwrap(),
        "a late redelivery is still known"
    );
    assert!(store.session(&session).await.unwrap().is_none());

    // Public status is opt-in.
    assert!(!store.org_public("acme").await.unwrap());
    store.set_org_public("ACME", true).await.unwrap();
    assert!(store.org_public("acme").await.unwrap());
}

#[tokio::test]
async fn sqlite_store_keeps_the_record() {
    let (store, _dir) = sqlite_store().await;
    suite(store).await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL at 127.0.0.1:5432"]
async fn postgres_store_keeps_the_record() {
    suite(postgres_store().await).await;
}

#[tokio::test]
async fn migrations_apply_once() {
    let dir = tempfile::tempdir().unwrap();
    let url = fullcover::store::sqlite_url(&dir.path().join("twice.db"));
    let store = Store::connect(&url).await.unwrap();
    store
        .upsert_installation(1, "a", "User", InstallationState::Active)
        .await
        .unwrap();
    drop(store);
    let again = Store::connect(&url).await.unwrap();
    assert_eq!(
        again.installation_state(1).await.unwrap(),
        Some(InstallationState::Active)
    );
}

/// Two replicas on one database share an installation's jobs (their writes share one
/// pacing), never one repository's.
async fn replicas(first: Store, second: Store) {
    for (subject, installation) in [("1", 7), ("2", 7), ("3", 8)] {
        let mut new = job(JobKind::Scan, subject);
        new.installation_id = installation;
        assert!(first.enqueue(&new).await.unwrap());
    }
    let a = first.claim_job(600).await.unwrap().unwrap();
    assert_eq!((a.subject.as_str(), a.installation_id), ("1", 7));
    // The second replica works for installation 7 meanwhile.
    let b = second.claim_job(600).await.unwrap().unwrap();
    assert_eq!((b.subject.as_str(), b.installation_id), ("2", 7));
    // A scan of repository 1 queued again waits for the running one, on any replica.
    assert!(second.enqueue(&job(JobKind::Scan, "1")).await.unwrap());
    let c = second.claim_job(600).await.unwrap().unwrap();
    assert_eq!(c.subject, "3");
    assert!(first.claim_job(600).await.unwrap().is_none());
    first.complete_job(&a).await.unwrap();
    let d = second.claim_job(600).await.unwrap().unwrap();
    assert_eq!((d.kind, d.subject.as_str()), (JobKind::Scan, "1"));
}

#[tokio::test]
async fn sqlite_replicas_share_installations() {
    let dir = tempfile::tempdir().unwrap();
    let url = fullcover::store::sqlite_url(&dir.path().join("shared.db"));
    let first = Store::connect(&url).await.unwrap();
    let second = Store::connect(&url).await.unwrap();
    replicas(first, second).await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL at 127.0.0.1:5432"]
async fn postgres_replicas_share_installations() {
    let url = postgres_database_url().await;
    replicas(
        Store::connect(&url).await.unwrap(),
        Store::connect(&url).await.unwrap(),
    )
    .await;
}

/// The App owns its database: a SQLite URL to a file (and folder) that does not exist yet
/// creates them, whatever the URL's spelling.
#[tokio::test]
async fn a_sqlite_file_that_does_not_exist_yet_is_created() {
    let dir = tempfile::tempdir().unwrap();
    for (name, prefix) in [
        ("a/b/three-slashes.db", "sqlite://"),
        ("c/one-colon.db", "sqlite:"),
    ] {
        let path = dir.path().join(name);
        let url = format!("{prefix}{}", path.display());
        let store = Store::connect(&url).await.unwrap();
        assert!(path.exists(), "{name}");
        assert_eq!(store.orgs().await.unwrap(), Vec::<String>::new());
    }
    // An explicit mode is the caller's: read-only of a missing file still fails, naming it.
    let missing = dir.path().join("missing.db");
    let url = format!("sqlite://{}?mode=ro", missing.display());
    assert!(Store::connect(&url).await.is_err());
    assert!(!missing.exists());
}
