//! `fullcover demo`: the App onboarding an organisation, on one machine, with no
//! credentials and no network.
//!
//! The fake GitHub plays github.com with the [`org`] repositories; the real App (HTTP
//! server, workers, SQLite store) is installed on it and receives real signed webhooks.
//! Each repository is shown as its onboarding finishes: what the scan found (the scan
//! record in the store), and the pull request the fake now holds, whose head is scanned
//! again to show the coverage it brings.

pub mod history;
pub mod org;
mod render;
pub mod scaled;
mod security;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context;
use secrecy::SecretString;
use serde_json::Value;

use crate::app::server::{self, Running};
use crate::app::web::WebSettings;
use crate::app::{App, Behaviour};
use crate::github::limits::Pacing;
use crate::github::{AppIdentity, ClientOptions, GitHubApp};
use crate::store::{RepoState, RepositoryRecord, Store};
use fullcover_core::config::Config;
use fullcover_core::evaluate::CoverageSummary;
use fullcover_core::plan::Templates;
use fullcover_core::rules::RuleSet;
use fullcover_core::snapshot::Snapshot;
use fullcover_core::{detect, evaluate};
use fullcover_fake_github::{FakeGitHub, FakeOptions, RepoSpec};

/// How fast GitHub's clock runs with `--fast`: its 1 write a second becomes 60.
pub const FAST_TIME_SCALE: f64 = 60.0;

/// How the demo runs.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    /// Where the App listens (port 0: any free port).
    pub listen: SocketAddr,
    /// The App's database; a SQLite file in a temporary directory when `None`.
    pub database_url: Option<String>,
    /// Run GitHub's clock (and the App's pacing) [`FAST_TIME_SCALE`] times faster.
    pub fast: bool,
    /// The longest the onboarding may take before the demo gives up.
    pub timeout: Duration,
}

impl Default for DemoOptions {
    fn default() -> Self {
        DemoOptions {
            listen: SocketAddr::from(([127, 0, 0, 1], 3000)),
            database_url: None,
            fast: false,
            timeout: Duration::from_secs(300),
        }
    }
}

/// Coverage as `required` controls and how many are met.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Coverage {
    pub satisfied: usize,
    pub required: usize,
    pub percent: f64,
}

impl From<&CoverageSummary> for Coverage {
    fn from(summary: &CoverageSummary) -> Self {
        Coverage {
            satisfied: summary.satisfied,
            required: summary.required,
            percent: summary.percent,
        }
    }
}

/// What the App's scan found, read from its scan record.
#[derive(Debug, Clone, Default)]
pub struct Found {
    /// Languages with their share of the code, largest first.
    pub languages: Vec<(String, f64)>,
    pub iac: Vec<String>,
    pub ecosystems: Vec<String>,
    /// Scanners already in place, and whether something runs them.
    pub scanners: Vec<(String, bool)>,
    pub before: Option<Coverage>,
}

/// An onboarding pull request as the fake GitHub holds it.
#[derive(Debug, Clone)]
pub struct Pull {
    pub number: u64,
    pub title: String,
    /// Files the pull request adds or changes, and whether the file existed before.
    pub files: Vec<(String, bool)>,
    /// Coverage of the pull request's head, scanned again.
    pub after: Coverage,
}

/// One repository's onboarding.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub name: String,
    pub state: RepoState,
    /// Why it was skipped or left alone.
    pub reason: Option<String>,
    pub found: Option<Found>,
    pub pulls: Vec<Pull>,
}

/// The totals shown at the end.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    pub repositories: usize,
    pub pulls: usize,
    pub skipped: usize,
    pub before: Coverage,
    pub after: Coverage,
    /// Content-creating requests the fake GitHub refused for coming too fast.
    pub violations: u64,
    pub elapsed: Duration,
}

/// A demo whose onboarding is done; both servers keep running until [`Demo::stop`].
pub struct Demo {
    pub fake: FakeGitHub,
    pub app: App,
    pub running: Running,
    pub outcomes: Vec<Outcome>,
    pub summary: Summary,
    _workdir: Option<WorkDir>,
}

impl Demo {
    /// The App's health check.
    pub fn healthz(&self) -> String {
        format!("http://{}/healthz", self.running.addr)
    }

