//! What a Dockerfile takes from its build context: the `COPY`/`ADD` sources (not those
//! copied `--from` a stage or image) and the base image of the stage it ships.

use std::collections::{BTreeSet, HashMap};

use crate::detect::manifests::docker_instructions;

/// At most this many sources are recorded per Dockerfile; more is a reason to look by hand.
pub const MAX_SOURCES: usize = 256;

/// What one Dockerfile needs from outside itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DockerfileFacts {
    /// Sources relative to the build context, normalised (`.` is the context itself).
    pub sources: BTreeSet<String>,
    /// What this reading cannot resolve: a source or `FROM` image needing an `ARG` without
    /// a known value, a `..` path, or more sources than [`MAX_SOURCES`].
    pub unresolved: BTreeSet<String>,
    /// The registry image the final stage is built on, when it is literal.
    pub base_image: Option<String>,
}

/// One build stage: its image (or the stage it starts from) and name.
struct Stage {
    image: Option<String>,
    name: Option<String>,
}

/// Reads a Dockerfile's context sources and shipped base image.
pub fn parse(text: &str) -> DockerfileFacts {
    let mut facts = DockerfileFacts::default();
    let mut args: HashMap<String, Option<String>> = HashMap::new();
    let mut stages: Vec<Stage> = Vec::new();
    for instruction in docker_instructions(text) {
        let trimmed = instruction.trim();
        let (keyword, rest) = trimmed
            .split_once(char::is_whitespace)
            .unwrap_or((trimmed, ""));
        match keyword.to_ascii_uppercase().as_str() {
            "ARG" => record_args(rest, &mut args),
            "FROM" => {
                let stage = from(rest, &args);
                if stage.image.is_none() {
                    facts.unresolved.insert(format!("FROM {}", rest.trim()));
                }
                stages.push(stage);
            }
            "COPY" | "ADD" => copy_sources(rest, &args, &mut facts),
            _ => {}
        }
    }
    facts.base_image = shipped_base(&stages);
    facts
}

/// `ARG NAME=value` declarations; a value that itself needs substitution is unknown.
fn record_args(rest: &str, args: &mut HashMap<String, Option<String>>) {
    for word in rest.split_whitespace() {
        let (name, value) = match word.split_once('=') {
            Some((name, value)) => {
                let value = value.trim_matches(['"', '\'']);
                (name, (!value.contains('$')).then(|| value.to_owned()))
            }
            None => (word, None),
        };
        // A bare `ARG NAME` inside a stage re-declares a global one and keeps its value.
        if value.is_some() || !args.contains_key(name) {
            args.insert(name.to_owned(), value);
        }
    }
}

fn from(rest: &str, args: &HashMap<String, Option<String>>) -> Stage {
    let mut words = rest.split_whitespace().filter(|w| !w.starts_with("--"));
    let image = words.next().and_then(|image| substitute(image, args));
    let name = match (words.next(), words.next()) {
        (Some(keyword), Some(name)) if keyword.eq_ignore_ascii_case("as") => {
            Some(name.to_ascii_lowercase())
        }
        _ => None,
    };
    Stage { image, name }
}

/// The registry image under the last stage, following stages built on stages.
fn shipped_base(stages: &[Stage]) -> Option<String> {
    let mut index = stages.len().checked_sub(1)?;
    // Each hop moves to an earlier stage, so this ends within `stages.len()` hops.
    for _ in 0..stages.len() {
        let image = stages[index].image.as_deref()?;
        let lowered = image.to_ascii_lowercase();
        match stages[..index]
            .iter()
            .rposition(|s| s.name.as_deref() == Some(lowered.as_str()))
        {
            Some(earlier) => index = earlier,
            None if lowered == "scratch" => return None,
            None => return Some(image.to_owned()),
        }
    }
    None
}

fn copy_sources(rest: &str, args: &HashMap<String, Option<String>>, facts: &mut DockerfileFacts) {
    let words = arguments(rest);
    if words
        .iter()
        .any(|w| w.starts_with("--from") || w.starts_with("<<"))
    {
        // From a stage, an image or a named context; or a heredoc (inline content).
        return;
    }
    let paths: Vec<&String> = words.iter().filter(|w| !w.starts_with("--")).collect();
    let Some((_, sources)) = paths.split_last() else {
        return;
    };
    for source in sources {
        if source.contains("://") || source.starts_with("git@") {
            continue;
        }
        if facts.sources.len() + facts.unresolved.len() >= MAX_SOURCES {
            facts
                .unresolved
                .insert(format!("more than {MAX_SOURCES} sources"));
            return;
        }
        match substitute(source, args).and_then(|s| normalise(&s)) {
            Some(path) => facts.sources.insert(path),
            None => facts.unresolved.insert((*source).clone()),
        };
    }
}

