use std::time::Duration;

use tokio::time::{sleep, timeout};

/// How often to try, and how long to wait between tries: `first_delay`,
/// then twice that, then twice again (exponential backoff).
struct RetryPolicy {
    attempts: u32,
    first_delay: Duration,
}

// ANCHOR: code
/// Calls `op` until it succeeds or `policy.attempts` calls have failed;
/// each call may take at most `limit`. Returns the last error.
async fn retry<T>(
    policy: &RetryPolicy,
    limit: Duration,
    mut op: impl AsyncFnMut() -> Result<T, String>,
) -> Result<T, String> {
    let mut delay = policy.first_delay;
    let mut attempt = 1;
    loop {
        let error = match timeout(limit, op()).await {
            Ok(Ok(value)) => return Ok(value),
            Ok(Err(error)) => error,
            Err(_elapsed) => format!("timed out after {limit:?}"),
        };
        if attempt == policy.attempts {
            return Err(error);
        }
        sleep(delay).await;
        delay *= 2;
        attempt += 1;
    }
}
// ANCHOR_END: code

#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    let policy = RetryPolicy {
        attempts: 3,
        first_delay: Duration::from_millis(100),
    };
    let start = tokio::time::Instant::now();
    let mut calls = 0;
    let result = retry(&policy, Duration::from_secs(1), async || {
        calls += 1;
        let at = start.elapsed().as_millis();
        println!("call {calls} at {at} ms");
        if calls < 3 {
            Err("busy".to_string())
        } else {
            Ok("a joke")
        }
    })
    .await;
    println!("{result:?} after {} ms", start.elapsed().as_millis());
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::time::{Instant, advance};
    use tokio_test::{assert_pending, task};

    const POLICY: RetryPolicy = RetryPolicy {
        attempts: 3,
        first_delay: Duration::from_millis(100),
    };
    const LIMIT: Duration = Duration::from_secs(1);

    // ANCHOR: tests
    #[tokio::test(start_paused = true)]
    async fn a_hung_call_is_cut_off_at_the_limit_to_the_millisecond() {
        let calls = std::cell::Cell::new(0);
        let mut retrying = task::spawn(retry(&POLICY, LIMIT, async || {
            calls.set(calls.get() + 1);
            std::future::pending::<Result<(), String>>().await
        }));
        assert_pending!(retrying.poll());
        advance(Duration::from_millis(999)).await;
        assert_pending!(retrying.poll()); // 1 ms early: the call still runs
        advance(Duration::from_millis(1)).await;
        assert_pending!(retrying.poll()); // cut off; now the 100 ms delay
        advance(Duration::from_millis(99)).await;
        assert_pending!(retrying.poll());
        assert_eq!(calls.get(), 1); // no second call before the delay ends
        advance(Duration::from_millis(1)).await;
        assert_pending!(retrying.poll());
        assert_eq!(calls.get(), 2); // on the dot: the second call
    }

    #[tokio::test(start_paused = true)]
    async fn retries_back_off_100_then_200_ms() {
        let start = Instant::now();
        let mut tried_at = Vec::new();
        let result = retry(&POLICY, LIMIT, async || {
            tried_at.push(start.elapsed().as_millis());
            if tried_at.len() < 3 {
                Err("busy".into())
            } else {
                Ok("joke")
            }
        })
        .await;
        assert_eq!(result, Ok("joke"));
        assert_eq!(tried_at, [0, 100, 300]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_hung_call_counts_as_a_failure() {
        let start = Instant::now();
        let result: Result<(), _> =
            retry(&POLICY, LIMIT, async || std::future::pending().await).await;
        assert_eq!(result, Err("timed out after 1s".to_string()));
        // Three 1 s timeouts and the two delays between them: 3.3 s.
        assert_eq!(start.elapsed(), Duration::from_millis(3300));
    }
    // ANCHOR_END: tests
}
