//! The axum router and the gate every request passes: faults, authentication, primary and
//! secondary rate limits, conditional requests (ETag/304), GitHub's headers, request log.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use sha2::{Digest, Sha256};

use super::faults::Fault;
use super::http::{ApiError, DOC_ROOT};
use super::limits::{Bucket, Quota};
use super::state::Token;
use super::{Inner, LoggedRequest, auth, routes};

/// Who is calling.
#[derive(Debug, Clone)]
pub enum Caller {
    Anonymous,
    App(u64),
    Installation { id: u64, token: Token },
}

impl Caller {
    fn bucket(&self) -> Bucket {
        match self {
            Caller::Anonymous => Bucket::Anonymous,
            Caller::App(id) => Bucket::App(*id),
            Caller::Installation { id, .. } => Bucket::Installation(*id),
        }
    }

    pub fn installation_id(&self) -> Option<u64> {
        match self {
            Caller::Installation { id, .. } => Some(*id),
            _ => None,
        }
    }
}

pub fn router(inner: Arc<Inner>) -> Router {
    let routes = Router::new()
        .route("/rate_limit", get(routes::apps::rate_limit))
        .route("/app", get(routes::apps::get_app))
        .route("/app/installations", get(routes::apps::list_installations))
        .route(
            "/app/installations/{installation_id}",
            get(routes::apps::get_installation),
        )
        .route(
            "/app/installations/{installation_id}/access_tokens",
            post(routes::apps::create_token),
        )
        .route(
            "/app-manifests/{code}/conversions",
            post(routes::manifest::convert),
        )
        .route("/settings/apps/new", post(routes::manifest::new_user_app))
        .route("/login/oauth/authorize", get(routes::oauth::authorize))
        .route(
            "/login/oauth/access_token",
            post(routes::oauth::access_token),
        )
        .route(
            "/user/memberships/orgs/{org}",
            get(routes::oauth::membership),
        )
        .route("/user", get(routes::oauth::user))
        .route(
            "/user/installations",
            get(routes::oauth::user_installations),
        )
        .route(
            "/organizations/{org}/settings/apps/new",
            post(routes::manifest::new_org_app),
        )
        .route(
            "/installation/repositories",
            get(routes::apps::installation_repositories),
        )
        .route("/repos/{owner}/{repo}", get(routes::repos::get_repo))
        .route(
            "/repos/{owner}/{repo}/installation",
            get(routes::apps::repo_installation),
        )
        .route(
            "/orgs/{org}/installation",
            get(routes::apps::account_installation),
        )
        .route(
            "/users/{username}/installation",
            get(routes::apps::account_installation),
        )
        .route(
            "/repos/{owner}/{repo}/git/ref/{*ref}",
            get(routes::git::get_ref),
        )
        .route(
            "/repos/{owner}/{repo}/git/refs",
            post(routes::git::create_ref),
        )
        .route(
            "/repos/{owner}/{repo}/git/refs/{*ref}",
            axum::routing::patch(routes::git::update_ref).delete(routes::git::delete_ref),
        )
        .route(
            "/repos/{owner}/{repo}/git/commits",
            post(routes::git::create_commit),
        )
        .route(
            "/repos/{owner}/{repo}/git/commits/{commit_sha}",
            get(routes::git::get_commit),
        )
        .route(
            "/repos/{owner}/{repo}/git/trees",
            post(routes::git::create_tree),
        )
        .route(
            "/repos/{owner}/{repo}/git/trees/{tree_sha}",
            get(routes::git::get_tree),
        )
        .route(
            "/repos/{owner}/{repo}/git/blobs",
            post(routes::git::create_blob),
        )
        .route(
            "/repos/{owner}/{repo}/git/blobs/{file_sha}",
            get(routes::git::get_blob),
        )
        .route(
            "/repos/{owner}/{repo}/pulls",
            get(routes::pulls::list).post(routes::pulls::create),
        )
        .route(
            "/repos/{owner}/{repo}/pulls/{pull_number}",
            get(routes::pulls::get).patch(routes::pulls::update),
        )
        .route(
            "/repos/{owner}/{repo}/pulls/{pull_number}/commits",
            get(routes::pull_commits::list),
        )
        .route(
            "/repos/{owner}/{repo}/issues/{issue_number}/labels",
            post(routes::pulls::add_labels),
        )
        .route(
            "/repos/{owner}/{repo}/commits/{ref}/check-runs",
            get(routes::repos::check_runs),
        )
        .route(
            "/repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs",
            get(routes::actions::workflow_runs),
        );
    alert_routes(routes)
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(inner.clone(), gate))
        .with_state(inner)
}

