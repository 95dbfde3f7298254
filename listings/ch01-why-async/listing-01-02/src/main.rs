use std::time::Duration;

use tokio::time::{Instant, sleep};

// ANCHOR: calls
/// Stands in for the remote joke API: about 200 ms of waiting.
async fn fetch_joke() -> String {
    sleep(Duration::from_millis(200)).await;
    String::from("Why did the future go to therapy? It had unresolved issues.")
}

/// Stands in for the local preferences store: about 5 ms of waiting.
async fn load_language() -> String {
    sleep(Duration::from_millis(5)).await;
    String::from("en")
}
// ANCHOR_END: calls

// ANCHOR: sequential
async fn sequential() -> (String, String) {
    let joke = fetch_joke().await;
    let language = load_language().await;
    (joke, language)
}
// ANCHOR_END: sequential

// ANCHOR: concurrent
async fn concurrent() -> (String, String) {
    tokio::join!(fetch_joke(), load_language())
}
// ANCHOR_END: concurrent

// ANCHOR: main
// The paused clock jumps forward whenever every task is waiting on a timer,
// so this program finishes at once and prints exactly the simulated times.
#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    let start = Instant::now();
    let (joke, language) = sequential().await;
    println!("sequential: {} ms", start.elapsed().as_millis());

    let start = Instant::now();
    let (same_joke, _) = concurrent().await;
    println!("concurrent: {} ms", start.elapsed().as_millis());

    assert_eq!(joke, same_joke);
    println!("[{language}] {joke}");
}
// ANCHOR_END: main

#[cfg(test)]
mod tests {
    use super::*;

    // Appendix A, Claim 1: if awaiting in turn overlapped the calls, this
    // is how `sequential` would behave, and the first test below fails.
    #[cfg(feature = "counterfactual")]
    async fn sequential() -> (String, String) {
        tokio::join!(fetch_joke(), load_language())
    }

    #[tokio::test(start_paused = true)]
    async fn sequential_waits_add_up() {
        let start = Instant::now();
        sequential().await;
        assert_eq!(start.elapsed(), Duration::from_millis(205));
    }

    #[tokio::test(start_paused = true)]
    async fn concurrent_waits_take_as_long_as_the_slowest() {
        let start = Instant::now();
        concurrent().await;
        assert_eq!(start.elapsed(), Duration::from_millis(200));
    }
}
