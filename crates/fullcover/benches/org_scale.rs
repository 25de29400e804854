//! Reads at organisation scale (issue 12): the real `fullcover serve` binary, in its own
//! process, on a record of `FULLCOVER_BENCH_ORG_REPOS` repositories (default 10,000)
//! with `FULLCOVER_BENCH_ORG_DAYS` days of daily scans (default 365), written by
//! `fullcover demo seed` and kept in `target/bench-org-scale/` (SQLite) or a database
//! `fc_bench_<repos>_<days>` (PostgreSQL, when `FULLCOVER_TEST_POSTGRES_URL` is set) to
//! be reused by the next run.
//!
//! Measured, per backend: p50/p95/p99 of sequential requests to the organisation's
//! coverage API and page, a repository's API and page, the organisation's and a
//! repository's badges and the public status page; then 8 readers hammering the
//! coverage API while signed `push` deliveries arrive at 20 a second (intake latency:
//! the answer to `POST /webhooks`); and the server's peak resident memory (`VmHWM`).
//! A request that takes over 30 s counts as 30 s and the run goes on; a series stops
//! after `FULLCOVER_BENCH_ORG_BUDGET` seconds (default 120) once it has 5 samples. The
//! server is killed if its resident memory passes `FULLCOVER_BENCH_ORG_MEMORY_LIMIT`
//! MiB (default 4,096), so that a run cannot exhaust the machine; later requests then
//! count as errors.
//!
//! Run with `cargo bench --bench org_scale`; the numbers are also written to
//! `target/bench-org-scale.json`.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    reason = "a benchmark fails loudly"
)]

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use fullcover::store::Store;
use fullcover_fake_github::{FakeGitHub, FakeOptions};
use serde_json::{Value, json};

const ORG: &str = "initech";
const TIMEOUT: Duration = Duration::from_secs(30);
const READERS: usize = 8;
const WEBHOOKS_PER_SECOND: u64 = 20;

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .map(|value| {
            value
                .parse()
                .unwrap_or_else(|_| panic!("{name} is not a number: {value:?}"))
        })
        .unwrap_or(default)
}

struct Settings {
    repos: u64,
    days: u64,
    requests: u64,
    budget: Duration,
    webhooks: u64,
    memory_limit_kib: u64,
}

fn target_dir() -> std::path::PathBuf {
    std::path::PathBuf::from(
        std::env::var("CARGO_TARGET_DIR")
            .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../../target").to_owned()),
    )
}

/// Latencies in milliseconds, and how many requests timed out or failed.
#[derive(Default)]
struct Series {
    millis: Vec<f64>,
    timeouts: u64,
    errors: u64,
}

impl Series {
    fn percentile(&self, p: f64) -> f64 {
        let mut sorted = self.millis.clone();
        sorted.sort_by(f64::total_cmp);
        if sorted.is_empty() {
            return f64::NAN;
        }
        let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
        sorted[rank.clamp(1, sorted.len()) - 1]
    }

    fn json(&self, name: &str) -> Value {
        json!({
            "name": name,
            "n": self.millis.len(),
            "p50_ms": self.percentile(50.0),
            "p95_ms": self.percentile(95.0),
            "p99_ms": self.percentile(99.0),
            "max_ms": self.percentile(100.0),
            "timeouts": self.timeouts,
            "errors": self.errors,
        })
    }

    fn row(&self, name: &str) -> String {
        format!(
            "{name:<28} {:>5} {:>10.1} {:>10.1} {:>10.1} {:>10.1} {:>5}/{}",
            self.millis.len(),
            self.percentile(50.0),
            self.percentile(95.0),
            self.percentile(99.0),
            self.percentile(100.0),
            self.timeouts,
            self.errors,
        )
    }
}

/// One timed request; a timeout counts as [`TIMEOUT`].
async fn timed(request: reqwest::RequestBuilder, series: &mut Series) {
    let started = Instant::now();
    let outcome = request.send().await;
    let outcome = match outcome {
        Ok(answer) => {
            let ok = answer.status().is_success();
            answer.bytes().await.map(|_| ok)
        }
        Err(err) => Err(err),
    };
    match outcome {
        Ok(true) => series.millis.push(started.elapsed().as_secs_f64() * 1000.0),
        Ok(false) => {
            series.errors += 1;
            series.millis.push(started.elapsed().as_secs_f64() * 1000.0);
        }
        Err(err) if err.is_timeout() => {
            series.timeouts += 1;
            series.millis.push(TIMEOUT.as_secs_f64() * 1000.0);
        }
        Err(_) => series.errors += 1,
    }
}

