//! Coverage over time, computed from the record: coverage now (M8), coverage uptime
//! (M9), time to full AppSec coverage (M10), time to restore coverage (M13) and the
//! onboarding funnel, per repository and per organisation. Pure: the store loads a
//! [`RepoHistory`] per repository, this turns them into a report at a given time.
//!
//! A repository is fully covered when its latest scan satisfies every requirement with a
//! scanner that runs ([`scanner_state`]): every metric reads the effective timeline, in
//! which a failing or stale scanner breaks what it covers. Its coverage is unknown from
//! entering scope until its first scan; unknown time counts in no uptime. Definitions
//! follow docs/metrics.md.

pub mod queue;
pub mod rollup;
pub mod scanner_state;
pub mod security;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use self::scanner_state::{
    GRACE, RUN_WINDOW, RecordedRun, Reliance, RequirementState, RunSource, ScannerState,
    ScannerStatus,
};
use crate::rules::compiled::scanners::ScannerRules;

pub const HOUR: i64 = 3_600;
pub const DAY: i64 = 86_400;

/// A covered spell shorter than this that ended is a flap, not full coverage (M10).
pub const STABLE: i64 = DAY;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ratio {
    pub required: u64,
    pub satisfied: u64,
}

impl Ratio {
    pub fn percent(&self) -> Option<f64> {
        (self.required > 0).then(|| round1(self.satisfied as f64 * 100.0 / self.required as f64))
    }

    fn add(&mut self, other: Ratio) {
        self.required += other.required;
        self.satisfied += other.satisfied;
    }
}

fn round1(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

/// One scan as the record keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct ScanPoint {
    pub at: i64,
    pub ratio: Ratio,
    pub missing: Vec<String>,
    pub categories: BTreeMap<String, Ratio>,
    /// What its satisfied requirements rely on; empty for scans recorded before it was.
    pub reliance: Reliance,
}

impl ScanPoint {
    pub fn fully_covered(&self) -> bool {
        self.ratio.satisfied >= self.ratio.required
    }
}

/// One onboarding pull request as the record keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PullPoint {
    pub number: i64,
    /// `open`, `merged` or `closed`.
    pub state: String,
    pub url: String,
    pub opened_at: i64,
    pub merged_at: Option<i64>,
    pub closed_at: Option<i64>,
}

/// Everything the record holds about one repository.
#[derive(Debug, Clone, PartialEq)]
pub struct RepoHistory {
    pub id: i64,
    pub full_name: String,
    /// Private repositories never show on public views, even for an organisation that
    /// made its status public.
    pub private: bool,
    /// The store's state: `pending`, `onboarding`, `covered`, `opted_out`, `excluded`.
    pub state: String,
    pub reason: Option<String>,
    pub entered_scope_at: i64,
    pub left_scope_at: Option<i64>,
    /// Oldest first.
    pub scans: Vec<ScanPoint>,
    /// Oldest first.
    pub pulls: Vec<PullPoint>,
    /// Runs recorded on the default branch, any order; [`scanner_state`] decides what
    /// they make of each scanner.
    pub runs: Vec<RecordedRun>,
}

/// A spell of time with one coverage state; `covered` is `None` while unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Spell {
    start: i64,
    end: i64,
    covered: Option<bool>,
}

impl RepoHistory {
    pub fn in_scope(&self) -> bool {
        self.state != "excluded"
    }

    fn scope_end(&self, now: i64) -> i64 {
        self.left_scope_at.map_or(now, |left| left.min(now))
    }

    pub fn latest(&self) -> Option<&ScanPoint> {
        self.scans.last()
    }

    pub fn fully_covered(&self) -> bool {
        self.latest().is_some_and(ScanPoint::fully_covered)
    }

    /// The same history with its scans as they count ([`scanner_state::effective_scans`]):
    /// what every metric reads.
    pub fn effective(&self, rules: &ScannerRules, now: i64) -> RepoHistory {
        RepoHistory {
            scans: scanner_state::effective_scans(&self.scans, &self.runs, rules, now),
            ..self.clone()
        }
    }

