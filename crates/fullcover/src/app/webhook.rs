//! `POST /webhooks`: GitHub's deliveries, verified (HMAC-SHA256 of the raw body with the
//! webhook secret, compared in constant time) and stored before GitHub gets its 2xx.
//! The work they cause happens later, from the store.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use hmac::{Hmac, Mac};
use secrecy::ExposeSecret;
use serde_json::Value;
use sha2::Sha256;

use super::App;
use super::error::HttpError;
use crate::store::NewDelivery;

/// GitHub does not deliver payloads over 25 MB.
pub const BODY_LIMIT: usize = 25 * 1024 * 1024;

pub async fn receive(
    State(app): State<App>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, &'static str), HttpError> {
    let Some(signature) = header(&headers, "x-hub-signature-256") else {
        app.telemetry().rejected("unsigned");
        return Err(HttpError::Unauthorized("missing X-Hub-Signature-256"));
    };
    // Both are checked whatever the first gives, so the time taken does not tell which
    // secret signed.
    let current = signature_matches(
        app.webhook_secret().expose_secret().as_bytes(),
        &body,
        signature,
    );
    let previous = app
        .behaviour()
        .previous_webhook_secret
        .as_ref()
        .is_some_and(|secret| {
            signature_matches(secret.expose_secret().as_bytes(), &body, signature)
        });
    if !(current | previous) {
        app.telemetry().rejected("bad_signature");
        return Err(HttpError::Unauthorized("signature does not match"));
    }
    let event = header(&headers, "x-github-event")
        .ok_or_else(|| HttpError::BadRequest("missing X-GitHub-Event".into()))?;
    let guid = header(&headers, "x-github-delivery")
        .ok_or_else(|| HttpError::BadRequest("missing X-GitHub-Delivery".into()))?;
    let payload = std::str::from_utf8(&body)
        .map_err(|_| HttpError::BadRequest("the body is not UTF-8".into()))?;
    let json: Value = serde_json::from_str(payload)
        .map_err(|err| HttpError::BadRequest(format!("the body is not JSON: {err}")))?;
    let delivery = NewDelivery {
        guid,
        event,
        action: json.get("action").and_then(Value::as_str),
        installation_id: json.pointer("/installation/id").and_then(Value::as_i64),
        payload,
    };
    let fresh = app.store().record_delivery(&delivery).await?;
    app.telemetry().deliveries_received.inc();
    if fresh {
        tracing::info!(guid, event, action = delivery.action, "delivery stored");
        app.wake();
        Ok((StatusCode::ACCEPTED, "accepted"))
    } else {
        tracing::info!(guid, event, "delivery already stored: ignored");
        Ok((StatusCode::OK, "already received"))
    }
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(str::trim)
        .filter(|value| !value.is_empty())
}

/// Whether `signature` (`sha256=<hex>`) is the HMAC-SHA256 of `body` under `secret`.
pub fn signature_matches(secret: &[u8], body: &[u8], signature: &str) -> bool {
    let Some(hex_digest) = signature.strip_prefix("sha256=") else {
        return false;
    };
    let Ok(expected) = hex::decode(hex_digest) else {
        return false;
    };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else {
        return false;
    };
    mac.update(body);
    mac.verify_slice(&expected).is_ok()
}

/// The `X-Hub-Signature-256` value GitHub sends for `body`.
pub fn sign(secret: &[u8], body: &[u8]) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret) {
        Ok(mac) => mac,
        Err(_) => return String::new(),
    };
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_test_vector_verifies() {
        let secret = b"It's a Secret to Everybody";
        let expected = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
        assert_eq!(sign(secret, b"Hello, World!"), expected);
        assert!(signature_matches(secret, b"Hello, World!", expected));
        assert!(!signature_matches(secret, b"Hello, World?", expected));
        assert!(!signature_matches(b"other", b"Hello, World!", expected));
        assert!(!signature_matches(
            secret,
            b"Hello, World!",
            &expected.replace("sha256=", "sha1=")
        ));
        assert!(!signature_matches(secret, b"Hello, World!", "sha256=zz"));
    }
}
