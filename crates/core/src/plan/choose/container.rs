//! Containers: Trivy on each image built from the context the repository builds it from.
//! An image that cannot be built from the repository alone gets a scan of its base image
//! and is left to a person: it does not count as image coverage.

use serde_json::{Value, json};

use super::{Choices, Context, ManualStep, addition};
use crate::detect::images::{ImageBuild, ImageFound};
use crate::rules::schema::Category;

/// At most this many unbuildable images are named in the pull request text.
const LISTED: usize = 10;

pub(super) fn choose(context: &Context<'_>, choices: &mut Choices) {
    let container: Vec<String> = context
        .of(Category::Container)
        .map(|r| r.id.clone())
        .collect();
    if container.is_empty() {
        return;
    }
    choices
        .warnings
        .extend(super::iac::refused_dockerfiles(context.inventory, "Trivy"));
    let mut images: Vec<Value> = Vec::new();
    let mut bases: Vec<Value> = Vec::new();
    let mut person: Vec<String> = Vec::new();
    for image in &context.inventory.images {
        let name = matrix_name(&image.dockerfile);
        match (&image.build, refusal(image)) {
            (_, Some(reason)) => person.push(format!("{}: {reason}", code(&image.dockerfile))),
            (ImageBuild::Buildable { context, .. }, None) => {
                images.push(
                    json!({ "name": name, "dockerfile": image.dockerfile, "context": context }),
                );
            }
            (ImageBuild::Unbuildable { reason }, None) => {
                let base = image
                    .base_image
                    .as_deref()
                    .filter(|b| is_plain_image_ref(b));
                if let Some(base) = base {
                    bases.push(
                        json!({ "name": name, "dockerfile": image.dockerfile, "base_image": base }),
                    );
                }
                person.push(format!("{}: {}", code(&image.dockerfile), plain(reason)));
            }
        }
    }
    let listed = listing(&person);
    if images.is_empty() {
        for requirement in &container {
            choices.manual.push(ManualStep {
                requirement: requirement.clone(),
                action: format!(
                    "no image builds from the repository alone, so none is scanned as built \
                     (base images are scanned instead); build and scan them where they are \
                     built, e.g. after the build step of the release pipeline: {listed}"
                ),
            });
        }
    }
    if images.is_empty() && bases.is_empty() {
        return;
    }
    let satisfies = if images.is_empty() {
        Vec::new()
    } else {
        container
    };
    let mut customise = if images.is_empty() {
        String::new()
    } else {
        "Each image is built with the context in its matrix entry (where the repository \
         builds it); add `--build-arg` to the build step if a build needs them. A build that \
         fails fails its job."
            .to_owned()
    };
    if !person.is_empty() {
        customise.push_str(if images.is_empty() { "" } else { " " });
        customise.push_str(&format!(
            "Not built here, only their base image scanned (not counted as image coverage; \
             scan them where they are built): {listed}"
        ));
    }
    choices.additions.push(addition(
        context.rules,
        &context.onboarding.container.default,
        context.common(json!({ "images": images, "bases": bases })),
        satisfies,
        &context.onboarding.container.default_reason,
        &customise,
    ));
}

/// Why an image's paths cannot go into a workflow matrix, where GitHub evaluates `${{`.
fn refusal(image: &ImageFound) -> Option<&'static str> {
    let risky = |text: &str| text.contains("${{") || text.chars().any(char::is_control);
    (risky(&image.dockerfile) || image.context().is_some_and(risky))
        .then_some("its path holds `${{` or a control character, which a workflow cannot carry safely; not scanned")
}

/// A registry reference made only of the characters image names, tags and digests use.
fn is_plain_image_ref(reference: &str) -> bool {
    !reference.is_empty()
        && reference.len() <= 255
        && reference
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-/:@".contains(c))
}

fn matrix_name(path: &str) -> String {
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
    name.trim_matches('-').to_owned()
}

/// Repository text as single-line Markdown: control characters and backticks replaced.
fn plain(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// A path as inline code that nothing in it can close.
fn code(path: &str) -> String {
    let safe: String = path
        .chars()
        .take(200)
        .map(|c| if c.is_control() || c == '`' { '?' } else { c })
        .collect();
    format!("`{safe}`")
}

fn listing(items: &[String]) -> String {
    let mut text = items
        .iter()
        .take(LISTED)
        .cloned()
        .collect::<Vec<_>>()
        .join("; ");
    if items.len() > LISTED {
        text.push_str(&format!("; and {} more", items.len() - LISTED));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(dockerfile: &str, context: &str) -> ImageFound {
        ImageFound {
            dockerfile: dockerfile.to_owned(),
            build: ImageBuild::Buildable {
                context: context.to_owned(),
                origin: "compose.yaml".to_owned(),
            },
            base_image: None,
        }
    }

    #[test]
    fn paths_a_workflow_would_evaluate_are_refused() {
        assert!(refusal(&image("src/${{ github.token }}/Dockerfile", ".")).is_some());
        assert!(refusal(&image("src/a/Dockerfile", "${{ secrets.X }}")).is_some());
        assert!(refusal(&image("src/a\u{85}/Dockerfile", ".")).is_some());
        assert!(refusal(&image("src/a/Dockerfile", ".")).is_none());
    }

    #[test]
    fn base_images_and_listed_paths_stay_plain() {
        assert!(is_plain_image_ref("eclipse-temurin:21-jre@sha256:0123abcd"));
        assert!(!is_plain_image_ref("alpine${{ github.token }}"));
        assert!(!is_plain_image_ref("alpine\nlatest"));
        assert_eq!(code("a`b\u{7f}c"), "`a?b?c`");
        let many: Vec<String> = (0..LISTED + 2).map(|i| i.to_string()).collect();
        assert!(listing(&many).ends_with("; and 2 more"));
    }
}
