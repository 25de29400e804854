//! The jobs: syncing an installation's repositories, and scanning one repository through
//! the API (snapshot -> detect -> evaluate -> plan), recording the result and handing the
//! plan to delivery. Every repository that cannot be onboarded ends with a recorded
//! reason, never a retry loop.

use super::App;
use super::deliver::{self, Delivered};
use super::jobs::{JobError, queue_backfill, queue_scan};
use super::remote;
use super::scan_bounds;
use crate::github::GitHubClient;
use crate::github::api::Repository;
use crate::store::{InstallationState, RepoState, RepositoryRecord, ScanRecord};
use fullcover_core::config::Config;
use fullcover_core::plan::{self, PlanSettings, Visibility};
use fullcover_core::report::ScanReport;

/// The default branch's head and its ETag, or why the repository is out of scope.
async fn default_head(
    client: &GitHubClient,
    full_name: &str,
    branch: &str,
) -> Result<Result<(String, Option<String>), &'static str>, JobError> {
    match client.branch_head(full_name, branch, None).await {
        Ok(Some(found)) => Ok(Ok(found)),
        Ok(None) => Err(JobError::Transient(
            "304 to an unconditional request".into(),
        )),
        Err(err) if err.is_empty_repository() => Ok(Err("empty repository")),
        Err(err) if err.is_not_found() => Ok(Err("default branch not found")),
        Err(err) => Err(err.into()),
    }
}

/// What the organisation's `.github` repository configures for the whole organisation:
/// its public status page and badges, and the policy of its security outcomes.
async fn record_org_settings(app: &App, org: &str, config: &Config) -> Result<(), JobError> {
    let store = app.store();
    store
        .set_org_public(org, config.public_status == Some(true))
        .await?;
    let policy = config
        .security
        .as_ref()
        .map(|settings| settings.policy())
        .unwrap_or_default();
    store.set_org_security_policy(org, &policy).await?;
    Ok(())
}

/// Lists the installation's repositories, records them (with when each was last pushed
/// to, which ranks its scan) and queues a scan of each one in scope. Repositories no
/// longer listed leave the scope.
pub async fn sync_installation(app: &App, installation: i64) -> Result<String, JobError> {
    let store = app.store();
    if store.installation_state(installation).await? != Some(InstallationState::Active) {
        return Ok("installation not active: nothing to sync".into());
    }
    let client = app.github().installation(installation)?;
    let mut listed = client.list_repositories().await?;
    // Queued most recently pushed first, so that workers already claiming scans while
    // this loop runs start with the repositories that the queue ranks first anyway.
    listed.sort_by_key(|repository| std::cmp::Reverse(repository.pushed_at_seconds()));
    let known = store.repositories(installation).await?;
    for repository in &listed {
        store
            .upsert_repository(
                repository.id,
                installation,
                &repository.full_name,
                repository.default_branch.as_deref(),
                repository.private,
            )
            .await?;
        store
            .set_pushed_at(repository.id, repository.pushed_at_seconds())
            .await?;
        // Listed again after an uninstall, a suspension or a removal: back in scope;
        // the scan decides anew whether it is archived, a fork or empty.
        if let Some(record) = store.repository(repository.id).await?
            && record.state == RepoState::Excluded
        {
            store
                .set_repository_state(repository.id, RepoState::Pending, None)
                .await?;
        }
        queue_scan(app, installation, repository.id).await?;
    }
    for gone in known
        .iter()
        .filter(|record| !listed.iter().any(|r| r.id == record.id))
    {
        store
            .set_repository_state(
                gone.id,
                RepoState::Excluded,
                Some("no longer in the installation"),
            )
            .await?;
    }
    // Alerts are read once the repositories they belong to are on record.
    queue_backfill(app, installation).await?;
    app.wake();
    Ok(format!("{} repositories listed", listed.len()))
}

