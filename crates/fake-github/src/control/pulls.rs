//! Pull requests: merging and closing them as a person, and listing them as a test sees them.

use anyhow::{Context, bail};

use crate::git::{self, Object};
use crate::payloads;
use crate::state::person;
use crate::webhooks;
use crate::{FakeGitHub, PullView};

impl FakeGitHub {
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
                let ancestor = git::merge_base(&repo.store, &base, &head);
                let (added, modified, removed) = git::diff(&repo.store, ancestor.as_deref(), &head);
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
            let mut out =
                payloads::pull_deliveries(&mut world, &base_url, repo_id, index, "closed");
            out.extend(payloads::push_deliveries(
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

    /// Opens a pull request from `head` into `base` as the repository's owner (a person);
    /// sends `pull_request` opened. Returns its number.
    pub async fn open_pull(
        &self,
        owner: &str,
        repo: &str,
        head: &str,
        base: &str,
        title: &str,
    ) -> anyhow::Result<u64> {
        let repo_id = self.repo_id(owner, repo)?;
        let (number, outgoing) = {
            let mut world = self.inner.world();
            let pull_id = world.next_id();
            let repo = world
                .repos
                .get_mut(&repo_id)
                .context("repository vanished")?;
            let head_sha = repo.branch(head).cloned().context("head branch missing")?;
            let base_sha = repo.branch(base).cloned().context("base branch missing")?;
            let now = chrono::Utc::now();
            let number = repo.next_number;
            repo.next_number += 1;
            let user_id = repo.owner_id;
            repo.pulls.push(crate::state::Pull {
                id: pull_id,
                number,
                title: title.to_owned(),
                body: None,
                state: "open".into(),
                draft: false,
                head_ref: head.to_owned(),
                head_sha,
                base_ref: base.to_owned(),
                base_sha,
                user_id,
                created_at: now,
                updated_at: now,
                closed_at: None,
                merged_at: None,
                merge_commit_sha: None,
                labels: Vec::new(),
            });
            let index = repo.pulls.len() - 1;
            let out =
                payloads::pull_deliveries(&mut world, &self.inner.base, repo_id, index, "opened");
            (number, out)
        };
        webhooks::send_all(&self.inner, outgoing).await;
        Ok(number)
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
            payloads::pull_deliveries(&mut world, &self.inner.base, repo_id, index, "closed")
        };
        webhooks::send_all(&self.inner, outgoing).await;
        Ok(())
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
}
