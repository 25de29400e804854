//! Container images and the context each is built from. The context is the one the
//! repository declares (compose, Bake, skaffold), else the nearest folder above the
//! Dockerfile that holds every `COPY`/`ADD` source. An image whose sources are not all in
//! the repository (build outputs such as `target/*.jar`) cannot be built from it alone.

pub mod definitions;
pub mod dockerfile;

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Bound;

use globset::GlobBuilder;

pub use self::definitions::BuildDefinition;
pub use self::dockerfile::DockerfileFacts;

/// At most this many listed paths are tried against one glob source: a bound on what a
/// repository can make detection do.
const GLOB_CANDIDATES: usize = 100_000;

/// One image a Dockerfile builds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageFound {
    pub dockerfile: String,
    pub build: ImageBuild,
    /// The registry image the shipped stage is built on, when it is literal.
    pub base_image: Option<String>,
}

/// How the image is built, or why it cannot be from the repository alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImageBuild {
    Buildable {
        /// Relative to the repository root, `.` for the root.
        context: String,
        /// Where the context comes from: the defining file, or `COPY sources`.
        origin: String,
    },
    Unbuildable {
        reason: String,
    },
}

impl ImageFound {
    pub fn context(&self) -> Option<&str> {
        match &self.build {
            ImageBuild::Buildable { context, .. } => Some(context),
            ImageBuild::Unbuildable { .. } => None,
        }
    }
}

/// Every file and folder of the repository, relative to its root.
struct Tree {
    entries: BTreeSet<String>,
}

impl Tree {
    fn new<'a>(files: impl Iterator<Item = &'a str>) -> Self {
        let mut entries = BTreeSet::new();
        for file in files {
            let mut at = 0;
            while let Some(slash) = file[at..].find('/') {
                entries.insert(file[..at + slash].to_owned());
                at += slash + 1;
            }
            entries.insert(file.to_owned());
        }
        Self { entries }
    }

    /// Whether `source` (relative to `context`) names something in the tree; `None` when
    /// a glob has too many candidates to try.
    fn has(&self, context: &str, source: &str) -> Option<bool> {
        let path = match (context, source) {
            (_, ".") => return Some(true),
            (".", source) => source.to_owned(),
            (context, source) => format!("{context}/{source}"),
        };
        let Some(glob_at) = path.find(['*', '?', '[']) else {
            return Some(self.entries.contains(&path));
        };
        let prefix = &path[..path[..glob_at].rfind('/').map_or(0, |slash| slash + 1)];
        let Ok(glob) = GlobBuilder::new(&path).literal_separator(true).build() else {
            return Some(false);
        };
        let matcher = glob.compile_matcher();
        let candidates = self
            .entries
            .range::<str, _>((Bound::Included(prefix), Bound::Unbounded))
            .take_while(|entry| entry.starts_with(prefix));
        for (tried, entry) in candidates.enumerate() {
            if tried >= GLOB_CANDIDATES {
                return None;
            }
            if matcher.is_match(entry) {
                return Some(true);
            }
        }
        Some(false)
    }

    /// The sources missing from `context`, or `None` when that cannot be told.
    fn missing<'s>(&self, context: &str, sources: &'s BTreeSet<String>) -> Option<Vec<&'s str>> {
        let mut missing = Vec::new();
        for source in sources {
            if !self.has(context, source)? {
                missing.push(source.as_str());
            }
        }
        Some(missing)
    }
}

/// The folders from `dir` up to the root (`.`).
fn ancestors(dir: &str) -> impl Iterator<Item = &str> {
    let mut next = Some(dir);
    std::iter::from_fn(move || {
        let current = next?;
        next = match current.rsplit_once('/') {
            Some((parent, _)) => Some(parent),
            None if current == "." || current.is_empty() => None,
            None => Some("."),
        };
        Some(if current.is_empty() { "." } else { current })
    })
}

