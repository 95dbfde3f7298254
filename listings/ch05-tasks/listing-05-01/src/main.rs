use std::time::Duration;

use tokio::task::JoinHandle;
use tokio::time::{Instant, sleep};

/// Stands in for a remote call that takes `ms` milliseconds.
async fn fetch(name: &'static str, ms: u64) -> String {
    sleep(Duration::from_millis(ms)).await;
    format!("{name} after {ms} ms")
}

async fn fetch_both() -> (String, String) {
    // Both tasks are scheduled now and run whether or not anyone awaits.
    let joke: JoinHandle<String> = tokio::spawn(fetch("joke", 200));
    let language = tokio::spawn(fetch("language", 5));

    // Awaiting a handle waits for that task's result.
    let joke = joke.await.expect("the joke task panicked");
    let language = language.await.expect("the language task panicked");
    (joke, language)
}

// Paused clock: the timers fire at once, so the times printed are exact.
#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    let start = Instant::now();
    let (joke, language) = fetch_both().await;
    println!("{joke}; {language}");
    println!("total: {} ms", start.elapsed().as_millis());
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    #[tokio::test(start_paused = true)]
    async fn awaiting_handles_in_turn_still_overlaps_the_tasks() {
        let start = Instant::now();
        fetch_both().await;
        // 200 ms, not 205: the tasks ran while the first await waited.
        assert_eq!(start.elapsed(), Duration::from_millis(200));
    }

    #[tokio::test(start_paused = true)]
    async fn a_dropped_handle_does_not_stop_the_task() {
        let done = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&done);
        drop(tokio::spawn(async move {
            sleep(Duration::from_millis(10)).await;
            flag.store(true, Ordering::SeqCst);
        }));
        sleep(Duration::from_millis(20)).await;
        assert!(done.load(Ordering::SeqCst), "the detached task finished");
    }
}
