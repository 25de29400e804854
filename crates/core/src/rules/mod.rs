//! The detection rules and the requirement policy: loaded from the data files in `rules/`
//! (embedded at build time, or read from a directory), validated, and compiled once.
//!
//! Everything that can be wrong with the data is reported by [`RuleSet::load`] as a list
//! of [`RuleError`]s naming the file and the rule, so `fullcover rules check` shows all of
//! them at once.

pub mod compiled;
mod manifest_format;
pub mod schema;

use std::path::Path;

pub use compiled::RuleSet;
pub use compiled::languages::LanguageId;
pub use manifest_format::ManifestFormat;

/// The data files, in the order they are loaded.
pub const FILES: [&str; 8] = [
    "languages.toml",
    "heuristics.toml",
    "linguist-paths.toml",
    "iac.toml",
    "ecosystems.toml",
    "scanners.toml",
    "policy.toml",
    "onboarding.toml",
];

const EMBEDDED: [(&str, &str); 8] = [
    (
        "languages.toml",
        include_str!("../../../../rules/languages.toml"),
    ),
    (
        "heuristics.toml",
        include_str!("../../../../rules/heuristics.toml"),
    ),
    (
        "linguist-paths.toml",
        include_str!("../../../../rules/linguist-paths.toml"),
    ),
    ("iac.toml", include_str!("../../../../rules/iac.toml")),
    (
        "ecosystems.toml",
        include_str!("../../../../rules/ecosystems.toml"),
    ),
    (
        "scanners.toml",
        include_str!("../../../../rules/scanners.toml"),
    ),
    ("policy.toml", include_str!("../../../../rules/policy.toml")),
    (
        "onboarding.toml",
        include_str!("../../../../rules/onboarding.toml"),
    ),
];

/// One problem in the rule data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {message}")]
pub struct RuleError {
    pub file: String,
    pub message: String,
}

impl RuleError {
    pub fn new(file: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            file: file.into(),
            message: message.into(),
        }
    }
}

/// All the problems found while loading rules.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} problem(s) in the rules:\n{}", .0.len(), .0.iter().map(|e| format!("  - {e}")).collect::<Vec<_>>().join("\n"))]
pub struct RuleErrors(pub Vec<RuleError>);

/// The text of each rules file, before parsing.
#[derive(Debug, Clone)]
pub struct RuleSources {
    files: Vec<(String, String)>,
}

impl RuleSources {
    /// The rules built into the binary.
    pub fn embedded() -> Self {
        Self {
            files: EMBEDDED
                .iter()
                .map(|(name, text)| ((*name).to_owned(), (*text).to_owned()))
                .collect(),
        }
    }

    /// The rules in `dir`; a file missing there falls back to the built-in one.
    pub fn from_dir(dir: &Path) -> Result<Self, RuleErrors> {
        if !dir.is_dir() {
            return Err(RuleErrors(vec![RuleError::new(
                dir.display().to_string(),
                "not a directory",
            )]));
        }
        let mut sources = Self::embedded();
        let mut errors = Vec::new();
        for (name, text) in &mut sources.files {
            let path = dir.join(name.as_str());
            match std::fs::read_to_string(&path) {
                Ok(found) => {
                    *text = found;
                    *name = path.display().to_string();
                }
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
                Err(err) => errors.push(RuleError::new(
                    path.display().to_string(),
                    format!("cannot read: {err}"),
                )),
            }
        }
        if errors.is_empty() {
            Ok(sources)
        } else {
            Err(RuleErrors(errors))
        }
    }

    /// A SHA-256 of the files' texts (not their names): equal for equal rules, whichever
    /// directory they came from. Views computed under other rules are rebuilt.
    pub fn digest(&self) -> String {
        use sha2::{Digest, Sha256};
        let mut hash = Sha256::new();
        for (_, text) in &self.files {
            hash.update((text.len() as u64).to_le_bytes());
            hash.update(text.as_bytes());
        }
        hash.finalize()
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect()
    }

    /// The display name and text of the file loaded for `file` (one of [`FILES`]).
    pub(crate) fn get(&self, index: usize) -> (&str, &str) {
        let (name, text) = &self.files[index];
        (name, text)
    }
}

impl RuleSet {
    /// The built-in rules. These are checked by the test suite, so failing to load them is
    /// a build defect; callers still get the errors rather than a panic.
    pub fn embedded() -> Result<Self, RuleErrors> {
        Self::load(&RuleSources::embedded())
    }

    /// Rules from `dir` when given, else the built-in ones.
    pub fn from_dir_or_embedded(dir: Option<&Path>) -> Result<Self, RuleErrors> {
        match dir {
            Some(dir) => Self::load(&RuleSources::from_dir(dir)?),
            None => Self::embedded(),
        }
    }
}

/// Parses one TOML rules file, naming the file and line on error.
pub(crate) fn parse_toml<T: serde::de::DeserializeOwned>(
    name: &str,
    text: &str,
) -> Result<T, RuleError> {
    toml::from_str(text).map_err(|err| {
        let location = err
            .span()
            .map(|span| {
                let line = text[..span.start.min(text.len())].lines().count().max(1);
                format!("line {line}: ")
            })
            .unwrap_or_default();
        RuleError::new(name, format!("{location}{}", err.message()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_digest_follows_the_texts_not_where_they_came_from() {
        let embedded = RuleSources::embedded();
        let dir = std::env::temp_dir().join(format!("fullcover-digest-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let same = RuleSources::from_dir(&dir).unwrap();
        assert_eq!(same.digest(), embedded.digest(), "no file overridden");
        let (_, policy) = embedded.get(6);
        std::fs::write(dir.join("policy.toml"), format!("{policy}\n# edited\n")).unwrap();
        let edited = RuleSources::from_dir(&dir).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_ne!(edited.digest(), embedded.digest());
        assert_eq!(embedded.digest().len(), 64);
    }

    #[test]
    fn embedded_rules_load_and_compile_without_errors() {
        match RuleSet::embedded() {
            Ok(rules) => {
                if let Err(errors) = rules.compile_all() {
                    panic!("{errors}");
                }
            }
            Err(errors) => panic!("{errors}"),
        }
    }

    #[test]
    fn parse_errors_name_file_and_line() {
        let err =
            parse_toml::<schema::SecretsPolicy>("policy.toml", "\n\nrequired = 3\n").unwrap_err();
        assert_eq!(err.file, "policy.toml");
        assert!(err.message.starts_with("line 3: "), "{}", err.message);
    }

    #[test]
    fn a_rules_dir_overrides_only_the_files_it_has() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("policy.toml"),
            "[secrets]\nrequired = true\nbogus = 1\n",
        )
        .unwrap();
        let errors = RuleSet::from_dir_or_embedded(Some(dir.path())).unwrap_err();
        assert_eq!(errors.0.len(), 1, "{errors}");
        assert!(errors.0[0].file.ends_with("policy.toml"));
    }
}
