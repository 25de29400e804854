//! Scans whose cost the repository cannot blow up, against the fake: a truncated tree of
//! 3,000 directories, 1,500 ambiguous headers, eight 40 MB files, and an installation
//! whose hourly budget three large repositories would exhaust. Each scan stays within
//! its request budget, reads blobs only up to what detection uses, says in its report
//! (and on the repository's page) what it left out, and is recorded.

use fullcover::app::scan_bounds::SCAN_REQUESTS;
use fullcover_core::report::ScanReport;
use fullcover_fake_github::{FakeOptions, RepoSpec};
use sha1::{Digest, Sha1};

use crate::web::{get, sign_in, signed_in};
use crate::world::{ORG, World, fake_options};

const MANIFEST: &str = r#"{"name":"mono","version":"1.0.0","dependencies":{"express":"^4.19.2"}}"#;
const WORKFLOW: &str =
    "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: npm test\n";

/// Git's id of a blob holding `bytes`.
fn blob_sha(bytes: &[u8]) -> String {
    let mut hasher = Sha1::new();
    hasher.update(format!("blob {}\0", bytes.len()).as_bytes());
    hasher.update(bytes);
    hex::encode(hasher.finalize())
}

/// The App's reads of `repo`'s trees and blobs, as the fake logged them.
struct Reads {
    trees: usize,
    blobs: Vec<String>,
}

fn reads(world: &World, repo: &str) -> Reads {
    let prefix = format!("/repos/{ORG}/{repo}/git/");
    let logged = world.fake.requests();
    let gets = logged
        .iter()
        .filter(|request| request.method == "GET")
        .filter_map(|request| request.path.strip_prefix(&prefix));
    let mut reads = Reads {
        trees: 0,
        blobs: Vec::new(),
    };
    for rest in gets {
        if rest.starts_with("trees/") {
            reads.trees += 1;
        } else if let Some(sha) = rest.strip_prefix("blobs/") {
            reads.blobs.push(sha.to_owned());
        }
    }
    reads
}

async fn latest_report(world: &World, repo: &str) -> ScanReport {
    let now = fullcover::store::now();
    let id = world
        .store()
        .org_history(ORG, now)
        .await
        .unwrap()
        .unwrap()
        .into_iter()
        .find(|history| history.full_name == format!("{ORG}/{repo}"))
        .unwrap_or_else(|| panic!("{repo} not on record"))
        .id;
    let detail = world.store().repo_detail(id, now).await.unwrap().unwrap();
    detail
        .report
        .unwrap_or_else(|| panic!("{repo} has no scan recorded"))
}

