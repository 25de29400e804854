//! Direct-dependency counts parsed from dependency manifests (package.json, go.mod, pom.xml, ...).
//! Pure functions over file text; a manifest that cannot be parsed yields a `ParseError`, never a panic.
//!
//! Every format counts unique declared names across its standard dependency sections.
//! Structured formats go through the bounded parsers of [`crate::formats`]; build scripts
//! (Gradle, sbt, mix.exs, Package.swift, Terraform, ...) are scanned line by line after
//! comments are masked out ([`mask`]). One module per family of formats.

mod dotnet;
mod infrastructure;
pub(crate) use infrastructure::docker_instructions;
mod javascript;
mod jvm;
mod native;
mod python;
mod ruby;
mod scripting;
#[cfg(test)]
mod tests;

use std::collections::HashSet;
use std::sync::LazyLock;

use regex::Regex;

use crate::formats::ParseError;
use crate::rules::ManifestFormat;
use dotnet::{msbuild_project, packages_config};
use infrastructure::{
    ansible_requirements, chart_yaml, compose_file, dockerfile, git_modules, terraform, workflow,
};
use javascript::{deno_json, elm_json, package_json};
use jvm::{build_sbt, gradle, pom_xml};
use native::{cabal, cargo_toml, conanfile_txt, go_mod, package_swift, vcpkg_json};
use python::{conda_environment, pipfile, pyproject_toml, requirements_txt, setup_cfg};
use ruby::{gemfile, gemspec, podfile};
use scripting::{composer_json, julia_project_toml, mix_exs, pubspec_yaml, r_description};

type Names = HashSet<String>;

type LazyRegex = LazyLock<Result<Regex, regex::Error>>;

/// Number of direct dependencies declared in `text`, read as `format`.
///
/// # Errors
///
/// A `ParseError` (with the line when known) when a JSON, TOML, XML or YAML manifest is
/// malformed, or exceeds the parsers' nesting and YAML alias budgets. Line-oriented formats
/// (requirements.txt, go.mod, Gradle, Dockerfile, ...) never fail; empty input counts 0.
pub fn count_direct_dependencies(format: ManifestFormat, text: &str) -> Result<usize, ParseError> {
    use ManifestFormat as F;
    // Editors on Windows often save a UTF-8 byte-order mark, which JSON parsers reject.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    match format {
        F::PackageJson => package_json(text),
        F::RequirementsTxt => requirements_txt(text),
        F::PyprojectToml => pyproject_toml(text),
        F::Pipfile => pipfile(text),
        F::SetupCfg => setup_cfg(text),
        F::GoMod => go_mod(text),
        F::CargoToml => cargo_toml(text),
        F::PomXml => pom_xml(text),
        F::Gradle => gradle(text),
        F::Gemfile => gemfile(text),
        F::Gemspec => gemspec(text),
        F::ComposerJson => composer_json(text),
        F::MsbuildProject => msbuild_project(text),
        F::PackagesConfig => packages_config(text),
        F::PubspecYaml => pubspec_yaml(text),
        F::MixExs => mix_exs(text),
        F::PackageSwift => package_swift(text),
        F::Podfile => podfile(text),
        F::ChartYaml => chart_yaml(text),
        F::DenoJson => deno_json(text),
        F::ElmJson => elm_json(text),
        F::Dockerfile => dockerfile(text),
        F::ComposeFile => compose_file(text),
        F::Workflow => workflow(text),
        F::Terraform => terraform(text),
        F::GitModules => git_modules(text),
        F::CondaEnvironment => conda_environment(text),
        F::BuildSbt => build_sbt(text),
        F::ProjectToml => julia_project_toml(text),
        F::Vcpkg => vcpkg_json(text),
        F::Conanfile => conanfile_txt(text),
        F::Description => r_description(text),
        F::Cabal => cabal(text),
        F::RequirementsYml => ansible_requirements(text),
    }
}

fn regex(lazy: &'static LazyRegex) -> Result<&'static Regex, ParseError> {
    lazy.as_ref()
        .map_err(|e| ParseError::new(None, format!("internal pattern error: {e}")))
}

/// Comment and string syntax of a C-like or scripting language, for [`mask`].
struct Syntax {
    line_comments: &'static [&'static str],
    block_comments: bool,
    quotes: &'static [u8],
    triple_quotes: bool,
}

const JVM: Syntax = Syntax {
    line_comments: &["//"],
    block_comments: true,
    quotes: b"\"'",
    triple_quotes: true,
};

