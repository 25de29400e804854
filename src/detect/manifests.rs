//! Direct-dependency counts parsed from dependency manifests (package.json, go.mod, pom.xml, ...).
//! Pure functions over file text; a manifest that cannot be parsed yields a `ManifestError`, never a panic.
//!
//! Every format counts unique declared names across its standard dependency sections.
//! Structured formats go through real parsers (serde_json, toml, quick-xml, serde-saphyr);
//! build scripts (Gradle, sbt, mix.exs, Package.swift, Terraform, ...) are scanned line by line
//! after comments are masked out.

use std::collections::HashSet;
use std::sync::LazyLock;

use quick_xml::Reader;
use quick_xml::events::{BytesRef, BytesStart, Event};
use regex::Regex;
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ManifestFormat {
    PackageJson,
    RequirementsTxt,
    PyprojectToml,
    Pipfile,
    SetupCfg,
    GoMod,
    CargoToml,
    PomXml,
    Gradle,
    Gemfile,
    Gemspec,
    ComposerJson,
    /// `*.csproj`, `*.fsproj`, `*.vbproj`, `Directory.Packages.props`.
    MsbuildProject,
    PackagesConfig,
    PubspecYaml,
    MixExs,
    PackageSwift,
    Podfile,
    ChartYaml,
    DenoJson,
    ElmJson,
    /// `FROM` images, excluding stage names and `scratch`.
    Dockerfile,
    /// `services.*.image`.
    ComposeFile,
    /// GitHub Actions `uses:` of steps and jobs, excluding local `./` actions.
    Workflow,
    /// `module` blocks + `required_providers` entries, by simple line scan.
    Terraform,
    /// `.gitmodules` `[submodule]` sections.
    GitModules,
    CondaEnvironment,
    BuildSbt,
    /// Julia `Project.toml`.
    ProjectToml,
    Vcpkg,
    Conanfile,
    /// R `DESCRIPTION` Imports/Depends/LinkingTo.
    Description,
    Cabal,
    /// Ansible Galaxy `requirements.yml`.
    RequirementsYml,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}{}", line.map(|l| format!(" (line {l})")).unwrap_or_default())]
pub struct ManifestError {
    pub line: Option<usize>,
    pub message: String,
}

impl ManifestError {
    fn new(line: Option<usize>, message: impl Into<String>) -> Self {
        Self {
            line,
            message: message.into(),
        }
    }
}

type Names = HashSet<String>;
type LazyRegex = LazyLock<Result<Regex, regex::Error>>;

/// Number of direct dependencies declared in `text`, read as `format`.
///
/// # Errors
///
/// A `ManifestError` (with the line when known) when a JSON, TOML, XML or YAML manifest is
/// malformed, or exceeds the parsers' nesting and YAML alias budgets. Line-oriented formats
/// (requirements.txt, go.mod, Gradle, Dockerfile, ...) never fail; empty input counts 0.
pub fn count_direct_dependencies(
    format: ManifestFormat,
    text: &str,
) -> Result<usize, ManifestError> {
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

// ---------------------------------------------------------------------------
// Shared parsing helpers
// ---------------------------------------------------------------------------

/// 1-based line number of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

fn regex(lazy: &'static LazyRegex) -> Result<&'static Regex, ManifestError> {
    lazy.as_ref()
        .map_err(|e| ManifestError::new(None, format!("internal pattern error: {e}")))
}

fn parse_json(text: &str) -> Result<Value, ManifestError> {
    serde_json::from_str(text).map_err(|e| {
        let message = e.to_string();
        let message = message.split(" at line ").next().unwrap_or_default();
        ManifestError::new(Some(e.line().max(1)), format!("invalid JSON: {message}"))
    })
}

fn parse_json_object(text: &str) -> Result<Value, ManifestError> {
    let doc = parse_json(text)?;
    if doc.is_object() {
        Ok(doc)
    } else {
        Err(ManifestError::new(
            Some(1),
            "expected a JSON object at top level",
        ))
    }
}

/// Keys of the object at JSON `pointer` (nothing when absent or not an object).
fn object_keys<'a>(doc: &'a Value, pointer: &str) -> impl Iterator<Item = &'a String> {
    doc.pointer(pointer)
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|map| map.keys())
}

/// Items of the array at JSON `pointer` (nothing when absent or not an array).
fn array_items<'a>(doc: &'a Value, pointer: &str) -> impl Iterator<Item = &'a Value> {
    doc.pointer(pointer)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}

fn parse_toml(text: &str) -> Result<toml::Table, ManifestError> {
    toml::from_str(text).map_err(|e| {
        let line = e.span().map(|span| line_of(text, span.start));
        ManifestError::new(line, format!("invalid TOML: {}", e.message().trim()))
    })
}

fn toml_get<'a>(table: &'a toml::Table, path: &[&str]) -> Option<&'a toml::Value> {
    let (last, parents) = path.split_last()?;
    let mut current = table;
    for key in parents {
        current = current.get(*key)?.as_table()?;
    }
    current.get(*last)
}

fn toml_keys<'a>(table: &'a toml::Table, path: &[&str]) -> impl Iterator<Item = &'a String> {
    toml_get(table, path)
        .and_then(toml::Value::as_table)
        .into_iter()
        .flat_map(|t| t.keys())
}

/// String items of a TOML array (non-strings are skipped).
fn toml_strings(value: Option<&toml::Value>) -> impl Iterator<Item = &str> {
    value
        .and_then(toml::Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(toml::Value::as_str)
}

/// Values of the sub-tables of the table at `path`, e.g. every `[tool.poetry.group.*]`.
fn toml_children<'a>(
    table: &'a toml::Table,
    path: &[&str],
) -> impl Iterator<Item = &'a toml::Value> {
    toml_get(table, path)
        .and_then(toml::Value::as_table)
        .into_iter()
        .flat_map(|t| t.values())
}

/// Alias-bomb and size limits for YAML manifests; generous for real configuration files.
fn yaml_options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_events: 1_000_000,
            max_aliases: 10_000,
            max_anchors: 10_000,
            max_nodes: 250_000,
            max_depth: 64,
            max_documents: 1_024,
            max_total_scalar_bytes: 64 * 1024 * 1024,
        },
        alias_limits: serde_saphyr::alias_limits! {
            max_total_replayed_events: 100_000,
            max_replay_stack_depth: 16,
        },
        // YAML 1.2 core booleans only: `on`, `y`, `no` stay strings (`on:` in workflows, `n` names).
        strict_booleans: true,
        duplicate_keys: serde_saphyr::DuplicateKeyPolicy::LastWins,
        with_snippet: false,
    }
}

fn yaml_error(err: &serde_saphyr::Error) -> ManifestError {
    let line = err
        .location()
        .map(|location| location.line())
        .filter(|&line| line > 0)
        .map(|line| usize::try_from(line).unwrap_or(usize::MAX));
    let message = err.without_snippet().to_string();
    let message = message.split(" at line ").next().unwrap_or_default();
    ManifestError::new(line, format!("invalid YAML: {message}"))
}

/// Parses one YAML document into JSON values under a resource budget, so alias bombs
/// ("billion laughs") and pathological nesting fail fast with an error. Empty input is `null`.
/// Booleans follow YAML 1.2 (`on`/`yes`/`y` stay strings); a repeated key keeps its last value.
///
/// # Errors
///
/// A `ManifestError` with the line of the syntax error when serde-saphyr reports one, or when
/// the budget is exceeded or the text holds several documents.
pub fn parse_yaml(text: &str) -> Result<Value, ManifestError> {
    serde_saphyr::from_str_with_options::<Option<Value>>(text, yaml_options())
        .map(Option::unwrap_or_default)
        .map_err(|e| yaml_error(&e))
}

/// Parses a multi-document YAML stream (`---` separated) under the same budget as [`parse_yaml`].
/// Empty and null documents are skipped.
///
/// # Errors
///
/// As [`parse_yaml`], for the first failing document.
pub fn parse_yaml_documents(text: &str) -> Result<Vec<Value>, ManifestError> {
    serde_saphyr::from_multiple_with_options::<Value>(text, yaml_options())
        .map_err(|e| yaml_error(&e))
}

fn xml_error(text: &str, position: u64, err: &quick_xml::Error) -> ManifestError {
    let offset = usize::try_from(position).unwrap_or(usize::MAX);
    ManifestError::new(Some(line_of(text, offset)), format!("invalid XML: {err}"))
}

fn local_name(element: &BytesStart<'_>) -> String {
    element.local_name().as_ref().to_owned()
}

fn attribute(element: &BytesStart<'_>, name: &str) -> Option<String> {
    element
        .attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == name)
        .and_then(|a| a.normalized_value(quick_xml::XmlVersion::Implicit1_0).ok())
        .map(|v| v.trim().to_owned())
}

/// Text of a predefined entity or character reference (`&amp;`, `&#38;`).
fn resolve_reference(reference: &BytesRef<'_>) -> Option<String> {
    if let Ok(Some(ch)) = reference.resolve_char_ref() {
        return Some(ch.to_string());
    }
    quick_xml::escape::resolve_predefined_entity(reference).map(str::to_owned)
}

