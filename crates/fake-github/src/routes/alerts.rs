//! Security alerts over REST: code scanning, Dependabot and secret scanning alerts of a
//! repository and of an organisation (GitHub's filters, sorts, page and cursor
//! pagination), secret locations, and the code scanning default setup.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

use super::super::alerts::{Alert, AlertFamily, full_ref};
use super::super::http::{ApiError, ApiResult, json, link_header, page_params, with_link};
use super::super::server::Caller;
use super::super::state::{AccountKind, Repo, World};
use super::super::{Inner, render, render_alerts};
use super::{Need, grants, repo_access};

const DOC_CODE: &str = "https://docs.github.com/rest/code-scanning/code-scanning";
const DOC_DEPENDABOT: &str = "https://docs.github.com/rest/dependabot/alerts";
const DOC_SECRET: &str = "https://docs.github.com/rest/secret-scanning/secret-scanning";
const DOC_DEFAULT_SETUP: &str = "https://docs.github.com/rest/code-scanning/code-scanning#get-a-code-scanning-default-setup-configuration";

const SECURITY_EVENTS_READ: Need = Need {
    alternatives: &[("security_events", "read")],
    write: false,
};
const VULNERABILITY_ALERTS_READ: Need = Need {
    alternatives: &[("vulnerability_alerts", "read")],
    write: false,
};
const SECRET_SCANNING_READ: Need = Need {
    alternatives: &[("secret_scanning_alerts", "read")],
    write: false,
};
/// GitHub lists the default setup endpoint under the "Administration" permission.
const ADMINISTRATION_READ: Need = Need {
    alternatives: &[("administration", "read")],
    write: false,
};

type Params = Query<Vec<(String, String)>>;

fn doc(family: AlertFamily) -> &'static str {
    match family {
        AlertFamily::CodeScanning => DOC_CODE,
        AlertFamily::Dependabot => DOC_DEPENDABOT,
        AlertFamily::SecretScanning => DOC_SECRET,
    }
}

fn need(family: AlertFamily) -> Need {
    match family {
        AlertFamily::CodeScanning => SECURITY_EVENTS_READ,
        AlertFamily::Dependabot => VULNERABILITY_ALERTS_READ,
        AlertFamily::SecretScanning => SECRET_SCANNING_READ,
    }
}

/// GitHub's answer when the family is switched off for a repository.
fn disabled(family: AlertFamily) -> ApiError {
    match family {
        AlertFamily::CodeScanning => ApiError::new(
            StatusCode::FORBIDDEN,
            "Code scanning is not enabled for this repository. Please enable code scanning in the repository settings.",
            DOC_CODE,
        ),
        AlertFamily::Dependabot => ApiError::new(
            StatusCode::FORBIDDEN,
            "Dependabot alerts are disabled for this repository.",
            DOC_DEPENDABOT,
        ),
        AlertFamily::SecretScanning => ApiError::new(
            StatusCode::NOT_FOUND,
            "Secret scanning is disabled on this repository.",
            DOC_SECRET,
        ),
    }
}

fn requires_authentication(doc: &str) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, "Requires authentication", doc)
}

/// The repository of an alert endpoint: authenticated, permitted, feature on.
fn alert_repo<'w>(
    world: &'w World,
    caller: &Caller,
    owner: &str,
    name: &str,
    family: AlertFamily,
) -> Result<&'w Repo, ApiError> {
    if matches!(caller, Caller::Anonymous) {
        return Err(requires_authentication(doc(family)));
    }
    let id = repo_access(world, caller, owner, name, need(family), doc(family))?;
    let repo = &world.repos[&id];
    if !repo.security.enabled(family) {
        return Err(disabled(family));
    }
    Ok(repo)
}

