//! App endpoints (JWT): the app, its installations, installation tokens; and the
//! installation-token endpoints `GET /installation/repositories` and `GET /rate_limit`.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde_json::{Value, json};

use super::super::http::{
    ApiError, ApiResult, DOC_ROOT, json, link_header, page_params, parse_object, with_link,
};
use super::super::limits::Bucket;
use super::super::server::Caller;
use super::super::state::Token;
use super::super::{Inner, auth, render};
use super::grants;

const DOC_APP: &str = "https://docs.github.com/rest/apps/apps#get-the-authenticated-app";
const DOC_INSTALLATION: &str =
    "https://docs.github.com/rest/apps/apps#get-an-installation-for-the-authenticated-app";
const DOC_TOKEN: &str =
    "https://docs.github.com/rest/apps/apps#create-an-installation-access-token-for-an-app";
const DOC_REPOS: &str = "https://docs.github.com/rest/apps/installations#list-repositories-accessible-to-the-app-installation";

/// The app id of a JWT caller, or GitHub's 401 for anything else.
fn require_app(caller: &Caller) -> Result<u64, ApiError> {
    match caller {
        Caller::App(id) => Ok(*id),
        Caller::Anonymous => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "Requires authentication",
            DOC_ROOT,
        )),
        Caller::Installation { .. } => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "A JSON web token could not be decoded",
            DOC_ROOT,
        )),
    }
}

pub async fn get_app(
    State(inner): State<Arc<Inner>>,
    Extension(caller): Extension<Caller>,
) -> ApiResult {
    let app_id = require_app(&caller)?;
    let world = inner.world();
    let app = world
        .apps
        .get(&app_id)
        .ok_or_else(|| ApiError::not_found(DOC_APP))?;
    Ok(json(
        StatusCode::OK,
        render::integration(&world, &inner.base, app),
    ))
}

pub async fn list_installations(
    State(inner): State<Arc<Inner>>,
    Extension(caller): Extension<Caller>,
    Query(query): Query<Vec<(String, String)>>,
) -> ApiResult {
    let app_id = require_app(&caller)?;
    let params: HashMap<_, _> = query.iter().cloned().collect();
    let (per_page, page) = page_params(
        params.get("per_page").map(String::as_str),
        params.get("page").map(String::as_str),
        inner.options.per_page_max,
    );
    let world = inner.world();
    let all: Vec<Value> = world
        .installations
        .values()
        .filter(|i| i.app_id == app_id)
        .map(|i| render::installation(&world, &inner.base, i))
        .collect();
    let total = all.len();
    let items: Vec<Value> = all
        .into_iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .collect();
    let link = link_header(
        &format!("{}/app/installations", inner.base),
        &query,
        per_page,
        page,
        total,
    );
    Ok(with_link(json(StatusCode::OK, Value::Array(items)), link))
}

pub async fn get_installation(
    State(inner): State<Arc<Inner>>,
    Extension(caller): Extension<Caller>,
    Path(installation_id): Path<String>,
) -> ApiResult {
    let app_id = require_app(&caller)?;
    let world = inner.world();
    let installation = installation_id
        .parse::<u64>()
        .ok()
        .and_then(|id| world.installations.get(&id))
        .filter(|i| i.app_id == app_id)
        .ok_or_else(|| ApiError::not_found(DOC_INSTALLATION))?;
    Ok(json(
        StatusCode::OK,
        render::installation(&world, &inner.base, installation),
    ))
}

pub async fn create_token(
    State(inner): State<Arc<Inner>>,
    Extension(caller): Extension<Caller>,
    Path(installation_id): Path<String>,
    body: Bytes,
) -> ApiResult {
    let app_id = require_app(&caller)?;
    let body = parse_object(&body, DOC_TOKEN)?;
    let mut world = inner.world();
    let installation = installation_id
        .parse::<u64>()
        .ok()
        .and_then(|id| world.installations.get(&id))
        .filter(|i| i.app_id == app_id)
        .cloned()
        .ok_or_else(|| ApiError::not_found(DOC_TOKEN))?;
    if installation.suspended_at.is_some() {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "This installation has been suspended",
            DOC_TOKEN,
        ));
    }
    // Optional narrowing: permissions (a subset) and repositories (names or ids).
    let mut permissions = installation.permissions.clone();
    if let Some(wanted) = body.get("permissions").and_then(Value::as_object) {
        let mut narrowed = BTreeMap::new();
        for (name, level) in wanted {
            let level = level.as_str().unwrap_or_default();
            if !grants(&installation.permissions, name, level) {
                return Err(ApiError::unprocessable(
                    "The permissions requested are not granted to this installation.",
                    DOC_TOKEN,
                ));
            }
            narrowed.insert(name.clone(), level.to_string());
        }
        permissions = narrowed;
    }
    let visible = world.installation_repos(installation.id);
    let mut repositories: Option<BTreeSet<u64>> = None;
    let names = body.get("repositories").and_then(Value::as_array);
    let ids = body.get("repository_ids").and_then(Value::as_array);
    if names.is_some() || ids.is_some() {
        let mut chosen = BTreeSet::new();
        for name in names.into_iter().flatten().filter_map(Value::as_str) {
            let id = visible
                .iter()
                .copied()
                .find(|id| world.repos[id].name.eq_ignore_ascii_case(name))
                .ok_or_else(|| {
                    ApiError::unprocessable(
                        "There is at least one repository that does not exist or is not accessible to the parent installation.",
                        DOC_TOKEN,
                    )
                })?;
            chosen.insert(id);
        }
        for id in ids.into_iter().flatten().filter_map(Value::as_u64) {
            if !visible.contains(&id) {
                return Err(ApiError::unprocessable(
                    "There is at least one repository that does not exist or is not accessible to the parent installation.",
                    DOC_TOKEN,
                ));
            }
            chosen.insert(id);
        }
        repositories = Some(chosen);
    }
    let ttl = chrono::Duration::from_std(inner.options.token_ttl)
        .unwrap_or_else(|_| chrono::Duration::hours(1));
    let expires_at = chrono::Utc::now() + ttl;
    let token = auth::new_installation_token();
    world.tokens.insert(
        token.clone(),
        Token {
            installation_id: installation.id,
            expires_at,
            permissions: permissions.clone(),
            repositories: repositories.clone(),
        },
    );
    let mut out = json!({
        "token": token,
        "expires_at": render::time(expires_at),
        "permissions": permissions,
        "repository_selection": if repositories.is_some() { "selected" } else { render::selection(&installation.selection) },
    });
    if let Some(ids) = &repositories {
        out["repositories"] = ids
            .iter()
            .map(|id| render::repository(&world, &inner.base, &world.repos[id]))
            .collect();
    }
    Ok(json(StatusCode::CREATED, out))
}

