//! Security alerts: raising them (on the default branch or a pull request's merge ref),
//! fixing, dismissing, reopening, resolving secrets, alerts appearing on a branch, new
//! secret locations; each sends the webhook GitHub sends. Also the repository's security
//! feature switches, its default setup, and the clock alert changes are stamped with.

use anyhow::{Context, anyhow, bail};
use chrono::{DateTime, Utc};
use sha1::{Digest, Sha1};

use crate::alerts::{Alert, AlertFamily, Detail, NewAlert, SecretLocation, SecurityFeature};
use crate::alerts::{DefaultSetup, full_ref};
use crate::state::{AccountKind, Repo};
use crate::webhooks::{self, Outgoing};
use crate::{FakeGitHub, auth, payloads};

/// Code scanning dismissal reasons, as a test may spell them -> as GitHub shows them.
const CODE_REASONS: &[(&str, &str)] = &[
    ("false positive", "false positive"),
    ("false_positive", "false positive"),
    ("won't fix", "won't fix"),
    ("wont_fix", "won't fix"),
    ("used in tests", "used in tests"),
    ("used_in_tests", "used in tests"),
];
const DEPENDABOT_REASONS: &[&str] = &[
    "fix_started",
    "inaccurate",
    "no_bandwidth",
    "not_used",
    "tolerable_risk",
];
const SECRET_RESOLUTIONS: &[&str] = &[
    "false_positive",
    "wont_fix",
    "revoked",
    "used_in_tests",
    "pattern_edited",
    "pattern_deleted",
];

/// The commit a ref points at: a branch or tag, or a pull request's head for
/// `refs/pull/<n>/merge` and `refs/pull/<n>/head`.
fn ref_head(repo: &Repo, git_ref: &str) -> Option<String> {
    if let Some(rest) = git_ref.strip_prefix("refs/pull/") {
        let number: u64 = rest.split('/').next()?.parse().ok()?;
        let pull = repo.pulls.iter().find(|p| p.number == number)?;
        return Some(repo.pull_head_sha(pull));
    }
    repo.refs.get(git_ref).cloned()
}

/// The blob of `path` at `commit`, or a stand-in id when the file is not there.
fn blob_sha(repo: &Repo, commit: &str, path: &str) -> String {
    repo.store
        .commit(commit)
        .and_then(|c| {
            repo.store
                .flatten(&c.tree)
                .get(path)
                .map(|(_, sha)| sha.clone())
        })
        .unwrap_or_else(|| hex::encode(Sha1::digest(format!("{commit}:{path}"))))
}

/// What a state change may use: the time, who acts, the head of the alert's ref.
struct Change {
    now: DateTime<Utc>,
    actor: u64,
    head: Option<String>,
}

/// The family-specific part of a new alert.
fn detail(spec: &NewAlert, repo: &Repo, number: u64, commit: &str, now: DateTime<Utc>) -> Detail {
    match spec.family {
        AlertFamily::CodeScanning => Detail::Code {
            rule_id: spec.name.clone(),
            rule_severity: spec.kind.clone(),
            path: spec.path.clone(),
        },
        AlertFamily::Dependabot => Detail::Dependabot {
            ecosystem: spec.kind.clone(),
            package: spec.name.clone(),
            manifest_path: spec.path.clone(),
            ghsa_id: format!("GHSA-{:04x}-{:04x}-fake", repo.id % 0xffff, number),
            cve_id: format!("CVE-2024-{:05}", repo.id % 10_000 * 10 + number),
            published_at: spec.published_at.unwrap_or(now),
        },
        AlertFamily::SecretScanning => Detail::Secret {
            secret_type: spec.name.clone(),
            secret: format!("ghp_{}", auth::random_string(36)),
            validity: spec.validity.clone(),
            publicly_leaked: spec.publicly_leaked,
            locations: vec![SecretLocation {
                path: spec.path.clone(),
                commit_sha: commit.to_string(),
                blob_sha: blob_sha(repo, commit, &spec.path),
                line: 1,
            }],
        },
    }
}

impl FakeGitHub {
    /// The time alert changes are stamped with from now on (`None`: the wall clock), so a
    /// test can script a history: created on 05-01, fixed on 05-03...
    pub fn set_alert_clock(&self, now: Option<DateTime<Utc>>) {
        self.inner.world().clock = now;
    }

    /// Switches a security feature of a repository on or off (all are on by default).
    pub fn set_security_feature(
        &self,
        owner: &str,
        repo: &str,
        feature: SecurityFeature,
        enabled: bool,
    ) -> anyhow::Result<()> {
        let id = self.repo_id(owner, repo)?;
        let mut world = self.inner.world();
        let repo = world.repos.get_mut(&id).context("repository vanished")?;
        repo.security.set(feature, enabled);
        Ok(())
    }

