//! Where a repository says its images are built: `build:` sections of compose files,
//! `target` blocks of Docker Bake files (HCL or JSON) and skaffold `build.artifacts`.
//! Every path is resolved to one relative to the repository root.

use std::collections::HashMap;

use serde_json::Value;

use super::dockerfile::substitute;

/// A build the repository defines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildDefinition {
    /// The file that says so.
    pub defined_in: String,
    /// The build context relative to the repository root (`.` for the root).
    pub context: String,
    /// The Dockerfile, relative to the repository root.
    pub dockerfile: String,
}

/// The kinds of file that define builds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Compose,
    BakeHcl,
    BakeJson,
    Skaffold,
}

/// The format of a build definition file, by its name.
pub fn format_of(path: &str) -> Option<Format> {
    let name = path.rsplit('/').next().unwrap_or(path);
    let yaml = name.ends_with(".yml") || name.ends_with(".yaml");
    match name {
        "docker-bake.hcl" | "docker-bake.override.hcl" => Some(Format::BakeHcl),
        "docker-bake.json" | "docker-bake.override.json" => Some(Format::BakeJson),
        "skaffold.yaml" | "skaffold.yml" => Some(Format::Skaffold),
        _ if yaml && (name.starts_with("compose.") || name.starts_with("docker-compose.")) => {
            Some(Format::Compose)
        }
        _ => None,
    }
}

/// Bake and skaffold files are read only for this; compose files are read as IaC anyway.
pub fn needs_content(path: &str) -> bool {
    matches!(
        format_of(path),
        Some(Format::BakeHcl | Format::BakeJson | Format::Skaffold)
    )
}

/// A build as written: context and Dockerfile relative to the defining file's folder
/// (the Dockerfile relative to the context).
struct Written<'a> {
    context: &'a str,
    dockerfile: &'a str,
}

/// The builds a definition file declares. `documents` are its parsed YAML or JSON
/// documents; `text` is used for HCL.
pub fn parse(path: &str, format: Format, documents: &[Value], text: &str) -> Vec<BuildDefinition> {
    let written: Vec<Written<'_>> = match format {
        Format::Compose => documents.iter().flat_map(compose).collect(),
        Format::BakeJson => documents.iter().flat_map(bake_json).collect(),
        Format::Skaffold => documents.iter().flat_map(skaffold).collect(),
        Format::BakeHcl => bake_hcl(text),
    };
    let folder = path.rsplit_once('/').map_or("", |(folder, _)| folder);
    let no_variables = HashMap::new();
    written
        .into_iter()
        // Remote (URL, Git) contexts are not the repository's.
        .filter(|w| !w.context.contains("://") && !w.context.starts_with("git@"))
        // `${VAR:-default}` takes its default; a variable without one is unknown here.
        // A context outside the repository names no Dockerfile of it: such an image is
        // judged by its sources like any other.
        .filter_map(|w| {
            let context = substitute(w.context, &no_variables)?;
            let dockerfile = substitute(w.dockerfile, &no_variables)?;
            Some(BuildDefinition {
                defined_in: path.to_owned(),
                context: join(folder, &context)?,
                dockerfile: join(&join_raw(folder, &context), &dockerfile)?,
            })
        })
        .collect()
}

fn compose(doc: &Value) -> Vec<Written<'_>> {
    let services = doc.get("services").and_then(Value::as_object);
    services
        .into_iter()
        .flat_map(|services| services.values())
        .filter_map(|service| match service.get("build")? {
            Value::String(context) => Some(Written {
                context,
                dockerfile: "Dockerfile",
            }),
            Value::Object(build) if !build.contains_key("dockerfile_inline") => Some(Written {
                context: build.get("context").and_then(Value::as_str).unwrap_or("."),
                dockerfile: build
                    .get("dockerfile")
                    .and_then(Value::as_str)
                    .unwrap_or("Dockerfile"),
            }),
            _ => None,
        })
        .collect()
}

