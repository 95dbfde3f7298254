use std::time::Duration;

use support::measure::Latencies;
use tokio::time::{Instant, sleep};

// ANCHOR: latencies
/// Handles `n` requests at once, each a task that waits for a backend: 1 ms
/// when the answer is cached, 100 ms for every `miss_every`th request (never
/// when `miss_every` is 0). Returns each request's latency, in the order
/// the requests were made.
async fn handle_requests(n: u32, miss_every: u32) -> Vec<Duration> {
    let handles: Vec<_> = (1..=n)
        .map(|i| {
            let slow = miss_every != 0 && i % miss_every == 0;
            let backend = Duration::from_millis(if slow { 100 } else { 1 });
            tokio::spawn(async move {
                let start = Instant::now();
                sleep(backend).await;
                start.elapsed()
            })
        })
        .collect();
    let mut latencies = Vec::new();
    for handle in handles {
        latencies.push(handle.await.unwrap());
    }
    latencies
}

/// The figures a report should give: the percentiles and the largest
/// latency, with the mean only for comparison.
fn summary(latencies: Vec<Duration>) -> [(&'static str, Duration); 5] {
    let latencies = Latencies::new(latencies);
    [
        ("mean", latencies.mean()),
        ("p50", latencies.percentile(50.0)),
        ("p90", latencies.percentile(90.0)),
        ("p99", latencies.percentile(99.0)),
        ("max", latencies.max()),
    ]
}
// ANCHOR_END: latencies

/// Tokio's paused clock makes every wait exactly as long as asked, so the
/// figures are the same on every machine.
#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    let all_fast = summary(handle_requests(1_000, 0).await);
    let some_slow = summary(handle_requests(1_000, 50).await);
    println!("1,000 requests; latency in ms (Tokio's paused clock)");
    println!("         all 1 ms   1 in 50 takes 100 ms");
    for ((name, fast), (_, slow)) in all_fast.into_iter().zip(some_slow) {
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        println!("  {name:4} {:>10.2} {:>14.2}", ms(fast), ms(slow));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    /// 20 slow requests in 1,000 leave the median where it was and move
    /// the mean to about 3 ms, a latency no request had; p99 and the
    /// maximum show the 100 ms that 2% of the requests waited.
    #[tokio::test(start_paused = true)]
    async fn the_mean_hides_the_slow_requests_that_p99_shows() {
        let [mean, p50, p90, p99, max] =
            summary(handle_requests(1_000, 50).await).map(|(_, d)| d);
        assert_eq!((p50, p90), (ms(1), ms(1)));
        assert_eq!((p99, max), (ms(100), ms(100)));
        assert_eq!(mean, Duration::from_micros(2_980));
        let [mean, p50, _, p99, max] =
            summary(handle_requests(1_000, 0).await).map(|(_, d)| d);
        assert_eq!([mean, p50, p99, max], [ms(1); 4]);
    }

    /// The slow requests did not slow the others: tasks wait side by side.
    #[tokio::test(start_paused = true)]
    async fn a_slow_request_delays_only_itself() {
        let latencies = handle_requests(1_000, 50).await;
        let slow = latencies.iter().filter(|&&d| d == ms(100)).count();
        let fast = latencies.iter().filter(|&&d| d == ms(1)).count();
        assert_eq!((slow, fast), (20, 980));
    }
}
