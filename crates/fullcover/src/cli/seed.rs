//! `fullcover demo seed`: writes a large synthetic record for one organisation into a
//! database and exits (see [`crate::demo::scaled`]).

use std::io::Write;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;

use crate::demo::scaled::{self, SeedOptions};
use crate::store::{Store, redact_url};

#[derive(Debug, clap::Subcommand)]
pub enum DemoCommand {
    /// Write a synthetic history of N repositories over D days (the demo's stories,
    /// scaled) into a database, and exit.
    Seed(SeedArgs),
}

#[derive(Debug, clap::Args)]
pub struct SeedArgs {
    /// The organisation's login; refused when the database already holds it.
    #[arg(long)]
    pub org: String,
    /// Repositories (1 to 100,000).
    #[arg(long)]
    pub repos: u32,
    /// Days of history, one scan a day per repository (1 to 3,650).
    #[arg(long)]
    pub days: u32,
    /// sqlite://PATH or postgres://USER@HOST/DB.
    #[arg(long, env = "FULLCOVER_DATABASE_URL", hide_env_values = true)]
    pub database_url: String,
    /// The random generator's seed: the same seed writes the same record.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

pub async fn seed(args: SeedArgs) -> anyhow::Result<ExitCode> {
    let options = SeedOptions {
        org: args.org,
        repos: args.repos,
        days: args.days,
        seed: args.seed,
        now: crate::store::now(),
    };
    options.check()?;
    let store = Store::connect(&args.database_url)
        .await
        .with_context(|| format!("cannot open {}", redact_url(&args.database_url)))?;
    let started = Instant::now();
    let mut last_report = Instant::now();
    let total = options.repos;
    let seeded = scaled::seed(&store, &options, |done| {
        if last_report.elapsed().as_secs() >= 10 || done == total {
            last_report = Instant::now();
            eprintln!(
                "fullcover: {done}/{total} repositories ({:.0} s)",
                started.elapsed().as_secs_f64()
            );
        }
    })
    .await?;
    let seconds = started.elapsed().as_secs_f64();
    // The read model, built now rather than by the first view.
    let rules = fullcover_core::rules::RuleSet::embedded()?;
    let building = Instant::now();
    let rows = store
        .refresh_rollups(Some(&options.org), &rules, options.now)
        .await
        .context("cannot build the read model")?;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "seeded {org}: {} repositories, {} scans, {} requirement events, {} pull requests, \
         {} scanner-run rows, {} findings, {} merged pull requests in {seconds:.1} s",
        seeded.repositories,
        seeded.scans,
        seeded.requirement_events,
        seeded.pull_requests,
        seeded.run_rows,
        seeded.findings,
        seeded.merges,
        org = options.org,
    )?;
    writeln!(
        out,
        "read model: {rows} rows built in {:.1} s",
        building.elapsed().as_secs_f64()
    )?;
    Ok(ExitCode::SUCCESS)
}
