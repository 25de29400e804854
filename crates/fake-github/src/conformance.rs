//! Conformance with GitHub's published artefacts: every endpoint's answers are validated
//! against `@octokit/openapi`, every webhook payload against `@octokit/webhooks-examples`
//! (by `tools/check-github-conformance.js`, run with Node).

use std::collections::BTreeMap;
use std::time::Duration;

use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use reqwest::Method;
use serde_json::{Value, json};

use super::*;

struct Recorder {
    fake: FakeGitHub,
    http: reqwest::Client,
    samples: Vec<Value>,
}

impl Recorder {
    /// Sends a request and records (method, route, status, body) for the checker.
    async fn call(&mut self, method: Method, path: &str, auth: &str, body: Option<Value>) -> Value {
        let mut request = self
            .http
            .request(method.clone(), format!("{}{path}", self.fake.url()));
        if !auth.is_empty() {
            request = request.header("authorization", auth);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        let logged = self.fake.requests().pop().unwrap();
        let route = logged
            .route
            .split_once(' ')
            .map(|(_, r)| r.to_string())
            .unwrap();
        self.samples.push(
            json!({"method": method.as_str(), "route": route, "status": status, "body": body}),
        );
        body
    }
}

fn jwt(app: &AppCredentials) -> String {
    let now = chrono::Utc::now().timestamp();
    let key = EncodingKey::from_rsa_pem(app.private_key_pem.as_bytes()).unwrap();
    let token = encode(
        &Header::new(Algorithm::RS256),
        &json!({"iat": now - 60, "exp": now + 540, "iss": app.client_id}),
        &key,
    )
    .unwrap();
    format!("Bearer {token}")
}

#[tokio::test]
#[ignore = "needs npm @octokit/openapi and @octokit/webhooks-examples"]
async fn responses_and_webhooks_match_githubs_descriptions() {
    let modules = std::env::var("FULLCOVER_OCTOKIT_DIR")
        .expect("FULLCOVER_OCTOKIT_DIR: a node_modules dir with @octokit/openapi, @octokit/webhooks-examples, ajv, ajv-formats");
    let fake = FakeGitHub::start(FakeOptions {
        limits: Limits {
            min_write_interval: Duration::ZERO,
            ..Limits::default()
        },
        api_write_webhooks: true,
        ..FakeOptions::default()
    })
    .await
    .unwrap();
    // A receiver so deliveries succeed.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook = format!("http://{}/webhooks", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let app = axum::Router::new().route("/webhooks", axum::routing::post(|| async { "" }));
        axum::serve(listener, app).await
    });

    let app = fake.create_app("Fullcover");
    fake.set_webhook_url(app.app_id, &hook);
    fake.set_app_events(
        app.app_id,
        &[
            "push",
            "pull_request",
            "repository",
            "check_run",
            "workflow_run",
            "code_scanning_alert",
            "dependabot_alert",
            "secret_scanning_alert",
            "secret_scanning_alert_location",
        ],
    );
    fake.create_org("acme");
    fake.create_repo(
        "acme",
        RepoSpec::new("web")
            .file("README.md", "# web\n")
            .file("src/app.py", "print(1)\n"),
    );
    fake.create_repo("acme", RepoSpec::new("empty"));
    fake.create_repo("acme", RepoSpec::new("old").file("a", "b").archived());
    fake.create_repo("acme", RepoSpec::new("other").file("a", "b").private());
    let installation = fake.install(app.app_id, "acme", None).await.unwrap();

    let mut r = Recorder {
        fake: fake.clone(),
        http: reqwest::Client::new(),
        samples: Vec::new(),
    };
    let app_auth = jwt(&app);
    let i = installation;
    r.call(Method::GET, "/app", &app_auth, None).await;
    r.call(Method::GET, "/app/installations", &app_auth, None)
        .await;
    r.call(
        Method::GET,
        &format!("/app/installations/{i}"),
        &app_auth,
        None,
    )
    .await;
    r.call(Method::GET, "/app/installations/1", &app_auth, None)
        .await;
    for path in [
        "/repos/acme/web/installation",
        "/repos/acme/nope/installation",
        "/orgs/acme/installation",
        "/users/nobody/installation",
    ] {
        r.call(Method::GET, path, &app_auth, None).await;
    }
    let token = r
        .call(
            Method::POST,
            &format!("/app/installations/{i}/access_tokens"),
            &app_auth,
            None,
        )
        .await["token"]
        .as_str()
        .unwrap()
        .to_string();
    r.call(
        Method::POST,
        "/app/installations/1/access_tokens",
        &app_auth,
        None,
    )
    .await;
    r.call(Method::GET, "/app", "Bearer not.a.jwt", None).await;
    let code =
        fake.mint_manifest_code(json!({"name": "From manifest", "url": "https://x.example"}));
    r.call(
        Method::POST,
        &format!("/app-manifests/{code}/conversions"),
        "",
        None,
    )
    .await;
    r.call(
        Method::POST,
        &format!("/app-manifests/{code}/conversions"),
        "",
        None,
    )
    .await;

    let t = format!("token {token}");
    r.call(Method::GET, "/rate_limit", &t, None).await;
    r.call(
        Method::GET,
        "/installation/repositories?per_page=2",
        &t,
        None,
    )
    .await;
    r.call(Method::GET, "/repos/acme/web", &t, None).await;
    r.call(Method::GET, "/repos/acme/nope", &t, None).await;
    r.call(Method::GET, "/repos/acme/web/git/ref/heads/main", &t, None)
        .await;
    r.call(Method::GET, "/repos/acme/web/git/ref/heads/nope", &t, None)
        .await;
    r.call(
        Method::GET,
        "/repos/acme/empty/git/ref/heads/main",
        &t,
        None,
    )
    .await;
    let main = fake.head("acme", "web", "main").unwrap();
    let commit = r
        .call(
            Method::GET,
            &format!("/repos/acme/web/git/commits/{main}"),
            &t,
            None,
        )
        .await;
    let tree_sha = commit["tree"]["sha"].as_str().unwrap().to_string();
    let tree = r
        .call(
            Method::GET,
            &format!("/repos/acme/web/git/trees/{tree_sha}?recursive=1"),
            &t,
            None,
        )
        .await;
    r.call(Method::GET, "/repos/acme/web/git/trees/main", &t, None)
        .await;
    r.call(Method::GET, "/repos/acme/empty/git/trees/main", &t, None)
        .await;
    let blob_sha = tree["tree"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["type"] == "blob")
        .unwrap()["sha"]
        .as_str()
        .unwrap()
        .to_string();
    r.call(
        Method::GET,
        &format!("/repos/acme/web/git/blobs/{blob_sha}"),
        &t,
        None,
    )
    .await;
    r.call(
        Method::GET,
        &format!("/repos/acme/web/git/blobs/{}", "0".repeat(40)),
        &t,
        None,
    )
    .await;
    let blob = r
        .call(
            Method::POST,
            "/repos/acme/web/git/blobs",
            &t,
            Some(json!({"content": "hello"})),
        )
        .await;
    r.call(
        Method::POST,
        "/repos/acme/old/git/blobs",
        &t,
        Some(json!({"content": "hello"})),
    )
    .await;
    r.call(
        Method::POST,
        "/repos/acme/empty/git/blobs",
        &t,
        Some(json!({"content": "hello"})),
    )
    .await;
    let new_tree = r
        .call(
            Method::POST,
            "/repos/acme/web/git/trees",
            &t,
            Some(json!({"base_tree": tree_sha, "tree": [
                {"path": "docs/a.md", "mode": "100644", "type": "blob", "sha": blob["sha"]},
                {"path": "b.txt", "mode": "100644", "type": "blob", "content": "b"}]})),
        )
        .await;
    r.call(
        Method::POST,
        "/repos/acme/web/git/trees",
        &t,
        Some(json!({"tree": [{"path": "x"}]})),
    )
    .await;
    let new_commit = r
        .call(
            Method::POST,
            "/repos/acme/web/git/commits",
            &t,
            Some(json!({"message": "m", "tree": new_tree["sha"], "parents": [main]})),
        )
        .await;
    let sha = new_commit["sha"].as_str().unwrap().to_string();
    let create = json!({"ref": "refs/heads/fullcover/onboarding", "sha": sha});
    r.call(
        Method::POST,
        "/repos/acme/web/git/refs",
        &t,
        Some(create.clone()),
    )
    .await;
    r.call(Method::POST, "/repos/acme/web/git/refs", &t, Some(create))
        .await;
    r.call(
        Method::PATCH,
        "/repos/acme/web/git/refs/heads/fullcover/onboarding",
        &t,
        Some(json!({"sha": sha, "force": true})),
    )
    .await;
    r.call(
        Method::PATCH,
        "/repos/acme/web/git/refs/heads/fullcover/onboarding",
        &t,
        Some(json!({"sha": main})),
    )
    .await;
    r.call(
        Method::POST,
        "/repos/acme/web/git/refs",
        &t,
        Some(json!({"ref": "refs/heads/tmp", "sha": main})),
    )
    .await;
    r.call(
        Method::DELETE,
        "/repos/acme/web/git/refs/heads/tmp",
        &t,
        None,
    )
    .await;
    let pr =
        json!({"title": "Fullcover", "head": "fullcover/onboarding", "base": "main", "body": "b"});
    r.call(Method::POST, "/repos/acme/web/pulls", &t, Some(pr.clone()))
        .await;
    r.call(Method::POST, "/repos/acme/web/pulls", &t, Some(pr))
        .await;
    r.call(
        Method::GET,
        "/repos/acme/web/pulls?head=acme:fullcover/onboarding&state=all",
        &t,
        None,
    )
    .await;
    r.call(Method::GET, "/repos/acme/web/pulls/1", &t, None)
        .await;
    r.call(Method::GET, "/repos/acme/web/pulls/1/commits", &t, None)
        .await;
    r.call(Method::GET, "/repos/acme/web/pulls/99/commits", &t, None)
        .await;
    r.call(Method::GET, "/repos/acme/web/pulls/99", &t, None)
        .await;
    r.call(
        Method::PATCH,
        "/repos/acme/web/pulls/1",
        &t,
        Some(json!({"body": "new body"})),
    )
    .await;
    r.call(
        Method::POST,
        "/repos/acme/web/issues/1/labels",
        &t,
        Some(json!({"labels": ["security"]})),
    )
    .await;
    fake.add_check_run("acme", "web", &sha, "CodeQL", "success")
        .await
        .unwrap();
    r.call(
        Method::GET,
        &format!("/repos/acme/web/commits/{sha}/check-runs"),
        &t,
        None,
    )
    .await;
    for (event, conclusion) in [("schedule", "success"), ("push", "failure")] {
        fake.add_workflow_run(
            "acme",
            "web",
            ".github/workflows/codeql.yml",
            event,
            conclusion,
        )
        .await
        .unwrap();
    }
    r.call(
        Method::GET,
        "/repos/acme/web/actions/workflows/codeql.yml/runs?branch=main&status=completed&per_page=5",
        &t,
        None,
    )
    .await;
    r.call(
        Method::GET,
        "/repos/acme/web/actions/workflows/absent.yml/runs",
        &t,
        None,
    )
    .await;

    security_alerts(&mut r, &fake, &app, i, &t).await;

    // Permission and bad-credential errors.
    let mut permissions = BTreeMap::new();
    permissions.insert("metadata".to_string(), "read".to_string());
    permissions.insert("contents".to_string(), "write".to_string());
    fake.set_app_permissions(app.app_id, permissions);
    let narrow = r
        .call(
            Method::POST,
            &format!("/app/installations/{i}/access_tokens"),
            &app_auth,
            None,
        )
        .await["token"]
        .as_str()
        .unwrap()
        .to_string();
    let n = format!("token {narrow}");
    r.call(Method::GET, "/repos/acme/web/pulls", &n, None).await;
    r.call(
        Method::GET,
        "/repos/acme/web/code-scanning/alerts",
        &n,
        None,
    )
    .await;
    r.call(Method::GET, "/orgs/acme/dependabot/alerts", &n, None)
        .await;
    r.call(
        Method::POST,
        "/repos/acme/web/git/trees",
        &n,
        Some(json!({"tree": [{"path": ".github/workflows/x.yml", "mode": "100644", "type": "blob", "content": "x"}]})),
    )
    .await;
    r.call(Method::GET, "/repos/acme/web", "token ghs_unknown", None)
        .await;

    // Webhooks: every kind the fake sends.
    fake.push(
        "acme",
        "web",
        "main",
        vec![("c.txt".into(), Some(b"c".to_vec()))],
        "c",
    )
    .await
    .unwrap();
    fake.merge_pull("acme", "web", 1).await.unwrap();
    fake.push(
        "acme",
        "web",
        "feature",
        vec![("d.txt".into(), Some(b"d".to_vec()))],
        "d",
    )
    .await
    .unwrap();
    fake.add_repos_to_installation(i, &["web"]).await.unwrap();
    fake.remove_repos_from_installation(i, &["other"])
        .await
        .unwrap();
    fake.rename_repo("acme", "old", "older").await.unwrap();
    fake.archive_repo("acme", "web").await.unwrap();
    fake.ping(app.app_id).await.unwrap();
    fake.suspend(i).await.unwrap();
    fake.unsuspend(i).await.unwrap();
    fake.delete_repo("acme", "empty").await.unwrap();
    fake.uninstall(i).await.unwrap();
    // Deliveries caused by REST writes go out in the background.
    for _ in 0..100 {
        if fake
            .deliveries()
            .iter()
            .any(|d| d.action.as_deref() == Some("opened"))
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let webhooks: Vec<Value> = fake
        .deliveries()
        .iter()
        .map(|d| json!({"event": d.event, "action": d.action, "payload": fake.delivery_payload(&d.guid).unwrap()}))
        .collect();
    assert!(fake.deliveries().iter().all(|d| d.status == Some(200)));

    // Kept after the run so a failure can be replayed with the script alone.
    let file = std::env::temp_dir().join("fullcover-conformance-samples.json");
    std::fs::write(
        &file,
        serde_json::to_vec(&json!({"responses": r.samples, "webhooks": webhooks})).unwrap(),
    )
    .unwrap();
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tools/check-github-conformance.js"
    );
    let output = std::process::Command::new("node")
        .arg(script)
        .arg(&modules)
        .arg(&file)
        .output()
        .expect("node must be installed");
    let report = String::from_utf8_lossy(&output.stdout);
    println!("{report}{}", String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "conformance problems:\n{report}");
}

