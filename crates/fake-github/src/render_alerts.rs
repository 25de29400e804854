//! JSON shapes of security alerts as GitHub's REST API and webhooks show them:
//! `code-scanning-alert`, `dependabot-alert`, `secret-scanning-alert` and
//! `secret-scanning-location`, and `code-scanning-default-setup`.

use serde_json::{Value, json};

use super::alerts::{Alert, DefaultSetup, Detail, SecretLocation};
use super::render::{self, time};
use super::state::{Repo, World};

/// `(api url, html url)` of a repository.
fn repo_urls(world: &World, base: &str, repo: &Repo) -> (String, String) {
    let full = render::repo_full_name(world, repo);
    (format!("{base}/repos/{full}"), format!("{base}/{full}"))
}

fn opt_time(t: Option<chrono::DateTime<chrono::Utc>>) -> Value {
    t.map_or(Value::Null, |t| json!(time(t)))
}

fn account(world: &World, base: &str, id: Option<u64>) -> Value {
    id.map_or(Value::Null, |id| render::account_json(world, base, id))
}

/// A code scanning alert instance on `git_ref` at `commit_sha`.
fn instance(alert: &Alert, git_ref: &str, commit_sha: &str, path: &str, state: &str) -> Value {
    json!({
        "ref": git_ref,
        "analysis_key": ".github/workflows/codeql.yml:analyze",
        "environment": "{\"language\":\"javascript\"}",
        "category": ".github/workflows/codeql.yml:analyze/language:javascript",
        "state": state,
        "commit_sha": commit_sha,
        "message": {"text": format!("Alert {} found here.", alert.number)},
        "location": {"path": path, "start_line": 10, "end_line": 10, "start_column": 5, "end_column": 30},
        "classifications": [],
    })
}

/// A `code-scanning-alert` (also the `-items` and, with `repository` added, the
/// organisation form).
pub fn code_alert(world: &World, base: &str, repo: &Repo, alert: &Alert) -> Value {
    let Detail::Code {
        rule_id,
        rule_severity,
        path,
    } = &alert.detail
    else {
        return Value::Null;
    };
    let (api, html) = repo_urls(world, base, repo);
    let url = format!("{api}/code-scanning/alerts/{}", alert.number);
    let most_recent = instance(alert, &alert.git_ref, &alert.commit_sha, path, &alert.state);
    json!({
        "number": alert.number,
        "created_at": time(alert.created_at),
        "updated_at": time(alert.updated_at),
        "url": url,
        "html_url": format!("{html}/security/code-scanning/{}", alert.number),
        "instances_url": format!("{url}/instances"),
        "state": alert.state,
        "fixed_at": opt_time(alert.fixed_at),
        "dismissed_by": account(world, base, alert.dismissed_by),
        "dismissed_at": opt_time(alert.dismissed_at),
        "dismissed_reason": alert.dismissed_reason,
        "dismissed_comment": alert.dismissed_comment,
        "rule": {
            "id": rule_id,
            "name": rule_id.rsplit('/').next().unwrap_or(rule_id),
            "severity": rule_severity,
            "security_severity_level": alert.severity,
            "description": format!("Rule {rule_id}"),
            "full_description": format!("Code flagged by the rule {rule_id}."),
            "tags": ["security"],
            "help": null,
            "help_uri": null,
        },
        "tool": {"name": "CodeQL", "guid": null, "version": "2.20.0"},
        "most_recent_instance": most_recent,
        "dismissal_approved_by": null,
        "assignees": [],
    })
}

/// A code scanning alert as its webhooks carry it (with the deprecated `instances`).
pub fn code_alert_webhook(world: &World, base: &str, repo: &Repo, alert: &Alert) -> Value {
    let mut value = code_alert(world, base, repo, alert);
    let path = match &alert.detail {
        Detail::Code { path, .. } => path.as_str(),
        _ => "",
    };
    value["instances"] = Value::Array(
        alert
            .refs
            .iter()
            .map(|r| {
                let commit = if *r == alert.git_ref {
                    alert.commit_sha.as_str()
                } else {
                    ""
                };
                instance(alert, r, commit, path, &alert.state)
            })
            .collect(),
    );
    value
}

