//! The compiled form of the rules: lookup tables, glob sets and regexes built once at
//! start-up, with every match traceable to the rule that fired.

use std::collections::{BTreeSet, HashMap};

pub use globset::Candidate;
use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};
use regex::RegexSet;

use super::schema::{
    Category, ContentCheck, Coverage, EcosystemsFile, HeuristicsFile, IacFile, LanguageType,
    LanguagesFile, LinguistPathsFile, OnboardingFile, PolicyFile, ScannerRule, ScannersFile,
};
use super::{RuleError, RuleErrors, RuleSources, parse_toml};

/// Index of a language in [`Languages`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LanguageId(pub usize);

#[derive(Debug, Clone)]
pub struct Language {
    pub name: String,
    pub kind: LanguageType,
    /// The name used in requirement ids: `sast:<slug>`.
    pub slug: String,
}

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

/// Compiles a rules glob: a pattern without `/` matches a file name in any directory;
/// `*` never crosses a `/`.
pub fn compile_glob(pattern: &str) -> Result<Glob, globset::Error> {
    let anchored = if pattern.contains('/') {
        pattern.to_owned()
    } else {
        format!("**/{pattern}")
    };
    GlobBuilder::new(&anchored).literal_separator(true).build()
}

/// Linguist's language table with the lookups the strategies need.
#[derive(Debug)]
pub struct Languages {
    pub list: Vec<Language>,
    by_name: HashMap<String, LanguageId>,
    by_alias: HashMap<String, LanguageId>,
    by_extension: HashMap<String, Vec<LanguageId>>,
    by_filename: HashMap<String, Vec<LanguageId>>,
    by_interpreter: HashMap<String, Vec<LanguageId>>,
}

impl Languages {
    fn compile(file: &str, data: LanguagesFile, check: &mut Checker<'_>) -> Self {
        check.unique(
            file,
            "language",
            data.language.iter().map(|l| l.name.as_str()),
        );
        let mut languages = Self {
            list: Vec::with_capacity(data.language.len()),
            by_name: HashMap::new(),
            by_alias: HashMap::new(),
            by_extension: HashMap::new(),
            by_filename: HashMap::new(),
            by_interpreter: HashMap::new(),
        };
        for (index, rule) in data.language.into_iter().enumerate() {
            let id = LanguageId(index);
            languages.by_name.insert(rule.name.clone(), id);
            languages.by_alias.insert(alias_key(&rule.name), id);
            for alias in &rule.aliases {
                languages.by_alias.entry(alias_key(alias)).or_insert(id);
            }
            for extension in &rule.extensions {
                if !extension.starts_with('.') {
                    check.fail(
                        file,
                        format!("{}: extension `{extension}` must start with `.`", rule.name),
                    );
                }
                push(&mut languages.by_extension, extension.to_lowercase(), id);
            }
            for filename in &rule.filenames {
                push(&mut languages.by_filename, filename.clone(), id);
            }
            for interpreter in &rule.interpreters {
                push(&mut languages.by_interpreter, interpreter.clone(), id);
            }
            languages.list.push(Language {
                slug: slug(&rule.name, &rule.aliases),
                name: rule.name,
                kind: rule.kind,
            });
        }
        languages
    }

    pub fn get(&self, id: LanguageId) -> &Language {
        &self.list[id.0]
    }

    pub fn by_name(&self, name: &str) -> Option<LanguageId> {
        self.by_name.get(name).copied()
    }

    /// Linguist's `find_by_alias`: case-insensitive, spaces as dashes.
    pub fn by_alias(&self, alias: &str) -> Option<LanguageId> {
        self.by_alias.get(&alias_key(alias)).copied()
    }

    pub fn by_filename(&self, filename: &str) -> &[LanguageId] {
        self.by_filename.get(filename).map_or(&[], Vec::as_slice)
    }

    pub fn by_interpreter(&self, interpreter: &str) -> &[LanguageId] {
        self.by_interpreter
            .get(interpreter)
            .map_or(&[], Vec::as_slice)
    }

    /// Languages for the longest known extension of `filename` (`.d.ts` before `.ts`),
    /// with that extension.
    pub fn by_extension<'n>(&self, filename: &'n str) -> Option<(&'n str, &[LanguageId])> {
        filename
            .char_indices()
            .filter(|&(_, c)| c == '.')
            .find_map(|(at, _)| {
                let extension = &filename[at..];
                self.by_extension
                    .get(lowercase(extension).as_ref())
                    .map(|ids| (extension, ids.as_slice()))
            })
    }
}