    /// The step function of coverage while in scope, up to `now`.
    /// The last spell may last no time at all: a scan made this very second still says
    /// where the repository stands now.
    fn spells(&self, now: i64) -> Vec<Spell> {
        let end = self.scope_end(now);
        let mut spells = Vec::new();
        let mut start = self.entered_scope_at;
        let mut covered = None;
        for scan in &self.scans {
            let at = scan.at.max(self.entered_scope_at);
            if at > end || (at == end && self.left_scope_at.is_some_and(|left| left <= now)) {
                break;
            }
            if at > start {
                spells.push(Spell {
                    start,
                    end: at,
                    covered,
                });
            }
            start = at;
            covered = Some(scan.fully_covered());
        }
        if end > start || (end == start && covered.is_some()) {
            spells.push(Spell {
                start,
                end,
                covered,
            });
        }
        spells
    }

    /// Whether the repository was in scope and fully covered at `t`; `None` if unknown.
    fn covered_at(&self, t: i64) -> Option<bool> {
        if t < self.entered_scope_at || self.left_scope_at.is_some_and(|left| t >= left) {
            return None;
        }
        self.scans
            .iter()
            .rev()
            .find(|scan| scan.at <= t)
            .map(ScanPoint::fully_covered)
    }

    fn in_scope_at(&self, t: i64) -> bool {
        t >= self.entered_scope_at && self.left_scope_at.is_none_or(|left| t < left)
    }

    /// M10: seconds from entering scope to full coverage that held (a spell that ended
    /// within [`STABLE`] is a flap). Zero when the first scan found it covered.
    pub fn time_to_full_coverage(&self, now: i64) -> Option<i64> {
        let spells = self.spells(now);
        let first_known = spells.iter().find(|spell| spell.covered.is_some())?;
        if first_known.covered == Some(true)
            && self.scans.first().is_some_and(ScanPoint::fully_covered)
        {
            return Some(0);
        }
        let ongoing_end = self.scope_end(now);
        merge_covered(&spells)
            .into_iter()
            .find(|(start, end)| *end == ongoing_end || end - start >= STABLE)
            .map(|(start, _)| start - self.entered_scope_at)
    }

    /// M9: (covered seconds, known seconds) within [from, to).
    pub fn uptime_seconds(&self, from: i64, to: i64) -> (i64, i64) {
        let mut covered = 0;
        let mut known = 0;
        for spell in self.spells(to) {
            let start = spell.start.max(from);
            let end = spell.end.min(to);
            if end <= start {
                continue;
            }
            if let Some(is_covered) = spell.covered {
                known += end - start;
                if is_covered {
                    covered += end - start;
                }
            }
        }
        (covered, known)
    }

    /// M13: spells of lost coverage after it was once full: (broken at, restored at).
    pub fn incidents(&self, now: i64) -> Vec<Incident> {
        let spells = self.spells(now);
        let mut incidents = Vec::new();
        let mut was_covered = false;
        for (index, spell) in spells.iter().enumerate() {
            match spell.covered {
                Some(true) => was_covered = true,
                Some(false) if was_covered => {
                    let previous_not_covered =
                        index > 0 && spells[index - 1].covered == Some(false);
                    if !previous_not_covered {
                        let restored = spells[index..]
                            .iter()
                            .find(|later| later.covered == Some(true))
                            .map(|later| later.start);
                        let missing = self
                            .scans
                            .iter()
                            .find(|scan| scan.at.max(self.entered_scope_at) == spell.start)
                            .map(|scan| scan.missing.clone())
                            .unwrap_or_default();
                        incidents.push(Incident {
                            repository: self.full_name.clone(),
                            broken_at: spell.start,
                            restored_at: restored,
                            missing,
                        });
                    }
                }
                _ => {}
            }
        }
        incidents
    }
}

