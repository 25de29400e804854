//! `fullcover setup`: creates the GitHub App from `app-manifest.yml` with GitHub's
//! manifest flow. A local page posts the manifest to GitHub; GitHub sends the browser
//! back with a one-time code; the code is converted into the App's credentials, which are
//! written to files only the current user can read.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::{Context, bail};
use axum::Router;
use axum::extract::{Query, State};
use axum::response::Html;
use axum::routing::get;
use http::Method;
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::oneshot;

use crate::dashboard::escape;
use crate::github::{self, Actor, ClientOptions};

/// The manifest shipped with Fullcover.
pub const MANIFEST: &str = include_str!("../../../app-manifest.yml");

#[derive(Debug, Clone)]
pub struct SetupOptions {
    /// github.com, or a GitHub Enterprise Server's web address.
    pub github_url: String,
    /// The REST API root matching `github_url`.
    pub api_url: String,
    /// Create the App in this organisation instead of the user's account.
    pub org: Option<String>,
    /// Where GitHub will send webhooks: the public address of `fullcover serve`.
    pub webhook_url: String,
    pub name: Option<String>,
    pub listen: SocketAddr,
    /// Directory for the credentials.
    pub out: PathBuf,
}

/// What setup created; no secret in it.
#[derive(Debug, Clone)]
pub struct Created {
    pub app_id: u64,
    pub slug: String,
    pub html_url: String,
    pub env_file: PathBuf,
    pub key_file: PathBuf,
}

/// The manifest with this deployment's addresses.
pub fn manifest(options: &SetupOptions, redirect_url: &str) -> anyhow::Result<Value> {
    let mut manifest: Value = fullcover_core::formats::parse_yaml(MANIFEST)
        .map_err(|err| anyhow::anyhow!("app-manifest.yml: {err}"))?;
    let object = manifest
        .as_object_mut()
        .context("app-manifest.yml is not a mapping")?;
    object.insert(
        "hook_attributes".into(),
        serde_json::json!({"url": options.webhook_url, "active": true}),
    );
    object.insert(
        "redirect_url".into(),
        Value::String(redirect_url.to_owned()),
    );
    if let Some(name) = &options.name {
        object.insert("name".into(), Value::String(name.clone()));
    }
    Ok(manifest)
}

struct Flow {
    state: String,
    form: String,
    done: Mutex<Option<oneshot::Sender<anyhow::Result<Created>>>>,
    options: SetupOptions,
}

/// A setup page being served.
pub struct Running {
    pub url: String,
    finished: oneshot::Receiver<anyhow::Result<Created>>,
    server: tokio::task::JoinHandle<()>,
}

impl Running {
    /// Waits for the browser to come back from GitHub and the credentials to be saved.
    pub async fn finish(self) -> anyhow::Result<Created> {
        let outcome = self
            .finished
            .await
            .context("the setup page stopped before GitHub answered")?;
        self.server.abort();
        outcome
    }
}

/// Serves the setup page; the person opens `Running::url`.
pub async fn start(options: SetupOptions) -> anyhow::Result<Running> {
    for file in [key_path(&options.out), env_path(&options.out)] {
        if file.exists() {
            bail!(
                "{} exists: refusing to overwrite credentials",
                file.display()
            );
        }
    }
    let listener = tokio::net::TcpListener::bind(options.listen)
        .await
        .with_context(|| format!("cannot listen on {}", options.listen))?;
    let addr = listener.local_addr()?;
    let state = uuid::Uuid::new_v4().simple().to_string();
    let manifest = manifest(&options, &format!("http://{addr}/callback"))?;
    let base = options.github_url.trim_end_matches('/');
    let action = match &options.org {
        Some(org) => format!("{base}/organizations/{org}/settings/apps/new?state={state}"),
        None => format!("{base}/settings/apps/new?state={state}"),
    };
    let form = page(&format!(
        "<h1>Create the Fullcover GitHub App</h1>\
         <p>GitHub will show the App's permissions and ask you to confirm.</p>\
         <form action=\"{}\" method=\"post\">\
         <input type=\"hidden\" name=\"manifest\" value=\"{}\">\
         <button type=\"submit\">Create the GitHub App on {}</button></form>",
        escape(&action),
        escape(&manifest.to_string()),
        escape(base),
    ));
    let (sender, finished) = oneshot::channel();
    let flow = Arc::new(Flow {
        state,
        form,
        done: Mutex::new(Some(sender)),
        options,
    });
    let hosts: Arc<[String]> = allowed_hosts(addr).into();
    let router = Router::new()
        .route("/", get(form_page))
        .route("/callback", get(callback))
        .with_state(flow)
        .layer(axum::middleware::from_fn(move |request, next| {
            only_local_host(hosts.clone(), request, next)
        }));
    let server = tokio::spawn(async move {
        if let Err(err) = axum::serve(listener, router).await {
            tracing::error!(error = %err, "the setup page stopped");
        }
    });
    Ok(Running {
        url: format!("http://{addr}/"),
        finished,
        server,
    })
}