    pub async fn stop(self) {
        self.running.stop().await;
        self.fake.shutdown().await;
    }
}

/// Starts both servers, installs the App and writes the onboarding to `out` as it
/// happens. Must run inside a multi-threaded Tokio runtime.
pub async fn run(options: &DemoOptions, out: &mut dyn Write) -> anyhow::Result<Demo> {
    let started = Instant::now();
    let scale = if options.fast { FAST_TIME_SCALE } else { 1.0 };
    // 20 to 40 ms of latency, as from a nearby GitHub.
    let mut fake_options = FakeOptions::default();
    fake_options.limits.time_scale = scale;
    fake_options.faults.latency = Duration::from_millis(20);
    fake_options.faults.jitter = Duration::from_millis(20);
    let fake = FakeGitHub::start(fake_options)
        .await
        .context("cannot start the fake GitHub")?;
    let credentials = fake.create_app("fullcover-demo");
    fake.create_org(org::ORG);
    let specs = org::repositories();
    for spec in &specs {
        fake.create_repo(org::ORG, spec.clone());
        // The demo organisation starts with none of GitHub's own controls switched on,
        // so its onboarding closes every gap with files.
        for feature in [
            fullcover_fake_github::SecurityFeature::SecretScanning,
            fullcover_fake_github::SecurityFeature::DependabotAlerts,
        ] {
            fake.set_security_feature(org::ORG, &spec.name, feature, false)?;
        }
    }
    render::intro(out, &fake.url(), &specs, options.fast)?;

    let (workdir, database_url) = match &options.database_url {
        Some(url) => (None, url.clone()),
        None => {
            let dir = WorkDir::create()?;
            let url = crate::store::sqlite_url(&dir.0.join("fullcover.db"));
            (Some(dir), url)
        }
    };
    let store = Store::connect(&database_url)
        .await
        .with_context(|| format!("cannot open {}", crate::store::redact_url(&database_url)))?;
    let github = GitHubApp::new(
        &AppIdentity {
            app_id: credentials.app_id,
            private_key_pem: SecretString::from(credentials.private_key_pem.clone()),
            api_url: fake.url(),
        },
        ClientOptions {
            pacing: Pacing::scaled(scale),
            ..ClientOptions::default()
        },
    )?;
    // The person at the keyboard is "signed in to GitHub" as a member of both
    // organisations: the dashboard's "Sign in with GitHub" goes through the fake's
    // OAuth pages and comes straight back.
    fake.add_member(org::ORG, VIEWER);
    fake.create_org(history::ORG);
    fake.add_member(history::ORG, VIEWER);
    fake.sign_in_browser(Some(VIEWER));
    let app = App::new(
        store,
        github,
        RuleSet::embedded()?,
        Templates::embedded()?,
        SecretString::from(credentials.webhook_secret.clone()),
        Behaviour {
            web: WebSettings {
                github_url: fake.url(),
                api_url: fake.url(),
                client_id: Some(credentials.client_id.clone()),
                client_secret: Some(SecretString::from(credentials.client_secret.clone())),
                ..WebSettings::default()
            },
            ..Behaviour::default()
        },
    );
    let running = server::start(app.clone(), options.listen)
        .await
        .with_context(|| format!("cannot listen on {}", options.listen))?;
    fake.set_webhook_url(
        credentials.app_id,
        &format!("http://{}/webhooks", running.addr),
    );
    writeln!(
        out,
        "The App is serving on http://{} and installed on {}; onboarding:\n",
        running.addr,
        org::ORG
    )?;
    let installation = fake
        .install(credentials.app_id, org::ORG, None)
        .await
        .context("cannot install the App")?;
    let installation = i64::try_from(installation).context("installation id out of range")?;

    let outcomes = follow(&fake, &app, installation, &specs, options.timeout, out).await?;
    let summary = summarise(
        &outcomes,
        fake.secondary_limit_violations(),
        started.elapsed(),
    );
    render::summary(out, &summary)?;
    merge_some(&fake, &app, &outcomes, options.timeout, out).await?;
    // The seeded organisation: the App installed there (no repositories of the fake's),
    // and sixty days of record written beside it.
    fake.install(credentials.app_id, history::ORG, Some(Vec::new()))
        .await
        .context("cannot install the App on the seeded organisation")?;
    history::seed(app.store(), crate::store::now()).await?;
    writeln!(
        out,
        "\nDashboard: http://{addr}/  (\"Sign in with GitHub\": the fake GitHub signs you in as {VIEWER},\n\
         a member of {} and of {}, which holds a seeded 60-day history)\n\
         Organisation pages: http://{addr}/orgs/{}  and  http://{addr}/orgs/{}",
        org::ORG,
        history::ORG,
        org::ORG,
        history::ORG,
        addr = running.addr,
    )?;
    Ok(Demo {
        fake,
        app,
        running,
        outcomes,
        summary,
        _workdir: workdir,
    })
}

