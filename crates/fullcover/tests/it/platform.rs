//! GitHub's own controls through the App: default setup switched on after onboarding is
//! read by the next scan (the daily reconciliation), recorded, and shows in the history;
//! the onboarding pull request then drops CodeQL for the languages default setup covers.

use fullcover::store::RequirementEvent;
use fullcover_core::report::ScanReport;
use fullcover_fake_github::{RepoSpec, SecurityFeature};

use crate::world::{ORG, World, fake_options};

fn polyglot(name: &str) -> RepoSpec {
    RepoSpec::new(name)
        .file("app/main.py", "def main():\n    return 1\n".repeat(200))
        .file(
            "web/index.ts",
            "export const x = (a: number) => a + 1;\n".repeat(200),
        )
        .file(
            "svc/main.go",
            "package main\n\nfunc main() {}\n".repeat(200),
        )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn default_setup_switched_on_after_onboarding_is_recorded_by_the_next_scan() {
    let world = World::new(vec![polyglot("app")], fake_options()).await;
    world
        .fake
        .set_security_feature(ORG, "app", SecurityFeature::SecretScanning, false)
        .unwrap();
    world.install().await;
    world.settle().await;
    let id = world.repository_id("app").await;
    assert_eq!(world.store().scan_count(id).await.unwrap(), 1);
    let first = world.pulls("app");
    assert_eq!(first.len(), 1);
    assert!(
        first[0]
            .files
            .contains_key(".github/workflows/fullcover-codeql.yml"),
        "{:?}",
        first[0].files.keys().collect::<Vec<_>>()
    );
    let report: ScanReport =
        serde_json::from_str(&world.store().latest_report(id).await.unwrap().unwrap()).unwrap();
    let secrets = report
        .platform
        .controls
        .iter()
        .find(|c| c.id == "secret-scanning")
        .unwrap();
    assert_eq!(secrets.state, "disabled");
    assert!(
        !report
            .scanners
            .iter()
            .any(|s| s.id == "codeql-default-setup"),
        "default setup is off"
    );

    // Switched on in settings: no commit, no webhook; the daily reconciliation reads it.
    world
        .fake
        .set_default_setup(ORG, "app", Some(&["python", "javascript-typescript"]))
        .unwrap();
    fullcover::app::worker::reconcile(&world.app).await;
    world.settle().await;
    assert_eq!(world.store().scan_count(id).await.unwrap(), 2);
    let report: ScanReport =
        serde_json::from_str(&world.store().latest_report(id).await.unwrap().unwrap()).unwrap();
    let default_setup = report
        .scanners
        .iter()
        .find(|s| s.id == "codeql-default-setup")
        .expect("the scan records default setup");
    assert!(default_setup.covers.contains(&"sast:python".to_owned()));
    assert!(default_setup.evidence[0].signal.starts_with(
        "GitHub code scanning default setup: javascript-typescript, python (API, seen "
    ));
    // The history shows when: the second scan satisfied Python and TypeScript.
    let history = world.store().requirement_history(id).await.unwrap();
    for requirement in ["sast:python", "sast:typescript"] {
        assert!(
            history.contains(&(requirement.to_owned(), RequirementEvent::Satisfied)),
            "{requirement}: {history:?}"
        );
    }
    assert!(!history.contains(&("sast:go".to_owned(), RequirementEvent::Satisfied)));
    let detail = world
        .store()
        .repo_detail(id, fullcover::store::now())
        .await
        .unwrap()
        .unwrap();
    let scans = &detail.history.scans;
    assert_eq!(scans.len(), 2);
    assert!(scans[1].at >= scans[0].at);
    assert!(scans[1].ratio.satisfied > scans[0].ratio.satisfied);

    // The pull request is rebuilt without an advanced CodeQL workflow beside default setup.
    let pulls = world.pulls("app");
    assert_eq!(pulls.len(), 1);
    let files = &pulls[0].files;
    assert!(
        !files.contains_key(".github/workflows/fullcover-codeql.yml"),
        "{:?}",
        files.keys().collect::<Vec<_>>()
    );
    assert!(files.contains_key(".github/workflows/fullcover-semgrep.yml"));
    assert!(files.contains_key(".github/workflows/fullcover-trufflehog.yml"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_permission_a_control_is_unknown_and_planned_from_files() {
    let world = World::with(
        vec![polyglot("app")],
        fake_options(),
        crate::world::client_options(),
        |fake, credentials| {
            // The App before the security-metrics permissions: no secret-scanning read.
            let permissions = [
                ("metadata", "read"),
                ("contents", "write"),
                ("pull_requests", "write"),
                ("workflows", "write"),
                ("checks", "read"),
                ("security_events", "read"),
                ("vulnerability_alerts", "read"),
            ]
            .into_iter()
            .map(|(name, level)| (name.to_owned(), level.to_owned()))
            .collect();
            fake.set_app_permissions(credentials.app_id, permissions);
        },
    )
    .await;
    world.install().await;
    world.settle().await;
    let id = world.repository_id("app").await;
    let report: ScanReport =
        serde_json::from_str(&world.store().latest_report(id).await.unwrap().unwrap()).unwrap();
    let state = |control: &str| {
        report
            .platform
            .controls
            .iter()
            .find(|c| c.id == control)
            .unwrap()
            .describe()
    };
    // Secret scanning is on at GitHub, but the App cannot tell: unknown, never covered.
    assert_eq!(state("secret-scanning"), "unknown (no permission)");
    assert_eq!(state("dependabot-alerts"), "enabled");
    let secrets = report
        .requirements
        .iter()
        .find(|r| r.id == "secrets")
        .unwrap();
    assert!(secrets.satisfied_by.is_empty());
    let pulls = world.pulls("app");
    assert_eq!(pulls.len(), 1);
    assert!(
        pulls[0]
            .files
            .contains_key(".github/workflows/fullcover-trufflehog.yml")
    );
}
