//! What the security metrics answer: [`SecurityReport`], serialised with the field
//! names of the API (`GET /api/v1/orgs/{org}/security`), and [`WeekPoint`] for the
//! dashboard's weekly trend. The App wraps the report to add `org` and `unavailable`.
//!
//! Conventions: times are Unix seconds (UTC), durations are seconds as `f64` (a median
//! of an even count may fall on a half second), ratios are `0..=1`. A metric with
//! nothing to count is `None` (`null`), never 0; inside a metric, a ratio whose
//! denominator is 0 is `None` too (the object still carries the counts that exist, e.g.
//! an overdue backlog when no due date fell in the window). A tier is given only when
//! the metric's n is at least [`MIN_TIER_N`](super::MIN_TIER_N).

use std::collections::BTreeMap;

use serde::Serialize;

use super::model::{Family, Severity};
use super::stats::Tier;

/// Security outcomes of one organisation (or one repository) over the window W.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SecurityReport {
    pub window: Window,
    /// "S": the metrics that say so count findings at or above this severity.
    pub severity_threshold: Severity,
    /// M1: time to remediate severity-S findings fixed in W.
    pub mttr: Option<Mttr>,
    /// M2: severity-S findings fixed by their due date, of those due in W.
    pub sla_attainment: Option<SlaAttainment>,
    /// M3: time to detect, per family; every family is present, `null` without data.
    pub mttd: Option<BTreeMap<Family, Option<Mttd>>>,
    /// M4: vulnerability-days of severity-S findings on the default branch within W.
    pub exposure_window: Option<ExposureWindow>,
    /// M5: findings of pull requests merged in W that were caught before merge.
    pub detection_rate: Option<DetectionRate>,
    /// M6: pull requests merged in W with a known security problem.
    pub escape_rate: Option<EscapeRate>,
    /// M7: pull requests merged in W that later proved to bring a severity-S finding.
    pub change_failure_rate: Option<ChangeFailureRate>,
    /// M11: findings created in W that are closed at its end, of those created in W.
    pub net_resolve_rate: Option<NetResolveRate>,
    /// M12: regressions in W, of the fixes in W.
    pub reopen_rate: Option<ReopenRate>,
}

/// The window W = `[start, end)`, `end` being now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Window {
    pub start: i64,
    pub end: i64,
    pub days: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Mttr {
    /// Median of (last fix − time it reached the default branch).
    pub median_seconds: Option<f64>,
    /// 90th percentile, nearest rank.
    pub p90_seconds: Option<f64>,
    pub mean_seconds: Option<f64>,
    /// GitHub's "mean time to remediate": fixes and every dismissal but false
    /// positives, from the alert's creation to its last closure.
    pub github_mean_seconds: Option<f64>,
    /// Findings in the median (fixes only).
    pub n: u64,
    pub tier: Option<Tier>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SlaAttainment {
    /// `met / due`; `None` when nothing fell due in W.
    pub ratio: Option<f64>,
    pub met: u64,
    pub due: u64,
    /// Severity-S findings open now whose due date has passed.
    pub overdue_open: u64,
    pub tier: Option<Tier>,
    /// The overdue open findings, the longest overdue first.
    pub overdue: Vec<OverdueFinding>,
}

/// One open finding past its due date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OverdueFinding {
    pub repository: i64,
    pub family: Family,
    pub number: i64,
    pub severity: Severity,
    pub due_at: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Mttd {
    pub median_seconds: f64,
    pub n: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExposureWindow {
    pub vulnerability_days: f64,
    /// Findings with some exposure within W.
    pub n: u64,
    /// Findings whose exposure within W ended because their repository left scope
    /// (archived, deleted, removed from the installation) while they were open.
    pub ended_by_leaving_scope: Vec<ScopeExit>,
}

/// A finding whose exposure was cut short by its repository leaving scope.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScopeExit {
    pub repository: i64,
    pub family: Family,
    pub number: i64,
    pub left_at: i64,
    /// Its exposure within W, up to leaving.
    pub vulnerability_days: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DetectionRate {
    /// `pre_merge / (pre_merge + post_merge)`.
    pub ratio: f64,
    pub pre_merge: u64,
    pub post_merge: u64,
    pub tier: Option<Tier>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EscapeRate {
    /// `escaped / merged`; `None` when no merge in W was in a covered repository.
    pub ratio: Option<f64>,
    pub escaped: u64,
    /// Merges in W in repositories covered at merge.
    pub merged: u64,
    /// Merges in repositories not covered at merge, of all merges in W.
    pub unscanned_ratio: f64,
    pub tier: Option<Tier>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChangeFailureRate {
    /// `failed / changes`.
    pub ratio: f64,
    /// Distinct pull requests a severity-S finding was attributed to.
    pub failed: u64,
    /// The escape-rate population.
    pub changes: u64,
    /// Some merge's attribution horizon has not closed yet: the figure can still rise.
    pub provisional: bool,
    pub tier: Option<Tier>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NetResolveRate {
    /// `closed / created`.
    pub ratio: f64,
    pub closed: u64,
    pub created: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReopenRate {
    /// `reopened / fixes`; `None` when nothing was fixed in W.
    pub ratio: Option<f64>,
    pub reopened: u64,
    pub fixes: u64,
    pub tier: Option<Tier>,
}

/// One week of the dashboard's trend.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WeekPoint {
    /// Monday 00:00 UTC.
    pub week_start: i64,
    /// M1's median over the fixes of that week (part of the week inside W).
    pub mttr_median_seconds: Option<f64>,
    /// Severity-S findings open on the default branch at the end of the week (now,
    /// for the current week).
    pub open_severe: u64,
}

/// `num / den`, `None` when `den` is 0.
pub(super) fn ratio(num: u64, den: u64) -> Option<f64> {
    (den > 0).then(|| num as f64 / den as f64)
}
