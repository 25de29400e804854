//! SAST: CodeQL where code scanning is available, Semgrep for the rest. Never an
//! advanced CodeQL workflow beside code scanning default setup: GitHub refuses its SARIF
//! ("CodeQL analyses from advanced configurations cannot be processed when the default
//! setup is enabled"), so the languages default setup leaves out go to Semgrep (which
//! uploads under its own tool name) or to a person.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use super::{Choices, Context, ManualStep, addition};
use crate::platform::Control;
use crate::rules::schema::Category;

pub(super) fn choose(context: &Context<'_>, choices: &mut Choices) {
    let covers_language = |scanner: &str, language: &str| {
        context.rules.scanners.index_of(scanner).is_some_and(|i| {
            context.rules.scanners.scanners[i]
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
    let mut specific: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let default_setup = context.platform.enabled(Control::CodeqlDefaultSetup);
    let codeql_chosen = context.config.scanners.get("sast").map(String::as_str) == Some("codeql");
    let mut beside_default_setup: Vec<String> = Vec::new();
    for requirement in context.of(Category::Sast) {
        let language = requirement.subject.as_str();
        let codeql_language = context.onboarding.sast.codeql_languages.get(language);
        if default_setup && codeql_language.is_some() {
            if codeql_chosen || !covers_language(&context.onboarding.sast.fallback, language) {
                choices.manual.push(ManualStep {
                    requirement: requirement.id.clone(),
                    action: format!(
                        "code scanning default setup is on and does not analyse {language}: enable {language} in default setup (Settings, Code security); an advanced CodeQL workflow beside it would be refused"
                    ),
                });
            } else {
                beside_default_setup.push(language.to_owned());
                semgrep.push(requirement.id.clone());
            }
            continue;
        }
        match codeql_language {
            Some(id) if context.code_scanning && context.codeql_wanted => {
                if context
                    .onboarding
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
            _ if covers_language(&context.onboarding.sast.fallback, language) => {
                semgrep.push(requirement.id.clone())
            }
            _ if let Some(chosen) = context.onboarding.sast.languages.get(language)
                && language_context(context, &chosen.scanner).is_some() =>
            {
                specific
                    .entry(chosen.scanner.as_str())
                    .or_default()
                    .push(requirement.id.clone());
            }
            _ => choices
                .manual
                .push(super::person_only(context.rules, requirement)),
        }
    }
    if !codeql.is_empty() {
        let matrix: Vec<Value> = codeql
            .keys()
            .map(|id| {
                let build_mode = if context.onboarding.sast.codeql_autobuild.contains(id)
                    || needs_build.contains(id)
                {
                    "autobuild"
                } else {
                    "none"
                };
                json!({ "language": id, "build_mode": build_mode, "runs_on": "ubuntu-latest" })
            })
            .collect();
        choices.additions.push(addition(
            context.rules,
            &context.onboarding.sast.default,
            context.common(json!({ "matrix": matrix })),
            codeql.into_values().flatten().collect(),
            &context.onboarding.sast.default_reason,
            "Languages are in the `matrix`; remove a line to stop analysing a language.",
        ));
    }
    for (scanner, satisfies) in specific {
        let Some(extra) = language_context(context, scanner) else {
            continue;
        };
        let reasons: BTreeSet<&str> = (context.onboarding.sast.languages.values())
            .filter(|l| l.scanner == scanner)
            .map(|l| l.reason.as_str())
            .collect();
        let reason = reasons.into_iter().collect::<Vec<_>>().join("; ");
        choices.additions.push(addition(
            context.rules,
            scanner,
            context.common(extra),
            satisfies,
            &reason,
            customise(scanner),
        ));
    }
    if !semgrep.is_empty() {
        let reason = if !beside_default_setup.is_empty() {
            format!(
                "{}; code scanning default setup is on, and GitHub refuses an advanced CodeQL workflow beside it, so {} {} analysed by Semgrep (or enable {} in default setup and drop this workflow)",
                context.onboarding.sast.fallback_reason,
                beside_default_setup.join(", "),
                if beside_default_setup.len() == 1 {
                    "is"
                } else {
                    "are"
                },
                if beside_default_setup.len() == 1 {
                    "it"
                } else {
                    "them"
                },
            )
        } else if !context.codeql_wanted {
            format!(
                "{}; chosen in {}",
                context.onboarding.sast.fallback_reason,
                crate::config::PATH
            )
        } else if context.code_scanning {
            format!(
                "{}; CodeQL does not analyse these languages",
                context.onboarding.sast.fallback_reason
            )
        } else {
            format!(
                "{}; CodeQL needs code scanning, which private repositories get only with GitHub Advanced Security",
                context.onboarding.sast.fallback_reason
            )
        };
        choices.additions.push(addition(
            context.rules,
            &context.onboarding.sast.fallback,
            context.common(json!({ "image": context.onboarding.sast.semgrep_image, "configs": context.onboarding.sast.semgrep_configs })),
            semgrep,
            &reason,
            "Rule sets are the `--config` arguments; add `.semgrepignore` to skip paths.",
        ));
    }
}

/// The template context of a language-specific scanner, or `None` when it cannot run
/// here (Sobelow needs a Mix project).
fn language_context(context: &Context<'_>, scanner: &str) -> Option<Value> {
    let sast = &context.onboarding.sast;
    match scanner {
        "psscriptanalyzer" => Some(json!({ "rules": sast.psscriptanalyzer_rules })),
        "sobelow" => {
            let roots: BTreeSet<&str> = (context.inventory.ecosystems.iter())
                .filter(|e| e.id == "mix")
                .flat_map(|e| &e.manifests)
                .filter_map(|path| match path.rsplit_once('/') {
                    Some((dir, "mix.exs")) => Some(dir),
                    None if path == "mix.exs" => Some("."),
                    _ => None,
                })
                .collect();
            (!roots.is_empty()).then(|| {
                json!({
                    "roots": roots,
                    "sobelow_version": sast.sobelow_version,
                    "otp_version": sast.sobelow_otp_version,
                    "elixir_version": sast.sobelow_elixir_version,
                })
            })
        }
        _ => None,
    }
}

fn customise(scanner: &str) -> &'static str {
    match scanner {
        "psscriptanalyzer" => {
            "Rules are in `includeRule`; add a `PSScriptAnalyzerSettings.psd1` to suppress findings."
        }
        "sobelow" => {
            "Projects are in the `matrix`; skip findings with `.sobelow-conf` or `--skip` in a project."
        }
        _ => "",
    }
}
