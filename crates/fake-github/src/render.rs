//! JSON shapes of GitHub's REST objects (users, repositories, apps, installations, git
//! objects, pulls, labels, check runs), with the fields GitHub's schemas mark required.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};

use super::git::{Commit, Signature};
use super::state::{Account, AccountKind, App, Installation, Label, Pull, Repo, Selection, World};

pub fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

pub fn node_id(kind: &str, id: impl std::fmt::Display) -> String {
    STANDARD.encode(format!("0:{kind}{id}"))
}

/// Percent-encodes what a login may hold that a URL path may not (`[bot]` logins).
fn url_login(login: &str) -> String {
    login.replace('[', "%5B").replace(']', "%5D")
}

pub fn user(base: &str, account: &Account) -> Value {
    let login = &account.login;
    let u = format!("{base}/users/{}", url_login(login));
    json!({
        "login": login,
        "id": account.id,
        "node_id": node_id(account.kind.as_str(), account.id),
        "avatar_url": format!("{base}/avatars/u/{}", account.id),
        "gravatar_id": "",
        "url": u,
        "html_url": format!("{base}/{}", url_login(login)),
        "followers_url": format!("{u}/followers"),
        "following_url": format!("{u}/following{{/other_user}}"),
        "gists_url": format!("{u}/gists{{/gist_id}}"),
        "starred_url": format!("{u}/starred{{/owner}}{{/repo}}"),
        "subscriptions_url": format!("{u}/subscriptions"),
        "organizations_url": format!("{u}/orgs"),
        "repos_url": format!("{u}/repos"),
        "events_url": format!("{u}/events{{/privacy}}"),
        "received_events_url": format!("{u}/received_events"),
        "type": account.kind.as_str(),
        "user_view_type": "public",
        "site_admin": false,
    })
}

pub fn account_json(world: &World, base: &str, id: u64) -> Value {
    match world.account(id) {
        Some(account) => user(base, account),
        None => Value::Null,
    }
}

/// The bot user of an app (`<slug>[bot]`).
pub fn bot(base: &str, app: &App) -> Value {
    user(
        base,
        &Account {
            id: app.bot_id,
            login: format!("{}[bot]", app.slug),
            kind: AccountKind::Bot,
        },
    )
}

pub fn repo_full_name(world: &World, repo: &Repo) -> String {
    let owner = world
        .account(repo.owner_id)
        .map(|a| a.login.as_str())
        .unwrap_or("ghost");
    format!("{owner}/{}", repo.name)
}

