//! A seeded history for the demo's dashboard: the organisation `globex`, onboarded over
//! the last sixty days. It is written straight into the record (scans, pull requests,
//! check runs with their dates), so the dashboard shows weeks of coverage on a machine
//! that has only just started; every number on its page is computed from it as from a
//! real record. Its findings history is [`super::security`]'s.

use serde_json::{Value, json};

use crate::store::{
    InstallationState, PullRequestEvent, PullRequestRecord, PullRequestState, RepoState,
    ScanRecord, Store,
};
use fullcover_core::metrics::{DAY, HOUR, RecordedRun, RunSource};

pub const ORG: &str = "globex";

/// Ids far from the fake GitHub's, which start at 1000.
pub const INSTALLATION: i64 = 9_000_001;
const FIRST_REPOSITORY: i64 = 9_100_000;

/// One seeded repository's story, in days after the organisation's start.
pub(super) struct Story {
    pub(super) name: &'static str,
    /// The language its SAST requirement is for.
    pub(super) language: &'static str,
    pub(super) ecosystem: &'static str,
    pub(super) extra: &'static [&'static str],
    entered_day: i64,
    /// Requirements satisfied by its first scan (from the start of the list).
    covered_at_first: usize,
    /// How its onboarding pull request ended: merged on a day, closed on a day, or open.
    pull: Ending,
}

enum Ending {
    Merged(i64),
    Closed(i64),
    Open,
    /// Covered before Fullcover came: no pull request.
    None,
}

pub(super) const STORIES: &[Story] = &[
    Story {
        name: "checkout",
        language: "TypeScript",
        ecosystem: "npm",
        extra: &["container:dockerfile"],
        entered_day: 0,
        covered_at_first: 1,
        pull: Ending::Merged(2),
    },
    Story {
        name: "payments",
        language: "Go",
        ecosystem: "gomod",
        extra: &["container:dockerfile"],
        entered_day: 0,
        covered_at_first: 2,
        pull: Ending::Merged(4),
    },
    Story {
        name: "search",
        language: "Java",
        ecosystem: "maven",
        extra: &[],
        entered_day: 0,
        covered_at_first: 0,
        pull: Ending::Merged(9),
    },
    Story {
        name: "catalog",
        language: "Python",
        ecosystem: "pip",
        extra: &[],
        entered_day: 0,
        covered_at_first: 1,
        pull: Ending::Merged(6),
    },
    Story {
        name: "identity",
        language: "Kotlin",
        ecosystem: "gradle",
        extra: &["container:dockerfile"],
        entered_day: 0,
        covered_at_first: 5,
        pull: Ending::None,
    },
    Story {
        name: "notifications",
        language: "Ruby",
        ecosystem: "bundler",
        extra: &[],
        entered_day: 0,
        covered_at_first: 1,
        pull: Ending::Closed(3),
    },
    Story {
        name: "analytics",
        language: "Python",
        ecosystem: "pip",
        extra: &["iac:terraform"],
        entered_day: 0,
        covered_at_first: 0,
        pull: Ending::Merged(17),
    },
    Story {
        name: "data-pipeline",
        language: "Scala",
        ecosystem: "sbt",
        extra: &[],
        entered_day: 21,
        covered_at_first: 1,
        pull: Ending::Merged(25),
    },
    Story {
        name: "infra-live",
        language: "HCL",
        ecosystem: "terraform",
        extra: &["iac:terraform"],
        entered_day: 0,
        covered_at_first: 1,
        pull: Ending::Merged(12),
    },
    Story {
        name: "design-system",
        language: "TypeScript",
        ecosystem: "npm",
        extra: &[],
        entered_day: 35,
        covered_at_first: 0,
        pull: Ending::Open,
    },
];

/// On this day `checkout` gains Terraform (two new requirements), restored three days
/// later by a second pull request: a coverage incident.
const INCIDENT_DAY: i64 = 40;

pub(super) fn requirements(story: &Story) -> Vec<String> {
    let mut ids = Vec::new();
    if story.language != "HCL" {
        ids.push(format!("sast:{}", story.language.to_ascii_lowercase()));
    }
    ids.push("secrets".to_owned());
    ids.push(format!("sca:{}", story.ecosystem));
    ids.push("cicd:github-actions".to_owned());
    ids.extend(story.extra.iter().map(|id| (*id).to_owned()));
    ids
}

