//! A closed-loop load client, for trying the joke bot by hand as a
//! separate process: it sends `REQUESTS` `POST /jokes` requests, keeping
//! `CONCURRENCY` in flight, and reports how many did not get a 200, the
//! throughput and two latency percentiles. Listing 15-3 measures the same
//! with the service in-process; this one loads the real binary.
//!
//! ```console
//! $ cargo run --release -p listing-15-01 &
//! $ cargo run --release -p listing-15-01 --example load -- 127.0.0.1:8080 5000 200
//! ```

use std::time::Duration;

use futures::StreamExt;
use tokio::time::Instant;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:8080".into());
    let requests: usize = args.next().map_or(Ok(5000), |n| n.parse())?;
    let concurrency: usize = args.next().map_or(Ok(200), |n| n.parse())?;
    let url = format!("http://{addr}/jokes");
    let client = support::client();

    let started = Instant::now();
    let mut results: Vec<(bool, Duration)> = futures::stream::iter(0..requests)
        .map(|i| {
            let users = ["ada", "grace", "alan"];
            let body =
                serde_json::json!({ "user": users[i % 3], "id": i % 3 + 1 });
            let request = client.post(&url).json(&body).send();
            async move {
                let sent = Instant::now();
                let ok = match request.await {
                    // The whole answer, or it does not count as one.
                    Ok(response) => {
                        let ok = response.status() == 200;
                        response.bytes().await.is_ok() && ok
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

    results.sort_by_key(|(_, latency)| *latency);
    let errors = results.iter().filter(|(ok, _)| !ok).count();
    let percentile = |p: usize| {
        let rank = (results.len() * p).div_ceil(100).max(1);
        results[rank - 1].1.as_secs_f64() * 1000.0
    };
    println!("{requests} requests, {concurrency} at a time, to {url}");
    println!("  errors:      {errors}");
    let throughput = requests as f64 / elapsed.as_secs_f64();
    println!("  throughput:  {throughput:.0} requests/s");
    println!("  latency p50: {:.1} ms", percentile(50));
    println!("  latency p99: {:.1} ms", percentile(99));
    anyhow::ensure!(errors == 0, "{errors} requests failed");
    Ok(())
}
