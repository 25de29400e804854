//! Rules globs: how a pattern is compiled, and glob sets whose matches name their rule.

pub(crate) use globset::Candidate;
use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};

use super::Checker;

/// Compiles a rules glob: a pattern without `/` matches a file name in any directory;
/// `*` never crosses a `/`.
pub(crate) fn compile_glob(pattern: &str) -> Result<Glob, globset::Error> {
    let anchored = if pattern.contains('/') {
        pattern.to_owned()
    } else {
        format!("**/{pattern}")
    };
    GlobBuilder::new(&anchored).literal_separator(true).build()
}

/// A glob set whose matches map back to the rule that owns each glob.
#[derive(Debug)]
pub struct OwnedGlobs<T> {
    set: GlobSet,
    owners: Vec<T>,
}

impl<T: Copy> OwnedGlobs<T> {
    pub(super) fn empty() -> Self {
        Self {
            set: GlobSet::empty(),
            owners: Vec::new(),
        }
    }

    pub(super) fn build(file: &str, entries: Vec<(Glob, T)>, check: &mut Checker<'_>) -> Self {
        let mut builder = GlobSetBuilder::new();
        let mut owners = Vec::with_capacity(entries.len());
        for (glob, owner) in entries {
            builder.add(glob);
            owners.push(owner);
        }
        Self {
            set: check.glob_set(file, builder),
            owners,
        }
    }

    /// The owners of every glob that matches the path. One [`Candidate`] serves every set
    /// a path is matched against, so the path is taken apart once.
    pub fn matches(&self, path: &Candidate<'_>) -> Vec<T> {
        self.set
            .matches_candidate(path)
            .into_iter()
            .map(|index| self.owners[index])
            .collect()
    }

    pub fn is_match(&self, path: &Candidate<'_>) -> bool {
        self.set.is_match_candidate(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_without_slash_match_file_names_anywhere() {
        let glob = compile_glob("*.tf").unwrap().compile_matcher();
        assert!(glob.is_match("main.tf"));
        assert!(glob.is_match("infra/prod/main.tf"));
        let anchored = compile_glob(".github/workflows/*.yml")
            .unwrap()
            .compile_matcher();
        assert!(anchored.is_match(".github/workflows/ci.yml"));
        assert!(!anchored.is_match(".github/workflows/nested/ci.yml"));
        assert!(!anchored.is_match("sub/.github/workflows/ci.yml"));
    }
}