fn push<K: std::hash::Hash + Eq>(map: &mut HashMap<K, Vec<LanguageId>>, key: K, id: LanguageId) {
    let ids = map.entry(key).or_default();
    if !ids.contains(&id) {
        ids.push(id);
    }
}

/// Lower-cases without allocating when there is nothing to change.
pub fn lowercase(text: &str) -> std::borrow::Cow<'_, str> {
    if text.bytes().any(|b| b.is_ascii_uppercase()) || !text.is_ascii() {
        std::borrow::Cow::Owned(text.to_lowercase())
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

fn alias_key(name: &str) -> String {
    name.to_lowercase().replace(' ', "-")
}

/// `C#` becomes `csharp` (its first alias), `Objective-C` becomes `objective-c`.
fn slug(name: &str, aliases: &[String]) -> String {
    let is_plain = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    };
    let lowered = alias_key(name);
    if is_plain(&lowered) {
        return lowered;
    }
    aliases
        .iter()
        .map(|alias| alias_key(alias))
        .find(|alias| is_plain(alias))
        .unwrap_or_else(|| {
            lowered
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
                .collect()
        })
}

/// Linguist's disambiguation rules for ambiguous extensions.
#[derive(Debug)]
pub struct Heuristics {
    by_extension: HashMap<String, usize>,
    disambiguations: Vec<Vec<HeuristicRule>>,
}

#[derive(Debug)]
pub struct HeuristicRule {
    pub languages: Vec<LanguageId>,
    conditions: Vec<Condition>,
}

#[derive(Debug)]
struct Condition {
    pattern: Option<LazyRegex>,
    negative: Option<LazyRegex>,
}

/// A heuristic regex, compiled on first use: a scan meets few ambiguous extensions, and
/// compiling all of linguist's patterns up front would dominate a small scan.
#[derive(Debug)]
struct LazyRegex {
    source: String,
    compiled: std::sync::OnceLock<Result<fancy_regex::Regex, String>>,
}

impl LazyRegex {
    fn new(source: String) -> Self {
        Self {
            source,
            compiled: std::sync::OnceLock::new(),
        }
    }

    fn get(&self) -> Result<&fancy_regex::Regex, &str> {
        self.compiled
            .get_or_init(|| {
                fancy_regex::RegexBuilder::new(&self.source)
                    .backtrack_limit(100_000)
                    .build()
                    .map_err(|err| err.to_string())
            })
            .as_ref()
            .map_err(String::as_str)
    }

    /// Whether it matches; a pattern that fails to compile or gives up matches nothing.
    fn is_match(&self, text: &str) -> Option<bool> {
        self.get().ok()?.is_match(text).ok()
    }
}

impl Heuristics {
    fn compile(
        file: &str,
        data: HeuristicsFile,
        languages: &Languages,
        check: &mut Checker<'_>,
    ) -> Self {
        let mut heuristics = Self {
            by_extension: HashMap::new(),
            disambiguations: Vec::new(),
        };
        for (index, disambiguation) in data.disambiguation.iter().enumerate() {
            let owner = format!("disambiguation for {}", disambiguation.extensions.join(" "));
            for extension in &disambiguation.extensions {
                // Linguist applies the first disambiguation naming an extension.
                heuristics
                    .by_extension
                    .entry(extension.to_lowercase())
                    .or_insert(index);
            }
            let mut rules = Vec::new();
            for rule in &disambiguation.rule {
                let mut ids = Vec::new();
                for name in &rule.languages {
                    // Heuristics may predate a rename (Mathematica became Wolfram Language);
                    // linguist's aliases keep the old names.
                    match languages.by_name(name).or_else(|| languages.by_alias(name)) {
                        Some(id) => ids.push(id),
                        None => check.fail(file, format!("{owner}: unknown language `{name}`")),
                    }
                }
                let conditions = std::iter::once(&rule.condition)
                    .chain(&rule.and)
                    .filter_map(|condition| {
                        compile_condition(file, &owner, condition, &data.named_patterns, check)
                    })
                    .collect();
                rules.push(HeuristicRule {
                    languages: ids,
                    conditions,
                });
            }
            heuristics.disambiguations.push(rules);
        }
        heuristics
    }

