//! GitHub's rate limits as the client keeps them: the primary budget read from each
//! response's headers, and the pacing of content-creating requests that keeps an
//! installation under the secondary limits (at least 1 s apart, 80 a minute, 500 an hour).

use std::collections::VecDeque;
use std::time::Duration;

use tokio::time::Instant;

/// Room left on every pacing limit for timer and clock granularity (latency needs none:
/// limits count from completions). It does not shrink when GitHub's clock runs faster.
const MARGIN: Duration = Duration::from_millis(5);

/// How content-creating requests are spaced for one installation.
#[derive(Debug, Clone)]
pub struct Pacing {
    pub min_interval: Duration,
    pub per_minute: usize,
    pub per_hour: usize,
    /// The length of GitHub's minute and hour: real ones in production, shorter ones in
    /// benchmarks that run GitHub's clock faster.
    pub minute: Duration,
    pub hour: Duration,
    /// Extra room on every limit, so that latency between here and GitHub cannot make
    /// two requests arrive closer than they were sent.
    pub margin: Duration,
}

impl Default for Pacing {
    fn default() -> Self {
        Pacing::scaled(1.0)
    }
}

impl Pacing {
    /// GitHub's limits with time running `scale` times faster.
    pub fn scaled(scale: f64) -> Pacing {
        let scale = if scale.is_finite() && scale > 0.0 {
            scale
        } else {
            1.0
        };
        Pacing {
            min_interval: Duration::from_secs_f64(1.0 / scale),
            per_minute: 80,
            per_hour: 500,
            minute: Duration::from_secs_f64(60.0 / scale),
            hour: Duration::from_secs_f64(3600.0 / scale),
            margin: MARGIN,
        }
    }

    /// The limits as the queue's estimate reads them.
    pub fn write_limits(&self) -> fullcover_core::metrics::queue::WriteLimits {
        fullcover_core::metrics::queue::WriteLimits {
            per_hour: u64::try_from(self.per_hour).unwrap_or(u64::MAX),
            per_minute: u64::try_from(self.per_minute).unwrap_or(u64::MAX),
            min_interval_seconds: self.min_interval.as_secs_f64(),
        }
    }

    /// No pacing at all, for tests of everything else.
    pub fn unlimited() -> Pacing {
        Pacing {
            min_interval: Duration::ZERO,
            per_minute: usize::MAX,
            per_hour: usize::MAX,
            minute: Duration::ZERO,
            hour: Duration::ZERO,
            margin: Duration::ZERO,
        }
    }
}

/// Grants turns to content-creating requests of one installation, one at a time. Limits
/// are counted from when each request *finished*: a request arrives at GitHub after it
/// was sent, and the previous one arrived before its answer came back, so spacing by
/// completion holds at GitHub whatever the latency.
#[derive(Debug)]
pub struct Pacer {
    pacing: Pacing,
    /// Completion times of the requests within the last hour, oldest first.
    finished: tokio::sync::Mutex<VecDeque<Instant>>,
}

/// The right to send one content-creating request; dropping it records its completion.
pub struct Turn<'a> {
    finished: tokio::sync::MutexGuard<'a, VecDeque<Instant>>,
    horizon: Duration,
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        let now = Instant::now();
        self.finished.push_back(now);
        while self
            .finished
            .front()
            .is_some_and(|first| now.duration_since(*first) > self.horizon)
        {
            self.finished.pop_front();
        }
    }
}

impl Pacer {
    pub fn new(pacing: Pacing) -> Pacer {
        Pacer {
            pacing,
            finished: tokio::sync::Mutex::new(VecDeque::new()),
        }
    }

    /// Waits until a request may go out without breaking any limit, and takes the turn.
    pub async fn turn(&self) -> Turn<'_> {
        let finished = self.finished.lock().await;
        let earliest = self.earliest(&finished, Instant::now());
        tokio::time::sleep_until(earliest).await;
        Turn {
            finished,
            horizon: self.pacing.hour + self.pacing.margin,
        }
    }

    fn earliest(&self, finished: &VecDeque<Instant>, now: Instant) -> Instant {
        let pacing = &self.pacing;
        let mut earliest = now;
        if let Some(last) = finished.back() {
            earliest = earliest.max(*last + pacing.min_interval + pacing.margin);
        }
        for (limit, window) in [
            (pacing.per_minute, pacing.minute),
            (pacing.per_hour, pacing.hour),
        ] {
            if finished.len() >= limit {
                let oldest_in_window = finished[finished.len() - limit];
                earliest = earliest.max(oldest_in_window + window + pacing.margin);
            }
        }
        earliest
    }
}

/// The primary rate limit as GitHub last reported it for one installation.
#[derive(Debug, Default, Clone, Copy)]
pub struct Budget {
    pub limit: Option<u64>,
    pub remaining: Option<u64>,
    /// Unix seconds when the budget refills.
    pub reset: Option<i64>,
}

impl Budget {
    pub fn from_headers(headers: &http::HeaderMap) -> Option<Budget> {
        let number = |name: &str| {
            headers
                .get(name)
                .and_then(|value| value.to_str().ok())
                .and_then(|value| value.trim().parse::<i64>().ok())
        };
        let remaining = number("x-ratelimit-remaining")?;
        Some(Budget {
            limit: number("x-ratelimit-limit").and_then(|n| u64::try_from(n).ok()),
            remaining: u64::try_from(remaining).ok(),
            reset: number("x-ratelimit-reset"),
        })
    }

    /// The budget as it stands at `now_unix`: once the reset has passed, what was left
    /// before it says nothing (the budget refilled).
    pub fn at(self, now_unix: i64) -> Budget {
        match self.reset {
            Some(reset) if reset < now_unix => Budget {
                remaining: None,
                reset: None,
                ..self
            },
            _ => self,
        }
    }

    /// How long to pause before the next request: until the reset when nothing is left.
    pub fn pause(&self, now_unix: i64) -> Option<Duration> {
        match (self.remaining, self.reset) {
            (Some(0), Some(reset)) if reset >= now_unix => Some(Duration::from_secs(
                u64::try_from(reset - now_unix).unwrap_or(0) + 1,
            )),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn writes_are_spaced_and_capped_per_window() {
        let pacer = Pacer::new(Pacing {
            min_interval: Duration::from_secs(1),
            per_minute: 3,
            per_hour: 5,
            minute: Duration::from_secs(60),
            hour: Duration::from_secs(3600),
            margin: Duration::ZERO,
        });
        let start = Instant::now();
        let mut turns = Vec::new();
        for _ in 0..6 {
            let turn = pacer.turn().await;
            turns.push(Instant::now().duration_since(start).as_secs());
            drop(turn);
        }
        // 1 s apart, then the minute cap, then the hour cap.
        assert_eq!(turns, vec![0, 1, 2, 60, 61, 3600]);
    }

    #[test]
    fn budget_pauses_only_when_exhausted() {
        let mut headers = http::HeaderMap::new();
        headers.insert("x-ratelimit-remaining", http::HeaderValue::from_static("0"));
        headers.insert("x-ratelimit-reset", http::HeaderValue::from_static("1000"));
        let budget = Budget::from_headers(&headers).unwrap();
        assert_eq!(budget.pause(990), Some(Duration::from_secs(11)));
        assert_eq!(budget.pause(1001), None);
        headers.insert("x-ratelimit-remaining", http::HeaderValue::from_static("7"));
        let budget = Budget::from_headers(&headers).unwrap();
        assert_eq!(budget.pause(990), None);
        assert_eq!(budget.at(1000).remaining, Some(7));
        assert_eq!(budget.at(1001).remaining, None, "refilled since");
    }
}
