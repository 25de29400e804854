//! The command line: `fullcover scan` and `fullcover rules check`, built from the same
//! pipeline the GitHub App runs.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};

use crate::report::{self, ScanReport};
use crate::rules::RuleSet;
use crate::{detect, evaluate, snapshot};

#[derive(Debug, Parser)]
#[command(
    name = "fullcover",
    version,
    about = "Demonstrable AppSec coverage for every repository"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Detect a checkout's stack and scanners, and report its AppSec coverage.
    Scan(ScanArgs),
    /// Work with the detection rules.
    Rules {
        #[command(subcommand)]
        command: RulesCommand,
    },
}

#[derive(Debug, clap::Args)]
pub struct ScanArgs {
    /// The checkout to scan.
    #[arg(default_value = ".")]
    pub path: PathBuf,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Also list every file with its language and exclusion (JSON only).
    #[arg(long)]
    pub files: bool,
    /// Read rules from this directory instead of the built-in ones.
    #[arg(long, value_name = "DIR")]
    pub rules: Option<PathBuf>,
    /// Exit with status 1 when coverage is below this percentage.
    #[arg(long, value_name = "PCT", value_parser = parse_percent)]
    pub fail_under: Option<f64>,
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Validate rules: ids unique, globs and regexes compile, references resolve.
    Check {
        /// A rules directory; the built-in rules when omitted.
        dir: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
    Markdown,
}

fn parse_percent(value: &str) -> Result<f64, String> {
    let pct: f64 = value
        .trim_end_matches('%')
        .parse()
        .map_err(|_| format!("`{value}` is not a number"))?;
    if (0.0..=100.0).contains(&pct) {
        Ok(pct)
    } else {
        Err(format!("{pct} is not between 0 and 100"))
    }
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Scan(args) => scan(&args),
        Command::Rules {
            command: RulesCommand::Check { dir },
        } => rules_check(dir),
    }
}

fn scan(args: &ScanArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let rules = RuleSet::from_dir_or_embedded(args.rules.as_deref())?;
    tracing::debug!(elapsed = ?started.elapsed(), "rules loaded");
    let snapshot = snapshot::local::snapshot(&args.path)?;
    tracing::debug!(elapsed = ?started.elapsed(), files = snapshot.files().len(), "listed");
    let inventory = detect::detect(&snapshot, &rules);
    tracing::debug!(elapsed = ?started.elapsed(), "detected");
    let assessment = evaluate::evaluate(&inventory, &rules);
    let report = ScanReport::new(&inventory, &assessment, &rules, args.files);
    let rendered = match args.format {
        Format::Json => {
            let mut json =
                serde_json::to_string_pretty(&report).context("cannot encode the report")?;
            json.push('\n');
            json
        }
        Format::Markdown => report::markdown(&report),
        Format::Table => report::table(&report),
    };
    let mut stdout = anstream::stdout();
    stdout
        .write_all(rendered.as_bytes())
        .and_then(|()| stdout.flush())
        .context("cannot write the report")?;
    match args.fail_under {
        Some(minimum) if report.coverage.percent < minimum => {
            eprintln!(
                "coverage {}% is below the required {minimum}%",
                report.coverage.percent
            );
            Ok(ExitCode::from(1))
        }
        _ => Ok(ExitCode::SUCCESS),
    }
}

fn rules_check(dir: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    let loaded = RuleSet::from_dir_or_embedded(dir.as_deref())
        .and_then(|rules| rules.compile_all().map(|()| rules));
    match loaded {
        Ok(rules) => {
            let source =
                dir.map_or_else(|| "built-in rules".to_owned(), |d| d.display().to_string());
            println!("{source}: ok ({})", rules.summary());
            Ok(ExitCode::SUCCESS)
        }
        Err(errors) => {
            eprintln!("{errors}");
            Ok(ExitCode::from(2))
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn fail_under_takes_a_percentage() {
        assert_eq!(parse_percent("80"), Ok(80.0));
        assert_eq!(parse_percent("12.5%"), Ok(12.5));
        assert!(parse_percent("120").is_err());
        assert!(parse_percent("lots").is_err());
    }
}
