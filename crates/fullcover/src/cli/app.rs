//! The App's commands: `fullcover serve`, `fullcover setup` and `fullcover demo`. Secrets are read from the
//! environment (or flags) into values that never print.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use secrecy::SecretString;

use crate::app::web::WebSettings;
use crate::app::{self, App, Behaviour};
use crate::github::limits::Pacing;
use crate::github::{AppIdentity, ClientOptions, DEFAULT_API_URL, GitHubApp};
use crate::store::{Store, redact_url};
use fullcover_core::plan::Templates;
use fullcover_core::rules::RuleSet;

/// The database when none is named: a SQLite file in the working directory.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://fullcover.db?mode=rwc";

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "FULLCOVER_LISTEN", default_value = "127.0.0.1:3000")]
    pub listen: SocketAddr,
    /// The App's id (from `fullcover setup` or the App's settings page).
    #[arg(long, env = "FULLCOVER_APP_ID")]
    pub app_id: u64,
    /// The App's private key file (PEM).
    #[arg(
        long,
        env = "FULLCOVER_PRIVATE_KEY_PATH",
        conflicts_with = "private_key"
    )]
    pub private_key_path: Option<PathBuf>,
    /// The App's private key itself (PEM), instead of a file.
    #[arg(long, env = "FULLCOVER_PRIVATE_KEY", hide_env_values = true)]
    pub private_key: Option<String>,
    /// The webhook secret GitHub signs deliveries with.
    #[arg(long, env = "FULLCOVER_WEBHOOK_SECRET", hide_env_values = true)]
    pub webhook_secret: String,
    /// The webhook secret being rotated out, still accepted until unset.
    #[arg(
        long,
        env = "FULLCOVER_WEBHOOK_SECRET_PREVIOUS",
        hide_env_values = true
    )]
    pub webhook_secret_previous: Option<String>,
    /// GitHub's REST API; GitHub Enterprise Server: https://HOST/api/v3.
    #[arg(long, env = "FULLCOVER_GITHUB_API_URL", default_value = DEFAULT_API_URL)]
    pub github_api_url: String,
    /// sqlite://PATH?mode=rwc (default, one file) or postgres://USER@HOST/DB.
    #[arg(long, env = "FULLCOVER_DATABASE_URL", default_value = DEFAULT_DATABASE_URL, hide_env_values = true)]
    pub database_url: String,
    /// Jobs run at once.
    #[arg(long, env = "FULLCOVER_WORKERS", default_value_t = 4)]
    pub workers: usize,
    /// Onboard forks too (skipped by default).
    #[arg(long, env = "FULLCOVER_ONBOARD_FORKS")]
    pub onboard_forks: bool,
    /// GitHub's web address, for signing in; GitHub Enterprise Server: https://HOST.
    #[arg(
        long,
        env = "FULLCOVER_GITHUB_URL",
        default_value = "https://github.com"
    )]
    pub github_url: String,
    /// Where people reach this server (for the sign-in redirect), e.g.
    /// https://fullcover.example.com; default: the address the browser used.
    #[arg(long, env = "FULLCOVER_PUBLIC_URL", default_value = "")]
    pub public_url: String,
    /// The App's OAuth client id (from `fullcover setup`), for signing in with GitHub.
    #[arg(long, env = "FULLCOVER_CLIENT_ID")]
    pub client_id: Option<String>,
    /// The App's OAuth client secret.
    #[arg(long, env = "FULLCOVER_CLIENT_SECRET", hide_env_values = true)]
    pub client_secret: Option<String>,
    /// Bearer token Prometheus sends to scrape /metrics (off without one).
    #[arg(long, env = "FULLCOVER_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,
    /// Runs the pacing of GitHub writes this many times faster: only against a fake
    /// GitHub whose clock runs as fast (tests).
    #[arg(
        long,
        env = "FULLCOVER_GITHUB_TIME_SCALE",
        default_value_t = 1.0,
        hide = true
    )]
    pub github_time_scale: f64,
}

