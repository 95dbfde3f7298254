use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::{Instant, sleep};

// ANCHOR: pipeline
/// Sends `count` numbered jobs; returns when each `send` completed.
async fn produce(jobs: mpsc::Sender<u32>, count: u32) -> Vec<u128> {
    let start = Instant::now();
    let mut sent_at = Vec::new();
    for job in 1..=count {
        // Waits while the channel is full: this is the backpressure.
        jobs.send(job).await.expect("the consumer stopped early");
        sent_at.push(start.elapsed().as_millis());
    }
    sent_at
} // `jobs`, a Sender, is dropped here

/// Takes 10 ms per job, until every Sender is gone.
async fn consume(mut jobs: mpsc::Receiver<u32>) -> Vec<u32> {
    let mut done = Vec::new();
    while let Some(job) = jobs.recv().await {
        sleep(Duration::from_millis(10)).await;
        done.push(job);
    }
    done // recv returned None: the channel is closed and empty
}

async fn pipeline(capacity: usize, count: u32) -> (Vec<u128>, Vec<u32>) {
    let (sender, receiver) = mpsc::channel(capacity);
    let consumer = tokio::spawn(consume(receiver));
    let sent_at = produce(sender, count).await;
    (sent_at, consumer.await.unwrap())
}
// ANCHOR_END: pipeline

// The paused clock makes the printed times exact.
#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    let (sent_at, done) = pipeline(2, 6).await;
    println!("sends completed at (ms): {sent_at:?}");
    println!("jobs done: {done:?}");
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::sync::mpsc::error::TrySendError;

    #[tokio::test(start_paused = true)]
    async fn a_full_channel_makes_the_sender_wait() {
        let (sent_at, done) = pipeline(2, 6).await;
        // Three sends fit at once (two queued, one being worked on);
        // after that the producer goes at the consumer's pace.
        assert_eq!(sent_at, [0, 0, 0, 10, 20, 30]);
        assert_eq!(done, [1, 2, 3, 4, 5, 6]);
    }

    #[tokio::test]
    async fn try_send_on_a_full_channel_fails_at_once() {
        let (sender, _receiver) = mpsc::channel(1);
        sender.try_send(1).unwrap();
        assert!(matches!(sender.try_send(2), Err(TrySendError::Full(2))));
    }

    // ANCHOR: closing
    #[tokio::test(start_paused = true)]
    async fn recv_returns_none_only_after_every_sender_is_dropped() {
        let (sender, mut receiver) = mpsc::channel(4);
        let second = sender.clone();
        sender.send(1).await.unwrap();
        drop(sender);
        assert_eq!(receiver.recv().await, Some(1));
        // One Sender is still alive, so recv keeps waiting.
        let wait = Duration::from_secs(60);
        let result = tokio::time::timeout(wait, receiver.recv()).await;
        assert!(result.is_err(), "still waiting after a minute");
        drop(second);
        assert_eq!(receiver.recv().await, None);
    }
    // ANCHOR_END: closing
}
