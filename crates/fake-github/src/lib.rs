//! A stateful fake GitHub for tests, benchmarks and `fullcover demo`.
//!
//! It serves GitHub's REST endpoints that the App uses on `127.0.0.1:<random port>`, with
//! real app JWTs (RS256), installation tokens, real git object ids, GitHub's status codes
//! and error bodies, rate limits, faults on demand, and signed webhook deliveries. The
//! control API ([`FakeGitHub::push`], [`FakeGitHub::merge_pull`], ...) plays the people and
//! GitHub itself; the App talks to it only over HTTP.

mod alerts;
mod auth;
mod control;
mod faults;
mod git;
mod http;
mod limits;
mod payloads;
mod render;
mod render_alerts;
mod routes;
mod server;
mod state;
mod webhooks;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

pub use alerts::{AlertFamily, NewAlert, SecurityFeature};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Tunables of one fake instance.
#[derive(Debug, Clone)]
pub struct FakeOptions {
    /// Largest `per_page` honoured (GitHub: 100).
    pub per_page_max: usize,
    /// Entries a recursive tree lists before it is `truncated` (GitHub: 100,000).
    pub tree_entry_limit: usize,
    pub limits: Limits,
    pub faults: Faults,
    /// Lifetime of installation tokens (GitHub: one hour).
    pub token_ttl: Duration,
    /// Also send the webhooks GitHub sends for the App's own REST writes (`push` when it
    /// creates or moves a branch, `pull_request` opened), from a background task. Off by
    /// default so that `deliveries()` holds only what tests cause.
    /// Serve the API below this path, as GitHub Enterprise Server does (`/api/v3`);
    /// empty: at the root, as api.github.com.
    pub api_prefix: String,
    pub api_write_webhooks: bool,
}

impl Default for FakeOptions {
    fn default() -> FakeOptions {
        FakeOptions {
            per_page_max: 100,
            tree_entry_limit: 100_000,
            limits: Limits::default(),
            faults: Faults::default(),
            token_ttl: Duration::from_secs(3600),
            api_write_webhooks: false,
            api_prefix: String::new(),
        }
    }
}

/// Rate limits. The default is GitHub's numbers.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Requests per hour per installation token.
    pub primary_per_hour: u32,
    /// Least time between two content-creating requests of one installation.
    pub min_write_interval: Duration,
    pub writes_per_minute: u32,
    pub writes_per_hour: u32,
    /// 1.0 = real time; 100.0 = an hour lasts 36 s (all limit windows and intervals shrink).
    pub time_scale: f64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            primary_per_hour: 5000,
            min_write_interval: Duration::from_secs(1),
            writes_per_minute: 80,
            writes_per_hour: 500,
            time_scale: 1.0,
        }
    }
}

/// Faults injected into API requests (not into the control API). Default: none.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    /// Fraction of requests answered 500/502/503.
    pub error_rate: f64,
    /// Fraction of requests answered with a secondary-limit 403/429 and `retry-after`.
    pub secondary_limit_rate: f64,
    /// Fraction of requests whose connection is closed without an answer.
    pub drop_rate: f64,
    pub latency: Duration,
    pub jitter: Duration,
    pub seed: u64,
}

/// What the App needs to act as an app (what the manifest conversion hands out).
#[derive(Debug, Clone)]
pub struct AppCredentials {
    pub app_id: u64,
    pub client_id: String,
    pub client_secret: String,
    pub private_key_pem: String,
    pub webhook_secret: String,
    pub slug: String,
}

/// A repository to create.
#[derive(Debug, Clone)]
pub struct RepoSpec {
    pub name: String,
    /// Files of the initial commit; empty means an empty repository (no commits).
    pub files: Vec<(String, Vec<u8>)>,
    pub default_branch: String,
    pub private: bool,
    pub archived: bool,
    pub fork: bool,
}

impl RepoSpec {
    pub fn new(name: &str) -> RepoSpec {
        RepoSpec {
            name: name.to_string(),
            files: Vec::new(),
            default_branch: "main".to_string(),
            private: false,
            archived: false,
            fork: false,
        }
    }

    pub fn file(mut self, path: &str, bytes: impl Into<Vec<u8>>) -> RepoSpec {
        self.files.push((path.to_string(), bytes.into()));
        self
    }

    pub fn default_branch(mut self, branch: &str) -> RepoSpec {
        self.default_branch = branch.to_string();
        self
    }