#[derive(Debug, clap::Args)]
pub struct SetupArgs {
    /// Where GitHub will deliver webhooks: the public address of `fullcover serve`
    /// followed by /webhooks.
    #[arg(long)]
    pub webhook_url: String,
    /// Create the App in this organisation (default: your personal account).
    #[arg(long)]
    pub org: Option<String>,
    /// The App's name on GitHub (default: the manifest's).
    #[arg(long)]
    pub name: Option<String>,
    /// GitHub's web address; GitHub Enterprise Server: https://HOST.
    #[arg(long, default_value = "https://github.com")]
    pub github_url: String,
    /// GitHub's REST API; GitHub Enterprise Server: https://HOST/api/v3.
    #[arg(long, env = "FULLCOVER_GITHUB_API_URL", default_value = DEFAULT_API_URL)]
    pub github_api_url: String,
    /// Address of the local setup page.
    #[arg(long, default_value = "127.0.0.1:3001")]
    pub listen: SocketAddr,
    /// Directory for the credentials (private-key.pem and fullcover.env, mode 0600).
    #[arg(long, default_value = "fullcover-app")]
    pub out: PathBuf,
}

#[cfg(feature = "demo")]
#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Address the App listens on (port 0: any free port).
    #[arg(long, default_value = "127.0.0.1:3000")]
    pub listen: SocketAddr,
    /// The App's database (default: a SQLite file in a temporary directory).
    #[arg(long, hide_env_values = true)]
    pub database_url: Option<String>,
    /// Run GitHub's clock, and the App's pacing, 60 times faster.
    #[arg(long)]
    pub fast: bool,
    /// Stop after the summary instead of serving until Ctrl-C.
    #[arg(long)]
    pub exit: bool,
    #[command(subcommand)]
    pub command: Option<super::seed::DemoCommand>,
}

pub(super) fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// Reads the private key from the file or the value given.
fn private_key(args: &ServeArgs) -> anyhow::Result<SecretString> {
    match (&args.private_key_path, &args.private_key) {
        (Some(path), _) => {
            let pem = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the private key {}", path.display()))?;
            Ok(SecretString::from(pem))
        }
        (None, Some(pem)) => Ok(SecretString::from(pem.clone())),
        (None, None) => anyhow::bail!(
            "no private key: set FULLCOVER_PRIVATE_KEY_PATH (a PEM file) or FULLCOVER_PRIVATE_KEY"
        ),
    }
}

/// An empty secret is a configuration error, never "no secret": `/metrics` with an empty
/// token would answer anyone, an empty webhook secret would sign nothing.
fn refuse_empty_secrets(args: &ServeArgs) -> anyhow::Result<()> {
    let secrets = [
        (
            "FULLCOVER_WEBHOOK_SECRET (--webhook-secret)",
            Some(&args.webhook_secret),
        ),
        (
            "FULLCOVER_WEBHOOK_SECRET_PREVIOUS (--webhook-secret-previous)",
            args.webhook_secret_previous.as_ref(),
        ),
        (
            "FULLCOVER_CLIENT_SECRET (--client-secret)",
            args.client_secret.as_ref(),
        ),
        (
            "FULLCOVER_METRICS_TOKEN (--metrics-token)",
            args.metrics_token.as_ref(),
        ),
    ];
    for (name, value) in secrets {
        if let Some(value) = value {
            anyhow::ensure!(
                !value.trim().is_empty(),
                "{name} is set but empty: give it a value, or unset it to turn the feature off"
            );
        }
    }
    Ok(())
}

