//! A load test over loopback: the service runs in-process with the demo
//! joke API, and a client sends it 5,000 requests, 200 at a time.

use std::time::{Duration, Instant};

use futures::StreamExt;
use joke_bot::{App, Config};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

const REQUESTS: usize = 5_000;
const CONCURRENCY: usize = 200;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let app = App::new(Config::default())?;
    let shutdown = CancellationToken::new();
    let server = tokio::spawn(joke_bot::serve(
        listener,
        app,
        joke_bot::routes(),
        shutdown.clone(),
    ));

    let report = load(&base, REQUESTS, CONCURRENCY).await;
    shutdown.cancel();
    server.await?;

    let seconds = report.elapsed.as_secs_f64();
    println!("{REQUESTS} requests, {CONCURRENCY} at a time, in {seconds:.2} s");
    println!("errors:      {}", report.errors);
    println!("throughput:  {:.0} requests/s", REQUESTS as f64 / seconds);
    println!("latency p50: {:.1} ms", ms(report.percentile(50)));
    println!("latency p99: {:.1} ms", ms(report.percentile(99)));
    anyhow::ensure!(report.errors == 0, "{} requests failed", report.errors);
    Ok(())
}

// ANCHOR: load
/// What a load run measured.
struct Report {
    errors: usize,
    elapsed: Duration,
    /// One per request, sorted.
    latencies: Vec<Duration>,
}

impl Report {
    /// The latency that `p` percent of the requests did not exceed.
    fn percentile(&self, p: usize) -> Duration {
        let rank = (self.latencies.len() * p).div_ceil(100).max(1);
        self.latencies[rank - 1]
    }
}

/// Sends `requests` joke requests to the service at `base`, keeping
/// `concurrency` of them in flight, and times each one.
async fn load(base: &str, requests: usize, concurrency: usize) -> Report {
    let client = support::client();
    let url = format!("{base}/jokes");
    let users = ["ada", "grace", "alan"];
    let started = Instant::now();
    let results: Vec<(bool, Duration)> = futures::stream::iter(0..requests)
        .map(|i| {
            let body =
                serde_json::json!({ "user": users[i % 3], "id": i % 3 + 1 });
            let request = client.post(&url).json(&body);
            async move {
                let sent = Instant::now();
                let ok = match request.send().await {
                    Ok(response) => {
                        response.status().is_success()
                            && response.bytes().await.is_ok()
                    }
                    Err(_) => false,
                };
                (ok, sent.elapsed())
            }
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    let elapsed = started.elapsed();
    let errors = results.iter().filter(|(ok, _)| !ok).count();
    let mut latencies: Vec<_> = results.into_iter().map(|(_, t)| t).collect();
    latencies.sort();
    Report {
        errors,
        elapsed,
        latencies,
    }
}
// ANCHOR_END: load

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_smaller_load_has_no_errors() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let app = App::new(Config::default()).unwrap();
        let shutdown = CancellationToken::new();
        let server = tokio::spawn(joke_bot::serve(
            listener,
            app.clone(),
            joke_bot::routes(),
            shutdown.clone(),
        ));
        let report = load(&base, 500, 50).await;
        assert_eq!(report.errors, 0);
        assert_eq!(report.latencies.len(), 500);
        shutdown.cancel();
        server.await.unwrap();
        // Every request was served, and recorded before `serve` returned.
        let served: i64 = app
            .db()
            .call(|c| {
                c.query_row("SELECT count(*) FROM served", [], |r| r.get(0))
            })
            .await
            .unwrap();
        assert_eq!(served, 500);
    }

    #[test]
    fn percentiles_pick_the_right_rank() {
        let report = Report {
            errors: 0,
            elapsed: Duration::ZERO,
            latencies: (1..=200).map(Duration::from_millis).collect(),
        };
        assert_eq!(report.percentile(50), Duration::from_millis(100));
        assert_eq!(report.percentile(99), Duration::from_millis(198));
        assert_eq!(report.percentile(100), Duration::from_millis(200));
    }
}
