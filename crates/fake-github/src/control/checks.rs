//! Check runs: a scanner's completed run on a commit, and the `check_run` webhook.

use anyhow::Context;

use crate::FakeGitHub;
use crate::payloads;
use crate::state::CheckRun;
use crate::webhooks;

impl FakeGitHub {
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
            let payload = payloads::check_run_payload(&world, &base, &world.repos[&repo_id], &run);
            payloads::repo_deliveries(&mut world, &base, repo_id, "check_run", &payload)
        };
        webhooks::send_all(&self.inner, outgoing).await;
        Ok(())
    }
}