    /// The rules for a file name's extension, if it is ambiguous.
    pub fn rules_for(&self, extension: &str) -> Option<&[HeuristicRule]> {
        self.by_extension
            .get(&extension.to_lowercase())
            .map(|&index| self.disambiguations[index].as_slice())
    }

    /// Compiles every pattern now, returning the ones that fail.
    pub fn compile_all(&self) -> Vec<String> {
        self.disambiguations
            .iter()
            .flatten()
            .flat_map(|rule| &rule.conditions)
            .flat_map(|condition| [&condition.pattern, &condition.negative])
            .flatten()
            .filter_map(|re| re.get().err().map(|err| format!("`{}`: {err}", re.source)))
            .collect()
    }

    /// Whether linguist has a disambiguation for this extension.
    pub fn is_ambiguous(&self, extension: &str) -> bool {
        self.by_extension.contains_key(&extension.to_lowercase())
    }
}

impl HeuristicRule {
    /// All conditions hold; a regex that gives up (backtracking limit) counts as no match.
    pub fn matches(&self, text: &str) -> bool {
        self.conditions.iter().all(|condition| {
            let positive = condition
                .pattern
                .as_ref()
                .is_none_or(|re| re.is_match(text).unwrap_or(false));
            let negative = condition
                .negative
                .as_ref()
                .is_some_and(|re| re.is_match(text).unwrap_or(true));
            positive && !negative
        })
    }
}

fn compile_condition(
    file: &str,
    owner: &str,
    condition: &super::schema::Condition,
    named: &std::collections::BTreeMap<String, Vec<String>>,
    check: &mut Checker<'_>,
) -> Option<Condition> {
    let mut positive = condition.pattern.clone();
    if let Some(name) = &condition.named_pattern {
        match named.get(name) {
            Some(patterns) => positive.extend(patterns.iter().cloned()),
            None => check.fail(file, format!("{owner}: unknown named pattern `{name}`")),
        }
    }
    let mut compile = |patterns: &[String]| -> Option<LazyRegex> {
        if patterns.is_empty() {
            return None;
        }
        let union = patterns
            .iter()
            .map(|p| format!("(?:{p})"))
            .collect::<Vec<_>>()
            .join("|");
        let source = format!("(?m){union}");
        // Parsing catches syntax errors now; `RuleSet::compile_all` compiles for `rules check`.
        fancy_regex::Expr::parse_tree(&source)
            .map_err(|err| check.fail(file, format!("{owner}: bad pattern: {err}")))
            .ok()
            .map(|_| LazyRegex::new(source))
    };
    Some(Condition {
        pattern: compile(&positive),
        negative: compile(&condition.negative_pattern),
    })
}

/// Linguist's vendored, documentation and generated path rules.
#[derive(Debug)]
pub struct LinguistPaths {
    /// All three lists in one set: most paths match none, and one pass tells.
    pub any: regex::bytes::RegexSet,
    pub vendored: regex::bytes::RegexSet,
    pub documentation: regex::bytes::RegexSet,
    pub generated: regex::bytes::RegexSet,
    pub generated_content: Vec<GeneratedContent>,
}

#[derive(Debug)]
pub struct GeneratedContent {
    pub extensions: Vec<String>,
    pub lines: usize,
    pub pattern: regex::Regex,
}

impl LinguistPaths {
    fn compile(file: &str, data: LinguistPathsFile, check: &mut Checker<'_>) -> Self {
        let generated_content = data
            .generated
            .content
            .iter()
            .filter_map(|rule| {
                regex::RegexBuilder::new(&rule.pattern)
                    .multi_line(true)
                    .build()
                    .map_err(|err| {
                        check.fail(file, format!("generated content `{}`: {err}", rule.pattern))
                    })
                    .ok()
                    .map(|pattern| GeneratedContent {
                        extensions: rule.extensions.clone(),
                        lines: rule.lines,
                        pattern,
                    })
            })
            .collect();
        let all: Vec<String> = data
            .vendored
            .patterns
            .iter()
            .chain(&data.documentation.patterns)
            .chain(&data.generated.paths)
            .cloned()
            .collect();
        Self {
            any: check.path_regex_set(file, "all path rules", &all),
            vendored: check.path_regex_set(file, "vendored", &data.vendored.patterns),
            documentation: check.path_regex_set(
                file,
                "documentation",
                &data.documentation.patterns,
            ),
            generated: check.path_regex_set(file, "generated", &data.generated.paths),
            generated_content,
        }
    }
}

