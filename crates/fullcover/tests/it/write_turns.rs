//! The pacing replicas share (`github::turns`, kept by the store): one request at a
//! time per installation, spaced and counted across replicas, a vanished holder's
//! request counted, and migrations that several replicas start at once. The same
//! checks on SQLite and PostgreSQL.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use fullcover::github::limits::Pacing;
use fullcover::github::turns::{SharedTurns, TurnLedger, WriteClaim};
use fullcover::store::Store;
use tokio::time::Instant;

use crate::store::postgres_database_url;

/// Small limits, so that each one binds within a second.
fn pacing() -> Pacing {
    Pacing {
        min_interval: Duration::from_millis(40),
        per_minute: 3,
        per_hour: 5,
        minute: Duration::from_millis(400),
        hour: Duration::from_millis(1200),
        margin: Duration::ZERO,
    }
}

/// Two replicas, each with two writers, send 7 requests of one installation: never two
/// at once, each at least `min_interval` after the previous one finished, at most 3 in
/// any `minute` and 5 in any `hour` (counted from completions, as GitHub is owed).
async fn replicas_pace_together(first: Store, second: Store) {
    let pacing = pacing();
    let replicas: Vec<Arc<SharedTurns>> = [first, second]
        .into_iter()
        .map(|store| {
            let ledger: Arc<dyn TurnLedger> = Arc::new(store);
            Arc::new(SharedTurns::new(ledger, pacing.clone()).unwrap())
        })
        .collect();
    let requests: Arc<Mutex<Vec<(Instant, Instant)>>> = Arc::default();
    let sent = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut writers = Vec::new();
    for writer in 0..4 {
        let replica = replicas[writer % 2].clone();
        let requests = requests.clone();
        let sent = sent.clone();
        writers.push(tokio::spawn(async move {
            while sent.fetch_add(1, std::sync::atomic::Ordering::SeqCst) < 7 {
                let turn = replica.take(42).await.unwrap();
                let start = Instant::now();
                tokio::time::sleep(Duration::from_millis(5)).await;
                let end = Instant::now();
                requests.lock().unwrap().push((start, end));
                replica.finish(turn).await.unwrap();
            }
        }));
    }
    for writer in writers {
        writer.await.unwrap();
    }
    let mut requests = requests.lock().unwrap().clone();
    requests.sort();
    assert_eq!(requests.len(), 7);
    for (k, (start, _)) in requests.iter().enumerate() {
        if k >= 1 {
            let previous_end = requests[k - 1].1;
            assert!(
                *start >= previous_end + pacing.min_interval,
                "request {k} too soon"
            );
        }
        if k >= pacing.per_minute {
            let window_opened = requests[k - pacing.per_minute].1;
            assert!(
                *start >= window_opened + pacing.minute,
                "request {k}: 4 in a minute"
            );
        }
        if k >= pacing.per_hour {
            let window_opened = requests[k - pacing.per_hour].1;
            assert!(
                *start >= window_opened + pacing.hour,
                "request {k}: 6 in an hour"
            );
        }
    }
    // Another installation is paced on its own: its turn is free at once.
    let other = replicas[0].take(43).await.unwrap();
    replicas[0].finish(other).await.unwrap();
}

/// What sharing costs a write that waits for nobody: its claim and its release.
async fn cost_of_a_turn(store: Store) -> Duration {
    let pacing = Pacing {
        min_interval: Duration::from_micros(1),
        per_minute: usize::MAX,
        per_hour: usize::MAX,
        minute: Duration::ZERO,
        hour: Duration::ZERO,
        margin: Duration::ZERO,
    };
    let ledger: Arc<dyn TurnLedger> = Arc::new(store);
    let turns = SharedTurns::new(ledger, pacing).unwrap();
    // The first claim makes the installation's row.
    let turn = turns.take(44).await.unwrap();
    turns.finish(turn).await.unwrap();
    let start = Instant::now();
    for _ in 0..100 {
        let turn = turns.take(44).await.unwrap();
        turns.finish(turn).await.unwrap();
    }
    start.elapsed() / 100
}

/// The lease of the turns claimed below: long enough for a loaded machine to make the
/// next claim within it.
const LEASE: i64 = 1000;

