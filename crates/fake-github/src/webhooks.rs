//! Webhook deliveries as GitHub sends them: signed JSON POSTs with GitHub's headers,
//! recorded with the App's answer, never retried automatically, redeliverable by GUID.

use hmac::{Hmac, Mac};
use serde_json::Value;
use sha1::Sha1;
use sha2::Sha256;

use super::Inner;
use super::state::{DeliveryRecord, World};

/// Events every app receives without subscribing.
const ALWAYS_DELIVERED: &[&str] = &["installation", "installation_repositories", "ping"];

/// `sha256=<hex>` of the raw body.
pub fn signature_256(secret: &str, body: &[u8]) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(mac) => mac,
        Err(_) => return String::new(),
    };
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Legacy `sha1=<hex>`.
pub fn signature_1(secret: &str, body: &[u8]) -> String {
    let mut mac = match Hmac::<Sha1>::new_from_slice(secret.as_bytes()) {
        Ok(mac) => mac,
        Err(_) => return String::new(),
    };
    mac.update(body);
    format!("sha1={}", hex::encode(mac.finalize().into_bytes()))
}

/// A delivery ready to send (built under the world lock, sent outside it).
pub struct Outgoing {
    pub app_id: u64,
    pub event: String,
    pub payload: Value,
}

/// Whether an app is subscribed to an event.
pub fn subscribed(world: &World, app_id: u64, event: &str) -> bool {
    ALWAYS_DELIVERED.contains(&event)
        || world
            .apps
            .get(&app_id)
            .is_some_and(|a| a.events.iter().any(|e| e == event))
}

/// Sends deliveries in order; each returns after the App answered or the 10 s timeout.
pub async fn send_all(inner: &Inner, outgoing: Vec<Outgoing>) {
    for item in outgoing {
        let action = item
            .payload
            .get("action")
            .and_then(Value::as_str)
            .map(str::to_string);
        let body = match serde_json::to_vec(&item.payload) {
            Ok(body) => body,
            Err(_) => continue,
        };
        let record = DeliveryRecord {
            guid: uuid::Uuid::new_v4().to_string(),
            event: item.event,
            action,
            app_id: item.app_id,
            body,
            status: None,
        };
        send(inner, record).await;
    }
}

/// Sends deliveries from a background task (for events caused by REST requests).
pub fn spawn_all(inner: &std::sync::Arc<Inner>, outgoing: Vec<Outgoing>) {
    if outgoing.is_empty() {
        return;
    }
    let inner = inner.clone();
    tokio::spawn(async move { send_all(&inner, outgoing).await });
}

/// Sends one delivery and records it with the App's status code.
pub async fn send(inner: &Inner, mut record: DeliveryRecord) -> Option<u16> {
    let target = {
        let world = inner.world();
        world.apps.get(&record.app_id).map(|app| {
            (
                app.webhook_url.clone(),
                app.webhook_secret.clone(),
                app.hook_id,
            )
        })
    };
    if let Some((Some(url), secret, hook_id)) = target {
        let request = inner
            .http
            .post(&url)
            .header("content-type", "application/json")
            .header("user-agent", "GitHub-Hookshot/5ac1a6d")
            .header("x-github-event", &record.event)
            .header("x-github-delivery", &record.guid)
            .header("x-github-hook-id", hook_id.to_string())
            .header("x-github-hook-installation-target-type", "integration")
            .header(
                "x-github-hook-installation-target-id",
                record.app_id.to_string(),
            )
            .header("x-hub-signature", signature_1(&secret, &record.body))
            .header("x-hub-signature-256", signature_256(&secret, &record.body))
            .body(record.body.clone());
        record.status = match request.send().await {
            Ok(response) => Some(response.status().as_u16()),
            Err(error) => {
                tracing::debug!(%error, event = %record.event, "webhook delivery failed");
                None
            }
        };
    }
    let status = record.status;
    inner.world().deliveries.push(record);
    status
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_matches_github_test_vector() {
        assert_eq!(
            signature_256("It's a Secret to Everybody", b"Hello, World!"),
            "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
        );
        assert!(signature_1("It's a Secret to Everybody", b"Hello, World!").starts_with("sha1="));
    }
}