pub async fn installation_repositories(
    State(inner): State<Arc<Inner>>,
    Extension(caller): Extension<Caller>,
    Query(query): Query<Vec<(String, String)>>,
) -> ApiResult {
    let Caller::Installation { id, token } = &caller else {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "You must authenticate with an installation access token in order to list repositories for an installation.",
            DOC_REPOS,
        ));
    };
    let params: HashMap<_, _> = query.iter().cloned().collect();
    let (per_page, page) = page_params(
        params.get("per_page").map(String::as_str),
        params.get("page").map(String::as_str),
        inner.options.per_page_max,
    );
    let world = inner.world();
    let installation = world
        .installations
        .get(id)
        .ok_or_else(ApiError::bad_credentials)?;
    let ids: Vec<u64> = world
        .installation_repos(*id)
        .into_iter()
        .filter(|r| token.repositories.as_ref().is_none_or(|s| s.contains(r)))
        .collect();
    let total = ids.len();
    let repositories: Vec<Value> = ids
        .iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .map(|id| {
            let mut repo = render::repository(&world, &inner.base, &world.repos[id]);
            repo["permissions"] = json!({"admin": false, "maintain": false, "push": true, "triage": false, "pull": true});
            repo
        })
        .collect();
    let selection = if token.repositories.is_some() {
        "selected"
    } else {
        render::selection(&installation.selection)
    };
    let link = link_header(
        &format!("{}/installation/repositories", inner.base),
        &query,
        per_page,
        page,
        total,
    );
    Ok(with_link(
        json(
            StatusCode::OK,
            json!({"total_count": total, "repository_selection": selection, "repositories": repositories}),
        ),
        link,
    ))
}

pub async fn rate_limit(
    State(inner): State<Arc<Inner>>,
    Extension(caller): Extension<Caller>,
) -> ApiResult {
    let bucket = match &caller {
        Caller::Installation { id, .. } => Bucket::Installation(*id),
        Caller::App(id) => Bucket::App(*id),
        Caller::Anonymous => Bucket::Anonymous,
    };
    let quota = inner.limiter().quota(bucket);
    let core = json!({
        "limit": quota.limit,
        "used": quota.used,
        "remaining": quota.remaining(),
        "reset": quota.reset,
    });
    let other =
        |limit: u32| json!({"limit": limit, "used": 0, "remaining": limit, "reset": quota.reset});
    Ok(json(
        StatusCode::OK,
        json!({
            "resources": {
                "core": core,
                "search": other(30),
                "graphql": other(5000),
                "integration_manifest": other(5000),
                "code_scanning_upload": other(1000),
            },
            "rate": core,
        }),
    ))
}

const DOC_FIND_INSTALLATION: &str = "https://docs.github.com/rest/apps/apps#get-a-repository-installation-for-the-authenticated-app";

/// `GET /repos/{owner}/{repo}/installation` (JWT).
pub async fn repo_installation(
    State(inner): State<Arc<Inner>>,
    Extension(caller): Extension<Caller>,
    Path((owner, repo)): Path<(String, String)>,
) -> ApiResult {
    let app_id = require_app(&caller)?;
    let world = inner.world();
    let repo_id = world
        .repo_id(&owner, &repo)
        .ok_or_else(|| ApiError::not_found(DOC_FIND_INSTALLATION))?;
    let installation = world
        .installations_for_repo(repo_id)
        .iter()
        .filter_map(|id| world.installations.get(id))
        .find(|i| i.app_id == app_id)
        .ok_or_else(|| ApiError::not_found(DOC_FIND_INSTALLATION))?;
    Ok(json(
        StatusCode::OK,
        render::installation(&world, &inner.base, installation),
    ))
}

/// `GET /orgs/{org}/installation` and `GET /users/{username}/installation` (JWT).
pub async fn account_installation(
    State(inner): State<Arc<Inner>>,
    Extension(caller): Extension<Caller>,
    Path(login): Path<String>,
) -> ApiResult {
    let app_id = require_app(&caller)?;
    let world = inner.world();
    let account = world
        .account_by_login(&login)
        .ok_or_else(|| ApiError::not_found(DOC_FIND_INSTALLATION))?;
    let installation = world
        .installations
        .values()
        .find(|i| i.app_id == app_id && i.account_id == account.id)
        .ok_or_else(|| ApiError::not_found(DOC_FIND_INSTALLATION))?;
    Ok(json(
        StatusCode::OK,
        render::installation(&world, &inner.base, installation),
    ))
}
