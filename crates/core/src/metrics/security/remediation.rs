//! M1, security MTTR: how long severity-S findings stayed open before their fix.
//!
//! - Population: severity-S findings that reached the default branch, whose repository
//!   did not leave scope while they were open, and whose closure in force now is a fix
//!   (fixed, or revoked for a secret) made in W while the repository was in scope. A
//!   finding reopened since its last fix is not remediated.
//! - Value: last fix − the time it reached the default branch. A reopened finding keeps
//!   its start.
//! - Median (an even count: the mean of the two middle values), p90 (nearest rank) and
//!   mean over that population; n is its size.
//! - GitHub-style mean ("mean time to remediate" of the security overview): the closure
//!   in force is a fix or a dismissal for any reason but false positive / inaccurate,
//!   made in W; age from the alert's creation to that closure, as GitHub measures it.
//!   Auto-dismissals are left out (nobody closed them).
//! - Tier: the median against the MTTR band of the policy's threshold severity (high by
//!   default: ≤ 7 d elite, ≤ 30 d high, ≤ 90 d medium), only when n ≥ 5. The threshold
//!   band is the one the median is held to, since every finding in it is at least that
//!   severe.

use super::context::{Context, seconds};
use super::lifecycle::{Closure, Life};
use super::report::Mttr;
use super::stats::{mean, median, mttr_tier, nearest_rank, sorted};

/// `(fix time, seconds to fix)` of every remediated finding of M1's population, with
/// its fix at any time up to now (the caller picks the window).
pub(super) fn remediations(ctx: &Context<'_>) -> Vec<(i64, f64)> {
    ctx.severe()
        .filter(|life| life.counted())
        .filter_map(|life| {
            let fixed = life.remediated_at()?;
            let reached = life.on_default_at?;
            ctx.scope
                .contains(life.repository(), fixed)
                .then(|| (fixed, seconds(reached, fixed)))
        })
        .collect()
}

pub(super) fn mttr(ctx: &Context<'_>) -> Option<Mttr> {
    let values = sorted(
        remediations(ctx)
            .into_iter()
            .filter(|&(fixed, _)| ctx.clock.contains(fixed))
            .map(|(_, value)| value)
            .collect(),
    );
    let github: Vec<f64> = ctx
        .severe()
        .filter(|life| life.counted())
        .filter_map(|life| github_age(ctx, life))
        .collect();
    if values.is_empty() && github.is_empty() {
        return None;
    }
    let n = values.len() as u64;
    let median_seconds = median(&values);
    Some(Mttr {
        median_seconds,
        p90_seconds: nearest_rank(&values, 90),
        mean_seconds: mean(&values),
        github_mean_seconds: mean(&github),
        n,
        tier: median_seconds.and_then(|value| mttr_tier(value, ctx.threshold(), n)),
    })
}

/// The age GitHub's mean counts, when the closure in force is a fix or a dismissal
/// other than a false positive, made in W while in scope.
fn github_age(ctx: &Context<'_>, life: &Life<'_>) -> Option<f64> {
    let (at, closure) = life.closed?;
    let counts = match closure {
        Closure::Fixed => true,
        Closure::Dismissed(reason) => !reason.is_false_positive(),
        Closure::AutoDismissed => false,
    };
    (counts && ctx.clock.contains(at) && ctx.scope.contains(life.repository(), at))
        .then(|| seconds(life.finding.created_at, at))
}
