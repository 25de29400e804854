//! Linguist's overrides from `.gitattributes` files: vendored, generated, documentation,
//! detectable and language, with git's pattern and precedence rules.

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

use crate::snapshot::Warning;

/// The linguist attributes that apply to one path; `None` means unspecified.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LinguistAttributes {
    pub vendored: Option<bool>,
    pub generated: Option<bool>,
    pub documentation: Option<bool>,
    pub detectable: Option<bool>,
    pub language: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Setting {
    Flag(&'static str, Option<bool>),
    Language(Option<String>),
}

/// Every `.gitattributes` rule of the repository, in precedence order.
#[derive(Debug, Default)]
pub struct Attributes {
    globs: GlobSet,
    settings: Vec<Vec<Setting>>,
}

const FLAGS: [&str; 4] = [
    "linguist-vendored",
    "linguist-generated",
    "linguist-documentation",
    "linguist-detectable",
];

impl Attributes {
    /// Parses `(directory, text)` pairs; deeper files take precedence over shallower ones
    /// and later lines over earlier ones, as in git.
    pub fn parse(mut files: Vec<(String, String)>) -> (Self, Vec<Warning>) {
        files.sort_by_key(|(dir, _)| {
            (
                dir.matches('/').count() + usize::from(!dir.is_empty()),
                dir.clone(),
            )
        });
        let mut builder = GlobSetBuilder::new();
        let mut settings = Vec::new();
        let mut warnings = Vec::new();
        for (dir, text) in &files {
            let file = if dir.is_empty() {
                ".gitattributes".to_owned()
            } else {
                format!("{dir}/.gitattributes")
            };
            for (number, line) in text.lines().enumerate() {
                let line = line.trim();
                if line.is_empty() || line.starts_with('#') {
                    continue;
                }
                let mut parts = line.split_whitespace();
                let Some(pattern) = parts.next() else {
                    continue;
                };
                let parsed: Vec<Setting> = parts.filter_map(parse_setting).collect();
                if parsed.is_empty() {
                    continue;
                }
                match GlobBuilder::new(&glob_for(dir, pattern))
                    .literal_separator(true)
                    .build()
                {
                    Ok(glob) => {
                        builder.add(glob);
                        settings.push(parsed);
                    }
                    Err(err) => warnings.push(Warning::at(
                        file.clone(),
                        format!("line {}: pattern `{pattern}` ignored: {err}", number + 1),
                    )),
                }
            }
        }
        let globs = builder.build().unwrap_or_else(|err| {
            warnings.push(Warning::at(".gitattributes", format!("ignored: {err}")));
            settings.clear();
            GlobSet::empty()
        });
        (Self { globs, settings }, warnings)
    }

    pub fn for_path(&self, path: &str) -> LinguistAttributes {
        let mut attributes = LinguistAttributes::default();
        if self.settings.is_empty() {
            return attributes;
        }
        let mut matched = self.globs.matches(path);
        matched.sort_unstable();
        for index in matched {
            for setting in &self.settings[index] {
                match setting {
                    Setting::Flag(name, value) => {
                        let slot = match *name {
                            "linguist-vendored" => &mut attributes.vendored,
                            "linguist-generated" => &mut attributes.generated,
                            "linguist-documentation" => &mut attributes.documentation,
                            _ => &mut attributes.detectable,
                        };
                        *slot = *value;
                    }
                    Setting::Language(language) => attributes.language.clone_from(language),
                }
            }
        }
        attributes
    }
}

fn parse_setting(token: &str) -> Option<Setting> {
    let (name, value) = match token.split_once('=') {
        Some((name, value)) => (name, Some(value)),
        None => (token, None),
    };
    let (name, state) = if let Some(name) = name.strip_prefix('-') {
        (name, Some(false))
    } else if let Some(name) = name.strip_prefix('!') {
        (name, None)
    } else {
        (name, Some(true))
    };
    if name == "linguist-language" {
        return Some(Setting::Language(match state {
            Some(true) => value.map(str::to_owned),
            _ => None,
        }));
    }
    let flag = FLAGS.into_iter().find(|flag| *flag == name)?;
    let state = match (state, value) {
        (Some(true), Some(value)) => match value {
            "true" => Some(true),
            "false" => Some(false),
            _ => return None,
        },
        (state, _) => state,
    };
    Some(Setting::Flag(flag, state))
}

/// Git pattern semantics: a pattern without `/` matches at any depth below the
/// `.gitattributes` file's directory; one with `/` is relative to that directory.
fn glob_for(dir: &str, pattern: &str) -> String {
    let base = if dir.is_empty() {
        String::new()
    } else {
        format!("{dir}/")
    };
    let relative = pattern.trim_start_matches('/');
    if pattern.contains('/') && !pattern.ends_with('/') {
        format!("{base}{relative}")
    } else {
        format!("{base}**/{}", relative.trim_end_matches('/'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attributes(files: &[(&str, &str)]) -> Attributes {
        let (attributes, warnings) = Attributes::parse(
            files
                .iter()
                .map(|(d, t)| ((*d).to_owned(), (*t).to_owned()))
                .collect(),
        );
        assert!(warnings.is_empty(), "{warnings:?}");
        attributes
    }

    #[test]
    fn flags_language_and_precedence() {
        let attrs = attributes(&[
            (
                "",
                "third_party/** linguist-vendored\n*.inc linguist-language=PHP\ngen/*.js linguist-generated=true\n*.sql -linguist-detectable\n",
            ),
            ("third_party/keep", "* -linguist-vendored\n"),
        ]);
        assert_eq!(attrs.for_path("third_party/x/y.c").vendored, Some(true));
        assert_eq!(attrs.for_path("third_party/keep/z.c").vendored, Some(false));
        assert_eq!(
            attrs.for_path("lib/a/b.inc").language.as_deref(),
            Some("PHP")
        );
        assert_eq!(attrs.for_path("gen/out.js").generated, Some(true));
        assert_eq!(attrs.for_path("gen/sub/out.js").generated, None);
        assert_eq!(attrs.for_path("db/schema.sql").detectable, Some(false));
        assert_eq!(attrs.for_path("src/main.c"), LinguistAttributes::default());
    }

    #[test]
    fn later_lines_win_and_unspecify() {
        let attrs = attributes(&[("", "*.js linguist-vendored\nlib/*.js !linguist-vendored\n")]);
        assert_eq!(attrs.for_path("a.js").vendored, Some(true));
        assert_eq!(attrs.for_path("lib/b.js").vendored, None);
    }
}