/// Where a backend's record lives, seeded if it is not there yet.
struct Record {
    backend: &'static str,
    url: String,
    /// Seconds `fullcover demo seed` took, when this run seeded.
    seed_seconds: Option<f64>,
    bytes: Option<u64>,
}

fn seed(url: &str, settings: &Settings) -> f64 {
    let started = Instant::now();
    let status = Command::new(env!("CARGO_BIN_EXE_fullcover"))
        .args(["demo", "seed", "--org", ORG, "--repos"])
        .arg(settings.repos.to_string())
        .arg("--days")
        .arg(settings.days.to_string())
        .arg("--database-url")
        .arg(url)
        .status()
        .unwrap();
    assert!(status.success(), "fullcover demo seed failed");
    started.elapsed().as_secs_f64()
}

/// A record is complete once the bench made the organisation public, after its seed.
async fn complete(url: &str) -> bool {
    let store = Store::connect(url).await.unwrap();
    store.org_public(ORG).await.unwrap()
}

/// Builds the read model of a record (a no-op after `fullcover demo seed`, which builds
/// it; a record seeded by an older binary gets it here); returns the seconds it took.
async fn build_read_model(url: &str) -> f64 {
    let started = Instant::now();
    let store = Store::connect(url).await.unwrap();
    let rules = fullcover_core::rules::RuleSet::embedded().unwrap();
    // Every row behind, those under other rules or row formats too (after an upgrade the
    // server would rebuild them in the background, paced, during the series).
    let rebuilt = store
        .refresh_rollups(None, &rules, fullcover::store::now())
        .await
        .unwrap();
    let seconds = started.elapsed().as_secs_f64();
    println!("read model: {rebuilt} rows built in {seconds:.1} s");
    seconds
}

async fn publish(url: &str) {
    let store = Store::connect(url).await.unwrap();
    store.set_org_public(ORG, true).await.unwrap();
}

async fn sqlite_record(settings: &Settings) -> Record {
    let dir = target_dir().join("bench-org-scale");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("sqlite-{}x{}.db", settings.repos, settings.days));
    let url = fullcover::store::sqlite_url(&path);
    let mut seed_seconds = None;
    if !(path.exists() && complete(&url).await) {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
        seed_seconds = Some(seed(&url, settings));
        publish(&url).await;
    }
    let bytes = ["", "-wal"]
        .iter()
        .filter_map(|suffix| std::fs::metadata(format!("{}{suffix}", path.display())).ok())
        .map(|meta| meta.len())
        .sum();
    Record {
        backend: "sqlite",
        url,
        seed_seconds,
        bytes: Some(bytes),
    }
}

async fn postgres_record(admin_url: &str, settings: &Settings) -> Record {
    use sqlx::{Executor, Row};
    sqlx::any::install_default_drivers();
    let admin = sqlx::AnyPool::connect(admin_url).await.unwrap();
    let name = format!("fc_bench_{}_{}", settings.repos, settings.days);
    let (base, _) = admin_url.rsplit_once('/').unwrap();
    let url = format!("{base}/{name}");
    let exists = admin
        .fetch_optional(sqlx::AssertSqlSafe(format!(
            "SELECT 1 AS one FROM pg_database WHERE datname = '{name}'"
        )))
        .await
        .unwrap()
        .is_some();
    let mut seed_seconds = None;
    if !(exists && complete(&url).await) {
        if exists {
            admin
                .execute(sqlx::AssertSqlSafe(format!("DROP DATABASE {name}")))
                .await
                .unwrap();
        }
        admin
            .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .await
            .unwrap();
        seed_seconds = Some(seed(&url, settings));
        publish(&url).await;
    }
    let bytes = admin
        .fetch_one(sqlx::AssertSqlSafe(format!(
            "SELECT pg_database_size('{name}') AS n"
        )))
        .await
        .unwrap()
        .try_get::<i64, _>("n")
        .ok()
        .and_then(|n| u64::try_from(n).ok());
    Record {
        backend: "postgres",
        url,
        seed_seconds,
        bytes,
    }
}

