//! Alert webhooks (`code_scanning_alert`, `dependabot_alert`, `secret_scanning_alert`,
//! `secret_scanning_alert_location`) read into what the security record keeps: the
//! alert as a finding now, and the lifecycle step the action reports, dated by the
//! alert's own timestamps so that a backfill or a redelivery reports the same step.

use fullcover_core::metrics::security::{CloseReason, Family, LifecycleKind, Severity};
use serde::Deserialize;

use super::model::{IdOnly, RepositoryRef};

/// What one alert webhook says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertChange {
    pub family: Family,
    pub number: i64,
    /// `None` when the alert carries no severity the metrics can use.
    pub severity: Option<Severity>,
    /// GitHub's state word after the change.
    pub state: String,
    pub created_at: i64,
    /// The ref the alert was raised on, when the event says (code scanning).
    pub git_ref: Option<String>,
    pub commit: Option<String>,
    pub advisory_published_at: Option<i64>,
    /// The lifecycle steps the action reports, with their times (`None`: when handled).
    pub steps: Vec<(LifecycleKind, Option<i64>)>,
}

#[derive(Debug, Deserialize)]
pub(super) struct CodeScanningPayload {
    alert: CodeScanningAlert,
    #[serde(rename = "ref", default)]
    git_ref: Option<String>,
    #[serde(default)]
    commit_oid: Option<String>,
    pub(super) repository: RepositoryRef,
}

#[derive(Debug, Deserialize)]
struct CodeScanningAlert {
    number: i64,
    created_at: String,
    #[serde(default)]
    updated_at: Option<String>,
    state: Option<String>,
    #[serde(default)]
    fixed_at: Option<String>,
    #[serde(default)]
    dismissed_at: Option<String>,
    #[serde(default)]
    dismissed_reason: Option<String>,
    rule: CodeScanningRule,
}

