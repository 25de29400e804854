//! Coverage badges for READMEs: an SVG, or the JSON of a shields.io endpoint badge. Public
//! only for an organisation that opted in; otherwise they need the same credentials as
//! the API, and answer 404 without them.

use axum::extract::{Path, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::Web;
use super::access::Viewer;
use crate::app::error::HttpError;
use crate::dashboard::{badge_svg, coverage_color};
use fullcover_core::metrics::OrgReport;

const LABEL: &str = "appsec coverage";

/// The report behind a badge, when the viewer (or anybody, for a public org) may see it.
/// Whether the report is public (the org opted in), which decides who may cache it.
async fn badge_report(
    web: &Web,
    viewer: &Viewer,
    org: &str,
) -> Result<(OrgReport, bool), HttpError> {
    let public = web.app.store().org_public(org).await?;
    if !public && !viewer.may_see(org) {
        return Err(HttpError::NotFound);
    }
    let report = super::api::report(&web.app, org)
        .await?
        .ok_or(HttpError::NotFound)?;
    Ok((report, public))
}

pub async fn org(
    State(web): State<Web>,
    viewer: Viewer,
    Path((org, badge)): Path<(String, String)>,
) -> Result<Response, HttpError> {
    let (report, public) = badge_report(&web, &viewer, &org).await?;
    let message = match report.coverage_percent {
        Some(percent) => format!(
            "{percent}% ({}/{} repos)",
            report.repos_fully_covered, report.repos_in_scope
        ),
        None => "no data".to_owned(),
    };
    render(
        &badge,
        &message,
        coverage_color(report.coverage_percent),
        public,
    )
}

pub async fn repository(
    State(web): State<Web>,
    viewer: Viewer,
    Path((org, repo, badge)): Path<(String, String, String)>,
) -> Result<Response, HttpError> {
    let public = web.app.store().org_public(&org).await?;
    if !public && !viewer.may_see(&org) {
        return Err(HttpError::NotFound);
    }
    let (_, line, _) = crate::app::reports::repo_line(&web.app, &org, &repo)
        .await?
        .filter(|(_, line, _)| !line.private || viewer.may_see(&org))
        .ok_or(HttpError::NotFound)?;
    let (message, percent) = match line.coverage_percent {
        Some(percent) => (
            format!(
                "{percent}% ({}/{})",
                line.requirements.satisfied, line.requirements.required
            ),
            Some(percent),
        ),
        None => ("no data".to_owned(), None),
    };
    render(
        &badge,
        &message,
        coverage_color(percent),
        public && !line.private,
    )
}

/// A public badge may be cached anywhere for five minutes; one shown on credentials is
/// the viewer's alone.
fn render(badge: &str, message: &str, color: &str, public: bool) -> Result<Response, HttpError> {
    let cache = if public {
        [(CACHE_CONTROL, "public, max-age=300")]
    } else {
        [(CACHE_CONTROL, "private, no-store")]
    };
    match badge {
        "coverage.svg" => Ok((
            cache,
            [(CONTENT_TYPE, "image/svg+xml")],
            badge_svg(LABEL, message, color),
        )
            .into_response()),
        "coverage.json" => Ok((
            cache,
            axum::Json(json!({
                "schemaVersion": 1,
                "label": LABEL,
                "message": message,
                "color": color,
                "cacheSeconds": 300,
            })),
        )
            .into_response()),
        _ => Err(HttpError::NotFound),
    }
}
