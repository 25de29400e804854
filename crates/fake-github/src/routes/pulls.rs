//! Pull requests and labels.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde_json::{Value, json};

use super::super::http::{
    ApiError, ApiResult, created, json, link_header, page_params, parse_body, parse_object,
    required_str, with_link,
};
use super::super::server::Caller;
use super::super::state::{Label, Pull, Repo, World};
use super::super::{Inner, payloads, render, webhooks};
use super::{LABELS_WRITE, PULLS_READ, PULLS_WRITE, repo_access};

const DOC_LIST: &str = "https://docs.github.com/rest/pulls/pulls#list-pull-requests";
const DOC_CREATE: &str = "https://docs.github.com/rest/pulls/pulls#create-a-pull-request";
const DOC_GET: &str = "https://docs.github.com/rest/pulls/pulls#get-a-pull-request";
const DOC_UPDATE: &str = "https://docs.github.com/rest/pulls/pulls#update-a-pull-request";
const DOC_LABELS: &str = "https://docs.github.com/rest/issues/labels#add-labels-to-an-issue";

/// The author of a pull: an app's bot or an account.
pub fn pull_user(world: &World, base: &str, user_id: u64) -> Value {
    match world.apps.values().find(|a| a.bot_id == user_id) {
        Some(app) => render::bot(base, app),
        None => render::account_json(world, base, user_id),
    }
}

pub fn pull_json(world: &World, base: &str, repo: &Repo, pull: &Pull) -> Value {
    render::pull(
        world,
        base,
        repo,
        pull,
        pull_user(world, base, pull.user_id),
    )
}

pub async fn list(
    State(inner): State<Arc<Inner>>,
    Extension(caller): Extension<Caller>,
    Path((owner, name)): Path<(String, String)>,
    Query(query): Query<Vec<(String, String)>>,
) -> ApiResult {
    let params: HashMap<_, _> = query.iter().cloned().collect();
    let world = inner.world();
    let id = repo_access(&world, &caller, &owner, &name, PULLS_READ, DOC_LIST)?;
    let repo = &world.repos[&id];
    let state = params.get("state").map(String::as_str).unwrap_or("open");
    let owner_login = world
        .account(repo.owner_id)
        .map(|a| a.login.clone())
        .unwrap_or_default();
    let head = params.get("head").map(|h| match h.split_once(':') {
        Some((user, branch)) => (user.to_string(), branch.to_string()),
        None => (owner_login.clone(), h.clone()),
    });
    let (per_page, page) = page_params(
        params.get("per_page").map(String::as_str),
        params.get("page").map(String::as_str),
        inner.options.per_page_max,
    );
    // Newest first, GitHub's default sort (created, desc).
    let matching: Vec<&Pull> = repo
        .pulls
        .iter()
        .rev()
        .filter(|p| state == "all" || p.state == state)
        .filter(|p| {
            head.as_ref().is_none_or(|(user, branch)| {
                user.eq_ignore_ascii_case(&owner_login) && &p.head_ref == branch
            })
        })
        .filter(|p| params.get("base").is_none_or(|b| &p.base_ref == b))
        .collect();
    let total = matching.len();
    let items: Vec<Value> = matching
        .into_iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .map(|p| pull_json(&world, &inner.base, repo, p))
        .collect();
    let url = format!(
        "{}/repos/{}/pulls",
        inner.base,
        render::repo_full_name(&world, repo)
    );
    let link = link_header(&url, &query, per_page, page, total);
    Ok(with_link(json(StatusCode::OK, Value::Array(items)), link))
}

fn pull_error(message: Option<String>, field: Option<&str>, code: &str) -> ApiError {
    let mut item = json!({"resource": "PullRequest", "code": code});
    if let Some(field) = field {
        item["field"] = json!(field);
    }
    if let Some(message) = message {
        item["message"] = json!(message);
    }
    ApiError::validation(DOC_CREATE, item)
}

