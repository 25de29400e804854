//! The command line: `fullcover scan`, `plan` and `rules check` on a checkout, built
//! from the same pipeline the GitHub App runs; `serve`, `setup` and `demo` in [`app`].

pub mod app;
mod branch;
pub mod record;
pub mod security;
#[cfg(feature = "demo")]
mod seed;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use clap::builder::TypedValueParser as _;
use clap::{Parser, Subcommand, ValueEnum};

use fullcover_core::config::{self, Config};
use fullcover_core::plan::{Change, PlanSettings, Templates, Visibility};
use fullcover_core::report::{self, ScanReport};
use fullcover_core::rules::RuleSet;
use fullcover_core::{detect, evaluate, plan, snapshot};

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
    /// Show, or write with --write, the configuration that closes the coverage gaps.
    Plan(PlanArgs),
    /// Run the GitHub App: receive webhooks, scan repositories, open onboarding PRs.
    Serve(app::ServeArgs),
    /// Create the GitHub App on GitHub from app-manifest.yml (the manifest flow).
    Setup(app::SetupArgs),
    /// Print an organisation's coverage, time to full coverage, uptime and onboarding,
    /// and its security outcomes.
    Report(record::ReportArgs),
    /// Manage API tokens.
    Token {
        #[command(subcommand)]
        command: record::TokenCommand,
    },
    /// Watch the App onboard a demo organisation on a local fake GitHub (no credentials,
    /// no network), then keep both running until Ctrl-C.
    #[cfg(feature = "demo")]
    Demo(app::DemoArgs),
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
    /// The organisation's `.github/fullcover.yml`; the repository's own file overrides it.
    #[arg(long, value_name = "FILE")]
    pub org_config: Option<PathBuf>,
    /// A GitHub control that is on, which a checkout cannot show:
    /// `codeql-default-setup=python,go`, `secret-scanning`, `dependabot-alerts`
    /// (repeatable).
    #[arg(long = "platform", value_name = "CONTROL")]
    pub platform: Vec<String>,
    /// Exit with status 1 when coverage is below this percentage.
    #[arg(long, value_name = "PCT", value_parser = parse_percent)]
    pub fail_under: Option<f64>,
    /// Keep this scan in the local record (see `fullcover report`).
    #[arg(long)]
    pub record: bool,
    /// The organisation the recorded scan belongs to.
    #[arg(long, default_value = "local", requires = "record")]
    pub org: String,
    #[arg(long, env = "FULLCOVER_DATABASE_URL", default_value = app::DEFAULT_DATABASE_URL, hide_env_values = true)]
    pub database_url: String,
}

#[derive(Debug, clap::Args)]
pub struct PlanArgs {
    /// The checkout to plan for.
    #[arg(default_value = ".")]
    pub path: PathBuf,
    #[arg(long, value_enum, default_value_t = PlanFormat::Table)]
    pub format: PlanFormat,
    /// Write the planned files into the checkout (never over a file someone else wrote).
    #[arg(long)]
    pub write: bool,
    /// The repository's visibility on GitHub: code scanning is free only for public ones.
    #[arg(
        long,
        default_value = "public",
        value_parser = clap::builder::PossibleValuesParser::new(Visibility::NAMES)
            .try_map(|name| name.parse::<Visibility>()),
    )]
    pub visibility: Visibility,
    /// GitHub Advanced Security is available (code scanning on private repositories).
    #[arg(long)]
    pub advanced_security: bool,
    /// The branch the workflows run on [default: the checkout's current branch, else the
    /// one `origin/HEAD` names, else `main`].
    #[arg(long)]
    pub default_branch: Option<String>,
    /// Read rules from this directory instead of the built-in ones.
    #[arg(long, value_name = "DIR")]
    pub rules: Option<PathBuf>,
    /// Read templates from this directory instead of the built-in ones.
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
    /// The organisation's `.github/fullcover.yml` (from its `.github` repository); the
    /// repository's own file overrides it.
    #[arg(long, value_name = "FILE")]
    pub org_config: Option<PathBuf>,
    /// A GitHub control that is on, which a checkout cannot show:
    /// `codeql-default-setup=python,go`, `secret-scanning`, `dependabot-alerts`
    /// (repeatable).
    #[arg(long = "platform", value_name = "CONTROL")]
    pub platform: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlanFormat {
    Table,
    Json,
    /// The pull-request body.
    Markdown,
    /// A unified diff of every change.
    Diff,
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
        Command::Plan(args) => plan_command(&args),
        Command::Serve(args) => app::serve(args),
        Command::Setup(args) => app::setup(args),
        Command::Report(args) => record::report(args),
        Command::Token { command } => record::token(command),
        #[cfg(feature = "demo")]
        Command::Demo(args) => app::demo(args),
        Command::Rules {
            command: RulesCommand::Check { dir },
        } => rules_check(dir),
    }
}

