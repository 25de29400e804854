//! Direct dependencies of Composer (PHP), pubspec (Dart), mix (Elixir), Julia `Project.toml` and R `DESCRIPTION`.

use std::sync::LazyLock;

use regex::Regex;

use super::{ELIXIR, LazyRegex, Names, mask, regex};
use crate::formats::{
    ParseError, object_keys, parse_json_object, parse_toml, parse_yaml, toml_keys,
};

pub(super) fn composer_json(text: &str) -> Result<usize, ParseError> {
    let doc = parse_json_object(text)?;
    // Platform packages (`php`, `ext-*`, `lib-*`, `composer-*-api`) have no vendor prefix.
    let names: Names = object_keys(&doc, "/require")
        .chain(object_keys(&doc, "/require-dev"))
        .filter(|name| name.contains('/'))
        .map(|name| name.to_lowercase())
        .collect();
    Ok(names.len())
}

pub(super) fn pubspec_yaml(text: &str) -> Result<usize, ParseError> {
    let doc = parse_yaml(text)?;
    let names: Names = object_keys(&doc, "/dependencies")
        .chain(object_keys(&doc, "/dev_dependencies"))
        .cloned()
        .collect();
    Ok(names.len())
}

pub(super) static MIX_DEPS: LazyRegex = LazyLock::new(|| Regex::new(r"\bdefp?\s+deps\b"));

/// `{:name, ...}` tuples directly inside the list returned by `deps`.
pub(super) fn mix_exs(text: &str) -> Result<usize, ParseError> {
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

pub(super) fn julia_project_toml(text: &str) -> Result<usize, ParseError> {
    let doc = parse_toml(text)?;
    Ok(toml_keys(&doc, &["deps"]).count())
}

/// Fields of a Debian control file (R `DESCRIPTION`), continuation lines joined.
pub(super) fn dcf_fields(text: &str) -> Vec<(String, String)> {
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

pub(super) fn r_description(text: &str) -> Result<usize, ParseError> {
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
