//! Secrets: the scanner that finds committed credentials.

use serde_json::json;

use super::{Choices, Context, addition};
use crate::rules::schema::Category;

pub(super) fn choose(context: &Context<'_>, choices: &mut Choices) {
    // Secrets; GitHub's secret scanning, where on, already satisfies it.
    let secrets: Vec<String> = context
        .wanted(Category::Secrets, &context.onboarding.secrets.default)
        .into_iter()
        .map(|r| r.id.clone())
        .collect();
    if !secrets.is_empty() {
        choices.additions.push(addition(
            context.rules,
            &context.onboarding.secrets.default,
            context.common(json!({})),
            secrets,
            &context.onboarding.secrets.default_reason,
            "Only verified and unknown results fail the job; see `extra_args`.",
        ));
    }
}
