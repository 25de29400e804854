//! The dashboard, the API and the badges: everything `fullcover serve` shows. Coverage
//! gaps are sensitive, so every view needs a signed-in member of the organisation or an
//! API token scoped to it; an organisation that opted in to a public status page also
//! gets a public page and public badges, with aggregates only.

pub mod access;
pub mod api;
pub mod badges;
pub mod listing;
pub mod login;
pub mod pages;
pub mod security;

use std::sync::Arc;

use axum::Router;
use axum::extract::FromRef;
use axum::http::HeaderValue;
use axum::http::header::CACHE_CONTROL;
use axum::routing::{get, post};
use secrecy::SecretString;
use tower_http::set_header::SetResponseHeaderLayer;

use super::App;
use crate::dashboard::Pages;

/// Sign-in with GitHub (OAuth with the App's client id and secret) and the dashboard's
/// own address.
#[derive(Clone)]
pub struct WebSettings {
    /// GitHub's web address (`https://github.com`, or GitHub Enterprise Server's).
    pub github_url: String,
    /// GitHub's REST API, for the signed-in user's questions.
    pub api_url: String,
    /// Where people reach this server, for the OAuth redirect (no trailing slash).
    pub public_url: String,
    pub client_id: Option<String>,
    pub client_secret: Option<SecretString>,
    /// Sessions last this long, in seconds.
    pub session_seconds: i64,
    /// Send the session cookie only over HTTPS.
    pub secure_cookies: bool,
    /// Bearer token that `GET /metrics` requires; without one, `/metrics` is off.
    pub metrics_token: Option<SecretString>,
}

impl Default for WebSettings {
    fn default() -> Self {
        WebSettings {
            github_url: "https://github.com".into(),
            api_url: crate::github::DEFAULT_API_URL.into(),
            public_url: String::new(),
            client_id: None,
            client_secret: None,
            session_seconds: 12 * 3600,
            secure_cookies: false,
            metrics_token: None,
        }
    }
}

impl std::fmt::Debug for WebSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebSettings")
            .field("github_url", &self.github_url)
            .field("public_url", &self.public_url)
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "[redacted]"),
            )
            .finish_non_exhaustive()
    }
}

/// What the web handlers share.
#[derive(Clone)]
pub struct Web {
    pub app: App,
    pub pages: Arc<Pages>,
}

impl FromRef<Web> for App {
    fn from_ref(web: &Web) -> App {
        web.app.clone()
    }
}

/// The web routes, on the App's state. What a session or a token shows is never kept
/// by a shared cache: every answer that does not say otherwise is `private, no-store`
/// (public badges say `public`).
pub fn routes() -> Router<Web> {
    Router::new()
        .route("/", get(pages::index))
        .route("/login", get(login::start))
        .route("/login/callback", get(login::callback))
        .route("/logout", post(login::logout))
        .route("/orgs/{org}", get(pages::org))
        .route("/orgs/{org}/status", get(pages::status))
        .route("/orgs/{org}/repos/{repo}", get(pages::repo))
        .route("/api/v1/openapi.json", get(api::openapi))
        .route("/api/v1/orgs/{org}/coverage", get(api::coverage))
        .route("/api/v1/orgs/{org}/history", get(api::history))
        .route("/api/v1/orgs/{org}/repos/{repo}", get(api::repository))
        .route("/api/v1/orgs/{org}/security", get(security::org))
        .route(
            "/api/v1/orgs/{org}/repos/{repo}/security",
            get(security::repository),
        )
        .route("/badges/{org}/{badge}", get(badges::org))
        .route("/badges/{org}/{repo}/{badge}", get(badges::repository))
        .route("/metrics", get(api::metrics))
        .layer(SetResponseHeaderLayer::if_not_present(
            CACHE_CONTROL,
            HeaderValue::from_static("private, no-store"),
        ))
}
