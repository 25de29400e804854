//! Which scanner closes which gap: the choices in `rules/onboarding.toml` applied to the
//! missing requirements, with the reason for each choice recorded.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use super::{PlanSettings, Visibility};
use crate::detect::Inventory;
use crate::evaluate::{Assessment, Status};
use crate::rules::RuleSet;
use crate::rules::schema::Category;

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
}

/// Chooses scanners for every missing requirement.
pub fn choose(
    inventory: &Inventory,
    assessment: &Assessment,
    rules: &RuleSet,
    settings: &PlanSettings,
) -> Choices {
    let onboarding = &rules.onboarding;
    let code_scanning = settings.visibility == Visibility::Public || settings.advanced_security;
    let codeql_wanted = settings
        .config
        .scanners
        .get("sast")
        .is_none_or(|s| s == "codeql");
    let missing: Vec<_> = assessment
        .requirements
        .iter()
        .filter(|r| r.status == Status::Missing && !settings.config.skip.contains_key(&r.id))
        .collect();
    let of = |category: Category| missing.iter().filter(move |r| r.category == category);
    let mut choices = Choices::default();
    let common = |extra: Value| {
        let mut context = json!({ "upload_sarif": code_scanning });
        if let (Some(map), Value::Object(more)) = (context.as_object_mut(), extra) {
            map.extend(more);
        }
        context
    };
    let covers_language = |scanner: &str, language: &str| {
        rules.scanners.index_of(scanner).is_some_and(|i| {
            rules.scanners.scanners[i]
                .covers
                .sast
                .iter()
                .any(|l| l == language)
        })
    };

    // SAST: CodeQL where code scanning is available, Semgrep for the rest.
    let mut codeql: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut needs_build: BTreeSet<String> = BTreeSet::new();
    let mut semgrep: Vec<String> = Vec::new();
    for requirement in of(Category::Sast) {
        let language = requirement.subject.as_str();
        match onboarding.sast.codeql_languages.get(language) {
            Some(id) if code_scanning && codeql_wanted => {
                if onboarding
                    .sast
                    .codeql_build_languages
                    .iter()
                    .any(|l| l == language)
                {
                    needs_build.insert(id.clone());
                }
                codeql
                    .entry(id.clone())
                    .or_default()
                    .push(requirement.id.clone());
            }
            _ if covers_language(&onboarding.sast.fallback, language) => {
                semgrep.push(requirement.id.clone())
            }
            _ => choices.manual.push(ManualStep {
                requirement: requirement.id.clone(),
                action: format!(
                    "no SAST scanner Fullcover configures analyses {language}; add one by hand"
                ),
            }),
        }
    }
    if !codeql.is_empty() {
        let matrix: Vec<Value> = codeql
            .keys()
            .map(|id| {
                let build_mode =
                    if onboarding.sast.codeql_autobuild.contains(id) || needs_build.contains(id) {
                        "autobuild"
                    } else {
                        "none"
                    };
                json!({ "language": id, "build_mode": build_mode, "runs_on": "ubuntu-latest" })
            })
            .collect();
        choices.additions.push(addition(
            rules,
            &onboarding.sast.default,
            common(json!({ "matrix": matrix })),
            codeql.into_values().flatten().collect(),
            &onboarding.sast.default_reason,
            "Languages are in the `matrix`; remove a line to stop analysing a language.",
        ));
    }
    if !semgrep.is_empty() {
        let reason = if !codeql_wanted {
            format!(
                "{}; chosen in {}",
                onboarding.sast.fallback_reason,
                crate::config::PATH
            )
        } else if code_scanning {
            format!(
                "{}; CodeQL does not analyse these languages",
                onboarding.sast.fallback_reason
            )
        } else {
            format!(
                "{}; CodeQL needs code scanning, which private repositories get only with GitHub Advanced Security",
                onboarding.sast.fallback_reason
            )
        };
        choices.additions.push(addition(
            rules,
            &onboarding.sast.fallback,
            common(json!({ "image": onboarding.sast.semgrep_image, "configs": onboarding.sast.semgrep_configs })),
            semgrep,
            &reason,
            "Rule sets are the `--config` arguments; add `.semgrepignore` to skip paths.",
        ));
    }

    // Secrets.
    let secrets: Vec<String> = of(Category::Secrets).map(|r| r.id.clone()).collect();
    if !secrets.is_empty() {
        choices.additions.push(addition(
            rules,
            &onboarding.secrets.default,
            common(json!({})),
            secrets,
            &onboarding.secrets.default_reason,
            "Only verified and unknown results fail the job; see `extra_args`.",
        ));
    }

    // Dependencies: Dependabot entries, OSV-Scanner, dependency review.
    let mut osv = Vec::new();
    let mut review = Vec::new();
    let osv_rule = rules
        .scanners
        .index_of(&onboarding.sca.default)
        .map(|i| &rules.scanners.scanners[i].covers);
    let review_rule = rules
        .scanners
        .index_of(&onboarding.sca.pull_requests)
        .map(|i| &rules.scanners.scanners[i].covers);
    for requirement in of(Category::Sca) {
        let Some(ecosystem) = inventory
            .ecosystems
            .iter()
            .find(|e| e.id == requirement.subject)
        else {
            continue;
        };
        let mut covered = false;
        if ecosystem.dependabot {
            choices
                .updates
                .entries
                .entry(ecosystem.id.clone())
                .or_default()
                .extend(ecosystem.directories.iter().cloned());
            choices.updates.satisfies.push(requirement.id.clone());
            covered = true;
        }
        if let Some(covers) = osv_rule
            && covers.sca.contains(&ecosystem.id)
            && (!covers.sca_needs_lockfile.contains(&ecosystem.id)
                || !ecosystem.lockfiles.is_empty())
        {
            osv.push(requirement.id.clone());
            covered = true;
        }
        if code_scanning && review_rule.is_some_and(|c| c.sca.contains(&ecosystem.id)) {
            review.push(requirement.id.clone());
        }
        if !covered {
            choices.manual.push(ManualStep {
                requirement: requirement.id.clone(),
                action: format!(
                    "neither Dependabot nor OSV-Scanner reads {} manifests; use Renovate or the ecosystem's audit tool",
                    ecosystem.name
                ),
            });
        }
    }
    choices.updates.reason = onboarding.sca.updates_reason.clone();
    if !osv.is_empty() {
        choices.additions.push(addition(
            rules,
            &onboarding.sca.default,
            common(json!({})),
            osv,
            &onboarding.sca.default_reason,
            "Pass extra arguments in `scan-args`; ignore a finding in `osv-scanner.toml`.",
        ));
    }
    if !review.is_empty() {
        choices.additions.push(addition(
            rules,
            &onboarding.sca.pull_requests,
            common(json!({})),
            review,
            &onboarding.sca.pull_requests_reason,
            "Set `fail-on-severity` to the level that should block a merge.",
        ));
    }

    // Infrastructure as code.
    let mut frameworks = BTreeSet::new();
    let mut checkov = Vec::new();
    let mut hadolint = Vec::new();
    for requirement in of(Category::Iac) {
        let kind = requirement.subject.as_str();
        if kind == "dockerfile" {
            hadolint.push(requirement.id.clone());
        } else if let Some(framework) = onboarding.iac.checkov_frameworks.get(kind) {
            frameworks.insert(framework.clone());
            checkov.push(requirement.id.clone());
        } else {
            choices.manual.push(ManualStep {
                requirement: requirement.id.clone(),
                action: format!("no IaC scanner Fullcover configures reads {kind} without building it; review it by hand or add KICS"),
            });
        }
    }
    if !checkov.is_empty() {
        choices.additions.push(addition(
            rules,
            &onboarding.iac.default,
            common(json!({ "frameworks": frameworks })),
            checkov,
            &onboarding.iac.default_reason,
            "Frameworks are in `framework`; skip a check with `skip_check` or a `.checkov.yaml`.",
        ));
    }
    let dockerfiles: Vec<&String> = inventory
        .iac
        .iter()
        .filter(|k| k.id == "dockerfile")
        .flat_map(|k| &k.files)
        .collect();
    if !hadolint.is_empty() {
        choices.additions.push(addition(
            rules,
            &onboarding.iac.dockerfile,
            common(json!({ "dockerfiles": dockerfiles })),
            hadolint,
            &onboarding.iac.dockerfile_reason,
            "Ignore a rule in a `.hadolint.yaml`.",
        ));
    }

    // Containers.
    let container: Vec<String> = of(Category::Container).map(|r| r.id.clone()).collect();
    if !container.is_empty() {
        let images: Vec<Value> = dockerfiles
            .iter()
            .map(|path| {
                let context = path.rsplit_once('/').map_or(".", |(dir, _)| dir);
                let name: String = path
                    .chars()
                    .map(|c| {
                        if c.is_ascii_alphanumeric() {
                            c.to_ascii_lowercase()
                        } else {
                            '-'
                        }
                    })
                    .collect();
                json!({ "dockerfile": path, "context": context, "name": name.trim_matches('-') })
            })
            .collect();
        choices.additions.push(addition(
            rules,
            &onboarding.container.default,
            common(json!({ "images": images })),
            container,
            &onboarding.container.default_reason,
            "Each image is built from its Dockerfile; add `build-args` if a build needs them.",
        ));
    }

    // CI/CD.
    let cicd: Vec<String> = of(Category::Cicd).map(|r| r.id.clone()).collect();
    if !cicd.is_empty() {
        choices.additions.push(addition(
            rules,
            &onboarding.cicd.default,
            common(json!({})),
            cicd,
            &onboarding.cicd.default_reason,
            "Tune audits in a `zizmor.yml`.",
        ));
    }
    choices
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
    }
}
