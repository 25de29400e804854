//! The fake's world: accounts, apps, installations, repositories, tokens, pulls, and the
//! records tests read back (request log, deliveries). Guarded by one mutex; no await under it.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Instant;

use chrono::{DateTime, Utc};

use super::alerts::Security;
use super::git::{self, Object, Store};
use super::{LoggedRequest, RepoSpec};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountKind {
    User,
    Organization,
    Bot,
}

impl AccountKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AccountKind::User => "User",
            AccountKind::Organization => "Organization",
            AccountKind::Bot => "Bot",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Account {
    pub id: u64,
    pub login: String,
    pub kind: AccountKind,
}

#[derive(Debug, Clone)]
pub struct App {
    pub id: u64,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub external_url: String,
    pub owner_id: u64,
    pub client_id: String,
    pub client_secret: String,
    pub webhook_secret: String,
    pub private_key_pem: String,
    /// PKCS#1 `RSAPublicKey` DER, used to verify JWTs.
    pub public_key_der: Vec<u8>,
    pub permissions: BTreeMap<String, String>,
    pub events: Vec<String>,
    pub webhook_url: Option<String>,
    pub hook_id: u64,
    pub bot_id: u64,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub enum Selection {
    All,
    Selected(BTreeSet<u64>),
}

#[derive(Debug, Clone)]
pub struct Installation {
    pub id: u64,
    pub app_id: u64,
    pub account_id: u64,
    pub selection: Selection,
    pub permissions: BTreeMap<String, String>,
    pub events: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub suspended_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone)]
pub struct Token {
    pub installation_id: u64,
    pub expires_at: DateTime<Utc>,
    pub permissions: BTreeMap<String, String>,
    /// Restricts the token to these repositories (ids) when set.
    pub repositories: Option<BTreeSet<u64>>,
}

#[derive(Debug, Clone)]
pub struct Label {
    pub id: u64,
    pub name: String,
    pub color: String,
}

#[derive(Debug, Clone)]
pub struct Pull {
    pub id: u64,
    pub number: u64,
    pub title: String,
    pub body: Option<String>,
    pub state: String,
    pub draft: bool,
    pub head_ref: String,
    /// Head sha when the pull was closed (open pulls follow the branch).
    pub head_sha: String,
    pub base_ref: String,
    pub base_sha: String,
    pub user_id: u64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    pub merged_at: Option<DateTime<Utc>>,
    pub merge_commit_sha: Option<String>,
    pub labels: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct CheckRun {
    pub id: u64,
    pub suite_id: u64,
    pub head_sha: String,
    pub name: String,
    pub conclusion: String,
    pub completed_at: DateTime<Utc>,
}

/// A completed run of a workflow of the repository.
#[derive(Debug, Clone)]
pub struct WorkflowRun {
    pub id: u64,
    pub workflow_id: u64,
    pub check_suite_id: u64,
    pub run_number: u64,
    /// The workflow's display name.
    pub name: String,
    /// The workflow file, `.github/workflows/codeql.yml`.
    pub path: String,
    pub head_branch: String,
    pub head_sha: String,
    /// What triggered it: `push`, `schedule`, ...
    pub event: String,
    pub conclusion: String,
    pub completed_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct Repo {
    pub id: u64,
    pub owner_id: u64,
    pub name: String,
    pub private: bool,
    pub archived: bool,
    pub fork: bool,
    pub default_branch: String,
    pub created_at: DateTime<Utc>,
    pub pushed_at: DateTime<Utc>,
    pub refs: BTreeMap<String, String>,
    pub store: Store,
    pub pulls: Vec<Pull>,
    pub labels: Vec<Label>,
    pub check_runs: Vec<CheckRun>,
    pub workflow_runs: Vec<WorkflowRun>,
    pub next_number: u64,
    /// Code scanning, Dependabot and secret scanning alerts and the feature switches.
    pub security: Security,
}

impl Repo {
    pub fn is_empty(&self) -> bool {
        self.refs.is_empty()
    }

    pub fn branch(&self, branch: &str) -> Option<&String> {
        self.refs.get(&format!("refs/heads/{branch}"))
    }

    /// A commit sha from a sha or a branch/tag name.
    pub fn resolve_commit(&self, what: &str) -> Option<String> {
        if self.store.commit(what).is_some() {
            return Some(what.to_ascii_lowercase());
        }
        let name = what.trim_start_matches("refs/");
        for candidate in [
            format!("refs/{name}"),
            format!("refs/heads/{name}"),
            format!("refs/tags/{name}"),
        ] {
            if let Some(sha) = self.refs.get(&candidate) {
                return Some(sha.clone());
            }
        }
        None
    }

    /// Whether an open pull request conflicts with its base branch: some path changed
    /// on both sides since their merge base, to different content (what makes GitHub
    /// answer `mergeable: false`).
    pub fn conflicts(&self, pull: &Pull) -> bool {
        let (Some(base), head) = (self.branch(&pull.base_ref), self.pull_head_sha(pull)) else {
            return false;
        };
        let Some(ancestor) = super::git::merge_base(&self.store, base, &head) else {
            return false;
        };
        let files = |sha: &str| {
            self.store
                .commit(sha)
                .map(|commit| self.store.flatten(&commit.tree))
                .unwrap_or_default()
        };
        let (before, ours, theirs) = (files(&ancestor), files(base), files(&head));
        let paths: std::collections::BTreeSet<&String> = ours.keys().chain(theirs.keys()).collect();
        paths.into_iter().any(|path| {
            let (was, base_side, head_side) = (before.get(path), ours.get(path), theirs.get(path));
            base_side != was && head_side != was && base_side != head_side
        })
    }