/// Where the server's log goes: `FULLCOVER_BENCH_ORG_SERVER_LOG` names a file (with
/// `RUST_LOG`, e.g. `sqlx::query=debug`, to see every statement's time), else nowhere.
fn server_log() -> Stdio {
    match std::env::var_os("FULLCOVER_BENCH_ORG_SERVER_LOG") {
        Some(path) => std::fs::File::create(path).map_or_else(|_| Stdio::null(), Stdio::from),
        None => Stdio::null(),
    }
}

struct Server {
    child: Child,
    base: String,
}

impl Server {
    async fn start(url: &str, fake: &FakeGitHub, secret: &str, key: &std::path::Path) -> Server {
        let credentials = fake.create_app("fullcover");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        std::fs::write(key, &credentials.private_key_pem).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_fullcover"))
            .arg("serve")
            .env("FULLCOVER_APP_ID", credentials.app_id.to_string())
            .env("FULLCOVER_PRIVATE_KEY_PATH", key)
            .env("FULLCOVER_WEBHOOK_SECRET", secret)
            .env("FULLCOVER_GITHUB_API_URL", fake.url())
            .env("FULLCOVER_DATABASE_URL", url)
            .env("FULLCOVER_LISTEN", format!("127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(server_log())
            .spawn()
            .unwrap();
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(120);
        while reqwest::get(format!("{base}/healthz")).await.is_err() {
            assert!(Instant::now() < deadline, "fullcover serve did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Server { child, base }
    }

    /// (peak, current) resident memory in KiB, from /proc.
    fn memory(&self) -> (Option<u64>, Option<u64>) {
        memory_of(self.child.id())
    }
}

/// (VmHWM, VmRSS) of a process in KiB, from /proc.
fn memory_of(pid: u32) -> (Option<u64>, Option<u64>) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
    };
    (field("VmHWM:"), field("VmRSS:"))
}

/// Kills the server (SIGKILL by its pid) once its resident memory passes `limit_kib`,
/// so that a run cannot take the machine down; returns its peak then, if it did.
fn memory_guard(pid: u32, limit_kib: u64) -> tokio::task::JoinHandle<Option<u64>> {
    tokio::spawn(async move {
        loop {
            match memory_of(pid) {
                (peak, Some(rss)) if rss > limit_kib => {
                    let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
                    return Some(peak.unwrap_or(rss));
                }
                (_, Some(_)) => tokio::time::sleep(Duration::from_millis(100)).await,
                _ => return None,
            }
        }
    })
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A `push` to the default branch that changes only a README: stored and handled, no
/// scan (no changed path can change the result).
fn push_body(repository: i64, full_name: &str, installation: i64, n: u64) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "ref": "refs/heads/main",
        "before": format!("{:040x}", n),
        "after": format!("{:040x}", n + 1),
        "forced": false,
        "repository": {"id": repository, "full_name": full_name, "default_branch": "main"},
        "installation": {"id": installation},
        "sender": {"login": "bench"},
        "commits": [{"added": [], "removed": [], "modified": ["README.md"]}],
    }))
    .unwrap()
}

