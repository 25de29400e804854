//! Reading what commits say that events do not. A `pull_request` event names only a
//! merged pull request's head; its other commits (GitHub lists up to 250) let change
//! failure rate attribute a finding raised on any of them. A secret-scanning location
//! names the commit that brought the secret in, but not when: that commit's time is the
//! secret's introduction, which time to detect (MTTD) measures from.

use fullcover_core::metrics::security::Family;

use super::App;
use super::jobs::JobError;
use crate::github::GitHubClient;

/// Pull requests and secrets read per job: a bound on what one repository costs per
/// run; the rest waits for the next job, queued at once.
const PER_JOB: usize = 20;

/// Pages of commits read per pull request (100 each): GitHub lists no more than 250.
const PAGES_PER_PULL: usize = 3;

/// Reads the commits of merged pull requests and the times of secrets' commits that the
/// record lacks for one repository.
pub async fn read_commit_facts(
    app: &App,
    installation: i64,
    repository: i64,
) -> Result<String, JobError> {
    let store = app.store();
    let Some(record) = store.repository(repository).await? else {
        return Ok("repository not on record".into());
    };
    let client = app.github().installation(installation)?;
    let pulls = store
        .pulls_awaiting_commits(repository, PER_JOB + 1)
        .await?;
    for number in pulls.iter().take(PER_JOB) {
        let commits = pull_commits(&client, &record.full_name, *number).await?;
        store
            .add_pull_commits(repository, *number, &commits)
            .await?;
    }
    let secrets = store
        .secrets_awaiting_introduction(repository, PER_JOB + 1)
        .await?;
    for (number, commit) in secrets.iter().take(PER_JOB) {
        let path = format!("/repos/{}/git/commits/{commit}", record.full_name);
        let at = match client.get_json(&path).await {
            Ok((body, _)) => body
                .pointer("/committer/date")
                .and_then(serde_json::Value::as_str)
                .and_then(|date| chrono::DateTime::parse_from_rfc3339(date).ok())
                .map(|date| date.timestamp()),
            // The commit is gone (history rewritten): its time cannot be known.
            Err(err) if matches!(err.status().map(|s| s.as_u16()), Some(404 | 422)) => None,
            Err(err) => return Err(err.into()),
        };
        match at {
            Some(at) => {
                store
                    .set_introduced_at(repository, Family::SecretScanning, *number, at)
                    .await?
            }
            None => tracing::warn!(
                repository = record.full_name,
                number,
                "the commit that brought a secret in has no readable time"
            ),
        }
    }
    if pulls.len() > PER_JOB || secrets.len() > PER_JOB {
        super::jobs::queue_commit_facts(app, installation, repository).await?;
    }
    Ok(format!(
        "commits of {} merged pull requests, times of {} secrets' commits",
        pulls.len().min(PER_JOB),
        secrets.len().min(PER_JOB)
    ))
}

/// The commits GitHub lists for a pull request; none when it is gone.
async fn pull_commits(
    client: &GitHubClient,
    full_name: &str,
    number: i64,
) -> Result<Vec<String>, JobError> {
    let mut commits = Vec::new();
    let mut next = Some(format!(
        "/repos/{full_name}/pulls/{number}/commits?per_page=100"
    ));
    for _ in 0..PAGES_PER_PULL {
        let Some(path) = next.take() else { break };
        match client.get_json(&path).await {
            Ok((body, following)) => {
                commits.extend(
                    body.as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|item| item.get("sha")?.as_str().map(str::to_owned)),
                );
                next = following;
            }
            Err(err) if err.status().map(|s| s.as_u16()) == Some(404) => break,
            Err(err) => return Err(err.into()),
        }
    }
    Ok(commits)
}