/// Alerts of the three families through every state change (their webhooks), then
/// [`read_alerts`].
async fn security_alerts(
    r: &mut Recorder,
    fake: &FakeGitHub,
    app: &AppCredentials,
    installation: u64,
    t: &str,
) {
    let (code, dep, secret) = (
        AlertFamily::CodeScanning,
        AlertFamily::Dependabot,
        AlertFamily::SecretScanning,
    );
    let c1 = fake
        .create_alert("acme", "web", NewAlert::code_scanning("high"))
        .await
        .unwrap();
    let c2 = fake
        .create_alert("acme", "web", NewAlert::code_scanning("medium").on_pull(1))
        .await
        .unwrap();
    fake.alert_appeared_in_branch("acme", "web", c2, None, None)
        .await
        .unwrap();
    fake.fix_alert("acme", "web", code, c1).await.unwrap();
    fake.reopen_alert("acme", "web", code, c1, false)
        .await
        .unwrap();
    fake.dismiss_alert("acme", "web", code, c2, "false positive")
        .await
        .unwrap();
    fake.reopen_alert("acme", "web", code, c2, true)
        .await
        .unwrap();
    fake.dismiss_alert("acme", "web", code, c2, "used in tests")
        .await
        .unwrap();
    let d1 = fake
        .create_alert("acme", "web", NewAlert::dependabot("critical"))
        .await
        .unwrap();
    let d2 = fake
        .create_alert("acme", "web", NewAlert::dependabot("low"))
        .await
        .unwrap();
    fake.dismiss_alert("acme", "web", dep, d1, "tolerable_risk")
        .await
        .unwrap();
    fake.reopen_alert("acme", "web", dep, d1, true)
        .await
        .unwrap();
    fake.auto_dismiss_alert("acme", "web", d1).await.unwrap();
    fake.reopen_alert("acme", "web", dep, d1, false)
        .await
        .unwrap();
    fake.fix_alert("acme", "web", dep, d2).await.unwrap();
    fake.reopen_alert("acme", "web", dep, d2, false)
        .await
        .unwrap();
    fake.fix_alert("acme", "web", dep, d2).await.unwrap();
    let s1 = fake
        .create_alert("acme", "web", NewAlert::secret().validity("active"))
        .await
        .unwrap();
    let s2 = fake
        .create_alert("acme", "web", NewAlert::secret().publicly_leaked())
        .await
        .unwrap();
    fake.validate_secret("acme", "web", s1, "inactive")
        .await
        .unwrap();
    fake.resolve_secret("acme", "web", s1, "revoked")
        .await
        .unwrap();
    fake.reopen_alert("acme", "web", secret, s1, true)
        .await
        .unwrap();
    fake.resolve_secret("acme", "web", s2, "false_positive")
        .await
        .unwrap();
    fake.add_secret_location("acme", "web", s1, "src/app.py", "main")
        .await
        .unwrap();
    fake.accept_new_permissions(installation).await.unwrap();
    read_alerts(r, fake, app, installation, t).await;
}