    /// Configures code scanning default setup for `languages`, or (`None`) unconfigures it.
    pub fn set_default_setup(
        &self,
        owner: &str,
        repo: &str,
        languages: Option<&[&str]>,
    ) -> anyhow::Result<()> {
        let id = self.repo_id(owner, repo)?;
        let mut world = self.inner.world();
        let now = world.now();
        let repo = world.repos.get_mut(&id).context("repository vanished")?;
        repo.security.default_setup = DefaultSetup {
            configured: languages.is_some(),
            languages: languages
                .unwrap_or_default()
                .iter()
                .map(|l| l.to_string())
                .collect(),
            updated_at: Some(now),
        };
        Ok(())
    }

    /// Raises an alert and sends `created` (secrets: also `secret_scanning_alert_location`
    /// created for its first location). Returns the alert's number.
    pub async fn create_alert(
        &self,
        owner: &str,
        repo: &str,
        spec: NewAlert,
    ) -> anyhow::Result<u64> {
        let repo_id = self.repo_id(owner, repo)?;
        let (number, outgoing) = {
            let mut world = self.inner.world();
            let now = world.now();
            let base = self.inner.base.clone();
            let repo = world
                .repos
                .get_mut(&repo_id)
                .context("repository vanished")?;
            if !repo.security.enabled(spec.family) {
                bail!("{:?} is disabled on {}", spec.family, repo.name);
            }
            let default_ref = format!("refs/heads/{}", repo.default_branch);
            let git_ref = spec.git_ref.clone().unwrap_or_else(|| default_ref.clone());
            if spec.family == AlertFamily::Dependabot && git_ref != default_ref {
                bail!("Dependabot alerts are raised on the default branch only");
            }
            let commit = match &spec.commit_sha {
                Some(sha) => repo.resolve_commit(sha).context("unknown commit")?,
                None => {
                    ref_head(repo, &git_ref).with_context(|| format!("no commit on {git_ref}"))?
                }
            };
            let number = repo.security.next_number(spec.family);
            let detail = detail(&spec, repo, number, &commit, now);
            repo.security.alerts.push(Alert {
                family: spec.family,
                number,
                state: "open".to_string(),
                severity: spec.severity.clone(),
                created_at: now,
                updated_at: now,
                fixed_at: None,
                dismissed_at: None,
                auto_dismissed_at: None,
                dismissed_by: None,
                dismissed_reason: None,
                dismissed_comment: None,
                refs: vec![git_ref.clone()],
                git_ref,
                commit_sha: commit,
                detail,
            });
            let key = (spec.family, number);
            let mut out =
                payloads::alert_deliveries(&mut world, &base, repo_id, key, "created", None);
            if spec.family == AlertFamily::SecretScanning {
                let location = world.repos[&repo_id]
                    .security
                    .alert(spec.family, number)
                    .and_then(|a| match &a.detail {
                        Detail::Secret { locations, .. } => locations.first().cloned(),
                        _ => None,
                    });
                if let Some(location) = location {
                    out.extend(payloads::alert_deliveries(
                        &mut world,
                        &base,
                        repo_id,
                        key,
                        "created",
                        Some(&location),
                    ));
                }
            }
            (number, out)
        };
        webhooks::send_all(&self.inner, outgoing).await;
        Ok(number)
    }

    /// Applies `apply` to an alert under the lock and sends the action it returns.
    async fn change_alert(
        &self,
        owner: &str,
        repo: &str,
        key: (AlertFamily, u64),
        apply: impl FnOnce(&mut Alert, &Change) -> anyhow::Result<&'static str>,
    ) -> anyhow::Result<()> {
        let repo_id = self.repo_id(owner, repo)?;
        let outgoing: Vec<Outgoing> = {
            let mut world = self.inner.world();
            let actor = world.ensure_account("fake-user", AccountKind::User);
            let now = world.now();
            let repo = world
                .repos
                .get_mut(&repo_id)
                .context("repository vanished")?;
            let git_ref = repo
                .security
                .alert(key.0, key.1)
                .map(|a| a.git_ref.clone())
                .with_context(|| format!("no {:?} alert {}", key.0, key.1))?;
            let change = Change {
                now,
                actor,
                head: ref_head(repo, &git_ref),
            };
            let alert = repo
                .security
                .alert_mut(key.0, key.1)
                .context("alert vanished")?;
            let action = apply(alert, &change)?;
            payloads::alert_deliveries(&mut world, &self.inner.base, repo_id, key, action, None)
        };
        webhooks::send_all(&self.inner, outgoing).await;
        Ok(())
    }

