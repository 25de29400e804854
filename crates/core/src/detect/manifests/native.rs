//! Direct dependencies of Go modules, Cargo, Swift packages, vcpkg, Conan and Cabal: compiled languages.

use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;

use super::{LazyRegex, Names, SWIFT_SCALA, mask, regex};
use crate::formats::{
    ParseError, array_items, parse_json_object, parse_toml, toml_children, toml_keys,
};

pub(super) fn go_mod(text: &str) -> Result<usize, ParseError> {
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

pub(super) fn cargo_toml(text: &str) -> Result<usize, ParseError> {
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

pub(super) static SWIFT_PACKAGE: LazyRegex = LazyLock::new(|| Regex::new(r"\.package\s*\("));

pub(super) fn package_swift(text: &str) -> Result<usize, ParseError> {
    let code = mask(text, &SWIFT_SCALA, true);
    Ok(regex(&SWIFT_PACKAGE)?.find_iter(&code).count())
}

pub(super) fn vcpkg_json(text: &str) -> Result<usize, ParseError> {
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

pub(super) fn conanfile_txt(text: &str) -> Result<usize, ParseError> {
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

/// Package names in a `build-depends` value (`base >=4 && <5, text ^>=2.0, mylib:internal`).
pub(super) fn cabal_packages(value: &str) -> impl Iterator<Item = String> + '_ {
    value.split(',').filter_map(|item| {
        let item = item.trim();
        let len = item
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
            .unwrap_or(item.len());
        (len > 0).then(|| item[..len].to_lowercase())
    })
}

pub(super) fn cabal(text: &str) -> Result<usize, ParseError> {
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