fn general_warnings(report: &ScanReport) -> Vec<String> {
    report
        .warnings
        .iter()
        .filter(|warning| warning.path.is_none())
        .map(|warning| warning.message.clone())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_truncated_tree_of_3000_directories_is_walked_within_the_budget() {
    let mut spec = RepoSpec::new("mono")
        .file("package.json", MANIFEST)
        .file(".github/workflows/ci.yml", WORKFLOW);
    // 30 groups of 100 services: no single directory is truncated, the whole is.
    for n in 0..3000 {
        spec = spec.file(
            &format!("group-{:02}/svc-{n:04}/main.go", n / 100),
            format!("package main\n\n// service {n}\nfunc main() {{}}\n"),
        );
    }
    // GitHub truncates a recursive listing past 100,000 entries; a lower limit makes
    // this tree as truncated as a 100,000-entry one.
    let options = FakeOptions {
        tree_entry_limit: 1_000,
        ..fake_options()
    };
    let world = World::new(vec![spec], options).await;
    world.install().await;
    world.settle().await;

    let reads = reads(&world, "mono");
    // The old walk listed every directory: 3,034 tree requests.
    assert!(
        reads.trees + reads.blobs.len() <= SCAN_REQUESTS,
        "{} tree and {} blob requests",
        reads.trees,
        reads.blobs.len()
    );
    assert!(reads.trees > 100, "the walk used its share of the budget");
    // The root, `.github`, `.github/workflows`, 30 groups and 3,000 services are
    // directories, all known once the groups are listed; the first tree request is the
    // recursive one.
    let unlisted = 3033 - (reads.trees - 1);
    let report = latest_report(&world, "mono").await;
    let warnings = general_warnings(&report);
    assert!(
        warnings.iter().any(|warning| warning.starts_with(&format!(
            "{unlisted} directories not listed: the scan's budget of {SCAN_REQUESTS} requests is spent"
        ))),
        "{warnings:#?}"
    );
    // `.github` is listed before the services: its workflow and the manifest were read.
    for content in [MANIFEST, WORKFLOW] {
        assert!(
            reads.blobs.contains(&blob_sha(content.as_bytes())),
            "{content}"
        );
    }
    assert!(
        report
            .ecosystems
            .iter()
            .flat_map(|ecosystem| &ecosystem.manifests)
            .any(|manifest| manifest == "package.json"),
        "{:#?}",
        report.ecosystems
    );
    let record = world
        .store()
        .repository(world.repository_id("mono").await)
        .await
        .unwrap()
        .unwrap();
    assert!(
        record
            .reason
            .as_deref()
            .is_none_or(|reason| !reason.contains("failed")),
        "{record:?}"
    );

    // The repository's page says what the scan left out.
    world.fake.add_member(ORG, "octocat");
    let member = sign_in(&world, "octocat").await;
    let page = get(&world, "/orgs/acme/repos/mono", signed_in(&member)).await;
    let html = page.text().await.unwrap();
    assert!(
        html.contains("The last scan did not read everything")
            && html.contains(&format!("{unlisted} directories not listed")),
        "{html}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifteen_hundred_ambiguous_headers_cost_at_most_the_budget() {
    let mut spec = RepoSpec::new("headers").file("package.json", MANIFEST);
    for n in 0..1500 {
        spec = spec.file(
            &format!("include/h{n:04}.h"),
            format!("#include <stdio.h>\nint f{n}(void);\n"),
        );
    }
    let world = World::new(vec![spec], fake_options()).await;
    world.install().await;
    world.settle().await;

    let reads = reads(&world, "headers");
    // The old scan read every header: 1,501 blob requests.
    assert_eq!(reads.trees, 1, "the tree fits in one recursive listing");
    assert!(
        reads.trees + reads.blobs.len() <= SCAN_REQUESTS,
        "{} blob requests",
        reads.blobs.len()
    );
    // The manifest decides requirements: it goes before the headers.
    assert!(reads.blobs.contains(&blob_sha(MANIFEST.as_bytes())));
    let not_read = 1501 - reads.blobs.len();
    assert!(not_read > 1000);
    let report = latest_report(&world, "headers").await;
    let warnings = general_warnings(&report);
    assert!(
        warnings.iter().any(|warning| warning.starts_with(&format!(
            "{not_read} files not read: the scan's budget of {SCAN_REQUESTS} requests is spent (include/h"
        ))),
        "{warnings:#?}"
    );
    // What was read still tells the language.
    assert!(
        report.languages.iter().any(|language| language.name == "C"),
        "{:#?}",
        report.languages
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_files_of_40_mb_are_read_only_as_far_as_detection_reads() {
    const SIZE: usize = 40 * 1024 * 1024;
    let line = b"int value;\n";
    let big: Vec<u8> = line.iter().copied().cycle().take(SIZE).collect();
    let mut spec = RepoSpec::new("large").file("package.json", MANIFEST);
    for n in 0..8 {
        // Ambiguous (heuristics read 50 KiB) and structured (1 MiB) files.
        let path = if n % 2 == 0 {
            format!("data/table-{n}.h")
        } else {
            format!("deploy/values-{n}.json")
        };
        spec = spec.file(&path, big.clone());
    }
    let world = World::new(vec![spec], fake_options()).await;
    world.install().await;
    world.settle().await;

    let reads = reads(&world, "large");
    let big_sha = blob_sha(&big);
    let big_reads = reads.blobs.iter().filter(|sha| **sha == big_sha).count();
    let served = world.fake.blob_bytes_served();
    // The old scan fetched each in full as base64 JSON: 8 × 56 MB.
    let whole = (8 * SIZE) as u64;
    assert!(
        served < whole / 4,
        "{served} bytes of blobs served for {big_reads} reads of the large files"
    );
    let report = latest_report(&world, "large").await;
    assert!(
        report.languages.iter().any(|language| language.name == "C"),
        "{:#?}",
        report.languages
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scans_leave_the_installation_a_reserve_and_wait_for_the_reset() {
    let mut options = fake_options();
    // Three scans of 400 requests exceed what is left above the reserve (1,000 − 100).
    options.limits.primary_per_hour = 1_000;
    let repos: Vec<RepoSpec> = ["one", "two", "three"]
        .into_iter()
        .map(|name| {
            let mut spec = RepoSpec::new(name).file("package.json", MANIFEST);
            for n in 0..600 {
                spec = spec.file(
                    &format!("src/m{n:03}.h"),
                    format!("#include <stdlib.h>\nint {name}_{n}(void);\n"),
                );
            }
            spec
        })
        .collect();
    let world = World::new(repos, options).await;
    world.install().await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let deferred = loop {
        let jobs = world.store().open_jobs().await.unwrap();
        if let Some(job) = jobs.iter().find(|job| job.4.starts_with("deferred")) {
            break job.clone();
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no scan was deferred: {jobs:#?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    assert_eq!(deferred.0, "scan");
    world.settle().await;
    // The budget was never exhausted: the fake refused nothing for the rate limit (the
    // 403 of code scanning's default setup says the repository has no Advanced Security).
    let refused: Vec<_> = world
        .fake
        .requests()
        .into_iter()
        .filter(|request| request.status == 403 || request.status == 429)
        .filter(|request| !request.route.ends_with("/code-scanning/default-setup"))
        .collect();
    assert!(refused.is_empty(), "{refused:#?}");
    for name in ["one", "two", "three"] {
        let report = latest_report(&world, name).await;
        assert!(
            report.languages.iter().any(|language| language.name == "C"),
            "{name}: {:#?}",
            report.languages
        );
    }
}
