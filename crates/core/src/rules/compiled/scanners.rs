//! Scanners with the signatures that find them compiled: actions, reusable workflows,
//! images, commands, hooks, GitLab includes, files and check-run names.

use std::collections::HashMap;

use regex::RegexSet;

use super::Checker;
use super::ecosystems::EcosystemRules;
use super::globs::{Candidate, OwnedGlobs};
use super::iac::IacRules;
use super::languages::Languages;
use crate::rules::schema::{Category, Coverage, PlatformRule, ScannerRule, ScannersFile};

/// How a scanner file signature counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScannerFileRole {
    /// The file runs the scanner (a bot's configuration).
    Enabling,
    /// The file configures the scanner but does not run it.
    Config,
}

#[derive(Debug)]
pub struct ScannerRules {
    pub scanners: Vec<ScannerRule>,
    /// GitHub's own controls (`[[platform]]`).
    pub platform: Vec<PlatformRule>,
    actions: HashMap<String, usize>,
    action_prefixes: Vec<(String, usize)>,
    reusable_workflows: HashMap<String, usize>,
    images: HashMap<String, usize>,
    commands: RegexSet,
    command_owners: Vec<usize>,
    hooks: HashMap<String, Vec<usize>>,
    gitlab_includes: Vec<(String, usize)>,
    pub files: OwnedGlobs<(usize, ScannerFileRole)>,
    /// `(scanner index, signature index)` per content-signature glob.
    pub content: OwnedGlobs<(usize, usize)>,
    /// Check-run name patterns, owned by scanner index.
    checks: OwnedGlobs<usize>,
}

pub(super) struct References<'a> {
    pub(super) languages: &'a Languages,
    pub(super) iac: &'a IacRules,
    pub(super) ecosystems: &'a EcosystemRules,
}

impl ScannerRules {
    /// The scanners whose check runs bear this name (`checks` in `scanners.toml`, globs,
    /// case-insensitive), in rules order. Which scanners count as active is decided in
    /// `metrics::active`.
    pub fn reporting(&self, check: &str) -> Vec<&ScannerRule> {
        let mut owners = self.checks.matches(&Candidate::new(check));
        owners.sort_unstable();
        owners.dedup();
        owners
            .into_iter()
            .map(|index| &self.scanners[index])
            .collect()
    }

    pub(super) fn compile(
        file: &str,
        data: ScannersFile,
        refs: &References<'_>,
        check: &mut Checker<'_>,
    ) -> Self {
        check.unique(file, "scanner", data.scanner.iter().map(|s| s.id.as_str()));
        let mut rules = Self {
            scanners: Vec::new(),
            platform: Vec::new(),
            actions: HashMap::new(),
            action_prefixes: Vec::new(),
            reusable_workflows: HashMap::new(),
            images: HashMap::new(),
            commands: RegexSet::empty(),
            command_owners: Vec::new(),
            hooks: HashMap::new(),
            gitlab_includes: Vec::new(),
            files: OwnedGlobs::empty(),
            checks: OwnedGlobs::empty(),
            content: OwnedGlobs::empty(),
        };
        let mut content_globs = Vec::new();
        let mut commands = Vec::new();
        let mut file_globs = Vec::new();
        let mut check_globs = Vec::new();
        for (index, scanner) in data.scanner.iter().enumerate() {
            for pattern in &scanner.checks {
                match globset::GlobBuilder::new(pattern)
                    .case_insensitive(true)
                    .build()
                {
                    Ok(glob) => check_globs.push((glob, index)),
                    Err(err) => check.fail(
                        file,
                        format!("{}: bad check pattern `{pattern}`: {err}", scanner.id),
                    ),
                }
            }
            check_coverage(file, &scanner.id, &scanner.covers, refs, check);
            for action in &scanner.actions {
                let action = action.to_lowercase();
                match action.strip_suffix("/*") {
                    Some(prefix) => rules.action_prefixes.push((format!("{prefix}/"), index)),
                    None => {
                        if rules.actions.insert(action.clone(), index).is_some() {
                            check.fail(file, format!("action `{action}` claimed twice"));
                        }
                    }
                }
            }
            for workflow in &scanner.reusable_workflows {
                rules
                    .reusable_workflows
                    .insert(workflow.to_lowercase(), index);
            }
            for image in &scanner.images {
                rules.images.insert(image.to_lowercase(), index);
            }
            for command in &scanner.commands {
                commands.push(command.clone());
                rules.command_owners.push(index);
            }
            for hook in &scanner.precommit_hooks {
                rules.hooks.entry(hook.clone()).or_default().push(index);
            }
            for (signature, content) in scanner.config_content.iter().enumerate() {
                if let Some(glob) = check.glob(file, &scanner.id, &content.path) {
                    content_globs.push((glob, (index, signature)));
                }
            }
            for include in &scanner.gitlab_includes {
                rules.gitlab_includes.push((include.clone(), index));
            }
            let roles = [
                (&scanner.enabling_files, ScannerFileRole::Enabling),
                (&scanner.config_files, ScannerFileRole::Config),
            ];
            for (patterns, role) in roles {
                for pattern in patterns {
                    if let Some(glob) = check.glob(file, &scanner.id, pattern) {
                        file_globs.push((glob, (index, role)));
                    }
                }
            }
        }
        rules.commands = check.regex_set(file, "commands", &commands);
        rules.files = OwnedGlobs::build(file, file_globs, check);
        rules.content = OwnedGlobs::build(file, content_globs, check);
        rules.checks = OwnedGlobs::build(file, check_globs, check);
        check_platform(file, &data, refs, check);
        rules.scanners = data.scanner;
        rules.platform = data.platform;
        rules
    }

    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.scanners.iter().position(|s| s.id == id)
    }

    /// The scanner behind a step's `uses:` value (`owner/repo[/path]@ref`).
    pub fn by_action(&self, uses: &str) -> Option<usize> {
        let name = uses.split('@').next().unwrap_or(uses).to_lowercase();
        self.actions.get(&name).copied().or_else(|| {
            self.action_prefixes
                .iter()
                .find(|(prefix, _)| name.starts_with(prefix.as_str()))
                .map(|&(_, index)| index)
        })
    }

    /// The scanner behind a job-level `uses:` of a reusable workflow.
    pub fn by_reusable_workflow(&self, uses: &str) -> Option<usize> {
        let name = uses.split('@').next().unwrap_or(uses).to_lowercase();
        self.reusable_workflows.get(&name).copied()
    }

    /// The scanner behind a container image reference (`registry/name:tag`).
    pub fn by_image(&self, image: &str) -> Option<usize> {
        let image = image.trim_start_matches("docker://").to_lowercase();
        let name = image.split(['@']).next().unwrap_or(&image);
        let name = match name.rsplit_once(':') {
            Some((before, tag)) if !tag.contains('/') => before,
            _ => name,
        };
        let name = name.strip_prefix("docker.io/").unwrap_or(name);
        self.images.get(name).copied()
    }

    /// Scanners whose command patterns match a script line.
    pub fn by_command(&self, line: &str) -> Vec<usize> {
        let mut found: Vec<usize> = self
            .commands
            .matches(line)
            .into_iter()
            .map(|index| self.command_owners[index])
            .collect();
        found.dedup();
        found
    }

    pub fn by_hook(&self, hook: &str) -> &[usize] {
        self.hooks.get(hook).map_or(&[], Vec::as_slice)
    }

    /// The scanner behind a GitLab `include:` template or component.
    pub fn by_gitlab_include(&self, include: &str) -> Option<usize> {
        self.gitlab_includes
            .iter()
            .find(|(name, _)| {
                include
                    .strip_prefix(name.as_str())
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with(['/', '@']))
            })
            .map(|&(_, index)| index)
    }
}

