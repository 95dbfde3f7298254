use std::time::Duration;

use futures::future::join_all;
use tokio::time::{Instant, sleep};

async fn fetch_page(n: u32) -> String {
    sleep(Duration::from_millis(100)).await;
    format!("page {n}")
}

// ANCHOR: in_turn
/// One request at a time: each `.await` waits before the next starts.
async fn fetch_all_in_turn(pages: &[u32]) -> Vec<String> {
    let mut all = Vec::new();
    for &page in pages {
        all.push(fetch_page(page).await);
    }
    all
}

/// Creating the futures first starts nothing: they are lazy.
async fn fetch_two_made_early() -> (String, String) {
    let first = fetch_page(1);
    let second = fetch_page(2);
    (first.await, second.await)
}
// ANCHOR_END: in_turn

// ANCHOR: at_once
async fn fetch_all_at_once(pages: &[u32]) -> Vec<String> {
    join_all(pages.iter().map(|&page| fetch_page(page))).await
}

async fn fetch_two_at_once() -> (String, String) {
    tokio::join!(fetch_page(1), fetch_page(2))
}
// ANCHOR_END: at_once

async fn timed<T>(work: impl Future<Output = T>) -> (T, u128) {
    let start = Instant::now();
    let output = work.await;
    (output, start.elapsed().as_millis())
}

// The paused clock makes the times exact.
#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    let pages = [1, 2, 3, 4, 5];
    let (_, ms) = timed(fetch_all_in_turn(&pages)).await;
    println!("five pages, loop with .await:  {ms} ms");
    let (_, ms) = timed(fetch_all_at_once(&pages)).await;
    println!("five pages, join_all:          {ms} ms");
    let (_, ms) = timed(fetch_two_made_early()).await;
    println!("two pages, futures made first: {ms} ms");
    let (_, ms) = timed(fetch_two_at_once()).await;
    println!("two pages, join!:              {ms} ms");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn awaiting_in_a_loop_adds_up_the_waits() {
        let (pages, ms) = timed(fetch_all_in_turn(&[1, 2, 3, 4, 5])).await;
        assert_eq!((pages.len(), ms), (5, 500));
    }

    #[tokio::test(start_paused = true)]
    async fn futures_created_early_still_run_in_turn() {
        assert_eq!(timed(fetch_two_made_early()).await.1, 200);
    }

    #[tokio::test(start_paused = true)]
    async fn join_all_overlaps_the_waits_and_keeps_the_order() {
        let (pages, ms) = timed(fetch_all_at_once(&[1, 2, 3])).await;
        assert_eq!(pages, ["page 1", "page 2", "page 3"]);
        assert_eq!(ms, 100);
    }

    #[tokio::test(start_paused = true)]
    async fn join_overlaps_two_waits() {
        assert_eq!(timed(fetch_two_at_once()).await.1, 100);
    }
}
