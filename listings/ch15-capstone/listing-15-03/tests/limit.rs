//! With a slow upstream, the upstream limit caps the throughput: how many
//! requests per second can the joke bot serve when each upstream call
//! takes 50 ms and at most 8 run at a time? At most 8 / 0.05 s = 160.

use std::time::{Duration, Instant};

use futures::StreamExt;
use joke_bot::{App, Config};
use support::DemoServer;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

const UPSTREAM_DELAY: Duration = Duration::from_millis(50);
const UPSTREAM_LIMIT: usize = 8;

/// Sends `requests` joke requests, `concurrency` at a time, to a joke bot
/// whose upstream answers after `UPSTREAM_DELAY`, with `UPSTREAM_LIMIT`
/// slots. Returns how many failed and how long it all took.
async fn run(requests: usize, concurrency: usize) -> (usize, Duration) {
    let demo = DemoServer::start();
    let delay_ms = UPSTREAM_DELAY.as_millis();
    let config = Config {
        joke_url: Some(demo.url(&format!("/joke?delay_ms={delay_ms}"))),
        upstream_limit: UPSTREAM_LIMIT,
        // Requests wait for a slot here: leave them enough time.
        upstream_wait: Duration::from_secs(10),
        ..Config::default()
    };
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/jokes", listener.local_addr().unwrap());
    let app = App::new(config).unwrap();
    let shutdown = CancellationToken::new();
    let routes = joke_bot::routes();
    let server =
        tokio::spawn(joke_bot::serve(listener, app, routes, shutdown.clone()));

    let client = support::client();
    let started = Instant::now();
    let errors = futures::stream::iter(0..requests)
        .map(|_| {
            let request = client
                .post(&url)
                .json(&serde_json::json!({ "user": "ada" }));
            async move {
                match request.send().await {
                    Ok(response) => !response.status().is_success(),
                    Err(_) => true,
                }
            }
        })
        .buffer_unordered(concurrency)
        .filter(|failed| std::future::ready(*failed))
        .count()
        .await;
    let elapsed = started.elapsed();
    shutdown.cancel();
    server.await.unwrap();
    (errors, elapsed)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_upstream_limit_caps_the_throughput() {
    // 80 requests, 8 upstream calls of 50 ms at a time: at least 10
    // rounds, so at least 500 ms, however many clients are waiting.
    let (errors, elapsed) = run(80, 40).await;
    assert_eq!(errors, 0);
    assert!(elapsed >= 10 * UPSTREAM_DELAY, "{elapsed:?}");
    // And the calls did overlap: less than the 80 rounds they would take
    // one at a time.
    assert!(elapsed < 80 * UPSTREAM_DELAY, "{elapsed:?}");
}
