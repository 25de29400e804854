//! `fullcover setup`: GitHub's manifest flow, with a test acting as the browser.

use std::os::unix::fs::PermissionsExt;

use fullcover::github::{AppIdentity, GitHubApp};
use fullcover::setup::{SetupOptions, start};
use fullcover_fake_github::FakeGitHub;
use secrecy::SecretString;

fn attribute<'a>(html: &'a str, name: &str) -> &'a str {
    let start = html.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
    let end = start + html[start..].find('"').unwrap();
    &html[start..end]
}

fn unescape(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_manifest_flow_creates_the_app_and_saves_private_credentials() {
    let fake = FakeGitHub::start(Default::default()).await.unwrap();
    fake.create_org("acme");
    let out = tempfile::tempdir().unwrap();
    let running = start(SetupOptions {
        github_url: fake.url(),
        api_url: fake.url(),
        org: Some("acme".into()),
        webhook_url: "https://fullcover.acme.test/webhooks".into(),
        name: Some("fullcover-acme".into()),
        listen: "127.0.0.1:0".parse().unwrap(),
        out: out.path().join("app"),
    })
    .await
    .unwrap();

    // The browser: open the page, submit its form to GitHub, follow GitHub's redirect.
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    // A page reached under another name (DNS rebinding) shows nothing.
    let rebound = browser
        .get(&running.url)
        .header("host", "attacker.example:80")
        .send()
        .await
        .unwrap();
    assert_eq!(rebound.status(), 421);
    assert!(!rebound.text().await.unwrap().contains("state="));
    let page = browser
        .get(&running.url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let action = unescape(attribute(&page, "action"));
    assert!(action.starts_with(&format!(
        "{}/organizations/acme/settings/apps/new?state=",
        fake.url()
    )));
    let manifest = unescape(attribute(&page, "value"));
    let parsed: serde_json::Value = serde_json::from_str(&manifest).unwrap();
    assert_eq!(
        parsed["hook_attributes"]["url"],
        "https://fullcover.acme.test/webhooks"
    );
    assert_eq!(parsed["default_permissions"]["workflows"], "write");
    let answer = browser
        .post(&action)
        .form(&[("manifest", manifest.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 302);
    let back = answer.headers()["location"].to_str().unwrap().to_owned();
    assert!(back.contains("/callback?code="), "{back}");
    // A forged state is refused and changes nothing.
    let forged = back.replace("state=", "state=x");
    let refused = browser
        .get(&forged)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(refused.contains("Not this setup"));
    let done = browser
        .get(&back)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(done.contains("Fullcover App created"), "{done}");
    let created = running.finish().await.unwrap();

    for file in [&created.env_file, &created.key_file] {
        let mode = std::fs::metadata(file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", file.display());
    }
    let env = std::fs::read_to_string(&created.env_file).unwrap();
    assert!(env.contains(&format!("FULLCOVER_APP_ID={}\n", created.app_id)));
    assert!(env.contains("FULLCOVER_WEBHOOK_SECRET="));
    assert!(env.contains("FULLCOVER_CLIENT_SECRET="));
    assert!(!done.contains("BEGIN"), "the page shows no key");

    // The saved key signs as the new App: the fake accepts its JWT.
    let pem = std::fs::read_to_string(&created.key_file).unwrap();
    let github = GitHubApp::new(
        &AppIdentity {
            app_id: created.app_id,
            private_key_pem: SecretString::from(pem),
            api_url: fake.url(),
        },
        Default::default(),
    )
    .unwrap();
    let installation = fake.install(created.app_id, "acme", None).await.unwrap();
    let client = github
        .installation(i64::try_from(installation).unwrap())
        .unwrap();
    assert!(client.list_repositories().await.unwrap().is_empty());

    // Credentials are never overwritten.
    let again = start(SetupOptions {
        github_url: fake.url(),
        api_url: fake.url(),
        org: None,
        webhook_url: "https://x.test/webhooks".into(),
        name: None,
        listen: "127.0.0.1:0".parse().unwrap(),
        out: out.path().join("app"),
    })
    .await;
    assert!(again.is_err());
}