/// Calls `visit` with every element start (including empty elements) of a well-formed XML text.
fn for_each_xml_element(
    text: &str,
    mut visit: impl FnMut(&BytesStart<'_>),
) -> Result<(), ManifestError> {
    let mut reader = Reader::from_str(text);
    let mut depth = 0usize;
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) => {
                depth += 1;
                visit(&e);
            }
            Ok(Event::Empty(e)) => visit(&e),
            Ok(Event::End(_)) => depth = depth.saturating_sub(1),
            Ok(Event::Eof) => return unclosed_check(text, depth),
            Ok(_) => {}
            Err(e) => return Err(xml_error(text, reader.error_position(), &e)),
        }
    }
}

fn unclosed_check(text: &str, open_elements: usize) -> Result<(), ManifestError> {
    if open_elements == 0 {
        Ok(())
    } else {
        let line = text.lines().count().max(1);
        Err(ManifestError::new(
            Some(line),
            "invalid XML: unclosed element at end of input",
        ))
    }
}

/// Lower-cased `attribute` values of the elements named in `elements`.
fn xml_attribute_values(
    text: &str,
    elements: &[&str],
    attribute_name: &str,
) -> Result<Names, ManifestError> {
    let mut names = Names::new();
    for_each_xml_element(text, |e| {
        if elements.contains(&local_name(e).as_str())
            && let Some(value) = attribute(e, attribute_name).filter(|v| !v.is_empty())
        {
            names.insert(value.to_lowercase());
        }
    })?;
    Ok(names)
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

// ---------------------------------------------------------------------------
// Python
// ---------------------------------------------------------------------------

/// PEP 503 normalized project name.
fn normalize_python_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for ch in name.chars() {
        if matches!(ch, '-' | '_' | '.') {
            if !out.ends_with('-') {
                out.push('-');
            }
        } else {
            out.push(ch.to_ascii_lowercase());
        }
    }
    out
}

/// Identity of one PEP 508 requirement (or URL/path requirement): its normalized name,
/// its `#egg=` name, or else the location itself.
fn requirement_key(spec: &str) -> Option<String> {
    let spec = spec.trim();
    if spec.is_empty() || spec.starts_with('#') {
        return None;
    }
    if let Some((_, egg)) = spec.split_once("#egg=") {
        let egg = egg
            .split(['&', ' ', '\t', '[', ';'])
            .next()
            .unwrap_or_default();
        if !egg.is_empty() {
            return Some(normalize_python_name(egg));
        }
    }
    let name_len = spec
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
        .unwrap_or(spec.len());
    let (name, rest) = spec.split_at(name_len);
    if name.is_empty() || name.starts_with('.') || rest.starts_with([':', '/', '\\']) {
        let location = spec.split([' ', '\t', ';']).next().unwrap_or(spec);
        return Some(location.to_owned());
    }
    Some(normalize_python_name(name))
}

/// Removes a pip comment: `#` at line start or after whitespace.
fn strip_pip_comment(line: &str) -> &str {
    let bytes = line.as_bytes();
    let cut = (0..bytes.len())
        .find(|&i| bytes[i] == b'#' && (i == 0 || bytes[i - 1].is_ascii_whitespace()))
        .unwrap_or(bytes.len());
    &line[..cut]
}

/// Identity of one requirements-file line; options are skipped except `-e`/`--editable`.
fn requirement_line_key(line: &str) -> Option<String> {
    let line = strip_pip_comment(line).trim();
    for flag in ["--editable", "-e"] {
        if let Some(target) = line.strip_prefix(flag)
            && target.starts_with([' ', '\t', '='])
        {
            return requirement_key(target.trim_start_matches([' ', '\t', '=']));
        }
    }
    if line.starts_with('-') {
        return None;
    }
    requirement_key(line)
}

/// Logical lines of a requirements file (backslash continuations joined).
fn pip_logical_lines(text: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut pending = String::new();
    for line in text.lines() {
        match line.strip_suffix('\\') {
            Some(head) if !line.trim_start().starts_with('#') => {
                pending.push_str(head);
                pending.push(' ');
            }
            _ => {
                pending.push_str(line);
                lines.push(std::mem::take(&mut pending));
            }
        }
    }
    if !pending.is_empty() {
        lines.push(pending);
    }
    lines
}

fn requirements_txt(text: &str) -> Result<usize, ManifestError> {
    let names: Names = pip_logical_lines(text)
        .iter()
        .filter_map(|line| requirement_line_key(line))
        .collect();
    Ok(names.len())
}

fn pyproject_toml(text: &str) -> Result<usize, ManifestError> {
    let doc = parse_toml(text)?;
    let mut names = Names::new();
    let mut add_specs = |value: Option<&toml::Value>| {
        names.extend(toml_strings(value).filter_map(requirement_key));
    };
    add_specs(toml_get(&doc, &["project", "dependencies"]));
    add_specs(toml_get(&doc, &["tool", "uv", "dev-dependencies"]));
    for groups in [
        &["project", "optional-dependencies"][..],
        &["dependency-groups"],
        &["tool", "pdm", "dev-dependencies"],
    ] {
        // `{include-group = "..."}` tables in PEP 735 groups are not strings and are skipped.
        toml_children(&doc, groups).for_each(|group| add_specs(Some(group)));
    }

    let poetry_groups = toml_children(&doc, &["tool", "poetry", "group"])
        .filter_map(toml::Value::as_table)
        .flat_map(|group| toml_keys(group, &["dependencies"]));
    let poetry = toml_keys(&doc, &["tool", "poetry", "dependencies"])
        .filter(|name| !name.eq_ignore_ascii_case("python"))
        .chain(toml_keys(&doc, &["tool", "poetry", "dev-dependencies"]))
        .chain(poetry_groups);
    names.extend(poetry.map(|name| normalize_python_name(name)));

    // Self-references such as `all = ["mypkg[cli,web]"]` are not dependencies.
    if let Some(own) = toml_get(&doc, &["project", "name"]).and_then(toml::Value::as_str) {
        names.remove(&normalize_python_name(own));
    }
    Ok(names.len())
}

fn pipfile(text: &str) -> Result<usize, ManifestError> {
    let doc = parse_toml(text)?;
    let names: Names = toml_keys(&doc, &["packages"])
        .chain(toml_keys(&doc, &["dev-packages"]))
        .map(|name| normalize_python_name(name))
        .collect();
    Ok(names.len())
}

/// `(section, key, value)` entries of an INI file, with configparser continuation lines.
fn ini_entries(text: &str) -> Vec<(String, String, String)> {
    let mut entries: Vec<(String, String, String)> = Vec::new();
    let mut section = String::new();
    let mut in_entry = false;
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with(['#', ';']) {
            continue;
        }
        if line.starts_with([' ', '\t'])
            && in_entry
            && let Some((_, _, value)) = entries.last_mut()
        {
            value.push('\n');
            value.push_str(trimmed);
        } else if let Some(name) = trimmed.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
            section = name.trim().to_lowercase();
            in_entry = false;
        } else if let Some(pos) = trimmed.find(['=', ':']) {
            let key = trimmed[..pos].trim().to_lowercase().replace('-', "_");
            entries.push((section.clone(), key, trimmed[pos + 1..].trim().to_owned()));
            in_entry = true;
        }
    }
    entries
}

fn setup_cfg(text: &str) -> Result<usize, ManifestError> {
    let mut names = Names::new();
    for (section, key, value) in ini_entries(text) {
        let relevant = (section == "options"
            && matches!(key.as_str(), "install_requires" | "tests_require"))
            || section == "options.extras_require";
        if !relevant || value.starts_with("file:") {
            continue;
        }
        // setuptools: one requirement per line, or `;`-separated on a single line.
        let items: Vec<&str> = if value.contains('\n') {
            value.lines().collect()
        } else {
            value.split(';').collect()
        };
        names.extend(
            items
                .into_iter()
                .filter_map(|item| requirement_key(strip_pip_comment(item))),
        );
    }
    Ok(names.len())
}

// ---------------------------------------------------------------------------
// Go, Rust, JVM
// ---------------------------------------------------------------------------

fn go_mod(text: &str) -> Result<usize, ManifestError> {
    let mut names = Names::new();
    let mut in_block = false;
    for line in text.lines() {
        let (code, comment) = line.split_once("//").unwrap_or((line, ""));
        let code = code.trim();
        let spec = if in_block {
            if code.starts_with(')') {
                in_block = false;
                continue;
            }
            code
        } else {
            match code.strip_prefix("require") {
                Some(rest) if rest.trim_start() == "(" => {
                    in_block = true;
                    continue;
                }
                Some(rest) if rest.starts_with([' ', '\t']) => rest.trim(),
                _ => continue,
            }
        };
        let indirect = comment.trim_start().starts_with("indirect");
        if let Some(module) = spec.split_whitespace().next().filter(|_| !indirect) {
            names.insert(module.trim_matches(['"', '`']).to_owned());
        }
    }
    Ok(names.len())
}

