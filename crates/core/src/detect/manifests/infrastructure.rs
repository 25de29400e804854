//! Direct dependencies of Dockerfiles, compose files, GitHub Actions workflows, Terraform, Helm charts, Ansible Galaxy requirements and `.gitmodules`: what infrastructure depends on.

use std::collections::HashSet;

use serde_json::Value;

use super::Names;
use crate::formats::{ParseError, array_items, parse_yaml};

pub(super) fn chart_yaml(text: &str) -> Result<usize, ParseError> {
    let doc = parse_yaml(text)?;
    Ok(array_items(&doc, "/dependencies").count())
}

pub(super) fn compose_file(text: &str) -> Result<usize, ParseError> {
    let doc = parse_yaml(text)?;
    let images: Names = doc
        .get("services")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|services| services.values())
        .filter_map(|service| service.get("image").and_then(Value::as_str))
        .map(str::to_owned)
        .collect();
    Ok(images.len())
}

pub(super) fn workflow(text: &str) -> Result<usize, ParseError> {
    let doc = parse_yaml(text)?;
    let jobs = doc
        .get("jobs")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|jobs| jobs.values());
    let job_uses = jobs.clone().filter_map(|job| job.get("uses"));
    // Composite actions (`action.yml`) keep their steps under `runs`.
    let steps = jobs
        .flat_map(|job| array_items(job, "/steps"))
        .chain(array_items(&doc, "/runs/steps"));
    let uses: Names = job_uses
        .chain(steps.filter_map(|step| step.get("uses")))
        .filter_map(Value::as_str)
        .map(str::trim)
        .filter(|target| !target.is_empty() && !target.starts_with("./"))
        .map(str::to_owned)
        .collect();
    Ok(uses.len())
}

/// Identity of an Ansible Galaxy role or collection entry.
pub(super) fn galaxy_key(entry: &Value) -> Option<String> {
    match entry {
        Value::String(name) => Some(name.trim().to_owned()),
        Value::Object(map) => ["name", "src", "source"]
            .iter()
            .find_map(|key| map.get(*key).and_then(Value::as_str))
            .map(str::to_owned),
        _ => None,
    }
}

pub(super) fn ansible_requirements(text: &str) -> Result<usize, ParseError> {
    let doc = parse_yaml(text)?;
    let mut names = Names::new();
    let sections: &[&str] = if doc.is_array() {
        &[""]
    } else {
        &["roles", "collections"]
    };
    for section in sections {
        let pointer = if section.is_empty() {
            String::new()
        } else {
            format!("/{section}")
        };
        for (index, entry) in array_items(&doc, &pointer).enumerate() {
            let key = galaxy_key(entry).unwrap_or_else(|| format!("#{index}"));
            names.insert(format!("{section}:{key}"));
        }
    }
    Ok(names.len())
}

/// The escape character from a leading `# escape=` parser directive (default `\`).
pub(crate) fn docker_escape(text: &str) -> char {
    for line in text.lines() {
        let Some(directive) = line.trim().strip_prefix('#') else {
            break;
        };
        let Some((key, value)) = directive.split_once('=') else {
            break;
        };
        if key.trim().eq_ignore_ascii_case("escape") {
            return value.trim().chars().next().unwrap_or('\\');
        }
    }
    '\\'
}

/// Instructions of a Dockerfile with line continuations joined and comments dropped.
pub(crate) fn docker_instructions(text: &str) -> Vec<String> {
    let escape = docker_escape(text);
    let mut instructions = Vec::new();
    let mut pending = String::new();
    for line in text.lines() {
        // Comment and blank lines do not end an instruction continued over several lines.
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        match line.trim_end().strip_suffix(escape) {
            Some(head) => {
                pending.push_str(head);
                pending.push(' ');
            }
            None => {
                pending.push_str(line);
                instructions.push(std::mem::take(&mut pending));
            }
        }
    }
    if !pending.trim().is_empty() {
        instructions.push(pending);
    }
    instructions
}

pub(super) fn dockerfile(text: &str) -> Result<usize, ParseError> {
    let mut stages = HashSet::new();
    let mut images = Names::new();
    for instruction in docker_instructions(text) {
        let mut words = instruction.split_whitespace();
        if !words.next().is_some_and(|w| w.eq_ignore_ascii_case("FROM")) {
            continue;
        }
        let mut args = words.filter(|w| !w.starts_with("--"));
        let Some(image) = args.next() else { continue };
        let lowered = image.to_ascii_lowercase();
        if lowered != "scratch" && !stages.contains(&lowered) {
            images.insert(image.to_owned());
        }
        if let (Some(keyword), Some(stage)) = (args.next(), args.next())
            && keyword.eq_ignore_ascii_case("as")
        {
            stages.insert(stage.to_ascii_lowercase());
        }
    }
    Ok(images.len())
}

/// Providers and non-local modules, from the HCL syntax tree: a local module
/// (`./modules/x`) is the repository's own code, not a dependency.
pub(super) fn terraform(text: &str) -> Result<usize, ParseError> {
    let facts = crate::detect::terraform::parse(text)
        .ok_or_else(|| ParseError::new(None, "the HCL grammar could not be loaded"))?;
    if facts.has_errors {
        return Err(ParseError::new(None, "invalid HCL: syntax errors"));
    }
    let modules = facts
        .modules
        .iter()
        .filter(|source| !source.starts_with("./") && !source.starts_with("../"))
        .count();
    Ok(facts.providers.len() + modules)
}

pub(super) fn git_modules(text: &str) -> Result<usize, ParseError> {
    let sections: Names = text
        .lines()
        .map(str::trim)
        .filter(|line| line.starts_with("[submodule") && line.ends_with(']'))
        .map(str::to_owned)
        .collect();
    Ok(sections.len())
}