const SWIFT_SCALA: Syntax = Syntax {
    line_comments: &["//"],
    block_comments: true,
    quotes: b"\"",
    triple_quotes: true,
};

const ELIXIR: Syntax = Syntax {
    line_comments: &["#"],
    block_comments: false,
    quotes: b"\"'",
    triple_quotes: true,
};

const JSONC: Syntax = Syntax {
    line_comments: &["//"],
    block_comments: true,
    quotes: b"\"",
    triple_quotes: false,
};

#[derive(Clone, Copy)]
enum MaskState {
    Code,
    LineComment,
    BlockComment,
    Str { quote: u8, triple: bool },
}

/// Replaces comments (and, with `blank_strings`, string contents) by spaces. Byte offsets and
/// line breaks are preserved, so positions in the masked text are positions in `text`.
/// Single-quoted strings never span lines, so stray apostrophes cannot swallow the file.
fn mask(text: &str, syntax: &Syntax, blank_strings: bool) -> String {
    let bytes = text.as_bytes();
    let blank = |b: u8| if b == b'\n' { b'\n' } else { b' ' };
    let mut out = Vec::with_capacity(bytes.len());
    let mut state = MaskState::Code;
    let mut i = 0;
    while i < bytes.len() {
        let rest = &bytes[i..];
        let b = bytes[i];
        let (next, consumed) = match state {
            MaskState::Code => {
                if let Some(marker) = syntax
                    .line_comments
                    .iter()
                    .find(|m| rest.starts_with(m.as_bytes()))
                {
                    out.extend(std::iter::repeat_n(b' ', marker.len()));
                    (MaskState::LineComment, marker.len())
                } else if syntax.block_comments && rest.starts_with(b"/*") {
                    out.extend_from_slice(b"  ");
                    (MaskState::BlockComment, 2)
                } else if syntax.quotes.contains(&b) {
                    let triple = syntax.triple_quotes && rest.starts_with(&[b, b, b]);
                    let len = if triple { 3 } else { 1 };
                    out.extend_from_slice(&rest[..len]);
                    (MaskState::Str { quote: b, triple }, len)
                } else {
                    out.push(b);
                    (MaskState::Code, 1)
                }
            }
            MaskState::LineComment => {
                out.push(blank(b));
                let next = if b == b'\n' { MaskState::Code } else { state };
                (next, 1)
            }
            MaskState::BlockComment => {
                if rest.starts_with(b"*/") {
                    out.extend_from_slice(b"  ");
                    (MaskState::Code, 2)
                } else {
                    out.push(blank(b));
                    (state, 1)
                }
            }
            MaskState::Str { quote, triple } => {
                let keep = |b: u8| if blank_strings { blank(b) } else { b };
                if b == b'\\' && rest.len() > 1 {
                    out.push(keep(b));
                    out.push(keep(rest[1]));
                    (state, 2)
                } else if triple && rest.starts_with(&[quote, quote, quote]) {
                    out.extend_from_slice(&rest[..3]);
                    (MaskState::Code, 3)
                } else if !triple && (b == quote || b == b'\n') {
                    out.push(b);
                    (MaskState::Code, 1)
                } else {
                    out.push(keep(b));
                    (state, 1)
                }
            }
        };
        state = next;
        i += consumed;
    }
    // Only whole ASCII-delimited regions are replaced, so the output stays valid UTF-8.
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Net change of `{}` and `()` nesting over a masked (string-blanked) line.
fn nesting_delta(line: &str) -> (i64, i64) {
    line.bytes().fold((0, 0), |(braces, parens), b| match b {
        b'{' => (braces + 1, parens),
        b'}' => (braces - 1, parens),
        b'(' => (braces, parens + 1),
        b')' => (braces, parens - 1),
        _ => (braces, parens),
    })
}

/// Strict JSON from JSONC: comments and trailing commas become spaces (offsets preserved).
fn jsonc_to_json(text: &str) -> String {
    let code = mask(text, &JSONC, false);
    let shape = mask(text, &JSONC, true);
    let shape = shape.as_bytes();
    let mut bytes = code.into_bytes();
    for i in 0..shape.len() {
        if shape[i] == b',' {
            let next = shape[i + 1..].iter().find(|b| !b.is_ascii_whitespace());
            if matches!(next, Some(b'}' | b']')) {
                bytes[i] = b' ';
            }
        }
    }
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}
