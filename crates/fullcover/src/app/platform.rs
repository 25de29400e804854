//! Reads GitHub's own controls of one repository through the API (code scanning default
//! setup, secret scanning, Dependabot alerts), tells "off" from "cannot tell", and keeps
//! the answers in the store until a day passes or a webhook says they may have changed.
//!
//! GitHub's answers, as documented by the REST reference (`@octokit/openapi`: the
//! secret-scanning list answers 200/404/503, the Dependabot list 200/304/400/403/404/422,
//! default setup and analyses 200/403/404/503) and seen in public projects that had to tell
//! them apart (flanksource/config-db PR #2270, atlassian/github-for-jira PR #2501; also
//! shared/reference/github-platform.md):
//! - secret scanning off: 404 "Secret scanning is disabled on this repository.";
//! - Dependabot alerts off: 403 "Dependabot alerts are disabled for this repository.";
//! - code scanning off: 403 "Advanced Security must be enabled for this repository to use
//!   code scanning.", 403 "Code scanning is not enabled for this repository. ...", or
//!   404 "no analysis found" from the analyses list;
//! - a permission the App was not granted: 403 "Resource not accessible by integration".
//!
//! Default setup is read from `GET .../code-scanning/default-setup` (state, languages);
//! where that is refused, from the analyses list (`security_events: read`), whose
//! default-setup analyses carry the analysis key `dynamic/github-code-scanning/codeql:analyze`
//! and the category `/language:<id>`. Each reading costs at most four requests, each with
//! one small page.

use fullcover_core::platform::{Answer, Control, PlatformControls, Source};
use serde_json::Value;

use super::App;
use super::jobs::JobError;
use crate::github::{GitHubClient, GitHubError};

/// A reading older than this is read again at the next scan.
pub const MAX_AGE_SECONDS: i64 = 24 * 3600;

/// The analysis key of default setup's CodeQL analyses.
pub const DEFAULT_SETUP_KEY: &str = "dynamic/github-code-scanning/codeql:analyze";

const NO_PERMISSION: &str = "Resource not accessible by integration";
const SECRET_SCANNING_OFF: &str = "Secret scanning is disabled on this repository";
const DEPENDABOT_OFF: &str = "Dependabot alerts are disabled for this repository";
const CODE_SCANNING_OFF: [&str; 4] = [
    "Advanced Security must be enabled",
    "Code scanning is not enabled",
    "is not enabled",
    "no analysis found",
];

/// The repository's controls: the stored reading while it is fresh, else a new one
/// (stored). The flag says whether the answers differ from the stored ones.
pub async fn current(
    app: &App,
    client: &GitHubClient,
    repository_id: i64,
    full_name: &str,
) -> Result<(PlatformControls, bool), JobError> {
    let store = app.store();
    let cached = store.platform_controls(repository_id).await?;
    if let Some(record) = &cached
        && !record.stale
        && crate::store::now() - record.checked_at < MAX_AGE_SECONDS
    {
        return Ok((record.controls.clone(), false));
    }
    let fresh = read(client, full_name).await?;
    store.set_platform_controls(repository_id, &fresh).await?;
    let changed = cached.is_none_or(|record| record.controls.answers != fresh.answers);
    Ok((fresh, changed))
}

/// Asks GitHub about every control.
pub async fn read(client: &GitHubClient, full_name: &str) -> Result<PlatformControls, JobError> {
    let mut controls = PlatformControls {
        source: Source::Api,
        seen: Some(today()),
        ..PlatformControls::default()
    };
    controls.answers.insert(
        Control::CodeqlDefaultSetup,
        default_setup(client, full_name).await?,
    );
    let secrets = client
        .get_json(&format!(
            "/repos/{full_name}/secret-scanning/alerts?per_page=1"
        ))
        .await;
    controls.answers.insert(
        Control::SecretScanning,
        classify_list(secrets, SECRET_SCANNING_OFF)?,
    );
    let dependabot = client
        .get_json(&format!("/repos/{full_name}/dependabot/alerts?per_page=1"))
        .await;
    controls.answers.insert(
        Control::DependabotAlerts,
        classify_list(dependabot, DEPENDABOT_OFF)?,
    );
    Ok(controls)
}

async fn default_setup(client: &GitHubClient, full_name: &str) -> Result<Answer, JobError> {
    match client
        .get_json(&format!("/repos/{full_name}/code-scanning/default-setup"))
        .await
    {
        Ok((body, _)) => Ok(from_default_setup(&body)),
        Err(err) if is_code_scanning_off(&err) => Ok(Answer::Disabled {
            detail: err.message().to_owned(),
        }),
        // Refused or absent: the analyses still show default setup at work.
        Err(err) if is_no_permission(&err) || err.is_not_found() => {
            let analyses = client
                .get_json(&format!(
                    "/repos/{full_name}/code-scanning/analyses?per_page=100"
                ))
                .await;
            match analyses {
                Ok((body, _)) => Ok(from_analyses(&body)),
                Err(err) if is_code_scanning_off(&err) => Ok(Answer::Disabled {
                    detail: err.message().to_owned(),
                }),
                Err(err) => unknown(err),
            }
        }
        Err(err) => unknown(err),
    }
}

