//! M11, net resolve rate, and M12, reopen rate: the flow of findings, every severity,
//! false positives included (as GitHub's security overview counts them). Both count
//! only findings that reached the default branch and whose repository did not leave
//! scope while they were open.
//!
//! - M11: of the findings created in W (while their repository was in scope), those
//!   whose closure is in force at the end of W (now): fixed, dismissed for any reason or
//!   auto-dismissed, and not reopened since. Numerator and denominator are the same
//!   population, so the ratio is at most 1. A finding created before W and closed in W
//!   is in neither: this reading gives the worked example its 6 / 8 (A5,
//!   created before W and fixed in it, is left out; A4, a false positive created and
//!   closed in W, counts).
//! - M12: regressions in W (reopened not by a user, auto-reopened, reintroduced) ÷ fix
//!   events in W (fixed, revoked), each event counting when its repository was in
//!   scope at its time. A finding fixed twice in W counts two fixes. Tier: ≤ 2 %
//!   elite, ≤ 5 % high, ≤ 10 % medium, when fixes ≥ 5.

use super::context::Context;
use super::lifecycle::{Life, regresses};
use super::model::LifecycleKind;
use super::report::{NetResolveRate, ReopenRate, ratio};
use super::stats::{REOPEN_CEILINGS, tier_at_most};

fn counted<'c, 'a>(ctx: &'c Context<'a>) -> impl Iterator<Item = &'c Life<'a>> {
    ctx.lives.iter().filter(|life| life.counted())
}

pub(super) fn net_resolve(ctx: &Context<'_>) -> Option<NetResolveRate> {
    let mut created = 0;
    let mut closed = 0;
    for life in counted(ctx) {
        let at = life.finding.created_at;
        if ctx.clock.contains(at) && ctx.scope.contains(life.repository(), at) {
            created += 1;
            if life.closed.is_some() {
                closed += 1;
            }
        }
    }
    Some(NetResolveRate {
        ratio: ratio(closed, created)?,
        closed,
        created,
    })
}

pub(super) fn reopen(ctx: &Context<'_>) -> Option<ReopenRate> {
    let mut fixes = 0;
    let mut reopened = 0;
    for life in counted(ctx) {
        for event in life.events.iter() {
            if !ctx.clock.contains(event.at) || !ctx.scope.contains(life.repository(), event.at) {
                continue;
            }
            if event.kind == LifecycleKind::Fixed {
                fixes += 1;
            } else if regresses(event.kind) {
                reopened += 1;
            }
        }
    }
    if fixes == 0 && reopened == 0 {
        return None;
    }
    Some(ReopenRate {
        ratio: ratio(reopened, fixes),
        reopened,
        fixes,
        tier: tier_at_most(reopened, fixes, REOPEN_CEILINGS),
    })
}
