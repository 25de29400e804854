//! Reading the commits of merged pull requests, so that a finding raised on any of a pull
//! request's commits (not only its head) is attributed to it (change failure rate). A
//! `pull_request` event names only the head; GitHub lists up to 250 commits per pull
//! request, which is all this reads.

use super::App;
use super::jobs::JobError;

/// Pull requests read per job: a bound on what one repository costs per run; the rest
/// waits for the next job, queued at once.
const PULLS_PER_JOB: usize = 20;

/// Commits read per pull request: GitHub lists no more.
const PAGES_PER_PULL: usize = 3;

/// Reads the commits of a repository's merged pull requests not yet read.
pub async fn read_pull_commits(
    app: &App,
    installation: i64,
    repository: i64,
) -> Result<String, JobError> {
    let store = app.store();
    let Some(record) = store.repository(repository).await? else {
        return Ok("repository not on record".into());
    };
    let numbers = store
        .pulls_awaiting_commits(repository, PULLS_PER_JOB + 1)
        .await?;
    let more = numbers.len() > PULLS_PER_JOB;
    let client = app.github().installation(installation)?;
    let mut read = 0;
    for number in numbers.iter().take(PULLS_PER_JOB) {
        let mut commits = Vec::new();
        let mut next = Some(format!(
            "/repos/{}/pulls/{number}/commits?per_page=100",
            record.full_name
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
                // The pull request or the repository is gone: its head is all there is.
                Err(err) if err.status().map(|s| s.as_u16()) == Some(404) => break,
                Err(err) => return Err(err.into()),
            }
        }
        store
            .add_pull_commits(repository, *number, &commits)
            .await?;
        read += 1;
    }
    if more {
        super::jobs::queue_pull_commits(app, installation, repository).await?;
    }
    Ok(format!("commits of {read} merged pull requests read"))
}