fn cargo_toml(text: &str) -> Result<usize, ManifestError> {
    const SECTIONS: [&str; 5] = [
        "dependencies",
        "dev-dependencies",
        "build-dependencies",
        "dev_dependencies",
        "build_dependencies",
    ];
    let doc = parse_toml(text)?;
    let targets = toml_children(&doc, &["target"]).filter_map(toml::Value::as_table);
    let mut names = Names::new();
    for table in std::iter::once(&doc).chain(targets) {
        for section in SECTIONS {
            names.extend(toml_keys(table, &[section]).cloned());
        }
    }
    names.extend(toml_keys(&doc, &["workspace", "dependencies"]).cloned());
    Ok(names.len())
}

/// Coordinates of the `<dependency>` being read in a pom.
#[derive(Default)]
struct PomDependency {
    group: String,
    artifact: String,
}

fn is_counted_pom_dependency(path: &[String]) -> bool {
    const PROJECT: [&str; 3] = ["project", "dependencies", "dependency"];
    const PROFILE: [&str; 5] = [
        "project",
        "profiles",
        "profile",
        "dependencies",
        "dependency",
    ];
    let is = |expected: &[&str]| {
        path.len() == expected.len() && path.iter().zip(expected).all(|(a, b)| a == b)
    };
    is(&PROJECT) || is(&PROFILE)
}