/// The repositories of an organisation an installation token reads `family` alerts of.
fn org_repos<'w>(
    world: &'w World,
    caller: &Caller,
    org: &str,
    family: AlertFamily,
) -> Result<Vec<&'w Repo>, ApiError> {
    let doc = doc(family);
    let account = world
        .account_by_login(org)
        .filter(|a| a.kind == AccountKind::Organization)
        .ok_or_else(|| ApiError::not_found(doc))?;
    let (installation_id, token) = match caller {
        Caller::Anonymous => return Err(requires_authentication(doc)),
        Caller::App(_) => {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "Resource not accessible by integration",
                doc,
            ));
        }
        Caller::Installation { id, token } => (*id, token),
    };
    let installation = world
        .installations
        .get(&installation_id)
        .filter(|i| i.account_id == account.id)
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::FORBIDDEN,
                "Resource not accessible by integration",
                doc,
            )
        })?;
    let permission = family.permission();
    if !grants(&token.permissions, permission, "read") {
        return Err(ApiError::not_accessible(doc, &format!("{permission}=read")));
    }
    Ok(world
        .repos
        .values()
        .filter(|r| world.installation_covers(installation, r))
        .filter(|r| {
            token
                .repositories
                .as_ref()
                .is_none_or(|ids| ids.contains(&r.id))
        })
        .filter(|r| r.security.enabled(family))
        .collect())
}

/// Whether a comma-separated filter (absent: everything) lists `value`.
fn listed(params: &HashMap<String, String>, key: &str, value: &str) -> bool {
    params.get(key).is_none_or(|list| {
        list.split(',')
            .any(|v| v.trim().eq_ignore_ascii_case(value))
    })
}

/// Filters of one family's list endpoints. Code scanning lists the default branch unless
/// `ref` or `pr` names another ref (the organisation list: every default branch).
fn matches(
    family: AlertFamily,
    params: &HashMap<String, String>,
    repo: &Repo,
    alert: &Alert,
) -> bool {
    use super::super::alerts::Detail;
    if alert.family != family {
        return false;
    }
    match &alert.detail {
        Detail::Code { rule_severity, .. } => {
            let wanted_ref = match (params.get("ref"), params.get("pr")) {
                (Some(r), _) => full_ref(r),
                (None, Some(pr)) => format!("refs/pull/{pr}/merge"),
                (None, None) => format!("refs/heads/{}", repo.default_branch),
            };
            let state_ok = match params.get("state").map(String::as_str) {
                None => true,
                Some("closed") => alert.state != "open",
                Some(state) => alert.state == state,
            };
            alert.refs.contains(&wanted_ref)
                && state_ok
                && params.get("severity").is_none_or(|s| {
                    s.eq_ignore_ascii_case(&alert.severity) || s.eq_ignore_ascii_case(rule_severity)
                })
                && params.get("tool_name").is_none_or(|t| t == "CodeQL")
        }
        Detail::Dependabot {
            ecosystem,
            package,
            manifest_path,
            ..
        } => {
            listed(params, "state", &alert.state)
                && listed(params, "severity", &alert.severity)
                && listed(params, "ecosystem", ecosystem)
                && listed(params, "package", package)
                && listed(params, "manifest", manifest_path)
                && params.get("scope").is_none_or(|s| s == "runtime")
        }
        Detail::Secret {
            secret_type,
            validity,
            publicly_leaked,
            ..
        } => {
            params.get("state").is_none_or(|s| *s == alert.state)
                && listed(params, "secret_type", secret_type)
                && listed(params, "validity", validity)
                && params.get("resolution").is_none_or(|_| {
                    alert
                        .dismissed_reason
                        .as_deref()
                        .is_some_and(|r| listed(params, "resolution", r))
                })
                && (params.get("is_publicly_leaked").map(String::as_str) != Some("true")
                    || *publicly_leaked)
        }
    }
}

/// Sorts by `sort` (created, updated; number for the repository code scanning list) in
/// `direction` (default desc), ties by repository and number.
fn sort(items: &mut [(&Repo, &Alert)], params: &HashMap<String, String>) {
    let by_updated = params.get("sort").map(String::as_str) == Some("updated");
    let by_number = params.get("sort").map(String::as_str) == Some("number");
    items.sort_by(|(ra, a), (rb, b)| {
        let key = |r: &Repo, x: &Alert| {
            let t = if by_updated {
                x.updated_at
            } else {
                x.created_at
            };
            let t = if by_number { None } else { Some(t) };
            (t, r.id, x.number)
        };
        key(ra, a).cmp(&key(rb, b))
    });
    if params.get("direction").map(String::as_str) != Some("asc") {
        items.reverse();
    }
}

/// How an endpoint paginates, as GitHub documents it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Paging {
    /// `page` and `per_page`.
    Pages,
    /// `before`/`after` cursors and `per_page`.
    Cursor,
    /// Cursors when given, else pages.
    Both,
}

