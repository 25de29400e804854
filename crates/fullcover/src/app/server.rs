//! `fullcover serve`: the HTTP routes (webhooks, health, and the web views of [`web`])
//! and the workers behind them.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use tower_http::trace::TraceLayer;

use super::web::{self, Web};
use super::{App, webhook, worker};
use crate::dashboard::Pages;

pub fn router(app: App) -> anyhow::Result<Router> {
    let web = Web {
        app,
        pages: Arc::new(Pages::embedded()?),
    };
    Ok(web::routes()
        .route("/webhooks", post(webhook::receive))
        .route("/healthz", get(healthz))
        .layer(DefaultBodyLimit::max(webhook::BODY_LIMIT))
        .layer(TraceLayer::new_for_http())
        .with_state(web))
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
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let addr = listener.local_addr()?;
    let mut tasks = worker::spawn(&app);
    tasks.spawn(async move {
        if let Err(err) = axum::serve(listener, router).await {
            tracing::error!(error = %err, "the HTTP server stopped");
        }
    });
    Ok(Running { addr, tasks })
}