    pub fn pull_head_sha(&self, pull: &Pull) -> String {
        if pull.state == "open"
            && let Some(sha) = self.branch(&pull.head_ref)
        {
            return sha.clone();
        }
        pull.head_sha.clone()
    }
}

#[derive(Debug, Clone)]
pub struct DeliveryRecord {
    pub guid: String,
    pub event: String,
    pub action: Option<String>,
    pub app_id: u64,
    pub body: Vec<u8>,
    pub status: Option<u16>,
}

#[derive(Debug, Clone)]
pub struct ManifestCode {
    pub app_id: u64,
    pub created: Instant,
}

#[derive(Debug, Default)]
pub struct World {
    next_id: u64,
    pub accounts: Vec<Account>,
    pub apps: BTreeMap<u64, App>,
    pub installations: BTreeMap<u64, Installation>,
    pub repos: BTreeMap<u64, Repo>,
    pub tokens: HashMap<String, Token>,
    pub manifest_codes: HashMap<String, ManifestCode>,
    pub requests: Vec<LoggedRequest>,
    pub deliveries: Vec<DeliveryRecord>,
    /// Organisation login (lowercase) -> member logins.
    pub members: BTreeMap<String, std::collections::BTreeSet<String>>,
    /// Organisation login (lowercase) -> outside collaborators: they reach some of its
    /// repositories (so its installations list for them) without being members.
    pub collaborators: BTreeMap<String, std::collections::BTreeSet<String>>,
    /// Who is signed in to github.com in "the browser": the user the OAuth authorize
    /// page approves for.
    pub browser_user: Option<String>,
    /// OAuth codes and user-to-server tokens: value (app id, user login).
    pub oauth_codes: HashMap<String, (u64, String)>,
    pub user_tokens: HashMap<String, (u64, String)>,
    /// The time the control API stamps on alert changes; `None`: the wall clock.
    pub clock: Option<DateTime<Utc>>,
}

impl World {
    pub fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        1000 + self.next_id
    }

    /// Now, by the alert clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.unwrap_or_else(Utc::now)
    }

    pub fn account(&self, id: u64) -> Option<&Account> {
        self.accounts.iter().find(|a| a.id == id)
    }

    pub fn account_by_login(&self, login: &str) -> Option<&Account> {
        self.accounts
            .iter()
            .find(|a| a.login.eq_ignore_ascii_case(login))
    }

    pub fn ensure_account(&mut self, login: &str, kind: AccountKind) -> u64 {
        if let Some(account) = self.account_by_login(login) {
            return account.id;
        }
        let id = self.next_id();
        self.accounts.push(Account {
            id,
            login: login.to_string(),
            kind,
        });
        id
    }

    pub fn repo_id(&self, owner: &str, name: &str) -> Option<u64> {
        let owner = self.account_by_login(owner)?.id;
        self.repos
            .values()
            .find(|r| r.owner_id == owner && r.name.eq_ignore_ascii_case(name))
            .map(|r| r.id)
    }

    pub fn create_repo(&mut self, owner_id: u64, spec: RepoSpec, bot: &git::Signature) -> u64 {
        let id = self.next_id();
        let now = Utc::now();
        let mut repo = Repo {
            id,
            owner_id,
            name: spec.name,
            private: spec.private,
            archived: spec.archived,
            fork: spec.fork,
            default_branch: spec.default_branch,
            created_at: now,
            pushed_at: now,
            refs: BTreeMap::new(),
            store: Store::default(),
            pulls: Vec::new(),
            labels: Vec::new(),
            check_runs: Vec::new(),
            workflow_runs: Vec::new(),
            next_number: 1,
            security: Security::default(),
        };
        if !spec.files.is_empty() {
            let mut flat = git::Flat::new();
            for (path, bytes) in spec.files {
                let sha = repo.store.insert(Object::Blob(bytes.into()));
                flat.insert(path, (git::MODE_FILE.to_string(), sha));
            }
            let tree = repo.store.write_flat(&flat);
            let commit = repo.store.insert(Object::Commit(git::Commit {
                tree,
                parents: vec![],
                author: bot.clone(),
                committer: bot.clone(),
                message: "Initial commit".to_string(),
                verified: false,
            }));
            repo.refs
                .insert(format!("refs/heads/{}", repo.default_branch), commit);
        }
        self.repos.insert(id, repo);
        id
    }

    /// Whether an installation covers a repository.
    pub fn installation_covers(&self, installation: &Installation, repo: &Repo) -> bool {
        repo.owner_id == installation.account_id
            && match &installation.selection {
                Selection::All => true,
                Selection::Selected(ids) => ids.contains(&repo.id),
            }
    }

    /// Repositories an installation can see, by id order.
    pub fn installation_repos(&self, installation_id: u64) -> Vec<u64> {
        let Some(installation) = self.installations.get(&installation_id) else {
            return Vec::new();
        };
        self.repos
            .values()
            .filter(|r| self.installation_covers(installation, r))
            .map(|r| r.id)
            .collect()
    }

    /// Installations of any app that cover a repository.
    pub fn installations_for_repo(&self, repo_id: u64) -> Vec<u64> {
        let Some(repo) = self.repos.get(&repo_id) else {
            return Vec::new();
        };
        self.installations
            .values()
            .filter(|i| self.installation_covers(i, repo))
            .map(|i| i.id)
            .collect()
    }
}

/// The commit author for changes made "by a person" through the control API.
pub fn person(date: DateTime<Utc>) -> git::Signature {
    git::Signature {
        name: "Fake Developer".to_string(),
        email: "developer@users.noreply.example.com".to_string(),
        date,
    }
}
