//! The dashboard's pages, rendered on the server from `templates/dashboard/`.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use std::collections::{BTreeMap, BTreeSet};

use crate::store::now;

use super::Web;
use super::access::Viewer;
use super::listing::ListParams;
use super::security::{self, SecurityView};
use crate::app::error::HttpError;
use crate::app::reports::{self, OrgPage};
use crate::dashboard::{DashboardError, Listing, Security};
use crate::store::StoreError;
use crate::store::rollups::RepoSort;

/// The security outcomes of `org` (or one repository) for the viewer, with the names
/// of the repositories the section lists (those of overdue findings); `None` when the
/// viewer may not see them.
async fn security_of(
    web: &Web,
    viewer: &Viewer,
    org: &str,
    repo: Option<&str>,
) -> Result<Option<(SecurityView, BTreeMap<i64, (String, bool)>)>, HttpError> {
    let policy = web.app.store().org_security_policy(org).await?;
    match security::view(&web.app, viewer, org, repo, &policy).await {
        Ok(view) => {
            // The section names the repositories of overdue findings only.
            let shown: BTreeSet<i64> = view
                .report
                .sla_attainment
                .iter()
                .flat_map(|sla| sla.overdue.iter().map(|finding| finding.repository))
                .collect();
            let names = web.app.store().repository_names_by_id(org, &shown).await?;
            Ok(Some((view, names)))
        }
        Err(HttpError::NotFound | HttpError::Unauthorized(_)) => Ok(None),
        Err(err) => Err(err),
    }
}

fn rendered(page: Result<String, DashboardError>) -> Result<Response, HttpError> {
    page.map(|html| Html(html).into_response())
        .map_err(|err| HttpError::Internal(err.into()))
}

fn notice(web: &Web, status: StatusCode, title: &str, text: &str) -> Result<Response, HttpError> {
    let html = web
        .pages
        .message(title, text)
        .map_err(|err| HttpError::Internal(err.into()))?;
    Ok((status, Html(html)).into_response())
}

fn sign_in(web: &Web) -> Result<Response, HttpError> {
    notice(
        web,
        StatusCode::UNAUTHORIZED,
        "Sign in",
        "Coverage is visible to members of the organisation: sign in with GitHub at /login.",
    )
}

fn not_found(web: &Web) -> Result<Response, HttpError> {
    notice(
        web,
        StatusCode::NOT_FOUND,
        "Not found",
        "There is no such page, or you may not see it.",
    )
}

pub async fn index(State(web): State<Web>, viewer: Viewer) -> Result<Response, HttpError> {
    rendered(web.pages.index(&viewer.orgs(), viewer.signed_in().as_ref()))
}

pub async fn org(
    State(web): State<Web>,
    viewer: Viewer,
    Path(org): Path<String>,
    Query(params): Query<ListParams>,
) -> Result<Response, HttpError> {
    let Some(name) = viewer.signed_in() else {
        return sign_in(&web);
    };
    let query = match params.query() {
        Ok(query) => query,
        Err(HttpError::BadRequest(message)) => {
            return notice(
                &web,
                StatusCode::BAD_REQUEST,
                "Cannot list these repositories",
                &message,
            );
        }
        Err(err) => return Err(err),
    };
    match super::api::visible_page(&web.app, &viewer, &org, &query).await {
        Ok(OrgPage { report, pagination }) => {
            let listing = Listing {
                page: pagination.page,
                pages: pagination.pages,
                per_page: pagination.per_page,
                matching: pagination.matching,
                state: query.state.clone(),
                missing: query.missing.clone(),
                q: query.name.clone(),
                sort: match query.sort {
                    RepoSort::Name => "name",
                    RepoSort::Coverage => "coverage",
                },
            };
            let security = security_of(&web, &viewer, &report.org, None).await?;
            let security = security
                .as_ref()
                .map(|(view, names)| Security { view, names });
            let queue = super::api::onboarding_queue(&web.app, &report.org).await?;
            rendered(web.pages.org(&report, &listing, &name, security, &queue))
        }
        Err(HttpError::NotFound) => not_found(&web),
        Err(err) => Err(err),
    }
}

pub async fn repo(
    State(web): State<Web>,
    viewer: Viewer,
    Path((org, repo)): Path<(String, String)>,
) -> Result<Response, HttpError> {
    let Some(name) = viewer.signed_in() else {
        return sign_in(&web);
    };
    match super::api::check_visible(&viewer, &org) {
        Ok(()) => {}
        Err(HttpError::NotFound) => return not_found(&web),
        Err(err) => return Err(err),
    }
    let Some((id, summary, _)) = reports::repo_line(&web.app, &org, &repo).await? else {
        return not_found(&web);
    };
    let at = now();
    let detail = match web.app.store().repo_detail(id, at).await {
        Ok(Some(detail)) => detail,
        Ok(None) => return not_found(&web),
        // A stored report that does not parse: say so, naming the repository.
        Err(err @ StoreError::Corrupt { .. }) => {
            tracing::error!(error = %err, "cannot show a repository page");
            return notice(
                &web,
                StatusCode::INTERNAL_SERVER_ERROR,
                "Cannot show this repository",
                &err.to_string(),
            );
        }
        Err(err) => return Err(err.into()),
    };
    let security = security_of(&web, &viewer, &org, Some(&summary.name)).await?;
    let security = security
        .as_ref()
        .map(|(view, names)| Security { view, names });
    rendered(web.pages.repo(&org, &summary, &detail, at, &name, security))
}

/// The public status page of an organisation that opted in; members see it too.
pub async fn status(
    State(web): State<Web>,
    viewer: Viewer,
    Path(org): Path<String>,
) -> Result<Response, HttpError> {
    let public = web.app.store().org_public(&org).await?;
    if !public && !viewer.may_see(&org) {
        return not_found(&web);
    }
    match super::api::report(&web.app, &org).await? {
        Some(report) => {
            // Public repositories only, whoever looks: the page is the same for all.
            let security = reports::public_security(&web.app, &report.org).await?;
            rendered(web.pages.status(&report, Some(&security)))
        }
        None => not_found(&web),
    }
}
