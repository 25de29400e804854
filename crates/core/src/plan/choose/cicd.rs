//! CI/CD: the auditor of the workflows themselves.

use serde_json::json;

use super::{Choices, Context, addition};
use crate::rules::schema::Category;

pub(super) fn choose(context: &Context<'_>, choices: &mut Choices) {
    // CI/CD.
    let cicd: Vec<String> = context.of(Category::Cicd).map(|r| r.id.clone()).collect();
    if !cicd.is_empty() {
        choices.additions.push(addition(
            context.rules,
            &context.onboarding.cicd.default,
            context.common(json!({})),
            cicd,
            &context.onboarding.cicd.default_reason,
            "Tune audits in a `zizmor.yml`.",
        ));
    }
}
