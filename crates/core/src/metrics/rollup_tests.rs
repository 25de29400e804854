//! The read model against the reference: on random records (scans with the scanners
//! they rely on, runs that pass, fail and go quiet, pull requests, repositories leaving
//! scope), the report built from read-model rows equals [`org_report`] on the raw
//! record, at the moment the rows were built and at any later moment before they expire.

use std::collections::BTreeMap;

use super::*;
use crate::metrics::scanner_state::{ReliedRequirement, ScannerSeen};
use crate::metrics::{HOUR, RecordedRun, Reliance, RunSource, org_report};
use crate::rules::RuleSet;

const T0: i64 = 1_700_006_400;
const REQUIREMENTS: [(&str, &str); 4] = [
    ("sast:python", "sast"),
    ("sca:pip", "sca"),
    ("secrets", "secrets"),
    ("iac:terraform", "iac"),
];
const SCANNERS: [(&str, &str, Option<&str>); 3] = [
    ("codeql", "CodeQL", Some(".github/workflows/codeql.yml")),
    ("trivy", "Trivy", Some(".github/workflows/trivy.yml")),
    ("dependabot", "Dependabot", None),
];

fn scan(rng: &mut fastrand::Rng, at: i64) -> ScanPoint {
    let required = rng.usize(1..=REQUIREMENTS.len());
    let mut missing = Vec::new();
    let mut reliance = Reliance::default();
    let mut categories: BTreeMap<String, Ratio> = BTreeMap::new();
    for (id, category) in &REQUIREMENTS[..required] {
        let ratio = categories.entry((*category).to_owned()).or_default();
        ratio.required += 1;
        if rng.u8(0..4) == 0 {
            missing.push((*id).to_owned());
            continue;
        }
        ratio.satisfied += 1;
        let (scanner, name, workflow) = SCANNERS[rng.usize(..SCANNERS.len())];
        reliance.requirements.insert(
            (*id).to_owned(),
            ReliedRequirement {
                category: (*category).to_owned(),
                scanners: vec![scanner.to_owned()],
            },
        );
        reliance.scanners.insert(
            scanner.to_owned(),
            ScannerSeen {
                name: name.to_owned(),
                workflows: workflow.map(str::to_owned).into_iter().collect(),
            },
        );
    }
    ScanPoint {
        at,
        ratio: Ratio {
            required: required as u64,
            satisfied: (required - missing.len()) as u64,
        },
        missing,
        categories,
        reliance,
    }
}

fn run(rng: &mut fastrand::Rng, at: i64) -> RecordedRun {
    let (_, name, workflow) = SCANNERS[rng.usize(..2)];
    RecordedRun {
        source: RunSource::Workflow {
            path: workflow.unwrap_or_default().to_owned(),
            name: name.to_owned(),
        },
        conclusion: ["success", "success", "failure", "cancelled", "skipped"][rng.usize(..5)]
            .to_owned(),
        completed_at: at,
        event: Some(["push", "schedule"][rng.usize(..2)].to_owned()),
        branch: "main".to_owned(),
    }
}

