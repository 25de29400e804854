//! Bounded parsers for the structured formats repositories hold: JSON, TOML, YAML (under a
//! resource budget against alias bombs) and XML, with errors that name the line. Used by
//! detection, configuration and planning alike.

use std::collections::HashSet;

use quick_xml::Reader;
use quick_xml::events::{BytesRef, BytesStart, Event};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}{}", line.map(|l| format!(" (line {l})")).unwrap_or_default())]
pub struct ParseError {
    pub line: Option<usize>,
    pub message: String,
}

impl ParseError {
    pub(crate) fn new(line: Option<usize>, message: impl Into<String>) -> Self {
        Self {
            line,
            message: message.into(),
        }
    }
}

/// 1-based line number of a byte offset.
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

pub(crate) fn parse_json(text: &str) -> Result<Value, ParseError> {
    serde_json::from_str(text).map_err(|e| {
        let message = e.to_string();
        let message = message.split(" at line ").next().unwrap_or_default();
        ParseError::new(Some(e.line().max(1)), format!("invalid JSON: {message}"))
    })
}

pub(crate) fn parse_json_object(text: &str) -> Result<Value, ParseError> {
    let doc = parse_json(text)?;
    if doc.is_object() {
        Ok(doc)
    } else {
        Err(ParseError::new(
            Some(1),
            "expected a JSON object at top level",
        ))
    }
}

/// Keys of the object at JSON `pointer` (nothing when absent or not an object).
pub(crate) fn object_keys<'a>(doc: &'a Value, pointer: &str) -> impl Iterator<Item = &'a String> {
    doc.pointer(pointer)
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|map| map.keys())
}

/// Items of the array at JSON `pointer` (nothing when absent or not an array).
pub(crate) fn array_items<'a>(doc: &'a Value, pointer: &str) -> impl Iterator<Item = &'a Value> {
    doc.pointer(pointer)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}

pub(crate) fn parse_toml(text: &str) -> Result<toml::Table, ParseError> {
    toml::from_str(text).map_err(|e| {
        let line = e.span().map(|span| line_of(text, span.start));
        ParseError::new(line, format!("invalid TOML: {}", e.message().trim()))
    })
}

pub(crate) fn toml_get<'a>(table: &'a toml::Table, path: &[&str]) -> Option<&'a toml::Value> {
    let (last, parents) = path.split_last()?;
    let mut current = table;
    for key in parents {
        current = current.get(*key)?.as_table()?;
    }
    current.get(*last)
}

pub(crate) fn toml_keys<'a>(
    table: &'a toml::Table,
    path: &[&str],
) -> impl Iterator<Item = &'a String> {
    toml_get(table, path)
        .and_then(toml::Value::as_table)
        .into_iter()
        .flat_map(|t| t.keys())
}

/// String items of a TOML array (non-strings are skipped).
pub(crate) fn toml_strings(value: Option<&toml::Value>) -> impl Iterator<Item = &str> {
    value
        .and_then(toml::Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(toml::Value::as_str)
}

/// Values of the sub-tables of the table at `path`, e.g. every `[tool.poetry.group.*]`.
pub(crate) fn toml_children<'a>(
    table: &'a toml::Table,
    path: &[&str],
) -> impl Iterator<Item = &'a toml::Value> {
    toml_get(table, path)
        .and_then(toml::Value::as_table)
        .into_iter()
        .flat_map(|t| t.values())
}

/// Scalar text one YAML stream may hold once its aliases are expanded.
pub const MAX_YAML_SCALAR_BYTES: usize = 64 * 1024 * 1024;

/// Nodes one YAML stream may hold once its aliases are expanded.
pub const MAX_YAML_NODES: usize = 250_000;

/// Alias-bomb and size limits for YAML manifests; generous for real configuration files.
pub(crate) fn yaml_options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_events: 1_000_000,
            max_aliases: 10_000,
            max_anchors: 10_000,
            max_nodes: MAX_YAML_NODES,
            max_depth: 64,
            max_documents: 1_024,
            // Counts scalars replayed by aliases too (a 10 MB line still parses).
            max_total_scalar_bytes: MAX_YAML_SCALAR_BYTES,
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

