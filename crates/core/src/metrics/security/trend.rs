//! The dashboard's weekly trend over W: M1's median per week and the severity-S
//! findings open at the end of each week.
//!
//! Weeks are Monday 00:00 UTC to the next Monday; the first is the week holding W's
//! start, the last the week holding now. A week's MTTR is the median of M1's values
//! whose fix falls in the part of that week inside W (`None` without any; no n ≥ 5
//! rule, the trend shows every value). Its open count is taken at the week's end, or
//! now for the current week: findings open in GitHub's sense on the default branch
//! (a risk-accepted dismissal is closed), not false positives, whose repository was
//! in scope at that moment.

use super::context::Context;
use super::model::{SecurityPolicy, SecurityRecord};
use super::remediation::remediations;
use super::report::WeekPoint;
use super::stats::{median, sorted};
use crate::metrics::DAY;

const WEEK: i64 = 7 * DAY;

/// The weekly trend of `record` over the policy's window up to `now`.
pub fn weekly_trend(record: &SecurityRecord, policy: &SecurityPolicy, now: i64) -> Vec<WeekPoint> {
    let ctx = Context::new(record, policy, now);
    let (start, end) = (ctx.clock.start, ctx.clock.end);
    let fixes = remediations(&ctx);
    let severe: Vec<_> = ctx.severe().collect();
    let mut points = Vec::new();
    let mut week_start = monday_on_or_before(start);
    while week_start < end || (points.is_empty() && week_start <= end) {
        let week_end = week_start.saturating_add(WEEK);
        let (from, to) = (week_start.max(start), week_end.min(end));
        let values = sorted(
            fixes
                .iter()
                .filter(|&&(fixed, _)| from <= fixed && fixed < to)
                .map(|&(_, value)| value)
                .collect(),
        );
        let at = week_end.min(end);
        let open_severe = severe
            .iter()
            .filter(|life| life.open_at(at) && ctx.scope.contains(life.repository(), at))
            .count() as u64;
        points.push(WeekPoint {
            week_start,
            mttr_median_seconds: median(&values),
            open_severe,
        });
        if week_end <= week_start {
            break;
        }
        week_start = week_end;
    }
    points
}

/// Monday 00:00 UTC on or before `t` (1970-01-01 was a Thursday).
fn monday_on_or_before(t: i64) -> i64 {
    let day = t.div_euclid(DAY);
    let since_monday = (day + 3).rem_euclid(7);
    (day - since_monday).saturating_mul(DAY)
}
