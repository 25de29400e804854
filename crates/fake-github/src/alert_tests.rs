//! Tests of the security alerts over real HTTP: lists, single alerts, filters, page and
//! cursor pagination, permission 403s, disabled features, and the webhook of each change.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::TimeZone;
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::*;

struct Fixture {
    fake: FakeGitHub,
    app: AppCredentials,
    installation: u64,
    http: reqwest::Client,
}

fn app_jwt(app: &AppCredentials) -> String {
    let now = chrono::Utc::now().timestamp();
    let key = EncodingKey::from_rsa_pem(app.private_key_pem.as_bytes()).unwrap();
    encode(
        &Header::new(Algorithm::RS256),
        &json!({"iat": now - 60, "exp": now + 540, "iss": app.app_id}),
        &key,
    )
    .unwrap()
}

/// A receiver answering 200 to every delivery.
async fn receiver() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/webhooks", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let app = axum::Router::new().route("/webhooks", axum::routing::post(|| async { "" }));
        axum::serve(listener, app).await
    });
    url
}

impl Fixture {
    /// Org `acme` with repositories `web` and `api`; the app installed with `withheld`
    /// permissions missing.
    async fn new(withheld: &[&str]) -> Fixture {
        let fake = FakeGitHub::start(FakeOptions {
            limits: Limits {
                min_write_interval: Duration::ZERO,
                ..Limits::default()
            },
            ..FakeOptions::default()
        })
        .await
        .unwrap();
        let app = fake.create_app("Fullcover");
        fake.set_webhook_url(app.app_id, &receiver().await);
        fake.create_org("acme");
        fake.create_repo("acme", RepoSpec::new("web").file("src/app.js", "x\n"));
        fake.create_repo("acme", RepoSpec::new("api").file("a", "b"));
        let installation = fake
            .install_without(app.app_id, "acme", None, withheld)
            .await
            .unwrap();
        Fixture {
            fake,
            app,
            installation,
            http: reqwest::Client::new(),
        }
    }

    async fn token(&self) -> String {
        let url = format!(
            "{}/app/installations/{}/access_tokens",
            self.fake.url(),
            self.installation
        );
        let response = self
            .http
            .post(url)
            .bearer_auth(app_jwt(&self.app))
            .send()
            .await
            .unwrap();
        let body: Value = response.json().await.unwrap();
        body["token"].as_str().unwrap().to_string()
    }

    async fn get(&self, token: &str, path: &str) -> (StatusCode, Option<String>, Value) {
        let response = self
            .http
            .get(format!("{}{path}", self.fake.url()))
            .header("authorization", format!("token {token}"))
            .send()
            .await
            .unwrap();
        let status = response.status();
        let link = response
            .headers()
            .get("link")
            .map(|l| l.to_str().unwrap().to_string());
        (status, link, response.json().await.unwrap_or(Value::Null))
    }

    /// The last deliveries' (event, action) pairs.
    fn last_deliveries(&self, n: usize) -> Vec<(String, String)> {
        let all = self.fake.deliveries();
        all[all.len().saturating_sub(n)..]
            .iter()
            .map(|d| (d.event.clone(), d.action.clone().unwrap_or_default()))
            .collect()
    }

    fn last_payload(&self) -> Value {
        let guid = self.fake.deliveries().pop().unwrap().guid;
        self.fake.delivery_payload(&guid).unwrap()
    }
}

fn numbers(body: &Value) -> Vec<u64> {
    body.as_array()
        .unwrap()
        .iter()
        .map(|a| a["number"].as_u64().unwrap())
        .collect()
}

fn pair(event: &str, action: &str) -> (String, String) {
    (event.to_string(), action.to_string())
}

fn day(d: u32) -> chrono::DateTime<chrono::Utc> {
    chrono::Utc.with_ymd_and_hms(2024, 5, d, 0, 0, 0).unwrap()
}

