//! The compiled form of the rules: lookup tables, glob sets and regexes built once at
//! start-up, with every match traceable to the rule that fired.

pub mod ecosystems;
pub mod globs;
pub mod heuristics;
pub mod iac;
pub mod languages;
pub mod linguist_paths;
mod onboarding;
pub mod policy;
pub mod scanners;

use std::collections::BTreeSet;

use globset::{Glob, GlobSet, GlobSetBuilder};
use regex::RegexSet;

use super::schema::{
    EcosystemsFile, HeuristicsFile, IacFile, LanguagesFile, LinguistPathsFile, OnboardingFile,
    PolicyFile, ScannersFile,
};
use super::{RuleError, RuleErrors, RuleSources, parse_toml};
use ecosystems::EcosystemRules;
use globs::compile_glob;
use heuristics::Heuristics;
use iac::IacRules;
use languages::Languages;
use linguist_paths::LinguistPaths;
use onboarding::check_onboarding;
use policy::check_policy;
use scanners::{References, ScannerRules};

/// Everything detection and evaluation need, compiled.
#[derive(Debug)]
pub struct RuleSet {
    pub languages: Languages,
    pub heuristics: Heuristics,
    pub linguist_paths: LinguistPaths,
    pub iac: IacRules,
    pub ecosystems: EcosystemRules,
    pub scanners: ScannerRules,
    pub policy: PolicyFile,
    pub onboarding: OnboardingFile,
    /// [`RuleSources::digest`] of the files these rules were loaded from.
    pub digest: String,
}

impl RuleSet {
    /// Parses, validates and compiles every rules file, collecting all problems.
    pub fn load(sources: &RuleSources) -> Result<Self, RuleErrors> {
        let mut errors = Vec::new();
        let languages_file: Option<LanguagesFile> = parsed(sources, 0, &mut errors);
        let heuristics_file: Option<HeuristicsFile> = parsed(sources, 1, &mut errors);
        let paths_file: Option<LinguistPathsFile> = parsed(sources, 2, &mut errors);
        let iac_file: Option<IacFile> = parsed(sources, 3, &mut errors);
        let ecosystems_file: Option<EcosystemsFile> = parsed(sources, 4, &mut errors);
        let scanners_file: Option<ScannersFile> = parsed(sources, 5, &mut errors);
        let policy_file: Option<PolicyFile> = parsed(sources, 6, &mut errors);
        let onboarding_file: Option<OnboardingFile> = parsed(sources, 7, &mut errors);

        let (
            Some(languages_file),
            Some(heuristics_file),
            Some(paths_file),
            Some(iac_file),
            Some(ecosystems_file),
            Some(scanners_file),
            Some(policy),
            Some(onboarding),
        ) = (
            languages_file,
            heuristics_file,
            paths_file,
            iac_file,
            ecosystems_file,
            scanners_file,
            policy_file,
            onboarding_file,
        )
        else {
            return Err(RuleErrors(errors));
        };

        let mut check = Checker {
            errors: &mut errors,
        };
        let languages = Languages::compile(sources.get(0).0, languages_file, &mut check);
        let heuristics =
            Heuristics::compile(sources.get(1).0, heuristics_file, &languages, &mut check);
        let linguist_paths = LinguistPaths::compile(sources.get(2).0, paths_file, &mut check);
        let iac = IacRules::compile(sources.get(3).0, iac_file, &mut check);
        let ecosystems = EcosystemRules::compile(sources.get(4).0, ecosystems_file, &mut check);
        let scanners = ScannerRules::compile(
            sources.get(5).0,
            scanners_file,
            &References {
                languages: &languages,
                iac: &iac,
                ecosystems: &ecosystems,
            },
            &mut check,
        );
        check_policy(
            sources.get(6).0,
            &policy,
            &languages,
            &iac,
            &ecosystems,
            &mut check,
        );

        check_onboarding(
            sources.get(7).0,
            &onboarding,
            &languages,
            &iac,
            &scanners,
            &mut check,
        );

        if errors.is_empty() {
            Ok(Self {
                languages,
                heuristics,
                linguist_paths,
                iac,
                ecosystems,
                scanners,
                policy,
                onboarding,
                digest: sources.digest(),
            })
        } else {
            Err(RuleErrors(errors))
        }
    }