/// Joins adjacent covered spells: (start, end) of each stretch of full coverage.
fn merge_covered(spells: &[Spell]) -> Vec<(i64, i64)> {
    let mut stretches: Vec<(i64, i64)> = Vec::new();
    for spell in spells.iter().filter(|spell| spell.covered == Some(true)) {
        match stretches.last_mut() {
            Some(last) if last.1 == spell.start => last.1 = spell.end,
            _ => stretches.push((spell.start, spell.end)),
        }
    }
    stretches
}

/// A coverage incident (M13).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Incident {
    pub repository: String,
    pub broken_at: i64,
    pub restored_at: Option<i64>,
    /// What the scan that broke coverage found missing.
    pub missing: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PullRef {
    pub number: i64,
    pub state: String,
    pub url: String,
}

/// One repository's line in the organisation's report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RepoSummary {
    pub name: String,
    pub full_name: String,
    pub private: bool,
    pub state: String,
    pub reason: Option<String>,
    pub in_scope: bool,
    pub scanned: bool,
    pub fully_covered: bool,
    pub coverage_percent: Option<f64>,
    pub requirements: Ratio,
    pub missing: Vec<String>,
    pub categories: BTreeMap<String, Ratio>,
    pub onboarding_pr: Option<PullRef>,
    /// Seconds, M10.
    pub time_to_full_coverage: Option<i64>,
    /// Percent, M9 over 90 days.
    pub uptime_90d: Option<f64>,
    /// The names of the runs (checks, workflows) behind the running scanners, sorted.
    pub active_checks: Vec<String>,
    /// The display names of the scanners in the `running` state, sorted.
    pub active_scanners: Vec<String>,
    /// Each satisfied requirement of the latest scan with its scanner's state and why.
    pub requirement_states: Vec<RequirementState>,
    /// The scanners those requirements rely on, with their states.
    pub scanner_states: Vec<ScannerStatus>,
    /// Requirements the latest scan found configured but whose scanner is broken.
    pub broken: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Funnel {
    pub opened: u64,
    pub open: u64,
    pub merged: u64,
    pub closed: u64,
    /// Seconds from opening to merging, median over merged pull requests.
    pub median_time_to_merge: Option<i64>,
}

/// The organisation's coverage at one UTC day's end.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HistoryPoint {
    /// Unix seconds of the moment measured (the day's end, or now for today).
    pub at: i64,
    pub date: String,
    pub repos_in_scope: u64,
    pub repos_fully_covered: u64,
    pub requirements: Ratio,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bucket {
    pub label: &'static str,
    pub count: u64,
}

/// Everything the dashboard, the API, the badges and `fullcover report` show.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrgReport {
    pub org: String,
    pub generated_at: i64,
    pub repos_in_scope: u64,
    pub repos_fully_covered: u64,
    /// Fully covered repositories in scope, percent (M8).
    pub coverage_percent: Option<f64>,
    pub requirements: Ratio,
    pub requirements_percent: Option<f64>,
    pub categories: BTreeMap<String, Ratio>,
    /// Seconds from the first repository entering scope until every repository in scope
    /// was fully covered (M10, org); null until that happens.
    pub time_to_full_coverage: Option<i64>,
    /// Same, until 90% of them were.
    pub time_to_90_percent: Option<i64>,
    /// Median over repositories that reached full coverage (M10, repo).
    pub median_time_to_full_coverage: Option<i64>,
    /// Percent (M9), repo-time weighted.
    pub uptime_30d: Option<f64>,
    pub uptime_90d: Option<f64>,
    /// Median seconds to restore coverage over incidents restored in the last 90 days (M13).
    pub median_time_to_restore: Option<i64>,
    pub open_incidents: u64,
    /// Repositories in scope with a requirement broken by a failing, stale or never-run
    /// scanner, and those requirements in all.
    pub repos_with_broken_scanners: u64,
    pub requirements_broken: u64,
    pub incidents: Vec<Incident>,
    pub funnel: Funnel,
    pub history: Vec<HistoryPoint>,
    pub time_to_full_coverage_distribution: Vec<Bucket>,
    pub repos: Vec<RepoSummary>,
}

