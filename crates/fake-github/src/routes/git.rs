//! Git Data API: refs, commits, trees and blobs, read and written as real git objects.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use futures_util::StreamExt as _;
use serde_json::{Value, json};

use super::super::git::{self, Object, TreeEntry};
use super::super::http::{ApiError, ApiResult, created, json, parse_object, required_str};
use super::super::server::Caller;
use super::super::state::{Repo, World};
use super::super::{Inner, payloads, render, webhooks};
use super::{CONTENTS_READ, CONTENTS_WRITE, Need, grants, repo_access};

const DOC_GET_REF: &str = "https://docs.github.com/rest/git/refs#get-a-reference";
const DOC_CREATE_REF: &str = "https://docs.github.com/rest/git/refs#create-a-reference";
const DOC_UPDATE_REF: &str = "https://docs.github.com/rest/git/refs#update-a-reference";
const DOC_DELETE_REF: &str = "https://docs.github.com/rest/git/refs#delete-a-reference";
const DOC_GET_COMMIT: &str = "https://docs.github.com/rest/git/commits#get-a-commit-object";
const DOC_CREATE_COMMIT: &str = "https://docs.github.com/rest/git/commits#create-a-commit";
const DOC_GET_TREE: &str = "https://docs.github.com/rest/git/trees#get-a-tree";
const DOC_CREATE_TREE: &str = "https://docs.github.com/rest/git/trees#create-a-tree";
const DOC_GET_BLOB: &str = "https://docs.github.com/rest/git/blobs#get-a-blob";
const DOC_CREATE_BLOB: &str = "https://docs.github.com/rest/git/blobs#create-a-blob";

type RepoPath = Path<(String, String)>;
type RepoItemPath = Path<(String, String, String)>;

/// Resolves access and refuses empty repositories (GitHub's 409).
fn open_repo(
    world: &World,
    caller: &Caller,
    owner: &str,
    name: &str,
    need: Need,
    doc: &str,
) -> Result<u64, ApiError> {
    let id = repo_access(world, caller, owner, name, need, doc)?;
    if world.repos[&id].is_empty() {
        return Err(ApiError::empty_repo(doc));
    }
    Ok(id)
}

fn repo_url(inner: &Inner, world: &World, repo: &Repo) -> (String, String) {
    let full = render::repo_full_name(world, repo);
    (
        format!("{}/repos/{full}", inner.base),
        format!("{}/{full}", inner.base),
    )
}