/// A `dependabot-alert`.
pub fn dependabot_alert(world: &World, base: &str, repo: &Repo, alert: &Alert) -> Value {
    let Detail::Dependabot {
        ecosystem,
        package,
        manifest_path,
        ghsa_id,
        cve_id,
        published_at,
    } = &alert.detail
    else {
        return Value::Null;
    };
    let (api, html) = repo_urls(world, base, repo);
    let package = json!({"ecosystem": ecosystem, "name": package});
    let vulnerability = json!({
        "package": package,
        "severity": alert.severity,
        "vulnerable_version_range": "< 4.17.21",
        "first_patched_version": {"identifier": "4.17.21"},
    });
    let score = match alert.severity.as_str() {
        "critical" => 9.8,
        "high" => 7.5,
        "medium" => 5.3,
        _ => 3.1,
    };
    json!({
        "number": alert.number,
        "state": alert.state,
        "dependency": {
            "package": package,
            "manifest_path": manifest_path,
            "scope": "runtime",
            "relationship": "direct",
        },
        "security_advisory": {
            "ghsa_id": ghsa_id,
            "cve_id": cve_id,
            "summary": format!("Vulnerability in {}", package["name"].as_str().unwrap_or_default()),
            "description": "A vulnerability raised by the fake GitHub.",
            "vulnerabilities": [vulnerability],
            "severity": alert.severity,
            "cvss": {"vector_string": null, "score": score},
            "cwes": [{"cwe_id": "CWE-1321", "name": "Prototype Pollution"}],
            "identifiers": [{"type": "GHSA", "value": ghsa_id}, {"type": "CVE", "value": cve_id}],
            "references": [{"url": format!("https://github.com/advisories/{ghsa_id}")}],
            "published_at": time(*published_at),
            "updated_at": time(*published_at),
            "withdrawn_at": null,
        },
        "security_vulnerability": vulnerability,
        "url": format!("{api}/dependabot/alerts/{}", alert.number),
        "html_url": format!("{html}/security/dependabot/{}", alert.number),
        "created_at": time(alert.created_at),
        "updated_at": time(alert.updated_at),
        "dismissed_at": opt_time(alert.dismissed_at),
        "dismissed_by": account(world, base, alert.dismissed_by),
        "dismissed_reason": alert.dismissed_reason,
        "dismissed_comment": alert.dismissed_comment,
        "fixed_at": opt_time(alert.fixed_at),
        "auto_dismissed_at": opt_time(alert.auto_dismissed_at),
    })
}

/// The `details` of a `commit` location.
fn location_details(api: &str, html: &str, location: &SecretLocation) -> Value {
    json!({
        "path": location.path,
        "start_line": location.line,
        "end_line": location.line,
        "start_column": 1,
        "end_column": 41,
        "blob_sha": location.blob_sha,
        "blob_url": format!("{api}/git/blobs/{}", location.blob_sha),
        "commit_sha": location.commit_sha,
        "commit_url": format!("{api}/git/commits/{}", location.commit_sha),
        "html_url": format!("{html}/blob/{}/{}#L{}", location.commit_sha, location.path, location.line),
    })
}

/// A `secret-scanning-location`.
pub fn secret_location(world: &World, base: &str, repo: &Repo, location: &SecretLocation) -> Value {
    let (api, html) = repo_urls(world, base, repo);
    json!({"type": "commit", "details": location_details(&api, &html, location)})
}

