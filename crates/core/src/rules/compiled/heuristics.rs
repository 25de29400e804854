//! Linguist's heuristics: the content rules that choose a language for an ambiguous
//! extension, their regexes compiled on first use.

use std::collections::HashMap;

use super::Checker;
use super::languages::{LanguageId, Languages};
use crate::rules::schema::HeuristicsFile;

/// Linguist's disambiguation rules for ambiguous extensions.
#[derive(Debug)]
pub struct Heuristics {
    by_extension: HashMap<String, usize>,
    pub(super) disambiguations: Vec<Vec<HeuristicRule>>,
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
    pub(super) fn compile(
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
    condition: &crate::rules::schema::Condition,
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
