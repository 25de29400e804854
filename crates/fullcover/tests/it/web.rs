//! Who may see what: signing in with GitHub, API tokens, public opt-in, badges, the API's
//! shape, Prometheus metrics.

use fullcover::store::ScanRecord;
use fullcover_fake_github::RepoSpec;
use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use serde_json::Value;

use crate::world::{ORG, World, fake_options, small_service};

fn organisation() -> Vec<RepoSpec> {
    vec![
            small_service("api"),
            small_service("web").file(
                ".github/workflows/codeql.yml",
                "on: push\njobs:\n  analyze:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: github/codeql-action/init@v3\n      - uses: github/codeql-action/analyze@v3\n",
            ),
            RepoSpec::new("empty"),
    ]
}

async fn onboarded_world() -> World {
    onboard(World::new(organisation(), fake_options()).await).await
}

/// Installs the App on the organisation, whose repositories have none of GitHub's own
/// controls on: every gap is the files' to close.
async fn onboard(world: World) -> World {
    let names: Vec<String> = organisation().into_iter().map(|spec| spec.name).collect();
    world.platform_off(names.iter().map(String::as_str));
    world.install().await;
    world.settle().await;
    world
}

fn base(world: &World) -> String {
    format!("http://{}", world.running.as_ref().unwrap().addr)
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn cookie_of(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix(&format!("{name}=")))
        .map(|v| v.split(';').next().unwrap_or_default().to_owned())
}