fn bake_json(doc: &Value) -> Vec<Written<'_>> {
    doc.get("target")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|targets| targets.values())
        .filter(|target| target.get("dockerfile-inline").is_none())
        .map(|target| Written {
            context: target.get("context").and_then(Value::as_str).unwrap_or("."),
            dockerfile: target
                .get("dockerfile")
                .and_then(Value::as_str)
                .unwrap_or("Dockerfile"),
        })
        .collect()
}

/// Builders other than Docker that skaffold runs without a Dockerfile.
const SKAFFOLD_OTHER_BUILDERS: &[&str] = &["jib", "buildpacks", "ko", "bazel", "custom"];

fn skaffold(doc: &Value) -> Vec<Written<'_>> {
    let profiles = doc
        .get("profiles")
        .and_then(Value::as_array)
        .into_iter()
        .flatten();
    std::iter::once(doc)
        .chain(profiles)
        .filter_map(|section| section.pointer("/build/artifacts")?.as_array())
        .flatten()
        .filter(|artifact| {
            !SKAFFOLD_OTHER_BUILDERS
                .iter()
                .any(|builder| artifact.get(builder).is_some())
        })
        .map(|artifact| Written {
            context: artifact
                .get("context")
                .and_then(Value::as_str)
                .unwrap_or("."),
            dockerfile: artifact
                .pointer("/docker/dockerfile")
                .and_then(Value::as_str)
                .unwrap_or("Dockerfile"),
        })
        .collect()
}

/// `target "name" { context = "..." dockerfile = "..." }` blocks of a Bake HCL file, read
/// line by line: only literal string attributes directly inside a target block count.
fn bake_hcl(text: &str) -> Vec<Written<'_>> {
    let mut found = Vec::new();
    let mut depth = 0usize;
    let mut current: Option<(Option<&str>, Option<&str>, bool)> = None;
    for line in text.lines() {
        let code = line.trim();
        if code.starts_with('#') || code.starts_with("//") {
            continue;
        }
        if depth == 0 && code.starts_with("target") && code.ends_with('{') {
            current = Some((None, None, false));
        } else if depth == 1
            && let Some((context, dockerfile, inline)) = current.as_mut()
            && let Some((key, value)) = code.split_once('=')
        {
            let value = value.trim();
            let literal = value
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .filter(|v| !v.contains('"'));
            match (key.trim().trim_matches('"'), literal) {
                ("context", Some(v)) => *context = Some(v),
                ("dockerfile", Some(v)) => *dockerfile = Some(v),
                // A computed value or an inline Dockerfile: not a file this can follow.
                ("context" | "dockerfile", None) | ("dockerfile-inline", _) => *inline = true,
                _ => {}
            }
        }
        let opened = code.matches('{').count();
        let closed = code.matches('}').count();
        depth = (depth + opened).saturating_sub(closed);
        if depth == 0
            && let Some((context, dockerfile, inline)) = current.take()
            && !inline
        {
            found.push(Written {
                context: context.unwrap_or("."),
                dockerfile: dockerfile.unwrap_or("Dockerfile"),
            });
        }
    }
    found
}

/// `relative` joined onto `folder`, normalised; `None` when it leaves the repository or
/// is absolute (a path on someone's machine).
pub fn join(folder: &str, relative: &str) -> Option<String> {
    if relative.starts_with('/') {
        return None;
    }
    let mut parts: Vec<&str> = Vec::new();
    for part in folder.split('/').chain(relative.split('/')) {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            part => parts.push(part),
        }
    }
    Some(if parts.is_empty() {
        ".".to_owned()
    } else {
        parts.join("/")
    })
}

