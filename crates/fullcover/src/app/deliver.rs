//! Delivery: the plan becomes one commit on `fullcover/onboarding` (Git Data API: a tree
//! over the default branch's, a commit with no author of ours so that GitHub signs it, a
//! ref) and one pull request, created or updated. The plan's hidden marker in the body
//! makes a re-run with the same plan a no-op; a pull request closed without merging is
//! the repository opting out, and is never reopened.

use super::App;
use super::jobs::JobError;
use crate::github::GitHubClient;
use crate::github::api::{NewFile, PullRequest, Repository};
use crate::store::{PullRequestEvent, PullRequestRecord, PullRequestState};
use fullcover_core::config::Config;
use fullcover_core::plan::Onboarding;

/// The branch every onboarding pull request comes from.
pub const BRANCH: &str = "fullcover/onboarding";

/// Content-creating requests a new onboarding pull request costs: a tree carrying the
/// files inline (no blob requests), a commit, the branch's ref, the pull request. GitHub's
/// REST API has no fewer for a commit of several files. Measured: `tests/it/order.rs`
/// (`a_pull_request_costs_four_writes`) counts them in the fake's log, and the onboarding
/// benchmark's 1,000 repositories cost 4.00 each.
pub const WRITES_PER_PULL_REQUEST: u64 = 4;

/// What delivery did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivered {
    /// The plan adds nothing.
    NothingToDo,
    /// The repository does not want a pull request.
    OptedOut(String),
    /// The open pull request already carries this plan.
    Unchanged(i64),
    Opened(i64),
    Updated(i64),
    /// GitHub refused the write for a reason that takes the repository out of scope.
    Excluded(String),
    /// The onboarding branch carries someone else's commits: not touched.
    Held(String),
}

/// The plan's marker, as the pull-request body carries it.
pub fn marker(plan_hash: &str) -> String {
    format!("<!-- fullcover:plan={plan_hash} -->")
}

