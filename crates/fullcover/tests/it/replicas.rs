//! Several replicas, end to end: `fullcover serve` processes on one PostgreSQL database
//! against the fake GitHub with 500 repositories in four organisations, webhooks handed
//! to the replicas round-robin as a load balancer would, and one replica killed with
//! SIGKILL mid-run. Every repository gets exactly one onboarding pull request, GitHub's
//! secondary limits are never exceeded (the largest organisation needs 800 writes, more
//! than GitHub allows in an hour, so the hour's window binds across replicas), and the
//! killed replica's work is taken over when its leases run out.

use std::process::Child;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use fullcover::store::Store;
use fullcover_fake_github::FakeGitHub;
use sqlx::Row;

use crate::processes::{Serve, free_port};
use crate::store::postgres_database_url;
use crate::world::{TIME_SCALE, fake_options, small_service};

/// Organisations and their repositories: 500 in all. The large one is installed last,
/// so that its wait for GitHub's next hour does not hold the others up.
const ORGANISATIONS: [(&str, usize); 4] =
    [("north", 100), ("south", 100), ("west", 100), ("big", 200)];

const ONBOARDING_BRANCH: &str = "fullcover/onboarding";

/// The replicas' processes, killed when the test ends however it ends.
struct Replicas(Vec<Option<Child>>);

impl Replicas {
    /// SIGKILL: no shutdown, no flush, leases left behind.
    fn kill(&mut self, index: usize) {
        if let Some(mut child) = self.0[index].take() {
            child.kill().unwrap();
            child.wait().unwrap();
        }
    }
}

impl Drop for Replicas {
    fn drop(&mut self) {
        for index in 0..self.0.len() {
            if let Some(mut child) = self.0[index].take() {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
    }
}

/// A round-robin load balancer in front of the replicas' `/webhooks`: each delivery
/// goes to the next replica, or the one after when that one does not answer.
struct Balancer {
    replicas: Vec<String>,
    next: AtomicUsize,
    http: reqwest::Client,
}

async fn forward(
    State(balancer): State<Arc<Balancer>>,
    headers: HeaderMap,
    body: Bytes,
) -> axum::response::Response {
    let first = balancer.next.fetch_add(1, Ordering::SeqCst);
    for offset in 0..balancer.replicas.len() {
        let replica = &balancer.replicas[(first + offset) % balancer.replicas.len()];
        let mut request = balancer
            .http
            .post(format!("{replica}/webhooks"))
            .body(body.clone());
        for (name, value) in &headers {
            if name.as_str().starts_with("x-") || name.as_str() == "content-type" {
                request = request.header(name.as_str(), value.as_bytes());
            }
        }
        if let Ok(answer) = request.send().await {
            let status = StatusCode::from_u16(answer.status().as_u16()).unwrap();
            return (status, answer.bytes().await.unwrap_or_default()).into_response();
        }
    }
    StatusCode::BAD_GATEWAY.into_response()
}

/// Starts the balancer; returns its `/webhooks` URL.
async fn balance(replicas: Vec<String>) -> String {
    let balancer = Arc::new(Balancer {
        replicas,
        next: AtomicUsize::new(0),
        http: reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap(),
    });
    let router = axum::Router::new()
        .route("/webhooks", axum::routing::post(forward))
        .with_state(balancer);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    format!("http://{address}/webhooks")
}

/// Onboarding pull requests per repository, in the fake.
fn onboarding_pulls(fake: &FakeGitHub) -> Vec<(String, usize)> {
    ORGANISATIONS
        .iter()
        .flat_map(|(org, count)| (0..*count).map(move |n| (*org, format!("{org}-{n:03}"))))
        .map(|(org, name)| {
            let pulls = fake
                .pulls(org, &name)
                .iter()
                .filter(|pull| pull.head_ref == ONBOARDING_BRANCH)
                .count();
            (format!("{org}/{name}"), pulls)
        })
        .collect()
}

async fn settled(store: &Store) -> bool {
    store.pending_deliveries(1).await.unwrap().is_empty()
        && store.open_jobs().await.unwrap().is_empty()
}

async fn onboard_with_replicas(count: usize) {
    let started = Instant::now();
    let database_url = postgres_database_url().await;
    let fake = FakeGitHub::start(fake_options()).await.unwrap();
    let credentials = fake.create_app("fullcover");
    for (org, repositories) in ORGANISATIONS {
        fake.create_org(org);
        for n in 0..repositories {
            fake.create_repo(org, small_service(&format!("{org}-{n:03}")));
        }
    }
    let total: usize = ORGANISATIONS.iter().map(|(_, n)| n).sum();
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("key.pem");
    std::fs::write(&key, &credentials.private_key_pem).unwrap();
    let servers: Vec<Serve> = (0..count)
        .map(|_| Serve {
            api_url: fake.url(),
            app_id: credentials.app_id,
            secret: credentials.webhook_secret.clone(),
            key: key.clone(),
            database_url: database_url.clone(),
            port: free_port(),
            time_scale: TIME_SCALE,
        })
        .collect();
    // Started at once: they migrate the empty database together.
    let mut replicas = Replicas(servers.iter().map(|s| Some(s.spawn())).collect());
    for server in &servers {
        server.wait_until_up().await;
    }
    let webhooks = balance(servers.iter().map(Serve::url).collect()).await;
    fake.set_webhook_url(credentials.app_id, &webhooks);
    for (org, _) in ORGANISATIONS {
        fake.install(credentials.app_id, org, None).await.unwrap();
    }

    let store = Store::connect(&database_url).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(300);
    let mut killed_at = None;
    loop {
        let opened = onboarding_pulls(&fake)
            .iter()
            .filter(|(_, pulls)| *pulls > 0)
            .count();
        if killed_at.is_none() && opened >= total / 3 {
            replicas.kill(0);
            killed_at = Some((started.elapsed(), opened));
        }
        if opened == total && settled(&store).await {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{opened} of {total} onboarded; open jobs: {:?}",
            store.open_jobs().await.unwrap().len()
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let elapsed = started.elapsed();

    for (repository, pulls) in onboarding_pulls(&fake) {
        assert_eq!(pulls, 1, "{repository}");
    }
    assert_eq!(fake.secondary_limit_violations(), 0);
    assert_eq!(store.failed_jobs().await.unwrap(), Vec::new());
    assert!(store.open_jobs().await.unwrap().is_empty());
    assert!(store.pending_deliveries(1).await.unwrap().is_empty());
    // The killed replica was working: jobs it held were run again elsewhere.
    let pool = sqlx::AnyPool::connect(&database_url).await.unwrap();
    let taken_over: i64 = sqlx::query("SELECT COUNT(*) AS n FROM jobs WHERE attempts > 1")
        .fetch_one(&pool)
        .await
        .unwrap()
        .get("n");
    assert!(
        taken_over > 0,
        "no job of the killed replica was taken over"
    );
    let writes = fake
        .requests()
        .iter()
        .filter(|request| request.method != "GET" && request.installation_id.is_some())
        .count();
    let (killed_after, opened_then) = killed_at.unwrap();
    eprintln!(
        "{count} replicas: {total} repositories onboarded in {:.1} s ({writes} writes; \
         replica 0 killed after {:.1} s with {opened_then} onboarded; {taken_over} jobs run again)",
        elapsed.as_secs_f64(),
        killed_after.as_secs_f64()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs PostgreSQL"]
async fn two_replicas_onboard_500_repositories_once_within_limits() {
    onboard_with_replicas(2).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs PostgreSQL"]
async fn three_replicas_onboard_500_repositories_once_within_limits() {
    onboard_with_replicas(3).await;
}
