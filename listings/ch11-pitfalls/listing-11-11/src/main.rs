use std::time::Duration;

use tokio::sync::mpsc::{self, Receiver, UnboundedReceiver};
use tokio::time::{Instant, sleep};

const EVENTS: u32 = 1_000; // one per millisecond, for a second
const HANDLING: Duration = Duration::from_millis(10); // per event

// ANCHOR: unbounded
/// Returns how long the producer took, and the most events the consumer
/// ever found waiting in the channel.
async fn unbounded() -> (Duration, usize) {
    let (tx, rx) = mpsc::unbounded_channel();
    let consumer = tokio::spawn(consume_unbounded(rx));
    let start = Instant::now();
    for event in 0..EVENTS {
        tx.send(event).unwrap(); // never waits: the queue just grows
        sleep(Duration::from_millis(1)).await;
    }
    let took = start.elapsed();
    drop(tx);
    (took, consumer.await.unwrap())
}

async fn consume_unbounded(mut rx: UnboundedReceiver<u32>) -> usize {
    let mut backlog = 0;
    while let Some(_event) = rx.recv().await {
        backlog = backlog.max(rx.len());
        sleep(HANDLING).await;
    }
    backlog
}
// ANCHOR_END: unbounded

// ANCHOR: bounded
/// The same with a channel of 16 places: `send` waits for room.
async fn bounded() -> (Duration, usize) {
    let (tx, rx) = mpsc::channel(16);
    let consumer = tokio::spawn(consume(rx));
    let start = Instant::now();
    for event in 0..EVENTS {
        tx.send(event).await.unwrap(); // waits while the channel is full
        sleep(Duration::from_millis(1)).await;
    }
    let took = start.elapsed();
    drop(tx);
    (took, consumer.await.unwrap())
}

/// A producer that must not slow down sheds load instead, and counts it.
async fn shedding() -> (Duration, usize, u32) {
    let (tx, rx) = mpsc::channel(16);
    let consumer = tokio::spawn(consume(rx));
    let (start, mut dropped) = (Instant::now(), 0);
    for event in 0..EVENTS {
        if tx.try_send(event).is_err() {
            dropped += 1; // full: this event is not handled
        }
        sleep(Duration::from_millis(1)).await;
    }
    let took = start.elapsed();
    drop(tx);
    (took, consumer.await.unwrap(), dropped)
}
// ANCHOR_END: bounded

async fn consume(mut rx: Receiver<u32>) -> usize {
    let mut backlog = 0;
    while let Some(_event) = rx.recv().await {
        backlog = backlog.max(rx.len());
        sleep(HANDLING).await;
    }
    backlog
}

// The paused clock runs the ten simulated seconds at once.
#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    let (took, backlog) = unbounded().await;
    let ms = took.as_millis();
    println!("unbounded:     producer {ms:>5} ms, backlog up to {backlog}");
    let (took, backlog) = bounded().await;
    let ms = took.as_millis();
    println!("bounded (16):  producer {ms:>5} ms, backlog up to {backlog}");
    let (took, backlog, dropped) = shedding().await;
    let ms = took.as_millis();
    println!(
        "try_send (16): producer {ms:>5} ms, backlog up to {backlog}, \
         {dropped} dropped"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn an_unbounded_channel_piles_up_what_the_consumer_cannot_take() {
        let (took, backlog) = unbounded().await;
        assert_eq!(took, Duration::from_millis(1000));
        // In one second, about 100 events were handled; the rest waited.
        assert!(backlog > 850, "backlog {backlog}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_bounded_channel_slows_the_producer_instead() {
        let (took, backlog) = bounded().await;
        assert!(backlog <= 16, "backlog {backlog}");
        assert!(took > Duration::from_secs(9), "producer held back");
    }

    #[tokio::test(start_paused = true)]
    async fn try_send_keeps_the_pace_and_counts_what_it_drops() {
        let (took, backlog, dropped) = shedding().await;
        assert_eq!(took, Duration::from_millis(1000));
        assert!(backlog <= 16, "backlog {backlog}");
        assert!(dropped > 850, "dropped {dropped}");
    }
}