fn median(mut values: Vec<i64>) -> Option<i64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let middle = values.len() / 2;
    Some(if values.len() % 2 == 1 {
        values[middle]
    } else {
        (values[middle - 1] + values[middle]) / 2
    })
}

pub(crate) fn percent_of(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| round1(part as f64 * 100.0 / whole as f64))
}

/// The organisation's report at `now`; `rules` name the scanners of the check runs. The
/// reference for every aggregate: [`rollup`] gives the same numbers from one compact row
/// per repository.
pub fn org_report(org: &str, raw: &[RepoHistory], rules: &ScannerRules, now: i64) -> OrgReport {
    let effective: Vec<RepoHistory> = raw.iter().map(|repo| repo.effective(rules, now)).collect();
    let repos: Vec<RepoSummary> = raw
        .iter()
        .zip(&effective)
        .map(|(raw, effective)| summary(raw, effective, rules, now))
        .collect();
    let mut broken = BrokenTally::default();
    for repo in &repos {
        broken.add(repo);
    }
    OrgReport {
        repos,
        ..org_aggregates(org, &effective, broken, now)
    }
}

/// Repositories in scope with a requirement broken by a failing, stale or never-run
/// scanner, and those requirements in all.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BrokenTally {
    pub repos: u64,
    pub requirements: u64,
}

impl BrokenTally {
    pub fn add(&mut self, repo: &RepoSummary) {
        if repo.in_scope && !repo.broken.is_empty() {
            self.repos += 1;
            self.requirements += repo.broken.len() as u64;
        }
    }
}

/// Every number of the organisation's report but its repository lines (`repos` is
/// empty), from the repositories' effective histories.
pub fn org_aggregates(
    org: &str,
    repos: &[RepoHistory],
    broken: BrokenTally,
    now: i64,
) -> OrgReport {
    let in_scope: Vec<&RepoHistory> = repos.iter().filter(|repo| repo.in_scope()).collect();
    let mut requirements = Ratio::default();
    let mut categories: BTreeMap<String, Ratio> = BTreeMap::new();
    for repo in &in_scope {
        if let Some(latest) = repo.latest() {
            requirements.add(latest.ratio);
            for (name, ratio) in &latest.categories {
                categories.entry(name.clone()).or_default().add(*ratio);
            }
        }
    }
    let fully_covered = in_scope.iter().filter(|repo| repo.fully_covered()).count() as u64;
    let uptime = |days: i64| {
        let (covered, known) = in_scope.iter().fold((0, 0), |(c, k), repo| {
            let (rc, rk) = repo.uptime_seconds(now - days * DAY, now);
            (c + rc, k + rk)
        });
        percent_of(covered, known)
    };
    let incidents: Vec<Incident> = in_scope
        .iter()
        .flat_map(|repo| repo.incidents(now))
        .collect();
    let restore_times: Vec<i64> = incidents
        .iter()
        .filter_map(|incident| incident.restored_at.map(|restored| (incident, restored)))
        .filter(|(_, restored)| *restored >= now - 90 * DAY)
        .map(|(incident, restored)| restored - incident.broken_at)
        .collect();
    let ttfc: Vec<Option<i64>> = in_scope
        .iter()
        .map(|repo| repo.time_to_full_coverage(now))
        .collect();
    let start = repos.iter().map(|repo| repo.entered_scope_at).min();
    OrgReport {
        org: org.to_owned(),
        generated_at: now,
        repos_in_scope: in_scope.len() as u64,
        repos_fully_covered: fully_covered,
        coverage_percent: percent_of(fully_covered as i64, in_scope.len() as i64),
        requirements,
        requirements_percent: requirements.percent(),
        categories,
        time_to_full_coverage: start.and_then(|start| time_to_share(repos, start, now, 1.0)),
        time_to_90_percent: start.and_then(|start| time_to_share(repos, start, now, 0.9)),
        median_time_to_full_coverage: median(ttfc.iter().flatten().copied().collect()),
        uptime_30d: uptime(30),
        uptime_90d: uptime(90),
        median_time_to_restore: median(restore_times),
        open_incidents: incidents.iter().filter(|i| i.restored_at.is_none()).count() as u64,
        repos_with_broken_scanners: broken.repos,
        requirements_broken: broken.requirements,
        incidents,
        funnel: funnel(repos),
        history: start.map_or_else(Vec::new, |start| history(repos, start, now)),
        time_to_full_coverage_distribution: distribution(&ttfc),
        repos: Vec::new(),
    }
}

