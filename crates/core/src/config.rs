//! `.github/fullcover.yml`: a repository's (or, in the organisation's `.github`
//! repository, every repository's) say in what Fullcover requires and adds. Unknown keys
//! are errors naming their line, so a typo never silently changes nothing.
//!
//! ```yaml
//! ignore:                 # paths left out of detection (globs; `*.md` matches anywhere)
//!   - "examples/**"
//! skip:                   # controls not wanted here, each with the reason
//!   "iac:kubernetes": "manifests are rendered and scanned in the platform repo"
//! scanners:               # scanner choice per control category
//!   sast: semgrep
//!   secrets: trufflehog   # also beside GitHub secret scanning
//!   sca: osv-scanner      # also beside Dependabot alerts
//! schedule: "30 3 * * 1"  # cron for the weekly scans
//! onboarding: false       # no onboarding pull request (true: opt in again after
//!                         # closing one)
//! public_status: true     # only in the org's `.github` repository: a public status
//!                         # page and badges (aggregates only)
//! security:               # only in the org's `.github` repository: how the security
//!   severity_threshold: high      # outcomes count ("S": this severity and above)
//!   window_days: 90
//!   sla_days: {critical: 7, high: 30, medium: 90, low: 120}
//! ```

use std::collections::BTreeMap;

use globset::{GlobSet, GlobSetBuilder};
use serde::Deserialize;

use crate::formats::parse_yaml;
use crate::metrics::security::{SecurityPolicy, Severity};

/// Configuration files larger than this are refused.
pub const LIMIT: usize = 1024 * 1024;

/// Where the configuration lives in a repository.
pub const PATH: &str = ".github/fullcover.yml";

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub ignore: Vec<String>,
    #[serde(default)]
    pub skip: BTreeMap<String, String>,
    #[serde(default)]
    pub scanners: BTreeMap<String, String>,
    pub schedule: Option<String>,
    /// `false`: the App proposes nothing. `true`: it proposes again even though an
    /// earlier onboarding pull request was closed. Unset: proposes unless one was closed.
    pub onboarding: Option<bool>,
    /// In the organisation's `.github` repository: publish a status page and badges with
    /// the organisation's aggregate coverage. Off unless set.
    pub public_status: Option<bool>,
    /// In the organisation's `.github` repository: the policy of the security outcomes.
    pub security: Option<SecuritySettings>,
}

/// `security:` in the organisation's configuration; unset values keep the defaults
/// (threshold high, 90 days, SLA critical 7, high 30, medium 90, low 120 days).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecuritySettings {
    pub severity_threshold: Option<String>,
    pub window_days: Option<i64>,
    pub sla_days: Option<SlaSettings>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlaSettings {
    pub critical: Option<i64>,
    pub high: Option<i64>,
    pub medium: Option<i64>,
    pub low: Option<i64>,
}

/// The longest window or SLA the configuration may ask for, in days.
pub const MAX_DAYS: i64 = 3_650;

impl SecuritySettings {
    /// The policy these settings give (defaults where unset). Call after validation.
    pub fn policy(&self) -> SecurityPolicy {
        let mut policy = SecurityPolicy::default();
        if let Some(threshold) = self
            .severity_threshold
            .as_deref()
            .and_then(Severity::from_github)
        {
            policy.threshold = threshold;
        }
        if let Some(days) = self.window_days {
            policy.window_days = days;
        }
        if let Some(sla) = &self.sla_days {
            let days = &mut policy.sla_days;
            days.critical = sla.critical.unwrap_or(days.critical);
            days.high = sla.high.unwrap_or(days.high);
            days.medium = sla.medium.unwrap_or(days.medium);
            days.low = sla.low.unwrap_or(days.low);
        }
        policy
    }

