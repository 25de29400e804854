//! Sign in with GitHub: the OAuth web flow with the App's client id and secret. GitHub
//! says who the person is and which of the App's installations they can reach; the
//! session grants exactly those organisations. The user's GitHub token is used for those
//! two questions and then dropped.

use axum::extract::{Query, State};
use axum::http::header::{LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use secrecy::ExposeSecret;
use serde::Deserialize;
use serde_json::Value;

use super::Web;
use super::access::SESSION_COOKIE;
use crate::app::error::HttpError;

const STATE_COOKIE: &str = "fullcover_oauth_state";

fn redirect(to: &str, cookies: &[String]) -> Response {
    let mut headers = HeaderMap::new();
    if let Ok(value) = to.parse() {
        headers.insert(LOCATION, value);
    }
    for cookie in cookies {
        if let Ok(value) = cookie.parse() {
            headers.append(SET_COOKIE, value);
        }
    }
    (StatusCode::SEE_OTHER, headers).into_response()
}

fn cookie(web: &Web, name: &str, value: &str, path: &str, max_age: i64) -> String {
    let secure = if web.app.behaviour().web.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    format!("{name}={value}; Path={path}; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}")
}

fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(byte).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// Where GitHub sends the browser back: under the configured public address, or else
/// the host the browser used.
fn callback_url(web: &Web, headers: &HeaderMap) -> String {
    let configured = web.app.behaviour().web.public_url.trim_end_matches('/');
    if !configured.is_empty() {
        return format!("{configured}/login/callback");
    }
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("localhost");
    format!("http://{host}/login/callback")
}

pub async fn start(State(web): State<Web>, headers: HeaderMap) -> Result<Response, HttpError> {
    let settings = &web.app.behaviour().web;
    let Some(client_id) = &settings.client_id else {
        let html = web
            .pages
            .message(
                "Sign-in is not configured",
                "Set FULLCOVER_CLIENT_ID and FULLCOVER_CLIENT_SECRET (from `fullcover setup`) to sign in with GitHub.",
            )
            .map_err(|err| HttpError::Internal(err.into()))?;
        return Ok((StatusCode::SERVICE_UNAVAILABLE, axum::response::Html(html)).into_response());
    };
    let state = uuid::Uuid::new_v4().simple().to_string();
    let url = format!(
        "{}/login/oauth/authorize?client_id={}&redirect_uri={}&state={state}",
        settings.github_url.trim_end_matches('/'),
        percent_encode(client_id),
        percent_encode(&callback_url(&web, &headers)),
    );
    Ok(redirect(
        &url,
        &[cookie(&web, STATE_COOKIE, &state, "/login", 600)],
    ))
}

#[derive(Debug, Deserialize)]
pub struct Callback {
    code: Option<String>,
    state: Option<String>,
}

pub async fn callback(
    State(web): State<Web>,
    headers: HeaderMap,
    Query(query): Query<Callback>,
) -> Result<Response, HttpError> {
    let expected = super::access::cookie(&headers, STATE_COOKIE);
    let (Some(code), Some(state)) = (query.code, query.state) else {
        return Err(HttpError::BadRequest("GitHub sent no code".into()));
    };
    if expected != Some(state.as_str()) {
        return Err(HttpError::BadRequest(
            "the sign-in does not match this browser's: start again at /login".into(),
        ));
    }
    let (login, orgs) = identify(&web, &code, &callback_url(&web, &headers))
        .await
        .map_err(|err| {
            HttpError::BadRequest(format!("GitHub did not confirm the sign-in: {err:#}"))
        })?;
    let settings = &web.app.behaviour().web;
    let session = web
        .app
        .store()
        .create_session(&login, &orgs, settings.session_seconds)
        .await?;
    tracing::info!(login, orgs = orgs.len(), "signed in");
    Ok(redirect(
        "/",
        &[
            cookie(
                &web,
                SESSION_COOKIE,
                &session,
                "/",
                settings.session_seconds,
            ),
            cookie(&web, STATE_COOKIE, "", "/login", 0),
        ],
    ))
}

/// Trades the code for a user token, then asks GitHub who the user is and which of the
/// App's installations they can reach.
async fn identify(web: &Web, code: &str, callback: &str) -> anyhow::Result<(String, Vec<String>)> {
    let settings = &web.app.behaviour().web;
    let (Some(client_id), Some(client_secret)) = (&settings.client_id, &settings.client_secret)
    else {
        anyhow::bail!("sign-in is not configured");
    };
    let http = reqwest::Client::new();
    let exchanged: Value = http
        .post(format!(
            "{}/login/oauth/access_token",
            settings.github_url.trim_end_matches('/')
        ))
        .header("accept", "application/json")
        .header("user-agent", "fullcover")
        .form(&[
            ("client_id", client_id.as_str()),
            ("client_secret", client_secret.expose_secret()),
            ("code", code),
            ("redirect_uri", callback),
        ])
        .send()
        .await?
        .json()
        .await?;
    let Some(token) = exchanged.get("access_token").and_then(Value::as_str) else {
        let error = exchanged
            .get("error_description")
            .or_else(|| exchanged.get("error"))
            .and_then(Value::as_str)
            .unwrap_or("no access token");
        anyhow::bail!("{error}");
    };
    let api = settings.api_url.trim_end_matches('/');
    let get = |path: String| {
        http.get(format!("{api}{path}"))
            .bearer_auth(token)
            .header("accept", "application/vnd.github+json")
            .header("user-agent", "fullcover")
            .header("x-github-api-version", "2022-11-28")
            .send()
    };
    let user: Value = get("/user".into())
        .await?
        .error_for_status()?
        .json()
        .await?;
    let login = user
        .get("login")
        .and_then(Value::as_str)
        .ok_or_else(|| anyhow::anyhow!("GET /user gave no login"))?
        .to_owned();
    let mut orgs = Vec::new();
    for page in 1..=50 {
        let answer: Value = get(format!("/user/installations?per_page=100&page={page}"))
            .await?
            .error_for_status()?
            .json()
            .await?;
        let installations = answer
            .get("installations")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        // An installation lists for anyone who reaches one of its repositories; only
        // members (or the account itself) see the organisation's coverage.
        for installation in &installations {
            let (Some(account), kind) = (
                installation
                    .pointer("/account/login")
                    .and_then(Value::as_str),
                installation
                    .pointer("/account/type")
                    .and_then(Value::as_str),
            ) else {
                continue;
            };
            let allowed = if kind == Some("Organization") {
                let answer = get(format!("/user/memberships/orgs/{account}")).await?;
                answer.status().is_success()
                    && answer
                        .json::<Value>()
                        .await
                        .ok()
                        .and_then(|membership| membership.get("state").cloned())
                        == Some(Value::String("active".into()))
            } else {
                account.eq_ignore_ascii_case(&login)
            };
            if allowed {
                orgs.push(account.to_owned());
            }
        }
        if installations.len() < 100 {
            break;
        }
    }
    Ok((login, orgs))
}

pub async fn logout(State(web): State<Web>, headers: HeaderMap) -> Result<Response, HttpError> {
    if let Some(session) = super::access::cookie(&headers, SESSION_COOKIE) {
        web.app.store().end_session(session).await?;
    }
    Ok(redirect("/", &[cookie(&web, SESSION_COOKIE, "", "/", 0)]))
}