/// Scans one repository and delivers its onboarding pull request when it needs one.
pub async fn scan_repository(
    app: &App,
    installation: i64,
    repository_id: i64,
) -> Result<String, JobError> {
    let store = app.store();
    let Some(record) = store.repository(repository_id).await? else {
        return Ok("repository not on record".into());
    };
    if store.installation_state(installation).await? != Some(InstallationState::Active) {
        return Ok("installation not active".into());
    }
    if record.state == RepoState::Excluded {
        return Ok(format!(
            "excluded: {}",
            record.reason.as_deref().unwrap_or("out of scope")
        ));
    }
    let client = app.github().installation(installation)?;
    // Read on every scan, even of an unchanged branch (visibility, archiving and the
    // default branch can change without a delivery reaching the App), conditionally: a
    // repository unchanged since its last scan answers 304, which GitHub does not count.
    // GitHub's own controls can change with no commit: a changed answer rescans.
    let (platform, platform_changed) =
        super::platform::current(app, &client, record.id, &record.full_name).await?;
    let known_etag = store.repository_etag(record.id).await?;
    let mut branch_moved = false;
    let repository = match client
        .repository_if_changed(&record.full_name, known_etag.as_deref())
        .await
    {
        Ok(Some((repository, etag))) => {
            store
                .set_repository_etag(record.id, etag.as_deref())
                .await?;
            repository
        }
        Ok(None) => {
            if !platform_changed && let Some(unchanged) = unchanged(&client, &record).await? {
                return Ok(unchanged);
            }
            branch_moved = true;
            match client.repository(&record.full_name).await {
                Ok(repository) => repository,
                Err(err) if err.is_not_found() => {
                    return exclude(app, &record, "deleted or no longer accessible").await;
                }
                Err(err) => return Err(err.into()),
            }
        }
        Err(err) if err.is_not_found() => {
            return exclude(app, &record, "deleted or no longer accessible").await;
        }
        Err(err) => return Err(err.into()),
    };
    if let Some(reason) = out_of_scope(&repository, app.behaviour().onboard_forks) {
        return exclude(app, &record, reason).await;
    }
    let branch = repository
        .default_branch
        .clone()
        .unwrap_or_else(|| "main".into());
    store
        .upsert_repository(
            repository.id,
            installation,
            &repository.full_name,
            Some(&branch),
            repository.private,
        )
        .await?;
    if record.private != repository.private || record.default_branch.as_deref() != Some(&branch) {
        tracing::info!(
            repository = repository.full_name,
            private = repository.private,
            "visibility or default branch changed since the last scan"
        );
    }
    let record = store.repository(repository_id).await?.unwrap_or(record);
    if !branch_moved
        && !platform_changed
        && let Some(unchanged) = unchanged(&client, &record).await?
    {
        return Ok(unchanged);
    }
    let (head, etag) = match default_head(&client, &repository.full_name, &branch).await? {
        Ok(found) => found,
        Err(reason) => return exclude(app, &record, reason).await,
    };
    // One scan of the installation reads at a time: scans that started together would
    // each see the budget before the others spent it, all stop at the reserve, and all
    // retry together at the reset.
    let turn = client.bulk_read_turn().await;
    if !scan_bounds::above_reserve(client.budget_now()) {
        return Err(defer(&client));
    }
    let remote = remote::snapshot(
        &client,
        &repository.full_name,
        &head,
        app.rules(),
        app.behaviour().scan_requests,
    )
    .await?;
    drop(turn);
    tracing::debug!(
        repository = repository.full_name,
        files = remote.snapshot.files().len(),
        tree_requests = remote.fetch.tree_requests,
        blob_requests = remote.fetch.blob_requests,
        blob_bytes = remote.fetch.blob_bytes,
        directories_not_listed = remote.fetch.directories_not_listed,
        files_not_read = remote.fetch.files_not_read,
        "repository read"
    );
    // Cut short by the installation's reserve rather than by the scan's own bound: a
    // complete view after the reset beats recording a partial one now.
    if remote.fetch.held_back {
        return Err(defer(&client));
    }
    let organisation = super::org_config::organisation_config(
        app.org_configs(),
        &client,
        &repository.owner.login,
        &repository.name,
    )
    .await?;
    let config = match organisation
        .and_then(|organisation| Config::from_snapshot(&remote.snapshot, organisation))
    {
        Ok(config) => config,
        Err(err) => {
            let reason = format!("invalid configuration: {err}");
            store
                .set_repository_state(record.id, RepoState::Pending, Some(&reason))
                .await?;
            store
                .set_repository_head(record.id, &head, etag.as_deref(), None)
                .await?;
            return Ok(reason);
        }
    };
    if repository.name == ".github" {
        record_org_settings(app, &repository.owner.login, &config).await?;
    }
    let settings = PlanSettings {
        repository: repository.full_name.clone(),
        default_branch: branch.clone(),
        visibility: if repository.private {
            Visibility::Private
        } else {
            Visibility::Public
        },
        advanced_security: false,
        config,
        platform,
    };
    let snapshot = settings.config.apply(remote.snapshot);
    let work_app = app.clone();
    let work_settings = settings.clone();
    let onboarding = tokio::task::spawn_blocking(move || {
        plan::onboarding(
            &snapshot,
            work_app.rules(),
            work_app.templates(),
            &work_settings,
        )
    })
    .await
    .map_err(|err| JobError::Transient(format!("scan task failed: {err}")))?
    .map_err(|err| JobError::Permanent(format!("cannot render the plan: {err}")))?;
    record_scan(app, &record, &head, &onboarding).await?;
    app.telemetry().scans.inc();
    let delivered = deliver::deliver(
        app,
        &client,
        &repository,
        &branch,
        &head,
        &remote.tree_sha,
        &onboarding,
        &settings.config,
    )
    .await?;
    let (state, reason, summary) = match &delivered {
        Delivered::NothingToDo
            if onboarding.before.coverage.satisfied == onboarding.before.coverage.required =>
        {
            (RepoState::Covered, None, "fully covered".to_owned())
        }
        Delivered::NothingToDo => {
            let manual: Vec<String> = onboarding
                .plan
                .manual
                .iter()
                .map(|step| step.requirement.clone())
                .collect();
            let reason = format!("needs manual steps: {}", manual.join(", "));
            (RepoState::Pending, Some(reason.clone()), reason)
        }
        Delivered::OptedOut(reason) => (RepoState::OptedOut, Some(reason.clone()), reason.clone()),
        Delivered::Unchanged(number) => (
            RepoState::Onboarding,
            None,
            format!("pull request #{number} already up to date"),
        ),
        Delivered::Opened(number) => (
            RepoState::Onboarding,
            None,
            format!("opened pull request #{number}"),
        ),
        Delivered::Updated(number) => (
            RepoState::Onboarding,
            None,
            format!("updated pull request #{number}"),
        ),
        Delivered::Excluded(reason) => (RepoState::Excluded, Some(reason.clone()), reason.clone()),
        Delivered::Held(reason) => (RepoState::Onboarding, Some(reason.clone()), reason.clone()),
    };
    store
        .set_repository_state(record.id, state, reason.as_deref())
        .await?;
    store
        .set_repository_head(
            record.id,
            &head,
            etag.as_deref(),
            Some(&onboarding.plan.hash),
        )
        .await?;
    Ok(summary)
}

