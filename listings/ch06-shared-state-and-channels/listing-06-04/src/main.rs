use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio::time::{Instant, sleep};

// ANCHOR: semaphore
/// Spawns a task per page, but lets at most `limit` of them fetch at once.
async fn fetch_all(pages: u32, limit: usize) -> Vec<u32> {
    let permits = Arc::new(Semaphore::new(limit));
    let mut tasks = JoinSet::new();
    for page in 1..=pages {
        let permits = Arc::clone(&permits);
        tasks.spawn(async move {
            // Waits until one of the `limit` permits is free.
            let _permit = permits.acquire_owned().await.unwrap();
            sleep(Duration::from_millis(10)).await; // the fetch
            page
        }); // the permit is dropped, and so returned, when the task ends
    }
    tasks.join_all().await
}
// ANCHOR_END: semaphore

// The paused clock makes the printed times exact.
#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    for limit in [1, 3] {
        let start = Instant::now();
        let pages = fetch_all(6, limit).await;
        let ms = start.elapsed().as_millis();
        println!("limit {limit}: {} pages in {ms} ms", pages.len());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn at_most_limit_tasks_hold_a_permit_at_once() {
        let start = Instant::now();
        let mut pages = fetch_all(6, 2).await;
        assert_eq!(start.elapsed(), Duration::from_millis(30));
        pages.sort();
        assert_eq!(pages, [1, 2, 3, 4, 5, 6]);
    }
}
