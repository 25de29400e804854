//! Direct dependencies of Maven `pom.xml`, Gradle build scripts and sbt.

use std::sync::LazyLock;

use quick_xml::Reader;
use quick_xml::events::Event;
use regex::Regex;

use super::{JVM, LazyRegex, Names, SWIFT_SCALA, mask, nesting_delta, regex};
use crate::formats::{ParseError, local_name, resolve_reference, unclosed_check, xml_error};

/// Coordinates of the `<dependency>` being read in a pom.
#[derive(Default)]
pub(super) struct PomDependency {
    group: String,
    artifact: String,
}

pub(super) fn is_counted_pom_dependency(path: &[String]) -> bool {
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

pub(super) fn pom_xml(text: &str) -> Result<usize, ParseError> {
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

pub(super) static GRADLE_DEPENDENCIES_BLOCK: LazyRegex =
    LazyLock::new(|| Regex::new(r"(?:^|[^A-Za-z0-9_$])dependencies\s*\{"));

pub(super) static GRADLE_DECLARATION: LazyRegex =
    LazyLock::new(|| Regex::new(r#"^\s*([A-Za-z_][A-Za-z0-9_]*)(?:\s*\(|\s+["'A-Za-z_\[])"#));

pub(super) const GRADLE_KEYWORDS: &[&str] = &[
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
pub(super) fn gradle(text: &str) -> Result<usize, ParseError> {
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

pub(super) static SBT_MODULE: LazyRegex =
    LazyLock::new(|| Regex::new(r#""([^"\s]+)"\s*%{1,3}\s*"([^"\s]+)"\s*%[^%]"#));

pub(super) fn build_sbt(text: &str) -> Result<usize, ParseError> {
    let re = regex(&SBT_MODULE)?;
    let code = mask(text, &SWIFT_SCALA, false);
    let names: Names = re
        .captures_iter(&code)
        .filter_map(|c| Some(format!("{}:{}", c.get(1)?.as_str(), c.get(2)?.as_str())))
        .collect();
    Ok(names.len())
}
