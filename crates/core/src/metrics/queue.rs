//! How long the onboarding queue takes at GitHub's limits on content-creating requests:
//! arithmetic on the repositories waiting, the writes one pull request costs and the
//! limits, so that the estimate is derived, never guessed.

use serde::Serialize;

/// GitHub's limits on content-creating requests of one installation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WriteLimits {
    pub per_hour: u64,
    pub per_minute: u64,
    /// The least time between two writes, in seconds.
    pub min_interval_seconds: f64,
}

/// The repositories waiting for their onboarding pull request and how long writing them
/// takes at the limits.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueueEstimate {
    pub repositories_left: u64,
    pub writes_per_pull_request: u64,
    pub writes_left: u64,
    /// The sustained pace the tightest limit allows.
    pub writes_per_hour: f64,
    /// `writes_left / writes_per_hour`; `None` when the limits allow no write at all.
    pub hours_left: Option<f64>,
    /// The same in words: "4,210 repositories left, about 34 h at GitHub's limits".
    pub summary: String,
}

/// The queue's estimate: every repository left costs `writes_per_pull_request` writes,
/// paced by the tightest of the hourly cap, the per-minute cap and the spacing.
pub fn estimate(
    repositories_left: u64,
    writes_per_pull_request: u64,
    limits: &WriteLimits,
) -> QueueEstimate {
    let spacing_per_hour = if limits.min_interval_seconds > 0.0 {
        3600.0 / limits.min_interval_seconds
    } else {
        f64::INFINITY
    };
    let writes_per_hour = (limits.per_hour as f64)
        .min(limits.per_minute.saturating_mul(60) as f64)
        .min(spacing_per_hour);
    let writes_left = repositories_left.saturating_mul(writes_per_pull_request);
    let hours_left = if writes_left == 0 {
        Some(0.0)
    } else if writes_per_hour > 0.0 {
        Some(writes_left as f64 / writes_per_hour)
    } else {
        None
    };
    QueueEstimate {
        repositories_left,
        writes_per_pull_request,
        writes_left,
        writes_per_hour,
        hours_left,
        summary: summary(repositories_left, hours_left),
    }
}

fn summary(repositories_left: u64, hours_left: Option<f64>) -> String {
    let repositories = match repositories_left {
        0 => return "no repository waiting for its onboarding pull request".to_owned(),
        1 => "1 repository left".to_owned(),
        n => format!("{} repositories left", thousands(n)),
    };
    let time = match hours_left {
        None => "no writes allowed".to_owned(),
        Some(hours) if hours >= 1.0 => {
            // Rounded to whole hours: `as` saturates, and the hours are finite and positive.
            format!("about {} h", thousands(hours.round() as u64))
        }
        // At least a minute: a request is never free.
        Some(hours) => format!("about {} min", ((hours * 60.0).ceil() as u64).max(1)),
    };
    format!("{repositories}, {time} at GitHub's limits")
}

/// `4210` as "4,210".
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// GitHub's documented limits: 500 an hour, 80 a minute, 1 s apart.
    const GITHUB: WriteLimits = WriteLimits {
        per_hour: 500,
        per_minute: 80,
        min_interval_seconds: 1.0,
    };

    #[test]
    fn the_hourly_cap_binds_at_githubs_limits() {
        // 4,210 repositories x 4 writes = 16,840 writes; 80/min allows 4,800 an hour and
        // 1 s apart 3,600, so 500 an hour binds: 16,840 / 500 = 33.68 h.
        let queue = estimate(4210, 4, &GITHUB);
        assert_eq!(queue.writes_left, 16_840);
        assert_eq!(queue.writes_per_hour, 500.0);
        let hours = queue.hours_left.unwrap();
        assert!((hours - 33.68).abs() < 1e-9, "{hours}");
        assert_eq!(
            queue.summary,
            "4,210 repositories left, about 34 h at GitHub's limits"
        );
    }

    #[test]
    fn the_tightest_limit_binds() {
        // 10 a minute = 600 an hour, but 10 s apart = 360 an hour: 90 writes take 0.25 h.
        let slow = WriteLimits {
            per_hour: 1000,
            per_minute: 10,
            min_interval_seconds: 10.0,
        };
        let queue = estimate(30, 3, &slow);
        assert_eq!(queue.writes_per_hour, 360.0);
        assert!((queue.hours_left.unwrap() - 0.25).abs() < 1e-9);
        assert_eq!(
            queue.summary,
            "30 repositories left, about 15 min at GitHub's limits"
        );
        // Under the per-minute cap: 5 a minute = 300 an hour.
        let minute = WriteLimits {
            per_minute: 5,
            ..slow
        };
        assert_eq!(estimate(1, 1, &minute).writes_per_hour, 300.0);
    }

    #[test]
    fn small_and_empty_queues_read_naturally() {
        // One repository: 4 writes at 500 an hour = 0.48 min, shown as a whole minute.
        let one = estimate(1, 4, &GITHUB);
        assert_eq!(
            one.summary,
            "1 repository left, about 1 min at GitHub's limits"
        );
        let none = estimate(0, 4, &GITHUB);
        assert_eq!(none.hours_left, Some(0.0));
        assert_eq!(
            none.summary,
            "no repository waiting for its onboarding pull request"
        );
        // 1,234,567 repositories x 4 = 4,938,268 writes / 500 = 9,876.5 h.
        assert_eq!(
            estimate(1_234_567, 4, &GITHUB).summary,
            "1,234,567 repositories left, about 9,877 h at GitHub's limits"
        );
    }

    #[test]
    fn no_allowed_writes_is_said_not_divided_by() {
        let closed = WriteLimits {
            per_hour: 0,
            ..GITHUB
        };
        let queue = estimate(3, 4, &closed);
        assert_eq!(queue.hours_left, None);
        assert_eq!(
            queue.summary,
            "3 repositories left, no writes allowed at GitHub's limits"
        );
    }
}
