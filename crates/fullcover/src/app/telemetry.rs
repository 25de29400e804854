//! `GET /metrics`: the App's operations in Prometheus' text format. Counters live for
//! the process; gauges (queue depth, rate limits, coverage) are read when scraped.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use super::App;

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Reason {
    pub reason: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct InstallationLabel {
    installation: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OrgLabel {
    org: String,
}

/// The process's counters.
#[derive(Debug, Default)]
pub struct Telemetry {
    pub deliveries_received: Counter,
    pub deliveries_rejected: Family<Reason, Counter>,
    pub scans: Counter,
    pub pull_requests_opened: Counter,
}

impl Telemetry {
    pub fn rejected(&self, reason: &str) {
        self.deliveries_rejected
            .get_or_create(&Reason {
                reason: reason.to_owned(),
            })
            .inc();
    }
}

/// The exposition text.
pub async fn render(app: &App) -> anyhow::Result<String> {
    let telemetry = app.telemetry();
    let mut registry = Registry::with_prefix("fullcover");
    registry.register(
        "webhook_deliveries_received",
        "Webhook deliveries accepted (signature valid)",
        telemetry.deliveries_received.clone(),
    );
    registry.register(
        "webhook_deliveries_rejected",
        "Webhook deliveries refused, by reason",
        telemetry.deliveries_rejected.clone(),
    );
    registry.register(
        "scans",
        "Repository scans completed",
        telemetry.scans.clone(),
    );
    registry.register(
        "pull_requests_opened",
        "Onboarding pull requests opened",
        telemetry.pull_requests_opened.clone(),
    );
    let depth = Gauge::<i64>::default();
    depth.set(app.store().queue_depth().await?);
    registry.register("queue_depth", "Jobs queued or running", depth);
    let remaining = Family::<InstallationLabel, Gauge>::default();
    for (installation, left) in app.github().budgets() {
        if let Some(left) = left {
            remaining
                .get_or_create(&InstallationLabel {
                    installation: installation.to_string(),
                })
                .set(i64::try_from(left).unwrap_or(i64::MAX));
        }
    }
    registry.register(
        "github_rate_limit_remaining",
        "GitHub's primary rate limit left, per installation, as last reported",
        remaining,
    );
    let coverage = Family::<OrgLabel, Gauge<f64, std::sync::atomic::AtomicU64>>::default();
    let now = crate::store::now();
    for org in app.store().orgs().await? {
        if let Some(repos) = app.store().org_history(&org, now).await? {
            let report =
                fullcover_core::metrics::org_report(&org, &repos, &app.rules().scanners, now);
            if let Some(percent) = report.coverage_percent {
                coverage.get_or_create(&OrgLabel { org }).set(percent);
            }
        }
    }
    registry.register(
        "org_coverage_percent",
        "Repositories in scope fully covered, percent",
        coverage,
    );
    let mut text = String::new();
    prometheus_client::encoding::text::encode(&mut text, &registry)?;
    Ok(text)
}
