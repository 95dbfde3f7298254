use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::{Instant, sleep};

type Log = Arc<Mutex<Vec<String>>>;

/// Fails after 5 ms.
async fn failing(log: Log) -> Result<u32, String> {
    sleep(Duration::from_millis(5)).await;
    log.lock().unwrap().push("failing: gave up".into());
    Err("preferences store is down".into())
}

/// Succeeds after 200 ms.
async fn slow(log: Log) -> Result<u32, String> {
    sleep(Duration::from_millis(200)).await;
    log.lock().unwrap().push("slow: finished".into());
    Ok(7)
}

/// `join!` waits for both futures, whatever each returns.
async fn with_join(log: Log) -> (Result<u32, String>, Result<u32, String>) {
    tokio::join!(failing(log.clone()), slow(log))
}

/// `try_join!` returns at the first `Err` and drops the other future.
async fn with_try_join(log: Log) -> Result<(u32, u32), String> {
    tokio::try_join!(failing(log.clone()), slow(log))
}

// The paused clock makes the printed times exact.
#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    let log = Log::default();
    let start = Instant::now();
    let (a, b) = with_join(log.clone()).await;
    println!("join!:     {a:?}, {b:?}");
    report(start, log).await;

    let log = Log::default();
    let start = Instant::now();
    println!("try_join!: {:?}", with_try_join(log.clone()).await);
    report(start, log).await;
}

async fn report(start: Instant, log: Log) {
    println!("  returned after {} ms", start.elapsed().as_millis());
    sleep(Duration::from_secs(1)).await; // a call still running logs now
    println!("  log one second later: {:?}", log.lock().unwrap());
}

#[cfg(test)]
mod tests {
    use super::*;

    // Appendix A, Claim 8: the slow call is cancelled at the first error; the
    // test `join_waits_for_every_future_even_after_an_error` fails.
    #[cfg(feature = "counterfactual")]
    async fn with_join(log: Log) -> (Result<u32, String>, Result<u32, String>) {
        match with_try_join(log).await {
            Ok((a, b)) => (Ok(a), Ok(b)),
            Err(error) => (Err(error), Err("cancelled".into())),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn join_waits_for_every_future_even_after_an_error() {
        let log = Log::default();
        let start = Instant::now();
        let (first, second) = with_join(log.clone()).await;
        assert!(first.is_err());
        assert_eq!(second, Ok(7));
        assert_eq!(start.elapsed(), Duration::from_millis(200));
        assert_eq!(
            *log.lock().unwrap(),
            ["failing: gave up", "slow: finished"]
        );
    }

    #[tokio::test(start_paused = true)]
    async fn try_join_cancels_the_rest_at_the_first_error() {
        let log = Log::default();
        let start = Instant::now();
        let result = with_try_join(log.clone()).await;
        assert_eq!(result, Err("preferences store is down".to_string()));
        assert_eq!(start.elapsed(), Duration::from_millis(5));
        // Give the slow call every chance to finish: it never does.
        sleep(Duration::from_secs(1)).await;
        assert_eq!(*log.lock().unwrap(), ["failing: gave up"]);
    }
}
