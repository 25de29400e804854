//! What the security metrics cost on a large organisation: 1,000 repositories and
//! 100,000 finding events (about 52,000 findings: created, fixed, dismissed, reopened,
//! auto-dismissed, some never on the default branch, some false positives), 50 of the
//! repositories archived during the window, 20,000 merged pull requests of 4 commits
//! each and 8,000 pull-request alerts. The record is deterministic (a fixed-seed
//! generator), built once; then `security_report` and `weekly_trend` run `RUNS` times
//! each and the best and median times are printed, with the peak resident memory of
//! the process (`VmHWM`, Linux), record included.
//!
//! Run with `cargo bench -p fullcover-core --bench security_metrics`; for peak memory
//! from outside, run the built binary under `/usr/bin/time -v`.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    reason = "a benchmark fails loudly"
)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use fullcover_core::metrics::DAY;
use fullcover_core::metrics::security::{
    ChecksAtMerge, CloseReason, Family, Finding, LifecycleEvent, LifecycleKind, MergedPullRequest,
    PullRequestAlert, ScopeSpell, SecurityPolicy, SecurityRecord, Severity, security_report,
    weekly_trend,
};

const REPOSITORIES: i64 = 1_000;
const EVENTS: usize = 100_000;
const PULL_REQUESTS: i64 = 20_000;
const PULL_REQUEST_ALERTS: i64 = 8_000;
const ARCHIVED: i64 = 50;
const RUNS: usize = 15;
/// 2024-06-30T00:00Z.
const NOW: i64 = 1_719_705_600;
/// A year of history before now.
const HISTORY: i64 = 365 * DAY;

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    fn time(&mut self, from: i64, span: i64) -> i64 {
        from + self.below(span.max(1) as u64) as i64
    }
}

fn severity(rng: &mut Rng) -> Severity {
    match rng.below(10) {
        0 => Severity::Critical,
        1..=3 => Severity::High,
        4..=7 => Severity::Medium,
        _ => Severity::Low,
    }
}

fn family(rng: &mut Rng) -> Family {
    match rng.below(10) {
        0..=5 => Family::CodeScanning,
        6..=8 => Family::Dependabot,
        _ => Family::SecretScanning,
    }
}

/// One finding's events after its creation.
fn lifecycle(rng: &mut Rng, created: i64, events: &mut Vec<LifecycleEvent>) {
    let mut t = created;
    loop {
        t = rng.time(t + 3_600, 40 * DAY);
        if t > NOW {
            return;
        }
        let kind = match rng.below(20) {
            0..=11 => LifecycleKind::Fixed,
            12 => LifecycleKind::Dismissed {
                reason: CloseReason::FalsePositive,
            },
            13..=14 => LifecycleKind::Dismissed {
                reason: CloseReason::TolerableRisk,
            },
            15 => LifecycleKind::AutoDismissed,
            _ => return,
        };
        events.push(LifecycleEvent { at: t, kind });
        if !rng.chance(12) {
            return;
        }
        t = rng.time(t + 3_600, 20 * DAY);
        if t > NOW {
            return;
        }
        let kind = if rng.chance(50) {
            LifecycleKind::Reopened { by_user: false }
        } else {
            LifecycleKind::Reintroduced
        };
        events.push(LifecycleEvent { at: t, kind });
    }
}

fn findings(rng: &mut Rng) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut total = 0;
    let mut number = 0;
    while total < EVENTS {
        number += 1;
        let created = rng.time(NOW - HISTORY, HISTORY);
        let family = family(rng);
        let on_default = !rng.chance(5);
        let mut events = vec![LifecycleEvent {
            at: created,
            kind: LifecycleKind::Created,
        }];
        lifecycle(rng, created, &mut events);
        total += events.len();
        let repository = rng.below(REPOSITORIES as u64) as i64;
        findings.push(Finding {
            repository,
            family,
            number,
            severity: severity(rng),
            created_at: created,
            default_branch_at: on_default.then_some(created),
            introduced_at: rng
                .chance(70)
                .then(|| created - rng.below(30 * DAY as u64) as i64),
            introduced_commit: rng
                .chance(60)
                .then(|| format!("{repository}-c{}", rng.below(PULL_REQUESTS as u64 * 4))),
            advisory_published_at: (family == Family::Dependabot)
                .then(|| created - rng.below(5 * DAY as u64) as i64),
            partial_history: false,
            events,
        });
    }
    findings
}

