//! Onboarding in the order that raises coverage fastest: scans (and so pull requests) go
//! to the most recently pushed repositories first and the long-inactive ones last, a
//! waiting scan moves up when its repository is pushed to, each pull request costs the
//! fewest writes GitHub's REST API allows, and the organisation's queue is one COUNT.

use chrono::{Duration, Utc};
use fullcover::store::{JobKind, NewJob, RepoState, Store, sqlite_url};
use fullcover_fake_github::LoggedRequest;

use crate::world::{
    ORG, World, behaviour, client_options, fake_options, small_service, start_app_with,
};

/// Repositories with the days since their last push: the listing (by creation) mixes
/// active and long-inactive ones.
const PUSHED_DAYS_AGO: [(&str, i64); 6] = [
    ("billing", 400),
    ("api", 3),
    ("search", 90),
    ("web", 0),
    ("legacy", 1200),
    ("auth", 30),
];

/// The repository a request went to, from its path.
fn repository_of(request: &LoggedRequest) -> Option<&str> {
    request
        .path
        .strip_prefix(&format!("/repos/{ORG}/"))?
        .split('/')
        .next()
}

fn is_write(request: &LoggedRequest) -> bool {
    request.method != "GET" && request.installation_id.is_some()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repositories_are_onboarded_most_recently_pushed_first() {
    let specs = PUSHED_DAYS_AGO
        .iter()
        .map(|(name, _)| small_service(name))
        .collect();
    let mut world = World::new(specs, fake_options()).await;
    let now = Utc::now();
    for (name, days) in PUSHED_DAYS_AGO {
        world
            .fake
            .set_pushed_at(ORG, name, now - Duration::days(days))
            .unwrap();
    }
    // One job worker, so that the order the queue gives is the order GitHub sees.
    if let Some(running) = world.running.take() {
        running.stop().await;
    }
    let mut one_worker = behaviour(&world.fake, &world.credentials);
    one_worker.workers = 1;
    world.app = start_app_with(
        &world.fake,
        &world.credentials,
        &world.database_url,
        client_options(),
        one_worker,
    )
    .await;
    world.serve().await;
    world.install().await;
    world.settle().await;

    let opened: Vec<String> = world
        .fake
        .requests()
        .iter()
        .filter(|r| r.route == "POST /repos/{owner}/{repo}/pulls" && r.status == 201)
        .filter_map(|r| repository_of(r).map(str::to_owned))
        .collect();
    let mut expected = PUSHED_DAYS_AGO.to_vec();
    expected.sort_by_key(|(_, days)| *days);
    let expected: Vec<String> = expected
        .iter()
        .map(|(name, _)| (*name).to_owned())
        .collect();
    assert_eq!(
        opened, expected,
        "pull requests in the order they were opened"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pull_request_costs_four_writes() {
    let world = World::new(vec![small_service("api")], fake_options()).await;
    world.install().await;
    world.settle().await;
    assert_eq!(world.pulls("api").len(), 1);
    let writes: Vec<String> = world
        .fake
        .requests()
        .iter()
        .filter(|r| is_write(r) && repository_of(r) == Some("api"))
        .map(|r| format!("{} {}", r.route, r.status))
        .collect();
    // The files travel inside the tree: no blob is created first.
    assert_eq!(
        writes,
        [
            "POST /repos/{owner}/{repo}/git/trees 201",
            "POST /repos/{owner}/{repo}/git/commits 201",
            "POST /repos/{owner}/{repo}/git/refs 201",
            "POST /repos/{owner}/{repo}/pulls 201",
        ],
    );
    assert_eq!(
        writes.len() as u64,
        fullcover::app::deliver::WRITES_PER_PULL_REQUEST,
        "the constant the queue's estimate rests on"
    );

    // The organisation's coverage API carries the queue: empty now, one repository once
    // it waits for its scan again.
    let addr = world.running.as_ref().unwrap().addr;
    let token = world.store().create_token(ORG, "ci").await.unwrap();
    let queue = || async {
        let body: serde_json::Value = reqwest::Client::new()
            .get(format!("http://{addr}/api/v1/orgs/{ORG}/coverage"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        body["onboarding_queue"].clone()
    };
    let empty = queue().await;
    assert_eq!(empty["repositories_left"], 0, "{empty}");
    assert_eq!(empty["writes_per_pull_request"], 4);
    let id = world.repository_id("api").await;
    world
        .store()
        .set_repository_state(id, RepoState::Pending, None)
        .await
        .unwrap();
    let one = queue().await;
    assert_eq!(one["repositories_left"], 1, "{one}");
    assert_eq!(one["writes_per_hour"], 500.0);
    assert_eq!(
        one["summary"],
        "1 repository left, about 1 min at GitHub's limits"
    );
}

fn job(subject: &str, priority: i64) -> NewJob {
    NewJob {
        kind: JobKind::Scan,
        subject: subject.into(),
        installation_id: 7,
        priority,
    }
}

async fn sqlite() -> (Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::connect(&sqlite_url(&dir.path().join("q.db")))
        .await
        .unwrap();
    (store, dir)
}

async fn postgres() -> Store {
    Store::connect(&crate::store::postgres_database_url().await)
        .await
        .unwrap()
}

#[tokio::test]
async fn the_queue_runs_the_greatest_priority_first_and_a_push_moves_a_scan_up() {
    let (store, _dir) = sqlite().await;
    queue_order(store).await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL at 127.0.0.1:5432"]
async fn postgres_queue_runs_the_greatest_priority_first() {
    queue_order(postgres().await).await;
}

#[tokio::test]
async fn the_onboarding_queue_counts_the_organisations_waiting_repositories() {
    let (store, _dir) = sqlite().await;
    queue_length(store).await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL at 127.0.0.1:5432"]
async fn postgres_onboarding_queue_counts_the_waiting_repositories() {
    queue_length(postgres().await).await;
}

async fn queue_order(store: Store) {
    for (subject, priority) in [("old", 10), ("newest", 30), ("middle", 20), ("stale", 5)] {
        assert!(store.enqueue(&job(subject, priority)).await.unwrap());
    }
    // "stale" is pushed to while its scan waits: it moves up; a lower priority does not
    // move "newest" down.
    assert!(!store.enqueue(&job("stale", 40)).await.unwrap());
    assert!(!store.enqueue(&job("newest", 1)).await.unwrap());
    let mut claimed = Vec::new();
    while let Some(job) = store.claim_job(600).await.unwrap() {
        claimed.push(job.subject.clone());
        store.complete_job(&job).await.unwrap();
    }
    assert_eq!(claimed, ["stale", "newest", "middle", "old"]);
}

async fn queue_length(store: Store) {
    store
        .upsert_installation(
            7,
            "acme",
            "Organization",
            fullcover::store::InstallationState::Active,
        )
        .await
        .unwrap();
    store
        .upsert_installation(
            8,
            "globex",
            "Organization",
            fullcover::store::InstallationState::Active,
        )
        .await
        .unwrap();
    for (id, installation, name) in [
        (100, 7, "acme/api"),
        (101, 7, "acme/web"),
        (102, 7, "acme/legacy"),
        (200, 8, "globex/app"),
    ] {
        store
            .upsert_repository(id, installation, name, Some("main"), false)
            .await
            .unwrap();
    }
    store
        .set_repository_state(101, RepoState::Onboarding, None)
        .await
        .unwrap();
    // Case-insensitive, like every organisation lookup; other organisations not counted.
    assert_eq!(store.onboarding_queue_length("ACME").await.unwrap(), 2);
    store
        .set_repository_state(102, RepoState::Excluded, Some("archived"))
        .await
        .unwrap();
    assert_eq!(store.onboarding_queue_length("acme").await.unwrap(), 1);
    assert_eq!(store.onboarding_queue_length("globex").await.unwrap(), 1);
    assert_eq!(store.onboarding_queue_length("initech").await.unwrap(), 0);
    // The scan of a repository GitHub says was pushed a year ago ranks below one pushed
    // today; one with no push time known ranks as pushed now.
    let year_ago = fullcover::store::now() - 365 * 86_400;
    store.set_pushed_at(100, Some(year_ago)).await.unwrap();
    assert_eq!(store.scan_priority(100).await.unwrap(), year_ago);
    store.set_pushed_at(100, None).await.unwrap();
    assert_eq!(store.scan_priority(100).await.unwrap(), year_ago, "kept");
    let before = fullcover::store::now();
    assert!(store.scan_priority(200).await.unwrap() >= before);
}
