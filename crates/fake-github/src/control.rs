//! The control API: what people and GitHub itself do (create apps and repositories,
//! install, push, merge, archive...), each sending the webhooks GitHub would send.

use std::collections::{BTreeMap, BTreeSet, HashSet, VecDeque};
use std::time::Instant;

use anyhow::{Context, anyhow, bail};
use serde_json::{Value, json};

use super::git::{self, Object};
use super::state::{
    AccountKind, App, CheckRun, Installation, ManifestCode, Repo, Selection, World, person,
};
use super::webhooks::{self, Outgoing};
use super::{
    AppCredentials, Delivery, FakeGitHub, Faults, Inner, LoggedRequest, PullView, RepoSpec, auth,
    faults, render,
};

/// The permissions of `app-manifest.yml`'s defaults for Fullcover.
fn default_permissions() -> BTreeMap<String, String> {
    [
        ("metadata", "read"),
        ("contents", "write"),
        ("pull_requests", "write"),
        ("workflows", "write"),
        ("checks", "read"),
        ("security_events", "read"),
        ("issues", "write"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

fn default_events() -> Vec<String> {
    [
        "push",
        "pull_request",
        "repository",
        "check_run",
        "check_suite",
    ]
    .into_iter()
    .map(str::to_string)
    .collect()
}

fn slugify(name: &str) -> String {
    let slug: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    slug.trim_matches('-').to_string()
}

struct NewApp<'a> {
    owner_id: u64,
    name: &'a str,
    permissions: BTreeMap<String, String>,
    events: Vec<String>,
    webhook_url: Option<String>,
    description: String,
    external_url: String,
}

/// Creates an app; the RSA key is generated before taking the lock.
fn create_app_in(inner: &Inner, spec: NewApp<'_>) -> anyhow::Result<AppCredentials> {
    let key = auth::generate_key()?;
    let mut world = inner.world();
    let id = world.next_id();
    let hook_id = world.next_id();
    let bot_id = world.next_id();
    let mut slug = slugify(spec.name);
    if world.apps.values().any(|a| a.slug == slug) {
        slug = format!("{slug}-{id}");
    }
    let app = App {
        id,
        slug: slug.clone(),
        name: spec.name.to_string(),
        description: spec.description,
        external_url: spec.external_url,
        owner_id: spec.owner_id,
        client_id: format!("Iv23li{}", auth::random_string(14)),
        client_secret: hex::encode(auth::random_string(20)),
        webhook_secret: auth::random_string(32),
        private_key_pem: key.private_key_pem,
        public_key_der: key.public_key_der,
        permissions: spec.permissions,
        events: spec.events,
        webhook_url: spec.webhook_url,
        hook_id,
        bot_id,
        created_at: chrono::Utc::now(),
    };
    let credentials = AppCredentials {
        app_id: id,
        client_id: app.client_id.clone(),
        client_secret: app.client_secret.clone(),
        private_key_pem: app.private_key_pem.clone(),
        webhook_secret: app.webhook_secret.clone(),
        slug,
    };
    world.apps.insert(id, app);
    Ok(credentials)
}

/// Creates an app from a manifest (as the person's click does) and mints its one-time code.
pub fn app_from_manifest(inner: &Inner, owner_id: u64, manifest: &Value) -> anyhow::Result<String> {
    let name = manifest
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or("fake-app");
    let permissions = manifest
        .get("default_permissions")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
                .collect()
        })
        .unwrap_or_else(|| BTreeMap::from([("metadata".to_string(), "read".to_string())]));
    let events = manifest
        .get("default_events")
        .and_then(Value::as_array)
        .map(|e| {
            e.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    let webhook_url = manifest
        .pointer("/hook_attributes/url")
        .and_then(Value::as_str)
        .map(str::to_string);
    let credentials = create_app_in(
        inner,
        NewApp {
            owner_id,
            name,
            permissions,
            events,
            webhook_url,
            description: manifest
                .get("description")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            external_url: manifest
                .get("url")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
        },
    )?;
    let code = auth::random_string(20);
    inner.world().manifest_codes.insert(
        code.clone(),
        ManifestCode {
            app_id: credentials.app_id,
            created: Instant::now(),
        },
    );
    Ok(code)
}

/// The short repository list of an installation (for installation webhooks).
fn short_repos(world: &World, installation_id: u64) -> Vec<Value> {
    world
        .installation_repos(installation_id)
        .iter()
        .map(|id| render::repository_short(world, &world.repos[id]))
        .collect()
}

/// Deliveries of a repository event to every installation (subscribed) covering the repo.
fn repo_deliveries(
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
        if suspended || !webhooks::subscribed(world, app_id, event) {
            continue;
        }
        let payload = webhooks::repo_event(world, base, repo_id, installation_id, payload.clone());
        out.push(Outgoing {
            app_id,
            event: event.to_string(),
            payload,
        });
    }
    out
}

fn installation_payload(
    world: &mut World,
    base: &str,
    installation_id: u64,
    action: &str,
) -> Value {
    let sender = webhooks::sender(world, base);
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

/// Files added, modified and removed between two commits (`None` = empty tree).
fn diff(
    store: &git::Store,
    before: Option<&str>,
    after: &str,
) -> (Vec<String>, Vec<String>, Vec<String>) {
    let tree_of = |sha: &str| {
        store
            .commit(sha)
            .map(|c| store.flatten(&c.tree))
            .unwrap_or_default()
    };
    let old = before.map(tree_of).unwrap_or_default();
    let new = tree_of(after);
    let added = new
        .keys()
        .filter(|k| !old.contains_key(*k))
        .cloned()
        .collect();
    let modified = new
        .iter()
        .filter(|(k, v)| old.get(*k).is_some_and(|o| o != *v))
        .map(|(k, _)| k.clone())
        .collect();
    let removed = old
        .keys()
        .filter(|k| !new.contains_key(*k))
        .cloned()
        .collect();
    (added, modified, removed)
}

/// Commits reachable from `after` but not from `before`, oldest first.
fn new_commits(store: &git::Store, before: Option<&str>, after: &str) -> Vec<String> {
    let mut known = HashSet::new();
    if let Some(before) = before {
        let mut queue = VecDeque::from([before.to_string()]);
        while let Some(sha) = queue.pop_front() {
            if known.insert(sha.clone())
                && let Some(c) = store.commit(&sha)
            {
                queue.extend(c.parents.iter().cloned());
            }
        }
    }
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    let mut queue = VecDeque::from([after.to_string()]);
    while let Some(sha) = queue.pop_front() {
        if known.contains(&sha) || !seen.insert(sha.clone()) {
            continue;
        }
        if let Some(c) = store.commit(&sha) {
            queue.extend(c.parents.iter().cloned());
        }
        out.push(sha);
    }
    out.reverse();
    out
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
            diff(&repo.store, c.parents.first().map(String::as_str), sha);
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
    let commits: Vec<Value> = new_commits(&repo.store, before, after)
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

pub(super) fn push_deliveries(
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
    let push_repo = webhooks::push_repository(world, base, repo);
    let mut out = repo_deliveries(world, base, repo_id, "push", &payload);
    for item in &mut out {
        item.payload["repository"] = push_repo.clone();
    }
    out
}

/// The common ancestor nearest to `head` that `base` also reaches.
pub(super) fn merge_base(store: &git::Store, base: &str, head: &str) -> Option<String> {
    let mut reach = HashSet::new();
    let mut queue = VecDeque::from([base.to_string()]);
    while let Some(sha) = queue.pop_front() {
        if reach.insert(sha.clone())
            && let Some(c) = store.commit(&sha)
        {
            queue.extend(c.parents.iter().cloned());
        }
    }
    let mut queue = VecDeque::from([head.to_string()]);
    let mut seen = HashSet::new();
    while let Some(sha) = queue.pop_front() {
        if reach.contains(&sha) {
            return Some(sha);
        }
        if seen.insert(sha.clone())
            && let Some(c) = store.commit(&sha)
        {
            queue.extend(c.parents.iter().cloned());
        }
    }
    None
}

/// `pull_request` deliveries for the pull at `index`.
pub(super) fn pull_deliveries(
    world: &mut World,
    base: &str,
    repo_id: u64,
    index: usize,
    action: &str,
) -> Vec<Outgoing> {
    let Some(repo) = world.repos.get(&repo_id) else {
        return Vec::new();
    };
    let pull = super::routes::pulls::pull_json(world, base, repo, &repo.pulls[index]);
    let number = repo.pulls[index].number;
    let payload = json!({"action": action, "number": number, "pull_request": pull});
    repo_deliveries(world, base, repo_id, "pull_request", &payload)
}

impl FakeGitHub {
    fn repo_id(&self, owner: &str, repo: &str) -> anyhow::Result<u64> {
        self.inner
            .world()
            .repo_id(owner, repo)
            .ok_or_else(|| anyhow!("no repository {owner}/{repo}"))
    }

    /// Creates an app with Fullcover's default permissions, owned by `fake-user`.
    pub fn create_app(&self, name: &str) -> AppCredentials {
        let owner_id = self
            .inner
            .world()
            .ensure_account("fake-user", AccountKind::User);
        let spec = NewApp {
            owner_id,
            name,
            permissions: default_permissions(),
            events: default_events(),
            webhook_url: None,
            description: String::new(),
            external_url: "https://fullcover.example.com".to_string(),
        };
        match create_app_in(&self.inner, spec) {
            Ok(credentials) => credentials,
            // Key generation only fails when the crypto library is broken; nothing to test then.
            Err(error) => panic!("fake GitHub cannot create an app: {error:#}"),
        }
    }

    /// Replaces an app's permissions; its installations accept them at once.
    pub fn set_app_permissions(&self, app_id: u64, permissions: BTreeMap<String, String>) {
        let mut world = self.inner.world();
        if let Some(app) = world.apps.get_mut(&app_id) {
            app.permissions = permissions.clone();
        }
        for installation in world.installations.values_mut() {
            if installation.app_id == app_id {
                installation.permissions = permissions.clone();
            }
        }
    }

    /// Replaces the events an app subscribes to.
    pub fn set_app_events(&self, app_id: u64, events: &[&str]) {
        if let Some(app) = self.inner.world().apps.get_mut(&app_id) {
            app.events = events.iter().map(|e| e.to_string()).collect();
        }
    }

    pub fn set_webhook_url(&self, app_id: u64, url: &str) {
        if let Some(app) = self.inner.world().apps.get_mut(&app_id) {
            app.webhook_url = Some(url.to_string());
        }
    }

    /// Makes `login` (a user, created if unknown) a member of organisation `org`.
    pub fn add_member(&self, org: &str, login: &str) {
        let mut world = self.inner.world();
        world.ensure_account(login, AccountKind::User);
        world
            .members
            .entry(org.to_ascii_lowercase())
            .or_default()
            .insert(login.to_ascii_lowercase());
    }

    /// Makes `login` an outside collaborator of `org`: not a member, but with access to
    /// some of its repositories.
    pub fn add_collaborator(&self, org: &str, login: &str) {
        let mut world = self.inner.world();
        world.ensure_account(login, AccountKind::User);
        world
            .collaborators
            .entry(org.to_ascii_lowercase())
            .or_default()
            .insert(login.to_ascii_lowercase());
    }

    /// The user "signed in to github.com in the browser": GitHub's OAuth authorize page
    /// approves sign-ins for them at once. `None`: nobody is signed in.
    pub fn sign_in_browser(&self, login: Option<&str>) {
        let mut world = self.inner.world();
        if let Some(login) = login {
            world.ensure_account(login, AccountKind::User);
        }
        world.browser_user = login.map(str::to_owned);
    }

    pub fn create_org(&self, login: &str) -> u64 {
        self.inner
            .world()
            .ensure_account(login, AccountKind::Organization)
    }

    /// Creates a repository (owner created as a user if unknown) with its initial commit.
    pub fn create_repo(&self, owner: &str, spec: RepoSpec) -> u64 {
        let mut world = self.inner.world();
        let owner_id = world.ensure_account(owner, AccountKind::User);
        world.create_repo(owner_id, spec, &person(chrono::Utc::now()))
    }

    pub async fn install(
        &self,
        app_id: u64,
        account: &str,
        repos: Option<Vec<String>>,
    ) -> anyhow::Result<u64> {
        let outgoing = {
            let mut world = self.inner.world();
            let app = world.apps.get(&app_id).cloned().context("unknown app")?;
            let account_id = world
                .account_by_login(account)
                .context("unknown account")?
                .id;
            let selection = match repos {
                None => Selection::All,
                Some(names) => {
                    let mut ids = BTreeSet::new();
                    for name in names {
                        ids.insert(
                            world
                                .repo_id(account, &name)
                                .with_context(|| format!("unknown repository {name}"))?,
                        );
                    }
                    Selection::Selected(ids)
                }
            };
            let id = world.next_id();
            world.installations.insert(
                id,
                Installation {
                    id,
                    app_id,
                    account_id,
                    selection,
                    permissions: app.permissions.clone(),
                    events: app.events.clone(),
                    created_at: chrono::Utc::now(),
                    suspended_at: None,
                },
            );
            let payload = installation_payload(&mut world, &self.inner.base, id, "created");
            (
                id,
                Outgoing {
                    app_id,
                    event: "installation".into(),
                    payload,
                },
            )
        };
        let (id, item) = outgoing;
        webhooks::send_all(&self.inner, vec![item]).await;
        Ok(id)
    }

    pub async fn uninstall(&self, installation_id: u64) -> anyhow::Result<()> {
        let item = {
            let mut world = self.inner.world();
            let app_id = world
                .installations
                .get(&installation_id)
                .context("unknown installation")?
                .app_id;
            let payload =
                installation_payload(&mut world, &self.inner.base, installation_id, "deleted");
            world.installations.remove(&installation_id);
            world
                .tokens
                .retain(|_, t| t.installation_id != installation_id);
            Outgoing {
                app_id,
                event: "installation".into(),
                payload,
            }
        };
        webhooks::send_all(&self.inner, vec![item]).await;
        Ok(())
    }

    async fn set_suspended(&self, installation_id: u64, suspended: bool) -> anyhow::Result<()> {
        let item = {
            let mut world = self.inner.world();
            let installation = world
                .installations
                .get_mut(&installation_id)
                .context("unknown installation")?;
            installation.suspended_at = suspended.then(chrono::Utc::now);
            let app_id = installation.app_id;
            let action = if suspended { "suspend" } else { "unsuspend" };
            let payload =
                installation_payload(&mut world, &self.inner.base, installation_id, action);
            Outgoing {
                app_id,
                event: "installation".into(),
                payload,
            }
        };
        webhooks::send_all(&self.inner, vec![item]).await;
        Ok(())
    }

    pub async fn suspend(&self, installation_id: u64) -> anyhow::Result<()> {
        self.set_suspended(installation_id, true).await
    }

    pub async fn unsuspend(&self, installation_id: u64) -> anyhow::Result<()> {
        self.set_suspended(installation_id, false).await
    }

    pub async fn add_repos_to_installation(
        &self,
        installation_id: u64,
        repos: &[&str],
    ) -> anyhow::Result<()> {
        self.change_installation_repos(installation_id, repos, true)
            .await
    }

    pub async fn remove_repos_from_installation(
        &self,
        installation_id: u64,
        repos: &[&str],
    ) -> anyhow::Result<()> {
        self.change_installation_repos(installation_id, repos, false)
            .await
    }

    async fn change_installation_repos(
        &self,
        installation_id: u64,
        repos: &[&str],
        add: bool,
    ) -> anyhow::Result<()> {
        let item = {
            let mut world = self.inner.world();
            let installation = world
                .installations
                .get(&installation_id)
                .cloned()
                .context("unknown installation")?;
            let login = world
                .account(installation.account_id)
                .map(|a| a.login.clone())
                .unwrap_or_default();
            let mut changed = Vec::new();
            for name in repos {
                changed.push(
                    world
                        .repo_id(&login, name)
                        .with_context(|| format!("unknown repository {name}"))?,
                );
            }
            let mut ids = match installation.selection {
                Selection::Selected(ids) => ids,
                Selection::All => world
                    .installation_repos(installation_id)
                    .into_iter()
                    .collect(),
            };
            for id in &changed {
                if add {
                    ids.insert(*id);
                } else {
                    ids.remove(id);
                }
            }
            if let Some(i) = world.installations.get_mut(&installation_id) {
                i.selection = Selection::Selected(ids);
            }
            let short: Vec<Value> = changed
                .iter()
                .map(|id| render::repository_short(&world, &world.repos[id]))
                .collect();
            let sender = webhooks::sender(&mut world, &self.inner.base);
            let installation_json = world
                .installations
                .get(&installation_id)
                .map(|i| render::installation(&world, &self.inner.base, i))
                .unwrap_or(Value::Null);
            let (added, removed) = if add {
                (short, vec![])
            } else {
                (vec![], short)
            };
            Outgoing {
                app_id: installation.app_id,
                event: "installation_repositories".into(),
                payload: json!({
                    "action": if add { "added" } else { "removed" },
                    "installation": installation_json,
                    "repository_selection": "selected",
                    "repositories_added": added,
                    "repositories_removed": removed,
                    "requester": null,
                    "sender": sender,
                }),
            }
        };
        webhooks::send_all(&self.inner, vec![item]).await;
        Ok(())
    }

    /// Commits `changes` on `branch` as a person (branch created from the default branch
    /// if missing) and sends `push`.
    pub async fn push(
        &self,
        owner: &str,
        repo: &str,
        branch: &str,
        changes: Vec<(String, Option<Vec<u8>>)>,
        message: &str,
    ) -> anyhow::Result<String> {
        let repo_id = self.repo_id(owner, repo)?;
        let (sha, outgoing) = {
            let mut world = self.inner.world();
            let repo = world
                .repos
                .get_mut(&repo_id)
                .context("repository vanished")?;
            let before = repo.branch(branch).cloned();
            let parent = before
                .clone()
                .or_else(|| repo.branch(&repo.default_branch.clone()).cloned());
            let mut flat = parent
                .as_ref()
                .and_then(|p| repo.store.commit(p))
                .map(|c| c.tree.clone())
                .map(|t| repo.store.flatten(&t))
                .unwrap_or_default();
            for (path, content) in changes {
                match content {
                    Some(bytes) => {
                        let blob = repo.store.insert(Object::Blob(bytes));
                        flat.insert(path, (git::MODE_FILE.to_string(), blob));
                    }
                    None => {
                        flat.remove(&path);
                    }
                }
            }
            let tree = repo.store.write_flat(&flat);
            let now = chrono::Utc::now();
            let sha = repo.store.insert(Object::Commit(git::Commit {
                tree,
                parents: parent.clone().into_iter().collect(),
                author: person(now),
                committer: person(now),
                message: message.to_string(),
                verified: false,
            }));
            repo.refs
                .insert(format!("refs/heads/{branch}"), sha.clone());
            repo.pushed_at = now;
            let out = push_deliveries(
                &mut world,
                &self.inner.base,
                repo_id,
                branch,
                before.as_deref(),
                &sha,
            );
            (sha, out)
        };
        webhooks::send_all(&self.inner, outgoing).await;
        Ok(sha)
    }

    /// Merges an open pull (fast-forward when possible, else a merge commit in which the
    /// head's changes since the merge base win), sends `pull_request` closed (merged) and
    /// `push` to the base branch.
    pub async fn merge_pull(&self, owner: &str, repo: &str, number: u64) -> anyhow::Result<String> {
        let repo_id = self.repo_id(owner, repo)?;
        let (sha, outgoing) = {
            let mut world = self.inner.world();
            let base_url = self.inner.base.clone();
            let repo = world
                .repos
                .get_mut(&repo_id)
                .context("repository vanished")?;
            let index = repo
                .pulls
                .iter()
                .position(|p| p.number == number)
                .context("unknown pull")?;
            let pull = repo.pulls[index].clone();
            if pull.state != "open" {
                bail!("pull #{number} is not open");
            }
            let head = repo
                .branch(&pull.head_ref)
                .cloned()
                .context("head branch missing")?;
            let base = repo
                .branch(&pull.base_ref)
                .cloned()
                .context("base branch missing")?;
            let now = chrono::Utc::now();
            let sha = if repo.store.is_ancestor(&base, &head) {
                head.clone()
            } else {
                let ancestor = merge_base(&repo.store, &base, &head);
                let (added, modified, removed) = diff(&repo.store, ancestor.as_deref(), &head);
                let head_files = repo
                    .store
                    .commit(&head)
                    .map(|c| repo.store.flatten(&c.tree))
                    .unwrap_or_default();
                let mut flat = repo
                    .store
                    .commit(&base)
                    .map(|c| repo.store.flatten(&c.tree))
                    .unwrap_or_default();
                for path in added.iter().chain(&modified) {
                    if let Some(v) = head_files.get(path) {
                        flat.insert(path.clone(), v.clone());
                    }
                }
                for path in &removed {
                    flat.remove(path);
                }
                let tree = repo.store.write_flat(&flat);
                repo.store.insert(Object::Commit(git::Commit {
                    tree,
                    parents: vec![base.clone(), head.clone()],
                    author: person(now),
                    committer: person(now),
                    message: format!(
                        "Merge pull request #{number} from {owner}/{}\n\n{}",
                        pull.head_ref, pull.title
                    ),
                    verified: true,
                }))
            };
            repo.refs
                .insert(format!("refs/heads/{}", pull.base_ref), sha.clone());
            repo.pushed_at = now;
            let p = &mut repo.pulls[index];
            p.state = "closed".into();
            p.closed_at = Some(now);
            p.merged_at = Some(now);
            p.merge_commit_sha = Some(sha.clone());
            p.head_sha = head;
            p.updated_at = now;
            let mut out = pull_deliveries(&mut world, &base_url, repo_id, index, "closed");
            out.extend(push_deliveries(
                &mut world,
                &base_url,
                repo_id,
                &pull.base_ref,
                Some(&base),
                &sha,
            ));
            (sha, out)
        };
        webhooks::send_all(&self.inner, outgoing).await;
        Ok(sha)
    }

    /// Closes an open pull without merging; sends `pull_request` closed (merged false).
    pub async fn close_pull(&self, owner: &str, repo: &str, number: u64) -> anyhow::Result<()> {
        let repo_id = self.repo_id(owner, repo)?;
        let outgoing = {
            let mut world = self.inner.world();
            let repo = world
                .repos
                .get_mut(&repo_id)
                .context("repository vanished")?;
            let index = repo
                .pulls
                .iter()
                .position(|p| p.number == number)
                .context("unknown pull")?;
            let head_sha = repo.pull_head_sha(&repo.pulls[index]);
            let p = &mut repo.pulls[index];
            if p.state != "open" {
                bail!("pull #{number} is not open");
            }
            let now = chrono::Utc::now();
            p.state = "closed".into();
            p.closed_at = Some(now);
            p.updated_at = now;
            p.head_sha = head_sha;
            pull_deliveries(&mut world, &self.inner.base, repo_id, index, "closed")
        };
        webhooks::send_all(&self.inner, outgoing).await;
        Ok(())
    }

    async fn repository_event(
        &self,
        repo_id: u64,
        action: &str,
        changes: Option<Value>,
    ) -> anyhow::Result<()> {
        let outgoing = {
            let mut world = self.inner.world();
            let mut payload = json!({"action": action});
            if let Some(changes) = changes {
                payload["changes"] = changes;
            }
            repo_deliveries(
                &mut world,
                &self.inner.base,
                repo_id,
                "repository",
                &payload,
            )
        };
        webhooks::send_all(&self.inner, outgoing).await;
        Ok(())
    }

    pub async fn archive_repo(&self, owner: &str, repo: &str) -> anyhow::Result<()> {
        let id = self.repo_id(owner, repo)?;
        if let Some(r) = self.inner.world().repos.get_mut(&id) {
            r.archived = true;
        }
        self.repository_event(id, "archived", None).await
    }

    pub async fn rename_repo(&self, owner: &str, repo: &str, new_name: &str) -> anyhow::Result<()> {
        let id = self.repo_id(owner, repo)?;
        let old = {
            let mut world = self.inner.world();
            let r = world.repos.get_mut(&id).context("repository vanished")?;
            std::mem::replace(&mut r.name, new_name.to_string())
        };
        self.repository_event(
            id,
            "renamed",
            Some(json!({"repository": {"name": {"from": old}}})),
        )
        .await
    }

    /// Deletes a repository; `repository` deleted is sent before it disappears.
    pub async fn delete_repo(&self, owner: &str, repo: &str) -> anyhow::Result<()> {
        let id = self.repo_id(owner, repo)?;
        self.repository_event(id, "deleted", None).await?;
        let mut world = self.inner.world();
        world.repos.remove(&id);
        for installation in world.installations.values_mut() {
            if let Selection::Selected(ids) = &mut installation.selection {
                ids.remove(&id);
            }
        }
        Ok(())
    }

    /// Adds a completed check run on `sha` (by the first app installed on the repo, if
    /// any) and sends `check_run` completed.
    pub async fn add_check_run(
        &self,
        owner: &str,
        repo: &str,
        sha: &str,
        name: &str,
        conclusion: &str,
    ) -> anyhow::Result<()> {
        let repo_id = self.repo_id(owner, repo)?;
        let outgoing = {
            let mut world = self.inner.world();
            let run_id = world.next_id();
            let suite_id = world.next_id();
            let base = self.inner.base.clone();
            let repo = world
                .repos
                .get_mut(&repo_id)
                .context("repository vanished")?;
            let head_sha = repo.resolve_commit(sha).context("unknown commit")?;
            let run = CheckRun {
                id: run_id,
                suite_id,
                head_sha: head_sha.clone(),
                name: name.to_string(),
                conclusion: conclusion.to_string(),
                completed_at: chrono::Utc::now(),
            };
            repo.check_runs.push(run.clone());
            let head_branch = repo
                .refs
                .iter()
                .find(|(_, s)| **s == head_sha)
                .map(|(r, _)| r.trim_start_matches("refs/heads/").to_string());
            let repo_url = format!(
                "{base}/repos/{}",
                render::repo_full_name(&world, &world.repos[&repo_id])
            );
            let mut check = super::routes::repos::check_run(&repo_url, &run);
            let app = world
                .apps
                .values()
                .next()
                .map(|a| render::integration(&world, &base, a))
                .unwrap_or(Value::Null);
            check["app"] = app.clone();
            check["check_suite"] = json!({
                "id": suite_id,
                "node_id": render::node_id("CheckSuite", suite_id),
                "head_branch": head_branch,
                "head_sha": head_sha,
                "status": "completed",
                "conclusion": conclusion,
                "url": format!("{repo_url}/check-suites/{suite_id}"),
                "before": null,
                "after": head_sha,
                "pull_requests": [],
                "app": app,
                "created_at": render::time(run.completed_at),
                "updated_at": render::time(run.completed_at),
            });
            let payload = json!({"action": "completed", "check_run": check});
            repo_deliveries(&mut world, &base, repo_id, "check_run", &payload)
        };
        webhooks::send_all(&self.inner, outgoing).await;
        Ok(())
    }

    /// Sends a recorded delivery again: same GUID, same body. Returns the App's status.
    pub async fn redeliver(&self, guid: &str) -> anyhow::Result<u16> {
        let record = self
            .inner
            .world()
            .deliveries
            .iter()
            .find(|d| d.guid == guid)
            .cloned()
            .with_context(|| format!("no delivery {guid}"))?;
        let record = super::state::DeliveryRecord {
            status: None,
            ..record
        };
        webhooks::send(&self.inner, record)
            .await
            .context("the App did not answer the redelivery")
    }

    /// Sends `ping` to an app's webhook URL.
    pub async fn ping(&self, app_id: u64) -> anyhow::Result<Option<u16>> {
        let item = {
            let mut world = self.inner.world();
            let app = world.apps.get(&app_id).cloned().context("unknown app")?;
            let sender = webhooks::sender(&mut world, &self.inner.base);
            let now = render::time(chrono::Utc::now());
            Outgoing {
                app_id,
                event: "ping".into(),
                payload: json!({
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
                        "app_id": app_id,
                        "url": format!("{}/app/hook/config", self.inner.base),
                        "test_url": format!("{}/app/hook/test", self.inner.base),
                        "ping_url": format!("{}/app/hook/pings", self.inner.base),
                        "deliveries_url": format!("{}/app/hook/deliveries", self.inner.base),
                        "last_response": {"code": null, "status": "unused", "message": null},
                    },
                    "sender": sender,
                }),
            }
        };
        webhooks::send_all(&self.inner, vec![item]).await;
        Ok(self.inner.world().deliveries.last().and_then(|d| d.status))
    }

    pub fn pulls(&self, owner: &str, repo: &str) -> Vec<PullView> {
        let world = self.inner.world();
        let Some(repo) = world
            .repo_id(owner, repo)
            .and_then(|id| world.repos.get(&id))
        else {
            return Vec::new();
        };
        repo.pulls
            .iter()
            .map(|p| {
                let head_sha = repo.pull_head_sha(p);
                PullView {
                    number: p.number,
                    state: p.state.clone(),
                    merged: p.merged_at.is_some(),
                    title: p.title.clone(),
                    body: p.body.clone().unwrap_or_default(),
                    head_ref: p.head_ref.clone(),
                    files: repo.store.files(&head_sha),
                    head_sha,
                    base_ref: p.base_ref.clone(),
                    labels: p.labels.clone(),
                }
            })
            .collect()
    }

    /// A file's bytes at a branch, tag or commit.
    pub fn file(&self, owner: &str, repo: &str, git_ref: &str, path: &str) -> Option<Vec<u8>> {
        let world = self.inner.world();
        let repo = world.repos.get(&world.repo_id(owner, repo)?)?;
        let commit = repo.resolve_commit(git_ref)?;
        repo.store.file_at(&commit, path)
    }

    /// The commit a branch points at.
    pub fn head(&self, owner: &str, repo: &str, branch: &str) -> Option<String> {
        let world = self.inner.world();
        let repo = world.repos.get(&world.repo_id(owner, repo)?)?;
        repo.branch(branch).cloned()
    }

    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.inner.world().requests.clone()
    }

    pub fn clear_requests(&self) {
        self.inner.world().requests.clear();
    }

    pub fn deliveries(&self) -> Vec<Delivery> {
        self.inner
            .world()
            .deliveries
            .iter()
            .map(|d| Delivery {
                guid: d.guid.clone(),
                event: d.event.clone(),
                action: d.action.clone(),
                status: d.status,
            })
            .collect()
    }

    /// The JSON body of a recorded delivery (the latest with that GUID).
    pub fn delivery_payload(&self, guid: &str) -> Option<Value> {
        let world = self.inner.world();
        let record = world.deliveries.iter().rev().find(|d| d.guid == guid)?;
        serde_json::from_slice(&record.body).ok()
    }

    pub fn secondary_limit_violations(&self) -> u64 {
        self.inner.limiter().violations
    }

    pub fn set_faults(&self, faults: Faults) {
        *self.inner.faults() = faults::FaultPlan::new(faults);
    }

    /// Creates an app from a manifest, as if a person clicked "Create GitHub App" on
    /// `fake-user`'s settings page; returns the one-time code for the conversion endpoint.
    pub fn mint_manifest_code(&self, manifest: Value) -> String {
        let owner_id = self
            .inner
            .world()
            .ensure_account("fake-user", AccountKind::User);
        match app_from_manifest(&self.inner, owner_id, &manifest) {
            Ok(code) => code,
            // Key generation only fails when the crypto library is broken.
            Err(error) => panic!("fake GitHub cannot create an app: {error:#}"),
        }
    }
}