#[tokio::test]
async fn lists_get_and_filter_the_three_families() {
    let f = Fixture::new(&[]).await;
    let fake = &f.fake;
    for (d, severity) in [(1, "high"), (2, "critical"), (3, "low")] {
        fake.set_alert_clock(Some(day(d)));
        fake.create_alert("acme", "web", NewAlert::code_scanning(severity))
            .await
            .unwrap();
    }
    fake.create_alert("acme", "api", NewAlert::code_scanning("medium"))
        .await
        .unwrap();
    fake.set_alert_clock(Some(day(10)));
    fake.fix_alert("acme", "web", AlertFamily::CodeScanning, 1)
        .await
        .unwrap();
    fake.create_alert(
        "acme",
        "web",
        NewAlert::dependabot("high").published_at(day(1)),
    )
    .await
    .unwrap();
    fake.create_alert("acme", "web", NewAlert::dependabot("low").name("minimist"))
        .await
        .unwrap();
    fake.create_alert("acme", "web", NewAlert::secret().validity("active"))
        .await
        .unwrap();
    let t = f.token().await;

    let (status, _, body) = f.get(&t, "/repos/acme/web/code-scanning/alerts").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(numbers(&body), [3, 2, 1], "newest first");
    let (_, _, body) = f
        .get(
            &t,
            "/repos/acme/web/code-scanning/alerts?state=open&direction=asc",
        )
        .await;
    assert_eq!(numbers(&body), [2, 3]);
    let (_, _, body) = f
        .get(&t, "/repos/acme/web/code-scanning/alerts?severity=critical")
        .await;
    assert_eq!(numbers(&body), [2]);
    let (_, _, body) = f
        .get(&t, "/repos/acme/web/code-scanning/alerts?sort=updated")
        .await;
    assert_eq!(numbers(&body), [1, 3, 2], "the fix updated alert 1 last");
    let (status, _, one) = f.get(&t, "/repos/acme/web/code-scanning/alerts/1").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(one["state"], "fixed");
    assert_eq!(one["fixed_at"], "2024-05-10T00:00:00Z");
    assert_eq!(one["created_at"], "2024-05-01T00:00:00Z");
    assert_eq!(one["rule"]["security_severity_level"], "high");
    assert_eq!(one["most_recent_instance"]["ref"], "refs/heads/main");
    let head = fake.head("acme", "web", "main").unwrap();
    assert_eq!(one["most_recent_instance"]["commit_sha"], json!(head));
    let (status, _, _) = f.get(&t, "/repos/acme/web/code-scanning/alerts/99").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (_, _, org) = f.get(&t, "/orgs/acme/code-scanning/alerts").await;
    let repos: Vec<&str> = org
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["repository"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(repos.len(), 4);
    assert!(repos.contains(&"api"));

    let (_, _, body) = f.get(&t, "/repos/acme/web/dependabot/alerts").await;
    assert_eq!(
        numbers(&body),
        [2, 1],
        "Dependabot numbers count on their own"
    );
    let (_, _, one) = f.get(&t, "/repos/acme/web/dependabot/alerts/1").await;
    assert_eq!(one["security_advisory"]["severity"], "high");
    assert_eq!(
        one["security_advisory"]["published_at"],
        "2024-05-01T00:00:00Z"
    );
    assert_eq!(one["dependency"]["manifest_path"], "package-lock.json");
    assert_eq!(one["dependency"]["package"]["name"], "lodash");
    let (_, _, body) = f
        .get(
            &t,
            "/orgs/acme/dependabot/alerts?severity=low,medium&package=minimist",
        )
        .await;
    assert_eq!(numbers(&body), [2]);
    assert_eq!(body[0]["repository"]["full_name"], "acme/web");

    let (_, _, body) = f.get(&t, "/repos/acme/web/secret-scanning/alerts").await;
    assert_eq!(numbers(&body), [1]);
    assert_eq!(body[0]["validity"], "active");
    assert!(body[0]["secret"].as_str().unwrap().starts_with("ghp_"));
    let (_, _, hidden) = f
        .get(
            &t,
            "/repos/acme/web/secret-scanning/alerts/1?hide_secret=true",
        )
        .await;
    assert!(hidden.get("secret").is_none());
    let (_, _, locations) = f
        .get(&t, "/repos/acme/web/secret-scanning/alerts/1/locations")
        .await;
    assert_eq!(locations[0]["type"], "commit");
    assert_eq!(locations[0]["details"]["commit_sha"], json!(head));
    assert_eq!(locations[0]["details"]["path"], "config/settings.yml");
    let (_, _, body) = f
        .get(&t, "/orgs/acme/secret-scanning/alerts?state=resolved")
        .await;
    assert_eq!(body, json!([]));
}

#[tokio::test]
async fn pull_request_alerts_stay_off_the_default_branch_until_they_appear() {
    let f = Fixture::new(&[]).await;
    let fake = &f.fake;
    let sha = fake
        .push(
            "acme",
            "web",
            "feature",
            vec![("b.js".into(), Some(b"b".to_vec()))],
            "b",
        )
        .await
        .unwrap();
    let number = fake
        .create_alert(
            "acme",
            "web",
            NewAlert::code_scanning("high").on_pull(7).commit(&sha),
        )
        .await
        .unwrap();
    let t = f.token().await;
    let (_, _, main) = f.get(&t, "/repos/acme/web/code-scanning/alerts").await;
    assert_eq!(main, json!([]));
    let (_, _, pr) = f.get(&t, "/repos/acme/web/code-scanning/alerts?pr=7").await;
    assert_eq!(numbers(&pr), [number]);
    assert_eq!(pr[0]["most_recent_instance"]["ref"], "refs/pull/7/merge");
    let (_, _, org) = f.get(&t, "/orgs/acme/code-scanning/alerts").await;
    assert_eq!(org, json!([]));
    fake.alert_appeared_in_branch("acme", "web", number, None, None)
        .await
        .unwrap();
    let (_, _, main) = f
        .get(&t, "/repos/acme/web/code-scanning/alerts?ref=main")
        .await;
    assert_eq!(numbers(&main), [number]);
    let payload = f.last_payload();
    assert_eq!(payload["action"], "appeared_in_branch");
    assert_eq!(payload["ref"], "refs/heads/main");
}

#[tokio::test]
async fn pages_and_cursors_with_link_headers() {
    let f = Fixture::new(&[]).await;
    for _ in 0..5 {
        f.fake
            .create_alert("acme", "web", NewAlert::code_scanning("high"))
            .await
            .unwrap();
        f.fake
            .create_alert("acme", "web", NewAlert::dependabot("high"))
            .await
            .unwrap();
    }
    let t = f.token().await;
    let (_, link, body) = f
        .get(&t, "/repos/acme/web/code-scanning/alerts?per_page=2&page=2")
        .await;
    assert_eq!(numbers(&body), [3, 2]);
    let link = link.unwrap();
    assert!(link.contains("per_page=2&page=3>; rel=\"next\""), "{link}");
    assert!(link.contains("page=1>; rel=\"first\""), "{link}");

    // Dependabot: cursors; follow `next` to the end, then `prev` back.
    let mut path = "/orgs/acme/dependabot/alerts?per_page=2&direction=asc".to_string();
    let mut seen = Vec::new();
    let mut last_link = String::new();
    loop {
        let (status, link, body) = f.get(&t, &path).await;
        assert_eq!(status, StatusCode::OK);
        seen.extend(numbers(&body));
        let Some(link) = link else { break };
        last_link = link.clone();
        let Some(next) = link
            .split(", ")
            .find(|l| l.ends_with("rel=\"next\""))
            .map(|l| l[1..l.find('>').unwrap()].to_string())
        else {
            break;
        };
        assert!(next.contains("after="), "{next}");
        path = next.trim_start_matches(&f.fake.url()).to_string();
    }
    assert_eq!(seen, [1, 2, 3, 4, 5]);
    let prev = last_link
        .split(", ")
        .find(|l| l.ends_with("rel=\"prev\""))
        .map(|l| l[1..l.find('>').unwrap()].to_string())
        .unwrap();
    let (_, _, body) = f.get(&t, prev.trim_start_matches(&f.fake.url())).await;
    assert_eq!(numbers(&body), [3, 4]);
    // Secret scanning takes both: cursors when given.
    let (status, _, _) = f
        .get(&t, "/orgs/acme/secret-scanning/alerts?per_page=1&page=1")
        .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn a_missing_permission_is_a_403_and_withholds_webhooks() {
    let f = Fixture::new(&["secret_scanning_alerts"]).await;
    let fake = &f.fake;
    fake.create_alert("acme", "web", NewAlert::secret())
        .await
        .unwrap();
    fake.create_alert("acme", "web", NewAlert::code_scanning("high"))
        .await
        .unwrap();
    let events: Vec<String> = fake.deliveries().iter().map(|d| d.event.clone()).collect();
    assert_eq!(events, ["installation", "code_scanning_alert"]);
    let t = f.token().await;
    for path in [
        "/repos/acme/web/secret-scanning/alerts",
        "/repos/acme/web/secret-scanning/alerts/1",
        "/repos/acme/web/secret-scanning/alerts/1/locations",
        "/orgs/acme/secret-scanning/alerts",
    ] {
        let (status, _, body) = f.get(&t, path).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
        assert_eq!(body["message"], "Resource not accessible by integration");
    }
    let (status, _, _) = f.get(&t, "/repos/acme/web/code-scanning/alerts").await;
    assert_eq!(status, StatusCode::OK);

    // The owner accepts; tokens minted from then on can read.
    fake.accept_new_permissions(f.installation).await.unwrap();
    assert_eq!(
        f.last_deliveries(1),
        [pair("installation", "new_permissions_accepted")]
    );
    let (status, _, _) = f.get(&t, "/orgs/acme/secret-scanning/alerts").await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "old tokens keep their grants"
    );
    let fresh = f.token().await;
    let (status, _, body) = f.get(&fresh, "/orgs/acme/secret-scanning/alerts").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(numbers(&body), [1]);

    // Without tokens: 401; an app JWT: 403.
    let response = f
        .http
        .get(format!("{}/orgs/acme/dependabot/alerts", fake.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let response = f
        .http
        .get(format!("{}/repos/acme/web/dependabot/alerts", fake.url()))
        .bearer_auth(app_jwt(&f.app))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn disabled_features_answer_as_github_does() {
    let f = Fixture::new(&[]).await;
    let fake = &f.fake;
    fake.create_alert("acme", "api", NewAlert::secret())
        .await
        .unwrap();
    for feature in [
        SecurityFeature::CodeScanning,
        SecurityFeature::DependabotAlerts,
        SecurityFeature::SecretScanning,
    ] {
        fake.set_security_feature("acme", "web", feature, false)
            .unwrap();
    }
    let t = f.token().await;
    let (status, _, body) = f.get(&t, "/repos/acme/web/secret-scanning/alerts").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        body["message"],
        "Secret scanning is disabled on this repository."
    );
    let (status, _, body) = f.get(&t, "/repos/acme/web/dependabot/alerts").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        body["message"],
        "Dependabot alerts are disabled for this repository."
    );
    let (status, _, _) = f.get(&t, "/repos/acme/web/code-scanning/alerts").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // The organisation lists skip the repositories where the feature is off.
    let (status, _, body) = f.get(&t, "/orgs/acme/secret-scanning/alerts").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body[0]["repository"]["name"], "api");
    assert!(
        fake.create_alert("acme", "web", NewAlert::secret())
            .await
            .is_err()
    );

    // Default setup needs Administration read.
    let (status, _, _) = f
        .get(&t, "/repos/acme/web/code-scanning/default-setup")
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let mut permissions: BTreeMap<String, String> = BTreeMap::new();
    permissions.insert("metadata".into(), "read".into());
    permissions.insert("administration".into(), "read".into());
    fake.set_app_permissions(f.app.app_id, permissions);
    let t = f.token().await;
    let (_, _, body) = f
        .get(&t, "/repos/acme/web/code-scanning/default-setup")
        .await;
    assert_eq!(body["state"], "not-configured");
    fake.set_default_setup("acme", "web", Some(&["javascript-typescript"]))
        .unwrap();
    let (_, _, body) = f
        .get(&t, "/repos/acme/web/code-scanning/default-setup")
        .await;
    assert_eq!(body["state"], "configured");
    assert_eq!(body["languages"], json!(["javascript-typescript"]));
}

#[tokio::test]
async fn every_change_sends_its_webhook() {
    let f = Fixture::new(&[]).await;
    let fake = &f.fake;
    let code = AlertFamily::CodeScanning;
    let n = fake
        .create_alert("acme", "web", NewAlert::code_scanning("high"))
        .await
        .unwrap();
    let created = f.last_payload();
    assert_eq!(created["ref"], "refs/heads/main");
    assert_eq!(created["alert"]["number"], json!(n));
    assert_eq!(
        created["commit_oid"],
        json!(fake.head("acme", "web", "main"))
    );
    fake.fix_alert("acme", "web", code, n).await.unwrap();
    fake.reopen_alert("acme", "web", code, n, false)
        .await
        .unwrap();
    fake.dismiss_alert("acme", "web", code, n, "won't fix")
        .await
        .unwrap();
    let dismissed = f.last_payload();
    assert_eq!(dismissed["alert"]["dismissed_reason"], "won't fix");
    assert_eq!(dismissed["alert"]["dismissed_by"]["login"], "fake-user");
    assert_eq!(dismissed["ref"], "");
    fake.reopen_alert("acme", "web", code, n, true)
        .await
        .unwrap();
    assert!(
        fake.reopen_alert("acme", "web", code, n, true)
            .await
            .is_err()
    );
    assert!(
        fake.dismiss_alert("acme", "web", code, n, "because")
            .await
            .is_err()
    );
    let e = "code_scanning_alert";
    assert_eq!(
        f.last_deliveries(5),
        [
            pair(e, "created"),
            pair(e, "fixed"),
            pair(e, "reopened"),
            pair(e, "closed_by_user"),
            pair(e, "reopened_by_user"),
        ]
    );

    let dep = AlertFamily::Dependabot;
    let n = fake
        .create_alert("acme", "web", NewAlert::dependabot("critical"))
        .await
        .unwrap();
    fake.dismiss_alert("acme", "web", dep, n, "tolerable_risk")
        .await
        .unwrap();
    fake.reopen_alert("acme", "web", dep, n, true)
        .await
        .unwrap();
    fake.auto_dismiss_alert("acme", "web", n).await.unwrap();
    fake.reopen_alert("acme", "web", dep, n, false)
        .await
        .unwrap();
    fake.fix_alert("acme", "web", dep, n).await.unwrap();
    assert_eq!(f.last_payload()["alert"]["state"], "fixed");
    fake.reopen_alert("acme", "web", dep, n, false)
        .await
        .unwrap();
    let e = "dependabot_alert";
    assert_eq!(
        f.last_deliveries(7),
        [
            pair(e, "created"),
            pair(e, "dismissed"),
            pair(e, "reopened"),
            pair(e, "auto_dismissed"),
            pair(e, "auto_reopened"),
            pair(e, "fixed"),
            pair(e, "reintroduced"),
        ]
    );

    let n = fake
        .create_alert("acme", "web", NewAlert::secret())
        .await
        .unwrap();
    fake.validate_secret("acme", "web", n, "active")
        .await
        .unwrap();
    fake.resolve_secret("acme", "web", n, "revoked")
        .await
        .unwrap();
    assert_eq!(f.last_payload()["alert"]["resolution"], "revoked");
    fake.reopen_alert("acme", "web", AlertFamily::SecretScanning, n, true)
        .await
        .unwrap();
    let sha = fake
        .push(
            "acme",
            "web",
            "main",
            vec![("b".into(), Some(b"b".to_vec()))],
            "b",
        )
        .await
        .unwrap();
    fake.add_secret_location("acme", "web", n, "b", &sha)
        .await
        .unwrap();
    assert_eq!(
        f.last_payload()["location"]["details"]["commit_sha"],
        json!(sha)
    );
    let (s, l) = ("secret_scanning_alert", "secret_scanning_alert_location");
    assert_eq!(
        f.last_deliveries(7),
        [
            pair(s, "created"),
            pair(l, "created"),
            pair(s, "validated"),
            pair(s, "resolved"),
            pair(s, "reopened"),
            pair("push", ""),
            pair(l, "created"),
        ]
    );
    let t = f.token().await;
    let (_, _, locations) = f
        .get(
            &t,
            &format!("/repos/acme/web/secret-scanning/alerts/{n}/locations"),
        )
        .await;
    assert_eq!(locations.as_array().unwrap().len(), 2);
    let (_, _, alert) = f
        .get(&t, &format!("/repos/acme/web/dependabot/alerts/{n}"))
        .await;
    assert_eq!(alert["state"], "open");
    assert_eq!(alert["fixed_at"], Value::Null);
    assert!(fake.deliveries().iter().all(|d| d.status == Some(200)));
}
