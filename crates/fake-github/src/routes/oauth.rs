//! Signing in with GitHub as a GitHub App's user: the web flow's authorize page (which
//! approves at once for the user "signed in to the browser"), the code exchange, and the
//! two questions a user-to-server token answers here: `GET /user` and
//! `GET /user/installations` (the App's installations on accounts the user belongs to).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::super::http::{ApiError, ApiResult, json};
use super::super::{Inner, render};

const DOC_USER: &str = "https://docs.github.com/rest/users/users#get-the-authenticated-user";
const DOC_MEMBERSHIP: &str = "https://docs.github.com/rest/orgs/members#get-an-organization-membership-for-the-authenticated-user";

#[derive(Debug, Deserialize)]
pub struct Authorize {
    client_id: String,
    redirect_uri: String,
    state: Option<String>,
}

pub async fn authorize(
    State(inner): State<Arc<Inner>>,
    Query(query): Query<Authorize>,
) -> Response {
    let mut world = inner.world();
    let Some(app_id) = world
        .apps
        .values()
        .find(|app| app.client_id == query.client_id)
        .map(|app| app.id)
    else {
        return (StatusCode::NOT_FOUND, "unknown client_id").into_response();
    };
    let Some(login) = world.browser_user.clone() else {
        return (StatusCode::OK, "Sign in to GitHub to continue").into_response();
    };
    let code = uuid::Uuid::new_v4().simple().to_string()[..20].to_owned();
    world.oauth_codes.insert(code.clone(), (app_id, login));
    let separator = if query.redirect_uri.contains('?') {
        '&'
    } else {
        '?'
    };
    let mut location = format!("{}{separator}code={code}", query.redirect_uri);
    if let Some(state) = query.state {
        location.push_str(&format!("&state={state}"));
    }
    (StatusCode::FOUND, [(header::LOCATION, location)]).into_response()
}

/// `POST /login/oauth/access_token`: form or JSON with client_id, client_secret, code.
/// Errors come back as 200 with an `error` field, as GitHub answers them.
pub async fn access_token(State(inner): State<Arc<Inner>>, body: Bytes) -> Response {
    let fields: Value = serde_json::from_slice(&body).unwrap_or_else(|_| {
        let pairs: Vec<(String, String)> = serde_urlencoded_pairs(&String::from_utf8_lossy(&body));
        Value::Object(
            pairs
                .into_iter()
                .map(|(k, v)| (k, Value::String(v)))
                .collect(),
        )
    });
    let field = |name: &str| fields.get(name).and_then(Value::as_str).unwrap_or("");
    let mut world = inner.world();
    let app = world
        .apps
        .values()
        .find(|app| app.client_id == field("client_id"))
        .cloned();
    let Some(app) = app.filter(|app| app.client_secret == field("client_secret")) else {
        return json(
            StatusCode::OK,
            json!({"error": "incorrect_client_credentials", "error_description": "The client_id and/or client_secret passed are incorrect."}),
        );
    };
    match world.oauth_codes.remove(field("code")) {
        Some((code_app, login)) if code_app == app.id => {
            let token = format!("ghu_{}", uuid::Uuid::new_v4().simple());
            world.user_tokens.insert(token.clone(), (app.id, login));
            json(
                StatusCode::OK,
                json!({"access_token": token, "token_type": "bearer", "scope": ""}),
            )
        }
        _ => json(
            StatusCode::OK,
            json!({"error": "bad_verification_code", "error_description": "The code passed is incorrect or expired."}),
        ),
    }
}

fn serde_urlencoded_pairs(text: &str) -> Vec<(String, String)> {
    text.split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (decode(k), decode(v)))
        .collect()
}

fn decode(text: &str) -> String {
    let bytes = text.replace('+', " ").into_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%'
            && let Some(hex) = bytes.get(index + 1..index + 3)
            && let Ok(value) = u8::from_str_radix(&String::from_utf8_lossy(hex), 16)
        {
            out.push(value);
            index += 3;
            continue;
        }
        out.push(bytes[index]);
        index += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The user and app a user-to-server token stands for.
fn user_of(inner: &Inner, headers: &HeaderMap) -> Result<(u64, String), ApiError> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| {
            value
                .strip_prefix("Bearer ")
                .or_else(|| value.strip_prefix("token "))
        })
        .map(str::trim)
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                "Requires authentication",
                DOC_USER,
            )
        })?;
    inner
        .world()
        .user_tokens
        .get(token)
        .cloned()
        .ok_or_else(ApiError::bad_credentials)
}

pub async fn user(State(inner): State<Arc<Inner>>, headers: HeaderMap) -> ApiResult {
    let (_, login) = user_of(&inner, &headers)?;
    let world = inner.world();
    let account = world
        .account_by_login(&login)
        .ok_or_else(|| ApiError::not_found(DOC_USER))?;
    Ok(json(StatusCode::OK, render::user(&inner.base, account)))
}

/// `GET /user/memberships/orgs/{org}`: 200 with `state: active` for a member, 404
/// otherwise (as GitHub answers for a non-member).
pub async fn membership(
    State(inner): State<Arc<Inner>>,
    Path(org): Path<String>,
    headers: HeaderMap,
) -> ApiResult {
    let (_, login) = user_of(&inner, &headers)?;
    let world = inner.world();
    let member = world
        .members
        .get(&org.to_ascii_lowercase())
        .is_some_and(|members| members.contains(&login.to_ascii_lowercase()));
    let (Some(organization), Some(user), true) = (
        world.account_by_login(&org),
        world.account_by_login(&login),
        member,
    ) else {
        return Err(ApiError::not_found(DOC_MEMBERSHIP));
    };
    Ok(json(
        StatusCode::OK,
        json!({
            "url": format!("{}/orgs/{}/memberships/{}", inner.base, organization.login, user.login),
            "state": "active",
            "role": "member",
            "organization_url": format!("{}/orgs/{}", inner.base, organization.login),
            "organization": render::user(&inner.base, organization),
            "user": render::user(&inner.base, user),
        }),
    ))
}

pub async fn user_installations(State(inner): State<Arc<Inner>>, headers: HeaderMap) -> ApiResult {
    let (app_id, login) = user_of(&inner, &headers)?;
    let world = inner.world();
    let installations: Vec<Value> = world
        .installations
        .values()
        .filter(|installation| installation.app_id == app_id)
        .filter(|installation| {
            world
                .account(installation.account_id)
                .is_some_and(|account| {
                    let org = account.login.to_ascii_lowercase();
                    let user = login.to_ascii_lowercase();
                    account.login.eq_ignore_ascii_case(&login)
                        || [&world.members, &world.collaborators]
                            .iter()
                            .any(|people| people.get(&org).is_some_and(|set| set.contains(&user)))
                })
        })
        .map(|installation| render::installation(&world, &inner.base, installation))
        .collect();
    Ok(json(
        StatusCode::OK,
        json!({"total_count": installations.len(), "installations": installations}),
    ))
}
