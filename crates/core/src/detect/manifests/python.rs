//! Direct dependencies of pip requirements, pyproject.toml (PEP 621, Poetry, PDM, uv), Pipfile, setup.cfg, conda environments.

use serde_json::Value;

use super::Names;
use crate::formats::{
    ParseError, array_items, parse_toml, parse_yaml, toml_children, toml_get, toml_keys,
    toml_strings,
};

/// PEP 503 normalized project name.
pub(super) fn normalize_python_name(name: &str) -> String {
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
pub(super) fn requirement_key(spec: &str) -> Option<String> {
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
pub(super) fn strip_pip_comment(line: &str) -> &str {
    let bytes = line.as_bytes();
    let cut = (0..bytes.len())
        .find(|&i| bytes[i] == b'#' && (i == 0 || bytes[i - 1].is_ascii_whitespace()))
        .unwrap_or(bytes.len());
    &line[..cut]
}

/// Identity of one requirements-file line; options are skipped except `-e`/`--editable`.
pub(super) fn requirement_line_key(line: &str) -> Option<String> {
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
pub(super) fn pip_logical_lines(text: &str) -> Vec<String> {
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

pub(super) fn requirements_txt(text: &str) -> Result<usize, ParseError> {
    let names: Names = pip_logical_lines(text)
        .iter()
        .filter_map(|line| requirement_line_key(line))
        .collect();
    Ok(names.len())
}

pub(super) fn pyproject_toml(text: &str) -> Result<usize, ParseError> {
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

pub(super) fn pipfile(text: &str) -> Result<usize, ParseError> {
    let doc = parse_toml(text)?;
    let names: Names = toml_keys(&doc, &["packages"])
        .chain(toml_keys(&doc, &["dev-packages"]))
        .map(|name| normalize_python_name(name))
        .collect();
    Ok(names.len())
}

/// `(section, key, value)` entries of an INI file, with configparser continuation lines.
pub(super) fn ini_entries(text: &str) -> Vec<(String, String, String)> {
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

pub(super) fn setup_cfg(text: &str) -> Result<usize, ParseError> {
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

/// Package name of a conda match spec (`conda-forge::numpy>=1.24`, `python 3.11.*`).
pub(super) fn conda_name(spec: &str) -> Option<String> {
    let spec = spec.trim();
    let spec = spec.rsplit_once("::").map_or(spec, |(_, name)| name);
    let name = spec
        .split([' ', '=', '<', '>', '!', '~', '[', ';'])
        .next()
        .unwrap_or_default();
    (!name.is_empty()).then(|| name.to_lowercase())
}

pub(super) fn conda_environment(text: &str) -> Result<usize, ParseError> {
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
