//! Repositories: creating, pushing to, archiving, renaming and deleting them, and reading
//! their files back.

use anyhow::Context;
use serde_json::{Value, json};

use crate::git::{self, Object};
use crate::payloads;
use crate::state::{AccountKind, Selection, person};
use crate::webhooks;
use crate::{FakeGitHub, RepoSpec};

impl FakeGitHub {
    /// Creates a repository (owner created as a user if unknown) with its initial commit.
    pub fn create_repo(&self, owner: &str, spec: RepoSpec) -> u64 {
        let mut world = self.inner.world();
        let owner_id = world.ensure_account(owner, AccountKind::User);
        world.create_repo(owner_id, spec, &person(chrono::Utc::now()))
    }

    /// Sets when the repository was last pushed to, as its record and the listings say
    /// (`pushed_at`), without a push: an organisation with long-inactive repositories.
    pub fn set_pushed_at(
        &self,
        owner: &str,
        repo: &str,
        at: chrono::DateTime<chrono::Utc>,
    ) -> anyhow::Result<()> {
        let id = self.repo_id(owner, repo)?;
        let mut world = self.inner.world();
        let repo = world.repos.get_mut(&id).context("repository vanished")?;
        repo.pushed_at = at;
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
        self.push_as(owner, repo, branch, changes, message, "Fake Developer")
            .await
    }

    /// As [`Self::push`], with a commit authored by `author` (e.g. `pre-commit-ci[bot]`).
    pub async fn push_as(
        &self,
        owner: &str,
        repo: &str,
        branch: &str,
        changes: Vec<(String, Option<Vec<u8>>)>,
        message: &str,
        author: &str,
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
                        let blob = repo.store.insert(Object::Blob(bytes.into()));
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
                author: git::Signature {
                    name: author.to_owned(),
                    ..person(now)
                },
                committer: person(now),
                message: message.to_string(),
                verified: false,
            }));
            repo.refs
                .insert(format!("refs/heads/{branch}"), sha.clone());
            repo.pushed_at = now;
            let out = payloads::push_deliveries(
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
            payloads::repo_deliveries(
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

    /// Makes a repository private or public; sends `repository` privatized/publicized
    /// only when `notify` (GitHub's deliveries can be missed).
    pub async fn set_private(
        &self,
        owner: &str,
        repo: &str,
        private: bool,
        notify: bool,
    ) -> anyhow::Result<()> {
        let id = self.repo_id(owner, repo)?;
        if let Some(r) = self.inner.world().repos.get_mut(&id) {
            r.private = private;
        }
        if notify {
            let action = if private { "privatized" } else { "publicized" };
            self.repository_event(id, action, None).await?;
        }
        Ok(())
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
}