/// A `full-repository` (also used, trimmed by GitHub's schemas, for `repository`).
pub fn repository(world: &World, base: &str, repo: &Repo) -> Value {
    let full = repo_full_name(world, repo);
    let u = format!("{base}/repos/{full}");
    let html = format!("{base}/{full}");
    let open = repo.pulls.iter().filter(|p| p.state == "open").count();
    let mut value = json!({
        "id": repo.id,
        "node_id": node_id("Repository", repo.id),
        "name": repo.name,
        "full_name": full,
        "owner": account_json(world, base, repo.owner_id),
        "private": repo.private,
        "html_url": html,
        "description": null,
        "fork": repo.fork,
        "url": u,
        "archive_url": format!("{u}/{{archive_format}}{{/ref}}"),
        "assignees_url": format!("{u}/assignees{{/user}}"),
        "blobs_url": format!("{u}/git/blobs{{/sha}}"),
        "branches_url": format!("{u}/branches{{/branch}}"),
        "collaborators_url": format!("{u}/collaborators{{/collaborator}}"),
        "comments_url": format!("{u}/comments{{/number}}"),
        "commits_url": format!("{u}/commits{{/sha}}"),
        "compare_url": format!("{u}/compare/{{base}}...{{head}}"),
        "contents_url": format!("{u}/contents/{{+path}}"),
        "contributors_url": format!("{u}/contributors"),
        "deployments_url": format!("{u}/deployments"),
        "downloads_url": format!("{u}/downloads"),
        "events_url": format!("{u}/events"),
        "forks_url": format!("{u}/forks"),
        "git_commits_url": format!("{u}/git/commits{{/sha}}"),
        "git_refs_url": format!("{u}/git/refs{{/sha}}"),
        "git_tags_url": format!("{u}/git/tags{{/sha}}"),
    });
    let middle = json!({
        "git_url": format!("git:{}/{full}.git", base.trim_start_matches("http:")),
        "issue_comment_url": format!("{u}/issues/comments{{/number}}"),
        "issue_events_url": format!("{u}/issues/events{{/number}}"),
        "issues_url": format!("{u}/issues{{/number}}"),
        "keys_url": format!("{u}/keys{{/key_id}}"),
        "labels_url": format!("{u}/labels{{/name}}"),
        "languages_url": format!("{u}/languages"),
        "merges_url": format!("{u}/merges"),
        "milestones_url": format!("{u}/milestones{{/number}}"),
        "notifications_url": format!("{u}/notifications{{?since,all,participating}}"),
        "pulls_url": format!("{u}/pulls{{/number}}"),
        "releases_url": format!("{u}/releases{{/id}}"),
        "ssh_url": format!("git@fake-github:{full}.git"),
        "stargazers_url": format!("{u}/stargazers"),
        "statuses_url": format!("{u}/statuses/{{sha}}"),
        "subscribers_url": format!("{u}/subscribers"),
        "subscription_url": format!("{u}/subscription"),
        "tags_url": format!("{u}/tags"),
        "teams_url": format!("{u}/teams"),
        "trees_url": format!("{u}/git/trees{{/sha}}"),
    });
    let more = json!({
        "clone_url": format!("{html}.git"),
        "mirror_url": null,
        "hooks_url": format!("{u}/hooks"),
        "svn_url": html,
        "homepage": null,
        "language": null,
        "forks_count": 0,
        "forks": 0,
        "stargazers_count": 0,
        "watchers_count": 0,
        "watchers": 0,
        "size": if repo.is_empty() { 0 } else { 1 },
        "default_branch": repo.default_branch,
        "open_issues_count": open,
        "open_issues": open,
        "is_template": false,
        "topics": [],
        "has_issues": true,
        "has_projects": true,
        "has_wiki": true,
        "has_pages": false,
        "has_downloads": true,
        "has_discussions": false,
        "archived": repo.archived,
        "disabled": false,
        "visibility": if repo.private { "private" } else { "public" },
        "pushed_at": time(repo.pushed_at),
        "created_at": time(repo.created_at),
        "updated_at": time(repo.pushed_at),
        "allow_forking": true,
        "web_commit_signoff_required": false,
        "license": null,
        "network_count": 0,
        "subscribers_count": 0,
        "custom_properties": {},
    });
    if let (Some(first), Value::Object(middle), Value::Object(more)) =
        (value.as_object_mut(), middle, more)
    {
        first.extend(middle);
        first.extend(more);
    }
    value
}

/// The short repository form used in installation webhooks.
pub fn repository_short(world: &World, repo: &Repo) -> Value {
    json!({
        "id": repo.id,
        "node_id": node_id("Repository", repo.id),
        "name": repo.name,
        "full_name": repo_full_name(world, repo),
        "private": repo.private,
    })
}

pub fn integration(world: &World, base: &str, app: &App) -> Value {
    json!({
        "id": app.id,
        "slug": app.slug,
        "node_id": node_id("Integration", app.id),
        "client_id": app.client_id,
        "owner": account_json(world, base, app.owner_id),
        "name": app.name,
        "description": app.description,
        "external_url": app.external_url,
        "html_url": format!("{base}/apps/{}", app.slug),
        "created_at": time(app.created_at),
        "updated_at": time(app.created_at),
        "permissions": app.permissions,
        "events": app.events,
        "installations_count": world.installations.values().filter(|i| i.app_id == app.id).count(),
    })
}

