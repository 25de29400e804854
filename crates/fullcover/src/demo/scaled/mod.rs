//! `fullcover demo seed`: a large synthetic record for one organisation, from the demo's
//! seeded stories scaled to N repositories over D days (deterministic for a seed). Each
//! repository is one of the demo's stacks and gets a daily scan, its requirement
//! events, an onboarding pull request (merged, closed or open), daily default-branch
//! runs of its scanners (some failing for a while), a few coverage incidents, findings
//! and merges. Rows are written in batches (multi-row INSERTs, one transaction per
//! batch of repositories), not through the App's one-row writes.
//!
//! Reports: one full report per distinct result of a repository; its unchanged daily
//! scans store the same text again, as the App would on a new commit with the same
//! result.

mod findings;
mod plan;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use anyhow::Context;
use fullcover_core::metrics::{DAY, HOUR, RecordedRun, RunSource};
use serde::Serialize;

use self::plan::{Pull, RepoPlan};
use super::history::{report, scanner_for};
use crate::store::{
    InstallationState, PullRequestEvent, PullRequestState, RepoState, Rows, RunRow, RunWrite,
    Store, place_run, reliance_of, requirement_changes,
};

pub const MAX_REPOS: u32 = 100_000;
pub const MAX_DAYS: u32 = 3_650;
/// Repositories written per transaction.
const REPOS_PER_BATCH: usize = 100;

#[derive(Debug, Clone)]
pub struct SeedOptions {
    pub org: String,
    pub repos: u32,
    pub days: u32,
    pub seed: u64,
    /// The record ends here (Unix seconds).
    pub now: i64,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SeedError {
    #[error("--repos must be between 1 and {MAX_REPOS}, not {0}")]
    Repos(u32),
    #[error("--days must be between 1 and {MAX_DAYS}, not {0}")]
    Days(u32),
    #[error("--org {0:?} is not a GitHub login (letters, digits and single hyphens, at most 39)")]
    OrgName(String),
    #[error(
        "the organisation {0:?} is already in this database; seed another name or a fresh database"
    )]
    OrgExists(String),
}

/// What a seed wrote.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Seeded {
    pub repositories: u64,
    pub scans: u64,
    pub requirement_events: u64,
    pub pull_requests: u64,
    pub run_rows: u64,
    pub findings: u64,
    pub merges: u64,
}

impl SeedOptions {
    pub fn check(&self) -> Result<(), SeedError> {
        if self.repos == 0 || self.repos > MAX_REPOS {
            return Err(SeedError::Repos(self.repos));
        }
        if self.days == 0 || self.days > MAX_DAYS {
            return Err(SeedError::Days(self.days));
        }
        let login_like = !self.org.is_empty()
            && self.org.len() <= 39
            && !self.org.starts_with('-')
            && !self.org.ends_with('-')
            && !self.org.contains("--")
            && self
                .org
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-');
        if !login_like {
            return Err(SeedError::OrgName(self.org.clone()));
        }
        Ok(())
    }
}

const REPOSITORY_COLUMNS: &[&str] = &[
    "id",
    "installation_id",
    "full_name",
    "default_branch",
    "private",
    "state",
    "reason",
    "head_sha",
    "default_head",
    "entered_scope_at",
    "updated_at",
    "left_scope_at",
];
const SPELL_COLUMNS: &[&str] = &["repository_id", "entered_at", "left_at", "reason"];
const SCAN_COLUMNS: &[&str] = &[
    "repository_id",
    "commit_sha",
    "scanned_at",
    "required",
    "satisfied",
    "missing",
    "report",
    "satisfied_ids",
    "categories",
    "reliance",
];
const EVENT_COLUMNS: &[&str] = &["repository_id", "requirement", "event", "at"];
const PULL_COLUMNS: &[&str] = &[
    "repository_id",
    "number",
    "state",
    "plan_hash",
    "url",
    "opened_at",
    "updated_at",
    "merged_at",
    "closed_at",
];
const PULL_EVENT_COLUMNS: &[&str] = &["repository_id", "number", "event", "at"];
const RUN_COLUMNS: &[&str] = &[
    "repository_id",
    "source",
    "name",
    "title",
    "branch",
    "event",
    "conclusion",
    "completed_at",
    "streak_start",
];