/// The Host headers the setup page answers: its own address, and `localhost` on its port.
fn allowed_hosts(addr: SocketAddr) -> Vec<String> {
    vec![
        addr.to_string(),
        format!("localhost:{}", addr.port()),
        format!("127.0.0.1:{}", addr.port()),
    ]
}

/// A page that any name can reach could be read through DNS rebinding (a hostile page
/// whose name resolves to 127.0.0.1 would read the form's `state`): only the page's own
/// address answers.
async fn only_local_host(
    hosts: Arc<[String]>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let host = request
        .headers()
        .get(http::header::HOST)
        .and_then(|value| value.to_str().ok())
        .map(str::to_ascii_lowercase);
    match host {
        Some(host) if hosts.contains(&host) => next.run(request).await,
        _ => (
            http::StatusCode::MISDIRECTED_REQUEST,
            "this setup page answers only on its own address",
        )
            .into_response(),
    }
}

async fn form_page(State(flow): State<Arc<Flow>>) -> Html<String> {
    Html(flow.form.clone())
}

#[derive(Debug, Deserialize)]
struct Callback {
    code: Option<String>,
    state: Option<String>,
}

async fn callback(State(flow): State<Arc<Flow>>, Query(query): Query<Callback>) -> Html<String> {
    if query.state.as_deref() != Some(flow.state.as_str()) {
        return Html(page(
            "<h1>Not this setup</h1><p>The answer does not carry this page's state: start again.</p>",
        ));
    }
    let Some(code) = query.code.filter(|code| !code.is_empty()) else {
        return Html(page("<h1>No code</h1><p>GitHub sent no code back.</p>"));
    };
    let outcome = convert(&flow.options, &code).await;
    let shown = match &outcome {
        Ok(created) => page(&format!(
            "<h1>Fullcover App created</h1><p>App <b>{}</b> (id {}). Credentials saved in <code>{}</code>.</p>\
             <p>Next: <a href=\"{}/installations/new\">install it</a> on your organisation, then run \
             <code>fullcover serve</code> with <code>{}</code>.</p>",
            escape(&created.slug),
            created.app_id,
            escape(&created.env_file.display().to_string()),
            escape(&created.html_url),
            escape(&created.env_file.display().to_string()),
        )),
        Err(err) => page(&format!(
            "<h1>Setup failed</h1><p>{}</p>",
            escape(&format!("{err:#}"))
        )),
    };
    if let Ok(mut done) = flow.done.lock()
        && let Some(sender) = done.take()
    {
        let _ = sender.send(outcome);
    }
    Html(shown)
}