/// The security alert endpoints (code scanning, Dependabot, secret scanning).
fn alert_routes(routes: Router<Arc<Inner>>) -> Router<Arc<Inner>> {
    routes
        .route(
            "/orgs/{org}/code-scanning/alerts",
            get(routes::alerts::org_code),
        )
        .route(
            "/orgs/{org}/dependabot/alerts",
            get(routes::alerts::org_dependabot),
        )
        .route(
            "/orgs/{org}/secret-scanning/alerts",
            get(routes::alerts::org_secret),
        )
        .route(
            "/repos/{owner}/{repo}/code-scanning/alerts",
            get(routes::alerts::list_code),
        )
        .route(
            "/repos/{owner}/{repo}/code-scanning/alerts/{alert_number}",
            get(routes::alerts::get_code),
        )
        .route(
            "/repos/{owner}/{repo}/code-scanning/default-setup",
            get(routes::alerts::default_setup),
        )
        .route(
            "/repos/{owner}/{repo}/code-scanning/analyses",
            get(routes::alerts::list_analyses),
        )
        .route(
            "/repos/{owner}/{repo}/dependabot/alerts",
            get(routes::alerts::list_dependabot),
        )
        .route(
            "/repos/{owner}/{repo}/dependabot/alerts/{alert_number}",
            get(routes::alerts::get_dependabot),
        )
        .route(
            "/repos/{owner}/{repo}/secret-scanning/alerts",
            get(routes::alerts::list_secret),
        )
        .route(
            "/repos/{owner}/{repo}/secret-scanning/alerts/{alert_number}",
            get(routes::alerts::get_secret),
        )
        .route(
            "/repos/{owner}/{repo}/secret-scanning/alerts/{alert_number}/locations",
            get(routes::alerts::secret_locations),
        )
}

async fn not_found() -> Response {
    ApiError::not_found(DOC_ROOT).into_response()
}

/// Routes that are not part of the REST API or do not count against the primary limit.
fn counts(route: &str) -> bool {
    !(route.ends_with("/rate_limit")
        || route.contains("/settings/apps/new")
        || route.contains("/login/oauth/"))
}

fn is_write(method: &Method) -> bool {
    matches!(
        *method,
        Method::POST | Method::PATCH | Method::PUT | Method::DELETE
    )
}

fn request_id() -> String {
    format!(
        "{:04X}:{:04X}:{:06X}:{:07X}:{:08X}",
        fastrand::u16(..),
        fastrand::u16(..),
        fastrand::u32(..0xFF_FFFF),
        fastrand::u32(..0xFFF_FFFF),
        fastrand::u32(..)
    )
}

