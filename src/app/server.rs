//! `fullcover serve`: the HTTP routes and the workers behind them.

use std::net::SocketAddr;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use tower_http::trace::TraceLayer;

use super::{App, webhook, worker};

pub fn router(app: App) -> Router {
    Router::new()
        .route("/webhooks", post(webhook::receive))
        .route("/healthz", get(healthz))
        .layer(DefaultBodyLimit::max(webhook::BODY_LIMIT))
        .layer(TraceLayer::new_for_http())
        .with_state(app)
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

    /// Waits until a task ends (they only end when the process is told to stop).
    pub async fn wait(mut self) {
        self.tasks.join_next().await;
    }
}

/// Binds `listen` and starts the server and the workers.
pub async fn start(app: App, listen: SocketAddr) -> std::io::Result<Running> {
    let listener = tokio::net::TcpListener::bind(listen).await?;
    let addr = listener.local_addr()?;
    let mut tasks = worker::spawn(&app);
    let router = router(app);
    tasks.spawn(async move {
        if let Err(err) = axum::serve(listener, router).await {
            tracing::error!(error = %err, "the HTTP server stopped");
        }
    });
    Ok(Running { addr, tasks })
}
