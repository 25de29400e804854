//! Linguist's vendored, documentation and generated path rules, compiled to regex sets.

use super::Checker;
use crate::rules::schema::LinguistPathsFile;

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
    pub(super) fn compile(file: &str, data: LinguistPathsFile, check: &mut Checker<'_>) -> Self {
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