/// The rows of one batch of repositories.
struct Batch {
    repositories: Rows,
    spells: Rows,
    scans: Rows,
    events: Rows,
    pulls: Rows,
    pull_events: Rows,
    runs: Rows,
    findings: findings::FindingRows,
}

impl Batch {
    fn new() -> Batch {
        Batch {
            repositories: Rows::new("repositories", REPOSITORY_COLUMNS),
            spells: Rows::new("scope_spells", SPELL_COLUMNS),
            scans: Rows::new("scans", SCAN_COLUMNS),
            events: Rows::new("requirement_events", EVENT_COLUMNS),
            pulls: Rows::new("pull_requests", PULL_COLUMNS),
            pull_events: Rows::new("pull_request_events", PULL_EVENT_COLUMNS),
            runs: Rows::new("scanner_runs", RUN_COLUMNS),
            findings: findings::FindingRows::new(),
        }
    }

    async fn write(&mut self, store: &Store) -> anyhow::Result<()> {
        store
            .insert_rows(&[
                &self.repositories,
                &self.spells,
                &self.scans,
                &self.events,
                &self.pulls,
                &self.pull_events,
                &self.runs,
                &self.findings.findings,
                &self.findings.events,
                &self.findings.merges,
            ])
            .await
            .context("cannot write a batch of seeded repositories")?;
        *self = Batch::new();
        Ok(())
    }
}

/// Writes the organisation's record into `store`; refuses an organisation it already
/// holds. `progress` is told the repositories written so far after each batch.
pub async fn seed(
    store: &Store,
    options: &SeedOptions,
    mut progress: impl FnMut(u32),
) -> anyhow::Result<Seeded> {
    options.check()?;
    if store.org_known(&options.org).await? {
        return Err(SeedError::OrgExists(options.org.clone()).into());
    }
    let installation = store.max_id("installations").await?.max(9_500_000) + 1;
    let first_repository = store.max_id("repositories").await?.max(9_500_000) + 1;
    store
        .upsert_installation(
            installation,
            &options.org,
            "Organization",
            InstallationState::Active,
        )
        .await?;
    store
        .set_installation_permissions(installation, &super::security::permissions())
        .await?;
    let mut rng = fastrand::Rng::with_seed(options.seed);
    let days = i64::from(options.days);
    let start = options.now - days * DAY;
    let mut seeded = Seeded::default();
    let mut batch = Batch::new();
    for index in 0..options.repos {
        let plan = plan::draw(&mut rng, index, days);
        let repository = Repository {
            id: first_repository + i64::from(index),
            installation,
            full_name: format!("{}/{}", options.org, plan.name),
            plan,
            start,
            days,
            now: options.now,
        };
        repository.write(&mut rng, &mut batch, &mut seeded)?;
        if batch.repositories.len() >= REPOS_PER_BATCH {
            batch.write(store).await?;
            progress(index + 1);
        }
    }
    if !batch.repositories.is_empty() {
        batch.write(store).await?;
        progress(options.repos);
    }
    store.compact_after_bulk().await?;
    Ok(seeded)
}

struct Repository {
    id: i64,
    installation: i64,
    full_name: String,
    plan: RepoPlan,
    start: i64,
    days: i64,
    now: i64,
}

/// How a pull request ended, and when.
type Ending = (PullRequestEvent, i64);

/// A result's stored texts, shared by every scan with that result.
struct ResultTexts {
    missing: Arc<str>,
    satisfied: Arc<str>,
    categories: Arc<str>,
    report: Arc<str>,
    reliance: Arc<str>,
}

