//! Evaluation: which security controls the detected stack requires (the policy in
//! `rules/policy.toml`), which of them a configured scanner really covers, and the
//! resulting coverage. Pure: an [`Inventory`] and the rules in, an [`Assessment`] out.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::detect::scanners::{Claim, Directories};
use crate::detect::{EcosystemFound, Inventory};
use crate::rules::RuleSet;
use crate::rules::schema::{Category, LanguageType};
use crate::units::{human_bytes, percent, sample};

/// One control the repository needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Requirement {
    pub id: String,
    pub category: Category,
    /// Why the stack needs it.
    pub reason: String,
    pub status: Status,
    /// Ids of the scanners that cover it.
    pub satisfied_by: Vec<String>,
    /// The language name, ecosystem id or IaC kind id the requirement is about.
    #[serde(skip)]
    pub subject: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Satisfied,
    Missing,
    /// Waived by `.github/fullcover.yml`, with its reason; not counted as required.
    Skipped,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Ratio {
    pub required: usize,
    pub satisfied: usize,
    /// Percentage satisfied; `None` when nothing in the category is required.
    pub percent: Option<f64>,
}

impl Ratio {
    fn of(required: usize, satisfied: usize) -> Self {
        Self {
            required,
            satisfied,
            percent: (required > 0).then(|| percent(satisfied as u64, required as u64)),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CoverageSummary {
    pub required: usize,
    pub satisfied: usize,
    pub percent: f64,
    /// Keyed by category name (`sast`, ...), in the order of the names.
    pub by_category: BTreeMap<String, Ratio>,
}

/// The requirements of one repository and how far they are met.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    pub requirements: Vec<Requirement>,
    pub coverage: CoverageSummary,
    /// For each detected scanner id, the requirement ids it covers here.
    pub covers: BTreeMap<String, Vec<String>>,
}

/// Derives the requirements from the inventory and checks each against the scanners.
pub fn evaluate(inventory: &Inventory, rules: &RuleSet) -> Assessment {
    let mut requirements = required(inventory, rules);
    let mut covers: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for scanner in &inventory.scanners {
        let covered = covers.entry(scanner.id.clone()).or_default();
        let Some(claim) = &scanner.claim else {
            continue;
        };
        for requirement in &mut requirements {
            if claim_covers(claim, requirement, inventory) {
                requirement.satisfied_by.push(scanner.id.clone());
                covered.push(requirement.id.clone());
            }
        }
    }
    for requirement in &mut requirements {
        if !requirement.satisfied_by.is_empty() {
            requirement.status = Status::Satisfied;
        }
    }
    let coverage = summarise(&requirements);
    Assessment {
        requirements,
        coverage,
        covers,
    }
}

impl Assessment {
    /// Marks the requirements a configuration skips, giving its reasons, and counts
    /// coverage without them. A satisfied requirement stays satisfied.
    pub fn skip(&mut self, skips: &BTreeMap<String, String>) {
        for requirement in &mut self.requirements {
            if let Some(reason) = skips.get(&requirement.id)
                && requirement.status == Status::Missing
            {
                requirement.status = Status::Skipped;
                requirement.reason = format!("{}; skipped: {reason}", requirement.reason);
            }
        }
        self.coverage = summarise(&self.requirements);
    }
}

fn required(inventory: &Inventory, rules: &RuleSet) -> Vec<Requirement> {
    let policy = &rules.policy;
    let mut requirements = Vec::new();
    let mut add = |id: String, category: Category, subject: &str, reason: String| {
        requirements.push(Requirement {
            id,
            category,
            reason,
            status: Status::Missing,
            satisfied_by: Vec::new(),
            subject: subject.to_owned(),
        });
    };
    for stat in &inventory.languages {
        if stat.kind != LanguageType::Programming
            || stat.bytes < policy.sast.min_bytes
            || policy.sast.skip_languages.contains_key(&stat.name)
        {
            continue;
        }
        let slug = &rules.languages.get(stat.language).slug;
        add(
            format!("sast:{slug}"),
            Category::Sast,
            &stat.name,
            format!(
                "{}: {} in {} {}, {}% of the code",
                stat.name,
                human_bytes(stat.bytes),
                stat.files,
                if stat.files == 1 { "file" } else { "files" },
                stat.share
            ),
        );
    }
    if policy.secrets.required && !inventory.files.is_empty() {
        add(
            "secrets".to_owned(),
            Category::Secrets,
            "",
            match inventory.files.len() {
                1 => "its one file could hold a leaked credential".to_owned(),
                n => format!("any of its {n} files could hold a leaked credential"),
            },
        );
    }
    for ecosystem in &inventory.ecosystems {
        if policy.sca.skip.contains_key(&ecosystem.id) {
            continue;
        }
        add(
            format!("sca:{}", ecosystem.id),
            Category::Sca,
            &ecosystem.id,
            ecosystem_reason(ecosystem),
        );
    }
    for kind in &inventory.iac {
        if policy.iac.skip.contains_key(&kind.id) {
            continue;
        }
        add(
            format!("iac:{}", kind.id),
            Category::Iac,
            &kind.id,
            files_reason(&kind.name, &kind.files),
        );
    }
    let images: Vec<&str> = inventory
        .iac
        .iter()
        .filter(|kind| policy.container.image_sources.contains(&kind.id))
        .flat_map(|kind| kind.files.iter().map(String::as_str))
        .collect();
    if !images.is_empty() {
        add(
            "container:dockerfile".to_owned(),
            Category::Container,
            "dockerfile",
            format!("images are built from {}", sample(&images)),
        );
    }
    for kind in inventory
        .iac
        .iter()
        .filter(|kind| policy.cicd.pipelines.contains(&kind.id))
    {
        add(
            format!("cicd:{}", kind.id),
            Category::Cicd,
            &kind.id,
            files_reason(&kind.name, &kind.files),
        );
    }
    requirements
}

fn ecosystem_reason(ecosystem: &EcosystemFound) -> String {
    let dependencies = match ecosystem.dependencies {
        Some(1) => ", 1 direct dependency".to_owned(),
        Some(count) => format!(", {count} direct dependencies"),
        None => String::new(),
    };
    format!(
        "{} in {}{dependencies}",
        ecosystem.name,
        sample(&ecosystem.directories)
    )
}

fn files_reason(name: &str, files: &[String]) -> String {
    format!("{name}: {}", sample(files))
}

fn claim_covers(claim: &Claim, requirement: &Requirement, inventory: &Inventory) -> bool {
    let subject = requirement.subject.as_str();
    match requirement.category {
        Category::Sast => claim.sast.contains(subject),
        Category::Secrets => claim.secrets,
        Category::Sca => {
            let Some(ecosystem) = inventory.ecosystems.iter().find(|e| e.id == subject) else {
                return false;
            };
            if claim.sca_needs_lockfile.contains(subject) && ecosystem.lockfiles.is_empty() {
                return false;
            }
            match claim.sca.get(subject) {
                Some(Directories::All) => true,
                Some(Directories::Only(patterns)) => {
                    let matcher = patterns.matcher();
                    ecosystem
                        .directories
                        .iter()
                        .all(|directory| matcher.covers(directory))
                }
                None => false,
            }
        }
        Category::Iac => claim.iac.contains(subject),
        Category::Container => claim.container,
        Category::Cicd => claim.cicd,
        Category::Dast => false,
    }
}

fn summarise(requirements: &[Requirement]) -> CoverageSummary {
    let satisfied = |items: &mut dyn Iterator<Item = &Requirement>| {
        let (mut required, mut met) = (0, 0);
        for requirement in items.filter(|r| r.status != Status::Skipped) {
            required += 1;
            met += usize::from(requirement.status == Status::Satisfied);
        }
        Ratio::of(required, met)
    };
    let overall = satisfied(&mut requirements.iter());
    let by_category = Category::REQUIRED
        .into_iter()
        .map(|category| {
            (
                category.as_str().to_owned(),
                satisfied(&mut requirements.iter().filter(|r| r.category == category)),
            )
        })
        .collect();
    CoverageSummary {
        required: overall.required,
        satisfied: overall.satisfied,
        // Nothing required is nothing missing: an empty repository is fully covered.
        percent: overall.percent.unwrap_or(100.0),
        by_category,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::Snapshot;

    fn assess(files: &[(&str, &str)]) -> Assessment {
        let rules = RuleSet::embedded().unwrap();
        let snapshot = Snapshot::from_memory("mem", files.iter().map(|(p, c)| (*p, *c)));
        let inventory = crate::detect::detect(&snapshot, &rules);
        evaluate(&inventory, &rules)
    }

    fn status(assessment: &Assessment, id: &str) -> Option<Status> {
        assessment
            .requirements
            .iter()
            .find(|r| r.id == id)
            .map(|r| r.status)
    }

    #[test]
    fn codeql_covers_only_its_configured_languages() {
        let code = "def f():\n    return 1\n".repeat(100);
        let go = "package main\nfunc main() {}\n".repeat(100);
        let assessment = assess(&[
            ("app.py", &code),
            ("main.go", &go),
            (
                ".github/workflows/codeql.yml",
                "on: push\njobs:\n  a:\n    steps:\n      - uses: github/codeql-action/init@v3\n        with:\n          languages: python\n      - uses: github/codeql-action/analyze@v3\n",
            ),
        ]);
        assert_eq!(status(&assessment, "sast:python"), Some(Status::Satisfied));
        assert_eq!(status(&assessment, "sast:go"), Some(Status::Missing));
        assert_eq!(
            status(&assessment, "cicd:github-actions"),
            Some(Status::Missing)
        );
        assert_eq!(status(&assessment, "secrets"), Some(Status::Missing));
        assert_eq!(assessment.covers["codeql"], ["sast:python"]);
    }

    #[test]
    fn dependabot_covers_only_listed_directories() {
        let assessment = assess(&[
            ("package.json", r#"{"dependencies": {"a": "1"}}"#),
            ("web/package.json", r#"{"dependencies": {"b": "1"}}"#),
            ("go.mod", "module x\n\ngo 1.22\n"),
            (
                ".github/dependabot.yml",
                "version: 2\nupdates:\n  - package-ecosystem: npm\n    directory: /\n  - package-ecosystem: gomod\n    directory: /\n",
            ),
        ]);
        assert_eq!(status(&assessment, "sca:npm"), Some(Status::Missing));
        assert_eq!(status(&assessment, "sca:gomod"), Some(Status::Satisfied));
        assert_eq!(assessment.coverage.by_category["sca"].satisfied, 1);
    }

    #[test]
    fn skipped_requirements_leave_the_count() {
        let mut assessment = assess(&[("main.go", &"package main\nfunc main() {}\n".repeat(100))]);
        assert_eq!(assessment.coverage.required, 2);
        assessment.skip(&BTreeMap::from([(
            "secrets".to_owned(),
            "org-wide job".to_owned(),
        )]));
        assert_eq!(status(&assessment, "secrets"), Some(Status::Skipped));
        assert_eq!(assessment.coverage.required, 1);
        assert_eq!(assessment.coverage.by_category["secrets"].percent, None);
    }

    #[test]
    fn an_empty_repository_requires_nothing() {
        let assessment = assess(&[]);
        assert!(assessment.requirements.is_empty());
        assert_eq!(assessment.coverage.percent, 100.0);
    }
}
