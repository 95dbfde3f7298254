use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio::time::{Instant, sleep};

// ANCHOR: semaphore
/// Counts the tasks alive right now, and keeps the highest count seen.
#[derive(Default)]
struct Gauge {
    now: AtomicUsize,
    peak: AtomicUsize,
}

impl Gauge {
    fn enter(&self) {
        let now = self.now.fetch_add(1, Ordering::Relaxed) + 1;
        self.peak.fetch_max(now, Ordering::Relaxed);
    }

    fn leave(&self) {
        self.now.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Fetches every page with at most `limit` tasks alive at once, and
/// returns the pages and the most tasks that were ever alive together.
async fn fetch_all(pages: u32, limit: usize) -> (Vec<u32>, usize) {
    let permits = Arc::new(Semaphore::new(limit));
    let alive = Arc::new(Gauge::default());
    let mut tasks = JoinSet::new();
    for page in 1..=pages {
        // Taken here, before the spawn: the loop waits for a free permit.
        let permit = Arc::clone(&permits).acquire_owned().await.unwrap();
        let alive = Arc::clone(&alive);
        tasks.spawn(async move {
            alive.enter();
            sleep(Duration::from_millis(10)).await; // the fetch
            alive.leave();
            drop(permit); // returned; the loop may spawn the next task
            page
        });
    }
    let pages = tasks.join_all().await;
    (pages, alive.peak.load(Ordering::Relaxed))
}
// ANCHOR_END: semaphore

// The paused clock makes the printed times exact.
#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    for limit in [1, 3] {
        let start = Instant::now();
        let (pages, peak) = fetch_all(6, limit).await;
        let ms = start.elapsed().as_millis();
        let n = pages.len();
        println!("limit {limit}: {n} pages in {ms} ms, at most {peak} at once");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn at_most_limit_tasks_are_alive_at_once() {
        for limit in [1, 2, 3] {
            let (mut pages, peak) = fetch_all(6, limit).await;
            assert_eq!(peak, limit, "never more, and the limit was used");
            pages.sort();
            assert_eq!(pages, [1, 2, 3, 4, 5, 6]);
        }
    }
}