fn categories(required: &[String], satisfied: &[String]) -> String {
    let mut counts: BTreeMap<&str, (u32, u32)> = BTreeMap::new();
    for id in required {
        let category = id.split(':').next().unwrap_or(id);
        let entry = counts.entry(category).or_default();
        entry.0 += 1;
        if satisfied.contains(id) {
            entry.1 += 1;
        }
    }
    let object: serde_json::Map<String, serde_json::Value> = counts
        .into_iter()
        .map(|(category, (required, satisfied))| {
            (
                category.to_owned(),
                serde_json::json!({"required": required, "satisfied": satisfied}),
            )
        })
        .collect();
    serde_json::Value::Object(object).to_string()
}

impl Repository {
    fn day_at(&self, day: i64) -> i64 {
        self.start + day * DAY
    }

    fn scan_at(&self, day: i64) -> i64 {
        self.day_at(day) + self.plan.scan_offset
    }

    fn last_day(&self) -> i64 {
        self.plan.left_day.unwrap_or(self.days - 1)
    }

    fn texts(&self, required: &[String], satisfied: &[String]) -> anyhow::Result<ResultTexts> {
        let missing: Vec<String> = required
            .iter()
            .filter(|id| !satisfied.contains(id))
            .cloned()
            .collect();
        let report = report(&self.full_name, self.plan.stack, satisfied, &missing).to_string();
        let reliance = serde_json::to_string(&reliance_of(&report))?;
        Ok(ResultTexts {
            missing: Arc::from(serde_json::to_string(&missing)?),
            satisfied: Arc::from(serde_json::to_string(satisfied)?),
            categories: Arc::from(categories(required, satisfied)),
            report: Arc::from(report),
            reliance: Arc::from(reliance),
        })
    }

    fn write(
        &self,
        rng: &mut fastrand::Rng,
        batch: &mut Batch,
        seeded: &mut Seeded,
    ) -> anyhow::Result<()> {
        let id = self.id;
        let plan = &self.plan;
        let entered = self.day_at(plan.entered_day);
        let left = plan.left_day.map(|day| self.day_at(day) + HOUR);
        let covered_now = plan.covered_day().is_some_and(|day| day <= self.last_day());
        let incident_open = plan
            .incident
            .is_some_and(|incident| incident.restored.is_none());
        let (state, reason) = match (left, plan.pull) {
            (Some(_), _) => (RepoState::Excluded, Some("archived")),
            (None, Pull::Closed { .. }) => (
                RepoState::OptedOut,
                Some("onboarding pull request #1 closed without merging"),
            ),
            (None, Pull::Open { .. }) => (RepoState::Onboarding, None),
            _ if incident_open => (RepoState::Onboarding, None),
            _ if covered_now => (RepoState::Covered, None),
            _ => (RepoState::Onboarding, None),
        };
        let head = format!("{:016x}{:024x}", id, self.last_day());
        batch.repositories.push([
            id.into(),
            self.installation.into(),
            self.full_name.as_str().into(),
            "main".into(),
            i64::from(plan.private).into(),
            state.as_str().into(),
            reason.into(),
            head.as_str().into(),
            head.as_str().into(),
            entered.into(),
            self.now.into(),
            left.into(),
        ])?;
        batch.spells.push([
            id.into(),
            entered.into(),
            left.into(),
            left.and(reason).into(),
        ])?;
        seeded.repositories += 1;
        self.scans(batch, seeded)?;
        self.pulls(batch, seeded)?;
        self.runs(batch, seeded)?;
        let covered_at = |at: i64| {
            plan.covered_day()
                .is_some_and(|day| at >= self.scan_at(day))
        };
        let (alerts, merges) = findings::draw(
            rng,
            &findings::Span {
                repository: id,
                from: entered,
                until: left.unwrap_or(self.now),
                now: self.now,
                covered_at: &covered_at,
            },
            &mut batch.findings,
        )?;
        seeded.findings += alerts;
        seeded.merges += merges;
        Ok(())
    }

