//! End-to-end tests: the service runs in-process on 127.0.0.1:0 and is
//! called over loopback with a real HTTP client.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use joke_bot::{Config, JokeReply};
use reqwest::StatusCode;
use serde_json::{Value, json};
use support::{CapturedLog, DemoServer};
use tokio::net::TcpListener;

mod common;
use common::{config, post_joke, served, start};

#[tokio::test]
async fn answers_a_joke_in_the_users_language() {
    let demo = DemoServer::start();
    let service = start(config(demo.url("/joke"))).await;
    let (status, body) =
        post_joke(&service, json!({ "user": "alan", "id": 2 })).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let reply: JokeReply = serde_json::from_value(body).unwrap();
    assert_eq!(
        (reply.user.as_str(), reply.language.as_str()),
        ("alan", "fr")
    );
    assert_eq!(reply.joke.id, 2);
    let app = service.stop().await;
    assert_eq!(served(&app).await, 1, "the served joke was recorded");
}

#[tokio::test]
async fn runs_with_no_configuration_but_the_address() {
    // joke_url: None starts the demo joke API in-process.
    let service = start(Config::default()).await;
    let (status, body) = post_joke(&service, json!({ "user": "ada" })).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["joke"]["id"], 1);
    service.stop().await;
}

#[tokio::test]
async fn streams_one_json_line_per_joke() {
    let demo = DemoServer::start();
    let service = start(config(demo.url("/joke"))).await;
    let response = support::client()
        .get(service.url("/jokes/stream?user=grace&count=4"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/x-ndjson");
    assert_eq!(response.headers()["content-language"], "en");
    let text = response.text().await.unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let ids: Vec<_> =
        lines[..3].iter().map(|joke| joke["id"].clone()).collect();
    assert_eq!(ids, [1, 2, 3]);
    // The demo API has three jokes: the fourth line reports the error.
    assert_eq!(lines[3], json!({ "error": "no joke with id 4" }));
    service.stop().await;
}

#[tokio::test]
async fn bad_input_gets_a_clear_4xx_json_error() {
    let demo = DemoServer::start();
    let service = start(config(demo.url("/joke"))).await;
    let client = support::client();
    let json = |body: &str| {
        client
            .post(service.url("/jokes"))
            .header("content-type", "application/json")
            .body(body.to_owned())
    };
    let cases = [
        (json(r#"{"user": "ada""#), 400, "Failed to parse"),
        (json(r#"{"id": 1}"#), 422, "missing field `user`"),
        (json(r#"{"user": "ada", "id": 0}"#), 422, "nonzero"),
        (json(r#"{"user": "ada", "id": "two"}"#), 422, "invalid type"),
        (json(r#"{"user": "ada", "mood": 1}"#), 422, "unknown field"),
        (json(r#"{"user": "bob"}"#), 404, "unknown user \"bob\""),
        (
            json(r#"{"user": "ada", "id": 99}"#),
            404,
            "no joke with id 99",
        ),
        (
            json(&format!(r#"{{"user": "{}"}}"#, "a".repeat(5000))),
            413,
            "length limit",
        ),
        (
            client
                .post(service.url("/jokes"))
                .body(r#"{"user": "ada"}"#),
            415,
            "Content-Type",
        ),
        (client.get(service.url("/jokes")), 405, "method not allowed"),
        (client.get(service.url("/nowhere")), 404, "no such endpoint"),
        (
            client.get(service.url("/jokes/stream?user=ada")),
            400,
            "count",
        ),
        (
            client.get(service.url("/jokes/stream?user=ada&count=many")),
            400,
            "count",
        ),
        (
            client.get(service.url("/jokes/stream?user=ada&count=0")),
            400,
            "count must be from 1 to 10",
        ),
        (
            client.get(service.url("/jokes/stream?user=bob&count=1")),
            404,
            "unknown user",
        ),
    ];
    for (request, status, needle) in cases {
        let response = request.send().await.unwrap();
        let got = response.status().as_u16();
        let body: Value = response.json().await.unwrap();
        let message = body["error"].as_str().unwrap_or_default();
        assert_eq!(got, status, "{body}");
        assert!(message.contains(needle), "{needle:?} not in {body}");
    }
    // The service is still healthy afterwards.
    let (status, _) = post_joke(&service, json!({ "user": "ada" })).await;
    assert_eq!(status, StatusCode::OK);
    service.stop().await;
}

#[tokio::test]
async fn a_slow_upstream_gets_a_504_not_a_hang() {
    let demo = DemoServer::start();
    let service = start(Config {
        attempt_timeout: Duration::from_millis(200),
        ..config(demo.url("/joke?delay_ms=5000"))
    })
    .await;
    let started = Instant::now();
    let (status, body) = post_joke(&service, json!({ "user": "ada" })).await;
    assert_eq!(status, StatusCode::GATEWAY_TIMEOUT, "{body}");
    assert_eq!(
        body["error"],
        "the joke service did not answer within 200ms"
    );
    // Three attempts of 200 ms and two short pauses, not five seconds.
    assert!(started.elapsed() < Duration::from_secs(4));
    service.stop().await;
}

#[tokio::test]
async fn an_unreachable_upstream_gets_a_502() {
    // Bind a port, then free it: nothing listens there any more.
    let closed = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/joke", closed.local_addr().unwrap());
    drop(closed);
    let service = start(config(url)).await;
    let (status, body) = post_joke(&service, json!({ "user": "ada" })).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    assert_eq!(body["error"], "the joke service failed: cannot reach it");
    service.stop().await;
}

#[tokio::test]
async fn a_failing_upstream_is_tried_three_times_then_502() {
    let demo = DemoServer::start();
    let flaky = demo.url("/flaky?key=k&failures=100");
    let service = start(config(flaky.clone())).await;
    let (status, body) = post_joke(&service, json!({ "user": "ada" })).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    assert_eq!(
        body["error"],
        "the joke service failed: it answered 503 Service Unavailable"
    );
    // One attempt and two retries: the demo server counted three.
    let next = support::client().get(flaky).send().await.unwrap();
    let next: Value = next.json().await.unwrap();
    assert!(next["error"].as_str().unwrap().starts_with("attempt 4 "));
    service.stop().await;
}

#[tokio::test]
async fn a_flaky_upstream_is_retried_until_it_answers() {
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    let upstream = MockServer::start().await;
    // The first two requests fail, the third gets a joke.
    Mock::given(method("GET"))
        .and(path("/joke"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(2)
        .mount(&upstream)
        .await;
    let joke = json!({ "id": 1, "setup": "Knock knock.", "punchline": "…" });
    Mock::given(method("GET"))
        .and(path("/joke"))
        .respond_with(ResponseTemplate::new(200).set_body_json(joke))
        .mount(&upstream)
        .await;
    let service = start(config(format!("{}/joke", upstream.uri()))).await;
    let (status, body) = post_joke(&service, json!({ "user": "ada" })).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["joke"]["setup"], "Knock knock.");
    assert_eq!(upstream.received_requests().await.unwrap().len(), 3);
    service.stop().await;
}

#[tokio::test]
async fn upstream_requests_are_limited_to_the_configured_number() {
    // An upstream that counts how many requests it has in flight at once.
    let in_flight = Arc::new(Mutex::new((0, 0))); // (now, most)
    let counter = Arc::clone(&in_flight);
    let upstream = axum::Router::new().route(
        "/joke",
        axum::routing::get(move || {
            let counter = Arc::clone(&counter);
            async move {
                {
                    let mut count = counter.lock().unwrap();
                    count.0 += 1;
                    count.1 = count.1.max(count.0);
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
                counter.lock().unwrap().0 -= 1;
                axum::Json(json!({ "id": 1, "setup": "s", "punchline": "p" }))
            }
        }),
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let joke_url = format!("http://{}/joke", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, upstream).await });

    let service = start(Config {
        upstream_limit: 4,
        // Attempts must not time out here: a cancelled attempt gives its
        // slot back while the upstream still counts it.
        attempt_timeout: Duration::from_secs(5),
        upstream_wait: Duration::from_secs(5),
        ..config(joke_url)
    })
    .await;
    let requests =
        (0..40).map(|_| post_joke(&service, json!({ "user": "ada" })));
    let answers = futures::future::join_all(requests).await;
    assert!(answers.iter().all(|(status, _)| *status == StatusCode::OK));
    let most = in_flight.lock().unwrap().1;
    assert!(most <= 4, "{most} upstream requests at once");
    assert!(most >= 2, "the 40 requests did overlap");
    service.stop().await;
}

/// A fresh database file, and a function that deletes it and its WAL.
fn temp_database(name: &str) -> (String, impl Fn()) {
    let dir = std::env::temp_dir();
    let path = dir.join(format!("joke-bot-{name}-{}.db", std::process::id()));
    let path = path.to_str().unwrap().to_owned();
    let files = ["", "-wal", "-shm"].map(|suffix| format!("{path}{suffix}"));
    let remove = move || {
        for file in &files {
            let _ = std::fs::remove_file(file);
        }
    };
    remove();
    (path, remove)
}

#[tokio::test]
async fn a_database_file_uses_wal_and_waits_when_busy() {
    let (path, remove) = temp_database("wal");
    let db = joke_bot::Db::open(&path).unwrap();
    let (mode, busy): (String, i64) = db
        .call(|conn| {
            let mode =
                conn.query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
            let busy =
                conn.query_row("PRAGMA busy_timeout", [], |r| r.get(0))?;
            Ok((mode, busy))
        })
        .await
        .unwrap();
    assert_eq!((mode.as_str(), busy), ("wal", 5000));
    drop(db);
    remove();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_finishes_the_requests_in_flight_and_the_writes() {
    // An upstream that reports each request, then answers 200 ms later.
    let (arrived_tx, mut arrived) = tokio::sync::mpsc::unbounded_channel();
    let upstream = axum::Router::new().route(
        "/joke",
        axum::routing::get(move || {
            let arrived_tx = arrived_tx.clone();
            async move {
                arrived_tx.send(()).unwrap();
                tokio::time::sleep(Duration::from_millis(200)).await;
                axum::Json(json!({ "id": 1, "setup": "s", "punchline": "p" }))
            }
        }),
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let joke_url = format!("http://{}/joke", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, upstream).await });

    // Another connection to the database file holds its write lock, as a
    // backup tool might: the background writes wait for it.
    let (path, remove) = temp_database("shutdown");
    let mut service = start(Config {
        attempt_timeout: Duration::from_secs(5),
        database: path.clone(),
        ..config(joke_url)
    })
    .await;
    let other = rusqlite::Connection::open(&path).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap();

    let client = support::client();
    let requests: Vec<_> = (0..20)
        .map(|_| {
            let request = client
                .post(service.url("/jokes"))
                .json(&json!({ "user": "grace" }))
                .send();
            tokio::spawn(request)
        })
        .collect();
    // Wait until all 20 are inside the service, waiting for the upstream.
    for _ in 0..20 {
        arrived.recv().await.unwrap();
    }
    service.shutdown.cancel();
    for request in requests {
        let response = request.await.unwrap().unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }
    // Every client has its answer, but the writes are still waiting for
    // the lock: `serve` must not return yet.
    let wait =
        tokio::time::timeout(Duration::from_millis(200), &mut service.server);
    assert!(
        wait.await.is_err(),
        "serve returned before the writes ended"
    );
    other.execute_batch("ROLLBACK").unwrap();
    let health = service.url("/health");
    let stopped = service.server.await.unwrap();
    assert_eq!(stopped, joke_bot::Stopped::default());
    // When `serve` has returned, all 20 served jokes are in the file.
    let count = "SELECT count(*) FROM served";
    let written: i64 = other.query_row(count, [], |row| row.get(0)).unwrap();
    assert_eq!(written, 20, "every background write finished");
    // And the service no longer accepts connections.
    let after = client.get(health).send().await;
    assert!(after.unwrap_err().is_connect());
    drop(other);
    remove();
}

#[tokio::test]
async fn every_request_is_traced() {
    let captured = CapturedLog::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    // This test runs on one thread, server tasks included.
    let _guard = tracing::subscriber::set_default(subscriber);

    let demo = DemoServer::start();
    let service = start(config(demo.url("/joke"))).await;
    post_joke(&service, json!({ "user": "ada" })).await;
    post_joke(&service, json!({ "user": "bob" })).await;
    service.stop().await;

    let log = captured.text();
    let answered: Vec<_> = log
        .lines()
        .filter(|line| line.contains("answered"))
        .collect();
    assert_eq!(answered.len(), 2, "{log}");
    assert!(answered[0].contains("request{id=1 method=POST path=/jokes}"));
    assert!(answered[0].contains("status=200"), "{log}");
    assert!(answered[1].contains("request{id=2 "), "{log}");
    assert!(answered[1].contains("status=404"), "{log}");
}