    /// A code scanning alert found on another ref (`None`: the default branch) at that
    /// ref's head, or `commit`: sends `appeared_in_branch`.
    pub async fn alert_appeared_in_branch(
        &self,
        owner: &str,
        repo: &str,
        number: u64,
        branch: Option<&str>,
        commit: Option<&str>,
    ) -> anyhow::Result<()> {
        let repo_id = self.repo_id(owner, repo)?;
        let (git_ref, sha) = {
            let world = self.inner.world();
            let repo = world.repos.get(&repo_id).context("repository vanished")?;
            let git_ref = full_ref(branch.unwrap_or(&repo.default_branch));
            let sha = match commit {
                Some(c) => repo.resolve_commit(c).context("unknown commit")?,
                None => ref_head(repo, &git_ref).with_context(|| format!("no {git_ref}"))?,
            };
            (git_ref, sha)
        };
        self.change_alert(
            owner,
            repo,
            (AlertFamily::CodeScanning, number),
            |alert, change| {
                if !alert.refs.contains(&git_ref) {
                    alert.refs.push(git_ref.clone());
                }
                alert.git_ref = git_ref;
                alert.commit_sha = sha;
                alert.updated_at = change.now;
                Ok("appeared_in_branch")
            },
        )
        .await
    }

    /// The alert's code or dependency is gone: `fixed` (code scanning: on the alert's most
    /// recent ref, at its head).
    pub async fn fix_alert(
        &self,
        owner: &str,
        repo: &str,
        family: AlertFamily,
        number: u64,
    ) -> anyhow::Result<()> {
        self.change_alert(owner, repo, (family, number), |alert, change| {
            let fixable = match family {
                AlertFamily::CodeScanning => alert.state != "fixed",
                AlertFamily::Dependabot => alert.is_open(),
                AlertFamily::SecretScanning => bail!("secrets are resolved, not fixed"),
            };
            if !fixable {
                bail!("alert {number} is {}", alert.state);
            }
            alert.touch("fixed", change.now);
            alert.fixed_at = Some(change.now);
            if let Some(head) = &change.head {
                alert.commit_sha = head.clone();
            }
            Ok("fixed")
        })
        .await
    }

    /// A person dismisses an open alert with `reason`: code scanning `closed_by_user`
    /// (false positive, won't fix, used in tests), Dependabot `dismissed` (fix_started,
    /// inaccurate, no_bandwidth, not_used, tolerable_risk); secrets: [`Self::resolve_secret`].
    pub async fn dismiss_alert(
        &self,
        owner: &str,
        repo: &str,
        family: AlertFamily,
        number: u64,
        reason: &str,
    ) -> anyhow::Result<()> {
        if family == AlertFamily::SecretScanning {
            return self.resolve_secret(owner, repo, number, reason).await;
        }
        let (reason, action) = match family {
            AlertFamily::CodeScanning => CODE_REASONS
                .iter()
                .find(|(spelled, _)| *spelled == reason)
                .map(|(_, github)| (*github, "closed_by_user")),
            _ => DEPENDABOT_REASONS
                .iter()
                .find(|r| **r == reason)
                .map(|r| (*r, "dismissed")),
        }
        .ok_or_else(|| anyhow!("unknown dismissal reason {reason:?}"))?;
        self.change_alert(owner, repo, (family, number), |alert, change| {
            if !alert.is_open() {
                bail!("alert {number} is {}", alert.state);
            }
            alert.touch("dismissed", change.now);
            alert.dismissed_at = Some(change.now);
            alert.dismissed_by = Some(change.actor);
            alert.dismissed_reason = Some(reason.to_string());
            Ok(action)
        })
        .await
    }

    /// Dependabot closes an open alert by an auto-triage rule: `auto_dismissed`.
    pub async fn auto_dismiss_alert(
        &self,
        owner: &str,
        repo: &str,
        number: u64,
    ) -> anyhow::Result<()> {
        self.change_alert(
            owner,
            repo,
            (AlertFamily::Dependabot, number),
            |alert, change| {
                if !alert.is_open() {
                    bail!("alert {number} is {}", alert.state);
                }
                alert.touch("auto_dismissed", change.now);
                alert.auto_dismissed_at = Some(change.now);
                Ok("auto_dismissed")
            },
        )
        .await
    }

