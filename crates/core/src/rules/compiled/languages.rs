//! Linguist's language table: names, aliases, extensions, file names and interpreters,
//! with the slug each language has in requirement ids.

use std::collections::HashMap;

use super::Checker;
use crate::rules::schema::{LanguageType, LanguagesFile};

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
    pub(super) fn compile(file: &str, data: LanguagesFile, check: &mut Checker<'_>) -> Self {
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
pub(crate) fn lowercase(text: &str) -> std::borrow::Cow<'_, str> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::RuleSet;

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
