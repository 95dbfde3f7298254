//! The protections against clients that misbehave, floods and shutdowns
//! that hang: each test fails if its protection is taken out.

use std::time::{Duration, Instant};

use axum::extract::Request;
use axum::routing::post;
use futures::future::join_all;
use joke_bot::{Config, Stopped};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::sync::mpsc;

mod common;
use common::{
    HeldUpstream, config, read_until_closed, send_raw, start, start_with,
};

/// The first part of a request: the request line and one header.
const HALF_HEADERS: &str = "GET /health HTTP/1.1\r\nHost: joke-bot\r\n";
/// How long the tests wait for something that must happen, at most.
const GENEROUS: Duration = Duration::from_secs(10);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_sent_headers_do_not_block_health_and_are_timed_out() {
    let header_timeout = Duration::from_secs(2);
    let service = start(Config {
        header_timeout,
        ..Config::default()
    })
    .await;
    let sent = Instant::now();
    let mut clients = Vec::new();
    for _ in 0..200 {
        clients.push(send_raw(service.addr, HALF_HEADERS).await);
    }
    // The service answers other clients while those 200 wait.
    let asked = Instant::now();
    let health = support::client().get(service.url("/health")).send();
    let health = tokio::time::timeout(GENEROUS, health).await.unwrap();
    assert_eq!(health.unwrap().status(), StatusCode::OK);
    let answered_in = asked.elapsed();
    // And it closes each of them once the header timeout has passed.
    let closed = clients.iter_mut().map(async |client| {
        read_until_closed(client, header_timeout + GENEROUS).await
    });
    for answer in join_all(closed).await {
        let answer = answer.expect("a half-open connection was never closed");
        assert!(answer.is_empty() || answer.starts_with("HTTP/1.1 408"));
    }
    assert!(sent.elapsed() >= header_timeout);
    // How fast it answered depends on the machine; `make hostile-test`
    // measures it with 1,000 clients.
    assert!(answered_in < GENEROUS, "{answered_in:?}");
    service.stop().await;
}

#[tokio::test]
async fn an_idle_connection_is_closed_after_the_header_timeout() {
    let header_timeout = Duration::from_secs(1);
    let service = start(Config {
        header_timeout,
        ..Config::default()
    })
    .await;
    // A whole request, on a connection the client keeps open.
    let sent = Instant::now();
    let request = format!("{HALF_HEADERS}\r\n");
    let mut client = send_raw(service.addr, &request).await;
    let answer = read_until_closed(&mut client, header_timeout + GENEROUS);
    let answer = answer.await.expect("the idle connection stayed open");
    assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
    assert!(sent.elapsed() >= header_timeout);
    service.stop().await;
}