async fn measure(record: &Record, settings: &Settings, fake: &FakeGitHub) -> Value {
    let store = Store::connect(&record.url).await.unwrap();
    let token = store.create_token(ORG, "bench").await.unwrap();
    let session = store
        .create_session("bench", &[ORG.to_owned()], 3_600)
        .await
        .unwrap();
    // (id, name without the owner); anonymous badges exist for public ones only
    let names = store.repository_names(ORG).await.unwrap();
    let repositories: Vec<(i64, String)> = names
        .iter()
        .map(|(id, (name, _))| (*id, name.clone()))
        .collect();
    let public: Vec<String> = names
        .values()
        .filter(|(_, private)| !private)
        .map(|(name, _)| name.clone())
        .collect();
    assert!(!public.is_empty(), "the seed made every repository private");
    let installation = store
        .repository(repositories[0].0)
        .await
        .unwrap()
        .unwrap()
        .installation_id;
    drop(store);
    // The scans the previous run's synthetic pushes queued (for repositories the fake
    // GitHub does not hold: they fail and retry) would run during this run's series:
    // every run starts as the first after the seed did, with no jobs.
    {
        use sqlx::Executor;
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&record.url).await.unwrap();
        pool.execute("DELETE FROM jobs").await.unwrap();
        pool.close().await;
    }
    let dir = tempfile::tempdir().unwrap();
    let secret = uuid::Uuid::new_v4().simple().to_string();
    let server = Server::start(&record.url, fake, &secret, &dir.path().join("key.pem")).await;
    let guard = memory_guard(server.child.id(), settings.memory_limit_kib);
    let http = reqwest::Client::builder().timeout(TIMEOUT).build().unwrap();
    let base = server.base.clone();
    let bearer = format!("Bearer {token}");
    let cookie = format!("fullcover_session={session}");
    let mut rng = fastrand::Rng::with_seed(7);
    let mut results = Vec::new();
    println!(
        "\n{} ({} repositories, {} days): requests, ms",
        record.backend, settings.repos, settings.days
    );
    println!(
        "{:<28} {:>5} {:>10} {:>10} {:>10} {:>10} {:>7} {:>9}",
        "", "n", "p50", "p95", "p99", "max", "t/o/err", "peak MiB"
    );
    // The server's peak resident memory after each series, to tell which one raised it.
    let peak_mib = |server: &Server| server.memory().0.unwrap_or(0) as f64 / 1024.0;
    println!(
        "{:<28} {:>55} {:>9.1}",
        "after start-up",
        "",
        peak_mib(&server)
    );
    type Path = Box<dyn Fn(&str) -> (String, bool)>;
    let cases: Vec<(&str, Path)> = vec![
        (
            "org coverage API",
            Box::new(|_| (format!("/api/v1/orgs/{ORG}/coverage"), true)),
        ),
        ("org page", Box::new(|_| (format!("/orgs/{ORG}"), false))),
        (
            "repository API",
            Box::new(|repo| (format!("/api/v1/orgs/{ORG}/repos/{repo}"), true)),
        ),
        (
            "repository page",
            Box::new(|repo| (format!("/orgs/{ORG}/repos/{repo}"), false)),
        ),
        (
            "org badge",
            Box::new(|_| (format!("/badges/{ORG}/coverage.svg"), false)),
        ),
        (
            "repository badge",
            Box::new(|repo| (format!("/badges/{ORG}/{repo}/coverage.svg"), false)),
        ),
        (
            "public status page",
            Box::new(|_| (format!("/orgs/{ORG}/status"), false)),
        ),
    ];
    for (name, path) in &cases {
        let mut series = Series::default();
        let started = Instant::now();
        for _ in 0..settings.requests {
            let repo = if *name == "repository badge" {
                public[rng.usize(..public.len())].clone()
            } else {
                repositories[rng.usize(..repositories.len())].1.clone()
            };
            let (path, api) = path(&repo);
            let request = http.get(format!("{base}{path}"));
            // Pages with a member's session, the API with a token; badges and the
            // status page anonymously (the organisation is public).
            let request = if api {
                request.header("authorization", &bearer)
            } else if *name == "org page" || *name == "repository page" {
                request.header("cookie", &cookie)
            } else {
                request
            };
            timed(request, &mut series).await;
            if series.millis.len() >= 5 && started.elapsed() > settings.budget {
                break;
            }
        }
        let peak = peak_mib(&server);
        println!("{} {peak:>9.1}", series.row(name));
        let mut row = series.json(name);
        row["server_peak_mib"] = json!(peak);
        results.push(row);
    }
    // 8 readers on the coverage API while deliveries arrive at 20 a second.
    let stop = Arc::new(AtomicBool::new(false));
    let mut readers = Vec::new();
    for _ in 0..READERS {
        let (http, stop, url, bearer) = (
            http.clone(),
            stop.clone(),
            format!("{base}/api/v1/orgs/{ORG}/coverage"),
            bearer.clone(),
        );
        readers.push(tokio::spawn(async move {
            let mut series = Series::default();
            while !stop.load(Ordering::Relaxed) {
                timed(http.get(&url).header("authorization", &bearer), &mut series).await;
            }
            series
        }));
    }
    let mut deliveries = Vec::new();
    let mut tick = tokio::time::interval(Duration::from_millis(1_000 / WEBHOOKS_PER_SECOND));
    let run = uuid::Uuid::new_v4().simple().to_string();
    for n in 0..settings.webhooks {
        tick.tick().await;
        let (id, name) = &repositories[rng.usize(..repositories.len())];
        let body = push_body(*id, &format!("{ORG}/{name}"), installation, n);
        let signature = fullcover::app::webhook::sign(secret.as_bytes(), &body);
        let request = http
            .post(format!("{base}/webhooks"))
            .header("content-type", "application/json")
            .header("x-github-event", "push")
            .header("x-github-delivery", format!("{run}-{n}"))
            .header("x-hub-signature-256", signature)
            .body(body);
        deliveries.push(tokio::spawn(async move {
            let mut series = Series::default();
            timed(request, &mut series).await;
            series
        }));
    }
    let mut intake = Series::default();
    for delivery in deliveries {
        let one = delivery.await.unwrap();
        intake.millis.extend(one.millis);
        intake.timeouts += one.timeouts;
        intake.errors += one.errors;
    }
    stop.store(true, Ordering::Relaxed);
    let mut reads = Series::default();
    for reader in readers {
        let one = reader.await.unwrap();
        reads.millis.extend(one.millis);
        reads.timeouts += one.timeouts;
        reads.errors += one.errors;
    }
    let peak = peak_mib(&server);
    println!("{} {peak:>9.1}", reads.row("coverage API, 8 readers"));
    println!("{} {peak:>9.1}", intake.row("webhook intake, 20/s"));
    let (mut peak, now) = server.memory();
    let killed = if guard.is_finished() {
        guard.await.unwrap_or(None)
    } else {
        guard.abort();
        None
    };
    if let Some(at_kill) = killed {
        peak = Some(at_kill);
        println!(
            "server killed: resident memory passed {} MiB (FULLCOVER_BENCH_ORG_MEMORY_LIMIT)",
            settings.memory_limit_kib / 1024
        );
    }
    println!(
        "server memory: peak {:.1} MiB, now {:.1} MiB; database {:.1} MiB{}",
        peak.unwrap_or(0) as f64 / 1024.0,
        now.unwrap_or(0) as f64 / 1024.0,
        record.bytes.unwrap_or(0) as f64 / 1_048_576.0,
        record
            .seed_seconds
            .map(|s| format!(", seeded in {s:.0} s"))
            .unwrap_or_default()
    );
    json!({
        "backend": record.backend,
        "seed_seconds": record.seed_seconds,
        "database_bytes": record.bytes,
        "requests": results,
        "concurrent": {
            "readers": READERS,
            "reads": reads.json("coverage API, 8 readers"),
            "webhooks_per_second": WEBHOOKS_PER_SECOND,
            "intake": intake.json("webhook intake"),
        },
        "server_memory_kib": {"peak": peak, "end": now, "killed_at_limit": killed.map(|_| settings.memory_limit_kib)},
    })
}

