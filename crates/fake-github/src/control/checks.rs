//! Check runs and workflow runs: a scanner's completed run on a commit, and the
//! `check_run` and `workflow_run` webhooks.

use anyhow::Context;

use crate::FakeGitHub;
use crate::payloads;
use crate::state::{CheckRun, WorkflowRun};
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

    /// Adds a completed run of the workflow at `path` on the default branch's head,
    /// triggered by `event`, and sends `workflow_run` completed (to the apps subscribed to
    /// it). Returns the run's id.
    pub async fn add_workflow_run(
        &self,
        owner: &str,
        repo: &str,
        path: &str,
        event: &str,
        conclusion: &str,
    ) -> anyhow::Result<u64> {
        let repo_id = self.repo_id(owner, repo)?;
        let (id, outgoing) = {
            let mut world = self.inner.world();
            let id = world.next_id();
            let check_suite_id = world.next_id();
            let base = self.inner.base.clone();
            let repo = world
                .repos
                .get_mut(&repo_id)
                .context("repository vanished")?;
            let branch = repo.default_branch.clone();
            let head_sha = repo
                .resolve_commit(&branch)
                .context("the repository has no default branch yet")?;
            let run_number = 1 + repo
                .workflow_runs
                .iter()
                .filter(|run| run.path == path)
                .count() as u64;
            let name = path
                .rsplit('/')
                .next()
                .unwrap_or(path)
                .trim_end_matches(".yml")
                .trim_end_matches(".yaml")
                .to_string();
            let run = WorkflowRun {
                id,
                workflow_id: crate::routes::actions::workflow_id(repo_id, path),
                check_suite_id,
                run_number,
                name,
                path: path.to_string(),
                head_branch: branch,
                head_sha,
                event: event.to_string(),
                conclusion: conclusion.to_string(),
                completed_at: chrono::Utc::now(),
            };
            repo.workflow_runs.push(run.clone());
            let payload =
                payloads::workflow_run_payload(&world, &base, &world.repos[&repo_id], &run);
            let outgoing =
                payloads::repo_deliveries(&mut world, &base, repo_id, "workflow_run", &payload);
            (id, outgoing)
        };
        webhooks::send_all(&self.inner, outgoing).await;
        Ok(id)
    }
}
