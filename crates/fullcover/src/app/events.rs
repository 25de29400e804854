//! What each webhook event means for the record and the queue. Handling is idempotent:
//! state is upserted and a job already queued is not queued twice, so a delivery handled
//! again after a crash changes nothing.

use serde_json::Value;

use super::App;
use super::deliver::BRANCH;
use crate::store::{JobKind, NewJob, RepoState, Result, StoredDelivery};

/// Handles one stored delivery; returns what it did, for the record.
pub async fn handle(app: &App, delivery: &StoredDelivery) -> Result<String> {
    let payload: Value = match serde_json::from_str(&delivery.payload) {
        Ok(payload) => payload,
        Err(err) => return Ok(format!("unreadable payload: {err}")),
    };
    let action = payload.get("action").and_then(Value::as_str).unwrap_or("");
    let Some(installation) = payload.pointer("/installation/id").and_then(Value::as_i64) else {
        return Ok(match delivery.event.as_str() {
            "ping" => "pong".to_owned(),
            _ => "no installation: ignored".to_owned(),
        });
    };
    let outcome = match delivery.event.as_str() {
        "installation" => installation_event(app, installation, action, &payload).await?,
        "installation_repositories" => repositories_changed(app, installation, &payload).await?,
        "push" => push(app, installation, &payload).await?,
        "pull_request" => pull_request(app, installation, action, &payload).await?,
        "repository" => repository_event(app, installation, action, &payload).await?,
        "check_run" => check_run(app, action, &payload).await?,
        "installation_target" => installation_target(app, installation, action, &payload).await?,
        "ping" => "pong".to_owned(),
        other => format!("{other}: not used"),
    };
    Ok(outcome)
}

async fn installation_event(
    app: &App,
    installation: i64,
    action: &str,
    payload: &Value,
) -> Result<String> {
    let store = app.store();
    let account = payload
        .pointer("/installation/account/login")
        .and_then(Value::as_str)
        .unwrap_or("");
    let account_type = payload
        .pointer("/installation/account/type")
        .and_then(Value::as_str)
        .unwrap_or("Organization");
    match action {
        "created" | "unsuspend" | "new_permissions_accepted" => {
            store
                .upsert_installation(installation, account, account_type, "active")
                .await?;
            queue_sync(app, installation).await?;
            Ok(format!("installation {installation} active: syncing"))
        }
        "deleted" | "suspend" => {
            let state = if action == "deleted" {
                "deleted"
            } else {
                "suspended"
            };
            store
                .upsert_installation(installation, account, account_type, state)
                .await?;
            let reason = format!("installation {state}");
            for repository in store.repositories(installation).await? {
                store
                    .set_repository_state(repository.id, RepoState::Excluded, Some(&reason))
                    .await?;
            }
            app.github().forget(installation);
            Ok(reason)
        }
        other => Ok(format!("installation {other}: not used")),
    }
}

async fn queue_sync(app: &App, installation: i64) -> Result<bool> {
    app.store()
        .enqueue(&NewJob {
            kind: JobKind::SyncInstallation,
            subject: installation.to_string(),
            installation_id: installation,
        })
        .await
}

/// Queues a scan of a repository (at most one waits per repository).
pub async fn queue_scan(app: &App, installation: i64, repository: i64) -> Result<bool> {
    app.store()
        .enqueue(&NewJob {
            kind: JobKind::Scan,
            subject: repository.to_string(),
            installation_id: installation,
        })
        .await
}

async fn repositories_changed(app: &App, installation: i64, payload: &Value) -> Result<String> {
    let store = app.store();
    let mut added = 0;
    for repository in list(payload, "repositories_added") {
        let (Some(id), Some(full_name)) = (
            repository.get("id").and_then(Value::as_i64),
            repository.get("full_name").and_then(Value::as_str),
        ) else {
            continue;
        };
        let private = repository
            .get("private")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        store
            .upsert_repository(id, installation, full_name, None, private)
            .await?;
        store
            .set_repository_state(id, RepoState::Pending, None)
            .await?;
        queue_scan(app, installation, id).await?;
        added += 1;
    }
    let mut removed = 0;
    for repository in list(payload, "repositories_removed") {
        if let Some(id) = repository.get("id").and_then(Value::as_i64) {
            store
                .set_repository_state(
                    id,
                    RepoState::Excluded,
                    Some("removed from the installation"),
                )
                .await?;
            removed += 1;
        }
    }
    Ok(format!("{added} added, {removed} removed"))
}

fn list<'a>(payload: &'a Value, key: &str) -> impl Iterator<Item = &'a Value> {
    payload
        .get(key)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}