pub(crate) fn yaml_error(err: &serde_saphyr::Error) -> ParseError {
    let line = err
        .location()
        .map(|location| location.line())
        .filter(|&line| line > 0)
        .map(|line| usize::try_from(line).unwrap_or(usize::MAX));
    let message = err.without_snippet().to_string();
    let message = message.split(" at line ").next().unwrap_or_default();
    ParseError::new(line, format!("invalid YAML: {message}"))
}

/// Parses one YAML document into JSON values under a resource budget, so alias bombs
/// ("billion laughs") and pathological nesting fail fast with an error. Empty input is `null`.
/// Booleans follow YAML 1.2 (`on`/`yes`/`y` stay strings); a repeated key keeps its last value.
///
/// # Errors
///
/// A `ParseError` with the line of the syntax error when serde-saphyr reports one, or when
/// the budget is exceeded or the text holds several documents.
pub fn parse_yaml(text: &str) -> Result<Value, ParseError> {
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
pub fn parse_yaml_documents(text: &str) -> Result<Vec<Value>, ParseError> {
    serde_saphyr::from_multiple_with_options::<Value>(text, yaml_options())
        .map_err(|e| yaml_error(&e))
}

pub(crate) fn xml_error(text: &str, position: u64, err: &quick_xml::Error) -> ParseError {
    let offset = usize::try_from(position).unwrap_or(usize::MAX);
    ParseError::new(Some(line_of(text, offset)), format!("invalid XML: {err}"))
}

pub(crate) fn local_name(element: &BytesStart<'_>) -> String {
    element.local_name().as_ref().to_owned()
}

pub(crate) fn attribute(element: &BytesStart<'_>, name: &str) -> Option<String> {
    element
        .attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == name)
        .and_then(|a| a.normalized_value(quick_xml::XmlVersion::Implicit1_0).ok())
        .map(|v| v.trim().to_owned())
}

/// Text of a predefined entity or character reference (`&amp;`, `&#38;`).
pub(crate) fn resolve_reference(reference: &BytesRef<'_>) -> Option<String> {
    if let Ok(Some(ch)) = reference.resolve_char_ref() {
        return Some(ch.to_string());
    }
    quick_xml::escape::resolve_predefined_entity(reference).map(str::to_owned)
}

/// Calls `visit` with every element start (including empty elements) of a well-formed XML text.
pub(crate) fn for_each_xml_element(
    text: &str,
    mut visit: impl FnMut(&BytesStart<'_>),
) -> Result<(), ParseError> {
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

pub(crate) fn unclosed_check(text: &str, open_elements: usize) -> Result<(), ParseError> {
    if open_elements == 0 {
        Ok(())
    } else {
        let line = text.lines().count().max(1);
        Err(ParseError::new(
            Some(line),
            "invalid XML: unclosed element at end of input",
        ))
    }
}

/// Lower-cased `attribute` values of the elements named in `elements`.
pub(crate) fn xml_attribute_values(
    text: &str,
    elements: &[&str],
    attribute_name: &str,
) -> Result<HashSet<String>, ParseError> {
    let mut names = HashSet::new();
    for_each_xml_element(text, |e| {
        if elements.contains(&local_name(e).as_str())
            && let Some(value) = attribute(e, attribute_name).filter(|v| !v.is_empty())
        {
            names.insert(value.to_lowercase());
        }
    })?;
    Ok(names)
}

#[cfg(test)]
mod budget_tests {
    /// A large anchored scalar replayed by aliases counts every replay against the scalar
    /// budget: 200 KB replayed 400 times is refused, not built as 80 MB of strings.
    #[test]
    fn aliases_replaying_a_large_scalar_stop_at_the_budget() {
        let big = "x".repeat(200_000);
        let mut text = format!("a: &a \"{big}\"\nb: [");
        text.push_str(&"*a,".repeat(400));
        text.push_str("*a]\n");
        let err = super::parse_yaml(&text).unwrap_err();
        assert!(err.to_string().contains("budget"), "{err}");
        // Within the budget, the same shape parses.
        let small = "a: &a \"xyz\"\nb: [*a, *a, *a]\n";
        assert_eq!(super::parse_yaml(small).unwrap()["b"][2], "xyz");
    }
}
