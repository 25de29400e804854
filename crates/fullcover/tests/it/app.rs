//! The GitHub App end to end: the real App (HTTP, JWT, HMAC, SQLite) against the fake
//! GitHub, driven by the webhooks the fake sends.

use std::collections::BTreeSet;
use std::time::Duration;

use fullcover::app::deliver::BRANCH;
use fullcover::store::{InstallationState, RepoState};
use fullcover_fake_github::{FakeOptions, Faults, RepoSpec, SecurityFeature};

use crate::world::{
    ORG, World, expected_changes, fake_options, fixture_files, organisation, small_service,
};

const TERRAFORM: &str = r#"terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "~> 5.0" }
  }
}

resource "aws_s3_bucket" "logs" {
  bucket = "acme-logs"
}
"#;

/// A repository's files: (path, content).
type Files = Vec<(String, Vec<u8>)>;

/// Options with a small page size, so that listing the organisation takes several pages.
fn paged() -> FakeOptions {
    FakeOptions {
        per_page_max: 10,
        ..fake_options()
    }
}

async fn assert_pull_carries_plan(world: &World, name: &str, files: &[(String, Vec<u8>)]) {
    let pulls = world.pulls(name);
    if pulls.len() != 1 {
        let id = world.repository_id(name).await;
        let record = world.store().repository(id).await.unwrap();
        let failed = world.store().failed_jobs().await.unwrap();
        panic!(
            "{name}: {} pull requests; record {record:?}; failed jobs {failed:?}",
            pulls.len()
        );
    }
    let pull = &pulls[0];
    assert_eq!(pull.head_ref, BRANCH);
    assert_eq!(pull.base_ref, "main");
    assert!(
        pull.body.contains("<!-- fullcover:plan="),
        "{name}: no marker"
    );
    let expected = expected_changes(files, name, false);
    assert!(!expected.is_empty(), "{name} needs nothing?");
    for (path, content) in &expected {
        let found = pull
            .files
            .get(path)
            .unwrap_or_else(|| panic!("{name}: {path} missing from the pull request"));
        assert_eq!(
            std::str::from_utf8(found).unwrap(),
            content,
            "{name}: {path}"
        );
    }
    // Nothing else changed: every other file is the default branch's.
    for (path, content) in files {
        if !expected.iter().any(|(p, _)| p == path) {
            assert_eq!(
                pull.files.get(path),
                Some(content),
                "{name}: {path} changed"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn installing_onboards_every_eligible_repository_once_and_follows_it() {
    let mut repos = organisation(24);
    repos.push(small_service("archived-tool").archived());
    repos.push(small_service("forked-lib").fork());
    repos.push(RepoSpec::new("empty-repo"));
    let eligible: Vec<(String, Files)> = repos
        .iter()
        .filter(|spec| !spec.archived && !spec.fork && !spec.files.is_empty())
        .map(|spec| (spec.name.clone(), spec.files.clone()))
        .collect();
    assert!(eligible.len() > 20);
    let world = World::new(repos, paged()).await;
    world.install().await;
    world.settle().await;

    // The listing took several pages.
    let pages = world
        .fake
        .requests()
        .iter()
        .filter(|r| r.route == "GET /installation/repositories" && r.status == 200)
        .count();
    assert_eq!(pages, 3, "27 repositories at 10 a page");

    for (name, files) in &eligible {
        assert_pull_carries_plan(&world, name, files).await;
    }
    for (name, reason) in [
        ("archived-tool", "archived"),
        ("forked-lib", "fork"),
        ("empty-repo", "empty repository"),
    ] {
        assert!(world.pulls(name).is_empty(), "{name} got a pull request");
        let id = world.repository_id(name).await;
        let record = world.store().repository(id).await.unwrap().unwrap();
        assert_eq!(record.state, RepoState::Excluded, "{name}");
        assert_eq!(record.reason.as_deref(), Some(reason), "{name}");
    }
    let failed = world.store().failed_jobs().await.unwrap();
    assert!(failed.is_empty(), "{failed:?}");

    // Merge three, close one.
    let merged = ["go-service", "node-web-app", "service-01"];
    for name in merged {
        let number = world.pulls(name)[0].number;
        world.fake.merge_pull(ORG, name, number).await.unwrap();
    }
    let closed = "python-django";
    world
        .fake
        .close_pull(ORG, closed, world.pulls(closed)[0].number)
        .await
        .unwrap();
    world.settle().await;
    for name in merged {
        let id = world.repository_id(name).await;
        let record = world.store().repository(id).await.unwrap().unwrap();
        assert_eq!(
            record.state,
            RepoState::Covered,
            "{name}: {:?}",
            record.reason
        );
        assert_eq!(
            world.store().latest_missing(id).await.unwrap(),
            Some(vec![]),
            "{name}"
        );
        let pr = world.store().pull_request(id).await.unwrap().unwrap();
        assert_eq!(pr.state, fullcover::store::PullRequestState::Merged);
        assert_eq!(world.pulls(name).len(), 1, "{name}: a second pull request");
    }
    let closed_id = world.repository_id(closed).await;
    let record = world.store().repository(closed_id).await.unwrap().unwrap();
    assert_eq!(record.state, RepoState::OptedOut);

    // A push to the closed one's default branch does not reopen anything.
    world
        .push_file(
            closed,
            "main",
            "requirements.txt",
            b"django==5.0\nrequests==2.32.0\n".to_vec(),
            "deps",
        )
        .await;
    let pulls = world.pulls(closed);
    assert_eq!(pulls.len(), 1);
    assert_eq!(pulls[0].state, "closed");

    // Terraform added to a covered repository: a new pull request for iac:terraform.
    let covered = "service-01";
    world
        .push_file(
            covered,
            "main",
            "infra/main.tf",
            TERRAFORM.as_bytes().to_vec(),
            "Add infrastructure",
        )
        .await;
    let id = world.repository_id(covered).await;
    assert_eq!(
        world.store().latest_missing(id).await.unwrap(),
        Some(vec!["sca:terraform".to_owned(), "iac:terraform".to_owned()])
    );
    let pulls = world.pulls(covered);
    assert_eq!(pulls.len(), 2, "{pulls:?}");
    let newest = pulls.iter().max_by_key(|p| p.number).unwrap();
    assert_eq!(newest.state, "open");
    assert!(newest.body.contains("iac:terraform"), "{}", newest.body);
    let added: BTreeSet<&String> = newest
        .files
        .keys()
        .filter(|path| path.starts_with(".github/workflows/"))
        .collect();
    assert!(added.iter().any(|p| p.contains("checkov")), "{added:?}");

    // The same delivery twice changes nothing.
    let last_push = world
        .fake
        .deliveries()
        .into_iter()
        .rev()
        .find(|d| d.event == "push")
        .unwrap();
    world.fake.clear_requests();
    let deliveries_before = world.store().delivery_count().await.unwrap();
    let status = world.fake.redeliver(&last_push.guid).await.unwrap();
    assert_eq!(status, 200);
    world.settle().await;
    assert_eq!(
        world.store().delivery_count().await.unwrap(),
        deliveries_before
    );
    assert!(
        world.fake.requests().is_empty(),
        "{:?}",
        world.fake.requests()
    );
    assert_eq!(world.pulls(covered).len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_injected_faults_every_repository_still_ends_onboarded_once() {
    let repos = organisation(20);
    let names: Vec<(String, Files)> = repos
        .iter()
        .map(|s| (s.name.clone(), s.files.clone()))
        .collect();
    // GitHub also tells the App about its own writes (push to the onboarding branch,
    // pull request opened): they must change nothing.
    let options = FakeOptions {
        api_write_webhooks: true,
        ..paged()
    };
    let world = World::new(repos, options).await;
    world.fake.set_faults(Faults {
        error_rate: 0.05,
        secondary_limit_rate: 0.03,
        drop_rate: 0.02,
        latency: Duration::from_millis(2),
        jitter: Duration::from_millis(3),
        seed: 42,
    });
    world.install().await;
    world.settle().await;
    let faulted = world
        .fake
        .requests()
        .iter()
        .filter(|r| r.status >= 500 || r.status == 403 || r.status == 429 || r.status == 0)
        .count();
    assert!(faulted > 10, "only {faulted} faults injected");
    world.fake.set_faults(Faults::default());
    for (name, files) in &names {
        assert_pull_carries_plan(&world, name, files).await;
    }
    assert_eq!(world.fake.secondary_limit_violations(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unchanged_rescan_costs_no_rate_limited_request() {
    let world = World::new(vec![small_service("api")], fake_options()).await;
    let installation = world.install().await;
    world.settle().await;
    assert_eq!(world.pulls("api").len(), 1);
    let id = world.repository_id("api").await;
    let rescan = || async {
        world.fake.clear_requests();
        fullcover::app::jobs::queue_scan(&world.app, i64::try_from(installation).unwrap(), id)
            .await
            .unwrap();
        world.app.wake();
        world.settle().await;
        world.fake.requests()
    };
    // The App's own push to its branch moved the repository's `pushed_at`: the first
    // rescan reads the repository's record again (its visibility may have changed too).
    let first = rescan().await;
    assert_eq!(first.iter().filter(|r| r.counted).count(), 1, "{first:?}");
    // Nothing changed since: the record and the branch both answer 304.
    let requests = rescan().await;
    assert_eq!(requests.len(), 2, "{requests:?}");
    assert!(
        requests.iter().all(|r| r.status == 304 && !r.counted),
        "{requests:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_scan_reads_one_tree_and_only_the_blobs_detection_needs() {
    let mut files = fixture_files("python-django");
    for n in 0..30 {
        files.push((
            format!("app/views_{n:02}.py"),
            format!("def view_{n}(request):\n    return {n}\n").into_bytes(),
        ));
    }
    let needed = {
        let rules = fullcover_core::rules::RuleSet::embedded().unwrap();
        let listing = fullcover_core::snapshot::Snapshot::from_memory("acme/app", files.clone());
        fullcover_core::detect::content_needs(
            &listing,
            &rules,
            fullcover_core::detect::Depth::Deciding,
        )
        .len()
    };
    assert!(
        needed < files.len() / 2,
        "{needed} of {} files needed",
        files.len()
    );
    let mut spec = RepoSpec::new("app");
    spec.files = files;
    let world = World::new(vec![spec], fake_options()).await;
    world.install().await;
    world.settle().await;
    let requests = world.fake.requests();
    let count = |route: &str| requests.iter().filter(|r| r.route == route).count();
    assert_eq!(count("GET /repos/{owner}/{repo}/git/trees/{tree_sha}"), 1);
    assert_eq!(
        count("GET /repos/{owner}/{repo}/git/blobs/{file_sha}"),
        needed
    );
    assert_eq!(count("GET /repos/{owner}/{repo}/contents/{path}"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_workflows_permission_the_refusal_is_recorded_not_retried() {
    let world = World::with(
        vec![small_service("api")],
        fake_options(),
        crate::world::client_options(),
        |fake, credentials| {
            let mut permissions = std::collections::BTreeMap::new();
            for (name, level) in [
                ("metadata", "read"),
                ("contents", "write"),
                ("pull_requests", "write"),
            ] {
                permissions.insert(name.to_owned(), level.to_owned());
            }
            fake.set_app_permissions(credentials.app_id, permissions);
        },
    )
    .await;
    world.install().await;
    world.settle().await;
    assert!(world.pulls("api").is_empty());
    let trees = world
        .fake
        .requests()
        .iter()
        .filter(|r| r.route == "POST /repos/{owner}/{repo}/git/trees")
        .map(|r| r.status)
        .collect::<Vec<_>>();
    assert_eq!(trees, vec![403]);
    let id = world.repository_id("api").await;
    let record = world.store().repository(id).await.unwrap().unwrap();
    let reason = record.reason.unwrap_or_default();
    assert!(
        reason.contains("Resource not accessible by integration"),
        "{reason}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_app_loses_nothing_and_doubles_nothing() {
    let repos = organisation(16);
    let names: Vec<(String, Files)> = repos
        .iter()
        .map(|s| (s.name.clone(), s.files.clone()))
        .collect();
    let mut world = World::new(repos, fake_options()).await;
    world.fake.set_faults(Faults {
        latency: Duration::from_millis(20),
        ..Faults::default()
    });
    world.install().await;
    // Kill it while it works, twice.
    for _ in 0..2 {
        tokio::time::sleep(Duration::from_millis(700)).await;
        world.restart().await;
    }
    world.settle().await;
    world.fake.set_faults(Faults::default());
    for (name, files) in &names {
        assert_pull_carries_plan(&world, name, files).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_config_opt_out_gets_nothing() {
    let world = World::new(
        vec![small_service("quiet").file(".github/fullcover.yml", "onboarding: false\n")],
        fake_options(),
    )
    .await;
    world.install().await;
    world.settle().await;
    assert!(world.pulls("quiet").is_empty());
    let id = world.repository_id("quiet").await;
    let record = world.store().repository(id).await.unwrap().unwrap();
    assert_eq!(record.state, RepoState::OptedOut);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_follow_the_repository_lifecycle() {
    let world = World::new(
        vec![small_service("api"), small_service("docs")],
        fake_options(),
    )
    .await;
    world.install().await;
    world.settle().await;
    let api = world.repository_id("api").await;
    assert_eq!(world.store().scan_count(api).await.unwrap(), 1);

    // A change to source code alone cannot change the requirements: no rescan.
    world
        .push_file(
            "api",
            "main",
            "src/server.js",
            b"console.log('v2');\n".to_vec(),
            "v2",
        )
        .await;
    assert_eq!(world.store().scan_count(api).await.unwrap(), 1);
    // A manifest can: rescan.
    world
        .push_file(
            "api",
            "main",
            "package.json",
            br#"{"name":"api","dependencies":{"express":"^5.0.0"}}"#.to_vec(),
            "deps",
        )
        .await;
    assert_eq!(world.store().scan_count(api).await.unwrap(), 2);
    // A push elsewhere than the default branch: nothing.
    world
        .push_file(
            "api",
            "feature",
            "Dockerfile",
            b"FROM alpine:3.20\n".to_vec(),
            "wip",
        )
        .await;
    assert_eq!(world.store().scan_count(api).await.unwrap(), 2);

    world.fake.archive_repo(ORG, "docs").await.unwrap();
    world
        .fake
        .rename_repo(ORG, "api", "api-gateway")
        .await
        .unwrap();
    world.settle().await;
    let docs = world.repository_id("docs").await;
    let record = world.store().repository(docs).await.unwrap().unwrap();
    assert_eq!(
        (record.state, record.reason.as_deref()),
        (RepoState::Excluded, Some("archived"))
    );
    let record = world.store().repository(api).await.unwrap().unwrap();
    assert_eq!(record.full_name, "acme/api-gateway");

    let installation = world.installation_id().await;
    world
        .fake
        .uninstall(u64::try_from(installation).unwrap())
        .await
        .unwrap();
    world.settle().await;
    for record in world.store().repositories(installation).await.unwrap() {
        assert_eq!(record.state, RepoState::Excluded, "{}", record.full_name);
    }
    assert_eq!(
        world
            .store()
            .installation_state(installation)
            .await
            .unwrap(),
        Some(InstallationState::Deleted)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conflicting_branch_is_rebuilt_on_the_new_head() {
    let dependabot = "version: 2\nupdates:\n  - package-ecosystem: \"github-actions\"\n    directory: \"/\"\n    schedule:\n      interval: \"weekly\"\n";
    let world = World::new(
        vec![small_service("api").file(".github/dependabot.yml", dependabot)],
        fake_options(),
    )
    .await;
    // Dependabot alerts would satisfy npm without a dependabot.yml entry.
    world
        .fake
        .set_security_feature(ORG, "api", SecurityFeature::DependabotAlerts, false)
        .unwrap();
    world.install().await;
    world.settle().await;
    let first = world.pulls("api");
    assert_eq!(first.len(), 1);
    assert!(
        first[0].files[".github/dependabot.yml"].len() > dependabot.len(),
        "npm entry added"
    );
    // Someone edits the same file on main: the onboarding branch now conflicts.
    let edited = format!("# Reviewed by the platform team\n{dependabot}");
    world
        .push_file(
            "api",
            "main",
            ".github/dependabot.yml",
            edited.clone().into_bytes(),
            "comment",
        )
        .await;
    let pulls = world.pulls("api");
    assert_eq!(pulls.len(), 1, "the same pull request is updated");
    let rebuilt = String::from_utf8(pulls[0].files[".github/dependabot.yml"].clone()).unwrap();
    assert!(
        rebuilt.starts_with("# Reviewed by the platform team\n"),
        "{rebuilt}"
    );
    assert!(rebuilt.contains("npm"), "{rebuilt}");
    assert_ne!(pulls[0].head_sha, first[0].head_sha);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_truncated_tree_is_walked_level_by_level() {
    let mut spec = small_service("deep");
    for n in 0..12 {
        spec = spec.file(
            &format!("services/s{n}/package.json"),
            format!(r#"{{"name":"s{n}","dependencies":{{"left-pad":"1.3.0"}}}}"#),
        );
    }
    let files = spec.files.clone();
    // 29 entries in all, at most 12 in one directory.
    let options = FakeOptions {
        tree_entry_limit: 14,
        ..fake_options()
    };
    let world = World::new(vec![spec], options).await;
    world.install().await;
    world.settle().await;
    assert_pull_carries_plan(&world, "deep", &files).await;
    let trees = world
        .fake
        .requests()
        .iter()
        .filter(|r| r.route == "GET /repos/{owner}/{repo}/git/trees/{tree_sha}")
        .count();
    // The truncated recursive answer, then the root and each directory on its own:
    // src, services and services/s0 to s11.
    assert_eq!(trees, 1 + 1 + 14, "{trees} tree requests");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repositories_join_and_leave_the_installation() {
    let world = World::new(
        vec![small_service("api"), small_service("web")],
        fake_options(),
    )
    .await;
    let installation = world
        .fake
        .install(world.credentials.app_id, ORG, Some(vec!["api".into()]))
        .await
        .unwrap();
    world.settle().await;
    assert_eq!(world.pulls("api").len(), 1);
    assert!(world.pulls("web").is_empty());
    world
        .fake
        .add_repos_to_installation(installation, &["web"])
        .await
        .unwrap();
    world.settle().await;
    assert_eq!(world.pulls("web").len(), 1);
    world
        .fake
        .remove_repos_from_installation(installation, &["api"])
        .await
        .unwrap();
    world.settle().await;
    let api = world.repository_id("api").await;
    let record = world.store().repository(api).await.unwrap().unwrap();
    assert_eq!(record.state, RepoState::Excluded);
    assert_eq!(
        record.reason.as_deref(),
        Some("removed from the installation")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_primary_rate_limit_pauses_the_app_until_it_resets() {
    // GitHub's hour lasts 3.6 s here, and the installation may make 60 requests in it:
    // onboarding six repositories (about 80 requests) needs a second hour.
    let mut options = fake_options();
    options.limits.time_scale = 1000.0;
    options.limits.primary_per_hour = 60;
    let mut client = crate::world::client_options();
    client.pacing = fullcover::github::limits::Pacing::scaled(1000.0);
    let repos: Vec<RepoSpec> = (1..=6)
        .map(|n| small_service(&format!("svc-{n}")))
        .collect();
    let world = World::with(repos, options, client, |_, _| {}).await;
    world.install().await;
    world.settle().await;
    for n in 1..=6 {
        assert_eq!(world.pulls(&format!("svc-{n}")).len(), 1, "svc-{n}");
    }
    let requests = world.fake.requests();
    // Refused for the rate limit: not the default-setup reads, which this App's
    // permissions never allow (it falls back to the analyses, by design).
    let refused = requests
        .iter()
        .filter(|r| r.status == 403 && !r.route.ends_with("/code-scanning/default-setup"))
        .count();
    let counted = requests.iter().filter(|r| r.counted).count();
    assert!(
        counted > 60,
        "only {counted} counted requests: the limit was never reached"
    );
    // The App stops when the headers say nothing is left; only requests already in
    // flight on other workers (or other blob reads of the same scan) can be refused.
    // Measured: 1 in each of 5 runs.
    assert!(
        refused <= 8,
        "{refused} requests refused for the rate limit"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn github_enterprise_server_is_reached_below_api_v3() {
    let options = FakeOptions {
        api_prefix: "/api/v3".into(),
        per_page_max: 1,
        ..fake_options()
    };
    let world = World::new(vec![small_service("api"), small_service("web")], options).await;
    assert!(world.fake.url().ends_with("/api/v3"));
    world.install().await;
    world.settle().await;
    assert_eq!(world.pulls("api").len(), 1);
    assert_eq!(world.pulls("web").len(), 1);
    // Nothing is served outside /api/v3, so every request went below it; the second
    // page of repositories came from following the Link there.
    let requests = world.fake.requests();
    assert!(
        requests.iter().all(|r| !r.route.contains("(unmatched)")),
        "{requests:?}"
    );
    let pages = requests
        .iter()
        .filter(|r| r.route == "GET /installation/repositories")
        .count();
    assert_eq!(pages, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_pull_request_stays_closed_until_the_configuration_opts_in() {
    let world = World::new(vec![small_service("api")], fake_options()).await;
    world.install().await;
    world.settle().await;
    let first = world.pulls("api")[0].number;
    world.fake.close_pull(ORG, "api", first).await.unwrap();
    world.settle().await;
    let id = world.repository_id("api").await;
    assert_eq!(
        world.store().repository(id).await.unwrap().unwrap().state,
        RepoState::OptedOut
    );
    // A change that needs a new plan (a Dockerfile) still opens nothing.
    world
        .push_file(
            "api",
            "main",
            "Dockerfile",
            b"FROM node:22-alpine\nCOPY . .\n".to_vec(),
            "container",
        )
        .await;
    assert_eq!(world.pulls("api").len(), 1);
    // The repository's configuration opts back in: a new pull request.
    world
        .push_file(
            "api",
            "main",
            ".github/fullcover.yml",
            b"onboarding: true\n".to_vec(),
            "opt in",
        )
        .await;
    let pulls = world.pulls("api");
    assert_eq!(pulls.len(), 2, "{pulls:?}");
    let newest = pulls.iter().max_by_key(|p| p.number).unwrap();
    assert_eq!(newest.state, "open");
    assert!(
        newest.files.keys().any(|path| path.contains("trivy")),
        "{:?}",
        newest.files.keys()
    );
    assert_eq!(
        world.store().repository(id).await.unwrap().unwrap().state,
        RepoState::Onboarding
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repositories_come_back_into_scope() {
    let world = World::new(
        vec![small_service("api"), RepoSpec::new("later")],
        fake_options(),
    )
    .await;
    let installation = world.install().await;
    world.settle().await;
    let api = world.repository_id("api").await;
    let later = world.repository_id("later").await;
    // Suspended, then unsuspended: back in scope, and scanned again.
    world.fake.suspend(installation).await.unwrap();
    world.settle().await;
    assert_eq!(
        world.store().repository(api).await.unwrap().unwrap().state,
        RepoState::Excluded
    );
    world.fake.unsuspend(installation).await.unwrap();
    world.settle().await;
    assert_eq!(
        world.store().repository(api).await.unwrap().unwrap().state,
        RepoState::Onboarding
    );
    // An empty repository's first push brings it in (with GitHub's own controls off,
    // which would otherwise satisfy all a lone requirements.txt needs).
    for feature in [
        SecurityFeature::DependabotAlerts,
        SecurityFeature::SecretScanning,
    ] {
        world
            .fake
            .set_security_feature(ORG, "later", feature, false)
            .unwrap();
    }
    fullcover::app::worker::reconcile(&world.app).await;
    world.settle().await;
    assert_eq!(
        world
            .store()
            .repository(later)
            .await
            .unwrap()
            .unwrap()
            .reason
            .as_deref(),
        Some("empty repository")
    );
    world
        .push_file(
            "later",
            "main",
            "requirements.txt",
            b"flask==3.0.0\n".to_vec(),
            "first",
        )
        .await;
    assert_eq!(world.pulls("later").len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fork_cannot_close_the_onboarding_for_the_repository() {
    let world = World::new(vec![small_service("api")], fake_options()).await;
    world.install().await;
    world.settle().await;
    let number = world.pulls("api")[0].number;
    // A fork opens a pull request from its own `fullcover/onboarding` and closes it: the
    // delivery is real (signed by GitHub), its head is another repository.
    world.fake.close_pull(ORG, "api", number).await.unwrap();
    let closed = world
        .fake
        .deliveries()
        .into_iter()
        .rev()
        .find(|d| d.event == "pull_request")
        .unwrap();
    let mut payload = world.fake.delivery_payload(&closed.guid).unwrap();
    world.settle().await;
    let id = world.repository_id("api").await;
    // Opt back in by reopening, then replay a forged close from a fork.
    world
        .store()
        .set_repository_state(id, RepoState::Onboarding, None)
        .await
        .unwrap();
    payload["pull_request"]["head"]["repo"]["id"] = serde_json::json!(424242);
    let status = world
        .deliver("pull_request", "forged-from-a-fork", &payload)
        .await;
    assert_eq!(status, 202);
    world.settle().await;
    assert_eq!(
        world.store().repository(id).await.unwrap().unwrap().state,
        RepoState::Onboarding
    );
    assert_eq!(
        world.store().pull_request_events(id).await.unwrap().len(),
        2,
        "opened, closed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commits_people_push_to_the_onboarding_branch_are_kept() {
    let world = World::new(vec![small_service("api")], fake_options()).await;
    world.install().await;
    world.settle().await;
    // A maintainer adjusts the proposal on its branch.
    let theirs = world
        .fake
        .push(
            ORG,
            "api",
            BRANCH,
            vec![("NOTES.md".into(), Some(b"reviewed\n".to_vec()))],
            "review notes",
        )
        .await
        .unwrap();
    // The plan changes (a Dockerfile arrives on main): the branch is not force-pushed.
    world
        .push_file(
            "api",
            "main",
            "Dockerfile",
            b"FROM node:22-alpine\n".to_vec(),
            "container",
        )
        .await;
    assert_eq!(
        world.fake.head(ORG, "api", BRANCH).as_deref(),
        Some(theirs.as_str())
    );
    let id = world.repository_id("api").await;
    let record = world.store().repository(id).await.unwrap().unwrap();
    assert!(
        record
            .reason
            .unwrap_or_default()
            .contains("not Fullcover's")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bot_commit_on_top_of_a_persons_does_not_let_the_branch_be_force_pushed() {
    let world = World::new(vec![small_service("api")], fake_options()).await;
    world.install().await;
    world.settle().await;
    // A person's commit, then a formatting bot's on top of it.
    world
        .fake
        .push(
            ORG,
            "api",
            BRANCH,
            vec![("NOTES.md".into(), Some(b"reviewed\n".to_vec()))],
            "review notes",
        )
        .await
        .unwrap();
    let bot = world
        .fake
        .push_as(
            ORG,
            "api",
            BRANCH,
            vec![("NOTES.md".into(), Some(b"reviewed\n\n".to_vec()))],
            "[pre-commit.ci] auto fixes",
            "pre-commit-ci[bot]",
        )
        .await
        .unwrap();
    world
        .push_file(
            "api",
            "main",
            "Dockerfile",
            b"FROM node:22-alpine\n".to_vec(),
            "container",
        )
        .await;
    assert_eq!(
        world.fake.head(ORG, "api", BRANCH).as_deref(),
        Some(bot.as_str()),
        "the person's commit under the bot's is kept"
    );
}
