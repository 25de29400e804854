//! Reading the alerts GitHub already holds into the security record: once when an
//! installation is created or accepts the alert permissions (backfill), then daily to
//! repair what webhooks missed (reconciliation). Every write is idempotent, so both are
//! the same job; alerts are listed most recently updated first, and a reading stops at
//! the first alert not updated since the previous complete reading began. A family whose
//! permission the installation lacks is noted as such, so the metrics say "not
//! available: permission" instead of 0.

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

/// Alerts updated up to this long before the previous reading began are read again:
/// GitHub's `updated_at` and the App's clock need not agree to the second.
const OVERLAP_SECONDS: i64 = 3600;

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
        let begun = now();
        let since = store
            .alerts_read_from(installation, family.as_str())
            .await?
            .map(|from| from - OVERLAP_SECONDS);
        // An organisation lists its alerts in one paginated call; a user account per
        // repository.
        let starts: Vec<String> = if kind == "Organization" {
            // Without `state`, every state is listed.
            vec![format!(
                "/orgs/{account}/{}/alerts?per_page=100&sort=updated&direction=desc",
                path(family)
            )]
        } else {
            repositories
                .iter()
                .map(|repository| {
                    format!(
                        "/repos/{}/{}/alerts?per_page=100&sort=updated&direction=desc",
                        repository.full_name,
                        path(family)
                    )
                })
                .collect()
        };
        let mut read = 0usize;
        let mut denied = false;
        let mut complete = true;
        for start in starts {
            match read_pages(app, &client, &known, family, start, since).await {
                Ok(pages) => {
                    read += pages.read;
                    complete &= pages.complete;
                }
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
        if !denied && complete {
            store
                .note_alerts_read(installation, family.as_str(), begun)
                .await?;
        }
        let scope = if since.is_some() {
            " updated since the last reading"
        } else {
            ""
        };
        outcome.push(if denied {
            format!("{}: no permission", family.as_str())
        } else if complete {
            format!("{}: {read} alerts{scope}", family.as_str())
        } else {
            tracing::warn!(
                installation,
                family = family.as_str(),
                "alerts not read to the end within {MAX_PAGES} pages"
            );
            format!(
                "{}: {read} alerts, stopped after {MAX_PAGES} pages",
                family.as_str()
            )
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

/// What reading one list of alerts came to.
struct Pages {
    read: usize,
    /// Whether every alert updated since the previous reading was read.
    complete: bool,
}

/// Whether a listed alert was last updated before `since` (an alert without an
/// `updated_at` is read).
fn updated_before(item: &serde_json::Value, since: Option<i64>) -> bool {
    let updated = item
        .get("updated_at")
        .and_then(serde_json::Value::as_str)
        .and_then(|at| chrono::DateTime::parse_from_rfc3339(at).ok());
    matches!((since, updated), (Some(since), Some(updated)) if updated.timestamp() < since)
}

async fn read_pages(
    app: &App,
    client: &crate::github::GitHubClient,
    known: &HashMap<i64, RepositoryRecord>,
    family: Family,
    start: String,
    since: Option<i64>,
) -> Result<Pages, ReadError> {
    let source = Provenance {
        guid: None,
        at: now(),
    };
    let mut next = Some(start);
    let mut read = 0;
    for _ in 0..MAX_PAGES {
        let Some(path) = next.take() else {
            return Ok(Pages {
                read,
                complete: true,
            });
        };
        let (body, following) = client.get_json(&path).await?;
        let items = body.as_array().cloned().unwrap_or_default();
        for item in &items {
            // Listed most recently updated first: the rest was read before.
            if updated_before(item, since) {
                return Ok(Pages {
                    read,
                    complete: true,
                });
            }
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
    Ok(Pages {
        read,
        complete: next.is_none(),
    })
}
