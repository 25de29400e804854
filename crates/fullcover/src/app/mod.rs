//! The GitHub App: webhooks in, a durable queue in the store, workers that scan
//! repositories and deliver their onboarding pull requests.
//!
//! A delivery is stored before GitHub gets its 2xx; the delivery worker turns it into
//! state changes and jobs; job workers run the jobs. Every step can be repeated without
//! changing the outcome, so a process killed anywhere loses nothing and doubles nothing.

pub mod backfill;
pub mod commit_facts;
pub mod deliver;
pub mod error;
pub mod events;
pub mod jobs;
pub mod kept;
pub mod org_config;
pub mod platform;
pub mod remote;
pub mod reports;
pub mod run_check;
pub mod scan;
pub mod scan_bounds;
pub mod server;
pub mod telemetry;
pub mod web;
pub mod webhook;
pub mod worker;

use std::sync::Arc;
use std::time::Duration;

use secrecy::SecretString;
use tokio::sync::Notify;

use crate::github::GitHubApp;
use crate::store::Store;
use fullcover_core::plan::Templates;
use fullcover_core::rules::RuleSet;

/// How the App behaves, beyond who it is.
#[derive(Debug, Clone)]
pub struct Behaviour {
    /// Forks are skipped unless this is set.
    pub onboard_forks: bool,
    /// Job workers running at once.
    pub workers: usize,
    /// How long a claimed job is held without renewal before another worker may take it
    /// over: the time to notice a dead worker. Running jobs renew it.
    pub lease: Duration,
    /// How often idle workers look at the queue (another replica may have filled it).
    pub poll: Duration,
    /// Attempts of a job that fails for a passing reason before it is given up.
    pub max_attempts: i64,
    /// The wait before the first retry of a failed job, doubled on each attempt.
    pub retry_base: Duration,
    /// Sign-in and links of the dashboard.
    pub web: web::WebSettings,
    /// What one client may cost the HTTP server.
    pub http: server::HttpLimits,
    /// Requests one scan may make to list and read a repository (see
    /// [`scan_bounds::SCAN_REQUESTS`]).
    pub scan_requests: usize,
    /// The webhook secret being rotated out: deliveries signed with it are still
    /// accepted until it is unset (see the README's rotation procedure).
    pub previous_webhook_secret: Option<SecretString>,
}

impl Default for Behaviour {
    fn default() -> Self {
        Behaviour {
            onboard_forks: false,
            workers: 4,
            lease: Duration::from_secs(60),
            poll: Duration::from_secs(5),
            max_attempts: 8,
            retry_base: Duration::from_secs(30),
            web: web::WebSettings::default(),
            http: server::HttpLimits::default(),
            previous_webhook_secret: None,
            scan_requests: scan_bounds::SCAN_REQUESTS,
        }
    }
}

/// Everything the handlers and workers share.
#[derive(Clone)]
pub struct App {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    github: GitHubApp,
    rules: RuleSet,
    templates: Templates,
    webhook_secret: SecretString,
    behaviour: Behaviour,
    wake: Notify,
    telemetry: telemetry::Telemetry,
    org_configs: org_config::OrgConfigCache,
    numbers: reports::NumbersCache,
    security_views: reports::SecurityCache,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("store", &self.inner.store)
            .field("behaviour", &self.inner.behaviour)
            .finish_non_exhaustive()
    }
}

impl App {
    pub fn new(
        store: Store,
        mut github: GitHubApp,
        rules: RuleSet,
        templates: Templates,
        webhook_secret: SecretString,
        behaviour: Behaviour,
    ) -> App {
        // Other replicas on the same database write for the same installations.
        github.share_pacing(Arc::new(store.clone()));
        App {
            inner: Arc::new(Inner {
                store,
                github,
                rules,
                templates,
                webhook_secret,
                behaviour,
                wake: Notify::new(),
                telemetry: telemetry::Telemetry::default(),
                org_configs: org_config::OrgConfigCache::default(),
                numbers: reports::NumbersCache::for_seconds(reports::NUMBERS_FOR),
                security_views: reports::SecurityCache::for_seconds(reports::SECURITY_FOR),
            }),
        }
    }

    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    pub fn github(&self) -> &GitHubApp {
        &self.inner.github
    }

    pub fn rules(&self) -> &RuleSet {
        &self.inner.rules
    }

    pub fn templates(&self) -> &Templates {
        &self.inner.templates
    }

    pub fn behaviour(&self) -> &Behaviour {
        &self.inner.behaviour
    }

    /// The organisations' `.github/fullcover.yml`, as last read.
    pub fn numbers(&self) -> &reports::NumbersCache {
        &self.inner.numbers
    }

    pub fn security_views(&self) -> &reports::SecurityCache {
        &self.inner.security_views
    }

    pub fn org_configs(&self) -> &org_config::OrgConfigCache {
        &self.inner.org_configs
    }

    pub fn telemetry(&self) -> &telemetry::Telemetry {
        &self.inner.telemetry
    }

    pub(crate) fn webhook_secret(&self) -> &SecretString {
        &self.inner.webhook_secret
    }

    /// Tells idle workers there is new work.
    pub fn wake(&self) {
        self.inner.wake.notify_waiters();
    }

    /// Waits for new work or for the poll interval, whichever comes first.
    pub(crate) async fn idle(&self, at_most: Duration) {
        let _ = tokio::time::timeout(at_most, self.inner.wake.notified()).await;
    }
}
