//! The JSON bodies of the webhooks the control API and the API's writes send, and the
//! deliveries that carry them to every subscribed installation.

use serde_json::{Value, json};

use crate::alerts::{AlertFamily, SecretLocation};
use crate::git;
use crate::render;
use crate::render_alerts;
use crate::state::{AccountKind, App, CheckRun, Repo, WorkflowRun, World};
use crate::webhooks::{self, Outgoing};

/// The short repository list of an installation (for installation webhooks).
fn short_repos(world: &World, installation_id: u64) -> Vec<Value> {
    world
        .installation_repos(installation_id)
        .iter()
        .map(|id| render::repository_short(world, &world.repos[id]))
        .collect()
}

/// Deliveries of a repository event to every installation (subscribed) covering the repo.
pub(crate) fn repo_deliveries(
    world: &mut World,
    base: &str,
    repo_id: u64,
    event: &str,
    payload: &Value,
) -> Vec<Outgoing> {
    let mut out = Vec::new();
    for installation_id in world.installations_for_repo(repo_id) {
        let Some(app_id) = world.installations.get(&installation_id).map(|i| i.app_id) else {
            continue;
        };
        let suspended = world
            .installations
            .get(&installation_id)
            .is_some_and(|i| i.suspended_at.is_some());
        if suspended
            || !webhooks::subscribed(world, app_id, event)
            || !permitted(world, installation_id, event)
        {
            continue;
        }
        let payload = repo_event(world, base, repo_id, installation_id, payload.clone());
        out.push(Outgoing {
            app_id,
            event: event.to_string(),
            payload,
        });
    }
    out
}

/// Whether an installation holds the permission GitHub requires to deliver `event`
/// (the alert events; other events need none beyond the subscription).
fn permitted(world: &World, installation_id: u64, event: &str) -> bool {
    let permission = match event {
        "code_scanning_alert" => "security_events",
        "dependabot_alert" => "vulnerability_alerts",
        "secret_scanning_alert" | "secret_scanning_alert_location" => "secret_scanning_alerts",
        _ => return true,
    };
    world
        .installations
        .get(&installation_id)
        .is_some_and(|i| crate::routes::grants(&i.permissions, permission, "read"))
}

/// Deliveries of an alert event: `code_scanning_alert` (with `ref` and `commit_oid`, empty
/// for the `*_by_user` actions), `dependabot_alert`, `secret_scanning_alert`, or, with a
/// location, `secret_scanning_alert_location`.
pub(crate) fn alert_deliveries(
    world: &mut World,
    base: &str,
    repo_id: u64,
    key: (AlertFamily, u64),
    action: &str,
    location: Option<&SecretLocation>,
) -> Vec<Outgoing> {
    let Some(repo) = world.repos.get(&repo_id) else {
        return Vec::new();
    };
    let Some(alert) = repo.security.alert(key.0, key.1) else {
        return Vec::new();
    };
    let mut event = key.0.event();
    let payload = match key.0 {
        AlertFamily::CodeScanning => {
            let by_user = action.ends_with("_by_user");
            let (git_ref, commit) = if by_user {
                (String::new(), String::new())
            } else {
                (alert.git_ref.clone(), alert.commit_sha.clone())
            };
            json!({
                "action": action,
                "alert": render_alerts::code_alert_webhook(world, base, repo, alert),
                "ref": git_ref,
                "commit_oid": commit,
            })
        }
        AlertFamily::Dependabot => json!({
            "action": action,
            "alert": render_alerts::dependabot_alert(world, base, repo, alert),
        }),
        AlertFamily::SecretScanning => {
            let mut payload = json!({
                "action": action,
                "alert": render_alerts::secret_alert_webhook(world, base, repo, alert),
            });
            if let Some(location) = location {
                event = "secret_scanning_alert_location";
                payload["location"] = render_alerts::secret_location(world, base, repo, location);
            }
            payload
        }
    };
    repo_deliveries(world, base, repo_id, event, &payload)
}

pub(crate) fn installation_payload(
    world: &mut World,
    base: &str,
    installation_id: u64,
    action: &str,
) -> Value {
    let sender = sender(world, base);
    let installation = world
        .installations
        .get(&installation_id)
        .map(|i| render::installation(world, base, i))
        .unwrap_or(Value::Null);
    json!({
        "action": action,
        "installation": installation,
        "repositories": short_repos(world, installation_id),
        "requester": null,
        "sender": sender,
    })
}

