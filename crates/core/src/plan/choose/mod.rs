//! Which scanner closes which gap: the choices in `rules/onboarding.toml` applied to the
//! missing requirements, with the reason for each choice recorded.

mod cicd;
mod container;
mod dependencies;
mod iac;
mod results;
mod sast;
mod secrets;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use super::{PlanSettings, Visibility};
use crate::detect::Inventory;
use crate::evaluate::{Assessment, Requirement, Status};
use crate::rules::RuleSet;
use crate::rules::schema::{Category, OnboardingFile};
use crate::snapshot::Warning;

/// A workflow to add.
#[derive(Debug, Clone, PartialEq)]
pub struct Addition {
    pub scanner: String,
    /// The scanner's display name.
    pub name: String,
    /// Template name, `workflows/<scanner>`.
    pub template: String,
    pub path: String,
    pub context: Value,
    pub satisfies: Vec<String>,
    pub reason: String,
    /// How to adjust or remove it.
    pub customise: String,
    /// Where its results go.
    pub results: String,
    /// What it scans on each trigger, where that is not simply the whole repository.
    pub scope: Option<String>,
}

/// Dependabot entries to add, per ecosystem.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Updates {
    pub entries: BTreeMap<String, BTreeSet<String>>,
    pub satisfies: Vec<String>,
    pub reason: String,
}

/// A requirement only a person can meet, and what to do.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ManualStep {
    pub requirement: String,
    pub action: String,
}

#[derive(Debug, Default)]
pub struct Choices {
    pub additions: Vec<Addition>,
    pub updates: Updates,
    pub manual: Vec<ManualStep>,
    /// Paths left out of the workflows, with why.
    pub warnings: Vec<Warning>,
}

/// Chooses scanners for every missing requirement.
pub fn choose(
    inventory: &Inventory,
    assessment: &Assessment,
    rules: &RuleSet,
    settings: &PlanSettings,
) -> Choices {
    let context = Context {
        inventory,
        rules,
        onboarding: &rules.onboarding,
        code_scanning: settings.visibility == Visibility::Public || settings.advanced_security,
        codeql_wanted: settings
            .config
            .scanners
            .get("sast")
            .is_none_or(|s| s == "codeql"),
        missing: assessment
            .requirements
            .iter()
            .filter(|r| r.status == Status::Missing && !settings.config.skip.contains_key(&r.id))
            .collect(),
        platform_only: assessment
            .requirements
            .iter()
            .filter(|r| {
                r.status == Status::Satisfied
                    && r.satisfied_by
                        .iter()
                        .all(|id| crate::platform::is_platform(id))
            })
            .collect(),
        platform: &settings.platform,
        config: &settings.config,
    };
    let mut choices = Choices::default();
    sast::choose(&context, &mut choices);
    secrets::choose(&context, &mut choices);
    dependencies::choose(&context, &mut choices);
    iac::choose(&context, &mut choices);
    container::choose(&context, &mut choices);
    cicd::choose(&context, &mut choices);
    for addition in &mut choices.additions {
        addition.results = results::destination(&addition.scanner, context.code_scanning);
        addition.scope = results::scope(&addition.scanner).map(str::to_owned);
    }
    choices
}

/// What every category's choice reads.
struct Context<'a> {
    inventory: &'a Inventory,
    rules: &'a RuleSet,
    onboarding: &'a OnboardingFile,
    /// Code scanning is available: the repository is public or has Advanced Security.
    code_scanning: bool,
    /// The repository's configuration leaves SAST to CodeQL.
    codeql_wanted: bool,
    missing: Vec<&'a Requirement>,
    /// Requirements only a GitHub platform control satisfies.
    platform_only: Vec<&'a Requirement>,
    platform: &'a crate::platform::PlatformControls,
    config: &'a crate::config::Config,
}

impl Context<'_> {
    /// The missing requirements of a category.
    fn of(&self, category: Category) -> impl Iterator<Item = &Requirement> {
        self.missing
            .iter()
            .copied()
            .filter(move |r| r.category == category)
    }

    /// The missing requirements of a category, and those only a platform control
    /// satisfies when `.github/fullcover.yml` asks for `scanner` in that category too.
    fn wanted(&self, category: Category, scanner: &str) -> Vec<&Requirement> {
        let mut wanted: Vec<&Requirement> = self.of(category).collect();
        if self
            .config
            .scanners
            .get(category.as_str())
            .map(String::as_str)
            == Some(scanner)
        {
            wanted.extend(
                self.platform_only
                    .iter()
                    .copied()
                    .filter(|r| r.category == category),
            );
        }
        wanted
    }

    /// A template context with `upload_sarif` and the given entries.
    fn common(&self, extra: Value) -> Value {
        let mut context = json!({ "upload_sarif": self.code_scanning });
        if let (Some(map), Value::Object(more)) = (context.as_object_mut(), extra) {
            map.extend(more);
        }
        context
    }
}

/// Whether a repository path can sit in a generated workflow: GitHub evaluates `${{` as
/// an expression in any workflow value, matrices included, so such a path is left out.
fn workflow_safe(path: &str) -> bool {
    !path.contains("${{")
}

/// The warning for a path `workflow_safe` refuses.
fn refused(path: &str, scanner: &str) -> Warning {
    Warning::at(
        path,
        format!(
            "not scanned by {scanner}: the path holds `${{{{`, which GitHub Actions would evaluate as an expression in the workflow; rename it to scan it"
        ),
    )
}

/// A requirement no scanner the plan adds covers, with the reason `rules/policy.toml`
/// gives for it (`person_only`).
fn person_only(rules: &RuleSet, requirement: &Requirement) -> ManualStep {
    let action = rules
        .policy
        .person_only_reason(&requirement.id)
        .map_or_else(
            || {
                format!(
                    "no scanner Fullcover configures covers {}; add one by hand",
                    requirement.id
                )
            },
            str::to_owned,
        );
    ManualStep {
        requirement: requirement.id.clone(),
        action,
    }
}

fn addition(
    rules: &RuleSet,
    scanner: &str,
    context: Value,
    satisfies: Vec<String>,
    reason: &str,
    customise: &str,
) -> Addition {
    let name = rules.scanners.index_of(scanner).map_or_else(
        || scanner.to_owned(),
        |i| rules.scanners.scanners[i].name.clone(),
    );
    Addition {
        scanner: scanner.to_owned(),
        name,
        template: format!("workflows/{scanner}"),
        path: format!(".github/workflows/fullcover-{scanner}.yml"),
        context,
        satisfies,
        reason: reason.to_owned(),
        customise: customise.to_owned(),
        results: String::new(),
        scope: None,
    }
}
