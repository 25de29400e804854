//! Infrastructure as code: Checkov for the kinds it reads, KICS for some it does not,
//! Hadolint for Dockerfiles.

use std::collections::BTreeSet;

use serde_json::json;

use super::{Choices, Context, ManualStep, addition};
use crate::detect::Inventory;
use crate::rules::schema::Category;
use crate::snapshot::Warning;

pub(super) fn choose(context: &Context<'_>, choices: &mut Choices) {
    // Infrastructure as code.
    let mut frameworks = BTreeSet::new();
    let mut checkov = Vec::new();
    let mut hadolint = Vec::new();
    let mut platforms = BTreeSet::new();
    let mut kics = Vec::new();
    for requirement in context.of(Category::Iac) {
        let kind = requirement.subject.as_str();
        if kind == "dockerfile" {
            hadolint.push(requirement.id.clone());
        } else if let Some(framework) = context.onboarding.iac.checkov_frameworks.get(kind) {
            frameworks.insert(framework.clone());
            checkov.push(requirement.id.clone());
        } else if let Some(platform) = context.onboarding.iac.kics_platforms.get(kind) {
            platforms.insert(platform.clone());
            kics.push(requirement.id.clone());
        } else {
            choices
                .manual
                .push(super::person_only(context.rules, requirement));
        }
    }
    if !checkov.is_empty() {
        choices.additions.push(addition(
            context.rules,
            &context.onboarding.iac.default,
            context.common(json!({ "frameworks": frameworks })),
            checkov,
            &context.onboarding.iac.default_reason,
            "Frameworks are in `framework`; skip a check with `skip_check` or a `.checkov.yaml`.",
        ));
    }
    if !kics.is_empty() {
        choices.additions.push(addition(
            context.rules,
            &context.onboarding.iac.kics,
            context.common(json!({ "platforms": platforms })),
            kics,
            &context.onboarding.iac.kics_reason,
            "Platforms are in `platform_type`; exclude paths with `exclude_paths` or a `kics.config`.",
        ));
    }
    let dockerfiles = dockerfiles(context.inventory);
    if !hadolint.is_empty() {
        choices
            .warnings
            .extend(refused_dockerfiles(context.inventory, "Hadolint"));
    }
    if !hadolint.is_empty() && dockerfiles.is_empty() {
        choices
            .manual
            .extend(hadolint.drain(..).map(|requirement| ManualStep {
                requirement,
                action: UNSAFE_PATHS.to_owned(),
            }));
    }
    if !hadolint.is_empty() {
        choices.additions.push(addition(
            context.rules,
            &context.onboarding.iac.dockerfile,
            context.common(json!({ "dockerfiles": dockerfiles })),
            hadolint,
            &context.onboarding.iac.dockerfile_reason,
            "Ignore a rule in a `.hadolint.yaml`.",
        ));
    }
}

/// The manual step when every Dockerfile's path holds `${{`.
pub(super) const UNSAFE_PATHS: &str = "every Dockerfile's path holds `${{`, which GitHub Actions would evaluate in a workflow; rename them and run Fullcover again";

/// The Dockerfiles found, for Hadolint and for the container images built from them,
/// less those whose path no workflow can hold.
pub(super) fn dockerfiles(inventory: &Inventory) -> Vec<&String> {
    all_dockerfiles(inventory)
        .filter(|path| super::workflow_safe(path))
        .collect()
}

/// Warnings for the Dockerfiles `dockerfiles` leaves out.
pub(super) fn refused_dockerfiles(inventory: &Inventory, scanner: &str) -> Vec<Warning> {
    all_dockerfiles(inventory)
        .filter(|path| !super::workflow_safe(path))
        .map(|path| super::refused(path, scanner))
        .collect()
}

fn all_dockerfiles(inventory: &Inventory) -> impl Iterator<Item = &String> {
    inventory
        .iac
        .iter()
        .filter(|k| k.id == "dockerfile")
        .flat_map(|k| &k.files)
}
