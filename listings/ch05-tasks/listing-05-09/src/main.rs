use std::pin::pin;
use std::time::Duration;

use futures::StreamExt;
use futures::future::{join_all, try_join_all};
use futures::stream::FuturesUnordered;
use tokio::task::JoinSet;
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

// ANCHOR: join_all
/// A call that fails when `ms` is odd.
async fn try_call(ms: u64) -> Result<u64, String> {
    sleep(Duration::from_millis(ms)).await;
    if ms % 2 == 1 {
        return Err(format!("call {ms} failed"));
    }
    Ok(ms)
}

async fn all_of_them() {
    let start = Instant::now();
    let answers = join_all([200, 5, 50].map(call)).await;
    let ms = start.elapsed().as_millis();
    println!("join_all:     {answers:?} after {ms} ms");

    let start = Instant::now();
    let answers = try_join_all([200, 5, 50].map(try_call)).await;
    let ms = start.elapsed().as_millis();
    println!("try_join_all: {answers:?} after {ms} ms");
}
// ANCHOR_END: join_all

// ANCHOR: download
/// A download that takes `ms`; returns when it finished, in ms from `start`.
async fn download(ms: u64, start: Instant) -> u128 {
    sleep(Duration::from_millis(ms)).await;
    start.elapsed().as_millis()
}

/// Stores one result: 25 ms of waiting, for a disk or a database.
async fn store(_finished_at: u128) {
    sleep(Duration::from_millis(25)).await;
}
// ANCHOR_END: download

// ANCHOR: stall
/// Stores each result as it comes. Returns when each download finished.
async fn download_then_store(start: Instant) -> Vec<u128> {
    let mut downloads: FuturesUnordered<_> = [10, 20, 30]
        .map(|ms| download(ms, start))
        .into_iter()
        .collect();
    let mut finished = Vec::new();
    while let Some(at) = downloads.next().await {
        finished.push(at);
        store(at).await; // nobody polls `downloads` meanwhile
    }
    finished
}
// ANCHOR_END: stall

// ANCHOR: keep_polling
/// The same, but the set is polled while each result is stored.
async fn download_while_storing(start: Instant) -> Vec<u128> {
    let mut downloads: FuturesUnordered<_> = [10, 20, 30]
        .map(|ms| download(ms, start))
        .into_iter()
        .collect();
    let mut finished = Vec::new(); // every result, in the order it came
    let mut stored = 0;
    loop {
        if stored == finished.len() {
            // Nothing is waiting to be stored: wait for a download.
            match downloads.next().await {
                Some(at) => finished.push(at),
                None => break,
            }
        }
        let mut storing = pin!(store(finished[stored]));
        loop {
            tokio::select! {
                () = &mut storing => break,
                // Disabled once the set is empty and `next` gives None.
                Some(at) = downloads.next() => finished.push(at),
            }
        }
        stored += 1;
    }
    finished
}
// ANCHOR_END: keep_polling

// ANCHOR: spawned
/// The same, with each download in a task of its own.
async fn spawn_then_store(start: Instant) -> Vec<u128> {
    let mut downloads = JoinSet::new();
    for ms in [10, 20, 30] {
        downloads.spawn(download(ms, start)); // runs without being polled
    }
    let mut finished = Vec::new();
    while let Some(at) = downloads.join_next().await {
        let at = at.expect("a download panicked");
        finished.push(at);
        store(at).await;
    }
    finished
}
// ANCHOR_END: spawned

#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    let start = Instant::now();
    let answers = in_finishing_order(&[200, 5, 50]).await;
    let ms = start.elapsed().as_millis();
    println!("{answers:?} after {ms} ms");

    all_of_them().await;

    let finished = download_then_store(Instant::now()).await;
    println!("store in the loop body:  downloads done at {finished:?} ms");
    let finished = download_while_storing(Instant::now()).await;
    println!("store inside a select!:  downloads done at {finished:?} ms");
    let finished = spawn_then_store(Instant::now()).await;
    println!("downloads spawned:       downloads done at {finished:?} ms");
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

    #[tokio::test(start_paused = true)]
    async fn join_all_keeps_the_order_the_futures_were_given_in() {
        let start = Instant::now();
        let answers = join_all([200, 5, 50].map(call)).await;
        assert_eq!(answers, [200, 5, 50]);
        assert_eq!(start.elapsed(), Duration::from_millis(200));
    }

    #[tokio::test(start_paused = true)]
    async fn try_join_all_returns_the_first_error_and_drops_the_rest() {
        let finished = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let tracked = |ms: u64| {
            let finished = finished.clone();
            async move {
                let result = try_call(ms).await;
                finished.lock().unwrap().push(ms); // never runs if dropped
                result
            }
        };
        let start = Instant::now();
        let result = try_join_all([200, 5, 50].map(tracked)).await;
        assert_eq!(result, Err("call 5 failed".to_string()));
        assert_eq!(start.elapsed(), Duration::from_millis(5));
        sleep(Duration::from_secs(1)).await;
        assert_eq!(*finished.lock().unwrap(), [5], "the others were dropped");
    }

    /// One slow call first, then `n - 2` quick ones, then a failure at 5 ms.
    async fn time_to_first_error(n: usize) -> Duration {
        let mut delays = vec![200];
        delays.resize(n - 1, 2);
        delays.push(5); // odd: fails
        let start = Instant::now();
        let result = try_join_all(delays.into_iter().map(try_call)).await;
        assert_eq!(result, Err("call 5 failed".to_string()));
        start.elapsed()
    }

    #[tokio::test(start_paused = true)]
    async fn with_over_30_futures_an_error_waits_for_the_futures_before_it() {
        assert_eq!(time_to_first_error(30).await, Duration::from_millis(5));
        assert_eq!(time_to_first_error(31).await, Duration::from_millis(200));
    }

    #[tokio::test(start_paused = true)]
    async fn futures_in_the_set_stall_while_the_loop_body_awaits() {
        let finished = download_then_store(Instant::now()).await;
        assert_eq!(finished, [10, 35, 60]);
    }

    #[tokio::test(start_paused = true)]
    async fn polling_the_set_in_a_select_keeps_the_downloads_moving() {
        let start = Instant::now();
        let finished = download_while_storing(start).await;
        assert_eq!(finished, [10, 20, 30]);
        assert_eq!(start.elapsed(), Duration::from_millis(85), "all stored");
    }

    #[tokio::test(start_paused = true)]
    async fn spawned_downloads_go_on_while_the_loop_body_awaits() {
        let start = Instant::now();
        let finished = spawn_then_store(start).await;
        assert_eq!(finished, [10, 20, 30]);
        assert_eq!(start.elapsed(), Duration::from_millis(85), "all stored");
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
