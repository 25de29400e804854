//! `GET /api/v1/orgs/{org}/security` and `/api/v1/orgs/{org}/repos/{repo}/security`:
//! the security outcomes (MTTR, SLA attainment, MTTD, exposure window, detection,
//! escape and change failure rates, net resolve and reopen rates) over `?days=N`, with
//! what is not available for lack of a permission. Same access rules as coverage.

use axum::Json;
use axum::extract::{Path, Query, State};
use std::collections::BTreeMap;

use fullcover_core::metrics::security::{
    Family, SecurityPolicy, SecurityRecord, SecurityReport, WeekPoint, security_report,
    weekly_trend,
};
use serde::{Deserialize, Serialize};

use super::Web;
use super::access::Viewer;
use crate::app::App;
use crate::app::backfill::permission;
use crate::app::error::HttpError;
use crate::store::{Store, StoreError};

/// The longest window a client may ask for: bounds the work of one request.
pub const MAX_DAYS: i64 = 3_650;

#[derive(Debug, Deserialize)]
pub struct WindowQuery {
    days: Option<i64>,
}

/// A family of alerts the metrics cannot read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unavailable {
    pub family: Family,
    pub permission: &'static str,
    pub reason: String,
}

/// The report with who it is about and what it lacks.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SecurityView {
    pub org: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
    #[serde(flatten)]
    pub report: SecurityReport,
    pub unavailable: Vec<Unavailable>,
    pub weekly: Vec<WeekPoint>,
}

/// The organisation's policy, with the window the client asks for.
async fn policy(app: &App, org: &str, query: &WindowQuery) -> Result<SecurityPolicy, HttpError> {
    let configured = app.store().org_security_policy(org).await?;
    let days = query.days.unwrap_or(configured.window_days);
    if !(1..=MAX_DAYS).contains(&days) {
        return Err(HttpError::BadRequest(format!(
            "days: {days} is not between 1 and {MAX_DAYS}"
        )));
    }
    Ok(SecurityPolicy {
        window_days: days,
        ..configured
    })
}

/// The families whose alerts an installation granting `permissions` does not let the
/// App read. When the App has not learnt the permissions yet (`None`), every family is
/// unknown, not zero. Shared by the API, `fullcover report` and `/metrics`.
pub fn unavailable(permissions: Option<&BTreeMap<String, String>>) -> Vec<Unavailable> {
    Family::ALL
        .into_iter()
        .filter_map(|family| {
            let needed = permission(family);
            let reason = match permissions {
                None => "not available: permissions not known yet".to_owned(),
                Some(granted) if !granted.contains_key(needed) => {
                    format!("not available: permission {needed} not granted")
                }
                Some(_) => return None,
            };
            Some(Unavailable {
                family,
                permission: needed,
                reason,
            })
        })
        .collect()
}

/// Withholds from `report` what the `unavailable` families make unknown: every finding
/// metric when no family could be read, otherwise the time to detect of those families.
pub fn withhold(report: &mut SecurityReport, unavailable: &[Unavailable]) {
    if unavailable.len() == Family::ALL.len() {
        // Nothing could be read: every finding metric is unknown, not zero.
        report.mttr = None;
        report.sla_attainment = None;
        report.mttd = None;
        report.exposure_window = None;
        report.net_resolve_rate = None;
        report.reopen_rate = None;
    } else if let Some(mttd) = report.mttd.as_mut() {
        for gap in unavailable {
            mttd.insert(gap.family, None);
        }
    }
}

/// The report of `record` at `at` with what the permissions withhold, and what they do.
pub fn assess(
    record: &SecurityRecord,
    permissions: Option<&BTreeMap<String, String>>,
    policy: &SecurityPolicy,
    at: i64,
) -> (SecurityReport, Vec<Unavailable>) {
    let mut report = security_report(record, policy, at);
    let unavailable = unavailable(permissions);
    withhold(&mut report, &unavailable);
    (report, unavailable)
}

/// The view of `org`, or of its repository `(name, id)`, read from the store at `at`,
/// without access checks (the API checks them in [`view`]; the command line reads its
/// own database). With `public_only`, private repositories are left out of the record
/// first (the public status page's aggregates).
pub async fn outcomes(
    store: &Store,
    org: &str,
    repository: Option<(&str, i64)>,
    policy: &SecurityPolicy,
    at: i64,
    public_only: bool,
) -> Result<SecurityView, StoreError> {
    let record = store
        .security_record_of(org, repository.map(|(_, id)| id), public_only)
        .await?;
    let permissions = store.org_permissions(org).await?;
    let (report, unavailable) = assess(&record, permissions.as_ref(), policy, at);
    Ok(SecurityView {
        org: org.to_owned(),
        repository: repository.map(|(name, _)| format!("{org}/{name}")),
        weekly: weekly_trend(&record, policy, at),
        report,
        unavailable,
    })
}

/// Builds the view of `org` (or one repository of it) for a viewer allowed to see it.
pub async fn view(
    app: &App,
    viewer: &Viewer,
    org: &str,
    repo: Option<&str>,
    policy: &SecurityPolicy,
) -> Result<SecurityView, HttpError> {
    if *viewer == Viewer::Anonymous {
        return Err(HttpError::Unauthorized(
            "sign in, or send an API token as `Authorization: Bearer <token>`",
        ));
    }
    if !viewer.may_see(org) || !app.store().org_known(org).await? {
        return Err(HttpError::NotFound);
    }
    let repository = match repo {
        Some(name) => Some((
            name,
            app.store()
                .repository_id(org, name)
                .await?
                .ok_or(HttpError::NotFound)?,
        )),
        None => None,
    };
    Ok(crate::app::reports::security_outcomes(app, org, repository, policy, false).await?)
}

pub async fn org(
    State(web): State<Web>,
    viewer: Viewer,
    Path(org): Path<String>,
    Query(query): Query<WindowQuery>,
) -> Result<Json<SecurityView>, HttpError> {
    let policy = policy(&web.app, &org, &query).await?;
    Ok(Json(view(&web.app, &viewer, &org, None, &policy).await?))
}

pub async fn repository(
    State(web): State<Web>,
    viewer: Viewer,
    Path((org, repo)): Path<(String, String)>,
    Query(query): Query<WindowQuery>,
) -> Result<Json<SecurityView>, HttpError> {
    let policy = policy(&web.app, &org, &query).await?;
    Ok(Json(
        view(&web.app, &viewer, &org, Some(&repo), &policy).await?,
    ))
}