/// The scan waits for the installation's budget to refill: scans leave a reserve of it
/// to everything else (see [`scan_bounds::RESERVE_SHARE`]).
fn defer(client: &GitHubClient) -> JobError {
    let budget = client.budget();
    let now = chrono::Utc::now().timestamp();
    let seconds = budget
        .reset
        .map_or(60, |reset| reset.saturating_sub(now).clamp(1, 3600) + 1);
    JobError::Deferred {
        reason: format!(
            "deferred: the installation has {} requests left until its rate limit resets, \
             the reserve scans leave to everything else",
            budget
                .remaining
                .map_or_else(|| "few".to_owned(), |n| n.to_string())
        ),
        wait: std::time::Duration::from_secs(u64::try_from(seconds).unwrap_or(60)),
    }
}

/// A repository scanned before whose default branch has not moved since, proven by a
/// conditional request that costs no rate limit.
async fn unchanged(
    client: &GitHubClient,
    record: &RepositoryRecord,
) -> Result<Option<String>, JobError> {
    let (Some(branch), Some(etag), Some(_)) = (
        record.default_branch.as_deref(),
        record.ref_etag.as_deref(),
        record.head_sha.as_deref(),
    ) else {
        return Ok(None);
    };
    if record.state == RepoState::Pending {
        return Ok(None);
    }
    match client
        .branch_head(&record.full_name, branch, Some(etag))
        .await
    {
        Ok(None) => Ok(Some("unchanged since the last scan".into())),
        Ok(Some(_)) => Ok(None),
        Err(err) if err.is_not_found() => Ok(None),
        Err(err) => Err(err.into()),
    }
}

