//! Whether the scanners a repository relies on run: each one's state (configured,
//! running, failing, stale) from the runs recorded on its default branch, and the
//! requirement-by-requirement verdict the coverage metrics count. The one definition of
//! a scanner that runs, used by every metric, the dashboard and the API alike.
//!
//! A requirement counts as satisfied while one of the scanners that cover it is
//! configured for at most [`GRACE`] without a run, or running. A scanner that is failing
//! (its latest run failed or was cancelled) or stale (no run in [`RUN_WINDOW`] although
//! a scheduled run was seen) breaks it, from the moment that happened. A scanner that runs
//! outside GitHub Actions (Dependabot's own updates, a bot, a hook) has no run to observe:
//! it stays configured and counts.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::{DAY, HOUR, human_duration};
use crate::evaluate::Status;
use crate::report::ScanReport;
use crate::rules::compiled::scanners::ScannerRules;

/// How long a configured scanner counts without any run seen.
pub const GRACE: i64 = 48 * HOUR;
/// How recent the latest run of a scheduled scanner must be.
pub const RUN_WINDOW: i64 = 14 * DAY;

/// Where workflows live: a scanner with evidence there runs in GitHub Actions.
const WORKFLOWS_DIR: &str = ".github/workflows/";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ScannerState {
    /// On the default branch, no run seen yet.
    Configured,
    /// Its latest default-branch run succeeded (within the window when scheduled).
    Running,
    /// Its latest default-branch run failed or was cancelled.
    Failing,
    /// Scheduled, yet no run in [`RUN_WINDOW`].
    Stale,
}

impl ScannerState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Configured => "configured",
            Self::Running => "running",
            Self::Failing => "failing",
            Self::Stale => "stale",
        }
    }
}

/// What reported a run.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum RunSource {
    /// A check run, by its name.
    Check(String),
    /// A workflow run, by the workflow file's path and its display name.
    Workflow { path: String, name: String },
}

impl RunSource {
    fn label(&self) -> &str {
        match self {
            Self::Check(name) => name,
            Self::Workflow { name, .. } => name,
        }
    }
}

/// A completed run on the default branch as the record keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRun {
    pub source: RunSource,
    /// GitHub's conclusion: `success`, `failure`, `cancelled`, ...
    pub conclusion: String,
    /// Unix seconds.
    pub completed_at: i64,
    /// The workflow run's triggering event (`schedule`, `push`), when known.
    pub event: Option<String>,
    pub branch: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Passed,
    Failed,
}

/// What a run's conclusion says about its scanner: passed (`Some(true)`), failed
/// (`Some(false)`: failure, cancelled, timed out, never started), or nothing (`None`:
/// skipped, waiting for approval, superseded).
pub fn verdict(conclusion: &str) -> Option<bool> {
    match conclusion {
        "success" | "neutral" => Some(true),
        "failure" | "cancelled" | "timed_out" | "startup_failure" => Some(false),
        _ => None,
    }
}

impl RecordedRun {
    fn outcome(&self) -> Option<Outcome> {
        verdict(&self.conclusion).map(|passed| {
            if passed {
                Outcome::Passed
            } else {
                Outcome::Failed
            }
        })
    }
}