    pub fn private(mut self) -> RepoSpec {
        self.private = true;
        self
    }

    pub fn archived(mut self) -> RepoSpec {
        self.archived = true;
        self
    }

    pub fn fork(mut self) -> RepoSpec {
        self.fork = true;
        self
    }
}

/// A pull request as a test sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullView {
    pub number: u64,
    pub state: String,
    pub merged: bool,
    pub title: String,
    pub body: String,
    pub head_ref: String,
    pub head_sha: String,
    pub base_ref: String,
    pub labels: Vec<String>,
    /// The full tree of the head commit.
    pub files: BTreeMap<String, Vec<u8>>,
}

/// One API request as served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedRequest {
    pub method: String,
    /// Method and route template, e.g. `GET /repos/{owner}/{repo}/git/blobs/{file_sha}`.
    pub route: String,
    pub path: String,
    /// 0 when the connection was dropped by a fault.
    pub status: u16,
    pub installation_id: Option<u64>,
    /// Whether it counted against the primary rate limit.
    pub counted: bool,
}

/// One webhook delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub guid: String,
    pub event: String,
    pub action: Option<String>,
    /// The App's answer; `None` when it did not answer (refused, timed out).
    pub status: Option<u16>,
}

/// A running fake GitHub. Cheap to clone.
#[derive(Clone)]
pub struct FakeGitHub {
    inner: Arc<Inner>,
    server: Arc<Mutex<Option<Server>>>,
}

/// The running server task and its shutdown signal.
type Server = (oneshot::Sender<()>, JoinHandle<()>);

pub(crate) struct Inner {
    base: String,
    options: FakeOptions,
    world: Mutex<state::World>,
    limiter: Mutex<limits::RateLimiter>,
    faults: Mutex<faults::FaultPlan>,
    http: reqwest::Client,
    /// Bytes of blob content handed to connections (base64 text for JSON answers).
    blob_bytes_served: std::sync::atomic::AtomicU64,
}

impl Inner {
    fn world(&self) -> MutexGuard<'_, state::World> {
        // A panic while holding the lock leaves consistent data (every mutation is a
        // single assignment/insert), so a poisoned lock is still usable.
        self.world.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn limiter(&self) -> MutexGuard<'_, limits::RateLimiter> {
        self.limiter.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn faults(&self) -> MutexGuard<'_, faults::FaultPlan> {
        self.faults.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn count_blob_bytes(&self, bytes: usize) {
        self.blob_bytes_served
            .fetch_add(bytes as u64, std::sync::atomic::Ordering::Relaxed);
    }
}

impl FakeGitHub {
    /// Starts serving on `127.0.0.1:0` on the current tokio runtime.
    pub async fn start(options: FakeOptions) -> anyhow::Result<FakeGitHub> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr: SocketAddr = listener.local_addr()?;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()?;
        let prefix = options.api_prefix.trim_end_matches('/').to_owned();
        let inner = Arc::new(Inner {
            base: format!("http://{addr}{prefix}"),
            limiter: Mutex::new(limits::RateLimiter::new(options.limits.clone())),
            faults: Mutex::new(faults::FaultPlan::new(options.faults.clone())),
            options,
            world: Mutex::new(state::World::default()),
            http,
            blob_bytes_served: std::sync::atomic::AtomicU64::new(0),
        });
        let app = if prefix.is_empty() {
            server::router(inner.clone())
        } else {
            axum::Router::new().nest(&prefix, server::router(inner.clone()))
        };
        let (tx, rx) = oneshot::channel::<()>();
        let handle = tokio::spawn(async move {
            let shutdown = async {
                let _ = rx.await;
            };
            if let Err(error) = axum::serve(listener, app)
                .with_graceful_shutdown(shutdown)
                .await
            {
                tracing::warn!(%error, "fake GitHub server stopped");
            }
        });
        Ok(FakeGitHub {
            inner,
            server: Arc::new(Mutex::new(Some((tx, handle)))),
        })
    }

    /// The API base URL, `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        self.inner.base.clone()
    }

    /// Stops the server (all clones).
    pub async fn shutdown(self) {
        let taken = self
            .server
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some((tx, handle)) = taken {
            let _ = tx.send(());
            handle.abort();
            let _ = handle.await;
        }
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod alert_tests;

#[cfg(test)]
mod conformance;
