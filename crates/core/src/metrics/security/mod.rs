//! Security outcomes measured like DORA, from GitHub's own alerts: time to remediate
//! (M1), SLA attainment (M2), time to detect (M3), exposure window (M4), detection rate
//! (M5), escape rate (M6), security change failure rate (M7), net resolve rate (M11)
//! and reopen rate (M12). Pure: the store loads a [`SecurityRecord`], this turns it
//! into a report at a given time. Definitions: shared/reference/security-metrics.md,
//! with the conventions of docs/design.md.
//!
//! Conventions every metric shares (each module documents its own rules):
//! - W = the policy's `window_days` up to now, `[now − days, now)`; events after now
//!   are ignored, so a report at a past time reads the record as it stood then.
//! - "S" = severity at or above the policy's threshold.
//! - Alerts that never reached the default branch count nowhere but in M5 and M6 (as
//!   pull-request alerts); false positives (dismissed as false positive or inaccurate,
//!   and not reopened) are out of M1 to M7.
//! - Scope: an event counts by its repository's scope at its time; a repository with
//!   no [`ScopeSpell`] is always in scope. A finding whose repository leaves scope while
//!   it is open stops at that moment: its exposure ends there (flagged) and it leaves
//!   M1, M2, M11 and M12.
//! - A metric with nothing to count is `None`, never 0; tiers need n ≥ [`MIN_TIER_N`].

mod changes;
mod churn;
mod context;
mod exposure;
mod lifecycle;
mod model;
mod mttd;
mod remediation;
mod report;
mod scope;
mod sla;
mod stats;
mod trend;

pub use self::context::MAX_WINDOW_DAYS;
pub use self::model::{
    ChecksAtMerge, CloseReason, Family, Finding, LifecycleEvent, LifecycleKind, MergedPullRequest,
    PullRequestAlert, ScopeSpell, SecurityPolicy, SecurityRecord, Severity, SlaDays,
};
pub use self::report::{
    ChangeFailureRate, DetectionRate, EscapeRate, ExposureWindow, Mttd, Mttr, NetResolveRate,
    OverdueFinding, ReopenRate, ScopeExit, SecurityReport, SlaAttainment, WeekPoint, Window,
};
pub use self::stats::{MIN_TIER_N, Tier};
pub use self::trend::weekly_trend;

use self::context::Context;

/// The security metrics of `record` under `policy`, as of `now` (Unix seconds).
pub fn security_report(
    record: &SecurityRecord,
    policy: &SecurityPolicy,
    now: i64,
) -> SecurityReport {
    let ctx = Context::new(record, policy, now);
    let changes = changes::changes(&ctx);
    SecurityReport {
        window: ctx.clock.window(),
        severity_threshold: policy.threshold,
        mttr: remediation::mttr(&ctx),
        sla_attainment: sla::attainment(&ctx),
        mttd: mttd::mttd(&ctx),
        exposure_window: exposure::exposure(&ctx),
        detection_rate: changes.detection,
        escape_rate: changes.escape,
        change_failure_rate: changes.failure,
        net_resolve_rate: churn::net_resolve(&ctx),
        reopen_rate: churn::reopen(&ctx),
    }
}

#[cfg(test)]
mod tests;