/// One repository's line: `raw` as recorded, `repo` as it counts.
pub(crate) fn summary(
    raw: &RepoHistory,
    repo: &RepoHistory,
    rules: &ScannerRules,
    now: i64,
) -> RepoSummary {
    let latest = repo.latest();
    let standing = scanner_state::effective_now(&raw.scans, &raw.runs, rules, now);
    let (requirement_states, scanner_states) = standing.map_or_else(Default::default, |point| {
        (point.requirements, point.scanners)
    });
    let running: Vec<&ScannerStatus> = scanner_states
        .iter()
        .filter(|status| status.state == ScannerState::Running)
        .collect();
    let mut active_scanners: Vec<String> =
        running.iter().map(|status| status.name.clone()).collect();
    active_scanners.sort();
    active_scanners.dedup();
    let mut active_checks: Vec<String> = running
        .iter()
        .filter_map(|status| status.last_run.as_ref().map(|run| run.name.clone()))
        .collect();
    active_checks.sort();
    active_checks.dedup();
    let broken = requirement_states
        .iter()
        .filter(|state| !state.satisfied)
        .map(|state| state.requirement.clone())
        .collect();
    let (covered, known) = repo.uptime_seconds(now - 90 * DAY, now);
    RepoSummary {
        name: repo
            .full_name
            .rsplit('/')
            .next()
            .unwrap_or(&repo.full_name)
            .to_owned(),
        full_name: repo.full_name.clone(),
        private: repo.private,
        state: repo.state.clone(),
        reason: repo.reason.clone(),
        in_scope: repo.in_scope(),
        scanned: latest.is_some(),
        fully_covered: repo.fully_covered(),
        coverage_percent: latest.and_then(|scan| scan.ratio.percent()),
        requirements: latest.map(|scan| scan.ratio).unwrap_or_default(),
        missing: latest.map(|scan| scan.missing.clone()).unwrap_or_default(),
        categories: latest
            .map(|scan| scan.categories.clone())
            .unwrap_or_default(),
        onboarding_pr: repo.pulls.last().map(|pull| PullRef {
            number: pull.number,
            state: pull.state.clone(),
            url: pull.url.clone(),
        }),
        time_to_full_coverage: repo.time_to_full_coverage(now),
        uptime_90d: percent_of(covered, known),
        active_checks,
        active_scanners,
        requirement_states,
        scanner_states,
        broken,
    }
}

/// Seconds from `start` until the share of in-scope repositories fully covered first
/// reached `share` (with at least one repository in scope). One sweep over every change
/// of scope or coverage, in time order.
fn time_to_share(repos: &[RepoHistory], start: i64, now: i64, share: f64) -> Option<i64> {
    enum Change {
        Enter,
        Leave,
        Scan(bool),
    }
    let mut changes: Vec<(i64, usize, Change)> = Vec::new();
    for (index, repo) in repos.iter().enumerate() {
        changes.push((repo.entered_scope_at, index, Change::Enter));
        if let Some(left) = repo.left_scope_at {
            changes.push((left, index, Change::Leave));
        }
        for scan in &repo.scans {
            changes.push((scan.at, index, Change::Scan(scan.fully_covered())));
        }
    }
    changes.retain(|(at, _, _)| *at <= now);
    changes.sort_by_key(|(at, _, _)| *at);
    let mut in_scope = vec![false; repos.len()];
    let mut covered = vec![false; repos.len()];
    let (mut scoped, mut full) = (0usize, 0usize);
    let mut next = 0;
    while next < changes.len() {
        let at = changes[next].0;
        while next < changes.len() && changes[next].0 == at {
            let (_, index, change) = &changes[next];
            let index = *index;
            match change {
                Change::Enter if !in_scope[index] => {
                    in_scope[index] = true;
                    scoped += 1;
                    full += usize::from(covered[index]);
                }
                Change::Leave if in_scope[index] => {
                    in_scope[index] = false;
                    scoped -= 1;
                    full -= usize::from(covered[index]);
                }
                Change::Scan(now_covered) => {
                    if in_scope[index] && covered[index] != *now_covered {
                        if *now_covered {
                            full += 1;
                        } else {
                            full -= 1;
                        }
                    }
                    covered[index] = *now_covered;
                }
                _ => {}
            }
            next += 1;
        }
        if scoped > 0 && full as f64 >= share * scoped as f64 - 1e-9 {
            return Some(at - start);
        }
    }
    None
}