/// The words of an instruction: the JSON array form or whitespace-separated words.
fn arguments(rest: &str) -> Vec<String> {
    let rest = rest.trim();
    if rest.starts_with('[')
        && let Ok(items) = serde_json::from_str::<Vec<String>>(rest)
    {
        return items;
    }
    rest.split_whitespace()
        .map(|w| w.trim_matches(['"', '\'']).to_owned())
        .collect()
}

/// Replaces `$NAME`, `${NAME}` and `${NAME:-default}` with known `ARG` values; `None`
/// when a variable has no known value.
pub(crate) fn substitute(text: &str, args: &HashMap<String, Option<String>>) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let (expression, tail) = if let Some(braced) = after.strip_prefix('{') {
            let end = braced.find('}')?;
            (&braced[..end], &braced[end + 1..])
        } else {
            let end = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            (&after[..end], &after[end..])
        };
        let (name, default) = match expression.split_once(":-") {
            Some((name, default)) => (name, Some(default)),
            None => (expression, None),
        };
        let value = args.get(name).cloned().flatten();
        out.push_str(&value.or_else(|| default.map(str::to_owned))?);
        rest = tail;
    }
    out.push_str(rest);
    Some(out)
}

/// A source as a path relative to the context (`.` for the context itself); `None` for a
/// path that climbs out with `..`.
fn normalise(source: &str) -> Option<String> {
    let mut parts = Vec::new();
    for part in source.split('/') {
        match part {
            "" | "." => {}
            ".." => return None,
            part => parts.push(part),
        }
    }
    Some(if parts.is_empty() {
        ".".to_owned()
    } else {
        parts.join("/")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(items: &[&str]) -> BTreeSet<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn sources_skip_stages_flags_urls_and_heredocs() {
        let facts = parse(
            "FROM maven:3 AS build\nCOPY pom.xml ./\nCOPY --chown=app:app src/ /app/src\n\
             FROM eclipse-temurin:21-jre\nCOPY --from=build /app/target/app.jar /app.jar\n\
             ADD https://example.com/x.tgz /tmp/\nCOPY <<EOF /etc/conf\nhello\nEOF\n",
        );
        assert_eq!(facts.sources, set(&["pom.xml", "src"]));
        assert!(facts.unresolved.is_empty());
        assert_eq!(facts.base_image.as_deref(), Some("eclipse-temurin:21-jre"));
    }

    #[test]
    fn continuations_json_form_and_several_sources() {
        let facts = parse(
            "FROM node:20\nCOPY package.json \\\n     package-lock.json \\\n     ./\n\
             COPY [\"src/app\", \"./lib/\", \"/srv/\"]\n",
        );
        assert_eq!(
            facts.sources,
            set(&["package.json", "package-lock.json", "src/app", "lib"])
        );
    }

    #[test]
    fn args_with_defaults_resolve_and_unknown_ones_do_not() {
        let facts = parse(
            "ARG BASE=python:3.12-slim\nARG SERVICE\nFROM ${BASE}\nARG DIR=svc\n\
             COPY ${DIR}/requirements.txt ./\nCOPY $SERVICE/ /app\nCOPY ../shared /s\n\
             COPY ${MODE:-dist}/ /www\n",
        );
        assert_eq!(facts.sources, set(&["svc/requirements.txt", "dist"]));
        assert_eq!(facts.unresolved, set(&["$SERVICE/", "../shared"]));
        assert_eq!(facts.base_image.as_deref(), Some("python:3.12-slim"));
    }

    #[test]
    fn the_shipped_base_follows_stages_and_scratch_has_none() {
        let chained = parse("FROM golang:1.22 AS build\nFROM build AS test\nFROM test\n");
        assert_eq!(chained.base_image.as_deref(), Some("golang:1.22"));
        let scratch = parse("FROM golang:1.22 AS build\nFROM scratch\nCOPY --from=build /a /a\n");
        assert_eq!(scratch.base_image, None);
        let unknown = parse("ARG IMAGE\nFROM $IMAGE\n");
        assert_eq!(unknown.base_image, None);
        assert_eq!(unknown.unresolved, set(&["FROM $IMAGE"]));
    }

    #[test]
    fn sources_are_bounded() {
        let many: String = (0..MAX_SOURCES + 10)
            .map(|i| format!("COPY f{i} /x/\n"))
            .collect();
        let facts = parse(&format!("FROM alpine\n{many}"));
        assert!(facts.sources.len() <= MAX_SOURCES);
        assert!(facts.unresolved.iter().any(|s| s.starts_with("more than")));
    }
}