#[derive(Debug, Deserialize)]
struct CodeScanningRule {
    #[serde(default)]
    severity: Option<String>,
    #[serde(default)]
    security_severity_level: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct DependabotPayload {
    alert: DependabotAlert,
    pub(super) repository: RepositoryRef,
}

#[derive(Debug, Deserialize)]
struct DependabotAlert {
    number: i64,
    state: String,
    created_at: String,
    #[serde(default)]
    updated_at: Option<String>,
    #[serde(default)]
    fixed_at: Option<String>,
    #[serde(default)]
    dismissed_at: Option<String>,
    #[serde(default)]
    dismissed_reason: Option<String>,
    #[serde(default)]
    auto_dismissed_at: Option<String>,
    security_advisory: Advisory,
}

#[derive(Debug, Deserialize)]
struct Advisory {
    severity: String,
    #[serde(default)]
    published_at: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct SecretScanningPayload {
    alert: SecretAlert,
    #[serde(default)]
    location: Option<SecretLocation>,
    pub(super) repository: RepositoryRef,
}

#[derive(Debug, Deserialize)]
struct SecretAlert {
    number: i64,
    created_at: String,
    #[serde(default)]
    updated_at: Option<String>,
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    resolution: Option<String>,
    #[serde(default)]
    resolved_at: Option<String>,
    #[serde(default)]
    validity: Option<String>,
    #[serde(default)]
    publicly_leaked: Option<bool>,
}

#[derive(Debug, Deserialize)]
struct SecretLocation {
    #[serde(default)]
    details: Option<LocationDetails>,
}

#[derive(Debug, Deserialize)]
struct LocationDetails {
    #[serde(default)]
    commit_sha: Option<String>,
}

/// An alert as a REST list returns it (backfill and reconciliation): the repository it
/// belongs to, and its change with the steps its current state implies: created and on
/// the default branch (the organisation endpoints list default-branch alerts), then its
/// closure if closed. Earlier close/reopen cycles are not in REST: the caller marks such
/// findings as partial history.
pub(crate) fn from_rest(
    family: Family,
    item: &serde_json::Value,
) -> Result<(i64, AlertChange), String> {
    #[derive(Deserialize)]
    struct Owner {
        repository: IdOnly,
    }
    let owner: Owner = serde_json::from_value(item.clone()).map_err(|err| err.to_string())?;
    let state = item
        .get("state")
        .and_then(serde_json::Value::as_str)
        .unwrap_or("open")
        .to_owned();
    let closing = match (family, state.as_str()) {
        (_, "fixed") => "fixed",
        (Family::CodeScanning, "dismissed") => "closed_by_user",
        (Family::Dependabot, "dismissed") => "dismissed",
        (Family::Dependabot, "auto_dismissed") => "auto_dismissed",
        (Family::SecretScanning, "resolved") => "resolved",
        _ => "",
    };
    let mut changes = Vec::new();
    for action in ["created", closing] {
        if action.is_empty() {
            continue;
        }
        let change = match family {
            Family::CodeScanning => {
                let mut payload: CodeScanningPayload = rest_payload(item)?;
                payload.git_ref = None;
                payload.change(action)?
            }
            Family::Dependabot => rest_payload::<DependabotPayload>(item)?.change(action)?,
            Family::SecretScanning => rest_payload::<SecretScanningPayload>(item)?
                .change("secret_scanning_alert", action)?,
        };
        changes.extend(change);
    }
    let mut steps = Vec::new();
    for change in &changes {
        steps.extend(change.steps.iter().copied());
    }
    let mut change = changes
        .into_iter()
        .next()
        .ok_or_else(|| "the alert reads as no change".to_owned())?;
    change.steps = steps;
    change.state = state;
    Ok((owner.repository.id, change))
}

/// The REST item wrapped as a webhook payload (`alert` plus `repository`).
fn rest_payload<T: serde::de::DeserializeOwned>(item: &serde_json::Value) -> Result<T, String> {
    let repository = item.get("repository").cloned().unwrap_or_default();
    serde_json::from_value(serde_json::json!({"alert": item, "repository": repository}))
        .map_err(|err| err.to_string())
}

/// Unix seconds of a GitHub timestamp; `None` when absent or not RFC 3339.
fn time(text: Option<&str>) -> Option<i64> {
    text.and_then(|at| chrono::DateTime::parse_from_rfc3339(at).ok())
        .map(|at| at.timestamp())
}

fn created(text: &str) -> Result<i64, String> {
    time(Some(text)).ok_or_else(|| format!("alert created_at {text:?} is not a timestamp"))
}

fn dismissed(reason: Option<&str>) -> Option<LifecycleKind> {
    reason
        .and_then(CloseReason::from_github)
        .map(|reason| LifecycleKind::Dismissed { reason })
}

impl CodeScanningPayload {
    pub(super) fn change(&self, action: &str) -> Result<Option<AlertChange>, String> {
        let alert = &self.alert;
        let severity = alert
            .rule
            .security_severity_level
            .as_deref()
            .or(alert.rule.severity.as_deref())
            .and_then(Severity::from_github);
        let created_at = created(&alert.created_at)?;
        // Steps the alert has no field for are dated by its last update.
        let updated = time(alert.updated_at.as_deref());
        let step = match action {
            "created" => Some((LifecycleKind::Created, Some(created_at))),
            "appeared_in_branch" => Some((LifecycleKind::AppearedOnDefaultBranch, updated)),
            "fixed" => Some((
                LifecycleKind::Fixed,
                time(alert.fixed_at.as_deref()).or(updated),
            )),
            "closed_by_user" => dismissed(alert.dismissed_reason.as_deref())
                .map(|kind| (kind, time(alert.dismissed_at.as_deref()).or(updated))),
            "reopened" => Some((LifecycleKind::Reopened { by_user: false }, updated)),
            "reopened_by_user" => Some((LifecycleKind::Reopened { by_user: true }, updated)),
            _ => return Ok(None),
        };
        Ok(Some(AlertChange {
            family: Family::CodeScanning,
            number: alert.number,
            severity,
            state: alert.state.clone().unwrap_or_else(|| "open".into()),
            created_at,
            git_ref: self.git_ref.clone(),
            commit: self.commit_oid.clone(),
            advisory_published_at: None,
            steps: step.into_iter().collect(),
        }))
    }
}

impl DependabotPayload {
    pub(super) fn change(&self, action: &str) -> Result<Option<AlertChange>, String> {
        let alert = &self.alert;
        let created_at = created(&alert.created_at)?;
        let updated = time(alert.updated_at.as_deref());
        let step = match action {
            "created" => Some((LifecycleKind::Created, Some(created_at))),
            "fixed" => Some((
                LifecycleKind::Fixed,
                time(alert.fixed_at.as_deref()).or(updated),
            )),
            // `fix_started` keeps the alert effectively open: no closure.
            "dismissed" => dismissed(alert.dismissed_reason.as_deref())
                .map(|kind| (kind, time(alert.dismissed_at.as_deref()).or(updated))),
            "auto_dismissed" => Some((
                LifecycleKind::AutoDismissed,
                time(alert.auto_dismissed_at.as_deref()).or(updated),
            )),
            "reopened" => Some((LifecycleKind::Reopened { by_user: true }, updated)),
            "auto_reopened" => Some((LifecycleKind::AutoReopened, updated)),
            "reintroduced" => Some((LifecycleKind::Reintroduced, updated)),
            _ => return Ok(None),
        };
        Ok(Some(AlertChange {
            family: Family::Dependabot,
            number: alert.number,
            severity: Severity::from_github(&alert.security_advisory.severity),
            state: alert.state.clone(),
            created_at,
            git_ref: None,
            commit: None,
            advisory_published_at: time(alert.security_advisory.published_at.as_deref()),
            steps: step.into_iter().collect(),
        }))
    }
}

impl SecretScanningPayload {
    pub(super) fn change(&self, event: &str, action: &str) -> Result<Option<AlertChange>, String> {
        let alert = &self.alert;
        let created_at = created(&alert.created_at)?;
        let updated = time(alert.updated_at.as_deref());
        let step = match (event, action) {
            ("secret_scanning_alert", "created") => {
                Some((LifecycleKind::Created, Some(created_at)))
            }
            ("secret_scanning_alert", "resolved") => {
                let at = time(alert.resolved_at.as_deref()).or(updated);
                match alert.resolution.as_deref() {
                    Some("revoked") => Some((LifecycleKind::Fixed, at)),
                    other => dismissed(other).map(|kind| (kind, at)),
                }
            }
            ("secret_scanning_alert", "reopened") => {
                Some((LifecycleKind::Reopened { by_user: true }, updated))
            }
            // Validity and public leaks change the severity only; a location names the
            // commit that brought the secret in.
            ("secret_scanning_alert", "validated" | "publicly_leaked")
            | ("secret_scanning_alert_location", "created") => None,
            _ => return Ok(None),
        };
        let leaked =
            alert.validity.as_deref() == Some("active") || alert.publicly_leaked == Some(true);
        let commit = self
            .location
            .as_ref()
            .and_then(|location| location.details.as_ref())
            .and_then(|details| details.commit_sha.clone());
        Ok(Some(AlertChange {
            family: Family::SecretScanning,
            number: alert.number,
            severity: Some(if leaked {
                Severity::Critical
            } else {
                Severity::High
            }),
            state: alert.state.clone().unwrap_or_else(|| "open".into()),
            created_at,
            git_ref: None,
            commit,
            advisory_published_at: None,
            steps: step.into_iter().collect(),
        }))
    }
}
