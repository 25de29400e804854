//! Crash safety under load: a burst of signed deliveries (pushes, pull requests, check
//! runs, `installation` and `installation_repositories`, as the fake GitHub sent them)
//! while `fullcover serve` is killed with SIGKILL and restarted on the same database.
//! Every delivery is stored once and handled, no job is lost or failed, no pull request
//! is opened twice.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fullcover::store::Store;
use fullcover_fake_github::FakeGitHub;
use futures_util::StreamExt;
use serde_json::Value;

use crate::processes::{Serve, free_port};
use crate::world::{TIME_SCALE, fake_options, small_service};

const REPOSITORIES: usize = 6;

/// How many deliveries the burst sends (10,000 for the full run; CI sends fewer).
fn burst_size() -> usize {
    std::env::var("FULLCOVER_CRASH_DELIVERIES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000)
}

/// Sends one delivery until the App answers 2xx, as GitHub's redelivery would.
async fn deliver(
    http: &reqwest::Client,
    port: u16,
    secret: &str,
    guid: &str,
    event: &str,
    body: &[u8],
) {
    let signature = fullcover::app::webhook::sign(secret.as_bytes(), body);
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let answer = http
            .post(format!("http://127.0.0.1:{port}/webhooks"))
            .header("content-type", "application/json")
            .header("x-github-event", event)
            .header("x-github-delivery", guid)
            .header("x-hub-signature-256", &signature)
            .body(body.to_vec())
            .send()
            .await;
        if let Ok(answer) = answer
            && answer.status().is_success()
        {
            return;
        }
        assert!(Instant::now() < deadline, "{guid} never accepted");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn settled(store: &Store) -> bool {
    store.pending_deliveries(1).await.unwrap().is_empty()
        && store.open_jobs().await.unwrap().is_empty()
}

async fn burst(database_url: String) {
    let fake = FakeGitHub::start(fake_options()).await.unwrap();
    let credentials = fake.create_app("fullcover");
    fake.create_org("acme");
    let names: Vec<String> = (0..REPOSITORIES).map(|n| format!("svc-{n}")).collect();
    for name in &names {
        fake.create_repo("acme", small_service(name));
    }
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("key.pem");
    std::fs::write(&key, &credentials.private_key_pem).unwrap();
    let server = Arc::new(Serve {
        api_url: fake.url(),
        app_id: credentials.app_id,
        secret: credentials.webhook_secret.clone(),
        key,
        database_url: database_url.clone(),
        port: free_port(),
        time_scale: TIME_SCALE,
    });
    let child = Arc::new(Mutex::new(server.spawn()));
    server.wait_until_up().await;
    fake.set_webhook_url(
        credentials.app_id,
        &format!("http://127.0.0.1:{}/webhooks", server.port),
    );
    // Installed on all but the last repository, which is added afterwards
    // (`installation_repositories`).
    let selected: Vec<String> = names[..REPOSITORIES - 1].to_vec();
    let installation = fake
        .install(credentials.app_id, "acme", Some(selected))
        .await
        .unwrap();
    fake.add_repos_to_installation(installation, &[names[REPOSITORIES - 1].as_str()])
        .await
        .unwrap();
    for name in &names {
        fake.push(
            "acme",
            name,
            "main",
            vec![("README.md".into(), Some(b"# docs\n".to_vec()))],
            "docs",
        )
        .await
        .unwrap();
    }
    // A person's pull request, opened and merged, in each repository.
    for name in &names {
        fake.push(
            "acme",
            name,
            "feature",
            vec![("src/feature.py".into(), Some(b"print(2)\n".to_vec()))],
            "feature",
        )
        .await
        .unwrap();
        let number = fake
            .open_pull("acme", name, "feature", "main", "A feature")
            .await
            .unwrap();
        fake.merge_pull("acme", name, number).await.unwrap();
    }
    for name in &names {
        let head = fake.head("acme", name, "main").unwrap();
        fake.add_check_run("acme", name, &head, "CodeQL", "success")
            .await
            .unwrap();
    }
    // What GitHub sent: the templates of the burst (each made unique, so none is a
    // replay of another).
    let templates: Vec<(String, Value)> = fake
        .deliveries()
        .iter()
        .filter(|d| {
            matches!(
                d.event.as_str(),
                "push"
                    | "pull_request"
                    | "check_run"
                    | "installation"
                    | "installation_repositories"
            )
        })
        .filter_map(|d| Some((d.event.clone(), fake.delivery_payload(&d.guid)?)))
        .collect();
    for event in [
        "installation",
        "installation_repositories",
        "push",
        "pull_request",
        "check_run",
    ] {
        assert!(
            templates.iter().any(|(e, _)| e == event),
            "no {event} among the templates"
        );
    }

    let size = burst_size();
    let accepted = Arc::new(AtomicUsize::new(0));
    // Killed at a quarter, half and three quarters of the burst, and restarted.
    let killer = {
        let child = child.clone();
        let server = server.clone();
        let accepted = accepted.clone();
        tokio::spawn(async move {
            for quarter in 1..=3 {
                while accepted.load(Ordering::SeqCst) < size * quarter / 4 {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
                let mut running = child.lock().unwrap();
                // SIGKILL: no shutdown, no flush.
                running.kill().unwrap();
                running.wait().unwrap();
                *running = server.spawn();
            }
        })
    };
    let http = reqwest::Client::new();
    futures_util::stream::iter(0..size)
        .for_each_concurrent(8, |i| {
            let (event, template) = &templates[i % templates.len()];
            let mut payload = template.clone();
            payload["fullcover_burst"] = Value::from(i);
            let body = serde_json::to_vec(&payload).unwrap();
            let http = &http;
            let server = &server;
            let accepted = &accepted;
            async move {
                deliver(
                    http,
                    server.port,
                    &server.secret,
                    &format!("burst-{i}"),
                    event,
                    &body,
                )
                .await;
                accepted.fetch_add(1, Ordering::SeqCst);
            }
        })
        .await;
    killer.await.unwrap();
    server.wait_until_up().await;

    let store = Store::connect(&database_url).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(180);
    while !settled(&store).await {
        assert!(Instant::now() < deadline, "the App never settled");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let _ = child.lock().unwrap().kill();

    // Every burst delivery stored once, beside what the fake delivered successfully.
    let answered = fake
        .deliveries()
        .iter()
        .filter(|d| d.status.is_some_and(|s| (200..300).contains(&s)))
        .count();
    let stored = usize::try_from(store.delivery_count().await.unwrap()).unwrap();
    assert_eq!(stored, answered + size);
    assert!(store.pending_deliveries(1).await.unwrap().is_empty());
    assert_eq!(store.failed_jobs().await.unwrap(), Vec::new());
    // The person's merged pull request and the App's onboarding one, never two of it.
    for name in &names {
        let onboarding = fake
            .pulls("acme", name)
            .iter()
            .filter(|pull| pull.head_ref == "fullcover/onboarding")
            .count();
        assert_eq!(onboarding, 1, "{name}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs time: crash test under load"]
async fn a_burst_of_deliveries_survives_sigkills_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    burst(fullcover::store::sqlite_url(&dir.path().join("crash.db"))).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs PostgreSQL at 127.0.0.1:5432"]
async fn a_burst_of_deliveries_survives_sigkills_on_postgres() {
    burst(crate::store::postgres_database_url().await).await;
}