fn cursor(repo: &Repo, alert: &Alert) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}:{}", repo.id, alert.number))
}

/// One page of `items` and its `Link` header.
fn paginate<'a>(
    items: Vec<(&'a Repo, &'a Alert)>,
    query: &[(String, String)],
    url: &str,
    per_page_max: usize,
    paging: Paging,
) -> (Vec<(&'a Repo, &'a Alert)>, Option<String>) {
    let params: HashMap<_, _> = query.iter().cloned().collect();
    let (per_page, page) = page_params(
        params.get("per_page").map(String::as_str),
        params.get("page").map(String::as_str),
        per_page_max,
    );
    let (after, before) = (params.get("after"), params.get("before"));
    let use_cursor = paging == Paging::Cursor
        || (paging == Paging::Both && (after.is_some() || before.is_some()));
    if !use_cursor {
        let total = items.len();
        let link = link_header(url, query, per_page, page, total);
        let page_items = items
            .into_iter()
            .skip((page - 1) * per_page)
            .take(per_page)
            .collect();
        return (page_items, link);
    }
    let position = |c: &String| items.iter().position(|(r, a)| cursor(r, a) == *c);
    let (start, end) = match (after, before) {
        (Some(c), _) => {
            let start = position(c).map_or(items.len(), |i| i + 1);
            (start, (start + per_page).min(items.len()))
        }
        (None, Some(c)) => {
            let end = position(c).unwrap_or(0);
            (end.saturating_sub(per_page), end)
        }
        (None, None) => (0, per_page.min(items.len())),
    };
    let href = |key: &str, value: String| {
        let mut pairs: Vec<String> = query
            .iter()
            .filter(|(k, _)| !matches!(k.as_str(), "after" | "before" | "page" | "per_page"))
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        pairs.push(format!("per_page={per_page}"));
        pairs.push(format!("{key}={value}"));
        format!("<{url}?{}>", pairs.join("&"))
    };
    let mut links = Vec::new();
    if start > 0 && start < items.len() {
        let (r, a) = items[start];
        links.push(format!("{}; rel=\"prev\"", href("before", cursor(r, a))));
    }
    if end < items.len() && end > start {
        let (r, a) = items[end - 1];
        links.push(format!("{}; rel=\"next\"", href("after", cursor(r, a))));
    }
    let link = (!links.is_empty()).then(|| links.join(", "));
    (items[start.min(end)..end].to_vec(), link)
}

/// Renders an alert of any family (`with_repo`: the organisation form).
fn render_alert(
    world: &World,
    base: &str,
    repo: &Repo,
    alert: &Alert,
    params: &HashMap<String, String>,
    with_repo: bool,
) -> Value {
    let mut value = match alert.family {
        AlertFamily::CodeScanning => render_alerts::code_alert(world, base, repo, alert),
        AlertFamily::Dependabot => render_alerts::dependabot_alert(world, base, repo, alert),
        AlertFamily::SecretScanning => {
            let hide = params.get("hide_secret").map(String::as_str) == Some("true");
            render_alerts::secret_alert(world, base, repo, alert, hide)
        }
    };
    if with_repo {
        value["repository"] = render::repository(world, base, repo);
    }
    value
}

fn paging_of(family: AlertFamily, org: bool) -> Paging {
    match (family, org) {
        (AlertFamily::Dependabot, _) => Paging::Cursor,
        (AlertFamily::CodeScanning, false) => Paging::Pages,
        _ => Paging::Both,
    }
}

/// A list answer: filtered, sorted, paginated.
fn list_answer(
    inner: &Inner,
    world: &World,
    repos: Vec<&Repo>,
    family: AlertFamily,
    query: &[(String, String)],
    url: &str,
    org: bool,
) -> Response {
    let params: HashMap<_, _> = query.iter().cloned().collect();
    let mut items: Vec<(&Repo, &Alert)> = repos
        .into_iter()
        .flat_map(|repo| {
            let params = &params;
            repo.security
                .alerts
                .iter()
                .filter(move |a| matches(family, params, repo, a))
                .map(move |a| (repo, a))
        })
        .collect();
    sort(&mut items, &params);
    let (page, link) = paginate(
        items,
        query,
        url,
        inner.options.per_page_max,
        paging_of(family, org),
    );
    let body: Vec<Value> = page
        .into_iter()
        .map(|(repo, alert)| render_alert(world, &inner.base, repo, alert, &params, org))
        .collect();
    with_link(json(StatusCode::OK, Value::Array(body)), link)
}

