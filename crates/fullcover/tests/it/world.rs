//! A world for end-to-end tests: the fake GitHub with an organisation of repositories,
//! and the real App (HTTP server, workers, SQLite store) wired to it by real webhooks.

use std::path::Path;
use std::time::{Duration, Instant};

use fullcover::app::server::{self, HttpLimits, Running};
use fullcover::app::web::WebSettings;
use fullcover::app::{App, Behaviour};
use fullcover::github::limits::Pacing;
use fullcover::github::{AppIdentity, ClientOptions, GitHubApp};
use fullcover::store::Store;
use fullcover_core::plan::{self, PlanSettings, Templates, Visibility};
use fullcover_core::rules::RuleSet;
use fullcover_core::snapshot::Snapshot;
use fullcover_fake_github::{AppCredentials, FakeGitHub, FakeOptions, RepoSpec};
use secrecy::SecretString;

use crate::support::{fixture_names, fixtures_dir};

pub const ORG: &str = "acme";

/// What Prometheus sends to scrape the test App's /metrics.
pub const METRICS_TOKEN: &str = "scrape-me";

pub struct World {
    pub fake: FakeGitHub,
    pub credentials: AppCredentials,
    pub app: App,
    pub running: Option<Running>,
    pub database_url: String,
    _dir: tempfile::TempDir,
}

/// The files of a fixture repository.
pub fn fixture_files(name: &str) -> Vec<(String, Vec<u8>)> {
    let root = fixtures_dir().join(name);
    let mut files = Vec::new();
    collect(&root, &root, &mut files);
    files.sort();
    files
}

fn collect(root: &Path, dir: &Path, files: &mut Vec<(String, Vec<u8>)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect(root, &path, files);
        } else if path.is_file() {
            let relative = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            files.push((relative, std::fs::read(&path).unwrap()));
        }
    }
}

/// Every fixture as a repository, plus small services to pass `count`.
pub fn organisation(count: usize) -> Vec<RepoSpec> {
    let mut specs: Vec<RepoSpec> = fixture_names()
        .into_iter()
        .filter(|name| name != "bad-input")
        .map(|name| {
            let mut spec = RepoSpec::new(&name);
            spec.files = fixture_files(&name);
            spec
        })
        // A fixture GitHub's own controls (on by default in the fake) already cover gets
        // no pull request: it is no repository to onboard.
        .filter(|spec| !expected_changes(&spec.files, &spec.name, false).is_empty())
        .collect();
    let mut n = 0;
    while specs.len() < count {
        n += 1;
        specs.push(small_service(&format!("service-{n:02}")));
    }
    specs
}

pub fn small_service(name: &str) -> RepoSpec {
    RepoSpec::new(name)
        .file(
            "package.json",
            format!(
                r#"{{"name":"{name}","version":"1.0.0","dependencies":{{"express":"^4.19.2"}}}}"#
            ),
        )
        .file(
            "src/server.js",
            "const express = require('express');\nconst app = express();\n".repeat(40),
        )
        .file("README.md", format!("# {name}\n"))
}

/// GitHub's clock in these tests runs this many times faster: an hour lasts 36 s.
pub const TIME_SCALE: f64 = 100.0;

/// The fake's options with its clock scaled as the App's pacing expects.
pub fn fake_options() -> FakeOptions {
    let mut options = FakeOptions::default();
    options.limits.time_scale = TIME_SCALE;
    options
}

pub fn client_options() -> ClientOptions {
    ClientOptions {
        pacing: Pacing::scaled(TIME_SCALE),
        secondary_wait: Duration::from_millis(100),
        retry_base: Duration::from_millis(20),
        max_attempts: 6,
        max_pause: Duration::from_secs(5),
    }
}

pub fn behaviour(fake: &FakeGitHub, credentials: &AppCredentials) -> Behaviour {
    Behaviour {
        web: WebSettings {
            github_url: fake.url(),
            api_url: fake.url(),
            public_url: String::new(),
            client_id: Some(credentials.client_id.clone()),
            client_secret: Some(SecretString::from(credentials.client_secret.clone())),
            session_seconds: 3600,
            secure_cookies: false,
            metrics_token: Some(SecretString::from(METRICS_TOKEN)),
        },
        onboard_forks: false,
        workers: 4,
        lease: Duration::from_secs(2),
        poll: Duration::from_millis(50),
        max_attempts: 10,
        retry_base: Duration::from_millis(100),
        http: HttpLimits {
            header_timeout: Duration::from_secs(2),
            body_timeout: Duration::from_secs(2),
            max_connections: 64,
            max_webhook_bodies: 4,
            max_reads: 3,
        },
        previous_webhook_secret: None,
        scan_requests: fullcover::app::scan_bounds::SCAN_REQUESTS,
    }
}

