//! Direct dependencies of `package.json`, Deno and Elm manifests.

use serde_json::Value;

use super::{Names, jsonc_to_json};
use crate::formats::{ParseError, object_keys, parse_json_object};

pub(super) fn deno_json(text: &str) -> Result<usize, ParseError> {
    let doc = parse_json_object(&jsonc_to_json(text))?;
    Ok(object_keys(&doc, "/imports").count())
}

pub(super) fn elm_json(text: &str) -> Result<usize, ParseError> {
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

pub(super) fn package_json(text: &str) -> Result<usize, ParseError> {
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