/// `folder/relative` unresolved, for a Dockerfile path that may climb back in.
fn join_raw(folder: &str, relative: &str) -> String {
    if folder.is_empty() {
        relative.to_owned()
    } else {
        format!("{folder}/{relative}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::{parse_json, parse_yaml, parse_yaml_documents};

    fn pairs(found: &[BuildDefinition]) -> Vec<(String, String)> {
        found
            .iter()
            .map(|d| (d.context.clone(), d.dockerfile.clone()))
            .collect()
    }

    fn owned(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect()
    }

    #[test]
    fn compose_contexts_are_relative_to_the_compose_file() {
        let doc = parse_yaml(
            "services:\n  api:\n    build:\n      context: ..\n      dockerfile: src/api/Dockerfile\n  \
             web:\n    build: ./web\n  db:\n    image: postgres:16\n  \
             env:\n    build:\n      context: ${ROOT}\n  \
             defaulted:\n    build:\n      context: .\n      dockerfile: ${API_DOCKERFILE:-./src/api/Dockerfile.prod}\n  \
             remote:\n    build: https://github.com/acme/x.git#main\n  \
             inline:\n    build:\n      dockerfile_inline: FROM alpine\n",
        )
        .unwrap();
        let found = parse("deploy/compose.yaml", Format::Compose, &[doc], "");
        assert_eq!(
            pairs(&found),
            owned(&[
                (".", "src/api/Dockerfile"),
                ("deploy/web", "deploy/web/Dockerfile"),
                ("deploy", "deploy/src/api/Dockerfile.prod"),
            ])
        );
    }

    #[test]
    fn a_context_outside_the_repository_defines_nothing() {
        let doc = parse_yaml("services:\n  a:\n    build:\n      context: ../..\n      dockerfile: app/Dockerfile\n  b:\n    build: /home/me/b\n").unwrap();
        assert!(parse("ops/compose.yml", Format::Compose, &[doc], "").is_empty());
    }

    #[test]
    fn skaffold_artifacts_and_profiles() {
        let docs = parse_yaml_documents(
            "apiVersion: skaffold/v3\nbuild:\n  artifacts:\n  - image: email\n    context: src/email\n  \
             - image: cart\n    context: src/cart/src\n    docker:\n      dockerfile: Dockerfile.debug\n  \
             - image: jvm\n    context: src/jvm\n    jib: {}\nprofiles:\n- name: ci\n  build:\n    artifacts:\n    \
             - image: root\n      docker:\n        dockerfile: build/Dockerfile\n",
        )
        .unwrap();
        let found = parse("skaffold.yaml", Format::Skaffold, &docs, "");
        assert_eq!(
            pairs(&found),
            owned(&[
                ("src/email", "src/email/Dockerfile"),
                ("src/cart/src", "src/cart/src/Dockerfile.debug"),
                (".", "build/Dockerfile"),
            ])
        );
    }

    #[test]
    fn bake_hcl_and_json_targets() {
        let hcl = "# images\ngroup \"default\" {\n  targets = [\"api\", \"web\"]\n}\n\
                   target \"api\" {\n  context = \".\"\n  dockerfile = \"services/api/Dockerfile\"\n  args = {\n    context = \"x\"\n  }\n}\n\
                   target \"web\" {\n  context = \"web\"\n}\n\
                   target \"gen\" {\n  context = \"${DIR}\"\n}\n\
                   target \"inline\" {\n  dockerfile-inline = \"FROM alpine\"\n}\n";
        let found = parse("docker-bake.hcl", Format::BakeHcl, &[], hcl);
        assert_eq!(
            pairs(&found),
            owned(&[(".", "services/api/Dockerfile"), ("web", "web/Dockerfile")])
        );
        let json = parse_json(
            r#"{"target": {"a": {"context": "a", "dockerfile": "build.Dockerfile"}, "b": {}}}"#,
        )
        .unwrap();
        let found = parse("docker-bake.json", Format::BakeJson, &[json], "");
        assert_eq!(
            pairs(&found),
            owned(&[("a", "a/build.Dockerfile"), (".", "Dockerfile")])
        );
    }

    #[test]
    fn file_names_decide_the_format() {
        assert_eq!(
            format_of("a/docker-compose.prod.yml"),
            Some(Format::Compose)
        );
        assert_eq!(format_of("docker-bake.override.hcl"), Some(Format::BakeHcl));
        assert_eq!(format_of("k8s/skaffold.yaml"), Some(Format::Skaffold));
        assert_eq!(format_of("composer.json"), None);
        assert!(needs_content("docker-bake.json") && !needs_content("compose.yaml"));
    }
}