/// Resolves the `Authorization` header; a bad credential is refused here, whatever the route.
fn authenticate(inner: &Inner, headers: &HeaderMap) -> Result<Caller, ApiError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(Caller::Anonymous);
    };
    let value = value.to_str().map_err(|_| ApiError::bad_credentials())?;
    let credential = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .or_else(|| value.strip_prefix("token "))
        .ok_or_else(ApiError::bad_credentials)?
        .trim();
    if credential.matches('.').count() == 2 && !credential.starts_with("ghs_") {
        let issuer = auth::unverified_issuer(credential)
            .map_err(|e| ApiError::new(StatusCode::UNAUTHORIZED, e.0, DOC_ROOT))?;
        let world = inner.world();
        let app = world
            .apps
            .values()
            .find(|a| a.id.to_string() == issuer || a.client_id == issuer)
            .ok_or_else(|| {
                ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "'Issuer' claim ('iss') must be an Integer",
                    DOC_ROOT,
                )
            })?;
        auth::verify_jwt(
            credential,
            &app.public_key_der,
            chrono::Utc::now().timestamp(),
        )
        .map_err(|e| ApiError::new(StatusCode::UNAUTHORIZED, e.0, DOC_ROOT))?;
        return Ok(Caller::App(app.id));
    }
    let world = inner.world();
    if world.user_tokens.contains_key(credential) {
        // A user-to-server token: the user routes check it themselves.
        return Ok(Caller::Anonymous);
    }
    let token = world
        .tokens
        .get(credential)
        .filter(|t| t.expires_at > chrono::Utc::now())
        .ok_or_else(ApiError::bad_credentials)?;
    let installation = world
        .installations
        .get(&token.installation_id)
        .ok_or_else(ApiError::bad_credentials)?;
    if installation.suspended_at.is_some() {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "This installation has been suspended",
            DOC_ROOT,
        ));
    }
    Ok(Caller::Installation {
        id: token.installation_id,
        token: token.clone(),
    })
}

fn secondary_limit_error(status: StatusCode, retry_after: u64, request_id: &str) -> Response {
    ApiError::new(
        status,
        format!(
            "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID {request_id}."
        ),
        "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits",
    )
    .header("retry-after", retry_after.to_string())
    .into_response()
}

fn server_error(status: u16) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let message = match status.as_u16() {
        502 => "Server Error",
        503 => "Service Unavailable",
        _ => "Internal Server Error",
    };
    ApiError::new(status, message, DOC_ROOT).into_response()
}

async fn gate(State(inner): State<Arc<Inner>>, mut req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let template = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| {
            let matched = m.as_str();
            let unprefixed = matched
                .strip_prefix(inner.options.api_prefix.as_str())
                .filter(|rest| rest.starts_with('/'))
                .unwrap_or(matched);
            unprefixed.replace("{*", "{")
        })
        .unwrap_or_else(|| "(unmatched)".to_string());
    let route = format!("{method} {template}");
    let request_id = request_id();
    let api_version = req
        .headers()
        .get("x-github-api-version")
        .and_then(|v| v.to_str().ok())
        .filter(|v| *v == "2022-11-28" || *v == "2026-03-10")
        .unwrap_or("2022-11-28")
        .to_string();
    let if_none_match = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);

    let (latency, fault) = {
        let mut plan = inner.faults();
        (plan.latency(), plan.draw())
    };
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }

    let mut log = LoggedRequest {
        method: method.to_string(),
        route: route.clone(),
        path: path.clone(),
        status: 0,
        installation_id: None,
        counted: false,
    };

    if fault == Some(Fault::Drop) {
        inner.world().requests.push(log);
        // Unwinding (without the panic hook, so nothing is printed) ends the connection task:
        // the client sees the connection closed without a response, as with a network fault.
        std::panic::resume_unwind(Box::new("fake GitHub: dropped connection"));
    }

    let caller = authenticate(&inner, req.headers());
    let bucket = caller
        .as_ref()
        .map(Caller::bucket)
        .unwrap_or(Bucket::Anonymous);
    log.installation_id = caller.as_ref().ok().and_then(Caller::installation_id);
    let counted_route = counts(&template);

    let mut response = match caller {
        Err(error) => error.into_response(),
        Ok(caller) => {
            let quota = inner.limiter().quota(bucket);
            if counted_route && quota.remaining() == 0 {
                primary_exhausted(&caller, &request_id)
            } else if let Some(Fault::ServerError(status)) = fault {
                server_error(status)
            } else if let Some(Fault::SecondaryLimit(status)) = fault {
                let status = StatusCode::from_u16(status).unwrap_or(StatusCode::FORBIDDEN);
                let retry_after = inner.limiter().secondary_retry_after();
                secondary_limit_error(status, retry_after, &request_id)
            } else {
                let throttled = match (&caller, is_write(&method)) {
                    (Caller::Installation { id, .. }, true) => {
                        inner.limiter().check_write(*id).err()
                    }
                    _ => None,
                };
                match throttled {
                    Some(t) => {
                        secondary_limit_error(StatusCode::FORBIDDEN, t.retry_after, &request_id)
                    }
                    None => {
                        req.extensions_mut().insert(caller);
                        next.run(req).await
                    }
                }
            }
        }
    };

    if method == Method::GET && response.status() == StatusCode::OK {
        response = conditional(response, if_none_match.as_deref()).await;
    }

    let status = response.status();
    let counted = counted_route && status != StatusCode::NOT_MODIFIED && status.as_u16() < 500;
    let quota = {
        let mut limiter = inner.limiter();
        if counted {
            limiter.count(bucket)
        } else {
            limiter.quota(bucket)
        }
    };
    add_headers(&mut response, quota, &request_id, &api_version);
    log.status = status.as_u16();
    log.counted = counted;
    inner.world().requests.push(log);
    response
}