async fn push(app: &App, installation: i64, payload: &Value) -> Result<String> {
    let Some(repository) = payload.pointer("/repository/id").and_then(Value::as_i64) else {
        return Ok("push without repository: ignored".into());
    };
    let default_branch = payload
        .pointer("/repository/default_branch")
        .and_then(Value::as_str)
        .unwrap_or("");
    let pushed = payload.get("ref").and_then(Value::as_str).unwrap_or("");
    if pushed != format!("refs/heads/{default_branch}") {
        return Ok(format!("push to {pushed}: not the default branch"));
    }
    let Some(record) = app.store().repository(repository).await? else {
        return Ok("push to an unknown repository: ignored".into());
    };
    if let Some(after) = payload.get("after").and_then(Value::as_str) {
        app.store().set_default_head(repository, after).await?;
    }
    if record.state == RepoState::Excluded && record.reason.as_deref() == Some("empty repository") {
        // Its first commits: it may need onboarding now.
        app.store()
            .set_repository_state(repository, RepoState::Pending, None)
            .await?;
        queue_scan(app, installation, repository).await?;
        return Ok("first push to an empty repository: scan queued".into());
    }
    if record.state == RepoState::Excluded {
        return Ok(format!(
            "push to an excluded repository ({}): ignored",
            record.reason.unwrap_or_default()
        ));
    }
    if !push_can_change_result(app, payload) {
        return Ok("push changes nothing detection reads: no rescan".into());
    }
    queue_scan(app, installation, repository).await?;
    Ok("rescan queued".into())
}

/// Whether a push may change the scan: files added or removed always may (a new stack,
/// a new language); a modified file only when detection reads its content. A payload
/// that may be incomplete (GitHub caps commits and file lists) always rescans.
fn push_can_change_result(app: &App, payload: &Value) -> bool {
    let commits: Vec<&Value> = list(payload, "commits").collect();
    let forced = payload.get("forced").and_then(Value::as_bool) == Some(true);
    if forced || commits.is_empty() || commits.len() >= 2048 {
        return true;
    }
    let mut modified = Vec::new();
    for commit in commits {
        let files = |key: &str| -> Vec<String> {
            list(commit, key)
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        };
        let (added, removed, changed) = (files("added"), files("removed"), files("modified"));
        if !added.is_empty() || !removed.is_empty() || changed.len() >= 3000 {
            return true;
        }
        modified.extend(changed);
    }
    if modified
        .iter()
        .any(|path| path == fullcover_core::config::PATH)
    {
        return true;
    }
    // Sizes are unknown here; any non-zero size asks the same question (empty files
    // need no read).
    let listing = fullcover_core::snapshot::Snapshot::from_memory(
        "push",
        modified.iter().map(|path| (path.clone(), vec![b' '])),
    );
    !fullcover_core::detect::content_needs(
        &listing,
        app.rules(),
        fullcover_core::detect::Depth::Deciding,
    )
    .is_empty()
}

async fn pull_request(
    app: &App,
    installation: i64,
    action: &str,
    payload: &Value,
) -> Result<String> {
    let head = payload
        .pointer("/pull_request/head/ref")
        .and_then(Value::as_str)
        .unwrap_or("");
    if head != BRANCH {
        return Ok(format!("pull request from {head}: not ours"));
    }
    let (Some(repository), Some(number)) = (
        payload.pointer("/repository/id").and_then(Value::as_i64),
        payload
            .pointer("/pull_request/number")
            .and_then(Value::as_i64),
    ) else {
        return Ok("pull request without repository or number: ignored".into());
    };
    let store = app.store();
    let Some(known) = store.pull_request(repository).await? else {
        return Ok(format!("pull request #{number} not on record: ignored"));
    };
    // A fork can name a branch `fullcover/onboarding` too: only the pull request the App
    // opened, from the repository itself, speaks for the repository.
    let head_repository = payload
        .pointer("/pull_request/head/repo/id")
        .and_then(Value::as_i64);
    if known.number != number || head_repository != Some(repository) {
        return Ok(format!(
            "pull request #{number} is not the onboarding pull request on record: ignored"
        ));
    }
    let url = payload
        .pointer("/pull_request/html_url")
        .and_then(Value::as_str)
        .unwrap_or(&known.url)
        .to_owned();
    let merged = payload
        .pointer("/pull_request/merged")
        .and_then(Value::as_bool)
        == Some(true);
    let (state, event) = match action {
        "closed" if merged => ("merged", "merged"),
        "closed" => ("closed", "closed"),
        "reopened" => ("open", "reopened"),
        other => return Ok(format!("pull request {other}: not used")),
    };
    store
        .upsert_pull_request(
            &crate::store::PullRequestRecord {
                repository_id: repository,
                number,
                state: state.into(),
                plan_hash: known.plan_hash,
                url,
            },
            event,
        )
        .await?;
    match event {
        "merged" => {
            store
                .set_repository_state(repository, RepoState::Pending, None)
                .await?;
            queue_scan(app, installation, repository).await?;
            Ok(format!("pull request #{number} merged: rescan queued"))
        }
        "closed" => {
            let reason = format!("onboarding pull request #{number} closed without merging");
            store
                .set_repository_state(repository, RepoState::OptedOut, Some(&reason))
                .await?;
            Ok(reason)
        }
        _ => {
            store
                .set_repository_state(repository, RepoState::Onboarding, None)
                .await?;
            Ok(format!("pull request #{number} reopened"))
        }
    }
}

