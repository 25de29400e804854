//! One seeded repository's story, drawn from a seeded random generator (pure): its
//! stack (one of the demo's [`STORIES`]), when it entered scope, how covered its first
//! scan was, how its onboarding pull request ended, a coverage incident, a scanner that
//! failed for a while, leaving scope.

use super::super::history::{STORIES, Story, requirements, scanner_for};

/// How its onboarding pull request ended, in days from the record's start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Pull {
    Merged {
        opened: i64,
        merged: i64,
    },
    Closed {
        opened: i64,
        closed: i64,
    },
    Open {
        opened: i64,
    },
    /// Fully covered before Fullcover came.
    None,
}

/// New requirements appear (Terraform added) on `day`; a second pull request restores
/// coverage on `restored`, or is still open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Incident {
    pub day: i64,
    pub restored: Option<i64>,
}

/// One scanner's default-branch runs fail from `from` until `until` (or still).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct BrokenScanner {
    pub scanner: &'static str,
    pub from: i64,
    pub until: Option<i64>,
}

#[derive(Clone)]
pub(super) struct RepoPlan {
    pub name: String,
    pub stack: &'static Story,
    pub private: bool,
    pub entered_day: i64,
    /// Seconds after midnight (UTC) of its daily scan.
    pub scan_offset: i64,
    pub covered_at_first: usize,
    pub pull: Pull,
    pub incident: Option<Incident>,
    pub broken: Option<BrokenScanner>,
    /// Archived on this day: out of scope, no scans after.
    pub left_day: Option<i64>,
}

/// The requirements an incident adds (as `checkout` gains Terraform in the demo).
pub(super) const INCIDENT_REQUIREMENTS: [&str; 2] = ["iac:terraform", "sca:terraform"];

const TEAMS: &[&str] = &[
    "payments", "search", "identity", "checkout", "catalog", "data", "infra", "mobile", "web",
    "platform", "billing", "growth", "ml", "ops", "support",
];
const KINDS: &[&str] = &[
    "api", "service", "worker", "web", "lib", "pipeline", "gateway", "jobs", "sdk", "cli",
];

impl RepoPlan {
    /// The base requirement ids of its stack.
    pub fn base_requirements(&self) -> Vec<String> {
        requirements(self.stack)
    }

    /// The day its base requirements are all satisfied, if they ever are.
    pub fn covered_day(&self) -> Option<i64> {
        match self.pull {
            Pull::Merged { merged, .. } => Some(merged),
            Pull::None => Some(self.entered_day),
            Pull::Closed { .. } | Pull::Open { .. } => None,
        }
    }

    /// (required, satisfied) ids of its scan on `day`.
    pub fn result_on(&self, day: i64) -> (Vec<String>, Vec<String>) {
        let mut required = self.base_requirements();
        let covered = self.covered_day().is_some_and(|covered| day >= covered);
        let satisfied_count = if covered {
            required.len()
        } else {
            self.covered_at_first.min(required.len())
        };
        let mut satisfied: Vec<String> = required.iter().take(satisfied_count).cloned().collect();
        if let Some(incident) = self.incident
            && day >= incident.day
        {
            for id in INCIDENT_REQUIREMENTS {
                if !required.iter().any(|known| known == id) {
                    required.push(id.to_owned());
                    if incident.restored.is_some_and(|restored| day >= restored) {
                        satisfied.push(id.to_owned());
                    }
                }
            }
        }
        (required, satisfied)
    }
}

