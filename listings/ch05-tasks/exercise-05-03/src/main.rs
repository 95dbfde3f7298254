use std::time::Duration;

use support::DemoServer;

/// The error `with_timeout` returns when time runs out.
#[derive(Debug, PartialEq, Eq)]
struct TimedOut(Duration);

/// Runs `future` for at most `limit`. If the time runs out first, the
/// future is dropped (cancelled) and the result is `Err(TimedOut)`.
async fn with_timeout<F: Future>(
    limit: Duration,
    future: F,
) -> Result<F::Output, TimedOut> {
    tokio::select! {
        // `biased;`: if both are ready at once, the answer wins.
        biased;
        output = future => Ok(output),
        () = tokio::time::sleep(limit) => Err(TimedOut(limit)),
    }
}

/// Asks the demo server for an answer that takes `ms` milliseconds.
async fn slow(server: &DemoServer, ms: u64) -> reqwest::Result<String> {
    let url = server.url(&format!("/slow?ms={ms}"));
    support::client().get(url).send().await?.text().await
}

#[tokio::main]
async fn main() {
    let server = DemoServer::start();
    let limit = Duration::from_millis(200);
    for ms in [1, 5_000] {
        match with_timeout(limit, slow(&server, ms)).await {
            Ok(answer) => println!("{ms} ms: {answer:?}"),
            Err(TimedOut(limit)) => {
                println!("{ms} ms: gave up after {limit:?}")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::time::{Instant, sleep};

    #[tokio::test]
    async fn a_fast_answer_arrives() {
        let server = DemoServer::start();
        let answer = with_timeout(Duration::from_secs(5), slow(&server, 1));
        assert_eq!(answer.await.unwrap().unwrap(), "slept 1 ms");
    }

    #[tokio::test]
    async fn a_slow_answer_times_out_without_waiting_for_it() {
        let server = DemoServer::start();
        let start = std::time::Instant::now();
        let limit = Duration::from_millis(5);
        let answer = with_timeout(limit, slow(&server, 5_000)).await;
        assert_eq!(answer.unwrap_err(), TimedOut(limit));
        assert!(start.elapsed() < Duration::from_secs(5));
    }

    #[tokio::test(start_paused = true)]
    async fn works_for_any_future_and_gives_up_exactly_on_time() {
        let start = Instant::now();
        let result = with_timeout(Duration::from_millis(30), async {
            sleep(Duration::from_millis(100)).await;
            "too late"
        });
        assert!(result.await.is_err());
        assert_eq!(start.elapsed(), Duration::from_millis(30));
        let on_time = with_timeout(Duration::from_millis(30), async { 7 });
        assert_eq!(on_time.await, Ok(7));
    }

    /// Uses up the task's cooperative budget on every poll, forever.
    async fn hog_the_budget() {
        loop {
            tokio::task::consume_budget().await;
        }
    }

    #[tokio::test]
    async fn only_tokio_timeout_stops_a_future_that_hogs_the_budget() {
        let limit = Duration::from_millis(20);
        let tokio_result = tokio::time::timeout(limit, hog_the_budget()).await;
        assert!(tokio_result.is_err(), "Tokio's timeout fired");
        // Ours never gets to poll its sleep with budget left: 500 ms
        // later, it still has not given up on its 20 ms limit.
        let ours = with_timeout(limit, hog_the_budget());
        let outer = tokio::time::timeout(Duration::from_millis(500), ours);
        assert!(outer.await.is_err(), "with_timeout never returned");
    }
}
