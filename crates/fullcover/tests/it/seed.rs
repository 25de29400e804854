//! `fullcover demo seed`: a small seeded organisation read back through the App's own
//! read path (history, metrics, repository detail, findings), on SQLite and PostgreSQL.

use fullcover::demo::scaled::{self, SeedError, SeedOptions};
use fullcover::store::Store;
use fullcover_core::metrics::DAY;
use fullcover_core::rules::RuleSet;

use crate::store::{postgres_store, sqlite_store};

const NOW: i64 = 1_700_000_000;

fn options(repos: u32, days: u32) -> SeedOptions {
    SeedOptions {
        org: "initech".to_owned(),
        repos,
        days,
        seed: 42,
        now: NOW,
    }
}

async fn seeded_org_reads_back(store: &Store) {
    let options = options(30, 40);
    let mut progress = Vec::new();
    let seeded = scaled::seed(store, &options, |done| progress.push(done))
        .await
        .unwrap();
    assert_eq!(progress.last(), Some(&30));
    assert_eq!(seeded.repositories, 30);
    let repos = store.org_history("initech", NOW).await.unwrap().unwrap();
    assert_eq!(repos.len(), 30);
    // One scan a day in scope: at most 40, and as many as the rows written.
    let scans: usize = repos.iter().map(|repo| repo.scans.len()).sum();
    assert_eq!(scans as u64, seeded.scans);
    assert!(repos.iter().all(|repo| repo.scans.len() <= 40));
    assert!(repos.iter().any(|repo| repo.scans.len() == 40));
    let rules = RuleSet::embedded().unwrap();
    let report = fullcover_core::metrics::org_report("initech", &repos, &rules.scanners, NOW);
    let excluded = repos.iter().filter(|repo| repo.state == "excluded").count();
    assert_eq!(report.repos_in_scope as usize, 30 - excluded);
    assert!(report.repos_fully_covered > 0, "{report:#?}");
    assert!(report.repos_fully_covered < report.repos_in_scope);
    let pulls: usize = repos.iter().map(|repo| repo.pulls.len()).sum();
    assert_eq!(pulls as u64, seeded.pull_requests);
    let funnel = &report.funnel;
    assert!(funnel.merged > 0 && funnel.opened >= funnel.merged + funnel.closed);
    assert!(
        !report.incidents.is_empty(),
        "a repository whose coverage broke"
    );
    let days = report.history.len() as i64;
    assert!((40..=41).contains(&days), "{days} history points");
    assert!(report.history.first().unwrap().at <= NOW - 39 * DAY);
    // A repository's page: its latest report reads as a scan report, its events are there.
    let first = repos.iter().find(|repo| !repo.scans.is_empty()).unwrap();
    let detail = store.repo_detail(first.id, NOW).await.unwrap().unwrap();
    assert_eq!(detail.report.unwrap().repository, first.full_name);
    assert!(!detail.requirement_events.is_empty());
    let findings = store.security_record("initech", None).await.unwrap();
    assert_eq!(findings.findings.len() as u64, seeded.findings);
    assert!(seeded.findings > 0);
    // The read model gives the reference's numbers on the seeded record.
    let rows = store
        .org_rows(
            "initech",
            &fullcover::store::rollups::RepoQuery {
                per_page: 500,
                ..Default::default()
            },
            &rules,
            NOW,
        )
        .await
        .unwrap()
        .unwrap();
    let mut page: Vec<_> = rows
        .page
        .into_iter()
        .map(|(line, timeline)| fullcover_core::metrics::rollup::summary_at(line, &timeline, NOW))
        .collect();
    page.sort_by(|a, b| a.full_name.cmp(&b.full_name));
    let from_rows = fullcover_core::metrics::rollup::org_report_from_rows(
        "initech",
        &rows.timelines,
        rows.broken,
        page,
        NOW,
    );
    let (left, right) = (
        serde_json::to_value(&from_rows).unwrap(),
        serde_json::to_value(&report).unwrap(),
    );
    for (key, value) in left.as_object().unwrap() {
        if key == "repos" {
            for (a, b) in value
                .as_array()
                .unwrap()
                .iter()
                .zip(right["repos"].as_array().unwrap())
            {
                assert_eq!(a, b, "a repository's line");
            }
        }
        assert_eq!(value, &right[key], "{key}");
    }
    // A second seed of the same organisation is refused.
    let again = scaled::seed(store, &options, |_| {}).await.unwrap_err();
    assert_eq!(
        again.downcast_ref::<SeedError>(),
        Some(&SeedError::OrgExists("initech".to_owned()))
    );
}

#[tokio::test]
async fn a_seeded_organisation_reads_back_on_sqlite() {
    let (store, _dir) = sqlite_store().await;
    seeded_org_reads_back(&store).await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL"]
async fn a_seeded_organisation_reads_back_on_postgres() {
    let store = postgres_store().await;
    seeded_org_reads_back(&store).await;
}

fn fullcover(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_fullcover"))
        .args(args)
        .output()
        .expect("the binary runs")
}

/// The command a person runs: what it wrote, then a clear refusal to seed the same
/// organisation again or bounds that make no sense.
#[test]
fn demo_seed_writes_once_and_refuses_nonsense() {
    let dir = tempfile::tempdir().unwrap();
    let url = fullcover::store::sqlite_url(&dir.path().join("seed.db"));
    let seed = |repos: &str, days: &str| {
        fullcover(&[
            "demo",
            "seed",
            "--org",
            "initech",
            "--repos",
            repos,
            "--days",
            days,
            "--database-url",
            &url,
        ])
    };
    let first = seed("5", "3");
    let stdout = String::from_utf8_lossy(&first.stdout);
    assert!(first.status.success(), "{first:?}");
    assert!(
        stdout.contains("seeded initech: 5 repositories"),
        "{stdout}"
    );
    let again = seed("5", "3");
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already in this database"));
    for (repos, days, complaint) in [
        ("100001", "3", "--repos must be between 1 and 100000"),
        ("0", "3", "--repos must be between 1 and 100000"),
        ("5", "3651", "--days must be between 1 and 3650"),
    ] {
        let refused = seed(repos, days);
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert!(!refused.status.success());
        assert!(stderr.contains(complaint), "{stderr}");
    }
}
