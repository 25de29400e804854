//! Webhook deliveries as typed events: serde structs for the fields the App reads, one
//! variant per event and action it acts on. Anything else is [`Event::Ignored`], and a
//! payload that lacks a field the App needs is a [`ParseError`] naming the delivery.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::findings::{AlertChange, CodeScanningPayload, DependabotPayload, SecretScanningPayload};

/// One webhook delivery, as the App understands it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    Ping,
    Installation {
        installation: i64,
        account: Account,
        change: InstallationChange,
        /// What the installation granted (`{"vulnerability_alerts": "read"}`).
        permissions: BTreeMap<String, String>,
    },
    InstallationRepositories {
        installation: i64,
        added: Vec<AddedRepository>,
        removed: Vec<i64>,
    },
    /// The installed account was renamed.
    AccountRenamed {
        installation: i64,
        account: Account,
    },
    Push {
        installation: i64,
        push: Push,
    },
    PullRequest {
        installation: i64,
        repository: RepositoryRef,
        change: PullRequestChange,
        pull_request: PullRequest,
    },
    /// A code-scanning, Dependabot or secret-scanning alert changed.
    Alert {
        installation: i64,
        repository: RepositoryRef,
        change: AlertChange,
    },
    Repository {
        installation: i64,
        repository: RepositoryRef,
        change: RepositoryChange,
    },
    CheckRunCompleted {
        repository: RepositoryRef,
        check_run: CheckRun,
    },
    /// A workflow run completed (any branch; the decision keeps the default branch's).
    WorkflowRunCompleted {
        repository: RepositoryRef,
        workflow_run: WorkflowRun,
    },
    /// An event or action the App does not act on.
    Ignored {
        event: String,
        action: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InstallationChange {
    /// Created, unsuspended, or new permissions accepted: the App may act.
    Activated,
    Suspended,
    Deleted,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PullRequestChange {
    /// Closed, merged or not (`PullRequest::merged` tells).
    Closed,
    Reopened,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RepositoryChange {
    Archived,
    Unarchived,
    Deleted,
    Renamed,
    Transferred,
    DefaultBranchChanged,
    /// Made private (`true`) or public (`false`).
    Visibility(bool),
    /// `security_and_analysis` changed (secret scanning, Dependabot alerts, ...): GitHub's
    /// own controls are read again.
    SecurityAndAnalysis,
    /// Any other edit of the repository's settings: GitHub's own controls may have
    /// changed with it.
    Edited,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Account {
    pub login: String,
    /// `Organization` or `User`.
    #[serde(rename = "type", default = "organization")]
    pub kind: String,
}

fn organization() -> String {
    "Organization".to_owned()
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct AddedRepository {
    pub id: i64,
    pub full_name: String,
    #[serde(default)]
    pub private: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct RepositoryRef {
    pub id: i64,
    pub full_name: String,
    #[serde(default)]
    pub default_branch: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Push {
    #[serde(rename = "ref")]
    pub git_ref: String,
    #[serde(default)]
    pub after: Option<String>,
    #[serde(default)]
    pub forced: bool,
    pub repository: RepositoryRef,
    #[serde(default)]
    pub commits: Vec<PushedCommit>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PushedCommit {
    #[serde(default)]
    pub added: Vec<String>,
    #[serde(default)]
    pub removed: Vec<String>,
    #[serde(default)]
    pub modified: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PullRequest {
    pub number: i64,
    pub html_url: String,
    #[serde(default)]
    pub merged: Option<bool>,
    #[serde(default)]
    pub merged_at: Option<String>,
    #[serde(default)]
    pub merge_commit_sha: Option<String>,
    /// When GitHub last changed it: orders events that arrive out of order.
    #[serde(default)]
    pub updated_at: Option<String>,
    pub head: PullRequestHead,
    #[serde(default)]
    pub base: Option<PullRequestBase>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PullRequestBase {
    #[serde(rename = "ref")]
    pub branch: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PullRequestHead {
    #[serde(rename = "ref")]
    pub branch: String,
    #[serde(default)]
    pub sha: Option<String>,
    /// Absent when the head repository was deleted.
    #[serde(default)]
    pub repo: Option<IdOnly>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct IdOnly {
    pub id: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct CheckRun {
    pub name: String,
    pub head_sha: String,
    /// Absent until the run completes.
    #[serde(default)]
    pub conclusion: Option<String>,
    #[serde(default)]
    pub completed_at: Option<String>,
    pub check_suite: CheckSuite,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct CheckSuite {
    #[serde(default)]
    pub head_branch: Option<String>,
}

/// The fields of a `workflow_run` the App reads.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct WorkflowRun {
    /// The workflow's display name.
    pub name: String,
    /// The workflow file, `.github/workflows/codeql.yml`.
    pub path: String,
    pub head_branch: Option<String>,
    pub head_sha: String,
    /// What triggered it: `push`, `schedule`, `pull_request`, ...
    pub event: String,
    /// Absent until the run completes.
    #[serde(default)]
    pub conclusion: Option<String>,
    /// When it last changed; for a completed run, when it completed.
    pub updated_at: String,
    /// The repository the commit is in: a fork's for a pull request from a fork.
    #[serde(default)]
    pub head_repository: Option<IdOnly>,
}

/// A delivery whose payload lacks what its event needs.
#[derive(Debug, thiserror::Error)]
#[error("delivery {guid} ({event}): unreadable payload: {source}")]
pub struct ParseError {
    pub guid: String,
    pub event: String,
    #[source]
    pub source: serde_json::Error,
}

#[derive(Deserialize)]
struct Envelope {
    #[serde(default)]
    action: Option<String>,
    #[serde(default)]
    installation: Option<IdOnly>,
}

#[derive(Deserialize)]
struct InstallationPayload {
    installation: InstallationWithAccount,
}

#[derive(Deserialize)]
struct InstallationWithAccount {
    id: i64,
    account: Account,
    #[serde(default)]
    permissions: BTreeMap<String, String>,
}

#[derive(Deserialize)]
struct RepositoriesPayload {
    #[serde(default)]
    repositories_added: Vec<AddedRepository>,
    #[serde(default)]
    repositories_removed: Vec<IdOnly>,
}

#[derive(Deserialize)]
struct AccountPayload {
    account: Account,
}

#[derive(Deserialize)]
struct PullRequestPayload {
    pull_request: PullRequest,
    repository: RepositoryRef,
}

#[derive(Deserialize)]
struct RepositoryPayload {
    repository: RepositoryRef,
    #[serde(default)]
    changes: Option<RepositoryChanges>,
}

#[derive(Deserialize)]
struct RepositoryChanges {
    #[serde(default)]
    default_branch: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct WorkflowRunPayload {
    workflow_run: WorkflowRun,
    repository: RepositoryRef,
}

#[derive(Deserialize)]
struct CheckRunPayload {
    check_run: CheckRun,
    repository: RepositoryRef,
}

impl Event {
    /// Reads a stored delivery: `event` is its `X-GitHub-Event`, `payload` its body.
    pub fn parse(guid: &str, event: &str, payload: &str) -> Result<Event, ParseError> {
        let error = |source| ParseError {
            guid: guid.to_owned(),
            event: event.to_owned(),
            source,
        };
        let envelope: Envelope = serde_json::from_str(payload).map_err(error)?;
        let action = envelope.action.as_deref().unwrap_or("");
        let ignored = || Event::Ignored {
            event: event.to_owned(),
            action: envelope.action.clone(),
        };
        if event == "ping" {
            return Ok(Event::Ping);
        }
        // Every event the App acts on comes from an installation; others (a repository
        // webhook pointed at the App by mistake) are not the App's.
        let Some(IdOnly { id: installation }) = envelope.installation else {
            return Ok(ignored());
        };
        Ok(match (event, action) {
            ("installation", "created" | "unsuspend" | "new_permissions_accepted") => {
                installation_event(payload, InstallationChange::Activated).map_err(error)?
            }
            ("installation", "suspend") => {
                installation_event(payload, InstallationChange::Suspended).map_err(error)?
            }
            ("installation", "deleted") => {
                installation_event(payload, InstallationChange::Deleted).map_err(error)?
            }
            ("installation_repositories", _) => {
                let body: RepositoriesPayload = serde_json::from_str(payload).map_err(error)?;
                Event::InstallationRepositories {
                    installation,
                    added: body.repositories_added,
                    removed: body.repositories_removed.iter().map(|r| r.id).collect(),
                }
            }
            ("installation_target", "renamed") => {
                let body: AccountPayload = serde_json::from_str(payload).map_err(error)?;
                Event::AccountRenamed {
                    installation,
                    account: body.account,
                }
            }
            ("push", _) => Event::Push {
                installation,
                push: serde_json::from_str(payload).map_err(error)?,
            },
            ("pull_request", "closed" | "reopened") => {
                let body: PullRequestPayload = serde_json::from_str(payload).map_err(error)?;
                Event::PullRequest {
                    installation,
                    repository: body.repository,
                    change: if action == "closed" {
                        PullRequestChange::Closed
                    } else {
                        PullRequestChange::Reopened
                    },
                    pull_request: body.pull_request,
                }
            }
            ("repository", _) => {
                let body: RepositoryPayload = serde_json::from_str(payload).map_err(error)?;
                let default_branch_changed = body
                    .changes
                    .is_some_and(|changes| changes.default_branch.is_some());
                let change = match action {
                    "archived" => RepositoryChange::Archived,
                    "unarchived" => RepositoryChange::Unarchived,
                    "deleted" => RepositoryChange::Deleted,
                    "renamed" => RepositoryChange::Renamed,
                    "transferred" => RepositoryChange::Transferred,
                    "privatized" => RepositoryChange::Visibility(true),
                    "publicized" => RepositoryChange::Visibility(false),
                    "edited" if default_branch_changed => RepositoryChange::DefaultBranchChanged,
                    "edited" => RepositoryChange::Edited,
                    _ => return Ok(ignored()),
                };
                Event::Repository {
                    installation,
                    repository: body.repository,
                    change,
                }
            }
            ("security_and_analysis", _) => {
                let body: RepositoryPayload = serde_json::from_str(payload).map_err(error)?;
                Event::Repository {
                    installation,
                    repository: body.repository,
                    change: RepositoryChange::SecurityAndAnalysis,
                }
            }
            ("check_run", "completed") => {
                let body: CheckRunPayload = serde_json::from_str(payload).map_err(error)?;
                Event::CheckRunCompleted {
                    repository: body.repository,
                    check_run: body.check_run,
                }
            }
            ("workflow_run", "completed") => {
                let body: WorkflowRunPayload = serde_json::from_str(payload).map_err(error)?;
                Event::WorkflowRunCompleted {
                    repository: body.repository,
                    workflow_run: body.workflow_run,
                }
            }
            ("code_scanning_alert", _) => {
                let body: CodeScanningPayload = serde_json::from_str(payload).map_err(error)?;
                alert(installation, body.repository.clone(), body.change(action))
                    .map_err(|detail| alert_error(guid, event, detail))?
                    .unwrap_or_else(ignored)
            }
            ("dependabot_alert", _) => {
                let body: DependabotPayload = serde_json::from_str(payload).map_err(error)?;
                alert(installation, body.repository.clone(), body.change(action))
                    .map_err(|detail| alert_error(guid, event, detail))?
                    .unwrap_or_else(ignored)
            }
            ("secret_scanning_alert" | "secret_scanning_alert_location", _) => {
                let body: SecretScanningPayload = serde_json::from_str(payload).map_err(error)?;
                alert(
                    installation,
                    body.repository.clone(),
                    body.change(event, action),
                )
                .map_err(|detail| alert_error(guid, event, detail))?
                .unwrap_or_else(ignored)
            }
            _ => ignored(),
        })
    }
}

fn alert(
    installation: i64,
    repository: RepositoryRef,
    change: Result<Option<AlertChange>, String>,
) -> Result<Option<Event>, String> {
    Ok(change?.map(|change| Event::Alert {
        installation,
        repository,
        change,
    }))
}

fn alert_error(guid: &str, event: &str, detail: String) -> ParseError {
    ParseError {
        guid: guid.to_owned(),
        event: event.to_owned(),
        source: serde::de::Error::custom(detail),
    }
}

fn installation_event(payload: &str, change: InstallationChange) -> serde_json::Result<Event> {
    let body: InstallationPayload = serde_json::from_str(payload)?;
    Ok(Event::Installation {
        installation: body.installation.id,
        account: body.installation.account,
        change,
        permissions: body.installation.permissions,
    })
}