pub fn installation(world: &World, base: &str, inst: &Installation) -> Value {
    let account = world.account(inst.account_id);
    let slug = world
        .apps
        .get(&inst.app_id)
        .map(|a| a.slug.clone())
        .unwrap_or_default();
    json!({
        "id": inst.id,
        "account": account_json(world, base, inst.account_id),
        "repository_selection": selection(&inst.selection),
        "access_tokens_url": format!("{base}/app/installations/{}/access_tokens", inst.id),
        "repositories_url": format!("{base}/installation/repositories"),
        "html_url": format!("{base}/settings/installations/{}", inst.id),
        "app_id": inst.app_id,
        "app_slug": slug,
        "client_id": world.apps.get(&inst.app_id).map(|a| a.client_id.clone()),
        "target_id": inst.account_id,
        "target_type": account.map(|a| a.kind.as_str()).unwrap_or("User"),
        "permissions": inst.permissions,
        "events": inst.events,
        "created_at": time(inst.created_at),
        "updated_at": time(inst.created_at),
        "single_file_name": null,
        "has_multiple_single_files": false,
        "single_file_paths": [],
        "suspended_by": inst.suspended_at.map(|_| account_json(world, base, inst.account_id)),
        "suspended_at": inst.suspended_at.map(time),
    })
}

pub fn selection(selection: &Selection) -> &'static str {
    match selection {
        Selection::All => "all",
        Selection::Selected(_) => "selected",
    }
}

pub fn git_ref(repo_url: &str, name: &str, sha: &str) -> Value {
    json!({
        "ref": name,
        "node_id": node_id("Ref", format!("{repo_url}:{name}")),
        "url": format!("{repo_url}/git/{name}"),
        "object": {
            "type": "commit",
            "sha": sha,
            "url": format!("{repo_url}/git/commits/{sha}"),
        },
    })
}

fn signature(sig: &Signature) -> Value {
    json!({"name": sig.name, "email": sig.email, "date": time(sig.date)})
}

pub fn git_commit(repo_url: &str, html_url: &str, sha: &str, commit: &Commit) -> Value {
    json!({
        "sha": sha,
        "node_id": node_id("Commit", sha),
        "url": format!("{repo_url}/git/commits/{sha}"),
        "html_url": format!("{html_url}/commit/{sha}"),
        "author": signature(&commit.author),
        "committer": signature(&commit.committer),
        "tree": {"sha": commit.tree, "url": format!("{repo_url}/git/trees/{}", commit.tree)},
        "message": commit.message,
        "parents": commit.parents.iter().map(|p| json!({
            "sha": p,
            "url": format!("{repo_url}/git/commits/{p}"),
            "html_url": format!("{html_url}/commit/{p}"),
        })).collect::<Vec<_>>(),
        "verification": {
            "verified": commit.verified,
            "reason": if commit.verified { "valid" } else { "unsigned" },
            "signature": if commit.verified { Some("-----BEGIN PGP SIGNATURE-----\n\nfake\n-----END PGP SIGNATURE-----\n") } else { None },
            "payload": null,
            "verified_at": if commit.verified { Some(time(commit.committer.date)) } else { None },
        },
    })
}

/// Base64 with a newline after every 60 characters, as GitHub sends blob contents.
pub fn base64_lines(bytes: &[u8]) -> String {
    let encoded = STANDARD.encode(bytes);
    let mut out = String::with_capacity(encoded.len() + encoded.len() / 60 + 1);
    for chunk in encoded.as_bytes().chunks(60) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out
}

pub fn label(repo_url: &str, label: &Label) -> Value {
    json!({
        "id": label.id,
        "node_id": node_id("Label", label.id),
        "url": format!("{repo_url}/labels/{}", label.name),
        "name": label.name,
        "color": label.color,
        "default": false,
        "description": null,
    })
}

