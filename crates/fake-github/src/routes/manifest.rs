//! The manifest flow: the browser form that creates an app from a manifest and redirects
//! with a one-time code, and `POST /app-manifests/{code}/conversions`.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::super::http::{ApiError, ApiResult, json};
use super::super::state::AccountKind;
use super::super::{Inner, control, render};

const DOC_CONVERT: &str =
    "https://docs.github.com/rest/apps/apps#create-a-github-app-from-a-manifest";
/// The person who "clicks" Create GitHub App on the personal settings page.
const BROWSER_USER: &str = "fake-user";
/// Codes expire after an hour.
const CODE_TTL: Duration = Duration::from_secs(3600);

pub async fn convert(State(inner): State<Arc<Inner>>, Path(code): Path<String>) -> ApiResult {
    let mut world = inner.world();
    let entry = world
        .manifest_codes
        .remove(&code)
        .filter(|c| c.created.elapsed() < CODE_TTL)
        .ok_or_else(|| ApiError::not_found(DOC_CONVERT))?;
    let app = world
        .apps
        .get(&entry.app_id)
        .ok_or_else(|| ApiError::not_found(DOC_CONVERT))?;
    let mut out = render::integration(&world, &inner.base, app);
    out["client_id"] = json!(app.client_id);
    out["client_secret"] = json!(app.client_secret);
    out["webhook_secret"] = json!(app.webhook_secret);
    out["pem"] = json!(app.private_key_pem);
    Ok(json(StatusCode::CREATED, out))
}

pub async fn new_user_app(
    State(inner): State<Arc<Inner>>,
    Query(query): Query<HashMap<String, String>>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let owner = inner
        .world()
        .ensure_account(BROWSER_USER, AccountKind::User);
    create_from_form(&inner, owner, &query, &form)
}

pub async fn new_org_app(
    State(inner): State<Arc<Inner>>,
    Path(org): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let owner = inner
        .world()
        .ensure_account(&org, AccountKind::Organization);
    create_from_form(&inner, owner, &query, &form)
}

fn create_from_form(
    inner: &Inner,
    owner_id: u64,
    query: &HashMap<String, String>,
    form: &HashMap<String, String>,
) -> Response {
    let manifest: Value = match form.get("manifest").map(|m| serde_json::from_str(m)) {
        Some(Ok(value)) => value,
        _ => {
            return ApiError::new(
                StatusCode::BAD_REQUEST,
                "Invalid GitHub App manifest",
                DOC_CONVERT,
            )
            .into_response();
        }
    };
    let code = match control::apps::app_from_manifest(inner, owner_id, &manifest) {
        Ok(code) => code,
        Err(error) => {
            return ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                error.to_string(),
                DOC_CONVERT,
            )
            .into_response();
        }
    };
    let Some(redirect) = manifest.get("redirect_url").and_then(Value::as_str) else {
        return json(StatusCode::OK, json!({"code": code}));
    };
    let separator = if redirect.contains('?') { '&' } else { '?' };
    let mut location = format!("{redirect}{separator}code={code}");
    if let Some(state) = query.get("state") {
        location.push_str(&format!("&state={}", urlencode(state)));
    }
    let mut response = StatusCode::FOUND.into_response();
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