#[tokio::test]
async fn connections_over_the_limit_are_closed_at_once() {
    let service = start(Config {
        max_connections: 20,
        header_timeout: Duration::from_secs(60),
        ..Config::default()
    })
    .await;
    let mut clients = Vec::new();
    for _ in 0..20 {
        clients.push(send_raw(service.addr, HALF_HEADERS).await);
    }
    // Connections are accepted in order: the 21st finds no free place.
    let request = format!("{HALF_HEADERS}Connection: close\r\n\r\n");
    let mut extra = send_raw(service.addr, &request).await;
    let answer = read_until_closed(&mut extra, GENEROUS).await;
    assert_eq!(answer.as_deref(), Some(""), "closed without an answer");
    // When one of the 20 goes away, its place is free again.
    drop(clients.pop());
    let started = Instant::now();
    loop {
        let mut next = send_raw(service.addr, &request).await;
        let answer = read_until_closed(&mut next, GENEROUS).await.unwrap();
        if answer.starts_with("HTTP/1.1 200 OK") {
            break;
        }
        assert!(started.elapsed() < GENEROUS, "no place came free");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    drop(clients);
    service.stop().await;
}

/// Sends `n` joke requests at once; returns each status, its
/// `Retry-After` header and its error message.
async fn flood(
    base: &str,
    n: usize,
) -> Vec<(StatusCode, Option<String>, Value)> {
    let client = support::client();
    let requests = (0..n).map(|_| {
        let request = client
            .post(format!("{base}/jokes"))
            .json(&json!({ "user": "ada" }))
            .send();
        async {
            let response = request.await.unwrap();
            let retry_after = response.headers().get("retry-after");
            let retry_after = retry_after.map(|v| v.to_str().unwrap().into());
            let status = response.status();
            let body: Value = response.json().await.unwrap();
            (status, retry_after, body["error"].clone())
        }
    });
    join_all(requests).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_over_the_request_limit_gets_503_at_once_never_504() {
    let mut upstream = HeldUpstream::start().await;
    let service = start(Config {
        max_requests: 4,
        attempt_timeout: Duration::from_secs(60),
        upstream_wait: Duration::from_secs(60),
        request_timeout: Duration::from_secs(60),
        ..config(upstream.url.clone())
    })
    .await;
    // Four requests fill the service; they wait for the upstream.
    let base = service.base.clone();
    let first = tokio::spawn(async move { flood(&base, 4).await });
    upstream.wait_for(4).await;
    // Twenty more are answered 503 at once, without calling the upstream.
    let flooded = tokio::time::timeout(GENEROUS, flood(&service.base, 20));
    let flooded = flooded.await.expect("the flood was queued, not shed");
    let message = "too many requests in flight; try again shortly";
    for answer in flooded {
        let expected = (StatusCode::SERVICE_UNAVAILABLE, Some("1".into()));
        assert_eq!((answer.0, answer.1), expected);
        assert_eq!(answer.2, message);
    }
    assert!(
        upstream.arrived.try_recv().is_err(),
        "the upstream was called"
    );
    upstream.release();
    for (status, _, _) in first.await.unwrap() {
        assert_eq!(status, StatusCode::OK);
    }
    service.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_upstream_slot_in_time_is_a_503_not_a_504() {
    let mut upstream = HeldUpstream::start().await;
    let service = start(Config {
        upstream_limit: 2,
        upstream_wait: Duration::from_millis(100),
        attempt_timeout: Duration::from_secs(60),
        request_timeout: Duration::from_secs(60),
        ..config(upstream.url.clone())
    })
    .await;
    let base = service.base.clone();
    let first = tokio::spawn(async move { flood(&base, 2).await });
    upstream.wait_for(2).await;
    let response = support::client()
        .post(service.url("/jokes"))
        .json(&json!({ "user": "ada" }))
        .send();
    let response = tokio::time::timeout(GENEROUS, response).await.unwrap();
    let response = response.unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(response.headers()["retry-after"], "1");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "the joke service is busy; try again shortly");
    // It was not retried into the same queue, nor sent upstream.
    assert!(upstream.arrived.try_recv().is_err());
    upstream.release();
    for (status, _, _) in first.await.unwrap() {
        assert_eq!(status, StatusCode::OK);
    }
    service.stop().await;
}

#[tokio::test]
async fn a_body_that_stalls_gets_a_408() {
    let service = start(Config {
        body_timeout: Duration::from_millis(300),
        request_timeout: Duration::from_secs(60),
        ..Config::default()
    })
    .await;
    let head = "POST /jokes HTTP/1.1\r\nHost: joke-bot\r\n\
                Content-Type: application/json\r\nContent-Length: 30\r\n\r\n";
    let mut client = send_raw(service.addr, &format!("{head}{{\"user\"")).await;
    let answer = read_until_closed(&mut client, GENEROUS).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("the request body did not arrive in time"));
    service.stop().await;
}

#[tokio::test]
async fn a_request_that_takes_too_long_gets_a_503() {
    let demo = support::DemoServer::start();
    let service = start(Config {
        request_timeout: Duration::from_millis(300),
        attempt_timeout: Duration::from_secs(60),
        ..config(demo.url("/joke?delay_ms=5000"))
    })
    .await;
    let started = Instant::now();
    let response = support::client()
        .post(service.url("/jokes"))
        .json(&json!({ "user": "ada" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "the request took longer than 300ms");
    assert!(started.elapsed() < GENEROUS);
    service.stop().await;
}

/// A route that reports each request, then reads its body.
fn upload_route(
    arrived: mpsc::UnboundedSender<()>,
) -> axum::Router<joke_bot::App> {
    let upload = async move |request: Request| {
        let _ = arrived.send(());
        let body = axum::body::to_bytes(request.into_body(), 1024).await;
        body.map(|bytes| bytes.len().to_string())
            .unwrap_or_default()
    };
    axum::Router::new().route("/upload", post(upload))
}

#[tokio::test]
async fn shutdown_cuts_off_a_half_sent_request_after_the_grace_period() {
    let (arrived_tx, mut arrived) = mpsc::unbounded_channel();
    let grace = Duration::from_millis(300);
    let service = start_with(
        Config {
            grace,
            body_timeout: Duration::from_secs(60),
            request_timeout: Duration::from_secs(60),
            ..Config::default()
        },
        upload_route(arrived_tx),
    )
    .await;
    // A request whose body stops half-way, already inside the service.
    let head = "POST /upload HTTP/1.1\r\nHost: joke-bot\r\n\
                Content-Length: 100\r\n\r\n";
    let mut client = send_raw(service.addr, &format!("{head}half")).await;
    arrived.recv().await.unwrap();

    let started = Instant::now();
    service.shutdown.cancel();
    let stopped = tokio::time::timeout(GENEROUS, service.server).await;
    let stopped = stopped.expect("shutdown waited for the half-sent request");
    let expected = Stopped {
        cut_off: 1,
        unfinished_writes: 0,
    };
    assert_eq!(stopped.unwrap(), expected);
    assert!(started.elapsed() >= grace);
    // The client sees its connection closed, without an answer.
    let answer = read_until_closed(&mut client, GENEROUS).await;
    assert_eq!(answer.as_deref(), Some(""));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_answers_503_while_draining() {
    // A request whose headers were still arriving when shutdown began is
    // answered, and /health then says the service is going away. (If the
    // service had not read any of it yet, it closes the connection
    // instead, as hyper does with a connection that sent nothing: try
    // again in that case.)
    for _attempt in 0..10 {
        let service = start(Config::default()).await;
        let mut client = send_raw(service.addr, HALF_HEADERS).await;
        // Connections are accepted in order: once this one is answered,
        // `client`'s connection has been accepted.
        let ok = support::client().get(service.url("/health")).send().await;
        assert_eq!(ok.unwrap().status(), StatusCode::OK);
        service.shutdown.cancel();
        tokio::io::AsyncWriteExt::write_all(&mut client, b"\r\n")
            .await
            .unwrap();
        let answer = read_until_closed(&mut client, GENEROUS).await.unwrap();
        let stopped = service.server.await.unwrap();
        assert_eq!(stopped, Stopped::default());
        if answer.is_empty() {
            continue; // closed before any of it was read
        }
        assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
        assert!(answer.ends_with("draining"), "{answer}");
        return;
    }
    panic!("the half-sent request was never read before shutdown");
}
