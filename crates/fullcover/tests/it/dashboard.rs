//! The dashboard in a real browser: a seeded record of the organisation `acme` (six
//! repositories over four weeks), the real App server, and headless Chromium driven
//! over chromedriver's W3C WebDriver API. Screenshots land in `target/test-artifacts/`.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use fullcover::app::server;
use fullcover::store::{
    InstallationState, PullRequestEvent, PullRequestRecord, PullRequestState, RepoState,
    ScanRecord, Store,
};
use fullcover_core::metrics::{DAY, HOUR, RecordedRun, RunSource};
use fullcover_fake_github::FakeGitHub;
use serde_json::{Value, json};

use crate::world::{client_options, fake_options, start_app};

const INSTALLATION: i64 = 1;

/// One requirement of a seeded scan: its id and whether it is satisfied.
type Requirement = (&'static str, bool);

fn category(id: &str) -> &str {
    id.split(':').next().unwrap_or(id)
}

async fn scan(store: &Store, repo: i64, at: i64, requirements: &[Requirement]) {
    let missing: Vec<String> = requirements
        .iter()
        .filter(|(_, ok)| !ok)
        .map(|(id, _)| (*id).to_owned())
        .collect();
    let satisfied: Vec<String> = requirements
        .iter()
        .filter(|(_, ok)| *ok)
        .map(|(id, _)| (*id).to_owned())
        .collect();
    let mut categories = serde_json::Map::new();
    for (id, ok) in requirements {
        let entry = categories
            .entry(category(id))
            .or_insert_with(|| json!({"required": 0, "satisfied": 0}));
        entry["required"] = json!(entry["required"].as_u64().unwrap() + 1);
        if *ok {
            entry["satisfied"] = json!(entry["satisfied"].as_u64().unwrap() + 1);
        }
    }
    let scanner = |id: &str| match category(id) {
        "sast" => "codeql",
        "secrets" => "trufflehog",
        "sca" => "osv-scanner",
        "iac" => "checkov",
        "container" => "trivy",
        _ => "zizmor",
    };
    let report = json!({
        "repository": format!("acme/repository-{repo}"),
        "languages": [
            {"name": "Python", "type": "programming", "bytes": 52_000, "files": 40, "share": 86.4},
            {"name": "HCL", "type": "programming", "bytes": 6_000, "files": 5, "share": 10.0},
            {"name": "Dockerfile", "type": "programming", "bytes": 2_100, "files": 1, "share": 3.6}
        ],
        "iac": [
            {"kind": "terraform", "name": "Terraform", "files": ["infra/main.tf", "infra/vpc.tf"]},
            {"kind": "dockerfile", "name": "Dockerfile", "files": ["Dockerfile"]}
        ],
        "ecosystems": [
            {"name": "pip", "title": "pip", "manifests": ["requirements.txt"], "lockfiles": [], "directories": ["/"], "dependencies": 12, "dependabot": true}
        ],
        "scanners": satisfied.iter().map(|id| json!({
            "id": scanner(id), "name": scanner(id).to_uppercase(), "category": category(id), "running": true,
            "evidence": [{"path": format!(".github/workflows/{}.yml", scanner(id)), "line": 14, "signal": "uses"}],
            "covers": [id]
        })).collect::<Vec<_>>(),
        "requirements": requirements.iter().map(|(id, ok)| json!({
            "id": id, "category": category(id), "reason": format!("the stack needs {id}"),
            "status": if *ok { "satisfied" } else { "missing" },
            "satisfied_by": if *ok { vec![scanner(id)] } else { vec![] }
        })).collect::<Vec<_>>(),
        "coverage": {
            "required": requirements.len(),
            "satisfied": satisfied.len(),
            "percent": if requirements.is_empty() { 100.0 } else { (satisfied.len() * 1000 / requirements.len()) as f64 / 10.0 },
            "by_category": {}
        },
        "warnings": [],
    });
    store
        .record_scan(&ScanRecord {
            repository_id: repo,
            commit_sha: &format!("{at:040x}"),
            at,
            required: requirements.len() as i64,
            satisfied: satisfied.len() as i64,
            missing: &missing,
            satisfied_ids: &satisfied,
            categories: &Value::Object(categories).to_string(),
            report: &report.to_string(),
        })
        .await
        .unwrap();
    // Each scanner it relies on runs weekly on schedule and succeeds, so what the scan
    // found configured keeps counting (metrics::scanner_state).
    let now = fullcover::store::now();
    for id in &satisfied {
        let mut when = at + HOUR;
        while when <= now {
            let run = RecordedRun {
                source: RunSource::Workflow {
                    path: format!(".github/workflows/{}.yml", scanner(id)),
                    name: scanner(id).to_uppercase(),
                },
                conclusion: "success".into(),
                completed_at: when,
                event: Some("schedule".into()),
                branch: "main".into(),
            };
            store.record_run(repo, &run).await.unwrap();
            when += 7 * DAY;
        }
    }
}

async fn pull(
    store: &Store,
    repo: i64,
    name: &str,
    number: i64,
    opened: i64,
    end: Option<(PullRequestEvent, i64)>,
) {
    let record = |state: PullRequestState| PullRequestRecord {
        repository_id: repo,
        number,
        state,
        plan_hash: "plan".into(),
        url: format!("https://github.com/acme/{name}/pull/{number}"),
    };
    store
        .upsert_pull_request_at(
            &record(PullRequestState::Open),
            PullRequestEvent::Opened,
            opened,
        )
        .await
        .unwrap();
    if let Some((event, at)) = end {
        store
            .upsert_pull_request_at(&record(event.state_after()), event, at)
            .await
            .unwrap();
    }
}

/// The organisation `acme`, all in scope from `start` (four weeks before now):
/// - api: 1/3 at first, PR #1 merged on day 2, covered since;
/// - web: 2/4, PR #2 merged on day 5; on day 20 Terraform appears and the container
///   scan is removed (3/5) until day 22;
/// - worker: 0/2, PR #3 merged on day 10;
/// - billing: covered from its first scan (3/3);
/// - mobile: 1/3, PR #5 still open;
/// - docs: 0/1, PR #6 closed on day 3: opted out;
/// - legacy: excluded (archived), out of scope.
///
/// Covered now: 4 of 6; requirements 14 of 17 (82.4%). Uptime over 30 and 90 days,
/// known from each first scan at start + 1 h until now (28 d - 1 h each):
/// covered api 26 d, web 15 d + 6 d, worker 18 d, billing 28 d - 1 h, others 0:
/// (93 d - 1 h) / (6 × (28 d - 1 h)) = 2231 h / 4026 h = 55.4%.
async fn seed(store: &Store, start: i64) {
    store
        .upsert_installation(
            INSTALLATION,
            "acme",
            "Organization",
            InstallationState::Active,
        )
        .await
        .unwrap();
    let names = [
        "api", "web", "worker", "billing", "mobile", "docs", "legacy",
    ];
    for (index, name) in names.iter().enumerate() {
        let id = 101 + index as i64;
        store
            .upsert_repository(
                id,
                INSTALLATION,
                &format!("acme/{name}"),
                Some("main"),
                false,
            )
            .await
            .unwrap();
        store.set_entered_scope_at(id, start).await.unwrap();
    }
    let first = start + HOUR;
    let (api, web, worker, billing, mobile, docs, legacy) = (101, 102, 103, 104, 105, 106, 107);

    scan(
        store,
        api,
        first,
        &[
            ("sast:python", true),
            ("secrets", false),
            ("sca:pip", false),
        ],
    )
    .await;
    pull(
        store,
        api,
        "api",
        1,
        first,
        Some((PullRequestEvent::Merged, start + 2 * DAY)),
    )
    .await;
    scan(
        store,
        api,
        start + 2 * DAY,
        &[("sast:python", true), ("secrets", true), ("sca:pip", true)],
    )
    .await;

    let web_base = [
        ("sast:python", true),
        ("secrets", true),
        ("sca:pip", false),
        ("container:dockerfile", false),
    ];
    scan(store, web, first, &web_base).await;
    pull(
        store,
        web,
        "web",
        2,
        first,
        Some((PullRequestEvent::Merged, start + 5 * DAY)),
    )
    .await;
    let web_full = [
        ("sast:python", true),
        ("secrets", true),
        ("sca:pip", true),
        ("container:dockerfile", true),
    ];
    scan(store, web, start + 5 * DAY, &web_full).await;
    let mut web_tf = web_full.to_vec();
    // Terraform appears and the container scan's workflow is removed: broken.
    web_tf.push(("iac:terraform", false));
    web_tf[3].1 = false;
    scan(store, web, start + 20 * DAY, &web_tf).await;
    web_tf[3].1 = true;
    web_tf[4].1 = true;
    scan(store, web, start + 22 * DAY, &web_tf).await;

    scan(
        store,
        worker,
        first,
        &[("secrets", false), ("cicd:github-actions", false)],
    )
    .await;
    pull(
        store,
        worker,
        "worker",
        3,
        first,
        Some((PullRequestEvent::Merged, start + 10 * DAY)),
    )
    .await;
    scan(
        store,
        worker,
        start + 10 * DAY,
        &[("secrets", true), ("cicd:github-actions", true)],
    )
    .await;

    scan(
        store,
        billing,
        first,
        &[("sast:python", true), ("secrets", true), ("sca:pip", true)],
    )
    .await;

    scan(
        store,
        mobile,
        first,
        &[
            ("sast:python", true),
            ("secrets", false),
            ("sca:pip", false),
        ],
    )
    .await;
    pull(store, mobile, "mobile", 5, first, None).await;

    scan(store, docs, first, &[("secrets", false)]).await;
    pull(
        store,
        docs,
        "docs",
        6,
        first,
        Some((PullRequestEvent::Closed, start + 3 * DAY)),
    )
    .await;

    for (id, state) in [
        (api, RepoState::Covered),
        (web, RepoState::Covered),
        (worker, RepoState::Covered),
        (billing, RepoState::Covered),
        (mobile, RepoState::Onboarding),
    ] {
        store.set_repository_state(id, state, None).await.unwrap();
    }
    store
        .set_repository_state(
            docs,
            RepoState::OptedOut,
            Some("onboarding pull request closed without merging"),
        )
        .await
        .unwrap();
    store
        .set_repository_state(legacy, RepoState::Excluded, Some("archived"))
        .await
        .unwrap();
    let now = fullcover::store::now();
    store
        .record_run(
            api,
            &RecordedRun {
                source: RunSource::Check("Analyze (python)".into()),
                conclusion: "success".into(),
                completed_at: now - DAY,
                event: None,
                branch: "main".into(),
            },
        )
        .await
        .unwrap();
}

/// chromedriver, killed when dropped.
struct Driver {
    child: Child,
    url: String,
    http: reqwest::Client,
    session: String,
    _profile: tempfile::TempDir,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Driver {
    async fn start() -> Driver {
        let chromedriver = std::env::var("FULLCOVER_CHROMEDRIVER")
            .unwrap_or_else(|_| "/usr/bin/chromedriver".into());
        let chromium =
            std::env::var("FULLCOVER_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
        let port = free_port();
        let child = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|err| panic!("cannot start {chromedriver}: {err}"));
        let url = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let ready = http.get(format!("{url}/status")).send().await;
            if let Ok(response) = ready
                && let Ok(body) = response.json::<Value>().await
                && body["value"]["ready"] == json!(true)
            {
                break;
            }
            assert!(Instant::now() < deadline, "chromedriver did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let profile = tempfile::tempdir().unwrap();
        let mut driver = Driver {
            child,
            url,
            http,
            session: String::new(),
            _profile: profile,
        };
        let args = vec![
            "--headless".to_owned(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-quic".into(),
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            format!("--user-data-dir={}", driver._profile.path().display()),
            "--window-size=1400,1800".into(),
        ];
        let created = driver
            .call(
                reqwest::Method::POST,
                "/session",
                json!({"capabilities": {"alwaysMatch": {
                    "browserName": "chrome",
                    "goog:chromeOptions": {"binary": chromium, "args": args}
                }}}),
            )
            .await;
        driver.session = created["sessionId"].as_str().unwrap().to_owned();
        driver
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        let mut request = self
            .http
            .request(method.clone(), format!("{}{path}", self.url));
        if method != reqwest::Method::GET && method != reqwest::Method::DELETE {
            request = request.json(&body);
        }
        let response: Value = request.send().await.unwrap().json().await.unwrap();
        assert!(
            response["value"].get("error").is_none(),
            "{method} {path}: {response}"
        );
        response["value"].clone()
    }

    async fn session_call(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        self.call(method, &format!("/session/{}{path}", self.session), body)
            .await
    }

    async fn open(&self, url: &str) {
        self.session_call(reqwest::Method::POST, "/url", json!({ "url": url }))
            .await;
    }

    async fn script(&self, script: &str) -> Value {
        self.session_call(
            reqwest::Method::POST,
            "/execute/sync",
            json!({"script": script, "args": []}),
        )
        .await
    }

    async fn text(&self) -> String {
        self.script("return document.body.innerText;")
            .await
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// A PNG of the whole page: the window is made as tall as the document first.
    async fn screenshot(&self, name: &str) -> PathBuf {
        let height = self
            .script("return document.documentElement.scrollHeight;")
            .await
            .as_u64()
            .unwrap_or(1800)
            .clamp(600, 8000);
        self.session_call(
            reqwest::Method::POST,
            "/window/rect",
            json!({"width": 1400, "height": height + 140}),
        )
        .await;
        let png = self
            .session_call(reqwest::Method::GET, "/screenshot", Value::Null)
            .await;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(png.as_str().unwrap())
            .unwrap();
        assert!(bytes.starts_with(b"\x89PNG"));
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../target")
            .join("test-artifacts");
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    /// A PNG of one element (found by CSS selector), scrolled into view first.
    async fn element_screenshot(&self, selector: &str, name: &str) -> PathBuf {
        let found = self
            .session_call(
                reqwest::Method::POST,
                "/element",
                json!({"using": "css selector", "value": selector}),
            )
            .await;
        let element = found
            .as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("no element {selector}: {found}"))
            .to_owned();
        let png = self
            .session_call(
                reqwest::Method::GET,
                &format!("/element/{element}/screenshot"),
                Value::Null,
            )
            .await;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(png.as_str().unwrap())
            .unwrap();
        assert!(bytes.starts_with(b"\x89PNG"));
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../target")
            .join("test-artifacts");
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    async fn quit(&self) {
        self.session_call(reqwest::Method::DELETE, "", Value::Null)
            .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs chromium and chromedriver"]
async fn the_dashboard_shows_the_record_in_a_browser() {
    let fake = FakeGitHub::start(fake_options()).await.unwrap();
    let credentials = fake.create_app("fullcover");
    let dir = tempfile::tempdir().unwrap();
    let database_url = fullcover::store::sqlite_url(&dir.path().join("fullcover.db"));
    let app = start_app(&fake, &credentials, &database_url, client_options()).await;
    let start = fullcover::store::now() - 28 * DAY;
    seed(app.store(), start).await;
    let session = app
        .store()
        .create_session("octocat", &["acme".into()], 3600)
        .await
        .unwrap();
    let running = server::start(app.clone(), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let base = format!("http://{}", running.addr);

    let driver = Driver::start().await;
    // Without the cookie, the organisation's page asks to sign in and shows nothing.
    driver.open(&format!("{base}/orgs/acme")).await;
    let anonymous = driver.text().await;
    assert!(anonymous.contains("Sign in"), "{anonymous}");
    for private in ["4 of 6", "billing", "55.4%", "#5"] {
        assert!(!anonymous.contains(private), "{private} shown signed out");
    }

    driver
        .session_call(
            reqwest::Method::POST,
            "/cookie",
            json!({"cookie": {"name": "fullcover_session", "value": session, "path": "/"}}),
        )
        .await;
    driver.open(&format!("{base}/orgs/acme")).await;
    let text = driver.text().await;
    for expected in [
        "4 of 6",
        "66.7%",
        "14 of 17",
        "82.4%",
        "55.4%",
        "octocat",
        "Log out",
        // The matrix and the excluded repositories apart.
        "api",
        "billing",
        "mobile",
        "0/1",
        "archived",
        "onboarding pull request closed without merging",
        // Pull requests.
        "#1",
        "#2",
        "#3",
        "#5",
        "#6",
        // web's incident: Terraform, restored after 2 days.
        "iac:terraform",
        "2d 0h",
    ] {
        assert!(text.contains(expected), "{expected} missing from:\n{text}");
    }
    let title = driver.script("return document.title;").await;
    assert_eq!(title, json!("acme · AppSec coverage"));
    let charts = driver
        .script("return document.querySelectorAll('svg[role=img]').length;")
        .await;
    // Burn-ups, distribution and the security trend.
    assert_eq!(charts, json!(4));
    // No permission known yet for acme: unknown, never 0.
    assert!(
        text.contains("not available: permissions not known yet"),
        "{text}"
    );
    driver.screenshot("dashboard-org.png").await;

    driver.open(&format!("{base}/orgs/acme/repos/web")).await;
    let text = driver.text().await;
    for expected in [
        "Python",
        "Terraform",
        "requirements.txt",
        "iac:terraform",
        "broken",
        "restored",
        "#2",
        "merged",
        // Each requirement's scanner state, since when and why (headers in capitals).
        "SCANNER STATE",
        "running since",
        "succeeded on main at",
    ] {
        assert!(text.contains(expected), "{expected} missing from:\n{text}");
    }
    driver.screenshot("dashboard-repo.png").await;

    driver.open(&format!("{base}/orgs/acme/status")).await;
    let text = driver.text().await;
    assert!(text.contains("4 of 6 repositories fully covered"), "{text}");
    for private in ["billing", "mobile", "iac:terraform", "#5"] {
        assert!(!text.contains(private), "status page shows {private}");
    }
    driver.screenshot("dashboard-status.png").await;
    driver.quit().await;
    running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs chromium and chromedriver"]
async fn the_demo_signs_in_through_github_and_shows_real_numbers() {
    let options = fullcover::demo::DemoOptions {
        listen: "127.0.0.1:0".parse().unwrap(),
        fast: true,
        ..fullcover::demo::DemoOptions::default()
    };
    let mut output = Vec::new();
    let demo = fullcover::demo::run(&options, &mut output).await.unwrap();
    let base = format!("http://{}", demo.running.addr);
    let driver = Driver::start().await;
    // "Sign in with GitHub": the App sends the browser to the fake's OAuth page, which
    // approves the signed-in demo user and sends it back; the App sets its session.
    driver.open(&format!("{base}/login")).await;
    let home = driver.text().await;
    assert!(home.contains("demo-user"), "{home}");
    driver.open(&format!("{base}/orgs/acme-demo")).await;
    let live = driver.text().await;
    // Four of the eight onboarding pull requests were merged by the demo.
    assert!(live.contains("4 of 8"), "{live}");
    driver.screenshot("demo-acme-demo.png").await;
    driver.open(&format!("{base}/orgs/globex")).await;
    let seeded = driver.text().await;
    // Covered: the seven merged, and identity from its first scan; notifications opted
    // out, design-system's pull request is open.
    for expected in [
        "8 of 10",
        "checkout",
        "design-system",
        "iac:terraform",
        "legacy-crm",
    ] {
        assert!(
            seeded.contains(expected),
            "{expected} missing from:\n{seeded}"
        );
    }
    // The security outcomes of the seeded findings history, with real numbers.
    let security = driver
        .script("return document.getElementById('security').textContent.replace(/\\s+/g, ' ');")
        .await
        .as_str()
        .unwrap()
        .to_owned();
    for expected in [
        "Security outcomes",
        "MTTR (median)",
        "3d 0h",
        "n = 9 fixed",
        "66.7%",
        "6 of 9 met by the due date",
        "vulnerability-days",
        "Change failure rate · provisional",
        "Overdue severe findings",
        "payments",
        "#7",
        "critical",
    ] {
        assert!(
            security.contains(expected),
            "{expected} missing from:\n{security}"
        );
    }
    assert!(!security.contains("no data"), "{security}");
    assert!(!security.contains("not available"), "{security}");
    let trend = driver
        .script("return document.querySelectorAll('#security svg#security-trend, #security svg[aria-labelledby^=security-trend] circle').length;")
        .await;
    assert!(
        trend.as_u64().unwrap_or(0) > 0,
        "no MTTR point drawn: {trend}"
    );
    driver
        .element_screenshot("#security", "demo-globex-security.png")
        .await;
    driver.screenshot("demo-globex.png").await;
    driver.quit().await;
    demo.stop().await;
}

/// The "Security outcomes" section of a page: from its heading to its end.
fn security_section(html: &str) -> &str {
    let from = html
        .find("id=\"security\"")
        .unwrap_or_else(|| panic!("no security section in {html}"));
    let to = html[from..]
        .find("</section>")
        .map_or(html.len(), |end| from + end);
    &html[from..to]
}

/// Text of `html` without its tags (and the charts' SVG), whitespace collapsed.
fn text_of(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut in_tag = false;
    let mut in_svg = false;
    let mut rest = html;
    while let Some(c) = rest.chars().next() {
        if rest.starts_with("<svg") {
            in_svg = true;
        } else if rest.starts_with("</svg>") {
            in_svg = false;
        }
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                text.push(' ');
            }
            _ if !in_tag && !in_svg => text.push(c),
            _ => {}
        }
        rest = &rest[c.len_utf8()..];
    }
    text.replace("&#x3D;", "=")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

async fn page(client: &reqwest::Client, url: &str, session: &str) -> String {
    let answer = client
        .get(url)
        .header("cookie", format!("fullcover_session={session}"))
        .send()
        .await
        .unwrap();
    assert!(answer.status().is_success(), "{url}: {}", answer.status());
    answer.text().await.unwrap()
}

/// The demo's seeded `globex` served by the App: the org and repository pages show the
/// security outcomes from the seed, with tiers, the trend and the overdue list; with a
/// permission taken away, what it fed says "not available: permission …".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_security_section_shows_the_seeded_numbers_and_missing_permissions() {
    let fake = FakeGitHub::start(fake_options()).await.unwrap();
    let credentials = fake.create_app("fullcover");
    let dir = tempfile::tempdir().unwrap();
    let database_url = fullcover::store::sqlite_url(&dir.path().join("fullcover.db"));
    let app = start_app(&fake, &credentials, &database_url, client_options()).await;
    let store = app.store();
    fullcover::demo::history::seed(store, fullcover::store::now())
        .await
        .unwrap();
    let session = store
        .create_session("octocat", &["globex".into()], 3600)
        .await
        .unwrap();
    let running = server::start(app.clone(), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let base = format!("http://{}", running.addr);
    let client = reqwest::Client::new();

    let html = page(&client, &format!("{base}/orgs/globex"), &session).await;
    let section = security_section(&html);
    assert!(section.contains("<svg") && section.contains("security-trend-title"));
    let text = text_of(section);
    for expected in [
        "Security outcomes",
        // M1: nine fixes, median three days; a tier from n >= 5.
        "MTTR (median) 3d 0h n = 9 fixed",
        "Elite",
        // M2: the risk acceptance and the two open ones are misses.
        "SLA attainment 66.7% 6 of 9 met by the due date · 2 overdue open",
        "MTTD · code scanning 2d 0h",
        "MTTD · Dependabot 1d 0h",
        "MTTD · secret scanning 1h 48m",
        "vulnerability-days",
        "1 cut short by leaving scope",
        "Detection rate 33.3% 1 caught before merge · 2 after not enough data",
        "Escape rate 33.3% 3 of 9 merges escaped · unscanned share 10%",
        "Change failure rate · provisional 11.1% 1 of 9 changes failed",
        "Net resolve rate 81.3% 13 closed of 16 created",
        "Reopen rate 8.3% 1 reopened of 12 fixes",
        // The overdue list, the longest overdue first.
        "search Dependabot #3 high",
        "payments Code scanning #7 critical",
    ] {
        assert!(text.contains(expected), "{expected} missing from:\n{text}");
    }
    assert!(!text.contains("no data"), "{text}");
    assert!(!text.contains("not available"), "{text}");
    assert!(html.contains("href=\"/orgs/globex/repos/payments\""));

    // One repository: its own numbers and overdue findings only.
    let html = page(
        &client,
        &format!("{base}/orgs/globex/repos/payments"),
        &session,
    )
    .await;
    let text = text_of(security_section(&html));
    assert!(
        text.contains("payments Code scanning #7 critical"),
        "{text}"
    );
    assert!(!text.contains("search Dependabot"), "{text}");
    assert!(text.contains("Escape rate"), "{text}");

    // Code scanning alerts can no longer be read.
    store
        .note_permission(
            fullcover::demo::history::INSTALLATION,
            "security_events",
            false,
        )
        .await
        .unwrap();
    let html = page(&client, &format!("{base}/orgs/globex"), &session).await;
    let text = text_of(security_section(&html));
    for expected in [
        "MTTD · code scanning not available: permission security_events not granted",
        "MTTD · Dependabot 1d 0h",
        "without Code scanning: not available: permission security_events not granted",
    ] {
        assert!(text.contains(expected), "{expected} missing from:\n{text}");
    }

    // The public status page: globex's repositories are private, so no security
    // aggregate and no repository name.
    store.set_org_public("globex", true).await.unwrap();
    let status = client
        .get(format!("{base}/orgs/globex/status"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(status.contains("Security coverage status"), "{status}");
    assert!(!status.contains("Security outcomes"), "{status}");
    assert!(!status.contains("payments"), "{status}");
    running.stop().await;
}
