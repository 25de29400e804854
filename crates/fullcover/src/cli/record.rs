//! The record from the terminal: `fullcover report` prints an organisation's numbers
//! (coverage, and the security outcomes over `--days`), `fullcover token create` makes
//! an API token, and `fullcover scan --record` keeps a local scan so that a team
//! without the App still sees progress over time.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;

use super::app::DEFAULT_DATABASE_URL;
use crate::app::web::security::{MAX_DAYS, outcomes};
use crate::store::{InstallationState, RepoState, ScanRecord, Store, now, redact_url};
use fullcover_core::evaluate::Assessment;
use fullcover_core::metrics::security::SecurityPolicy;
use fullcover_core::metrics::{OrgReport, human_duration, org_report};
use fullcover_core::rules::RuleSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    Table,
    Json,
}

#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// The organisation (an installed account, or the --org of `scan --record`).
    #[arg(long)]
    pub org: String,
    #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
    pub format: ReportFormat,
    /// The window of the security outcomes: this many days up to now (1 to 3650).
    #[arg(long, value_name = "N", default_value_t = SecurityPolicy::default().window_days,
          value_parser = clap::value_parser!(i64).range(1..=MAX_DAYS))]
    pub days: i64,
    #[arg(long, env = "FULLCOVER_DATABASE_URL", default_value = DEFAULT_DATABASE_URL, hide_env_values = true)]
    pub database_url: String,
}

#[derive(Debug, clap::Subcommand)]
pub enum TokenCommand {
    /// Create an API token scoped to one organisation; it is printed once, and only its
    /// digest is stored.
    Create {
        #[arg(long)]
        org: String,
        /// What the token is for (shown nowhere secret).
        #[arg(long, default_value = "api")]
        label: String,
        /// Refuse the token after this long (`90d`, `12h`); it never expires without.
        #[arg(long, value_name = "DURATION", value_parser = parse_lifetime)]
        expires_in: Option<std::time::Duration>,
        #[arg(long, env = "FULLCOVER_DATABASE_URL", default_value = DEFAULT_DATABASE_URL, hide_env_values = true)]
        database_url: String,
    },
    /// List an organisation's tokens: id, label, created, last used, expiry (never the
    /// tokens themselves).
    List {
        #[arg(long)]
        org: String,
        #[arg(long, env = "FULLCOVER_DATABASE_URL", default_value = DEFAULT_DATABASE_URL, hide_env_values = true)]
        database_url: String,
    },
    /// Revoke a token by the id `token list` shows; it is refused at once.
    Revoke {
        id: String,
        #[arg(long, env = "FULLCOVER_DATABASE_URL", default_value = DEFAULT_DATABASE_URL, hide_env_values = true)]
        database_url: String,
    },
}

