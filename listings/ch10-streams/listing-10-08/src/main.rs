use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::{StreamExt, stream};
use tokio::sync::mpsc;
use tokio::time::{Instant, sleep};
use tokio_stream::wrappers::ReceiverStream;

/// A shared list of events, each stamped with the paused clock's time.
#[derive(Clone)]
struct Log(Arc<Mutex<Vec<String>>>, Instant);

impl Log {
    fn new() -> Self {
        Log(Arc::default(), Instant::now())
    }

    fn add(&self, event: String) {
        let at = self.1.elapsed().as_millis();
        self.0.lock().unwrap().push(format!("{at:>3} ms {event}"));
    }

    fn events(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
}

/// The slow consumer: 100 ms per item.
async fn consume(log: &Log, item: u32) {
    sleep(Duration::from_millis(100)).await;
    log.add(format!("consumed {item}"));
}

// ANCHOR: pull
/// A stream produces an item only when its consumer asks for one.
async fn pull(log: &Log) {
    let source = stream::unfold(1, async |n| {
        log.add(format!("produced {n}"));
        Some((n, n + 1)) // an endless source...
    });
    // ...of which the consumer takes three, one at a time.
    source
        .take(3)
        .for_each(async |item| consume(log, item).await)
        .await;
}
// ANCHOR_END: pull

// ANCHOR: push
/// A task that pushes into a bounded channel runs ahead of the consumer by
/// at most the channel's capacity, then waits in `send`.
async fn push(log: &Log) {
    let (tx, rx) = mpsc::channel(2);
    let producer_log = log.clone();
    let producer = tokio::spawn(async move {
        for n in 1..=5 {
            tx.send(n).await.unwrap(); // waits while the channel is full
            producer_log.add(format!("sent {n}"));
        }
    });
    ReceiverStream::new(rx)
        .for_each(async |item| consume(log, item).await)
        .await;
    producer.await.unwrap();
}
// ANCHOR_END: push

/// This program only waits on timers and channels, so it uses Tokio's paused
/// clock: it finishes at once and prints exact times.
#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    let log = Log::new();
    pull(&log).await;
    println!("pull:\n{}", log.events().join("\n"));
    let log = Log::new();
    push(&log).await;
    println!("push:\n{}", log.events().join("\n"));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// How far the producer got ahead of the consumer, at worst.
    fn most_ahead(events: &[String], made: &str) -> usize {
        let (mut ahead, mut most) = (0i32, 0);
        for event in events {
            if event.contains(made) {
                ahead += 1;
            } else if event.contains("consumed") {
                ahead -= 1;
            }
            most = most.max(ahead);
        }
        most as usize
    }

    #[tokio::test(start_paused = true)]
    async fn a_stream_never_runs_ahead_of_its_consumer() {
        let log = Log::new();
        pull(&log).await;
        let events = log.events();
        assert_eq!(events.len(), 6, "three produced, three consumed");
        assert_eq!(most_ahead(&events, "produced"), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn a_bounded_channel_lets_the_producer_run_ahead_by_its_capacity() {
        let log = Log::new();
        push(&log).await;
        let events = log.events();
        // Two items wait in the channel, one is being consumed.
        assert_eq!(most_ahead(&events, "sent"), 3);
        assert!(events.last().unwrap().ends_with("consumed 5"));
    }
}
