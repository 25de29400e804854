//! Dependency ecosystems: which files are manifests or lockfiles of which ecosystem, the
//! directories they sit in (as Dependabot names them), and their direct dependencies.

use super::manifests::count_direct_dependencies;
use super::structured::FileContent;
use crate::rules::ManifestFormat;
use crate::rules::RuleSet;
use crate::rules::compiled::ecosystems::DependencyFileRole;
use crate::rules::compiled::globs::Candidate;
use crate::snapshot::{Snapshot, Warning};

/// One manifest or lockfile of one ecosystem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DependencyFile {
    pub ecosystem: usize,
    pub path: String,
    pub is_lockfile: bool,
    /// Dependabot's `directory` for this file: `/` or `/sub/dir`.
    pub directory: String,
    /// Direct dependencies declared, when the manifest format is parsed and parses.
    pub dependencies: Option<usize>,
}

/// The ecosystem roles this path plays, after the ignore list and sibling conditions.
pub fn roles(
    path: &str,
    candidate: &Candidate<'_>,
    snapshot: &Snapshot,
    rules: &RuleSet,
) -> Vec<(usize, DependencyFileRole)> {
    let ecosystems = &rules.ecosystems;
    if ecosystems.ignore.is_match_candidate(candidate) {
        return Vec::new();
    }
    let mut found = ecosystems.globs.matches(candidate);
    found.retain(|&(index, role)| {
        let ecosystem = &ecosystems.ecosystems[index];
        let (with, unless) = match role {
            DependencyFileRole::Manifest(rule) => {
                let rule = &ecosystem.manifests[rule];
                (&rule.with_sibling, &rule.unless_sibling)
            }
            DependencyFileRole::Lockfile(rule) => {
                let rule = &ecosystem.lockfiles[rule];
                (&rule.with_sibling, &rule.unless_sibling)
            }
        };
        let has_sibling = |names: &Vec<String>| {
            names
                .iter()
                .any(|name| snapshot.contains(&sibling(path, name)))
        };
        (with.is_empty() || has_sibling(with)) && !has_sibling(unless)
    });
    found.sort_by_key(|(index, role)| (*index, matches!(role, DependencyFileRole::Lockfile(_))));
    found.dedup_by_key(|(index, _)| *index);
    found
}

/// The manifest formats among these roles that need the file's content.
pub fn formats(roles: &[(usize, DependencyFileRole)], rules: &RuleSet) -> Vec<ManifestFormat> {
    roles
        .iter()
        .filter_map(|&(index, role)| match role {
            DependencyFileRole::Manifest(rule) => {
                rules.ecosystems.ecosystems[index].manifests[rule].format
            }
            DependencyFileRole::Lockfile(_) => None,
        })
        .collect()
}

/// Reads each role of one file into a [`DependencyFile`], warning about manifests that do
/// not parse.
pub fn examine(
    path: &str,
    roles: &[(usize, DependencyFileRole)],
    file: Option<&FileContent<'_>>,
    rules: &RuleSet,
    warnings: &mut Vec<Warning>,
) -> Vec<DependencyFile> {
    roles
        .iter()
        .map(|&(index, role)| {
            let ecosystem = &rules.ecosystems.ecosystems[index];
            let directory = if ecosystem.root_directory {
                "/".to_owned()
            } else {
                dependabot_directory(path)
            };
            let format = match role {
                DependencyFileRole::Manifest(rule) => ecosystem.manifests[rule].format,
                DependencyFileRole::Lockfile(_) => None,
            };
            let dependencies = format.and_then(|format| count(path, format, file, warnings));
            DependencyFile {
                ecosystem: index,
                path: path.to_owned(),
                is_lockfile: matches!(role, DependencyFileRole::Lockfile(_)),
                directory,
                dependencies,
            }
        })
        .collect()
}

fn count(
    path: &str,
    format: ManifestFormat,
    file: Option<&FileContent<'_>>,
    warnings: &mut Vec<Warning>,
) -> Option<usize> {
    let file = file?;
    let Some(text) = file.text() else {
        warnings.push(Warning::at(
            path,
            "manifest is binary or not UTF-8; dependencies not counted",
        ));
        return None;
    };
    if file.content.truncated {
        warnings.push(Warning::at(
            path,
            "manifest larger than 1 MiB; dependencies not counted",
        ));
        return None;
    }
    count_direct_dependencies(format, text)
        .map_err(|err| warnings.push(Warning::at(path, format!("cannot parse manifest: {err}"))))
        .ok()
}

/// `/` for a file at the root, `/a/b` for `a/b/file`.
pub fn dependabot_directory(path: &str) -> String {
    match path.rsplit_once('/') {
        Some((dir, _)) => format!("/{dir}"),
        None => "/".to_owned(),
    }
}

fn sibling(path: &str, name: &str) -> String {
    match path.rsplit_once('/') {
        Some((dir, _)) => format!("{dir}/{name}"),
        None => name.to_owned(),
    }
}