fn is_sha(s: &str) -> bool {
    s.len() == 40 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

pub async fn get_ref(
    State(inner): State<Arc<Inner>>,
    Extension(caller): Extension<Caller>,
    Path((owner, name, reference)): RepoItemPath,
) -> ApiResult {
    let world = inner.world();
    let id = open_repo(&world, &caller, &owner, &name, CONTENTS_READ, DOC_GET_REF)?;
    let repo = &world.repos[&id];
    let full = format!("refs/{}", reference.trim_start_matches("refs/"));
    let sha = repo
        .refs
        .get(&full)
        .ok_or_else(|| ApiError::not_found(DOC_GET_REF))?;
    let (url, _) = repo_url(&inner, &world, repo);
    Ok(json(StatusCode::OK, render::git_ref(&url, &full, sha)))
}

pub async fn create_ref(
    State(inner): State<Arc<Inner>>,
    Extension(caller): Extension<Caller>,
    Path((owner, name)): RepoPath,
    body: Bytes,
) -> ApiResult {
    let body = parse_object(&body, DOC_CREATE_REF)?;
    let mut world = inner.world();
    let id = open_repo(
        &world,
        &caller,
        &owner,
        &name,
        CONTENTS_WRITE,
        DOC_CREATE_REF,
    )?;
    let reference = required_str(&body, "ref", "Reference", DOC_CREATE_REF)?.to_string();
    let sha = required_str(&body, "sha", "Reference", DOC_CREATE_REF)?.to_ascii_lowercase();
    if !reference.starts_with("refs/") || reference.matches('/').count() < 2 {
        return Err(ApiError::unprocessable(
            "Reference name must start with 'refs' and have at least two slashes.",
            DOC_CREATE_REF,
        ));
    }
    let (url, _) = repo_url(&inner, &world, &world.repos[&id]);
    let repo = world
        .repos
        .get_mut(&id)
        .ok_or_else(|| ApiError::not_found(DOC_CREATE_REF))?;
    if repo.store.commit(&sha).is_none() {
        return Err(ApiError::unprocessable(
            "Object does not exist",
            DOC_CREATE_REF,
        ));
    }
    if repo.refs.contains_key(&reference) {
        return Err(ApiError::unprocessable(
            "Reference already exists",
            DOC_CREATE_REF,
        ));
    }
    repo.refs.insert(reference.clone(), sha.clone());
    repo.pushed_at = chrono::Utc::now();
    if inner.options.api_write_webhooks
        && let Some(branch) = reference.strip_prefix("refs/heads/")
    {
        let out = payloads::push_deliveries(&mut world, &inner.base, id, branch, None, &sha);
        webhooks::spawn_all(&inner, out);
    }
    Ok(created(
        &format!("{url}/git/{reference}"),
        render::git_ref(&url, &reference, &sha),
    ))
}

pub async fn update_ref(
    State(inner): State<Arc<Inner>>,
    Extension(caller): Extension<Caller>,
    Path((owner, name, reference)): RepoItemPath,
    body: Bytes,
) -> ApiResult {
    let body = parse_object(&body, DOC_UPDATE_REF)?;
    let mut world = inner.world();
    let id = open_repo(
        &world,
        &caller,
        &owner,
        &name,
        CONTENTS_WRITE,
        DOC_UPDATE_REF,
    )?;
    let sha = required_str(&body, "sha", "Reference", DOC_UPDATE_REF)?.to_ascii_lowercase();
    let force = body.get("force").and_then(Value::as_bool).unwrap_or(false);
    let full = format!("refs/{}", reference.trim_start_matches("refs/"));
    let (url, _) = repo_url(&inner, &world, &world.repos[&id]);
    let repo = world
        .repos
        .get_mut(&id)
        .ok_or_else(|| ApiError::not_found(DOC_UPDATE_REF))?;
    let current = repo
        .refs
        .get(&full)
        .cloned()
        .ok_or_else(|| ApiError::unprocessable("Reference does not exist", DOC_UPDATE_REF))?;
    if repo.store.commit(&sha).is_none() {
        return Err(ApiError::unprocessable(
            "Object does not exist",
            DOC_UPDATE_REF,
        ));
    }
    if !force && !repo.store.is_ancestor(&current, &sha) {
        return Err(ApiError::unprocessable(
            "Update is not a fast forward",
            DOC_UPDATE_REF,
        ));
    }
    repo.refs.insert(full.clone(), sha.clone());
    repo.pushed_at = chrono::Utc::now();
    if inner.options.api_write_webhooks
        && let Some(branch) = full.strip_prefix("refs/heads/")
    {
        let out =
            payloads::push_deliveries(&mut world, &inner.base, id, branch, Some(&current), &sha);
        webhooks::spawn_all(&inner, out);
    }
    Ok(json(StatusCode::OK, render::git_ref(&url, &full, &sha)))
}

pub async fn delete_ref(
    State(inner): State<Arc<Inner>>,
    Extension(caller): Extension<Caller>,
    Path((owner, name, reference)): RepoItemPath,
) -> ApiResult {
    let mut world = inner.world();
    let id = open_repo(
        &world,
        &caller,
        &owner,
        &name,
        CONTENTS_WRITE,
        DOC_DELETE_REF,
    )?;
    let full = format!("refs/{}", reference.trim_start_matches("refs/"));
    let repo = world
        .repos
        .get_mut(&id)
        .ok_or_else(|| ApiError::not_found(DOC_DELETE_REF))?;
    if full == format!("refs/heads/{}", repo.default_branch) {
        return Err(ApiError::unprocessable(
            "Cannot delete the default branch",
            DOC_DELETE_REF,
        ));
    }
    if repo.refs.remove(&full).is_none() {
        return Err(ApiError::unprocessable(
            "Reference does not exist",
            DOC_DELETE_REF,
        ));
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub async fn get_commit(
    State(inner): State<Arc<Inner>>,
    Extension(caller): Extension<Caller>,
    Path((owner, name, sha)): RepoItemPath,
) -> ApiResult {
    let world = inner.world();
    let id = open_repo(
        &world,
        &caller,
        &owner,
        &name,
        CONTENTS_READ,
        DOC_GET_COMMIT,
    )?;
    let repo = &world.repos[&id];
    let commit = repo
        .store
        .commit(&sha)
        .ok_or_else(|| ApiError::not_found(DOC_GET_COMMIT))?;
    let (url, html) = repo_url(&inner, &world, repo);
    Ok(json(
        StatusCode::OK,
        render::git_commit(&url, &html, &sha.to_ascii_lowercase(), commit),
    ))
}

fn signature_from(value: Option<&Value>, default: &git::Signature) -> git::Signature {
    let Some(value) = value else {
        return default.clone();
    };
    git::Signature {
        name: value
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or(&default.name)
            .to_string(),
        email: value
            .get("email")
            .and_then(Value::as_str)
            .unwrap_or(&default.email)
            .to_string(),
        date: value
            .get("date")
            .and_then(Value::as_str)
            .and_then(|d| chrono::DateTime::parse_from_rfc3339(d).ok())
            .map(|d| d.with_timezone(&chrono::Utc))
            .unwrap_or(default.date),
    }
}

pub async fn create_commit(
    State(inner): State<Arc<Inner>>,
    Extension(caller): Extension<Caller>,
    Path((owner, name)): RepoPath,
    body: Bytes,
) -> ApiResult {
    let body = parse_object(&body, DOC_CREATE_COMMIT)?;
    let mut world = inner.world();
    let id = open_repo(
        &world,
        &caller,
        &owner,
        &name,
        CONTENTS_WRITE,
        DOC_CREATE_COMMIT,
    )?;
    let message = required_str(&body, "message", "Commit", DOC_CREATE_COMMIT)?.to_string();
    let tree = required_str(&body, "tree", "Commit", DOC_CREATE_COMMIT)?.to_ascii_lowercase();
    let parents: Vec<String> = body
        .get("parents")
        .and_then(Value::as_array)
        .map(|p| {
            p.iter()
                .filter_map(Value::as_str)
                .map(str::to_ascii_lowercase)
                .collect()
        })
        .unwrap_or_default();
    let bot = bot_signature(&world, &caller);
    let (url, html) = repo_url(&inner, &world, &world.repos[&id]);
    let repo = world
        .repos
        .get_mut(&id)
        .ok_or_else(|| ApiError::not_found(DOC_CREATE_COMMIT))?;
    if repo.store.tree(&tree).is_none() {
        return Err(ApiError::unprocessable(
            "Tree SHA does not exist",
            DOC_CREATE_COMMIT,
        ));
    }
    if parents.iter().any(|p| repo.store.commit(p).is_none()) {
        return Err(ApiError::unprocessable(
            "Parent SHA does not exist or is not a commit object",
            DOC_CREATE_COMMIT,
        ));
    }
    let author = signature_from(body.get("author"), &bot);
    let committer = signature_from(body.get("committer").or(body.get("author")), &bot);
    let custom = body.get("author").is_some() || body.get("committer").is_some();
    let commit = git::Commit {
        tree,
        parents,
        author,
        committer,
        message,
        verified: !custom,
    };
    let sha = repo.store.insert(Object::Commit(commit.clone()));
    Ok(created(
        &format!("{url}/git/commits/{sha}"),
        render::git_commit(&url, &html, &sha, &commit),
    ))
}

/// The app bot as author (`<slug>[bot]`), or a generic one for other callers.
fn bot_signature(world: &World, caller: &Caller) -> git::Signature {
    let app = match caller {
        Caller::Installation { id, .. } => world
            .installations
            .get(id)
            .and_then(|i| world.apps.get(&i.app_id)),
        Caller::App(id) => world.apps.get(id),
        Caller::Anonymous => None,
    };
    match app {
        Some(app) => git::Signature {
            name: format!("{}[bot]", app.slug),
            email: format!("{}+{}[bot]@users.noreply.github.com", app.bot_id, app.slug),
            date: chrono::Utc::now(),
        },
        None => super::super::state::person(chrono::Utc::now()),
    }
}

fn touches_workflows(path: &str) -> bool {
    let path = path.trim_start_matches('/');
    path == ".github" || path == ".github/workflows" || path.starts_with(".github/workflows/")
}

pub async fn create_tree(
    State(inner): State<Arc<Inner>>,
    Extension(caller): Extension<Caller>,
    Path((owner, name)): RepoPath,
    body: Bytes,
) -> ApiResult {
    let body = parse_object(&body, DOC_CREATE_TREE)?;
    let mut world = inner.world();
    let id = open_repo(
        &world,
        &caller,
        &owner,
        &name,
        CONTENTS_WRITE,
        DOC_CREATE_TREE,
    )?;
    let entries = body
        .get("tree")
        .and_then(Value::as_array)
        .ok_or_else(|| {
            ApiError::validation(
                DOC_CREATE_TREE,
                json!({"resource": "Tree", "code": "missing_field", "field": "tree"}),
            )
        })?
        .clone();
    if let Caller::Installation { token, .. } = &caller {
        let touches = entries.iter().any(|e| {
            e.get("path")
                .and_then(Value::as_str)
                .is_some_and(touches_workflows)
        });
        if touches && !grants(&token.permissions, "workflows", "write") {
            return Err(ApiError::not_accessible(DOC_CREATE_TREE, "workflows=write"));
        }
    }
    let (url, _) = repo_url(&inner, &world, &world.repos[&id]);
    let repo = world
        .repos
        .get_mut(&id)
        .ok_or_else(|| ApiError::not_found(DOC_CREATE_TREE))?;
    let mut flat = match body.get("base_tree").and_then(Value::as_str) {
        Some(base) => {
            let tree = resolve_tree(repo, base)
                .ok_or_else(|| ApiError::unprocessable("Invalid tree info", DOC_CREATE_TREE))?;
            repo.store.flatten(&tree)
        }
        None => git::Flat::new(),
    };
    // Validate everything before writing anything, so a refused request leaves no objects.
    let mut blobs: Vec<Object> = Vec::new();
    for (index, entry) in entries.iter().enumerate() {
        let invalid = |message: &str| {
            ApiError::validation(
                DOC_CREATE_TREE,
                json!({"resource": "Tree", "code": "invalid", "field": format!("tree[{index}]"), "message": message}),
            )
        };
        let path = entry
            .get("path")
            .and_then(Value::as_str)
            .ok_or_else(|| invalid("path is missing"))?
            .trim_matches('/')
            .to_string();
        let mode = entry
            .get("mode")
            .and_then(Value::as_str)
            .unwrap_or(git::MODE_FILE)
            .to_string();
        let content = entry.get("content").and_then(Value::as_str);
        let sha = entry.get("sha");
        match (content, sha) {
            (Some(_), Some(s)) if !s.is_null() => {
                return Err(invalid(
                    "Must supply either tree.sha or tree.content, not both",
                ));
            }
            (Some(text), _) => {
                let blob = Object::Blob(text.as_bytes().to_vec().into());
                flat.insert(path, (mode, blob.id()));
                blobs.push(blob);
            }
            (None, Some(Value::Null)) => {
                let prefix = format!("{path}/");
                let before = flat.len();
                flat.retain(|p, _| p != &path && !p.starts_with(&prefix));
                if flat.len() == before {
                    return Err(ApiError::unprocessable(
                        format!("GitRPC::BadObjectState: path '{path}' does not exist"),
                        DOC_CREATE_TREE,
                    ));
                }
            }
            (None, Some(Value::String(s))) => {
                let s = s.to_ascii_lowercase();
                if mode == git::MODE_TREE || mode == "40000" {
                    if repo.store.tree(&s).is_none() {
                        return Err(invalid("tree.sha is not a tree"));
                    }
                    let prefix = format!("{path}/");
                    flat.retain(|p, _| p != &path && !p.starts_with(&prefix));
                    for (sub, value) in repo.store.flatten(&s) {
                        flat.insert(format!("{prefix}{sub}"), value);
                    }
                } else {
                    if repo.store.blob(&s).is_none() && mode != "160000" {
                        return Err(invalid("tree.sha is not a blob"));
                    }
                    flat.insert(path, (mode, s));
                }
            }
            _ => return Err(invalid("Must supply a valid tree.sha or tree.content")),
        }
    }
    for blob in blobs {
        repo.store.insert(blob);
    }
    let tree = repo.store.write_flat(&flat);
    let body = tree_json(repo, &url, &tree, false, usize::MAX);
    Ok(created(&format!("{url}/git/trees/{tree}"), body))
}

/// A tree id from a tree sha, a commit sha, or a branch/tag name.
fn resolve_tree(repo: &Repo, what: &str) -> Option<String> {
    if is_sha(what) && repo.store.tree(what).is_some() {
        return Some(what.to_ascii_lowercase());
    }
    let commit = repo.resolve_commit(what)?;
    repo.store.commit(&commit).map(|c| c.tree.clone())
}

fn entry_json(repo: &Repo, url: &str, path: &str, entry: &TreeEntry) -> Value {
    let kind = entry.kind();
    let mut value = json!({
        "path": path,
        "mode": entry.mode,
        "type": kind,
        "sha": entry.sha,
    });
    match kind {
        "blob" => {
            value["size"] = json!(repo.store.blob(&entry.sha).map_or(0, <[u8]>::len));
            value["url"] = json!(format!("{url}/git/blobs/{}", entry.sha));
        }
        "tree" => value["url"] = json!(format!("{url}/git/trees/{}", entry.sha)),
        _ => {}
    }
    value
}

fn tree_json(repo: &Repo, url: &str, tree: &str, recursive: bool, limit: usize) -> Value {
    let entries: Vec<(String, TreeEntry)> = if recursive {
        repo.store.walk(tree)
    } else {
        let mut entries = repo.store.tree(tree).unwrap_or_default().to_vec();
        git::sort_entries(&mut entries);
        entries.into_iter().map(|e| (e.name.clone(), e)).collect()
    };
    let truncated = entries.len() > limit;
    let listed: Vec<Value> = entries
        .iter()
        .take(limit)
        .map(|(path, entry)| entry_json(repo, url, path, entry))
        .collect();
    json!({
        "sha": tree,
        "url": format!("{url}/git/trees/{tree}"),
        "tree": listed,
        "truncated": truncated,
    })
}

pub async fn get_tree(
    State(inner): State<Arc<Inner>>,
    Extension(caller): Extension<Caller>,
    Path((owner, name, tree_sha)): RepoItemPath,
    Query(query): Query<HashMap<String, String>>,
) -> ApiResult {
    let world = inner.world();
    let id = open_repo(&world, &caller, &owner, &name, CONTENTS_READ, DOC_GET_TREE)?;
    let repo = &world.repos[&id];
    let tree = resolve_tree(repo, &tree_sha).ok_or_else(|| ApiError::not_found(DOC_GET_TREE))?;
    let (url, _) = repo_url(&inner, &world, repo);
    // Any value of `recursive` enables recursion, as on GitHub.
    let recursive = query.contains_key("recursive");
    Ok(json(
        StatusCode::OK,
        tree_json(repo, &url, &tree, recursive, inner.options.tree_entry_limit),
    ))
}

/// The media type of a raw blob: `application/vnd.github.raw+json` asks for it (and the
/// older `application/vnd.github.raw` and `application/vnd.github.v3.raw` do too).
const RAW_MEDIA: &str = "application/vnd.github.raw";

/// A raw blob goes out in pieces of this size, each counted when the connection takes it.
const RAW_CHUNK: usize = 64 * 1024;

pub async fn get_blob(
    State(inner): State<Arc<Inner>>,
    Extension(caller): Extension<Caller>,
    Path((owner, name, sha)): RepoItemPath,
    headers: axum::http::HeaderMap,
) -> ApiResult {
    let world = inner.world();
    let id = open_repo(&world, &caller, &owner, &name, CONTENTS_READ, DOC_GET_BLOB)?;
    let repo = &world.repos[&id];
    let bytes = repo
        .store
        .blob_shared(&sha)
        .ok_or_else(|| ApiError::not_found(DOC_GET_BLOB))?;
    let (url, _) = repo_url(&inner, &world, repo);
    let sha = sha.to_ascii_lowercase();
    let raw = headers
        .get(axum::http::header::ACCEPT)
        .and_then(|accept| accept.to_str().ok())
        .is_some_and(|accept| {
            accept
                .split(',')
                .any(|media| media.trim().starts_with(RAW_MEDIA) || media.contains(".raw"))
        });
    if raw {
        return Ok(raw_blob(&inner, &sha, bytes));
    }
    let content = render::base64_lines(&bytes);
    inner.count_blob_bytes(content.len());
    Ok(json(
        StatusCode::OK,
        json!({
            "sha": sha,
            "node_id": render::node_id("Blob", &sha),
            "size": bytes.len(),
            "url": format!("{url}/git/blobs/{sha}"),
            "content": content,
            "encoding": "base64",
        }),
    ))
}

/// A blob's bytes as the body, streamed: a client that stops reading stops the count.
/// The ETag is the blob's id, as content-addressed objects allow.
fn raw_blob(inner: &Arc<Inner>, sha: &str, bytes: Bytes) -> axum::response::Response {
    let counter = inner.clone();
    let chunks: Vec<Bytes> = (0..bytes.len())
        .step_by(RAW_CHUNK)
        .map(|start| bytes.slice(start..bytes.len().min(start + RAW_CHUNK)))
        .collect();
    let stream = futures_util::stream::iter(chunks).map(move |chunk| {
        counter.count_blob_bytes(chunk.len());
        Ok::<_, std::convert::Infallible>(chunk)
    });
    let mut response = axum::body::Body::from_stream(stream).into_response();
    let headers = response.headers_mut();
    headers.insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static(RAW_MEDIA),
    );
    if let Ok(length) = axum::http::HeaderValue::from_str(&bytes.len().to_string()) {
        headers.insert(axum::http::header::CONTENT_LENGTH, length);
    }
    if let Ok(etag) = axum::http::HeaderValue::from_str(&format!("\"{sha}\"")) {
        headers.insert(axum::http::header::ETAG, etag);
    }
    response
}

pub async fn create_blob(
    State(inner): State<Arc<Inner>>,
    Extension(caller): Extension<Caller>,
    Path((owner, name)): RepoPath,
    body: Bytes,
) -> ApiResult {
    let body = parse_object(&body, DOC_CREATE_BLOB)?;
    let mut world = inner.world();
    let id = open_repo(
        &world,
        &caller,
        &owner,
        &name,
        CONTENTS_WRITE,
        DOC_CREATE_BLOB,
    )?;
    let content = required_str(&body, "content", "Blob", DOC_CREATE_BLOB)?;
    let bytes = match body
        .get("encoding")
        .and_then(Value::as_str)
        .unwrap_or("utf-8")
    {
        "utf-8" | "utf8" => content.as_bytes().to_vec(),
        "base64" => {
            let compact: String = content.split_whitespace().collect();
            STANDARD.decode(compact).map_err(|_| {
                ApiError::validation(
                    DOC_CREATE_BLOB,
                    json!({"resource": "Blob", "code": "invalid", "field": "content"}),
                )
            })?
        }
        other => {
            return Err(ApiError::validation(
                DOC_CREATE_BLOB,
                json!({"resource": "Blob", "code": "invalid", "field": "encoding", "message": format!("encoding {other} is not supported")}),
            ));
        }
    };
    let (url, _) = repo_url(&inner, &world, &world.repos[&id]);
    let repo = world
        .repos
        .get_mut(&id)
        .ok_or_else(|| ApiError::not_found(DOC_CREATE_BLOB))?;
    let sha = repo.store.insert(Object::Blob(bytes.into()));
    let location = format!("{url}/git/blobs/{sha}");
    Ok(created(&location, json!({"url": location, "sha": sha})))
}