    /// One scan a day from the day it entered scope, and the requirement events between
    /// consecutive results.
    fn scans(&self, batch: &mut Batch, seeded: &mut Seeded) -> anyhow::Result<()> {
        let mut previous: Option<(Vec<String>, Vec<String>)> = None;
        let mut texts: Option<ResultTexts> = None;
        let mut broke: BTreeSet<String> = BTreeSet::new();
        for day in self.plan.entered_day..=self.last_day() {
            let at = self.scan_at(day);
            let (required, satisfied) = self.plan.result_on(day);
            let missing: Vec<String> = required
                .iter()
                .filter(|id| !satisfied.contains(id))
                .cloned()
                .collect();
            let changed = previous
                .as_ref()
                .is_none_or(|(was_missing, was_satisfied)| {
                    *was_missing != missing || *was_satisfied != satisfied
                });
            if changed {
                let (was_missing, was_satisfied) = previous.take().unwrap_or_default();
                for (requirement, event) in requirement_changes(
                    &was_missing,
                    &was_satisfied,
                    |id| broke.contains(id),
                    &missing,
                    &satisfied,
                ) {
                    batch.events.push([
                        self.id.into(),
                        requirement.into(),
                        event.as_str().into(),
                        at.into(),
                    ])?;
                    seeded.requirement_events += 1;
                }
                broke.extend(
                    missing
                        .iter()
                        .filter(|id| was_satisfied.contains(id))
                        .cloned(),
                );
                texts = Some(self.texts(&required, &satisfied)?);
                previous = Some((missing, satisfied.clone()));
            }
            // Set on the first day, as `changed` is then true.
            let Some(texts) = texts.as_ref() else {
                continue;
            };
            batch.scans.push([
                self.id.into(),
                format!("{:016x}{:024x}", self.id, day).into(),
                at.into(),
                i64::try_from(required.len())?.into(),
                i64::try_from(satisfied.len())?.into(),
                (&texts.missing).into(),
                (&texts.report).into(),
                (&texts.satisfied).into(),
                (&texts.categories).into(),
                (&texts.reliance).into(),
            ])?;
            seeded.scans += 1;
        }
        Ok(())
    }

    /// The onboarding pull request (#1), and the incident's (#2).
    fn pulls(&self, batch: &mut Batch, seeded: &mut Seeded) -> anyhow::Result<()> {
        let scan = |day: i64| self.scan_at(day);
        // (number, opened at, how and when it ended)
        let mut pulls: Vec<(i64, i64, Option<Ending>)> = Vec::new();
        match self.plan.pull {
            Pull::Merged { opened, merged } => pulls.push((
                1,
                scan(opened) + 600,
                Some((PullRequestEvent::Merged, scan(merged) - 600)),
            )),
            Pull::Closed { opened, closed } => pulls.push((
                1,
                scan(opened) + 600,
                Some((PullRequestEvent::Closed, scan(closed) - 600)),
            )),
            Pull::Open { opened } => pulls.push((1, scan(opened) + 600, None)),
            Pull::None => {}
        }
        if let Some(incident) = self.plan.incident {
            pulls.push((
                2,
                scan(incident.day) + 600,
                incident
                    .restored
                    .map(|day| (PullRequestEvent::Merged, scan(day) - 600)),
            ));
        }
        for (number, opened, end) in pulls {
            let state = end.map_or(PullRequestState::Open, |(event, _)| event.state_after());
            let merged =
                end.and_then(|(event, at)| (event == PullRequestEvent::Merged).then_some(at));
            let closed = end.map(|(_, at)| at);
            batch.pulls.push([
                self.id.into(),
                number.into(),
                state.as_str().into(),
                format!("seeded-{number}").into(),
                format!("https://github.com/{}/pull/{number}", self.full_name).into(),
                opened.into(),
                closed.unwrap_or(opened).into(),
                merged.into(),
                closed.into(),
            ])?;
            batch.pull_events.push([
                self.id.into(),
                number.into(),
                PullRequestEvent::Opened.as_str().into(),
                opened.into(),
            ])?;
            if let Some((event, at)) = end {
                batch.pull_events.push([
                    self.id.into(),
                    number.into(),
                    event.as_str().into(),
                    at.into(),
                ])?;
            }
            seeded.pull_requests += 1;
        }
        Ok(())
    }