fn scan(args: &ScanArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let rules = RuleSet::from_dir_or_embedded(args.rules.as_deref())?;
    tracing::debug!(elapsed = ?started.elapsed(), "rules loaded");
    let listed = snapshot::local::snapshot(&args.path)?;
    let config = load_config(&listed, args.org_config.as_deref())?;
    let snapshot = config.apply(listed);
    tracing::debug!(elapsed = ?started.elapsed(), files = snapshot.files().len(), "listed");
    let platform = declared_platform(&args.platform, &rules)?;
    let mut inventory = detect::detect(&snapshot, &rules);
    fullcover_core::platform::apply(&mut inventory, &platform, &rules);
    tracing::debug!(elapsed = ?started.elapsed(), "detected");
    let mut assessment = evaluate::evaluate(&inventory, &rules);
    assessment.skip(&config.skip);
    let report = ScanReport::new(&inventory, &assessment, &rules, args.files);
    if args.record {
        let json = serde_json::to_string(&ScanReport::new(&inventory, &assessment, &rules, false))
            .context("cannot encode the report")?;
        record::record_local_scan(
            &args.database_url,
            &args.org,
            &args.path,
            &assessment,
            &json,
        )?;
    }
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

/// The controls declared with `--platform`; without any, says once that a checkout does
/// not show them.
fn declared_platform(
    values: &[String],
    rules: &RuleSet,
) -> anyhow::Result<fullcover_core::platform::PlatformControls> {
    let mut controls = fullcover_core::platform::PlatformControls::default();
    for value in values {
        controls.declare(value)?;
    }
    fullcover_core::platform::check_languages(&controls, rules)?;
    if values.is_empty() {
        eprintln!(
            "note: GitHub's own controls (code scanning default setup, secret scanning, Dependabot alerts) are not visible offline; pass --platform codeql-default-setup=LANGS, --platform secret-scanning or --platform dependabot-alerts for the ones that are on"
        );
    }
    Ok(controls)
}

fn plan_command(args: &PlanArgs) -> anyhow::Result<ExitCode> {
    let rules = RuleSet::from_dir_or_embedded(args.rules.as_deref())?;
    let templates = match &args.templates {
        Some(dir) => Templates::from_dir(dir)?,
        None => Templates::embedded()?,
    };
    let listed = snapshot::local::snapshot(&args.path)?;
    let config = load_config(&listed, args.org_config.as_deref())?;
    let snapshot = config.apply(listed);
    let settings = PlanSettings {
        repository: snapshot.repository.clone(),
        default_branch: default_branch(args),
        visibility: args.visibility,
        advanced_security: args.advanced_security,
        config,
        platform: declared_platform(&args.platform, &rules)?,
    };
    let onboarding = plan::onboarding(&snapshot, &rules, &templates, &settings)?;
    let plan::Onboarding {
        inventory,
        before,
        plan: planned,
        after,
    } = &onboarding;
    let rendered = match args.format {
        PlanFormat::Json => {
            let json = serde_json::json!({
                "repository": inventory.repository,
                "plan": planned,
                "coverage_before": before.coverage,
                "coverage_after": after.coverage,
                "pull_request": onboarding.pull_request(&templates)?,
            });
            let mut text = serde_json::to_string_pretty(&json).context("cannot encode the plan")?;
            text.push('\n');
            text
        }
        PlanFormat::Markdown => onboarding.pull_request(&templates)?.body,
        PlanFormat::Diff => diff(planned),
        PlanFormat::Table => plan_table(planned, &before.coverage, &after.coverage),
    };
    let mut stdout = anstream::stdout();
    stdout
        .write_all(rendered.as_bytes())
        .and_then(|()| stdout.flush())
        .context("cannot write the plan")?;
    if args.write {
        for file in planned.changes() {
            write_inside(
                &args.path,
                &file.path,
                &file.content,
                file.change == Change::Create,
            )?;
        }
        eprintln!("wrote {} file(s)", planned.changes().count());
    }
    Ok(ExitCode::SUCCESS)
}

/// `--default-branch`, else the checkout's branch, else `main` (said on stderr).
fn default_branch(args: &PlanArgs) -> String {
    if let Some(name) = &args.default_branch {
        return name.clone();
    }
    match branch::checkout_branch(&args.path) {
        Some(branch::Branch::Current(name)) => name,
        Some(branch::Branch::RemoteDefault(name)) => {
            eprintln!(
                "HEAD is detached: using `{name}`, the branch origin/HEAD names (set --default-branch to choose)"
            );
            name
        }
        None => {
            eprintln!("no branch checked out: using `main` (set --default-branch to choose)");
            "main".to_owned()
        }
    }
}

/// The repository's `.github/fullcover.yml` over the organisation's, if any.
fn load_config(
    snapshot: &snapshot::Snapshot,
    organisation: Option<&Path>,
) -> anyhow::Result<Config> {
    let organisation = match organisation {
        Some(path) => {
            let name = path.display().to_string();
            let metadata =
                std::fs::metadata(path).with_context(|| format!("cannot read {name}"))?;
            anyhow::ensure!(metadata.is_file(), "{name} is not a regular file");
            let mut bytes = Vec::new();
            std::fs::File::open(path)
                .and_then(|file| {
                    std::io::Read::read_to_end(
                        &mut std::io::Read::take(file, config::LIMIT as u64 + 1),
                        &mut bytes,
                    )
                })
                .with_context(|| format!("cannot read {name}"))?;
            let content = snapshot::Content {
                truncated: bytes.len() > config::LIMIT,
                bytes,
            };
            Config::parse(&name, &config_text(&name, &content)?)?
        }
        None => Config::default(),
    };
    Ok(Config::from_snapshot(snapshot, organisation)?)
}

fn config_text(name: &str, content: &snapshot::Content) -> anyhow::Result<String> {
    anyhow::ensure!(!content.truncated, "{name} is larger than 1 MiB");
    content
        .text()
        .map(str::to_owned)
        .with_context(|| format!("{name} is not UTF-8 text"))
}

/// Writes `relative` below `root`, refusing to follow a symbolic link anywhere on the
/// way, so a hostile checkout cannot redirect the write outside itself.
fn write_inside(root: &Path, relative: &str, content: &str, create: bool) -> anyhow::Result<()> {
    let mut current = root.to_path_buf();
    let parts: Vec<&str> = relative.split('/').collect();
    for (index, part) in parts.iter().enumerate() {
        anyhow::ensure!(
            !part.is_empty() && *part != "." && *part != "..",
            "refusing to write {relative}: not a plain relative path"
        );
        current.push(part);
        match std::fs::symlink_metadata(&current) {
            Ok(metadata) if metadata.file_type().is_symlink() => {
                anyhow::bail!(
                    "refusing to write {relative}: {} is a symbolic link",
                    current.display()
                )
            }
            Ok(metadata) if index + 1 < parts.len() && !metadata.is_dir() => {
                anyhow::bail!(
                    "refusing to write {relative}: {} is not a directory",
                    current.display()
                )
            }
            Ok(metadata) if index + 1 == parts.len() && !metadata.is_file() => {
                anyhow::bail!(
                    "refusing to write {relative}: {} is not a regular file",
                    current.display()
                )
            }
            Ok(_) => {}
            Err(err) if err.kind() == std::io::ErrorKind::NotFound && index + 1 < parts.len() => {
                std::fs::create_dir(&current)
                    .with_context(|| format!("cannot create {}", current.display()))?;
            }
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
            Err(err) => {
                return Err(err).with_context(|| format!("cannot inspect {}", current.display()));
            }
        }
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    if create {
        options.create_new(true);
    } else {
        options.truncate(true);
    }
    let mut file = options
        .open(&current)
        .with_context(|| format!("cannot write {}", current.display()))?;
    file.write_all(content.as_bytes())
        .with_context(|| format!("cannot write {}", current.display()))
}

fn plan_table(
    planned: &plan::Plan,
    before: &evaluate::CoverageSummary,
    after: &evaluate::CoverageSummary,
) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Coverage {}% ({} of {} required controls) -> {}% ({} of {})",
        before.percent,
        before.satisfied,
        before.required,
        after.percent,
        after.satisfied,
        after.required
    );
    if planned.files.is_empty() {
        let _ = writeln!(out, "\nNothing to add.");
    }
    for file in &planned.files {
        let change = match &file.change {
            Change::Create => "add".to_owned(),
            Change::Update => "update".to_owned(),
            Change::Unchanged => "unchanged".to_owned(),
            Change::Kept(reason) => format!("left alone: {reason}"),
        };
        let _ = writeln!(out, "\n{} ({change})", file.path);
        if !file.satisfies.is_empty() {
            let _ = writeln!(out, "  {}: {}", file.name, file.satisfies.join(", "));
        }
    }
    if !planned.manual.is_empty() {
        let _ = writeln!(out, "\nOnly a person can do:");
        for step in &planned.manual {
            let _ = writeln!(out, "  {}: {}", step.requirement, step.action);
        }
    }
    if !planned.skipped.is_empty() {
        let _ = writeln!(out, "\nSkipped:");
        for step in &planned.skipped {
            let _ = writeln!(out, "  {}: {}", step.requirement, step.action);
        }
    }
    if !planned.warnings.is_empty() {
        let _ = writeln!(out, "\nLeft out:");
        for warning in &planned.warnings {
            let path = warning.path.as_deref().unwrap_or("-");
            let _ = writeln!(
                out,
                "  {}: {}",
                plan::text::single_line(path, plan::text::TEXT_LIMIT),
                warning.message
            );
        }
    }
    out
}

fn diff(planned: &plan::Plan) -> String {
    let mut out = String::new();
    for file in planned.changes() {
        let old = file.previous.as_deref().unwrap_or("");
        let from = if file.previous.is_some() {
            format!("a/{}", file.path)
        } else {
            "/dev/null".to_owned()
        };
        let text = similar::TextDiff::from_lines(old, &file.content)
            .unified_diff()
            .header(&from, &format!("b/{}", file.path))
            .to_string();
        out.push_str(&text);
    }
    out
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
