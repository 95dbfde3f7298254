use std::time::Duration;

use tokio::task::JoinSet;
use tokio::time::{Instant, sleep};

/// Stands in for fetching page `page`: 10 ms of waiting.
async fn fetch(page: u32) -> u32 {
    sleep(Duration::from_millis(10)).await;
    page
}

// ANCHOR: bounded
/// Fetches every page, with at most `limit` fetches in flight at once.
/// Returns the pages in the order they finished.
async fn fetch_all(pages: u32, limit: usize) -> Vec<u32> {
    let mut in_flight = JoinSet::new();
    let mut done = Vec::new();
    for page in 1..=pages {
        if in_flight.len() == limit {
            // Full: wait for one task to finish before starting another.
            let finished = in_flight.join_next().await.unwrap();
            done.push(finished.expect("a fetch task panicked"));
        }
        in_flight.spawn(fetch(page));
    }
    // Collect the rest; join_next returns None once the set is empty.
    while let Some(finished) = in_flight.join_next().await {
        done.push(finished.expect("a fetch task panicked"));
    }
    done
}
// ANCHOR_END: bounded

// The paused clock makes the printed times exact.
#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    for limit in [1, 2, 6] {
        let start = Instant::now();
        let pages = fetch_all(6, limit).await;
        let ms = start.elapsed().as_millis();
        println!("limit {limit}: {} pages in {ms} ms", pages.len());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    #[tokio::test(start_paused = true)]
    async fn at_most_limit_fetches_run_at_once() {
        let start = Instant::now();
        let mut pages = fetch_all(6, 2).await;
        // Six 10 ms fetches, two at a time: three rounds.
        assert_eq!(start.elapsed(), Duration::from_millis(30));
        pages.sort();
        assert_eq!(pages, [1, 2, 3, 4, 5, 6]);
    }

    // ANCHOR: drop
    #[tokio::test(start_paused = true)]
    async fn dropping_a_join_set_aborts_its_tasks() {
        let finished = Arc::new(AtomicBool::new(false));
        let mut set = JoinSet::new();
        let flag = Arc::clone(&finished);
        set.spawn(async move {
            sleep(Duration::from_millis(10)).await;
            flag.store(true, Ordering::SeqCst);
        });
        drop(set);
        sleep(Duration::from_millis(20)).await;
        assert!(!finished.load(Ordering::SeqCst));
    }
    // ANCHOR_END: drop

    #[tokio::test(start_paused = true)]
    async fn abort_all_cancels_every_task_in_the_set() {
        let mut set = JoinSet::new();
        for page in 1..=3 {
            set.spawn(fetch(page));
        }
        set.abort_all();
        let mut cancelled = 0;
        while let Some(result) = set.join_next().await {
            assert!(result.unwrap_err().is_cancelled());
            cancelled += 1;
        }
        assert_eq!(cancelled, 3, "every task comes back, cancelled");
    }
}
