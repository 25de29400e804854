//! What onboarding costs the App against GitHub: requests per repository, and pull
//! requests per hour under GitHub's secondary limits.
//!
//! The real App (HTTP server, workers, SQLite store) runs against the fake GitHub with
//! 30 ms ± 10 ms of latency on every request:
//!
//! - (a) the demo organisation's eligible repositories, onboarded once, then rescanned
//!   unchanged: requests per repository by endpoint, the blobs detection needs
//!   (`detect::content_needs(.., Depth::Deciding)`) and the requests that counted
//!   against the primary rate limit;
//! - (b) 1,000 repositories in one installation: pull requests per hour against the
//!   ceiling GitHub's content-creation limit sets (500 writes an hour / writes per pull
//!   request), the secondary-limit violations the fake counted, and the time until 90%
//!   of the pull requests were open, for all repositories and for the recently active
//!   ones (a fifth were pushed to within 30 days, spread through the listing; the rest
//!   up to 150 days ago). GitHub's clock (the fake's limits and the App's pacing) runs
//!   `TIME_SCALE` times faster; latency does not.
//!
//! Run with `cargo bench --bench app_onboarding`; the numbers are also written to
//! `target/bench-app.json`.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    reason = "a benchmark fails loudly"
)]

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use fullcover::app::server::{self, Running};
use fullcover::app::{App, Behaviour, jobs};
use fullcover::demo::org;
use fullcover::github::limits::Pacing;
use fullcover::github::{AppIdentity, ClientOptions, GitHubApp};
use fullcover::store::{RepoState, Store};
use fullcover_core::detect;
use fullcover_core::plan::Templates;
use fullcover_core::rules::RuleSet;
use fullcover_core::snapshot::Snapshot;
use fullcover_fake_github::{FakeGitHub, FakeOptions, LoggedRequest, RepoSpec};
use secrecy::SecretString;
use serde_json::json;

/// GitHub's clock runs this many times faster: an hour lasts 36 s. The App sends one
/// content-creating request at a time (as GitHub asks), so a write costs at least its
/// latency, which does not speed up with the clock: at this scale the 7.2 s GitHub
/// allows per write (500 an hour) last 72 ms, still above the ~35 ms a write takes.
const TIME_SCALE: f64 = 100.0;
/// Repositories of (b); `FULLCOVER_BENCH_REPOS` overrides it for a quick look.
const REPOSITORIES: usize = 1000;
/// GitHub's content-creation limit per installation and hour.
const WRITES_PER_HOUR: f64 = 500.0;

struct World {
    fake: FakeGitHub,
    app: App,
    running: Running,
    installation: i64,
    _dir: tempfile::TempDir,
}

