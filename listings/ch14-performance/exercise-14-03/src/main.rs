use std::time::Duration;

use support::measure::Latencies;
use tokio::time::{Instant, sleep};

/// Listing 14-8's requests: `n` tasks that wait 1 ms, or 100 ms for every
/// `miss_every`th one.
async fn handle_requests(n: u32, miss_every: u32) -> Latencies {
    let handles: Vec<_> = (1..=n)
        .map(|i| {
            let slow = i % miss_every == 0;
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
    Latencies::new(latencies)
}

#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    let latencies = handle_requests(1_000, 100).await;
    for p in [50.0, 99.0, 99.1, 99.9, 100.0] {
        println!("p{p}: {:?}", latencies.percentile(p));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    /// With exactly 1% of the requests slow, the 10 slow ones of 1,000
    /// take ranks 991 to 1,000, and p99 is rank 990: a fast request.
    /// Any percentile above 99 shows them.
    #[tokio::test(start_paused = true)]
    async fn a_tail_of_exactly_one_percent_is_above_p99() {
        let latencies = handle_requests(1_000, 100).await;
        assert_eq!(latencies.percentile(99.0), MS);
        assert_eq!(latencies.percentile(99.1), 100 * MS);
        assert_eq!(latencies.percentile(99.9), 100 * MS);
        assert_eq!(latencies.max(), 100 * MS);
        // One in 50: 20 slow requests, ranks 981 to 1,000; p98 is rank 980.
        let latencies = handle_requests(1_000, 50).await;
        assert_eq!(latencies.percentile(98.0), MS);
        assert_eq!(latencies.percentile(99.0), 100 * MS);
    }
}