    /// Reopens a closed alert. By a person (`by_user`): code scanning `reopened_by_user`
    /// (a dismissed alert), Dependabot `reopened` (dismissed or auto-dismissed), secrets
    /// `reopened`. By GitHub: code scanning `reopened` (a fixed alert found again),
    /// Dependabot `auto_reopened` (auto-dismissed) or `reintroduced` (fixed).
    pub async fn reopen_alert(
        &self,
        owner: &str,
        repo: &str,
        family: AlertFamily,
        number: u64,
        by_user: bool,
    ) -> anyhow::Result<()> {
        self.change_alert(owner, repo, (family, number), |alert, change| {
            let action = match (family, alert.state.as_str(), by_user) {
                (AlertFamily::CodeScanning, "dismissed", true) => "reopened_by_user",
                (AlertFamily::CodeScanning, "fixed", false) => "reopened",
                (AlertFamily::Dependabot, "dismissed" | "auto_dismissed", true) => "reopened",
                (AlertFamily::Dependabot, "auto_dismissed", false) => "auto_reopened",
                (AlertFamily::Dependabot, "fixed", false) => "reintroduced",
                (AlertFamily::SecretScanning, "resolved", _) => "reopened",
                (_, state, _) => bail!(
                    "alert {number} ({state}) cannot be reopened {}",
                    if by_user { "by a user" } else { "by GitHub" }
                ),
            };
            alert.touch("open", change.now);
            alert.clear_closure();
            if action != "reopened_by_user"
                && let Some(head) = &change.head
            {
                alert.commit_sha = head.clone();
            }
            Ok(action)
        })
        .await
    }

    /// A person resolves a secret alert (false_positive, wont_fix, revoked, used_in_tests,
    /// pattern_edited, pattern_deleted): `resolved`.
    pub async fn resolve_secret(
        &self,
        owner: &str,
        repo: &str,
        number: u64,
        resolution: &str,
    ) -> anyhow::Result<()> {
        if !SECRET_RESOLUTIONS.contains(&resolution) {
            bail!("unknown resolution {resolution:?}");
        }
        let resolution = resolution.to_string();
        self.change_alert(
            owner,
            repo,
            (AlertFamily::SecretScanning, number),
            |alert, change| {
                if !alert.is_open() {
                    bail!("alert {number} is {}", alert.state);
                }
                alert.touch("resolved", change.now);
                alert.dismissed_at = Some(change.now);
                alert.dismissed_by = Some(change.actor);
                alert.dismissed_reason = Some(resolution);
                Ok("resolved")
            },
        )
        .await
    }

    /// GitHub checked the secret with its provider: `validated` with `validity` (active,
    /// inactive, unknown).
    pub async fn validate_secret(
        &self,
        owner: &str,
        repo: &str,
        number: u64,
        validity: &str,
    ) -> anyhow::Result<()> {
        if !["active", "inactive", "unknown"].contains(&validity) {
            bail!("unknown validity {validity:?}");
        }
        self.change_alert(
            owner,
            repo,
            (AlertFamily::SecretScanning, number),
            |alert, change| {
                if let Detail::Secret { validity: v, .. } = &mut alert.detail {
                    *v = validity.to_string();
                }
                alert.updated_at = change.now;
                Ok("validated")
            },
        )
        .await
    }

    /// The secret found again, in `path` at `commit` (a sha or branch): sends
    /// `secret_scanning_alert_location` created.
    pub async fn add_secret_location(
        &self,
        owner: &str,
        repo: &str,
        number: u64,
        path: &str,
        commit: &str,
    ) -> anyhow::Result<()> {
        let repo_id = self.repo_id(owner, repo)?;
        let key = (AlertFamily::SecretScanning, number);
        let outgoing = {
            let mut world = self.inner.world();
            let repo = world
                .repos
                .get_mut(&repo_id)
                .context("repository vanished")?;
            let commit = repo.resolve_commit(commit).context("unknown commit")?;
            let location = SecretLocation {
                path: path.to_string(),
                blob_sha: blob_sha(repo, &commit, path),
                commit_sha: commit,
                line: 1,
            };
            let alert = repo
                .security
                .alert_mut(key.0, key.1)
                .with_context(|| format!("no secret scanning alert {number}"))?;
            if let Detail::Secret { locations, .. } = &mut alert.detail {
                locations.push(location.clone());
            }
            let base = self.inner.base.clone();
            payloads::alert_deliveries(&mut world, &base, repo_id, key, "created", Some(&location))
        };
        webhooks::send_all(&self.inner, outgoing).await;
        Ok(())
    }
}
