//! What the record keeps per repository so that a view reads one row per repository,
//! never its history: the effective timeline in compact form (a point only where
//! coverage changed), the repository's line of the report, and until when both hold
//! without a new scan, run or pull request. The organisation's numbers are then the
//! same functions as [`super::org_report`]'s, run over the compact timelines; a test
//! checks that both agree on every aggregate.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::scanner_state::next_change_after;
use super::{
    BrokenTally, DAY, OrgReport, PullPoint, Ratio, RepoHistory, RepoSummary, ScanPoint,
    org_aggregates, percent_of, summary,
};
use crate::rules::compiled::scanners::ScannerRules;

/// One change of a repository's effective coverage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelinePoint {
    pub at: i64,
    pub ratio: Ratio,
    /// The requirements missing from then on (recorded, or broken by their scanner).
    pub missing: Vec<String>,
}

/// A repository's effective history, compact: what every aggregate reads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Timeline {
    pub full_name: String,
    pub private: bool,
    pub state: String,
    pub reason: Option<String>,
    pub entered_scope_at: i64,
    pub left_scope_at: Option<i64>,
    /// Oldest first; consecutive points differ in ratio or missing requirements.
    pub points: Vec<TimelinePoint>,
    /// The categories of the latest point, as they count.
    pub latest_categories: BTreeMap<String, Ratio>,
    /// Oldest first.
    pub pulls: Vec<PullPoint>,
}

impl Timeline {
    /// The compact form of an effective history ([`RepoHistory::effective`]).
    pub fn of(effective: &RepoHistory) -> Timeline {
        Timeline {
            full_name: effective.full_name.clone(),
            private: effective.private,
            state: effective.state.clone(),
            reason: effective.reason.clone(),
            entered_scope_at: effective.entered_scope_at,
            left_scope_at: effective.left_scope_at,
            points: effective
                .scans
                .iter()
                .map(|scan| TimelinePoint {
                    at: scan.at,
                    ratio: scan.ratio,
                    missing: scan.missing.clone(),
                })
                .collect(),
            latest_categories: effective
                .latest()
                .map(|scan| scan.categories.clone())
                .unwrap_or_default(),
            pulls: effective.pulls.clone(),
        }
    }

    /// The effective history again, as much of it as the aggregates read: no runs, no
    /// reliance, categories on the latest point only.
    pub fn history(&self, id: i64) -> RepoHistory {
        let last = self.points.len().saturating_sub(1);
        RepoHistory {
            id,
            full_name: self.full_name.clone(),
            private: self.private,
            state: self.state.clone(),
            reason: self.reason.clone(),
            entered_scope_at: self.entered_scope_at,
            left_scope_at: self.left_scope_at,
            scans: self
                .points
                .iter()
                .enumerate()
                .map(|(index, point)| ScanPoint {
                    at: point.at,
                    ratio: point.ratio,
                    missing: point.missing.clone(),
                    categories: if index == last {
                        self.latest_categories.clone()
                    } else {
                        BTreeMap::new()
                    },
                    reliance: Default::default(),
                })
                .collect(),
            pulls: self.pulls.clone(),
            runs: Vec::new(),
        }
    }
}

/// One repository's row of the read model.
#[derive(Debug, Clone, PartialEq)]
pub struct RepoRollup {
    pub timeline: Timeline,
    /// Its line of the report as computed; [`summary_at`] brings it to a later moment.
    pub summary: RepoSummary,
    /// Both hold until this moment unless something is recorded ([`next_change_after`]);
    /// `None`: until something is recorded.
    pub valid_until: Option<i64>,
}

/// The read-model row of a repository's raw record at `now`.
pub fn rollup(raw: &RepoHistory, rules: &ScannerRules, now: i64) -> RepoRollup {
    let effective = raw.effective(rules, now);
    RepoRollup {
        summary: summary(raw, &effective, rules, now),
        timeline: Timeline::of(&effective),
        valid_until: next_change_after(&raw.scans, &raw.runs, now),
    }
}

/// A repository's line at `now` (before the row's `valid_until`): the numbers that
/// depend on the moment (uptime over the last 90 days, time to full coverage) are read
/// again from the timeline.
pub fn summary_at(mut line: RepoSummary, timeline: &Timeline, now: i64) -> RepoSummary {
    let history = timeline.history(0);
    let (covered, known) = history.uptime_seconds(now - 90 * DAY, now);
    line.uptime_90d = percent_of(covered, known);
    line.time_to_full_coverage = history.time_to_full_coverage(now);
    line
}

/// The organisation's report from its read-model rows at `now` (each still valid), with
/// `page` as its repository lines.
pub fn org_report_from_rows(
    org: &str,
    timelines: &[Timeline],
    broken: BrokenTally,
    page: Vec<RepoSummary>,
    now: i64,
) -> OrgReport {
    let histories: Vec<RepoHistory> = timelines
        .iter()
        .enumerate()
        .map(|(index, timeline)| timeline.history(i64::try_from(index).unwrap_or(i64::MAX)))
        .collect();
    OrgReport {
        repos: page,
        ..org_aggregates(org, &histories, broken, now)
    }
}

#[cfg(test)]
#[path = "rollup_tests.rs"]
mod tests;
