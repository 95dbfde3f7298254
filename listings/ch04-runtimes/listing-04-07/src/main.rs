use std::time::Duration;

use tokio::time::{sleep, timeout};

/// Asks a (simulated) joke API that takes `api_delay` to answer, and gives
/// up after `limit`.
async fn joke_within(api_delay: Duration, limit: Duration) -> Option<String> {
    let call = async {
        sleep(api_delay).await;
        String::from("I would tell you a UDP joke, but you might not get it.")
    };
    timeout(limit, call).await.ok()
}

// The paused clock makes the simulated waits take no real time.
#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    let limit = Duration::from_millis(500);
    for api_delay in [200, 800] {
        let answer = joke_within(Duration::from_millis(api_delay), limit).await;
        println!("API takes {api_delay} ms: {answer:?}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::runtime::{Handle, RuntimeFlavor};

    #[tokio::test]
    async fn the_default_is_a_current_thread_runtime() {
        let handle = Handle::current();
        assert_eq!(handle.runtime_flavor(), RuntimeFlavor::CurrentThread);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_test_can_ask_for_worker_threads() {
        let handle = Handle::current();
        assert_eq!(handle.runtime_flavor(), RuntimeFlavor::MultiThread);
        assert_eq!(handle.metrics().num_workers(), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn an_hour_long_timeout_takes_no_real_time() {
        let started = std::time::Instant::now(); // the real clock
        let hour = Duration::from_secs(3600);
        assert_eq!(joke_within(2 * hour, hour).await, None);
        assert!(started.elapsed() < Duration::from_secs(1));
    }
}