/// The installed account was renamed: the record follows, so that members signing in
/// under the new name still see it.
async fn installation_target(
    app: &App,
    installation: i64,
    action: &str,
    payload: &Value,
) -> Result<String> {
    let Some(login) = payload.pointer("/account/login").and_then(Value::as_str) else {
        return Ok(format!(
            "installation_target {action} without account: ignored"
        ));
    };
    if action != "renamed" {
        return Ok(format!("installation_target {action}: not used"));
    }
    let store = app.store();
    let Some(state) = store.installation_state(installation).await? else {
        return Ok("installation not on record: ignored".into());
    };
    let kind = payload
        .pointer("/account/type")
        .and_then(Value::as_str)
        .unwrap_or("Organization");
    store
        .upsert_installation(installation, login, kind, &state)
        .await?;
    store
        .rename_account_repositories(installation, login)
        .await?;
    Ok(format!("account renamed to {login}"))
}

/// A completed check run on the default branch: evidence that a scanner runs.
async fn check_run(app: &App, action: &str, payload: &Value) -> Result<String> {
    if action != "completed" {
        return Ok(format!("check run {action}: not used"));
    }
    let text = |pointer: &str| payload.pointer(pointer).and_then(Value::as_str);
    let (Some(repository), Some(name), Some(sha), Some(conclusion)) = (
        payload.pointer("/repository/id").and_then(Value::as_i64),
        text("/check_run/name"),
        text("/check_run/head_sha"),
        text("/check_run/conclusion"),
    ) else {
        return Ok("check run without name, commit or conclusion: ignored".into());
    };
    let branch = text("/check_run/check_suite/head_branch");
    let default_branch = text("/repository/default_branch");
    if branch.is_none() || branch != default_branch {
        return Ok(format!(
            "check run {name} not on the default branch: not used"
        ));
    }
    // The head branch of a fork's pull request can bear the default branch's name; only
    // the default branch's own newest commit counts.
    if app.store().default_head(repository).await?.as_deref() != Some(sha) {
        return Ok(format!(
            "check run {name} not on the default branch's head: not used"
        ));
    }
    let completed = text("/check_run/completed_at")
        .and_then(|at| chrono::DateTime::parse_from_rfc3339(at).ok())
        .map_or_else(crate::store::now, |at| at.timestamp());
    app.store()
        .record_check_run(repository, name, sha, conclusion, completed)
        .await?;
    Ok(format!("check run {name}: {conclusion}"))
}

async fn repository_event(
    app: &App,
    installation: i64,
    action: &str,
    payload: &Value,
) -> Result<String> {
    let Some(repository) = payload.pointer("/repository/id").and_then(Value::as_i64) else {
        return Ok("repository event without id: ignored".into());
    };
    let store = app.store();
    if store.repository(repository).await?.is_none() {
        return Ok(format!("repository {action}: not on record"));
    }
    match action {
        "archived" | "deleted" => {
            store
                .set_repository_state(repository, RepoState::Excluded, Some(action))
                .await?;
            Ok(format!("repository {action}: excluded"))
        }
        "unarchived" => {
            store
                .set_repository_state(repository, RepoState::Pending, None)
                .await?;
            queue_scan(app, installation, repository).await?;
            Ok("repository unarchived: rescan queued".into())
        }
        "renamed" | "transferred" => {
            if let Some(full_name) = payload
                .pointer("/repository/full_name")
                .and_then(Value::as_str)
            {
                store.rename_repository(repository, full_name).await?;
            }
            Ok(format!("repository {action}"))
        }
        "edited" if payload.pointer("/changes/default_branch").is_some() => {
            store
                .set_repository_state(repository, RepoState::Pending, None)
                .await?;
            queue_scan(app, installation, repository).await?;
            Ok("default branch changed: rescan queued".into())
        }
        other => Ok(format!("repository {other}: not used")),
    }
}