/// Draws repository `index`'s story for a record of `days` days.
pub(super) fn draw(rng: &mut fastrand::Rng, index: u32, days: i64) -> RepoPlan {
    let stack = &STORIES[rng.usize(..STORIES.len())];
    let name = format!(
        "{}-{}-{index:05}",
        TEAMS[rng.usize(..TEAMS.len())],
        KINDS[rng.usize(..KINDS.len())]
    );
    // Most repositories were there when the App was installed; the rest came later.
    let entered_day = if rng.u8(..100) < 70 || days < 4 {
        0
    } else {
        rng.i64(1..(days * 4 / 5).max(2))
    };
    let required = requirements(stack).len();
    let covered_at_first = if rng.u8(..100) < 8 {
        required
    } else {
        rng.usize(..required)
    };
    let last_day = days - 1;
    let opened = entered_day;
    let pull = if covered_at_first == required {
        Pull::None
    } else {
        let roll = rng.u8(..100);
        // Delays: mostly days, sometimes weeks.
        let delay = 1 + rng.i64(0..4) * rng.i64(1..8);
        if roll < 75 && opened + delay <= last_day {
            Pull::Merged {
                opened,
                merged: opened + delay,
            }
        } else if roll < 87 && opened + delay <= last_day {
            Pull::Closed {
                opened,
                closed: opened + delay,
            }
        } else {
            Pull::Open { opened }
        }
    };
    let mut plan = RepoPlan {
        name,
        stack,
        private: rng.u8(..100) < 80,
        entered_day,
        scan_offset: rng.i64(3_600..(23 * 3_600)),
        covered_at_first,
        pull,
        incident: None,
        broken: None,
        left_day: None,
    };
    if let Some(covered) = plan.covered_day()
        && covered + 2 < last_day
        && rng.u8(..100) < 4
        && !stack.extra.contains(&"iac:terraform")
    {
        let day = rng.i64(covered + 1..last_day);
        let restored = day + 1 + rng.i64(0..7);
        plan.incident = Some(Incident {
            day,
            restored: (restored <= last_day).then_some(restored),
        });
    }
    if rng.u8(..100) < 5 {
        let scanners: Vec<&'static str> = plan
            .base_requirements()
            .iter()
            .take(plan.covered_at_first.max(1))
            .map(|id| scanner_for(id).0)
            .collect();
        let from_start = plan.covered_day().unwrap_or(entered_day).max(entered_day) + 1;
        if from_start < last_day
            && let Some(&scanner) = scanners.get(rng.usize(..scanners.len().max(1)))
        {
            let from = rng.i64(from_start..=last_day);
            let until = from + 1 + rng.i64(0..10);
            plan.broken = Some(BrokenScanner {
                scanner,
                from,
                until: (until <= last_day).then_some(until),
            });
        }
    }
    if rng.u8(..100) < 1 && entered_day + 10 < last_day {
        plan.left_day = Some(rng.i64(entered_day + 10..last_day));
    }
    plan
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_draws_the_same_stories() {
        let draw_all = |seed| {
            let mut rng = fastrand::Rng::with_seed(seed);
            (0..200)
                .map(|index| {
                    let plan = draw(&mut rng, index, 365);
                    (plan.name, plan.entered_day, plan.pull, plan.incident)
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(draw_all(7), draw_all(7));
        assert_ne!(draw_all(7), draw_all(8));
    }

    #[test]
    fn a_merged_pull_request_covers_every_requirement_from_its_day() {
        let mut rng = fastrand::Rng::with_seed(1);
        let plan = (0..1_000)
            .map(|index| draw(&mut rng, index, 365))
            .find(|plan| matches!(plan.pull, Pull::Merged { .. }) && plan.incident.is_none())
            .unwrap();
        let Pull::Merged { merged, .. } = plan.pull else {
            unreachable!()
        };
        let (required, satisfied) = plan.result_on(merged - 1);
        assert!(satisfied.len() < required.len());
        let (required, satisfied) = plan.result_on(merged);
        assert_eq!(satisfied, required);
    }

    #[test]
    fn an_incident_adds_missing_requirements_until_restored() {
        let mut rng = fastrand::Rng::with_seed(3);
        let plan = (0..5_000)
            .map(|index| draw(&mut rng, index, 365))
            .find(|plan| plan.incident.is_some_and(|i| i.restored.is_some()))
            .unwrap();
        let incident = plan.incident.unwrap();
        let (required, satisfied) = plan.result_on(incident.day);
        assert_eq!(required.len(), satisfied.len() + 2);
        let (required, satisfied) = plan.result_on(incident.restored.unwrap());
        assert_eq!(required, satisfied);
    }
}
