//! Faults on demand, drawn from a seeded generator so a run can be replayed: server errors,
//! secondary-limit refusals, dropped connections and latency.
//!
//! Every fault is decided *before* the request reaches its handler, so a request that
//! faults never changes state: a write answered with 5xx (or dropped) did not happen.

use std::time::Duration;

use super::Faults;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Answer with this 5xx status.
    ServerError(u16),
    /// Answer 403 or 429 with a secondary-limit message and `retry-after`.
    SecondaryLimit(u16),
    /// Close the connection without answering.
    Drop,
}

#[derive(Debug)]
pub struct FaultPlan {
    faults: Faults,
    rng: fastrand::Rng,
}

impl FaultPlan {
    pub fn new(faults: Faults) -> FaultPlan {
        let rng = fastrand::Rng::with_seed(faults.seed);
        FaultPlan { faults, rng }
    }

    /// Latency to add to this request.
    pub fn latency(&mut self) -> Duration {
        let jitter = self.faults.jitter.as_secs_f64() * self.rng.f64();
        self.faults.latency + Duration::from_secs_f64(jitter)
    }

    /// The fault for this request, if any.
    pub fn draw(&mut self) -> Option<Fault> {
        let roll = self.rng.f64();
        let f = &self.faults;
        if roll < f.drop_rate {
            return Some(Fault::Drop);
        }
        if roll < f.drop_rate + f.error_rate {
            let status = [500, 502, 503][self.rng.usize(0..3)];
            return Some(Fault::ServerError(status));
        }
        if roll < f.drop_rate + f.error_rate + f.secondary_limit_rate {
            let status = if self.rng.bool() { 403 } else { 429 };
            return Some(Fault::SecondaryLimit(status));
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_faults_replay_and_respect_rates() {
        let faults = Faults {
            error_rate: 0.2,
            drop_rate: 0.1,
            secondary_limit_rate: 0.1,
            seed: 7,
            ..Faults::default()
        };
        let draws = |n| {
            let mut plan = FaultPlan::new(faults.clone());
            (0..n).map(|_| plan.draw()).collect::<Vec<_>>()
        };
        let a = draws(2000);
        assert_eq!(a, draws(2000));
        let errors = a
            .iter()
            .filter(|f| matches!(f, Some(Fault::ServerError(_))))
            .count();
        assert!((300..500).contains(&errors), "{errors}");
        let none = FaultPlan::new(Faults::default()).draw();
        assert_eq!(none, None);
    }
}