pub async fn create(
    State(inner): State<Arc<Inner>>,
    Extension(caller): Extension<Caller>,
    Path((owner, name)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult {
    let body = parse_object(&body, DOC_CREATE)?;
    let mut world = inner.world();
    let id = repo_access(&world, &caller, &owner, &name, PULLS_WRITE, DOC_CREATE)?;
    let title = required_str(&body, "title", "PullRequest", DOC_CREATE)?.to_string();
    let head_spec = required_str(&body, "head", "PullRequest", DOC_CREATE)?.to_string();
    let base_ref = required_str(&body, "base", "PullRequest", DOC_CREATE)?.to_string();
    let repo = &world.repos[&id];
    let owner_login = world
        .account(repo.owner_id)
        .map(|a| a.login.clone())
        .unwrap_or_default();
    let head_ref = match head_spec.split_once(':') {
        Some((user, branch)) if user.eq_ignore_ascii_case(&owner_login) => branch.to_string(),
        Some(_) => return Err(pull_error(None, Some("head"), "invalid")),
        None => head_spec.clone(),
    };
    let base_sha = repo
        .branch(&base_ref)
        .cloned()
        .ok_or_else(|| pull_error(None, Some("base"), "invalid"))?;
    let head_sha = repo
        .branch(&head_ref)
        .cloned()
        .ok_or_else(|| pull_error(None, Some("head"), "invalid"))?;
    if head_ref == base_ref || repo.store.is_ancestor(&head_sha, &base_sha) {
        return Err(pull_error(
            Some(format!("No commits between {base_ref} and {head_ref}")),
            None,
            "custom",
        ));
    }
    if repo
        .pulls
        .iter()
        .any(|p| p.state == "open" && p.head_ref == head_ref && p.base_ref == base_ref)
    {
        return Err(pull_error(
            Some(format!(
                "A pull request already exists for {owner_login}:{head_ref}."
            )),
            None,
            "custom",
        ));
    }
    let user_id = match &caller {
        Caller::Installation { id, .. } => world
            .installations
            .get(id)
            .and_then(|i| world.apps.get(&i.app_id))
            .map_or(repo.owner_id, |a| a.bot_id),
        _ => repo.owner_id,
    };
    let pull_id = world.next_id();
    let now = chrono::Utc::now();
    let repo = world
        .repos
        .get_mut(&id)
        .ok_or_else(|| ApiError::not_found(DOC_CREATE))?;
    let number = repo.next_number;
    repo.next_number += 1;
    repo.pulls.push(Pull {
        id: pull_id,
        number,
        title,
        body: body.get("body").and_then(Value::as_str).map(str::to_string),
        state: "open".to_string(),
        draft: body.get("draft").and_then(Value::as_bool).unwrap_or(false),
        head_ref,
        head_sha,
        base_ref,
        base_sha,
        user_id,
        created_at: now,
        updated_at: now,
        closed_at: None,
        merged_at: None,
        merge_commit_sha: None,
        labels: Vec::new(),
    });
    let index = world.repos[&id].pulls.len() - 1;
    if inner.options.api_write_webhooks {
        let out = payloads::pull_deliveries(&mut world, &inner.base, id, index, "opened");
        webhooks::spawn_all(&inner, out);
    }
    let repo = &world.repos[&id];
    let out = pull_json(&world, &inner.base, repo, &repo.pulls[index]);
    let location = format!(
        "{}/repos/{}/pulls/{number}",
        inner.base,
        render::repo_full_name(&world, repo)
    );
    Ok(created(&location, out))
}

fn find_pull(repo: &Repo, number: &str, doc: &str) -> Result<usize, ApiError> {
    let number: u64 = number.parse().map_err(|_| ApiError::not_found(doc))?;
    repo.pulls
        .iter()
        .position(|p| p.number == number)
        .ok_or_else(|| ApiError::not_found(doc))
}

pub async fn get(
    State(inner): State<Arc<Inner>>,
    Extension(caller): Extension<Caller>,
    Path((owner, name, number)): Path<(String, String, String)>,
) -> ApiResult {
    let world = inner.world();
    let id = repo_access(&world, &caller, &owner, &name, PULLS_READ, DOC_GET)?;
    let repo = &world.repos[&id];
    let index = find_pull(repo, &number, DOC_GET)?;
    Ok(json(
        StatusCode::OK,
        pull_json(&world, &inner.base, repo, &repo.pulls[index]),
    ))
}

pub async fn update(
    State(inner): State<Arc<Inner>>,
    Extension(caller): Extension<Caller>,
    Path((owner, name, number)): Path<(String, String, String)>,
    body: Bytes,
) -> ApiResult {
    let body = parse_object(&body, DOC_UPDATE)?;
    let mut world = inner.world();
    let id = repo_access(&world, &caller, &owner, &name, PULLS_WRITE, DOC_UPDATE)?;
    let repo = world
        .repos
        .get_mut(&id)
        .ok_or_else(|| ApiError::not_found(DOC_UPDATE))?;
    let index = find_pull(repo, &number, DOC_UPDATE)?;
    let head_sha = repo.pull_head_sha(&repo.pulls[index]);
    let pull = &mut repo.pulls[index];
    if let Some(title) = body.get("title").and_then(Value::as_str) {
        pull.title = title.to_string();
    }
    if let Some(text) = body.get("body") {
        pull.body = text.as_str().map(str::to_string);
    }
    match body.get("state").and_then(Value::as_str) {
        Some("closed") if pull.state == "open" => {
            pull.state = "closed".to_string();
            pull.closed_at = Some(chrono::Utc::now());
            pull.head_sha = head_sha;
        }
        Some("open") if pull.state == "closed" && pull.merged_at.is_none() => {
            pull.state = "open".to_string();
            pull.closed_at = None;
        }
        Some("open" | "closed") | None => {}
        Some(_) => {
            return Err(ApiError::validation(
                DOC_UPDATE,
                json!({"resource": "PullRequest", "code": "invalid", "field": "state"}),
            ));
        }
    }
    pull.updated_at = chrono::Utc::now();
    let repo = &world.repos[&id];
    Ok(json(
        StatusCode::OK,
        pull_json(&world, &inner.base, repo, &repo.pulls[index]),
    ))
}

pub async fn add_labels(
    State(inner): State<Arc<Inner>>,
    Extension(caller): Extension<Caller>,
    Path((owner, name, number)): Path<(String, String, String)>,
    body: Bytes,
) -> ApiResult {
    let body = parse_body(&body, DOC_LABELS)?;
    let names: Vec<String> = match &body {
        Value::Array(items) => items.clone(),
        Value::Object(_) => body
            .get("labels")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default(),
        _ => Vec::new(),
    }
    .iter()
    .filter_map(|v| v.as_str().or_else(|| v.get("name").and_then(Value::as_str)))
    .map(str::to_string)
    .collect();
    let mut world = inner.world();
    let id = repo_access(&world, &caller, &owner, &name, LABELS_WRITE, DOC_LABELS)?;
    let mut new_ids = Vec::new();
    for _ in &names {
        new_ids.push(world.next_id());
    }
    let repo = world
        .repos
        .get_mut(&id)
        .ok_or_else(|| ApiError::not_found(DOC_LABELS))?;
    let index = find_pull(repo, &number, DOC_LABELS)?;
    for (label, new_id) in names.iter().zip(new_ids) {
        if !repo.labels.iter().any(|l| &l.name == label) {
            // Unknown labels are created on the fly, as GitHub does.
            repo.labels.push(Label {
                id: new_id,
                name: label.clone(),
                color: "ededed".to_string(),
            });
        }
        let pull = &mut repo.pulls[index];
        if !pull.labels.contains(label) {
            pull.labels.push(label.clone());
        }
    }
    let repo = &world.repos[&id];
    let url = format!(
        "{}/repos/{}",
        inner.base,
        render::repo_full_name(&world, repo)
    );
    let labels: Vec<Value> = repo.pulls[index]
        .labels
        .iter()
        .filter_map(|n| repo.labels.iter().find(|l| &l.name == n))
        .map(|l| render::label(&url, l))
        .collect();
    Ok(json(StatusCode::OK, Value::Array(labels)))
}