fn list_repo(
    inner: &Inner,
    caller: &Caller,
    (owner, name): (String, String),
    query: &[(String, String)],
    family: AlertFamily,
    segment: &str,
) -> ApiResult {
    let world = inner.world();
    let repo = alert_repo(&world, caller, &owner, &name, family)?;
    let url = format!(
        "{}/repos/{}/{segment}/alerts",
        inner.base,
        render::repo_full_name(&world, repo)
    );
    Ok(list_answer(
        inner,
        &world,
        vec![repo],
        family,
        query,
        &url,
        false,
    ))
}

fn list_org(
    inner: &Inner,
    caller: &Caller,
    org: &str,
    query: &[(String, String)],
    family: AlertFamily,
    segment: &str,
) -> ApiResult {
    let world = inner.world();
    let repos = org_repos(&world, caller, org, family)?;
    let url = format!("{}/orgs/{org}/{segment}/alerts", inner.base);
    Ok(list_answer(inner, &world, repos, family, query, &url, true))
}

fn get_one(
    inner: &Inner,
    caller: &Caller,
    (owner, name, number): (String, String, String),
    query: &[(String, String)],
    family: AlertFamily,
) -> ApiResult {
    let world = inner.world();
    let repo = alert_repo(&world, caller, &owner, &name, family)?;
    let alert = number
        .parse::<u64>()
        .ok()
        .and_then(|n| repo.security.alert(family, n))
        .ok_or_else(|| ApiError::not_found(doc(family)))?;
    let params: HashMap<_, _> = query.iter().cloned().collect();
    let mut value = render_alert(&world, &inner.base, repo, alert, &params, false);
    if family == AlertFamily::SecretScanning {
        value["metadata"] = Value::Array(Vec::new());
    }
    Ok(json(StatusCode::OK, value))
}

pub async fn list_code(
    State(inner): State<Arc<Inner>>,
    Extension(caller): Extension<Caller>,
    Path(path): Path<(String, String)>,
    Query(query): Params,
) -> ApiResult {
    list_repo(
        &inner,
        &caller,
        path,
        &query,
        AlertFamily::CodeScanning,
        "code-scanning",
    )
}

pub async fn list_dependabot(
    State(inner): State<Arc<Inner>>,
    Extension(caller): Extension<Caller>,
    Path(path): Path<(String, String)>,
    Query(query): Params,
) -> ApiResult {
    list_repo(
        &inner,
        &caller,
        path,
        &query,
        AlertFamily::Dependabot,
        "dependabot",
    )
}

pub async fn list_secret(
    State(inner): State<Arc<Inner>>,
    Extension(caller): Extension<Caller>,
    Path(path): Path<(String, String)>,
    Query(query): Params,
) -> ApiResult {
    list_repo(
        &inner,
        &caller,
        path,
        &query,
        AlertFamily::SecretScanning,
        "secret-scanning",
    )
}

pub async fn org_code(
    State(inner): State<Arc<Inner>>,
    Extension(caller): Extension<Caller>,
    Path(org): Path<String>,
    Query(query): Params,
) -> ApiResult {
    list_org(
        &inner,
        &caller,
        &org,
        &query,
        AlertFamily::CodeScanning,
        "code-scanning",
    )
}

pub async fn org_dependabot(
    State(inner): State<Arc<Inner>>,
    Extension(caller): Extension<Caller>,
    Path(org): Path<String>,
    Query(query): Params,
) -> ApiResult {
    list_org(
        &inner,
        &caller,
        &org,
        &query,
        AlertFamily::Dependabot,
        "dependabot",
    )
}

pub async fn org_secret(
    State(inner): State<Arc<Inner>>,
    Extension(caller): Extension<Caller>,
    Path(org): Path<String>,
    Query(query): Params,
) -> ApiResult {
    list_org(
        &inner,
        &caller,
        &org,
        &query,
        AlertFamily::SecretScanning,
        "secret-scanning",
    )
}