/// The `push` payload (without the common keys).
fn push_payload(
    world: &World,
    base: &str,
    repo: &Repo,
    branch: &str,
    before: Option<&str>,
    after: &str,
) -> Value {
    let url = format!("{base}/{}", render::repo_full_name(world, repo));
    let commit_json = |sha: &str| -> Value {
        let Some(c) = repo.store.commit(sha) else {
            return Value::Null;
        };
        let (added, modified, removed) =
            git::diff(&repo.store, c.parents.first().map(String::as_str), sha);
        let person =
            |s: &git::Signature| json!({"name": s.name, "email": s.email, "username": s.name});
        json!({
            "id": sha,
            "tree_id": c.tree,
            "distinct": true,
            "message": c.message,
            "timestamp": c.committer.date.to_rfc3339(),
            "url": format!("{url}/commit/{sha}"),
            "author": person(&c.author),
            "committer": person(&c.committer),
            "added": added,
            "removed": removed,
            "modified": modified,
        })
    };
    let commits: Vec<Value> = git::new_commits(&repo.store, before, after)
        .iter()
        .rev()
        .take(20)
        .rev()
        .map(|s| commit_json(s))
        .collect();
    let zero = "0000000000000000000000000000000000000000";
    json!({
        "ref": format!("refs/heads/{branch}"),
        "before": before.unwrap_or(zero),
        "after": after,
        "created": before.is_none(),
        "deleted": false,
        "forced": before.is_some_and(|b| !repo.store.is_ancestor(b, after)),
        "base_ref": null,
        "compare": format!("{url}/compare/{}...{}", &before.unwrap_or(zero)[..12], &after[..12]),
        "commits": commits,
        "head_commit": commit_json(after),
        "pusher": {"name": "fake-user", "email": "developer@users.noreply.example.com"},
    })
}

pub(crate) fn push_deliveries(
    world: &mut World,
    base: &str,
    repo_id: u64,
    branch: &str,
    before: Option<&str>,
    after: &str,
) -> Vec<Outgoing> {
    let Some(repo) = world.repos.get(&repo_id) else {
        return Vec::new();
    };
    let payload = push_payload(world, base, repo, branch, before, after);
    let push_repo = push_repository(world, base, repo);
    let mut out = repo_deliveries(world, base, repo_id, "push", &payload);
    for item in &mut out {
        item.payload["repository"] = push_repo.clone();
    }
    out
}

/// `pull_request` deliveries for the pull at `index`.
pub(crate) fn pull_deliveries(
    world: &mut World,
    base: &str,
    repo_id: u64,
    index: usize,
    action: &str,
) -> Vec<Outgoing> {
    let Some(repo) = world.repos.get(&repo_id) else {
        return Vec::new();
    };
    let pull = crate::routes::pulls::pull_json(world, base, repo, &repo.pulls[index]);
    let number = repo.pulls[index].number;
    let payload = json!({"action": action, "number": number, "pull_request": pull});
    repo_deliveries(world, base, repo_id, "pull_request", &payload)
}

/// The `installation_repositories` payload: the repositories `changed` were added to the
/// installation, or removed from it.
pub(crate) fn installation_repositories_payload(
    world: &mut World,
    base: &str,
    installation_id: u64,
    changed: &[u64],
    add: bool,
) -> Value {
    let short: Vec<Value> = changed
        .iter()
        .map(|id| render::repository_short(world, &world.repos[id]))
        .collect();
    let sender = sender(world, base);
    let installation_json = world
        .installations
        .get(&installation_id)
        .map(|i| render::installation(world, base, i))
        .unwrap_or(Value::Null);
    let (added, removed) = if add {
        (short, vec![])
    } else {
        (vec![], short)
    };
    json!({
        "action": if add { "added" } else { "removed" },
        "installation": installation_json,
        "repository_selection": "selected",
        "repositories_added": added,
        "repositories_removed": removed,
        "requester": null,
        "sender": sender,
    })
}

/// The `ping` payload sent to an app's webhook URL.
pub(crate) fn ping_payload(world: &mut World, base: &str, app: &App) -> Value {
    let sender = sender(world, base);
    let now = render::time(chrono::Utc::now());
    json!({
        "zen": "Keep it logically awesome.",
        "hook_id": app.hook_id,
        "hook": {
            "type": "App",
            "id": app.hook_id,
            "name": "web",
            "active": true,
            "events": app.events,
            "config": {"content_type": "json", "insecure_ssl": "0", "url": app.webhook_url},
            "updated_at": now,
            "created_at": now,
            "app_id": app.id,
            "url": format!("{base}/app/hook/config"),
            "test_url": format!("{base}/app/hook/test"),
            "ping_url": format!("{base}/app/hook/pings"),
            "deliveries_url": format!("{base}/app/hook/deliveries"),
            "last_response": {"code": null, "status": "unused", "message": null},
        },
        "sender": sender,
    })
}

