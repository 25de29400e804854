//! Secrets: the scanner that finds committed credentials.

use serde_json::json;

use super::{Choices, Context, addition};
use crate::rules::schema::Category;

pub(super) fn choose(context: &Context<'_>, choices: &mut Choices) {
    // Secrets.
    let secrets: Vec<String> = context
        .of(Category::Secrets)
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