/// A glob set whose matches map back to the rule that owns each glob.
#[derive(Debug)]
pub struct OwnedGlobs<T> {
    set: GlobSet,
    owners: Vec<T>,
}

impl<T: Copy> OwnedGlobs<T> {
    fn build(file: &str, entries: Vec<(Glob, T)>, check: &mut Checker<'_>) -> Self {
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

/// IaC kinds with their path globs compiled.
#[derive(Debug)]
pub struct IacRules {
    pub kinds: Vec<IacKind>,
    /// `(kind index, match index)` per glob.
    pub globs: OwnedGlobs<(usize, usize)>,
    /// The globs of the kinds that decide what other files are (Helm charts make their
    /// templates not manifests; kustomizations name patches), by kind index.
    pub context: OwnedGlobs<usize>,
}

/// IaC kinds read before the others, because they change what other files are.
const CONTEXT_KINDS: [&str; 2] = ["helm", "kustomize"];

#[derive(Debug)]
pub struct IacKind {
    pub id: String,
    pub name: String,
    pub matches: Vec<IacMatch>,
}

#[derive(Debug)]
pub struct IacMatch {
    pub markers: Vec<String>,
    pub markers_any: Vec<String>,
    pub check: ContentCheck,
}

impl IacMatch {
    pub fn needs_content(&self) -> bool {
        self.check != ContentCheck::None || !self.markers.is_empty() || !self.markers_any.is_empty()
    }
}

impl IacRules {
    fn compile(file: &str, data: IacFile, check: &mut Checker<'_>) -> Self {
        check.unique(file, "IaC kind", data.kind.iter().map(|k| k.id.as_str()));
        let mut globs = Vec::new();
        let mut context = Vec::new();
        let mut kinds = Vec::new();
        for (kind_index, kind) in data.kind.into_iter().enumerate() {
            let mut matches = Vec::new();
            for (match_index, rule) in kind.matches.into_iter().enumerate() {
                for pattern in &rule.paths {
                    if let Some(glob) = check.glob(file, &kind.id, pattern) {
                        if CONTEXT_KINDS.contains(&kind.id.as_str()) {
                            context.push((glob.clone(), kind_index));
                        }
                        globs.push((glob, (kind_index, match_index)));
                    }
                }
                matches.push(IacMatch {
                    markers: rule.markers,
                    markers_any: rule.markers_any,
                    check: rule.check,
                });
            }
            kinds.push(IacKind {
                id: kind.id,
                name: kind.name,
                matches,
            });
        }
        Self {
            kinds,
            globs: OwnedGlobs::build(file, globs, check),
            context: OwnedGlobs::build(file, context, check),
        }
    }

    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.kinds.iter().position(|kind| kind.id == id)
    }
}

/// What a dependency-file glob identifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DependencyFileRole {
    Manifest(usize),
    Lockfile(usize),
}

#[derive(Debug)]
pub struct EcosystemRules {
    pub ecosystems: Vec<super::schema::EcosystemRule>,
    pub ignore: GlobSet,
    /// `(ecosystem index, role)` per glob.
    pub globs: OwnedGlobs<(usize, DependencyFileRole)>,
}