/// What one scan's satisfied requirements rely on (stored with the scan).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reliance {
    /// Satisfied requirement id → what covers it.
    pub requirements: BTreeMap<String, ReliedRequirement>,
    /// Scanner id → how it runs.
    pub scanners: BTreeMap<String, ScannerSeen>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReliedRequirement {
    /// Its category (`sast`, `sca`, ...), as the scan's per-category ratios name it.
    pub category: String,
    /// The ids of the scanners that cover it.
    pub scanners: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScannerSeen {
    /// Display name (`CodeQL`).
    pub name: String,
    /// The workflow files that run it; empty when it runs outside GitHub Actions.
    pub workflows: Vec<String>,
}

impl Reliance {
    /// What the report's satisfied requirements rely on.
    pub fn from_report(report: &ScanReport) -> Self {
        let mut requirements = BTreeMap::new();
        let mut used: BTreeSet<&str> = BTreeSet::new();
        for requirement in &report.requirements {
            if requirement.status != Status::Satisfied {
                continue;
            }
            used.extend(requirement.satisfied_by.iter().map(String::as_str));
            requirements.insert(
                requirement.id.clone(),
                ReliedRequirement {
                    category: category_name(requirement.category),
                    scanners: requirement.satisfied_by.clone(),
                },
            );
        }
        let mut scanners: BTreeMap<String, ScannerSeen> = BTreeMap::new();
        for entry in report
            .scanners
            .iter()
            .filter(|entry| used.contains(entry.id.as_str()))
        {
            let seen = scanners
                .entry(entry.id.clone())
                .or_insert_with(|| ScannerSeen {
                    name: entry.name.clone(),
                    workflows: Vec::new(),
                });
            for evidence in &entry.evidence {
                if evidence.path.starts_with(WORKFLOWS_DIR)
                    && !seen.workflows.contains(&evidence.path)
                {
                    seen.workflows.push(evidence.path.clone());
                }
            }
        }
        for seen in scanners.values_mut() {
            seen.workflows.sort();
        }
        Self {
            requirements,
            scanners,
        }
    }
}

fn category_name(category: crate::rules::schema::Category) -> String {
    serde_json::to_value(category)
        .ok()
        .and_then(|value| value.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// The run that decided a state, for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecidingRun {
    /// The check's or the workflow's name.
    pub name: String,
    pub conclusion: String,
    pub branch: String,
    pub completed_at: i64,
}

/// One scanner's state at a moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScannerStatus {
    pub id: String,
    pub name: String,
    pub state: ScannerState,
    /// When it entered this state.
    pub since: i64,
    /// Whether it counts for coverage.
    pub counts: bool,
    /// When it stopped counting, if it does not.
    pub broken_at: Option<i64>,
    /// Whether its runs can be seen (it runs in GitHub Actions).
    pub observable: bool,
    pub last_run: Option<DecidingRun>,
}

/// The scanners (by id) that a run reports, per the scan in effect.
fn reported_by<'a>(
    run: &RecordedRun,
    reliance: &'a Reliance,
    rules: &ScannerRules,
) -> Vec<&'a str> {
    match &run.source {
        RunSource::Check(name) => rules
            .reporting(name)
            .into_iter()
            .filter_map(|rule| {
                reliance
                    .scanners
                    .get_key_value(&rule.id)
                    .map(|(id, _)| id.as_str())
            })
            .collect(),
        RunSource::Workflow { path, .. } => reliance
            .scanners
            .iter()
            .filter(|(_, seen)| seen.workflows.iter().any(|workflow| workflow == path))
            .map(|(id, _)| id.as_str())
            .collect(),
    }
}

/// The state at `at` of a scanner configured since `configured_since`, from its runs
/// (any order; those after `at` are ignored).
pub fn scanner_status(
    id: &str,
    seen: &ScannerSeen,
    configured_since: i64,
    runs: &[&RecordedRun],
    at: i64,
) -> ScannerStatus {
    let observable = !seen.workflows.is_empty();
    let mut decisive: Vec<(&RecordedRun, Outcome)> = runs
        .iter()
        .filter(|run| run.completed_at <= at)
        .filter_map(|run| run.outcome().map(|outcome| (*run, outcome)))
        .collect();
    decisive.sort_by(|a, b| {
        a.0.completed_at
            .cmp(&b.0.completed_at)
            .then_with(|| a.0.source.cmp(&b.0.source))
    });
    let status = |state, since, broken_at: Option<i64>, last: Option<&RecordedRun>| ScannerStatus {
        id: id.to_owned(),
        name: seen.name.clone(),
        state,
        since,
        counts: broken_at.is_none(),
        broken_at,
        observable,
        last_run: last.map(|run| DecidingRun {
            name: run.source.label().to_owned(),
            conclusion: run.conclusion.clone(),
            branch: run.branch.clone(),
            completed_at: run.completed_at,
        }),
    };
    let Some(&(latest, _)) = decisive.last() else {
        let overdue = configured_since + GRACE;
        let broken_at = (observable && at >= overdue).then_some(overdue);
        return status(ScannerState::Configured, configured_since, broken_at, None);
    };
    // Each source's own latest verdict; sources silent for a window before the latest
    // run (a renamed check, a removed job) no longer speak.
    let mut by_source: BTreeMap<&RunSource, Vec<(&RecordedRun, Outcome)>> = BTreeMap::new();
    for &(run, outcome) in &decisive {
        by_source
            .entry(&run.source)
            .or_default()
            .push((run, outcome));
    }
    let mut failing_since: Option<(i64, &RecordedRun)> = None;
    let mut passing_since = i64::MIN;
    for history in by_source.values() {
        let Some(&(last, last_outcome)) = history.last() else {
            continue;
        };
        if last.completed_at < latest.completed_at - RUN_WINDOW {
            continue;
        }
        // The streak the source is in began after its last run of the other outcome.
        let streak_start = history
            .iter()
            .rev()
            .take_while(|(_, outcome)| *outcome == last_outcome)
            .last()
            .map_or(last.completed_at, |(run, _)| run.completed_at);
        match last_outcome {
            Outcome::Failed => {
                if failing_since.is_none_or(|(since, _)| streak_start < since) {
                    failing_since = Some((streak_start, last));
                }
            }
            Outcome::Passed => passing_since = passing_since.max(streak_start),
        }
    }
    if let Some((since, last)) = failing_since {
        return status(ScannerState::Failing, since, Some(since), Some(last));
    }
    let scheduled = decisive
        .iter()
        .any(|(run, _)| run.event.as_deref() == Some("schedule"));
    let stale_from = latest.completed_at + RUN_WINDOW;
    if scheduled && at >= stale_from {
        return status(
            ScannerState::Stale,
            stale_from,
            Some(stale_from),
            Some(latest),
        );
    }
    let since = if passing_since == i64::MIN {
        latest.completed_at
    } else {
        passing_since
    };
    status(ScannerState::Running, since, None, Some(latest))
}