/// A `secret-scanning-alert` (REST; the webhook form drops what `webhook` says).
pub fn secret_alert(
    world: &World,
    base: &str,
    repo: &Repo,
    alert: &Alert,
    hide_secret: bool,
) -> Value {
    let Detail::Secret {
        secret_type,
        secret,
        validity,
        publicly_leaked,
        locations,
    } = &alert.detail
    else {
        return Value::Null;
    };
    let (api, html) = repo_urls(world, base, repo);
    let url = format!("{api}/secret-scanning/alerts/{}", alert.number);
    let first = locations
        .first()
        .map_or(Value::Null, |l| location_details(&api, &html, l));
    let mut value = json!({
        "number": alert.number,
        "created_at": time(alert.created_at),
        "updated_at": time(alert.updated_at),
        "url": url,
        "html_url": format!("{html}/security/secret-scanning/{}", alert.number),
        "locations_url": format!("{url}/locations"),
        "state": alert.state,
        "resolution": alert.dismissed_reason,
        "resolved_at": opt_time(alert.dismissed_at),
        "resolved_by": account(world, base, alert.dismissed_by),
        "resolution_comment": alert.dismissed_comment,
        "secret_type": secret_type,
        "secret_type_display_name": display_name(secret_type),
        "provider": "GitHub",
        "provider_slug": "github",
        "push_protection_bypassed": false,
        "push_protection_bypassed_by": null,
        "push_protection_bypassed_at": null,
        "push_protection_bypass_request_reviewer": null,
        "push_protection_bypass_request_reviewer_comment": null,
        "push_protection_bypass_request_comment": null,
        "push_protection_bypass_request_html_url": null,
        "validity": validity,
        "publicly_leaked": publicly_leaked,
        "multi_repo": false,
        "is_base64_encoded": false,
        "first_location_detected": first,
        "has_more_locations": locations.len() > 1,
        "assigned_to": null,
    });
    if !hide_secret {
        value["secret"] = json!(secret);
    }
    value
}

/// A secret scanning alert as its webhooks carry it (`secret-scanning-alert-webhook`).
pub fn secret_alert_webhook(world: &World, base: &str, repo: &Repo, alert: &Alert) -> Value {
    let mut value = secret_alert(world, base, repo, alert, true);
    if let Some(object) = value.as_object_mut() {
        for key in [
            "first_location_detected",
            "has_more_locations",
            "is_base64_encoded",
            "push_protection_bypass_request_html_url",
        ] {
            object.remove(key);
        }
        object.insert("secret_category".into(), json!("default"));
        object.insert("metadata".into(), json!([]));
    }
    value
}

fn display_name(secret_type: &str) -> String {
    match secret_type {
        "github_personal_access_token" => "GitHub Personal Access Token".to_string(),
        other => other.replace('_', " "),
    }
}

/// A `code-scanning-default-setup`.
pub fn default_setup(setup: &DefaultSetup) -> Value {
    if !setup.configured {
        return json!({
            "state": "not-configured",
            "languages": [],
            "runner_type": null,
            "runner_label": null,
            "query_suite": "default",
            "threat_model": "remote",
            "updated_at": opt_time(setup.updated_at),
            "schedule": null,
        });
    }
    json!({
        "state": "configured",
        "languages": setup.languages,
        "runner_type": "standard",
        "runner_label": null,
        "query_suite": "default",
        "threat_model": "remote",
        "updated_at": opt_time(setup.updated_at),
        "schedule": "weekly",
    })
}

/// A `code-scanning-analysis` uploaded by default setup for one language.
pub fn default_setup_analysis(
    base: &str,
    full_name: &str,
    repo: &crate::state::Repo,
    index: usize,
    language: &str,
    at: chrono::DateTime<chrono::Utc>,
) -> Value {
    let id = repo.id * 1000 + index as u64 + 1;
    json!({
        "ref": format!("refs/heads/{}", repo.default_branch),
        "commit_sha": "0".repeat(40),
        "analysis_key": "dynamic/github-code-scanning/codeql:analyze",
        "environment": json!({"language": language}).to_string(),
        "category": format!("/language:{language}"),
        "error": "",
        "created_at": crate::render::time(at),
        "results_count": 0,
        "rules_count": 0,
        "id": id,
        "url": format!("{base}/repos/{full_name}/code-scanning/analyses/{id}"),
        "sarif_id": format!("{id:08x}-0000-0000-0000-000000000000"),
        "tool": {"name": "CodeQL", "guid": null, "version": "2.20.0"},
        "deletable": true,
        "warning": "",
    })
}
