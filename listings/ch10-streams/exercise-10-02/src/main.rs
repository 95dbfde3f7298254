//! Exercise 10-2: batches of at most three events, or whatever came in
//! 100 ms.

use std::pin::pin;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::{Instant, sleep_until};
use tokio_stream::StreamExt;
use tokio_stream::wrappers::ReceiverStream;

/// Sends events at the given times (in ms), then closes the channel.
fn events_at(times: &'static [u64]) -> ReceiverStream<u64> {
    let (tx, rx) = mpsc::channel(16);
    tokio::spawn(async move {
        let start = Instant::now();
        for &at in times {
            // A deadline, not `at - elapsed`: no subtraction to underflow
            // (and panic) if this task runs late.
            sleep_until(start + Duration::from_millis(at)).await;
            tx.send(at).await.unwrap();
        }
    });
    ReceiverStream::new(rx)
}

/// Groups events into batches, and notes when each batch was handed out.
async fn batches(times: &'static [u64]) -> Vec<(u128, Vec<u64>)> {
    let start = Instant::now();
    let mut batches =
        pin!(events_at(times).chunks_timeout(3, Duration::from_millis(100)));
    let mut seen = Vec::new();
    while let Some(batch) = batches.next().await {
        seen.push((start.elapsed().as_millis(), batch));
    }
    seen
}

/// This program only waits on timers and channels, so it uses Tokio's
/// paused clock: it finishes at once and prints exact times.
#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    for (at, batch) in batches(&[0, 10, 20, 30, 200, 450, 460]).await {
        println!("{at:>3} ms: {batch:?}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_full_batch_goes_at_once_and_a_partial_one_after_100_ms() {
        assert_eq!(
            batches(&[0, 10, 20, 30, 200, 450, 460]).await,
            [
                (20, vec![0, 10, 20]), // full: handed out at once
                (130, vec![30]),       // 100 ms after its first event
                (300, vec![200]),
                (460, vec![450, 460]), // the stream ended
            ]
        );
    }
}
