//! Coverage that breaks when a scanner breaks, end to end against the fake: a CodeQL run
//! that fails on main breaks the repository's coverage from the failure's time, a later
//! success restores it, and M13 counts the restore. The failure is read by the daily
//! check (the App was not sent `workflow_run`); the success arrives as a webhook.

use std::time::Duration;

use fullcover::store::RepoState;
use fullcover_core::metrics::{OrgReport, ScannerState, org_report};

use crate::world::{ORG, World, fake_options, small_service};

async fn report(world: &World) -> OrgReport {
    let now = fullcover::store::now();
    let repos = world.store().org_history(ORG, now).await.unwrap().unwrap();
    org_report(ORG, &repos, &world.app.rules().scanners, now)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_codeql_run_breaks_coverage_until_a_run_succeeds() {
    let world = World::new(vec![small_service("api")], fake_options()).await;
    world.install().await;
    world.settle().await;
    // The onboarding pull request is merged: every requirement is configured.
    world.fake.merge_pull(ORG, "api", 1).await.unwrap();
    world.settle().await;
    let id = world.repository_id("api").await;
    let before = report(&world).await;
    let line = &before.repos[0];
    assert!(line.fully_covered, "{line:#?}");
    assert!(line.broken.is_empty());
    let codeql = world
        .store()
        .scanner_workflows(id)
        .await
        .unwrap()
        .into_iter()
        .find(|path| path.contains("codeql"))
        .expect("the onboarding added a CodeQL workflow");

    // GitHub does not send `workflow_run` to the App (an installation made before it
    // asked): the failure reaches the record through the daily check alone.
    world.fake.set_app_events(
        world.credentials.app_id,
        &["push", "pull_request", "repository", "check_run"],
    );
    // Times are in seconds: the failure comes after the scan that found it covered.
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    world
        .fake
        .add_workflow_run(ORG, "api", &codeql, "push", "failure")
        .await
        .unwrap();
    world.settle().await;
    assert!(world.store().runs(id).await.unwrap().is_empty());
    let installation = world.installation_id().await;
    let outcome = fullcover::app::run_check::check_runs(&world.app, installation)
        .await
        .unwrap();
    assert!(outcome.contains("recorded 1 runs"), "{outcome}");
    let runs = world.store().runs(id).await.unwrap();
    assert_eq!(runs.len(), 1);
    let failed_at = runs[0].completed_at;

    let broken = report(&world).await;
    let line = &broken.repos[0];
    assert!(!line.fully_covered);
    assert_eq!(broken.repos_with_broken_scanners, 1);
    let state = line
        .requirement_states
        .iter()
        .find(|state| state.scanner == "CodeQL")
        .unwrap();
    assert_eq!(state.state, ScannerState::Failing);
    assert_eq!(state.since, failed_at);
    assert!(
        state.why.starts_with("CodeQL failed on main at"),
        "{}",
        state.why
    );
    assert!(line.broken.contains(&state.requirement));
    assert_eq!(broken.open_incidents, 1);
    assert_eq!(broken.incidents[0].broken_at, failed_at);
    // A second check reads nothing new: the repository just reported a run.
    let again = fullcover::app::run_check::check_runs(&world.app, installation)
        .await
        .unwrap();
    assert!(again.contains("checked 0 workflows"), "{again}");

    // The fix: a later run succeeds, and this time GitHub sends `workflow_run`.
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    world.fake.set_app_events(
        world.credentials.app_id,
        &[
            "push",
            "pull_request",
            "repository",
            "check_run",
            "workflow_run",
        ],
    );
    world
        .fake
        .add_workflow_run(ORG, "api", &codeql, "push", "success")
        .await
        .unwrap();
    world.settle().await;
    let runs = world.store().runs(id).await.unwrap();
    assert_eq!(runs.len(), 2);
    let restored_at = runs[1].completed_at;
    assert!(restored_at > failed_at);

    let restored = report(&world).await;
    let line = &restored.repos[0];
    assert!(line.fully_covered, "{line:#?}");
    assert!(line.broken.is_empty());
    assert!(line.active_scanners.contains(&"CodeQL".to_owned()));
    assert_eq!(restored.open_incidents, 0);
    assert_eq!(restored.incidents.len(), 1);
    assert_eq!(restored.incidents[0].restored_at, Some(restored_at));
    assert_eq!(
        restored.median_time_to_restore,
        Some(restored_at - failed_at)
    );
    let record = world.store().repository(id).await.unwrap().unwrap();
    assert_eq!(record.state, RepoState::Covered);
}
