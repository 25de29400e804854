//! Which scanners run, not only sit in the repository: the one definition of an active
//! scanner, used by the organisation page, the repository page and the API alike.
//!
//! A scanner is active when a check run bearing one of its check names (`checks` in
//! `rules/scanners.toml`) succeeded within [`ACTIVE_WINDOW`]. The App records only the
//! check runs of the default branch's head commit, so the runs given here are those.

use serde::{Serialize, Serializer};

use super::DAY;
use crate::rules::compiled::scanners::ScannerRules;

/// How recent a successful check must be for its scanner to count as active.
pub const ACTIVE_WINDOW: i64 = 14 * DAY;

/// A completed check run as the record keeps it: on the default branch's head commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckRun {
    pub name: String,
    /// GitHub's conclusion: `success`, `failure`, `neutral`, ...
    pub conclusion: String,
    /// Unix seconds.
    pub completed_at: i64,
}

/// A scanner with a recent successful check run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActiveScanner {
    /// The scanner's id in the rules (`codeql`), as in a scan report's `scanners`.
    pub id: String,
    /// Its display name (`CodeQL`).
    pub name: String,
    /// Its checks that succeeded recently, sorted.
    pub checks: Vec<String>,
}

/// What ran recently on one repository.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Activity {
    /// Names of the checks that succeeded within the window, sorted, each once.
    pub checks: Vec<String>,
    /// The scanners those checks belong to, sorted by name.
    pub scanners: Vec<ActiveScanner>,
}

/// Decides which scanners are active at `now` from the repository's recorded check runs.
pub fn activity(rules: &ScannerRules, runs: &[CheckRun], now: i64) -> Activity {
    let mut checks: Vec<String> = runs
        .iter()
        .filter(|run| run.conclusion == "success" && run.completed_at >= now - ACTIVE_WINDOW)
        .map(|run| run.name.clone())
        .collect();
    checks.sort();
    checks.dedup();
    let mut scanners: Vec<ActiveScanner> = Vec::new();
    for check in &checks {
        for rule in rules.reporting(check) {
            match scanners.iter_mut().find(|scanner| scanner.id == rule.id) {
                Some(scanner) => scanner.checks.push(check.clone()),
                None => scanners.push(ActiveScanner {
                    id: rule.id.clone(),
                    name: rule.name.clone(),
                    checks: vec![check.clone()],
                }),
            }
        }
    }
    scanners.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.id.cmp(&b.id)));
    Activity { checks, scanners }
}

/// Active scanners as the API shows them: their display names.
pub(crate) fn serialize_names<S: Serializer>(
    scanners: &[ActiveScanner],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    scanners
        .iter()
        .map(|scanner| scanner.name.as_str())
        .collect::<Vec<_>>()
        .serialize(serializer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::RuleSet;

    const NOW: i64 = 1_700_000_000;

    fn run(name: &str, conclusion: &str, age: i64) -> CheckRun {
        CheckRun {
            name: name.to_owned(),
            conclusion: conclusion.to_owned(),
            completed_at: NOW - age,
        }
    }

    fn names(activity: &Activity) -> Vec<&str> {
        activity
            .scanners
            .iter()
            .map(|scanner| scanner.name.as_str())
            .collect()
    }

    #[test]
    fn a_recent_successful_check_makes_its_scanner_active() {
        let rules = RuleSet::embedded().unwrap();
        let runs = [
            run("Analyze (python)", "success", DAY),
            run("Analyze (javascript-typescript)", "success", 2 * DAY),
            run("build", "success", DAY),
            run("Checkov", "success", 1),
        ];
        let activity = activity(&rules.scanners, &runs, NOW);
        assert_eq!(names(&activity), ["Checkov", "CodeQL"]);
        assert_eq!(activity.scanners[1].id, "codeql");
        assert_eq!(
            activity.scanners[1].checks,
            ["Analyze (javascript-typescript)", "Analyze (python)"]
        );
        assert_eq!(
            activity.checks,
            [
                "Analyze (javascript-typescript)",
                "Analyze (python)",
                "Checkov",
                "build"
            ]
        );
    }

    #[test]
    fn failed_and_old_checks_count_for_nothing() {
        let rules = RuleSet::embedded().unwrap();
        let runs = [
            run("Analyze (python)", "failure", DAY),
            run("TruffleHog", "success", ACTIVE_WINDOW + 1),
            run("zizmor", "success", ACTIVE_WINDOW),
        ];
        let activity = activity(&rules.scanners, &runs, NOW);
        assert_eq!(names(&activity), ["zizmor"]);
        assert_eq!(activity.checks, ["zizmor"]);
    }

    #[test]
    fn a_scanner_is_named_by_its_check_names_not_by_a_substring() {
        let rules = RuleSet::embedded().unwrap();
        // "Run trivy" contains a scanner's name but is none of its check names.
        let runs = [run("Run trivy", "success", DAY)];
        let activity = activity(&rules.scanners, &runs, NOW);
        assert!(activity.scanners.is_empty());
        assert_eq!(activity.checks, ["Run trivy"]);
    }
}