    /// Compiles what is otherwise compiled on first use, so that `rules check` finds every
    /// problem.
    pub fn compile_all(&self) -> Result<(), RuleErrors> {
        let errors: Vec<RuleError> = self
            .heuristics
            .compile_all()
            .into_iter()
            .map(|message| RuleError::new("heuristics.toml", message))
            .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(RuleErrors(errors))
        }
    }

    /// Counts of what the rules define, for `fullcover rules check`.
    pub fn summary(&self) -> String {
        format!(
            "{} languages, {} disambiguations, {} IaC kinds, {} ecosystems, {} scanners",
            self.languages.list.len(),
            self.heuristics.disambiguations.len(),
            self.iac.kinds.len(),
            self.ecosystems.ecosystems.len(),
            self.scanners.scanners.len(),
        )
    }
}

fn parsed<T: serde::de::DeserializeOwned>(
    sources: &RuleSources,
    index: usize,
    errors: &mut Vec<RuleError>,
) -> Option<T> {
    let (name, text) = sources.get(index);
    parse_toml(name, text).map_err(|err| errors.push(err)).ok()
}

/// Collects validation errors while compiling.
struct Checker<'a> {
    errors: &'a mut Vec<RuleError>,
}

impl Checker<'_> {
    fn fail(&mut self, file: &str, message: impl Into<String>) {
        self.errors.push(RuleError::new(file, message));
    }

    fn unique<'s>(&mut self, file: &str, what: &str, ids: impl IntoIterator<Item = &'s str>) {
        let mut seen = BTreeSet::new();
        for id in ids {
            if !seen.insert(id) {
                self.fail(file, format!("duplicate {what} id `{id}`"));
            }
        }
    }

    fn glob(&mut self, file: &str, owner: &str, pattern: &str) -> Option<Glob> {
        compile_glob(pattern)
            .map_err(|err| self.fail(file, format!("{owner}: bad glob `{pattern}`: {err}")))
            .ok()
    }

    fn regex_set(&mut self, file: &str, owner: &str, patterns: &[String]) -> RegexSet {
        for pattern in patterns {
            if let Err(err) = regex::Regex::new(pattern) {
                self.fail(file, format!("{owner}: bad regex `{pattern}`: {err}"));
            }
        }
        RegexSet::new(patterns).unwrap_or_else(|err| {
            self.fail(
                file,
                format!("{owner}: the patterns do not build together: {err}"),
            );
            RegexSet::empty()
        })
    }

    /// Linguist's path regexes are Ruby's, where `\\w` and `\\d` are ASCII: compiled
    /// without Unicode, they also build several times faster.
    fn path_regex_set(
        &mut self,
        file: &str,
        owner: &str,
        patterns: &[String],
    ) -> regex::bytes::RegexSet {
        let mut builder = regex::bytes::RegexSetBuilder::new(patterns);
        builder.unicode(false);
        builder.build().unwrap_or_else(|err| {
            let mut single = false;
            for pattern in patterns {
                if let Err(err) = regex::bytes::RegexBuilder::new(pattern)
                    .unicode(false)
                    .build()
                {
                    single = true;
                    self.fail(file, format!("{owner}: bad regex `{pattern}`: {err}"));
                }
            }
            if !single {
                self.fail(
                    file,
                    format!("{owner}: the patterns do not build together: {err}"),
                );
            }
            regex::bytes::RegexSet::empty()
        })
    }

    fn glob_set(&mut self, file: &str, builder: GlobSetBuilder) -> GlobSet {
        builder.build().unwrap_or_else(|err| {
            self.fail(file, format!("glob set: {err}"));
            GlobSet::empty()
        })
    }
}