fn funnel(repos: &[RepoHistory]) -> Funnel {
    let pulls: Vec<&PullPoint> = repos.iter().flat_map(|repo| &repo.pulls).collect();
    let count = |state: &str| pulls.iter().filter(|pull| pull.state == state).count() as u64;
    Funnel {
        opened: pulls.len() as u64,
        open: count("open"),
        merged: count("merged"),
        closed: count("closed"),
        median_time_to_merge: median(
            pulls
                .iter()
                .filter_map(|pull| pull.merged_at.map(|merged| merged - pull.opened_at))
                .collect(),
        ),
    }
}

/// The organisation at each UTC day's end from the first day in scope (at most 90 days
/// back) to now.
fn history(repos: &[RepoHistory], start: i64, now: i64) -> Vec<HistoryPoint> {
    let first_day = (start.max(now - 89 * DAY)).div_euclid(DAY);
    let last_day = now.div_euclid(DAY);
    (first_day..=last_day)
        .map(|day| {
            let at = ((day + 1) * DAY - 1).min(now);
            let mut point = HistoryPoint {
                at,
                date: chrono::DateTime::from_timestamp(day * DAY, 0)
                    .map(|date| date.format("%Y-%m-%d").to_string())
                    .unwrap_or_default(),
                repos_in_scope: 0,
                repos_fully_covered: 0,
                requirements: Ratio::default(),
            };
            for repo in repos.iter().filter(|repo| repo.in_scope_at(at)) {
                point.repos_in_scope += 1;
                if repo.covered_at(at) == Some(true) {
                    point.repos_fully_covered += 1;
                }
                if let Some(scan) = repo.scans.iter().rev().find(|scan| scan.at <= at) {
                    point.requirements.add(scan.ratio);
                }
            }
            point
        })
        .collect()
}

fn distribution(ttfc: &[Option<i64>]) -> Vec<Bucket> {
    let bounds: [(&'static str, i64); 4] = [
        ("≤ 1 day", DAY),
        ("≤ 7 days", 7 * DAY),
        ("≤ 30 days", 30 * DAY),
        ("> 30 days", i64::MAX),
    ];
    let mut buckets: Vec<Bucket> = bounds
        .iter()
        .map(|(label, _)| Bucket { label, count: 0 })
        .collect();
    let mut never = 0;
    for value in ttfc {
        match value {
            Some(seconds) => {
                if let Some(index) = bounds.iter().position(|(_, bound)| seconds <= bound) {
                    buckets[index].count += 1;
                }
            }
            None => never += 1,
        }
    }
    buckets.push(Bucket {
        label: "not yet",
        count: never,
    });
    buckets
}

/// A duration for people: `3d 4h`, `5h 10m`, `42s`.
pub fn human_duration(seconds: i64) -> String {
    let seconds = seconds.max(0);
    let (days, hours, minutes) = (seconds / DAY, (seconds % DAY) / HOUR, (seconds % HOUR) / 60);
    match (days, hours, minutes) {
        (0, 0, 0) => format!("{seconds}s"),
        (0, 0, m) => format!("{m}m"),
        (0, h, m) => format!("{h}h {m}m"),
        (d, h, _) => format!("{d}d {h}h"),
    }
}

#[cfg(test)]
mod tests;
