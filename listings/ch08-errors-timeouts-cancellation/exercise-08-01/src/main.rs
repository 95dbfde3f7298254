use std::time::Duration;

use tokio::time::{sleep, timeout};

/// The error: which operation ran out of time, and what its limit was.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("{what} did not finish within {limit:?}")]
pub struct TimedOut {
    pub what: &'static str,
    pub limit: Duration,
}

/// Runs `future`, giving up after `limit` with an error that names `what`.
pub async fn within<F: Future>(
    what: &'static str,
    limit: Duration,
    future: F,
) -> Result<F::Output, TimedOut> {
    timeout(limit, future)
        .await
        .map_err(|_elapsed| TimedOut { what, limit })
}

#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    let slow = sleep(Duration::from_secs(2));
    if let Err(error) =
        within("the joke API", Duration::from_secs(1), slow).await
    {
        println!("{error}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_fast_future_gives_its_output() {
        let fast = async {
            sleep(Duration::from_millis(10)).await;
            42
        };
        let limit = Duration::from_millis(100);
        assert_eq!(within("fast", limit, fast).await, Ok(42));
    }

    #[tokio::test(start_paused = true)]
    async fn a_slow_future_gives_a_named_error() {
        let start = tokio::time::Instant::now();
        let slow = sleep(Duration::from_secs(5));
        let error = within("the joke API", Duration::from_secs(1), slow)
            .await
            .unwrap_err();
        assert_eq!(start.elapsed(), Duration::from_secs(1));
        assert_eq!(error.to_string(), "the joke API did not finish within 1s");
    }
}
