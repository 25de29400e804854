//! Dependencies: Dependabot entries, OSV-Scanner and dependency review.

use serde_json::json;

use super::{Choices, Context, addition};
use crate::rules::schema::Category;

pub(super) fn choose(context: &Context<'_>, choices: &mut Choices) {
    // Dependencies: Dependabot entries, OSV-Scanner, dependency review.
    let mut osv = Vec::new();
    let mut review = Vec::new();
    let osv_rule = context
        .rules
        .scanners
        .index_of(&context.onboarding.sca.default)
        .map(|i| &context.rules.scanners.scanners[i].covers);
    let review_rule = context
        .rules
        .scanners
        .index_of(&context.onboarding.sca.pull_requests)
        .map(|i| &context.rules.scanners.scanners[i].covers);
    let platform_covered = |id: &str| context.platform_only.iter().any(|r| r.id == id);
    for requirement in context.wanted(Category::Sca, &context.onboarding.sca.default) {
        // Asked for beside Dependabot alerts: OSV-Scanner only, no version updates.
        let beside_platform = platform_covered(&requirement.id);
        let Some(ecosystem) = context
            .inventory
            .ecosystems
            .iter()
            .find(|e| e.id == requirement.subject)
        else {
            continue;
        };
        let mut covered = false;
        if ecosystem.dependabot && !beside_platform {
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
        if beside_platform {
            continue;
        }
        if context.code_scanning && review_rule.is_some_and(|c| c.sca.contains(&ecosystem.id)) {
            review.push(requirement.id.clone());
        }
        if !covered {
            choices
                .manual
                .push(super::person_only(context.rules, requirement));
        }
    }
    choices.updates.reason = context.onboarding.sca.updates_reason.clone();
    if !osv.is_empty() {
        choices.additions.push(addition(
            context.rules,
            &context.onboarding.sca.default,
            context.common(json!({})),
            osv,
            &context.onboarding.sca.default_reason,
            "Pass extra arguments in `scan-args`; ignore a finding in `osv-scanner.toml`.",
        ));
    }
    if !review.is_empty() {
        choices.additions.push(addition(
            context.rules,
            &context.onboarding.sca.pull_requests,
            context.common(json!({})),
            review,
            &context.onboarding.sca.pull_requests_reason,
            "Set `fail-on-severity` to the level that should block a merge.",
        ));
    }
}
