//! The report for people at a terminal. Styling is plain ANSI; the caller's stream
//! (`anstream`) strips it when the output is not a terminal.

use std::fmt::Write as _;

use anstyle::{AnsiColor, Style};

use super::ScanReport;
use crate::detect::scanners::EvidenceKind;
use crate::evaluate::Status;
use crate::platform::Source;
use crate::units::{human_bytes, sample};

const BOLD: Style = Style::new().bold();
const DIM: Style = Style::new().dimmed();
const GREEN: Style = AnsiColor::Green.on_default();
const RED: Style = AnsiColor::Red.on_default();
const YELLOW: Style = AnsiColor::Yellow.on_default();

/// Renders the report as styled text.
pub fn render(report: &ScanReport) -> String {
    let mut out = String::new();
    let coverage = &report.coverage;
    let tone = if coverage.satisfied == coverage.required {
        GREEN
    } else {
        RED
    };
    let _ = writeln!(
        out,
        "{BOLD}{}{BOLD:#}  AppSec coverage {tone}{}%{tone:#} ({} of {} required controls)",
        printable(&report.repository),
        coverage.percent,
        coverage.satisfied,
        coverage.required
    );

    section(&mut out, "Languages");
    rows(
        &mut out,
        report
            .languages
            .iter()
            .map(|l| {
                vec![
                    l.name.clone(),
                    human_bytes(l.bytes),
                    count(l.files, "file"),
                    format!("{:.2}%", l.share),
                ]
            })
            .collect(),
        "none counted",
    );

    section(&mut out, "Infrastructure as code");
    rows(
        &mut out,
        report
            .iac
            .iter()
            .map(|k| {
                let mut details = printable(&sample(&k.files));
                if !k.providers.is_empty() {
                    let providers: Vec<String> = k
                        .providers
                        .iter()
                        .map(|local| match k.provider_sources.get(local) {
                            Some(source) => format!("{local} ({source})"),
                            None => local.clone(),
                        })
                        .collect();
                    details.push_str(&format!("; providers {}", printable(&providers.join(", "))));
                }
                vec![k.name.clone(), count(k.files.len(), "file"), details]
            })
            .collect(),
        "none",
    );

    section(&mut out, "Dependency ecosystems");
    rows(
        &mut out,
        report
            .ecosystems
            .iter()
            .map(|e| {
                let dependencies = e.dependencies.map_or_else(
                    || "not parsed".to_owned(),
                    |n| count(n, "direct dependency"),
                );
                vec![
                    e.name.clone(),
                    dependencies,
                    format!("in {}", printable(&sample(&e.directories))),
                ]
            })
            .collect(),
        "none",
    );

    section(&mut out, "Scanners configured");
    let mut scanners: Vec<_> = report.scanners.iter().collect();
    scanners.sort_by_key(|s| s.name.to_lowercase());
    rows(
        &mut out,
        scanners
            .iter()
            .map(|s| {
                let at = s
                    .evidence
                    .first()
                    .map(|e| match e.kind {
                        EvidenceKind::File => format!("{}:{}", printable(&e.path), e.line),
                        EvidenceKind::Platform => printable(&e.signal),
                    })
                    .unwrap_or_default();
                let state = if s.running {
                    String::new()
                } else {
                    format!("{YELLOW}configured, never run{YELLOW:#}")
                };
                vec![s.name.clone(), at, state]
            })
            .collect(),
        "none",
    );

    section(&mut out, "GitHub platform controls");
    if report.platform.source == Source::None {
        let _ = writeln!(
            out,
            "  {DIM}not visible offline; pass --platform for the ones that are on{DIM:#}"
        );
    } else {
        rows(
            &mut out,
            report
                .platform
                .controls
                .iter()
                .map(|c| vec![c.name.clone(), printable(&c.describe())])
                .collect(),
            "none",
        );
    }

    section(&mut out, "Required controls");
    if report.requirements.is_empty() {
        let _ = writeln!(out, "  {DIM}none: the repository is empty{DIM:#}");
    }
    for (category, requirements) in report.requirements_by_category() {
        let ratio = &coverage.by_category[category.as_str()];
        let _ = writeln!(
            out,
            "  {BOLD}{}{BOLD:#} {}/{}",
            category.as_str(),
            ratio.satisfied,
            ratio.required
        );
        let lines = requirements
            .iter()
            .map(|r| {
                let mark = match r.status {
                    Status::Satisfied => format!("{GREEN}✓{GREEN:#}"),
                    Status::Missing => format!("{RED}✗{RED:#}"),
                    Status::Skipped => format!("{DIM}-{DIM:#}"),
                };
                let by = if r.status == Status::Skipped {
                    "skipped".to_owned()
                } else if r.satisfied_by.is_empty() {
                    "missing".to_owned()
                } else {
                    r.satisfied_by.join(", ")
                };
                vec![
                    format!("{mark} {}", r.id),
                    by,
                    format!("{DIM}{}{DIM:#}", printable(&r.reason)),
                ]
            })
            .collect();
        indented_rows(&mut out, lines, "", 4);
    }

    if !report.warnings.is_empty() {
        section(&mut out, "Warnings");
        for warning in &report.warnings {
            let path = printable(warning.path.as_deref().unwrap_or("-"));
            let _ = writeln!(
                out,
                "  {YELLOW}!{YELLOW:#} {path}: {}",
                printable(&warning.message)
            );
        }
    }
    out
}

fn section(out: &mut String, title: &str) {
    let _ = writeln!(out, "\n{BOLD}{title}{BOLD:#}");
}

/// Left-aligned columns, each as wide as its widest visible cell.
fn rows(out: &mut String, rows: Vec<Vec<String>>, empty: &str) {
    indented_rows(out, rows, empty, 2);
}

fn indented_rows(out: &mut String, rows: Vec<Vec<String>>, empty: &str, indent: usize) {
    if rows.is_empty() {
        if !empty.is_empty() {
            let _ = writeln!(out, "  {DIM}{empty}{DIM:#}");
        }
        return;
    }
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            rows.iter()
                .filter_map(|row| row.get(c))
                .map(|cell| visible_width(cell))
                .max()
                .unwrap_or(0)
        })
        .collect();
    for row in rows {
        let mut line = " ".repeat(indent);
        for (index, cell) in row.iter().enumerate() {
            line.push_str(cell);
            if index + 1 < row.len() {
                let pad = widths[index].saturating_sub(visible_width(cell)) + 2;
                line.push_str(&" ".repeat(pad));
            }
        }
        let _ = writeln!(out, "{}", line.trim_end());
    }
}

/// Text from the repository without control characters, so a hostile file name cannot
/// drive the terminal.
fn printable(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

/// Width on screen: characters outside ANSI escape sequences.
fn visible_width(text: &str) -> usize {
    let mut width = 0;
    let mut in_escape = false;
    for c in text.chars() {
        match (in_escape, c) {
            (false, '\u{1b}') => in_escape = true,
            (true, 'm') => in_escape = false,
            (true, _) => {}
            (false, _) => width += 1,
        }
    }
    width
}

fn count(n: usize, noun: &str) -> String {
    match (n, noun) {
        (1, _) => format!("1 {noun}"),
        (_, "direct dependency") => format!("{n} direct dependencies"),
        _ => format!("{n} {noun}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_ignore_colour_codes() {
        assert_eq!(visible_width(&format!("{GREEN}✓{GREEN:#} x")), 3);
        assert_eq!(count(1, "file"), "1 file");
        assert_eq!(count(2, "direct dependency"), "2 direct dependencies");
    }
}
