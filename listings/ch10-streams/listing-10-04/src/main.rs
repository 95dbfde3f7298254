use std::time::Duration;

use tokio::time::{Instant, sleep};

/// Simulates looking up a joke's length, which takes 10 ms per call.
async fn joke_length(id: u32) -> usize {
    sleep(Duration::from_millis(10)).await;
    (id as usize) * 7
}

// ANCHOR: pipeline
mod pipeline {
    use futures::{StreamExt, stream};

    use super::joke_length;

    /// `map`, `filter`, `take`, `then` and `chunks`: all from futures' StreamExt.
    pub async fn pipeline() -> Vec<Vec<usize>> {
        stream::iter(1..=100)
            .map(|id| id * 3) // plain function on each item
            .filter(|id| std::future::ready(id % 2 == 0)) // keep even ids
            .take(5) // the stream ends after five items
            .then(joke_length) // an async step: runs one call at a time
            .chunks(2) // groups of up to two
            .collect()
            .await
    }
}
// ANCHOR_END: pipeline

// ANCHOR: time
mod timing {
    use std::pin::pin;
    use std::time::Duration;

    use tokio::time::{Instant, sleep};
    use tokio_stream::{self as stream, StreamExt};

    /// `throttle` and `timeout` come from tokio-stream's StreamExt.
    pub async fn throttled_with_timeout() -> Vec<(u128, Result<u32, String>)> {
        let start = Instant::now();
        // A source whose third item takes 500 ms to arrive.
        let source = stream::iter([1, 2, 3, 4]).then(async |n| {
            if n == 3 {
                sleep(Duration::from_millis(500)).await;
            }
            n
        });
        // At most one item per 100 ms, and an error for any wait over 300 ms.
        // Both adapters hold a timer, so the result is not `Unpin`: pin it.
        let mut items = pin!(
            source
                .throttle(Duration::from_millis(100))
                .timeout(Duration::from_millis(300))
        );
        let mut seen = Vec::new();
        while let Some(item) = items.next().await {
            let item = item.map_err(|elapsed| elapsed.to_string());
            seen.push((start.elapsed().as_millis(), item));
        }
        seen
    }
}
// ANCHOR_END: time

use pipeline::pipeline;
use timing::throttled_with_timeout;

/// This program only waits on timers, so it uses Tokio's paused clock: it
/// finishes at once and prints exact times.
#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    let start = Instant::now();
    let chunks = pipeline().await;
    println!("chunks {chunks:?} after {:?}", start.elapsed());
    for (at, item) in throttled_with_timeout().await {
        println!("{at:>4} ms: {item:?}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn then_runs_one_call_at_a_time() {
        let start = Instant::now();
        assert_eq!(pipeline().await, [vec![42, 84], vec![126, 168], vec![210]]);
        // Five calls of 10 ms, one after the other.
        assert_eq!(start.elapsed(), Duration::from_millis(50));
    }

    #[tokio::test(start_paused = true)]
    async fn throttle_spaces_items_and_timeout_reports_a_gap() {
        let seen = throttled_with_timeout().await;
        let elapsed = Err("deadline has elapsed".to_string());
        assert_eq!(
            seen,
            [
                (0, Ok(1)),
                (100, Ok(2)),   // throttled: 100 ms after the first
                (400, elapsed), // 300 ms without an item
                (700, Ok(3)),   // the slow item still arrives
                (800, Ok(4)),   // throttled again
            ]
        );
    }
}