pub(super) fn scanner_for(id: &str) -> (&'static str, &'static str) {
    match id.split(':').next().unwrap_or(id) {
        "sast" => ("codeql", "CodeQL"),
        "secrets" => ("trufflehog", "TruffleHog"),
        "sca" => ("dependabot", "Dependabot version updates"),
        "iac" => ("checkov", "Checkov"),
        "container" => ("trivy", "Trivy"),
        _ => ("zizmor", "zizmor"),
    }
}

/// The day (from the start) "payments" CodeQL workflow starts failing on main; it is
/// fixed two days later.
const SCANNER_BROKEN_DAY: i64 = 50;

/// Weekly scheduled runs of each scanner workflow, from an hour after the repository
/// entered scope until now, all green except "payments" CodeQL, which fails on
/// [`SCANNER_BROKEN_DAY`] and is restored by a push two days later.
async fn runs(
    store: &Store,
    id: i64,
    story: &Story,
    required: &[String],
    entered: i64,
    now: i64,
) -> anyhow::Result<()> {
    let mut scanners: Vec<(&str, &str)> = required.iter().map(|id| scanner_for(id)).collect();
    scanners.sort_unstable();
    scanners.dedup();
    let start = now - 60 * DAY;
    let run = |scanner: &str, name: &str, conclusion: &str, at: i64, event: &str| RecordedRun {
        source: RunSource::Workflow {
            path: format!(".github/workflows/fullcover-{scanner}.yml"),
            name: name.to_owned(),
        },
        conclusion: conclusion.to_owned(),
        completed_at: at,
        event: Some(event.to_owned()),
        branch: "main".to_owned(),
    };
    for (scanner, name) in scanners {
        let mut timeline = Vec::new();
        let mut at = entered + HOUR;
        while at <= now {
            timeline.push(run(scanner, name, "success", at, "schedule"));
            at += 7 * DAY;
        }
        if story.name == "payments" && scanner == "codeql" {
            let broken = start + SCANNER_BROKEN_DAY * DAY + 14 * HOUR;
            timeline.push(run(scanner, name, "failure", broken, "push"));
            timeline.push(run(scanner, name, "success", broken + 2 * DAY, "push"));
        }
        // The record keeps runs as they arrive: in time order.
        timeline.sort_by_key(|run| run.completed_at);
        for run in &timeline {
            store.record_run(id, run).await?;
        }
    }
    Ok(())
}

/// A scan report in the shape of docs/scan-json.md, enough for the repository page.
pub(super) fn report(
    full_name: &str,
    story: &Story,
    satisfied: &[String],
    missing: &[String],
) -> Value {
    let scanners: Vec<Value> = satisfied
        .iter()
        .map(|id| {
            let (scanner, name) = scanner_for(id);
            json!({
                "id": scanner, "name": name, "category": id.split(':').next().unwrap_or(id),
                "running": true,
                "evidence": [{"path": format!(".github/workflows/fullcover-{scanner}.yml"), "line": 18, "signal": "uses"}],
                "covers": [id],
            })
        })
        .collect();
    let requirement = |id: &String, status: &str| {
        let by: Vec<&str> = if status == "satisfied" {
            vec![scanner_for(id).0]
        } else {
            Vec::new()
        };
        json!({"id": id, "category": id.split(':').next().unwrap_or(id), "reason": format!("the stack needs {id}"), "status": status, "satisfied_by": by})
    };
    let mut by_category = serde_json::Map::new();
    for category in ["sast", "secrets", "sca", "iac", "container", "cicd"] {
        let count = |ids: &[String]| {
            ids.iter()
                .filter(|id| id.split(':').next() == Some(category))
                .count()
        };
        let (met, required) = (count(satisfied), count(satisfied) + count(missing));
        let percent = (met * 1000)
            .checked_div(required)
            .map(|tenths| tenths as f64 / 10.0);
        by_category.insert(
            category.to_owned(),
            json!({"required": required, "satisfied": met, "percent": percent}),
        );
    }
    let required = satisfied.len() + missing.len();
    let percent = (satisfied.len() * 1000)
        .checked_div(required)
        .map_or(100.0, |tenths| tenths as f64 / 10.0);
    json!({
        "repository": full_name,
        "languages": [{"name": story.language, "type": "programming", "bytes": 48_000, "files": 36, "share": 100.0}],
        "iac": story.extra.iter().filter_map(|id| id.strip_prefix("iac:")).map(|kind| json!({"kind": kind, "name": "Terraform", "files": ["infra/main.tf"]})).collect::<Vec<_>>(),
        "ecosystems": [{"name": story.ecosystem, "title": story.ecosystem, "manifests": [], "lockfiles": [], "directories": ["/"], "dependencies": 24, "dependabot": true}],
        "scanners": scanners,
        "requirements": satisfied.iter().map(|id| requirement(id, "satisfied")).chain(missing.iter().map(|id| requirement(id, "missing"))).collect::<Vec<_>>(),
        "coverage": {"required": required, "satisfied": satisfied.len(), "percent": percent, "by_category": by_category},
        "warnings": [],
    })
}