    fn validate(&self, file: &str, text: &str) -> Result<(), ConfigError> {
        let refuse = |key: &str, message: String| ConfigError {
            file: file.to_owned(),
            line: line_of_key(text, key),
            message,
        };
        if let Some(threshold) = &self.severity_threshold
            && !["low", "medium", "high", "critical"].contains(&threshold.as_str())
        {
            return Err(refuse(
                "severity_threshold",
                format!(
                    "security.severity_threshold: `{threshold}` must be one of low, medium, high, critical"
                ),
            ));
        }
        let mut days = vec![("window_days", self.window_days)];
        if let Some(sla) = &self.sla_days {
            days.extend([
                ("critical", sla.critical),
                ("high", sla.high),
                ("medium", sla.medium),
                ("low", sla.low),
            ]);
        }
        for (key, value) in days {
            if let Some(value) = value
                && !(1..=MAX_DAYS).contains(&value)
            {
                return Err(refuse(
                    key,
                    format!(
                        "security: `{key}` is {value} days; it must be between 1 and {MAX_DAYS}"
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// Why a configuration file was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}{}: {message}", line.map(|l| format!(":{l}")).unwrap_or_default())]
pub struct ConfigError {
    pub file: String,
    pub line: Option<usize>,
    pub message: String,
}

impl Config {
    /// Parses a configuration file; `file` names it in errors.
    pub fn parse(file: &str, text: &str) -> Result<Self, ConfigError> {
        let value = parse_yaml(text).map_err(|err| ConfigError {
            file: file.to_owned(),
            line: err.line,
            message: err.message,
        })?;
        if value.is_null() {
            return Ok(Self::default());
        }
        let config: Config = serde_json::from_value(value).map_err(|err| {
            let message = err.to_string();
            let line = unknown_key(&message).and_then(|key| line_of_key(text, key));
            ConfigError {
                file: file.to_owned(),
                line,
                message,
            }
        })?;
        config.validate(file, text)?;
        Ok(config)
    }

    fn validate(&self, file: &str, text: &str) -> Result<(), ConfigError> {
        for pattern in &self.ignore {
            if let Err(err) = glob(pattern) {
                return Err(ConfigError {
                    file: file.to_owned(),
                    line: line_of_value(text, pattern),
                    message: format!("ignore: bad glob `{pattern}`: {err}"),
                });
            }
        }
        for (control, reason) in &self.skip {
            let category = control.split(':').next().unwrap_or_default();
            let well_formed = CATEGORIES.contains(&category)
                && (control.as_str() == category) == (category == "secrets")
                && control
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-:#+._".contains(c));
            if !well_formed {
                return Err(ConfigError {
                    file: file.to_owned(),
                    line: line_of_key(text, control),
                    message: format!(
                        "skip: `{control}` is not a requirement id (like `secrets`, `sast:python`, `sca:npm`, `iac:terraform`, `container:dockerfile`, `cicd:github-actions`)"
                    ),
                });
            }
            if reason.trim().is_empty() {
                return Err(ConfigError {
                    file: file.to_owned(),
                    line: line_of_key(text, control),
                    message: format!("skip: `{control}` needs a reason"),
                });
            }
        }
        for (category, scanner) in &self.scanners {
            let allowed: &[&str] = match category.as_str() {
                "sast" => &["codeql", "semgrep"],
                // Added even where GitHub's own control (secret scanning, Dependabot
                // alerts) already satisfies the requirement.
                "secrets" => &["trufflehog"],
                "sca" => &["osv-scanner"],
                _ => &[],
            };
            if !allowed.contains(&scanner.as_str()) {
                let message = if allowed.is_empty() {
                    format!(
                        "scanners: `{category}` cannot be chosen yet; only `sast`, `secrets` and `sca` can"
                    )
                } else {
                    format!(
                        "scanners: `{category}` must be one of {}",
                        allowed.join(", ")
                    )
                };
                return Err(ConfigError {
                    file: file.to_owned(),
                    line: line_of_key(text, category),
                    message,
                });
            }
        }
        if let Some(security) = &self.security {
            security.validate(file, text)?;
        }
        if let Some(schedule) = &self.schedule
            && !is_cron(schedule)
        {
            return Err(ConfigError {
                file: file.to_owned(),
                line: line_of_key(text, "schedule"),
                message: format!("schedule: `{schedule}` is not a five-field cron expression"),
            });
        }
        Ok(())
    }

    /// The organisation's defaults overridden by the repository's own settings.
    pub fn over(self, organisation: Config) -> Config {
        let mut skip = organisation.skip;
        skip.extend(self.skip);
        let mut scanners = organisation.scanners;
        scanners.extend(self.scanners);
        let mut ignore = organisation.ignore;
        ignore.extend(self.ignore);
        Config {
            ignore,
            skip,
            scanners,
            schedule: self.schedule.or(organisation.schedule),
            onboarding: self.onboarding.or(organisation.onboarding),
            public_status: self.public_status.or(organisation.public_status),
            security: self.security.or(organisation.security),
        }
    }

    /// The repository's own configuration, read through the snapshot (capped, never
    /// through a link), over the organisation's.
    pub fn from_snapshot(
        snapshot: &crate::snapshot::Snapshot,
        organisation: Config,
    ) -> Result<Config, ConfigError> {
        use crate::snapshot::{ReadError, RepoPath};
        let refuse = |message: String| ConfigError {
            file: PATH.to_owned(),
            line: None,
            message,
        };
        let content = match snapshot.read(&RepoPath::new(PATH), LIMIT) {
            Ok(content) => content,
            Err(ReadError::NotFound) => return Ok(Config::default().over(organisation)),
            Err(err) => return Err(refuse(format!("cannot be read: {err}"))),
        };
        if content.truncated {
            return Err(refuse("is larger than 1 MiB".into()));
        }
        let text = content
            .text()
            .ok_or_else(|| refuse("is not UTF-8 text".into()))?;
        Ok(Config::parse(PATH, text)?.over(organisation))
    }

    /// The snapshot without the paths this configuration ignores.
    pub fn apply(&self, snapshot: crate::snapshot::Snapshot) -> crate::snapshot::Snapshot {
        if self.ignore.is_empty() {
            return snapshot;
        }
        let ignored = self.ignored();
        snapshot.without(
            |path| ignored.is_match(path),
            &format!("is hidden by an `ignore` glob of {PATH}"),
        )
    }

    /// The `ignore` globs compiled.
    pub fn ignored(&self) -> GlobSet {
        let mut builder = GlobSetBuilder::new();
        for pattern in &self.ignore {
            if let Ok(glob) = glob(pattern) {
                builder.add(glob);
            }
        }
        builder.build().unwrap_or_else(|_| GlobSet::empty())
    }
}

/// The categories requirement ids start with.
const CATEGORIES: [&str; 6] = ["sast", "secrets", "sca", "iac", "container", "cicd"];

/// Five cron fields of digits, `*`, `/`, `,` and `-` (names such as `MON` too).
fn is_cron(schedule: &str) -> bool {
    let fields: Vec<&str> = schedule.split(' ').filter(|f| !f.is_empty()).collect();
    fields.len() == 5
        && fields.iter().all(|field| {
            field
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "*/,-".contains(c))
        })
}

/// The rules' glob semantics: a pattern without `/` matches a file name anywhere.
fn glob(pattern: &str) -> Result<globset::Glob, globset::Error> {
    crate::rules::compiled::globs::compile_glob(pattern)
}

/// serde's message for an unknown field: "unknown field `x`, expected ...".
fn unknown_key(message: &str) -> Option<&str> {
    message
        .strip_prefix("unknown field `")
        .and_then(|rest| rest.split('`').next())
}

fn line_of_key(text: &str, key: &str) -> Option<usize> {
    text.lines()
        .position(|line| {
            let trimmed = line.trim_start().trim_start_matches("- ");
            trimmed.starts_with(&format!("{key}:"))
                || trimmed.starts_with(&format!("\"{key}\":"))
                || trimmed.starts_with(&format!("'{key}':"))
        })
        .map(|index| index + 1)
}

fn line_of_value(text: &str, value: &str) -> Option<usize> {
    text.lines()
        .position(|line| line.contains(value))
        .map(|index| index + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_organisation_sets_the_security_policy() {
        let config = Config::parse(
            PATH,
            "security:\n  severity_threshold: critical\n  window_days: 30\n  sla_days: {critical: 3, low: 365}\n",
        )
        .unwrap();
        let policy = config.security.unwrap().policy();
        assert_eq!(policy.threshold, Severity::Critical);
        assert_eq!(policy.window_days, 30);
        assert_eq!(policy.sla_days.critical, 3);
        assert_eq!(policy.sla_days.high, 30, "unset keeps the default");
        assert_eq!(policy.sla_days.low, 365);
        assert_eq!(
            SecuritySettings::default().policy(),
            SecurityPolicy::default()
        );
        let err = Config::parse(PATH, "security:\n  sla_days:\n    high: 0\n").unwrap_err();
        assert_eq!(err.line, Some(3), "{err}");
        assert!(err.message.contains("between 1 and 3650"), "{err}");
        let err = Config::parse(PATH, "security:\n  severity_threshold: severe\n").unwrap_err();
        assert!(err.message.contains("must be one of"), "{err}");
        let err = Config::parse(PATH, "security:\n  sla: {}\n").unwrap_err();
        assert!(err.message.contains("unknown field `sla`"), "{err}");
    }

    #[test]
    fn a_full_configuration_parses() {
        let config = Config::parse(
            PATH,
            "ignore:\n  - \"examples/**\"\nskip:\n  \"iac:kubernetes\": rendered elsewhere\nscanners:\n  sast: semgrep\nschedule: \"30 3 * * 1\"\n",
        )
        .unwrap();
        assert_eq!(config.ignore, ["examples/**"]);
        assert_eq!(config.skip["iac:kubernetes"], "rendered elsewhere");
        assert!(config.ignored().is_match("examples/demo/app.py"));
        assert!(!config.ignored().is_match("src/app.py"));
        let names = Config::parse(PATH, "ignore: [\"*.snap\"]\n").unwrap();
        assert!(names.ignored().is_match("tests/snapshots/a.snap"));
    }

    #[test]
    fn unknown_keys_are_rejected_with_their_line() {
        let err = Config::parse(PATH, "skip: {}\n\nignroe:\n  - x\n").unwrap_err();
        assert_eq!(err.line, Some(3), "{err}");
        assert!(
            err.to_string()
                .starts_with(".github/fullcover.yml:3: unknown field `ignroe`"),
            "{err}"
        );
    }

    #[test]
    fn skips_need_reasons_and_schedules_five_fields() {
        let err = Config::parse(PATH, "skip:\n  secrets: \"\"\n").unwrap_err();
        assert_eq!(err.line, Some(2));
        let err = Config::parse(PATH, "schedule: weekly\n").unwrap_err();
        assert!(err.message.contains("five-field"), "{err}");
        let err = Config::parse(PATH, "schedule: '0\" 0 * * 1'\n").unwrap_err();
        assert!(err.message.contains("five-field"), "{err}");
        let err = Config::parse(PATH, "skip:\n  secret: typo\n").unwrap_err();
        assert!(err.message.contains("not a requirement id"), "{err}");
        assert!(Config::parse(PATH, "skip:\n  \"sast:c#\": generated code only\n").is_ok());
    }

    #[test]
    fn the_repository_overrides_the_organisation() {
        let org = Config::parse(
            "org",
            "skip:\n  secrets: org reason\nschedule: \"0 1 * * 1\"\nscanners:\n  sast: codeql\n",
        )
        .unwrap();
        let repo = Config::parse(PATH, "scanners:\n  sast: semgrep\n").unwrap();
        let merged = repo.over(org);
        assert_eq!(merged.scanners["sast"], "semgrep");
        assert_eq!(merged.skip["secrets"], "org reason");
        assert_eq!(merged.schedule.as_deref(), Some("0 1 * * 1"));
    }
}
