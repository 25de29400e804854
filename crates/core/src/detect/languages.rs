//! Linguist's language strategies without the classifier: `.gitattributes` override,
//! filename, shebang, extension, then heuristics for ambiguous extensions; and linguist's
//! rules for leaving vendored, generated and documentation files out of the statistics.

use serde::Serialize;

use super::gitattributes::LinguistAttributes;
use crate::rules::compiled::languages::lowercase;
use crate::rules::schema::LanguageType;
use crate::rules::{LanguageId, RuleSet};

/// Linguist reads this much of a file for heuristics.
pub const HEURISTICS_BYTES: usize = 50 * 1024;
/// Enough for a shebang line.
pub const SHEBANG_BYTES: usize = 1024;
/// Generous room per line for the first lines where generated-code markers sit.
const BYTES_PER_MARKER_LINE: usize = 256;
/// The window for telling binary from text: a NUL byte in the first KiB. (Git looks at
/// 8000 bytes; binary formats show a NUL far earlier, and the smaller read keeps scans
/// of large trees close to the cost of listing them.)
pub const TEXT_CHECK_BYTES: usize = 1024;

/// Why a file is left out of the language statistics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Exclusion {
    Vendored,
    Generated,
    Documentation,
}

/// What language detection needs for one file, decided from its path alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    /// Leading bytes to read, 0 for none.
    pub bytes: usize,
    /// The part of `bytes` that decides the language itself (heuristics, shebangs); the
    /// rest only confirms the file is text and not generated.
    pub deciding_bytes: usize,
    /// The exclusion the path and `.gitattributes` decide, before any content is seen.
    pub path_exclusion: Option<Exclusion>,
}

/// Plans language detection for a path.
pub fn plan(path: &str, attributes: &LinguistAttributes, rules: &RuleSet) -> Plan {
    let name = file_name(path);
    let path_exclusion = path_exclusion(path, attributes, rules);
    let by_name = rules.languages.by_filename(name);
    let by_extension = rules.languages.by_extension(name);
    let mut needed = 0;
    if attributes.language.is_none() && by_name.len() != 1 {
        match by_extension {
            Some((extension, ids)) if ids.len() > 1 || rules.heuristics.is_ambiguous(extension) => {
                needed = HEURISTICS_BYTES;
            }
            Some(_) => {}
            None if by_name.is_empty() => needed = SHEBANG_BYTES,
            None => needed = HEURISTICS_BYTES,
        }
    }
    let deciding_bytes = needed;
    if path_exclusion.is_none() {
        if attributes.generated.is_none() {
            needed = needed.max(generated_marker_bytes(name, rules));
        }
        // A file that would count in the statistics is confirmed to be text.
        let candidates = if by_name.is_empty() {
            by_extension.map_or(&[][..], |(_, ids)| ids)
        } else {
            by_name
        };
        if attributes.detectable == Some(true) || may_count(candidates, rules) {
            needed = needed.max(TEXT_CHECK_BYTES);
        }
    }
    Plan {
        bytes: needed,
        deciding_bytes,
        path_exclusion,
    }
}

fn may_count(candidates: &[LanguageId], rules: &RuleSet) -> bool {
    candidates.iter().any(|&id| {
        matches!(
            rules.languages.get(id).kind,
            LanguageType::Programming | LanguageType::Markup
        )
    })
}

/// The language of a file. `text` is its leading content when its [`Plan`] asked for it.
pub fn detect(
    path: &str,
    text: Option<&str>,
    attributes: &LinguistAttributes,
    rules: &RuleSet,
) -> Option<LanguageId> {
    if let Some(name) = &attributes.language {
        return rules.languages.by_alias(name);
    }
    let name = file_name(path);
    let mut candidates: Vec<LanguageId> = rules.languages.by_filename(name).to_vec();
    if candidates.len() == 1 {
        return candidates.first().copied();
    }
    if let Some(interpreter) = text.and_then(shebang_interpreter) {
        narrow(
            &mut candidates,
            rules.languages.by_interpreter(&interpreter),
        );
        if candidates.len() == 1 {
            return candidates.first().copied();
        }
    }
    let extension = rules.languages.by_extension(name);
    if let Some((_, ids)) = extension {
        narrow(&mut candidates, ids);
    }
    if let (Some((extension, _)), Some(text)) = (extension, text)
        && candidates.len() > 1
        && let Some(heuristic) = rules.heuristics.rules_for(extension)
        && let Some(rule) = heuristic.iter().find(|rule| rule.matches(text))
    {
        narrow(&mut candidates, &rule.languages);
    }
    candidates.first().copied()
}

