//! M2, SLA attainment, and the overdue backlog.
//!
//! - Due date: creation + the policy's SLA days for the finding's severity. The clock
//!   is not restarted by a reopening.
//! - Population: severity-S findings that reached the default branch, whose repository
//!   did not leave scope while they were open, whose due date falls in W while the
//!   repository is in scope. Out: false positives, not-applicable dismissals (not used,
//!   pattern changed) and auto-dismissals, by the closure in force now.
//! - Met: the closure in force is a fix made by the due date. Everything else misses:
//!   still open, risk accepted, or fixed late (a finding fixed in time, then reopened
//!   and fixed after its due date, misses).
//! - Overdue backlog: the same findings (any due date), open now in GitHub's sense
//!   (a risk-accepted dismissal is closed there) with their due date passed, listed
//!   oldest due first. The metric is `None` only when nothing fell due in W and nothing
//!   is overdue.
//! - Tier: SLA bands (≥ 95 % elite, ≥ 85 % high, ≥ 70 % medium) when due ≥ 5.

use super::context::Context;
use super::lifecycle::{Closure, Life};
use super::report::{OverdueFinding, SlaAttainment, ratio};
use super::stats::{SHARE_FLOORS, tier_at_least};

pub(super) fn attainment(ctx: &Context<'_>) -> Option<SlaAttainment> {
    let mut met = 0;
    let mut due = 0;
    let mut overdue = Vec::new();
    for life in ctx
        .severe()
        .filter(|life| life.counted() && !excluded(life))
    {
        let finding = life.finding;
        let due_at = ctx.due_at(finding.severity, finding.created_at);
        if ctx.clock.contains(due_at) && ctx.scope.contains(finding.repository, due_at) {
            due += 1;
            if life.remediated_at().is_some_and(|fixed| fixed <= due_at) {
                met += 1;
            }
        }
        if life.closed.is_none()
            && due_at < ctx.now
            && ctx.scope.contains(finding.repository, ctx.now)
        {
            overdue.push(OverdueFinding {
                repository: finding.repository,
                family: finding.family,
                number: finding.number,
                severity: finding.severity,
                due_at,
            });
        }
    }
    if due == 0 && overdue.is_empty() {
        return None;
    }
    overdue.sort_by_key(|item| (item.due_at, item.repository, item.family, item.number));
    Some(SlaAttainment {
        ratio: ratio(met, due),
        met,
        due,
        overdue_open: overdue.len() as u64,
        tier: tier_at_least(met, due, SHARE_FLOORS),
        overdue,
    })
}

/// Out of SLA figures: not applicable or auto-dismissed (false positives are already
/// out of [`Context::severe`]).
fn excluded(life: &Life<'_>) -> bool {
    match life.closed {
        Some((_, Closure::Dismissed(reason))) => reason.is_not_applicable(),
        Some((_, Closure::AutoDismissed)) => true,
        _ => false,
    }
}