/// An alert list's answer: any list means the feature is on.
fn classify_list(
    answer: Result<(Value, Option<String>), GitHubError>,
    off: &str,
) -> Result<Answer, JobError> {
    match answer {
        Ok(_) => Ok(Answer::Enabled {
            languages: Vec::new(),
        }),
        Err(err) if err.message().starts_with(off) => Ok(Answer::Disabled {
            detail: err.message().to_owned(),
        }),
        Err(err) => unknown(err),
    }
}

/// What cannot be told is unknown, never covered; a transport failure or rate limit is
/// retried by the job instead.
fn unknown(err: GitHubError) -> Result<Answer, JobError> {
    let Some(status) = err.status() else {
        return Err(err.into());
    };
    // A rate limit or a server error (other than 503, which GitHub documents for the
    // feature being unavailable) is retried by the job, not cached as unknown for a day.
    if status.as_u16() == 429
        || (status.as_u16() == 403 && err.message().contains("rate limit"))
        || (status.is_server_error() && status.as_u16() != 503)
    {
        return Err(err.into());
    }
    let detail = if is_no_permission(&err) {
        "no permission".to_owned()
    } else if status.as_u16() == 404 {
        "endpoint unavailable".to_owned()
    } else {
        format!("GitHub answered {}: {}", status.as_u16(), err.message())
    };
    Ok(Answer::Unknown { detail })
}

fn is_no_permission(err: &GitHubError) -> bool {
    err.status().is_some_and(|s| s.as_u16() == 403) && err.message().starts_with(NO_PERMISSION)
}

fn is_code_scanning_off(err: &GitHubError) -> bool {
    !is_no_permission(err)
        && err
            .status()
            .is_some_and(|s| matches!(s.as_u16(), 403 | 404))
        && CODE_SCANNING_OFF.iter().any(|m| err.message().contains(m))
}

/// `{"state": "configured", "languages": [...]}`.
pub fn from_default_setup(body: &Value) -> Answer {
    match body.get("state").and_then(Value::as_str) {
        Some("configured") => Answer::Enabled {
            languages: strings(body.get("languages")),
        },
        Some(state) => Answer::Disabled {
            detail: format!("default setup is {state}"),
        },
        None => Answer::Unknown {
            detail: "default setup answered without a state".to_owned(),
        },
    }
}

/// Default setup's languages from the analyses it uploaded (newest page).
pub fn from_analyses(body: &Value) -> Answer {
    let mut languages: Vec<String> = body
        .as_array()
        .into_iter()
        .flatten()
        .filter(|analysis| {
            analysis.get("analysis_key").and_then(Value::as_str) == Some(DEFAULT_SETUP_KEY)
                && analysis.pointer("/tool/name").and_then(Value::as_str) == Some("CodeQL")
        })
        .filter_map(|analysis| analysis.get("category").and_then(Value::as_str))
        .filter_map(|category| category.strip_prefix("/language:"))
        .map(str::to_owned)
        .collect();
    languages.sort();
    languages.dedup();
    if languages.is_empty() {
        Answer::Disabled {
            detail: "no default-setup analysis".to_owned(),
        }
    } else {
        Answer::Enabled { languages }
    }
}

fn strings(value: Option<&Value>) -> Vec<String> {
    value
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect()
}

fn today() -> String {
    let now = crate::store::now();
    chrono::DateTime::from_timestamp(now, 0)
        .map(|t| t.date_naive().to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn default_setup_languages_come_from_its_own_analyses_only() {
        let body = json!([
            {"analysis_key": DEFAULT_SETUP_KEY, "category": "/language:python", "tool": {"name": "CodeQL"}},
            {"analysis_key": DEFAULT_SETUP_KEY, "category": "/language:actions", "tool": {"name": "CodeQL"}},
            {"analysis_key": ".github/workflows/codeql.yml:analyze", "category": "/language:go", "tool": {"name": "CodeQL"}},
            {"analysis_key": DEFAULT_SETUP_KEY, "category": "/language:ruby", "tool": {"name": "Semgrep"}}
        ]);
        assert_eq!(
            from_analyses(&body),
            Answer::Enabled {
                languages: vec!["actions".into(), "python".into()]
            }
        );
        assert!(matches!(from_analyses(&json!([])), Answer::Disabled { .. }));
    }

    #[test]
    fn default_setup_state_decides() {
        assert_eq!(
            from_default_setup(&json!({"state": "configured", "languages": ["go"]})),
            Answer::Enabled {
                languages: vec!["go".into()]
            }
        );
        assert!(matches!(
            from_default_setup(&json!({"state": "not-configured", "languages": []})),
            Answer::Disabled { .. }
        ));
    }
}
