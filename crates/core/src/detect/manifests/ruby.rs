//! Direct dependencies of Gemfile, gemspec and CocoaPods Podfile (Ruby DSLs read call by call).

use super::Names;
use crate::formats::ParseError;

/// First string argument of a Ruby call, given the text after the method name
/// (`"rails", "~> 7"`, `('pg')`, `(%q<thor>.freeze, ...)`).
pub(super) fn ruby_string_argument(args: &str) -> Option<&str> {
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
pub(super) fn ruby_line_calls(text: &str, method: &str) -> Names {
    text.lines()
        .filter_map(|line| line.trim_start().strip_prefix(method))
        .filter(|args| args.starts_with([' ', '\t', '(']))
        .filter_map(ruby_string_argument)
        .map(str::to_owned)
        .collect()
}

pub(super) fn gemfile(text: &str) -> Result<usize, ParseError> {
    Ok(ruby_line_calls(text, "gem").len())
}

pub(super) fn podfile(text: &str) -> Result<usize, ParseError> {
    Ok(ruby_line_calls(text, "pod").len())
}

pub(super) fn gemspec(text: &str) -> Result<usize, ParseError> {
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
