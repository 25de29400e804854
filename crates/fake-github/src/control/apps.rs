//! Apps: created with Fullcover's defaults or from a manifest, their permissions, events
//! and webhook URL, and the `ping` sent to it.

use std::collections::BTreeMap;
use std::time::Instant;

use anyhow::Context;
use serde_json::Value;

use crate::payloads;
use crate::state::{AccountKind, App, ManifestCode};
use crate::webhooks::{self, Outgoing};
use crate::{AppCredentials, FakeGitHub, Inner, auth};

/// The permissions of `app-manifest.yml`'s defaults for Fullcover, with the alert
/// permissions of the security metrics (issue 10).
fn default_permissions() -> BTreeMap<String, String> {
    [
        ("metadata", "read"),
        ("contents", "write"),
        ("pull_requests", "write"),
        ("workflows", "write"),
        ("checks", "read"),
        ("actions", "read"),
        ("security_events", "read"),
        ("vulnerability_alerts", "read"),
        ("secret_scanning_alerts", "read"),
        ("issues", "write"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

fn default_events() -> Vec<String> {
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
        "secret_scanning_alert_location",
    ]
    .into_iter()
    .map(str::to_string)
    .collect()
}

fn slugify(name: &str) -> String {
    let slug: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    slug.trim_matches('-').to_string()
}

struct NewApp<'a> {
    owner_id: u64,
    name: &'a str,
    permissions: BTreeMap<String, String>,
    events: Vec<String>,
    webhook_url: Option<String>,
    description: String,
    external_url: String,
}

/// Creates an app; the RSA key is generated before taking the lock.
fn create_app_in(inner: &Inner, spec: NewApp<'_>) -> anyhow::Result<AppCredentials> {
    let key = auth::generate_key()?;
    let mut world = inner.world();
    let id = world.next_id();
    let hook_id = world.next_id();
    let bot_id = world.next_id();
    let mut slug = slugify(spec.name);
    if world.apps.values().any(|a| a.slug == slug) {
        slug = format!("{slug}-{id}");
    }
    let app = App {
        id,
        slug: slug.clone(),
        name: spec.name.to_string(),
        description: spec.description,
        external_url: spec.external_url,
        owner_id: spec.owner_id,
        client_id: format!("Iv23li{}", auth::random_string(14)),
        client_secret: hex::encode(auth::random_string(20)),
        webhook_secret: auth::random_string(32),
        private_key_pem: key.private_key_pem,
        public_key_der: key.public_key_der,
        permissions: spec.permissions,
        events: spec.events,
        webhook_url: spec.webhook_url,
        hook_id,
        bot_id,
        created_at: chrono::Utc::now(),
    };
    let credentials = AppCredentials {
        app_id: id,
        client_id: app.client_id.clone(),
        client_secret: app.client_secret.clone(),
        private_key_pem: app.private_key_pem.clone(),
        webhook_secret: app.webhook_secret.clone(),
        slug,
    };
    world.apps.insert(id, app);
    Ok(credentials)
}

/// Creates an app from a manifest (as the person's click does) and mints its one-time code.
pub(crate) fn app_from_manifest(
    inner: &Inner,
    owner_id: u64,
    manifest: &Value,
) -> anyhow::Result<String> {
    let name = manifest
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or("fake-app");
    let permissions = manifest
        .get("default_permissions")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
                .collect()
        })
        .unwrap_or_else(|| BTreeMap::from([("metadata".to_string(), "read".to_string())]));
    let events = manifest
        .get("default_events")
        .and_then(Value::as_array)
        .map(|e| {
            e.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    let webhook_url = manifest
        .pointer("/hook_attributes/url")
        .and_then(Value::as_str)
        .map(str::to_string);
    let credentials = create_app_in(
        inner,
        NewApp {
            owner_id,
            name,
            permissions,
            events,
            webhook_url,
            description: manifest
                .get("description")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            external_url: manifest
                .get("url")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
        },
    )?;
    let code = auth::random_string(20);
    inner.world().manifest_codes.insert(
        code.clone(),
        ManifestCode {
            app_id: credentials.app_id,
            created: Instant::now(),
        },
    );
    Ok(code)
}

impl FakeGitHub {
    /// Creates an app with Fullcover's default permissions, owned by `fake-user`.
    pub fn create_app(&self, name: &str) -> AppCredentials {
        let owner_id = self
            .inner
            .world()
            .ensure_account("fake-user", AccountKind::User);
        let spec = NewApp {
            owner_id,
            name,
            permissions: default_permissions(),
            events: default_events(),
            webhook_url: None,
            description: String::new(),
            external_url: "https://fullcover.example.com".to_string(),
        };
        match create_app_in(&self.inner, spec) {
            Ok(credentials) => credentials,
            // Key generation only fails when the crypto library is broken; nothing to test then.
            Err(error) => panic!("fake GitHub cannot create an app: {error:#}"),
        }
    }

    /// Replaces an app's permissions; its installations accept them at once.
    pub fn set_app_permissions(&self, app_id: u64, permissions: BTreeMap<String, String>) {
        let mut world = self.inner.world();
        if let Some(app) = world.apps.get_mut(&app_id) {
            app.permissions = permissions.clone();
        }
        for installation in world.installations.values_mut() {
            if installation.app_id == app_id {
                installation.permissions = permissions.clone();
            }
        }
    }

    /// Replaces the events an app subscribes to.
    pub fn set_app_events(&self, app_id: u64, events: &[&str]) {
        if let Some(app) = self.inner.world().apps.get_mut(&app_id) {
            app.events = events.iter().map(|e| e.to_string()).collect();
        }
    }

    pub fn set_webhook_url(&self, app_id: u64, url: &str) {
        if let Some(app) = self.inner.world().apps.get_mut(&app_id) {
            app.webhook_url = Some(url.to_string());
        }
    }

    /// Sends `ping` to an app's webhook URL.
    pub async fn ping(&self, app_id: u64) -> anyhow::Result<Option<u16>> {
        let item = {
            let mut world = self.inner.world();
            let app = world.apps.get(&app_id).cloned().context("unknown app")?;
            let payload = payloads::ping_payload(&mut world, &self.inner.base, &app);
            Outgoing {
                app_id,
                event: "ping".into(),
                payload,
            }
        };
        webhooks::send_all(&self.inner, vec![item]).await;
        Ok(self.inner.world().deliveries.last().and_then(|d| d.status))
    }

    /// Creates an app from a manifest, as if a person clicked "Create GitHub App" on
    /// `fake-user`'s settings page; returns the one-time code for the conversion endpoint.
    pub fn mint_manifest_code(&self, manifest: Value) -> String {
        let owner_id = self
            .inner
            .world()
            .ensure_account("fake-user", AccountKind::User);
        match app_from_manifest(&self.inner, owner_id, &manifest) {
            Ok(code) => code,
            // Key generation only fails when the crypto library is broken.
            Err(error) => panic!("fake GitHub cannot create an app: {error:#}"),
        }
    }
}