pub fn serve(args: ServeArgs) -> anyhow::Result<ExitCode> {
    refuse_empty_secrets(&args)?;
    anyhow::ensure!(
        args.github_time_scale.is_finite() && args.github_time_scale >= 1.0,
        "FULLCOVER_GITHUB_TIME_SCALE must be a number of at least 1, not {}",
        args.github_time_scale
    );
    let identity = AppIdentity {
        app_id: args.app_id,
        private_key_pem: private_key(&args)?,
        api_url: args.github_api_url.clone(),
    };
    runtime()?.block_on(async move {
        let store = Store::connect(&args.database_url)
            .await
            .with_context(|| format!("cannot open {}", redact_url(&args.database_url)))?;
        let github = GitHubApp::new(
            &identity,
            ClientOptions {
                pacing: Pacing::scaled(args.github_time_scale),
                ..ClientOptions::default()
            },
        )?;
        let app = App::new(
            store,
            github,
            RuleSet::embedded()?,
            Templates::embedded()?,
            SecretString::from(args.webhook_secret.clone()),
            Behaviour {
                onboard_forks: args.onboard_forks,
                workers: args.workers,
                web: WebSettings {
                    github_url: args.github_url.clone(),
                    api_url: args.github_api_url.clone(),
                    secure_cookies: args.public_url.starts_with("https://"),
                    public_url: args.public_url.clone(),
                    client_id: args.client_id.clone(),
                    client_secret: args.client_secret.clone().map(SecretString::from),
                    session_seconds: 12 * 3600,
                    metrics_token: args.metrics_token.clone().map(SecretString::from),
                },
                previous_webhook_secret: args
                    .webhook_secret_previous
                    .clone()
                    .map(SecretString::from),
                ..Behaviour::default()
            },
        );
        let running = app::server::start(app, args.listen)
            .await
            .with_context(|| format!("cannot listen on {}", args.listen))?;
        tracing::info!(addr = %running.addr, api = args.github_api_url, "serving");
        eprintln!(
            "fullcover: serving on http://{} (webhooks at /webhooks)",
            running.addr
        );
        tokio::select! {
            stopped = running.wait() => stopped?,
            _ = tokio::signal::ctrl_c() => eprintln!("fullcover: stopping"),
        }
        Ok(ExitCode::SUCCESS)
    })
}

pub fn setup(args: SetupArgs) -> anyhow::Result<ExitCode> {
    runtime()?.block_on(async move {
        let running = crate::setup::start(crate::setup::SetupOptions {
            github_url: args.github_url,
            api_url: args.github_api_url,
            org: args.org,
            webhook_url: args.webhook_url,
            name: args.name,
            listen: args.listen,
            out: args.out,
        })
        .await?;
        eprintln!("Open {} in your browser and follow the steps.", running.url);
        let created = running.finish().await?;
        eprintln!(
            "Created GitHub App {} (id {}). Credentials: {} and {} (mode 0600).\n\
             Install it: {}/installations/new\nRun: set -a; . {}; set +a; fullcover serve",
            created.slug,
            created.app_id,
            created.env_file.display(),
            created.key_file.display(),
            created.html_url,
            created.env_file.display(),
        );
        Ok(ExitCode::SUCCESS)
    })
}

#[cfg(feature = "demo")]
pub fn demo(args: DemoArgs) -> anyhow::Result<ExitCode> {
    if let Some(super::seed::DemoCommand::Seed(seed)) = args.command {
        return runtime()?.block_on(super::seed::seed(seed));
    }
    let options = crate::demo::DemoOptions {
        listen: args.listen,
        database_url: args.database_url,
        fast: args.fast,
        ..crate::demo::DemoOptions::default()
    };
    runtime()?.block_on(async move {
        let mut stdout = anstream::stdout();
        let demo = crate::demo::run(&options, &mut stdout).await?;
        if args.exit {
            demo.stop().await;
            return Ok(ExitCode::SUCCESS);
        }
        println!(
            "\nStill serving. The fake GitHub's API: {} (e.g. {}/repos/{}/storefront-web/pulls)\n\
             The App's health check: {}\nPress Ctrl-C to stop.",
            demo.fake.url(),
            demo.fake.url(),
            crate::demo::org::ORG,
            demo.healthz()
        );
        let _ = tokio::signal::ctrl_c().await;
        eprintln!("fullcover: stopping");
        demo.stop().await;
        Ok(ExitCode::SUCCESS)
    })
}