/// A token's lifetime: humantime's forms (`90d`, `12h`, `1week`), at least a minute.
fn parse_lifetime(text: &str) -> Result<std::time::Duration, String> {
    let lifetime = humantime::parse_duration(text)
        .map_err(|err| format!("{text:?} is not a duration such as 90d or 12h: {err}"))?;
    if lifetime < std::time::Duration::from_secs(60) {
        return Err(format!("{text:?} is shorter than a minute"));
    }
    Ok(lifetime)
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

async fn open(url: &str) -> anyhow::Result<Store> {
    Store::connect(url)
        .await
        .with_context(|| format!("cannot open {}", redact_url(url)))
}

pub fn token(command: TokenCommand) -> anyhow::Result<ExitCode> {
    match command {
        TokenCommand::Create {
            org,
            label,
            expires_in,
            database_url,
        } => {
            let expires_at = match expires_in {
                Some(lifetime) => Some(
                    i64::try_from(lifetime.as_secs())
                        .ok()
                        .and_then(|seconds| now().checked_add(seconds))
                        .context("--expires-in is too far in the future")?,
                ),
                None => None,
            };
            let token = runtime()?.block_on(async {
                let store = open(&database_url).await?;
                store
                    .create_expiring_token(&org, &label, expires_at)
                    .await
                    .map_err(anyhow::Error::from)
            })?;
            println!("{token}");
            eprintln!(
                "API token for {org} created{}. It is shown only now: keep it in a secret store.",
                expires_at.map_or(String::new(), |at| format!(", expires {}", date(at)))
            );
        }
        TokenCommand::List { org, database_url } => {
            let tokens = runtime()?.block_on(async {
                let store = open(&database_url).await?;
                store.tokens(&org).await.map_err(anyhow::Error::from)
            })?;
            println!(
                "{:<12}  {:<20}  {:<16}  {:<16}  expires",
                "id", "label", "created", "last used"
            );
            for token in tokens {
                println!(
                    "{:<12}  {:<20}  {:<16}  {:<16}  {}",
                    token.id,
                    token.label.escape_default().to_string(),
                    date(token.created_at),
                    token.last_used_at.map_or("never".into(), date),
                    token.expires_at.map_or("never".into(), date),
                );
            }
        }
        TokenCommand::Revoke { id, database_url } => {
            let revoked = runtime()?.block_on(async {
                let store = open(&database_url).await?;
                store.revoke_token(&id).await.map_err(anyhow::Error::from)
            })?;
            anyhow::ensure!(
                revoked,
                "no token {id:?}: give the 12-character id `fullcover token list` shows"
            );
            eprintln!("Token {id} revoked.");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A Unix time as `2026-12-03 14:02` (UTC).
fn date(at: i64) -> String {
    chrono::DateTime::from_timestamp(at, 0).map_or_else(
        || at.to_string(),
        |at| at.format("%Y-%m-%d %H:%M").to_string(),
    )
}

pub fn report(args: ReportArgs) -> anyhow::Result<ExitCode> {
    let (report, security) = runtime()?.block_on(async {
        let store = open(&args.database_url).await?;
        let at = now();
        let repos = store
            .org_history(&args.org, at)
            .await?
            .with_context(|| format!("no record of {}", args.org))?;
        let rules = RuleSet::embedded()?;
        let report = org_report(&args.org, &repos, &rules.scanners, at);
        let policy = SecurityPolicy {
            window_days: args.days,
            ..store.org_security_policy(&args.org).await?
        };
        let security = outcomes(&store, &args.org, None, &policy, at, false).await?;
        anyhow::Ok((report, security))
    })?;
    let text = match args.format {
        ReportFormat::Json => {
            let mut body = serde_json::to_value(&report).context("cannot encode the report")?;
            let security =
                serde_json::to_value(&security).context("cannot encode the security outcomes")?;
            if let Some(object) = body.as_object_mut() {
                object.insert("security".to_owned(), security);
            }
            let mut json =
                serde_json::to_string_pretty(&body).context("cannot encode the report")?;
            json.push('\n');
            json
        }
        ReportFormat::Table => table(&report) + &super::security::table(&security),
    };
    let mut stdout = std::io::stdout();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .context("cannot write the report")?;
    Ok(ExitCode::SUCCESS)
}

fn or_dash<T>(value: Option<T>, show: impl Fn(T) -> String) -> String {
    value.map_or_else(|| "–".to_owned(), show)
}

/// The report for people.
pub fn table(report: &OrgReport) -> String {
    let mut out = String::new();
    let percent = |p: f64| format!("{p}%");
    out.push_str(&format!("{}: AppSec coverage\n\n", report.org));
    let lines = [
        (
            "Fully covered",
            format!(
                "{} of {} repositories ({})",
                report.repos_fully_covered,
                report.repos_in_scope,
                or_dash(report.coverage_percent, percent)
            ),
        ),
        (
            "Requirements",
            format!(
                "{} of {} satisfied ({})",
                report.requirements.satisfied,
                report.requirements.required,
                or_dash(report.requirements_percent, percent)
            ),
        ),
        (
            "Time to full coverage",
            format!(
                "org {} (90%: {}), median repository {}",
                or_dash(report.time_to_full_coverage, human_duration),
                or_dash(report.time_to_90_percent, human_duration),
                or_dash(report.median_time_to_full_coverage, human_duration)
            ),
        ),
        (
            "Coverage uptime",
            format!(
                "30 days {}, 90 days {}",
                or_dash(report.uptime_30d, percent),
                or_dash(report.uptime_90d, percent)
            ),
        ),
        (
            "Time to restore",
            format!(
                "median {} ({} open incidents)",
                or_dash(report.median_time_to_restore, human_duration),
                report.open_incidents
            ),
        ),
        (
            "Onboarding PRs",
            format!(
                "{} opened, {} merged, {} closed, {} open; median time to merge {}",
                report.funnel.opened,
                report.funnel.merged,
                report.funnel.closed,
                report.funnel.open,
                or_dash(report.funnel.median_time_to_merge, human_duration)
            ),
        ),
    ];
    for (label, value) in lines {
        out.push_str(&format!("{label:<22} {value}\n"));
    }
    out.push_str(&format!(
        "\n{:<32} {:>9} {:>9}  {}\n",
        "REPOSITORY", "COVERAGE", "PR", "MISSING / STATE"
    ));
    for repo in &report.repos {
        let pr = repo.onboarding_pr.as_ref().map_or_else(
            || "–".to_owned(),
            |pr| format!("#{} {}", pr.number, pr.state),
        );
        let detail = if repo.in_scope && !repo.missing.is_empty() {
            repo.missing.join(", ")
        } else {
            match &repo.reason {
                Some(reason) => format!("{} ({reason})", repo.state),
                None => repo.state.clone(),
            }
        };
        out.push_str(&format!(
            "{:<32} {:>9} {:>9}  {}\n",
            repo.name,
            or_dash(repo.coverage_percent, percent),
            pr,
            detail
        ));
    }
    out
}

/// A stable negative id for local records, apart from GitHub's positive ones.
fn local_id(key: &str) -> i64 {
    let digest = fullcover_core::plan::ownership::hash(key);
    let value = i64::from_str_radix(&digest[..15], 16).unwrap_or(1);
    -value.max(1)
}

/// Records a local scan under `org` (`scan --record`).
pub fn record_local_scan(
    database_url: &str,
    org: &str,
    path: &Path,
    assessment: &Assessment,
    report_json: &str,
) -> anyhow::Result<()> {
    let canonical = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let name = canonical
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| "repository".to_owned());
    let installation = local_id(&format!("org:{org}"));
    let repository = local_id(&format!("path:{}", canonical.display()));
    let parts =
        crate::app::scan::scan_record_parts(assessment).context("cannot encode the scan")?;
    runtime()?.block_on(async {
        let store = open(database_url).await?;
        store
            .upsert_installation(installation, org, "Local", InstallationState::Active)
            .await?;
        store
            .upsert_repository(
                repository,
                installation,
                &format!("{org}/{name}"),
                None,
                false,
            )
            .await?;
        let state = if parts.missing.is_empty() {
            RepoState::Covered
        } else {
            RepoState::Pending
        };
        store.set_repository_state(repository, state, None).await?;
        store
            .record_scan(&ScanRecord {
                repository_id: repository,
                commit_sha: "",
                at: now(),
                required: parts.required,
                satisfied: parts.satisfied,
                missing: &parts.missing,
                satisfied_ids: &parts.satisfied_ids,
                categories: &parts.categories,
                report: report_json,
            })
            .await?;
        anyhow::Ok(())
    })?;
    eprintln!("recorded in {} as {org}/{name}", redact_url(database_url));
    Ok(())
}