/// The `check_run` completed payload, with its check suite, by the first app installed.
pub(crate) fn check_run_payload(world: &World, base: &str, repo: &Repo, run: &CheckRun) -> Value {
    let head_branch = repo
        .refs
        .iter()
        .find(|(_, s)| **s == run.head_sha)
        .map(|(r, _)| r.trim_start_matches("refs/heads/").to_string());
    let repo_url = format!("{base}/repos/{}", render::repo_full_name(world, repo));
    let mut check = crate::routes::repos::check_run(&repo_url, run);
    let app = world
        .apps
        .values()
        .next()
        .map(|a| render::integration(world, base, a))
        .unwrap_or(Value::Null);
    check["app"] = app.clone();
    check["check_suite"] = json!({
        "id": run.suite_id,
        "node_id": render::node_id("CheckSuite", run.suite_id),
        "head_branch": head_branch,
        "head_sha": run.head_sha,
        "status": "completed",
        "conclusion": run.conclusion,
        "url": format!("{repo_url}/check-suites/{}", run.suite_id),
        "before": null,
        "after": run.head_sha,
        "pull_requests": [],
        "app": app,
        "created_at": render::time(run.completed_at),
        "updated_at": render::time(run.completed_at),
    });
    json!({"action": "completed", "check_run": check})
}

/// The `workflow_run` completed payload: the run and its workflow.
pub(crate) fn workflow_run_payload(
    world: &World,
    base: &str,
    repo: &Repo,
    run: &WorkflowRun,
) -> Value {
    json!({
        "action": "completed",
        "workflow_run": crate::routes::actions::workflow_run(world, base, repo, run),
        "workflow": crate::routes::actions::workflow(world, base, repo, run),
    })
}

/// The account that acts in control-API scenarios ("a person on github.com").
pub(crate) fn sender(world: &mut World, base: &str) -> Value {
    let id = world.ensure_account("fake-user", AccountKind::User);
    render::account_json(world, base, id)
}

/// `organization` key for repositories owned by an organization.
fn organization(world: &World, base: &str, owner_id: u64) -> Option<Value> {
    let account = world.account(owner_id)?;
    if account.kind != AccountKind::Organization {
        return None;
    }
    let u = format!("{base}/orgs/{}", account.login);
    Some(json!({
        "login": account.login,
        "id": account.id,
        "node_id": render::node_id("Organization", account.id),
        "url": u,
        "repos_url": format!("{u}/repos"),
        "events_url": format!("{u}/events"),
        "hooks_url": format!("{u}/hooks"),
        "issues_url": format!("{u}/issues"),
        "members_url": format!("{u}/members{{/member}}"),
        "public_members_url": format!("{u}/public_members{{/member}}"),
        "avatar_url": format!("{base}/avatars/u/{}", account.id),
        "description": null,
    }))
}

/// Common keys of repository-scoped events: repository, sender, installation, organization.
fn repo_event(
    world: &mut World,
    base: &str,
    repo_id: u64,
    installation_id: u64,
    mut payload: Value,
) -> Value {
    let sender = sender(world, base);
    let Some(repo) = world.repos.get(&repo_id) else {
        return payload;
    };
    payload["repository"] = render::repository(world, base, repo);
    if let Some(org) = organization(world, base, repo.owner_id) {
        payload["organization"] = org;
    }
    payload["sender"] = sender;
    payload["installation"] = json!({
        "id": installation_id,
        "node_id": render::node_id("Installation", installation_id),
    });
    payload
}

/// The repository as push payloads show it (timestamps as numbers, owner with name/email).
fn push_repository(world: &World, base: &str, repo: &Repo) -> Value {
    let mut value = render::repository(world, base, repo);
    value["created_at"] = json!(repo.created_at.timestamp());
    value["pushed_at"] = json!(repo.pushed_at.timestamp());
    value["stargazers"] = json!(0);
    value["master_branch"] = json!(repo.default_branch);
    if let Some(owner) = value.get_mut("owner") {
        owner["name"] = owner["login"].clone();
        owner["email"] = Value::Null;
    }
    value
}