async fn scan(
    store: &Store,
    id: i64,
    full_name: &str,
    story: &Story,
    at: i64,
    required: &[String],
    satisfied_count: usize,
) -> anyhow::Result<()> {
    let satisfied: Vec<String> = required.iter().take(satisfied_count).cloned().collect();
    let missing: Vec<String> = required.iter().skip(satisfied_count).cloned().collect();
    let mut categories = serde_json::Map::new();
    for (index, requirement) in required.iter().enumerate() {
        let category = requirement.split(':').next().unwrap_or(requirement);
        let entry = categories
            .entry(category.to_owned())
            .or_insert_with(|| json!({"required": 0, "satisfied": 0}));
        let bump = |value: &Value| value.as_u64().unwrap_or(0) + 1;
        entry["required"] = json!(bump(&entry["required"]));
        if index < satisfied_count {
            entry["satisfied"] = json!(bump(&entry["satisfied"]));
        }
    }
    store
        .record_scan(&ScanRecord {
            repository_id: id,
            commit_sha: &format!("{:040x}", at),
            at,
            required: i64::try_from(required.len())?,
            satisfied: i64::try_from(satisfied.len())?,
            missing: &missing,
            satisfied_ids: &satisfied,
            categories: &Value::Object(categories).to_string(),
            report: &report(full_name, story, &satisfied, &missing).to_string(),
        })
        .await?;
    Ok(())
}

async fn pull(
    store: &Store,
    id: i64,
    full_name: &str,
    number: i64,
    opened: i64,
    end: Option<(PullRequestEvent, i64)>,
) -> anyhow::Result<()> {
    let record = |state: PullRequestState| PullRequestRecord {
        repository_id: id,
        number,
        state,
        plan_hash: format!("seeded-{number}"),
        url: format!("https://github.com/{full_name}/pull/{number}"),
    };
    store
        .upsert_pull_request_at(
            &record(PullRequestState::Open),
            PullRequestEvent::Opened,
            opened,
        )
        .await?;
    if let Some((event, at)) = end {
        store
            .upsert_pull_request_at(&record(event.state_after()), event, at)
            .await?;
    }
    Ok(())
}