/// Up to three items as inline code; backticks and control characters in them are
/// replaced, so repository text cannot close the code span.
fn quoted(items: &[&str]) -> String {
    items
        .iter()
        .take(3)
        .map(|item| {
            let safe: String = item
                .chars()
                .take(200)
                .map(|c| if c.is_control() || c == '`' { '?' } else { c })
                .collect();
            format!("`{safe}`")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Decides how each Dockerfile is built, from its facts, the builds the repository
/// defines, and the listing of the repository's files.
pub fn resolve<'a>(
    dockerfiles: BTreeMap<String, DockerfileFacts>,
    definitions: &[BuildDefinition],
    files: impl Iterator<Item = &'a str>,
) -> Vec<ImageFound> {
    let tree = Tree::new(files);
    dockerfiles
        .into_iter()
        .map(|(path, facts)| {
            let declared = definitions.iter().find(|d| d.dockerfile == path);
            let build = match declared {
                Some(definition) => declared_build(&tree, &facts, definition),
                None => inferred_build(&tree, &path, &facts),
            };
            ImageFound {
                dockerfile: path,
                build,
                base_image: facts.base_image,
            }
        })
        .collect()
}

fn declared_build(
    tree: &Tree,
    facts: &DockerfileFacts,
    definition: &BuildDefinition,
) -> ImageBuild {
    let context = &definition.context;
    // The workflow passes no build arguments, so what needs one does not build there.
    if let Some(reason) = needs_arguments(facts) {
        return reason;
    }
    match tree.missing(context, &facts.sources) {
        Some(missing) if !missing.is_empty() => ImageBuild::Unbuildable {
            reason: format!(
                "it copies {} from {}, not in the repository (a build output?)",
                quoted(&missing),
                quoted(&[context.as_str()])
            ),
        },
        _ => ImageBuild::Buildable {
            context: context.clone(),
            origin: definition.defined_in.clone(),
        },
    }
}

/// Unbuildable when something the Dockerfile copies or builds on cannot be resolved.
fn needs_arguments(facts: &DockerfileFacts) -> Option<ImageBuild> {
    if facts.unresolved.is_empty() {
        return None;
    }
    let unresolved: Vec<&str> = facts.unresolved.iter().map(String::as_str).collect();
    Some(ImageBuild::Unbuildable {
        reason: format!(
            "it uses {}, which cannot be resolved without build arguments",
            quoted(&unresolved)
        ),
    })
}

fn inferred_build(tree: &Tree, path: &str, facts: &DockerfileFacts) -> ImageBuild {
    if let Some(reason) = needs_arguments(facts) {
        return reason;
    }
    let folder = path.rsplit_once('/').map_or(".", |(folder, _)| folder);
    // The folder missing the fewest sources names what is really absent.
    let mut fewest_missing: Option<Vec<&str>> = None;
    for context in ancestors(folder) {
        match tree.missing(context, &facts.sources) {
            Some(missing) if missing.is_empty() => {
                let origin = if facts.sources.is_empty() {
                    "the Dockerfile's folder (it copies nothing)"
                } else {
                    "the nearest folder holding every COPY source"
                };
                return ImageBuild::Buildable {
                    context: context.to_owned(),
                    origin: origin.to_owned(),
                };
            }
            Some(missing) => {
                if fewest_missing
                    .as_ref()
                    .is_none_or(|fewest| missing.len() < fewest.len())
                {
                    fewest_missing = Some(missing);
                }
            }
            None => {
                return ImageBuild::Unbuildable {
                    reason: "its COPY globs match too many files to check".to_owned(),
                };
            }
        }
    }
    let missing = fewest_missing.unwrap_or_default();
    ImageBuild::Unbuildable {
        reason: format!(
            "it copies {}, found in no folder above it (a build output, not in the repository?)",
            quoted(&missing)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(text: &str) -> DockerfileFacts {
        dockerfile::parse(text)
    }

    fn one(path: &str, text: &str, definitions: &[BuildDefinition], files: &[&str]) -> ImageFound {
        let dockerfiles = BTreeMap::from([(path.to_owned(), facts(text))]);
        resolve(dockerfiles, definitions, files.iter().copied())
            .pop()
            .unwrap()
    }

    #[test]
    fn the_nearest_folder_holding_every_source_is_the_context() {
        let files = [
            "go.mod",
            "go.sum",
            "src/api/Dockerfile",
            "src/api/main.go",
            "src/web/Dockerfile",
            "src/web/package.json",
        ];
        let root = one(
            "src/api/Dockerfile",
            "FROM golang:1.22\nCOPY go.mod go.sum ./\nCOPY src/api/ ./\n",
            &[],
            &files,
        );
        assert_eq!(root.context(), Some("."));
        let own = one(
            "src/web/Dockerfile",
            "FROM node:20\nCOPY package*.json ./\n",
            &[],
            &files,
        );
        assert_eq!(own.context(), Some("src/web"));
    }

    #[test]
    fn build_outputs_make_an_image_unbuildable() {
        let image = one(
            "Dockerfile",
            "FROM eclipse-temurin:21-jre\nCOPY target/*.jar app.jar\n",
            &[],
            &["Dockerfile", "pom.xml", "src/main/java/App.java"],
        );
        let ImageBuild::Unbuildable { reason } = &image.build else {
            panic!("{image:?}");
        };
        assert!(reason.contains("target/*.jar"), "{reason}");
        let partly = one(
            "svc/Dockerfile",
            "FROM alpine\nCOPY pom.xml svc/target/app.jar /\n",
            &[],
            &["svc/Dockerfile", "pom.xml"],
        );
        let ImageBuild::Unbuildable { reason } = &partly.build else {
            panic!("{partly:?}");
        };
        // `pom.xml` is at the root, where only the jar is missing.
        assert!(
            !reason.contains("pom.xml") && reason.contains("svc/target/app.jar"),
            "{reason}"
        );
        assert_eq!(image.base_image.as_deref(), Some("eclipse-temurin:21-jre"));
    }

    #[test]
    fn unresolved_arguments_are_not_guessed() {
        let image = one(
            "a/Dockerfile",
            "FROM alpine\nARG APP\nCOPY $APP /app\n",
            &[],
            &["a/Dockerfile"],
        );
        assert!(image.context().is_none());
    }

    #[test]
    fn a_declared_context_wins_over_the_inferred_one() {
        let definition = BuildDefinition {
            defined_in: "compose.yaml".to_owned(),
            context: ".".to_owned(),
            dockerfile: "src/x/Dockerfile".to_owned(),
        };
        let files = ["src/x/Dockerfile", "src/x/app.py", "app.py"];
        let image = one(
            "src/x/Dockerfile",
            "FROM python\nCOPY app.py /\n",
            &[definition],
            &files,
        );
        assert_eq!(
            image.build,
            ImageBuild::Buildable {
                context: ".".to_owned(),
                origin: "compose.yaml".to_owned()
            }
        );
    }

    #[test]
    fn a_declared_build_needing_arguments_is_unbuildable() {
        let definition = BuildDefinition {
            defined_in: "docker-bake.hcl".to_owned(),
            context: ".".to_owned(),
            dockerfile: "Dockerfile".to_owned(),
        };
        let image = one(
            "Dockerfile",
            "ARG NODE\nFROM node:${NODE}\nCOPY . .\n",
            &[definition],
            &["Dockerfile"],
        );
        let ImageBuild::Unbuildable { reason } = &image.build else {
            panic!("{image:?}");
        };
        assert!(reason.contains("`FROM node:${NODE}`"), "{reason}");
    }

    #[test]
    fn a_declared_context_missing_sources_is_unbuildable() {
        let definition = BuildDefinition {
            defined_in: "compose.yaml".to_owned(),
            context: "svc".to_owned(),
            dockerfile: "svc/Dockerfile".to_owned(),
        };
        let image = one(
            "svc/Dockerfile",
            "FROM openjdk\nCOPY build/libs/app.jar /\n",
            &[definition],
            &["svc/Dockerfile", "svc/build.gradle"],
        );
        assert!(image.context().is_none());
    }

    #[test]
    fn ancestors_end_at_the_root() {
        assert_eq!(ancestors("a/b").collect::<Vec<_>>(), ["a/b", "a", "."]);
        assert_eq!(ancestors(".").collect::<Vec<_>>(), ["."]);
    }
}
