//! The report as GitHub-flavoured Markdown, for pull-request comments and job summaries.

use std::fmt::Write as _;

use super::ScanReport;
use crate::detect::scanners::EvidenceKind;
use crate::evaluate::Status;
use crate::platform::Source;
use crate::units::human_bytes;

/// Renders the report as Markdown.
pub fn render(report: &ScanReport) -> String {
    let mut out = String::new();
    let coverage = &report.coverage;
    let _ = writeln!(
        out,
        "## AppSec coverage of `{}`: {}%\n",
        report.repository, coverage.percent
    );
    let _ = writeln!(
        out,
        "{} of {} required controls are in place.\n",
        coverage.satisfied, coverage.required
    );
    let _ = writeln!(out, "| Category | Satisfied | Required | Coverage |");
    let _ = writeln!(out, "|---|---:|---:|---:|");
    for (category, ratio) in &coverage.by_category {
        if let Some(percent) = ratio.percent {
            let _ = writeln!(
                out,
                "| {category} | {} | {} | {percent}% |",
                ratio.satisfied, ratio.required
            );
        }
    }

    if !report.requirements.is_empty() {
        let _ = writeln!(out, "\n### Required controls\n");
        let _ = writeln!(out, "| | Control | Covered by | Why it is required |");
        let _ = writeln!(out, "|---|---|---|---|");
        for requirement in &report.requirements {
            let mark = match requirement.status {
                Status::Satisfied => "✅",
                Status::Missing => "❌",
                Status::Skipped => "➖",
            };
            let by = if requirement.satisfied_by.is_empty() {
                "—".to_owned()
            } else {
                requirement.satisfied_by.join(", ")
            };
            let _ = writeln!(
                out,
                "| {mark} | `{}` | {by} | {} |",
                requirement.id,
                escape(&requirement.reason)
            );
        }
    }

    let _ = writeln!(out, "\n### Stack\n");
    let languages: Vec<String> = report
        .languages
        .iter()
        .map(|l| format!("{} {}% ({})", l.name, l.share, human_bytes(l.bytes)))
        .collect();
    line(&mut out, "Languages", &languages);
    let iac: Vec<String> = report
        .iac
        .iter()
        .map(|k| format!("{} ({} files)", k.name, k.files.len()))
        .collect();
    line(&mut out, "Infrastructure as code", &iac);
    let ecosystems: Vec<String> = report
        .ecosystems
        .iter()
        .map(|e| format!("`{}` in {}", e.name, e.directories.join(", ")))
        .collect();
    line(&mut out, "Dependency ecosystems", &ecosystems);
    let scanners: Vec<String> = report
        .scanners
        .iter()
        .map(|s| {
            let at = s
                .evidence
                .first()
                .map(|e| match e.kind {
                    EvidenceKind::File => format!(" (`{}:{}`)", e.path, e.line),
                    EvidenceKind::Platform => format!(": {}", e.signal),
                })
                .unwrap_or_default();
            let state = if s.running {
                ""
            } else {
                ", configured but never run"
            };
            format!("{}{at}{state}", s.name)
        })
        .collect();
    line(&mut out, "Scanners", &scanners);
    if report.platform.source != Source::None {
        let platform: Vec<String> = report
            .platform
            .controls
            .iter()
            .map(|c| format!("{}: {}", c.name, c.describe()))
            .collect();
        line(&mut out, "GitHub platform controls", &platform);
    }

    if !report.warnings.is_empty() {
        let _ = writeln!(
            out,
            "\n<details><summary>{} warning(s)</summary>\n",
            report.warnings.len()
        );
        for warning in &report.warnings {
            let path = warning.path.as_deref().unwrap_or("-");
            let _ = writeln!(out, "- `{path}`: {}", escape(&warning.message));
        }
        let _ = writeln!(out, "\n</details>");
    }
    out
}

fn line(out: &mut String, title: &str, items: &[String]) {
    let body = if items.is_empty() {
        "none".to_owned()
    } else {
        items.join(", ")
    };
    let _ = writeln!(out, "- **{title}:** {}", escape(&body));
}

/// Keeps table cells intact.
fn escape(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}