fn primary_exhausted(caller: &Caller, request_id: &str) -> Response {
    let who = match caller {
        Caller::Installation { id, .. } => format!("installation ID {id}"),
        Caller::App(id) => format!("app ID {id}"),
        Caller::Anonymous => "127.0.0.1".to_string(),
    };
    ApiError::new(
        StatusCode::FORBIDDEN,
        format!(
            "API rate limit exceeded for {who}. If you reach out to GitHub Support for help, please include the request ID {request_id}."
        ),
        "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
    )
    .into_response()
}

/// Adds a weak ETag to a 200 and answers 304 when the client already has it.
async fn conditional(response: Response, if_none_match: Option<&str>) -> Response {
    let strip = |t: &str| t.trim().trim_start_matches("W/").to_string();
    // A handler that names its own ETag (a streamed raw blob) is not read here.
    if let Some(etag) = response
        .headers()
        .get(header::ETAG)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
    {
        let matches = if_none_match.is_some_and(|header| {
            header
                .split(',')
                .any(|t| t.trim() == "*" || strip(t) == strip(&etag))
        });
        if matches {
            let (mut parts, _) = response.into_parts();
            parts.status = StatusCode::NOT_MODIFIED;
            parts.headers.remove(header::CONTENT_LENGTH);
            return Response::from_parts(parts, Body::empty());
        }
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return server_error(500);
    };
    let etag = format!("W/\"{}\"", hex::encode(Sha256::digest(&bytes)));
    let matches = if_none_match.is_some_and(|header| {
        header
            .split(',')
            .any(|t| t.trim() == "*" || strip(t) == strip(&etag))
    });
    if let Ok(value) = HeaderValue::from_str(&etag) {
        parts.headers.insert(header::ETAG, value);
    }
    parts.headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=60, s-maxage=60"),
    );
    if matches {
        parts.status = StatusCode::NOT_MODIFIED;
        parts.headers.remove(header::CONTENT_LENGTH);
        return Response::from_parts(parts, Body::empty());
    }
    Response::from_parts(parts, Body::from(bytes))
}

fn add_headers(response: &mut Response, quota: Quota, request_id: &str, api_version: &str) {
    let headers = response.headers_mut();
    let mut put = |name: &'static str, value: String| {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    };
    put("x-ratelimit-limit", quota.limit.to_string());
    put("x-ratelimit-remaining", quota.remaining().to_string());
    put("x-ratelimit-used", quota.used.to_string());
    put("x-ratelimit-reset", quota.reset.to_string());
    put("x-ratelimit-resource", "core".to_string());
    put("x-github-request-id", request_id.to_string());
    put("x-github-api-version-selected", api_version.to_string());
    put("x-github-media-type", "github.v3; format=json".to_string());
}
