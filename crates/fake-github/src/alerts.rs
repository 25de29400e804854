//! Security alerts of a repository: code scanning, Dependabot and secret scanning alerts
//! (numbered per repository and family), the repository's security feature switches and
//! its code scanning default setup; and [`NewAlert`], what a test asks the fake to raise.

use chrono::{DateTime, Utc};

/// The three alert families GitHub keeps per repository.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AlertFamily {
    CodeScanning,
    Dependabot,
    SecretScanning,
}

impl AlertFamily {
    /// The webhook event of the family.
    pub fn event(self) -> &'static str {
        match self {
            AlertFamily::CodeScanning => "code_scanning_alert",
            AlertFamily::Dependabot => "dependabot_alert",
            AlertFamily::SecretScanning => "secret_scanning_alert",
        }
    }

    /// The installation permission (read) that reading the family's alerts and receiving
    /// its webhooks needs.
    pub fn permission(self) -> &'static str {
        match self {
            AlertFamily::CodeScanning => "security_events",
            AlertFamily::Dependabot => "vulnerability_alerts",
            AlertFamily::SecretScanning => "secret_scanning_alerts",
        }
    }

    fn index(self) -> usize {
        match self {
            AlertFamily::CodeScanning => 0,
            AlertFamily::Dependabot => 1,
            AlertFamily::SecretScanning => 2,
        }
    }
}

/// A repository's security features that can be switched off (all on by default).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecurityFeature {
    /// Code scanning (GitHub Advanced Security / Code Security): off answers 403.
    CodeScanning,
    /// Dependabot alerts: off answers 403 "Dependabot alerts are disabled for this repository."
    DependabotAlerts,
    /// Secret scanning: off answers 404 "Secret scanning is disabled on this repository."
    SecretScanning,
}

/// What a test asks the fake to raise; build with [`NewAlert::code_scanning`],
/// [`NewAlert::dependabot`] or [`NewAlert::secret`], then refine.
#[derive(Debug, Clone)]
pub struct NewAlert {
    pub family: AlertFamily,
    /// `refs/heads/<branch>` or `refs/pull/<n>/merge`; `None`: the default branch.
    pub git_ref: Option<String>,
    /// Code scanning: `security_severity_level` (low, medium, high, critical);
    /// Dependabot: the advisory's severity; secrets: unused.
    pub severity: String,
    /// The commit the alert was found in; `None`: the head of the ref.
    pub commit_sha: Option<String>,
    /// Code scanning: `rule.id`; Dependabot: the package name; secrets: `secret_type`.
    pub name: String,
    /// Code scanning: `rule.severity` (note, warning, error); Dependabot: the ecosystem.
    pub kind: String,
    /// Code scanning and secrets: the file; Dependabot: `dependency.manifest_path`.
    pub path: String,
    /// Dependabot: the advisory's `published_at` (default: the alert's creation).
    pub published_at: Option<DateTime<Utc>>,
    /// Secrets: `validity` (active, inactive, unknown).
    pub validity: String,
    /// Secrets: `publicly_leaked`.
    pub publicly_leaked: bool,
}

impl NewAlert {
    /// A CodeQL alert with `security_severity_level` `severity`.
    pub fn code_scanning(severity: &str) -> NewAlert {
        let rule_severity = match severity {
            "critical" | "high" => "error",
            "medium" => "warning",
            _ => "note",
        };
        NewAlert {
            family: AlertFamily::CodeScanning,
            git_ref: None,
            severity: severity.to_string(),
            commit_sha: None,
            name: "js/sql-injection".to_string(),
            kind: rule_severity.to_string(),
            path: "src/app.js".to_string(),
            published_at: None,
            validity: "unknown".to_string(),
            publicly_leaked: false,
        }
    }

    /// A Dependabot alert whose advisory has `severity` (npm `lodash` in `package-lock.json`).
    pub fn dependabot(severity: &str) -> NewAlert {
        NewAlert {
            family: AlertFamily::Dependabot,
            name: "lodash".to_string(),
            kind: "npm".to_string(),
            path: "package-lock.json".to_string(),
            ..NewAlert::code_scanning(severity)
        }
    }

    /// A secret scanning alert (a GitHub personal access token in `config/settings.yml`).
    pub fn secret() -> NewAlert {
        NewAlert {
            family: AlertFamily::SecretScanning,
            severity: String::new(),
            name: "github_personal_access_token".to_string(),
            kind: String::new(),
            path: "config/settings.yml".to_string(),
            ..NewAlert::code_scanning("high")
        }
    }

    /// Found on a pull request's merge ref, `refs/pull/<number>/merge`.
    pub fn on_pull(mut self, number: u64) -> NewAlert {
        self.git_ref = Some(format!("refs/pull/{number}/merge"));
        self
    }

    /// Found on a branch (`main` or `refs/heads/main`) or any full ref.
    pub fn on_ref(mut self, git_ref: &str) -> NewAlert {
        self.git_ref = Some(full_ref(git_ref));
        self
    }

    pub fn commit(mut self, sha: &str) -> NewAlert {
        self.commit_sha = Some(sha.to_string());
        self
    }

    /// Code scanning: the rule id; Dependabot: the package; secrets: the secret type.
    pub fn name(mut self, name: &str) -> NewAlert {
        self.name = name.to_string();
        self
    }

