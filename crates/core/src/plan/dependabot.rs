//! `dependabot.yml` is merged, never overwritten: entries for the missing ecosystems and
//! directories are inserted at the end of the user's `updates:` list, and every other
//! line, comments included, stays as it was.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use super::templates::{TemplateError, Templates};
use crate::detect::dependabot::DirectoryPatterns;
use crate::formats::parse_yaml;

/// Ecosystem -> directories (`/`, `/web`) that Dependabot should update.
pub type Wanted = BTreeMap<String, BTreeSet<String>>;

/// What the existing file already updates, per ecosystem (globs included).
pub fn listed(existing: &str) -> BTreeMap<String, DirectoryPatterns> {
    let Ok(document) = parse_yaml(existing) else {
        return BTreeMap::new();
    };
    let mut listed: BTreeMap<String, DirectoryPatterns> = BTreeMap::new();
    for update in document
        .get("updates")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
    {
        let Some(ecosystem) = update.get("package-ecosystem").and_then(Value::as_str) else {
            continue;
        };
        listed
            .entry(ecosystem.to_owned())
            .or_default()
            .extend(&DirectoryPatterns::of_entry(update));
    }
    listed
}

/// The wanted entries the existing file lacks: a directory that an entry of the same
/// ecosystem already updates, by name or by glob, is never added again (Dependabot
/// refuses overlapping directories).
pub fn missing(existing: Option<&str>, wanted: &Wanted) -> Wanted {
    let present = existing.map(listed).unwrap_or_default();
    let mut missing = Wanted::new();
    for (ecosystem, directories) in wanted {
        let matcher = present.get(ecosystem).map(DirectoryPatterns::matcher);
        for directory in directories {
            if !matcher.as_ref().is_some_and(|m| m.covers(directory)) {
                missing
                    .entry(ecosystem.clone())
                    .or_default()
                    .insert(directory.clone());
            }
        }
    }
    missing
}

/// Renders a whole `dependabot.yml` for these entries.
pub fn render(
    templates: &Templates,
    base: &Value,
    entries: &Wanted,
) -> Result<String, TemplateError> {
    let updates: Vec<Value> = entries
        .iter()
        .map(|(ecosystem, directories)| json!({ "ecosystem": ecosystem, "directories": directories }))
        .collect();
    let mut context = base.clone();
    if let Some(map) = context.as_object_mut() {
        map.insert("updates".to_owned(), Value::Array(updates));
    }
    templates.render("dependabot", &context)
}

/// Inserts the `updates:` items of `rendered` at the end of the `updates:` list of
/// `existing`, indented like the existing items. `None` when `existing` has no top-level
/// `updates:` key to extend.
pub fn insert(existing: &str, rendered: &str) -> Option<String> {
    let new_items = list_items(rendered)?;
    let lines: Vec<&str> = existing.lines().collect();
    let start = lines
        .iter()
        .position(|line| line.trim_end() == "updates:")?;
    // The list ends at the next top-level key (or the end of the file); trailing blank
    // lines and comments before that key stay after the inserted entries.
    let mut end = lines[start + 1..]
        .iter()
        .position(|line| is_top_level_key(line))
        .map_or(lines.len(), |offset| start + 1 + offset);
    while end > start + 1
        && (lines[end - 1].trim().is_empty() || lines[end - 1].trim_start().starts_with('#'))
    {
        end -= 1;
    }
    let existing_indent = lines[start + 1..end]
        .iter()
        .find(|line| line.trim_start().starts_with('-'))
        .map_or(2, |line| indent(line));
    let rendered_indent = new_items
        .iter()
        .find(|line| line.trim_start().starts_with('-'))
        .map_or(0, |line| indent(line));
    let mut merged: Vec<String> = lines[..end].iter().map(|l| (*l).to_owned()).collect();
    for item in &new_items {
        if item.trim().is_empty() {
            merged.push(String::new());
        } else {
            let body = &item[rendered_indent.min(indent(item))..];
            merged.push(format!("{}{body}", " ".repeat(existing_indent)));
        }
    }
    merged.extend(lines[end..].iter().map(|l| (*l).to_owned()));
    // Keep the file's own line endings.
    let newline = if existing.contains("\r\n") {
        "\r\n"
    } else {
        "\n"
    };
    let mut text = merged
        .iter()
        .map(|line| line.trim_end_matches('\r'))
        .collect::<Vec<_>>()
        .join(newline);
    text.push_str(newline);
    Some(text)
}

