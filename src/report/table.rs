//! The report for people at a terminal. Styling is plain ANSI; the caller's stream
//! (`anstream`) strips it when the output is not a terminal.

use std::fmt::Write as _;

use anstyle::{AnsiColor, Style};

use super::ScanReport;
use crate::evaluate::Status;
use crate::units::human_bytes;

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
        "{BOLD}{}{BOLD:#}  AppSec coverage {tone}{}%{tone:#} ({} of {} controls)",
        report.repository, coverage.percent, coverage.satisfied, coverage.required
    );

    section(&mut out, "Languages");
    if report.languages.is_empty() {
        let _ = writeln!(out, "  {DIM}none counted{DIM:#}");
    }
    for language in &report.languages {
        let _ = writeln!(
            out,
            "  {:<24} {:>10} {:>6} files {:>7.2}%",
            language.name,
            human_bytes(language.bytes),
            language.files,
            language.share
        );
    }

    section(&mut out, "Infrastructure as code");
    if report.iac.is_empty() {
        let _ = writeln!(out, "  {DIM}none{DIM:#}");
    }
    for kind in &report.iac {
        let _ = writeln!(out, "  {:<24} {} file(s)", kind.name, kind.files.len());
        if !kind.providers.is_empty() {
            let _ = writeln!(
                out,
                "  {DIM}  providers: {}{DIM:#}",
                kind.providers.join(", ")
            );
        }
        if !kind.modules.is_empty() {
            let _ = writeln!(out, "  {DIM}  modules: {}{DIM:#}", kind.modules.join(", "));
        }
    }

    section(&mut out, "Dependency ecosystems");
    if report.ecosystems.is_empty() {
        let _ = writeln!(out, "  {DIM}none{DIM:#}");
    }
    for ecosystem in &report.ecosystems {
        let _ = writeln!(
            out,
            "  {:<24} {:>4} direct deps in {}",
            ecosystem.name,
            ecosystem.dependencies,
            ecosystem.directories.join(", ")
        );
    }

    section(&mut out, "Scanners configured");
    if report.scanners.is_empty() {
        let _ = writeln!(out, "  {DIM}none{DIM:#}");
    }
    for scanner in &report.scanners {
        let state = if scanner.running {
            String::new()
        } else {
            format!(" {YELLOW}(configured, never run){YELLOW:#}")
        };
        let at = scanner
            .evidence
            .first()
            .map(|e| format!("{}:{}", e.path, e.line))
            .unwrap_or_default();
        let _ = writeln!(out, "  {:<24} {DIM}{at}{DIM:#}{state}", scanner.name);
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
        for requirement in requirements {
            let (mark, style) = match requirement.status {
                Status::Satisfied => ("✓", GREEN),
                Status::Missing => ("✗", RED),
            };
            let by = if requirement.satisfied_by.is_empty() {
                "missing".to_owned()
            } else {
                requirement.satisfied_by.join(", ")
            };
            let _ = writeln!(
                out,
                "    {style}{mark}{style:#} {:<28} {by:<20} {DIM}{}{DIM:#}",
                requirement.id, requirement.reason
            );
        }
    }

    if !report.warnings.is_empty() {
        section(&mut out, "Warnings");
        for warning in &report.warnings {
            let path = warning.path.as_deref().unwrap_or("-");
            let _ = writeln!(out, "  {YELLOW}!{YELLOW:#} {path}: {}", warning.message);
        }
    }
    out
}

fn section(out: &mut String, title: &str) {
    let _ = writeln!(out, "\n{BOLD}{title}{BOLD:#}");
}