/// Signs in through GitHub's OAuth web flow as `login`; returns the session cookie.
pub(crate) async fn sign_in(world: &World, login: &str) -> String {
    world.fake.sign_in_browser(Some(login));
    let http = client();
    let start = http
        .get(format!("{}/login", base(world)))
        .send()
        .await
        .unwrap();
    assert_eq!(start.status(), StatusCode::SEE_OTHER);
    let state_cookie = cookie_of(&start, "fullcover_oauth_state").unwrap();
    let authorize = start.headers()[LOCATION].to_str().unwrap().to_owned();
    assert!(authorize.starts_with(&format!(
        "{}/login/oauth/authorize?client_id=",
        world.fake.url()
    )));
    let approved = http.get(&authorize).send().await.unwrap();
    assert_eq!(approved.status(), StatusCode::FOUND);
    let callback = approved.headers()[LOCATION].to_str().unwrap().to_owned();
    // Without the browser's state cookie the callback is refused.
    let forged = http.get(&callback).send().await.unwrap();
    assert_eq!(forged.status(), StatusCode::BAD_REQUEST);
    // A code is good once: sign in again for the real callback.
    let approved = http.get(&authorize).send().await.unwrap();
    let callback = approved.headers()[LOCATION].to_str().unwrap().to_owned();
    let done = http
        .get(&callback)
        .header(COOKIE, format!("fullcover_oauth_state={state_cookie}"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        done.status(),
        StatusCode::SEE_OTHER,
        "{}",
        done.text().await.unwrap()
    );
    cookie_of(&done, "fullcover_session").unwrap()
}

/// The cookie of a signed-in browser.
pub(crate) fn signed_in(session: &str) -> Option<(&'static str, String)> {
    Some(("cookie", format!("fullcover_session={session}")))
}

pub(crate) async fn get(
    world: &World,
    path: &str,
    auth: Option<(&str, String)>,
) -> reqwest::Response {
    let mut request = client().get(format!("{}{path}", base(world)));
    if let Some((name, value)) = auth {
        request = request.header(name, value);
    }
    request.send().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_see_their_organisations_and_nobody_else_does() {
    let world = onboarded_world().await;
    world.fake.add_member(ORG, "octocat");
    let member = sign_in(&world, "octocat").await;
    let page = get(&world, "/orgs/acme", signed_in(&member)).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("octocat"));
    let home = get(&world, "/", signed_in(&member)).await;
    assert!(home.text().await.unwrap().contains("/orgs/acme"));

    // Someone who is not a member signs in fine but sees nothing of acme.
    let outsider = sign_in(&world, "mallory").await;
    let page = get(&world, "/orgs/acme", signed_in(&outsider)).await;
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
    let api = get(&world, "/api/v1/orgs/acme/coverage", signed_in(&outsider)).await;
    assert_eq!(api.status(), StatusCode::NOT_FOUND);
    // An outside collaborator reaches a repository of acme (so GitHub lists acme's
    // installation for them) but is not a member: nothing of acme either.
    world.fake.add_collaborator(ORG, "carol");
    let collaborator = sign_in(&world, "carol").await;
    let page = get(&world, "/orgs/acme", signed_in(&collaborator)).await;
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
    // Nobody signed in: asked to sign in.
    assert_eq!(
        get(&world, "/orgs/acme", None).await.status(),
        StatusCode::UNAUTHORIZED
    );
    // A repository page for the member.
    let repo = get(&world, "/orgs/acme/repos/api", signed_in(&member)).await;
    assert_eq!(repo.status(), StatusCode::OK);
    // Signing out: a link or another site's form cannot end the session; the form on
    // the session's own page can.
    let html = repo.text().await.unwrap();
    let csrf = html
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the page carries the log-out form")
        .to_owned();
    assert_eq!(
        get(&world, "/logout", signed_in(&member)).await.status(),
        StatusCode::METHOD_NOT_ALLOWED
    );
    let log_out = |csrf: String| {
        client()
            .post(format!("{}/logout", base(&world)))
            .header("cookie", format!("fullcover_session={member}"))
            .form(&[("csrf", csrf)])
            .send()
    };
    let forged = log_out("0".repeat(64)).await.unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let page = get(&world, "/orgs/acme", signed_in(&member)).await;
    assert_eq!(
        page.status(),
        StatusCode::OK,
        "a forged form ended the session"
    );
    let out = log_out(csrf).await.unwrap();
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    let page = get(&world, "/orgs/acme", signed_in(&member)).await;
    assert_eq!(page.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_tokens_are_scoped_to_one_organisation() {
    let world = onboarded_world().await;
    let acme = world.store().create_token(ORG, "ci").await.unwrap();
    let other = world.store().create_token("globex", "ci").await.unwrap();
    let bearer = |token: &str| Some(("authorization", format!("Bearer {token}")));

    let answer = get(&world, "/api/v1/orgs/acme/coverage", bearer(&acme)).await;
    assert_eq!(answer.status(), StatusCode::OK);
    let body: Value = answer.json().await.unwrap();
    assert_eq!(body["org"], "acme");
    // api and web in scope (empty is excluded); web has CodeQL but still gaps: nothing
    // is fully covered before the onboarding PRs merge.
    assert_eq!(body["repos_in_scope"], 2);
    assert_eq!(body["repos_fully_covered"], 0);
    assert_eq!(body["coverage_percent"], 0.0);
    assert!(body["requirements"]["required"].as_u64().unwrap() > 0);
    assert!(body["time_to_full_coverage"].is_null());
    let repos = body["repos"].as_array().unwrap();
    let api = repos.iter().find(|r| r["name"] == "api").unwrap();
    assert!(
        api["missing"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m == "secrets")
    );
    assert_eq!(api["onboarding_pr"]["number"], 1);
    assert_eq!(api["onboarding_pr"]["state"], "open");
    assert!(
        api["onboarding_pr"]["url"]
            .as_str()
            .unwrap()
            .ends_with("/acme/api/pull/1")
    );

    for path in ["/api/v1/orgs/acme/history", "/api/v1/orgs/acme/repos/api"] {
        assert_eq!(
            get(&world, path, bearer(&acme)).await.status(),
            StatusCode::OK,
            "{path}"
        );
        // A token of another organisation gets 404, as if acme did not exist.
        assert_eq!(
            get(&world, path, bearer(&other)).await.status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
        assert_eq!(
            get(&world, path, None).await.status(),
            StatusCode::UNAUTHORIZED,
            "{path}"
        );
        assert_eq!(
            get(&world, path, bearer("fct_forged")).await.status(),
            StatusCode::UNAUTHORIZED,
            "{path}"
        );
    }
    let detail: Value = get(&world, "/api/v1/orgs/acme/repos/api", bearer(&acme))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(detail["scan"]["repository"], "acme/api");
    assert!(!detail["requirement_events"].as_array().unwrap().is_empty());
    // Unknown organisations and repositories: 404 too.
    assert_eq!(
        get(&world, "/api/v1/orgs/acme/repos/nope", bearer(&acme))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );

    let openapi: Value = get(&world, "/api/v1/openapi.json", None)
        .await
        .json()
        .await
        .unwrap();
    for path in [
        "/api/v1/orgs/{org}/coverage",
        "/api/v1/orgs/{org}/history",
        "/api/v1/orgs/{org}/repos/{repo}",
        "/api/v1/orgs/{org}/security",
        "/api/v1/orgs/{org}/repos/{repo}/security",
    ] {
        assert!(openapi["paths"][path].is_object(), "{path} not described");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn badges_and_status_pages_are_public_only_after_opting_in() {
    let world = onboarded_world().await;
    for path in [
        "/badges/acme/coverage.svg",
        "/badges/acme/api/coverage.json",
        "/orgs/acme/status",
    ] {
        assert_eq!(
            get(&world, path, None).await.status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    // Before opting in, a badge shown on a token is the token holder's alone, and so is
    // every API answer.
    let token = world.store().create_token(ORG, "badges").await.unwrap();
    let bearer = || Some(("authorization", format!("Bearer {token}")));
    for path in ["/badges/acme/coverage.svg", "/api/v1/orgs/acme/coverage"] {
        let answer = get(&world, path, bearer()).await;
        assert_eq!(answer.status(), StatusCode::OK, "{path}");
        assert_eq!(
            answer.headers()["cache-control"],
            "private, no-store",
            "{path}"
        );
    }
    world.store().set_org_public(ORG, true).await.unwrap();
    let svg = get(&world, "/badges/acme/coverage.svg", None).await;
    assert_eq!(svg.status(), StatusCode::OK);
    assert_eq!(svg.headers()["content-type"], "image/svg+xml");
    assert_eq!(svg.headers()["cache-control"], "public, max-age=300");
    assert!(
        svg.text()
            .await
            .unwrap()
            .contains("appsec coverage: 0% (0/2 repos)")
    );
    let shields: Value = get(&world, "/badges/acme/api/coverage.json", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(shields["schemaVersion"], 1);
    assert_eq!(shields["label"], "appsec coverage");
    assert_eq!(shields["color"], "red");
    assert!(shields["message"].as_str().unwrap().contains('%'));
    let status = get(&world, "/orgs/acme/status", None).await;
    assert_eq!(status.status(), StatusCode::OK);
    let html = status.text().await.unwrap();
    assert!(
        !html.contains("api") || !html.contains("acme/api"),
        "a public page names a repository"
    );
    // The API stays private.
    assert_eq!(
        get(&world, "/api/v1/orgs/acme/coverage", None)
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prometheus_metrics_describe_the_app() {
    let world = onboarded_world().await;
    assert_eq!(
        get(&world, "/metrics", None).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let wrong = Some(("authorization", "Bearer scrape-you".to_owned()));
    assert_eq!(
        get(&world, "/metrics", wrong).await.status(),
        StatusCode::UNAUTHORIZED
    );
    // A delivery with a bad signature, counted as rejected.
    let addr = world.running.as_ref().unwrap().addr;
    reqwest::Client::new()
        .post(format!("http://{addr}/webhooks"))
        .header("x-hub-signature-256", "sha256=00")
        .body("{}")
        .send()
        .await
        .unwrap();
    let scrape = Some((
        "authorization",
        format!("Bearer {}", crate::world::METRICS_TOKEN),
    ));
    let text = get(&world, "/metrics", scrape).await.text().await.unwrap();
    for needle in [
        "fullcover_webhook_deliveries_received_total",
        "fullcover_queue_depth 0",
        "fullcover_webhook_deliveries_received_total 1",
        "fullcover_webhook_deliveries_rejected_total{reason=\"bad_signature\"} 1",
        "fullcover_scans_total 2",
        "fullcover_pull_requests_opened_total 2",
        "fullcover_github_rate_limit_remaining{installation=",
        "fullcover_org_coverage_percent{org=\"acme\"} 0.0",
    ] {
        assert!(text.contains(needle), "{needle} missing from:\n{text}");
    }
    assert!(!text.contains("ghs_"), "a token in the metrics");
}

/// Records a finding of `repository` on the default branch from `created` with `steps`.
async fn scripted_finding(
    world: &World,
    repository: i64,
    number: i64,
    severity: fullcover_core::metrics::security::Severity,
    created: i64,
    steps: &[(i64, fullcover_core::metrics::security::LifecycleKind)],
) {
    use fullcover_core::metrics::security::{Family, LifecycleEvent, LifecycleKind};
    let store = world.store();
    store
        .upsert_finding(&fullcover::store::FindingRecord {
            repository_id: repository,
            family: Family::CodeScanning,
            number,
            severity,
            state: if steps.is_empty() { "open" } else { "fixed" }.into(),
            created_at: created,
            default_branch_at: Some(created),
            introduced_at: None,
            introduced_commit: None,
            advisory_published_at: None,
            pull_request: None,
            partial_history: false,
        })
        .await
        .unwrap();
    let first = [
        (created, LifecycleKind::Created),
        (created, LifecycleKind::AppearedOnDefaultBranch),
    ];
    for &(at, kind) in first.iter().chain(steps) {
        store
            .record_finding_event(
                repository,
                Family::CodeScanning,
                number,
                LifecycleEvent { at, kind },
                None,
            )
            .await
            .unwrap();
    }
}

/// The value of the sample `name{org="org"}`, if exposed.
fn sample(text: &str, name: &str, org: &str) -> Option<f64> {
    let prefix = format!("{name}{{org=\"{org}\"}} ");
    text.lines()
        .find_map(|line| line.strip_prefix(&prefix))
        .map(|value| value.parse().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prometheus_gauges_the_security_outcomes_per_org() {
    use fullcover::store::InstallationState;
    use fullcover_core::metrics::security::LifecycleKind::Fixed;
    use fullcover_core::metrics::security::Severity::{Critical, High};
    const DAY: i64 = 86_400;
    let world = onboarded_world().await;
    let store = world.store();
    let now = chrono::Utc::now().timestamp();
    let api = store.repository_id(ORG, "api").await.unwrap().unwrap();
    let installation = store.active_installations().await.unwrap()[0];
    // Dependabot alerts are not readable: the other families still count.
    let granted = [
        ("security_events", "read"),
        ("secret_scanning_alerts", "read"),
    ]
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .into();
    store
        .set_installation_permissions(installation, &granted)
        .await
        .unwrap();
    // F1 high, fixed after 2 days; F2 critical, fixed after 10;
    // F3 high, open for 40 days (due after 30: overdue).
    scripted_finding(
        &world,
        api,
        1,
        High,
        now - 20 * DAY,
        &[(now - 18 * DAY, Fixed)],
    )
    .await;
    scripted_finding(
        &world,
        api,
        2,
        Critical,
        now - 30 * DAY,
        &[(now - 20 * DAY, Fixed)],
    )
    .await;
    scripted_finding(&world, api, 3, High, now - 40 * DAY, &[]).await;
    // Another organisation whose permissions the App never learnt: its fixed finding
    // is unknown, not a measurement.
    store
        .upsert_installation(990, "globex", "Organization", InstallationState::Active)
        .await
        .unwrap();
    store
        .upsert_repository(990_001, 990, "globex/app", Some("main"), false)
        .await
        .unwrap();
    scripted_finding(
        &world,
        990_001,
        1,
        High,
        now - 5 * DAY,
        &[(now - 4 * DAY, Fixed)],
    )
    .await;

    // The organisation gives critical findings 14 days instead of 7.
    let mut policy = fullcover_core::metrics::security::SecurityPolicy::default();
    policy.sla_days.critical = 14;
    store.set_org_security_policy(ORG, &policy).await.unwrap();

    let scrape = Some((
        "authorization",
        format!("Bearer {}", crate::world::METRICS_TOKEN),
    ));
    let text = get(&world, "/metrics", scrape).await.text().await.unwrap();
    let value = |name: &str| sample(&text, name, ORG);
    // MTTR: the median of 2 and 10 days.
    assert_eq!(
        value("fullcover_security_mttr_median_seconds"),
        Some(6.0 * DAY as f64),
        "{text}"
    );
    // Due in the window: F2 (fixed in 10 days, within the org's 14: met) and F3 (open
    // past due): 1 of 2.
    assert_eq!(value("fullcover_security_sla_attainment_ratio"), Some(0.5));
    assert_eq!(value("fullcover_security_overdue_open"), Some(1.0));
    // 2 + 10 + 40 days (F3's up to the scrape, a few seconds after `now`).
    let exposure = value("fullcover_security_exposure_vulnerability_days").unwrap();
    assert!((exposure - 52.0).abs() < 0.01, "{exposure}");
    // Created in the window: 3, closed: 2. No reopening of two fixes.
    assert_eq!(
        value("fullcover_security_net_resolve_ratio"),
        Some(2.0 / 3.0)
    );
    assert_eq!(value("fullcover_security_reopen_ratio"), Some(0.0));
    // No merges: no escape or change failure figure, rather than 0.
    for absent in [
        "fullcover_security_escape_ratio",
        "fullcover_security_change_failure_ratio",
    ] {
        assert_eq!(value(absent), None, "{absent} in:\n{text}");
    }
    for name in [
        "fullcover_security_mttr_median_seconds",
        "fullcover_security_sla_attainment_ratio",
        "fullcover_security_overdue_open",
        "fullcover_security_exposure_vulnerability_days",
        "fullcover_security_net_resolve_ratio",
        "fullcover_security_reopen_ratio",
    ] {
        assert_eq!(sample(&text, name, "globex"), None, "{name} in:\n{text}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_runs_make_coverage_run_and_the_github_repository_opts_in() {
    let world = World::new(
        vec![
            small_service("api").file(
                ".github/workflows/codeql.yml",
                "on: push\njobs:\n  analyze:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: github/codeql-action/init@v3\n      - uses: github/codeql-action/analyze@v3\n",
            ),
            RepoSpec::new(".github").file(".github/fullcover.yml", "public_status: true\n"),
        ],
        fake_options(),
    )
    .await;
    world.install().await;
    world.settle().await;
    // The organisation's .github repository published its status.
    assert!(world.store().org_public(ORG).await.unwrap());
    assert_eq!(
        get(&world, "/badges/acme/coverage.svg", None)
            .await
            .status(),
        StatusCode::OK
    );

    let head = world.fake.head(ORG, "api", "main").unwrap();
    world
        .fake
        .add_check_run(
            ORG,
            "api",
            &head,
            "Analyze (javascript-typescript)",
            "success",
        )
        .await
        .unwrap();
    world
        .fake
        .add_check_run(ORG, "api", &head, "TruffleHog", "failure")
        .await
        .unwrap();
    world
        .fake
        .add_check_run(ORG, "api", &head, "build", "success")
        .await
        .unwrap();
    world.settle().await;
    let token = world.store().create_token(ORG, "test").await.unwrap();
    let repo: Value = get(
        &world,
        "/api/v1/orgs/acme/repos/api",
        Some(("authorization", format!("Bearer {token}"))),
    )
    .await
    .json()
    .await
    .unwrap();
    // CodeQL's check makes it run; TruffleHog's failure breaks nothing, since nothing in
    // the repository relies on TruffleHog; `build` is no scanner's check.
    assert_eq!(repo["active_scanners"], serde_json::json!(["CodeQL"]));
    assert_eq!(
        repo["active_checks"],
        serde_json::json!(["Analyze (javascript-typescript)"])
    );
    let states = repo["requirement_states"].as_array().unwrap();
    let codeql = states
        .iter()
        .find(|state| state["scanner"] == "CodeQL")
        .unwrap();
    assert_eq!(codeql["state"], "running");
    assert_eq!(codeql["satisfied"], true);

    // A fork's pull request whose branch is also called `main`: its checks run on a
    // commit that is not the default branch's; they count for nothing.
    let real = world
        .fake
        .deliveries()
        .into_iter()
        .rev()
        .find(|d| d.event == "check_run")
        .unwrap();
    let mut forged = world.fake.delivery_payload(&real.guid).unwrap();
    forged["check_run"]["head_sha"] = serde_json::json!("f".repeat(40));
    forged["check_run"]["name"] = serde_json::json!("zizmor");
    forged["check_run"]["conclusion"] = serde_json::json!("success");
    let status = world.deliver("check_run", "a-fork-check", &forged).await;
    assert_eq!(status, 202);
    world.settle().await;
    let repo: Value = get(
        &world,
        "/api/v1/orgs/acme/repos/api",
        Some(("authorization", format!("Bearer {token}"))),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(repo["active_scanners"], serde_json::json!(["CodeQL"]));
}

/// The part of `html` from `start` to the end of its table row.
fn row_of<'a>(html: &'a str, start: &str) -> &'a str {
    let from = html
        .find(start)
        .unwrap_or_else(|| panic!("{start} not in {html}"));
    let to = html[from..]
        .find("</tr>")
        .map_or(html.len(), |end| from + end);
    &html[from..to]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn codeql_analyze_check_makes_it_run_on_both_pages_and_in_the_api() {
    let world = onboarded_world().await;
    // `web` runs CodeQL from a workflow; its check run is named after the job and the
    // language, not after the scanner.
    let head = world.fake.head(ORG, "web", "main").unwrap();
    world
        .fake
        .add_check_run(ORG, "web", &head, "Analyze (python)", "success")
        .await
        .unwrap();
    world.settle().await;

    world.fake.add_member(ORG, "octocat");
    let member = sign_in(&world, "octocat").await;
    let org = get(&world, "/orgs/acme", signed_in(&member)).await;
    assert_eq!(org.status(), StatusCode::OK);
    let html = org.text().await.unwrap();
    let row = row_of(&html, "href=\"/orgs/acme/repos/web\"");
    assert!(row.contains("Running: CodeQL"), "organisation page: {row}");
    let row = row_of(&html, "href=\"/orgs/acme/repos/api\"");
    assert!(!row.contains("Running:"), "api runs nothing: {row}");

    let repo = get(&world, "/orgs/acme/repos/web", signed_in(&member)).await;
    assert_eq!(repo.status(), StatusCode::OK);
    let html = repo.text().await.unwrap();
    let row = row_of(&html, ">CodeQL<");
    assert!(row.contains(">running<"), "repository page: {row}");
    assert!(
        !html.contains("Other checks that succeeded recently"),
        "the check is CodeQL's, not another one"
    );

    let token = world.store().create_token(ORG, "test").await.unwrap();
    let bearer = || Some(("authorization", format!("Bearer {token}")));
    let repo: Value = get(&world, "/api/v1/orgs/acme/repos/web", bearer())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(repo["active_scanners"], serde_json::json!(["CodeQL"]));
    assert_eq!(
        repo["active_checks"],
        serde_json::json!(["Analyze (python)"])
    );
    let coverage: Value = get(&world, "/api/v1/orgs/acme/coverage", bearer())
        .await
        .json()
        .await
        .unwrap();
    let web = coverage["repos"]
        .as_array()
        .unwrap()
        .iter()
        .find(|line| line["name"] == "web")
        .unwrap();
    assert_eq!(web["active_scanners"], serde_json::json!(["CodeQL"]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stored_report_that_does_not_parse_is_an_error_naming_the_repository() {
    let world = onboarded_world().await;
    let store = world.store();
    let id = store
        .org_history(ORG, i64::MAX)
        .await
        .unwrap()
        .unwrap()
        .into_iter()
        .find(|repo| repo.full_name == "acme/api")
        .unwrap()
        .id;
    store
        .record_scan(&ScanRecord {
            repository_id: id,
            commit_sha: &"e".repeat(40),
            at: fullcover::store::now() + 1,
            required: 0,
            satisfied: 0,
            missing: &[],
            satisfied_ids: &[],
            categories: "{}",
            report: r#"{"repository": "acme/api", "languages": "Python"}"#,
        })
        .await
        .unwrap();
    world.fake.add_member(ORG, "octocat");
    let member = sign_in(&world, "octocat").await;
    let page = get(&world, "/orgs/acme/repos/api", signed_in(&member)).await;
    assert_eq!(page.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("stored scan report is not valid: acme/api: invalid type"),
        "{html}"
    );
    // The other repositories still show.
    let page = get(&world, "/orgs/acme/repos/web", signed_in(&member)).await;
    assert_eq!(page.status(), StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs node and npm ajv, ajv-formats (FULLCOVER_OCTOKIT_DIR)"]
async fn the_api_answers_as_its_openapi_document_says() {
    let world = onboarded_world().await;
    // A finding fixed and one open, so the security outcomes carry numbers; dated in the
    // past, since the window ends (exclusively) at the moment of the request.
    let days_ago = |days: i64| Some(chrono::Utc::now() - chrono::Duration::days(days));
    world.fake.set_alert_clock(days_ago(3));
    let fixed = world
        .fake
        .create_alert(
            ORG,
            "api",
            fullcover_fake_github::NewAlert::code_scanning("high"),
        )
        .await
        .unwrap();
    world
        .fake
        .fix_alert(
            ORG,
            "api",
            fullcover_fake_github::AlertFamily::CodeScanning,
            fixed,
        )
        .await
        .unwrap();
    world.fake.set_alert_clock(days_ago(2));
    // Dependabot alerts switched on (the organisation started with them off).
    world
        .fake
        .set_security_feature(
            ORG,
            "api",
            fullcover_fake_github::SecurityFeature::DependabotAlerts,
            true,
        )
        .unwrap();
    world
        .fake
        .create_alert(
            ORG,
            "api",
            fullcover_fake_github::NewAlert::dependabot("critical"),
        )
        .await
        .unwrap();
    let number = world.pulls("api")[0].number;
    world.fake.merge_pull(ORG, "api", number).await.unwrap();
    world.settle().await;
    let token = world.store().create_token(ORG, "ci").await.unwrap();
    let mut samples = Vec::new();
    for (template, path, auth) in [
        (
            "/api/v1/orgs/{org}/coverage",
            "/api/v1/orgs/acme/coverage",
            true,
        ),
        (
            "/api/v1/orgs/{org}/history",
            "/api/v1/orgs/acme/history",
            true,
        ),
        (
            "/api/v1/orgs/{org}/repos/{repo}",
            "/api/v1/orgs/acme/repos/api",
            true,
        ),
        (
            "/api/v1/orgs/{org}/repos/{repo}",
            "/api/v1/orgs/acme/repos/web",
            true,
        ),
        (
            "/api/v1/orgs/{org}/coverage",
            "/api/v1/orgs/acme/coverage",
            false,
        ),
        (
            "/api/v1/orgs/{org}/coverage",
            "/api/v1/orgs/globex/coverage",
            true,
        ),
        (
            "/api/v1/orgs/{org}/security",
            "/api/v1/orgs/acme/security?days=3650",
            true,
        ),
        (
            "/api/v1/orgs/{org}/repos/{repo}/security",
            "/api/v1/orgs/acme/repos/api/security",
            true,
        ),
        (
            "/api/v1/orgs/{org}/security",
            "/api/v1/orgs/acme/security?days=0",
            true,
        ),
    ] {
        let header = auth.then(|| ("authorization", format!("Bearer {token}")));
        let answer = get(&world, path, header).await;
        let status = answer.status().as_u16();
        let body: Value = answer.json().await.unwrap();
        samples.push(serde_json::json!({"path": template, "status": status, "body": body}));
    }
    world.store().set_org_public(ORG, true).await.unwrap();
    let shields: Value = get(&world, "/badges/acme/coverage.json", None)
        .await
        .json()
        .await
        .unwrap();
    samples
        .push(serde_json::json!({"path": "/badges/{org}/{badge}", "status": 200, "body": shields}));
    let modules = std::env::var("FULLCOVER_OCTOKIT_DIR")
        .expect("FULLCOVER_OCTOKIT_DIR: node_modules with ajv and ajv-formats");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("samples.json");
    std::fs::write(&file, serde_json::to_vec(&samples).unwrap()).unwrap();
    let root = env!("CARGO_MANIFEST_DIR");
    let output = std::process::Command::new("node")
        .arg(format!("{root}/../../tools/check-api.js"))
        .arg(&modules)
        .arg(format!("{root}/src/app/web/openapi.json"))
        .arg(&file)
        .output()
        .expect("node must be installed");
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{report}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        report.contains("10 answers checked, 0 problems"),
        "{report}"
    );
    let security = &samples[6]["body"];
    assert_eq!(security["mttr"]["n"], 1, "{security:#}");
    assert_eq!(security["unavailable"], serde_json::json!([]));
}

/// The API's numbers for the same organisation on SQLite and on PostgreSQL, with
/// everything but the clock equal.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL at 127.0.0.1:5432"]
async fn postgres_and_sqlite_give_the_same_numbers() {
    let mut answers = Vec::new();
    for world in [
        onboard(World::new(organisation(), fake_options()).await).await,
        onboard(World::on_postgres(organisation(), fake_options()).await).await,
    ] {
        let number = world.pulls("api")[0].number;
        world.fake.merge_pull(ORG, "api", number).await.unwrap();
        world.settle().await;
        let token = world.store().create_token(ORG, "ci").await.unwrap();
        let mut coverage: Value = get(
            &world,
            "/api/v1/orgs/acme/coverage",
            Some(("authorization", format!("Bearer {token}"))),
        )
        .await
        .json()
        .await
        .unwrap();
        let object = coverage.as_object_mut().unwrap();
        // Times differ between two runs; what they measure must not.
        for key in [
            "generated_at",
            "history",
            "time_to_full_coverage",
            "time_to_90_percent",
            "median_time_to_full_coverage",
            "funnel",
            "uptime_30d",
            "uptime_90d",
        ] {
            object.remove(key);
        }
        for repo in object["repos"].as_array_mut().unwrap() {
            let repo = repo.as_object_mut().unwrap();
            repo.remove("time_to_full_coverage");
            repo.remove("uptime_90d");
            repo.remove("onboarding_pr");
            // Their `since` and `why` carry times; the states must agree.
            for key in ["requirement_states", "scanner_states"] {
                let states: Vec<Value> = repo[key]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|state| state["state"].clone())
                    .collect();
                repo.insert(key.to_owned(), Value::Array(states));
            }
        }
        answers.push(coverage);
    }
    assert_eq!(answers[0]["repos_fully_covered"], 1);
    assert_eq!(answers[0], answers[1]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_public_organisation_keeps_its_private_repositories_private() {
    let world = onboard(
        World::new(
            vec![small_service("open"), small_service("secret").private()],
            fake_options(),
        )
        .await,
    )
    .await;
    world.store().set_org_public(ORG, true).await.unwrap();
    assert_eq!(
        get(&world, "/badges/acme/open/coverage.svg", None)
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        get(&world, "/badges/acme/secret/coverage.svg", None)
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let token = world.store().create_token(ORG, "readme").await.unwrap();
    let with_token = Some(("authorization", format!("Bearer {token}")));
    assert_eq!(
        get(&world, "/badges/acme/secret/coverage.svg", with_token)
            .await
            .status(),
        StatusCode::OK
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repository_made_private_loses_its_public_badge_at_the_next_scan() {
    let world = onboard(World::new(vec![small_service("open")], fake_options()).await).await;
    world.store().set_org_public(ORG, true).await.unwrap();
    let badge = "/badges/acme/open/coverage.svg";
    assert_eq!(get(&world, badge, None).await.status(), StatusCode::OK);
    // Made private; the `repository` delivery never reaches the App. Its branch has not
    // moved, so the scan takes the unchanged-branch shortcut.
    world
        .fake
        .set_private(ORG, "open", true, false)
        .await
        .unwrap();
    let id = world.repository_id("open").await;
    fullcover::app::jobs::queue_scan(&world.app, world.installation_id().await, id)
        .await
        .unwrap();
    world.app.wake();
    world.settle().await;
    assert!(world.store().repository(id).await.unwrap().unwrap().private);
    assert_eq!(
        get(&world, badge, None).await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_repository_list_pages_and_filters_on_the_server() {
    let world = onboarded_world().await;
    let token = world.store().create_token(ORG, "list").await.unwrap();
    let bearer = || Some(("authorization", format!("Bearer {token}")));
    let json = |path: &'static str| {
        let world = &world;
        async move {
            let answer = get(world, path, bearer()).await;
            (
                answer.status(),
                answer.json::<serde_json::Value>().await.unwrap(),
            )
        }
    };
    let (status, all) = json("/api/v1/orgs/acme/coverage").await;
    assert_eq!(status, 200);
    assert_eq!(all["pagination"]["matching"], 3);
    assert_eq!(all["repos"].as_array().unwrap().len(), 3);

    // Two pages of two: the aggregates are the organisation's on both.
    let (_, first) = json("/api/v1/orgs/acme/coverage?per_page=2").await;
    let (_, second) = json("/api/v1/orgs/acme/coverage?per_page=2&page=2").await;
    assert_eq!(first["pagination"]["pages"], 2);
    let names = |body: &serde_json::Value| -> Vec<String> {
        body["repos"]
            .as_array()
            .unwrap()
            .iter()
            .map(|line| line["name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(names(&first), ["api", "empty"]);
    assert_eq!(names(&second), ["web"]);
    assert_eq!(first["repos_in_scope"], all["repos_in_scope"]);
    assert_eq!(second["coverage_percent"], all["coverage_percent"]);

    let (_, named) = json("/api/v1/orgs/acme/coverage?q=WE").await;
    assert_eq!(names(&named), ["web"]);
    let (status, error) = json("/api/v1/orgs/acme/coverage?per_page=0").await;
    assert_eq!(status, 400);
    assert!(error.to_string().contains("per_page"), "{error}");

    // The page, without JavaScript: a GET form and links to the other pages.
    world.fake.add_member(ORG, "octocat");
    let session = sign_in(&world, "octocat").await;
    let page = get(&world, "/orgs/acme?per_page=2", signed_in(&session)).await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("<form class=\"filters\" method=\"get\""));
    assert!(html.contains("Page 1 of 2: 3 repositories"));
    // Handlebars escapes `=` and `&` in attributes; a browser reads them back.
    let next = html.split("rel=\"next\" href=\"").nth(1).unwrap();
    let next = next
        .split('"')
        .next()
        .unwrap()
        .replace("&#x3D;", "=")
        .replace("&amp;", "&");
    assert_eq!(next, "/orgs/acme?per_page=2&page=2#h-matrix");
    assert!(!html.contains("rel=\"prev\""));
    let filtered = get(&world, "/orgs/acme?q=%3Cb%3E", signed_in(&session)).await;
    let html = filtered.text().await.unwrap();
    assert!(html.contains("No repository matches."));
    assert!(
        html.contains("value=\"&lt;b&gt;\""),
        "the filter is shown escaped"
    );
    let bad = get(&world, "/orgs/acme?state=lost", signed_in(&session)).await;
    assert_eq!(bad.status(), 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cached_badge_changes_with_the_next_write() {
    let world = onboarded_world().await;
    world.store().set_org_public(ORG, true).await.unwrap();
    let badge = async || {
        get(&world, "/badges/acme/coverage.svg", None)
            .await
            .text()
            .await
            .unwrap()
    };
    assert!(badge().await.contains("0% (0/2 repos)"));
    // Read again: from the cache, the same.
    assert!(badge().await.contains("0% (0/2 repos)"));
    // A repository leaves scope: the next answer counts one repository, at once.
    let api = world
        .store()
        .org_history(ORG, fullcover::store::now())
        .await
        .unwrap()
        .unwrap()
        .into_iter()
        .find(|repo| repo.full_name == "acme/api")
        .unwrap();
    world
        .store()
        .set_repository_state(
            api.id,
            fullcover::store::RepoState::Excluded,
            Some("archived"),
        )
        .await
        .unwrap();
    assert!(badge().await.contains("0% (0/1 repos)"));
}
