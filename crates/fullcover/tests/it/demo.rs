//! `fullcover demo` through its library entry point: every eligible repository of the
//! demo organisation gets exactly one onboarding pull request, the others a reason.

use std::time::Duration;

use fullcover::demo::{self, DemoOptions, org};
use fullcover::store::RepoState;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_onboards_every_eligible_repository_once() {
    let options = DemoOptions {
        listen: "127.0.0.1:0".parse().unwrap(),
        fast: true,
        timeout: Duration::from_secs(120),
        ..DemoOptions::default()
    };
    let mut out = Vec::new();
    let demo = demo::run(&options, &mut out).await.unwrap();
    let text = String::from_utf8(out).unwrap();

    let specs = org::repositories();
    assert!(
        specs.len() >= 10,
        "at least 8 eligible, one archived, one fork"
    );
    assert_eq!(demo.outcomes.len(), specs.len(), "{text}");
    for spec in &specs {
        let pulls = demo.fake.pulls(org::ORG, &spec.name);
        let outcome = demo
            .outcomes
            .iter()
            .find(|o| o.name == spec.name)
            .unwrap_or_else(|| panic!("{} not shown:\n{text}", spec.name));
        let skipped = match (spec.archived, spec.fork) {
            (true, _) => Some("archived"),
            (_, true) => Some("fork"),
            _ => None,
        };
        match skipped {
            Some(reason) => {
                assert!(pulls.is_empty(), "{} got a pull request", spec.name);
                assert_eq!(outcome.state, RepoState::Excluded, "{}", spec.name);
                assert_eq!(outcome.reason.as_deref(), Some(reason), "{}", spec.name);
                assert!(text.contains(&format!("skipped:    {reason}")), "{text}");
            }
            None => {
                assert_eq!(pulls.len(), 1, "{}:\n{text}", spec.name);
                assert_eq!(outcome.state, RepoState::Onboarding, "{}", spec.name);
                let pull = &outcome.pulls[0];
                assert!(!pull.files.is_empty(), "{}", spec.name);
                assert_eq!(pull.after.satisfied, pull.after.required, "{}", spec.name);
                let found = outcome.found.as_ref().unwrap();
                assert!(
                    !found.languages.is_empty() || !found.iac.is_empty(),
                    "{}: nothing found",
                    spec.name
                );
                assert!(
                    text.contains(&format!("opened PR #{}: {}", pull.number, pull.title)),
                    "{text}"
                );
            }
        }
    }
    let summary = demo.summary;
    assert_eq!(
        summary.pulls,
        specs.iter().filter(|s| !s.archived && !s.fork).count()
    );
    assert_eq!(summary.skipped, 2);
    assert!(summary.after.percent > summary.before.percent);
    assert_eq!(summary.violations, 0);
    assert!(demo.app.store().failed_jobs().await.unwrap().is_empty());
    let health = reqwest::get(demo.healthz()).await.unwrap();
    assert_eq!(health.text().await.unwrap(), "ok");
    demo.stop().await;
}