    pub fn path(mut self, path: &str) -> NewAlert {
        self.path = path.to_string();
        self
    }

    /// Dependabot: the advisory's publication time.
    pub fn published_at(mut self, at: DateTime<Utc>) -> NewAlert {
        self.published_at = Some(at);
        self
    }

    /// Secrets: `active`, `inactive` or `unknown`.
    pub fn validity(mut self, validity: &str) -> NewAlert {
        self.validity = validity.to_string();
        self
    }

    pub fn publicly_leaked(mut self) -> NewAlert {
        self.publicly_leaked = true;
        self
    }
}

/// `main` -> `refs/heads/main`; full refs unchanged.
pub fn full_ref(name: &str) -> String {
    if name.starts_with("refs/") {
        name.to_string()
    } else {
        format!("refs/heads/{name}")
    }
}

/// Where a secret was found: a file in a commit.
#[derive(Debug, Clone)]
pub struct SecretLocation {
    pub path: String,
    pub commit_sha: String,
    pub blob_sha: String,
    pub line: u64,
}

/// What differs between the families.
#[derive(Debug, Clone)]
pub enum Detail {
    Code {
        rule_id: String,
        rule_severity: String,
        path: String,
    },
    Dependabot {
        ecosystem: String,
        package: String,
        manifest_path: String,
        ghsa_id: String,
        cve_id: String,
        published_at: DateTime<Utc>,
    },
    Secret {
        secret_type: String,
        secret: String,
        validity: String,
        publicly_leaked: bool,
        locations: Vec<SecretLocation>,
    },
}

/// One alert. Dates are those of the fake's clock at each change.
#[derive(Debug, Clone)]
pub struct Alert {
    pub family: AlertFamily,
    pub number: u64,
    /// Code scanning: open, dismissed, fixed; Dependabot: open, dismissed, fixed,
    /// auto_dismissed; secrets: open, resolved.
    pub state: String,
    pub severity: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub fixed_at: Option<DateTime<Utc>>,
    /// Also a secret's `resolved_at`.
    pub dismissed_at: Option<DateTime<Utc>>,
    pub auto_dismissed_at: Option<DateTime<Utc>>,
    /// Account id of who dismissed or resolved it.
    pub dismissed_by: Option<u64>,
    /// Also a secret's `resolution`.
    pub dismissed_reason: Option<String>,
    pub dismissed_comment: Option<String>,
    /// Refs the alert was found on (code scanning: one instance per ref).
    pub refs: Vec<String>,
    /// `most_recent_instance`: ref and commit.
    pub git_ref: String,
    pub commit_sha: String,
    pub detail: Detail,
}

impl Alert {
    pub fn is_open(&self) -> bool {
        self.state == "open"
    }

    /// Records a state change at `at`.
    pub fn touch(&mut self, state: &str, at: DateTime<Utc>) {
        self.state = state.to_string();
        self.updated_at = at;
    }

    /// Clears what a dismissal, resolution or fix recorded (on reopening).
    pub fn clear_closure(&mut self) {
        self.fixed_at = None;
        self.dismissed_at = None;
        self.auto_dismissed_at = None;
        self.dismissed_by = None;
        self.dismissed_reason = None;
        self.dismissed_comment = None;
    }
}

/// Code scanning default setup as `GET .../code-scanning/default-setup` shows it.
#[derive(Debug, Clone, Default)]
pub struct DefaultSetup {
    pub configured: bool,
    pub languages: Vec<String>,
    pub updated_at: Option<DateTime<Utc>>,
}

/// A repository's alerts and security switches.
#[derive(Debug, Clone)]
pub struct Security {
    pub alerts: Vec<Alert>,
    next_number: [u64; 3],
    pub code_scanning: bool,
    pub dependabot_alerts: bool,
    pub secret_scanning: bool,
    pub default_setup: DefaultSetup,
}

impl Default for Security {
    fn default() -> Security {
        Security {
            alerts: Vec::new(),
            next_number: [1; 3],
            code_scanning: true,
            dependabot_alerts: true,
            secret_scanning: true,
            default_setup: DefaultSetup::default(),
        }
    }
}

impl Security {
    /// The next alert number of a family (1, 2, ... per repository and family).
    pub fn next_number(&mut self, family: AlertFamily) -> u64 {
        let slot = &mut self.next_number[family.index()];
        let number = *slot;
        *slot += 1;
        number
    }

    pub fn alert(&self, family: AlertFamily, number: u64) -> Option<&Alert> {
        self.alerts
            .iter()
            .find(|a| a.family == family && a.number == number)
    }

    pub fn alert_mut(&mut self, family: AlertFamily, number: u64) -> Option<&mut Alert> {
        self.alerts
            .iter_mut()
            .find(|a| a.family == family && a.number == number)
    }

    pub fn enabled(&self, family: AlertFamily) -> bool {
        match family {
            AlertFamily::CodeScanning => self.code_scanning,
            AlertFamily::Dependabot => self.dependabot_alerts,
            AlertFamily::SecretScanning => self.secret_scanning,
        }
    }

    pub fn set(&mut self, feature: SecurityFeature, enabled: bool) {
        match feature {
            SecurityFeature::CodeScanning => self.code_scanning = enabled,
            SecurityFeature::DependabotAlerts => self.dependabot_alerts = enabled,
            SecurityFeature::SecretScanning => self.secret_scanning = enabled,
        }
    }
}
