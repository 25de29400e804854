//! One finding's lifecycle read once, as of now: whether and when it reached the
//! default branch, the closure in force, its exposure spans and whether its repository
//! left scope while it was open. Events after now are ignored; events out of time
//! order are put in order (stable, so same-second events keep the record's order).
//!
//! Two notions of "open":
//! - GitHub's state (open until fixed, dismissed or auto-dismissed; open again when
//!   reopened, auto-reopened or reintroduced): used by the overdue backlog, the net
//!   resolve rate and the weekly count of open findings;
//! - exposure (M4): a risk-accepted dismissal (won't fix, used in tests, tolerable risk,
//!   no bandwidth) leaves the vulnerability in place, so the finding stays exposed;
//!   a fix, a false positive, a not-applicable dismissal or an auto-dismissal ends it.

use std::borrow::Cow;

use super::model::{CloseReason, Family, Finding, LifecycleEvent, LifecycleKind, Severity};
use super::scope::Scope;

/// How a finding was closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Closure {
    Fixed,
    Dismissed(CloseReason),
    AutoDismissed,
}

impl Closure {
    pub(super) fn of(kind: LifecycleKind) -> Option<Closure> {
        match kind {
            LifecycleKind::Fixed => Some(Closure::Fixed),
            LifecycleKind::Dismissed { reason } => Some(Closure::Dismissed(reason)),
            LifecycleKind::AutoDismissed => Some(Closure::AutoDismissed),
            _ => None,
        }
    }

    /// Whether the vulnerability stops being exposed (risk accepted: it does not).
    fn ends_exposure(self) -> bool {
        match self {
            Closure::Dismissed(reason) => !reason.is_risk_accepted(),
            Closure::Fixed | Closure::AutoDismissed => true,
        }
    }
}

/// Reopened (by anyone), auto-reopened or reintroduced: open again.
pub(super) fn reopens(kind: LifecycleKind) -> bool {
    matches!(
        kind,
        LifecycleKind::Reopened { .. } | LifecycleKind::AutoReopened | LifecycleKind::Reintroduced
    )
}

/// M12's regressions: reopened not by a user, auto-reopened, reintroduced.
pub(super) fn regresses(kind: LifecycleKind) -> bool {
    matches!(
        kind,
        LifecycleKind::Reopened { by_user: false }
            | LifecycleKind::AutoReopened
            | LifecycleKind::Reintroduced
    )
}

/// One finding as of now.
#[derive(Debug)]
pub(super) struct Life<'a> {
    pub(super) finding: &'a Finding,
    /// Its events up to now, in time order.
    pub(super) events: Cow<'a, [LifecycleEvent]>,
    /// When it reached the default branch (never before its creation), if it did by now.
    pub(super) on_default_at: Option<i64>,
    /// The closure in force now, with its time; `None` while open.
    pub(super) closed: Option<(i64, Closure)>,
    /// Exposure spans `[from, to)` up to now, before any scope or window clipping.
    pub(super) exposure: Vec<(i64, i64)>,
    /// When its repository left scope while it was exposed, if it did by now.
    pub(super) left_scope_at: Option<i64>,
}

