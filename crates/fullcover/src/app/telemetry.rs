//! `GET /metrics`: the App's operations in Prometheus' text format. Counters live for
//! the process; gauges (queue depth, rate limits, coverage) are read when scraped; the
//! security outcomes per organisation are computed at most once a minute (see
//! [`security_gauges`]), however often and by however many scrapers.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use std::sync::atomic::AtomicU64;

use fullcover_core::metrics::security::{SecurityPolicy, SecurityReport};

use super::App;
use super::web::security::assess;

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
    /// The last security gauges and when they were computed (Unix seconds).
    security: tokio::sync::Mutex<Option<(i64, Vec<OrgSecurity>)>>,
}

/// How long computed security gauges are served before they are computed again.
pub const SECURITY_TTL_SECONDS: i64 = 60;

/// One organisation's security gauges under its own policy (window, severity threshold,
/// SLAs from its `.github` settings, else the defaults); `None` is absent from the exposition (no data, or a
/// permission missing), never 0.
#[derive(Debug, Clone, Default, PartialEq)]
struct OrgSecurity {
    org: String,
    mttr_median_seconds: Option<f64>,
    sla_attainment_ratio: Option<f64>,
    overdue_open: Option<i64>,
    exposure_vulnerability_days: Option<f64>,
    escape_ratio: Option<f64>,
    change_failure_ratio: Option<f64>,
    net_resolve_ratio: Option<f64>,
    reopen_ratio: Option<f64>,
}

impl OrgSecurity {
    fn of(org: String, report: &SecurityReport) -> OrgSecurity {
        let sla = report.sla_attainment.as_ref();
        OrgSecurity {
            org,
            mttr_median_seconds: report.mttr.as_ref().and_then(|m| m.median_seconds),
            sla_attainment_ratio: sla.and_then(|s| s.ratio),
            overdue_open: sla.map(|s| i64::try_from(s.overdue_open).unwrap_or(i64::MAX)),
            exposure_vulnerability_days: report
                .exposure_window
                .as_ref()
                .map(|e| e.vulnerability_days),
            escape_ratio: report.escape_rate.as_ref().and_then(|e| e.ratio),
            change_failure_ratio: report.change_failure_rate.as_ref().map(|c| c.ratio),
            net_resolve_ratio: report.net_resolve_rate.as_ref().map(|n| n.ratio),
            reopen_ratio: report.reopen_rate.as_ref().and_then(|r| r.ratio),
        }
    }
}

type FloatGauges = Family<OrgLabel, Gauge<f64, AtomicU64>>;

/// A gauge's name, help and value for one organisation.
type FloatMetric = (&'static str, &'static str, fn(&OrgSecurity) -> Option<f64>);

/// The security outcomes of every organisation, computed with the API's reading of the
/// record, permissions (what a permission withholds is absent) and policy. Cached for [`SECURITY_TTL_SECONDS`]: one scrape computes while concurrent ones
/// wait for its result.
async fn security_gauges(app: &App) -> anyhow::Result<Vec<OrgSecurity>> {
    let mut cached = app.telemetry().security.lock().await;
    let at = crate::store::now();
    if let Some((computed, gauges)) = cached.as_ref()
        && at - computed < SECURITY_TTL_SECONDS
        && at >= *computed
    {
        return Ok(gauges.clone());
    }
    let mut gauges = Vec::new();
    for org in app.store().orgs().await? {
        // Each organisation's own window, threshold and SLAs, as its API answers.
        let policy = app.store().org_security_policy(&org).await?;
        let record = app.store().security_record(&org, None).await?;
        let permissions = app.store().org_permissions(&org).await?;
        let (report, _) = assess(&record, permissions.as_ref(), &policy, at);
        gauges.push(OrgSecurity::of(org, &report));
    }
    *cached = Some((at, gauges.clone()));
    Ok(gauges)
}

fn register_security(registry: &mut Registry, gauges: &[OrgSecurity]) {
    let float = |value: fn(&OrgSecurity) -> Option<f64>| {
        let family = FloatGauges::default();
        for org in gauges {
            if let Some(v) = value(org) {
                family
                    .get_or_create(&OrgLabel {
                        org: org.org.clone(),
                    })
                    .set(v);
            }
        }
        family
    };
    let default_window = SecurityPolicy::default().window_days;
    let floats: [FloatMetric; 7] = [
        (
            "security_mttr_median_seconds",
            "Median time to remediate severe findings fixed in the window, seconds",
            |o| o.mttr_median_seconds,
        ),
        (
            "security_sla_attainment_ratio",
            "Severe findings due in the window that were fixed by their due date, 0..1",
            |o| o.sla_attainment_ratio,
        ),
        (
            "security_exposure_vulnerability_days",
            "Days severe findings were open on the default branch within the window",
            |o| o.exposure_vulnerability_days,
        ),
        (
            "security_escape_ratio",
            "Merges in covered repositories with a known security problem, 0..1",
            |o| o.escape_ratio,
        ),
        (
            "security_change_failure_ratio",
            "Merges to which a severe finding was later attributed, 0..1",
            |o| o.change_failure_ratio,
        ),
        (
            "security_net_resolve_ratio",
            "Findings closed in the window over findings created in it",
            |o| o.net_resolve_ratio,
        ),
        (
            "security_reopen_ratio",
            "Reopenings and reintroductions in the window over fixes in it, 0..1",
            |o| o.reopen_ratio,
        ),
    ];
    for (name, help, value) in floats {
        registry.register(
            name,
            format!("{help} (the organisation's window, {default_window} days unless it set one)"),
            float(value),
        );
    }
    let overdue = Family::<OrgLabel, Gauge>::default();
    for org in gauges {
        if let Some(count) = org.overdue_open {
            overdue
                .get_or_create(&OrgLabel {
                    org: org.org.clone(),
                })
                .set(count);
        }
    }
    registry.register(
        "security_overdue_open",
        "Severe findings open past their due date",
        overdue,
    );
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
    let coverage = FloatGauges::default();
    for org in app.store().orgs().await? {
        if let Some(report) = crate::app::reports::org_numbers(app, &org).await?
            && let Some(percent) = report.coverage_percent
        {
            coverage.get_or_create(&OrgLabel { org }).set(percent);
        }
    }
    registry.register(
        "org_coverage_percent",
        "Repositories in scope fully covered, percent",
        coverage,
    );
    register_security(&mut registry, &security_gauges(app).await?);
    let mut text = String::new();
    prometheus_client::encoding::text::encode(&mut text, &registry)?;
    Ok(text)
}