/// Writes the seeded organisation into `store`, ending at `now`. Idempotent: an
/// organisation already seeded is left as it is.
pub async fn seed(store: &Store, now: i64) -> anyhow::Result<()> {
    if store.installation_state(INSTALLATION).await?.is_some() {
        return Ok(());
    }
    let start = now - 60 * DAY;
    store
        .upsert_installation(INSTALLATION, ORG, "Organization", InstallationState::Active)
        .await?;
    for (index, story) in STORIES.iter().enumerate() {
        let id = FIRST_REPOSITORY + i64::try_from(index)?;
        let full_name = format!("{ORG}/{}", story.name);
        let entered = start + story.entered_day * DAY;
        store
            .upsert_repository(id, INSTALLATION, &full_name, Some("main"), true)
            .await?;
        store.set_entered_scope_at(id, entered).await?;
        let mut required = requirements(story);
        scan(
            store,
            id,
            &full_name,
            story,
            entered + HOUR,
            &required,
            story.covered_at_first,
        )
        .await?;
        let opened = entered + 2 * HOUR;
        let state = match story.pull {
            Ending::Merged(day) => {
                let merged = start + day * DAY;
                pull(
                    store,
                    id,
                    &full_name,
                    1,
                    opened,
                    Some((PullRequestEvent::Merged, merged)),
                )
                .await?;
                scan(
                    store,
                    id,
                    &full_name,
                    story,
                    merged + 10 * 60,
                    &required,
                    required.len(),
                )
                .await?;
                RepoState::Covered
            }
            Ending::Closed(day) => {
                pull(
                    store,
                    id,
                    &full_name,
                    1,
                    opened,
                    Some((PullRequestEvent::Closed, start + day * DAY)),
                )
                .await?;
                RepoState::OptedOut
            }
            Ending::Open => {
                pull(store, id, &full_name, 1, opened, None).await?;
                RepoState::Onboarding
            }
            Ending::None => RepoState::Covered,
        };
        if story.name == "checkout" {
            let broken = start + INCIDENT_DAY * DAY;
            let before = required.len();
            required.extend(["sca:terraform".to_owned(), "iac:terraform".to_owned()]);
            scan(store, id, &full_name, story, broken, &required, before).await?;
            let restored = broken + 3 * DAY;
            pull(
                store,
                id,
                &full_name,
                2,
                broken + HOUR,
                Some((PullRequestEvent::Merged, restored)),
            )
            .await?;
            scan(
                store,
                id,
                &full_name,
                story,
                restored + 10 * 60,
                &required,
                required.len(),
            )
            .await?;
        }
        let reason = (state == RepoState::OptedOut)
            .then_some("onboarding pull request #1 closed without merging");
        store.set_repository_state(id, state, reason).await?;
        runs(store, id, story, &required, entered, now).await?;
    }
    let archived = FIRST_REPOSITORY + 99;
    store
        .upsert_repository(
            archived,
            INSTALLATION,
            &format!("{ORG}/legacy-crm"),
            Some("main"),
            true,
        )
        .await?;
    store.set_entered_scope_at(archived, start).await?;
    store
        .set_repository_state(archived, RepoState::Excluded, Some("archived"))
        .await?;
    store.set_left_scope_at(archived, start + 5 * DAY).await?;
    super::security::seed(store, INSTALLATION, FIRST_REPOSITORY, now).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The repository pages read the seeded reports as the typed scan report.
    #[tokio::test]
    async fn every_seeded_report_reads_as_a_scan_report() {
        let dir = tempfile::tempdir().unwrap();
        let url = crate::store::sqlite_url(&dir.path().join("fullcover.db"));
        let store = Store::connect(&url).await.unwrap();
        let now = 1_700_000_000;
        seed(&store, now).await.unwrap();
        let mut read = 0;
        for (index, story) in STORIES.iter().enumerate() {
            let id = FIRST_REPOSITORY + i64::try_from(index).unwrap();
            let detail = store.repo_detail(id, now).await.unwrap();
            if let Some(report) = detail.unwrap().report {
                assert_eq!(report.repository, format!("{ORG}/{}", story.name));
                read += 1;
            }
        }
        assert!(read > 0);
    }

    /// "payments" shows a scanner that broke and was restored: CodeQL failed on main on
    /// day 50 and passed two days later, an incident of exactly two days.
    #[tokio::test]
    async fn payments_codeql_broke_and_was_restored() {
        let dir = tempfile::tempdir().unwrap();
        let url = crate::store::sqlite_url(&dir.path().join("fullcover.db"));
        let store = Store::connect(&url).await.unwrap();
        let now = 1_700_000_000;
        seed(&store, now).await.unwrap();
        let repos = store.org_history(ORG, now).await.unwrap().unwrap();
        let rules = fullcover_core::rules::RuleSet::embedded().unwrap();
        let report = fullcover_core::metrics::org_report(ORG, &repos, &rules.scanners, now);
        let broken = now - 60 * DAY + SCANNER_BROKEN_DAY * DAY + 14 * HOUR;
        let payments: Vec<_> = report
            .incidents
            .iter()
            .filter(|incident| incident.repository == format!("{ORG}/payments"))
            .collect();
        assert_eq!(payments.len(), 1, "{:#?}", report.incidents);
        assert_eq!(payments[0].broken_at, broken);
        assert_eq!(payments[0].restored_at, Some(broken + 2 * DAY));
        assert!(payments[0].missing.iter().all(|id| id.starts_with("sast")));
        // Every other repository's scanners run: nothing is broken now.
        assert_eq!(report.repos_with_broken_scanners, 0);
    }
}
