//! Order statistics (median, nearest-rank percentile, mean) and the tier bands of
//! shared/reference/security-metrics.md §5. Tiers compare counts exactly (integer
//! cross-multiplication), so a band edge such as 95 % is never missed by rounding.

use serde::Serialize;

use super::model::Severity;
use crate::metrics::DAY;

/// No tier below this n: too few to say.
pub const MIN_TIER_N: u64 = 5;

/// DORA-style performance tier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    Elite,
    High,
    Medium,
    Low,
}

/// Sorts durations ascending (total order, so no NaN can upset it).
pub(super) fn sorted(mut values: Vec<f64>) -> Vec<f64> {
    values.sort_by(f64::total_cmp);
    values
}

/// Median of sorted values; an even count gives the mean of the two middle ones.
pub(super) fn median(sorted: &[f64]) -> Option<f64> {
    let mid = sorted.len() / 2;
    if sorted.len() % 2 == 1 {
        sorted.get(mid).copied()
    } else {
        let low = sorted.get(mid.checked_sub(1)?)?;
        let high = sorted.get(mid)?;
        Some(low / 2.0 + high / 2.0)
    }
}

/// The `percent`-th percentile of sorted values by nearest rank: the value at rank
/// `ceil(percent / 100 × n)`.
pub(super) fn nearest_rank(sorted: &[f64], percent: usize) -> Option<f64> {
    let rank = sorted.len().saturating_mul(percent).div_ceil(100).max(1);
    sorted.get(rank - 1).copied()
}

pub(super) fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

/// M1 bands, in days (Elite, High, Medium), by severity. The reference gives bands for
/// critical, high and medium; low findings use the medium bands.
fn mttr_bands(severity: Severity) -> [i64; 3] {
    match severity {
        Severity::Critical => [1, 7, 15],
        Severity::High => [7, 30, 90],
        Severity::Medium | Severity::Low => [30, 90, 180],
    }
}

/// M1's tier: the median against the bands of `severity` (the report passes the
/// policy's threshold severity, e.g. high, since the median mixes every severity at or
/// above it).
pub(super) fn mttr_tier(median_seconds: f64, severity: Severity, n: u64) -> Option<Tier> {
    if n < MIN_TIER_N {
        return None;
    }
    let [elite, high, medium] = mttr_bands(severity).map(|days| (days * DAY) as f64);
    Some(if median_seconds <= elite {
        Tier::Elite
    } else if median_seconds <= high {
        Tier::High
    } else if median_seconds <= medium {
        Tier::Medium
    } else {
        Tier::Low
    })
}

/// `num / den >= percent / 100`, exactly.
fn at_least(num: u64, den: u64, percent: u64) -> bool {
    u128::from(num) * 100 >= u128::from(percent) * u128::from(den)
}

/// A share where more is better (SLA attainment, detection rate): floors in percent
/// for Elite, High, Medium.
pub(super) fn tier_at_least(num: u64, den: u64, floors: [u64; 3]) -> Option<Tier> {
    if den < MIN_TIER_N {
        return None;
    }
    let [elite, high, medium] = floors;
    Some(if at_least(num, den, elite) {
        Tier::Elite
    } else if at_least(num, den, high) {
        Tier::High
    } else if at_least(num, den, medium) {
        Tier::Medium
    } else {
        Tier::Low
    })
}

/// A share where less is better (escape, change failure, reopen): ceilings in percent
/// for Elite, High, Medium.
pub(super) fn tier_at_most(num: u64, den: u64, ceilings: [u64; 3]) -> Option<Tier> {
    if den < MIN_TIER_N {
        return None;
    }
    let at_most = |percent: u64| u128::from(num) * 100 <= u128::from(percent) * u128::from(den);
    let [elite, high, medium] = ceilings;
    Some(if at_most(elite) {
        Tier::Elite
    } else if at_most(high) {
        Tier::High
    } else if at_most(medium) {
        Tier::Medium
    } else {
        Tier::Low
    })
}

/// SLA attainment and detection rate: ≥ 95 %, ≥ 85 %, ≥ 70 %.
pub(super) const SHARE_FLOORS: [u64; 3] = [95, 85, 70];
/// Escape rate: ≤ 1 %, ≤ 5 %, ≤ 10 %.
pub(super) const ESCAPE_CEILINGS: [u64; 3] = [1, 5, 10];
/// Security change failure rate (DORA 2023 CFR bands): ≤ 5 %, ≤ 10 %, ≤ 15 %.
pub(super) const FAILURE_CEILINGS: [u64; 3] = [5, 10, 15];
/// Reopen rate: ≤ 2 %, ≤ 5 %, ≤ 10 %.
pub(super) const REOPEN_CEILINGS: [u64; 3] = [2, 5, 10];
