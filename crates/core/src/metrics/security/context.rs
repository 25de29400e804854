//! What every metric reads: the window W, the scope index and each finding's
//! lifecycle, built once per report.

use super::lifecycle::Life;
use super::model::{SecurityPolicy, SecurityRecord, Severity};
use super::report::Window;
use super::scope::Scope;
use crate::metrics::DAY;

/// The longest window honoured, in days (100 years); longer ones are cut to it, so no
/// policy can make the weekly trend unbounded.
pub const MAX_WINDOW_DAYS: i64 = 36_525;

/// W = `[start, end)`, `end` being now.
#[derive(Debug, Clone, Copy)]
pub(super) struct Clock {
    pub(super) start: i64,
    pub(super) end: i64,
    pub(super) days: i64,
}

impl Clock {
    pub(super) fn new(window_days: i64, now: i64) -> Clock {
        let days = window_days.clamp(0, MAX_WINDOW_DAYS);
        Clock {
            start: now.saturating_sub(days * DAY),
            end: now,
            days,
        }
    }

    pub(super) fn contains(&self, t: i64) -> bool {
        self.start <= t && t < self.end
    }

    pub(super) fn window(&self) -> Window {
        Window {
            start: self.start,
            end: self.end,
            days: self.days,
        }
    }
}

/// Days as seconds; negative days count as none.
pub(super) fn days(days: i64) -> i64 {
    days.max(0).saturating_mul(DAY)
}

/// A duration in seconds as `f64`, never negative.
pub(super) fn seconds(from: i64, to: i64) -> f64 {
    (to as f64 - from as f64).max(0.0)
}

pub(super) struct Context<'a> {
    pub(super) record: &'a SecurityRecord,
    pub(super) policy: &'a SecurityPolicy,
    pub(super) now: i64,
    pub(super) clock: Clock,
    pub(super) scope: Scope,
    /// Every finding created by now.
    pub(super) lives: Vec<Life<'a>>,
}

impl<'a> Context<'a> {
    pub(super) fn new(
        record: &'a SecurityRecord,
        policy: &'a SecurityPolicy,
        now: i64,
    ) -> Context<'a> {
        let scope = Scope::new(&record.scope);
        let lives = record
            .findings
            .iter()
            .filter_map(|finding| Life::new(finding, &scope, now))
            .collect();
        Context {
            record,
            policy,
            now,
            clock: Clock::new(policy.window_days, now),
            scope,
            lives,
        }
    }

    pub(super) fn threshold(&self) -> Severity {
        self.policy.threshold
    }

    /// Severity-S findings that are real (not false positives) and reached the default
    /// branch: the base of M1 to M4.
    pub(super) fn severe(&self) -> impl Iterator<Item = &Life<'a>> {
        let threshold = self.threshold();
        self.lives.iter().filter(move |life| {
            life.on_default_at.is_some() && life.severe(threshold) && !life.false_positive()
        })
    }

    /// When a finding of `severity` created at `created_at` falls due.
    pub(super) fn due_at(&self, severity: Severity, created_at: i64) -> i64 {
        created_at.saturating_add(days(self.policy.sla_days.of(severity)))
    }
}