/// Linguist's strategy step: keep the candidates the new evidence agrees with; evidence
/// that agrees with none of them is ignored.
fn narrow(candidates: &mut Vec<LanguageId>, found: &[LanguageId]) {
    if found.is_empty() {
        return;
    }
    if candidates.is_empty() {
        candidates.extend_from_slice(found);
        return;
    }
    let kept: Vec<LanguageId> = candidates
        .iter()
        .copied()
        .filter(|id| found.contains(id))
        .collect();
    if !kept.is_empty() {
        *candidates = kept;
    }
}

/// The interpreter named by a `#!` line: `#!/usr/bin/env -S python3.11 -u` gives
/// `python3`, as linguist strips a trailing `.N` version.
pub fn shebang_interpreter(text: &str) -> Option<String> {
    let line = text.lines().next()?.strip_prefix("#!")?;
    let mut words = line.split_whitespace();
    let mut script = words.next()?.rsplit('/').next()?.to_owned();
    if script == "env" {
        script = words
            .find(|word| !word.starts_with('-') && !word.contains('='))?
            .rsplit('/')
            .next()?
            .to_owned();
    }
    if let Some((base, version)) = script.rsplit_once('.')
        && !version.is_empty()
        && version.chars().all(|c| c.is_ascii_digit())
    {
        script = base.to_owned();
    }
    (!script.is_empty()).then_some(script)
}

/// Why linguist would leave this file out of the statistics, if it would.
pub fn exclusion(
    path: &str,
    text: Option<&str>,
    attributes: &LinguistAttributes,
    plan: &Plan,
    rules: &RuleSet,
) -> Option<Exclusion> {
    plan.path_exclusion.or_else(|| {
        (attributes.generated.is_none() && generated_by_content(path, text, rules))
            .then_some(Exclusion::Generated)
    })
}

/// The exclusions decided by the path and `.gitattributes` alone.
fn path_exclusion(
    path: &str,
    attributes: &LinguistAttributes,
    rules: &RuleSet,
) -> Option<Exclusion> {
    let paths = &rules.linguist_paths;
    let bytes = path.as_bytes();
    let overridden = attributes.vendored.is_some()
        || attributes.documentation.is_some()
        || attributes.generated.is_some();
    if !overridden && !paths.any.is_match(bytes) {
        return None;
    }
    if attributes
        .vendored
        .unwrap_or_else(|| paths.vendored.is_match(bytes))
    {
        return Some(Exclusion::Vendored);
    }
    if attributes
        .documentation
        .unwrap_or_else(|| paths.documentation.is_match(bytes))
    {
        return Some(Exclusion::Documentation);
    }
    attributes
        .generated
        .unwrap_or_else(|| paths.generated.is_match(bytes))
        .then_some(Exclusion::Generated)
}

/// Whether the file counts towards the language statistics.
pub fn counts_in_statistics(
    language: Option<LanguageId>,
    excluded: Option<Exclusion>,
    attributes: &LinguistAttributes,
    rules: &RuleSet,
) -> bool {
    let Some(language) = language else {
        return false;
    };
    if excluded.is_some() {
        return false;
    }
    attributes.detectable.unwrap_or_else(|| {
        matches!(
            rules.languages.get(language).kind,
            LanguageType::Programming | LanguageType::Markup
        )
    })
}

/// How much of the file the generated-code markers for its extension need.
fn generated_marker_bytes(name: &str, rules: &RuleSet) -> usize {
    let lower = lowercase(name);
    rules
        .linguist_paths
        .generated_content
        .iter()
        .filter(|rule| {
            rule.extensions
                .iter()
                .any(|ext| lower.ends_with(ext.as_str()))
        })
        .map(|rule| rule.lines.saturating_mul(BYTES_PER_MARKER_LINE))
        .max()
        .unwrap_or(0)
}

