//! `fullcover serve` as a process of its own, for the tests that kill it with SIGKILL
//! (`crash.rs`) or run several on one database (`replicas.rs`).

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A port nobody listens on yet.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// How to start one `fullcover serve`.
#[derive(Debug, Clone)]
pub struct Serve {
    pub api_url: String,
    pub app_id: u64,
    pub secret: String,
    pub key: PathBuf,
    pub database_url: String,
    pub port: u16,
    /// GitHub's clock in the fake runs this many times faster (1.0: real time).
    pub time_scale: f64,
}

impl Serve {
    pub fn spawn(&self) -> Child {
        Command::new(env!("CARGO_BIN_EXE_fullcover"))
            .arg("serve")
            .env("FULLCOVER_APP_ID", self.app_id.to_string())
            .env("FULLCOVER_PRIVATE_KEY_PATH", &self.key)
            .env("FULLCOVER_WEBHOOK_SECRET", &self.secret)
            .env("FULLCOVER_GITHUB_API_URL", &self.api_url)
            .env("FULLCOVER_DATABASE_URL", &self.database_url)
            .env("FULLCOVER_LISTEN", format!("127.0.0.1:{}", self.port))
            .env("FULLCOVER_GITHUB_TIME_SCALE", self.time_scale.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub async fn wait_until_up(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while reqwest::get(format!("{}/healthz", self.url()))
            .await
            .is_err()
        {
            assert!(Instant::now() < deadline, "fullcover serve did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}