/// A repository recorded up to `until`.
fn repository(rng: &mut fastrand::Rng, index: usize, until: i64) -> RepoHistory {
    let entered = T0 + rng.i64(0..20 * DAY);
    let mut scans = Vec::new();
    let mut at = entered + rng.i64(0..3 * DAY);
    // Daily rescans that mostly find the same, as a real record does.
    while at <= until && scans.len() < 40 {
        let next = match scans.last() {
            Some(previous) if rng.u8(0..4) != 0 => ScanPoint {
                at,
                ..Clone::clone(previous)
            },
            _ => scan(rng, at),
        };
        scans.push(next);
        at += rng.i64(HOUR..3 * DAY);
    }
    let mut runs = Vec::new();
    let mut at = entered + rng.i64(0..2 * DAY);
    while at <= until && runs.len() < 30 {
        runs.push(run(rng, at));
        at += rng.i64(HOUR..6 * DAY);
    }
    let mut pulls = Vec::new();
    if rng.bool() {
        let opened = entered + rng.i64(HOUR..DAY);
        let ending = rng.u8(0..3);
        let end = opened + rng.i64(HOUR..10 * DAY);
        if opened <= until {
            pulls.push(PullPoint {
                number: 1,
                state: ["open", "merged", "closed"][usize::from(ending)].to_owned(),
                url: format!("https://github.com/acme/r{index}/pull/1"),
                opened_at: opened,
                merged_at: (ending == 1).then_some(end),
                closed_at: (ending != 0).then_some(end),
            });
        }
    }
    let left = (rng.u8(0..6) == 0).then(|| entered + rng.i64(DAY..40 * DAY));
    let left = left.filter(|left| *left <= until);
    RepoHistory {
        id: index as i64,
        full_name: format!("acme/r{index}"),
        private: rng.bool(),
        state: if left.is_some() {
            "excluded".to_owned()
        } else {
            ["pending", "onboarding", "covered"][rng.usize(..3)].to_owned()
        },
        reason: None,
        entered_scope_at: entered,
        left_scope_at: left,
        scans,
        pulls,
        runs,
    }
}

fn from_rows(raw: &[RepoHistory], built_at: i64, now: i64) -> OrgReport {
    let rules = RuleSet::embedded().unwrap();
    let rows: Vec<RepoRollup> = raw
        .iter()
        .map(|repo| rollup(repo, &rules.scanners, built_at))
        .collect();
    let mut broken = BrokenTally::default();
    for row in &rows {
        broken.add(&row.summary);
    }
    let timelines: Vec<Timeline> = rows.iter().map(|row| row.timeline.clone()).collect();
    let page = rows
        .into_iter()
        .map(|row| summary_at(row.summary, &row.timeline, now))
        .collect();
    org_report_from_rows("acme", &timelines, broken, page, now)
}

#[test]
fn rows_give_the_reference_numbers_until_they_expire() {
    let rules = RuleSet::embedded().unwrap();
    let mut compared_later = 0;
    for seed in 0..60 {
        let mut rng = fastrand::Rng::with_seed(seed);
        let built_at = T0 + 30 * DAY + rng.i64(0..30 * DAY);
        let raw: Vec<RepoHistory> = (0..rng.usize(1..8))
            .map(|index| repository(&mut rng, index, built_at))
            .collect();
        let expected = org_report("acme", &raw, &rules.scanners, built_at);
        assert_eq!(from_rows(&raw, built_at, built_at), expected, "seed {seed}");

        // Later, before any row expires, with nothing new recorded.
        let expires = raw
            .iter()
            .filter_map(|repo| rollup(repo, &rules.scanners, built_at).valid_until)
            .min()
            .unwrap_or(built_at + 400 * DAY);
        assert!(expires > built_at, "seed {seed}: a row expired when built");
        let later = built_at + rng.i64(0..(expires - built_at).min(200 * DAY));
        let expected = org_report("acme", &raw, &rules.scanners, later);
        assert_eq!(from_rows(&raw, built_at, later), expected, "seed {seed}");
        compared_later += usize::from(later > built_at);
    }
    assert!(
        compared_later > 40,
        "only {compared_later} later comparisons"
    );
}

#[test]
fn a_row_expires_when_a_grace_period_or_run_window_ends() {
    let rules = RuleSet::embedded().unwrap();
    let mut rng = fastrand::Rng::with_seed(7);
    let mut repo = repository(&mut rng, 0, T0 + 60 * DAY);
    let last_run = T0 + 60 * DAY;
    repo.runs = vec![run(&mut rng, last_run)];
    let row = rollup(&repo, &rules.scanners, last_run + HOUR);
    let valid_until = row.valid_until.unwrap();
    assert!(valid_until <= last_run + crate::metrics::RUN_WINDOW);
    assert!(valid_until > last_run + HOUR);
    // At expiry the reference may differ from the row: a later report must rebuild.
    let rebuilt = rollup(&repo, &rules.scanners, valid_until);
    assert!(rebuilt.valid_until.is_none_or(|next| next > valid_until));
}