pub async fn get_code(
    State(inner): State<Arc<Inner>>,
    Extension(caller): Extension<Caller>,
    Path(path): Path<(String, String, String)>,
    Query(query): Params,
) -> ApiResult {
    get_one(&inner, &caller, path, &query, AlertFamily::CodeScanning)
}

pub async fn get_dependabot(
    State(inner): State<Arc<Inner>>,
    Extension(caller): Extension<Caller>,
    Path(path): Path<(String, String, String)>,
    Query(query): Params,
) -> ApiResult {
    get_one(&inner, &caller, path, &query, AlertFamily::Dependabot)
}

pub async fn get_secret(
    State(inner): State<Arc<Inner>>,
    Extension(caller): Extension<Caller>,
    Path(path): Path<(String, String, String)>,
    Query(query): Params,
) -> ApiResult {
    get_one(&inner, &caller, path, &query, AlertFamily::SecretScanning)
}

pub async fn secret_locations(
    State(inner): State<Arc<Inner>>,
    Extension(caller): Extension<Caller>,
    Path((owner, name, number)): Path<(String, String, String)>,
    Query(query): Params,
) -> ApiResult {
    use super::super::alerts::Detail;
    let world = inner.world();
    let family = AlertFamily::SecretScanning;
    let repo = alert_repo(&world, &caller, &owner, &name, family)?;
    let alert = number
        .parse::<u64>()
        .ok()
        .and_then(|n| repo.security.alert(family, n))
        .ok_or_else(|| ApiError::not_found(DOC_SECRET))?;
    let Detail::Secret { locations, .. } = &alert.detail else {
        return Err(ApiError::not_found(DOC_SECRET));
    };
    let params: HashMap<_, _> = query.iter().cloned().collect();
    let (per_page, page) = page_params(
        params.get("per_page").map(String::as_str),
        params.get("page").map(String::as_str),
        inner.options.per_page_max,
    );
    let body: Vec<Value> = locations
        .iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .map(|l| render_alerts::secret_location(&world, &inner.base, repo, l))
        .collect();
    let url = format!("{}/locations", alert_url(&world, &inner.base, repo, alert));
    let link = link_header(&url, &query, per_page, page, locations.len());
    Ok(with_link(json(StatusCode::OK, Value::Array(body)), link))
}

fn alert_url(world: &World, base: &str, repo: &Repo, alert: &Alert) -> String {
    format!(
        "{base}/repos/{}/secret-scanning/alerts/{}",
        render::repo_full_name(world, repo),
        alert.number
    )
}

pub async fn default_setup(
    State(inner): State<Arc<Inner>>,
    Extension(caller): Extension<Caller>,
    Path((owner, name)): Path<(String, String)>,
) -> ApiResult {
    let world = inner.world();
    if matches!(caller, Caller::Anonymous) {
        return Err(requires_authentication(DOC_DEFAULT_SETUP));
    }
    let id = repo_access(
        &world,
        &caller,
        &owner,
        &name,
        ADMINISTRATION_READ,
        DOC_DEFAULT_SETUP,
    )?;
    let setup = &world.repos[&id].security.default_setup;
    Ok(json(StatusCode::OK, render_alerts::default_setup(setup)))
}

/// `GET .../code-scanning/analyses`: default setup's analyses (one per language, under
/// its analysis key), newest first; 404 "no analysis found" when there is none.
pub async fn list_analyses(
    State(inner): State<Arc<Inner>>,
    Extension(caller): Extension<Caller>,
    Path((owner, name)): Path<(String, String)>,
) -> ApiResult {
    let world = inner.world();
    let repo = alert_repo(&world, &caller, &owner, &name, AlertFamily::CodeScanning)?;
    let setup = &repo.security.default_setup;
    if !setup.configured || setup.languages.is_empty() {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "no analysis found",
            DOC_CODE,
        ));
    }
    let full_name = render::repo_full_name(&world, repo);
    let at = setup.updated_at.unwrap_or_else(|| world.now());
    let analyses: Vec<Value> = setup
        .languages
        .iter()
        .enumerate()
        .map(|(index, language)| {
            render_alerts::default_setup_analysis(
                &inner.base,
                &full_name,
                repo,
                index,
                language,
                at,
            )
        })
        .collect();
    Ok(json(StatusCode::OK, Value::Array(analyses)))
}