/// Every platform control is one Fullcover reads, once, under an id no scanner uses, and
/// covers only what exists.
fn check_platform(file: &str, data: &ScannersFile, refs: &References<'_>, check: &mut Checker<'_>) {
    check.unique(
        file,
        "platform",
        data.platform.iter().map(|p| p.id.as_str()),
    );
    for platform in &data.platform {
        let owner = &platform.id;
        if crate::platform::Control::from_id(owner).is_none() {
            check.fail(
                file,
                format!("platform `{owner}`: Fullcover cannot read this control"),
            );
        }
        if data.scanner.iter().any(|s| &s.id == owner) {
            check.fail(
                file,
                format!("platform `{owner}`: a scanner has the same id"),
            );
        }
        if !platform.covers.sast.is_empty() {
            check.fail(
                file,
                format!("{owner}: a platform control covers `sast` through `languages`"),
            );
        }
        if !platform.languages.is_empty() && platform.category != Category::Sast {
            check.fail(file, format!("{owner}: `languages` needs category `sast`"));
        }
        if let Some(language) = &platform.cicd_language
            && !platform.languages.contains_key(language)
        {
            check.fail(
                file,
                format!("{owner}: cicd_language `{language}` is not in `languages`"),
            );
        }
        for names in platform.languages.values() {
            for name in names {
                if refs.languages.by_name(name).is_none() {
                    check.fail(file, format!("{owner}: covers unknown language `{name}`"));
                }
            }
        }
        check_coverage(file, owner, &platform.covers, refs, check);
    }
    for control in crate::platform::Control::ALL {
        if !data.platform.iter().any(|p| p.id == control.id()) {
            check.fail(
                file,
                format!(
                    "platform `{}`: no `[[platform]]` says what it covers",
                    control.id()
                ),
            );
        }
    }
}

fn check_coverage(
    file: &str,
    owner: &str,
    coverage: &Coverage,
    refs: &References<'_>,
    check: &mut Checker<'_>,
) {
    for language in &coverage.sast {
        if refs.languages.by_name(language).is_none() {
            check.fail(
                file,
                format!("{owner}: covers unknown language `{language}`"),
            );
        }
    }
    for ecosystem in &coverage.sca {
        if ecosystem != "*" && refs.ecosystems.index_of(ecosystem).is_none() {
            check.fail(
                file,
                format!("{owner}: covers unknown ecosystem `{ecosystem}`"),
            );
        }
    }
    for kind in &coverage.iac {
        if refs.iac.index_of(kind).is_none() {
            check.fail(file, format!("{owner}: covers unknown IaC kind `{kind}`"));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::RuleSet;

    #[test]
    fn check_runs_name_their_scanner() {
        let rules = RuleSet::embedded().unwrap();
        let owner = |check: &str| {
            rules
                .scanners
                .reporting(check)
                .iter()
                .map(|scanner| scanner.name.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(owner("Analyze (python)"), ["CodeQL"]);
        assert_eq!(owner("Checkov"), ["Checkov"]);
        assert_eq!(owner("zizmor"), ["zizmor"]);
        assert_eq!(owner("Scan"), ["OSV-Scanner"]);
        assert!(owner("build").is_empty());
    }
}