impl EcosystemRules {
    fn compile(file: &str, data: EcosystemsFile, check: &mut Checker<'_>) -> Self {
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

struct References<'a> {
    languages: &'a Languages,
    iac: &'a IacRules,
    ecosystems: &'a EcosystemRules,
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

    fn compile(
        file: &str,
        data: ScannersFile,
        refs: &References<'_>,
        check: &mut Checker<'_>,
    ) -> Self {
        check.unique(file, "scanner", data.scanner.iter().map(|s| s.id.as_str()));
        let mut rules = Self {
            scanners: Vec::new(),
            actions: HashMap::new(),
            action_prefixes: Vec::new(),
            reusable_workflows: HashMap::new(),
            images: HashMap::new(),
            commands: RegexSet::empty(),
            command_owners: Vec::new(),
            hooks: HashMap::new(),
            gitlab_includes: Vec::new(),
            files: OwnedGlobs {
                set: GlobSet::empty(),
                owners: Vec::new(),
            },
            checks: OwnedGlobs {
                set: GlobSet::empty(),
                owners: Vec::new(),
            },
            content: OwnedGlobs {
                set: GlobSet::empty(),
                owners: Vec::new(),
            },
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
        rules.scanners = data.scanner;
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

fn check_policy(
    file: &str,
    policy: &PolicyFile,
    languages: &Languages,
    iac: &IacRules,
    ecosystems: &EcosystemRules,
    check: &mut Checker<'_>,
) {
    for language in policy.sast.skip_languages.keys() {
        if languages.by_name(language).is_none() {
            check.fail(
                file,
                format!("sast.skip_languages: unknown language `{language}`"),
            );
        }
    }
    for ecosystem in policy.sca.skip.keys() {
        if ecosystems.index_of(ecosystem).is_none() {
            check.fail(file, format!("sca.skip: unknown ecosystem `{ecosystem}`"));
        }
    }
    let kinds = policy
        .iac
        .skip
        .keys()
        .map(|k| ("iac.skip", k))
        .chain(
            policy
                .container
                .image_sources
                .iter()
                .map(|k| ("container.image_sources", k)),
        )
        .chain(policy.cicd.pipelines.iter().map(|k| ("cicd.pipelines", k)));
    for (key, kind) in kinds {
        if iac.index_of(kind).is_none() {
            check.fail(file, format!("{key}: unknown IaC kind `{kind}`"));
        }
    }
}

fn check_onboarding(
    file: &str,
    onboarding: &OnboardingFile,
    languages: &Languages,
    iac: &IacRules,
    scanners: &ScannerRules,
    check: &mut Checker<'_>,
) {
    let chosen = [
        ("sast.default", &onboarding.sast.default),
        ("sast.fallback", &onboarding.sast.fallback),
        ("secrets.default", &onboarding.secrets.default),
        ("sca.default", &onboarding.sca.default),
        ("sca.updates", &onboarding.sca.updates),
        ("sca.pull_requests", &onboarding.sca.pull_requests),
        ("iac.default", &onboarding.iac.default),
        ("iac.dockerfile", &onboarding.iac.dockerfile),
        ("container.default", &onboarding.container.default),
        ("cicd.default", &onboarding.cicd.default),
    ];
    for (key, id) in chosen {
        if scanners.index_of(id).is_none() {
            check.fail(file, format!("{key}: unknown scanner `{id}`"));
        }
    }
    for language in onboarding
        .sast
        .codeql_languages
        .keys()
        .chain(&onboarding.sast.codeql_build_languages)
    {
        if languages.by_name(language).is_none() {
            check.fail(
                file,
                format!("sast.codeql_languages: unknown language `{language}`"),
            );
        }
    }
    for kind in onboarding.iac.checkov_frameworks.keys() {
        if iac.index_of(kind).is_none() {
            check.fail(
                file,
                format!("iac.checkov_frameworks: unknown IaC kind `{kind}`"),
            );
        }
    }
}

/// The category a requirement id belongs to.
pub fn category_of(requirement: &str) -> Option<Category> {
    let prefix = requirement.split(':').next()?;
    Category::REQUIRED
        .into_iter()
        .find(|c| c.as_str() == prefix)
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn extensions_of_non_ascii_names_do_not_panic() {
        let rules = RuleSet::embedded().unwrap();
        for name in ["İİİ.c", "\u{212A}.c", "ß.PY", "日本.rs", "...", "a."] {
            let _ = rules.languages.by_extension(name);
        }
        let (extension, _) = rules.languages.by_extension("İİİ.c").unwrap();
        assert_eq!(extension, ".c");
    }

    #[test]
    fn slugs_are_plain_ids() {
        assert_eq!(slug("C#", &["csharp".into(), "cake".into()]), "csharp");
        assert_eq!(slug("C++", &["cpp".into()]), "cpp");
        assert_eq!(slug("Objective-C", &[]), "objective-c");
        assert_eq!(slug("Vim Script", &[]), "vim-script");
        assert_eq!(slug("F*", &[]), "f-");
    }
}