fn main() {
    let settings = Settings {
        repos: env_number("FULLCOVER_BENCH_ORG_REPOS", 10_000),
        days: env_number("FULLCOVER_BENCH_ORG_DAYS", 365),
        requests: env_number("FULLCOVER_BENCH_ORG_REQUESTS", 50),
        budget: Duration::from_secs(env_number("FULLCOVER_BENCH_ORG_BUDGET", 120)),
        webhooks: env_number("FULLCOVER_BENCH_ORG_WEBHOOKS", 200),
        memory_limit_kib: env_number("FULLCOVER_BENCH_ORG_MEMORY_LIMIT", 4_096) * 1024,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let report = runtime.block_on(async {
        let fake = FakeGitHub::start(FakeOptions::default()).await.unwrap();
        let mut backends = Vec::new();
        let record = sqlite_record(&settings).await;
        build_read_model(&record.url).await;
        backends.push(measure(&record, &settings, &fake).await);
        if let Ok(admin) = std::env::var("FULLCOVER_TEST_POSTGRES_URL") {
            let record = postgres_record(&admin, &settings).await;
            build_read_model(&record.url).await;
            backends.push(measure(&record, &settings, &fake).await);
        }
        fake.shutdown().await;
        json!({
            "repositories": settings.repos,
            "days": settings.days,
            "backends": backends,
        })
    });
    let target = target_dir();
    let path = target.join("bench-org-scale.json");
    std::fs::create_dir_all(&target).unwrap();
    std::fs::write(&path, serde_json::to_string_pretty(&report).unwrap()).unwrap();
    println!("\nwrote {}", path.display());
}
