use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use futures::StreamExt;
use tokio::sync::mpsc;

/// How many items a consumer has handled so far, for tests to observe.
type Progress = Arc<AtomicU64>;

// ANCHOR: code
/// Drains a Tokio channel, counting the messages. Tokio's channels take
/// part in cooperative budgeting: after a number of messages, `recv`
/// returns `Pending` once, so other tasks on the thread get a turn.
async fn drain_channel(mut rx: mpsc::Receiver<u64>, done: Progress) {
    while let Some(_item) = rx.recv().await {
        done.fetch_add(1, Ordering::Relaxed);
    }
}

/// Drains a stream that is always ready, counting the items. Nothing in
/// this loop ever returns `Pending`, so the task keeps its thread until the
/// stream ends.
async fn drain_stream(items: Vec<u64>, done: Progress) {
    let mut stream = futures::stream::iter(items);
    while let Some(_item) = stream.next().await {
        done.fetch_add(1, Ordering::Relaxed);
    }
}

/// The fix: spend Tokio's budget on every item, which yields when the
/// budget runs out, as Tokio's own resources do.
async fn drain_stream_fairly(items: Vec<u64>, done: Progress) {
    let mut stream = futures::stream::iter(items);
    while let Some(_item) = stream.next().await {
        done.fetch_add(1, Ordering::Relaxed);
        tokio::task::coop::consume_budget().await;
    }
}
// ANCHOR_END: code

// ANCHOR: probe
/// Starts `consumer` as a task, then a probe task, on the test's single
/// thread, and returns how far the consumer had got when the probe ran.
/// Less than `ITEMS` means the probe was not starved.
async fn progress_seen_by_probe(
    consumer: impl Future<Output = ()> + Send + 'static,
    done: Progress,
) -> u64 {
    let consumer = tokio::spawn(consumer);
    let probe = tokio::spawn(async move { done.load(Ordering::Relaxed) });
    let seen = probe.await.unwrap();
    consumer.await.unwrap();
    seen
}
// ANCHOR_END: probe

const ITEMS: u64 = 10_000;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let (tx, rx) = mpsc::channel(ITEMS as usize);
    for i in 0..ITEMS {
        tx.send(i).await.unwrap();
    }
    drop(tx);
    let done = Progress::default();
    let consumer = drain_channel(rx, Arc::clone(&done));
    let seen = progress_seen_by_probe(consumer, done).await;
    println!("channel: the probe ran after {seen} of {ITEMS} items");

    let done = Progress::default();
    let consumer = drain_stream((0..ITEMS).collect(), Arc::clone(&done));
    let seen = progress_seen_by_probe(consumer, done).await;
    println!("stream: the probe ran after {seen} of {ITEMS} items");

    let done = Progress::default();
    let items = (0..ITEMS).collect();
    let consumer = drain_stream_fairly(items, Arc::clone(&done));
    let seen = progress_seen_by_probe(consumer, done).await;
    println!("fair stream: the probe ran after {seen} of {ITEMS} items");
}

#[cfg(test)]
mod tests {
    use super::*;

    // ANCHOR: tests
    #[tokio::test] // current-thread: the two tasks share one thread
    async fn a_channel_consumer_lets_other_tasks_run() {
        let (tx, rx) = mpsc::channel(ITEMS as usize);
        for i in 0..ITEMS {
            tx.send(i).await.unwrap();
        }
        drop(tx);
        let done = Progress::default();
        let consumer = drain_channel(rx, Arc::clone(&done));
        let seen = progress_seen_by_probe(consumer, Arc::clone(&done)).await;
        // The consumer had started, and had not finished, when the probe ran.
        assert!(0 < seen && seen < ITEMS, "the probe saw {seen} items");
        assert_eq!(done.load(Ordering::Relaxed), ITEMS);
    }

    #[tokio::test]
    async fn an_always_ready_stream_starves_other_tasks() {
        let done = Progress::default();
        let items = (0..ITEMS).collect();
        let consumer = drain_stream(items, Arc::clone(&done));
        let seen = progress_seen_by_probe(consumer, Arc::clone(&done)).await;
        assert_eq!(seen, ITEMS); // the probe ran only after the very end
    }

    #[tokio::test]
    async fn spending_the_budget_fixes_the_starvation() {
        let done = Progress::default();
        let items = (0..ITEMS).collect();
        let consumer = drain_stream_fairly(items, Arc::clone(&done));
        let seen = progress_seen_by_probe(consumer, Arc::clone(&done)).await;
        assert!(0 < seen && seen < ITEMS, "the probe saw {seen} items");
    }
    // ANCHOR_END: tests
}
