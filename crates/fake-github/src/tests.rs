//! End-to-end tests of the fake over real HTTP, with reqwest and octocrab as clients.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::*;

fn jwt(app: &AppCredentials, iat_offset: i64, exp_offset: i64, iss: Value) -> String {
    let now = chrono::Utc::now().timestamp();
    let key = EncodingKey::from_rsa_pem(app.private_key_pem.as_bytes()).unwrap();
    encode(
        &Header::new(Algorithm::RS256),
        &json!({"iat": now + iat_offset, "exp": now + exp_offset, "iss": iss}),
        &key,
    )
    .unwrap()
}

fn app_jwt(app: &AppCredentials) -> String {
    jwt(app, -60, 540, json!(app.app_id))
}

struct Setup {
    fake: FakeGitHub,
    app: AppCredentials,
    installation: u64,
    http: reqwest::Client,
}

impl Setup {
    async fn new(options: FakeOptions) -> Setup {
        let fake = FakeGitHub::start(options).await.unwrap();
        let app = fake.create_app("Fullcover");
        fake.create_org("acme");
        fake.create_repo(
            "acme",
            RepoSpec::new("web")
                .file("README.md", "# web\n")
                .file("src/app.py", "print('hi')\n")
                .file(".github/workflows/ci.yml", "on: push\n"),
        );
        fake.create_repo("acme", RepoSpec::new("empty"));
        fake.create_repo("acme", RepoSpec::new("old").file("a", "b").archived());
        let installation = fake.install(app.app_id, "acme", None).await.unwrap();
        Setup {
            fake,
            app,
            installation,
            http: reqwest::Client::new(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.fake.url())
    }

    async fn token(&self) -> String {
        let response = self
            .http
            .post(self.url(&format!(
                "/app/installations/{}/access_tokens",
                self.installation
            )))
            .bearer_auth(app_jwt(&self.app))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        let body: Value = response.json().await.unwrap();
        body["token"].as_str().unwrap().to_string()
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> (StatusCode, reqwest::header::HeaderMap, Value) {
        let mut request = self
            .http
            .request(method, self.url(path))
            .header("authorization", format!("token {token}"));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap();
        let value = serde_json::from_str(&text).unwrap_or(Value::Null);
        (status, headers, value)
    }
}

fn no_write_limits() -> FakeOptions {
    FakeOptions {
        limits: Limits {
            min_write_interval: Duration::ZERO,
            ..Limits::default()
        },
        ..FakeOptions::default()
    }
}

#[tokio::test]
async fn octocrab_authenticates_as_the_app_and_reads_a_tree() {
    let s = Setup::new(FakeOptions::default()).await;
    let key = EncodingKey::from_rsa_pem(s.app.private_key_pem.as_bytes()).unwrap();
    let app = octocrab::Octocrab::builder()
        .base_uri(s.fake.url())
        .unwrap()
        .app(octocrab::models::AppId(s.app.app_id), key)
        .build()
        .unwrap();
    let me: Value = app.get("/app", None::<&()>).await.unwrap();
    assert_eq!(me["id"], json!(s.app.app_id));
    let installations = app.apps().installations().send().await.unwrap();
    assert_eq!(installations.items.len(), 1);
    let found = app
        .apps()
        .get_repository_installation("acme", "web")
        .await
        .unwrap();
    assert_eq!(found.id.0, s.installation);
    let inst = app
        .installation(octocrab::models::InstallationId(s.installation))
        .unwrap();
    let repos = inst
        .apps()
        .installation_repositories()
        .per_page(100)
        .send()
        .await
        .unwrap();
    assert_eq!(repos.total_count, 3);
    let git_ref = inst
        .repos("acme", "web")
        .get_ref(&octocrab::params::repos::Reference::Branch("main".into()))
        .await
        .unwrap();
    let octocrab::models::repos::Object::Commit { sha, .. } = git_ref.object else {
        panic!("not a commit: {:?}", git_ref.object);
    };
    assert_eq!(Some(sha.clone()), s.fake.head("acme", "web", "main"));
    let tree: Value = inst
        .get(
            format!("/repos/acme/web/git/trees/{sha}?recursive=1"),
            None::<&()>,
        )
        .await
        .unwrap();
    let paths: Vec<&str> = tree["tree"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        [
            ".github",
            ".github/workflows",
            ".github/workflows/ci.yml",
            "README.md",
            "src",
            "src/app.py"
        ]
    );
    assert_eq!(tree["truncated"], json!(false));
    let tokens = s
        .fake
        .requests()
        .iter()
        .filter(|r| r.route == "POST /app/installations/{installation_id}/access_tokens")
        .count();
    assert_eq!(tokens, 1, "octocrab caches the installation token");
}

#[tokio::test]
async fn bad_jwts_get_githubs_401s() {
    let s = Setup::new(FakeOptions::default()).await;
    let other = s.fake.create_app("Other");
    let cases = [
        (
            jwt(&s.app, -700, -100, json!(s.app.app_id)),
            "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires",
        ),
        (
            jwt(&s.app, 0, 3600, json!(s.app.app_id)),
            "'Expiration time' claim ('exp') is too far in the future",
        ),
        (
            jwt(&other, -60, 540, json!(s.app.app_id)),
            "A JSON web token could not be decoded",
        ),
        (
            jwt(&s.app, -60, 540, json!(999_999)),
            "'Issuer' claim ('iss') must be an Integer",
        ),
    ];
    for (token, message) in cases {
        let response = s
            .http
            .get(s.url("/app"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["message"], json!(message));
        assert_eq!(body["status"], json!("401"));
    }
    // The client id is an accepted issuer.
    let by_client_id = jwt(&s.app, -60, 540, json!(s.app.client_id));
    let response = s
        .http
        .get(s.url("/app"))
        .bearer_auth(by_client_id)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    // A JWT is not accepted on repository endpoints, a token not on app endpoints.
    let (status, _, _) = s
        .call(
            reqwest::Method::GET,
            "/repos/acme/web",
            &app_jwt(&s.app),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let token = s.token().await;
    let (status, _, body) = s.call(reqwest::Method::GET, "/app", &token, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        body["message"],
        json!("A JSON web token could not be decoded")
    );
}

#[tokio::test]
async fn tokens_expire_and_are_scoped() {
    let s = Setup::new(FakeOptions {
        token_ttl: Duration::from_secs(1),
        ..FakeOptions::default()
    })
    .await;
    let token = s.token().await;
    assert!(token.starts_with("ghs_"));
    let (status, headers, repo) = s
        .call(reqwest::Method::GET, "/repos/acme/web", &token, None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(repo["full_name"], json!("acme/web"));
    for name in [
        "x-ratelimit-limit",
        "x-ratelimit-remaining",
        "x-ratelimit-used",
        "x-ratelimit-reset",
        "x-ratelimit-resource",
        "x-github-request-id",
        "x-github-api-version-selected",
    ] {
        assert!(headers.contains_key(name), "{name}");
    }
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (status, _, body) = s
        .call(reqwest::Method::GET, "/repos/acme/web", &token, None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["message"], json!("Bad credentials"));

    // Repositories outside the installation are invisible.
    s.fake
        .create_repo("someone", RepoSpec::new("private").private());
    let token = s.token().await;
    let (status, _, _) = s
        .call(reqwest::Method::GET, "/repos/someone/private", &token, None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // A missing permission is a 403 naming the permission needed.
    let mut permissions = BTreeMap::new();
    permissions.insert("metadata".to_string(), "read".to_string());
    permissions.insert("contents".to_string(), "read".to_string());
    s.fake.set_app_permissions(s.app.app_id, permissions);
    let token = s.token().await;
    let (status, headers, body) = s
        .call(reqwest::Method::GET, "/repos/acme/web/pulls", &token, None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        body["message"],
        json!("Resource not accessible by integration")
    );
    assert_eq!(
        headers["x-accepted-github-permissions"],
        "pull_requests=read"
    );

    // Suspended installations cannot mint tokens.
    s.fake.suspend(s.installation).await.unwrap();
    let response = s
        .http
        .post(s.url(&format!(
            "/app/installations/{}/access_tokens",
            s.installation
        )))
        .bearer_auth(app_jwt(&s.app))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body["message"],
        json!("This installation has been suspended")
    );
}

#[tokio::test]
async fn onboarding_pull_request_through_the_git_data_api() {
    let s = Setup::new(no_write_limits()).await;
    let token = s.token().await;
    let post = reqwest::Method::POST;
    let main = s.fake.head("acme", "web", "main").unwrap();
    let (status, headers, blob) = s
        .call(
            post.clone(),
            "/repos/acme/web/git/blobs",
            &token,
            Some(json!({"content": base64::engine::general_purpose::STANDARD.encode("x = 1\n"), "encoding": "base64"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert!(headers.contains_key("location"));
    let (status, _, tree) = s
        .call(
            post.clone(),
            "/repos/acme/web/git/trees",
            &token,
            Some(json!({"base_tree": main, "tree": [
                {"path": "lib/x.py", "mode": "100644", "type": "blob", "sha": blob["sha"]},
                {"path": ".github/workflows/scan.yml", "mode": "100644", "type": "blob", "content": "on: pull_request\n"},
                {"path": "src/app.py", "mode": "100644", "type": "blob", "sha": null},
            ]})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{tree}");
    let (status, _, commit) = s
        .call(
            post.clone(),
            "/repos/acme/web/git/commits",
            &token,
            Some(json!({"message": "Onboard scanners", "tree": tree["sha"], "parents": [main]})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(commit["verification"]["verified"], json!(true));
    assert_eq!(commit["author"]["name"], json!("fullcover[bot]"));
    let create_ref = json!({"ref": "refs/heads/fullcover/onboarding", "sha": commit["sha"]});
    let (status, _, r) = s
        .call(
            post.clone(),
            "/repos/acme/web/git/refs",
            &token,
            Some(create_ref.clone()),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(r["ref"], json!("refs/heads/fullcover/onboarding"));
    let (status, _, body) = s
        .call(
            post.clone(),
            "/repos/acme/web/git/refs",
            &token,
            Some(create_ref),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["message"], json!("Reference already exists"));
    let (status, _, body) = s
        .call(
            reqwest::Method::PATCH,
            "/repos/acme/web/git/refs/heads/fullcover/onboarding",
            &token,
            Some(json!({"sha": main})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["message"], json!("Update is not a fast forward"));

    let pr = json!({"title": "Fullcover", "head": "fullcover/onboarding", "base": "main", "body": "hello"});
    let (status, _, created) = s
        .call(
            post.clone(),
            "/repos/acme/web/pulls",
            &token,
            Some(pr.clone()),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(created["number"], json!(1));
    let (status, _, body) = s
        .call(post.clone(), "/repos/acme/web/pulls", &token, Some(pr))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        body["errors"][0]["message"],
        json!("A pull request already exists for acme:fullcover/onboarding.")
    );
    let (status, _, list) = s
        .call(
            reqwest::Method::GET,
            "/repos/acme/web/pulls?head=acme:fullcover/onboarding&state=all",
            &token,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list.as_array().unwrap().len(), 1);
    let (status, _, labels) = s
        .call(
            post.clone(),
            "/repos/acme/web/issues/1/labels",
            &token,
            Some(json!({"labels": ["security"]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(labels[0]["color"], json!("ededed"));

    let pulls = s.fake.pulls("acme", "web");
    assert_eq!(pulls[0].labels, ["security"]);
    assert!(pulls[0].files.contains_key(".github/workflows/scan.yml"));
    assert!(!pulls[0].files.contains_key("src/app.py"));
    // Someone changes main meanwhile: the merge needs a merge commit.
    s.fake
        .push(
            "acme",
            "web",
            "main",
            vec![("NEWS".into(), Some(b"news".to_vec()))],
            "news",
        )
        .await
        .unwrap();
    let merged = s.fake.merge_pull("acme", "web", 1).await.unwrap();
    assert_eq!(s.fake.head("acme", "web", "main"), Some(merged.clone()));
    assert_eq!(
        s.fake.file("acme", "web", "main", "lib/x.py"),
        Some(b"x = 1\n".to_vec())
    );
    assert_eq!(
        s.fake.file("acme", "web", "main", "NEWS"),
        Some(b"news".to_vec())
    );
    assert_eq!(s.fake.file("acme", "web", "main", "src/app.py"), None);
    let pulls = s.fake.pulls("acme", "web");
    assert!(pulls[0].merged);
    assert_eq!(pulls[0].state, "closed");
}

#[tokio::test]
async fn workflow_paths_need_the_workflows_permission() {
    let s = Setup::new(no_write_limits()).await;
    let mut permissions: BTreeMap<String, String> = [
        ("metadata", "read"),
        ("contents", "write"),
        ("pull_requests", "write"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    s.fake
        .set_app_permissions(s.app.app_id, permissions.clone());
    let token = s.token().await;
    let main = s.fake.head("acme", "web", "main").unwrap();
    let body = json!({"base_tree": main, "tree": [
        {"path": ".github/workflows/scan.yml", "mode": "100644", "type": "blob", "content": "x"}]});
    let (status, headers, error) = s
        .call(
            reqwest::Method::POST,
            "/repos/acme/web/git/trees",
            &token,
            Some(body.clone()),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        error["message"],
        json!("Resource not accessible by integration")
    );
    assert_eq!(
        error["documentation_url"],
        json!("https://docs.github.com/rest/git/trees#create-a-tree")
    );
    assert_eq!(headers["x-accepted-github-permissions"], "workflows=write");
    permissions.insert("workflows".into(), "write".into());
    s.fake.set_app_permissions(s.app.app_id, permissions);
    let token = s.token().await;
    let (status, _, _) = s
        .call(
            reqwest::Method::POST,
            "/repos/acme/web/git/trees",
            &token,
            Some(body),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
}

#[tokio::test]
async fn archived_empty_and_bad_json() {
    let s = Setup::new(no_write_limits()).await;
    let token = s.token().await;
    let (status, _, body) = s
        .call(
            reqwest::Method::GET,
            "/repos/acme/empty/git/ref/heads/main",
            &token,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["message"], json!("Git Repository is empty."));
    let (status, _, body) = s
        .call(
            reqwest::Method::POST,
            "/repos/acme/old/git/blobs",
            &token,
            Some(json!({"content": "x"})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        body["message"],
        json!("Repository was archived so is read-only.")
    );
    let (status, _, repo) = s
        .call(reqwest::Method::GET, "/repos/acme/old", &token, None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(repo["archived"], json!(true));
    let response = s
        .http
        .post(s.url("/repos/acme/web/git/blobs"))
        .header("authorization", format!("token {token}"))
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["message"], json!("Problems parsing JSON"));
}

#[tokio::test]
async fn pagination_links_like_github() {
    let s = Setup::new(FakeOptions::default()).await;
    for i in 0..4 {
        s.fake
            .create_repo("acme", RepoSpec::new(&format!("r{i}")).file("f", "x"));
    }
    let token = s.token().await;
    let base = s.fake.url();
    let (_, headers, body) = s
        .call(
            reqwest::Method::GET,
            "/installation/repositories?per_page=2",
            &token,
            None,
        )
        .await;
    assert_eq!(body["total_count"], json!(7));
    assert_eq!(body["repositories"].as_array().unwrap().len(), 2);
    assert_eq!(
        headers["link"],
        format!(
            "<{base}/installation/repositories?per_page=2&page=2>; rel=\"next\", <{base}/installation/repositories?per_page=2&page=4>; rel=\"last\""
        )
        .as_str()
    );
    let (_, headers, body) = s
        .call(
            reqwest::Method::GET,
            "/installation/repositories?per_page=2&page=4",
            &token,
            None,
        )
        .await;
    assert_eq!(body["repositories"].as_array().unwrap().len(), 1);
    assert_eq!(
        headers["link"],
        format!(
            "<{base}/installation/repositories?per_page=2&page=3>; rel=\"prev\", <{base}/installation/repositories?per_page=2&page=1>; rel=\"first\""
        )
        .as_str()
    );
    let (_, headers, _) = s
        .call(
            reqwest::Method::GET,
            "/installation/repositories",
            &token,
            None,
        )
        .await;
    assert!(!headers.contains_key("link"));
}

#[tokio::test]
async fn conditional_requests_are_free() {
    let s = Setup::new(FakeOptions::default()).await;
    let token = s.token().await;
    let path = "/repos/acme/web/git/ref/heads/main";
    let (status, headers, _) = s.call(reqwest::Method::GET, path, &token, None).await;
    assert_eq!(status, StatusCode::OK);
    let etag = headers["etag"].to_str().unwrap().to_string();
    let remaining = headers["x-ratelimit-remaining"]
        .to_str()
        .unwrap()
        .to_string();
    let response = s
        .http
        .get(s.url(path))
        .header("authorization", format!("token {token}"))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(
        response.headers()["x-ratelimit-remaining"],
        remaining.as_str()
    );
    let logged: Vec<LoggedRequest> = s
        .fake
        .requests()
        .into_iter()
        .filter(|r| r.route == "GET /repos/{owner}/{repo}/git/ref/{ref}")
        .collect();
    assert_eq!(logged.len(), 2);
    assert!(logged[0].counted && !logged[1].counted);
    assert_eq!(logged[1].status, 304);
    assert_eq!(logged[1].installation_id, Some(s.installation));
}

#[tokio::test]
async fn rate_limits_primary_and_secondary() {
    let s = Setup::new(FakeOptions {
        limits: Limits {
            primary_per_hour: 3,
            ..Limits::default()
        },
        ..FakeOptions::default()
    })
    .await;
    let token = s.token().await;
    let blob = Some(json!({"content": "x"}));
    let (status, _, _) = s
        .call(
            reqwest::Method::POST,
            "/repos/acme/web/git/blobs",
            &token,
            blob.clone(),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, headers, body) = s
        .call(
            reqwest::Method::POST,
            "/repos/acme/web/git/blobs",
            &token,
            blob,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("secondary rate limit")
    );
    assert_eq!(headers["retry-after"], "1");
    assert_eq!(s.fake.secondary_limit_violations(), 1);
    let (status, _, _) = s
        .call(reqwest::Method::GET, "/repos/acme/web", &token, None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, headers, body) = s
        .call(reqwest::Method::GET, "/repos/acme/web", &token, None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(headers["x-ratelimit-remaining"], "0");
    assert_eq!(
        body["message"].as_str().unwrap().split('.').next().unwrap(),
        format!(
            "API rate limit exceeded for installation ID {}",
            s.installation
        )
    );
    // /rate_limit does not count.
    let (status, _, body) = s
        .call(reqwest::Method::GET, "/rate_limit", &token, None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["resources"]["core"]["remaining"], json!(0));
}

/// Deliveries a test receiver saw: headers and raw body.
type Seen = Arc<Mutex<Vec<(axum::http::HeaderMap, Vec<u8>)>>>;

/// A webhook receiver recording (headers, body) of each delivery; answers `status`.
async fn receiver(status: u16) -> (String, Seen) {
    let seen: Seen = Arc::default();
    let store = seen.clone();
    let app = axum::Router::new().route(
        "/webhooks",
        axum::routing::post(
            move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
                let store = store.clone();
                async move {
                    store.lock().unwrap().push((headers, body.to_vec()));
                    axum::http::StatusCode::from_u16(status).unwrap()
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}/webhooks"), seen)
}

#[tokio::test]
async fn webhooks_are_signed_recorded_and_redelivered() {
    let fake = FakeGitHub::start(FakeOptions::default()).await.unwrap();
    let app = fake.create_app("Fullcover");
    let (url, seen) = receiver(202).await;
    fake.set_webhook_url(app.app_id, &url);
    fake.create_repo("dev", RepoSpec::new("svc").file("go.mod", "module svc\n"));
    let installation = fake.install(app.app_id, "dev", None).await.unwrap();
    let sha = fake
        .push(
            "dev",
            "svc",
            "main",
            vec![("main.go".into(), Some(b"package main\n".to_vec()))],
            "add main",
        )
        .await
        .unwrap();
    let deliveries = fake.deliveries();
    let events: Vec<(&str, Option<&str>, Option<u16>)> = deliveries
        .iter()
        .map(|d| (d.event.as_str(), d.action.as_deref(), d.status))
        .collect();
    assert_eq!(
        events,
        [
            ("installation", Some("created"), Some(202)),
            ("push", None, Some(202))
        ]
    );
    {
        let seen = seen.lock().unwrap();
        let (headers, body) = &seen[1];
        assert_eq!(headers["x-github-event"], "push");
        assert_eq!(headers["x-github-delivery"], deliveries[1].guid.as_str());
        assert_eq!(
            headers["x-github-hook-installation-target-type"],
            "integration"
        );
        assert_eq!(
            headers["x-github-hook-installation-target-id"],
            app.app_id.to_string().as_str()
        );
        assert!(
            headers["user-agent"]
                .to_str()
                .unwrap()
                .starts_with("GitHub-Hookshot/")
        );
        assert_eq!(
            headers["x-hub-signature-256"],
            webhooks::signature_256(&app.webhook_secret, body).as_str()
        );
        let payload: Value = serde_json::from_slice(body).unwrap();
        assert_eq!(payload["after"], json!(sha));
        assert_eq!(payload["ref"], json!("refs/heads/main"));
        assert_eq!(payload["head_commit"]["added"], json!(["main.go"]));
        assert_eq!(payload["installation"]["id"], json!(installation));
    }
    let status = fake.redeliver(&deliveries[1].guid).await.unwrap();
    assert_eq!(status, 202);
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 3);
    assert_eq!(seen[2].0["x-github-delivery"], deliveries[1].guid.as_str());
    assert_eq!(seen[2].1, seen[1].1);
}

#[tokio::test]
async fn failed_deliveries_are_recorded_not_retried() {
    let fake = FakeGitHub::start(FakeOptions::default()).await.unwrap();
    let app = fake.create_app("Fullcover");
    let (url, seen) = receiver(500).await;
    fake.set_webhook_url(app.app_id, &url);
    fake.create_repo("dev", RepoSpec::new("svc").file("a", "b"));
    fake.install(app.app_id, "dev", None).await.unwrap();
    assert_eq!(fake.deliveries()[0].status, Some(500));
    assert_eq!(seen.lock().unwrap().len(), 1);
    fake.set_webhook_url(app.app_id, "http://127.0.0.1:9/webhooks");
    fake.archive_repo("dev", "svc").await.unwrap();
    let last = fake.deliveries().pop().unwrap();
    assert_eq!(
        (last.event.as_str(), last.action.as_deref(), last.status),
        ("repository", Some("archived"), None)
    );
}

#[tokio::test]
async fn manifest_flow() {
    let fake = FakeGitHub::start(FakeOptions::default()).await.unwrap();
    let manifest = json!({
        "name": "Fullcover Test",
        "url": "https://fullcover.example.com",
        "hook_attributes": {"url": "http://127.0.0.1:1/webhooks"},
        "redirect_url": "http://127.0.0.1:1/setup",
        "default_permissions": {"contents": "write", "metadata": "read"},
        "default_events": ["push"],
    });
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let response = http
        .post(format!(
            "{}/organizations/acme/settings/apps/new?state=xyz",
            fake.url()
        ))
        .form(&[("manifest", manifest.to_string())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FOUND);
    let location = response.headers()["location"].to_str().unwrap().to_string();
    assert!(
        location.starts_with("http://127.0.0.1:1/setup?code="),
        "{location}"
    );
    assert!(location.ends_with("&state=xyz"));
    let code = location
        .split("code=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap();
    let convert = format!("{}/app-manifests/{code}/conversions", fake.url());
    let response = http.post(&convert).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["name"], json!("Fullcover Test"));
    assert_eq!(body["owner"]["login"], json!("acme"));
    assert_eq!(body["permissions"]["contents"], json!("write"));
    assert!(body["pem"].as_str().unwrap().contains("PRIVATE KEY"));
    assert!(EncodingKey::from_rsa_pem(body["pem"].as_str().unwrap().as_bytes()).is_ok());
    let response = http.post(&convert).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let code = fake.mint_manifest_code(manifest);
    let response = http
        .post(format!("{}/app-manifests/{code}/conversions", fake.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn faults_never_change_state() {
    let s = Setup::new(no_write_limits()).await;
    let token = s.token().await;
    let main = s.fake.head("acme", "web", "main").unwrap();
    s.fake.set_faults(Faults {
        error_rate: 1.0,
        ..Faults::default()
    });
    let (status, _, body) = s
        .call(
            reqwest::Method::POST,
            "/repos/acme/web/git/refs",
            &token,
            Some(json!({"ref": "refs/heads/x", "sha": main})),
        )
        .await;
    assert!(status.is_server_error(), "{status}");
    assert_eq!(body["status"], json!(status.as_u16().to_string()));
    assert_eq!(s.fake.head("acme", "web", "x"), None);
    s.fake.set_faults(Faults {
        drop_rate: 1.0,
        ..Faults::default()
    });
    let result = s
        .http
        .post(s.url("/repos/acme/web/git/refs"))
        .header("authorization", format!("token {token}"))
        .json(&json!({"ref": "refs/heads/x", "sha": main}))
        .send()
        .await;
    assert!(result.is_err(), "dropped connection must not answer");
    assert_eq!(s.fake.head("acme", "web", "x"), None);
    s.fake.set_faults(Faults {
        secondary_limit_rate: 1.0,
        ..Faults::default()
    });
    let (status, headers, _) = s
        .call(reqwest::Method::GET, "/repos/acme/web", &token, None)
        .await;
    assert!(status == StatusCode::FORBIDDEN || status == StatusCode::TOO_MANY_REQUESTS);
    assert!(headers.contains_key("retry-after"));
    assert_eq!(s.fake.secondary_limit_violations(), 0);
    s.fake.set_faults(Faults::default());
    let (status, _, _) = s
        .call(reqwest::Method::GET, "/repos/acme/web", &token, None)
        .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn truncated_trees_and_blobs() {
    let s = Setup::new(FakeOptions {
        tree_entry_limit: 3,
        ..FakeOptions::default()
    })
    .await;
    let token = s.token().await;
    let (status, _, tree) = s
        .call(
            reqwest::Method::GET,
            "/repos/acme/web/git/trees/main?recursive=1",
            &token,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(tree["truncated"], json!(true));
    assert_eq!(tree["tree"].as_array().unwrap().len(), 3);
    let (_, _, top) = s
        .call(
            reqwest::Method::GET,
            "/repos/acme/web/git/trees/main",
            &token,
            None,
        )
        .await;
    let readme = top["tree"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["path"] == "README.md")
        .unwrap();
    assert_eq!(readme["size"], json!(6));
    let (status, _, blob) = s
        .call(
            reqwest::Method::GET,
            &format!(
                "/repos/acme/web/git/blobs/{}",
                readme["sha"].as_str().unwrap()
            ),
            &token,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(blob["content"], json!("IyB3ZWIK\n"));
    assert_eq!(blob["encoding"], json!("base64"));
    let long = "x".repeat(100);
    let encoded = render::base64_lines(long.as_bytes());
    assert!(encoded.lines().all(|l| l.len() <= 60));
    assert_eq!(encoded.lines().next().unwrap().len(), 60);
}

#[tokio::test]
async fn api_writes_send_webhooks_when_asked() {
    let options = FakeOptions {
        api_write_webhooks: true,
        ..no_write_limits()
    };
    let s = Setup::new(options).await;
    let (url, _seen) = receiver(200).await;
    s.fake.set_webhook_url(s.app.app_id, &url);
    let token = s.token().await;
    let main = s.fake.head("acme", "web", "main").unwrap();
    let (status, _, _) = s
        .call(
            reqwest::Method::POST,
            "/repos/acme/web/git/refs",
            &token,
            Some(json!({"ref": "refs/heads/fullcover/onboarding", "sha": main})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    s.fake
        .push(
            "acme",
            "web",
            "fullcover/onboarding",
            vec![("x".into(), Some(b"x".to_vec()))],
            "x",
        )
        .await
        .unwrap();
    let (status, _, _) = s
        .call(
            reqwest::Method::POST,
            "/repos/acme/web/pulls",
            &token,
            Some(json!({"title": "t", "head": "fullcover/onboarding", "base": "main"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let mut events = Vec::new();
    for _ in 0..100 {
        events = s
            .fake
            .deliveries()
            .into_iter()
            .map(|d| (d.event, d.action, d.status))
            .collect();
        if events.len() >= 4 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        events.contains(&("pull_request".into(), Some("opened".into()), Some(200))),
        "{events:?}"
    );
    let pushes = s
        .fake
        .deliveries()
        .into_iter()
        .filter(|d| d.event == "push")
        .collect::<Vec<_>>();
    assert_eq!(pushes.len(), 2, "{events:?}");
    let created = s.fake.delivery_payload(&pushes[0].guid).unwrap();
    assert_eq!(created["created"], json!(true));
    assert_eq!(created["ref"], json!("refs/heads/fullcover/onboarding"));
}
