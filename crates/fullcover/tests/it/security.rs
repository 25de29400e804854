//! Security outcomes end to end against the fake GitHub: alerts GitHub already held are
//! backfilled when the App is installed, alerts that change afterwards arrive as
//! webhooks, a redelivered webhook changes nothing, and a permission the installation
//! lacks is known as such.

use chrono::{DateTime, Duration, TimeZone, Utc};
use fullcover_core::metrics::security::{CloseReason, Family, Finding, LifecycleKind, Severity};
use fullcover_fake_github::{AlertFamily, NewAlert};

use crate::world::{ORG, World, fake_options, small_service};

fn may(day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 5, day, 0, 0, 0).unwrap()
}

fn steps(finding: &Finding) -> Vec<(i64, LifecycleKind)> {
    finding.events.iter().map(|e| (e.at, e.kind)).collect()
}

async fn finding(world: &World, family: Family, number: u64) -> Finding {
    let record = world.store().security_record(ORG, None).await.unwrap();
    record
        .findings
        .into_iter()
        .find(|f| f.family == family && f.number == i64::try_from(number).unwrap())
        .unwrap_or_else(|| panic!("{family:?} #{number} not on record"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alerts_reach_the_record_by_backfill_and_by_webhook_once() {
    let world = World::new(
        vec![small_service("api"), small_service("web")],
        fake_options(),
    )
    .await;
    let fake = &world.fake;
    // Before the App is installed: an alert raised and fixed.
    fake.set_alert_clock(Some(may(1)));
    let old = fake
        .create_alert(ORG, "api", NewAlert::code_scanning("high"))
        .await
        .unwrap();
    fake.set_alert_clock(Some(may(3) + Duration::hours(12)));
    fake.fix_alert(ORG, "api", AlertFamily::CodeScanning, old)
        .await
        .unwrap();

    world.install().await;
    world.settle().await;
    let backfilled = finding(&world, Family::CodeScanning, old).await;
    assert!(backfilled.partial_history, "{backfilled:?}");
    assert_eq!(backfilled.severity, Severity::High);
    assert_eq!(backfilled.created_at, may(1).timestamp());
    assert_eq!(
        steps(&backfilled),
        vec![
            (may(1).timestamp(), LifecycleKind::Created),
            (may(1).timestamp(), LifecycleKind::AppearedOnDefaultBranch),
            (
                (may(3) + Duration::hours(12)).timestamp(),
                LifecycleKind::Fixed
            ),
        ]
    );

    // After: a Dependabot alert raised and risk-accepted, as webhooks.
    fake.set_alert_clock(Some(may(20)));
    let live = fake
        .create_alert(
            ORG,
            "web",
            NewAlert::dependabot("critical").published_at(may(19)),
        )
        .await
        .unwrap();
    world.settle().await;
    fake.set_alert_clock(Some(may(25)));
    fake.dismiss_alert(ORG, "web", AlertFamily::Dependabot, live, "tolerable_risk")
        .await
        .unwrap();
    world.settle().await;
    let arrived = finding(&world, Family::Dependabot, live).await;
    assert!(!arrived.partial_history);
    assert_eq!(arrived.severity, Severity::Critical);
    assert_eq!(arrived.advisory_published_at, Some(may(19).timestamp()));
    let expected = vec![
        (may(20).timestamp(), LifecycleKind::Created),
        (may(20).timestamp(), LifecycleKind::AppearedOnDefaultBranch),
        (
            may(25).timestamp(),
            LifecycleKind::Dismissed {
                reason: CloseReason::TolerableRisk,
            },
        ),
    ];
    assert_eq!(steps(&arrived), expected);

    // GitHub redelivers the dismissal: nothing changes.
    let dismissal = fake
        .deliveries()
        .into_iter()
        .rev()
        .find(|d| d.event == "dependabot_alert" && d.action.as_deref() == Some("dismissed"))
        .expect("the dismissal was delivered");
    let status = fake.redeliver(&dismissal.guid).await.unwrap();
    assert!((200..300).contains(&status), "{status}");
    world.settle().await;
    assert_eq!(
        steps(&finding(&world, Family::Dependabot, live).await),
        expected
    );

    // A later reconciliation reads the same alerts again and records nothing new.
    let before = world.store().security_record(ORG, None).await.unwrap();
    fullcover::app::jobs::queue_backfill(&world.app, world.installation_id().await)
        .await
        .unwrap();
    world.app.wake();
    world.settle().await;
    let after = world.store().security_record(ORG, None).await.unwrap();
    assert_eq!(before.findings, after.findings);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_permission_the_installation_lacks_is_known_not_guessed() {
    let world = World::new(vec![small_service("api")], fake_options()).await;
    world
        .fake
        .create_alert(ORG, "api", NewAlert::secret())
        .await
        .unwrap();
    world
        .fake
        .install_without(
            world.credentials.app_id,
            ORG,
            None,
            &["secret_scanning_alerts"],
        )
        .await
        .unwrap();
    world.settle().await;
    let permissions = world.store().org_permissions(ORG).await.unwrap().unwrap();
    assert!(
        permissions.contains_key("security_events"),
        "{permissions:?}"
    );
    assert!(
        permissions.contains_key("vulnerability_alerts"),
        "{permissions:?}"
    );
    assert!(
        !permissions.contains_key("secret_scanning_alerts"),
        "{permissions:?}"
    );
    let record = world.store().security_record(ORG, None).await.unwrap();
    assert!(
        record
            .findings
            .iter()
            .all(|f| f.family != Family::SecretScanning),
        "nothing is read without the permission"
    );
}

fn days(value: f64) -> f64 {
    value * 86_400.0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_reports_what_the_scripted_alerts_work_out_to_by_hand() {
    let world = World::new(
        vec![small_service("api"), small_service("web")],
        fake_options(),
    )
    .await;
    let fake = &world.fake;
    let at = |day: DateTime<Utc>| fake.set_alert_clock(Some(day));
    let june = |day: u32| Utc.with_ymd_and_hms(2024, 6, day, 0, 0, 0).unwrap();
    let code = AlertFamily::CodeScanning;
    // A1, before the App: read by the backfill.
    at(may(1));
    let a1 = fake
        .create_alert(ORG, "api", NewAlert::code_scanning("high"))
        .await
        .unwrap();
    at(may(3) + Duration::hours(12));
    fake.fix_alert(ORG, "api", code, a1).await.unwrap();
    world.install().await;
    world.settle().await;
    // The rest as webhooks.
    at(may(2));
    let a2 = fake
        .create_alert(ORG, "api", NewAlert::code_scanning("high"))
        .await
        .unwrap();
    at(may(10));
    let a3 = fake
        .create_alert(ORG, "web", NewAlert::code_scanning("critical"))
        .await
        .unwrap();
    at(may(11));
    fake.fix_alert(ORG, "web", code, a3).await.unwrap();
    at(may(12));
    fake.fix_alert(ORG, "api", code, a2).await.unwrap();
    at(may(13));
    fake.reopen_alert(ORG, "web", code, a3, false)
        .await
        .unwrap();
    at(may(20));
    fake.fix_alert(ORG, "web", code, a3).await.unwrap();
    let s1 = fake
        .create_alert(ORG, "api", NewAlert::secret().validity("active"))
        .await
        .unwrap();
    at(may(20) + Duration::hours(6));
    fake.resolve_secret(ORG, "api", s1, "revoked")
        .await
        .unwrap();
    at(may(20));
    let d1 = fake
        .create_alert(
            ORG,
            "web",
            NewAlert::dependabot("high").published_at(may(19)),
        )
        .await
        .unwrap();
    at(may(25));
    fake.dismiss_alert(ORG, "web", AlertFamily::Dependabot, d1, "tolerable_risk")
        .await
        .unwrap();
    at(june(10));
    fake.create_alert(ORG, "api", NewAlert::code_scanning("critical"))
        .await
        .unwrap();
    world.settle().await;

    let token = world.store().create_token(ORG, "test").await.unwrap();
    let url = format!(
        "http://{}/api/v1/orgs/{ORG}/security?days=3000",
        world.running.as_ref().unwrap().addr
    );
    let answer = reqwest::Client::new()
        .get(&url)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let body: serde_json::Value = answer.json().await.unwrap();
    // By hand: fixes after reaching the default branch took 2.5 (A1), 10 (A2),
    // 10 (A3, from its first arrival to its last fix) and 0.25 days (S1).
    assert_eq!(body["mttr"]["n"], 4, "{body:#}");
    assert_eq!(body["mttr"]["median_seconds"], days(6.25));
    assert_eq!(body["mttr"]["p90_seconds"], days(10.0));
    // Due in the window: A1, A2, S1 met; A3 (critical, fixed for good after 7 days),
    // D1 (risk accepted) and the open critical missed.
    assert_eq!(body["sla_attainment"]["met"], 3, "{body:#}");
    assert_eq!(body["sla_attainment"]["due"], 6);
    assert_eq!(body["sla_attainment"]["overdue_open"], 1);
    // Created in the window: 6; closed at its end: A1, A2, A3, S1, D1.
    assert_eq!(body["net_resolve_rate"]["created"], 6);
    assert_eq!(body["net_resolve_rate"]["closed"], 5);
    // One regression (A3) of five fixes.
    assert_eq!(body["reopen_rate"]["reopened"], 1);
    assert_eq!(body["reopen_rate"]["fixes"], 5);
    assert_eq!(body["unavailable"], serde_json::json!([]));

    // Bad input is named; another organisation's token sees nothing.
    let bad = reqwest::Client::new()
        .get(url.replace("days=3000", "days=0"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    assert!(bad.text().await.unwrap().contains("days"));
    let other = world.store().create_token("globex", "test").await.unwrap();
    let hidden = reqwest::Client::new()
        .get(&url)
        .bearer_auth(&other)
        .send()
        .await
        .unwrap();
    assert_eq!(hidden.status(), 404);
}

/// The list requests the App made for one family's organisation alerts.
fn alert_list_requests(world: &World, family: &str) -> usize {
    let route = format!("GET /orgs/{{org}}/{family}/alerts");
    world
        .fake
        .requests()
        .iter()
        .filter(|request| request.route == route)
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_daily_reconciliation_reads_only_alerts_updated_since_the_last_reading() {
    let world = World::new(vec![small_service("api")], fake_options()).await;
    let fake = &world.fake;
    // More alerts than one page (100) holds, raised two hours ago: before the hour a
    // reading goes back to cover clock differences.
    fake.set_alert_clock(Some(Utc::now() - Duration::hours(2)));
    let mut numbers = Vec::new();
    for _ in 0..120 {
        numbers.push(
            fake.create_alert(ORG, "api", NewAlert::code_scanning("high"))
                .await
                .unwrap(),
        );
    }
    world.install().await;
    world.settle().await;
    assert_eq!(alert_list_requests(&world, "code-scanning"), 2);
    let backfilled = world.store().security_record(ORG, None).await.unwrap();
    assert_eq!(backfilled.findings.len(), 120);

    // GitHub stops sending code scanning events (a missed delivery); one alert is fixed.
    let events: Vec<&str> = vec!["push", "pull_request", "repository", "check_run"];
    fake.set_app_events(world.credentials.app_id, &events);
    let missed = numbers[7];
    fake.set_alert_clock(None);
    fake.fix_alert(ORG, "api", AlertFamily::CodeScanning, missed)
        .await
        .unwrap();
    world.settle().await;
    assert!(
        !steps(&finding(&world, Family::CodeScanning, missed).await)
            .iter()
            .any(|(_, kind)| *kind == LifecycleKind::Fixed),
        "no webhook was sent, so the record cannot know yet"
    );

    fake.clear_requests();
    fullcover::app::jobs::queue_backfill(&world.app, world.installation_id().await)
        .await
        .unwrap();
    world.app.wake();
    world.settle().await;
    // The fixed alert is listed first (most recently updated); the page's other alerts
    // are older than the last reading, so the reading stops on the first page.
    assert_eq!(alert_list_requests(&world, "code-scanning"), 1);
    assert!(
        steps(&finding(&world, Family::CodeScanning, missed).await)
            .iter()
            .any(|(_, kind)| *kind == LifecycleKind::Fixed),
        "the reconciliation records the fix the webhook missed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_merged_pull_request_is_known_by_every_commit_not_only_its_head() {
    let world = World::new(vec![small_service("api")], fake_options()).await;
    world.install().await;
    world.settle().await;
    let fake = &world.fake;
    let mut commits = Vec::new();
    for (path, message) in [("src/a.py", "first"), ("src/b.py", "second")] {
        commits.push(
            fake.push(
                ORG,
                "api",
                "feature",
                vec![(path.into(), Some(b"print(1)\n".to_vec()))],
                message,
            )
            .await
            .unwrap(),
        );
    }
    let number = fake
        .open_pull(ORG, "api", "feature", "main", "Two commits")
        .await
        .unwrap();
    world.settle().await;
    fake.merge_pull(ORG, "api", number).await.unwrap();
    world.settle().await;

    let record = world.store().security_record(ORG, None).await.unwrap();
    let merged = record
        .merged_pull_requests
        .iter()
        .find(|pull| pull.number == i64::try_from(number).unwrap())
        .expect("the merge is on record");
    assert_eq!(merged.head_sha, commits[1]);
    for commit in &commits {
        assert!(
            merged.commits.contains(commit),
            "{commit} missing from {:?}",
            merged.commits
        );
    }
    let reads = fake
        .requests()
        .iter()
        .filter(|request| request.route == "GET /repos/{owner}/{repo}/pulls/{pull_number}/commits")
        .count();
    assert_eq!(reads, 1, "read once, not per delivery");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_secret_is_introduced_when_the_commit_that_brought_it_in_was_made() {
    let started = Utc::now().timestamp();
    let world = World::new(vec![small_service("api")], fake_options()).await;
    world.install().await;
    world.settle().await;
    // Found two days after the commit that brought it in.
    world
        .fake
        .set_alert_clock(Some(Utc::now() + Duration::days(2)));
    let number = world
        .fake
        .create_alert(ORG, "api", NewAlert::secret())
        .await
        .unwrap();
    world.settle().await;

    let secret = finding(&world, Family::SecretScanning, number).await;
    let head = world.fake.head(ORG, "api", "main").unwrap();
    assert_eq!(secret.introduced_commit.as_deref(), Some(head.as_str()));
    let introduced = secret.introduced_at.expect("the commit's time was read");
    assert!(
        (started - 5..=Utc::now().timestamp()).contains(&introduced),
        "{introduced} is not the commit's time"
    );
    assert!(secret.created_at - introduced >= 2 * 86_400 - 5);
    let reads = world
        .fake
        .requests()
        .iter()
        .filter(|r| r.route == "GET /repos/{owner}/{repo}/git/commits/{commit_sha}")
        .count();
    assert_eq!(reads, 1);
}
