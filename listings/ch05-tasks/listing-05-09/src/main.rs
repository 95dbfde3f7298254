use std::time::Duration;

use futures::StreamExt;
use futures::stream::FuturesUnordered;
use tokio::time::{Instant, sleep};

async fn call(ms: u64) -> u64 {
    sleep(Duration::from_millis(ms)).await;
    ms
}

// ANCHOR: unordered
/// Runs the calls concurrently in this task; answers in finishing order.
async fn in_finishing_order(delays: &[u64]) -> Vec<u64> {
    let mut pending: FuturesUnordered<_> =
        delays.iter().map(|&ms| call(ms)).collect();
    let mut answers = Vec::new();
    // `next` comes from StreamExt: the next future to finish, or None.
    while let Some(ms) = pending.next().await {
        answers.push(ms);
        if ms == 5 {
            pending.push(call(1)); // more work can join at any time
        }
    }
    answers
}
// ANCHOR_END: unordered

#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    let start = Instant::now();
    let answers = in_finishing_order(&[200, 5, 50]).await;
    let ms = start.elapsed().as_millis();
    println!("{answers:?} after {ms} ms");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn answers_come_in_finishing_order_and_overlap() {
        let start = Instant::now();
        let answers = in_finishing_order(&[200, 5, 50]).await;
        assert_eq!(answers, [5, 1, 50, 200]);
        assert_eq!(start.elapsed(), Duration::from_millis(200));
    }

    #[tokio::test]
    async fn the_futures_run_inside_the_calling_task() {
        let outer = tokio::spawn(async {
            let mut ids: FuturesUnordered<_> =
                (0..3).map(|_| async { tokio::task::id() }).collect();
            let mut inner = Vec::new();
            while let Some(id) = ids.next().await {
                inner.push(id);
            }
            (tokio::task::id(), inner)
        });
        let (outer, inner) = outer.await.unwrap();
        assert!(inner.iter().all(|&id| id == outer));
    }
}