impl World {
    pub async fn new(repos: Vec<RepoSpec>, options: FakeOptions) -> World {
        Self::with(repos, options, client_options(), |_, _| {}).await
    }

    /// A world whose App is adjusted by `prepare` before repositories are created.
    pub async fn with(
        repos: Vec<RepoSpec>,
        options: FakeOptions,
        client: ClientOptions,
        prepare: impl FnOnce(&FakeGitHub, &AppCredentials),
    ) -> World {
        Self::build(repos, options, client, prepare, None).await
    }

    /// A world whose App keeps its record in a fresh PostgreSQL database.
    pub async fn on_postgres(repos: Vec<RepoSpec>, options: FakeOptions) -> World {
        let url = crate::store::postgres_database_url().await;
        Self::build(repos, options, client_options(), |_, _| {}, Some(url)).await
    }

    async fn build(
        repos: Vec<RepoSpec>,
        options: FakeOptions,
        client: ClientOptions,
        prepare: impl FnOnce(&FakeGitHub, &AppCredentials),
        database: Option<String>,
    ) -> World {
        if let Ok(filter) = std::env::var("FULLCOVER_TEST_LOG") {
            let _ = tracing_subscriber::fmt()
                .with_env_filter(filter)
                .with_test_writer()
                .try_init();
        }
        let fake = FakeGitHub::start(options).await.unwrap();
        let credentials = fake.create_app("fullcover");
        prepare(&fake, &credentials);
        fake.create_org(ORG);
        for spec in repos {
            fake.create_repo(ORG, spec);
        }
        let dir = tempfile::tempdir().unwrap();
        let database_url = match database {
            Some(url) => url,
            None => fullcover::store::sqlite_url(&dir.path().join("fullcover.db")),
        };
        let mut world = World {
            app: start_app(&fake, &credentials, &database_url, client.clone()).await,
            fake,
            credentials,
            running: None,
            database_url,
            _dir: dir,
        };
        world.serve().await;
        world
    }