fn generated_by_content(path: &str, text: Option<&str>, rules: &RuleSet) -> bool {
    let Some(text) = text else { return false };
    let lower = lowercase(file_name(path));
    rules.linguist_paths.generated_content.iter().any(|rule| {
        rule.extensions
            .iter()
            .any(|ext| lower.ends_with(ext.as_str()))
            && {
                let head_end = text
                    .match_indices('\n')
                    .nth(rule.lines.saturating_sub(1))
                    .map_or(text.len(), |(at, _)| at);
                rule.pattern.is_match(&text[..head_end])
            }
    })
}

fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> RuleSet {
        RuleSet::embedded().unwrap()
    }

    fn language(rules: &RuleSet, path: &str, text: &str) -> Option<String> {
        let attributes = LinguistAttributes::default();
        detect(path, Some(text), &attributes, rules).map(|id| rules.languages.get(id).name.clone())
    }

    #[test]
    fn shebangs_name_their_interpreter() {
        assert_eq!(
            shebang_interpreter("#!/bin/bash\necho"),
            Some("bash".into())
        );
        assert_eq!(
            shebang_interpreter("#!/usr/bin/env -S node --experimental\n"),
            Some("node".into())
        );
        assert_eq!(
            shebang_interpreter("#!/usr/bin/python3.11\n"),
            Some("python3".into())
        );
        assert_eq!(
            shebang_interpreter("#!/usr/bin/env FOO=1 ruby\n"),
            Some("ruby".into())
        );
        assert_eq!(shebang_interpreter("echo hi"), None);
    }

    #[test]
    fn strategies_in_linguist_order() {
        let rules = rules();
        assert_eq!(
            language(&rules, "Dockerfile", "FROM x").as_deref(),
            Some("Dockerfile")
        );
        assert_eq!(
            language(&rules, "bin/tool", "#!/usr/bin/env python3\n").as_deref(),
            Some("Python")
        );
        assert_eq!(
            language(&rules, "src/a.rs", "fn main() {}").as_deref(),
            Some("Rust")
        );
        assert_eq!(
            language(&rules, "x.h", "#include <vector>\nstd::vector<int> v;").as_deref(),
            Some("C++")
        );
        assert_eq!(
            language(&rules, "x.h", "@interface Foo : NSObject\n@end").as_deref(),
            Some("Objective-C")
        );
        assert_eq!(
            language(&rules, "x.h", "int main(void);").as_deref(),
            Some("C")
        );
        assert_eq!(
            language(&rules, "x.pl", "use strict;\nmy $x = 1;").as_deref(),
            Some("Perl")
        );
        assert_eq!(
            language(&rules, "x.pl", "parent(a, b).\nanc(X,Y) :- parent(X,Y).").as_deref(),
            Some("Prolog")
        );
        assert_eq!(
            language(&rules, "api.yml", "openapi: 3.1.0\ninfo: {}\n").as_deref(),
            Some("OASv3-yaml")
        );
        assert_eq!(
            language(&rules, "conf.yml", "a: 1\n").as_deref(),
            Some("YAML")
        );
    }

    #[test]
    fn exclusions_follow_linguist_paths_and_content() {
        let rules = rules();
        let none = LinguistAttributes::default();
        let check = |path: &str, text: Option<&str>| {
            exclusion(path, text, &none, &plan(path, &none, &rules), &rules)
        };
        assert_eq!(
            check("node_modules/x/index.js", None),
            Some(Exclusion::Vendored)
        );
        assert_eq!(check("docs/guide.md", None), Some(Exclusion::Documentation));
        assert_eq!(check("app/api_pb2.py", None), Some(Exclusion::Generated));
        assert_eq!(check("public/app.min.js", None), Some(Exclusion::Vendored));
        assert_eq!(
            check(
                "x.go",
                Some("// Code generated by protoc-gen-go. DO NOT EDIT.\npackage x")
            ),
            Some(Exclusion::Generated)
        );
        assert_eq!(check("src/main.go", Some("package main")), None);
    }
}
