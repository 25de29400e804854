//! Sign in with GitHub: the OAuth web flow with the App's client id and secret. GitHub
//! says who the person is and which of the App's installations they can reach; the
//! session grants exactly those organisations. The user's GitHub token is used for those
//! two questions and then dropped. Requests go through the GitHub layer.

use axum::extract::{Query, State};
use axum::http::header::{LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use http::Method;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::{Value, json};

use super::Web;
use super::access::SESSION_COOKIE;
use crate::app::error::HttpError;
use crate::github::{self, Actor, ClientOptions, GitHubClient};

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

/// Percent-encodes everything but RFC 3986's unreserved characters.
pub(crate) fn percent_encode(text: &str) -> String {
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
/// App's installations they can reach. Every request goes through the GitHub layer: its
/// error bodies, retries, timeouts and the configured hosts (GitHub Enterprise Server too).
async fn identify(web: &Web, code: &str, callback: &str) -> anyhow::Result<(String, Vec<String>)> {
    let settings = &web.app.behaviour().web;
    let (Some(client_id), Some(client_secret)) = (&settings.client_id, &settings.client_secret)
    else {
        anyhow::bail!("sign-in is not configured");
    };
    let web_host = github::client(&settings.github_url, Actor::Anonymous, None, options())?;
    let exchanged = web_host
        .write_accepting(
            Method::POST,
            "/login/oauth/access_token",
            &json!({
                "client_id": client_id,
                "client_secret": client_secret.expose_secret(),
                "code": code,
                "redirect_uri": callback,
            }),
            "application/json",
        )
        .await?;
    let Some(token) = exchanged.get("access_token").and_then(Value::as_str) else {
        let error = exchanged
            .get("error_description")
            .or_else(|| exchanged.get("error"))
            .and_then(Value::as_str)
            .unwrap_or("no access token");
        anyhow::bail!("{error}");
    };
    let token = SecretString::from(token.to_owned());
    let user = github::client(&settings.api_url, Actor::User, Some(&token), options())?;
    let (me, _) = user.get_json("/user").await?;
    let login = me
        .get("login")
        .and_then(Value::as_str)
        .ok_or_else(|| anyhow::anyhow!("GET /user gave no login"))?
        .to_owned();
    let mut orgs = Vec::new();
    for page in 1..=50 {
        let (answer, _) = user
            .get_json(&format!("/user/installations?per_page=100&page={page}"))
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
                is_active_member(&user, account).await?
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

/// Whether the signed-in user is an active member of `org`: GitHub answers 404 (or 403)
/// to anyone else.
async fn is_active_member(user: &GitHubClient, org: &str) -> anyhow::Result<bool> {
    match user
        .get_json(&format!("/user/memberships/orgs/{org}"))
        .await
    {
        Ok((membership, _)) => {
            Ok(membership.get("state").and_then(Value::as_str) == Some("active"))
        }
        Err(err) if err.status().is_some_and(|status| status.is_client_error()) => Ok(false),
        Err(err) => Err(err.into()),
    }
}

/// A person waits for sign-in: retry briefly, and give up rather than wait out a
/// rate limit.
fn options() -> ClientOptions {
    ClientOptions {
        max_attempts: 3,
        max_pause: std::time::Duration::ZERO,
        ..ClientOptions::default()
    }
}

/// The log-out form: the session's CSRF token, which the session's pages carry.
#[derive(Debug, Deserialize)]
pub struct LogoutForm {
    #[serde(default)]
    csrf: String,
}

/// `POST /logout`: ends the session when the form carries its CSRF token, so another
/// site cannot sign a person out.
pub async fn logout(
    State(web): State<Web>,
    headers: HeaderMap,
    axum::Form(form): axum::Form<LogoutForm>,
) -> Result<Response, HttpError> {
    if let Some(session) = super::access::cookie(&headers, SESSION_COOKIE) {
        let expected = super::access::csrf_token(session);
        if !bool::from(subtle::ConstantTimeEq::ct_eq(
            expected.as_bytes(),
            form.csrf.as_bytes(),
        )) {
            return Err(HttpError::Forbidden(
                "the log-out form does not carry this session's token",
            ));
        }
        web.app.store().end_session(session).await?;
    }
    Ok(redirect("/", &[cookie(&web, SESSION_COOKIE, "", "/", 0)]))
}
