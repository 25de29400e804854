//! Controls GitHub runs itself, switched on in settings with no file in the repository:
//! code scanning default setup, secret scanning and Dependabot alerts. Their answers enter
//! detection as data (the App reads them through the API, the CLI takes `--platform`);
//! [`apply`] turns the controls that are on into scanners with evidence of the platform
//! kind, so that evaluation, planning and the report treat them like any other scanner.
//! What covers what is in `[[platform]]` of `rules/scanners.toml`.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::detect::scanners::{Claim, Directories, Evidence, EvidenceKind};
use crate::detect::{Inventory, ScannerFound};
use crate::rules::RuleSet;
use crate::rules::schema::PlatformRule;

/// The platform controls Fullcover knows how to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Control {
    CodeqlDefaultSetup,
    SecretScanning,
    DependabotAlerts,
}

impl Control {
    pub const ALL: [Control; 3] = [
        Control::CodeqlDefaultSetup,
        Control::SecretScanning,
        Control::DependabotAlerts,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Control::CodeqlDefaultSetup => "codeql-default-setup",
            Control::SecretScanning => "secret-scanning",
            Control::DependabotAlerts => "dependabot-alerts",
        }
    }

    pub fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|control| control.id() == id)
    }
}

/// What GitHub said about one control.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "lowercase")]
pub enum Answer {
    /// On; for default setup, the GitHub language ids it analyses.
    Enabled {
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        languages: Vec<String>,
    },
    /// Off, as GitHub said (its message).
    Disabled { detail: String },
    /// The App could not tell (no permission, the endpoint unavailable): never counted as
    /// covered.
    Unknown { detail: String },
}

impl Answer {
    pub fn is_enabled(&self) -> bool {
        matches!(self, Answer::Enabled { .. })
    }
}

/// Where the answers come from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// Nobody asked: a checkout scanned offline without `--platform`.
    #[default]
    None,
    /// Read from GitHub's API by the App.
    Api,
    /// Declared on the command line (`--platform`).
    Declared,
}

/// The platform controls of one repository, as far as they are known.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlatformControls {
    pub source: Source,
    /// When GitHub was asked (`YYYY-MM-DD`), for the API.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seen: Option<String>,
    /// Controls not listed were not asked about.
    #[serde(default)]
    pub answers: BTreeMap<Control, Answer>,
}

impl PlatformControls {
    pub fn answer(&self, control: Control) -> Option<&Answer> {
        self.answers.get(&control)
    }

    pub fn enabled(&self, control: Control) -> bool {
        self.answer(control).is_some_and(Answer::is_enabled)
    }

    /// The GitHub language ids default setup analyses, when it is on.
    pub fn default_setup_languages(&self) -> Option<&[String]> {
        match self.answer(Control::CodeqlDefaultSetup) {
            Some(Answer::Enabled { languages }) => Some(languages),
            _ => None,
        }
    }

    /// Parses one `--platform` value: `codeql-default-setup=python,go`,
    /// `secret-scanning`, `dependabot-alerts`.
    pub fn declare(&mut self, value: &str) -> Result<(), PlatformError> {
        let (id, languages) = match value.split_once('=') {
            Some((id, languages)) => (id.trim(), Some(languages)),
            None => (value.trim(), None),
        };
        let control = Control::from_id(id).ok_or_else(|| PlatformError::UnknownControl {
            value: value.to_owned(),
        })?;
        let languages: Vec<String> = languages
            .map(|list| {
                list.split(',')
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        match (control, languages.is_empty()) {
            (Control::CodeqlDefaultSetup, true) => {
                return Err(PlatformError::LanguagesNeeded {
                    value: value.to_owned(),
                });
            }
            (Control::SecretScanning | Control::DependabotAlerts, false) => {
                return Err(PlatformError::NoLanguages {
                    value: value.to_owned(),
                });
            }
            _ => {}
        }
        self.source = Source::Declared;
        self.answers.insert(control, Answer::Enabled { languages });
        Ok(())
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PlatformError {
    #[error(
        "--platform `{value}`: expected codeql-default-setup=LANG[,LANG...], secret-scanning or dependabot-alerts"
    )]
    UnknownControl { value: String },
    #[error(
        "--platform `{value}`: name the languages default setup analyses, e.g. codeql-default-setup=python,javascript-typescript"
    )]
    LanguagesNeeded { value: String },
    #[error("--platform `{value}`: only codeql-default-setup takes languages")]
    NoLanguages { value: String },
    #[error("--platform `{value}`: default setup has no language `{language}`; known: {known}")]
    UnknownLanguage {
        value: String,
        language: String,
        known: String,
    },
}

/// Checks declared default-setup languages against the rules' table.
pub fn check_languages(controls: &PlatformControls, rules: &RuleSet) -> Result<(), PlatformError> {
    let (Some(languages), Some(rule)) = (
        controls.default_setup_languages(),
        rule(rules, Control::CodeqlDefaultSetup),
    ) else {
        return Ok(());
    };
    match languages.iter().find(|l| !rule.languages.contains_key(*l)) {
        Some(language) => Err(PlatformError::UnknownLanguage {
            value: format!("codeql-default-setup={}", languages.join(",")),
            language: language.clone(),
            known: rule
                .languages
                .keys()
                .cloned()
                .collect::<Vec<_>>()
                .join(", "),
        }),
        None => Ok(()),
    }
}

