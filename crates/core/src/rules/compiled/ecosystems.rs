//! Package ecosystems with their manifest and lockfile globs compiled.

use globset::{GlobSet, GlobSetBuilder};

use super::Checker;
use super::globs::OwnedGlobs;
use crate::rules::schema::EcosystemsFile;

/// What a dependency-file glob identifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DependencyFileRole {
    Manifest(usize),
    Lockfile(usize),
}

#[derive(Debug)]
pub struct EcosystemRules {
    pub ecosystems: Vec<crate::rules::schema::EcosystemRule>,
    pub ignore: GlobSet,
    /// `(ecosystem index, role)` per glob.
    pub globs: OwnedGlobs<(usize, DependencyFileRole)>,
}

impl EcosystemRules {
    pub(super) fn compile(file: &str, data: EcosystemsFile, check: &mut Checker<'_>) -> Self {
        check.unique(
            file,
            "ecosystem",
            data.ecosystem.iter().map(|e| e.id.as_str()),
        );
        let mut ignore = GlobSetBuilder::new();
        for pattern in &data.ignore {
            if let Some(glob) = check.glob(file, "ignore", pattern) {
                ignore.add(glob);
            }
        }
        let mut globs = Vec::new();
        for (index, ecosystem) in data.ecosystem.iter().enumerate() {
            if ecosystem.manifests.is_empty() && ecosystem.lockfiles.is_empty() {
                check.fail(file, format!("{}: no manifests or lockfiles", ecosystem.id));
            }
            for (rule_index, rule) in ecosystem.manifests.iter().enumerate() {
                for pattern in &rule.paths {
                    if let Some(glob) = check.glob(file, &ecosystem.id, pattern) {
                        globs.push((glob, (index, DependencyFileRole::Manifest(rule_index))));
                    }
                }
            }
            for (rule_index, rule) in ecosystem.lockfiles.iter().enumerate() {
                for pattern in &rule.paths {
                    if let Some(glob) = check.glob(file, &ecosystem.id, pattern) {
                        globs.push((glob, (index, DependencyFileRole::Lockfile(rule_index))));
                    }
                }
            }
        }
        Self {
            ignore: check.glob_set(file, ignore),
            globs: OwnedGlobs::build(file, globs, check),
            ecosystems: data.ecosystem,
        }
    }

    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.ecosystems.iter().position(|e| e.id == id)
    }
}
