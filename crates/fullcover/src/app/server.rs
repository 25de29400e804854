//! `fullcover serve`: the HTTP routes (webhooks, health, and the web views of [`web`])
//! and the workers behind them, served with bounds on what one client can hold: a time
//! to send the headers and the body, a number of open connections, and a number of
//! webhook bodies read at once, so slow or hostile clients cannot keep GitHub's signed
//! deliveries from being stored within its 10 s.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use tokio::sync::Semaphore;
use tower::limit::{ConcurrencyLimitLayer, GlobalConcurrencyLimitLayer};
use tower_http::timeout::RequestBodyTimeoutLayer;
use tower_http::trace::TraceLayer;

use super::web::{self, Web};
use super::{App, webhook, worker};
use crate::dashboard::Pages;

/// What one client may cost the server.
#[derive(Debug, Clone)]
pub struct HttpLimits {
    /// Time to send the request line and headers.
    pub header_timeout: Duration,
    /// Time to send the body, once the headers are in.
    pub body_timeout: Duration,
    /// Connections open at once; more wait in the listen queue.
    pub max_connections: usize,
    /// Webhook bodies (up to 25 MB each) read at once; more wait their turn.
    pub max_webhook_bodies: usize,
    /// Pages, API answers and badges computed at once; more wait their turn, so that
    /// readers never hold every database connection and core while deliveries arrive.
    pub max_reads: usize,
}

impl Default for HttpLimits {
    fn default() -> Self {
        HttpLimits {
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(10),
            max_connections: 512,
            max_webhook_bodies: 8,
            max_reads: 3,
        }
    }
}

pub fn router(app: App) -> anyhow::Result<Router> {
    let limits = app.behaviour().http.clone();
    let web = Web {
        app,
        pages: Arc::new(Pages::embedded()?),
    };
    Ok(web::routes()
        // One limit shared by every route: `ConcurrencyLimitLayer` would give each route
        // its own.
        .layer(GlobalConcurrencyLimitLayer::new(limits.max_reads.max(1)))
        .route(
            "/webhooks",
            post(webhook::receive)
                .layer(ConcurrencyLimitLayer::new(limits.max_webhook_bodies.max(1))),
        )
        .route("/healthz", get(healthz))
        .layer(DefaultBodyLimit::max(webhook::BODY_LIMIT))
        .layer(RequestBodyTimeoutLayer::new(limits.body_timeout))
        .layer(TraceLayer::new_for_http())
        .with_state(web))
}

/// Accepts connections while fewer than `max_connections` are open, each with a time
/// limit on its headers.
async fn serve(listener: tokio::net::TcpListener, router: Router, limits: HttpLimits) {
    let open = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    loop {
        let Ok(permit) = open.clone().acquire_owned().await else {
            return;
        };
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(err) => {
                // Out of file descriptors and the like: wait rather than spin.
                tracing::warn!(error = %err, "cannot accept a connection");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let service = TowerToHyperService::new(router.clone());
        let header_timeout = limits.header_timeout;
        tokio::spawn(async move {
            let mut builder = auto::Builder::new(TokioExecutor::new());
            builder
                .http1()
                .timer(TokioTimer::new())
                .header_read_timeout(header_timeout);
            if let Err(err) = builder
                .serve_connection_with_upgrades(TokioIo::new(stream), service)
                .await
            {
                tracing::debug!(error = %err, "connection ended");
            }
            drop(permit);
        });
    }
}

async fn healthz() -> &'static str {
    "ok"
}

/// A running App: its address, and the tasks that serve it.
pub struct Running {
    pub addr: SocketAddr,
    tasks: tokio::task::JoinSet<()>,
}

impl Running {
    /// Stops serving and working. Jobs in flight keep their lease and are taken over
    /// when it runs out, as after a crash.
    pub async fn stop(mut self) {
        self.tasks.shutdown().await;
    }

    /// Waits until a task ends: the server and workers run for ever, so any end is a
    /// failure the process should exit on (and its supervisor restart it).
    pub async fn wait(mut self) -> anyhow::Result<()> {
        match self.tasks.join_next().await {
            Some(Err(err)) if err.is_panic() => anyhow::bail!("a worker panicked: {err}"),
            _ => anyhow::bail!("the HTTP server or a worker stopped"),
        }
    }
}

/// Binds `listen` and starts the server and the workers.
pub async fn start(app: App, listen: SocketAddr) -> anyhow::Result<Running> {
    let router = router(app.clone())?;
    let limits = app.behaviour().http.clone();
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let addr = listener.local_addr()?;
    let mut tasks = worker::spawn(&app);
    tasks.spawn(serve(listener, router, limits));
    Ok(Running { addr, tasks })
}
