//! M4, exposure window: vulnerability-days of severity-S findings on the default
//! branch within W.
//!
//! - Per finding: its exposure spans (see [`super::lifecycle`]: from the later of
//!   introduced and the advisory's publication, to a fix or a non-risk-accepted
//!   dismissal, again from each reopening, to now), cut to W and to the spells its
//!   repository was in scope. Risk-accepted findings stay exposed; false positives are
//!   out.
//! - A finding whose repository left scope while it was exposed stops at that moment;
//!   when that moment falls in W it is listed in `ended_by_leaving_scope` with its days.
//!   (If the repository comes back, exposure counts again from its return.)
//! - n: findings with some exposure within W. `None` when there is none.

use super::context::Context;
use super::report::{ExposureWindow, ScopeExit};
use crate::metrics::DAY;

pub(super) fn exposure(ctx: &Context<'_>) -> Option<ExposureWindow> {
    let (start, end) = (ctx.clock.start, ctx.clock.end);
    let mut total: i64 = 0;
    let mut n = 0;
    let mut exits = Vec::new();
    for life in ctx.severe() {
        let exposed = life
            .exposure
            .iter()
            .map(|&(from, to)| {
                ctx.scope
                    .overlap(life.repository(), from.max(start), to.min(end))
            })
            .fold(0_i64, i64::saturating_add);
        if exposed == 0 {
            continue;
        }
        n += 1;
        total = total.saturating_add(exposed);
        if let Some(left_at) = life
            .left_scope_at
            .filter(|&left| start < left && left <= end)
        {
            exits.push(ScopeExit {
                repository: life.repository(),
                family: life.family(),
                number: life.finding.number,
                left_at,
                vulnerability_days: exposed as f64 / DAY as f64,
            });
        }
    }
    if n == 0 {
        return None;
    }
    exits.sort_by_key(|exit| (exit.left_at, exit.repository, exit.family, exit.number));
    Some(ExposureWindow {
        vulnerability_days: total as f64 / DAY as f64,
        n,
        ended_by_leaving_scope: exits,
    })
}