fn out_of_scope(repository: &Repository, onboard_forks: bool) -> Option<&'static str> {
    if repository.archived {
        Some("archived")
    } else if repository.disabled {
        Some("disabled")
    } else if repository.fork && !onboard_forks {
        Some("fork")
    } else {
        None
    }
}

async fn exclude(app: &App, record: &RepositoryRecord, reason: &str) -> Result<String, JobError> {
    app.store()
        .set_repository_state(record.id, RepoState::Excluded, Some(reason))
        .await?;
    Ok(format!("excluded: {reason}"))
}

async fn record_scan(
    app: &App,
    record: &RepositoryRecord,
    head: &str,
    onboarding: &plan::Onboarding,
) -> Result<(), JobError> {
    let encode =
        |err: serde_json::Error| JobError::Permanent(format!("cannot encode the scan: {err}"));
    let report = serde_json::to_string(&ScanReport::new(
        &onboarding.inventory,
        &onboarding.before,
        app.rules(),
        false,
    ))
    .map_err(encode)?;
    let scan = scan_record_parts(&onboarding.before).map_err(encode)?;
    app.store()
        .record_scan(&ScanRecord {
            repository_id: record.id,
            commit_sha: head,
            at: crate::store::now(),
            required: scan.required,
            satisfied: scan.satisfied,
            missing: &scan.missing,
            satisfied_ids: &scan.satisfied_ids,
            categories: &scan.categories,
            report: &report,
        })
        .await?;
    Ok(())
}

/// An assessment in the record's terms.
pub struct ScanParts {
    pub required: i64,
    pub satisfied: i64,
    pub missing: Vec<String>,
    pub satisfied_ids: Vec<String>,
    pub categories: String,
}

pub fn scan_record_parts(
    assessment: &fullcover_core::evaluate::Assessment,
) -> Result<ScanParts, serde_json::Error> {
    use fullcover_core::evaluate::Status;
    let with = |status: Status| -> Vec<String> {
        assessment
            .requirements
            .iter()
            .filter(|requirement| requirement.status == status)
            .map(|requirement| requirement.id.clone())
            .collect()
    };
    let categories: serde_json::Map<String, serde_json::Value> = assessment
        .coverage
        .by_category
        .iter()
        .filter(|(_, ratio)| ratio.required > 0)
        .map(|(name, ratio)| {
            (
                name.clone(),
                serde_json::json!({"required": ratio.required, "satisfied": ratio.satisfied}),
            )
        })
        .collect();
    Ok(ScanParts {
        required: i64::try_from(assessment.coverage.required).unwrap_or(i64::MAX),
        satisfied: i64::try_from(assessment.coverage.satisfied).unwrap_or(i64::MAX),
        missing: with(Status::Missing),
        satisfied_ids: with(Status::Satisfied),
        categories: serde_json::to_string(&categories)?,
    })
}