fn record() -> SecurityRecord {
    let mut rng = Rng(0x5EC0_11C5);
    let findings = findings(&mut rng);
    let scope = (0..ARCHIVED)
        .map(|repository| ScopeSpell {
            repository,
            entered: NOW - 2 * HISTORY,
            left: Some(rng.time(NOW - 90 * DAY, 90 * DAY)),
            reason: Some("archived".to_owned()),
        })
        .collect();
    let merged_pull_requests = (0..PULL_REQUESTS)
        .map(|number| {
            let repository = rng.below(REPOSITORIES as u64) as i64;
            MergedPullRequest {
                repository,
                number,
                head_sha: format!("{repository}-h{number}"),
                merge_commit_sha: Some(format!("{repository}-m{number}")),
                commits: (0..4)
                    .map(|_| format!("{repository}-c{}", rng.below(PULL_REQUESTS as u64 * 4)))
                    .collect(),
                merged_at: rng.time(NOW - HISTORY, HISTORY),
                covered_at_merge: rng.chance(90),
                checks_at_merge: match rng.below(20) {
                    0 => ChecksAtMerge::Failed,
                    1 => ChecksAtMerge::Missing,
                    _ => ChecksAtMerge::Passed,
                },
            }
        })
        .collect::<Vec<_>>();
    let pull_request_alerts = (0..PULL_REQUEST_ALERTS)
        .map(|number| {
            let pr = &merged_pull_requests[rng.below(PULL_REQUESTS as u64) as usize];
            let created_at = pr.merged_at - rng.below(3 * DAY as u64) as i64;
            PullRequestAlert {
                repository: pr.repository,
                pull_request: pr.number,
                family: family(&mut rng),
                number: 1_000_000 + number,
                severity: severity(&mut rng),
                created_at,
                fixed_at: rng
                    .chance(70)
                    .then(|| rng.time(created_at, (pr.merged_at - created_at).max(1))),
                false_positive: rng.chance(5),
            }
        })
        .collect();
    SecurityRecord {
        findings,
        scope,
        merged_pull_requests,
        pull_request_alerts,
    }
}

fn time<T>(runs: usize, mut work: impl FnMut() -> T) -> (Duration, Duration) {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let started = Instant::now();
            black_box(work());
            started.elapsed()
        })
        .collect();
    times.sort();
    (times[0], times[times.len() / 2])
}

/// Peak resident memory of this process, from `/proc/self/status` (Linux).
fn peak_memory() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    Some(line.trim_start_matches("VmHWM:").trim().to_owned())
}

fn main() {
    let started = Instant::now();
    let record = black_box(record());
    let events: usize = record.findings.iter().map(|f| f.events.len()).sum();
    println!(
        "security metrics: {REPOSITORIES} repositories, {} findings, {events} finding events, \
         {} merged pull requests, {} pull-request alerts, {} scope spells (built in {:.1?})",
        record.findings.len(),
        record.merged_pull_requests.len(),
        record.pull_request_alerts.len(),
        record.scope.len(),
        started.elapsed()
    );
    let policy = SecurityPolicy::default();
    let (best, median) = time(RUNS, || security_report(&record, &policy, NOW));
    println!("security_report: best {best:.1?}, median {median:.1?} over {RUNS} runs");
    let (best, median) = time(RUNS, || weekly_trend(&record, &policy, NOW));
    println!("weekly_trend:    best {best:.1?}, median {median:.1?} over {RUNS} runs");
    let report = security_report(&record, &policy, NOW);
    println!(
        "  (mttr n {}, sla due {}, exposure n {}, merged {}, net resolve created {})",
        report.mttr.as_ref().map_or(0, |m| m.n),
        report.sla_attainment.as_ref().map_or(0, |s| s.due),
        report.exposure_window.as_ref().map_or(0, |e| e.n),
        report.escape_rate.as_ref().map_or(0, |e| e.merged),
        report.net_resolve_rate.as_ref().map_or(0, |n| n.created),
    );
    if let Some(peak) = peak_memory() {
        println!("peak resident memory (VmHWM, record included): {peak}");
    }
}