fn list_items(rendered: &str) -> Option<Vec<&str>> {
    let lines: Vec<&str> = rendered.lines().collect();
    let start = lines
        .iter()
        .position(|line| line.trim_end() == "updates:")?;
    Some(
        lines[start + 1..]
            .iter()
            .take_while(|line| !is_top_level_key(line))
            .copied()
            .collect(),
    )
}

fn is_top_level_key(line: &str) -> bool {
    !line.is_empty() && !line.starts_with([' ', '\t', '#', '-'])
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

#[cfg(test)]
mod tests {
    use super::*;

    const USER: &str = "# Our dependency updates\nversion: 2\nupdates:\n    # the web app\n    - package-ecosystem: npm\n      directory: /web\n      schedule:\n        interval: daily\n\n# end of file\n";

    #[test]
    fn listed_pairs_and_missing_entries() {
        let present = listed(USER);
        assert!(present["npm"].exact.contains("/web"));
        let wanted = Wanted::from([
            (
                "npm".to_owned(),
                BTreeSet::from(["/web".to_owned(), "/api".to_owned()]),
            ),
            ("pip".to_owned(), BTreeSet::from(["/".to_owned()])),
        ]);
        let missing = missing(Some(USER), &wanted);
        assert_eq!(missing["npm"], BTreeSet::from(["/api".to_owned()]));
        assert_eq!(missing["pip"], BTreeSet::from(["/".to_owned()]));
    }

    #[test]
    fn directories_a_glob_already_updates_are_not_added_again() {
        let user = "version: 2\nupdates:\n  - package-ecosystem: npm\n    directories: [\"/services/*\", \"/src/ad/**\"]\n    schedule: {interval: weekly}\n";
        let wanted = Wanted::from([(
            "npm".to_owned(),
            BTreeSet::from([
                "/services/cart".to_owned(),
                "/src/ad".to_owned(),
                "/src/ad/web".to_owned(),
                "/tools".to_owned(),
            ]),
        )]);
        let missing = missing(Some(user), &wanted);
        assert_eq!(missing["npm"], BTreeSet::from(["/tools".to_owned()]));
    }

    #[test]
    fn insertion_keeps_windows_line_endings() {
        let user = USER.replace('\n', "\r\n");
        let rendered = "version: 2\nupdates:\n  - package-ecosystem: \"pip\"\n";
        let merged = insert(&user, rendered).unwrap();
        let kept = "interval: daily\r\n";
        assert!(
            merged.starts_with(&user[..user.find(kept).unwrap() + kept.len()]),
            "{merged:?}"
        );
        assert!(merged.ends_with("\r\n\r\n# end of file\r\n"), "{merged:?}");
        assert!(!merged.replace("\r\n", "").contains('\n'), "{merged:?}");
    }

    #[test]
    fn insertion_keeps_comments_and_indentation() {
        let rendered = "version: 2\nupdates:\n  - package-ecosystem: \"pip\"\n    directories:\n      - \"/\"\n";
        let merged = insert(USER, rendered).unwrap();
        assert!(
            merged
                .starts_with("# Our dependency updates\nversion: 2\nupdates:\n    # the web app\n")
        );
        assert!(merged.contains("        interval: daily\n    - package-ecosystem: \"pip\"\n      directories:\n        - \"/\"\n"), "{merged}");
        assert!(merged.ends_with("\n# end of file\n"), "{merged}");
        let listed = listed(&merged);
        assert!(listed["pip"].exact.contains("/"));
        assert!(listed["npm"].exact.contains("/web"));
    }
}