async fn world(repos: &[RepoSpec], pushed: impl Fn(usize) -> Option<i64>) -> World {
    let mut options = FakeOptions::default();
    options.limits.time_scale = TIME_SCALE;
    options.faults.latency = Duration::from_millis(20);
    options.faults.jitter = Duration::from_millis(20);
    let fake = FakeGitHub::start(options).await.unwrap();
    let credentials = fake.create_app("fullcover");
    fake.create_org(org::ORG);
    let now = chrono::Utc::now();
    for (i, spec) in repos.iter().enumerate() {
        fake.create_repo(org::ORG, spec.clone());
        if let Some(days) = pushed(i) {
            fake.set_pushed_at(org::ORG, &spec.name, now - chrono::Duration::days(days))
                .unwrap();
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let store = Store::connect(&fullcover::store::sqlite_url(&dir.path().join("app.db")))
        .await
        .unwrap();
    let github = GitHubApp::new(
        &AppIdentity {
            app_id: credentials.app_id,
            private_key_pem: SecretString::from(credentials.private_key_pem.clone()),
            api_url: fake.url(),
        },
        ClientOptions {
            pacing: Pacing::scaled(TIME_SCALE),
            ..ClientOptions::default()
        },
    )
    .unwrap();
    let app = App::new(
        store,
        github,
        RuleSet::embedded().unwrap(),
        Templates::embedded().unwrap(),
        SecretString::from(credentials.webhook_secret.clone()),
        Behaviour::default(),
    );
    let running = server::start(app.clone(), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    fake.set_webhook_url(
        credentials.app_id,
        &format!("http://{}/webhooks", running.addr),
    );
    let installation = fake
        .install(credentials.app_id, org::ORG, None)
        .await
        .unwrap();
    World {
        fake,
        app,
        running,
        installation: i64::try_from(installation).unwrap(),
        _dir: dir,
    }
}

impl World {
    /// Repositories the App is done with (a pull request open, or out of scope).
    async fn done(&self) -> usize {
        self.app
            .store()
            .repositories(self.installation)
            .await
            .unwrap()
            .iter()
            .filter(|r| r.state != RepoState::Pending)
            .count()
    }

    async fn idle(&self) -> bool {
        self.app.store().queue_depth().await.unwrap() == 0
            && self
                .app
                .store()
                .pending_deliveries(1)
                .await
                .unwrap()
                .is_empty()
    }

    async fn stop(self) {
        self.running.stop().await;
        self.fake.shutdown().await;
    }
}

fn eligible() -> Vec<RepoSpec> {
    org::repositories()
        .into_iter()
        .filter(|spec| !spec.archived && !spec.fork)
        .collect()
}

/// The endpoint a request counts under in the tables.
fn endpoint(request: &LoggedRequest) -> String {
    let route = request
        .route
        .replace("/repos/{owner}/{repo}/", "/")
        .replace("{*ref}", "{ref}");
    route.replace("/repos/{owner}/{repo}", "/ (the repository)")
}

fn is_write(request: &LoggedRequest) -> bool {
    request.method != "GET" && request.installation_id.is_some()
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let requests = runtime.block_on(requests_per_repository());
    let throughput = runtime.block_on(onboarding_throughput());
    let report = json!({
        "time_scale": TIME_SCALE,
        "latency_ms": "30 ± 10",
        "requests_per_repository": requests,
        "onboarding": throughput,
    });
    let target = std::env::var("CARGO_TARGET_DIR")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../../target").to_owned());
    let path = std::path::Path::new(&target).join("bench-app.json");
    std::fs::create_dir_all(&target).unwrap();
    std::fs::write(&path, serde_json::to_string_pretty(&report).unwrap()).unwrap();
    println!("\nwrote {}", path.display());
}

/// (a): a first scan and an unchanged rescan of each demo repository.
async fn requests_per_repository() -> serde_json::Value {
    let specs = eligible();
    let world = world(&specs, |_| None).await;
    wait(|| async { world.done().await == specs.len() && world.idle().await }).await;
    let first = world.fake.requests();
    world.fake.clear_requests();
    for record in world
        .app
        .store()
        .repositories(world.installation)
        .await
        .unwrap()
    {
        jobs::queue_scan(&world.app, world.installation, record.id)
            .await
            .unwrap();
    }
    world.app.wake();
    wait(|| async { world.idle().await }).await;
    let rescan = world.fake.requests();

    let rules = RuleSet::embedded().unwrap();
    println!(
        "(a) requests per repository, first scan (latency 30 ms ± 10 ms)\n\n{:<16} {:>5} {:>6} {:>7} {:>5} {:>5} {:>6} {:>7} {:>6} {:>8} | rescan {:>5} {:>8}",
        "repository",
        "tree",
        "blobs",
        "needed",
        "ref",
        "repo",
        "pulls",
        "writes",
        "total",
        "counted",
        "total",
        "counted"
    );
    let mut rows = Vec::new();
    let mut by_endpoint: BTreeMap<String, usize> = BTreeMap::new();
    for spec in &specs {
        let prefix = format!("/repos/{}/{}/", org::ORG, spec.name);
        let mine = |log: &[LoggedRequest]| -> Vec<LoggedRequest> {
            log.iter()
                .filter(|r| {
                    format!("{}/", r.path.split('?').next().unwrap_or("")).starts_with(&prefix)
                })
                .cloned()
                .collect()
        };
        let scanned = mine(&first);
        let again = mine(&rescan);
        let count = |what: &str| scanned.iter().filter(|r| endpoint(r) == what).count();
        for request in &scanned {
            *by_endpoint.entry(endpoint(request)).or_default() += 1;
        }
        let listing = Snapshot::from_memory(&spec.name, spec.files.clone());
        let needed = detect::content_needs(&listing, &rules, detect::Depth::Deciding).len();
        let row = json!({
            "repository": spec.name,
            "files": spec.files.len(),
            "tree": count("GET /git/trees/{tree_sha}"),
            "blobs": count("GET /git/blobs/{file_sha}"),
            "blobs_needed": needed,
            "ref": count("GET /git/ref/{ref}"),
            "repo": count("GET / (the repository)"),
            "pulls": scanned.iter().filter(|r| r.method == "GET" && r.route.contains("/pulls")).count(),
            "writes": scanned.iter().filter(|r| is_write(r)).count(),
            "total": scanned.len(),
            "counted": scanned.iter().filter(|r| r.counted).count(),
            "rescan_total": again.len(),
            "rescan_counted": again.iter().filter(|r| r.counted).count(),
            "rescan_routes": again.iter().map(|r| format!("{} {}", endpoint(r), r.status)).collect::<Vec<_>>(),
        });
        let cell = |key: &str| row[key].to_string();
        println!(
            "{:<16} {:>5} {:>6} {:>7} {:>5} {:>5} {:>6} {:>7} {:>6} {:>8} | rescan {:>5} {:>8}",
            spec.name,
            cell("tree"),
            cell("blobs"),
            cell("blobs_needed"),
            cell("ref"),
            cell("repo"),
            cell("pulls"),
            cell("writes"),
            cell("total"),
            cell("counted"),
            cell("rescan_total"),
            cell("rescan_counted"),
        );
        rows.push(row);
    }
    println!("\nFirst scans by endpoint ({} repositories):", specs.len());
    for (route, n) in &by_endpoint {
        println!("  {n:>4}  {route}");
    }
    let per_installation: BTreeMap<String, usize> = first
        .iter()
        .filter(|r| !r.path.starts_with(&format!("/repos/{}/", org::ORG)))
        .fold(BTreeMap::new(), |mut m, r| {
            *m.entry(r.route.clone()).or_default() += 1;
            m
        });
    println!("Once per installation: {per_installation:?}");
    let unexpected: Vec<_> = rescan
        .iter()
        .filter(|r| r.counted)
        .map(|r| format!("{} {}", r.route, r.status))
        .collect();
    println!("Rescan requests that counted: {unexpected:?}");
    world.stop().await;
    json!({
        "repositories": rows,
        "first_scan_by_endpoint": by_endpoint,
        "per_installation": per_installation,
        "rescan_counted": unexpected,
    })
}

/// (b): 1,000 repositories onboarded in one installation.
async fn onboarding_throughput() -> serde_json::Value {
    let repositories = std::env::var("FULLCOVER_BENCH_REPOS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(REPOSITORIES);
    let templates = eligible();
    let specs: Vec<RepoSpec> = (0..repositories)
        .map(|i| {
            let mut spec = templates[i % templates.len()].clone();
            spec.name = format!("{}-{i:04}", spec.name);
            spec
        })
        .collect();
    let started = Instant::now();
    let world = world(&specs, |i| Some(days_since_push(i))).await;
    let active: std::collections::HashSet<String> = specs
        .iter()
        .enumerate()
        .filter(|(i, _)| days_since_push(*i) < ACTIVE_DAYS)
        .map(|(_, spec)| format!("{}/{}", org::ORG, spec.name))
        .collect();
    let hour = Duration::from_secs_f64(3600.0 / TIME_SCALE);
    let mut samples: Vec<(Duration, usize)> = Vec::new();
    // (when, pull requests open, of which in recently active repositories)
    let mut opened: Vec<(Duration, usize, usize)> = Vec::new();
    let deadline = started + hour * 12;
    loop {
        let records = world
            .app
            .store()
            .repositories(world.installation)
            .await
            .unwrap();
        let done = records
            .iter()
            .filter(|r| r.state != RepoState::Pending)
            .count();
        let open: Vec<_> = records
            .iter()
            .filter(|r| r.state == RepoState::Onboarding)
            .collect();
        let open_active = open
            .iter()
            .filter(|r| active.contains(&r.full_name))
            .count();
        samples.push((started.elapsed(), done));
        opened.push((started.elapsed(), open.len(), open_active));
        if done == repositories || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let elapsed = started.elapsed();
    let log = world.fake.requests();
    let pulls = world
        .app
        .store()
        .repositories(world.installation)
        .await
        .unwrap()
        .iter()
        .filter(|r| r.state == RepoState::Onboarding)
        .count();
    let writes = log.iter().filter(|r| is_write(r) && r.status < 300).count();
    let refused = log
        .iter()
        .filter(|r| is_write(r) && r.status >= 300)
        .count();
    let violations = world.fake.secondary_limit_violations();
    let failed = world.app.store().failed_jobs().await.unwrap().len();
    world.stop().await;

    let writes_per_pull = writes as f64 / pulls.max(1) as f64;
    let ceiling = WRITES_PER_HOUR / writes_per_pull;
    let virtual_hours = elapsed.as_secs_f64() * TIME_SCALE / 3600.0;
    let per_hour = pulls as f64 / virtual_hours;
    // The start has a whole hour's budget at once; the pace of the hours that follow
    // is what the ceiling bounds: PRs over the last whole virtual hours.
    let whole_hours = (virtual_hours.floor() - 1.0).max(1.0);
    let since = elapsed.saturating_sub(hour.mul_f64(whole_hours));
    let done_then = samples
        .iter()
        .rev()
        .find(|(at, _)| *at <= since)
        .map_or(0, |(_, done)| *done);
    let steady = (pulls.saturating_sub(done_then)) as f64 / whole_hours;
    let busiest = busiest_hour(&samples, hour);
    let active_pulls = opened.last().map_or(0, |(_, _, a)| *a);
    let to_hours = |at: Option<Duration>| at.map(|at| at.as_secs_f64() * TIME_SCALE / 3600.0);
    let all_90 = to_hours(first_reaching(&opened, pulls * 9 / 10, |(_, n, _)| *n));
    let active_90 = to_hours(first_reaching(
        &opened,
        active_pulls * 9 / 10,
        |(_, _, a)| *a,
    ));
    let hours = |h: Option<f64>| h.map_or("never".to_owned(), |h| format!("{h:.2} h virtual"));
    println!(
        "\n(b) onboarding {repositories} repositories in one installation (GitHub's clock x{TIME_SCALE}, latency 30 ms ± 10 ms)\n"
    );
    let rows = [
        ("pull requests opened", format!("{pulls}")),
        ("writes per pull request", format!("{writes_per_pull:.2}")),
        (
            "ceiling (500 / writes per PR)",
            format!("{ceiling:.1} PRs/h"),
        ),
        (
            "elapsed",
            format!(
                "{:.1} s real = {virtual_hours:.2} h virtual",
                elapsed.as_secs_f64()
            ),
        ),
        (
            "achieved, whole run",
            format!(
                "{per_hour:.1} PRs/h = {:.0}% of the ceiling",
                per_hour / ceiling * 100.0
            ),
        ),
        (
            "achieved, last whole hours",
            format!(
                "{steady:.1} PRs/h = {:.0}% of the ceiling ({whole_hours} h)",
                steady / ceiling * 100.0
            ),
        ),
        ("most PRs in one virtual hour", format!("{busiest}")),
        ("90% of the PRs open after", hours(all_90)),
        (
            "90% of active repos' PRs after",
            format!("{} ({active_pulls} PRs)", hours(active_90)),
        ),
        ("secondary-limit violations", format!("{violations}")),
        ("writes refused", format!("{refused}")),
        ("failed jobs", format!("{failed}")),
    ];
    for (what, value) in rows {
        println!("  {what:<32} {value}");
    }
    json!({
        "repositories": repositories,
        "pull_requests": pulls,
        "writes": writes,
        "writes_per_pull_request": writes_per_pull,
        "ceiling_per_hour": ceiling,
        "elapsed_real_seconds": elapsed.as_secs_f64(),
        "elapsed_virtual_hours": virtual_hours,
        "pull_requests_per_hour": per_hour,
        "share_of_ceiling": per_hour / ceiling,
        "steady_pull_requests_per_hour": steady,
        "steady_share_of_ceiling": steady / ceiling,
        "steady_hours": whole_hours,
        "most_pull_requests_in_one_hour": busiest,
        "virtual_hours_to_90_percent_of_pull_requests": all_90,
        "recently_active_pull_requests": active_pulls,
        "virtual_hours_to_90_percent_of_recently_active": active_90,
        "secondary_limit_violations": violations,
        "writes_refused": refused,
        "failed_jobs": failed,
    })
}

/// Repositories pushed to within this many days count as recently active.
const ACTIVE_DAYS: i64 = 30;

/// Days since the `i`-th repository of (b) was pushed to: 0 to 149, scattered through the
/// listing (7919 is prime to 1,000), so a fifth are recently active wherever they sit.
fn days_since_push(i: usize) -> i64 {
    i64::try_from((i * 7919) % 1000).unwrap() * 3 / 20
}

/// When the count `of` a sample first reached `target` (a target of 0 never counts).
fn first_reaching(
    samples: &[(Duration, usize, usize)],
    target: usize,
    of: impl Fn(&(Duration, usize, usize)) -> usize,
) -> Option<Duration> {
    samples
        .iter()
        .find(|sample| target > 0 && of(sample) >= target)
        .map(|(at, _, _)| *at)
}

/// The most repositories finished within any one (virtual) hour, from the samples.
fn busiest_hour(samples: &[(Duration, usize)], hour: Duration) -> usize {
    let mut most = 0;
    for (i, (start, before)) in samples.iter().enumerate() {
        let within = samples[i..]
            .iter()
            .take_while(|(at, _)| *at - *start <= hour)
            .last()
            .map_or(*before, |(_, done)| *done);
        most = most.max(within - before);
    }
    most
}

async fn wait<F, Fut>(mut done: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(300);
    let mut quiet = 0;
    while quiet < 3 {
        assert!(Instant::now() < deadline, "the App did not settle");
        tokio::time::sleep(Duration::from_millis(100)).await;
        quiet = if done().await { quiet + 1 } else { 0 };
    }
}
