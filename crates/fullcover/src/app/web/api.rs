//! `/api/v1`: the numbers of the dashboard as JSON, described by the OpenAPI document at
//! `/api/v1/openapi.json`; and `/metrics` for Prometheus.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::Web;
use super::access::Viewer;
pub use super::listing::ListParams;
use crate::app::App;
use crate::app::deliver::WRITES_PER_PULL_REQUEST;
use crate::app::error::HttpError;
use crate::app::reports::{self, OrgPage};
use crate::github::limits::Pacing;
use crate::store::now;
use crate::store::rollups::RepoQuery;
use fullcover_core::metrics::OrgReport;
use fullcover_core::metrics::queue::{self, QueueEstimate};

/// The OpenAPI description of this API.
pub const OPENAPI: &str = include_str!("openapi.json");

/// Whether the viewer may see `org`'s reports: 401 without credentials, 404 when the
/// organisation is not theirs (whether or not it exists).
pub fn check_visible(viewer: &Viewer, org: &str) -> Result<(), HttpError> {
    if *viewer == Viewer::Anonymous {
        return Err(HttpError::Unauthorized(
            "sign in, or send an API token as `Authorization: Bearer <token>`",
        ));
    }
    if !viewer.may_see(org) {
        return Err(HttpError::NotFound);
    }
    Ok(())
}

/// The organisation's report with the page of repositories `query` asks for, if it
/// exists and the viewer may see it.
pub async fn visible_page(
    app: &App,
    viewer: &Viewer,
    org: &str,
    query: &RepoQuery,
) -> Result<OrgPage, HttpError> {
    check_visible(viewer, org)?;
    reports::org_page(app, org, query)
        .await?
        .ok_or(HttpError::NotFound)
}

/// The organisation's numbers without repository lines.
pub async fn report(app: &App, org: &str) -> Result<Option<OrgReport>, HttpError> {
    Ok(reports::org_numbers(app, org).await?)
}

/// The repositories of `org` waiting for their onboarding pull request (one COUNT) and
/// how long they take at GitHub's own limits: the writes a pull request costs, paced as
/// GitHub allows (not as the App is configured, which tests and benchmarks speed up).
pub async fn onboarding_queue(app: &App, org: &str) -> Result<QueueEstimate, HttpError> {
    let waiting = app.store().onboarding_queue_length(org).await?;
    Ok(queue::estimate(
        waiting,
        WRITES_PER_PULL_REQUEST,
        &Pacing::default().write_limits(),
    ))
}

/// The coverage report: every aggregate, and one page of repositories (`?page`,
/// `?per_page`, `?state`, `?missing`, `?q`, `?sort`).
pub async fn coverage(
    State(web): State<Web>,
    viewer: Viewer,
    Path(org): Path<String>,
    Query(params): Query<ListParams>,
) -> Result<Json<Value>, HttpError> {
    let query = params.query()?;
    let OrgPage { report, pagination } = visible_page(&web.app, &viewer, &org, &query).await?;
    let mut body = to_json(&report)?;
    if let Some(object) = body.as_object_mut() {
        object.insert("pagination".into(), to_json(&pagination)?);
        let queue = onboarding_queue(&web.app, &report.org).await?;
        object.insert("onboarding_queue".into(), to_json(&queue)?);
    }
    Ok(Json(body))
}

fn to_json(value: &impl serde::Serialize) -> Result<Value, HttpError> {
    serde_json::to_value(value).map_err(|err| HttpError::Internal(err.into()))
}

pub async fn history(
    State(web): State<Web>,
    viewer: Viewer,
    Path(org): Path<String>,
) -> Result<Json<Value>, HttpError> {
    check_visible(&viewer, &org)?;
    let report = report(&web.app, &org).await?.ok_or(HttpError::NotFound)?;
    Ok(Json(json!({
        "org": report.org,
        "generated_at": report.generated_at,
        "history": report.history,
        "incidents": report.incidents,
        "funnel": report.funnel,
        "time_to_full_coverage_distribution": report.time_to_full_coverage_distribution,
    })))
}

pub async fn repository(
    State(web): State<Web>,
    viewer: Viewer,
    Path((org, repo)): Path<(String, String)>,
) -> Result<Json<Value>, HttpError> {
    check_visible(&viewer, &org)?;
    let (id, summary, _) = reports::repo_line(&web.app, &org, &repo)
        .await?
        .ok_or(HttpError::NotFound)?;
    let detail = web
        .app
        .store()
        .repo_detail(id, now())
        .await?
        .ok_or(HttpError::NotFound)?;
    let mut body = to_json(&summary)?;
    if let Some(object) = body.as_object_mut() {
        object.insert("org".into(), Value::String(org.clone()));
        object.insert("scan".into(), to_json(&detail.report)?);
        object.insert(
            "requirement_events".into(),
            detail
                .requirement_events
                .iter()
                .map(|(requirement, event, at)| json!({"requirement": requirement, "event": event, "at": at}))
                .collect(),
        );
        object.insert("pull_requests".into(), to_json(&detail.history.pulls)?);
    }
    Ok(Json(body))
}

pub async fn openapi() -> Response {
    ([(CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

/// Prometheus' scrape: it names organisations and their coverage, so it needs its own
/// token (`FULLCOVER_METRICS_TOKEN`), compared in constant time; without one it is off.
pub async fn metrics(State(web): State<Web>, headers: HeaderMap) -> Result<Response, HttpError> {
    use secrecy::ExposeSecret;
    use subtle::ConstantTimeEq;
    let Some(expected) = &web.app.behaviour().web.metrics_token else {
        return Err(HttpError::NotFound);
    };
    let given = headers
        .get(AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .unwrap_or("");
    let matches: bool = crate::store::digest(given)
        .as_bytes()
        .ct_eq(crate::store::digest(expected.expose_secret()).as_bytes())
        .into();
    if !matches {
        return Err(HttpError::Unauthorized("/metrics needs its bearer token"));
    }
    let text = super::super::telemetry::render(&web.app)
        .await
        .map_err(HttpError::Internal)?;
    Ok((
        [(
            CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        text,
    )
        .into_response())
}