/// Trades the one-time code for the App's credentials and saves them.
async fn convert(options: &SetupOptions, code: &str) -> anyhow::Result<Created> {
    if !code
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        bail!("the code GitHub sent is malformed");
    }
    // No credentials: the one-time code is the authentication.
    let github = github::client(
        &options.api_url,
        Actor::Anonymous,
        None,
        ClientOptions::default(),
    )?;
    let body = github
        .write(
            Method::POST,
            &format!("/app-manifests/{code}/conversions"),
            &json!({}),
        )
        .await
        .context("GitHub refused the manifest code")?;
    let text = |key: &str| -> anyhow::Result<String> {
        body.get(key)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .with_context(|| format!("GitHub's answer has no {key}"))
    };
    let app_id = body
        .get("id")
        .and_then(Value::as_u64)
        .context("GitHub's answer has no id")?;
    let pem = text("pem")?;
    let webhook_secret = body
        .get("webhook_secret")
        .and_then(Value::as_str)
        .context("GitHub created the App without a webhook secret")?;
    // Everything is read before anything is written: the code works once, so a file
    // written without the rest would lose the secrets for good.
    let client_id = text("client_id")?;
    let client_secret = text("client_secret")?;
    std::fs::create_dir_all(&options.out)
        .with_context(|| format!("cannot create {}", options.out.display()))?;
    let key_file = key_path(&options.out);
    write_private(&key_file, &pem)?;
    let env_file = env_path(&options.out);
    let absolute_key = std::fs::canonicalize(&key_file).unwrap_or_else(|_| key_file.clone());
    write_private(
        &env_file,
        &format!(
            "FULLCOVER_APP_ID={app_id}\nFULLCOVER_PRIVATE_KEY_PATH={}\nFULLCOVER_WEBHOOK_SECRET={webhook_secret}\n\
             FULLCOVER_CLIENT_ID={}\nFULLCOVER_CLIENT_SECRET={}\nFULLCOVER_GITHUB_API_URL={}\n",
            absolute_key.display(),
            client_id,
            client_secret,
            options.api_url,
        ),
    )?;
    Ok(Created {
        app_id,
        slug: text("slug").unwrap_or_default(),
        html_url: text("html_url").unwrap_or_default(),
        env_file,
        key_file,
    })
}

fn key_path(out: &Path) -> PathBuf {
    out.join("private-key.pem")
}

fn env_path(out: &Path) -> PathBuf {
    out.join("fullcover.env")
}

/// Writes a new file readable by its owner only.
fn write_private(path: &Path, content: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all(content.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))
}

fn page(body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Fullcover setup</title>\
         <style>body{{font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;line-height:1.5}}\
         button{{font-size:1rem;padding:.6rem 1.2rem}}</style></head><body>{body}</body></html>"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_manifest_asks_for_least_privilege() {
        let options = SetupOptions {
            github_url: "https://github.com".into(),
            api_url: "https://api.github.com".into(),
            org: None,
            webhook_url: "https://fc.example.com/webhooks".into(),
            name: None,
            listen: "127.0.0.1:0".parse().unwrap(),
            out: PathBuf::from("unused"),
        };
        let manifest = manifest(&options, "http://127.0.0.1:9/callback").unwrap();
        assert_eq!(
            manifest["hook_attributes"]["url"],
            "https://fc.example.com/webhooks"
        );
        assert_eq!(manifest["redirect_url"], "http://127.0.0.1:9/callback");
        let permissions = manifest["default_permissions"].as_object().unwrap();
        let granted: Vec<(&str, &str)> = permissions
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str().unwrap()))
            .collect();
        assert_eq!(
            granted,
            vec![
                ("metadata", "read"),
                ("contents", "write"),
                ("pull_requests", "write"),
                ("workflows", "write"),
                ("checks", "read"),
                ("actions", "read"),
                ("security_events", "read"),
                ("vulnerability_alerts", "read"),
                ("secret_scanning_alerts", "read"),
            ]
        );
        let events: Vec<&str> = manifest["default_events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e.as_str().unwrap())
            .collect();
        assert_eq!(
            events,
            [
                "push",
                "pull_request",
                "repository",
                "check_run",
                "check_suite",
                "workflow_run",
                "code_scanning_alert",
                "dependabot_alert",
                "secret_scanning_alert",
                "secret_scanning_alert_location"
            ]
        );
    }
}