/// The alert endpoints' answers: lists, pages, single alerts, locations, errors, features
/// switched off, default setup.
async fn read_alerts(
    r: &mut Recorder,
    fake: &FakeGitHub,
    app: &AppCredentials,
    installation: u64,
    t: &str,
) {
    for path in [
        "/orgs/acme/code-scanning/alerts",
        "/orgs/acme/code-scanning/alerts?state=dismissed&per_page=1",
        "/orgs/acme/dependabot/alerts?per_page=1",
        "/orgs/acme/dependabot/alerts?state=fixed,auto_dismissed",
        "/orgs/acme/secret-scanning/alerts",
        "/orgs/acme/secret-scanning/alerts?state=resolved&hide_secret=true",
        "/orgs/nobody/secret-scanning/alerts",
        "/repos/acme/web/code-scanning/alerts",
        "/repos/acme/web/code-scanning/alerts?pr=1",
        "/repos/acme/web/code-scanning/alerts/1",
        "/repos/acme/web/code-scanning/alerts/99",
        "/repos/acme/web/dependabot/alerts?per_page=1",
        "/repos/acme/web/dependabot/alerts/1",
        "/repos/acme/web/dependabot/alerts/2",
        "/repos/acme/web/dependabot/alerts/99",
        "/repos/acme/web/secret-scanning/alerts",
        "/repos/acme/web/secret-scanning/alerts/1",
        "/repos/acme/web/secret-scanning/alerts/2?hide_secret=true",
        "/repos/acme/web/secret-scanning/alerts/1/locations",
        "/repos/acme/web/code-scanning/default-setup",
    ] {
        r.call(Method::GET, path, t, None).await;
    }
    // Features off.
    for feature in [
        SecurityFeature::CodeScanning,
        SecurityFeature::DependabotAlerts,
        SecurityFeature::SecretScanning,
    ] {
        fake.set_security_feature("acme", "other", feature, false)
            .unwrap();
    }
    for path in [
        "/repos/acme/other/code-scanning/alerts",
        "/repos/acme/other/dependabot/alerts",
        "/repos/acme/other/secret-scanning/alerts",
        "/repos/acme/other/secret-scanning/alerts/1",
    ] {
        r.call(Method::GET, path, t, None).await;
    }
    // Default setup, with Administration read.
    let mut permissions: BTreeMap<String, String> = [
        ("metadata", "read"),
        ("contents", "write"),
        ("pull_requests", "write"),
        ("security_events", "read"),
        ("administration", "read"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    fake.set_app_permissions(app.app_id, permissions.clone());
    let admin = format!("token {}", installation_token(r, app, installation).await);
    r.call(
        Method::GET,
        "/repos/acme/web/code-scanning/default-setup",
        &admin,
        None,
    )
    .await;
    fake.set_default_setup("acme", "web", Some(&["javascript-typescript", "python"]))
        .unwrap();
    r.call(
        Method::GET,
        "/repos/acme/web/code-scanning/default-setup",
        &admin,
        None,
    )
    .await;
    // Default setup's analyses, under its analysis key.
    r.call(
        Method::GET,
        "/repos/acme/web/code-scanning/analyses",
        &admin,
        None,
    )
    .await;
    // Back to the app's permissions for the rest of the run.
    for name in [
        "workflows",
        "checks",
        "vulnerability_alerts",
        "secret_scanning_alerts",
    ] {
        permissions.insert(name.to_string(), "read".to_string());
    }
    permissions.insert("workflows".to_string(), "write".to_string());
    permissions.insert("issues".to_string(), "write".to_string());
    permissions.remove("administration");
    fake.set_app_permissions(app.app_id, permissions);
}

async fn installation_token(r: &mut Recorder, app: &AppCredentials, installation: u64) -> String {
    r.call(
        Method::POST,
        &format!("/app/installations/{installation}/access_tokens"),
        &jwt(app),
        None,
    )
    .await["token"]
        .as_str()
        .unwrap()
        .to_string()
}