pub fn rule(rules: &RuleSet, control: Control) -> Option<&PlatformRule> {
    rules
        .scanners
        .platform
        .iter()
        .find(|rule| rule.id == control.id())
}

/// Whether a scanner id is a platform control's.
pub fn is_platform(id: &str) -> bool {
    Control::from_id(id).is_some()
}

/// Adds the controls that are on to the inventory as scanners whose evidence is the
/// platform's answer, and keeps the answers for the report.
pub fn apply(inventory: &mut Inventory, controls: &PlatformControls, rules: &RuleSet) {
    inventory.platform = controls.clone();
    for (&control, answer) in &controls.answers {
        let (Answer::Enabled { languages }, Some(rule)) = (answer, rule(rules, control)) else {
            continue;
        };
        let mut claim = Claim::full(&rule.covers, rules);
        for language in languages {
            if let Some(names) = rule.languages.get(language) {
                claim.sast.extend(names.iter().cloned());
            }
            claim.cicd |= rule.cicd_language.as_deref() == Some(language.as_str());
        }
        if control == Control::DependabotAlerts {
            for directories in claim.sca.values_mut() {
                *directories = Directories::All;
            }
        }
        inventory.scanners.push(ScannerFound {
            id: rule.id.clone(),
            name: rule.name.clone(),
            category: rule.category,
            evidence: vec![Evidence {
                path: String::new(),
                line: 0,
                signal: signal(rule, languages, controls),
                kind: EvidenceKind::Platform,
            }],
            claim: Some(claim),
        });
    }
}

/// "GitHub code scanning default setup: python, javascript-typescript (API, seen
/// 2026-12-03)".
fn signal(rule: &PlatformRule, languages: &[String], controls: &PlatformControls) -> String {
    let what = if languages.is_empty() {
        rule.name.clone()
    } else {
        format!("{}: {}", rule.name, languages.join(", "))
    };
    let how = match (controls.source, &controls.seen) {
        (Source::Api, Some(seen)) => format!("API, seen {seen}"),
        (Source::Api, None) => "API".to_owned(),
        (Source::Declared, _) => "declared with --platform".to_owned(),
        (Source::None, _) => "not checked".to_owned(),
    };
    format!("{what} ({how})")
}

impl fmt::Display for Answer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Answer::Enabled { languages } if languages.is_empty() => f.write_str("enabled"),
            Answer::Enabled { languages } => write!(f, "enabled: {}", languages.join(", ")),
            Answer::Disabled { .. } => f.write_str("disabled"),
            Answer::Unknown { detail } => write!(f, "unknown ({detail})"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declarations_parse_and_bad_ones_name_the_value() {
        let mut controls = PlatformControls::default();
        controls.declare("codeql-default-setup=python, go").unwrap();
        controls.declare("secret-scanning").unwrap();
        assert_eq!(controls.source, Source::Declared);
        assert_eq!(
            controls.default_setup_languages(),
            Some(&["python".to_owned(), "go".to_owned()][..])
        );
        assert!(controls.enabled(Control::SecretScanning));
        assert!(!controls.enabled(Control::DependabotAlerts));
        assert!(matches!(
            controls.declare("codeql-default-setup"),
            Err(PlatformError::LanguagesNeeded { .. })
        ));
        assert!(matches!(
            controls.declare("secret-scanning=python"),
            Err(PlatformError::NoLanguages { .. })
        ));
        let err = controls.declare("code-scanning").unwrap_err();
        assert!(err.to_string().contains("`code-scanning`"), "{err}");
        let rules = RuleSet::embedded().unwrap();
        controls.declare("codeql-default-setup=cobol").unwrap();
        let err = check_languages(&controls, &rules).unwrap_err();
        assert!(err.to_string().contains("`cobol`"), "{err}");
    }

    #[test]
    fn every_control_has_a_rule() {
        let rules = RuleSet::embedded().unwrap();
        for control in Control::ALL {
            assert!(rule(&rules, control).is_some(), "{}", control.id());
        }
    }

    #[test]
    fn answers_read_back_what_they_write() {
        let mut controls = PlatformControls {
            source: Source::Api,
            seen: Some("2026-12-03".to_owned()),
            ..Default::default()
        };
        controls.answers.insert(
            Control::CodeqlDefaultSetup,
            Answer::Enabled {
                languages: vec!["python".to_owned()],
            },
        );
        controls.answers.insert(
            Control::SecretScanning,
            Answer::Unknown {
                detail: "no permission".to_owned(),
            },
        );
        let json = serde_json::to_string(&controls).unwrap();
        assert!(
            json.contains(r#""codeql-default-setup":{"state":"enabled""#),
            "{json}"
        );
        let back: PlatformControls = serde_json::from_str(&json).unwrap();
        assert_eq!(back, controls);
    }
}
