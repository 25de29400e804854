//! `fullcover serve` as an operator runs it: configured by environment, against the fake
//! GitHub, with debug logs that must never show a secret.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use fullcover_fake_github::{FakeGitHub, RepoSpec};

use crate::world::{fake_options, small_service};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_serves_onboards_and_logs_no_secret() {
    let fake = FakeGitHub::start(fake_options()).await.unwrap();
    let credentials = fake.create_app("fullcover");
    fake.create_org("acme");
    fake.create_repo("acme", small_service("api"));
    fake.create_repo("acme", RepoSpec::new("empty"));
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("key.pem");
    std::fs::write(&key, &credentials.private_key_pem).unwrap();
    let port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_fullcover"))
        .arg("serve")
        .env("FULLCOVER_APP_ID", credentials.app_id.to_string())
        .env("FULLCOVER_PRIVATE_KEY_PATH", &key)
        .env("FULLCOVER_WEBHOOK_SECRET", &credentials.webhook_secret)
        .env("FULLCOVER_GITHUB_API_URL", fake.url())
        .env("FULLCOVER_CLIENT_ID", &credentials.client_id)
        .env("FULLCOVER_CLIENT_SECRET", &credentials.client_secret)
        .env(
            "FULLCOVER_DATABASE_URL",
            format!("sqlite://{}?mode=rwc", dir.path().join("fc.db").display()),
        )
        .env("FULLCOVER_LISTEN", format!("127.0.0.1:{port}"))
        .env("RUST_LOG", "debug")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Drain the logs as they come, or a full pipe would stall the server.
    let stderr = child.stderr.take().unwrap();
    let (lines, received) = std::sync::mpsc::channel::<String>();
    let reader = std::thread::spawn(move || {
        let mut logs = String::new();
        for line in std::io::BufRead::lines(std::io::BufReader::new(stderr)).map_while(Result::ok) {
            logs.push_str(&line);
            logs.push('\n');
            let _ = lines.send(line);
        }
        logs
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    while reqwest::get(format!("http://127.0.0.1:{port}/healthz"))
        .await
        .is_err()
    {
        assert!(Instant::now() < deadline, "fullcover serve did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    fake.set_webhook_url(
        credentials.app_id,
        &format!("http://127.0.0.1:{port}/webhooks"),
    );
    fake.install(credentials.app_id, "acme", None)
        .await
        .unwrap();
    // Until the App says it opened the pull request (and is done with both).
    let mut done = 0;
    while done < 2 && Instant::now() < deadline {
        match received.recv_timeout(Duration::from_millis(100)) {
            Ok(line) if line.contains("job done") && line.contains("kind=\"scan\"") => {
                done += 1;
            }
            _ => {}
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    let logs = reader.join().unwrap();
    assert!(
        !fake.pulls("acme", "api").is_empty(),
        "no pull request from fullcover serve:\n{logs}"
    );
    assert!(logs.contains("fullcover: serving on"), "{logs}");
    assert!(logs.contains("opened pull request #1"), "{logs}");
    assert!(logs.contains("excluded: empty repository"), "{logs}");
    for secret in [
        credentials.webhook_secret.as_str(),
        credentials.client_secret.as_str(),
        "BEGIN PRIVATE KEY",
        "BEGIN RSA PRIVATE KEY",
        "ghs_",
        "Bearer ey",
    ] {
        assert!(
            !logs.contains(secret),
            "a secret ({secret:.12}…) in the logs"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_secret_is_rotated_without_refusing_deliveries() {
    let fake = FakeGitHub::start(fake_options()).await.unwrap();
    let credentials = fake.create_app("fullcover");
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("key.pem");
    std::fs::write(&key, &credentials.private_key_pem).unwrap();
    let port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_fullcover"))
        .arg("serve")
        .env("FULLCOVER_APP_ID", credentials.app_id.to_string())
        .env("FULLCOVER_PRIVATE_KEY_PATH", &key)
        .env("FULLCOVER_WEBHOOK_SECRET", "the-new-secret")
        .env("FULLCOVER_WEBHOOK_SECRET_PREVIOUS", "the-old-secret")
        .env("FULLCOVER_GITHUB_API_URL", fake.url())
        .env(
            "FULLCOVER_DATABASE_URL",
            format!("sqlite://{}?mode=rwc", dir.path().join("fc.db").display()),
        )
        .env("FULLCOVER_LISTEN", format!("127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while reqwest::get(format!("http://127.0.0.1:{port}/healthz"))
        .await
        .is_err()
    {
        assert!(Instant::now() < deadline, "fullcover serve did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let deliver = |guid: &'static str, secret: &'static [u8]| async move {
        let body = format!(
            r#"{{"zen":"Keep it logically awesome.","hook_id":{}}}"#,
            guid.len()
        );
        reqwest::Client::new()
            .post(format!("http://127.0.0.1:{port}/webhooks"))
            .header("content-type", "application/json")
            .header("x-github-event", "ping")
            .header("x-github-delivery", guid)
            .header(
                "x-hub-signature-256",
                fullcover::app::webhook::sign(secret, body.as_bytes()),
            )
            .body(body)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    };
    // GitHub still signs with the old secret until its settings change, then the new.
    let old = deliver("signed-old", b"the-old-secret").await;
    let new = deliver("signed-newer", b"the-new-secret").await;
    let forged = deliver("signed-other", b"another-secret").await;
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!((old, new, forged), (202, 202, 401));
}