fn branch_end(world: &World, base: &str, repo: &Repo, branch: &str, sha: &str) -> Value {
    let owner = world
        .account(repo.owner_id)
        .map(|a| a.login.clone())
        .unwrap_or_default();
    json!({
        "label": format!("{owner}:{branch}"),
        "ref": branch,
        "sha": sha,
        "user": account_json(world, base, repo.owner_id),
        "repo": repository(world, base, repo),
    })
}

/// A `pull-request` (full form; lists send the same fields, a superset of the simple form).
pub fn pull(world: &World, base: &str, repo: &Repo, pull: &Pull, user: Value) -> Value {
    let full = repo_full_name(world, repo);
    let u = format!("{base}/repos/{full}");
    let html = format!("{base}/{full}/pull/{}", pull.number);
    let n = pull.number;
    let self_url = format!("{u}/pulls/{n}");
    let head_sha = repo.pull_head_sha(pull);
    let conflicting = pull.state == "open" && repo.conflicts(pull);
    let labels: Vec<Value> = pull
        .labels
        .iter()
        .filter_map(|name| repo.labels.iter().find(|l| &l.name == name))
        .map(|l| label(&u, l))
        .collect();
    let link = |href: String| json!({"href": href});
    let links = json!({
        "self": link(self_url.clone()),
        "html": link(html.clone()),
        "issue": link(format!("{u}/issues/{n}")),
        "comments": link(format!("{u}/issues/{n}/comments")),
        "review_comments": link(format!("{self_url}/comments")),
        "review_comment": link(format!("{u}/pulls/comments{{/number}}")),
        "commits": link(format!("{self_url}/commits")),
        "statuses": link(format!("{u}/statuses/{head_sha}")),
    });
    let mut value = json!({
        "url": self_url,
        "id": pull.id,
        "node_id": node_id("PullRequest", pull.id),
        "html_url": html,
        "diff_url": format!("{html}.diff"),
        "patch_url": format!("{html}.patch"),
        "issue_url": format!("{u}/issues/{n}"),
        "commits_url": format!("{self_url}/commits"),
        "review_comments_url": format!("{self_url}/comments"),
        "review_comment_url": format!("{u}/pulls/comments{{/number}}"),
        "comments_url": format!("{u}/issues/{n}/comments"),
        "statuses_url": format!("{u}/statuses/{head_sha}"),
        "number": n,
        "state": pull.state,
        "locked": false,
        "title": pull.title,
        "user": user,
        "body": pull.body,
        "labels": labels,
        "milestone": null,
        "active_lock_reason": null,
        "created_at": time(pull.created_at),
        "updated_at": time(pull.updated_at),
        "closed_at": pull.closed_at.map(time),
        "merged_at": pull.merged_at.map(time),
        "merge_commit_sha": pull.merge_commit_sha,
        "assignee": null,
        "assignees": [],
        "requested_reviewers": [],
        "requested_teams": [],
    });
    let rest = json!({
        "head": branch_end(world, base, repo, &pull.head_ref, &head_sha),
        "base": branch_end(world, base, repo, &pull.base_ref, &pull.base_sha),
        "_links": links,
        "author_association": "NONE",
        "auto_merge": null,
        "draft": pull.draft,
        "merged": pull.merged_at.is_some(),
        "mergeable": (pull.state == "open").then_some(!conflicting),
        "rebaseable": (pull.state == "open").then_some(!conflicting),
        "mergeable_state": match (pull.state.as_str(), conflicting) {
            ("open", true) => "dirty",
            ("open", false) => "clean",
            _ => "unknown",
        },
        "merged_by": null,
        "comments": 0,
        "review_comments": 0,
        "maintainer_can_modify": false,
        "commits": 1,
        "additions": 0,
        "deletions": 0,
        "changed_files": 0,
    });
    if let (Some(first), Value::Object(rest)) = (value.as_object_mut(), rest) {
        first.extend(rest);
    }
    value
}