/// Who the demo signs in as.
pub const VIEWER: &str = "demo-user";

/// Merges half of the onboarding pull requests as a team would, through the fake (so
/// GitHub's webhooks drive the App), and waits until the App has rescanned them.
async fn merge_some(
    fake: &FakeGitHub,
    app: &App,
    outcomes: &[Outcome],
    timeout: Duration,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let with_pulls: Vec<&Outcome> = outcomes.iter().filter(|o| !o.pulls.is_empty()).collect();
    let mut merged = Vec::new();
    for outcome in with_pulls.iter().step_by(2) {
        if let Some(pull) = outcome.pulls.last() {
            let number = pull.number;
            fake.merge_pull(org::ORG, &outcome.name, number)
                .await
                .with_context(|| format!("cannot merge {}#{number}", outcome.name))?;
            merged.push(format!("{}#{number}", outcome.name));
        }
    }
    let deadline = Instant::now() + timeout;
    while app.store().queue_depth().await? > 0
        || !app.store().pending_deliveries(1).await?.is_empty()
    {
        anyhow::ensure!(
            Instant::now() < deadline,
            "the rescans after merging did not finish"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    writeln!(
        out,
        "\nMerged, as a team would: {}; the App rescanned them.",
        merged.join(", ")
    )?;
    Ok(())
}

/// Shows each repository as soon as the App is done with it; returns when all are.
async fn follow(
    fake: &FakeGitHub,
    app: &App,
    installation: i64,
    specs: &[RepoSpec],
    timeout: Duration,
    out: &mut dyn Write,
) -> anyhow::Result<Vec<Outcome>> {
    let deadline = Instant::now() + timeout;
    let rules = app.rules();
    let mut shown = BTreeSet::new();
    let mut outcomes = Vec::new();
    while shown.len() < specs.len() {
        anyhow::ensure!(
            Instant::now() < deadline,
            "the onboarding did not finish within {timeout:?}: {} of {} repositories done",
            shown.len(),
            specs.len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
        let busy = app.store().queue_depth().await? > 0;
        for record in app.store().repositories(installation).await? {
            if shown.contains(&record.id) || !finished(&record, busy) {
                continue;
            }
            let name = record
                .full_name
                .rsplit('/')
                .next()
                .unwrap_or(&record.full_name)
                .to_owned();
            let Some(spec) = specs.iter().find(|spec| spec.name == name) else {
                continue;
            };
            let outcome = outcome(fake, app, &record, spec, rules).await?;
            render::outcome(out, &outcome)?;
            outcomes.push(outcome);
            shown.insert(record.id);
        }
    }
    Ok(outcomes)
}

/// A repository the App will not touch again until something changes.
fn finished(record: &RepositoryRecord, busy: bool) -> bool {
    match record.state {
        RepoState::Pending => record.reason.is_some() && !busy,
        _ => true,
    }
}

async fn outcome(
    fake: &FakeGitHub,
    app: &App,
    record: &RepositoryRecord,
    spec: &RepoSpec,
    rules: &RuleSet,
) -> anyhow::Result<Outcome> {
    let found = app
        .store()
        .latest_report(record.id)
        .await?
        .map(|report| found(&report));
    let original: BTreeMap<&str, &[u8]> = spec
        .files
        .iter()
        .map(|(path, bytes)| (path.as_str(), bytes.as_slice()))
        .collect();
    let pulls = fake
        .pulls(org::ORG, &spec.name)
        .into_iter()
        .map(|pull| {
            let files = pull
                .files
                .iter()
                .filter(|(path, bytes)| original.get(path.as_str()) != Some(&bytes.as_slice()))
                .map(|(path, _)| (path.clone(), original.contains_key(path.as_str())))
                .collect();
            let after = coverage_of(&spec.name, &pull.files, rules);
            Pull {
                number: pull.number,
                title: pull.title,
                files,
                after,
            }
        })
        .collect();
    Ok(Outcome {
        name: spec.name.clone(),
        state: record.state,
        reason: record.reason.clone(),
        found,
        pulls,
    })
}

/// What a scan report (the JSON contract) says was found.
fn found(report: &str) -> Found {
    let Ok(json) = serde_json::from_str::<Value>(report) else {
        return Found::default();
    };
    let list = |key: &str| -> Vec<&Value> {
        json.get(key)
            .and_then(Value::as_array)
            .map(|items| items.iter().collect())
            .unwrap_or_default()
    };
    let text = |item: &Value, key: &str| {
        item.get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let number = |item: &Value, key: &str| item.get(key).and_then(Value::as_f64).unwrap_or(0.0);
    let count = |item: &Value, key: &str| {
        item.get(key)
            .and_then(Value::as_u64)
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or(0)
    };
    Found {
        languages: list("languages")
            .into_iter()
            .map(|item| (text(item, "name"), number(item, "share")))
            .collect(),
        iac: list("iac").into_iter().map(|i| text(i, "name")).collect(),
        ecosystems: list("ecosystems")
            .into_iter()
            .map(|i| text(i, "title"))
            .collect(),
        scanners: list("scanners")
            .into_iter()
            .map(|i| {
                (
                    text(i, "name"),
                    i.get("running") == Some(&Value::Bool(true)),
                )
            })
            .collect(),
        before: json.get("coverage").map(|c| Coverage {
            satisfied: count(c, "satisfied"),
            required: count(c, "required"),
            percent: number(c, "percent"),
        }),
    }
}

/// The coverage of a tree, scanned as `fullcover scan` scans a checkout.
fn coverage_of(name: &str, files: &BTreeMap<String, Vec<u8>>, rules: &RuleSet) -> Coverage {
    let snapshot = Snapshot::from_memory(
        &format!("{}/{name}", org::ORG),
        files
            .iter()
            .map(|(path, bytes)| (path.clone(), bytes.clone())),
    );
    let config = Config::from_snapshot(&snapshot, Config::default()).unwrap_or_default();
    let snapshot = config.apply(snapshot);
    let inventory = detect::detect(&snapshot, rules);
    let mut assessment = evaluate::evaluate(&inventory, rules);
    assessment.skip(&config.skip);
    Coverage::from(&assessment.coverage)
}

fn summarise(outcomes: &[Outcome], violations: u64, elapsed: Duration) -> Summary {
    let mut before = Coverage {
        satisfied: 0,
        required: 0,
        percent: 0.0,
    };
    let mut after = before;
    for outcome in outcomes {
        let Some(was) = outcome.found.as_ref().and_then(|found| found.before) else {
            continue;
        };
        let now = outcome.pulls.last().map_or(was, |pull| pull.after);
        before.satisfied += was.satisfied;
        before.required += was.required;
        after.satisfied += now.satisfied;
        after.required += now.required;
    }
    let percent = |c: &Coverage| {
        if c.required == 0 {
            100.0
        } else {
            (c.satisfied as f64 * 1000.0 / c.required as f64).round() / 10.0
        }
    };
    before.percent = percent(&before);
    after.percent = percent(&after);
    Summary {
        repositories: outcomes.len(),
        pulls: outcomes.iter().map(|o| o.pulls.len()).sum(),
        skipped: outcomes
            .iter()
            .filter(|o| o.state == RepoState::Excluded)
            .count(),
        before,
        after,
        violations,
        elapsed,
    }
}

/// A temporary directory for the demo's database, removed with the demo.
struct WorkDir(PathBuf);

impl WorkDir {
    fn create() -> anyhow::Result<WorkDir> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let path =
            std::env::temp_dir().join(format!("fullcover-demo-{}-{nanos:09}", std::process::id()));
        std::fs::create_dir(&path).with_context(|| format!("cannot create {}", path.display()))?;
        Ok(WorkDir(path))
    }
}

impl Drop for WorkDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