/// One requirement's state: that of the best of the scanners it relies on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequirementState {
    pub requirement: String,
    pub category: String,
    pub state: ScannerState,
    /// Whether it counts as satisfied.
    pub satisfied: bool,
    /// Since when it has been in this state (for a broken one: when it broke).
    pub since: i64,
    /// The scanner that decides it.
    pub scanner: String,
    /// One line for people: "CodeQL failed on main at 2026-12-01 14:02 UTC (CodeQL)".
    /// It names moments, never ages, so that it holds until the state changes.
    pub why: String,
}

/// Each scanner of a scan in effect, with its state at `at`. `configured_since` gives,
/// per scanner id, when it was first seen in the unbroken run of scans up to this one.
fn statuses(
    reliance: &Reliance,
    configured_since: &BTreeMap<String, i64>,
    runs: &[RecordedRun],
    rules: &ScannerRules,
    at: i64,
) -> BTreeMap<String, ScannerStatus> {
    let mut attributed: BTreeMap<&str, Vec<&RecordedRun>> = BTreeMap::new();
    for run in runs.iter().filter(|run| run.completed_at <= at) {
        for id in reported_by(run, reliance, rules) {
            attributed.entry(id).or_default().push(run);
        }
    }
    reliance
        .scanners
        .iter()
        .map(|(id, seen)| {
            let since = configured_since.get(id).copied().unwrap_or(at);
            let runs = attributed.get(id.as_str()).map_or(&[][..], Vec::as_slice);
            (id.clone(), scanner_status(id, seen, since, runs, at))
        })
        .collect()
}

/// The requirements of `reliance` with their states at `at`, sorted by id. A
/// requirement whose scanners are unknown to the record (an old scan) counts as the scan
/// said.
fn requirement_states(
    reliance: &Reliance,
    statuses: &BTreeMap<String, ScannerStatus>,
) -> Vec<RequirementState> {
    reliance
        .requirements
        .iter()
        .filter_map(|(id, relied)| {
            let best = relied
                .scanners
                .iter()
                .filter_map(|scanner| statuses.get(scanner))
                .max_by_key(|status| {
                    (
                        status.counts,
                        status.state == ScannerState::Running,
                        status.broken_at,
                    )
                })?;
            Some(RequirementState {
                requirement: id.clone(),
                category: relied.category.clone(),
                state: best.state,
                satisfied: best.counts,
                since: best.broken_at.unwrap_or(best.since),
                scanner: best.name.clone(),
                why: why(best),
            })
        })
        .collect()
}

/// The reason for a state, for people.
fn why(status: &ScannerStatus) -> String {
    let when = |at: i64| {
        chrono::DateTime::from_timestamp(at, 0)
            .map(|date| date.format("%Y-%m-%d %H:%M UTC").to_string())
            .unwrap_or_default()
    };
    let name = &status.name;
    match (&status.last_run, status.state) {
        (None, _) if !status.observable => {
            format!("{name} runs outside GitHub Actions: configured, its runs cannot be seen")
        }
        (None, _) => match status.broken_at {
            Some(_) => format!(
                "{name} configured at {}, no run seen within {}",
                when(status.since),
                human_duration(GRACE)
            ),
            None => format!(
                "{name} configured at {}, no run seen yet",
                when(status.since)
            ),
        },
        (Some(run), ScannerState::Failing) => format!(
            "{name} {} on {} at {} ({})",
            verb(&run.conclusion),
            run.branch,
            when(run.completed_at),
            run.name
        ),
        (Some(run), ScannerState::Stale) => format!(
            "{name} is scheduled but last ran on {} at {}",
            run.branch,
            when(run.completed_at)
        ),
        (Some(run), _) => format!(
            "{name} succeeded on {} at {} ({})",
            run.branch,
            when(run.completed_at),
            run.name
        ),
    }
}

fn verb(conclusion: &str) -> &str {
    match conclusion {
        "cancelled" => "was cancelled",
        "timed_out" => "timed out",
        "startup_failure" => "failed to start",
        _ => "failed",
    }
}

