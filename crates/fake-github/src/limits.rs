//! Primary (requests per hour per token owner) and secondary (content-creation pace) rate
//! limits, on a clock that can run faster than real time for benchmarks.

use std::collections::{HashMap, VecDeque};
use std::time::Instant;

use super::Limits;

/// Who a request is counted against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Bucket {
    Installation(u64),
    App(u64),
    Anonymous,
}

/// Rate-limit headers of one response.
#[derive(Debug, Clone, Copy)]
pub struct Quota {
    pub limit: u32,
    pub used: u32,
    /// Unix seconds (real time) when the window resets.
    pub reset: i64,
}

impl Quota {
    pub fn remaining(&self) -> u32 {
        self.limit.saturating_sub(self.used)
    }
}

#[derive(Debug)]
struct Window {
    /// Virtual seconds since start when this hour window began.
    start: f64,
    used: u32,
}

/// A secondary-limit refusal: how long (real seconds) to wait.
#[derive(Debug, Clone, Copy)]
pub struct Throttled {
    pub retry_after: u64,
}

#[derive(Debug)]
pub struct RateLimiter {
    limits: Limits,
    started: Instant,
    started_unix: i64,
    windows: HashMap<Bucket, Window>,
    writes: HashMap<u64, VecDeque<f64>>,
    pub violations: u64,
}

const HOUR: f64 = 3600.0;

impl RateLimiter {
    pub fn new(limits: Limits) -> RateLimiter {
        RateLimiter {
            limits,
            started: Instant::now(),
            started_unix: chrono::Utc::now().timestamp(),
            windows: HashMap::new(),
            writes: HashMap::new(),
            violations: 0,
        }
    }

    /// GitHub's usual wait after a secondary limit (60 s), on this fake's clock, in whole
    /// real seconds as `retry-after` carries it.
    pub fn secondary_retry_after(&self) -> u64 {
        ((60.0 / self.scale()).ceil() as u64).max(1)
    }

    fn scale(&self) -> f64 {
        if self.limits.time_scale > 0.0 {
            self.limits.time_scale
        } else {
            1.0
        }
    }

    /// Virtual seconds since the fake started.
    fn now(&self) -> f64 {
        self.started.elapsed().as_secs_f64() * self.scale()
    }

    fn limit_of(&self, bucket: Bucket) -> u32 {
        match bucket {
            Bucket::Anonymous => 60,
            _ => self.limits.primary_per_hour,
        }
    }

    fn window(&mut self, bucket: Bucket) -> &mut Window {
        let now = self.now();
        let window = self.windows.entry(bucket).or_insert(Window {
            start: now,
            used: 0,
        });
        if now - window.start >= HOUR {
            window.start = now;
            window.used = 0;
        }
        window
    }

    /// The current quota of a bucket, without counting.
    pub fn quota(&mut self, bucket: Bucket) -> Quota {
        let limit = self.limit_of(bucket);
        let scale = self.scale();
        let started_unix = self.started_unix;
        let window = self.window(bucket);
        let reset_virtual = window.start + HOUR;
        Quota {
            limit,
            used: window.used,
            reset: started_unix + (reset_virtual / scale).ceil() as i64,
        }
    }

    /// Counts one request.
    pub fn count(&mut self, bucket: Bucket) -> Quota {
        self.window(bucket).used += 1;
        self.quota(bucket)
    }

    /// Checks the content-creation pace of an installation and records the write when it
    /// is allowed. A refusal is counted as a violation.
    pub fn check_write(&mut self, installation_id: u64) -> Result<(), Throttled> {
        let now = self.now();
        let scale = self.scale();
        let min_interval = self.limits.min_write_interval.as_secs_f64();
        let per_minute = self.limits.writes_per_minute as usize;
        let per_hour = self.limits.writes_per_hour as usize;
        let writes = self.writes.entry(installation_id).or_default();
        while writes.front().is_some_and(|t| now - t >= HOUR) {
            writes.pop_front();
        }
        let mut wait: f64 = 0.0;
        if let Some(last) = writes.back() {
            // A little tolerance for timer granularity on the client side.
            if now - last < min_interval * 0.98 {
                wait = wait.max(min_interval - (now - last));
            }
        }
        let last_minute: Vec<f64> = writes.iter().copied().filter(|t| now - t < 60.0).collect();
        if last_minute.len() >= per_minute {
            wait = wait.max(60.0 - (now - last_minute[0]));
        }
        if writes.len() >= per_hour {
            wait = wait.max(HOUR - (now - writes[0]));
        }
        if wait > 0.0 {
            self.violations += 1;
            return Err(Throttled {
                retry_after: ((wait / scale).ceil() as u64).max(1),
            });
        }
        writes.push_back(now);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn secondary_limit_counts_violations() {
        let mut limiter = RateLimiter::new(Limits::default());
        assert!(limiter.check_write(1).is_ok());
        let refused = limiter.check_write(1).unwrap_err();
        assert_eq!(refused.retry_after, 1);
        assert_eq!(limiter.violations, 1);
        // Another installation has its own pace.
        assert!(limiter.check_write(2).is_ok());
    }

    #[test]
    fn per_minute_limit() {
        let mut limiter = RateLimiter::new(Limits {
            min_write_interval: Duration::ZERO,
            writes_per_minute: 3,
            ..Limits::default()
        });
        for _ in 0..3 {
            assert!(limiter.check_write(1).is_ok());
        }
        assert!(limiter.check_write(1).is_err());
        assert_eq!(limiter.violations, 1);
    }

    #[test]
    fn primary_quota_counts() {
        let mut limiter = RateLimiter::new(Limits {
            primary_per_hour: 2,
            ..Limits::default()
        });
        let bucket = Bucket::Installation(7);
        assert_eq!(limiter.quota(bucket).remaining(), 2);
        limiter.count(bucket);
        let quota = limiter.count(bucket);
        assert_eq!(quota.remaining(), 0);
        assert_eq!(quota.used, 2);
        assert!(quota.reset > chrono::Utc::now().timestamp());
    }
}
