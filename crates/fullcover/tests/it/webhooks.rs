//! `POST /webhooks` at the HTTP level: signatures, sizes, duplicates, health.

use fullcover::app::webhook::sign;
use reqwest::StatusCode;

use crate::world::{World, fake_options};

async fn post(world: &World, guid: &str, body: &[u8], signature: Option<String>) -> StatusCode {
    try_post(world, guid, body, signature).await.unwrap()
}

async fn try_post(
    world: &World,
    guid: &str,
    body: &[u8],
    signature: Option<String>,
) -> Result<StatusCode, reqwest::Error> {
    let addr = world.running.as_ref().unwrap().addr;
    let mut request = reqwest::Client::new()
        .post(format!("http://{addr}/webhooks"))
        .header("content-type", "application/json")
        .header("x-github-event", "ping")
        .header("x-github-delivery", guid)
        .body(body.to_vec());
    if let Some(signature) = signature {
        request = request.header("x-hub-signature-256", signature);
    }
    Ok(request.send().await?.status())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deliveries_are_verified_bounded_and_stored_once() {
    let world = World::new(Vec::new(), fake_options()).await;
    let secret = world.credentials.webhook_secret.as_bytes().to_vec();
    let body = br#"{"zen":"Design for failure.","hook_id":1}"#;

    assert_eq!(
        post(&world, "g-1", body, None).await,
        StatusCode::UNAUTHORIZED
    );
    let forged = sign(b"not the secret", body);
    assert_eq!(
        post(&world, "g-1", body, Some(forged)).await,
        StatusCode::UNAUTHORIZED
    );
    let tampered = sign(&secret, b"{}");
    assert_eq!(
        post(&world, "g-1", body, Some(tampered)).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(world.store().delivery_count().await.unwrap(), 0);

    let good = sign(&secret, body);
    assert_eq!(
        post(&world, "g-1", body, Some(good.clone())).await,
        StatusCode::ACCEPTED
    );
    assert_eq!(
        post(&world, "g-1", body, Some(good.clone())).await,
        StatusCode::OK
    );
    assert_eq!(world.store().delivery_count().await.unwrap(), 1);
    // The signature covers the body, not the GUID: the same body under a fresh GUID is
    // a replay, stored and handled never again.
    assert_eq!(
        post(&world, "g-replayed", body, Some(good)).await,
        StatusCode::OK
    );
    assert_eq!(world.store().delivery_count().await.unwrap(), 1);

    let not_json = b"not json";
    assert_eq!(
        post(&world, "g-2", not_json, Some(sign(&secret, not_json))).await,
        StatusCode::BAD_REQUEST
    );

    // GitHub never delivers more than 25 MB; a bigger body is refused before the HMAC.
    // The server answers 413 as soon as the declared length is too big; a client still
    // writing the body may see the connection closed instead of the answer (seen once on
    // a loaded machine). Either way nothing is stored and the server lives on (below).
    let huge = vec![b' '; 25 * 1024 * 1024 + 1];
    match try_post(&world, "g-3", &huge, Some(sign(&secret, &huge))).await {
        Ok(status) => assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE),
        Err(err) => assert!(
            err.is_request() || err.is_body(),
            "refused otherwise than by closing the connection: {err}"
        ),
    }
    assert_eq!(world.store().delivery_count().await.unwrap(), 1);

    let addr = world.running.as_ref().unwrap().addr;
    let health = reqwest::get(format!("http://{addr}/healthz"))
        .await
        .unwrap();
    assert_eq!(health.status(), StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fakes_ping_is_received() {
    let world = World::new(Vec::new(), fake_options()).await;
    let status = world.fake.ping(world.credentials.app_id).await.unwrap();
    assert_eq!(status, Some(202));
    world.settle().await;
    assert_eq!(world.store().delivery_count().await.unwrap(), 1);
}

/// Reads until the server closes the connection or `limit` passes; whether it closed.
async fn closed_within(stream: &mut tokio::net::TcpStream, limit: std::time::Duration) -> bool {
    use tokio::io::AsyncReadExt;
    let mut buffer = [0u8; 1024];
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buffer)).await {
            Ok(Ok(0) | Err(_)) => return true,
            Ok(Ok(_)) => {}
            Err(_) => return false,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_clients_cannot_keep_a_signed_delivery_out() {
    use tokio::io::AsyncWriteExt;
    // The test world allows 64 connections, 2 s for headers and 2 s for a body.
    let world = World::new(Vec::new(), fake_options()).await;
    let addr = world.running.as_ref().unwrap().addr;
    // 100 clients that never finish their headers, and one that trickles its body.
    let mut stalled = Vec::new();
    for _ in 0..100 {
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        stream
            .write_all(b"POST /webhooks HTTP/1.1\r\nHost: fullcover\r\n")
            .await
            .unwrap();
        stalled.push(stream);
    }
    let mut trickling = tokio::net::TcpStream::connect(addr).await.unwrap();
    trickling
        .write_all(
            b"POST /healthz HTTP/1.1\r\nHost: fullcover\r\nContent-Length: 1000\r\n\r\n{\"a\"",
        )
        .await
        .unwrap();

    // A signed delivery still gets in, well within GitHub's 10 s.
    let secret = world.credentials.webhook_secret.as_bytes().to_vec();
    let body = br#"{"zen":"Keep it logically awesome.","hook_id":2}"#;
    let stored = tokio::time::timeout(
        std::time::Duration::from_secs(9),
        post(&world, "g-slow", body, Some(sign(&secret, body))),
    )
    .await
    .expect("the delivery was answered within 9 s");
    assert_eq!(stored, StatusCode::ACCEPTED);
    assert_eq!(world.store().delivery_count().await.unwrap(), 1);

    // The stalled clients were let go, not held.
    assert!(closed_within(&mut stalled[0], std::time::Duration::from_secs(5)).await);
    assert!(closed_within(&mut trickling, std::time::Duration::from_secs(5)).await);
}
