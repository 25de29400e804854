//! Containers: the image scanner, one image per Dockerfile.

use serde_json::{Value, json};

use super::{Choices, Context, ManualStep, addition};
use crate::rules::schema::Category;

pub(super) fn choose(context: &Context<'_>, choices: &mut Choices) {
    // Containers.
    let container: Vec<String> = context
        .of(Category::Container)
        .map(|r| r.id.clone())
        .collect();
    if !container.is_empty() {
        let dockerfiles = super::iac::dockerfiles(context.inventory);
        choices
            .warnings
            .extend(super::iac::refused_dockerfiles(context.inventory, "Trivy"));
        if dockerfiles.is_empty() {
            choices
                .manual
                .extend(container.into_iter().map(|requirement| ManualStep {
                    requirement,
                    action: super::iac::UNSAFE_PATHS.to_owned(),
                }));
            return;
        }
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
            context.rules,
            &context.onboarding.container.default,
            context.common(json!({ "images": images })),
            container,
            &context.onboarding.container.default_reason,
            "Each image is built from its Dockerfile; add `build-args` if a build needs them.",
        ));
    }
}