/// One moment of the effective timeline: the scan in effect, and what counts of it.
#[derive(Debug, Clone, PartialEq)]
pub struct EffectivePoint {
    pub at: i64,
    pub requirements: Vec<RequirementState>,
    pub scanners: Vec<ScannerStatus>,
}

/// Per scan, when each of its scanners was first seen in the unbroken run of scans
/// ending with it.
fn configured_since(scans: &[super::ScanPoint]) -> Vec<BTreeMap<String, i64>> {
    let mut out: Vec<BTreeMap<String, i64>> = Vec::with_capacity(scans.len());
    for scan in scans {
        let previous = out.last();
        let since = scan
            .reliance
            .scanners
            .keys()
            .map(|id| {
                let first = previous
                    .and_then(|previous| previous.get(id))
                    .copied()
                    .unwrap_or(scan.at);
                (id.clone(), first)
            })
            .collect();
        out.push(since);
    }
    out
}

/// Every moment at which the effective coverage can change, unsorted: scans, runs, and
/// the ends of [`RUN_WINDOW`] and [`GRACE`] they start.
fn change_times(scans: &[super::ScanPoint], runs: &[RecordedRun]) -> Vec<i64> {
    let mut times: Vec<i64> = scans.iter().map(|scan| scan.at).collect();
    for run in runs {
        times.push(run.completed_at);
        times.push(run.completed_at.saturating_add(RUN_WINDOW));
    }
    for since in configured_since(scans) {
        times.extend(since.values().map(|at| at.saturating_add(GRACE)));
    }
    times
}

/// The moments at which the effective coverage can change, up to `now`.
fn breakpoints(scans: &[super::ScanPoint], runs: &[RecordedRun], now: i64) -> Vec<i64> {
    let Some(first) = scans.first().map(|scan| scan.at) else {
        return Vec::new();
    };
    let mut times = change_times(scans, runs);
    times.retain(|at| *at >= first && *at <= now);
    times.sort_unstable();
    times.dedup();
    times
}

/// The first moment after `now` at which the effective coverage can change with no new
/// scan or run recorded (a grace period or a run window ending); `None` if nothing would.
/// Until then, [`effective_scans`] and [`effective_now`] answer as they do at `now`.
pub fn next_change_after(
    scans: &[super::ScanPoint],
    runs: &[RecordedRun],
    now: i64,
) -> Option<i64> {
    let first = scans.first()?.at;
    change_times(scans, runs)
        .into_iter()
        .filter(|at| *at > now && *at >= first)
        .min()
}

/// The scans as they count: a copy of the scan in effect at every moment its effective
/// coverage changed, with the requirements whose scanners are broken moved to `missing`
/// (its ratio and categories lowered to match). Oldest first.
pub fn effective_scans(
    scans: &[super::ScanPoint],
    runs: &[RecordedRun],
    rules: &ScannerRules,
    now: i64,
) -> Vec<super::ScanPoint> {
    let since = configured_since(scans);
    let mut out: Vec<super::ScanPoint> = Vec::new();
    let mut index = 0;
    for at in breakpoints(scans, runs, now) {
        while index + 1 < scans.len() && scans[index + 1].at <= at {
            index += 1;
        }
        let scan = &scans[index];
        let states = statuses(&scan.reliance, &since[index], runs, rules, at);
        let mut point = scan.clone();
        point.at = at;
        for state in requirement_states(&scan.reliance, &states) {
            if state.satisfied || point.missing.contains(&state.requirement) {
                continue;
            }
            point.ratio.satisfied = point.ratio.satisfied.saturating_sub(1);
            if let Some(ratio) = point.categories.get_mut(&state.category) {
                ratio.satisfied = ratio.satisfied.saturating_sub(1);
            }
            point.missing.push(state.requirement);
        }
        let unchanged = out
            .last()
            .is_some_and(|last| last.missing == point.missing && last.ratio == point.ratio);
        if !unchanged {
            out.push(point);
        }
    }
    out
}

/// Where the repository stands at `now`: the latest scan's requirements and scanners
/// with their states; `None` before the first scan.
pub fn effective_now(
    scans: &[super::ScanPoint],
    runs: &[RecordedRun],
    rules: &ScannerRules,
    now: i64,
) -> Option<EffectivePoint> {
    let index = scans.iter().rposition(|scan| scan.at <= now)?;
    let since = configured_since(&scans[..=index]);
    let scan = &scans[index];
    let states = statuses(&scan.reliance, since.last()?, runs, rules, now);
    Some(EffectivePoint {
        at: now,
        requirements: requirement_states(&scan.reliance, &states),
        scanners: states.into_values().collect(),
    })
}

#[cfg(test)]
#[path = "scanner_state_tests.rs"]
mod tests;
