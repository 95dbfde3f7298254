//! Exercise 9-2: retry with exponential backoff, taking an async closure.

use std::time::Duration;

/// Calls `operation` up to `attempts` times, waiting `first_delay` after the
/// first failure and twice as long after each further one. `AsyncFnMut`
/// lets the operation change its captured state between calls.
pub async fn retry_with_backoff<T, E>(
    attempts: u32,
    first_delay: Duration,
    mut operation: impl AsyncFnMut() -> Result<T, E>,
) -> Result<T, E> {
    let mut delay = first_delay;
    let mut attempt = 1;
    loop {
        match operation().await {
            Err(_) if attempt < attempts => {
                tokio::time::sleep(delay).await;
                delay *= 2;
                attempt += 1;
            }
            result => return result,
        }
    }
}

/// Fails `failures` times, then succeeds; counts the calls it gets.
pub async fn flaky_operation(
    failures: u32,
    attempts: u32,
) -> (Result<u32, String>, u32) {
    let mut calls = 0;
    let result =
        retry_with_backoff(attempts, Duration::from_millis(100), async || {
            calls += 1; // mutates a capture: needs AsyncFnMut
            tokio::task::yield_now().await;
            if calls <= failures {
                Err(format!("call {calls} failed"))
            } else {
                Ok(calls)
            }
        })
        .await;
    (result, calls)
}

/// This program only waits on timers, so it runs on Tokio's paused clock.
#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    let start = tokio::time::Instant::now();
    let (result, calls) = flaky_operation(2, 5).await;
    println!("{result:?} after {calls} calls, {:?}", start.elapsed());
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::time::Instant;

    #[tokio::test(start_paused = true)]
    async fn waits_100_then_200_ms_before_the_third_call() {
        let start = Instant::now();
        let (result, calls) = flaky_operation(2, 5).await;
        assert_eq!(result, Ok(3));
        assert_eq!(calls, 3);
        assert_eq!(start.elapsed(), Duration::from_millis(300));
    }

    #[tokio::test(start_paused = true)]
    async fn gives_up_after_the_last_attempt() {
        let start = Instant::now();
        let (result, calls) = flaky_operation(10, 3).await;
        assert_eq!(result, Err("call 3 failed".to_string()));
        assert_eq!(calls, 3);
        assert_eq!(start.elapsed(), Duration::from_millis(300));
    }
}