/// A replica that vanished holding the turn: the turn is taken over once its lease ran
/// out, and the request it may have sent counts against the limits.
async fn a_vanished_holder_is_counted(first: Store, second: Store) {
    let pacing = Pacing {
        per_hour: 2,
        hour: Duration::from_secs(3600),
        ..pacing()
    };
    // The first claim sees no row yet and makes it.
    assert_eq!(
        first.claim_write_turn(7, "first", LEASE).await.unwrap(),
        WriteClaim::Wait {
            millis: 0,
            held: false
        }
    );
    let WriteClaim::Granted { turn: vanished } =
        first.claim_write_turn(7, "first", LEASE).await.unwrap()
    else {
        panic!("the free turn was not granted");
    };
    assert!(matches!(
        second.claim_write_turn(7, "second", LEASE).await.unwrap(),
        WriteClaim::Wait { held: true, .. }
    ));
    tokio::time::sleep(Duration::from_millis(u64::try_from(LEASE).unwrap() + 50)).await;
    let WriteClaim::Orphaned { turn, since } =
        second.claim_write_turn(7, "second", LEASE).await.unwrap()
    else {
        panic!("the lapsed turn was not taken over");
    };
    assert!(turn > vanished);
    second
        .finish_write_turn(7, turn, Some(since), &pacing)
        .await
        .unwrap();
    // The vanished holder comes back late: its request is logged, the turn it lost is
    // not handed back in its name.
    let WriteClaim::Granted { turn: current } = wait_for_turn(&second, "second").await else {
        unreachable!()
    };
    first
        .finish_write_turn(7, vanished, None, &pacing)
        .await
        .unwrap();
    assert!(matches!(
        first.claim_write_turn(7, "first", LEASE).await.unwrap(),
        WriteClaim::Wait { held: true, .. }
    ));
    second
        .finish_write_turn(7, current, None, &pacing)
        .await
        .unwrap();
    // Three requests logged (the vanished one, its late finish, the second's), two
    // allowed an hour: the next waits for the hour.
    match second.claim_write_turn(7, "second", LEASE).await.unwrap() {
        WriteClaim::Wait { millis, held } => {
            assert!(!held);
            assert!(millis > 3_500_000, "waits {millis} ms only");
        }
        other => panic!("granted past the hour's limit: {other:?}"),
    }
}

async fn wait_for_turn(store: &Store, holder: &str) -> WriteClaim {
    for _ in 0..100 {
        match store.claim_write_turn(7, holder, LEASE).await.unwrap() {
            WriteClaim::Wait { millis, .. } => {
                tokio::time::sleep(Duration::from_millis(u64::try_from(millis).unwrap() + 1)).await
            }
            granted => return granted,
        }
    }
    panic!("never granted");
}

async fn two_sqlite_stores() -> (Store, Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = fullcover::store::sqlite_url(&dir.path().join("shared.db"));
    let first = Store::connect(&url).await.unwrap();
    let second = Store::connect(&url).await.unwrap();
    (first, second, dir)
}

async fn two_postgres_stores() -> (Store, Store) {
    let url = postgres_database_url().await;
    (
        Store::connect(&url).await.unwrap(),
        Store::connect(&url).await.unwrap(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_replicas_pace_writes_together() {
    let (first, second, _dir) = two_sqlite_stores().await;
    replicas_pace_together(first.clone(), second).await;
    eprintln!(
        "SQLite: a turn to write costs {:?}",
        cost_of_a_turn(first).await
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL"]
async fn postgres_replicas_pace_writes_together() {
    let (first, second) = two_postgres_stores().await;
    replicas_pace_together(first.clone(), second).await;
    eprintln!(
        "PostgreSQL: a turn to write costs {:?}",
        cost_of_a_turn(first).await
    );
}

#[tokio::test]
async fn sqlite_counts_a_vanished_holders_write() {
    let (first, second, _dir) = two_sqlite_stores().await;
    a_vanished_holder_is_counted(first, second).await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL"]
async fn postgres_counts_a_vanished_holders_write() {
    let (first, second) = two_postgres_stores().await;
    a_vanished_holder_is_counted(first, second).await;
}

/// Replicas started at once migrate one fresh database once: sqlx's migrator holds a
/// PostgreSQL advisory lock while it applies migrations.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL"]
async fn postgres_replicas_starting_at_once_migrate_once() {
    let url = postgres_database_url().await;
    let stores = futures_util::future::join_all((0..4).map(|_| Store::connect(&url))).await;
    for store in stores {
        let store = store.unwrap();
        store
            .upsert_installation(
                1,
                "acme",
                "Organization",
                fullcover::store::InstallationState::Active,
            )
            .await
            .unwrap();
    }
    use sqlx::Row;
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&url).await.unwrap();
    let row = sqlx::query(
        "SELECT COUNT(*) AS n, COUNT(DISTINCT version) AS versions FROM _sqlx_migrations",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    let (n, versions): (i64, i64) = (row.get("n"), row.get("versions"));
    assert_eq!(n, versions);
    assert!(n >= 17);
}