impl<'a> Life<'a> {
    /// `None` for a finding created after now.
    pub(super) fn new(finding: &'a Finding, scope: &Scope, now: i64) -> Option<Life<'a>> {
        if finding.created_at > now {
            return None;
        }
        let events = events_until(&finding.events, now);
        let on_default_at = finding
            .default_branch_at
            .map(|at| at.max(finding.created_at))
            .filter(|&at| at <= now);
        let closed = closure_in_force(&events);
        let exposure = on_default_at
            .map(|reached| exposure_spans(finding, reached, &events, now))
            .unwrap_or_default();
        let left_scope_at = scope
            .exits(finding.repository, now)
            .find(|&left| exposure.iter().any(|&(from, to)| from < left && left <= to));
        Some(Life {
            finding,
            events,
            on_default_at,
            closed,
            exposure,
            left_scope_at,
        })
    }

    pub(super) fn repository(&self) -> i64 {
        self.finding.repository
    }

    pub(super) fn family(&self) -> Family {
        self.finding.family
    }

    pub(super) fn severe(&self, threshold: Severity) -> bool {
        self.finding.severity >= threshold
    }

    /// Counts in M1, M2, M11 and M12: it reached the default branch and its repository
    /// did not leave scope while it was open.
    pub(super) fn counted(&self) -> bool {
        self.on_default_at.is_some() && self.left_scope_at.is_none()
    }

    /// Dismissed as a false positive (or, Dependabot, inaccurate) and not reopened
    /// since: out of M1 to M7.
    pub(super) fn false_positive(&self) -> bool {
        matches!(self.closed, Some((_, Closure::Dismissed(reason))) if reason.is_false_positive())
    }

    /// Its last fix, when it has not been reopened since.
    pub(super) fn remediated_at(&self) -> Option<i64> {
        match self.closed {
            Some((at, Closure::Fixed)) => Some(at),
            _ => None,
        }
    }

    /// Whether it was open (GitHub's state) on the default branch at `t`.
    pub(super) fn open_at(&self, t: i64) -> bool {
        if self.on_default_at.is_none_or(|reached| reached > t) {
            return false;
        }
        let mut open = true;
        for event in self.events.iter().take_while(|event| event.at <= t) {
            if Closure::of(event.kind).is_some() {
                open = false;
            } else if reopens(event.kind) {
                open = true;
            }
        }
        open
    }
}

/// The events at or before `now`, in time order; borrowed when already in order.
fn events_until(events: &[LifecycleEvent], now: i64) -> Cow<'_, [LifecycleEvent]> {
    if events.windows(2).all(|pair| pair[0].at <= pair[1].at) {
        let end = events.partition_point(|event| event.at <= now);
        Cow::Borrowed(&events[..end])
    } else {
        let mut owned: Vec<LifecycleEvent> = events
            .iter()
            .filter(|event| event.at <= now)
            .copied()
            .collect();
        owned.sort_by_key(|event| event.at);
        Cow::Owned(owned)
    }
}

fn closure_in_force(events: &[LifecycleEvent]) -> Option<(i64, Closure)> {
    let mut closed = None;
    for event in events {
        if let Some(closure) = Closure::of(event.kind) {
            closed = Some((event.at, closure));
        } else if reopens(event.kind) {
            closed = None;
        }
    }
    closed
}

/// When exposure starts: the later of when the flaw was introduced and, for
/// Dependabot, when its advisory was published. `introduced_at` defaults to the
/// creation time. An alert raised on a pull request first (`default_branch_at` after
/// `created_at`) was not on the default branch before it got there, so its exposure
/// starts no earlier than that; an alert raised on the default branch may start before
/// its creation (a dependency present long before its advisory: D1 of the issue).
fn exposure_start(finding: &Finding, reached: i64) -> i64 {
    let mut start = finding.introduced_at.unwrap_or(finding.created_at);
    if reached > finding.created_at {
        start = start.max(reached);
    }
    if let Some(published) = finding.advisory_published_at {
        start = start.max(published);
    }
    start
}

/// `[from, to)` spans during which the finding was exposed on the default branch, up to
/// now. A reopened finding keeps its start: its first span starts at exposure start,
/// later ones at each reopening.
fn exposure_spans(
    finding: &Finding,
    reached: i64,
    events: &[LifecycleEvent],
    now: i64,
) -> Vec<(i64, i64)> {
    let start = exposure_start(finding, reached);
    let mut spans = Vec::new();
    let mut open_since = Some(start);
    for event in events {
        match Closure::of(event.kind) {
            Some(closure) if closure.ends_exposure() => {
                if let Some(from) = open_since.take()
                    && event.at > from
                {
                    spans.push((from, event.at));
                }
            }
            Some(_) => {}
            None if reopens(event.kind) && open_since.is_none() => {
                open_since = Some(event.at.max(start));
            }
            None => {}
        }
    }
    if let Some(from) = open_since
        && now > from
    {
        spans.push((from, now));
    }
    spans
}
