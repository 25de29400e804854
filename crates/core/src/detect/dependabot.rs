//! Which directories a `dependabot.yml` entry updates, as Dependabot reads it: `directory`
//! is one literal path; `directories` is a list whose items may be globs (`*` within one
//! path segment, `**` across segments). A glob whose part after its literal prefix is
//! wildcards only (`*`, `**`, `**/*`) also covers that prefix itself, as GitHub documents
//! `"*"` for "the root directory and directories in the root directory" and `"**/*"` for
//! "all directories from the current layer and below".

use std::collections::BTreeSet;

use globset::{GlobBuilder, GlobMatcher};
use serde_json::{Map, Value};

use super::structured::strings;

/// The directories of one ecosystem that Dependabot entries update.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DirectoryPatterns {
    /// `/`-rooted directories, compared as written.
    pub exact: BTreeSet<String>,
    /// `/`-rooted globs from `directories`.
    pub globs: BTreeSet<String>,
}

impl DirectoryPatterns {
    /// What one `updates:` item names; an item naming none updates `/`.
    pub fn of_entry(update: &Map<String, Value>) -> Self {
        let mut patterns = Self::default();
        // `directory` takes no globs: a `*` in it is part of the name.
        patterns
            .exact
            .extend(strings(update.get("directory")).into_iter().map(normalise));
        for item in strings(update.get("directories")) {
            let item = normalise(item);
            if is_glob(&item) {
                patterns.globs.insert(item);
            } else {
                patterns.exact.insert(item);
            }
        }
        if patterns.exact.is_empty() && patterns.globs.is_empty() {
            patterns.exact.insert("/".to_owned());
        }
        patterns
    }

    pub fn extend(&mut self, other: &DirectoryPatterns) {
        self.exact.extend(other.exact.iter().cloned());
        self.globs.extend(other.globs.iter().cloned());
    }

    /// Compiles the globs once, for matching many directories.
    pub fn matcher(&self) -> DirectoryMatcher<'_> {
        DirectoryMatcher {
            exact: &self.exact,
            globs: self.globs.iter().filter_map(|glob| compile(glob)).collect(),
        }
    }
}

/// [`DirectoryPatterns`] with their globs compiled.
pub struct DirectoryMatcher<'a> {
    exact: &'a BTreeSet<String>,
    globs: Vec<CompiledGlob>,
}

impl DirectoryMatcher<'_> {
    /// Whether `directory` (`/`-rooted, as detection reports it) is updated.
    pub fn covers(&self, directory: &str) -> bool {
        self.exact.contains(directory)
            || self.globs.iter().any(|glob| {
                glob.base.as_deref() == Some(directory) || glob.matcher.is_match(directory)
            })
    }
}

struct CompiledGlob {
    matcher: GlobMatcher,
    /// The literal prefix, when the rest is wildcards only and so covers it too.
    base: Option<String>,
}

fn compile(pattern: &str) -> Option<CompiledGlob> {
    let matcher = GlobBuilder::new(pattern)
        .literal_separator(true)
        .build()
        .ok()?
        .compile_matcher();
    let segments: Vec<&str> = pattern.split('/').filter(|s| !s.is_empty()).collect();
    let literal = segments
        .iter()
        .take_while(|segment| !is_glob(segment))
        .count();
    let wildcards_only = segments[literal..]
        .iter()
        .all(|segment| *segment == "*" || *segment == "**");
    let base = wildcards_only.then(|| format!("/{}", segments[..literal].join("/")));
    Some(CompiledGlob { matcher, base })
}

fn is_glob(text: &str) -> bool {
    text.contains(['*', '?', '[', '{'])
}

/// A directory as Dependabot takes it: relative to the root, with or without the leading
/// and trailing `/`.
pub fn normalise(directory: &str) -> String {
    let trimmed = directory.trim().trim_end_matches('/');
    if trimmed.is_empty() {
        "/".to_owned()
    } else if trimmed.starts_with('/') {
        trimmed.to_owned()
    } else {
        format!("/{trimmed}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn patterns(entry: &str) -> DirectoryPatterns {
        let value = crate::formats::parse_yaml(entry).unwrap();
        DirectoryPatterns::of_entry(value.as_object().unwrap())
    }

    #[test]
    fn recursive_globs_cover_their_base_and_every_level_below() {
        let p = patterns("directories: [\"/src/ad/**\"]\n");
        let m = p.matcher();
        for covered in ["/src/ad", "/src/ad/api", "/src/ad/api/v1"] {
            assert!(m.covers(covered), "{covered}");
        }
        for other in ["/src", "/src/adx", "/"] {
            assert!(!m.covers(other), "{other}");
        }
    }

    #[test]
    fn one_star_covers_one_level() {
        let p = patterns("directories: [\"/services/*\", \"/lib-*\"]\n");
        let m = p.matcher();
        assert!(m.covers("/services/a") && m.covers("/lib-core"));
        assert!(!m.covers("/services/a/b"));
        assert!(!m.covers("/"), "`/lib-*` does not cover the root");
    }

    #[test]
    fn the_documented_root_globs_cover_the_root() {
        for entry in ["directories: [\"*\"]\n", "directories: [\"**/*\"]\n"] {
            let p = patterns(entry);
            let m = p.matcher();
            assert!(m.covers("/") && m.covers("/web"), "{entry}");
        }
        assert!(!patterns("directories: [\"*\"]\n").matcher().covers("/a/b"));
        assert!(
            patterns("directories: [\"**/*\"]\n")
                .matcher()
                .covers("/a/b")
        );
    }

    #[test]
    fn a_glob_in_directory_is_a_literal_name() {
        let p = patterns("directory: \"/services/*\"\n");
        assert!(!p.matcher().covers("/services/a"));
        assert!(p.matcher().covers("/services/*"));
        assert_eq!(
            patterns("schedule: {}\n").exact,
            BTreeSet::from(["/".to_owned()])
        );
    }
}