    /// A push run of each configured scanner's workflow every day, half an hour before
    /// the day's scan, stored as the App stores runs (a streak costs a row per window).
    fn runs(&self, batch: &mut Batch, seeded: &mut Seeded) -> anyhow::Result<()> {
        // scanner -> (title, first day it runs)
        let mut scanners: BTreeMap<&'static str, (&'static str, i64)> = BTreeMap::new();
        for day in self.plan.entered_day..=self.last_day() {
            let (_, satisfied) = self.plan.result_on(day);
            for id in &satisfied {
                let (scanner, title) = scanner_for(id);
                scanners.entry(scanner).or_insert((title, day));
            }
        }
        for (scanner, (title, first_day)) in scanners {
            let path = format!(".github/workflows/fullcover-{scanner}.yml");
            let mut rows: Vec<RunRow> = Vec::new();
            for day in first_day..=self.last_day() {
                let failing = self.plan.broken.is_some_and(|broken| {
                    broken.scanner == scanner
                        && day >= broken.from
                        && broken.until.is_none_or(|until| day < until)
                });
                let run = RecordedRun {
                    source: RunSource::Workflow {
                        path: path.clone(),
                        name: title.to_owned(),
                    },
                    conclusion: if failing { "failure" } else { "success" }.to_owned(),
                    completed_at: self.scan_at(day) - 1_800,
                    event: Some("push".to_owned()),
                    branch: "main".to_owned(),
                };
                let before = rows.len().checked_sub(2).map(|i| rows[i].completed_at);
                match place_run(rows.last(), before, &run) {
                    RunWrite::Unchanged => {}
                    RunWrite::MoveLatest { event } => {
                        if let Some(latest) = rows.last_mut() {
                            latest.conclusion = run.conclusion;
                            latest.completed_at = run.completed_at;
                            latest.event = event;
                        }
                    }
                    RunWrite::Insert { streak_start } => rows.push(RunRow {
                        conclusion: run.conclusion,
                        completed_at: run.completed_at,
                        streak_start,
                        event: run.event,
                    }),
                }
            }
            for row in rows {
                batch.runs.push([
                    self.id.into(),
                    "workflow".into(),
                    path.as_str().into(),
                    title.into(),
                    "main".into(),
                    row.event.as_deref().into(),
                    row.conclusion.into(),
                    row.completed_at.into(),
                    row.streak_start.into(),
                ])?;
                seeded.run_rows += 1;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(repos: u32, days: u32) -> SeedOptions {
        SeedOptions {
            org: "initech".to_owned(),
            repos,
            days,
            seed: 1,
            now: 1_700_000_000,
        }
    }

    #[test]
    fn bounds_that_make_no_sense_are_refused() {
        assert_eq!(options(0, 10).check(), Err(SeedError::Repos(0)));
        assert_eq!(
            options(MAX_REPOS + 1, 10).check(),
            Err(SeedError::Repos(MAX_REPOS + 1))
        );
        assert_eq!(
            options(10, MAX_DAYS + 1).check(),
            Err(SeedError::Days(MAX_DAYS + 1))
        );
        assert!(options(MAX_REPOS, MAX_DAYS).check().is_ok());
        let mut bad = options(1, 1);
        bad.org = "no/slash".to_owned();
        assert!(matches!(bad.check(), Err(SeedError::OrgName(_))));
    }
}
