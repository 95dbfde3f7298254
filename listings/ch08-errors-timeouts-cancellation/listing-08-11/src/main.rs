use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::timeout;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

type Log = Arc<Mutex<Vec<String>>>;

// ANCHOR: blocking
/// Blocking work done in steps (hashing, compressing, a call into a C
/// library). It checks the token between steps: nothing else can stop
/// it once it has started. Returns how many steps it finished.
fn crunch(steps: impl Iterator<Item = u64>, token: &CancellationToken) -> u64 {
    let mut done = 0;
    for step in steps {
        if token.is_cancelled() {
            break; // stop between steps, with the data in a known state
        }
        std::hint::black_box(step); // stands for one step of real work
        done += 1;
    }
    done
}
// ANCHOR_END: blocking

// ANCHOR: start
/// Starts the tasks of a small service, all on one tracker and one token.
fn start(tracker: &TaskTracker, token: &CancellationToken, log: &Log) {
    for name in ["mailer", "indexer"] {
        let (token, log) = (token.clone(), log.clone());
        tracker.spawn(async move {
            token.cancelled().await; // stands for a loop of real work
            log.lock()
                .unwrap()
                .push(format!("{name}: flushed, stopped"));
        });
    }
    let (token, log) = (token.clone(), log.clone());
    tracker.spawn_blocking(move || {
        let slow_steps = (0..).inspect(|_| {
            std::thread::sleep(Duration::from_millis(1));
        });
        crunch(slow_steps, &token);
        log.lock().unwrap().push("cruncher: stopped".into());
    });
}

/// The shutdown sequence. Returns whether every task ended in time.
async fn shutdown(
    tracker: &TaskTracker,
    token: &CancellationToken,
    grace: Duration,
) -> bool {
    token.cancel(); // 1. ask every task to stop
    tracker.close(); // 2. no more tasks will come: `wait` may finish
    timeout(grace, tracker.wait()).await.is_ok() // 3. wait, with a limit
}
// ANCHOR_END: start

#[tokio::main]
async fn main() {
    let (tracker, token) = (TaskTracker::new(), CancellationToken::new());
    let log = Log::default();
    start(&tracker, &token, &log);
    println!("running: {} tasks", tracker.len());
    let in_time = shutdown(&tracker, &token, Duration::from_secs(10)).await;
    let mut log = log.lock().unwrap().clone();
    log.sort(); // the tasks stop in any order
    for line in log {
        println!("{line}");
    }
    println!("all stopped in time: {in_time}, left: {}", tracker.len());
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::mpsc;

    #[tokio::test]
    async fn abort_does_not_stop_blocking_work_that_has_started() {
        let (started_tx, started_rx) = tokio::sync::oneshot::channel();
        let (release_tx, release_rx) = mpsc::channel::<()>();
        let finished = Arc::new(AtomicBool::new(false));
        let flag = finished.clone();
        let task = tokio::task::spawn_blocking(move || {
            started_tx.send(()).unwrap();
            release_rx.recv().unwrap(); // blocks this pool thread
            flag.store(true, Ordering::SeqCst);
            "finished"
        });
        started_rx.await.unwrap(); // it is running now
        task.abort(); // has no effect on a running blocking task
        release_tx.send(()).unwrap();
        assert_eq!(task.await.unwrap(), "finished");
        assert!(finished.load(Ordering::SeqCst));
    }

    #[test]
    fn crunch_stops_at_the_first_check_after_cancel() {
        let token = CancellationToken::new();
        // The third step cancels the token, as a shutdown would.
        let steps = (1..=1_000).inspect(|&step| {
            if step == 3 {
                token.cancel();
            }
        });
        assert_eq!(crunch(steps, &token), 2);
        // Never cancelled, it does every step.
        assert_eq!(crunch(1..=1_000, &CancellationToken::new()), 1_000);
    }

    #[tokio::test]
    async fn shutdown_waits_for_every_task_blocking_work_included() {
        let (tracker, token) = (TaskTracker::new(), CancellationToken::new());
        let log = Log::default();
        start(&tracker, &token, &log);
        assert_eq!(tracker.len(), 3);
        // Generous: the tasks stop within milliseconds of the cancel.
        assert!(shutdown(&tracker, &token, Duration::from_secs(30)).await);
        assert!(tracker.is_empty());
        assert_eq!(log.lock().unwrap().len(), 3, "every task logged");
    }

    #[tokio::test(start_paused = true)]
    async fn wait_never_returns_until_the_tracker_is_closed() {
        let tracker = TaskTracker::new();
        assert!(tracker.is_empty());
        let hour = tokio::time::sleep(Duration::from_secs(3600));
        tokio::select! {
            biased;
            () = tracker.wait() => panic!("wait returned on an open tracker"),
            () = hour => {} // empty, but open: wait is still pending
        }
        tracker.close();
        tokio::select! {
            biased;
            () = tracker.wait() => {} // closed and empty: done at once
            () = std::future::ready(()) => panic!("wait did not return"),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn without_cancel_the_tasks_never_stop_and_wait_times_out() {
        let (tracker, token) = (TaskTracker::new(), CancellationToken::new());
        let worker = token.clone();
        tracker.spawn(async move { worker.cancelled().await });
        tracker.close(); // closed, but nobody asked the task to stop
        let waited = timeout(Duration::from_secs(3600), tracker.wait());
        assert!(waited.await.is_err());
        assert_eq!(tracker.len(), 1);
        token.cancel();
        tracker.wait().await;
    }
}