    /// Starts serving (again), with a fresh App on the same database.
    pub async fn serve(&mut self) {
        if self.running.is_some() {
            return;
        }
        let running = server::start(self.app.clone(), "127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
        self.fake.set_webhook_url(
            self.credentials.app_id,
            &format!("http://{}/webhooks", running.addr),
        );
        self.running = Some(running);
    }

    /// Kills the App where it stands, then starts a new process's worth of it.
    pub async fn restart(&mut self) {
        if let Some(running) = self.running.take() {
            running.stop().await;
        }
        self.app = start_app(
            &self.fake,
            &self.credentials,
            &self.database_url,
            client_options(),
        )
        .await;
        self.serve().await;
    }

    pub fn store(&self) -> &Store {
        self.app.store()
    }

    pub async fn install(&self) -> u64 {
        self.fake
            .install(self.credentials.app_id, ORG, None)
            .await
            .unwrap()
    }

    /// Waits until every delivery is handled and the queue is empty.
    pub async fn settle(&self) {
        let deadline = Instant::now() + Duration::from_secs(120);
        let mut quiet = 0;
        loop {
            let pending = self.store().pending_deliveries(1).await.unwrap().len();
            let depth = self.store().queue_depth().await.unwrap();
            if pending == 0 && depth == 0 {
                quiet += 1;
                if quiet == 3 {
                    return;
                }
            } else {
                quiet = 0;
            }
            if Instant::now() > deadline {
                let jobs = self.store().open_jobs().await.unwrap();
                panic!("not settled: {pending} deliveries, {depth} jobs: {jobs:#?}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Pushes one file to a branch of `repo`, as a person would, and waits until the App
    /// has handled what that caused.
    pub async fn push_file(
        &self,
        repo: &str,
        branch: &str,
        path: &str,
        content: impl Into<Vec<u8>>,
        message: &str,
    ) {
        self.fake
            .push(
                ORG,
                repo,
                branch,
                vec![(path.into(), Some(content.into()))],
                message,
            )
            .await
            .unwrap();
        self.settle().await;
    }

    /// Sends a delivery signed with the App's webhook secret, as GitHub would; returns
    /// the status the App answered.
    pub async fn deliver(&self, event: &str, guid: &str, payload: &serde_json::Value) -> u16 {
        let body = serde_json::to_vec(payload).unwrap();
        let addr = self.running.as_ref().unwrap().addr;
        reqwest::Client::new()
            .post(format!("http://{addr}/webhooks"))
            .header("x-github-event", event)
            .header("x-github-delivery", guid)
            .header(
                "x-hub-signature-256",
                fullcover::app::webhook::sign(self.credentials.webhook_secret.as_bytes(), &body),
            )
            .body(body)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }

    pub fn pulls(&self, repo: &str) -> Vec<fullcover_fake_github::PullView> {
        self.fake.pulls(ORG, repo)
    }

    pub async fn repository_id(&self, name: &str) -> i64 {
        let installation = self.installation_id().await;
        self.store()
            .repositories(installation)
            .await
            .unwrap()
            .into_iter()
            .find(|r| r.full_name == format!("{ORG}/{name}"))
            .unwrap_or_else(|| panic!("{name} not on record"))
            .id
    }

    pub async fn installation_id(&self) -> i64 {
        let deliveries = self.fake.deliveries();
        let guid = &deliveries
            .iter()
            .find(|d| d.event == "installation")
            .expect("installed")
            .guid;
        self.fake
            .delivery_payload(guid)
            .unwrap()
            .pointer("/installation/id")
            .unwrap()
            .as_i64()
            .unwrap()
    }
}

pub async fn start_app(
    fake: &FakeGitHub,
    credentials: &AppCredentials,
    database_url: &str,
    client: ClientOptions,
) -> App {
    start_app_with(
        fake,
        credentials,
        database_url,
        client,
        behaviour(fake, credentials),
    )
    .await
}

/// [`start_app`] with its behaviour given (say, one job worker).
pub async fn start_app_with(
    fake: &FakeGitHub,
    credentials: &AppCredentials,
    database_url: &str,
    client: ClientOptions,
    behaviour: Behaviour,
) -> App {
    let github = GitHubApp::new(
        &AppIdentity {
            app_id: credentials.app_id,
            private_key_pem: SecretString::from(credentials.private_key_pem.clone()),
            api_url: fake.url(),
        },
        client,
    )
    .unwrap();
    App::new(
        Store::connect(database_url).await.unwrap(),
        github,
        RuleSet::embedded().unwrap(),
        Templates::embedded().unwrap(),
        SecretString::from(credentials.webhook_secret.clone()),
        behaviour,
    )
}

impl World {
    /// Switches secret scanning and Dependabot alerts off for these repositories (before
    /// the App reads them): their requirements are then the files' to meet.
    pub fn platform_off<'a>(&self, names: impl IntoIterator<Item = &'a str>) {
        for name in names {
            for feature in [
                fullcover_fake_github::SecurityFeature::SecretScanning,
                fullcover_fake_github::SecurityFeature::DependabotAlerts,
            ] {
                // A name this world does not have is nothing to switch off.
                let _ = self.fake.set_security_feature(ORG, name, feature, false);
            }
        }
    }
}

/// GitHub's own controls as the App reads them from a fake repository left as created:
/// secret scanning and Dependabot alerts on, default setup not configured.
pub fn fake_default_platform() -> fullcover_core::platform::PlatformControls {
    use fullcover_core::platform::{Answer, Control, PlatformControls, Source};
    let on = Answer::Enabled {
        languages: Vec::new(),
    };
    PlatformControls {
        source: Source::Api,
        seen: None,
        answers: [
            (
                Control::CodeqlDefaultSetup,
                Answer::Disabled {
                    detail: "no analysis found".to_owned(),
                },
            ),
            (Control::SecretScanning, on.clone()),
            (Control::DependabotAlerts, on),
        ]
        .into_iter()
        .collect(),
    }
}

/// The files the plan adds to `files`, worked out locally by the same pipeline.
pub fn expected_changes(
    files: &[(String, Vec<u8>)],
    name: &str,
    private: bool,
) -> Vec<(String, String)> {
    let rules = RuleSet::embedded().unwrap();
    let templates = Templates::embedded().unwrap();
    let snapshot = Snapshot::from_memory(&format!("{ORG}/{name}"), files.to_vec());
    let config =
        fullcover_core::config::Config::from_snapshot(&snapshot, Default::default()).unwrap();
    let snapshot = config.apply(snapshot);
    let settings = PlanSettings {
        repository: format!("{ORG}/{name}"),
        default_branch: "main".into(),
        visibility: if private {
            Visibility::Private
        } else {
            Visibility::Public
        },
        advanced_security: false,
        config,
        platform: fake_default_platform(),
    };
    let onboarding = plan::onboarding(&snapshot, &rules, &templates, &settings).unwrap();
    onboarding
        .plan
        .changes()
        .map(|file| (file.path.clone(), file.content.clone()))
        .collect()
}