fn pom_xml(text: &str) -> Result<usize, ManifestError> {
    let mut reader = Reader::from_str(text);
    let mut path: Vec<String> = Vec::new();
    let mut current: Option<PomDependency> = None;
    let mut content = String::new();
    let mut names = Names::new();
    loop {
        let event = reader
            .read_event()
            .map_err(|e| xml_error(text, reader.error_position(), &e))?;
        match event {
            Event::Start(e) => {
                path.push(local_name(&e));
                content.clear();
                if is_counted_pom_dependency(&path) {
                    current = Some(PomDependency::default());
                }
            }
            Event::Text(t) => content.push_str(&t.xml10_content()),
            Event::CData(t) => content.push_str(&t.xml10_content()),
            Event::GeneralRef(r) => content.push_str(&resolve_reference(&r).unwrap_or_default()),
            Event::End(_) => {
                let in_dependency =
                    path.len() > 1 && is_counted_pom_dependency(&path[..path.len() - 1]);
                match (path.last().map(String::as_str), current.as_mut()) {
                    (Some("groupId"), Some(dep)) if in_dependency => {
                        dep.group = content.trim().to_owned();
                    }
                    (Some("artifactId"), Some(dep)) if in_dependency => {
                        dep.artifact = content.trim().to_owned();
                    }
                    _ => {}
                }
                if is_counted_pom_dependency(&path)
                    && let Some(dep) = current.take()
                {
                    names.insert(format!("{}:{}", dep.group, dep.artifact));
                }
                path.pop();
                content.clear();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    unclosed_check(text, path.len())?;
    Ok(names.len())
}

static GRADLE_DEPENDENCIES_BLOCK: LazyRegex =
    LazyLock::new(|| Regex::new(r"(?:^|[^A-Za-z0-9_$])dependencies\s*\{"));
static GRADLE_DECLARATION: LazyRegex =
    LazyLock::new(|| Regex::new(r#"^\s*([A-Za-z_][A-Za-z0-9_]*)(?:\s*\(|\s+["'A-Za-z_\[])"#));

const GRADLE_KEYWORDS: &[&str] = &[
    "if",
    "else",
    "for",
    "while",
    "when",
    "val",
    "var",
    "def",
    "return",
    "try",
    "catch",
    "finally",
    "throw",
    "println",
    "print",
    "assert",
    "import",
    "apply",
    "configurations",
    "constraints",
];

/// Declaration lines directly inside `dependencies { }` blocks (nested `constraints { }`,
/// exclusion closures and multi-line argument lists are not counted twice).
fn gradle(text: &str) -> Result<usize, ManifestError> {
    let block_re = regex(&GRADLE_DEPENDENCIES_BLOCK)?;
    let declaration_re = regex(&GRADLE_DECLARATION)?;
    let shape = mask(text, &JVM, true);
    let mut count = 0;
    let (mut braces, mut parens) = (0i64, 0i64);
    // Brace depths of the interiors of the enclosing `dependencies` blocks.
    let mut blocks: Vec<i64> = Vec::new();
    for line in shape.lines() {
        let at_declaration_level = blocks.last() == Some(&braces) && parens == 0;
        if at_declaration_level
            && let Some(caps) = declaration_re.captures(line)
            && caps
                .get(1)
                .is_some_and(|m| !GRADLE_KEYWORDS.contains(&m.as_str()))
        {
            count += 1;
        }
        if let Some(m) = block_re.find(line) {
            blocks.push(braces + nesting_delta(&line[..m.end()]).0);
        }
        let (db, dp) = nesting_delta(line);
        braces += db;
        parens = (parens + dp).max(0);
        while blocks.last().is_some_and(|&interior| braces < interior) {
            blocks.pop();
        }
    }
    Ok(count)
}

static SBT_MODULE: LazyRegex =
    LazyLock::new(|| Regex::new(r#""([^"\s]+)"\s*%{1,3}\s*"([^"\s]+)"\s*%[^%]"#));

fn build_sbt(text: &str) -> Result<usize, ManifestError> {
    let re = regex(&SBT_MODULE)?;
    let code = mask(text, &SWIFT_SCALA, false);
    let names: Names = re
        .captures_iter(&code)
        .filter_map(|c| Some(format!("{}:{}", c.get(1)?.as_str(), c.get(2)?.as_str())))
        .collect();
    Ok(names.len())
}

// ---------------------------------------------------------------------------
// Ruby, PHP, .NET, Dart, Elixir, Swift, Cocoa
// ---------------------------------------------------------------------------

/// First string argument of a Ruby call, given the text after the method name
/// (`"rails", "~> 7"`, `('pg')`, `(%q<thor>.freeze, ...)`).
fn ruby_string_argument(args: &str) -> Option<&str> {
    let args = args.trim_start();
    let args = args.strip_prefix('(').unwrap_or(args).trim_start();
    let name = match args.strip_prefix("%q<") {
        Some(rest) => rest.split_once('>')?.0,
        None => {
            let quote = args.chars().next().filter(|c| matches!(c, '"' | '\''))?;
            args[1..].split_once(quote)?.0
        }
    };
    (!name.is_empty()).then_some(name)
}

/// Names passed to `method` calls that start a line (`gem "rails"`, `pod 'Alamofire'`).
fn ruby_line_calls(text: &str, method: &str) -> Names {
    text.lines()
        .filter_map(|line| line.trim_start().strip_prefix(method))
        .filter(|args| args.starts_with([' ', '\t', '(']))
        .filter_map(ruby_string_argument)
        .map(str::to_owned)
        .collect()
}

fn gemfile(text: &str) -> Result<usize, ManifestError> {
    Ok(ruby_line_calls(text, "gem").len())
}

fn podfile(text: &str) -> Result<usize, ManifestError> {
    Ok(ruby_line_calls(text, "pod").len())
}

fn gemspec(text: &str) -> Result<usize, ManifestError> {
    const METHODS: [&str; 3] = [
        "add_dependency",
        "add_runtime_dependency",
        "add_development_dependency",
    ];
    let mut names = Names::new();
    for line in text
        .lines()
        .filter(|line| !line.trim_start().starts_with('#'))
    {
        for (at, _) in line.match_indices(".add_") {
            let call = &line[at + 1..];
            let args = METHODS
                .iter()
                .filter_map(|method| call.strip_prefix(method))
                .find(|args| args.starts_with([' ', '\t', '(']));
            names.extend(args.and_then(ruby_string_argument).map(str::to_owned));
        }
    }
    Ok(names.len())
}

fn composer_json(text: &str) -> Result<usize, ManifestError> {
    let doc = parse_json_object(text)?;
    // Platform packages (`php`, `ext-*`, `lib-*`, `composer-*-api`) have no vendor prefix.
    let names: Names = object_keys(&doc, "/require")
        .chain(object_keys(&doc, "/require-dev"))
        .filter(|name| name.contains('/'))
        .map(|name| name.to_lowercase())
        .collect();
    Ok(names.len())
}

fn msbuild_project(text: &str) -> Result<usize, ManifestError> {
    // `PackageVersion` (central package management) pins a version; it declares nothing.
    let elements = ["PackageReference", "GlobalPackageReference"];
    Ok(xml_attribute_values(text, &elements, "Include")?.len())
}

fn packages_config(text: &str) -> Result<usize, ManifestError> {
    Ok(xml_attribute_values(text, &["package"], "id")?.len())
}

fn pubspec_yaml(text: &str) -> Result<usize, ManifestError> {
    let doc = parse_yaml(text)?;
    let names: Names = object_keys(&doc, "/dependencies")
        .chain(object_keys(&doc, "/dev_dependencies"))
        .cloned()
        .collect();
    Ok(names.len())
}

static MIX_DEPS: LazyRegex = LazyLock::new(|| Regex::new(r"\bdefp?\s+deps\b"));

/// `{:name, ...}` tuples directly inside the list returned by `deps`.
fn mix_exs(text: &str) -> Result<usize, ManifestError> {
    let code = mask(text, &ELIXIR, true);
    let Some(start) = regex(&MIX_DEPS)?
        .find(&code)
        .and_then(|m| code[m.end()..].find('[').map(|i| m.end() + i + 1))
    else {
        return Ok(0);
    };
    let bytes = code.as_bytes();
    let mut names = Names::new();
    let mut depth = 1usize;
    for i in start..bytes.len() {
        match bytes[i] {
            b'{' if depth == 1 => {
                depth += 1;
                let after = code[i + 1..].trim_start();
                if let Some(atom) = after.strip_prefix(':') {
                    let len = atom
                        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                        .unwrap_or(atom.len());
                    names.insert(atom[..len].to_owned());
                }
            }
            b'[' | b'{' | b'(' => depth += 1,
            b']' | b'}' | b')' => {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            _ => {}
        }
    }
    names.remove("");
    Ok(names.len())
}

static SWIFT_PACKAGE: LazyRegex = LazyLock::new(|| Regex::new(r"\.package\s*\("));

fn package_swift(text: &str) -> Result<usize, ManifestError> {
    let code = mask(text, &SWIFT_SCALA, true);
    Ok(regex(&SWIFT_PACKAGE)?.find_iter(&code).count())
}

// ---------------------------------------------------------------------------
// JSON / YAML ecosystems
// ---------------------------------------------------------------------------

fn chart_yaml(text: &str) -> Result<usize, ManifestError> {
    let doc = parse_yaml(text)?;
    Ok(array_items(&doc, "/dependencies").count())
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

fn deno_json(text: &str) -> Result<usize, ManifestError> {
    let doc = parse_json_object(&jsonc_to_json(text))?;
    Ok(object_keys(&doc, "/imports").count())
}

fn elm_json(text: &str) -> Result<usize, ManifestError> {
    let doc = parse_json_object(text)?;
    let is_package = doc.get("type").and_then(Value::as_str) == Some("package");
    let mut names = Names::new();
    for section in ["dependencies", "test-dependencies"] {
        let Some(value) = doc.get(section) else {
            continue;
        };
        // Applications split `direct`/`indirect`; packages list constraints directly.
        let direct = match value.get("direct").and_then(Value::as_object) {
            Some(direct) => Some(direct),
            None if is_package => value.as_object(),
            None => None,
        };
        names.extend(direct.into_iter().flat_map(|m| m.keys()).cloned());
    }
    Ok(names.len())
}

fn vcpkg_json(text: &str) -> Result<usize, ManifestError> {
    let doc = parse_json_object(text)?;
    let names: Names = array_items(&doc, "/dependencies")
        .filter_map(|dep| {
            dep.as_str()
                .or_else(|| dep.get("name").and_then(Value::as_str))
        })
        .map(str::to_owned)
        .collect();
    Ok(names.len())
}

fn package_json(text: &str) -> Result<usize, ManifestError> {
    let doc = parse_json_object(text)?;
    let sections = [
        "/dependencies",
        "/devDependencies",
        "/optionalDependencies",
        "/peerDependencies",
    ];
    let names: Names = sections
        .iter()
        .flat_map(|section| object_keys(&doc, section))
        .cloned()
        .collect();
    Ok(names.len())
}

fn compose_file(text: &str) -> Result<usize, ManifestError> {
    let doc = parse_yaml(text)?;
    let images: Names = doc
        .get("services")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|services| services.values())
        .filter_map(|service| service.get("image").and_then(Value::as_str))
        .map(str::to_owned)
        .collect();
    Ok(images.len())
}

fn workflow(text: &str) -> Result<usize, ManifestError> {
    let doc = parse_yaml(text)?;
    let jobs = doc
        .get("jobs")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|jobs| jobs.values());
    let job_uses = jobs.clone().filter_map(|job| job.get("uses"));
    // Composite actions (`action.yml`) keep their steps under `runs`.
    let steps = jobs
        .flat_map(|job| array_items(job, "/steps"))
        .chain(array_items(&doc, "/runs/steps"));
    let uses: Names = job_uses
        .chain(steps.filter_map(|step| step.get("uses")))
        .filter_map(Value::as_str)
        .map(str::trim)
        .filter(|target| !target.is_empty() && !target.starts_with("./"))
        .map(str::to_owned)
        .collect();
    Ok(uses.len())
}

/// Package name of a conda match spec (`conda-forge::numpy>=1.24`, `python 3.11.*`).
fn conda_name(spec: &str) -> Option<String> {
    let spec = spec.trim();
    let spec = spec.rsplit_once("::").map_or(spec, |(_, name)| name);
    let name = spec
        .split([' ', '=', '<', '>', '!', '~', '[', ';'])
        .next()
        .unwrap_or_default();
    (!name.is_empty()).then(|| name.to_lowercase())
}

fn conda_environment(text: &str) -> Result<usize, ManifestError> {
    let doc = parse_yaml(text)?;
    let mut names = Names::new();
    for dep in array_items(&doc, "/dependencies") {
        match dep {
            Value::String(spec) => names.extend(conda_name(spec).map(|n| format!("conda:{n}"))),
            Value::Object(_) => {
                let pip = array_items(dep, "/pip").filter_map(Value::as_str);
                names.extend(
                    pip.filter_map(requirement_line_key)
                        .map(|n| format!("pip:{n}")),
                );
            }
            _ => {}
        }
    }
    Ok(names.len())
}

/// Identity of an Ansible Galaxy role or collection entry.
fn galaxy_key(entry: &Value) -> Option<String> {
    match entry {
        Value::String(name) => Some(name.trim().to_owned()),
        Value::Object(map) => ["name", "src", "source"]
            .iter()
            .find_map(|key| map.get(*key).and_then(Value::as_str))
            .map(str::to_owned),
        _ => None,
    }
}

fn ansible_requirements(text: &str) -> Result<usize, ManifestError> {
    let doc = parse_yaml(text)?;
    let mut names = Names::new();
    let sections: &[&str] = if doc.is_array() {
        &[""]
    } else {
        &["roles", "collections"]
    };
    for section in sections {
        let pointer = if section.is_empty() {
            String::new()
        } else {
            format!("/{section}")
        };
        for (index, entry) in array_items(&doc, &pointer).enumerate() {
            let key = galaxy_key(entry).unwrap_or_else(|| format!("#{index}"));
            names.insert(format!("{section}:{key}"));
        }
    }
    Ok(names.len())
}

// ---------------------------------------------------------------------------
// Containers, CI, infrastructure
// ---------------------------------------------------------------------------

/// The escape character from a leading `# escape=` parser directive (default `\`).
fn docker_escape(text: &str) -> char {
    for line in text.lines() {
        let Some(directive) = line.trim().strip_prefix('#') else {
            break;
        };
        let Some((key, value)) = directive.split_once('=') else {
            break;
        };
        if key.trim().eq_ignore_ascii_case("escape") {
            return value.trim().chars().next().unwrap_or('\\');
        }
    }
    '\\'
}

/// Instructions of a Dockerfile with line continuations joined and comments dropped.
fn docker_instructions(text: &str) -> Vec<String> {
    let escape = docker_escape(text);
    let mut instructions = Vec::new();
    let mut pending = String::new();
    for line in text.lines() {
        // Comment and blank lines do not end an instruction continued over several lines.
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        match line.trim_end().strip_suffix(escape) {
            Some(head) => {
                pending.push_str(head);
                pending.push(' ');
            }
            None => {
                pending.push_str(line);
                instructions.push(std::mem::take(&mut pending));
            }
        }
    }
    if !pending.trim().is_empty() {
        instructions.push(pending);
    }
    instructions
}

fn dockerfile(text: &str) -> Result<usize, ManifestError> {
    let mut stages = HashSet::new();
    let mut images = Names::new();
    for instruction in docker_instructions(text) {
        let mut words = instruction.split_whitespace();
        if !words.next().is_some_and(|w| w.eq_ignore_ascii_case("FROM")) {
            continue;
        }
        let mut args = words.filter(|w| !w.starts_with("--"));
        let Some(image) = args.next() else { continue };
        let lowered = image.to_ascii_lowercase();
        if lowered != "scratch" && !stages.contains(&lowered) {
            images.insert(image.to_owned());
        }
        if let (Some(keyword), Some(stage)) = (args.next(), args.next())
            && keyword.eq_ignore_ascii_case("as")
        {
            stages.insert(stage.to_ascii_lowercase());
        }
    }
    Ok(images.len())
}

/// Providers and non-local modules, from the HCL syntax tree: a local module
/// (`./modules/x`) is the repository's own code, not a dependency.
fn terraform(text: &str) -> Result<usize, ManifestError> {
    let facts = super::terraform::parse(text)
        .ok_or_else(|| ManifestError::new(None, "the HCL grammar could not be loaded"))?;
    if facts.has_errors {
        return Err(ManifestError::new(None, "invalid HCL: syntax errors"));
    }
    let modules = facts
        .modules
        .iter()
        .filter(|source| !source.starts_with("./") && !source.starts_with("../"))
        .count();
    Ok(super::terraform::merge_providers(&facts.providers).len() + modules)
}

fn git_modules(text: &str) -> Result<usize, ManifestError> {
    let sections: Names = text
        .lines()
        .map(str::trim)
        .filter(|line| line.starts_with("[submodule") && line.ends_with(']'))
        .map(str::to_owned)
        .collect();
    Ok(sections.len())
}

// ---------------------------------------------------------------------------
// Julia, C/C++, R, Haskell
// ---------------------------------------------------------------------------

fn julia_project_toml(text: &str) -> Result<usize, ManifestError> {
    let doc = parse_toml(text)?;
    Ok(toml_keys(&doc, &["deps"]).count())
}

fn conanfile_txt(text: &str) -> Result<usize, ManifestError> {
    let mut names = Names::new();
    let mut counted = false;
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or_default().trim();
        if line.is_empty() {
            continue;
        }
        if line.starts_with('[') {
            counted = matches!(line, "[requires]" | "[tool_requires]" | "[build_requires]");
        } else if counted && let Some(name) = line.split('/').next() {
            names.insert(name.trim().to_owned());
        }
    }
    Ok(names.len())
}

/// Fields of a Debian control file (R `DESCRIPTION`), continuation lines joined.
fn dcf_fields(text: &str) -> Vec<(String, String)> {
    let mut fields: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = fields.last_mut() {
                value.push(' ');
                value.push_str(line.trim());
            }
        } else if let Some((name, value)) = line.split_once(':') {
            fields.push((name.trim().to_owned(), value.trim().to_owned()));
        }
    }
    fields
}

fn r_description(text: &str) -> Result<usize, ManifestError> {
    let names: Names = dcf_fields(text)
        .iter()
        .filter(|(field, _)| matches!(field.as_str(), "Imports" | "Depends" | "LinkingTo"))
        .flat_map(|(_, value)| value.split(','))
        .filter_map(|item| item.split(['(', ' ', '\t']).find(|s| !s.is_empty()))
        .filter(|name| *name != "R")
        .map(str::to_owned)
        .collect();
    Ok(names.len())
}

/// Package names in a `build-depends` value (`base >=4 && <5, text ^>=2.0, mylib:internal`).
fn cabal_packages(value: &str) -> impl Iterator<Item = String> + '_ {
    value.split(',').filter_map(|item| {
        let item = item.trim();
        let len = item
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
            .unwrap_or(item.len());
        (len > 0).then(|| item[..len].to_lowercase())
    })
}

fn cabal(text: &str) -> Result<usize, ManifestError> {
    let mut names = Names::new();
    let mut package_name = None;
    // Indentation of the `build-depends:` field whose continuation lines are being read.
    let mut field_indent: Option<usize> = None;
    for line in text.lines() {
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with("--") {
            continue;
        }
        let indent = line.len() - trimmed.len();
        if field_indent.is_some_and(|field| indent > field) {
            names.extend(cabal_packages(trimmed));
            continue;
        }
        field_indent = None;
        let Some((key, value)) = trimmed.split_once(':') else {
            continue;
        };
        match key.trim().to_ascii_lowercase().as_str() {
            "build-depends" => {
                field_indent = Some(indent);
                names.extend(cabal_packages(value));
            }
            "name" if indent == 0 => package_name = Some(value.trim().to_lowercase()),
            _ => {}
        }
    }
    // A test suite depending on its own library is not an external dependency.
    if let Some(own) = package_name {
        names.remove(&own);
    }
    Ok(names.len())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use ManifestFormat as F;

    fn count(format: ManifestFormat, text: &str) -> usize {
        match count_direct_dependencies(format, text) {
            Ok(n) => n,
            Err(e) => panic!("{format:?} failed to parse: {e}"),
        }
    }

    fn error(format: ManifestFormat, text: &str) -> ManifestError {
        match count_direct_dependencies(format, text) {
            Ok(n) => panic!("{format:?} unexpectedly parsed ({n} dependencies)"),
            Err(e) => e,
        }
    }

    #[test]
    fn all_patterns_compile() {
        for lazy in [
            &GRADLE_DEPENDENCIES_BLOCK,
            &GRADLE_DECLARATION,
            &SBT_MODULE,
            &MIX_DEPS,
            &SWIFT_PACKAGE,
        ] {
            assert!(regex(lazy).is_ok());
        }
    }

    #[test]
    fn error_display_includes_line() {
        let err = ManifestError::new(Some(3), "bad");
        assert_eq!(err.to_string(), "bad (line 3)");
        assert_eq!(ManifestError::new(None, "bad").to_string(), "bad");
    }

    #[test]
    fn format_serde_names_are_kebab_case() {
        let json = serde_json::to_string(&F::MsbuildProject).unwrap();
        assert_eq!(json, "\"msbuild-project\"");
        let parsed: ManifestFormat = serde_json::from_str("\"requirements-yml\"").unwrap();
        assert_eq!(parsed, F::RequirementsYml);
    }

    #[test]
    fn package_json_unique_names_across_sections() {
        let text = r#"{
          "name": "web",
          "dependencies": { "react": "^18.2.0", "react-dom": "^18.2.0", "@tanstack/query": "5" },
          "devDependencies": { "typescript": "~5.4", "vite": "^5", "react": "^18.2.0" },
          "optionalDependencies": { "fsevents": "*" },
          "peerDependencies": { "react-dom": ">=17" },
          "scripts": { "build": "vite build" }
        }"#;
        assert_eq!(count(F::PackageJson, text), 6);
    }

    #[test]
    fn package_json_errors() {
        let err = error(
            F::PackageJson,
            "{\n  \"dependencies\": {\n    \"a\": \"1\",\n  }\n}",
        );
        assert_eq!(err.line, Some(4));
        assert!(err.message.starts_with("invalid JSON"), "{err}");
        assert!(!err.message.contains(" at line "), "{err}");
        assert_eq!(error(F::PackageJson, "").line, Some(1));
        assert_eq!(error(F::PackageJson, "[1, 2]").line, Some(1));
    }

    #[test]
    fn json_nesting_bomb_is_an_error_not_a_stack_overflow() {
        let text = format!("{{\"a\":{}{}}}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(error(F::PackageJson, &text).message.contains("recursion"));
    }

    #[test]
    fn requirements_txt() {
        let text = r"
# Core
-r base.txt
-c constraints.txt
--index-url https://pypi.org/simple
--extra-index-url https://example.com/simple
Django>=4.2,<5  # web
djangorestframework==3.15.1
requests[security] >= 2.31 ; python_version >= '3.8'
requests[socks]
celery==5.3.6 \
    --hash=sha256:aaaa \
    --hash=sha256:bbbb
-e git+https://github.com/acme/widgets.git@main#egg=acme-widgets
--editable ./libs/shared
https://example.com/packages/tool-1.0.tar.gz
pandas @ https://example.com/pandas-2.2.tar.gz
zope.interface
Zope_Interface
";
        // django, drf, requests, celery, acme-widgets, ./libs/shared, tool URL, pandas, zope-interface
        assert_eq!(count(F::RequirementsTxt, text), 9);
    }

    #[test]
    fn line_formats_accept_empty_input() {
        for format in [
            F::RequirementsTxt,
            F::SetupCfg,
            F::GoMod,
            F::Gradle,
            F::Gemfile,
            F::Gemspec,
            F::MixExs,
            F::PackageSwift,
            F::Podfile,
            F::Dockerfile,
            F::Terraform,
            F::GitModules,
            F::BuildSbt,
            F::Conanfile,
            F::Description,
            F::Cabal,
            // Empty TOML, YAML and XML documents are valid and declare nothing.
            F::CargoToml,
            F::PyprojectToml,
            F::Pipfile,
            F::ProjectToml,
            F::PubspecYaml,
            F::ChartYaml,
            F::ComposeFile,
            F::Workflow,
            F::CondaEnvironment,
            F::RequirementsYml,
            F::PomXml,
            F::MsbuildProject,
            F::PackagesConfig,
        ] {
            assert_eq!(count(format, ""), 0, "{format:?}");
        }
    }

    #[test]
    fn ten_megabyte_line_is_handled() {
        let long = "x".repeat(10 * 1024 * 1024);
        let requirement = format!("{long}==1.0\nflask\n");
        assert_eq!(count(F::RequirementsTxt, &requirement), 2);
        let go = format!("module m\n\nrequire example.com/{long} v1.0.0\n");
        assert_eq!(count(F::GoMod, &go), 1);
        let docker = format!("FROM alpine:3.20\nRUN echo {long}\n");
        assert_eq!(count(F::Dockerfile, &docker), 1);
        let gradle = format!("dependencies {{\n  implementation(\"g:{long}:1\")\n}}\n");
        assert_eq!(count(F::Gradle, &gradle), 1);
        let package = format!("{{\"dependencies\": {{\"{long}\": \"1\"}}}}");
        assert_eq!(count(F::PackageJson, &package), 1);
        let comment = format!("{{\n  // {long}\n  \"imports\": {{\"std/\": \"jsr:@std\"}}\n}}");
        assert_eq!(count(F::DenoJson, &comment), 1);
        // Implicit keys are limited to 1024 characters by the YAML spec, so the long part is a value.
        let yaml = format!("dependencies:\n  http: \"{long}\"\n  path: {long}\n");
        assert_eq!(count(F::PubspecYaml, &yaml), 2);
        let swift = format!("// {long}\n.package(url: \"x\", from: \"1.0.0\")\n");
        assert_eq!(count(F::PackageSwift, &swift), 1);
    }

    #[test]
    fn pyproject_pep621_poetry_and_groups() {
        let text = r#"
[project]
name = "acme-api"
dependencies = ["fastapi>=0.110", "uvicorn[standard]", "SQLAlchemy ~= 2.0", "pydantic_settings"]

[project.optional-dependencies]
postgres = ["psycopg[binary]>=3.1"]
all = ["acme_api[postgres]", "orjson"]

[dependency-groups]
test = ["pytest>=8", "pytest-cov", {include-group = "lint"}]
lint = ["ruff", "fastapi"]

[tool.poetry.dependencies]
python = "^3.11"
httpx = "^0.27"

[tool.poetry.group.docs.dependencies]
mkdocs = "*"

[tool.poetry.dev-dependencies]
mypy = "*"
"#;
        // fastapi uvicorn sqlalchemy pydantic-settings psycopg orjson pytest pytest-cov ruff httpx mkdocs mypy
        assert_eq!(count(F::PyprojectToml, text), 12);
    }

    #[test]
    fn toml_errors_report_line() {
        let err = error(
            F::PyprojectToml,
            "[project]\nname = \"x\"\ndependencies = [\n\"a\",\n",
        );
        assert!(err.message.starts_with("invalid TOML"), "{err}");
        assert!(err.line.is_some_and(|l| l >= 3), "{err:?}");
        let err = error(F::CargoToml, "[package]\nname = \"a\"\nname = \"b\"\n");
        assert_eq!(err.line, Some(3));
    }

    #[test]
    fn toml_nesting_bomb_is_an_error_not_a_stack_overflow() {
        let text = format!("a = {}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(count_direct_dependencies(F::CargoToml, &text).is_err());
    }

    #[test]
    fn pipfile() {
        let text = r#"
[[source]]
url = "https://pypi.org/simple"
verify_ssl = true
name = "pypi"

[packages]
requests = "*"
flask = {version = "==3.0.*", extras = ["async"]}
Django_Filter = "*"

[dev-packages]
pytest = "*"
django-filter = "*"

[requires]
python_version = "3.12"
"#;
        assert_eq!(count(F::Pipfile, text), 4);
    }

    #[test]
    fn setup_cfg() {
        let text = r"
[metadata]
name = acme
install_requires = not-in-options

[options]
packages = find:
install_requires =
    requests>=2
    # a comment
    click; python_version >= '3.8'
    importlib-metadata
tests_require = pytest; tox

[options.extras_require]
yaml = PyYAML>=6
toml =
    tomli
    requests

[options.entry_points]
console_scripts =
    acme = acme.cli:main
";
        // requests click importlib-metadata pytest tox pyyaml tomli
        assert_eq!(count(F::SetupCfg, text), 7);
    }

    #[test]
    fn go_mod_excludes_indirect() {
        let text = r"module github.com/acme/svc

go 1.22

require github.com/spf13/cobra v1.8.0

require (
	github.com/gin-gonic/gin v1.9.1
	golang.org/x/sync v0.6.0 // indirect
	github.com/stretchr/testify v1.9.0 // tested
	// github.com/commented/out v1.0.0
	gopkg.in/yaml.v3 v3.0.1 // indirect; pulled by testify
)

replace github.com/gin-gonic/gin => ../gin
exclude github.com/old/thing v0.1.0
";
        assert_eq!(count(F::GoMod, text), 3);
    }

    #[test]
    fn cargo_toml_all_sections() {
        let text = r#"
[package]
name = "fullcover"
version = "0.1.0"

[dependencies]
serde = { version = "1", features = ["derive"] }
anyhow = "1"

[dev-dependencies]
tempfile = "3"
serde = "1"

[build-dependencies]
cc = "1"

[target.'cfg(windows)'.dependencies]
windows-sys = "0.59"

[target.'cfg(unix)'.dev-dependencies]
nix = "0.29"

[workspace.dependencies]
tokio = "1"
"#;
        assert_eq!(count(F::CargoToml, text), 7);
    }

    #[test]
    fn pom_counts_project_and_profile_dependencies_only() {
        let text = r#"<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>com.acme</groupId>
  <artifactId>svc</artifactId>
  <dependencyManagement>
    <dependencies>
      <dependency><groupId>org.springframework.boot</groupId><artifactId>spring-boot-dependencies</artifactId></dependency>
    </dependencies>
  </dependencyManagement>
  <dependencies>
    <dependency>
      <groupId>org.springframework.boot</groupId>
      <artifactId>spring-boot-starter-web</artifactId>
    </dependency>
    <dependency>
      <groupId>com.fasterxml.jackson.core</groupId>
      <artifactId>jackson-databind</artifactId>
      <exclusions>
        <exclusion><groupId>x</groupId><artifactId>y</artifactId></exclusion>
      </exclusions>
    </dependency>
    <!-- <dependency><groupId>c</groupId><artifactId>d</artifactId></dependency> -->
    <dependency>
      <groupId><![CDATA[org.junit.jupiter]]></groupId>
      <artifactId>junit&#45;jupiter</artifactId>
      <scope>test</scope>
    </dependency>
  </dependencies>
  <build>
    <plugins>
      <plugin>
        <artifactId>maven-surefire-plugin</artifactId>
        <dependencies>
          <dependency><groupId>p</groupId><artifactId>q</artifactId></dependency>
        </dependencies>
      </plugin>
    </plugins>
  </build>
  <profiles>
    <profile>
      <id>it</id>
      <dependencies>
        <dependency><groupId>org.testcontainers</groupId><artifactId>postgresql</artifactId></dependency>
        <dependency><groupId>com.fasterxml.jackson.core</groupId><artifactId>jackson-databind</artifactId></dependency>
      </dependencies>
    </profile>
  </profiles>
</project>
"#;
        assert_eq!(count(F::PomXml, text), 4);
    }

    #[test]
    fn xml_errors_report_line() {
        let err = error(
            F::PomXml,
            "<project>\n  <dependencies>\n  </dependency>\n</project>\n",
        );
        assert!(err.message.starts_with("invalid XML"), "{err}");
        assert_eq!(err.line, Some(3));
        let err = error(F::PomXml, "<project>\n<dependencies>\n");
        assert!(err.message.contains("unclosed"), "{err}");
        assert!(
            count_direct_dependencies(F::MsbuildProject, "<Project><ItemGroup></Project>").is_err()
        );
        assert!(
            count_direct_dependencies(F::PackagesConfig, "<packages><package id=\"a\" </packages>")
                .is_err()
        );
    }

    #[test]
    fn deeply_nested_xml_does_not_overflow() {
        let text = format!("{}{}", "<a>".repeat(200_000), "</a>".repeat(200_000));
        assert_eq!(count(F::PomXml, &text), 0);
        assert_eq!(count(F::MsbuildProject, &text), 0);
    }

    #[test]
    fn gradle_groovy_and_kotlin() {
        let groovy = r#"
buildscript {
    dependencies {
        classpath 'com.android.tools.build:gradle:8.3.0'
    }
}
plugins { id 'java' }
dependencies {
    implementation 'org.springframework.boot:spring-boot-starter-web'
    implementation platform('org.springframework.boot:spring-boot-dependencies:3.2.0')
    implementation group: 'com.google.guava', name: 'guava', version: '33.0-jre'
    // implementation 'commented:out:1'
    /* testImplementation 'also:commented:1' */
    compileOnly 'org.projectlombok:lombok'
    annotationProcessor 'org.projectlombok:lombok'
    testImplementation('org.junit.jupiter:junit-jupiter') {
        exclude group: 'org.hamcrest'
    }
    implementation project(':core')
    if (useFoo) {
        runtimeOnly 'foo:bar:1'
    }
    constraints {
        implementation 'org.apache.commons:commons-text:1.11.0'
    }
}
"#;
        assert_eq!(count(F::Gradle, groovy), 8);

        let kotlin = r#"
dependencies {
    implementation(libs.kotlinx.coroutines.core)
    implementation(platform("org.jetbrains.kotlin:kotlin-bom"))
    implementation(
        project(":shared")
    )
    ksp(libs.room.compiler)
    kapt("com.google.dagger:hilt-compiler:2.51")
    testImplementation(kotlin("test"))
    val x = "not a dependency { }"
}
kotlin {
    sourceSets {
        commonMain.dependencies {
            implementation(libs.ktor.client.core)
        }
    }
}
"#;
        assert_eq!(count(F::Gradle, kotlin), 7);
    }

    #[test]
    fn gemfile_and_gemspec() {
        let gemfile = r#"
source "https://rubygems.org"
ruby "3.3.0"
gem "rails", "~> 7.1"
gem 'pg', '>= 1.1'
gem("puma")
# gem "commented"
group :development, :test do
  gem "rspec-rails"
  gem "rails"
end
gemspec
"#;
        assert_eq!(count(F::Gemfile, gemfile), 4);

        let gemspec = r#"
Gem::Specification.new do |spec|
  spec.name = "acme"
  spec.add_dependency "activesupport", ">= 6.1"
  spec.add_runtime_dependency('concurrent-ruby', '~> 1.0')
  spec.add_development_dependency "rake", "~> 13.0"
  # spec.add_development_dependency "commented"
  s.add_dependency(%q<thor>.freeze, [">= 1.0"])
  spec.add_development_dependency "activesupport"
end
"#;
        assert_eq!(count(F::Gemspec, gemspec), 4);
    }

    #[test]
    fn composer_excludes_platform_packages() {
        let text = r#"{
            "require": { "php": "^8.2", "ext-json": "*", "lib-curl": "*", "laravel/framework": "^11.0", "guzzlehttp/guzzle": "^7.8" },
            "require-dev": { "phpunit/phpunit": "^11", "composer-runtime-api": "^2", "Laravel/Framework": "^11.0" }
        }"#;
        assert_eq!(count(F::ComposerJson, text), 3);
    }

    #[test]
    fn msbuild_and_packages_config() {
        let csproj = r#"<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><TargetFramework>net8.0</TargetFramework></PropertyGroup>
  <ItemGroup>
    <PackageReference Include="Newtonsoft.Json" Version="13.0.3" />
    <PackageReference Include="Serilog">
      <Version>3.1.1</Version>
    </PackageReference>
    <PackageReference Update="Serilog" Version="3.1.2" />
    <ProjectReference Include="..\Core\Core.csproj" />
    <!-- <PackageReference Include="Commented" /> -->
  </ItemGroup>
</Project>"#;
        assert_eq!(count(F::MsbuildProject, csproj), 2);

        let props = r#"<Project>
  <ItemGroup>
    <PackageVersion Include="xunit" Version="2.7.0" />
    <PackageVersion Include="Moq" Version="4.20.70" />
    <GlobalPackageReference Include="Nerdbank.GitVersioning" Version="3.6.133" />
  </ItemGroup>
</Project>"#;
        assert_eq!(count(F::MsbuildProject, props), 1);

        let config = r#"<?xml version="1.0" encoding="utf-8"?>
<packages>
  <package id="EntityFramework" version="6.4.4" targetFramework="net48" />
  <package id="log4net" version="2.0.15" targetFramework="net48" />
  <package id="entityframework" version="6.4.4" targetFramework="net472" />
</packages>"#;
        assert_eq!(count(F::PackagesConfig, config), 2);
    }

    #[test]
    fn pubspec_yaml() {
        let text = r"
name: app
environment:
  sdk: '>=3.3.0 <4.0.0'
dependencies:
  flutter:
    sdk: flutter
  http: ^1.2.0
  provider: ^6.1.1
dev_dependencies:
  flutter_test:
    sdk: flutter
  flutter_lints: ^3.0.0
  http: ^1.2.0
";
        assert_eq!(count(F::PubspecYaml, text), 5);
    }

    #[test]
    fn yaml_errors_report_line() {
        let err = error(
            F::PubspecYaml,
            "name: app\ndependencies:\n  http: ^1.0\n   bad: [\n",
        );
        assert!(err.message.starts_with("invalid YAML"), "{err}");
        assert!(err.line.is_some_and(|l| l >= 3), "{err:?}");
    }

    #[test]
    fn yaml_alias_bomb_fails_fast() {
        let bomb = r#"
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
dependencies: *i
"#;
        let started = std::time::Instant::now();
        let err = error(F::ChartYaml, bomb);
        assert!(err.message.starts_with("invalid YAML"), "{err}");
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        assert!(parse_yaml_documents(bomb).is_err());
    }

    #[test]
    fn yaml_deep_nesting_is_an_error() {
        let text = format!("dependencies: {}{}", "[".repeat(10_000), "]".repeat(10_000));
        assert!(count_direct_dependencies(F::ChartYaml, &text).is_err());
    }

    #[test]
    fn yaml_helpers() {
        assert_eq!(parse_yaml("").unwrap(), Value::Null);
        let value = parse_yaml("a: 1\nb: [x, y]\n").unwrap();
        assert_eq!(value.pointer("/b/1").and_then(Value::as_str), Some("y"));
        let value = parse_yaml("on:\n  push: {}\nflags: [yes, off, true]\n").unwrap();
        assert!(value.get("on").is_some());
        assert_eq!(
            value.pointer("/flags/0").and_then(Value::as_str),
            Some("yes")
        );
        assert_eq!(value.pointer("/flags/2"), Some(&Value::Bool(true)));
        let docs = parse_yaml_documents("a: 1\n---\nb: 2\n---\n").unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[1].get("b").and_then(Value::as_i64), Some(2));
        assert!(parse_yaml("a: 1\n---\nb: 2\n").is_err());
    }

    #[test]
    fn mix_exs() {
        let text = r#"
defmodule Acme.MixProject do
  use Mix.Project

  def project do
    [app: :acme, version: "0.1.0", deps: deps()]
  end

  defp deps do
    [
      {:phoenix, "~> 1.7.11"},
      {:ecto_sql, "~> 3.10"},
      # {:commented, "~> 1.0"},
      {:credo, "~> 1.7", only: [:dev, :test], runtime: false},
      {:my_dep, git: "https://example.com/{:fake, 1}.git", tag: "0.1.0"},
      {:jason, "~> 1.2"}
    ]
  end
end
"#;
        assert_eq!(count(F::MixExs, text), 5);
    }

    #[test]
    fn package_swift() {
        let text = r#"// swift-tools-version:5.9
import PackageDescription

let package = Package(
    name: "Acme",
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.3.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.5.0"),
        // .package(url: "https://example.com/commented", from: "1.0.0"),
        .package(path: "../LocalKit"),
    ],
    targets: [
        .executableTarget(name: "acme", dependencies: [
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
    ]
)
"#;
        assert_eq!(count(F::PackageSwift, text), 3);
    }

    #[test]
    fn podfile() {
        let text = r"
platform :ios, '15.0'
target 'App' do
  use_frameworks!
  pod 'Alamofire', '~> 5.8'
  pod 'Firebase/Analytics'
  # pod 'Commented'
  target 'AppTests' do
    inherit! :search_paths
    pod 'Quick'
    pod 'Alamofire'
  end
end
";
        assert_eq!(count(F::Podfile, text), 3);
    }

    #[test]
    fn chart_yaml() {
        let text = r#"
apiVersion: v2
name: acme
version: 1.2.3
dependencies:
  - name: postgresql
    version: "15.x.x"
    repository: oci://registry-1.docker.io/bitnamicharts
  - name: redis
    version: "19.x.x"
    repository: https://charts.bitnami.com/bitnami
    condition: redis.enabled
"#;
        assert_eq!(count(F::ChartYaml, text), 2);
    }

    #[test]
    fn deno_json_accepts_jsonc() {
        let text = r#"{
  // import map
  "imports": {
    "@std/assert": "jsr:@std/assert@^1.0.0",
    "hono": "npm:hono@4", /* inline */
    "url//with-slashes": "https://deno.land/x/mod.ts",
  },
  "tasks": { "dev": "deno run -A main.ts" },
}"#;
        assert_eq!(count(F::DenoJson, text), 3);
        assert_eq!(
            error(F::DenoJson, "{\n\"imports\": {\n\"a\" \"b\"}}").line,
            Some(3)
        );
    }

    #[test]
    fn elm_json_application_and_package() {
        let application = r#"{
    "type": "application",
    "source-directories": ["src"],
    "elm-version": "0.19.1",
    "dependencies": {
        "direct": { "elm/browser": "1.0.2", "elm/core": "1.0.5", "elm/html": "1.0.0" },
        "indirect": { "elm/json": "1.1.3", "elm/time": "1.0.0" }
    },
    "test-dependencies": {
        "direct": { "elm-explorations/test": "2.2.0" },
        "indirect": { "elm/random": "1.0.0" }
    }
}"#;
        assert_eq!(count(F::ElmJson, application), 4);
        let package = r#"{
    "type": "package",
    "name": "acme/widgets",
    "dependencies": { "elm/core": "1.0.0 <= v < 2.0.0", "elm/json": "1.0.0 <= v < 2.0.0" },
    "test-dependencies": { "elm-explorations/test": "2.0.0 <= v < 3.0.0" }
}"#;
        assert_eq!(count(F::ElmJson, package), 3);
    }

    #[test]
    fn dockerfile_multi_stage() {
        let text = r"# syntax=docker/dockerfile:1
ARG GO_VERSION=1.22
FROM --platform=$BUILDPLATFORM golang:${GO_VERSION}-alpine AS build
WORKDIR /src
RUN go build -o /out/app \
    ./cmd/app
FROM build AS test
RUN go test ./...
from node:20 as Assets
FROM gcr.io/distroless/static-debian12
COPY --from=build /out/app /app
FROM scratch AS minimal
COPY --from=assets /dist /dist
FROM \

  # comment inside a continued instruction
  cgr.dev/chainguard/static
";
        // golang, node, distroless, chainguard (stages `build`/`assets` and `scratch` excluded)
        assert_eq!(count(F::Dockerfile, text), 4);
    }

    #[test]
    fn dockerfile_escape_directive() {
        let text = "# escape=`\nFROM mcr.microsoft.com/windows/servercore:ltsc2022 `\n  AS base\nFROM base\nRUN dir c:\\\n";
        assert_eq!(count(F::Dockerfile, text), 1);
    }

    #[test]
    fn compose_file() {
        let text = r#"
services:
  web:
    build: .
    ports: ["8080:80"]
  db:
    image: postgres:16
    environment:
      POSTGRES_PASSWORD: example
  cache:
    image: "redis:7-alpine"
  replica:
    image: postgres:16
x-common: &common
  restart: always
"#;
        assert_eq!(count(F::ComposeFile, text), 2);
    }

    #[test]
    fn workflow_uses() {
        let text = r"
name: CI
on:
  push:
    branches: [main]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-go@v5
        with: { go-version: '1.22' }
      - run: go test ./...
      - uses: ./.github/actions/local
      - uses: docker://alpine:3.20
  lint:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: golangci/golangci-lint-action@v6
  release:
    uses: acme/workflows/.github/workflows/release.yml@v1
    secrets: inherit
  local:
    uses: ./.github/workflows/reusable.yml
";
        assert_eq!(count(F::Workflow, text), 5);
    }

    #[test]
    fn terraform_modules_and_providers() {
        let text = r#"
terraform {
  required_version = ">= 1.6"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
    random = { source = "hashicorp/random" }
    # google = { source = "hashicorp/google" }
    kubernetes = {
      source = "hashicorp/kubernetes"
    }
  }
}

module "vpc" {
  source  = "terraform-aws-modules/vpc/aws"
  version = "5.5.0"
  tags = { Name = "x" }
}

/*
module "disabled" {
  source = "./disabled"
}
*/
module "eks" {
  source = "terraform-aws-modules/eks/aws"
}

module "local" {
  source = "./modules/local"
}

resource "aws_s3_bucket" "b" {
  bucket = "acme-${var.env}"
}
"#;
        assert_eq!(count(F::Terraform, text), 5);
    }

    #[test]
    fn git_modules() {
        let text = r#"
[submodule "vendor/lib"]
	path = vendor/lib
	url = https://github.com/acme/lib.git
[submodule "docs/theme"]
	path = docs/theme
	url = https://github.com/acme/theme.git
	branch = main
"#;
        assert_eq!(count(F::GitModules, text), 2);
    }

    #[test]
    fn conda_environment() {
        let text = r"
name: science
channels:
  - conda-forge
dependencies:
  - python=3.11
  - numpy>=1.26
  - conda-forge::pandas
  - scipy 1.12.*
  - pip
  - pip:
      - -r requirements.txt
      - --index-url https://example.com
      - requests==2.31.0
      - -e ./local
";
        assert_eq!(count(F::CondaEnvironment, text), 7);
    }

    #[test]
    fn build_sbt() {
        let text = r#"
ThisBuild / scalaVersion := "3.4.0"
libraryDependencies ++= Seq(
  "org.typelevel" %% "cats-core" % "2.10.0",
  "org.scalatest" %% "scalatest" % "3.2.18" % Test,
  "com.typesafe" % "config" % configVersion,
  // "commented" %% "out" % "1.0",
  "org.scala-js" %%% "scalajs-dom" % "2.8.0"
)
libraryDependencies += "org.typelevel" %% "cats-core" % "2.10.0"
excludeDependencies += "org.slf4j" % "slf4j-log4j12"
"#;
        assert_eq!(count(F::BuildSbt, text), 4);
    }

    #[test]
    fn julia_project_toml() {
        let text = r#"
name = "Acme"
uuid = "7876af07-990d-54b4-ab0e-23690620f79a"

[deps]
DataFrames = "a93c6f00-e57d-5684-b7b6-d8193f3e46c0"
JSON3 = "0f8b85d8-7281-11e9-16c2-39a750bddbf1"
LinearAlgebra = "37e2e46d-f89d-539d-b4ee-838fcccc9c8e"

[compat]
julia = "1.10"
"#;
        assert_eq!(count(F::ProjectToml, text), 3);
    }

    #[test]
    fn vcpkg_json() {
        let text = r#"{
  "name": "acme",
  "version-string": "1.0",
  "dependencies": [
    "fmt",
    { "name": "boost-asio", "version>=": "1.84.0" },
    { "name": "openssl", "platform": "!windows" },
    "fmt"
  ]
}"#;
        assert_eq!(count(F::Vcpkg, text), 3);
    }

    #[test]
    fn conanfile_txt() {
        let text = r"
[requires]
zlib/1.3.1
boost/1.84.0@acme/stable  # pinned
# openssl/3.2.1

[tool_requires]
cmake/3.28.1

[generators]
CMakeDeps
CMakeToolchain

[options]
boost/*:shared=True
";
        assert_eq!(count(F::Conanfile, text), 3);
    }

    #[test]
    fn r_description() {
        let text = r"Package: acme
Title: Acme Tools
Version: 0.1.0
Depends:
    R (>= 4.1.0),
    methods
Imports: dplyr (>= 1.1.0), rlang,
    tibble,
    purrr
LinkingTo: Rcpp
Suggests: testthat (>= 3.0.0), knitr
";
        assert_eq!(count(F::Description, text), 6);
    }

    #[test]
    fn cabal_build_depends() {
        let text = r"cabal-version: 3.0
name:          acme
version:       0.1.0.0

library
  exposed-modules: Acme
  -- build-depends: commented
  build-depends:
      base >=4.17 && <5
    , text ^>=2.0
    , containers
  default-language: Haskell2010

executable acme
  main-is: Main.hs
  build-depends: base, acme, optparse-applicative >=0.18

test-suite spec
  type: exitcode-stdio-1.0
  Build-Depends: base, acme:internal, hspec
";
        // base text containers optparse-applicative hspec (acme itself excluded)
        assert_eq!(count(F::Cabal, text), 5);
    }

    #[test]
    fn ansible_requirements() {
        let text = r"
roles:
  - name: geerlingguy.docker
    version: 7.1.0
  - src: https://github.com/acme/ansible-role-base.git
    scm: git
    name: base
  - geerlingguy.pip
collections:
  - name: community.general
    version: '>=8.0.0'
  - ansible.posix
";
        assert_eq!(count(F::RequirementsYml, text), 5);
        let legacy = "- src: geerlingguy.java\n- src: geerlingguy.nginx\n  version: 3.1.0\n";
        assert_eq!(count(F::RequirementsYml, legacy), 2);
    }

    #[test]
    fn byte_order_mark_and_crlf_are_accepted() {
        let json = "\u{feff}{\r\n  \"dependencies\": { \"left-pad\": \"1\" }\r\n}\r\n";
        assert_eq!(count(F::PackageJson, json), 1);
        let csproj = "\u{feff}<Project>\r\n<ItemGroup><PackageReference Include=\"Dapper\" /></ItemGroup>\r\n</Project>";
        assert_eq!(count(F::MsbuildProject, csproj), 1);
        let requirements = "flask==3.0 \\\r\n    --hash=sha256:abc\r\n# note\r\nclick\r\n";
        assert_eq!(count(F::RequirementsTxt, requirements), 2);
        let dockerfile = "FROM node:20 AS deps\r\nFROM deps\r\n";
        assert_eq!(count(F::Dockerfile, dockerfile), 1);
    }

    #[test]
    fn xml_entities_from_a_dtd_are_not_expanded() {
        let text = r#"<?xml version="1.0"?>
<!DOCTYPE project [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY xxe SYSTEM "file:///etc/passwd">
]>
<project>
  <dependencies>
    <dependency><groupId>&lol2;</groupId><artifactId>&xxe;</artifactId></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-api</artifactId></dependency>
  </dependencies>
</project>"#;
        assert_eq!(count(F::PomXml, text), 2);
    }

    #[test]
    fn mask_preserves_offsets_and_lines() {
        let text = "a // é comment\n\"str // not\" /* multi\nline */ b";
        let masked = mask(text, &JVM, false);
        assert_eq!(masked.len(), text.len());
        assert_eq!(masked.lines().count(), text.lines().count());
        assert!(masked.contains("\"str // not\""));
        assert!(!masked.contains("comment") && !masked.contains("multi"));
        let blanked = mask(text, &JVM, true);
        assert!(!blanked.contains("str"));
    }
}
