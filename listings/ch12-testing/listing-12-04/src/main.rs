use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::{interval, sleep};
use tokio_util::sync::CancellationToken;

/// What happened, in order.
type Log = Arc<Mutex<Vec<&'static str>>>;

// ANCHOR: code
/// Asks a (simulated) joke API. Whether it finishes or is cancelled, the
/// guard releases the connection when the future is dropped.
async fn fetch_joke(log: Log, delay: Duration) -> &'static str {
    log.lock().unwrap().push("request sent");
    let _release = scopeguard::guard(Arc::clone(&log), |log| {
        log.lock().unwrap().push("connection released");
    });
    sleep(delay).await; // a cancelled call stops here, for good
    log.lock().unwrap().push("answer received");
    "Why did the future never finish? Nobody polled it."
}

/// Counts a beat every 10 ms until `token` is cancelled.
async fn heartbeat(token: CancellationToken, beats: Arc<Mutex<u32>>) {
    let mut ticks = interval(Duration::from_millis(10));
    loop {
        tokio::select! {
            _ = token.cancelled() => return,
            _ = ticks.tick() => *beats.lock().unwrap() += 1,
        }
    }
}
// ANCHOR_END: code

#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    let log = Log::default();
    let call = fetch_joke(Arc::clone(&log), Duration::from_millis(200));
    let result = tokio::time::timeout(Duration::from_millis(50), call).await;
    println!("timed out: {}", result.is_err());
    println!("log: {:?}", log.lock().unwrap());

    let (token, beats) = (CancellationToken::new(), Arc::default());
    let worker = tokio::spawn(heartbeat(token.clone(), Arc::clone(&beats)));
    sleep(Duration::from_millis(25)).await;
    token.cancel();
    worker.await.unwrap();
    println!("beats before cancel: {}", beats.lock().unwrap());
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::time::{advance, timeout};
    use tokio_test::{assert_pending, task};

    const SLOW: Duration = Duration::from_millis(200);

    fn events(log: &Log) -> Vec<&'static str> {
        log.lock().unwrap().clone()
    }

    // ANCHOR: tests
    #[tokio::test(start_paused = true)]
    async fn dropping_the_future_runs_the_cleanup_and_nothing_else() {
        let log = Log::default();
        let mut call = task::spawn(fetch_joke(Arc::clone(&log), SLOW));
        assert_pending!(call.poll()); // now waiting inside `sleep`
        drop(call); // cancel
        assert_eq!(events(&log), ["request sent", "connection released"]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_timeout_cancels_the_call_at_its_await() {
        let log = Log::default();
        let call = fetch_joke(Arc::clone(&log), SLOW);
        let result = timeout(Duration::from_millis(50), call).await;
        assert!(result.is_err());
        advance(SLOW).await; // even later, the rest never runs
        assert_eq!(events(&log), ["request sent", "connection released"]);
    }

    #[tokio::test(start_paused = true)]
    async fn an_aborted_task_reports_cancelled() {
        let log = Log::default();
        let task = tokio::spawn(fetch_joke(Arc::clone(&log), SLOW));
        tokio::task::yield_now().await; // let it send its request
        task.abort();
        let error = task.await.unwrap_err();
        assert!(error.is_cancelled());
        assert_eq!(events(&log), ["request sent", "connection released"]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_cancelled_worker_stops_at_once() {
        let (token, beats) = (CancellationToken::new(), Arc::default());
        let worker = tokio::spawn(heartbeat(token.clone(), Arc::clone(&beats)));
        sleep(Duration::from_millis(35)).await; // beats at 0, 10, 20, 30 ms
        token.cancel();
        let cancelled_at = tokio::time::Instant::now();
        // A worker that ignored the token would never return: fail instead.
        let limit = Duration::from_secs(1);
        let joined = timeout(limit, worker).await;
        joined.expect("the worker ignored the token").unwrap();
        // At once: no paused time passed, and no beat after the cancel.
        assert_eq!(cancelled_at.elapsed(), Duration::ZERO);
        assert_eq!(*beats.lock().unwrap(), 4);
    }
    // ANCHOR_END: tests
}