#[allow(clippy::too_many_arguments)]
pub async fn deliver(
    app: &App,
    client: &GitHubClient,
    repository: &Repository,
    default_branch: &str,
    head: &str,
    tree_sha: &str,
    onboarding: &Onboarding,
    config: &Config,
) -> Result<Delivered, JobError> {
    if config.onboarding == Some(false) {
        return Ok(Delivered::OptedOut(
            "onboarding: false in .github/fullcover.yml".into(),
        ));
    }
    let files: Vec<NewFile> = onboarding
        .plan
        .changes()
        .map(|file| NewFile {
            path: file.path.clone(),
            content: file.content.clone(),
        })
        .collect();
    if files.is_empty() {
        return Ok(Delivered::NothingToDo);
    }
    let full_name = &repository.full_name;
    let existing = client
        .find_pull(full_name, &repository.owner.login, BRANCH)
        .await?;
    let plan_marker = marker(&onboarding.plan.hash);
    if let Some(pull) = &existing {
        if pull.state == "closed" && !pull.is_merged() && config.onboarding != Some(true) {
            return Ok(Delivered::OptedOut(format!(
                "onboarding pull request #{} closed without merging",
                pull.number
            )));
        }
        let same_plan = pull
            .body
            .as_deref()
            .is_some_and(|b| b.contains(&plan_marker));
        if pull.state == "open" && same_plan && pull.base.name == default_branch {
            let current = client.pull(full_name, pull.number).await?;
            if current.mergeable != Some(false) {
                record(app, repository.id, pull, &onboarding.plan.hash, None).await?;
                return Ok(Delivered::Unchanged(pull.number));
            }
        }
    }
    let text = onboarding
        .pull_request(app.templates())
        .map_err(|err| JobError::Permanent(format!("cannot render the pull request: {err}")))?;
    // People (and other bots) may push to the onboarding branch to adjust it; the
    // branch moves only when its head is a commit the App itself put there.
    let branch_head = client.find_branch(full_name, BRANCH).await?;
    if let Some(head) = &branch_head
        && !app
            .store()
            .onboarding_commits(repository.id)
            .await?
            .contains(head)
    {
        return Ok(Delivered::Held(format!(
            "{BRANCH} has commits that are not Fullcover's: left as it is"
        )));
    }
    let tree = match client.create_tree(full_name, tree_sha, &files).await {
        Ok(tree) => tree,
        Err(err) if err.is_archived() => return Ok(Delivered::Excluded("archived".into())),
        Err(err) => return Err(err.into()),
    };
    let message = commit_message(&text.title, &files);
    let commit = client
        .create_commit(full_name, &message, &tree, head)
        .await?;
    app.store()
        .add_onboarding_commit(repository.id, &commit)
        .await?;
    point_branch(client, full_name, &commit, branch_head.is_some()).await?;
    let open = existing.filter(|pull| pull.state == "open");
    let (pull, event) = match open {
        Some(pull) => (
            client
                .update_pull(
                    full_name,
                    pull.number,
                    &text.title,
                    &text.body,
                    default_branch,
                )
                .await?,
            PullRequestEvent::Updated,
        ),
        None => match client
            .create_pull(full_name, &text.title, &text.body, BRANCH, default_branch)
            .await
        {
            Ok(pull) => (pull, PullRequestEvent::Opened),
            // A pull request this job opened before it was interrupted.
            Err(err) if err.is_validation() && err.message().contains("already exists") => {
                let found = client
                    .find_pull(full_name, &repository.owner.login, BRANCH)
                    .await?
                    .filter(|pull| pull.state == "open")
                    .ok_or_else(|| JobError::Transient(err.to_string()))?;
                (
                    client
                        .update_pull(
                            full_name,
                            found.number,
                            &text.title,
                            &text.body,
                            default_branch,
                        )
                        .await?,
                    PullRequestEvent::Updated,
                )
            }
            Err(err) => return Err(err.into()),
        },
    };
    record(
        app,
        repository.id,
        &pull,
        &onboarding.plan.hash,
        Some(event),
    )
    .await?;
    if event == PullRequestEvent::Opened {
        app.telemetry().pull_requests_opened.inc();
    }
    Ok(if event == PullRequestEvent::Opened {
        Delivered::Opened(pull.number)
    } else {
        Delivered::Updated(pull.number)
    })
}

/// Points the onboarding branch at `commit`, creating it when missing.
async fn point_branch(
    client: &GitHubClient,
    full_name: &str,
    commit: &str,
    exists: bool,
) -> Result<(), JobError> {
    if exists {
        client.force_branch(full_name, BRANCH, commit).await?;
        return Ok(());
    }
    match client.create_branch(full_name, BRANCH, commit).await {
        Ok(()) => Ok(()),
        Err(err) if err.is_validation() => {
            client.force_branch(full_name, BRANCH, commit).await?;
            Ok(())
        }
        Err(err) => Err(err.into()),
    }
}

async fn record(
    app: &App,
    repository_id: i64,
    pull: &PullRequest,
    plan_hash: &str,
    event: Option<PullRequestEvent>,
) -> Result<(), JobError> {
    let known = app.store().pull_request(repository_id).await?;
    let record = PullRequestRecord {
        repository_id,
        number: pull.number,
        state: if pull.is_merged() {
            PullRequestState::Merged
        } else if pull.state == "open" {
            PullRequestState::Open
        } else {
            PullRequestState::Closed
        },
        plan_hash: plan_hash.to_owned(),
        url: pull.html_url.clone(),
    };
    // Nothing new on GitHub: the record is only brought up to date if it lags behind.
    let event = match event {
        Some(event) => event,
        None if known.as_ref() == Some(&record) => return Ok(()),
        None if known.is_none() => PullRequestEvent::Opened,
        None => PullRequestEvent::Updated,
    };
    app.store().upsert_pull_request(&record, event).await?;
    Ok(())
}

fn commit_message(title: &str, files: &[NewFile]) -> String {
    let mut message = format!("{title}\n\n");
    for file in files {
        message.push_str(&format!("- {}\n", file.path));
    }
    message
}
