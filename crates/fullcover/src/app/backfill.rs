//! Reading the alerts GitHub already holds into the security record: once when an
//! installation is created or accepts the alert permissions (backfill), then daily to
//! repair what webhooks missed (reconciliation). Every write is idempotent, so both are
//! the same job. A family whose permission the installation lacks is noted as such, so
//! the metrics say "not available: permission" instead of 0.

use std::collections::HashMap;

use fullcover_core::metrics::security::Family;

use super::App;
use super::events::findings::from_rest;
use super::events::security::alert_changed;
use super::events::{Action, Current, Provenance, apply::apply};
use super::jobs::JobError;
use crate::github::GitHubError;
use crate::store::{InstallationState, RepositoryRecord, StoreError, now};

/// The permission each family's alerts need.
pub fn permission(family: Family) -> &'static str {
    match family {
        Family::CodeScanning => "security_events",
        Family::Dependabot => "vulnerability_alerts",
        Family::SecretScanning => "secret_scanning_alerts",
    }
}

fn path(family: Family) -> &'static str {
    match family {
        Family::CodeScanning => "code-scanning",
        Family::Dependabot => "dependabot",
        Family::SecretScanning => "secret-scanning",
    }
}

/// At most this many pages per family and run: a bound on what one organisation costs.
const MAX_PAGES: usize = 500;

/// Reads every alert of the installation's account into the record.
pub async fn backfill_findings(app: &App, installation: i64) -> Result<String, JobError> {
    let store = app.store();
    if store.installation_state(installation).await? != Some(InstallationState::Active) {
        return Ok("installation not active: nothing to read".into());
    }
    let Some((account, kind)) = store.installation_account(installation).await? else {
        return Ok("installation not on record".into());
    };
    let client = app.github().installation(installation)?;
    let repositories = store.repositories(installation).await?;
    // Alerts are kept for the installation's repositories on record, looked up here
    // rather than queried once per alert.
    let known: HashMap<i64, RepositoryRecord> = repositories
        .iter()
        .map(|repository| (repository.id, repository.clone()))
        .collect();
    let mut outcome = Vec::new();
    for family in Family::ALL {
        // An organisation lists its alerts in one paginated call; a user account per
        // repository.
        let starts: Vec<String> = if kind == "Organization" {
            // Without `state`, every state is listed.
            vec![format!(
                "/orgs/{account}/{}/alerts?per_page=100",
                path(family)
            )]
        } else {
            repositories
                .iter()
                .map(|repository| {
                    format!(
                        "/repos/{}/{}/alerts?per_page=100",
                        repository.full_name,
                        path(family)
                    )
                })
                .collect()
        };
        let mut read = 0usize;
        let mut denied = false;
        for start in starts {
            match read_pages(app, &client, &known, family, start).await {
                Ok(count) => read += count,
                Err(ReadError::GitHub(err)) if lacks_permission(&err) => {
                    denied = true;
                    break;
                }
                // Disabled for one repository, or the repository is gone: nothing to read.
                Err(ReadError::GitHub(err))
                    if matches!(err.status().map(|s| s.as_u16()), Some(403 | 404)) => {}
                Err(ReadError::GitHub(err)) => return Err(err.into()),
                Err(ReadError::Store(err)) => return Err(err.into()),
            }
        }
        store
            .note_permission(installation, permission(family), !denied)
            .await?;
        outcome.push(if denied {
            format!("{}: no permission", family.as_str())
        } else {
            format!("{}: {read} alerts", family.as_str())
        });
    }
    Ok(outcome.join(", "))
}

/// GitHub's answer to an installation token without the permission.
fn lacks_permission(err: &GitHubError) -> bool {
    err.status().map(|s| s.as_u16()) == Some(403)
        && err.message().contains("not accessible by integration")
}

/// Why reading a list of alerts stopped.
#[derive(Debug, thiserror::Error)]
enum ReadError {
    #[error(transparent)]
    GitHub(#[from] GitHubError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

async fn read_pages(
    app: &App,
    client: &crate::github::GitHubClient,
    known: &HashMap<i64, RepositoryRecord>,
    family: Family,
    start: String,
) -> Result<usize, ReadError> {
    let source = Provenance {
        guid: None,
        at: now(),
    };
    let mut next = Some(start);
    let mut read = 0;
    for _ in 0..MAX_PAGES {
        let Some(path) = next.take() else { break };
        let (body, following) = client.get_json(&path).await?;
        let items = body.as_array().cloned().unwrap_or_default();
        for item in &items {
            let (repository_id, change) = match from_rest(family, item) {
                Ok(read) => read,
                Err(detail) => {
                    tracing::warn!(
                        family = family.as_str(),
                        detail,
                        "alert not readable: skipped"
                    );
                    continue;
                }
            };
            let Some(record) = known.get(&repository_id).cloned() else {
                continue;
            };
            let repository = crate::app::events::RepositoryRef {
                id: record.id,
                full_name: record.full_name.clone(),
                default_branch: record.default_branch.clone(),
            };
            let current = Current {
                repository: Some(record),
                ..Current::default()
            };
            let mut decision = alert_changed(&repository, &change, &current);
            for action in &mut decision.actions {
                if let Action::UpsertFinding { record, .. } = action {
                    record.partial_history = true;
                }
            }
            apply(app, &decision.actions, &source).await?;
            read += 1;
        }
        next = following;
    }
    Ok(read)
}
